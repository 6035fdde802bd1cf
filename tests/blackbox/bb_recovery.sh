# The recovery phase, months ahead by the daemon's clock offset: after
# stand-down persons are still registered, screened and contacted; the
# re-screens the plan names (TSQ at 3 months, PHQ-9 at 3 and 6) come due
# for the agency holding each person, one is done, the rest become
# overdue after the plan's grace, across kill -9 restarts without a
# repeated event; the board and the report show the caseload; a close with
# open referrals is refused until forced with a reason, then every person
# command is refused; the retention period runs from the close, not the
# stand-down.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
recovery_plan() {
    plan_head id=recovery name="Recovery test plan" prefix=RC lead=hub retention_days=30
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  screening:
    rescreen:
      - {instrument: tsq, after: [3m]}
      - {instrument: phq9, after: [3m, 6m]}
    rescreen_grace_days: 14
  pathways:
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
}
plan_write recovery recovery_plan
# Monday 5 January 2026, 09:00: the 3-month re-screens are due on 5 April.
start_daemon --clock-offset "$(clock_at '2026-01-05 09:00 UTC')"
ref=$(m incident standup --plan recovery --level 1 --exercise --operation RECOVERY | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
board() { # KEY: the counter on the board (0 when absent)
    m status "$ref" --json | python3 -c 'import json, sys
print(json.load(sys.stdin)["board"].get(sys.argv[1], 0))' "$1"
}
a=$(add --category survivor --name "Ada Ash" --home-area cambridge)
m incident standdown "$ref" --note "response over" >/dev/null

# Stand-down ends the response, not the support.
b=$(add --category witness --name "Ben Birch" --home-area cambridge)
[ -n "$b" ] || fail "a late registration was refused after stand-down"
m --as intake person screen "$a" --instrument gad7 --answers 0,0,1,0,0,1,0 >/dev/null ||
    fail "screening refused after stand-down"
m --as agency:hub person contact "$a" --outcome contacted >/dev/null || fail "contact refused after stand-down"
m incident list --stood-down | grep -q "^$ref *stood_down" || fail "not listed as stood down: $(m incident list)"
[ "$(rescreen_states "$b")" = "phq9:pending,tsq:pending,phq9:pending" ] || fail "b: $(rescreen_states "$b")"
ok "after stand-down a late registration, a screening and a contact are taken; re-screens scheduled"

expect_fail 1 CONFLICT -- incident close "$ref"
{ m incident close "$ref" 2>&1 || true; } | grep -q "has 2 open referrals" || fail "the refusal does not count the referrals"
expect_fail 1 BAD_ARGUMENT -- incident close "$ref" --force
expect_fail 1 FORBIDDEN -- --as duty incident close "$ref"
[ -z "$(incident_field "$ref" closed_at)" ] || fail "a refused close changed the incident"
ok "close refused while 2 referrals are open, and without a reason when forced; nothing changed"

# 6 April, 91 days on: the 3-month re-screens are due, to the Hub that
# holds both persons; the retention period (30 days) has not started.
stop_daemon
start_daemon --clock-offset "$(clock_at '2026-04-06 10:00 UTC')"
all_due() { [ "$(rescreens_count due)" = 4 ]; }
wait_for 30 all_due || fail "re-screens due: $(rescreen_states "$a") / $(rescreen_states "$b")"
[ "$(events_count person.rescreen_due hub)" = 4 ] || fail "rescreen_due events: $(events_count person.rescreen_due)"
[ "$(board rescreen/due)" = 4 ] || fail "board rescreen/due: $(board rescreen/due)"
[ "$(board referrals/open)" = 2 ] || fail "board referrals/open: $(board referrals/open)"
m --as agency:hub --json person show "$a" | tr -d ' \n' | grep -q '"rescreens":\[{"instrument":"phq9","due_at":[0-9]*,"overdue_at":[0-9]*,"state":"due"' ||
    fail "the agency does not see the due re-screens: $(m --as agency:hub --json person show "$a")"
[ "$(incidents_purged)" = 0 ] || fail "purged 30 days after stand-down: the recovery phase lost its persons"
ok "91 days on the TSQ and PHQ-9 re-screens are due, made known to the agency holding the persons"

m --as agency:hub person screen "$a" --instrument tsq --answers n,n,y,n,n,n,n,n,n,n >/dev/null
[ "$(rescreen_states "$a")" = "phq9:due,tsq:done,phq9:pending" ] || fail "a: $(rescreen_states "$a")"
[ "$(board rescreen/done)" = 1 ] && [ "$(board rescreen/due)" = 3 ] ||
    fail "board after a re-screen: $(board rescreen/due) due, $(board rescreen/done) done"
ok "a TSQ re-screen done by the agency"

# 21 April, past the 14 days' grace: the three not done are overdue, once,
# whatever the restarts.
crash_restart --clock-offset "$(clock_at '2026-04-21 10:00 UTC')"
overdue() { [ "$(rescreens_count overdue)" = 3 ]; }
wait_for 30 overdue || fail "overdue: $(rescreen_states "$a") / $(rescreen_states "$b")"
crash_restart --clock-offset "$(clock_at '2026-04-21 11:00 UTC')"
m incident show "$ref" >/dev/null # a full round trip: the start-up check has run
[ "$(events_count person.rescreen_overdue hub)" = 3 ] || fail "overdue events: $(events_count person.rescreen_overdue)"
[ "$(events_count person.rescreen_due)" = 4 ] || fail "due events repeated: $(events_count person.rescreen_due)"
[ "$(board rescreen/overdue)" = 3 ] && [ "$(board rescreen/due)" = 0 ] ||
    fail "board: $(board rescreen/overdue) overdue, $(board rescreen/due) due"
m --as intake person screen "$b" --instrument phq9 --answers 1,1,0,0,0,0,0,0,0 >/dev/null
report=$(m report "$ref" --format json | tr -d ' \n')
grep -qF '"recovery":{"open_referrals":2,"rescreens":[{"instrument":"phq9","pending":2,"due":0,"overdue":1,"done":1,"done_late":1,"cancelled":0},{"instrument":"tsq","pending":0,"due":0,"overdue":1,"done":1,"done_late":0,"cancelled":0}]}' <<<"$report" ||
    fail "report recovery: $report"
grep -q "^- Open referrals: 2" <<<"$(m report "$ref")" || fail "the Markdown report has no recovery section"
ok "re-screens not done in 14 days are overdue once across two kill -9 restarts; board and report show the caseload"

out=$(m --json incident close "$ref" --force --reason "remaining cases handed over" | tr -d ' \n')
grep -q '"state":"closed".*"referrals_closed":2' <<<"$out" || fail "close: $out"
expect_fail 1 CONFLICT -- incident close "$ref" --force --reason again
expect_fail 1 CONFLICT -- --as intake person add "$ref" --category survivor --name "Cy Cole"
expect_fail 1 CONFLICT -- --as intake person screen "$a" --instrument gad7 --answers 0,0,0,0,0,0,0
{ m --as intake person contact "$b" --outcome contacted 2>&1 || true; } | grep -q "incident $ref is closed" ||
    fail "the refusal does not say the incident is closed"
m --as duty person show "$a" >/dev/null || fail "a closed incident's person can no longer be read"
[ "$(rescreen_states "$a")" = "phq9:overdue,tsq:done,phq9:cancelled" ] || fail "a after close: $(rescreen_states "$a")"
[ "$(referral_open "$a")" = "" ] || fail "a referral left open: $(referral_open "$a")"
[ "$(board referrals/open)" = 0 ] || fail "board referrals/open after close: $(board referrals/open)"
m incident list --closed | grep -q "^$ref *closed" || fail "not listed as closed: $(m incident list)"
m incident show "$ref" | grep -q "^closed .* by gold: remaining cases handed over$" || fail "show: $(m incident show "$ref")"
ok "a forced close closes the open referrals and cancels pending re-screens; person changes refused, reads go on"

# The retention period runs from the close: 31 days later it is over.
stop_daemon
start_daemon --clock-offset "$(clock_at '2026-05-22 12:00 UTC')"
purged() { [ "$(incidents_purged)" = 1 ] && [ "$(persons_count purged)" = 2 ]; }
wait_for 30 purged || fail "not purged 31 days after the close"
ok "purged at the end of the retention period counted from the close"
stop_daemon
