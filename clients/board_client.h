/*
 * clients/board_client.h - a watcher of the duty managers' board: the
 * client half of the status feed's Clone pattern (daemon/board.h is the
 * other half).  It subscribes to the feed first, then takes a snapshot
 * (status.show) over the control socket, then applies each feed event's
 * "board" values in sequence; a gap in the sequence makes it take a new
 * snapshot.  Used by `muster watch`, `muster status` and the tests.
 *
 * Test hook: MUSTER_WATCH_DROP=N makes the watcher drop the N-th feed
 * message it would otherwise apply, to force a gap.
 */
#ifndef MUSTER_BOARD_CLIENT_H
#define MUSTER_BOARD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct keypair;
struct board_client;

struct board_client_opts {
    const char *control_ep;   /* the control socket */
    const char *feed_ep;      /* the status feed; NULL: snapshots only */
    const struct keypair *me; /* our key pair (gold or duty) */
    const char *server_pub;   /* the daemon's Z85 public key */
    int timeout_ms;           /* for a reply and for the feed handshake */
    void *zctx;               /* ZeroMQ context for the feed; NULL: its own */
};

/* Connect both sockets and wait for the feed's CURVE handshake.  Returns
 * 0 and sets *out, -EACCES when the daemon refused our key on the feed,
 * -ETIMEDOUT when the feed did not answer, or -errno; err says why. */
int board_client_open(const struct board_client_opts *o, struct board_client **out, char *err,
                      size_t errlen);
void board_client_close(struct board_client *b);

/* Watch incident ref (NULL: the latest active one) and take its snapshot.
 * Returns 0, -ENOENT when there is no such incident (or none at all), or
 * -errno; err says why. */
int board_client_watch(struct board_client *b, const char *ref, char *err, size_t errlen);

/* Take a new snapshot of the watched incident.  Returns as above. */
int board_client_snapshot(struct board_client *b, char *err, size_t errlen);

/* Read every feed message waiting (never blocks) and apply it; a gap
 * takes a new snapshot, and so does a feed connection made again after it
 * dropped (musterd restarted, or its standby took over): call it at every
 * wake-up, not only when the feed has input.  Returns the number of messages that changed the
 * board or seq (>= 0), or -errno with err set (a failed re-snapshot: the
 * next call tries again). */
int board_client_drain(struct board_client *b, char *err, size_t errlen);

/* on: an incident stood up while watching becomes the watched one (its
 * snapshot taken by the next drain).  Off by default. */
void board_client_follow(struct board_client *b, bool on);

/* When musterd last spoke to us (ms since the epoch, our clock): a feed
 * message (an event or the heartbeat) or a snapshot; 0 never. */
int64_t board_client_heard(const struct board_client *b);

/* Whether the feed connection is up: false from a drop until it is made
 * again (musterd killed, or stopped past the ZeroMQ heartbeat time-out). */
bool board_client_feed_up(const struct board_client *b);

/* Never apply events after seq limit (0: no limit), so that a test can
 * compare a watcher's board at an exact point of the feed. */
void board_client_set_limit(struct board_client *b, int64_t limit);

/* The feed's SUB socket, to poll with zmq_poll (NULL without a feed). */
void *board_client_feed(struct board_client *b);

/* The incidents that are active, newest first: an array of references
 * (new reference), or NULL with err set. */
json_t *board_client_incidents(struct board_client *b, char *err, size_t errlen);

/* The state, borrowed: valid until the next call that changes it.
 * board and meta are NULL before the first snapshot. */
const char *board_client_ref(const struct board_client *b);
int64_t board_client_seq(const struct board_client *b);
json_t *board_client_board(const struct board_client *b);
json_t *board_client_meta(const struct board_client *b);
/* The watched incident's events applied since its snapshot, the latest
 * 200, oldest first: [{at, kind, data}] (the feed's members). */
json_t *board_client_recent(const struct board_client *b);
/* How many gaps were seen and snapshots taken so far. */
unsigned long board_client_gaps(const struct board_client *b);
unsigned long board_client_snapshots(const struct board_client *b);
/* How many times the feed connected again after dropping. */
unsigned long board_client_reconnects(const struct board_client *b);
/* The daemon's clock minus ours, in ms, as the last event showed it. */
int64_t board_client_skew(const struct board_client *b);

/* A board as canonical JSON (sorted keys, compact): malloc'd, or NULL. */
char *board_client_canonical(json_t *board);

/* The SHA-256 of the canonical JSON of board, as 64 hex digits.
 * Returns 0 or -ENOMEM. */
int board_client_sha256(json_t *board, char hex[65]);

#endif
