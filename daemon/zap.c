/*
 * daemon/zap.c - the ZAP handler (see zap.h).
 *
 * Requests arrive from libzmq's I/O threads during each CURVE handshake.
 * They are answered on a thread of their own, never on the loop thread: a
 * handshake must not wait for a long batch of requests (under load, or
 * under valgrind, a handshake that waited past ZMQ_HANDSHAKE_IVL failed and
 * the client was left retrying while the others were served).  The thread
 * reads the keyring under a mutex; the loop thread swaps in a new one at
 * SIGHUP with zap_keyring_set.
 */
#include "zap.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bus.h"
#include "keys.h"
#include "log.h"
#include "server.h"

#define ZAP_FRAMES 7
#define ZAP_WAKE "inproc://muster-zap-wake"

struct zap {
    void *sock; /* REP, bound to inproc://zeromq.zap.01; used by the thread only */
    void *wake; /* PAIR: a message ends the thread */
    void *waker;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock; /* guards ring */
    const struct keyring *ring;
};

static bool frame_is(zmq_msg_t *f, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size(f) == n && memcmp(zmq_msg_data(f), s, n) == 0;
}

/* The principal for a ZAP request copied into principal, or false to
 * refuse it. */
static bool zap_decide(struct zap *zap, zmq_msg_t *f, char principal[KEYS_PRINCIPAL_MAX + 1])
{
    bool control = frame_is(&f[2], BUS_ZAP_DOMAIN), feed = frame_is(&f[2], BUS_ZAP_DOMAIN_FEED);
    if (!frame_is(&f[0], "1.0") || !(control || feed) || !frame_is(&f[5], "CURVE") ||
        zmq_msg_size(&f[6]) != 32)
        return false;
    pthread_mutex_lock(&zap->lock);
    const char *p = zap->ring ? keyring_lookup(zap->ring, zmq_msg_data(&f[6])) : NULL;
    snprintf(principal, KEYS_PRINCIPAL_MAX + 1, "%s", p ? p : "");
    pthread_mutex_unlock(&zap->lock);
    /* the feed shows every agency and every registration: Gold and duty only */
    if (feed && strcmp(principal, "gold") && strcmp(principal, "duty"))
        return false;
    return principal[0] != '\0';
}

/* ZAP metadata (ZMTP property format): the client's public key, so that
 * every message of the connection names the key that opened it (a session
 * belongs to its key; revoking the key ends it). */
static size_t zap_metadata(zmq_msg_t *key, unsigned char *buf)
{
    static const char name[] = ZAP_PROP_KEY;
    size_t n = sizeof(name) - 1, at = 0;
    buf[at++] = (unsigned char)n;
    memcpy(buf + at, name, n);
    at += n;
    buf[at++] = 0, buf[at++] = 0, buf[at++] = 0, buf[at++] = KEYS_Z85_LEN;
    zmq_z85_encode((char *)buf + at, zmq_msg_data(key), 32);
    return at + KEYS_Z85_LEN;
}

static void zap_send(void *sock, const void *data, size_t len, bool more)
{
    zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0);
}

static void zap_reply(struct zap *zap, zmq_msg_t *f, const char *principal)
{
    unsigned char meta[64 + KEYS_Z85_LEN + 1];
    zap_send(zap->sock, "1.0", 3, true);
    zap_send(zap->sock, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), true);
    zap_send(zap->sock, principal ? "200" : "400", 3, true);
    const char *text = principal ? "OK" : "key not in keyring";
    zap_send(zap->sock, text, strlen(text), true);
    zap_send(zap->sock, principal ? principal : "", principal ? strlen(principal) : 0, true);
    zap_send(zap->sock, meta, principal ? zap_metadata(&f[6], meta) : 0, false);
}

static void zap_log_refusal(zmq_msg_t *f)
{
    char z85[41] = "?";
    if (zmq_msg_size(&f[6]) == 32)
        zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32);
    log_warnx("zap: refused client key %s from %.*s", z85, (int)zmq_msg_size(&f[3]),
              (const char *)zmq_msg_data(&f[3]));
}

/* Answer one request; false when the socket fails. */
static bool zap_answer(struct zap *zap)
{
    zmq_msg_t f[ZAP_FRAMES];
    char principal[KEYS_PRINCIPAL_MAX + 1];
    int n = bus_recv_multipart(zap->sock, f, ZAP_FRAMES);
    if (n <= 0)
        return n == 0;
    if (n == ZAP_FRAMES) {
        bool ok = zap_decide(zap, f, principal);
        if (!ok)
            zap_log_refusal(f);
        zap_reply(zap, f, ok ? principal : NULL);
    } else { /* a REP socket must answer before it can read again */
        zap_send(zap->sock, "", 0, false);
    }
    for (int i = 0; i < n && i < ZAP_FRAMES; i++)
        zmq_msg_close(&f[i]);
    return true;
}

static void *zap_thread(void *arg)
{
    struct zap *zap = arg;
    zmq_pollitem_t items[2] = {{zap->sock, 0, ZMQ_POLLIN, 0}, {zap->wake, 0, ZMQ_POLLIN, 0}};
    for (;;) {
        if (zmq_poll(items, 2, -1) < 0 && errno != EINTR)
            break;
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if ((items[0].revents & ZMQ_POLLIN) && !zap_answer(zap))
            break;
    }
    return NULL;
}

static int zap_sockets(struct zap *zap, void *zctx)
{
    int linger = 0;
    zap->sock = zmq_socket(zctx, ZMQ_REP);
    zap->wake = zmq_socket(zctx, ZMQ_PAIR);
    zap->waker = zmq_socket(zctx, ZMQ_PAIR);
    if (!zap->sock || !zap->wake || !zap->waker ||
        zmq_setsockopt(zap->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(zap->waker, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_bind(zap->sock, "inproc://zeromq.zap.01") != 0 || zmq_bind(zap->wake, ZAP_WAKE) != 0 ||
        zmq_connect(zap->waker, ZAP_WAKE) != 0)
        return -errno;
    return 0;
}

int zap_start(struct muster *m, struct zap **out)
{
    struct zap *zap = calloc(1, sizeof(*zap));
    if (!zap)
        return -ENOMEM;
    pthread_mutex_init(&zap->lock, NULL);
    zap->ring = m->keyring;
    int rc = zap_sockets(zap, m->zctx);
    if (rc == 0)
        rc = -pthread_create(&zap->thread, NULL, zap_thread, zap);
    if (rc != 0) {
        zap_free(zap);
        return rc;
    }
    zap->running = true;
    *out = zap;
    return 0;
}

void zap_keyring_set(struct zap *zap, const struct keyring *ring)
{
    pthread_mutex_lock(&zap->lock);
    zap->ring = ring;
    pthread_mutex_unlock(&zap->lock);
}

void zap_stop(struct zap *zap)
{
    if (!zap->running)
        return;
    zmq_send(zap->waker, "", 0, 0);
    pthread_join(zap->thread, NULL);
    zap->running = false;
}

void zap_free(struct zap *zap)
{
    if (!zap)
        return;
    zap_stop(zap);
    void *socks[] = {zap->sock, zap->wake, zap->waker};
    for (size_t i = 0; i < 3; i++)
        if (socks[i])
            zmq_close(socks[i]);
    pthread_mutex_destroy(&zap->lock);
    free(zap);
}
