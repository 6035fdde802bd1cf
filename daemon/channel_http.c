/*
 * daemon/channel_http.c - the webhook channel: an HTTP(S) POST of the page
 * JSON to the contact's URL.
 *
 * Headers: Content-Type: application/json, Idempotency-Key and
 * X-Muster-Page-Id (the page id, the same on a resend), X-Muster-Incident,
 * User-Agent muster/0.1.  TLS is verified (libcurl's defaults, never
 * turned off), only http and https are spoken, redirects are not followed.
 * 2xx is delivered; 5xx, 429 and transport errors are retried (see
 * channel_retry.c); any other status fails at once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "channel_int.h"

static bool has_space_or_ctl(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return true;
    return false;
}

static int webhook_check(const struct page_msg *msg, const struct plan_paging *paging)
{
    const char *t = msg->target;
    if (t == NULL || has_space_or_ctl(t))
        return -EINVAL;
    if (!(strncasecmp(t, "http://", 7) == 0 && t[7] != '\0') &&
        !(strncasecmp(t, "https://", 8) == 0 && t[8] != '\0'))
        return -EINVAL;
    if (paging->webhook_timeout_ms <= 0 || paging->webhook_retries < 0)
        return -EINVAL;
    return 0;
}

/* Append "name: value" (control characters made spaces) to *list. */
static int header_add(struct curl_slist **list, const char *name, const char *value)
{
    char line[512], clean[400];
    channel_printable(clean, sizeof(clean), value, strlen(value));
    snprintf(line, sizeof(line), "%s: %s", name, clean);
    struct curl_slist *l = curl_slist_append(*list, line);
    if (l == NULL)
        return -ENOMEM;
    *list = l;
    return 0;
}

static int webhook_headers(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)d->msg.id);
    if (header_add(&c->headers, "Content-Type", "application/json") != 0 ||
        header_add(&c->headers, "Idempotency-Key", id) != 0 ||
        header_add(&c->headers, "X-Muster-Page-Id", id) != 0 ||
        header_add(&c->headers, "X-Muster-Incident", d->msg.incident_ref) != 0)
        return -ENOMEM;
    /* No "Expect: 100-continue" round trip for large pages. */
    struct curl_slist *l = curl_slist_append(c->headers, "Expect:");
    if (l == NULL)
        return -ENOMEM;
    c->headers = l;
    return 0;
}

/* The response body is not needed. */
static size_t discard_cb(char *ptr, size_t size, size_t n, void *userp)
{
    return size * n;
}

static int webhook_start(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    int rc = channel_try_init(d);
    if (rc == 0)
        rc = webhook_headers(d);
    if (rc != 0)
        return rc;
    CURL *e = c->easy;
    if (curl_easy_setopt(e, CURLOPT_URL, d->msg.target) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->msg.json) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(d->msg.json)) !=
            CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_USERAGENT, "muster/0.1") != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb) != CURLE_OK)
        return -EINVAL;
    return channel_try_first(d);
}

static void webhook_teardown(struct delivery *d)
{
    channel_try_teardown(d); /* before the headers it points to */
    curl_slist_free_all(d->u.curl.headers);
    d->u.curl.headers = NULL;
}

static enum try_outcome webhook_classify(struct delivery *d, CURLcode rc, int *status, char *what,
                                         size_t size)
{
    if (rc != CURLE_OK) {
        channel_curl_error_text(d, rc, what, size);
        *status = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
        return channel_curl_error_outcome(rc);
    }
    long code = 0;
    curl_easy_getinfo(d->u.curl.easy, CURLINFO_RESPONSE_CODE, &code);
    snprintf(what, size, "HTTP %ld", code);
    *status = -EIO;
    if (code >= 200 && code <= 299)
        return TRY_OK;
    if (code == 429 || code >= 500)
        return TRY_TRANSIENT;
    return TRY_PERMANENT;
}

const struct channel_backend channel_webhook_backend = {
    .name = "webhook",
    .check = webhook_check,
    .start = webhook_start,
    .teardown = webhook_teardown,
    .classify = webhook_classify,
};
