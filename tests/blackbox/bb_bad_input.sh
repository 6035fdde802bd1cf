# Malformed JSON, wrong types, unknown commands, oversized and multi-frame
# requests each get a coded error; the daemon keeps serving and loses
# nothing.
. "$(dirname "$0")/lib.sh"

start_daemon
ref=$(m incident standup --plan example --level 1 --exercise --operation KEEP | head -n 1)

raw() {
    printf '%s' "$1" >"$T/req"
    "$MTEST" raw "$CONTROL" "$KEYS" gold "$T/req"
}
expect_code() {
    echo "$1" | grep "\"code\":\"$2\"" >/dev/null || fail "expected $2, got $1"
}

expect_code "$(raw '{"id":"a","cmd":')" BAD_JSON
expect_code "$(raw 'not json at all')" BAD_JSON
expect_code "$(raw '[1,2,3]')" BAD_JSON
expect_code "$(raw '{"id":"a","id":"b","cmd":"session.whoami"}')" BAD_JSON
expect_code "$(raw '{"cmd":"session.whoami"}')" BAD_REQUEST
expect_code "$(raw '{"id":7,"cmd":"session.whoami"}')" BAD_REQUEST
expect_code "$(raw '{"id":"a","cmd":"session.whoami","extra":1}')" BAD_REQUEST
expect_code "$(raw '{"id":"a","cmd":"session.whoami","args":[]}')" BAD_REQUEST
expect_code "$(raw '{"id":"a","cmd":"drop.tables"}')" UNKNOWN_COMMAND
expect_code "$(raw '{"id":"a","cmd":"incident.show","args":{"ref":5}}')" BAD_ARGUMENT
expect_code "$(raw '{"id":"a","cmd":"incident.show","args":{}}')" BAD_ARGUMENT
expect_code "$(raw '{"id":"a","cmd":"incident.show","args":{"ref":"X","colour":"red"}}')" BAD_ARGUMENT
expect_code "$(raw '{"id":"a","cmd":"incident.standup","args":{"plan":"example","level":"1","exercise":true,"operation":"X"}}')" BAD_ARGUMENT
expect_code "$(raw '{"id":"a","cmd":"incident.standup","args":{"plan":"example","level":1,"exercise":"yes","operation":"X"}}')" BAD_ARGUMENT
expect_code "$(raw '{"id":"a","cmd":"incident.standup","args":{"plan":"example","level":1,"exercise":true,"operation":""}}')" BAD_ARGUMENT
echo "$(raw '{"id":"keep-id","cmd":"nope"}')" | grep '"id":"keep-id"' >/dev/null || fail "error reply lost the request id"
ok "malformed JSON, envelopes, commands and arguments each get their code"

big=$("$MTEST" big "$CONTROL" "$KEYS" gold $((2 * 1024 * 1024)))
expect_code "$big" TOO_LARGE
expect_code "$("$MTEST" frames "$CONTROL" "$KEYS" gold 3)" BAD_REQUEST
ok "2 MiB frame and multi-frame request refused with a code"

# Still serving, nothing lost.
m incident show "$ref" | grep "KEEP" >/dev/null || fail "incident lost after bad input"
m --json whoami | grep '"principal": "gold"' >/dev/null || fail "daemon not serving"
stop_daemon
ok "daemon kept serving and shut down cleanly"
