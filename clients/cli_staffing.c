/*
 * clients/cli_staffing.c - `muster staffing` for people: the coverage
 * grid one shift at a time (the shift's key, which pledges name, its
 * times with their zone, then its roles down), every line within 80
 * columns (a table aligned by display width, cli_width.h), and the
 * shortfall said in staff, not cells ("12 staff short over 5 shifts").
 * Shifts that have ended are counted, not shown (--json has them).
 */
#include <stdio.h>
#include <string.h>

#include "cli_out.h"
#include "cli_width.h"
#include "proto.h"

#define WIDTH 80
#define ROLE_MAX 40

static const char *shift_time(long long ms, char *buf, size_t len)
{
    return cli_time_at(ms / 1000, CLI_TIME_SHIFT, buf, len);
}

/* The cells of shift key that need or have staff. */
static size_t shift_cells(json_t *cells, const char *key, json_t **out, size_t max)
{
    json_t *c;
    size_t i, n = 0;
    json_array_foreach(cells, i, c)
    {
        if (strcmp(proto_dash(c, "shift"), key) ||
            (proto_int(c, "required") == 0 && proto_int(c, "pledged") == 0) || n == max)
            continue;
        out[n++] = c;
    }
    return n;
}

static void print_cells(json_t *cells, const char *key)
{
    json_t *rows[128];
    size_t n = shift_cells(cells, key, rows, 128);
    if (n == 0) {
        printf("  no staff needed\n");
        return;
    }
    static const char *const head[] = {"ROLE", "PLEDGED", "SHORT", "ACCEPTED", "ARRIVED"};
    struct cli_table *t = cli_table_create(head, 5);
    cli_table_max(t, 0, ROLE_MAX);
    for (size_t c = 1; c < 5; c++)
        cli_table_right(t, c);
    for (size_t i = 0; i < n; i++) {
        long long s = proto_int(rows[i], "shortfall"), x = proto_int(rows[i], "surplus");
        cli_table_add(t, "%s", proto_dash(rows[i], "role"));
        cli_table_add(t, "%lld/%lld", proto_int(rows[i], "pledged"),
                      proto_int(rows[i], "required"));
        if (s > 0)
            cli_table_add(t, "%lld", s);
        else if (x > 0)
            cli_table_add(t, "+%lld", x);
        else
            cli_table_add(t, "-");
        cli_table_add(t, "%lld", proto_int(rows[i], "accepted"));
        cli_table_add(t, "%lld", proto_int(rows[i], "arrived"));
    }
    cli_table_print(t, stdout, "  ");
    cli_table_delete(t);
}

/* "  asking: agency (role), ..." for the open asks of shift key,
 * wrapped within WIDTH. */
static void print_asks(json_t *asks, const char *key)
{
    json_t *a;
    size_t i;
    int col = 0;
    json_array_foreach(asks, i, a)
    {
        if (strcmp(proto_dash(a, "shift"), key) || strcmp(proto_dash(a, "state"), "open"))
            continue;
        char item[100];
        int len = snprintf(item, sizeof(item), "%.36s (%.36s)", proto_dash(a, "agency"),
                           proto_dash(a, "role"));
        if (col == 0)
            col = printf("  asking: %s", item);
        else if (col + 2 + len > WIDTH - 1)
            col = printf(",\n    %s", item) - 2;
        else
            col += printf(", %s", item);
    }
    if (col > 0)
        printf("\n");
}

/* The staff short on shift key. */
static long long shift_short(json_t *cells, const char *key)
{
    json_t *c;
    size_t i;
    long long n = 0;
    json_array_foreach(cells, i, c)
    {
        if (!strcmp(proto_dash(c, "shift"), key))
            n += proto_int(c, "shortfall");
    }
    return n;
}

static void print_shift(json_t *r, json_t *sh)
{
    const char *key = proto_dash(sh, "key");
    json_t *cells = json_object_get(r, "cells");
    long long gap = shift_short(cells, key);
    char from[48], to[48];
    const char *name = proto_dash(sh, "name");
    if (gap > 0)
        printf("\n%s  %s, %lld staff short\n", key, proto_dash(sh, "state"), gap);
    else
        printf("\n%s  %s, covered\n", key, proto_dash(sh, "state"));
    printf("  %.*s, %s to %s\n", (int)cli_width_fit(name, 26), name,
           shift_time(proto_int(sh, "starts_at"), from, sizeof(from)),
           shift_time(proto_int(sh, "ends_at"), to, sizeof(to)));
    print_cells(cells, key);
    print_asks(json_object_get(r, "asks"), key);
}

void cli_print_staffing(json_t *r)
{
    json_t *shifts = json_object_get(r, "shifts"), *sh;
    size_t i, ended = 0;
    long long gap = proto_int(r, "short"), nshort = proto_int(r, "shifts_short");
    if (gap > 0)
        printf("staffing for %s: %lld staff short over %lld shift%s\n", proto_dash(r, "incident"),
               gap, nshort, nshort == 1 ? "" : "s");
    else
        printf("staffing for %s: no staff short\n", proto_dash(r, "incident"));
    json_array_foreach(shifts, i, sh) ended += !strcmp(proto_dash(sh, "state"), "ended");
    printf("pledges name a shift by its key (muster pledge offer ... --shift KEY)\n");
    printf("shift times are local time, %s; musterd starts shifts by its own local time\n",
           cli_zone_name());
    if (ended > 0)
        printf("%zu ended shift%s not shown (muster --json staffing shows all)\n", ended,
               ended == 1 ? "" : "s");
    json_array_foreach(shifts, i, sh)
    {
        if (strcmp(proto_dash(sh, "state"), "ended"))
            print_shift(r, sh);
    }
}
