/*
 * common/csv.c - the strict streaming CSV reader (see csv.h).
 *
 * The reader owns one fixed allocation: an input buffer refilled with
 * fread, and a record buffer big enough for the largest record the limits
 * allow, into which the fields of the current record are unpacked.  Memory
 * use is the same for a ten-line file and a ten-gigabyte one.
 *
 * Errors do not stop the scan of a record: the first problem is recorded,
 * the parser switches to discarding (nothing stored, no limits, stray
 * quotes taken as data) and runs on to the line end outside quotes, so the
 * next call starts cleanly on the next record.
 */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CSV_BUF 8192

enum field_end { END_FIELD, END_RECORD, END_FILE };

struct csv_reader {
    FILE *f;
    size_t pos, len; /* unread input is buf[pos..len) */
    size_t offset;   /* bytes consumed */
    size_t line;     /* line of the next unread byte, 1-based */
    bool started;    /* byte-order mark looked for */
    bool eof;        /* fread has returned 0 */
    int ioerr;       /* errno of a read error, once seen */
    bool ioerr_told;

    /* the record being read */
    size_t rec_line;    /* where it starts */
    size_t rec_start;   /* its offset */
    size_t used;        /* bytes of data[] in use */
    size_t field_start; /* data[] index of the current field */
    size_t nfields;
    bool quoted;  /* some field was quoted */
    bool discard; /* an error was found: skip to the record's end */
    char *err;
    size_t errlen;

    unsigned char buf[CSV_BUF];
    char *fields[CSV_MAX_FIELDS];
    char data[CSV_MAX_RECORD + CSV_MAX_FIELDS]; /* fields and their NULs */
};

struct csv_reader *csv_open(FILE *f)
{
    if (f == NULL)
        return NULL;
    struct csv_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->f = f;
    r->line = 1;
    return r;
}

void csv_close(struct csv_reader *r)
{
    free(r);
}

size_t csv_offset(const struct csv_reader *r)
{
    return r->offset;
}

/* Appends to buf[len..] until at least want bytes are unread or input ends. */
static void refill(struct csv_reader *r, size_t want)
{
    if (r->pos == r->len)
        r->pos = r->len = 0;
    while (!r->eof && r->len - r->pos < want && r->len < sizeof r->buf) {
        errno = 0;
        size_t n = fread(r->buf + r->len, 1, sizeof r->buf - r->len, r->f);
        if (n == 0) {
            r->eof = true;
            if (ferror(r->f))
                r->ioerr = errno ? errno : EIO;
        }
        r->len += n;
    }
}

static int peek(struct csv_reader *r)
{
    if (r->pos == r->len)
        refill(r, 1);
    return r->pos < r->len ? r->buf[r->pos] : EOF;
}

static int take(struct csv_reader *r)
{
    int c = peek(r);
    if (c != EOF) {
        r->pos++;
        r->offset++;
    }
    return c;
}

static void skip_bom(struct csv_reader *r)
{
    r->started = true;
    refill(r, 3);
    if (r->len - r->pos >= 3 && memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0) {
        r->pos += 3;
        r->offset += 3;
    }
}

static void bad(struct csv_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the record's first error (prefixed with its line) and starts discarding. */
static void bad(struct csv_reader *r, const char *fmt, ...)
{
    if (r->discard)
        return;
    r->discard = true;
    if (r->err == NULL || r->errlen == 0)
        return;
    int w = snprintf(r->err, r->errlen, "line %zu: ", r->rec_line);
    if (w < 0 || (size_t)w >= r->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + w, r->errlen - (size_t)w, fmt, ap);
    va_end(ap);
}

/* Checks the record length after consuming a byte that is not a line end. */
static void check_len(struct csv_reader *r)
{
    if (r->offset - r->rec_start > CSV_MAX_RECORD)
        bad(r, "record longer than %d bytes", CSV_MAX_RECORD);
}

static void store(struct csv_reader *r, int c)
{
    if (r->discard)
        return;
    if (c == 0) {
        bad(r, "NUL byte in field %zu", r->nfields + 1);
        return;
    }
    if (r->used - r->field_start >= CSV_MAX_FIELD) {
        bad(r, "field longer than %d bytes (field %zu)", CSV_MAX_FIELD, r->nfields + 1);
        return;
    }
    r->data[r->used++] = (char)c; /* check_len keeps used <= CSV_MAX_RECORD */
}

/* After a CR outside quotes: the LF that makes it a line end, or an error. */
static bool crlf(struct csv_reader *r)
{
    if (peek(r) == '\n') {
        take(r);
        r->line++;
        return true;
    }
    bad(r, "carriage return without line feed");
    return false;
}

static enum field_end read_unquoted(struct csv_reader *r)
{
    for (;;) {
        int c = take(r);
        switch (c) {
        case EOF:
            return END_FILE;
        case '\n':
            r->line++;
            return END_RECORD;
        case '\r':
            if (crlf(r))
                return END_RECORD;
            continue;
        }
        check_len(r);
        if (c == ',')
            return END_FIELD;
        if (c == '"')
            bad(r, "quote in unquoted field %zu", r->nfields + 1);
        store(r, c);
    }
}

/* After the closing quote: a separator, a line end or end of file. */
static enum field_end after_quote(struct csv_reader *r)
{
    int c = peek(r);
    if (c == EOF)
        return END_FILE;
    if (c == ',' || c == '\n' || c == '\r')
        return read_unquoted(r); /* takes just the separator or line end */
    bad(r, "text after closing quote in field %zu", r->nfields + 1);
    return read_unquoted(r);
}

static enum field_end read_quoted(struct csv_reader *r)
{
    size_t opened = r->line;
    r->quoted = true;
    for (;;) {
        int c = take(r);
        if (c == EOF) {
            r->discard = false; /* this one outweighs any earlier error */
            bad(r, "unclosed quote (opened on line %zu); skipped to end of file", opened);
            return END_FILE;
        }
        check_len(r);
        if (c == '"') {
            if (peek(r) != '"')
                return after_quote(r);
            take(r);
            check_len(r);
        } else if (c == '\n') {
            r->line++;
        }
        store(r, c);
    }
}

static enum field_end read_field(struct csv_reader *r)
{
    if (peek(r) != '"')
        return read_unquoted(r);
    take(r);
    check_len(r);
    return read_quoted(r);
}

static void end_field(struct csv_reader *r)
{
    if (r->discard)
        return;
    if (r->nfields == CSV_MAX_FIELDS) {
        bad(r, "more than %d fields", CSV_MAX_FIELDS);
        return;
    }
    r->data[r->used++] = '\0';
    r->fields[r->nfields++] = r->data + r->field_start;
    r->field_start = r->used;
}

/* Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s++;
        if (c < 0x80)
            continue;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (c < 0xC2 || c > 0xF4 || *s < lo || *s > hi)
            return false;
        while (--more > 0)
            if (*++s < 0x80 || *s > 0xBF)
                return false;
        s++;
    }
    return true;
}

static void check_utf8(struct csv_reader *r)
{
    for (size_t i = 0; i < r->nfields && !r->discard; i++)
        if (!utf8_valid((const unsigned char *)r->fields[i]))
            bad(r, "not UTF-8 (field %zu)", i + 1);
}

/* Reads one record, or what is left of a bad one, to its line end.
 * Returns false at end of file before any byte of a record. */
static bool read_record(struct csv_reader *r)
{
    r->rec_line = r->line;
    r->rec_start = r->offset;
    r->used = r->field_start = r->nfields = 0;
    r->quoted = r->discard = false;
    if (peek(r) == EOF)
        return false;
    enum field_end e;
    do {
        e = read_field(r);
        end_field(r);
    } while (e == END_FIELD);
    if (e == END_FILE && r->ioerr != 0 && !r->ioerr_told) {
        r->ioerr_told = true;
        r->discard = false;
        bad(r, "read error: %s", strerror(r->ioerr));
    }
    check_utf8(r);
    return true;
}

static bool is_empty_line(const struct csv_reader *r)
{
    return !r->discard && !r->quoted && r->nfields == 1 && r->fields[0][0] == '\0';
}

/*
 * Empty lines are skipped here rather than before the record, so that
 * "\r\n" and "\n" are recognised by the same code as every other line end.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, char *err, size_t errlen)
{
    r->err = err;
    r->errlen = errlen;
    if (!r->started)
        skip_bom(r);
    do {
        if (!read_record(r)) {
            if (r->ioerr == 0 || r->ioerr_told)
                return 0;
            r->ioerr_told = true;
            bad(r, "read error: %s", strerror(r->ioerr));
            break;
        }
    } while (is_empty_line(r));
    rec->line = r->rec_line;
    rec->nfields = r->discard ? 0 : r->nfields;
    rec->fields = r->fields;
    return r->discard ? -1 : 1;
}
