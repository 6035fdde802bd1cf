/*
 * clients/client.h - a small client library for musterd's control socket:
 * a CURVE DEALER that sends one request envelope and waits for its reply,
 * telling an authentication refusal apart from a daemon that is not there,
 * and riding through a failover (a request lost with a dropped connection
 * is sent again with the same id once the address answers again).
 */
#ifndef MUSTER_CLIENT_H
#define MUSTER_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "keys.h"

struct mclient;

struct mclient_opts {
    const char *endpoint;     /* e.g. tcp://127.0.0.1:7710 */
    const struct keypair *me; /* our key pair (with secret) */
    const char *server_pub;   /* the daemon's Z85 public key */
    int timeout_ms;           /* how long to wait for a reply */
};

/* ZeroMQ heartbeats every MCLIENT_HEARTBEAT_MS; a connection silent for
 * three of them is dropped and reconnected: a host that vanished without
 * closing it (power lost, the service address moved) is noticed. */
#define MCLIENT_HEARTBEAT_MS 2000

/* Set those heartbeats on sock.  0 or -errno. */
int mclient_heartbeat_set(void *sock);

/* Returns 0 and sets *out, or -errno with a message in err. */
int mclient_open(const struct mclient_opts *o, struct mclient **out, char *err, size_t errlen);

/* From now on a dropped connection ends a call at once with -ECONNRESET
 * instead of sending it again: for a caller that reconnects by itself and
 * asks again (the listener), which must not stay deaf for a reply
 * time-out while musterd is down. */
void mclient_drop_ends_call(struct mclient *c);
void mclient_close(struct mclient *c);

/*
 * Send {"id": req_id (random when NULL), "cmd": cmd, "args": args} and wait
 * for the matching reply, sending the same request again each time the
 * connection drops meanwhile (musterd answers a repeated id from its
 * stored reply).  args is stolen (NULL for none).  Returns 0 with
 * *reply set (the whole reply object; caller decrefs), -ETIMEDOUT when no
 * reply came, -EACCES when the daemon refused our key, or -errno; err says
 * what happened.
 */
int mclient_call(struct mclient *c, const char *req_id, const char *cmd, json_t *args,
                 json_t **reply, char *err, size_t errlen);

/* The web gateway's key only: make the next calls for user, acting as
 * principal ("as" in the envelope, docs/protocol.md "The web gateway");
 * NULL for either: for nobody again. */
void mclient_set_as(struct mclient *c, const char *principal, const char *user);

/* Wait up to timeout_ms for a message the daemon pushed unasked (a page
 * to a listening agency): 0 with *msg set (caller decrefs), -ETIMEDOUT,
 * -ECONNRESET once the connection has dropped (musterd stopped or
 * restarted: open a new client to go on), or -errno. */
int mclient_next_push(struct mclient *c, int timeout_ms, json_t **msg);

/* Send raw bytes as one request frame and wait for any reply text
 * (malloc'd into *reply), sending them again after a drop as
 * mclient_call does.  For tests and debugging. */
int mclient_call_raw(struct mclient *c, const void *buf, size_t len, char **reply, char *err,
                     size_t errlen);

/* The raw ZeroMQ socket (tests that pipeline requests). */
void *mclient_socket(struct mclient *c);

/* Fill buf with a fresh random request id (32 hex chars). */
void mclient_new_id(char buf[33]);

/* Find and read the key file for role in keys_dir ("gold", "agency:cpft"),
 * and the daemon's public key (server.pub).  Returns 0 or -errno. */
int mclient_keys_for(const char *keys_dir, const char *principal, struct keypair *me,
                     char server_pub[41], char *err, size_t errlen);

#endif
