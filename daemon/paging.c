/*
 * daemon/paging.c - the paging engine (see paging.h): the ladders.  Each
 * page climbs its agency's contacts in the incident's typed frozen plan
 * (frozen.h), one attempt per tick when due; this file owns the one
 * uv_timer (armed for the earliest next_at), the pages of incidents and
 * the recovery at start.  The deliveries, the listener sessions and the
 * results are in paging_deliver.c.
 *
 * Ownership: the pages and attempts tables are the truth.  Every change
 * happens inside a control batch transaction (a control_task or a command
 * handler); deliveries start only after the commit (outbox actions), and
 * their results come back as tasks.  So a crash can lose a result but
 * never a step: an attempt committed as "sending" whose result never got
 * recorded is sent again at start with the same page id, which receivers
 * use to drop the duplicate.
 */
#include "paging.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "board.h"
#include "channel.h"
#include "control.h"
#include "frozen.h"
#include "jtext.h"
#include "log.h"
#include "outbox.h"
#include "paging_int.h"
#include "paging_text.h"
#include "plan.h"
#include "server.h"
#include "store.h"

/* ---- the timer ---- */

static const char SQL_NEXT_DUE[] =
    "SELECT MIN(t) FROM (SELECT MIN(next_at) AS t FROM pages WHERE state = 'paging' UNION ALL"
    " SELECT MIN(ack_due_at) FROM pages WHERE state = 'paging' AND alarm_id IS NULL"
    " AND ack_due_at IS NOT NULL)";

static int tick_task(struct muster *m, struct outbox *ob, void *arg);

static void tick_dropped(void *arg)
{
    struct paging *p = arg;
    p->tick_queued = false;
}

static void on_timer(uv_timer_t *t)
{
    struct paging *p = t->data;
    if (p->tick_queued)
        return;
    p->tick_queued = true;
    control_task(p->m->control, tick_task, tick_dropped, p);
}

/* Arm the timer for the earliest deadline (outside any transaction). */
static void rearm(struct muster *m, void *arg)
{
    struct paging *p = m->paging;
    p->rearm_queued = false;
    if (m->stopping)
        return;
    sqlite3_stmt *s = store_stmt(m->store, SQL_NEXT_DUE);
    int rc = s ? store_step(s) : -EINVAL;
    bool has = rc > 0 && sqlite3_column_type(s, 0) != SQLITE_NULL;
    int64_t next = has ? sqlite3_column_int64(s, 0) : 0;
    if (s)
        sqlite3_reset(s);
    if (rc <= 0) { /* cannot read the deadlines: look again soon */
        uv_timer_start(&p->timer, on_timer, 1000, 0);
        return;
    }
    if (!has) {
        uv_timer_stop(&p->timer);
        return;
    }
    int64_t delay = next - server_now(m);
    uv_timer_start(&p->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* The change that wanted a re-arm was rolled back (or its commit failed):
 * look again in a second, so a failed write never stalls the ladders. */
static void rearm_dropped(void *arg)
{
    struct paging *p = arg;
    p->rearm_queued = false;
    if (!p->m->stopping)
        uv_timer_start(&p->timer, on_timer, 1000, 0);
}

/* Re-arm the timer once this transaction commits. */
int paging_rearm_after_commit(struct muster *m, struct outbox *ob)
{
    struct paging *p = m->paging;
    if (!p || p->rearm_queued) /* no engine (a unit test) or already queued */
        return 0;
    p->rearm_queued = true;
    return outbox_action(ob, rearm, rearm_dropped, p);
}

/* The agency's board key, to ride on the event that follows. */
static void agency_board_put(struct outbox *ob, const char *agency, json_t *v)
{
    char key[64];
    int n = snprintf(key, sizeof(key), "agency/%s", agency); /* ids are at most 40 */
    if (!v || n < 0 || (size_t)n >= sizeof(key)) {
        json_decref(v); /* asked for staff, but not activated: no activation page to show */
        return;
    }
    board_put(ob, key, v);
}

void paging_agency_board(struct muster *m, struct outbox *ob, int64_t incident_id,
                         const char *agency)
{
    agency_board_put(ob, agency, board_agency(m, incident_id, agency));
}

/* ---- the ladder ---- */

struct due {
    int64_t id, incident_id;
    char agency[48];
    char ref[64];
    int step, attempt;
    bool notice; /* a notice (paging_notice.c), not an activation or a call for staff */
    bool ask;    /* a call for staff */
    bool fresh;  /* made by this standup: no attempt yet (paging_incident_first) */
};

static const char SQL_DUE[] =
    "SELECT p.id, p.incident_id, p.agency_id, i.ref, p.step, p.attempt, p.kind <> 'page',"
    " p.ask_id IS NOT NULL FROM pages p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.state = 'paging' AND p.next_at <= ?1"
    " ORDER BY p.next_at LIMIT ?2";
static const char SQL_DUE_OF[] =
    "SELECT p.id, p.incident_id, p.agency_id, i.ref, p.step, p.attempt, p.kind <> 'page',"
    " p.ask_id IS NOT NULL FROM pages p JOIN incidents i ON i.id = p.incident_id"
    " WHERE p.incident_id = ?3 AND p.state = 'paging' AND p.next_at <= ?1 ORDER BY p.id LIMIT ?2";
/* The due notices of incident ?3 through pages_due (the few pages due
 * now), never through every page of the incident (+incident_id). */
static const char SQL_DUE_NOTICES_OF[] =
    "SELECT p.id, p.incident_id, p.agency_id, i.ref, p.step, p.attempt, p.kind <> 'page',"
    " p.ask_id IS NOT NULL FROM pages p JOIN incidents i ON i.id = p.incident_id"
    " WHERE p.state = 'paging' AND p.next_at <= ?1 AND +p.incident_id = ?3 AND p.kind <> 'page'"
    " ORDER BY p.next_at LIMIT ?2";
static const char SQL_UNREACHABLE[] = "UPDATE pages SET state = 'unreachable', unreachable_at = ?2,"
                                      " next_at = NULL WHERE id = ?1";
static const char SQL_ATTEMPT_ADD[] =
    "INSERT INTO attempts (page_id, step, attempt, channel, contact, target, state, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_ADVANCE[] =
    "UPDATE pages SET step = ?2, attempt = ?3, next_at = ?4 WHERE id = ?1";

/* An agency unreachable on every channel is an alarm for Gold and the
 * duty manager (one while it is open, however often it is repaged). */
static int unreachable_alarm(struct muster *m, struct outbox *ob, const struct due *d, int steps,
                             int64_t now)
{
    char detail[160], cause[80];
    snprintf(detail, sizeof(detail), "agency %s unreachable on every channel (%d steps)", d->agency,
             steps);
    snprintf(cause, sizeof(cause), "agency_unreachable:%s", d->agency);
    struct alarm_new a = {.incident_id = d->incident_id,
                          .ref = d->ref,
                          .kind = "agency_unreachable",
                          .agency = d->agency,
                          .detail = detail,
                          .cause = cause};
    return alarm_raise(m, ob, &a, now, NULL);
}

static int mark_unreachable(struct muster *m, struct outbox *ob, const struct due *d, int steps,
                            int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_UNREACHABLE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, d->id);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_exec_stmt(s);
    if (d->notice)
        return rc ? rc
                  : paging__notice_unreachable(m, ob, d->id, d->incident_id, d->ref, d->agency,
                                               steps, now);
    paging_agency_board(m, ob, d->incident_id, d->agency);
    if (rc == 0)
        rc = outbox_event(m, ob, d->incident_id, d->ref, "agency.unreachable",
                          json_pack("{s:s, s:i}", "agency", d->agency, "steps", steps), now);
    if (rc == 0)
        outbox_log(ob, "paging: %s: agency %s unreachable on every channel after %d steps", d->ref,
                   d->agency, steps);
    return rc || d->ask ? rc : unreachable_alarm(m, ob, d, steps, now);
}

static int attempt_insert(struct muster *m, const struct due *d, const struct plan_contact *contact,
                          bool live, int64_t now, int64_t *id)
{
    bool zmq = contact->channel == PLAN_CHANNEL_ZMQ;
    sqlite3_stmt *s = store_stmt(m->store, SQL_ATTEMPT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, d->id);
    sqlite3_bind_int(s, 2, d->step);
    sqlite3_bind_int(s, 3, d->attempt + 1);
    sqlite3_bind_text(s, 4, plan_channel_name(contact->channel), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, contact->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, contact->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, zmq ? (live ? "sent" : "queued") : "sending", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, now);
    int rc = store_exec_stmt(s);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    return rc;
}

/* Where the ladder goes after an attempt at d->step: the same step again
 * while repeats remain, else the next step (or the final wait). */
static int advance(struct muster *m, const struct due *d, const struct plan_agency *agency,
                   int64_t ack_wait, int64_t now)
{
    const struct plan_contact *c = &agency->contacts[d->step];
    int steps = (int)agency->ncontacts, step = d->step, attempt = d->attempt + 1;
    int64_t wait;
    if (attempt <= c->repeat) {
        wait = c->after_ms > 0 ? c->after_ms : ack_wait;
    } else {
        step++;
        attempt = 0;
        wait = step < steps ? agency->contacts[step].after_ms : ack_wait;
    }
    sqlite3_stmt *s = store_stmt(m->store, SQL_ADVANCE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, d->id);
    sqlite3_bind_int(s, 2, step);
    sqlite3_bind_int(s, 3, attempt);
    sqlite3_bind_int64(s, 4, now + wait);
    return store_exec_stmt(s);
}

/* One due page: send its next attempt, or declare it unreachable. */
static int step_page(struct paging *p, struct outbox *ob, const struct due *d, int64_t now)
{
    struct muster *m = p->m;
    const struct plan *plan = frozen_plan(m, d->incident_id);
    const struct plan_agency *agency = plan ? plan_ladder_find(plan, d->agency) : NULL;
    if (!agency)
        return -ENOENT;
    int steps = (int)agency->ncontacts;
    if (d->step >= steps)
        return mark_unreachable(m, ob, d, steps, now);
    const struct plan_contact *contact = &agency->contacts[d->step];
    int64_t id = 0;
    bool live = paging__session_find(p, d->agency, now) != NULL;
    int rc = attempt_insert(m, d, contact, live, now, &id);
    if (rc == 0)
        rc = advance(m, d, agency, plan->paging.ack_wait_ms, now);
    if (rc == 0 && d->fresh && !d->notice && !d->ask) /* its first attempt: step 1, known */
        agency_board_put(ob, d->agency, board_agency_paging(1));
    else if (rc == 0 && !d->notice)
        paging_agency_board(m, ob, d->incident_id, d->agency);
    const char *kind = d->notice                        ? "notice.sent"
                       : d->step > 0 && d->attempt == 0 ? "agency.escalated"
                                                        : "page.sent";
    if (rc == 0) { /* one a registration's notice, 500 a standup's pages */
        struct jtext t = {0};
        jtext_kstr(&t, "agency", d->agency);
        jtext_kint(&t, "page_id", id);
        jtext_kint(&t, "step", d->step + 1);
        jtext_kint(&t, "attempt", d->attempt + 1);
        jtext_kstr(&t, "channel", plan_channel_name(contact->channel));
        jtext_put(&t, "}", 1);
        rc = outbox_event_text(m, ob, d->incident_id, d->ref, kind, jtext_take(&t), now);
    }
    /* an attempt queued for an agency not listening is built when it
     * listens (paging_flush_queued): building it now, its page text and
     * JSON, was work thrown away (issue 19) */
    if (rc != 0 || (contact->channel == PLAN_CHANNEL_ZMQ && !live))
        return rc;
    return paging__deliver_after_commit(p, ob, id);
}

static const char SQL_POSTPONE[] = "UPDATE pages SET next_at = ?2 WHERE id = ?1";

/* Put page d back until at.  0 or -errno. */
static int postpone(struct store *st, const struct due *d, int64_t at)
{
    sqlite3_stmt *s = store_stmt(st, SQL_POSTPONE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, d->id);
    sqlite3_bind_int64(s, 2, at);
    return store_exec_stmt(s);
}

/* One page's step under its own savepoint (nested in the tick task's): a
 * page that cannot be stepped (its plan entry unreadable, the disk
 * failing) is put back a minute and never holds up the other ladders. */
static void step_guarded(struct paging *p, struct outbox *ob, const struct due *d, int64_t now)
{
    struct store *st = p->m->store;
    size_t mark = ob->count;
    int depth = store_savepoint_depth(st);
    int rc = store_savepoint(st);
    if (rc == 0 && (rc = step_page(p, ob, d, now)) == 0 && (rc = store_savepoint_release(st)) == 0)
        return;
    log_error("paging: %s: page of %s not stepped: %s; trying again in a minute", d->ref, d->agency,
              strerror(-rc));
    if (store_savepoint_depth(st) > depth)
        store_savepoint_rollback(st);
    outbox_truncate(ob, mark);
    if ((rc = postpone(st, d, now + 60000)) != 0)
        log_error("paging: %s: page of %s not put back: %s", d->ref, d->agency, strerror(-rc));
}

/* The pages due at now by the statement sql (SQL_DUE, or SQL_DUE_OF and
 * SQL_DUE_NOTICES_OF of incident_id), at most max, into out (*n of them).
 * 0, or -errno when they cannot be read. */
static int due_load_sql(struct muster *m, const char *sql, int64_t incident_id, struct due *out,
                        size_t max, size_t *n, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    int rc = 0;
    *n = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int(s, 2, (int)max);
    if (incident_id)
        sqlite3_bind_int64(s, 3, incident_id);
    while (*n < max && (rc = store_step(s)) > 0) {
        struct due *d = &out[(*n)++];
        d->id = sqlite3_column_int64(s, 0);
        d->incident_id = sqlite3_column_int64(s, 1);
        snprintf(d->agency, sizeof(d->agency), "%s", store_col_text(s, 2));
        snprintf(d->ref, sizeof(d->ref), "%s", store_col_text(s, 3));
        d->step = sqlite3_column_int(s, 4);
        d->attempt = sqlite3_column_int(s, 5);
        d->notice = sqlite3_column_int(s, 6) != 0;
        d->ask = sqlite3_column_int(s, 7) != 0;
        d->fresh = false; /* paging_incident_first says otherwise */
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* The pages due at now (of incident_id only, when not 0), at most
 * PAGING_TICK_BATCH. */
static int due_load(struct muster *m, int64_t incident_id, struct due *out, size_t *n, int64_t now)
{
    return due_load_sql(m, incident_id ? SQL_DUE_OF : SQL_DUE, incident_id, out, PAGING_TICK_BATCH,
                        n, now);
}

/* Step every due page.  When the due pages cannot be read none is
 * stepped, and the task fails: its re-arm is dropped with the rollback,
 * which looks again in a second. */
static int tick_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct paging *p = arg;
    p->tick_queued = false;
    int64_t now = server_now(m);
    struct due *due = calloc(PAGING_TICK_BATCH, sizeof(*due));
    size_t n = 0;
    int rc = due ? due_load(m, 0, due, &n, now) : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        step_guarded(p, ob, &due[i], now);
    free(due);
    if (rc == 0)
        rc = paging__notices_overdue(m, ob, now);
    if (rc != 0)
        log_error("paging: the due pages cannot be read: %s; looking again in a second",
                  strerror(-rc));
    int rearm = paging_rearm_after_commit(m, ob);
    return rc ? rc : rearm;
}

/* ---- incidents ---- */

static const char SQL_PAGE_ADD[] =
    "INSERT INTO pages (incident_id, agency_id, ack_code, state, step, attempt, next_at,"
    " started_at, ask_id) VALUES (?1, ?2, ?3, 'paging', 0, 0, ?4, ?5, ?6)";

int paging__page_insert(struct muster *m, int64_t incident_id, const char *agency_id,
                        int64_t ask_id, int64_t next_at, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PAGE_ADD);
    if (!s)
        return -EINVAL;
    for (int tries = 0; tries < 5; tries++) {
        char code[9];
        paging_ack_code(code);
        sqlite3_bind_int64(s, 1, incident_id);
        sqlite3_bind_text(s, 2, agency_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, next_at);
        sqlite3_bind_int64(s, 5, now);
        if (ask_id > 0)
            sqlite3_bind_int64(s, 6, ask_id);
        else
            sqlite3_bind_null(s, 6);
        int rc = store_exec_stmt(s);
        if (rc != -EEXIST) /* a clash of codes: draw again */
            return rc;
    }
    return -EEXIST;
}

int paging_incident_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                          const struct plan *plan, int level, int64_t now)
{
    int rc = 0;
    for (size_t i = 0; i < plan->nagencies && rc == 0; i++) {
        if (plan->agencies[i].activate_level > level)
            continue;
        rc = paging__page_insert(m, incident_id, plan->agencies[i].id, 0,
                                 now + plan->agencies[i].contacts[0].after_ms, now);
        if (rc == 0) /* what board_agency would read back of the new page */
            agency_board_put(ob, plan->agencies[i].id, board_agency_paging(0));
    }
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

/* Step pages due[0..n) under one savepoint: 0 when every one was
 * stepped, else -errno with all of them undone (the savepoint rolled back,
 * their outbox items dropped). */
static int step_all(struct paging *p, struct outbox *ob, const struct due *due, size_t n,
                    int64_t now)
{
    struct store *st = p->m->store;
    size_t mark = ob->count;
    int depth = store_savepoint_depth(st);
    int rc = store_savepoint(st);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = step_page(p, ob, &due[i], now);
    if (rc == 0 && (rc = store_savepoint_release(st)) == 0)
        return 0;
    if (store_savepoint_depth(st) > depth)
        store_savepoint_rollback(st);
    outbox_truncate(ob, mark);
    return rc;
}

/* The standup's first attempts, in its own transaction.  Savepoints cost
 * a statement journal each, so all the pages are stepped under one; only
 * when one of them fails are they stepped again one by one, each under
 * its own (step_guarded), as the paging tick does. */
int paging_incident_first(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now)
{
    if (!m->paging) /* no paging (a unit test's daemon): nothing steps pages */
        return 0;
    struct due *due = calloc(PAGING_TICK_BATCH, sizeof(*due));
    size_t n = 0;
    int rc = due ? due_load(m, incident_id, due, &n, now) : -ENOMEM;
    for (size_t i = 0; i < n; i++)
        due[i].fresh = true; /* the incident's pages were all made in this transaction */
    if (rc == 0 && n > 0 && step_all(m->paging, ob, due, n, now) != 0)
        for (size_t i = 0; i < n; i++)
            step_guarded(m->paging, ob, &due[i], now);
    free(due);
    return rc;
}

int paging_notices_first(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now)
{
    struct due due[8]; /* a registration makes one notice, two with a handoff */
    size_t n = 0;
    if (!m->paging) /* no paging (a unit test's daemon): nothing steps pages */
        return 0;
    int rc = due_load_sql(m, SQL_DUE_NOTICES_OF, incident_id, due, 8, &n, now);
    for (size_t i = 0; rc == 0 && i < n; i++)
        step_guarded(m->paging, ob, &due[i], now);
    return rc;
}

static const char SQL_ACTIVATED[] = "SELECT 1 FROM pages WHERE incident_id = ?1"
                                    " AND agency_id = ?2 AND kind = 'page' AND ask_id IS NULL";

int paging_activate(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                    const char *agency_id, const char *why, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ACTIVATED);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, agency_id, -1, SQLITE_STATIC);
    int rc = store_step(s);
    sqlite3_reset(s);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = paging__page_insert(m, incident_id, agency_id, 0, now, now);
    if (rc == 0)
        paging_agency_board(m, ob, incident_id, agency_id);
    if (rc == 0)
        rc = outbox_event(m, ob, incident_id, ref, "agency.activated",
                          json_pack("{s:s, s:s}", "agency", agency_id, "reason", why), now);
    if (rc == 0)
        rc = paging_rearm_after_commit(m, ob);
    if (rc == 0)
        log_info("paging: %s: agency %s activated: %s", ref, agency_id, why);
    return rc ? rc : 1;
}

int paging_ask_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                     const char *agency_id, int64_t ask_id, int64_t now)
{
    int rc = paging__page_insert(m, incident_id, agency_id, ask_id, now, now);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

static const char SQL_ASK_PAGE_STOP[] =
    "UPDATE pages SET state = 'cancelled', next_at = NULL WHERE ask_id = ?1"
    " AND state IN ('paging', 'unreachable') RETURNING id, incident_id";

int paging_ask_stop(struct muster *m, struct outbox *ob, int64_t ask_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ASK_PAGE_STOP);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, ask_id);
    int rc = store_step(s);
    int64_t page_id = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    int64_t incident_id = rc > 0 ? sqlite3_column_int64(s, 1) : 0;
    sqlite3_reset(s);
    if (rc > 0)
        rc = paging_cancel_in_flight(m, ob, incident_id, page_id, now);
    return rc;
}

static const char SQL_IN_FLIGHT[] =
    "SELECT a.id FROM attempts a JOIN pages p ON p.id = a.page_id"
    " WHERE p.incident_id = ?1 AND (?2 = 0 OR p.id = ?2) AND a.state IN ('sending', 'queued')";

static const char SQL_CANCEL_ATTEMPTS[] =
    "UPDATE attempts SET state = 'cancelled', finished_at = ?3 WHERE state IN ('sending', 'queued')"
    " AND page_id IN (SELECT id FROM pages WHERE incident_id = ?1 AND (?2 = 0 OR id = ?2))";
static const char SQL_CANCEL_PAGES[] =
    "UPDATE pages SET state = 'cancelled', next_at = NULL WHERE incident_id = ?1"
    " AND state = 'paging'"; /* unreachable stays on record: the report needs it */

struct cancel_list {
    size_t count;
    int64_t ids[];
};

static void cancel_deliveries(struct muster *m, void *arg)
{
    struct cancel_list *l = arg;
    for (size_t i = 0; m->paging && i < l->count; i++)
        channel_cancel(m->paging->channels, l->ids[i]);
    free(l);
}

/* Append id to *l, growing it.  0 or -ENOMEM. */
static int cancel_list_add(struct cancel_list **l, size_t *cap, int64_t id)
{
    if ((*l)->count == *cap) {
        struct cancel_list *n = realloc(*l, sizeof(**l) + *cap * 2 * sizeof(int64_t));
        if (!n)
            return -ENOMEM;
        *l = n;
        *cap *= 2;
    }
    (*l)->ids[(*l)->count++] = id;
    return 0;
}

/* The attempts in flight for the incident (or one page of it), as a new
 * list in *out (the caller frees it).  0 or -errno. */
static int in_flight_load(struct muster *m, int64_t incident_id, int64_t page_id,
                          struct cancel_list **out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_IN_FLIGHT);
    size_t cap = 16;
    struct cancel_list *l = calloc(1, sizeof(*l) + cap * sizeof(int64_t));
    int rc = !s ? -EINVAL : !l ? -ENOMEM : 0;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, incident_id);
        sqlite3_bind_int64(s, 2, page_id);
        while ((rc = store_step(s)) > 0)
            if ((rc = cancel_list_add(&l, &cap, sqlite3_column_int64(s, 0))) != 0)
                break;
        sqlite3_reset(s);
    }
    if (rc != 0) {
        free(l);
        l = NULL;
    }
    *out = l;
    return rc;
}

/* After the commit, stop the deliveries still running for the incident
 * (or one page of it), and mark their attempts cancelled now. */
int paging_cancel_in_flight(struct muster *m, struct outbox *ob, int64_t incident_id,
                            int64_t page_id, int64_t now)
{
    struct cancel_list *l;
    int rc = in_flight_load(m, incident_id, page_id, &l);
    if (rc != 0)
        return rc;
    sqlite3_stmt *u = store_stmt(m->store, SQL_CANCEL_ATTEMPTS);
    rc = u ? 0 : -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(u, 1, incident_id);
        sqlite3_bind_int64(u, 2, page_id);
        sqlite3_bind_int64(u, 3, now);
        rc = store_exec_stmt(u);
    }
    if (rc != 0) {
        free(l);
        return rc;
    }
    return outbox_action(ob, cancel_deliveries, free, l);
}

static const char SQL_PURGE_NOTES[] =
    "UPDATE pages SET ack_note = NULL WHERE incident_id = ?1 AND ack_note IS NOT NULL";

int paging_incident_purge(struct muster *m, int64_t incident_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PURGE_NOTES);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    return store_exec_stmt(s);
}

static const char SQL_PAGE_AGENCIES[] =
    "SELECT agency_id FROM pages WHERE incident_id = ?1 AND ask_id IS NULL AND kind = 'page'";

/* The board key of every agency the incident activated.  0 or -errno. */
static int agency_boards(struct muster *m, struct outbox *ob, int64_t incident_id)
{
    sqlite3_stmt *a = store_stmt(m->store, SQL_PAGE_AGENCIES);
    char agencies[512][48];
    size_t n = 0;
    int rc = 0;
    if (!a)
        return -EINVAL;
    sqlite3_bind_int64(a, 1, incident_id);
    while (n < 512 && (rc = store_step(a)) > 0)
        snprintf(agencies[n++], 48, "%s", store_col_text(a, 0));
    sqlite3_reset(a);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        paging_agency_board(m, ob, incident_id, agencies[i]);
    return rc < 0 ? rc : 0;
}

int paging_incident_stop(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_CANCEL_PAGES);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    int rc = store_exec_stmt(s);
    if (rc == 0)
        rc = agency_boards(m, ob, incident_id);
    if (rc == 0)
        rc = paging_cancel_in_flight(m, ob, incident_id, 0, now);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

static const char SQL_PAGES_SHOW[] =
    "SELECT p.id, p.agency_id, p.state, p.step, p.attempt, p.acked_at, p.acked_by, p.ack_note,"
    " p.ack_via, p.unreachable_at, p.next_at, p.repages,"
    " (SELECT COUNT(*) FROM attempts a WHERE a.page_id = p.id),"
    " (SELECT COUNT(*) FROM attempts a WHERE a.page_id = p.id AND a.state = 'delivered'),"
    " (SELECT COUNT(*) FROM attempts a WHERE a.page_id = p.id AND a.state = 'failed'),"
    " (SELECT MAX(step) + 1 FROM attempts a WHERE a.page_id = p.id), p.ack_code"
    " FROM pages p WHERE p.incident_id = ?1 AND (?2 IS NULL OR p.agency_id = ?2)"
    " AND p.ask_id IS NULL AND p.kind = 'page' ORDER BY p.id";

static json_t *page_row(sqlite3_stmt *s)
{
    json_t *r =
        json_pack("{s:s, s:s, s:o, s:i, s:i, s:i, s:i}", "agency", store_col_text(s, 1), "state",
                  store_col_text(s, 2), "escalated_to_step", store_col_opt_int(s, 15), "attempts",
                  sqlite3_column_int(s, 12), "delivered", sqlite3_column_int(s, 13), "failed",
                  sqlite3_column_int(s, 14), "repages", sqlite3_column_int(s, 11));
    json_object_set_new(r, "next_at", store_col_opt_int(s, 10));
    json_object_set_new(r, "acknowledged_at", store_col_opt_int(s, 5));
    json_object_set_new(r, "acknowledged_by", store_col_opt_text(s, 6));
    json_object_set_new(r, "ack_note", store_col_opt_text(s, 7));
    json_object_set_new(r, "ack_via", store_col_opt_text(s, 8));
    json_object_set_new(r, "unreachable_at", store_col_opt_int(s, 9));
    return r;
}

/* An agency's own page: with the code it acknowledges by. */
static json_t *own_page_row(sqlite3_stmt *s)
{
    json_t *r = page_row(s);
    json_object_set_new(r, "ack_code", json_string(store_col_text(s, 16)));
    return r;
}

int paging_incident_pages(struct muster *m, int64_t incident_id, const char *agency_id,
                          json_t **out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PAGES_SHOW);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, agency_id, -1, SQLITE_STATIC);
    return store_rows_json(s, agency_id ? own_page_row : page_row, out);
}

/* ---- start and stop ---- */

static const char SQL_RECOVER[] =
    "SELECT a.id, p.state FROM attempts a JOIN pages p ON p.id = a.page_id"
    " WHERE a.state = 'sending'";
/* Both seek attempts_state: a restart reads the attempts in flight, not
 * every page still paging (each referral notice is one). */
static const char SQL_REQUEUE[] =
    "UPDATE attempts SET state = 'queued' WHERE state = 'sent' AND channel = 'zmq'"
    " AND (SELECT state FROM pages WHERE id = attempts.page_id) = 'paging'";
static const char SQL_ABANDON[] =
    "UPDATE attempts SET state = 'cancelled', detail = 'page no longer active at restart'"
    " WHERE id = ?1";

static int abandon(struct store *st, int64_t attempt_id)
{
    sqlite3_stmt *u = store_stmt(st, SQL_ABANDON);
    if (!u)
        return -EINVAL;
    sqlite3_bind_int64(u, 1, attempt_id);
    return store_exec_stmt(u);
}

/* Deliveries cut off by a crash: committed as sending, no result.  Send
 * them again with the same page id (receivers drop the duplicate); those
 * whose page has stopped climbing are cancelled. */
static int recover_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct paging *p = arg;
    /* a push to a listener that was never confirmed may have died with the
     * process: queue it for the listener's next heartbeat */
    int rc = store_exec(m->store, SQL_REQUEUE);
    sqlite3_stmt *s = store_stmt(m->store, SQL_RECOVER);
    rc = rc ? rc : s ? 0 : -EINVAL;
    int resent = 0, step = 0;
    while (rc == 0 && (step = store_step(s)) > 0) {
        int64_t id = sqlite3_column_int64(s, 0);
        bool paging = !strcmp(store_col_text(s, 1), "paging");
        rc = paging ? paging__deliver_after_commit(p, ob, id) : abandon(m->store, id);
        resent += paging;
    }
    if (s)
        sqlite3_reset(s);
    rc = rc ? rc : step < 0 ? step : 0;
    if (resent)
        log_info("paging: %d deliveries cut off by a restart sent again", resent);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

int paging_open(struct muster *m, struct paging **out)
{
    struct paging *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    int rc = channels_open(m->loop, m->cfg->scripts_dir, &p->channels);
    if (rc != 0) {
        free(p);
        return rc;
    }
    uv_timer_init(m->loop, &p->timer);
    p->timer.data = p;
    *out = p;
    m->paging = p;
    return control_task(m->control, recover_task, NULL, p);
}

void paging_close(struct paging *p)
{
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, NULL);
    channels_close(p->channels);
}

void paging_free(struct paging *p)
{
    if (!p)
        return;
    channels_free(p->channels);
    free(p->sessions);
    free(p);
}
