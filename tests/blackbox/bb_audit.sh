# The audit trail is a hash chain: `muster audit verify` finds it intact,
# and points at the row an editor of the database file changed.  Reads of
# a person's record are audited too.  After stand-down plus the plan's
# retention period the personal fields are purged: the database file no
# longer holds a purged name, while counts and the audit chain stay.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
mkdir -p "$T/plans"
cat >"$T/plans/keep.yaml" <<'YAML'
plan: {id: keep, name: Retention test plan, version: "1", ref_prefix: KP, retention_days: 30}
levels: [{level: 1, name: One}]
hub: {name: Hub, lead_agency: hub}
persons:
  home_areas: [cambridge]
  pathways: [{id: monitoring, name: Active monitoring, provider: hub}]
  rules: [{pathway: monitoring}]
agencies:
  - {id: hub, name: Hub, role: hub, activate_level: 1, contacts: [{name: D, channel: zmq, target: hub}]}
YAML
PLANS=$T/plans
at() { echo $(($(date -d "$1" +%s%3N) - $(date +%s%3N))); }
start_daemon --clock-offset "$(at '2026-12-01 10:00 UTC')"
ref=$(m incident standup --plan keep --level 1 --exercise --operation KEEP | head -n 1)
id=$(m --as intake --json person add "$ref" --category survivor --name "Zebedee Quartermain" \
    --phone "07700 900777" --dob 1970-05-06 --home-area cambridge | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
m --as duty person show "$id" >/dev/null
m --as intake person list "$ref" >/dev/null
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM audit WHERE command = 'person.show' AND principal = 'duty' AND target = 'person $id'")" = 1 ] ||
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
victim=$(sqlite3 "$DB" "SELECT id FROM audit WHERE command = 'person.add'")
sqlite3 "$DB" "UPDATE audit SET principal = 'gold' WHERE id = $victim"
start_daemon --clock-offset "$(at '2026-12-01 11:00 UTC')"
rc=0
v=$(m --json audit verify) || rc=$?
[ "$rc" = 1 ] || fail "audit verify exited $rc for a broken chain"
v=$(echo "$v" | tr -d ' \n')
echo "$v" | grep "\"intact\":false" >/dev/null && echo "$v" | grep "\"first_broken_row\":$victim" >/dev/null ||
    fail "tampering with row $victim not found: $v"
{ m audit verify || true; } | grep "BROKEN at row $victim" >/dev/null || fail "audit verify text"
ok "a row changed by hand is found by audit verify: row $victim"
[ "$(m audit export | grep -c '"hash":')" = "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM audit')" ] || fail "audit export rows"
stop_daemon
sqlite3 "$DB" "UPDATE audit SET principal = 'intake' WHERE id = $victim"
start_daemon --clock-offset "$(at '2026-12-01 12:00 UTC')"
verify | grep '"intact":true' >/dev/null || fail "restored row not intact"

# Stand down; 31 days later the personal fields are gone from the file.
m incident standdown "$ref" >/dev/null
grep -c Quartermain "$DB" "$DB-wal" >/dev/null 2>&1 || fail "the name should be on disk before the purge"
crash_daemon
start_daemon --clock-offset "$(at '2027-01-02 12:00 UTC')"
purged() { [ "$(sqlite3 "$DB" "SELECT purged FROM persons WHERE id = $id")" = 1 ] && grep 'vacuum\|purged' "$LOG" >/dev/null; }
wait_for 30 purged || fail "not purged"
stop_daemon
for f in "$DB" "$DB-wal" "$DB-shm"; do
    [ ! -e "$f" ] || ! grep -a -q Quartermain "$f" || fail "purged name still in $f"
    [ ! -e "$f" ] || ! grep -a -q '07700 900777' "$f" || fail "purged phone still in $f"
done
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM persons WHERE incident_id = (SELECT id FROM incidents WHERE ref = '$ref')")" = 1 ] ||
    fail "the count of persons went with the purge"
start_daemon --clock-offset "$(at '2027-01-02 13:00 UTC')"
verify | grep '"intact":true' >/dev/null || fail "audit chain broken by the purge"
m report "$ref" --format json | tr -d ' \n' | grep '"registered":1' >/dev/null || fail "report counts lost"
ok "after the retention period the name and phone are gone from the file; counts and audit chain stay"
stop_daemon
