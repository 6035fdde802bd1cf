/*
 * tests/unit_cases.h - one case runner for table-driven unit tests.
 *
 * A table is an array of structs, one case each.  UNIT_CASES_RUN calls one
 * function on every case in order, and unit_expect compares a case's
 * result with what the case expects: the whole text, its start, or one
 * line that starts with it.  On a mismatch unit_expect names the case (its
 * index in the table, and a label such as its input) and prints both
 * texts before cmocka fails the test, so the failing row is found without
 * counting rows.
 *
 * Header-only, for tests that are one file each; include it after
 * <cmocka.h>.
 */
#ifndef MUSTER_UNIT_CASES_H
#define MUSTER_UNIT_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* How a result must match what a case expects. */
enum unit_match {
    UNIT_MATCH_ALL,   /* the whole text is the expected text */
    UNIT_MATCH_START, /* the text starts with the expected text */
    UNIT_MATCH_LINE,  /* the text is one line ("...\n") starting with the expected text */
};

/* The index of the case being run in its table; (size_t)-1 outside a run
 * (a failed case leaves it set, but its failure ends the test). */
static size_t unit_case_index = (size_t)-1;

/* The number of cases of a table (an array, not a pointer). */
#define UNIT_NCASES(table) (sizeof(table) / sizeof((table)[0]))

/* Run run(&table[i]) for every case of table, in order. */
#define UNIT_CASES_RUN(table, run)                                                                 \
    unit_cases_run((table), UNIT_NCASES(table), sizeof((table)[0]), (run))

static inline void unit_cases_run(const void *table, size_t n, size_t size,
                                  void (*run)(const void *c))
{
    for (size_t i = 0; i < n; i++) {
        unit_case_index = i;
        run((const char *)table + i * size);
    }
    unit_case_index = (size_t)-1;
}

static inline bool unit_matches(const char *got, const char *want, enum unit_match match)
{
    size_t n = strlen(want);

    switch (match) {
    case UNIT_MATCH_ALL:
        return strcmp(got, want) == 0;
    case UNIT_MATCH_START:
        return strncmp(got, want, n) == 0;
    case UNIT_MATCH_LINE:
        return strncmp(got, want, n) == 0 && got[0] != '\0' &&
               strchr(got, '\n') == got + strlen(got) - 1;
    }
    return false;
}

/* Assert that got matches want as match says; label (may be NULL) names
 * the case in the message printed when it does not. */
static inline void unit_expect(const char *got, const char *want, enum unit_match match,
                               const char *label)
{
    static const char *const how[] = {":", " a text starting with:", " one line starting with:"};

    if (unit_matches(got, want, match))
        return;
    if (unit_case_index != (size_t)-1)
        print_error("case %zu: ", unit_case_index);
    print_error("%s\nexpected%s\n%s\ngot:\n%s\n", label ? label : "", how[match], want, got);
    fail();
}

#endif
