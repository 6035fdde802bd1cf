/*
 * daemon/frozen.c - frozen plans of incidents, cached (see frozen.h).
 *
 * The cache is keyed by incident id and the digest of its stored plan
 * source, checked on every call: an incident id can come back with another
 * plan when the standup that first used it was rolled back.
 */
#include "frozen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plan.h"
#include "server.h"
#include "store.h"

#define FROZEN_CACHE 16 /* the incidents one tick may page, ask for and route */
#define DIGEST_LEN 65   /* SHA-256 in hex, with its NUL */

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

static const char SQL_DIGEST[] = "SELECT plan_digest FROM incidents WHERE id = ?1";
static const char SQL_SOURCE[] = "SELECT ref, plan_source FROM incidents WHERE id = ?1";

/* The digest of the incident's stored plan: 0, or -ENOENT. */
static int frozen_digest(struct muster *m, int64_t incident_id, char digest[DIGEST_LEN])
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_DIGEST);
    int rc = -ENOENT;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
        snprintf(digest, DIGEST_LEN, "%s", (const char *)sqlite3_column_text(s, 0));
        rc = 0;
    }
    sqlite3_reset(s);
    return rc;
}

static struct plan *frozen_load(struct muster *m, int64_t incident_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_SOURCE);
    struct plan *p = NULL;
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, incident_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        struct plan_errors errs = {0};
        const char *ref = (const char *)sqlite3_column_text(s, 0);
        if (plan_load_buffer(ref, (const char *)sqlite3_column_text(s, 1),
                             (size_t)sqlite3_column_bytes(s, 1), &p, &errs) != 0)
            log_error("incident %s: its frozen plan no longer loads (%s)", ref,
                      errs.count ? errs.msg[0] : "?");
        plan_errors_free(&errs);
    }
    sqlite3_reset(s);
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
    if (frozen_digest(m, incident_id, digest) != 0)
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
