/*
 * daemon/health.h - is musterd well: its loop turns, its store commits,
 * its disk has room (health.show, muster health; docs/operations.md).
 *
 * The loop is measured by a one-second timer: how late its last tick was.
 * The store is proved by a write (health_probe) in the batch of the
 * request that asks, so that the reply is sent only once that batch has
 * committed (a commit that fails turns it into UNAVAILABLE).  The disk is
 * the free space of the file system holding the database.
 */
#ifndef MUSTER_HEALTH_H
#define MUSTER_HEALTH_H

#include <stdint.h>

struct muster;
struct health;

/* A loop tick later than this (ms) makes musterd unhealthy. */
#define HEALTH_LAG_MAX_MS 2000

/* Free space below this (MiB) makes musterd unhealthy, unless the
 * request names its own threshold. */
#define HEALTH_MIN_FREE_MB 64

/* Start the loop's timer; *out is m's.  0 or -errno. */
int health_open(struct muster *m, struct health **out);
void health_close(struct health *h);
void health_free(struct health *h);

/* How late (ms) the loop timer's latest tick was, or how long it has
 * been overdue now, whichever is more. */
int64_t health_loop_lag_ms(const struct health *h);

/* Rewrite the probe row inside the batch's transaction (begun here when
 * none is open), under a savepoint of its own.  0 or -errno. */
int health_probe(struct muster *m, int64_t now);

/* The free space (MiB) for an unprivileged writer on the file system
 * holding the database at db_path.  0 or -errno. */
int health_disk_free_mb(const char *db_path, int64_t *mb);

#endif
