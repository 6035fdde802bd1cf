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
#include <stdint.h>
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

/* Who a ZAP request's key belongs to, copied from the keyring. */
struct zap_who {
    char principal[KEYS_PRINCIPAL_MAX + 1];
    char person[KEYS_PERSON_MAX + 1]; /* empty when the keyring names nobody */
};

/* Decide a ZAP request: true with who filled in to admit it. */
static bool zap_decide(struct zap *zap, zmq_msg_t *f, struct zap_who *who)
{
    bool control = frame_is(&f[2], BUS_ZAP_DOMAIN), feed = frame_is(&f[2], BUS_ZAP_DOMAIN_FEED);
    if (!frame_is(&f[0], "1.0") || !(control || feed) || !frame_is(&f[5], "CURVE") ||
        zmq_msg_size(&f[6]) != 32)
        return false;
    pthread_mutex_lock(&zap->lock);
    const char *p = zap->ring ? keyring_lookup(zap->ring, zmq_msg_data(&f[6])) : NULL;
    const char *person = p ? keyring_person(zap->ring, zmq_msg_data(&f[6])) : NULL;
    snprintf(who->principal, sizeof(who->principal), "%s", p ? p : "");
    snprintf(who->person, sizeof(who->person), "%s", person ? person : "");
    pthread_mutex_unlock(&zap->lock);
    /* the feed shows every agency and every registration: Gold and duty
     * only, and the web gateway, which shows the board to Gold and duty */
    if (feed && strcmp(who->principal, "gold") && strcmp(who->principal, "duty") &&
        strcmp(who->principal, "web"))
        return false;
    return who->principal[0] != '\0';
}

/* Append one ZMTP property (name length byte, name, 4-byte big-endian
 * value length, value) to buf at *at. */
static void zap_property(uint8_t *buf, size_t *at, const char *name, const void *value, size_t len)
{
    size_t n = strlen(name);
    buf[(*at)++] = (uint8_t)n;
    memcpy(buf + *at, name, n);
    *at += n;
    buf[(*at)++] = 0, buf[(*at)++] = 0, buf[(*at)++] = 0, buf[(*at)++] = (uint8_t)len;
    memcpy(buf + *at, value, len);
    *at += len;
}

/* ZAP metadata: the client's public key, so that every message of the
 * connection names the key that opened it (a session belongs to its key;
 * revoking the key ends it), and the person the keyring names for it. */
static size_t zap_metadata(zmq_msg_t *key, const struct zap_who *who, uint8_t *buf)
{
    char z85[KEYS_Z85_LEN + 1];
    size_t at = 0;
    zmq_z85_encode(z85, zmq_msg_data(key), 32);
    zap_property(buf, &at, ZAP_PROP_KEY, z85, KEYS_Z85_LEN);
    if (who->person[0])
        zap_property(buf, &at, ZAP_PROP_PERSON, who->person, strlen(who->person));
    return at;
}

static void zap_send(void *sock, const void *data, size_t len, bool more)
{
    zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0);
}

static void zap_reply(struct zap *zap, zmq_msg_t *f, const struct zap_who *who)
{
    uint8_t meta[2 * (1 + 16 + 4) + KEYS_Z85_LEN + KEYS_PERSON_MAX];
    zap_send(zap->sock, "1.0", 3, true);
    zap_send(zap->sock, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), true);
    zap_send(zap->sock, who ? "200" : "400", 3, true);
    const char *text = who ? "OK" : "key not in keyring";
    zap_send(zap->sock, text, strlen(text), true);
    zap_send(zap->sock, who ? who->principal : "", who ? strlen(who->principal) : 0, true);
    zap_send(zap->sock, meta, who ? zap_metadata(&f[6], who, meta) : 0, false);
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
    struct zap_who who;
    int n = bus_recv_multipart(zap->sock, f, ZAP_FRAMES);
    if (n <= 0)
        return n == 0;
    if (n == ZAP_FRAMES) {
        bool ok = zap_decide(zap, f, &who);
        if (!ok)
            zap_log_refusal(f);
        zap_reply(zap, f, ok ? &who : NULL);
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

int zap_open(struct muster *m, struct zap **out)
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

void zap_close(struct zap *zap)
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
    zap_close(zap);
    void *socks[] = {zap->sock, zap->wake, zap->waker};
    for (size_t i = 0; i < 3; i++)
        if (socks[i])
            zmq_close(socks[i]);
    pthread_mutex_destroy(&zap->lock);
    free(zap);
}
