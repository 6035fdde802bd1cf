# A session belongs to the key that opened it: a routing id chosen by the
# client is refused (no one can take over another connection's pages), and
# removing a key from the keyring with SIGHUP ends that key's open control,
# listener and feed sessions at once, while other keys carry on.
. "$(dirname "$0")/lib.sh"

start_daemon
out=$("$MTEST" routed "$CONTROL" "$KEYS" agency:cpft chosen-id)
echo "$out" | grep '"BAD_REQUEST"' | grep -q 'routing id chosen by the client' ||
    fail "a client-chosen routing id was not refused: $out"
ok "a routing id chosen by the client is refused"

# duty holds one control session and one feed subscription open.

mkfifo "$T/hold.in" "$T/hold.out"
"$MTEST" hold "$CONTROL" "$FEED" "$KEYS" duty <"$T/hold.in" >"$T/hold.out" 2>&1 &
HOLD_PID=$!
exec 7>"$T/hold.in" 8<"$T/hold.out"
# agency:cpft holds a listener session the same way.
mkfifo "$T/agency.in" "$T/agency.out"
"$MTEST" hold "$CONTROL" "$FEED" "$KEYS" agency:cpft <"$T/agency.in" >"$T/agency.out" 2>&1 &
AGENCY_PID=$!
exec 5>"$T/agency.in" 6<"$T/agency.out"
cleanup_hook() { kill "$HOLD_PID" "$AGENCY_PID" 2>/dev/null || true; }
ask() { # ask LINE: send LINE to duty's held session, print its one-line answer
    echo "$1" >&7
    local answer wait=$MUSTER_TIMEOUT
    [[ "$1" != feed\ * ]] || wait=$(scaled 10) # answered within its WAIT_MS
    IFS= read -r -t "$wait" answer <&8 || fail "held session: no answer to $1"
    echo "$answer"
}
ask_agency() { # the same for the agency's session
    echo "$1" >&5
    local answer
    IFS= read -r -t "$MUSTER_TIMEOUT" answer <&6 || fail "agency session: no answer to $1"
    echo "$answer"
}
ask 'call session.whoami {}' | grep -q '"principal":"duty"' || fail "duty session not open"
# the schema version protocol.md promises for this release is the one musterd has
documented=$(sed -n 's/.*`schema` | integer | The database schema version (\([0-9]*\) in this release).*/\1/p' \
    "$SRC/docs/protocol.md")
ask 'call session.whoami {}' | grep -q "\"schema\":$documented[,}]" ||
    fail "session.whoami's schema is not protocol.md's ($documented): $(ask 'call session.whoami {}')"
# The subscription is live once an event reaches it (joining takes a moment).
n=0
until ref=$(m incident standup --plan example --level 1 --exercise --operation "SESS-$n" | head -n 1) &&
    ask "feed 2000 $ref" | grep -q '^event '; do
    n=$((n + 1))
    [ $n -lt 30 ] || fail "the held feed subscription never received an event"
done
ask_agency 'call agency.listen {}' | grep -q '"ok":true' || fail "agency listener not open"
ok "duty's control session and feed subscription, and agency cpft's listener session, are open"

# Revoke duty's key; another duty key stays.
mkdir "$T/duty2"
cp "$KEYS/server.pub" "$T/duty2/"
"$BIN/muster" keys add --keys "$T/duty2" duty >/dev/null
old=$(awk '$1 == "duty" {print $2}' "$KEYS/keyring")
awk -v old="$old" '!($1 == "duty" && $2 == old) && $1 != "agency:cpft"' "$KEYS/keyring" >"$T/keyring.new"
awk '$1 == "duty" {print}' "$T/duty2/keyring" >>"$T/keyring.new"
cp "$T/keyring.new" "$KEYS/keyring"
loads=$(grep -c 'client keys' "$LOG")
reloaded() { [ "$(grep -c 'client keys' "$LOG")" -gt "$loads" ]; }
reload_daemon
wait_for 60 reloaded || fail "no reload"

out=$(ask 'call session.whoami {}')
grep -q '"FORBIDDEN"' <<<"$out" || fail "a revoked key's control session still works: $out"
grep -q 'revoked' <<<"$out" || fail "revocation not named: $out"
ok "the revoked key's open control session is refused at once"

listener_ended() { grep -q 'paging: listener session of cpft ended' "$LOG"; }
wait_for 10 listener_ended || fail "the revoked agency key's listener session did not end"
out=$(ask_agency 'call agency.listen {}')
grep -q '"FORBIDDEN"' <<<"$out" || fail "the revoked agency key can listen again: $out"
ok "the revoked agency key's listener session ended and cannot be opened again"

# A standup after the revocation: a fresh duty subscriber with the new key
# sees it; the revoked subscription does not.
"$BIN/muster" --keys "$T/duty2" --connect "$CONTROL" whoami | grep -q duty || fail "new duty key refused"
ref=$(m incident standup --plan example --level 1 --exercise --operation SESS-AFTER | head -n 1)
out=$(ask "feed 3000 $ref")
[ "$out" = "feed none" ] || fail "the revoked key still receives the feed: $out"
grep -q 'zap: refused client key' "$LOG" || fail "the revoked subscriber was not refused on reconnect"
ok "the revoked key's feed subscription ended and cannot come back"
exec 7>&- 5>&-
wait "$HOLD_PID" || fail "the held session tool failed"
wait "$AGENCY_PID" || fail "the agency's held session tool failed"
stop_daemon
