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

#endif
