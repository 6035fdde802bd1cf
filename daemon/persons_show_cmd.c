/*
 * daemon/persons_show_cmd.c - person.show and person.list: an agency sees only the
 * persons referred to its own pathways, and only what it needs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz.h"
#include "board.h"
#include "dispatch.h"
#include "family.h"
#include "frozen.h"
#include "incident.h"
#include "namefold.h"
#include "outbox.h"
#include "persons.h"
#include "selfreg.h"
#include "persons_int.h"
#include "plan.h"
#include "screening.h"
#include "server.h"
#include "store.h"
#include "workdays.h"

/* ---- show and list ---- */

static const char SQL_SHOW[] =
    "SELECT p.id, i.ref, p.category, p.name, p.dob, p.age, p.phone, p.email, p.address,"
    " p.home_area, p.language, p.interpreter, p.vulnerabilities, p.safe_contact, p.consent,"
    " p.external_ref, p.urgent, p.screen_positive, p.merged_into, p.contact_state,"
    " p.registered_at, p.registered_by, p.referral_due_at, p.referred_at, p.breached_at,"
    " p.purge_due_at, p.age_band, p.guardian, p.status FROM persons p JOIN incidents i"
    " ON i.id = p.incident_id WHERE p.id = ?1";

static json_t *vulnerability_names(unsigned bits)
{
    json_t *a = json_array();
    for (unsigned b = 1; b <= PLAN_VULN_MIGRANT; b <<= 1)
        if (bits & b)
            json_array_append_new(a, json_string(plan_vulnerability_name(b)));
    return a;
}

/* The record: everything for the Hub; for an agency only what it needs
 * to support the person (no date of birth, address, external reference
 * or screening answers). */
static json_t *show_person(sqlite3_stmt *s, bool agency)
{
    json_t *r = json_pack(
        "{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:s, s:b}", "person",
        (json_int_t)sqlite3_column_int64(s, 0), "incident", store_col_text(s, 1), "category",
        store_col_text(s, 2), "name", store_col_opt_text(s, 3), "age", store_col_opt_int(s, 5),
        "phone", store_col_opt_text(s, 6), "email", store_col_opt_text(s, 7), "language",
        store_col_opt_text(s, 10), "interpreter", sqlite3_column_int(s, 11), "vulnerabilities",
        vulnerability_names((unsigned)sqlite3_column_int(s, 12)), "safe_contact",
        store_col_text(s, 13) ? json_loads(store_col_text(s, 13), 0, NULL) : json_null(), "consent",
        store_col_text(s, 14), "urgent", sqlite3_column_int(s, 16));
    json_object_set_new(r, "home_area", store_col_opt_text(s, 9));
    json_object_set_new(r, "contact_state", json_string(store_col_text(s, 19)));
    json_object_set_new(r, "age_band", store_col_opt_text(s, 26));
    json_object_set_new(r, "guardian", store_col_opt_text(s, 27));
    json_object_set_new(r, "status", json_string(store_col_text(s, 28)));
    if (agency)
        return r;
    json_object_set_new(r, "dob", store_col_opt_text(s, 4));
    json_object_set_new(r, "address", store_col_opt_text(s, 8));
    json_object_set_new(r, "external_ref", store_col_opt_text(s, 15));
    json_object_set_new(r, "screen_positive", json_integer(sqlite3_column_int(s, 17)));
    json_object_set_new(r, "merged_into", store_col_opt_int(s, 18));
    json_object_set_new(r, "registered_at", json_integer(sqlite3_column_int64(s, 20)));
    json_object_set_new(r, "registered_by", json_string(store_col_text(s, 21)));
    json_object_set_new(r, "referral_due_at", json_integer(sqlite3_column_int64(s, 22)));
    json_object_set_new(r, "referred_at", store_col_opt_int(s, 23));
    json_object_set_new(r, "breached_at", store_col_opt_int(s, 24));
    json_object_set_new(r, "purge_due_at", store_col_opt_int(s, 25));
    return r;
}

static const char SQL_P_REFERRALS[] =
    "SELECT pathway, provider, state, reason, home_area, created_at, updated_at, given_at,"
    " handoff FROM referrals WHERE person_id = ?1 AND (?2 IS NULL OR (provider = ?2 AND given_at "
    "IS NOT "
    "NULL))"
    " ORDER BY id";
static const char SQL_P_SCREENS[] =
    "SELECT instrument, score, positive, urgent, at, by, answers FROM screenings"
    " WHERE person_id = ?1 ORDER BY id";
static const char SQL_P_CONTACTS[] =
    "SELECT at, by, outcome, slot, note, channel, kind, address_kind FROM contacts"
    " WHERE person_id = ?1 ORDER BY id";
static const char SQL_P_RESCREENS[] =
    "SELECT instrument, due_at, overdue_at, state, done_at FROM rescreens WHERE person_id = ?1"
    " ORDER BY due_at, instrument";
static const char SQL_P_DUPS[] =
    "SELECT matches_id, reason FROM duplicates WHERE person_id = ?1"
    " UNION SELECT person_id, reason FROM duplicates WHERE matches_id = ?1";

static json_t *referral_row(sqlite3_stmt *s)
{
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:o, s:I, s:I}", "pathway", store_col_text(s, 0), "provider",
                  store_col_text(s, 1), "state", store_col_text(s, 2), "reason",
                  store_col_opt_text(s, 3), "created_at", (json_int_t)sqlite3_column_int64(s, 5),
                  "updated_at", (json_int_t)sqlite3_column_int64(s, 6));
    json_object_set_new(r, "home_area_for_referral", store_col_opt_text(s, 4));
    json_object_set_new(r, "given_at", store_col_opt_int(s, 7));
    json_object_set_new(r, "handoff", json_boolean(sqlite3_column_int(s, 8)));
    return r;
}

static json_t *screen_row(sqlite3_stmt *s)
{
    json_t *r = json_pack("{s:s, s:i, s:b, s:b, s:I, s:s}", "instrument", store_col_text(s, 0),
                          "score", sqlite3_column_int(s, 1), "positive", sqlite3_column_int(s, 2),
                          "urgent", sqlite3_column_int(s, 3), "at",
                          (json_int_t)sqlite3_column_int64(s, 4), "by", store_col_text(s, 5));
    return r;
}

/* A screening for the Hub: with the answers. */
static json_t *screen_row_answers(sqlite3_stmt *s)
{
    json_t *r = screen_row(s);
    json_object_set_new(r, "answers", json_loads(store_col_text(s, 6), 0, NULL));
    return r;
}

/* A contact attempt: its channel (null before channels were recorded),
 * and for a letter or email sent its kind and address kind. */
static json_t *contact_row(sqlite3_stmt *s)
{
    json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "at",
                          (json_int_t)sqlite3_column_int64(s, 0), "by", store_col_text(s, 1),
                          "outcome", store_col_text(s, 2), "slot", store_col_text(s, 3), "note",
                          store_col_opt_text(s, 4), "channel", store_col_opt_text(s, 5));
    if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
        json_object_set_new(r, "kind", store_col_opt_text(s, 6));
        json_object_set_new(r, "to", store_col_opt_text(s, 7));
    }
    return r;
}

/* A re-screen: the Hub and the agency holding the person see it alike. */
static json_t *rescreen_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:I, s:I, s:s, s:o}", "instrument", store_col_text(s, 0), "due_at",
                     (json_int_t)sqlite3_column_int64(s, 1), "overdue_at",
                     (json_int_t)sqlite3_column_int64(s, 2), "state", store_col_text(s, 3),
                     "done_at", store_col_opt_int(s, 4));
}

/* The lists of a person's record, with the rows the Hub sees and those
 * an agency sees (NULL: the list is not shown to an agency). */
static const struct person_list {
    const char *name, *sql;
    store_row_fn *hub_row, *agency_row;
} person_lists[] = {
    {"referrals", SQL_P_REFERRALS, referral_row, referral_row},
    {"screenings", SQL_P_SCREENS, screen_row_answers, screen_row},
    {"contacts", SQL_P_CONTACTS, contact_row, contact_row},
    {"rescreens", SQL_P_RESCREENS, rescreen_row, rescreen_row},
    {"possible_duplicates", SQL_P_DUPS, persons_match_json, NULL},
};

/* Add the lists of person id to record r (an agency sees only its own
 * referrals).  Returns 0 or -errno. */
static int person_lists_read(struct cmd_ctx *c, int64_t id, const char *agency, json_t *r)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(person_lists) / sizeof(person_lists[0]); i++) {
        const struct person_list *l = &person_lists[i];
        store_row_fn *row = agency ? l->agency_row : l->hub_row;
        sqlite3_stmt *s = row ? store_stmt(c->m->store, l->sql) : NULL;
        json_t *arr = NULL;
        if (!row)
            continue;
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_bind_parameter_count(s) >= 2)
            store_bind_text_opt(s, 2, agency);
        if ((rc = store_rows_json(s, row, &arr)) == 0)
            json_object_set_new(r, l->name, arr);
    }
    return rc;
}

static int cmd_show(struct cmd_ctx *c)
{
    struct person_ref p;
    if (dispatch_person(c, "person", &p, false) != 0)
        return -1;
    const char *agency = authz_agency_id(c->principal);
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SHOW);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, p.id);
    int rc = store_step(s);
    json_t *r = rc > 0 ? show_person(s, agency != NULL) : NULL;
    sqlite3_reset(s);
    if (rc >= 0 && !r)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no person %lld", (long long)p.id);
    if (rc > 0)
        rc = person_lists_read(c, p.id, agency, r);
    if (rc == 0 && !agency) /* an agency learns no family member it was not given */
        rc = family_person_json(c->m, p.id, r);
    if (rc == 0) /* an agency: only when and how it is safe to call */
        rc = selfreg_person_json(c->m, p.id, agency != NULL, r);
    if (rc != 0) {
        json_decref(r);
        return dispatch_storage_fail(c, rc);
    }
    c->result = r;
    return 0;
}

/* The Hub's list: every person, with their open referral. */
static const char SQL_LIST[] =
    "SELECT p.id, p.category, p.name, p.contact_state, p.urgent, p.breached_at IS NOT NULL,"
    " r.pathway, r.state, p.merged_into FROM persons p"
    " LEFT JOIN referrals r ON r.person_id = p.id AND r.state <> 'closed'"
    " WHERE p.incident_id = ?1 AND p.purged = 0"
    " AND (?3 IS NULL OR p.category = ?3) AND (?4 IS NULL OR r.pathway = ?4)"
    " ORDER BY p.id LIMIT ?5 OFFSET ?6";
/* An agency's list: the persons given to it (referred, waitlisted, or
 * closed after either; never one only held for consent), each with its
 * latest such referral to the agency: the same persons person.show finds
 * (persons_access), and nothing of another agency's referral. */
static const char SQL_LIST_AGENCY[] =
    "SELECT p.id, p.category, p.name, p.contact_state, p.urgent, p.breached_at IS NOT NULL,"
    " r.pathway, r.state, p.merged_into FROM referrals r JOIN persons p ON p.id = r.person_id"
    " WHERE r.id IN (SELECT MAX(id) FROM referrals WHERE incident_id = ?1 AND provider = ?2"
    " AND given_at IS NOT NULL AND (?4 IS NULL OR pathway = ?4) GROUP BY person_id)"
    " AND p.purged = 0 AND (?3 IS NULL OR p.category = ?3) ORDER BY p.id LIMIT ?5 OFFSET ?6";

static json_t *list_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s, s:o, s:s, s:b, s:b, s:o, s:o, s:o}", "person",
                     (json_int_t)sqlite3_column_int64(s, 0), "category", store_col_text(s, 1),
                     "name", store_col_opt_text(s, 2), "contact_state", store_col_text(s, 3),
                     "urgent", sqlite3_column_int(s, 4), "breached", sqlite3_column_int(s, 5),
                     "pathway", store_col_opt_text(s, 6), "referral", store_col_opt_text(s, 7),
                     "merged_into", store_col_opt_int(s, 8));
}

static int cmd_list(struct cmd_ctx *c)
{
    const char *ref = NULL, *category = NULL, *pathway = NULL;
    int64_t limit = 1000, offset = 0;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_str(c->args, "category", false, 16, &category, &c->err) ||
        proto_arg_str(c->args, "pathway", false, 40, &pathway, &c->err) ||
        proto_arg_int(c->args, "limit", false, 1, 10000, &limit, &c->err) ||
        proto_arg_int(c->args, "offset", false, 0, INT64_MAX, &offset, &c->err))
        return -1;
    struct incident inc;
    if (dispatch_incident(c, ref, &inc))
        return -1;
    const char *agency = authz_agency_id(c->principal);
    sqlite3_stmt *s = store_stmt(c->m->store, agency ? SQL_LIST_AGENCY : SQL_LIST);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, inc.id);
    store_bind_text_opt(s, 2, agency);
    store_bind_text_opt(s, 3, category);
    store_bind_text_opt(s, 4, pathway);
    sqlite3_bind_int64(s, 5, limit);
    sqlite3_bind_int64(s, 6, offset);
    json_t *arr = NULL;
    int rc = store_rows_json(s, list_row, &arr);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "%s persons", ref);
    c->result = json_pack("{s:s, s:o}", "incident", ref, "persons", arr);
    return 0;
}

static const char *const person_args[] = {"person", NULL};
static const char *const list_args[] = {"incident", "category", "pathway", "limit", "offset", NULL};

const struct command person_show_commands[] = {
    {.name = "person.show", .fn = cmd_show, .args = person_args, .flags = CMD_AUDIT_READ},
    {.name = "person.list", .fn = cmd_list, .args = list_args, .flags = CMD_AUDIT_READ},
    {.name = NULL},
};
