# Thousands of pipelined requests from several clients at once, reads and
# writes mixed: every request gets its reply.  A ZeroMQ/libuv bridge that
# does not drain ZMQ_FD's edge-triggered signal after every send and
# receive stalls here (mtest reports "stalled" and fails).
. "$(dirname "$0")/lib.sh"

start_daemon
CLIENTS=6
PER=2000
[ "${MUSTER_VALGRIND:-0}" = 1 ] && PER=1000 # memcheck: the same pattern, half the count
out=$("$MTEST" flood "$CONTROL" "$KEYS" gold $CLIENTS $PER) || fail "flood: $out"
total=$((CLIENTS * PER))
writes=$((CLIENTS * PER / 8))
[ "$out" = "replies $total ok $total standups $writes" ] || fail "flood: $out"
ok "$total pipelined requests from $CLIENTS clients all answered"

# Every acknowledged standup is on disk exactly once, also after kill -9.
crash_restart
n=$(m request incident.list '{"limit": 10000, "state": "active"}' | grep -c '"operation": "FLOOD-')
[ "$n" = $writes ] || fail "expected $writes stood-up incidents after restart, found $n"
ok "all $writes acknowledged writes present after kill -9"
stop_daemon
