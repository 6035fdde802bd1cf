# musterd --check-plan: every bad plan in tests/plans gives exactly its
# expected file:line:column messages and exit 1; every good one, the sample
# plans included, prints "plan OK" and exits 0.
. "$(dirname "$0")/lib.sh"

cd "$SRC"
n=0
for f in tests/plans/bad-*.yaml; do
    want=${f%.yaml}.err
    rc=0
    "$BIN/musterd" --check-plan "$f" 2>"$T/got" >/dev/null || rc=$?
    [ $rc = 1 ] || fail "$f: exit $rc, expected 1"
    diff -u "$want" "$T/got" || fail "$f: messages differ from $want"
    n=$((n + 1))
done
[ $n -ge 10 ] || fail "only $n bad plans"
ok "$n bad plans refused with the expected messages"

for f in tests/plans/good-*.yaml plans/*.yaml; do
    out=$("$BIN/musterd" --check-plan "$f") || fail "$f refused"
    [ "$out" = "$f: plan OK" ] || fail "$f: $out"
done
ok "good plans and the sample plans pass"

# Several files at once: exit 1 if any is bad, every file reported.
rc=0
"$BIN/musterd" --check-plan plans/example.yaml tests/plans/bad-alias.yaml >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q 'example.yaml: plan OK' "$T/out" && [ -s "$T/err" ] || fail "mixed set"
ok "mixed set reports each file"

# The daemon refuses to start on a bad plan directory.
init_keys
mkdir "$T/badplans"
cp tests/plans/bad-alias.yaml "$T/badplans/"
PLANS=$T/badplans DB=$T/x.db start_refused
[[ "$REFUSAL" == *"musterd exited with 1 before"* ]] && grep -q 'anchors and aliases are not allowed' "$LOG" ||
    fail "daemon started on a bad plan: $REFUSAL"
ok "musterd refuses to start on invalid plans"

# An exec contact whose program cannot be run is a warning naming
# file:line:column, never a refusal: exit 0, "plan OK".  A bare name is a
# script in --scripts DIR.
line=$(grep -n 'target: page-sms' plans/example.yaml | head -n 1 | cut -d: -f1)
mkdir "$T/scripts"
check_warn() { # want-pattern
    rc=0
    "$BIN/musterd" --scripts "$T/scripts" --check-plan plans/example.yaml >"$T/out" 2>"$T/err" || rc=$?
    [ $rc = 0 ] && [ "$(cat "$T/out")" = "plans/example.yaml: plan OK" ] || fail "warning made the plan fail: $rc $(cat "$T/out" "$T/err")"
    if [ -z "$1" ]; then
        [ ! -s "$T/err" ] || fail "unexpected warning: $(cat "$T/err")"
    else
        grep -qx "plans/example.yaml:$line:17: warning: exec target \"page-sms\" ($T/scripts/page-sms) $1" "$T/err" ||
            fail "expected \"$1\" at line $line: $(cat "$T/err")"
    fi
}
check_warn "does not exist"
printf '#!/bin/sh\n' >"$T/scripts/page-sms"
chmod 644 "$T/scripts/page-sms"
check_warn "is not executable"
chmod 755 "$T/scripts/page-sms"
check_warn ""
ok "--check-plan warns (exit 0) when an exec target is missing or not executable, at file:line:column"

# The sample plans' scripts are shipped: no warning from the tree's scripts
# or the dry-run ones make run uses; an absolute target is checked as is.
for d in scripts scripts/dry-run; do
    "$BIN/musterd" --scripts "$d" --check-plan plans/*.yaml >/dev/null 2>"$T/err" || fail "sample plans with $d"
    [ ! -s "$T/err" ] || fail "sample plans warn with --scripts $d: $(cat "$T/err")"
done
sed 's|target: page-sms|target: /nonexistent/page-sms|' plans/example.yaml >"$T/abs.yaml"
"$BIN/musterd" --check-plan "$T/abs.yaml" >/dev/null 2>"$T/err" || fail "absolute target refused"
grep -q "abs.yaml:$line:17: warning: exec target /nonexistent/page-sms does not exist" "$T/err" ||
    fail "absolute target: $(cat "$T/err")"
ok "the sample plans' paging scripts are shipped (scripts/, scripts/dry-run/)"

# musterd itself logs the same warnings when it loads the plans.
PLANS=$SRC/plans start_daemon --scripts "$T/scripts-none"
grep -q "plans/example.yaml:$line:17: warning: exec target \"page-sms\" ($T/scripts-none/page-sms) does not exist" "$LOG" ||
    fail "musterd did not log the exec warning"
stop_daemon
ok "musterd logs a warning for an exec target it cannot run"
