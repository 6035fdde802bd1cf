# tests/blackbox/bb_declined_retention.sh - a person who refused consent or
# declined all support keeps their personal fields only for the plan's
# declined_retention_days (10 here, against 30 for the incident), counted
# from when they declined, and is then purged like the rest: the same
# fields, found in no table.  A person who takes support up again is not
# purged; one who declines later is purged later; everyone else waits for
# the incident's own retention.  The daemon's clock is moved with its
# clock offset across kill -9 restarts (TZ=UTC).
. "$(dirname "$0")/lib.sh"

export TZ=UTC
declined_plan() {
    plan_head id=declined name="Declined retention plan" prefix=DR lead=hub retention_days=30
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  explicit_consent: [bereaved]
  pathways:
    - {id: bereavement, name: Bereavement support, provider: cruse}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
    plan_agency id=cruse name=Cruse role=bereavement desk=D
}
plan_write declined declined_plan
sed -i 's/retention_days: 30}/retention_days: 30, declined_retention_days: 10}/' "$T/plans/declined.yaml"
plan_check declined
start_daemon --clock-offset "$(clock_at '2026-12-01 10:00 UTC')"
ref=$(m incident standup --plan declined --level 1 --exercise --operation DECLINED | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | jq -r .person; }
refused=$(add --category bereaved --name "Rita Refused" --dob 1950-01-01 --phone "07700 900001" \
    --address "9 Marker Street" --external-ref CB-MARKER-1 --safe-note "marker safe note" --consent refused)
declined=$(add --category survivor --name "Dev Declined" --home-area cambridge)
m --as intake person screen "$declined" --instrument gad7 --answers 1,1,1,1,1,1,1 >/dev/null
m --as intake person contact "$declined" --outcome declined --note "marker contact note" >/dev/null
again=$(add --category bereaved --name "Greta Again" --consent refused)
m --as intake person consent "$again" given >/dev/null
later=$(add --category survivor --name "Luke Later" --home-area cambridge)
kept=$(add --category bereaved --name "Kim Kept")
[ -n "$(person_field "$refused" purge_due_at)" ] || fail "no purge due for a refusal"
[ -n "$(person_field "$declined" purge_due_at)" ] || fail "no purge due for a decline"
[ -z "$(person_field "$again" purge_due_at)$(person_field "$kept" purge_due_at)" ] ||
    fail "a purge due for a person who did not decline"
persons=$(m status "$ref" --json | jq -r '.board.persons')

# Day 5: Luke declines; nothing is purged yet.
crash_restart --clock-offset "$(clock_at '2026-12-06 10:00 UTC')"
m --as intake person contact "$later" --outcome declined >/dev/null
[ "$(persons_count purged)" = 0 ] || fail "purged too early"

# Day 11: Rita and Dev, declined for 10 days, are purged, found after a restart.
crash_restart --clock-offset "$(clock_at '2026-12-11 10:05 UTC')"
first_purged() { [ "$(persons_ids purged | tr '\n' ' ')" = "$refused $declined " ]; }
wait_for 30 first_purged || fail "purged: $(persons_ids purged | tr '\n' ' ')"
expect_fail 1 NOT_FOUND -- --as duty person show "$refused"
m --as duty --json person list "$ref" | jq -e "[.persons[].person] | index($declined) == null" >/dev/null ||
    fail "a purged person is still listed"
db_dump "$T/dump.sql"
for marker in "Rita Refused" "Dev Declined" 1950-01-01 "07700 900001" "9 Marker Street" CB-MARKER-1 \
    "marker safe note" "marker contact note"; do
    grep -q "$marker" "$T/dump.sql" && fail "\"$marker\" is still in the database"
done
grep -q "Greta Again" "$T/dump.sql" || fail "a person who took support up again was purged"
grep -q "Kim Kept" "$T/dump.sql" || fail "a person who did not decline was purged"
[ "$(m status "$ref" --json | jq -r '.board.persons')" = "$persons" ] || fail "the purged persons are no longer counted"
m --as duty request person.show "{\"person\": $again}" | jq -e '.purge_due_at == null' >/dev/null ||
    fail "purge due for a person who gave consent"
ok "persons who refused consent or declined are purged after declined_retention_days; the others stay"

# Day 16: Luke, who declined on day 5, follows; Greta and Kim wait for the incident.
crash_restart --clock-offset "$(clock_at '2026-12-16 10:05 UTC')"
later_purged() { [ "$(persons_count purged id="$later")" = 1 ]; }
wait_for 30 later_purged || fail "Luke not purged: $(persons_ids purged | tr '\n' ' ')"
[ "$(persons_count purged)" = 3 ] || fail "purged: $(persons_ids purged | tr '\n' ' ')"
ok "a later decline is purged later, counted from when the person declined"

# The incident's own retention runs from its close (the recovery phase
# supports its persons until then).
m incident standdown "$ref" >/dev/null
m incident close "$ref" --force --reason "exercise over" >/dev/null
crash_restart --clock-offset "$(clock_at '2027-01-16 10:10 UTC')"
all_purged() { [ "$(persons_count purged)" = 5 ] && [ "$(incidents_purged)" = 1 ]; }
wait_for 30 all_purged || fail "the incident's purge: $(persons_count purged) persons"
ok "the rest purged with the incident"
stop_daemon
