/*
 * daemon/staffing_int.h - what the files of the staffing module share
 * (staffing.c: the ledger, asks and the check timer; staffing_grid.c: the
 * rolling grid of shifts; staffing_alarm.c: the shift_short alarms).  Not
 * for other modules: they use staffing.h.
 */
#ifndef MUSTER_STAFFING_INT_H
#define MUSTER_STAFFING_INT_H

#include <stddef.h>
#include <stdint.h>

struct muster;
struct outbox;

/* One short cell: a shift of an incident short of gap staff of role, in
 * the cell's round (see staffing_grid.c). */
struct shortage {
    int64_t incident_id, shift_id;
    char ref[64], shift[80], role[48];
    int gap;
    int64_t round;
};

/* The rows of sql, with ?1 bound to now, as shortages: columns incident
 * id, reference, shift id, shift key, role, gap and (when selected) round.
 * *out is malloc'd (the caller frees it), *n its length.  0 or -errno
 * (then *out is NULL). */
int staffing__shortages(struct muster *m, const char *sql, int64_t now, struct shortage **out,
                        size_t *n);

/* Inside a transaction: extend the grid of every active incident to the
 * plan's reach ahead of now (staffing_grid.c).  *next is lowered to the
 * moment the grid must next be extended.  0 or -errno. */
int staffing__grid_extend_all(struct muster *m, struct outbox *ob, int64_t now, int64_t *next);

/* Inside a transaction: raise a shift_short alarm for every cell whose
 * shift has started short of its role (once per shift and role), and
 * resolve those whose role is now covered (staffing_alarm.c).  0 or
 * -errno. */
int staffing__alarms_check(struct muster *m, struct outbox *ob, int64_t now);

#endif
