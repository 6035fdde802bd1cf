/*
 * daemon/outbox.c - events and actions waiting for a commit (see outbox.h).
 */
#include "outbox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "jtext.h"
#include "log.h"
#include "server.h"
#include "store.h"

struct outbox_item {
    char *kind; /* a feed event when not NULL */
    char *body;
    int64_t seq;   /* its sequence number */
    outbox_fn *fn; /* else an action */
    outbox_drop_fn *drop;
    void *arg;
};

static int outbox_push(struct outbox *ob, struct outbox_item item)
{
    if (ob->count == ob->cap) {
        size_t cap = ob->cap ? ob->cap * 2 : 64;
        struct outbox_item *items = realloc(ob->items, cap * sizeof(*items));
        if (!items)
            return -ENOMEM;
        ob->items = items;
        ob->cap = cap;
    }
    ob->items[ob->count++] = item;
    return 0;
}

char *outbox_event_message(int64_t seq, int64_t now, const char *kind, const char *ref,
                           const char *data, const char *board)
{
    struct jtext t = {0};
    jtext_kint(&t, "seq", seq);
    jtext_kint(&t, "at", now);
    jtext_kstr(&t, "kind", kind);
    if (ref)
        jtext_kstr(&t, "incident", ref);
    else
        jtext_kraw(&t, "incident", "null");
    jtext_kraw(&t, "data", data);
    if (board)
        jtext_kraw(&t, "board", board);
    jtext_put(&t, "}", 1);
    return jtext_take(&t);
}

int outbox_event(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                 const char *kind, json_t *data, int64_t now)
{
    char *stored = data ? jtext_dump(data, false) : NULL;
    json_decref(data);
    return outbox_event_text(m, ob, incident_id, ref, kind, stored, now);
}

int outbox_event_text(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                      const char *kind, char *stored, int64_t now)
{
    int64_t seq = 0;
    int rc = stored ? store_event_add(m->store, incident_id, now, kind, stored, &seq) : -ENOMEM;
    if (rc != 0) {
        free(stored);
        return rc;
    }
    char *board = NULL;
    if (ob->board) { /* the board keys this change moved ride with it */
        board = jtext_dump(ob->board, false);
        json_decref(ob->board);
        ob->board = NULL;
    }
    struct outbox_item item = {
        strdup(kind), outbox_event_message(seq, now, kind, ref, stored, board), seq, NULL, NULL,
        NULL};
    free(stored);
    free(board);
    if (item.kind && item.body && (rc = outbox_push(ob, item)) == 0)
        return 0;
    free(item.kind);
    free(item.body);
    return rc ? rc : -ENOMEM;
}

int outbox_action(struct outbox *ob, outbox_fn *fn, outbox_drop_fn *drop, void *arg)
{
    int rc = outbox_push(ob, (struct outbox_item){NULL, NULL, 0, fn, drop, arg});
    if (rc != 0 && drop)
        drop(arg);
    return rc;
}

static void log_line(struct muster *m, void *arg)
{
    (void)m;
    log_notice("%s", (const char *)arg);
    free(arg);
}

void outbox_log(struct outbox *ob, const char *fmt, ...)
{
    char *line = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n >= 0)
        outbox_action(ob, log_line, free, line);
}

void outbox_flush(struct muster *m, struct outbox *ob)
{
    /* an action may add to the outbox of the next transaction, never this
     * one: take the items out first */
    struct outbox_item *items = ob->items;
    size_t count = ob->count;
    json_decref(ob->board); /* every change emits its event: nothing should be left */
    ob->board = NULL;
    ob->items = NULL;
    ob->count = ob->cap = 0;
    for (size_t i = 0; i < count; i++) {
        if (items[i].kind) {
            if (m->feed)
                feed_publish(m->feed, items[i].seq, items[i].kind, items[i].body);
            free(items[i].kind);
            free(items[i].body);
        } else {
            items[i].fn(m, items[i].arg);
        }
    }
    free(items);
}

void outbox_truncate(struct outbox *ob, size_t keep)
{
    json_decref(ob->board); /* values of a change rolled back */
    ob->board = NULL;
    for (size_t i = keep; i < ob->count; i++) {
        free(ob->items[i].kind);
        free(ob->items[i].body);
        if (!ob->items[i].kind && ob->items[i].drop)
            ob->items[i].drop(ob->items[i].arg);
    }
    if (keep < ob->count)
        ob->count = keep;
}

void outbox_free(struct outbox *ob)
{
    outbox_truncate(ob, 0);
    free(ob->items);
    ob->items = NULL;
    ob->cap = 0;
}
