# tests/blackbox/bb_readme.sh - the README's walk-through works: every
# block of README.md marked "```sh walkthrough" is run verbatim, in order,
# in one shell, against a fresh musterd started as `make run` starts it
# (the musterd command line is the one `make -n run` prints, in a fresh
# copy of the tree's layout: plans/, samples/, scripts/, build/release/
# holding the binaries under test, an empty var/), and every command must
# succeed.  A failing command is named by its README line.  README=FILE
# runs another file's blocks (how the test is shown to catch a break).
. "$(dirname "$0")/lib.sh"

README=${README:-$SRC/README.md}
W=$T/tree
mkdir -p "$W/build/release"
for d in plans samples scripts Makefile; do ln -s "$SRC/$d" "$W/$d"; done
ln -s "$BIN/muster" "$W/build/release/muster"
ln -s "$BIN/musterd" "$W/build/release/musterd"

# The script: the README with every line outside a walkthrough block
# blanked, so bash's LINENO is the README's line number.
awk '/^```sh walkthrough[ \t]*$/ { inb = 1; print ""; next }
     inb && /^```[ \t]*$/       { inb = 0; print ""; next }
     { print inb ? $0 : "" }' "$README" >"$T/walkthrough.sh"
n=$(grep -c '^```sh walkthrough' "$README" || true)
[ "$n" -ge 5 ] || fail "only $n walkthrough blocks in $README"
grep -q '^M=build/release/muster$' "$T/walkthrough.sh" || fail "the walk-through does not set M"

# make run's own commands: create var/ and the keys, then musterd (what
# `make -n` prints; nothing is built: the binaries under test are there).
export MUSTER_CONNECT=$CONTROL MUSTER_FEED=$FEED
make -s -n -C "$W" run BUILD=build/release CONTROL="$CONTROL" FEED="$FEED" |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' >"$T/make-run"
keys_line=$(grep -E '^build/release/muster keys init ' "$T/make-run") || fail "no keys line in make -n run: $(cat "$T/make-run")"
run_line=$(grep -E '^build/release/musterd ' "$T/make-run") || fail "no musterd line in make -n run"
run_line=${run_line%% & *} # make run starts muster-web beside it: musterd's own command
[[ "$run_line" == *"--scripts $W/scripts/dry-run"* ]] || fail "make run does not page through the dry-run scripts: $run_line"
(cd "$W" && mkdir -p var && eval "$keys_line" >/dev/null) || fail "make run's keys init failed"
read -r -a argv <<<"$run_line"
mtest=$(cd "$(dirname "$MTEST")" && pwd)/$(basename "$MTEST")
out=$(cd "$W" && "$mtest" start "$NOTIFY" "$LOG" ${WRAP[@]+"${WRAP[@]}"} "${argv[@]}") || fail "musterd as make run starts it did not start"
PID=${out%% *}
ok "musterd started as make run starts it: ${run_line#build/release/}"

# Run the walk-through in one shell (set -e: the first failing command
# stops it; sourced, so LINENO is the README's line), within a deadline: a
# command that never ends (a listener, the board) fails it too.
rc=0
(cd "$W" && timeout "$(scaled 120)" bash -c 'set -eE -o pipefail
trap '\''echo "README.md:$LINENO: command failed (exit $?): $BASH_COMMAND" >&2'\'' ERR
. "$1"' walkthrough "$T/walkthrough.sh") >"$T/out" 2>"$T/err" || rc=$?
if [ $rc != 0 ]; then
    tail -n 20 "$T/out" >&2
    fail "the README walk-through failed: $(grep 'README.md:' "$T/err" | head -n 1) ($(grep -v 'README.md:' "$T/err" | tail -n 3))"
fi
ok "$n walkthrough blocks of README.md ran, every command succeeded"

# What the walk-through did is there: the persons of the sample CSV, the
# dry-run pages in the log, the report.
grep -q 'Anna Nowak' "$T/out" || fail "the sample CSV's persons are not listed"
ref=$(sed -n 1p <(grep -E '^EX-CAMB-[0-9]{4}-[0-9]{4}' "$T/out"))
wait_for 30 test -s "$W/var/reports/$ref/audit_head.csv" || fail "no report in var/reports/$ref" # the last file
daemon_stop TERM
sanitizer_clean
ok "the walk-through's persons, report and a clean stop"
