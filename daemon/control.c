/*
 * daemon/control.c - the control ROUTER socket, request scheduling and
 * group commit (see control.h).
 *
 * The loop: whenever the socket signals, read every waiting request into
 * the queue of its class (control_fill): Gold and duty managers first, then
 * partner agencies and everyone else, then intake (bulk registration), and
 * last the public door (public.* from the web gateway's own key).  If
 * no commit is running, execute a batch in one transaction (control_run):
 * every waiting request of Gold and duty, the daemon's own tasks (paging
 * steps, delivery results, deadlines), then the other classes in order
 * until the batch has run for BUDGET_NS (BUDGET_URGENT_NS when Gold or duty
 * wait for it), then hand the COMMIT to a worker thread.  Requests that
 * arrive during the fsync wait in the queues and form the next batch, so
 * the busier the daemon, the more each fsync carries: durable throughput
 * from batching, never from weaker durability, while no batch holds the
 * loop (the watchdog, Gold's standup) for long.  A large import runs in
 * parts, one per turn of its queue (dispatch_parts.c).  Replies go out only
 * after their batch has committed.  After every send and every commit the
 * socket is drained again, because ZMQ_FD is edge-triggered and a missed
 * edge would leave requests waiting forever.
 *
 * Each connection (by its routing id, always one libzmq chose: ids a client
 * chose are refused, so no one can take over another's session) may have
 * CONN_MAX_QUEUED requests waiting; more get BUSY.  A reply its pipe cannot
 * take (SNDHWM reached) waits in the connection's stash, in order, and is
 * offered again whenever the socket signals (libzmq signals when a pipe has
 * room again) or the resend timer fires.  A client that reads is only
 * briefly behind; one that does not read fills its stash (STASH_MAX
 * replies or STASH_BYTES), and then none of its further requests is run;
 * after STALL_DROP_MS without progress its stash and requests are dropped.
 * So a client that does not read is slowed, then dropped, and never makes
 * the daemon hold its replies in memory.
 */
#include "control.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "control_int.h"
#include "dispatch.h"
#include "guard.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "store.h"
#include "zap.h"

static void control_retry(uv_timer_t *h)
{
    control_run(h->data);
}

/* ---- requests ---- */

void inreq_free(struct control *c, struct inreq *r)
{
    for (int i = 0; i < r->nframes; i++)
        zmq_msg_close(&r->frames[i]);
    if (r->conn) {
        r->conn->queued--;
        r->conn->queued_bytes -= r->bytes;
        c->queued--;
        c->queued_bytes -= r->bytes;
        conn_release(c, r->conn);
    }
    proto_request_clear(&r->req);
    free(r);
}

static void queue_push(struct queue *q, struct inreq *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
}

/* True when conn has so many replies unread that its requests wait. */
static bool conn_blocked(const struct conn *conn)
{
    return conn->stashed >= STASH_MAX || conn->stashed_bytes >= STASH_BYTES;
}

/* Take the first request of q whose connection reads its replies. */
static struct inreq *queue_take(struct queue *q)
{
    struct inreq *prev = NULL, *r = q->head;
    while (r && conn_blocked(r->conn)) {
        prev = r;
        r = r->next;
    }
    if (!r)
        return NULL;
    if (prev)
        prev->next = r->next;
    else
        q->head = r->next;
    if (q->tail == r)
        q->tail = prev;
    return r;
}

static void inreq_decode(struct inreq *r);

/* The class of r: the web gateway's requests are decoded here, as the
 * gateway carries Gold's and duty's requests ("as") and the public's
 * (public.*, its own key), which come last. */
static int request_class(struct inreq *r)
{
    const char *p = zmq_msg_gets(&r->frames[r->nframes - 1], "User-Id");
    if (!p)
        return CLASS_AGENCY;
    if (!strcmp(p, "web")) {
        inreq_decode(r);
        bool public = !r->err.code && !r->req.as_principal && r->req.cmd &&
                      !strncmp(r->req.cmd, "public.", 7);
        return public ? CLASS_PUBLIC : CLASS_COMMAND;
    }
    if (!strcmp(p, "gold") || !strcmp(p, "duty"))
        return CLASS_COMMAND;
    return strcmp(p, "intake") ? CLASS_AGENCY : CLASS_BULK;
}

/* Queue r, or answer it at once when its connection may not queue more. */
static void control_enqueue(struct control *c, struct inreq *r)
{
    uint32_t id;
    for (int i = 0; i < r->nframes; i++)
        r->bytes += zmq_msg_size(&r->frames[i]);
    if (!route_valid(&r->frames[0], &id)) {
        metrics_request(c->m->metrics, SIZE_MAX, ERR_BAD_REQUEST);
        send_now(c, r, ERR_BAD_REQUEST, "a routing id chosen by the client is refused");
        return;
    }
    struct conn *conn = conn_get(c, id);
    if (!conn || conn->queued >= CONN_MAX_QUEUED ||
        conn->queued_bytes + r->bytes > CONN_MAX_BYTES) {
        metrics_request(c->m->metrics, SIZE_MAX, ERR_BUSY);
        if (conn && !conn_blocked(conn)) /* a client that reads is told; one that does not, not */
            send_now(c, r, ERR_BUSY, "too many requests waiting from this connection; retry");
        else
            inreq_free(c, r);
        conn_release(c, conn);
        return;
    }
    r->conn = conn;
    conn->queued++;
    conn->queued_bytes += r->bytes;
    c->queued++;
    c->queued_bytes += r->bytes;
    queue_push(&c->queues[request_class(r)], r);
}

/* Read waiting requests into the queues until they are full or none is
 * left. */
void control_fill(struct control *c)
{
    while (!c->stopped && c->queued < QUEUE_MAX && c->queued_bytes < QUEUE_BYTES &&
           bus_has_input(c->sock)) {
        struct inreq *r = calloc(1, sizeof(*r));
        int n = r ? bus_recv_multipart(c->sock, r->frames, MAX_FRAMES) : -ENOMEM;
        if (n <= 0) {
            free(r);
            break;
        }
        r->total = n;
        r->nframes = n < MAX_FRAMES ? n : MAX_FRAMES;
        control_enqueue(c, r);
    }
}

/* Decode the request in r once; on failure r->err is set. */
static void inreq_decode(struct inreq *r)
{
    zmq_msg_t *body = &r->frames[r->nframes - 1];
    bool delim = r->nframes == 3 && zmq_msg_size(&r->frames[1]) == 0;
    r->decoded = true;
    r->nparts = 1;
    if (r->total != 2 && !(r->total == 3 && delim)) {
        proto_fail(&r->err, ERR_BAD_REQUEST,
                   "a request is one frame (after an optional empty one)");
        return;
    }
    r->principal = zmq_msg_gets(body, "User-Id");
    r->key = zmq_msg_gets(body, ZAP_PROP_KEY);
    r->person = zmq_msg_gets(body, ZAP_PROP_PERSON);
    if (!r->principal || !*r->principal) {
        proto_fail(&r->err, ERR_FORBIDDEN, "connection is not authenticated");
        return;
    }
    if (proto_request_decode(zmq_msg_data(body), zmq_msg_size(body), &r->req, &r->err) == 0)
        r->nparts = dispatch_parts(&r->req);
}

/* True when the key that opened r's connection is still in the keyring. */
static bool key_current(struct control *c, struct inreq *r)
{
    return r->key && keyring_lookup_z85(c->m->keyring, r->key) != NULL;
}

/* ---- batches ---- */

/* Run r (or its next part); a finished request's reply joins the batch. */
static void execute_one(struct control *c, struct inreq *r, int cls)
{
    if (!r->decoded)
        inreq_decode(r);
    char *reply;
    struct dispatch_peer peer = {r->principal, r->person, r->key, zmq_msg_data(&r->frames[0]),
                                 zmq_msg_size(&r->frames[0])};
    if (!r->err.code && !key_current(c, r))
        proto_fail(&r->err, ERR_FORBIDDEN, "the key of this connection has been revoked");
    if (r->err.code || dispatch_peer_acting(&peer, &r->req, &r->err) != 0) {
        /* refused before dispatch: counted here (dispatch counts the rest) */
        metrics_request(c->m->metrics, dispatch_index(dispatch_find(r->req.cmd)), r->err.code);
        reply = proto_reply_error(r->req.id, &r->err);
    } else {
        reply = dispatch_request_part(c->m, &c->outbox, &peer, &r->req, r->part, r->nparts);
    }
    if (!reply) { /* parts remain: back to the end of its queue */
        r->part++;
        queue_push(&c->queues[cls], r);
        return;
    }
    outrep_make(&c->out[c->nout++], r, reply);
    r->conn->pending++; /* the reply keeps the connection known until it is sent */
    inreq_free(c, r);
}

/* Run the waiting tasks, each under its own savepoint.  When the store
 * cannot begin a transaction the tasks stay queued and a timer tries
 * again in a second: a task is never lost to a busy or failing disk. */
static size_t run_tasks(struct control *c)
{
    struct store *st = c->m->store;
    int rc = c->ntasks == 0 || store_in_txn(st) ? 0 : store_begin(st);
    if (rc != 0) {
        log_error("control: %zu tasks wait: %s", c->ntasks, strerror(-rc));
        if (!c->stopped)
            uv_timer_start(&c->retry, control_retry, 1000, 0);
        return 0;
    }
    size_t i = 0;
    for (; i < c->ntasks; i++) {
        struct task t = c->tasks[i];
        size_t mark = c->outbox.count;
        if (store_savepoint(st) != 0)
            break; /* the task keeps its place: it runs when the store can */
        if (t.fn(c->m, &c->outbox, t.arg) != 0) {
            store_savepoint_rollback(st);
            outbox_truncate(&c->outbox, mark);
        } else if (store_savepoint_release(st) != 0) {
            outbox_truncate(&c->outbox, mark);
        }
    }
    if (i < c->ntasks && !c->stopped) {
        log_error("control: %zu tasks wait: no savepoint", c->ntasks - i);
        uv_timer_start(&c->retry, control_retry, 1000, 0);
    }
    memmove(c->tasks, c->tasks + i, (c->ntasks - i) * sizeof(*c->tasks));
    c->ntasks -= i;
    return i;
}

/* Execute requests of class cls until the batch is full or, when budget
 * is not 0, has run that long since start.  Returns how many ran. */
static size_t run_class(struct control *c, int cls, uint64_t start, uint64_t budget)
{
    size_t n = 0;
    struct inreq *r;
    while (c->nout < BATCH_MAX && (!budget || uv_hrtime() - start < budget) &&
           (r = queue_take(&c->queues[cls]))) {
        execute_one(c, r, cls);
        n++;
    }
    return n;
}

/* One batch: Gold and duty, the daemon's tasks, then the other classes
 * within the time budget.  Returns how many requests and tasks ran (0:
 * nothing could run). */
static size_t run_batch(struct control *c)
{
    uint64_t start = uv_hrtime();
    store_batch_reset(c->m->store);
    size_t urgent = run_class(c, CLASS_COMMAND, start, 0);
    size_t tasks = run_tasks(c);
    uint64_t budget = urgent ? BUDGET_URGENT_NS : BUDGET_NS;
    size_t others = 0;
    for (int k = CLASS_AGENCY; k < NCLASS; k++)
        others += run_class(c, k, start, budget);
    size_t n = urgent + tasks + others;
    if (n)
        metrics_batch(c->m->metrics, n);
    return n;
}

static bool control_has_work(struct control *c)
{
    if (c->ntasks > 0)
        return true;
    for (int k = 0; k < NCLASS; k++)
        for (struct inreq *r = c->queues[k].head; r; r = r->next)
            if (!conn_blocked(r->conn))
                return true;
    return false;
}

static void control_committed(void *arg, int status)
{
    struct control *c = arg;
    c->committing = false;
    metrics_commit(c->m->metrics, uv_hrtime() - c->commit_started);
    if (status != 0)
        control_fail_batch(c, status);
    else
        outbox_flush(c->m, &c->outbox);
    control_flush(c);
    control_fill(c);
    control_run(c);
}

/* Execute queued work batch by batch until none is left or a commit is in
 * flight. */
void control_run(struct control *c)
{
    while (!c->committing && !c->stopped && control_has_work(c)) {
        if (!run_batch(c) && c->nout == 0 && !store_in_txn(c->m->store))
            break; /* the store is unavailable: the retry timer comes back */
        if (store_in_txn(c->m->store)) {
            c->commit_started = uv_hrtime();
            int rc = store_commit_async(c->m->store, c->m->loop, control_committed, c);
            if (rc == 0) {
                c->committing = true;
                control_fill(c);
                return;
            }
            store_rollback(c->m->store);
            control_fail_batch(c, rc);
        }
        outbox_flush(c->m, &c->outbox);
        control_flush(c);
        control_fill(c);
    }
}

/* Runs on the next turn of the loop after a task was queued or a page
 * pushed (a send can take the socket's edge: read again). */
static void control_kick(uv_idle_t *h)
{
    struct control *c = h->data;
    uv_idle_stop(h);
    control_fill(c);
    control_run(c);
}

int control_task(struct control *c, control_task_fn *fn, outbox_drop_fn *drop, void *arg)
{
    if (c->stopped || c->ntasks == c->captasks) {
        size_t cap = c->captasks ? c->captasks * 2 : 64;
        struct task *t = c->stopped ? NULL : realloc(c->tasks, cap * sizeof(*t));
        if (!t) {
            if (drop)
                drop(arg);
            return c->stopped ? -ECANCELED : -ENOMEM;
        }
        c->tasks = t;
        c->captasks = cap;
    }
    c->tasks[c->ntasks++] = (struct task){fn, drop, arg};
    if (!c->committing)
        uv_idle_start(&c->kick, control_kick);
    return 0;
}

int control_push(struct control *c, const void *route, size_t route_len, const char *text)
{
    int rc = 0;
    if (c->stopped || zmq_send(c->sock, route, route_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(c->sock, text, strlen(text), ZMQ_DONTWAIT) < 0)
        rc = -EHOSTUNREACH;
    if (!c->stopped && !c->committing) /* the send may have taken the socket's edge */
        uv_idle_start(&c->kick, control_kick);
    return rc;
}

static void control_ready(void *arg)
{
    struct control *c = arg;
    control_resend_all(c); /* the signal may be a pipe with room again */
    control_fill(c);
    control_run(c);
}

static int control_socket(struct control *c)
{
    struct muster *m = c->m;
    int linger = 0, sndhwm = REPLY_HWM, rcvhwm = 1000, mandatory = 1, rc = 0;
    int64_t maxmsg = (int64_t)4 * PROTO_MAX_FRAME;
    c->sock = zmq_socket(m->zctx, ZMQ_ROUTER);
    if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof(mandatory)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_SNDHWM, &sndhwm, sizeof(sndhwm)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0 ||
        (rc = bus_curve_server(c->sock, &m->server_key, BUS_ZAP_DOMAIN)) != 0 ||
        (rc = guard_open(m->zctx, c->sock, "control", &m->guard_control)) != 0 ||
        zmq_bind(c->sock, m->cfg->control_ep) != 0) {
        rc = rc ? rc : -errno;
        log_error("control: cannot bind %s: %s", m->cfg->control_ep, zmq_strerror(-rc));
        return rc;
    }
    return 0;
}

int control_open(struct muster *m, struct control **out)
{
    struct control *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->m = m;
    c->out = calloc(BATCH_MAX, sizeof(*c->out));
    int rc = c->out ? control_socket(c) : -ENOMEM;
    if (rc == 0)
        rc = bus_watch_start(m->loop, &c->watch, c->sock, control_ready, c);
    if (rc == 0) {
        uv_idle_init(m->loop, &c->kick);
        c->kick.data = c;
        uv_timer_init(m->loop, &c->retry);
        c->retry.data = c;
        uv_timer_init(m->loop, &c->resend);
        c->resend.data = c;
    }
    if (rc != 0) {
        control_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void control_close(struct control *c)
{
    if (c->stopped)
        return;
    c->stopped = true;
    bus_watch_close(&c->watch);
    if (c->kick.loop) {
        uv_close((uv_handle_t *)&c->kick, NULL);
        uv_close((uv_handle_t *)&c->retry, NULL);
        uv_close((uv_handle_t *)&c->resend, NULL);
    }
}

int control_busy(const struct control *c)
{
    return c->committing;
}

size_t control_queued(const struct control *c)
{
    return c->queued;
}

void control_cancel(struct control *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ntasks; i++)
        if (c->tasks[i].drop)
            c->tasks[i].drop(c->tasks[i].arg);
    c->ntasks = 0;
    outbox_free(&c->outbox);
}

void control_free(struct control *c)
{
    if (!c)
        return;
    for (int k = 0; k < NCLASS; k++)
        while (c->queues[k].head) {
            struct inreq *r = c->queues[k].head;
            c->queues[k].head = r->next;
            inreq_free(c, r);
        }
    control_flush(c);
    for (size_t b = 0; b < CONN_BUCKETS; b++)
        while (c->conns[b]) {
            struct conn *conn = c->conns[b];
            c->conns[b] = conn->next;
            while (conn->stash) {
                struct outrep *s = conn->stash;
                conn->stash = s->next;
                outrep_free(s);
                free(s);
            }
            free(conn);
        }
    control_cancel(c);
    free(c->tasks);
    guard_close(&c->m->guard_control);
    if (c->sock)
        zmq_close(c->sock);
    free(c->out);
    free(c);
}
