/*
 * clients/cli_width.h - how many terminal columns a UTF-8 string takes,
 * and tables whose columns line up by that width (accents, CJK, emoji).
 *
 * Widths come from the C library (mbrtowc, wcwidth) in the reader's
 * LC_CTYPE locale; under a locale that is not UTF-8 (LANG=C) they are
 * measured in C.UTF-8, as the terminal is shown UTF-8 all the same, and
 * without C.UTF-8 each character counts one column.  Every table of the
 * muster CLI is printed through cli_table; the board (clients/watch.c,
 * clients/board_render.c) can measure its cells with cli_width too.
 */
#ifndef MUSTER_CLI_WIDTH_H
#define MUSTER_CLI_WIDTH_H

#include <stddef.h>
#include <stdio.h>

/* The columns s takes on a terminal: a wide character (CJK, most emoji)
 * two, a combining mark none, a byte that is not UTF-8 one.  s should be
 * escaped already (cli_safe): a control character counts as one. */
int cli_width(const char *s);

/* The longest start of s that fits in cols columns, cut between
 * characters, as a count of bytes. */
size_t cli_width_fit(const char *s, int cols);

/* Write s to f and then spaces up to cols columns (nothing when s is
 * wider). */
void cli_pad(FILE *f, const char *s, int cols);

struct cli_table;

/* A table of ncols columns, its first row the heading (ncols names), or
 * no heading for NULL; NULL when out of memory (every other call accepts
 * NULL and does nothing).  The caller deletes it. */
struct cli_table *cli_table_create(const char *const *heading, size_t ncols);
void cli_table_delete(struct cli_table *t);

/* Column col is aligned to the right (numbers). */
void cli_table_right(struct cli_table *t, size_t col);

/* Column col is cut to at most cols columns (a long free-text name). */
void cli_table_max(struct cli_table *t, size_t col, int cols);

/* Add the next cell (printf format), filling rows left to right. */
void cli_table_add(struct cli_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the rows to f, each line opening with indent, the columns two
 * spaces apart and as wide as their widest cell; the last column is not
 * padded. */
void cli_table_print(const struct cli_table *t, FILE *f, const char *indent);

#endif
