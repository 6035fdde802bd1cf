# bb_selfreg_crash.sh - kill -9 during a burst of public registrations
# (public.register from three clients at once, as muster-web sends them):
# after the restart every registration that was acknowledged with a
# reference is in the database exactly once, and a request whose answer
# was lost, sent again with the same request id, gets one reference and
# never a second registration.
. "$(dirname "$0")/lib.sh"

init_keys
"$BIN/muster" keys add --keys "$KEYS" web >/dev/null
plan_sample cambridgeshire 's/max_per_minute: 600/max_per_minute: 100000/'
start_daemon

ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation CRASH | head -n 1)
m incident publish "$ref" --public-name "Incident at the Corn Exchange" --keyword ARENA >/dev/null

args() { # WORKER N: the registration's arguments
    printf '{"incident":"%s","name":"Person %s-%s","phone":"07700 9%02d%03d","safe_to_call":"any time",'`
        `'"language":"en","home_area":"Ely","involvement":"present","wants_support":false,"consent":true}' \
        "$ref" "$1" "$2" "$1" "$2"
}
# worker W: register one person after another until musterd stops
# answering; each reference acknowledged goes to acked.W, the request id of
# the request whose answer never came to lost.W.
worker() {
    local w=$1 n=0 out
    while :; do
        n=$((n + 1))
        out=$(m --timeout "$(scaled 3)" --request-id "w$w-$n" --as web request public.register "$(args "$w" "$n")" 2>/dev/null) || {
            echo "$n" >"$T/lost.$w"
            return 0
        }
        echo "$out" | jq -r .reference >>"$T/acked.$w"
    done
}
acked() { cat "$T"/acked.* 2>/dev/null | wc -l; }
acked_at_least() { [ "$(acked)" -ge "$1" ]; }

for w in 1 2 3; do
    worker "$w" &
    jobs_add $!
done
wait_for 60 acked_at_least 30 || fail "the burst made no progress"
crash_daemon
jobs_wait
n=$(acked)
start_daemon

for r in $(cat "$T"/acked.*); do
    [ "$(q "SELECT COUNT(*) FROM selfregs WHERE reference = $(sql_str "$r")")" = 1 ] ||
        fail "acknowledged registration $r lost after kill -9"
done
stored=$(q "SELECT COUNT(*) FROM selfregs")
[ "$stored" -ge "$n" ] && [ "$stored" -le $((n + 3)) ] || fail "$stored stored for $n acknowledged"
ok "kill -9 during a burst of $n acknowledged public registrations lost none of them"

for w in 1 2 3; do
    lost=$(cat "$T/lost.$w")
    r=$(m --request-id "w$w-$lost" --as web request public.register "$(args "$w" "$lost")" | jq -r .reference)
    again=$(m --request-id "w$w-$lost" --as web request public.register "$(args "$w" "$lost")" | jq -r .reference)
    [ "$r" = "$again" ] || fail "a retried request id got a second reference: $r, $again"
    [ "$(persons_count name="Person $w-$lost")" = 1 ] || fail "the lost request of worker $w is stored $(persons_count name="Person $w-$lost") times"
done
ok "a request whose answer was lost, sent again with its request id, is stored once"

stop_daemon
