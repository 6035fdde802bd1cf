/*
 * daemon/feed.h - the status feed: a CURVE-authenticated PUB socket carrying
 * every committed event with its sequence number.
 *
 * Each message has two frames: the event kind ("incident.standup", ...),
 * which subscribers can filter on by prefix, and a JSON object
 *     {"seq": N, "at": ms, "kind": "...", "incident": "REF", "data": {...}}
 * Sequence numbers come from the store, so they continue across restarts.
 */
#ifndef MUSTER_FEED_H
#define MUSTER_FEED_H

#include <stdint.h>

#include <jansson.h>

struct muster;
struct feed;

int feed_open(struct muster *m, struct feed **out);
void feed_free(struct feed *feed);

/*
 * Events made inside a transaction wait in an outbox and are published only
 * once it has committed (or dropped if it rolls back), so the feed never
 * shows a change that was not saved.
 */
struct feed_outbox {
    struct feed_item *items;
    size_t count, cap;
};

/* Persist an event in the open transaction and queue it for publishing.
 * data is stolen.  Returns 0 or -errno. */
int feed_event(struct muster *m, struct feed_outbox *ob, int64_t incident_id, const char *ref,
               const char *kind, json_t *data, int64_t now);

/* Publish everything queued, in order, then empty the outbox. */
void feed_outbox_publish(struct feed *feed, struct feed_outbox *ob);

/* Drop queued events from index keep onwards (keep = 0 drops all). */
void feed_outbox_truncate(struct feed_outbox *ob, size_t keep);
void feed_outbox_free(struct feed_outbox *ob);

/* Publish one committed event.  Never blocks: a slow subscriber loses
 * messages and must re-snapshot (the gap in seq tells it). */
void feed_publish(struct feed *feed, const char *kind, const char *body);

#endif
