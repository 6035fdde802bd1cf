/*
 * daemon/incident_cmd.c - the incident commands: standup, standdown, close,
 * list, show (table: incident_commands).
 *
 * An incident row holds the plan source it was stood up from, its digest
 * and a JSON rendering, so reloading or editing plans never changes a
 * running incident: everything about it is read from its own frozen copy,
 * typed (frozen.h).  The JSON is for display only; the values SQL needs
 * (ask_lead_ms, retention_days) are columns written here.
 */
#include "incident.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "board.h"
#include "persons.h"
#include "selfreg.h"
#include "report.h"
#include "dispatch.h"
#include "frozen.h"
#include "outbox.h"
#include "paging.h"
#include "staffing.h"
#include "plan.h"
#include "server.h"
#include "sitrep_period.h"
#include "store.h"

static const char SQL_ACTIVE_OP[] = "SELECT ref FROM incidents WHERE state = 'active'"
                                    " AND plan_id = ?1 AND operation = ?2 AND exercise = ?3";
static const char SQL_COUNT_REFS[] = "SELECT COUNT(*) FROM incidents WHERE ref LIKE ?1";

/* The next reference for plan p in the current year. */
static int next_ref(struct cmd_ctx *c, const struct plan *p, int exercise, char *ref, size_t len)
{
    time_t secs = (time_t)(c->now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char pattern[64];
    incident_ref_format(pattern, sizeof(pattern), p->ref_prefix, exercise, tm.tm_year + 1900, 0);
    strcpy(strrchr(pattern, '-') + 1, "%");
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_COUNT_REFS);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, pattern, -1, SQLITE_TRANSIENT);
    int rc = store_step(s);
    if (rc <= 0) {
        sqlite3_reset(s);
        return rc ? rc : -EIO;
    }
    incident_ref_format(ref, len, p->ref_prefix, exercise, tm.tm_year + 1900,
                        sqlite3_column_int64(s, 0) + 1);
    sqlite3_reset(s);
    return 0;
}

static int refuse_duplicate(struct cmd_ctx *c, const char *plan_id, const char *operation,
                            bool exercise)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_ACTIVE_OP);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_text(s, 1, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, operation, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, exercise);
    int step = store_step(s), rc = 0;
    if (step > 0)
        rc = proto_fail(&c->err, ERR_CONFLICT,
                        "operation \"%s\" is already stood up on plan %s as %s", operation, plan_id,
                        store_col_text(s, 0));
    sqlite3_reset(s);
    return step < 0 ? dispatch_storage_fail(c, step) : rc;
}

struct standup {
    const char *plan_id, *operation, *note;
    int64_t level;
    bool exercise;
    const struct plan *plan;
};

static int standup_args(struct cmd_ctx *c, struct standup *su)
{
    if (proto_arg_str(c->args, "plan", true, 40, &su->plan_id, &c->err) ||
        proto_arg_int(c->args, "level", true, 1, 9, &su->level, &c->err) ||
        proto_arg_bool(c->args, "exercise", true, &su->exercise, &c->err) ||
        proto_arg_str(c->args, "operation", true, 64, &su->operation, &c->err) ||
        proto_arg_text(c->args, "note", false, 2000, &su->note, &c->err))
        return -1;
    su->plan = c->m->plans ? planset_find(c->m->plans, su->plan_id) : NULL;
    if (!su->plan)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no plan \"%s\" is loaded", su->plan_id);
    if (!plan_level_find(su->plan, (int)su->level))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "plan %s has no level %lld", su->plan_id,
                          (long long)su->level);
    return refuse_duplicate(c, su->plan_id, su->operation, su->exercise);
}

static const char SQL_INSERT[] =
    "INSERT INTO incidents (ref, plan_id, plan_version, plan_digest, level, exercise, operation,"
    " note, state, created_at, created_by, ask_lead_ms, retention_days) VALUES (?1, ?2, ?3, ?4,"
    " ?5, ?6, ?7, ?8, 'active', ?9, ?10, ?11, ?12)";
static const char SQL_INSERT_PLAN[] =
    "INSERT INTO incident_plans (incident_id, plan_source, plan_json) VALUES (?1, ?2, ?3)";

/* The stood-up incident's plan text and JSON copy, beside its row. */
static int standup_insert_plan(struct cmd_ctx *c, const struct standup *su, int64_t id,
                               const char *plan_json)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_INSERT_PLAN);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, su->plan->source, (int)su->plan->source_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, plan_json, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

static int standup_insert(struct cmd_ctx *c, const struct standup *su, const char *ref, int64_t *id)
{
    const char *digest = su->plan->source_digest; /* made when the plan loaded */
    const char *plan_json = planset_plan_json(c->m->plans, su->plan); /* made once a plan */
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_INSERT);
    int rc = (s && plan_json) ? 0 : -ENOMEM;
    store_generation_bump(c->m->store); /* a new incident's plan (frozen.c) */
    if (rc == 0) {
        sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, su->plan->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, su->plan->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, su->level);
        sqlite3_bind_int(s, 6, su->exercise);
        sqlite3_bind_text(s, 7, su->operation, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, su->note, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 9, c->now);
        sqlite3_bind_text(s, 10, c->actor, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 11, su->plan->staffing.ask_lead_ms);
        sqlite3_bind_int(s, 12, su->plan->retention_days);
        rc = store_exec_stmt(s);
        *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    }
    if (rc == 0)
        rc = standup_insert_plan(c, su, *id, plan_json);
    return rc;
}

static int cmd_standup(struct cmd_ctx *c)
{
    struct standup su = {0};
    if (standup_args(c, &su) != 0)
        return -1;
    char ref[INCIDENT_REF_MAX] = "";
    int64_t id = 0;
    int rc = next_ref(c, su.plan, su.exercise, ref, sizeof(ref));
    if (rc == 0)
        rc = standup_insert(c, &su, ref, &id);
    if (rc == 0)
        rc = paging_incident_start(c->m, c->outbox, id, su.plan, (int)su.level, c->now);
    if (rc == 0)
        rc = staffing_incident_start(c->m, c->outbox, id, su.plan, (int)su.level, c->now);
    snprintf(c->target, sizeof(c->target), "%s", ref);
    size_t activated = plan_agencies_at_level(su.plan, (int)su.level);
    json_t *data = json_pack("{s:s, s:s, s:I, s:b, s:s, s:I}", "ref", ref, "plan", su.plan->id,
                             "level", (json_int_t)su.level, "exercise", su.exercise, "operation",
                             su.operation, "agencies", (json_int_t)activated);
    if (rc == 0) {
        board_put(c->outbox, "incident", board_incident(c->m, id));
        json_t *event = json_deep_copy(data);
        json_object_set_new(event, "by", json_string(c->actor));
        rc = outbox_event(c->m, c->outbox, id, ref, "incident.standup", event, c->now);
    }
    if (rc == 0)
        rc = paging_incident_first(c->m, c->outbox, id, c->now);
    if (rc == 0)
        rc = sitrep_period_after_commit(c->m, c->outbox); /* its first period's end */
    if (rc != 0) {
        json_decref(data);
        return dispatch_storage_fail(c, rc);
    }
    outbox_log(c->outbox, "incident: %s stood up%s: plan %s version %s, level %lld, %zu agencies",
               ref, su.exercise ? " (EXERCISE)" : "", su.plan->id, su.plan->version,
               (long long)su.level, activated);
    json_object_set_new(data, "state", json_string("active"));
    json_object_set_new(data, "created_at", json_integer(c->now));
    c->result = data;
    return 0;
}

static const char SQL_STANDDOWN[] =
    "UPDATE incidents SET state = 'stood_down', stood_down_at = ?2, stood_down_by = ?3,"
    " standdown_note = ?4 WHERE ref = ?1 AND state = 'active' RETURNING id";

/* Why incident ref was not stood down: it is not there, or it already was. */
static int standdown_missing(struct cmd_ctx *c, const char *ref)
{
    struct incident inc;
    if (dispatch_incident(c, ref, &inc) != 0)
        return -1;
    return proto_fail(&c->err, ERR_CONFLICT, "incident %s is already stood down", ref);
}

static int cmd_standdown(struct cmd_ctx *c)
{
    const char *ref = NULL, *note = NULL;
    if (proto_arg_str(c->args, "ref", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err))
        return -1;
    snprintf(c->target, sizeof(c->target), "%s", ref);
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_STANDDOWN);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, c->now);
    sqlite3_bind_text(s, 3, c->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
    int rc = store_step(s);
    int64_t id = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (id == 0)
        return standdown_missing(c, ref);
    rc = paging_incident_stop(c->m, c->outbox, id, c->now);
    if (rc == 0)
        rc = staffing_incident_stop(c->m, c->outbox, id, c->now);
    if (rc == 0)
        board_put(c->outbox, "incident", board_incident(c->m, id));
    if (rc == 0)
        rc = report_after_commit(c->m, c->outbox, id);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, id, ref, "incident.standdown",
                          json_pack("{s:s, s:s, s:s?}", "ref", ref, "by", c->actor, "note", note),
                          c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    outbox_log(c->outbox, "incident: %s stood down: paging and staffing ended", ref);
    char dir[4096];
    report_dir_path(c->m, ref, dir, sizeof(dir));
    c->result = json_pack("{s:s, s:s, s:I, s:s}", "ref", ref, "state", "stood_down",
                          "stood_down_at", (json_int_t)c->now, "report", dir);
    return 0;
}

/* ---- close: the end of the recovery phase ---- */

struct close_args {
    const char *ref, *reason;
    bool force;
    struct incident inc;
};

/* The arguments, and an incident that may be closed; or -1 with c->err. */
static int close_check(struct cmd_ctx *c, struct close_args *a)
{
    if (proto_arg_str(c->args, "ref", true, INCIDENT_REF_MAX, &a->ref, &c->err) ||
        proto_arg_bool(c->args, "force", false, &a->force, &c->err) ||
        proto_arg_text(c->args, "reason", false, 2000, &a->reason, &c->err))
        return -1;
    snprintf(c->target, sizeof(c->target), "%s", a->ref);
    if (a->force && !a->reason)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"force\" needs a \"reason\"");
    if (dispatch_incident(c, a->ref, &a->inc) != 0)
        return -1;
    if (a->inc.closed)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is already closed", a->ref);
    if (a->inc.active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is active: stand it down first",
                          a->ref);
    int64_t open = 0;
    int rc = persons_open_referrals(c->m, a->inc.id, &open);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (open > 0 && !a->force)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "incident %s has %lld open referrals: close them, or close the "
                          "incident with \"force\" and a \"reason\"",
                          a->ref, (long long)open);
    return 0;
}

static int cmd_close(struct cmd_ctx *c)
{
    struct close_args a = {0};
    if (close_check(c, &a) != 0)
        return -1;
    int64_t closed = 0, id = a.inc.id;
    int rc = incident_set_closed(c->m->store, id, c->now, c->actor, a.reason);
    rc = rc < 0 ? rc : rc == 0 ? -EAGAIN : 0; /* checked above, in this transaction */
    if (rc == 0)
        rc = persons_incident_close(c->m, c->outbox, id, c->now, &closed);
    if (rc == 0) { /* the public page goes with the close */
        int was = selfreg_unpublish(c->m, id, c->now);
        rc = was < 0 ? was : 0;
    }
    if (rc == 0)
        board_put(c->outbox, "incident", board_incident(c->m, id));
    if (rc == 0)
        rc = report_after_commit(c->m, c->outbox, id); /* with the recovery's outcome */
    if (rc == 0)
        rc = persons_check_after_commit(c->m, c->outbox); /* the retention clock starts */
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, id, a.ref, "incident.closed",
                          json_pack("{s:s, s:s, s:s?, s:b, s:I}", "ref", a.ref, "by", c->actor,
                                    "reason", a.reason, "forced", a.force, "referrals_closed",
                                    (json_int_t)closed),
                          c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    outbox_log(c->outbox, "incident: %s closed%s: %lld referrals closed", a.ref,
               a.force ? " (forced)" : "", (long long)closed);
    c->result = json_pack("{s:s, s:s, s:I, s:I}", "ref", a.ref, "state", "closed", "closed_at",
                          (json_int_t)c->now, "referrals_closed", (json_int_t)closed);
    return 0;
}

/* ---- list and show ---- */

static const char SQL_LIST[] =
    "SELECT ref, plan_id, level, exercise, operation, " INCIDENT_STATE_SQL ", created_at,"
    " stood_down_at, closed_at FROM incidents WHERE ?1 = 'all' OR " INCIDENT_STATE_SQL " = ?1"
    " ORDER BY id DESC LIMIT ?2";

static json_t *list_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:s, s:i, s:b, s:s, s:s, s:I, s:o, s:o}", "ref", store_col_text(s, 0),
                     "plan", store_col_text(s, 1), "level", sqlite3_column_int(s, 2), "exercise",
                     sqlite3_column_int(s, 3), "operation", store_col_text(s, 4), "state",
                     store_col_text(s, 5), "created_at", (json_int_t)sqlite3_column_int64(s, 6),
                     "stood_down_at", store_col_opt_int(s, 7), "closed_at",
                     store_col_opt_int(s, 8));
}

static int cmd_list(struct cmd_ctx *c)
{
    const char *state = "all";
    int64_t limit = 100;
    if (proto_arg_str(c->args, "state", false, 16, &state, &c->err) ||
        proto_arg_int(c->args, "limit", false, 1, 10000, &limit, &c->err))
        return -1;
    if (strcmp(state, "all") && strcmp(state, "active") && strcmp(state, "stood_down") &&
        strcmp(state, "closed"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"state\" must be \"active\", \"stood_down\", \"closed\" or \"all\"");
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_LIST);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, limit);
    json_t *arr = NULL;
    int rc = store_rows_json(s, list_row, &arr);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:o}", "incidents", arr);
    return 0;
}

/* The agencies of the frozen plan activated at level. */
static json_t *activated_agencies(json_t *plan, int level)
{
    json_t *out = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(plan, "agencies"), i, a)
    {
        if (json_integer_value(json_object_get(a, "activate_level")) <= level)
            json_array_append_new(out, json_pack("{s:O, s:O, s:O}", "id", json_object_get(a, "id"),
                                                 "name", json_object_get(a, "name"), "role",
                                                 json_object_get(a, "role")));
    }
    return out;
}

static json_t *level_name(json_t *plan, int level)
{
    json_t *l;
    size_t i;
    json_array_foreach(json_object_get(plan, "levels"), i, l)
    {
        if (json_integer_value(json_object_get(l, "level")) == level)
            return json_incref(json_object_get(l, "name"));
    }
    return json_null();
}

/* c->result from the incident and its pages: 0, or -errno when the pages
 * cannot be read. */
static int show_json(struct cmd_ctx *c, const struct incident *inc, const struct incident_detail *d,
                     bool with_source)
{
    json_t *pages;
    int rc = paging_incident_pages(c->m, inc->id, authz_agency_id(c->principal), &pages);
    if (rc != 0)
        return rc;
    json_t *plan = json_loads(d->plan_json, 0, NULL);
    json_t *r = json_pack(
        "{s:s, s:{s:s, s:O?, s:s, s:s}, s:i, s:o, s:b, s:s, s:s?, s:s, s:I, s:s, s:o, s:s?, s:s?}",
        "ref", inc->ref, "plan", "id", inc->plan_id, "name", json_object_get(plan, "name"),
        "version", d->plan_version, "digest", d->plan_digest, "level", inc->level, "level_name",
        level_name(plan, inc->level), "exercise", inc->exercise, "operation", inc->operation,
        "note", d->note, "state", incident_state_name(inc), "created_at",
        (json_int_t)inc->created_at, "created_by", d->created_by, "stood_down_at",
        inc->stood_down_at ? json_integer(inc->stood_down_at) : json_null(), "stood_down_by",
        d->stood_down_by, "standdown_note", d->standdown_note);
    json_object_set_new(r, "closed_at", inc->closed ? json_integer(inc->closed_at) : json_null());
    json_object_set_new(r, "closed_by", d->closed_by ? json_string(d->closed_by) : json_null());
    json_object_set_new(r, "close_reason",
                        d->close_reason ? json_string(d->close_reason) : json_null());
    json_object_set_new(r, "plan_version", json_integer(inc->plan_rev));
    json_object_set_new(r, "agencies", activated_agencies(plan, inc->level));
    const struct plan *fp = frozen_plan(c->m, inc->id);
    json_object_set_new(r, "import", fp ? plan_import_to_json(&fp->import) : json_null());
    if (with_source)
        json_object_set_new(r, "plan_source", json_string(d->plan_source));
    json_object_set_new(r, "pages", pages);
    json_decref(plan);
    c->result = r;
    return 0;
}

/* Version n of the incident's plan into c->result as "shown_version":
 * 0, or -1 with c->err (NOT_FOUND, or the store's UNAVAILABLE). */
static int show_version(struct cmd_ctx *c, const struct incident *inc, int64_t n, bool with_source)
{
    json_t *v = NULL;
    int rc = incident_plan_version(c->m->store, inc->id, (int)n, with_source, &v);
    if (rc <= 0) {
        json_decref(c->result);
        c->result = NULL;
    }
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND,
                          "incident %s has no plan version %lld (%d in force)", inc->ref,
                          (long long)n, inc->plan_rev);
    json_object_set_new(c->result, "shown_version", v);
    return 0;
}

static int cmd_show(struct cmd_ctx *c)
{
    const char *ref = NULL;
    bool with_source = false;
    int64_t version = 0;
    if (proto_arg_str(c->args, "ref", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_bool(c->args, "plan_source", false, &with_source, &c->err) ||
        proto_arg_int(c->args, "plan_version", false, 1, 100000, &version, &c->err))
        return -1;
    enum authz_role role = authz_role_of(c->principal);
    if ((with_source || version) && role != ROLE_GOLD && role != ROLE_DUTY)
        return proto_fail(&c->err, ERR_FORBIDDEN,
                          "the plan %s every agency's contacts: gold and duty only",
                          with_source ? "source holds" : "version holds");
    struct incident inc;
    struct incident_detail d;
    if (dispatch_incident(c, ref, &inc) != 0)
        return -1;
    int rc = incident_detail_get(c->m->store, inc.id, &d);
    if (rc <= 0)
        return dispatch_storage_fail(c, rc ? rc : -ENOENT);
    rc = show_json(c, &inc, &d, with_source);
    incident_detail_free(&d);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    return version ? show_version(c, &inc, version, with_source) : 0;
}

static const char *const standup_args_list[] = {"plan",      "level", "exercise",
                                                "operation", "note",  NULL};
static const char *const standdown_args_list[] = {"ref", "note", NULL};
static const char *const close_args_list[] = {"ref", "force", "reason", NULL};
static const char *const list_args_list[] = {"state", "limit", NULL};
static const char *const show_args_list[] = {"ref", "plan_source", "plan_version", NULL};

const struct command incident_commands[] = {
    {.name = "incident.standup",
     .fn = cmd_standup,
     .args = standup_args_list,
     .flags = CMD_MUTATING},
    {.name = "incident.standdown",
     .fn = cmd_standdown,
     .args = standdown_args_list,
     .flags = CMD_MUTATING},
    {.name = "incident.close", .fn = cmd_close, .args = close_args_list, .flags = CMD_MUTATING},
    {.name = "incident.list", .fn = cmd_list, .args = list_args_list},
    {.name = "incident.show", .fn = cmd_show, .args = show_args_list},
    {.name = NULL},
};
