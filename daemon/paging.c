/*
 * daemon/paging.c - the paging engine (see paging.h).
 *
 * Ownership: the pages and attempts tables are the truth; this module owns
 * the one uv_timer (armed for the earliest next_at), the exec/webhook/email
 * channels, the live sessions of agencies listening over their own
 * authenticated connection, and a small cache of frozen plans.
 *
 * Every change happens inside a control batch transaction (a control_task
 * or a command handler); deliveries start only after the commit (outbox
 * actions), and their results come back as tasks.  So a crash can lose a
 * result but never a step: an attempt committed as "sending" whose result
 * never got recorded is sent again at start with the same page id, which
 * receivers use to drop the duplicate.
 */
#include "paging.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "board.h"
#include "channel.h"
#include "control.h"
#include "keys.h"
#include "log.h"
#include "outbox.h"
#include "paging_text.h"
#include "plan.h"
#include "server.h"
#include "store.h"

#define TICK_BATCH 1024      /* above the 500 agencies a plan may have: one tick pages all */
#define SESSION_TTL_MS 30000 /* a listener heartbeats every 10 s */
#define PLAN_CACHE 16
#define LOCAL_RETRY_MS 5000 /* a delivery musterd itself could not start is tried again */

struct session {
    char agency[48];
    char key[KEYS_Z85_LEN + 1]; /* the key that opened the listener's connection */
    unsigned char route[256];
    size_t route_len;
    int64_t seen;
};

struct plan_cache {
    int64_t incident_id;
    json_t *plan;
};

struct paging {
    struct muster *m;
    uv_timer_t timer;
    struct channels *channels;
    struct session *sessions;
    size_t nsessions, capsessions;
    struct plan_cache cache[PLAN_CACHE];
    size_t ncache, next_evict;
    bool tick_queued, rearm_queued;
};

static const char *col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

/* ---- frozen plans ---- */

static const char SQL_PLAN_JSON[] = "SELECT plan_json FROM incidents WHERE id = ?1";

/* The frozen plan of an incident (borrowed; valid until the next call). */
static json_t *frozen_plan(struct paging *p, int64_t incident_id)
{
    for (size_t i = 0; i < p->ncache; i++)
        if (p->cache[i].incident_id == incident_id)
            return p->cache[i].plan;
    sqlite3_stmt *s = store_stmt(p->m->store, SQL_PLAN_JSON);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, incident_id);
    json_t *plan = sqlite3_step(s) == SQLITE_ROW ? json_loads(col(s, 0), 0, NULL) : NULL;
    sqlite3_reset(s);
    if (!plan)
        return NULL;
    size_t slot = p->ncache < PLAN_CACHE ? p->ncache++ : p->next_evict++ % PLAN_CACHE;
    json_decref(p->cache[slot].plan);
    p->cache[slot] = (struct plan_cache){incident_id, plan};
    return plan;
}

json_t *paging_plan_agency(json_t *plan, const char *agency_id)
{
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(plan, "agencies"), i, a)
    {
        if (!strcmp(json_string_value(json_object_get(a, "id")), agency_id))
            return a;
    }
    return NULL;
}

static int64_t json_int(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

/* ---- sessions ---- */

static struct session *session_find(struct paging *p, const char *agency, int64_t now)
{
    for (size_t i = 0; i < p->nsessions; i++)
        if (!strcmp(p->sessions[i].agency, agency))
            return now - p->sessions[i].seen <= SESSION_TTL_MS ? &p->sessions[i] : NULL;
    return NULL;
}

void paging_session_seen(struct muster *m, const char *agency_id, const char *key,
                         const void *route, size_t route_len)
{
    struct paging *p = m->paging;
    struct session *s = NULL;
    for (size_t i = 0; i < p->nsessions && !s; i++)
        if (!strcmp(p->sessions[i].agency, agency_id))
            s = &p->sessions[i];
    if (!s && p->nsessions == p->capsessions) {
        size_t cap = p->capsessions ? p->capsessions * 2 : 16;
        struct session *n = realloc(p->sessions, cap * sizeof(*n));
        if (!n)
            return;
        p->sessions = n;
        p->capsessions = cap;
    }
    if (!s)
        s = &p->sessions[p->nsessions++];
    snprintf(s->agency, sizeof(s->agency), "%s", agency_id);
    snprintf(s->key, sizeof(s->key), "%s", key ? key : "");
    s->route_len = route_len < sizeof(s->route) ? route_len : sizeof(s->route);
    memcpy(s->route, route, s->route_len);
    s->seen = server_now(m);
}

static void session_end(struct paging *p, struct session *s)
{
    log_info("paging: listener session of %s ended", s->agency);
    *s = p->sessions[--p->nsessions];
}

void paging_sessions_revoke(struct muster *m)
{
    struct paging *p = m->paging;
    for (size_t i = p ? p->nsessions : 0; i-- > 0;)
        if (!keyring_lookup_z85(m->keyring, p->sessions[i].key))
            session_end(p, &p->sessions[i]);
}

/* ---- the timer ---- */

static const char SQL_NEXT_DUE[] = "SELECT MIN(next_at) FROM pages WHERE state = 'paging'";

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
    int step = s ? sqlite3_step(s) : SQLITE_ERROR;
    if (step != SQLITE_ROW) { /* cannot read the deadlines: look again soon */
        if (s)
            sqlite3_reset(s);
        uv_timer_start(&p->timer, on_timer, 1000, 0);
        return;
    }
    int has = sqlite3_column_type(s, 0) != SQLITE_NULL;
    int64_t next = has ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
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

/* ---- deliveries ---- */

struct delivery {
    int64_t id; /* attempt id = page id on the wire */
    enum plan_channel channel;
    char agency[48];
    bool queued; /* zmq with no live session when it was committed */
    struct page_msg msg;
    struct plan_paging paging;
    json_t *keep; /* owns the strings msg and paging point into */
    char *subject, *text, *json, *call;
    const char **args;
};

static void delivery_free(void *arg)
{
    struct delivery *d = arg;
    if (!d)
        return;
    json_decref(d->keep);
    free(d->subject);
    free(d->text);
    free(d->json);
    free(d->call);
    free(d->args);
    free(d);
}

static enum plan_channel channel_of(const char *name)
{
    static const enum plan_channel all[] = {PLAN_CHANNEL_ZMQ, PLAN_CHANNEL_EXEC,
                                            PLAN_CHANNEL_WEBHOOK, PLAN_CHANNEL_EMAIL};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(plan_channel_name(all[i]), name))
            return all[i];
    return PLAN_CHANNEL_ZMQ;
}

static void paging_defaults(json_t *pj, struct plan_paging *out)
{
    out->ack_wait_ms = json_int(pj, "ack_wait_ms");
    out->exec_timeout_ms = json_int(pj, "exec_timeout_ms");
    out->webhook_timeout_ms = json_int(pj, "webhook_timeout_ms");
    out->webhook_retries = (int)json_int(pj, "webhook_retries");
    out->webhook_backoff_ms = json_int(pj, "webhook_backoff_ms");
    out->smtp_url = (char *)json_string_value(json_object_get(pj, "smtp_url"));
    out->email_from = (char *)json_string_value(json_object_get(pj, "email_from"));
}

static const char *level_name(json_t *plan, int level)
{
    json_t *l;
    size_t i;
    json_array_foreach(json_object_get(plan, "levels"), i, l)
    {
        if (json_int(l, "level") == level)
            return json_string_value(json_object_get(l, "name"));
    }
    return NULL;
}

static const char SQL_ATTEMPT[] =
    "SELECT a.step, a.attempt, a.state, p.agency_id, p.ack_code, p.incident_id, i.ref, i.level,"
    " i.exercise, i.operation, i.plan_version, p.ask_id FROM attempts a"
    " JOIN pages p ON p.id = a.page_id JOIN incidents i ON i.id = p.incident_id WHERE a.id = ?1";
static const char SQL_ASK_CALL[] =
    "SELECT a.short, a.role, s.name, s.starts_at, s.ends_at FROM asks a"
    " JOIN shifts s ON s.id = a.shift_id WHERE a.id = ?1";

static const char *role_name(json_t *plan, const char *role)
{
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(plan, "staffing"), "roles"), i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "id")), role))
            return json_string_value(json_object_get(r, "name"));
    }
    return role;
}

static void local_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%a %d %b %H:%M", &tm);
}

/* "2 x Mental health nurse for the Night shift, Sat 22 Nov 20:00 to Sun
 * 23 Nov 08:00" (malloc'd), or NULL for an activation page. */
static char *ask_call(struct paging *p, int64_t ask_id, json_t *plan)
{
    sqlite3_stmt *s = store_stmt(p->m->store, SQL_ASK_CALL);
    char *call = NULL, from[32], to[32];
    if (!s || ask_id <= 0)
        return NULL;
    sqlite3_bind_int64(s, 1, ask_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        local_time(sqlite3_column_int64(s, 3), from, sizeof(from));
        local_time(sqlite3_column_int64(s, 4), to, sizeof(to));
        if (asprintf(&call, "%d x %s for the %s shift, %s to %s", sqlite3_column_int(s, 0),
                     role_name(plan, col(s, 1)), col(s, 2), from, to) < 0)
            call = NULL;
    }
    sqlite3_reset(s);
    return call;
}

/* Fill the words of the page from the frozen plan. */
static int delivery_words(struct delivery *d, struct page_facts *f, json_t *plan, json_t *agency,
                          json_t *contact)
{
    f->level_name = level_name(plan, f->level);
    f->plan_name = json_string_value(json_object_get(plan, "name"));
    f->agency_name = json_string_value(json_object_get(agency, "name"));
    f->agency_role = json_string_value(json_object_get(agency, "role"));
    f->contact_name = json_string_value(json_object_get(contact, "name"));
    f->channel = json_string_value(json_object_get(contact, "channel"));
    f->steps = (int)json_array_size(json_object_get(agency, "contacts"));
    d->subject = paging_subject(f);
    d->text = paging_text(f);
    json_t *j = paging_json(f, d->subject, d->text);
    d->json = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return d->subject && d->text && d->json ? 0 : -ENOMEM;
}

static int delivery_args(struct delivery *d, json_t *contact)
{
    json_t *args = json_object_get(contact, "args"), *a;
    size_t i, n = json_array_size(args);
    d->args = calloc(n + 1, sizeof(char *));
    if (!d->args)
        return -ENOMEM;
    json_array_foreach(args, i, a) d->args[i] = json_string_value(a);
    return 0;
}

/* Build everything needed to send attempt id, from the database and the
 * frozen plan.  Returns NULL when the attempt or its plan entry is gone. */
static struct delivery *delivery_load(struct paging *p, int64_t id)
{
    sqlite3_stmt *s = store_stmt(p->m->store, SQL_ATTEMPT);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return NULL;
    }
    struct delivery *d = calloc(1, sizeof(*d));
    struct page_facts f = {.page_id = id,
                           .step = sqlite3_column_int(s, 0) + 1,
                           .attempt = sqlite3_column_int(s, 1),
                           .level = sqlite3_column_int(s, 7),
                           .exercise = sqlite3_column_int(s, 8)};
    json_t *plan = frozen_plan(p, sqlite3_column_int64(s, 5));
    json_t *agency = plan ? paging_plan_agency(plan, col(s, 3)) : NULL;
    json_t *contact = json_array_get(json_object_get(agency, "contacts"), (size_t)f.step - 1);
    int rc = d && contact ? 0 : -ENOENT;
    if (rc == 0) {
        /* keep the plan (and so every string borrowed from it) alive */
        d->keep = json_pack("{s:O, s:s, s:s, s:s, s:s}", "plan", plan, "ref", col(s, 6), "op",
                            col(s, 9), "version", col(s, 10), "ack", col(s, 4));
        f.incident_ref = json_string_value(json_object_get(d->keep, "ref"));
        f.operation = json_string_value(json_object_get(d->keep, "op"));
        f.plan_version = json_string_value(json_object_get(d->keep, "version"));
        f.ack_code = json_string_value(json_object_get(d->keep, "ack"));
        f.agency_id = json_string_value(json_object_get(agency, "id"));
        d->id = id;
        d->queued = !strcmp(col(s, 2), "queued");
        snprintf(d->agency, sizeof(d->agency), "%s", f.agency_id);
        d->channel = channel_of(json_string_value(json_object_get(contact, "channel")));
        d->call = ask_call(p, sqlite3_column_int64(s, 11), plan);
        f.call = d->call;
        rc = delivery_words(d, &f, plan, agency, contact);
    }
    sqlite3_reset(s);
    if (rc == 0)
        rc = delivery_args(d, contact);
    if (rc != 0) {
        delivery_free(d);
        return NULL;
    }
    d->msg = (struct page_msg){id,
                               f.incident_ref,
                               f.level,
                               f.exercise,
                               f.agency_id,
                               f.contact_name,
                               json_string_value(json_object_get(contact, "target")),
                               d->args,
                               f.ack_code,
                               d->subject,
                               d->text,
                               d->json};
    paging_defaults(json_object_get(plan, "paging"), &d->paging);
    return d;
}

/* The agency's board key, to ride on the event that follows. */
void paging_agency_board(struct muster *m, struct outbox *ob, int64_t incident_id,
                         const char *agency)
{
    char key[64];
    json_t *v = board_agency(m, incident_id, agency);
    int n = snprintf(key, sizeof(key), "agency/%s", agency); /* ids are at most 40 */
    if (!v || n < 0 || (size_t)n >= sizeof(key)) {
        json_decref(v); /* asked for staff, but not activated: no activation page to show */
        return;
    }
    board_put(ob, key, v);
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
    "SELECT p.incident_id, i.ref, p.agency_id, p.state, p.step, p.attempt"
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
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return 0;
    }
    int64_t incident = sqlite3_column_int64(s, 0);
    bool paging = !strcmp(col(s, 3), "paging");
    int step = sqlite3_column_int(s, 4), attempt = sqlite3_column_int(s, 5);
    char agency[48];
    snprintf(agency, sizeof(agency), "%s", col(s, 2));
    json_t *data = json_pack("{s:s, s:I, s:i, s:s, s:s, s:s}", "agency", agency, "page_id",
                             (json_int_t)r->id, "step", fstep + 1, "channel", channel, "state",
                             result_state(r), "detail", r->detail);
    char kind[32];
    snprintf(kind, sizeof(kind), "page.%s", result_state(r));
    char ref[64];
    snprintf(ref, sizeof(ref), "%s", col(s, 1));
    sqlite3_reset(s);
    int rc = 0;
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
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

static int result_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct result *r = arg;
    int64_t now = server_now(m);
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESULT);
    int rc = s ? 0 : -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, r->id);
        sqlite3_bind_text(s, 2, result_state(r), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, r->detail[0] ? r->detail : NULL, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now);
        if (sqlite3_step(s) == SQLITE_ROW) {
            int64_t page_id = sqlite3_column_int64(s, 0);
            int fstep = sqlite3_column_int(s, 1), fattempt = sqlite3_column_int(s, 4);
            if (!sqlite3_column_int(s, 3))
                r->status = r->status == 0 ? 0 : -ESTALE; /* from before a re-page */
            char channel[16];
            snprintf(channel, sizeof(channel), "%s", col(s, 2));
            sqlite3_reset(s);
            rc = result_event(m, ob, r, page_id, fstep, fattempt, channel, now);
        }
        sqlite3_reset(s);
    }
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
    struct session *s = session_find(p, d->agency, server_now(m));
    char *msg = NULL;
    if (!s)
        return -EHOSTUNREACH;
    if (asprintf(&msg, "{\"page\":%s}", d->json) < 0)
        return -ENOMEM;
    int rc = control_push(m->control, s->route, s->route_len, msg);
    free(msg);
    if (rc == -EHOSTUNREACH)
        session_end(p, s);
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
static int deliver_after_commit(struct paging *p, struct outbox *ob, int64_t id)
{
    struct delivery *d = delivery_load(p, id);
    if (!d)
        return -ENOENT;
    return outbox_action(ob, deliver, delivery_free, d);
}

/* ---- the ladder ---- */

struct due {
    int64_t id, incident_id;
    char agency[48];
    char ref[64];
    int step, attempt;
};

static const char SQL_DUE[] =
    "SELECT p.id, p.incident_id, p.agency_id, i.ref, p.step, p.attempt FROM pages p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.state = 'paging' AND p.next_at <= ?1"
    " ORDER BY p.next_at LIMIT ?2";
static const char SQL_UNREACHABLE[] = "UPDATE pages SET state = 'unreachable', unreachable_at = ?2,"
                                      " next_at = NULL WHERE id = ?1";
static const char SQL_ATTEMPT_ADD[] =
    "INSERT INTO attempts (page_id, step, attempt, channel, contact, target, state, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_ADVANCE[] =
    "UPDATE pages SET step = ?2, attempt = ?3, next_at = ?4 WHERE id = ?1";

static int mark_unreachable(struct muster *m, struct outbox *ob, const struct due *d, int steps,
                            int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_UNREACHABLE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, d->id);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_exec_stmt(s);
    log_warnx("paging: %s: agency %s unreachable after %d steps: Gold is told", d->ref, d->agency,
              steps);
    paging_agency_board(m, ob, d->incident_id, d->agency);
    if (rc == 0)
        rc = outbox_event(m, ob, d->incident_id, d->ref, "agency.unreachable",
                          json_pack("{s:s, s:i}", "agency", d->agency, "steps", steps), now);
    return rc;
}

static int attempt_insert(struct muster *m, const struct due *d, json_t *contact, bool live,
                          int64_t now, int64_t *id)
{
    const char *channel = json_string_value(json_object_get(contact, "channel"));
    bool zmq = !strcmp(channel, "zmq");
    sqlite3_stmt *s = store_stmt(m->store, SQL_ATTEMPT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, d->id);
    sqlite3_bind_int(s, 2, d->step);
    sqlite3_bind_int(s, 3, d->attempt + 1);
    sqlite3_bind_text(s, 4, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, json_string_value(json_object_get(contact, "name")), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, json_string_value(json_object_get(contact, "target")), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 7, zmq ? (live ? "sent" : "queued") : "sending", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, now);
    int rc = store_exec_stmt(s);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    return rc;
}

/* Where the ladder goes after an attempt at d->step: the same step again
 * while repeats remain, else the next step (or the final wait). */
static int advance(struct muster *m, const struct due *d, json_t *contacts, int64_t ack_wait,
                   int64_t now)
{
    json_t *c = json_array_get(contacts, (size_t)d->step);
    int steps = (int)json_array_size(contacts), step = d->step, attempt = d->attempt + 1;
    int64_t wait;
    if (attempt <= json_int(c, "repeat")) {
        wait = json_int(c, "after_ms") > 0 ? json_int(c, "after_ms") : ack_wait;
    } else {
        step++;
        attempt = 0;
        wait =
            step < steps ? json_int(json_array_get(contacts, (size_t)step), "after_ms") : ack_wait;
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
    json_t *plan = frozen_plan(p, d->incident_id);
    json_t *agency = plan ? paging_plan_agency(plan, d->agency) : NULL;
    json_t *contacts = json_object_get(agency, "contacts");
    int steps = (int)json_array_size(contacts);
    if (!agency)
        return -ENOENT;
    if (d->step >= steps)
        return mark_unreachable(m, ob, d, steps, now);
    json_t *contact = json_array_get(contacts, (size_t)d->step);
    int64_t id = 0;
    int rc = attempt_insert(m, d, contact, session_find(p, d->agency, now) != NULL, now, &id);
    if (rc == 0)
        rc = advance(m, d, contacts, json_int(json_object_get(plan, "paging"), "ack_wait_ms"), now);
    if (rc == 0)
        paging_agency_board(m, ob, d->incident_id, d->agency);
    if (rc == 0)
        rc = outbox_event(m, ob, d->incident_id, d->ref,
                          d->step > 0 && d->attempt == 0 ? "agency.escalated" : "page.sent",
                          json_pack("{s:s, s:I, s:i, s:i, s:O}", "agency", d->agency, "page_id",
                                    (json_int_t)id, "step", d->step + 1, "attempt", d->attempt + 1,
                                    "channel", json_object_get(contact, "channel")),
                          now);
    return rc ? rc : deliver_after_commit(p, ob, id);
}

static const char SQL_POSTPONE[] = "UPDATE pages SET next_at = ?2 WHERE id = ?1";

/* One page's step under its own savepoint: a page that cannot be stepped
 * (its plan entry unreadable, the disk failing) is put back a minute and
 * never holds up the other ladders. */
static void step_guarded(struct paging *p, struct outbox *ob, const struct due *d, int64_t now)
{
    struct store *st = p->m->store;
    size_t mark = ob->count;
    int rc = store_exec(st, "SAVEPOINT step");
    if (rc == 0 && (rc = step_page(p, ob, d, now)) == 0) {
        store_exec(st, "RELEASE step");
        return;
    }
    log_error("paging: %s: page of %s not stepped: %s; trying again in a minute", d->ref, d->agency,
              strerror(-rc));
    store_exec(st, "ROLLBACK TO step");
    store_exec(st, "RELEASE step");
    outbox_truncate(ob, mark);
    sqlite3_stmt *s = store_stmt(st, SQL_POSTPONE);
    if (s) {
        sqlite3_bind_int64(s, 1, d->id);
        sqlite3_bind_int64(s, 2, now + 60000);
        store_exec_stmt(s);
    }
}

static size_t due_load(struct muster *m, struct due *out, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_DUE);
    size_t n = 0;
    if (!s)
        return 0;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int(s, 2, TICK_BATCH);
    while (n < TICK_BATCH && sqlite3_step(s) == SQLITE_ROW) {
        struct due *d = &out[n++];
        d->id = sqlite3_column_int64(s, 0);
        d->incident_id = sqlite3_column_int64(s, 1);
        snprintf(d->agency, sizeof(d->agency), "%s", col(s, 2));
        snprintf(d->ref, sizeof(d->ref), "%s", col(s, 3));
        d->step = sqlite3_column_int(s, 4);
        d->attempt = sqlite3_column_int(s, 5);
    }
    sqlite3_reset(s);
    return n;
}

static int tick_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct paging *p = arg;
    p->tick_queued = false;
    int64_t now = server_now(m);
    struct due *due = calloc(TICK_BATCH, sizeof(*due));
    if (!due)
        return -ENOMEM;
    size_t n = due_load(m, due, now);
    for (size_t i = 0; i < n; i++)
        step_guarded(p, ob, &due[i], now);
    free(due);
    return paging_rearm_after_commit(m, ob);
}

/* ---- incidents ---- */

static const char SQL_PAGE_ADD[] =
    "INSERT INTO pages (incident_id, agency_id, ack_code, state, step, attempt, next_at,"
    " started_at, ask_id) VALUES (?1, ?2, ?3, 'paging', 0, 0, ?4, ?5, ?6)";

static int page_insert(struct muster *m, int64_t incident_id, const char *agency_id, int64_t ask_id,
                       int64_t next_at, int64_t now)
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
        rc = page_insert(m, incident_id, plan->agencies[i].id, 0,
                         now + plan->agencies[i].contacts[0].after_ms, now);
        if (rc == 0)
            paging_agency_board(m, ob, incident_id, plan->agencies[i].id);
    }
    return rc ? rc : paging_rearm_after_commit(m, ob);
}

int paging_ask_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                     const char *agency_id, int64_t ask_id, int64_t now)
{
    int rc = page_insert(m, incident_id, agency_id, ask_id, now, now);
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
    int64_t page_id = 0, incident_id = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        page_id = sqlite3_column_int64(s, 0);
        incident_id = sqlite3_column_int64(s, 1);
    }
    int rc = sql_errno(sqlite3_reset(s));
    if (rc == 0 && page_id > 0)
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

/* After the commit, stop the deliveries still running for the incident
 * (or one page of it), and mark their attempts cancelled now. */
int paging_cancel_in_flight(struct muster *m, struct outbox *ob, int64_t incident_id,
                            int64_t page_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_IN_FLIGHT);
    size_t cap = 16;
    struct cancel_list *l = calloc(1, sizeof(*l) + cap * sizeof(int64_t));
    if (!s || !l) {
        free(l);
        return -ENOMEM;
    }
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, page_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (l->count == cap) {
            cap *= 2;
            struct cancel_list *n = realloc(l, sizeof(*l) + cap * sizeof(int64_t));
            if (!n)
                break;
            l = n;
        }
        l->ids[l->count++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    sqlite3_stmt *u = store_stmt(m->store, SQL_CANCEL_ATTEMPTS);
    int rc = u ? 0 : -EINVAL;
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
    "SELECT agency_id FROM pages WHERE incident_id = ?1 AND ask_id IS NULL";

int paging_incident_stop(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_CANCEL_PAGES);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    int rc = store_exec_stmt(s);
    sqlite3_stmt *a = rc == 0 ? store_stmt(m->store, SQL_PAGE_AGENCIES) : NULL;
    if (a) {
        char agencies[512][48];
        size_t n = 0;
        sqlite3_bind_int64(a, 1, incident_id);
        while (n < 512 && sqlite3_step(a) == SQLITE_ROW)
            snprintf(agencies[n++], 48, "%s", (const char *)sqlite3_column_text(a, 0));
        sqlite3_reset(a);
        for (size_t i = 0; i < n; i++)
            paging_agency_board(m, ob, incident_id, agencies[i]);
    }
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
    " AND p.ask_id IS NULL ORDER BY p.id";

static json_t *int_or_null(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
                                                    : json_integer(sqlite3_column_int64(s, i));
}

static json_t *page_row(sqlite3_stmt *s)
{
    json_t *r =
        json_pack("{s:s, s:s, s:o, s:i, s:i, s:i, s:i}", "agency", col(s, 1), "state", col(s, 2),
                  "escalated_to_step", int_or_null(s, 15), "attempts", sqlite3_column_int(s, 12),
                  "delivered", sqlite3_column_int(s, 13), "failed", sqlite3_column_int(s, 14),
                  "repages", sqlite3_column_int(s, 11));
    json_object_set_new(r, "next_at", int_or_null(s, 10));
    json_object_set_new(r, "acknowledged_at", int_or_null(s, 5));
    json_object_set_new(r, "acknowledged_by", col(s, 6) ? json_string(col(s, 6)) : json_null());
    json_object_set_new(r, "ack_note", col(s, 7) ? json_string(col(s, 7)) : json_null());
    json_object_set_new(r, "ack_via", col(s, 8) ? json_string(col(s, 8)) : json_null());
    json_object_set_new(r, "unreachable_at", int_or_null(s, 9));
    return r;
}

json_t *paging_incident_pages(struct muster *m, int64_t incident_id, const char *agency_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PAGES_SHOW);
    json_t *arr = json_array();
    if (!s)
        return arr;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, agency_id, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *row = page_row(s);
        if (agency_id)
            json_object_set_new(row, "ack_code", json_string(col(s, 16)));
        json_array_append_new(arr, row);
    }
    sqlite3_reset(s);
    return arr;
}

/* ---- start and stop ---- */

static const char SQL_RECOVER[] =
    "SELECT a.id, p.state FROM attempts a JOIN pages p ON p.id = a.page_id"
    " WHERE a.state = 'sending'";
static const char SQL_REQUEUE[] =
    "UPDATE attempts SET state = 'queued' WHERE state = 'sent' AND channel = 'zmq'"
    " AND page_id IN (SELECT id FROM pages WHERE state = 'paging')";
static const char SQL_ABANDON[] =
    "UPDATE attempts SET state = 'cancelled', detail = 'page no longer active at restart'"
    " WHERE id = ?1";

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
    int resent = 0;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (!strcmp(col(s, 1), "paging")) {
            rc = deliver_after_commit(p, ob, id);
            resent++;
            continue;
        }
        sqlite3_stmt *u = store_stmt(m->store, SQL_ABANDON);
        sqlite3_bind_int64(u, 1, id);
        rc = store_exec_stmt(u);
    }
    if (s)
        sqlite3_reset(s);
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
    int rc = channels_open(m->loop, &p->channels);
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
    for (size_t i = 0; i < p->ncache; i++)
        json_decref(p->cache[i].plan);
    free(p->sessions);
    free(p);
}

/* ---- listeners ---- */

static const char SQL_QUEUED_ANY[] =
    "SELECT 1 FROM attempts a JOIN pages p ON p.id = a.page_id WHERE a.state = 'queued'"
    " AND p.agency_id = ?1 AND p.state = 'paging' LIMIT 1";
static const char SQL_QUEUED_SEND[] =
    "UPDATE attempts SET state = 'sent' WHERE id IN (SELECT a.id FROM attempts a"
    " JOIN pages p ON p.id = a.page_id WHERE a.state = 'queued' AND p.agency_id = ?1"
    " AND p.state = 'paging' ORDER BY a.id LIMIT 256) RETURNING id";

bool paging_has_queued(struct muster *m, const char *agency_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_QUEUED_ANY);
    if (!s)
        return false;
    sqlite3_bind_text(s, 1, agency_id, -1, SQLITE_STATIC);
    bool any = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_reset(s);
    return any;
}

int paging_flush_queued(struct muster *m, struct outbox *ob, const char *agency_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_QUEUED_SEND);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, agency_id, -1, SQLITE_STATIC);
    int64_t ids[TICK_BATCH];
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < TICK_BATCH)
        ids[n++] = sqlite3_column_int64(s, 0);
    rc = sql_errno(sqlite3_reset(s));
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = deliver_after_commit(m->paging, ob, ids[i]);
    return rc;
}
