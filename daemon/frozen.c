/*
 * daemon/frozen.c - frozen plans of incidents, cached (see frozen.h).
 */
#include "frozen.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "plan.h"
#include "server.h"
#include "store.h"

#define FROZEN_CACHE 8

struct frozen {
    int64_t ids[FROZEN_CACHE];
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

static const char SQL_SOURCE[] = "SELECT ref, plan_source FROM incidents WHERE id = ?1";

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

const struct plan *frozen_plan(struct muster *m, int64_t incident_id)
{
    struct frozen *f = m->frozen;
    for (size_t i = 0; i < FROZEN_CACHE; i++)
        if (f->plans[i] && f->ids[i] == incident_id)
            return f->plans[i];
    struct plan *p = frozen_load(m, incident_id);
    if (!p)
        return NULL;
    size_t slot = f->next++ % FROZEN_CACHE;
    plan_free(f->plans[slot]);
    f->plans[slot] = p;
    f->ids[slot] = incident_id;
    return p;
}
