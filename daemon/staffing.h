/*
 * daemon/staffing.h - surge staffing for the Victim and Witness Hub: the
 * shifts of an incident, the agencies' pledges of staff by role and shift,
 * the coverage ledger (required, pledged, accepted, arrived per shift and
 * role, kept up to date change by change) and the asks: when a shift that
 * starts soon (or has started) is still short of a role, the agencies able
 * to supply it are paged with a call for staff; when it starts short, the
 * duty manager and Gold are raised a shift_short alarm.
 */
#ifndef MUSTER_STAFFING_H
#define MUSTER_STAFFING_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct incident;
struct muster;
struct outbox;
struct plan;
struct proto_error;
struct staffing;

int staffing_open(struct muster *m, struct staffing **out);
void staffing_close(struct staffing *s);
void staffing_free(struct staffing *s);

/* Inside a standup's transaction: the incident's shifts, from the one
 * running now to the plan's reach ahead (its horizon, at least its
 * ask_lead; the grid then rolls on while the incident is active, see
 * staffing_grid.c), and a coverage row per shift and role.  Returns 0 or
 * -errno. */
int staffing_incident_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                            const struct plan *plan, int level, int64_t now);

/* Inside a transaction: the staff required on every shift of the
 * incident not yet ended follow plan at level (the requirement with the
 * highest level not above it; a role the plan no longer has requires
 * none); changed cells go on the board, and asks are checked after the
 * commit (a shortfall asks, a shortfall gone closes its asks).  Returns 0
 * or -errno. */
int staffing_incident_level(struct muster *m, struct outbox *ob, int64_t incident_id,
                            const struct plan *plan, int level, int64_t now);

/* One change to the ledger: a pledge's count added (or, negative, taken
 * away) on every shift it covers. */
struct staffing_change {
    int64_t incident_id;
    const char *ref;
    int64_t pledge_id;
    const char *role;
    int pledged, accepted, arrived; /* deltas */
    int64_t now;
};

/* Inside a transaction: apply ch to the coverage ledger, publish the
 * changed cells, and check asks after the commit. */
int staffing_ledger_add(struct muster *m, struct outbox *ob, const struct staffing_change *ch);

/* After this transaction commits, look again at what is short. */
int staffing_check_after_commit(struct muster *m, struct outbox *ob);

/* Inside a stand-down's transaction: close every open ask. */
int staffing_incident_stop(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now);

/* Inside the retention purge's transaction: erase the staff named in the
 * incident's pledges and the pledges' notes; the counts stay.  Returns 0
 * or -errno. */
int staffing_incident_purge(struct muster *m, int64_t incident_id);

/* An offer of staff by an agency for an incident: count staff of role on
 * each of the shifts named, with (up to count) names of the staff and a
 * note.  Everything is borrowed from the caller. */
struct staffing_offer {
    const struct incident *incident;
    const char *agency, *role, *note;
    int64_t count;
    json_t *shifts; /* the shift keys: an array of strings, checked by staffing_offer_add */
    json_t *names;  /* NULL, or the staff's names: an array of strings */
    const char *by; /* who records it (the pledge's created_by) */
    int64_t now;
};

/* Read an offer's role, count, note, shifts and names from args (the
 * arguments of pledge.offer, or the pledge an acknowledgement carries)
 * into o, pointing into args; the rest of o is the caller's.  Returns 0,
 * or -1 with err set (BAD_ARGUMENT). */
int staffing_offer_args(json_t *args, struct staffing_offer *o, struct proto_error *err);

#define STAFFING_REFUSED 1 /* staffing_offer_add: the offer is refused, err says why */

/* Inside a transaction: check offer o against its incident, the frozen
 * plan and the incident's shifts, then record the pledge (offered), add it
 * to the ledger and publish it.  Returns 0 with *pledge the pledge as
 * published ({id, incident, agency, role, count, shifts, state}: a new
 * reference); STAFFING_REFUSED with err set (CONFLICT: the incident is
 * stood down; NOT_FOUND: no such agency in the plan; BAD_ARGUMENT); or
 * -errno when the store fails. */
int staffing_offer_add(struct muster *m, struct outbox *ob, const struct staffing_offer *o,
                       struct proto_error *err, json_t **pledge);

/* The shifts of an incident by start time, [{key, name, starts_at,
 * ends_at}], as a new array in *out.  Returns 0 or -errno (*out NULL). */
int staffing_shifts(struct muster *m, int64_t incident_id, json_t **out);

#endif
