/*
 * daemon/board_counters.c - the board's counters (board.h) moved in memory
 * for the open transaction and written once per key just before it
 * commits (issue 19: a registration moves a dozen counters, each an
 * upsert that SQLite answers through a temporary table for its RETURNING;
 * a batch of 256 registrations touches some twenty keys).
 *
 * A key is read from the board table the first time the transaction moves
 * it; each move is added to its pending delta and logged, so that a
 * savepoint rolled back (a request that failed) takes its own moves back
 * exactly as SQLite takes back its rows.  The value a move reports, and
 * that rides on the next feed event, is the stored value plus the pending
 * delta: what the upsert returned before.  Just before COMMIT
 * (store_hooks' flush) each moved key is written with one upsert; the
 * transaction's end forgets them all.  Outside a transaction store_begin
 * opened (a unit test's store; a savepoint alone, whose release commits)
 * a move is written at once.  The snapshot
 * (board_snapshot) shows the pending values over the stored ones.
 */
#include "board_counters.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "server.h"
#include "store.h"

struct entry {
    int64_t incident_id;
    char *key;
    int64_t base;  /* the stored value when first moved (0 when no row) */
    int64_t delta; /* the moves not taken back */
    int moves;     /* how many: a row is written for a key moved by 0 */
    bool exists;   /* the board table had the row */
};

struct move {
    uint32_t entry;
    int delta;
};

struct counters {
    struct store *st;
    struct entry *e;
    size_t n, cap;
    uint32_t *slot; /* open addressing over e: index + 1, 0 when empty */
    size_t nslot;   /* a power of two, at least twice n */
    struct move *log;
    size_t nlog, logcap;
    size_t *mark; /* mark[d - 1]: the log's length when sp<d> opened */
    size_t markcap;
};

static const char SQL_READ[] = "SELECT value FROM board WHERE incident_id = ?1 AND key = ?2";
static const char SQL_WRITE[] =
    "INSERT INTO board (incident_id, key, value) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (incident_id, key) DO UPDATE SET value = value + excluded.value";

/* arr (of *cap elements of size bytes), or where realloc moved it, able
 * to hold need: doubled from first.  NULL without memory (arr stays). */
static void *grow(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return arr;
    size_t n = *cap ? *cap : first;
    while (n < need)
        n *= 2;
    void *p = realloc(arr, n * size);
    if (p)
        *cap = n;
    return p;
}

static uint32_t key_hash(int64_t incident_id, const char *key)
{
    uint32_t h = 2166136261u ^ (uint32_t)incident_id ^ (uint32_t)((uint64_t)incident_id >> 32);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static void forget(struct counters *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].key);
    c->n = 0;
    c->nlog = 0;
    if (c->slot)
        memset(c->slot, 0, c->nslot * sizeof(*c->slot));
}

static int rehash(struct counters *c, size_t nslot)
{
    uint32_t *slot = calloc(nslot, sizeof(*slot));
    if (!slot)
        return -ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        size_t j = key_hash(c->e[i].incident_id, c->e[i].key) & (nslot - 1);
        while (slot[j])
            j = (j + 1) & (nslot - 1);
        slot[j] = (uint32_t)i + 1;
    }
    free(c->slot);
    c->slot = slot;
    c->nslot = nslot;
    return 0;
}

/* The stored value of the key (0 and *exists false when no row). */
static int stored(struct store *st, int64_t incident_id, const char *key, int64_t *value,
                  bool *exists)
{
    sqlite3_stmt *s = store_stmt(st, SQL_READ);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    int rc = store_step(s);
    *exists = rc > 0;
    *value = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* The entry of the key, read from the board the first time: its index
 * in *i.  0 or -errno. */
static int entry_of(struct counters *c, int64_t incident_id, const char *key, size_t *i)
{
    if (c->n * 2 >= c->nslot && rehash(c, c->nslot ? c->nslot * 2 : 64) != 0)
        return -ENOMEM;
    size_t j = key_hash(incident_id, key) & (c->nslot - 1);
    for (; c->slot[j]; j = (j + 1) & (c->nslot - 1)) {
        struct entry *e = &c->e[c->slot[j] - 1];
        if (e->incident_id == incident_id && strcmp(e->key, key) == 0) {
            *i = c->slot[j] - 1;
            return 0;
        }
    }
    struct entry *grown = grow(c->e, &c->cap, c->n + 1, sizeof(*c->e), 32);
    if (!grown)
        return -ENOMEM;
    c->e = grown;
    struct entry *e = &c->e[c->n];
    *e = (struct entry){.incident_id = incident_id, .key = strdup(key)};
    if (!e->key)
        return -ENOMEM;
    int rc = stored(c->st, incident_id, key, &e->base, &e->exists);
    if (rc != 0) {
        free(e->key);
        return rc;
    }
    c->slot[j] = (uint32_t)c->n + 1;
    *i = c->n++;
    return 0;
}

static int hook_opened(void *arg, int depth)
{
    struct counters *c = arg;
    size_t *mark = grow(c->mark, &c->markcap, (size_t)depth, sizeof(*c->mark), 8);
    if (!mark)
        return -ENOMEM;
    c->mark = mark;
    c->mark[depth - 1] = c->nlog;
    return 0;
}

static void hook_rolled_back(void *arg, int depth)
{
    struct counters *c = arg;
    size_t to = c->mark[depth - 1];
    while (c->nlog > to) {
        const struct move *mv = &c->log[--c->nlog];
        c->e[mv->entry].delta -= mv->delta;
        c->e[mv->entry].moves--;
    }
}

static int write_one(struct store *st, const struct entry *e)
{
    sqlite3_stmt *s = store_stmt(st, SQL_WRITE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, e->incident_id);
    sqlite3_bind_text(s, 2, e->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, e->delta);
    return store_exec_stmt(s);
}

static int hook_flush(void *arg)
{
    struct counters *c = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        const struct entry *e = &c->e[i];
        if (e->delta != 0 || (!e->exists && e->moves > 0))
            rc = write_one(c->st, e);
    }
    if (rc == 0)
        forget(c); /* written: what the board table holds now */
    return rc;
}

static void hook_ended(void *arg)
{
    forget(arg);
}

static void hook_close(void *arg)
{
    struct counters *c = arg;
    forget(c);
    free(c->e);
    free(c->slot);
    free(c->log);
    free(c->mark);
    free(c);
}

static const struct store_hooks HOOKS = {hook_opened, hook_rolled_back, hook_flush, hook_ended,
                                         hook_close};

/* The store's counters, made with its first move. */
static struct counters *counters_of(struct store *st)
{
    struct counters *c = store_hooks_arg(st);
    if (c)
        return c;
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    c->st = st;
    /* the savepoints open now were opened unseen: each takes back from
     * the start (nothing was moved before) */
    for (int d = 1; d <= store_savepoint_depth(st); d++)
        if (hook_opened(c, d) != 0) {
            free(c->mark);
            free(c);
            return NULL;
        }
    store_hooks_set(st, &HOOKS, c);
    return c;
}

/* Move key by delta: its value after the move in *value.  0 or -errno. */
static int move(struct store *st, int64_t incident_id, const char *key, int delta, int64_t *value)
{
    if (!store_in_begun_txn(st)) { /* no commit of ours would write it: at once */
        struct entry e = {.incident_id = incident_id, .key = (char *)key, .delta = delta};
        bool exists;
        int rc = write_one(st, &e);
        return rc ? rc : stored(st, incident_id, key, value, &exists);
    }
    struct counters *c = counters_of(st);
    size_t i;
    int rc = c ? entry_of(c, incident_id, key, &i) : -ENOMEM;
    if (rc != 0)
        return rc;
    struct move *log = grow(c->log, &c->logcap, c->nlog + 1, sizeof(*c->log), 256);
    if (!log)
        return -ENOMEM;
    c->log = log;
    c->log[c->nlog++] = (struct move){(uint32_t)i, delta};
    struct entry *e = &c->e[i];
    e->delta += delta;
    e->moves++;
    *value = e->base + e->delta;
    return 0;
}

int board_add(struct muster *m, struct outbox *ob, int64_t incident_id, const char *key, int delta)
{
    int64_t value = 0;
    int rc = move(m->store, incident_id, key, delta, &value);
    if (rc == 0)
        board_put(ob, key, json_integer(value));
    return rc;
}

int board_add2(struct muster *m, struct outbox *ob, int64_t incident_id, const char *key,
               const char *key2, int delta)
{
    int rc = board_add(m, ob, incident_id, key, delta);
    return rc ? rc : board_add(m, ob, incident_id, key2, delta);
}

void board_counters_pending(struct store *st, int64_t incident_id, json_t *board)
{
    const struct counters *c = store_hooks_arg(st);
    for (size_t i = 0; c && i < c->n; i++) {
        const struct entry *e = &c->e[i];
        if (e->incident_id == incident_id && (e->exists || e->moves > 0))
            json_object_set_new(board, e->key, json_integer(e->base + e->delta));
    }
}
