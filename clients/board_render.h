/*
 * clients/board_render.h - the live board drawn onto a canvas of at most
 * h lines of at most w columns, for `muster watch` (a terminal) and
 * `muster status` (fixed 100x40 text).
 *
 * Lines carry one-byte style markers that become ANSI codes on a terminal
 * and disappear in plain text (emit).  The board's strings are escaped
 * (cli_safe) before they are drawn, so data can neither forge a marker nor
 * send the terminal a sequence of its own.
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

/* What is drawn: the board and its meta as the feed gave them. */
struct view {
    json_t *board, *meta;
    const char *ref;
    int64_t seq, skew;
    const char *footer; /* NULL: none (muster status) */
};

/* Draw the whole board onto c (c->w by c->h), from escaped copies of the
 * board, its meta and the reference. */
void render(const struct view *raw, struct canvas *c);

/* Write line s to f in at most w columns: style markers become ANSI codes
 * when ansi, else disappear; no other control character gets through. */
void emit(FILE *f, const char *s, int w, bool ansi);

#endif
