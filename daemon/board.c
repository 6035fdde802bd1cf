/*
 * daemon/board.c - the board's keys and snapshot (see board.h).
 */
#include "board.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alarm.h"
#include "board_counters.h"
#include "frozen.h"
#include "incident.h"
#include "outbox.h"
#include "plan.h"
#include "selfreg.h"
#include "server.h"
#include "staffing.h"
#include "store.h"

void board_put(struct outbox *ob, const char *key, json_t *value)
{
    if (!ob->board)
        ob->board = json_object();
    json_object_set_new(ob->board, key, value ? value : json_null());
}

static const char SQL_AGENCY[] =
    "SELECT state, (SELECT MAX(step) + 1 FROM attempts a WHERE a.page_id = p.id), acked_by,"
    " acked_at FROM pages p WHERE incident_id = ?1 AND agency_id = ?2 AND ask_id IS NULL"
    " AND kind = 'page'";

static json_t *agency_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:o, s:o, s:o}", "state", store_col_text(s, 0), "step",
                     store_col_opt_int(s, 1), "acknowledged_by", store_col_opt_text(s, 2),
                     "acknowledged_at", store_col_opt_int(s, 3));
}

json_t *board_agency_paging(int steps)
{
    return json_pack("{s:s, s:o, s:n, s:n}", "state", "paging", "step",
                     steps > 0 ? json_integer(steps) : json_null(), "acknowledged_by",
                     "acknowledged_at");
}

json_t *board_agency(struct muster *m, int64_t incident_id, const char *agency)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_AGENCY);
    json_t *v = NULL;
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, agency, -1, SQLITE_STATIC);
    if (store_step(s) > 0)
        v = agency_row(s);
    sqlite3_reset(s);
    return v;
}

/* The name of a level in the incident's frozen plan (borrowed), or NULL. */
static const char *level_name(struct muster *m, int64_t incident_id, int level)
{
    const struct plan *plan = frozen_plan(m, incident_id);
    const struct plan_level *l = plan ? plan_level_find(plan, level) : NULL;
    return l ? l->name : NULL;
}

json_t *board_incident_of(struct muster *m, const struct incident *inc)
{
    return json_pack("{s:s, s:s, s:i, s:s?, s:b, s:s, s:s, s:I, s:o, s:o}", "ref", inc->ref, "plan",
                     inc->plan_id, "level", inc->level, "level_name",
                     level_name(m, inc->id, inc->level), "exercise", inc->exercise, "operation",
                     inc->operation, "state", incident_state_name(inc), "created_at",
                     (json_int_t)inc->created_at, "stood_down_at",
                     inc->stood_down_at ? json_integer(inc->stood_down_at) : json_null(),
                     "closed_at", inc->closed ? json_integer(inc->closed_at) : json_null());
}

json_t *board_incident(struct muster *m, int64_t incident_id)
{
    struct incident inc;
    return incident_get(m->store, incident_id, &inc) > 0 ? board_incident_of(m, &inc) : NULL;
}

static const char SQL_AGENCIES[] =
    "SELECT state, (SELECT MAX(step) + 1 FROM attempts a WHERE a.page_id = p.id), acked_by,"
    " acked_at, agency_id FROM pages p WHERE incident_id = ?1 AND ask_id IS NULL AND kind = 'page'";
static const char SQL_CELLS[] =
    "SELECT s.key, c.role, c.required, c.pledged, c.accepted, c.arrived FROM coverage c"
    " JOIN shifts s ON s.id = c.shift_id WHERE s.incident_id = ?1";
static const char SQL_COUNTERS[] = "SELECT key, value FROM board WHERE incident_id = ?1";

json_t *board_cell(int required, int pledged, int accepted, int arrived)
{
    return json_pack("{s:i, s:i, s:i, s:i}", "required", required, "pledged", pledged, "accepted",
                     accepted, "arrived", arrived);
}

static int snapshot_rows(struct muster *m, json_t *board, const char *sql, int64_t id, int kind)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    char key[160];
    int rc;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = store_step(s)) > 0) {
        if (kind == 0) {
            snprintf(key, sizeof(key), "agency/%s", store_col_text(s, 4));
            json_object_set_new(board, key, agency_row(s));
        } else if (kind == 1) {
            snprintf(key, sizeof(key), "cell/%s/%s", store_col_text(s, 0), store_col_text(s, 1));
            json_object_set_new(board, key,
                                board_cell(sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
                                           sqlite3_column_int(s, 4), sqlite3_column_int(s, 5)));
        } else {
            json_object_set_new(board, store_col_text(s, 0),
                                json_integer(sqlite3_column_int64(s, 1)));
        }
    }
    sqlite3_reset(s);
    return rc;
}

int board_snapshot(struct muster *m, int64_t incident_id, json_t **out)
{
    json_t *board = json_object();
    json_object_set_new(board, "incident", board_incident(m, incident_id));
    int rc = snapshot_rows(m, board, SQL_AGENCIES, incident_id, 0);
    if (rc == 0)
        rc = snapshot_rows(m, board, SQL_CELLS, incident_id, 1);
    if (rc == 0)
        rc = snapshot_rows(m, board, SQL_COUNTERS, incident_id, 2);
    if (rc == 0) /* moved in this transaction, written when it commits */
        board_counters_pending(m->store, incident_id, board);
    if (rc == 0)
        rc = alarm_board(m, incident_id, board);
    if (rc == 0)
        rc = selfreg_board(m, incident_id, board);
    if (rc != 0) {
        json_decref(board);
        board = NULL;
    }
    *out = board;
    return rc;
}

/* ---- what a board shows besides the keys ---- */

static const char SQL_META_AGENCIES[] =
    "SELECT agency_id FROM pages WHERE incident_id = ?1 AND ask_id IS NULL AND kind = 'page'"
    " ORDER BY id";

/* The paged agencies of incident id with their names from its frozen plan
 * (a name is looked up in the typed plan: the stored JSON is never walked
 * per agency). */
static int meta_agencies(struct muster *m, int64_t id, json_t **out)
{
    const struct plan *plan = frozen_plan(m, id);
    sqlite3_stmt *s = store_stmt(m->store, SQL_META_AGENCIES);
    json_t *arr = json_array();
    int rc;
    *out = arr;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = store_step(s)) > 0) {
        const char *agency = store_col_text(s, 0);
        const struct plan_agency *a = plan ? plan_agency_find(plan, agency) : NULL;
        const char *name = a ? a->name : NULL;
        json_array_append_new(arr, json_pack("{s:s, s:s?}", "id", agency, "name", name));
    }
    sqlite3_reset(s);
    return rc;
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

int board_meta(struct muster *m, int64_t id, json_t **out)
{
    const struct plan *plan = frozen_plan(m, id);
    json_t *shifts = NULL, *agencies = NULL;
    int rc = staffing_shifts(m, id, &shifts);
    if (rc == 0)
        rc = meta_agencies(m, id, &agencies);
    if (rc != 0) {
        json_decref(shifts);
        json_decref(agencies);
        *out = NULL;
        return rc;
    }
    json_t *meta = json_object();
    json_object_set_new(meta, "roles", meta_roles(plan));
    json_object_set_new(meta, "pathways", meta_pathways(plan));
    json_object_set_new(meta, "shifts", shifts);
    json_object_set_new(meta, "agencies", agencies);
    *out = meta;
    return 0;
}
