/*
 * tests/bench/bench.c - mbench, muster's load generator.  Real ZeroMQ
 * clients with CURVE keys from a key directory made by `muster keys init`,
 * speaking the documented protocol (docs/protocol.md) to a running musterd.
 * Every scenario prints "name value unit" lines; nothing here asserts a
 * timing (a check that is not about time, such as the coverage sums after
 * the pledge storm, makes the command fail).
 *
 *   mbench start NOTIFY_SOCKET LOG CMD ARGS...  start musterd, wait for its
 *                                               sd_notify READY; print
 *                                               "PID MS" (MS: fork to READY)
 *   mbench stop PID TERM|KILL|INT|HUP           signal and wait for exit
 *       (both shared with mtest: tests/tool/daemon_run.c)
 *   mbench freeport                             a free loopback TCP port
 *   mbench intake EP KEYS REF CLIENTS WINDOW TOTAL
 *       CLIENTS intake connections, each with WINDOW person.add requests in
 *       flight, TOTAL persons registered on incident REF
 *   mbench standup EP KEYS PLAN PREFIX AGENCIES REPEATS
 *       AGENCIES listening sessions (agency:PREFIX0001...); Gold stands an
 *       exercise up, waits for every agency to hold its page, stands down
 *   mbench pledge EP KEYS REF PREFIX AGENCIES PER
 *       every agency offers PER pledges at once; then staffing.show must
 *       add up to exactly what was pledged
 *   mbench feed EP FEED_EP KEYS REF WATCHERS CHANGES
 *       WATCHERS feed subscribers (gold and duty keys, alternately); CHANGES
 *       person.add requests, each timed to the last watcher seeing it
 *   mbench underload EP KEYS PLAN REF CLIENTS WINDOW ROWS SECONDS IDLE_SECONDS
 *       Gold standing an exercise of PLAN up once a second (and down when
 *       it is up), duty reading status.show of REF and incident.list (each
 *       every 100 ms; both one request at a time) and pinging with
 *       session.whoami (every 10 ms, not waiting): first IDLE_SECONDS alone,
 *       then SECONDS while CLIENTS intake connections keep WINDOW
 *       person.import requests of ROWS rows each in flight on REF
 *   mbench unread EP KEYS REF PID DB REQUESTS LIMIT CAP_MIB
 *       an intake connection sends REQUESTS person.list (LIMIT persons
 *       each; REF is first given that many) and never reads a reply, while
 *       Gold reads (incident.list, status.show, each every 100 ms); musterd's (PID) RSS is sampled
 * until the audit trail in DB shows every request executed, and for 5 s after the attacker
 * disconnects.  Past CAP_MIB of RSS the attacker is closed at once (the machine is shared) and the
 * run says so.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zmq.h>

#include "client.h"
#include "daemon_run.h"

#define WAIT_MS 60000 /* a bound on waiting for anything, never a measurement */
#define JOIN_STEP 32  /* feed watchers connected but not yet joined, at most (cmd_feed) */

static void *ctx;

/* Request ids are remembered per principal (a repeated id returns the
 * stored reply), so every id of every run carries this run's tag:
 * "<tag>.<what>-<n>". */
static char tag[32];
static unsigned long long serial;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mbench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (0 < p <= 100) of v[0..n), nearest rank; sorts v. */
static double percentile(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_double);
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return v[rank > 0 ? rank - 1 : 0];
}

static void figure(const char *name, double value, const char *unit)
{
    printf("%s %.*f %s\n", name, value >= 100 ? 0 : value >= 10 ? 1 : 2, value, unit);
    fflush(stdout);
}

/* ---- sockets ---- */

static void zctx_init(void)
{
    ctx = zmq_ctx_new();
    if (!ctx || zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 8192) != 0)
        die("cannot make a ZeroMQ context");
}

static void curve_socket(void *s, const char *keys, const char *principal)
{
    struct keypair me;
    char server_pub[41], err[512];
    if (mclient_keys_for(keys, principal, &me, server_pub, err, sizeof(err)) != 0)
        die("%s", err);
    int linger = 0, hwm = 0;
    if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pub, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me.public_z85, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me.secret_z85, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0)
        die("cannot set socket options: %s", zmq_strerror(errno));
}

/* A CURVE DEALER connected to the control endpoint as principal. */
static void *dealer(const char *ep, const char *keys, const char *principal)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s)
        die("cannot make a socket: %s (raise ulimit -n?)", zmq_strerror(errno));
    curve_socket(s, keys, principal);
    if (zmq_connect(s, ep) != 0)
        die("cannot connect to %s: %s", ep, zmq_strerror(errno));
    return s;
}

static void send_text(void *s, const char *text)
{
    if (zmq_send(s, text, strlen(text), 0) < 0)
        die("send: %s", zmq_strerror(errno));
}

/* Send a request built from a jansson object (stolen). */
static void send_json(void *s, json_t *req)
{
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    send_text(s, text);
    free(text);
}

/* The size of the last message recv_json read (the fan-out floor sends
 * messages of the size musterd's pages and events are). */
static size_t recv_bytes;

/* Receive one message without waiting: the parsed object or NULL. */
static json_t *recv_json(void *s)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    json_t *j = NULL;
    if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) >= 0) {
        recv_bytes = zmq_msg_size(&m);
        j = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
        if (!j)
            die("unreadable message from musterd");
    } else if (errno != EAGAIN) {
        die("recv: %s", zmq_strerror(errno));
    }
    zmq_msg_close(&m);
    return j;
}

static bool reply_ok(json_t *r)
{
    return json_is_true(json_object_get(r, "ok"));
}

static const char *reply_error(json_t *r)
{
    const char *m = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
    return m ? m : "(no message)";
}

/* The index n of a request id "tag-n", or -1. */
static long id_index(json_t *r)
{
    const char *id = json_string_value(json_object_get(r, "id"));
    const char *dash = id ? strrchr(id, '-') : NULL;
    return dash ? strtol(dash + 1, NULL, 10) : -1;
}

/* ---- waiting on many sockets ---- */

/* epoll on each socket's ZMQ_FD, so that a wait costs what is ready, not
 * what is open: zmq_poll over 1,000 sockets would make this client the
 * bottleneck of what it measures.  ZMQ_FD only says "look at
 * ZMQ_EVENTS"; every caller drains a ready socket until EAGAIN, after which
 * the next message signals it again.  When nothing has signalled for 10 ms
 * every socket is looked at anyway (a safety net, never the normal path). */
struct mux {
    int ep, n;
    void **socks;
    int *ready;
};

static bool readable(void *s)
{
    int ev = 0;
    size_t len = sizeof(ev);
    if (zmq_getsockopt(s, ZMQ_EVENTS, &ev, &len) != 0)
        die("ZMQ_EVENTS: %s", zmq_strerror(errno));
    return ev & ZMQ_POLLIN;
}

static void mux_init(struct mux *x, void **socks, int n)
{
    x->ep = epoll_create1(EPOLL_CLOEXEC);
    x->n = n;
    x->socks = socks;
    x->ready = calloc((size_t)n, sizeof(*x->ready));
    if (x->ep < 0 || !x->ready)
        die("epoll: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        int fd = -1;
        size_t len = sizeof(fd);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (zmq_getsockopt(socks[i], ZMQ_FD, &fd, &len) != 0 ||
            epoll_ctl(x->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            die("epoll_ctl: %s", strerror(errno));
    }
}

static void mux_free(struct mux *x)
{
    close(x->ep);
    free(x->ready);
}

/* Wait up to ms; the sockets with a message to read are x->ready[0..n). */
static int mux_wait(struct mux *x, int ms)
{
    struct epoll_event ev[256];
    int got = epoll_wait(x->ep, ev, 256, ms < 10 ? ms : 10), k = 0;
    if (got < 0 && errno != EINTR)
        die("epoll_wait: %s", strerror(errno));
    if (got <= 0) {
        for (int i = 0; i < x->n; i++)
            if (readable(x->socks[i]))
                x->ready[k++] = i;
        return k;
    }
    for (int j = 0; j < got; j++)
        if (readable(x->socks[ev[j].data.u32]))
            x->ready[k++] = (int)ev[j].data.u32;
    return k;
}

/* One request and its reply, waiting (pushed pages that arrive meanwhile
 * are dropped). */
static json_t *call(void *s, const char *cmd, json_t *args)
{
    static long n;
    char id[64];
    snprintf(id, sizeof(id), "%s.call-%ld", tag, n++);
    send_json(
        s, json_pack("{s:s, s:s, s:o}", "id", id, "cmd", cmd, "args", args ? args : json_object()));
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    double end = now_ms() + WAIT_MS;
    while (now_ms() < end) {
        if (zmq_poll(&item, 1, 1000) < 0)
            die("poll: %s", zmq_strerror(errno));
        json_t *r;
        while ((r = recv_json(s))) {
            const char *rid = json_string_value(json_object_get(r, "id"));
            if (rid && !strcmp(rid, id)) {
                if (!reply_ok(r))
                    die("%s: %s", cmd, reply_error(r));
                return r;
            }
            json_decref(r);
        }
    }
    die("%s: no reply within %d s", cmd, WAIT_MS / 1000);
    return NULL;
}

#define ASK_AGAIN_MS 2000 /* a read not answered by then is asked again */

static void send_whoami(void *s, int i, int round)
{
    char id[64];
    snprintf(id, sizeof(id), "%s.hello-%d-%d", tag, i, round);
    send_json(s, json_pack("{s:s, s:s}", "id", id, "cmd", "session.whoami"));
}

/* Wait for one reply (a message with an id) on each of the first n
 * sockets of x; anything else that arrives meanwhile is dropped.  With
 * ask_again, a socket still without a reply after ASK_AGAIN_MS is sent it
 * again (for a read only): when musterd's handshake guard shuts a
 * connection during a connection storm (many agencies at once on a busy
 * machine), libzmq reconnects, but a request it had already taken from the
 * queue may be gone with the old connection. */
static void collect_replies(struct mux *x, int n, const char *what,
                            void (*ask_again)(void *s, int i, int round))
{
    int left = n, round = 0;
    bool *done = calloc((size_t)n, sizeof(*done));
    double end = now_ms() + WAIT_MS, again = now_ms() + ASK_AGAIN_MS;
    while (left > 0 && now_ms() < end) {
        int nready = mux_wait(x, 1000);
        for (int k = 0; k < nready; k++) {
            int i = x->ready[k];
            json_t *r;
            while ((r = recv_json(x->socks[i]))) {
                if (i < n && json_object_get(r, "id")) {
                    if (!reply_ok(r))
                        die("%s: %s", what, reply_error(r));
                    if (!done[i]) {
                        done[i] = true;
                        left--;
                    }
                }
                json_decref(r);
            }
        }
        if (ask_again && left > 0 && now_ms() >= again) {
            round++;
            for (int i = 0; i < n; i++)
                if (!done[i])
                    ask_again(x->socks[i], i, round);
            again = now_ms() + ASK_AGAIN_MS;
        }
    }
    if (left > 0)
        die("%s: %d of %d connections got no reply", what, left, n);
    free(done);
}

/* Open n DEALERs and wait until each has had one reply (the CURVE and ZAP
 * handshakes done), so that no scenario times connection set-up. */
static void **dealers(const char *ep, const char *keys, const char *prefix, int n)
{
    void **s = calloc((size_t)n + 1, sizeof(*s)); /* room for one more */
    char principal[64];
    for (int i = 0; i < n; i++) {
        if (!strncmp(prefix, "agency:", 7))
            snprintf(principal, sizeof(principal), "%s%04d", prefix, i + 1);
        else
            snprintf(principal, sizeof(principal), "%s", prefix);
        s[i] = dealer(ep, keys, principal);
        send_whoami(s[i], i, 0);
    }
    struct mux x;
    mux_init(&x, s, n);
    collect_replies(&x, n, "session.whoami", send_whoami);
    mux_free(&x);
    return s;
}

/* ---- start and stop: tests/tool/daemon_run.c; a port for the endpoints ---- */

static int cmd_freeport(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        die("no free port");
    printf("%d\n", ntohs(sa.sin_port));
    close(fd);
    return 0;
}

/* ---- durable intake ---- */

/* The person of request i is person base + i: MBENCH_PERSON_BASE (run.sh's
 * scale scenario sets it to the persons stored) keeps a later run's
 * persons from matching an earlier run's as possible duplicates, which
 * would add rows per person as the incident grows. */
static char *person_request(const char *ref, long i)
{
    const char *b = getenv("MBENCH_PERSON_BASE");
    long p = i + (b ? atol(b) : 0);
    static const char *const cats[] = {"survivor", "witness", "injured", "survivor", "responder"};
    static const char *const areas[] = {"cambridge", "fenland", "peterborough", "leeds"};
    char buf[1024];
    snprintf(
        buf, sizeof(buf),
        "{\"id\":\"%s.p-%ld\",\"cmd\":\"person.add\",\"args\":{\"incident\":\"%s\",\"person\":{"
        "\"category\":\"%s\",\"name\":\"Bench Person %ld\",\"dob\":\"19%02ld-%02ld-%02ld\","
        "\"phone\":\"0770 %07ld\",\"home_area\":\"%s\",\"language\":\"en\"}}}",
        tag, i, ref, cats[p % 5], p, 40 + p % 60, 1 + p % 12, 1 + p % 28, p % 10000000,
        areas[p % 4]);
    return strdup(buf);
}

static int cmd_intake(int argc, char **argv)
{
    if (argc != 7)
        die("usage: intake EP KEYS REF CLIENTS WINDOW TOTAL");
    const char *ep = argv[1], *keys = argv[2], *ref = argv[3];
    int n = atoi(argv[4]), window = atoi(argv[5]);
    long total = atol(argv[6]);
    if (n < 1 || window < 1 || total < 1)
        die("intake: CLIENTS, WINDOW and TOTAL must be positive");
    zctx_init();
    void **s = dealers(ep, keys, "intake", n);
    struct mux x;
    mux_init(&x, s, n);
    double *sent = calloc((size_t)total, sizeof(*sent));
    double *lat = calloc((size_t)total, sizeof(*lat));
    double *done_at = calloc((size_t)total, sizeof(*done_at)); /* in order of replies */
    long next = 0, replies = 0, failed = 0;
    const char *first_error = NULL;
    char *error_text = NULL;
    double t0 = now_ms();
    for (int c = 0; c < n; c++) {
        for (int w = 0; w < window && next < total; w++, next++) {
            char *req = person_request(ref, next);
            sent[next] = now_ms();
            send_text(s[c], req);
            free(req);
        }
    }
    double last = now_ms();
    while (replies < total) {
        int nready = mux_wait(&x, 1000);
        if (nready == 0 && now_ms() - last > WAIT_MS)
            die("intake stalled: no reply for %d s after %ld replies", WAIT_MS / 1000, replies);
        for (int k = 0; k < nready; k++) {
            int c = x.ready[k];
            json_t *r;
            while ((r = recv_json(s[c]))) {
                long i = id_index(r);
                last = now_ms();
                if (i < 0 || i >= total)
                    die("intake: a reply with an unknown id");
                lat[i] = last - sent[i];
                done_at[replies++] = last;
                if (!reply_ok(r) && failed++ == 0)
                    first_error = error_text = strdup(reply_error(r));
                json_decref(r);
                if (next < total) {
                    char *req = person_request(ref, next);
                    sent[next++] = now_ms();
                    send_text(s[c], req);
                    free(req);
                }
            }
        }
    }
    double dt = now_ms() - t0;
    figure("intake_persons_per_s", (double)total / (dt / 1000), "persons/s");
    /* The rates over the first and the last tenth: they differ when each
     * registration costs more as the incident grows. */
    long tenth = total / 10;
    if (total >= 10000) {
        figure("intake_persons_per_s_first_tenth",
               (double)tenth / ((done_at[tenth - 1] - t0) / 1000), "persons/s");
        figure("intake_persons_per_s_last_tenth",
               (double)tenth / ((done_at[total - 1] - done_at[total - tenth - 1]) / 1000),
               "persons/s");
    }
    figure("intake_latency_p50", percentile(lat, (size_t)total, 50), "ms");
    figure("intake_latency_p99", percentile(lat, (size_t)total, 99), "ms");
    figure("intake_errors", (double)failed, "requests");
    if (failed)
        fprintf(stderr, "mbench: %ld person.add refused, the first: %s\n", failed, first_error);
    free(error_text);
    for (int c = 0; c < n; c++)
        zmq_close(s[c]);
    free(s);
    mux_free(&x);
    free(sent);
    free(lat);
    free(done_at);
    zmq_ctx_term(ctx);
    return failed ? 1 : 0;
}

/* ---- standup fan-out ---- */

/* Every agency sends agency.listen (a heartbeat); wait for the replies.
 * Pages arriving meanwhile are dropped (they belong to no round). */
static void announce(void **ag, struct mux *x, int n)
{
    for (int i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof(id), "%s.listen%llu-%d", tag, serial, i);
        send_json(ag[i], json_pack("{s:s, s:s}", "id", id, "cmd", "agency.listen"));
    }
    serial++;
    collect_replies(x, n, "agency.listen", NULL);
}

static int cmd_standup(int argc, char **argv)
{
    if (argc != 7)
        die("usage: standup EP KEYS PLAN PREFIX AGENCIES REPEATS");
    const char *ep = argv[1], *keys = argv[2], *plan = argv[3];
    int n = atoi(argv[5]), repeats = atoi(argv[6]);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "agency:%s", argv[4]);
    zctx_init();
    void **gold = dealers(ep, keys, "gold", 1);
    void **ag = dealers(ep, keys, prefix, n);
    ag[n] = gold[0]; /* the agencies, then Gold */
    struct mux x;
    mux_init(&x, ag, n + 1);
    double *fanout = calloc((size_t)repeats, sizeof(*fanout));
    double *first = calloc((size_t)repeats, sizeof(*first));
    double *reply = calloc((size_t)repeats, sizeof(*reply));
    double *got = calloc((size_t)n, sizeof(*got));
    int64_t *page_id = calloc((size_t)n, sizeof(*page_id));
    double heartbeat = 0, page_bytes = 0;
    for (int r = 0; r < repeats; r++) {
        if (now_ms() - heartbeat > 8000) { /* sessions live 30 s after a listen */
            announce(ag, &x, n);
            heartbeat = now_ms();
        }
        char op[64], id[64];
        snprintf(op, sizeof(op), "BENCH-FANOUT-%d-%d", (int)getpid(), r);
        snprintf(id, sizeof(id), "%s.standup-%d", tag, r);
        memset(got, 0, (size_t)n * sizeof(*got));
        double t0 = now_ms(), t_reply = 0;
        send_json(gold[0], json_pack("{s:s, s:s, s:{s:s, s:i, s:b, s:s}}", "id", id, "cmd",
                                     "incident.standup", "args", "plan", plan, "level", 1,
                                     "exercise", 1, "operation", op));
        int left = n;
        char ref[64] = "";
        while ((left > 0 || !t_reply) && now_ms() - t0 < WAIT_MS) {
            int nready = mux_wait(&x, 1000);
            for (int k = 0; k < nready; k++) {
                int i = x.ready[k];
                json_t *m;
                while ((m = recv_json(ag[i]))) {
                    double t = now_ms();
                    json_t *page = json_object_get(m, "page");
                    const char *pop = json_string_value(json_object_get(page, "operation"));
                    if (i == n && json_object_get(m, "id")) {
                        if (!reply_ok(m))
                            die("incident.standup: %s", reply_error(m));
                        t_reply = t;
                        snprintf(ref, sizeof(ref), "%s",
                                 json_string_value(
                                     json_object_get(json_object_get(m, "result"), "ref")));
                    } else if (i < n && page && pop && !strcmp(pop, op) && !got[i]) {
                        got[i] = t;
                        page_bytes += (double)recv_bytes;
                        page_id[i] = (int64_t)json_integer_value(json_object_get(page, "page_id"));
                        left--;
                    }
                    json_decref(m);
                }
            }
        }
        if (left > 0 || !t_reply)
            die("round %d: %d of %d agencies got no page%s", r, left, n,
                t_reply ? "" : ", and Gold no reply");
        double lo = got[0], hi = got[0];
        for (int i = 1; i < n; i++) {
            lo = got[i] < lo ? got[i] : lo;
            hi = got[i] > hi ? got[i] : hi;
        }
        fanout[r] = hi - t0;
        first[r] = lo - t0;
        reply[r] = t_reply - t0;
        /* What a listener does with a page: confirm it (not timed). */
        for (int i = 0; i < n; i++) {
            snprintf(id, sizeof(id), "%s.received%d-%d", tag, r, i);
            send_json(ag[i], json_pack("{s:s, s:s, s:{s:I}}", "id", id, "cmd", "agency.received",
                                       "args", "page_id", (json_int_t)page_id[i]));
        }
        collect_replies(&x, n, "agency.received", NULL);
        json_decref(call(gold[0], "incident.standdown",
                         json_pack("{s:s, s:s}", "ref", ref, "note", "bench round over")));
    }
    figure("standup_fanout_p50", percentile(fanout, (size_t)repeats, 50), "ms");
    figure("standup_fanout_p99", percentile(fanout, (size_t)repeats, 99), "ms");
    figure("standup_first_page_p50", percentile(first, (size_t)repeats, 50), "ms");
    figure("standup_reply_p50", percentile(reply, (size_t)repeats, 50), "ms");
    figure("standup_page_bytes", page_bytes / repeats / n, "bytes");
    for (int i = 0; i < n; i++)
        zmq_close(ag[i]);
    zmq_close(gold[0]);
    free(ag);
    free(gold);
    mux_free(&x);
    free(fanout);
    free(first);
    free(reply);
    free(got);
    free(page_id);
    zmq_ctx_term(ctx);
    return 0;
}

/* ---- pledge storm ---- */

struct cell {
    char shift[80], role[48];
    long pledged;
};

static struct cell *cell_find(struct cell *cells, size_t n, const char *shift, const char *role)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(cells[i].shift, shift) && !strcmp(cells[i].role, role))
            return &cells[i];
    return NULL;
}

static int cmd_pledge(int argc, char **argv)
{
    if (argc != 7)
        die("usage: pledge EP KEYS REF PREFIX AGENCIES PER");
    const char *ep = argv[1], *keys = argv[2], *ref = argv[3];
    int n = atoi(argv[5]), per = atoi(argv[6]);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "agency:%s", argv[4]);
    zctx_init();
    void **duty = dealers(ep, keys, "duty", 1);
    json_t *show = call(duty[0], "staffing.show", json_pack("{s:s}", "incident", ref));
    json_t *res = json_object_get(show, "result");
    json_t *shifts = json_object_get(res, "shifts"), *roles = json_object_get(res, "roles");
    size_t nshifts = json_array_size(shifts), nroles = json_array_size(roles);
    if (!nshifts || !nroles)
        die("incident %s has no shifts or roles", ref);
    /* What each cell must hold at the end: what the storm pledges. */
    struct cell *want = calloc(nshifts * nroles, sizeof(*want));
    for (size_t s = 0; s < nshifts; s++)
        for (size_t r = 0; r < nroles; r++) {
            struct cell *c = &want[s * nroles + r];
            snprintf(c->shift, sizeof(c->shift), "%s",
                     json_string_value(json_object_get(json_array_get(shifts, s), "key")));
            snprintf(c->role, sizeof(c->role), "%s",
                     json_string_value(json_object_get(json_array_get(roles, r), "id")));
        }
    void **ag = dealers(ep, keys, prefix, n);
    struct mux x;
    mux_init(&x, ag, n);
    long total = (long)n * per;
    double *sent = calloc((size_t)total, sizeof(*sent));
    double *lat = calloc((size_t)total, sizeof(*lat));
    char **reqs = calloc((size_t)total, sizeof(*reqs));
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < per; k++) {
            long idx = (long)i * per + k;
            size_t role = (size_t)(i + k) % nroles, s0 = (size_t)(i * 3 + k) % nshifts;
            size_t span = (size_t)(i + k) % 2 + 1; /* one shift or two in a row */
            if (span > nshifts)
                span = nshifts;
            int count = 1 + (i * 7 + k) % 5;
            json_t *sh = json_array();
            for (size_t j = 0; j < span; j++) {
                struct cell *c = &want[((s0 + j) % nshifts) * nroles + role];
                json_array_append_new(sh, json_string(c->shift));
                c->pledged += count;
            }
            char id[64];
            snprintf(id, sizeof(id), "%s.pledge-%ld", tag, idx);
            json_t *req =
                json_pack("{s:s, s:s, s:{s:s, s:s, s:i, s:o, s:s}}", "id", id, "cmd",
                          "pledge.offer", "args", "incident", ref, "role", want[role].role, "count",
                          count, "shifts", sh, "note", "bench pledge storm");
            reqs[idx] = json_dumps(req, JSON_COMPACT);
            json_decref(req);
        }
    }
    /* The storm: every agency sends all its pledges at once. */
    double t0 = now_ms();
    for (int k = 0; k < per; k++)
        for (int i = 0; i < n; i++) {
            long idx = (long)i * per + k;
            sent[idx] = now_ms();
            send_text(ag[i], reqs[idx]);
        }
    long replies = 0, failed = 0;
    double last = now_ms();
    while (replies < total) {
        int nready = mux_wait(&x, 1000);
        if (nready == 0 && now_ms() - last > WAIT_MS)
            die("pledge storm stalled after %ld replies", replies);
        for (int k = 0; k < nready; k++) {
            int i = x.ready[k];
            json_t *m;
            while ((m = recv_json(ag[i]))) {
                if (json_object_get(m, "id")) { /* not a page */
                    long idx = id_index(m);
                    last = now_ms();
                    if (idx < 0 || idx >= total)
                        die("pledge: a reply with an unknown id");
                    lat[idx] = last - sent[idx];
                    replies++;
                    if (!reply_ok(m) && failed++ == 0)
                        fprintf(stderr, "mbench: pledge.offer refused: %s\n", reply_error(m));
                }
                json_decref(m);
            }
        }
    }
    double dt = now_ms() - t0;
    figure("pledge_per_s", (double)total / (dt / 1000), "pledges/s");
    figure("pledge_latency_p50", percentile(lat, (size_t)total, 50), "ms");
    figure("pledge_latency_p99", percentile(lat, (size_t)total, 99), "ms");
    /* Coverage: each cell's pledged sum equals what the storm pledged. */
    json_decref(show);
    show = call(duty[0], "staffing.show", json_pack("{s:s}", "incident", ref));
    json_t *cells = json_object_get(json_object_get(show, "result"), "cells"), *c;
    size_t i, checked = 0, wrong = 0;
    json_array_foreach(cells, i, c)
    {
        struct cell *w =
            cell_find(want, nshifts * nroles, json_string_value(json_object_get(c, "shift")),
                      json_string_value(json_object_get(c, "role")));
        long pledged = (long)json_integer_value(json_object_get(c, "pledged"));
        checked++;
        if (!w || w->pledged != pledged) {
            wrong++;
            fprintf(stderr, "mbench: cell %s/%s: pledged %ld, expected %ld\n",
                    json_string_value(json_object_get(c, "shift")),
                    json_string_value(json_object_get(c, "role")), pledged, w ? w->pledged : 0);
        }
    }
    if (checked != nshifts * nroles) {
        wrong++;
        fprintf(stderr, "mbench: %zu coverage cells, expected %zu\n", checked, nshifts * nroles);
    }
    figure("pledge_coverage_cells_wrong", (double)wrong, "cells");
    figure("pledge_errors", (double)failed, "requests");
    json_decref(show);
    for (int a = 0; a < n; a++)
        zmq_close(ag[a]);
    zmq_close(duty[0]);
    for (long k = 0; k < total; k++)
        free(reqs[k]);
    free(reqs);
    free(ag);
    free(duty);
    mux_free(&x);
    free(sent);
    free(lat);
    free(want);
    zmq_ctx_term(ctx);
    return wrong || failed ? 1 : 0;
}

/* ---- feed fan-out ---- */

static size_t event_bytes; /* the body of the last event a watcher read */

/* Read everything a watcher has (its subscription is person.registered
 * only): the highest person id among the registrations, or 0 for none. */
static int64_t watcher_read(void *sub, long long *last_seq, long *gaps)
{
    int64_t person = 0;
    for (;;) {
        zmq_msg_t kind, body;
        zmq_msg_init(&kind);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&kind, sub, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&kind);
            zmq_msg_close(&body);
            return person;
        }
        if (zmq_msg_recv(&body, sub, 0) < 0)
            die("feed: a message without a body");
        json_t *j = json_loadb(zmq_msg_data(&body), zmq_msg_size(&body), 0, NULL);
        event_bytes = zmq_msg_size(&body);
        long long seq = json_integer_value(json_object_get(j, "seq"));
        if (*last_seq > 0 && seq <= *last_seq)
            (*gaps)++; /* seq must grow (only one kind is subscribed: it jumps) */
        *last_seq = seq;
        int64_t p =
            (int64_t)json_integer_value(json_object_get(json_object_get(j, "data"), "person"));
        person = p > person ? p : person;
        json_decref(j);
        zmq_msg_close(&kind);
        zmq_msg_close(&body);
    }
}

static int cmd_feed(int argc, char **argv)
{
    if (argc != 7)
        die("usage: feed EP FEED_EP KEYS REF WATCHERS CHANGES");
    const char *ep = argv[1], *feed_ep = argv[2], *keys = argv[3], *ref = argv[4];
    int n = atoi(argv[5]), changes = atoi(argv[6]);
    zctx_init();
    void **intake = dealers(ep, keys, "intake", 1);
    void **sub = calloc((size_t)n + 1, sizeof(*sub)); /* the watchers, then intake */
    for (int i = 0; i < n; i++) {
        sub[i] = zmq_socket(ctx, ZMQ_SUB);
        if (!sub[i])
            die("cannot make socket %d: %s (raise ulimit -n?)", i, zmq_strerror(errno));
        curve_socket(sub[i], keys, i % 2 ? "duty" : "gold");
        /* Only registrations: everything else on the feed stays in musterd. */
        zmq_setsockopt(sub[i], ZMQ_SUBSCRIBE, "person.registered", 17);
    }
    sub[n] = intake[0];
    struct mux x;
    mux_init(&x, sub, n + 1);
    long long *last_seq = calloc((size_t)n, sizeof(*last_seq));
    double *got = calloc((size_t)n, sizeof(*got));
    long gaps = 0;
    /* Slow joiners: a subscription reaches musterd some time after the
     * connection; register probe persons until every watcher has seen
     * one.  At most JOIN_STEP watchers are connected and not yet joined
     * at any time (one more connects as each joins): musterd's connection
     * guard lets 64 handshakes
     * be pending and sheds the oldest beyond that, so 1,000 connections
     * made in the same millisecond are a flood to it, and their
     * reconnections (every 100 to 200 ms) can keep every handshake from
     * finishing (one make bench saw 148 of 1,000 join in a minute). */
    int joined = 0, probes = 0, connected = 0;
    double end = now_ms() + WAIT_MS;
    while (joined < n && now_ms() < end) {
        for (; connected < n && connected < joined + JOIN_STEP; connected++)
            if (zmq_connect(sub[connected], feed_ep) != 0)
                die("cannot connect to %s: %s", feed_ep, zmq_strerror(errno));
        json_decref(call(intake[0], "person.add",
                         json_pack("{s:s, s:{s:s, s:s}}", "incident", ref, "person", "category",
                                   "other", "name", "Feed probe")));
        probes++;
        double until = now_ms() + 200;
        while (joined < connected && now_ms() < until) {
            int nready = mux_wait(&x, 50);
            for (int k = 0; k < nready; k++) {
                int i = x.ready[k];
                if (i < n && watcher_read(sub[i], &last_seq[i], &gaps) && !got[i]) {
                    got[i] = 1;
                    joined++;
                }
            }
        }
    }
    if (joined < n)
        die("only %d of %d watchers receive the feed", joined, n);
    gaps = 0;
    int64_t *newest = calloc((size_t)n, sizeof(*newest));
    double *seen_at = calloc((size_t)n, sizeof(*seen_at));
    double *last = calloc((size_t)changes, sizeof(*last));
    double *first = calloc((size_t)changes, sizeof(*first));
    double *reply = calloc((size_t)changes, sizeof(*reply));
    double *each = calloc((size_t)changes * (size_t)n, sizeof(*each));
    for (int k = 0; k < changes; k++) {
        char id[64];
        snprintf(id, sizeof(id), "%s.change-%d", tag, k);
        double t0 = now_ms();
        send_json(intake[0], json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s}}}", "id", id, "cmd",
                                       "person.add", "args", "incident", ref, "person", "category",
                                       "witness", "name", "Feed change"));
        /* The person's id comes with the reply, and its event may come
         * first: keep each watcher's newest registration and its time. */
        int64_t person = -1;
        int left = n;
        double t_reply = 0;
        while ((left > 0 || person < 0) && now_ms() - t0 < WAIT_MS) {
            int nready = mux_wait(&x, 1000);
            for (int j = 0; j < nready; j++) {
                int i = x.ready[j];
                json_t *r;
                while (i == n && (r = recv_json(intake[0]))) {
                    if (!reply_ok(r))
                        die("person.add: %s", reply_error(r));
                    person = (int64_t)json_integer_value(
                        json_object_get(json_object_get(r, "result"), "person"));
                    t_reply = now_ms();
                    json_decref(r);
                }
                int64_t p = i < n ? watcher_read(sub[i], &last_seq[i], &gaps) : 0;
                if (p > newest[i]) {
                    newest[i] = p;
                    seen_at[i] = now_ms();
                }
            }
            left = 0;
            for (int i = 0; i < n; i++)
                left += person < 0 || newest[i] < person;
        }
        if (left > 0 || person < 0)
            die("change %d: %d of %d watchers did not see it", k, left, n);
        double hi = 0, lo = WAIT_MS;
        for (int i = 0; i < n; i++) {
            each[(size_t)k * (size_t)n + (size_t)i] = seen_at[i] - t0;
            hi = seen_at[i] - t0 > hi ? seen_at[i] - t0 : hi;
            lo = seen_at[i] - t0 < lo ? seen_at[i] - t0 : lo;
        }
        last[k] = hi;
        first[k] = lo;
        reply[k] = t_reply - t0;
    }
    figure("feed_last_watcher_p50", percentile(last, (size_t)changes, 50), "ms");
    figure("feed_last_watcher_p99", percentile(last, (size_t)changes, 99), "ms");
    figure("feed_first_watcher_p50", percentile(first, (size_t)changes, 50), "ms");
    figure("feed_any_watcher_p50", percentile(each, (size_t)changes * (size_t)n, 50), "ms");
    figure("feed_change_reply_p50", percentile(reply, (size_t)changes, 50), "ms");
    figure("feed_event_bytes", (double)event_bytes, "bytes");
    figure("feed_out_of_order", (double)gaps, "events");
    for (int i = 0; i < n; i++)
        zmq_close(sub[i]);
    zmq_close(intake[0]);
    free(sub);
    free(intake);
    mux_free(&x);
    free(last_seq);
    free(got);
    free(last);
    free(first);
    free(reply);
    free(each);
    free(newest);
    free(seen_at);
    zmq_ctx_term(ctx);
    return gaps ? 1 : 0;
}

/* ---- probes: the users who are not loading the daemon ---- */

/* A growing list of latencies. */
struct samples {
    double *v;
    size_t n, cap;
};

static void samples_add(struct samples *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (!s->v)
            die("out of memory");
    }
    s->v[s->n++] = x;
}

static double samples_max(const struct samples *s)
{
    double hi = 0;
    for (size_t i = 0; i < s->n; i++)
        hi = s->v[i] > hi ? s->v[i] : hi;
    return hi;
}

#define PROBE_KINDS 2
#define PROBE_TIMEOUT_MS 10000 /* a request unanswered this long is counted, not awaited */

/* One user of the daemon sending on a fixed schedule: Gold standing
 * exercises up (and each down as soon as it is up) and duty reading the
 * board, as people do, one request at a time (`closed`: the next is sent
 * on schedule or when the reply comes, whichever is later); the ping
 * whether or not earlier replies have come, so that a stall of the daemon
 * shows in every ping it delays, not in one.  The kinds of
 * a probe are sent in turn; each is timed on its own.  A request with no
 * reply within PROBE_TIMEOUT_MS is counted in `unanswered` (a late reply
 * is then dropped). */
struct probe {
    const char *cmds[PROBE_KINDS];
    int nkinds;
    bool pair;   /* kind 1 is not scheduled: it follows each kind 0 reply */
    bool closed; /* one request (or pair) in flight at most, as one person works */
    void *s;
    const char *incident; /* for status.show */
    const char *plan;     /* for incident.standup */
    double every, next_at;
    bool sending;
    long n, oldest, turn; /* requests sent; the oldest maybe in flight */
    double *sent_at;      /* by request index; 0 once answered or given up */
    int *kind;            /* by request index */
    size_t cap;
    long inflight, unanswered, refused;
    double last_reply, gap_max; /* the longest wait between two replies */
    struct samples lat[PROBE_KINDS];
};

static void probe_init(struct probe *p, void *s, double every, const char *cmd0, const char *cmd1)
{
    memset(p, 0, sizeof(*p));
    p->s = s;
    p->every = every;
    p->cmds[0] = cmd0;
    p->cmds[1] = cmd1;
    p->nkinds = cmd1 ? 2 : 1;
    p->sending = true;
}

static json_t *probe_args(struct probe *p, const char *cmd, const char *ref, long n)
{
    char op[64];
    if (!strcmp(cmd, "incident.standup")) {
        snprintf(op, sizeof(op), "BENCH-%s-%ld", tag, n);
        return json_pack("{s:s, s:i, s:b, s:s}", "plan", p->plan, "level", 1, "exercise", 1,
                         "operation", op);
    }
    if (!strcmp(cmd, "incident.standdown"))
        return json_pack("{s:s, s:s}", "ref", ref, "note", "bench standdown");
    if (!strcmp(cmd, "status.show"))
        return json_pack("{s:s}", "incident", p->incident);
    return json_object();
}

/* Send a request of kind k (ref: the incident to stand down). */
static void probe_send(struct probe *p, int k, const char *ref)
{
    if ((size_t)p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1024;
        p->sent_at = realloc(p->sent_at, p->cap * sizeof(*p->sent_at));
        p->kind = realloc(p->kind, p->cap * sizeof(*p->kind));
        if (!p->sent_at || !p->kind)
            die("out of memory");
    }
    char id[64];
    snprintf(id, sizeof(id), "%s.probe-%ld", tag, p->n);
    send_json(p->s, json_pack("{s:s, s:s, s:o}", "id", id, "cmd", p->cmds[k], "args",
                              probe_args(p, p->cmds[k], ref, p->n)));
    p->kind[p->n] = k;
    p->sent_at[p->n++] = now_ms();
    p->inflight++;
}

/* Give up on requests older than PROBE_TIMEOUT_MS; send what is due. */
static void probe_tick(struct probe *p, double now)
{
    for (; p->oldest < p->n; p->oldest++) {
        double t = p->sent_at[p->oldest];
        if (t && now - t <= PROBE_TIMEOUT_MS)
            break;
        if (t) {
            if (p->unanswered++ == 0)
                fprintf(stderr, "mbench: %s got no reply within %d s\n",
                        p->cmds[p->kind[p->oldest]], PROBE_TIMEOUT_MS / 1000);
            p->sent_at[p->oldest] = 0;
            p->inflight--;
        }
    }
    if (!p->sending || now < p->next_at || (p->closed && p->inflight > 0))
        return;
    probe_send(p, p->pair ? 0 : (int)(p->turn++ % p->nkinds), NULL);
    p->next_at = p->next_at + p->every > now ? p->next_at + p->every : now + p->every;
}

/* Read what the probe's socket holds and time each reply. */
static void probe_read(struct probe *p)
{
    json_t *r;
    while ((r = recv_json(p->s))) {
        long i = id_index(r);
        if (i >= 0 && i < p->n && p->sent_at[i]) {
            int k = p->kind[i];
            double now = now_ms();
            if (p->last_reply && now - p->last_reply > p->gap_max)
                p->gap_max = now - p->last_reply;
            p->last_reply = now;
            samples_add(&p->lat[k], now - p->sent_at[i]);
            p->sent_at[i] = 0;
            p->inflight--;
            const char *ref =
                json_string_value(json_object_get(json_object_get(r, "result"), "ref"));
            if (!reply_ok(r) && p->refused++ == 0)
                fprintf(stderr, "mbench: %s refused: %s\n", p->cmds[k], reply_error(r));
            else if (p->pair && k == 0 && ref)
                probe_send(p, 1, ref);
        }
        json_decref(r);
    }
}

/* Milliseconds until the first probe is due (0 to 10). */
static int probes_due_in(struct probe *ps, int n, double now)
{
    double wait = 10;
    for (int i = 0; i < n; i++)
        if (ps[i].sending && ps[i].next_at - now < wait)
            wait = ps[i].next_at - now;
    return wait > 0 ? (int)wait : 0;
}

/* Stop sending and wait for the replies in flight (each has its deadline;
 * Gold still stands down what comes up meanwhile). */
static void probes_drain(struct probe *ps, int n, struct mux *x)
{
    for (int i = 0; i < n; i++)
        ps[i].sending = false;
    for (;;) {
        long busy = 0;
        for (int i = 0; i < n; i++) {
            probe_tick(&ps[i], now_ms());
            busy += ps[i].inflight;
        }
        if (!busy)
            return;
        int nready = mux_wait(x, 10);
        for (int k = 0; k < nready; k++)
            for (int i = 0; i < n; i++)
                if (x->socks[x->ready[k]] == ps[i].s)
                    probe_read(&ps[i]);
    }
}

/* Forget the figures (after a drain); the probe sends again. */
static void probe_reset(struct probe *p)
{
    for (int k = 0; k < PROBE_KINDS; k++) {
        free(p->lat[k].v);
        memset(&p->lat[k], 0, sizeof(p->lat[k]));
    }
    p->unanswered = p->refused = 0;
    p->last_reply = p->gap_max = 0;
    p->sending = true;
    p->next_at = 0;
}

static void probe_free(struct probe *p)
{
    probe_reset(p);
    free(p->sent_at);
    free(p->kind);
}

/* "<prefix>_<what>_p50|p99|max" for one kind, or for every kind pooled. */
static void probe_figures(const char *prefix, const char *what, struct probe *p, int kind)
{
    struct samples all = {0};
    for (int k = 0; k < p->nkinds; k++)
        if (kind < 0 || k == kind)
            for (size_t i = 0; i < p->lat[k].n; i++)
                samples_add(&all, p->lat[k].v[i]);
    char name[128];
    snprintf(name, sizeof(name), "%s_%s_count", prefix, what);
    figure(name, (double)all.n, "requests");
    snprintf(name, sizeof(name), "%s_%s_p50", prefix, what);
    figure(name, percentile(all.v, all.n, 50), "ms");
    snprintf(name, sizeof(name), "%s_%s_p99", prefix, what);
    figure(name, percentile(all.v, all.n, 99), "ms");
    snprintf(name, sizeof(name), "%s_%s_max", prefix, what);
    figure(name, samples_max(&all), "ms");
    free(all.v);
}

static long probes_unanswered(struct probe *ps, int n)
{
    long k = 0;
    for (int i = 0; i < n; i++)
        k += ps[i].unanswered;
    return k;
}

static long probes_refused(struct probe *ps, int n)
{
    long k = 0;
    for (int i = 0; i < n; i++)
        k += ps[i].refused;
    return k;
}

/* ---- command under intake load ---- */

/* A person.import request of `rows` rows, persons first .. first+rows-1. */
static char *import_request(const char *ref, const char *id, long first, int rows)
{
    static const char *const cats[] = {"survivor", "witness", "injured", "survivor", "responder"};
    static const char *const areas[] = {"cambridge", "fenland", "peterborough", "leeds"};
    size_t cap = 256 + (size_t)rows * 256, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        die("out of memory");
    len += (size_t)snprintf(buf, cap,
                            "{\"id\":\"%s\",\"cmd\":\"person.import\",\"args\":{\"incident\":"
                            "\"%s\",\"rows\":[",
                            id, ref);
    for (long i = first; i < first + rows; i++)
        len += (size_t)snprintf(
            buf + len, cap - len,
            "%s{\"line\":%ld,\"person\":{\"category\":\"%s\",\"name\":\"Load %s %ld\","
            "\"dob\":\"19%02ld-%02ld-%02ld\",\"phone\":\"0771 %07ld\",\"home_area\":\"%s\","
            "\"language\":\"en\"}}",
            i > first ? "," : "", i - first + 2, cats[i % 5], tag, i, 40 + i % 60, 1 + i % 12,
            1 + i % 28, i % 10000000, areas[i % 4]);
    snprintf(buf + len, cap - len, "]}}");
    return buf;
}

/* The intake side: CLIENTS connections, WINDOW imports in flight each. */
struct importers {
    void **s;
    int n, window, rows;
    const char *ref;
    long next_person, sent, replies, stored, failed;
    bool sending;
    double last_reply;
    double *sent_at; /* by request index, grown as needed */
    size_t cap;
    struct samples lat;
};

static void import_send(struct importers *im, int c)
{
    if ((size_t)im->sent == im->cap) {
        im->cap = im->cap ? 2 * im->cap : 1024;
        im->sent_at = realloc(im->sent_at, im->cap * sizeof(*im->sent_at));
        if (!im->sent_at)
            die("out of memory");
    }
    char id[64];
    snprintf(id, sizeof(id), "%s.import-%ld", tag, im->sent);
    char *req = import_request(im->ref, id, im->next_person, im->rows);
    im->next_person += im->rows;
    im->sent_at[im->sent++] = now_ms();
    send_text(im->s[c], req);
    free(req);
}

/* Read client c's replies; while sending, each reply makes room for the
 * next import on the same connection. */
static void import_read(struct importers *im, int c)
{
    json_t *r;
    while ((r = recv_json(im->s[c]))) {
        long i = id_index(r);
        if (i < 0 || i >= im->sent)
            die("person.import: a reply with an unknown id");
        im->last_reply = now_ms();
        samples_add(&im->lat, im->last_reply - im->sent_at[i]);
        im->replies++;
        if (reply_ok(r))
            im->stored +=
                (long)json_integer_value(json_object_get(json_object_get(r, "result"), "stored"));
        else if (im->failed++ == 0)
            fprintf(stderr, "mbench: person.import refused: %s\n", reply_error(r));
        json_decref(r);
        if (im->sending)
            import_send(im, c);
    }
}

/* One turn: send what is due, wait a little, read what came. */
static void load_turn(struct mux *x, struct probe *ps, int np, struct importers *im)
{
    for (int i = 0; i < np; i++)
        probe_tick(&ps[i], now_ms());
    int nready = mux_wait(x, probes_due_in(ps, np, now_ms()));
    for (int k = 0; k < nready; k++) {
        int i = x->ready[k];
        if (im && i < im->n)
            import_read(im, i);
        else
            probe_read(&ps[i - (im ? im->n : 0)]);
    }
}

/* Run the probes (and the importers, when im is not NULL) for ms, then
 * stop sending and wait for every reply: a probe's for PROBE_TIMEOUT_MS at
 * most, the importers' until none has come for WAIT_MS. */
static void load_phase(struct mux *x, struct probe *ps, int np, struct importers *im, double ms)
{
    double end = now_ms() + ms;
    if (im) {
        im->sending = true;
        for (int c = 0; c < im->n; c++)
            for (int w = 0; w < im->window; w++)
                import_send(im, c);
    }
    while (now_ms() < end)
        load_turn(x, ps, np, im);
    if (im)
        im->sending = false;
    for (int i = 0; i < np; i++)
        ps[i].sending = false;
    for (;;) {
        bool busy = im && im->replies < im->sent && now_ms() - im->last_reply < WAIT_MS;
        for (int i = 0; i < np; i++)
            busy |= ps[i].inflight > 0;
        if (!busy)
            break;
        load_turn(x, ps, np, im);
    }
    if (im && im->replies < im->sent)
        fprintf(stderr, "mbench: %ld person.import got no reply within %d s\n",
                im->sent - im->replies, WAIT_MS / 1000);
}

static void load_figures(const char *prefix, struct probe *ps)
{
    probe_figures(prefix, "standup", &ps[0], 0);
    probe_figures(prefix, "standdown", &ps[0], 1);
    probe_figures(prefix, "status_show", &ps[1], 0);
    probe_figures(prefix, "incident_list", &ps[1], 1);
    probe_figures(prefix, "duty_read", &ps[1], -1);
    probe_figures(prefix, "ping", &ps[2], 0);
    /* Pings go every 10 ms: a longer silence is the loop being away. */
    char name[64];
    snprintf(name, sizeof(name), "%s_ping_reply_gap_max", prefix);
    figure(name, ps[2].gap_max, "ms");
}

static int cmd_underload(int argc, char **argv)
{
    if (argc != 10)
        die("usage: underload EP KEYS PLAN REF CLIENTS WINDOW ROWS SECONDS IDLE_SECONDS");
    const char *ep = argv[1], *keys = argv[2];
    struct importers im = {
        .ref = argv[4], .n = atoi(argv[5]), .window = atoi(argv[6]), .rows = atoi(argv[7])};
    double secs = atof(argv[8]), idle = atof(argv[9]);
    if (im.n < 1 || im.window < 1 || im.rows < 1 || im.rows > 500 || secs <= 0 || idle < 0)
        die("underload: CLIENTS, WINDOW, SECONDS positive, ROWS 1 to 500");
    zctx_init();
    im.s = dealers(ep, keys, "intake", im.n);
    void **users = dealers(ep, keys, "gold", 1), **duty = dealers(ep, keys, "duty", 2);
    void **all = calloc((size_t)im.n + 3, sizeof(*all));
    memcpy(all, im.s, (size_t)im.n * sizeof(*all));
    all[im.n] = users[0];
    all[im.n + 1] = duty[0];
    all[im.n + 2] = duty[1];
    struct probe ps[3];
    probe_init(&ps[0], users[0], 1000, "incident.standup", "incident.standdown");
    ps[0].plan = argv[3];
    ps[0].pair = ps[0].closed = true;
    probe_init(&ps[1], duty[0], 50, "status.show", "incident.list"); /* each every 100 ms */
    ps[1].incident = im.ref;
    ps[1].closed = true;
    probe_init(&ps[2], duty[1], 10, "session.whoami", NULL);
    /* Idle: the users alone; x covers only their sockets. */
    struct mux xi, xl;
    mux_init(&xi, all + im.n, 3);
    long unanswered = 0, refused = 0;
    if (idle > 0) {
        load_phase(&xi, ps, 3, NULL, idle * 1000);
        load_figures("idle", ps);
        unanswered = probes_unanswered(ps, 3);
        refused = probes_refused(ps, 3);
        for (int i = 0; i < 3; i++)
            probe_reset(&ps[i]);
    }
    /* Under load: the same users while the importers run flat out. */
    mux_init(&xl, all, im.n + 3);
    double t0 = im.last_reply = now_ms();
    load_phase(&xl, ps, 3, &im, secs * 1000);
    double dt = im.last_reply - t0;
    figure("underload_import_persons_per_s", (double)im.stored / (dt / 1000), "persons/s");
    figure("underload_import_persons", (double)im.stored, "persons");
    figure("underload_import_latency_p50", percentile(im.lat.v, im.lat.n, 50), "ms");
    figure("underload_import_latency_p99", percentile(im.lat.v, im.lat.n, 99), "ms");
    figure("underload_import_errors", (double)im.failed, "requests");
    figure("underload_import_unanswered", (double)(im.sent - im.replies), "requests");
    load_figures("underload", ps);
    figure("underload_users_unanswered", (double)(unanswered + probes_unanswered(ps, 3)),
           "requests");
    refused += probes_refused(ps, 3);
    for (int i = 0; i < im.n + 3; i++)
        zmq_close(all[i]);
    for (int i = 0; i < 3; i++)
        probe_free(&ps[i]);
    mux_free(&xi);
    mux_free(&xl);
    free(all);
    free(im.s);
    free(users);
    free(duty);
    free(im.sent_at);
    free(im.lat.v);
    zmq_ctx_term(ctx);
    /* Users' requests refused, or imports refused: something is wrong. */
    return refused || im.failed ? 1 : 0;
}

/* ---- unread replies ---- */

/* VmRSS or VmHWM ("VmRSS", "VmHWM") of process pid in MiB; -1 if gone. */
static double proc_mib(int pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    double v = -1;
    size_t flen = strlen(field);
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, field, flen) && line[flen] == ':')
            v = atof(line + flen + 1) / 1024;
    if (f)
        fclose(f);
    return v;
}

/* How many person.list requests intake has made since audit row `after`
 * (musterd audits each read, in the batch after it): the attacker's
 * requests that musterd has executed. */
static long audited_lists(sqlite3 *db, long long after)
{
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT COUNT(*) FROM audit WHERE id > ?1 AND principal = 'intake'"
                           " AND command = 'person.list'",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static long long audit_last(sqlite3 *db)
{
    sqlite3_stmt *st;
    long long id = 0;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(id), 0) FROM audit", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

/* Make sure incident ref has at least want persons (imported 500 at a
 * time); return the size in bytes of a person.list reply of `want`. */
static size_t unread_seed(void *s, const char *ref, long want)
{
    json_t *r =
        call(s, "person.list", json_pack("{s:s, s:I}", "incident", ref, "limit", (json_int_t)want));
    long have = (long)json_array_size(json_object_get(json_object_get(r, "result"), "persons"));
    json_decref(r);
    for (long i = have; i < want; i += 500) {
        char id[64];
        snprintf(id, sizeof(id), "%s.seed-%ld", tag, i);
        char *req = import_request(ref, id, 1000000 + i, want - i < 500 ? (int)(want - i) : 500);
        json_t *j = json_loads(req, 0, NULL);
        free(req);
        json_t *args = json_incref(json_object_get(j, "args"));
        json_decref(j);
        json_decref(call(s, "person.import", args));
    }
    r = call(s, "person.list", json_pack("{s:s, s:I}", "incident", ref, "limit", (json_int_t)want));
    char *text = json_dumps(r, JSON_COMPACT);
    size_t len = strlen(text);
    free(text);
    json_decref(r);
    return len;
}

/* The attacker: a valid intake key on a socket that holds at most one
 * reply and a small TCP buffer, and is never read. */
static void *unread_attacker(const char *ep, const char *keys)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s)
        die("cannot make a socket: %s", zmq_strerror(errno));
    curve_socket(s, keys, "intake");
    int one = 1, small = 4096;
    if (zmq_setsockopt(s, ZMQ_RCVHWM, &one, sizeof(one)) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVBUF, &small, sizeof(small)) != 0 || zmq_connect(s, ep) != 0)
        die("attacker: %s", zmq_strerror(errno));
    return s;
}

struct attack {
    int pid;
    double cap_mib, rss_max;
    sqlite3 *db;
    long long mark;
    long requests, executed;
    bool capped;
};

/* musterd stops executing the requests of a connection that reads none of
 * its replies, and drops them after 30 s: no progress for this long means
 * the attack has been stopped. */
#define ATTACK_STALLED_MS 40000

/* Run Gold's probe until the attack's requests are executed (or musterd
 * has stopped executing them), the daemon's RSS passes the cap, or `ms`
 * pass; sample RSS and the audit meanwhile.  Returns true when stopped by
 * the cap. */
static bool attack_watch(struct attack *a, struct probe *gold, struct mux *x, double ms,
                         bool until_executed)
{
    double end = now_ms() + ms, next_count = 0, moved = now_ms();
    while (now_ms() < end && (!until_executed || a->executed < a->requests) &&
           (!until_executed || now_ms() - moved < ATTACK_STALLED_MS)) {
        probe_tick(gold, now_ms());
        if (mux_wait(x, probes_due_in(gold, 1, now_ms())) > 0)
            probe_read(gold);
        double rss = proc_mib(a->pid, "VmRSS");
        if (rss < 0)
            die("musterd (pid %d) is gone", a->pid);
        a->rss_max = rss > a->rss_max ? rss : a->rss_max;
        if (rss > a->cap_mib)
            return true;
        if (now_ms() >= next_count) {
            long n = audited_lists(a->db, a->mark);
            if (n > a->executed)
                moved = now_ms();
            a->executed = n > a->executed ? n : a->executed;
            next_count = now_ms() + 200;
        }
    }
    return false;
}

static int cmd_unread(int argc, char **argv)
{
    if (argc != 9)
        die("usage: unread EP KEYS REF PID DB REQUESTS LIMIT CAP_MIB");
    const char *ep = argv[1], *keys = argv[2], *ref = argv[3];
    struct attack a = {.pid = atoi(argv[4]), .requests = atol(argv[6]), .cap_mib = atof(argv[8])};
    long limit = atol(argv[7]);
    if (a.requests < 1 || limit < 1 || limit > 10000 || a.cap_mib <= 0)
        die("unread: REQUESTS and CAP_MIB positive, LIMIT 1 to 10000");
    if (sqlite3_open_v2(argv[5], &a.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("cannot open %s", argv[5]);
    sqlite3_busy_timeout(a.db, 1000);
    zctx_init();
    void **intake = dealers(ep, keys, "intake", 1), **gold = dealers(ep, keys, "gold", 1);
    size_t bytes = unread_seed(intake[0], ref, limit);
    figure("unread_reply_bytes", (double)bytes, "bytes");
    figure("unread_replies_total", (double)bytes * (double)a.requests / 1048576, "MiB");
    figure("unread_rss_before", proc_mib(a.pid, "VmRSS"), "MiB");
    struct probe p;
    probe_init(&p, gold[0], 50, "incident.list", "status.show"); /* each every 100 ms */
    p.incident = ref;
    p.closed = true;
    struct mux x;
    mux_init(&x, gold, 1);
    a.mark = audit_last(a.db);
    void *attacker = unread_attacker(ep, keys);
    double t0 = now_ms();
    for (long i = 0; i < a.requests; i++) {
        char req[256];
        snprintf(req, sizeof(req),
                 "{\"id\":\"%s.unread-%ld\",\"cmd\":\"person.list\",\"args\":{\"incident\":"
                 "\"%s\",\"limit\":%ld}}",
                 tag, i, ref, limit);
        send_text(attacker, req);
    }
    a.capped = attack_watch(&a, &p, &x, 5.0 * WAIT_MS, true);
    double dt = now_ms() - t0;
    probes_drain(&p, 1, &x);
    figure("unread_requests_executed", (double)a.executed, "requests");
    figure("unread_attack_s", dt / 1000, "s");
    figure("unread_rss_peak", proc_mib(a.pid, "VmHWM"), "MiB");
    figure("unread_capped", a.capped, "flag");
    if (a.capped || a.executed < a.requests)
        fprintf(stderr, "mbench: %s after %ld of %ld person.list executed (RSS %.0f MiB)\n",
                a.capped ? "attack stopped at the RSS cap"
                         : "musterd stopped executing the attacker's requests",
                a.executed, a.requests, a.rss_max);
    probe_figures("unread_gold", "read", &p, -1);
    long unanswered = p.unanswered, refused = p.refused;
    /* After: the attacker goes away; Gold keeps reading for 5 s. */
    zmq_close(attacker);
    probe_reset(&p);
    attack_watch(&a, &p, &x, 5000, false);
    probes_drain(&p, 1, &x);
    figure("unread_rss_after_disconnect", proc_mib(a.pid, "VmRSS"), "MiB");
    figure("unread_rss_peak_after", proc_mib(a.pid, "VmHWM"), "MiB");
    probe_figures("unread_gold_after", "read", &p, -1);
    figure("unread_gold_unanswered", (double)(unanswered + p.unanswered), "requests");
    refused += p.refused;
    probe_free(&p);
    zmq_close(intake[0]);
    zmq_close(gold[0]);
    free(intake);
    free(gold);
    mux_free(&x);
    sqlite3_close(a.db);
    zmq_ctx_term(ctx);
    return refused ? 1 : 0;
}

/* The duty manager's board alone for SECONDS (status.show and
 * incident.list in turn, one at a time, each every 100 ms) while something
 * else loads musterd: BENCH_ONLY=selfreg floods muster-web's public door
 * meanwhile.  Figures PREFIX_duty_read_p50|p99|max (both kinds pooled). */
static int cmd_board(int argc, char **argv)
{
    if (argc != 6)
        die("usage: board EP KEYS REF SECONDS PREFIX");
    double secs = atof(argv[4]);
    if (secs <= 0)
        die("board: SECONDS must be positive");
    zctx_init();
    void **duty = dealers(argv[1], argv[2], "duty", 1);
    struct probe p;
    probe_init(&p, duty[0], 50, "status.show", "incident.list");
    p.incident = argv[3];
    p.closed = true;
    struct mux x;
    mux_init(&x, duty, 1);
    load_phase(&x, &p, 1, NULL, secs * 1000);
    probe_figures(argv[5], "duty_read", &p, -1);
    char name[64];
    snprintf(name, sizeof(name), "%s_duty_unanswered", argv[5]);
    figure(name, (double)probes_unanswered(&p, 1), "requests");
    long refused = probes_refused(&p, 1);
    zmq_close(duty[0]);
    probe_free(&p);
    mux_free(&x);
    free(duty);
    zmq_ctx_term(ctx);
    return refused ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: mbench start|stop|freeport|intake|standup|pledge|feed|underload|unread|board "
            "...");
    const char *cmd = argv[1];
    snprintf(tag, sizeof(tag), "%x%llx", (unsigned)getpid(), (unsigned long long)now_ms());
    argc--;
    argv++;
    if (!strcmp(cmd, "start"))
        return daemon_run_start_cmd("mbench", argc, argv, WAIT_MS * 5);
    if (!strcmp(cmd, "stop"))
        return daemon_run_stop_cmd("mbench", argc, argv, WAIT_MS);
    if (!strcmp(cmd, "freeport"))
        return cmd_freeport();
    if (!strcmp(cmd, "intake"))
        return cmd_intake(argc, argv);
    if (!strcmp(cmd, "standup"))
        return cmd_standup(argc, argv);
    if (!strcmp(cmd, "pledge"))
        return cmd_pledge(argc, argv);
    if (!strcmp(cmd, "feed"))
        return cmd_feed(argc, argv);
    if (!strcmp(cmd, "underload"))
        return cmd_underload(argc, argv);
    if (!strcmp(cmd, "unread"))
        return cmd_unread(argc, argv);
    if (!strcmp(cmd, "board"))
        return cmd_board(argc, argv);
    die("unknown command %s", cmd);
    return 1;
}
