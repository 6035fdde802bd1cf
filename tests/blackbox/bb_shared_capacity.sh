# tests/blackbox/bb_shared_capacity.sh - a provider's pathway is one pool
# of places across incidents.  Two exercises stood up from one plan share
# the mental-health trust's two trauma places: the second incident's
# second positive screen waits instead of taking a third place; a live
# incident is a pool of its own (an exercise never takes a live place).  A
# place freed in one incident goes to the oldest waitlisted person of the
# pool, in the other incident, and after a kill -9 the pool is still full.
. "$(dirname "$0")/lib.sh"

pool_plan() {
    plan_head id=pool name="Shared capacity plan" prefix=SC lead=hub
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  pathways:
    - {id: trauma, name: Trauma therapy, provider: mh, capacity: 2, waitlist: true}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: trauma, screen: positive}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
    plan_agency id=mh name="Mental health trust" role=mh desk=D
}
plan_write pool pool_plan
start_daemon
a=$(m incident standup --plan pool --level 1 --exercise --operation POOL-A | head -n 1)
b=$(m incident standup --plan pool --level 1 --exercise --operation POOL-B | head -n 1)
live=$(m incident standup --plan pool --level 1 --live --operation POOL-LIVE | head -n 1)
positive() { # INCIDENT NAME: a person registered in INCIDENT and screened positive
    local p
    p=$(m --as intake --json person add "$1" --category survivor --name "$2" --home-area cambridge | jq -r .person)
    m --as intake person screen "$p" --instrument gad7 --answers 2,2,2,2,2,1,1 >/dev/null
    echo "$p"
}
a1=$(positive "$a" "Ann One")
b1=$(positive "$b" "Ben One")
b2=$(positive "$b" "Ben Two")
a2=$(positive "$a" "Ann Two")
l1=$(positive "$live" "Lee One")
[ "$(referral_open "$a1")" = trauma:referred ] || fail "a1: $(referral_open "$a1")"
[ "$(referral_open "$b1")" = trauma:referred ] || fail "b1: $(referral_open "$b1")"
[ "$(referral_open "$b2")" = trauma:waitlisted ] || fail "the second incident took a third place: b2 $(referral_open "$b2")"
[ "$(referral_open "$a2")" = trauma:waitlisted ] || fail "a2: $(referral_open "$a2")"
ok "two incidents share the provider's two places: the third and fourth positive screens wait"
[ "$(referral_open "$l1")" = trauma:referred ] || fail "a live incident lost its place to exercises: $(referral_open "$l1")"
ok "a live incident is a pool of its own: exercises never take its places"

m --as agency:mh referral close "$a1" --reason "therapy completed" >/dev/null
[ "$(referral_open "$b2")" = trauma:referred ] || fail "the oldest waitlisted of the pool not promoted: $(referral_open "$b2")"
[ "$(referral_open "$a2")" = trauma:waitlisted ] || fail "a2 jumped the queue: $(referral_open "$a2")"
board_key() { m status "$1" --json | jq -r ".board[\"$2\"]"; }
[ "$(board_key "$b" pathway/trauma/referred)" = 2 ] || fail "board of $b: $(board_key "$b" pathway/trauma/referred)"
[ "$(board_key "$b" pathway/trauma/waitlisted)" = 0 ] || fail "board of $b: $(board_key "$b" pathway/trauma/waitlisted)"
[ "$(board_key "$a" pathway/trauma/waitlisted)" = 1 ] || fail "board of $a: $(board_key "$a" pathway/trauma/waitlisted)"
ok "a place freed in one incident went to the oldest waitlisted person of the pool, in the other"

crash_restart
a3=$(positive "$a" "Ann Three")
[ "$(referral_open "$a3")" = trauma:waitlisted ] || fail "after kill -9: a3 $(referral_open "$a3")"
ok "after kill -9 the pool is still full"
stop_daemon
