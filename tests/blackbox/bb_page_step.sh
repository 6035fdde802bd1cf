# tests/blackbox/bb_page_step.sh - `muster incident show` names the same
# ladder step as the board (`muster status`) and the page itself, counted
# from 1, at every step of a 3-step ladder and once the agency is
# unreachable: never "step 4" of 3.  The ladder is climbed by moving
# musterd's clock (restarts with a clock offset), so nothing moves between
# the two reads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

step_plan() {
    plan_head id=steps name="Step test plan" prefix=SP lead=climb
    printf 'paging:\n  ack_wait: 1h\nagencies:\n'
    plan_agency id=climb name="Climbing agency" role="r1" \
        contact="$(plan_contact First exec "$EXEC" args="$T/exec")" \
        contact="$(plan_contact Second exec "$EXEC" args="$T/exec" after=1h)" \
        contact="$(plan_contact Third exec "$EXEC" args="$T/exec" after=1h)"
}
plan_write steps step_plan
minutes() { echo $(($1 * 60 * 1000)); }
start_daemon
ref=$(m incident standup --plan steps --level 1 --exercise --operation STEPS | head -n 1)
[[ "$ref" == EX-SP-* ]] || fail "standup: $ref"

show_step() { m incident show "$ref" | sed -n 's/^ *climb .*(step \([0-9]*\),.*/\1/p'; }
board_step() { m status "$ref" | sed -n 's/.*Climbing agency *\(paging, \)\{0,1\}step \([0-9]*\).*/\2/p'; }
page_step() { # the step the last page sent says of itself
    tail -n 1 "$T/exec/climb.log" | sed -n 's/.*"step":\([0-9]*\),"steps":3,.*/\1/p'
}
attempted() { [ "$(attempts_count agency=climb step="$(($1 - 1))")" = 1 ]; }
# same_step N: show, board and page all say step N.
same_step() {
    wait_for 30 attempted "$1" || fail "step $1 was not attempted"
    local s b p
    s=$(show_step) b=$(board_step) p=$(page_step)
    [ "$s" = "$1" ] && [ "$b" = "$1" ] && [ "$p" = "$1" ] ||
        fail "step $1: incident show says \"$s\", the board \"$b\", the page \"$p\""
}

same_step 1
ok "the first contact: step 1 in incident show, on the board and on the page"
restart_daemon --clock-offset "$(minutes 61)"
same_step 2
restart_daemon --clock-offset "$(minutes 122)"
same_step 3
ok "steps 2 and 3 alike"

restart_daemon --clock-offset "$(minutes 190)"
unreachable() { [ "$(page_field state agency=climb ask=none)" = unreachable ]; }
wait_for 30 unreachable || fail "the agency was not raised unreachable"
s=$(show_step) b=$(board_step)
[ "$s" = 3 ] && [ "$b" = 3 ] || fail "unreachable: incident show says step \"$s\", the board \"$b\""
m --json incident show "$ref" | grep -q '"escalated_to_step": 3' || fail "escalated_to_step is not 3"
ok "unreachable after the 3rd step: step 3 everywhere, never 4"
stop_daemon
