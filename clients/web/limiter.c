/*
 * clients/web/limiter.c - failed sign-ins per key over a sliding window
 * (see limiter.h).
 */
#include "limiter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYS_MAX 4096
#define KEY_LEN 96
#define FAILS_MAX LIMIT_MAX

struct entry {
    char key[KEY_LEN];
    int64_t at[FAILS_MAX]; /* failure times, oldest first */
    int n;
    int64_t touched;
};

struct limiter {
    pthread_mutex_t lock;
    int64_t window_ms;
    struct entry *v;
    size_t n;
};

struct limiter *limiter_open(int64_t window_ms)
{
    struct limiter *l = calloc(1, sizeof(*l));
    if (l)
        l->window_ms = window_ms;
    if (l && !(l->v = calloc(KEYS_MAX, sizeof(*l->v)))) {
        free(l);
        return NULL;
    }
    if (l)
        pthread_mutex_init(&l->lock, NULL);
    return l;
}

void limiter_free(struct limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->v);
    free(l);
}

static struct entry *find(struct limiter *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strncmp(l->v[i].key, key, KEY_LEN - 1))
            return &l->v[i];
    return NULL;
}

/* Forget failures older than the window. */
static void expire(struct entry *e, int64_t now, int64_t window_ms)
{
    int k = 0;
    while (k < e->n && now - e->at[k] >= window_ms)
        k++;
    memmove(e->at, e->at + k, (size_t)(e->n - k) * sizeof(e->at[0]));
    e->n -= k;
}

int64_t limiter_wait(struct limiter *l, const char *key, int max, int64_t now)
{
    int64_t wait = 0;
    pthread_mutex_lock(&l->lock);
    struct entry *e = find(l, key);
    if (e) {
        expire(e, now, l->window_ms);
        if (e->n >= max)
            wait = e->at[e->n - max] + l->window_ms - now;
    }
    pthread_mutex_unlock(&l->lock);
    return wait > 0 ? wait : 0;
}

static struct entry *slot(struct limiter *l, const char *key)
{
    struct entry *e = find(l, key);
    if (e)
        return e;
    if (l->n < KEYS_MAX) {
        e = &l->v[l->n++];
    } else {
        e = &l->v[0];
        for (size_t i = 1; i < l->n; i++)
            if (l->v[i].touched < e->touched)
                e = &l->v[i];
    }
    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
    return e;
}

void limiter_fail(struct limiter *l, const char *key, int64_t now)
{
    pthread_mutex_lock(&l->lock);
    struct entry *e = slot(l, key);
    expire(e, now, l->window_ms);
    if (e->n == FAILS_MAX) {
        memmove(e->at, e->at + 1, (FAILS_MAX - 1) * sizeof(e->at[0]));
        e->n--;
    }
    e->at[e->n++] = now;
    e->touched = now;
    pthread_mutex_unlock(&l->lock);
}

void limiter_clear(struct limiter *l, const char *key)
{
    pthread_mutex_lock(&l->lock);
    struct entry *e = find(l, key);
    if (e)
        e->n = 0;
    pthread_mutex_unlock(&l->lock);
}
