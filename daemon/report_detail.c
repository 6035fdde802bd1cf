/*
 * daemon/report_detail.c - the parts of the stand-down report (report.h)
 * that take more than one list read by one query: the agencies' names from
 * the frozen plan beside their ids, the channel attempts of every agency
 * that ended unreachable or acknowledged late, the named people who acted,
 * how urgent screenings were handled, Victims' Code compliance per
 * entitlement, and the signed head of the audit chain.  Reads only; no
 * affected person is named (ids and counts, as the rest of the report).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frozen.h"
#include "plan.h"
#include "report.h"
#include "server.h"
#include "store.h"
#include "workdays.h"

/* ---- agency names ---- */

static json_t *agency_name(const struct plan *p, const char *id)
{
    const struct plan_agency *a = p && id ? plan_ladder_find(p, id) : NULL;
    return a && a->name ? json_string(a->name) : json_null();
}

/* Every object of list with an "agency" gets "agency_name" beside it. */
static void name_rows(const struct plan *p, json_t *list)
{
    json_t *row;
    size_t i;
    json_array_foreach(list, i, row)
    {
        json_t *id = json_object_get(row, "agency");
        if (json_is_string(id))
            json_object_set_new(row, "agency_name", agency_name(p, json_string_value(id)));
    }
}

static void name_agencies(const struct plan *p, json_t *r)
{
    json_t *e;
    size_t i;
    name_rows(p, json_object_get(r, "agencies"));
    name_rows(p, json_object_get(r, "alarms"));
    name_rows(p, json_object_get(r, "channels"));
    name_rows(p, json_object_get(r, "actions"));
    json_array_foreach(json_object_get(r, "timeline"), i, e)
    {
        json_t *d = json_object_get(e, "data");
        json_t *id = json_object_get(d, "agency");
        if (json_is_string(id))
            json_object_set_new(d, "agency_name", agency_name(p, json_string_value(id)));
    }
}

/* ---- channel attempts of agencies unreachable or late ---- */

/* An agency acknowledged late: after it was declared unreachable, after a
 * re-page, or after a delivery to it failed. */
static const char SQL_CHANNELS[] =
    "SELECT p.agency_id, p.state, a.step, a.attempt, a.channel, a.contact, a.state, a.detail,"
    " a.created_at, a.finished_at FROM attempts a JOIN pages p ON p.id = a.page_id"
    " WHERE p.incident_id = ?1 AND p.kind = 'page' AND p.ask_id IS NULL AND (p.state ="
    " 'unreachable' OR p.unreachable_at IS NOT NULL OR p.repages > 0 OR EXISTS (SELECT 1"
    " FROM attempts f WHERE f.page_id = p.id AND f.state = 'failed')) ORDER BY p.id, a.id";

static json_t *channel_row(sqlite3_stmt *s)
{
    json_t *r =
        json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:o, s:I}", "agency", store_col_text(s, 0),
                  "agency_state", store_col_text(s, 1), "step", sqlite3_column_int(s, 2) + 1,
                  "attempt", sqlite3_column_int(s, 3), "channel", store_col_text(s, 4), "contact",
                  store_col_text(s, 5), "state", store_col_text(s, 6), "detail",
                  store_col_opt_text(s, 7), "sent_at", (json_int_t)sqlite3_column_int64(s, 8));
    json_object_set_new(r, "finished_at", store_col_opt_int(s, 9));
    return r;
}

/* ---- named people ---- */

/* Who did what, as the system recorded them ("principal (person)"). */
static const char SQL_ACTIONS[] =
    "SELECT created_at, 'stood up', created_by, NULL FROM incidents WHERE id = ?1"
    " UNION ALL SELECT at, 'changed level to ' || json_extract(body, '$.level'),"
    " json_extract(body, '$.by'), NULL FROM events WHERE incident_id = ?1"
    " AND kind = 'incident.level'"
    " UNION ALL SELECT created_at, 'amended the plan', created_by, NULL FROM plan_versions"
    " WHERE incident_id = ?1 AND version > 1"
    " UNION ALL SELECT acked_at, 'acknowledged the activation page', acked_by, agency_id"
    " FROM pages WHERE incident_id = ?1 AND kind = 'page' AND ask_id IS NULL"
    " AND acked_at IS NOT NULL AND COALESCE(ack_via, '') <> 'delivered'"
    " UNION ALL SELECT acked_at, 'acknowledged an urgent referral', acked_by, agency_id"
    " FROM pages WHERE incident_id = ?1 AND kind IN ('referral', 'promotion')"
    " AND ack_due_at IS NOT NULL AND acked_at IS NOT NULL"
    /* every move of a pledge, from its staffing.pledge events (a pledge's
     * row keeps only its latest) */
    " UNION ALL SELECT at, 'pledge ' || json_extract(body, '$.id') || ' '"
    " || json_extract(body, '$.state'), json_extract(body, '$.by'), json_extract(body, '$.agency')"
    " FROM events WHERE incident_id = ?1 AND kind = 'staffing.pledge'"
    " AND json_extract(body, '$.state') IN ('accepted', 'declined', 'arrived', 'withdrawn')"
    " UNION ALL SELECT ended_at, 'cleared alarm ' || id || ' (' || kind || ')', ended_by,"
    " agency_id FROM alarms WHERE incident_id = ?1 AND state = 'cleared'"
    " UNION ALL SELECT stood_down_at, 'stood down', stood_down_by, NULL FROM incidents"
    " WHERE id = ?1 AND stood_down_at IS NOT NULL"
    " UNION ALL SELECT closed_at, 'closed', closed_by, NULL FROM incidents WHERE id = ?1"
    " AND closed_at IS NOT NULL AND closed_by IS NOT NULL ORDER BY 1, 2";

static json_t *action_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s, s:o, s:o}", "at", (json_int_t)sqlite3_column_int64(s, 0), "action",
                     store_col_text(s, 1), "by", store_col_opt_text(s, 2), "agency",
                     store_col_opt_text(s, 3));
}

/* ---- urgent screenings ---- */

static const char SQL_URGENT_SCREENS[] =
    "SELECT COUNT(*), COUNT(DISTINCT s.person_id) FROM screenings s JOIN persons p"
    " ON p.id = s.person_id WHERE p.incident_id = ?1 AND s.urgent = 1";
static const char SQL_URGENT_ACKS[] =
    "SELECT p.acked_at - p.started_at FROM pages p JOIN referrals r ON r.id = p.ref_id"
    " WHERE p.incident_id = ?1 AND p.kind IN ('referral', 'promotion')"
    " AND p.ack_due_at IS NOT NULL AND r.handoff = 0 AND p.acked_at IS NOT NULL ORDER BY 1";
static const char SQL_URGENT_ROUTES[] =
    "SELECT r.pathway, r.reason FROM referrals r JOIN persons p ON p.id = r.person_id"
    " WHERE r.incident_id = ?1 AND p.urgent = 1 AND r.handoff = 0";
static const char SQL_URGENT_ALARMS[] =
    "SELECT COUNT(*), COALESCE(SUM(kind = 'urgent_held'), 0), COALESCE(SUM(state = 'open'), 0),"
    " COALESCE(SUM(state = 'cleared'), 0), COALESCE(SUM(state = 'resolved'), 0),"
    " (SELECT COUNT(*) FROM referrals WHERE incident_id = ?1 AND state = 'held_urgent')"
    " FROM alarms WHERE incident_id = ?1 AND kind IN ('referral_unacknowledged', 'urgent_held')";

static json_t *two_ints(sqlite3_stmt *s)
{
    return json_pack("[I, I]", (json_int_t)sqlite3_column_int64(s, 0),
                     (json_int_t)sqlite3_column_int64(s, 1));
}

static json_t *alarm_counts(sqlite3_stmt *s)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "alarms_raised", sqlite3_column_int(s, 0),
                     "held", sqlite3_column_int(s, 1), "alarms_open", sqlite3_column_int(s, 2),
                     "alarms_cleared", sqlite3_column_int(s, 3), "alarms_resolved",
                     sqlite3_column_int(s, 4), "held_now", sqlite3_column_int(s, 5));
}

/* The median of the sorted durations (ms) in minutes, or null. */
static json_t *median_minutes(json_t *ms)
{
    size_t n = json_array_size(ms);
    if (n == 0)
        return json_null();
    double a = (double)json_integer_value(json_array_get(ms, (n - 1) / 2));
    double b = (double)json_integer_value(json_array_get(ms, n / 2));
    return json_real((a + b) / 2 / 60000.0);
}

/* Urgent referrals that went to an overflow pathway: not the pathway of
 * the rule that routed them ("rule N"). */
static int overflowed(const struct plan *p, json_t *routes)
{
    json_t *x;
    size_t i;
    int n = 0;
    json_array_foreach(routes, i, x)
    {
        const char *pw = json_string_value(json_object_get(x, "pathway"));
        const char *why = json_string_value(json_object_get(x, "reason"));
        int rule = 0;
        if (!p || !pw || !why || sscanf(why, "rule %d", &rule) != 1 || rule < 1 ||
            (size_t)rule > p->persons.nrules)
            continue;
        n += strcmp(p->persons.rules[rule - 1].pathway, pw) != 0;
    }
    return n;
}

static json_t *route_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:o}", "pathway", store_col_text(s, 0), "reason",
                     store_col_opt_text(s, 1));
}

/* How urgent screenings were handled: into sg (the report's safeguarding). */
static int urgent_handling(struct muster *m, const struct plan *p, int64_t id, json_t *sg)
{
    json_t *screens = NULL, *acks = NULL, *routes = NULL, *alarms = NULL;
    int rc = store_rows(m->store, SQL_URGENT_SCREENS, id, two_ints, &screens);
    if (rc == 0)
        rc = store_rows(m->store, SQL_URGENT_ACKS, id, store_row_int, &acks);
    if (rc == 0)
        rc = store_rows(m->store, SQL_URGENT_ROUTES, id, route_row, &routes);
    if (rc == 0)
        rc = store_rows(m->store, SQL_URGENT_ALARMS, id, alarm_counts, &alarms);
    if (rc == 0) {
        json_t *u = json_deep_copy(json_array_get(alarms, 0));
        json_t *sc = json_array_get(screens, 0),
               *last = json_array_get(acks, json_array_size(acks) - 1);
        json_t *sent = json_object_get(sg, "urgent_referrals");
        json_object_set(u, "sent", json_object_get(sent, "sent"));
        json_object_set(u, "acknowledged", json_object_get(sent, "acknowledged"));
        json_object_set(u, "acknowledged_late", json_object_get(sent, "acknowledged_late"));
        json_object_set_new(u, "screenings", json_incref(json_array_get(sc, 0)));
        json_object_set_new(u, "persons", json_incref(json_array_get(sc, 1)));
        json_object_set_new(u, "overflow", json_integer(overflowed(p, routes)));
        json_object_set_new(u, "median_minutes_to_ack", median_minutes(acks));
        json_object_set_new(u, "max_minutes_to_ack",
                            last ? json_real((double)json_integer_value(last) / 60000.0)
                                 : json_null());
        json_object_set_new(sg, "urgent_screenings", u);
    }
    json_decref(screens);
    json_decref(acks);
    json_decref(routes);
    json_decref(alarms);
    return rc;
}

/* ---- Victims' Code compliance ---- */

/* The Code of Practice for Victims of Crime in England and Wales (2020),
 * right 4: a victim entitled to enhanced rights is referred to support
 * within 2 working days, any other within 5.  Enhanced here: bereaved,
 * injured (a victim of the most serious crime), a child (under 18, by age
 * band or the child vulnerability) or disabled.  docs/protocol.md. */
enum { VC_ENHANCED_DAYS = 2, VC_STANDARD_DAYS = 5 };

static const char SQL_VC[] =
    "SELECT category, vulnerabilities, COALESCE(age_band, ''), consent, registered_at,"
    " referred_at FROM persons WHERE incident_id = ?1 AND merged_into IS NULL";

static json_t *vc_row(sqlite3_stmt *s)
{
    const char *cat = store_col_text(s, 0), *band = store_col_text(s, 2);
    int v = sqlite3_column_int(s, 1);
    bool enhanced = !strcmp(cat, "bereaved") || !strcmp(cat, "injured") ||
                    (v & (PLAN_VULN_CHILD | PLAN_VULN_DISABILITY)) || !strcmp(band, "0-4") ||
                    !strcmp(band, "5-11") || !strcmp(band, "12-15") || !strcmp(band, "16-17");
    json_t *r = json_pack("{s:b, s:b, s:I}", "enhanced", enhanced, "refused",
                          !strcmp(store_col_text(s, 3), "refused"), "registered_at",
                          (json_int_t)sqlite3_column_int64(s, 4));
    json_object_set_new(r, "referred_at", store_col_opt_int(s, 5));
    return r;
}

static json_t *vc_entitlement(const char *name, int days, const char *rule)
{
    return json_pack("{s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:i}", "entitlement", name,
                     "working_days", days, "rule", rule, "persons", 0, "met", 0, "missed", 0,
                     "pending", 0, "not_applicable", 0);
}

static void vc_count(json_t *e, const char *key)
{
    json_object_set_new(e, key, json_integer(json_integer_value(json_object_get(e, key)) + 1));
}

/* One person into their entitlement's counts. */
static void vc_person(const struct workdays *w, int64_t now, json_t *x, json_t *e)
{
    int days = (int)json_integer_value(json_object_get(e, "working_days"));
    int64_t due =
        workdays_deadline(w, json_integer_value(json_object_get(x, "registered_at")), days);
    json_t *ref = json_object_get(x, "referred_at");
    vc_count(e, "persons");
    if (json_is_integer(ref))
        vc_count(e, json_integer_value(ref) <= due ? "met" : "missed");
    else if (json_is_true(json_object_get(x, "refused")))
        vc_count(e, "not_applicable");
    else
        vc_count(e, now > due ? "missed" : "pending");
}

static int victims_code(struct muster *m, const struct plan *p, int64_t id, json_t *r)
{
    static const unsigned MON_TO_FRI = 0x3e;
    json_t *rows = NULL, *x;
    size_t i;
    int rc = store_rows(m->store, SQL_VC, id, vc_row, &rows);
    if (rc != 0)
        return rc;
    struct workdays w = {p ? p->persons.working_weekdays : MON_TO_FRI,
                         p ? (const char *const *)p->persons.bank_holidays : NULL,
                         p ? p->persons.nbank_holidays : 0};
    json_t *enh = vc_entitlement("enhanced", VC_ENHANCED_DAYS,
                                 "bereaved, injured, under 18 or disabled: referred to support"
                                 " within 2 working days of registration");
    json_t *std = vc_entitlement("standard", VC_STANDARD_DAYS,
                                 "everyone else: referred to support within 5 working days"
                                 " of registration");
    int64_t now = server_now(m);
    json_array_foreach(rows, i, x)
        vc_person(&w, now, x, json_is_true(json_object_get(x, "enhanced")) ? enh : std);
    json_object_set_new(r, "victims_code", json_pack("[o, o]", enh, std));
    json_decref(rows);
    return 0;
}

/* ---- the signed audit head ---- */

static json_t *audit_head(struct muster *m)
{
    struct store_audit_head h;
    int rc = store_audit_head(m->store, &h);
    if (rc != 0)
        return json_pack("{s:s}", "state", rc == -EBADMSG ? "bad_anchor" : "unanchored");
    return json_pack("{s:s, s:I, s:s, s:I, s:s, s:s}", "state", "signed", "rows",
                     (json_int_t)h.rows, "hash", h.hash, "signed_at", (json_int_t)h.at, "signature",
                     h.sig, "verify", "muster audit verify");
}

int report_detail(struct muster *m, int64_t id, json_t *r)
{
    const struct plan *p = frozen_plan(m, id);
    json_t *channels = NULL, *actions = NULL;
    int rc = store_rows(m->store, SQL_CHANNELS, id, channel_row, &channels);
    if (rc == 0)
        rc = store_rows(m->store, SQL_ACTIONS, id, action_row, &actions);
    json_object_set_new(r, "channels", channels ? channels : json_array());
    json_object_set_new(r, "actions", actions ? actions : json_array());
    if (rc == 0)
        rc = urgent_handling(m, p, id, json_object_get(r, "safeguarding"));
    if (rc == 0)
        rc = victims_code(m, p, id, r);
    if (rc == 0) {
        name_agencies(p, r);
        json_object_set_new(r, "audit_head", audit_head(m));
    }
    return rc;
}
