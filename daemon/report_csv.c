/*
 * daemon/report_csv.c - the stand-down report's CSV tables (see report.h),
 * for a spreadsheet: one table a file, a header line, one line a row,
 * empty cells for null.  Every time (a column at or *_at) is ISO 8601 with
 * its offset, 2026-12-02T14:05:00+00:00; a cell a spreadsheet would run as
 * a formula is neutralised.  Made from the report's JSON alone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "report.h"

/* A table: the list it shows (a path of keys from the report; an object
 * there is one row) and its columns, each a key of the rows. */
struct csv_table {
    const char *name;
    const char *path[3];
    const char *cols[16];
};

static const struct csv_table tables[] = {
    {"agencies",
     {"agencies"},
     {"agency", "agency_name", "state", "paged_at", "acknowledged_at", "seconds_to_acknowledge",
      "acknowledged_by", "via", "unreachable_at", "attempts", "repages"}},
    {"channels",
     {"channels"},
     {"agency", "agency_name", "agency_state", "step", "attempt", "channel", "contact", "state",
      "detail", "sent_at", "finished_at"}},
    {"staffing",
     {"staffing"},
     {"shift", "role", "required", "pledged", "accepted", "arrived", "shortfall"}},
    {"pathways",
     {"persons", "by_pathway"},
     {"pathway", "referred", "waitlisted", "held_consent", "closed"}},
    {"alarms",
     {"alarms"},
     {"alarm", "kind", "agency", "agency_name", "detail", "state", "raised_at", "ended_at",
      "ended_by", "seconds_to_clear"}},
    {"actions", {"actions"}, {"at", "action", "by", "agency", "agency_name"}},
    {"urgent",
     {"safeguarding", "urgent_screenings"},
     {"screenings", "persons", "sent", "acknowledged", "acknowledged_late", "median_minutes_to_ack",
      "max_minutes_to_ack", "overflow", "held", "held_now", "alarms_raised", "alarms_open",
      "alarms_cleared", "alarms_resolved"}},
    {"age_bands", {"safeguarding", "by_age_band"}, {"age_band", "persons"}},
    {"languages", {"safeguarding", "by_language"}, {"language", "persons", "interpreter"}},
    {"victims_code",
     {"victims_code"},
     {"entitlement", "working_days", "rule", "persons", "met", "missed", "pending",
      "not_applicable"}},
    {"self_registrations", {"self_registrations", "by_day"}, {"day", "n"}},
    {"audit_head", {"audit_head"}, {"state", "rows", "hash", "signed_at", "signature"}},
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

const char *const report_csv_tables[] = {"agencies",
                                         "channels",
                                         "staffing",
                                         "pathways",
                                         "alarms",
                                         "actions",
                                         "urgent",
                                         "age_bands",
                                         "languages",
                                         "victims_code",
                                         "self_registrations",
                                         "audit_head",
                                         NULL};

_Static_assert(sizeof(report_csv_tables) / sizeof(report_csv_tables[0]) == NTABLES + 1,
               "every CSV table is named in report_csv_tables");

/* ms since the epoch as ISO 8601 in UTC with its offset. */
static void iso8601(json_int_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static bool is_time(const char *col)
{
    size_t n = strlen(col);
    return !strcmp(col, "at") || (n >= 3 && !strcmp(col + n - 3, "_at"));
}

/* A text cell: quoted when it holds a comma, quote or line break.  One
 * that a spreadsheet would read as a formula (it starts with =, +, -, @,
 * tab or carriage return) gets a single quote in front, the OWASP way, so
 * that opening the file runs nothing. */
static void csv_text(FILE *f, const char *s)
{
    bool formula = *s && strchr("=+-@\t\r", *s);
    if (!strpbrk(s, ",\"\r\n") && !formula) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++)
        fputs(*s == '"' ? "\"\"" : (char[]){*s, 0}, f);
    fputc('"', f);
}

static void csv_cell(FILE *f, const char *col, json_t *v, bool last)
{
    char t[40];
    if (json_is_integer(v) && is_time(col)) {
        iso8601(json_integer_value(v), t, sizeof(t));
        fputs(t, f);
    } else if (json_is_integer(v)) {
        fprintf(f, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        fprintf(f, "%.1f", json_real_value(v));
    } else if (json_is_boolean(v)) {
        fputs(json_is_true(v) ? "true" : "false", f);
    } else if (json_is_string(v)) {
        csv_text(f, json_string_value(v));
    }
    fputc(last ? '\n' : ',', f);
}

static void csv_row(FILE *f, const struct csv_table *t, json_t *row)
{
    for (const char *const *c = t->cols; *c; c++)
        csv_cell(f, *c, json_object_get(row, *c), !c[1]);
}

char *report_csv(json_t *r, const char *table)
{
    const struct csv_table *t = NULL;
    for (size_t i = 0; i < NTABLES && !t; i++)
        t = !strcmp(tables[i].name, table) ? &tables[i] : NULL;
    if (!t)
        return NULL;
    json_t *list = r, *row;
    for (const char *const *k = t->path; *k; k++)
        list = json_object_get(list, *k);
    char *buf = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (const char *const *c = t->cols; *c; c++)
        fprintf(f, "%s%s", *c, c[1] ? "," : "\n");
    if (json_is_object(list))
        csv_row(f, t, list);
    json_array_foreach(list, i, row) csv_row(f, t, row);
    fclose(f);
    return buf;
}
