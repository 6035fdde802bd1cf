/*
 * clients/board_client.c - the board watcher (see board_client.h).
 *
 * It owns a control connection (mclient), a CURVE SUB socket on the feed
 * and the board as last applied: the snapshot's keys with every later
 * event's "board" values written over them, and the feed seq they are
 * current to.
 *
 * After a failover (or any restart of musterd) the SUB socket reconnects
 * by itself, but events published while it was away are lost, and if none
 * follows, no gap would ever show it: so a feed handshake that succeeds
 * after the connection dropped asks for a new snapshot, like a gap.  The
 * feed's heartbeat (every second, the seq of the last event published)
 * shows the same for a message lost at the end, and tells the watcher
 * when it last heard from musterd.
 */
#include "board_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "client.h"
#include "clock.h"
#include "keys.h"

#define DRAIN_MAX 5000 /* messages read per drain, so a screen stays live */
#define RECENT_MAX 200 /* events kept for the board's LATEST section */

struct board_client {
    struct mclient *ctl;
    void *zctx;
    bool own_ctx;
    void *sub;
    void *mon;         /* the feed socket's monitor: drops and handshakes */
    bool feed_lost;    /* dropped, not yet handshaken again */
    char ref[64];      /* the watched incident; "" for the latest active */
    bool follow;       /* a new incident takes over */
    char takeover[64]; /* the incident stood up meanwhile, to watch next */
    int64_t heard;     /* our clock when musterd last spoke; 0 never */
    int64_t seq;       /* the last event reflected in board; -1 before a snapshot */
    int64_t limit;
    int64_t skew;
    json_t *board, *meta;
    json_t *recent; /* the watched incident's latest events, oldest first */
    bool need_snapshot;
    unsigned long gaps, snapshots, reconnects;
    long drop_at, fresh; /* the MUSTER_WATCH_DROP hook */
};

static int set_curve(void *sock, const struct board_client_opts *o)
{
    int linger = 0, hwm = 100000;
    if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, o->server_pub, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, o->me->public_z85, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, o->me->secret_z85, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0) != 0 || mclient_heartbeat_set(sock) != 0)
        return -errno;
    return 0;
}

/* The first handshake event of the feed socket: 0 when it succeeded,
 * -EACCES when our key was refused, -ETIMEDOUT or -EPROTO otherwise.
 * One deadline for it all: a dropped handshake is followed by a
 * reconnect, and a wait restarted per DISCONNECTED would never end. */
static int wait_handshake(void *mon, int timeout_ms)
{
    zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
    int64_t deadline = clock_mono_ms() + timeout_ms, left;
    int rc = -ETIMEDOUT;
    while (rc == -ETIMEDOUT && (left = deadline - clock_mono_ms()) > 0 &&
           zmq_poll(&item, 1, (long)left) == 1) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        uint16_t event = 0;
        if (zmq_msg_recv(&m, mon, 0) >= 6)
            memcpy(&event, zmq_msg_data(&m), sizeof(event));
        while (zmq_msg_more(&m) && zmq_msg_recv(&m, mon, 0) >= 0)
            ;
        zmq_msg_close(&m);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            rc = 0;
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            rc = -EACCES;
        else if (event && event != ZMQ_EVENT_DISCONNECTED)
            rc = -EPROTO;
    }
    return rc;
}

/* Connect the SUB socket, subscribed to everything, and wait until the
 * daemon has accepted our key on it. */
static int open_feed(struct board_client *b, const struct board_client_opts *o, char *err,
                     size_t errlen)
{
    char ep[64];
    snprintf(ep, sizeof(ep), "inproc://feed-monitor-%p", (void *)b);
    b->sub = zmq_socket(b->zctx, ZMQ_SUB);
    int rc = b->sub ? set_curve(b->sub, o) : -errno;
    if (rc == 0 &&
        zmq_socket_monitor(b->sub, ep,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_DISCONNECTED) != 0)
        rc = -errno;
    if (rc == 0 && (!(b->mon = zmq_socket(b->zctx, ZMQ_PAIR)) || zmq_connect(b->mon, ep) != 0))
        rc = -errno;
    if (rc == 0 && zmq_connect(b->sub, o->feed_ep) != 0)
        rc = -errno;
    if (rc == 0)
        rc = wait_handshake(b->mon, o->timeout_ms);
    if (rc == -EACCES)
        snprintf(err, errlen, "the feed %s refused our key (only gold and duty may watch)",
                 o->feed_ep);
    else if (rc != 0)
        snprintf(err, errlen, "no status feed at %s: %s", o->feed_ep,
                 rc == -ETIMEDOUT ? "no answer" : zmq_strerror(-rc));
    return rc;
}

static long drop_hook(void)
{
    const char *v = getenv("MUSTER_WATCH_DROP");
    return v ? strtol(v, NULL, 10) : 0;
}

int board_client_open(const struct board_client_opts *o, struct board_client **out, char *err,
                      size_t errlen)
{
    struct board_client *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->seq = -1;
    b->drop_at = drop_hook();
    if (!(b->recent = json_array())) {
        free(b);
        return -ENOMEM;
    }
    struct mclient_opts mo = {o->control_ep, o->me, o->server_pub, o->timeout_ms};
    int rc = mclient_open(&mo, &b->ctl, err, errlen);
    if (rc == 0 && o->feed_ep) {
        b->own_ctx = !o->zctx;
        b->zctx = o->zctx ? o->zctx : zmq_ctx_new();
        rc = b->zctx ? open_feed(b, o, err, errlen) : -ENOMEM;
    }
    if (rc != 0) {
        board_client_close(b);
        return rc;
    }
    *out = b;
    return 0;
}

void board_client_close(struct board_client *b)
{
    if (!b)
        return;
    mclient_close(b->ctl);
    if (b->sub)
        zmq_socket_monitor(b->sub, NULL, 0);
    if (b->mon)
        zmq_close(b->mon);
    if (b->sub)
        zmq_close(b->sub);
    if (b->own_ctx && b->zctx)
        zmq_ctx_term(b->zctx);
    json_decref(b->board);
    json_decref(b->meta);
    json_decref(b->recent);
    free(b);
}

/* Send cmd and return its result (new reference), or NULL with err set
 * and *rc: -ENOENT for a NOT_FOUND error, else -errno. */
static json_t *request(struct board_client *b, const char *cmd, json_t *args, int *rc, char *err,
                       size_t errlen)
{
    json_t *reply = NULL, *result = NULL;
    *rc = mclient_call(b->ctl, NULL, cmd, args, &reply, err, errlen);
    if (*rc != 0)
        return NULL;
    if (json_is_true(json_object_get(reply, "ok"))) {
        result = json_incref(json_object_get(reply, "result"));
    } else {
        json_t *e = json_object_get(reply, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        snprintf(err, errlen, "%s: %s", code ? code : "?",
                 json_string_value(json_object_get(e, "message")));
        *rc = code && !strcmp(code, "NOT_FOUND") ? -ENOENT : -EPERM;
    }
    json_decref(reply);
    return result;
}

int board_client_snapshot(struct board_client *b, char *err, size_t errlen)
{
    int rc;
    json_t *args = b->ref[0] ? json_pack("{s:s}", "incident", b->ref) : json_object();
    json_t *r = request(b, "status.show", args, &rc, err, errlen);
    json_t *seq = json_object_get(r, "seq");
    const char *ref = json_string_value(json_object_get(r, "incident"));
    if (r && (!json_is_integer(seq) || !ref || !json_is_object(json_object_get(r, "board")))) {
        snprintf(err, errlen, "status.show: an unreadable snapshot");
        rc = -EPROTO;
    }
    b->need_snapshot = rc != 0;
    if (rc == 0) {
        snprintf(b->ref, sizeof(b->ref), "%s", ref);
        b->seq = json_integer_value(seq);
        json_decref(b->board);
        json_decref(b->meta);
        b->board = json_incref(json_object_get(r, "board"));
        b->meta = json_incref(json_object_get(r, "meta"));
        b->snapshots++;
        b->heard = clock_real_ms();
    }
    json_decref(r);
    return rc;
}

int board_client_watch(struct board_client *b, const char *ref, char *err, size_t errlen)
{
    if (!ref || strcmp(ref, b->ref)) /* another incident: none of its events yet */
        json_array_clear(b->recent);
    snprintf(b->ref, sizeof(b->ref), "%s", ref ? ref : "");
    return board_client_snapshot(b, err, errlen);
}

/* Write an event's board values over ours; null removes a key. */
static void apply_values(struct board_client *b, json_t *values)
{
    const char *key;
    json_t *v;
    json_object_foreach(values, key, v)
    {
        if (json_is_null(v))
            json_object_del(b->board, key);
        else
            json_object_set(b->board, key, v);
    }
}

/* Keep event ev (its at, kind and data) among the latest. */
static void keep_recent(struct board_client *b, json_t *ev)
{
    if (json_array_size(b->recent) >= RECENT_MAX)
        json_array_remove(b->recent, 0);
    json_array_append_new(
        b->recent, json_pack("{s:O?, s:O?, s:O?}", "at", json_object_get(ev, "at"), "kind",
                             json_object_get(ev, "kind"), "data", json_object_get(ev, "data")));
}

/* A new snapshot after events were lost: 1, or -errno. */
static int regap(struct board_client *b, char *err, size_t errlen)
{
    b->gaps++;
    int rc = board_client_snapshot(b, err, errlen);
    return rc ? rc : 1;
}

/* The heartbeat: no event, the seq of the last one published.  Above
 * ours, the last events were lost with none after them to show it. */
static int heartbeat(struct board_client *b, int64_t seq, char *err, size_t errlen)
{
    if (b->seq < 0 || seq <= b->seq || (b->limit && seq > b->limit))
        return 0;
    return regap(b, err, errlen);
}

/* Apply one event.  Returns 1 when it moved the board or seq, 0 when it
 * was ignored, or -errno from a re-snapshot after a gap. */
static int apply(struct board_client *b, json_t *ev, char *err, size_t errlen)
{
    json_t *jseq = json_object_get(ev, "seq"), *at = json_object_get(ev, "at");
    int64_t seq = json_integer_value(jseq);
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    const char *ref = json_string_value(json_object_get(ev, "incident"));
    if (json_is_integer(at))
        b->skew = json_integer_value(at) - clock_real_ms();
    if (kind && !strcmp(kind, "heartbeat"))
        return heartbeat(b, seq, err, errlen);
    if (b->seq < 0) { /* no incident yet: this event may have made one */
        b->need_snapshot = true;
        return 0;
    }
    if (!json_is_integer(jseq) || seq <= b->seq || (b->limit && seq > b->limit))
        return 0;
    if (b->drop_at > 0 && ++b->fresh == b->drop_at)
        return 0; /* the test hook: as if this message had been lost */
    if (seq > b->seq + 1)
        return regap(b, err, errlen);
    if (ref && !strcmp(ref, b->ref)) {
        apply_values(b, json_object_get(ev, "board"));
        keep_recent(b, ev);
    } else if (ref && b->follow && kind && !strcmp(kind, "incident.standup"))
        snprintf(b->takeover, sizeof(b->takeover), "%s", ref);
    b->seq = seq;
    return 1;
}

/* Receive one message without waiting: its last frame parsed (new
 * reference), NULL with *rc = -EAGAIN when none is waiting. */
static json_t *receive(void *sub, int *rc)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    json_t *ev = NULL;
    *rc = zmq_msg_recv(&m, sub, ZMQ_DONTWAIT) < 0 ? -errno : 0;
    while (*rc == 0 && zmq_msg_more(&m))
        *rc = zmq_msg_recv(&m, sub, 0) < 0 ? -errno : 0;
    if (*rc == 0)
        ev = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
    zmq_msg_close(&m);
    return ev;
}

/* Read the feed monitor's events: a handshake after a drop (musterd came
 * back, or its standby took over) means events may have been lost with no
 * gap to show it: take a new snapshot. */
static void feed_events(struct board_client *b)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    while (b->mon && zmq_msg_recv(&m, b->mon, ZMQ_DONTWAIT) >= 0) {
        uint16_t event = 0;
        if (zmq_msg_size(&m) >= 6)
            memcpy(&event, zmq_msg_data(&m), sizeof(event));
        while (zmq_msg_more(&m) && zmq_msg_recv(&m, b->mon, 0) >= 0)
            ;
        if (event == ZMQ_EVENT_DISCONNECTED)
            b->feed_lost = true;
        else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && b->feed_lost) {
            b->feed_lost = false;
            b->need_snapshot = true;
            b->reconnects++;
        }
    }
    zmq_msg_close(&m);
}

int board_client_drain(struct board_client *b, char *err, size_t errlen)
{
    int rc = 0, changed = 0;
    feed_events(b);
    for (int i = 0; b->sub && i < DRAIN_MAX; i++) {
        json_t *ev = receive(b->sub, &rc);
        if (rc == -EAGAIN)
            break;
        if (rc != 0) {
            snprintf(err, errlen, "feed: %s", zmq_strerror(-rc));
            return rc;
        }
        b->heard = clock_real_ms();
        rc = ev ? apply(b, ev, err, errlen) : 0;
        json_decref(ev);
        if (rc < 0)
            return rc;
        changed += rc;
    }
    if (b->takeover[0]) { /* the newest incident: snapshot it */
        snprintf(b->ref, sizeof(b->ref), "%s", b->takeover);
        json_array_clear(b->recent);
        b->takeover[0] = '\0';
        b->need_snapshot = true;
    }
    if (b->need_snapshot) {
        if ((rc = board_client_snapshot(b, err, errlen)) != 0)
            return rc;
        changed++;
    }
    return changed;
}

void board_client_follow(struct board_client *b, bool on)
{
    b->follow = on;
}

int64_t board_client_heard(const struct board_client *b)
{
    return b->heard;
}

bool board_client_feed_up(const struct board_client *b)
{
    return b->sub && !b->feed_lost;
}

void board_client_set_limit(struct board_client *b, int64_t limit)
{
    b->limit = limit;
}

void *board_client_feed(struct board_client *b)
{
    return b->sub;
}

json_t *board_client_incidents(struct board_client *b, char *err, size_t errlen)
{
    int rc;
    json_t *r =
        request(b, "incident.list", json_pack("{s:s}", "state", "active"), &rc, err, errlen);
    json_t *refs = r ? json_array() : NULL, *inc;
    size_t i;
    json_array_foreach(json_object_get(r, "incidents"), i, inc)
    {
        json_t *ref = json_object_get(inc, "ref");
        if (json_is_string(ref))
            json_array_append(refs, ref);
    }
    json_decref(r);
    return refs;
}

const char *board_client_ref(const struct board_client *b)
{
    return b->ref;
}

int64_t board_client_seq(const struct board_client *b)
{
    return b->seq;
}

json_t *board_client_board(const struct board_client *b)
{
    return b->board;
}

json_t *board_client_meta(const struct board_client *b)
{
    return b->meta;
}

json_t *board_client_recent(const struct board_client *b)
{
    return b->recent;
}

unsigned long board_client_gaps(const struct board_client *b)
{
    return b->gaps;
}

unsigned long board_client_reconnects(const struct board_client *b)
{
    return b->reconnects;
}

unsigned long board_client_snapshots(const struct board_client *b)
{
    return b->snapshots;
}

int64_t board_client_skew(const struct board_client *b)
{
    return b->skew;
}

char *board_client_canonical(json_t *board)
{
    return json_dumps(board, JSON_SORT_KEYS | JSON_COMPACT);
}

int board_client_sha256(json_t *board, char hex[65])
{
    char *text = board_client_canonical(board);
    unsigned char digest[crypto_hash_sha256_BYTES];
    if (!text)
        return -ENOMEM;
    crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(hex, 65, digest, sizeof(digest));
    free(text);
    return 0;
}
