/*
 * clients/web/gw.c - the pool of musterd connections (see gw.h).
 */
#include "gw.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "keys.h"

#define POOL_MAX 8

struct gw {
    struct keypair me;
    char server_pub[41];
    char control[512];
    int timeout_ms;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct mclient *idle[POOL_MAX];
    size_t nidle, open;
};

int gw_open(const char *keys_dir, const char *control, int timeout_ms, struct gw **out, char *err,
            size_t errlen)
{
    struct gw *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    int rc = mclient_keys_for(keys_dir, "web", &g->me, g->server_pub, err, errlen);
    if (rc == 0 && strcmp(g->me.principal, "web")) {
        snprintf(err, errlen, "%s/web.key is not a key of principal web", keys_dir);
        rc = -EINVAL;
    }
    if (rc != 0) {
        free(g);
        return rc;
    }
    snprintf(g->control, sizeof(g->control), "%s", control);
    g->timeout_ms = timeout_ms;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->freed, NULL);
    *out = g;
    return 0;
}

void gw_free(struct gw *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nidle; i++)
        mclient_close(g->idle[i]);
    pthread_cond_destroy(&g->freed);
    pthread_mutex_destroy(&g->lock);
    sodium_memzero(&g->me, sizeof(g->me));
    free(g);
}

const struct keypair *gw_key(const struct gw *g)
{
    return &g->me;
}

const char *gw_server_pub(const struct gw *g)
{
    return g->server_pub;
}

/* An idle connection, a new one, or wait for one to be given back. */
static int take(struct gw *g, struct mclient **c, char *err, size_t errlen)
{
    pthread_mutex_lock(&g->lock);
    while (g->nidle == 0 && g->open == POOL_MAX)
        pthread_cond_wait(&g->freed, &g->lock);
    if (g->nidle > 0) {
        *c = g->idle[--g->nidle];
        pthread_mutex_unlock(&g->lock);
        return 0;
    }
    g->open++;
    pthread_mutex_unlock(&g->lock);
    struct mclient_opts o = {g->control, &g->me, g->server_pub, g->timeout_ms};
    int rc = mclient_open(&o, c, err, errlen);
    if (rc != 0) {
        pthread_mutex_lock(&g->lock);
        g->open--;
        pthread_cond_signal(&g->freed);
        pthread_mutex_unlock(&g->lock);
    }
    return rc;
}

static void give_back(struct gw *g, struct mclient *c, bool healthy)
{
    pthread_mutex_lock(&g->lock);
    if (healthy) {
        g->idle[g->nidle++] = c;
    } else {
        g->open--;
        mclient_close(c);
    }
    pthread_cond_signal(&g->freed);
    pthread_mutex_unlock(&g->lock);
}

int gw_call(struct gw *g, const char *principal, const char *user, const char *cmd, json_t *args,
            json_t **reply, char *err, size_t errlen)
{
    struct mclient *c = NULL;
    int rc = take(g, &c, err, errlen);
    if (rc != 0) {
        json_decref(args);
        return rc;
    }
    mclient_set_as(c, principal, user);
    rc = mclient_call(c, NULL, cmd, args, reply, err, errlen);
    mclient_set_as(c, NULL, NULL);
    give_back(g, c, rc == 0);
    return rc;
}
