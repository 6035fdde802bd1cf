/*
 * daemon/persons_retention.c - personal data kept no longer than needed
 * (see persons.h): an incident's persons are purged when it has been
 * closed for its plan's retention_days (until the close the recovery
 * phase still supports them); a person who declined all
 * support or refused consent is purged sooner, when the plan's
 * declined_retention_days have passed since (persons.purge_due_at, set by
 * persons_retention_mark).  Both purges erase the same fields, with one
 * table of statements over a set of persons (purge_sql), and both are
 * deadlines of persons.c's timer, so a restart keeps them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "frozen.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "persons.h"
#include "persons_int.h"
#include "plan.h"
#include "report.h"
#include "server.h"
#include "staffing.h"
#include "store.h"

/* ---- who declined ---- */

/* A person who refused consent or declined all support, with no open
 * referral, is purged at ?2 (the earliest such time is kept); anyone
 * else (support taken up again) is not: the due time is cleared. */
static const char SQL_MARK[] =
    "UPDATE persons SET purge_due_at = CASE WHEN (consent = 'refused' OR contact_state = "
    "'declined')"
    " AND ?2 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM referrals WHERE person_id = ?1"
    " AND state IN ('referred', 'waitlisted', 'held_consent', 'held_urgent'))"
    " THEN MIN(COALESCE(purge_due_at, ?2), ?2) ELSE NULL END WHERE id = ?1 AND purged = 0";

int persons_retention_mark(struct muster *m, struct outbox *ob, int64_t person_id,
                           int64_t incident_id, bool clear, int64_t now)
{
    const struct plan *plan = frozen_plan(m, incident_id);
    int days = plan ? plan->declined_retention_days : 0;
    if (!clear) {
        sqlite3_stmt *s = store_stmt(m->store, SQL_MARK);
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, person_id);
        if (days > 0)
            sqlite3_bind_int64(s, 2, now + days * DAY_MS);
        else
            sqlite3_bind_null(s, 2);
        int rc = store_exec_stmt(s);
        if (rc != 0)
            return rc;
    }
    return days == 0 ? 0 : persons_check_after_commit(m, ob);
}

/* ---- the purge ---- */

/* The persons a purge erases: every person of incident ?1, or (?1 NULL)
 * every person whose purge_due_at has come by ?2. */
#define PURGE_SET                                                                                  \
    "(SELECT id FROM persons WHERE incident_id = ?1"                                               \
    " OR (purge_due_at <= ?2 AND purged = 0))"

/* The reasons musterd itself gives a referral; any other is the free text
 * of referral.close, and reads "purged" after the purge. */
#define OWN_REASONS                                                                                \
    "('completed', 'rerouted', 'merged', 'consent refused', 'declined', 'unable_to_contact',"      \
    " 'incident closed')"

/* The persons' personal fields, screening answers, contact notes, the old
 * values of their corrections (person.update), import keys, what a
 * self-registration said (its reference, when it is safe to call, the
 * notes) and its one-time links, and free-text referral reasons (in the referrals and in their
 * events), for the persons of PURGE_SET; the persons themselves last, as
 * marking them purged takes them out of the set.  For an incident,
 * incident.c erases its own notes and the other modules purge theirs (see
 * purge_incident). */
static const char *const purge_sql[] = {
    "UPDATE screenings SET answers = '[]' WHERE person_id IN " PURGE_SET,
    "UPDATE contacts SET note = NULL WHERE person_id IN " PURGE_SET,
    "UPDATE corrections SET old = NULL WHERE person_id IN " PURGE_SET,
    "DELETE FROM imports WHERE person_id IN " PURGE_SET,
    "UPDATE selfregs SET reference = NULL, safe_to_call = NULL, safe_note = NULL, note = NULL"
    " WHERE person_id IN " PURGE_SET,
    "DELETE FROM public_tokens WHERE person_id IN " PURGE_SET,
    "UPDATE rescreens SET state = 'cancelled' WHERE state = 'pending' AND person_id IN " PURGE_SET,
    "UPDATE referrals SET reason = 'purged' WHERE person_id IN " PURGE_SET
    " AND reason NOT IN " OWN_REASONS " AND reason NOT GLOB 'rule [0-9]*'",
    "UPDATE events SET body = json_replace(body, '$.state', 'purged')"
    " WHERE kind = 'person.referral_closed' AND json_extract(body, '$.person') IN " PURGE_SET
    " AND json_extract(body, '$.state') NOT IN " OWN_REASONS,
    "UPDATE persons SET name = NULL, name_key = NULL, dob = NULL, phone = NULL, phone_key = NULL,"
    " email = NULL, address = NULL, safe_contact = NULL, external_ref = NULL, guardian = NULL,"
    " purged = 1,"
    " purge_due_at = NULL WHERE id IN " PURGE_SET,
};

/* Run purge_sql over incident id's persons (id > 0) or the persons due
 * by now (id 0).  Returns 0 or -errno. */
static int purge_persons(struct muster *m, int64_t id, int64_t now)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(purge_sql) / sizeof(purge_sql[0]); i++) {
        sqlite3_stmt *u = store_stmt(m->store, purge_sql[i]);
        if (!u)
            return -EINVAL;
        if (id > 0)
            sqlite3_bind_int64(u, 1, id);
        else
            sqlite3_bind_int64(u, 2, now);
        rc = store_exec_stmt(u);
    }
    return rc;
}

/* Everything personal or free-text about incident id, in the one
 * transaction of the purge: its persons (purge_sql), the incident's notes,
 * the pages' acknowledgement notes, the pledges' staff names and notes,
 * the notes in the stored events and the stored replies. */
static int purge_incident(struct muster *m, int64_t id, int64_t now)
{
    int rc = purge_persons(m, id, now);
    if (rc == 0)
        rc = incident_set_purged(m->store, id, now); /* and the incident's own notes */
    if (rc == 0)
        rc = paging_incident_purge(m, id);
    if (rc == 0)
        rc = staffing_incident_purge(m, id);
    return rc ? rc : store_incident_purge(m->store, id);
}

/* After a purge commits: fold the WAL back and rebuild the file, so no
 * copy of a purged field survives in free pages or the journal (with
 * secure_delete on, freed space is zeroed). */
static void purge_vacuum(struct muster *m, void *arg)
{
    int rc = store_exec(m->store, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (rc == 0)
        rc = store_exec(m->store, "VACUUM");
    if (rc == 0)
        rc = store_exec(m->store, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (rc != 0)
        log_error("persons: vacuum after the retention purge failed: %s", strerror(-rc));
    else
        log_info("persons: database vacuumed after the retention purge");
}

/* The retention period runs from the close: until then the recovery
 * phase is still supporting the incident's persons. */
static const char SQL_PURGE_DUE[] =
    "SELECT id, ref FROM incidents WHERE closed_at IS NOT NULL AND purged_at IS NULL"
    " AND closed_at + retention_days * 86400000 <= ?1 LIMIT 1";

/* Personal data of an incident past its retention period is purged (see
 * purge_incident); counts, referrals, events and the audit chain stay.  After
 * the commit the file is vacuumed and the stand-down report files are
 * rewritten from the purged record. */
static int incident_purge(struct muster *m, struct outbox *ob, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PURGE_DUE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    int64_t id = 0;
    char ref[64] = "";
    int rc = store_step(s);
    if (rc > 0) {
        id = sqlite3_column_int64(s, 0);
        snprintf(ref, sizeof(ref), "%s", store_col_text(s, 1));
    }
    sqlite3_reset(s);
    rc = rc < 0 ? rc : id ? purge_incident(m, id, now) : 0;
    if (!id || rc != 0)
        return rc;
    log_info("persons: %s: personal data purged at the end of its retention period", ref);
    rc = outbox_event(m, ob, id, ref, "incident.purged", json_object(), now);
    if (rc == 0)
        rc = outbox_action(ob, purge_vacuum, NULL, NULL);
    return rc ? rc : report_purge_after_commit(m, ob, id);
}

/* Spelled with the partial index persons_purge_due's own terms: without
 * "IS NOT NULL" SQLite scanned every person after every registration. */
static const char SQL_DECLINED_DUE[] =
    "SELECT p.id, p.incident_id, i.ref FROM persons p JOIN incidents i ON i.id = p.incident_id"
    " WHERE p.purge_due_at <= ?1 AND p.purge_due_at IS NOT NULL AND p.purged = 0 ORDER BY p.id";

static json_t *due_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:I, s:s}", "person", (json_int_t)sqlite3_column_int64(s, 0),
                     "incident_id", (json_int_t)sqlite3_column_int64(s, 1), "ref",
                     store_col_text(s, 2));
}

/* The persons who declined, and whose shorter retention has passed, are
 * purged (purge_sql), each with a person.purged event; then the file is
 * vacuumed as after an incident's purge.  The stand-down report counts
 * persons and names none, so its files stay as they are. */
static int declined_purge(struct muster *m, struct outbox *ob, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_DECLINED_DUE);
    json_t *due = NULL, *d;
    size_t i;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    int rc = store_rows_json(s, due_row, &due);
    if (rc == 0 && json_array_size(due) > 0)
        rc = purge_persons(m, 0, now);
    json_array_foreach(due, i, d)
    {
        if (rc != 0)
            break;
        json_t *body =
            json_pack("{s:O, s:s}", "person", json_object_get(d, "person"), "reason", "declined");
        rc = outbox_event(m, ob, json_integer_value(json_object_get(d, "incident_id")),
                          json_string_value(json_object_get(d, "ref")), "person.purged", body, now);
    }
    if (rc == 0 && json_array_size(due) > 0) {
        log_info("persons: %zu persons who declined support purged at the end of their retention",
                 json_array_size(due));
        rc = outbox_action(ob, purge_vacuum, NULL, NULL);
    }
    json_decref(due);
    return rc;
}

int persons_retention_run(struct muster *m, struct outbox *ob, int64_t now)
{
    int rc = declined_purge(m, ob, now);
    return rc ? rc : incident_purge(m, ob, now);
}
