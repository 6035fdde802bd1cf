/*
 * tests/test_workdays.c - working-day deadlines in UK local time: the
 * Victims' Code examples (mid-week, over a weekend, a bank holiday
 * Monday, weekend registration, Christmas), both daylight-saving changes,
 * local-date holiday matching, n = 1 and n = 10, and the loop bound; and
 * the shipped holiday files of the three nations (plans/holidays/), read
 * as a plan naming them reads them.
 *
 * Usage: test_workdays [TESTS_PLANS_DIR [PLANS_DIR]]
 *
 * Runs in "GMT0BST,M3.5.0/1,M10.5.0" (the UK rules as a POSIX TZ string,
 * so no tzdata is needed); DST cases are also checked against absolute
 * UTC instants, not only against mktime.  The days are walked by calendar
 * arithmetic: checked against a walk by mktime over four centuries of
 * start dates, with mktime called once per deadline (it re-reads the time
 * zone each call: issue 19; linked with -Wl,--wrap=mktime to count), and
 * a changed TZ still moves the next deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "plan.h"
#include "workdays.h"

static const char *plans_dir = "plans"; /* PLANS_DIR, the shipped plans/ */

/* mktime, counted (the test is linked with -Wl,--wrap=mktime) */
time_t __real_mktime(struct tm *tm);
time_t __wrap_mktime(struct tm *tm);
static int mktime_calls;

time_t __wrap_mktime(struct tm *tm)
{
    mktime_calls++;
    return __real_mktime(tm);
}

#define MON_FRI 0x3eu /* bits 1..5 */
#define ALL_DAYS 0x7fu

static const char *const ew_2026[] = {
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
    "2026-08-31", "2026-12-25", "2026-12-28", "2027-01-01",
};

static const struct workdays uk = {MON_FRI, ew_2026, sizeof ew_2026 / sizeof ew_2026[0]};
static const struct workdays plain = {MON_FRI, NULL, 0};

/* Local time in ms (mktime, DST guessed). */
static int64_t local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_isdst = -1};
    time_t t = mktime(&tm);
    assert_true(t != (time_t)-1);
    return (int64_t)t * 1000;
}

/* Asserts the deadline for local (y, mo, d, h) is local midnight starting (ey, emo, ed). */
static void check(const struct workdays *w, int y, int mo, int d, int h, int n, int ey, int emo,
                  int ed)
{
    int64_t got = workdays_deadline(w, local(y, mo, d, h, 0), n);
    int64_t want = local(ey, emo, ed, 0, 0);
    if (got != want) {
        time_t t = (time_t)(got / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        fail_msg("%04d-%02d-%02d %02d:00 n=%d: got %04d-%02d-%02d %02d:%02d, want %04d-%02d-%02d",
                 y, mo, d, h, n, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, ey, emo, ed);
    }
}

static void test_midweek(void **state)
{
    check(&plain, 2026, 3, 2, 10, 2, 2026, 3, 5); /* Mon 10:00 -> end of Wed */
    check(&plain, 2026, 3, 3, 0, 2, 2026, 3, 6);  /* Tue 00:00 -> end of Thu */
    check(&plain, 2026, 3, 4, 23, 2, 2026, 3, 7); /* Wed 23:00 -> end of Fri */
}

static void test_over_weekend(void **state)
{
    check(&plain, 2026, 3, 5, 10, 2, 2026, 3, 10); /* Thu -> end of Mon */
    check(&plain, 2026, 3, 6, 15, 2, 2026, 3, 11); /* Fri 15:00 -> end of Tue */
}

static void test_weekend_registration(void **state)
{
    check(&plain, 2026, 3, 7, 10, 2, 2026, 3, 11); /* Sat -> Mon is day 1, end of Tue */
    check(&plain, 2026, 3, 8, 23, 2, 2026, 3, 11); /* Sun late -> end of Tue */
    check(&plain, 2026, 3, 7, 0, 1, 2026, 3, 10);  /* Sat, n=1 -> end of Mon */
}

static void test_bank_holiday(void **state)
{
    /* Fri 22 May 2026, Mon 25 May a bank holiday -> end of Wed 27 */
    check(&uk, 2026, 5, 22, 15, 2, 2026, 5, 28);
    /* Good Friday and Easter Monday around a weekend: Thu 2 Apr -> Tue 7, Wed 8 */
    check(&uk, 2026, 4, 2, 9, 1, 2026, 4, 8);
    check(&uk, 2026, 4, 2, 9, 2, 2026, 4, 9);
    /* registered on the bank holiday itself: it does not count */
    check(&uk, 2026, 5, 25, 11, 1, 2026, 5, 27);
    /* without the holiday list the same Friday gives Tuesday */
    check(&plain, 2026, 5, 22, 15, 2, 2026, 5, 27);
}

static void test_christmas(void **state)
{
    /* Wed 23 Dec: Thu 24 day 1; Fri 25, Sat, Sun, Mon 28 off; Tue 29 day 2 */
    check(&uk, 2026, 12, 23, 14, 2, 2026, 12, 30);
    check(&uk, 2026, 12, 23, 14, 1, 2026, 12, 25);
    /* into the new year: Tue 29 day 1, Wed 30, Thu 31, (Fri 1 Jan off), Mon 4 Jan day 4 */
    check(&uk, 2026, 12, 28, 10, 4, 2027, 1, 5);
}

static void test_n1_n10(void **state)
{
    check(&plain, 2026, 3, 2, 10, 1, 2026, 3, 4);   /* Mon -> end of Tue */
    check(&plain, 2026, 3, 6, 10, 1, 2026, 3, 10);  /* Fri -> end of Mon */
    check(&plain, 2026, 3, 2, 10, 10, 2026, 3, 17); /* Mon 2 -> Tue 3 .. Mon 16 (10th) */
    check(&uk, 2026, 8, 28, 10, 10, 2026, 9, 15);   /* Fri 28 Aug, 31 Aug off: Tue 1 .. Mon 14 */
}

static void test_dst_spring(void **state)
{
    /* every day working, so the deadline lands on the change itself */
    const struct workdays all = {ALL_DAYS, NULL, 0};
    int64_t fri = local(2026, 3, 27, 15, 0);
    /* end of Sat 28 Mar: Sun 29 00:00 GMT */
    assert_int_equal(workdays_deadline(&all, fri, 1), 1774742400000);
    /* end of Sun 29 Mar (a 23-hour day): Mon 30 00:00 BST = 29 Mar 23:00 UTC */
    assert_int_equal(workdays_deadline(&all, fri, 2), 1774825200000);
    /* Mon-Fri: Fri 27 Mar -> end of Tue 31 Mar = Wed 1 Apr 00:00 BST */
    assert_int_equal(workdays_deadline(&plain, fri, 2), 1774998000000);
    check(&plain, 2026, 3, 27, 15, 2, 2026, 4, 1);
    /* registered either side of the lost hour, Sun 29 Mar 00:30 GMT and 02:30 BST:
     * both on Sunday, so n = 1 is the end of Mon 30 = Tue 31 00:00 BST */
    assert_int_equal(workdays_deadline(&all, 1774744200000, 1), 1774911600000);
    assert_int_equal(workdays_deadline(&all, 1774747800000, 1), 1774911600000);
}

static void test_dst_autumn(void **state)
{
    const struct workdays all = {ALL_DAYS, NULL, 0};
    int64_t sat = local(2026, 10, 24, 12, 0);
    /* end of Sun 25 Oct (a 25-hour day): Mon 26 00:00 GMT */
    assert_int_equal(workdays_deadline(&all, sat, 1), 1792972800000);
    /* Mon-Fri: Fri 23 Oct (BST) -> end of Mon 26 = Tue 27 00:00 GMT */
    assert_int_equal(workdays_deadline(&plain, local(2026, 10, 23, 15, 0), 1), 1793059200000);
    /* the repeated hour: 01:30 BST and 01:30 GMT on Sun 25 Oct are the same day */
    assert_int_equal(workdays_deadline(&all, 1792888200000, 1), 1793059200000);
    assert_int_equal(workdays_deadline(&all, 1792891800000, 1), 1793059200000);
}

static void test_is_working_local_date(void **state)
{
    /* Fri 22 May 2026 23:30 BST is 22:30 UTC: still Friday */
    assert_true(workdays_is_working(&uk, 1779489000000));
    /* 23:30 UTC is Sat 00:30 BST: not working although UTC says Friday */
    assert_false(workdays_is_working(&uk, 1779492600000));
    /* Mon 25 May 00:30 BST (24 May 23:30 UTC) is the bank holiday */
    assert_false(workdays_is_working(&uk, local(2026, 5, 25, 0, 30)));
    assert_true(workdays_is_working(&plain, local(2026, 5, 25, 0, 30)));
    assert_true(workdays_is_working(&uk, local(2026, 5, 26, 0, 0)));
    assert_false(workdays_is_working(&uk, local(2026, 12, 25, 12, 0)));
    assert_false(workdays_is_working(&uk, local(2026, 1, 1, 23, 59)));
    assert_true(workdays_is_working(&uk, local(2026, 1, 2, 0, 0)));
    /* every entry of the list is found (binary search, both ends) */
    for (size_t k = 0; k < uk.nholidays; k++) {
        int y, m, d;
        assert_int_equal(sscanf(uk.holidays[k], "%d-%d-%d", &y, &m, &d), 3);
        assert_false(workdays_is_working(&uk, local(y, m, d, 12, 0)));
    }
}

static void test_custom_week(void **state)
{
    /* a Sunday-to-Thursday week */
    const struct workdays w = {0x1fu, NULL, 0};
    check(&w, 2026, 3, 5, 10, 1, 2026, 3, 9);  /* Thu -> Sun 8 is day 1 */
    check(&w, 2026, 3, 6, 10, 2, 2026, 3, 10); /* Fri -> Sun, Mon */
    assert_false(workdays_is_working(&w, local(2026, 3, 6, 12, 0)));
    assert_true(workdays_is_working(&w, local(2026, 3, 8, 12, 0)));
}

static void test_no_working_days(void **state)
{
    const struct workdays none = {0, NULL, 0};
    assert_int_equal(workdays_deadline(&none, local(2026, 3, 2, 10, 0), 1), INT64_MAX);
    assert_false(workdays_is_working(&none, local(2026, 3, 2, 10, 0)));
    /* only Mondays, the first of them a bank holiday: the next Monday is found */
    const struct workdays mondays = {0x02u, ew_2026, sizeof ew_2026 / sizeof ew_2026[0]};
    check(&mondays, 2026, 5, 22, 10, 1, 2026, 6, 2); /* 25 May off -> Mon 1 Jun */
}

static void test_before_epoch(void **state)
{
    /* Wed 31 Dec 1969 23:59:59.500 UTC (GMT in winter): floor, not truncation */
    assert_int_equal(workdays_deadline(&plain, -500, 1), local(1970, 1, 2, 0, 0));
}

/* The deadline as it was walked before issue 19: one mktime per day. */
static int64_t deadline_by_mktime(const struct workdays *w, int64_t from_ms, int n)
{
    time_t t = (time_t)(from_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_hour = 12;
    tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    for (int found = 0; found < n;) {
        tm.tm_mday++;
        tm.tm_hour = 12;
        tm.tm_isdst = -1;
        mktime(&tm);
        if (w->weekdays & (1u << tm.tm_wday))
            found++;
    }
    tm.tm_mday++;
    tm.tm_hour = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

/* Calendar arithmetic walks the days as mktime did: month and year ends,
 * 29 February in 1900 (none), 2000 and 2024, both DST changes, every
 * weekday, from 1890 to 2290 every 13 days. */
static void test_walk_as_mktime(void **state)
{
    const struct workdays all = {ALL_DAYS, NULL, 0}, sat = {0x40u, NULL, 0};
    int64_t from = local(1890, 1, 1, 15, 0), to = local(2290, 1, 1, 15, 0);
    for (int64_t ms = from; ms < to; ms += 13 * 86400000LL) {
        int n = (int)((ms / 86400000LL) % 12) + 1;
        assert_int_equal(workdays_deadline(&plain, ms, n), deadline_by_mktime(&plain, ms, n));
        assert_int_equal(workdays_deadline(&all, ms, n), deadline_by_mktime(&all, ms, n));
        assert_int_equal(workdays_deadline(&sat, ms, 1), deadline_by_mktime(&sat, ms, 1));
    }
    (void)state;
}

/* A deadline costs one mktime however many days it walks (mktime
 * re-reads the time zone on every call). */
static void test_one_mktime(void **state)
{
    int64_t from = local(2026, 8, 28, 10, 0), want = local(2026, 9, 15, 0, 0);
    mktime_calls = 0;
    assert_int_equal(workdays_deadline(&uk, from, 10), want);
    assert_int_equal(mktime_calls, 1);
    (void)state;
}

/* A changed time zone moves the next deadline (no tzset: mktime reads it). */
static void test_zone_change(void **state)
{
    int64_t from = local(2026, 3, 2, 12, 0); /* Mon noon in London */
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    int64_t got = workdays_deadline(&plain, from, 1);
    setenv("TZ", "GMT0BST,M3.5.0/1,M10.5.0", 1);
    tzset();
    /* the end of Tue 3 March in New York: 05:00 UTC on the 4th */
    assert_int_equal(got, (int64_t)1772600400 * 1000);
    (void)state;
}

/* The working days of a plan naming the nation's shipped holiday file.
 * The plan is returned for plan_free (it owns the dates). */
static struct plan *nation(const char *name, struct workdays *w)
{
    static const char tmpl[] =
        "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
        "levels: [{level: 1, name: L}]\n"
        "hub: {name: H, lead_agency: a}\n"
        "agencies: [{id: a, name: A, role: R, activate_level: 1,"
        " contacts: [{name: C, channel: zmq, target: a}]}]\n"
        "persons: {home_areas: [town], pathways: [{id: p, name: P, provider: a}],"
        " rules: [{pathway: p}], bank_holidays: %s}\n";
    char text[600], file[4096];
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    snprintf(text, sizeof(text), tmpl, name);
    snprintf(file, sizeof(file), "%s/t.yaml", plans_dir);
    if (plan_load_buffer(file, text, strlen(text), &p, &errs) != 0)
        fail_msg("%s: %s", name, errs.count ? errs.msg[0] : "?");
    w->weekdays = p->persons.working_weekdays;
    w->holidays = (const char *const *)p->persons.bank_holidays;
    w->nholidays = p->persons.nbank_holidays;
    return p;
}

/* Each nation's own days move a deadline: St Andrew's Day in Scotland,
 * the Battle of the Boyne in Northern Ireland, Easter Monday everywhere
 * but Scotland, Christmas with its substitute days. */
static void test_shipped_nations(void **state)
{
    struct workdays ew, sc, ni;
    struct plan *pew = nation("england-and-wales", &ew), *psc = nation("scotland", &sc),
                *pni = nation("northern-ireland", &ni);
    check(&ew, 2026, 12, 24, 15, 2, 2026, 12, 31); /* 25th, 28th off: Tue 29, Wed 30 */
    check(&sc, 2026, 12, 24, 15, 2, 2026, 12, 31);
    check(&ew, 2026, 11, 27, 10, 1, 2026, 12, 1); /* Fri -> Mon 30 Nov */
    check(&sc, 2026, 11, 27, 10, 1, 2026, 12, 2); /* St Andrew's Day -> Tue 1 Dec */
    check(&ew, 2026, 7, 10, 10, 1, 2026, 7, 14);  /* Fri -> Mon 13 Jul */
    check(&ni, 2026, 7, 10, 10, 1, 2026, 7, 15);  /* the Boyne (substitute) -> Tue 14 */
    check(&ew, 2027, 3, 25, 10, 1, 2027, 3, 31);  /* Good Friday, Easter Monday -> Tue 30 */
    check(&ni, 2027, 3, 25, 10, 1, 2027, 3, 31);
    check(&sc, 2027, 3, 25, 10, 1, 2027, 3, 30);   /* no Easter Monday: Mon 29 */
    check(&ew, 2027, 12, 24, 10, 1, 2027, 12, 30); /* 27th, 28th substitute days -> Wed 29 */
    check(&ew, 2027, 12, 31, 10, 1, 2028, 1, 5);   /* New Year's Day substitute 3 Jan -> Tue 4 */
    check(&sc, 2027, 12, 31, 10, 1, 2028, 1, 6);   /* and 4 Jan -> Wed 5 */
    plan_free(pew);
    plan_free(psc);
    plan_free(pni);
    (void)state;
}

int main(int argc, char **argv)
{
    if (argc > 2)
        plans_dir = argv[2];
    setenv("TZ", "GMT0BST,M3.5.0/1,M10.5.0", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_midweek),
        cmocka_unit_test(test_over_weekend),
        cmocka_unit_test(test_weekend_registration),
        cmocka_unit_test(test_bank_holiday),
        cmocka_unit_test(test_christmas),
        cmocka_unit_test(test_n1_n10),
        cmocka_unit_test(test_dst_spring),
        cmocka_unit_test(test_dst_autumn),
        cmocka_unit_test(test_is_working_local_date),
        cmocka_unit_test(test_custom_week),
        cmocka_unit_test(test_no_working_days),
        cmocka_unit_test(test_before_epoch),
        cmocka_unit_test(test_shipped_nations),
        cmocka_unit_test(test_walk_as_mktime),
        cmocka_unit_test(test_one_mktime),
        cmocka_unit_test(test_zone_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
