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
# The shipped holiday files end in a given year: from 284 days before its
# end they warn of the horizon on purpose (a reminder to add the next
# year).  That warning is tested below; the "no warning" checks here ignore
# it, so that the suite passes on any day.
other_warnings() { grep -v 'before the incident horizon' "$1" || true; }
check_warn() { # want-pattern
    rc=0
    "$BIN/musterd" --scripts "$T/scripts" --check-plan plans/example.yaml >"$T/out" 2>"$T/err" || rc=$?
    [ $rc = 0 ] && [ "$(cat "$T/out")" = "plans/example.yaml: plan OK" ] || fail "warning made the plan fail: $rc $(cat "$T/out" "$T/err")"
    if [ -z "$1" ]; then
        [ -z "$(other_warnings "$T/err")" ] || fail "unexpected warning: $(cat "$T/err")"
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
    [ -z "$(other_warnings "$T/err")" ] || fail "sample plans warn with --scripts $d: $(cat "$T/err")"
done
cp -r plans/holidays "$T/" # the holiday file the plan names, beside it
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

# Bank holidays from a shared file: "bank_holidays: england-and-wales" in
# the sample plans reads holidays/england-and-wales.yaml beside the plan.
# When its dates end before the incident horizon (today plus the last
# re-screening and its grace, 284 days by default) --check-plan warns and
# the plan is still OK; a missing file is an error naming it.
mkdir -p "$T/hp/holidays"
cp plans/example.yaml "$T/hp/"
hline=$(grep -n '^  bank_holidays: england-and-wales' plans/example.yaml | cut -d: -f1)
[ -n "$hline" ] || fail "plans/example.yaml does not name the england-and-wales holiday file"
# (dates of last year only: before the horizon on any day of the year)
year=$(($(date -u +%Y) - 1))
printf 'nation: England and Wales\ndates: [%s-01-01, %s-12-25]\n' "$year" "$year" \
    >"$T/hp/holidays/england-and-wales.yaml"
rc=0
"$BIN/musterd" --scripts scripts --check-plan "$T/hp/example.yaml" >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 0 ] && [ "$(cat "$T/out")" = "$T/hp/example.yaml: plan OK" ] || fail "short holiday list refused: $rc $(cat "$T/out" "$T/err")"
grep -qx "$T/hp/example.yaml:$hline:3: warning: the bank holidays ($T/hp/holidays/england-and-wales.yaml) end with $year, before the incident horizon [0-9-]* (the last re-screening and its grace, 284 days from today): working-day deadlines after $year will count no bank holidays" "$T/err" ||
    fail "no horizon warning: $(cat "$T/err")"
ok "--check-plan warns (exit 0) when the bank holidays end before the incident horizon"

printf 'nation: England and Wales\ndates: [%s-12-25]\n' "$((year + 2))" >"$T/hp/holidays/england-and-wales.yaml"
"$BIN/musterd" --scripts scripts --check-plan "$T/hp/example.yaml" >/dev/null 2>"$T/err" || fail "long holiday list refused"
[ ! -s "$T/err" ] || fail "warned though the dates reach the horizon: $(cat "$T/err")"
ok "no warning when the dates run to the end of next year"

rm "$T/hp/holidays/england-and-wales.yaml"
sed -i 's/^  bank_holidays: england-and-wales/  bank_holidays: atlantis/' "$T/hp/example.yaml"
rc=0
"$BIN/musterd" --check-plan "$T/hp/example.yaml" >/dev/null 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "^$T/hp/example.yaml:$hline:18: \"bank_holidays\": no holiday file \"atlantis\" (looked for $T/hp/holidays/atlantis.yaml and .*/atlantis.yaml)$" "$T/err" ||
    fail "missing holiday file: $rc $(cat "$T/err")"
ok "a missing holiday file is a plan error naming the files looked for"
