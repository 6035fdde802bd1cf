/*
 * tests/fuzz/fuzz_plan.c - libFuzzer target for the plan loader
 * (common/plan*.c): the input is one plan file.  plan_load_buffer must
 * either refuse it with at least one message or hand out a plan, which is
 * then rendered with plan_to_json and freed.  Hostile YAML (aliases, deep
 * nesting, huge scalars) must be refused quickly: run with -timeout.
 * See tests/fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct plan *plan = NULL;
    struct plan_errors errs = {0};

    int rc = plan_load_buffer("fuzz.yaml", (const char *)data, size, &plan, &errs);
    if (rc != 0) {
        CHECK(rc < 0);
        CHECK(plan == NULL);
        CHECK(errs.count >= 1);
        /* At most PLAN_MAX_ERRORS messages and one summary line. */
        CHECK(errs.count <= PLAN_MAX_ERRORS + 1);
        for (size_t i = 0; i < errs.count; i++)
            CHECK(errs.msg[i] != NULL && strncmp(errs.msg[i], "fuzz.yaml", 9) == 0);
    } else {
        CHECK(plan != NULL);
        CHECK(errs.count == 0);
        CHECK(plan->id != NULL && plan->nlevels >= 1 && plan->nagencies >= 1);
        for (size_t i = 0; i < plan->nlevels; i++)
            CHECK(plan_level_find(plan, plan->levels[i].level) == &plan->levels[i]);
        for (size_t i = 0; i < plan->nagencies; i++)
            CHECK(plan_agency_find(plan, plan->agencies[i].id) == &plan->agencies[i]);
        CHECK(plan_agency_find(plan, plan->hub.lead_agency) != NULL);
        json_t *j = plan_to_json(plan);
        CHECK(j != NULL);
        char *text = json_dumps(j, JSON_COMPACT);
        CHECK(text != NULL);
        free(text);
        json_decref(j);
        plan_free(plan);
    }
    plan_errors_free(&errs);
    return 0;
}
