# Gold changes the level of a running incident (incident.level): raising
# it pages exactly the agencies it newly activates, once each, and the
# staff required follow the new level; lowering it stops the ladders of
# the agencies no longer needed and keeps every acknowledgement; the same
# level, a level the plan lacks, a stood-down incident and a caller other
# than Gold are refused with a coded error and change nothing.  Each
# change is on the timeline and in the audit, and survives a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

export TZ=UTC
level_plan() {
    plan_head id=lv name="Level test plan" prefix=LV lead=a1 | sed '/^levels:/d'
    cat <<YAML
levels: [{level: 1, name: One}, {level: 2, name: Two}, {level: 3, name: Three}]
paging: {ack_wait: 1h, exec_timeout: 5s}
staffing:
  horizon: 24h
  ask_lead: 1h
  roles: [{id: call-handler, name: Call handler}]
  shifts: [{id: day, name: Day, start: "08:00", length: 12h}, {id: night, name: Night, start: "20:00", length: 12h}]
  requirements:
    - {level: 1, need: {call-handler: 2}}
    - {level: 2, need: {call-handler: 5}}
    - {level: 3, need: {call-handler: 9}}
agencies:
YAML
    level_agencies 3
}
plan_write lv level_plan
start_daemon --clock-offset "$(clock_at '2026-12-01 10:00 UTC')"

pages_of() { [ -f "$T/exec/$1.log" ] && grep -c . "$T/exec/$1.log" || echo 0; }
paged_once() { [ "$(pages_of "$1")" = 1 ]; }
required() { coverage_grid | awk '{print $3}' | cut -d/ -f1 | sort -u | tr '\n' ' '; }

ref=$(m incident standup --plan lv --level 1 --exercise --operation LEVEL | head -n 1)
wait_for 30 paged_once a1 || fail "a1 not paged at standup"
[ "$(required)" = "2 " ] || fail "required at level 1: $(required)"

# Raise to 2: a2 is paged once, a1 is not paged again.
out=$(m incident level "$ref" 2)
grep -q "level 2 Two (was 1); 1 agencies paged, 0 stood down" <<<"$out" || fail "level 2: $out"
wait_for 30 paged_once a2 || fail "a2 not paged after the raise"
[ "$(required)" = "5 " ] || fail "required at level 2: $(required)"
code1=$(sed -n 's/.*"ack_code":"\([0-9A-Z]*\)".*/\1/p' "$T/exec/a1.log")
code2=$(sed -n 's/.*"ack_code":"\([0-9A-Z]*\)".*/\1/p' "$T/exec/a2.log")
m --as duty page ack "$code1" >/dev/null || fail "a1 ack"
m --as duty page ack "$code2" >/dev/null || fail "a2 ack"

# Raise to 3: exactly a3 is paged, once.
m --json incident level "$ref" 3 | grep -q '"agencies_paged": 1' || fail "level 3 reply"
wait_for 30 paged_once a3 || fail "a3 not paged after the raise"
[ "$(pages_of a1) $(pages_of a2) $(pages_of a3)" = "1 1 1" ] ||
    fail "pages per agency: $(pages_of a1) $(pages_of a2) $(pages_of a3)"
[ "$(pages_count ask=none ref="$ref")" = 3 ] || fail "activation pages: $(pages_count ask=none ref="$ref")"
[ "$(required)" = "9 " ] || fail "required at level 3: $(required)"
ok "a raise pages exactly the newly activated agencies, once each; staff required follow"

# Bad input changes nothing.
expect_fail 1 "CONFLICT: incident $ref is already at level 3" -- incident level "$ref" 3
expect_fail 1 "BAD_ARGUMENT: plan lv has no level 4" -- incident level "$ref" 4
expect_fail 1 "FORBIDDEN" -- --as duty incident level "$ref" 1
expect_fail 1 "NOT_FOUND: no incident LV-2099-0001" -- incident level LV-2099-0001 1
expect_fail 2 "usage: muster incident level REF N" -- incident level "$ref" high
[ "$(incident_field "$ref" level)" = 3 ] || fail "a refused change changed the level"
ok "same level, unknown level, wrong caller and unknown incident refused"

# Lower to 1: a3's ladder stops, a1 and a2 stay acknowledged.
out=$(m incident level "$ref" 1)
grep -q "level 1 One (was 3); 0 agencies paged, 1 stood down" <<<"$out" || fail "level 1: $out"
[ "$(page_field state agency=a3 ask=none)" = cancelled ] || fail "a3 still paging"
[ "$(page_field state agency=a1 ask=none)" = acknowledged ] || fail "a1 un-acknowledged"
[ "$(page_field state agency=a2 ask=none)" = acknowledged ] || fail "a2 un-acknowledged"
[ "$(required)" = "2 " ] || fail "required at level 1 again: $(required)"
m --json incident show "$ref" | grep -q '"level": 1' || fail "show level"
ok "a lowering stops paging the agencies no longer needed and keeps every acknowledgement"

# Up again to 3: a3 climbs its ladder again, the others are left alone.
m incident level "$ref" 3 >/dev/null
have_two() { [ "$(pages_of a3)" = 2 ]; }
wait_for 30 have_two || fail "a3 not paged again after the level came back"
[ "$(pages_of a1) $(pages_of a2)" = "1 1" ] || fail "acknowledged agencies paged again"

# The timeline and the audit; a restart keeps the level and pages no one.
[ "$(events_count incident.level)" = 4 ] || fail "timeline entries: $(events_count incident.level)"
[ "$(audit_count command=incident.level outcome=ok)" = 4 ] || fail "audit rows"
grep -q '| incident.level | level 1 to 3 by gold' <<<"$(m report "$ref")" || fail "report timeline"
grep -q "incident $ref: level 1 -> 3 by gold" "$LOG" || fail "journal line"
crash_restart
[ "$(incident_field "$ref" level)" = 3 ] || fail "level lost at restart"
m incident show "$ref" | grep -q "^level      3 Three" || fail "show after restart"
[ "$(pages_count ask=none ref="$ref")" = 3 ] || fail "pages after restart"
ok "level changes on the timeline, in the audit and the journal; kept across kill -9"

# Stood down: refused.
m incident standdown "$ref" >/dev/null
expect_fail 1 "CONFLICT: incident $ref is stood down" -- incident level "$ref" 2
ok "a stood-down incident's level cannot change"
stop_daemon
