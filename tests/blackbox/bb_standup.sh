# Gold stands an incident up; it survives kill -9 and a restart unchanged;
# a retried request id never stands up twice; stand-down works once.
. "$(dirname "$0")/lib.sh"

start_daemon
out=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation TEST)
ref=$(echo "$out" | head -n 1)
[[ "$ref" =~ ^EX-CAMB-[0-9]{4}-0001$ ]] || fail "standup printed \"$out\""
ok "standup printed reference $ref"

m incident list | grep "^$ref .*active.*EXERCISE.*TEST" >/dev/null || fail "incident list lacks $ref"
before=$(m --json incident show "$ref")
echo "$before" | grep '"created_by": "gold"' >/dev/null || fail "incident show lacks the creator"
echo "$before" | grep '"id": "cpft"' >/dev/null || fail "level 1 activates the mental health trust"

crash_restart
after=$(m --json incident show "$ref")
[ "$before" = "$after" ] || fail "incident changed across kill -9: $before vs $after"
ok "incident unchanged after kill -9 and restart"

# The same request id twice: one incident, the same reply.
r1=$(m --json --request-id retry-1 incident standup --plan example --level 1 --live --operation RETRY)
r2=$(m --json --request-id retry-1 incident standup --plan example --level 1 --live --operation RETRY)
[ "$r1" = "$r2" ] || fail "a retried request id gave a different reply"
[ "$(m incident list | grep -c ' RETRY ')" = 1 ] || fail "a retried request stood up twice"
ok "retried request id answered from the stored reply"

# A second standup of the same live operation is a conflict, not a duplicate.
expect_fail 1 CONFLICT -- incident standup --plan example --level 1 --live --operation RETRY
# Live refs carry no EX- prefix; --exercise or --live is required.
echo "$r1" | grep '"ref": "EXMP-' >/dev/null || fail "live reference: $r1"
expect_fail 2 "exercise or --live" -- incident standup --plan example --level 1 --operation X
expect_fail 1 "BAD_ARGUMENT" -- incident standup --plan example --level 7 --live --operation X
expect_fail 1 "NOT_FOUND" -- incident standup --plan nowhere --level 1 --live --operation X

m incident standdown "$ref" --note "exercise complete" >/dev/null
m --json incident show "$ref" | grep '"state": "stood_down"' >/dev/null || fail "not stood down"
expect_fail 1 CONFLICT -- incident standdown "$ref"
expect_fail 1 NOT_FOUND -- incident standdown EX-CAMB-1999-0001
ok "stand-down recorded once"

# The audit trail has every change with who made it.
stop_daemon
n=$(audit_count principal=gold outcome=ok)
[ "$n" = 3 ] || fail "expected 3 audited changes, found $n"
n=$(audit_count outcome=CONFLICT)
[ "$n" = 2 ] || fail "expected 2 audited conflicts, found $n"
ok "clean shutdown"
