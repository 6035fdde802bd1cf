# bb_web_acting.sh - the web gateway's seam in musterd.  A key whose
# keyring principal is `web` (muster-web's) may send requests that name a
# user and the principal that user acts as ("as" in the envelope): musterd
# authorizes them exactly as that principal and records the user's name in
# the audit trail, the incident and the report.  Any other key sending
# "as" is refused (FORBIDDEN) and changes nothing; the gateway's own key,
# acting for nobody, may only read the board (and subscribe to the feed).
. "$(dirname "$0")/lib.sh"

init_keys
"$BIN/muster" keys add --keys "$KEYS" web | grep -q "web.key" || fail "muster keys add web"
grep -q '^web ' "$KEYS/keyring" || fail "keyring line for web"
start_daemon

# raw PRINCIPAL JSON: send JSON as one request frame with PRINCIPAL's key.
raw() {
    printf '%s' "$2" >"$T/req"
    "$MTEST" raw "$CONTROL" "$KEYS" "$1" "$T/req"
}
expect_code() {
    grep -q "\"code\":\"$2\"" <<<"$1" || fail "expected $2, got $1"
}
as() { printf '"as":{"principal":"%s","user":"%s"}' "$1" "$2"; }
incidents() { m incident list | grep -c . || true; }

who=$(raw web '{"id":"w1","cmd":"session.whoami"}')
grep -q '"principal":"web"' <<<"$who" || fail "whoami of the web key: $who"
expect_code "$(raw web '{"id":"w2","cmd":"incident.standup","args":{"plan":"cambridgeshire","level":1,"exercise":true,"operation":"WEB"}}')" FORBIDDEN
ok "the web key acting for nobody is only web: it may not stand up"

before=$(incidents)
out=$(raw gold '{"id":"g1","cmd":"incident.standup",'"$(as gold insp-jones)"',"args":{"plan":"cambridgeshire","level":1,"exercise":true,"operation":"FORGED"}}')
expect_code "$out" FORBIDDEN
grep -q "only the web gateway's key may act for a user" <<<"$out" || fail "message: $out"
expect_code "$(raw agency:cpft '{"id":"a1","cmd":"session.whoami",'"$(as gold mallory)"'}')" FORBIDDEN
[ "$(incidents)" = "$before" ] || fail "a refused \"as\" changed something"
grep -q 'dispatch: gold sent "as" for incident.standup: refused' "$LOG" || fail "the refusal is not logged"
ok "a key other than web sending \"as\" is FORBIDDEN, logged, and changes nothing"

expect_code "$(raw web '{"id":"b1","cmd":"session.whoami",'"$(as web eve)"'}')" BAD_REQUEST
expect_code "$(raw web '{"id":"b2","cmd":"session.whoami",'"$(as gold 'Insp Jones')"'}')" BAD_REQUEST
expect_code "$(raw web '{"id":"b3","cmd":"session.whoami","as":{"principal":"gold"}}')" BAD_REQUEST
expect_code "$(raw web '{"id":"b4","cmd":"session.whoami","as":{"principal":"gold","user":"x","role":"gold"}}')" BAD_REQUEST
expect_code "$(raw web '{"id":"b5","cmd":"session.whoami","as":"gold"}')" BAD_REQUEST
ok "a malformed \"as\" is BAD_REQUEST"

who=$(raw web '{"id":"w3","cmd":"session.whoami",'"$(as gold insp-jones)"'}')
grep -q '"principal":"gold","person":"insp-jones"' <<<"$who" || fail "whoami as gold: $who"
out=$(raw web '{"id":"w4","cmd":"incident.standup",'"$(as gold insp-jones)"',"args":{"plan":"cambridgeshire","level":1,"exercise":true,"operation":"WEB"}}')
ref=$(echo "$out" | json_field ref)
[ -n "$ref" ] || fail "standup through the web key: $out"
expect_code "$(raw web '{"id":"w5","cmd":"incident.standup",'"$(as agency:cpft j.smith)"',"args":{"plan":"cambridgeshire","level":1,"exercise":true,"operation":"NO"}}')" FORBIDDEN
out=$(raw web '{"id":"w6","cmd":"status.show",'"$(as agency:cpft j.smith)"',"args":{"ref":"'"$ref"'"}}')
expect_code "$out" FORBIDDEN
grep -q "agency:cpft may not run status.show" <<<"$out" || fail "message: $out"
expect_code "$(raw web '{"id":"w7","cmd":"agency.listen",'"$(as agency:cpft j.smith)"'}')" FORBIDDEN
ok "acting for a user, the web key has exactly that user's principal's rights"

out=$(raw web '{"id":"w8","cmd":"agency.ack",'"$(as agency:cpft j.smith)"',"args":{"incident":"'"$ref"'","note":"on our way"}}')
grep -q '"ok":true' <<<"$out" || fail "agency.ack as agency:cpft: $out"
out=$(raw web '{"id":"w9","cmd":"incident.standdown",'"$(as gold insp-jones)"',"args":{"ref":"'"$ref"'","note":"all safe"}}')
grep -q '"ok":true' <<<"$out" || fail "standdown as gold: $out"
rows=$(m audit export)
echo "$rows" | grep '"command":"incident.standup"' | grep '"outcome":"ok"' |
    grep -q '"principal":"gold (insp-jones)"' || fail "audit row of the standup: $rows"
echo "$rows" | grep '"command":"agency.ack"' | grep -q '"principal":"agency:cpft (j.smith)"' ||
    fail "audit row of the ack"
echo "$rows" | grep '"command":"incident.standup"' | grep -q '"principal":"agency:cpft (j.smith)","request_id":"w5"' ||
    fail "the refused standup names the user"
m audit verify >/dev/null || fail "audit chain"
show=$(m incident show "$ref")
grep -q "^stood up .* by gold (insp-jones)$" <<<"$show" || fail "incident show: $show"
echo "$show" | grep "cpft" | grep -q "agency:cpft (j.smith)" || fail "incident show, the ack: $show"
wait_for 30 reports_written "$ref" 1 || fail "the report was not written"
grep -qF '| incident.standdown | by gold \(insp-jones\): all safe |' "$T/reports/$ref/report.md" ||
    fail "the report's timeline"
ok "the audit trail, the incident and the report name the web user"

# the gateway's key subscribes to the feed (the board) like gold and duty
out=$(m --as web status "$ref" --json 2>&1) || fail "the web key's board (snapshot + feed): $out"
grep -q "\"ref\"" <<<"$out" || fail "the board: $out"
ok "the web key reads the board"
stop_daemon
