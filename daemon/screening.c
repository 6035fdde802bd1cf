/*
 * daemon/screening.c - scoring the screening instruments (see screening.h).
 *
 * Every answer is checked for type and range before anything is counted,
 * so a malformed submission never yields a partial score.  Owns nothing:
 * the answers stay the caller's.
 */
#include "screening.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_DAY (24LL * 60 * 60 * 1000)

struct instrument_info {
    const char *name;
    size_t nitems;
    int max;
    bool boolean; /* yes/no items (TSQ) rather than 0..3 */
};

static const struct instrument_info instruments[] = {
    [SCREEN_TSQ] = {"tsq", 10, 10, true},
    [SCREEN_PHQ9] = {"phq9", 9, 27, false},
    [SCREEN_GAD7] = {"gad7", 7, 21, false},
};

#define NINSTRUMENTS (sizeof instruments / sizeof instruments[0])

static const struct instrument_info *info_of(enum screening_instrument i)
{
    if ((unsigned)i >= NINSTRUMENTS)
        return NULL;
    return &instruments[i];
}

int screening_instrument_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < NINSTRUMENTS; i++)
        if (strcmp(instruments[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *screening_instrument_name(enum screening_instrument i)
{
    const struct instrument_info *in = info_of(i);
    return in ? in->name : NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the message to err (when there is room) and returns -EINVAL. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* The points for one answer (item is 1-based, for the message), or -EINVAL. */
static int item_points(const struct instrument_info *in, json_t *v, size_t item, char *err,
                       size_t errlen)
{
    if (in->boolean) {
        if (!json_is_boolean(v))
            return fail(err, errlen, "item %zu must be true or false", item);
        return json_is_true(v) ? 1 : 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3)
        return fail(err, errlen, "item %zu must be 0, 1, 2 or 3", item);
    return (int)json_integer_value(v);
}

int screening_score(enum screening_instrument i, json_t *answers, const struct plan_screening *cfg,
                    struct screening_result *out, char *err, size_t errlen)
{
    const struct instrument_info *in = info_of(i);
    if (in == NULL)
        return fail(err, errlen, "unknown instrument %d", (int)i);
    if (!json_is_array(answers))
        return fail(err, errlen, "%s answers must be an array of %zu items", in->name, in->nitems);
    if (json_array_size(answers) != in->nitems)
        return fail(err, errlen, "%s needs %zu answers, got %zu", in->name, in->nitems,
                    json_array_size(answers));

    int score = 0, last = 0;
    for (size_t k = 0; k < in->nitems; k++) {
        last = item_points(in, json_array_get(answers, k), k + 1, err, errlen);
        if (last < 0)
            return last;
        score += last;
    }

    int cutoff = i == SCREEN_TSQ    ? cfg->tsq_cutoff
                 : i == SCREEN_PHQ9 ? cfg->phq9_cutoff
                                    : cfg->gad7_cutoff;
    *out = (struct screening_result){
        .instrument = i,
        .score = score,
        .max = in->max,
        .positive = score >= cutoff,
        .urgent = i == SCREEN_PHQ9 && last > 0, /* item 9: thoughts of self-harm */
    };
    return 0;
}

int64_t screening_earliest(enum screening_instrument i, const struct plan_screening *cfg,
                           int64_t incident_ms)
{
    if (i != SCREEN_TSQ)
        return incident_ms;
    return incident_ms + (int64_t)cfg->tsq_min_days * MS_PER_DAY;
}
