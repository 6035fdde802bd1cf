/*
 * daemon/incident.h - incidents: stood up by Gold from a plan at a level,
 * live or exercise, each holding a frozen copy of the plan it started from.
 * incident.c owns the incidents table: incident_find and incident_get
 * are how every module reads one, and the changes other modules make to
 * an incident (the retention purge, the rewrite of its report files) are
 * functions here.  The commands (incident.standup, incident.standdown,
 * incident.close, incident.list, incident.show) are in incident_cmd.c
 * (table in dispatch.h: incident_commands); incident.level and
 * incident.amend in incident_change_cmd.c.
 *
 * The row holds the plan version in force (its source, digest and JSON,
 * plan_rev its number); an amendment keeps every version in the
 * plan_versions table, which this file owns too.
 *
 * An incident is active (paging, staffing, persons), then stood down:
 * its recovery phase, with no paging or staffing but persons, referrals
 * and re-screens going on; then closed by Gold, when persons are no
 * longer worked and the retention period starts.  The table keeps
 * state 'active' or 'stood_down'; closed_at marks a closed one
 * (INCIDENT_STATE_SQL gives the three states).
 */
#ifndef MUSTER_INCIDENT_H
#define MUSTER_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define INCIDENT_REF_MAX 32
#define INCIDENT_PLAN_ID_MAX 64
#define INCIDENT_OPERATION_MAX 260 /* 64 characters of UTF-8 */
#define INCIDENT_DIGEST_MAX 65     /* SHA-256 in hex, with its NUL */

struct store;

/* An incident as its row holds it (the frozen plan: frozen_plan()). */
struct incident {
    int64_t id;
    char ref[INCIDENT_REF_MAX];
    char plan_id[INCIDENT_PLAN_ID_MAX];
    char operation[INCIDENT_OPERATION_MAX];
    int level;
    int plan_rev; /* the number of the plan version in force: 1 at standup */
    bool exercise;
    bool active; /* false once stood down */
    bool closed; /* its recovery phase is over */
    int64_t created_at;
    int64_t stood_down_at; /* 0 while active */
    int64_t closed_at;     /* 0 until closed */
    int64_t purged_at;     /* 0 until the retention purge */
};

/* The incident's state as SQL on the incidents table: 'active',
 * 'stood_down' (the recovery phase) or 'closed'. */
#define INCIDENT_STATE_SQL "CASE WHEN closed_at IS NOT NULL THEN 'closed' ELSE state END"

/* "active", "stood_down" or "closed", a static string. */
const char *incident_state_name(const struct incident *inc);

/* Find incident ref (incident_get: incident id) and fill *out.  Returns 1
 * when found, 0 when there is none, or -errno when it cannot be read. */
int incident_find(struct store *st, const char *ref, struct incident *out);
int incident_get(struct store *st, int64_t id, struct incident *out);

/* The incident a board shows when none is named: the latest active one,
 * else the latest in recovery, else the latest.  1, 0 when there are no incidents, or -errno. */
int incident_latest(struct store *st, struct incident *out);

/* What incident.show adds to struct incident (malloc'd strings, NULL for
 * a column that is empty: note, stood_down_by, standdown_note). */
struct incident_detail {
    char *plan_version, *plan_digest, *created_by, *note, *stood_down_by, *standdown_note;
    char *closed_by, *close_reason;
    char *plan_json;   /* the frozen plan's JSON copy: for display only */
    char *plan_source; /* the frozen plan as stood up from */
};

/* The detail of incident id into *out (free it with
 * incident_detail_free).  1, 0 when there is no such incident, or -errno
 * (then *out holds nothing). */
int incident_detail_get(struct store *st, int64_t id, struct incident_detail *out);
void incident_detail_free(struct incident_detail *d);

/* The digest of incident id's frozen plan source (frozen.c checks its
 * cache with it): 1, 0 when there is no such incident, or -errno. */
int incident_plan_digest(struct store *st, int64_t id, char digest[INCIDENT_DIGEST_MAX]);

/* Incident id's frozen plan source: *source is malloc'd (the caller frees
 * it), *len its length.  1, 0 when there is no such incident, or -errno. */
int incident_plan_source(struct store *st, int64_t id, char **source, size_t *len);

/* Close incident id (stood down, not closed) at now by actor, with
 * reason (may be NULL).  1 when closed, 0 when it was not stood down or
 * was already closed, or -errno. */
int incident_set_closed(struct store *st, int64_t id, int64_t now, const char *by,
                        const char *reason);

/* Inside the retention purge's transaction: incident id is purged at now,
 * its own notes (standup, stand-down, close reason) erased.  0 or -errno. */
int incident_set_purged(struct store *st, int64_t id, int64_t now);

/* The report files of purged incident id were rewritten at now (a start
 * leaves them be from then on).  0 or -errno. */
int incident_set_reports_purged(struct store *st, int64_t id, int64_t now);

/* Up to max ids, in order, of purged incidents after id `after` whose
 * report files were not rewritten since: *n of them.  0 or -errno. */
int incident_reports_unpurged(struct store *st, int64_t after, int64_t *ids, size_t max, size_t *n);

/* Inside a transaction: active incident id is at level now.  1 when set,
 * 0 when it is not active, or -errno. */
int incident_set_level(struct store *st, int64_t id, int level);

/* A new version of an incident's plan (everything borrowed). */
struct incident_plan {
    const char *plan_version; /* the plan's own version label */
    const char *source;       /* the YAML text, source_len bytes */
    size_t source_len;
    const char *digest; /* its SHA-256 in hex (the plan's source_digest) */
    const char *json;   /* its JSON rendering, for display */
    int64_t ask_lead_ms;
    int retention_days;
    const char *summary; /* one line: what changed */
};

/* Inside a transaction: p becomes the plan in force of active incident
 * id, recorded at now by `by`, as the next version (version 1, as stood
 * up, is kept first).  1 with *version its number, 0 when the incident is
 * not active, or -errno. */
int incident_plan_amend(struct store *st, int64_t id, const struct incident_plan *p, int64_t now,
                        const char *by, int *version);

/* Version n of incident id's plan as a new JSON object in *out: {version,
 * plan_version, digest, created_at, created_by, summary, plan (the JSON
 * rendering)} and, with with_source, plan_source.  1, 0 when there is no
 * such version, or -errno (*out NULL). */
int incident_plan_version(struct store *st, int64_t id, int n, bool with_source, json_t **out);

/* Format the reference of the n-th incident of year for a plan prefix:
 * "CAMB-2026-0007", or "EX-CAMB-2026-0007" for an exercise. */
void incident_ref_format(char *buf, size_t len, const char *prefix, int exercise, int year,
                         int64_t n);

#endif
