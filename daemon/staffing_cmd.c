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

/* pledge.offer: an agency offers staff (see staffing_offer_add). */
static int cmd_offer(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    struct staffing_offer o = {.incident = &inc, .by = c->actor, .now = c->now};
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        pledge_agency(c, &o.agency) || staffing_offer_args(c->args, &o, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    int rc = staffing_offer_add(c->m, c->outbox, &o, &c->err, &c->result);
    if (rc != 0)
        return rc == STAFFING_REFUSED ? -1 : dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "%s pledge %lld", inc.ref,
             (long long)json_integer_value(json_object_get(c->result, "id")));
    return 0;
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
                          json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "agency",
                                    p.agency, "role", p.role, "state", mv->to, "by", c->actor),
                          c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    outbox_log(c->outbox, "staffing: %s: pledge %lld of agency %s (%lld %s) %s", p.ref,
               (long long)id, p.agency, (long long)p.count, p.role, mv->to);
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

static const char SQL_CELLS[] =
    "SELECT s.key, c.role, c.required, c.pledged, c.accepted, c.arrived FROM coverage c"
    " JOIN shifts s ON s.id = c.shift_id WHERE s.incident_id = ?1 ORDER BY s.starts_at, c.role";
static const char SQL_ASKS[] =
    "SELECT s.key, a.role, a.agency_id, a.state, a.short, a.created_at, a.id FROM asks a"
    " JOIN shifts s ON s.id = a.shift_id WHERE a.incident_id = ?1 ORDER BY a.id";

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
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:I}", "id",
                     (json_int_t)sqlite3_column_int64(s, 6), "shift", store_col_text(s, 0), "role",
                     store_col_text(s, 1), "agency", store_col_text(s, 2), "state",
                     store_col_text(s, 3), "short", sqlite3_column_int(s, 4), "created_at",
                     (json_int_t)sqlite3_column_int64(s, 5));
}

/* Staff short (summed over the cells) and shifts short, of the shifts
 * that have not ended. */
static const char SQL_SHORT_TOTAL[] =
    "SELECT COALESCE(SUM(c.required - c.pledged), 0), COUNT(DISTINCT s.id) FROM coverage c"
    " JOIN shifts s ON s.id = c.shift_id WHERE s.incident_id = ?1 AND s.ends_at > ?2"
    " AND c.required > c.pledged";

/* Each shift's state at now ("ended", "running", "planned"), and the
 * totals short, into r.  0 or -errno. */
static int show_summary(struct cmd_ctx *c, int64_t incident_id, json_t *shifts, json_t *r)
{
    json_t *sh;
    size_t i;
    json_array_foreach(shifts, i, sh)
    {
        int64_t starts = json_integer_value(json_object_get(sh, "starts_at"));
        int64_t ends = json_integer_value(json_object_get(sh, "ends_at"));
        json_object_set_new(sh, "state",
                            json_string(ends <= c->now     ? "ended"
                                        : starts <= c->now ? "running"
                                                           : "planned"));
    }
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SHORT_TOTAL);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, c->now);
    int rc = store_step(s);
    if (rc > 0) {
        json_object_set_new(r, "short", json_integer(sqlite3_column_int64(s, 0)));
        json_object_set_new(r, "shifts_short", json_integer(sqlite3_column_int64(s, 1)));
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : rc == 0 ? -EIO : 0;
}

static int cmd_show(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    json_t *shifts = NULL, *cells = NULL, *asks = NULL;
    int rc = staffing_shifts(c->m, inc.id, &shifts);
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
    rc = c->result ? show_summary(c, inc.id, shifts, c->result) : -ENOMEM;
    if (rc == 0)
        return 0;
    json_decref(c->result);
    c->result = NULL;
    return dispatch_storage_fail(c, rc);
}

static const char *const offer_args_list[] = {"incident", "agency", "role", "count",
                                              "shifts",   "names",  "note", NULL};
static const char *const move_args[] = {"id", "note", NULL};
static const char *const incident_args[] = {"incident", NULL};

const struct command staffing_commands[] = {
    {.name = "pledge.offer", .fn = cmd_offer, .args = offer_args_list, .flags = CMD_MUTATING},
    {.name = "pledge.accept", .fn = cmd_accept, .args = move_args, .flags = CMD_MUTATING},
    {.name = "pledge.decline", .fn = cmd_decline, .args = move_args, .flags = CMD_MUTATING},
    {.name = "pledge.arrive", .fn = cmd_arrive, .args = move_args, .flags = CMD_MUTATING},
    {.name = "pledge.withdraw", .fn = cmd_withdraw, .args = move_args, .flags = CMD_MUTATING},
    {.name = "pledge.list", .fn = cmd_list, .args = incident_args},
    {.name = "staffing.show", .fn = cmd_show, .args = incident_args},
    {.name = NULL},
};
