/*
 * clients/board_render.h - the live board drawn onto a canvas of at most
 * h lines of at most w columns, for `muster watch` (a terminal) and
 * `muster status` (fixed 100x40 text).
 *
 * Lines carry one-byte style markers that become ANSI codes or curses
 * attributes on a terminal and disappear in plain text (board_text.h).  The board's strings are
 * escaped (cli_safe) before they are drawn, so data can neither forge a marker nor send the
 * terminal a sequence of its own.
 */
#ifndef MUSTER_BOARD_RENDER_H
#define MUSTER_BOARD_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Style markers inside canvas lines. */
#define S_ALERT "\x01"
#define S_HEAD "\x02"
#define S_BANNER "\x03"
#define S_END "\x04"

#define MAX_ROWS 400

struct canvas {
    int w, h, n;
    char *line[MAX_ROWS];
};

void canvas_free(struct canvas *c);

/* A screen this wide or wider shows the sections in two columns. */
#define WIDE_COLS 160

/* What is drawn: the board and its meta as the feed gave them. */
struct view {
    json_t *board, *meta;
    const char *ref;
    int64_t seq, skew;
    const char *footer; /* NULL: none (muster status) */
    const char *note;   /* after the footer, wrapped; NULL: none */
    json_t *recent;     /* the latest events (board_client_recent); NULL: none */
    int64_t now;        /* the wall clock shown (our ms since the epoch); 0: none */
    int64_t heard;      /* when musterd last spoke (as now); 0: never */
    bool stale;         /* STALE banner, and no ACTIVE in the header */
    const char *why;    /* what the banner says is wrong */
};

/* Draw the whole board onto c (c->w by c->h), from escaped copies of the
 * board, its meta and the reference. */
void render(const struct view *raw, struct canvas *c);

#endif
