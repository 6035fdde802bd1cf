/*
 * daemon/screening.h - scoring the screening instruments from item
 * answers: the Trauma Screening Questionnaire (10 yes/no items), PHQ-9
 * (9 items scored 0-3) and GAD-7 (7 items scored 0-3), with the plan's
 * cut-offs.  Pure functions: no I/O, no clock.
 */
#ifndef MUSTER_SCREENING_H
#define MUSTER_SCREENING_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "plan.h"

enum screening_instrument {
    SCREEN_TSQ,
    SCREEN_PHQ9,
    SCREEN_GAD7,
};

struct screening_result {
    enum screening_instrument instrument;
    int score;     /* TSQ 0-10, PHQ-9 0-27, GAD-7 0-21 */
    int max;       /* 10, 27, 21 */
    bool positive; /* score >= the plan's cut-off */
    bool urgent;   /* PHQ-9: any answer above 0 on item 9 (thoughts of self-harm) */
};

/* "tsq", "phq9", "gad7" <-> enum; -1 / NULL when unknown. */
int screening_instrument_from_name(const char *name);
const char *screening_instrument_name(enum screening_instrument i);

/*
 * Score answers (a JSON array: TSQ booleans, PHQ-9/GAD-7 integers 0..3,
 * exactly as many as the instrument has items).  Returns 0 and fills out,
 * or -EINVAL with a message in err ("item 3 must be 0, 1, 2 or 3").
 */
int screening_score(enum screening_instrument i, json_t *answers, const struct plan_screening *cfg,
                    struct screening_result *out, char *err, size_t errlen);

/*
 * When the instrument may be given for an incident that happened at
 * incident_ms: TSQ not before cfg->tsq_min_days days after it; the others
 * at once.  Returns the earliest time (ms).
 */
int64_t screening_earliest(enum screening_instrument i, const struct plan_screening *cfg,
                           int64_t incident_ms);

#endif
