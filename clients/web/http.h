/*
 * clients/web/http.h - muster-web's HTTPS server: libmicrohttpd with
 * GnuTLS, one thread per connection (an argon2id check or an event
 * stream holds its own thread, never another browser's).  Every response
 * carries the security headers: a Content-Security-Policy that allows
 * nothing but the gateway's own scripts, styles and connections (no inline
 * script), X-Frame-Options DENY, HSTS, nosniff, no referrer, no caching.
 */
#ifndef MUSTER_WEB_HTTP_H
#define MUSTER_WEB_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "sessions.h"

struct web;

#define HTTP_BODY_MAX (256 * 1024)
#define HTTP_COOKIE "__Host-muster"

/* One request on its way through the server. */
struct http_req {
    struct web *w;
    struct MHD_Connection *conn;
    const char *method, *url;
    char *body; /* NUL-terminated */
    size_t len;
    bool too_large;
    bool signed_in; /* s is the caller's live session */
    struct web_session s;
    char addr[64]; /* the peer's address, for the sign-in limits and logs */
};

/* Start serving; returns the daemon or NULL with err set. */
struct MHD_Daemon *http_start(struct web *w, char *err, size_t errlen);

/* Stop serving (d may be NULL) and release the TLS key. */
void http_stop(struct web *w, struct MHD_Daemon *d);

/* Queue resp (destroyed here) with status and the security headers. */
enum MHD_Result http_send(struct http_req *r, struct MHD_Response *resp, unsigned status);

/* A JSON body (stolen) with status. */
enum MHD_Result http_json(struct http_req *r, unsigned status, json_t *body);

/* {"error": {"code": code, "message": msg}} with status. */
enum MHD_Result http_error(struct http_req *r, unsigned status, const char *code, const char *msg);

/* A redirect (303 See Other) to location. */
enum MHD_Result http_redirect(struct http_req *r, const char *location);

/* The request header name, or NULL. */
const char *http_header(struct http_req *r, const char *name);

/* True when the request's X-CSRF-Token matches its session's. */
bool http_csrf_ok(struct http_req *r);

/* The page a principal lands on after sign-in: /gold, /hub or /desk. */
const char *pages_home(const char *principal);

/* The handlers (api.c, pages.c, sse.c, hooks.c): each answers r. */
enum MHD_Result api_login(struct http_req *r);
enum MHD_Result api_logout(struct http_req *r);
enum MHD_Result api_me(struct http_req *r);
enum MHD_Result api_call(struct http_req *r);
enum MHD_Result pages_serve(struct http_req *r);
enum MHD_Result sse_board(struct http_req *r);
enum MHD_Result hooks_receive(struct http_req *r);

/* The verified call to /hooks/rm/AGENCY: its EDXL-RM body relayed as
 * pledge.import acting as agency:AGENCY (hooks_rm.c). */
enum MHD_Result hooks_rm_relay(struct http_req *r, const char *agency);

/* Relay cmd with args (borrowed; NULL for none) for user acting as
 * principal, and answer r with musterd's result (200) or its coded error
 * (FORBIDDEN 403, NOT_FOUND 404, CONFLICT 409, TOO_LARGE 413,
 * RATE_LIMITED 429, UNAVAILABLE and BUSY 503, 400 otherwise; 503
 * UNAVAILABLE when musterd did not answer).  *status (may be NULL) is the
 * HTTP status sent (api.c). */
enum MHD_Result api_relay(struct http_req *r, const char *principal, const char *user,
                          const char *cmd, json_t *args, unsigned *status);

#endif
