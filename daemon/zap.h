/*
 * daemon/zap.h - the in-process ZAP handler (RFC 27) that admits CURVE
 * clients whose public key is in the keyring, naming them by principal.
 *
 * Without a ZAP handler libzmq admits every CURVE client; with this one
 * bound (and ZMQ_ZAP_ENFORCE_DOMAIN set on the server sockets) only keys in
 * the keyring get in, and every message they send carries the principal as
 * its "User-Id" property and the key that opened the connection as its
 * ZAP_PROP_KEY property (Z85).  Requests are answered on a thread of the
 * handler's own, so handshakes never wait for the loop.
 */
#ifndef MUSTER_ZAP_H
#define MUSTER_ZAP_H

#define ZAP_PROP_KEY "X-Key"       /* message property: the client's public key, Z85 */
#define ZAP_PROP_PERSON "X-Person" /* message property: the person holding the key */

struct muster;
struct zap;
struct keyring;

/* Bind inproc://zeromq.zap.01 in m->zctx and start the handler's thread,
 * admitting the keys of m->keyring; must run before any server socket
 * binds.  Returns 0 or -errno. */
int zap_open(struct muster *m, struct zap **out);

/* Admit the keys of ring from now on (the caller keeps ownership and frees
 * the old keyring only after this returns). */
void zap_keyring_set(struct zap *zap, const struct keyring *ring);

/* End the handler's thread (waits for it). */
void zap_close(struct zap *zap);
void zap_free(struct zap *zap);

#endif
