# tests/blackbox/bb_listen_restart.sh - `muster agency listen` stays up
# while musterd restarts, after kill -9 and after a normal stop.  It says
# once on stderr that the connection is lost and once that it is back,
# keeps its key, and every page reaches it exactly once: one pushed live
# before, one made while it could not reach musterd (musterd ran on another
# endpoint meanwhile, so the page is certainly queued, not pushed), one
# pushed live after.  Each page is confirmed (agency.received) once it
# arrives.
. "$(dirname "$0")/lib.sh"

listen_plan() {
    plan_head id=listen name="Listener test plan" prefix=LS lead=a1
    printf 'paging:\n  ack_wait: 2h\nagencies:\n'
    plan_agency id=a1 name="Agency 1" role="r1" desk=Desk
}
plan_write listen listen_plan
HOME_CONTROL=$CONTROL
start_daemon

m --as agency:a1 --json agency listen >"$T/pages" 2>"$T/listener.err" &
LISTENER=$!
cleanup_hook() { kill "$LISTENER" 2>/dev/null || true; }
said() { [ "$(grep -c "$1" "$T/listener.err")" = "$2" ]; } # TEXT N: said N times
running() { kill -0 "$LISTENER" 2>/dev/null || fail "the listener ended: $(cat "$T/listener.err")"; }
wait_for 30 said "listening for pages" 1 || fail "the listener did not start: $(cat "$T/listener.err")"
pages_of() { grep -c "\"incident\":\"$1\"" "$T/pages" || true; }
arrived() { [ "$(pages_of "$1")" -ge 1 ]; }
standup() { m incident standup --plan listen --level 1 --exercise --operation "$1" | head -n 1; }

ref0=$(standup LIVE)
wait_for 30 arrived "$ref0" || fail "the first page did not arrive"
ok "a page pushed live"

# away OPERATION: with the listener cut off (musterd on another
# endpoint), stand up an incident; its page is queued.  Then musterd comes
# back where the listener looks for it.
away() {
    CONTROL=ipc://$T/elsewhere
    start_daemon
    local ref
    ref=$(standup "$1")
    queued() { [ "$(attempts_count agency=a1 ref="$ref" state=queued)" = 1 ]; }
    wait_for 30 queued || fail "the page of $ref was not queued"
    stop_daemon
    CONTROL=$HOME_CONTROL
    start_daemon
    AWAY_REF=$ref
}

crash_daemon
wait_for 30 said "lost the connection to musterd" 1 || fail "no word of the lost connection"
running
away KILLED
ref1=$AWAY_REF
wait_for 60 arrived "$AWAY_REF" || fail "the page queued while musterd was down did not arrive"
wait_for 30 said "connected to musterd again" 1 || fail "no word of the connection back"
ok "after kill -9 the listener came back by itself and got the queued page"

stop_daemon
wait_for 30 said "lost the connection to musterd" 2 || fail "no word of the lost connection"
running
away STOPPED
ref2=$AWAY_REF
wait_for 60 arrived "$AWAY_REF" || fail "the page queued while musterd was stopped did not arrive"
wait_for 30 said "connected to musterd again" 2 || fail "no word of the connection back"
ok "after a normal stop the listener came back by itself and got the queued page"

ref3=$(standup AFTER)
wait_for 30 arrived "$ref3" || fail "a page after the restarts did not arrive"
delivered() { [ "$(attempts_count agency=a1 state=delivered)" = 4 ]; }
wait_for 30 delivered || fail "not every page was confirmed: $(attempts_count agency=a1 state=delivered)"
running
[ "$(wc -l <"$T/pages")" = 4 ] || fail "pages printed: $(cat "$T/pages")"
for r in "$ref0" "$ref1" "$ref2" "$ref3"; do
    [ "$(pages_of "$r")" = 1 ] || fail "$r's page arrived $(pages_of "$r") times"
done
said "lost the connection" 2 && said "connected to musterd again" 2 || fail "stderr: $(cat "$T/listener.err")"
grep -q "paging: listener session of a1 started" "$LOG" || fail "musterd did not log the listener's return"
ok "a page pushed live after the restarts; every page exactly once, each restart told once each way"
stop_daemon
