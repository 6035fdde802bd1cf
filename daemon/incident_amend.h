/*
 * daemon/incident_amend.h - amending a running incident's plan: whether a
 * new version (already valid as a plan, like `musterd --check-plan`) fits
 * what the incident holds, and a one-line summary of what it changes.
 * incident.amend (incident_change_cmd.c) stores it with incident.c.
 */
#ifndef MUSTER_INCIDENT_AMEND_H
#define MUSTER_INCIDENT_AMEND_H

#include <stddef.h>

#include <jansson.h>

struct incident;
struct muster;
struct plan;

/*
 * Check nw against incident inc's plan in force (old) and what the
 * incident holds: the same plan id; the incident's level still defined;
 * every agency with pages, referrals, pledges or asks, every pathway with
 * referrals, every role with pledges or asks and every shift pattern with
 * pledges still there (an id changed counts as removed).  Each problem is
 * appended to problems (a JSON array) as "file:line:column: message", the
 * position in nw's source of the offending node, else of its section.
 * Returns 0 (compatible when problems stayed empty) or -errno when what
 * the incident holds cannot be read.
 */
int incident_amend_check(struct muster *m, const struct incident *inc, const struct plan *old,
                         const struct plan *nw, json_t *problems);

/* One line (cut to size - 1 bytes) saying what nw changes from old:
 * "version 1.0 to 1.1; agencies added: x; agencies changed: y; staffing
 * changed" (a changed agency: its ladder, level, supplies...). */
void incident_amend_summary(const struct plan *old, const struct plan *nw, char *buf, size_t size);

#endif
