# EDXL-RM 1.0 for staffing (issue 20 section 2; docs/interop.md): an ask
# for staff to an agency whose plan entry says edxl_rm: true carries its
# RequestResource in the page a real webhook receiver gets (valid against
# the shipped XSD, role, quantity, shift window and the Hub as reporting
# location); `muster pledge request` prints it on demand; the agency's
# CommitResource or ResponseToRequestResource imported with `muster pledge
# import` becomes its pledge, on the board; another agency's key, another
# agency named as the staff's owner, a role, quantity or time the ask did
# not ask for, and every hostile file are refused with a coded error
# naming the element; the same message again is answered the same and
# makes no second pledge, also across kill -9.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"
. "$(dirname "$0")/db_lib.sh"
. "$(dirname "$0")/edxl_rm_lib.sh"

export TZ=UTC
start_receiver http http_receiver.py
RM_CPFT_CONTACT="{name: Bed bureau, channel: webhook, target: \"http://127.0.0.1:$http_PORT/cpft\"}"
plan_write rm rm_plan
start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
ref=$(m incident standup --plan rm --level 1 --exercise --operation FEN | head -n 1)
night=night-2026-11-30

# The ask to cpft arrives at the webhook with its RequestResource.
rm_page() { grep '"/cpft"' "$T/http.log" | grep -q 'RequestResource'; }
wait_for 60 rm_page || fail "no RequestResource reached the webhook: $(cat "$T/http.log")"
sed -n '/"\/cpft"/{/RequestResource/{p;q}}' "$T/http.log" |
    python3 -c 'import json,sys; print(json.loads(json.loads(sys.stdin.readline())["body"])["edxl_rm"], end="")' \
        >"$T/request.xml" || fail "the page's JSON has no edxl_rm"
(cd "$SRC/docs/standards" && xmllint --noout --nonet --schema edxl-rm-1.0-msg.xsd "$T/request.xml") 2>"$T/xmllint.out" ||
    fail "the RequestResource is not valid against the XSD: $(cat "$T/xmllint.out")"
ask=$(q "SELECT id FROM asks WHERE agency_id = 'cpft' AND role = 'mh-nurse'")
for want in "<MessageID>muster:$ref:ask:$ask</MessageID>" ":Value>mh-nurse</" ":Amount>3</" \
    ":DateTime>2026-11-30T20:00:00+00:00</" ":DateTime>2026-12-01T08:00:00+00:00</" \
    ":LocationDescription>Test Victim and Witness Hub</" "EXERCISE EXERCISE EXERCISE"; do
    grep -qF "$want" "$T/request.xml" || fail "the RequestResource lacks $want: $(cat "$T/request.xml")"
done
grep -q '"/other"' "$T/http.log" && fail "an agency without edxl_rm got a webhook"
ok "the ask to an edxl_rm agency carries a valid RequestResource: role, 3 staff, the shift, the Hub"

# On demand: the same request; an agency sees only its own asks.
m --as duty pledge request "$ref" --agency cpft >"$T/again.xml" || fail "pledge request"
grep -qF "<MessageID>muster:$ref:ask:$ask</MessageID>" "$T/again.xml" || fail "pledge request: $(cat "$T/again.xml")"
[ "$(m --as agency:other --json pledge request "$ref" | grep -c '"message_id"')" = 2 ] ||
    fail "agency other should see its own two asks"
expect_fail 1 "FORBIDDEN: agency other may not see the asks of cpft" -- --as agency:other pledge request "$ref" --agency cpft
expect_fail 1 "NOT_FOUND: no ask $ask of incident $ref to agency other" -- --as agency:other pledge request "$ref" --ask "$ask"
ok "pledge request prints the RequestResource; an agency sees only its own asks"

pledges() { q "SELECT COUNT(*) FROM pledges"; }
pledged() { coverage_grid | grep "^$night mh-nurse " | awk '{print $3}'; }

# Refusals first: nothing pledged by any of them.
answer c.xml CPFT-1
expect_fail 1 "FORBIDDEN" -- --as duty pledge import "$T/c.xml"
expect_fail 1 "NOT_FOUND: /CommitResource/OriginatingMessageID: no request \"muster:$ref:ask:$ask\" was sent to agency other" \
    -- --as agency:other pledge import "$T/c.xml"
answer o.xml CPFT-2 CommitResource 2 "Other trust"
expect_fail 1 "FORBIDDEN: /CommitResource/ResourceInformation/Resource/OwnershipInformation/Owner: agency cpft may commit only its own staff" \
    -- --as agency:cpft pledge import "$T/o.xml"
answer q.xml CPFT-3 CommitResource 4
expect_fail 1 "BAD_ARGUMENT: /CommitResource/ResourceInformation/AssignmentInformation/Quantity/MeasuredQuantity/Amount: commit a whole number of staff from 1 to the 3 asked for" \
    -- --as agency:cpft pledge import "$T/q.xml"
answer r.xml CPFT-4 CommitResource 2 cpft isva
expect_fail 1 "BAD_ARGUMENT: /CommitResource/ResourceInformation/Resource/TypeStructure/Value: the request asked for mh-nurse" \
    -- --as agency:cpft pledge import "$T/r.xml"
answer t.xml CPFT-5 CommitResource 2 cpft mh-nurse 2026-12-01T09:00:00+00:00
expect_fail 1 "BAD_ARGUMENT: /CommitResource/ResourceInformation/ScheduleInformation\[1\]/DateTime: EstimatedArrival is outside the Night shift" \
    -- --as agency:cpft pledge import "$T/t.xml"
answer n.xml CPFT-6 CommitResource 2 cpft mh-nurse "" 999999
expect_fail 1 "NOT_FOUND: /CommitResource/OriginatingMessageID: no request" -- --as agency:cpft pledge import "$T/n.xml"
expect_fail 1 "BAD_EDXL: /RequestResource: muster sends RequestResource" -- --as agency:cpft pledge import "$T/request.xml"
for f in "$SRC"/tests/edxl_rm/bad/*.xml; do # each hostile file, through the CLI
    want=$(head -n 1 "${f%.xml}.err") code="BAD_EDXL: "
    [ "$(basename "$f")" != invalid-utf8.xml ] || want="not UTF-8 text" code= # JSON cannot carry it
    rc=0
    out=$(m --as agency:cpft pledge import "$f" 2>&1) || rc=$?
    [ "$rc" = 1 ] && grep -qF -- "$code" <<<"$out" && grep -qF -- "$want" <<<"$out" ||
        fail "$(basename "$f"): exit $rc: $out"
done
# XML Schema lets any element carry xsi: attributes.  They are no content:
# an Owner behind one is still another agency's, and a MessageContentType
# behind one is read, not a null that stopped musterd.
XSI='xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd"'
sed -e "s|<rm:Owner>|<rm:Owner $XSI>|" -e "s|<MessageContentType>|<MessageContentType $XSI>|" \
    "$T/o.xml" >"$T/ox.xml"
expect_fail 1 "FORBIDDEN: /CommitResource/ResourceInformation/Resource/OwnershipInformation/Owner: agency cpft may commit only its own staff" \
    -- --as agency:cpft pledge import "$T/ox.xml"
# The reason goes into the pledge's note: no control character, as there.
answer cc.xml CPFT-7 CommitResource 2 cpft mh-nurse "" "" Accept
sed -i 's|on-call rota|on-call \&#x9B;31m rota|' "$T/cc.xml"
expect_fail 1 "BAD_ARGUMENT: /CommitResource/ResourceInformation/ResponseInformation/ResponseReason: control characters are refused" \
    -- --as agency:cpft pledge import "$T/cc.xml"
# A MessageID cut in the middle of a character for the audit row: the
# row is still exported (it was left out, the chain intact without it).
long=$(printf 'A%.0s' $(seq 1 79))é
answer u.xml "$long" CommitResource 4
expect_fail 1 "BAD_ARGUMENT" -- --as agency:cpft pledge import "$T/u.xml"
[ "$(m audit export | grep -c '"hash":')" = "$(audit_count)" ] || fail "an audit row is missing from audit export"
grep -q "\"EDXL-RM A\{79\}" <<<"$(m audit export)" || fail "the audit row of the long MessageID is not exported"
[ "$(pledges)" = 0 ] || fail "a refused message made a pledge"
[ "$(q "SELECT COUNT(*) FROM edxl_rm_messages")" = 0 ] || fail "a refused message was recorded"
m health >/dev/null || fail "musterd stopped serving after the hostile messages"
ok "another agency's key or staff, a role, quantity or time not asked for, and hostile files refused"

# The CommitResource: a pledge of 2 on the night shift, as pledge.offer's.
out=$(m --as agency:cpft pledge import "$T/c.xml") || fail "import: $out"
grep -q "pledge 1: cpft pledges 2 mh-nurse for $ref, answering muster:$ref:ask:$ask" <<<"$out" || fail "import: $out"
m --as duty --json pledge list "$ref" | grep -q '"state": "offered"' || fail "the pledge is not offered"
[ "$(pledged)" = 3/2/0/0 ] || fail "the board: $(pledged)"
m --as duty pledge accept 1 >/dev/null || fail "the imported pledge cannot be accepted"
[ "$(pledged)" = 3/2/2/0 ] || fail "the board after accept: $(pledged)"
ok "a CommitResource imported by its agency is a pledge on the board, with pledge.offer's lifecycle"

# The same message again: the same answer, no second pledge.
out=$(m --as agency:cpft pledge import "$T/c.xml") || fail "replay: $out"
grep -q "pledge 1: .*(received before: nothing new done)" <<<"$out" || fail "replay: $out"
[ "$(pledges)" = 1 ] || fail "a replay made a second pledge"
# Its MessageID with another text: refused, not answered with the first reply.
sed 's|<rm:Amount>2</rm:Amount>|<rm:Amount>1</rm:Amount>|' "$T/c.xml" >"$T/c1.xml"
expect_fail 1 "CONFLICT: /CommitResource/MessageID: \"CPFT-1\" was imported before with another text" \
    -- --as agency:cpft pledge import "$T/c1.xml"
[ "$(pledges)" = 1 ] || fail "a reused MessageID made a second pledge"
ok "a replayed message is answered as before and makes no second pledge; its id with another text is refused"

# A Decline from the other agency: recorded, no pledge.
oask=$(q "SELECT id FROM asks WHERE agency_id = 'other' AND role = 'mh-nurse'")
answer d.xml OTHER-1 ResponseToRequestResource 1 other mh-nurse "" "$oask" Decline
out=$(m --as agency:other pledge import "$T/d.xml") || fail "decline: $out"
grep -q "Decline to muster:$ref:ask:$oask recorded, no pledge" <<<"$out" || fail "decline: $out"
[ "$(pledges)" = 1 ] || fail "a Decline made a pledge"
# A Decline behind an xsi: attribute is still a Decline (it was read as
# nothing, so as the default Accept: a pledge the agency refused).
answer dx.xml OTHER-1X ResponseToRequestResource 1 other mh-nurse "" "$oask" Decline
sed -i "s|<rm:ResponseType>|<rm:ResponseType $XSI>|" "$T/dx.xml"
out=$(m --as agency:other pledge import "$T/dx.xml") || fail "decline with xsi: $out"
grep -q "Decline to muster:$ref:ask:$oask recorded, no pledge" <<<"$out" || fail "decline with xsi: $out"
[ "$(pledges)" = 1 ] || fail "a Decline behind an xsi: attribute made a pledge"
ok "a ResponseToRequestResource that declines is recorded and pledges nothing"

# kill -9 while the reply is on its way: whether or not it was committed,
# after the restart the same message makes exactly one pledge.
answer k.xml OTHER-2 ResponseToRequestResource 1 other mh-nurse "" "$oask" Accept
m --timeout 10 --as agency:other pledge import "$T/k.xml" >/dev/null 2>&1 &
inflight=$!
crash_restart --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
wait "$inflight" 2>/dev/null || true # answered, or cut off by the crash: either is fine
out=$(m --as agency:other pledge import "$T/k.xml" 2>&1) || fail "import after the crash: $out"
grep -q "other pledges 1 mh-nurse" <<<"$out" || fail "import after the crash: $out"
[ "$(q "SELECT COUNT(*) FROM pledges WHERE agency_id = 'other'")" = 1 ] || fail "kill -9 made a double pledge"
[ "$(q "SELECT COUNT(*) FROM edxl_rm_messages m JOIN pledges p ON p.id = m.pledge_id WHERE m.message_id = 'OTHER-2'")" = 1 ] ||
    fail "the message and its pledge were not committed together"
[ "$(audit_count command=pledge.import outcome=ok)" -ge 4 ] || fail "pledge.import is not audited"
ok "after kill -9 the message makes exactly one pledge, committed with it"

stop_daemon
