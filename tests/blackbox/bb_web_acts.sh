# tests/blackbox/bb_web_acts.sh - what Gold and the Hub do in muster-web,
# in a real browser (web_lib.sh, tests/web/acts_test.js), each act checked
# afterwards with the muster CLI:
#   Gold re-pages an unreachable agency, clears its alarm, stands an
#   exercise up (it takes over a wall board already open on another
#   incident, with the exercise banner) and stands it down (the board goes
#   back to the incident still active);
#   the Hub accepts, declines and checks in pledges, relays an
#   acknowledgement code read out by phone, finds a person and records a
#   contact attempt;
#   an agency's desk shows each referred person's contact attempts and
#   outcomes (and safe-contact instructions), records one, and shows
#   nothing the agency may not see;
#   a signed e-mail reply acknowledges a page, unsigned and replayed ones
#   are refused and logged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

EXEC=$SRC/tests/receivers/page_exec.sh
acts_plan() {
    plan_head id=webacts name="Web acts plan" prefix=WA lead=hub
    cat <<'YAML'
paging: {ack_wait: 1s}
staffing:
  horizon: 36h
  ask_lead: 0s
  roles:
    - {id: call-handler, name: Call handler}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - level: 1
      need: {call-handler: 0}
persons:
  home_areas: [exampleton]
  explicit_consent: [bereaved]
  referral_working_days: 2
  pathways:
    - {id: support, name: Bereavement support, provider: cruse}
  rules:
    - {pathway: support}
agencies:
YAML
    plan_agency id=hub name="The Hub" role=hub supplies=call-handler desk=Desk
    plan_agency id=cruse name="Cruse" role=bereavement supplies=call-handler desk=Desk
    plan_agency id=a01 name="Agency 1" role=test contact="$(plan_contact Gateway exec "$EXEC" args="$T/exec,fail")"
}
plan_write webacts acts_plan
mkdir -p "$T/exec"
init_keys
web_key
start_daemon
ref=$(m incident standup --plan webacts --level 1 --exercise --operation ACTS | head -n 1)
shift_key=$(m --json staffing "$ref" | jq -r '.shifts[0].key')
offer() { m --as "agency:$1" --json pledge offer "$ref" --role call-handler --count "$2" --shift "$shift_key" | jq -r .id; }
P1=$(offer hub 2)
P2=$(offer cruse 1)
add() { m --as intake --json person add "$ref" --category survivor --home-area exampleton "$@" | jq -r .person; }
P_ANNA=$(add --name 'Anna Example' --address '12 Mill Road, Exampleton' --safe-channels phone,sms \
    --do-not 'letter:shared address')
P_BEN=$(add --name 'Ben Other')
P_CARA=$(m --as intake --json person add "$ref" --category bereaved --home-area exampleton --name 'Cara Held' | jq -r .person)
code_of() { m --as "agency:$1" --json incident show "$ref" | jq -r '.pages[0].ack_code'; }
CODE_CRUSE=$(code_of cruse)
CODE_HUB=$(code_of hub)
# a01's alarm, the one Gold clears on the web (the desks' pages have a
# second's ack_wait too: theirs may come first)
alarmed() {
    m --as gold --json alarm list "$ref" |
        jq -e '.alarms[] | select(.kind == "agency_unreachable" and (.detail | contains("agency a01 ")))' >/dev/null
}
wait_for 30 alarmed || fail "no alarm for the unreachable agency: $(m --as gold alarm list 2>&1)"

WEB_AGENCY=cruse web_users
web_start
chrome_start
export REF=$ref P1 P2 P_ANNA P_BEN P_CARA CODE_CRUSE CODE_HUB
step() { web_step acts_test "$1"; }

step board-open
step gold
m --json incident show "$ref" | jq -e '.pages[] | select(.agency == "a01") | .repages == 1' >/dev/null ||
    fail "a01 was not re-paged: $(m incident show "$ref")"
m audit export | grep '"command":"agency.repage"' | grep -q '"principal":"gold (insp-jones)"' ||
    fail "the audit trail does not name Gold's user for the re-page"
m --as gold --json alarm list "$ref" --all | jq -e '[.alarms[] | select(.kind == "agency_unreachable" and
    (.detail | contains("agency a01 ")) and .state == "cleared" and .ended_by == "gold (insp-jones)")] | length == 1' >/dev/null ||
    fail "the alarm was not cleared by insp-jones: $(m --as gold --json alarm list "$ref" --all)"
new=$(m --json incident list | jq -r '.incidents[] | select(.operation == "TAKEOVER") | .ref')
[ -n "$new" ] || fail "no incident TAKEOVER: $(m incident list)"
m --json incident show "$new" | jq -e '.exercise == true and .level == 1 and .state == "stood_down"' >/dev/null ||
    fail "the exercise stood up from the browser: $(m incident show "$new")"
m incident show "$new" | grep -q "stood up .* by gold (insp-jones)" || fail "incident show does not name Gold: $(m incident show "$new")"
wait_for 30 reports_written "$new" 1 || fail "the report of $new was not written"
grep -qF '| incident.standdown | by gold \(insp-jones\): exercise over |' "$T/reports/$new/report.md" ||
    fail "the stand-down note is not in the report's timeline"
m audit export | grep '"command":"incident.standdown"' | grep -q '"principal":"gold (insp-jones)"' ||
    fail "the audit trail does not name Gold's user for the stand-down"
ok "Gold's re-page, alarm clear, standup (exercise, level 1) and stand-down are in muster incident show, alarm list and the audit trail"

step hub
pledges=$(m --as duty --json pledge list "$ref")
echo "$pledges" | jq -e --argjson a "$P1" --argjson b "$P2" '[.pledges[] | select(.id == $a and .state == "arrived")] |
    length == 1' >/dev/null || fail "pledge $P1 is not arrived: $pledges"
echo "$pledges" | jq -e --argjson b "$P2" '[.pledges[] | select(.id == $b and .state == "declined")] |
    length == 1' >/dev/null || fail "pledge $P2 is not declined: $pledges"
m --json incident show "$ref" | jq -e '.pages[] | select(.agency == "cruse") | .state == "acknowledged" and
    .ack_via == "phone" and .acknowledged_by == "duty (s.patel)" and .ack_note == "Rang the Hub back"' >/dev/null ||
    fail "the relayed code: $(m incident show "$ref")"
m --as duty --json person show "$P_ANNA" | jq -e '.contacts | length == 1 and .[0].by == "duty (s.patel)" and
    .[0].channel == "phone" and .[0].outcome == "no_answer"' >/dev/null ||
    fail "the Hub's contact attempt: $(m --as duty person show "$P_ANNA")"
[ "$(m --as duty --json person show "$P_BEN" | jq '.contacts | length')" = 0 ] || fail "a contact recorded for the wrong person"
ok "the Hub's accept, decline, arrival, relayed code and contact attempt are in muster pledge list, incident show and person show"

step desk-contacts
m --as duty --json person show "$P_ANNA" | jq -e '.contacts | length == 2 and .[1].by == "agency:cruse (c.jones)" and
    .[1].channel == "sms" and .[1].outcome == "sent"' >/dev/null ||
    fail "the desk's contact attempt: $(m --as duty person show "$P_ANNA")"
ok "the desk's contact attempt is in muster person show, under the desk user's name"

step hooks-email
m --json incident show "$ref" | jq -e '.pages[] | select(.agency == "hub") | .state == "acknowledged" and
    .ack_via == "email" and .acknowledged_by == "duty (hook-email)"' >/dev/null ||
    fail "the e-mail reply's acknowledgement: $(m incident show "$ref")"
grep -q "web: hook email: call from .* refused: missing or wrong signature" "$T/web.log" || fail "the unsigned call is not logged"
grep -q "web: hook email: call from .* refused: replayed" "$T/web.log" || fail "the replay is not logged"
ok "the e-mail reply acknowledged through page.ack via email, as duty (hook-email); refusals logged"

chrome_stop
web_stop
stop_daemon
