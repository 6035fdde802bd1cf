# tests/blackbox/bb_ocf.sh - the Pacemaker resource agent (issue 18 §2),
# systemd/ocf/musterd, on the real daemon: its meta-data is valid XML (the
# DTD and RELAX NG schema of Debian's resource-agents), ocf-tester passes,
# and its actions do what Pacemaker relies on: start returns once musterd
# answers, monitor depth 0 sees the process and its lock, depth 10 a round
# trip (so a hung daemon fails depth 10 only), kill -9 is "not running",
# stop is clean and idempotent, validate-all refuses a bad configuration.
. "$(dirname "$0")/lib.sh"

AGENT=$SRC/systemd/ocf/musterd
RA=/usr/share/resource-agents
export OCF_ROOT=/usr/lib/ocf
command -v ocf-tester >/dev/null && [ -f "$RA/ra-api-1.dtd" ] ||
    fail "ocf-tester is missing: apt-get install resource-agents (make deps does)"
command -v xmllint >/dev/null || fail "xmllint is missing: apt-get install libxml2-utils"
init_keys
mkdir -p "$REPORTS"

(cd "$RA" && "$AGENT" meta-data | xmllint --noout --valid -) || fail "meta-data: not valid against ra-api-1.dtd"
"$AGENT" meta-data | xmllint --noout --relaxng "$RA/metadata.rng" - 2>/dev/null ||
    fail "meta-data: not valid against metadata.rng"
ok "meta-data is valid XML (ra-api-1.dtd, metadata.rng)"

PARAMS="binary=$BIN/musterd client=$BIN/muster plans=$PLANS keys=$KEYS db=$DB reports=$REPORTS
    control=$CONTROL feed=$FEED user= logfile=$LOG"
args=()
for p in $PARAMS; do args+=(-o "$p"); done
ocf-tester -n musterd-test "${args[@]}" "$AGENT" >"$T/ocf-tester" 2>&1 ||
    fail "ocf-tester: $(cat "$T/ocf-tester")"
grep -q 'passed all tests' "$T/ocf-tester" || fail "ocf-tester: $(cat "$T/ocf-tester")"
ok "ocf-tester passed all tests"

# The actions one by one, as Pacemaker calls them.
for p in $PARAMS; do export "OCF_RESKEY_$p"; done
export OCF_RESOURCE_INSTANCE=musterd-test
ra() { OCF_CHECK_LEVEL=${DEPTH:-0} "$AGENT" "$@" 2>>"$T/agent.err"; }
rc_of() { local rc=0; "$@" || rc=$?; echo $rc; }

ra start || fail "start failed: $(cat "$T/agent.err")"
m whoami >/dev/null || fail "start returned before musterd answered"
PID=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$DB.lock")
[ "$(DEPTH=0 rc_of ra monitor)" = 0 ] || fail "monitor depth 0 on a running musterd"
[ "$(DEPTH=10 rc_of ra monitor)" = 0 ] || fail "monitor depth 10 on a running musterd"
tr '\0' '\n' <"/proc/$PID/environ" | grep -qx "$(grep -o 'GLIBC_TUNABLES=.*' "$SRC/systemd/musterd.service")" ||
    fail "the agent's musterd lacks the unit's GLIBC_TUNABLES: $(tr '\0' ' ' <"/proc/$PID/environ")"
ok "start waits until musterd answers; monitor 0 and 10 see it running; the unit's environment"

kill -STOP "$PID"
[ "$(DEPTH=0 rc_of ra monitor)" = 0 ] || fail "monitor depth 0 on a stopped (hung) musterd"
[ "$(DEPTH=10 rc_of ra monitor)" = 1 ] || fail "monitor depth 10 did not see musterd hung"
kill -CONT "$PID"
ok "a hung musterd passes depth 0 and fails depth 10 (OCF_ERR_GENERIC)"

crash_daemon
rc=$(rc_of ra monitor)
[ "$rc" = 7 ] || fail "monitor after kill -9 is $rc, not OCF_NOT_RUNNING: $(cat "$T/agent.err"; ps -o pid,stat,comm -p "$(sed -n "s/^pid \([0-9]*\) .*/\1/p" "$DB.lock")")"
ra start || fail "start after kill -9 failed: $(cat "$T/agent.err")"
[ "$(DEPTH=10 rc_of ra monitor)" = 0 ] || fail "monitor depth 10 after the restart"
ok "kill -9 is OCF_NOT_RUNNING, and start recovers on the same database"

PID=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$DB.lock")
ra stop || fail "stop failed"
! pid_running "$PID" || fail "musterd still runs after stop"
PID=
grep -q 'musterd stopped' "$LOG" || fail "musterd did not stop cleanly"
[ "$(rc_of ra monitor)" = 7 ] || fail "monitor after stop is not OCF_NOT_RUNNING"
ra stop || fail "stopping a stopped musterd failed"
ok "stop is clean (SIGTERM) and stopping twice succeeds"

[ "$(OCF_RESKEY_plans=$T/none rc_of ra validate-all)" = 6 ] ||
    fail "validate-all with no plans is not OCF_ERR_CONFIGURED"
[ "$(OCF_RESKEY_keys=$T/none rc_of ra validate-all)" = 6 ] ||
    fail "validate-all with no server key is not OCF_ERR_CONFIGURED"
[ "$(OCF_RESKEY_binary=$T/none rc_of ra validate-all)" = 5 ] ||
    fail "validate-all with no binary is not OCF_ERR_INSTALLED"
ok "validate-all refuses missing plans, keys and binary"
sanitizer_clean
