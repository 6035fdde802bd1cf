/*
 * daemon/metrics_http.h - musterd --metrics HOST:PORT: GET /metrics over
 * plain HTTP for a Prometheus scraper (docs/operations.md#metrics).
 *
 * libmicrohttpd serves it from threads of its own, which never touch the
 * store or any loop state: a scrape wakes the loop (uv_async), which queues
 * a control task that renders the metrics in the next batch
 * (metrics_render) and hands the text over under a mutex; the scrape waits
 * for it on a condition, METRICS_HTTP_WAIT_MS at most, then answers 503.
 * Only GET (and HEAD) of /metrics: any other path is 404, any other method
 * 405.  Connections are capped (METRICS_HTTP_CONNECTIONS) and time out
 * (METRICS_HTTP_TIMEOUT_S).
 */
#ifndef MUSTER_METRICS_HTTP_H
#define MUSTER_METRICS_HTTP_H

struct muster;
struct metrics_http;

#define METRICS_HTTP_WAIT_MS 10000
#define METRICS_HTTP_CONNECTIONS 8
#define METRICS_HTTP_TIMEOUT_S 10

/* Listen on ep ("127.0.0.1:9464", "[::1]:9464", "localhost:9464").  0 or
 * -errno (-EINVAL for an ep that is not HOST:PORT, logged); *out is m's. */
int metrics_http_open(struct muster *m, const char *ep, struct metrics_http **out);

/* Stop serving (joins libmicrohttpd's threads) and close the loop handle;
 * no-op for NULL. */
void metrics_http_close(struct metrics_http *h);

/* Free h after the loop has ended; no-op for NULL. */
void metrics_http_free(struct metrics_http *h);

#endif
