/*
 * clients/cli_out.c - human-readable output of the muster CLI.
 */
#include "cli_out.h"

#include <string.h>
#include <time.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

const char *cli_time(json_t *ms, char *buf, size_t len)
{
    if (!json_is_integer(ms))
        return "-";
    time_t secs = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
    return buf;
}

void cli_print_json(FILE *f, json_t *v)
{
    json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fputc('\n', f);
}

static const char *mode(json_t *o)
{
    return json_is_true(json_object_get(o, "exercise")) ? "EXERCISE" : "LIVE";
}

void cli_print_standup(json_t *r)
{
    printf("%s\n", str(r, "ref"));
    printf("stood up: plan %s, level %lld, %s, operation %s; %lld partner agencies activated\n",
           str(r, "plan"), num(r, "level"), mode(r), str(r, "operation"), num(r, "agencies"));
}

void cli_print_incident_list(json_t *r)
{
    json_t *arr = json_object_get(r, "incidents"), *i;
    size_t n;
    if (json_array_size(arr) == 0) {
        printf("no incidents\n");
        return;
    }
    printf("%-20s %-10s %-5s %-8s %-16s %-24s %s\n", "REF", "STATE", "LEVEL", "MODE", "PLAN",
           "OPERATION", "STOOD UP");
    json_array_foreach(arr, n, i)
    {
        char t[64];
        printf("%-20s %-10s %-5lld %-8s %-16s %-24s %s\n", str(i, "ref"), str(i, "state"),
               num(i, "level"), mode(i), str(i, "plan"), str(i, "operation"),
               cli_time(json_object_get(i, "created_at"), t, sizeof(t)));
    }
}

/* One agency's page state: paging (step, attempts), acknowledged (by
 * whom, when, note) or unreachable. */
static void cli_print_page(json_t *pg)
{
    char t[64];
    const char *state = str(pg, "state");
    printf("  %-24s %-13s", str(pg, "agency"), state);
    if (!strcmp(state, "acknowledged"))
        printf(" by %s at %s%s%s", str(pg, "acknowledged_by"),
               cli_time(json_object_get(pg, "acknowledged_at"), t, sizeof(t)),
               json_is_string(json_object_get(pg, "ack_note")) ? ": " : "",
               json_is_string(json_object_get(pg, "ack_note")) ? str(pg, "ack_note") : "");
    else if (!strcmp(state, "unreachable"))
        printf(" since %s: RAISE WITH GOLD",
               cli_time(json_object_get(pg, "unreachable_at"), t, sizeof(t)));
    if (json_is_integer(json_object_get(pg, "escalated_to_step")))
        printf(" (step %lld, %lld attempts, %lld delivered, %lld failed)",
               num(pg, "escalated_to_step") + 1, num(pg, "attempts"), num(pg, "delivered"),
               num(pg, "failed"));
    if (json_is_string(json_object_get(pg, "ack_code")))
        printf(" code %s", str(pg, "ack_code"));
    printf("\n");
}

void cli_print_incident(json_t *r)
{
    char t[64];
    json_t *plan = json_object_get(r, "plan");
    printf("incident   %s (%s)\n", str(r, "ref"), mode(r));
    printf("operation  %s\n", str(r, "operation"));
    printf("state      %s\n", str(r, "state"));
    printf("level      %lld %s\n", num(r, "level"), str(r, "level_name"));
    printf("plan       %s version %s (%.12s)\n", str(plan, "id"), str(plan, "version"),
           str(plan, "digest"));
    printf("stood up   %s by %s\n", cli_time(json_object_get(r, "created_at"), t, sizeof(t)),
           str(r, "created_by"));
    if (json_is_string(json_object_get(r, "note")))
        printf("note       %s\n", str(r, "note"));
    if (json_is_integer(json_object_get(r, "stood_down_at")))
        printf("stood down %s by %s%s%s\n",
               cli_time(json_object_get(r, "stood_down_at"), t, sizeof(t)), str(r, "stood_down_by"),
               json_is_string(json_object_get(r, "standdown_note")) ? ": " : "",
               json_is_string(json_object_get(r, "standdown_note")) ? str(r, "standdown_note")
                                                                    : "");
    json_t *ags = json_object_get(r, "agencies"), *a;
    size_t i;
    printf("agencies   %zu activated\n", json_array_size(ags));
    json_array_foreach(ags, i, a) printf("  %-24s %s\n", str(a, "id"), str(a, "name"));
    json_t *pages = json_object_get(r, "pages"), *pg;
    if (json_array_size(pages) > 0)
        printf("pages\n");
    json_array_foreach(pages, i, pg) cli_print_page(pg);
}

void cli_print_plan_list(json_t *r)
{
    json_t *arr = json_object_get(r, "plans"), *p;
    size_t i;
    if (json_array_size(arr) == 0) {
        printf("no plans loaded\n");
        return;
    }
    printf("%-20s %-12s %-6s %-8s %s\n", "PLAN", "VERSION", "LEVELS", "AGENCIES", "NAME");
    json_array_foreach(arr, i, p)
        printf("%-20s %-12s %-6lld %-8lld %s\n", str(p, "id"), str(p, "version"), num(p, "levels"),
               num(p, "agencies"), str(p, "name"));
}

void cli_print_plan(json_t *r)
{
    json_t *plan = json_object_get(r, "plan");
    if (!plan)
        plan = r;
    printf("plan     %s version %s\n", str(plan, "id"), str(plan, "version"));
    printf("name     %s\n", str(plan, "name"));
    json_t *levels = json_object_get(r, "levels"), *l;
    size_t i;
    json_array_foreach(levels, i, l) printf("level %lld  %s\n", num(l, "level"), str(l, "name"));
    json_t *ags = json_object_get(r, "agencies"), *a;
    json_array_foreach(ags, i, a) printf("  %-24s from level %lld  %s\n", str(a, "id"),
                                         num(a, "activate_level"), str(a, "name"));
}

void cli_print_pledges(json_t *r)
{
    json_t *arr = json_object_get(r, "pledges"), *p, *s;
    size_t i, j;
    if (json_array_size(arr) == 0) {
        printf("no pledges\n");
        return;
    }
    printf("%-6s %-24s %-20s %5s %-10s %s\n", "ID", "AGENCY", "ROLE", "COUNT", "STATE", "SHIFTS");
    json_array_foreach(arr, i, p)
    {
        printf("%-6lld %-24s %-20s %5lld %-10s", num(p, "id"), str(p, "agency"), str(p, "role"),
               num(p, "count"), str(p, "state"));
        json_array_foreach(json_object_get(p, "shifts"), j, s) printf(" %s", json_string_value(s));
        printf("\n");
    }
}

/* The cell of (shift, role) in the grid's cells. */
static json_t *grid_cell(json_t *cells, const char *shift, const char *role)
{
    json_t *c;
    size_t i;
    json_array_foreach(cells, i, c)
    {
        if (!strcmp(str(c, "shift"), shift) && !strcmp(str(c, "role"), role))
            return c;
    }
    return NULL;
}

static void grid_header(json_t *shifts)
{
    json_t *s;
    size_t i;
    printf("%-22s", "ROLE");
    json_array_foreach(shifts, i, s)
    {
        char t[32];
        time_t secs = (time_t)(num(s, "starts_at") / 1000);
        struct tm tm;
        localtime_r(&secs, &tm);
        strftime(t, sizeof(t), "%d %b %H:%M", &tm);
        printf(" %-14.14s", str(s, "name"));
        (void)t;
    }
    printf("\n%-22s", "");
    json_array_foreach(shifts, i, s)
    {
        char t[32];
        time_t secs = (time_t)(num(s, "starts_at") / 1000);
        struct tm tm;
        localtime_r(&secs, &tm);
        strftime(t, sizeof(t), "%a %d %H:%M", &tm);
        printf(" %-14s", t);
    }
    printf("\n");
}

/* Roles down, shifts across: pledged/required with the shortfall (!N) or
 * surplus (+N), then accepted and arrived. */
void cli_print_staffing(json_t *r)
{
    json_t *shifts = json_object_get(r, "shifts"), *cells = json_object_get(r, "cells");
    json_t *role, *s;
    size_t i, j;
    printf("staffing for %s: pledged/required, !N short, +N surplus; then accepted, arrived\n",
           str(r, "incident"));
    grid_header(shifts);
    json_array_foreach(json_object_get(r, "roles"), i, role)
    {
        printf("%-22.22s", str(role, "id"));
        json_array_foreach(shifts, j, s)
        {
            json_t *c = grid_cell(cells, str(s, "key"), str(role, "id"));
            char buf[40];
            int n = snprintf(buf, sizeof(buf), "%lld/%lld", num(c, "pledged"), num(c, "required"));
            if (num(c, "shortfall") > 0)
                snprintf(buf + n, sizeof(buf) - (size_t)n, " !%lld", num(c, "shortfall"));
            else if (num(c, "surplus") > 0)
                snprintf(buf + n, sizeof(buf) - (size_t)n, " +%lld", num(c, "surplus"));
            printf(" %-14s", buf);
        }
        printf("\n%-22s", "");
        json_array_foreach(shifts, j, s)
        {
            json_t *c = grid_cell(cells, str(s, "key"), str(role, "id"));
            char buf[40];
            snprintf(buf, sizeof(buf), "a%lld h%lld", num(c, "accepted"), num(c, "arrived"));
            printf(" %-14s", buf);
        }
        printf("\n");
    }
    json_t *asks = json_object_get(r, "asks"), *a;
    json_array_foreach(asks, i, a)
        printf("ask: %s %s short %lld -> %s (%s)\n", str(a, "shift"), str(a, "role"),
               num(a, "short"), str(a, "agency"), str(a, "state"));
}
