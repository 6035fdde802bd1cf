/*
 * tests/test_metrics.c - the Prometheus text format of daemon/metrics_text.c:
 * label values escaped as the format says, HELP and TYPE lines, and
 * histograms whose buckets are cumulative, end with +Inf and agree with
 * their count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "unit_cases.h"

/* What fn wrote to a FILE, as a string (the caller frees it). */
#define CAPTURE(text, stmt)                                                                        \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *f = open_memstream(&(text), &len_);                                                  \
        assert_non_null(f);                                                                        \
        stmt;                                                                                      \
        assert_int_equal(fclose(f), 0);                                                            \
    } while (0)

struct escape_case {
    const char *in, *want;
};

static const struct escape_case escapes[] = {
    {"plain", "plain"},
    {"a\"b", "a\\\"b"},
    {"back\\slash", "back\\\\slash"},
    {"two\nlines", "two\\nlines"},
    {"\\\"\n", "\\\\\\\"\\n"},
    {"tab\tand ünïcode", "tab\tand ünïcode"},
    {"", ""},
};

static void run_escape(const void *p)
{
    const struct escape_case *c = p;
    char *text = NULL;
    CAPTURE(text, metrics_label_escape(f, c->in));
    unit_expect(text, c->want, UNIT_MATCH_ALL, c->in);
    free(text);
}

static void test_label_escape(void **state)
{
    (void)state;
    UNIT_CASES_RUN(escapes, run_escape);
}

static void test_head(void **state)
{
    (void)state;
    char *text = NULL;
    CAPTURE(text, metrics_head(f, "muster_x_total", "counter", "Back\\slash and\nnew line."));
    unit_expect(text,
                "# HELP muster_x_total Back\\\\slash and\\nnew line.\n"
                "# TYPE muster_x_total counter\n",
                UNIT_MATCH_ALL, "head");
    free(text);
}

static void test_histogram(void **state)
{
    (void)state;
    static const double bounds[] = {0.5, 1, 2.5};
    uint64_t counts[4] = {0};
    struct metrics_hist h = {bounds, 3, counts, 0};
    const double values[] = {0.1, 0.5, 0.75, 1, 3, 100, 2.5};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        metrics_hist_observe(&h, values[i]);
    char *text = NULL;
    CAPTURE(text, metrics_hist_write(f, "h", &h));
    unit_expect(text,
                "h_bucket{le=\"0.5\"} 2\n"
                "h_bucket{le=\"1\"} 4\n"
                "h_bucket{le=\"2.5\"} 5\n"
                "h_bucket{le=\"+Inf\"} 7\n"
                "h_sum 107.85\n"
                "h_count 7\n",
                UNIT_MATCH_ALL, "histogram (a value on a bound is in that bound's bucket)");
    free(text);
}

static void test_empty_histogram(void **state)
{
    (void)state;
    static const double bounds[] = {1};
    uint64_t counts[2] = {0};
    struct metrics_hist h = {bounds, 1, counts, 0};
    char *text = NULL;
    CAPTURE(text, metrics_hist_write(f, "e", &h));
    unit_expect(text, "e_bucket{le=\"1\"} 0\ne_bucket{le=\"+Inf\"} 0\ne_sum 0\ne_count 0\n",
                UNIT_MATCH_ALL, "empty histogram");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_escape),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_empty_histogram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
