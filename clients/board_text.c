/*
 * clients/board_text.c - display widths of the board's text (see
 * board_text.h): the walk, and cutting, padding and writing lines by it.
 */
#include "board_text.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

/* One character at p (not a marker): its length in bytes, its columns,
 * and whether it is shown as itself (else as "?"). */
static size_t char_at(const char *p, int *cols, bool *ok)
{
    unsigned char c = (unsigned char)*p;
    mbstate_t st;
    wchar_t wc;
    memset(&st, 0, sizeof(st));
    size_t n = c < 0x80 ? 1 : mbrtowc(&wc, p, strnlen(p, MB_LEN_MAX), &st);
    if (c < 0x80)
        wc = c;
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *cols = 1;
        *ok = false;
        return 1;
    }
    int w = wcwidth(wc);
    *ok = !(wc < 0x20 || (wc >= 0x7f && wc <= 0x9f) || iswcntrl((wint_t)wc) || w < 0);
    *cols = *ok ? w : 1;
    return n;
}

int board_text_walk(const char *s, int w, board_text_put_fn *put, void *ctx, size_t *used)
{
    const char *p = s;
    int col = 0;
    while (*p) {
        if (*p >= 1 && *p <= 4) {
            if (put)
                put(ctx, *p, NULL, 0, 0);
            p++;
            continue;
        }
        int cols;
        bool ok;
        size_t n = char_at(p, &cols, &ok);
        if (col + cols > w)
            break;
        if (put)
            put(ctx, 0, ok ? p : "?", ok ? n : 1, cols);
        col += cols;
        p += n;
    }
    if (used)
        *used = (size_t)(p - s);
    return col;
}

int board_text_cols(const char *s)
{
    return board_text_walk(s, 1 << 30, NULL, NULL, NULL);
}

struct sink {
    char *buf;
    size_t len, at;
    FILE *f;
    bool ansi;
};

static void sink_put(void *ctx, int style, const char *bytes, size_t n, int cols)
{
    static const char *const codes[] = {"", "\033[1;31m", "\033[1m", "\033[1;7m", "\033[0m"};
    static const char marks[][2] = {"", "\x01", "\x02", "\x03", "\x04"};
    struct sink *k = ctx;
    (void)cols;
    if (k->f && bytes)
        fwrite(bytes, 1, n, k->f);
    else if (k->f && k->ansi)
        fputs(codes[style], k->f);
    else if (!k->f && (bytes || style) && k->at + (bytes ? n : 1) < k->len) {
        memcpy(k->buf + k->at, bytes ? bytes : marks[style], bytes ? n : 1);
        k->at += bytes ? n : 1;
    }
}

const char *board_text_fit(char *buf, size_t len, const char *s, int cols)
{
    struct sink k = {buf, len, 0, NULL, false};
    int col = board_text_walk(s, cols, sink_put, &k, NULL);
    while (col++ < cols && k.at + 1 < len)
        buf[k.at++] = ' ';
    buf[k.at] = '\0';
    return buf;
}

void board_text_locale(void)
{
    const char *cs = setlocale(LC_CTYPE, "") ? nl_langinfo(CODESET) : "";
    if (strcmp(cs, "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

void emit(FILE *f, const char *s, int w, bool ansi)
{
    struct sink k = {NULL, 0, 0, f, ansi};
    board_text_walk(s, w, sink_put, &k, NULL);
    if (ansi)
        fputs("\033[0m", f);
}
