/*
 * daemon/persons_access.c - who may see and act on which affected person:
 * an agency finds only the persons referred to its own pathways (and acts
 * only on open referrals); anyone else asking about them learns nothing.
 * The request's side (the argument, the NOT_FOUND) is dispatch_person.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "persons.h"
#include "server.h"
#include "store.h"

/* ---- who may see whom ---- */

static const char SQL_PERSON[] =
    "SELECT p.incident_id, i.ref, i.state, p.merged_into, i.closed_at IS NOT NULL,"
    " p.status = 'deceased' FROM persons p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1 AND p.purged = 0";
static const char SQL_REFERRED_TO[] =
    "SELECT 1 FROM referrals WHERE person_id = ?1 AND provider = ?2"
    " AND given_at IS NOT NULL LIMIT 1";
static const char SQL_REFERRED_NOW[] =
    "SELECT 1 FROM referrals WHERE person_id = ?1 AND provider = ?2"
    " AND state IN ('referred', 'waitlisted') LIMIT 1";

/* Whether person id was given to agency (a referral referred, waitlisted,
 * or closed after either; never one only held for consent), or acting,
 * holds an open referral: 1 or 0, or -errno. */
static int referred_to(struct muster *m, int64_t id, const char *agency, bool acting)
{
    sqlite3_stmt *r = store_stmt(m->store, acting ? SQL_REFERRED_NOW : SQL_REFERRED_TO);
    if (!r)
        return -EINVAL;
    sqlite3_bind_int64(r, 1, id);
    sqlite3_bind_text(r, 2, agency, -1, SQLITE_STATIC);
    int rc = store_step(r);
    sqlite3_reset(r);
    return rc;
}

int persons_access(struct muster *m, int64_t id, const char *agency, bool acting,
                   struct person_ref *p)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PERSON);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        p->id = id;
        p->incident_id = sqlite3_column_int64(s, 0);
        snprintf(p->ref, sizeof(p->ref), "%s", store_col_text(s, 1));
        p->active = !strcmp(store_col_text(s, 2), "active");
        p->merged = sqlite3_column_type(s, 3) != SQLITE_NULL;
        p->closed = sqlite3_column_int(s, 4) != 0;
        p->deceased = sqlite3_column_int(s, 5) != 0;
    }
    sqlite3_reset(s);
    /* an agency reads the persons it was referred, and acts only on those
     * it holds an open referral for */
    if (rc > 0 && agency)
        rc = referred_to(m, id, agency, acting);
    return rc;
}
