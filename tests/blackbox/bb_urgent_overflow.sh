# tests/blackbox/bb_urgent_overflow.sh - an urgent person is never parked
# on a non-urgent pathway.  With the sample plan (plans/cambridgeshire.yaml)
# the crisis pathway holds 20: the 21st person screened urgent (PHQ-9 item
# 9) must go to the crisis pathway's urgent overflow, never to active
# monitoring as musterd did before issue 13.
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
stop_daemon
