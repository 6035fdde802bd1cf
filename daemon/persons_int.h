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
 * shorter retention has passed, then an incident closed for its
 * retention_days.  Returns 0 or -errno. */
int persons_retention_run(struct muster *m, struct outbox *ob, int64_t now);

struct outbox;
struct plan;
struct plan_pathway;

/* A referral that changed, as persons_referral_news tells its provider
 * and the duty manager (persons_notice.c). */
struct referral_news {
    int64_t incident_id, person_id, referral_id;
    const char *ref;   /* the incident's */
    const char *state; /* "referred" (new), "promoted" (from a waitlist or a hold), "held_urgent" */
    const char *category;  /* the person's, "" unknown */
    const char *language;  /* ISO 639, "" unknown */
    const char *home_area; /* named on an out-of-area referral, else "" */
    bool urgent, interpreter;
    bool handoff;         /* an out-of-area referral to a neighbouring hub */
    const char *provider; /* the agency told: the pathway's provider, or the hub */
    const struct plan_pathway *pathway;
};

/* Inside a transaction: a referral was made, promoted or held.  Referred
 * and promoted: a notice to the provider (urgent ones must be
 * acknowledged within the plan's urgent_ack), activating the provider if
 * the incident had not (unless its plan entry says activate_on_referral:
 * false).  A handoff to a neighbouring hub must be acknowledged within
 * the plan's handoff_ack, like an urgent referral.  Held urgent: an alarm
 * for the duty manager.  0 or -errno. */
int persons_referral_news(struct muster *m, struct outbox *ob, const struct plan *plan,
                          const struct referral_news *n, int64_t now);

/* Inside a transaction: referral_id closed (reason): its notices stop
 * climbing, its open alarms are resolved.  0 or -errno. */
int persons_referral_ended(struct muster *m, struct outbox *ob, int64_t referral_id,
                           const char *reason, int64_t now);

/* ---- safe contact (persons_safe.c) ---- */

struct store;

/* Whether channel is phone, sms, email, letter or visit. */
bool persons_channel_known(const char *channel);

/* Whether v (a person's safe_contact: NULL or null for none) is a valid
 * instruction: 0, or -1 with the reason in err. */
int persons_safe_valid(json_t *v, char *err, size_t len);

/* Whether person_id's safe-contact instructions allow an attempt on
 * channel at now (ms; hours are the daemon's local time and bind every
 * channel but letter): 0 allowed, 1 refused with the instruction quoted
 * in why, or -errno. */
int persons_safe_check(struct store *st, int64_t person_id, const char *channel, int64_t now,
                       char *why, size_t len);

#endif
