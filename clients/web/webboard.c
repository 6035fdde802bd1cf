/*
 * clients/web/webboard.c - the board's thread and its versions (see
 * webboard.h).
 */
#include "webboard.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zmq.h>

#include "board_client.h"
#include "clock.h"
#include "log.h"

#define RING 256      /* deltas kept for streams that are behind */
#define CHECK_MS 1000 /* how often the newest incident is asked for */
#define POLL_MS 200   /* one wait on the feed */

struct webboard {
    struct webboard_opts o;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool stop;
    /* under lock: what streams read */
    uint64_t v;       /* the current version */
    char *snapshot;   /* its whole board (JSON), NULL before the first */
    char *ring[RING]; /* ring[v % RING]: version v's changed keys, NULL: snapshot only */
    uint64_t ring_v[RING];
    bool up;         /* musterd answered the last check */
    uint64_t up_gen; /* bumped when up changes */
    /* the thread's own */
    struct board_client *bc;
    json_t *prev; /* the board as last published */
    char prev_ref[64];
};

/* Keys of now whose values differ from was (null: removed), or NULL. */
static json_t *diff(json_t *was, json_t *now)
{
    json_t *out = json_object(), *v;
    const char *key;
    json_object_foreach(now, key, v)
    {
        if (!json_equal(json_object_get(was, key), v))
            json_object_set(out, key, v);
    }
    json_object_foreach(was, key, v)
    {
        if (!json_object_get(now, key))
            json_object_set_new(out, key, json_null());
    }
    if (json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static char *dump(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

/* Publish the board as a new version (lock not held). */
static void publish(struct webboard *b)
{
    const char *ref = b->bc ? board_client_ref(b->bc) : "";
    json_t *board = b->bc ? board_client_board(b->bc) : NULL;
    bool same = b->prev && board && !strcmp(ref, b->prev_ref);
    json_t *changed = same ? diff(b->prev, board) : NULL;
    if ((same && !changed) || (!board && !b->prev && b->snapshot))
        return; /* nothing moved, or still no incident at all */
    int64_t seq = b->bc ? board_client_seq(b->bc) : 0;
    pthread_mutex_lock(&b->lock);
    uint64_t v = ++b->v;
    free(b->snapshot);
    b->snapshot = dump(json_pack("{s:I, s:s?, s:I, s:O?, s:O?}", "v", (json_int_t)v, "ref",
                                 board && *ref ? ref : NULL, "seq", (json_int_t)seq, "board", board,
                                 "meta", b->bc ? board_client_meta(b->bc) : NULL));
    free(b->ring[v % RING]);
    b->ring[v % RING] = changed ? dump(json_pack("{s:I, s:I, s:o}", "v", (json_int_t)v, "seq",
                                                 (json_int_t)seq, "board", changed))
                                : NULL;
    b->ring_v[v % RING] = v;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    json_decref(b->prev);
    b->prev = board ? json_deep_copy(board) : NULL;
    snprintf(b->prev_ref, sizeof(b->prev_ref), "%s", ref);
}

static void set_up(struct webboard *b, bool up)
{
    pthread_mutex_lock(&b->lock);
    if (b->up != up) {
        b->up = up;
        b->up_gen++;
        pthread_cond_broadcast(&b->changed);
        log_info("web: musterd %s",
                 up ? "answers: the board is live" : "does not answer: the board is stale");
    }
    pthread_mutex_unlock(&b->lock);
}

static bool stopping(struct webboard *b)
{
    pthread_mutex_lock(&b->lock);
    bool stop = b->stop;
    pthread_mutex_unlock(&b->lock);
    return stop;
}

/* Wait ms, or less when stopping. */
static void pause_ms(struct webboard *b, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&b->lock);
    if (!b->stop)
        pthread_cond_timedwait(&b->changed, &b->lock, &ts);
    pthread_mutex_unlock(&b->lock);
}

static void drop_client(struct webboard *b, const char *why)
{
    if (b->bc)
        log_warnx("web: board: %s; connecting again", why);
    board_client_close(b->bc);
    b->bc = NULL;
    set_up(b, false);
}

static int open_client(struct webboard *b)
{
    struct board_client_opts o = {b->o.control,    b->o.feed,       b->o.me,
                                  b->o.server_pub, b->o.timeout_ms, NULL};
    char err[256];
    return board_client_open(&o, &b->bc, err, sizeof(err));
}

/* Watch the newest active incident (or, with none active, the latest);
 * 0, or -errno when musterd did not answer. */
static int check_incident(struct webboard *b)
{
    char err[256];
    json_t *refs = board_client_incidents(b->bc, err, sizeof(err));
    if (!refs)
        return -EIO;
    const char *newest = json_string_value(json_array_get(refs, 0));
    bool fresh =
        board_client_board(b->bc) == NULL || (newest && strcmp(newest, board_client_ref(b->bc)));
    int rc = fresh ? board_client_watch(b->bc, newest, err, sizeof(err)) : 0;
    json_decref(refs);
    if (rc != 0 && rc != -ENOENT)
        return rc;
    if (fresh && rc == 0)
        log_info("web: board: watching %s", board_client_ref(b->bc));
    set_up(b, true);
    if (fresh)
        publish(b);
    return 0;
}

/* One round: check the incident when due, then wait on the feed. */
static int round_once(struct webboard *b, int64_t *next_check)
{
    char err[256];
    if (clock_mono_ms() >= *next_check) {
        if (check_incident(b) != 0)
            return -EIO;
        *next_check = clock_mono_ms() + CHECK_MS;
    }
    zmq_pollitem_t it = {board_client_feed(b->bc), 0, ZMQ_POLLIN, 0};
    zmq_poll(&it, 1, POLL_MS);
    int n = board_client_drain(b->bc, err, sizeof(err));
    if (n < 0 && n != -ENOENT)
        return n;
    if (n > 0)
        publish(b);
    return 0;
}

static void *run(void *arg)
{
    struct webboard *b = arg;
    int64_t next_check = 0;
    while (!stopping(b)) {
        if (!b->bc && open_client(b) != 0) {
            b->bc = NULL;
            set_up(b, false);
            pause_ms(b, 1000);
            continue;
        }
        if (round_once(b, &next_check) != 0) {
            drop_client(b, "musterd did not answer");
            next_check = 0;
        }
    }
    board_client_close(b->bc);
    b->bc = NULL;
    return NULL;
}

int webboard_start(const struct webboard_opts *o, struct webboard **out)
{
    struct webboard *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->o = *o;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->changed, NULL);
    int rc = pthread_create(&b->thread, NULL, run, b);
    if (rc != 0) {
        free(b);
        return -rc;
    }
    *out = b;
    return 0;
}

void webboard_stop(struct webboard *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    bool joined = b->stop;
    b->stop = true;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    if (!joined)
        pthread_join(b->thread, NULL);
}

void webboard_free(struct webboard *b)
{
    if (!b)
        return;
    webboard_stop(b);
    for (size_t i = 0; i < RING; i++)
        free(b->ring[i]);
    free(b->snapshot);
    json_decref(b->prev);
    pthread_cond_destroy(&b->changed);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

static char *frame(const char *event, const char *data)
{
    size_t n = strlen(event) + strlen(data) + 32;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "event: %s\ndata: %s\n\n", event, data);
    return out;
}

/* The message for cur once something is due (lock held). */
static char *next_locked(struct webboard *b, struct webboard_cursor *cur)
{
    char hb[96];
    if (cur->have == b->v || !b->snapshot) {
        cur->told_gen = b->up_gen;
        snprintf(hb, sizeof(hb), "{\"up\":%s,\"v\":%llu}", b->up ? "true" : "false",
                 (unsigned long long)b->v);
        return frame("heartbeat", hb);
    }
    uint64_t want = cur->have + 1;
    if (cur->have == 0 || b->v - cur->have >= RING || b->ring_v[want % RING] != want ||
        !b->ring[want % RING]) {
        cur->have = b->v;
        return frame("snapshot", b->snapshot);
    }
    cur->have = want;
    return frame("delta", b->ring[want % RING]);
}

char *webboard_next(struct webboard *b, struct webboard_cursor *cur, int wait_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&b->lock);
    while (!b->stop && cur->have == b->v && cur->told_gen == b->up_gen &&
           pthread_cond_timedwait(&b->changed, &b->lock, &ts) == 0)
        ;
    char *out = b->stop ? NULL : next_locked(b, cur);
    pthread_mutex_unlock(&b->lock);
    return out;
}
