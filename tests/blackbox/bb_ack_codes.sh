# Acknowledgement codes tell an agency nothing about other agencies' pages:
# another agency's code and a code that does not exist get the same
# NOT_FOUND.  Guessing is limited: after 5 wrong codes in 10 minutes an
# agency's codes are refused (RATE_LIMITED, with a retry-after) even when
# right, also after a restart, while it can still acknowledge by incident
# and other agencies are not affected; the limit is logged as an alarm and
# lifts when the window has passed.  A relay (the Hub's desk) gets 20.
. "$(dirname "$0")/lib.sh"

codes_plan() {
    plan_head id=codes name="Code test plan" prefix=CD lead=a1
    echo "agencies:"
    for i in 1 2 3 4; do plan_agency id="a$i" name="Agency $i" role="r$i" desk=L; done
}
plan_write codes codes_plan
code_of() { page_field ack_code agency="$1"; }
state_of() { page_field state agency="$1"; }
minutes() { echo $(($1 * 60 * 1000)); }

start_daemon
ref=$(m incident standup --plan codes --level 1 --exercise --operation CODES | head -n 1)
[[ "$ref" == EX-CD-* ]] || fail "standup: $ref"

# 1. One answer for another agency's code and for a code that does not exist.
other=$(m --as agency:a1 agency ack --code "$(code_of a2)" 2>&1) && fail "a1 acknowledged a2's page"
none=$(m --as agency:a1 agency ack --code ZZZZZZZZ 2>&1) && fail "a1 acknowledged with no code"
[ "$other" = "$none" ] || fail "another agency's code and no code answered differently: '$other' / '$none'"
echo "$none" | grep "NOT_FOUND: no such code for your agency" >/dev/null || fail "wrong code: $none"
[ "$(state_of a2)" = paging ] || fail "a2's page changed"
ok "another agency's code and an unknown code get the same NOT_FOUND"

# 2. Three more wrong codes make five; the fifth raises the alarm.
for c in ZZZZZZZY ZZZZZZZX ZZZZZZZW; do
    expect_fail 1 "NOT_FOUND: no such code for your agency" -- --as agency:a1 agency ack --code $c
done
grep "ALARM paging: agency:a1 sent 5 wrong acknowledgement codes" "$LOG" >/dev/null ||
    fail "no alarm in the log after 5 wrong codes"
expect_fail 1 "RATE_LIMITED: too many wrong acknowledgement codes: try again in [0-9]* s (retry after [0-9]* ms)" \
    -- --as agency:a1 agency ack --code "$(code_of a1)"
[ "$(state_of a1)" = paging ] || fail "a1's page acknowledged while it was limited"
ok "after 5 wrong codes even the right one is refused, with a retry-after"

# 3. The limit is a1's alone, and a1 can still acknowledge by incident.
m --as agency:a2 agency ack --code "$(code_of a2)" >/dev/null || fail "a2 could not use its code"
m --as agency:a1 agency ack "$ref" >/dev/null || fail "a1 could not acknowledge by incident"
[ "$(state_of a1)" = acknowledged ] || fail "a1: $(state_of a1)"
ok "other agencies and acknowledging by incident are not affected"

# 4. The count is in the database: a restart does not clear it; the
# window passing does.
restart_daemon
expect_fail 1 RATE_LIMITED -- --as agency:a1 agency ack --code ZZZZZZZV
restart_daemon --clock-offset "$(minutes 11)"
expect_fail 1 "NOT_FOUND: no such code for your agency" -- --as agency:a1 agency ack --code ZZZZZZZV
ok "the limit survives a restart and lifts after 10 minutes"

# 5. Relays: 20 wrong codes, then the desk is limited; gold is not.
for i in $(seq 1 20); do
    expect_fail 1 "NOT_FOUND: no page has that acknowledgement code" -- --as duty page ack "ZZZZZ$((100 + i))"
done
expect_fail 1 RATE_LIMITED -- --as duty page ack "$(code_of a3)"
[ "$(state_of a3)" != acknowledged ] || fail "a3's page acknowledged by a limited relay"
m --as gold page ack "$(code_of a3)" >/dev/null || fail "gold could not relay a3's code"
[ "$(state_of a3)" = acknowledged ] || fail "a3: $(state_of a3)"
grep "ALARM paging: duty sent 20 wrong acknowledgement codes" "$LOG" >/dev/null || fail "no relay alarm"
ok "a relay is limited after 20 wrong codes, per principal"

# Every attempt is in the audit trail.
n=$(audit_count target="ack code" outcome=NOT_FOUND)
[ "$n" = 26 ] || fail "wrong codes audited: $n"
n=$(audit_count target="ack code" outcome=RATE_LIMITED)
[ "$n" = 3 ] || fail "refused codes audited: $n"
stop_daemon
ok "wrong and refused codes are audited"
