/*
 * daemon/health.c - the health checks (see health.h): the loop timer, the
 * store's probe row (the table `health`, its owner) and the disk's room.
 */
#include "health.h"

#include <errno.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <uv.h>

#include "server.h"
#include "store.h"

#define TICK_MS 1000

struct health {
    uv_timer_t tick;
    uint64_t last;     /* loop time (ms) of the latest tick */
    int64_t last_late; /* how late it was */
    bool ticked;       /* the first tick came: the loop runs */
};

/* The first tick comes as soon as the loop runs and only starts the
 * count: musterd's start-up (migrations, plans, a slow machine) happens
 * before the loop runs, and is not the loop being late.  Every tick after
 * it is due a second after the one before. */
static void on_tick(uv_timer_t *t)
{
    struct health *h = t->data;
    uint64_t now = uv_now(t->loop);
    int64_t late = (int64_t)(now - h->last) - TICK_MS;
    h->last_late = h->ticked && late > 0 ? late : 0;
    h->last = now;
    h->ticked = true;
}

int health_open(struct muster *m, struct health **out)
{
    struct health *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    uv_timer_init(m->loop, &h->tick);
    h->tick.data = h;
    h->last = uv_now(m->loop);
    int rc = uv_timer_start(&h->tick, on_tick, 0, TICK_MS);
    *out = h;
    return rc;
}

void health_close(struct health *h)
{
    if (h && !uv_is_closing((uv_handle_t *)&h->tick))
        uv_close((uv_handle_t *)&h->tick, NULL);
}

void health_free(struct health *h)
{
    free(h);
}

int64_t health_loop_lag_ms(const struct health *h)
{
    uv_loop_t *loop = h->tick.loop;
    uv_update_time(loop);
    int64_t overdue = (int64_t)(uv_now(loop) - h->last) - TICK_MS;
    return overdue > h->last_late ? overdue : h->last_late;
}

int health_probe(struct muster *m, int64_t now)
{
    struct store *st = m->store;
    int rc = store_in_txn(st) ? 0 : store_begin(st);
    if (rc != 0 || (rc = store_savepoint(st)) != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, "UPDATE health SET probed_at = ?1 WHERE id = 1");
    if (!s) {
        store_savepoint_rollback(st);
        return -EINVAL;
    }
    sqlite3_bind_int64(s, 1, now);
    rc = store_exec_stmt(s);
    if (rc != 0) {
        store_savepoint_rollback(st);
        return rc;
    }
    return store_savepoint_release(st);
}

int health_disk_free_mb(const char *db_path, int64_t *mb)
{
    char *copy = strdup(db_path);
    if (!copy)
        return -ENOMEM;
    struct statvfs sv;
    int rc = statvfs(dirname(copy), &sv) == 0 ? 0 : -errno;
    free(copy);
    if (rc == 0)
        *mb = (int64_t)((unsigned long long)sv.f_bavail * sv.f_frsize / (1024 * 1024));
    return rc;
}
