/*
 * daemon/staffing_alarm.c - the shift_short alarm (see alarm.h): when a
 * shift starts short of a role (fewer staff pledged than it needs), the
 * duty manager and Gold are raised an alarm, once per shift and role
 * (the cell's alarm_id remembers it, so a restart neither loses nor
 * repeats one).  A shift that was already running at standup raises none:
 * its asks went out at the standup itself.  The alarm is resolved when
 * pledges cover the role before the shift ends; otherwise it stays open
 * until a duty manager or Gold clears it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "alarm.h"
#include "log.h"
#include "server.h"
#include "staffing_int.h"
#include "store.h"

/* Cells of running shifts of active incidents, started after the standup
 * and short of their role, with no alarm raised yet. */
static const char SQL_STARTED_SHORT[] =
    "SELECT s.incident_id, i.ref, s.id, s.key, c.role, c.required - c.pledged"
    " FROM coverage c JOIN shifts s ON s.id = c.shift_id JOIN incidents i ON i.id = s.incident_id"
    " WHERE i.state = 'active' AND s.starts_at <= ?1 AND s.ends_at > ?1"
    " AND s.starts_at > i.created_at AND c.required > c.pledged AND c.alarm_id IS NULL"
    " ORDER BY s.starts_at, c.role";
static const char SQL_CELL_ALARM[] =
    "UPDATE coverage SET alarm_id = ?3 WHERE shift_id = ?1 AND role = ?2";

static int raise_one(struct muster *m, struct outbox *ob, const struct shortage *sh, int64_t now)
{
    char detail[200];
    snprintf(detail, sizeof(detail), "shift %s started %d short of %s", sh->shift, sh->gap,
             sh->role);
    struct alarm_new a = {
        .incident_id = sh->incident_id, .ref = sh->ref, .kind = "shift_short", .detail = detail};
    int64_t id = 0;
    int rc = alarm_raise(m, ob, &a, now, &id);
    sqlite3_stmt *s = rc == 0 ? store_stmt(m->store, SQL_CELL_ALARM) : NULL;
    if (rc == 0 && !s)
        rc = -EINVAL;
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(s, 1, sh->shift_id);
    sqlite3_bind_text(s, 2, sh->role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, id);
    rc = store_exec_stmt(s);
    if (rc == 0)
        log_info("staffing: %s: alarm %lld: %s", sh->ref, (long long)id, detail);
    return rc;
}

/* Open shift_short alarms whose role is now covered. */
static const char SQL_NOW_COVERED[] =
    "SELECT c.alarm_id FROM coverage c JOIN alarms a ON a.id = c.alarm_id"
    " WHERE a.state = 'open' AND c.required <= c.pledged LIMIT 256";

static int resolve_covered(struct muster *m, struct outbox *ob, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_NOW_COVERED);
    if (!s)
        return -EINVAL;
    int64_t *ids;
    size_t n;
    int rc = store_ids(s, &ids, &n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = alarm_resolve(m, ob, ids[i], "musterd", now);
        if (rc == 0)
            log_info("staffing: alarm %lld resolved: the role is covered", (long long)ids[i]);
    }
    free(ids);
    return rc;
}

int staffing__alarms_check(struct muster *m, struct outbox *ob, int64_t now)
{
    struct shortage *list = NULL;
    size_t n = 0;
    int rc = staffing__shortages(m, SQL_STARTED_SHORT, now, &list, &n);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = raise_one(m, ob, &list[i], now);
    free(list);
    return rc ? rc : resolve_covered(m, ob, now);
}
