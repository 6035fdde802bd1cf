# tests/blackbox/bb_referrals.sh - referrals reach the provider (issue 13,
# section 2): a referral is delivered to its provider as a notice through
# the provider's channels (here exec), with its own page id and no personal
# data; a receipt is enough for a routine one.  An urgent referral climbs
# the provider's ladder until acknowledged (muster referral ack), and when
# the ladder runs out an alarm is raised that the duty manager lists; the
# provider's late acknowledgement resolves it.  A full crisis pathway sends
# the next urgent person to its overflow, whose provider (not activated at
# the incident's level) is activated; when that is full too the person is
# held with an alarm the duty manager clears; a freed crisis place goes to
# the held person.  An agency with activate_on_referral: false is not
# activated by a referral.  Bad input changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

LADDER=()
# Steps a second apart (scaled for a slow run): time enough for a delivery's
# result to come back before the next step is due.
for s in 1 2 3; do LADDER+=(contact="$(plan_contact "Step $s" exec "$EXEC" args="$T/exec" after="$(scaled 1000)ms")"); done
referral_plan() {
    plan_head id=referrals name="Referrals plan" prefix=RF lead=hub |
        sed 's/^levels: .*/levels: [{level: 1, name: One}, {level: 2, name: Two}]/'
    cat <<'YAML'
paging: {ack_wait: 1s}
persons:
  home_areas: [cambridge]
  urgent_ack: 1h
  pathways:
    - {id: crisis, name: Crisis team, provider: mh, capacity: 1, overflow: [ooh]}
    - {id: ooh, name: Out-of-hours crisis, provider: ooh, capacity: 1}
    - {id: bereavement, name: Bereavement support, provider: cruse}
    - {id: justice, name: Restorative justice, provider: rj}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: crisis, urgent: true}
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: justice, categories: [witness]}
    - {pathway: monitoring}
agencies:
YAML
    local a
    for a in hub:1 mh:1 ooh:2 cruse:2; do
        plan_agency id="${a%:*}" name="${a%:*}" role=test level="${a#*:}" "${LADDER[@]}"
    done
    plan_agency id=rj name=rj role=test level=2 contact="$(plan_contact Desk exec "$EXEC" args="$T/exec")"
}
plan_write referrals referral_plan
plan_edit referrals 's/^\(  - {id: rj, .*\)}$/\1, activate_on_referral: false}/'
start_daemon
ref=$(m incident standup --plan referrals --level 1 --exercise --operation REFER | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
urgent() {
    local p
    p=$(add --category injured --name "$1" --phone 07700900123 --home-area cambridge)
    m --as intake person screen "$p" --instrument phq9 --answers 0,0,0,0,0,0,0,0,1 >/dev/null
    echo "$p"
}
notices_in() { grep -c '"kind":"referral"' "$T/exec/$1.log" 2>/dev/null || true; }
has_notice() { [ "$(notices_in "$1")" -ge "$2" ]; }

# A routine referral: one notice, delivered once, receipt enough.
p1=$(add --category survivor --name "Alice Secret" --phone 07700900001 --email a@x.example --home-area cambridge)
wait_for 30 has_notice hub 1 || fail "the hub got no referral notice"
receipted() { [ "$(pages_count agency=hub kind=referral via=delivered)" = 1 ]; }
wait_for 30 receipted || fail "the routine notice did not stop at its receipt"
line=$(grep '"kind":"referral"' "$T/exec/hub.log")
[[ "$line" == *"\"person\":$p1,"* && "$line" == *'"pathway":"monitoring"'* ]] || fail "notice: $line"
[[ "$line" == *'EXERCISE EXERCISE EXERCISE'* ]] || fail "no exercise mark: $line"
! grep -rqE 'Alice|Secret|07700900|a@x.example' "$T/exec" || fail "personal data left musterd"
id=$(sed -n 's/.*"page_id":\([0-9]*\).*"kind":"referral".*/\1/p' "$T/exec/hub.log")
[ "$(notice_attempts hub)" = "0:$id" ] || fail "page id $id is not the attempt: $(notice_attempts hub)"
ok "a referral was delivered to its provider by exec, with its own page id and no personal data"

# A provider not activated at level 1 is activated by a referral; one
# whose plan says activate_on_referral: false is not.
[ "$(pages_count agency=cruse ask=none)" = 0 ] || fail "cruse activated at level 1"
add --category bereaved --name "Bea Reaved" --home-area cambridge >/dev/null
add --category witness --name "Will Ness" --home-area cambridge >/dev/null
[ "$(pages_count agency=cruse ask=none)" = 1 ] || fail "cruse not activated by its referral"
[ "$(pages_count agency=rj ask=none)" = 0 ] || fail "rj activated despite activate_on_referral: false"
wait_for 30 has_notice rj 1 || fail "rj got no referral notice"
ok "a referral activated its provider (not one whose plan says activate_on_referral: false)"

# Urgent: climbs the crisis team's ladder; when it runs out, an alarm.
u1=$(urgent "Una Urgent")
[ "$(referral_open "$u1")" = crisis:referred ] || fail "u1: $(referral_open "$u1")"
alarmed() { [ "$(alarms_count state=open kind=referral_unacknowledged person="$u1")" = 1 ]; }
wait_for 30 alarmed || fail "no alarm after the crisis team's ladder ran out"
[ "$(attempts_count agency=mh kind=referral)" = 3 ] || fail "urgent notice: $(notice_attempts mh)"
# The crisis team's ladder took longer than the hub's would have to climb.
[ "$(attempts_count agency=hub kind=referral)" = 1 ] || fail "a receipted notice climbed on"
m --as duty --json alarm list "$ref" | grep -q '"kind": "referral_unacknowledged"' || fail "alarm not listed"
m --as agency:mh referral ack "$u1" --note "called back" >/dev/null || fail "referral ack"
[ "$(alarms_count state=resolved person="$u1")" = 1 ] || fail "the acknowledgement did not resolve the alarm"
[ "$(pages_count agency=mh kind=referral state=acknowledged via=agency)" = 1 ] || fail "not acknowledged"
ok "an urgent referral climbed the provider's ladder, raised an alarm, and its acknowledgement resolved it"

# Full crisis team: the overflow (ooh, activated by it); then held.
u2=$(urgent "Ulla Urgent")
[ "$(referral_open "$u2")" = ooh:referred ] || fail "u2: $(referral_open "$u2")"
[ "$(pages_count agency=ooh ask=none)" = 1 ] || fail "the overflow's provider not activated"
u3=$(urgent "Uma Urgent")
[ "$(referral_open "$u3")" = crisis:held_urgent ] || fail "u3: $(referral_open "$u3")"
[ "$(alarms_count state=open kind=urgent_held person="$u3")" = 1 ] || fail "no alarm for the held person"
alarm=$(m --as duty --json alarm list | tr -d ' \n' | sed -n 's/.*"alarm":\([0-9]*\),"incident":"[^"]*","kind":"urgent_held".*/\1/p')
[ -n "$alarm" ] || fail "held alarm not listed"
m --as duty alarm clear "$alarm" --note "crisis line phoned the person" >/dev/null || fail "alarm clear"
[ "$(alarms_count state=cleared kind=urgent_held)" = 1 ] || fail "not cleared"
# (the overflow's notice for u2 runs out of ladder too: its alarm comes
# before the counts below are taken)
u2_alarmed() { [ "$(alarms_count state=open kind=referral_unacknowledged person="$u2")" = 1 ]; }
wait_for 30 u2_alarmed || fail "no alarm after the overflow's ladder ran out"
# ooh's activation page climbs the same ladder, its first step taken by the
# next paging tick rather than in the request: its alarm can come later.
ooh_alarmed() { [ "$(alarms_count state=open kind=agency_unreachable agency=ooh)" = 1 ]; }
wait_for 30 ooh_alarmed || fail "no alarm after ooh's activation ran out of ladder: $(pages_states)"
ok "a full crisis team sent the next urgent person to its overflow, then held one with an alarm, cleared by duty"

# Bad input: coded errors, nothing changed.
alarms_now() { echo "$(alarms_count state=open) $(alarms_count state=cleared) $(alarms_count state=resolved)"; }
before=$(alarms_now):$(pages_count kind=referral state=acknowledged via=agency)
expect_fail 1 CONFLICT -- --as duty alarm clear "$alarm"
expect_fail 1 NOT_FOUND -- --as duty alarm clear 99999
expect_fail 1 NOT_FOUND -- --as agency:mh referral ack 99999
expect_fail 1 NOT_FOUND -- --as agency:cruse referral ack "$u1"
expect_fail 1 BAD_ARGUMENT -- --as duty referral ack "$u1"
expect_fail 1 FORBIDDEN -- --as agency:mh alarm list
[ "$(alarms_now):$(pages_count kind=referral state=acknowledged via=agency)" = "$before" ] ||
    fail "bad input changed alarms or acknowledgements"
ok "bad input: coded errors, no alarm or acknowledgement changed"

# A freed crisis place goes to the held person (a promotion notice).
m --as agency:mh referral close "$u1" --reason completed >/dev/null
[ "$(referral_open "$u3")" = crisis:referred ] || fail "held person not promoted: $(referral_open "$u3")"
promoted() { [ "$(pages_count agency=mh kind=promotion)" = 1 ]; }
wait_for 30 promoted || fail "no promotion notice"
ok "a freed crisis place went to the held urgent person, with a notice to the provider"
stop_daemon
