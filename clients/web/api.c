/*
 * clients/web/api.c - the browser's JSON API: sign in and out, who am I,
 * and /api/call, which relays one musterd command for the signed-in user
 * (musterd authorizes it as the user's principal; its error codes become
 * HTTP statuses: FORBIDDEN 403, NOT_FOUND 404, ...).  Every state change
 * needs the session's CSRF token in X-CSRF-Token.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gw.h"
#include "http.h"
#include "limiter.h"
#include "log.h"
#include "users.h"
#include "web.h"

static json_t *me_json(const struct web_session *s)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "user", s->user, "principal", s->principal, "csrf",
                     s->csrf, "home", pages_home(s->principal));
}

static enum MHD_Result with_cookie(struct http_req *r, unsigned status, json_t *body,
                                   const char *cookie)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct MHD_Response *resp =
        text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Set-Cookie", cookie);
    return http_send(r, resp, status);
}

static enum MHD_Result too_many(struct http_req *r, int64_t wait_ms)
{
    char secs[24];
    snprintf(secs, sizeof(secs), "%lld", (long long)(wait_ms + 999) / 1000);
    json_t *body = json_pack("{s:{s:s, s:s, s:I}}", "error", "code", "RATE_LIMITED", "message",
                             "too many failed sign-ins: try again later", "retry_after_ms",
                             (json_int_t)wait_ms);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct MHD_Response *resp =
        text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Retry-After", secs);
    return http_send(r, resp, 429);
}

/* How long the account and the address must wait before trying again. */
static int64_t login_wait(struct http_req *r, const char *user, int64_t now)
{
    char ukey[64], akey[80];
    snprintf(ukey, sizeof(ukey), "u:%s", user);
    snprintf(akey, sizeof(akey), "a:%s", r->addr);
    int64_t a = limiter_wait(r->w->limiter, ukey, LIMIT_USER_FAILS, now);
    int64_t b = limiter_wait(r->w->limiter, akey, LIMIT_ADDR_FAILS, now);
    return a > b ? a : b;
}

static enum MHD_Result login_refused(struct http_req *r, const char *user, int64_t now)
{
    char ukey[64], akey[80];
    snprintf(ukey, sizeof(ukey), "u:%s", user);
    snprintf(akey, sizeof(akey), "a:%s", r->addr);
    limiter_fail(r->w->limiter, ukey, now);
    limiter_fail(r->w->limiter, akey, now);
    log_warnx("web: sign-in refused for account %s from %s", user, r->addr);
    return http_error(r, MHD_HTTP_UNAUTHORIZED, "BAD_LOGIN", "wrong user name or password");
}

static enum MHD_Result login_ok(struct http_req *r, const struct web_user *u, int64_t mono)
{
    char ukey[64], cookie[160];
    snprintf(ukey, sizeof(ukey), "u:%s", u->name);
    limiter_clear(r->w->limiter, ukey);
    struct web_session s;
    if (sessions_create(r->w->sessions, u->name, u->role, mono, &s) != 0)
        return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "UNAVAILABLE", "out of memory");
    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; Secure; SameSite=Strict",
             HTTP_COOKIE, s.token);
    log_info("web: %s (%s) signed in from %s", u->name, u->role, r->addr);
    return with_cookie(r, MHD_HTTP_OK, me_json(&s), cookie);
}

enum MHD_Result api_login(struct http_req *r)
{
    json_t *body = r->body ? json_loads(r->body, 0, NULL) : NULL;
    const char *user = json_string_value(json_object_get(body, "user"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    int64_t now = web_now_ms();
    enum MHD_Result rc;
    int64_t wait = 0;
    struct web_user u;
    if (!user || !pw || !keys_person_valid(user) || strlen(pw) > USERS_PASSWORD_MAX)
        rc = http_error(r, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST",
                        "send {\"user\": NAME, \"password\": PASSWORD}");
    else if ((wait = login_wait(r, user, now)) > 0)
        rc = too_many(r, wait);
    else if (users_check(r->w->o.users, user, pw, &u) != 0)
        rc = login_refused(r, user, now);
    else
        rc = login_ok(r, &u, now);
    json_decref(body);
    return rc;
}

enum MHD_Result api_logout(struct http_req *r)
{
    if (!r->signed_in)
        return http_error(r, MHD_HTTP_UNAUTHORIZED, "SIGNED_OUT", "not signed in");
    if (!http_csrf_ok(r))
        return http_error(r, MHD_HTTP_FORBIDDEN, "CSRF", "missing or wrong X-CSRF-Token");
    sessions_end(r->w->sessions, r->s.token);
    log_info("web: %s signed out", r->s.user);
    return with_cookie(r, MHD_HTTP_OK, json_object(),
                       HTTP_COOKIE "=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
}

enum MHD_Result api_me(struct http_req *r)
{
    if (!r->signed_in)
        return http_error(r, MHD_HTTP_UNAUTHORIZED, "SIGNED_OUT", "not signed in");
    return http_json(r, MHD_HTTP_OK, me_json(&r->s));
}

/* The HTTP status for a musterd error code. */
static unsigned status_of(const char *code)
{
    static const struct {
        const char *code;
        unsigned status;
    } map[] = {{"FORBIDDEN", 403},    {"NOT_FOUND", 404},   {"CONFLICT", 409}, {"TOO_LARGE", 413},
               {"RATE_LIMITED", 429}, {"UNAVAILABLE", 503}, {"BUSY", 503}};
    for (size_t i = 0; code && i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i].code, code))
            return map[i].status;
    return MHD_HTTP_BAD_REQUEST;
}

enum MHD_Result api_relay(struct http_req *r, const char *principal, const char *user,
                          const char *cmd, json_t *args, unsigned *status)
{
    json_t *reply = NULL;
    char err[256];
    unsigned st = MHD_HTTP_SERVICE_UNAVAILABLE;
    if (status)
        *status = st;
    if (gw_call(r->w->gw, principal, user, cmd, json_incref(args), &reply, err, sizeof(err)) != 0)
        return http_error(r, st, "UNAVAILABLE", "musterd did not answer: try again");
    json_t *e = json_object_get(reply, "error"), *out;
    if (json_is_true(json_object_get(reply, "ok"))) {
        st = MHD_HTTP_OK;
        out = json_pack("{s:O}", "result", json_object_get(reply, "result"));
    } else {
        st = status_of(json_string_value(json_object_get(e, "code")));
        out = json_pack("{s:O}", "error", e);
    }
    json_decref(reply);
    if (status)
        *status = st;
    return http_json(r, st, out);
}

enum MHD_Result api_call(struct http_req *r)
{
    if (!r->signed_in)
        return http_error(r, MHD_HTTP_UNAUTHORIZED, "SIGNED_OUT", "not signed in");
    if (!http_csrf_ok(r))
        return http_error(r, MHD_HTTP_FORBIDDEN, "CSRF", "missing or wrong X-CSRF-Token");
    json_t *body = r->body ? json_loads(r->body, JSON_REJECT_DUPLICATES, NULL) : NULL;
    const char *cmd = json_string_value(json_object_get(body, "cmd"));
    json_t *args = json_object_get(body, "args");
    enum MHD_Result rc;
    if (!cmd || strlen(cmd) > 64 || (args && !json_is_object(args)))
        rc = http_error(r, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST",
                        "send {\"cmd\": COMMAND, \"args\": {...}}");
    else if (!strcmp(cmd, "agency.listen"))
        rc = http_error(r, MHD_HTTP_FORBIDDEN, "FORBIDDEN", "not through the web gateway");
    else
        rc = api_relay(r, r->s.principal, r->s.user, cmd, args, NULL);
    json_decref(body);
    return rc;
}
