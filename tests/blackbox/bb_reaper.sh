# The suite's own hygiene: a test that ctest kills at its timeout (SIGKILL
# to the test's whole process group, which no trap sees) leaves no musterd
# behind to load every test after it.  A child test, in a process group of
# its own, starts musterd and blocks; the group is killed as ctest would;
# lib.sh's reaper (in a session of its own) must then kill that musterd
# and remove the child's directory.
. "$(dirname "$0")/lib.sh"

cat >"$T/child.sh" <<CHILD
. "$SRC/tests/blackbox/lib.sh"
start_daemon
echo "\$PID \$T" >"$T/child.info"
exec tail -f /dev/null
CHILD
setsid bash "$T/child.sh" "$BIN" "$SRC" "$MTEST" >"$T/child.out" 2>&1 &
child=$!
wait_for 60 test -s "$T/child.info" || fail "the child test did not start musterd: $(cat "$T/child.out")"
read -r dpid dT <"$T/child.info"
kill -0 "$dpid" || fail "the child's musterd is not running"
kill -9 -- "-$child" # ctest's timeout: the test's process group, SIGKILL
gone() { ! kill -0 "$dpid" 2>/dev/null; }
wait_for 30 gone || { kill -9 "$dpid"; fail "musterd $dpid outlived its killed test"; }
removed() { [ ! -e "$dT" ]; }
wait_for 30 removed || fail "the killed test's directory $dT was left behind"
ok "a test killed as ctest kills it at a timeout leaves no musterd and no directory behind"
