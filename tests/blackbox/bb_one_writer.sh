# tests/blackbox/bb_one_writer.sh - one writer, always (issue 18 §1): a
# second musterd on the database of a running one refuses to start, with
# exit status 75 and a message naming the holder's pid and host, and takes
# nothing from it (the same endpoints keep answering the first); --check-
# plan still runs beside it; a daemon killed with -9 leaves no lock behind,
# so the standby starts at once on the same directory, and a standby that
# finds the lock still held waits for it (5 s) before exit 75.
. "$(dirname "$0")/lib.sh"

start_daemon
FIRST=$PID
ref=$(m incident standup --plan example --level 1 --exercise --operation ONE | head -n 1)

# The second daemon: same database, same endpoints, as a cluster manager
# starting the standby too early would.
PID=
start_refused
PID=$FIRST
grep -q 'exited with 75 ' <<<"$REFUSAL" || fail "the second musterd: $REFUSAL (expected exit 75)"
grep -q "database $DB is in use by another musterd: pid $FIRST on host $(hostname) since " "$LOG" ||
    fail "the refusal does not name the holder (pid $FIRST on host $(hostname))"
ok "a second musterd on the same database exits 75 naming pid $FIRST on host $(hostname)"

# The first daemon kept its sockets and its database.
m whoami >/dev/null || fail "the first musterd no longer answers on its endpoint"
m incident show "$ref" >/dev/null || fail "the first musterd lost its incident"
[ "$(grep -c 'ready: control' "$LOG")" = 1 ] || fail "more than one musterd became ready"
ok "the refused daemon took neither the endpoints nor the database"

# A second name for the same database (a symbolic link) finds the same lock.
ln -s "$DB" "$T/alias.db"
DB_REAL=$DB
DB=$T/alias.db
start_refused
DB=$DB_REAL
grep -q 'exited with 75 ' <<<"$REFUSAL" || fail "musterd on a link to the database: $REFUSAL"
ok "a symbolic link to the database is refused too"

"$BIN/musterd" --check-plan "$PLANS/example.yaml" >/dev/null ||
    fail "--check-plan refused while a musterd runs"
ok "--check-plan runs beside the daemon (it takes no lock)"

# kill -9: the kernel drops the lock with its holder; the standby starts.
crash_restart
[ "$PID" != "$FIRST" ] || fail "the same daemon?"
grep -q "^pid $PID on host $(hostname) since " "$DB.lock" ||
    fail "the lock file does not name the new holder: $(cat "$DB.lock")"
m incident show "$ref" >/dev/null || fail "the standby does not serve the incident"
ok "after kill -9 the standby takes the lock at once and serves the incident"

# A standby started while the lock is still held (a killed daemon's paging
# child between fork and exec holds a copy of it) waits for it, up to 5 s,
# instead of exiting 75 at once: the holder goes, the standby starts.
FIRST=$PID
musterd_argv
"$DAEMON_TOOL" start "$T/notify2" "$LOG" "${MUSTERD_ARGV[@]}" >"$T/standby.out" 2>&1 &
STANDBY_TOOL=$!
waiting() { grep -q "database $DB is locked by pid $FIRST on host .*: waiting up to 5000 ms" "$LOG"; }
wait_for 30 waiting || fail "the standby did not wait for the lock: $(tail -n 3 "$LOG")"
crash_daemon
wait "$STANDBY_TOOL" || fail "the standby did not start once the lock was released: $(cat "$T/standby.out")"
PID=$(cut -d ' ' -f 1 "$T/standby.out")
m incident show "$ref" >/dev/null || fail "the standby that waited does not serve the incident"
ok "a standby finding the lock held waits for it and starts once its holder has gone"
stop_daemon
