/*
 * clients/web/public.c - the public door's routes (see public.h): the
 * list of published incidents, the self-registration form and what its
 * submission answers, and the one-time link's form.
 */
#include "public.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "gw.h"
#include "http.h"
#include "i18n.h"
#include "limiter.h"
#include "log.h"
#include "pubform.h"
#include "pubhtml.h"
#include "web.h"

#define KEYWORD_MAX 16
#define TOKEN_MAX 64

struct public
{
    struct web *w;
    struct i18n *t;
    struct limiter *addr, *all;
    int per_address, per_second;
    unsigned char secret[PUBFORM_SECRET_LEN];
    pthread_mutex_t lock;
    json_t *incidents; /* public.incidents, as musterd last answered */
    int64_t fetched_ms;
};

/* What one request needs: the incident, the languages it offers. */
struct view {
    struct public *p;
    struct http_req *r;
    json_t *list, *inc; /* list owned; inc borrowed from it */
    const char *langs[I18N_LANGS_MAX + 1];
    char path[96];
    struct pubpage pg;
};

static enum MHD_Result link_serve(struct http_req *r, const char *path);

int public_open(struct web *w, const char *i18n_dir, int per_address, int per_second,
                struct public **out, char *err, size_t errlen)
{
    struct public *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    int rc = i18n_open(i18n_dir, &p->t, err, errlen);
    p->addr = rc == 0 ? limiter_open(PUBLIC_ADDR_WINDOW_MS) : NULL;
    p->all = p->addr ? limiter_open(1000) : NULL;
    if (rc == 0 && !p->all) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
    }
    if (rc != 0) {
        public_free(p);
        return rc;
    }
    p->w = w;
    p->per_address = per_address;
    p->per_second = per_second;
    randombytes_buf(p->secret, sizeof(p->secret));
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return 0;
}

void public_free(struct public *p)
{
    if (!p)
        return;
    if (p->w)
        pthread_mutex_destroy(&p->lock);
    json_decref(p->incidents);
    limiter_free(p->addr);
    limiter_free(p->all);
    i18n_free(p->t);
    sodium_memzero(p->secret, sizeof(p->secret));
    free(p);
}

int public_path(const char *url)
{
    return !strncmp(url, "/p/", 3) || !strncmp(url, "/r/", 3);
}

/* The published incidents (a new reference), from musterd at most every
 * PUBLIC_CACHE_MS; NULL when musterd does not answer. */
static json_t *incidents(struct public *p)
{
    int64_t now = web_now_ms();
    pthread_mutex_lock(&p->lock);
    if (!p->incidents || now - p->fetched_ms >= PUBLIC_CACHE_MS) {
        json_t *reply = NULL;
        char err[256];
        if (gw_call(p->w->gw, NULL, NULL, "public.incidents", NULL, &reply, err, sizeof(err)) ==
            0) {
            json_t *res = json_object_get(reply, "result");
            json_t *list = json_is_array(res) ? res : json_object_get(res, "incidents");
            json_decref(p->incidents);
            p->incidents = json_is_array(list) ? json_incref(list) : NULL;
            p->fetched_ms = now;
            if (!list)
                log_warnx(
                    "web: public.incidents refused: %s",
                    json_string_value(json_object_get(json_object_get(reply, "error"), "message")));
        }
        json_decref(reply);
    }
    json_t *out = json_incref(p->incidents);
    pthread_mutex_unlock(&p->lock);
    return out;
}

static json_t *find_by(json_t *list, const char *member, const char *value)
{
    size_t i;
    json_t *inc;
    json_array_foreach(list, i, inc)
    {
        const char *v = json_string_value(json_object_get(inc, member));
        if (v && value && !strcasecmp(v, value))
            return inc;
    }
    return NULL;
}

static const char *inc_str(json_t *inc, const char *member)
{
    const char *s = json_string_value(json_object_get(inc, member));
    return s && *s ? s : NULL;
}

/* The languages to offer: English, then the incident's that have words. */
static void offered(struct view *v)
{
    size_t n = 0, i;
    json_t *l;
    v->langs[n++] = "en";
    json_array_foreach(json_object_get(v->inc, "languages"), i, l)
    {
        const char *s = json_string_value(l);
        if (s && strcmp(s, "en") && i18n_has(v->p->t, s) && n < I18N_LANGS_MAX)
            v->langs[n++] = s;
    }
    if (!v->inc)
        for (const char *const *all = i18n_langs(v->p->t); *all && n < I18N_LANGS_MAX; all++)
            if (strcmp(*all, "en"))
                v->langs[n++] = *all;
    v->langs[n] = NULL;
}

static void view_init(struct view *v, struct public *p, struct http_req *r, const char *lang)
{
    offered(v);
    snprintf(v->path, sizeof(v->path), "%s", r->url);
    const char *want = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "lang");
    v->pg = (struct pubpage){
        .t = p->t,
        .lang = i18n_pick(p->t, v->langs, want ? want : lang, http_header(r, "Accept-Language")),
        .langs = v->langs,
        .path = v->path,
        .public_name = inc_str(v->inc, "public_name"),
        .keyword = inc_str(v->inc, "keyword"),
        .hub_phone = inc_str(v->inc, "hub_phone"),
    };
}

static enum MHD_Result send_html(struct http_req *r, unsigned status, struct html *h,
                                 int64_t retry_ms)
{
    if (h->oom || !h->buf) {
        free(h->buf);
        return MHD_NO;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(h->len, h->buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(h->buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    if (retry_ms > 0) {
        char s[24];
        snprintf(s, sizeof(s), "%lld", (long long)((retry_ms + 999) / 1000));
        MHD_add_response_header(resp, "Retry-After", s);
    }
    return http_send(r, resp, status);
}

static enum MHD_Result message(struct view *v, unsigned status, const char *title, const char *text,
                               int64_t retry_ms)
{
    struct html h = {0};
    pubhtml_message(&h, &v->pg, title, text, (long)((retry_ms + 59999) / 60000));
    return send_html(v->r, status, &h, retry_ms);
}

static enum MHD_Result form(struct view *v, unsigned status, const struct pubform *f,
                            const char *const *err, const char *notice)
{
    char t[PUBFORM_T_LEN];
    pubform_challenge(v->p->secret, v->pg.keyword, (int64_t)time(NULL), t);
    struct html h = {0};
    pubhtml_form(&h, &v->pg, f, err, notice, t);
    return send_html(v->r, status, &h, 0);
}

/* Past a limit: the page that says so, else 0 and the submission counted. */
static enum MHD_Result limited(struct view *v, bool *refused)
{
    struct public *p = v->p;
    int64_t now = web_now_ms(), wait = limiter_wait(p->addr, v->r->addr, p->per_address, now);
    *refused = true;
    if (wait > 0)
        return message(v, MHD_HTTP_TOO_MANY_REQUESTS, "limit_title", "limit_text", wait);
    if ((wait = limiter_wait(p->all, "*", p->per_second, now)) > 0)
        return message(v, MHD_HTTP_SERVICE_UNAVAILABLE, "busy_title", "busy_text", wait);
    limiter_fail(p->addr, v->r->addr, now);
    limiter_fail(p->all, "*", now);
    *refused = false;
    return MHD_YES;
}

/* musterd's answer to public.register. */
static enum MHD_Result registered(struct view *v, const struct pubform *f, json_t *reply)
{
    json_t *e = json_object_get(reply, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *ref =
        json_string_value(json_object_get(json_object_get(reply, "result"), "reference"));
    if (!code && ref) {
        struct html h = {0};
        pubhtml_thanks(&h, &v->pg, ref);
        return send_html(v->r, MHD_HTTP_OK, &h, 0);
    }
    log_warnx("web: public.register refused: %s", code ? code : "no reference");
    if (code && !strcmp(code, "NOT_FOUND"))
        return message(v, MHD_HTTP_NOT_FOUND, "closed_title", "closed_text", 0);
    if (code && (!strcmp(code, "BUSY") || !strcmp(code, "RATE_LIMITED"))) {
        json_int_t ms = json_integer_value(json_object_get(e, "retry_after_ms"));
        return message(v, MHD_HTTP_SERVICE_UNAVAILABLE, "busy_title", "busy_text",
                       ms > 0 ? ms : 60000);
    }
    return form(v, MHD_HTTP_BAD_REQUEST, f, NULL, "unavailable_text");
}

static enum MHD_Result submit(struct view *v)
{
    struct http_req *r = v->r;
    if (r->too_large || r->len > PUBFORM_BODY_MAX)
        return message(v, MHD_HTTP_CONTENT_TOO_LARGE, "err_title", "err_too_long", 0);
    bool refused;
    enum MHD_Result out = limited(v, &refused);
    if (refused)
        return out;
    struct pubform f;
    const char *err[PUBFORM_NFIELDS];
    if (pubform_parse(r->body ? r->body : "", r->len, &f) != 0)
        return pubform_free(&f), form(v, MHD_HTTP_BAD_REQUEST, NULL, NULL, "err_bad_chars");
    int rc = pubform_challenge_check(v->p->secret, v->pg.keyword, f.v[PF_T], (int64_t)time(NULL));
    if (pubform_check(&f, v->langs, err) > 0 || rc != 0) {
        out = form(v, MHD_HTTP_BAD_REQUEST, &f, err,
                   rc == -ETIME ? "err_expired"
                   : rc != 0    ? "err_too_soon"
                                : NULL);
        pubform_free(&f);
        return out;
    }
    json_t *reply = NULL;
    char msg[256];
    if (gw_call(v->p->w->gw, NULL, NULL, "public.register",
                pubform_register_args(&f, inc_str(v->inc, "incident")), &reply, msg,
                sizeof(msg)) != 0)
        out = message(v, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable_title", "unavailable_text", 0);
    else
        out = registered(v, &f, reply);
    json_decref(reply);
    pubform_free(&f);
    return out;
}

/* The keyword of /p/KEYWORD, upper-cased, or -1 when it is not one. */
static int keyword_of(const char *url, char out[KEYWORD_MAX + 1])
{
    size_t n = strlen(url);
    if (n == 0 || n > KEYWORD_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)url[i]))
            return -1;
        out[i] = (char)toupper((unsigned char)url[i]);
    }
    out[n] = '\0';
    return 0;
}

enum MHD_Result public_serve(struct http_req *r)
{
    struct view v = {.p = r->w->pub, .r = r};
    char kw[KEYWORD_MAX + 1];
    bool post = !strcmp(r->method, "POST");
    if (!post && strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
        return http_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD", "method not allowed");
    if (!strncmp(r->url, "/p/r/", 5)) /* the links musterd sends: <url>/r/<token> */
        return link_serve(r, r->url + 2);
    v.list = incidents(v.p);
    bool list = !strcmp(r->url, "/p/");
    if (!list && keyword_of(r->url + 3, kw) == 0)
        v.inc = find_by(v.list, "keyword", kw);
    view_init(&v, v.p, r, NULL);
    enum MHD_Result out;
    struct html h = {0};
    if (!v.list) {
        out = message(&v, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable_title", "unavailable_text", 0);
    } else if (list && !post) {
        pubhtml_list(&h, &v.pg, v.list);
        out = send_html(r, MHD_HTTP_OK, &h, 0);
    } else if (!v.inc) {
        out = message(&v, MHD_HTTP_NOT_FOUND, "closed_title", "closed_text", 0);
    } else {
        out = post ? submit(&v) : form(&v, MHD_HTTP_OK, NULL, NULL, NULL);
    }
    json_decref(v.list);
    return out;
}

/* The token of /r/TOKEN (base64url), or NULL. */
static const char *token_of(const char *path)
{
    const char *t = path + 3;
    size_t n = strlen(t);
    if (n == 0 || n > TOKEN_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '-' && t[i] != '_')
            return NULL;
    return t;
}

/* Ask musterd cmd with args (stolen): 0 and *result (new), -ENOENT for
 * NOT_FOUND, -EIO for another refusal, -ETIMEDOUT when it did not answer. */
static int ask(struct public *p, const char *cmd, json_t *args, json_t **result)
{
    json_t *reply = NULL;
    char err[256];
    *result = NULL;
    if (gw_call(p->w->gw, NULL, NULL, cmd, args, &reply, err, sizeof(err)) != 0)
        return -ETIMEDOUT;
    const char *code = json_string_value(json_object_get(json_object_get(reply, "error"), "code"));
    int rc = !code ? 0 : !strcmp(code, "NOT_FOUND") ? -ENOENT : -EIO;
    if (rc == 0)
        *result = json_incref(json_object_get(reply, "result"));
    else if (rc == -EIO)
        log_warnx("web: %s refused: %s", cmd, code);
    json_decref(reply);
    return rc;
}

/* The page for a token musterd did not take, or did not answer for. */
static enum MHD_Result link_failed(struct view *v, int rc)
{
    if (rc == -ETIMEDOUT || rc == -EIO)
        return message(v, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable_title", "unavailable_text", 0);
    return message(v, MHD_HTTP_GONE, "link_used_title", "link_used_text", 0);
}

/* public.update's arguments from a checked update form (new). */
static json_t *update_args(const struct pubform *f, const char *token)
{
    json_t *args = json_pack("{s:s}", "token", token);
    if (f->v[PF_WITHDRAW] && !strcmp(f->v[PF_WITHDRAW], "yes"))
        return json_object_set_new(args, "withdraw_consent", json_true()), args;
    enum pubform_field fields[] = {PF_PHONE, PF_EMAIL, PF_SAFE_TO_CALL, PF_SAFE_NOTE};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (f->v[fields[i]] && f->len[fields[i]] > 0)
            json_object_set_new(args, pubform_defs[fields[i]].name, json_string(f->v[fields[i]]));
    return args;
}

static enum MHD_Result link_update(struct view *v, const char *token, json_t *mine)
{
    struct http_req *r = v->r;
    struct pubform f;
    const char *err[PUBFORM_NFIELDS];
    if (r->too_large || r->len > PUBFORM_BODY_MAX)
        return message(v, MHD_HTTP_CONTENT_TOO_LARGE, "err_title", "err_too_long", 0);
    if (pubform_parse(r->body ? r->body : "", r->len, &f) != 0 ||
        pubform_check_update(&f, err) > 0) {
        struct html h = {0};
        const char *bad[PUBFORM_NFIELDS] = {[PF_SAFE_NOTE] = "err_bad_chars"};
        pubhtml_update(&h, &v->pg, mine, f.v[PF_T] || f.v[PF_NAME] ? err : bad);
        pubform_free(&f);
        return send_html(r, MHD_HTTP_BAD_REQUEST, &h, 0);
    }
    bool withdraw = f.v[PF_WITHDRAW] && !strcmp(f.v[PF_WITHDRAW], "yes");
    json_t *done = NULL;
    int rc = ask(v->p, "public.update", update_args(&f, token), &done);
    pubform_free(&f);
    json_decref(done);
    if (rc != 0)
        return link_failed(v, rc);
    return withdraw ? message(v, MHD_HTTP_OK, "withdrawn_title", "withdrawn_text", 0)
                    : message(v, MHD_HTTP_OK, "updated_title", "next_text", 0);
}

/* GET /r/: the form asking for a link; POST /r/: public.link, then the
 * same page whatever musterd found (it never says whether the reference
 * and the contact matched, nor does the page). */
static enum MHD_Result link_request(struct view *v, bool post)
{
    struct http_req *r = v->r;
    struct html h = {0};
    struct pubform f;
    const char *err[PUBFORM_NFIELDS];
    if (!post) {
        pubhtml_link(&h, &v->pg, NULL, NULL);
        return send_html(r, MHD_HTTP_OK, &h, 0);
    }
    if (r->too_large || r->len > PUBFORM_BODY_MAX)
        return message(v, MHD_HTTP_CONTENT_TOO_LARGE, "err_title", "err_too_long", 0);
    if (pubform_parse(r->body ? r->body : "", r->len, &f) != 0 || pubform_check_link(&f, err) > 0) {
        pubhtml_link(&h, &v->pg, &f, err);
        pubform_free(&f);
        return send_html(r, MHD_HTTP_BAD_REQUEST, &h, 0);
    }
    json_t *done = NULL;
    int rc = ask(
        v->p, "public.link",
        json_pack("{s:s, s:s}", "reference", f.v[PF_REFERENCE], "contact", f.v[PF_CONTACT]), &done);
    json_decref(done);
    pubform_free(&f);
    if (rc == -ETIMEDOUT)
        return message(v, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable_title", "unavailable_text", 0);
    return message(v, MHD_HTTP_OK, "link_sent_title", "link_sent_text", 0);
}

/* path: "/r/..." (the request's path, or what follows /p of it) */
static enum MHD_Result link_serve(struct http_req *r, const char *path)
{
    struct view v = {.p = r->w->pub, .r = r};
    bool post = !strcmp(r->method, "POST");
    if (!post && strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
        return http_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD", "method not allowed");
    bool asking = !strcmp(path, "/r/");
    const char *token = asking ? NULL : token_of(path);
    char key[80];
    snprintf(key, sizeof(key), "r:%s", r->addr);
    int64_t now = web_now_ms(), wait = limiter_wait(v.p->addr, key, LIMIT_MAX, now);
    json_t *mine = NULL;
    int rc = wait > 0 || !token
                 ? (asking ? 0 : -ENOENT)
                 : ask(v.p, "public.token", json_pack("{s:s}", "token", token), &mine);
    limiter_fail(v.p->addr, key, now);
    v.list = incidents(v.p);
    v.inc = find_by(v.list, "public_name", inc_str(mine, "public_name"));
    if (!v.inc && json_array_size(v.list) == 1)
        v.inc = json_array_get(v.list, 0); /* the Hub's number for a used link */
    view_init(&v, v.p, r, inc_str(mine, "language"));
    enum MHD_Result out;
    if (wait > 0) {
        out = message(&v, MHD_HTTP_TOO_MANY_REQUESTS, "limit_title", "limit_text", wait);
    } else if (asking) {
        out = link_request(&v, post);
    } else if (rc != 0) {
        out = link_failed(&v, rc);
    } else if (post) {
        out = link_update(&v, token, mine);
    } else {
        struct html h = {0};
        pubhtml_update(&h, &v.pg, mine, NULL);
        out = send_html(r, MHD_HTTP_OK, &h, 0);
    }
    json_decref(mine);
    json_decref(v.list);
    return out;
}

enum MHD_Result public_link(struct http_req *r)
{
    return link_serve(r, r->url);
}

char *public_callback_reply(struct public *p, json_t *result, const char *keyword, const char *lang)
{
    const char *url = inc_str(result, "url");
    char link[512];
    size_t n = url ? strlen(url) : 0;
    /* the plan's url is the door's base: the page is under it, by keyword */
    if (url && (n < strlen(keyword) || strcasecmp(url + n - strlen(keyword), keyword)))
        snprintf(link, sizeof(link), "%s%s%s", url, n && url[n - 1] == '/' ? "" : "/", keyword);
    else
        snprintf(link, sizeof(link), "%s", url ? url : "");
    const char *langs[] = {lang, NULL};
    struct pubpage pg = {
        .t = p->t,
        .lang = i18n_pick(p->t, langs, lang, NULL),
        .public_name = inc_str(result, "public_name"),
        .hub_phone = inc_str(result, "hub_phone"),
    };
    return pubhtml_words(&pg, "sms_reply", link, inc_str(result, "reference"));
}
