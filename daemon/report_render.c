/*
 * daemon/report_render.c - the stand-down report as people read it (see
 * report.h): Markdown for the inquiry and the duty manager, CSV tables for
 * a spreadsheet.  Both are made from the report's JSON (report_build) and
 * nothing else, so the files and `muster report` always agree.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "proto.h"
#include "report.h"

static void utc(json_t *ms, char *buf, size_t len)
{
    if (!json_is_integer(ms)) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void md_header(FILE *f, json_t *r)
{
    json_t *inc = json_object_get(r, "incident");
    char a[32], b[32];
    if (json_is_true(json_object_get(r, "exercise")))
        fprintf(f, "> **EXERCISE EXERCISE EXERCISE** - these figures come from an exercise.\n\n");
    utc(json_object_get(inc, "created_at"), a, sizeof(a));
    utc(json_object_get(inc, "stood_down_at"), b, sizeof(b));
    fprintf(f, "# Stand-down report: %s\n\n", proto_dash(inc, "ref"));
    fprintf(f,
            "- Operation: %s\n- Plan: %s\n- Level: %lld (%s)\n- Stood up: %s\n"
            "- Stood down: %s\n- State: %s\n\n",
            proto_dash(inc, "operation"), proto_dash(inc, "plan"), proto_int(inc, "level"),
            proto_dash(inc, "level_name"), a, b, proto_dash(inc, "state"));
    if (json_is_integer(json_object_get(r, "purged_at"))) {
        utc(json_object_get(r, "purged_at"), a, sizeof(a));
        fprintf(f,
                "Personal data purged %s at the end of the retention period: this report was"
                " made again from the purged record; the counts stand, the notes are gone.\n\n",
                a);
    }
}

/* An agency as people read it: "Name (id)", or the id when the plan has
 * no name for it. */
static void agency_label(json_t *x, char *buf, size_t len)
{
    const char *id = json_string_value(json_object_get(x, "agency"));
    const char *name = json_string_value(json_object_get(x, "agency_name"));
    if (id && name)
        snprintf(buf, len, "%s (%s)", name, id);
    else
        snprintf(buf, len, "%s", id ? id : "-");
}

/* The detail column of a timeline row: who or what the event is about. */
static void timeline_detail(FILE *f, json_t *d)
{
    char label[512];
    agency_label(d, label, sizeof(label));
    const char *agency = json_string_value(json_object_get(d, "agency")) ? label : NULL;
    const char *role = json_string_value(json_object_get(d, "role"));
    if (json_is_integer(json_object_get(d, "previous_level")))
        fprintf(f, "level %lld to %lld by %s", proto_int(d, "previous_level"),
                proto_int(d, "level"), proto_dash(d, "by"));
    else if (json_is_string(json_object_get(d, "summary")))
        fprintf(f, "plan version %lld by %s: %s", proto_int(d, "plan_version"), proto_dash(d, "by"),
                proto_dash(d, "summary"));
    else if (role)
        fprintf(f, "%s short of %lld %s, asked %s", proto_dash(d, "shift"), proto_int(d, "short"),
                role, agency ? agency : "-");
    else if (agency)
        fprintf(f, "%s%s%s", agency, json_is_string(json_object_get(d, "via")) ? " via " : "",
                json_is_string(json_object_get(d, "via")) ? proto_dash(d, "via") : "");
    else if (json_is_integer(json_object_get(d, "person")))
        fprintf(f, "person %lld", proto_int(d, "person"));
    else if (json_is_string(json_object_get(d, "by")))
        fprintf(f, "by %s%s%s", proto_dash(d, "by"),
                json_is_string(json_object_get(d, "note")) ? ": " : "",
                json_is_string(json_object_get(d, "note")) ? proto_dash(d, "note") : "");
    else
        fprintf(f, "%s", json_is_string(json_object_get(d, "note")) ? proto_dash(d, "note") : "");
}

static void md_timeline(FILE *f, json_t *r)
{
    json_t *e;
    size_t i;
    fprintf(f, "## Timeline\n\n| time (UTC) | event | detail |\n|---|---|---|\n");
    json_array_foreach(json_object_get(r, "timeline"), i, e)
    {
        char t[32];
        utc(json_object_get(e, "at"), t, sizeof(t));
        fprintf(f, "| %s | %s | ", t, proto_dash(e, "kind"));
        timeline_detail(f, json_object_get(e, "data"));
        fprintf(f, " |\n");
    }
    fprintf(f, "\n");
}

static void md_amendments(FILE *f, json_t *r)
{
    json_t *e, *list = json_object_get(r, "amendments");
    size_t i;
    if (json_array_size(list) == 0)
        return;
    fprintf(f,
            "## Plan amendments\n\n| version | time (UTC) | by | summary |\n|---|---|---|---|\n");
    json_array_foreach(list, i, e)
    {
        char t[32];
        utc(json_object_get(e, "at"), t, sizeof(t));
        fprintf(f, "| %lld | %s | %s | %s |\n", proto_int(e, "version"), t, proto_dash(e, "by"),
                proto_dash(e, "summary"));
    }
    fprintf(f, "\n");
}

static void md_agencies(FILE *f, json_t *r)
{
    json_t *a;
    size_t i;
    fprintf(f, "## Partner agencies\n\n| agency | name | state | attempts | time to acknowledge |"
               " acknowledged by | via |\n|---|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "agencies"), i, a)
    {
        json_t *secs = json_object_get(a, "seconds_to_acknowledge");
        char t[32] = "-";
        if (json_is_integer(secs))
            snprintf(t, sizeof(t), "%lld min %lld s", proto_int(a, "seconds_to_acknowledge") / 60,
                     proto_int(a, "seconds_to_acknowledge") % 60);
        fprintf(f, "| %s | %s | %s | %lld | %s | %s | %s |\n", proto_dash(a, "agency"),
                proto_dash(a, "agency_name"), proto_dash(a, "state"), proto_int(a, "attempts"), t,
                proto_dash(a, "acknowledged_by"), proto_dash(a, "via"));
    }
    fprintf(f, "\n");
}

static void md_alarms(FILE *f, json_t *r)
{
    json_t *a;
    size_t i;
    fprintf(f, "## Alarms\n\n| alarm | kind | agency | detail | state | time to clear | by |\n"
               "|---|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "alarms"), i, a)
    {
        char t[32] = "-";
        if (json_is_integer(json_object_get(a, "seconds_to_clear")))
            snprintf(t, sizeof(t), "%lld min %lld s", proto_int(a, "seconds_to_clear") / 60,
                     proto_int(a, "seconds_to_clear") % 60);
        char who[512] = "-";
        if (json_is_string(json_object_get(a, "agency")))
            agency_label(a, who, sizeof(who));
        fprintf(f, "| %lld | %s | %s | %s | %s | %s | %s |\n", proto_int(a, "alarm"),
                proto_dash(a, "kind"), who, proto_dash(a, "detail"), proto_dash(a, "state"), t,
                proto_dash(a, "ended_by"));
    }
    fprintf(f, "\n");
}

static void md_staffing(FILE *f, json_t *r)
{
    json_t *c;
    size_t i;
    fprintf(f, "## Staffing coverage per shift\n\n| shift | role | required | pledged | accepted |"
               " arrived | shortfall |\n|---|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "staffing"), i, c)
        fprintf(f, "| %s | %s | %lld | %lld | %lld | %lld | %lld |\n", proto_dash(c, "shift"),
                proto_dash(c, "role"), proto_int(c, "required"), proto_int(c, "pledged"),
                proto_int(c, "accepted"), proto_int(c, "arrived"), proto_int(c, "shortfall"));
    fprintf(f, "\n");
}

static void md_persons(FILE *f, json_t *r)
{
    json_t *p = json_object_get(r, "persons"), *o = json_object_get(p, "outcomes"), *x;
    size_t i;
    fprintf(f,
            "## Affected persons\n\n- Registered: %lld\n- Referred: %lld\n- Contacted: %lld\n"
            "- Declined: %lld\n- Unable to contact: %lld\n- Referral deadline breached: %lld\n\n",
            proto_int(o, "registered"), proto_int(o, "referred"), proto_int(o, "contacted"),
            proto_int(o, "declined"), proto_int(o, "unable_to_contact"), proto_int(o, "breached"));
    fprintf(f, "| category | persons |\n|---|---|\n");
    json_array_foreach(json_object_get(p, "by_category"), i, x)
        fprintf(f, "| %s | %lld |\n", proto_dash(x, "category"), proto_int(x, "persons"));
    fprintf(f, "\n| pathway | referred | waitlisted | held for consent | closed |\n"
               "|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(p, "by_pathway"), i, x)
        fprintf(f, "| %s | %lld | %lld | %lld | %lld |\n", proto_dash(x, "pathway"),
                proto_int(x, "referred"), proto_int(x, "waitlisted"), proto_int(x, "held_consent"),
                proto_int(x, "closed"));
    fprintf(f, "\n## Deadline breaches\n\n");
    json_array_foreach(json_object_get(r, "breaches"), i, x)
    {
        char t[32];
        utc(json_object_get(x, "due_at"), t, sizeof(t));
        fprintf(f, "- person %lld: referral due %s\n", proto_int(x, "person"), t);
    }
    if (json_array_size(json_object_get(r, "breaches")) == 0)
        fprintf(f, "None.\n");
}

/* The recovery phase: open referrals and re-screens by instrument. */
static void md_recovery(FILE *f, json_t *r)
{
    json_t *rec = json_object_get(r, "recovery"), *x;
    size_t i;
    if (!rec)
        return;
    fprintf(f, "\n## Recovery\n\n- Open referrals: %lld\n\n", proto_int(rec, "open_referrals"));
    fprintf(f, "| re-screen | pending | due | overdue | done | done late | cancelled |\n"
               "|---|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(rec, "rescreens"), i, x) fprintf(
        f, "| %s | %lld | %lld | %lld | %lld | %lld | %lld |\n", proto_dash(x, "instrument"),
        proto_int(x, "pending"), proto_int(x, "due"), proto_int(x, "overdue"), proto_int(x, "done"),
        proto_int(x, "done_late"), proto_int(x, "cancelled"));
}

static void md_acked(FILE *f, const char *what, json_t *x)
{
    fprintf(f, "- %s: %lld sent, %lld acknowledged (%lld late), %lld raised as alarms", what,
            proto_int(x, "sent"), proto_int(x, "acknowledged"), proto_int(x, "acknowledged_late"),
            proto_int(x, "alarmed"));
    if (json_is_number(json_object_get(x, "mean_minutes_to_ack")))
        fprintf(f, "; minutes to acknowledge: mean %.1f, longest %.1f",
                json_number_value(json_object_get(x, "mean_minutes_to_ack")),
                json_number_value(json_object_get(x, "max_minutes_to_ack")));
    fprintf(f, "\n");
}

/* Every channel tried for the agencies that ended unreachable or
 * acknowledged late, in order, with why each failed. */
static void md_channels(FILE *f, json_t *r)
{
    json_t *x, *list = json_object_get(r, "channels");
    size_t i;
    fprintf(f, "## Channels of agencies unreachable or late\n\n");
    if (json_array_size(list) == 0)
        fprintf(f, "None: no agency ended unreachable or acknowledged late.\n\n");
    else
        fprintf(f, "| agency | ended | step | attempt | channel | contact | result | sent (UTC) |"
                   " why |\n|---|---|---|---|---|---|---|---|---|\n");
    json_array_foreach(list, i, x)
    {
        char who[512], t[32];
        agency_label(x, who, sizeof(who));
        utc(json_object_get(x, "sent_at"), t, sizeof(t));
        fprintf(f, "| %s | %s | %lld | %lld | %s | %s | %s | %s | %s |\n", who,
                proto_dash(x, "agency_state"), proto_int(x, "step"), proto_int(x, "attempt"),
                proto_dash(x, "channel"), proto_dash(x, "contact"), proto_dash(x, "state"), t,
                proto_dash(x, "detail"));
    }
    if (json_array_size(list))
        fprintf(f, "\n");
}

/* Who did what, by the names the system recorded. */
static void md_actions(FILE *f, json_t *r)
{
    json_t *x;
    size_t i;
    fprintf(f, "## Named people\n\n| time (UTC) | action | by | agency |\n|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "actions"), i, x)
    {
        char who[512] = "-", t[32];
        if (json_is_string(json_object_get(x, "agency")))
            agency_label(x, who, sizeof(who));
        utc(json_object_get(x, "at"), t, sizeof(t));
        fprintf(f, "| %s | %s | %s | %s |\n", t, proto_dash(x, "action"), proto_dash(x, "by"), who);
    }
    fprintf(f, "\n");
}

static double num(json_t *x, const char *key)
{
    return json_number_value(json_object_get(x, key));
}

/* Urgent screenings (PHQ-9 item 9) and what became of them. */
static void md_urgent(FILE *f, json_t *u)
{
    if (!u)
        return;
    fprintf(f,
            "- Urgent screenings: %lld (%lld persons); urgent referral notices %lld, acknowledged"
            " %lld (%lld late)",
            proto_int(u, "screenings"), proto_int(u, "persons"), proto_int(u, "sent"),
            proto_int(u, "acknowledged"), proto_int(u, "acknowledged_late"));
    if (json_is_number(json_object_get(u, "median_minutes_to_ack")))
        fprintf(f, "; time to acknowledge: median %.1f min, longest %.1f min",
                num(u, "median_minutes_to_ack"), num(u, "max_minutes_to_ack"));
    fprintf(f,
            "\n- Sent to an overflow pathway: %lld; held for want of a place: %lld (%lld still"
            " held)\n- Alarms for urgent referrals: %lld raised, %lld cleared, %lld resolved by a"
            " late acknowledgement, %lld open (who cleared them: under Alarms)\n",
            proto_int(u, "overflow"), proto_int(u, "held"), proto_int(u, "held_now"),
            proto_int(u, "alarms_raised"), proto_int(u, "alarms_cleared"),
            proto_int(u, "alarms_resolved"), proto_int(u, "alarms_open"));
}

/* Safeguarding: urgent referrals, handoffs, age bands and languages. */
static void md_safeguarding(FILE *f, json_t *r)
{
    json_t *sg = json_object_get(r, "safeguarding"), *x;
    size_t i;
    if (!sg)
        return;
    fprintf(f, "\n## Safeguarding\n\n");
    md_acked(f, "Urgent referrals", json_object_get(sg, "urgent_referrals"));
    md_acked(f, "Handoffs out of area", json_object_get(sg, "handoffs"));
    md_urgent(f, json_object_get(sg, "urgent_screenings"));
    fprintf(f, "\n| age band | persons |\n|---|---|\n");
    json_array_foreach(json_object_get(sg, "by_age_band"), i, x)
        fprintf(f, "| %s | %lld |\n", proto_dash(x, "age_band"), proto_int(x, "persons"));
    fprintf(f, "\n| language | persons | interpreter |\n|---|---|---|\n");
    json_array_foreach(json_object_get(sg, "by_language"), i, x)
        fprintf(f, "| %s | %lld | %lld |\n", proto_dash(x, "language"), proto_int(x, "persons"),
                proto_int(x, "interpreter"));
}

static void md_victims_code(FILE *f, json_t *r)
{
    json_t *x;
    size_t i;
    fprintf(f, "\n## Victims' Code compliance\n\nReferral to support services (Code of Practice"
               " for Victims of Crime in England and Wales, right 4), counted in working days"
               " from registration with the plan's working days and bank holidays.\n\n"
               "| entitlement | rule | persons | met | missed | pending | not applicable"
               " (consent refused) |\n|---|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "victims_code"), i, x)
        fprintf(f, "| %s | %s | %lld | %lld | %lld | %lld | %lld |\n", proto_dash(x, "entitlement"),
                proto_dash(x, "rule"), proto_int(x, "persons"), proto_int(x, "met"),
                proto_int(x, "missed"), proto_int(x, "pending"), proto_int(x, "not_applicable"));
}

static void md_audit_head(FILE *f, json_t *r)
{
    json_t *h = json_object_get(r, "audit_head");
    char t[32];
    fprintf(f, "## Audit trail\n\n");
    if (!json_is_integer(json_object_get(h, "rows"))) {
        fprintf(f, "The audit trail is not anchored (%s): no signed head to quote.\n",
                proto_dash(h, "state"));
        return;
    }
    utc(json_object_get(h, "signed_at"), t, sizeof(t));
    fprintf(f,
            "- Signed head: row %lld, hash %s\n- Signed at: %s\n- Ed25519 signature: %s\n\n"
            "To check: `muster audit verify` (online) or `muster audit verify --db FILE` on a"
            " copy; the trail must be intact and at least this row signed.\n",
            proto_int(h, "rows"), proto_dash(h, "hash"), t, proto_dash(h, "signature"));
}

/* Self-registrations (the public door), when there were any. */
static void md_selfreg(FILE *f, json_t *r)
{
    json_t *sr = json_object_get(r, "self_registrations"), *x;
    const char *k;
    size_t i;
    if (!sr || proto_int(sr, "total") == 0)
        return;
    fprintf(f,
            "\n## Self-registration\n\n- Self-registrations and call-back requests: %lld"
            " (verified %lld, rejected %lld, waiting %lld; possible duplicates %lld)\n",
            proto_int(sr, "total"), proto_int(sr, "verified"), proto_int(sr, "rejected"),
            proto_int(sr, "unverified"), proto_int(sr, "duplicates"));
    if (json_is_integer(json_object_get(sr, "median_first_contact_ms")))
        fprintf(f, "- Time to first contact (median): %.1f minutes\n",
                (double)proto_int(sr, "median_first_contact_ms") / 60000.0);
    fprintf(f, "\n| day | self-registrations |\n|---|---|\n");
    json_array_foreach(json_object_get(sr, "by_day"), i, x)
        fprintf(f, "| %s | %lld |\n", proto_dash(x, "day"), proto_int(x, "n"));
    fprintf(f, "\n| language | self-registrations |\n|---|---|\n");
    json_object_foreach(json_object_get(sr, "by_language"), k, x)
        fprintf(f, "| %s | %lld |\n", k, (long long)json_integer_value(x));
}

/* Write one character of data for Markdown: control characters shown
 * as \xHH (C1 as \u00HH), new lines as <br>, tabs as spaces, and every
 * character that could start markup escaped with a backslash. */
static void md_char(FILE *f, const unsigned char *p, bool at_start, bool after_digits)
{
    if (*p == '\n' || *p == '\r')
        fputs("<br>", f);
    else if (*p == '\t')
        fputc(' ', f);
    else if (*p < 0x20 || *p == 0x7f)
        fprintf(f, "\\\\x%02x", *p);
    else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        fprintf(f, "\\\\u%04x", p[1]);
    else if (strchr("\\`*_{}[]<>()#!|~&", *p) || (at_start && strchr("+-=", *p)) ||
             (after_digits && *p == '.'))
        fprintf(f, "\\%c", *p);
    else
        fputc(*p, f);
}

/* s escaped for Markdown (malloc'd): no data can make a heading, a list,
 * a table cell, emphasis, a link, an image, code or raw HTML. */
static char *md_escape(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    bool digits = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n')
            continue; /* one <br> for a CR LF */
        md_char(f, p, p == (const unsigned char *)s, digits && p != (const unsigned char *)s);
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            p++; /* the C1 control's second byte is written */
        digits = digits && *p >= '0' && *p <= '9';
    }
    fclose(f);
    return buf;
}

/* A copy of v with every string escaped for Markdown (new reference). */
static json_t *md_tree(json_t *v)
{
    const char *key;
    json_t *x, *out;
    size_t i;
    if (json_is_string(v)) {
        char *e = md_escape(json_string_value(v));
        out = json_string(e ? e : "");
        free(e);
        return out;
    }
    if (json_is_array(v)) {
        out = json_array();
        json_array_foreach(v, i, x) json_array_append_new(out, md_tree(x));
        return out;
    }
    if (json_is_object(v)) {
        out = json_object();
        json_object_foreach(v, key, x) json_object_set_new(out, key, md_tree(x));
        return out;
    }
    return json_incref(v);
}

char *report_markdown(json_t *report)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    json_t *r = md_tree(report);
    md_header(f, r);
    md_timeline(f, r);
    md_amendments(f, r);
    md_agencies(f, r);
    md_channels(f, r);
    md_actions(f, r);
    md_staffing(f, r);
    md_persons(f, r);
    md_recovery(f, r);
    md_safeguarding(f, r);
    md_victims_code(f, r);
    md_selfreg(f, r);
    fprintf(f, "\n");
    md_alarms(f, r);
    md_audit_head(f, r);
    json_decref(r);
    fclose(f);
    return buf;
}
