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
