# EDXL-RM by email (issue 20 section 2; docs/channels.md#email): an ask
# for staff to an agency whose plan entry says edxl_rm: true and whose
# contact is an email address arrives at a real SMTP receiver as
# multipart/mixed, read back with Python's own MIME parser: the page text
# exactly as a plain page has it, then the RequestResource as an
# application/xml attachment in base64, named for its MessageID, valid
# against the shipped XSD and the same document `muster pledge request`
# prints.  The attachment, saved and answered with a CommitResource, is
# imported with `muster pledge import` as the agency's pledge.  An agency
# without edxl_rm, and every activation page, is plain text as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"
. "$(dirname "$0")/db_lib.sh"

export TZ=UTC
start_receiver smtp smtp_receiver.py
rm_plan() {
    plan_head id=rmmail name="EDXL-RM email test plan" prefix=RMM lead=hub hub="Test Victim and Witness Hub"
    cat <<YAML
paging:
  ack_wait: 10m
  smtp_url: "smtp://127.0.0.1:$smtp_PORT"
  email_from: muster@test.example
staffing:
  horizon: 24h
  ask_lead: 4h
  roles:
    - {id: mh-nurse, name: Mental health nurse}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - {level: 1, need: {mh-nurse: 3}}
agencies:
  - {id: hub, name: Hub team, role: runs the Hub, activate_level: 1,
     contacts: [{name: Desk, channel: zmq, target: hub}]}
  - {id: cpft, name: Mental health trust, role: nurses, activate_level: 1, supplies: [mh-nurse],
     edxl_rm: true, contacts: [{name: Bed bureau, channel: email, target: bureau@cpft.example}]}
  - {id: other, name: Other trust, role: more nurses, activate_level: 1, supplies: [mh-nurse],
     contacts: [{name: Duty desk, channel: email, target: desk@other.example}]}
YAML
}
plan_write rmmail rm_plan
start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
ref=$(m incident standup --plan rmmail --level 1 --exercise --operation FEN | head -n 1)
call="3 x Mental health nurse for the Night shift, Mon 30 Nov 20:00 to Tue 01 Dec 08:00"

# mail RCPT OUT: the call for staff mailed to RCPT, parsed by Python's
# email package; what a reader sees of it as KEY=VALUE lines in OUT, the
# text part in OUT.text, the attachment (if any) decoded in OUT.xml.
mail() {
    python3 - "$T/smtp.log" "$1" "$2" <<'PY'
import email, email.policy, json, sys
log, rcpt, out = sys.argv[1:]
msgs = [e["data"] for e in map(json.loads, open(log, encoding="utf-8"))
        if e["event"] == "message" and e["rcpt_to"] == [rcpt] and "CALL FOR STAFF" in e["data"]]
if len(msgs) != 1:
    sys.exit("%d calls for staff to %s" % (len(msgs), rcpt))
raw = msgs[0]
msg = email.message_from_string(raw, policy=email.policy.default)
parts = list(msg.iter_parts()) if msg.is_multipart() else [msg]
text = parts[0]
facts = {"type": msg.get_content_type(), "parts": len(parts),
         "defects": len(msg.defects) + sum(len(p.defects) for p in parts),
         "longest_line": max(len(l) for l in raw.split("\r\n")),
         "page": msg["X-Muster-Page-Id"], "message_id": msg["Message-ID"],
         "code": msg["Subject"].rsplit(" ", 1)[-1],
         "text_type": text.get_content_type(), "text_charset": text.get_content_charset()}
open(out + ".text", "w", encoding="utf-8", newline="").write(
    text.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n"))
if len(parts) > 1:
    att = parts[1]
    body = att.get_payload()
    facts.update(att_type=att.get_content_type(), att_charset=att.get_content_charset(),
                 att_disposition=att.get_content_disposition(), att_name=att.get_filename(),
                 att_encoding=att["Content-Transfer-Encoding"],
                 att_longest=max(len(l) for l in body.splitlines()))
    open(out + ".xml", "wb").write(att.get_payload(decode=True))
with open(out, "w") as f:
    for k, v in facts.items():
        f.write("%s=%s\n" % (k, v))
PY
}
fact() { sed -n "s/^$2=//p" "$1"; }
# page_text AGENCY NAME ROLE CONTACT FACTS: the page text docs/protocol.md
# describes for this call for staff, with the page id and code of FACTS.
page_text() {
    local code page
    code=$(fact "$5" code) page=$(fact "$5" page)
    printf '%s\n' "EXERCISE EXERCISE EXERCISE" \
        "MAJOR INCIDENT $ref: level 1 (One), operation FEN." \
        "CALL FOR STAFF: $call." \
        "Plan: EDXL-RM email test plan, version 1." \
        "Your agency: $2 ($1)." \
        "Your role: $3" \
        "Acknowledge: muster agency ack --code $code" \
        "  or send back the code $code." \
        "Page $page: step 1 of 1 ($4), attempt 1." \
        "EXERCISE EXERCISE EXERCISE"
}
called() { mail "$1" "$T/$2" 2>/dev/null; }

# The edxl_rm agency: multipart/mixed, the text, then the request.
wait_for 60 called bureau@cpft.example cpft || { mail bureau@cpft.example "$T/cpft"; fail "no call for staff reached cpft: $(cat "$T/smtp.log")"; }
F=$T/cpft
[ "$(fact "$F" type)" = multipart/mixed ] && [ "$(fact "$F" parts)" = 2 ] ||
    fail "the call for staff to cpft is not multipart/mixed with two parts: $(cat "$F")"
[ "$(fact "$F" defects)" = 0 ] || fail "Python's MIME parser found defects: $(cat "$F")"
[ "$(fact "$F" longest_line)" -le 998 ] || fail "a line over SMTP's 998: $(cat "$F")"
[ "$(fact "$F" message_id)" = "<muster-page-$(fact "$F" page)@muster>" ] || fail "Message-ID: $(cat "$F")"
[ "$(fact "$F" text_type)" = text/plain ] && [ "$(fact "$F" text_charset)" = utf-8 ] ||
    fail "the first part is not the UTF-8 text: $(cat "$F")"
page_text cpft "Mental health trust" nurses "Bed bureau" "$F" | cmp -s - "$F.text" ||
    fail "the text part is not the page text: $(page_text cpft "Mental health trust" nurses "Bed bureau" "$F" | diff - "$F.text")"
ask=$(q "SELECT id FROM asks WHERE agency_id = 'cpft' AND role = 'mh-nurse'")
for want in att_type=application/xml att_charset=utf-8 att_disposition=attachment att_encoding=base64 \
    "att_name=request-resource-muster-$ref-ask-$ask.xml"; do
    grep -qxF "$want" "$F" || fail "the attachment lacks $want: $(cat "$F")"
done
[ "$(fact "$F" att_longest)" -le 76 ] || fail "base64 lines over 76 characters: $(cat "$F")"
(cd "$SRC/docs/standards" && xmllint --noout --nonet --schema edxl-rm-1.0-msg.xsd "$F.xml") 2>"$T/xmllint.out" ||
    fail "the attachment is no valid EDXL-RM message: $(cat "$T/xmllint.out")"
m --as duty --json pledge request "$ref" --ask "$ask" |
    python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["requests"][0]["xml"])' >"$T/request.xml" ||
    fail "pledge request"
sent() { sed 's|<SentDateTime>[^<]*</SentDateTime>|<SentDateTime/>|' "$1"; }
cmp -s <(sent "$F.xml") <(sent "$T/request.xml") ||
    fail "the attachment is not pledge request's document: $(diff <(sent "$F.xml") <(sent "$T/request.xml"))"
for want in "<MessageID>muster:$ref:ask:$ask</MessageID>" ":Value>mh-nurse</" ":Amount>3</" \
    ":DateTime>2026-11-30T20:00:00+00:00</" ":LocationDescription>Test Victim and Witness Hub</"; do
    grep -qF "$want" "$F.xml" || fail "the RequestResource lacks $want: $(cat "$F.xml")"
done
ok "an ask to an edxl_rm agency by email: multipart/mixed, the page text, the valid RequestResource attached"

# The agency without edxl_rm, and cpft's own activation page: text/plain.
wait_for 60 called desk@other.example other || fail "no call for staff reached other: $(cat "$T/smtp.log")"
F=$T/other
[ "$(fact "$F" type)" = text/plain ] && [ "$(fact "$F" parts)" = 1 ] || fail "other's call is not text/plain: $(cat "$F")"
page_text other "Other trust" "more nurses" "Duty desk" "$F" | cmp -s - "$F.text" || fail "other's text: $(cat "$F.text")"
grep -q 'RequestResource' "$T/smtp.log" && fail "a RequestResource was mailed in clear text"
python3 - "$T/smtp.log" <<'PY' || fail "an activation page to cpft is not plain text"
import email, email.policy, json, sys
pages = [e["data"] for e in map(json.loads, open(sys.argv[1], encoding="utf-8"))
         if e["event"] == "message" and e["rcpt_to"] == ["bureau@cpft.example"] and "CALL FOR STAFF" not in e["data"]]
sys.exit(not pages or any(email.message_from_string(p, policy=email.policy.default).get_content_type()
                          != "text/plain" for p in pages))
PY
ok "an agency without edxl_rm, and every activation page, get text/plain as before"

# The round trip: the saved attachment answered with a CommitResource.
id=$(xmllint --xpath 'string(//*[local-name()="MessageID"])' "$T/cpft.xml")
cat >"$T/commit.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<CommitResource xmlns="urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg" xmlns:rm="urn:oasis:names:tc:emergency:EDXL:RM:1.0">
  <MessageID>CPFT-MAIL-1</MessageID><SentDateTime>2026-12-01T02:10:00+00:00</SentDateTime>
  <MessageContentType>CommitResource</MessageContentType>
  <OriginatingMessageID>$id</OriginatingMessageID>
  <ContactInformation><rm:ContactDescription>Bed bureau</rm:ContactDescription><rm:ContactRole>Sender</rm:ContactRole></ContactInformation>
  <ResourceInformation><rm:ResourceInfoElementID>1</rm:ResourceInfoElementID>
    <rm:Resource><rm:TypeStructure><rm:ValueListURN>urn:muster:plan:rmmail:roles</rm:ValueListURN>
      <rm:Value>mh-nurse</rm:Value></rm:TypeStructure>
      <rm:OwnershipInformation><rm:Owner>cpft</rm:Owner></rm:OwnershipInformation></rm:Resource>
    <rm:AssignmentInformation><rm:Quantity><rm:MeasuredQuantity><rm:Amount>2</rm:Amount></rm:MeasuredQuantity></rm:Quantity></rm:AssignmentInformation>
    <rm:ScheduleInformation><rm:ScheduleType>EstimatedArrival</rm:ScheduleType>
      <rm:DateTime>2026-11-30T21:00:00+00:00</rm:DateTime></rm:ScheduleInformation>
  </ResourceInformation>
</CommitResource>
XML
out=$(m --as agency:cpft pledge import "$T/commit.xml") || fail "import: $out"
grep -q "pledge 1: cpft pledges 2 mh-nurse for $ref, answering muster:$ref:ask:$ask" <<<"$out" || fail "import: $out"
m --as duty --json pledge list "$ref" | grep -q '"state": "offered"' || fail "the pledge is not offered"
ok "the mailed RequestResource answered with a CommitResource: pledge import makes cpft's pledge"

stop_daemon
