/*
 * daemon/persons_access.c - who may see and act on which affected person: an agency
 * finds only the persons referred to its own pathways (and acts only on
 * open referrals); anyone else asking about them learns nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz.h"
#include "board.h"
#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "namefold.h"
#include "outbox.h"
#include "persons.h"
#include "persons_int.h"
#include "plan.h"
#include "screening.h"
#include "server.h"
#include "store.h"
#include "workdays.h"

/* ---- who may see whom ---- */

static const char SQL_PERSON[] =
    "SELECT p.incident_id, i.ref, i.state, p.merged_into FROM persons p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1 AND p.purged = 0";
static const char SQL_REFERRED_TO[] =
    "SELECT 1 FROM referrals WHERE person_id = ?1 AND provider = ?2"
    " AND state IN ('referred', 'waitlisted', 'closed') LIMIT 1";
static const char SQL_REFERRED_NOW[] =
    "SELECT 1 FROM referrals WHERE person_id = ?1 AND provider = ?2"
    " AND state IN ('referred', 'waitlisted') LIMIT 1";

/* Whether person id is referred to agency (acting: with an open
 * referral): 1 or 0, or -errno. */
int referred_to(struct cmd_ctx *c, int64_t id, const char *agency, bool acting)
{
    sqlite3_stmt *r = store_stmt(c->m->store, acting ? SQL_REFERRED_NOW : SQL_REFERRED_TO);
    if (!r)
        return -EINVAL;
    sqlite3_bind_int64(r, 1, id);
    sqlite3_bind_text(r, 2, agency, -1, SQLITE_STATIC);
    int rc = store_step(r);
    sqlite3_reset(r);
    return rc;
}

/* Load person id for the caller: an agency only finds persons referred to
 * its own pathways; anyone else asking about them learns nothing. */
int person_access(struct cmd_ctx *c, int64_t id, struct person_ref *p, bool acting)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PERSON);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        p->id = id;
        p->incident_id = sqlite3_column_int64(s, 0);
        snprintf(p->ref, sizeof(p->ref), "%s", store_col_text(s, 1));
        p->active = !strcmp(store_col_text(s, 2), "active");
        p->merged = sqlite3_column_type(s, 3) != SQLITE_NULL;
    }
    sqlite3_reset(s);
    const char *agency = authz_agency_id(c->principal);
    /* an agency reads the persons it was referred, and acts only on those
     * it holds an open referral for */
    if (rc > 0 && agency)
        rc = referred_to(c, id, agency, acting);
    if (rc > 0)
        return 0;
    return rc == 0 ? proto_fail(&c->err, ERR_NOT_FOUND, "no person %lld", (long long)id)
                   : dispatch_storage_fail(c, rc);
}

int person_arg(struct cmd_ctx *c, const char *name, struct person_ref *p, bool active)
{
    int64_t id = 0;
    if (proto_arg_int(c->args, name, true, 1, INT64_MAX, &id, &c->err) ||
        person_access(c, id, p, active))
        return -1;
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)id);
    if (active && !p->active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", p->ref);
    return 0;
}
