/*
 * tests/test_plan.c - unit tests for common/plan*.c: the plan loader.
 *
 * Most tests are tables of plan texts (or lines put into a template plan)
 * with the messages each must give, run case by case by expect_plan and
 * tests/unit_cases.h.
 *
 * Usage: test_plan [TESTS_PLANS_DIR [PLANS_DIR]]
 * TESTS_PLANS_DIR holds good-*.yaml and bad-*.yaml with bad-*.err, the exact
 * messages expected (as printed by "musterd --check-plan tests/plans/X");
 * PLANS_DIR is the shipped plans/ directory.  They default to "tests/plans"
 * and "plans", for running from the source tree.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "plan.h"
#include "unit_cases.h"

static const char *plans_dir = "tests/plans";
static const char *real_dir = "plans";

/* ---- helpers ---------------------------------------------------------- */

static char *path_of(const char *dir, const char *name)
{
    char *p = NULL;

    assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* All messages, each followed by "\n"; prefix (if not NULL) replaces the
 * leading "from" of every message. */
static char *join_errors(const struct plan_errors *errs, const char *from, const char *to)
{
    size_t size = 1;
    char *out;

    for (size_t i = 0; i < errs->count; i++)
        size += strlen(errs->msg[i]) + 1 + (to ? strlen(to) : 0);
    out = calloc(1, size);
    assert_non_null(out);
    for (size_t i = 0; i < errs->count; i++) {
        const char *m = errs->msg[i];
        if (from != NULL) {
            assert_memory_equal(m, from, strlen(from));
            strcat(out, to);
            m += strlen(from);
        }
        strcat(out, m);
        strcat(out, "\n");
    }
    return out;
}

/* Load text as "t.yaml"; returns the messages joined ("" when it loads). */
static char *load_text(const char *text, struct plan **out, int *rc)
{
    struct plan_errors errs = {0};
    struct plan *plan = NULL;
    char *joined;

    *rc = plan_load_buffer("t.yaml", text, strlen(text), &plan, &errs);
    joined = join_errors(&errs, NULL, NULL);
    plan_errors_free(&errs);
    if (*rc == 0) {
        assert_non_null(plan);
        assert_string_equal(joined, "");
    } else {
        assert_null(plan);
        assert_int_not_equal(joined[0], '\0');
    }
    if (out != NULL)
        *out = plan;
    else
        plan_free(plan);
    return joined;
}

/*
 * The case runner of this file: load text as "t.yaml" and check its
 * messages (each "t.yaml:LINE:COL: ...\n", "" when it loads) against want
 * as match says (tests/unit_cases.h); label names the case in a failure.
 * A whole-text match also checks the return code.  Returns the plan when
 * it loaded (the caller frees it), else NULL.
 */
static struct plan *expect_plan(const char *text, const char *want, enum unit_match match,
                                const char *label)
{
    struct plan *plan = NULL;
    int rc;
    char *got = load_text(text, &plan, &rc);

    unit_expect(got, want, match, label);
    if (match == UNIT_MATCH_ALL)
        assert_int_equal(rc, want[0] ? -EINVAL : 0);
    free(got);
    return plan;
}

/* The messages of text are all of want ("" when it loads). */
static void expect_errors(const char *text, const char *want, const char *label)
{
    plan_free(expect_plan(text, want, UNIT_MATCH_ALL, label));
}

/* A string made from a format (the caller frees it). */
static char *textf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *textf(const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&text, fmt, ap);
    va_end(ap);
    assert_true(n > 0);
    return text;
}

/* msgs, messages as the tables give them ("LINE:COL: ...\n" each), with
 * "t.yaml:" before every line, as a load of t.yaml reports them. */
static char *in_t_yaml(const char *msgs)
{
    char *want = calloc(1, strlen(msgs) * 2 + 1);

    for (const char *l = msgs; *l != '\0';) {
        const char *nl = strchr(l, '\n');
        strcat(want, "t.yaml:");
        strncat(want, l, (size_t)(nl - l + 1));
        l = nl + 1;
    }
    return want;
}

/* A table's row of one text (put in the table's template, or the whole
 * plan) and all the messages it gives ("" when the plan loads). */
struct text_case {
    const char *text, *error;
};

static struct plan *load_ok(const char *dir, const char *name)
{
    struct plan_errors errs = {0};
    struct plan *plan = NULL;
    char *path = path_of(dir, name);
    int rc = plan_load_file(path, &plan, &errs);

    for (size_t i = 0; i < errs.count; i++)
        print_error("%s\n", errs.msg[i]);
    assert_int_equal(rc, 0);
    assert_int_equal(errs.count, 0);
    assert_string_equal(plan->path, path);
    free(path);
    return plan;
}

/* ---- good plans --------------------------------------------------------- */

/* A plan without a staffing section tracks no staffing. */
static void assert_staffing_defaults(const struct plan_staffing *st)
{
    assert_int_equal(st->nroles, 0);
    assert_null(st->roles);
    assert_int_equal(st->nshifts, 0);
    assert_null(st->shifts);
    assert_int_equal(st->nrequirements, 0);
    assert_null(st->requirements);
    assert_int_equal(st->horizon_ms, 3 * 24 * 3600 * 1000LL);
    assert_int_equal(st->ask_lead_ms, 6 * 3600 * 1000LL);
}

/* A plan without a persons section routes nobody: no areas, pathways or
 * rules, and the documented defaults for the rest. */
static void assert_persons_defaults(const struct plan_persons *pp)
{
    static const int rescreen[] = {30, 90, 180, 270};

    assert_null(pp->home_areas);
    assert_int_equal(pp->nhome_areas, 0);
    assert_int_equal(pp->explicit_consent, 0);
    assert_int_equal(pp->referral_working_days, 2);
    assert_int_equal(pp->working_weekdays, 0x3e);
    assert_null(pp->bank_holidays);
    assert_int_equal(pp->nbank_holidays, 0);
    assert_int_equal(pp->contact_attempts, 3);
    assert_int_equal(pp->screening.tsq_cutoff, 6);
    assert_int_equal(pp->screening.tsq_min_days, 28);
    assert_int_equal(pp->screening.phq9_cutoff, 10);
    assert_int_equal(pp->screening.gad7_cutoff, 10);
    assert_int_equal(pp->screening.nrescreen, 1); /* the TSQ's, by default */
    assert_int_equal(pp->screening.rescreen[0].instrument, PLAN_TSQ);
    assert_int_equal(pp->screening.rescreen[0].ndays, 4);
    assert_memory_equal(pp->screening.rescreen[0].days, rescreen, sizeof(rescreen));
    assert_int_equal(pp->screening.rescreen_grace_days, 14);
    assert_null(pp->pathways);
    assert_int_equal(pp->npathways, 0);
    assert_null(pp->rules);
    assert_int_equal(pp->nrules, 0);
}

static void test_good_minimal(void **state)
{
    struct plan *p = load_ok(plans_dir, "good-minimal.yaml");

    (void)state;
    assert_string_equal(p->id, "minimal");
    assert_string_equal(p->name, "Minimal plan");
    assert_string_equal(p->version, "1");
    assert_string_equal(p->ref_prefix, "MIN");
    assert_int_equal(p->retention_days, 2555);
    assert_int_equal(p->nlevels, 1);
    assert_int_equal(p->levels[0].level, 1);
    assert_null(p->levels[0].description);
    assert_string_equal(p->hub.lead_agency, "hub");
    assert_null(p->hub.address);
    assert_null(p->hub.phone);
    assert_int_equal(p->nagencies, 1);
    assert_int_equal(p->agencies[0].ncontacts, 1);
    assert_int_equal(p->agencies[0].contacts[0].channel, PLAN_CHANNEL_ZMQ);
    assert_int_equal(p->agencies[0].contacts[0].after_ms, 0);
    assert_int_equal(p->agencies[0].contacts[0].repeat, 0);
    assert_null(p->agencies[0].contacts[0].args);
    assert_int_equal(p->agencies[0].contacts[0].nargs, 0);
    assert_null(p->agencies[0].supplies);
    assert_int_equal(p->agencies[0].nsupplies, 0);
    assert_staffing_defaults(&p->staffing);
    assert_persons_defaults(&p->persons);
    plan_free(p);
}

static void test_good_full(void **state)
{
    struct plan *p = load_ok(plans_dir, "good-full.yaml");
    const struct plan_agency *a;

    (void)state;
    /* the command ladders: named for their principals, found like agencies */
    a = plan_ladder_find(p, "gold");
    assert_non_null(a);
    assert_ptr_equal(a, &p->command.gold);
    assert_string_equal(a->role, "Gold Command");
    assert_int_equal(a->ncontacts, 2);
    assert_int_equal(a->contacts[1].after_ms, 120000);
    assert_int_equal(plan_ladder_find(p, "duty")->contacts[0].channel, PLAN_CHANNEL_EMAIL);
    assert_null(plan_agency_find(p, "gold")); /* not an agency */
    assert_string_equal(p->id, "full-0");
    assert_string_equal(p->name, "Full-featured test plan – Ünïcode");
    assert_string_equal(p->version, "2025.1-rc2");
    assert_string_equal(p->ref_prefix, "ABCDEFGH");
    assert_int_equal(p->retention_days, 36500);
    assert_int_equal(p->nlevels, 3);
    assert_int_equal(p->levels[1].level, 3);
    assert_string_equal(p->levels[2].description, "National significance: every partner.");
    assert_string_equal(p->hub.phone, "01223 000 999");
    assert_string_equal(p->hub.address, "Hub House, Example Street, Cambridge");
    assert_int_equal(p->nagencies, 3);
    a = plan_agency_find(p, "lead-hub");
    assert_non_null(a);
    assert_string_equal(a->name, "Constabulary Victim & Witness Hub");
    assert_string_equal(a->role, "Lead agency.\nNeeds assessment and referral.\n");
    assert_int_equal(a->ncontacts, 4);
    assert_int_equal(a->contacts[1].channel, PLAN_CHANNEL_EXEC);
    assert_int_equal(a->contacts[1].after_ms, 90000);
    assert_int_equal(a->contacts[1].repeat, 3);
    assert_int_equal(a->contacts[1].nargs, 3);
    assert_string_equal(a->contacts[1].args[0], "--to");
    assert_string_equal(a->contacts[1].args[1], "+44 1632 960000");
    assert_string_equal(a->contacts[1].args[2], "Ünïcode – message");
    assert_null(a->contacts[1].args[3]);
    assert_int_equal(a->contacts[2].channel, PLAN_CHANNEL_EMAIL);
    assert_string_equal(a->contacts[2].target, "control@police.example");
    assert_int_equal(a->contacts[2].after_ms, 7200000);
    assert_null(a->contacts[2].args);
    assert_int_equal(a->contacts[3].channel, PLAN_CHANNEL_EXEC);
    assert_int_equal(a->contacts[3].after_ms, 500);
    assert_int_equal(a->contacts[3].nargs, 0);
    assert_non_null(a->contacts[3].args);
    assert_null(a->contacts[3].args[0]);
    a = plan_agency_find(p, "mh-trust");
    assert_string_equal(a->role, "Mental health triage for victims.");
    assert_int_equal(a->contacts[1].channel, PLAN_CHANNEL_WEBHOOK);
    assert_int_equal(a->contacts[1].after_ms, 30000);
    assert_int_equal(a->contacts[1].repeat, 10);
    assert_int_equal(a->contacts[2].after_ms, 300000);
    assert_int_equal(plan_agency_find(p, "red-cross")->contacts[0].after_ms, 86400000);
    assert_int_equal(p->paging.ack_wait_ms, 86400000);
    assert_int_equal(p->paging.exec_timeout_ms, 600000);
    assert_int_equal(p->paging.webhook_timeout_ms, 100);
    assert_int_equal(p->paging.webhook_retries, 10);
    assert_int_equal(p->paging.webhook_backoff_ms, 0);
    assert_string_equal(p->paging.smtp_url, "smtps://mail.police.example:465");
    assert_string_equal(p->paging.email_from, "muster@police.example");
    assert_int_equal(p->staffing.horizon_ms, 36 * 3600 * 1000LL);
    assert_int_equal(p->staffing.ask_lead_ms, 90 * 60 * 1000LL);
    assert_int_equal(p->staffing.nroles, 2);
    assert_int_equal(p->staffing.nshifts, 2);
    assert_int_equal(p->staffing.shifts[1].start_minute, 19 * 60);
    assert_int_equal(p->staffing.shifts[1].length_ms, 12 * 3600 * 1000LL);
    assert_int_equal(p->staffing.nrequirements, 1);
    assert_int_equal(p->staffing.requirements[0].level, 3);
    assert_int_equal(p->staffing.requirements[0].nneeds, 2);
    a = plan_agency_find(p, "lead-hub");
    assert_int_equal(a->nsupplies, 2);
    assert_string_equal(a->supplies[0], "call-handler");
    assert_string_equal(a->supplies[1], "mh-nurse");
    assert_int_equal(plan_agency_find(p, "mh-trust")->nsupplies, 1);
    assert_int_equal(plan_agency_find(p, "red-cross")->nsupplies, 0);
    plan_free(p);
}

/* Every key of the staffing section, and supplies in every form. */
static void test_good_staffing(void **state)
{
    struct plan *p = load_ok(plans_dir, "good-staffing.yaml");
    const struct plan_staffing *st = &p->staffing;
    const struct plan_requirement *r;
    const struct plan_agency *a;

    (void)state;
    assert_int_equal(st->horizon_ms, 14 * 24 * 3600 * 1000LL);
    assert_int_equal(st->ask_lead_ms, 0);
    assert_int_equal(st->nroles, 4);
    assert_string_equal(st->roles[0].id, "call-handler");
    assert_string_equal(st->roles[0].name, "Call handler");
    assert_string_equal(st->roles[2].id, "interpreter-polish");
    assert_string_equal(st->roles[2].name, "Interpreter (Polish – polski)");
    assert_int_equal(st->nshifts, 4);
    assert_string_equal(st->shifts[0].id, "early");
    assert_string_equal(st->shifts[0].name, "Early");
    assert_int_equal(st->shifts[0].start_minute, 0);
    assert_int_equal(st->shifts[0].length_ms, 3600000);
    assert_int_equal(st->shifts[1].start_minute, 8 * 60 + 30);
    assert_int_equal(st->shifts[1].length_ms, 12 * 3600000);
    assert_int_equal(st->shifts[2].start_minute, 23 * 60 + 59);
    assert_int_equal(st->shifts[2].length_ms, 24 * 3600000);
    assert_int_equal(st->shifts[3].start_minute, 14 * 60);
    assert_int_equal(st->shifts[3].length_ms, 8 * 3600000);

    /* requirements and their needs, in file order */
    assert_int_equal(st->nrequirements, 2);
    r = &st->requirements[0];
    assert_int_equal(r->level, 4);
    assert_int_equal(r->nneeds, 4);
    assert_string_equal(r->needs[0].role, "call-handler");
    assert_int_equal(r->needs[0].count, 1000);
    assert_string_equal(r->needs[2].role, "interpreter-polish");
    assert_int_equal(r->needs[2].count, 4);
    assert_string_equal(r->needs[3].role, "team-leader");
    assert_int_equal(r->needs[3].count, 2);
    r = &st->requirements[1];
    assert_int_equal(r->level, 1);
    assert_int_equal(r->nneeds, 3);
    assert_string_equal(r->needs[1].role, "mh-nurse");
    assert_int_equal(r->needs[1].count, 0);

    a = plan_agency_find(p, "hub");
    assert_int_equal(a->nsupplies, 2);
    assert_string_equal(a->supplies[0], "call-handler");
    assert_string_equal(a->supplies[1], "team-leader");
    assert_null(a->supplies[2]);
    a = plan_agency_find(p, "interpreters");
    assert_int_equal(a->nsupplies, 2);
    assert_string_equal(a->supplies[0], "interpreter-polish");
    assert_string_equal(a->supplies[1], "call-handler");
    a = plan_agency_find(p, "council");
    assert_int_equal(a->nsupplies, 0);
    assert_non_null(a->supplies); /* given as [] */
    a = plan_agency_find(p, "red-cross");
    assert_int_equal(a->nsupplies, 0);
    assert_null(a->supplies); /* not given */
    plan_free(p);
}

/* Every key of the persons section: bit sets, sorted bank holidays,
 * rescreen units, booleans and choices both ways, and rules' defaults. */
static void test_good_persons(void **state)
{
    static const char *const holidays[] = {"2000-02-29", "2026-12-25", "2026-12-28", "2027-01-01",
                                           "2028-02-29"};
    static const int rescreen[] = {1, 14, 30, 42, 90, 730};
    struct plan *p = load_ok(plans_dir, "good-persons.yaml");
    const struct plan_persons *pp = &p->persons;
    const struct plan_rule *r;

    (void)state;
    assert_int_equal(pp->nhome_areas, 8);
    assert_string_equal(pp->home_areas[0], "cambridge");
    assert_string_equal(pp->home_areas[3], "huntingdonshire");
    assert_string_equal(pp->home_areas[7], "0-9");
    assert_null(pp->home_areas[8]);
    assert_int_equal(pp->explicit_consent, PLAN_CAT_BEREAVED | PLAN_CAT_INJURED);
    assert_int_equal(pp->referral_working_days, 30);
    assert_int_equal(pp->working_weekdays, 0x7e); /* Monday (bit 1) to Saturday (bit 6) */
    assert_int_equal(pp->nbank_holidays, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(pp->bank_holidays[i], holidays[i]);
    assert_null(pp->bank_holidays[5]);
    assert_int_equal(pp->contact_attempts, 10);
    assert_int_equal(pp->screening.tsq_cutoff, 10);
    assert_int_equal(pp->screening.tsq_min_days, 0);
    assert_int_equal(pp->screening.phq9_cutoff, 27);
    assert_int_equal(pp->screening.gad7_cutoff, 21);
    assert_int_equal(pp->screening.nrescreen, 1); /* a plain list of times: the TSQ's */
    assert_int_equal(pp->screening.rescreen[0].instrument, PLAN_TSQ);
    assert_int_equal(pp->screening.rescreen[0].ndays, 6);
    assert_memory_equal(pp->screening.rescreen[0].days, rescreen, sizeof(rescreen));

    assert_int_equal(pp->npathways, 5);
    assert_string_equal(pp->pathways[0].id, "crisis");
    assert_string_equal(pp->pathways[0].provider, "nhs");
    assert_int_equal(pp->pathways[0].capacity, 20);
    assert_false(pp->pathways[0].waitlist);
    assert_false(pp->pathways[0].out_of_area);
    assert_string_equal(pp->pathways[1].name, "Trauma-focused therapy – NHS Talking Therapies");
    assert_int_equal(pp->pathways[1].capacity, 100000);
    assert_true(pp->pathways[1].waitlist);
    assert_false(pp->pathways[1].out_of_area);
    assert_string_equal(pp->pathways[2].provider, "young-victims");
    assert_true(pp->pathways[3].out_of_area);
    assert_false(pp->pathways[3].waitlist);
    assert_int_equal(pp->pathways[4].capacity, 0);
    assert_false(pp->pathways[4].waitlist);

    assert_int_equal(pp->nrules, 6);
    r = &pp->rules[0];
    assert_string_equal(r->pathway, "crisis");
    assert_true(r->urgent);
    assert_int_equal(r->categories, 0);
    assert_int_equal(r->age_min, -1);
    assert_int_equal(r->age_max, -1);
    assert_int_equal(r->vulnerabilities, 0);
    assert_null(r->languages);
    assert_int_equal(r->nlanguages, 0);
    assert_int_equal(r->home, 0);
    assert_int_equal(r->screen_positive, 0);
    assert_int_equal(pp->rules[1].home, -1);
    r = &pp->rules[2];
    assert_int_equal(r->categories, 0x3f);
    assert_int_equal(r->age_min, 0);
    assert_int_equal(r->age_max, 17);
    assert_int_equal(r->vulnerabilities, PLAN_VULN_CHILD | PLAN_VULN_ELDERLY |
                                             PLAN_VULN_DISABILITY | PLAN_VULN_MIGRANT);
    assert_int_equal(r->nlanguages, 3);
    assert_string_equal(r->languages[1], "lit");
    assert_null(r->languages[3]);
    assert_int_equal(r->home, 1);
    assert_int_equal(r->screen_positive, -1);
    assert_false(r->urgent);
    r = &pp->rules[3];
    assert_int_equal(r->screen_positive, 1);
    assert_int_equal(r->age_min, 130);
    assert_int_equal(r->age_max, 130);
    r = &pp->rules[4];
    assert_int_equal(r->home, 0);
    assert_int_equal(r->screen_positive, 0);
    assert_int_equal(r->categories, 0);
    assert_int_equal(r->vulnerabilities, 0);
    assert_string_equal(pp->rules[5].pathway, "monitor");
    plan_free(p);
}

/* Every agency is found by its id (the sorted index, not a scan, since
 * issue 19), and ids that sort before, between and after them are not. */
static void check_agency_lookup(const struct plan *p)
{
    char near[64];
    assert_non_null(p->agency_index);
    for (size_t i = 0; i < p->nagencies; i++) {
        assert_ptr_equal(plan_agency_find(p, p->agencies[i].id), &p->agencies[i]);
        assert_ptr_equal(plan_ladder_find(p, p->agencies[i].id), &p->agencies[i]);
        snprintf(near, sizeof(near), "%s-", p->agencies[i].id);
        const struct plan_agency *want = NULL;
        for (size_t j = 0; j < p->nagencies; j++)
            if (!strcmp(p->agencies[j].id, near))
                want = &p->agencies[j];
        assert_ptr_equal(plan_agency_find(p, near), want);
    }
    assert_null(plan_agency_find(p, ""));
    assert_null(plan_agency_find(p, "zzzz-not-an-agency"));
}

static void test_good_files_all_load(void **state)
{
    DIR *d = opendir(plans_dir);
    struct dirent *de;
    int n = 0;

    (void)state;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "good-", 5) != 0 || strcmp(de->d_name + len - 5, ".yaml") != 0)
            continue;
        struct plan *p = load_ok(plans_dir, de->d_name);
        unsigned char h[crypto_hash_sha256_BYTES];
        char digest[2 * crypto_hash_sha256_BYTES + 1];
        crypto_hash_sha256(h, (const unsigned char *)p->source, p->source_len);
        sodium_bin2hex(digest, sizeof(digest), h, sizeof(h)); /* what a standup records */
        assert_string_equal(p->source_digest, digest);
        check_agency_lookup(p);
        plan_free(p);
        n++;
    }
    closedir(d);
    assert_true(n >= 2);
}

static void test_source_kept(void **state)
{
    struct plan *p = load_ok(plans_dir, "good-minimal.yaml");
    char *path = path_of(plans_dir, "good-minimal.yaml");
    char *text = read_text(path);

    (void)state;
    assert_string_equal(p->source, text);
    assert_int_equal(p->source_len, strlen(text));
    free(text);
    free(path);
    plan_free(p);
}

/* buf need not be NUL-terminated: only len bytes are read. */
static void test_buffer_not_terminated(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *path = path_of(plans_dir, "good-minimal.yaml");
    char *text = read_text(path);
    size_t len = strlen(text);
    char *buf = malloc(len + 20);

    (void)state;
    memcpy(buf, text, len);
    memcpy(buf + len, "junk: [unclosed\n\x01\xff", 19);
    assert_int_equal(plan_load_buffer("b.yaml", buf, len, &p, &errs), 0);
    assert_int_equal(p->source_len, len);
    assert_int_equal(p->source[len], '\0');
    plan_free(p);
    free(buf);
    free(text);
    free(path);
}

/* The number of staff of role on every shift at level, or -1. */
static int need_of(const struct plan_requirement *r, const char *role)
{
    for (size_t i = 0; i < r->nneeds; i++)
        if (strcmp(r->needs[i].role, role) == 0)
            return r->needs[i].count;
    return -1;
}

/* Cambridgeshire: day and night shifts, 8 to 10 roles, a requirement per
 * level asking for more at each, every role supplied by some agency and
 * every interpreter by the migrant victims' co-ordinator. */
static void assert_real_staffing(const struct plan *p)
{
    const struct plan_staffing *st = &p->staffing;
    const struct plan_agency *mv = plan_agency_find(p, "migrant-victims");

    assert_true(st->nroles >= 8 && st->nroles <= 10);
    assert_int_equal(st->nshifts, 2);
    assert_int_equal(st->shifts[0].start_minute, 8 * 60);
    assert_int_equal(st->shifts[1].start_minute, 20 * 60);
    assert_int_equal(st->shifts[1].length_ms, 12 * 3600 * 1000LL);
    assert_int_equal(st->nrequirements, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(st->requirements[i].level, (int)i + 1);
    for (size_t i = 1; i < 3; i++)
        assert_true(need_of(&st->requirements[i], "call-handler") >
                    need_of(&st->requirements[i - 1], "call-handler"));
    assert_int_equal(need_of(&st->requirements[0], "mh-nurse") > 0, 1);
    for (size_t i = 0; i < st->nroles; i++) {
        size_t suppliers = 0;
        for (size_t j = 0; j < p->nagencies; j++)
            for (size_t k = 0; k < p->agencies[j].nsupplies; k++)
                suppliers += strcmp(p->agencies[j].supplies[k], st->roles[i].id) == 0;
        assert_true(suppliers > 0);
    }
    assert_string_equal(plan_agency_find(p, "cpft")->supplies[0], "mh-nurse");
    assert_string_equal(plan_agency_find(p, "rape-crisis")->supplies[0], "isva");
    assert_int_equal(mv->nsupplies, 4);
    for (size_t k = 0; k < mv->nsupplies; k++)
        assert_memory_equal(mv->supplies[k], "interpreter-", 12);
}

/* Cambridgeshire and Peterborough: the six districts, consent for the
 * bereaved, the 2026-2028 bank holidays of England and Wales, every pathway's provider an agency,
 * the crisis team first and a catch-all rule last. */
static void assert_real_persons(const struct plan *p)
{
    const struct plan_persons *pp = &p->persons;
    const struct plan_rule *last = &pp->rules[pp->nrules - 1];
    size_t out_of_area = 0;

    assert_int_equal(pp->nhome_areas, 6);
    assert_string_equal(pp->home_areas[5], "peterborough");
    assert_int_equal(pp->explicit_consent, PLAN_CAT_BEREAVED);
    assert_int_equal(pp->referral_working_days, 2);
    assert_int_equal(pp->working_weekdays, 0x3e);
    assert_int_equal(pp->nbank_holidays, 24); /* holidays/england-and-wales.yaml */
    assert_string_equal(pp->bank_holidays[0], "2026-01-01");
    assert_string_equal(pp->bank_holidays[15], "2027-12-28");
    assert_string_equal(pp->bank_holidays[23], "2028-12-26");
    for (size_t i = 1; i < pp->nbank_holidays; i++)
        assert_true(strcmp(pp->bank_holidays[i - 1], pp->bank_holidays[i]) < 0);
    assert_int_equal(pp->screening.nrescreen, 2); /* TSQ at 1, 3, 6, 9 months; PHQ-9 too */
    assert_int_equal(pp->screening.rescreen[0].instrument, PLAN_TSQ);
    assert_int_equal(pp->screening.rescreen[0].ndays, 4);
    assert_int_equal(pp->screening.rescreen[0].days[3], 270);
    assert_int_equal(pp->screening.rescreen[1].instrument, PLAN_PHQ9);
    assert_int_equal(pp->screening.rescreen[1].ndays, 3);
    assert_int_equal(pp->npathways, 11); /* with the children's trauma service */
    for (size_t i = 0; i < pp->npathways; i++) {
        assert_non_null(plan_agency_find(p, pp->pathways[i].provider));
        out_of_area += pp->pathways[i].out_of_area;
    }
    assert_int_equal(out_of_area, 1);
    assert_string_equal(pp->rules[0].pathway, "crisis");
    assert_true(pp->rules[0].urgent);
    assert_int_equal(pp->rules[1].home, -1);
    assert_string_equal(pp->rules[2].pathway, "child-trauma"); /* under 18, before adults' */
    assert_int_equal(pp->rules[2].age_max, 17);
    assert_string_equal(pp->rules[6].pathway, "migrant-victims");
    assert_int_equal(pp->rules[6].nlanguages, 4);
    assert_true(last->categories == 0 && last->vulnerabilities == 0 && last->languages == NULL &&
                last->age_min < 0 && last->age_max < 0 && last->home == 0 &&
                last->screen_positive == 0 && !last->urgent);
}

static void test_real_plans(void **state)
{
    struct plan *p = load_ok(real_dir, "cambridgeshire.yaml");
    const struct plan_contact *ct;

    (void)state;
    assert_string_equal(p->id, "cambridgeshire");
    assert_string_equal(p->ref_prefix, "CAMB");
    assert_int_equal(p->nlevels, 3);
    assert_true(p->nagencies >= 14 && p->nagencies <= 24); /* with three neighbouring hubs */
    assert_string_equal(plan_neighbour_hub(&p->persons, "norwich"), "norfolk-hub");
    assert_null(plan_neighbour_hub(&p->persons, "cambridge"));
    assert_int_equal(p->persons.guardian_consent_under, 16);
    assert_non_null(plan_agency_find(p, p->hub.lead_agency));
    assert_non_null(plan_agency_find(p, "cpft"));
    assert_non_null(plan_agency_find(p, "victim-support"));
    assert_non_null(plan_agency_find(p, "rape-crisis"));
    assert_true(plan_agencies_at_level(p, 1) < plan_agencies_at_level(p, 2));
    assert_int_equal(plan_agencies_at_level(p, 3), p->nagencies);
    for (size_t i = 0; i < p->nagencies; i++) {
        assert_int_equal(p->agencies[i].contacts[0].channel, PLAN_CHANNEL_ZMQ);
        assert_string_equal(p->agencies[i].contacts[0].target, p->agencies[i].id);
    }
    assert_int_equal(p->paging.ack_wait_ms, 15 * 60 * 1000);
    assert_string_equal(p->paging.smtp_url, "smtp://mail.cambs.police.example:25");
    assert_string_equal(p->paging.email_from, "muster@cambs.police.example");
    ct = &plan_agency_find(p, "victim-witness-hub")->contacts[1];
    assert_int_equal(ct->channel, PLAN_CHANNEL_EXEC);
    assert_int_equal(ct->nargs, 4);
    assert_string_equal(ct->args[1], "hub-duty-managers");
    assert_real_staffing(p);
    assert_real_persons(p);
    /* the PFIF parties: the bureau sees identity and contact, the
     * neighbouring hub no date of birth, address or email */
    assert_string_equal(p->exchange.domain, "muster.cambs.police.example");
    assert_int_equal(p->exchange.nparties, 2);
    assert_int_equal(plan_exchange_party(&p->exchange, "casualty-bureau")->fields, 0xff);
    assert_int_equal(plan_exchange_party(&p->exchange, "neighbouring-hub")->fields,
                     PLAN_XF_NAME | PLAN_XF_AGE | PLAN_XF_HOME_AREA | PLAN_XF_CATEGORY |
                         PLAN_XF_PHONE);
    assert_null(plan_exchange_party(&p->exchange, "press"));
    plan_free(p);
    p = load_ok(real_dir, "example.yaml");
    assert_int_equal(p->nlevels, 2);
    assert_int_equal(p->nagencies, 3);
    assert_int_equal(p->paging.ack_wait_ms, 10 * 60 * 1000);
    ct = &plan_agency_find(p, "victim-hub")->contacts[1];
    assert_int_equal(ct->channel, PLAN_CHANNEL_EXEC);
    assert_int_equal(ct->nargs, 4);
    assert_string_equal(ct->args[0], "--group");
    assert_string_equal(ct->target, "page-sms");
    assert_int_equal(p->staffing.nroles, 3);
    assert_int_equal(p->staffing.nshifts, 2);
    assert_int_equal(p->staffing.nrequirements, 2);
    assert_int_equal(plan_agency_find(p, "mental-health")->nsupplies, 1);
    assert_int_equal(p->persons.npathways, 5); /* with the urgent crisis team and its overflow */
    assert_int_equal(p->persons.nrules, 4);
    assert_int_equal(p->persons.explicit_consent, PLAN_CAT_BEREAVED);
    plan_free(p);
}

/* ---- bad plans: every bad-*.yaml against its bad-*.err ------------------ */

static void check_bad_file(const char *name)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *path = path_of(plans_dir, name);
    char *shown = path_of("tests/plans", name);
    char errname[256], *errpath, *expected, *got;
    int rc;

    snprintf(errname, sizeof(errname), "%.*s.err", (int)(strlen(name) - 5), name);
    errpath = path_of(plans_dir, errname);
    expected = read_text(errpath);
    rc = plan_load_file(path, &p, &errs);
    got = join_errors(&errs, path, shown);
    unit_expect(got, expected, UNIT_MATCH_ALL, name);
    assert_int_equal(rc, -EINVAL);
    assert_null(p);
    plan_errors_free(&errs);
    free(got);
    free(expected);
    free(errpath);
    free(shown);
    free(path);
}

static void test_bad_files(void **state)
{
    struct dirent **list = NULL;
    int n = scandir(plans_dir, &list, NULL, alphasort), checked = 0;

    (void)state;
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name);
        if (strncmp(name, "bad-", 4) == 0 && len > 5 && strcmp(name + len - 5, ".yaml") == 0) {
            check_bad_file(name);
            checked++;
        }
        free(list[i]);
    }
    free(list);
    assert_true(checked >= 25);
}

/* ---- single rules, table-driven ------------------------------------------ */

/* What a duration must be, as messages say it. */
#define DURATION "a duration (whole seconds, or a number followed by ms, s, m, h or d)"

/* A valid plan with "%s" on line 11, inside the only contact mapping
 * (indented 8 columns).  "channel" and "target" come from the row. */
static const char contact_tmpl[] = "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
                                   "levels: [{level: 1, name: L}, {level: 2, name: M}]\n"
                                   "hub: {name: H, lead_agency: a}\n"
                                   "agencies:\n"
                                   "  - id: a\n"
                                   "    name: A\n"
                                   "    role: R\n"
                                   "    activate_level: 1\n"
                                   "    contacts:\n"
                                   "      - name: C\n"
                                   "        %s\n";

struct contact_case {
    const char *lines; /* replaces %s */
    const char *error; /* expected message (without "t.yaml:"), or NULL */
    int channel;
    long long after_ms;
    int repeat;
};

static const struct contact_case contact_cases[] = {
    {"channel: zmq\n        target: a", NULL, PLAN_CHANNEL_ZMQ, 0, 0},
    {"channel: exec\n        target: /bin/pager", NULL, PLAN_CHANNEL_EXEC, 0, 0},
    {"channel: exec\n        target: bin/pager",
     "12:17: \"target\" for channel exec must be an absolute path or the name of a paging script"
     " (letters, digits, \".\", \"_\", \"-\"), got \"bin/pager\"",
     0, 0, 0},
    /* a bare name: a paging script in musterd's --scripts directory */
    {"channel: exec\n        target: page-sms_2.sh", NULL, PLAN_CHANNEL_EXEC, 0, 0},
    {"channel: exec\n        target: .page-sms",
     "12:17: \"target\" for channel exec must be an absolute path or the name", 0, 0, 0},
    {"channel: exec\n        target: \"page sms\"",
     "12:17: \"target\" for channel exec must be an absolute path or the name", 0, 0, 0},
    {"channel: webhook\n        target: http://x", NULL, PLAN_CHANNEL_WEBHOOK, 0, 0},
    {"channel: webhook\n        target: 'https://a b'",
     "12:17: \"target\" for channel webhook must be an http:// or https:// URL without spaces, "
     "got \"https://a b\"",
     0, 0, 0},
    {"channel: webhook\n        target: http://",
     "12:17: \"target\" for channel webhook must be an http:// or https:// URL, got \"http://\"", 0,
     0, 0},
    {"channel: email\n        target: a@b", NULL, PLAN_CHANNEL_EMAIL, 0, 0},
    {"channel: email\n        target: '@b'",
     "12:17: \"target\" for channel email must be an email address (name@domain), got \"@b\"", 0, 0,
     0},
    {"channel: email\n        target: a@b@c",
     "12:17: \"target\" for channel email must be an email address (name@domain), got "
     "\"a@b@c\"",
     0, 0, 0},
    {"channel: zmq\n        target: b",
     "12:17: \"target\" for channel zmq must be the agency's own id \"a\", got \"b\"", 0, 0, 0},
    {"channel: ZMQ\n        target: a",
     "11:18: \"channel\" must be one of zmq, exec, webhook, email, got \"ZMQ\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 0", NULL, 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 86400", NULL, 0, 86400000, 0},
    {"channel: zmq\n        target: a\n        after: 45", NULL, 0, 45000, 0},
    {"channel: zmq\n        target: a\n        after: 45s", NULL, 0, 45000, 0},
    {"channel: zmq\n        target: a\n        after: 30s", NULL, 0, 30000, 0},
    {"channel: zmq\n        target: a\n        after: 500ms", NULL, 0, 500, 0},
    {"channel: zmq\n        target: a\n        after: '500ms'", NULL, 0, 500, 0},
    {"channel: zmq\n        target: a\n        after: 0ms", NULL, 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 1ms", NULL, 0, 1, 0},
    {"channel: zmq\n        target: a\n        after: 86400000ms", NULL, 0, 86400000, 0},
    {"channel: zmq\n        target: a\n        after: 5m", NULL, 0, 300000, 0},
    {"channel: zmq\n        target: a\n        after: \"10m\"", NULL, 0, 600000, 0},
    {"channel: zmq\n        target: a\n        after: 2h", NULL, 0, 7200000, 0},
    {"channel: zmq\n        target: a\n        after: 24h", NULL, 0, 86400000, 0},
    {"channel: zmq\n        target: a\n        after: 0h", NULL, 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 007s", NULL, 0, 7000, 0},
    {"channel: zmq\n        target: a\n        after: 86401",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 86401", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 86400001ms",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 86400001ms", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 1441m",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 1441m", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 99999999999999999999h",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 99999999999999999999h", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 99999999999999999999ms",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 99999999999999999999ms", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: -1",
     "13:16: \"after\" must be between 0 and 86400000 ms, got -1", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: -99999999999999999999",
     "13:16: \"after\" must be between 0 and 86400000 ms, got -99999999999999999999", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: ms",
     "13:16: \"after\" must be " DURATION ", "
     "got \"ms\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 5 ms",
     "13:16: \"after\" must be " DURATION ", "
     "got \"5 ms\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 5sm",
     "13:16: \"after\" must be " DURATION ", "
     "got \"5sm\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 5MS",
     "13:16: \"after\" must be " DURATION ", "
     "got \"5MS\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: -5s",
     "13:16: \"after\" must be " DURATION ", "
     "got \"-5s\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: \"5\\0s\"",
     "13:16: \"after\" must be " DURATION ", "
     "got \"5\\x00s\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: '30'",
     "13:16: \"after\" must be " DURATION ", "
     "got \"30\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 1d", NULL, 0, 86400000, 0},
    {"channel: zmq\n        target: a\n        after: 0d", NULL, 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: \"1d\"", NULL, 0, 86400000, 0},
    {"channel: zmq\n        target: a\n        after: 2d",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 2d", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 99999999999999999999d",
     "13:16: \"after\" must be between 0 and 86400000 ms, got 99999999999999999999d", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 1D",
     "13:16: \"after\" must be " DURATION ", got \"1D\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 0.5d",
     "13:16: \"after\" must be " DURATION ", got \"0.5d\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: -1d",
     "13:16: \"after\" must be " DURATION ", got \"-1d\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: d",
     "13:16: \"after\" must be " DURATION ", got \"d\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 1dd",
     "13:16: \"after\" must be " DURATION ", got \"1dd\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: 1day",
     "13:16: \"after\" must be " DURATION ", got \"1day\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        after: s",
     "13:16: \"after\" must be " DURATION ", "
     "got \"s\"",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after: [1]",
     "13:16: \"after\" must be " DURATION ", "
     "got a sequence",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        after:",
     "13:9: \"after\" must be " DURATION ", "
     "got an empty value",
     0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: 10", NULL, 0, 0, 10},
    {"channel: zmq\n        target: a\n        repeat: 007", NULL, 0, 0, 7},
    {"channel: zmq\n        target: a\n        repeat: 11",
     "13:17: \"repeat\" must be between 0 and 10, got 11", 0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: -1",
     "13:17: \"repeat\" must be between 0 and 10, got -1", 0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: -x",
     "13:17: \"repeat\" must be an integer, got \"-x\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: 1e3",
     "13:17: \"repeat\" must be an integer, got \"1e3\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: true",
     "13:17: \"repeat\" must be an integer, got \"true\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: '1'",
     "13:17: \"repeat\" must be an integer without quotes, got \"1\"", 0, 0, 0},
    {"channel: zmq\n        target: a\n        repeat: {n: 1}",
     "13:17: \"repeat\" must be an integer, got a mapping", 0, 0, 0},
    {"channel: zmq\n        target: [a]", "12:17: \"target\" must be a string, got a sequence", 0,
     0, 0},
    {"channel: zmq\n        target: a\n        target: a",
     "13:9: duplicate key \"target\" (first defined at line 12)", 0, 0, 0},
    {"channel: zmq\n        target: a\n        ? [x]\n        : y",
     "13:11: keys must be strings, got a sequence", 0, 0, 0},
    {"channel: zmq", "10:9: missing required key \"target\" in contact", 0, 0, 0},
    {"channel: exec\n        target: /bin/pager\n        args: [-x]", NULL, PLAN_CHANNEL_EXEC, 0,
     0},
    {"channel: exec\n        target: /bin/pager\n        args: []", NULL, PLAN_CHANNEL_EXEC, 0, 0},
    {"channel: zmq\n        target: a\n        args: [-x]",
     "13:9: \"args\" is only allowed for exec contacts", 0, 0, 0},
    {"channel: email\n        target: a@b\n        args: []",
     "13:9: \"args\" is only allowed for exec contacts", 0, 0, 0},
    {"args: [-x]\n        channel: webhook\n        target: http://x",
     "11:9: \"args\" is only allowed for exec contacts", 0, 0, 0},
    {"channel: exec\n        target: /bin/pager\n        args: [a, 1, {b: c}]",
     "13:22: each item of \"args\" must be a string, got a mapping", 0, 0, 0},
    {"channel: exec\n        target: /bin/pager\n        args: [\"a\\tb\", \"\\a\"]",
     "13:24: each item of \"args\" must not contain control characters", 0, 0, 0},
    {"channel: exec\n        target: /bin/pager\n        args: -x",
     "13:15: \"args\" must be a sequence, got \"-x\"", 0, 0, 0},
    {"channel: exec\n        target: /bin/pager\n        args:",
     "13:9: \"args\" must be a sequence, got an empty value", 0, 0, 0},
    {"channel: exec\n        target: /bin/pager\n        args: {a: b}",
     "13:15: \"args\" must be a sequence, got a mapping", 0, 0, 0},
};

/* A valid row's contact has its values; a refused row's first message
 * starts with its error. */
static void run_contact_case(const void *arg)
{
    const struct contact_case *cc = arg;
    char *text = textf(contact_tmpl, cc->lines);
    char *want = cc->error ? textf("t.yaml:%s", cc->error) : NULL;
    struct plan *p =
        expect_plan(text, want ? want : "", want ? UNIT_MATCH_START : UNIT_MATCH_ALL, cc->lines);

    if (p != NULL) {
        const struct plan_contact *ct = &p->agencies[0].contacts[0];
        assert_int_equal(ct->channel, cc->channel);
        assert_int_equal(ct->after_ms, cc->after_ms);
        assert_int_equal(ct->repeat, cc->repeat);
        plan_free(p);
    }
    free(want);
    free(text);
}

static void test_contact_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(contact_cases, run_contact_case);
}

/* A plan whose exec contact has count arguments of 500 characters (the
 * last one of last_len), listed on line 13 from column 16. */
static char *long_args(int count, int last_len)
{
    char *lines = malloc((size_t)count * 503 + 100), *text = NULL;
    size_t o = (size_t)sprintf(lines, "channel: exec\n        target: /p\n        args: [");

    for (int i = 0; i < count; i++) {
        int n = i == count - 1 ? last_len : 500;
        if (i > 0)
            o += (size_t)sprintf(lines + o, ", ");
        memset(lines + o, 'x', (size_t)n);
        o += (size_t)n;
    }
    strcpy(lines + o, "]");
    assert_true(asprintf(&text, contact_tmpl, lines) > 0);
    free(lines);
    return text;
}

/* Arguments are stored in order, NULL-terminated; an exec contact always
 * has an args array, any other contact none; long lists and items are
 * refused. */
static void test_args(void **state)
{
    static const char *const lines[] = {
        "channel: exec\n        target: /bin/pager\n        args: [--to, 'a b', 1, ~, \"\u00e9\"]",
        "channel: exec\n        target: /bin/pager",
        "channel: webhook\n        target: http://x",
    };
    const struct plan_contact *ct;
    char *text = textf(contact_tmpl, lines[0]);
    struct plan *p = expect_plan(text, "", UNIT_MATCH_ALL, lines[0]);

    (void)state;
    ct = &p->agencies[0].contacts[0];
    assert_int_equal(ct->nargs, 5);
    assert_string_equal(ct->args[0], "--to");
    assert_string_equal(ct->args[1], "a b");
    assert_string_equal(ct->args[2], "1");
    assert_string_equal(ct->args[3], "~");
    assert_string_equal(ct->args[4], "é");
    assert_null(ct->args[5]);
    plan_free(p);
    free(text);

    for (size_t i = 1; i < 3; i++) {
        text = textf(contact_tmpl, lines[i]);
        p = expect_plan(text, "", UNIT_MATCH_ALL, lines[i]);
        ct = &p->agencies[0].contacts[0];
        assert_int_equal(ct->nargs, 0);
        if (i == 1)
            assert_true(ct->args != NULL && ct->args[0] == NULL);
        else
            assert_null(ct->args);
        plan_free(p);
        free(text);
    }

    /* 16 items of 500 characters load; 17 items, or 501 characters, do not */
    p = expect_plan(text = long_args(16, 500), "", UNIT_MATCH_ALL, "16 args of 500");
    assert_int_equal(p->agencies[0].contacts[0].nargs, 16);
    assert_int_equal(strlen(p->agencies[0].contacts[0].args[15]), 500);
    plan_free(p);
    free(text);
    expect_errors(text = long_args(17, 500),
                  "t.yaml:13:15: \"args\" must have between 0 and 16 items, got 17\n",
                  "17 args of 500");
    free(text);
    expect_errors(text = long_args(16, 501),
                  "t.yaml:13:7546: each item of \"args\" must be at most 500 "
                  "characters\n",
                  "16 args, the last of 501");
    free(text);
}

/* ---- the paging section ---------------------------------------------------- */

static void assert_paging_defaults(const struct plan_paging *pg)
{
    assert_int_equal(pg->ack_wait_ms, 600000);
    assert_int_equal(pg->exec_timeout_ms, 30000);
    assert_int_equal(pg->webhook_timeout_ms, 10000);
    assert_int_equal(pg->webhook_retries, 2);
    assert_int_equal(pg->webhook_backoff_ms, 2000);
    assert_string_equal(pg->smtp_url, "smtp://localhost:25");
    assert_string_equal(pg->email_from, "muster@localhost");
}

/* A valid plan; "%s" is the paging section, from line 5. */
static const char paging_tmpl[] = "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
                                  "levels: [{level: 1, name: L}]\n"
                                  "hub: {name: H, lead_agency: a}\n"
                                  "agencies: [{id: a, name: A, role: R, activate_level: 1,"
                                  " contacts: [{name: C, channel: zmq, target: a}]}]\n"
                                  "%s";

static void run_paging_default(const void *arg)
{
    const char *section = *(const char *const *)arg;
    char *text = textf(paging_tmpl, section);
    struct plan *p = expect_plan(text, "", UNIT_MATCH_ALL, section);

    assert_paging_defaults(&p->paging);
    plan_free(p);
    free(text);
}

/* Without the section, or with an empty one, every key has its default. */
static void test_paging_defaults(void **state)
{
    static const char *const sections[] = {"", "paging: {}\n", "# paging:\n"};
    struct plan *p = load_ok(plans_dir, "good-minimal.yaml");

    (void)state;
    assert_paging_defaults(&p->paging);
    plan_free(p);
    UNIT_CASES_RUN(sections, run_paging_default);
}

/* The section given as something other than a mapping. */
static const struct text_case paging_structure_cases[] = {
    {"paging: []\n", "t.yaml:5:9: \"paging\" must be a mapping, got a sequence\n"},
    {"paging: [ack_wait: 1s]\n", "t.yaml:5:9: \"paging\" must be a mapping, got a sequence\n"},
    {"paging: 10m\n", "t.yaml:5:9: \"paging\" must be a mapping, got \"10m\"\n"},
    {"paging:\n", "t.yaml:5:1: \"paging\" must be a mapping, got an empty value\n"},
    {"paging: {}\npaging: {}\n", "t.yaml:6:1: duplicate key \"paging\" (first defined at line "
                                 "5)\n"},
    {"paging: {ack_wait: 0s, smtp_url: x}\n",
     "t.yaml:5:20: \"ack_wait\" must be between 1000 and 86400000 ms, got 0s\n"
     "t.yaml:5:34: \"smtp_url\" must be an smtp:// or smtps:// URL without spaces, got "
     "\"x\"\n"},
};

static void run_paging_structure(const void *arg)
{
    const struct text_case *tc = arg;
    char *text = textf(paging_tmpl, tc->text);

    expect_errors(text, tc->error, tc->text);
    free(text);
}

static void test_paging_structure(void **state)
{
    (void)state;
    UNIT_CASES_RUN(paging_structure_cases, run_paging_structure);
}

/* The cap section (docs/interop.md): senders and events required, levels
 * the plan has, each event mapping some severity; "" is a valid plan. */
static const struct text_case cap_section_cases[] = {
    {"cap: {senders: [s@x], events: [{code: MCI, extreme: 1}]}\n", ""},
    {"cap: {senders: [s@x], areas: [Ely], events: [{code: MCI, minor: 1}], cancel: refuse}\n", ""},
    {"cap: {events: [{code: MCI, extreme: 1}]}\n",
     "t.yaml:5:6: missing required key \"senders\" in cap\n"},
    {"cap: {senders: [s@x], events: [{code: MCI, extreme: 2}]}\n",
     "t.yaml:5:53: cap event \"MCI\": extreme 2 is not a level defined in this plan\n"},
    {"cap: {senders: [s@x], events: [{code: MCI}]}\n",
     "t.yaml:5:32: cap event \"MCI\" maps no severity to a level (extreme, severe, moderate, "
     "minor or unknown)\n"},
    {"cap: {senders: [s@x], events: [{code: MCI, huge: 1}]}\n",
     "t.yaml:5:44: unknown key \"huge\" in cap event (expected one of: code, extreme, severe, "
     "moderate, minor, unknown, urgency)\n"
     "t.yaml:5:32: cap event \"MCI\" maps no severity to a level (extreme, severe, moderate, "
     "minor or unknown)\n"},
    {"cap: {senders: [s@x], events: [{code: MCI, extreme: 1}], cancel: ignore}\n",
     "t.yaml:5:66: \"cancel\" must be one of standdown, refuse, got \"ignore\"\n"},
    {"cap: {senders: [s@x], events: [{code: MCI, extreme: 1}], signed: yes}\n",
     "t.yaml:5:58: unknown key \"signed\" in cap (expected one of: senders, areas, events, "
     "cancel)\n"},
    {"cap: {senders: [s@x, s@x], events: [{code: MCI, extreme: 1}]}\n", "*duplicate*"},
    /* urgency: at least a level, or 0 for nothing; levels the plan has */
    {"cap: {senders: [s@x], events: [{code: MCI, moderate: 1, urgency: {immediate: 1, past: "
     "0}}]}\n",
     ""},
    {"cap: {senders: [s@x], events: [{code: MCI, urgency: {immediate: 1}}]}\n", ""},
    {"cap: {senders: [s@x], events: [{code: MCI, extreme: 1, urgency: {expected: 2}}]}\n",
     "t.yaml:5:76: cap event \"MCI\": urgency expected 2 is not a level defined in this plan\n"},
    {"cap: {senders: [s@x], events: [{code: MCI, extreme: 1, urgency: {soon: 1}}]}\n",
     "t.yaml:5:66: unknown key \"soon\" in cap urgency (expected one of: immediate, expected, "
     "future, past, unknown)\n"},
    {"cap: {senders: [s@x], events: [{code: MCI, urgency: {past: 0}}]}\n",
     "t.yaml:5:32: cap event \"MCI\" maps no severity to a level (extreme, severe, moderate, minor "
     "or unknown)\n"},
    /* a sender with a certificate (docs/interop.md, Signatures) */
    {"cap: {senders: [{sender: s@x}], events: [{code: MCI, extreme: 1}]}\n",
     "t.yaml:5:17: missing required key \"certificate\" in cap sender\n"},
    {"cap: {senders: [{sender: s@x, certificate: c.pem, key: k.pem}], events: [{code: MCI, "
     "extreme: 1}]}\n",
     "t.yaml:5:44: \"certificate\": ./c.pem: cannot open: No such file or directory\n"
     "t.yaml:5:51: unknown key \"key\" in cap sender (expected one of: sender, certificate)\n"},
    {"cap: {senders: [{sender: s@x, certificate: no-such-cert.pem}], events: [{code: MCI, "
     "extreme: 1}]}\n",
     "t.yaml:5:44: \"certificate\": ./no-such-cert.pem: cannot open: No such file or directory\n"},
    {"cap: {senders: [{sender: s@x, certificate: \"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END "
     "CERTIFICATE-----\\n\"}], events: [{code: MCI, extreme: 1}]}\n",
     "t.yaml:5:44: \"certificate\": the text is not a PEM X.509 certificate\n"},
    {"cap: {senders: [{sender: s@x, certificate: [a]}], events: [{code: MCI, extreme: 1}]}\n",
     "t.yaml:5:44: \"certificate\" must be a file name or PEM text, got a sequence\n"},
};

static void run_cap_section(const void *arg)
{
    const struct text_case *tc = arg;
    char *text = textf(paging_tmpl, tc->text);

    if (tc->error[0] == '*') {
        struct plan *p = NULL;
        struct plan_errors errs = {0};
        assert_int_not_equal(plan_load_buffer("t.yaml", text, strlen(text), &p, &errs), 0);
        plan_errors_free(&errs);
    } else {
        expect_errors(text, tc->error, tc->text);
    }
    free(text);
}

static void test_cap_section(void **state)
{
    (void)state;
    UNIT_CASES_RUN(cap_section_cases, run_cap_section);
}

/*
 * One key of the section (on line 6): either an error, or the value the
 * key then has in plan_to_json (num for numbers, str for strings), which
 * also checks the struct's milliseconds.
 */
struct paging_case {
    const char *line, *error, *json_key;
    long long num;
    const char *str;
};

static const struct paging_case paging_cases[] = {
    {"ack_wait: 1s", NULL, "ack_wait_ms", 1000, NULL},
    {"ack_wait: 1", NULL, "ack_wait_ms", 1000, NULL},
    {"ack_wait: 1000ms", NULL, "ack_wait_ms", 1000, NULL},
    {"ack_wait: 15m", NULL, "ack_wait_ms", 900000, NULL},
    {"ack_wait: 24h", NULL, "ack_wait_ms", 86400000, NULL},
    {"ack_wait: 999ms", "6:13: \"ack_wait\" must be between 1000 and 86400000 ms, got 999ms", NULL,
     0, NULL},
    {"ack_wait: 0", "6:13: \"ack_wait\" must be between 1000 and 86400000 ms, got 0", NULL, 0,
     NULL},
    {"ack_wait: 86401s", "6:13: \"ack_wait\" must be between 1000 and 86400000 ms, got 86401s",
     NULL, 0, NULL},
    {"ack_wait: 1d", NULL, "ack_wait_ms", 86400000, NULL},
    {"ack_wait: 10d", "6:13: \"ack_wait\" must be between 1000 and 86400000 ms, got 10d", NULL, 0,
     NULL},
    {"ack_wait:", "6:3: \"ack_wait\" must be " DURATION ", got an empty value", NULL, 0, NULL},
    {"exec_timeout: 100ms", NULL, "exec_timeout_ms", 100, NULL},
    {"exec_timeout: 500ms", NULL, "exec_timeout_ms", 500, NULL},
    {"exec_timeout: 10m", NULL, "exec_timeout_ms", 600000, NULL},
    {"exec_timeout: 600", NULL, "exec_timeout_ms", 600000, NULL},
    {"exec_timeout: 99ms", "6:17: \"exec_timeout\" must be between 100 and 600000 ms, got 99ms",
     NULL, 0, NULL},
    {"exec_timeout: 601s", "6:17: \"exec_timeout\" must be between 100 and 600000 ms, got 601s",
     NULL, 0, NULL},
    {"exec_timeout: 1h", "6:17: \"exec_timeout\" must be between 100 and 600000 ms, got 1h", NULL,
     0, NULL},
    {"webhook_timeout: 100ms", NULL, "webhook_timeout_ms", 100, NULL},
    {"webhook_timeout: 5m", NULL, "webhook_timeout_ms", 300000, NULL},
    {"webhook_timeout: 301s",
     "6:20: \"webhook_timeout\" must be between 100 and 300000 ms, got 301s", NULL, 0, NULL},
    {"webhook_timeout: 0", "6:20: \"webhook_timeout\" must be between 100 and 300000 ms, got 0",
     NULL, 0, NULL},
    {"webhook_retries: 0", NULL, "webhook_retries", 0, NULL},
    {"webhook_retries: 10", NULL, "webhook_retries", 10, NULL},
    {"webhook_retries: 11", "6:20: \"webhook_retries\" must be between 0 and 10, got 11", NULL, 0,
     NULL},
    {"webhook_retries: -1", "6:20: \"webhook_retries\" must be between 0 and 10, got -1", NULL, 0,
     NULL},
    {"webhook_retries: '2'",
     "6:20: \"webhook_retries\" must be an integer without quotes, got \"2\"", NULL, 0, NULL},
    {"webhook_retries: 2s", "6:20: \"webhook_retries\" must be an integer, got \"2s\"", NULL, 0,
     NULL},
    {"webhook_backoff: 0", NULL, "webhook_backoff_ms", 0, NULL},
    {"webhook_backoff: 0ms", NULL, "webhook_backoff_ms", 0, NULL},
    {"webhook_backoff: 250ms", NULL, "webhook_backoff_ms", 250, NULL},
    {"webhook_backoff: 10m", NULL, "webhook_backoff_ms", 600000, NULL},
    {"webhook_backoff: 600001ms",
     "6:20: \"webhook_backoff\" must be between 0 and 600000 ms, got 600001ms", NULL, 0, NULL},
    {"webhook_backoff: -1", "6:20: \"webhook_backoff\" must be between 0 and 600000 ms, got -1",
     NULL, 0, NULL},
    {"smtp_url: smtp://mail.example:25", NULL, "smtp_url", 0, "smtp://mail.example:25"},
    {"smtp_url: smtps://mail.example", NULL, "smtp_url", 0, "smtps://mail.example"},
    {"smtp_url: smtp://x", NULL, "smtp_url", 0, "smtp://x"},
    {"smtp_url: smtp://",
     "6:13: \"smtp_url\" must be an smtp:// or smtps:// URL without spaces, "
     "got \"smtp://\"",
     NULL, 0, NULL},
    {"smtp_url: 'smtp://a b'",
     "6:13: \"smtp_url\" must be an smtp:// or smtps:// URL without "
     "spaces, got \"smtp://a b\"",
     NULL, 0, NULL},
    {"smtp_url: SMTP://x",
     "6:13: \"smtp_url\" must be an smtp:// or smtps:// URL without spaces, "
     "got \"SMTP://x\"",
     NULL, 0, NULL},
    {"smtp_url: mail.example:25",
     "6:13: \"smtp_url\" must be an smtp:// or smtps:// URL without "
     "spaces, got \"mail.example:25\"",
     NULL, 0, NULL},
    {"smtp_url: ''", "6:13: \"smtp_url\" must not be empty", NULL, 0, NULL},
    {"smtp_url: [smtp://x]", "6:13: \"smtp_url\" must be a string, got a sequence", NULL, 0, NULL},
    {"email_from: a@b", NULL, "email_from", 0, "a@b"},
    {"email_from: muster@cambs.police.example", NULL, "email_from", 0,
     "muster@cambs.police.example"},
    {"email_from: '@b'", "6:15: \"email_from\" must be an email address (name@domain), got \"@b\"",
     NULL, 0, NULL},
    {"email_from: a@", "6:15: \"email_from\" must be an email address (name@domain), got \"a@\"",
     NULL, 0, NULL},
    {"email_from: a@b@c",
     "6:15: \"email_from\" must be an email address (name@domain), got \"a@b@c\"", NULL, 0, NULL},
    {"email_from: a b@c",
     "6:15: \"email_from\" must be an email address (name@domain), got \"a b@c\"", NULL, 0, NULL},
    {"email_from: muster",
     "6:15: \"email_from\" must be an email address (name@domain), got \"muster\"", NULL, 0, NULL},
    {"colour: blue",
     "6:3: unknown key \"colour\" in paging (expected one of: ack_wait, "
     "exec_timeout, webhook_timeout, webhook_retries, webhook_backoff, smtp_url, "
     "email_from)",
     NULL, 0, NULL},
    {"ack_wait: 1s\n  ack_wait: 2s", "7:3: duplicate key \"ack_wait\" (first defined at line 6)",
     NULL, 0, NULL},
};

static void run_paging_case(const void *arg)
{
    const struct paging_case *pc = arg;
    char *section = textf("paging:\n  %s\n", pc->line), *text = textf(paging_tmpl, section);
    char *want = pc->error ? textf("t.yaml:%s\n", pc->error) : NULL;
    struct plan *p = expect_plan(text, want ? want : "", UNIT_MATCH_ALL, pc->line);

    if (p != NULL) {
        json_t *j = plan_to_json(p);
        json_t *v = json_object_get(json_object_get(j, "paging"), pc->json_key);
        if (pc->str != NULL)
            assert_string_equal(json_string_value(v), pc->str);
        else
            assert_int_equal(json_integer_value(v), pc->num);
        json_decref(j);
        plan_free(p);
    }
    free(want);
    free(text);
    free(section);
}

static void test_paging_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(paging_cases, run_paging_case);
}

/* ---- the staffing section and supplies ---------------------------------------- */

/*
 * A valid plan with levels 1, 2 and 4 and one agency "a".  The first "%s"
 * is the agency's last line (line 10, indented 4), the second one the rest
 * of the file (from line 11).
 */
static const char staffing_tmpl[] = "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
                                    "levels: [{level: 1, name: L}, {level: 2, name: M}, "
                                    "{level: 4, name: N}]\n"
                                    "hub: {name: H, lead_agency: a}\n"
                                    "agencies:\n"
                                    "  - id: a\n"
                                    "    name: A\n"
                                    "    role: R\n"
                                    "    activate_level: 1\n"
                                    "    contacts: [{name: C, channel: zmq, target: a}]\n"
                                    "    %s\n"
                                    "%s";

/* A staffing section: roles on line 12, shifts 13, requirements 14 and one
 * more line (15); NULL in a case means the default below. */
struct staffing_case {
    const char *supplies, *roles, *shifts, *requirements, *extra;
    const char *error; /* all messages, each "LINE:COL: ...\n" without "t.yaml:"; "" if valid */
};

static const struct staffing_case staffing_default = {
    "supplies: [r]",
    "[{id: r, name: R}, {id: s, name: S}]",
    "[{id: day, name: Day, start: '08:00', length: 12h}]",
    "[{level: 1, need: {r: 1}}]",
    "ask_lead: 6h",
    "",
};

/* The plan text of one case (the caller frees it). */
static char *staffing_text(const struct staffing_case *sc)
{
    const struct staffing_case *d = &staffing_default;
    char *section, *text;

    section = textf("staffing:\n  roles: %s\n  shifts: %s\n  requirements: %s\n  %s\n",
                    sc->roles ? sc->roles : d->roles, sc->shifts ? sc->shifts : d->shifts,
                    sc->requirements ? sc->requirements : d->requirements,
                    sc->extra ? sc->extra : d->extra);
    text = textf(staffing_tmpl, sc->supplies ? sc->supplies : d->supplies, section);
    free(section);
    return text;
}

static const struct staffing_case staffing_cases[] = {
    {0},
    /* roles */
    {.roles = "[{id: r, name: R}]", .requirements = "[{level: 1, need: {r: 0}}]"},
    {.roles = "[]", .error = "12:10: \"roles\" must have between 1 and 100 items, got 0\n"},
    {.roles = "{r: R}", .error = "12:10: \"roles\" must be a sequence, got a mapping\n"},
    {.roles = "[r]", .error = "12:11: each item of \"roles\" must be a mapping, got \"r\"\n"},
    {.roles = "[{id: r, name: R}, {id: R, name: S}]",
     .error = "12:34: \"id\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got \"R\"\n"},
    {.roles = "[{id: r, name: R}, {id: r, name: S}]",
     .error = "12:34: duplicate role id \"r\" (first defined at line 12)\n"},
    {.roles = "[{id: r}]", .error = "12:11: missing required key \"name\" in role\n"},
    {.roles = "[{id: r, name: R, colour: red}]",
     .error = "12:28: unknown key \"colour\" in role (expected one of: id, name)\n"},
    /* shifts */
    {.shifts = "[{id: day, name: Day, start: '08:00', length: 1h}, "
               "{id: night, name: Night, start: '20:00', length: 24h}]"},
    {.shifts = "[{id: a, name: A, start: '00:00', length: 3600}, {id: b, name: B, start: '01:00', "
               "length: 60m}, {id: c, name: C, start: '02:00', length: 3600000ms}, {id: d, "
               "name: D, start: '03:00', length: 1d}]"},
    {.shifts = "[]", .error = "13:11: \"shifts\" must have between 1 and 12 items, got 0\n"},
    {.shifts = "[{id: a, name: A, start: '08:00', length: 59m}]",
     .error = "13:53: \"length\" must be between 3600000 and 86400000 ms, got 59m\n"},
    {.shifts = "[{id: a, name: A, start: '08:00', length: 86401s}]",
     .error = "13:53: \"length\" must be between 3600000 and 86400000 ms, got 86401s\n"},
    {.shifts = "[{id: a, name: A, start: '08:00', length: 2d}]",
     .error = "13:53: \"length\" must be between 3600000 and 86400000 ms, got 2d\n"},
    {.shifts = "[{id: a, name: A, start: '08:00'}]",
     .error = "13:12: missing required key \"length\" in shift\n"},
    {.shifts = "[{id: a, name: A, length: 8h}]",
     .error = "13:12: missing required key \"start\" in shift\n"},
    {.shifts = "[{id: a, name: A, start: '08:00', length: 8h}, {id: a, name: B, start: '16:00', "
               "length: 8h}]",
     .error = "13:63: duplicate shift id \"a\" (first defined at line 13)\n"},
    {.shifts = "[{id: a, name: A, start: '08:00', end: '16:00', length: 8h}]",
     .error = "13:45: unknown key \"end\" in shift (expected one of: id, name, start, length)\n"},
    /* requirements */
    {.requirements = "[{level: 4, need: {r: 1000, s: 3}}, {level: 1, need: {s: 1}}]"},
    {.requirements = "[]",
     .error = "14:17: \"requirements\" must have between 1 and 9 items, got 0\n"},
    {.requirements = "[{level: 3, need: {r: 1}}]",
     .error = "14:26: staffing requirement: level 3 is not a level defined in this plan\n"},
    {.requirements =
         "[{level: 1, need: {r: 1}}, {level: 2, need: {r: 2}}, {level: 1, need: {s: 1}}]",
     .error = "14:78: staffing requirement for level 1 is defined twice (first at line 14)\n"},
    {.requirements = "[{level: 0, need: {r: 1}}]",
     .error = "14:26: \"level\" must be between 1 and 9, got 0\n"},
    {.requirements = "[{need: {r: 1}}]",
     .error = "14:18: missing required key \"level\" in requirement\n"},
    {.requirements = "[{level: 1}]",
     .error = "14:18: missing required key \"need\" in requirement\n"},
    {.requirements = "[{level: 1, need: {}}]",
     .error = "14:35: \"need\" must have between 1 and 100 entries, got 0\n"},
    {.requirements = "[{level: 1, need: [r]}]",
     .error = "14:35: \"need\" must be a mapping, got a sequence\n"},
    {.requirements = "[{level: 1, need: {x: 1}}]",
     .error = "14:36: need: role \"x\" is not a role in staffing.roles\n"},
    {.requirements = "[{level: 1, need: {r: 1001}}]",
     .error = "14:39: \"r\" must be between 0 and 1000, got 1001\n"},
    {.requirements = "[{level: 1, need: {r: -1}}]",
     .error = "14:39: \"r\" must be between 0 and 1000, got -1\n"},
    {.requirements = "[{level: 1, need: {r: '1'}}]",
     .error = "14:39: \"r\" must be an integer without quotes, got \"1\"\n"},
    {.requirements = "[{level: 1, need: {r: 1, r: 2}}]",
     .error = "14:42: duplicate key \"r\" (first defined at line 14)\n"},
    {.requirements = "[{level: 1, need: {R: 1}}]",
     .error = "14:36: each key of \"need\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got "
              "\"R\"\n"},
    {.requirements = "[{level: 1, need: {[r]: 1}}]",
     .error = "14:36: each key of \"need\" must be a string, got a sequence\n"},
    /* horizon and ask_lead, with the "d" unit */
    {.extra = "horizon: 12h"},
    {.extra = "horizon: 14d"},
    {.extra = "horizon: '7d'"},
    {.extra = "horizon: 336h"},
    {.extra = "horizon: 1209600"},
    {.extra = "horizon: 11h",
     .error = "15:12: \"horizon\" must be between 43200000 and 1209600000 ms, got 11h\n"},
    {.extra = "horizon: 0d",
     .error = "15:12: \"horizon\" must be between 43200000 and 1209600000 ms, got 0d\n"},
    {.extra = "horizon: 15d",
     .error = "15:12: \"horizon\" must be between 43200000 and 1209600000 ms, got 15d\n"},
    {.extra = "horizon: 1.5d", .error = "15:12: \"horizon\" must be " DURATION ", got \"1.5d\"\n"},
    {.extra = "ask_lead: 0"},
    {.extra = "ask_lead: 2d"},
    {.extra = "ask_lead: 48h"},
    {.extra = "ask_lead: 3d",
     .error = "15:13: \"ask_lead\" must be between 0 and 172800000 ms, got 3d\n"},
    {.extra = "ask_lead: -1",
     .error = "15:13: \"ask_lead\" must be between 0 and 172800000 ms, got -1\n"},
    {.extra = "colour: red",
     .error = "15:3: unknown key \"colour\" in staffing (expected one of: horizon, ask_lead, "
              "roles, shifts, requirements)\n"},
    {.extra = "roles: []", .error = "15:3: duplicate key \"roles\" (first defined at line 12)\n"},
    /* supplies */
    {.supplies = "supplies: []"},
    {.supplies = "supplies: [r, s]"},
    {.supplies = "colour: red",
     .error = "10:5: unknown key \"colour\" in agency (expected one of: id, name, role, "
              "activate_level, contacts, supplies, activate_on_referral, edxl_rm)\n"},
    {.supplies = "supplies: [x]",
     .error = "10:16: agency \"a\": supplies role \"x\" which is not in staffing.roles\n"},
    {.supplies = "supplies: [r, s, r]",
     .error = "10:22: agency \"a\": supplies role \"r\" twice (first at line 10)\n"},
    {.supplies = "supplies: r", .error = "10:15: \"supplies\" must be a sequence, got \"r\"\n"},
    {.supplies = "supplies: [R]",
     .error = "10:16: each item of \"supplies\" must be 1 to 40 characters from a-z, 0-9 and "
              "\"-\", got \"R\"\n"},
    /* one mistake, one message: references to broken roles are not checked */
    {.roles = "[{id: r, name: R}, {id: S, name: S}]",
     .supplies = "supplies: [x]",
     .requirements = "[{level: 1, need: {x: 1}}]",
     .error = "12:34: \"id\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got \"S\"\n"},
};

static void run_staffing_case(const void *arg)
{
    const struct staffing_case *sc = arg;
    char *text = staffing_text(sc), *want = in_t_yaml(sc->error ? sc->error : "");

    expect_errors(text, want, NULL);
    free(want);
    free(text);
}

static void test_staffing_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(staffing_cases, run_staffing_case);
}

/* Shift start times: "HH:MM" from 00:00 to 23:59, plain or quoted. */
struct shift_start_case {
    const char *start;
    int minute; /* or -1: refused */
};

static const struct shift_start_case shift_start_cases[] = {
    {"'00:00'", 0},      {"\"00:01\"", 1}, {"08:00", 480},       {"'08:30'", 510}, {"12:00", 720},
    {"\"20:00\"", 1200}, {"23:59", 1439},  {"'24:00'", -1},      {"'25:00'", -1},  {"'12:60'", -1},
    {"'8:00'", -1},      {"8:00", -1},     {"'08:0'", -1},       {"'080:00'", -1}, {"'08.00'", -1},
    {"0800", -1},        {"'08:00 '", -1}, {"' 08:00'", -1},     {"'-1:00'", -1},  {"'+8:00'", -1},
    {"'08:00:00'", -1},  {"'８:00'", -1},  {"'ab:cd'", -1},      {"480", -1},      {"[8, 0]", -1},
    {"{h: 8}", -1},      {"''", -1},       {"\"08:00\\0\"", -1},
};

/* A refused start gives one message. */
static void run_shift_start_case(const void *arg)
{
    static const char refused[] = "t.yaml:13:48: \"start\" must be a time of day HH:MM, got ";
    const struct shift_start_case *sc = arg;
    struct staffing_case st = {0};
    char shifts[200], *text;
    struct plan *p;

    snprintf(shifts, sizeof(shifts), "[{id: a, name: A, length: 8h, start: %s}]", sc->start);
    st.shifts = shifts;
    text = staffing_text(&st);
    if (sc->minute >= 0) {
        p = expect_plan(text, "", UNIT_MATCH_ALL, sc->start);
        assert_int_equal(p->staffing.shifts[0].start_minute, sc->minute);
        plan_free(p);
    } else {
        expect_plan(text, refused, UNIT_MATCH_LINE, sc->start);
    }
    free(text);
}

static void test_shift_start(void **state)
{
    (void)state;
    UNIT_CASES_RUN(shift_start_cases, run_shift_start_case);
}

/* Absent: the documented defaults.  Present: roles, shifts and
 * requirements are required, and it must be a mapping. */
static const struct text_case staffing_section_cases[] = {
    {"", ""},
    {"# staffing:\n", ""},
    {"staffing: {}\n", "t.yaml:11:11: missing required key \"roles\" in staffing\n"
                       "t.yaml:11:11: missing required key \"shifts\" in staffing\n"
                       "t.yaml:11:11: missing required key \"requirements\" in staffing\n"},
    {"staffing: []\n", "t.yaml:11:11: \"staffing\" must be a mapping, got a sequence\n"},
    {"staffing: [roles: []]\n", "t.yaml:11:11: \"staffing\" must be a mapping, got a "
                                "sequence\n"},
    {"staffing:\n", "t.yaml:11:1: \"staffing\" must be a mapping, got an empty value\n"},
    {"staffing: 3d\n", "t.yaml:11:11: \"staffing\" must be a mapping, got \"3d\"\n"},
};

static void run_staffing_section_case(const void *arg)
{
    const struct text_case *tc = arg;
    char *text = textf(staffing_tmpl, "supplies: []", tc->text);
    struct plan *p = expect_plan(text, tc->error, UNIT_MATCH_ALL, tc->text);

    if (p != NULL) {
        assert_staffing_defaults(&p->staffing);
        assert_int_equal(p->agencies[0].nsupplies, 0);
        plan_free(p);
    }
    free(text);
}

static void test_staffing_defaults(void **state)
{
    (void)state;
    UNIT_CASES_RUN(staffing_section_cases, run_staffing_section_case);
}

/* Without a staffing section an agency may not supply anything (an empty
 * list is fine); with a broken one, supplies are not checked against it. */
struct supplies_case {
    const char *supplies, *section, *error;
};

static const struct supplies_case supplies_cases[] = {
    {"supplies: []", "", ""},
    {"supplies: [r]", "", "t.yaml:10:5: \"supplies\" needs a staffing section\n"},
    {"supplies: [R]", "",
     "t.yaml:10:16: each item of \"supplies\" must be 1 to 40 characters from a-z, 0-9 and "
     "\"-\", got \"R\"\n"
     "t.yaml:10:5: \"supplies\" needs a staffing section\n"},
    {"supplies: [r]", "staffing: []\n",
     "t.yaml:11:11: \"staffing\" must be a mapping, got a sequence\n"},
    {"supplies: [r]", "staffing: {}\n",
     "t.yaml:11:11: missing required key \"roles\" in staffing\n"
     "t.yaml:11:11: missing required key \"shifts\" in staffing\n"
     "t.yaml:11:11: missing required key \"requirements\" in staffing\n"},
};

static void run_supplies_case(const void *arg)
{
    const struct supplies_case *sc = arg;
    char *text = textf(staffing_tmpl, sc->supplies, sc->section);

    expect_errors(text, sc->error, sc->supplies);
    free(text);
}

static void test_supplies_without_staffing(void **state)
{
    (void)state;
    UNIT_CASES_RUN(supplies_cases, run_supplies_case);
}

/* ---- the persons section -------------------------------------------------- */

/*
 * A valid plan with agencies "a" and "b" and a persons section: home_areas
 * on line 8, pathways 9, rules 10 and one more line (11).
 */
static const char persons_tmpl[] =
    "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
    "levels: [{level: 1, name: L}]\n"
    "hub: {name: H, lead_agency: a}\n"
    "agencies:\n"
    "  - {id: a, name: A, role: R, activate_level: 1, contacts: [{name: C, channel: zmq, target: "
    "a}]}\n"
    "  - {id: b, name: B, role: R, activate_level: 1, contacts: [{name: C, channel: zmq, target: "
    "b}]}\n"
    "persons:\n"
    "  home_areas: %s\n"
    "  pathways: %s\n"
    "  rules: %s\n"
    "  %s\n";

/* NULL in a case means the default below. */
struct persons_case {
    const char *areas, *pathways, *rules, *extra;
    const char *error; /* all messages, each "LINE:COL: ...\n" without "t.yaml:"; "" if valid */
};

static const struct persons_case persons_default = {
    "[town, county-2]",
    "[{id: p, name: P, provider: a}, {id: q, name: Q, provider: b}]",
    "[{pathway: p, urgent: true}, {pathway: q}]",
    "contact_attempts: 3",
    "",
};

/* The plan text of one case (the caller frees it). */
static char *persons_text(const struct persons_case *pc)
{
    const struct persons_case *d = &persons_default;

    return textf(persons_tmpl, pc->areas ? pc->areas : d->areas,
                 pc->pathways ? pc->pathways : d->pathways, pc->rules ? pc->rules : d->rules,
                 pc->extra ? pc->extra : d->extra);
}

#define CATEGORIES "injured, survivor, witness, bereaved, responder, other"
#define RESCREEN                                                                                   \
    "a number of days, or a number followed by d (days), w (weeks) or m (months of 30 days)"

static const struct persons_case persons_cases[] = {
    {0},
    /* home_areas */
    {.areas = "[a]"},
    {.areas = "[abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-12345]"},
    {.areas = "[abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-123456]",
     .error = "8:16: each item of \"home_areas\" must be at most 60 characters\n"},
    {.areas = "[]", .error = "8:15: \"home_areas\" must have between 1 and 100 items, got 0\n"},
    {.areas = "town", .error = "8:15: \"home_areas\" must be a sequence, got \"town\"\n"},
    {.areas = "[Town, \"east cambs\"]",
     .error = "8:16: each item of \"home_areas\" must be 1 to 60 characters from a-z, 0-9 and "
              "\"-\", got \"Town\"\n"
              "8:22: each item of \"home_areas\" must be 1 to 60 characters from a-z, 0-9 and "
              "\"-\", got \"east cambs\"\n"},
    {.areas = "[town, county-2, town]",
     .error = "8:32: \"home_areas\" lists \"town\" twice (first at line 8)\n"},
    /* explicit_consent and working_days: bit sets */
    {.extra = "explicit_consent: []"},
    {.extra = "explicit_consent: [" CATEGORIES "]"},
    {.extra = "explicit_consent: bereaved",
     .error = "11:21: \"explicit_consent\" must be a sequence, got \"bereaved\"\n"},
    {.extra = "explicit_consent: [Bereaved]",
     .error = "11:22: each item of \"explicit_consent\" must be one of " CATEGORIES
              ", got \"Bereaved\"\n"},
    {.extra = "explicit_consent: [bereaved, [injured]]",
     .error = "11:32: each item of \"explicit_consent\" must be one of " CATEGORIES
              ", got a sequence\n"},
    {.extra = "working_days: [sun]"},
    {.extra = "working_days: []",
     .error = "11:17: \"working_days\" must have between 1 and 7 items, got 0\n"},
    {.extra = "working_days: [mon, tue, wed, thu, fri, sat, sun, mon]",
     .error = "11:17: \"working_days\" must have between 1 and 7 items, got 8\n"},
    {.extra = "working_days: [mon, tue, mon]",
     .error = "11:28: \"working_days\" lists \"mon\" twice (first at line 11)\n"},
    {.extra = "working_days: [monday]",
     .error = "11:18: each item of \"working_days\" must be one of sun, mon, tue, wed, thu, fri, "
              "sat, got \"monday\"\n"},
    /* integers */
    {.extra = "referral_working_days: 1"},
    {.extra = "referral_working_days: 0",
     .error = "11:26: \"referral_working_days\" must be between 1 and 30, got 0\n"},
    {.extra = "referral_working_days: 31",
     .error = "11:26: \"referral_working_days\" must be between 1 and 30, got 31\n"},
    {.extra = "contact_attempts: 1"},
    {.extra = "contact_attempts: 11",
     .error = "11:21: \"contact_attempts\" must be between 1 and 10, got 11\n"},
    {.extra = "contact_attempts: '3'",
     .error = "11:21: \"contact_attempts\" must be an integer without quotes, got \"3\"\n"},
    /* bank_holidays */
    {.extra = "bank_holidays: []"},
    {.extra = "bank_holidays: [2026-12-25, \"2026-12-25\"]",
     .error = "11:31: \"bank_holidays\" lists \"2026-12-25\" twice (first at line 11)\n"},
    {.extra = "bank_holidays: 2026-12-25",
     .error = "11:18: \"bank_holidays\" must be a list of dates or the name of a holiday file, "
              "got \"2026-12-25\" (one date is written [2026-12-25])\n"},
    {.extra = "bank_holidays: England",
     .error = "11:18: \"bank_holidays\" must be a list of dates or the name of a holiday file "
              "(1 to 40 characters from a-z, 0-9 and \"-\"), got \"England\"\n"},
    {.extra = "bank_holidays: {file: england-and-wales}",
     .error = "11:18: \"bank_holidays\" must be a sequence, got a mapping\n"},
    /* screening */
    {.extra = "screening: {}"},
    {.extra = "screening: {tsq_cutoff: 1, tsq_min_days: 365, phq9_cutoff: 1, gad7_cutoff: 1}"},
    {.extra = "screening: {tsq_cutoff: 11}",
     .error = "11:27: \"tsq_cutoff\" must be between 1 and 10, got 11\n"},
    {.extra = "screening: {tsq_min_days: 366}",
     .error = "11:29: \"tsq_min_days\" must be between 0 and 365, got 366\n"},
    {.extra = "screening: {phq9_cutoff: 28}",
     .error = "11:28: \"phq9_cutoff\" must be between 1 and 27, got 28\n"},
    {.extra = "screening: {gad7_cutoff: 0}",
     .error = "11:28: \"gad7_cutoff\" must be between 1 and 21, got 0\n"},
    {.extra = "screening: {pcl5_cutoff: 33}",
     .error = "11:15: unknown key \"pcl5_cutoff\" in screening (expected one of: tsq_cutoff, "
              "tsq_min_days, phq9_cutoff, gad7_cutoff, rescreen, rescreen_grace_days)\n"},
    {.extra = "screening: {rescreen_grace_days: 0}",
     .error = "11:36: \"rescreen_grace_days\" must be between 1 and 365, got 0\n"},
    {.extra = "screening: {rescreen: [{instrument: tsq, after: [1m]}, {instrument: phq9, after: "
              "[3m, 6m]}, {instrument: tsq, after: [2m]}]}",
     .error = "11:95: \"rescreen\" names tsq twice (first at line 11)\n"},
    {.extra = "screening: {rescreen: [{instrument: pcl5, after: [1m]}]}",
     .error = "11:39: \"instrument\" must be one of tsq, phq9, gad7, got \"pcl5\"\n"},
    {.extra = "screening: {rescreen: [{instrument: phq9}]}",
     .error = "11:26: missing required key \"after\" in rescreen\n"},
    {.extra = "screening: {rescreen: [{instrument: gad7, after: [6m, 3m]}]}",
     .error = "11:57: each item of \"after\" must be later than the one before, got 3m (90 days) "
              "after 6m (180 days)\n"},
    {.extra = "screening: {rescreen: [{instrument: gad7, after: [1m]}, 3m]}",
     .error = "11:59: each item of \"rescreen\" must be a mapping, got \"3m\"\n"},
    {.extra = "screening: [tsq_cutoff: 6]",
     .error = "11:14: \"screening\" must be a mapping, got a sequence\n"},
    {.extra = "screening: {rescreen: []}",
     .error = "11:25: \"rescreen\" must have between 1 and 20 items, got 0\n"},
    {.extra = "screening: {rescreen: 30}",
     .error = "11:25: \"rescreen\" must be a sequence, got \"30\"\n"},
    {.extra = "screening: {rescreen: [30, 30]}",
     .error = "11:30: each item of \"rescreen\" must be later than the one before, got 30 (30 "
              "days) after 30 (30 days)\n"},
    /* pathways */
    {.pathways = "[{id: p, name: P, provider: a, capacity: 100000, waitlist: true, out_of_area: "
                 "true}, {id: q, name: Q, provider: a, capacity: 0, waitlist: false}]"},
    {.pathways = "[]", .error = "9:13: \"pathways\" must have between 1 and 100 items, got 0\n"},
    {.pathways = "[p]", .error = "9:14: each item of \"pathways\" must be a mapping, got \"p\"\n"},
    {.pathways = "[{id: p, name: P, provider: a}, {id: q, name: Q, provider: a, capacity: -1}]",
     .error = "9:85: \"capacity\" must be between 0 and 100000, got -1\n"},
    {.pathways = "[{id: p, name: P, provider: a, capacity: 100001}, {id: q, name: Q, provider: b}]",
     .error = "9:54: \"capacity\" must be between 0 and 100000, got 100001\n"},
    {.pathways = "[{id: p, name: P}, {id: q, name: Q, provider: b}]",
     .error = "9:14: missing required key \"provider\" in pathway\n"},
    {.pathways = "[{id: p, name: P, provider: a, waitlist: on}, {id: q, name: Q, provider: b}]",
     .error = "9:54: \"waitlist\" must be true or false, got \"on\"\n"},
    {.pathways = "[{id: p, name: P, provider: a, waitlist: 'true'}, {id: q, name: Q, provider: b}]",
     .error = "9:54: \"waitlist\" must be true or false without quotes, got \"true\"\n"},
    {.pathways = "[{id: p, name: P, provider: a, waitlist: }, {id: q, name: Q, provider: b}]",
     .error = "9:44: \"waitlist\" must be true or false, got an empty value\n"},
    {.pathways = "[{id: p, name: P, provider: a, out_of_area: [true]}, {id: q, name: Q, provider: "
                 "b}]",
     .error = "9:57: \"out_of_area\" must be true or false, got a sequence\n"},
    {.pathways = "[{id: p, name: P, provider: c}, {id: q, name: Q, provider: b}]",
     .error = "9:41: pathway \"p\": provider \"c\" is not an agency in this plan\n"},
    {.pathways = "[{id: p, name: P, provider: a}, {id: q, name: Q, provider: a}, {id: p, name: R, "
                 "provider: b}]",
     .error = "9:81: duplicate pathway id \"p\" (first defined at line 9)\n"},
    {.pathways = "[{id: p, name: P, provider: a, colour: red}, {id: q, name: Q, provider: b}]",
     .error = "9:44: unknown key \"colour\" in pathway (expected one of: id, name, provider, "
              "capacity, waitlist, out_of_area, overflow)\n"},
    /* rules */
    {.rules = "[{pathway: q, categories: [witness], age_min: 5, age_max: 5, home: out, screen: "
              "negative, urgent: false}]"},
    {.rules = "[]", .error = "10:10: \"rules\" must have between 1 and 200 items, got 0\n"},
    {.rules = "[{urgent: true}]", .error = "10:11: missing required key \"pathway\" in rule\n"},
    {.rules = "[{pathway: x}, {pathway: p}]",
     .error = "10:21: rule: pathway \"x\" is not a pathway in persons.pathways\n"},
    {.rules = "[{pathway: p, categories: [victim]}]",
     .error = "10:37: each item of \"categories\" must be one of " CATEGORIES ", got \"victim\"\n"},
    {.rules = "[{pathway: p, vulnerabilities: [child, child]}]",
     .error = "10:49: \"vulnerabilities\" lists \"child\" twice (first at line 10)\n"},
    {.rules = "[{pathway: p, vulnerabilities: [older]}]",
     .error = "10:42: each item of \"vulnerabilities\" must be one of child, elderly, disability, "
              "migrant, got \"older\"\n"},
    {.rules = "[{pathway: p, age_min: 131}]",
     .error = "10:33: \"age_min\" must be between 0 and 130, got 131\n"},
    {.rules = "[{pathway: p, age_max: -1}]",
     .error = "10:33: \"age_max\" must be between 0 and 130, got -1\n"},
    {.rules = "[{pathway: p, age_min: 65, age_max: 64}]",
     .error = "10:33: \"age_min\" (65) must not be greater than \"age_max\" (64)\n"},
    {.rules = "[{pathway: p, age_max: 64, age_min: 65}]",
     .error = "10:46: \"age_min\" (65) must not be greater than \"age_max\" (64)\n"},
    /* an age out of range is reported once, not compared */
    {.rules = "[{pathway: p, age_min: 200, age_max: 17}]",
     .error = "10:33: \"age_min\" must be between 0 and 130, got 200\n"},
    {.rules = "[{pathway: p, age_min: 18, age_max: x}]",
     .error = "10:46: \"age_max\" must be an integer, got \"x\"\n"},
    {.rules = "[{pathway: p, languages: [pl, lt, ro, pt, eng, fil]}]"},
    {.rules = "[{pathway: p, languages: [p]}]",
     .error =
         "10:36: each item of \"languages\" must be a language code of 2 or 3 letters a-z (ISO "
         "639), got \"p\"\n"},
    {.rules = "[{pathway: p, languages: [pl-PL]}]",
     .error =
         "10:36: each item of \"languages\" must be a language code of 2 or 3 letters a-z (ISO "
         "639), got \"pl-PL\"\n"},
    {.rules = "[{pathway: p, home: In}]",
     .error = "10:30: \"home\" must be one of in, out, any, got \"In\"\n"},
    {.rules = "[{pathway: p, home: [in]}]",
     .error = "10:30: \"home\" must be one of in, out, any, got a sequence\n"},
    {.rules = "[{pathway: p, screen: yes}]",
     .error = "10:32: \"screen\" must be one of positive, negative, any, got \"yes\"\n"},
    {.rules = "[{pathway: p, urgent: false, urgent: true}]",
     .error = "10:39: duplicate key \"urgent\" (first defined at line 10)\n"},
    {.rules = "[{pathway: p, gender: any}]",
     .error = "10:24: unknown key \"gender\" in rule (expected one of: pathway, categories, "
              "age_min, age_max, vulnerabilities, languages, home, screen, urgent)\n"},
    /* one mistake, one message: a broken pathway id is not looked up */
    {.pathways = "[{id: P, name: P, provider: a}, {id: q, name: Q, provider: b}]",
     .rules = "[{pathway: p}]",
     .error = "9:19: \"id\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got \"P\"\n"},
    /* the section's own keys */
    {.extra = "colour: red",
     .error = "11:3: unknown key \"colour\" in persons (expected one of: home_areas, "
              "explicit_consent, referral_working_days, working_days, bank_holidays, "
              "contact_attempts, urgent_ack, handoff_ack, guardian_consent_under, "
              "neighbouring_hubs, screening, pathways, rules)\n"},
    {.extra = "rules: []", .error = "11:3: duplicate key \"rules\" (first defined at line 10)\n"},
};

static void run_persons_case(const void *arg)
{
    const struct persons_case *pc = arg;
    char *text = persons_text(pc), *want = in_t_yaml(pc->error ? pc->error : "");

    expect_errors(text, want, NULL);
    free(want);
    free(text);
}

static void test_persons_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(persons_cases, run_persons_case);
}

/* Bank holidays: real calendar dates only (month lengths, leap years),
 * quoted or not; stored in date order whatever the order given. */
struct bank_holiday_case {
    const char *date;
    bool ok;
};

static const struct bank_holiday_case bank_holiday_cases[] = {
    {"2026-01-01", true},        {"'2026-12-31'", true},  {"\"2026-01-31\"", true},
    {"2026-03-31", true},        {"2026-04-30", true},    {"2026-06-30", true},
    {"2026-09-30", true},        {"2026-11-30", true},    {"2026-02-28", true},
    {"2024-02-29", true},        {"2000-02-29", true},    {"1999-12-31", true},
    {"2026-02-29", false},       {"1900-02-29", false},   {"2100-02-29", false},
    {"2026-02-30", false},       {"2026-04-31", false},   {"2026-06-31", false},
    {"2026-09-31", false},       {"2026-11-31", false},   {"2026-01-32", false},
    {"2026-01-00", false},       {"2026-00-10", false},   {"2026-13-01", false},
    {"2026-1-01", false},        {"2026-01-1", false},    {"26-01-01", false},
    {"20260101", false},         {"2026/01/01", false},   {"'2026-01-01 '", false},
    {"' 2026-01-01'", false},    {"2026-01-01x", false},  {"'２026-01-01'", false},
    {"'+2026-01-01'", false},    {"'2026-0a-01'", false}, {"''", false},
    {"2026-01-01T00:00", false},
};

/* A refused date gives one message. */
static void run_bank_holiday_case(const void *arg)
{
    static const char refused[] = "t.yaml:11:31: each item of \"bank_holidays\" must ";
    const struct bank_holiday_case *bc = arg;
    struct persons_case pc = {0};
    char extra[200], *text;
    struct plan *p;

    snprintf(extra, sizeof(extra), "bank_holidays: [2027-01-01, %s]", bc->date);
    pc.extra = extra;
    text = persons_text(&pc);
    if (bc->ok) {
        p = expect_plan(text, "", UNIT_MATCH_ALL, bc->date);
        assert_int_equal(p->persons.nbank_holidays, 2);
        assert_true(strcmp(p->persons.bank_holidays[0], p->persons.bank_holidays[1]) < 0);
        assert_string_equal(p->persons.bank_holidays[1], "2027-01-01");
        plan_free(p);
    } else {
        expect_plan(text, refused, UNIT_MATCH_LINE, bc->date);
    }
    free(text);
}

static void test_bank_holidays(void **state)
{
    (void)state;
    UNIT_CASES_RUN(bank_holiday_cases, run_bank_holiday_case);
}

/* Bank holidays come out sorted, however many and in whatever order. */
static void test_bank_holidays_sorted(void **state)
{
    struct persons_case pc = {
        .extra = "bank_holidays: [2027-12-28, 2026-01-01, 2027-01-01, 2026-12-28, 2026-12-25, "
                 "2027-12-27, 2026-04-03]"};
    static const char *const want[] = {"2026-01-01", "2026-04-03", "2026-12-25", "2026-12-28",
                                       "2027-01-01", "2027-12-27", "2027-12-28"};
    char *text = persons_text(&pc);
    struct plan *p = expect_plan(text, "", UNIT_MATCH_ALL, NULL);

    (void)state;
    assert_int_equal(p->persons.nbank_holidays, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(p->persons.bank_holidays[i], want[i]);
    assert_null(p->persons.bank_holidays[7]);
    plan_free(p);
    free(text);
}

/* ---- bank holidays from a shared holiday file ------------------------- */

/* A plans directory of its own: DIR/t.yaml naming "testland" (as name, a
 * YAML scalar), and DIR/holidays/testland.yaml holding file_text (none
 * when NULL).  Returns DIR (the caller frees it with holiday_dir_free). */
static char *holiday_dir(const char *name, const char *file_text)
{
    char tmpl[] = "/tmp/test_plan_holidays.XXXXXX";
    char *dir = strdup(mkdtemp(tmpl)), *sub = path_of(dir, "holidays");
    struct persons_case pc = {0};
    char extra[200];

    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(extra, sizeof(extra), "bank_holidays: %s  # the nation's file", name);
    pc.extra = extra;
    char *text = persons_text(&pc), *plan = path_of(dir, "t.yaml");
    write_text(plan, text);
    if (file_text != NULL) {
        char *f = path_of(sub, "testland.yaml");
        write_text(f, file_text);
        free(f);
    }
    free(text);
    free(plan);
    free(sub);
    return dir;
}

static void holiday_dir_free(char *dir)
{
    char *cmd = textf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

/* DIR/t.yaml loaded: the plan, or NULL with the messages in *msgs. */
static struct plan *holiday_load(const char *dir, char **msgs)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *path = path_of(dir, "t.yaml");
    int rc = plan_load_file(path, &p, &errs);

    *msgs = join_errors(&errs, NULL, NULL);
    assert_true(rc == 0 ? p != NULL : p == NULL);
    plan_errors_free(&errs);
    free(path);
    return p;
}

static const char testland[] = "nation: Testland\n"
                               "source: the test\n"
                               "dates:\n"
                               "  - 2027-01-01\n"
                               "  - 2026-12-25   # Christmas Day\n"
                               "  - 2026-12-28\n";

/* "bank_holidays: NAME" loads holidays/NAME.yaml beside the plan; the
 * plan's source (what standup freezes) then holds the dates themselves,
 * so the frozen copy loads without the file and a later edit of the file
 * does not change it. */
static void test_holidays_file(void **state)
{
    static const char *const quoted[] = {"testland", "'testland'", "\"testland\""};
    (void)state;
    for (size_t q = 0; q < 3; q++) {
        char *dir = holiday_dir(quoted[q], testland), *msgs;
        struct plan *p = holiday_load(dir, &msgs);
        assert_string_equal(msgs, "");
        const struct plan_persons *pp = &p->persons;
        assert_int_equal(pp->nbank_holidays, 3);
        assert_string_equal(pp->bank_holidays[0], "2026-12-25");
        assert_string_equal(pp->bank_holidays[2], "2027-01-01");
        char *file = textf("%s/holidays/testland.yaml", dir);
        assert_string_equal(pp->bank_holidays_file, file);
        assert_non_null(strstr(p->source, "\n  bank_holidays: [2026-12-25, 2026-12-28, 2027-01-01]"
                                          "  # the nation's file\n"));
        assert_null(strstr(p->source, "testland"));
        /* the file changes, then goes: the frozen source is unmoved */
        write_text(file, "nation: Testland\ndates: [2030-01-01]\n");
        assert_int_equal(unlink(file), 0);
        struct plan *frozen = NULL;
        struct plan_errors errs = {0};
        assert_int_equal(plan_load_buffer("TT-2026-0001", p->source, p->source_len, &frozen, &errs),
                         0);
        assert_int_equal(frozen->persons.nbank_holidays, 3);
        assert_string_equal(frozen->persons.bank_holidays[1], "2026-12-28");
        assert_null(frozen->persons.bank_holidays_file);
        assert_string_equal(frozen->source, p->source); /* the same digest, the same version */
        plan_free(frozen);
        plan_free(p);
        free(file);
        free(msgs);
        holiday_dir_free(dir);
    }
}

/* A plan text sent to musterd (incident.amend) looks for its holiday file
 * in musterd's plans directory, whatever file name came with it. */
static void test_holidays_file_at(void **state)
{
    char *dir = holiday_dir("testland", testland), *path = path_of(dir, "t.yaml");
    char *text = read_text(path);
    struct plan_errors errs = {0};
    struct plan *p = NULL;

    (void)state;
    assert_int_equal(plan_load_buffer("/home/gold/cambs.yaml", text, strlen(text), &p, &errs),
                     -EINVAL);
    assert_non_null(strstr(errs.msg[0], "/home/gold/cambs.yaml:11:18: \"bank_holidays\": no "
                                        "holiday file \"testland\" (looked for "
                                        "/home/gold/holidays/testland.yaml and "));
    plan_errors_free(&errs);
    assert_int_equal(
        plan_load_buffer_at("/home/gold/cambs.yaml", dir, text, strlen(text), &p, &errs), 0);
    assert_int_equal(p->persons.nbank_holidays, 3);
    assert_non_null(strstr(p->source, "bank_holidays: [2026-12-25, 2026-12-28, 2027-01-01]"));
    plan_free(p);
    free(text);
    free(path);
    holiday_dir_free(dir);
}

struct holiday_error_case {
    const char *name; /* what the plan says after "bank_holidays: " */
    const char *file; /* holidays/testland.yaml, or NULL for none */
    const char *want; /* the messages, DIR standing for the directory */
};

static const struct holiday_error_case holiday_error_cases[] = {
    {"atlantis", testland,
     "DIR/t.yaml:11:18: \"bank_holidays\": no holiday file \"atlantis\" (looked for "
     "DIR/holidays/atlantis.yaml and " MUSTER_HOLIDAYS_DIR "/atlantis.yaml)\n"},
    {"testland", "nation: Testland\ndates: [2026-12-25, 2026-02-30]\n",
     "DIR/holidays/testland.yaml:2:21: each item of \"dates\" must be a calendar date "
     "YYYY-MM-DD, got \"2026-02-30\"\n"
     "DIR/t.yaml:11:18: \"bank_holidays\": the holiday file DIR/holidays/testland.yaml is not "
     "valid (see above)\n"},
    {"testland", "nation: Testland\n",
     "DIR/holidays/testland.yaml:1:1: missing required key \"dates\" in the holiday file\n"
     "DIR/t.yaml:11:18: \"bank_holidays\": the holiday file DIR/holidays/testland.yaml is not "
     "valid (see above)\n"},
    {"testland", "nation: Testland\ndates: []\nyears: 3\n",
     "DIR/holidays/testland.yaml:2:8: \"dates\" must have between 1 and 1000 items, got 0\n"
     "DIR/holidays/testland.yaml:3:1: unknown key \"years\" in the holiday file (expected one "
     "of: nation, source, dates)\n"
     "DIR/t.yaml:11:18: \"bank_holidays\": the holiday file DIR/holidays/testland.yaml is not "
     "valid (see above)\n"},
    {"testland", "- 2026-12-25\n",
     "DIR/holidays/testland.yaml:1:1: a holiday file must be a mapping, got a sequence\n"
     "DIR/t.yaml:11:18: \"bank_holidays\": the holiday file DIR/holidays/testland.yaml is not "
     "valid (see above)\n"},
    {"testland", "nation: [\n",
     NULL /* a YAML syntax error: reported in the file, then at the plan's line */},
};

/* A missing or invalid holiday file is an error of the plan, naming the file. */
static void run_holiday_error_case(const void *arg)
{
    const struct holiday_error_case *hc = arg;
    char *dir = holiday_dir(hc->name, hc->file), *msgs;
    struct plan *p = holiday_load(dir, &msgs);
    assert_null(p);
    if (hc->want == NULL) {
        char *in_file = textf("%s/holidays/testland.yaml:", dir);
        char *at_ref = textf("%s/t.yaml:11:18: \"bank_holidays\": the holiday file ", dir);
        assert_memory_equal(msgs, in_file, strlen(in_file));
        assert_non_null(strstr(msgs, at_ref));
        free(in_file);
        free(at_ref);
    } else {
        char want[2000] = "";
        for (const char *s = hc->want; *s; s++) /* DIR as the directory */
            if (strncmp(s, "DIR", 3) == 0) {
                strcat(want, dir);
                s += 2;
            } else {
                strncat(want, s, 1);
            }
        assert_string_equal(msgs, want);
    }
    free(msgs);
    holiday_dir_free(dir);
}

static void test_holidays_file_errors(void **state)
{
    (void)state;
    UNIT_CASES_RUN(holiday_error_cases, run_holiday_error_case);
}

/* The shipped files of the three nations: 2026 to 2028, weekdays only,
 * Easter Monday not a holiday in Scotland, and each nation's own days. */
static void test_holidays_shipped(void **state)
{
    static const struct {
        const char *name;
        size_t n;
        const char *has, *hasnt;
    } nations[] = {{"england-and-wales", 24, "2027-03-29", "2027-11-30"},
                   {"scotland", 27, "2027-11-30", "2027-03-29"},
                   {"northern-ireland", 30, "2026-07-13", "2027-11-30"}};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct persons_case pc = {0};
        char extra[100], *name = path_of(real_dir, "t.yaml");
        snprintf(extra, sizeof(extra), "bank_holidays: %s", nations[i].name);
        pc.extra = extra;
        char *text = persons_text(&pc);
        struct plan_errors errs = {0};
        struct plan *p = NULL;
        assert_int_equal(plan_load_buffer(name, text, strlen(text), &p, &errs), 0);
        const struct plan_persons *pp = &p->persons;
        assert_int_equal(pp->nbank_holidays, nations[i].n);
        assert_string_equal(pp->bank_holidays[0], "2026-01-01");
        assert_memory_equal(pp->bank_holidays[pp->nbank_holidays - 1], "2028-12-2", 9);
        bool has = false, hasnt = false;
        for (size_t k = 0; k < pp->nbank_holidays; k++) {
            struct tm tm = {0};
            assert_non_null(strptime(pp->bank_holidays[k], "%Y-%m-%d", &tm));
            tm.tm_hour = 12;
            time_t t = timegm(&tm);
            gmtime_r(&t, &tm);
            if (tm.tm_wday == 0 || tm.tm_wday == 6)
                fail_msg("%s: %s is a weekend day", nations[i].name, pp->bank_holidays[k]);
            has |= !strcmp(pp->bank_holidays[k], nations[i].has);
            hasnt |= !strcmp(pp->bank_holidays[k], nations[i].hasnt);
        }
        assert_true(has && !hasnt);
        plan_free(p);
        free(text);
        free(name);
    }
}

/* --check-plan's warning: the dates end (31 December of the last one's
 * year) before the incident horizon, the last re-screening (270 days by
 * default) plus its grace (14) from today. */
static void test_holidays_horizon(void **state)
{
    static const struct {
        const char *extra;
        const char *now;  /* today, YYYY-MM-DD */
        const char *want; /* the warning's text after "t.yaml:11:3: warning: ", or "" */
    } cases[] = {
        {"bank_holidays: [2026-12-25, 2027-12-27]", "2026-12-02", ""},
        {"bank_holidays: [2026-12-25, 2026-12-28]", "2026-12-02",
         "the bank holidays end with 2026, before the incident horizon 2027-09-12 (the last "
         "re-screening and its grace, 284 days from today): working-day deadlines after 2026 "
         "will count no bank holidays\n"},
        {"bank_holidays: [2027-12-27]", "2027-03-22", ""},  /* horizon 2027-12-31 */
        {"bank_holidays: [2027-12-27]", "2027-03-23", "x"}, /* horizon 2028-01-01 */
        {"bank_holidays: []", "2030-01-01", ""},
        {"screening: {rescreen: [30], rescreen_grace_days: 1}\n  bank_holidays: [2026-12-25]",
         "2026-11-30", ""},
        {"screening: {rescreen: [30], rescreen_grace_days: 1}\n  bank_holidays: [2026-12-25]",
         "2026-12-01", "x"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct persons_case pc = {.extra = cases[i].extra};
        char *text = persons_text(&pc), *msgs;
        struct plan *p = expect_plan(text, "", UNIT_MATCH_ALL, cases[i].extra);
        struct plan_errors warns = {0};
        struct tm tm = {0};
        assert_non_null(strptime(cases[i].now, "%Y-%m-%d", &tm));
        tm.tm_hour = 9;
        int n = plan_holidays_check(p, timegm(&tm), &warns);
        msgs = join_errors(&warns, NULL, NULL);
        if (cases[i].want[0] == '\0') {
            assert_int_equal(n, 0);
            assert_string_equal(msgs, "");
        } else if (!strcmp(cases[i].want, "x")) {
            assert_int_equal(n, 1);
            assert_non_null(strstr(msgs, ": warning: the bank holidays end with "));
        } else {
            char *want = textf("t.yaml:11:3: warning: %s", cases[i].want);
            assert_int_equal(n, 1);
            assert_string_equal(msgs, want);
            free(want);
        }
        plan_errors_free(&warns);
        free(msgs);
        plan_free(p);
        free(text);
    }
}

/* Re-screening times: days plain, or with d, w or m (30 days); 1 to 730
 * days each. */
struct rescreen_case {
    const char *item;
    int days; /* or 0: refused */
};

static const struct rescreen_case rescreen_cases[] = {
    {"1", 1},     {"730", 730},   {"1d", 1},
    {"'7d'", 7},  {"\"2w\"", 14}, {"1m", 30},
    {"24m", 720}, {"104w", 728},  {"730d", 730},
    {"0030", 30}, {"0", 0},       {"-1", 0},
    {"731", 0},   {"0d", 0},      {"25m", 0},
    {"105w", 0},  {"'30'", 0},    {"1.5m", 0},
    {"1y", 0},    {"1M", 0},      {"1 m", 0},
    {"m", 0},     {"'-1d'", 0},   {"1dd", 0},
    {"[1]", 0},   {"''", 0},      {"99999999999999999999m", 0},
};

/* A refused item gives one message. */
static void run_rescreen_case(const void *arg)
{
    static const char refused[] = "t.yaml:11:26: each item of \"rescreen\" must be ";
    const struct rescreen_case *rsc = arg;
    struct persons_case pc = {0};
    char extra[200], *text;
    struct plan *p;

    snprintf(extra, sizeof(extra), "screening: {rescreen: [%s]}", rsc->item);
    pc.extra = extra;
    text = persons_text(&pc);
    if (rsc->days > 0) {
        p = expect_plan(text, "", UNIT_MATCH_ALL, rsc->item);
        assert_int_equal(p->persons.screening.nrescreen, 1);
        assert_int_equal(p->persons.screening.rescreen[0].ndays, 1);
        assert_int_equal(p->persons.screening.rescreen[0].days[0], rsc->days);
        plan_free(p);
    } else {
        expect_plan(text, refused, UNIT_MATCH_LINE, rsc->item);
    }
    free(text);
}

static void test_rescreen(void **state)
{
    (void)state;
    UNIT_CASES_RUN(rescreen_cases, run_rescreen_case);
}

/* Absent: the documented defaults.  Present: home_areas, pathways and
 * rules are required, and it must be a mapping.  "%s" is the section. */
static const char persons_section_tmpl[] = "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
                                           "levels: [{level: 1, name: L}]\n"
                                           "hub: {name: H, lead_agency: a}\n"
                                           "agencies: [{id: a, name: A, role: R, activate_level: 1,"
                                           " contacts: [{name: C, channel: zmq, target: a}]}]\n"
                                           "%s";

static const struct text_case persons_section_cases[] = {
    {"", ""},
    {"# persons:\n", ""},
    {"persons: {}\n", "t.yaml:5:10: missing required key \"home_areas\" in persons\n"
                      "t.yaml:5:10: missing required key \"pathways\" in persons\n"
                      "t.yaml:5:10: missing required key \"rules\" in persons\n"},
    {"persons: []\n", "t.yaml:5:10: \"persons\" must be a mapping, got a sequence\n"},
    {"persons:\n", "t.yaml:5:1: \"persons\" must be a mapping, got an empty value\n"},
    {"persons: yes\n", "t.yaml:5:10: \"persons\" must be a mapping, got \"yes\"\n"},
    {"persons: {home_areas: [x], rules: [{pathway: p}]}\n",
     "t.yaml:5:10: missing required key \"pathways\" in persons\n"},
};

static void run_persons_section_case(const void *arg)
{
    const struct text_case *tc = arg;
    char *text = textf(persons_section_tmpl, tc->text);
    struct plan *p = expect_plan(text, tc->error, UNIT_MATCH_ALL, tc->text);

    if (p != NULL) {
        assert_persons_defaults(&p->persons);
        plan_free(p);
    }
    free(text);
}

static void test_persons_defaults(void **state)
{
    (void)state;
    UNIT_CASES_RUN(persons_section_cases, run_persons_section_case);
}

/* With only the required keys, every other key has its default. */
static void test_persons_section_defaults(void **state)
{
    struct persons_case pc = {.extra = "# nothing more"};
    char *text = persons_text(&pc);
    struct plan *p = expect_plan(text, "", UNIT_MATCH_ALL, NULL);
    struct plan_persons pp;

    (void)state;
    pp = p->persons;
    assert_int_equal(pp.nhome_areas, 2);
    assert_int_equal(pp.npathways, 2);
    assert_int_equal(pp.nrules, 2);
    assert_false(pp.pathways[1].waitlist);
    assert_int_equal(pp.pathways[1].capacity, 0);
    assert_int_equal(pp.rules[1].age_max, -1);
    pp.home_areas = NULL; /* the rest must be the section's defaults */
    pp.nhome_areas = 0;
    pp.pathways = NULL;
    pp.npathways = 0;
    pp.rules = NULL;
    pp.nrules = 0;
    assert_persons_defaults(&pp);
    plan_free(p);
    free(text);
}

/* The name helpers for categories and vulnerabilities. */
static void test_persons_names(void **state)
{
    static const char *const cats[] = {"injured",  "survivor",  "witness",
                                       "bereaved", "responder", "other"};
    static const char *const vulns[] = {"child", "elderly", "disability", "migrant"};

    (void)state;
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(plan_category_from_name(cats[i]), 1 << i);
        assert_string_equal(plan_category_name(1u << i), cats[i]);
    }
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(plan_vulnerability_from_name(vulns[i]), 1 << i);
        assert_string_equal(plan_vulnerability_name(1u << i), vulns[i]);
    }
    assert_int_equal(plan_category_from_name("bereaved"), PLAN_CAT_BEREAVED);
    assert_int_equal(plan_category_from_name("Bereaved"), 0);
    assert_int_equal(plan_category_from_name("child"), 0);
    assert_int_equal(plan_category_from_name(""), 0);
    assert_int_equal(plan_category_from_name(NULL), 0);
    assert_int_equal(plan_vulnerability_from_name("migrant"), PLAN_VULN_MIGRANT);
    assert_int_equal(plan_vulnerability_from_name("injured"), 0);
    assert_int_equal(plan_vulnerability_from_name(NULL), 0);
    assert_null(plan_category_name(0));
    assert_null(plan_category_name(PLAN_CAT_INJURED | PLAN_CAT_WITNESS));
    assert_null(plan_category_name(1u << 6));
    assert_null(plan_vulnerability_name(0));
    assert_null(plan_vulnerability_name(1u << 4));
    assert_null(plan_vulnerability_name(3));
}

/* A valid plan whose "plan" mapping gets one more line (line 6). */
static const char head_tmpl[] = "plan:\n"
                                "  id: t\n"
                                "  name: T\n"
                                "  version: '1'\n"
                                "  ref_prefix: TT\n"
                                "  %s\n"
                                "levels: [{level: 1, name: L}]\n"
                                "hub: {name: H, lead_agency: a}\n"
                                "agencies: [{id: a, name: A, role: R, activate_level: 1,"
                                " contacts: [{name: C, channel: zmq, target: a}]}]\n";

/* A line of the head and its one message (without "t.yaml:"), or NULL. */
static const struct text_case head_cases[] = {
    {"retention_days: 1", NULL},
    {"retention_days: 0", "6:19: \"retention_days\" must be between 1 and 36500, got 0"},
    {"retention_days: 0x10", "6:19: \"retention_days\" must be an integer, got \"0x10\""},
    {"retention_days: 1.5", "6:19: \"retention_days\" must be an integer, got \"1.5\""},
    {"retention_days: 2147483648",
     "6:19: \"retention_days\" must be between 1 and 36500, got 2147483648"},
    {"ref_prefix: TT", "6:3: duplicate key \"ref_prefix\" (first defined at line 5)"},
    {"colour: blue", "6:3: unknown key \"colour\" in plan (expected one of: id, name, "
                     "version, ref_prefix, retention_days, declined_retention_days)"},
    {"Id: x", "6:3: unknown key \"Id\" in plan (expected one of: id, name, version, "
              "ref_prefix, retention_days, declined_retention_days)"},
    {"declined_retention_days: 90", NULL},
    {"declined_retention_days: 0", NULL},
    {"declined_retention_days: 2555", NULL},
    {"declined_retention_days: -1",
     "6:28: \"declined_retention_days\" must be between 0 and 36500, got -1"},
    {"declined_retention_days: 2556", "6:28: \"declined_retention_days\" (2556) must not be "
                                      "greater than \"retention_days\" (2555)"},
};

static void run_head_case(const void *arg)
{
    const struct text_case *hc = arg;
    char *text = textf(head_tmpl, hc->text);
    char *want = hc->error ? textf("t.yaml:%s\n", hc->error) : NULL;

    expect_errors(text, want ? want : "", hc->text);
    free(want);
    free(text);
}

static void test_head_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(head_cases, run_head_case);
}

/* Each string rule on the plan's name/id/version, via a one-line plan head. */
static const char string_tmpl[] = "plan: {id: %s, name: %s, version: %s, ref_prefix: %s}\n"
                                  "levels: [{level: 1, name: L}]\n"
                                  "hub: {name: H, lead_agency: a}\n"
                                  "agencies: [{id: a, name: A, role: R, activate_level: 1,"
                                  " contacts: [{name: C, channel: zmq, target: a}]}]\n";

struct string_case {
    const char *id, *name, *version, *prefix, *error;
};

static const struct string_case string_cases[] = {
    {"t", "T", "'1'", "TT", ""},
    {"a-0123456789012345678901234567890123456", "T", "x", "TT", ""},
    {"a-012345678901234567890123456789012345678", "T", "x", "TT",
     "t.yaml:1:12: \"id\" must be at most 40 characters\n"},
    {"'-'", "T", "x", "TT", ""},
    {"''", "T", "x", "TT", "t.yaml:1:12: \"id\" must not be empty\n"},
    {"a.b", "T", "x", "TT",
     "t.yaml:1:12: \"id\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got \"a.b\"\n"},
    {"t", "\"a\\tb\\nc\"", "x", "TT", ""},
    {"t", "\"a\\0b\"", "x", "TT", "t.yaml:1:21: \"name\" must not contain control characters\n"},
    {"t", "\"\\x7f\"", "x", "TT", "t.yaml:1:21: \"name\" must not contain control characters\n"},
    {"t", "\"\\u00e9t\\u00e9\"", "x", "TT", ""},
    {"t", "T", "{}", "TT", "t.yaml:1:33: \"version\" must be a string, got a mapping\n"},
    {"t", "T", "'1'", "T",
     "t.yaml:1:50: \"ref_prefix\" must be 2 to 8 capital letters A-Z, "
     "got \"T\"\n"},
    {"t", "T", "'1'", "ABCDEFGHI", "t.yaml:1:50: \"ref_prefix\" must be at most 8 characters\n"},
    {"t", "T", "'1'", "ÄB",
     "t.yaml:1:50: \"ref_prefix\" must be 2 to 8 capital letters A-Z, "
     "got \"ÄB\"\n"},
};

static void run_string_case(const void *arg)
{
    const struct string_case *sc = arg;
    char *text = textf(string_tmpl, sc->id, sc->name, sc->version, sc->prefix);

    expect_errors(text, sc->error, text);
    free(text);
}

static void test_string_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(string_cases, run_string_case);
}

/* Long values are quoted back cut short, with escapes for odd characters. */
static void test_message_quoting(void **state)
{
    char *text, *got, long_id[200];
    int rc;

    (void)state;
    memset(long_id, 'x', sizeof(long_id));
    long_id[sizeof(long_id) - 1] = '\0';
    long_id[0] = 'X';
    text = textf(head_tmpl, "retention_days: \"a\\\"b\\\\c\\u0001\"");
    expect_errors(text,
                  "t.yaml:6:19: \"retention_days\" must be an integer without quotes, got "
                  "\"a\\\"b\\\\c\\x01\"\n",
                  NULL);
    free(text);
    text = textf("plan: {id: %s}\n", long_id);
    got = load_text(text, NULL, &rc);
    assert_non_null(strstr(got, "\"id\" must be at most 40 characters"));
    free(got);
    free(text);
    text = textf(head_tmpl, "retention_days: ééééééééééééééééééééééééééééééééé"
                            "ééééééééééééééééééééééééééééééééééééé");
    expect_errors(text,
                  "t.yaml:6:19: \"retention_days\" must be an integer, got "
                  "\"éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé...\"\n",
                  NULL);
    free(text);
}

static const struct text_case structure_cases[] = {
    {"[]", "t.yaml:1:1: the plan must be a mapping, got a sequence\n"},
    {"just text", "t.yaml:1:1: the plan must be a mapping, got \"just text\"\n"},
    {"", "t.yaml:1:1: plan is empty\n"},
    {"\n\n# nothing\n", "t.yaml:1:1: plan is empty\n"},
    {"---\n...\n", "t.yaml:1:1: plan is empty\n"},
    {"{}", "t.yaml:1:1: missing required key \"plan\" in the plan file\n"
           "t.yaml:1:1: missing required key \"levels\" in the plan file\n"
           "t.yaml:1:1: missing required key \"hub\" in the plan file\n"
           "t.yaml:1:1: missing required key \"agencies\" in the plan file\n"},
    {"a: 1\n--- \nb: 2\n", "t.yaml:2:1: a plan file must hold a single YAML document\n"},
    {"a: [1, 2\n", "t.yaml:2:1: YAML syntax error: did not find expected ',' or ']'\n"},
    {"a: b\n c: d\n",
     "t.yaml:2:3: YAML syntax error: mapping values are not allowed in this context\n"},
    {"a: \"\\q\"\n", "t.yaml:1:5: YAML syntax error: found unknown escape character\n"},
    {"a: 1\nb: \xc3\x28\n", "t.yaml:2:5: YAML syntax error: invalid trailing UTF-8 octet\n"},
    {"a: &x 1\n", "t.yaml:1:4: anchors and aliases are not allowed\n"},
    {"a: *x\n", "t.yaml:1:4: anchors and aliases are not allowed\n"},
    {"&x a: 1\n", "t.yaml:1:1: anchors and aliases are not allowed\n"},
    {"a: !foo 1\n", "t.yaml:1:4: tags are not allowed\n"},
    {"--- !!map\na: 1\n", "t.yaml:1:5: tags are not allowed\n"},
    {"a: [[[[[[[1]]]]]]]\n", /* depth 8: structure is fine */
     "t.yaml:1:1: unknown key \"a\" in the plan file (expected one of: plan, levels, "
     "hub, agencies, paging, staffing, persons, command, import, public, cap, exchange, sitrep)\n"
     "t.yaml:1:1: missing required key \"plan\" in the plan file\n"
     "t.yaml:1:1: missing required key \"levels\" in the plan file\n"
     "t.yaml:1:1: missing required key \"hub\" in the plan file\n"
     "t.yaml:1:1: missing required key \"agencies\" in the plan file\n"},
    {"a: [[[[[[[[1]]]]]]]]\n", "t.yaml:1:11: nesting deeper than 8 levels\n"},
};

static void run_structure_case(const void *arg)
{
    const struct text_case *tc = arg;

    expect_errors(tc->text, tc->error, tc->text);
}

static void test_structure_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(structure_cases, run_structure_case);
}

/* Cross-reference rules are skipped when the referenced part is itself
 * broken, so one mistake gives one message. */
static const char reference_tmpl[] = "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
                                     "levels: [%s]\n"
                                     "hub: {name: H, lead_agency: %s}\n"
                                     "agencies:\n"
                                     "  - {id: %s, name: A, role: R, activate_level: %s, contacts: "
                                     "[{name: C, channel: zmq, target: a}]}\n";

struct reference_case {
    const char *levels, *lead, *id, *activate, *error;
};

static const struct reference_case reference_cases[] = {
    {"{level: 1, name: L}", "a", "a", "1", ""},
    {"{level: 1, name: L}", "b", "a", "1",
     "t.yaml:3:29: hub lead_agency \"b\" is not an agency in this plan\n"},
    {"{level: 1, name: L}", "b", "A", "1",
     "t.yaml:5:10: \"id\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got \"A\"\n"},
    {"{level: 1, name: L}", "B", "a", "1",
     "t.yaml:3:29: \"lead_agency\" must be 1 to 40 characters from a-z, 0-9 and \"-\", got "
     "\"B\"\n"},
    {"{level: 1, name: L}", "a", "a", "2",
     "t.yaml:5:47: agency \"a\": activate_level 2 is not a level defined in this plan\n"},
    {"{level: x, name: L}", "a", "a", "2",
     "t.yaml:2:18: \"level\" must be an integer, got \"x\"\n"},
    {"{level: 1, name: L}, {level: 1, name: M}", "a", "a", "1",
     "t.yaml:2:39: level 1 is defined twice (first at line 2)\n"},
    {"{level: 2, name: L}, {level: 1, name: M}", "a", "a", "1",
     "t.yaml:2:39: level 1 comes after level 2: levels must be listed in increasing order\n"},
    {"{level: 1, name: L}, {level: 10, name: M}, {level: 2, name: N}", "a", "a", "2",
     "t.yaml:2:39: \"level\" must be between 1 and 9, got 10\n"},
    {"", "a", "a", "1", "t.yaml:2:9: \"levels\" must have between 1 and 9 items, got 0\n"},
};

static void run_reference_case(const void *arg)
{
    const struct reference_case *rc = arg;
    char *text = textf(reference_tmpl, rc->levels, rc->lead, rc->id, rc->activate);

    expect_errors(text, rc->error, text);
    free(text);
}

static void test_reference_rules(void **state)
{
    (void)state;
    UNIT_CASES_RUN(reference_cases, run_reference_case);
}

static void test_too_many_errors(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char text[2000];
    size_t o = 0;

    (void)state;
    for (int i = 0; i < 60; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "k%d: 1\n", i);
    assert_int_equal(plan_load_buffer("t.yaml", text, o, &p, &errs), -EINVAL);
    assert_int_equal(errs.count, PLAN_MAX_ERRORS + 1);
    assert_string_equal(errs.msg[0], "t.yaml:1:1: unknown key \"k0\" in the plan file (expected "
                                     "one of: plan, levels, hub, agencies, paging, staffing, "
                                     "persons, command, import, public, cap, exchange, sitrep)");
    assert_string_equal(
        errs.msg[PLAN_MAX_ERRORS - 1],
        "t.yaml:50:1: unknown key \"k49\" in the plan file (expected one of: "
        "plan, levels, hub, agencies, paging, staffing, persons, command, import, public, cap, "
        "exchange, sitrep)");
    assert_string_equal(errs.msg[PLAN_MAX_ERRORS],
                        "t.yaml: too many errors, only the first 50 are shown");
    plan_errors_free(&errs);
    assert_int_equal(errs.count, 0);
    assert_null(errs.msg);
}

/* Errors from several loads accumulate in one plan_errors. */
static void test_errors_accumulate(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;

    (void)state;
    assert_int_equal(plan_load_buffer("a.yaml", "", 0, &p, &errs), -EINVAL);
    assert_int_equal(plan_load_buffer("b.yaml", "[", 1, &p, &errs), -EINVAL);
    assert_int_equal(errs.count, 2);
    assert_string_equal(errs.msg[0], "a.yaml:1:1: plan is empty");
    assert_string_equal(errs.msg[1],
                        "b.yaml:2:1: YAML syntax error: did not find expected node content");
    plan_errors_free(&errs);
    plan_errors_free(&errs); /* harmless twice */
    plan_errors_free(NULL);
}

/* ---- hostile input -------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_oversize_buffer(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    size_t len = PLAN_MAX_BYTES + 1;
    char *buf = malloc(len);

    (void)state;
    memset(buf, '#', len);
    assert_int_equal(plan_load_buffer("big.yaml", buf, len, &p, &errs), -EFBIG);
    assert_null(p);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.msg[0], "big.yaml: file is larger than 1048576 bytes");
    plan_errors_free(&errs);
    free(buf);
}

/* A valid plan padded with a comment to exactly PLAN_MAX_BYTES loads. */
static void test_max_size_ok(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *path = path_of(plans_dir, "good-minimal.yaml");
    char *text = read_text(path);
    size_t len = strlen(text);
    char *buf = malloc(PLAN_MAX_BYTES);

    (void)state;
    memcpy(buf, text, len);
    memset(buf + len, 'x', PLAN_MAX_BYTES - len);
    buf[len] = '#';
    buf[PLAN_MAX_BYTES - 1] = '\n';
    assert_int_equal(plan_load_buffer("max.yaml", buf, PLAN_MAX_BYTES, &p, &errs), 0);
    plan_free(p);
    free(buf);
    free(text);
    free(path);
}

static void test_oversize_file(void **state)
{
    char dir[] = "/tmp/test_plan.XXXXXX";
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *path, *msg = NULL;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    path = path_of(dir, "big.yaml");
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fseek(f, PLAN_MAX_BYTES, SEEK_SET), 0); /* sparse: size max + 1 */
    fputc('\n', f);
    fclose(f);
    assert_int_equal(plan_load_file(path, &p, &errs), -EFBIG);
    assert_true(asprintf(&msg, "%s: file is larger than 1048576 bytes", path) > 0);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.msg[0], msg);
    plan_errors_free(&errs);
    unlink(path);
    rmdir(dir);
    free(msg);
    free(path);
}

static void test_unreadable_files(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *msg = NULL;

    (void)state;
    assert_int_equal(plan_load_file("/nonexistent/plan.yaml", &p, &errs), -ENOENT);
    assert_int_equal(plan_load_file(plans_dir, &p, &errs), -EINVAL);
    assert_null(p);
    assert_int_equal(errs.count, 2);
    assert_string_equal(errs.msg[0], "/nonexistent/plan.yaml: cannot open: No such file or "
                                     "directory");
    assert_true(asprintf(&msg, "%s: not a regular file", plans_dir) > 0);
    assert_string_equal(errs.msg[1], msg);
    plan_errors_free(&errs);
    free(msg);
}

/* 500000 opening brackets: refused at the ninth, without building more. */
static void test_deep_nesting(void **state)
{
    size_t depth = 500000;
    char *buf = malloc(depth + 3);
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    double t0 = now();

    (void)state;
    memcpy(buf, "a: ", 3);
    memset(buf + 3, '[', depth);
    assert_int_equal(plan_load_buffer("deep.yaml", buf, depth + 3, &p, &errs), -EINVAL);
    assert_true(now() - t0 < 2.0);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.msg[0], "deep.yaml:1:11: nesting deeper than 8 levels");
    plan_errors_free(&errs);
    free(buf);
}

/* The classic "billion laughs", scaled to 1 MiB of aliases. */
static void test_billion_laughs(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    char *buf = malloc(PLAN_MAX_BYTES);
    size_t o = 0;
    double t0;

    (void)state;
    o += (size_t)sprintf(buf, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; o + 100 < PLAN_MAX_BYTES; i++)
        o += (size_t)sprintf(buf + o, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i - 1,
                             i - 1, i - 1, i - 1, i - 1);
    t0 = now();
    assert_int_equal(plan_load_buffer("lol.yaml", buf, o, &p, &errs), -EINVAL);
    assert_true(now() - t0 < 1.0);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.msg[0], "lol.yaml:1:5: anchors and aliases are not allowed");
    plan_errors_free(&errs);
    free(buf);
}

/* Many small nodes: refused at the node limit, not by memory exhaustion. */
static void test_node_flood(void **state)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    size_t len = PLAN_MAX_BYTES;
    char *buf = malloc(len);

    (void)state;
    memcpy(buf, "a: [", 4);
    for (size_t i = 4; i + 1 < len; i += 2)
        memcpy(buf + i, "1,", 2);
    buf[len - 2] = '1';
    buf[len - 1] = ']';
    assert_int_equal(plan_load_buffer("flood.yaml", buf, len, &p, &errs), -EINVAL);
    assert_int_equal(errs.count, 1);
    assert_non_null(strstr(errs.msg[0], ": more than 200000 YAML nodes"));
    plan_errors_free(&errs);
    free(buf);
}

/* ---- queries and JSON ------------------------------------------------------ */

static void test_queries(void **state)
{
    struct plan *p = load_ok(plans_dir, "good-full.yaml");

    (void)state;
    assert_null(plan_agency_find(p, "nobody"));
    assert_ptr_equal(plan_agency_find(p, "red-cross"), &p->agencies[2]);
    assert_ptr_equal(plan_level_find(p, 3), &p->levels[1]);
    assert_null(plan_level_find(p, 2));
    assert_int_equal(plan_agencies_at_level(p, 0), 0);
    assert_int_equal(plan_agencies_at_level(p, 1), 1);
    assert_int_equal(plan_agencies_at_level(p, 2), 1);
    assert_int_equal(plan_agencies_at_level(p, 3), 2);
    assert_int_equal(plan_agencies_at_level(p, 9), 3);
    assert_string_equal(plan_channel_name(PLAN_CHANNEL_ZMQ), "zmq");
    assert_string_equal(plan_channel_name(PLAN_CHANNEL_EXEC), "exec");
    assert_string_equal(plan_channel_name(PLAN_CHANNEL_WEBHOOK), "webhook");
    assert_string_equal(plan_channel_name(PLAN_CHANNEL_EMAIL), "email");
    assert_string_equal(plan_channel_name((enum plan_channel)42), "unknown");
    plan_free(p);
    plan_free(NULL);
}

static void test_to_json(void **state)
{
    struct plan *p = load_ok(plans_dir, "good-full.yaml");
    json_t *j = plan_to_json(p), *a, *ct, *lv, *pg, *st;

    (void)state;
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "full-0");
    assert_string_equal(json_string_value(json_object_get(j, "name")), p->name);
    assert_string_equal(json_string_value(json_object_get(j, "version")), "2025.1-rc2");
    assert_string_equal(json_string_value(json_object_get(j, "ref_prefix")), "ABCDEFGH");
    assert_int_equal(json_integer_value(json_object_get(j, "retention_days")), 36500);
    lv = json_object_get(j, "levels");
    assert_int_equal(json_array_size(lv), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lv, 2), "level")), 7);
    assert_true(json_is_null(json_object_get(json_array_get(lv, 1), "description")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "hub"), "phone")),
                        "01223 000 999");
    a = json_array_get(json_object_get(j, "agencies"), 1);
    assert_string_equal(json_string_value(json_object_get(a, "id")), "mh-trust");
    assert_int_equal(json_integer_value(json_object_get(a, "activate_level")), 3);
    ct = json_array_get(json_object_get(a, "contacts"), 1);
    assert_string_equal(json_string_value(json_object_get(ct, "channel")), "webhook");
    assert_string_equal(json_string_value(json_object_get(ct, "target")),
                        "https://oncall.trust.example/muster?src=plan");
    assert_int_equal(json_integer_value(json_object_get(ct, "after_ms")), 30000);
    assert_int_equal(json_integer_value(json_object_get(ct, "repeat")), 10);
    assert_null(json_object_get(ct, "args"));  /* exec contacts only */
    assert_int_equal(json_object_size(j), 13); /* with command: null when the plan has none */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(j, "command"), "gold"), "name")),
                        "Gold commander");
    assert_true(json_is_null(json_object_get(j, "declined_retention_days"))); /* not set */
    assert_int_equal(json_object_size(a), 7); /* with activate_on_referral */
    assert_int_equal(json_array_size(json_object_get(a, "supplies")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "supplies"), 0)),
                        "mh-nurse");
    assert_int_equal(json_object_size(ct), 5);

    a = json_array_get(json_object_get(j, "agencies"), 0);
    ct = json_array_get(json_object_get(a, "contacts"), 1);
    assert_string_equal(json_string_value(json_object_get(ct, "channel")), "exec");
    assert_int_equal(json_integer_value(json_object_get(ct, "after_ms")), 90000);
    assert_int_equal(json_object_size(ct), 6);
    assert_int_equal(json_array_size(json_object_get(ct, "args")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ct, "args"), 1)),
                        "+44 1632 960000");
    ct = json_array_get(json_object_get(a, "contacts"), 3);
    assert_true(json_is_array(json_object_get(ct, "args")));
    assert_int_equal(json_array_size(json_object_get(ct, "args")), 0);
    assert_int_equal(json_integer_value(json_object_get(ct, "after_ms")), 500);

    pg = json_object_get(j, "paging");
    assert_int_equal(json_object_size(pg), 7);
    assert_int_equal(json_integer_value(json_object_get(pg, "ack_wait_ms")), 86400000);
    assert_int_equal(json_integer_value(json_object_get(pg, "exec_timeout_ms")), 600000);
    assert_int_equal(json_integer_value(json_object_get(pg, "webhook_timeout_ms")), 100);
    assert_int_equal(json_integer_value(json_object_get(pg, "webhook_retries")), 10);
    assert_int_equal(json_integer_value(json_object_get(pg, "webhook_backoff_ms")), 0);
    assert_string_equal(json_string_value(json_object_get(pg, "smtp_url")),
                        "smtps://mail.police.example:465");
    assert_string_equal(json_string_value(json_object_get(pg, "email_from")),
                        "muster@police.example");
    json_decref(j);
    plan_free(p);

    p = load_ok(plans_dir, "good-minimal.yaml");
    j = plan_to_json(p);
    assert_true(json_is_null(json_object_get(json_object_get(j, "hub"), "address")));
    pg = json_object_get(j, "paging");
    assert_int_equal(json_integer_value(json_object_get(pg, "ack_wait_ms")), 600000);
    assert_int_equal(json_integer_value(json_object_get(pg, "exec_timeout_ms")), 30000);
    assert_int_equal(json_integer_value(json_object_get(pg, "webhook_timeout_ms")), 10000);
    assert_int_equal(json_integer_value(json_object_get(pg, "webhook_retries")), 2);
    assert_int_equal(json_integer_value(json_object_get(pg, "webhook_backoff_ms")), 2000);
    assert_string_equal(json_string_value(json_object_get(pg, "smtp_url")), "smtp://localhost:25");
    assert_string_equal(json_string_value(json_object_get(pg, "email_from")), "muster@localhost");

    /* no staffing section: the defaults and empty lists, never null */
    a = json_array_get(json_object_get(j, "agencies"), 0);
    assert_true(json_is_array(json_object_get(a, "supplies")));
    assert_int_equal(json_array_size(json_object_get(a, "supplies")), 0);
    st = json_object_get(j, "staffing");
    assert_int_equal(json_object_size(st), 5);
    assert_int_equal(json_integer_value(json_object_get(st, "horizon_ms")), 259200000);
    assert_int_equal(json_integer_value(json_object_get(st, "ask_lead_ms")), 21600000);
    assert_true(json_is_array(json_object_get(st, "roles")));
    assert_int_equal(json_array_size(json_object_get(st, "roles")), 0);
    assert_true(json_is_array(json_object_get(st, "shifts")));
    assert_int_equal(json_array_size(json_object_get(st, "shifts")), 0);
    assert_true(json_is_array(json_object_get(st, "requirements")));
    assert_int_equal(json_array_size(json_object_get(st, "requirements")), 0);
    json_decref(j);
    plan_free(p);
}

/* The staffing section and supplies in JSON, compared whole. */
static void test_to_json_staffing(void **state)
{
    static const char want_staffing[] =
        "{\"horizon_ms\": 1209600000, \"ask_lead_ms\": 0, \"roles\": ["
        "{\"id\": \"call-handler\", \"name\": \"Call handler\"}, "
        "{\"id\": \"mh-nurse\", \"name\": \"Victim Pathfinder mental health nurse\"}, "
        "{\"id\": \"interpreter-polish\", \"name\": \"Interpreter (Polish – polski)\"}, "
        "{\"id\": \"team-leader\", \"name\": \"Team leader\"}], \"shifts\": ["
        "{\"id\": \"early\", \"name\": \"Early\", \"start_minute\": 0, \"length_ms\": 3600000, "
        "\"start\": \"00:00\"}, "
        "{\"id\": \"day\", \"name\": \"Day\", \"start_minute\": 510, \"length_ms\": 43200000, "
        "\"start\": \"08:30\"}, "
        "{\"id\": \"night\", \"name\": \"Night\", \"start_minute\": 1439, \"length_ms\": "
        "86400000, \"start\": \"23:59\"}, "
        "{\"id\": \"late\", \"name\": \"Late\", \"start_minute\": 840, \"length_ms\": 28800000, "
        "\"start\": \"14:00\"}], \"requirements\": ["
        "{\"level\": 4, \"need\": {\"call-handler\": 1000, \"mh-nurse\": 20, "
        "\"interpreter-polish\": 4, \"team-leader\": 2}}, "
        "{\"level\": 1, \"need\": {\"call-handler\": 4, \"mh-nurse\": 0, \"team-leader\": 1}}]}";
    static const char *const want_supplies[] = {
        "[\"call-handler\", \"team-leader\"]",
        "[\"mh-nurse\"]",
        "[\"interpreter-polish\", \"call-handler\"]",
        "[]",
        "[]",
    };
    struct plan *p = load_ok(plans_dir, "good-staffing.yaml");
    json_t *j = plan_to_json(p), *agencies = json_object_get(j, "agencies");
    char *got;

    (void)state;
    got = json_dumps(json_object_get(j, "staffing"), JSON_PRESERVE_ORDER);
    assert_string_equal(got, want_staffing);
    free(got);
    assert_int_equal(json_array_size(agencies), 5);
    for (size_t i = 0; i < 5; i++) {
        got = json_dumps(json_object_get(json_array_get(agencies, i), "supplies"), 0);
        assert_string_equal(got, want_supplies[i]);
        free(got);
    }
    json_decref(j);
    plan_free(p);
}

/* The persons section in JSON, compared whole; without the section,
 * defaults and empty lists. */
static void test_to_json_persons(void **state)
{
    static const char want_persons[] =
        "{\"home_areas\": [\"cambridge\", \"east-cambridgeshire\", \"fenland\", "
        "\"huntingdonshire\", \"south-cambridgeshire\", \"peterborough\", \"a\", \"0-9\"], "
        "\"explicit_consent\": [\"injured\", \"bereaved\"], \"referral_working_days\": 30, "
        "\"working_days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"], "
        "\"bank_holidays\": [\"2000-02-29\", \"2026-12-25\", \"2026-12-28\", \"2027-01-01\", "
        "\"2028-02-29\"], \"contact_attempts\": 10, \"screening\": {\"tsq_cutoff\": 10, "
        "\"tsq_min_days\": 0, \"phq9_cutoff\": 27, \"gad7_cutoff\": 21, \"rescreen\": "
        "[{\"instrument\": "
        "\"tsq\", \"days\": [1, 14, 30, 42, 90, 730]}], \"rescreen_grace_days\": 14}, "
        "\"pathways\": ["
        "{\"id\": \"crisis\", \"name\": \"Urgent crisis team\", \"provider\": \"nhs\", "
        "\"capacity\": 20, \"waitlist\": false, \"out_of_area\": false, \"overflow\": []}, "
        "{\"id\": \"therapy\", \"name\": \"Trauma-focused therapy – NHS Talking Therapies\", "
        "\"provider\": \"nhs\", \"capacity\": 100000, \"waitlist\": true, \"out_of_area\": "
        "false, \"overflow\": []}, "
        "{\"id\": \"young\", \"name\": \"Young victims\", \"provider\": \"young-victims\", "
        "\"capacity\": 0, \"waitlist\": false, \"out_of_area\": false, \"overflow\": []}, "
        "{\"id\": \"out-of-area\", \"name\": \"Out-of-area referral\", \"provider\": \"hub\", "
        "\"capacity\": 0, \"waitlist\": false, \"out_of_area\": true, \"overflow\": []}, "
        "{\"id\": \"monitor\", \"name\": \"Active monitoring\", \"provider\": \"hub\", "
        "\"capacity\": 0, \"waitlist\": false, \"out_of_area\": false, \"overflow\": []}], "
        "\"rules\": ["
        "{\"pathway\": \"crisis\", \"categories\": [], \"age_min\": null, \"age_max\": null, "
        "\"vulnerabilities\": [], \"languages\": null, \"home\": \"any\", \"screen\": \"any\", "
        "\"urgent\": true}, "
        "{\"pathway\": \"out-of-area\", \"categories\": [], \"age_min\": null, \"age_max\": "
        "null, \"vulnerabilities\": [], \"languages\": null, \"home\": \"out\", \"screen\": "
        "\"any\", \"urgent\": false}, "
        "{\"pathway\": \"young\", \"categories\": [\"injured\", \"survivor\", \"witness\", "
        "\"bereaved\", \"responder\", \"other\"], \"age_min\": 0, \"age_max\": 17, "
        "\"vulnerabilities\": [\"child\", \"elderly\", \"disability\", \"migrant\"], "
        "\"languages\": [\"pl\", \"lit\", \"ro\"], \"home\": \"in\", \"screen\": \"negative\", "
        "\"urgent\": false}, "
        "{\"pathway\": \"therapy\", \"categories\": [], \"age_min\": 130, \"age_max\": 130, "
        "\"vulnerabilities\": [], \"languages\": null, \"home\": \"any\", \"screen\": "
        "\"positive\", \"urgent\": false}, "
        "{\"pathway\": \"therapy\", \"categories\": [], \"age_min\": null, \"age_max\": null, "
        "\"vulnerabilities\": [], \"languages\": null, \"home\": \"any\", \"screen\": \"any\", "
        "\"urgent\": false}, "
        "{\"pathway\": \"monitor\", \"categories\": [], \"age_min\": null, \"age_max\": null, "
        "\"vulnerabilities\": [], \"languages\": null, \"home\": \"any\", \"screen\": \"any\", "
        "\"urgent\": false}], \"urgent_ack_ms\": 3600000, \"handoff_ack_ms\": 86400000, "
        "\"guardian_consent_under\": 0, \"neighbouring_hubs\": []}";
    static const char want_default[] =
        "{\"home_areas\": [], \"explicit_consent\": [], \"referral_working_days\": 2, "
        "\"working_days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], \"bank_holidays\": [], "
        "\"contact_attempts\": 3, \"screening\": {\"tsq_cutoff\": 6, \"tsq_min_days\": 28, "
        "\"phq9_cutoff\": 10, \"gad7_cutoff\": 10, \"rescreen\": [{\"instrument\": \"tsq\", "
        "\"days\": [30, 90, 180, 270]}], \"rescreen_grace_days\": 14}, "
        "\"pathways\": [], \"rules\": [], \"urgent_ack_ms\": 3600000, "
        "\"handoff_ack_ms\": 86400000, \"guardian_consent_under\": 0, \"neighbouring_hubs\": []}";
    struct plan *p = load_ok(plans_dir, "good-persons.yaml");
    json_t *j = plan_to_json(p);
    char *got;

    (void)state;
    got = json_dumps(json_object_get(j, "persons"), JSON_PRESERVE_ORDER);
    assert_string_equal(got, want_persons);
    free(got);
    json_decref(j);
    plan_free(p);

    p = load_ok(plans_dir, "good-minimal.yaml");
    j = plan_to_json(p);
    got = json_dumps(json_object_get(j, "persons"), JSON_PRESERVE_ORDER);
    assert_string_equal(got, want_default);
    free(got);
    json_decref(j);
    plan_free(p);
}

/* ---- plan sets ------------------------------------------------------------ */

#define SET_PLAN                                                                                   \
    "plan: {id: %s, name: T, version: '1', ref_prefix: TT}\n"                                      \
    "levels: [{level: 1, name: L}]\n"                                                              \
    "hub: {name: H, lead_agency: a}\n"                                                             \
    "agencies: [{id: a, name: A, role: R, activate_level: 1,"                                      \
    " contacts: [{name: C, channel: zmq, target: a}]}]\n"

static void write_plan(const char *dir, const char *name, const char *id)
{
    char *path = path_of(dir, name), *text = NULL;

    assert_true(asprintf(&text, SET_PLAN, id) > 0);
    write_text(path, text);
    free(text);
    free(path);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = path_of(dir, name);

    write_text(path, text);
    free(path);
}

static void remove_file(const char *dir, const char *name)
{
    char *path = path_of(dir, name);

    unlink(path);
    rmdir(path);
    free(path);
}

static void test_planset_dir(void **state)
{
    char dir[] = "/tmp/test_plan.XXXXXX";
    struct plan_errors errs = {0};
    struct planset *set = NULL;
    char *sub, *expect = NULL, *got;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(planset_load_dir(dir, &set, &errs), 0); /* empty is fine */
    assert_int_equal(set->count, 0);
    assert_null(planset_find(set, "x"));
    planset_free(set);
    set = NULL;

    write_plan(dir, "b.yaml", "beta");
    write_plan(dir, "a.yaml", "alpha");
    write_file(dir, "notes.txt", "not a plan");
    write_plan(dir, ".hidden.yaml", "alpha");
    sub = path_of(dir, "sub.yaml");
    assert_int_equal(mkdir(sub, 0700), 0);
    free(sub);
    assert_int_equal(planset_load_dir(dir, &set, &errs), 0);
    assert_int_equal(errs.count, 0);
    assert_int_equal(set->count, 2);
    assert_string_equal(set->plans[0]->id, "alpha");
    assert_string_equal(set->plans[1]->id, "beta");
    assert_ptr_equal(planset_find(set, "beta"), set->plans[1]);
    assert_null(planset_find(set, "gamma"));
    /* Each plan's JSON text, made once for the set: what plan_to_json
     * dumps, the same text at every later call, none for a plan of
     * another set. */
    for (size_t i = 0; i < set->count; i++) {
        json_t *j = plan_to_json(set->plans[i]);
        char *dumped = json_dumps(j, JSON_COMPACT);
        const char *text = planset_plan_json(set, set->plans[i]);
        assert_non_null(text);
        assert_string_equal(text, dumped);
        assert_ptr_equal(planset_plan_json(set, set->plans[i]), text);
        free(dumped);
        json_decref(j);
    }
    struct planset other = {set->plans, 1, NULL};
    assert_non_null(planset_plan_json(&other, set->plans[0]));
    assert_null(planset_plan_json(&other, set->plans[1]));
    free(other.json[0]);
    free(other.json);
    planset_free(set);

    /* a duplicate id and a broken file: all errors, no set */
    set = NULL;
    write_plan(dir, "c.yaml", "alpha");
    write_file(dir, "d.yaml", "plan: [\n");
    assert_int_equal(planset_load_dir(dir, &set, &errs), -EINVAL);
    assert_null(set);
    got = join_errors(&errs, NULL, NULL);
    assert_true(asprintf(&expect,
                         "%s/d.yaml:2:1: YAML syntax error: did not find expected node content\n"
                         "%s/c.yaml: plan id \"alpha\" is already used by %s/a.yaml\n",
                         dir, dir, dir) > 0);
    assert_string_equal(got, expect);
    plan_errors_free(&errs);
    free(got);
    free(expect);

    remove_file(dir, "a.yaml");
    remove_file(dir, "b.yaml");
    remove_file(dir, "c.yaml");
    remove_file(dir, "d.yaml");
    remove_file(dir, ".hidden.yaml");
    remove_file(dir, "notes.txt");
    remove_file(dir, "sub.yaml");
    assert_int_equal(rmdir(dir), 0);
}

static void test_planset_missing_dir(void **state)
{
    struct plan_errors errs = {0};
    struct planset *set = NULL;

    (void)state;
    assert_int_equal(planset_load_dir("/nonexistent/plans", &set, &errs), -ENOENT);
    assert_null(set);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.msg[0],
                        "/nonexistent/plans: cannot open directory: No such file or directory");
    plan_errors_free(&errs);
}

static void test_planset_real_dir(void **state)
{
    struct plan_errors errs = {0};
    struct planset *set = NULL;

    (void)state;
    assert_int_equal(planset_load_dir(real_dir, &set, &errs), 0);
    assert_int_equal(errs.count, 0);
    assert_true(set->count >= 2);
    assert_non_null(planset_find(set, "cambridgeshire"));
    assert_non_null(planset_find(set, "example"));
    for (size_t i = 1; i < set->count; i++)
        assert_true(strcmp(set->plans[i - 1]->path, set->plans[i]->path) < 0);
    planset_free(set);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_minimal),
        cmocka_unit_test(test_good_full),
        cmocka_unit_test(test_good_staffing),
        cmocka_unit_test(test_good_persons),
        cmocka_unit_test(test_good_files_all_load),
        cmocka_unit_test(test_source_kept),
        cmocka_unit_test(test_buffer_not_terminated),
        cmocka_unit_test(test_real_plans),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_contact_rules),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_paging_defaults),
        cmocka_unit_test(test_paging_structure),
        cmocka_unit_test(test_cap_section),
        cmocka_unit_test(test_paging_rules),
        cmocka_unit_test(test_staffing_rules),
        cmocka_unit_test(test_shift_start),
        cmocka_unit_test(test_staffing_defaults),
        cmocka_unit_test(test_supplies_without_staffing),
        cmocka_unit_test(test_persons_rules),
        cmocka_unit_test(test_bank_holidays),
        cmocka_unit_test(test_bank_holidays_sorted),
        cmocka_unit_test(test_holidays_file),
        cmocka_unit_test(test_holidays_file_at),
        cmocka_unit_test(test_holidays_file_errors),
        cmocka_unit_test(test_holidays_shipped),
        cmocka_unit_test(test_holidays_horizon),
        cmocka_unit_test(test_rescreen),
        cmocka_unit_test(test_persons_defaults),
        cmocka_unit_test(test_persons_section_defaults),
        cmocka_unit_test(test_persons_names),
        cmocka_unit_test(test_head_rules),
        cmocka_unit_test(test_string_rules),
        cmocka_unit_test(test_message_quoting),
        cmocka_unit_test(test_structure_rules),
        cmocka_unit_test(test_reference_rules),
        cmocka_unit_test(test_too_many_errors),
        cmocka_unit_test(test_errors_accumulate),
        cmocka_unit_test(test_oversize_buffer),
        cmocka_unit_test(test_max_size_ok),
        cmocka_unit_test(test_oversize_file),
        cmocka_unit_test(test_unreadable_files),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_node_flood),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_to_json_staffing),
        cmocka_unit_test(test_to_json_persons),
        cmocka_unit_test(test_planset_dir),
        cmocka_unit_test(test_planset_missing_dir),
        cmocka_unit_test(test_planset_real_dir),
    };

    if (argc > 1)
        plans_dir = argv[1];
    if (argc > 2)
        real_dir = argv[2];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
