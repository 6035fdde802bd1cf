/*
 * daemon/feed.c - the status feed PUB socket (see feed.h).
 */
#include "feed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bus.h"
#include "guard.h"
#include "log.h"
#include "server.h"

struct feed {
    void *sock;
    struct guard *guard; /* caps its pending handshakes */
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
        (rc = bus_curve_server(feed->sock, &m->server_key, BUS_ZAP_DOMAIN_FEED)) != 0 ||
        (rc = guard_start(m->zctx, feed->sock, "feed", &feed->guard)) != 0 ||
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
    guard_stop(&feed->guard);
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
