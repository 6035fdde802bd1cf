/*
 * daemon/feed.c - the status feed PUB socket (see feed.h), and its
 * heartbeat: every FEED_HEARTBEAT_MS a "heartbeat" message with the seq of
 * the last event published, so that a watcher can tell a quiet incident
 * from a daemon that stopped (the zguide Clone pattern's HUGZ).
 */
#include "feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bus.h"
#include "guard.h"
#include "log.h"
#include "server.h"
#include "store.h"

#define REBIND_MS 5
#define REBIND_TRIES 1000 /* 5 s */

struct feed {
    struct muster *m;
    void *sock;
    uv_timer_t rebind; /* binds again after a revocation */
    uv_timer_t beat;   /* the heartbeat */
    int64_t last_seq;  /* of the last event published */
    int tries;
    struct guard *guard; /* caps its pending handshakes */
};

/* The heartbeat: no event, no seq of its own; the seq of the last event
 * published, and the daemon's time. */
static void feed_beat(uv_timer_t *t)
{
    struct feed *feed = t->data;
    char body[128];
    snprintf(body, sizeof(body), "{\"seq\":%lld,\"at\":%lld,\"kind\":\"heartbeat\"}",
             (long long)feed->last_seq, (long long)server_now(feed->m));
    if (zmq_send(feed->sock, "heartbeat", 9, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(feed->sock, body, strlen(body), ZMQ_DONTWAIT) < 0)
        log_warnx("feed: could not publish a heartbeat: %s", zmq_strerror(errno));
}

int feed_open(struct muster *m, struct feed **out)
{
    struct feed *feed = calloc(1, sizeof(*feed));
    if (!feed)
        return -ENOMEM;
    int linger = 0, hwm = 100000, rc = 0;
    feed->sock = zmq_socket(m->zctx, ZMQ_PUB);
    if (!feed->sock || zmq_setsockopt(feed->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(feed->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0 ||
        (rc = bus_curve_server(feed->sock, &m->server_key, BUS_ZAP_DOMAIN_FEED)) != 0 ||
        (rc = guard_open(m->zctx, feed->sock, "feed", &feed->guard)) != 0 ||
        zmq_bind(feed->sock, m->cfg->feed_ep) != 0) {
        rc = rc ? rc : -errno;
        log_error("feed: cannot bind %s: %s", m->cfg->feed_ep, zmq_strerror(-rc));
        feed_free(feed);
        return rc;
    }
    feed->m = m;
    feed->last_seq = store_event_last_seq(m->store);
    uv_timer_init(m->loop, &feed->rebind);
    feed->rebind.data = feed;
    uv_timer_init(m->loop, &feed->beat);
    feed->beat.data = feed;
    uv_timer_start(&feed->beat, feed_beat, FEED_HEARTBEAT_MS, FEED_HEARTBEAT_MS);
    *out = feed;
    return 0;
}

static void feed_rebind(uv_timer_t *t)
{
    struct feed *feed = t->data;
    const char *ep = feed->m->cfg->feed_ep;
    if (zmq_bind(feed->sock, ep) == 0) { /* tcp: EADDRINUSE until the old listener is closed */
        log_info("feed: listening again on %s after a revocation", ep);
        return;
    }
    if (++feed->tries < REBIND_TRIES)
        uv_timer_start(t, feed_rebind, REBIND_MS, 0);
    else
        log_error("feed: cannot bind %s again: %s", ep, zmq_strerror(errno));
}

/*
 * Unbinding the endpoint ends every connection accepted on it (libzmq's
 * sessions belong to their listener); the subscribers' sockets reconnect
 * by themselves once it is bound again, and their keys go through the ZAP
 * handler afresh, so a revoked key is refused.  The watchers see a gap in
 * the sequence and take a new snapshot.
 */
void feed_revoke(struct feed *feed)
{
    if (!feed || uv_is_active((uv_handle_t *)&feed->rebind))
        return;
    if (zmq_unbind(feed->sock, feed->m->cfg->feed_ep) != 0) {
        log_error("feed: cannot end the sessions on %s: %s", feed->m->cfg->feed_ep,
                  zmq_strerror(errno));
        return;
    }
    log_info("feed: a key was revoked: every subscriber must authenticate again");
    feed->tries = 0;
    uv_timer_start(&feed->rebind, feed_rebind, 0, 0);
}

void feed_close(struct feed *feed)
{
    if (feed && feed->m && !uv_is_closing((uv_handle_t *)&feed->rebind)) {
        uv_close((uv_handle_t *)&feed->rebind, NULL);
        uv_close((uv_handle_t *)&feed->beat, NULL);
    }
}

void feed_free(struct feed *feed)
{
    if (!feed)
        return;
    guard_close(&feed->guard);
    if (feed->sock)
        zmq_close(feed->sock);
    free(feed);
}

size_t feed_connections(const struct feed *feed)
{
    return guard_connections(feed->guard);
}

void feed_publish(struct feed *feed, int64_t seq, const char *kind, const char *body)
{
    feed->last_seq = seq;
    if (zmq_send(feed->sock, kind, strlen(kind), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(feed->sock, body, strlen(body), ZMQ_DONTWAIT) < 0)
        log_warnx("feed: could not publish %s: %s", kind, zmq_strerror(errno));
}
