# Bulk intake never stops the loop long enough for systemd's watchdog to
# kill musterd, and Gold is answered meanwhile.  Eight intake clients keep
# three imports of 500 rows each in flight (12,000 persons; one import
# each, 4,000, under memcheck); musterd runs
# with WATCHDOG_USEC=3 s (a ping every 1.5 s), and every gap between its
# pings must stay under 3 s.  Before batches were bounded in time and large
# imports ran in parts, all the imports waiting went into one batch and the
# pings stopped for as long as it ran (52 s with 200 imports in the field).
. "$(dirname "$0")/lib.sh"

export WATCHDOG_USEC=3000000
start_daemon
python3 "$SRC/tests/tool/notify_gaps.py" "$NOTIFY" "$T/gaps" &
GAPS_PID=$!
cleanup_hook() { kill "$GAPS_PID" 2>/dev/null || true; }
pinged() { [ -f "$T/gaps" ] && ! grep -q '^pings 0 ' "$T/gaps"; }
wait_for 60 pinged || fail "no watchdog ping reached the test's notify socket"
ref=$(m incident standup --plan example --level 1 --exercise --operation BULK | head -n 1)

# Under memcheck the same pattern with one import per client (4,000
# persons): the gaps are what is measured, not the volume.
PER=3
[ "${MUSTER_VALGRIND:-0}" = 1 ] && PER=1
"$MTEST" imports "$CONTROL" "$KEYS" "$ref" 8 $PER 3 >"$T/imports" 2>&1 &
IMPORTS=$!
# Gold stands up another incident while the imports run: answered.
started() { [ "$(persons_count 2>/dev/null || echo 0)" -gt 0 ]; }
wait_for 60 started || fail "the imports never started"
m incident standup --plan example --level 1 --exercise --operation DURING-BULK >/dev/null ||
    fail "Gold's standup failed during bulk intake"
ok "Gold's standup answered during bulk intake"
wait "$IMPORTS" || fail "imports: $(cat "$T/imports")"
grep -qx "imports ok $((8 * PER))" "$T/imports" || fail "imports: $(cat "$T/imports")"

read -r _ pings _ gap <"$T/gaps"
[ "$pings" -ge 2 ] || fail "too few watchdog pings: $(cat "$T/gaps")"
[ "$gap" -lt 3000 ] || fail "the watchdog pings stopped for $gap ms (systemd kills at 3000)"
ok "$((8 * PER * 500)) persons imported by 8 clients; longest gap between watchdog pings $gap ms (limit 3000)"
stop_daemon
