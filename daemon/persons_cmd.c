/*
 * daemon/persons_cmd.c - the affected-person registration commands: register one
 * (person.add) or a batch from a CSV import (person.import), with duplicate
 * flags, routing into pathways and re-screen deadlines (persons.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz.h"
#include "board.h"
#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "namefold.h"
#include "outbox.h"
#include "paging.h"
#include "persons.h"
#include "persons_int.h"
#include "plan.h"
#include "routing.h"
#include "screening.h"
#include "server.h"
#include "store.h"

/* ---- what a registration holds ---- */

struct person_in {
    const char *category, *name, *dob, *phone, *email, *address, *home_area, *language;
    const char *consent, *external_ref, *age_band, *guardian;
    int64_t age;
    bool interpreter;
    unsigned vulnerabilities;
    json_t *safe_contact;
    char name_key[NAMEFOLD_KEY_MAX], phone_key[32];
};

static bool valid_date(const char *s)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (!end || *end || strlen(s) != 10)
        return false;
    /* the day exists in its month: calendar arithmetic, not mktime (which
     * re-reads the time zone on every call: issue 19) */
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = tm.tm_year + 1900;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return tm.tm_mday <= mdays[tm.tm_mon] + (tm.tm_mon == 1 && leap);
}

static int parse_vulnerabilities(struct cmd_ctx *c, json_t *v, unsigned *out)
{
    json_t *x;
    size_t i;
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"vulnerabilities\" must be a list");
    json_array_foreach(v, i, x)
    {
        int bit = json_is_string(x) ? plan_vulnerability_from_name(json_string_value(x)) : 0;
        if (!bit)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "vulnerabilities are child, elderly, disability or migrant");
        *out |= (unsigned)bit;
    }
    return 0;
}

static int parse_safe_contact(struct cmd_ctx *c, json_t *v)
{
    char err[200];
    if (persons_safe_valid(v, err, sizeof(err)) != 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "%s", err);
    return 0;
}

static int parse_strings(struct cmd_ctx *c, json_t *f, struct person_in *in)
{
    return proto_arg_str(f, "category", true, 16, &in->category, &c->err) ||
           proto_arg_str(f, "name", true, 200, &in->name, &c->err) ||
           proto_arg_str(f, "dob", false, 10, &in->dob, &c->err) ||
           proto_arg_str(f, "phone", false, 20, &in->phone, &c->err) ||
           proto_arg_str(f, "email", false, 254, &in->email, &c->err) ||
           proto_arg_text(f, "address", false, 500, &in->address, &c->err) ||
           proto_arg_str(f, "home_area", false, 60, &in->home_area, &c->err) ||
           proto_arg_str(f, "language", false, 3, &in->language, &c->err) ||
           proto_arg_str(f, "consent", false, 10, &in->consent, &c->err) ||
           proto_arg_str(f, "external_ref", false, 40, &in->external_ref, &c->err) ||
           proto_arg_str(f, "age_band", false, 5, &in->age_band, &c->err) ||
           proto_arg_text(f, "guardian", false, 200, &in->guardian, &c->err) ||
           proto_arg_int(f, "age", false, 0, 130, &in->age, &c->err) ||
           proto_arg_bool(f, "interpreter", false, &in->interpreter, &c->err);
}

/* The age on the incident's date (at, its standup), not on the day of
 * registration: a child registered months later is routed as the child
 * they were. */
static int age_from_dob(const char *dob, int64_t at)
{
    int y, mo, d;
    if (sscanf(dob, "%d-%d-%d", &y, &mo, &d) != 3)
        return -1;
    time_t t = (time_t)(at / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    int age = tm.tm_year + 1900 - y;
    if (tm.tm_mon + 1 < mo || (tm.tm_mon + 1 == mo && tm.tm_mday < d))
        age--;
    return age;
}

static const char *const person_fields[] = {"category",
                                            "name",
                                            "dob",
                                            "age",
                                            "phone",
                                            "email",
                                            "address",
                                            "home_area",
                                            "language",
                                            "interpreter",
                                            "vulnerabilities",
                                            "safe_contact",
                                            "consent",
                                            "external_ref",
                                            "age_band",
                                            "guardian",
                                            NULL};

/* The age (at the incident's date `at`, from the date of birth) and the
 * age band: given, or the age's.  0 or -1 with c->err set. */
static int person_age(struct cmd_ctx *c, struct person_in *in, int64_t at)
{
    int lo, hi;
    if (in->dob && !valid_date(in->dob))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"dob\" must be a date YYYY-MM-DD");
    if (in->dob && in->age < 0)
        in->age = age_from_dob(in->dob, at);
    if (in->dob && (in->age < 0 || in->age > 130))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"dob\" is not a plausible date of birth on the incident's date");
    if (in->age_band && routing_band_range(in->age_band, &lo, &hi))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"age_band\" is 0-4, 5-11, 12-15, 16-17, 18-64 or 65+");
    if (in->age_band && in->age >= 0 && (in->age < lo || in->age > hi))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"age_band\" %s does not hold the age %lld on the incident's date",
                          in->age_band, (long long)in->age);
    if (in->age >= 0)
        in->age_band = routing_age_band((int)in->age);
    if (in->guardian && (!strcmp(in->consent, "not_asked") || !in->guardian[0]))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"guardian\" names who gave or refused consent: give \"consent\" too");
    return 0;
}

/* Validate a registration to an incident stood up at `at`.  Returns 0 or
 * -1 with c->err set. */
static int person_parse(struct cmd_ctx *c, json_t *f, struct person_in *in, int64_t at)
{
    memset(in, 0, sizeof(*in));
    in->age = -1;
    in->consent = "not_asked";
    if (proto_args_known(f, person_fields, &c->err) || parse_strings(c, f, in) ||
        parse_vulnerabilities(c, json_object_get(f, "vulnerabilities"), &in->vulnerabilities) ||
        parse_safe_contact(c, json_object_get(f, "safe_contact")))
        return -1;
    if (!plan_category_from_name(in->category))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "category is injured, survivor, witness, bereaved, responder or other");
    if (person_age(c, in, at))
        return -1;
    if (in->phone && !namefold_phone_key(in->phone, in->phone_key, sizeof(in->phone_key)))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"phone\" must be a telephone number");
    if (in->email && (!strchr(in->email, '@') || strchr(in->email, ' ')))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"email\" must be an email address");
    if (strcmp(in->consent, "given") && strcmp(in->consent, "refused") &&
        strcmp(in->consent, "not_asked"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "consent is given, refused or not_asked");
    int rc = namefold_key(in->name, in->name_key, sizeof(in->name_key));
    if (rc == -EILSEQ)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"name\" must be UTF-8 text");
    if (rc != 0)
        return proto_fail(&c->err, ERR_INTERNAL, "the name could not be compared: %s",
                          strerror(-rc));
    in->safe_contact = json_object_get(f, "safe_contact");
    return 0;
}

/* ---- registration ---- */

/* The incident a registration goes to, with its frozen plan. */
struct incident_row {
    struct incident i;
    const struct plan *plan;
};

/* Incident ref, not closed (active, or stood down: people come forward
 * late, and the recovery phase registers them), with its frozen plan; or
 * -1 with c->err set. */
static int intake_incident(struct cmd_ctx *c, const char *ref, struct incident_row *out)
{
    if (dispatch_incident(c, ref, &out->i))
        return -1;
    out->plan = frozen_plan(c->m, out->i.id);
    if (!out->plan)
        return proto_fail(&c->err, ERR_INTERNAL, "the frozen plan of %s cannot be read", ref);
    if (out->i.closed)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is closed", ref);
    return 0;
}

static const char SQL_PERSON_ADD[] =
    "INSERT INTO persons (incident_id, category, name, name_key, dob, age, phone, phone_key,"
    " email, address, home_area, language, interpreter, vulnerabilities, safe_contact, consent,"
    " external_ref, registered_at, registered_by, referral_due_at, age_band, guardian) VALUES"
    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, lower(?11), lower(?12), ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?21, ?22)";

static int person_insert(struct cmd_ctx *c, const struct incident_row *inc,
                         const struct person_in *in, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PERSON_ADD);
    if (!s)
        return -EINVAL;
    char *safe = in->safe_contact ? jtext_dump(in->safe_contact, false) : NULL;
    sqlite3_bind_int64(s, 1, inc->i.id);
    const char *text[] = {in->category, in->name, in->name_key, in->dob};
    for (int i = 0; i < 4; i++)
        store_bind_text_opt(s, 2 + i, text[i]);
    if (in->age >= 0)
        sqlite3_bind_int64(s, 6, in->age);
    store_bind_text_opt(s, 7, in->phone);
    store_bind_text_opt(s, 8, in->phone ? in->phone_key : NULL);
    const char *more[] = {in->email, in->address, in->home_area, in->language};
    for (int i = 0; i < 4; i++)
        store_bind_text_opt(s, 9 + i, more[i]);
    sqlite3_bind_int(s, 13, in->interpreter);
    sqlite3_bind_int(s, 14, (int)in->vulnerabilities);
    store_bind_text_opt(s, 15, safe);
    store_bind_text_opt(s, 16, in->consent);
    store_bind_text_opt(s, 17, in->external_ref);
    sqlite3_bind_int64(s, 18, c->now);
    sqlite3_bind_text(s, 19, c->actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 20, persons_referral_due(&inc->plan->persons, c->now));
    store_bind_text_opt(s, 21, in->age_band);
    store_bind_text_opt(s, 22, in->guardian);
    int rc = store_exec_stmt(s);
    free(safe);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    return rc;
}

/* Three index lookups (persons_ext, persons_namedob, persons_phone), never
 * a scan of the incident: registration costs the same at the 100,000th
 * person as at the first. */
static const char SQL_MATCHES[] =
    "SELECT id, MIN(reason) FROM ("
    " SELECT id, 'external_ref' AS reason FROM persons WHERE incident_id = ?1 AND ?2 IS NOT NULL"
    "  AND external_ref = ?2"
    " UNION ALL SELECT id, 'name_and_dob' FROM persons WHERE incident_id = ?1 AND ?4 IS NOT NULL"
    "  AND name_key = ?3 AND dob = ?4"
    " UNION ALL SELECT id, 'phone' FROM persons WHERE incident_id = ?1 AND ?5 IS NOT NULL"
    "  AND phone_key = ?5) WHERE id <> ?6 GROUP BY id LIMIT 20";
static const char SQL_DUP_ADD[] =
    "INSERT OR IGNORE INTO duplicates (person_id, matches_id, reason) VALUES (?1, ?2, ?3)";

/* Record that person id may be the person of match d. */
static int duplicate_add(struct cmd_ctx *c, int64_t id, json_t *d)
{
    sqlite3_stmt *a = store_stmt(c->m->store, SQL_DUP_ADD);
    if (!a)
        return -EINVAL;
    sqlite3_bind_int64(a, 1, id);
    sqlite3_bind_int64(a, 2, (int64_t)json_integer_value(json_object_get(d, "person")));
    sqlite3_bind_text(a, 3, json_string_value(json_object_get(d, "reason")), -1, SQLITE_STATIC);
    return store_exec_stmt(a);
}

/* Flag registrations that look like the same person (never refuse): the
 * matches in *out (new array).  Returns 0 or -errno. */
static int duplicates_flag(struct cmd_ctx *c, int64_t incident_id, const struct person_in *in,
                           int64_t id, json_t **out)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_MATCHES);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    store_bind_text_opt(s, 2, in->external_ref);
    sqlite3_bind_text(s, 3, in->name_key, -1, SQLITE_STATIC);
    store_bind_text_opt(s, 4, in->dob);
    store_bind_text_opt(s, 5, in->phone ? in->phone_key : NULL);
    sqlite3_bind_int64(s, 6, id);
    int rc = store_rows_json(s, persons_match_json, out);
    for (size_t i = 0; rc == 0 && i < json_array_size(*out); i++)
        rc = duplicate_add(c, id, json_array_get(*out, i));
    return rc;
}

/* Register one person in inc: insert, flag duplicates, schedule the
 * re-screens, route.  Fills *out with the result. */
static int person_register(struct cmd_ctx *c, const struct incident_row *inc,
                           const struct person_in *in, json_t **out)
{
    int64_t id = 0;
    json_t *dups = NULL;
    int rc = person_insert(c, inc, in, &id);
    if (rc == 0)
        rc = duplicates_flag(c, inc->i.id, in, id, &dups);
    if (rc == 0)
        rc = persons_rescreen_schedule(c->m, id, inc->i.created_at, &inc->plan->persons.screening);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, id, c->now);
    if (rc == 0)
        rc = persons_board_count(c->m, c->outbox, inc->i.id, in->category, 1);
    if (rc == 0)
        rc =
            outbox_event(c->m, c->outbox, inc->i.id, inc->i.ref, "person.registered",
                         json_pack("{s:I, s:s, s:i}", "person", (json_int_t)id, "category",
                                   in->category, "possible_duplicates", (int)json_array_size(dups)),
                         c->now);
    if (rc == 0)
        rc = paging_notices_first(c->m, c->outbox, inc->i.id, c->now);
    if (rc == 0)
        rc = persons_check_after_commit(c->m, c->outbox);
    if (rc != 0) {
        json_decref(dups);
        return dispatch_storage_fail(c, rc);
    }
    *out = json_pack("{s:I, s:s, s:o}", "person", (json_int_t)id, "incident", inc->i.ref,
                     "possible_duplicates", dups);
    return 0;
}

static int cmd_add(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident_row inc;
    struct person_in in;
    json_t *fields = json_object_get(c->args, "person");
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        intake_incident(c, ref, &inc))
        return -1;
    if (!json_is_object(fields))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"person\" must be an object");
    if (person_parse(c, fields, &in, inc.i.created_at) != 0)
        return -1;
    int rc = person_register(c, &inc, &in, &c->result);
    if (rc == 0)
        snprintf(c->target, sizeof(c->target), "person %lld",
                 (long long)json_integer_value(json_object_get(c->result, "person")));
    return rc;
}

/* ---- bulk import ---- */

static const char SQL_IMPORTED[] =
    "SELECT person_id FROM imports WHERE incident_id = ?1 AND key = ?2";
static const char SQL_IMPORT_ADD[] =
    "INSERT INTO imports (incident_id, key, person_id) VALUES (?1, ?2, ?3)";

/* The row's import key: its external reference, else a digest of its
 * fields, so the same file imported twice adds nothing twice. */
static void import_key(json_t *fields, char *out, size_t len)
{
    const char *ext = json_string_value(json_object_get(fields, "external_ref"));
    if (ext) {
        snprintf(out, len, "ref:%s", ext);
        return;
    }
    char *text = jtext_dump(fields, true);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)(text ? text : ""), text ? strlen(text) : 0);
    free(text);
    char hex[65];
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, len, "sha256:%s", hex);
}

/* The person a row with import key was stored as (0 when none yet).
 * Returns 0 or -errno. */
static int imported_as(struct cmd_ctx *c, int64_t incident_id, const char *key, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_IMPORTED);
    *id = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

static int import_key_add(struct cmd_ctx *c, int64_t incident_id, const char *key, json_t *res)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_IMPORT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (int64_t)json_integer_value(json_object_get(res, "person")));
    return store_exec_stmt(s);
}

/* Register the row's person in inc and record its import key, under a
 * savepoint of its own (nested in the request's): stored whole (0, *res
 * the registration) or not at all (-1, c->err set). */
static int import_store(struct cmd_ctx *c, const struct incident_row *inc,
                        const struct person_in *in, const char *key, json_t **res)
{
    int rc = store_savepoint(c->m->store);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (person_register(c, inc, in, res) != 0) {
        store_savepoint_rollback(c->m->store);
        return -1;
    }
    rc = import_key_add(c, inc->i.id, key, *res);
    if (rc == 0 && (rc = store_savepoint_release(c->m->store)) == 0)
        return 0;
    store_savepoint_rollback(c->m->store);
    return dispatch_storage_fail(c, rc);
}

struct import_tally {
    int stored, already, refused;
    json_t *problems;
};

static void import_problem(struct import_tally *t, json_int_t line, const char *status,
                           json_t *detail)
{
    json_t *p = json_pack("{s:I, s:s}", "line", line, "status", status);
    json_object_update(p, detail);
    json_decref(detail);
    json_array_append_new(t->problems, p);
}

/* One row under its own savepoint: stored whole or not at all. */
static int import_row(struct cmd_ctx *c, const struct incident_row *inc, json_t *row,
                      struct import_tally *t)
{
    json_int_t line = json_integer_value(json_object_get(row, "line"));
    json_t *fields = json_object_get(row, "person");
    char key[80];
    struct person_in in;
    if (!json_is_object(fields)) {
        t->refused++;
        import_problem(t, line, "refused", json_pack("{s:s}", "error", "no person fields"));
        return 0;
    }
    import_key(fields, key, sizeof(key));
    int64_t before = 0;
    int rc = imported_as(c, inc->i.id, key, &before);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (before) {
        t->already++;
        return 0;
    }
    if (person_parse(c, fields, &in, inc->i.created_at) != 0) {
        t->refused++;
        import_problem(t, line, "refused", json_pack("{s:s}", "error", c->err.message));
        c->err.code = NULL;
        return 0;
    }
    size_t mark = c->outbox->count;
    json_t *res = NULL;
    if (import_store(c, inc, &in, key, &res) != 0) {
        outbox_truncate(c->outbox, mark);
        json_decref(res);
        return -1;
    }
    t->stored++;
    if (json_array_size(json_object_get(res, "possible_duplicates")) > 0)
        import_problem(t, line, "stored_possible_duplicate",
                       json_pack("{s:O, s:O}", "person", json_object_get(res, "person"),
                                 "possible_duplicates",
                                 json_object_get(res, "possible_duplicates")));
    json_decref(res);
    return 0;
}

static int cmd_import(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident_row inc;
    json_t *rows = json_object_get(c->args, "rows"), *row;
    size_t i;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        intake_incident(c, ref, &inc))
        return -1;
    if (!json_is_array(rows) || json_array_size(rows) == 0 ||
        json_array_size(rows) > PERSONS_IMPORT_MAX_ROWS)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"rows\" must list 1 to %d rows",
                          PERSONS_IMPORT_MAX_ROWS);
    struct import_tally t = {0, 0, 0, json_array()};
    json_array_foreach(rows, i, row)
    {
        if (import_row(c, &inc, row, &t) != 0) {
            json_decref(t.problems);
            return -1;
        }
    }
    snprintf(c->target, sizeof(c->target), "%s import of %zu rows", inc.i.ref,
             json_array_size(rows));
    c->result = json_pack("{s:s, s:i, s:i, s:i, s:o}", "incident", inc.i.ref, "stored", t.stored,
                          "already", t.already, "refused", t.refused, "rows", t.problems);
    return 0;
}

/* ---- correcting a registration ---- */

static const char SQL_PERSON_OF[] =
    "SELECT category, name, dob, phone, email, address, home_area, language, consent,"
    " external_ref, age, interpreter, vulnerabilities, safe_contact FROM persons WHERE id = ?1";
static const char *const stored_text[] = {"category", "name",        "dob",       "phone",
                                          "email",    "address",     "home_area", "language",
                                          "consent",  "external_ref"};

/* Person id's registration as person.add takes it, in *out (new), with
 * its vulnerabilities as bits in *vuln.  Returns 0 or -errno. */
static int person_fields_read(struct cmd_ctx *c, int64_t id, json_t **out, unsigned *vuln)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PERSON_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        *out = json_object();
        for (int i = 0; i < 10; i++)
            if (store_col_text(s, i))
                json_object_set_new(*out, stored_text[i], json_string(store_col_text(s, i)));
        if (sqlite3_column_type(s, 10) != SQLITE_NULL)
            json_object_set_new(*out, "age", json_integer(sqlite3_column_int64(s, 10)));
        json_object_set_new(*out, "interpreter", json_boolean(sqlite3_column_int(s, 11)));
        *vuln = (unsigned)sqlite3_column_int(s, 12);
        if (store_col_text(s, 13))
            json_object_set_new(*out, "safe_contact", json_loads(store_col_text(s, 13), 0, NULL));
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

static const char SQL_PERSON_CORRECT[] =
    "UPDATE persons SET name = ?2, name_key = ?3, dob = ?4, age = ?5, phone = ?6, phone_key = ?7,"
    " email = ?8, address = ?9, home_area = lower(?10), language = lower(?11), interpreter = ?12,"
    " vulnerabilities = ?13, safe_contact = ?14, external_ref = ?15 WHERE id = ?1";
static const char SQL_DUPS_CLEAR[] = "DELETE FROM duplicates WHERE person_id = ?1";

static int person_rewrite(struct cmd_ctx *c, int64_t id, const struct person_in *in)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PERSON_CORRECT);
    if (!s)
        return -EINVAL;
    char *safe = in->safe_contact ? jtext_dump(in->safe_contact, false) : NULL;
    sqlite3_bind_int64(s, 1, id);
    const char *text[] = {in->name, in->name_key, in->dob,     NULL,          in->phone,
                          NULL,     in->email,    in->address, in->home_area, in->language};
    text[5] = in->phone ? in->phone_key : NULL;
    for (int i = 0; i < 10; i++)
        if (i != 3)
            store_bind_text_opt(s, 2 + i, text[i]);
    if (in->age >= 0)
        sqlite3_bind_int64(s, 5, in->age);
    sqlite3_bind_int(s, 12, in->interpreter);
    sqlite3_bind_int(s, 13, (int)in->vulnerabilities);
    store_bind_text_opt(s, 14, safe);
    store_bind_text_opt(s, 15, in->external_ref);
    int rc = store_exec_stmt(s);
    free(safe);
    return rc;
}

/* Whether list (an array of field names) names one of the fields. */
static bool names_any(json_t *list, const char *const *fields)
{
    json_t *x;
    size_t i;
    json_array_foreach(list, i, x)
    {
        for (const char *const *f = fields; *f; f++)
            if (!strcmp(*f, json_string_value(x)))
                return true;
    }
    return false;
}

static const char *const dup_fields[] = {"name", "dob", "phone", "external_ref", NULL};
static const char *const route_fields[] = {
    "dob", "age", "home_area", "language", "interpreter", "vulnerabilities", NULL};

/* Duplicate checks again when a field they compare changed (the person's
 * own flags are replaced; *dups the new matches), routing again when a
 * field it reads changed.  Returns 0 or -errno. */
static int correction_rerun(struct cmd_ctx *c, const struct person_ref *p,
                            const struct person_in *in, json_t *changed, json_t **dups)
{
    int rc = 0;
    *dups = NULL;
    if (names_any(changed, dup_fields)) {
        sqlite3_stmt *s = store_stmt(c->m->store, SQL_DUPS_CLEAR);
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, p->id);
        rc = store_exec_stmt(s);
        if (rc == 0)
            rc = duplicates_flag(c, p->incident_id, in, p->id, dups);
    }
    if (rc == 0 && names_any(changed, route_fields))
        rc = persons_route(c->m, c->outbox, p->id, c->now);
    return rc;
}

/* The fields whose value changes from before to after, in *changed, and
 * their old values in *old (both new). */
static void correction_diff(json_t *before, json_t *after, json_t *changes, json_t **changed,
                            json_t **old)
{
    const char *k;
    json_t *v;
    *changed = json_array();
    *old = json_object();
    json_object_foreach(after, k, v)
    {
        if (!json_object_get(before, k) && json_object_get(changes, k))
            json_object_set_new(before, k, json_null());
    }
    json_object_foreach(before, k, v)
    {
        json_t *now = json_object_get(after, k);
        if (!(now ? json_equal(v, now) : json_is_null(v))) {
            json_array_append_new(*changed, json_string(k));
            json_object_set(*old, k, v);
        }
    }
}

static const char *const update_fields[] = {
    "name",         "dob",          "age",      "phone",       "email",
    "address",      "home_area",    "language", "interpreter", "vulnerabilities",
    "safe_contact", "external_ref", NULL};

/* The record after the changes: a null clears a field; a new date of
 * birth without an age gives the age again.  (new) */
static json_t *person_corrected(json_t *before, json_t *changes, unsigned vuln)
{
    json_t *after = json_deep_copy(before), *v;
    const char *k;
    json_object_set_new(before, "vulnerabilities", json_integer(vuln));
    json_object_foreach(changes, k, v)
    {
        if (json_is_null(v))
            json_object_del(after, k);
        else
            json_object_set(after, k, v);
    }
    if (json_object_get(changes, "dob") && !json_object_get(changes, "age"))
        json_object_del(after, "age");
    return after;
}

/* Store the correction of p to in: the record, the old values, the
 * checks it needs again, the event.  Fills c->result and c->detail. */
static int correction_store(struct cmd_ctx *c, const struct person_ref *p,
                            const struct person_in *in, json_t *changed, json_t *old)
{
    int64_t id = 0;
    json_t *dups = NULL;
    int rc = person_rewrite(c, p->id, in);
    if (rc == 0)
        rc = persons_correction_add(c->m, p->id, c->now, c->actor, changed, old, &id);
    if (rc == 0)
        rc = correction_rerun(c, p, in, changed, &dups);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p->incident_id, p->ref, "person.updated",
                          json_pack("{s:I, s:O}", "person", (json_int_t)p->id, "fields", changed),
                          c->now);
    if (rc != 0) {
        json_decref(dups);
        return dispatch_storage_fail(c, rc);
    }
    char *f = jtext_dump(changed, false);
    snprintf(c->detail, sizeof(c->detail), "{\"correction\":%lld,\"fields\":%s}", (long long)id,
             f ? f : "[]");
    free(f);
    c->result =
        json_pack("{s:I, s:O, s:I, s:o}", "person", (json_int_t)p->id, "changed", changed,
                  "correction", (json_int_t)id, "possible_duplicates", dups ? dups : json_array());
    return 0;
}

static int cmd_update(struct cmd_ctx *c)
{
    struct person_ref p;
    struct person_in in;
    json_t *changes = json_object_get(c->args, "fields"), *before = NULL, *changed, *old;
    unsigned vuln = 0;
    if (dispatch_person(c, "person", &p, true))
        return -1;
    if (!json_is_object(changes) || json_object_size(changes) == 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"fields\" must be an object with the fields to correct");
    if (proto_args_known(changes, update_fields, &c->err))
        return -1;
    struct incident inc = {0};
    int rc = incident_get(c->m->store, p.incident_id, &inc);
    rc = rc < 0 ? rc : person_fields_read(c, p.id, &before, &vuln);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (!strcmp(json_string_value(json_object_get(before, "category")), PERSONS_SELF_REFERRED)) {
        json_decref(before);
        return proto_fail(&c->err, ERR_CONFLICT,
                          "person %lld registered themselves: verify them first (person.verify)",
                          (long long)p.id);
    }
    json_t *after = person_corrected(before, changes, vuln);
    rc = person_parse(c, after, &in, inc.created_at); /* ages on the incident's date */
    if (rc == 0) {
        if (!json_object_get(changes, "vulnerabilities"))
            in.vulnerabilities = vuln;
        json_object_set_new(after, "vulnerabilities", json_integer(in.vulnerabilities));
        if (in.age >= 0)
            json_object_set_new(after, "age", json_integer(in.age));
        correction_diff(before, after, changes, &changed, &old);
        if (json_array_size(changed) > 0)
            rc = correction_store(c, &p, &in, changed, old);
        else
            c->result = json_pack("{s:I, s:[], s:n, s:[]}", "person", (json_int_t)p.id, "changed",
                                  "correction", "possible_duplicates");
        json_decref(changed);
        json_decref(old);
    }
    json_decref(after);
    json_decref(before);
    return rc;
}

static const char *const add_args[] = {"incident", "person", NULL};
static const char *const import_args[] = {"incident", "rows", NULL};
static const char *const update_args[] = {"person", "fields", NULL};

const struct command persons_commands[] = {
    {.name = "person.add", .fn = cmd_add, .args = add_args, .flags = CMD_MUTATING},
    {.name = "person.import", .fn = cmd_import, .args = import_args, .flags = CMD_MUTATING},
    {.name = "person.update", .fn = cmd_update, .args = update_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
