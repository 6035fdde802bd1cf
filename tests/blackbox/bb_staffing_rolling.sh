# Staffing that follows the incident (issue 14): the shift running at
# standup is planned and asked for at once; the grid rolls on (a 7-day
# incident has its day-6 shifts, and asks for them) and stops at
# stand-down; a withdrawal that re-opens a shortfall asks again exactly
# once, also across a restart; a shift that starts short raises one
# shift_short alarm, resolved when the role is covered; `muster staffing`
# fits 80 columns, names the shift keys and counts staff short.  Time is
# set with the daemon's clock offset at each restart.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
rolling_plan() {
    plan_head id=roll name="Rolling staffing plan" prefix=RO lead=hub
    cat <<'YAML'
staffing:
  horizon: 24h
  ask_lead: 4h
  roles:
    - {id: call-handler, name: Call handler}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - level: 1
      need: {call-handler: 2}
agencies:
YAML
    plan_agency id=hub name="Agency hub" role="supplies staff" supplies=call-handler desk=Desk
    plan_agency id=vs name="Agency vs" role="supplies staff" supplies=call-handler desk=Desk
}
plan_write roll rolling_plan
at() { clock_at "2026-12-$1 UTC"; }

start_daemon --clock-offset "$(at '01 10:00')"
ref=$(m incident standup --plan roll --level 1 --exercise --operation ROLL | head -n 1)
[ "$(shift_keys)" = "day-2026-12-01 night-2026-12-01 day-2026-12-02" ] || fail "shifts: $(shift_keys)"
running_asked() { [ "$(asks_list shift=day-2026-12-01)" = "call-handler:hub:open call-handler:vs:open" ]; }
wait_for 30 running_asked || fail "the running shift was not asked for: $(asks_list)"
[ "$(asks_count shift=night-2026-12-01)" = 0 ] || fail "night asked before its window"
[ "$(alarms_count kind=shift_short)" = 0 ] || fail "the shift running at standup raised an alarm"
ok "the shift running at standup is planned and asked for at once"

# muster staffing: shift keys, staff short in people, 80 columns.
out=$(m staffing "$ref")
grep -q "^staffing for $ref: 6 staff short over 3 shifts$" <<<"$out" || fail "summary: $out"
for k in day-2026-12-01 night-2026-12-01 day-2026-12-02; do
    grep -q "^$k  " <<<"$out" || fail "no shift key $k: $out"
done
grep -q "asking: hub (call-handler), vs (call-handler)" <<<"$out" || fail "asks: $out"
wide=$(echo "$out" | awk 'length > 80' | wc -l)
[ "$wide" = 0 ] || fail "lines over 80 columns: $(echo "$out" | awk 'length > 80')"
ok "muster staffing names the shift keys, counts staff short and fits 80 columns"

# 17:00: the night shift is in its window and short.  vs covers it, then
# withdraws: the re-opened shortfall asks both again, once.
restart_daemon --clock-offset "$(at '01 17:00')"
night_asked() { [ "$(asks_count shift=night-2026-12-01 state=open)" = 2 ]; }
wait_for 30 night_asked || fail "night not asked: $(asks_list shift=night-2026-12-01)"
id=$(m --as agency:vs --json pledge offer "$ref" --role call-handler --count 2 --shift night-2026-12-01 |
    sed -n 's/^ *"id": \([0-9]*\).*/\1/p')
night_covered() { [ "$(asks_count shift=night-2026-12-01 state=covered)" = 2 ]; }
wait_for 30 night_covered || fail "night asks not covered: $(asks_list shift=night-2026-12-01)"
m --as agency:vs pledge withdraw "$id" >/dev/null
reasked() { [ "$(asks_count shift=night-2026-12-01 round=1 state=open)" = 2 ]; }
wait_for 30 reasked || fail "not asked again: $(asks_list shift=night-2026-12-01)"
[ "$(pages_count ask_shift=night-2026-12-01 state=paging)" = 2 ] || fail "re-asks are not paging"
restart_daemon --clock-offset "$(at '01 17:30')"
m --as agency:hub pledge offer "$ref" --role call-handler --count 1 --shift night-2026-12-01 >/dev/null
hub_covered() { [ "$(ask_field state agency=hub shift=night-2026-12-01 round=1)" = covered ]; }
wait_for 30 hub_covered || fail "hub's re-ask not covered: $(asks_list shift=night-2026-12-01)"
[ "$(asks_count shift=night-2026-12-01)" = 4 ] || fail "asked more than once again: $(asks_list shift=night-2026-12-01)"
ok "a withdrawal re-opening a shortfall asked again exactly once, and a restart repeated nothing"

# 20:30: the night shift started 1 short: one shift_short alarm, kept
# once across a restart; covering the role resolves it.
restart_daemon --clock-offset "$(at '01 20:30')"
alarmed() { [ "$(alarms_count kind=shift_short state=open)" = 1 ]; }
wait_for 30 alarmed || fail "no shift_short alarm: $(m alarm list 2>&1)"
m --json alarm list "$ref" | grep -q '"detail": "shift night-2026-12-01 started 1 short of call-handler"' ||
    fail "alarm detail: $(m --json alarm list "$ref")"
restart_daemon --clock-offset "$(at '01 20:40')"
m status "$ref" >/dev/null
[ "$(alarms_count kind=shift_short)" = 1 ] || fail "the alarm was raised again: $(m --json alarm list "$ref" --all)"
m --as agency:vs pledge offer "$ref" --role call-handler --count 1 --shift night-2026-12-01 >/dev/null
resolved() { [ "$(alarms_count kind=shift_short state=resolved)" = 1 ]; }
wait_for 30 resolved || fail "the alarm was not resolved: $(m --json alarm list "$ref" --all)"
grep -q "alarm [0-9]*: shift night-2026-12-01 started 1 short of call-handler" "$LOG" ||
    fail "no journal line for the alarm"
ok "a shift starting short raised one shift_short alarm, resolved when covered"

# Day 6 of a 7-day incident: the grid has rolled on, the running day
# shift is asked for, the shifts missed while down are not planned late,
# and no key is planned twice.
restart_daemon --clock-offset "$(at '07 12:00')"
day6() { [[ " $(shift_keys) " == *" day-2026-12-07 night-2026-12-07 day-2026-12-08 "* ]]; }
wait_for 30 day6 || fail "no day-6 grid: $(shift_keys)"
day6_asked() { [ "$(asks_count shift=day-2026-12-07 state=open)" = 2 ]; }
wait_for 30 day6_asked || fail "day 6 not asked for: $(asks_list shift=day-2026-12-07)"
[ "$(shift_keys)" = "day-2026-12-01 night-2026-12-01 day-2026-12-02 night-2026-12-02 day-2026-12-07 night-2026-12-07 day-2026-12-08" ] ||
    fail "shifts: $(shift_keys)"
out=$(m staffing "$ref")
[ -z "${SHOW_STAFFING:-}" ] || echo "$out" >&2
grep -q "^4 ended shifts not shown" <<<"$out" || fail "ended shifts: $out"
grep -q "^day-2026-12-07  running, 2 staff short$" <<<"$out" || fail "day 6: $out"
[ "$(echo "$out" | awk 'length > 80' | wc -l)" = 0 ] || fail "over 80 columns: $out"
grep -q "staffing: $ref: 3 shifts planned" "$LOG" || fail "no journal line for the grid"
[ "$(events_count staffing.shifts)" -ge 2 ] || fail "no staffing.shifts events"
ok "a 7-day incident has its day-6 grid and asks for it"

# Stand-down stops the grid.
m incident standdown "$ref" --note done >/dev/null
restart_daemon --clock-offset "$(at '09 12:00')"
m status "$ref" >/dev/null
[ "$(shift_keys | wc -w)" = 7 ] || fail "shifts planned after stand-down: $(shift_keys)"
ok "stand-down stops the rolling grid"
stop_daemon
