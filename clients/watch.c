/*
 * clients/watch.c - `muster watch`, the duty managers' live board in a
 * terminal, and `muster status`, the same board printed once.
 *
 * The board comes from a board_client (the feed's Clone pattern) and is
 * drawn by board_render.c onto a canvas, so the same renderer serves an
 * 80x24 terminal, a 200x60 wall screen and the fixed 100x40 text of
 * `muster status`; this file runs the terminal and the headless modes.
 *
 * The terminal is driven with curses (ncursesw): the alternate screen, no
 * cursor, each frame drawn whole into curses' screen, which sends only
 * what changed, so it does not flicker.  At most ten frames a second, one
 * at each new second for the clock, and one on a resize (KEY_RESIZE).
 * The board says STALE, never ACTIVE, when musterd has not spoken for
 * STALE_MS (its feed sends a heartbeat every second) or the feed
 * connection is down; an incident stood up meanwhile takes the screen.
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
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <zmq.h>

#include "board_client.h"
#include "board_render.h"
#include "board_text.h"
#include "cli.h"
#include "cli_out.h"
#include "clock.h"
#include "keys.h"

#define FRAME_MS 100 /* at most ten frames a second */
#define STALL_MS 60000
#define STALE_MS 5000 /* no word from musterd: five heartbeats missed */

/* ---- muster status ---- */

static void status_text(json_t *r)
{
    struct view v = {.board = json_object_get(r, "board"),
                     .meta = json_object_get(r, "meta"),
                     .ref = json_string_value(json_object_get(r, "incident")),
                     .seq = json_integer_value(json_object_get(r, "seq"))};
    struct canvas c = {.w = 100, .h = 40};
    v.now = v.heard = clock_real_ms();
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
    board_text_locale();
    json_t *args = optind < argc ? json_pack("{s:s}", "incident", argv[optind]) : json_object();
    return call(cli, "duty", "status.show", args, hash ? status_hash : status_text);
}

/* ---- the terminal ---- */

static volatile sig_atomic_t got_quit;

static void on_signal(int sig)
{
    (void)sig;
    got_quit = 1;
}

/* Before curses starts, so that it keeps ours (it handles SIGWINCH). */
static void signals_set(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the poll */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

struct tui {
    struct board_client *b;
    SCREEN *scr;
    int64_t last_draw;
    bool dirty;
    int empty_reads; /* the terminal readable with no key, in a row */
    char ref[64];    /* the incident on screen, to see another take over */
    char note[256];  /* a message for the footer */
};

/* curses: keys without echo or line editing (Ctrl-C still signals), the
 * alternate screen, no cursor, red where available. */
static int tui_enter(struct tui *t)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return -ENOTTY;
    board_text_locale();
    if (!(t->scr = newterm(NULL, stdout, stdin)))
        return -ENOTTY;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25); /* a lone Esc must not hold the loop */
    nodelay(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    curs_set(0);
    if (has_colors() && start_color() == OK) {
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
    }
    return 0;
}

static void tui_leave(struct tui *t)
{
    endwin();
    delscreen(t->scr);
}

static void tui_footer(struct tui *t, char *buf, size_t len)
{
    snprintf(buf, len, S_HEAD "seq %lld" S_END "  q quit  n/p next/previous incident  r refresh%s",
             (long long)board_client_seq(t->b), t->note[0] ? "  " S_ALERT : "");
}

/* Stale: the feed connection is down, or nothing (not even the feed's
 * heartbeat, every second) came for STALE_MS. */
static bool tui_stale(struct tui *t, int64_t now, char *why, size_t len)
{
    int64_t heard = board_client_heard(t->b);
    long long quiet = (now - heard) / 1000;
    if (!board_client_feed_up(t->b))
        snprintf(why, len, "no word from musterd for %llds: the feed connection is down", quiet);
    else if (now - heard > STALE_MS)
        snprintf(why, len, "no word from musterd for %llds: the feed is silent (no heartbeat)",
                 quiet);
    else
        return false;
    return true;
}

static void tui_put(void *ctx, int style, const char *bytes, size_t n, int cols)
{
    static const attr_t attrs[] = {A_NORMAL, A_BOLD, A_BOLD, A_BOLD | A_REVERSE, A_NORMAL};
    (void)ctx;
    (void)cols;
    if (bytes)
        addnstr(bytes, (int)n);
    else
        attrset(attrs[style] | (style == 1 && has_colors() ? COLOR_PAIR(1) : 0));
}

/* Draw one frame: the whole board into curses' screen, which sends the
 * terminal only what changed (no flicker). */
static void tui_draw(struct tui *t)
{
    char footer[512], why[160], *note = cli_escape(t->note, 0);
    int64_t now = clock_real_ms();
    tui_footer(t, footer, sizeof(footer));
    struct view v = {.board = board_client_board(t->b),
                     .meta = board_client_meta(t->b),
                     .ref = board_client_ref(t->b),
                     .seq = board_client_seq(t->b),
                     .skew = board_client_skew(t->b),
                     .footer = footer};
    v.now = now;
    v.heard = board_client_heard(t->b);
    v.stale = tui_stale(t, now, why, sizeof(why));
    v.why = why;
    v.note = note;
    v.recent = board_client_recent(t->b);
    struct canvas c = {.w = COLS, .h = LINES < MAX_ROWS ? LINES : MAX_ROWS};
    render(&v, &c);
    erase();
    for (int r = 0; r < c.n; r++) {
        move(r, 0);
        attrset(A_NORMAL);
        board_text_walk(c.line[r], COLS - 1, tui_put, NULL, NULL); /* never the last column */
    }
    attrset(A_NORMAL);
    refresh();
    canvas_free(&c);
    free(note);
    t->last_draw = now;
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
    snprintf(t->ref, sizeof(t->ref), "%s", board_client_ref(t->b));
    json_decref(refs);
}

/* The keys waiting: how many were read. */
static int tui_keys(struct tui *t)
{
    char err[256];
    int n = 0;
    for (int k; (k = getch()) != ERR; n++) {
        if (k == 'q' || k == 'Q')
            got_quit = 1;
        else if (k == 'n' || k == 'p')
            tui_switch(t, k == 'n' ? 1 : -1);
        else if (k == 'r' && board_client_snapshot(t->b, err, sizeof(err)) != 0)
            snprintf(t->note, sizeof(t->note), "%s", err);
        else if (k == 'r')
            t->note[0] = '\0';
        t->dirty = true; /* KEY_RESIZE too: curses has the new size */
    }
    return n;
}

/* Every wake-up: a reconnected feed needs a snapshot, input or not; an
 * incident stood up meanwhile has taken over (board_client_follow). */
static void tui_feed(struct tui *t)
{
    char err[256];
    int rc = board_client_drain(t->b, err, sizeof(err));
    if (rc < 0)
        snprintf(t->note, sizeof(t->note), "%s", err);
    t->dirty = t->dirty || rc != 0;
    if (strcmp(t->ref, board_client_ref(t->b))) {
        if (t->ref[0])
            snprintf(t->note, sizeof(t->note), "%s stood up and took over from %s (n/p: others)",
                     board_client_ref(t->b), t->ref);
        snprintf(t->ref, sizeof(t->ref), "%s", board_client_ref(t->b));
    }
}

/* The main loop: the feed, the keyboard and the clock (a frame at each
 * new second), one poll. */
static void tui_loop(struct tui *t)
{
    zmq_pollitem_t items[2] = {{board_client_feed(t->b), 0, ZMQ_POLLIN, 0},
                               {NULL, STDIN_FILENO, ZMQ_POLLIN, 0}};
    while (!got_quit) {
        int64_t now = clock_real_ms(), since = now - t->last_draw;
        long wait = t->dirty && since < FRAME_MS ? FRAME_MS - since : 1000 - now % 1000;
        if (zmq_poll(items, 2, t->dirty && since >= FRAME_MS ? 0 : wait) < 0 && errno != EINTR)
            break;
        tui_feed(t);
        /* readable again and again with no key: the terminal went away */
        if (tui_keys(t) == 0 && (items[1].revents & ZMQ_POLLIN))
            got_quit = ++t->empty_reads > 100;
        else
            t->empty_reads = 0;
        now = clock_real_ms();
        since = now - t->last_draw;
        if ((t->dirty && since >= FRAME_MS) || now / 1000 != t->last_draw / 1000)
            tui_draw(t);
    }
}

static int run_tui(struct board_client *b)
{
    struct tui t = {.b = b};
    signals_set();
    if (tui_enter(&t) != 0) {
        fprintf(stderr, "muster: watch needs a terminal (muster status prints the board once)\n");
        return EXIT_USAGE;
    }
    board_client_follow(b, true);
    snprintf(t.ref, sizeof(t.ref), "%s", board_client_ref(b));
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
    int64_t target = strcmp(arg, "-") ? strtoll(arg, NULL, 10) : -1, last = clock_real_ms(),
            seq = -2;
    unsigned long snaps = 0, gaps = 0;
    char err[256];
    zmq_pollitem_t items[2] = {{board_client_feed(b), 0, ZMQ_POLLIN, 0},
                               {NULL, STDIN_FILENO, ZMQ_POLLIN, 0}};
    dump_report(b, &snaps, &gaps);
    while (target < 0 || board_client_seq(b) < target) {
        if (seq != board_client_seq(b) || target < 0)
            last = clock_real_ms();
        seq = board_client_seq(b);
        if (clock_real_ms() - last > STALL_MS || target == -2) {
            fprintf(stderr, "muster: stalled at seq %lld (waiting for %lld)\n", (long long)seq,
                    (long long)target);
            return EXIT_UNREACHABLE;
        }
        if (zmq_poll(items, target == -1 ? 2 : 1, 1000) < 0 && errno != EINTR)
            return EXIT_UNREACHABLE;
        if (target == -1 && (items[1].revents & ZMQ_POLLIN))
            target = read_target();
        if (board_client_drain(b, err, sizeof(err)) < 0) /* every round: see tui_loop */
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
