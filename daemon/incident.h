/*
 * daemon/incident.h - incidents: stood up by Gold from a plan at a level,
 * live or exercise, each holding a frozen copy of the plan it started from.
 * Commands: incident.standup, incident.standdown, incident.list,
 * incident.show (table in dispatch.h: incident_commands).
 */
#ifndef MUSTER_INCIDENT_H
#define MUSTER_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#define INCIDENT_REF_MAX 32

/* Format the reference of the n-th incident of year for a plan prefix:
 * "CAMB-2026-0007", or "EX-CAMB-2026-0007" for an exercise. */
void incident_ref_format(char *buf, size_t len, const char *prefix, int exercise, int year,
                         int64_t n);

#endif
