/*
 * tests/test_screening.c - scoring TSQ, PHQ-9 and GAD-7: scores at and
 * around every cut-off (default and plan-specific), the PHQ-9 item 9
 * urgent flag, extremes, every kind of malformed answer list, instrument
 * names and the earliest screening time.
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

#include "screening.h"

static const struct plan_screening defaults = {
    .tsq_cutoff = 6, .tsq_min_days = 28, .phq9_cutoff = 10, .gad7_cutoff = 10};

/* n TSQ answers, the first yes of them true. */
static json_t *tsq(size_t n, size_t yes)
{
    json_t *a = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(a, json_boolean(k < yes));
    return a;
}

/* n items of 0..3 adding up to total, filled from the first item; item
 * last_item (the final one) set separately. */
static json_t *points(size_t n, int total, int last_item)
{
    json_t *a = json_array();
    total -= last_item;
    for (size_t k = 0; k + 1 < n; k++) {
        int v = total > 3 ? 3 : total;
        total -= v;
        json_array_append_new(a, json_integer(v));
    }
    assert_int_equal(total, 0);
    json_array_append_new(a, json_integer(last_item));
    return a;
}

/* Scores a (and frees it); asserts success. */
static struct screening_result score_ok(enum screening_instrument i, json_t *a,
                                        const struct plan_screening *cfg)
{
    struct screening_result r;
    char err[128] = "";
    int rc = screening_score(i, a, cfg, &r, err, sizeof err);
    json_decref(a);
    if (rc != 0)
        fail_msg("unexpected error: %s", err);
    assert_int_equal(r.instrument, i);
    return r;
}

/* Scores the JSON text; asserts -EINVAL and that the message contains want. */
static void score_bad(enum screening_instrument i, const char *text, const char *want)
{
    json_t *a = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(a);
    struct screening_result r;
    char err[128] = "";
    assert_int_equal(screening_score(i, a, &defaults, &r, err, sizeof err), -EINVAL);
    json_decref(a);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void test_tsq_cutoff(void **state)
{
    struct screening_result r = score_ok(SCREEN_TSQ, tsq(10, 5), &defaults);
    assert_int_equal(r.score, 5);
    assert_int_equal(r.max, 10);
    assert_false(r.positive);
    assert_false(r.urgent);
    r = score_ok(SCREEN_TSQ, tsq(10, 6), &defaults);
    assert_int_equal(r.score, 6);
    assert_true(r.positive);
    r = score_ok(SCREEN_TSQ, tsq(10, 7), &defaults);
    assert_int_equal(r.score, 7);
    assert_true(r.positive);
}

static void test_tsq_yes_anywhere(void **state)
{
    json_t *a = json_loads("[false,true,false,true,true,false,true,true,true,false]", 0, NULL);
    struct screening_result r = score_ok(SCREEN_TSQ, a, &defaults);
    assert_int_equal(r.score, 6);
    assert_true(r.positive);
}

static void test_phq9_cutoff(void **state)
{
    struct screening_result r = score_ok(SCREEN_PHQ9, points(9, 9, 0), &defaults);
    assert_int_equal(r.score, 9);
    assert_int_equal(r.max, 27);
    assert_false(r.positive);
    assert_false(r.urgent);
    r = score_ok(SCREEN_PHQ9, points(9, 10, 0), &defaults);
    assert_int_equal(r.score, 10);
    assert_true(r.positive);
    r = score_ok(SCREEN_PHQ9, points(9, 11, 0), &defaults);
    assert_int_equal(r.score, 11);
    assert_true(r.positive);
}

static void test_gad7_cutoff(void **state)
{
    struct screening_result r = score_ok(SCREEN_GAD7, points(7, 9, 0), &defaults);
    assert_int_equal(r.score, 9);
    assert_int_equal(r.max, 21);
    assert_false(r.positive);
    r = score_ok(SCREEN_GAD7, points(7, 10, 0), &defaults);
    assert_int_equal(r.score, 10);
    assert_true(r.positive);
    r = score_ok(SCREEN_GAD7, points(7, 11, 1), &defaults);
    assert_int_equal(r.score, 11);
    assert_true(r.positive);
    assert_false(r.urgent); /* only PHQ-9 has an urgent item */
}

static void test_custom_cutoffs(void **state)
{
    const struct plan_screening c = {
        .tsq_cutoff = 4, .tsq_min_days = 14, .phq9_cutoff = 15, .gad7_cutoff = 8};
    assert_false(score_ok(SCREEN_TSQ, tsq(10, 3), &c).positive);
    assert_true(score_ok(SCREEN_TSQ, tsq(10, 4), &c).positive);
    assert_true(score_ok(SCREEN_TSQ, tsq(10, 5), &c).positive);
    assert_false(score_ok(SCREEN_PHQ9, points(9, 11, 0), &c).positive); /* positive by default */
    assert_false(score_ok(SCREEN_PHQ9, points(9, 14, 0), &c).positive);
    assert_true(score_ok(SCREEN_PHQ9, points(9, 15, 0), &c).positive);
    assert_true(score_ok(SCREEN_PHQ9, points(9, 16, 0), &c).positive);
    assert_false(score_ok(SCREEN_GAD7, points(7, 7, 0), &c).positive);
    assert_true(score_ok(SCREEN_GAD7, points(7, 8, 0), &c).positive);
    assert_true(score_ok(SCREEN_GAD7, points(7, 9, 0), &c).positive); /* negative by default */
}

static void test_phq9_item9_urgent(void **state)
{
    struct screening_result r = score_ok(SCREEN_PHQ9, points(9, 0, 0), &defaults);
    assert_false(r.urgent);
    r = score_ok(SCREEN_PHQ9, points(9, 1, 1), &defaults);
    assert_int_equal(r.score, 1);
    assert_false(r.positive);
    assert_true(r.urgent);
    r = score_ok(SCREEN_PHQ9, points(9, 3, 3), &defaults);
    assert_true(r.urgent);
    /* a high total without item 9 is positive but not urgent */
    r = score_ok(SCREEN_PHQ9, points(9, 24, 0), &defaults);
    assert_true(r.positive);
    assert_false(r.urgent);
}

static void test_extremes(void **state)
{
    struct screening_result r = score_ok(SCREEN_TSQ, tsq(10, 0), &defaults);
    assert_int_equal(r.score, 0);
    assert_false(r.positive);
    r = score_ok(SCREEN_TSQ, tsq(10, 10), &defaults);
    assert_int_equal(r.score, 10);
    assert_true(r.positive);
    r = score_ok(SCREEN_PHQ9, points(9, 0, 0), &defaults);
    assert_int_equal(r.score, 0);
    assert_false(r.positive);
    r = score_ok(SCREEN_PHQ9, points(9, 27, 3), &defaults);
    assert_int_equal(r.score, 27);
    assert_true(r.positive);
    assert_true(r.urgent);
    r = score_ok(SCREEN_GAD7, points(7, 0, 0), &defaults);
    assert_int_equal(r.score, 0);
    assert_false(r.positive);
    r = score_ok(SCREEN_GAD7, points(7, 21, 3), &defaults);
    assert_int_equal(r.score, 21);
    assert_true(r.positive);
}

static void test_bad_count(void **state)
{
    score_bad(SCREEN_TSQ, "[true,true,true,true,true,true,true,true,true]",
              "tsq needs 10 answers, got 9");
    score_bad(SCREEN_TSQ, "[true,true,true,true,true,true,true,true,true,true,true]", "got 11");
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,0,0,0]", "phq9 needs 9 answers, got 8");
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,0,0,0,0,0]", "got 10");
    score_bad(SCREEN_GAD7, "[0,0,0,0,0,0]", "gad7 needs 7 answers, got 6");
    score_bad(SCREEN_GAD7, "[0,0,0,0,0,0,0,0,0]", "got 9"); /* PHQ-9 answers given as GAD-7 */
    score_bad(SCREEN_GAD7, "[]", "got 0");
}

static void test_bad_container(void **state)
{
    score_bad(SCREEN_TSQ, "{\"1\":true}", "must be an array");
    score_bad(SCREEN_PHQ9, "\"0,0,0\"", "must be an array");
    score_bad(SCREEN_GAD7, "null", "must be an array");
    score_bad(SCREEN_GAD7, "7", "must be an array");

    struct screening_result r;
    char err[128] = "";
    assert_int_equal(screening_score(SCREEN_PHQ9, NULL, &defaults, &r, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "must be an array"));
    json_t *a = tsq(10, 0);
    assert_int_equal(
        screening_score((enum screening_instrument)7, a, &defaults, &r, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "unknown instrument"));
    /* no room for a message: still refused, nothing written */
    assert_int_equal(screening_score((enum screening_instrument) - 1, a, &defaults, &r, NULL, 0),
                     -EINVAL);
    json_decref(a);
}

static void test_bad_tsq_items(void **state)
{
    score_bad(SCREEN_TSQ, "[1,true,true,true,true,true,true,true,true,true]",
              "item 1 must be true or false");
    score_bad(SCREEN_TSQ, "[true,true,true,true,true,true,true,true,true,0]",
              "item 10 must be true or false");
    score_bad(SCREEN_TSQ, "[true,\"yes\",true,true,true,true,true,true,true,true]", "item 2 ");
    score_bad(SCREEN_TSQ, "[true,true,null,true,true,true,true,true,true,true]", "item 3 ");
    score_bad(SCREEN_TSQ, "[true,true,true,[],true,true,true,true,true,true]", "item 4 ");
}

static void test_bad_point_items(void **state)
{
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,0,0,0,4]", "item 9 must be 0, 1, 2 or 3");
    score_bad(SCREEN_PHQ9, "[-1,0,0,0,0,0,0,0,0]", "item 1 must be 0, 1, 2 or 3");
    score_bad(SCREEN_PHQ9, "[0,\"2\",0,0,0,0,0,0,0]", "item 2 must");
    score_bad(SCREEN_PHQ9, "[0,0,1.5,0,0,0,0,0,0]", "item 3 must");
    score_bad(SCREEN_PHQ9, "[0,0,0,1.0,0,0,0,0,0]", "item 4 must"); /* a real, even if whole */
    score_bad(SCREEN_PHQ9, "[0,0,0,0,true,0,0,0,0]", "item 5 must");
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,false,0,0,0]", "item 6 must");
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,0,null,0,0]", "item 7 must");
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,0,0,{},0]", "item 8 must");
    score_bad(SCREEN_PHQ9, "[0,0,0,0,0,0,0,0,9223372036854775807]", "item 9 must");
    score_bad(SCREEN_GAD7, "[0,0,0,0,0,0,4]", "item 7 must be 0, 1, 2 or 3");
    score_bad(SCREEN_GAD7, "[0,0,0,0,0,0,-3]", "item 7 must");
    score_bad(SCREEN_GAD7, "[true,0,0,0,0,0,0]", "item 1 must");
    score_bad(SCREEN_GAD7, "[0,0,0,2.5,0,0,0]", "item 4 must");
    /* the first bad item is the one named */
    score_bad(SCREEN_GAD7, "[0,9,0,9,0,0,0]", "item 2 must");
}

static void test_names(void **state)
{
    const enum screening_instrument all[] = {SCREEN_TSQ, SCREEN_PHQ9, SCREEN_GAD7};
    for (size_t k = 0; k < 3; k++) {
        const char *name = screening_instrument_name(all[k]);
        assert_non_null(name);
        assert_int_equal(screening_instrument_from_name(name), (int)all[k]);
    }
    assert_string_equal(screening_instrument_name(SCREEN_TSQ), "tsq");
    assert_string_equal(screening_instrument_name(SCREEN_PHQ9), "phq9");
    assert_string_equal(screening_instrument_name(SCREEN_GAD7), "gad7");
    assert_int_equal(screening_instrument_from_name("PHQ9"), -1);
    assert_int_equal(screening_instrument_from_name("phq-9"), -1);
    assert_int_equal(screening_instrument_from_name(""), -1);
    assert_int_equal(screening_instrument_from_name(NULL), -1);
    assert_null(screening_instrument_name((enum screening_instrument)3));
    assert_null(screening_instrument_name((enum screening_instrument) - 1));
}

static void test_earliest(void **state)
{
    const int64_t day = 86400000;
    const int64_t t = 1780000000000; /* 2026-05-28 */
    assert_int_equal(screening_earliest(SCREEN_TSQ, &defaults, t), t + 28 * day);
    assert_int_equal(screening_earliest(SCREEN_PHQ9, &defaults, t), t);
    assert_int_equal(screening_earliest(SCREEN_GAD7, &defaults, t), t);
    const struct plan_screening c = {.tsq_cutoff = 6, .tsq_min_days = 0};
    assert_int_equal(screening_earliest(SCREEN_TSQ, &c, t), t);
    const struct plan_screening l = {.tsq_cutoff = 6, .tsq_min_days = 365};
    assert_int_equal(screening_earliest(SCREEN_TSQ, &l, t), t + 365 * day);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsq_cutoff),      cmocka_unit_test(test_tsq_yes_anywhere),
        cmocka_unit_test(test_phq9_cutoff),     cmocka_unit_test(test_gad7_cutoff),
        cmocka_unit_test(test_custom_cutoffs),  cmocka_unit_test(test_phq9_item9_urgent),
        cmocka_unit_test(test_extremes),        cmocka_unit_test(test_bad_count),
        cmocka_unit_test(test_bad_container),   cmocka_unit_test(test_bad_tsq_items),
        cmocka_unit_test(test_bad_point_items), cmocka_unit_test(test_names),
        cmocka_unit_test(test_earliest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
