/*
 * daemon/staffing_rm_cmd.c - staffing in EDXL-RM 1.0 (staffing_rm.h): the
 * RequestResource of an ask, pledge.request and pledge.import, and the
 * edxl_rm_messages table pledge.import owns.
 *
 * An answer is a pledge.offer in another form: its agency is the
 * caller's key's, the request it answers (OriginatingMessageID, the
 * MessageID muster gave the ask) must have been sent to that agency, the
 * role, quantity and times must fit that ask, and the pledge is made by
 * staffing_offer_add, so it has exactly pledge.offer's checks, ledger,
 * events and lifecycle.  The message is stored with the reply in the same
 * transaction as the pledge: the same MessageID from the same agency
 * again gets the same reply and no second pledge, even after a crash.
 */
#include "staffing_rm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authz.h"
#include "dispatch.h"
#include "edxl_rm.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "outbox.h"
#include "plan.h"
#include "server.h"
#include "staffing.h"
#include "store.h"
#include "xml.h"

/* An ask as its RequestResource says it. */
struct rm_ask {
    int64_t id, incident_id, starts, ends;
    char ref[INCIDENT_REF_MAX], operation[INCIDENT_OPERATION_MAX], agency[48], role[48];
    char shift_key[48], shift_name[100], state[16];
    int quantity;
    bool exercise;
};

static const char SQL_ASK[] =
    "SELECT a.incident_id, i.ref, i.operation, i.exercise, a.agency_id, a.role, a.short, s.key,"
    " s.name, s.starts_at, s.ends_at, a.state FROM asks a JOIN shifts s ON s.id = a.shift_id"
    " JOIN incidents i ON i.id = a.incident_id WHERE a.id = ?1";

/* 1 with *a, 0 when there is no ask id, or -errno. */
static int ask_load(struct muster *m, int64_t id, struct rm_ask *a)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ASK);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        a->id = id;
        a->incident_id = sqlite3_column_int64(s, 0);
        snprintf(a->ref, sizeof(a->ref), "%s", store_col_text(s, 1));
        snprintf(a->operation, sizeof(a->operation), "%s", store_col_text(s, 2));
        a->exercise = sqlite3_column_int(s, 3) != 0;
        snprintf(a->agency, sizeof(a->agency), "%s", store_col_text(s, 4));
        snprintf(a->role, sizeof(a->role), "%s", store_col_text(s, 5));
        a->quantity = sqlite3_column_int(s, 6);
        snprintf(a->shift_key, sizeof(a->shift_key), "%s", store_col_text(s, 7));
        snprintf(a->shift_name, sizeof(a->shift_name), "%s", store_col_text(s, 8));
        a->starts = sqlite3_column_int64(s, 9);
        a->ends = sqlite3_column_int64(s, 10);
        snprintf(a->state, sizeof(a->state), "%s", store_col_text(s, 11));
    }
    sqlite3_reset(s);
    return rc;
}

static const char *role_name(const struct plan *p, const char *role)
{
    for (size_t i = 0; i < p->staffing.nroles; i++)
        if (!strcmp(p->staffing.roles[i].id, role))
            return p->staffing.roles[i].name;
    return role;
}

static int request_xml(struct muster *m, const struct rm_ask *a, int64_t now, char **xml)
{
    const struct plan *p = frozen_plan(m, a->incident_id);
    const struct plan_agency *agency = p ? plan_agency_find(p, a->agency) : NULL;
    if (!agency)
        return -ENOENT;
    char id[200];
    edxl_rm_ask_id(id, sizeof(id), a->ref, a->id);
    struct edxl_rm_ask r = {.message_id = id,
                            .sent_ms = now,
                            .incident_ref = a->ref,
                            .operation = *a->operation ? a->operation : NULL,
                            .exercise = a->exercise,
                            .plan_id = p->id,
                            .role_id = a->role,
                            .role_name = role_name(p, a->role),
                            .quantity = a->quantity,
                            .shift_name = a->shift_name,
                            .starts_ms = a->starts,
                            .ends_ms = a->ends,
                            .hub_name = p->hub.name,
                            .hub_address = p->hub.address,
                            .agency_name = agency->name};
    json_t *j = edxl_rm_request(&r);
    size_t len = 0;
    *xml = j ? edxl_rm_write(j, &len) : NULL;
    json_decref(j);
    return *xml ? 0 : -ENOMEM;
}

int staffing_rm_request(struct muster *m, int64_t ask_id, int64_t now, char **xml)
{
    struct rm_ask a;
    *xml = NULL;
    int rc = ask_load(m, ask_id, &a);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : request_xml(m, &a, now, xml);
}

/* ---- pledge.request ---- */

static const char SQL_ASK_IDS[] =
    "SELECT a.id FROM asks a WHERE a.incident_id = ?1 AND (?2 IS NULL OR a.agency_id = ?2)"
    " AND a.state = 'open' ORDER BY a.id";

static json_t *request_json(const struct rm_ask *a, char *xml)
{
    char id[200];
    edxl_rm_ask_id(id, sizeof(id), a->ref, a->id);
    json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "ask", (json_int_t)a->id,
                          "agency", a->agency, "role", a->role, "shift", a->shift_key, "short",
                          a->quantity, "state", a->state, "message_id", id, "xml", xml);
    free(xml);
    return r;
}

/* The requests of the asks in ids (borrowed) into c->result. */
static int requests_reply(struct cmd_ctx *c, const char *ref, const int64_t *ids, size_t n)
{
    json_t *arr = json_array();
    int rc = arr ? 0 : -ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct rm_ask a;
        char *xml = NULL;
        if ((rc = ask_load(c->m, ids[i], &a)) > 0 &&
            (rc = request_xml(c->m, &a, c->now, &xml)) == 0)
            rc = json_array_append_new(arr, request_json(&a, xml)) ? -ENOMEM : 0;
        else if (rc == 0)
            rc = -ENOENT;
    }
    if (rc != 0) {
        json_decref(arr);
        return dispatch_storage_fail(c, rc);
    }
    c->result = json_pack("{s:s, s:o}", "incident", ref, "requests", arr);
    return 0;
}

/* pledge.request: the RequestResource of one ask, or of every open ask
 * (an agency: its own only). */
static int cmd_request(struct cmd_ctx *c)
{
    const char *ref = NULL, *agency = NULL, *me = authz_agency_id(c->principal);
    int64_t ask = 0;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_str(c->args, "agency", false, 40, &agency, &c->err) ||
        proto_arg_int(c->args, "ask", false, 1, INT64_MAX, &ask, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    if (me && agency && strcmp(me, agency))
        return proto_fail(&c->err, ERR_FORBIDDEN, "agency %s may not see the asks of %s", me,
                          agency);
    agency = me ? me : agency;
    if (ask) {
        struct rm_ask a;
        int rc = ask_load(c->m, ask, &a);
        if (rc < 0)
            return dispatch_storage_fail(c, rc);
        if (rc == 0 || a.incident_id != inc.id || (agency && strcmp(a.agency, agency)))
            return proto_fail(&c->err, ERR_NOT_FOUND, "no ask %lld of incident %s%s%s",
                              (long long)ask, inc.ref, agency ? " to agency " : "",
                              agency ? agency : "");
        return requests_reply(c, inc.ref, &ask, 1);
    }
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_ASK_IDS);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, inc.id);
    sqlite3_bind_text(s, 2, agency, -1, SQLITE_STATIC);
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = store_ids(s, &ids, &n);
    rc = rc < 0 ? dispatch_storage_fail(c, rc) : requests_reply(c, inc.ref, ids, n);
    free(ids);
    return rc;
}

/* ---- pledge.import ---- */

/* An answer as read: the message, what it is, and its one
 * ResourceInformation. */
struct rm_answer {
    json_t *msg;
    const char *type, *id, *agency;
    json_t *info; /* ResourceInformation[0], borrowed from msg */
    struct rm_ask ask;
    const char *response; /* ResponseType, "Accept" when none is given */
    int64_t count;
    char note[600];
    char digest[crypto_hash_sha256_BYTES * 2 + 1]; /* of the message's text */
};

static const char SQL_SEEN[] =
    "SELECT reply, digest FROM edxl_rm_messages WHERE agency_id = ?1 AND message_id = ?2";
static const char SQL_RECORD[] =
    "INSERT INTO edxl_rm_messages (agency_id, message_id, msg_type, ask_id, incident_id,"
    " pledge_id, reply, received_at, received_by, digest)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/* The element o/a[/b[/c2]]: its JSON, or NULL when it is not there. */
static json_t *node_at(json_t *o, const char *a, const char *b, const char *c2)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (c2)
        v = json_object_get(v, c2);
    return v;
}

/* Its text: the string, or an element with attributes' "#text" (none of
 * RM's are declared, but a reader never trusts that), else NULL. */
static const char *str_at(json_t *o, const char *a, const char *b, const char *c2)
{
    json_t *v = node_at(o, a, b, c2);
    return json_is_object(v) ? json_string_value(json_object_get(v, "#text"))
                             : json_string_value(v);
}

/* The message read and checked against the schema: 0, or -1 with c->err. */
static int answer_load(struct cmd_ctx *c, struct rm_answer *an)
{
    json_t *x = json_object_get(c->args, "xml");
    if (!json_is_string(x))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "missing required argument \"xml\"");
    size_t len = json_string_length(x);
    if (len > XML_MAX_BYTES)
        return proto_fail(&c->err, ERR_BAD_EDXL,
                          "/: message of %zu bytes is over the %d byte limit", len, XML_MAX_BYTES);
    char err[512];
    if (!c->m->rm_schema && !(c->m->rm_schema = edxl_rm_schema_open(err, sizeof(err))))
        return proto_fail(&c->err, ERR_INTERNAL, "the EDXL-RM 1.0 schema: %s", err);
    if (edxl_rm_read(c->m->rm_schema, json_string_value(x), len, &an->msg, err, sizeof(err)))
        return proto_fail(&c->err, ERR_BAD_EDXL, "%s", err);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)json_string_value(x), len);
    sodium_bin2hex(an->digest, sizeof(an->digest), h, sizeof(h));
    an->type = str_at(an->msg, "MessageContentType", NULL, NULL);
    an->id = str_at(an->msg, "MessageID", NULL, NULL);
    an->agency = authz_agency_id(c->principal);
    if (!an->type || !an->id)
        return proto_fail(&c->err, ERR_BAD_EDXL, "/: MessageID or MessageContentType unreadable");
    if (!an->agency) /* authz lets only agencies in; never answer for nobody */
        return proto_fail(&c->err, ERR_FORBIDDEN, "only an agency imports its own answers");
    snprintf(c->target, sizeof(c->target), "EDXL-RM %.80s", an->id);
    if (!strcmp(an->type, "RequestResource"))
        return proto_fail(&c->err, ERR_BAD_EDXL,
                          "/RequestResource: muster sends RequestResource and reads the answers "
                          "to it (ResponseToRequestResource, CommitResource)");
    json_t *infos = json_object_get(an->msg, "ResourceInformation");
    if (json_array_size(infos) != 1)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "/%s/ResourceInformation[2]: a request muster sends asks for one "
                          "resource; answer it with one ResourceInformation",
                          an->type);
    an->info = json_array_get(infos, 0);
    return 0;
}

/* The same message from the same agency before: 1 with its stored reply
 * as c->result, 0 when it is new, or -1 (CONFLICT when its MessageID
 * came before with another text: the agency's system reused an id). */
static int answer_seen(struct cmd_ctx *c, const struct rm_answer *an)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SEEN);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_text(s, 1, an->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, an->id, -1, SQLITE_STATIC);
    int rc = store_step(s);
    const char *was = rc > 0 ? store_col_text(s, 1) : NULL;
    if (was && strcmp(was, an->digest)) {
        sqlite3_reset(s);
        return proto_fail(&c->err, ERR_CONFLICT,
                          "/%s/MessageID: \"%.200s\" was imported before with another text; a "
                          "new answer needs a new MessageID",
                          an->type, an->id);
    }
    if (rc > 0 && (c->result = json_loads(store_col_text(s, 0), 0, NULL)))
        json_object_set_new(c->result, "replayed", json_true());
    sqlite3_reset(s);
    if (rc < 0 || (rc > 0 && !c->result))
        return dispatch_storage_fail(c, rc < 0 ? rc : -EIO);
    return rc > 0;
}

/* The ask the message answers, sent to the caller's agency: 0, or -1. */
static int answer_ask(struct cmd_ctx *c, struct rm_answer *an)
{
    const char *orig = str_at(an->msg, "OriginatingMessageID", NULL, NULL);
    char ref[INCIDENT_REF_MAX];
    int64_t id = 0;
    int rc = edxl_rm_ask_parse(orig, ref, sizeof(ref), &id) ? ask_load(c->m, id, &an->ask) : 0;
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    /* another agency's ask is not found either: nothing about it leaks */
    if (rc == 0 || strcmp(an->ask.ref, ref) || strcmp(an->ask.agency, an->agency))
        return proto_fail(&c->err, ERR_NOT_FOUND,
                          "/%s/OriginatingMessageID: no request \"%.200s\" was sent to agency %s",
                          an->type, orig, an->agency);
    const char *prec =
        str_at(an->info, "ResponseInformation", "PrecedingResourceInfoElementID", NULL);
    if (prec && strcmp(prec, "1"))
        return proto_fail(&c->err, ERR_NOT_FOUND,
                          "/%s/ResourceInformation/ResponseInformation/"
                          "PrecedingResourceInfoElementID: request %.200s has no "
                          "ResourceInformation \"%.40s\" (only \"1\")",
                          an->type, orig, prec);
    return 0;
}

/* The organisation named as the staff's owner is the caller's agency. */
static int answer_owner(struct cmd_ctx *c, const struct rm_answer *an)
{
    const char *owner = str_at(an->info, "Resource", "OwnershipInformation", "Owner");
    const struct plan *p = frozen_plan(c->m, an->ask.incident_id);
    const struct plan_agency *me = p ? plan_agency_find(p, an->agency) : NULL;
    if (!node_at(an->info, "Resource", "OwnershipInformation", "Owner") ||
        (owner && me && (!strcmp(owner, me->id) || !strcmp(owner, me->name))))
        return 0; /* no owner named, or the caller: an Owner that cannot be read is neither */
    return proto_fail(&c->err, ERR_FORBIDDEN,
                      "/%s/ResourceInformation/Resource/OwnershipInformation/Owner: agency %s "
                      "may commit only its own staff, not those of \"%.200s\"",
                      an->type, an->agency, owner ? owner : "?");
}

/* The staff committed: the role asked for, a whole number from 1 to the
 * number asked, at times within the shift asked for.  0, or -1. */
static int answer_fits(struct cmd_ctx *c, struct rm_answer *an)
{
    const char *role = json_string_value(json_array_get(
        json_object_get(json_object_get(json_object_get(an->info, "Resource"), "TypeStructure"),
                        "Value"),
        0));
    if (role && strcmp(role, an->ask.role))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "/%s/ResourceInformation/Resource/TypeStructure/Value: the request "
                          "asked for %s, not \"%.100s\"",
                          an->type, an->ask.role, role);
    const char *amount = str_at(json_object_get(an->info, "AssignmentInformation"), "Quantity",
                                "MeasuredQuantity", "Amount");
    char *end = NULL;
    long long n = amount ? strtoll(amount, &end, 10) : 0;
    if (!amount || *end || n < 1 || n > an->ask.quantity)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "/%s/ResourceInformation/AssignmentInformation/Quantity/"
                          "MeasuredQuantity/Amount: commit a whole number of staff from 1 to "
                          "the %d asked for%s%.40s",
                          an->type, an->ask.quantity, amount ? ", not " : "", amount ? amount : "");
    an->count = n;
    size_t i;
    json_t *sch;
    json_array_foreach(json_object_get(an->info, "ScheduleInformation"), i, sch)
    {
        int64_t at = 0;
        const char *type = str_at(sch, "ScheduleType", NULL, NULL);
        const char *when = str_at(sch, "DateTime", NULL, NULL);
        if (!type)
            return proto_fail(&c->err, ERR_BAD_EDXL,
                              "/%s/ResourceInformation/ScheduleInformation[%zu]/ScheduleType: "
                              "cannot be read",
                              an->type, i + 1);
        if (strstr(type, "Return") || strstr(type, "Departure") || !strcmp(type, "EndAvailable") ||
            !node_at(sch, "DateTime", NULL, NULL))
            continue; /* leaving, or no time: nothing to check */
        if (!when || edxl_rm_time_parse(when, &at) != 0)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "/%s/ResourceInformation/ScheduleInformation[%zu]/DateTime: "
                              "\"%.40s\" is not a time muster can check against the shift "
                              "(YYYY-MM-DDThh:mm:ss+hh:mm, hours 00 to 23)",
                              an->type, i + 1, when ? when : "?");
        if (at < an->ask.starts || at >= an->ask.ends)
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "/%s/ResourceInformation/ScheduleInformation[%zu]/DateTime: %s "
                              "is outside the %s shift asked for",
                              an->type, i + 1, type, an->ask.shift_name);
    }
    return 0;
}

static int answer_record(struct cmd_ctx *c, const struct rm_answer *an, int64_t pledge_id,
                         json_t *reply)
{
    char *text = jtext_dump(reply, false);
    sqlite3_stmt *s = text ? store_stmt(c->m->store, SQL_RECORD) : NULL;
    int rc = s ? 0 : text ? -EINVAL : -ENOMEM;
    if (s) {
        sqlite3_bind_text(s, 1, an->agency, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, an->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, an->type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, an->ask.id);
        sqlite3_bind_int64(s, 5, an->ask.incident_id);
        if (pledge_id)
            sqlite3_bind_int64(s, 6, pledge_id);
        else
            sqlite3_bind_null(s, 6);
        sqlite3_bind_text(s, 7, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 8, c->now);
        sqlite3_bind_text(s, 9, c->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 10, an->digest, -1, SQLITE_STATIC);
        rc = store_exec_stmt(s);
    }
    free(text);
    return rc;
}

/* The pledge, by staffing_offer_add (pledge.offer's checks): 0 with
 * *pledge, or -1. */
static int answer_pledge(struct cmd_ctx *c, struct rm_answer *an, json_t **pledge)
{
    struct incident inc;
    int rc = incident_get(c->m->store, an->ask.incident_id, &inc);
    if (rc <= 0)
        return dispatch_storage_fail(c, rc ? rc : -ENOENT);
    const char *reason = str_at(an->info, "ResponseInformation", "ResponseReason", NULL);
    if (reason && proto_control_char(reason, strlen(reason), true) >= 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "/%s/ResourceInformation/ResponseInformation/ResponseReason: control "
                          "characters are refused, as in pledge.offer's note",
                          an->type);
    snprintf(an->note, sizeof(an->note), "EDXL-RM %s %.200s (%s)%s%.300s", an->type, an->id,
             an->response, reason ? ": " : "", reason ? reason : "");
    proto_utf8_repair(an->note); /* a cut in a character: the note is sent as JSON */
    json_t *shifts = json_pack("[s]", an->ask.shift_key);
    struct staffing_offer o = {.incident = &inc,
                               .agency = an->agency,
                               .role = an->ask.role,
                               .note = an->note,
                               .count = an->count,
                               .shifts = shifts,
                               .by = c->actor,
                               .now = c->now};
    rc = shifts ? staffing_offer_add(c->m, c->outbox, &o, &c->err, pledge) : -ENOMEM;
    json_decref(shifts);
    if (rc != 0)
        return rc == STAFFING_REFUSED ? -1 : dispatch_storage_fail(c, rc);
    return 0;
}

static int answer_act(struct cmd_ctx *c, struct rm_answer *an)
{
    const char *rt = str_at(an->info, "ResponseInformation", "ResponseType", NULL);
    if (!rt && node_at(an->info, "ResponseInformation", "ResponseType", NULL))
        return proto_fail(&c->err, ERR_BAD_EDXL,
                          "/%s/ResourceInformation/ResponseInformation/ResponseType: cannot be "
                          "read",
                          an->type);
    an->response = rt ? rt : "Accept";
    json_t *pledge = NULL;
    bool decline = !strcmp(an->response, "Decline");
    if (!decline && (answer_fits(c, an) != 0 || answer_pledge(c, an, &pledge) != 0))
        return -1;
    char orig[200];
    edxl_rm_ask_id(orig, sizeof(orig), an->ask.ref, an->ask.id);
    json_t *reply = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o?}", "incident", an->ask.ref,
                              "message_id", an->id, "type", an->type, "answers", orig, "ask",
                              (json_int_t)an->ask.id, "response", an->response, "pledge", pledge);
    int64_t pid = json_integer_value(json_object_get(pledge, "id"));
    int rc = reply ? answer_record(c, an, pid, reply) : -ENOMEM;
    if (rc != 0) {
        json_decref(reply);
        return dispatch_storage_fail(c, rc);
    }
    if (!pledge)
        json_object_set_new(reply, "pledge", json_null());
    json_object_set_new(reply, "replayed", json_false());
    c->result = reply;
    snprintf(c->detail, sizeof(c->detail),
             "{\"edxl_rm\":\"%s\",\"response\":\"%s\",\"pledge\":%lld}", an->type, an->response,
             (long long)pid);
    return 0;
}

static int cmd_import(struct cmd_ctx *c)
{
    struct rm_answer an = {0};
    int rc = answer_load(c, &an);
    if (rc == 0)
        rc = answer_seen(c, &an);
    if (rc == 0)
        rc = answer_ask(c, &an);
    if (rc == 0)
        rc = answer_owner(c, &an);
    if (rc == 0)
        rc = answer_act(c, &an);
    json_decref(an.msg);
    return rc < 0 ? -1 : 0;
}

static const char *const request_args[] = {"incident", "agency", "ask", NULL};
static const char *const import_args[] = {"xml", NULL};

const struct command staffing_rm_commands[] = {
    {.name = "pledge.request", .fn = cmd_request, .args = request_args},
    {.name = "pledge.import", .fn = cmd_import, .args = import_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
