/*
 * daemon/metrics_http.c - GET /metrics over plain HTTP (see metrics_http.h).
 *
 * The hand-over.  A scrape, on one of libmicrohttpd's threads, takes the
 * lock, bumps `asked` to a number of its own, wakes the loop and waits on
 * the condition until `rendered` reaches its number (or the server stops,
 * or METRICS_HTTP_WAIT_MS pass).  On the loop, the wake-up queues one
 * render task (never two at once); the task notes how far `asked` had
 * gone, renders (reading the store inside the batch, like a request),
 * then publishes the text with `rendered` set to that mark.  A scrape that
 * asked while the task was rendering is answered by the next one, which
 * the task starts itself, so every scrape sees figures taken after it
 * asked.  The HTTP threads only ever touch the fields under the lock.
 */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <uv.h>

#include "control.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
    struct muster *m;
    struct MHD_Daemon *d;
    uv_async_t wake;
    bool task_queued; /* the loop's: a render task waits in control */
    pthread_mutex_t lock;
    pthread_cond_t done;
    /* under lock: */
    uint64_t asked, rendered;
    char *text; /* the latest rendering, NULL when it failed */
    bool stopping;
};

/* ---- the loop's side ---- */

static int render_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct metrics_http *h = arg;
    h->task_queued = false;
    pthread_mutex_lock(&h->lock);
    uint64_t mark = h->asked;
    pthread_mutex_unlock(&h->lock);
    char *text = NULL;
    int rc = metrics_render(m, &text);
    if (rc != 0)
        log_warnx("metrics: cannot count the store's figures: %s", strerror(-rc));
    pthread_mutex_lock(&h->lock);
    free(h->text);
    h->text = text;
    h->rendered = mark;
    bool again = h->asked > mark;
    pthread_cond_broadcast(&h->done);
    pthread_mutex_unlock(&h->lock);
    if (again)
        uv_async_send(&h->wake);
    return 0;
}

static void render_drop(void *arg)
{
    struct metrics_http *h = arg;
    h->task_queued = false;
}

static void on_wake(uv_async_t *a)
{
    struct metrics_http *h = a->data;
    if (!h->task_queued && h->m->control &&
        control_task(h->m->control, render_task, render_drop, h) == 0)
        h->task_queued = true;
}

/* ---- libmicrohttpd's side ---- */

/* The text of a rendering taken after this call began (a copy), or NULL
 * when none came in time or it failed. */
static char *fresh_text(struct metrics_http *h)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += METRICS_HTTP_WAIT_MS / 1000;
    pthread_mutex_lock(&h->lock);
    uint64_t mine = ++h->asked;
    uv_async_send(&h->wake);
    int rc = 0;
    while (!h->stopping && h->rendered < mine && rc == 0)
        rc = pthread_cond_timedwait(&h->done, &h->lock, &until);
    char *text = h->rendered >= mine && h->text ? strdup(h->text) : NULL;
    pthread_mutex_unlock(&h->lock);
    return text;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, char *body,
                              const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", CONTENT_TYPE);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    struct metrics_http *h = cls;
    if (strcmp(url, "/metrics") != 0)
        return answer(conn, MHD_HTTP_NOT_FOUND, strdup("only /metrics is served here\n"), NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("only GET /metrics\n"),
                      "GET, HEAD");
    char *text = fresh_text(h);
    if (!text)
        return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                      strdup("musterd could not count its figures in time\n"), NULL);
    return answer(conn, MHD_HTTP_OK, text, NULL);
}

/* ---- start and stop ---- */

/* Split "HOST:PORT" ("[V6]:PORT") into host and port.  0 or -EINVAL. */
static int split_ep(const char *ep, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(ep, ':');
    if (!colon || colon == ep || strlen(colon + 1) == 0 || strlen(colon + 1) >= portlen ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -EINVAL;
    long p = strtol(colon + 1, NULL, 10);
    size_t n = (size_t)(colon - ep);
    if (p < 1 || p > 65535 || n >= hostlen)
        return -EINVAL;
    if (ep[0] == '[' && colon[-1] == ']') {
        ep++;
        n -= 2;
    }
    snprintf(host, hostlen, "%.*s", (int)n, ep);
    snprintf(port, portlen, "%s", colon + 1);
    return host[0] ? 0 : -EINVAL;
}

static bool loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    return sa->sa_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

static int http_listen(struct metrics_http *h, const char *ep)
{
    char host[256], port[8];
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE},
                    *ai = NULL;
    if (split_ep(ep, host, sizeof(host), port, sizeof(port)) != 0) {
        log_error("metrics: --metrics %s is not HOST:PORT (e.g. 127.0.0.1:9464)", ep);
        return -EINVAL;
    }
    int grc = getaddrinfo(host, port, &hints, &ai);
    if (grc != 0) {
        log_error("metrics: --metrics %s: %s", ep, gai_strerror(grc));
        return -EINVAL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNECTIONS,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT_S,
                            MHD_OPTION_THREAD_STACK_SIZE, (size_t)128 * 1024, MHD_OPTION_END);
    int rc = h->d ? 0 : -EADDRNOTAVAIL;
    if (rc != 0)
        log_error("metrics: cannot serve HTTP on %s (in use? an address of this host?)", ep);
    else if (!loopback(ai->ai_addr))
        log_warnx("metrics: %s is not a loopback address: whoever reaches it reads musterd's "
                  "figures (no personal data); firewall it",
                  ep);
    else
        log_info("metrics: GET http://%s/metrics", ep);
    freeaddrinfo(ai);
    return rc;
}

int metrics_http_open(struct muster *m, const char *ep, struct metrics_http **out)
{
    struct metrics_http *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->m = m;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->done, &attr);
    pthread_condattr_destroy(&attr);
    int rc = uv_async_init(m->loop, &h->wake, on_wake);
    h->wake.data = h;
    *out = h; /* closed and freed by the server even when it failed */
    if (rc != 0)
        h->wake.loop = NULL;
    return rc != 0 ? rc : http_listen(h, ep);
}

void metrics_http_close(struct metrics_http *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_broadcast(&h->done);
    pthread_mutex_unlock(&h->lock);
    if (h->d)
        MHD_stop_daemon(h->d);
    h->d = NULL;
    if (h->wake.loop && !uv_is_closing((uv_handle_t *)&h->wake))
        uv_close((uv_handle_t *)&h->wake, NULL);
}

void metrics_http_free(struct metrics_http *h)
{
    if (!h)
        return;
    if (h->d)
        MHD_stop_daemon(h->d);
    pthread_cond_destroy(&h->done);
    pthread_mutex_destroy(&h->lock);
    free(h->text);
    free(h);
}
