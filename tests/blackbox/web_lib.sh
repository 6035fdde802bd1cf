# tests/blackbox/web_lib.sh - the browser tests' set-up, shared by
# bb_web*.sh (after lib.sh): muster-web's accounts, a throw-away TLS
# certificate, the hook secrets, the real muster-web serving HTTPS, and
# Debian's chromium (headless, never downloaded) for the tests/web/*.js
# steps driven with puppeteer-core.  Needs a running musterd for serve.

command -v chromium >/dev/null || fail "chromium is not installed (make deps installs it)"
WEBDIR=$SRC/tests/web
[ -d "$WEBDIR/node_modules/puppeteer-core" ] || fail "no puppeteer-core: run npm ci in tests/web (make deps does)"
WEB_PID= CHROME_PID=
U=$T/web-users
cleanup_hook() {
    if [ -n "$CHROME_PID" ] && kill "$CHROME_PID" 2>/dev/null; then reap "$CHROME_PID" 2>/dev/null || true; fi
    [ -z "$WEB_PID" ] || kill "$WEB_PID" 2>/dev/null || true
    if [ -f "$T/web.log" ]; then
        echo "--- muster-web log ---" >&2
        tail -n 30 "$T/web.log" >&2
    fi
}

# reap PID: wait until our child PID has ended, for at most 30 s (scaled),
# and reap it: 0, with its exit status in REAPED.  Past that, kill -9 it,
# reap it and return 1.
reap() {
    REAPED=0
    if ! wait_for 30 pid_ended "$1"; then
        kill -9 "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
        return 1
    fi
    wait "$1" || REAPED=$?
}

# web_key: the gateway's key (principal web) in the keyring.
web_key() {
    "$BIN/muster" keys add --keys "$KEYS" web >/dev/null
}

# web_user NAME ROLE PASSWORD: an account of muster-web.
web_user() {
    echo "$3" | "$BIN/muster-web" users --users "$U" add "$1" --role "$2" >/dev/null
}

# web_users: the accounts the tests/web steps sign in with (their
# passwords are in tests/web/lib.js).
web_users() {
    web_user insp-jones gold gold-password-1234
    web_user s.patel duty duty-password-1234
    web_user c.jones "agency:${WEB_AGENCY:-bereavement}" cruse-password-1234
    web_user m.wood agency:mental-health mh-password-12345
}

# web_start [ARG...]: a certificate, hook secrets for sms and email
# (HOOK_SECRET, HOOK_SECRET_EMAIL) and for each agency of WEB_RM_AGENCIES
# an "rm AGENCY SECRET" line (the secret in $T/rm-secret.AGENCY),
# muster-web on a free port (WEB, WEB_PID), serving; ARGs are more options
# of muster-web serve.
web_start() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/tls.key" \
        -out "$T/tls.crt" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    HOOK_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    HOOK_SECRET_EMAIL=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077 && printf 'sms %s\nemail %s\n' "$HOOK_SECRET" "$HOOK_SECRET_EMAIL" >"$T/hooks")
    local a
    for a in ${WEB_RM_AGENCIES:-}; do
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/rm-secret.$a"
        printf 'rm %s %s\n' "$a" "$(cat "$T/rm-secret.$a")" >>"$T/hooks"
    done
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    WEB=https://127.0.0.1:$PORT
    "$BIN/muster-web" serve --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" --users "$U" \
        --cert "$T/tls.crt" --key "$T/tls.key" --port "$PORT" --hooks "$T/hooks" "$@" >>"$T/web.log" 2>&1 &
    WEB_PID=$!
    wait_for 20 curl -skf --max-time "$(scaled 5)" -o /dev/null "$WEB/login" || fail "muster-web did not serve"
}

# web_stop: muster-web stops cleanly on SIGTERM, with no sanitizer report.
web_stop() {
    kill -TERM "$WEB_PID" || fail "muster-web did not stop cleanly"
    reap "$WEB_PID" || { WEB_PID= && fail "muster-web did not stop within $(scaled 30) s of SIGTERM (killed)"; }
    WEB_PID=
    [ "$REAPED" = 0 ] || fail "muster-web did not stop cleanly (exit $REAPED)"
    grep -q "muster-web stopped" "$T/web.log" || fail "muster-web did not log its stop"
    ! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/web.log" || fail "sanitizer report in muster-web"
}

# chrome_start: headless chromium with a DevTools endpoint (WS); the
# environment every step reads.
chrome_start() {
    chromium --headless=new --no-sandbox --disable-gpu --no-first-run --ignore-certificate-errors \
        --remote-debugging-port=0 --user-data-dir="$T/chrome" about:blank >"$T/chrome.log" 2>&1 &
    CHROME_PID=$!
    wait_for 60 test -s "$T/chrome/DevToolsActivePort" || fail "chromium did not start"
    export WS="ws://127.0.0.1:$(sed -n 1p "$T/chrome/DevToolsActivePort")$(sed -n 2p "$T/chrome/DevToolsActivePort")"
    export WEB HOOK_SECRET HOOK_SECRET_EMAIL SLOW OUT=$BIN/web-screenshots
    export CLI="[\"$BIN/muster\", \"--keys\", \"$KEYS\", \"--connect\", \"$CONTROL\"]"
    export NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_NO_WARNINGS=1
}

chrome_stop() {
    if kill "$CHROME_PID" 2>/dev/null; then
        reap "$CHROME_PID" 2>/dev/null || { CHROME_PID= && fail "chromium did not stop within $(scaled 30) s (killed)"; }
    fi
    CHROME_PID=
}

# web_step FILE STEP: one step of tests/web/FILE.js in the open browser.
web_step() {
    node "$WEBDIR/$1.js" "$2" || fail "browser step $1 $2"
}
