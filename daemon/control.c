/*
 * daemon/control.c - the control ROUTER socket, request batching and group
 * commit (see control.h).
 *
 * The loop: whenever the socket signals, read every waiting request into a
 * queue (control_fill).  If no commit is running, execute up to BATCH_MAX
 * queued requests in one transaction (control_run), then hand the COMMIT to
 * a worker thread.  Requests that arrive during the fsync wait in the queue
 * and form the next batch, so the busier the daemon, the more each fsync
 * carries: durable throughput from batching, never from weaker durability.
 * Replies go out only after their batch has committed.  After every send and
 * every commit the socket is drained again, because ZMQ_FD is edge-triggered
 * and a missed edge would leave requests waiting forever.
 */
#include "control.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bus.h"
#include "dispatch.h"
#include "outbox.h"
#include "log.h"
#include "proto.h"
#include "server.h"
#include "store.h"

#define QUEUE_MAX 4096
#define QUEUE_BYTES (64 * 1024 * 1024) /* oversize frames are read, but only so many */
#define BATCH_MAX 1024
#define MAX_FRAMES 3 /* routing id, optional empty delimiter, body */

struct inreq {
    zmq_msg_t frames[MAX_FRAMES];
    int nframes; /* frames held (<= MAX_FRAMES) */
    int total;   /* frames received */
};

struct outrep {
    zmq_msg_t route;
    bool delim;
    char id[PROTO_MAX_ID + 1];
    char *reply;
};

struct task {
    control_task_fn *fn;
    outbox_drop_fn *drop;
    void *arg;
};

struct control {
    struct muster *m;
    void *sock;
    struct bus_watch watch;
    uv_idle_t kick;   /* runs a batch for tasks when no request wakes us */
    uv_timer_t retry; /* runs it again when the store could not begin */
    struct task *tasks;
    size_t ntasks, captasks;
    struct inreq *queue; /* ring buffer */
    size_t head, count;
    size_t queued_bytes;
    struct outrep *out; /* replies of the batch being committed */
    size_t nout;
    struct outbox outbox;
    bool committing;
    bool stopped;
};

static void control_run(struct control *c);

static void control_retry(uv_timer_t *h)
{
    control_run(h->data);
}

/* Read waiting requests into the queue until it is full or none is left. */
static void control_fill(struct control *c)
{
    while (!c->stopped && c->count < QUEUE_MAX && c->queued_bytes < QUEUE_BYTES &&
           bus_has_input(c->sock)) {
        struct inreq *r = &c->queue[(c->head + c->count) % QUEUE_MAX];
        int n = bus_recv_multipart(c->sock, r->frames, MAX_FRAMES);
        if (n <= 0)
            break;
        r->total = n;
        r->nframes = n < MAX_FRAMES ? n : MAX_FRAMES;
        for (int i = 0; i < r->nframes; i++)
            c->queued_bytes += zmq_msg_size(&r->frames[i]);
        c->count++;
    }
}

static void inreq_close(struct control *c, struct inreq *r)
{
    for (int i = 0; i < r->nframes; i++) {
        c->queued_bytes -= zmq_msg_size(&r->frames[i]);
        zmq_msg_close(&r->frames[i]);
    }
    r->nframes = 0;
}

/* Decode the request in r; on failure fill e. Returns the principal. */
static const char *inreq_decode(struct inreq *r, struct proto_request *req, struct proto_error *e,
                                bool *delim)
{
    zmq_msg_t *body = &r->frames[r->nframes - 1];
    *delim = r->nframes == 3 && zmq_msg_size(&r->frames[1]) == 0;
    memset(req, 0, sizeof(*req));
    if (r->total != 2 && !(r->total == 3 && *delim)) {
        proto_fail(e, ERR_BAD_REQUEST, "a request is one frame (after an optional empty one)");
        return NULL;
    }
    const char *principal = zmq_msg_gets(body, "User-Id");
    if (!principal || !*principal) {
        proto_fail(e, ERR_FORBIDDEN, "connection is not authenticated");
        return NULL;
    }
    if (proto_request_decode(zmq_msg_data(body), zmq_msg_size(body), req, e) != 0)
        return NULL;
    return principal;
}

static void execute_one(struct control *c, struct inreq *r)
{
    struct proto_request req;
    struct proto_error e = {0};
    bool delim = false;
    const char *principal = inreq_decode(r, &req, &e, &delim);
    struct outrep *o = &c->out[c->nout++];
    zmq_msg_init(&o->route);
    zmq_msg_copy(&o->route, &r->frames[0]);
    o->delim = delim;
    snprintf(o->id, sizeof(o->id), "%s", req.id ? req.id : "");
    if (principal)
        o->reply = dispatch_request(c->m, &c->outbox, principal,
                                    zmq_msg_gets(&r->frames[r->nframes - 1], "X-Person"), &req,
                                    zmq_msg_data(&r->frames[0]), zmq_msg_size(&r->frames[0]));
    else
        o->reply = proto_reply_error(req.id, &e);
    proto_request_clear(&req);
    inreq_close(c, r);
}

/* Sent if a reply could not be built at all: every request gets an answer,
 * and a routing frame is never left without its body. */
static const char NO_REPLY[] =
    "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"INTERNAL\",\"message\":\"no reply\"}}";

static void send_reply(struct control *c, struct outrep *o)
{
    int flags = ZMQ_SNDMORE | ZMQ_DONTWAIT;
    if (zmq_msg_send(&o->route, c->sock, flags) < 0 ||
        (o->delim && zmq_send(c->sock, "", 0, flags) < 0) ||
        zmq_send(c->sock, o->reply ? o->reply : NO_REPLY, strlen(o->reply ? o->reply : NO_REPLY),
                 ZMQ_DONTWAIT) < 0)
        log_debug("control: reply dropped: %s", zmq_strerror(errno));
}

/* Send every reply of the finished batch. */
static void control_flush(struct control *c)
{
    for (size_t i = 0; i < c->nout; i++) {
        struct outrep *o = &c->out[i];
        send_reply(c, o);
        zmq_msg_close(&o->route);
        free(o->reply);
    }
    c->nout = 0;
}

/* The batch failed to commit: every reply becomes UNAVAILABLE. */
static void control_fail_batch(struct control *c, int status)
{
    struct proto_error e;
    proto_fail(&e, ERR_UNAVAILABLE, "could not save to disk (%s); nothing was recorded, retry",
               strerror(-status));
    for (size_t i = 0; i < c->nout; i++) {
        free(c->out[i].reply);
        c->out[i].reply = proto_reply_error(c->out[i].id[0] ? c->out[i].id : NULL, &e);
    }
    outbox_truncate(&c->outbox, 0);
}

static void control_committed(void *arg, int status)
{
    struct control *c = arg;
    c->committing = false;
    if (status != 0)
        control_fail_batch(c, status);
    else
        outbox_flush(c->m, &c->outbox);
    control_flush(c);
    control_fill(c);
    control_run(c);
}

/* Execute queued requests batch by batch until the queue is empty or a
 * commit is in flight. */
/* Run the waiting tasks, each under its own savepoint.  When the store
 * cannot begin a transaction the tasks stay queued and a timer tries
 * again in a second: a task is never lost to a busy or failing disk. */
static void run_tasks(struct control *c)
{
    struct store *st = c->m->store;
    int rc = c->ntasks == 0 || store_in_txn(st) ? 0 : store_begin(st);
    if (rc != 0) {
        log_error("control: %zu tasks wait: %s", c->ntasks, strerror(-rc));
        if (!c->stopped)
            uv_timer_start(&c->retry, control_retry, 1000, 0);
        return;
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
}

static void control_run(struct control *c)
{
    while (!c->committing && !c->stopped && (c->count > 0 || c->ntasks > 0)) {
        store_batch_reset(c->m->store);
        size_t waiting = c->ntasks;
        run_tasks(c);
        if (c->count == 0 && c->ntasks == waiting && waiting > 0)
            break; /* the store is unavailable: the retry timer comes back */
        size_t n = c->count < BATCH_MAX ? c->count : BATCH_MAX;
        for (size_t i = 0; i < n; i++) {
            execute_one(c, &c->queue[c->head]);
            c->head = (c->head + 1) % QUEUE_MAX;
            c->count--;
        }
        if (store_in_txn(c->m->store)) {
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

static void control_kick(uv_idle_t *h)
{
    struct control *c = h->data;
    uv_idle_stop(h);
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
    if (c->stopped || zmq_send(c->sock, route, route_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(c->sock, text, strlen(text), ZMQ_DONTWAIT) < 0)
        return -EHOSTUNREACH;
    return 0;
}

static void control_ready(void *arg)
{
    struct control *c = arg;
    control_fill(c);
    control_run(c);
}

static int control_socket(struct control *c)
{
    struct muster *m = c->m;
    int linger = 0, sndhwm = 10000, rcvhwm = 1000, mandatory = 1, rc = 0;
    int64_t maxmsg = (int64_t)4 * PROTO_MAX_FRAME;
    c->sock = zmq_socket(m->zctx, ZMQ_ROUTER);
    if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof(mandatory)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_SNDHWM, &sndhwm, sizeof(sndhwm)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm)) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0 ||
        (rc = bus_curve_server(c->sock, &m->server_key, BUS_ZAP_DOMAIN)) != 0 ||
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
    c->queue = calloc(QUEUE_MAX, sizeof(*c->queue));
    c->out = calloc(BATCH_MAX, sizeof(*c->out));
    int rc = (c->queue && c->out) ? control_socket(c) : -ENOMEM;
    if (rc == 0)
        rc = bus_watch_start(m->loop, &c->watch, c->sock, control_ready, c);
    if (rc == 0) {
        uv_idle_init(m->loop, &c->kick);
        c->kick.data = c;
        uv_timer_init(m->loop, &c->retry);
        c->retry.data = c;
    }
    if (rc != 0) {
        control_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void control_stop(struct control *c)
{
    if (c->stopped)
        return;
    c->stopped = true;
    bus_watch_close(&c->watch);
    if (c->kick.loop) {
        uv_close((uv_handle_t *)&c->kick, NULL);
        uv_close((uv_handle_t *)&c->retry, NULL);
    }
}

int control_busy(const struct control *c)
{
    return c->committing;
}

void control_free(struct control *c)
{
    if (!c)
        return;
    while (c->count > 0) {
        inreq_close(c, &c->queue[c->head]);
        c->head = (c->head + 1) % QUEUE_MAX;
        c->count--;
    }
    control_flush(c);
    for (size_t i = 0; i < c->ntasks; i++)
        if (c->tasks[i].drop)
            c->tasks[i].drop(c->tasks[i].arg);
    free(c->tasks);
    outbox_free(&c->outbox);
    if (c->sock)
        zmq_close(c->sock);
    free(c->queue);
    free(c->out);
    free(c);
}
