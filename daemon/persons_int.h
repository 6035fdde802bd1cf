/*
 * daemon/persons_int.h - what the person files share besides persons.h
 * (the affected person a request names is found with persons_access, in
 * persons.h).
 */
#ifndef MUSTER_PERSONS_INT_H
#define MUSTER_PERSONS_INT_H

#include "incident.h"
#include "persons.h"

#define DAY_MS (24LL * 3600 * 1000)

struct muster;
struct outbox;

/* The retention purges due by now, inside the deadline check's
 * transaction (persons_retention.c): the persons who declined and whose
 * shorter retention has passed, then an incident stood down for its
 * retention_days.  Returns 0 or -errno. */
int persons_retention_run(struct muster *m, struct outbox *ob, int64_t now);

#endif
