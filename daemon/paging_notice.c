/*
 * daemon/paging_notice.c - notices (see paging.h): pages about one record,
 * a referral or a waitlist promotion, that climb the receiving agency's
 * ladder like an activation page, with their own page ids and codes.
 *
 * A notice that needs no acknowledgement stops climbing once one delivery
 * of it is confirmed (the listener's agency.received, an exec that exited
 * 0, a webhook's 2xx, an accepted email): it is then "acknowledged" with
 * ack_via "delivered".  An urgent notice (ack_due_at set) climbs until a
 * person acknowledges it; when its ladder runs out, or its time to
 * acknowledge passes, an alarm is raised for the duty manager and Gold
 * (alarm.h), once, and the ladder goes on while it has steps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "frozen.h"
#include "jtext.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "paging_int.h"
#include "paging_text.h"
#include "plan.h"
#include "server.h"
#include "store.h"

/* Spelled as the unique index pages_agency is (a notice has no ask), so
 * the lookup is one seek: with a bare `ref_id = ?4` SQLite scanned every
 * notice of the agency, and intake slowed as referrals grew. */
static const char SQL_NOTICE_FIND[] =
    "SELECT 1 FROM pages WHERE incident_id = ?1 AND agency_id = ?2 AND kind = ?3"
    " AND COALESCE(ask_id, 0) = 0 AND COALESCE(ref_id, 0) = ?4";
static const char SQL_NOTICE_ADD[] =
    "INSERT INTO pages (incident_id, agency_id, ack_code, state, step, attempt, next_at,"
    " started_at, kind, ref_id, body, ack_due_at) VALUES (?1, ?2, ?3, 'paging', 0, 0, ?9, ?4, ?5,"
    " ?6, ?7, ?8)";

/* 1 when the notice was made before (a notice is sent once), 0, or -errno. */
static int notice_exists(struct muster *m, const struct paging_notice *n)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_NOTICE_FIND);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, n->incident_id);
    sqlite3_bind_text(s, 2, n->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, n->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, n->ref_id);
    int rc = store_step(s);
    sqlite3_reset(s);
    return rc;
}

static int notice_insert(struct muster *m, const struct paging_notice *n, const char *body,
                         int64_t first, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_NOTICE_ADD);
    if (!s)
        return -EINVAL;
    for (int tries = 0; tries < 5; tries++) {
        char code[9];
        paging_ack_code(code);
        sqlite3_bind_int64(s, 1, n->incident_id);
        sqlite3_bind_text(s, 2, n->agency, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, now);
        sqlite3_bind_text(s, 5, n->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, n->ref_id);
        sqlite3_bind_text(s, 7, body, -1, SQLITE_STATIC);
        if (n->ack_within_ms > 0)
            sqlite3_bind_int64(s, 8, now + n->ack_within_ms);
        else
            sqlite3_bind_null(s, 8);
        sqlite3_bind_int64(s, 9, first);
        int rc = store_exec_stmt(s);
        if (rc != -EEXIST) /* a clash of codes: draw again */
            return rc;
    }
    return -EEXIST;
}

char *paging_notice_body(const struct paging_notice *n)
{
    struct jtext t = {0};
    char *facts = n->facts ? jtext_dump(n->facts, false) : NULL;
    jtext_kstr(&t, "subject", n->subject);
    jtext_kstr(&t, "text", n->text);
    jtext_kraw(&t, "facts", n->facts ? facts : "{}"); /* facts NULL: no memory, no body */
    jtext_put(&t, "}", 1);
    free(facts);
    return jtext_take(&t);
}

int paging_notice(struct muster *m, struct outbox *ob, const struct paging_notice *n, int64_t now)
{
    int rc = notice_exists(m, n);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    const struct plan *plan = frozen_plan(m, n->incident_id);
    const struct plan_agency *a = plan ? plan_ladder_find(plan, n->agency) : NULL;
    if (!a)
        return -ENOENT;
    int64_t first = now + a->contacts[0].after_ms; /* the ladder's first step, as at standup */
    char *body = paging_notice_body(n);
    rc = body ? notice_insert(m, n, body, first, now) : -ENOMEM;
    free(body);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

static const char SQL_NOTICE_STOP[] =
    "UPDATE pages SET state = 'cancelled', next_at = NULL WHERE kind = ?1 AND ref_id = ?2"
    " AND state IN ('paging', 'unreachable') RETURNING id, incident_id";

int paging_notice_stop(struct muster *m, struct outbox *ob, const char *kind, int64_t ref_id,
                       int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_NOTICE_STOP);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, ref_id);
    int64_t ids[8][2];
    size_t n = 0;
    int rc;
    while ((rc = store_step(s)) > 0)
        if (n < 8) {
            ids[n][0] = sqlite3_column_int64(s, 0);
            ids[n++][1] = sqlite3_column_int64(s, 1);
        }
    sqlite3_reset(s);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = paging_cancel_in_flight(m, ob, ids[i][1], ids[i][0], now);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

static const char SQL_RECEIPT[] =
    "UPDATE pages SET state = 'acknowledged', next_at = NULL, acked_at = ?2, ack_via = 'delivered'"
    " WHERE id = ?1 AND kind <> 'page' AND ack_due_at IS NULL AND state = 'paging'"
    " RETURNING incident_id";

int paging_notice_delivered(struct muster *m, struct outbox *ob, int64_t page_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RECEIPT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, page_id);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_step(s);
    int64_t incident_id = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc <= 0)
        return rc;
    rc = paging_cancel_in_flight(m, ob, incident_id, page_id, now);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

/* ---- the pages of alarms ---- */

static const char SQL_ALARM_PAGE[] =
    "UPDATE pages SET alarm_id = ?2 WHERE incident_id = ?1 AND kind = 'alarm' AND ref_id = ?2";

int paging_alarm(struct muster *m, struct outbox *ob, const struct paging_alarm *a, int64_t now,
                 int *paged)
{
    static const char *const ladders[] = {"gold", "duty"};
    const struct plan *plan = frozen_plan(m, a->incident_id);
    int rc = plan ? 0 : -ENOENT, n = 0;
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        const struct plan_agency *l = plan_ladder_find(plan, ladders[i]);
        if (!l || plan_agency_find(plan, ladders[i]) == l)
            continue; /* the plan gives no such ladder */
        /* climbs until acknowledged: an "ack due" it never passes (the
         * alarm_id set below keeps it out of the overdue check) */
        struct paging_notice pn = {a->incident_id, ladders[i], "alarm",  a->alarm_id,
                                   a->subject,     a->text,    a->facts, 1};
        rc = paging_notice(m, ob, &pn, now);
        n++;
    }
    sqlite3_stmt *s = rc == 0 && n > 0 ? store_stmt(m->store, SQL_ALARM_PAGE) : NULL;
    if (rc == 0 && n > 0 && !s)
        rc = -EINVAL;
    if (s) {
        sqlite3_bind_int64(s, 1, a->incident_id);
        sqlite3_bind_int64(s, 2, a->alarm_id);
        rc = store_exec_stmt(s);
    }
    if (paged)
        *paged = n;
    return rc;
}

int paging_alarm_stop(struct muster *m, struct outbox *ob, int64_t alarm_id, int64_t now)
{
    return paging_notice_stop(m, ob, "alarm", alarm_id, now);
}

/* ---- alarms for urgent notices ---- */

struct notice_row {
    int64_t id, incident_id, ref_id, person;
    char ref[64], agency[48], kind[24];
    char pathway[48];
    int64_t ack_due_at, started_at;
    bool handoff; /* an out-of-area handoff to a neighbouring hub */
};

static const char SQL_NOTICE_ROW[] =
    "SELECT p.id, p.incident_id, i.ref, p.agency_id, p.kind, p.ref_id, p.body, p.ack_due_at,"
    " p.started_at FROM pages p JOIN incidents i ON i.id = p.incident_id"
    " WHERE p.id = ?1 AND p.alarm_id IS NULL AND p.ack_due_at IS NOT NULL";
static const char SQL_NOTICE_ALARMED[] = "UPDATE pages SET alarm_id = ?2 WHERE id = ?1";

static void row_facts(sqlite3_stmt *s, struct notice_row *r)
{
    json_t *b = json_loads(store_col_text(s, 6) ? store_col_text(s, 6) : "{}", 0, NULL);
    json_t *f = json_object_get(b, "facts");
    const char *pw = json_string_value(json_object_get(f, "pathway"));
    r->person = json_integer_value(json_object_get(f, "person"));
    r->handoff = json_is_true(json_object_get(f, "handoff"));
    snprintf(r->pathway, sizeof(r->pathway), "%s", pw ? pw : "-");
    json_decref(b);
}

/* Notice page_id, when it is urgent and has no alarm yet, into r: 1, 0
 * when not, or -errno. */
static int notice_row_load(struct muster *m, int64_t page_id, struct notice_row *r)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_NOTICE_ROW);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, page_id);
    int rc = store_step(s);
    if (rc > 0) {
        r->id = sqlite3_column_int64(s, 0);
        r->incident_id = sqlite3_column_int64(s, 1);
        snprintf(r->ref, sizeof(r->ref), "%s", store_col_text(s, 2));
        snprintf(r->agency, sizeof(r->agency), "%s", store_col_text(s, 3));
        snprintf(r->kind, sizeof(r->kind), "%s", store_col_text(s, 4));
        r->ref_id = sqlite3_column_int64(s, 5);
        r->ack_due_at = sqlite3_column_int64(s, 7);
        r->started_at = sqlite3_column_int64(s, 8);
        row_facts(s, r);
    }
    sqlite3_reset(s);
    return rc;
}

/* Raise the alarm of urgent notice page_id (once): why is "unreachable"
 * (its ladder ran out) or "overdue" (its time to acknowledge passed). */
static int notice_alarm(struct muster *m, struct outbox *ob, int64_t page_id, const char *why,
                        int64_t now)
{
    struct notice_row r;
    int rc = notice_row_load(m, page_id, &r);
    if (rc <= 0)
        return rc;
    char detail[256];
    snprintf(
        detail, sizeof(detail),
        "%s %s (person %" PRId64 ", pathway %s) not acknowledged by %s: %s after %" PRId64 " min",
        r.handoff ? "out-of-area" : "urgent", r.handoff ? "handoff" : r.kind, r.person, r.pathway,
        r.agency, !strcmp(why, "unreachable") ? "no contact left on its ladder" : "overdue",
        (now - r.started_at) / 60000);
    char cause[64];
    const char *kind = r.handoff ? "handoff_unacknowledged" : "referral_unacknowledged";
    snprintf(cause, sizeof(cause), "%s:%" PRId64, kind, r.ref_id);
    struct alarm_new a = {.incident_id = r.incident_id,
                          .ref = r.ref,
                          .kind = kind,
                          .agency = r.agency,
                          .person_id = r.person,
                          .referral_id = r.ref_id,
                          .detail = detail,
                          .cause = cause};
    int64_t alarm_id = 0;
    log_warnx("paging: %s: %s; raised to the duty manager and Gold", r.ref, detail);
    rc = alarm_raise(m, ob, &a, now, &alarm_id);
    sqlite3_stmt *u = rc ? NULL : store_stmt(m->store, SQL_NOTICE_ALARMED);
    if (rc == 0 && !u)
        rc = -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(u, 1, page_id);
        sqlite3_bind_int64(u, 2, alarm_id);
        rc = store_exec_stmt(u);
    }
    return rc;
}

int paging__notice_unreachable(struct muster *m, struct outbox *ob, int64_t page_id,
                               int64_t incident_id, const char *ref, const char *agency, int steps,
                               int64_t now)
{
    int rc = outbox_event(m, ob, incident_id, ref, "notice.unreachable",
                          json_pack("{s:s, s:I, s:i}", "agency", agency, "page_id",
                                    (json_int_t)page_id, "steps", steps),
                          now);
    return rc ? rc : notice_alarm(m, ob, page_id, "unreachable", now);
}

static const char SQL_OVERDUE[] =
    "SELECT id FROM pages WHERE state = 'paging' AND alarm_id IS NULL AND ack_due_at <= ?1"
    " ORDER BY ack_due_at LIMIT 256";

int paging__notices_overdue(struct muster *m, struct outbox *ob, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_OVERDUE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    int64_t *ids;
    size_t n;
    int rc = store_ids(s, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = notice_alarm(m, ob, ids[i], "overdue", now);
    free(ids);
    return rc;
}
