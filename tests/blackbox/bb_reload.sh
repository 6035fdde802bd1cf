# SIGHUP reloads plans and the keyring; a bad plan is reported and the old
# plans are kept; a running incident keeps its frozen copy of its plan.
. "$(dirname "$0")/lib.sh"

plan_sample example
start_daemon
ref=$(m incident standup --plan example --level 1 --exercise --operation FROZEN | head -n 1)
digest=$(m --json incident show "$ref" | json_field digest)
m plan list | grep '^example .* 1\.0 ' >/dev/null || fail "plan version before reload"

# A broken edit: reported, old plan kept.
cp "$T/plans/example.yaml" "$T/good.yaml"
printf 'plan:\n  id: example\n  colour: red\n' >"$T/plans/example.yaml"
reload_daemon
m --as duty plan list | grep '^example ' >/dev/null || fail "old plan dropped after a bad reload"
grep -q 'example.yaml:3:3: unknown key "colour"' "$LOG" || fail "bad plan not reported with file:line:column"
grep -q 'keeping the plans already loaded' "$LOG" || fail "bad reload not reported as such"
ok "bad plan on SIGHUP reported, old plan kept"

# A good edit: new version loaded; the running incident is unchanged.
sed -e 's/^  version: .*/  version: "2.0"/' \
    -e 's/^  name: Example County Victim Support Plan/  name: Example County Plan, revised/' \
    "$T/good.yaml" >"$T/plans/example.yaml"
reload_daemon
m --as duty plan list | grep '^example .* 2\.0 ' >/dev/null || fail "new plan version not loaded"
[ "$(m --json incident show "$ref" | json_field digest)" = "$digest" ] || fail "incident plan changed"
m --json incident show "$ref" | grep '"version": "1.0"' >/dev/null || fail "incident lost its frozen plan version"
[ "$(m --json incident show "$ref" | jq -r .plan.name)" = "Example County Victim Support Plan" ] ||
    fail "incident lost its frozen plan's name"
# A standup after the reload freezes the new plan (musterd keeps each
# loaded plan's JSON for its standups: the reload must replace it too).
ref2=$(m incident standup --plan example --level 1 --exercise --operation AFTER | head -n 1)
[ "$(m --json incident show "$ref2" | jq -r '.plan.version + " / " + .plan.name')" = \
    "2.0 / Example County Plan, revised" ] ||
    fail "a standup after the reload froze: $(m --json incident show "$ref2" | jq -c .plan)"
ok "good plan reloaded; running incident keeps its frozen plan, a new one freezes the new plan"

# A key added to the keyring is accepted after SIGHUP.
"$BIN/muster" keys add --keys "$KEYS" agency:newcomer >/dev/null
expect_fail 4 "refused our key" -- --as agency:newcomer whoami
reload_daemon
m --as agency:newcomer --json whoami | grep '"principal": "agency:newcomer"' >/dev/null || fail "new key not accepted"
ok "keyring reloaded on SIGHUP"
stop_daemon
