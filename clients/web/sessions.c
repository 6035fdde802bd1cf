/*
 * clients/web/sessions.c - signed-in browsers' sessions (see sessions.h).
 * A table under one mutex; tokens are compared in constant time.
 */
#include "sessions.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

struct sessions {
    pthread_mutex_t lock;
    struct web_session *v;
    size_t n, cap;
    int64_t idle_ms, absolute_ms;
};

struct sessions *sessions_open(int64_t idle_ms, int64_t absolute_ms)
{
    struct sessions *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->idle_ms = idle_ms;
    s->absolute_ms = absolute_ms;
    return s;
}

void sessions_free(struct sessions *s)
{
    if (!s)
        return;
    sodium_memzero(s->v, s->cap * sizeof(*s->v));
    free(s->v);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void sessions_token(char out[SESSION_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, SESSION_TOKEN_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void drop(struct sessions *s, size_t i)
{
    s->v[i] = s->v[--s->n];
    sodium_memzero(&s->v[s->n], sizeof(s->v[0]));
}

static bool expired(const struct sessions *s, const struct web_session *w, int64_t now)
{
    return now - w->last > s->idle_ms || now - w->created > s->absolute_ms;
}

/* Drop the sessions that have run out (lock held). */
static void sweep(struct sessions *s, int64_t now)
{
    for (size_t i = 0; i < s->n;)
        if (expired(s, &s->v[i], now))
            drop(s, i);
        else
            i++;
}

int sessions_create(struct sessions *s, const char *user, const char *principal, int64_t now,
                    struct web_session *out)
{
    struct web_session w = {.created = now, .last = now};
    sessions_token(w.token);
    sessions_token(w.csrf);
    snprintf(w.user, sizeof(w.user), "%s", user);
    snprintf(w.principal, sizeof(w.principal), "%s", principal);
    pthread_mutex_lock(&s->lock);
    sweep(s, now);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct web_session *v = realloc(s->v, cap * sizeof(*v));
        if (!v) {
            pthread_mutex_unlock(&s->lock);
            return -ENOMEM;
        }
        s->v = v, s->cap = cap;
    }
    s->v[s->n++] = w;
    pthread_mutex_unlock(&s->lock);
    *out = w;
    return 0;
}

static bool token_is(const struct web_session *w, const char *token)
{
    return sodium_memcmp(w->token, token, SESSION_TOKEN_LEN + 1) == 0;
}

int sessions_get(struct sessions *s, const char *token, int64_t now, struct web_session *out)
{
    char t[SESSION_TOKEN_LEN + 1] = {0};
    if (!token || strlen(token) != SESSION_TOKEN_LEN)
        return -ENOENT;
    memcpy(t, token, SESSION_TOKEN_LEN);
    int rc = -ENOENT;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++) {
        if (!token_is(&s->v[i], t))
            continue;
        if (expired(s, &s->v[i], now)) {
            drop(s, i);
            break;
        }
        s->v[i].last = now;
        *out = s->v[i];
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void sessions_end(struct sessions *s, const char *token)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; token && strlen(token) == SESSION_TOKEN_LEN && i < s->n; i++)
        if (!strncmp(s->v[i].token, token, SESSION_TOKEN_LEN)) {
            drop(s, i);
            break;
        }
    pthread_mutex_unlock(&s->lock);
}

void sessions_end_user(struct sessions *s, const char *user)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n;)
        if (!strcmp(s->v[i].user, user))
            drop(s, i);
        else
            i++;
    pthread_mutex_unlock(&s->lock);
}

size_t sessions_count(struct sessions *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n;
    pthread_mutex_unlock(&s->lock);
    return n;
}
