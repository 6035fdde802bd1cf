/*
 * daemon/persons.h - affected persons: registration (one at a time or in
 * bulk), possible duplicates, screening, routing into pathways with their
 * capacity and waitlists, consent, contact attempts, and the Victims' Code
 * deadlines (referral within the plan's working days; re-screening).
 */
#ifndef MUSTER_PERSONS_H
#define MUSTER_PERSONS_H

#define PERSONS_IMPORT_MAX_ROWS 500 /* rows of one person.import request */
/* The category of a self-registration until a call handler verifies it
 * (selfreg.c): such a person is never routed. */
#define PERSONS_SELF_REFERRED "self-referred"

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "incident.h"

struct muster;
struct outbox;
struct persons;

int persons_open(struct muster *m, struct persons **out);
void persons_close(struct persons *p);
void persons_free(struct persons *p);

struct plan_persons;

/* The Victims' Code deadline of a person registered (or come forward) at
 * now: the plan's referral_working_days working days later. */
int64_t persons_referral_due(const struct plan_persons *pp, int64_t now);

/* Inside a transaction: keep the old values (old, an object) of the
 * fields (an array of names) of person changed at now by `by` (person.update,
 * public.update), purged with the person; the correction's id in *id.
 * 0 or -errno. */
int persons_correction_add(struct muster *m, int64_t person, int64_t now, const char *by,
                           json_t *fields, json_t *old, int64_t *id);

/* After this transaction commits, look again at the deadlines. */
int persons_check_after_commit(struct muster *m, struct outbox *ob);

/*
 * Route (or re-route) person id: decide the pathway from the frozen plan,
 * close a referral it replaces (promoting the pathway's waitlist), make the
 * new one; an unverified self-registration (PERSONS_SELF_REFERRED) is left
 * unrouted.  Inside a transaction.  Returns 0 or -errno.
 */
int persons_route(struct muster *m, struct outbox *ob, int64_t person_id, int64_t now);

/* Inside a transaction: close person_id's open referral with reason
 * (freeing its place to the waitlist).  Returns 0 or -errno. */
int persons_referral_close(struct muster *m, struct outbox *ob, int64_t person_id,
                           const char *reason, int64_t now);

/* ---- the recovery phase (persons_recovery.c) ---- */

struct plan_screening;

/* Schedule a re-screen of person with instrument at due (once per due
 * time and instrument), overdue grace_days after it.  0 or -errno. */
int persons_rescreen_add(struct muster *m, int64_t person, int64_t due, const char *instrument,
                         int grace_days);

/* Schedule every re-screen plan screening sc names for person, after the
 * incident's standup at incident_ms.  0 or -errno. */
int persons_rescreen_schedule(struct muster *m, int64_t person, int64_t incident_ms,
                              const struct plan_screening *sc);

/* Inside a transaction: person (of incident_id) was screened with
 * instrument at now; each of its re-screens of that instrument due by
 * `by` (pending, due or overdue) is done, and the board counts move.
 * 0 or -errno. */
int persons_rescreen_done(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t person,
                          const char *instrument, int64_t by, int64_t now);

/* The deadline check: pending re-screens whose time came are due
 * (person.rescreen_due), due ones past their overdue_at are overdue
 * (person.rescreen_overdue).  0 or -errno. */
int persons_rescreen_check(struct muster *m, struct outbox *ob, int64_t now);

/* The open referrals (referred, waitlisted, held for consent) of an
 * incident: *n.  0 or -errno. */
int persons_open_referrals(struct muster *m, int64_t incident_id, int64_t *n);

/* Inside the transaction that closes incident_id: its open referrals are
 * closed ("incident closed"; *closed of them) and its pending and due
 * re-screens cancelled (overdue ones stay, as the record of a breach),
 * with the board's counts.  0 or -errno. */
int persons_incident_close(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now,
                           int64_t *closed);

/* The board's "persons" and "category/<category>" counts of an incident
 * move by delta.  Returns 0 or -errno. */
int persons_board_count(struct muster *m, struct outbox *ob, int64_t incident_id,
                        const char *category, int delta);

/* An affected person as a request finds it. */
struct person_ref {
    int64_t id, incident_id;
    char ref[INCIDENT_REF_MAX]; /* of its incident */
    bool active, merged;        /* its incident is active; it was merged into another */
    bool closed;                /* its incident is closed (no longer stood down: recovery) */
    bool deceased;              /* recorded deceased: never contacted, screened or referred */
};

/* Person id into p, as agency sees it (persons_access.c): an agency (not
 * NULL) finds only the persons referred to its own pathways, or with
 * acting, those it holds an open referral for; anyone else asking about
 * them learns nothing.  Returns 1 when found, 0 when there is no such
 * person (purged persons are none) or agency may not see it, or -errno. */
int persons_access(struct muster *m, int64_t id, const char *agency, bool acting,
                   struct person_ref *p);

/* Inside a transaction, after a change to person_id's consent, contact
 * state or referrals (persons_route does it): a person who refused consent
 * or declined all support, with no open referral, is due to be purged when
 * the plan's declined_retention_days have passed (the earliest such time
 * is kept); one who took support up again is not (persons_retention.c).
 * clear: the caller knows the person neither refused, declined nor is due
 * to be purged, so the mark stays clear without its UPDATE (issue 19).
 * The deadlines are looked at again after the commit either way.  Returns
 * 0 or -errno. */
int persons_retention_mark(struct muster *m, struct outbox *ob, int64_t person_id,
                           int64_t incident_id, bool clear, int64_t now);

/* A possible duplicate as a row (person id, reason) gives it:
 * {"person", "reason"}. */
json_t *persons_match_json(sqlite3_stmt *s);

#endif
