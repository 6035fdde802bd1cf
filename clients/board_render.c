/*
 * clients/board_render.c - drawing the live board onto a canvas (see
 * board_render.h): blocks, one per section, cut to fit with "+N more".
 */
#include "board_render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board_client.h"
#include "cli.h"
#include "cli_out.h"
#include "proto.h"
#include "clock.h"
#include "keys.h"

/* ---- blocks: a section's lines, cut to fit ---- */

struct block {
    char **line;
    int n, cap;
    int fixed; /* the first lines, always shown */
};

__attribute__((format(printf, 2, 3))) static void block_add(struct block *b, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0 || (b->n == b->cap && b->cap >= MAX_ROWS * 4)) {
        free(rc < 0 ? NULL : s);
        return;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->line = realloc(b->line, (size_t)b->cap * sizeof(*b->line));
    }
    b->line[b->n++] = s;
}

static void block_free(struct block *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->line[i]);
    free(b->line);
    memset(b, 0, sizeof(*b));
}

/* The lines a block needs at least: its fixed ones, and "+N more". */
static int block_min(const struct block *b)
{
    return b->n > b->fixed ? b->fixed + 1 : b->n;
}

/* ---- the canvas ---- */

static void canvas_put(struct canvas *c, const char *s)
{
    if (c->n < c->h && c->n < MAX_ROWS)
        c->line[c->n++] = strdup(s);
}

void canvas_free(struct canvas *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->line[i]);
    c->n = 0;
}

/* Put the first k lines' worth of block b: all of it, or its fixed lines,
 * as many items as fit and "+N more". */
static void canvas_block(struct canvas *c, const struct block *b, int k)
{
    if (k >= b->n) {
        for (int i = 0; i < b->n; i++)
            canvas_put(c, b->line[i]);
        return;
    }
    int shown = k - 1 - b->fixed;
    for (int i = 0; i < b->fixed + (shown > 0 ? shown : 0); i++)
        canvas_put(c, b->line[i]);
    char more[32];
    snprintf(more, sizeof(more), "   +%d more", b->n - b->fixed - (shown > 0 ? shown : 0));
    canvas_put(c, more);
}

/* Share avail lines among the blocks: each gets its minimum, then one
 * line more in turn while any wants more (so no section starves another),
 * and a blank line between sections when everything fits. */
static void canvas_layout(struct canvas *c, struct block *b, int nb, int avail)
{
    int give[8] = {0};
    for (int i = 0; i < nb && i < 8; i++) {
        give[i] = block_min(&b[i]);
        avail -= give[i];
    }
    for (bool more = true; avail > 0 && more;) {
        more = false;
        for (int i = 0; i < nb && avail > 0; i++)
            if (give[i] < b[i].n) {
                give[i]++;
                avail--;
                more = true;
            }
    }
    bool spaced = avail >= nb - 1;
    for (int i = 0; i < nb; i++) {
        if (i > 0 && spaced)
            canvas_put(c, "");
        canvas_block(c, &b[i], give[i]);
    }
}

/* Write line s for a screen of width w: markers become ANSI codes (or
 * vanish), any other control character (C0, DEL, C1) a '?', at most w
 * visible characters (UTF-8 aware). */
void emit(FILE *f, const char *s, int w, bool ansi)
{
    static const char *const codes[] = {"", "\033[1;31m", "\033[1m", "\033[1;7m", "\033[0m"};
    int visible = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 1 && *p <= 4) {
            if (ansi)
                fputs(codes[*p], f);
            continue;
        }
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            if (visible >= w)
                break;
            fputc('?', f);
            visible++;
            p += *p == 0xc2; /* both bytes of a C1 control */
            continue;
        }
        bool cont = (*p & 0xC0) == 0x80;
        if (!cont && visible >= w)
            break;
        visible += !cont;
        fputc(*p, f);
    }
    if (ansi)
        fputs("\033[0m", f);
}

/* ---- reading the board ---- */

__attribute__((format(printf, 2, 3))) static json_int_t count(json_t *board, const char *fmt, ...)
{
    char key[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof(key), fmt, ap);
    va_end(ap);
    return json_integer_value(json_object_get(board, key));
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void fmt_duration(int64_t ms, char *buf, size_t len)
{
    long long m = ms / 60000;
    if (ms < 0)
        snprintf(buf, len, "--");
    else if (m >= 24 * 60)
        snprintf(buf, len, "%lldd %02lldh %02lldm", m / 1440, m / 60 % 24, m % 60);
    else if (m >= 60)
        snprintf(buf, len, "%lldh %02lldm", m / 60, m % 60);
    else
        snprintf(buf, len, "%lldm %02llds", m, (long long)(ms / 1000 % 60));
}

/* ms since the epoch as local "HH:MM", or the weekday ("Tue"). */
static void fmt_clock(json_t *ms, bool weekday, char *buf, size_t len)
{
    time_t t = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    if (weekday)
        strftime(buf, len, "%a", &tm);
    else
        strftime(buf, len, "%H:%M", &tm);
}

/* ---- the sections ---- */

static void header_line(const struct view *v, struct canvas *c)
{
    json_t *inc = json_object_get(v->board, "incident");
    char up[32], line[512];
    const char *state = proto_str(inc, "state", "");
    bool active = !strcmp(state, "active");
    int64_t end = active ? clock_real_ms() + v->skew
                         : json_integer_value(json_object_get(inc, "stood_down_at"));
    fmt_duration(end - json_integer_value(json_object_get(inc, "created_at")), up, sizeof(up));
    snprintf(line, sizeof(line),
             S_BANNER " %s " S_END " " S_HEAD "%s" S_END "  %s%s" S_END " %s %s  level %lld %s"
                      "  operation %s",
             json_is_true(json_object_get(inc, "exercise")) ? "EXERCISE" : "LIVE", v->ref,
             active ? "" : S_ALERT,
             active                         ? "ACTIVE"
             : !strcmp(state, "stood_down") ? "RECOVERY (stood down)"
                                            : "CLOSED",
             active ? "up" : "lasted", up,
             (long long)json_integer_value(json_object_get(inc, "level")),
             proto_str(inc, "level_name", ""), proto_str(inc, "operation", "?"));
    canvas_put(c, line);
}

static const char *const agency_states[] = {"unreachable", "paging", "acknowledged", NULL};

/* One line per agency: the unreachable ones first, then the waiting,
 * then those that answered, then any other (cancelled). */
static void agency_lines(const struct view *v, int w, struct block *b)
{
    int nw = clamp(w - 40, 20, 70);
    for (int pass = 0; pass < 4; pass++) {
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(v->meta, "agencies"), i, a)
        {
            const char *id = proto_str(a, "id", "?"), *name = proto_str(a, "name", id);
            char key[160], when[16];
            snprintf(key, sizeof(key), "agency/%s", id);
            json_t *st = json_object_get(v->board, key);
            const char *state = proto_str(st, "state", "?");
            int k = 0;
            while (agency_states[k] && strcmp(agency_states[k], state))
                k++;
            if (k != pass)
                continue;
            long long step = json_integer_value(json_object_get(st, "step"));
            fmt_clock(json_object_get(st, "acknowledged_at"), false, when, sizeof(when));
            if (pass == 0)
                block_add(b, "  " S_ALERT "UNREACHABLE" S_END " %-*.*s  step %lld", nw, nw, name,
                          step);
            else if (pass == 1)
                block_add(b, "  waiting     %-*.*s  paging, step %lld", nw, nw, name, step);
            else if (pass == 2)
                block_add(b, "  answered    %-*.*s  by %s at %s", nw, nw, name,
                          proto_str(st, "acknowledged_by", "?"), when);
            else
                block_add(b, "  %-11.11s %-*.*s", state, nw, nw, name);
        }
    }
}

static void agencies_block(const struct view *v, int w, struct block *b)
{
    json_int_t n[4] = {0};
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(v->meta, "agencies"), i, a)
    {
        char key[160];
        snprintf(key, sizeof(key), "agency/%s", proto_str(a, "id", "?"));
        const char *state = proto_str(json_object_get(v->board, key), "state", "");
        int k = 0;
        while (agency_states[k] && strcmp(agency_states[k], state))
            k++;
        n[k]++;
    }
    block_add(b,
              S_HEAD "AGENCIES" S_END "  %lld answered  %lld waiting  %s%lld unreachable" S_END
                     "  (of %zu paged)",
              (long long)n[2], (long long)n[1], n[0] ? S_ALERT : "", (long long)n[0],
              json_array_size(json_object_get(v->meta, "agencies")));
    b->fixed = 1;
    agency_lines(v, w, b);
}

/* The shifts to show: from the first that has not ended (by the daemon's
 * clock), as many as fit; the last ones when all have ended. */
static size_t first_shift(const struct view *v, size_t fit)
{
    json_t *shifts = json_object_get(v->meta, "shifts"), *s;
    size_t i, n = json_array_size(shifts);
    int64_t now = clock_real_ms() + v->skew;
    json_array_foreach(shifts, i,
                       s) if (json_integer_value(json_object_get(s, "ends_at")) > now) return i;
    return n > fit ? n - fit : 0;
}

/* One grid cell, right-aligned in 9 columns: pledged/required, marked
 * when short. */
static void grid_cell(json_t *cell, char *out, size_t len)
{
    char text[32];
    if (!cell) {
        snprintf(out, len, "%9s ", "-");
        return;
    }
    long long req = json_integer_value(json_object_get(cell, "required"));
    long long got = json_integer_value(json_object_get(cell, "pledged"));
    bool short_ = got < req;
    if (req == 0 && got == 0) {
        snprintf(out, len, "%9s ", "-");
        return;
    }
    if (snprintf(text, sizeof(text), "%lld/%lld%s", got, req, short_ ? "!" : " ") < 0)
        text[0] = '\0';
    snprintf(out, len, "%s%9s" S_END " ", short_ ? S_ALERT : "", text);
}

static void grid_row(const struct view *v, json_t *role, int rw, size_t from, size_t ns,
                     struct block *b)
{
    char line[2048], cell[48];
    json_t *shifts = json_object_get(v->meta, "shifts");
    int len = snprintf(line, sizeof(line), "  %-*.*s", rw, rw,
                       proto_str(role, "name", proto_str(role, "id", "?")));
    for (size_t k = from; k < from + ns && len < (int)sizeof(line) - 64; k++) {
        char key[200];
        snprintf(key, sizeof(key), "cell/%s/%s", proto_str(json_array_get(shifts, k), "key", ""),
                 proto_str(role, "id", ""));
        grid_cell(json_object_get(v->board, key), cell, sizeof(cell));
        len += snprintf(line + len, sizeof(line) - (size_t)len, "%s", cell);
    }
    block_add(b, "%s", line);
}

static void grid_header(const struct view *v, int rw, size_t from, size_t ns, struct block *b)
{
    char line[2048];
    json_t *shifts = json_object_get(v->meta, "shifts");
    int len = snprintf(line, sizeof(line), "  %-*s", rw, "role \\ shift");
    for (size_t k = from; k < from + ns && len < (int)sizeof(line) - 32; k++) {
        json_t *s = json_array_get(shifts, k);
        char day[8], label[16];
        fmt_clock(json_object_get(s, "starts_at"), true, day, sizeof(day));
        snprintf(label, sizeof(label), "%.3s %.5s", day, proto_str(s, "name", "?"));
        len += snprintf(line + len, sizeof(line) - (size_t)len, "%9.9s ", label);
    }
    block_add(b, "%s", line);
}

/* Cells short of their requirement, over every shift. */
static int grid_short(const struct view *v, int *cells)
{
    const char *key;
    json_t *c;
    int n = 0;
    *cells = 0;
    json_object_foreach(v->board, key, c)
    {
        if (strncmp(key, "cell/", 5))
            continue;
        (*cells)++;
        n += json_integer_value(json_object_get(c, "pledged")) <
             json_integer_value(json_object_get(c, "required"));
    }
    return n;
}

static void staffing_block(const struct view *v, int w, struct block *b)
{
    json_t *roles = json_object_get(v->meta, "roles"), *role;
    size_t i, nshifts = json_array_size(json_object_get(v->meta, "shifts"));
    int cells, shortn = grid_short(v, &cells);
    if (json_array_size(roles) == 0 || nshifts == 0) {
        block_add(b, S_HEAD "STAFFING" S_END "  no surge staffing in this plan");
        b->fixed = 1;
        return;
    }
    int rw = 12;
    json_array_foreach(roles, i, role) rw = clamp((int)strlen(proto_str(role, "name", "")), rw, 40);
    rw = clamp(rw, 12, w >= 160 ? 40 : 24);
    size_t fit = (size_t)clamp((w - 3 - rw) / 10, 1, 64);
    size_t from = first_shift(v, fit), ns = nshifts - from < fit ? nshifts - from : fit;
    block_add(b,
              S_HEAD "STAFFING" S_END "  %s%d of %d short" S_END
                     "  pledged/required, ! short  shifts %zu-%zu of %zu",
              shortn ? S_ALERT : "", shortn, cells, from + 1, from + ns, nshifts);
    grid_header(v, rw, from, ns, b);
    b->fixed = 2;
    json_array_foreach(roles, i, role) grid_row(v, role, rw, from, ns, b);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys under prefix with a non-zero count, "name count" each, sorted. */
static void counts_under(json_t *board, const char *prefix, char *out, size_t len)
{
    const char *names[64];
    size_t n = 0, plen = strlen(prefix), used = 0;
    const char *key;
    json_t *v;
    json_object_foreach(board, key, v) if (!strncmp(key, prefix, plen) &&
                                           json_integer_value(v) != 0 && n < 64) names[n++] = key;
    qsort(names, n, sizeof(names[0]), by_name);
    out[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "  %s %lld", names[i] + plen,
                                 (long long)json_integer_value(json_object_get(board, names[i])));
}

static void pathway_line(const struct view *v, json_t *p, int w, struct block *b)
{
    const char *id = proto_str(p, "id", "?");
    long long cap = json_integer_value(json_object_get(p, "capacity"));
    long long ref = count(v->board, "pathway/%s/referred", id);
    long long wait = count(v->board, "pathway/%s/waitlisted", id);
    long long held = count(v->board, "pathway/%s/held_consent", id);
    int nw = clamp(w - 44, 16, 70), bw = clamp((w - nw - 30) / 3, 10, 40);
    char bar[64], extra[128];
    if (cap > 0) {
        long long fill = ref >= cap ? bw : ref * bw / cap;
        snprintf(bar, sizeof(bar), "[%.*s%*s]", (int)fill,
                 "########################################", bw - (int)fill, "");
    } else {
        snprintf(bar, sizeof(bar), "%-*s", bw + 2, " no limit");
    }
    size_t used = 0;
    if (cap > 0)
        used = (size_t)snprintf(extra, sizeof(extra), "%lld/%lld", ref, cap);
    else
        used = (size_t)snprintf(extra, sizeof(extra), "%lld referred", ref);
    if (wait)
        used += (size_t)snprintf(extra + used, sizeof(extra) - used,
                                 " " S_ALERT "+%lld waiting" S_END, wait);
    if (held)
        snprintf(extra + used, sizeof(extra) - used, "  %lld awaiting consent", held);
    block_add(b, "  %-*.*s %s%s" S_END " %s", nw, nw, proto_str(p, "name", id),
              cap > 0 && ref >= cap ? S_ALERT : "", bar, extra);
}

/* The self-registrations waiting for a call handler (an incident Gold
 * published), with the age of the oldest: a queue that must not grow old. */
static void selfreg_line(const struct view *v, struct block *b)
{
    json_t *q = json_object_get(v->board, "selfreg/unverified");
    if (!json_is_object(q))
        return;
    long long n = count(q, "count");
    json_t *oldest = json_object_get(q, "oldest_at");
    char age[32] = "";
    if (n > 0 && json_is_integer(oldest))
        fmt_duration(clock_real_ms() + v->skew - json_integer_value(oldest), age, sizeof(age));
    block_add(b, "  self-registered, unverified: %s%lld" S_END "%s%s%s", n ? S_ALERT : "", n,
              n ? " (oldest " : "", age, n ? "; muster person verify P --outcome ...)" : "");
}

static void persons_block(const struct view *v, int w, struct block *b)
{
    char cats[1024], contact[1024];
    size_t i;
    json_t *p;
    counts_under(v->board, "category/", cats, sizeof(cats));
    counts_under(v->board, "contact/", contact, sizeof(contact));
    block_add(b, S_HEAD "PERSONS" S_END "  %lld registered %s",
              (long long)count(v->board, "persons"), cats);
    b->fixed = 1;
    if (contact[0])
        block_add(b, "  contact:%s", contact);
    selfreg_line(v, b);
    json_array_foreach(json_object_get(v->meta, "pathways"), i, p) pathway_line(v, p, w, b);
}

static void breaches_block(const struct view *v, struct block *b)
{
    long long br = count(v->board, "breaches"), ur = count(v->board, "urgent");
    long long over = count(v->board, "rescreen/overdue");
    block_add(b,
              S_HEAD "BREACHES" S_END "  %s%lld past the referral deadline" S_END "    " S_HEAD
                     "URGENT" S_END "  %s%lld" S_END,
              br ? S_ALERT : "", br, ur ? S_ALERT : "", ur);
    block_add(b,
              S_HEAD "RECOVERY" S_END "  %lld open referrals   re-screens: %lld due, %s%lld"
                     " overdue" S_END ", %lld done",
              count(v->board, "referrals/open"), count(v->board, "rescreen/due"),
              over ? S_ALERT : "", over, count(v->board, "rescreen/done"));
    b->fixed = 2;
}

static int by_alarm_id(const void *a, const void *b)
{
    long long x = atoll(*(const char *const *)a + 6), y = atoll(*(const char *const *)b + 6);
    return (x > y) - (x < y);
}

/* The open alarms, oldest first: what someone must act on, above all else.
 * One line each: id (for `muster alarm clear`), kind, since when, detail. */
static void alarms_block(const struct view *v, int w, struct block *b)
{
    const char *keys[MAX_ROWS];
    size_t n = 0;
    const char *key;
    json_t *a;
    json_object_foreach(v->board, key, a) if (!strncmp(key, "alarm/", 6) && n < MAX_ROWS)
        keys[n++] = key;
    qsort(keys, n, sizeof(keys[0]), by_alarm_id);
    block_add(b, S_HEAD "ALARMS" S_END "  %s%zu open" S_END "%s", n ? S_ALERT : "", n,
              n ? "  (muster alarm clear ID --note ...)" : "");
    b->fixed = 1;
    int dw = clamp(w - 44, 20, 120);
    for (size_t i = 0; i < n; i++) {
        a = json_object_get(v->board, keys[i]);
        char at[16], age[32];
        json_t *raised = json_object_get(a, "raised_at");
        fmt_clock(raised, false, at, sizeof(at));
        fmt_duration(clock_real_ms() + v->skew - json_integer_value(raised), age, sizeof(age));
        block_add(b, "  " S_ALERT "#%-5s" S_END " %-23.23s %s (%s)  %-*.*s", keys[i] + 6,
                  proto_str(a, "kind", "?"), at, age, dw, dw, proto_str(a, "detail", ""));
    }
}

static void render_view(const struct view *v, struct canvas *c);

/* Draw the whole board onto c (c->w by c->h), from escaped copies of the
 * board, its meta and the reference. */
void render(const struct view *raw, struct canvas *c)
{
    struct view v = *raw;
    char *ref = raw->ref ? cli_escape(raw->ref, 0) : NULL;
    v.board = cli_safe(raw->board);
    v.meta = cli_safe(raw->meta);
    v.ref = ref ? ref : raw->ref;
    render_view(&v, c);
    json_decref(v.board);
    json_decref(v.meta);
    free(ref);
}

static void render_view(const struct view *v, struct canvas *c)
{
    int avail = c->h - 1 - (v->footer ? 1 : 0);
    if (!v->board) {
        canvas_put(c, S_HEAD "muster" S_END "  no incident to show: waiting for a standup");
    } else {
        struct block b[5] = {{0}};
        header_line(v, c);
        alarms_block(v, c->w, &b[0]);
        agencies_block(v, c->w, &b[1]);
        staffing_block(v, c->w, &b[2]);
        persons_block(v, c->w, &b[3]);
        breaches_block(v, &b[4]);
        canvas_layout(c, b, 5, avail);
        for (int i = 0; i < 5; i++)
            block_free(&b[i]);
    }
    if (v->footer) {
        while (c->n < c->h - 1)
            canvas_put(c, "");
        canvas_put(c, v->footer);
    }
}
