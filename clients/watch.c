/*
 * clients/watch.c - `muster watch`, the duty managers' live board in a
 * terminal, and `muster status`, the same board printed once.
 *
 * The board comes from a board_client (the feed's Clone pattern) and is
 * drawn by board_render.c onto a canvas, so the same renderer serves an
 * 80x24 terminal, a 200x60 wall screen and the fixed 100x40 text of
 * `muster status`; this file runs the terminal and the headless modes.
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
#include "board_render.h"
#include "cli.h"
#include "cli_out.h"
#include "clock.h"
#include "keys.h"

#define FRAME_MS 100 /* at most ten frames a second */
#define STALL_MS 60000

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
    t->last_draw = clock_real_ms();
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
        int64_t since = clock_real_ms() - t->last_draw;
        long wait = t->dirty ? (since >= FRAME_MS ? 0 : FRAME_MS - since) : 1000 - since % 1000;
        if (zmq_poll(items, 2, wait) < 0 && errno != EINTR)
            break;
        { /* every wake-up: a reconnected feed needs a snapshot, input or not */
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
        since = clock_real_ms() - t->last_draw;
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
