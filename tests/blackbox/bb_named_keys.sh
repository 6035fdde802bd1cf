# A keyring line may name the person holding a key (gold:insp-jones).  The
# key acts with the principal's rights (authorization is unchanged), and the
# audit trail, the incident (`incident show`) and the stand-down report name
# the person: "gold (insp-jones)".
. "$(dirname "$0")/lib.sh"

init_keys
"$BIN/muster" keys add --keys "$KEYS" --person insp-jones gold | grep "gold.insp-jones.key" >/dev/null ||
    fail "keys add --person"
grep -q '^gold:insp-jones ' "$KEYS/keyring" || fail "keyring line for gold:insp-jones"
[ "$(stat -c %a "$KEYS/gold.insp-jones.key")" = 600 ] || fail "key file mode"
rc=0
"$BIN/muster" keys add --keys "$KEYS" --person "Insp Jones" gold >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a person's name with capitals and a space was accepted ($rc)"
ok "muster keys add --person names the holder in the keyring"

start_daemon
jones() { m --as gold:insp-jones "$@"; }
jones --json whoami | grep '"principal": "gold"' >/dev/null || fail "the named key is not gold"
ref=$(jones incident standup --plan cambridgeshire --level 1 --exercise --operation NAMED | head -n 1)
expect_fail 1 FORBIDDEN -- --as gold:insp-jones person add "$ref" --category survivor --name X
m incident standup --plan cambridgeshire --level 1 --exercise --operation UNNAMED >/dev/null
jones incident standdown "$ref" --note "all safe" >/dev/null
ok "a named gold key has gold's rights, no more"

export_rows=$(m audit export)
echo "$export_rows" | grep '"command":"incident.standup"' | grep -q '"principal":"gold (insp-jones)"' ||
    fail "the audit row of the standup does not name the person: $export_rows"
echo "$export_rows" | grep '"command":"person.add"' | grep -q '"outcome":"FORBIDDEN","principal":"gold (insp-jones)"' ||
    fail "the refusal does not name the person"
echo "$export_rows" | grep '"target":"EX-CAMB-[0-9]*-0002"' | grep -q '"principal":"gold"' ||
    fail "an unnamed key's row should say gold"
m audit verify >/dev/null || fail "audit chain"
ok "audit rows name the person: gold (insp-jones)"

show=$(m incident show "$ref")
grep -q "^stood up .* by gold (insp-jones)$" <<<"$show" || fail "incident show, stood up: $show"
grep -q "^stood down .* by gold (insp-jones): all safe$" <<<"$show" || fail "incident show, stood down: $show"
ok "incident show names who stood it up and down"

report=$(m report "$ref")
# (Markdown-escaped: the report escapes what it quotes, parentheses included)
grep -qF '| incident.standup | by gold \(insp-jones\) |' <<<"$report" || fail "report timeline: $report"
grep -qF '| incident.standdown | by gold \(insp-jones\): all safe |' <<<"$report" || fail "report timeline"
wait_for 30 reports_written "$ref" 1 || fail "the report was not written at stand-down"
grep -qF 'by gold \(insp-jones\)' "$T/reports/$ref/report.md" || fail "the report written at stand-down"
ok "the stand-down report's timeline names the person"
stop_daemon
