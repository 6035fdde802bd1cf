/*
 * daemon/paging.h - paging partner agencies: each agency activated by an
 * incident climbs its plan's escalation ladder, step by step, until someone
 * acknowledges, or is declared unreachable and raised to Gold.
 *
 * Everything that matters is in the database: a page row per (incident,
 * agency) with its current step and the deadline of its next action, and an
 * attempt row per delivery.  The one timer is re-armed from the earliest
 * deadline, so a restart resumes every ladder where it stood.
 */
#ifndef MUSTER_PAGING_H
#define MUSTER_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct muster;
struct outbox;
struct paging;
struct plan;
struct plan_paging;

/* Start paging: channels, sessions, the timer; resume deliveries cut off
 * by a crash.  Returns 0 or -errno. */
int paging_open(struct muster *m, struct paging **out);
void paging_close(struct paging *p);
void paging_free(struct paging *p);

/* Inside a standup's transaction: one page per agency activated at
 * level, due at once.  Returns 0 or -errno. */
int paging_incident_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                          const struct plan *plan, int level, int64_t now);

/* Inside a standup's transaction, after its incident.standup event (and
 * only there: the incident's pages have no attempt yet, so their board
 * entries are made without reading them back): the first attempt of
 * every page due at once (paging_incident_start), so the pages go out as
 * soon as the standup commits, not after a second batch (the timer's).
 * A page that cannot be stepped is put back a minute, as by the timer.
 * Returns 0 or -errno (the due pages unread). */
int paging_incident_first(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now);

/* Inside a registration's transaction, after its events: the first
 * attempt of the incident's notices due at once (a referral's notice with
 * its ladder's first step at once), so the notice goes out with the
 * registration's commit instead of in the paging timer's next batch (a
 * second transaction).  At most 8 at a time; the timer steps any more.
 * A notice that cannot be stepped is put back a minute, as by the timer.
 * Returns 0 or -errno (the due notices unread). */
int paging_notices_first(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now);

/* What a change of level (or of the plan in force) did to the pages. */
struct paging_level_change {
    int paged;   /* agencies activated now (a new page, or one a lowering had stopped) */
    int stopped; /* agencies whose climbing page was cancelled */
};

/* Inside a transaction (paging_level.c): make the incident's activation
 * pages follow plan at level.  Every agency the plan activates at level
 * that has no page is paged, once (a page a lowering cancelled climbs its
 * ladder again from the first step); every page still climbing of an
 * agency the level no longer activates is cancelled, unless the agency
 * provides an open referral of the incident.  Acknowledged and
 * unreachable pages are kept as they are.  Events agency.activated and
 * agency.stood_down, with reason.  0 or -errno. */
int paging_incident_level(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                          const struct plan *plan, int level, const char *reason, int64_t now,
                          struct paging_level_change *out);

/* Inside a transaction: page an agency with a call for staff (ask_id in
 * the asks table), due at once.  paging_ask_stop cancels that page. */
int paging_ask_start(struct muster *m, struct outbox *ob, int64_t incident_id,
                     const char *agency_id, int64_t ask_id, int64_t now);
int paging_ask_stop(struct muster *m, struct outbox *ob, int64_t ask_id, int64_t now);

/* Inside a transaction: activate agency_id for the incident now (a page
 * due at once, an agency.activated event with why) unless it was already
 * activated.  1 when activated now, 0 when it was before, or -errno. */
int paging_activate(struct muster *m, struct outbox *ob, int64_t incident_id, const char *ref,
                    const char *agency_id, const char *why, int64_t now);

/*
 * A notice: a page about one record (a referral, a waitlist promotion, a
 * re-screen due) that climbs the agency's ladder like any page, with its
 * own page ids (the same on a resend) and acknowledgement code.  Its words
 * and facts are stored with it, so they must carry no personal data
 * beyond what the agency may see (no name, contact details or address):
 * exec, webhook and email take them out of musterd.
 */
struct paging_notice {
    int64_t incident_id;
    const char *agency;    /* the agency it goes to */
    const char *kind;      /* "referral", "promotion", ... (never "page") */
    int64_t ref_id;        /* the record: one notice per (incident, agency, kind, ref_id) */
    const char *subject;   /* one line, e.g. "URGENT REFERRAL: person 17 to crisis" */
    const char *text;      /* the lines of its body */
    json_t *facts;         /* borrowed: an object the JSON page carries as "notice" */
    int64_t ack_within_ms; /* > 0: urgent, acknowledged within this or an alarm is raised;
                            * 0: one confirmed delivery is enough */
};

/* n's stored body (malloc'd; NULL without memory or without a subject or
 * text): {"subject", "text", "facts"} as json_dumps writes it, compact,
 * written directly around the facts ({} when there are none; issue 19:
 * one a registration). */
char *paging_notice_body(const struct paging_notice *n);

/* Inside a transaction: send notice n; its first step is due after the
 * agency's first contact's "after", as at standup (a second call for the
 * same record does nothing).  Returns 0, -ENOENT when the incident's
 * plan has no such agency, or -errno. */
int paging_notice(struct muster *m, struct outbox *ob, const struct paging_notice *n, int64_t now);

/* Inside a transaction: stop the notices of kind about ref_id still
 * climbing (the record was closed).  Returns 0 or -errno. */
int paging_notice_stop(struct muster *m, struct outbox *ob, const char *kind, int64_t ref_id,
                       int64_t now);

/* Inside a transaction: a delivery of page_id was confirmed; a notice
 * that needs no acknowledgement stops climbing.  Returns 0 or -errno. */
int paging_notice_delivered(struct muster *m, struct outbox *ob, int64_t page_id, int64_t now);

/*
 * An alarm's page (alarm.h): a notice of kind "alarm" about alarm_id to
 * each command ladder the incident's frozen plan gives ("gold", "duty").
 * It climbs until the ladder's holder acknowledges it (by its code) or
 * the alarm ends; it never raises an alarm of its own.  Its subject and
 * text carry no personal data.
 */
struct paging_alarm {
    int64_t incident_id;
    int64_t alarm_id;
    const char *subject; /* one line, e.g. "ALARM 3: agency cpft unreachable" */
    const char *text;
    json_t *facts; /* borrowed */
};

/* Inside a transaction: page alarm a to the command ladders (once: a
 * second call for the same alarm does nothing).  The number of ladders
 * paged in *paged (may be NULL).  0 or -errno. */
int paging_alarm(struct muster *m, struct outbox *ob, const struct paging_alarm *a, int64_t now,
                 int *paged);

/* Inside a transaction: alarm_id ended; its pages stop climbing.  0 or
 * -errno. */
int paging_alarm_stop(struct muster *m, struct outbox *ob, int64_t alarm_id, int64_t now);

/* Inside a stand-down's transaction: cancel every page of the incident
 * still climbing, and after the commit every delivery in flight. */
int paging_incident_stop(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t now);

/* Inside the retention purge's transaction: erase the acknowledgement
 * notes of the incident's pages.  Returns 0 or -errno. */
int paging_incident_purge(struct muster *m, int64_t incident_id);

/* Each agency's page state for incident.show, as a new array in *out (the
 * caller owns it).  An agency principal (agency_id not NULL) sees only its
 * own, with its acknowledgement code.  0, or -errno when a read failed:
 * then *out is NULL. */
int paging_incident_pages(struct muster *m, int64_t incident_id, const char *agency_id,
                          json_t **out);

/* After the commit, stop the deliveries in flight for an incident (or only
 * page_id when not 0); their open attempts are cancelled now. */
int paging_cancel_in_flight(struct muster *m, struct outbox *ob, int64_t incident_id,
                            int64_t page_id, int64_t now);

/* Re-arm the paging timer once this transaction commits. */
int paging_rearm_after_commit(struct muster *m, struct outbox *ob);

/* Inside a transaction: pages queued for an agency that was not listening
 * are sent now that it is.  Returns 0 or -errno. */
int paging_flush_queued(struct muster *m, struct outbox *ob, const char *agency_id);

/* 1 when the agency has pages queued for its listener, 0 when it has
 * none, or -errno when that cannot be read. */
int paging_has_queued(struct muster *m, const char *agency_id);

/* Put the agency/<id> board key of the incident, for the next event. */
void paging_agency_board(struct muster *m, struct outbox *ob, int64_t incident_id,
                         const char *agency);

/* An agency's listener (re)announced itself from this connection, opened
 * with key (Z85). */
void paging_session_seen(struct muster *m, const char *agency_id, const char *key,
                         const void *route, size_t route_len);

/* End the listener sessions whose key is no longer in the keyring. */
void paging_sessions_revoke(struct muster *m);

/* A message of the public door to an affected person's own contact (a
 * one-time link): once the transaction commits, the exec target `sender`
 * (a plan's public sender) runs with contact as its one argument and the
 * text on stdin (MUSTER_TEXT, MUSTER_TARGET = contact, MUSTER_SUBJECT),
 * within the paging's exec timeout; the outcome is logged, never
 * retried (the person asks again).  Everything is copied.  0 or -errno. */
int paging_public_send(struct muster *m, struct outbox *ob, const char *sender, const char *contact,
                       const char *incident_ref, const char *subject, const char *text,
                       const struct plan_paging *paging);

#endif
