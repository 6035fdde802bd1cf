# CAP 1.2 in (issue 20 section 1; docs/interop.md): `muster incident
# standup --cap FILE` stands an incident up from an Alert the plan's cap
# section maps, an Update raises its level (never lowers it), a Cancel
# stands it down, an Exercise makes an exercise incident; a replay, a Test,
# an unmapped event, sender or area, a message that fails the schema or
# carries a DOCTYPE are refused with a coded error naming the element and
# stand nothing up; after kill -9 the message is still known: nothing is
# stood up twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"
. "$(dirname "$0")/db_lib.sh"

SENDER=control@cambs.police.example
cap_plan() {
    plan_head id=cp name="CAP test plan" prefix=CP lead=a1 | sed '/^levels:/d'
    cat <<YAML
levels: [{level: 1, name: One}, {level: 2, name: Two}, {level: 3, name: Three}]
paging: {ack_wait: 1h, exec_timeout: 5s}
cap:
  senders: [$SENDER]
  areas: [Cambridge city centre, E07000011]
  events:
    - {code: MCI, extreme: 3, severe: 2, moderate: 1}
    - {code: Crowd crush, moderate: 1}
agencies:
YAML
    level_agencies 3
}
plan_write cp cap_plan

# cap FILE ID TYPE STATUS SEVERITY [REFERENCES] [EVENT] [AREA] [SENDER]:
# a CAP 1.2 message in FILE.
cap() {
    local refs='' code='<eventCode><valueName>muster</valueName><value>MCI</value></eventCode>'
    local event=${7:-} area=${8:-Cambridge city centre} sender=${9:-$SENDER} info=''
    [ -z "${6:-}" ] || refs="<references>$SENDER,$6,2026-06-01T21:14:00+01:00</references>"
    [ -z "$event" ] || code=''
    [ "$3" = Cancel ] || info="<info><category>Security</category>
    <event>${event:-Mass casualty attack}</event><urgency>Immediate</urgency>
    <severity>$5</severity><certainty>Observed</certainty>$code<headline>Major incident</headline>
    <area><areaDesc>$area</areaDesc></area></info>"
    cat >"$T/$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>$2</identifier><sender>$sender</sender>
  <sent>2026-06-01T21:14:00+01:00</sent><status>$4</status><msgType>$3</msgType>
  <scope>Restricted</scope><restriction>partners</restriction>$refs
  $info
</alert>
XML
}

start_daemon
pages_of() { [ -f "$T/exec/$1.log" ] && grep -c . "$T/exec/$1.log" || echo 0; }
paged_once() { [ "$(pages_of "$1")" = 1 ]; }
incidents() { q "SELECT COUNT(*) FROM incidents"; }

# An Actual Alert, Moderate: a live incident at level 1.
cap a.xml CAMBS-1 Alert Actual Moderate
out=$(m incident standup --cap "$T/a.xml") || fail "standup --cap: $out"
ref=$(echo "$out" | head -n 1)
grep -q "stood up: plan cp, level 1, LIVE, operation CAP CAMBS-1" <<<"$out" || fail "standup: $out"
grep -q "CAP Alert CAMBS-1 from $SENDER (Actual)" <<<"$out" || fail "standup: $out"
[ "$(incident_field "$ref" exercise)" = 0 ] || fail "an Actual alert made an exercise incident"
wait_for 30 paged_once a1 || fail "a1 not paged at the CAP standup"
ok "an Actual CAP Alert stands a live incident up at the level the plan maps"

# The same message again: refused, nothing twice.
expect_fail 1 "DUPLICATE: /alert/identifier: CAP message \"CAMBS-1\" from \"$SENDER\" was received before" \
    -- incident standup --cap "$T/a.xml"
[ "$(incidents)" = 1 ] || fail "a replay stood up another incident"
ok "a replayed CAP message is refused and stands nothing up"

# Update, Severe: the level rises to 2 and a2 is paged; a Moderate update keeps it.
cap u.xml CAMBS-2 Update Actual Severe CAMBS-1
out=$(m incident standup --cap "$T/u.xml") || fail "update: $out"
grep -q "level raised: 1 -> 2" <<<"$out" || fail "update: $out"
wait_for 30 paged_once a2 || fail "a2 not paged after the CAP update"
cap u2.xml CAMBS-3 Update Actual Moderate CAMBS-1
out=$(m incident standup --cap "$T/u2.xml") || fail "lower update: $out"
grep -q "level kept at 2: the update asks for 1" <<<"$out" || fail "lower update: $out"
[ "$(incident_field "$ref" level)" = 2 ] || fail "a lower CAP update changed the level"
cap ux.xml CAMBS-4 Update Exercise Extreme CAMBS-1
expect_fail 1 "CONFLICT: /alert/status: \"Exercise\" cannot change live incident $ref" -- incident standup --cap "$T/ux.xml"
cap un.xml CAMBS-5 Update Actual Extreme NOSUCH-1
expect_fail 1 "NOT_FOUND: /alert/references: no incident was stood up" -- incident standup --cap "$T/un.xml"
cap ur.xml CAMBS-6 Update Actual Extreme
expect_fail 1 "BAD_CAP: /alert/references: an Update must name the message it updates" -- incident standup --cap "$T/ur.xml"
[ "$(incident_field "$ref" level)" = 2 ] || fail "a refused CAP update changed the level"
ok "a CAP Update raises the level; a lower one is recorded and the level kept; others refused"

# Exercise: an exercise incident; Test: nothing.
cap x.xml EX-1 Alert Exercise Moderate "" "Crowd crush" E07000011
out=$(m incident standup --cap "$T/x.xml") || fail "exercise: $out"
xref=$(echo "$out" | head -n 1)
[ "$(incident_field "$xref" exercise)" = 1 ] || fail "an Exercise alert made a live incident"
cap t.xml T-1 Alert Test Extreme
expect_fail 1 "CAP_IGNORED: /alert/status: \"Test\" is technical testing only" -- incident standup --cap "$T/t.xml"
[ "$(incidents)" = 2 ] || fail "a Test message stood something up"
ok "status Exercise makes an exercise incident; Test stands nothing up"

# xsi: attributes, which XML Schema lets any element carry, are no
# content (a status behind one was read as a null that stopped musterd);
# a headline cut for the incident's note inside a character still makes
# a note (it made the standup fail with a misleading error).
XSI='xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd"'
cap xs.xml EX-XSI Alert Exercise Moderate "" "Crowd crush" E07000011
sed -i -e "s|<status>|<status $XSI>|" -e "s|<msgType>|<msgType $XSI>|" \
    -e "s|<headline>Major incident</headline>|<headline>$(printf 'A%.0s' $(seq 1 149))é</headline>|" "$T/xs.xml"
out=$(m incident standup --cap "$T/xs.xml") || fail "xsi and a long headline: $out"
xsref=$(echo "$out" | head -n 1)
[ "$(incident_field "$xsref" exercise)" = 1 ] || fail "the Exercise behind an xsi: attribute made a live incident"
m health >/dev/null || fail "musterd stopped serving"
ok "xsi: attributes are no content; a headline cut inside a character still makes the note"

# Refused with the element named, and the daemon keeps serving.
cap n.xml N-1 Alert Actual Extreme "" "Flood"
expect_fail 1 "CAP_UNMAPPED: /alert/info/event: no <eventCode> or <event> of the message (\"Flood\")" \
    -- incident standup --cap "$T/n.xml"
cap w.xml N-2 Alert Actual Extreme "" "" Norwich
expect_fail 1 "CAP_UNMAPPED: .*in an area it covers" -- incident standup --cap "$T/w.xml"
cap s.xml N-3 Alert Actual Extreme "" "" "" someone@else.example
expect_fail 1 "CAP_UNMAPPED: /alert/sender: no loaded plan's cap section accepts CAP from \"someone@else.example\"" \
    -- incident standup --cap "$T/s.xml"
cap m.xml N-4 Alert Actual Minor
expect_fail 1 "CAP_UNMAPPED: /alert/info\[1\]/severity: plan cp maps no level to severity \"Minor\"" \
    -- incident standup --cap "$T/m.xml"
expect_fail 1 "BAD_CAP: /alert/info/severity: .*'Huge' is not an element of the set" \
    -- incident standup --cap "$SRC/tests/cap/bad/bad-severity.xml"
expect_fail 1 "BAD_CAP: /: a DOCTYPE is refused" -- incident standup --cap "$SRC/tests/cap/bad/billion-laughs.xml"
expect_fail 1 "BAD_CAP: /: a DOCTYPE is refused" -- incident standup --cap "$SRC/tests/cap/bad/xxe-file.xml"
expect_fail 1 "BAD_CAP: /alert: namespace \"urn:oasis:names:tc:emergency:cap:1.1\"" \
    -- incident standup --cap "$SRC/tests/cap/bad/cap-1.1.xml"
expect_fail 1 "FORBIDDEN" -- --as duty incident standup --cap "$T/a.xml"
expect_fail 2 "with --cap FILE the CAP message says the level" -- incident standup --cap "$T/a.xml" --level 2
for f in "$SRC"/tests/cap/bad/*.xml; do # each hostile file, through the CLI
    # the .err line (a part of the message) as a grep pattern
    pattern="BAD_CAP: .*$(head -n 1 "${f%.xml}.err" | sed 's/[]\\[^$.*]/\\&/g')"
    [ "$(basename "$f")" != invalid-utf8.xml ] || pattern="not UTF-8 text" # JSON cannot carry it
    [ "$pattern" != "BAD_CAP: .*" ] || fail "no message for $f"
    expect_fail 1 "$pattern" -- incident standup --cap "$f"
done
[ "$(incidents)" = 3 ] || fail "a refused message stood something up"
[ "$(q "SELECT COUNT(*) FROM cap_messages")" = 5 ] || fail "refused messages were recorded"
m health >/dev/null || fail "musterd stopped serving after the hostile messages"
ok "unmapped, hostile and schema-invalid messages refused with the element named; nothing stood up"

# kill -9 once a standup is answered: the message is still known after the
# restart, and its incident is there once.
cap k.xml K-1 Alert Actual Extreme "" "Crowd crush" E07000011
expect_fail 1 "CAP_UNMAPPED: /alert/info\[1\]/severity" -- incident standup --cap "$T/k.xml"
cap k.xml K-2 Alert Exercise Severe
kref=$(m incident standup --cap "$T/k.xml" | head -n 1) || fail "standup before the crash"
crash_restart
expect_fail 1 "DUPLICATE" -- incident standup --cap "$T/k.xml"
[ "$(q "SELECT COUNT(*) FROM incidents WHERE operation = 'CAP K-2'")" = 1 ] || fail "K-2 stood up twice"
[ "$(q "SELECT i.ref FROM cap_messages c JOIN incidents i ON i.id = c.incident_id WHERE c.identifier = 'K-2'")" = "$kref" ] ||
    fail "the message and its incident were not committed together"
ok "after kill -9 the message is still known: nothing stood up twice"

# Cancel: stood down with the message named.
cap c.xml CAMBS-9 Cancel Actual "" CAMBS-1
out=$(m incident standup --cap "$T/c.xml") || fail "cancel: $out"
grep -q "stood down by CAP Cancel" <<<"$out" || fail "cancel: $out"
[ "$(incident_field "$ref" state)" = stood_down ] || fail "a CAP Cancel left the incident active"
[ "$(incident_field "$ref" standdown_note)" = "CAP Cancel CAMBS-9" ] || fail "standdown note"
expect_fail 1 "CONFLICT: incident $ref is stood down" -- incident standup --cap "$(cap c2.xml CAMBS-10 Update Actual Extreme CAMBS-1 && echo "$T/c2.xml")"
[ "$(q "SELECT COUNT(*) FROM audit WHERE command = 'incident.cap' AND outcome = 'ok'")" = 7 ] ||
    fail "audit rows of incident.cap: $(q "SELECT COUNT(*) FROM audit WHERE command = 'incident.cap' AND outcome = 'ok'")"
ok "a CAP Cancel stands the incident down, named in its note; each message is audited"

stop_daemon
