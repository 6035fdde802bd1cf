# The service unit as systemd would run it, on a machine without systemd:
# tests/tool/seccomp_run applies systemd/musterd.service's system-call
# filter, address families, real-time restriction, LimitNOFILE= and UMask=
# and execs musterd.  musterd must become ready, page an agency through
# every channel (children, TCP), answer Gold and stop cleanly; the unit's
# filter without its sched_setscheduler line (the unit as it was) must kill
# it with SIGSYS.  The unit must listen on loopback only.
# Always the plain daemon: under valgrind the system calls would be
# valgrind's, not musterd's (make test's valgrind pass runs this test on a
# build without sanitizers, the build the unit runs).
export MUSTER_VALGRIND=0
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"
SECCOMP=$4
UNIT=$SRC/systemd/musterd.service
GROUPS_FILE=$SRC/tests/tool/syscall-groups.txt

# 1. Loopback by default, and a descriptor limit above systemd's 1024.
args=$("$SECCOMP" --exec-args "$UNIT" | tr '\n' ' ')
for opt in --control --feed; do
    ep=$(echo "$args" | sed -n "s/.* $opt \([^ ]*\).*/\1/p")
    [[ "$ep" == tcp://127.0.0.1:* ]] || fail "the unit's $opt is \"$ep\", not loopback: $args"
done
grep -q '^LimitNOFILE=65536$' "$UNIT" || fail "the unit sets no LimitNOFILE=65536"
ok "the unit listens on loopback: $args"

# The groups file must still hold every group the unit names.
if command -v systemd-analyze >/dev/null; then
    sh "$SRC/tests/tool/syscall_groups.sh" "$UNIT" | tail -n +2 >"$T/groups.now"
    tail -n +2 "$GROUPS_FILE" | cmp -s - "$T/groups.now" ||
        echo "note: this systemd's groups differ from $GROUPS_FILE; regenerate it with tests/tool/syscall_groups.sh"
fi

start_receiver http http_receiver.py
start_receiver smtp smtp_receiver.py
write_plan 01 1s # one agency, a01
# By name, so the resolver runs inside the sandbox too (glibc asks netlink
# for the local addresses, which RestrictAddressFamilies= refuses).
plan_edit paging 's|//127\.0\.0\.1:|//localhost:|'
grep -q 'http://localhost:' "$PLANS/paging.yaml" || fail "plan not rewritten to localhost"
init_keys

# The unit runs musterd as an unprivileged account.  Root here runs it as
# nobody (as root, SQLite would chown its journals, which the unit denies).
USER_ARGS=()
if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$T"
    USER_ARGS=(--user nobody)
    umask 000 # mtest's notify socket, writable by nobody as systemd's is
fi
# Sanitizer builds: no core-dump limit to set (setrlimit is denied), and no
# leak check at exit (LeakSanitizer stops the process with ptrace, which the
# filter denies; every other black-box test checks for leaks).
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:disable_coredump=0:detect_leaks=0"
WRAP=("$SECCOMP" --groups "$GROUPS_FILE" "${USER_ARGS[@]}" "$UNIT" --)

# 2. Under the unit's filter: ready, paging through every channel, Gold served.
start_daemon
grep -q '^Seccomp:[[:space:]]*2' "/proc/$PID/status" || fail "musterd runs without a seccomp filter"
nofile=$(ulimit -Hn) # the ceiling here, without PID 1's privileges
if [ "$nofile" = unlimited ] || [ "$nofile" -ge 65536 ]; then nofile=65536; fi
grep -q "^Max open files *$nofile *$nofile" "/proc/$PID/limits" || fail "LimitNOFILE not applied: $(grep 'open files' "/proc/$PID/limits")"
tr '\0' '\n' <"/proc/$PID/environ" | grep -qx "$(grep -o 'GLIBC_TUNABLES=.*' "$UNIT")" ||
    fail "musterd runs without the unit's GLIBC_TUNABLES: $(tr '\0' ' ' <"/proc/$PID/environ")"
ok "musterd is ready under the unit's system-call filter and environment"

ref=$(m incident standup --plan paging --level 1 --exercise --operation UNIT | head -n 1)
[[ "$ref" == EX-PT-* ]] || fail "standup under the filter: $ref"
m incident list | grep -q "^$ref .*active" || fail "incident list lacks $ref"
have_pages() {
    [ -s "$T/exec/a01.log" ] && grep -q '"/a01"' "$T/http.log" &&
        grep 'a01@test.example' "$T/smtp.log" | grep -q '"message"'
}
wait_for 60 have_pages || fail "pages under the filter: exec $(wc -c <"$T/exec/a01.log" 2>/dev/null), webhook/email missing"
ok "standup $ref paged by exec, webhook and email under the filter"
stop_daemon
ok "musterd stopped cleanly under the filter"

# 3. The unit as it was, without the sched_setscheduler line: SIGSYS.
sed '/^SystemCallFilter=sched_setscheduler$/d' "$UNIT" >"$T/old.service"
grep -q '^SystemCallFilter=~@privileged @resources$' "$T/old.service" || fail "old filter not found"
# libzmq's threads make the call as they start, maybe just after READY, so
# the test waits for the process to end (timeout is only a deadline).
WRAP=("$SECCOMP" --groups "$GROUPS_FILE" "${USER_ARGS[@]}" "$T/old.service" --)
DB=$T/old.db CONTROL=ipc://$T/old-control FEED=ipc://$T/old-feed musterd_argv
rc=0
env -u NOTIFY_SOCKET timeout 120 "${MUSTERD_ARGV[@]}" >"$T/old.log" 2>&1 || rc=$?
[ "$rc" = $((128 + 31)) ] || fail "the old filter did not kill musterd with SIGSYS (exit $rc): $(tail -n 3 "$T/old.log")"
ok "the old unit's filter kills musterd with SIGSYS"
