/*
 * clients/watch.c - `muster watch`, the duty managers' live board in a
 * terminal, and `muster status`, the same board printed once.
 *
 * The board comes from a board_client (the feed's Clone pattern); this
 * file only draws it.  Drawing goes through a canvas of at most h lines of
 * at most w columns, built from blocks (one per section) that are cut to
 * fit with "+N more", so the same renderer serves an 80x24 terminal, a
 * 200x60 wall screen and the fixed 100x40 text of `muster status`.  Lines
 * carry one-byte style markers that become ANSI codes on a terminal and
 * disappear in plain text.  The board's strings are escaped (cli_safe)
 * before they are drawn, so data can neither forge a marker nor send the
 * terminal a sequence of its own, and emit lets no other control
 * character through.
 *
 * The terminal is driven with plain ANSI sequences (no curses): the
 * alternate screen, a hidden cursor, and each frame written by moving to
 * each changed line and overwriting it (erase to end of line), never by
 * clearing the screen, so it does not flicker.  At most ten frames a
 * second, and a new one on SIGWINCH.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "board_client.h"
#include "cli.h"
#include "cli_out.h"
#include "keys.h"

/* Style markers inside canvas lines. */
#define S_ALERT "\x01"
#define S_HEAD "\x02"
#define S_BANNER "\x03"
#define S_END "\x04"

#define MAX_ROWS 400
#define FRAME_MS 100 /* at most ten frames a second */
#define STALL_MS 60000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

struct canvas {
    int w, h, n;
    char *line[MAX_ROWS];
};

static void canvas_put(struct canvas *c, const char *s)
{
    if (c->n < c->h && c->n < MAX_ROWS)
        c->line[c->n++] = strdup(s);
}

static void canvas_free(struct canvas *c)
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
static void emit(FILE *f, const char *s, int w, bool ansi)
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

struct view {
    json_t *board, *meta;
    const char *ref;
    int64_t seq, skew;
    const char *footer; /* NULL: none (muster status) */
};

__attribute__((format(printf, 2, 3))) static json_int_t count(json_t *board, const char *fmt, ...)
{
    char key[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof(key), fmt, ap);
    va_end(ap);
    return json_integer_value(json_object_get(board, key));
}

static const char *str(json_t *obj, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : dflt;
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
    bool active = !strcmp(str(inc, "state", ""), "active");
    int64_t end =
        active ? now_ms() + v->skew : json_integer_value(json_object_get(inc, "stood_down_at"));
    fmt_duration(end - json_integer_value(json_object_get(inc, "created_at")), up, sizeof(up));
    snprintf(line, sizeof(line),
             S_BANNER " %s " S_END " " S_HEAD "%s" S_END "  %s%s" S_END " %s %s  level %lld %s"
                      "  operation %s",
             json_is_true(json_object_get(inc, "exercise")) ? "EXERCISE" : "LIVE", v->ref,
             active ? "" : S_ALERT, active ? "ACTIVE" : "STOOD DOWN", active ? "up" : "lasted", up,
             (long long)json_integer_value(json_object_get(inc, "level")),
             str(inc, "level_name", ""), str(inc, "operation", "?"));
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
            const char *id = str(a, "id", "?"), *name = str(a, "name", id);
            char key[160], when[16];
            snprintf(key, sizeof(key), "agency/%s", id);
            json_t *st = json_object_get(v->board, key);
            const char *state = str(st, "state", "?");
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
                          str(st, "acknowledged_by", "?"), when);
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
        snprintf(key, sizeof(key), "agency/%s", str(a, "id", "?"));
        const char *state = str(json_object_get(v->board, key), "state", "");
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
    int64_t now = now_ms() + v->skew;
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
    int len =
        snprintf(line, sizeof(line), "  %-*.*s", rw, rw, str(role, "name", str(role, "id", "?")));
    for (size_t k = from; k < from + ns && len < (int)sizeof(line) - 64; k++) {
        char key[200];
        snprintf(key, sizeof(key), "cell/%s/%s", str(json_array_get(shifts, k), "key", ""),
                 str(role, "id", ""));
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
        snprintf(label, sizeof(label), "%.3s %.5s", day, str(s, "name", "?"));
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
    json_array_foreach(roles, i, role) rw = clamp((int)strlen(str(role, "name", "")), rw, 40);
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
    const char *id = str(p, "id", "?");
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
    block_add(b, "  %-*.*s %s%s" S_END " %s", nw, nw, str(p, "name", id),
              cap > 0 && ref >= cap ? S_ALERT : "", bar, extra);
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
    json_array_foreach(json_object_get(v->meta, "pathways"), i, p) pathway_line(v, p, w, b);
}

static void breaches_block(const struct view *v, struct block *b)
{
    long long br = count(v->board, "breaches"), ur = count(v->board, "urgent");
    block_add(b,
              S_HEAD "BREACHES" S_END "  %s%lld past the referral deadline" S_END "    " S_HEAD
                     "URGENT" S_END "  %s%lld" S_END,
              br ? S_ALERT : "", br, ur ? S_ALERT : "", ur);
    b->fixed = 1;
}

static void render_view(const struct view *v, struct canvas *c);

/* Draw the whole board onto c (c->w by c->h), from escaped copies of the
 * board, its meta and the reference. */
static void render(const struct view *raw, struct canvas *c)
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
        struct block b[4] = {{0}};
        header_line(v, c);
        agencies_block(v, c->w, &b[0]);
        staffing_block(v, c->w, &b[1]);
        persons_block(v, c->w, &b[2]);
        breaches_block(v, &b[3]);
        canvas_layout(c, b, 4, avail);
        for (int i = 0; i < 4; i++)
            block_free(&b[i]);
    }
    if (v->footer) {
        while (c->n < c->h - 1)
            canvas_put(c, "");
        canvas_put(c, v->footer);
    }
}

/* ---- muster status ---- */

static void status_text(json_t *r)
{
    struct view v = {json_object_get(r, "board"),
                     json_object_get(r, "meta"),
                     json_string_value(json_object_get(r, "incident")),
                     json_integer_value(json_object_get(r, "seq")),
                     0,
                     NULL};
    struct canvas c = {.w = 100, .h = 40};
    render(&v, &c);
    for (int i = 0; i < c.n; i++) {
        emit(stdout, c.line[i], c.w, false);
        fputc('\n', stdout);
    }
    canvas_free(&c);
}

static void status_hash(json_t *r)
{
    char hex[65];
    if (board_client_sha256(json_object_get(r, "board"), hex) == 0)
        printf("%s\n", hex);
}

int cli_status(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"json", 0, NULL, 'j'}, {"hash", 0, NULL, 'H'}, {NULL, 0, NULL, 0}};
    bool hash = false;
    SUBOPTS_BEGIN(o)
case 'j':
    cli->json = true;
    break;
case 'H':
    hash = true;
    break;
    SUBOPTS_END
    if (optind < argc - 1)
        return die_usage("usage: muster status [INCIDENT] [--json|--hash]");
    if (hash)
        cli->json = false;
    json_t *args = optind < argc ? json_pack("{s:s}", "incident", argv[optind]) : json_object();
    return call(cli, "duty", "status.show", args, hash ? status_hash : status_text);
}

/* ---- the terminal ---- */

static volatile sig_atomic_t got_quit, got_winch;

static void on_signal(int sig)
{
    if (sig == SIGWINCH)
        got_winch = 1;
    else
        got_quit = 1;
}

static void signals_set(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the poll */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
}

struct tui {
    struct board_client *b;
    struct termios saved;
    int w, h;
    char *prev[MAX_ROWS]; /* the lines on screen, as written */
    int64_t last_draw;
    bool dirty;
    char note[256]; /* a message for the footer */
};

static void tui_size(struct tui *t)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
        t->w = ws.ws_col;
        t->h = ws.ws_row < MAX_ROWS ? ws.ws_row : MAX_ROWS;
    } else {
        t->w = 80;
        t->h = 24;
    }
    for (int i = 0; i < MAX_ROWS; i++) {
        free(t->prev[i]);
        t->prev[i] = NULL;
    }
    t->dirty = true;
}

/* Raw keys (no echo, no line editing; Ctrl-C still signals), the
 * alternate screen and a hidden cursor. */
static int tui_enter(struct tui *t)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || tcgetattr(STDIN_FILENO, &t->saved))
        return -ENOTTY;
    struct termios raw = t->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
        return -errno;
    fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
    fflush(stdout);
    return 0;
}

static void tui_leave(struct tui *t)
{
    fputs("\033[0m\033[?25h\033[?1049l", stdout);
    fflush(stdout);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
    for (int i = 0; i < MAX_ROWS; i++)
        free(t->prev[i]);
}

static void tui_footer(struct tui *t, char *buf, size_t len)
{
    char *note = cli_escape(t->note, 0);
    snprintf(buf, len,
             S_HEAD "seq %lld" S_END "  q quit  n/p next/previous incident  r refresh%s%s%s",
             (long long)board_client_seq(t->b), t->note[0] ? "   " S_ALERT : "", note ? note : "",
             t->note[0] ? S_END : "");
    free(note);
}

/* Write one frame: only the lines that changed, each overwritten in
 * place and erased to its end.  One write for the whole frame. */
static void tui_draw(struct tui *t)
{
    char footer[512], *frame = NULL;
    size_t flen = 0;
    tui_footer(t, footer, sizeof(footer));
    struct view v = {board_client_board(t->b), board_client_meta(t->b), board_client_ref(t->b),
                     board_client_seq(t->b),   board_client_skew(t->b), footer};
    struct canvas c = {.w = t->w, .h = t->h};
    render(&v, &c);
    FILE *f = open_memstream(&frame, &flen);
    for (int r = 0; f && r < t->h; r++) {
        char *text = NULL;
        size_t tlen = 0;
        FILE *l = open_memstream(&text, &tlen);
        emit(l, r < c.n ? c.line[r] : "", t->w - 1, true); /* never the last column */
        fclose(l);
        if (t->prev[r] && !strcmp(t->prev[r], text)) {
            free(text);
            continue;
        }
        fprintf(f, "\033[%d;1H%s\033[K", r + 1, text);
        free(t->prev[r]);
        t->prev[r] = text;
    }
    if (f)
        fclose(f);
    fwrite(frame, 1, flen, stdout);
    fflush(stdout);
    free(frame);
    canvas_free(&c);
    t->last_draw = now_ms();
    t->dirty = false;
}

/* n / p: the next or previous active incident, newest first. */
static void tui_switch(struct tui *t, int dir)
{
    char err[256];
    json_t *refs = board_client_incidents(t->b, err, sizeof(err));
    size_t n = json_array_size(refs), at = 0, i;
    json_t *r;
    if (!refs || n == 0) {
        snprintf(t->note, sizeof(t->note), "%s", refs ? "no active incidents" : err);
        json_decref(refs);
        return;
    }
    json_array_foreach(refs, i, r) if (!strcmp(json_string_value(r), board_client_ref(t->b))) at =
        (i + n + (size_t)dir) % n;
    if (board_client_watch(t->b, json_string_value(json_array_get(refs, at)), err, sizeof(err)))
        snprintf(t->note, sizeof(t->note), "%s", err);
    else
        snprintf(t->note, sizeof(t->note), "incident %zu of %zu active", at + 1, n);
    json_decref(refs);
}

static void tui_keys(struct tui *t)
{
    char keys[64], err[256];
    ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
        got_quit = 1; /* the terminal went away */
    for (ssize_t i = 0; i < n; i++) {
        if (keys[i] == 'q' || keys[i] == 'Q')
            got_quit = 1;
        else if (keys[i] == 'n' || keys[i] == 'p')
            tui_switch(t, keys[i] == 'n' ? 1 : -1);
        else if (keys[i] == 'r' && board_client_snapshot(t->b, err, sizeof(err)) != 0)
            snprintf(t->note, sizeof(t->note), "%s", err);
        else if (keys[i] == 'r')
            t->note[0] = '\0';
    }
    t->dirty = true;
}

/* The main loop: the feed, the keyboard and the clock, one poll. */
static void tui_loop(struct tui *t)
{
    char err[256];
    zmq_pollitem_t items[2] = {{board_client_feed(t->b), 0, ZMQ_POLLIN, 0},
                               {NULL, STDIN_FILENO, ZMQ_POLLIN, 0}};
    while (!got_quit) {
        int64_t since = now_ms() - t->last_draw;
        long wait = t->dirty ? (since >= FRAME_MS ? 0 : FRAME_MS - since) : 1000 - since % 1000;
        if (zmq_poll(items, 2, wait) < 0 && errno != EINTR)
            break;
        if (items[0].revents & ZMQ_POLLIN) {
            int rc = board_client_drain(t->b, err, sizeof(err));
            if (rc < 0)
                snprintf(t->note, sizeof(t->note), "%s", err);
            t->dirty = t->dirty || rc != 0;
        }
        if (items[1].revents & ZMQ_POLLIN)
            tui_keys(t);
        if (got_winch) {
            got_winch = 0;
            tui_size(t);
        }
        since = now_ms() - t->last_draw;
        if ((t->dirty && since >= FRAME_MS) || since >= 1000)
            tui_draw(t);
    }
}

static int run_tui(struct board_client *b)
{
    struct tui t = {.b = b};
    int rc = tui_enter(&t);
    if (rc != 0) {
        fprintf(stderr, "muster: watch needs a terminal (muster status prints the board once)\n");
        return EXIT_USAGE;
    }
    signals_set();
    tui_size(&t);
    tui_draw(&t);
    tui_loop(&t);
    tui_leave(&t);
    return 0;
}

/* ---- headless: --dump-after SEQ ---- */

/* SEQ from a line on standard input ("-"): -1 until it has come. */
static int64_t read_target(void)
{
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        fprintf(stderr, "muster: no SEQ on standard input\n");
        return -2;
    }
    return strtoll(line, NULL, 10);
}

static void dump_report(struct board_client *b, unsigned long *snaps, unsigned long *gaps)
{
    if (board_client_gaps(b) != *gaps)
        fprintf(stderr, "muster: re-snapshot after gap (now at seq %lld)\n",
                (long long)board_client_seq(b));
    else if (board_client_snapshots(b) != *snaps)
        cli_errorf("snapshot %s seq %lld", board_client_ref(b), (long long)board_client_seq(b));
    *snaps = board_client_snapshots(b);
    *gaps = board_client_gaps(b);
}

/* Apply the feed until seq target (read from stdin when "-"), then print
 * the board as canonical JSON.  Gives up after STALL_MS without progress. */
static int run_dump(struct board_client *b, const char *arg)
{
    int64_t target = strcmp(arg, "-") ? strtoll(arg, NULL, 10) : -1, last = now_ms(), seq = -2;
    unsigned long snaps = 0, gaps = 0;
    char err[256];
    zmq_pollitem_t items[2] = {{board_client_feed(b), 0, ZMQ_POLLIN, 0},
                               {NULL, STDIN_FILENO, ZMQ_POLLIN, 0}};
    dump_report(b, &snaps, &gaps);
    while (target < 0 || board_client_seq(b) < target) {
        if (seq != board_client_seq(b) || target < 0)
            last = now_ms();
        seq = board_client_seq(b);
        if (now_ms() - last > STALL_MS || target == -2) {
            fprintf(stderr, "muster: stalled at seq %lld (waiting for %lld)\n", (long long)seq,
                    (long long)target);
            return EXIT_UNREACHABLE;
        }
        if (zmq_poll(items, target == -1 ? 2 : 1, 1000) < 0 && errno != EINTR)
            return EXIT_UNREACHABLE;
        if (target == -1 && (items[1].revents & ZMQ_POLLIN))
            target = read_target();
        if ((items[0].revents & ZMQ_POLLIN) && board_client_drain(b, err, sizeof(err)) < 0)
            cli_errorf("%s", err);
        dump_report(b, &snaps, &gaps);
    }
    if (board_client_board(b))
        cli_dump_json(stdout, board_client_board(b), JSON_SORT_KEYS | JSON_COMPACT);
    else
        printf("null\n");
    return 0;
}

/* ---- muster watch ---- */

static int watch_open(struct cli *cli, const char *ref, struct board_client **b)
{
    struct keypair me;
    char server_pub[41], err[512];
    if (cli_load_keys(cli, "duty", &me, server_pub) != 0)
        return EXIT_LOCAL;
    struct board_client_opts o = {cli->endpoint, cli->feed_endpoint, &me,
                                  server_pub,    cli->timeout_ms,    NULL};
    int rc = board_client_open(&o, b, err, sizeof(err));
    if (rc == 0) {
        rc = board_client_watch(*b, ref, err, sizeof(err));
        if (rc == -ENOENT && !ref)
            rc = 0; /* no incident yet: the board waits for one */
    }
    if (rc == 0)
        return 0;
    cli_errorf("%s", err);
    board_client_close(*b);
    *b = NULL;
    return rc == -EACCES                   ? EXIT_AUTH
           : rc == -ENOENT || rc == -EPERM ? EXIT_REFUSED
                                           : EXIT_UNREACHABLE;
}

int cli_watch(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"dump-after", 1, NULL, 'd'}, {NULL, 0, NULL, 0}};
    const char *dump = NULL;
    SUBOPTS_BEGIN(o)
case 'd':
    dump = optarg;
    break;
    SUBOPTS_END
    if (optind < argc - 1)
        return die_usage("usage: muster watch [INCIDENT]");
    struct board_client *b = NULL;
    int rc = watch_open(cli, optind < argc ? argv[optind] : NULL, &b);
    if (rc != 0)
        return rc;
    rc = dump ? run_dump(b, dump) : run_tui(b);
    board_client_close(b);
    return rc;
}
