/*
 * tests/test_plan_format.c - unit tests for common/plan_format.c: the
 * schema tables themselves, walked from plan_root_schema, against what
 * the walker (plan_walk.c, plan_value.c) takes for granted in them.
 *
 * plan_load_mapping keeps one slot per key (SCHEMA_MAX_FIELDS); messages
 * list a schema's keys or a field's names in NAMES_TEXT_MAX bytes; each
 * loader reads a field's sub-schema, names, counts and default as its kind
 * says, and an absent optional key gets its default unchecked.  A table
 * that breaks one of these loads wrongly, or cuts a message short, only
 * for the plans that use that key; here every table is checked whatever
 * plans exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan_int.h"

/* The length of "a, b, c" for n strings of total length chars. */
static size_t list_len(size_t n, size_t chars)
{
    return chars + (n > 0 ? 2 * (n - 1) : 0);
}

static const char *keys_problem(const struct schema *s)
{
    size_t chars = 0;

    if (s->nfields == 0 || s->nfields > SCHEMA_MAX_FIELDS)
        return "has no keys, or more than SCHEMA_MAX_FIELDS";
    for (size_t i = 0; i < s->nfields; i++) {
        if (s->fields[i].key == NULL || s->fields[i].key[0] == '\0')
            return "has a key without a name";
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->fields[i].key, s->fields[j].key) == 0)
                return "lists a key twice";
        chars += strlen(s->fields[i].key);
    }
    if (list_len(s->nfields, chars) >= NAMES_TEXT_MAX)
        return "has more keys than fit in an \"unknown key\" message";
    return NULL;
}

static const char *names_problem(const struct field *f)
{
    size_t chars = 0;

    if (f->names == NULL || f->names->n == 0)
        return "has no names";
    for (size_t i = 0; i < f->names->n; i++)
        chars += strlen(f->names->v[i]);
    if (list_len(f->names->n, chars) >= NAMES_TEXT_MAX)
        return "has more names than fit in a message";
    if (f->kind == K_CHOICE) {
        for (size_t i = 0; i < f->names->n; i++)
            if (f->names->values != NULL && f->names->values[i] == f->def)
                return NULL;
        return "has no values, or a default that is not one of them";
    }
    if (f->names->n > 32 || (size_t)f->max > f->names->n)
        return "has more names than bits, or allows more items than names";
    return (uint64_t)(unsigned)f->def >> f->names->n ? "has a default outside its names" : NULL;
}

/* Lists: sequences, strings, needs and days keep a count. */
static const char *list_problem(const struct field *f)
{
    if (f->min < 0 || f->min > f->max)
        return "has a count range that is empty or negative";
    if (f->count_off == f->off)
        return "keeps its count where its items go";
    if (f->kind == K_SEQUENCE)
        return f->sub == NULL || f->sub->size == 0 ? "has no item schema" : NULL;
    if (f->item_max <= 0)
        return "has no item limit";
    if (f->kind == K_NEEDS && f->check == NULL)
        return "has no check of its keys";
    if (f->kind == K_RESCREEN && (f->sub == NULL || f->sub->size != sizeof(struct plan_rescreen)))
        return "has no schema of struct plan_rescreen for its mappings";
    return NULL;
}

/* An optional K_DAYS list's default: increasing days within the limits. */
static const char *days_default_problem(const struct field *f)
{
    int n = 0, last = 0;

    if (f->ldef == NULL)
        return "has no default list";
    for (; f->ldef[n] != 0; last = f->ldef[n++])
        if (f->ldef[n] <= last || f->ldef[n] > f->item_max)
            return "has a default list out of order or out of range";
    return n < f->min || n > f->max ? "has a default list of the wrong length" : NULL;
}

static const char *default_problem(const struct field *f)
{
    if (f->required)
        return f->def != 0 || f->sdef != NULL || f->ldef != NULL ? "is required with a default"
                                                                 : NULL;
    if (f->kind == K_STRING && f->sdef != NULL) {
        if (strlen(f->sdef) > (size_t)f->max || (f->check != NULL && f->check(f->sdef) != NULL))
            return "has a default that its own rules refuse";
    } else if (f->kind == K_INT || f->kind == K_DURATION) {
        bool unset = f->kind == K_INT && f->def == -1; /* "no value", as age bounds */
        if (!unset && (f->def < f->min || f->def > f->max))
            return "has a default out of its range";
    } else if (f->kind == K_DAYS || f->kind == K_RESCREEN) {
        return days_default_problem(f);
    }
    return NULL;
}

/* What is wrong with a field, or NULL. */
static const char *field_problem(const struct field *f)
{
    const char *p = default_problem(f);

    if (p != NULL)
        return p;
    switch (f->kind) {
    case K_MAPPING:
        return f->sub == NULL ? "has no schema" : NULL;
    case K_SEQUENCE:
    case K_STRINGS:
    case K_HOLIDAYS:
    case K_SENDERS:
    case K_NEEDS:
    case K_DAYS:
    case K_RESCREEN:
        return list_problem(f);
    case K_CHOICE:
    case K_FLAGS:
        return names_problem(f);
    case K_STRING:
    case K_INT:
    case K_DURATION:
        return f->min > f->max ? "has an empty range" : NULL;
    case K_TIME:
    case K_CHANNEL:
    case K_BOOL:
        return NULL;
    }
    return "has an unknown kind";
}

/* The YAML nesting a field's value needs below its mapping: a sequence of
 * mappings two levels, a mapping or a list one. */
static int field_depth(const struct field *f)
{
    switch (f->kind) {
    case K_SEQUENCE:
    case K_SENDERS:
    case K_RESCREEN:
        return 2;
    case K_MAPPING:
    case K_STRINGS:
    case K_HOLIDAYS:
    case K_NEEDS:
    case K_FLAGS:
    case K_DAYS:
        return 1;
    default:
        return 0;
    }
}

/* Check s, a mapping at YAML nesting depth, and every schema below it. */
static void check_schema(const struct schema *s, int depth)
{
    const char *p = keys_problem(s);

    if (p != NULL)
        print_error("schema \"%s\" %s\n", s->what, p);
    assert_null(p);
    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *f = &s->fields[i];
        if ((p = field_problem(f)) == NULL && depth + field_depth(f) > PLAN_MAX_DEPTH)
            p = "nests deeper than a plan may (PLAN_MAX_DEPTH)";
        if (p != NULL)
            print_error("schema \"%s\", key \"%s\" %s\n", s->what, f->key, p);
        assert_null(p);
        if (f->sub != NULL)
            check_schema(f->sub, depth + field_depth(f));
    }
}

/* Every table of the format, from the root (a mapping at depth 1) down:
 * the plan file, its head, levels, hub, agencies and their contacts,
 * paging, staffing (roles, shifts, requirements) and persons (screening,
 * pathways, rules); and the holiday files bank_holidays may name. */
static void test_tables(void **state)
{
    (void)state;
    assert_string_equal(plan_root_schema.what, "the plan file");
    check_schema(&plan_root_schema, 1);
    check_schema(&plan_holiday_file_schema, 1); /* a file of its own */
}

/* The name sets of plan_format.c are the ones the public look-ups use. */
static void test_name_sets(void **state)
{
    (void)state;
    assert_int_equal(plan_category_set.n, 6);
    assert_int_equal(plan_vulnerability_set.n, 4);
    assert_int_equal(plan_weekday_set.n, 7);
    for (unsigned i = 0; i < plan_category_set.n; i++)
        assert_string_equal(plan_category_name(1u << i), plan_category_set.v[i]);
    for (unsigned i = 0; i < plan_vulnerability_set.n; i++)
        assert_string_equal(plan_vulnerability_name(1u << i), plan_vulnerability_set.v[i]);
    assert_string_equal(plan_weekday_set.v[0], "sun");
    assert_non_null(plan_home_set.values);
    assert_non_null(plan_screen_set.values);
    assert_int_equal(plan_instrument_set.n, 3);
    for (int i = 0; i < (int)plan_instrument_set.n; i++)
        assert_string_equal(plan_instrument_name(plan_instrument_set.values[i]),
                            plan_instrument_set.v[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_name_sets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
