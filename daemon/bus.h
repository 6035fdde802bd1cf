/*
 * daemon/bus.h - ZeroMQ sockets driven by the libuv loop.
 *
 * ZMQ_FD is edge-triggered: it signals that the socket's state changed, not
 * that a message is waiting, and a send can consume the signal for a pending
 * receive.  So a watcher's callback must drain the socket until
 * bus_has_input() is false, and must check again after every send.
 */
#ifndef MUSTER_BUS_H
#define MUSTER_BUS_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "keys.h"

#define BUS_ZAP_DOMAIN "muster"           /* the control socket: every principal */
#define BUS_ZAP_DOMAIN_FEED "muster-feed" /* the status feed: Gold and duty managers only */

typedef void bus_ready_cb(void *arg);

/* Embedded in its owner; the owner is freed only after close completes. */
struct bus_watch {
    uv_poll_t poll;
    void *sock;
    bus_ready_cb *cb;
    void *arg;
};

/* Watch sock; cb runs when its ZMQ_FD signals.  Returns 0 or -errno. */
int bus_watch_start(uv_loop_t *loop, struct bus_watch *w, void *sock, bus_ready_cb *cb, void *arg);
void bus_watch_close(struct bus_watch *w);

/* True when a message can be received from sock now. */
bool bus_has_input(void *sock);

/* Make sock a CURVE server with our key, authenticated through ZAP in
 * domain (BUS_ZAP_DOMAIN...) with domain enforcement on. */
int bus_curve_server(void *sock, const struct keypair *server, const char *domain);

/* Receive one whole multipart message without blocking: the first max
 * frames into parts (zmq_msg_t, initialised here; the caller closes
 * min(n, max) of them), the rest read and dropped.  Returns the number of
 * frames n, 0 when nothing is waiting, or -errno. */
int bus_recv_multipart(void *sock, void *parts, size_t max);

#endif
