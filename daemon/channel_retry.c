/*
 * daemon/channel_retry.c - the tries of one webhook or email delivery:
 * the easy handle's common options, the retry decision and the backoff.
 *
 * A delivery makes 1 + webhook_retries tries at most.  A transient failure
 * (HTTP 5xx or 429, SMTP 4xx, connection errors, timeouts) waits
 * webhook_backoff_ms, doubling after each try, on a uv_timer (the loop never
 * sleeps), then tries again with the same easy handle; a permanent one
 * (HTTP 4xx, SMTP 5xx, a bad URL, a TLS verification failure) ends the
 * delivery at once.  Owns the easy handle and the retry timer of d.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "channel.h"
#include "channel_int.h"

#define BACKOFF_MAX_MS (60LL * 60 * 1000) /* one hour */

/* libcurl's sockets, opened here to learn why one could not be: a
 * descriptor limit is musterd's failure, not the agency's. */
static curl_socket_t open_socket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct delivery *d = clientp;
    curl_socket_t fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd == CURL_SOCKET_BAD && channel_local_failure(-errno))
        d->u.curl.local_err = -errno;
    return fd;
}

int channel_try_init(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    int rc = uv_timer_init(d->ch->loop, &c->retry);
    if (rc != 0)
        return rc;
    c->retry.data = d;
    c->retry_open = true;
    delivery_handle_opened(d);
    if ((c->easy = curl_easy_init()) == NULL)
        return -ENOMEM;
    long timeout = d->paging.webhook_timeout_ms > 0 ? (long)d->paging.webhook_timeout_ms : 0;
    if (curl_easy_setopt(c->easy, CURLOPT_PRIVATE, (char *)d) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_OPENSOCKETDATA, d) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK)
        return -EINVAL;
    return 0;
}

/* Start one try.  0 or -errno. */
static int try_start(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    c->tries++;
    c->local_err = 0;
    c->errbuf[0] = '\0';
    c->msgoff = 0; /* the email upload starts over */
    return channel_curl_add(d);
}

static void retry_cb(uv_timer_t *t)
{
    struct delivery *d = t->data;
    int rc = try_start(d);
    if (rc != 0)
        delivery_finish(d, rc, "cannot start another try");
}

/* The wait before the next try: backoff_ms, doubled after each try. */
static uint64_t backoff_ms(const struct delivery *d)
{
    int64_t ms = d->paging.webhook_backoff_ms;
    if (ms <= 0)
        return 0;
    for (int i = 1; i < d->u.curl.tries && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return (uint64_t)(ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS);
}

void channel_try_completed(struct delivery *d, CURLcode result)
{
    struct curl_state *c = &d->u.curl;
    char what[CHANNEL_DETAIL_MAX], detail[CHANNEL_DETAIL_MAX + 32];
    int status = -EIO;
    if (c->local_err != 0 || result == CURLE_OUT_OF_MEMORY) { /* musterd's failure: no retry here */
        status = c->local_err != 0 ? c->local_err : -ENOMEM;
        snprintf(detail, sizeof(detail), "cannot open a connection: %s", strerror(-status));
        delivery_finish(d, status, detail);
        return;
    }
    enum try_outcome outcome = d->be->classify(d, result, &status, what, sizeof(what));
    if (outcome == TRY_OK) {
        delivery_finish(d, 0, what);
        return;
    }
    if (outcome == TRY_TRANSIENT && c->tries <= d->paging.webhook_retries) {
        if (uv_timer_start(&c->retry, retry_cb, backoff_ms(d), 0) == 0)
            return;
    }
    if (c->tries > 1)
        snprintf(detail, sizeof(detail), "%s after %d tries", what, c->tries);
    else
        snprintf(detail, sizeof(detail), "%s", what);
    delivery_finish(d, status, detail);
}

/* Start the first try: the backend has set the easy handle up. */
int channel_try_first(struct delivery *d)
{
    return try_start(d);
}

void channel_try_teardown(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    if (c->easy != NULL) {
        channel_curl_remove(d);
        curl_easy_cleanup(c->easy);
        c->easy = NULL;
    }
    if (c->retry_open) {
        c->retry_open = false;
        uv_close((uv_handle_t *)&c->retry, delivery_handle_closed);
    }
}

enum try_outcome channel_curl_error_outcome(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return TRY_OK;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_LOGIN_DENIED:
    case CURLE_REMOTE_ACCESS_DENIED:
        return TRY_PERMANENT;
    default:
        return TRY_TRANSIENT;
    }
}

/* "Failed to connect to ...": curl's own message, or its error's name. */
void channel_curl_error_text(struct delivery *d, CURLcode rc, char *what, size_t size)
{
    const char *msg = d->u.curl.errbuf[0] != '\0' ? d->u.curl.errbuf : curl_easy_strerror(rc);
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    channel_printable(what, size, msg, len);
}
