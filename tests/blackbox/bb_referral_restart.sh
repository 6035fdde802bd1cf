# tests/blackbox/bb_referral_restart.sh - kill -9 while an urgent
# referral's notice climbs its provider's ladder, three times: after each
# restart it carries on from the step it had reached.  No step is lost,
# none is sent as two notices (a delivery cut off by the crash goes again
# with the same page id, which the receiver drops), the ids the provider
# received are the attempts, and one alarm is raised when the ladder runs
# out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

restart_plan() {
    local s ladder=()
    plan_head id=rrestart name="Referral restart plan" prefix=RR lead=hub |
        sed 's/^levels: .*/levels: [{level: 1, name: One}, {level: 2, name: Two}]/'
    cat <<'YAML'
paging: {ack_wait: 1s}
persons:
  home_areas: [cambridge]
  urgent_ack: 1h
  pathways:
    - {id: crisis, name: Crisis team, provider: mh, capacity: 5}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: crisis, urgent: true}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=test desk=Desk
    for s in 1 2 3 4 5; do
        ladder+=(contact="$(plan_contact "Step $s" exec "$EXEC" args="$T/exec" after=800ms)")
    done
    plan_agency id=mh name="Mental health" role=test level=2 "${ladder[@]}"
}
plan_write rrestart restart_plan
plan_edit rrestart 's/^\(  - {id: mh, .*\)}$/\1, activate_on_referral: false}/'
start_daemon
ref=$(m incident standup --plan rrestart --level 1 --live --operation RESTART | head -n 1)
p=$(m --as intake --json person add "$ref" --category injured --name "Ria Restart" --home-area cambridge |
    sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
m --as intake person screen "$p" --instrument phq9 --answers 0,0,0,0,0,0,0,0,2 >/dev/null
[ "$(referral_open "$p")" = crisis:referred ] || fail "not referred: $(referral_open "$p")"

attempts_at_least() { [ "$(attempts_count agency=mh kind=referral)" -ge "$1" ]; }
for k in 2 3 4; do
    wait_for 60 attempts_at_least "$k" || fail "the notice's ladder stalled before step $k"
    crash_restart
done
alarmed() { [ "$(alarms_count kind=referral_unacknowledged person="$p")" -ge 1 ]; }
wait_for 60 alarmed || fail "no alarm when the ladder ran out"
[ "$(pages_count agency=mh kind=referral state=unreachable)" = 1 ] || fail "notice not unreachable"

att=$(notice_attempts mh)
[ "$(echo "$att" | tr ' ' '\n' | cut -d: -f1 | tr '\n' ',')" = "0,1,2,3,4," ] || fail "attempts at steps: $att"
ids=$(echo "$att" | tr ' ' '\n' | cut -d: -f2 | sort -n | tr '\n' ' ')
got=$(sed -n 's/.*"page_id":\([0-9]*\).*/\1/p' "$T/exec/mh.log" | sort -n -u | tr '\n' ' ')
[ "$got" = "$ids" ] || fail "notices received ($got) are not the attempts ($ids)"
[ "$(alarms_count kind=referral_unacknowledged)" = 1 ] || fail "alarms: $(alarms_count kind=referral_unacknowledged)"
[ "$(pages_count agency=mh ask=none)" = 0 ] || fail "mh activated despite activate_on_referral: false"
ok "3 kill -9 restarts: the urgent notice climbed all 5 steps once each, the ids received are the attempts, one alarm"
stop_daemon
