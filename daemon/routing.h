/*
 * daemon/routing.h - which pathway an affected person goes to: the plan's
 * ordered routing rules applied to what is known of the person, with each
 * pathway's capacity, waitlist and the consent rules.  A pure function of
 * its arguments, so every rule, overflow and consent case is unit-tested.
 */
#ifndef MUSTER_ROUTING_H
#define MUSTER_ROUTING_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* What routing needs to know of a person. */
struct route_person {
    unsigned category;        /* one enum plan_category bit */
    int age;                  /* -1 unknown */
    unsigned vulnerabilities; /* enum plan_vulnerability bits */
    const char *language;     /* ISO 639 code, NULL unknown */
    const char *home_area;    /* lower case, NULL unknown */
    int screen_positive;      /* 1 positive on the latest screening, -1 negative, 0 not screened */
    bool urgent;              /* PHQ-9 item 9 answered above 0 */
    const char *consent;      /* "given", "refused" or "not_asked" */
    int age_hi;               /* with only an age band: its highest age (age is its lowest);
                               * at or below age: the age is exact */
    bool guardian;            /* the consent was given by a named parent or guardian */
};

enum route_action {
    ROUTE_REFER,        /* a place is free: refer now */
    ROUTE_WAITLIST,     /* the pathway is full and keeps a waitlist */
    ROUTE_HOLD_CONSENT, /* the pathway is chosen but consent must be recorded first */
    ROUTE_DECLINED,     /* the person opted out of referral */
    ROUTE_NONE,         /* no rule matches (or every match is full without a waitlist) */
    ROUTE_HOLD_URGENT,  /* an urgent rule's pathway and its urgent overflow are all full:
                         * held on that pathway, an open alarm for the duty manager */
};

struct route_decision {
    enum route_action action;
    int rule;    /* index of the deciding rule, -1 for none */
    int pathway; /* index into pp->pathways, -1 for none */
};

/* True when the person's home area is one of the county's own (unknown
 * counts as neither in nor out). */
int routing_home(const struct plan_persons *pp, const char *home_area);

/*
 * Decide.  occupied[i] is how many persons pathway i holds now (referred,
 * not waitlisted), for every pathway of pp.  Always fills out.  An urgent
 * person matched by an urgent rule is never passed on to a later rule: a
 * full pathway sends them to its first overflow pathway with room, or
 * holds them (ROUTE_HOLD_URGENT), before any waitlist.  Consent must be
 * given before a referral (ROUTE_HOLD_CONSENT otherwise) for the plan's
 * explicit_consent categories and for a handoff (an out-of-area pathway
 * when a neighbouring hub serves the person's home area); for a
 * person under the plan's guardian_consent_under it must be a named
 * guardian's, except on an urgent rule (crisis care is not held back).
 */
void routing_decide(const struct plan_persons *pp, const struct route_person *p,
                    const int *occupied, struct route_decision *out);

const char *routing_action_name(enum route_action a);

/* Age bands, for a person whose date of birth and age are unknown and for
 * the report: "0-4", "5-11", "12-15", "16-17", "18-64", "65+". */

/* The band of age (0..130), a static string. */
const char *routing_age_band(int age);

/* Band's lowest and highest ages: 0, or -1 when band is no band. */
int routing_band_range(const char *band, int *lo, int *hi);

#endif
