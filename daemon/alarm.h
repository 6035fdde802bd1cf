/*
 * daemon/alarm.h - alarms: something a person must act on that nobody has
 * answered, raised to the Hub duty manager and Gold until one of them
 * clears it.  The minimal shape issue 14 builds its alarm ladders on.
 *
 * An alarm is a row of the alarms table (this module owns it): its kind
 * ("referral_unacknowledged": an urgent referral's provider has not
 * acknowledged it in time or cannot be reached; "urgent_held": an urgent
 * person found no place on the urgent pathway nor its overflow;
 * "shift_short": a shift started short of a role, see staffing_alarm.c), the
 * incident, agency, person id and referral it is about, one line of detail
 * (never a name or contact detail), and its state: open, cleared (by a
 * duty manager or Gold, with a note) or resolved (what it waited for
 * happened: the provider acknowledged, a place was found).  Raising or
 * ending one moves the incident's "alarms" board counter and makes an
 * alarm.raised, alarm.cleared or alarm.resolved feed event.
 *
 * Every alarm is delivered, not only shown: raising one pages it to the
 * incident's command ladders (the plan's "command" section: Gold and the
 * Hub duty manager, paging.h's paging_alarm), which climb until their
 * holder acknowledges the page or the alarm ends.  An alarm has a cause;
 * raising a cause that already has an open alarm is that alarm again (one
 * alarm, one page), so any caller may raise as often as it notices.
 */
#ifndef MUSTER_ALARM_H
#define MUSTER_ALARM_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct muster;
struct outbox;

struct alarm_new {
    int64_t incident_id;
    const char *ref;    /* the incident's reference, for the event */
    const char *kind;   /* "referral_unacknowledged", "urgent_held", "agency_unreachable",
                         * "victims_code_breach", ... */
    const char *agency; /* the agency it is about, or NULL */
    int64_t person_id;  /* 0 for none */
    int64_t referral_id;
    const char *detail; /* one line, no personal data */
    const char *cause;  /* what makes two raises one alarm; NULL: kind, agency, person,
                         * referral and detail together */
};

/* Inside a transaction: raise alarm a and page it, unless its cause
 * already has an open alarm (then nothing changes); the alarm's id in *id
 * (may be NULL).  Returns 0 or -errno. */
int alarm_raise(struct muster *m, struct outbox *ob, const struct alarm_new *a, int64_t now,
                int64_t *id);

/* Inside a transaction: resolve the open alarms of referral_id (what they
 * waited for happened), by whom (a principal or actor).  0 or -errno. */
int alarm_resolve_referral(struct muster *m, struct outbox *ob, int64_t referral_id, const char *by,
                           int64_t now);

/* Inside a transaction: resolve the incident's open alarm of cause, if
 * any (what it waited for happened).  0 or -errno. */
int alarm_resolve_cause(struct muster *m, struct outbox *ob, int64_t incident_id, const char *cause,
                        const char *by, int64_t now);

/* Inside a transaction: resolve alarm id if it is open (what it waited
 * for happened), by whom.  0 (also when it was not open) or -errno. */
int alarm_resolve(struct muster *m, struct outbox *ob, int64_t id, const char *by, int64_t now);

/* Inside a transaction: clear open alarm id by a duty manager or Gold,
 * with an optional note.  0, -ENOENT (no such alarm), -EALREADY (not
 * open: *state says what it is, at least 16 bytes) or -errno. */
int alarm_clear(struct muster *m, struct outbox *ob, int64_t id, const char *by, const char *note,
                int64_t now, char *state);

/* The alarms of incident_id (0: of every incident), open only unless all,
 * newest first, as a new array in *out.  0 or -errno (*out NULL). */
int alarm_list(struct muster *m, int64_t incident_id, bool all, json_t **out);

/* The incident's open alarms as board keys alarm/<id> {kind, agency,
 * detail, raised_at}, set on board (for a snapshot).  0 or -errno. */
int alarm_board(struct muster *m, int64_t incident_id, json_t *board);

#endif
