/*
 * daemon/channel_curl.c - libcurl's multi interface driven by the libuv
 * loop, for the webhook and email channels.
 *
 * Owns the CURLM handle, one uv_timer_t for libcurl's timeouts and one
 * uv_poll_t per socket libcurl asks us to watch (the pattern of curl's
 * docs/examples/multi-uv.c).  Poll handles are heap records freed in their
 * close callback; libcurl tells us to forget a socket before it closes it,
 * and uv_close stops the poll at once, so a reused descriptor number gets
 * a fresh poll handle while the old one is still closing.
 *
 * libcurl forbids calling it back from inside its own callbacks, so the
 * socket and timer callbacks only touch libuv handles, and finished
 * transfers are collected first and reported after curl_multi_info_read
 * is done: a user callback may then send, cancel or close freely.
 */
#include <errno.h>
#include <stdlib.h>

#include "channel_int.h"

struct curl_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct channels *ch;
    struct curl_sock *prev, *next; /* on ch->socks until closed */
};

static void sock_closed_cb(uv_handle_t *h)
{
    struct curl_sock *cs = h->data;
    cs->ch->nsocks--;
    free(cs);
}

static void sock_close(struct channels *ch, struct curl_sock *cs)
{
    if (cs->prev != NULL)
        cs->prev->next = cs->next;
    else
        ch->socks = cs->next;
    if (cs->next != NULL)
        cs->next->prev = cs->prev;
    uv_close((uv_handle_t *)&cs->poll, sock_closed_cb);
}

static struct curl_sock *sock_new(struct channels *ch, curl_socket_t fd)
{
    struct curl_sock *cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
        return NULL;
    if (uv_poll_init_socket(ch->loop, &cs->poll, fd) != 0) {
        free(cs);
        return NULL;
    }
    cs->poll.data = cs;
    cs->fd = fd;
    cs->ch = ch;
    cs->next = ch->socks;
    if (ch->socks != NULL)
        ch->socks->prev = cs;
    ch->socks = cs;
    ch->nsocks++;
    return cs;
}

/* Collect the finished transfers, then report them (see the top). */
static void check_multi_info(struct channels *ch)
{
    struct delivery *done = NULL, **tail = &done;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(ch->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        struct delivery *d = (struct delivery *)priv;
        CURLcode result = msg->data.result;
        channel_curl_remove(d); /* msg is invalid from here */
        d->u.curl.result = result;
        d->u.curl.done_next = NULL;
        *tail = d;
        tail = &d->u.curl.done_next;
    }
    while (done != NULL) {
        struct delivery *d = done;
        done = d->u.curl.done_next;
        if (!d->finished) /* an earlier callback may have cancelled it */
            channel_try_completed(d, d->u.curl.result);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct curl_sock *cs = h->data;
    struct channels *ch = cs->ch;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(ch->multi, cs->fd, flags, &running);
    check_multi_info(ch);
}

static void timer_cb(uv_timer_t *t)
{
    struct channels *ch = t->data;
    int running;
    curl_multi_socket_action(ch->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(ch);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what, or forget it. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct channels *ch = userp;
    struct curl_sock *cs = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (cs != NULL) {
            curl_multi_assign(ch->multi, s, NULL);
            sock_close(ch, cs);
        }
        return 0;
    }
    if (cs == NULL) {
        if ((cs = sock_new(ch, s)) == NULL)
            return -1;
        curl_multi_assign(ch->multi, s, cs);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    return uv_poll_start(&cs->poll, events, poll_cb) == 0 ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: call us back in timeout_ms (-1: never).  Even
 * 0 goes through the timer: socket_action must not run from here. */
static int timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
    struct channels *ch = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&ch->curl_timer);
    else
        uv_timer_start(&ch->curl_timer, timer_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

int channel_curl_open(struct channels *ch)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -ENOMEM;
    if ((ch->multi = curl_multi_init()) == NULL) {
        curl_global_cleanup();
        return -ENOMEM;
    }
    uv_timer_init(ch->loop, &ch->curl_timer); /* cannot fail */
    ch->curl_timer.data = ch;
    ch->curl_timer_open = true;
    curl_multi_setopt(ch->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(ch->multi, CURLMOPT_SOCKETDATA, ch);
    curl_multi_setopt(ch->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
    curl_multi_setopt(ch->multi, CURLMOPT_TIMERDATA, ch);
    return 0;
}

static void curl_timer_closed_cb(uv_handle_t *h)
{
    struct channels *ch = h->data;
    ch->curl_timer_open = false;
}

/* After every delivery has been torn down (no easy handle left). */
void channel_curl_close(struct channels *ch)
{
    if (ch->multi == NULL)
        return;
    curl_multi_cleanup(ch->multi); /* may still report sockets removed */
    ch->multi = NULL;
    curl_global_cleanup();
    while (ch->socks != NULL)
        sock_close(ch, ch->socks);
    uv_close((uv_handle_t *)&ch->curl_timer, curl_timer_closed_cb);
}

int channel_curl_add(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    CURLMcode mc = curl_multi_add_handle(d->ch->multi, c->easy);
    if (mc == CURLM_OUT_OF_MEMORY)
        return -ENOMEM;
    if (mc != CURLM_OK)
        return -EINVAL;
    c->in_multi = true;
    return 0;
}

void channel_curl_remove(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    if (c->in_multi) {
        c->in_multi = false;
        curl_multi_remove_handle(d->ch->multi, c->easy);
    }
}
