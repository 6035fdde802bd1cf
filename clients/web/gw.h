/*
 * clients/web/gw.h - the gateway's connections to musterd's control
 * socket: a small pool of CURVE clients holding the "web" key, shared by
 * the HTTP threads.  Each call names the user it is made for and the
 * principal that user acts as ("as" in the envelope).  A connection whose
 * call failed (no reply in time, musterd down) is closed rather than
 * reused, so a request that never reached musterd is never delivered
 * later by a reconnecting socket.
 */
#ifndef MUSTER_WEB_GW_H
#define MUSTER_WEB_GW_H

#include <stddef.h>

#include <jansson.h>

struct gw;

/* Read keys_dir/web.key and server.pub.  Returns 0 and *out, or -errno
 * with err set. */
int gw_open(const char *keys_dir, const char *control, int timeout_ms, struct gw **out, char *err,
            size_t errlen);
void gw_free(struct gw *g);

/*
 * Run cmd with args (stolen; NULL for none) for user acting as principal
 * (both NULL: as the gateway itself).  Returns 0 with *reply the whole
 * reply object (caller decrefs; "ok" may be false), or -errno with err set
 * (-ETIMEDOUT: musterd did not answer).
 */
int gw_call(struct gw *g, const char *principal, const char *user, const char *cmd, json_t *args,
            json_t **reply, char *err, size_t errlen);

/* The key pair and daemon key the gateway uses (for the board's feed). */
const struct keypair *gw_key(const struct gw *g);
const char *gw_server_pub(const struct gw *g);

#endif
