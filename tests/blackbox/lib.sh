# tests/blackbox/lib.sh - shared set-up for the black-box tests: a private
# directory with keys, a database and ipc:// endpoints, the real musterd
# started through mtest (which waits for sd_notify READY; the commands are
# those of tests/tool/daemon_run.sh, shared with the bench), and the real
# muster client.  The database as the tests read it is db_lib.sh, plan
# fixtures plan_lib.sh.  Source it with the build dir, the source dir and
# the mtest tool as $1 $2 $3.  The private directory is made in $TMPDIR
# (default /tmp); its ipc:// socket paths must stay under 108 bytes.
set -euo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
MTEST=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/muster-test.XXXXXX")
KEYS=$T/keys
DB=$T/muster.db
PLANS=${PLANS:-$SRC/plans}
CONTROL=ipc://$T/control
FEED=ipc://$T/feed
LOG=$T/musterd.log
REPORTS=$T/reports
NOTIFY=$T/notify
DAEMON_TOOL=$MTEST
MUSTERD=$BIN/musterd
. "$SRC/tests/tool/daemon_run.sh"
. "$SRC/tests/blackbox/db_lib.sh"
. "$SRC/tests/blackbox/plan_lib.sh"

cleanup() {
    local rc=$?
    if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
    daemon_cleanup
    if [ $rc -ne 0 ]; then
        echo "--- musterd log ($LOG) ---" >&2
        tail -n 50 "$LOG" >&2 || true
    fi
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT

# A test killed from outside (ctest's timeout sends SIGKILL, which no trap
# sees) must not leave its daemon, receivers or exec children running to
# slow every test after it: a reaper waits for this shell to end, then
# kills whatever still runs from its directory and removes it.  The
# reaper runs in a session of its own (setsid -f), out of the test's
# process group: ctest kills that whole group at a timeout, and a reaper
# in it died with the test, leaving musterd (in its own session) running.
setsid -f bash -c 'tail --pid="$1" -f /dev/null; pkill -9 -f -- "$2/"; rm -rf "$2"' \
    reaper "$$" "$T" </dev/null >/dev/null 2>&1

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ok() {
    echo "ok: $*"
}

init_keys() {
    "$BIN/muster" keys init --keys "$KEYS" --plans "$PLANS" >/dev/null
}

# MUSTER_VALGRIND=1 runs the daemon under valgrind memcheck (with a build
# made without sanitizers: `make test` does this once per run).
WRAP=()
if [ "${MUSTER_VALGRIND:-0}" = 1 ]; then
    WRAP=(/usr/bin/valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite
        --error-exitcode=99 --track-fds=no --quiet)
fi

# Every deadline in these tests is a bound on waiting for a condition,
# never a measured time, and is scaled for a slow run: MUSTER_SLOW=N (a
# loaded machine; `make test-stress` sets it) multiplies them by N, and
# memcheck, some 20 times slower, by 20 more.  The tools (mtest, watchers,
# crash) and the muster client's reply timeout follow the same factor.
SLOW=${MUSTER_SLOW:-1}
[[ "$SLOW" =~ ^[1-9][0-9]*$ ]] || { echo "MUSTER_SLOW must be a whole number >= 1" >&2; exit 2; }
[ ${#WRAP[@]} -eq 0 ] || SLOW=$((SLOW * 20))
export MUSTER_SLOW=$SLOW
export MUSTER_TIMEOUT=${MUSTER_TIMEOUT:-$((15 * SLOW))}

# scaled SECONDS: SECONDS times the slow factor.
scaled() { echo $(($1 * SLOW)); }

# start_daemon ARGS...: musterd (ARGS added to its command line) under
# WRAP, keys made first if there are none; returns once it is READY, with
# its pid in PID.  MUSTERD_NOFILE=N: the daemon alone runs under
# `ulimit -n N`.
start_daemon() {
    [ -f "$KEYS/server.key" ] || init_keys
    daemon_start "$@"
    if [ "${MUSTER_VALGRIND:-0}" = 1 ]; then # prove the daemon really runs under memcheck
        readlink "/proc/$PID/exe" | grep memcheck >/dev/null || fail "musterd is not under valgrind"
    fi
}

# Stop with SIGTERM and check that the daemon shut down cleanly: no
# sanitizer report, no leak; and that it made its SQLite settings before
# anything else used SQLite (common/dbfile.c: else the store falls back,
# and says so).
stop_daemon() {
    daemon_stop TERM
    grep -q 'musterd stopped' "$LOG" || fail "musterd did not stop cleanly"
    ! grep -q 'SQLite was in use before' "$LOG" || fail "musterd could not make its SQLite settings"
    sanitizer_clean
}

# kill -9, and wait until the process has gone.
crash_daemon() {
    daemon_stop KILL
}

# restart_daemon ARGS...: stop_daemon (checked clean), then start_daemon ARGS.
restart_daemon() {
    stop_daemon
    start_daemon "$@"
}

# crash_restart ARGS...: kill -9, then start_daemon ARGS.
crash_restart() {
    crash_daemon
    start_daemon "$@"
}

# reload_daemon: SIGHUP, returning once musterd has reloaded: its last
# line, "SIGHUP: reload done", comes after the plans are loaded and the
# keyring is handed to the thread that checks new connections' keys.
# (The signal alone returns at once; a request or a connection could
# overtake the reload.)
reload_daemon() {
    local n
    n=$(grep -c 'SIGHUP: reload done' "$LOG" || true)
    daemon_reload
    reloaded() { [ "$(grep -c 'SIGHUP: reload done' "$LOG" || true)" -gt "$n" ]; }
    wait_for 30 reloaded || fail "musterd did not finish a reload on SIGHUP"
}

# start_refused ARGS...: musterd must end before it is ready; REFUSAL says
# how ("musterd exited with 1 before it was ready ..."), its log is $LOG.
start_refused() {
    [ -f "$KEYS/server.key" ] || init_keys
    daemon_refused "$@" || fail "musterd became ready (it was killed): it should have refused to start"
}

# clock_at DATE: the --clock-offset (ms) that sets musterd's clock to DATE.
clock_at() {
    echo $(($(date -d "$1" +%s%3N) - $(date +%s%3N)))
}

sanitizer_clean() {
    if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|==[0-9]+== .*(Invalid (read|write|free)|uninitialised|definitely lost)' "$LOG" >&2; then
        fail "sanitizer or valgrind report in the musterd log"
    fi
}

m() {
    "$BIN/muster" --keys "$KEYS" --connect "$CONTROL" "$@"
}

# m_within SECONDS ARGS...: m, ended by timeout (exit 124) after SECONDS
# (scaled), for a command that waits for something that may never come
# (a listener's page).
m_within() {
    local s=$1
    shift
    timeout "$(scaled "$s")" "$BIN/muster" --keys "$KEYS" --connect "$CONTROL" "$@"
}

# pid_running PID: whether PID runs (an exited process its parent has not
# reaped yet, a zombie, does not; kill -0 would say it does).
pid_running() {
    local s
    s=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [ -n "$s" ] && [ "$s" != Z ]
}
pid_ended() { ! pid_running "$1"; }

# expect_fail EXIT_CODE PATTERN -- muster args: the command must exit with
# EXIT_CODE and print PATTERN on stderr.
expect_fail() {
    local want=$1 pattern=$2
    shift 3
    local out rc=0
    out=$(m "$@" 2>&1) || rc=$?
    [ "$rc" = "$want" ] || fail "muster $* exited $rc, expected $want: $out"
    echo "$out" | grep -- "$pattern" >/dev/null || fail "muster $* said \"$out\", expected \"$pattern\""
}

# wait_for SECONDS CMD...: run CMD until it succeeds, for at most SECONDS
# (scaled) of wall-clock time.  For conditions only visible from outside (a
# file a receiver wrote, a state in the database); it waits on the
# condition, never for a fixed time.  The condition is tried once more
# after the deadline, so a check that was itself slow still counts.
wait_for() {
    local deadline=$((${EPOCHREALTIME//[.,]/} + $(scaled "$1") * 1000000))
    shift
    until "$@"; do
        [ "${EPOCHREALTIME//[.,]/}" -lt $deadline ] || { "$@"; return; }
        sleep 0.05 # the polling interval, not a synchronisation
    done
}

# reports_written REF N: musterd has logged N writes of REF's report files
# (stand-down, close, purge: each is logged once its last file is synced
# and renamed, on the thread pool, just after the reply).  Read a report
# file only after the write that made it.
reports_written() {
    [ "$(grep -c -F -e "report: $REPORTS/$1 written" -e "report: $REPORTS/$1 rewritten" "$LOG")" -ge "$2" ]
}

# Commands run in parallel: jobs_add PID after each, then jobs_wait fails
# if any of them failed.  (A bare `wait` would also wait for the receivers
# started with process substitution.)
JOBS=
jobs_add() { JOBS="$JOBS $1"; }
jobs_wait() {
    local p bad=0
    for p in $JOBS; do wait "$p" || bad=1; done
    JOBS=
    [ $bad = 0 ] || fail "a command run in parallel failed"
}

# json_field FIELD: the first string value of "FIELD" in JSON on stdin.
json_field() {
    sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}
