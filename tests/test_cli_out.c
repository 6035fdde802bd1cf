/*
 * tests/test_cli_out.c - the muster CLI's output layer (clients/cli_out.c):
 * control characters in data are shown as escapes and never reach the
 * terminal, JSON output stays the same JSON, and tables line up by
 * display width (clients/cli_width.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_out.h"
#include "cli_width.h"

/* Whether text has a byte a terminal would obey: C0 but new line, DEL,
 * or the UTF-8 form of a C1 control. */
static int has_raw_control(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f ||
            (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return 1;
    return 0;
}

static void expect_escape(const char *in, int flags, const char *want)
{
    char *got = cli_escape(in, flags);
    assert_non_null(got);
    assert_string_equal(got, want);
    char *again = cli_escape(got, flags); /* escaping twice changes nothing */
    assert_string_equal(again, got);
    free(again);
    free(got);
}

static void test_escape(void **state)
{
    expect_escape("Ann Archer", 0, "Ann Archer");
    expect_escape("Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80", 0,
                  "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_escape("Eve\x1b[2J", 0, "Eve\\x1b[2J");
    expect_escape("a\x7f", 0, "a\\x7f");
    expect_escape("a\x01\x04", 0, "a\\x01\\x04");
    expect_escape("a\xc2\x9b"
                  "31m",
                  0, "a\\u009b31m");
    expect_escape("a\xc2\x80z\xc2\x9f", 0, "a\\u0080z\\u009f");
    expect_escape("no\xc2\xa0"
                  "break",
                  0,
                  "no\xc2\xa0"
                  "break"); /* U+00A0 is a letter */
    expect_escape("two\nlines\tand\rcr", 0, "two\\nlines\\tand\\rcr");
    expect_escape("two\nlines\tand\rcr", CLI_ESC_LINES, "two\nlines\tand\\rcr");
    expect_escape("raw \x9b byte", 0, "raw \\x9b byte"); /* not UTF-8: 8-bit CSI */
    expect_escape("\xc0\xaf \xed\xa0\x80", 0,
                  "\\xc0\\xaf \\xed\\xa0\\x80"); /* overlong, surrogate */
    expect_escape("back\\slash", 0, "back\\slash");
    expect_escape("", 0, "");
}

static void test_safe_tree(void **state)
{
    json_t *v = json_pack("{s:s, s:[s, i, n, b], s:{s:s}, s:s}", "name", "Eve\x1b]2;pwned\x07",
                          "list", "x\xc2\x9by", 7, 1, "obj", "k\x1b", "v\n", "clean", "ok");
    json_t *s = cli_safe(v);
    assert_string_equal(json_string_value(json_object_get(s, "name")), "Eve\\x1b]2;pwned\\x07");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "list"), 0)),
                        "x\\u009by");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(s, "list"), 1)), 7);
    assert_true(json_is_null(json_array_get(json_object_get(s, "list"), 2)));
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "obj"), "k\\x1b")),
                        "v\\n");
    assert_ptr_equal(json_object_get(s, "clean"), json_object_get(v, "clean")); /* shared */
    assert_string_equal(json_string_value(json_object_get(v, "name")), "Eve\x1b]2;pwned\x07");
    assert_null(cli_safe(NULL));
    json_decref(s);
    json_decref(v);
}

/* JSON output: the same value when read back, with DEL and C1 written
 * as \u escapes, so none of them reaches a terminal raw. */
static void test_json(void **state)
{
    json_t *v = json_pack("{s:s, s:s}", "name",
                          "Eve\x1b[2J\x7f\xc2\x9b"
                          "31m\xc2\x85",
                          "plain", "Zo\xc3\xab");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_dump_json(f, v, JSON_COMPACT | JSON_SORT_KEYS);
    fclose(f);
    assert_string_equal(
        buf, "{\"name\":\"Eve\\u001B[2J\\u007F\\u009B31m\\u0085\",\"plain\":\"Zo\xc3\xab\"}\n");
    assert_false(has_raw_control(buf));
    json_t *back = json_loads(buf, 0, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, v));
    json_decref(back);
    free(buf);
    json_decref(v);
}

/* What call() does for a human reader: the printer gets cli_safe's copy. */
static void test_incident_list(void **state)
{
    json_t *r = json_pack("{s:[{s:s, s:s, s:i, s:b, s:s, s:s, s:I}]}", "incidents", "ref",
                          "EX-CAMB-2026-0001", "state", "active", "level", 2, "exercise", 1, "plan",
                          "cambridgeshire", "operation",
                          "EVIL\x1b[2J\xc2\x9b"
                          "31m",
                          "created_at", (json_int_t)1795375841247);
    json_t *safe = cli_safe(r);
    char *buf = NULL;
    size_t len = 0;
    FILE *saved = stdout;
    stdout = open_memstream(&buf, &len);
    cli_print_incident_list(safe);
    fclose(stdout);
    stdout = saved;
    assert_false(has_raw_control(buf));
    assert_non_null(strstr(buf, "EVIL\\x1b[2J\\u009b31m"));
    free(buf);
    json_decref(safe);
    json_decref(r);
}

/* Columns by the C library's widths: é one, a CJK character or an emoji
 * two, a combining accent none; cut between characters, never inside. */
static void test_width(void **state)
{
    (void)state;
    assert_int_equal(cli_width("Ren\xc3\xa9"
                               "e"),
                     5);
    assert_int_equal(cli_width("\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d"), 6);
    assert_int_equal(cli_width("\xf0\x9f\x91\x8d ok"), 5);
    assert_int_equal(cli_width("e\xcc\x81"), 1);
    assert_int_equal(cli_width("a\xff"
                               "b"),
                     3);
    assert_int_equal(cli_width(""), 0);
    assert_int_equal(cli_width_fit("\xe6\x9d\x8e\xe5\xb0\x8f", 3), 3);
    assert_int_equal(cli_width_fit("abc", 2), 2);

    static const char *const head[] = {"NAME", "N"};
    struct cli_table *t = cli_table_create(head, 2);
    cli_table_right(t, 1);
    cli_table_add(t, "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d");
    cli_table_add(t, "%d", 10);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_table_print(t, f, "> ");
    fclose(f);
    cli_table_delete(t);
    assert_string_equal(buf, "> NAME     N\n> \xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d  10\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape), cmocka_unit_test(test_safe_tree),
        cmocka_unit_test(test_json),   cmocka_unit_test(test_incident_list),
        cmocka_unit_test(test_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
