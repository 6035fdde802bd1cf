/*
 * daemon/paging_level.c - the activation pages follow the incident's level
 * (see paging_incident_level in paging.h): Gold raising the level pages
 * the agencies it now activates, once; lowering it stops the ladders of
 * those no longer needed; an amended plan is followed the same way.
 *
 * An agency has one activation page per incident (the pages_agency
 * index), so "paged once" is the database's rule, not this file's care:
 * an agency already paged, acknowledged or unreachable is left alone, and
 * a page a lowering cancelled is put back on its ladder from the first
 * step when the level comes back up.  Nobody is ever un-acknowledged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "paging_int.h"
#include "plan.h"
#include "server.h"
#include "store.h"

static const char SQL_PAGE_OF[] = "SELECT id, state FROM pages WHERE incident_id = ?1"
                                  " AND agency_id = ?2 AND kind = 'page' AND ask_id IS NULL";
static const char SQL_RESTART[] =
    "UPDATE pages SET state = 'paging', step = 0, attempt = 0, next_at = ?2, started_at = ?3,"
    " unreachable_at = NULL WHERE id = ?1 AND state = 'cancelled'";
static const char SQL_CLIMBING[] =
    "SELECT p.id, p.agency_id FROM pages p WHERE p.incident_id = ?1 AND p.kind = 'page'"
    " AND p.ask_id IS NULL AND p.state = 'paging' AND NOT EXISTS (SELECT 1 FROM referrals r"
    " WHERE r.incident_id = p.incident_id AND r.provider = p.agency_id AND r.state <> 'closed')"
    " ORDER BY p.id";
static const char SQL_STOP[] =
    "UPDATE pages SET state = 'cancelled', next_at = NULL WHERE id = ?1 AND state = 'paging'";

/* The agency's activation page: 1 with its id and whether a lowering
 * cancelled it, 0 when it has none, or -errno. */
static int page_of(struct muster *m, int64_t incident_id, const char *agency, int64_t *id,
                   bool *cancelled)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PAGE_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, agency, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        *id = sqlite3_column_int64(s, 0);
        *cancelled = !strcmp(store_col_text(s, 1), "cancelled");
    }
    sqlite3_reset(s);
    return rc;
}

/* Page agency a now unless it is paged already: 1 when paged, 0, -errno. */
static int activate(struct muster *m, int64_t incident_id, const struct plan_agency *a, int64_t now)
{
    int64_t id = 0;
    bool cancelled = false;
    int64_t first = now + a->contacts[0].after_ms;
    int rc = page_of(m, incident_id, a->id, &id, &cancelled);
    if (rc == 0)
        rc = paging__page_insert(m, incident_id, a->id, 0, first, now);
    else if (rc > 0 && !cancelled)
        return 0;
    else if (rc > 0) {
        sqlite3_stmt *s = store_stmt(m->store, SQL_RESTART);
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, first);
        sqlite3_bind_int64(s, 3, now);
        rc = store_exec_stmt(s);
    }
    return rc < 0 ? rc : 1;
}

/* agency's change, announced: its board key and an event of kind. */
static int announce(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                    const char *agency, const char *kind, const char *reason, int64_t now)
{
    paging_agency_board(m, ob, incident_id, agency);
    log_info("paging: %s: agency %s %s: %s", ref, agency,
             strcmp(kind, "agency.activated") ? "stood down" : "activated", reason);
    return outbox_event(m, ob, incident_id, ref, kind,
                        json_pack("{s:s, s:s}", "agency", agency, "reason", reason), now);
}

static int raise_all(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                     const struct plan *plan, int level, const char *reason, int64_t now, int *n)
{
    int rc = 0;
    for (size_t i = 0; rc >= 0 && i < plan->nagencies; i++) {
        const struct plan_agency *a = &plan->agencies[i];
        if (a->activate_level > level || (rc = activate(m, incident_id, a, now)) <= 0)
            continue;
        (*n)++;
        rc = announce(m, ob, incident_id, ref, a->id, "agency.activated", reason, now);
    }
    return rc < 0 ? rc : 0;
}

/* The climbing pages (ids and agencies, at most 512) the level no longer
 * needs.  *n of them; 0 or -errno. */
static int unneeded(struct muster *m, int64_t incident_id, const struct plan *plan, int level,
                    int64_t ids[512], char agencies[512][48], size_t *n)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_CLIMBING);
    int rc = 0;
    *n = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    while (*n < 512 && (rc = store_step(s)) > 0) {
        const struct plan_agency *a = plan_agency_find(plan, store_col_text(s, 1));
        if (a && a->activate_level <= level)
            continue;
        ids[*n] = sqlite3_column_int64(s, 0);
        snprintf(agencies[(*n)++], 48, "%s", store_col_text(s, 1));
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

static int lower_all(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                     const struct plan *plan, int level, const char *reason, int64_t now, int *n)
{
    int64_t ids[512];
    char agencies[512][48];
    size_t count = 0;
    int rc = unneeded(m, incident_id, plan, level, ids, agencies, &count);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        sqlite3_stmt *s = store_stmt(m->store, SQL_STOP);
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, ids[i]);
        rc = store_exec_stmt(s);
        if (rc == 0)
            rc = paging_cancel_in_flight(m, ob, incident_id, ids[i], now);
        if (rc == 0)
            rc = announce(m, ob, incident_id, ref, agencies[i], "agency.stood_down", reason, now);
        *n += rc == 0;
    }
    return rc;
}

int paging_incident_level(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                          const struct plan *plan, int level, const char *reason, int64_t now,
                          struct paging_level_change *out)
{
    *out = (struct paging_level_change){0};
    int rc = raise_all(m, ob, incident_id, ref, plan, level, reason, now, &out->paged);
    if (rc == 0)
        rc = lower_all(m, ob, incident_id, ref, plan, level, reason, now, &out->stopped);
    return rc ? rc : paging_rearm_after_commit(m, ob);
}
