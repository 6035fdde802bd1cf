/*
 * daemon/staffing_grid.c - the rolling grid of an incident's shifts (see
 * staffing.h): every shift pattern of the frozen plan recurs daily, and
 * for as long as the incident is active its shifts are planned, with a
 * coverage cell per shift and role, as far ahead of now as the plan's
 * reach: its staffing horizon, and never less than its ask_lead (so that
 * every shift is in the grid before its ask window opens).
 *
 * Extending is idempotent: a shift is known by its key (pattern and local
 * date, unique per incident), so the grid is extended at standup, by the
 * staffing check's timer at the moment the next shift comes within reach,
 * and at every start, without ever planning a shift twice.  A shift that
 * ended while musterd was down is not planned late; the shift running at
 * standup is.
 *
 * A change of level or plan (staffing_incident_level) sets the staff
 * required on every cell not yet ended; a covered cell it makes short
 * again starts a new round of asks, as a withdrawal does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "log.h"
#include "outbox.h"
#include "plan.h"
#include "server.h"
#include "staffing.h"
#include "staffing_int.h"
#include "store.h"

#define DAY_MS (24LL * 3600 * 1000)

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

/* How far ahead of now the grid reaches. */
static int64_t reach_ms(const struct plan_staffing *st)
{
    return st->horizon_ms > st->ask_lead_ms ? st->horizon_ms : st->ask_lead_ms;
}

static const char SQL_SHIFT_ADD[] =
    "INSERT INTO shifts (incident_id, key, pattern, name, starts_at, ends_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING RETURNING id";
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

/* Plan shift sh starting at starts, unless the incident has it: 1 with
 * its id and key when it is new, 0 when it was planned before, -errno. */
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
    int rc = store_step(s);
    if (rc > 0)
        *id = sqlite3_column_int64(s, 0);
    if (rc > 0 && store_step(s) < 0) /* RETURNING: the insert is done at the end */
        rc = -EIO;
    sqlite3_reset(s);
    return rc;
}

/* One incident whose grid is extended; keys collects the keys of the
 * shifts planned (NULL: at standup, whose event carries the board). */
struct grid_incident {
    int64_t id;
    const char *ref;
    const struct plan *plan;
    int level;
    json_t *keys;
};

/* Plan one day's shifts of gi (the day d after now's): those that have
 * not ended and start within reach; *added counts the new ones, *next is
 * lowered to the moment one beyond reach comes within it.  0 or -errno. */
static int grid_day(struct muster *m, struct outbox *ob, const struct grid_incident *gi, int d,
                    int64_t now, int *added, int64_t *next)
{
    const struct plan_staffing *st = &gi->plan->staffing;
    int64_t reach = reach_ms(st), midnight = local_midnight(now, d);
    int rc = 0;
    for (size_t i = 0; i < st->nshifts && rc >= 0; i++) {
        int64_t starts = midnight + (int64_t)st->shifts[i].start_minute * 60000;
        if (starts + st->shifts[i].length_ms <= now)
            continue;
        if (starts >= now + reach) {
            if (starts - reach + 1 < *next)
                *next = starts - reach + 1;
            continue;
        }
        int64_t id = 0;
        char key[80];
        rc = shift_insert(m, gi->id, &st->shifts[i], starts, &id, key);
        if (rc > 0) {
            (*added)++;
            if (gi->keys)
                json_array_append_new(gi->keys, json_string(key));
            rc = coverage_rows(m, ob, id, key, st, gi->level);
        }
    }
    return rc < 0 ? rc : 0;
}

static int grid_extend(struct muster *m, struct outbox *ob, const struct grid_incident *gi,
                       int64_t now, int64_t *next)
{
    const struct plan_staffing *st = &gi->plan->staffing;
    int days = (int)(reach_ms(st) / DAY_MS) + 2, added = 0, rc = 0;
    for (int d = -1; d <= days && rc == 0; d++)
        rc = grid_day(m, ob, gi, d, now, &added, next);
    if (rc == 0 && added > 0)
        log_info("staffing: %s: %d shifts planned, the grid reaches %lld h ahead", gi->ref, added,
                 (long long)(reach_ms(st) / 3600000));
    if (rc == 0 && added > 0 && gi->keys)
        rc = outbox_event(m, ob, gi->id, gi->ref, "staffing.shifts",
                          json_pack("{s:O}", "shifts", gi->keys), now);
    return rc;
}

int staffing_incident_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                            const struct plan *plan, int level, int64_t now)
{
    struct incident inc = {.ref = ""};
    int rc = incident_get(m->store, incident_id, &inc);
    struct grid_incident gi = {incident_id, inc.ref, plan, level, NULL};
    int64_t next = INT64_MAX;
    rc = rc < 0 ? rc : grid_extend(m, ob, &gi, now, &next);
    return rc ? rc : staffing_check_after_commit(m, ob);
}

static const char SQL_ACTIVE[] =
    "SELECT id, ref, level FROM incidents WHERE state = 'active' AND id > ?1 ORDER BY id"
    " LIMIT 256";

/* The active incidents, read whole before any is extended. */
struct active_list {
    size_t n;
    struct {
        int64_t id;
        char ref[64];
        int level;
    } rows[256];
};

static int active_read(struct muster *m, int64_t after, struct active_list *l)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ACTIVE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, after);
    int rc;
    l->n = 0;
    while (l->n < 256 && (rc = store_step(s)) > 0) {
        l->rows[l->n].id = sqlite3_column_int64(s, 0);
        snprintf(l->rows[l->n].ref, sizeof(l->rows[0].ref), "%s", store_col_text(s, 1));
        l->rows[l->n++].level = sqlite3_column_int(s, 2);
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

int staffing__grid_extend_all(struct muster *m, struct outbox *ob, int64_t now, int64_t *next)
{
    struct active_list *l = malloc(sizeof(*l));
    if (!l)
        return -ENOMEM;
    int64_t after = 0;
    int rc = 0;
    do {
        rc = active_read(m, after, l);
        for (size_t i = 0; i < l->n && rc == 0; i++) {
            struct grid_incident gi = {l->rows[i].id, l->rows[i].ref, frozen_plan(m, l->rows[i].id),
                                       l->rows[i].level, json_array()};
            after = gi.id;
            if (gi.plan)
                rc = grid_extend(m, ob, &gi, now, next);
            json_decref(gi.keys);
        }
    } while (rc == 0 && l->n == 256);
    free(l);
    return rc;
}

/* ---- a change of level or plan ---- */

static const char SQL_REQUIRE[] =
    "INSERT INTO coverage (shift_id, role, required) SELECT s.id, r.key, r.value FROM shifts s,"
    " json_each(?2) r WHERE s.incident_id = ?1 AND s.ends_at > ?3 ON CONFLICT (shift_id, role)"
    " DO UPDATE SET required = excluded.required,"
    " round = round + (required <= pledged AND excluded.required > pledged)"
    " WHERE required <> excluded.required"
    " RETURNING (SELECT key FROM shifts WHERE id = shift_id), role, required, pledged, accepted,"
    " arrived";
static const char SQL_UNREQUIRE[] =
    "UPDATE coverage SET required = 0 WHERE shift_id IN (SELECT id FROM shifts WHERE"
    " incident_id = ?1 AND ends_at > ?3) AND role NOT IN (SELECT key FROM json_each(?2))"
    " AND required <> 0 RETURNING (SELECT key FROM shifts WHERE id = shift_id), role, required,"
    " pledged, accepted, arrived";

/* Run one of the two statements above; each cell changed goes on the
 * board.  The number of cells changed, or -errno. */
static int require_cells(struct muster *m, struct outbox *ob, const char *sql, int64_t incident_id,
                         const char *needs, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, needs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int rc, n = 0;
    while ((rc = store_step(s)) > 0) {
        char key[160];
        snprintf(key, sizeof(key), "cell/%s/%s", store_col_text(s, 0), store_col_text(s, 1));
        board_put(ob, key,
                  board_cell(sqlite3_column_int(s, 2), sqlite3_column_int(s, 3),
                             sqlite3_column_int(s, 4), sqlite3_column_int(s, 5)));
        n++;
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : n;
}

int staffing_incident_level(struct muster *m, struct outbox *ob, int64_t incident_id,
                            const struct plan *plan, int level, int64_t now)
{
    const struct plan_staffing *st = &plan->staffing;
    json_t *needs = json_object();
    for (size_t r = 0; needs && r < st->nroles; r++)
        json_object_set_new(needs, st->roles[r].id,
                            json_integer(required_count(st, level, st->roles[r].id)));
    char *text = needs ? jtext_dump(needs, false) : NULL;
    json_decref(needs);
    if (!text)
        return -ENOMEM;
    int rc = require_cells(m, ob, SQL_REQUIRE, incident_id, text, now);
    int zeroed = rc < 0 ? rc : require_cells(m, ob, SQL_UNREQUIRE, incident_id, text, now);
    free(text);
    if (zeroed < 0)
        return zeroed;
    return rc + zeroed > 0 ? staffing_check_after_commit(m, ob) : 0;
}
