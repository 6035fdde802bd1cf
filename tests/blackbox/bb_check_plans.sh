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
