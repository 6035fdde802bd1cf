/*
 * tests/test_csv.c - the streaming CSV reader: plain, quoted (commas,
 * doubled quotes, line breaks) and CRLF records, the byte-order mark,
 * empty lines, a missing final newline, every error with its line number,
 * resynchronisation after each, a 3,000-line file read in constant memory,
 * and csv_offset.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

struct src {
    FILE *f;
    struct csv_reader *r;
    struct csv_record rec;
    char err[256];
};

/* A reader over n bytes of text (which may hold NULs). */
static void open_n(struct src *s, const char *text, size_t n)
{
    s->f = tmpfile();
    assert_non_null(s->f);
    assert_int_equal(fwrite(text, 1, n, s->f), n);
    rewind(s->f);
    s->r = csv_open(s->f);
    assert_non_null(s->r);
}

static void open_text(struct src *s, const char *text)
{
    open_n(s, text, strlen(text));
}

static void done(struct src *s)
{
    csv_close(s->r);
    fclose(s->f);
}

/* Asserts the next record starts on line and holds the n fields given. */
static void expect(struct src *s, size_t line, size_t n, ...)
{
    s->err[0] = '\0';
    int rc = csv_next(s->r, &s->rec, s->err, sizeof s->err);
    if (rc != 1)
        fail_msg("expected a record on line %zu, got %d (%s)", line, rc, s->err);
    assert_int_equal(s->rec.line, line);
    assert_int_equal(s->rec.nfields, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s->rec.fields[i], va_arg(ap, const char *));
    va_end(ap);
}

/* Asserts the next call fails with a message containing want. */
static void expect_error(struct src *s, const char *want)
{
    s->err[0] = '\0';
    assert_int_equal(csv_next(s->r, &s->rec, s->err, sizeof s->err), -1);
    if (strstr(s->err, want) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", s->err, want);
}

static void expect_eof(struct src *s)
{
    assert_int_equal(csv_next(s->r, &s->rec, s->err, sizeof s->err), 0);
    assert_int_equal(csv_next(s->r, &s->rec, s->err, sizeof s->err), 0); /* and stays there */
}

/* n copies of c, NUL-terminated, in a new buffer. */
static char *repeat(char c, size_t n)
{
    char *p = malloc(n + 1);
    assert_non_null(p);
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

static void test_simple(void **state)
{
    struct src s;
    open_text(&s, "name,age,town\nAda Lovelace,36,London\n,,\n");
    expect(&s, 1, 3, "name", "age", "town");
    expect(&s, 2, 3, "Ada Lovelace", "36", "London");
    expect(&s, 3, 3, "", "", "");
    expect_eof(&s);
    done(&s);
}

static void test_quoted(void **state)
{
    struct src s;
    open_text(&s, "\"Smith, John\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\n"
                  "next,\"\"\"\",row\n"
                  "\"three\n\nlines\"\n"
                  "last, spaced ,\"\"\"a,b\"\"\"\n");
    expect(&s, 1, 4, "Smith, John", "say \"hi\"", "two\nlines", "");
    expect(&s, 3, 3, "next", "\"", "row");
    expect(&s, 4, 1, "three\n\nlines");
    expect(&s, 7, 3, "last", " spaced ", "\"a,b\"");
    expect_eof(&s);
    done(&s);
}

static void test_crlf(void **state)
{
    struct src s;
    open_text(&s, "a,b\r\n\"x\r\ny\",z\r\n\"q\"\r\nlast\r\n");
    expect(&s, 1, 2, "a", "b");
    expect(&s, 2, 2, "x\r\ny", "z");
    expect(&s, 4, 1, "q");
    expect(&s, 5, 1, "last");
    expect_eof(&s);
    done(&s);
}

static void test_bom(void **state)
{
    struct src s;
    open_text(&s, "\xEF\xBB\xBFname,age\n\xEF\xBB\xBFx\n");
    expect(&s, 1, 2, "name", "age");
    expect(&s, 2, 1, "\xEF\xBB\xBFx"); /* only at the start of the file */
    expect_eof(&s);
    done(&s);

    open_text(&s, "\xEF\xBB\xBF");
    expect_eof(&s);
    assert_int_equal(csv_offset(s.r), 3);
    done(&s);

    open_text(&s, "\xEF\xBB"); /* a cut mark is data, and not UTF-8 */
    expect_error(&s, "line 1: not UTF-8");
    expect_eof(&s);
    done(&s);
}

static void test_empty_lines(void **state)
{
    struct src s;
    open_text(&s, "\n\na\n\r\n\nb,c\n\n\r\n");
    expect(&s, 3, 1, "a");
    expect(&s, 6, 2, "b", "c");
    expect_eof(&s);
    done(&s);

    /* a quoted empty field or a lone comma is a record, not an empty line */
    open_text(&s, "\"\"\n,\n \n");
    expect(&s, 1, 1, "");
    expect(&s, 2, 2, "", "");
    expect(&s, 3, 1, " ");
    expect_eof(&s);
    done(&s);

    open_text(&s, "");
    expect_eof(&s);
    done(&s);

    open_text(&s, "\n\r\n\n");
    expect_eof(&s);
    done(&s);
}

static void test_no_final_newline(void **state)
{
    struct src s;
    open_text(&s, "a,b\nc,d");
    expect(&s, 1, 2, "a", "b");
    expect(&s, 2, 2, "c", "d");
    expect_eof(&s);
    done(&s);

    open_text(&s, "a,");
    expect(&s, 1, 2, "a", "");
    expect_eof(&s);
    done(&s);

    open_text(&s, "\"quoted\"");
    expect(&s, 1, 1, "quoted");
    expect_eof(&s);
    done(&s);
}

/* A record of n fields "f1".."fn". */
static char *fields_line(size_t n)
{
    char *p = malloc(n * 8 + 2);
    assert_non_null(p);
    size_t len = 0;
    for (size_t i = 1; i <= n; i++)
        len += (size_t)sprintf(p + len, "%sf%zu", i > 1 ? "," : "", i);
    strcpy(p + len, "\n");
    return p;
}

static void test_too_many_fields(void **state)
{
    char *ok = fields_line(CSV_MAX_FIELDS), *over = fields_line(CSV_MAX_FIELDS + 1);
    size_t n = strlen(ok) + strlen(over) + 16;
    char *text = malloc(n);
    snprintf(text, n, "%s%sgood\n", ok, over);
    struct src s;
    open_text(&s, text);
    expect(&s, 1, 64, "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12",
           "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24",
           "f25", "f26", "f27", "f28", "f29", "f30", "f31", "f32", "f33", "f34", "f35", "f36",
           "f37", "f38", "f39", "f40", "f41", "f42", "f43", "f44", "f45", "f46", "f47", "f48",
           "f49", "f50", "f51", "f52", "f53", "f54", "f55", "f56", "f57", "f58", "f59", "f60",
           "f61", "f62", "f63", "f64");
    expect_error(&s, "line 2: more than 64 fields");
    assert_int_equal(s.rec.line, 2);
    assert_int_equal(s.rec.nfields, 0);
    expect(&s, 3, 1, "good");
    expect_eof(&s);
    done(&s);
    free(ok);
    free(over);
    free(text);
}

static void test_field_too_long(void **state)
{
    char *max = repeat('x', CSV_MAX_FIELD), *over = repeat('y', CSV_MAX_FIELD + 1);
    size_t n = 3 * CSV_MAX_FIELD + 64;
    char *text = malloc(n);
    /* at the limit; over it unquoted; over it quoted across two lines */
    snprintf(text, n, "a,%s\n%s,b\n\"%s\nz\",c\ngood\n", max, over, over);
    struct src s;
    open_text(&s, text);
    expect(&s, 1, 2, "a", max);
    expect_error(&s, "line 2: field longer than 4096 bytes (field 1)");
    expect_error(&s, "line 3: field longer than 4096 bytes");
    expect(&s, 5, 1, "good"); /* the quoted line break did not start a record */
    expect_eof(&s);
    done(&s);
    free(max);
    free(over);
    free(text);
}

/* A record of exactly len bytes: fields of at most CSV_MAX_FIELD 'r's, then "\n". */
static char *record_of(size_t len)
{
    char *p = malloc(len + 2);
    assert_non_null(p);
    size_t i = 0;
    while (i < len) {
        size_t f = len - i < CSV_MAX_FIELD ? len - i : CSV_MAX_FIELD;
        memset(p + i, 'r', f);
        i += f;
        if (i < len)
            p[i++] = ',';
    }
    strcpy(p + len, "\n");
    return p;
}

static void test_record_too_long(void **state)
{
    char *max = record_of(CSV_MAX_RECORD), *over = record_of(CSV_MAX_RECORD + 1);
    size_t n = strlen(max) + strlen(over) + 16;
    char *text = malloc(n);
    snprintf(text, n, "%s%sgood\n", max, over);
    struct src s;
    open_text(&s, text);
    assert_int_equal(csv_next(s.r, &s.rec, s.err, sizeof s.err), 1);
    assert_int_equal(s.rec.nfields, 16);
    size_t total = s.rec.nfields - 1;
    for (size_t i = 0; i < s.rec.nfields; i++)
        total += strlen(s.rec.fields[i]);
    assert_int_equal(total, CSV_MAX_RECORD);
    expect_error(&s, "line 2: record longer than 65536 bytes");
    expect(&s, 3, 1, "good");
    expect_eof(&s);
    done(&s);
    free(max);
    free(over);
    free(text);
}

static void test_huge_line(void **state)
{
    /* one 1 MiB line: refused without being held, and the next line read */
    struct src s;
    s.f = tmpfile();
    assert_non_null(s.f);
    fputs("first\n", s.f);
    for (int i = 0; i < 1024 * 1024; i++)
        fputc(i % 50 ? 'h' : ',', s.f);
    fputs("\nafter\n", s.f);
    rewind(s.f);
    s.r = csv_open(s.f);
    expect(&s, 1, 1, "first");
    expect_error(&s, "line 2: ");
    expect(&s, 3, 1, "after");
    expect_eof(&s);
    done(&s);
}

static void test_quote_in_unquoted(void **state)
{
    struct src s;
    open_text(&s, "ab\"c,d\nok,\"fine\"\nx,5\" tall\ngood\n");
    expect_error(&s, "line 1: quote in unquoted field 1");
    expect(&s, 2, 2, "ok", "fine");
    expect_error(&s, "line 3: quote in unquoted field 2");
    expect(&s, 4, 1, "good");
    expect_eof(&s);
    done(&s);
}

static void test_text_after_quote(void **state)
{
    struct src s;
    open_text(&s, "\"ab\"c,d\n\"ok\" ,x\ngood\n");
    expect_error(&s, "line 1: text after closing quote in field 1");
    expect_error(&s, "line 2: text after closing quote");
    expect(&s, 3, 1, "good");
    expect_eof(&s);
    done(&s);
}

static void test_unclosed_quote(void **state)
{
    struct src s;
    open_text(&s, "a,b\nc,\"unclosed,\nmore\nlines,\"\"\n");
    expect(&s, 1, 2, "a", "b");
    expect_error(&s, "line 2: unclosed quote (opened on line 2); skipped to end of file");
    expect_eof(&s);
    done(&s);

    /* an earlier error in the record gives way to the unclosed quote */
    open_text(&s, "a\"b,\"open\nrest\n");
    expect_error(&s, "line 1: unclosed quote");
    expect_eof(&s);
    done(&s);
}

static void test_bad_utf8(void **state)
{
    static const char *const bad[] = {
        "\xC3\x28",         /* bad continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong, 3 bytes */
        "\xED\xA0\x80",     /* surrogate */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xF5\x80\x80\x80", /* never a lead byte */
        "\x80",             /* lone continuation */
        "\xE2\x82",         /* cut short at field end */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "ok\nfine,x%s\n\"q\",\"%s\"\nnext\n", bad[i], bad[i]);
        struct src s;
        open_text(&s, text);
        expect(&s, 1, 1, "ok");
        expect_error(&s, "line 2: not UTF-8 (field 2)");
        expect_error(&s, "line 3: not UTF-8 (field 2)");
        expect(&s, 4, 1, "next");
        expect_eof(&s);
        done(&s);
    }

    struct src s;
    open_text(&s, "Zoë,€5,😀,\xEF\xBF\xBF,\xF4\x8F\xBF\xBF\n");
    expect(&s, 1, 5, "Zoë", "€5", "😀", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF");
    expect_eof(&s);
    done(&s);
}

static void test_bare_cr_and_nul(void **state)
{
    struct src s;
    open_text(&s, "a\rb\nc\n");
    expect_error(&s, "line 1: carriage return without line feed");
    expect(&s, 2, 1, "c");
    expect_eof(&s);
    done(&s);

    open_text(&s, "\"a\rb\"\n"); /* inside quotes a CR is data */
    expect(&s, 1, 1, "a\rb");
    expect_eof(&s);
    done(&s);

    open_n(&s, "ok\na\0b,c\nnext\n", 14);
    expect(&s, 1, 1, "ok");
    expect_error(&s, "line 2: NUL byte in field 1");
    expect(&s, 3, 1, "next");
    expect_eof(&s);
    done(&s);
}

static void test_read_error(void **state)
{
    struct src s;
    s.f = fopen("/", "r"); /* opens, but reading gives EISDIR */
    assert_non_null(s.f);
    s.r = csv_open(s.f);
    expect_error(&s, "line 1: read error");
    expect_eof(&s);
    done(&s);
}

static void test_error_buffer(void **state)
{
    struct src s;
    open_text(&s, "a\"\nb\"\nc\n");
    assert_int_equal(csv_next(s.r, &s.rec, NULL, 0), -1);
    char tiny[8];
    assert_int_equal(csv_next(s.r, &s.rec, tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "line 2:");
    expect(&s, 3, 1, "c");
    done(&s);
    assert_null(csv_open(NULL));
}

static void test_offset(void **state)
{
    struct src s;
    open_text(&s, "\xEF\xBB\xBF"
                  "a,b\n\n\"c\nd\"\r\ne");
    assert_int_equal(csv_offset(s.r), 0);
    expect(&s, 1, 2, "a", "b");
    assert_int_equal(csv_offset(s.r), 7);
    expect(&s, 3, 1, "c\nd");
    assert_int_equal(csv_offset(s.r), 15);
    expect(&s, 5, 1, "e");
    assert_int_equal(csv_offset(s.r), 16);
    expect_eof(&s);
    assert_int_equal(csv_offset(s.r), 16);
    done(&s);
}

static void test_large_file(void **state)
{
    struct src s;
    s.f = tmpfile();
    assert_non_null(s.f);
    fputs("id,name,notes\n", s.f);
    for (int i = 1; i < 3000; i++)
        fprintf(s.f, "%d,Person %d,\"lives at %d High Street, Ely; says \"\"fine\"\"\"\n", i, i, i);
    long size = ftell(s.f);
    assert_true(size > 150000);
    rewind(s.f);
    s.r = csv_open(s.f);
    expect(&s, 1, 3, "id", "name", "notes");
    /* streamed: only a buffer's worth of the file has been read */
    assert_true(ftell(s.f) <= 8192);
    char **fields = s.rec.fields;
    char *data = s.rec.fields[0];
    size_t last = csv_offset(s.r);
    for (int i = 1; i < 3000; i++) {
        assert_int_equal(csv_next(s.r, &s.rec, s.err, sizeof s.err), 1);
        assert_int_equal(s.rec.line, (size_t)i + 1);
        assert_int_equal(s.rec.nfields, 3);
        assert_int_equal(atoi(s.rec.fields[0]), i);
        char want[80];
        snprintf(want, sizeof want, "lives at %d High Street, Ely; says \"fine\"", i);
        assert_string_equal(s.rec.fields[2], want);
        /* the same storage every time: memory does not grow with the file */
        assert_ptr_equal(s.rec.fields, fields);
        assert_ptr_equal(s.rec.fields[0], data);
        assert_true(csv_offset(s.r) > last);
        last = csv_offset(s.r);
        assert_true(ftell(s.f) - (long)last <= 8192);
    }
    expect_eof(&s);
    assert_int_equal(csv_offset(s.r), (size_t)size);
    done(&s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_record_too_long),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_quote_in_unquoted),
        cmocka_unit_test(test_text_after_quote),
        cmocka_unit_test(test_unclosed_quote),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_bare_cr_and_nul),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_error_buffer),
        cmocka_unit_test(test_offset),
        cmocka_unit_test(test_large_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
