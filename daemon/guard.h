/*
 * daemon/guard.h - the connection guard: no one without a key can use up
 * the daemon's descriptors.
 *
 * A CURVE server socket accepts every TCP connection and keeps its
 * descriptor until the handshake completes, fails or times out.  The guard
 * caps, per socket, how many accepted connections may still be in their
 * handshake (GUARD_PENDING_MAX, less when the descriptor limit is small);
 * over the cap, the oldest of them are shut down.  Connections that have
 * completed the handshake (a client whose key is in the keyring) are never
 * touched.  It also sets a short handshake timeout (GUARD_HANDSHAKE_MS).
 *
 * Only TCP endpoints are guarded: an ipc:// endpoint is reachable only by
 * local users its file permissions admit.
 */
#ifndef MUSTER_GUARD_H
#define MUSTER_GUARD_H

#include <stddef.h>
#include <stdint.h>

#define GUARD_PENDING_MAX 64    /* connections still in their handshake, per socket */
#define GUARD_HANDSHAKE_MS 5000 /* a handshake not done by then is dropped by libzmq */

struct guard;

/*
 * Guard sock, a CURVE server socket of zctx not yet bound (the handshake
 * timeout only applies to listeners bound after it is set).  name names
 * the socket in log lines ("control").  Also raises the soft descriptor
 * limit to the hard one, once, logging it.  Runs a thread of its own, so
 * it keeps shedding while the loop is busy.  Returns 0 or -errno; *out is
 * the caller's, to give back to guard_close.
 */
int guard_open(void *zctx, void *sock, const char *name, struct guard **out);

/* Stop guarding and free *g (then NULL); call it before closing the socket,
 * from the thread that owns the socket.  No-op when *g is NULL. */
void guard_close(struct guard **g);

/* Connections accepted on the guarded socket and not yet ended (any
 * thread may ask). */
size_t guard_connections(const struct guard *g);

/* The pending cap for a soft descriptor limit of nofile: GUARD_PENDING_MAX,
 * or an eighth of the limit when that is smaller (at least 4), so pending
 * handshakes on the two server sockets never take a quarter of it. */
size_t guard_cap(uint64_t nofile);

/* Raise the soft RLIMIT_NOFILE to the hard limit, logging the change.
 * Returns the soft limit now in force (0 if it cannot be read). */
uint64_t guard_nofile_raise(void);

#endif
