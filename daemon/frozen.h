/*
 * daemon/frozen.h - the frozen plan of a running incident, as a plan
 * object: the plan source stored with the incident at standup, loaded again
 * (and kept in a small cache) when a module needs its typed form.  This is
 * the one way the daemon reads a frozen plan; the JSON copy stored beside
 * it is for display (incident.show, plan.show) and never read back.
 */
#ifndef MUSTER_FROZEN_H
#define MUSTER_FROZEN_H

#include <stdint.h>

struct muster;
struct plan;
struct frozen;

int frozen_open(struct frozen **out);
void frozen_free(struct frozen *f);

/* The frozen plan of incident_id (borrowed: valid until the next call),
 * or NULL when the incident does not exist or its copy cannot be read. */
const struct plan *frozen_plan(struct muster *m, int64_t incident_id);

#endif
