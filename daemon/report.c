/*
 * daemon/report.c - the stand-down report (see report.h), read from the
 * database.  Its files are report_files.c's: written after the stand-down
 * and the close commit, and again from the purged record after the
 * retention purge commits, so the counts stay and no note survives.  Each
 * file is written under a temporary name, synced and renamed over the old
 * one: a crash leaves the old file or the new one, never half of each.
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "incident.h"
#include "log.h"
#include "server.h"
#include "store.h"

static const char SQL_TIMELINE[] =
    "SELECT at, kind, body FROM events WHERE incident_id = ?1 AND " EVENTS_REPORT_KINDS
    " AND kind <> 'staffing.pledge' AND json_extract(body, '$.ask') IS NULL ORDER BY seq";

static json_t *timeline_row(sqlite3_stmt *s)
{
    json_t *data = json_loads(store_col_text(s, 2), 0, NULL);
    json_t *r = json_pack("{s:I, s:s, s:o}", "at", (json_int_t)sqlite3_column_int64(s, 0), "kind",
                          store_col_text(s, 1), "data", data ? data : json_object());
    return r;
}

static const char SQL_AGENCIES[] =
    "SELECT p.agency_id, p.state, p.started_at, p.acked_at, p.acked_by, p.ack_via,"
    " p.unreachable_at, (SELECT COUNT(*) FROM attempts a WHERE a.page_id = p.id), p.repages"
    " FROM pages p WHERE p.incident_id = ?1 AND p.ask_id IS NULL AND p.kind = 'page' ORDER BY p.id";

static json_t *agency_row(sqlite3_stmt *s)
{
    json_t *r = json_pack(
        "{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:i, s:i}", "agency", store_col_text(s, 0), "state",
        store_col_text(s, 1), "paged_at", (json_int_t)sqlite3_column_int64(s, 2), "acknowledged_at",
        store_col_opt_int(s, 3), "acknowledged_by", store_col_opt_text(s, 4), "via",
        store_col_opt_text(s, 5), "unreachable_at", store_col_opt_int(s, 6), "attempts",
        sqlite3_column_int(s, 7), "repages", sqlite3_column_int(s, 8));
    json_object_set_new(
        r, "seconds_to_acknowledge",
        sqlite3_column_type(s, 3) == SQLITE_NULL
            ? json_null()
            : json_integer((sqlite3_column_int64(s, 3) - sqlite3_column_int64(s, 2)) / 1000));
    return r;
}

static const char SQL_AMENDMENTS[] =
    "SELECT version, plan_version, created_at, created_by, summary FROM plan_versions"
    " WHERE incident_id = ?1 AND version > 1 ORDER BY version";

static json_t *amendment_row(sqlite3_stmt *s)
{
    return json_pack("{s:i, s:s, s:I, s:s, s:s}", "version", sqlite3_column_int(s, 0),
                     "plan_version", store_col_text(s, 1), "at",
                     (json_int_t)sqlite3_column_int64(s, 2), "by", store_col_text(s, 3), "summary",
                     store_col_text(s, 4));
}

static const char SQL_STAFFING[] =
    "SELECT s.key, c.role, c.required, c.pledged, c.accepted, c.arrived FROM coverage c"
    " JOIN shifts s ON s.id = c.shift_id WHERE s.incident_id = ?1 ORDER BY s.starts_at, c.role";

static json_t *staffing_row(sqlite3_stmt *s)
{
    int gap = sqlite3_column_int(s, 2) - sqlite3_column_int(s, 3);
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "shift", store_col_text(s, 0), "role",
                     store_col_text(s, 1), "required", sqlite3_column_int(s, 2), "pledged",
                     sqlite3_column_int(s, 3), "accepted", sqlite3_column_int(s, 4), "arrived",
                     sqlite3_column_int(s, 5), "shortfall", gap > 0 ? gap : 0);
}

static const char SQL_CATEGORIES[] =
    "SELECT category, COUNT(*) FROM persons WHERE incident_id = ?1 AND merged_into IS NULL"
    " GROUP BY category ORDER BY category";
static const char SQL_PATHWAYS[] =
    "SELECT pathway, SUM(state = 'referred'), SUM(state = 'waitlisted'),"
    " SUM(state = 'held_consent'), SUM(state = 'closed') FROM referrals WHERE incident_id = ?1"
    " GROUP BY pathway ORDER BY pathway";
static const char SQL_OUTCOMES[] =
    "SELECT COUNT(*), SUM(referred_at IS NOT NULL), SUM(contact_state = 'contacted'),"
    " SUM(contact_state = 'declined'), SUM(contact_state = 'unable_to_contact'),"
    " SUM(breached_at IS NOT NULL) FROM persons WHERE incident_id = ?1 AND merged_into IS NULL";
static const char SQL_BREACHES[] =
    "SELECT id, referral_due_at, breached_at, referred_at FROM persons WHERE incident_id = ?1"
    " AND breached_at IS NOT NULL ORDER BY id";

static const char SQL_OPEN_REFERRALS[] = "SELECT COUNT(*) FROM referrals WHERE incident_id = ?1"
                                         " AND state IN ('referred', 'waitlisted', 'held_consent',"
                                         " 'held_urgent')";
static const char SQL_RESCREENS[] =
    "SELECT r.instrument, SUM(r.state = 'pending'), SUM(r.state = 'due'),"
    " SUM(r.state = 'overdue'), SUM(r.state = 'done'), SUM(r.state = 'done' AND r.done_at >"
    " r.overdue_at), SUM(r.state = 'cancelled') FROM rescreens r JOIN persons p ON p.id ="
    " r.person_id WHERE p.incident_id = ?1 GROUP BY r.instrument ORDER BY r.instrument";

/* Notices that had to be acknowledged (urgent referrals, handoff 0;
 * handoffs to neighbouring hubs, 1): how many, acknowledged, raised as an
 * alarm, and the minutes from sending to acknowledgement. */
#define ACKED_NOTICES(handoff)                                                                     \
    "SELECT COUNT(*), SUM(p.acked_at IS NOT NULL), SUM(p.alarm_id IS NOT NULL),"                   \
    " SUM(p.acked_at > p.ack_due_at), AVG(p.acked_at - p.started_at) / 60000.0,"                   \
    " MAX(p.acked_at - p.started_at) / 60000.0 FROM pages p JOIN referrals r ON r.id = p.ref_id"   \
    " WHERE p.incident_id = ?1 AND p.kind IN ('referral', 'promotion')"                            \
    " AND p.ack_due_at IS NOT NULL AND r.handoff = " handoff
static const char SQL_URGENT[] = ACKED_NOTICES("0");
static const char SQL_HANDOFFS[] = ACKED_NOTICES("1");
static const char SQL_AGE_BANDS[] =
    "SELECT COALESCE(age_band, 'unknown'), COUNT(*) FROM persons WHERE incident_id = ?1"
    " AND merged_into IS NULL GROUP BY 1 ORDER BY MIN(COALESCE(age, 999)), 1";
static const char SQL_LANGUAGES[] =
    "SELECT COALESCE(language, 'unknown'), COUNT(*), SUM(interpreter) FROM persons"
    " WHERE incident_id = ?1 AND merged_into IS NULL GROUP BY 1 ORDER BY 2 DESC, 1";

static json_t *minutes_or_null(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
                                                    : json_real(sqlite3_column_double(s, i));
}

static json_t *acked_row(sqlite3_stmt *s)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:o, s:o}", "sent", sqlite3_column_int(s, 0),
                     "acknowledged", sqlite3_column_int(s, 1), "alarmed", sqlite3_column_int(s, 2),
                     "acknowledged_late", sqlite3_column_int(s, 3), "mean_minutes_to_ack",
                     minutes_or_null(s, 4), "max_minutes_to_ack", minutes_or_null(s, 5));
}

static json_t *band_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i}", "age_band", store_col_text(s, 0), "persons",
                     sqlite3_column_int(s, 1));
}

static json_t *language_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i, s:i}", "language", store_col_text(s, 0), "persons",
                     sqlite3_column_int(s, 1), "interpreter", sqlite3_column_int(s, 2));
}

static json_t *rescreen_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "instrument", store_col_text(s, 0),
                     "pending", sqlite3_column_int(s, 1), "due", sqlite3_column_int(s, 2),
                     "overdue", sqlite3_column_int(s, 3), "done", sqlite3_column_int(s, 4),
                     "done_late", sqlite3_column_int(s, 5), "cancelled", sqlite3_column_int(s, 6));
}

static json_t *category_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i}", "category", store_col_text(s, 0), "persons",
                     sqlite3_column_int(s, 1));
}

static json_t *pathway_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i, s:i, s:i, s:i}", "pathway", store_col_text(s, 0), "referred",
                     sqlite3_column_int(s, 1), "waitlisted", sqlite3_column_int(s, 2),
                     "held_consent", sqlite3_column_int(s, 3), "closed", sqlite3_column_int(s, 4));
}

static json_t *breach_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:I, s:I, s:o}", "person", (json_int_t)sqlite3_column_int64(s, 0),
                     "due_at", (json_int_t)sqlite3_column_int64(s, 1), "breached_at",
                     (json_int_t)sqlite3_column_int64(s, 2), "referred_at",
                     store_col_opt_int(s, 3));
}

static json_t *outcome_row(sqlite3_stmt *s)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "registered", sqlite3_column_int(s, 0),
                     "referred", sqlite3_column_int(s, 1), "contacted", sqlite3_column_int(s, 2),
                     "declined", sqlite3_column_int(s, 3), "unable_to_contact",
                     sqlite3_column_int(s, 4), "breached", sqlite3_column_int(s, 5));
}

/* Every alarm with its time to clear (or to resolve): open ones have none. */
static const char SQL_ALARMS[] =
    "SELECT id, kind, agency_id, detail, state, raised_at, ended_at, ended_by,"
    " (ended_at - raised_at) / 1000 FROM alarms WHERE incident_id = ?1 ORDER BY id";

static json_t *alarm_row(sqlite3_stmt *s)
{
    json_t *r = json_pack(
        "{s:I, s:s, s:o, s:s, s:s, s:I}", "alarm", (json_int_t)sqlite3_column_int64(s, 0), "kind",
        store_col_text(s, 1), "agency", store_col_opt_text(s, 2), "detail", store_col_text(s, 3),
        "state", store_col_text(s, 4), "raised_at", (json_int_t)sqlite3_column_int64(s, 5));
    json_object_set_new(r, "ended_at", store_col_opt_int(s, 6));
    json_object_set_new(r, "ended_by", store_col_opt_text(s, 7));
    json_object_set_new(r, "seconds_to_clear", store_col_opt_int(s, 8));
    return r;
}

/* The lists of a report: where each is read from, and how. */
static const struct report_list {
    const char *name, *sql;
    store_row_fn *row;
} report_lists[] = {
    {"outcomes", SQL_OUTCOMES, outcome_row},
    {"timeline", SQL_TIMELINE, timeline_row},
    {"amendments", SQL_AMENDMENTS, amendment_row},
    {"agencies", SQL_AGENCIES, agency_row},
    {"staffing", SQL_STAFFING, staffing_row},
    {"by_category", SQL_CATEGORIES, category_row},
    {"by_pathway", SQL_PATHWAYS, pathway_row},
    {"breaches", SQL_BREACHES, breach_row},
    {"open_referrals", SQL_OPEN_REFERRALS, store_row_int},
    {"rescreens", SQL_RESCREENS, rescreen_row},
    {"urgent_referrals", SQL_URGENT, acked_row},
    {"handoffs", SQL_HANDOFFS, acked_row},
    {"by_age_band", SQL_AGE_BANDS, band_row},
    {"by_language", SQL_LANGUAGES, language_row},
    {"alarms", SQL_ALARMS, alarm_row},
};

/* Every list of incident id, by name into lists: every row, or -errno. */
static int report_lists_read(struct muster *m, int64_t id, json_t *lists)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(report_lists) / sizeof(report_lists[0]); i++) {
        json_t *rows = NULL;
        rc = store_rows(m->store, report_lists[i].sql, id, report_lists[i].row, &rows);
        json_object_set_new(lists, report_lists[i].name, rows);
    }
    return rc;
}

/* The report of incident inc (as the board shows it: incident) from its
 * lists (see report_lists_read). */
static json_t *report_pack(struct muster *m, const struct incident *inc, json_t *incident,
                           json_t *lists)
{
    return json_pack(
        "{s:O, s:b, s:I, s:O, s:O, s:O, s:{s:O, s:O, s:O}, s:O, s:o, s:o}", "incident", incident,
        "exercise", json_is_true(json_object_get(incident, "exercise")), "generated_at",
        (json_int_t)server_now(m), "timeline", json_object_get(lists, "timeline"), "agencies",
        json_object_get(lists, "agencies"), "staffing", json_object_get(lists, "staffing"),
        "persons", "outcomes", json_array_get(json_object_get(lists, "outcomes"), 0), "by_category",
        json_object_get(lists, "by_category"), "by_pathway", json_object_get(lists, "by_pathway"),
        "breaches", json_object_get(lists, "breaches"), "purged_at",
        inc->purged_at ? json_integer(inc->purged_at) : json_null(), "recovery",
        json_pack("{s:O, s:O}", "open_referrals",
                  json_array_get(json_object_get(lists, "open_referrals"), 0), "rescreens",
                  json_object_get(lists, "rescreens")));
}

/* Safeguarding figures: urgent referrals and handoffs out of area with
 * their times to acknowledgement, persons by age band and language. */
static json_t *report_safeguarding(json_t *lists)
{
    return json_pack("{s:O, s:O, s:O, s:O}", "urgent_referrals",
                     json_array_get(json_object_get(lists, "urgent_referrals"), 0), "handoffs",
                     json_array_get(json_object_get(lists, "handoffs"), 0), "by_age_band",
                     json_object_get(lists, "by_age_band"), "by_language",
                     json_object_get(lists, "by_language"));
}

/* ---- self-registrations (the public door) ---- */

static const char SQL_SR_DAYS[] =
    "SELECT date(registered_at / 1000, 'unixepoch'), COUNT(*) FROM selfregs WHERE incident_id = ?1"
    " GROUP BY 1 ORDER BY 1";
static const char SQL_SR_FIGURES[] =
    "SELECT COUNT(*), COALESCE(SUM(state = 'verified'), 0), COALESCE(SUM(state = 'rejected'), 0),"
    " COALESCE(SUM(state = 'unverified'), 0), COALESCE(SUM(duplicate), 0) FROM selfregs"
    " WHERE incident_id = ?1";
static const char SQL_SR_LANGUAGES[] =
    "SELECT COALESCE(language, 'unknown'), COUNT(*) FROM selfregs WHERE incident_id = ?1"
    " AND state <> 'rejected' GROUP BY 1 ORDER BY 2 DESC, 1";
static const char SQL_SR_SOURCES[] =
    "SELECT source, COUNT(*) FROM selfregs WHERE incident_id = ?1 GROUP BY 1 ORDER BY 1";
/* From registration to the first contact attempt recorded, in order. */
static const char SQL_SR_FIRST_CONTACT[] =
    "SELECT d FROM (SELECT (SELECT MIN(c.at) FROM contacts c WHERE c.person_id = s.person_id)"
    " - s.registered_at AS d FROM selfregs s WHERE s.incident_id = ?1) WHERE d IS NOT NULL"
    " ORDER BY d";

static json_t *day_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i}", "day", store_col_text(s, 0), "n", sqlite3_column_int(s, 1));
}

static json_t *pair_row(sqlite3_stmt *s)
{
    return json_pack("[s, i]", store_col_text(s, 0), sqlite3_column_int(s, 1));
}

/* [[key, n]...] as {key: n}. */
static json_t *pairs_object(json_t *pairs)
{
    json_t *o = json_object(), *p;
    size_t i;
    json_array_foreach(pairs, i, p)
        json_object_set(o, json_string_value(json_array_get(p, 0)), json_array_get(p, 1));
    return o;
}

/* The median of sorted integers (*null when there are none). */
static json_t *median(json_t *sorted)
{
    size_t n = json_array_size(sorted);
    if (n == 0)
        return json_null();
    json_int_t a = json_integer_value(json_array_get(sorted, (n - 1) / 2));
    json_int_t b = json_integer_value(json_array_get(sorted, n / 2));
    return json_integer((a + b) / 2);
}

/* The self-registration figures of incident id: by day (every
 * submission, junk included: the shape of the flood), verified, rejected,
 * waiting, possible duplicates, the median time from registration to the
 * first contact attempt, by language (rejected ones left out) and by
 * source. */
static int report_selfreg(struct muster *m, int64_t id, json_t **out)
{
    json_t *days = NULL, *langs = NULL, *sources = NULL, *firsts = NULL, *fig = NULL;
    int rc = store_rows(m->store, SQL_SR_DAYS, id, day_row, &days);
    rc = rc ? rc : store_rows(m->store, SQL_SR_LANGUAGES, id, pair_row, &langs);
    rc = rc ? rc : store_rows(m->store, SQL_SR_SOURCES, id, pair_row, &sources);
    rc = rc ? rc : store_rows(m->store, SQL_SR_FIRST_CONTACT, id, store_row_int, &firsts);
    sqlite3_stmt *s = rc ? NULL : store_stmt(m->store, SQL_SR_FIGURES);
    if (rc == 0 && !s)
        rc = -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, id);
        rc = store_step(s);
        if (rc > 0)
            fig = json_pack("{s:i, s:i, s:i, s:i, s:i}", "total", sqlite3_column_int(s, 0),
                            "verified", sqlite3_column_int(s, 1), "rejected",
                            sqlite3_column_int(s, 2), "unverified", sqlite3_column_int(s, 3),
                            "duplicates", sqlite3_column_int(s, 4));
        sqlite3_reset(s);
        rc = rc < 0 ? rc : fig ? 0 : -ENOMEM;
    }
    if (rc == 0) {
        json_object_set(fig, "by_day", days);
        json_object_set_new(fig, "median_first_contact_ms", median(firsts));
        json_object_set_new(fig, "by_language", pairs_object(langs));
        json_object_set_new(fig, "by_source", pairs_object(sources));
    }
    json_decref(days);
    json_decref(langs);
    json_decref(sources);
    json_decref(firsts);
    *out = rc == 0 ? fig : NULL;
    if (rc != 0)
        json_decref(fig);
    return rc;
}

int report_build(struct muster *m, int64_t id, json_t **out)
{
    struct incident inc;
    int rc = incident_get(m->store, id, &inc);
    *out = NULL;
    if (rc <= 0)
        return rc < 0 ? rc : -ENOENT;
    json_t *incident = board_incident_of(m, &inc), *lists = json_object();
    rc = report_lists_read(m, id, lists);
    *out = rc == 0 ? report_pack(m, &inc, incident, lists) : NULL;
    if (*out)
        json_object_set_new(*out, "safeguarding", report_safeguarding(lists));
    if (*out)
        json_object_set(*out, "amendments", json_object_get(lists, "amendments"));
    if (*out)
        json_object_set(*out, "alarms", json_object_get(lists, "alarms"));
    if (*out && (rc = report_detail(m, id, *out)) == 0) {
        json_t *sr = NULL;
        if ((rc = report_selfreg(m, id, &sr)) == 0)
            json_object_set_new(*out, "self_registrations", sr);
    }
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    if (rc == 0 && !*out)
        rc = -ENOMEM;
    json_decref(incident);
    json_decref(lists);
    return rc;
}
