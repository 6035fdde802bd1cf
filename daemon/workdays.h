/*
 * daemon/workdays.h - working-day arithmetic for the Victims' Code
 * timescales: "within 2 working days" counted in the daemon's local time,
 * skipping the plan's non-working weekdays and bank holidays.  Pure
 * functions of their arguments (the time zone is the process's TZ).
 */
#ifndef MUSTER_WORKDAYS_H
#define MUSTER_WORKDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct workdays {
    unsigned weekdays;           /* bit 0 = Sunday .. bit 6 = Saturday */
    const char *const *holidays; /* "YYYY-MM-DD", sorted ascending */
    size_t nholidays;
};

/* True when the local calendar day containing ms is a working day. */
bool workdays_is_working(const struct workdays *w, int64_t ms);

/*
 * The deadline for something due within n working days of from_ms: the end
 * (local midnight after) of the n-th working day after the day of from_ms.
 * E.g. registered Friday 15:00, n = 2, Monday a bank holiday: the end of
 * Wednesday.  n >= 1.
 */
int64_t workdays_deadline(const struct workdays *w, int64_t from_ms, int n);

#endif
