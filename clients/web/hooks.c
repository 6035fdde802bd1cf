/*
 * clients/web/hooks.c - signed inbound calls (see hooks.h): the
 * secrets, the signature and replay checks, and the relay of replies to
 * page.ack (EDXL-RM answers go on to hooks_rm.c).
 */
#include "hooks.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "gw.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "public.h"
#include "web.h"

#define SEEN_MAX 4096
#define SECRET_MAX 128
#define NAME_MAX_LEN (3 + 40) /* "rm/" and an agency id */

struct hook {
    char name[NAME_MAX_LEN + 1]; /* "sms", "email" or "rm/AGENCY" */
    char secret[SECRET_MAX + 1];
};

struct hooks {
    struct hook *v;
    size_t n, cap;
    pthread_mutex_t lock;
    struct {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        int64_t at;
    } seen[SEEN_MAX];
    size_t next;
};

static const struct hook *find(const struct hooks *h, const char *name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (!strcmp(h->v[i].name, name))
            return &h->v[i];
    return NULL;
}

/* True for an agency id (as in a principal agency:ID). */
static bool agency_ok(const char *id)
{
    char principal[64];
    return snprintf(principal, sizeof(principal), "agency:%s", id) < (int)sizeof(principal) &&
           keys_principal_valid(principal);
}

/* Check one line's words: 0 and the hook's name in name ("sms", "email",
 * "rm/AGENCY"), or -EINVAL with err set. */
static int parse_words(const struct hooks *h, char **word, int n, char name[NAME_MAX_LEN + 1],
                       const char *at, char *err, size_t errlen)
{
    bool rm = n == 3 && !strcmp(word[0], "rm");
    size_t len = n >= 2 ? strlen(word[n - 1]) : 0;
    if (!rm && !(n == 2 && (!strcmp(word[0], "sms") || !strcmp(word[0], "email"))))
        snprintf(err, errlen, "%s: not \"sms SECRET\", \"email SECRET\" or \"rm AGENCY SECRET\"",
                 at);
    else if (len < 32 || len > SECRET_MAX)
        snprintf(err, errlen, "%s: the secret must be 32 to %d characters", at, SECRET_MAX);
    else if (rm && !agency_ok(word[1]))
        snprintf(err, errlen, "%s: \"%.40s\" is not an agency id (1 to 40 of a-z, 0-9 and -)", at,
                 word[1]);
    else if (snprintf(name, NAME_MAX_LEN + 1, "%s%s", rm ? "rm/" : word[0], rm ? word[1] : "") <
                 0 ||
             find(h, name))
        snprintf(err, errlen, "%s: a second line for the hook %s", at, name);
    else
        return 0;
    return -EINVAL;
}

static int parse(struct hooks *h, char *line, const char *path, int lineno, char *err,
                 size_t errlen)
{
    char *save = NULL, *word[4], name[NAME_MAX_LEN + 1], at[300];
    int n = 0;
    for (char *w = strtok_r(line, " \t\r\n", &save); w && n < 4;
         w = strtok_r(NULL, " \t\r\n", &save))
        word[n++] = w;
    if (n == 0 || word[0][0] == '#')
        return 0;
    snprintf(at, sizeof(at), "%s:%d", path, lineno);
    if (parse_words(h, word, n, name, at, err, errlen) != 0)
        return -EINVAL;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 8;
        struct hook *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return snprintf(err, errlen, "%s: out of memory", at), -ENOMEM;
        h->v = v, h->cap = cap;
    }
    snprintf(h->v[h->n].name, sizeof(h->v[0].name), "%s", name);
    snprintf(h->v[h->n].secret, sizeof(h->v[0].secret), "%s", word[n - 1]);
    h->n++;
    return 0;
}

/* Forget the secrets and free h (NULL: nothing). */
static void hooks_release(struct hooks *h)
{
    if (!h)
        return;
    if (h->v)
        sodium_memzero(h->v, h->cap * sizeof(*h->v));
    free(h->v);
    sodium_memzero(h, sizeof(*h));
    free(h);
}

int hooks_open(const char *path, struct hooks **out, char *err, size_t errlen)
{
    struct stat st;
    FILE *f = fopen(path, "re");
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return -errno;
    }
    struct hooks *h = (st.st_mode & 077) ? NULL : calloc(1, sizeof(*h));
    int rc = h ? 0 : -EPERM, lineno = 0;
    if (!h)
        snprintf(err, errlen, "%s: readable by others (chmod 600 it)", path);
    char line[512];
    while (rc == 0 && fgets(line, sizeof(line), f))
        rc = parse(h, line, path, ++lineno, err, errlen);
    sodium_memzero(line, sizeof(line));
    fclose(f);
    if (rc != 0) {
        hooks_release(h);
        return rc;
    }
    pthread_mutex_init(&h->lock, NULL);
    *out = h;
    return 0;
}

void hooks_free(struct hooks *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->lock);
    hooks_release(h);
}

/* True when mac was seen in the window; otherwise remember it. */
static bool seen_before(struct hooks *h, const unsigned char *mac, int64_t now_s)
{
    bool seen = false;
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < SEEN_MAX && !seen; i++)
        seen = h->seen[i].at && now_s - h->seen[i].at <= 2 * HOOKS_WINDOW_S &&
               sodium_memcmp(h->seen[i].mac, mac, sizeof(h->seen[i].mac)) == 0;
    if (!seen) {
        memcpy(h->seen[h->next].mac, mac, crypto_auth_hmacsha256_BYTES);
        h->seen[h->next].at = now_s;
        h->next = (h->next + 1) % SEEN_MAX;
    }
    pthread_mutex_unlock(&h->lock);
    return seen;
}

int hooks_verify(struct hooks *h, const char *name, const char *timestamp, const char *signature,
                 const char *body, size_t len, int64_t now_s)
{
    const struct hook *k = find(h, name);
    if (!k)
        return -ENOENT;
    unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    char *end = NULL;
    long long ts = timestamp ? strtoll(timestamp, &end, 10) : 0;
    size_t binlen = 0;
    if (!timestamp || !*timestamp || *end || !signature || strncmp(signature, "sha256=", 7) ||
        sodium_hex2bin(got, sizeof(got), signature + 7, strlen(signature + 7), NULL, &binlen,
                       NULL) != 0 ||
        binlen != sizeof(got))
        return -EACCES;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)k->secret, strlen(k->secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, want);
    if (sodium_memcmp(want, got, sizeof(want)) != 0)
        return -EACCES;
    if (ts < now_s - HOOKS_WINDOW_S || ts > now_s + HOOKS_WINDOW_S)
        return -ETIME;
    return seen_before(h, want, now_s) ? -EALREADY : 0;
}

/* "ACK CODE [note]" (ACK in any case): the code and the note (or NULL). */
static int parse_reply(char *text, char **code, char **note)
{
    char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (strncasecmp(p, "ack", 3) || !isspace((unsigned char)p[3]))
        return -EINVAL;
    for (p += 3; isspace((unsigned char)*p); p++)
        ;
    *code = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (p == *code || p - *code > 16)
        return -EINVAL;
    if (*p)
        *p++ = '\0';
    while (isspace((unsigned char)*p))
        p++;
    *note = *p ? p : NULL;
    return 0;
}

static enum MHD_Result refuse(struct http_req *r, const char *name, int rc)
{
    const char *why = rc == -ENOENT     ? "no such hook"
                      : rc == -ETIME    ? "stale timestamp (more than 5 minutes off)"
                      : rc == -EALREADY ? "replayed"
                                        : "missing or wrong signature";
    log_warnx("web: hook %s: call from %s refused: %s", name, r->addr, why);
    return http_error(r, rc == -ENOENT ? MHD_HTTP_NOT_FOUND : MHD_HTTP_UNAUTHORIZED,
                      rc == -ENOENT ? "NOT_FOUND" : "BAD_SIGNATURE", why);
}

static enum MHD_Result relay(struct http_req *r, const char *name, char *text)
{
    char *code, *note, user[16], err[256];
    if (parse_reply(text, &code, &note) != 0)
        return http_error(r, MHD_HTTP_BAD_REQUEST, "BAD_REPLY", "expected \"ACK CODE [note]\"");
    snprintf(user, sizeof(user), "hook-%s", name);
    json_t *args = json_pack("{s:s, s:s}", "code", code, "via", name), *reply = NULL;
    if (note)
        json_object_set_new(args, "note", json_string(note));
    if (gw_call(r->w->gw, "duty", user, "page.ack", args, &reply, err, sizeof(err)) != 0)
        return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "UNAVAILABLE", "musterd did not answer");
    json_t *e = json_object_get(reply, "error");
    const char *ecode = json_string_value(json_object_get(e, "code"));
    if (ecode)
        log_warnx("web: hook %s: page.ack refused: %s", name, ecode);
    else
        log_info("web: hook %s: page acknowledged by reply", name);
    unsigned status = !ecode                           ? 200
                      : !strcmp(ecode, "NOT_FOUND")    ? 404
                      : !strcmp(ecode, "RATE_LIMITED") ? 429
                      : !strcmp(ecode, "CONFLICT")     ? 409
                                                       : 400;
    json_t *out = ecode ? json_pack("{s:O}", "error", e)
                        : json_pack("{s:O}", "result", json_object_get(reply, "result"));
    json_decref(reply);
    return http_json(r, status, out);
}

/* "HELP KEYWORD [xx]": a call-back request through public.callback, as
 * the gateway itself; the answer carries the text to send back. */
static enum MHD_Result callback(struct http_req *r, const char *name, const char *from, char *text)
{
    char *save = NULL, *help = strtok_r(text, " \t\r\n", &save);
    char *kw = help ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    char *lang = kw ? strtok_r(NULL, " \t\r\n", &save) : NULL, err[256];
    if (!kw || !from || strlen(kw) > 16)
        return http_error(r, MHD_HTTP_BAD_REQUEST, "BAD_REPLY",
                          "send {\"from\": ..., \"text\": \"HELP KEYWORD\"}");
    for (char *p = kw; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    json_t *args = json_pack("{s:s, s:s, s:s}", "keyword", kw, "from", from, "channel", name);
    if (lang && strlen(lang) == 2)
        json_object_set_new(args, "language", json_string(lang));
    json_t *reply = NULL;
    if (gw_call(r->w->gw, NULL, NULL, "public.callback", args, &reply, err, sizeof(err)) != 0)
        return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "UNAVAILABLE", "musterd did not answer");
    json_t *e = json_object_get(reply, "error");
    const char *ecode = json_string_value(json_object_get(e, "code"));
    char *words =
        ecode ? NULL : public_callback_reply(r->w->pub, json_object_get(reply, "result"), kw, lang);
    log_info("web: hook %s: call-back request %s", name, ecode ? ecode : "taken");
    unsigned status = !ecode                           ? 200
                      : !strcmp(ecode, "NOT_FOUND")    ? 404
                      : !strcmp(ecode, "BUSY")         ? 503
                      : !strcmp(ecode, "RATE_LIMITED") ? 429
                                                       : 400;
    json_t *out = ecode ? json_pack("{s:O}", "error", e) : json_pack("{s:s}", "reply", words);
    free(words);
    json_decref(reply);
    return http_json(r, status, out);
}

static bool is_help(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    return !strncasecmp(text, "help", 4) && isspace((unsigned char)text[4]);
}

/* The hook's name from the path, for the log: "?" unless it could be one. */
static const char *log_name(const char *name)
{
    size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-/");
    return n > 0 && n <= NAME_MAX_LEN && !name[n] ? name : "?";
}

enum MHD_Result hooks_receive(struct http_req *r)
{
    const char *name = r->url + strlen("/hooks/");
    int rc = hooks_verify(r->w->hooks, name, http_header(r, "X-Muster-Timestamp"),
                          http_header(r, "X-Muster-Signature"), r->body ? r->body : "", r->len,
                          (int64_t)time(NULL));
    if (rc != 0)
        return refuse(r, log_name(name), rc);
    if (!strncmp(name, "rm/", 3))
        return hooks_rm_relay(r, name + 3);
    json_t *body = json_loadb(r->body ? r->body : "", r->len, 0, NULL);
    const char *text = json_string_value(json_object_get(body, "text"));
    const char *from = json_string_value(json_object_get(body, "from"));
    char *copy = text && strlen(text) <= 2100 ? strdup(text) : NULL;
    enum MHD_Result out = copy && is_help(copy) ? callback(r, name, from, copy)
                          : copy                ? relay(r, name, copy)
                                                : http_error(r, MHD_HTTP_BAD_REQUEST, "BAD_REPLY",
                                                             "send {\"from\": ..., \"text\": \"ACK CODE ...\"}");
    free(copy);
    json_decref(body);
    return out;
}
