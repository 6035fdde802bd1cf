/* The fan-out floor: what one message to each of many CURVE connections
 * costs on this machine with no application work at all, measured the way
 * mbench measures musterd's standup and feed fan-outs.
 *
 * A server process (forked: a process of its own, as musterd is; a context
 * with two I/O threads, as musterd's) holds a ROUTER and a PUB, both CURVE
 * servers.  The client (this process, one thread, epoll on every socket's
 * ZMQ_FD as mbench waits) connects:
 *   router: N DEALERs (the listening agencies), each says hello and is
 *           answered; then each round a trigger DEALER (Gold) sends one
 *           message and the server sends one message of BYTES to each of
 *           the N DEALERs, as a standup sends its pages;
 *   pub:    N SUBs subscribed to "person.registered" (the watchers); each
 *           round the trigger DEALER (intake) sends one message and the
 *           server publishes one event in two frames (the kind, then a body
 *           of BYTES), as musterd's feed does.
 * A round is timed from the trigger's send to the last of the N receiving
 * its message (each body starts with the round's tag: a join's message
 * that arrives late is not counted as the round's).  Prints "fanout_floor_MODE_N_p50 V ms" and
 * _p99, _first_p50.
 *
 * usage: fanout_floor router|pub N ROUNDS BYTES */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define WAIT_MS 60000.0
#define JOIN_STEP 32 /* connections pending a handshake at once, as mbench */
#define TAG 4        /* bytes of a round's tag, at the start of each body */

static char server_pub[41], server_sec[41];

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "fanout_floor: %s: %s\n", what, zmq_strerror(errno));
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    int rank = (int)ceil(p / 100.0 * n);
    return v[rank > 0 ? rank - 1 : 0];
}

static void nohwm(void *s)
{
    int zero = 0;
    if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof(zero)) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof(zero)) != 0)
        die("setsockopt");
}

/* ---- the server ---- */

static void *server_socket(void *ctx, int type)
{
    int one = 1;
    void *s = zmq_socket(ctx, type);
    if (!s)
        die("socket");
    nohwm(s);
    if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one)) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, server_sec, 40) != 0 ||
        zmq_bind(s, "tcp://127.0.0.1:*") != 0)
        die("bind");
    return s;
}

/* Answers every DEALER's hello, and on a trigger ("R" or "P", then a tag
 * of TAG bytes) sends one message to every DEALER that said hello, or
 * publishes one event, the body starting with the trigger's tag. */
static void serve(int n, size_t bytes, int ready_fd)
{
    void *ctx = zmq_ctx_new();
    if (!ctx || zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2) != 0 ||
        zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 8192) != 0)
        die("context");
    void *router = server_socket(ctx, ZMQ_ROUTER);
    void *pub = server_socket(ctx, ZMQ_PUB);
    char eps[256], rep[100], pep[100];
    size_t rl = sizeof(rep), pl = sizeof(pep);
    if (zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, rep, &rl) != 0 ||
        zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, pep, &pl) != 0)
        die("endpoint");
    int el = snprintf(eps, sizeof(eps), "%s %s\n", rep, pep);
    if (write(ready_fd, eps, (size_t)el) != el)
        exit(1);
    close(ready_fd);
    char(*ids)[256] = calloc((size_t)n, sizeof(*ids));
    size_t *id_len = calloc((size_t)n, sizeof(*id_len));
    char *body = malloc(bytes);
    if (!ids || !id_len || !body)
        exit(1);
    memset(body, 'x', bytes);
    int known = 0;
    for (;;) {
        char id[256], msg[16];
        int il = zmq_recv(router, id, sizeof(id), 0);
        int ml = zmq_recv(router, msg, sizeof(msg), 0);
        if (il < 0 || ml < 1)
            exit(il < 0 && errno == ETERM ? 0 : 1);
        if (msg[0] == 'H') { /* hello: remember the DEALER, answer it */
            if (known < n && msg[1] == 'A') {
                memcpy(ids[known], id, (size_t)il);
                id_len[known++] = (size_t)il;
            }
            zmq_send(router, id, (size_t)il, ZMQ_SNDMORE);
            zmq_send(router, "ok", 2, 0);
        } else if (msg[0] == 'R' && ml == 1 + TAG) { /* a standup: one message to each */
            memcpy(body, msg + 1, TAG);
            for (int i = 0; i < known; i++) {
                zmq_send(router, ids[i], id_len[i], ZMQ_SNDMORE);
                zmq_send(router, body, bytes, 0);
            }
        } else if (msg[0] == 'P' && ml == 1 + TAG) { /* a feed event: kind, then body */
            memcpy(body, msg + 1, TAG);
            zmq_send(pub, "person.registered", 17, ZMQ_SNDMORE);
            zmq_send(pub, body, bytes, 0);
        }
    }
}

/* ---- the client ---- */

static void *ctx;

static void *client_socket(int type)
{
    char pub[41], sec[41];
    void *s = zmq_socket(ctx, type);
    if (!s)
        die("socket (raise ulimit -n?)");
    nohwm(s);
    if (zmq_curve_keypair(pub, sec) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pub, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40) != 0)
        die("CURVE keys");
    return s;
}

static int ep_fd = -1;

static void watch(void *s, int i)
{
    int fd;
    size_t len = sizeof(fd);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (zmq_getsockopt(s, ZMQ_FD, &fd, &len) != 0 || epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll");
}

/* Drain socket s: how many whole messages it had whose body (the last
 * frame) starts with tag (NULL: any). */
static int drain(void *s, const char *tag)
{
    int got = 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (errno != EAGAIN)
                die("recv");
            return got;
        }
        got += !zmq_msg_more(&m) &&
               (!tag || (zmq_msg_size(&m) >= TAG && !memcmp(zmq_msg_data(&m), tag, TAG)));
        zmq_msg_close(&m);
    }
}

/* Wait up to ms for any socket; fills ready[] with the indexes signalled
 * (every socket when nothing signalled for 10 ms: ZMQ_FD is edge-like). */
static int wait_any(int n, int *ready, double ms)
{
    struct epoll_event ev[256];
    int got = epoll_wait(ep_fd, ev, 256, ms < 10 ? (int)ms : 10);
    if (got < 0 && errno != EINTR)
        die("epoll_wait");
    if (got <= 0) {
        for (int i = 0; i < n; i++)
            ready[i] = i;
        return n;
    }
    for (int j = 0; j < got; j++)
        ready[j] = (int)ev[j].data.u32;
    return got;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "router") && strcmp(argv[1], "pub"))) {
        fprintf(stderr, "usage: fanout_floor router|pub N ROUNDS BYTES\n");
        return 2;
    }
    int router_mode = !strcmp(argv[1], "router"), n = atoi(argv[2]), rounds = atoi(argv[3]);
    size_t bytes = (size_t)atol(argv[4]);
    if (n < 1 || rounds < 1 || bytes < TAG || zmq_curve_keypair(server_pub, server_sec) != 0) {
        fprintf(stderr, "fanout_floor: bad arguments, or no CURVE in libzmq\n");
        return 2;
    }
    /* TCP loopback, as the bench's musterd; the server picks free ports
     * and writes both endpoints to the pipe. */
    char eps[256] = "", router_ep[128] = "", pub_ep[128] = "";
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return 1;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the client, however it ends */
        if (getppid() == 1)
            _exit(1);
        close(pipefd[0]);
        serve(n, bytes, pipefd[1]);
        _exit(0);
    }
    close(pipefd[1]);
    ssize_t len = read(pipefd[0], eps, sizeof(eps) - 1);
    if (len <= 0 || sscanf(eps, "%127s %127s", router_ep, pub_ep) != 2) {
        fprintf(stderr, "fanout_floor: the server did not start\n");
        return 1;
    }
    ctx = zmq_ctx_new();
    if (!ctx || zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 8192) != 0)
        die("context");
    ep_fd = epoll_create1(EPOLL_CLOEXEC);
    void **s = calloc((size_t)n + 1, sizeof(*s)); /* the N, then the trigger */
    int *ready = calloc((size_t)n + 1, sizeof(*ready));
    double *got = calloc((size_t)n, sizeof(*got));
    double *last = calloc((size_t)rounds, sizeof(*last));
    double *first = calloc((size_t)rounds, sizeof(*first));
    if (ep_fd < 0 || !s || !ready || !got || !last || !first)
        return 1;
    s[n] = client_socket(ZMQ_DEALER);
    if (zmq_connect(s[n], router_ep) != 0)
        die("connect");
    for (int i = 0; i < n; i++) {
        s[i] = client_socket(router_mode ? ZMQ_DEALER : ZMQ_SUB);
        if (!router_mode && zmq_setsockopt(s[i], ZMQ_SUBSCRIBE, "person.registered", 17) != 0)
            die("subscribe");
    }
    for (int i = 0; i <= n; i++)
        watch(s[i], i);
    /* Join: a DEALER has joined once its hello is answered, a SUB once it
     * has received an event (slow joiners: publish until all have). */
    int joined = 0, connected = 0;
    double end = now_ms() + WAIT_MS;
    zmq_send(s[n], "HG", 2, 0);
    while (joined < n && now_ms() < end) {
        for (; connected < n && connected < joined + JOIN_STEP; connected++) {
            if (zmq_connect(s[connected], router_mode ? router_ep : pub_ep) != 0)
                die("connect");
            if (router_mode)
                zmq_send(s[connected], "HA", 2, 0);
        }
        if (!router_mode)
            zmq_send(s[n], "Pjoin", 1 + TAG, 0);
        double until = now_ms() + (router_mode ? 1000 : 100);
        while (joined < connected && now_ms() < until) {
            int k = wait_any(n + 1, ready, 50);
            for (int j = 0; j < k; j++) {
                int i = ready[j];
                if (drain(s[i], NULL) && i < n && !got[i]) {
                    got[i] = 1;
                    joined++;
                }
            }
        }
    }
    if (joined < n) {
        fprintf(stderr, "fanout_floor: only %d of %d joined\n", joined, n);
        kill(child, SIGKILL);
        return 1;
    }
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i <= n; i++) /* nothing left over from the join */
            drain(s[i], NULL);
        memset(got, 0, (size_t)n * sizeof(*got));
        int left = n;
        double t0 = now_ms();
        char trigger[1 + TAG + 1];
        snprintf(trigger, sizeof(trigger), "%c%04d", router_mode ? 'R' : 'P', r % 10000);
        zmq_send(s[n], trigger, 1 + TAG, 0);
        while (left > 0 && now_ms() - t0 < WAIT_MS) {
            int k = wait_any(n + 1, ready, 1000);
            for (int j = 0; j < k; j++) {
                int i = ready[j];
                if (drain(s[i], trigger + 1) && i < n && !got[i]) {
                    got[i] = now_ms();
                    left--;
                }
            }
        }
        if (left > 0) {
            fprintf(stderr, "fanout_floor: round %d: %d of %d got nothing\n", r, left, n);
            kill(child, SIGKILL);
            return 1;
        }
        double lo = got[0], hi = got[0];
        for (int i = 1; i < n; i++) {
            lo = got[i] < lo ? got[i] : lo;
            hi = got[i] > hi ? got[i] : hi;
        }
        last[r] = hi - t0;
        first[r] = lo - t0;
    }
    const char *mode = router_mode ? "router" : "pub";
    printf("fanout_floor_%s_%d_first_p50 %.2f ms\n", mode, n, percentile(first, rounds, 50));
    printf("fanout_floor_%s_%d_p50 %.2f ms\n", mode, n, percentile(last, rounds, 50));
    printf("fanout_floor_%s_%d_p99 %.2f ms\n", mode, n, percentile(last, rounds, 99));
    fflush(stdout);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}
