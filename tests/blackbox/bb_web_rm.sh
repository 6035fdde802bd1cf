# tests/blackbox/bb_web_rm.sh - EDXL-RM answers through muster-web's hooks
# (issue 20 point 2; docs/web.md "Hooks: EDXL-RM answers"), with the real
# musterd and muster-web, no browser (curl, the signature by openssl):
#   a hooks file with a bad agency id, a second line for an agency or a
#   short secret is refused at start, saying where;
#   an agency's CommitResource POSTed to /hooks/rm/AGENCY signed with that
#   agency's secret becomes its pledge (role, count, shift), recorded as
#   agency:cpft (hook-rm); the same message re-signed is answered with the
#   same reply and makes no second pledge; the same signed call again is a
#   replay (401);
#   signed with another agency's secret or the SMS hook's, unsigned, stale:
#   401 and nothing pledged; an agency not in the file: 404;
#   pledge.import's refusals arrive as its coded errors (another agency's
#   ask 404 NOT_FOUND, another agency's staff 403 FORBIDDEN, hostile XML
#   400 BAD_EDXL), not XML 415, oversize 413; muster-web and musterd keep
#   serving, and the SMS hook still takes its own secret.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/db_lib.sh"
. "$(dirname "$0")/edxl_rm_lib.sh"

export TZ=UTC
RM_CPFT_CONTACT="{name: Bed bureau, channel: zmq, target: cpft}"
plan_write rm rm_plan
init_keys
web_key
start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
ref=$(m incident standup --plan rm --level 1 --exercise --operation FEN | head -n 1)
ask_of() { q "SELECT id FROM asks WHERE agency_id = '$1' AND role = 'mh-nurse'"; }
asked() { [ -n "$(ask_of cpft)" ] && [ -n "$(ask_of other)" ]; }
wait_for 30 asked || fail "no asks for mh-nurse to cpft and other"
ask=$(ask_of cpft)
night=night-2026-11-30

# A hooks file muster-web refuses: LINE EXPECTED-MESSAGE.
bad_hooks() {
    (umask 077 && printf '%s\n' "$1" >"$T/bad-hooks")
    local out rc=0
    out=$(timeout "$(scaled 20)" "$BIN/muster-web" serve --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" \
        --users "$T/none" --cert /dev/null --key /dev/null --port 1 --hooks "$T/bad-hooks" 2>&1) || rc=$?
    [ "$rc" = 1 ] && grep -qF -- "$2" <<<"$out" || fail "hooks line \"$1\": exit $rc: $out"
}
S32=0123456789abcdef0123456789abcdef
bad_hooks "rm CPFT $S32" "bad-hooks:1: \"CPFT\" is not an agency id (1 to 40 of a-z, 0-9 and -)"
bad_hooks "rm cp/ft $S32" "bad-hooks:1: \"cp/ft\" is not an agency id"
bad_hooks "rm cpft short" "bad-hooks:1: the secret must be 32 to 128 characters"
bad_hooks "rm cpft" "bad-hooks:1: not \"sms SECRET\", \"email SECRET\" or \"rm AGENCY SECRET\""
bad_hooks "$(printf 'sms %s\nrm cpft %s\nrm cpft %sx' $S32 $S32 $S32)" "bad-hooks:3: a second line for the hook rm/cpft"
ok "a hooks file with a bad agency id, a short secret or a second line for an agency is refused at start"

WEB_RM_AGENCIES="cpft other" web_start
SECRET_CPFT=$(cat "$T/rm-secret.cpft") SECRET_OTHER=$(cat "$T/rm-secret.other")

# post PATH FILE [SECRET] [TIMESTAMP] [CONTENT-TYPE]: the HTTP status;
# the answer in $T/resp.  SECRET "-": unsigned.
post() {
    local ts=${4:-$(date +%s)} sig hdr=()
    if [ "${3:-}" != - ]; then
        sig=$({ printf '%s.' "$ts"; cat "$2"; } | openssl dgst -sha256 -hmac "$3" -r | cut -d' ' -f1)
        hdr=(-H "X-Muster-Timestamp: $ts" -H "X-Muster-Signature: sha256=$sig")
    fi
    curl -sk -o "$T/resp" -w '%{http_code}' -H "Content-Type: ${5:-application/xml}" "${hdr[@]}" \
        --data-binary @"$2" "$WEB/hooks/$1"
}
# expect STATUS CODE-OR-EMPTY MESSAGE-PART PATH FILE [SECRET] [TS] [TYPE]
expect() {
    local want=$1 code=$2 msg=$3 got
    shift 3
    got=$(post "$@")
    [ "$got" = "$want" ] || fail "POST /hooks/$1: HTTP $got, expected $want: $(cat "$T/resp")"
    [ -z "$code" ] || jq -e --arg c "$code" '.error.code == $c' "$T/resp" >/dev/null ||
        fail "POST /hooks/$1: $(cat "$T/resp"), expected $code"
    [ -z "$msg" ] || jq -r .error.message "$T/resp" | grep -qF -- "$msg" || fail "POST /hooks/$1: $(cat "$T/resp"), expected \"$msg\""
}
pledges() { q "SELECT COUNT(*) FROM pledges"; }
serving() {
    curl -skf --max-time "$(scaled 5)" -o /dev/null "$WEB/login" || fail "muster-web stopped serving"
    m health >/dev/null || fail "musterd stopped serving"
}

# Refusals first: nothing pledged by any of them.
answer c.xml CPFT-1
expect 401 BAD_SIGNATURE "missing or wrong signature" rm/cpft "$T/c.xml" "$SECRET_OTHER"
expect 401 BAD_SIGNATURE "missing or wrong signature" rm/cpft "$T/c.xml" "$HOOK_SECRET"
expect 401 BAD_SIGNATURE "missing or wrong signature" rm/cpft "$T/c.xml" -
expect 401 BAD_SIGNATURE "stale timestamp" rm/cpft "$T/c.xml" "$SECRET_CPFT" $(($(date +%s) - 400))
expect 404 NOT_FOUND "no such hook" rm/nobody "$T/c.xml" "$SECRET_CPFT"
expect 404 NOT_FOUND "no such hook" rm/ "$T/c.xml" "$SECRET_CPFT"
expect 415 BAD_MEDIA_TYPE "application/xml" rm/cpft "$T/c.xml" "$SECRET_CPFT" $(($(date +%s) - 100)) application/json
grep -q "web: hook rm/cpft: call from .* refused: missing or wrong signature" "$T/web.log" ||
    fail "the wrongly signed call is not logged"
[ "$(pledges)" = 0 ] || fail "a refused call made a pledge"
ok "another agency's secret, the SMS secret, no signature, a stale one: 401; an agency without a secret: 404; not XML: 415"

# What pledge.import refuses arrives as its coded error.
expect 404 NOT_FOUND "no request \"muster:$ref:ask:$ask\" was sent to agency other" rm/other "$T/c.xml" "$SECRET_OTHER"
answer o.xml CPFT-2 CommitResource 2 "Other trust"
expect 403 FORBIDDEN "agency cpft may commit only its own staff" rm/cpft "$T/o.xml" "$SECRET_CPFT"
answer q.xml CPFT-3 CommitResource 4
expect 400 BAD_ARGUMENT "commit a whole number of staff from 1 to the 3 asked for" rm/cpft "$T/q.xml" "$SECRET_CPFT"
for f in external-entity-file billion-laughs doctype-plain; do
    expect 400 BAD_EDXL "/: a DOCTYPE is refused" rm/cpft "$SRC/tests/edxl_rm/bad/$f.xml" "$SECRET_CPFT"
done
expect 400 BAD_EDXL "/: the message is not UTF-8 text" rm/cpft "$SRC/tests/edxl_rm/bad/invalid-utf8.xml" "$SECRET_CPFT"
{
    head -c -1 "$T/c.xml"
    head -c $((256 * 1024)) /dev/zero | tr '\0' ' '
} >"$T/big.xml"
expect 413 TOO_LARGE "" rm/cpft "$T/big.xml" "$SECRET_CPFT"
[ "$(pledges)" = 0 ] || fail "a refused message made a pledge"
serving
ok "another agency's ask (404), its staff (403), more than asked (400), DOCTYPE/XXE (400 BAD_EDXL), oversize (413): nothing pledged, both still serving"

# The CommitResource: a pledge of 2 mh-nurse on the night shift.
ts=$(date +%s)
expect 200 "" "" rm/cpft "$T/c.xml" "$SECRET_CPFT" "$ts"
jq -e --arg s "$night" '.result.replayed == false and .result.pledge.agency == "cpft" and
    .result.pledge.role == "mh-nurse" and .result.pledge.count == 2 and .result.pledge.shifts == [$s] and
    .result.pledge.state == "offered"' "$T/resp" >/dev/null || fail "the answer: $(cat "$T/resp")"
cp "$T/resp" "$T/first"
m --as duty --json pledge list "$ref" | jq -e --arg s "$night" '.pledges | length == 1 and .[0].agency == "cpft" and
    .[0].role == "mh-nurse" and .[0].count == 2 and .[0].shifts == [$s] and .[0].state == "offered"' >/dev/null ||
    fail "pledge list: $(m --as duty pledge list "$ref")"
[ "$(coverage_grid | grep "^$night mh-nurse " | awk '{print $3}')" = 3/2/0/0 ] || fail "the board: $(coverage_grid)"
[ "$(audit_count command=pledge.import outcome=ok "principal=agency:cpft (hook-rm)")" = 1 ] ||
    fail "the import is not audited as agency:cpft (hook-rm): $(q "SELECT principal, command, outcome FROM audit WHERE command = 'pledge.import'")"
grep -q "web: hook rm/cpft: EDXL-RM message of [0-9]* bytes imported" "$T/web.log" || fail "the import is not logged"
ok "a signed CommitResource to /hooks/rm/cpft is cpft's pledge of 2 mh-nurse on $night, offered, audited as agency:cpft (hook-rm)"

# The same signed call again: a replay.  The same message re-signed: the
# stored reply, no second pledge.
expect 401 BAD_SIGNATURE replayed rm/cpft "$T/c.xml" "$SECRET_CPFT" "$ts"
expect 200 "" "" rm/cpft "$T/c.xml" "$SECRET_CPFT" $((ts + 1))
jq -e --slurpfile a "$T/first" '.result.replayed == true and .result.pledge == $a[0].result.pledge and
    .result.message_id == "CPFT-1"' "$T/resp" >/dev/null || fail "the repeat: $(cat "$T/resp")"
[ "$(pledges)" = 1 ] || fail "the repeat made a second pledge"
ok "the same call again is refused as a replay; the message re-signed gets the stored reply (replayed), no second pledge"

# The SMS hook keeps its own secret beside the agencies'.
printf '{"from": "+447700900123", "text": "hello"}' >"$T/sms.json"
expect 400 BAD_REPLY "" sms "$T/sms.json" "$HOOK_SECRET" "" application/json
expect 401 BAD_SIGNATURE "" sms "$T/sms.json" "$SECRET_CPFT" "" application/json
serving
ok "the SMS hook still takes its own secret only"

web_stop
stop_daemon
