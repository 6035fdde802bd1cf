/*
 * daemon/cap_cmd.c - CAP 1.2 in: incident.cap (table: cap_commands), and
 * the cap_messages table it owns (docs/interop.md).
 *
 * A CAP <alert> is read and checked in musterd, so every client gets the
 * same checks: a safe parse and the CAP 1.2 schema (common/cap.c), then
 * what it asks for.  An Alert stands an incident up, an Update raises its
 * level, a Cancel stands it down; each is done by running the very command
 * Gold would have run (incident.standup, incident.level,
 * incident.standdown, found with dispatch_find) with the arguments the
 * message and the plan's cap section give, so a CAP standup is checked,
 * paged, audited and replayed exactly like one typed at the CLI.  The
 * sender's messages must be signed when the plan names its certificate
 * (common/cap_sig.c: verified with that certificate only, the loaded
 * plan's for an Alert, the incident's frozen plan's for an Update or
 * Cancel, which must come from a sender that plan accepts).  The
 * message's sender and identifier are stored in the same savepoint as the
 * change: a replay is refused (DUPLICATE) and, the row and the incident
 * being committed together, a crash can neither lose the standup nor let
 * the message stand one up twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "cap_sig.h"
#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "outbox.h"
#include "plan.h"
#include "server.h"
#include "store.h"
#include "xml.h"

/* What the message is and what it does, read from its JSON. */
struct cap_msg {
    json_t *alert;
    const char *identifier, *sender, *sent, *status, *msg_type;
    bool exercise;
    const struct plan *plan; /* the plan whose cap section maps it (Alert) */
    int level;               /* the level its first mapped <info> asks for */
    char code[201];          /* the event code that mapped */
    int info;                /* 1-based index of that <info> */
    bool urgency_none;       /* the event maps, but its urgency stands nothing up */
};

static const char SQL_SEEN[] = "SELECT received_at, action FROM cap_messages"
                               " WHERE sender = ?1 AND identifier = ?2";
static const char SQL_RECORD[] =
    "INSERT INTO cap_messages (sender, identifier, sent, msg_type, status, incident_id, action,"
    " received_at, received_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char SQL_REFERENCED[] =
    "SELECT incident_id FROM cap_messages WHERE sender = ?1 AND identifier = ?2"
    " AND incident_id IS NOT NULL";

/* The message read and checked against the schema: 0, or -1 with c->err. */
static int cap_load(struct cmd_ctx *c, struct cap_msg *msg)
{
    json_t *x = json_object_get(c->args, "xml");
    if (!json_is_string(x))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "missing required argument \"xml\"");
    size_t len = json_string_length(x);
    if (len > XML_MAX_BYTES)
        return proto_fail(&c->err, ERR_BAD_CAP, "/: message of %zu bytes is over the %d byte limit",
                          len, XML_MAX_BYTES);
    char err[512];
    if (!c->m->cap_schema &&
        !(c->m->cap_schema = xml_schema_open((const char *)cap_xsd, cap_xsd_len, err, sizeof(err))))
        return proto_fail(&c->err, ERR_INTERNAL, "the CAP 1.2 schema: %s", err);
    if (cap_read(c->m->cap_schema, json_string_value(x), len, &msg->alert, err, sizeof(err)) != 0)
        return proto_fail(&c->err, ERR_BAD_CAP, "%s", err);
    json_t *a = msg->alert;
    msg->identifier = json_string_value(json_object_get(a, "identifier"));
    msg->sender = json_string_value(json_object_get(a, "sender"));
    msg->sent = json_string_value(json_object_get(a, "sent"));
    msg->status = json_string_value(json_object_get(a, "status"));
    msg->msg_type = json_string_value(json_object_get(a, "msgType"));
    if (!msg->identifier || !msg->sender || !msg->sent || !msg->status || !msg->msg_type)
        return proto_fail(&c->err, ERR_BAD_CAP, "/alert: a required element is unreadable");
    msg->exercise = !strcmp(msg->status, "Exercise");
    snprintf(c->target, sizeof(c->target), "CAP %.80s", msg->identifier);
    return 0;
}

/* Statuses and message types muster does not act on (CAP 1.2 3.2.1). */
static int cap_actionable(struct cmd_ctx *c, const struct cap_msg *msg)
{
    if (!strcmp(msg->status, "Test"))
        return proto_fail(&c->err, ERR_CAP_IGNORED,
                          "/alert/status: \"Test\" is technical testing only, which CAP says "
                          "every recipient ignores: nothing stood up");
    if (strcmp(msg->status, "Actual") && !msg->exercise)
        return proto_fail(&c->err, ERR_CAP_IGNORED,
                          "/alert/status: \"%s\" is not acted on (Actual or Exercise only)",
                          msg->status);
    if (!strcmp(msg->msg_type, "Ack") || !strcmp(msg->msg_type, "Error"))
        return proto_fail(&c->err, ERR_CAP_IGNORED,
                          "/alert/msgType: \"%s\" is not acted on (Alert, Update or Cancel only)",
                          msg->msg_type);
    return 0;
}

/* A message seen before is refused: 0, or -1 with c->err. */
static int cap_fresh(struct cmd_ctx *c, const struct cap_msg *msg)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SEEN);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_text(s, 1, msg->sender, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, msg->identifier, -1, SQLITE_STATIC);
    int step = store_step(s), rc = 0;
    if (step > 0)
        rc = proto_fail(&c->err, ERR_DUPLICATE,
                        "/alert/identifier: CAP message \"%.200s\" from \"%.200s\" was received "
                        "before (%s): nothing done",
                        msg->identifier, msg->sender, store_col_text(s, 1));
    sqlite3_reset(s);
    return step < 0 ? dispatch_storage_fail(c, step) : rc;
}

static bool in_list(char *const *list, size_t n, const char *v)
{
    for (size_t i = 0; v && i < n; i++)
        if (!strcmp(list[i], v))
            return true;
    return false;
}

/* One of info's <area>s is one the plan covers (or the plan names none). */
static bool area_ok(const struct plan_cap *cap, const json_t *info)
{
    if (cap->nareas == 0)
        return true;
    size_t i, j;
    json_t *area, *g;
    json_array_foreach(json_object_get(info, "area"), i, area)
    {
        if (in_list(cap->areas, cap->nareas, json_string_value(json_object_get(area, "areaDesc"))))
            return true;
        json_array_foreach(json_object_get(area, "geocode"), j, g)
        {
            if (in_list(cap->areas, cap->nareas, json_string_value(json_object_get(g, "value"))))
                return true;
        }
    }
    return false;
}

/* The level of event code in plan for info's severity and urgency: -1
 * when the code is not mapped; else the level, msg->code and
 * msg->urgency_none set. */
static int code_level(const struct plan *plan, const json_t *info, const char *code,
                      struct cap_msg *msg)
{
    const struct plan_cap_event *ev = NULL;
    const char *sev = json_string_value(json_object_get(info, "severity"));
    const char *urg = json_string_value(json_object_get(info, "urgency"));
    int level = plan_cap_level(&plan->cap, code, sev, urg, &ev);
    if (!ev)
        return -1;
    snprintf(msg->code, sizeof(msg->code), "%s", code);
    msg->urgency_none = plan_cap_urgency_level(ev, urg) == 0;
    return level;
}

/* The level plan maps info to (its eventCode values, then its event);
 * 0 with msg->code set when the event maps but the severity and urgency
 * do not, -1 when the event is not mapped at all. */
static int info_level(const struct plan *plan, const json_t *info, struct cap_msg *msg)
{
    size_t i;
    json_t *code;
    json_array_foreach(json_object_get(info, "eventCode"), i, code)
    {
        int level = code_level(plan, info, json_string_value(json_object_get(code, "value")), msg);
        if (level >= 0)
            return level;
    }
    return code_level(plan, info, json_string_value(json_object_get(info, "event")), msg);
}

/* The first <info> plan maps, in an area it covers: its level into msg
 * (0: the event maps, its severity does not), or -1 when none maps. */
static int plan_match(const struct plan *plan, struct cap_msg *msg)
{
    int best = -1;
    size_t i;
    json_t *info;
    json_array_foreach(json_object_get(msg->alert, "info"), i, info)
    {
        if (!area_ok(&plan->cap, info))
            continue;
        int level = info_level(plan, info, msg);
        if (level > 0 || (level == 0 && best < 0)) {
            best = level;
            msg->info = (int)i + 1;
        }
        if (level > 0)
            break;
    }
    return best;
}

/* Why nothing maps: -1 with c->err CAP_UNMAPPED naming the element. */
static int unmapped(struct cmd_ctx *c, const struct cap_msg *msg, const struct plan *p, int level)
{
    if (level == 0 && msg->urgency_none)
        return proto_fail(
            &c->err, ERR_CAP_UNMAPPED,
            "/alert/info[%d]/urgency: plan %s stands nothing up for urgency \"%s\" of event \"%s\"",
            msg->info, p->id,
            json_string_value(json_object_get(
                json_array_get(json_object_get(msg->alert, "info"), msg->info - 1), "urgency")),
            msg->code);
    if (level == 0)
        return proto_fail(
            &c->err, ERR_CAP_UNMAPPED,
            "/alert/info[%d]/severity: plan %s maps no level to severity \"%s\" "
            "of event \"%s\"",
            msg->info, p->id,
            json_string_value(json_object_get(
                json_array_get(json_object_get(msg->alert, "info"), msg->info - 1), "severity")),
            msg->code);
    if (!json_array_size(json_object_get(msg->alert, "info")))
        return proto_fail(&c->err, ERR_CAP_UNMAPPED,
                          "/alert/info: an %s without <info> names no event", msg->msg_type);
    return proto_fail(&c->err, ERR_CAP_UNMAPPED,
                      "/alert/info/event: no <eventCode> or <event> of the message (\"%.100s\") "
                      "is mapped by the cap section of plan %s%s",
                      cap_info_str(msg->alert, "event"), p ? p->id : "?",
                      p && p->cap.nareas ? " in an area it covers" : "");
}

/* The plan an Alert stands up: the one named, or the one loaded plan
 * whose cap section accepts the sender and maps the event.  0, or -1. */
static int alert_plan(struct cmd_ctx *c, struct cap_msg *msg)
{
    const char *want = NULL;
    if (proto_arg_str(c->args, "plan", false, 40, &want, &c->err))
        return -1;
    const struct planset *ps = c->m->plans;
    const struct plan *seen = NULL;
    int seen_level = -1;
    for (size_t i = 0; ps && i < ps->count; i++) {
        const struct plan *p = ps->plans[i];
        if ((want && strcmp(p->id, want)) || !in_list(p->cap.senders, p->cap.nsenders, msg->sender))
            continue;
        struct cap_msg probe = *msg;
        int level = plan_match(p, &probe);
        if (level > 0 && msg->plan)
            return proto_fail(&c->err, ERR_CONFLICT,
                              "/alert/info/event: plans %s and %s both map it: name the plan",
                              msg->plan->id, p->id);
        if (level > 0) {
            *msg = probe;
            msg->plan = p;
            msg->level = level;
        } else if (!seen || level > seen_level) {
            seen = p;
            seen_level = level;
            msg->info = probe.info;
            msg->urgency_none = probe.urgency_none;
            memcpy(msg->code, probe.code, sizeof(msg->code));
        }
    }
    if (msg->plan)
        return 0;
    if (want && !(ps && planset_find(ps, want)))
        return proto_fail(&c->err, ERR_NOT_FOUND, "no plan \"%s\" is loaded", want);
    if (!seen)
        return proto_fail(&c->err, ERR_CAP_UNMAPPED,
                          "/alert/sender: no loaded plan's cap section accepts CAP from \"%.200s\"",
                          msg->sender);
    return unmapped(c, msg, seen, seen_level);
}

/* The message is signed as plan asks of its sender (nothing asked: 0).
 * 0, or -1 with c->err BAD_SIGNATURE naming the element. */
static int cap_signed(struct cmd_ctx *c, const struct cap_msg *msg, const struct plan *plan)
{
    const char *pem = plan_cap_certificate(&plan->cap, msg->sender);
    if (!pem)
        return 0;
    json_t *x = json_object_get(c->args, "xml");
    char err[512];
    if (cap_sig_verify(json_string_value(x), json_string_length(x), pem, (time_t)(c->now / 1000),
                       err, sizeof(err)) == 0)
        return 0;
    return proto_fail(&c->err, ERR_BAD_SIGNATURE, "%.200s; plan %s names the certificate of %s",
                      err, plan->id, msg->sender);
}

/* Run the command name with args in place of the request's: what it
 * returns, with c->result its result. */
static int run_as(struct cmd_ctx *c, const char *name, json_t *args)
{
    const struct command *cmd = dispatch_find(name);
    json_t *mine = c->args;
    c->args = args;
    int rc = cmd ? cmd->fn(c) : proto_fail(&c->err, ERR_INTERNAL, "no command %s", name);
    c->args = mine;
    json_decref(args);
    return rc;
}

static int cap_record(struct cmd_ctx *c, const struct cap_msg *msg, int64_t incident_id,
                      const char *action)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_RECORD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, msg->sender, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, msg->identifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, msg->sent, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, msg->msg_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, msg->status, -1, SQLITE_STATIC);
    if (incident_id)
        sqlite3_bind_int64(s, 6, incident_id);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_text(s, 7, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, c->now);
    sqlite3_bind_text(s, 9, c->actor, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

/* c->result gains what the message was and what it did; the row is
 * stored.  0, or -1 with c->err. */
static int cap_done(struct cmd_ctx *c, const struct cap_msg *msg, int64_t incident_id,
                    const char *action)
{
    int rc = cap_record(c, msg, incident_id, action);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (!c->result)
        c->result = json_object();
    json_object_set_new(c->result, "cap",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "identifier", msg->identifier,
                                  "sender", msg->sender, "msgType", msg->msg_type, "status",
                                  msg->status, "action", action, "event_code",
                                  *msg->code ? msg->code : NULL));
    snprintf(c->detail, sizeof(c->detail), "{\"cap\":\"%s\",\"action\":\"%s\"}", msg->msg_type,
             action);
    return 0;
}

static int cap_alert(struct cmd_ctx *c, struct cap_msg *msg)
{
    if (alert_plan(c, msg) != 0 || cap_signed(c, msg, msg->plan) != 0)
        return -1;
    char operation[65], note[600];
    snprintf(operation, sizeof(operation), "CAP %.60s", msg->identifier);
    proto_utf8_repair(operation); /* a cut in a character: jansson refuses it */
    const char *headline = cap_info_str(msg->alert, "headline");
    snprintf(note, sizeof(note), "CAP %s %.200s from %.200s%s%.150s", msg->msg_type,
             msg->identifier, msg->sender, headline ? ": " : "", headline ? headline : "");
    proto_utf8_repair(note);
    json_t *args =
        json_pack("{s:s, s:i, s:b, s:s, s:s}", "plan", msg->plan->id, "level", msg->level,
                  "exercise", msg->exercise, "operation", operation, "note", note);
    if (run_as(c, "incident.standup", args) != 0)
        return -1;
    struct incident inc;
    const char *ref = json_string_value(json_object_get(c->result, "ref"));
    int rc = incident_find(c->m->store, ref, &inc);
    if (rc <= 0)
        return dispatch_storage_fail(c, rc ? rc : -ENOENT);
    return cap_done(c, msg, inc.id, "standup");
}

/* The incident an Update or Cancel refers to (<references>: "sender,
 * identifier,sent" entries), active and of the message's mode: 0 with
 * *inc, the sender of the message found in by (cut to bylen) and *own
 * whether that is the message's own sender, or -1 with c->err. */
static int referenced_incident(struct cmd_ctx *c, const struct cap_msg *msg, struct incident *inc,
                               char *by, size_t bylen, bool *own)
{
    const char *refs = json_string_value(json_object_get(msg->alert, "references"));
    if (!refs)
        return proto_fail(&c->err, ERR_BAD_CAP,
                          "/alert/references: an %s must name the message it %s", msg->msg_type,
                          strcmp(msg->msg_type, "Cancel") ? "updates" : "cancels");
    char *copy = strdup(refs), *save = NULL;
    int64_t id = 0;
    int rc = copy ? 0 : -ENOMEM;
    for (char *t = copy ? strtok_r(copy, " \t\r\n", &save) : NULL; t && !id && rc >= 0;
         t = strtok_r(NULL, " \t\r\n", &save)) {
        char *comma = strchr(t, ','), *end = comma ? strchr(comma + 1, ',') : NULL;
        if (!end)
            continue;
        *comma = *end = '\0';
        sqlite3_stmt *s = store_stmt(c->m->store, SQL_REFERENCED);
        if (!s) {
            rc = -EINVAL;
            break;
        }
        sqlite3_bind_text(s, 1, t, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, comma + 1, -1, SQLITE_TRANSIENT);
        if ((rc = store_step(s)) > 0) {
            id = sqlite3_column_int64(s, 0);
            snprintf(by, bylen, "%s", t);
            *own = !strcmp(t, msg->sender); /* compared whole: by may be cut */
        }
        sqlite3_reset(s);
    }
    free(copy);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (!id)
        return proto_fail(&c->err, ERR_NOT_FOUND,
                          "/alert/references: no incident was stood up by the messages it names");
    if ((rc = incident_get(c->m->store, id, inc)) <= 0)
        return dispatch_storage_fail(c, rc ? rc : -ENOENT);
    if (inc->exercise != msg->exercise)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "/alert/status: \"%s\" cannot change %s incident %s", msg->status,
                          inc->exercise ? "exercise" : "live", inc->ref);
    if (!inc->active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", inc->ref);
    return 0;
}

/* referenced_incident, and *plan its frozen plan in force, whose cap
 * section accepts the sender, which is the sender of the message it
 * references (another sender of the plan, one without a certificate say,
 * cannot change an incident a signed sender stood up), and which is
 * signed as that plan asks. */
static int referenced(struct cmd_ctx *c, const struct cap_msg *msg, struct incident *inc,
                      const struct plan **plan)
{
    char by[256] = "";
    bool own = false;
    if (referenced_incident(c, msg, inc, by, sizeof(by), &own) != 0)
        return -1;
    if (!(*plan = frozen_plan(c->m, inc->id)))
        return dispatch_storage_fail(c, -EIO);
    if (!in_list((*plan)->cap.senders, (*plan)->cap.nsenders, msg->sender))
        return proto_fail(&c->err, ERR_CAP_UNMAPPED,
                          "/alert/sender: the plan of incident %s does not accept CAP from "
                          "\"%.200s\"",
                          inc->ref, msg->sender);
    if (!own)
        return proto_fail(&c->err, ERR_FORBIDDEN,
                          "/alert/references: the message it names came from \"%.200s\"; only "
                          "that sender may update or cancel incident %s",
                          by, inc->ref);
    return cap_signed(c, msg, *plan);
}

/* An Update raises the level; a lower or equal one is recorded, never
 * followed silently: Gold lowers a level by hand (docs/interop.md). */
static int cap_update(struct cmd_ctx *c, struct cap_msg *msg)
{
    struct incident inc;
    const struct plan *plan = NULL;
    if (referenced(c, msg, &inc, &plan) != 0)
        return -1;
    int level = plan_match(plan, msg);
    if (level <= 0)
        return unmapped(c, msg, plan, level);
    if (level <= inc.level) {
        c->result = json_pack("{s:s, s:i, s:i}", "ref", inc.ref, "level", inc.level,
                              "requested_level", level);
        snprintf(c->target, sizeof(c->target), "%s", inc.ref);
        int rc = outbox_event(c->m, c->outbox, inc.id, inc.ref, "incident.cap_kept",
                              json_pack("{s:s, s:s, s:i, s:i, s:s}", "ref", inc.ref, "identifier",
                                        msg->identifier, "level", inc.level, "requested_level",
                                        level, "by", c->actor),
                              c->now);
        return rc ? dispatch_storage_fail(c, rc) : cap_done(c, msg, inc.id, "level_kept");
    }
    if (run_as(c, "incident.level", json_pack("{s:s, s:i}", "ref", inc.ref, "level", level)) != 0)
        return -1;
    return cap_done(c, msg, inc.id, "level_raised");
}

static int cap_cancel(struct cmd_ctx *c, struct cap_msg *msg)
{
    struct incident inc;
    const struct plan *plan = NULL;
    if (referenced(c, msg, &inc, &plan) != 0)
        return -1;
    if (plan->cap.cancel == PLAN_CAP_REFUSE)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "/alert/msgType: plan %s does not let a CAP Cancel stand incident %s "
                          "down (cap: cancel: refuse): Gold stands it down",
                          plan->id, inc.ref);
    char note[300];
    snprintf(note, sizeof(note), "CAP Cancel %.250s", msg->identifier);
    proto_utf8_repair(note);
    if (run_as(c, "incident.standdown", json_pack("{s:s, s:s}", "ref", inc.ref, "note", note)) != 0)
        return -1;
    return cap_done(c, msg, inc.id, "standdown");
}

static int cmd_cap(struct cmd_ctx *c)
{
    struct cap_msg msg = {0};
    int rc = cap_load(c, &msg);
    if (rc == 0)
        rc = cap_actionable(c, &msg);
    if (rc == 0)
        rc = cap_fresh(c, &msg);
    if (rc == 0)
        rc = !strcmp(msg.msg_type, "Alert")    ? cap_alert(c, &msg)
             : !strcmp(msg.msg_type, "Update") ? cap_update(c, &msg)
                                               : cap_cancel(c, &msg);
    json_decref(msg.alert);
    return rc;
}

static const char *const cap_args[] = {"xml", "plan", NULL};

const struct command cap_commands[] = {
    {.name = "incident.cap", .fn = cmd_cap, .args = cap_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
