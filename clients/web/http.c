/*
 * clients/web/http.c - the HTTPS server: TLS, request bodies, sessions
 * from the cookie, the routes and the security headers (see http.h).
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "pubform.h"
#include "public.h"
#include "users.h"
#include "web.h"

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "            \
    "base-uri 'none'"

typedef enum MHD_Result route_fn(struct http_req *r);

/* The routes: an exact path (or a prefix ending in '/') and its method
 * (NULL: any, the handler checks). */
struct route {
    const char *method, *path;
    route_fn *fn;
};

static const struct route routes[] = {
    {"POST", "/api/login", api_login},
    {"POST", "/api/logout", api_logout},
    {"GET", "/api/me", api_me},
    {"POST", "/api/call", api_call},
    {"GET", "/api/board/events", sse_board},
    {"POST", "/hooks/", hooks_receive},
    {NULL, "/p/", public_serve},
    {NULL, "/r/", public_link},
    {"GET", "/", pages_serve},
};

static void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Strict-Transport-Security",
                            "max-age=31536000; includeSubDomains");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (!MHD_get_response_header(resp, "Cache-Control"))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
}

enum MHD_Result http_send(struct http_req *r, struct MHD_Response *resp, unsigned status)
{
    if (!resp)
        return MHD_NO;
    add_security_headers(resp);
    enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result http_json(struct http_req *r, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    return http_send(r, resp, status);
}

enum MHD_Result http_error(struct http_req *r, unsigned status, const char *code, const char *msg)
{
    return http_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

enum MHD_Result http_redirect(struct http_req *r, const char *location)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (resp)
        MHD_add_response_header(resp, "Location", location);
    return http_send(r, resp, MHD_HTTP_SEE_OTHER);
}

const char *http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool http_csrf_ok(struct http_req *r)
{
    const char *t = http_header(r, "X-CSRF-Token");
    return r->signed_in && t && strlen(t) == SESSION_TOKEN_LEN &&
           sodium_memcmp(t, r->s.csrf, SESSION_TOKEN_LEN) == 0;
}

/* The caller's session, from the cookie; an account disabled or removed
 * since sign-in ends all its sessions. */
static void find_session(struct http_req *r)
{
    const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, HTTP_COOKIE);
    r->signed_in = sessions_get(r->w->sessions, token, web_now_ms(), &r->s) == 0;
    struct web_user u;
    if (r->signed_in &&
        (users_current(r->w->o.users, r->s.user, &u) != 0 || strcmp(u.role, r->s.principal))) {
        sessions_end_user(r->w->sessions, r->s.user);
        r->signed_in = false;
    }
}

static void peer_address(struct http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(r->addr, sizeof(r->addr), "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->addr, sizeof(r->addr));
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->addr,
                  sizeof(r->addr));
}

static enum MHD_Result route(struct http_req *r)
{
    if (r->too_large && !public_path(r->url)) /* the public pages say it in words */
        return http_error(r, 413, "TOO_LARGE", "request body too large");
    peer_address(r);
    find_session(r);
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        size_t n = strlen(routes[i].path);
        bool prefix = routes[i].path[n - 1] == '/';
        bool match = prefix ? !strncmp(r->url, routes[i].path, n) : !strcmp(r->url, routes[i].path);
        if (match && (!routes[i].method || !strcmp(r->method, routes[i].method)))
            return routes[i].fn(r);
        if (match && strcmp(routes[i].path, "/"))
            return http_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD", "method not allowed");
    }
    return http_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD", "method not allowed");
}

/* Gather the body, then route; r lives in *con_cls until completed. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)version;
    struct http_req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof(*r))))
            return MHD_NO;
        *r = (struct http_req){.w = cls, .conn = conn, .method = method, .url = url};
        *con_cls = r;
        return MHD_YES;
    }
    if (*size > 0) {
        size_t max = public_path(r->url) ? PUBFORM_BODY_MAX : HTTP_BODY_MAX;
        if (!r->too_large && r->len + *size <= max) {
            char *b = realloc(r->body, r->len + *size + 1);
            if (!b)
                return MHD_NO;
            memcpy(b + r->len, data, *size);
            r->body = b, r->len += *size, b[r->len] = '\0';
        } else {
            r->too_large = true;
        }
        *size = 0;
        return MHD_YES;
    }
    return route(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    struct http_req *r = *con_cls;
    if (r) {
        sodium_memzero(r->body, r->len);
        free(r->body);
        sodium_memzero(&r->s, sizeof(r->s));
        free(r);
    }
    *con_cls = NULL;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    char *buf = f ? calloc(1, 65536) : NULL;
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    if (f)
        fclose(f);
    if (!buf || n == 0 || n == 65535) {
        snprintf(err, errlen, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    return buf;
}

static struct sockaddr_in listen_addr(const struct web_opts *o)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (inet_pton(AF_INET, o->listen, &sa.sin_addr) != 1)
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

void http_stop(struct web *w, struct MHD_Daemon *d)
{
    if (d)
        MHD_stop_daemon(d);
    if (w->tls_key)
        sodium_memzero(w->tls_key, strlen(w->tls_key));
    free(w->tls_cert);
    free(w->tls_key);
    w->tls_cert = w->tls_key = NULL;
}

struct MHD_Daemon *http_start(struct web *w, char *err, size_t errlen)
{
    char *cert = read_file(w->o.cert, err, errlen);
    char *key = cert ? read_file(w->o.key, err, errlen) : NULL;
    struct sockaddr_in sa = listen_addr(&w->o);
    struct MHD_Daemon *d = NULL;
    if (cert && key)
        d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                 MHD_USE_TLS | MHD_USE_ERROR_LOG,
                             0, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
                             MHD_OPTION_CONNECTION_LIMIT, 2000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                             1000u, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                             MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024, MHD_OPTION_END);
    if (cert && key && !d)
        snprintf(err, errlen, "cannot serve HTTPS on %s:%d (in use? TLS key and certificate?)",
                 w->o.listen, w->o.port);
    w->tls_cert = cert; /* libmicrohttpd reads them while it runs: freed in http_stop */
    w->tls_key = key;
    return d;
}
