/*
 * clients/web/webboard.h - the live board behind every open wall screen.
 *
 * One thread keeps one copy of the board with the Clone pattern the CLI's
 * board uses (board_client.h: subscribe to the feed, snapshot with
 * status.show, apply deltas in sequence, snapshot again on a gap), watching
 * the newest active incident (a new one takes over).  Each change becomes
 * a numbered version: a browser's event stream sends it the whole board
 * once ("snapshot"), then each version's changed keys ("delta"), and a new
 * snapshot when it has fallen too far behind or the incident changed.
 * While nothing changes the stream sends a heartbeat every 2 s saying
 * whether musterd answers; a browser that hears nothing for 10 s, or hears
 * that musterd is down, shows the board as stale.
 */
#ifndef MUSTER_WEB_WEBBOARD_H
#define MUSTER_WEB_WEBBOARD_H

#include <stddef.h>
#include <stdint.h>

struct keypair;
struct webboard;

struct webboard_opts {
    const char *control, *feed;
    const struct keypair *me; /* the gateway's web key */
    const char *server_pub;
    int timeout_ms;
};

/* Start the board's thread.  Returns 0 and *out, or -errno. */
int webboard_start(const struct webboard_opts *o, struct webboard **out);

/* Stop the thread and wake every stream (they end: webboard_next
 * returns NULL from now on); then, once no stream can call it, free. */
void webboard_stop(struct webboard *b);
void webboard_free(struct webboard *b);

/* Where one browser's stream is: the version it has (0: none yet) and
 * the liveness it was last told. */
struct webboard_cursor {
    uint64_t have;
    uint64_t told_gen;
};

/* The next Server-Sent Events message for cursor (malloc'd text, one
 * "event: snapshot|delta|heartbeat" and its "data:" line), waiting up to
 * wait_ms for a change; NULL when the board is stopping. */
char *webboard_next(struct webboard *b, struct webboard_cursor *cur, int wait_ms);

#endif
