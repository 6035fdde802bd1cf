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
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "plan.h"
#include "server.h"
#include "store.h"

#define DAY_MS (24LL * 3600 * 1000)

struct staffing {
    struct muster *m;
    uv_timer_t timer;
    bool check_queued;
};

/* ---- shifts ---- */

/* Local midnight of the day containing ms (ms since the epoch). */
static int64_t local_midnight(int64_t ms, int day_offset)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_mday += day_offset;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

static const char SQL_SHIFT_ADD[] =
    "INSERT INTO shifts (incident_id, key, pattern, name, starts_at, ends_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_COVERAGE_ADD[] =
    "INSERT INTO coverage (shift_id, role, required) VALUES (?1, ?2, ?3)";

/* The staff of role needed per shift at level: the requirement with the
 * highest level not above it. */
static int required_count(const struct plan_staffing *st, int level, const char *role)
{
    const struct plan_requirement *best = NULL;
    for (size_t i = 0; i < st->nrequirements; i++)
        if (st->requirements[i].level <= level &&
            (!best || st->requirements[i].level > best->level))
            best = &st->requirements[i];
    for (size_t i = 0; best && i < best->nneeds; i++)
        if (!strcmp(best->needs[i].role, role))
            return best->needs[i].count;
    return 0;
}

static int coverage_rows(struct muster *m, struct outbox *ob, int64_t shift_id,
                         const char *shift_key, const struct plan_staffing *st, int level)
{
    int rc = 0;
    for (size_t r = 0; r < st->nroles && rc == 0; r++) {
        sqlite3_stmt *s = store_stmt(m->store, SQL_COVERAGE_ADD);
        if (!s)
            return -EINVAL;
        int required = required_count(st, level, st->roles[r].id);
        sqlite3_bind_int64(s, 1, shift_id);
        sqlite3_bind_text(s, 2, st->roles[r].id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, required);
        rc = store_exec_stmt(s);
        char key[160];
        snprintf(key, sizeof(key), "cell/%s/%s", shift_key, st->roles[r].id);
        board_put(ob, key, board_cell(required, 0, 0, 0));
    }
    return rc;
}

static int shift_insert(struct muster *m, int64_t incident_id, const struct plan_shift *sh,
                        int64_t starts, int64_t *id, char key[80])
{
    char day[16];
    time_t t = (time_t)(starts / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    snprintf(key, 80, "%s-%s", sh->id, day);
    sqlite3_stmt *s = store_stmt(m->store, SQL_SHIFT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, sh->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, sh->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, starts);
    sqlite3_bind_int64(s, 6, starts + sh->length_ms);
    int rc = store_exec_stmt(s);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    return rc;
}

int staffing_incident_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                            const struct plan *plan, int level, int64_t now)
{
    const struct plan_staffing *st = &plan->staffing;
    int rc = 0;
    int days = (int)(st->horizon_ms / DAY_MS) + 2;
    for (int d = -1; d <= days && rc == 0; d++) {
        int64_t midnight = local_midnight(now, d);
        for (size_t i = 0; i < st->nshifts && rc == 0; i++) {
            int64_t starts = midnight + (int64_t)st->shifts[i].start_minute * 60000;
            if (starts + st->shifts[i].length_ms <= now || starts >= now + st->horizon_ms)
                continue;
            int64_t id = 0;
            char key[80];
            rc = shift_insert(m, incident_id, &st->shifts[i], starts, &id, key);
            if (rc == 0)
                rc = coverage_rows(m, ob, id, key, st, level);
        }
    }
    return rc ? rc : staffing_check_after_commit(m, ob);
}

/* ---- the ledger ---- */

static const char SQL_LEDGER[] =
    "UPDATE coverage SET pledged = pledged + ?3, accepted = accepted + ?4, arrived = arrived + ?5"
    " WHERE role = ?2 AND shift_id IN (SELECT shift_id FROM pledge_shifts WHERE pledge_id = ?1)"
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
    " AND shift_id IN (SELECT id FROM shifts WHERE starts_at <= ?1) RETURNING id";
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
    int64_t ids[256];
    size_t n = 0;
    int rc = 0;
    while (n < 256 && (rc = store_step(s)) > 0)
        ids[n++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    for (size_t i = 0; i < n && rc >= 0; i++)
        rc = paging_ask_stop(m, ob, ids[i], now);
    return rc < 0 ? rc : 0;
}

/* Shifts in their ask window and short of a role, and the agencies able
 * to supply the role that neither pledged for it nor were asked. */
static const char SQL_SHORT[] =
    "SELECT s.incident_id, i.ref, s.id, s.key, c.role, c.required - c.pledged"
    " FROM coverage c JOIN shifts s ON s.id = c.shift_id JOIN incidents i ON i.id = s.incident_id"
    " WHERE i.state = 'active' AND s.starts_at > ?1 AND c.required > c.pledged"
    " AND s.starts_at - i.ask_lead_ms <= ?1"
    " ORDER BY s.starts_at, c.role";
static const char SQL_ASK_ADD[] =
    "INSERT INTO asks (incident_id, shift_id, role, agency_id, short, state, created_at)"
    " SELECT ?1, ?2, ?3, ?4, ?5, 'open', ?6 WHERE NOT EXISTS (SELECT 1 FROM asks"
    " WHERE shift_id = ?2 AND role = ?3 AND agency_id = ?4) AND NOT EXISTS (SELECT 1 FROM"
    " pledges p JOIN pledge_shifts ps ON ps.pledge_id = p.id WHERE ps.shift_id = ?2"
    " AND p.role = ?3 AND p.agency_id = ?4 AND p.state IN ('offered', 'accepted', 'arrived'))";

struct shortage {
    int64_t incident_id, shift_id;
    char ref[64], shift[80], role[48];
    int gap;
};

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
    int rc = store_exec_stmt(s);
    if (rc != 0 || sqlite3_changes(sqlite3_db_handle(s)) == 0)
        return rc;
    int64_t ask = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    log_info("staffing: %s: %s short of %d %s, asking %s", sh->ref, sh->shift, sh->gap, sh->role,
             agency);
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

static int asks_open(struct muster *m, struct outbox *ob, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_SHORT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    size_t n = 0, cap = 64;
    struct shortage *list = malloc(cap * sizeof(*list));
    int rc = 0;
    while (list && (rc = store_step(s)) > 0) {
        if (n == cap) {
            struct shortage *more = realloc(list, (cap *= 2) * sizeof(*list));
            if (!more)
                break;
            list = more;
        }
        struct shortage *sh = &list[n++];
        sh->incident_id = sqlite3_column_int64(s, 0);
        sh->shift_id = sqlite3_column_int64(s, 2);
        snprintf(sh->ref, sizeof(sh->ref), "%s", store_col_text(s, 1));
        snprintf(sh->shift, sizeof(sh->shift), "%s", store_col_text(s, 3));
        snprintf(sh->role, sizeof(sh->role), "%s", store_col_text(s, 4));
        sh->gap = sqlite3_column_int(s, 5);
    }
    sqlite3_reset(s);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = ask_capable(m, ob, &list[i], now);
    free(list);
    return rc;
}

/* ---- checks ---- */

static const char SQL_NEXT_CHECK[] =
    "SELECT MIN(t) FROM ("
    " SELECT s.starts_at - i.ask_lead_ms AS t"
    " FROM shifts s JOIN incidents i ON i.id = s.incident_id WHERE i.state = 'active'"
    " AND s.starts_at - i.ask_lead_ms > ?1"
    " UNION ALL SELECT s.starts_at FROM asks a JOIN shifts s ON s.id = a.shift_id"
    " WHERE a.state = 'open' AND s.starts_at > ?1)";

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

static void arm(struct staffing *st, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st->m->store, SQL_NEXT_CHECK);
    if (!s)
        return;
    sqlite3_bind_int64(s, 1, now);
    int rc = store_step(s);
    if (rc > 0 && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        int64_t delay = sqlite3_column_int64(s, 0) - now;
        uv_timer_start(&st->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
    } else if (rc < 0) {
        uv_timer_start(&st->timer, on_timer, 1000, 0); /* not read: try again soon */
    } else {
        uv_timer_stop(&st->timer);
    }
    sqlite3_reset(s);
}

/* Expire asks whose shift has started, close those now covered, ask for
 * what is still short, and set the timer for the next moment that matters. */
static int check_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct staffing *st = arg;
    st->check_queued = false;
    int64_t now = server_now(m);
    int rc = asks_close(m, ob, SQL_EXPIRE, now);
    if (rc == 0)
        rc = asks_close(m, ob, SQL_COVERED, now);
    if (rc == 0)
        rc = asks_open(m, ob, now);
    if (rc != 0)
        log_error("staffing: check failed: %s", strerror(-rc));
    if (m->stopping)
        return rc;
    if (rc != 0)
        uv_timer_start(&st->timer, on_timer, 1000, 0); /* try again soon */
    else
        arm(st, now);
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
