/*
 * clients/web/sse.c - /api/board/events: the wall board as Server-Sent
 * Events, for Gold and duty only (webboard.h says what is sent).  Each
 * stream holds its own connection thread and blocks between messages; it
 * ends when the session does (checked every 30 s) or the gateway stops,
 * and the browser's EventSource reconnects by itself.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "web.h"
#include "webboard.h"

#define HEARTBEAT_MS 2000
#define RECHECK_MS 30000

struct stream {
    struct web *w;
    char token[SESSION_TOKEN_LEN + 1];
    struct webboard_cursor cur;
    char *pending; /* the message being sent */
    size_t len, off;
    int64_t checked;
    bool started;
};

static bool session_alive(struct stream *st)
{
    int64_t now = web_now_ms();
    if (now - st->checked < RECHECK_MS)
        return true;
    st->checked = now;
    struct web_session s;
    return sessions_get(st->w->sessions, st->token, now, &s) == 0;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = cls;
    if (st->off == st->len) {
        free(st->pending);
        st->pending = NULL;
        if (!st->started) {
            st->pending = strdup("retry: 2000\n\n");
            st->started = true;
        } else if (session_alive(st)) {
            st->pending = webboard_next(st->w->board, &st->cur, HEARTBEAT_MS);
        }
        if (!st->pending)
            return MHD_CONTENT_READER_END_OF_STREAM;
        st->len = strlen(st->pending), st->off = 0;
    }
    size_t n = st->len - st->off < max ? st->len - st->off : max;
    memcpy(buf, st->pending + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *st = cls;
    free(st->pending);
    free(st);
}

enum MHD_Result sse_board(struct http_req *r)
{
    if (!r->signed_in)
        return http_error(r, MHD_HTTP_UNAUTHORIZED, "SIGNED_OUT", "not signed in");
    if (strcmp(r->s.principal, "gold") && strcmp(r->s.principal, "duty"))
        return http_error(r, MHD_HTTP_FORBIDDEN, "FORBIDDEN", "the board is for Gold and duty");
    struct stream *st = calloc(1, sizeof(*st));
    if (!st)
        return MHD_NO;
    st->w = r->w;
    memcpy(st->token, r->s.token, sizeof(st->token));
    st->checked = web_now_ms();
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, reader, st, stream_free);
    if (!resp) {
        free(st);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return http_send(r, resp, MHD_HTTP_OK);
}
