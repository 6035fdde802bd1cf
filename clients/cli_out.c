/*
 * clients/cli_out.c - human-readable output of the muster CLI, and the
 * escaping that keeps control characters in data away from the terminal.
 */
#include "cli_out.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_width.h"
#include "proto.h"

const char *cli_time_at(long long secs, int form, char *buf, size_t len)
{
    time_t t = (time_t)secs;
    struct tm tm;
    char zone[16];
    tzset();
    localtime_r(&t, &tm);
    size_t n = form == CLI_TIME_SHIFT ? strftime(buf, len, "%a %d %b %H:%M", &tm)
                                      : strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    if (strftime(zone, sizeof(zone), "%Z", &tm) == 0 || zone[0] == '+' || zone[0] == '-') {
        /* a zone without a name: its offset, +07:00 */
        int off = (int)((tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff) % 86400);
        snprintf(zone, sizeof(zone), "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
                 off / 60 % 60);
    }
    snprintf(buf + n, len - n, " %s", zone);
    return buf;
}

const char *cli_time(json_t *ms, char *buf, size_t len)
{
    if (!json_is_integer(ms))
        return "-";
    return cli_time_at(json_integer_value(ms) / 1000, CLI_TIME_FULL, buf, len);
}

const char *cli_zone_name(void)
{
    static char name[128];
    const char *tz = getenv("TZ");
    if (tz && *tz) {
        snprintf(name, sizeof(name), "%s", tz + (*tz == ':'));
        return name;
    }
    FILE *f = fopen("/etc/timezone", "r");
    if (f && fgets(name, sizeof(name), f) && name[0] != '\n') {
        name[strcspn(name, "\n")] = '\0';
        fclose(f);
        return name;
    }
    if (f)
        fclose(f);
    return "the machine's local time";
}

/* The length of the valid UTF-8 sequence at p (1 to 4), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] < 0x80             ? 1
               : (p[0] & 0xe0) == 0xc0 ? 2
               : (p[0] & 0xf0) == 0xe0 ? 3
               : (p[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && p[0] < 0xc2) || p[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++) /* a NUL ends the loop: it is no continuation */
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0; /* overlong, a surrogate, or beyond U+10FFFF */
    return n;
}

/* The escape for the character of n bytes at p, or NULL when it is
 * written as it is.  buf holds at least 8 bytes. */
static const char *escape_of(const unsigned char *p, size_t n, int flags, char *buf)
{
    bool lines = flags & CLI_ESC_LINES;
    if (n == 0)
        snprintf(buf, 8, "\\x%02x", p[0]);
    else if (n == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
        snprintf(buf, 8, "\\u%04x", p[1]);
    else if (p[0] == '\n' || p[0] == '\t')
        return lines ? NULL : p[0] == '\n' ? "\\n" : "\\t";
    else if (p[0] == '\r')
        return "\\r";
    else if (p[0] < 0x20 || p[0] == 0x7f)
        snprintf(buf, 8, "\\x%02x", p[0]);
    else
        return NULL;
    return buf;
}

/* Whether s has anything to escape. */
static bool needs_escape(const char *s, int flags)
{
    char buf[8];
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (escape_of(p, n, flags, buf))
            return true;
        p += n ? n : 1;
    }
    return false;
}

void cli_print_escaped(FILE *f, const char *s, int flags)
{
    char buf[8];
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        size_t n = utf8_len(p);
        const char *e = escape_of(p, n, flags, buf);
        if (e)
            fputs(e, f);
        else
            fwrite(p, 1, n, f);
        p += n ? n : 1;
    }
}

char *cli_escape(const char *s, int flags)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    cli_print_escaped(f, s, flags);
    fclose(f);
    return buf;
}

/* A string value escaped: v itself (a new reference) when clean. */
static json_t *safe_string(json_t *v)
{
    const char *s = json_string_value(v);
    if (!needs_escape(s, 0) && strlen(s) == json_string_length(v))
        return json_incref(v);
    char *e = cli_escape(s, 0);
    json_t *out = json_string(e ? e : "?");
    free(e);
    return out;
}

json_t *cli_safe(json_t *v)
{
    const char *key;
    json_t *x, *out;
    size_t i;
    if (json_is_string(v))
        return safe_string(v);
    if (json_is_array(v)) {
        out = json_array();
        json_array_foreach(v, i, x) json_array_append_new(out, cli_safe(x));
        return out;
    }
    if (!json_is_object(v))
        return json_incref(v);
    out = json_object();
    json_object_foreach(v, key, x)
    {
        char *k = needs_escape(key, 0) ? cli_escape(key, 0) : NULL;
        json_object_set_new(out, k ? k : key, cli_safe(x));
        free(k);
    }
    return out;
}

void cli_errorf(const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&msg, fmt, ap);
    va_end(ap);
    fputs("muster: ", stderr);
    cli_print_escaped(stderr, rc < 0 ? "out of memory" : msg, 0);
    fputc('\n', stderr);
    if (rc >= 0)
        free(msg);
}

void cli_dump_json(FILE *f, json_t *v, size_t flags)
{
    char *text = json_dumps(v, flags);
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        if (*p == 0x7f)
            fputs("\\u007F", f);
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            fprintf(f, "\\u%04X", *++p);
        else
            fputc(*p, f);
    }
    fputc('\n', f);
    free(text);
}

void cli_print_json(FILE *f, json_t *v)
{
    cli_dump_json(f, v, JSON_INDENT(2) | JSON_ENCODE_ANY);
}

static const char *mode(json_t *o)
{
    return json_is_true(json_object_get(o, "exercise")) ? "EXERCISE" : "LIVE";
}

void cli_print_standup(json_t *r)
{
    printf("%s\n", proto_dash(r, "ref"));
    printf("stood up: plan %s, level %lld, %s, operation %s; %lld partner agencies activated\n",
           proto_dash(r, "plan"), proto_int(r, "level"), mode(r), proto_dash(r, "operation"),
           proto_int(r, "agencies"));
}

void cli_print_cap(json_t *r)
{
    json_t *cap = json_object_get(r, "cap");
    const char *action = proto_dash(cap, "action");
    if (!strcmp(action, "standup")) {
        cli_print_standup(r);
    } else if (!strcmp(action, "level_raised")) {
        printf("%s\n", proto_dash(r, "ref"));
        printf("level raised: %lld -> %lld (%s); %lld partner agencies paged\n",
               proto_int(r, "previous_level"), proto_int(r, "level"), proto_dash(r, "level_name"),
               proto_int(r, "agencies_paged"));
    } else if (!strcmp(action, "level_kept")) {
        printf("%s\n", proto_dash(r, "ref"));
        printf("level kept at %lld: the update asks for %lld, and a CAP update never lowers a "
               "level (Gold does: muster incident level)\n",
               proto_int(r, "level"), proto_int(r, "requested_level"));
    } else {
        printf("%s\n", proto_dash(r, "ref"));
        printf("stood down by CAP Cancel: paging and staffing ended\n");
    }
    printf("CAP %s %s from %s (%s)\n", proto_dash(cap, "msgType"), proto_dash(cap, "identifier"),
           proto_dash(cap, "sender"), proto_dash(cap, "status"));
}

void cli_print_incident_list(json_t *r)
{
    json_t *arr = json_object_get(r, "incidents"), *i;
    size_t n;
    if (json_array_size(arr) == 0) {
        printf("no incidents\n");
        return;
    }
    static const char *const head[] = {"REF",  "STATE",     "LEVEL",   "MODE",
                                       "PLAN", "OPERATION", "STOOD UP"};
    struct cli_table *t = cli_table_create(head, 7);
    json_array_foreach(arr, n, i)
    {
        char when[64];
        cli_table_add(t, "%s", proto_dash(i, "ref"));
        cli_table_add(t, "%s", proto_dash(i, "state"));
        cli_table_add(t, "%lld", proto_int(i, "level"));
        cli_table_add(t, "%s", mode(i));
        cli_table_add(t, "%s", proto_dash(i, "plan"));
        cli_table_add(t, "%s", proto_dash(i, "operation"));
        cli_table_add(t, "%s", cli_time(json_object_get(i, "created_at"), when, sizeof(when)));
    }
    cli_table_print(t, stdout, "");
    cli_table_delete(t);
}

/* One agency's page state: paging (step, attempts), acknowledged (by
 * whom, when, note) or unreachable; the agency padded to idw columns. */
static void cli_print_page(json_t *pg, int idw)
{
    char t[64];
    const char *state = proto_dash(pg, "state");
    fputs("  ", stdout);
    cli_pad(stdout, proto_dash(pg, "agency"), idw);
    fputc(' ', stdout);
    cli_pad(stdout, state, 13);
    if (!strcmp(state, "acknowledged"))
        printf(" by %s at %s%s%s", proto_dash(pg, "acknowledged_by"),
               cli_time(json_object_get(pg, "acknowledged_at"), t, sizeof(t)),
               json_is_string(json_object_get(pg, "ack_note")) ? ": " : "",
               json_is_string(json_object_get(pg, "ack_note")) ? proto_dash(pg, "ack_note") : "");
    else if (!strcmp(state, "unreachable"))
        printf(" since %s: RAISE WITH GOLD",
               cli_time(json_object_get(pg, "unreachable_at"), t, sizeof(t)));
    if (json_is_integer(json_object_get(pg, "escalated_to_step")))
        printf(" (step %lld, %lld attempt%s, %lld delivered, %lld failed)",
               proto_int(pg, "escalated_to_step"), proto_int(pg, "attempts"),
               proto_int(pg, "attempts") == 1 ? "" : "s", proto_int(pg, "delivered"),
               proto_int(pg, "failed"));
    if (json_is_string(json_object_get(pg, "ack_code")))
        printf(" code %s", proto_dash(pg, "ack_code"));
    printf("\n");
}

/* The agencies, a table of id, the level that activates them (after
 * level, when not NULL) and name. */
static void print_agencies(json_t *ags, const char *level)
{
    json_t *a;
    size_t i;
    struct cli_table *t = cli_table_create(NULL, level ? 3 : 2);
    json_array_foreach(ags, i, a)
    {
        cli_table_add(t, "%s", proto_dash(a, "id"));
        if (level)
            cli_table_add(t, "%s%lld", level, proto_int(a, "activate_level"));
        cli_table_add(t, "%s", proto_dash(a, "name"));
    }
    cli_table_print(t, stdout, "  ");
    cli_table_delete(t);
}

/* incident show --plan-version N: that version and its agencies. */
static void print_shown_version(json_t *v)
{
    char t[64];
    json_t *ags = json_object_get(json_object_get(v, "plan"), "agencies");
    if (!v)
        return;
    printf("plan version %lld: %s version %s (%.12s), from %s by %s\n", proto_int(v, "version"),
           proto_dash(json_object_get(v, "plan"), "id"), proto_dash(v, "plan_version"),
           proto_dash(v, "digest"), cli_time(json_object_get(v, "created_at"), t, sizeof(t)),
           proto_dash(v, "created_by"));
    printf("  %s\n", proto_dash(v, "summary"));
    print_agencies(ags, "level ");
    if (json_is_string(json_object_get(v, "plan_source")))
        printf("%s", proto_dash(v, "plan_source"));
}

void cli_print_incident(json_t *r)
{
    char t[64];
    json_t *plan = json_object_get(r, "plan");
    printf("incident   %s (%s)\n", proto_dash(r, "ref"), mode(r));
    printf("operation  %s\n", proto_dash(r, "operation"));
    printf("state      %s\n", proto_dash(r, "state"));
    printf("level      %lld %s\n", proto_int(r, "level"), proto_dash(r, "level_name"));
    printf("plan       %s version %s (%.12s), plan version %lld in force\n", proto_dash(plan, "id"),
           proto_dash(plan, "version"), proto_dash(plan, "digest"), proto_int(r, "plan_version"));
    printf("stood up   %s by %s\n", cli_time(json_object_get(r, "created_at"), t, sizeof(t)),
           proto_dash(r, "created_by"));
    if (json_is_string(json_object_get(r, "note")))
        printf("note       %s\n", proto_dash(r, "note"));
    if (json_is_integer(json_object_get(r, "stood_down_at")))
        printf("stood down %s by %s%s%s\n",
               cli_time(json_object_get(r, "stood_down_at"), t, sizeof(t)),
               proto_dash(r, "stood_down_by"),
               json_is_string(json_object_get(r, "standdown_note")) ? ": " : "",
               json_is_string(json_object_get(r, "standdown_note"))
                   ? proto_dash(r, "standdown_note")
                   : "");
    if (json_is_integer(json_object_get(r, "closed_at")))
        printf("closed     %s by %s%s%s\n", cli_time(json_object_get(r, "closed_at"), t, sizeof(t)),
               proto_dash(r, "closed_by"),
               json_is_string(json_object_get(r, "close_reason")) ? ": " : "",
               json_is_string(json_object_get(r, "close_reason")) ? proto_dash(r, "close_reason")
                                                                  : "");
    json_t *ags = json_object_get(r, "agencies");
    size_t i;
    printf("agencies   %zu activated\n", json_array_size(ags));
    print_agencies(ags, NULL);
    json_t *pages = json_object_get(r, "pages"), *pg;
    int idw = 0; /* the widest agency id: the states line up after it */
    json_array_foreach(pages, i, pg)
    {
        int w = cli_width(proto_dash(pg, "agency"));
        idw = w > idw ? w : idw;
    }
    if (json_array_size(pages) > 0)
        printf("pages\n");
    json_array_foreach(pages, i, pg) cli_print_page(pg, idw);
    print_shown_version(json_object_get(r, "shown_version"));
}

void cli_print_level(json_t *r)
{
    printf("%s: level %lld %s (was %lld); %lld agencies paged, %lld stood down\n",
           proto_dash(r, "ref"), proto_int(r, "level"), proto_dash(r, "level_name"),
           proto_int(r, "previous_level"), proto_int(r, "agencies_paged"),
           proto_int(r, "agencies_stood_down"));
}

void cli_print_amend(json_t *r)
{
    printf("%s: plan version %lld in force (%s); %lld agencies paged, %lld stood down\n",
           proto_dash(r, "ref"), proto_int(r, "plan_version"), proto_dash(r, "summary"),
           proto_int(r, "agencies_paged"), proto_int(r, "agencies_stood_down"));
}

void cli_print_plan_list(json_t *r)
{
    json_t *arr = json_object_get(r, "plans"), *p;
    size_t i;
    if (json_array_size(arr) == 0) {
        printf("no plans loaded\n");
        return;
    }
    static const char *const head[] = {"PLAN", "VERSION", "LEVELS", "AGENCIES", "NAME"};
    struct cli_table *t = cli_table_create(head, 5);
    json_array_foreach(arr, i, p)
    {
        cli_table_add(t, "%s", proto_dash(p, "id"));
        cli_table_add(t, "%s", proto_dash(p, "version"));
        cli_table_add(t, "%lld", proto_int(p, "levels"));
        cli_table_add(t, "%lld", proto_int(p, "agencies"));
        cli_table_add(t, "%s", proto_dash(p, "name"));
    }
    cli_table_print(t, stdout, "");
    cli_table_delete(t);
}

void cli_print_plan(json_t *r)
{
    json_t *plan = json_object_get(r, "plan");
    if (!plan)
        plan = r;
    printf("plan     %s version %s\n", proto_dash(plan, "id"), proto_dash(plan, "version"));
    printf("name     %s\n", proto_dash(plan, "name"));
    json_t *levels = json_object_get(r, "levels"), *l;
    size_t i;
    json_array_foreach(levels, i, l)
        printf("level %lld  %s\n", proto_int(l, "level"), proto_dash(l, "name"));
    print_agencies(json_object_get(r, "agencies"), "from level ");
}

void cli_print_pledges(json_t *r)
{
    json_t *arr = json_object_get(r, "pledges"), *p, *s;
    size_t i, j;
    if (json_array_size(arr) == 0) {
        printf("no pledges\n");
        return;
    }
    static const char *const head[] = {"ID", "AGENCY", "ROLE", "COUNT", "STATE", "SHIFTS"};
    struct cli_table *t = cli_table_create(head, 6);
    cli_table_right(t, 3);
    json_array_foreach(arr, i, p)
    {
        char shifts[512] = "";
        size_t n = 0;
        json_array_foreach(json_object_get(p, "shifts"), j, s) if (n < sizeof(shifts)) n +=
            (size_t)snprintf(shifts + n, sizeof(shifts) - n, "%s%s", j ? " " : "",
                             json_string_value(s) ?: "?");
        cli_table_add(t, "%lld", proto_int(p, "id"));
        cli_table_add(t, "%s", proto_dash(p, "agency"));
        cli_table_add(t, "%s", proto_dash(p, "role"));
        cli_table_add(t, "%lld", proto_int(p, "count"));
        cli_table_add(t, "%s", proto_dash(p, "state"));
        cli_table_add(t, "%s", shifts);
    }
    cli_table_print(t, stdout, "");
    cli_table_delete(t);
}
