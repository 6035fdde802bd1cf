# tests/blackbox/bb_alarm_restart.sh - kill -9 while an alarm's page
# climbs Gold's ladder, three times: after each restart it carries on from
# the step it had reached, no step is sent twice as two pages (the
# receiver sees the attempts' page ids, once each), and the alarm is
# raised and paged once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

restart_plan() {
    local s
    plan_head id=restart name="Alarm restart plan" prefix=AR lead=hub
    printf 'paging: {ack_wait: 1s}\ncommand:\n  gold:\n    name: Gold commander\n    contacts:\n'
    for s in 1 2 3 4 5; do
        echo "      - {name: Gold step $s, channel: exec, target: \"$EXEC\", args: [\"$T/exec\"], after: 800ms}"
    done
    printf '  duty:\n    name: Duty manager\n    contacts:\n'
    echo "      - {name: Duty desk, channel: zmq, target: duty, after: 24h}"
    echo "agencies:"
    plan_agency id=hub name=Hub role=hub contact="$(plan_contact Desk zmq hub after=24h)"
    plan_agency id=a01 name="Agency 1" role=test contact="$(plan_contact Gateway exec "$EXEC" args="$T/exec,fail")"
}
plan_write restart restart_plan
start_daemon
m incident standup --plan restart --level 1 --live --operation RESTART >/dev/null

attempts_at_least() { [ "$(attempts_count agency=gold kind=alarm)" -ge "$1" ]; }
for k in 2 3 4; do
    wait_for 60 attempts_at_least "$k" || fail "the alarm's ladder stalled before step $k"
    crash_restart
done
ran_out() { [ "$(pages_count agency=gold kind=alarm state=unreachable)" = 1 ]; }
wait_for 60 ran_out || fail "Gold's ladder did not run its course: $(pages_states)"

att=$(notice_attempts gold)
[ "$(echo "$att" | tr ' ' '\n' | cut -d: -f1 | tr '\n' ',')" = "0,1,2,3,4," ] || fail "attempts at steps: $att"
ids=$(echo "$att" | tr ' ' '\n' | cut -d: -f2 | sort -n | tr '\n' ' ')
got=$(sed -n 's/.*"page_id":\([0-9]*\).*/\1/p' "$T/exec/gold.log" | sort -n -u | tr '\n' ' ')
[ "$got" = "$ids" ] || fail "alarm pages received ($got) are not the attempts ($ids)"
[ "$(alarms_count kind=agency_unreachable)" = 1 ] || fail "alarms: $(alarms_count kind=agency_unreachable)"
[ "$(pages_count agency=gold kind=alarm)" = 1 ] || fail "the alarm paged Gold more than once"
[ "$(alarms_count state=open)" = 1 ] || fail "the alarm did not stay open when Gold's ladder ran out"
ok "3 kill -9 restarts: Gold's alarm page climbed all 5 steps once each, the ids received are the attempts, one alarm"
stop_daemon
