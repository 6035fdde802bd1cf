/*
 * daemon/persons_int.h - what the person command files share: the
 * affected person a request names, found only if the caller may see it
 * (persons_access.c).
 */
#ifndef MUSTER_PERSONS_INT_H
#define MUSTER_PERSONS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "incident.h"

struct cmd_ctx;

#define DAY_MS (24LL * 3600 * 1000)

struct person_ref {
    int64_t id, incident_id;
    char ref[INCIDENT_REF_MAX];
    bool active, merged;
};

/* Whether person id is referred to agency (acting: with an open
 * referral): 1 or 0, or -errno. */
int referred_to(struct cmd_ctx *c, int64_t id, const char *agency, bool acting);

/* Load person id for the caller into p: an agency only finds persons
 * referred to its own pathways (acting: with an open referral).  Returns
 * 0, or -1 with c->err set (NOT_FOUND whatever the reason). */
int person_access(struct cmd_ctx *c, int64_t id, struct person_ref *p, bool acting);

/* person_access for the person id in argument name, set as the request's
 * target; active: the incident must not be stood down. */
int person_arg(struct cmd_ctx *c, const char *name, struct person_ref *p, bool active);

#endif
