/*
 * daemon/frozen.c - frozen plans of incidents, cached (see frozen.h).
 *
 * The cache is keyed by the digest of the stored plan source (read
 * through incident.c, the table's owner, on every call): the incidents
 * stood up from one plan share one parsed copy, so a thousand incidents of
 * one plan cost one parse, and an incident id that comes back with another
 * plan (its first standup was rolled back) finds that plan's copy.
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

#define FROZEN_CACHE 16 /* distinct plans (by source) kept parsed */
#define DIGEST_LEN INCIDENT_DIGEST_MAX

struct frozen {
    char digests[FROZEN_CACHE][DIGEST_LEN];
    struct plan *plans[FROZEN_CACHE];
    size_t next;
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

const struct plan *frozen_plan(struct muster *m, int64_t incident_id)
{
    struct frozen *f = m->frozen;
    char digest[DIGEST_LEN];
    if (incident_plan_digest(m->store, incident_id, digest) <= 0)
        return NULL;
    for (size_t i = 0; i < FROZEN_CACHE; i++)
        if (f->plans[i] && !strcmp(f->digests[i], digest))
            return f->plans[i];
    struct plan *p = frozen_load(m, incident_id);
    if (!p)
        return NULL;
    size_t slot = f->next++ % FROZEN_CACHE;
    plan_free(f->plans[slot]);
    f->plans[slot] = p;
    memcpy(f->digests[slot], digest, DIGEST_LEN);
    return p;
}
