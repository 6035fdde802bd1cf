/*
 * daemon/control_conn.c - the control socket's connections: each one's
 * waiting requests and the replies its pipe could not take yet (the stash),
 * offered again when the socket signals or the resend timer fires, and
 * dropped after STALL_DROP_MS without progress (see control.c).
 */
#include "control_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"

/* ---- connections ---- */

static struct conn **conn_slot(struct control *c, uint32_t id)
{
    struct conn **p = &c->conns[(id * 2654435761u) % CONN_BUCKETS];
    while (*p && (*p)->id != id)
        p = &(*p)->next;
    return p;
}

struct conn *conn_get(struct control *c, uint32_t id)
{
    struct conn **p = conn_slot(c, id);
    if (!*p && (*p = calloc(1, sizeof(**p))))
        (*p)->id = id;
    return *p;
}

/* Forget conn when nothing of it is left. */
void conn_release(struct control *c, struct conn *conn)
{
    if (!conn || conn->queued > 0 || conn->pending > 0 || conn->stash)
        return;
    struct conn **p = conn_slot(c, conn->id);
    *p = conn->next;
    free(conn);
}

bool route_valid(zmq_msg_t *route, uint32_t *id)
{
    const unsigned char *b = zmq_msg_data(route);
    if (zmq_msg_size(route) != ROUTE_LEN || b[0] != 0)
        return false;
    *id = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
    return true;
}

/* ---- replies ---- */

struct outrep *outrep_make(struct outrep *o, struct inreq *r, char *reply)
{
    memset(o, 0, sizeof(*o));
    zmq_msg_init(&o->route);
    zmq_msg_copy(&o->route, &r->frames[0]);
    o->delim = r->nframes == 3 && zmq_msg_size(&r->frames[1]) == 0;
    snprintf(o->id, sizeof(o->id), "%s", r->req.id ? r->req.id : "");
    o->reply = reply;
    o->conn = r->conn;
    return o;
}

void outrep_free(struct outrep *o)
{
    zmq_msg_close(&o->route);
    free(o->reply);
}

/* Sent if a reply could not be built at all: every request gets an answer,
 * and a routing frame is never left without its body. */
static const char NO_REPLY[] =
    "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"INTERNAL\",\"message\":\"no reply\"}}";

/* Send o.  Returns 0, -EAGAIN when the connection's pipe is full (nothing
 * was sent), or another -errno (the reply is lost: the peer is gone). */
static int send_reply(struct control *c, struct outrep *o)
{
    int flags = ZMQ_SNDMORE | ZMQ_DONTWAIT;
    const char *text = o->reply ? o->reply : NO_REPLY;
    zmq_msg_t route;
    zmq_msg_init(&route);
    zmq_msg_copy(&route, &o->route);
    if (zmq_msg_send(&route, c->sock, flags) < 0) {
        int rc = -errno;
        zmq_msg_close(&route);
        return rc;
    }
    if ((o->delim && zmq_send(c->sock, "", 0, flags) < 0) ||
        zmq_send(c->sock, text, strlen(text), ZMQ_DONTWAIT) < 0)
        log_debug("control: reply cut short: %s", zmq_strerror(errno));
    return 0;
}

/* Answer r at once with an error, without queueing it. */
void send_now(struct control *c, struct inreq *r, const char *code, const char *why)
{
    struct proto_error e;
    struct outrep o;
    proto_fail(&e, code, "%s", why);
    outrep_make(&o, r, proto_reply_error(NULL, &e));
    send_reply(c, &o);
    outrep_free(&o);
    inreq_free(c, r);
}

static void stash_add(struct control *c, struct conn *conn, struct outrep *o)
{
    struct outrep *s = malloc(sizeof(*s));
    if (!s) {
        outrep_free(o);
        return;
    }
    *s = *o;
    s->next = NULL;
    conn->stashed++;
    conn->stashed_bytes += strlen(s->reply ? s->reply : NO_REPLY);
    if (!conn->stash) {
        conn->stash = s;
        c->nstalled++;
        if (!conn->stalled_since)
            conn->stalled_since = uv_now(c->m->loop);
    } else {
        conn->stash_tail->next = s;
    }
    conn->stash_tail = s;
    if (!c->stopped && !uv_is_active((uv_handle_t *)&c->resend))
        uv_timer_start(&c->resend, control_resend, RESEND_MS, 0);
}

/* Send o, or keep it in its connection's stash behind the replies already
 * waiting there. */
static void deliver_reply(struct control *c, struct outrep *o)
{
    struct conn *conn = o->conn;
    int rc = conn && conn->stash ? -EAGAIN : send_reply(c, o);
    if (rc == -EAGAIN && conn) {
        stash_add(c, conn, o);
        return;
    }
    if (rc != 0)
        log_debug("control: reply dropped: %s", zmq_strerror(-rc));
    outrep_free(o);
}

/* Send every reply of the finished batch. */
void control_flush(struct control *c)
{
    for (size_t i = 0; i < c->nout; i++) {
        struct conn *conn = c->out[i].conn;
        deliver_reply(c, &c->out[i]);
        if (conn) {
            conn->pending--;
            conn_release(c, conn);
        }
    }
    c->nout = 0;
}

/* The batch failed to commit: every reply becomes UNAVAILABLE. */
void control_fail_batch(struct control *c, int status)
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

/* Drop everything conn has stashed and queued: it has not read a reply
 * for STALL_DROP_MS. */
static void conn_drop(struct control *c, struct conn *conn)
{
    size_t replies = 0, requests = 0;
    while (conn->stash) {
        struct outrep *s = conn->stash;
        conn->stash = s->next;
        outrep_free(s);
        free(s);
        replies++;
    }
    conn->stashed = conn->stashed_bytes = 0;
    c->nstalled--;
    conn->queued++; /* keep conn while its requests go */
    for (int k = 0; k < NCLASS; k++) {
        struct inreq **p = &c->queues[k].head, *last = NULL;
        while (*p) {
            struct inreq *r = *p;
            if (r->conn == conn) {
                *p = r->next;
                inreq_free(c, r);
                requests++;
            } else {
                last = r;
                p = &r->next;
            }
        }
        c->queues[k].tail = last;
    }
    conn->queued--;
    log_warnx("control: connection %08x read no reply for %d s: %zu replies and %zu requests "
              "dropped",
              conn->id, STALL_DROP_MS / 1000, replies, requests);
    conn->stalled_since = 0;
    conn_release(c, conn);
}

/* Offer conn's stashed replies again, in order.  True if any went. */
static bool conn_resend(struct control *c, struct conn *conn)
{
    bool progress = false;
    while (conn->stash) {
        struct outrep *s = conn->stash;
        int rc = send_reply(c, s);
        if (rc == -EAGAIN)
            break;
        conn->stash = s->next;
        conn->stashed--;
        conn->stashed_bytes -= strlen(s->reply ? s->reply : NO_REPLY);
        outrep_free(s);
        free(s);
        progress = true;
    }
    if (progress)
        conn->stalled_since = conn->stash ? uv_now(c->m->loop) : 0;
    if (!conn->stash)
        c->nstalled--;
    return progress;
}

/* Offer every stashed reply again; drop the connections that have read
 * nothing for STALL_DROP_MS. */
void control_resend_all(struct control *c)
{
    uint64_t now = uv_now(c->m->loop);
    for (size_t b = 0; c->nstalled > 0 && b < CONN_BUCKETS; b++) {
        for (struct conn *conn = c->conns[b], *next; conn; conn = next) {
            next = conn->next;
            if (!conn->stash)
                continue;
            if (conn_resend(c, conn))
                conn_release(c, conn);
            else if (now - conn->stalled_since >= STALL_DROP_MS)
                conn_drop(c, conn);
        }
    }
}

void control_resend(uv_timer_t *h)
{
    struct control *c = h->data;
    control_resend_all(c);
    if (c->nstalled > 0 && !c->stopped)
        uv_timer_start(&c->resend, control_resend, RESEND_MS, 0);
    /* Every send, even one refused with EAGAIN, may have taken the socket's
     * edge (libzmq processes its commands in zmq_send): read again. */
    control_fill(c);
    control_run(c);
}
