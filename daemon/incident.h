/*
 * daemon/incident.h - incidents: stood up by Gold from a plan at a level,
 * live or exercise, each holding a frozen copy of the plan it started from.
 * incident.c owns the incidents table: incident_find and incident_get
 * are how every module reads one.  The commands (incident.standup,
 * incident.standdown, incident.list, incident.show) are in incident_cmd.c
 * (table in dispatch.h: incident_commands).
 */
#ifndef MUSTER_INCIDENT_H
#define MUSTER_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INCIDENT_REF_MAX 32
#define INCIDENT_PLAN_ID_MAX 64
#define INCIDENT_OPERATION_MAX 260 /* 64 characters of UTF-8 */

struct store;

/* An incident as its row holds it (the frozen plan: frozen_plan()). */
struct incident {
    int64_t id;
    char ref[INCIDENT_REF_MAX];
    char plan_id[INCIDENT_PLAN_ID_MAX];
    char operation[INCIDENT_OPERATION_MAX];
    int level;
    bool exercise;
    bool active; /* false once stood down */
    int64_t created_at;
    int64_t stood_down_at; /* 0 while active */
    int64_t purged_at;     /* 0 until the retention purge */
};

/* Find incident ref (incident_get: incident id) and fill *out.  Returns 1
 * when found, 0 when there is none, or -errno when it cannot be read. */
int incident_find(struct store *st, const char *ref, struct incident *out);
int incident_get(struct store *st, int64_t id, struct incident *out);

/* Format the reference of the n-th incident of year for a plan prefix:
 * "CAMB-2026-0007", or "EX-CAMB-2026-0007" for an exercise. */
void incident_ref_format(char *buf, size_t len, const char *prefix, int exercise, int year,
                         int64_t n);

#endif
