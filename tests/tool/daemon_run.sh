# tests/tool/daemon_run.sh - musterd started, stopped, reloaded and
# refused in one place, for the black-box tests (tests/blackbox/lib.sh) and
# the benchmark (tests/bench/run.sh).  It drives the start and stop
# commands that mtest and mbench share (tests/tool/daemon_run.c): musterd
# runs in a session of its own with its output appended to $LOG, and is
# ready when it sends sd_notify READY=1 on $NOTIFY.
#
# The sourcing script sets DAEMON_TOOL (mtest or mbench), MUSTERD (the
# binary) and where the daemon's files are: PLANS DB KEYS CONTROL FEED
# REPORTS LOG NOTIFY, read at each call.  Optional: WRAP, an array, a
# command musterd runs under (valgrind, seccomp_run); MUSTERD_NOFILE, a
# `ulimit -n` for the daemon alone.  PID is the running daemon's, or empty.

PID=

# musterd_argv ARGS...: MUSTERD_ARGV, the daemon's whole command line (WRAP
# first), with ARGS after the usual options.
musterd_argv() {
    MUSTERD_ARGV=(${WRAP[@]+"${WRAP[@]}"} "$MUSTERD" --plans "$PLANS" --db "$DB" --keys "$KEYS"
        --control "$CONTROL" --feed "$FEED" --reports "$REPORTS" "$@")
}

# daemon_start ARGS...: start musterd and wait for its READY; sets PID and
# READY_MS (fork to READY).  Fails, saying why, if it ends or is not ready
# within the tool's deadline.
daemon_start() {
    local out
    musterd_argv "$@"
    out=$(if [ -n "${MUSTERD_NOFILE:-}" ]; then ulimit -n "$MUSTERD_NOFILE"; fi
        "$DAEMON_TOOL" start "$NOTIFY" "$LOG" "${MUSTERD_ARGV[@]}") || return
    PID=${out%% *}
    READY_MS=${out#* }
}

# daemon_stop TERM|INT|KILL: signal musterd and wait for it to exit, then
# PID is empty.  Fails (PID kept) if it has not exited by the deadline.
daemon_stop() {
    "$DAEMON_TOOL" stop "$PID" "$1" || return
    PID=
}

# daemon_reload: SIGHUP (plans and keyring), without waiting.
daemon_reload() {
    "$DAEMON_TOOL" stop "$PID" HUP
}

# daemon_refused ARGS...: start musterd expecting it never to be ready.
# Succeeds, with REFUSAL the tool's word on how it ended ("musterd exited
# with 1 before it was ready ..."), when it ended first; fails when it
# became ready (it is then killed).
daemon_refused() {
    local out
    musterd_argv "$@"
    if out=$("$DAEMON_TOOL" start "$NOTIFY" "$LOG" "${MUSTERD_ARGV[@]}" 2>&1); then
        "$DAEMON_TOOL" stop "${out%% *}" KILL
        return 1
    fi
    REFUSAL=$out
}

# daemon_cleanup: at exit, whatever happened: kill -9 a daemon still running.
daemon_cleanup() {
    [ -z "$PID" ] || kill -9 "$PID" 2>/dev/null || true
}
