/*
 * daemon/zap.h - the in-process ZAP handler (RFC 27) that admits CURVE
 * clients whose public key is in the keyring, naming them by principal.
 *
 * Without a ZAP handler libzmq admits every CURVE client; with this one
 * bound (and ZMQ_ZAP_ENFORCE_DOMAIN set on the server sockets) only keys in
 * the keyring get in, and every message they send carries the principal as
 * its "User-Id" property.
 */
#ifndef MUSTER_ZAP_H
#define MUSTER_ZAP_H

struct muster;
struct zap;

/* Bind inproc://zeromq.zap.01 in m->zctx; must run before any server socket
 * binds.  Returns 0 or -errno. */
int zap_start(struct muster *m, struct zap **out);
void zap_stop(struct zap *zap);
void zap_free(struct zap *zap);

#endif
