/*
 * daemon/channel.c - delivering pages over exec, webhook and email: the
 * channel table, the deliveries in progress, send / cancel / close.
 *
 * Owns the struct channels and every delivery record.  The channel kinds
 * themselves live in channel_exec.c, channel_http.c and channel_email.c
 * behind struct channel_backend; channel_curl.c drives libcurl from the
 * loop and channel_retry.c holds the retry policy of the curl channels.
 *
 * Callbacks: a delivery's callback runs exactly once, from the loop when
 * the delivery ends, or from inside channel_cancel / channels_close for
 * the ones cancelled there.  After channels_close returns no callback
 * runs again.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "channel_int.h"

static const struct channel_backend *backend_for(enum plan_channel channel)
{
    switch (channel) {
    case PLAN_CHANNEL_EXEC:
        return &channel_exec_backend;
    case PLAN_CHANNEL_WEBHOOK:
        return &channel_webhook_backend;
    case PLAN_CHANNEL_EMAIL:
        return &channel_email_backend;
    case PLAN_CHANNEL_ZMQ:
        break;
    }
    return NULL;
}

int channels_open(uv_loop_t *loop, const char *scripts_dir, struct channels **out)
{
    struct channels *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->loop = loop;
    ch->scripts_dir = scripts_dir;
    int rc = channel_curl_open(ch);
    if (rc != 0) {
        free(ch);
        return rc;
    }
    *out = ch;
    return 0;
}

/* strdup that maps NULL to "". */
static char *dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

static char **dup_args(const char *const *args)
{
    size_t n = 0;
    while (args != NULL && args[n] != NULL)
        n++;
    char **copy = calloc(n + 1, sizeof(*copy));
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((copy[i] = strdup(args[i])) == NULL) {
            while (i > 0)
                free(copy[--i]);
            free(copy);
            return NULL;
        }
    }
    return copy;
}

static void free_copies(struct delivery *d)
{
    struct page_copy *m = &d->msg;
    free(m->incident_ref);
    free(m->agency_id);
    free(m->contact_name);
    free(m->target);
    for (size_t i = 0; m->args != NULL && m->args[i] != NULL; i++)
        free(m->args[i]);
    free(m->args);
    free(m->ack_code);
    free(m->subject);
    free(m->text);
    free(m->json);
    free(m->edxl_rm);
    free(m->edxl_rm_id);
    free(d->paging.smtp_url);
    free(d->paging.email_from);
}

/* Copy msg and paging into d.  0 or -ENOMEM (d's copies freed by the
 * caller through free_copies either way). */
static int copy_in(struct delivery *d, const struct page_msg *msg, const struct plan_paging *paging)
{
    struct page_copy *m = &d->msg;
    m->id = msg->id;
    m->level = msg->level;
    m->exercise = msg->exercise;
    m->incident_ref = dup_or_empty(msg->incident_ref);
    m->agency_id = dup_or_empty(msg->agency_id);
    m->contact_name = dup_or_empty(msg->contact_name);
    m->target = dup_or_empty(msg->target);
    m->args = dup_args(msg->args);
    m->ack_code = dup_or_empty(msg->ack_code);
    m->subject = dup_or_empty(msg->subject);
    m->text = dup_or_empty(msg->text);
    m->json = dup_or_empty(msg->json);
    bool rm = msg->edxl_rm != NULL && msg->edxl_rm[0] != '\0';
    m->edxl_rm = rm ? strdup(msg->edxl_rm) : NULL;
    m->edxl_rm_id = rm ? dup_or_empty(msg->edxl_rm_id) : NULL;
    d->paging.exec_timeout_ms = paging->exec_timeout_ms;
    d->paging.webhook_timeout_ms = paging->webhook_timeout_ms;
    d->paging.webhook_retries = paging->webhook_retries;
    d->paging.webhook_backoff_ms = paging->webhook_backoff_ms;
    d->paging.smtp_url = dup_or_empty(paging->smtp_url);
    d->paging.email_from = dup_or_empty(paging->email_from);
    if (!m->incident_ref || !m->agency_id || !m->contact_name || !m->target || !m->args ||
        !m->ack_code || !m->subject || !m->text || !m->json || !d->paging.smtp_url ||
        !d->paging.email_from || (rm && (!m->edxl_rm || !m->edxl_rm_id)))
        return -ENOMEM;
    return 0;
}

static void active_link(struct channels *ch, struct delivery *d)
{
    d->prev = NULL;
    d->next = ch->active;
    if (ch->active != NULL)
        ch->active->prev = d;
    ch->active = d;
    ch->nactive++;
}

static void active_unlink(struct channels *ch, struct delivery *d)
{
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        ch->active = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    d->prev = d->next = NULL;
    ch->nactive--;
}

static void delivery_free(struct delivery *d)
{
    d->ch->nalive--;
    free_copies(d);
    free(d);
}

/* Run the backend teardown once; free d now if it has no handle open. */
static void delivery_teardown(struct delivery *d)
{
    if (!d->torn_down) {
        d->torn_down = true;
        d->be->teardown(d);
    }
    if (d->handles == 0)
        delivery_free(d);
}

void delivery_handle_opened(struct delivery *d)
{
    d->handles++;
}

/* Close callback of every handle embedded in a delivery: the handle's
 * data points at its delivery. */
void delivery_handle_closed(uv_handle_t *h)
{
    struct delivery *d = h->data;
    assert(d->handles > 0);
    if (--d->handles == 0 && d->finished && d->torn_down)
        delivery_free(d);
}

void delivery_finish(struct delivery *d, int status, const char *detail)
{
    assert(!d->finished);
    d->finished = true;
    active_unlink(d->ch, d);
    d->cb(d->arg, d->msg.id, status, detail != NULL ? detail : "");
    delivery_teardown(d);
}

int channel_send(struct channels *ch, enum plan_channel channel, const struct page_msg *msg,
                 const struct plan_paging *paging, channel_done_cb *cb, void *arg)
{
    const struct channel_backend *be = backend_for(channel);
    if (be == NULL || msg == NULL || paging == NULL || cb == NULL)
        return -EINVAL;
    if (ch->closing)
        return -ESHUTDOWN;
    char path[4096];
    struct page_msg resolved;
    if (channel == PLAN_CHANNEL_EXEC && msg->target != NULL && msg->target[0] != '/') {
        if (plan_exec_path(ch->scripts_dir, msg->target, path, sizeof(path)) != 0)
            return -EINVAL;
        resolved = *msg; /* a script by name: run from the scripts directory */
        resolved.target = path;
        msg = &resolved;
    }
    int rc = be->check(msg, paging);
    if (rc != 0)
        return rc;
    struct delivery *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->ch = ch;
    d->be = be;
    d->cb = cb;
    d->arg = arg;
    ch->nalive++;
    if ((rc = copy_in(d, msg, paging)) != 0) {
        delivery_free(d);
        return rc;
    }
    if ((rc = be->start(d)) != 0) {
        d->finished = true; /* the callback must never run */
        delivery_teardown(d);
        return rc;
    }
    active_link(ch, d);
    return 0;
}

void channel_cancel(struct channels *ch, int64_t page_id)
{
    for (struct delivery *d = ch->active; d != NULL; d = d->next) {
        if (d->msg.id == page_id) {
            delivery_finish(d, -ECANCELED, "cancelled");
            return;
        }
    }
}

bool channel_local_failure(int status)
{
    return status == -EMFILE || status == -ENFILE || status == -ENOMEM || status == -ENOBUFS ||
           status == -EAGAIN;
}

size_t channel_in_flight(const struct channels *ch)
{
    return ch->nactive;
}

void channels_close(struct channels *ch)
{
    if (ch->closing)
        return;
    ch->closing = true;
    /* A callback may cancel other deliveries: always restart from the head. */
    while (ch->active != NULL)
        delivery_finish(ch->active, -ECANCELED, "cancelled: shutting down");
    channel_curl_close(ch);
}

void channels_free(struct channels *ch)
{
    if (ch == NULL)
        return;
    /* Every handle must have been closed by running the loop. */
    assert(ch->closing && ch->nalive == 0 && ch->nsocks == 0 && !ch->curl_timer_open);
    free(ch);
}

void channel_printable(char *dst, size_t size, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    if (size > 0)
        dst[n] = '\0';
}
