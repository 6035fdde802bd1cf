/*
 * daemon/persons_cmd.c - the affected-person commands: register one or a
 * batch from a CSV import, show and list (an agency sees only the persons
 * referred to its own pathways, and only what it needs), screen, record
 * consent and contact attempts, merge and unmerge duplicates, close a
 * referral.  Registration and routing are in this file and persons.c.
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
#include "frozen.h"
#include "incident.h"
#include "namefold.h"
#include "outbox.h"
#include "persons.h"
#include "plan.h"
#include "screening.h"
#include "server.h"
#include "store.h"
#include "workdays.h"

#define DAY_MS (24LL * 3600 * 1000)

/* ---- what a registration holds ---- */

struct person_in {
    const char *category, *name, *dob, *phone, *email, *address, *home_area, *language;
    const char *consent, *external_ref;
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
    struct tm check = tm;
    check.tm_isdst = -1;
    mktime(&check);
    return check.tm_mday == tm.tm_mday && check.tm_mon == tm.tm_mon;
}

static bool phone_key(const char *phone, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = phone; *p; p++) {
        if (isdigit((unsigned char)*p) && n + 1 < len)
            out[n++] = *p;
        else if (!strchr(" +-()", *p))
            return false;
    }
    out[n] = '\0';
    if (n > 2 && !strncmp(out, "44", 2)) { /* +44 7700 ... is 07700 ... */
        memmove(out + 1, out + 2, n - 1);
        out[0] = '0';
    }
    return n >= 6 && n <= 15;
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
    static const char *const channels[] = {"phone", "sms", "email", "letter", "visit", NULL};
    if (!v || json_is_null(v))
        return 0;
    json_t *ch = json_object_get(v, "channels"), *x;
    json_t *note = json_object_get(v, "note");
    size_t i;
    size_t known = (ch != NULL) + (note != NULL);
    if (!json_is_object(v) || json_object_size(v) != known || (ch && !json_is_array(ch)) ||
        (note && (!json_is_string(note) || json_string_length(note) > 500)))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"safe_contact\" is {\"channels\": [...], \"note\": \"...\"}");
    if (note && proto_control_char(json_string_value(note), json_string_length(note), true) >= 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"safe_contact\" \"note\" must not contain control characters other "
                          "than new line and tab");
    json_array_foreach(ch, i, x)
    {
        const char *const *k = channels;
        while (*k && (!json_is_string(x) || strcmp(*k, json_string_value(x))))
            k++;
        if (!*k)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "safe contact channels are phone, sms, email, letter or visit");
    }
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
           proto_arg_int(f, "age", false, 0, 130, &in->age, &c->err) ||
           proto_arg_bool(f, "interpreter", false, &in->interpreter, &c->err);
}

static int age_from_dob(const char *dob, int64_t now)
{
    int y, mo, d;
    if (sscanf(dob, "%d-%d-%d", &y, &mo, &d) != 3)
        return -1;
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    int age = tm.tm_year + 1900 - y;
    if (tm.tm_mon + 1 < mo || (tm.tm_mon + 1 == mo && tm.tm_mday < d))
        age--;
    return age;
}

static const char *const person_fields[] = {
    "category",        "name",         "dob",       "age",          "phone",
    "email",           "address",      "home_area", "language",     "interpreter",
    "vulnerabilities", "safe_contact", "consent",   "external_ref", NULL};

/* Validate a registration.  Returns 0 or -1 with c->err set. */
static int person_parse(struct cmd_ctx *c, json_t *f, struct person_in *in)
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
    if (in->dob && !valid_date(in->dob))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"dob\" must be a date YYYY-MM-DD");
    if (in->dob && in->age < 0)
        in->age = age_from_dob(in->dob, c->now);
    if (in->dob && (in->age < 0 || in->age > 130))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"dob\" is not a plausible date of birth");
    if (in->phone && !phone_key(in->phone, in->phone_key, sizeof(in->phone_key)))
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

struct incident_row {
    int64_t id, created_at;
    char ref[INCIDENT_REF_MAX];
    bool active;
    const struct plan *plan;
};

static const char SQL_INCIDENT[] =
    "SELECT id, ref, state, created_at FROM incidents WHERE ref = ?1";

static int incident_find(struct cmd_ctx *c, const char *ref, struct incident_row *out)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_INCIDENT);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        out->id = sqlite3_column_int64(s, 0);
        snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 1));
        out->active = !strcmp(store_col_text(s, 2), "active");
        out->created_at = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    if (rc <= 0)
        return rc == 0 ? proto_fail(&c->err, ERR_NOT_FOUND, "no incident %s", ref)
                       : dispatch_storage_fail(c, rc);
    out->plan = frozen_plan(c->m, out->id);
    if (!out->plan)
        return proto_fail(&c->err, ERR_INTERNAL, "the frozen plan of %s cannot be read", ref);
    if (!out->active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", ref);
    return 0;
}

static const char SQL_PERSON_ADD[] =
    "INSERT INTO persons (incident_id, category, name, name_key, dob, age, phone, phone_key,"
    " email, address, home_area, language, interpreter, vulnerabilities, safe_contact, consent,"
    " external_ref, registered_at, registered_by, referral_due_at) VALUES (?1, ?2, ?3, ?4, ?5,"
    " ?6, ?7, ?8, ?9, ?10, lower(?11), lower(?12), ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";

static int64_t referral_due(const struct plan_persons *pp, int64_t now)
{
    struct workdays w = {pp->working_weekdays, (const char *const *)pp->bank_holidays,
                         pp->nbank_holidays};
    return workdays_deadline(&w, now, pp->referral_working_days);
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static int person_insert(struct cmd_ctx *c, const struct incident_row *inc,
                         const struct person_in *in, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PERSON_ADD);
    if (!s)
        return -EINVAL;
    char *safe = in->safe_contact ? json_dumps(in->safe_contact, JSON_COMPACT) : NULL;
    sqlite3_bind_int64(s, 1, inc->id);
    const char *text[] = {in->category, in->name, in->name_key, in->dob};
    for (int i = 0; i < 4; i++)
        bind_opt(s, 2 + i, text[i]);
    if (in->age >= 0)
        sqlite3_bind_int64(s, 6, in->age);
    bind_opt(s, 7, in->phone);
    bind_opt(s, 8, in->phone ? in->phone_key : NULL);
    const char *more[] = {in->email, in->address, in->home_area, in->language};
    for (int i = 0; i < 4; i++)
        bind_opt(s, 9 + i, more[i]);
    sqlite3_bind_int(s, 13, in->interpreter);
    sqlite3_bind_int(s, 14, (int)in->vulnerabilities);
    bind_opt(s, 15, safe);
    bind_opt(s, 16, in->consent);
    bind_opt(s, 17, in->external_ref);
    sqlite3_bind_int64(s, 18, c->now);
    sqlite3_bind_text(s, 19, c->actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 20, referral_due(&inc->plan->persons, c->now));
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

static json_t *match_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s}", "person", (json_int_t)sqlite3_column_int64(s, 0), "reason",
                     store_col_text(s, 1));
}

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
    bind_opt(s, 2, in->external_ref);
    sqlite3_bind_text(s, 3, in->name_key, -1, SQLITE_STATIC);
    bind_opt(s, 4, in->dob);
    bind_opt(s, 5, in->phone ? in->phone_key : NULL);
    sqlite3_bind_int64(s, 6, id);
    int rc = store_rows_json(s, match_row, out);
    for (size_t i = 0; rc == 0 && i < json_array_size(*out); i++)
        rc = duplicate_add(c, id, json_array_get(*out, i));
    return rc;
}

static const char SQL_RESCREEN_ADD[] =
    "INSERT OR IGNORE INTO rescreens (person_id, due_at, instrument, state)"
    " VALUES (?1, ?2, ?3, 'pending')";

static int rescreen_add(struct muster *m, int64_t person, int64_t due, const char *instrument)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESCREEN_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_int64(s, 2, due);
    sqlite3_bind_text(s, 3, instrument, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

/* persons and category/<category> += delta on the board. */
static int persons_count(struct cmd_ctx *c, int64_t incident_id, const char *category, int delta)
{
    char key[64];
    snprintf(key, sizeof(key), "category/%s", category);
    int rc = board_add(c->m, c->outbox, incident_id, "persons", delta);
    return rc ? rc : board_add(c->m, c->outbox, incident_id, key, delta);
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
        rc = duplicates_flag(c, inc->id, in, id, &dups);
    const struct plan_screening *sc = &inc->plan->persons.screening;
    for (size_t i = 0; rc == 0 && i < sc->nrescreen; i++)
        rc = rescreen_add(c->m, id, inc->created_at + sc->rescreen_days[i] * DAY_MS, "tsq");
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, id, c->now);
    if (rc == 0)
        rc = persons_count(c, inc->id, in->category, 1);
    if (rc == 0)
        rc =
            outbox_event(c->m, c->outbox, inc->id, inc->ref, "person.registered",
                         json_pack("{s:I, s:s, s:i}", "person", (json_int_t)id, "category",
                                   in->category, "possible_duplicates", (int)json_array_size(dups)),
                         c->now);
    if (rc == 0)
        rc = persons_check_after_commit(c->m, c->outbox);
    if (rc != 0) {
        json_decref(dups);
        return dispatch_storage_fail(c, rc);
    }
    *out = json_pack("{s:I, s:s, s:o}", "person", (json_int_t)id, "incident", inc->ref,
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
        incident_find(c, ref, &inc))
        return -1;
    if (!json_is_object(fields))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"person\" must be an object");
    if (person_parse(c, fields, &in) != 0)
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
    char *text = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
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
    rc = import_key_add(c, inc->id, key, *res);
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
    int rc = imported_as(c, inc->id, key, &before);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (before) {
        t->already++;
        return 0;
    }
    if (person_parse(c, fields, &in) != 0) {
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
        incident_find(c, ref, &inc))
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
    snprintf(c->target, sizeof(c->target), "%s import of %zu rows", inc.ref, json_array_size(rows));
    c->result = json_pack("{s:s, s:i, s:i, s:i, s:o}", "incident", inc.ref, "stored", t.stored,
                          "already", t.already, "refused", t.refused, "rows", t.problems);
    return 0;
}

/* ---- who may see whom ---- */

struct person_ref {
    int64_t id, incident_id;
    char ref[INCIDENT_REF_MAX];
    bool active, merged;
};

static const char SQL_PERSON[] =
    "SELECT p.incident_id, i.ref, i.state, p.merged_into FROM persons p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1 AND p.purged = 0";
static const char SQL_REFERRED_TO[] =
    "SELECT 1 FROM referrals WHERE person_id = ?1 AND provider = ?2"
    " AND state IN ('referred', 'waitlisted', 'closed') LIMIT 1";
static const char SQL_REFERRED_NOW[] =
    "SELECT 1 FROM referrals WHERE person_id = ?1 AND provider = ?2"
    " AND state IN ('referred', 'waitlisted') LIMIT 1";

/* Whether person id is referred to agency (acting: with an open
 * referral): 1 or 0, or -errno. */
static int referred_to(struct cmd_ctx *c, int64_t id, const char *agency, bool acting)
{
    sqlite3_stmt *r = store_stmt(c->m->store, acting ? SQL_REFERRED_NOW : SQL_REFERRED_TO);
    if (!r)
        return -EINVAL;
    sqlite3_bind_int64(r, 1, id);
    sqlite3_bind_text(r, 2, agency, -1, SQLITE_STATIC);
    int rc = store_step(r);
    sqlite3_reset(r);
    return rc;
}

/* Load person id for the caller: an agency only finds persons referred to
 * its own pathways; anyone else asking about them learns nothing. */
static int person_access(struct cmd_ctx *c, int64_t id, struct person_ref *p, bool acting)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_PERSON);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        p->id = id;
        p->incident_id = sqlite3_column_int64(s, 0);
        snprintf(p->ref, sizeof(p->ref), "%s", store_col_text(s, 1));
        p->active = !strcmp(store_col_text(s, 2), "active");
        p->merged = sqlite3_column_type(s, 3) != SQLITE_NULL;
    }
    sqlite3_reset(s);
    const char *agency = authz_agency_id(c->principal);
    /* an agency reads the persons it was referred, and acts only on those
     * it holds an open referral for */
    if (rc > 0 && agency)
        rc = referred_to(c, id, agency, acting);
    if (rc > 0)
        return 0;
    return rc == 0 ? proto_fail(&c->err, ERR_NOT_FOUND, "no person %lld", (long long)id)
                   : dispatch_storage_fail(c, rc);
}

static int person_arg(struct cmd_ctx *c, const char *name, struct person_ref *p, bool active)
{
    int64_t id = 0;
    if (proto_arg_int(c->args, name, true, 1, INT64_MAX, &id, &c->err) ||
        person_access(c, id, p, active))
        return -1;
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)id);
    if (active && !p->active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", p->ref);
    return 0;
}

/* ---- show and list ---- */

static const char SQL_SHOW[] =
    "SELECT p.id, i.ref, p.category, p.name, p.dob, p.age, p.phone, p.email, p.address,"
    " p.home_area, p.language, p.interpreter, p.vulnerabilities, p.safe_contact, p.consent,"
    " p.external_ref, p.urgent, p.screen_positive, p.merged_into, p.contact_state,"
    " p.registered_at, p.registered_by, p.referral_due_at, p.referred_at, p.breached_at"
    " FROM persons p JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1";

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
    return r;
}

static const char SQL_P_REFERRALS[] =
    "SELECT pathway, provider, state, reason, home_area, created_at, updated_at FROM referrals"
    " WHERE person_id = ?1 AND (?2 IS NULL OR provider = ?2) ORDER BY id";
static const char SQL_P_SCREENS[] =
    "SELECT instrument, score, positive, urgent, at, by, answers FROM screenings"
    " WHERE person_id = ?1 ORDER BY id";
static const char SQL_P_CONTACTS[] =
    "SELECT at, by, outcome, slot, note FROM contacts WHERE person_id = ?1 ORDER BY id";
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

static json_t *contact_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o}", "at", (json_int_t)sqlite3_column_int64(s, 0),
                     "by", store_col_text(s, 1), "outcome", store_col_text(s, 2), "slot",
                     store_col_text(s, 3), "note", store_col_opt_text(s, 4));
}

static json_t *dup_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s}", "person", (json_int_t)sqlite3_column_int64(s, 0), "reason",
                     store_col_text(s, 1));
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
    {"possible_duplicates", SQL_P_DUPS, dup_row, NULL},
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
            bind_opt(s, 2, agency);
        if ((rc = store_rows_json(s, row, &arr)) == 0)
            json_object_set_new(r, l->name, arr);
    }
    return rc;
}

static int cmd_show(struct cmd_ctx *c)
{
    struct person_ref p;
    if (person_arg(c, "person", &p, false) != 0)
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
    if (rc != 0) {
        json_decref(r);
        return dispatch_storage_fail(c, rc);
    }
    c->result = r;
    return 0;
}

static const char SQL_LIST[] =
    "SELECT p.id, p.category, p.name, p.contact_state, p.urgent, p.breached_at IS NOT NULL,"
    " r.pathway, r.state, p.merged_into FROM persons p"
    " LEFT JOIN referrals r ON r.person_id = p.id AND r.state <> 'closed'"
    " WHERE p.incident_id = ?1 AND p.purged = 0 AND (?2 IS NULL OR r.provider = ?2)"
    " AND (?3 IS NULL OR p.category = ?3) AND (?4 IS NULL OR r.pathway = ?4)"
    " ORDER BY p.id LIMIT ?5 OFFSET ?6";

static json_t *list_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s, s:o, s:s, s:b, s:b, s:o, s:o, s:o}", "person",
                     (json_int_t)sqlite3_column_int64(s, 0), "category", store_col_text(s, 1),
                     "name", store_col_opt_text(s, 2), "contact_state", store_col_text(s, 3),
                     "urgent", sqlite3_column_int(s, 4), "breached", sqlite3_column_int(s, 5),
                     "pathway", store_col_opt_text(s, 6), "referral", store_col_opt_text(s, 7),
                     "merged_into", store_col_opt_int(s, 8));
}

/* The id of incident ref, 0 when there is none.  Returns 0 or -errno. */
static int incident_id(struct cmd_ctx *c, const char *ref, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_INCIDENT);
    *id = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
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
    int64_t incident = 0;
    int rc = incident_id(c, ref, &incident);
    if (rc == 0 && !incident)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no incident %s", ref);
    sqlite3_stmt *s = rc == 0 ? store_stmt(c->m->store, SQL_LIST) : NULL;
    if (!s)
        return dispatch_storage_fail(c, rc ? rc : -EINVAL);
    sqlite3_bind_int64(s, 1, incident);
    bind_opt(s, 2, authz_agency_id(c->principal));
    bind_opt(s, 3, category);
    bind_opt(s, 4, pathway);
    sqlite3_bind_int64(s, 5, limit);
    sqlite3_bind_int64(s, 6, offset);
    json_t *arr = NULL;
    if ((rc = store_rows_json(s, list_row, &arr)) != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "%s persons", ref);
    c->result = json_pack("{s:s, s:o}", "incident", ref, "persons", arr);
    return 0;
}

/* ---- screening, consent, contact ---- */

static const char SQL_SCREEN_ADD[] =
    "INSERT INTO screenings (person_id, instrument, answers, score, positive, urgent, at, by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_SCREEN_FLAGS[] =
    "UPDATE persons SET screen_positive = ?2, urgent = CASE WHEN ?3 >= 0 THEN ?3 ELSE urgent END"
    " WHERE id = ?1";
static const char SQL_RESCREEN_DONE[] =
    "UPDATE rescreens SET state = 'done' WHERE person_id = ?1 AND instrument = ?2"
    " AND state IN ('pending', 'due') AND due_at <= ?3";
static const char SQL_INCIDENT_AT[] = "SELECT created_at FROM incidents WHERE id = ?1";

static const char SQL_URGENT_OF[] = "SELECT urgent FROM persons WHERE id = ?1";

/* The board's urgent count follows the person's flag. */
static int urgent_count(struct cmd_ctx *c, const struct person_ref *p,
                        const struct screening_result *r)
{
    if (r->instrument != SCREEN_PHQ9)
        return 0;
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_URGENT_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    int rc = store_step(s);
    int was = rc > 0 && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc < 0)
        return rc;
    if (was == (int)r->urgent)
        return 0;
    return board_add(c->m, c->outbox, p->incident_id, "urgent", r->urgent ? 1 : -1);
}

static int screening_store(struct cmd_ctx *c, const struct person_ref *p, const char *name,
                           json_t *answers, const struct screening_result *r)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SCREEN_ADD);
    char *text = json_dumps(answers, JSON_COMPACT);
    if (!s || !text) {
        free(text);
        return -ENOMEM;
    }
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, r->score);
    sqlite3_bind_int(s, 5, r->positive);
    sqlite3_bind_int(s, 6, r->urgent);
    sqlite3_bind_int64(s, 7, c->now);
    sqlite3_bind_text(s, 8, c->actor, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    free(text);
    if (rc != 0 || !(s = store_stmt(c->m->store, SQL_SCREEN_FLAGS)))
        return rc ? rc : -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_int(s, 2, r->positive ? 1 : -1);
    sqlite3_bind_int(s, 3, r->instrument == SCREEN_PHQ9 ? (int)r->urgent : -1);
    if ((rc = store_exec_stmt(s)) != 0 || !(s = store_stmt(c->m->store, SQL_RESCREEN_DONE)))
        return rc ? rc : -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, c->now + 7 * DAY_MS); /* a screen a week early counts */
    return store_exec_stmt(s);
}

/* A TSQ asked for too soon after the incident is scheduled, not scored. */
static int screening_too_soon(struct cmd_ctx *c, const struct person_ref *p, int instrument,
                              const struct plan_screening *cfg)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_INCIDENT_AT);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, p->incident_id);
    int rc = store_step(s);
    int64_t at = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    int64_t earliest = screening_earliest((enum screening_instrument)instrument, cfg, at);
    if (c->now >= earliest)
        return 0;
    rc = -EINVAL;
    sqlite3_stmt *a = store_stmt(c->m->store, SQL_RESCREEN_ADD);
    if (a) {
        sqlite3_bind_int64(a, 1, p->id);
        sqlite3_bind_int64(a, 2, earliest);
        sqlite3_bind_text(a, 3, screening_instrument_name((enum screening_instrument)instrument),
                          -1, SQLITE_STATIC);
        rc = store_exec_stmt(a);
    }
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s, s:I, s:s}", "person", (json_int_t)p->id, "instrument",
                          screening_instrument_name((enum screening_instrument)instrument),
                          "scheduled_for", (json_int_t)earliest, "state", "scheduled");
    return 1;
}

static int cmd_screen(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *name = NULL;
    json_t *answers = json_object_get(c->args, "answers");
    if (person_arg(c, "person", &p, true) ||
        proto_arg_str(c->args, "instrument", true, 8, &name, &c->err))
        return -1;
    int instrument = screening_instrument_from_name(name);
    if (instrument < 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "instrument is tsq, phq9 or gad7");
    const struct plan *plan = frozen_plan(c->m, p.incident_id);
    const struct plan_screening *cfg = &plan->persons.screening;
    struct screening_result r;
    char err[200];
    if (screening_score((enum screening_instrument)instrument, answers, cfg, &r, err,
                        sizeof(err)) != 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "%s", err);
    int soon = screening_too_soon(c, &p, instrument, cfg);
    if (soon != 0)
        return soon < 0 ? -1 : 0;
    int rc = urgent_count(c, &p, &r);
    if (rc == 0)
        rc = screening_store(c, &p, name, answers, &r);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, p.id, c->now);
    if (rc == 0)
        rc = outbox_event(
            c->m, c->outbox, p.incident_id, p.ref, r.urgent ? "person.urgent" : "person.screened",
            json_pack("{s:I, s:s}", "person", (json_int_t)p.id, "instrument", name), c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result =
        json_pack("{s:I, s:s, s:i, s:i, s:b, s:b}", "person", (json_int_t)p.id, "instrument", name,
                  "score", r.score, "max", r.max, "positive", r.positive, "urgent", r.urgent);
    return 0;
}

static const char SQL_CONSENT[] = "UPDATE persons SET consent = ?2 WHERE id = ?1";

/* Run sql (an UPDATE of person ?1 setting ?2 to text): 0 or -errno. */
static int person_set(struct cmd_ctx *c, const char *sql, int64_t id, const char *text)
{
    sqlite3_stmt *s = store_stmt(c->m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

static int cmd_consent(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *consent = NULL;
    if (person_arg(c, "person", &p, true) ||
        proto_arg_str(c->args, "consent", true, 10, &consent, &c->err))
        return -1;
    if (strcmp(consent, "given") && strcmp(consent, "refused") && strcmp(consent, "not_asked"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "consent is given, refused or not_asked");
    int rc = person_set(c, SQL_CONSENT, p.id, consent);
    if (rc == 0 && !strcmp(consent, "refused"))
        rc = persons_referral_close(c->m, c->outbox, p.id, "consent refused", c->now);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, p.id, c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s}", "person", (json_int_t)p.id, "consent", consent);
    return 0;
}

/* The part of the local day an attempt falls in: attempts must vary it. */
static const char *day_slot(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_hour < 12 ? "morning" : tm.tm_hour < 17 ? "afternoon" : "evening";
}

static const char SQL_NO_ANSWERS[] =
    "SELECT COUNT(*), SUM(slot = ?2) FROM contacts WHERE person_id = ?1 AND outcome = 'no_answer'";
static const char SQL_CONTACT_ADD[] =
    "INSERT INTO contacts (person_id, at, by, outcome, slot, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_CONTACT_STATE[] = "UPDATE persons SET contact_state = ?2 WHERE id = ?1";

static const char SQL_CONTACT_OF[] = "SELECT contact_state FROM persons WHERE id = ?1";

/* contact/<state> moves from the person's old state to the new. */
static int contact_count(struct cmd_ctx *c, const struct person_ref *p, const char *state)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CONTACT_OF);
    char old[32] = "none", key[64];
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    int rc = store_step(s);
    if (rc > 0)
        snprintf(old, sizeof(old), "%s", store_col_text(s, 0));
    sqlite3_reset(s);
    if (rc < 0 || !strcmp(old, state))
        return rc < 0 ? rc : 0;
    rc = 0;
    if (strcmp(old, "none")) {
        snprintf(key, sizeof(key), "contact/%s", old);
        rc = board_add(c->m, c->outbox, p->incident_id, key, -1);
    }
    snprintf(key, sizeof(key), "contact/%s", state);
    return rc ? rc : board_add(c->m, c->outbox, p->incident_id, key, 1);
}

static int contact_record(struct cmd_ctx *c, const struct person_ref *p, const char *outcome,
                          const char *slot, const char *note, const char *state)
{
    int crc = contact_count(c, p, state);
    if (crc != 0)
        return crc;
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CONTACT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_int64(s, 2, c->now);
    sqlite3_bind_text(s, 3, c->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, slot, -1, SQLITE_STATIC);
    bind_opt(s, 6, note);
    int rc = store_exec_stmt(s);
    if (rc == 0)
        rc = person_set(c, SQL_CONTACT_STATE, p->id, state);
    if (rc == 0 && (!strcmp(state, "declined") || !strcmp(state, "unable_to_contact")))
        rc = persons_referral_close(c->m, c->outbox, p->id, state, c->now);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p->incident_id, p->ref, "person.contact",
                          json_pack("{s:I, s:s, s:s}", "person", (json_int_t)p->id, "outcome",
                                    outcome, "state", state),
                          c->now);
    return rc;
}

/* The person's unanswered attempts: how many, and how many in slot. */
static int no_answers(struct cmd_ctx *c, int64_t id, const char *slot, int *tried, int *same)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_NO_ANSWERS);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, slot, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        *tried = sqlite3_column_int(s, 0);
        *same = sqlite3_column_int(s, 1);
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

static int cmd_contact(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *outcome = NULL, *note = NULL;
    if (person_arg(c, "person", &p, true) ||
        proto_arg_str(c->args, "outcome", true, 16, &outcome, &c->err) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err))
        return -1;
    if (strcmp(outcome, "no_answer") && strcmp(outcome, "contacted") && strcmp(outcome, "declined"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "outcome is no_answer, contacted or declined");
    const char *slot = day_slot(c->now), *state = outcome;
    if (!strcmp(outcome, "no_answer")) {
        int tried = 0, same = 0, rc = no_answers(c, p.id, slot, &tried, &same);
        if (rc != 0)
            return dispatch_storage_fail(c, rc);
        const struct plan *plan = frozen_plan(c->m, p.incident_id);
        int max = plan ? plan->persons.contact_attempts : 3;
        if (tried >= max)
            return proto_fail(&c->err, ERR_CONFLICT, "already %d attempts: unable to contact",
                              tried);
        if (same > 0)
            return proto_fail(&c->err, ERR_CONFLICT,
                              "an attempt this %s already failed: try at another time of day",
                              slot);
        state = tried + 1 >= max ? "unable_to_contact" : "attempting";
    }
    int rc = contact_record(c, &p, outcome, slot, note, state);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s, s:s, s:s}", "person", (json_int_t)p.id, "outcome", outcome,
                          "slot", slot, "contact_state", state);
    return 0;
}

/* ---- duplicates and referrals ---- */

static const char SQL_MERGE[] = "UPDATE persons SET merged_into = ?2 WHERE id = ?1";
static const char SQL_CATEGORY_OF[] = "SELECT category FROM persons WHERE id = ?1";

/* The category of person id ("other" when there is none).  Returns 0 or
 * -errno. */
static int category_of(struct cmd_ctx *c, int64_t id, char category[16])
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CATEGORY_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    snprintf(category, 16, "%s", rc > 0 ? store_col_text(s, 0) : "other");
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* Merge person id into person into (0: unmerge), and count the person
 * (delta) on the board.  Returns 0 or -errno. */
static int merge_set(struct cmd_ctx *c, const struct person_ref *p, int64_t into, int delta)
{
    char category[16];
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_MERGE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    if (into)
        sqlite3_bind_int64(s, 2, into);
    else
        sqlite3_bind_null(s, 2);
    int rc = store_exec_stmt(s);
    if (rc == 0 && delta < 0)
        rc = persons_referral_close(c->m, c->outbox, p->id, "merged", c->now);
    if (rc == 0 && delta > 0)
        rc = persons_route(c->m, c->outbox, p->id, c->now);
    if (rc == 0)
        rc = category_of(c, p->id, category);
    return rc ? rc : persons_count(c, p->incident_id, category, delta);
}

static int cmd_merge(struct cmd_ctx *c)
{
    struct person_ref keep, gone;
    if (person_arg(c, "keep", &keep, true) || person_arg(c, "merge", &gone, true))
        return -1;
    snprintf(c->target, sizeof(c->target), "person %lld into %lld", (long long)gone.id,
             (long long)keep.id);
    if (keep.id == gone.id || keep.incident_id != gone.incident_id)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "merge two persons of the same incident");
    if (keep.merged || gone.merged)
        return proto_fail(&c->err, ERR_CONFLICT, "one of them is already merged");
    int rc = merge_set(c, &gone, keep.id, -1);
    if (rc == 0)
        rc = outbox_event(
            c->m, c->outbox, keep.incident_id, keep.ref, "person.merged",
            json_pack("{s:I, s:I}", "person", (json_int_t)gone.id, "into", (json_int_t)keep.id),
            c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:I}", "kept", (json_int_t)keep.id, "merged", (json_int_t)gone.id);
    return 0;
}

static int cmd_unmerge(struct cmd_ctx *c)
{
    struct person_ref p;
    if (person_arg(c, "person", &p, true))
        return -1;
    if (!p.merged)
        return proto_fail(&c->err, ERR_CONFLICT, "person %lld is not merged", (long long)p.id);
    int rc = merge_set(c, &p, 0, 1);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p.incident_id, p.ref, "person.unmerged",
                          json_pack("{s:I}", "person", (json_int_t)p.id), c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:b}", "person", (json_int_t)p.id, "merged", 0);
    return 0;
}

/* referral.close: the pathway's work with the person is done (or they
 * moved on); their place goes to the waitlist. */
static int cmd_close(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *reason = "completed";
    if (person_arg(c, "person", &p, true) ||
        proto_arg_str(c->args, "reason", false, 200, &reason, &c->err))
        return -1;
    int rc = persons_referral_close(c->m, c->outbox, p.id, reason, c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s}", "person", (json_int_t)p.id, "referral", "closed");
    return 0;
}

static const char *const add_args[] = {"incident", "person", NULL};
static const char *const import_args[] = {"incident", "rows", NULL};
static const char *const person_args[] = {"person", NULL};
static const char *const list_args[] = {"incident", "category", "pathway", "limit", "offset", NULL};
static const char *const screen_args[] = {"person", "instrument", "answers", NULL};
static const char *const consent_args[] = {"person", "consent", NULL};
static const char *const contact_args[] = {"person", "outcome", "note", NULL};
static const char *const merge_args[] = {"keep", "merge", NULL};
static const char *const close_args[] = {"person", "reason", NULL};

const struct command persons_commands[] = {
    {"person.add", cmd_add, true, add_args, false},
    {"person.import", cmd_import, true, import_args, false},
    {"person.show", cmd_show, false, person_args, true},
    {"person.list", cmd_list, false, list_args, true},
    {"person.screen", cmd_screen, true, screen_args, false},
    {"person.consent", cmd_consent, true, consent_args, false},
    {"person.contact", cmd_contact, true, contact_args, false},
    {"person.merge", cmd_merge, true, merge_args, false},
    {"person.unmerge", cmd_unmerge, true, person_args, false},
    {"referral.close", cmd_close, true, close_args, false},
    {NULL, NULL, false, NULL, false},
};
