/*
 * daemon/paging_deliver.c - the deliveries of the paging engine (see
 * paging.h and paging_int.h): the listener sessions of agencies, building
 * one page from the database and the incident's typed frozen plan, handing
 * it to its channel after the commit, and recording what came of it.
 *
 * A delivery is built inside the transaction that commits its attempt and
 * sent after the commit (an outbox action); it owns copies of every string
 * it carries, so no frozen plan need outlive the transaction.  Its result
 * comes back as a control task in a later batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel.h"
#include "control.h"
#include "edxl_rm.h"
#include "frozen.h"
#include "jtext.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "paging.h"
#include "paging_int.h"
#include "paging_text.h"
#include "plan.h"
#include "server.h"
#include "staffing_rm.h"
#include "store.h"

#define SESSION_TTL_MS 30000 /* a listener heartbeats every 10 s */
#define LOCAL_RETRY_MS 5000  /* a delivery musterd itself could not start is tried again */

/* ---- sessions ---- */

/* The sessions are kept sorted by agency id: a standup asks for every
 * agency's session twice (its first attempt, its delivery), in the plan's
 * order, and the sessions start in whatever order the agencies connect;
 * searching from the last one found cost 169 comparisons a lookup with 500
 * listeners (issue 19).  Where agency's session is, or would go (*found
 * false). */
static size_t session_slot(const struct paging *p, const char *agency, bool *found)
{
    size_t lo = 0, hi = p->nsessions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->sessions[mid].agency, agency);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

struct paging_session *paging__session_find(struct paging *p, const char *agency, int64_t now)
{
    bool found;
    size_t i = session_slot(p, agency, &found);
    return found && now - p->sessions[i].seen <= SESSION_TTL_MS ? &p->sessions[i] : NULL;
}

void paging_session_seen(struct muster *m, const char *agency_id, const char *key,
                         const void *route, size_t route_len)
{
    struct paging *p = m->paging;
    char id[sizeof(p->sessions->agency)];
    snprintf(id, sizeof(id), "%s", agency_id); /* as kept, so that it is found again */
    bool found;
    size_t i = session_slot(p, id, &found);
    if (!found && p->nsessions == p->capsessions) {
        size_t cap = p->capsessions ? p->capsessions * 2 : 16;
        struct paging_session *n = realloc(p->sessions, cap * sizeof(*n));
        if (!n)
            return;
        p->sessions = n;
        p->capsessions = cap;
    }
    struct paging_session *s = &p->sessions[i];
    int64_t now = server_now(m);
    size_t len = route_len < sizeof(s->route) ? route_len : sizeof(s->route);
    /* a new connection (a listener back after a restart of either side), not a heartbeat */
    if (!found || now - s->seen > SESSION_TTL_MS || s->route_len != len ||
        memcmp(s->route, route, len))
        log_info("paging: listener session of %s started", agency_id);
    if (!found) {
        memmove(s + 1, s, (p->nsessions - i) * sizeof(*s));
        p->nsessions++;
    }
    snprintf(s->agency, sizeof(s->agency), "%s", id);
    snprintf(s->key, sizeof(s->key), "%s", key ? key : "");
    s->route_len = len;
    memcpy(s->route, route, len);
    s->seen = now;
}

void paging__session_end(struct paging *p, struct paging_session *s)
{
    log_info("paging: listener session of %s ended", s->agency);
    size_t i = (size_t)(s - p->sessions);
    memmove(s, s + 1, (--p->nsessions - i) * sizeof(*s));
}

void paging_sessions_revoke(struct muster *m)
{
    struct paging *p = m->paging;
    for (size_t i = p ? p->nsessions : 0; i-- > 0;)
        if (!keyring_lookup_z85(m->keyring, p->sessions[i].key))
            paging__session_end(p, &p->sessions[i]);
}

/* ---- deliveries ---- */

/* One copied string, in a delivery's list of them. */
struct kept {
    struct kept *next;
    char s[];
};

struct delivery {
    int64_t id; /* attempt id = page id on the wire */
    enum plan_channel channel;
    char agency[48];
    bool queued; /* zmq with no live session when it was committed */
    bool oom;    /* a string could not be copied */
    struct page_msg msg;
    struct plan_paging paging;
    struct kept *kept; /* owns the copied strings msg and paging point into */
    json_t *notice;    /* a notice's stored body (msg points into it), or NULL */
    char *subject, *text, *json, *call;
    const char *rm; /* the ask's RequestResource (a kept copy), or NULL */
    char rm_id[96]; /* its MessageID */
    const char **args;
};

static void delivery_free(void *arg)
{
    struct delivery *d = arg;
    if (!d)
        return;
    for (struct kept *k = d->kept, *next; k; k = next) {
        next = k->next;
        free(k);
    }
    json_decref(d->notice);
    free(d->subject);
    free(d->text);
    free(d->json);
    free(d->call);
    free(d->args);
    free(d);
}

/* A copy of s that lives as long as d (borrowed from d); NULL for a NULL
 * s, or when memory ran out (then d->oom is set). */
static const char *keep(struct delivery *d, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    struct kept *k = malloc(sizeof(*k) + n);
    if (!k) {
        d->oom = true;
        return NULL;
    }
    memcpy(k->s, s, n);
    k->next = d->kept;
    d->kept = k;
    return k->s;
}

static const char SQL_ATTEMPT[] =
    "SELECT a.step, a.attempt, a.state, p.agency_id, p.ack_code, p.incident_id, i.ref, i.level,"
    " i.exercise, i.operation, i.plan_version, p.ask_id, p.kind, p.body, p.ack_due_at"
    " FROM attempts a"
    " JOIN pages p ON p.id = a.page_id JOIN incidents i ON i.id = p.incident_id WHERE a.id = ?1";
static const char SQL_ASK_CALL[] =
    "SELECT a.short, a.role, s.name, s.starts_at, s.ends_at FROM asks a"
    " JOIN shifts s ON s.id = a.shift_id WHERE a.id = ?1";

static const char *role_name(const struct plan *plan, const char *role)
{
    for (size_t i = 0; i < plan->staffing.nroles; i++)
        if (!strcmp(plan->staffing.roles[i].id, role))
            return plan->staffing.roles[i].name;
    return role;
}

static void local_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%a %d %b %H:%M", &tm);
}

/* In *call: "2 x Mental health nurse for the Night shift, Sat 22 Nov
 * 20:00 to Sun 23 Nov 08:00" (malloc'd), or NULL for an activation page
 * (or an ask that is gone).  0, or -errno when the ask cannot be read. */
static int ask_call(struct paging *p, int64_t ask_id, const struct plan *plan, char **call)
{
    char from[32], to[32];
    *call = NULL;
    if (ask_id <= 0)
        return 0;
    sqlite3_stmt *s = store_stmt(p->m->store, SQL_ASK_CALL);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, ask_id);
    int rc = store_step(s);
    if (rc > 0) {
        local_time(sqlite3_column_int64(s, 3), from, sizeof(from));
        local_time(sqlite3_column_int64(s, 4), to, sizeof(to));
        if (asprintf(call, "%d x %s for the %s shift, %s to %s", sqlite3_column_int(s, 0),
                     role_name(plan, store_col_text(s, 1)), store_col_text(s, 2), from, to) < 0) {
            *call = NULL;
            rc = -ENOMEM;
        }
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* The EDXL-RM RequestResource of ask ask_id of incident ref in d->rm
 * and its MessageID in d->rm_id when the agency's plan entry asks for it
 * (edxl_rm: true).  0, or -errno. */
static int ask_rm(struct paging *p, struct delivery *d, int64_t ask_id,
                  const struct plan_agency *agency, const char *ref)
{
    char *doc = NULL;
    d->rm = NULL;
    if (ask_id <= 0 || !agency->edxl_rm)
        return 0;
    int rc = staffing_rm_request(p->m, ask_id, server_now(p->m), &doc);
    if (rc == -ENOENT)
        return 0; /* the ask is gone: the page says so */
    d->rm = rc == 0 ? keep(d, doc) : NULL;
    free(doc);
    edxl_rm_ask_id(d->rm_id, sizeof(d->rm_id), ref, ask_id);
    return rc ? rc : d->oom ? -ENOMEM : 0;
}

/* Fill the words of the page from the frozen plan. */
static int delivery_words(struct delivery *d, struct page_facts *f, const struct plan *plan,
                          const struct plan_agency *agency, const struct plan_contact *contact)
{
    const struct plan_level *level = plan_level_find(plan, f->level);
    f->level_name = level ? level->name : NULL;
    f->plan_name = plan->name;
    f->agency_name = agency->name;
    f->agency_role = agency->role;
    f->contact_name = contact->name;
    f->channel = plan_channel_name(contact->channel);
    f->steps = (int)agency->ncontacts;
    bool notice = f->notice != NULL;
    d->subject = notice ? paging_notice_subject(f) : paging_subject(f);
    d->text = notice ? paging_notice_text(f) : paging_text(f);
    d->json = d->subject && d->text ? paging_page_json(f, d->subject, d->text) : NULL;
    return d->subject && d->text && d->json ? 0 : -ENOMEM;
}

/* The message and paging settings the channel gets, every string a copy
 * owned by d. */
static int delivery_msg(struct delivery *d, const struct page_facts *f,
                        const struct plan_contact *contact, const struct plan_paging *paging)
{
    d->args = calloc(contact->nargs + 1, sizeof(char *));
    if (!d->args)
        return -ENOMEM;
    for (size_t i = 0; i < contact->nargs; i++)
        d->args[i] = keep(d, contact->args[i]);
    d->msg = (struct page_msg){.id = d->id,
                               .incident_ref = f->incident_ref,
                               .level = f->level,
                               .exercise = f->exercise,
                               .agency_id = d->agency,
                               .contact_name = keep(d, contact->name),
                               .target = keep(d, contact->target),
                               .args = d->args,
                               .ack_code = f->ack_code,
                               .subject = d->subject,
                               .text = d->text,
                               .json = d->json,
                               .edxl_rm = d->rm,
                               .edxl_rm_id = d->rm ? d->rm_id : NULL};
    d->paging = *paging;
    d->paging.smtp_url = (char *)keep(d, paging->smtp_url);
    d->paging.email_from = (char *)keep(d, paging->email_from);
    return d->oom ? -ENOMEM : 0;
}

/* A new delivery of attempt id on contact (NULL when memory ran out). */
static struct delivery *delivery_new(int64_t id, const struct plan_agency *agency,
                                     const struct plan_contact *contact)
{
    struct delivery *d = calloc(1, sizeof(*d));
    if (d) {
        d->id = id;
        d->channel = contact->channel;
        snprintf(d->agency, sizeof(d->agency), "%s", agency->id);
    }
    return d;
}

/* A notice's stored body (JSON text, NULL for a page) in *out, owned by
 * d.  0, or -ENOMEM. */
static int notice_body(struct delivery *d, const char *text, json_t **out)
{
    *out = NULL;
    if (!text)
        return 0;
    json_t *b = json_loads(text, 0, NULL);
    if (!b)
        b = json_object(); /* never written unreadable; an empty notice is still a notice */
    if (!b)
        return -ENOMEM;
    d->notice = b;
    *out = b;
    return 0;
}

/* The delivery of the attempt on row s (SQL_ATTEMPT) in *out: 0, -ENOENT
 * when its plan entry is gone, or -errno. */
static int delivery_from_row(struct paging *p, sqlite3_stmt *s, int64_t id, struct delivery **out)
{
    struct page_facts f = {.page_id = id,
                           .step = sqlite3_column_int(s, 0) + 1,
                           .attempt = sqlite3_column_int(s, 1),
                           .level = sqlite3_column_int(s, 7),
                           .exercise = sqlite3_column_int(s, 8)};
    const struct plan *plan = frozen_plan(p->m, sqlite3_column_int64(s, 5));
    const struct plan_agency *agency = plan ? plan_ladder_find(plan, store_col_text(s, 3)) : NULL;
    if (!agency || f.step > (int)agency->ncontacts)
        return -ENOENT;
    const struct plan_contact *contact = &agency->contacts[f.step - 1];
    struct delivery *d = delivery_new(id, agency, contact);
    if (!d)
        return -ENOMEM;
    d->queued = !strcmp(store_col_text(s, 2), "queued");
    f.agency_id = d->agency;
    f.incident_ref = keep(d, store_col_text(s, 6));
    f.operation = keep(d, store_col_text(s, 9));
    f.plan_version = keep(d, store_col_text(s, 10));
    f.ack_code = keep(d, store_col_text(s, 4));
    f.kind = keep(d, store_col_text(s, 12));
    f.ack_due_at = sqlite3_column_int64(s, 14);
    int rc = d->oom ? -ENOMEM : notice_body(d, store_col_text(s, 13), &f.notice);
    if (rc == 0)
        rc = ask_call(p, sqlite3_column_int64(s, 11), plan, &d->call);
    f.call = d->call;
    if (rc == 0)
        rc = ask_rm(p, d, sqlite3_column_int64(s, 11), agency, f.incident_ref);
    f.edxl_rm = d->rm;
    if (rc == 0)
        rc = delivery_words(d, &f, plan, agency, contact);
    if (rc == 0)
        rc = delivery_msg(d, &f, contact, &plan->paging);
    if (rc != 0)
        delivery_free(d);
    *out = rc ? NULL : d;
    return rc;
}

/* Build everything needed to send attempt id, from the database and the
 * frozen plan, in *out.  0, -ENOENT when the attempt or its plan entry is
 * gone, or -errno. */
static int delivery_load(struct paging *p, int64_t id, struct delivery **out)
{
    sqlite3_stmt *s = store_stmt(p->m->store, SQL_ATTEMPT);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0)
        rc = delivery_from_row(p, s, id, out);
    else if (rc == 0)
        rc = -ENOENT;
    sqlite3_reset(s);
    return rc;
}

/* ---- results ---- */

struct result {
    struct paging *p;
    int64_t id;
    int status; /* 0 delivered, -EAGAIN back to queued, else failed */
    bool local; /* failed for want of musterd's own resources: retry */
    char detail[200];
};

static const char SQL_RESULT[] =
    "UPDATE attempts SET state = ?2, detail = ?3, finished_at = ?4"
    " WHERE id = ?1 AND state IN ('sending', 'sent', 'queued') RETURNING page_id, step, channel,"
    " created_at >= (SELECT started_at FROM pages WHERE id = page_id), attempt";
static const char SQL_PAGE_OF[] =
    "SELECT p.incident_id, i.ref, p.agency_id, p.state, p.step, p.attempt, p.kind"
    " FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1";
static const char SQL_ESCALATE[] =
    "UPDATE pages SET step = ?2, attempt = 0, next_at = ?3 WHERE id = ?1";
static const char SQL_RETRY[] =
    "UPDATE pages SET step = ?2, attempt = ?3, next_at = ?4 WHERE id = ?1";

static const char *result_state(const struct result *r)
{
    return r->status == 0            ? "delivered"
           : r->local                ? "retry"
           : r->status == -EAGAIN    ? "queued"
           : r->status == -ECANCELED ? "cancelled"
                                     : "failed";
}

/* A failed delivery escalates at once, skipping the step's repeats,
 * unless the ladder has already moved past the step. */
static int escalate_on_failure(struct muster *m, int64_t page_id, int fstep, int step, int attempt,
                               int64_t now)
{
    if (!(step == fstep || (step == fstep + 1 && attempt == 0)))
        return 0;
    sqlite3_stmt *s = store_stmt(m->store, SQL_ESCALATE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, page_id);
    sqlite3_bind_int(s, 2, fstep + 1);
    sqlite3_bind_int64(s, 3, now);
    return store_exec_stmt(s);
}

/* A delivery musterd could not start (no descriptor, memory or process
 * left): the agency was never tried, so the same attempt is made again
 * in LOCAL_RETRY_MS and the ladder does not move, unless it has already
 * moved past the attempt. */
static int retry_local_failure(struct muster *m, int64_t page_id, int fstep, int fattempt, int step,
                               int attempt, int64_t now)
{
    if (!((step == fstep && attempt == fattempt) || (step == fstep + 1 && attempt == 0)))
        return 0;
    sqlite3_stmt *s = store_stmt(m->store, SQL_RETRY);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, page_id);
    sqlite3_bind_int(s, 2, fstep);
    sqlite3_bind_int(s, 3, fattempt - 1);
    sqlite3_bind_int64(s, 4, now + LOCAL_RETRY_MS);
    return store_exec_stmt(s);
}

static int result_event(struct muster *m, struct outbox *ob, struct result *r, int64_t page_id,
                        int fstep, int fattempt, const char *channel, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PAGE_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, page_id);
    int rc = store_step(s);
    if (rc <= 0) {
        sqlite3_reset(s);
        return rc;
    }
    int64_t incident = sqlite3_column_int64(s, 0);
    bool paging = !strcmp(store_col_text(s, 3), "paging");
    int step = sqlite3_column_int(s, 4), attempt = sqlite3_column_int(s, 5);
    char agency[48];
    snprintf(agency, sizeof(agency), "%s", store_col_text(s, 2));
    json_t *data = json_pack("{s:s, s:I, s:i, s:s, s:s, s:s}", "agency", agency, "page_id",
                             (json_int_t)r->id, "step", fstep + 1, "channel", channel, "state",
                             result_state(r), "detail", r->detail);
    char kind[32];
    bool notice = strcmp(store_col_text(s, 6), "page") != 0;
    snprintf(kind, sizeof(kind), "%s.%s", notice ? "notice" : "page", result_state(r));
    if (notice)
        json_object_set_new(data, "kind", json_string(store_col_text(s, 6)));
    char ref[64];
    snprintf(ref, sizeof(ref), "%s", store_col_text(s, 1));
    sqlite3_reset(s);
    rc = 0;
    if (paging && r->local && r->status != -ESTALE)
        rc = retry_local_failure(m, page_id, fstep, fattempt, step, attempt, now);
    else if (paging && r->status != 0 && r->status != -EAGAIN && r->status != -ECANCELED &&
             r->status != -ESTALE)
        rc = escalate_on_failure(m, page_id, fstep, step, attempt, now);
    paging_agency_board(m, ob, incident, agency);
    if (rc == 0)
        rc = outbox_event(m, ob, incident, ref, kind, data, now);
    else
        json_decref(data);
    if (rc == 0 && notice && paging && r->status == 0)
        rc = paging_notice_delivered(m, ob, page_id, now);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

/* Record result r on its attempt (when the attempt is still open) and
 * move the ladder on.  0 or -errno. */
static int result_record(struct muster *m, struct outbox *ob, struct result *r, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESULT);
    if (!s)
        return -EINVAL;
    const char *state = result_state(r);
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->detail[0] ? r->detail : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int rc = store_step(s);
    if (rc <= 0) {
        sqlite3_reset(s);
        return rc;
    }
    int64_t page_id = sqlite3_column_int64(s, 0);
    int fstep = sqlite3_column_int(s, 1), fattempt = sqlite3_column_int(s, 4);
    if (!sqlite3_column_int(s, 3))
        r->status = r->status == 0 ? 0 : -ESTALE; /* from before a re-page */
    char channel[16];
    snprintf(channel, sizeof(channel), "%s", store_col_text(s, 2));
    sqlite3_reset(s);
    if (!strcmp(state, "failed"))
        metrics_delivery_failed(m->metrics, channel);
    return result_event(m, ob, r, page_id, fstep, fattempt, channel, now);
}

static int result_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct result *r = arg;
    int rc = result_record(m, ob, r, server_now(m));
    if (r->local)
        log_warnx("paging: page %lld not sent: local failure in musterd, not the agency's (%s);"
                  " trying again in %d s",
                  (long long)r->id, r->detail, LOCAL_RETRY_MS / 1000);
    else if (r->status != 0 && r->status != -ECANCELED)
        log_warnx("paging: page %lld %s: %s", (long long)r->id, result_state(r), r->detail);
    free(r);
    return rc;
}

/* Record the outcome of attempt id from a later batch.  local: musterd
 * could not make the attempt at all (channel_local_failure). */
static void report(struct paging *p, int64_t id, int status, bool local, const char *detail)
{
    struct result *r = calloc(1, sizeof(*r));
    if (!r)
        return;
    *r = (struct result){p, id, status, local, ""};
    snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
    control_task(p->m->control, result_task, free, r);
}

static void on_sent(void *arg, int64_t page_id, int status, const char *detail)
{
    report(arg, page_id, status, channel_local_failure(status), detail);
}

/* Push a page to the agency's live listener session.  A session whose
 * connection is gone ends here: pages are never sent to a routing id that
 * no longer belongs to the agency. */
static int push_page(struct muster *m, struct paging *p, struct delivery *d)
{
    struct paging_session *s = paging__session_find(p, d->agency, server_now(m));
    if (!s)
        return -EHOSTUNREACH;
    struct jtext t = {0};
    jtext_kraw(&t, "page", d->json);
    jtext_put(&t, "}", 1);
    char *msg = jtext_take(&t);
    if (!msg)
        return -ENOMEM;
    int rc = control_push(m->control, s->route, s->route_len, msg);
    free(msg);
    if (rc == -EHOSTUNREACH)
        paging__session_end(p, s);
    return rc;
}

/* After the commit: hand the page to its channel. */
static void deliver(struct muster *m, void *arg)
{
    struct delivery *d = arg;
    struct paging *p = m->paging;
    if (d->channel == PLAN_CHANNEL_ZMQ) {
        if (!d->queued && push_page(m, p, d) != 0)
            report(p, d->id, -EAGAIN, false, "agency not listening: queued until it connects");
    } else {
        int rc = channel_send(p->channels, d->channel, &d->msg, &d->paging, on_sent, p);
        if (rc != 0)
            report(p, d->id, rc, channel_local_failure(rc), strerror(-rc));
    }
    delivery_free(d);
}

/* Queue attempt id for delivery once this transaction commits. */
int paging__deliver_after_commit(struct paging *p, struct outbox *ob, int64_t id)
{
    struct delivery *d;
    int rc = delivery_load(p, id, &d);
    return rc ? rc : outbox_action(ob, deliver, delivery_free, d);
}

/* ---- listeners ---- */

/* From the agency's open pages (pages_agency_state) to their attempts
 * (attempts_page), never through every queued attempt of every agency:
 * CROSS JOIN keeps SQLite to that order.  Every agency.listen asks. */
static const char SQL_QUEUED_ANY[] =
    "SELECT 1 FROM pages p CROSS JOIN attempts a ON a.page_id = p.id WHERE p.agency_id = ?1"
    " AND p.state = 'paging' AND a.state = 'queued' LIMIT 1";
static const char SQL_QUEUED_SEND[] =
    "UPDATE attempts SET state = 'sent' WHERE id IN (SELECT a.id FROM pages p"
    " CROSS JOIN attempts a ON a.page_id = p.id WHERE p.agency_id = ?1 AND p.state = 'paging'"
    " AND a.state = 'queued' ORDER BY a.id LIMIT 256) RETURNING id";

int paging_has_queued(struct muster *m, const char *agency_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_QUEUED_ANY);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, agency_id, -1, SQLITE_STATIC);
    int rc = store_step(s);
    sqlite3_reset(s);
    return rc;
}

int paging_flush_queued(struct muster *m, struct outbox *ob, const char *agency_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_QUEUED_SEND);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, agency_id, -1, SQLITE_STATIC);
    int64_t *ids;
    size_t n;
    int rc = store_ids(s, &ids, &n);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = paging__deliver_after_commit(m->paging, ob, ids[i]);
    free(ids);
    return rc;
}
