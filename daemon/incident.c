/*
 * daemon/incident.c - the incidents table and its owner (see incident.h):
 * every module finds an incident here, by reference or id, as a struct
 * incident; nobody else repeats "SELECT ... FROM incidents WHERE ref".
 */
#include "incident.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
    " purged_at, closed_at, plan_rev FROM incidents"

static const char SQL_BY_REF[] = INCIDENT_COLUMNS " WHERE ref = ?1";
static const char SQL_BY_ID[] = INCIDENT_COLUMNS " WHERE id = ?1";
static const char SQL_LATEST[] =
    INCIDENT_COLUMNS " ORDER BY state = 'active' DESC, closed_at IS NULL DESC, id DESC LIMIT 1";

static void incident_row(sqlite3_stmt *s, struct incident *out)
{
    *out = (struct incident){.id = sqlite3_column_int64(s, 0),
                             .level = sqlite3_column_int(s, 3),
                             .exercise = sqlite3_column_int(s, 4) != 0,
                             .active = !strcmp(store_col_text(s, 6), "active"),
                             .created_at = sqlite3_column_int64(s, 7),
                             .stood_down_at = sqlite3_column_int64(s, 8),
                             .purged_at = sqlite3_column_int64(s, 9),
                             .closed = sqlite3_column_type(s, 10) != SQLITE_NULL,
                             .closed_at = sqlite3_column_int64(s, 10),
                             .plan_rev = sqlite3_column_int(s, 11)};
    snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 1));
    snprintf(out->plan_id, sizeof(out->plan_id), "%s", store_col_text(s, 2));
    snprintf(out->operation, sizeof(out->operation), "%s", store_col_text(s, 5));
}

const char *incident_state_name(const struct incident *inc)
{
    return inc->closed ? "closed" : inc->active ? "active" : "stood_down";
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

int incident_latest(struct store *st, struct incident *out)
{
    sqlite3_stmt *s = store_stmt(st, SQL_LATEST);
    if (!s)
        return -EINVAL;
    return incident_read(s, out);
}

/* ---- incident.show's detail ---- */

static const char SQL_DETAIL[] =
    "SELECT i.plan_version, i.plan_digest, i.created_by, i.note, i.stood_down_by,"
    " i.standdown_note, p.plan_json, p.plan_source, i.closed_by, i.close_reason FROM incidents i"
    " JOIN incident_plans p ON p.incident_id = i.id WHERE i.id = ?1";

/* Column i as a malloc'd string in *to (NULL for SQL NULL): 0 or -ENOMEM. */
static int detail_col(sqlite3_stmt *s, int i, char **to)
{
    const char *v = store_col_text(s, i);
    *to = v ? strdup(v) : NULL;
    return v && !*to ? -ENOMEM : 0;
}

static int detail_row(sqlite3_stmt *s, struct incident_detail *d)
{
    char **cols[] = {&d->plan_version,  &d->plan_digest,    &d->created_by, &d->note,
                     &d->stood_down_by, &d->standdown_note, &d->plan_json,  &d->plan_source,
                     &d->closed_by,     &d->close_reason};
    int rc = 0;
    for (int i = 0; rc == 0 && i < (int)(sizeof(cols) / sizeof(cols[0])); i++)
        rc = detail_col(s, i, cols[i]);
    return rc;
}

int incident_detail_get(struct store *st, int64_t id, struct incident_detail *out)
{
    *out = (struct incident_detail){0};
    sqlite3_stmt *s = store_stmt(st, SQL_DETAIL);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0 && detail_row(s, out) != 0)
        rc = -ENOMEM;
    sqlite3_reset(s);
    if (rc < 0)
        incident_detail_free(out);
    return rc;
}

void incident_detail_free(struct incident_detail *d)
{
    free(d->plan_version);
    free(d->plan_digest);
    free(d->created_by);
    free(d->note);
    free(d->stood_down_by);
    free(d->standdown_note);
    free(d->plan_json);
    free(d->plan_source);
    free(d->closed_by);
    free(d->close_reason);
    *d = (struct incident_detail){0};
}

/* ---- the frozen plan's source (frozen.c) ---- */

static const char SQL_DIGEST[] = "SELECT plan_digest FROM incidents WHERE id = ?1";
static const char SQL_SOURCE[] = "SELECT plan_source FROM incident_plans WHERE incident_id = ?1";

int incident_plan_digest(struct store *st, int64_t id, char digest[INCIDENT_DIGEST_MAX])
{
    sqlite3_stmt *s = store_stmt(st, SQL_DIGEST);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0)
        snprintf(digest, INCIDENT_DIGEST_MAX, "%s", store_col_text(s, 0));
    sqlite3_reset(s);
    return rc;
}

int incident_plan_source(struct store *st, int64_t id, char **source, size_t *len)
{
    sqlite3_stmt *s = store_stmt(st, SQL_SOURCE);
    *source = NULL;
    *len = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        const char *text = store_col_text(s, 0);
        *len = (size_t)sqlite3_column_bytes(s, 0);
        *source = text ? malloc(*len + 1) : NULL;
        if (*source)
            memcpy(*source, text, *len + 1);
        rc = *source ? 1 : -ENOMEM;
    }
    sqlite3_reset(s);
    return rc;
}

/* ---- changes other modules make ---- */

static const char SQL_CLOSE[] =
    "UPDATE incidents SET closed_at = ?2, closed_by = ?3, close_reason = ?4"
    " WHERE id = ?1 AND state = 'stood_down' AND closed_at IS NULL RETURNING id";

int incident_set_closed(struct store *st, int64_t id, int64_t now, const char *by,
                        const char *reason)
{
    sqlite3_stmt *s = store_stmt(st, SQL_CLOSE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
    store_bind_text_opt(s, 4, reason);
    int rc = store_step(s);
    sqlite3_reset(s);
    return rc;
}

static const char SQL_PURGED[] =
    "UPDATE incidents SET purged_at = ?2, note = NULL, standdown_note = NULL, close_reason = NULL"
    " WHERE id = ?1";
static const char SQL_REPORTS_PURGED[] =
    "UPDATE incidents SET reports_purged_at = ?2 WHERE id = ?1 AND purged_at IS NOT NULL";

/* Run one of the updates above for incident id at time now. */
static int incident_update(struct store *st, const char *sql, int64_t id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    return store_exec_stmt(s);
}

int incident_set_purged(struct store *st, int64_t id, int64_t now)
{
    return incident_update(st, SQL_PURGED, id, now);
}

int incident_set_reports_purged(struct store *st, int64_t id, int64_t now)
{
    return incident_update(st, SQL_REPORTS_PURGED, id, now);
}

static const char SQL_REPORTS_UNPURGED[] =
    "SELECT id FROM incidents WHERE purged_at IS NOT NULL AND reports_purged_at IS NULL"
    " AND id > ?1 ORDER BY id LIMIT ?2";

int incident_reports_unpurged(struct store *st, int64_t after, int64_t *ids, size_t max, size_t *n)
{
    sqlite3_stmt *s = store_stmt(st, SQL_REPORTS_UNPURGED);
    int rc = 0;
    *n = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    while (*n < max && (rc = store_step(s)) > 0)
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc < 0)
        *n = 0;
    return rc < 0 ? rc : 0;
}

/* ---- the level and the plan's versions ---- */

static const char SQL_LEVEL[] =
    "UPDATE incidents SET level = ?2 WHERE id = ?1 AND state = 'active' RETURNING id";

int incident_set_level(struct store *st, int64_t id, int level)
{
    sqlite3_stmt *s = store_stmt(st, SQL_LEVEL);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, level);
    int rc = store_step(s);
    sqlite3_reset(s);
    return rc;
}

static const char SQL_KEEP_FIRST[] =
    "INSERT INTO plan_versions (incident_id, version, plan_version, plan_digest, plan_source,"
    " plan_json, created_at, created_by, summary) SELECT i.id, 1, i.plan_version, i.plan_digest,"
    " p.plan_source, p.plan_json, i.created_at, i.created_by, 'stood up' FROM incidents i"
    " JOIN incident_plans p ON p.incident_id = i.id WHERE i.id = ?1 AND i.plan_rev = 1"
    " AND NOT EXISTS (SELECT 1 FROM plan_versions WHERE incident_id = ?1)";
static const char SQL_AMEND[] =
    "UPDATE incidents SET plan_rev = plan_rev + 1, plan_version = ?2, plan_digest = ?3,"
    " ask_lead_ms = ?4, retention_days = ?5 WHERE id = ?1 AND state = 'active'"
    " RETURNING plan_rev";
static const char SQL_AMEND_PLAN[] =
    "UPDATE incident_plans SET plan_source = ?2, plan_json = ?3 WHERE incident_id = ?1";
static const char SQL_VERSION_ADD[] =
    "INSERT INTO plan_versions (incident_id, version, plan_version, plan_digest, plan_source,"
    " plan_json, created_at, created_by, summary) SELECT i.id, i.plan_rev, i.plan_version,"
    " i.plan_digest, p.plan_source, p.plan_json, ?2, ?3, ?4 FROM incidents i"
    " JOIN incident_plans p ON p.incident_id = i.id WHERE i.id = ?1";

/* The incident's row takes p as its plan in force: 1 with *version, 0
 * when it is not active, or -errno. */
static int amend_row(struct store *st, int64_t id, const struct incident_plan *p, int *version)
{
    sqlite3_stmt *s = store_stmt(st, SQL_AMEND);
    if (!s)
        return -EINVAL;
    store_generation_bump(st); /* the incident's frozen plan changes (frozen.c) */
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, p->plan_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, p->digest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, p->ask_lead_ms);
    sqlite3_bind_int(s, 5, p->retention_days);
    int rc = store_step(s);
    if (rc > 0)
        *version = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc <= 0)
        return rc;
    if (!(s = store_stmt(st, SQL_AMEND_PLAN)))
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, p->source, (int)p->source_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, p->json, -1, SQLITE_STATIC);
    int prc = store_exec_stmt(s);
    return prc ? prc : 1;
}

int incident_plan_amend(struct store *st, int64_t id, const struct incident_plan *p, int64_t now,
                        const char *by, int *version)
{
    sqlite3_stmt *s = store_stmt(st, SQL_KEEP_FIRST);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_exec_stmt(s);
    if (rc == 0)
        rc = amend_row(st, id, p, version);
    if (rc <= 0)
        return rc;
    if (!(s = store_stmt(st, SQL_VERSION_ADD)))
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, p->summary, -1, SQLITE_STATIC);
    rc = store_exec_stmt(s);
    return rc ? rc : 1;
}

/* Version ?2 of incident ?1: from plan_versions once it was amended,
 * else version 1 from the incident's own row. */
static const char SQL_VERSION[] =
    "SELECT version, plan_version, plan_digest, created_at, created_by, summary, plan_json,"
    " plan_source FROM plan_versions WHERE incident_id = ?1 AND version = ?2 UNION ALL"
    " SELECT 1, i.plan_version, i.plan_digest, i.created_at, i.created_by, 'stood up',"
    " p.plan_json, p.plan_source FROM incidents i JOIN incident_plans p ON p.incident_id = i.id"
    " WHERE i.id = ?1 AND ?2 = 1 AND i.plan_rev = 1 LIMIT 1";

static json_t *version_row(sqlite3_stmt *s, bool with_source)
{
    json_t *plan = json_loads(store_col_text(s, 6), 0, NULL);
    json_t *r = json_pack(
        "{s:i, s:s, s:s, s:I, s:s, s:s, s:o}", "version", sqlite3_column_int(s, 0), "plan_version",
        store_col_text(s, 1), "digest", store_col_text(s, 2), "created_at",
        (json_int_t)sqlite3_column_int64(s, 3), "created_by", store_col_text(s, 4), "summary",
        store_col_text(s, 5), "plan", plan ? plan : json_null());
    if (r && with_source)
        json_object_set_new(r, "plan_source", json_string(store_col_text(s, 7)));
    return r;
}

int incident_plan_version(struct store *st, int64_t id, int n, bool with_source, json_t **out)
{
    sqlite3_stmt *s = store_stmt(st, SQL_VERSION);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, n);
    int rc = store_step(s);
    if (rc > 0 && !(*out = version_row(s, with_source)))
        rc = -ENOMEM;
    sqlite3_reset(s);
    return rc;
}
