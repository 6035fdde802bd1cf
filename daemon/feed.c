/*
 * daemon/feed.c - the status feed PUB socket (see feed.h).
 */
#include "feed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bus.h"
#include "log.h"
#include "server.h"
#include "store.h"

struct feed {
    void *sock;
};

int feed_open(struct muster *m, struct feed **out)
{
    struct feed *feed = calloc(1, sizeof(*feed));
    if (!feed)
        return -ENOMEM;
    int linger = 0, hwm = 100000, rc = 0;
    feed->sock = zmq_socket(m->zctx, ZMQ_PUB);
    if (!feed->sock || zmq_setsockopt(feed->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(feed->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0 ||
        (rc = bus_curve_server(feed->sock, &m->server_key)) != 0 ||
        zmq_bind(feed->sock, m->cfg->feed_ep) != 0) {
        rc = rc ? rc : -errno;
        log_error("feed: cannot bind %s: %s", m->cfg->feed_ep, zmq_strerror(-rc));
        feed_free(feed);
        return rc;
    }
    *out = feed;
    return 0;
}

void feed_free(struct feed *feed)
{
    if (!feed)
        return;
    if (feed->sock)
        zmq_close(feed->sock);
    free(feed);
}

void feed_publish(struct feed *feed, const char *kind, const char *body)
{
    if (zmq_send(feed->sock, kind, strlen(kind), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(feed->sock, body, strlen(body), ZMQ_DONTWAIT) < 0)
        log_warnx("feed: could not publish %s: %s", kind, zmq_strerror(errno));
}

struct feed_item {
    char *kind;
    char *body;
};

static int outbox_push(struct feed_outbox *ob, const char *kind, char *body)
{
    if (ob->count == ob->cap) {
        size_t cap = ob->cap ? ob->cap * 2 : 64;
        struct feed_item *items = realloc(ob->items, cap * sizeof(*items));
        if (!items)
            return -ENOMEM;
        ob->items = items;
        ob->cap = cap;
    }
    char *k = strdup(kind);
    if (!k)
        return -ENOMEM;
    ob->items[ob->count++] = (struct feed_item){k, body};
    return 0;
}

int feed_event(struct muster *m, struct feed_outbox *ob, int64_t incident_id, const char *ref,
               const char *kind, json_t *data, int64_t now)
{
    char *stored = json_dumps(data, JSON_COMPACT);
    int64_t seq = 0;
    int rc = stored ? store_event_add(m->store, incident_id, now, kind, stored, &seq) : -ENOMEM;
    free(stored);
    if (rc != 0) {
        json_decref(data);
        return rc;
    }
    json_t *msg = json_pack("{s:I, s:I, s:s, s:s?, s:o}", "seq", (json_int_t)seq, "at",
                            (json_int_t)now, "kind", kind, "incident", ref, "data", data);
    char *body = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!body)
        return -ENOMEM;
    if ((rc = outbox_push(ob, kind, body)) != 0)
        free(body);
    return rc;
}

void feed_outbox_publish(struct feed *feed, struct feed_outbox *ob)
{
    for (size_t i = 0; i < ob->count; i++)
        feed_publish(feed, ob->items[i].kind, ob->items[i].body);
    feed_outbox_truncate(ob, 0);
}

void feed_outbox_truncate(struct feed_outbox *ob, size_t keep)
{
    for (size_t i = keep; i < ob->count; i++) {
        free(ob->items[i].kind);
        free(ob->items[i].body);
    }
    if (keep < ob->count)
        ob->count = keep;
}

void feed_outbox_free(struct feed_outbox *ob)
{
    feed_outbox_truncate(ob, 0);
    free(ob->items);
    ob->items = NULL;
    ob->cap = 0;
}
