# kill -9 while agencies are climbing their ladders, three times: after a
# restart every ladder carries on from the step it had reached.  No step is
# lost, no step is sent as two different pages; a delivery cut off by the
# crash is sent again with the same page id, which receivers drop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

N=5
restart_plan() {
    local i s ladder
    plan_head id=restart name="Restart plan" prefix=RS lead=r1
    echo 'paging: {ack_wait: 1s}'
    echo 'agencies:'
    for i in $(seq 1 $N); do
        ladder=()
        for s in 1 2 3 4 5; do
            ladder+=(contact="$(plan_contact "Step $s" exec "$EXEC" args="$T/exec" after=800ms)")
        done
        plan_agency id="r$i" name="Agency $i" role=test "${ladder[@]}"
    done
}
plan_write restart restart_plan
start_daemon
ref=$(m incident standup --plan restart --level 1 --live --operation RESTART | head -n 1)

attempts_at_least() { [ "$(attempts_count)" -ge "$1" ]; }
for k in 2 3 4; do
    wait_for 60 attempts_at_least $((N * k)) || fail "ladders stalled before step $k"
    crash_restart
done
all_unreachable() { [ "$(page_state_count unreachable)" = $N ]; }
wait_for 60 all_unreachable || fail "not all unreachable: $(page_state_count unreachable)"

for i in $(seq 1 $N); do
    rows=$(attempt_steps "r$i")
    [ "$rows" = "0,1,2,3,4" ] || fail "r$i: attempts at steps $rows"
    ids=$(attempt_ids "r$i")
    got=$(sed -n 's/.*"page_id":\([0-9]*\).*/\1/p' "$T/exec/r$i.log" | sort -n -u | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$ids" ] || fail "r$i: pages received ($got) are not the attempts ($ids)"
    steps=$(sed -n 's/.*"step":\([0-9]*\),.*/\1/p' "$T/exec/r$i.log" | sort -n -u | tr '\n' ' ')
    [ "$steps" = "1 2 3 4 5 " ] || fail "r$i: steps received: $steps"
done
resent=$(grep -c 'sent again' "$LOG" || true)
ok "3 kill -9 restarts: every ladder finished all 5 steps, no step lost or sent as two pages ($resent resend notices)"
stop_daemon
