/*
 * daemon/staffing_cmd.c - the staffing commands: agencies pledge staff by
 * role and shift (only for themselves), duty managers accept, decline and
 * check staff in, and anyone may see the coverage grid.
 *
 * A pledge moves offered -> accepted | declined | withdrawn, then
 * accepted -> arrived | withdrawn | declined.  Each move adds or takes its
 * count on the ledger rows of its shifts (see staffing.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "dispatch.h"
#include "frozen.h"
#include "plan.h"
#include "incident.h"
#include "outbox.h"
#include "server.h"
#include "staffing.h"
#include "store.h"

/* The agency a pledge is for: the caller's own, or (for the duty
 * manager) the one named. */
static int pledge_agency(struct cmd_ctx *c, const char **agency)
{
    const char *named = NULL, *me = authz_agency_id(c->principal);
    if (proto_arg_str(c->args, "agency", false, 40, &named, &c->err))
        return -1;
    if (me && named && strcmp(me, named))
        return proto_fail(&c->err, ERR_FORBIDDEN, "agency %s may not pledge for %s", me, named);
    if (!me && !named)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "say which agency the pledge is from");
    *agency = me ? me : named;
    return 0;
}

struct offer {
    const char *role, *agency, *note;
    int64_t count;
    json_t *shifts, *names;
    int64_t shift_ids[64];
    size_t nshifts;
};

static const char SQL_SHIFT_ID[] =
    "SELECT id, ends_at FROM shifts WHERE incident_id = ?1 AND key = ?2";

/* Shift key of an incident: 1 with its id and end, 0 when there is no
 * such shift, or -errno. */
static int shift_find(struct cmd_ctx *c, int64_t incident_id, const char *key, int64_t *id,
                      int64_t *ends)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SHIFT_ID);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        *id = sqlite3_column_int64(s, 0);
        *ends = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc;
}

static int offer_shifts(struct cmd_ctx *c, struct incident *inc, struct offer *o)
{
    size_t n = json_array_size(o->shifts);
    if (!json_is_array(o->shifts) || n == 0 || n > 64)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"shifts\" must list 1 to 64 shifts");
    for (size_t i = 0; i < n; i++) {
        const char *key = json_string_value(json_array_get(o->shifts, i));
        if (!key)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT, "each shift must be a string");
        int64_t id = 0, ends = 0;
        int found = shift_find(c, inc->id, key, &id, &ends);
        if (found < 0)
            return dispatch_storage_fail(c, found);
        if (!found)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "no shift \"%s\" in incident %s (see muster staffing)", key,
                              inc->ref);
        if (ends <= c->now)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT, "shift \"%s\" has ended", key);
        for (size_t j = 0; j < i; j++)
            if (o->shift_ids[j] == id)
                return proto_fail(&c->err, ERR_BAD_ARGUMENT, "shift \"%s\" is listed twice", key);
        o->shift_ids[o->nshifts++] = id;
    }
    return 0;
}

static bool role_known(const struct plan *p, const char *role)
{
    for (size_t i = 0; p && i < p->staffing.nroles; i++)
        if (!strcmp(p->staffing.roles[i].id, role))
            return true;
    return false;
}

static bool supplies(const struct plan_agency *a, const char *role)
{
    for (size_t i = 0; i < a->nsupplies; i++)
        if (!strcmp(a->supplies[i], role))
            return true;
    return false;
}

static int offer_check(struct cmd_ctx *c, struct incident *inc, struct offer *o)
{
    /* the typed frozen plan is cached; parsing the plan's JSON on every
     * pledge was most of a pledge storm's time */
    const struct plan *p = frozen_plan(c->m, inc->id);
    if (!inc->active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", inc->ref);
    if (!role_known(p, o->role))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "no role \"%s\" in the plan of %s", o->role,
                          inc->ref);
    const struct plan_agency *agency = plan_agency_find(p, o->agency);
    if (!agency)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no agency \"%s\" in the plan of %s", o->agency,
                          inc->ref);
    if (!supplies(agency, o->role))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "agency %s does not supply %s in the plan",
                          o->agency, o->role);
    size_t nn = json_array_size(o->names);
    if (o->names && (!json_is_array(o->names) || nn > (size_t)o->count))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"names\" must list at most %lld names",
                          (long long)o->count);
    for (size_t i = 0; i < nn; i++) {
        const char *name = json_string_value(json_array_get(o->names, i));
        if (!name || !*name || strlen(name) > 200)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT, "each name must be 1 to 200 characters");
        if (proto_control_char(name, strlen(name), false) >= 0)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "\"names\" must not contain control characters");
    }
    return offer_shifts(c, inc, o);
}

static const char SQL_PLEDGE_ADD[] =
    "INSERT INTO pledges (incident_id, agency_id, role, count, names, note, state, created_at,"
    " created_by, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'offered', ?7, ?8,"
    " ?7, ?8)";
static const char SQL_PLEDGE_SHIFT[] =
    "INSERT INTO pledge_shifts (pledge_id, shift_id) VALUES (?1, ?2)";

static int offer_insert(struct cmd_ctx *c, struct incident *inc, struct offer *o, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PLEDGE_ADD);
    if (!s)
        return -EINVAL;
    char *names = o->names ? json_dumps(o->names, JSON_COMPACT) : NULL;
    sqlite3_bind_int64(s, 1, inc->id);
    sqlite3_bind_text(s, 2, o->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, o->role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, o->count);
    sqlite3_bind_text(s, 5, names, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, o->note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, c->now);
    sqlite3_bind_text(s, 8, c->actor, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    free(names);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    for (size_t i = 0; i < o->nshifts && rc == 0; i++) {
        sqlite3_stmt *p = store_stmt(c->m->store, SQL_PLEDGE_SHIFT);
        if (!p)
            return -EINVAL;
        sqlite3_bind_int64(p, 1, *id);
        sqlite3_bind_int64(p, 2, o->shift_ids[i]);
        rc = store_exec_stmt(p);
    }
    return rc;
}

static json_t *pledge_json(int64_t id, const char *ref, const char *agency, const char *role,
                           int64_t count, json_t *shifts, const char *state)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:O, s:s}", "id", (json_int_t)id, "incident", ref,
                     "agency", agency, "role", role, "count", (json_int_t)count, "shifts", shifts,
                     "state", state);
}

/* Record an offer (args already read into o) for incident inc. */
static int offer_record(struct cmd_ctx *c, struct incident *inc, struct offer *o, json_t **out)
{
    if (offer_check(c, inc, o) != 0)
        return -1;
    int64_t id = 0;
    int rc = offer_insert(c, inc, o, &id);
    struct staffing_change ch = {inc->id, inc->ref, id, o->role, (int)o->count, 0, 0, c->now};
    if (rc == 0)
        rc = staffing_ledger_add(c->m, c->outbox, &ch);
    json_t *p = pledge_json(id, inc->ref, o->agency, o->role, o->count, o->shifts, "offered");
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, inc->id, inc->ref, "staffing.pledge", json_deep_copy(p),
                          c->now);
    if (rc != 0) {
        json_decref(p);
        return dispatch_storage_fail(c, rc);
    }
    snprintf(c->target, sizeof(c->target), "%s pledge %lld", inc->ref, (long long)id);
    *out = p;
    return 0;
}

static int offer_args(struct cmd_ctx *c, json_t *args, struct offer *o)
{
    if (proto_arg_str(args, "role", true, 40, &o->role, &c->err) ||
        proto_arg_int(args, "count", true, 1, 1000, &o->count, &c->err) ||
        proto_arg_text(args, "note", false, 2000, &o->note, &c->err))
        return -1;
    o->shifts = json_object_get(args, "shifts");
    o->names = json_object_get(args, "names");
    if (json_is_null(o->shifts))
        o->shifts = NULL;
    if (json_is_null(o->names))
        o->names = NULL;
    if (!o->shifts)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "missing required argument \"shifts\"");
    return 0;
}

static int cmd_offer(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct offer o = {0};
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        pledge_agency(c, &o.agency) || offer_args(c, c->args, &o))
        return -1;
    struct incident inc;
    if (dispatch_incident(c, ref, &inc) != 0)
        return -1;
    return offer_record(c, &inc, &o, &c->result);
}

int staffing_pledge_from_ack(struct cmd_ctx *c, const char *incident_ref, const char *agency,
                             json_t *pledge, json_t *result)
{
    static const char *const known[] = {"role", "count", "shifts", "names", "note", NULL};
    struct offer o = {.agency = agency};
    if (!json_is_object(pledge))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"pledge\" must be an object");
    if (proto_args_known(pledge, known, &c->err) || offer_args(c, pledge, &o))
        return -1;
    struct incident inc;
    if (dispatch_incident(c, incident_ref, &inc) != 0)
        return -1;
    json_t *p = NULL;
    int rc = offer_record(c, &inc, &o, &p);
    if (rc == 0)
        json_object_set_new(result, "pledge", p);
    return rc;
}

/* ---- the pledge lifecycle ---- */

struct move {
    const char *cmd, *from, *to;
    int pledged, accepted, arrived; /* multiplied by the pledge's count */
};

static const struct move moves[] = {
    {"pledge.accept", "offered", "accepted", 0, 1, 0},
    {"pledge.decline", "offered", "declined", -1, 0, 0},
    {"pledge.decline", "accepted", "declined", -1, -1, 0},
    {"pledge.arrive", "accepted", "arrived", 0, 0, 1},
    {"pledge.withdraw", "offered", "withdrawn", -1, 0, 0},
    {"pledge.withdraw", "accepted", "withdrawn", -1, -1, 0},
};

struct pledge_row {
    int64_t id, incident_id, count;
    char ref[INCIDENT_REF_MAX], agency[48], role[48], state[16];
    bool active;
};

static const char SQL_PLEDGE[] =
    "SELECT p.id, p.incident_id, i.ref, p.agency_id, p.role, p.count, p.state, i.state"
    " FROM pledges p JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1";
static const char SQL_PLEDGE_MOVE[] =
    "UPDATE pledges SET state = ?2, updated_at = ?3, updated_by = ?4,"
    " note = COALESCE(?5, note) WHERE id = ?1";

static int pledge_load(struct cmd_ctx *c, int64_t id, struct pledge_row *p)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PLEDGE);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        p->id = id;
        p->incident_id = sqlite3_column_int64(s, 1);
        snprintf(p->ref, sizeof(p->ref), "%s", store_col_text(s, 2));
        snprintf(p->agency, sizeof(p->agency), "%s", store_col_text(s, 3));
        snprintf(p->role, sizeof(p->role), "%s", store_col_text(s, 4));
        p->count = sqlite3_column_int64(s, 5);
        snprintf(p->state, sizeof(p->state), "%s", store_col_text(s, 6));
        p->active = !strcmp(store_col_text(s, 7), "active");
    }
    sqlite3_reset(s);
    /* an agency asking about another agency's pledge learns nothing */
    const char *me = authz_agency_id(c->principal);
    if (rc == 0 || (rc > 0 && me && strcmp(me, p->agency)))
        return proto_fail(&c->err, ERR_NOT_FOUND, "no pledge %lld", (long long)id);
    return rc > 0 ? 0 : dispatch_storage_fail(c, rc);
}

static const struct move *move_find(const char *cmd, const char *from)
{
    for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
        if (!strcmp(moves[i].cmd, cmd) && !strcmp(moves[i].from, from))
            return &moves[i];
    return NULL;
}

static int pledge_move(struct cmd_ctx *c, const char *cmd)
{
    int64_t id = 0;
    const char *note = NULL;
    struct pledge_row p;
    if (proto_arg_int(c->args, "id", true, 1, INT64_MAX, &id, &c->err) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err) || pledge_load(c, id, &p))
        return -1;
    snprintf(c->target, sizeof(c->target), "%s pledge %lld", p.ref, (long long)id);
    const struct move *mv = move_find(cmd, p.state);
    if (!p.active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", p.ref);
    if (!mv)
        return proto_fail(&c->err, ERR_CONFLICT, "pledge %lld is %s", (long long)id, p.state);
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PLEDGE_MOVE);
    int rc = s ? 0 : -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, mv->to, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, c->now);
        sqlite3_bind_text(s, 4, c->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, note, -1, SQLITE_STATIC);
        rc = store_exec_stmt(s);
    }
    int n = (int)p.count;
    struct staffing_change ch = {p.incident_id,    p.ref,           id,    p.role, mv->pledged * n,
                                 mv->accepted * n, mv->arrived * n, c->now};
    if (rc == 0)
        rc = staffing_ledger_add(c->m, c->outbox, &ch);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p.incident_id, p.ref, "staffing.pledge",
                          json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "agency",
                                    p.agency, "role", p.role, "state", mv->to),
                          c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)id, "incident", p.ref,
                          "agency", p.agency, "role", p.role, "count", (json_int_t)p.count, "state",
                          mv->to);
    return 0;
}

static int cmd_accept(struct cmd_ctx *c)
{
    return pledge_move(c, "pledge.accept");
}

static int cmd_decline(struct cmd_ctx *c)
{
    return pledge_move(c, "pledge.decline");
}

static int cmd_arrive(struct cmd_ctx *c)
{
    return pledge_move(c, "pledge.arrive");
}

static int cmd_withdraw(struct cmd_ctx *c)
{
    return pledge_move(c, "pledge.withdraw");
}

/* ---- reading ---- */

static const char SQL_PLEDGES[] =
    "SELECT p.id, p.agency_id, p.role, p.count, p.state, p.names, p.note, p.created_at,"
    " p.updated_at, p.updated_by, (SELECT json_group_array(s.key) FROM pledge_shifts ps"
    " JOIN shifts s ON s.id = ps.shift_id WHERE ps.pledge_id = p.id)"
    " FROM pledges p WHERE p.incident_id = ?1 AND (?2 IS NULL OR p.agency_id = ?2) ORDER BY p.id";

static json_t *pledge_row_json(sqlite3_stmt *s)
{
    json_t *r = json_pack(
        "{s:I, s:s, s:s, s:i, s:s, s:I, s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(s, 0),
        "agency", store_col_text(s, 1), "role", store_col_text(s, 2), "count",
        sqlite3_column_int(s, 3), "state", store_col_text(s, 4), "created_at",
        (json_int_t)sqlite3_column_int64(s, 7), "updated_at",
        (json_int_t)sqlite3_column_int64(s, 8), "updated_by", store_col_text(s, 9));
    json_object_set_new(r, "shifts", json_loads(store_col_text(s, 10), 0, NULL));
    json_object_set_new(r, "names",
                        store_col_text(s, 5) ? json_loads(store_col_text(s, 5), 0, NULL)
                                             : json_array());
    json_object_set_new(r, "note", store_col_opt_text(s, 6));
    return r;
}

static int cmd_list(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PLEDGES);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, inc.id);
    sqlite3_bind_text(s, 2, authz_agency_id(c->principal), -1, SQLITE_STATIC);
    json_t *arr = NULL;
    int rc = store_rows_json(s, pledge_row_json, &arr);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:s, s:o}", "incident", inc.ref, "pledges", arr);
    return 0;
}

static const char SQL_SHIFTS[] =
    "SELECT key, name, starts_at, ends_at FROM shifts WHERE incident_id = ?1 ORDER BY starts_at";
static const char SQL_CELLS[] =
    "SELECT s.key, c.role, c.required, c.pledged, c.accepted, c.arrived FROM coverage c"
    " JOIN shifts s ON s.id = c.shift_id WHERE s.incident_id = ?1 ORDER BY s.starts_at, c.role";
static const char SQL_ASKS[] =
    "SELECT s.key, a.role, a.agency_id, a.state, a.short, a.created_at FROM asks a"
    " JOIN shifts s ON s.id = a.shift_id WHERE a.incident_id = ?1 ORDER BY a.id";

static json_t *shift_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "key", store_col_text(s, 0), "name",
                     store_col_text(s, 1), "starts_at", (json_int_t)sqlite3_column_int64(s, 2),
                     "ends_at", (json_int_t)sqlite3_column_int64(s, 3));
}

static json_t *cell_row(sqlite3_stmt *s)
{
    int required = sqlite3_column_int(s, 2), pledged = sqlite3_column_int(s, 3);
    int gap = required - pledged;
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "shift", store_col_text(s, 0),
                     "role", store_col_text(s, 1), "required", required, "pledged", pledged,
                     "accepted", sqlite3_column_int(s, 4), "arrived", sqlite3_column_int(s, 5),
                     "shortfall", gap > 0 ? gap : 0, "surplus", gap < 0 ? -gap : 0);
}

static json_t *ask_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "shift", store_col_text(s, 0), "role",
                     store_col_text(s, 1), "agency", store_col_text(s, 2), "state",
                     store_col_text(s, 3), "short", sqlite3_column_int(s, 4), "created_at",
                     (json_int_t)sqlite3_column_int64(s, 5));
}

static int cmd_show(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    json_t *shifts = NULL, *cells = NULL, *asks = NULL;
    int rc = store_rows(c->m->store, SQL_SHIFTS, inc.id, shift_row, &shifts);
    if (rc == 0)
        rc = store_rows(c->m->store, SQL_CELLS, inc.id, cell_row, &cells);
    if (rc == 0)
        rc = store_rows(c->m->store, SQL_ASKS, inc.id, ask_row, &asks);
    if (rc != 0) {
        json_decref(shifts);
        json_decref(cells);
        return dispatch_storage_fail(c, rc);
    }
    const struct plan *p = frozen_plan(c->m, inc.id);
    json_t *roles = json_array();
    for (size_t i = 0; p && i < p->staffing.nroles; i++)
        json_array_append_new(roles, json_pack("{s:s, s:s}", "id", p->staffing.roles[i].id, "name",
                                               p->staffing.roles[i].name));
    c->result =
        json_pack("{s:s, s:o, s:o, s:o, s:o}", "incident", inc.ref, "roles",
                  roles ? roles : json_array(), "shifts", shifts, "cells", cells, "asks", asks);
    return 0;
}

static const char *const offer_args_list[] = {"incident", "agency", "role", "count",
                                              "shifts",   "names",  "note", NULL};
static const char *const move_args[] = {"id", "note", NULL};
static const char *const incident_args[] = {"incident", NULL};

const struct command staffing_commands[] = {
    {"pledge.offer", cmd_offer, true, offer_args_list, false},
    {"pledge.accept", cmd_accept, true, move_args, false},
    {"pledge.decline", cmd_decline, true, move_args, false},
    {"pledge.arrive", cmd_arrive, true, move_args, false},
    {"pledge.withdraw", cmd_withdraw, true, move_args, false},
    {"pledge.list", cmd_list, false, incident_args, false},
    {"staffing.show", cmd_show, false, incident_args, false},
    {NULL, NULL, false, NULL, false},
};
