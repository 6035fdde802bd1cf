/*
 * daemon/staffing.h - surge staffing for the Victim and Witness Hub: the
 * shifts of an incident, the agencies' pledges of staff by role and shift,
 * the coverage ledger (required, pledged, accepted, arrived per shift and
 * role, kept up to date change by change) and the asks: when a shift that
 * starts soon is still short of a role, the agencies able to supply it are
 * paged with a call for staff.
 */
#ifndef MUSTER_STAFFING_H
#define MUSTER_STAFFING_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct muster;
struct outbox;
struct plan;
struct staffing;
struct cmd_ctx;

int staffing_open(struct muster *m, struct staffing **out);
void staffing_close(struct staffing *s);
void staffing_free(struct staffing *s);

/* Inside a standup's transaction: the incident's shifts over the plan's
 * horizon and a coverage row per shift and role.  Returns 0 or -errno. */
int staffing_incident_start(struct muster *m, struct outbox *ob, int64_t incident_id,
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

/* Inside an acknowledgement: the pledge it carries ({role, count, shifts,
 * names, note}) for agency.  Returns 0 or -1 with c->err set; adds
 * "pledge" to result. */
int staffing_pledge_from_ack(struct cmd_ctx *c, const char *incident_ref, const char *agency,
                             json_t *pledge, json_t *result);

#endif
