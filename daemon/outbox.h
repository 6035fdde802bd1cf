/*
 * daemon/outbox.h - what waits for a transaction to commit.
 *
 * Feed events made inside a transaction, and actions that must only happen
 * once the change is on disk (start a page delivery, arm a timer), wait in
 * an outbox.  After the commit they are published and run in the order
 * they were added; if the transaction rolls back they are dropped, so
 * nothing outside the database ever shows or acts on a change that was not
 * saved.
 */
#ifndef MUSTER_OUTBOX_H
#define MUSTER_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct muster;
struct outbox_item;

struct outbox {
    struct outbox_item *items;
    size_t count, cap;
    json_t *board; /* board keys changed since the last event (see board.h), or NULL */
};

typedef void outbox_fn(struct muster *m, void *arg);
typedef void outbox_drop_fn(void *arg);

/* Persist a feed event in the open transaction and queue it for
 * publishing.  data is stolen.  Returns 0 or -errno. */
int outbox_event(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                 const char *kind, json_t *data, int64_t now);

/* The same with data already encoded as compact JSON text (stolen: freed
 * here; NULL is a failure of memory), as json_dumps would write it. */
int outbox_event_text(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                      const char *kind, char *stored, int64_t now);

/* The published message (malloc'd; NULL without memory), spliced from
 * parts already encoded: data as stored (encoded once, issue 19), the
 * board keys (board) when not NULL.  The same text json_dumps gives, with
 * JSON_COMPACT, for {"seq", "at", "kind", "incident", "data"[, "board"]};
 * ref NULL is "incident":null.  kind and ref must be valid UTF-8. */
char *outbox_event_message(int64_t seq, int64_t now, const char *kind, const char *ref,
                           const char *data, const char *board);

/* Queue fn(m, arg) to run after the commit.  drop(arg), when not NULL,
 * runs instead if the transaction rolls back, and after fn otherwise is
 * fn's business.  Returns 0 or -ENOMEM (then drop has run). */
int outbox_action(struct outbox *ob, outbox_fn *fn, outbox_drop_fn *drop, void *arg);

/* Queue a journal line (log_notice, printf format) for after the commit:
 * a lifecycle event is logged only once it happened.  A line that cannot
 * be queued (no memory) is dropped; the change goes on. */
void outbox_log(struct outbox *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After a commit: publish and run everything, in order; empty the outbox. */
void outbox_flush(struct muster *m, struct outbox *ob);

/* After a rollback (to a savepoint): drop the items from index keep on. */
void outbox_truncate(struct outbox *ob, size_t keep);
void outbox_free(struct outbox *ob);

#endif
