/*
 * daemon/sitrep.c - the EDXL-SitRep 1.0 of an incident (sitrep.h).
 *
 * Every count is read from the board snapshot (board_snapshot), the same
 * keys status.show sends and the duty managers' board shows, so a SitRep
 * and the board taken at one moment agree by construction.  Where the
 * standard has a fixed list (casualty categories) muster's own names map
 * onto it as docs/interop.md documents.  Planned actions are counts too
 * ("Verify 3 self-registrations"): never a person, never a contact.
 */
#include "sitrep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "edxl_sitrep.h"
#include "frozen.h"
#include "log.h"
#include "plan.h"
#include "server.h"
#include "xml.h"

/* ms since the epoch as xs:dateTime in UTC ("2026-11-23T09:00:00Z"). */
static json_t *iso_time(int64_t ms)
{
    char buf[32];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static json_int_t count(json_t *board, const char *key)
{
    return json_integer_value(json_object_get(board, key));
}

static json_t *uint_text(json_int_t n)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)(n < 0 ? 0 : n));
    return json_string(buf);
}

/* A role, not a person: who prepares and authorizes every SitRep. */
static json_t *person_time(const struct plan *plan, int64_t at)
{
    json_t *pd = json_pack("{s:s}", "PersonName", "Gold Command");
    if (plan && plan->hub.name)
        json_object_set_new(pd, "OrganisationName", json_string(plan->hub.name));
    return json_pack("{s:o, s:o}", "PersonDetails", pd, "TimeValue", iso_time(at));
}

/* ---- the situation ---- */

/* Activated agencies by the state of their activation page. */
static void agency_counts(json_t *board, int *all, int *acked, int *unreachable)
{
    const char *key;
    json_t *v;
    *all = *acked = *unreachable = 0;
    json_object_foreach(board, key, v)
    {
        if (strncmp(key, "agency/", 7))
            continue;
        const char *state = json_string_value(json_object_get(v, "state"));
        ++*all;
        *acked += state && !strcmp(state, "acknowledged");
        *unreachable += state && !strcmp(state, "unreachable");
    }
}

static const char *status_of(const char *state)
{
    return !strcmp(state, "active") ? "Active" : !strcmp(state, "closed") ? "Closed" : "Recovery";
}

static json_t *situation(json_t *board, json_t *inc)
{
    int all, acked, unreachable;
    agency_counts(board, &all, &acked, &unreachable);
    const char *state = json_string_value(json_object_get(inc, "state"));
    const char *lname = json_string_value(json_object_get(inc, "level_name"));
    bool exercise = json_is_true(json_object_get(inc, "exercise"));
    char summary[512];
    snprintf(summary, sizeof(summary),
             "%s%s, level %lld%s%s%s: %lld affected persons registered; %d of %d partner"
             " agencies acknowledged, %d unreachable; %lld open alarms.",
             exercise ? "EXERCISE " : "", json_string_value(json_object_get(inc, "ref")),
             (long long)json_integer_value(json_object_get(inc, "level")), lname ? " (" : "",
             lname ? lname : "", lname ? ")" : "", (long long)count(board, "persons"), acked, all,
             unreachable, (long long)count(board, "alarms"));
    json_t *s = json_pack("{s:s, s:o}", "IncidentName",
                          json_string_value(json_object_get(inc, "operation")), "IncidentLevel",
                          uint_text(json_integer_value(json_object_get(inc, "level"))));
    if (lname)
        json_object_set_new(s, "IncidentLevelName", json_string(lname));
    json_object_set_new(s, "IncidentStatus", json_string(status_of(state)));
    json_object_set_new(s, "Exercise", json_string(exercise ? "true" : "false"));
    json_object_set_new(s, "StandUpDateTime",
                        iso_time(json_integer_value(json_object_get(inc, "created_at"))));
    json_t *down = json_object_get(inc, "stood_down_at"),
           *closed = json_object_get(inc, "closed_at");
    if (json_is_integer(down))
        json_object_set_new(s, "StandDownDateTime", iso_time(json_integer_value(down)));
    if (json_is_integer(closed))
        json_object_set_new(s, "ClosedDateTime", iso_time(json_integer_value(closed)));
    json_object_set_new(s, "AgenciesActivated", uint_text(all));
    json_object_set_new(s, "AgenciesAcknowledged", uint_text(acked));
    json_object_set_new(s, "AgenciesUnreachable", uint_text(unreachable));
    json_object_set_new(s, "Summary", json_string(summary));
    return s;
}

/* ---- affected persons ---- */

/* muster's categories (plan-format.md) and the standard's they map to. */
static const struct {
    const char *muster, *standard, *description;
} categories[] = {
    {"injured", "Injured", "injured"},   {"survivor", "Other", "survivor (uninjured)"},
    {"witness", "Other", "witness"},     {"bereaved", "Other", "bereaved family member"},
    {"responder", "Other", "responder"}, {"other", "Other", "other affected person"},
};

static json_t *casualties(json_t *board)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "category/%s", categories[i].muster);
        json_array_append_new(rows, json_pack("{s:s, s:s, s:o}", "Category", categories[i].standard,
                                              "Description", categories[i].description, "Count",
                                              uint_text(count(board, key))));
    }
    return json_pack("{s:s, s:o, s:o}", "ReportingPeriod", "TotalToDate", "TotalCount",
                     uint_text(count(board, "persons")), "CasualtyAndIllnessCount", rows);
}

/* ---- staff ---- */

/* Per role over every shift: asked for, pledged, accepted, arrived and
 * short (each shift's shortfall added up: a surplus in one shift does
 * not staff another). */
struct role_total {
    json_int_t required, pledged, accepted, arrived, shortfall;
};

static void role_add(json_t *board, const char *role, struct role_total *t)
{
    const char *key;
    json_t *v;
    memset(t, 0, sizeof(*t));
    json_object_foreach(board, key, v)
    {
        const char *slash = strncmp(key, "cell/", 5) ? NULL : strchr(key + 5, '/');
        if (!slash || strcmp(slash + 1, role))
            continue;
        json_int_t req = count(v, "required"), pl = count(v, "pledged");
        t->required += req;
        t->pledged += pl;
        t->accepted += count(v, "accepted");
        t->arrived += count(v, "arrived");
        t->shortfall += req > pl ? req - pl : 0;
    }
}

static json_t *resources(json_t *board, const struct plan *plan)
{
    json_t *rows = json_array();
    for (size_t i = 0; plan && i < plan->staffing.nroles; i++) {
        const struct plan_role *r = &plan->staffing.roles[i];
        struct role_total t;
        role_add(board, r->id, &t);
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "ResourceType", r->id,
                            "Description", r->name, "Requested", uint_text(t.required), "Committed",
                            uint_text(t.pledged), "Accepted", uint_text(t.accepted), "OnScene",
                            uint_text(t.arrived), "Short", uint_text(t.shortfall)));
    }
    if (json_array_size(rows) == 0) { /* an empty element reads back as "" */
        json_decref(rows);
        return json_string("");
    }
    return json_pack("{s:o}", "ResourceTotal", rows);
}

/* ---- what is outstanding ---- */

/* "before N after" when n is not 0. */
static void action(json_t *list, json_int_t n, const char *before, const char *after)
{
    char buf[256];
    if (n <= 0)
        return;
    snprintf(buf, sizeof(buf), "%s %lld %s", before, (long long)n, after);
    json_array_append_new(list, json_string(buf));
}

/* Open alarms by kind, in the order first raised. */
static void alarm_actions(json_t *board, json_t *list)
{
    json_t *kinds = json_object(), *v;
    const char *key;
    json_object_foreach(board, key, v)
    {
        const char *kind =
            strncmp(key, "alarm/", 6) ? NULL : json_string_value(json_object_get(v, "kind"));
        if (kind)
            json_object_set_new(kinds, kind,
                                json_integer(json_integer_value(json_object_get(kinds, kind)) + 1));
    }
    json_object_foreach(kinds, key, v)
    {
        char after[120];
        snprintf(after, sizeof(after), "open %.60s alarm(s)", key);
        action(list, json_integer_value(v), "Clear or resolve", after);
    }
    json_decref(kinds);
}

static json_t *planned(json_t *board, json_t *inc, const struct plan *plan)
{
    json_t *list = json_array();
    const char *state = json_string_value(json_object_get(inc, "state"));
    int all, acked, unreachable;
    agency_counts(board, &all, &acked, &unreachable);
    alarm_actions(board, list);
    if (!strcmp(state, "active")) {
        action(list, all - acked - unreachable, "Keep paging",
               "partner agency(ies) until they acknowledge");
        for (size_t i = 0; plan && i < plan->staffing.nroles; i++) {
            struct role_total t;
            char after[200];
            role_add(board, plan->staffing.roles[i].id, &t);
            snprintf(after, sizeof(after), "short place(s) for %.120s",
                     plan->staffing.roles[i].name);
            action(list, t.shortfall, "Fill", after);
        }
    }
    json_t *sr = json_object_get(board, "selfreg/unverified");
    action(list, json_integer_value(json_object_get(sr, "count")), "Verify",
           "self-registration(s)");
    action(list, count(board, "urgent"), "Keep", "person(s) with an urgent risk under review");
    action(list, count(board, "referrals/open"), "Work", "open referral(s)");
    action(list, count(board, "rescreen/overdue"), "Re-screen", "person(s) now overdue");
    action(list, count(board, "rescreen/due"), "Re-screen", "person(s) due");
    action(list, count(board, "breaches"), "Review", "Victims' Code breach(es) so far");
    if (json_array_size(list) == 0)
        json_array_append_new(list,
                              json_string(!strcmp(state, "closed") ? "None: the incident is closed"
                                                                   : "None outstanding"));
    return json_pack("{s:o}", "PlannedAction", list);
}

/* ---- the message ---- */

static json_t *header(json_t *inc, const struct plan *plan, const struct sitrep_stamp *st,
                      int64_t now)
{
    const char *ref = json_string_value(json_object_get(inc, "ref"));
    const char *state = json_string_value(json_object_get(inc, "state"));
    bool exercise = json_is_true(json_object_get(inc, "exercise"));
    char id[96], purpose[256], title[256];
    snprintf(id, sizeof(id), "%s-sitrep-%d-%lld", ref, st->number, (long long)now);
    snprintf(purpose, sizeof(purpose),
             "%sVictim and witness support status for Gold Command and partner agencies",
             exercise ? "EXERCISE: " : "");
    snprintf(title, sizeof(title), "%s%.160s: situation report %d", exercise ? "EXERCISE " : "",
             json_string_value(json_object_get(inc, "operation")), st->number);
    json_t *period = json_pack("{s:o}", "FromDateTime", iso_time(st->from));
    if (st->to)
        json_object_set_new(period, "ToDateTime", iso_time(st->to));
    json_t *h = json_pack(
        "{s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:s, s:[s], s:[s]}", "MessageID", id, "PreparedBy",
        person_time(plan, now), "AuthorizedBy", person_time(plan, now), "ReportPurpose", purpose,
        "ReportNumber", uint_text(st->number), "ReportVersion",
        !strcmp(state, "closed") ? "Final"
        : st->number == 1        ? "Initial"
                                 : "Update",
        "ForTimePeriod", period, "ReportTitle", title, "IncidentID", ref, "IncidentLifecyclePhase",
        !strcmp(state, "active")   ? "Response"
        : !strcmp(state, "closed") ? "Closed"
                                   : "Recovery");
    json_object_set_new(h, "ReportConfidence", json_string("HighlyConfident"));
    if (st->next)
        json_object_set_new(h, "NextContact", iso_time(st->next));
    return h;
}

json_t *sitrep_json(json_t *board, const struct plan *plan, const struct sitrep_stamp *st,
                    int64_t now)
{
    json_t *inc = json_object_get(board, "incident");
    json_t *s = header(inc, plan, st, now);
    json_object_set_new(s, "ManagementReportingSummary",
                        json_pack("{s:o, s:o, s:o, s:o}", "SituationSummary", situation(board, inc),
                                  "CasualtyAndIllnessSummary", casualties(board),
                                  "ResponseResourcesTotals", resources(board, plan),
                                  "PlannedActions", planned(board, inc, plan)));
    return s;
}

int sitrep_build(struct muster *m, int64_t id, const struct sitrep_stamp *st, json_t **out)
{
    json_t *board = NULL;
    *out = NULL;
    int rc = board_snapshot(m, id, &board);
    if (rc == 0 && !json_is_object(json_object_get(board, "incident")))
        rc = -ENOENT;
    if (rc == 0)
        *out = sitrep_json(board, frozen_plan(m, id), st, server_now(m));
    json_decref(board);
    return rc < 0 ? rc : rc > 0 ? -ENOENT : 0;
}

struct xml_schema *sitrep_schema_open(char *err, size_t errlen)
{
    const struct xml_xsd docs[] = {
        {"edxl-sitrep-1.0.xsd", sitrep_xsd, sitrep_xsd_len},
        {"edxl-ct-1.0-sitrep.xsd", sitrep_ct_xsd, sitrep_ct_xsd_len},
    };
    return xml_schema_open_set(docs, 2, err, errlen);
}

int sitrep_document(struct muster *m, int64_t id, const struct sitrep_stamp *st, char **xml)
{
    json_t *s = NULL;
    char err[512];
    *xml = NULL;
    int rc = sitrep_build(m, id, st, &s);
    if (rc != 0)
        return rc;
    size_t len = 0;
    char *text = sitrep_write(s, &len);
    json_decref(s);
    if (!text)
        return -ENOMEM;
    if (!m->sitrep_schema && !(m->sitrep_schema = sitrep_schema_open(err, sizeof(err)))) {
        log_error("sitrep: the EDXL-SitRep schema: %s", err);
        free(text);
        return -EPROTO;
    }
    xmlDocPtr doc = NULL;
    rc = xml_parse(text, len, &doc, err, sizeof(err));
    if (rc == 0)
        rc = xml_validate(m->sitrep_schema, doc, err, sizeof(err));
    xmlFreeDoc(doc);
    if (rc != 0) {
        log_error("sitrep: the SitRep written is not valid: %s", err);
        free(text);
        return -EPROTO;
    }
    *xml = text;
    return 0;
}
