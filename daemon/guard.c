/*
 * daemon/guard.c - the connection guard (see guard.h).
 *
 * Telling a pending connection from an authenticated one.  libzmq's socket
 * monitor reports each accepted connection (ZMQ_EVENT_ACCEPTED) and each
 * end (ZMQ_EVENT_DISCONNECTED) with its descriptor, but in libzmq 4.3.4
 * (Debian 12) the handshake events of an accepted connection carry neither
 * the descriptor nor the peer: their endpoint is the listening address for
 * every connection (endpoint_uri_pair_t::identifier() of a bound socket),
 * and the version 2 events that name both ends are draft API Debian does
 * not build.  So the guard asks the kernel instead.  A CURVE server writes
 * its greeting (64 bytes) and WELCOME (170) to anyone and an ERROR (12) to
 * a refused client, but its READY (51 bytes or more) only once ZAP has
 * admitted the client's key: a connection on which libzmq has written at
 * least GUARD_AUTH_BYTES (acknowledged, plus still queued) has completed
 * its handshake; below that it is pending.  It is asked only when the cap
 * is exceeded, oldest connection first.
 *
 * The thread.  libzmq's I/O thread sends the monitor events and blocks when
 * the monitor pipe is full, so they are read by a thread of the guard's
 * own (never the loop, which may be busy in a long batch) from a pipe
 * without a high-water mark.  The thread owns the table of connections.
 *
 * Descriptors are libzmq's: the guard never closes one.  It shutdown(2)s a
 * pending connection (libzmq sees the end and closes it), and only after
 * checking that the descriptor still is that connection (the same local
 * and peer address), so a reused descriptor number is never hit.
 */
#include "guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <uv.h>
#include <zmq.h>

#include "clock.h"
#include "log.h"

#define GUARD_AUTH_BYTES 266     /* more than greeting + WELCOME + ERROR (246) */
#define GUARD_RECV_MS 200        /* how soon the thread notices guard_close */
#define GUARD_LOG_EVERY_MS 10000 /* one summary line per period while shedding */
#define GUARD_EVENTS                                                                               \
    (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_ACCEPT_FAILED | ZMQ_EVENT_DISCONNECTED |                       \
     ZMQ_EVENT_MONITOR_STOPPED)

struct conn {
    int fd;
    bool done; /* seen past its handshake: never shed */
    struct sockaddr_storage local, peer;
    socklen_t local_len, peer_len;
};

/* The kernel's struct tcp_info goes on past glibc's (which ends at
 * tcpi_total_retrans); Linux 4.1 added the bytes acknowledged. */
struct tcp_info_acked {
    struct tcp_info base;
    uint64_t pacing_rate, max_pacing_rate;
    uint64_t bytes_acked;
};
_Static_assert(offsetof(struct tcp_info_acked, bytes_acked) == 120, "Linux tcp_info layout");

enum conn_state { CONN_GONE, CONN_PENDING, CONN_AUTHENTICATED };

struct guard {
    void *sock;
    void *pair; /* the monitor's other end; the thread's */
    char name[32];
    size_t cap;
    uv_thread_t thread;
    atomic_bool stop;
    struct conn *conns; /* oldest first */
    size_t nconns, capconns;
    uint64_t shed, shed_logged;    /* connections shut down, and as of the last log line */
    uint64_t refused, refused_log; /* accepts that failed (EMFILE...) */
    int refused_err;
    int64_t logged_at;
    char last_peer[INET6_ADDRSTRLEN + 8];
    atomic_size_t open; /* accepted and not yet disconnected (metrics) */
};

uint64_t guard_nofile_raise(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            log_info("descriptor limit raised from %llu to %llu", (unsigned long long)was,
                     (unsigned long long)rl.rlim_cur);
        else
            log_warn("descriptor limit %llu not raised", (unsigned long long)was);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}

size_t guard_connections(const struct guard *g)
{
    return g ? atomic_load(&((struct guard *)g)->open) : 0;
}

size_t guard_cap(uint64_t nofile)
{
    uint64_t cap = nofile / 8;
    if (cap > GUARD_PENDING_MAX)
        cap = GUARD_PENDING_MAX;
    return cap < 4 ? 4 : (size_t)cap;
}

/* ---- the table of accepted connections ---- */

static void conn_remove(struct guard *g, size_t i)
{
    memmove(&g->conns[i], &g->conns[i + 1], (g->nconns - i - 1) * sizeof(g->conns[0]));
    g->nconns--;
}

static void conn_forget(struct guard *g, int fd)
{
    for (size_t i = 0; i < g->nconns; i++) {
        if (g->conns[i].fd == fd) {
            conn_remove(g, i);
            return;
        }
    }
}

static void conn_accepted(struct guard *g, int fd)
{
    conn_forget(g, fd); /* a stale entry: its end was never reported */
    struct conn c = {.fd = fd, .local_len = sizeof(c.local), .peer_len = sizeof(c.peer)};
    if (getsockname(fd, (struct sockaddr *)&c.local, &c.local_len) != 0 ||
        getpeername(fd, (struct sockaddr *)&c.peer, &c.peer_len) != 0 ||
        (c.local.ss_family != AF_INET && c.local.ss_family != AF_INET6))
        return; /* gone already, or not TCP */
    if (g->nconns == g->capconns) {
        size_t n = g->capconns ? g->capconns * 2 : 128;
        struct conn *t = realloc(g->conns, n * sizeof(*t));
        if (!t)
            return; /* unguarded, but libzmq's handshake timeout still ends it */
        g->conns = t;
        g->capconns = n;
    }
    g->conns[g->nconns++] = c;
}

/* Is c's descriptor still that connection, and has it been admitted? */
static enum conn_state conn_state(const struct conn *c)
{
    struct sockaddr_storage local, peer;
    socklen_t llen = sizeof(local), plen = sizeof(peer);
    if (getsockname(c->fd, (struct sockaddr *)&local, &llen) != 0 ||
        getpeername(c->fd, (struct sockaddr *)&peer, &plen) != 0 || llen != c->local_len ||
        plen != c->peer_len || memcmp(&local, &c->local, llen) != 0 ||
        memcmp(&peer, &c->peer, plen) != 0)
        return CONN_GONE;
    struct tcp_info_acked ti;
    socklen_t tlen = sizeof(ti);
    int queued = 0;
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) != 0 || tlen < sizeof(ti))
        return CONN_AUTHENTICATED; /* cannot tell: never shed what may be a client */
    if (ioctl(c->fd, SIOCOUTQ, &queued) != 0 || queued < 0)
        queued = 0;
    return ti.bytes_acked + (uint64_t)queued >= GUARD_AUTH_BYTES ? CONN_AUTHENTICATED
                                                                 : CONN_PENDING;
}

static void peer_text(const struct conn *c, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (c->peer.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&c->peer;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin_port);
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&c->peer;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
    }
    snprintf(buf, size, "%s:%d", ip, port);
}

/* ---- shedding ---- */

/* A summary line when something happened since the last one, at most one
 * per GUARD_LOG_EVERY_MS unless forced. */
static void guard_log(struct guard *g, bool force)
{
    int64_t now = clock_mono_ms();
    if (!force && now - g->logged_at < GUARD_LOG_EVERY_MS)
        return;
    if (g->shed > g->shed_logged)
        log_warnx("guard: %s: shut down %llu connection(s) still in their CURVE handshake"
                  " (over %zu pending; last from %s)",
                  g->name, (unsigned long long)(g->shed - g->shed_logged), g->cap, g->last_peer);
    if (g->refused > g->refused_log)
        log_warnx("guard: %s: %llu connections could not be accepted: %s", g->name,
                  (unsigned long long)(g->refused - g->refused_log), strerror(g->refused_err));
    if (g->shed > g->shed_logged || g->refused > g->refused_log)
        g->logged_at = now;
    g->shed_logged = g->shed;
    g->refused_log = g->refused;
}

/* Over the cap: shut down the oldest pending connections until it holds. */
static void guard_enforce(struct guard *g)
{
    size_t pending = 0;
    for (size_t i = 0; i < g->nconns; i++)
        pending += !g->conns[i].done;
    size_t i = 0;
    while (pending > g->cap && i < g->nconns) {
        struct conn *c = &g->conns[i];
        enum conn_state st = c->done ? CONN_AUTHENTICATED : conn_state(c);
        if (!c->done)
            pending--;
        if (st == CONN_AUTHENTICATED) {
            c->done = true;
            i++;
            continue;
        }
        if (st == CONN_PENDING && shutdown(c->fd, SHUT_RDWR) == 0) {
            g->shed++;
            peer_text(c, g->last_peer, sizeof(g->last_peer));
        }
        conn_remove(g, i);
    }
    guard_log(g, false);
}

static void guard_event(struct guard *g, uint16_t event, uint32_t value)
{
    switch (event) {
    case ZMQ_EVENT_ACCEPTED:
        atomic_fetch_add(&g->open, 1);
        conn_accepted(g, (int)value);
        guard_enforce(g);
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (atomic_load(&g->open) > 0)
            atomic_fetch_sub(&g->open, 1);
        conn_forget(g, (int)value);
        break;
    case ZMQ_EVENT_ACCEPT_FAILED:
        g->refused++;
        g->refused_err = (int)value;
        guard_log(g, false);
        break;
    case ZMQ_EVENT_MONITOR_STOPPED:
        atomic_store(&g->stop, true);
        break;
    default:
        break;
    }
}

/* Receive one event (two frames: event and value, then the endpoint).
 * Returns 0, or -errno (-EAGAIN when none came in GUARD_RECV_MS). */
static int guard_recv(struct guard *g)
{
    zmq_msg_t head, addr;
    zmq_msg_init(&head);
    if (zmq_msg_recv(&head, g->pair, 0) < 0) {
        int err = errno;
        zmq_msg_close(&head);
        return -err;
    }
    bool more = zmq_msg_more(&head);
    if (zmq_msg_size(&head) == 6) {
        uint16_t event;
        uint32_t value;
        memcpy(&event, zmq_msg_data(&head), 2);
        memcpy(&value, (char *)zmq_msg_data(&head) + 2, 4);
        guard_event(g, event, value);
    }
    zmq_msg_close(&head);
    while (more) { /* the endpoint: the listening address, of no use here */
        zmq_msg_init(&addr);
        if (zmq_msg_recv(&addr, g->pair, 0) < 0)
            more = false;
        else
            more = zmq_msg_more(&addr);
        zmq_msg_close(&addr);
    }
    return 0;
}

static void guard_main(void *arg)
{
    struct guard *g = arg;
    while (!atomic_load(&g->stop)) {
        int rc = guard_recv(g);
        if (rc != 0 && rc != -EAGAIN && rc != -EINTR)
            break; /* ETERM: the context is going */
        if (rc == -EAGAIN)
            guard_log(g, false);
    }
    guard_log(g, true);
    zmq_close(g->pair);
}

/* ---- start and stop ---- */

static int guard_monitor(struct guard *g, void *zctx)
{
    char ep[64];
    int hwm = 0, timeout = GUARD_RECV_MS, linger = 0, ivl = GUARD_HANDSHAKE_MS;
    snprintf(ep, sizeof(ep), "inproc://muster-guard-%p", g->sock);
    if (zmq_setsockopt(g->sock, ZMQ_HANDSHAKE_IVL, &ivl, sizeof(ivl)) != 0 ||
        zmq_socket_monitor(g->sock, ep, GUARD_EVENTS) != 0)
        return -errno;
    g->pair = zmq_socket(zctx, ZMQ_PAIR);
    if (!g->pair || zmq_setsockopt(g->pair, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0 ||
        zmq_setsockopt(g->pair, ZMQ_RCVTIMEO, &timeout, sizeof(timeout)) != 0 ||
        zmq_setsockopt(g->pair, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_connect(g->pair, ep) != 0) {
        int err = errno;
        zmq_socket_monitor(g->sock, NULL, 0);
        if (g->pair)
            zmq_close(g->pair);
        return -err;
    }
    return 0;
}

int guard_open(void *zctx, void *sock, const char *name, struct guard **out)
{
    struct guard *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->sock = sock;
    snprintf(g->name, sizeof(g->name), "%s", name);
    snprintf(g->last_peer, sizeof(g->last_peer), "?");
    g->cap = guard_cap(guard_nofile_raise());
    atomic_init(&g->stop, false);
    atomic_init(&g->open, 0);
    int rc = guard_monitor(g, zctx);
    if (rc == 0 && (rc = uv_thread_create(&g->thread, guard_main, g)) != 0) {
        zmq_socket_monitor(sock, NULL, 0);
        zmq_close(g->pair);
    }
    if (rc != 0) {
        free(g);
        return rc;
    }
    log_debug("guard: %s: at most %zu connections in their handshake, %d ms each", name, g->cap,
              GUARD_HANDSHAKE_MS);
    *out = g;
    return 0;
}

void guard_close(struct guard **gp)
{
    struct guard *g = *gp;
    if (!g)
        return;
    zmq_socket_monitor(g->sock, NULL, 0); /* sends MONITOR_STOPPED */
    atomic_store(&g->stop, true);
    uv_thread_join(&g->thread);
    free(g->conns);
    free(g);
    *gp = NULL;
}
