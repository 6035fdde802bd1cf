/*
 * daemon/frozen.c - frozen plans of incidents, cached (see frozen.h).
 *
 * The cache is keyed by incident id and the digest of its stored plan
 * source (both read through incident.c, the table's owner), checked on
 * every call: an incident id can come back with another plan when the
 * standup that first used it was rolled back.
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

#define FROZEN_CACHE 16 /* the incidents one tick may page, ask for and route */
#define DIGEST_LEN INCIDENT_DIGEST_MAX

struct frozen {
    int64_t ids[FROZEN_CACHE];
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

/* The slot for incident_id: the one it had (its plan changed), else the
 * next in turn. */
static size_t frozen_slot(struct frozen *f, int64_t incident_id)
{
    for (size_t i = 0; i < FROZEN_CACHE; i++)
        if (f->plans[i] && f->ids[i] == incident_id)
            return i;
    return f->next++ % FROZEN_CACHE;
}

const struct plan *frozen_plan(struct muster *m, int64_t incident_id)
{
    struct frozen *f = m->frozen;
    char digest[DIGEST_LEN];
    if (incident_plan_digest(m->store, incident_id, digest) <= 0)
        return NULL;
    for (size_t i = 0; i < FROZEN_CACHE; i++)
        if (f->plans[i] && f->ids[i] == incident_id && !strcmp(f->digests[i], digest))
            return f->plans[i];
    struct plan *p = frozen_load(m, incident_id);
    if (!p)
        return NULL;
    size_t slot = frozen_slot(f, incident_id);
    plan_free(f->plans[slot]);
    f->plans[slot] = p;
    f->ids[slot] = incident_id;
    memcpy(f->digests[slot], digest, DIGEST_LEN);
    return p;
}
