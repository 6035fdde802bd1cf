/*
 * tests/test_unit_cases.c - unit tests for tests/unit_cases.h, the case
 * runner of the table-driven unit tests: every row is run once, in order,
 * with its index known; and each kind of match accepts exactly what it
 * says (a runner that matched too much would let every table pass).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "unit_cases.h"

static const int rows[] = {10, 20, 30, 40};
static size_t runs;

static void run_row(const void *arg)
{
    const int *row = arg;

    assert_ptr_equal(row, &rows[runs]);
    assert_int_equal(unit_case_index, runs);
    runs++;
}

static void test_every_row_in_order(void **state)
{
    (void)state;
    assert_int_equal(UNIT_NCASES(rows), 4);
    assert_int_equal(unit_case_index, (size_t)-1);
    UNIT_CASES_RUN(rows, run_row);
    assert_int_equal(runs, 4);
    assert_int_equal(unit_case_index, (size_t)-1);
}

struct match_case {
    const char *got, *want;
    enum unit_match match;
    bool matches;
};

static const struct match_case match_cases[] = {
    {"", "", UNIT_MATCH_ALL, true},
    {"a\nb\n", "a\nb\n", UNIT_MATCH_ALL, true},
    {"a\nb\n", "a\n", UNIT_MATCH_ALL, false},
    {"a\n", "a\nb\n", UNIT_MATCH_ALL, false},
    {"", "a", UNIT_MATCH_ALL, false},
    {"a", "", UNIT_MATCH_ALL, false},
    {"t.yaml:1:1: x\n", "t.yaml:1:1: x", UNIT_MATCH_START, true},
    {"t.yaml:1:1: x\nmore\n", "t.yaml:1:1: x", UNIT_MATCH_START, true},
    {"t.yaml:1:1: y\n", "t.yaml:1:1: x", UNIT_MATCH_START, false},
    {"t.yaml:1", "t.yaml:1:1: x", UNIT_MATCH_START, false},
    {"", "t", UNIT_MATCH_START, false},
    {"t.yaml:1:1: x got \"y\"\n", "t.yaml:1:1: x got ", UNIT_MATCH_LINE, true},
    {"t.yaml:1:1: x got \"y\"\nt.yaml:2:1: z\n", "t.yaml:1:1: x got ", UNIT_MATCH_LINE, false},
    {"t.yaml:1:1: x got \"y\"", "t.yaml:1:1: x got ", UNIT_MATCH_LINE, false},
    {"t.yaml:1:1: y\n", "t.yaml:1:1: x", UNIT_MATCH_LINE, false},
    {"", "", UNIT_MATCH_LINE, false},
    {"\n", "", UNIT_MATCH_LINE, true},
};

static void run_match_case(const void *arg)
{
    const struct match_case *mc = arg;

    if (unit_matches(mc->got, mc->want, mc->match) != mc->matches)
        print_error("case %zu: %s\n", unit_case_index, mc->got);
    assert_int_equal(unit_matches(mc->got, mc->want, mc->match), mc->matches);
    if (mc->matches)
        unit_expect(mc->got, mc->want, mc->match, mc->got); /* returns */
}

static void test_matches(void **state)
{
    (void)state;
    UNIT_CASES_RUN(match_cases, run_match_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_in_order),
        cmocka_unit_test(test_matches),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
