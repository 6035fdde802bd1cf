# tests/blackbox/db_lib.sh - musterd's database as the tests see it.  Every
# table and column name the black-box tests (and the bench's run.sh) use
# is in this file, so that a schema change touches it alone.  Each helper
# is named for what it returns; a test passes values, never SQL.  Reads go
# to $DB directly (WAL: safe while musterd runs); the writes (tampering,
# hostile data) are made while it is stopped.
#
# Counts and lists take filters, NAME=VALUE words ANDed together (VALUE is
# compared as it is, as a string or a whole number) or a bare NAME for a
# condition; each table's names are listed with its filter.  An unknown
# name makes the helper fail, saying so.

# q SQL...: statements against the daemon's database.  A write waits up
# to 30 s for musterd's own transaction to commit (reads never wait: the
# WAL lets them through); without it a write made while musterd was in
# one failed at once, "database is locked" (bb_standup_fault under
# valgrind, where musterd's transactions last longer).
q() {
    sqlite3 -batch -cmd ".timeout 30000" "$DB" "$@"
}

# sql_str VALUE: VALUE as an SQL string literal.
sql_str() {
    printf "'%s'" "${1//\'/\'\'}"
}

# sql_int VALUE: VALUE if it is a whole number; fails otherwise.
sql_int() {
    [[ "$1" =~ ^-?[0-9]+$ ]] && printf '%s' "$1"
}

# db_where FILTER_FN FILTER...: W, the filters' conditions ANDed, and
# JOINS, the joins they need.  FILTER_FN NAME VALUE sets COND (and calls
# db_join), or fails for a name it does not know.
db_where() {
    local fn=$1 f
    shift
    W=1 JOINS=
    for f in "$@"; do
        "$fn" "${f%%=*}" "${f#*=}" || { echo "db_lib: $fn: unknown filter \"$f\"" >&2; return 1; }
        W="$W AND $COND"
    done
}

# db_join JOIN: add JOIN to JOINS once.
db_join() {
    [[ "$JOINS" == *"$1"* ]] || JOINS="$JOINS $1"
}

# db_col TABLE NAME: the column NAME of TABLE that the tests may read or
# set by name; fails for any other.
db_col() {
    case $1.$2 in
    audit.principal | audit.target | audit.command | audit.outcome | audit.detail) echo "$2" ;;
    persons.purged | persons.referral_due_at | persons.name | persons.purge_due_at) echo "$2" ;;
    persons.age_band | persons.guardian | persons.status) echo "$2" ;;
    persons.dob | persons.external_ref | persons.phone | persons.home_area) echo "$2" ;;
    persons.category | persons.consent | persons.email) echo "$2" ;;
    selfregs.state | selfregs.duplicate | selfregs.reference | selfregs.safe_to_call) echo "$2" ;;
    selfregs.safe_note | selfregs.language) echo "$2" ;;
    incidents.reports_purged_at | incidents.purged_at | incidents.operation) echo "$2" ;;
    incidents.level | incidents.plan_rev | incidents.exercise | incidents.state) echo "$2" ;;
    incidents.standdown_note) echo "$2" ;;
    referrals.home_area | referrals.provider | referrals.handoff) echo "$2" ;;
    pages.ack_code | pages.state | pages.repages | pages.body | pages.ack_due_at) echo "p.$2" ;;
    pages.ack_via) echo "p.$2" ;;
    asks.state) echo "a.$2" ;;
    *) echo "db_lib: no column \"$2\" of $1 for the tests" >&2 && return 1 ;;
    esac
}

# ---- the audit trail ----

# audit filters: principal= outcome= command= target= (exact), after=ID
# (rows after that one).
audit_filter() {
    case $1 in
    principal | outcome | command | target) COND="$1 = $(sql_str "$2")" ;;
    after) COND="id > $(sql_int "$2")" || return 1 ;;
    *) return 1 ;;
    esac
}

audit_count() { # FILTER...: audit rows
    db_where audit_filter "$@" && q "SELECT COUNT(*) FROM audit WHERE $W"
}

audit_ids() { # FILTER...: the ids of those rows
    db_where audit_filter "$@" && q "SELECT id FROM audit WHERE $W"
}

audit_last_id() { # the last row's id, 0 when there is none
    q "SELECT COALESCE(MAX(id), 0) FROM audit"
}

audit_field() { # ID COLUMN
    q "SELECT $(db_col audit "$2") FROM audit WHERE id = $(sql_int "$1")"
}

audit_set() { # ID COLUMN VALUE: change one row by hand (tampering)
    q "UPDATE audit SET $(db_col audit "$2") = $(sql_str "$3") WHERE id = $(sql_int "$1")"
}

audit_cut_after() { # N: delete every row after the Nth (a cut tail)
    q "DELETE FROM audit WHERE id > $(sql_int "$1")"
}

# audit_rehash: recompute every row's hash in order, as an editor who knows
# the chain's rule would after changing a row (common/audit.c: SHA-256 of
# the previous hash and the row's fields, one per line).
audit_rehash() {
    python3 - "$DB" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
prev = ""
for row in db.execute("SELECT id, at, principal, request_id, command, target, outcome, detail"
                      " FROM audit ORDER BY id").fetchall():
    text = "\n".join([prev] + ["" if v is None else str(v) for v in row])
    prev = hashlib.sha256(text.encode()).hexdigest()
    db.execute("UPDATE audit SET hash = ? WHERE id = ?", (prev, row[0]))
db.commit()
PY
}

# ---- the database file: dump, WAL, write lock ----

db_dump() { # FILE: every table as SQL text
    q .dump >"$1"
}

# ---- database files other than $DB (backups, copies) ----

db_file_version() { # FILE: its schema version (PRAGMA user_version)
    sqlite3 -batch "$1" "PRAGMA user_version"
}

db_file_version_set() { # FILE N: stamp it schema version N (as a newer musterd would)
    sqlite3 -batch "$1" "PRAGMA user_version = $(sql_int "$2")"
}

db_file_persons() { # FILE: the ids of the persons it holds, in order, one a line
    sqlite3 -batch "$1" "SELECT id FROM persons ORDER BY id"
}

# db_file_damage FILE: garbage over the root page of the persons table,
# as a failing disk leaves it; the file still opens.
db_file_damage() {
    local page size
    page=$(sqlite3 -batch "$1" "SELECT rootpage FROM sqlite_master WHERE name = 'persons'")
    size=$(sqlite3 -batch "$1" "PRAGMA page_size")
    head -c "$size" /dev/urandom | dd of="$1" bs="$size" seek=$((page - 1)) conv=notrunc status=none
}

# db_unmigrate_last: $DB as the schema before the last migration had it
# (musterd stopped): migration 30's comparisons back to the IN lists
# migrations 1 to 29 wrote, the version one less.
db_unmigrate_last() {
    q "PRAGMA writable_schema = ON;
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''open'' OR state = ''cleared'' OR state = ''resolved'')', 'state IN (''open'', ''cleared'', ''resolved'')') WHERE name = 'alarms';
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''open'' OR state = ''covered'' OR state = ''expired'' OR state = ''cancelled'')', 'state IN (''open'', ''covered'', ''expired'', ''cancelled'')') WHERE name = 'asks';
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''sending'' OR state = ''queued'' OR state = ''sent'' OR state = ''delivered'' OR state = ''failed'' OR state = ''cancelled'' OR state = ''retry'')', 'state IN    (''sending'', ''queued'', ''sent'', ''delivered'', ''failed'', ''cancelled'', ''retry'')') WHERE name = 'attempts';
       UPDATE sqlite_master SET sql = replace(sql, '(outcome = ''no_answer'' OR outcome = ''contacted'' OR outcome = ''declined'' OR outcome = ''sent'')', 'outcome IN (''no_answer'', ''contacted'', ''declined'', ''sent'')') WHERE name = 'contacts';
       UPDATE sqlite_master SET sql = replace(sql, '(channel = ''phone'' OR channel = ''sms'' OR channel = ''email'' OR channel = ''letter'' OR channel = ''visit'')', 'channel IN (''phone'', ''sms'', ''email'', ''letter'', ''visit'')') WHERE name = 'contacts';
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''paging'' OR state = ''acknowledged'' OR state = ''unreachable'' OR state = ''cancelled'')', 'state IN (''paging'', ''acknowledged'', ''unreachable'', ''cancelled'')') WHERE name = 'pages';
       UPDATE sqlite_master SET sql = replace(sql, '(consent = ''given'' OR consent = ''refused'' OR consent = ''not_asked'')', 'consent IN (''given'', ''refused'', ''not_asked'')') WHERE name = 'persons';
       UPDATE sqlite_master SET sql = replace(sql, '(status = ''alive'' OR status = ''missing'' OR status = ''deceased'')', 'status IN (''alive'', ''missing'', ''deceased'')') WHERE name = 'persons';
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''offered'' OR state = ''accepted'' OR state = ''declined'' OR state = ''arrived'' OR state = ''withdrawn'')', 'state IN (''offered'', ''accepted'', ''declined'', ''arrived'', ''withdrawn'')') WHERE name = 'pledges';
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''referred'' OR state = ''waitlisted'' OR state = ''held_consent'' OR state = ''held_urgent'' OR state = ''closed'')', 'state IN    (''referred'', ''waitlisted'', ''held_consent'', ''held_urgent'', ''closed'')') WHERE name = 'referrals';
       UPDATE sqlite_master SET sql = replace(sql, '(state = ''pending'' OR state = ''due'' OR state = ''overdue'' OR state = ''done'' OR state = ''cancelled'')', 'state IN (''pending'', ''due'', ''overdue'', ''done'', ''cancelled'')') WHERE name = 'rescreens';
       PRAGMA schema_version = $(($(q "PRAGMA schema_version") + 1));
       PRAGMA writable_schema = OFF;
       PRAGMA user_version = $(($(db_file_version "$DB") - 1))"
}

db_checkpoint() { # a TRUNCATE checkpoint: "0|0|0" when no writer was in the way
    q "PRAGMA wal_checkpoint(TRUNCATE)" 2>/dev/null
}

# db_lock: another process (a sqlite3 shell, on fd DB_LOCK) takes the
# write lock and holds it, with a write pending, until db_unlock.
db_lock() {
    : >"$T/db_lock.out"
    exec {DB_LOCK}> >(exec sqlite3 "$DB" >"$T/db_lock.out")
    # waiting for musterd's own write transaction to end (without the busy
    # timeout BEGIN failed at once with "database is locked" when musterd
    # was writing, and the lock was never held)
    echo ".timeout 60000
BEGIN IMMEDIATE; INSERT INTO audit (at, principal, command, outcome) VALUES (0, 'test', 'lock', 'ok');
SELECT 'held';" >&$DB_LOCK
}

db_unlock() { # the held write is rolled back, the lock released
    echo "ROLLBACK;" >&$DB_LOCK
    exec {DB_LOCK}>&-
}

db_locked() { # true while db_lock holds the write lock (not only musterd)
    grep -qx held "$T/db_lock.out" 2>/dev/null &&
        ! sqlite3 "$DB" "PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1
}

db_rows_total() { # every row of every table
    local sql
    sql=$(q "SELECT group_concat('(SELECT COUNT(*) FROM \"' || name || '\")', ' + ')
             FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    q "SELECT $sql"
}

# ---- incidents ----

incident_field() { # REF COLUMN
    q "SELECT $(db_col incidents "$2") FROM incidents WHERE ref = $(sql_str "$1")"
}

incident_set() { # REF COLUMN SQL: set the column to the SQL expression's value
    q "UPDATE incidents SET $(db_col incidents "$2") = $3 WHERE ref = $(sql_str "$1")"
}

incidents_purged() { # how many incidents the retention purge has reached
    q "SELECT COUNT(*) FROM incidents WHERE purged_at IS NOT NULL"
}

# incident_plan_copy_has REF FIELD: 1 when the incident's JSON copy of its
# frozen plan (for display) has the top-level FIELD, else 0.
incident_plan_copy_has() {
    [[ "$2" =~ ^[a-z_]+$ ]] &&
        q "SELECT json_type(p.plan_json, '\$.$2') IS NOT NULL FROM incidents i
           JOIN incident_plans p ON p.incident_id = i.id WHERE i.ref = $(sql_str "$1")"
}

# incident_plan_copy_scramble REF: the JSON copy loses, by removal or
# rename, every field that paging, staffing, the board and the retention
# purge could read (agencies, levels, paging, staffing, persons,
# retention_days); the plan it was stood up with is untouched.
incident_plan_copy_scramble() {
    q "UPDATE incident_plans SET plan_json = json_set(json_remove(plan_json, '\$.levels',
         '\$.agencies', '\$.paging', '\$.staffing', '\$.persons', '\$.retention_days'),
         '\$.agency_list', json_extract(plan_json, '\$.agencies'),
         '\$.retention', json_extract(plan_json, '\$.retention_days'),
         '\$.staff', json_extract(plan_json, '\$.staffing'))
       WHERE incident_id = (SELECT id FROM incidents WHERE ref = $(sql_str "$1"))"
}

# ---- affected persons ----

# persons filters: id= name= (exact), incident=REF, breached (a Victims'
# Code deadline breached), purged (purged: the name is gone).
persons_filter() {
    case $1 in
    id) COND="id = $(sql_int "$2")" || return 1 ;;
    name) COND="name = $(sql_str "$2")" ;;
    incident) COND="incident_id = (SELECT id FROM incidents WHERE ref = $(sql_str "$2"))" ;;
    breached) COND="breached_at IS NOT NULL" ;;
    purged) COND="purged = 1 AND name IS NULL" ;;
    *) return 1 ;;
    esac
}

persons_count() { # FILTER...
    db_where persons_filter "$@" && q "SELECT COUNT(*) FROM persons WHERE $W"
}

persons_ids() { # FILTER...
    db_where persons_filter "$@" && q "SELECT id FROM persons WHERE $W"
}

person_field() { # ID COLUMN
    q "SELECT $(db_col persons "$2") FROM persons WHERE id = $(sql_int "$1")"
}

person_set() { # ID COLUMN SQL: set the column to the SQL expression's value
    q "UPDATE persons SET $(db_col persons "$2") = $3 WHERE id = $(sql_int "$1")"
}

referral_open() { # PERSON: "pathway:state" of each referral not closed
    q "SELECT pathway || ':' || state FROM referrals WHERE person_id = $(sql_int "$1") AND state <> 'closed'"
}

bereaved_of() { # PERSON: the ids of the deceased persons it is bereaved of, one a line
    q "SELECT deceased_id FROM bereavements WHERE person_id = $(sql_int "$1") ORDER BY deceased_id"
}

family_members() { # FAMILY: its members' ids, one a line
    q "SELECT person_id FROM family_members WHERE family_id = $(sql_int "$1") ORDER BY person_id"
}

families_count() { # how many families there are
    q "SELECT COUNT(*) FROM families"
}

family_of() { # PERSON: the family it belongs to, "" when none
    q "SELECT family_id FROM family_members WHERE person_id = $(sql_int "$1")"
}

contacts_count() { # [PERSON]: contact attempts recorded (of that person)
    q "SELECT COUNT(*) FROM contacts WHERE ${1:+person_id = $(sql_int "$1") AND} 1"
}

contact_by() { # PERSON: who recorded each of its contact attempts, one a line
    q "SELECT by FROM contacts WHERE person_id = $(sql_int "$1") ORDER BY id"
}

referral_field() { # PERSON COLUMN
    q "SELECT $(db_col referrals "$2") FROM referrals WHERE person_id = $(sql_int "$1")"
}

correction_old() { # PERSON: the old values kept by each of its corrections (person.update)
    q "SELECT COALESCE(old, 'null') FROM corrections WHERE person_id = $(sql_int "$1") ORDER BY id"
}

selfreg_field() { # PERSON COLUMN: of its self-registration (selfregs)
    q "SELECT $(db_col selfregs "$2") FROM selfregs WHERE person_id = $(sql_int "$1")"
}

duplicate_match() { # PERSON: the person it was flagged as a duplicate of
    q "SELECT matches_id FROM duplicates WHERE person_id = $(sql_int "$1")"
}

duplicate_of() { # PERSON: "match:reason" of its duplicate flag
    q "SELECT matches_id || ':' || reason FROM duplicates WHERE person_id = $(sql_int "$1")"
}

rescreens_count() { # [STATE]: re-screen deadlines (in that state)
    q "SELECT COUNT(*) FROM rescreens${1:+ WHERE state = $(sql_str "$1")}"
}

rescreen_states() { # PERSON: "instrument:state" of each of its re-screens, by due time
    q "SELECT group_concat(instrument || ':' || state, ',') FROM (SELECT instrument, state
       FROM rescreens WHERE person_id = $(sql_int "$1") ORDER BY due_at, instrument)"
}

events_count() { # KIND [AGENCY]: stored feed events of that kind (naming that agency)
    q "SELECT COUNT(*) FROM events WHERE kind = $(sql_str "$1")${2:+ AND json_extract(body, '\$.agency') = $(sql_str "$2")}"
}

# ---- pages ----

# pages filters: agency= state= via= (how it was acknowledged), ref=
# (incident), ask=none|any (an activation page of the incident, or an ask
# for staff), ask_role= ask_agency= ask_shift= (of the ask: its role,
# agency, shift key), kind= (page, or a notice's: referral, promotion).
pages_filter() {
    case $1 in
    agency) COND="p.agency_id = $(sql_str "$2")" ;;
    state) COND="p.state = $(sql_str "$2")" ;;
    via) COND="p.ack_via = $(sql_str "$2")" ;;
    ask) [ "$2" = none ] && COND="p.ask_id IS NULL AND p.kind = 'page'" || { [ "$2" = any ] && COND="p.ask_id IS NOT NULL"; } ;;
    kind) COND="p.kind = $(sql_str "$2")" ;;
    ref) COND="i.ref = $(sql_str "$2")" && db_join "JOIN incidents i ON i.id = p.incident_id" ;;
    ask_role) COND="a.role = $(sql_str "$2")" && db_join "JOIN asks a ON a.id = p.ask_id" ;;
    ask_agency) COND="a.agency_id = $(sql_str "$2")" && db_join "JOIN asks a ON a.id = p.ask_id" ;;
    ask_shift) COND="a.shift_id IN (SELECT id FROM shifts WHERE key = $(sql_str "$2"))" &&
        db_join "JOIN asks a ON a.id = p.ask_id" ;;
    *) return 1 ;;
    esac
}

pages_count() { # FILTER...
    db_where pages_filter "$@" && q "SELECT COUNT(*) FROM pages p$JOINS WHERE $W"
}

page_state_count() { # STATE: pages in that state
    pages_count state="$1"
}

page_field() { # COLUMN FILTER...: the column of the pages that match
    local col
    col=$(db_col pages "$1") && shift && db_where pages_filter "$@" &&
        q "SELECT $col FROM pages p$JOINS WHERE $W"
}

page_set() { # COLUMN SQL FILTER...: set the column of the pages that match to the SQL expression's value
    local col
    col=$(db_col pages "$1") && db_where pages_filter "${@:3}" &&
        q "UPDATE pages SET ${col#p.} = $2 WHERE id IN (SELECT p.id FROM pages p$JOINS WHERE $W)"
}

# page_ended_by_standdown REF: 1 if the incident's page was cancelled, or
# had ended unreachable before the stand-down; else 0.
page_ended_by_standdown() {
    q "SELECT p.state = 'cancelled' OR (p.state = 'unreachable' AND p.unreachable_at <= i.stood_down_at)
       FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE i.ref = $(sql_str "$1")
       AND p.kind = 'page' AND p.ask_id IS NULL"
}

pages_states() { # "agency:state" of every page
    q "SELECT group_concat(agency_id || ':' || state, ' ') FROM pages"
}

# incident_ladders REF: each page's ladder as attempted, by agency and
# kind (0 an activation, 1 an ask for staff): "agency:kind:step.attempt:contact".
incident_ladders() {
    q "SELECT group_concat(x, ' ') FROM (SELECT p.agency_id || ':' || (p.ask_id IS NOT NULL) || ':'
        || a.step || '.' || a.attempt || ':' || a.contact AS x FROM attempts a
        JOIN pages p ON p.id = a.page_id JOIN incidents i ON i.id = p.incident_id
        WHERE i.ref = $(sql_str "$1") AND p.kind = 'page'
        ORDER BY p.agency_id, p.ask_id IS NOT NULL, a.id)"
}

pages_climbing() { # REF: the states of the incident's pages with a next step due
    q "SELECT group_concat(DISTINCT p.state) FROM pages p JOIN incidents i ON i.id = p.incident_id
       WHERE i.ref = $(sql_str "$1") AND p.next_at IS NOT NULL"
}

page_unreachable_after() { # AGENCY: ms from its page's last attempt to unreachable
    q "SELECT p.unreachable_at - MAX(a.created_at) FROM pages p JOIN attempts a ON a.page_id = p.id
       WHERE p.agency_id = $(sql_str "$1")"
}

# ---- alarms ----

# alarms filters: kind= state= agency= person=
alarms_filter() {
    case $1 in
    kind | state) COND="$1 = $(sql_str "$2")" ;;
    agency) COND="agency_id = $(sql_str "$2")" ;;
    person) COND="person_id = $(sql_int "$2")" || return 1 ;;
    *) return 1 ;;
    esac
}

alarms_count() { # FILTER...
    db_where alarms_filter "$@" && q "SELECT COUNT(*) FROM alarms WHERE $W"
}

# ---- delivery attempts (a page's steps) ----

# attempts filters: agency= kind= (of the page), channel= state= step=,
# not_state= (any state but that), ref= (incident), after_standdown (made
# after the incident's stand-down).
attempts_filter() {
    case $1 in
    agency) COND="p.agency_id = $(sql_str "$2")" && db_join "JOIN pages p ON p.id = t.page_id" ;;
    kind) COND="p.kind = $(sql_str "$2")" && db_join "JOIN pages p ON p.id = t.page_id" ;;
    channel | state) COND="t.$1 = $(sql_str "$2")" ;;
    step) COND="t.step = $(sql_int "$2")" || return 1 ;;
    not_state) COND="t.state <> $(sql_str "$2")" ;;
    ref | after_standdown)
        db_join "JOIN pages p ON p.id = t.page_id"
        db_join "JOIN incidents i ON i.id = p.incident_id"
        [ "$1" = ref ] && COND="i.ref = $(sql_str "$2")" || COND="t.created_at > i.stood_down_at"
        ;;
    *) return 1 ;;
    esac
}

attempts_count() { # FILTER...
    db_where attempts_filter "$@" && q "SELECT COUNT(*) FROM attempts t$JOINS WHERE $W"
}

attempt_outcome() { # AGENCY STEP: "state|detail" of that attempt
    q "SELECT a.state || '|' || COALESCE(a.detail, '') FROM attempts a JOIN pages p ON p.id = a.page_id
       WHERE p.agency_id = $(sql_str "$1") AND a.step = $(sql_int "$2")"
}

attempt_ladder() { # AGENCY: "0zmq,1exec,..." step and channel of each attempt
    q "SELECT group_concat(a.step || a.channel, ',') FROM attempts a JOIN pages p ON p.id = a.page_id
       WHERE p.agency_id = $(sql_str "$1") ORDER BY a.id"
}

attempt_steps() { # AGENCY: "0,1,..." the steps attempted, in order
    q "SELECT group_concat(a.step, ',') FROM attempts a JOIN pages p ON p.id = a.page_id
       WHERE p.agency_id = $(sql_str "$1") ORDER BY a.step"
}

attempt_ids() { # AGENCY: the attempts' ids (the page ids receivers see), in order
    q "SELECT group_concat(a.id, ' ') FROM attempts a JOIN pages p ON p.id = a.page_id
       WHERE p.agency_id = $(sql_str "$1") ORDER BY a.id"
}

notice_attempts() { # AGENCY: "step:id" of each attempt of the agency's notices, in order
    q "SELECT group_concat(a.step || ':' || a.id, ' ') FROM attempts a JOIN pages p ON p.id = a.page_id
       WHERE p.agency_id = $(sql_str "$1") AND p.kind <> 'page' ORDER BY a.id"
}

attempts_early() { # AGENCY MS: steps made less than MS after the step before
    q "SELECT COUNT(*) FROM attempts a JOIN attempts b ON b.page_id = a.page_id AND b.step = a.step + 1
       JOIN pages p ON p.id = a.page_id
       WHERE p.agency_id = $(sql_str "$1") AND b.created_at - a.created_at < $(sql_int "$2")"
}

attempts_after_ack() { # attempts made after their page was acknowledged
    q "SELECT COUNT(*) FROM attempts a JOIN pages p ON p.id = a.page_id
       WHERE p.state = 'acknowledged' AND a.created_at > p.acked_at"
}

attempts_repeated() { # (page, step, attempt) recorded more than once
    q "SELECT COUNT(*) FROM (SELECT 1 FROM attempts GROUP BY page_id, step, attempt HAVING COUNT(*) > 1)"
}

# ---- surge staffing ----

plan_versions_list() { # every incident's kept plan versions, "version:plan label:created_by"
    q "SELECT group_concat(version || ':' || plan_version || ':' || created_by, ' ') FROM
       (SELECT version, plan_version, created_by FROM plan_versions ORDER BY incident_id, version)"
}

shift_keys() { # the shifts' keys ("day-2026-12-01"), in start order
    q "SELECT group_concat(key, ' ') FROM (SELECT key FROM shifts ORDER BY starts_at)"
}

coverage_grid() { # "shift role required/pledged/accepted/arrived", each cell
    q "SELECT s.key || ' ' || c.role || ' ' || c.required || '/' || c.pledged || '/' || c.accepted || '/' || c.arrived
       FROM coverage c JOIN shifts s ON s.id = c.shift_id ORDER BY s.starts_at, c.role"
}

# asks filters (asks for staff): role= state= agency= shift= (its key)
# round= (the cell's shortfall round it was made in).
asks_filter() {
    case $1 in
    role | state) COND="a.$1 = $(sql_str "$2")" ;;
    agency) COND="a.agency_id = $(sql_str "$2")" ;;
    shift) COND="a.shift_id IN (SELECT id FROM shifts WHERE key = $(sql_str "$2"))" ;;
    round) COND="a.round = $(sql_int "$2")" || return 1 ;;
    *) return 1 ;;
    esac
}

asks_count() { # FILTER...
    db_where asks_filter "$@" && q "SELECT COUNT(*) FROM asks a WHERE $W"
}

ask_field() { # COLUMN FILTER...
    local col
    col=$(db_col asks "$1") && shift && db_where asks_filter "$@" && q "SELECT $col FROM asks a WHERE $W"
}

incident_asks() { # REF: "role:agency:short" of the incident's asks, by role
    q "SELECT group_concat(x, ' ') FROM (SELECT a.role || ':' || a.agency_id || ':' || a.short AS x
        FROM asks a JOIN incidents i ON i.id = a.incident_id WHERE i.ref = $(sql_str "$1")
        ORDER BY a.role)"
}

asks_list() { # FILTER...: "role:agency:state" of those asks, by role, agency and round
    db_where asks_filter "$@" && q "SELECT group_concat(role || ':' || agency_id || ':' || state, ' ')
       FROM (SELECT * FROM asks a WHERE $W ORDER BY role, agency_id, round)"
}

ask_shifts() { # how many shifts the asks are for
    q "SELECT COUNT(DISTINCT s.key) FROM asks a JOIN shifts s ON s.id = a.shift_id"
}

# ---- bb_crash: the load tool's journal against the database ----

# journal_check JOURNAL CHECK_DB: a scratch database CHECK_DB with the
# journal (table j: kind id principal ref a b resent_at, one row per request
# answered "ok") and, for each, what musterd's database holds of it (table
# found: j's columns and n, the rows that request made; replies, its stored
# replies; audits, its audit rows; done_at, when it was audited).  Later
# queries go through journal_q.
journal_check() {
    JOURNAL_DB=$2
    sqlite3 -batch "$JOURNAL_DB" \
        "CREATE TABLE j (kind TEXT, id TEXT, principal TEXT, ref TEXT, a TEXT, b TEXT, resent_at INTEGER);" \
        ".mode tabs" ".import $1 j" || return
    journal_q "$(journal_found_sql)"
}

# journal_q SQL: a query on the scratch database, musterd's attached
# read-only as d (indexed copies of what is looked up by other keys).
journal_q() {
    sqlite3 -batch "$JOURNAL_DB" "ATTACH 'file:$DB?mode=ro' AS d;" "$1"
}

journal_found_sql() {
    cat <<'SQL'
CREATE TABLE aud AS SELECT principal, request_id, COUNT(*) AS n, MIN(at) AS at FROM d.audit
  WHERE outcome = 'ok' AND request_id IS NOT NULL GROUP BY principal, request_id;
CREATE INDEX aud_id ON aud (principal, request_id);
CREATE TABLE per AS SELECT p.id, p.external_ref, i.ref FROM d.persons p
  JOIN d.incidents i ON i.id = p.incident_id;
CREATE INDEX per_ext ON per (external_ref);
CREATE TABLE found AS SELECT j.*, CASE j.kind
    WHEN 'standup' THEN (SELECT COUNT(*) FROM d.incidents i WHERE i.ref = j.ref AND i.operation = j.a)
    WHEN 'ack' THEN (SELECT COUNT(*) FROM d.pages p JOIN d.incidents i ON i.id = p.incident_id
                     WHERE i.ref = j.ref AND 'agency:' || p.agency_id = j.principal
                     AND p.ask_id IS NULL AND p.state = 'acknowledged' AND p.acked_by = j.principal)
    WHEN 'pledge' THEN (SELECT COUNT(*) FROM d.pledges p JOIN d.incidents i ON i.id = p.incident_id
                        WHERE p.id = CAST(j.a AS INTEGER) AND i.ref = j.ref
                        AND 'agency:' || p.agency_id = j.principal AND p.role = j.b)
    WHEN 'person' THEN (SELECT COUNT(*) FROM per WHERE per.external_ref = j.a AND per.ref = j.ref)
                       * ((SELECT COUNT(*) FROM per WHERE per.external_ref = j.a
                           AND per.id = CAST(j.b AS INTEGER)) = 1)
    END AS n,
    (SELECT COUNT(*) FROM d.replies r WHERE r.principal = j.principal AND r.request_id = j.id) AS replies,
    COALESCE((SELECT n FROM aud WHERE aud.principal = j.principal AND aud.request_id = j.id), 0) AS audits,
    (SELECT at FROM aud WHERE aud.principal = j.principal AND aud.request_id = j.id) AS done_at
  FROM j;
SQL
}

# journal_unexpected: rows nobody was told about: a request executed twice
# (or an outcome the tool never learnt), or in the database but not in the
# journal.
journal_unexpected() {
    journal_q "SELECT
    (SELECT COUNT(*) FROM found WHERE n > 1 OR audits > 1)
  + (SELECT COUNT(*) FROM d.incidents WHERE ref NOT IN (SELECT ref FROM j WHERE kind = 'standup'))
  + (SELECT COUNT(*) FROM d.pledges WHERE CAST(id AS TEXT) NOT IN (SELECT a FROM j WHERE kind = 'pledge'))
  + (SELECT COUNT(*) FROM per WHERE external_ref IS NULL
       OR external_ref NOT IN (SELECT a FROM j WHERE kind = 'person'))
  + (SELECT COUNT(*) FROM d.pages p JOIN d.incidents i ON i.id = p.incident_id
       WHERE p.state = 'acknowledged' AND NOT EXISTS (SELECT 1 FROM j WHERE j.kind = 'ack'
       AND j.ref = i.ref AND j.principal = 'agency:' || p.agency_id))
  + (SELECT COUNT(*) FROM j WHERE kind = 'ack' AND a <> '0')"
}
