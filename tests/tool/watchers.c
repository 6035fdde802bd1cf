/*
 * tests/tool/watchers.c - many board watchers at once, for the black-box
 * test of the status feed's Clone pattern under load.
 *
 *   watchers CONTROL_EP FEED_EP KEYS N SEQ
 *
 * Runs N watchers (threads, each with its own control and feed sockets)
 * with the duty key, on the latest active incident.  Once every watcher
 * has its first snapshot it prints "ready N".  SEQ is the feed sequence
 * number to stop at, or "-" to read it as a line from standard input (so
 * a test can start the load after "ready" and say where it ended).  Each
 * watcher then applies the feed up to exactly SEQ, and one line per
 * watcher is printed:
 *     watcher I seq S gaps G snapshots K sha256 HEX
 * with the SHA-256 of its canonical board JSON.  Exits 1 when any watcher
 * fails, or stalls for 60 s (scaled) without progress.
 *
 * A watcher behaves as `muster watch` does under load: a feed handshake or
 * a snapshot that gets no answer is tried again until a deadline, and a
 * re-snapshot after a gap that fails is taken again on the next round.
 * Every bound is scaled by MUSTER_SLOW (tests/tool/slow.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <zmq.h>

#include "board_client.h"
#include "client.h"
#include "keys.h"
#include "slow.h"

/* Bounds on waiting, never measured times (scaled by MUSTER_SLOW). */
#define STALL_MS tool_scaled_ms(60000)  /* without progress on the feed */
#define REPLY_MS tool_scaled_ms(30000)  /* for one reply or one handshake */
#define START_MS tool_scaled_ms(120000) /* for a watcher's first snapshot */
#define MAX_WATCHERS 1000

struct shared {
    const char *control, *feed;
    struct keypair me;
    char server_pub[41];
    void *zctx;
    atomic_int ready, failed;
    atomic_llong target; /* -1 until known */
};

struct watcher {
    struct shared *sh;
    pthread_t thread;
    int index;
    int ok;
    long long seq;
    unsigned long gaps, snapshots;
    char hash[65];
    char err[256];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Apply the feed until seq target (once it is known); 0 or -1. */
static int follow(struct watcher *w, struct board_client *b)
{
    long long last_seq = -1, last_move = now_ms(), target;
    zmq_pollitem_t item = {board_client_feed(b), 0, ZMQ_POLLIN, 0};
    while ((target = atomic_load(&w->sh->target)) < 0 || board_client_seq(b) < target) {
        if (target >= 0)
            board_client_set_limit(b, target);
        if (board_client_seq(b) != last_seq || target < 0) {
            last_seq = board_client_seq(b);
            last_move = now_ms();
        } else if (now_ms() - last_move > STALL_MS) {
            snprintf(w->err, sizeof(w->err), "stalled at seq %lld (waiting for %lld)", last_seq,
                     target);
            return -1;
        }
        if (zmq_poll(&item, 1, 100) < 0 && errno != EINTR)
            return -1;
        /* drained every round, not only on input: a re-snapshot that
         * failed is taken again even when the feed has gone quiet */
        if (board_client_drain(b, w->err, sizeof(w->err)) >= 0)
            w->err[0] = '\0';
    }
    return 0;
}

/* Open both sockets and take the first snapshot, again and again while
 * the daemon does not answer (a loaded daemon answers late, not never),
 * until START_MS.  A refusal (our key, no incident) is final. */
static int watcher_start(struct watcher *w, struct board_client **out)
{
    struct shared *sh = w->sh;
    struct board_client_opts o = {sh->control,    sh->feed, &sh->me,
                                  sh->server_pub, REPLY_MS, sh->zctx};
    long long deadline = now_ms() + START_MS;
    int rc;
    do {
        struct board_client *b = NULL;
        rc = board_client_open(&o, &b, w->err, sizeof(w->err));
        if (rc == 0 && (rc = board_client_watch(b, NULL, w->err, sizeof(w->err))) == 0) {
            *out = b;
            return 0;
        }
        board_client_close(b);
    } while ((rc == -ETIMEDOUT || rc == -EAGAIN) && now_ms() < deadline);
    return rc;
}

static void *watcher_run(void *arg)
{
    struct watcher *w = arg;
    struct shared *sh = w->sh;
    struct board_client *b = NULL;
    int rc = watcher_start(w, &b);
    atomic_fetch_add(rc == 0 ? &sh->ready : &sh->failed, 1);
    if (rc == 0 && follow(w, b) == 0 && board_client_sha256(board_client_board(b), w->hash) == 0) {
        w->ok = 1;
        w->seq = board_client_seq(b);
        w->gaps = board_client_gaps(b);
        w->snapshots = board_client_snapshots(b);
    }
    board_client_close(b);
    return NULL;
}

/* Many sockets: raise the open-files limit as far as we may. */
static void more_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int start(struct shared *sh, struct watcher *ws, int n)
{
    for (int i = 0; i < n; i++) {
        ws[i].sh = sh;
        ws[i].index = i;
        if (pthread_create(&ws[i].thread, NULL, watcher_run, &ws[i]) != 0) {
            atomic_store(&sh->target, 0);
            for (int k = 0; k < i; k++)
                pthread_join(ws[k].thread, NULL);
            return -1;
        }
    }
    /* Each watcher ends its start by then: its last try, begun just
     * before START_MS, waits REPLY_MS for the handshake and REPLY_MS for
     * the snapshot. */
    long long bound = (long long)START_MS + 2LL * REPLY_MS, deadline = now_ms() + bound;
    while (atomic_load(&sh->ready) + atomic_load(&sh->failed) < n) {
        if (now_ms() >= deadline) {
            fprintf(stderr, "watchers: only %d of %d ready (%d failed) after %lld ms\n",
                    atomic_load(&sh->ready), n, atomic_load(&sh->failed), bound);
            return -1;
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL); /* polling a counter, not waiting for time */
    }
    printf("ready %d\n", atomic_load(&sh->ready));
    fflush(stdout);
    return 0;
}

static long long target_of(const char *arg)
{
    char line[64];
    if (strcmp(arg, "-"))
        return strtoll(arg, NULL, 10);
    if (!fgets(line, sizeof(line), stdin))
        return 0; /* no target: stop at once, and fail below */
    return strtoll(line, NULL, 10);
}

static int report(struct watcher *ws, int n, long long target)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        struct watcher *w = &ws[i];
        if (!w->ok || w->seq < target) {
            fprintf(stderr, "watchers: watcher %d failed: %s\n", i, w->err[0] ? w->err : "?");
            bad = 1;
            continue;
        }
        printf("watcher %d seq %lld gaps %lu snapshots %lu sha256 %s\n", i, w->seq, w->gaps,
               w->snapshots, w->hash);
    }
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: watchers CONTROL_EP FEED_EP KEYS N SEQ|-\n");
        return 2;
    }
    static struct shared sh;
    char err[512];
    int n = atoi(argv[4]);
    if (n < 1 || n > MAX_WATCHERS)
        return fprintf(stderr, "watchers: N must be 1..%d\n", MAX_WATCHERS), 2;
    if (mclient_keys_for(argv[3], "duty", &sh.me, sh.server_pub, err, sizeof(err)) != 0)
        return fprintf(stderr, "watchers: %s\n", err), 1;
    more_files();
    sh.control = argv[1];
    sh.feed = argv[2];
    sh.zctx = zmq_ctx_new();
    atomic_store(&sh.target, -1);
    struct watcher *ws = calloc((size_t)n, sizeof(*ws));
    if (!ws || !sh.zctx || start(&sh, ws, n) != 0)
        return fprintf(stderr, "watchers: cannot start\n"), 1;
    long long target = atomic_load(&sh.failed) ? 0 : target_of(argv[5]);
    atomic_store(&sh.target, target);
    for (int i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    int rc = report(ws, n, target) || target <= 0;
    free(ws);
    zmq_ctx_term(sh.zctx);
    return rc;
}
