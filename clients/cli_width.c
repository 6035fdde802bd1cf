/*
 * clients/cli_width.c - terminal columns of UTF-8 text, measured by the C
 * library, and tables aligned by them (cli_width.h).  The locale is the
 * reader's (LC_CTYPE from the environment), used through uselocale only
 * while measuring: nothing else in the CLI changes with it.
 */
#include "cli_width.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

/* The locale widths are measured in: the reader's when it is UTF-8, else
 * C.UTF-8; (locale_t)0 when neither can be had. */
static locale_t width_locale(void)
{
    static bool done;
    static locale_t loc;
    if (done)
        return loc;
    done = true;
    loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
    if (loc && strcasecmp(nl_langinfo_l(CODESET, loc), "UTF-8") != 0) {
        freelocale(loc);
        loc = (locale_t)0;
    }
    if (!loc)
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    return loc;
}

/* The columns of the character at s (n bytes long, set), or of its first
 * byte when that is not UTF-8; under no UTF-8 locale, each character
 * (a byte that does not continue one) counts one. */
static int char_width(const char *s, size_t *n, locale_t loc)
{
    if (!loc) {
        *n = 1;
        return ((unsigned char)*s & 0xc0) != 0x80;
    }
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    wchar_t wc;
    size_t len = mbrtowc(&wc, s, strnlen(s, MB_LEN_MAX), &st);
    if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
        *n = 1;
        return 1;
    }
    *n = len;
    int w = wcwidth(wc);
    return w < 0 ? 1 : w;
}

/* The columns of s, and through fit the bytes of its longest start
 * within cols columns (cols < 0: no limit). */
static int measure(const char *s, int cols, size_t *fit)
{
    locale_t loc = width_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    int w = 0;
    size_t i = 0, n;
    while (s && s[i]) {
        int cw = char_width(s + i, &n, loc);
        if (cols >= 0 && w + cw > cols)
            break;
        w += cw;
        i += n;
    }
    if (loc)
        uselocale(old);
    if (fit)
        *fit = i;
    return w;
}

int cli_width(const char *s)
{
    return measure(s, -1, NULL);
}

size_t cli_width_fit(const char *s, int cols)
{
    size_t fit;
    measure(s, cols < 0 ? 0 : cols, &fit);
    return fit;
}

void cli_pad(FILE *f, const char *s, int cols)
{
    fputs(s ? s : "", f);
    for (int w = cli_width(s); w < cols; w++)
        fputc(' ', f);
}

/* ---- tables ---- */

struct cli_table {
    size_t ncols, ncells, cap;
    char **cells;
    unsigned char *right;
    int *max;
};

struct cli_table *cli_table_create(const char *const *heading, size_t ncols)
{
    struct cli_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->right = calloc(ncols, 1);
    t->max = calloc(ncols, sizeof(int));
    if (!t->right || !t->max) {
        cli_table_delete(t);
        return NULL;
    }
    for (size_t c = 0; heading && c < ncols; c++)
        cli_table_add(t, "%s", heading[c]);
    return t;
}

void cli_table_delete(struct cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->right);
    free(t->max);
    free(t);
}

void cli_table_right(struct cli_table *t, size_t col)
{
    if (t && col < t->ncols)
        t->right[col] = 1;
}

void cli_table_max(struct cli_table *t, size_t col, int cols)
{
    if (t && col < t->ncols)
        t->max[col] = cols;
}

void cli_table_add(struct cli_table *t, const char *fmt, ...)
{
    if (!t)
        return;
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **cells = realloc(t->cells, cap * sizeof(*cells));
        if (!cells)
            return;
        t->cells = cells;
        t->cap = cap;
    }
    char *cell = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&cell, fmt, ap);
    va_end(ap);
    if (rc < 0)
        cell = NULL;
    size_t col = t->ncells % t->ncols;
    if (cell && t->max[col] > 0)
        cell[cli_width_fit(cell, t->max[col])] = '\0';
    t->cells[t->ncells++] = cell;
}

/* Print one row: each cell padded to its column's width (the last only
 * when aligned right). */
static void print_row(const struct cli_table *t, FILE *f, char **row, const int *width,
                      const char *indent)
{
    fputs(indent, f);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = row[c] ? row[c] : "";
        int pad = width[c] - cli_width(s);
        bool last = c + 1 == t->ncols;
        for (int i = 0; t->right[c] && i < pad; i++)
            fputc(' ', f);
        fputs(s, f);
        for (int i = 0; !t->right[c] && !last && i < pad; i++)
            fputc(' ', f);
        fputs(last ? "\n" : "  ", f);
    }
}

void cli_table_print(const struct cli_table *t, FILE *f, const char *indent)
{
    if (!t || t->ncols == 0)
        return;
    int *width = calloc(t->ncols, sizeof(int));
    if (!width)
        return;
    for (size_t i = 0; i < t->ncells; i++) {
        int w = cli_width(t->cells[i]);
        if (w > width[i % t->ncols])
            width[i % t->ncols] = w;
    }
    for (size_t r = 0; r + t->ncols <= t->ncells; r += t->ncols)
        print_row(t, f, t->cells + r, width, indent ? indent : "");
    free(width);
}
