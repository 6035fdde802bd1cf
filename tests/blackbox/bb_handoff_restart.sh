# tests/blackbox/bb_handoff_restart.sh - kill -9 while an out-of-area
# handoff climbs the neighbouring hub's ladder, three times: after each
# restart it carries on from the step it had reached, no step sent twice
# as two notices (the receiver sees the attempts' page ids, once each),
# and when the ladder runs out one alarm (handoff_unacknowledged) is
# raised for the duty manager and Gold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

handoff_plan() {
    local s ladder=()
    plan_head id=handoff name="Handoff restart plan" prefix=HO lead=hub |
        sed 's/^levels: .*/levels: [{level: 1, name: One}, {level: 2, name: Two}]/'
    cat <<'YAML'
paging: {ack_wait: 1s}
persons:
  home_areas: [cambridge]
  handoff_ack: 1h
  neighbouring_hubs:
    - {agency: norfolk, areas: [norwich]}
  pathways:
    - {id: away, name: Out of area, provider: hub, out_of_area: true}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: away, home: out}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=test desk=Desk
    for s in 1 2 3 4 5; do
        ladder+=(contact="$(plan_contact "Step $s" exec "$EXEC" args="$T/exec" after=800ms)")
    done
    plan_agency id=norfolk name="Norfolk hub" role=test level=2 "${ladder[@]}"
}
plan_write handoff handoff_plan
plan_edit handoff 's/^\(  - {id: norfolk, .*\)}$/\1, activate_on_referral: false}/'
start_daemon
ref=$(m incident standup --plan handoff --level 1 --live --operation HANDOFF | head -n 1)
p=$(m --as intake --json person add "$ref" --category survivor --name "Nat Norwich" --home-area norwich --consent given |
    sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
[ "$(referral_open "$p")" = away:referred ] && [ "$(referral_field "$p" provider)" = norfolk ] ||
    fail "not handed off: $(referral_open "$p") $(referral_field "$p" provider)"

attempts_at_least() { [ "$(attempts_count agency=norfolk kind=referral)" -ge "$1" ]; }
for k in 2 3 4; do
    wait_for 60 attempts_at_least "$k" || fail "the handoff's ladder stalled before step $k"
    crash_restart
done
alarmed() { [ "$(alarms_count kind=handoff_unacknowledged person="$p")" -ge 1 ]; }
wait_for 60 alarmed || fail "no alarm when the handoff's ladder ran out"
[ "$(pages_count agency=norfolk kind=referral state=unreachable)" = 1 ] || fail "handoff not unreachable"

att=$(notice_attempts norfolk)
[ "$(echo "$att" | tr ' ' '\n' | cut -d: -f1 | tr '\n' ',')" = "0,1,2,3,4," ] || fail "attempts at steps: $att"
ids=$(echo "$att" | tr ' ' '\n' | cut -d: -f2 | sort -n | tr '\n' ' ')
got=$(sed -n 's/.*"page_id":\([0-9]*\).*/\1/p' "$T/exec/norfolk.log" | sort -n -u | tr '\n' ' ')
[ "$got" = "$ids" ] || fail "handoffs received ($got) are not the attempts ($ids)"
grep -q '"handoff":true' "$T/exec/norfolk.log" || fail "the notice does not say it is a handoff"
[ "$(alarms_count kind=handoff_unacknowledged)" = 1 ] || fail "alarms: $(alarms_count kind=handoff_unacknowledged)"
[ "$(pages_count agency=norfolk ask=none)" = 0 ] || fail "norfolk activated by the handoff"
ok "3 kill -9 restarts: the handoff climbed all 5 steps once each, the ids received are the attempts, one alarm"
stop_daemon
