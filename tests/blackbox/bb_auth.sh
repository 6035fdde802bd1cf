# Only Gold stands up or down; an unknown key cannot connect at all; the
# principal comes from the key, whatever the client claims.
. "$(dirname "$0")/lib.sh"

start_daemon
for who in intake duty agency:cpft; do
    expect_fail 1 FORBIDDEN -- --as "$who" incident standup --plan example --level 1 --exercise --operation X
done
ref=$(m incident standup --plan example --level 1 --exercise --operation AUTH | head -n 1)
expect_fail 1 FORBIDDEN -- --as agency:cpft incident standdown "$ref"
expect_fail 1 FORBIDDEN -- --as intake incident standdown "$ref"
ok "intake, duty and agency keys refused standup and standdown"

# Everyone may read the incident list.
for who in duty intake agency:cpft; do
    m --as "$who" incident list | grep "$ref" >/dev/null || fail "$who cannot list incidents"
done
m --as agency:cpft --json whoami | grep '"principal": "agency:cpft"' >/dev/null || fail "whoami"
ok "read commands open to every principal"

# The plan holds every agency's contact targets: gold and duty only.
expect_fail 1 FORBIDDEN -- --as agency:cpft plan show example
expect_fail 1 FORBIDDEN -- --as intake plan show example
expect_fail 1 FORBIDDEN -- --as agency:cpft incident show "$ref" --plan-source
m --as duty plan show example >/dev/null || fail "duty cannot read the plan"
m --as duty --json incident show "$ref" --plan-source | grep '"plan_source"' >/dev/null || fail "plan source"
ok "plans and frozen plan sources closed to agencies and intake"

# A key that is not in the keyring never gets a connection.
mkdir "$T/stranger"
cp "$KEYS/server.pub" "$T/stranger/"
"$BIN/muster" keys add --keys "$T/stranger" gold >/dev/null
out=$("$BIN/muster" --keys "$T/stranger" --connect "$CONTROL" incident list 2>&1) && fail "stranger got in"
echo "$out" | grep "refused our key" >/dev/null || fail "stranger: $out"
grep -q "zap: refused client key" "$LOG" || fail "refusal not logged"
ok "unknown key refused at the handshake (exit 4)"

# A gold key file carried by another name is still gold: the principal comes
# from the keyring, not from anything in the file or the request.
sed 's/^principal gold/principal intake/' "$KEYS/gold.key" >"$T/relabelled.key"
m --key "$T/relabelled.key" --json whoami | grep '"principal": "gold"' >/dev/null || fail "relabelled key"
sed 's/^principal intake/principal gold/' "$KEYS/intake.key" >"$T/intake-as-gold.key"
expect_fail 1 FORBIDDEN -- --key "$T/intake-as-gold.key" incident standup --plan example --level 1 --exercise --operation Y
ok "principal taken from the key, not from the client"

# Refusals of state changes are audited.
stop_daemon
n=$(audit_count outcome=FORBIDDEN)
[ "$n" = 6 ] || fail "expected 6 audited refusals, found $n"
ok "refusals audited"
