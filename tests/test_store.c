/*
 * tests/test_store.c - the SQLite store: pragmas, migrations, transactions,
 * nested savepoints, stored replies, audit rows, events, the retention
 * purge of events and replies, asynchronous commit, and reading rows: a
 * read that fails mid-way (an SQL error, a damaged table) is told from the
 * end of the rows, down to the reply of a command.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dispatch.h"
#include "frozen.h"
#include "outbox.h"
#include "report.h"
#include "server.h"
#include "store.h"

static char dir[] = "/tmp/muster-store.XXXXXX";
static char path[256];

/* One value read through a separate connection: what is really on disk. */
static int64_t scalar(struct store *st, const char *sql)
{
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void test_open_pragmas(void **state)
{
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    sqlite3_stmt *s = store_stmt(st, "PRAGMA journal_mode");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    s = store_stmt(st, "PRAGMA synchronous");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 2); /* FULL */
    s = store_stmt(st, "PRAGMA secure_delete");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    sqlite3_reset(s);
    store_close(st);
    assert_int_equal(scalar(NULL, "PRAGMA user_version"), store_schema_version());
    /* reopening does not migrate again */
    assert_int_equal(store_open(path, &st), 0);
    store_close(st);
}

static void test_newer_schema_refused(void **state)
{
    char other[300];
    snprintf(other, sizeof(other), "%s/newer.db", dir);
    sqlite3 *db;
    sqlite3_open(other, &db);
    sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    sqlite3_close(db);
    struct store *st = NULL;
    assert_int_equal(store_open(other, &st), -EPROTO);
}

static void test_replies_and_savepoints(void **state)
{
    struct store *st;
    char *reply = NULL;
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    assert_true(store_in_txn(st));
    assert_int_equal(store_reply_get(st, "gold", "r1", NULL, &reply), -ENOENT);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_reply_put(st, "gold", "r1", 1, "{\"a\":1}", NULL), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_reply_put(st, "gold", "r2", 1, "{\"b\":2}", NULL), 0);
    assert_int_equal(store_savepoint_rollback(st), 0); /* r2 undone, r1 kept */
    assert_int_equal(store_reply_put(st, "gold", "r1", 2, "x", NULL), -EEXIST);
    assert_int_equal(store_reply_put(st, "duty", "r1", 2, "{\"c\":3}", NULL),
                     0); /* per principal */
    assert_int_equal(store_commit(st), 0);
    assert_false(store_in_txn(st));
    assert_int_equal(store_reply_get(st, "gold", "r1", NULL, &reply), 0);
    assert_string_equal(reply, "{\"a\":1}");
    free(reply);
    assert_int_equal(store_reply_get(st, "gold", "r2", NULL, &reply), -ENOENT);
    /* the same id with another request's digest is refused, not replayed */
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_reply_put(st, "gold", "d1", 3, "{\"d\":1}", "aaaa"), 0);
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(store_reply_get(st, "gold", "d1", "aaaa", &reply), 0);
    free(reply);
    assert_int_equal(store_reply_get(st, "gold", "d1", "bbbb", &reply), -EEXIST);
    store_close(st);
}

static void test_audit_and_events(void **state)
{
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    int64_t before = store_event_last_seq(st), seq = 0;
    assert_int_equal(store_begin(st), 0);
    struct audit_row a = {42, "gold", "r1", "incident.standup", "CAMB-2026-0001", "ok", NULL};
    assert_int_equal(store_audit_add(st, &a), 0);
    assert_int_equal(store_event_add(st, 0, 42, "test.kind", "{}", &seq), 0);
    assert_int_equal(seq, before + 1);
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(store_event_last_seq(st), seq);
    /* a rolled-back event leaves no trace, and no gap: seq is reused */
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_event_add(st, 0, 43, "test.kind", "{}", &seq), 0);
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(store_event_last_seq(st), before + 1);
    store_close(st);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM audit WHERE target = 'CAMB-2026-0001'"
                                  " AND principal = 'gold' AND outcome = 'ok'"),
                     1);
}

static void incident_add(struct store *st, int64_t id, const char *ref, int64_t stood_down_at)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO incidents (id, ref, plan_id, plan_version, plan_digest, level, exercise,"
             " operation, state, created_at, created_by, stood_down_at) VALUES (%lld, '%s', 'p',"
             " '1', 'd', 1, 1, 'OP', 'stood_down', 1, 'gold', %lld);"
             "INSERT INTO incident_plans (incident_id, plan_source, plan_json) VALUES (%lld, 's',"
             " '{}')",
             (long long)id, ref, (long long)stood_down_at, (long long)id);
    assert_int_equal(store_exec(st, sql), 0);
}

static void test_incident_purge(void **state)
{
    struct store *st;
    int64_t seq;
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    incident_add(st, 101, "EX-P-2026-0001", 1000);
    incident_add(st, 102, "EX-P-2026-0002", 1000);
    assert_int_equal(store_event_add(st, 101, 500, "incident.standdown",
                                     "{\"ref\":\"EX-P-2026-0001\",\"note\":\"Secret-A\"}", &seq),
                     0);
    assert_int_equal(store_event_add(st, 101, 600, "staffing.pledge",
                                     "{\"id\":1,\"names\":[\"Secret-B\"],\"note\":null}", &seq),
                     0);
    assert_int_equal(store_event_add(st, 102, 700, "incident.standdown",
                                     "{\"ref\":\"EX-P-2026-0002\",\"note\":\"Other-C\"}", &seq),
                     0);
    assert_int_equal(store_reply_put(st, "intake", "p-before", 900, "{\"x\":\"Secret-D\"}", NULL),
                     0);
    assert_int_equal(store_reply_put(st, "intake", "p-after", 1100, "{}", NULL), 0);
    assert_int_equal(store_incident_purge(st, 101), 0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
    /* the notes and names of incident 101 are gone, its events stay */
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM events WHERE body LIKE '%Secret%'"), 0);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM events WHERE incident_id = 101 AND"
                                  " json_type(body, '$.note') = 'null'"),
                     2);
    assert_int_equal(scalar(NULL, "SELECT json_array_length(body, '$.names') FROM events"
                                  " WHERE incident_id = 101 AND kind = 'staffing.pledge'"),
                     0);
    /* another incident keeps its note; replies after the stand-down stay */
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM events WHERE body LIKE '%Other-C%'"), 1);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM replies WHERE request_id = 'p-before'"), 0);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM replies WHERE request_id = 'p-after'"), 1);
}

struct done {
    int calls, status;
};

static void on_commit(void *arg, int status)
{
    struct done *d = arg;
    d->calls++;
    d->status = status;
}

static void test_commit_async(void **state)
{
    struct store *st;
    uv_loop_t loop;
    uv_loop_init(&loop);
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_reply_put(st, "intake", "async-1", 1, "{}", NULL), 0);
    struct done d = {0, -1};
    assert_int_equal(store_commit_async(st, &loop, on_commit, &d), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, 0);
    assert_false(store_in_txn(st));
    store_close(st);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM replies WHERE request_id = 'async-1'"), 1);
}

static void test_readonly_reported(void **state)
{
    char ro[300];
    snprintf(ro, sizeof(ro), "%s/ro.db", dir);
    struct store *st;
    assert_int_equal(store_open(ro, &st), 0);
    store_close(st);
    /* a database the daemon cannot write answers with -EROFS, not a crash */
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(ro, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sql_errno(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL)), -EROFS);
    sqlite3_close(db);
    assert_int_equal(sql_errno(SQLITE_FULL), -ENOSPC);
    assert_int_equal(sql_errno(SQLITE_CONSTRAINT_UNIQUE), -EEXIST);
}

/* Wrong acknowledgement codes are counted per principal, in a window,
 * from the audit trail, through the partial index. */
static void test_wrong_codes(void **state)
{
    struct store *st;
    int64_t at = 0;
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    for (int i = 0; i < 4; i++) {
        struct audit_row a = {
            1000 + i,     "agency:a",           NULL,
            "agency.ack", STORE_AUDIT_ACK_CODE, i == 3 ? "RATE_LIMITED" : "NOT_FOUND",
            NULL};
        assert_int_equal(store_audit_add(st, &a), 0);
    }
    struct audit_row b = {1500,        "agency:b", NULL, "agency.ack", STORE_AUDIT_ACK_CODE,
                          "NOT_FOUND", NULL};
    struct audit_row c = {1600, "agency:a", NULL, "agency.ack", "X-1 a", "NOT_FOUND", NULL};
    assert_int_equal(store_audit_add(st, &b), 0);
    assert_int_equal(store_audit_add(st, &c), 0);
    assert_int_equal(store_audit_wrong_code(st, "agency:a", 0, 1, &at), 0);
    assert_int_equal(at, 1002);
    assert_int_equal(store_audit_wrong_code(st, "agency:a", 0, 3, &at), 0);
    assert_int_equal(at, 1000);
    assert_int_equal(store_audit_wrong_code(st, "agency:a", 0, 4, &at), -ENOENT);
    assert_int_equal(store_audit_wrong_code(st, "agency:a", 1000, 3, &at), -ENOENT);
    assert_int_equal(store_audit_wrong_code(st, "agency:b", 0, 1, &at), 0);
    assert_int_equal(at, 1500);
    sqlite3_stmt *s = store_stmt(st, "EXPLAIN QUERY PLAN SELECT at FROM audit WHERE principal = ?1"
                                     " AND at > ?2 AND target = 'ack code' AND outcome = "
                                     "'NOT_FOUND' ORDER BY at DESC LIMIT 1 OFFSET ?3");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 3), "audit_wrong_codes"));
    sqlite3_reset(s);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
}

/* SQL that takes a database back from migration 11 to 10. */
#define UNDO_11                                                                                    \
    "DROP INDEX persons_purge_due; DROP INDEX referrals_pool;"                                     \
    " ALTER TABLE referrals DROP COLUMN given_at; ALTER TABLE persons DROP COLUMN purge_due_at;"

/* SQL that takes a database back from migration 12 to 11. */
#define UNDO_12                                                                                    \
    "DROP INDEX pages_ack_due; DROP INDEX pages_agency; DROP TABLE alarms;"                        \
    " ALTER TABLE pages DROP COLUMN kind; ALTER TABLE pages DROP COLUMN ref_id;"                   \
    " ALTER TABLE pages DROP COLUMN body; ALTER TABLE pages DROP COLUMN ack_due_at;"               \
    " ALTER TABLE pages DROP COLUMN alarm_id; CREATE UNIQUE INDEX pages_agency ON pages"           \
    " (incident_id, agency_id, COALESCE(ask_id, 0));"

/* Back from the latest migration to 10, for the tests that make an older
 * database. */
/* SQL that takes a database back from migration 13 to 12. */
#define UNDO_13                                                                                    \
    " ALTER TABLE incidents DROP COLUMN closed_at; ALTER TABLE incidents DROP COLUMN closed_by;"   \
    " ALTER TABLE incidents DROP COLUMN close_reason;"

/* SQL that takes a database back from migration 14 to 13. */
#define UNDO_14                                                                                    \
    " DROP TABLE corrections; ALTER TABLE contacts DROP COLUMN channel;"                           \
    " ALTER TABLE contacts DROP COLUMN kind; ALTER TABLE contacts DROP COLUMN address_kind;"

/* SQL that takes a database back from migration 15 to 14. */
#define UNDO_15                                                                                    \
    " ALTER TABLE persons DROP COLUMN age_band; ALTER TABLE persons DROP COLUMN guardian;"         \
    " ALTER TABLE referrals DROP COLUMN handoff;"

/* SQL that takes a database back from migration 16 to 15. */
#define UNDO_16                                                                                    \
    " DROP TABLE bereavements; DROP TABLE family_members; DROP TABLE families;"                    \
    " ALTER TABLE persons DROP COLUMN status;"
#define UNDO_17 " DROP TABLE plan_versions; ALTER TABLE incidents DROP COLUMN plan_rev;"

/* SQL that takes a database back from migration 18 (issue 14's alarm
 * causes) to 17. */
#define UNDO_18 " DROP INDEX alarms_cause; ALTER TABLE alarms DROP COLUMN cause;"

/* SQL that takes a database back from migration 19 to 18 (issue 14's
 * staffing migration: the round of a cell and its alarm, asks by round). */
#define UNDO_19                                                                                    \
    " DROP INDEX asks_open; CREATE TABLE asks_old (id INTEGER PRIMARY KEY,"                        \
    " incident_id INTEGER NOT NULL REFERENCES incidents (id),"                                     \
    " shift_id INTEGER NOT NULL REFERENCES shifts (id), role TEXT NOT NULL,"                       \
    " agency_id TEXT NOT NULL, short INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN"        \
    " ('open', 'covered', 'expired', 'cancelled')), created_at INTEGER NOT NULL,"                  \
    " closed_at INTEGER, UNIQUE (shift_id, role, agency_id));"                                     \
    " INSERT INTO asks_old SELECT id, incident_id, shift_id, role, agency_id, short, state,"       \
    " created_at, closed_at FROM asks; DROP TABLE asks; ALTER TABLE asks_old RENAME TO asks;"      \
    " ALTER TABLE coverage DROP COLUMN round; ALTER TABLE coverage DROP COLUMN alarm_id;"

/* SQL that takes a database back from migration 20 (the health probe) to 19. */
#define UNDO_20 " DROP TABLE health;"

/* SQL that takes a database back from migration 21 (hot-path indexes) to 20. */
#define UNDO_21                                                                                    \
    " DROP INDEX pages_ref; DROP INDEX pages_agency_state; DROP INDEX attempts_state;"             \
    " CREATE INDEX attempts_open ON attempts (state) WHERE state IN ('sending', 'queued', "        \
    "'sent');"

/* SQL that takes a database back from migration 22 (the public door:
 * publications, self-registrations, one-time links) to 21. */
#define UNDO_22 " DROP TABLE public_tokens; DROP TABLE selfregs; DROP TABLE publications;"

/* SQL that takes a database back from migration 23 (CAP messages) to 22. */
#define UNDO_23 " DROP TABLE cap_messages;"

/* SQL that takes a database back from migration 24 (EDXL-RM messages) to
 * 23. */
#define UNDO_24 " DROP TABLE edxl_rm_messages;"
/* SQL that takes a database back from migration 25 (an unused index
 * dropped, the places taken counted by triggers) to 24. */
#define UNDO_25                                                                                    \
    " DROP TRIGGER referral_places_add; DROP TRIGGER referral_places_move;"                        \
    " DROP TRIGGER referral_places_gone; DROP TABLE referral_places;"                              \
    " CREATE INDEX referrals_provider ON referrals (provider, state);"
/* SQL that takes a database back from migration 26 (EDXL-RM message
 * digests) to 25. */
#define UNDO_26 " ALTER TABLE edxl_rm_messages DROP COLUMN digest;"
/* ... from 27 (an incident's plan in incident_plans) to 26: the plan
 * columns come back to incidents, after the others. */
#define UNDO_27                                                                                    \
    " ALTER TABLE incidents ADD COLUMN plan_source TEXT NOT NULL DEFAULT '';"                      \
    " ALTER TABLE incidents ADD COLUMN plan_json TEXT NOT NULL DEFAULT '';"                        \
    " UPDATE incidents SET plan_source = (SELECT plan_source FROM incident_plans"                  \
    "  WHERE incident_id = incidents.id), plan_json = (SELECT plan_json FROM incident_plans"       \
    "  WHERE incident_id = incidents.id) WHERE id IN (SELECT incident_id FROM incident_plans);"    \
    " DROP TABLE incident_plans;"
/* ... from 28 (index entries nobody read) to 27. */
#define UNDO_28                                                                                    \
    " DROP INDEX persons_ext;"                                                                     \
    " CREATE INDEX persons_ext ON persons (incident_id, external_ref); DROP INDEX pages_ack_due;"  \
    " CREATE INDEX pages_ack_due ON pages (ack_due_at) WHERE state = 'paging'"                     \
    " AND alarm_id IS NULL;"

/* ... from 29 (what the report, person.show and closing asks read, by index) to 28. */
#define UNDO_29                                                                                    \
    " DROP INDEX events_report; DROP INDEX alarms_incident; DROP INDEX duplicates_matches;"        \
    " DROP INDEX pages_ask;"

/* ... from 30 (the CHECKs' IN lists written as comparisons) to 29: the
 * definitions as migrations 1 to 29 left them, read anew. */
#define UNDO_30                                                                                    \
    " PRAGMA writable_schema = ON;"                                                                \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''open'' OR state = ''cleared'' OR "   \
    "state = ''resolved'')', 'state IN (''open'', ''cleared'', ''resolved'')') WHERE name = "      \
    "'alarms';"                                                                                    \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''open'' OR state = ''covered'' OR "   \
    "state = ''expired'' OR state = ''cancelled'')', 'state IN (''open'', ''covered'', "           \
    "''expired'', ''cancelled'')') WHERE name = 'asks';"                                           \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''sending'' OR state = ''queued'' OR " \
    "state = ''sent'' OR state = ''delivered'' OR state = ''failed'' OR state = ''cancelled'' OR " \
    "state = ''retry'')', 'state IN    (''sending'', ''queued'', ''sent'', ''delivered'', "        \
    "''failed'', ''cancelled'', ''retry'')') WHERE name = 'attempts';"                             \
    " UPDATE sqlite_master SET sql = replace(sql, '(outcome = ''no_answer'' OR outcome = "         \
    "''contacted'' OR outcome = ''declined'' OR outcome = ''sent'')', 'outcome IN "                \
    "(''no_answer'', ''contacted'', ''declined'', ''sent'')') WHERE name = 'contacts';"            \
    " UPDATE sqlite_master SET sql = replace(sql, '(channel = ''phone'' OR channel = ''sms'' OR "  \
    "channel = ''email'' OR channel = ''letter'' OR channel = ''visit'')', 'channel IN "           \
    "(''phone'', ''sms'', ''email'', ''letter'', ''visit'')') WHERE name = 'contacts';"            \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''paging'' OR state = "                \
    "''acknowledged'' OR state = ''unreachable'' OR state = ''cancelled'')', 'state IN "           \
    "(''paging'', ''acknowledged'', ''unreachable'', ''cancelled'')') WHERE name = 'pages';"       \
    " UPDATE sqlite_master SET sql = replace(sql, '(consent = ''given'' OR consent = ''refused'' " \
    "OR consent = ''not_asked'')', 'consent IN (''given'', ''refused'', ''not_asked'')') WHERE "   \
    "name = 'persons';"                                                                            \
    " UPDATE sqlite_master SET sql = replace(sql, '(status = ''alive'' OR status = ''missing'' "   \
    "OR status = ''deceased'')', 'status IN (''alive'', ''missing'', ''deceased'')') WHERE name "  \
    "= 'persons';"                                                                                 \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''offered'' OR state = ''accepted'' "  \
    "OR state = ''declined'' OR state = ''arrived'' OR state = ''withdrawn'')', 'state IN "        \
    "(''offered'', ''accepted'', ''declined'', ''arrived'', ''withdrawn'')') WHERE name = "        \
    "'pledges';"                                                                                   \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''referred'' OR state = "              \
    "''waitlisted'' OR state = ''held_consent'' OR state = ''held_urgent'' OR state = "            \
    "''closed'')', 'state IN    (''referred'', ''waitlisted'', ''held_consent'', "                 \
    "''held_urgent'', ''closed'')') WHERE name = 'referrals';"                                     \
    " UPDATE sqlite_master SET sql = replace(sql, '(state = ''pending'' OR state = ''due'' OR "    \
    "state = ''overdue'' OR state = ''done'' OR state = ''cancelled'')', 'state IN (''pending'', " \
    "''due'', ''overdue'', ''done'', ''cancelled'')') WHERE name = 'rescreens';"                   \
    " PRAGMA writable_schema = RESET;"

#define UNDO_TO_10                                                                                 \
    UNDO_30 UNDO_29 UNDO_28 UNDO_27 UNDO_26 UNDO_25 UNDO_24 UNDO_23 UNDO_22 UNDO_21 UNDO_20        \
        UNDO_19 UNDO_18 UNDO_17 UNDO_16 UNDO_15 UNDO_14 UNDO_13 UNDO_12 UNDO_11

/* Migration 7 computes the name key of persons stored before it again, so
 * a look-alike registered after the upgrade is still found. */
static void test_name_key_backfill(void **state)
{
    char old[300];
    snprintf(old, sizeof(old), "%s/v6.db", dir);
    struct store *st;
    assert_int_equal(store_open(old, &st), 0);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "INSERT INTO persons (incident_id, category, name, name_key, consent,"
            " registered_at, registered_by, referral_due_at) VALUES"
            " (1, 'survivor', 'Zoe\xcc\x88 Anna', 'zoe\xcc\x88 anna', 'given', 0, 'x', 0),"
            " (1, 'survivor', NULL, NULL, 'given', 0, 'x', 0);" UNDO_TO_10
            "DROP INDEX audit_wrong_codes; ALTER TABLE incidents DROP COLUMN reports_purged_at;"
            " ALTER TABLE incidents DROP COLUMN ask_lead_ms;"
            " ALTER TABLE incidents DROP COLUMN retention_days; PRAGMA user_version = 6;",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(old, &st), 0);
    sqlite3_stmt *s = store_stmt(st, "SELECT name_key = muster_name_key('Zo\xc3\xab \xd0\x90nna'),"
                                     " (SELECT name_key FROM persons WHERE id = 2) IS NULL"
                                     " FROM persons WHERE id = 1");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    assert_int_equal(sqlite3_column_int(s, 1), 1);
    sqlite3_reset(s);
    store_close(st);
}

/* Savepoints nest: an inner rollback undoes only the inner work, and the
 * depth counts what is open. */
static void test_nested_savepoints(void **state)
{
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_savepoint_depth(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_reply_put(st, "gold", "n-outer", 1, "{}", NULL), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_savepoint_depth(st), 2);
    assert_int_equal(store_reply_put(st, "gold", "n-inner-1", 1, "{}", NULL), 0);
    assert_int_equal(store_savepoint_rollback(st), 0); /* n-inner-1 undone, n-outer kept */
    assert_int_equal(store_savepoint_depth(st), 1);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_savepoint_depth(st), 3);
    assert_int_equal(store_reply_put(st, "gold", "n-inner-2", 1, "{}", NULL), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(store_savepoint_depth(st), 0);
    /* nothing open: misuse, not a release of someone else's savepoint */
    assert_int_equal(store_savepoint_release(st), -EINVAL);
    assert_int_equal(store_savepoint_rollback(st), -EINVAL);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_commit(st), 0); /* the commit ends the savepoints with it */
    assert_int_equal(store_savepoint_depth(st), 0);
    store_close(st);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM replies WHERE request_id = 'n-outer'"), 1);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM replies WHERE request_id = 'n-inner-1'"),
                     0);
    assert_int_equal(scalar(NULL, "SELECT COUNT(*) FROM replies WHERE request_id = 'n-inner-2'"),
                     1);
}

/* fail_after(x): x while x <= 1, an SQL error from the second row on. */
static void fail_after(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_int64(argv[0]) > 1)
        sqlite3_result_error(ctx, "fail_after: row 2", -1);
    else
        sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
}

static json_t *first_col(sqlite3_stmt *s)
{
    return json_integer(sqlite3_column_int64(s, 0));
}

static const char SQL_THREE[] = "SELECT value FROM json_each('[1,2,3]')";
static const char SQL_FAILING[] = "SELECT fail_after(value) FROM json_each('[1,2,3]')";

/* A statement that fails after its first row: store_step says so, where
 * sqlite3_step == SQLITE_ROW would have ended the loop as if done. */
static void test_step_error_not_done(void **state)
{
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    sqlite3 *db = sqlite3_db_handle(store_stmt(st, SQL_THREE));
    assert_int_equal(
        sqlite3_create_function(db, "fail_after", 1, SQLITE_UTF8, NULL, fail_after, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *s = store_stmt(st, SQL_THREE);
    int n = 0, rc;
    while ((rc = store_step(s)) > 0)
        n++;
    assert_int_equal(rc, 0); /* done */
    assert_int_equal(n, 3);
    s = store_stmt(st, SQL_FAILING);
    assert_non_null(s);
    assert_int_equal(store_step(s), 1);
    assert_int_equal(sqlite3_column_int64(s, 0), 1);
    assert_int_equal(store_step(s), -EINVAL); /* the error, not the end */
    sqlite3_reset(s);
    /* rows as JSON: all of them, or the error and nothing */
    json_t *rows = NULL;
    assert_int_equal(store_rows_json(store_stmt(st, SQL_THREE), first_col, &rows), 0);
    assert_int_equal(json_array_size(rows), 3);
    json_decref(rows);
    assert_int_equal(store_rows_json(store_stmt(st, SQL_FAILING), first_col, &rows), -EINVAL);
    assert_null(rows);
    store_close(st);
}

/* A table whose last page is damaged on disk: its first rows read, then
 * the damage is reported (-EIO), never taken for the end of the table. */
static void test_step_damaged_table(void **state)
{
    char bad[300];
    snprintf(bad, sizeof(bad), "%s/damaged.db", dir);
    struct store *st;
    assert_int_equal(store_open(bad, &st), 0);
    assert_int_equal(store_exec(st, "CREATE TABLE t (x BLOB);"
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                                    " WHERE i < 2000) INSERT INTO t SELECT randomblob(200) FROM n"),
                     0);
    sqlite3_stmt *s = store_stmt(st, "PRAGMA page_size");
    assert_int_equal(store_step(s), 1);
    long page = (long)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    store_close(st); /* the last connection: the WAL is folded into the file */
    FILE *f = fopen(bad, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, -page, SEEK_END), 0);
    for (long i = 0; i < page; i++)
        fputc(0xff, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(store_open(bad, &st), 0);
    s = store_stmt(st, "SELECT length(x) FROM t ORDER BY rowid");
    int n = 0, rc;
    while ((rc = store_step(s)) > 0)
        n++;
    sqlite3_reset(s);
    assert_true(n > 0);
    assert_true(n < 2000);
    assert_int_equal(rc, -EIO);
    store_close(st);
}

/* A request through dispatch: send text as principal, the reply parsed. */
static json_t *request(struct muster *m, const char *principal, const char *text)
{
    struct proto_request req;
    struct proto_error e;
    struct outbox ob = {0};
    assert_int_equal(proto_request_decode(text, strlen(text), &req, &e), 0);
    char *reply = dispatch_request(m, &ob, principal, NULL, &req, NULL, 0);
    proto_request_clear(&req);
    outbox_free(&ob);
    json_t *r = json_loads(reply, 0, NULL);
    free(reply);
    assert_non_null(r);
    return r;
}

static const char *error_code(json_t *r)
{
    json_t *e = json_object_get(r, "error");
    return e ? json_string_value(json_object_get(e, "code")) : "OK";
}

/* The stand-down report reads its timeline through a query that fails on
 * a damaged event (malformed JSON): report.show answers with the storage
 * error, and never with a report whose timeline silently stops there. */
static void test_report_read_error(void **state)
{
    char db[300];
    snprintf(db, sizeof(db), "%s/report.db", dir);
    struct server_config cfg = {0};
    struct muster m = {.cfg = &cfg};
    int64_t seq;
    assert_int_equal(store_open(db, &m.store), 0);
    assert_int_equal(frozen_open(&m.frozen), 0);
    assert_int_equal(store_begin(m.store), 0);
    incident_add(m.store, 7, "EX-R-2026-0001", 2000);
    assert_int_equal(
        store_event_add(m.store, 7, 1000, "incident.standup", "{\"by\":\"gold\"}", &seq), 0);
    assert_int_equal(store_commit(m.store), 0);
    const char *show = "{\"id\":\"r1\",\"cmd\":\"report.show\",\"args\":"
                       "{\"incident\":\"EX-R-2026-0001\"}}";
    json_t *r = request(&m, "gold", show);
    assert_string_equal(error_code(r), "OK");
    json_t *timeline =
        json_object_get(json_object_get(json_object_get(r, "result"), "report"), "timeline");
    assert_int_equal(json_array_size(timeline), 1);
    json_decref(r);
    json_t *built = NULL;
    assert_int_equal(report_build(&m, 7, &built), 0);
    json_decref(built);
    assert_int_equal(report_build(&m, 8, &built), -ENOENT);
    assert_null(built);
    assert_int_equal(store_begin(m.store), 0);
    assert_int_equal(store_event_add(m.store, 7, 2000, "incident.standdown", "{not json", &seq), 0);
    assert_int_equal(store_commit(m.store), 0);
    r = request(&m, "gold", show);
    assert_string_equal(error_code(r), "UNAVAILABLE");
    json_decref(r);
    assert_int_equal(report_build(&m, 7, &built), -EINVAL);
    assert_null(built);
    frozen_free(m.frozen);
    store_close(m.store);
}

/* The store of a new database dir/file with n stood-down incidents (ids 1
 * to n), taken back to an older schema by undo (SQL) and opened again, so
 * that the migrations since run on it. */
static struct store *incidents_migrated(const char *file, int n, const char *undo)
{
    char old[300];
    snprintf(old, sizeof(old), "%s/%s", dir, file);
    struct store *st;
    assert_int_equal(store_open(old, &st), 0);
    assert_int_equal(store_begin(st), 0);
    for (int i = 1; i <= n; i++) {
        char ref[32];
        snprintf(ref, sizeof(ref), "EX-B-2026-%04d", i);
        incident_add(st, i, ref, 1000);
    }
    assert_int_equal(store_exec(st, undo), 0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
    assert_int_equal(store_open(old, &st), 0);
    return st;
}

/* The store's own connection. */
static sqlite3 *store_db(struct store *st)
{
    return sqlite3_db_handle(store_stmt(st, "SELECT 1"));
}

/* How many temporary b-trees (OpenEphemeral) the statement sql, as the
 * store's connection compiles it, builds: -1 when it cannot compile. */
static int ephemerals(struct store *st, const char *sql)
{
    char explain[512];
    snprintf(explain, sizeof(explain), "EXPLAIN %s", sql);
    sqlite3_stmt *s = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(store_db(st), explain, -1, &s, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(s) == SQLITE_ROW)
        n += !strcmp((const char *)sqlite3_column_text(s, 1), "OpenEphemeral");
    sqlite3_finalize(s);
    return n;
}

/* No table's CHECKs build a temporary b-tree: not when a row is inserted,
 * nor when a column they check is updated (one row, as musterd does). */
static void assert_checks_in_place(struct store *st)
{
    static const char *const updates[] = {"UPDATE alarms SET state = 'open' WHERE rowid = 1",
                                          "UPDATE asks SET state = 'open' WHERE rowid = 1",
                                          "UPDATE attempts SET state = 'sent' WHERE rowid = 1",
                                          "UPDATE contacts SET outcome = 'sent' WHERE rowid = 1",
                                          "UPDATE contacts SET channel = 'sms' WHERE rowid = 1",
                                          "UPDATE pages SET state = 'paging' WHERE rowid = 1",
                                          "UPDATE persons SET consent = 'given' WHERE rowid = 1",
                                          "UPDATE persons SET status = 'alive' WHERE rowid = 1",
                                          "UPDATE pledges SET state = 'offered' WHERE rowid = 1",
                                          "UPDATE referrals SET state = 'closed' WHERE rowid = 1",
                                          "UPDATE rescreens SET state = 'done' WHERE person_id = 1 "
                                          "AND due_at = 1 AND instrument = 'x'",
                                          "UPDATE incidents SET state = 'active' WHERE rowid = 1"};
    sqlite3_stmt *t = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_db(st),
                                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " AND name NOT LIKE 'sqlite_%'",
                                        -1, &t, NULL),
                     SQLITE_OK);
    int tables = 0;
    while (sqlite3_step(t) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" DEFAULT VALUES", sqlite3_column_text(t, 0));
        if (ephemerals(st, sql) != 0)
            fail_msg("%s: %d temporary b-trees", sql, ephemerals(st, sql));
        tables++;
    }
    sqlite3_finalize(t);
    assert_true(tables > 30);
    for (size_t i = 0; i < sizeof(updates) / sizeof(updates[0]); i++)
        if (ephemerals(st, updates[i]) != 0)
            fail_msg("%s: %d temporary b-trees", updates[i], ephemerals(st, updates[i]));
}

/* Migration 30 writes the CHECKs' IN lists as comparisons, on a new
 * database and on one of schema 29 with rows in it: its connection and
 * every later one read the new definitions (the schema cookie moved), the
 * file is sound, and the same values pass and fail as before. */
static void test_checks_as_comparisons(void **state)
{
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    assert_checks_in_place(st);
    store_close(st);

    char old[300];
    snprintf(old, sizeof(old), "%s/v29.db", dir);
    st = incidents_migrated("v29.db", 1,
                            "INSERT INTO persons (incident_id, category, consent,"
                            " registered_at, registered_by, referral_due_at)"
                            " VALUES (1, 'survivor', 'given', 0, 'x', 0);" UNDO_30
                            "PRAGMA user_version = 29;");
    assert_checks_in_place(st);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT sql FROM sqlite_master WHERE name ="
                                        " 'persons'), (SELECT count(*) FROM persons)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *def = (const char *)sqlite3_column_text(s, 0);
    assert_non_null(strstr(def, "CHECK ((consent = 'given' OR consent = 'refused' OR"
                                " consent = 'not_asked'))"));
    assert_null(strstr(def, " IN ("));
    assert_int_equal(sqlite3_column_int(s, 1), 1);
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    const char *refused[] = {
        "INSERT INTO persons (incident_id, category, consent, registered_at, registered_by,"
        " referral_due_at) VALUES (1, 'survivor', 'maybe', 0, 'x', 0)",
        "UPDATE persons SET status = 'Alive'", "UPDATE persons SET consent = ''",
        "INSERT INTO contacts (person_id, at, by, outcome, slot, channel)"
        " VALUES (1, 0, 'x', 'sent', 'morning', 'fax')"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_int_equal(sqlite3_exec(db, refused[i], NULL, NULL, NULL), SQLITE_CONSTRAINT);
    /* the words pass, and NULL where the column may be NULL (a contact's
     * channel), as with the IN lists */
    assert_int_equal(
        sqlite3_exec(db,
                     "UPDATE persons SET status = 'missing', consent = 'refused';"
                     " INSERT INTO contacts (person_id, at, by, outcome, slot, channel)"
                     " VALUES (1, 0, 'x', 'sent', 'morning', 'sms'),"
                     " (1, 0, 'x', 'no_answer', 'morning', NULL)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
}

/* Each plan (EXPLAIN QUERY PLAN) seeks[i][0]'s first row names the index
 * seeks[i][1]. */
static void assert_seeks(struct store *st, const char *const seeks[][2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, seeks[i][0]);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_non_null(strstr((const char *)sqlite3_column_text(s, 3), seeks[i][1]));
        sqlite3_reset(s);
    }
}

/* Migration 29 indexes what the stand-down report reads by incident and
 * person.show by person: the report's feed events (only their kinds, so
 * a registration's three events add no index entries), alarms by
 * incident, possible duplicates by the person matched, and the pages of
 * a staffing ask.  The statements written with EVENTS_REPORT_KINDS seek
 * through the events' index. */
static void test_report_indexes(void **state)
{
    struct store *st = incidents_migrated("v28.db", 2, UNDO_30 UNDO_29 "PRAGMA user_version = 28;");
    sqlite3_stmt *s = store_stmt(st, "SELECT sql FROM sqlite_master WHERE name = 'events_report'");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 0), EVENTS_REPORT_KINDS));
    sqlite3_reset(s);
    const char *seeks[][2] = {
        {"EXPLAIN QUERY PLAN SELECT at, body FROM events WHERE incident_id = 1 "
         "AND " EVENTS_REPORT_KINDS
         " AND kind IN ('incident.standup', 'person.breach') ORDER BY seq",
         "events_report"},
        {"EXPLAIN QUERY PLAN SELECT at FROM events WHERE incident_id = 2 AND " EVENTS_REPORT_KINDS
         " AND kind = 'staffing.pledge'",
         "events_report"},
        {"EXPLAIN QUERY PLAN SELECT id FROM alarms WHERE incident_id = 1 ORDER BY id",
         "alarms_incident"},
        {"EXPLAIN QUERY PLAN SELECT person_id FROM duplicates WHERE matches_id = 7",
         "duplicates_matches"},
        {"EXPLAIN QUERY PLAN SELECT id FROM pages WHERE ask_id = 3", "pages_ask"},
    };
    assert_seeks(st, seeks, sizeof(seeks) / sizeof(seeks[0]));
    store_close(st);
}

/* Migration 10 gives incidents stood up before it the frozen plan values
 * SQL needs as columns, read once from their JSON copy: later renaming or
 * removing a field of that copy changes nothing. */
static void test_frozen_columns_backfill(void **state)
{
    /* a bad JSON copy never stops the upgrade */
    struct store *st = incidents_migrated(
        "v9.db", 2,
        "UPDATE incident_plans SET plan_json = '{\"retention_days\":30,"
        "\"staffing\":{\"ask_lead_ms\":14400000}}' WHERE incident_id = 1;"
        "UPDATE incident_plans SET plan_json = 'not json' WHERE incident_id = 2;" UNDO_TO_10
        "ALTER TABLE incidents DROP COLUMN ask_lead_ms;"
        "ALTER TABLE incidents DROP COLUMN retention_days;"
        "PRAGMA user_version = 9;");
    sqlite3_stmt *s = store_stmt(st, "SELECT ask_lead_ms, retention_days FROM incidents"
                                     " ORDER BY id");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(s, 0), 14400000);
    assert_int_equal(sqlite3_column_int64(s, 1), 30);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(s, 0), SQLITE_NULL);
    assert_int_equal(sqlite3_column_type(s, 1), SQLITE_NULL);
    sqlite3_reset(s);
    store_close(st);
}

/* Migration 27 moves each incident's plan (its text and JSON copy) out
 * of the incidents row into incident_plans, unchanged. */
static void test_incident_plans_split(void **state)
{
    struct store *st = incidents_migrated("v26.db", 1,
                                          UNDO_30 UNDO_29 UNDO_28 UNDO_27
                                          "UPDATE incidents SET plan_source = 'plan: text',"
                                          " plan_json = '{\"id\":\"s\"}' WHERE id = 1;"
                                          "PRAGMA user_version = 26;");
    sqlite3_stmt *s =
        store_stmt(st, "SELECT incident_id, plan_source, plan_json,"
                       " (SELECT COUNT(*) FROM pragma_table_info('incidents')"
                       "  WHERE name LIKE 'plan_%' AND name <> 'plan_id'"
                       "  AND name NOT IN ('plan_version', 'plan_digest', 'plan_rev'))"
                       " FROM incident_plans");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(s, 0), 1);
    assert_string_equal(sqlite3_column_text(s, 1), "plan: text");
    assert_string_equal(sqlite3_column_text(s, 2), "{\"id\":\"s\"}");
    assert_int_equal(sqlite3_column_int64(s, 3), 0); /* the columns are gone from incidents */
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
    store_close(st);
}

/* Migration 28 drops the index entries nobody read: persons_ext and
 * pages_ack_due only for the rows their lookups can find, and the
 * statements that read them still seek through them; a page of an
 * incident's persons in id order still comes without a sort. */
static void test_unread_index_entries(void **state)
{
    struct store *st =
        incidents_migrated("v27.db", 1, UNDO_30 UNDO_29 UNDO_28 "PRAGMA user_version = 27;");
    sqlite3_stmt *s = store_stmt(st, "SELECT name, sql FROM sqlite_master WHERE name IN"
                                     " ('persons_ext', 'pages_ack_due') ORDER BY name");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(s, 0), "pages_ack_due");
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 1), "ack_due_at IS NOT NULL"));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(s, 0), "persons_ext");
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 1), "external_ref IS NOT NULL"));
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
    const char *seeks[][2] = {
        {"EXPLAIN QUERY PLAN SELECT id FROM persons WHERE incident_id = 1 AND 'x' IS NOT NULL"
         " AND external_ref = 'x'",
         "persons_ext"},
        {"EXPLAIN QUERY PLAN SELECT MIN(ack_due_at) FROM pages WHERE state = 'paging'"
         " AND alarm_id IS NULL AND ack_due_at IS NOT NULL",
         "pages_ack_due"},
        {"EXPLAIN QUERY PLAN SELECT id FROM pages WHERE state = 'paging' AND alarm_id IS NULL"
         " AND ack_due_at <= 5 ORDER BY ack_due_at LIMIT 256",
         "pages_ack_due"},
        {"EXPLAIN QUERY PLAN SELECT id FROM persons WHERE incident_id = 1 ORDER BY id LIMIT 50"
         " OFFSET 100",
         "persons_incident"},
    };
    assert_seeks(st, seeks, sizeof(seeks) / sizeof(seeks[0]));
    store_close(st);
}

/* Migration 11 tells a referral given to its provider from one only held
 * for consent: open ones and closed ones whose routing event gave them
 * (referred or waitlisted) get their given_at; one closed while held does
 * not, so its agency never finds the person. */
static void test_given_at_backfill(void **state)
{
    char old[300];
    snprintf(old, sizeof(old), "%s/v10.db", dir);
    struct store *st;
    assert_int_equal(store_open(old, &st), 0);
    assert_int_equal(store_begin(st), 0);
    incident_add(st, 1, "EX-G-2026-0001", 1000);
    assert_int_equal(
        store_exec(
            st,
            "INSERT INTO persons (id, incident_id, category, consent, registered_at,"
            " registered_by, referral_due_at) VALUES (1, 1, 'bereaved', 'given', 0, 'x', 0),"
            " (2, 1, 'bereaved', 'refused', 0, 'x', 0);"
            "INSERT INTO referrals (person_id, incident_id, pathway, provider, state,"
            " created_at, updated_at) VALUES (1, 1, 'b', 'cruse', 'closed', 100, 150),"
            " (2, 1, 'b', 'cruse', 'closed', 200, 250), (2, 1, 'm', 'hub', 'referred', 300,"
            " 300);"
            "INSERT INTO events (incident_id, at, kind, body) VALUES"
            " (1, 100, 'person.routed', '{\"person\":1,\"pathway\":\"b\",\"state\":\"referred\"}'),"
            " (1, 200, 'person.routed',"
            " '{\"person\":2,\"pathway\":\"b\",\"state\":\"held_consent\"}');" UNDO_TO_10
            "PRAGMA user_version = 10;"),
        0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
    assert_int_equal(store_open(old, &st), 0);
    sqlite3_stmt *s = store_stmt(st, "SELECT group_concat(COALESCE(given_at, 'null'), ',')"
                                     " FROM (SELECT given_at FROM referrals ORDER BY id)");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "100,null,300");
    sqlite3_reset(s);
    store_close(st);
}

/* Migration 13: an incident stood down before the recovery phase existed
 * is closed at its stand-down (its retention runs as it did) and its open
 * re-screens are cancelled; an active one's stay pending, with an overdue
 * time 14 days after they are due. */
static void test_recovery_backfill(void **state)
{
    char old[300];
    snprintf(old, sizeof(old), "%s/v12.db", dir);
    struct store *st;
    assert_int_equal(store_open(old, &st), 0);
    assert_int_equal(store_begin(st), 0);
    incident_add(st, 1, "EX-R-2026-0001", 5000);
    incident_add(st, 2, "EX-R-2026-0002", 0);
    assert_int_equal(
        store_exec(st, "UPDATE incidents SET state = 'active', stood_down_at = NULL WHERE id = 2;"
                       "INSERT INTO persons (id, incident_id, category, consent, registered_at,"
                       " registered_by, referral_due_at) VALUES (1, 1, 'survivor', 'given', 0, 'x',"
                       " 0), (2, 2, 'survivor', 'given', 0, 'x', 0);"
                       "DROP TABLE rescreens; CREATE TABLE rescreens (person_id INTEGER NOT NULL,"
                       " due_at INTEGER NOT NULL, instrument TEXT NOT NULL, state TEXT NOT NULL,"
                       " PRIMARY KEY (person_id, due_at, instrument)) WITHOUT ROWID;"
                       "INSERT INTO rescreens VALUES (1, 100, 'tsq', 'due'), (1, 200, 'tsq',"
                       " 'pending'), (2, 300, 'tsq', 'pending');" UNDO_30 UNDO_29 UNDO_28 UNDO_27
                           UNDO_26 UNDO_25 UNDO_24 UNDO_23 UNDO_22 UNDO_21 UNDO_20 UNDO_19 UNDO_18
                               UNDO_17 UNDO_16 UNDO_15 UNDO_14 UNDO_13 "PRAGMA user_version = 12;"),
        0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
    assert_int_equal(store_open(old, &st), 0);
    sqlite3_stmt *s = store_stmt(st, "SELECT closed_at, close_reason IS NOT NULL FROM incidents"
                                     " ORDER BY id");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(s, 0), 5000);
    assert_int_equal(sqlite3_column_int(s, 1), 1);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(s, 0), SQLITE_NULL);
    sqlite3_reset(s);
    s = store_stmt(st, "SELECT group_concat(state || ':' || (overdue_at - due_at), ',') FROM"
                       " (SELECT * FROM rescreens ORDER BY person_id, due_at)");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0),
                        "cancelled:1209600000,cancelled:1209600000,pending:1209600000");
    sqlite3_reset(s);
    store_close(st);
}

/* Migration 14 keeps the contact attempts made before channels were
 * recorded (channel NULL), and a safe_contact registered in the old form
 * as it was; a letter sent can be recorded after it. */
static void test_contacts_backfill(void **state)
{
    char old[300];
    snprintf(old, sizeof(old), "%s/v13.db", dir);
    struct store *st;
    assert_int_equal(store_open(old, &st), 0);
    assert_int_equal(store_begin(st), 0);
    incident_add(st, 1, "EX-C-2026-0001", 0);
    assert_int_equal(
        store_exec(st, "INSERT INTO persons (id, incident_id, category, consent, registered_at,"
                       " registered_by, referral_due_at, safe_contact) VALUES (1, 1, 'survivor',"
                       " 'given', 0, 'x', 0, '{\"channels\":[\"sms\"],\"note\":\"n\"}');"
                       "INSERT INTO contacts (person_id, at, by, outcome, slot, note) VALUES"
                       " (1, 5, 'intake', 'no_answer', 'morning', 'vm');" UNDO_30 UNDO_29 UNDO_28
                           UNDO_27 UNDO_26 UNDO_25 UNDO_24 UNDO_23 UNDO_22 UNDO_21 UNDO_20 UNDO_19
                               UNDO_18 UNDO_17 UNDO_16 UNDO_15 UNDO_14 "PRAGMA user_version = 13;"),
        0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
    assert_int_equal(store_open(old, &st), 0);
    sqlite3_stmt *s = store_stmt(st, "SELECT c.outcome || c.note || c.slot, c.channel IS NULL,"
                                     " p.safe_contact FROM contacts c JOIN persons p"
                                     " ON p.id = c.person_id");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "no_answervmmorning");
    assert_int_equal(sqlite3_column_int(s, 1), 1);
    assert_string_equal((const char *)sqlite3_column_text(s, 2),
                        "{\"channels\":[\"sms\"],\"note\":\"n\"}");
    sqlite3_reset(s);
    assert_int_equal(store_exec(st, "INSERT INTO contacts (person_id, at, by, outcome, slot,"
                                    " channel, kind, address_kind) VALUES (1, 6, 'intake', 'sent',"
                                    " 'morning', 'letter', 'appointment', 'home')"),
                     0);
    store_close(st);
}

/* Issue 14's staffing migration keeps the asks made before it (round 0)
 * and lets the same agency be asked again for the same cell in a later
 * round, never twice in one. */
static void test_asks_rounds(void **state)
{
    char old[300];
    snprintf(old, sizeof(old), "%s/v18.db", dir);
    struct store *st;
    assert_int_equal(store_open(old, &st), 0);
    assert_int_equal(store_begin(st), 0);
    incident_add(st, 1, "EX-S-2026-0001", 0);
    assert_int_equal(
        store_exec(
            st, "INSERT INTO shifts VALUES (1, 1, 'day-2026-12-01', 'day', 'Day', 0, 9);"
                "INSERT INTO coverage (shift_id, role, required) VALUES (1, 'isva', 2);"
                "INSERT INTO asks (incident_id, shift_id, role, agency_id, short, state,"
                " created_at) VALUES (1, 1, 'isva', 'rc', 2, 'covered', 5);" UNDO_30 UNDO_29 UNDO_28
                    UNDO_27 UNDO_26 UNDO_25 UNDO_24 UNDO_23 UNDO_22 UNDO_21 UNDO_20 UNDO_19
                "PRAGMA user_version = 18;"),
        0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
    assert_int_equal(store_open(old, &st), 0);
    sqlite3_stmt *s = store_stmt(st, "SELECT a.round, a.state, c.round, c.alarm_id IS NULL"
                                     " FROM asks a JOIN coverage c ON c.shift_id = a.shift_id");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 0);
    assert_string_equal((const char *)sqlite3_column_text(s, 1), "covered");
    assert_int_equal(sqlite3_column_int(s, 2), 0);
    assert_int_equal(sqlite3_column_int(s, 3), 1);
    sqlite3_reset(s);
    const char *again = "INSERT INTO asks (incident_id, shift_id, role, agency_id, short, state,"
                        " created_at, round) VALUES (1, 1, 'isva', 'rc', 1, 'open', 6, 1)";
    assert_int_equal(store_exec(st, again), 0);
    assert_int_not_equal(store_exec(st, again), 0);
    store_close(st);
}

static int setup(void **state)
{
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/muster.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_pragmas),
        cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_replies_and_savepoints),
        cmocka_unit_test(test_audit_and_events),
        cmocka_unit_test(test_commit_async),
        cmocka_unit_test(test_readonly_reported),
        cmocka_unit_test(test_incident_purge),
        cmocka_unit_test(test_wrong_codes),
        cmocka_unit_test(test_name_key_backfill),
        cmocka_unit_test(test_nested_savepoints),
        cmocka_unit_test(test_step_error_not_done),
        cmocka_unit_test(test_step_damaged_table),
        cmocka_unit_test(test_report_read_error),
        cmocka_unit_test(test_frozen_columns_backfill),
        cmocka_unit_test(test_incident_plans_split),
        cmocka_unit_test(test_unread_index_entries),
        cmocka_unit_test(test_report_indexes),
        cmocka_unit_test(test_checks_as_comparisons),
        cmocka_unit_test(test_given_at_backfill),
        cmocka_unit_test(test_recovery_backfill),
        cmocka_unit_test(test_contacts_backfill),
        cmocka_unit_test(test_asks_rounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
