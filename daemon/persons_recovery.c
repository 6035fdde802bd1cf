/*
 * daemon/persons_recovery.c - the recovery phase of the persons module
 * (see persons.h): re-screening by the instruments the plan names, each
 * due re-screen made known (person.rescreen_due, with the agency holding
 * the person) and overdue when not done within the plan's grace
 * (person.rescreen_overdue), and what closing an incident does to its
 * persons (open referrals closed, re-screens cancelled).
 *
 * A re-screen row is pending until its due time, then due until it is
 * done or its overdue_at passes (then overdue, still open to being done
 * late); the persons deadline timer (persons.c) is armed for the earliest
 * due_at of a pending row and overdue_at of a due row, so a restart
 * neither loses nor repeats one.  The board counts rescreen/due,
 * rescreen/overdue and rescreen/done as the rows move.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "log.h"
#include "outbox.h"
#include "persons.h"
#include "persons_int.h"
#include "plan.h"
#include "server.h"
#include "store.h"

/* ---- scheduling ---- */

static const char SQL_RESCREEN_ADD[] =
    "INSERT OR IGNORE INTO rescreens (person_id, due_at, instrument, state, overdue_at)"
    " VALUES (?1, ?2, ?3, 'pending', ?4)";

int persons_rescreen_add(struct muster *m, int64_t person, int64_t due, const char *instrument,
                         int grace_days)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESCREEN_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_int64(s, 2, due);
    sqlite3_bind_text(s, 3, instrument, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, due + grace_days * DAY_MS);
    return store_exec_stmt(s);
}

/* A registration's re-screens in one statement of up to RESCREEN_ROWS
 * rows (?1 the person, then due, instrument, overdue for each): one
 * statement (and one statement journal) where there were four. */
enum { RESCREEN_ROWS = 4 };
#define RESCREEN_HEAD                                                                              \
    "INSERT OR IGNORE INTO rescreens (person_id, due_at, instrument, state, overdue_at) VALUES"    \
    " (?1, ?2, ?3, 'pending', ?4)"
static const char *const SQL_RESCREEN_ROWS[RESCREEN_ROWS] = {
    RESCREEN_HEAD,
    RESCREEN_HEAD ", (?1, ?5, ?6, 'pending', ?7)",
    RESCREEN_HEAD ", (?1, ?5, ?6, 'pending', ?7), (?1, ?8, ?9, 'pending', ?10)",
    RESCREEN_HEAD ", (?1, ?5, ?6, 'pending', ?7), (?1, ?8, ?9, 'pending', ?10),"
                  " (?1, ?11, ?12, 'pending', ?13)",
};

struct rescreen_due {
    int64_t due;
    const char *instrument;
};

/* Insert rows[0..n) (1 <= n <= RESCREEN_ROWS), in order. */
static int rescreen_rows_add(struct muster *m, int64_t person, const struct rescreen_due *rows,
                             size_t n, int grace_days)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESCREEN_ROWS[n - 1]);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    for (size_t i = 0; i < n; i++) {
        int at = 2 + 3 * (int)i;
        sqlite3_bind_int64(s, at, rows[i].due);
        sqlite3_bind_text(s, at + 1, rows[i].instrument, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, at + 2, rows[i].due + grace_days * DAY_MS);
    }
    return store_exec_stmt(s);
}

int persons_rescreen_schedule(struct muster *m, int64_t person, int64_t incident_ms,
                              const struct plan_screening *sc)
{
    struct rescreen_due rows[RESCREEN_ROWS];
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sc->nrescreen; i++) {
        const struct plan_rescreen *r = &sc->rescreen[i];
        for (size_t k = 0; rc == 0 && k < r->ndays; k++) {
            rows[n++] = (struct rescreen_due){incident_ms + r->days[k] * DAY_MS,
                                              plan_instrument_name(r->instrument)};
            if (n == RESCREEN_ROWS) {
                rc = rescreen_rows_add(m, person, rows, n, sc->rescreen_grace_days);
                n = 0;
            }
        }
    }
    if (rc == 0 && n > 0)
        rc = rescreen_rows_add(m, person, rows, n, sc->rescreen_grace_days);
    return rc;
}

/* ---- done ---- */

static const char SQL_DONE[] =
    "UPDATE rescreens SET state = 'done', done_at = ?4 WHERE person_id = ?1 AND instrument = ?2"
    " AND state = ?5 AND due_at <= ?3";

/* Mark person's re-screens in state done: how many in *n. */
static int done_in_state(struct muster *m, int64_t person, const char *instrument, int64_t by,
                         int64_t now, const char *state, int *n)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_DONE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_text(s, 2, instrument, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, by);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_text(s, 5, state, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    *n = rc == 0 ? sqlite3_changes(sqlite3_db_handle(s)) : 0;
    return rc;
}

int persons_rescreen_done(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t person,
                          const char *instrument, int64_t by, int64_t now)
{
    static const char *const states[] = {"pending", "due", "overdue"};
    int n[3] = {0}, rc = 0;
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = done_in_state(m, person, instrument, by, now, states[i], &n[i]);
    if (rc == 0 && n[1])
        rc = board_add(m, ob, incident_id, "rescreen/due", -n[1]);
    if (rc == 0 && n[2])
        rc = board_add(m, ob, incident_id, "rescreen/overdue", -n[2]);
    if (rc == 0 && n[0] + n[1] + n[2])
        rc = board_add(m, ob, incident_id, "rescreen/done", n[0] + n[1] + n[2]);
    return rc;
}

/* ---- due and overdue ---- */

/* What a re-screen's events need, after its row (rescreens r). */
#define RESCREEN_RETURNING                                                                         \
    " RETURNING person_id, instrument, due_at, overdue_at, state,"                                 \
    " (SELECT incident_id FROM persons WHERE id = rescreens.person_id),"                           \
    " (SELECT i.ref FROM persons p JOIN incidents i ON i.id = p.incident_id"                       \
    "  WHERE p.id = rescreens.person_id),"                                                         \
    " (SELECT provider FROM referrals WHERE referrals.person_id = rescreens.person_id"             \
    "  AND referrals.state IN ('referred', 'waitlisted') ORDER BY id DESC LIMIT 1)"

/* A pending re-screen whose time came is due, unless its person was
 * merged into another, refused consent or died (then it is cancelled). */
static const char SQL_DUE[] =
    "UPDATE rescreens SET state = CASE WHEN (SELECT merged_into IS NULL AND consent <> 'refused'"
    " AND status <> 'deceased'"
    " FROM persons WHERE id = rescreens.person_id) THEN 'due' ELSE 'cancelled' END"
    " WHERE state = 'pending' AND due_at <= ?1" RESCREEN_RETURNING;
static const char SQL_OVERDUE[] = "UPDATE rescreens SET state = 'overdue' WHERE state = 'due' AND "
                                  "overdue_at <= ?1" RESCREEN_RETURNING;

struct rescreen_row {
    int64_t person, due_at, overdue_at, incident_id;
    char instrument[8], state[16], ref[INCIDENT_REF_MAX], agency[48];
};

static void rescreen_row_read(sqlite3_stmt *s, struct rescreen_row *r)
{
    const char *agency = store_col_text(s, 7);
    r->person = sqlite3_column_int64(s, 0);
    snprintf(r->instrument, sizeof(r->instrument), "%s", store_col_text(s, 1));
    r->due_at = sqlite3_column_int64(s, 2);
    r->overdue_at = sqlite3_column_int64(s, 3);
    snprintf(r->state, sizeof(r->state), "%s", store_col_text(s, 4));
    r->incident_id = sqlite3_column_int64(s, 5);
    snprintf(r->ref, sizeof(r->ref), "%s", store_col_text(s, 6) ? store_col_text(s, 6) : "");
    snprintf(r->agency, sizeof(r->agency), "%s", agency ? agency : "");
}

/* The feed event and board counts of one re-screen that became due or
 * overdue (a cancelled one has none). */
static int rescreen_event(struct muster *m, struct outbox *ob, const struct rescreen_row *r,
                          int64_t now)
{
    bool overdue = !strcmp(r->state, "overdue");
    int rc = 0;
    if (!overdue && strcmp(r->state, "due"))
        return 0;
    if (overdue) {
        log_warnx("persons: %s: person %lld: %s re-screen not done by its deadline", r->ref,
                  (long long)r->person, r->instrument);
        rc = board_add(m, ob, r->incident_id, "rescreen/overdue", 1);
    }
    if (rc == 0)
        rc = board_add(m, ob, r->incident_id, "rescreen/due", overdue ? -1 : 1);
    if (rc != 0)
        return rc;
    return outbox_event(
        m, ob, r->incident_id, r->ref, overdue ? "person.rescreen_overdue" : "person.rescreen_due",
        json_pack("{s:I, s:s, s:I, s:I, s:s?}", "person", (json_int_t)r->person, "instrument",
                  r->instrument, "due_at", (json_int_t)r->due_at, "overdue_at",
                  (json_int_t)r->overdue_at, "agency", r->agency[0] ? r->agency : NULL),
        now);
}

/* Run sql (?1 = now) and make each row it moved known; at most 256 a
 * run (the timer comes straight back for more). */
static int rescreen_move(struct muster *m, struct outbox *ob, const char *sql, int64_t now)
{
    static struct rescreen_row rows[256]; /* the loop thread's alone */
    sqlite3_stmt *s = store_stmt(m->store, sql);
    size_t n = 0;
    int rc = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    while (n < 256 && (rc = store_step(s)) > 0)
        rescreen_row_read(s, &rows[n++]);
    sqlite3_reset(s);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = rescreen_event(m, ob, &rows[i], now);
    return rc;
}

int persons_rescreen_check(struct muster *m, struct outbox *ob, int64_t now)
{
    int rc = rescreen_move(m, ob, SQL_DUE, now);
    return rc ? rc : rescreen_move(m, ob, SQL_OVERDUE, now);
}

/* ---- closing an incident ---- */

#define OPEN_STATES "('referred', 'waitlisted', 'held_consent', 'held_urgent')"

static const char SQL_OPEN[] =
    "SELECT COUNT(*) FROM referrals WHERE incident_id = ?1 AND state IN " OPEN_STATES;
static const char SQL_OPEN_BY_PATHWAY[] =
    "SELECT pathway, state, COUNT(*) FROM referrals WHERE incident_id = ?1 AND state "
    "IN " OPEN_STATES " GROUP BY pathway, state";
static const char SQL_CLOSE_ALL[] =
    "UPDATE referrals SET state = 'closed', reason = 'incident closed', updated_at = ?2"
    " WHERE incident_id = ?1 AND state IN " OPEN_STATES;
static const char SQL_DUE_COUNT[] =
    "SELECT COUNT(*) FROM rescreens WHERE state = 'due'"
    " AND person_id IN (SELECT id FROM persons WHERE incident_id = ?1)";
static const char SQL_CANCEL[] =
    "UPDATE rescreens SET state = 'cancelled' WHERE state IN ('pending', 'due')"
    " AND person_id IN (SELECT id FROM persons WHERE incident_id = ?1)";

/* The one number sql (?1 = incident_id) gives: 0 or -errno. */
static int count_of(struct muster *m, const char *sql, int64_t incident_id, int64_t *n)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    int rc = store_step(s);
    *n = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

int persons_open_referrals(struct muster *m, int64_t incident_id, int64_t *n)
{
    return count_of(m, SQL_OPEN, incident_id, n);
}

/* The board's pathway/<id>/<state> and referrals/open counts of the open
 * referrals of incident_id go to 0. */
static int open_counts_clear(struct muster *m, struct outbox *ob, int64_t incident_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_OPEN_BY_PATHWAY);
    int rc = 0, step, total = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    while (rc == 0 && (step = store_step(s)) > 0) {
        char key[128];
        int n = sqlite3_column_int(s, 2);
        snprintf(key, sizeof(key), "pathway/%s/%s", store_col_text(s, 0), store_col_text(s, 1));
        rc = board_add(m, ob, incident_id, key, -n);
        total += n;
    }
    sqlite3_reset(s);
    if (rc == 0 && step < 0)
        rc = step;
    return rc || !total ? rc : board_add(m, ob, incident_id, "referrals/open", -total);
}

int persons_incident_close(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now,
                           int64_t *closed)
{
    int64_t due = 0;
    int rc = persons_open_referrals(m, incident_id, closed);
    if (rc == 0)
        rc = open_counts_clear(m, ob, incident_id);
    sqlite3_stmt *s = rc == 0 ? store_stmt(m->store, SQL_CLOSE_ALL) : NULL;
    if (rc == 0 && !s)
        rc = -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, incident_id);
        sqlite3_bind_int64(s, 2, now);
        rc = store_exec_stmt(s);
    }
    if (rc == 0)
        rc = count_of(m, SQL_DUE_COUNT, incident_id, &due);
    if (rc == 0 && (s = store_stmt(m->store, SQL_CANCEL)) == NULL)
        rc = -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, incident_id);
        rc = store_exec_stmt(s);
    }
    return rc || !due ? rc : board_add(m, ob, incident_id, "rescreen/due", (int)-due);
}
