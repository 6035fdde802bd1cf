/*
 * daemon/staffing.c - shifts, the coverage ledger and asks for staff (see
 * staffing.h).  The pledge commands are in staffing_cmd.c.
 *
 * The ledger (table coverage) holds, per shift and role, the staff
 * required and the staff on live pledges: pledged (offered, accepted or
 * arrived), accepted (accepted or arrived) and arrived.  Every pledge
 * change adds or subtracts its count on the rows of its shifts, in the same
 * transaction, so the grid is never recomputed from the pledges.  Shortfall
 * is required - pledged when positive, surplus pledged - required.
 *
 * Asks are checked after every change to coverage and when the timer
 * fires: at the moment the next shift enters the plan's ask_lead window,
 * or the next shift with open asks starts (they then expire).
 *
 * An offer of staff (pledge.offer, or the pledge an agency's
 * acknowledgement carries) is checked and recorded here, from a plain
 * struct staffing_offer: the handlers parse the request, this file owns
 * the pledges.
 */
#include "staffing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "board.h"
#include "control.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "plan.h"
#include "proto.h"
#include "server.h"
#include "staffing_int.h"
#include "store.h"

struct staffing {
    struct muster *m;
    uv_timer_t timer;
    bool check_queued;
};

/* ---- the ledger ---- */

static const char SQL_LEDGER[] =
    "UPDATE coverage SET pledged = pledged + ?3, accepted = accepted + ?4, arrived = arrived + ?5,"
    " round = round + (required <= pledged AND required > pledged + ?3) WHERE role = ?2 AND "
    "shift_id IN (SELECT shift_id FROM pledge_shifts WHERE pledge_id = ?1)"
    " RETURNING shift_id, (SELECT key FROM shifts WHERE id = shift_id), required, pledged,"
    " accepted, arrived";

static json_t *cell_json(const char *shift, const char *role, int required, int pledged,
                         int accepted, int arrived)
{
    int gap = required - pledged;
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "shift", shift, "role", role,
                     "required", required, "pledged", pledged, "accepted", accepted, "arrived",
                     arrived, "shortfall", gap > 0 ? gap : 0, "surplus", gap < 0 ? -gap : 0);
}

int staffing_ledger_add(struct muster *m, struct outbox *ob, const struct staffing_change *ch)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_LEDGER);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, ch->pledge_id);
    sqlite3_bind_text(s, 2, ch->role, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, ch->pledged);
    sqlite3_bind_int(s, 4, ch->accepted);
    sqlite3_bind_int(s, 5, ch->arrived);
    json_t *cells = json_array();
    int rc;
    while ((rc = store_step(s)) > 0) {
        char key[160];
        snprintf(key, sizeof(key), "cell/%s/%s", store_col_text(s, 1), ch->role);
        board_put(ob, key,
                  board_cell(sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
                             sqlite3_column_int(s, 4), sqlite3_column_int(s, 5)));
        json_array_append_new(cells, cell_json(store_col_text(s, 1), ch->role,
                                               sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
                                               sqlite3_column_int(s, 4), sqlite3_column_int(s, 5)));
    }
    sqlite3_reset(s);
    if (rc != 0) {
        json_decref(cells);
        return rc;
    }
    rc = outbox_event(m, ob, ch->incident_id, ch->ref, "staffing.coverage",
                      json_pack("{s:I, s:o}", "pledge", (json_int_t)ch->pledge_id, "cells", cells),
                      ch->now);
    return rc ? rc : staffing_check_after_commit(m, ob);
}

/* ---- asks ---- */

static const char SQL_EXPIRE[] =
    "UPDATE asks SET state = 'expired', closed_at = ?1 WHERE state = 'open'"
    " AND (SELECT ends_at FROM shifts WHERE id = asks.shift_id) <= ?1 RETURNING id";
static const char SQL_COVERED[] =
    "UPDATE asks SET state = 'covered', closed_at = ?1 WHERE state = 'open' AND ("
    " (SELECT required - pledged FROM coverage c WHERE c.shift_id = asks.shift_id"
    "   AND c.role = asks.role) <= 0"
    " OR EXISTS (SELECT 1 FROM pledges p JOIN pledge_shifts ps ON ps.pledge_id = p.id"
    "   WHERE ps.shift_id = asks.shift_id AND p.role = asks.role AND p.agency_id = asks.agency_id"
    "   AND p.state IN ('offered', 'accepted', 'arrived'))) RETURNING id";

/* Close asks by one of the two statements above; stop their pages. */
static int asks_close(struct muster *m, struct outbox *ob, const char *sql, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    int64_t *ids;
    size_t n;
    int rc = store_ids(s, &ids, &n);
    for (size_t i = 0; i < n && rc >= 0; i++)
        rc = paging_ask_stop(m, ob, ids[i], now);
    free(ids);
    return rc < 0 ? rc : 0;
}

/* Shifts in their ask window (from ask_lead before their start until
 * they end: the shift running at standup is asked for too) and short of
 * a role, with the cell's round.  An agency able to supply the role is
 * asked unless it has a live pledge for it or was asked in this round:
 * a shortfall that re-opens (a withdrawal, a decline) asks again, an
 * unchanged one never does. */
static const char SQL_SHORT[] =
    "SELECT s.incident_id, i.ref, s.id, s.key, c.role, c.required - c.pledged, c.round"
    " FROM coverage c JOIN shifts s ON s.id = c.shift_id JOIN incidents i ON i.id = s.incident_id"
    " WHERE i.state = 'active' AND s.ends_at > ?1 AND c.required > c.pledged"
    " AND s.starts_at - i.ask_lead_ms <= ?1"
    " ORDER BY s.starts_at, c.role";
static const char SQL_ASK_ADD[] =
    "INSERT INTO asks (incident_id, shift_id, role, agency_id, short, state, created_at, round)"
    " SELECT ?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM asks"
    " WHERE shift_id = ?2 AND role = ?3 AND agency_id = ?4 AND round = ?7) AND NOT EXISTS"
    " (SELECT 1 FROM pledges p JOIN pledge_shifts ps ON ps.pledge_id = p.id WHERE ps.shift_id = ?2"
    " AND p.role = ?3 AND p.agency_id = ?4 AND p.state IN ('offered', 'accepted', 'arrived'))";

static bool supplies(const struct plan_agency *agency, const char *role)
{
    for (size_t i = 0; i < agency->nsupplies; i++)
        if (!strcmp(agency->supplies[i], role))
            return true;
    return false;
}

static int ask_one(struct muster *m, struct outbox *ob, const struct shortage *sh,
                   const char *agency, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ASK_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, sh->incident_id);
    sqlite3_bind_int64(s, 2, sh->shift_id);
    sqlite3_bind_text(s, 3, sh->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, agency, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, sh->gap);
    sqlite3_bind_int64(s, 6, now);
    sqlite3_bind_int64(s, 7, sh->round);
    int rc = store_exec_stmt(s);
    if (rc != 0 || sqlite3_changes(sqlite3_db_handle(s)) == 0)
        return rc;
    int64_t ask = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    log_info("staffing: %s: %s short of %d %s, asking %s%s", sh->ref, sh->shift, sh->gap, sh->role,
             agency, sh->round > 0 ? " again (the shortfall re-opened)" : "");
    rc = paging_ask_start(m, ob, sh->incident_id, agency, ask, now);
    if (rc == 0)
        rc = outbox_event(m, ob, sh->incident_id, sh->ref, "staffing.ask",
                          json_pack("{s:s, s:s, s:s, s:i}", "shift", sh->shift, "role", sh->role,
                                    "agency", agency, "short", sh->gap),
                          now);
    return rc;
}

/* Ask every agency of the incident's frozen plan that supplies the role. */
static int ask_capable(struct muster *m, struct outbox *ob, const struct shortage *sh, int64_t now)
{
    const struct plan *plan = frozen_plan(m, sh->incident_id);
    int rc = 0;
    for (size_t i = 0; plan && rc == 0 && i < plan->nagencies; i++)
        if (supplies(&plan->agencies[i], sh->role))
            rc = ask_one(m, ob, sh, plan->agencies[i].id, now);
    return rc;
}

int staffing__shortages(struct muster *m, const char *sql, int64_t now, struct shortage **out,
                        size_t *n)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    *out = NULL;
    *n = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    size_t cap = 0;
    struct shortage *list = NULL;
    int rc;
    while ((rc = store_step(s)) > 0) {
        if (*n == cap) {
            struct shortage *more = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof(*list));
            if (!more) {
                rc = -ENOMEM;
                break;
            }
            list = more;
        }
        struct shortage *sh = &list[(*n)++];
        sh->incident_id = sqlite3_column_int64(s, 0);
        sh->shift_id = sqlite3_column_int64(s, 2);
        snprintf(sh->ref, sizeof(sh->ref), "%s", store_col_text(s, 1));
        snprintf(sh->shift, sizeof(sh->shift), "%s", store_col_text(s, 3));
        snprintf(sh->role, sizeof(sh->role), "%s", store_col_text(s, 4));
        sh->gap = sqlite3_column_int(s, 5);
        sh->round = sqlite3_column_count(s) > 6 ? sqlite3_column_int64(s, 6) : 0;
    }
    sqlite3_reset(s);
    if (rc < 0) {
        free(list);
        *n = 0;
        return rc;
    }
    *out = list;
    return 0;
}

static int asks_open(struct muster *m, struct outbox *ob, int64_t now)
{
    struct shortage *list = NULL;
    size_t n = 0;
    int rc = staffing__shortages(m, SQL_SHORT, now, &list, &n);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = ask_capable(m, ob, &list[i], now);
    free(list);
    return rc;
}

/* ---- offers of staff ---- */

int staffing_offer_args(json_t *args, struct staffing_offer *o, struct proto_error *err)
{
    if (proto_arg_str(args, "role", true, 40, &o->role, err) ||
        proto_arg_int(args, "count", true, 1, 1000, &o->count, err) ||
        proto_arg_text(args, "note", false, 2000, &o->note, err))
        return -1;
    o->shifts = json_object_get(args, "shifts");
    o->names = json_object_get(args, "names");
    if (json_is_null(o->shifts))
        o->shifts = NULL;
    if (json_is_null(o->names))
        o->names = NULL;
    if (!o->shifts)
        return proto_fail(err, ERR_BAD_ARGUMENT, "missing required argument \"shifts\"");
    return 0;
}

/* The shifts an offer covers, found: their ids, in the order given. */
struct offer_shifts {
    int64_t ids[64];
    size_t n;
};

static const char SQL_SHIFT_ID[] =
    "SELECT id, ends_at FROM shifts WHERE incident_id = ?1 AND key = ?2";

/* Shift key of an incident: 1 with its id and end, 0 when there is no
 * such shift, or -errno. */
static int shift_find(struct muster *m, int64_t incident_id, const char *key, int64_t *id,
                      int64_t *ends)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_SHIFT_ID);
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

/* The shifts of o into sh: 0, -1 refused (err set), or -errno. */
static int offer_shifts(struct muster *m, const struct staffing_offer *o, struct offer_shifts *sh,
                        struct proto_error *err)
{
    size_t n = json_array_size(o->shifts);
    if (!json_is_array(o->shifts) || n == 0 || n > 64)
        return proto_fail(err, ERR_BAD_ARGUMENT, "\"shifts\" must list 1 to 64 shifts");
    for (size_t i = 0; i < n; i++) {
        const char *key = json_string_value(json_array_get(o->shifts, i));
        if (!key)
            return proto_fail(err, ERR_BAD_ARGUMENT, "each shift must be a string");
        int64_t id = 0, ends = 0;
        int found = shift_find(m, o->incident->id, key, &id, &ends);
        if (found < 0)
            return found;
        if (!found)
            return proto_fail(err, ERR_BAD_ARGUMENT,
                              "no shift \"%s\" in incident %s (see muster staffing)", key,
                              o->incident->ref);
        if (ends <= o->now)
            return proto_fail(err, ERR_BAD_ARGUMENT, "shift \"%s\" has ended", key);
        for (size_t j = 0; j < i; j++)
            if (sh->ids[j] == id)
                return proto_fail(err, ERR_BAD_ARGUMENT, "shift \"%s\" is listed twice", key);
        sh->ids[sh->n++] = id;
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

/* The names of the staff offered: at most count, each 1 to 200
 * characters with no control character.  0, or -1 with err set. */
static int offer_names(const struct staffing_offer *o, struct proto_error *err)
{
    size_t nn = json_array_size(o->names);
    if (o->names && (!json_is_array(o->names) || nn > (size_t)o->count))
        return proto_fail(err, ERR_BAD_ARGUMENT, "\"names\" must list at most %lld names",
                          (long long)o->count);
    for (size_t i = 0; i < nn; i++) {
        const char *name = json_string_value(json_array_get(o->names, i));
        if (!name || !*name || strlen(name) > 200)
            return proto_fail(err, ERR_BAD_ARGUMENT, "each name must be 1 to 200 characters");
        if (proto_control_char(name, strlen(name), false) >= 0)
            return proto_fail(err, ERR_BAD_ARGUMENT,
                              "\"names\" must not contain control characters");
    }
    return 0;
}

/* o against the incident and its frozen plan: 0, or -1 with err set. */
static int offer_check(struct muster *m, const struct staffing_offer *o, struct proto_error *err)
{
    const struct incident *inc = o->incident;
    /* the typed frozen plan is cached; parsing the plan's JSON on every
     * pledge was most of a pledge storm's time */
    const struct plan *p = frozen_plan(m, inc->id);
    if (!inc->active)
        return proto_fail(err, ERR_CONFLICT, "incident %s is stood down", inc->ref);
    if (!role_known(p, o->role))
        return proto_fail(err, ERR_BAD_ARGUMENT, "no role \"%s\" in the plan of %s", o->role,
                          inc->ref);
    const struct plan_agency *agency = plan_agency_find(p, o->agency);
    if (!agency)
        return proto_fail(err, ERR_NOT_FOUND, "no agency \"%s\" in the plan of %s", o->agency,
                          inc->ref);
    if (!supplies(agency, o->role))
        return proto_fail(err, ERR_BAD_ARGUMENT, "agency %s does not supply %s in the plan",
                          o->agency, o->role);
    return offer_names(o, err);
}

static const char SQL_PLEDGE_ADD[] =
    "INSERT INTO pledges (incident_id, agency_id, role, count, names, note, state, created_at,"
    " created_by, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'offered', ?7, ?8,"
    " ?7, ?8)";
static const char SQL_PLEDGE_SHIFT[] =
    "INSERT INTO pledge_shifts (pledge_id, shift_id) VALUES (?1, ?2)";

static int offer_insert(struct muster *m, const struct staffing_offer *o,
                        const struct offer_shifts *sh, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PLEDGE_ADD);
    if (!s)
        return -EINVAL;
    char *names = o->names ? jtext_dump(o->names, false) : NULL;
    sqlite3_bind_int64(s, 1, o->incident->id);
    sqlite3_bind_text(s, 2, o->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, o->role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, o->count);
    sqlite3_bind_text(s, 5, names, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, o->note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, o->now);
    sqlite3_bind_text(s, 8, o->by, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    free(names);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    for (size_t i = 0; i < sh->n && rc == 0; i++) {
        sqlite3_stmt *p = store_stmt(m->store, SQL_PLEDGE_SHIFT);
        if (!p)
            return -EINVAL;
        sqlite3_bind_int64(p, 1, *id);
        sqlite3_bind_int64(p, 2, sh->ids[i]);
        rc = store_exec_stmt(p);
    }
    return rc;
}

static json_t *pledge_json(int64_t id, const struct staffing_offer *o)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:O, s:s}", "id", (json_int_t)id, "incident",
                     o->incident->ref, "agency", o->agency, "role", o->role, "count",
                     (json_int_t)o->count, "shifts", o->shifts, "state", "offered");
}

/*
 * Every check of an offer answers the request with a coded error, except
 * a store that cannot be read, which is the caller's storage error: the
 * checks fill err and return -1, the store returns -errno, and err->code
 * (cleared first) tells the two apart.
 */
int staffing_offer_add(struct muster *m, struct outbox *ob, const struct staffing_offer *o,
                       struct proto_error *err, json_t **pledge)
{
    const struct incident *inc = o->incident;
    struct offer_shifts sh = {.n = 0};
    int64_t id = 0;
    *pledge = NULL;
    err->code = NULL;
    int rc = offer_check(m, o, err);
    if (rc == 0)
        rc = offer_shifts(m, o, &sh, err);
    if (rc != 0)
        return err->code ? STAFFING_REFUSED : rc;
    rc = offer_insert(m, o, &sh, &id);
    struct staffing_change ch = {inc->id, inc->ref, id, o->role, (int)o->count, 0, 0, o->now};
    if (rc == 0)
        rc = staffing_ledger_add(m, ob, &ch);
    json_t *p = pledge_json(id, o);
    if (rc == 0)
        rc = outbox_event(m, ob, inc->id, inc->ref, "staffing.pledge", json_deep_copy(p), o->now);
    if (rc != 0) {
        json_decref(p);
        return rc;
    }
    outbox_log(ob, "staffing: %s: pledge %lld of agency %s (%lld %s) offered", inc->ref,
               (long long)id, o->agency, (long long)o->count, o->role);
    *pledge = p;
    return 0;
}

/* ---- reading ---- */

static const char SQL_SHIFTS[] =
    "SELECT key, name, starts_at, ends_at FROM shifts WHERE incident_id = ?1 ORDER BY starts_at";

static json_t *shift_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "key", store_col_text(s, 0), "name",
                     store_col_text(s, 1), "starts_at", (json_int_t)sqlite3_column_int64(s, 2),
                     "ends_at", (json_int_t)sqlite3_column_int64(s, 3));
}

int staffing_shifts(struct muster *m, int64_t incident_id, json_t **out)
{
    return store_rows(m->store, SQL_SHIFTS, incident_id, shift_row, out);
}

/* ---- checks ---- */

static const char SQL_NEXT_CHECK[] =
    "SELECT MIN(t) FROM ("
    " SELECT s.starts_at - i.ask_lead_ms AS t"
    " FROM shifts s JOIN incidents i ON i.id = s.incident_id WHERE i.state = 'active'"
    " AND s.starts_at - i.ask_lead_ms > ?1"
    " UNION ALL SELECT s.starts_at FROM shifts s JOIN incidents i ON i.id = s.incident_id"
    " WHERE i.state = 'active' AND s.starts_at > ?1"
    " UNION ALL SELECT s.ends_at FROM asks a JOIN shifts s ON s.id = a.shift_id"
    " WHERE a.state = 'open' AND s.ends_at > ?1)";

static int check_task(struct muster *m, struct outbox *ob, void *arg);

static void on_timer(uv_timer_t *t)
{
    struct staffing *st = t->data;
    if (st->check_queued)
        return;
    st->check_queued = true;
    if (control_task(st->m->control, check_task, NULL, st) != 0)
        st->check_queued = false;
}

/* Set the timer for the next moment that matters: a shift entering its
 * ask window, starting (its shift_short alarm) or ending (its asks
 * expire), or the grid to be extended (next). */
static void arm(struct staffing *st, int64_t now, int64_t next)
{
    sqlite3_stmt *s = store_stmt(st->m->store, SQL_NEXT_CHECK);
    if (!s)
        return;
    sqlite3_bind_int64(s, 1, now);
    int rc = store_step(s);
    if (rc > 0 && sqlite3_column_type(s, 0) != SQLITE_NULL && sqlite3_column_int64(s, 0) < next)
        next = sqlite3_column_int64(s, 0);
    if (rc >= 0 && next != INT64_MAX) {
        int64_t delay = next - now;
        uv_timer_start(&st->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
    } else if (rc < 0) {
        uv_timer_start(&st->timer, on_timer, 1000, 0); /* not read: try again soon */
    } else {
        uv_timer_stop(&st->timer);
    }
    sqlite3_reset(s);
}

/* Extend the grids, expire asks whose shift has ended, close those now
 * covered, ask for what is still short, raise (or resolve) shift_short
 * alarms, and set the timer for the next moment that matters. */
static int check_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct staffing *st = arg;
    st->check_queued = false;
    int64_t now = server_now(m), next = INT64_MAX;
    int rc = staffing__grid_extend_all(m, ob, now, &next);
    if (rc == 0)
        rc = asks_close(m, ob, SQL_EXPIRE, now);
    if (rc == 0)
        rc = asks_close(m, ob, SQL_COVERED, now);
    if (rc == 0)
        rc = asks_open(m, ob, now);
    if (rc == 0)
        rc = staffing__alarms_check(m, ob, now);
    if (rc != 0)
        log_error("staffing: check failed: %s", strerror(-rc));
    if (m->stopping)
        return rc;
    if (rc != 0)
        uv_timer_start(&st->timer, on_timer, 1000, 0); /* try again soon */
    else
        arm(st, now, next);
    return rc;
}

static void check_now(struct muster *m, void *arg)
{
    on_timer(&m->staffing->timer);
}

int staffing_check_after_commit(struct muster *m, struct outbox *ob)
{
    if (!m->staffing) /* no engine: a unit test */
        return 0;
    return outbox_action(ob, check_now, NULL, NULL);
}

static const char SQL_STOP_ASKS[] =
    "UPDATE asks SET state = 'cancelled', closed_at = ?2 WHERE incident_id = ?1"
    " AND state = 'open'";

int staffing_incident_stop(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_STOP_ASKS);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, now);
    return store_exec_stmt(s); /* their pages stop with the incident's */
}

static const char SQL_PURGE_PLEDGES[] =
    "UPDATE pledges SET names = NULL, note = NULL WHERE incident_id = ?1";

int staffing_incident_purge(struct muster *m, int64_t incident_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PURGE_PLEDGES);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    return store_exec_stmt(s);
}

int staffing_open(struct muster *m, struct staffing **out)
{
    struct staffing *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    st->m = m;
    uv_timer_init(m->loop, &st->timer);
    st->timer.data = st;
    *out = st;
    m->staffing = st;
    on_timer(&st->timer); /* a first check: shifts may have entered their window while down */
    return 0;
}

void staffing_close(struct staffing *st)
{
    uv_timer_stop(&st->timer);
    uv_close((uv_handle_t *)&st->timer, NULL);
}

void staffing_free(struct staffing *st)
{
    free(st);
}
