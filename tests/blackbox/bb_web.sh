# tests/blackbox/bb_web.sh - muster-web in a real browser.  The real
# musterd, the real muster-web (HTTPS with a throw-away certificate) and
# Debian's chromium (headless, started here, never downloaded), driven by
# tests/web/web_test.js (puppeteer-core) one step at a time, so that
# musterd can be killed and restarted while a board stays open:
#   roles and their 403/404s, CSRF, a wrong password, hostile names,
#   screenshots at three sizes, axe-core; a CLI change on the board within
#   1 s; kill -9 shows the stale banner within 10 s and the board recovers;
#   an acknowledgement and a pledge from the agency desk, seen by the CLI;
#   a signed SMS reply acknowledges, replayed and unsigned ones do not;
#   a disabled account's session ends.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/web_lib.sh"

init_keys
web_key
start_daemon
ref=$(m incident standup --plan example --level 2 --exercise --operation BROWSER | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | jq -r .person; }
RTL_NAME=$'\u0645\u064e\u0631\u0652\u064a\u064e\u0645 \u202eZoe\u0308\u202c'
P_XSS=$(add --category bereaved --name '<img src=x onerror=alert(1)>' --home-area exampleton)
P_RTL=$(add --category bereaved --name "$RTL_NAME" --home-area exampleton)
P_OTHER=$(add --category survivor --name 'Not Yours' --home-area exampleton)
for p in "$P_XSS" "$P_RTL"; do m --as intake person consent "$p" given >/dev/null; done

web_users
[ "$(stat -c %a "$U")" = 600 ] || fail "the accounts file is not 0600"
echo short | "$BIN/muster-web" users --users "$U" add x.y --role gold 2>/dev/null && fail "a short password was taken"
echo pw-is-long-enough | "$BIN/muster-web" users --users "$U" add web.user --role web 2>/dev/null && fail "an account acting as web"
ok "muster-web users add: argon2id hashes, mode 0600; short passwords and the web role refused"

web_start
curl -skI "$WEB/login" | tr -d '\r' >"$T/headers"
grep -q "^Content-Security-Policy: default-src 'none'; script-src 'self';" "$T/headers" || fail "CSP"
grep -q '^X-Frame-Options: DENY' "$T/headers" || fail "X-Frame-Options"
grep -q '^Strict-Transport-Security: max-age=' "$T/headers" || fail "HSTS"
ok "muster-web serves HTTPS with CSP (no inline script), X-Frame-Options DENY and HSTS"

chrome_start
export REF=$ref P_XSS P_RTL P_OTHER RTL_NAME
step() { web_step web_test "$1"; }

step roles
step board-open
step board-change
crash_daemon
step board-stale
start_daemon
step board-live

step desk
show=$(m incident show "$ref")
echo "$show" | grep "bereavement" | grep -q "agency:bereavement (c.jones)" ||
    fail "incident show does not name the desk's user: $show"
m --json incident show "$ref" | jq -e '.pages[] | select(.agency == "bereavement") |
    .state == "acknowledged" and .ack_note == "Two volunteers on their way"' >/dev/null || fail "the desk's note"
m pledge list "$ref" | grep "bereavement-volunteer" | grep -q "offered" || fail "the desk's pledge: $(m pledge list "$ref")"
m staffing "$ref" >/dev/null || fail "muster staffing"
ok "the desk's acknowledgement and pledge are in muster incident show and muster pledge list"

export CODE=$(m --as agency:victim-hub --json incident show "$ref" | jq -r '.pages[0].ack_code')
step hooks
m --json incident show "$ref" | jq -e '.pages[] | select(.agency == "victim-hub") |
    .state == "acknowledged" and .ack_via == "sms" and .acknowledged_by == "duty (hook-sms)"' >/dev/null ||
    fail "the hook's acknowledgement: $(m incident show "$ref")"
grep -q "web: hook sms: call from .* refused: replayed" "$T/web.log" || fail "the replay is not logged"
ok "the SMS reply acknowledged through page.ack via sms, as duty (hook-sms); refusals logged"

# a disabled account's sessions end at its next request
jar=$T/jar
curl -sk -c "$jar" -H 'Content-Type: application/json' -d '{"user":"m.wood","password":"mh-password-12345"}' \
    "$WEB/api/login" | grep -q '"principal":"agency:mental-health"' || fail "sign-in with curl"
[ "$(curl -sk -b "$jar" -o /dev/null -w '%{http_code}' "$WEB/api/me")" = 200 ] || fail "the session"
"$BIN/muster-web" users --users "$U" disable m.wood
[ "$(curl -sk -b "$jar" -o /dev/null -w '%{http_code}' "$WEB/api/me")" = 401 ] || fail "a disabled account kept its session"
ok "disabling an account ends its sessions"

for i in 1 2 3 4 5; do
    curl -sk -o /dev/null -H 'Content-Type: application/json' -d '{"user":"s.patel","password":"wrong-wrong-wrong"}' "$WEB/api/login"
done
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"user":"s.patel","password":"duty-password-1234"}' "$WEB/api/login")
[ "$code" = 429 ] || fail "the sixth sign-in after five failures answered $code"
ok "five failed sign-ins lock the account out (429), even with the right password"

chrome_stop
web_stop
stop_daemon

score=$(systemd-analyze security --offline=yes "$SRC/systemd/muster-web.service" 2>/dev/null |
    sed -n 's/.*Overall exposure level for muster-web.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "systemd-analyze security: $score"
ok "systemd/muster-web.service: exposure $score (<= 2.0)"
