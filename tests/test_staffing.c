/*
 * tests/test_staffing.c - staffing's offers of staff as a domain function:
 * staffing_offer_add called with a plain struct staffing_offer and no
 * request around it (no cmd_ctx): a pledge recorded on the ledger and
 * published, every refusal with its coded error and nothing recorded, and
 * a store that cannot be read told from a refusal.  The incident is stood
 * up on a real store from the sample plan.
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
#include "incident.h"
#include "outbox.h"
#include "plan.h"
#include "server.h"
#include "staffing.h"
#include "store.h"

static const char *plans_dir;
static char dir[] = "/tmp/muster-staffing.XXXXXX";

struct fixture {
    struct server_config cfg;
    struct muster m;
    struct outbox ob;
    struct incident inc;
    char shift[80], later[80]; /* the first two shifts not yet ended */
};

static int64_t count(struct fixture *f, const char *sql)
{
    sqlite3_stmt *s = store_stmt(f->m.store, sql);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return n;
}

/* An exercise at level 1 of the sample plan, stood up the way Gold does. */
static void stand_up(struct fixture *f)
{
    const char text[] =
        "{\"id\":\"su\",\"cmd\":\"incident.standup\",\"args\":{\"plan\":"
        "\"cambridgeshire\",\"level\":1,\"exercise\":true,\"operation\":\"PLEDGE\"}}";
    struct proto_request req;
    struct proto_error e;
    assert_int_equal(proto_request_decode(text, strlen(text), &req, &e), 0);
    char *reply = dispatch_request(&f->m, &f->ob, "gold", NULL, &req, NULL, 0);
    proto_request_clear(&req);
    assert_int_equal(store_commit(f->m.store), 0);
    json_t *r = json_loads(reply, 0, NULL);
    free(reply);
    const char *ref = json_string_value(json_object_get(json_object_get(r, "result"), "ref"));
    assert_non_null(ref);
    assert_int_equal(incident_find(f->m.store, ref, &f->inc), 1);
    json_decref(r);
    outbox_truncate(&f->ob, 0);
}

/* The first two shifts of the incident that have not ended. */
static void pick_shifts(struct fixture *f)
{
    json_t *shifts = NULL, *sh;
    size_t i, found = 0;
    assert_int_equal(staffing_shifts(&f->m, f->inc.id, &shifts), 0);
    json_array_foreach(shifts, i, sh)
    {
        if (json_integer_value(json_object_get(sh, "ends_at")) <= server_now(&f->m) || found == 2)
            continue;
        snprintf(found ? f->later : f->shift, sizeof(f->shift), "%s",
                 json_string_value(json_object_get(sh, "key")));
        found++;
    }
    assert_int_equal(found, 2);
    json_decref(shifts);
}

/* An offer of count mental health nurses from cpft on shifts (JSON). */
static struct staffing_offer offer(struct fixture *f, const char *shifts, int64_t count)
{
    return (struct staffing_offer){.incident = &f->inc,
                                   .agency = "cpft",
                                   .role = "mh-nurse",
                                   .count = count,
                                   .shifts = json_loads(shifts, 0, NULL),
                                   .by = "duty (test)",
                                   .now = server_now(&f->m)};
}

static void test_offer_recorded(void **state)
{
    struct fixture *f = *state;
    char shifts[200];
    snprintf(shifts, sizeof(shifts), "[\"%s\", \"%s\"]", f->shift, f->later);
    struct staffing_offer o = offer(f, shifts, 2);
    o.names = json_pack("[s]", "A. Nurse");
    struct proto_error err = {0};
    json_t *p = NULL;
    assert_int_equal(store_begin(f->m.store), 0);
    assert_int_equal(staffing_offer_add(&f->m, &f->ob, &o, &err, &p), 0);
    assert_int_equal(store_commit(f->m.store), 0);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "state")), "offered");
    assert_string_equal(json_string_value(json_object_get(p, "incident")), f->inc.ref);
    assert_int_equal(json_integer_value(json_object_get(p, "count")), 2);
    assert_true(json_equal(json_object_get(p, "shifts"), o.shifts));
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM pledges WHERE id = %lld AND agency_id = 'cpft' AND"
             " created_by = 'duty (test)' AND names = '[\"A. Nurse\"]'",
             (long long)json_integer_value(json_object_get(p, "id")));
    assert_int_equal(count(f, sql), 1);
    assert_int_equal(count(f, "SELECT SUM(pledged) FROM coverage WHERE role = 'mh-nurse'"), 4);
    assert_int_equal(f->ob.count, 3); /* staffing.coverage, staffing.pledge, its journal line */
    outbox_truncate(&f->ob, 0);
    json_decref(p);
    json_decref(o.shifts);
    json_decref(o.names);
}

/* An offer refused: STAFFING_REFUSED with code, nothing recorded. */
static void refused(struct fixture *f, struct staffing_offer *o, const char *code)
{
    struct proto_error err = {0};
    json_t *p = NULL;
    int64_t before = count(f, "SELECT COUNT(*) FROM pledges");
    assert_int_equal(store_begin(f->m.store), 0);
    assert_int_equal(staffing_offer_add(&f->m, &f->ob, o, &err, &p), STAFFING_REFUSED);
    assert_int_equal(store_rollback(f->m.store), 0);
    assert_null(p);
    assert_non_null(err.code);
    assert_string_equal(err.code, code);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM pledges"), before);
    assert_int_equal(f->ob.count, 0);
    json_decref(o->shifts);
}

static void test_offer_refused(void **state)
{
    struct fixture *f = *state;
    char one[120], twice[200];
    snprintf(one, sizeof(one), "[\"%s\"]", f->shift);
    snprintf(twice, sizeof(twice), "[\"%s\", \"%s\"]", f->shift, f->shift);
    struct staffing_offer o = offer(f, one, 1);
    o.role = "astronaut";
    refused(f, &o, "BAD_ARGUMENT");
    o = offer(f, one, 1);
    o.agency = "no-such-agency";
    refused(f, &o, "NOT_FOUND");
    o = offer(f, one, 1);
    o.agency = "eeast"; /* in the plan, supplies no staff */
    refused(f, &o, "BAD_ARGUMENT");
    o = offer(f, twice, 1);
    refused(f, &o, "BAD_ARGUMENT");
    o = offer(f, "[\"no-such-shift\"]", 1);
    refused(f, &o, "BAD_ARGUMENT");
    o = offer(f, "[]", 1);
    refused(f, &o, "BAD_ARGUMENT");
    o = offer(f, one, 1);
    o.names = json_pack("[s, s]", "One", "Two"); /* more names than staff */
    refused(f, &o, "BAD_ARGUMENT");
    json_decref(o.names);
    struct incident down = f->inc;
    down.active = false;
    o = offer(f, one, 1);
    o.incident = &down;
    refused(f, &o, "CONFLICT");
}

static int deny_shifts(void *arg, int action, const char *a, const char *b, const char *db,
                       const char *trigger)
{
    (void)arg, (void)b, (void)db, (void)trigger;
    return action == SQLITE_READ && a && !strcmp(a, "shifts") ? SQLITE_DENY : SQLITE_OK;
}

/* The shifts cannot be read: the store's error, not a refusal. */
static void test_offer_store_error(void **state)
{
    struct fixture *f = *state;
    char one[120];
    snprintf(one, sizeof(one), "[\"%s\"]", f->shift);
    struct staffing_offer o = offer(f, one, 1);
    struct proto_error err = {0};
    json_t *p = NULL;
    sqlite3 *db = sqlite3_db_handle(store_stmt(f->m.store, "SELECT 1"));
    assert_int_equal(store_begin(f->m.store), 0);
    assert_int_equal(sqlite3_set_authorizer(db, deny_shifts, NULL), SQLITE_OK);
    int rc = staffing_offer_add(&f->m, &f->ob, &o, &err, &p);
    assert_int_equal(sqlite3_set_authorizer(db, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_rollback(f->m.store), 0);
    assert_true(rc < 0);
    assert_null(err.code);
    assert_null(p);
    json_decref(o.shifts);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char db[300];
    if (!f || !mkdtemp(dir))
        return -1;
    snprintf(db, sizeof(db), "%s/muster.db", dir);
    f->cfg.plans_dir = plans_dir;
    f->cfg.db_path = db;
    f->m.cfg = &f->cfg;
    struct plan_errors errs = {0};
    if (planset_load_dir(plans_dir, &f->m.plans, &errs) != 0 || store_open(db, &f->m.store) != 0 ||
        frozen_open(&f->m.frozen) != 0)
        return -1;
    stand_up(f);
    pick_shifts(f);
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
        cmocka_unit_test(test_offer_recorded),
        cmocka_unit_test(test_offer_refused),
        cmocka_unit_test(test_offer_store_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
