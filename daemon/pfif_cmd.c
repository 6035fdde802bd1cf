/*
 * daemon/pfif_cmd.c - person.export: an incident's persons for a
 * receiving party the plan names (a neighbouring hub, a casualty bureau)
 * as a PFIF 1.4 document (common/pfif.c; docs/interop.md).  Each person
 * record carries only the fields the plan's exchange section lets that
 * party see; its note record carries the contact state, and a telephone
 * number or email address only where the person's safe-contact
 * instructions allow that channel (a safe number before any other).
 * Only persons who gave consent, are not merged into another, were
 * verified and are not purged are exported.  The document is validated
 * against the built-in XSD before it leaves; every export is audited
 * (who, for which party, how many persons).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "persons.h"
#include "pfif.h"
#include "plan.h"
#include "server.h"
#include "store.h"
#include "xml.h"

#define EXPORT_MAX 1000 /* persons in one document */

static const char SQL_EXPORT[] =
    "SELECT p.id, p.name, p.dob, p.age, p.age_band, p.address, p.home_area, p.category,"
    " p.phone, p.email, p.safe_contact, p.contact_state, p.status, p.registered_at,"
    " (SELECT MAX(at) FROM contacts WHERE person_id = p.id),"
    " (SELECT COUNT(*) FROM contacts WHERE person_id = p.id)"
    " FROM persons p WHERE p.incident_id = ?1 AND p.purged = 0 AND p.merged_into IS NULL"
    " AND p.consent = 'given' AND p.category <> '" PERSONS_SELF_REFERRED "'"
    /* a child without a guardian named: held for consent, as routing
     * holds them (an age if known, else the top of its band: the bands
     * of routing.c, whose tops under 18 are written out here) */
    " AND NOT (p.guardian IS NULL AND COALESCE(p.age, CASE p.age_band WHEN '0-4' THEN 4"
    " WHEN '5-11' THEN 11 WHEN '12-15' THEN 15 WHEN '16-17' THEN 17 END, 999) < ?4)"
    " ORDER BY p.id LIMIT ?2 OFFSET ?3";

/* What one export writes with. */
struct export
{
    const struct plan *plan;
    const struct plan_exchange_party *party;
    int64_t now;
};

/* ms since the epoch as PFIF's "YYYY-MM-DDThh:mm:ssZ". */
static void utc(int64_t ms, char out[24])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Set member key to v, each control character XML 1.0 cannot carry
 * (C0 but tab, new line and carriage return: data written behind
 * musterd's back) replaced by U+FFFD; nothing for NULL or "". */
static void set_text(json_t *o, const char *key, const char *v)
{
    size_t n = v ? strlen(v) : 0, k = 0;
    char *buf = n ? malloc(3 * n + 1) : NULL;
    if (!buf)
        return;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
            memcpy(buf + k, "\xef\xbf\xbd", 3);
            k += 3;
        } else {
            buf[k++] = (char)*p;
        }
    }
    json_object_set_new(o, key, json_stringn(buf, k));
    free(buf);
}

/* Whether the instruction sc (an object, or NULL) allows channel. */
static bool safe_allows(json_t *sc, const char *channel)
{
    json_t *ch = json_object_get(sc, "channels"), *x;
    size_t i;
    if (json_object_get(json_object_get(sc, "do_not"), channel))
        return false;
    if (json_array_size(ch) == 0)
        return true;
    json_array_foreach(ch, i, x)
    {
        if (!strcmp(json_string_value(x), channel))
            return true;
    }
    return false;
}

/* The number the party may be given: the safe number, else the phone
 * when calling or texting it is allowed; NULL when neither. */
static const char *safe_phone(json_t *sc, const char *phone)
{
    const char *safe = json_string_value(json_object_get(sc, "safe_number"));
    if (safe)
        return safe;
    return safe_allows(sc, "phone") || safe_allows(sc, "sms") ? phone : NULL;
}

/* The note's text: the contact state and how the person may be
 * contacted (channels and hours, never the reasons or the free note). */
static json_t *note_text(const char *state, json_t *sc)
{
    char buf[400];
    size_t n = (size_t)snprintf(buf, sizeof(buf), "Contact state: %s.", state);
    json_t *ch = json_object_get(sc, "channels"), *hours = json_object_get(sc, "hours"), *x;
    const char *k;
    size_t i;
    if (json_array_size(ch) > 0 && n < sizeof(buf)) {
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, " Contact only by:");
        json_array_foreach(ch, i, x)
        {
            if (n < sizeof(buf))
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s", i ? "," : "",
                                      json_string_value(x));
        }
        n += n < sizeof(buf) ? (size_t)snprintf(buf + n, sizeof(buf) - n, ".") : 0;
    }
    json_object_foreach(json_object_get(sc, "do_not"), k, x)
    {
        if (n < sizeof(buf))
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, " Never by %s.", k);
    }
    if (hours && n < sizeof(buf))
        snprintf(buf + n, sizeof(buf) - n, " Only between %s and %s.",
                 json_string_value(json_object_get(hours, "from")),
                 json_string_value(json_object_get(hours, "to")));
    return json_string(buf);
}

/* PFIF's status for a person's recorded status and contact state. */
static const char *note_status(const char *status, bool reached)
{
    if (!strcmp(status, "missing"))
        return "believed_missing";
    if (!strcmp(status, "deceased"))
        return "believed_dead";
    return reached ? "believed_alive" : NULL;
}

/* The note record of row s (SQL_EXPORT) for person record id pid. */
static json_t *note_record(const struct export *x, sqlite3_stmt *s, const char *pid, json_t *sc)
{
    char id[300], when[24];
    const char *state = store_col_text(s, 11);
    bool reached = !strcmp(state, "contacted") || !strcmp(state, "declined");
    unsigned f = x->party->fields;
    json_t *n = json_object();
    snprintf(id, sizeof(id), "%s/note.%lld.%lld", x->plan->exchange.domain,
             (long long)sqlite3_column_int64(s, 0), (long long)sqlite3_column_int64(s, 15));
    set_text(n, "note_record_id", id);
    set_text(n, "person_record_id", pid);
    utc(x->now, when);
    set_text(n, "entry_date", when);
    set_text(n, "author_name", x->plan->hub.name);
    utc(sqlite3_column_type(s, 14) == SQLITE_NULL ? sqlite3_column_int64(s, 13)
                                                  : sqlite3_column_int64(s, 14),
        when);
    set_text(n, "source_date", when);
    set_text(n, "author_made_contact", reached ? "true" : "false");
    set_text(n, "status", note_status(store_col_text(s, 12), reached));
    if ((f & PLAN_XF_EMAIL) && safe_allows(sc, "email"))
        set_text(n, "email_of_found_person", store_col_text(s, 9));
    if (f & PLAN_XF_PHONE)
        set_text(n, "phone_of_found_person", safe_phone(sc, store_col_text(s, 8)));
    json_object_set_new(n, "text", note_text(state, sc));
    return n;
}

/* A PFIF age: whole years, or the age band as a range ("65+": 65-130). */
static void set_age(json_t *p, sqlite3_stmt *s)
{
    char buf[16];
    const char *band = store_col_text(s, 4);
    if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
        snprintf(buf, sizeof(buf), "%d", sqlite3_column_int(s, 3));
        set_text(p, "age", buf);
    } else if (band && !strcmp(band, "65+")) {
        set_text(p, "age", "65-130");
    } else {
        set_text(p, "age", band);
    }
}

/* The person record of row s, with only the party's fields. */
static json_t *person_record(const struct export *x, sqlite3_stmt *s)
{
    char pid[300], when[24], buf[80];
    unsigned f = x->party->fields;
    long long id = (long long)sqlite3_column_int64(s, 0);
    const char *sct = store_col_text(s, 10);
    json_t *p = json_object(), *sc = sct ? json_loads(sct, 0, NULL) : NULL;
    snprintf(pid, sizeof(pid), "%s/person.%lld", x->plan->exchange.domain, id);
    set_text(p, "person_record_id", pid);
    utc(sqlite3_column_int64(s, 13), when);
    set_text(p, "entry_date", when);
    set_text(p, "author_name", x->plan->hub.name);
    set_text(p, "source_name", x->plan->exchange.domain);
    set_text(p, "source_date", when);
    snprintf(buf, sizeof(buf), "person.%lld", id); /* PFIF requires a name */
    set_text(p, "full_name",
             (f & PLAN_XF_NAME) && store_col_text(s, 1) ? store_col_text(s, 1) : buf);
    if (f & PLAN_XF_CATEGORY) {
        snprintf(buf, sizeof(buf), "Affected person: %s", store_col_text(s, 7));
        set_text(p, "description", buf);
    }
    if (f & PLAN_XF_DOB)
        set_text(p, "date_of_birth", store_col_text(s, 2));
    if (f & PLAN_XF_AGE)
        set_age(p, s);
    if (f & PLAN_XF_ADDRESS)
        set_text(p, "home_street", store_col_text(s, 5));
    if (f & PLAN_XF_HOME_AREA)
        set_text(p, "home_city", store_col_text(s, 6));
    json_object_set_new(p, "note", json_pack("[o]", note_record(x, s, pid, sc)));
    json_decref(sc);
    return p;
}

/* The persons of incident_id from offset as PFIF records: *out, *more. */
static int export_rows(struct cmd_ctx *c, const struct export *x, int64_t incident_id,
                       int64_t offset, json_t **out, bool *more)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_EXPORT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, EXPORT_MAX + 1);
    sqlite3_bind_int64(s, 3, offset);
    sqlite3_bind_int(s, 4, x->plan->persons.guardian_consent_under);
    json_t *persons = json_array();
    int rc, n = 0;
    while ((rc = store_step(s)) > 0 && ++n <= EXPORT_MAX)
        json_array_append_new(persons, person_record(x, s));
    sqlite3_reset(s);
    *more = n > EXPORT_MAX;
    if (rc < 0) {
        json_decref(persons);
        return rc;
    }
    *out = persons;
    return 0;
}

/* The document for persons, checked against the XSD: 0, or -1 with
 * c->err set (an invalid document is a bug: INTERNAL). */
static int export_document(struct cmd_ctx *c, json_t *persons, char **xml)
{
    char err[512] = "";
    size_t len = 0;
    json_t *doc = json_pack("{s:O}", "person", persons);
    if (!c->m->pfif_schema && !(c->m->pfif_schema = xml_schema_open(
                                    (const char *)pfif_xsd, pfif_xsd_len, err, sizeof(err)))) {
        json_decref(doc);
        return proto_fail(&c->err, ERR_INTERNAL, "the PFIF schema: %s", err);
    }
    *xml = pfif_write(doc, &len);
    int rc = *xml ? xml_validate_own(c->m->pfif_schema, *xml, len, err, sizeof(err)) : -ENOMEM;
    json_decref(doc);
    if (rc != 0) {
        free(*xml);
        return proto_fail(&c->err, ERR_INTERNAL, "the PFIF written is not valid: %s", err);
    }
    return 0;
}

static int export_args(struct cmd_ctx *c, const char **ref, const char **party, int64_t *offset)
{
    const char *format = "pfif";
    *offset = 0;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, ref, &c->err) ||
        proto_arg_str(c->args, "for", true, 40, party, &c->err) ||
        proto_arg_str(c->args, "format", false, 16, &format, &c->err) ||
        proto_arg_int(c->args, "offset", false, 0, INT64_MAX, offset, &c->err))
        return -1;
    if (strcmp(format, "pfif"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"format\" must be \"pfif\"");
    return 0;
}

static int cmd_export(struct cmd_ctx *c)
{
    const char *ref, *party;
    int64_t offset;
    struct incident inc;
    if (export_args(c, &ref, &party, &offset) || dispatch_incident(c, ref, &inc))
        return -1;
    struct export x = {.plan = frozen_plan(c->m, inc.id), .now = c->now};
    if (!x.plan || !x.plan->exchange.domain)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "the plan of %s has no exchange section: no party to export to", ref);
    if (!(x.party = plan_exchange_party(&x.plan->exchange, party)))
        return proto_fail(&c->err, ERR_NOT_FOUND,
                          "\"%s\" is not a party of the plan's exchange section", party);
    json_t *persons = NULL;
    bool more = false;
    char *xml = NULL;
    int rc = export_rows(c, &x, inc.id, offset, &persons, &more);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    size_t n = json_array_size(persons);
    rc = export_document(c, persons, &xml);
    json_decref(persons);
    if (rc != 0)
        return -1;
    snprintf(c->target, sizeof(c->target), "%s persons", ref);
    snprintf(c->detail, sizeof(c->detail),
             "{\"for\":\"%s\",\"format\":\"pfif\",\"persons\":%zu,\"offset\":%lld}", party, n,
             (long long)offset);
    c->result =
        json_pack("{s:s, s:s, s:s, s:I, s:o, s:s}", "incident", ref, "for", party, "format", "pfif",
                  "persons", (json_int_t)n, "next_offset",
                  more ? json_integer(offset + (json_int_t)n) : json_null(), "document", xml);
    free(xml);
    return 0;
}

static const char *const export_args_names[] = {"incident", "for", "format", "offset", NULL};

const struct command pfif_commands[] = {
    {.name = "person.export", .fn = cmd_export, .args = export_args_names, .flags = CMD_AUDIT_READ},
    {.name = NULL},
};
