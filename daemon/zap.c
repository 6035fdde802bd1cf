/*
 * daemon/zap.c - the ZAP handler (see zap.h).
 *
 * Requests arrive from libzmq's I/O threads during each CURVE handshake and
 * are answered on the loop thread, which owns the keyring.
 */
#include "zap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bus.h"
#include "log.h"
#include "server.h"

#define ZAP_FRAMES 7

struct zap {
    struct muster *m;
    void *sock;
    struct bus_watch watch;
};

static bool frame_is(zmq_msg_t *f, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size(f) == n && memcmp(zmq_msg_data(f), s, n) == 0;
}

/* The principal for a ZAP request, or NULL to refuse it. */
static const char *zap_decide(struct zap *zap, zmq_msg_t *f)
{
    bool control = frame_is(&f[2], BUS_ZAP_DOMAIN), feed = frame_is(&f[2], BUS_ZAP_DOMAIN_FEED);
    if (!frame_is(&f[0], "1.0") || !(control || feed) || !frame_is(&f[5], "CURVE") ||
        zmq_msg_size(&f[6]) != 32)
        return NULL;
    const char *principal = keyring_lookup(zap->m->keyring, zmq_msg_data(&f[6]));
    /* the feed shows every agency and every registration: Gold and duty only */
    if (feed && principal && strcmp(principal, "gold") && strcmp(principal, "duty"))
        return NULL;
    return principal;
}

static void zap_send(void *sock, const void *data, size_t len, bool more)
{
    zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0);
}

/* The User-Id is the principal, so authorization never sees the person; the
 * person named in the keyring goes in the metadata frame (ZMTP property
 * format: name length, name, 4-byte big-endian value length, value), which
 * libzmq hands to every message of the connection as "X-Person". */
static void zap_reply(struct zap *zap, zmq_msg_t *f, const char *principal)
{
    const char *person = principal ? keyring_person(zap->m->keyring, zmq_msg_data(&f[6])) : NULL;
    uint8_t meta[1 + 8 + 4 + KEYS_PERSON_MAX];
    size_t plen = person ? strlen(person) : 0, mlen = person ? 13 + plen : 0;
    if (person) {
        meta[0] = 8;
        memcpy(meta + 1, "X-Person", 8);
        meta[9] = meta[10] = meta[11] = 0;
        meta[12] = (uint8_t)plen; /* at most KEYS_PERSON_MAX */
        memcpy(meta + 13, person, plen);
    }
    zap_send(zap->sock, "1.0", 3, true);
    zap_send(zap->sock, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), true);
    zap_send(zap->sock, principal ? "200" : "400", 3, true);
    const char *text = principal ? "OK" : "key not in keyring";
    zap_send(zap->sock, text, strlen(text), true);
    zap_send(zap->sock, principal ? principal : "", principal ? strlen(principal) : 0, true);
    zap_send(zap->sock, meta, mlen, false);
}

static void zap_log_refusal(zmq_msg_t *f)
{
    char z85[41] = "?";
    if (zmq_msg_size(&f[6]) == 32)
        zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32);
    log_warnx("zap: refused client key %s from %.*s", z85, (int)zmq_msg_size(&f[3]),
              (const char *)zmq_msg_data(&f[3]));
}

static void zap_ready(void *arg)
{
    struct zap *zap = arg;
    zmq_msg_t f[ZAP_FRAMES];
    while (bus_has_input(zap->sock)) {
        int n = bus_recv_multipart(zap->sock, f, ZAP_FRAMES);
        if (n <= 0)
            break;
        if (n != ZAP_FRAMES) {
            for (int i = 0; i < n && i < ZAP_FRAMES; i++)
                zmq_msg_close(&f[i]);
            continue;
        }
        const char *principal = zap_decide(zap, f);
        if (!principal)
            zap_log_refusal(f);
        zap_reply(zap, f, principal);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
}

int zap_start(struct muster *m, struct zap **out)
{
    struct zap *zap = calloc(1, sizeof(*zap));
    if (!zap)
        return -ENOMEM;
    zap->m = m;
    zap->sock = zmq_socket(m->zctx, ZMQ_REP);
    int linger = 0, rc;
    if (!zap->sock || zmq_setsockopt(zap->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_bind(zap->sock, "inproc://zeromq.zap.01") != 0) {
        rc = -errno;
        goto fail;
    }
    if ((rc = bus_watch_start(m->loop, &zap->watch, zap->sock, zap_ready, zap)) != 0)
        goto fail;
    *out = zap;
    zap_ready(zap);
    return 0;
fail:
    if (zap->sock)
        zmq_close(zap->sock);
    free(zap);
    return rc;
}

void zap_stop(struct zap *zap)
{
    bus_watch_close(&zap->watch);
}

void zap_free(struct zap *zap)
{
    if (!zap)
        return;
    zmq_close(zap->sock);
    free(zap);
}
