# Signed CAP (issue 20 section 1; docs/interop.md, "Signatures"): when
# the plan names a sender's certificate, `muster incident standup --cap`
# stands up only on a message that sender signed (XML-DSig, checked in
# musterd with the plan's certificate): signed stands up; tampered, unsigned,
# signed by another key (even naming its own certificate in KeyInfo) or
# with SHA-1 is refused BAD_SIGNATURE naming the element, and nothing is
# stood up; a sender without a certificate still works unsigned.  The
# incident keeps the certificate it stood up with (frozen), across a
# kill -9 and a plan whose certificate changed; --check-plan reports a
# missing or expired certificate; an agency key cannot send CAP at all.
# Keys and certificates are made at test time (cap_sign --pair).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"
. "$(dirname "$0")/db_lib.sh"

SIGN=$4
SIGNED=control@cambs.police.example
PLAIN=duty@ambulance.example
mkdir -p "$T/plans/certs" "$T/k"
pair() { "$SIGN" --pair "$1" -- "$2" "$3" "$T/k/$4.key" "$T/k/$4.pem" || fail "cap_sign --pair $4"; }
pair "$SIGNED" -60 31536000 control
pair "$SIGNED" -60 31536000 attacker
pair old.example -172800 -86400 expired
cp "$T/k/control.pem" "$T/plans/certs/control.pem"

sig_plan() {
    plan_head id=cs name="Signed CAP plan" prefix=CS lead=a1 | sed '/^levels:/d'
    cat <<YAML
levels: [{level: 1, name: One}, {level: 2, name: Two}, {level: 3, name: Three}]
paging: {ack_wait: 1h, exec_timeout: 5s}
cap:
  senders:
    - {sender: $SIGNED, certificate: certs/control.pem}
    - $PLAIN
  events:
    - {code: MCI, extreme: 3, severe: 2, moderate: 1, urgency: {immediate: 2, past: 0}}
agencies:
YAML
    level_agencies 3
}
plan_write cs sig_plan

# alert FILE ID TYPE SEVERITY [REFERENCES] [SENDER] [URGENCY]: an Actual
# CAP 1.2 message, indented as a partner's system would write it.
alert() {
    local refs='' sender=${6:-$SIGNED} info=''
    [ -z "${5:-}" ] || refs="<references>$SIGNED,$5,2026-06-01T21:14:00+01:00</references>"
    [ "$3" = Cancel ] || info="<info>
    <category>Security</category>
    <event>Mass casualty attack</event>
    <urgency>${7:-Expected}</urgency>
    <severity>$4</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>muster</valueName><value>MCI</value></eventCode>
    <headline>Major incident</headline>
  </info>"
    cat >"$T/$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>$2</identifier>
  <sender>$sender</sender>
  <sent>2026-06-01T21:14:00+01:00</sent>
  <status>Actual</status>
  <msgType>$3</msgType>
  <scope>Restricted</scope>
  <restriction>partners</restriction>$refs
  $info
</alert>
XML
}
# sign KEY IN OUT [cap_sign options]
sign() { "$SIGN" "${@:4}" "$T/k/$1.key" "$T/$2" "$T/$3" || fail "cap_sign $2"; }
incidents() { q "SELECT COUNT(*) FROM incidents"; }

# --check-plan: a missing certificate is an error, an expired one a warning.
sed 's#certs/control.pem#certs/none.pem#' "$T/plans/cs.yaml" >"$T/missing.yaml"
rc=0
"$MUSTERD" --check-plan "$T/missing.yaml" 2>"$T/err" >/dev/null || rc=$?
[ $rc = 1 ] || fail "--check-plan with a missing certificate: exit $rc"
grep -q "missing.yaml:[0-9]*:[0-9]*: \"certificate\": .*certs/none.pem: cannot open: No such file" "$T/err" ||
    fail "--check-plan, missing certificate: $(cat "$T/err")"
mkdir -p "$T/x/certs" && cp "$T/k/expired.pem" "$T/x/certs/control.pem" && cp "$T/plans/cs.yaml" "$T/x/"
out=$("$MUSTERD" --check-plan "$T/x/cs.yaml" 2>"$T/err") || fail "--check-plan, expired certificate: $(cat "$T/err")"
grep -q "plan OK" <<<"$out" || fail "--check-plan: $out"
grep -q "warning: the certificate of CAP sender $SIGNED (.*certs/control.pem) expired on " "$T/err" ||
    fail "--check-plan, expired certificate: $(cat "$T/err")"
ok "--check-plan refuses a missing certificate and warns of an expired one"

start_daemon

# A signed Alert stands up; the same tampered, unsigned or signed by another key does not.
alert a.xml SIG-1 Alert Moderate
sign control a.xml a.signed.xml
sed 's#<severity>Moderate#<severity>Extreme#' "$T/a.signed.xml" >"$T/a.tampered.xml"
expect_fail 1 "BAD_SIGNATURE: /alert/Signature/SignedInfo/Reference: the digest does not match: the message was changed after it was signed" \
    -- incident standup --cap "$T/a.tampered.xml"
expect_fail 1 "BAD_SIGNATURE: /alert/Signature: missing: the message is not signed; plan cs names the certificate of $SIGNED" \
    -- incident standup --cap "$T/a.xml"
sign attacker a.xml a.attacker.xml --keyinfo "$T/k/attacker.pem"
grep -q X509Certificate "$T/a.attacker.xml" || fail "no KeyInfo certificate in the attacker's message"
expect_fail 1 "BAD_SIGNATURE: /alert/Signature/SignatureValue: not made by the key of the sender's certificate" \
    -- incident standup --cap "$T/a.attacker.xml"
sign control a.xml a.sha1.xml --method rsa-sha1
expect_fail 1 "BAD_SIGNATURE: /alert/Signature/SignedInfo/SignatureMethod: signature method \"http://www.w3.org/2000/09/xmldsig#rsa-sha1\" is refused" \
    -- incident standup --cap "$T/a.sha1.xml"
sed 's#URI=""#URI="http://attacker.example/a.xml"#' "$T/a.signed.xml" >"$T/a.uri.xml"
expect_fail 1 "BAD_SIGNATURE: /alert/Signature/SignedInfo/Reference: URI \"http://attacker.example/a.xml\" is refused" \
    -- incident standup --cap "$T/a.uri.xml"
[ "$(incidents)" = 0 ] || fail "a refused message stood an incident up"
[ "$(q "SELECT COUNT(*) FROM cap_messages")" = 0 ] || fail "a refused message was recorded"
out=$(m incident standup --cap "$T/a.signed.xml") || fail "signed standup: $out"
ref=$(echo "$out" | head -n 1)
grep -q "stood up: plan cs, level 1, LIVE, operation CAP SIG-1" <<<"$out" || fail "signed standup: $out"
ok "a signed Alert stands up; tampered, unsigned, another key's (with its KeyInfo), SHA-1 and external URI refused first"

# A sender without a certificate: unsigned as before; and urgency raises the level.
alert p.xml PLAIN-1 Alert Moderate "" "$PLAIN" Immediate
out=$(m incident standup --cap "$T/p.xml") || fail "unsigned from $PLAIN: $out"
pref=$(echo "$out" | head -n 1)
[ "$(incident_field "$pref" level)" = 2 ] || fail "urgency Immediate did not raise Moderate's level 1 to 2"
alert past.xml PLAIN-2 Alert Extreme "" "$PLAIN" Past
expect_fail 1 "CAP_UNMAPPED: /alert/info\[1\]/urgency: plan cs stands nothing up for urgency \"Past\" of event \"MCI\"" \
    -- incident standup --cap "$T/past.xml"
ok "a sender without a certificate works unsigned; urgency Immediate raises the level, Past stands nothing up"

# An Update for the signed sender's incident must be signed too, and come
# from a sender the incident's plan accepts.
alert u.xml SIG-2 Update Severe SIG-1
expect_fail 1 "BAD_SIGNATURE: /alert/Signature: missing" -- incident standup --cap "$T/u.xml"
alert uo.xml SIG-3 Update Extreme SIG-1 someone@else.example
expect_fail 1 "CAP_UNMAPPED: /alert/sender: the plan of incident $ref does not accept CAP from \"someone@else.example\"" \
    -- incident standup --cap "$T/uo.xml"
# The plan's other sender, which has no certificate, cannot change the
# signed sender's incident either: not unsigned, not at all.
alert up.xml PLAIN-3 Update Extreme SIG-1 "$PLAIN"
expect_fail 1 "FORBIDDEN: /alert/references: the message it names came from \"$SIGNED\"; only that sender may update or cancel incident $ref" \
    -- incident standup --cap "$T/up.xml"
alert cp.xml PLAIN-4 Cancel "" SIG-1 "$PLAIN"
expect_fail 1 "FORBIDDEN: /alert/references: the message it names came from \"$SIGNED\"" \
    -- incident standup --cap "$T/cp.xml"
[ "$(incident_field "$ref" level)" = 1 ] || fail "a refused update changed the level"
[ "$(incident_field "$ref" state)" = active ] || fail "another sender's Cancel stood the incident down"
expect_fail 1 "FORBIDDEN" -- --as agency:a1 incident standup --cap "$T/a.signed.xml"
ok "an unsigned Update, one from a sender the plan does not accept, and the other sender's Update and Cancel are refused; an agency cannot send CAP"

# The incident keeps the certificate it stood up with: after kill -9, with
# the plan's certificate replaced, the original sender's signed Update is
# verified against the frozen one, while a new Alert now needs the new one.
cp "$T/k/attacker.pem" "$T/plans/certs/control.pem"
crash_restart
sign control u.xml u.signed.xml --c14n incl
out=$(m incident standup --cap "$T/u.signed.xml") || fail "signed update after the restart: $out"
grep -q "level raised: 1 -> 2" <<<"$out" || fail "signed update: $out"
alert b.xml SIG-4 Alert Severe
sign control b.xml b.signed.xml
expect_fail 1 "BAD_SIGNATURE: /alert/Signature/SignatureValue: not made by the key" -- incident standup --cap "$T/b.signed.xml"
sign attacker b.xml b.new.xml
m incident standup --cap "$T/b.new.xml" >/dev/null || fail "an Alert signed with the plan's new certificate"
expect_fail 1 "DUPLICATE" -- incident standup --cap "$T/a.signed.xml"
[ "$(incidents)" = 3 ] || fail "incidents: $(incidents)"
ok "after kill -9 and a new certificate, the incident's frozen certificate still verifies its updates"

# An expired certificate in the plan: signed messages are refused.
cp "$T/k/expired.pem" "$T/plans/certs/control.pem"
restart_daemon
grep -q "warning: the certificate of CAP sender $SIGNED .* expired on" "$LOG" || fail "no warning of the expired certificate in the log"
alert e.xml SIG-5 Alert Severe
sign expired e.xml e.signed.xml
expect_fail 1 "BAD_SIGNATURE: /alert/sender: the certificate the plan names for the sender expired on" \
    -- incident standup --cap "$T/e.signed.xml"
[ "$(incidents)" = 3 ] || fail "a message signed with an expired certificate stood up"
m incident list >/dev/null || fail "musterd stopped serving"
ok "a certificate that has expired is warned of at load, and its signatures are refused"

stop_daemon
