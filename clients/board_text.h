/*
 * clients/board_text.h - the width of the board's text on a terminal:
 * canvas lines (UTF-8 with the style markers of board_render.h) walked
 * character by character with their display width (wcwidth: a CJK
 * character takes two columns, a combining accent none), so that names
 * are padded, cut and wrapped by columns, never by bytes.
 *
 * Needs an LC_CTYPE locale in UTF-8 (board_text_locale).  A control
 * character (C0, DEL, C1) or a byte that is not UTF-8 is walked as "?",
 * so nothing the terminal would obey gets through.
 */
#ifndef MUSTER_BOARD_TEXT_H
#define MUSTER_BOARD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One step of a walk: a style marker (style 1-4, bytes NULL), or one
 * character: its n bytes and the cols it takes. */
typedef void board_text_put_fn(void *ctx, int style, const char *bytes, size_t n, int cols);

/* Walk s up to the character that would pass w columns, calling put for
 * each step.  Returns the columns walked; *used (may be NULL) gets the
 * bytes of s walked. */
int board_text_walk(const char *s, int w, board_text_put_fn *put, void *ctx, size_t *used);

/* The columns s takes (markers take none). */
int board_text_cols(const char *s);

/* s cut or padded with spaces to exactly cols columns, into buf. */
const char *board_text_fit(char *buf, size_t len, const char *s, int cols);

/* Set LC_CTYPE from the environment, or C.UTF-8 when that is not UTF-8:
 * the board's text is UTF-8 whatever the terminal's locale says. */
void board_text_locale(void);

/* Write line s to f in at most w columns: style markers become ANSI codes
 * when ansi, else disappear. */
void emit(FILE *f, const char *s, int w, bool ansi);

#endif
