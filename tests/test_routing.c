/*
 * tests/test_routing.c - unit tests for daemon/routing.c: every routing rule
 * condition (categories, age bounds, vulnerabilities, languages, home area,
 * screening result, urgency), rule order, pathway capacity and waitlists,
 * the consent rules, out-of-area referral, re-routing after re-screening
 * and the action names.  Each plan is built from a small YAML text with
 * plan_load_buffer.
 *
 * Usage: test_routing [TESTS_PLANS_DIR [PLANS_DIR]] (both ignored; accepted
 * so that every unit test binary takes the same arguments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "routing.h"

/* ---- helpers ---------------------------------------------------------- */

/* Everything of a valid plan but its persons section. */
static const char plan_head[] = "plan:\n"
                                "  id: routing\n"
                                "  name: Routing test plan\n"
                                "  version: \"1\"\n"
                                "  ref_prefix: ROUTE\n"
                                "levels:\n"
                                "  - {level: 1, name: Major incident}\n"
                                "hub:\n"
                                "  name: Victim and Witness Hub\n"
                                "  lead_agency: hub\n"
                                "agencies:\n"
                                "  - id: hub\n"
                                "    name: Victim and Witness Hub\n"
                                "    role: Lead agency\n"
                                "    activate_level: 1\n"
                                "    contacts: [{name: Duty manager, channel: zmq, target: hub}]\n"
                                "  - id: nhs\n"
                                "    name: Mental health trust\n"
                                "    role: Victim Pathfinder nurses\n"
                                "    activate_level: 1\n"
                                "    contacts: [{name: Duty nurse, channel: zmq, target: nhs}]\n";

/* Load the plan made of plan_head and the given "persons:" section; fails
 * the test (printing the loader's messages) if the plan is not valid. */
static struct plan *load(const char *persons)
{
    struct plan_errors errs = {0};
    struct plan *plan = NULL;
    char *text = NULL;

    assert_true(asprintf(&text, "%s%s", plan_head, persons) > 0);
    int rc = plan_load_buffer("routing.yaml", text, strlen(text), &plan, &errs);
    for (size_t i = 0; i < errs.count; i++)
        fprintf(stderr, "%s\n", errs.msg[i]);
    plan_errors_free(&errs);
    free(text);
    assert_int_equal(rc, 0);
    assert_non_null(plan);
    return plan;
}

/* An adult uninjured survivor, nothing else known, consent given. */
static struct route_person person(void)
{
    return (struct route_person){
        .category = PLAN_CAT_SURVIVOR,
        .age = 40,
        .vulnerabilities = 0,
        .language = NULL,
        .home_area = NULL,
        .screen_positive = 0,
        .urgent = false,
        .consent = "given",
    };
}

/* Every pathway empty (more entries than any test plan has pathways). */
static const int empty[8] = {0};

static void expect(const struct plan *plan, const struct route_person *p, const int *occupied,
                   enum route_action action, int rule, int pathway)
{
    struct route_decision d = {ROUTE_REFER, 12345, 12345};

    routing_decide(&plan->persons, p, occupied, &d);
    assert_string_equal(routing_action_name(d.action), routing_action_name(action));
    assert_int_equal(d.action, action);
    assert_int_equal(d.rule, rule);
    assert_int_equal(d.pathway, pathway);
}

/* The index of a pathway by id, checked against the plan. */
static int pathway_of(const struct plan *plan, const char *id)
{
    for (size_t i = 0; i < plan->persons.npathways; i++)
        if (!strcmp(plan->persons.pathways[i].id, id))
            return (int)i;
    fail_msg("no pathway %s", id);
    return -1;
}

/* ---- rule conditions -------------------------------------------------- */

static void test_categories(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: family, name: Family liaison, provider: hub}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: family, categories: [bereaved, witness]}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    p.category = PLAN_CAT_BEREAVED;
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.category = PLAN_CAT_WITNESS;
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    /* Not a listed category: the rule without categories takes any. */
    const unsigned others[] = {PLAN_CAT_INJURED, PLAN_CAT_SURVIVOR, PLAN_CAT_RESPONDER,
                               PLAN_CAT_OTHER};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        p.category = others[i];
        expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    }
    plan_free(plan);
}

static void test_age_bounds(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: young, name: Young victims, provider: hub}\n"
                             "    - {id: adult, name: Adults, provider: hub}\n"
                             "    - {id: older, name: Older people, provider: hub}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: young, age_max: 17}\n"
                             "    - {pathway: adult, age_min: 18, age_max: 64}\n"
                             "    - {pathway: older, age_min: 65}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    const struct {
        int age, rule;
    } cases[] = {
        {0, 0},  {17, 0}, {18, 1},  {40, 1},
        {64, 1}, {65, 2}, {100, 2}, {130, 2}, /* bounds are inclusive */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.age = cases[i].age;
        expect(plan, &p, empty, ROUTE_REFER, cases[i].rule, cases[i].rule);
    }
    plan_free(plan);
}

static void test_age_unknown(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: all-ages, name: Any age at all, provider: hub}\n"
                             "    - {id: young, name: Young victims, provider: hub}\n"
                             "    - {id: older, name: Older people, provider: hub}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: all-ages, age_min: 0, age_max: 130}\n"
                             "    - {pathway: young, age_max: 17}\n"
                             "    - {pathway: older, age_min: 0}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    /* Even rules covering every possible age leave an unknown age out. */
    p.age = -1;
    expect(plan, &p, empty, ROUTE_REFER, 3, 3);
    p.age = 0;
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    plan_free(plan);
}

static void test_vulnerabilities(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: unaccompanied, name: Unaccompanied children, "
                             "provider: hub}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: unaccompanied, vulnerabilities: [child, migrant]}\n"
                             "    - {pathway: general, vulnerabilities: []}\n");
    struct route_person p = person();

    const struct {
        unsigned vulnerabilities;
        int rule;
    } cases[] = {
        {0, 1},
        {PLAN_VULN_CHILD, 1},
        {PLAN_VULN_MIGRANT, 1},
        {PLAN_VULN_CHILD | PLAN_VULN_DISABILITY, 1},
        {PLAN_VULN_CHILD | PLAN_VULN_MIGRANT, 0},
        {PLAN_VULN_CHILD | PLAN_VULN_MIGRANT | PLAN_VULN_DISABILITY | PLAN_VULN_ELDERLY, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.vulnerabilities = cases[i].vulnerabilities;
        expect(plan, &p, empty, ROUTE_REFER, cases[i].rule, cases[i].rule);
    }
    plan_free(plan);
}

static void test_languages(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: baltic, name: Polish and Lithuanian speakers, "
                             "provider: hub}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: baltic, languages: [pl, lt]}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    const struct {
        const char *language;
        int rule;
    } cases[] = {
        {"pl", 0}, {"lt", 0}, {"PL", 0},  {"Lt", 0},            /* any of, any case */
        {"ro", 1}, {"en", 1}, {"plx", 1}, {"", 1},   {NULL, 1}, /* NULL: unknown */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.language = cases[i].language;
        expect(plan, &p, empty, ROUTE_REFER, cases[i].rule, cases[i].rule);
    }
    plan_free(plan);
}

static const char home_persons[] = "persons:\n"
                                   "  home_areas: [cambridge, fenland, south-cambridgeshire]\n"
                                   "  pathways:\n"
                                   "    - {id: local, name: County services, provider: nhs}\n"
                                   "    - {id: away, name: Out-of-area referral, provider: hub,\n"
                                   "       out_of_area: true}\n"
                                   "    - {id: general, name: General support, provider: hub}\n"
                                   "  rules:\n"
                                   "    - {pathway: local, home: in}\n"
                                   "    - {pathway: away, home: out}\n"
                                   "    - {pathway: general, home: any}\n";

static void test_routing_home(void **state)
{
    struct plan *plan = load(home_persons);
    const struct plan_persons *pp = &plan->persons;

    assert_int_equal(routing_home(pp, "cambridge"), 1);
    assert_int_equal(routing_home(pp, "south-cambridgeshire"), 1);
    assert_int_equal(routing_home(pp, "Fenland"), 1);
    assert_int_equal(routing_home(pp, "FENLAND"), 1);
    assert_int_equal(routing_home(pp, "norfolk"), -1);
    assert_int_equal(routing_home(pp, "cambridgeshire"), -1);
    assert_int_equal(routing_home(pp, "cambridge "), -1);
    assert_int_equal(routing_home(pp, NULL), 0);
    assert_int_equal(routing_home(pp, ""), 0);
    plan_free(plan);
}

static void test_home(void **state)
{
    struct plan *plan = load(home_persons);
    struct route_person p = person();

    p.home_area = "cambridge";
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.home_area = "Fenland";
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.home_area = "norfolk";
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    /* Unknown home: neither in nor out, only "any" (or no condition). */
    p.home_area = NULL;
    expect(plan, &p, empty, ROUTE_REFER, 2, 2);
    p.home_area = "";
    expect(plan, &p, empty, ROUTE_REFER, 2, 2);
    plan_free(plan);
}

static const char screen_persons_fmt[] =
    "persons:\n"
    "  home_areas: [cambridge]\n"
    "  pathways:\n"
    "    - {id: chosen, name: Chosen, provider: nhs}\n"
    "    - {id: general, name: General support, provider: hub}\n"
    "  rules:\n"
    "    - {pathway: chosen, screen: %s}\n"
    "    - {pathway: general}\n";

static struct plan *load_screen(const char *screen)
{
    char *persons = NULL;

    assert_true(asprintf(&persons, screen_persons_fmt, screen) > 0);
    struct plan *plan = load(persons);
    free(persons);
    return plan;
}

static void test_screen_positive(void **state)
{
    struct plan *plan = load_screen("positive");
    struct route_person p = person();

    assert_int_equal(plan->persons.rules[0].screen_positive, 1);
    p.screen_positive = 1;
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.screen_positive = -1;
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    p.screen_positive = 0; /* not screened yet: not positive */
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

static void test_screen_negative(void **state)
{
    struct plan *plan = load_screen("negative");
    struct route_person p = person();

    assert_int_equal(plan->persons.rules[0].screen_positive, -1);
    p.screen_positive = -1;
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.screen_positive = 0; /* not screened: no screening positive */
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.screen_positive = 1;
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

static void test_screen_any(void **state)
{
    struct plan *plan = load_screen("any");
    struct route_person p = person();

    assert_int_equal(plan->persons.rules[0].screen_positive, 0);
    const int results[] = {1, -1, 0};
    for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
        p.screen_positive = results[i];
        expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    }
    plan_free(plan);
}

static void test_urgent(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: crisis, name: Urgent crisis team, provider: nhs}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: crisis, urgent: true}\n"
                             "    - {pathway: general, urgent: false}\n");
    struct route_person p = person();

    p.urgent = true;
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    p.urgent = false;
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

/* ---- rule order ------------------------------------------------------- */

static void test_first_match_wins(void **state)
{
    /* Pathways listed in another order than the rules use them, so rule
     * and pathway indexes differ. */
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "    - {id: second, name: Second, provider: hub}\n"
                             "    - {id: first, name: First, provider: nhs}\n"
                             "  rules:\n"
                             "    - {pathway: first, categories: [bereaved]}\n"
                             "    - {pathway: second, categories: [bereaved, witness]}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    p.category = PLAN_CAT_BEREAVED; /* matches all three rules */
    expect(plan, &p, empty, ROUTE_REFER, 0, pathway_of(plan, "first"));
    p.category = PLAN_CAT_WITNESS; /* matches the last two */
    expect(plan, &p, empty, ROUTE_REFER, 1, pathway_of(plan, "second"));
    p.category = PLAN_CAT_SURVIVOR;
    expect(plan, &p, empty, ROUTE_REFER, 2, pathway_of(plan, "general"));
    plan_free(plan);
}

/* ---- capacity --------------------------------------------------------- */

static void test_full_falls_through(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: therapy, name: Therapy, provider: nhs, capacity: 2,\n"
                             "       waitlist: false}\n"
                             "    - {id: peer, name: Peer support, provider: hub, capacity: 5}\n"
                             "  rules:\n"
                             "    - {pathway: therapy}\n"
                             "    - {pathway: peer}\n");
    struct route_person p = person();

    expect(plan, &p, (const int[]){2, 0}, ROUTE_REFER, 1, 1);
    expect(plan, &p, (const int[]){7, 4}, ROUTE_REFER, 1, 1); /* over capacity too */
    /* Every match full without a waitlist: nothing. */
    expect(plan, &p, (const int[]){2, 5}, ROUTE_NONE, -1, -1);
    plan_free(plan);
}

/* Issue 13: an urgent person matched by an urgent rule is never passed on
 * to a later (non-urgent) rule: before it, "the crisis team is full" sent
 * them to general support. */
/* The urgent overflow, in order, then the hold; consent still applies
 * to a referral to an overflow pathway. */
static void test_urgent_overflow(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  explicit_consent: [bereaved]\n"
                             "  pathways:\n"
                             "    - {id: crisis, name: Crisis, provider: nhs, capacity: 1,"
                             " waitlist: true, overflow: [ooh, second]}\n"
                             "    - {id: ooh, name: Out of hours, provider: nhs, capacity: 1}\n"
                             "    - {id: second, name: Second, provider: hub, capacity: 2}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: crisis, urgent: true}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    (void)state;
    p.urgent = true;
    expect(plan, &p, (const int[]){0, 0, 0, 0}, ROUTE_REFER, 0, 0);
    expect(plan, &p, (const int[]){1, 0, 0, 0}, ROUTE_REFER, 0, 1);
    expect(plan, &p, (const int[]){1, 1, 0, 0}, ROUTE_REFER, 0, 2);
    /* all full: held, never waitlisted nor passed on to general */
    expect(plan, &p, (const int[]){1, 1, 2, 0}, ROUTE_HOLD_URGENT, 0, 0);
    p.category = PLAN_CAT_BEREAVED;
    p.consent = "not_asked";
    expect(plan, &p, (const int[]){1, 0, 0, 0}, ROUTE_HOLD_CONSENT, 0, 1);
    expect(plan, &p, (const int[]){1, 1, 2, 0}, ROUTE_HOLD_URGENT, 0, 0);
    plan_free(plan);
}

static void test_full_urgent_falls_to_no_condition(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: crisis, name: Crisis team, provider: nhs, capacity: 1}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: crisis, urgent: true}\n"
                             "    - {pathway: general, urgent: false}\n");
    struct route_person p = person();

    p.urgent = true;
    expect(plan, &p, (const int[]){0, 0}, ROUTE_REFER, 0, 0);
    /* Full, no overflow: held on the crisis pathway, an alarm. */
    expect(plan, &p, (const int[]){1, 0}, ROUTE_HOLD_URGENT, 0, 0);
    /* "urgent: false" is no condition: a person not urgent matches it. */
    p.urgent = false;
    expect(plan, &p, (const int[]){1, 0}, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

static void test_full_waitlist(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: therapy, name: Therapy, provider: nhs, capacity: 2,\n"
                             "       waitlist: true}\n"
                             "    - {id: peer, name: Peer support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: therapy}\n"
                             "    - {pathway: peer}\n");
    struct route_person p = person();

    expect(plan, &p, (const int[]){2, 0}, ROUTE_WAITLIST, 0, 0);
    expect(plan, &p, (const int[]){9, 0}, ROUTE_WAITLIST, 0, 0);
    expect(plan, &p, (const int[]){0, 0}, ROUTE_REFER, 0, 0);
    plan_free(plan);
}

static void test_capacity_unlimited(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: zero, name: Explicit zero, provider: hub, capacity: 0}\n"
                             "    - {id: unset, name: No capacity given, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: zero, categories: [witness]}\n"
                             "    - {pathway: unset}\n");
    struct route_person p = person();

    assert_int_equal(plan->persons.pathways[0].capacity, 0);
    assert_int_equal(plan->persons.pathways[1].capacity, 0);
    p.category = PLAN_CAT_WITNESS;
    expect(plan, &p, (const int[]){0, 0}, ROUTE_REFER, 0, 0);
    expect(plan, &p, (const int[]){100000, 0}, ROUTE_REFER, 0, 0);
    p.category = PLAN_CAT_SURVIVOR;
    expect(plan, &p, (const int[]){0, 100000}, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

static void test_capacity_boundary(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: three, name: Three places, provider: nhs, capacity: 3}\n"
                             "    - {id: one, name: One place, provider: nhs, capacity: 1,\n"
                             "       waitlist: true}\n"
                             "    - {id: general, name: General support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: three, categories: [injured]}\n"
                             "    - {pathway: one, categories: [injured, witness]}\n"
                             "    - {pathway: general}\n");
    struct route_person p = person();

    p.category = PLAN_CAT_INJURED;
    expect(plan, &p, (const int[]){2, 0, 0}, ROUTE_REFER, 0, 0); /* capacity - 1: room */
    expect(plan, &p, (const int[]){3, 0, 0}, ROUTE_REFER, 1, 1); /* capacity: full */
    expect(plan, &p, (const int[]){3, 1, 0}, ROUTE_WAITLIST, 1, 1);
    p.category = PLAN_CAT_WITNESS;
    expect(plan, &p, (const int[]){0, 0, 0}, ROUTE_REFER, 1, 1);
    expect(plan, &p, (const int[]){0, 1, 0}, ROUTE_WAITLIST, 1, 1);
    plan_free(plan);
}

/* ---- consent ---------------------------------------------------------- */

static const char consent_persons[] =
    "persons:\n"
    "  home_areas: [cambridge]\n"
    "  explicit_consent: [bereaved, injured]\n"
    "  pathways:\n"
    "    - {id: family, name: Family support, provider: hub, capacity: 1, waitlist: true}\n"
    "    - {id: general, name: General support, provider: hub}\n"
    "  rules:\n"
    "    - {pathway: family, categories: [bereaved]}\n"
    "    - {pathway: general}\n";

static void test_consent_hold(void **state)
{
    struct plan *plan = load(consent_persons);
    struct route_person p = person();

    p.category = PLAN_CAT_BEREAVED;
    p.consent = "not_asked";
    expect(plan, &p, empty, ROUTE_HOLD_CONSENT, 0, 0);
    p.consent = NULL; /* nothing recorded is not consent */
    expect(plan, &p, empty, ROUTE_HOLD_CONSENT, 0, 0);
    p.consent = "given";
    expect(plan, &p, empty, ROUTE_REFER, 0, 0);
    /* Full with a waitlist: still held until consent is recorded. */
    p.consent = "not_asked";
    expect(plan, &p, (const int[]){1, 0}, ROUTE_HOLD_CONSENT, 0, 0);
    p.consent = "given";
    expect(plan, &p, (const int[]){1, 0}, ROUTE_WAITLIST, 0, 0);
    /* Injured also needs consent, on whatever pathway they take. */
    p.category = PLAN_CAT_INJURED;
    p.consent = "not_asked";
    expect(plan, &p, empty, ROUTE_HOLD_CONSENT, 1, 1);
    p.consent = "given";
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    /* A category not in explicit_consent is referred without asking. */
    p.category = PLAN_CAT_WITNESS;
    p.consent = "not_asked";
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

static void test_consent_refused(void **state)
{
    struct plan *plan = load(consent_persons);
    struct route_person p = person();

    p.consent = "refused";
    const unsigned categories[] = {PLAN_CAT_BEREAVED, PLAN_CAT_INJURED, PLAN_CAT_WITNESS,
                                   PLAN_CAT_SURVIVOR};
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++) {
        p.category = categories[i];
        expect(plan, &p, empty, ROUTE_DECLINED, -1, -1);
        expect(plan, &p, (const int[]){1, 0}, ROUTE_DECLINED, -1, -1);
    }
    /* Even urgent and screened positive. */
    p.urgent = true;
    p.screen_positive = 1;
    expect(plan, &p, empty, ROUTE_DECLINED, -1, -1);
    plan_free(plan);
}

static void test_consent_refused_no_match(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: family, name: Family support, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: family, categories: [bereaved]}\n");
    struct route_person p = person();

    p.consent = "refused";
    expect(plan, &p, empty, ROUTE_DECLINED, -1, -1);
    plan_free(plan);
}

/* ---- no match, out of area, re-screening ------------------------------ */

static void test_no_match(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: family, name: Family support, provider: hub}\n"
                             "    - {id: young, name: Young victims, provider: hub}\n"
                             "  rules:\n"
                             "    - {pathway: family, categories: [bereaved]}\n"
                             "    - {pathway: young, age_max: 17}\n");
    struct route_person p = person();

    expect(plan, &p, empty, ROUTE_NONE, -1, -1);
    p.consent = "not_asked";
    expect(plan, &p, empty, ROUTE_NONE, -1, -1);
    p.age = 17;
    expect(plan, &p, empty, ROUTE_REFER, 1, 1);
    plan_free(plan);
}

static void test_out_of_area(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge, peterborough]\n"
                             "  pathways:\n"
                             "    - {id: local, name: County services, provider: nhs}\n"
                             "    - id: out-of-area\n"
                             "      name: Out-of-area referral\n"
                             "      provider: hub\n"
                             "      out_of_area: true\n"
                             "  rules:\n"
                             "    - {pathway: out-of-area, home: out}\n"
                             "    - {pathway: local}\n");
    const struct plan_persons *pp = &plan->persons;
    struct route_person p = person();
    struct route_decision d;

    p.home_area = "leeds";
    assert_int_equal(routing_home(pp, p.home_area), -1);
    expect(plan, &p, empty, ROUTE_REFER, 0, 1);
    routing_decide(pp, &p, empty, &d);
    assert_true(pp->pathways[d.pathway].out_of_area);
    assert_string_equal(pp->pathways[d.pathway].id, "out-of-area");

    p.home_area = "peterborough";
    routing_decide(pp, &p, empty, &d);
    assert_int_equal(d.action, ROUTE_REFER);
    assert_int_equal(d.rule, 1);
    assert_false(pp->pathways[d.pathway].out_of_area);

    p.home_area = NULL; /* unknown: not sent out of area */
    expect(plan, &p, empty, ROUTE_REFER, 1, 0);
    plan_free(plan);
}

static void test_rescreen_reroutes(void **state)
{
    struct plan *plan = load("persons:\n"
                             "  home_areas: [cambridge]\n"
                             "  pathways:\n"
                             "    - {id: monitor, name: Active monitoring, provider: hub}\n"
                             "    - {id: trauma, name: Trauma-focused therapy, provider: nhs,\n"
                             "       capacity: 10, waitlist: true}\n"
                             "  rules:\n"
                             "    - {pathway: trauma, screen: positive}\n"
                             "    - {pathway: monitor}\n");
    struct route_person p = person();
    int occupied[2] = {0, 3};
    struct route_decision d;

    p.category = PLAN_CAT_WITNESS;
    p.home_area = "cambridge";
    p.screen_positive = 0; /* first contact, not yet screened */
    expect(plan, &p, occupied, ROUTE_REFER, 1, pathway_of(plan, "monitor"));
    p.screen_positive = -1; /* first screening negative */
    routing_decide(&plan->persons, &p, occupied, &d);
    assert_int_equal(d.pathway, pathway_of(plan, "monitor"));
    occupied[d.pathway]++; /* now held on monitoring */
    p.screen_positive = 1; /* re-screened positive */
    expect(plan, &p, occupied, ROUTE_REFER, 0, pathway_of(plan, "trauma"));
    plan_free(plan);
}

/* ---- names ------------------------------------------------------------ */

static void test_action_names(void **state)
{
    assert_string_equal(routing_action_name(ROUTE_REFER), "refer");
    assert_string_equal(routing_action_name(ROUTE_WAITLIST), "waitlist");
    assert_string_equal(routing_action_name(ROUTE_HOLD_CONSENT), "hold_consent");
    assert_string_equal(routing_action_name(ROUTE_DECLINED), "declined");
    assert_string_equal(routing_action_name(ROUTE_NONE), "none");
    assert_string_equal(routing_action_name((enum route_action)99), "none");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_age_bounds),
        cmocka_unit_test(test_age_unknown),
        cmocka_unit_test(test_vulnerabilities),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_routing_home),
        cmocka_unit_test(test_home),
        cmocka_unit_test(test_screen_positive),
        cmocka_unit_test(test_screen_negative),
        cmocka_unit_test(test_screen_any),
        cmocka_unit_test(test_urgent),
        cmocka_unit_test(test_first_match_wins),
        cmocka_unit_test(test_full_falls_through),
        cmocka_unit_test(test_full_urgent_falls_to_no_condition),
        cmocka_unit_test(test_urgent_overflow),
        cmocka_unit_test(test_full_waitlist),
        cmocka_unit_test(test_capacity_unlimited),
        cmocka_unit_test(test_capacity_boundary),
        cmocka_unit_test(test_consent_hold),
        cmocka_unit_test(test_consent_refused),
        cmocka_unit_test(test_consent_refused_no_match),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_out_of_area),
        cmocka_unit_test(test_rescreen_reroutes),
        cmocka_unit_test(test_action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
