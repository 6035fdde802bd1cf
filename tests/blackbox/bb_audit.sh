# The audit trail is a hash chain: `muster audit verify` finds it intact,
# and points at the row an editor of the database file changed.  Reads of
# a person's record are audited too.  After stand-down plus the plan's
# retention period personal data is purged: no table, no byte of the
# database, WAL or shared-memory file and no file of the stand-down report
# holds a name, a phone number or any free text entered about the incident
# (notes, reasons, the staff named in a pledge), while counts and the audit
# chain stay.  A crash between the purge and the rewrite of the report
# files is made good at the next start.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
keep_plan() {
    plan_head id=keep name="Retention test plan" prefix=KP lead=hub retention_days=30
    cat <<'YAML'
staffing:
  horizon: 24h
  roles: [{id: call-handler, name: Call handler}]
  shifts: [{id: day, name: Day, start: "08:00", length: 12h}]
  requirements: [{level: 1, need: {call-handler: 2}}]
persons:
  home_areas: [cambridge]
  pathways: [{id: monitoring, name: Active monitoring, provider: hub}]
  rules: [{pathway: monitoring}]
agencies:
YAML
    plan_agency id=hub name=Hub role=hub supplies=call-handler desk=D
}
plan_write keep keep_plan
start_daemon --clock-offset "$(clock_at '2026-12-01 10:00 UTC')"
# Every piece of personal data or free text carries a marker of its own.
MARKERS=("Zebedee Quartermain" "07700 900777" "mkr-email@example.org" "Mkr-Address Lane"
    "Mkr-SafeNote" "MKR-EXTREF" "Mkr-StandupNote" "Mkr-AckNote" "Mkr-StaffName"
    "Mkr-PledgeNote" "Mkr-AcceptNote" "Mkr-ContactNote" "Mkr-CloseReason" "Mkr-StanddownNote"
    "Mkr-IncidentClose" "Mkr-OldName" "Mkr-DoNot")
ref=$(m incident standup --plan keep --level 1 --exercise --operation KEEP --note "Mkr-StandupNote" | head -n 1)
id=$(m --as intake --json person add "$ref" --category survivor --name "Mkr-OldName" \
    --phone "07700 900777" --dob 1970-05-06 --home-area cambridge --email mkr-email@example.org \
    --address "1 Mkr-Address Lane" --safe-note "Mkr-SafeNote" --safe-channels sms \
    --external-ref MKR-EXTREF | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
# A correction: the old values (the name, the safe-contact instructions)
# are kept for the audit until the purge.
m --as intake person update "$id" --name "Zebedee Quartermain" --safe-channels sms \
    --safe-note "Mkr-SafeNote" --do-not "letter:Mkr-DoNot" >/dev/null
m --as agency:hub agency ack "$ref" --note "Mkr-AckNote" >/dev/null
m --as agency:hub pledge offer "$ref" --role call-handler --count 1 --shift day-2026-12-01 \
    --name "Mkr-StaffName" --note "Mkr-PledgeNote" >/dev/null
m --as agency:hub pledge offer "$ref" --role call-handler --count 1 --shift day-2026-12-01 >/dev/null
m pledge accept 2 --note "Mkr-AcceptNote" >/dev/null
m --as intake person contact "$id" --channel sms --outcome contacted --note "Mkr-ContactNote" >/dev/null
m --as agency:hub referral close "$id" --reason "Mkr-CloseReason" >/dev/null
m --as duty person show "$id" >/dev/null
m --as intake person list "$ref" >/dev/null
[ "$(audit_count command=person.show principal=duty target="person $id")" = 1 ] ||
    fail "a read of a person's record was not audited"
ok "reads of a person's record audited with who and what"

verify() { m --json audit verify | tr -d ' \n'; }
v=$(verify)
echo "$v" | grep '"intact":true' >/dev/null || fail "fresh chain not intact: $v"
rows=$(echo "$v" | sed -n 's/.*"rows":\([0-9]*\).*/\1/p')
[ "$rows" -ge 4 ] || fail "audit rows: $rows"
ok "audit chain of $rows rows verified"

# Tamper with one row by hand: the chain breaks exactly there.
stop_daemon
victim=$(audit_ids command=person.add)
audit_set "$victim" principal gold
start_daemon --clock-offset "$(clock_at '2026-12-01 11:00 UTC')"
rc=0
v=$(m --json audit verify) || rc=$?
[ "$rc" = 1 ] || fail "audit verify exited $rc for a broken chain"
v=$(echo "$v" | tr -d ' \n')
echo "$v" | grep "\"intact\":false" >/dev/null && echo "$v" | grep "\"first_broken_row\":$victim" >/dev/null ||
    fail "tampering with row $victim not found: $v"
{ m audit verify || true; } | grep "BROKEN at row $victim" >/dev/null || fail "audit verify text"
ok "a row changed by hand is found by audit verify: row $victim"
[ "$(m audit export | grep -c '"hash":')" = "$(audit_count)" ] || fail "audit export rows"
stop_daemon
audit_set "$victim" principal intake
start_daemon --clock-offset "$(clock_at '2026-12-01 12:00 UTC')"
verify | grep '"intact":true' >/dev/null || fail "restored row not intact"

# Stand down and close (the retention period runs from the close, since
# the recovery phase supports persons after stand-down); 31 days later
# the personal data is gone from every copy.
m incident standdown "$ref" --note "Mkr-StanddownNote" >/dev/null
m incident close "$ref" --force --reason "Mkr-IncidentClose" >/dev/null
written() { reports_written "$ref" 2 && grep -q -F Mkr-IncidentClose "$T/reports/$ref/report.json"; }
wait_for 30 written || fail "report not written at stand-down and close"
grep -c Quartermain "$DB" "$DB-wal" >/dev/null 2>&1 || fail "the name should be on disk before the purge"
db_dump "$T/dump.sql"
for mk in "${MARKERS[@]}"; do
    grep -q -F "$mk" "$T/dump.sql" || fail "\"$mk\" should be in the database before the purge"
done
for mk in Mkr-StanddownNote Mkr-AckNote Mkr-IncidentClose; do
    grep -r -q -F "$mk" "$T/reports" || fail "\"$mk\" should be in the report files before the purge"
done
cp "$T/reports/$ref/report.json" "$T/unpurged-report.json"
crash_restart --clock-offset "$(clock_at '2027-01-02 12:00 UTC')"
purged() {
    [ "$(person_field "$id" purged)" = 1 ] && grep -q vacuum "$LOG" &&
        [ -n "$(incident_field "$ref" reports_purged_at 2>/dev/null)" ]
}
wait_for 30 purged || fail "not purged"
stop_daemon
# no_markers WHERE: no marker in the dump of every table, the database,
# WAL and shared-memory files, any report file or the daemon's log.
no_markers() {
    db_dump "$T/dump.sql"
    for mk in "${MARKERS[@]}"; do
        ! grep -q -F "$mk" "$T/dump.sql" || fail "$1: \"$mk\" still in the database: $(grep -F "$mk" "$T/dump.sql" | cut -c1-200)"
        for f in "$DB" "$DB-wal" "$DB-shm" "$LOG"; do
            [ ! -e "$f" ] || ! grep -a -q -F "$mk" "$f" || fail "$1: \"$mk\" still in $f"
        done
        ! grep -r -l -F "$mk" "$T/reports" || fail "$1: \"$mk\" still in the report files above"
    done
}
no_markers "after the purge"
[ "$(persons_count incident="$ref")" = 1 ] ||
    fail "the count of persons went with the purge"
j=$(tr -d ' \n' <"$T/reports/$ref/report.json")
echo "$j" | grep -F '"outcomes":{"registered":1,"referred":1,"contacted":1' >/dev/null || fail "report file counts lost: $j"
echo "$j" | grep -F '"kind":"incident.standdown"' >/dev/null || fail "report file timeline lost: $j"
echo "$j" | grep '"purged_at":[0-9]' >/dev/null || fail "report file does not say it was purged: $j"
grep -F '{"pathway":"monitoring","referred":0,"waitlisted":0,"held_consent":0,"closed":1}' <<<"$j" >/dev/null ||
    fail "report file pathway counts lost: $j"
start_daemon --clock-offset "$(clock_at '2027-01-02 13:00 UTC')"
verify | grep '"intact":true' >/dev/null || fail "audit chain broken by the purge"
m report "$ref" --format json | tr -d ' \n' | grep '"registered":1' >/dev/null || fail "report counts lost"
ok "after the retention period no marker is left in any table, file or report; counts and audit chain stay"

# A crash after the purge committed but before the report files were
# rewritten: the next start rewrites them.
stop_daemon
incident_set "$ref" reports_purged_at NULL
cp "$T/unpurged-report.json" "$T/reports/$ref/report.json"
grep -q -F Mkr-StanddownNote "$T/reports/$ref/report.json" || fail "the unpurged report should hold the note"
start_daemon --clock-offset "$(clock_at '2027-01-02 14:00 UTC')"
rewritten() { [ -n "$(incident_field "$ref" reports_purged_at)" ]; }
wait_for 30 rewritten || fail "report files not rewritten at start"
stop_daemon
no_markers "after a restart"
ok "report files left unpurged by a crash are rewritten at the next start"
