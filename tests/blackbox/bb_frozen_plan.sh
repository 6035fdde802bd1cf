# The frozen plan of an incident is read typed, from the plan source it
# was stood up with, never from the JSON copy stored beside it (which is
# for display).  Two incidents of one plan: between standup and their
# ladders the daemon is stopped and one incident's JSON copy loses, by
# rename or removal, every field paging, staffing, the board and the
# retention purge read.  After the restart both incidents page the same
# ladders with the same words, ask the same agencies for the same staff,
# show the same board, and are purged at the end of the same retention
# period.  The daemon's clock is set with its clock offset (TZ=UTC), so no
# test waits for an hour to pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

export TZ=UTC
cat >"$T/plans/frozen.yaml" <<YAML
plan: {id: frozen, name: Frozen plan test, version: "1", ref_prefix: FZ, retention_days: 30}
levels: [{level: 1, name: Alpha level}, {level: 2, name: Bravo level}]
hub: {name: Hub, lead_agency: hub}
paging: {ack_wait: 1s}
staffing:
  horizon: 24h
  ask_lead: 4h
  roles: [{id: call-handler, name: Call handler}, {id: mh-nurse, name: Mental health nurse}]
  shifts: [{id: day, name: Day, start: "08:00", length: 12h}]
  requirements: [{level: 1, need: {call-handler: 2, mh-nurse: 1}}]
persons:
  home_areas: [cambridge]
  pathways: [{id: monitoring, name: Active monitoring, provider: hub, capacity: 40}]
  rules: [{pathway: monitoring}]
agencies:
YAML
for a in hub:call-handler cpft:mh-nurse; do
    id=${a%%:*}
    cat >>"$T/plans/frozen.yaml" <<YAML
  - id: $id
    name: Agency $id
    role: supplies staff
    activate_level: 1
    supplies: [${a#*:}]
    contacts:
      - {name: Desk of $id, channel: exec, target: "$EXEC", args: ["$T/exec"], after: 1h}
      - {name: Duty of $id, channel: exec, target: "$EXEC", args: ["$T/exec"], after: 1s, repeat: 1}
YAML
done
PLANS=$T/plans

# 02:00: both incidents stood up; their ladders start at 03:00, the day
# shift's ask window at 04:00.
start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
tampered=$(m incident standup --plan frozen --level 1 --exercise --operation TAMPERED | head -n 1)
intact=$(m incident standup --plan frozen --level 1 --exercise --operation INTACT | head -n 1)
[ -n "$tampered" ] && [ -n "$intact" ] || fail "standup"
for ref in "$tampered" "$intact"; do
    m --as intake person add "$ref" --category survivor --name "Frozen Person" --home-area cambridge >/dev/null
done
[ "$(attempts_count) $(asks_count)" = "0 0" ] ||
    fail "paged or asked before the ladders were due"

# The board's incident name, roles and pathways, canonical.
board_of() {
    m status "$1" --json | python3 -c 'import json, sys
r = json.load(sys.stdin)
print(json.dumps([r["board"]["incident"].get("level_name"), r["meta"].get("roles"),
                  r["meta"].get("pathways")], sort_keys=True))'
}
before=$(board_of "$tampered")
[ "$before" = "$(board_of "$intact")" ] || fail "the two boards differ before the change"
stop_daemon

incident_plan_copy_scramble "$tampered"
[ "$(incident_plan_copy_has "$tampered" agencies)$(incident_plan_copy_has "$tampered" staffing)" = 00 ] ||
    fail "the JSON copy was not changed"

# 05:00: the ladders are due and the day shift is in its ask window.
start_daemon --clock-offset "$(clock_at '2026-12-01 05:00 UTC')"
all_unreachable() { [ "$(page_state_count unreachable)" = 8 ]; }
wait_for 60 all_unreachable || fail "pages: $(pages_states)"

# Each page's ladder, per agency and kind (activation or ask).
want="cpft:0:0.1:Desk of cpft cpft:0:1.1:Duty of cpft cpft:0:1.2:Duty of cpft"
want="$want cpft:1:0.1:Desk of cpft cpft:1:1.1:Duty of cpft cpft:1:1.2:Duty of cpft"
want="$want hub:0:0.1:Desk of hub hub:0:1.1:Duty of hub hub:0:1.2:Duty of hub"
want="$want hub:1:0.1:Desk of hub hub:1:1.1:Duty of hub hub:1:1.2:Duty of hub"
[ "$(incident_ladders "$intact")" = "$want" ] || fail "intact ladders: $(incident_ladders "$intact")"
[ "$(incident_ladders "$tampered")" = "$want" ] || fail "ladders of the changed copy: $(incident_ladders "$tampered")"
ok "ladders climbed every step and repeat of the typed plan, with or without the JSON copy"

[ "$(incident_asks "$intact")" = "call-handler:hub:2 mh-nurse:cpft:1" ] || fail "intact asks: $(incident_asks "$intact")"
[ "$(incident_asks "$tampered")" = "$(incident_asks "$intact")" ] || fail "asks of the changed copy: $(incident_asks "$tampered")"
ok "the shift in its ask window asked the same capable agencies"

# The words of the pages: plan, level, agency and role names.
# (the referral notices of the two persons, also in hub.log, are not pages)
pages_of() { cat "$T/exec/hub.log" "$T/exec/cpft.log" 2>/dev/null | grep -v '"kind":"referral"' |
    grep -c "\"incident\":\"$1\"" || true; }
all_received() { [ "$(pages_of "$tampered")" = 12 ] && [ "$(pages_of "$intact")" = 12 ]; }
wait_for 30 all_received || fail "pages received: $(pages_of "$tampered") and $(pages_of "$intact")"
for ref in "$tampered" "$intact"; do
    hub=$(grep "\"incident\":\"$ref\"" "$T/exec/hub.log")
    cpft=$(grep "\"incident\":\"$ref\"" "$T/exec/cpft.log")
    for words in "Alpha level" "Frozen plan test" "Agency hub" "Duty of hub" "2 x Call handler for the Day shift"; do
        grep -q "$words" <<<"$hub" || fail "$ref: no page says \"$words\""
    done
    grep -q "1 x Mental health nurse for the Day shift" <<<"$cpft" || fail "$ref: no ask page names the role"
done
ok "every page received, with the plan's names in its words"

[ "$(board_of "$tampered")" = "$before" ] || fail "board of the changed copy: $(board_of "$tampered")"
[ "$(board_of "$intact")" = "$before" ] || fail "intact board: $(board_of "$intact")"
for words in '"Alpha level"' '"Mental health nurse"' '"provider": "hub"' '"capacity": 40'; do
    grep -q "$words" <<<"$before" || fail "board without $words: $before"
done
ok "the board names the level, roles and pathways as before"

m incident standdown "$tampered" >/dev/null
m incident standdown "$intact" >/dev/null
# the retention period runs from the close (the recovery phase comes
# between stand-down and close)
m incident close "$tampered" --force --reason "test over" >/dev/null
m incident close "$intact" --force --reason "test over" >/dev/null
stop_daemon

# 31 days after the close the retention period of 30 days is over.
start_daemon --clock-offset "$(clock_at '2027-01-01 06:00 UTC')"
both_purged() {
    [ "$(incidents_purged)" = 2 ] && [ "$(persons_count purged)" = 2 ]
}
wait_for 30 both_purged || fail "purged: $tampered $(incident_field "$tampered" purged_at)," \
    "$intact $(incident_field "$intact" purged_at), persons $(persons_count purged)"
ok "both incidents purged after the plan's retention period"
stop_daemon
