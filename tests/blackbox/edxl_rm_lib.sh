# tests/blackbox/edxl_rm_lib.sh - EDXL-RM 1.0 staffing, as bb_edxl_rm.sh
# and bb_web_rm.sh drive it (after lib.sh and plan_lib.sh): the plan rm
# (agency cpft answers in EDXL-RM; other does not) and the answers an
# agency's system sends.  Set RM_CPFT_CONTACT (a contact of the plan, in
# YAML flow style) before rm_plan; ref and ask before answer.

rm_plan() {
    plan_head id=rm name="EDXL-RM test plan" prefix=RM lead=hub hub="Test Victim and Witness Hub"
    cat <<YAML
staffing:
  horizon: 24h
  ask_lead: 4h
  roles:
    - {id: mh-nurse, name: Mental health nurse}
    - {id: isva, name: ISVA}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - {level: 1, need: {mh-nurse: 3, isva: 1}}
agencies:
  - {id: hub, name: Hub team, role: runs the Hub, activate_level: 1,
     contacts: [{name: Desk, channel: zmq, target: hub}]}
  - {id: cpft, name: Mental health trust, role: nurses, activate_level: 1, supplies: [mh-nurse],
     edxl_rm: true, contacts: [$RM_CPFT_CONTACT]}
  - {id: other, name: Other trust, role: nurses, activate_level: 1, supplies: [mh-nurse, isva],
     contacts: [{name: Desk, channel: zmq, target: other}]}
YAML
}

# answer FILE ID [TYPE] [AMOUNT] [OWNER] [ROLE] [ARRIVAL] [ASK] [RESPONSE]
answer() {
    local type=${3:-CommitResource} resp=''
    [ -z "${9:-}" ] || resp="<rm:ResponseInformation><rm:PrecedingResourceInfoElementID>1</rm:PrecedingResourceInfoElementID>
      <rm:ResponseType>$9</rm:ResponseType><rm:ResponseReason>on-call rota</rm:ResponseReason></rm:ResponseInformation>"
    cat >"$T/$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<$type xmlns="urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg" xmlns:rm="urn:oasis:names:tc:emergency:EDXL:RM:1.0">
  <MessageID>$2</MessageID><SentDateTime>2026-12-01T02:10:00+00:00</SentDateTime>
  <MessageContentType>$type</MessageContentType>
  <OriginatingMessageID>muster:$ref:ask:${8:-$ask}</OriginatingMessageID>
  <ContactInformation><rm:ContactDescription>Bed bureau</rm:ContactDescription><rm:ContactRole>Sender</rm:ContactRole></ContactInformation>
  <ResourceInformation><rm:ResourceInfoElementID>1</rm:ResourceInfoElementID>$resp
    <rm:Resource><rm:TypeStructure><rm:ValueListURN>urn:muster:plan:rm:roles</rm:ValueListURN>
      <rm:Value>${6:-mh-nurse}</rm:Value></rm:TypeStructure>
      <rm:OwnershipInformation><rm:Owner>${5:-cpft}</rm:Owner></rm:OwnershipInformation></rm:Resource>
    <rm:AssignmentInformation><rm:Quantity><rm:MeasuredQuantity><rm:Amount>${4:-2}</rm:Amount></rm:MeasuredQuantity></rm:Quantity></rm:AssignmentInformation>
    <rm:ScheduleInformation><rm:ScheduleType>EstimatedArrival</rm:ScheduleType>
      <rm:DateTime>${7:-2026-11-30T21:00:00+00:00}</rm:DateTime></rm:ScheduleInformation>
  </ResourceInformation>
</$type>
XML
}
