/*
 * tests/test_namefold.c - the comparison key of names (daemon/namefold.c):
 * names a call handler reads as the same get one key, different names do
 * not, and the SQL function the schema migration uses agrees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "namefold.h"

static void key_of(const char *name, char out[NAMEFOLD_KEY_MAX])
{
    assert_int_equal(namefold_key(name, out, NAMEFOLD_KEY_MAX), 0);
}

static void assert_same(const char *a, const char *b)
{
    char ka[NAMEFOLD_KEY_MAX], kb[NAMEFOLD_KEY_MAX];
    key_of(a, ka);
    key_of(b, kb);
    if (strcmp(ka, kb))
        fail_msg("\"%s\" and \"%s\" should match: keys \"%s\" and \"%s\"", a, b, ka, kb);
}

static void assert_differ(const char *a, const char *b)
{
    char ka[NAMEFOLD_KEY_MAX], kb[NAMEFOLD_KEY_MAX];
    key_of(a, ka);
    key_of(b, kb);
    if (!strcmp(ka, kb))
        fail_msg("\"%s\" and \"%s\" should not match: both \"%s\"", a, b, ka);
}

static void test_look_alikes_match(void **state)
{
    assert_same("Anna", "\xd0\x90nna");                              /* Cyrillic A */
    assert_same("Anna Smith", "\xd0\xb0nna Sm\xd1\x96th");           /* Cyrillic a, i */
    assert_same("Zo\xc3\xab", "Zoe\xcc\x88");                        /* composed and decomposed */
    assert_same("Mary Jane", "Mary\xc2\xa0Jane");                    /* NBSP */
    assert_same("Jo\xe2\x80\x8bhn", "John");                         /* zero-width space */
    assert_same("Jo\xe2\x80\x8c\xe2\x80\x8dhn\xe2\x81\xa0", "John"); /* ZWNJ, ZWJ, word joiner */
    assert_same("\xef\xbb\xbf"
                "John",
                "john"); /* BOM */
    assert_same("  MARY   jane ", "mary jane");
    assert_same("Mary\tJane", "Mary Jane");
    assert_same("\xef\xbc\xaa\xef\xbd\x8f\xef\xbd\x88\xef\xbd\x8e", "John"); /* full width */
    assert_same("Ren\xc3\xa9\xe2\x80\x83"
                "Dupont",
                "RENE\xcc\x81 DUPONT"); /* em space */
}

static void test_different_names_differ(void **state)
{
    assert_differ("Jan", "Jane");
    assert_differ("Zoe", "Zo\xc3\xab");
    assert_differ("Mary Jane", "MaryJane");
    assert_differ("John Smith", "John Smyth");
    assert_differ("Anna", "Hanna");
}

static void test_bad_input(void **state)
{
    char k[NAMEFOLD_KEY_MAX] = "x";
    assert_int_equal(namefold_key("Ann\xff", k, sizeof(k)), -EILSEQ);
    assert_string_equal(k, "");
    key_of("", k);
    assert_string_equal(k, "");
    key_of("\xe2\x80\x8b \xc2\xa0", k);
    assert_string_equal(k, "");
}

/* A key too long for the buffer is cut at a character, never inside one. */
static void test_cut_at_character(void **state)
{
    char k[8];
    assert_int_equal(namefold_key("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", k, sizeof(k)), 0);
    assert_string_equal(k, "\xc3\xa9\xc3\xa9\xc3\xa9"); /* 3 of the 5, not 3.5 */
}

static void test_sql_function(void **state)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    char want[NAMEFOLD_KEY_MAX];
    key_of("\xd0\x90nna", want);
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(namefold_sql_register(db), 0);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT muster_name_key('\xd0\x90nna'),"
                                        " muster_name_key(NULL), muster_name_key('Anna')",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), want);
    assert_int_equal(sqlite3_column_type(s, 1), SQLITE_NULL);
    assert_string_equal((const char *)sqlite3_column_text(s, 2), want);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_look_alikes_match), cmocka_unit_test(test_different_names_differ),
        cmocka_unit_test(test_bad_input),         cmocka_unit_test(test_cut_at_character),
        cmocka_unit_test(test_sql_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
