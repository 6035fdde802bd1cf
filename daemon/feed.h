/*
 * daemon/feed.h - the status feed: a CURVE-authenticated PUB socket carrying
 * every committed event with its sequence number.
 *
 * Each message has two frames: the event kind ("incident.standup", ...),
 * which subscribers can filter on by prefix, and a JSON object
 *     {"seq": N, "at": ms, "kind": "...", "incident": "REF", "data": {...}}
 * Sequence numbers come from the store, so they continue across restarts.
 * Every FEED_HEARTBEAT_MS, and only then, a message of kind "heartbeat"
 *     {"seq": N, "at": ms, "kind": "heartbeat"}
 * carries the seq of the last event published (no event of its own).
 */
#ifndef MUSTER_FEED_H
#define MUSTER_FEED_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define FEED_HEARTBEAT_MS 1000

struct muster;
struct feed;

int feed_open(struct muster *m, struct feed **out);
void feed_free(struct feed *feed);

/* End every subscriber's connection (a key was revoked): they reconnect and
 * are authenticated again, so a revoked key gets no more events. */
void feed_revoke(struct feed *feed);

/* Close the feed's loop handles (before the loop ends). */
void feed_close(struct feed *feed);

/* Connections to the feed now (subscribers, and those still in their
 * handshake). */
size_t feed_connections(const struct feed *feed);

/* Publish one committed event, numbered seq.  Never blocks: a slow
 * subscriber loses messages and must re-snapshot (the gap in seq tells it). */
void feed_publish(struct feed *feed, int64_t seq, const char *kind, const char *body);

#endif
