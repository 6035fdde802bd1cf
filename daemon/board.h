/*
 * daemon/board.h - the duty managers' board as key-value state, for the
 * status feed's Clone pattern: a snapshot of every key (status.show) with
 * the feed sequence number it is current to, then each feed event carries
 * the new values of the keys it changed under "board".  The command,
 * status.show, is in status_cmd.c.  A watcher applies
 * them in sequence; a gap in the sequence means: take a new snapshot.
 *
 * Keys, per incident:
 *   incident                      {ref, plan, level, level_name, exercise, operation, state
 *                                  (active, stood_down: recovery, closed), created_at,
 *                                  stood_down_at, closed_at}
 *   agency/<id>                   {state, step, acknowledged_by, acknowledged_at}
 *   cell/<shift>/<role>           {required, pledged, accepted, arrived}
 *   persons                       registered persons (merged ones not counted)
 *   category/<category>           registered persons by category
 *   pathway/<id>/<state>          referrals referred / waitlisted / held_consent
 *   contact/<state>               persons attempting / contacted / declined / unable_to_contact
 *   breaches, urgent              persons past the referral deadline, with the urgent flag
 *   referrals/open                open referrals (referred, waitlisted, held_consent): the
 *                                  recovery caseload
 *   rescreen/<state>              re-screens due (not yet done), overdue (past the plan's
 *                                  grace), done
 *   alarms                        open alarms (a counter)
 *   alarm/<id>                    {kind, agency, detail, raised_at} of each open alarm;
 *                                  null (removed) when it is cleared or resolved
 *   selfreg/unverified            {count, oldest_at}: self-registrations waiting for a call
 *                                  handler (person.verify); only for an incident ever published
 * Counters are kept in the board table and changed by the change that
 * moves them, so neither a snapshot nor a delta ever counts rows (written
 * once per key and transaction, when it commits: board_counters.c).
 */
#ifndef MUSTER_BOARD_H
#define MUSTER_BOARD_H

#include <stdint.h>

#include <jansson.h>

struct incident;
struct muster;
struct outbox;

/* Add delta to counter key of incident_id inside the open transaction;
 * the new value rides on the next feed event.  The move is kept in memory
 * and written, once per key, just before the transaction commits; a
 * savepoint rolled back takes it back (board_counters.c).  Returns 0 or
 * -errno. */
int board_add(struct muster *m, struct outbox *ob, int64_t incident_id, const char *key, int delta);

/* board_add of two counters of incident_id (key2 after key): a
 * registration moves two pairs (persons and its category; a pathway's
 * state and referrals/open).  Returns 0 or -errno. */
int board_add2(struct muster *m, struct outbox *ob, int64_t incident_id, const char *key,
               const char *key2, int delta);

/* Set an object key (value stolen) for the next feed event. */
void board_put(struct outbox *ob, const char *key, json_t *value);

/* The agency/<id> value of an incident's activation page (new reference),
 * and the incident value (of incident_id, NULL when it cannot be read; or
 * of an incident already read). */
json_t *board_agency(struct muster *m, int64_t incident_id, const char *agency);
/* The same value, not read back, of an activation page still paging and
 * not acknowledged whose attempts reached step `steps` (0: none yet): a
 * page the standup has just made, or just tried for the first time. */
json_t *board_agency_paging(int steps);
json_t *board_incident(struct muster *m, int64_t incident_id);
json_t *board_incident_of(struct muster *m, const struct incident *inc);

/* A cell/<shift>/<role> value (new reference). */
json_t *board_cell(int required, int pledged, int accepted, int arrived);

/* What a board shows besides the keys, from the incident's frozen plan
 * and its rows: {roles, pathways, shifts, agencies} (*out a new
 * reference).  Returns 0, or -errno (then *out is NULL). */
int board_meta(struct muster *m, int64_t incident_id, json_t **out);

/* Every key of the incident, as the snapshot sends it: *out is a new
 * reference.  Returns 0, or -errno when the store could not be read (then
 * *out is NULL). */
int board_snapshot(struct muster *m, int64_t incident_id, json_t **out);

#endif
