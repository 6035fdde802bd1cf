# tests/blackbox/bb_urgent_overflow.sh - an urgent person is never parked
# on a non-urgent pathway.  With the sample plan (plans/cambridgeshire.yaml)
# the crisis pathway holds 20: the 21st person screened urgent (PHQ-9 item
# 9) must go to the crisis pathway's urgent overflow, never to active
# monitoring as musterd did before issue 13.  Its provider, not activated
# at level 1, is activated; when the overflow is full too, the next urgent
# person is held on the crisis pathway with an alarm.
. "$(dirname "$0")/lib.sh"

start_daemon
ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation URGENT | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
urgent() { # add an injured person and screen them urgent: their id
    local p
    p=$(add --category injured --name "Person $1" --home-area cambridge)
    m --as intake person screen "$p" --instrument phq9 --answers 0,0,0,0,0,0,0,0,1 >/dev/null
    echo "$p"
}

for i in $(seq 1 20); do
    p=$(urgent "$i")
    [ "$(referral_open "$p")" = crisis:referred ] || fail "person $i: $(referral_open "$p")"
done
ok "20 urgent persons fill the crisis pathway"
p21=$(urgent 21)
[ "$(referral_open "$p21")" = crisis-ooh:referred ] ||
    fail "the 21st urgent person went to $(referral_open "$p21"), not the urgent overflow"
ok "the 21st urgent person went to the crisis pathway's urgent overflow"
[ "$(pages_count agency=first-response ask=none)" = 1 ] || fail "the overflow's provider was not activated"
for i in $(seq 22 30); do urgent "$i" >/dev/null; done
p31=$(urgent 31)
[ "$(referral_open "$p31")" = crisis:held_urgent ] || fail "the 31st: $(referral_open "$p31")"
[ "$(alarms_count state=open kind=urgent_held person="$p31")" = 1 ] || fail "no alarm for the held person"
ok "the overflow's provider (level 3) was activated; with both full the 31st was held, an open alarm"
stop_daemon
