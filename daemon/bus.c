/*
 * daemon/bus.c - ZeroMQ sockets under libuv (see bus.h).
 */
#include "bus.h"

#include <errno.h>
#include <string.h>

#include <zmq.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* a draft option in libzmq 4.3.4, stable in behaviour */
#endif

static void bus_poll_cb(uv_poll_t *handle, int status, int events)
{
    struct bus_watch *w = handle->data;
    w->cb(w->arg);
}

int bus_watch_start(uv_loop_t *loop, struct bus_watch *w, void *sock, bus_ready_cb *cb, void *arg)
{
    int fd;
    size_t len = sizeof(fd);
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0)
        return -errno;
    w->sock = sock;
    w->cb = cb;
    w->arg = arg;
    int rc = uv_poll_init(loop, &w->poll, fd);
    if (rc != 0)
        return rc;
    w->poll.data = w;
    return uv_poll_start(&w->poll, UV_READABLE, bus_poll_cb);
}

void bus_watch_close(struct bus_watch *w)
{
    if (!uv_is_closing((uv_handle_t *)&w->poll))
        uv_close((uv_handle_t *)&w->poll, NULL);
}

bool bus_has_input(void *sock)
{
    int events = 0;
    size_t len = sizeof(events);
    if (zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) != 0)
        return false;
    return (events & ZMQ_POLLIN) != 0;
}

int bus_curve_server(void *sock, const struct keypair *server, const char *domain)
{
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof(one)) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, server->secret_z85, KEYS_Z85_LEN) != 0)
        return -errno;
    return 0;
}

int bus_recv_multipart(void *sock, void *parts_, size_t max)
{
    zmq_msg_t *parts = parts_, spill;
    size_t n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t *m = n < max ? &parts[n] : &spill;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            int err = errno;
            zmq_msg_close(m);
            for (size_t i = 0; i < n && i < max; i++)
                zmq_msg_close(&parts[i]);
            return (err == EAGAIN && n == 0) ? 0 : -err;
        }
        more = zmq_msg_more(m);
        if (m == &spill)
            zmq_msg_close(m);
        n++;
    }
    return (int)n;
}
