/*
 * daemon/frozen.c - frozen plans of incidents, cached (see frozen.h).
 *
 * The cache is keyed by the digest of the stored plan source (read
 * through incident.c, the table's owner, on every call): the incidents
 * stood up from one plan share one parsed copy, so a thousand incidents of
 * one plan cost one parse, and an incident id that comes back with another
 * plan (its first standup was rolled back) finds that plan's copy.
 *
 * Which copy an incident has is remembered for the few incidents last
 * asked for, while the store's generation (store.h: bumped by every
 * rollback and by every change of an incident's plan) stays the same: a
 * registration asks for its incident's plan some eight times, each a read
 * of the digest before (issue 19).
 */
#include "frozen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "log.h"
#include "plan.h"
#include "server.h"
#include "store.h"

#define FROZEN_CACHE 16 /* distinct plans (by source) kept parsed */
#define FROZEN_MEMO 4   /* incidents whose copy is remembered */
#define DIGEST_LEN INCIDENT_DIGEST_MAX

struct memo {
    int64_t incident_id; /* 0: none */
    uint64_t gen;        /* the store's generation when the digest was read */
    size_t slot;
};

struct frozen {
    char digests[FROZEN_CACHE][DIGEST_LEN];
    struct plan *plans[FROZEN_CACHE];
    size_t next;
    struct memo memo[FROZEN_MEMO];
    size_t next_memo;
};

int frozen_open(struct frozen **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

void frozen_free(struct frozen *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < FROZEN_CACHE; i++)
        plan_free(f->plans[i]);
    free(f);
}

/* The plan incident_id was stood up from, loaded again; NULL when it
 * cannot be read or no longer loads (logged). */
static struct plan *frozen_load(struct muster *m, int64_t incident_id)
{
    struct incident inc;
    char *source = NULL;
    size_t len = 0;
    struct plan *p = NULL;
    if (incident_get(m->store, incident_id, &inc) <= 0 ||
        incident_plan_source(m->store, incident_id, &source, &len) <= 0)
        return NULL;
    struct plan_errors errs = {0};
    if (plan_load_buffer(inc.ref, source, len, &p, &errs) != 0)
        log_error("incident %s: its frozen plan no longer loads (%s)", inc.ref,
                  errs.count ? errs.msg[0] : "?");
    plan_errors_free(&errs);
    free(source);
    return p;
}

static const struct plan *remember(struct frozen *f, int64_t incident_id, uint64_t gen, size_t slot)
{
    f->memo[f->next_memo++ % FROZEN_MEMO] = (struct memo){incident_id, gen, slot};
    return f->plans[slot];
}

const struct plan *frozen_plan(struct muster *m, int64_t incident_id)
{
    struct frozen *f = m->frozen;
    uint64_t gen = store_generation(m->store);
    for (size_t i = 0; i < FROZEN_MEMO; i++)
        if (f->memo[i].incident_id == incident_id && f->memo[i].gen == gen && incident_id)
            return f->plans[f->memo[i].slot];
    char digest[DIGEST_LEN];
    if (incident_plan_digest(m->store, incident_id, digest) <= 0)
        return NULL;
    for (size_t i = 0; i < FROZEN_CACHE; i++)
        if (f->plans[i] && !strcmp(f->digests[i], digest))
            return remember(f, incident_id, gen, i);
    struct plan *p = frozen_load(m, incident_id);
    if (!p)
        return NULL;
    size_t slot = f->next++ % FROZEN_CACHE;
    for (size_t i = 0; i < FROZEN_MEMO; i++) /* whoever had the copy it replaces */
        if (f->memo[i].slot == slot)
            f->memo[i].incident_id = 0;
    plan_free(f->plans[slot]);
    f->plans[slot] = p;
    memcpy(f->digests[slot], digest, DIGEST_LEN);
    return remember(f, incident_id, gen, slot);
}
