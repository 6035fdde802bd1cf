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

/* The detail column of a timeline row: who or what the event is about. */
static void timeline_detail(FILE *f, json_t *d)
{
    const char *agency = json_string_value(json_object_get(d, "agency"));
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
    fprintf(f, "## Partner agencies\n\n| agency | state | attempts | time to acknowledge |"
               " acknowledged by | via |\n|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "agencies"), i, a)
    {
        json_t *secs = json_object_get(a, "seconds_to_acknowledge");
        char t[32] = "-";
        if (json_is_integer(secs))
            snprintf(t, sizeof(t), "%lld min %lld s", proto_int(a, "seconds_to_acknowledge") / 60,
                     proto_int(a, "seconds_to_acknowledge") % 60);
        fprintf(f, "| %s | %s | %lld | %s | %s | %s |\n", proto_dash(a, "agency"),
                proto_dash(a, "state"), proto_int(a, "attempts"), t,
                proto_dash(a, "acknowledged_by"), proto_dash(a, "via"));
    }
    fprintf(f, "\n");
}

static void md_alarms(FILE *f, json_t *r)
{
    json_t *a;
    size_t i;
    fprintf(f, "## Alarms\n\n| alarm | kind | detail | state | time to clear | by |\n"
               "|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(r, "alarms"), i, a)
    {
        char t[32] = "-";
        if (json_is_integer(json_object_get(a, "seconds_to_clear")))
            snprintf(t, sizeof(t), "%lld min %lld s", proto_int(a, "seconds_to_clear") / 60,
                     proto_int(a, "seconds_to_clear") % 60);
        fprintf(f, "| %lld | %s | %s | %s | %s | %s |\n", proto_int(a, "alarm"),
                proto_dash(a, "kind"), proto_dash(a, "detail"), proto_dash(a, "state"), t,
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
    fprintf(f, "\n| age band | persons |\n|---|---|\n");
    json_array_foreach(json_object_get(sg, "by_age_band"), i, x)
        fprintf(f, "| %s | %lld |\n", proto_dash(x, "age_band"), proto_int(x, "persons"));
    fprintf(f, "\n| language | persons | interpreter |\n|---|---|---|\n");
    json_array_foreach(json_object_get(sg, "by_language"), i, x)
        fprintf(f, "| %s | %lld | %lld |\n", proto_dash(x, "language"), proto_int(x, "persons"),
                proto_int(x, "interpreter"));
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
    md_staffing(f, r);
    md_persons(f, r);
    md_recovery(f, r);
    md_safeguarding(f, r);
    md_selfreg(f, r);
    md_alarms(f, r);
    json_decref(r);
    fclose(f);
    return buf;
}

/* One CSV cell: quoted when it holds a comma, quote or line break.  A
 * text cell that a spreadsheet would read as a formula (it starts with =,
 * +, -, @, tab or carriage return) gets a single quote in front, the OWASP
 * way, so that opening the file runs nothing. */
static void csv_cell(FILE *f, json_t *v, bool last)
{
    if (json_is_integer(v)) {
        fprintf(f, "%lld", (long long)json_integer_value(v));
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        bool formula = *s && strchr("=+-@\t\r", *s);
        if (strpbrk(s, ",\"\r\n") || formula) {
            fputc('"', f);
            if (formula)
                fputc('\'', f);
            for (; *s; s++)
                fputs(*s == '"' ? "\"\"" : (char[]){*s, 0}, f);
            fputc('"', f);
        } else {
            fputs(s, f);
        }
    }
    fputc(last ? '\n' : ',', f);
}

char *report_csv(json_t *r, const char *table)
{
    static const char *const agencies[] = {"agency",
                                           "state",
                                           "paged_at",
                                           "acknowledged_at",
                                           "seconds_to_acknowledge",
                                           "acknowledged_by",
                                           "via",
                                           "unreachable_at",
                                           "attempts",
                                           "repages",
                                           NULL};
    static const char *const staffing[] = {"shift",    "role",    "required",  "pledged",
                                           "accepted", "arrived", "shortfall", NULL};
    static const char *const pathways[] = {"pathway",      "referred", "waitlisted",
                                           "held_consent", "closed",   NULL};
    static const char *const selfreg[] = {"day", "n", NULL};
    bool a = !strcmp(table, "agencies"), s = !strcmp(table, "staffing");
    bool sr = !strcmp(table, "self_registrations");
    const char *const *cols = a ? agencies : s ? staffing : sr ? selfreg : pathways;
    json_t *list = a    ? json_object_get(r, "agencies")
                   : s  ? json_object_get(r, "staffing")
                   : sr ? json_object_get(json_object_get(r, "self_registrations"), "by_day")
                        : json_object_get(json_object_get(r, "persons"), "by_pathway");
    char *buf = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&buf, &len);
    json_t *row;
    for (const char *const *c = cols; *c; c++)
        fprintf(f, "%s%s", *c, c[1] ? "," : "\n");
    json_array_foreach(list, i, row) for (const char *const *c = cols; *c; c++)
        csv_cell(f, json_object_get(row, *c), !c[1]);
    fclose(f);
    return buf;
}
