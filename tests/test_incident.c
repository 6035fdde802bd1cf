/*
 * tests/test_incident.c - the incident commands through dispatch, on a real
 * store and the sample plans, without sockets: standup, idempotent retry,
 * authorization with audit, stand-down, list, show with the frozen plan,
 * and the board read from the typed frozen plan, never from its JSON copy;
 * and incident.c as the owner of the incidents table: an incident found by
 * reference or id (found, none, a read that fails), and what other modules
 * read and change of it through incident.c; a failed read of the
 * incident's pages reported as a storage error.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"
#include "frozen.h"
#include "outbox.h"
#include "incident.h"
#include "board.h"
#include "plan.h"
#include "server.h"
#include "store.h"

static const char *plans_dir;
static char dir[] = "/tmp/muster-incident.XXXXXX";

struct fixture {
    struct server_config cfg;
    struct muster m;
    struct outbox ob;
};

static json_t *run(struct fixture *f, const char *principal, const char *text)
{
    struct proto_request req;
    struct proto_error e;
    assert_int_equal(proto_request_decode(text, strlen(text), &req, &e), 0);
    char *reply = dispatch_request(&f->m, &f->ob, principal, NULL, &req, NULL, 0);
    proto_request_clear(&req);
    if (store_in_txn(f->m.store))
        assert_int_equal(store_commit(f->m.store), 0);
    json_t *r = json_loads(reply, 0, NULL);
    free(reply);
    assert_non_null(r);
    return r;
}

static const char *code_of(json_t *r)
{
    json_t *e = json_object_get(r, "error");
    return e ? json_string_value(json_object_get(e, "code")) : "OK";
}

static int64_t count(struct fixture *f, const char *sql)
{
    sqlite3_stmt *s = store_stmt(f->m.store, sql);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return n;
}

static const char STANDUP[] =
    "{\"id\":\"%s\",\"cmd\":\"incident.standup\",\"args\":{\"plan\":\"cambridgeshire\","
    "\"level\":%d,\"exercise\":%s,\"operation\":\"%s\"}}";

static json_t *standup(struct fixture *f, const char *principal, const char *id, int level,
                       const char *exercise, const char *op)
{
    char text[512];
    snprintf(text, sizeof(text), STANDUP, id, level, exercise, op);
    return run(f, principal, text);
}

static void test_standup(void **state)
{
    struct fixture *f = *state;
    json_t *r = standup(f, "gold", "s1", 2, "true", "ORION");
    assert_string_equal(code_of(r), "OK");
    json_t *res = json_object_get(r, "result");
    const char *ref = json_string_value(json_object_get(res, "ref"));
    assert_non_null(strstr(ref, "EX-CAMB-"));
    assert_true(json_integer_value(json_object_get(res, "agencies")) > 0);
    assert_int_equal(f->ob.count, 2); /* one feed event and its journal line wait for the commit */
    outbox_truncate(&f->ob, 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM events WHERE kind = 'incident.standup'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE command = 'incident.standup'"
                              " AND principal = 'gold' AND outcome = 'ok'"),
                     1);
    json_decref(r);
}

static void test_retry_same_id(void **state)
{
    struct fixture *f = *state;
    json_t *a = standup(f, "gold", "same", 1, "false", "RETRY");
    json_t *b = standup(f, "gold", "same", 1, "false", "RETRY");
    assert_true(json_equal(a, b));
    assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents WHERE operation = 'RETRY'"), 1);
    /* the same id for a different request is refused, and does nothing */
    json_t *d = standup(f, "gold", "same", 1, "false", "OTHER");
    assert_string_equal(code_of(d), "CONFLICT");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents WHERE operation = 'OTHER'"), 0);
    json_decref(d);
    /* an exercise of the same name does not block a live operation */
    json_t *x = standup(f, "gold", "ex-retry", 1, "true", "RETRY");
    assert_string_equal(code_of(x), "OK");
    json_decref(x);
    /* a new id for the same live operation is a conflict, not a second incident */
    json_t *c = standup(f, "gold", "other", 1, "false", "RETRY");
    assert_string_equal(code_of(c), "CONFLICT");
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_forbidden_audited(void **state)
{
    struct fixture *f = *state;
    const char *who[] = {"intake", "duty", "agency:cpft"};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = standup(f, who[i], "f1", 1, "true", "NOPE");
        assert_string_equal(code_of(r), "FORBIDDEN");
        json_decref(r);
    }
    assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents WHERE operation = 'NOPE'"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit WHERE outcome = 'FORBIDDEN'"), 3);
}

static void test_standdown_and_show(void **state)
{
    struct fixture *f = *state;
    json_t *r = standup(f, "gold", "sd1", 1, "true", "CALM");
    const char *ref = json_string_value(json_object_get(json_object_get(r, "result"), "ref"));
    char text[512];
    snprintf(text, sizeof(text),
             "{\"id\":\"sd2\",\"cmd\":\"incident.standdown\",\"args\":{\"ref\":\"%s\"}}", ref);
    json_t *d = run(f, "gold", text);
    assert_string_equal(code_of(d), "OK");
    snprintf(text, sizeof(text),
             "{\"id\":\"sd3\",\"cmd\":\"incident.standdown\",\"args\":{\"ref\":\"%s\"}}", ref);
    json_t *again = run(f, "gold", text);
    assert_string_equal(code_of(again), "CONFLICT");
    snprintf(text, sizeof(text),
             "{\"id\":\"sh\",\"cmd\":\"incident.show\",\"args\":{\"ref\":\"%s\"}}", ref);
    json_t *s = run(f, "duty", text);
    json_t *res = json_object_get(s, "result");
    assert_string_equal(json_string_value(json_object_get(res, "state")), "stood_down");
    assert_string_equal(json_string_value(json_object_get(res, "stood_down_by")), "gold");
    /* level 1 of the sample plan activates fewer agencies than the plan has */
    const struct plan *p = planset_find(f->m.plans, "cambridgeshire");
    size_t n = json_array_size(json_object_get(res, "agencies"));
    assert_int_equal(n, plan_agencies_at_level(p, 1));
    assert_true(n < p->nagencies);
    json_decref(r);
    json_decref(d);
    json_decref(again);
    json_decref(s);
}

static void test_list_and_errors(void **state)
{
    struct fixture *f = *state;
    json_t *r = run(f, "intake",
                    "{\"id\":\"l\",\"cmd\":\"incident.list\",\"args\":{\"state\":\"active\"}}");
    json_t *arr = json_object_get(json_object_get(r, "result"), "incidents"), *i;
    size_t k;
    assert_true(json_array_size(arr) >= 2);
    json_array_foreach(arr, k, i)
        assert_string_equal(json_string_value(json_object_get(i, "state")), "active");
    json_decref(r);
    r = run(f, "gold", "{\"id\":\"l2\",\"cmd\":\"incident.list\",\"args\":{\"state\":\"odd\"}}");
    assert_string_equal(code_of(r), "BAD_ARGUMENT");
    json_decref(r);
    r = run(f, "gold", "{\"id\":\"l3\",\"cmd\":\"incident.show\",\"args\":{\"ref\":\"NONE-1\"}}");
    assert_string_equal(code_of(r), "NOT_FOUND");
    json_decref(r);
    r = run(f, "gold", "{\"id\":\"l4\",\"cmd\":\"incident.launch\"}");
    assert_string_equal(code_of(r), "UNKNOWN_COMMAND");
    json_decref(r);
    r = standup(f, "gold", "lv", 9, "true", "HIGH");
    assert_string_equal(code_of(r), "BAD_ARGUMENT");
    json_decref(r);
}

static int64_t incident_id_of(struct fixture *f, const char *ref)
{
    sqlite3_stmt *s = store_stmt(f->m.store, "SELECT id FROM incidents WHERE ref = ?1");
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT);
    int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return id;
}

/* The values SQL needs of the frozen plan are columns written at standup;
 * the board's level name, roles and pathways come from the typed plan, so
 * a JSON copy with those fields renamed away changes nothing. */
static void test_frozen_plan_typed(void **state)
{
    struct fixture *f = *state;
    const struct plan *p = planset_find(f->m.plans, "cambridgeshire");
    json_t *r = standup(f, "gold", "fz1", 2, "true", "FROZEN");
    const char *ref = json_string_value(json_object_get(json_object_get(r, "result"), "ref"));
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM incidents WHERE ref = '%s' AND ask_lead_ms = %lld"
             " AND retention_days = %d",
             ref, (long long)p->staffing.ask_lead_ms, p->retention_days);
    assert_int_equal(count(f, sql), 1);
    assert_int_equal(store_exec(f->m.store, "UPDATE incident_plans SET plan_json = json_remove("
                                            "plan_json, '$.levels', '$.staffing', '$.persons',"
                                            " '$.retention_days', '$.agencies', '$.paging')"),
                     0);
    json_t *board = NULL;
    assert_int_equal(board_snapshot(&f->m, incident_id_of(f, ref), &board), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(board, "incident"), "level_name")),
        plan_level_find(p, 2)->name);
    char text[256];
    snprintf(text, sizeof(text),
             "{\"id\":\"fz2\",\"cmd\":\"status.show\",\"args\":{\"incident\":\"%s\"}}", ref);
    json_t *st = run(f, "duty", text);
    json_t *meta = json_object_get(json_object_get(st, "result"), "meta");
    assert_int_equal(json_array_size(json_object_get(meta, "roles")), p->staffing.nroles);
    assert_int_equal(json_array_size(json_object_get(meta, "pathways")), p->persons.npathways);
    json_t *pw = json_array_get(json_object_get(meta, "pathways"), 0);
    assert_string_equal(json_string_value(json_object_get(pw, "provider")),
                        p->persons.pathways[0].provider);
    assert_int_equal(json_integer_value(json_object_get(pw, "capacity")),
                     p->persons.pathways[0].capacity);
    json_decref(board);
    json_decref(st);
    json_decref(r);
}

/* frozen_plan remembers which copy an incident has only while nothing
 * that could change it happened: an amendment gives the new plan at once,
 * its rollback the old one again (issue 19: the digest is no longer read
 * on every call). */
static void test_frozen_plan_follows_amend(void **state)
{
    struct fixture *f = *state;
    struct store *st = f->m.store;
    json_t *r = standup(f, "gold", "fa1", 2, "true", "AMENDED");
    const char *ref = json_string_value(json_object_get(json_object_get(r, "result"), "ref"));
    int64_t id = incident_id_of(f, ref);
    const struct plan *other = planset_find(f->m.plans, "example");
    assert_non_null(other);
    assert_string_equal(frozen_plan(&f->m, id)->id, "cambridgeshire");
    assert_string_equal(frozen_plan(&f->m, id)->id, "cambridgeshire"); /* remembered */
    assert_true(store_in_txn(st) || store_begin(st) == 0);
    assert_int_equal(store_savepoint(st), 0);
    struct incident_plan np = {.plan_version = other->version,
                               .source = other->source,
                               .source_len = other->source_len,
                               .digest = other->source_digest,
                               .json = "{}",
                               .ask_lead_ms = other->staffing.ask_lead_ms,
                               .retention_days = other->retention_days,
                               .summary = "test"};
    int version = 0;
    assert_int_equal(incident_plan_amend(st, id, &np, 5, "gold", &version), 1);
    assert_string_equal(frozen_plan(&f->m, id)->id, "example");
    assert_int_equal(store_savepoint_rollback(st), 0);
    assert_string_equal(frozen_plan(&f->m, id)->id, "cambridgeshire");
    json_decref(r);
}

static const char *ref_of(json_t *standup_reply)
{
    return json_string_value(json_object_get(json_object_get(standup_reply, "result"), "ref"));
}

static int interrupt_all(void *arg)
{
    (void)arg;
    return 1; /* every statement stops at once: SQLITE_INTERRUPT */
}

/* incident_find and incident_get: the row as a struct incident, 0 for no
 * such incident, and -errno for a read that fails (never "none"). */
static void test_find_and_get(void **state)
{
    struct fixture *f = *state;
    json_t *r = standup(f, "gold", "fd1", 2, "true", "FINDER");
    const char *ref = ref_of(r);
    struct incident inc, by_id;
    assert_int_equal(incident_find(f->m.store, ref, &inc), 1);
    assert_int_equal(inc.id, incident_id_of(f, ref));
    assert_string_equal(inc.ref, ref);
    assert_string_equal(inc.plan_id, "cambridgeshire");
    assert_string_equal(inc.operation, "FINDER");
    assert_int_equal(inc.level, 2);
    assert_true(inc.exercise);
    assert_true(inc.active);
    assert_true(inc.created_at > 0);
    assert_int_equal(inc.stood_down_at, 0);
    assert_int_equal(inc.purged_at, 0);
    assert_int_equal(incident_get(f->m.store, inc.id, &by_id), 1);
    assert_string_equal(by_id.ref, ref);
    assert_int_equal(by_id.created_at, inc.created_at);
    assert_int_equal(incident_find(f->m.store, "EX-NONE-2026-0001", &by_id), 0);
    assert_int_equal(incident_get(f->m.store, inc.id + 1000, &by_id), 0);
    sqlite3 *db = sqlite3_db_handle(store_stmt(f->m.store, "SELECT 1"));
    sqlite3_progress_handler(db, 1, interrupt_all, NULL);
    assert_int_equal(incident_find(f->m.store, ref, &by_id), -EIO);
    assert_int_equal(incident_get(f->m.store, inc.id, &by_id), -EIO);
    assert_int_equal(incident_latest(f->m.store, &by_id), -EIO);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    assert_int_equal(incident_find(f->m.store, ref, &by_id), 1); /* and reads again */
    assert_int_equal(incident_latest(f->m.store, &by_id), 1);
    assert_int_equal(by_id.id, inc.id); /* the latest active one */
    json_decref(r);
}

/* The frozen plan's source and digest, incident.show's detail. */
static void test_owner_reads(void **state)
{
    struct fixture *f = *state;
    const struct plan *p = planset_find(f->m.plans, "cambridgeshire");
    json_t *r = standup(f, "gold", "or1", 1, "true", "READER");
    int64_t id = incident_id_of(f, ref_of(r));
    char digest[INCIDENT_DIGEST_MAX], *source = NULL;
    size_t len = 0;
    assert_int_equal(incident_plan_digest(f->m.store, id, digest), 1);
    assert_int_equal(strlen(digest), 64);
    assert_int_equal(incident_plan_source(f->m.store, id, &source, &len), 1);
    assert_int_equal(len, p->source_len);
    assert_memory_equal(source, p->source, len);
    free(source);
    struct incident_detail d;
    assert_int_equal(incident_detail_get(f->m.store, id, &d), 1);
    assert_string_equal(d.plan_version, p->version);
    assert_string_equal(d.plan_digest, digest);
    assert_string_equal(d.created_by, "gold");
    assert_null(d.note);
    assert_null(d.stood_down_by);
    assert_int_equal(strlen(d.plan_source), p->source_len);
    assert_non_null(d.plan_json);
    incident_detail_free(&d);
    /* The plan (28 KiB) is beside the incident's row, not in it: in it, the
     * row ran over a chain of overflow pages, which every lookup of the
     * incident walked to reach the columns after the plan. */
    assert_true(p->source_len > 16384);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM dbstat WHERE name = 'incidents'"
                              " AND pagetype = 'overflow'"),
                     0);
    assert_int_equal(incident_plan_digest(f->m.store, id + 1000, digest), 0);
    assert_int_equal(incident_plan_source(f->m.store, id + 1000, &source, &len), 0);
    assert_null(source);
    assert_int_equal(incident_detail_get(f->m.store, id + 1000, &d), 0);
    json_decref(r);
}

/* What the retention purge and the report rewrite change of an incident. */
static void test_owner_writes(void **state)
{
    struct fixture *f = *state;
    json_t *r = standup(f, "gold", "ow1", 1, "true", "WRITER");
    int64_t id = incident_id_of(f, ref_of(r)), ids[8];
    size_t n = 8;
    struct incident inc;
    assert_int_equal(store_exec(f->m.store, "UPDATE incidents SET note = 'private'"), 0);
    assert_int_equal(store_begin(f->m.store), 0);
    assert_int_equal(incident_set_reports_purged(f->m.store, id, 4000), 0); /* not purged yet */
    assert_int_equal(incident_set_purged(f->m.store, id, 5000), 0);
    assert_int_equal(store_commit(f->m.store), 0);
    assert_int_equal(incident_get(f->m.store, id, &inc), 1);
    assert_int_equal(inc.purged_at, 5000);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM incidents WHERE id = %lld AND note IS NULL"
             " AND reports_purged_at IS NULL",
             (long long)id);
    assert_int_equal(count(f, sql), 1);
    assert_int_equal(incident_reports_unpurged(f->m.store, 0, ids, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], id);
    assert_int_equal(incident_reports_unpurged(f->m.store, id, ids, 8, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(incident_set_reports_purged(f->m.store, id, 6000), 0);
    assert_int_equal(incident_reports_unpurged(f->m.store, 0, ids, 8, &n), 0);
    assert_int_equal(n, 0);
    json_decref(r);
}

/* max(x) for a damaged attempts table: every row it reads fails. */
static void max_step_fails(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_error(ctx, "max: attempt unreadable", -1);
}

static void max_final(sqlite3_context *ctx)
{
    sqlite3_result_null(ctx);
}

/* A read of the incident's pages that fails part-way (at the first page
 * with an attempt, the second) is reported: incident.show answers with the
 * storage error, never with the pages before the failure as if they were
 * all of them.  On a store of its own, whose max() stays broken. */
static void test_pages_read_error(void **state)
{
    struct fixture *shared = *state;
    struct fixture f = {.cfg = shared->cfg, .m.plans = shared->m.plans};
    char db[300], text[256];
    snprintf(db, sizeof(db), "%s/pages.db", dir);
    f.m.cfg = &f.cfg;
    assert_int_equal(store_open(db, &f.m.store), 0);
    assert_int_equal(frozen_open(&f.m.frozen), 0);
    json_t *r = standup(&f, "gold", "pe1", 2, "true", "PAGES");
    snprintf(text, sizeof(text),
             "{\"id\":\"pe2\",\"cmd\":\"incident.show\",\"args\":"
             "{\"ref\":\"%s\"}}",
             json_string_value(json_object_get(json_object_get(r, "result"), "ref")));
    json_t *ok = run(&f, "duty", text);
    assert_string_equal(code_of(ok), "OK");
    assert_true(json_array_size(json_object_get(json_object_get(ok, "result"), "pages")) >= 2);
    assert_int_equal(store_exec(f.m.store, "INSERT INTO attempts (page_id, step, attempt, channel,"
                                           " contact, target, state, created_at) SELECT id, 0, 1,"
                                           " 'exec', 'duty', 'x', 'failed', 1 FROM pages"
                                           " ORDER BY id LIMIT 1 OFFSET 1"),
                     0);
    sqlite3 *conn = sqlite3_db_handle(store_stmt(f.m.store, "SELECT 1"));
    assert_int_equal(
        sqlite3_create_function(conn, "max", 1, SQLITE_UTF8, NULL, NULL, max_step_fails, max_final),
        SQLITE_OK);
    json_t *bad = run(&f, "duty", text);
    assert_string_equal(code_of(bad), "UNAVAILABLE");
    json_decref(r);
    json_decref(ok);
    json_decref(bad);
    outbox_free(&f.ob);
    frozen_free(f.m.frozen);
    store_close(f.m.store);
}

static void test_ref_format(void **state)
{
    char buf[INCIDENT_REF_MAX];
    incident_ref_format(buf, sizeof(buf), "CAMB", 0, 2026, 7);
    assert_string_equal(buf, "CAMB-2026-0007");
    incident_ref_format(buf, sizeof(buf), "CAMB", 1, 2026, 12345);
    assert_string_equal(buf, "EX-CAMB-2026-12345");
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char db[300];
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof(db), "%s/muster.db", dir);
    f->cfg.plans_dir = plans_dir;
    f->cfg.db_path = db;
    f->m.cfg = &f->cfg;
    struct plan_errors errs = {0};
    if (planset_load_dir(plans_dir, &f->m.plans, &errs) != 0 || store_open(db, &f->m.store) != 0 ||
        frozen_open(&f->m.frozen) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    outbox_free(&f->ob);
    store_close(f->m.store);
    frozen_free(f->m.frozen);
    planset_free(f->m.plans);
    free(f);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

int main(int argc, char **argv)
{
    plans_dir = argc > 2 ? argv[2] : "plans";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standup),           cmocka_unit_test(test_retry_same_id),
        cmocka_unit_test(test_forbidden_audited), cmocka_unit_test(test_standdown_and_show),
        cmocka_unit_test(test_list_and_errors),   cmocka_unit_test(test_ref_format),
        cmocka_unit_test(test_frozen_plan_typed), cmocka_unit_test(test_frozen_plan_follows_amend),
        cmocka_unit_test(test_find_and_get),      cmocka_unit_test(test_owner_reads),
        cmocka_unit_test(test_owner_writes),      cmocka_unit_test(test_pages_read_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
