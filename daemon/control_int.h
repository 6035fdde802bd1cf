/*
 * daemon/control_int.h - what control.c (requests, batches, the socket) and
 * control_conn.c (connections and their replies) share; see control.c for
 * how the two fit together.
 */
#ifndef MUSTER_CONTROL_INT_H
#define MUSTER_CONTROL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "bus.h"
#include "control.h"
#include "outbox.h"
#include "proto.h"

#define QUEUE_MAX 8192
#define QUEUE_BYTES (64 * 1024 * 1024) /* oversize frames are read, but only so many */
#define CONN_MAX_QUEUED 256            /* requests one connection may have waiting */
#define CONN_MAX_BYTES (8 * 1024 * 1024)
#define BATCH_MAX 1024
#define BUDGET_NS (20 * 1000000ULL)       /* a batch takes no more requests after this */
#define BUDGET_URGENT_NS (5 * 1000000ULL) /* ... when Gold or duty wait for it */
#define REPLY_HWM 64                      /* replies a connection's pipe holds */
#define STASH_MAX 256                     /* replies waiting in musterd beyond it... */
#define STASH_BYTES (4 * 1024 * 1024)     /* ... or bytes: its requests wait */
#define STALL_DROP_MS 30000
#define RESEND_MS 20
#define MAX_FRAMES 3 /* routing id, optional empty delimiter, body */
#define ROUTE_LEN 5  /* libzmq's own routing ids: a zero byte, then 4 bytes */
#define CONN_BUCKETS 1024

/* Scheduling classes, served in this order: Gold and duty (and the web
 * gateway acting for its users), agencies, intake, and last the public
 * door (public.* from the gateway's own key), so a flood of public
 * submissions never delays Gold, duty or intake. */
enum { CLASS_COMMAND, CLASS_AGENCY, CLASS_BULK, CLASS_PUBLIC, NCLASS };

struct outrep {
    struct outrep *next;
    zmq_msg_t route;
    bool delim;
    char id[PROTO_MAX_ID + 1];
    char *reply;
    struct conn *conn; /* NULL for a reply sent at once */
};

/* A client connection with requests waiting or replies it has not read. */
struct conn {
    struct conn *next; /* in its hash bucket */
    uint32_t id;
    size_t queued, queued_bytes;
    size_t pending; /* replies of the running batch not yet sent */
    struct outrep *stash, *stash_tail;
    size_t stashed, stashed_bytes;
    uint64_t stalled_since; /* loop ms; 0 when the pipe takes replies */
};

struct inreq {
    struct inreq *next;
    zmq_msg_t frames[MAX_FRAMES];
    int nframes; /* frames held (<= MAX_FRAMES) */
    int total;   /* frames received */
    size_t bytes;
    struct conn *conn;
    bool decoded;
    int part, nparts;
    struct proto_request req;
    struct proto_error err;
    const char *principal, *person, *key; /* properties of the body frame */
};

struct queue {
    struct inreq *head, *tail;
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
    uv_idle_t kick;    /* runs a batch for tasks when no request wakes us */
    uv_timer_t retry;  /* runs it again when the store could not begin */
    uv_timer_t resend; /* offers stashed replies again */
    struct task *tasks;
    size_t ntasks, captasks;
    struct queue queues[NCLASS];
    size_t queued, queued_bytes;
    struct conn *conns[CONN_BUCKETS];
    size_t nstalled;
    struct outrep *out; /* replies of the batch being committed */
    size_t nout;
    struct outbox outbox;
    bool committing;
    uint64_t commit_started; /* uv_hrtime() when the running commit was handed off */
    bool stopped;
};

/* ---- control_conn.c ---- */

/* The connection with routing id `id`, created on first use; NULL when
 * out of memory.  Released once it has nothing waiting. */
struct conn *conn_get(struct control *c, uint32_t id);
void conn_release(struct control *c, struct conn *conn);

/* Whether route is a routing id libzmq chose (ROUTE_LEN bytes, a zero
 * first); sets *id. */
bool route_valid(zmq_msg_t *route, uint32_t *id);

/* A reply to r (its routing frame moved into o); outrep_free releases it. */
struct outrep *outrep_make(struct outrep *o, struct inreq *r, char *reply);
void outrep_free(struct outrep *o);

/* Answer r at once with an error code (not stored: nothing ran); frees r. */
void send_now(struct control *c, struct inreq *r, const char *code, const char *why);

/* The committed batch's replies go out (or to their stash); after a failed
 * commit, control_fail_batch first turns every reply into UNAVAILABLE. */
void control_flush(struct control *c);
void control_fail_batch(struct control *c, int status);

/* Offer stashed replies again: every connection's, or on the timer. */
void control_resend_all(struct control *c);
void control_resend(uv_timer_t *h);

/* ---- control.c ---- */

void inreq_free(struct control *c, struct inreq *r);

/* Read every waiting request into its class's queue. */
void control_fill(struct control *c);

/* Run a batch if none is committing and work waits. */
void control_run(struct control *c);

#endif
