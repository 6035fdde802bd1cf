/*
 * common/dblock.h - one writer, always: the exclusive lock musterd holds
 * beside its database (FILE.lock) for as long as it runs, so that two
 * daemons never run ladders from one database (a second musterd started by
 * mistake, or a cluster manager starting the standby while the active one
 * still runs).  muster restore takes the same lock while it replaces the
 * database file, so musterd cannot start on a half-restored one.
 *
 * The lock is an open file description lock (fcntl F_OFD_SETLK) on the
 * lock file, which also holds the holder's pid, host and start time for
 * the message the refused daemon gives.  The kernel drops the lock when its
 * holder ends in any way (kill -9 included), so a stale lock file never
 * blocks a restart; the file itself is left in place.
 */
#ifndef MUSTER_DBLOCK_H
#define MUSTER_DBLOCK_H

#include <stddef.h>

struct dblock;

/* The exit status of a musterd refused because another holds the lock
 * (EX_TEMPFAIL: it may start once the holder has gone). */
#define DBLOCK_EXIT_HELD 75

/*
 * Take the lock for the database at db_path (the file db_path.lock,
 * created 0600 if missing) and write our pid, host and start time in it.
 * Returns 0 with *out set (free it with dblock_free, which releases the
 * lock), -EBUSY when another process holds it (holder then says who: "pid
 * 1234 on host node-a since 2026-05-01T10:00:00Z (lock file PATH)", or "an
 * unknown process" while the holder has not yet written its line), or
 * another -errno.  The lock file is FILE.lock for the database's real path
 * (symbolic links resolved) when the database exists.
 */
int dblock_open(const char *db_path, struct dblock **out, char *holder, size_t holderlen);

/* The lock file's path (owned by the lock). */
const char *dblock_path(const struct dblock *l);

/* Release the lock and free it.  NULL is a no-op. */
void dblock_free(struct dblock *l);

#endif
