/*
 * daemon/workdays.c - working-day arithmetic (see workdays.h).
 *
 * Days are walked as local calendar dates with localtime_r/mktime, never
 * by adding 24 hours, so a daylight-saving change (a 23- or 25-hour day)
 * cannot shift a deadline off local midnight.  Owns nothing: the holiday
 * list stays the caller's.
 */
#include "workdays.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORKDAYS_MAX_SCAN 3660 /* ten years: no working day in sight means none configured */

/* The local calendar date containing ms, as a struct tm set to noon. */
static void local_noon(int64_t ms, struct tm *tm)
{
    int64_t s = ms / 1000 - (ms % 1000 < 0); /* floor, also before 1970 */
    time_t t = (time_t)s;
    localtime_r(&t, tm);
    tm->tm_hour = 12;
    tm->tm_min = 0;
    tm->tm_sec = 0;
    tm->tm_isdst = -1;
}

/* Moves tm (a local noon) on by one calendar day; mktime normalises the
 * date and recomputes the weekday. */
static void next_day(struct tm *tm)
{
    tm->tm_mday++;
    tm->tm_hour = 12;
    tm->tm_isdst = -1;
    mktime(tm);
}

static int holiday_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static bool is_holiday(const struct workdays *w, const struct tm *tm)
{
    if (w->nholidays == 0)
        return false;
    char date[32];
    snprintf(date, sizeof date, "%04d-%02d-%02d", tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
    return bsearch(date, w->holidays, w->nholidays, sizeof *w->holidays, holiday_cmp) != NULL;
}

static bool tm_is_working(const struct workdays *w, const struct tm *tm)
{
    return (w->weekdays & (1u << tm->tm_wday)) != 0 && !is_holiday(w, tm);
}

bool workdays_is_working(const struct workdays *w, int64_t ms)
{
    struct tm tm;
    local_noon(ms, &tm);
    return tm_is_working(w, &tm);
}

/* Local midnight at the start of the day after tm's date, in ms. */
static int64_t end_of_day(struct tm tm)
{
    tm.tm_mday++;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

/*
 * The day of from_ms itself never counts, whether or not it is a working
 * day: registered on a Saturday, Monday is the first working day after it.
 * n < 1 (outside the contract) gives the end of from_ms's own day.
 */
int64_t workdays_deadline(const struct workdays *w, int64_t from_ms, int n)
{
    struct tm tm;
    local_noon(from_ms, &tm);
    for (int day = 0, found = 0; found < n; day++) {
        if (day == WORKDAYS_MAX_SCAN)
            return INT64_MAX;
        next_day(&tm);
        if (tm_is_working(w, &tm))
            found++;
    }
    return end_of_day(tm);
}
