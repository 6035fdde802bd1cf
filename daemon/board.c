/*
 * daemon/board.c - the board's keys and snapshot (see board.h).
 */
#include "board.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "frozen.h"
#include "outbox.h"
#include "plan.h"
#include "server.h"
#include "store.h"

static const char *col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

static json_t *opt_int(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
                                                    : json_integer(sqlite3_column_int64(s, i));
}

void board_put(struct outbox *ob, const char *key, json_t *value)
{
    if (!ob->board)
        ob->board = json_object();
    json_object_set_new(ob->board, key, value ? value : json_null());
}

static const char SQL_ADD[] =
    "INSERT INTO board (incident_id, key, value) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (incident_id, key) DO UPDATE SET value = value + ?3 RETURNING value";

int board_add(struct muster *m, struct outbox *ob, int64_t incident_id, const char *key, int delta)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, delta);
    int rc = sqlite3_step(s);
    int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    rc = sql_errno(sqlite3_reset(s));
    if (rc == 0)
        board_put(ob, key, json_integer(value));
    return rc;
}

static const char SQL_AGENCY[] =
    "SELECT state, (SELECT MAX(step) + 1 FROM attempts a WHERE a.page_id = p.id), acked_by,"
    " acked_at FROM pages p WHERE incident_id = ?1 AND agency_id = ?2 AND ask_id IS NULL";

static json_t *agency_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:o, s:o, s:o}", "state", col(s, 0), "step", opt_int(s, 1),
                     "acknowledged_by", col(s, 2) ? json_string(col(s, 2)) : json_null(),
                     "acknowledged_at", opt_int(s, 3));
}

json_t *board_agency(struct muster *m, int64_t incident_id, const char *agency)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_AGENCY);
    json_t *v = NULL;
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, agency, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = agency_row(s);
    sqlite3_reset(s);
    return v;
}

static const char SQL_INCIDENT[] =
    "SELECT ref, plan_id, level, exercise, operation, state, created_at, stood_down_at"
    " FROM incidents WHERE id = ?1";

/* The name of a level in the incident's frozen plan (borrowed), or NULL. */
static const char *level_name(struct muster *m, int64_t incident_id, int level)
{
    const struct plan *plan = frozen_plan(m, incident_id);
    const struct plan_level *l = plan ? plan_level_find(plan, level) : NULL;
    return l ? l->name : NULL;
}

json_t *board_incident(struct muster *m, int64_t incident_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_INCIDENT);
    json_t *v = NULL;
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, incident_id);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = json_pack("{s:s, s:s, s:i, s:s?, s:b, s:s, s:s, s:I, s:o}", "ref", col(s, 0), "plan",
                      col(s, 1), "level", sqlite3_column_int(s, 2), "level_name",
                      level_name(m, incident_id, sqlite3_column_int(s, 2)), "exercise",
                      sqlite3_column_int(s, 3), "operation", col(s, 4), "state", col(s, 5),
                      "created_at", (json_int_t)sqlite3_column_int64(s, 6), "stood_down_at",
                      opt_int(s, 7));
    sqlite3_reset(s);
    return v;
}

static const char SQL_AGENCIES[] =
    "SELECT state, (SELECT MAX(step) + 1 FROM attempts a WHERE a.page_id = p.id), acked_by,"
    " acked_at, agency_id FROM pages p WHERE incident_id = ?1 AND ask_id IS NULL";
static const char SQL_CELLS[] =
    "SELECT s.key, c.role, c.required, c.pledged, c.accepted, c.arrived FROM coverage c"
    " JOIN shifts s ON s.id = c.shift_id WHERE s.incident_id = ?1";
static const char SQL_COUNTERS[] = "SELECT key, value FROM board WHERE incident_id = ?1";

json_t *board_cell(int required, int pledged, int accepted, int arrived)
{
    return json_pack("{s:i, s:i, s:i, s:i}", "required", required, "pledged", pledged, "accepted",
                     accepted, "arrived", arrived);
}

static void snapshot_rows(struct muster *m, json_t *board, const char *sql, int64_t id, int kind)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    char key[160];
    if (!s)
        return;
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (kind == 0) {
            snprintf(key, sizeof(key), "agency/%s", col(s, 4));
            json_object_set_new(board, key, agency_row(s));
        } else if (kind == 1) {
            snprintf(key, sizeof(key), "cell/%s/%s", col(s, 0), col(s, 1));
            json_object_set_new(board, key,
                                board_cell(sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
                                           sqlite3_column_int(s, 4), sqlite3_column_int(s, 5)));
        } else {
            json_object_set_new(board, col(s, 0), json_integer(sqlite3_column_int64(s, 1)));
        }
    }
    sqlite3_reset(s);
}

json_t *board_snapshot(struct muster *m, int64_t incident_id)
{
    json_t *board = json_object();
    json_object_set_new(board, "incident", board_incident(m, incident_id));
    snapshot_rows(m, board, SQL_AGENCIES, incident_id, 0);
    snapshot_rows(m, board, SQL_CELLS, incident_id, 1);
    snapshot_rows(m, board, SQL_COUNTERS, incident_id, 2);
    return board;
}

/* ---- status.show: the snapshot ---- */

static const char SQL_LATEST[] =
    "SELECT id FROM incidents ORDER BY state = 'active' DESC, id DESC LIMIT 1";
static const char SQL_BY_REF[] = "SELECT id FROM incidents WHERE ref = ?1";
static const char SQL_META_SHIFTS[] =
    "SELECT key, name, starts_at, ends_at FROM shifts WHERE incident_id = ?1 ORDER BY starts_at";
static const char SQL_META_AGENCIES[] =
    "SELECT agency_id FROM pages WHERE incident_id = ?1 AND ask_id IS NULL ORDER BY id";

static json_t *meta_shifts(struct muster *m, int64_t id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_META_SHIFTS);
    json_t *arr = json_array();
    if (!s)
        return arr;
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:I, s:I}", "key", col(s, 0), "name", col(s, 1),
                                        "starts_at", (json_int_t)sqlite3_column_int64(s, 2),
                                        "ends_at", (json_int_t)sqlite3_column_int64(s, 3)));
    sqlite3_reset(s);
    return arr;
}

/* The paged agencies of incident id with their names from its frozen plan
 * (a name is looked up in the typed plan: the stored JSON is never walked
 * per agency). */
static json_t *meta_agencies(struct muster *m, int64_t id)
{
    const struct plan *plan = frozen_plan(m, id);
    sqlite3_stmt *s = store_stmt(m->store, SQL_META_AGENCIES);
    json_t *arr = json_array();
    if (!s)
        return arr;
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *agency = col(s, 0), *name = NULL;
        for (size_t i = 0; plan && !name && i < plan->nagencies; i++)
            if (!strcmp(plan->agencies[i].id, agency))
                name = plan->agencies[i].name;
        json_array_append_new(arr, json_pack("{s:s, s:s?}", "id", agency, "name", name));
    }
    sqlite3_reset(s);
    return arr;
}

/* The staffing roles of a frozen plan: [{"id", "name"}] (empty without). */
static json_t *meta_roles(const struct plan *plan)
{
    json_t *arr = json_array();
    for (size_t i = 0; plan && i < plan->staffing.nroles; i++) {
        const struct plan_role *r = &plan->staffing.roles[i];
        json_array_append_new(arr, json_pack("{s:s, s:s}", "id", r->id, "name", r->name));
    }
    return arr;
}

/* The pathways of a frozen plan: [{"id", "name", "capacity", "provider"}]. */
static json_t *meta_pathways(const struct plan *plan)
{
    json_t *arr = json_array();
    for (size_t i = 0; plan && i < plan->persons.npathways; i++) {
        const struct plan_pathway *pw = &plan->persons.pathways[i];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s}", "id", pw->id, "name", pw->name,
                                             "capacity", pw->capacity, "provider", pw->provider));
    }
    return arr;
}

/* What a board needs besides the keys: names, capacities, shifts. */
static json_t *board_meta(struct muster *m, int64_t id)
{
    const struct plan *plan = frozen_plan(m, id);
    json_t *meta = json_object();
    json_object_set_new(meta, "roles", meta_roles(plan));
    json_object_set_new(meta, "pathways", meta_pathways(plan));
    json_object_set_new(meta, "shifts", meta_shifts(m, id));
    json_object_set_new(meta, "agencies", meta_agencies(m, id));
    return meta;
}

static int64_t incident_id_of(struct muster *m, const char *ref)
{
    sqlite3_stmt *s = store_stmt(m->store, ref ? SQL_BY_REF : SQL_LATEST);
    int64_t id = 0;
    if (!s)
        return 0;
    if (ref)
        sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return id;
}

static int cmd_status(struct cmd_ctx *c)
{
    const char *ref = NULL;
    if (proto_arg_str(c->args, "incident", false, 32, &ref, &c->err))
        return -1;
    int64_t id = incident_id_of(c->m, ref);
    if (!id)
        return proto_fail(&c->err, ERR_NOT_FOUND, ref ? "no incident %s" : "no incidents%s",
                          ref ? ref : "");
    json_t *board = board_snapshot(c->m, id);
    c->result = json_pack("{s:O, s:I, s:o, s:o}", "incident",
                          json_object_get(json_object_get(board, "incident"), "ref"), "seq",
                          (json_int_t)store_event_last_seq(c->m->store), "board", board, "meta",
                          board_meta(c->m, id));
    return 0;
}

static const char *const status_args[] = {"incident", NULL};

const struct command board_commands[] = {
    {"status.show", cmd_status, false, status_args, false},
    {NULL, NULL, false, NULL, false},
};
