# tests/blackbox/bb_health.sh - muster health (health.show): exit 0 while
# the loop turns, the store commits and the disk has room; exit 1 when
# the disk is short (a threshold above what it has, then a full tmpfs as
# bb_diskfull.sh makes one), when the loop stalled (musterd stopped with
# SIGSTOP for four seconds: its next second comes three late, the limit is
# two; asked on a session held open through the stall), and when musterd
# is down.  A key of an agency in no plan asks too, and may do nothing that
# matters.
. "$(dirname "$0")/lib.sh"

health() { # ARGS...: muster health; its exit status in RC, its output in OUT
    RC=0
    OUT=$(m health "$@" 2>&1) || RC=$?
}

start_daemon
health && [ $RC = 0 ] || fail "health of a fresh musterd: $OUT"
[[ "$OUT" == "healthy: loop turns ("*" ms late), store commits, disk has room ("*" MiB free, at least 64 wanted)" ]] ||
    fail "health said: $OUT"
probed=$(m --json health | grep -c '"healthy": true') || true
[ "$probed" = 1 ] || fail "health --json"
health --min-free 1073741824 && [ $RC = 1 ] || fail "a disk short of 1 PiB is healthy: $OUT"
[[ "$OUT" == "UNHEALTHY: "*"disk SHORT ("*"at least 1073741824 wanted)" ]] || fail "short disk: $OUT"
expect_fail 1 "BAD_ARGUMENT" -- request health.show '{"min_free_mb": -1}'
expect_fail 2 "usage" -- health --min-free lots
ok "health: 0 when well, 1 when the disk is short of the threshold"

# A monitoring key: an agency in no plan.
"$BIN/muster" keys add --keys "$KEYS" --person nagios agency:monitoring >/dev/null
reload_daemon
mon() { m --key "$KEYS/agency.monitoring.nagios.key" "$@"; }
mon_healthy() { mon health >/dev/null 2>&1; }
wait_for 30 mon_healthy || fail "the monitoring key cannot ask health"
! mon alarm list >/dev/null 2>&1 || fail "the monitoring key lists alarms"
ok "a monitoring key of its own asks health"

# The loop stalls: musterd stopped for four seconds (the stall itself,
# not a wait for anything).  The late second shows only until the next
# one comes on time, a second later, so the question is already waiting
# when musterd runs again: health.show on duty's session, opened before
# the stall.  (A muster health started after the stall, or during it,
# still has its handshake to make once musterd runs: a slow run could
# answer it after that second.)
mkfifo "$T/hold.in" "$T/hold.out"
"$MTEST" hold "$CONTROL" "$FEED" "$KEYS" duty <"$T/hold.in" >"$T/hold.out" 2>&1 &
HOLD_PID=$!
cleanup_hook() { kill "$HOLD_PID" 2>/dev/null || true; }
exec 7>"$T/hold.in" 8<"$T/hold.out"
ask() { # LINE: sent on duty's held session; its one-line answer
    local answer
    echo "$1" >&7
    IFS= read -r -t "$MUSTER_TIMEOUT" answer <&8 || fail "held session: no answer to $1"
    echo "$answer"
}
ask 'call session.whoami {}' | grep -q '"principal":"duty"' || fail "duty's session not open"
kill -STOP "$PID"
echo 'call health.show {}' >&7
sleep 4
kill -CONT "$PID"
IFS= read -r -t "$MUSTER_TIMEOUT" answer <&8 || fail "held session: no answer to health.show"
loop=$(jq -r '.result | "\(.healthy) \(.loop.ok) \(.loop.lag_ms)"' <<<"${answer#reply }" 2>/dev/null || true)
[[ "$loop" =~ ^false\ false\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -gt 2000 ] ||
    fail "health.show asked during the stall: $answer"
exec 7>&- 8<&-
kill "$HOLD_PID" 2>/dev/null || true
wait "$HOLD_PID" 2>/dev/null || true
cleanup_hook() { :; }
healthy() { health && [ $RC = 0 ]; }
wait_for 30 healthy || fail "health after the stall: $OUT"
ok "a stalled loop is unhealthy until it turns on time again"

stop_daemon
# (a stopped musterd never answers: not the reply time-out scaled for a
# slow run, just long enough to be sure)
RC=0
OUT=$(m --timeout 3 health 2>&1) || RC=$?
[ $RC = 1 ] || fail "health of a stopped musterd exited $RC: $OUT"
[[ "$OUT" == *UNHEALTHY* ]] || fail "musterd down: $OUT"
ok "musterd down: exit 1"

# ---- a full disk (needs root, like bb_diskfull) ----
FULL=$T/full
mkdir -p "$FULL"
cleanup_hook() {
    if [ -n "$PID" ]; then
        crash_daemon || true
        PID=
    fi
    umount "$FULL" 2>/dev/null || umount -l "$FULL" 2>/dev/null || true
}
if ! mount -t tmpfs -o size=16m tmpfs "$FULL" 2>/dev/null; then
    echo "skipped: full disk: cannot mount tmpfs (not root)"
    exit 0
fi
DB=$FULL/muster.db
start_daemon
health --min-free 1 && [ $RC = 0 ] || fail "health on the tmpfs before it filled: $OUT"
checkpointed() { [ "$(db_checkpoint)" = "0|0|0" ]; }
wait_for 30 checkpointed || fail "could not checkpoint the WAL"
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
health --min-free 1 && [ $RC = 1 ] || fail "health on a full disk: $OUT"
[[ "$OUT" == *"disk SHORT (0 MiB free"* || "$OUT" == *UNAVAILABLE* ]] || fail "full disk: $OUT"
said=$OUT
kill -0 "$PID" || fail "musterd died on a full disk"
rm -f "$FULL/filler"
healthy_min1() { health --min-free 1 && [ $RC = 0 ]; }
wait_for 30 healthy_min1 || fail "health once the disk was freed: $OUT"
ok "full disk: exit 1 ($said); freed: exit 0"
stop_daemon
