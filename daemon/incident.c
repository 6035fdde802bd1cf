/*
 * daemon/incident.c - the incidents table and its owner (see incident.h):
 * every module finds an incident here, by reference or id, as a struct
 * incident; nobody else repeats "SELECT ... FROM incidents WHERE ref".
 */
#include "incident.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

void incident_ref_format(char *buf, size_t len, const char *prefix, int exercise, int year,
                         int64_t n)
{
    int w =
        snprintf(buf, len, "%s%s-%04d-%04lld", exercise ? "EX-" : "", prefix, year, (long long)n);
    if (w < 0 || (size_t)w >= len)
        buf[0] = '\0'; /* cannot happen with a valid plan prefix; never a cut reference */
}

#define INCIDENT_COLUMNS                                                                           \
    "SELECT id, ref, plan_id, level, exercise, operation, state, created_at, stood_down_at,"       \
    " purged_at FROM incidents"

static const char SQL_BY_REF[] = INCIDENT_COLUMNS " WHERE ref = ?1";
static const char SQL_BY_ID[] = INCIDENT_COLUMNS " WHERE id = ?1";

static void incident_row(sqlite3_stmt *s, struct incident *out)
{
    *out = (struct incident){.id = sqlite3_column_int64(s, 0),
                             .level = sqlite3_column_int(s, 3),
                             .exercise = sqlite3_column_int(s, 4) != 0,
                             .active = !strcmp(store_col_text(s, 6), "active"),
                             .created_at = sqlite3_column_int64(s, 7),
                             .stood_down_at = sqlite3_column_int64(s, 8),
                             .purged_at = sqlite3_column_int64(s, 9)};
    snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 1));
    snprintf(out->plan_id, sizeof(out->plan_id), "%s", store_col_text(s, 2));
    snprintf(out->operation, sizeof(out->operation), "%s", store_col_text(s, 5));
}

static int incident_read(sqlite3_stmt *s, struct incident *out)
{
    int rc = store_step(s);
    if (rc > 0)
        incident_row(s, out);
    sqlite3_reset(s);
    return rc;
}

int incident_find(struct store *st, const char *ref, struct incident *out)
{
    sqlite3_stmt *s = store_stmt(st, SQL_BY_REF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    return incident_read(s, out);
}

int incident_get(struct store *st, int64_t id, struct incident *out)
{
    sqlite3_stmt *s = store_stmt(st, SQL_BY_ID);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    return incident_read(s, out);
}
