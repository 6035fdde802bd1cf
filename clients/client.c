/*
 * clients/client.c - the control-socket client library (see client.h).
 *
 * A socket monitor watches the CURVE handshake, so that a key the daemon
 * does not know is reported at once as a refusal instead of a time-out.
 *
 * Riding through a failover: ZeroMQ reconnects the DEALER to the same
 * address by itself, and keeps what is queued in it across the
 * reconnection, but a request already handed to the connection that
 * dropped is lost with it.  So whenever the monitor sees the connection
 * drop while a request is unanswered, the same request (same id) is queued
 * again; it goes out as soon as the daemon, or the standby that took over
 * its address and database, accepts the connection.  musterd answers a
 * repeated id from its stored reply, so nothing is done twice.  Heartbeats
 * (ZMQ_HEARTBEAT_*) notice a host that vanished without closing the
 * connection.
 */
#include "client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "clock.h"

struct mclient {
    void *ctx;
    void *sock;
    void *monitor;
    int timeout_ms;
    int auth_failed;
    unsigned handshake_failures; /* handshakes that failed without a ZAP refusal */
    bool handshake_ok;           /* a CURVE handshake has succeeded */
    bool disconnected;           /* the connection dropped (musterd stopped or restarted) */
    bool drop_ends_call;         /* a drop ends a call at once (mclient_drop_ends_call) */
    unsigned long drops;         /* how many times it dropped */
    const char *pending;         /* the unanswered request, sent again after a drop */
    size_t pending_len;
    json_t *pushes[64]; /* pages that arrived while waiting for a reply */
    size_t npushes;
    char as_principal[KEYS_PRINCIPAL_MAX + 1]; /* "as" of the next calls, "" for none */
    char as_user[KEYS_PERSON_MAX + 1];
};

int mclient_heartbeat_set(void *sock)
{
    int ivl = MCLIENT_HEARTBEAT_MS, timeout = 3 * MCLIENT_HEARTBEAT_MS;
    if (zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof(ivl)) != 0 ||
        zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof(timeout)) != 0)
        return -errno;
    return 0;
}

static int set_curve(void *sock, const struct mclient_opts *o)
{
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, o->server_pub, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, o->me->public_z85, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, o->me->secret_z85, 40) != 0)
        return -errno;
    return 0;
}

static int open_monitor(struct mclient *c)
{
    char ep[64];
    snprintf(ep, sizeof(ep), "inproc://monitor-%p", (void *)c);
    if (zmq_socket_monitor(c->sock, ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0)
        return -errno;
    c->monitor = zmq_socket(c->ctx, ZMQ_PAIR);
    if (!c->monitor || zmq_connect(c->monitor, ep) != 0)
        return -errno;
    return 0;
}

int mclient_open(const struct mclient_opts *o, struct mclient **out, char *err, size_t errlen)
{
    struct mclient *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    c->ctx = zmq_ctx_new();
    c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
    int linger = 0, rc = c->sock ? 0 : -errno;
    int64_t maxmsg = -1;
    if (rc == 0 && (zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
                    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0 ||
                    mclient_heartbeat_set(c->sock) != 0))
        rc = -errno;
    if (rc == 0)
        rc = set_curve(c->sock, o);
    if (rc == 0)
        rc = open_monitor(c);
    if (rc == 0 && zmq_connect(c->sock, o->endpoint) != 0)
        rc = -errno;
    if (rc != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", o->endpoint, zmq_strerror(-rc));
        mclient_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void mclient_close(struct mclient *c)
{
    if (!c)
        return;
    if (c->sock)
        zmq_socket_monitor(c->sock, NULL, 0);
    if (c->monitor)
        zmq_close(c->monitor);
    if (c->sock)
        zmq_close(c->sock);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    for (size_t i = 0; i < c->npushes; i++)
        json_decref(c->pushes[i]);
    free(c);
}

void *mclient_socket(struct mclient *c)
{
    return c->sock;
}

void mclient_new_id(char buf[33])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(buf, 33, raw, sizeof(raw));
}

/*
 * Read one monitor event; note an authentication failure.  A CURVE server
 * that cannot open our HELLO (it was sealed for another server's public
 * key: server.pub is not this musterd's) drops the connection without a
 * word, so all we see is failed handshakes, again at every reconnection,
 * and never a successful one; a key musterd does not know is refused by
 * ZAP instead (HANDSHAKE_FAILED_AUTH).
 */
static void read_monitor(struct mclient *c)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, c->monitor, ZMQ_DONTWAIT) >= 0 && zmq_msg_size(&m) >= 6) {
        uint16_t event;
        memcpy(&event, zmq_msg_data(&m), sizeof(event));
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            c->auth_failed = 1;
        else if (event == ZMQ_EVENT_DISCONNECTED)
            c->disconnected = true, c->drops++;
        else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            c->handshake_ok = true;
        else
            c->handshake_failures++;
    }
    zmq_msg_close(&m);
    while (zmq_msg_init(&m) == 0 && zmq_msg_recv(&m, c->monitor, ZMQ_DONTWAIT) >= 0 &&
           zmq_msg_more(&m))
        zmq_msg_close(&m);
    zmq_msg_close(&m);
}

/* No reply in time: why, as far as the handshakes tell. */
static int timed_out(struct mclient *c, char *err, size_t errlen)
{
    if (c->handshake_failures > 0 && !c->handshake_ok) {
        snprintf(err, errlen,
                 "the server's key does not match: musterd answers at this endpoint but"
                 " refused every handshake (is server.pub the key of this musterd?)");
        return -EKEYREJECTED;
    }
    snprintf(err, errlen,
             "no reply from musterd within %d ms (is it running? is the "
             "endpoint right?)",
             c->timeout_ms);
    return -ETIMEDOUT;
}

void mclient_drop_ends_call(struct mclient *c)
{
    c->drop_ends_call = true;
}

/* Wait for a reply frame; *text is malloc'd.  With until_disconnect, a
 * dropped connection ends the wait with -ECONNRESET. */
static int wait_frame(struct mclient *c, bool until_disconnect, char **text, char *err,
                      size_t errlen)
{
    zmq_pollitem_t items[] = {{c->sock, 0, ZMQ_POLLIN, 0}, {c->monitor, 0, ZMQ_POLLIN, 0}};
    int64_t deadline = clock_mono_ms() + c->timeout_ms, remaining;
    unsigned long drops = c->drops;
    while ((remaining = deadline - clock_mono_ms()) > 0) {
        int n = zmq_poll(items, 2, (long)remaining);
        if (n < 0)
            return -errno;
        if (items[1].revents & ZMQ_POLLIN) {
            read_monitor(c);
            if (c->drops != drops && c->drop_ends_call && !until_disconnect) {
                snprintf(err, errlen, "musterd closed the connection");
                return -ECONNRESET;
            }
            if (c->drops != drops && c->pending && !until_disconnect) {
                drops = c->drops; /* lost with the connection, perhaps: again */
                if (zmq_send(c->sock, c->pending, c->pending_len, 0) < 0)
                    return -errno;
            }
            if (c->auth_failed == 1) {
                snprintf(err, errlen, "musterd refused our key: it is not in the keyring");
                return -EACCES;
            }
            if (until_disconnect && c->disconnected) {
                snprintf(err, errlen, "musterd closed the connection");
                return -ECONNRESET;
            }
        }
        if (items[0].revents & ZMQ_POLLIN) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, c->sock, 0) < 0)
                return -errno;
            *text = strndup(zmq_msg_data(&m), zmq_msg_size(&m));
            zmq_msg_close(&m);
            return *text ? 0 : -ENOMEM;
        }
    }
    return timed_out(c, err, errlen);
}

static int wait_reply(struct mclient *c, char **text, char *err, size_t errlen)
{
    return wait_frame(c, false, text, err, errlen);
}

int mclient_call_raw(struct mclient *c, const void *buf, size_t len, char **reply, char *err,
                     size_t errlen)
{
    if (zmq_send(c->sock, buf, len, 0) < 0) {
        snprintf(err, errlen, "send failed: %s", zmq_strerror(errno));
        return -errno;
    }
    c->pending = buf;
    c->pending_len = len;
    int rc = wait_reply(c, reply, err, errlen);
    c->pending = NULL;
    return rc;
}

/* Replies carry "id"; anything else the daemon sends is a push. */
static bool is_push(json_t *msg)
{
    return msg && !json_object_get(msg, "id");
}

static int push_keep(struct mclient *c, json_t *msg)
{
    if (c->npushes == sizeof(c->pushes) / sizeof(c->pushes[0]))
        return -ENOBUFS;
    c->pushes[c->npushes++] = msg;
    return 0;
}

int mclient_next_push(struct mclient *c, int timeout_ms, json_t **msg)
{
    if (c->npushes > 0) {
        *msg = c->pushes[0];
        memmove(c->pushes, c->pushes + 1, --c->npushes * sizeof(c->pushes[0]));
        return 0;
    }
    char *text = NULL, err[256];
    int saved = c->timeout_ms;
    c->timeout_ms = timeout_ms;
    int rc = c->disconnected ? -ECONNRESET : wait_frame(c, true, &text, err, sizeof(err));
    c->timeout_ms = saved;
    if (rc != 0)
        return rc;
    *msg = json_loads(text, 0, NULL);
    free(text);
    return *msg ? 0 : -EPROTO;
}

void mclient_set_as(struct mclient *c, const char *principal, const char *user)
{
    snprintf(c->as_principal, sizeof(c->as_principal), "%s", principal && user ? principal : "");
    snprintf(c->as_user, sizeof(c->as_user), "%s", principal && user ? user : "");
}

/* The reply to req_id, from rtext (the first frame, when rc is 0) on: a
 * DEALER may still hold a late reply to an earlier call (or a second reply
 * to a request sent twice): skip those, and keep pushes. */
static int call_replies(struct mclient *c, const char *req_id, int rc, char *rtext, json_t **reply,
                        char *err, size_t errlen)
{
    while (rc == 0) {
        json_error_t jerr;
        *reply = json_loads(rtext, 0, &jerr);
        free(rtext);
        rtext = NULL;
        if (!*reply) {
            snprintf(err, errlen, "unreadable reply: %s", jerr.text);
            return -EPROTO;
        }
        const char *rid = json_string_value(json_object_get(*reply, "id"));
        if (is_push(*reply) && push_keep(c, *reply) == 0) {
            rc = wait_reply(c, &rtext, err, errlen);
            continue;
        }
        if (!rid || !strcmp(rid, req_id))
            return 0;
        json_decref(*reply);
        rc = wait_reply(c, &rtext, err, errlen);
    }
    return rc;
}

int mclient_call(struct mclient *c, const char *req_id, const char *cmd, json_t *args,
                 json_t **reply, char *err, size_t errlen)
{
    char id[33];
    if (!req_id) {
        mclient_new_id(id);
        req_id = id;
    }
    json_t *req =
        json_pack("{s:s, s:s, s:o}", "id", req_id, "cmd", cmd, "args", args ? args : json_object());
    if (c->as_principal[0])
        json_object_set_new(
            req, "as", json_pack("{s:s, s:s}", "principal", c->as_principal, "user", c->as_user));
    char *text = json_dumps(req, JSON_COMPACT), *rtext = NULL;
    json_decref(req);
    int rc = text ? mclient_call_raw(c, text, strlen(text), &rtext, err, errlen) : -ENOMEM;
    c->pending = text;
    c->pending_len = text ? strlen(text) : 0;
    rc = call_replies(c, req_id, rc, rtext, reply, err, errlen);
    c->pending = NULL;
    free(text);
    return rc;
}

static int read_server_pub(const char *keys_dir, char server_pub[41], char *err, size_t errlen)
{
    char path[4096];
    struct keypair kp;
    snprintf(path, sizeof(path), "%s/server.pub", keys_dir);
    int rc = keys_read(path, &kp, err, errlen);
    if (rc == 0)
        memcpy(server_pub, kp.public_z85, 41);
    return rc;
}

int mclient_keys_for(const char *keys_dir, const char *principal, struct keypair *me,
                     char server_pub[41], char *err, size_t errlen)
{
    char name[128], path[4096];
    keys_file_name(principal, ".key", name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", keys_dir, name);
    int rc = keys_read(path, me, err, errlen);
    if (rc == 0 && !me->secret_z85[0]) {
        snprintf(err, errlen, "%s holds no secret key", path);
        rc = -EINVAL;
    }
    return rc ? rc : read_server_pub(keys_dir, server_pub, err, errlen);
}
