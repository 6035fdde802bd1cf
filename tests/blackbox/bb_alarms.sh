# tests/blackbox/bb_alarms.sh - alarms reach a person: an agency
# unreachable on every channel raises one alarm, paged once to the plan's
# Gold ladder (climbing its steps) and duty ladder; raising the same cause
# again while it is open changes nothing; clearing it stops its ladders; a
# new cause after that is a new alarm, whose page Gold acknowledges by its
# code (the ladder stops, the alarm stays open); a Victims' Code breach
# raises an alarm; the report lists every alarm with its time to clear;
# the journal says so at the default verbosity, naming nobody.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

alarm_plan() {
    plan_head id=alarms name="Alarm test plan" prefix=AL lead=hub
    cat <<YAML
paging: {ack_wait: 1s}
persons:
  home_areas: [cambridge]
  explicit_consent: [bereaved]
  referral_working_days: 2
  pathways:
    - {id: support, name: Hub support, provider: hub}
  rules:
    - {pathway: support}
command:
  gold:
    name: Gold commander
    contacts:
      - {name: Gold pager, channel: exec, target: "$EXEC", args: ["$T/exec"]}
      - {name: Gold phone, channel: exec, target: "$EXEC", args: ["$T/exec"], after: 1500ms}
      - {name: Deputy Gold, channel: exec, target: "$EXEC", args: ["$T/exec"], after: 1h}
  duty:
    name: Hub duty manager
    contacts:
      - {name: Duty desk, channel: exec, target: "$EXEC", args: ["$T/exec"]}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub contact="$(plan_contact Desk zmq hub after=24h)"
    plan_agency id=a01 name="Agency 1" role=test contact="$(plan_contact Gateway exec "$EXEC" args="$T/exec,fail")"
}
plan_write alarms alarm_plan
start_daemon
ref=$(m incident standup --plan alarms --level 1 --live --operation ALARMS | head -n 1)
lines() { [ -f "$T/exec/$1.log" ] && grep -c page_id "$T/exec/$1.log" || echo 0; }
at_least() { [ "$(lines "$1")" -ge "$2" ]; }
gold_attempts() { attempts_count agency=gold kind=alarm; }

alarmed() { [ "$(alarms_count kind=agency_unreachable state=open)" = 1 ]; }
wait_for 30 alarmed || fail "no alarm for the unreachable agency"
wait_for 30 at_least gold 2 || fail "the Gold ladder did not climb to its second step: $(lines gold)"
wait_for 30 at_least duty 1 || fail "the duty ladder was not paged"
id=$(q "SELECT id FROM alarms WHERE kind = 'agency_unreachable'")
grep -q "ALARM $id: agency a01 unreachable" "$T/exec/gold.log" || fail "the page does not say what the alarm is"
[ "$(pages_count agency=gold kind=alarm)" = 1 ] && [ "$(pages_count agency=duty kind=alarm)" = 1 ] ||
    fail "alarm pages: $(pages_states)"
ok "an unreachable agency's alarm paged Gold (climbing to step 2) and the duty manager"

m agency repage "$ref" a01 >/dev/null
twice() { [ "$(events_count agency.unreachable a01)" = 2 ]; }
wait_for 30 twice || fail "a01 not unreachable again after its repage"
[ "$(alarms_count kind=agency_unreachable)" = 1 ] || fail "a second alarm for the same cause"
[ "$(pages_count agency=gold kind=alarm)" = 1 ] || fail "the same cause paged again"
[ "$(lines duty)" = 1 ] || fail "duty paged $(lines duty) times"
ok "unreachable again while the alarm is open: still one alarm, one page"

m --as duty alarm list "$ref" | grep -q "agency_unreachable" || fail "alarm list does not show it"
# The board shows the open alarm, first, until it is cleared: in a
# snapshot (status) and to a watcher following the feed's deltas.
mw() { "$BIN/muster" --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" "$@"; }
mw --as duty status >"$T/board.txt"
grep -q "ALARMS  1 open" "$T/board.txt" || fail "the board shows no open alarm: $(cat "$T/board.txt")"
grep -Eq "#$id +agency_unreachable .*agency a01 unreachable" "$T/board.txt" ||
    fail "the board does not say which alarm: $(cat "$T/board.txt")"
[ "$(grep -n "^ALARMS" "$T/board.txt" | cut -d: -f1)" -lt "$(grep -n "^AGENCIES" "$T/board.txt" | cut -d: -f1)" ] ||
    fail "alarms are not the first section of the board: $(cat "$T/board.txt")"
mkfifo "$T/watch.in"
mw --as duty watch --dump-after - <"$T/watch.in" >"$T/watch.json" 2>"$T/watch.err" &
WPID=$!
exec 5>"$T/watch.in"
wait_for 60 grep -q 'snapshot' "$T/watch.err" || fail "no watcher snapshot: $(cat "$T/watch.err")"
m --as duty alarm clear "$id" --note "called the agency's duty manager by phone" >/dev/null
mw --as duty status --json >"$T/status.json"
python3 -c 'import json, sys; print(json.load(sys.stdin)["seq"])' <"$T/status.json" >&5
exec 5>&-
wait "$WPID" || fail "the watcher failed: $(cat "$T/watch.err")"
grep -q "\"alarm/$id\"" "$T/watch.json" && fail "the watcher still shows the cleared alarm"
grep -q "\"alarm/$id\"" "$T/status.json" && fail "the snapshot still shows the cleared alarm"
mw --as duty status | grep -q "ALARMS  0 open" || fail "the board still counts the alarm"
ok "the board showed the open alarm first, and dropped it when cleared (snapshot and feed)"
n=$(gold_attempts)
[ "$(page_field state agency=gold kind=alarm)" = cancelled ] || fail "Gold's page still $(page_field state agency=gold kind=alarm)"
[ "$(page_field next_at agency=gold kind=alarm)" = "" ] || fail "Gold's page still has a next step"
expect_fail 1 "CONFLICT: alarm $id is cleared" -- --as gold alarm clear "$id"
ok "clearing the alarm stopped its ladders ($n attempts to Gold); clearing twice is a conflict"

m agency repage "$ref" a01 >/dev/null
second() { [ "$(alarms_count kind=agency_unreachable state=open)" = 1 ] && at_least gold 3; }
wait_for 30 second || fail "no new alarm after the first was cleared"
id2=$(q "SELECT id FROM alarms WHERE state = 'open' AND kind = 'agency_unreachable'")
code=$(code_in "$T/exec/gold.log" "ALARM $id2:")
[ -n "$code" ] || fail "no acknowledgement code in Gold's page"
m --as gold page ack "$code" >/dev/null
[ "$(q "SELECT state FROM pages WHERE agency_id = 'gold' AND ref_id = $id2")" = acknowledged ] || fail "Gold's page not acknowledged"
[ "$(alarms_count kind=agency_unreachable state=open)" = 1 ] || fail "acknowledging the page ended the alarm"
ok "a new cause after clearing is a new alarm; Gold acknowledged its page by code, the alarm stays open"
[ "$(gold_attempts)" -le $((n + 2)) ] || fail "the cleared alarm's ladder went on: $(gold_attempts) attempts"

# a bereaved person held for consent, two working days later: a breach
p=$(m --as intake --json person add "$ref" --category bereaved --name "Wendy Witherspoon" --home-area cambridge |
    sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
crash_restart --clock-offset 864000000
breach() { [ "$(alarms_count kind=victims_code_breach person="$p")" = 1 ]; }
wait_for 30 breach || fail "no alarm for the Victims' Code breach"
paged() { grep -q "Victims' Code breach: person $p" "$T/exec/gold.log"; }
wait_for 30 paged || fail "the breach was not paged to Gold"
ok "a Victims' Code breach raised an alarm paged to Gold"

# the clock jump goes on raising alarms (ladders run out, deadlines pass):
# the report holds every alarm raised before it was asked for, and none
# that was never raised
before=$(q "SELECT id FROM alarms ORDER BY id")
m --as gold report "$ref" --format json >"$T/report.json"
after=$(alarms_count)
jq -e --argjson id "$id" '.alarms[] | select(.alarm == $id and .state == "cleared" and (.seconds_to_clear | type) == "number")' "$T/report.json" >/dev/null ||
    fail "the report does not list the cleared alarm with its time to clear"
for a in $before; do
    jq -e --argjson id "$a" '.alarms[] | select(.alarm == $id)' "$T/report.json" >/dev/null ||
        fail "the report does not list alarm $a, raised before it was asked for"
done
listed=$(jq '.alarms | length' "$T/report.json")
[ "$listed" -ge "$(wc -w <<<"$before")" ] && [ "$listed" -le "$after" ] ||
    fail "the report lists $listed alarms: $(wc -w <<<"$before") were raised before it, $after after"
ok "the report lists every alarm with its time to clear"

stop_daemon
for line in "stood up" "agency a01 unreachable on every channel" "alarm $id raised (agency_unreachable)" \
    "alarm $id cleared" "alarm $id2 acknowledged on the gold ladder"; do
    grep -q "^<5>.*$line" "$LOG" || fail "the journal has no notice \"$line\""
done
! grep -q "Witherspoon" "$LOG" || fail "a person's name in the journal"
ok "the journal shows the lifecycle at notice level without -v, and names nobody"
