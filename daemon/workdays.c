/*
 * daemon/workdays.c - working-day arithmetic (see workdays.h).
 *
 * Days are walked as local calendar dates, never by adding 24 hours, so a
 * daylight-saving change (a 23- or 25-hour day) cannot shift a deadline
 * off local midnight.  The walk from one date to the next is calendar
 * arithmetic (days since 1970-01-01 and back, no time zone involved); only
 * the deadline itself, a local midnight, goes through mktime.  mktime
 * re-reads the time zone (a stat of /etc/localtime when TZ is unset) on
 * every call: once per day walked it was 3.6 % of a registration's CPU
 * (issue 19), once per deadline it still notices a time-zone change.
 * Owns nothing: the holiday list stays the caller's.
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

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12),
 * and back (H. Hinnant's civil calendar algorithms). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Moves tm (a local noon) on by one calendar day: the date and the
 * weekday, by calendar arithmetic (see the file's comment). */
static void next_day(struct tm *tm)
{
    int64_t z = days_from_civil((int64_t)tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) + 1;
    int64_t y;
    int m, d;
    civil_from_days(z, &y, &m, &d);
    tm->tm_year = (int)(y - 1900);
    tm->tm_mon = m - 1;
    tm->tm_mday = d;
    tm->tm_wday = (int)(((z % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    tm->tm_hour = 12;
    tm->tm_isdst = -1;
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
