/*
 * common/plan_walk.c - plans, pass 2: the generic schema walker.
 *
 * plan_load_mapping fills a struct from a mapping node by its schema (the
 * tables of plan_format.c): each key is looked up in the schema's fields
 * and its value handed to the loader of the field's kind; unknown,
 * duplicate and non-string keys are reported, absent required keys too,
 * and absent optional ones get their defaults.  The kinds that hold other
 * nodes (mappings, sequences of mappings, lists of strings, names or days,
 * and "id: count" needs) are loaded here; the scalars in plan_value.c.
 *
 * An item that fails leaves its slot zeroed (NULL, 0) and the walk goes
 * on, so one load reports every problem of the file; the cross-checks of
 * plan_xref.c treat a zeroed slot as already reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Where to report a bad value: an empty value has no position of its own
 * (libyaml marks the next token), so use its key. */
static const yaml_mark_t *value_mark(const struct node *key, const struct node *val)
{
    if (key != NULL && val->type == NODE_SCALAR && val->plain && val->len == 0)
        return &key->mark;
    return &val->mark;
}

/* ---- lists -------------------------------------------------------------- */

/* Sequences (of strings or of mappings) hold min..max items. */
static bool sequence_ok(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                        const struct node *v)
{
    char sbuf[SHOW_BUF];

    if (v->type != NODE_SEQUENCE) {
        plan_fail(c, at, "\"%s\" must be a sequence, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
        return false;
    }
    if (v->nkids < (size_t)f->min || v->nkids > (size_t)f->max) {
        plan_fail(c, at, "\"%s\" must have between %d and %d items, got %zu", f->key, f->min,
                  f->max, v->nkids);
        return false;
    }
    return true;
}

/* Report each item of a list that repeats an earlier one, at the repeat. */
static void fail_repeat(struct ctx *c, const struct field *f, const struct node *seq, size_t i,
                        size_t first)
{
    char sbuf[SHOW_BUF];

    plan_fail(c, &seq->kids[i]->mark, "\"%s\" lists %s twice (first at line %zu)", f->key,
              plan_show(seq->kids[i], sbuf, sizeof(sbuf)), seq->kids[first]->mark.line + 1);
}

/* The strings loaded from seq (NULL where in error) are all different. */
static void strings_check_unique(struct ctx *c, const struct field *f, const struct node *seq,
                                 char *const *arr)
{
    for (size_t i = 0; i < seq->nkids; i++) {
        for (size_t j = 0; arr[i] != NULL && j < i; j++) {
            if (arr[j] != NULL && strcmp(arr[i], arr[j]) == 0) {
                fail_repeat(c, f, seq, i, j);
                break;
            }
        }
    }
}

/* A sequence of strings becomes a NULL-terminated array at off, with its
 * count at count_off; each item follows the string rules, at most
 * f->item_max characters, and with f->unique appears once.  With senders
 * (K_SENDERS, obj a struct plan_cap) an item may also be a {sender,
 * certificate} mapping (plan_cert.c). */
static void load_string_list(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                             const struct node *v, void *obj, bool senders)
{
    char what[64];
    char **arr;

    if (!sequence_ok(c, f, at, v))
        return;
    if ((arr = calloc(v->nkids + 1, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    *(char ***)at_off(obj, f->off) = arr;
    *(size_t *)at_off(obj, f->count_off) = v->nkids;
    snprintf(what, sizeof(what), "each item of \"%s\"", f->key);
    for (size_t i = 0; i < v->nkids; i++)
        arr[i] = senders && v->kids[i]->type == NODE_MAPPING
                     ? plan_cert_sender(c, f, v->kids[i], i, obj)
                     : plan_string_value(c, what, f, f->item_max, &v->kids[i]->mark, v->kids[i]);
    if (f->unique)
        strings_check_unique(c, f, v, arr);
}

static void load_strings(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                         const struct node *v, void *obj)
{
    load_string_list(c, f, at, v, obj, false);
}

static void load_senders(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                         const struct node *v, void *obj)
{
    load_string_list(c, f, at, v, obj, true);
}

/* Bank holidays: a list of dates, or the name of a holiday file (an
 * empty value is no name: reported as a list would be). */
static void load_holidays(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                          const struct node *v, void *obj)
{
    if (v->type == NODE_SCALAR && v->len > 0)
        plan_holidays_ref(c, f, at, v, obj);
    else
        load_strings(c, f, at, v, obj);
}

/* A list of names becomes a bit set: bit i for name i, each name once. */
static void load_flags(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF], list[NAMES_TEXT_MAX];
    unsigned bits = 0;

    if (!sequence_ok(c, f, at, v))
        return;
    for (size_t k = 0; k < v->nkids; k++) {
        int i = plan_names_find(f->names, v->kids[k]);
        size_t j = 0;
        if (i < 0) {
            plan_fail(c, &v->kids[k]->mark, "each item of \"%s\" must be one of %s, got %s", f->key,
                      plan_names_join(f->names, list, sizeof(list)),
                      plan_show(v->kids[k], sbuf, sizeof(sbuf)));
            continue;
        }
        while (bits & (1u << i) && plan_names_find(f->names, v->kids[j]) != i)
            j++;
        if (bits & (1u << i))
            fail_repeat(c, f, v, k, j);
        bits |= 1u << i;
    }
    *(unsigned *)at_off(obj, f->off) = bits;
}

/* A list of days after an event becomes an int array at off (count at
 * count_off), each item later than the one before. */
static void load_days(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                      const struct node *v, void *obj)
{
    int *arr, last = 0;
    size_t lastk = 0;

    if (!sequence_ok(c, f, at, v))
        return;
    if ((arr = calloc(v->nkids ? v->nkids : 1, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    memcpy(at_off(obj, f->off), &arr, sizeof(arr));
    *(size_t *)at_off(obj, f->count_off) = v->nkids;
    for (size_t k = 0; k < v->nkids; k++) {
        if ((arr[k] = plan_days_item(c, f, v->kids[k])) == 0)
            continue;
        if (arr[k] <= last)
            plan_fail(
                c, &v->kids[k]->mark,
                "each item of \"%s\" must be later than the one before, got %s (%d days) after "
                "%s (%d days)",
                f->key, v->kids[k]->value, arr[k], v->kids[lastk]->value, last);
        last = arr[k];
        lastk = k;
    }
}

/* The default of an optional K_DAYS list: a copy of f->ldef. */
static void days_default(struct ctx *c, const struct field *f, void *obj)
{
    size_t n = 0;
    int *arr;

    while (f->ldef[n] != 0)
        n++;
    if ((arr = calloc(n ? n : 1, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    memcpy(arr, f->ldef, n * sizeof(*arr));
    memcpy(at_off(obj, f->off), &arr, sizeof(arr));
    *(size_t *)at_off(obj, f->count_off) = n;
}

static void load_sequence(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                          const struct node *v, void *obj);

/* One TSQ re-screening from a plain list of times (days as load_days, or
 * f->ldef when days is NULL): the form plans had before re-screening
 * named its instruments, and frozen plans keep. */
static void rescreen_tsq(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                         const struct node *days, void *obj)
{
    struct field list = *f;
    struct plan_rescreen *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    r->instrument = PLAN_TSQ;
    memcpy(at_off(obj, f->off), &r, sizeof(r));
    *(size_t *)at_off(obj, f->count_off) = 1;
    list.off = offsetof(struct plan_rescreen, days);
    list.count_off = offsetof(struct plan_rescreen, ndays);
    if (days != NULL)
        load_days(c, &list, at, days, r);
    else
        days_default(c, &list, r);
}

/* Re-screening: a list of times is the TSQ's ("rescreen: [1m, 3m]"); a
 * list of mappings names each instrument ("- {instrument: phq9, after:
 * [3m, 6m]}"), checked once loaded (plan_post_screening). */
static void load_rescreen(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                          const struct node *v, void *obj)
{
    if (v->type == NODE_SEQUENCE && v->nkids > 0 && v->kids[0]->type == NODE_SCALAR)
        rescreen_tsq(c, f, at, v, obj);
    else
        load_sequence(c, f, at, v, obj);
}

/* ---- mappings ----------------------------------------------------------- */

static void load_submapping(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                            const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];

    if (v->type != NODE_MAPPING)
        plan_fail(c, at, "\"%s\" must be a mapping, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        plan_load_mapping(c, f->sub, v, at_off(obj, f->off));
}

/* A sequence of mappings becomes an array of f->sub->size structs;
 * item i of the array always matches item i of the node. */
static void load_sequence(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                          const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    char *arr;

    if (!sequence_ok(c, f, at, v))
        return;
    if ((arr = calloc(v->nkids, f->sub->size)) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    memcpy(at_off(obj, f->off), &arr, sizeof(arr));
    *(size_t *)at_off(obj, f->count_off) = v->nkids;
    for (size_t i = 0; i < v->nkids; i++) {
        const struct node *item = v->kids[i];
        if (item->type != NODE_MAPPING)
            plan_fail(c, &item->mark, "each item of \"%s\" must be a mapping, got %s", f->key,
                      plan_show(item, sbuf, sizeof(sbuf)));
        else
            plan_load_mapping(c, f->sub, item, arr + i * f->sub->size);
    }
}

/* False (and reported) if the key of entry i of a needs mapping repeats
 * the key of an earlier entry. */
static bool need_key_unique(struct ctx *c, const struct node *map, size_t i)
{
    const struct node *key = map->kids[2 * i];
    char sbuf[SHOW_BUF];

    for (size_t j = 0; j < i; j++) {
        const struct node *prev = map->kids[2 * j];
        if (prev->type == NODE_SCALAR && key->type == NODE_SCALAR && prev->len == key->len &&
            memcmp(prev->value, key->value, key->len) == 0) {
            plan_fail(c, &key->mark, "duplicate key %s (first defined at line %zu)",
                      plan_show(key, sbuf, sizeof(sbuf)), prev->mark.line + 1);
            return false;
        }
    }
    return true;
}

/*
 * A mapping of role ids to head counts ("call-handler: 4") becomes an array
 * of struct plan_need at off, with its count at count_off: f->min..f->max
 * entries, each key an id (f->check; whether it names a role is checked in
 * plan_post_root) and each count an integer 0..f->item_max.  Entry i of the
 * array always matches entry i of the node; a bad key leaves role NULL.
 */
static void load_needs(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj)
{
    struct field count = {
        .kind = K_INT, .off = offsetof(struct plan_need, count), .max = f->item_max};
    char what[64], sbuf[SHOW_BUF];
    struct plan_need *arr;
    size_t n = v->nkids / 2;

    if (v->type != NODE_MAPPING) {
        plan_fail(c, at, "\"%s\" must be a mapping, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
        return;
    }
    if (n < (size_t)f->min || n > (size_t)f->max) {
        plan_fail(c, at, "\"%s\" must have between %d and %d entries, got %zu", f->key, f->min,
                  f->max, n);
        return;
    }
    if ((arr = calloc(n, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    *(struct plan_need **)at_off(obj, f->off) = arr;
    *(size_t *)at_off(obj, f->count_off) = n;
    snprintf(what, sizeof(what), "each key of \"%s\"", f->key);
    for (size_t i = 0; i < n; i++) {
        const struct node *key = v->kids[2 * i], *val = v->kids[2 * i + 1];
        if (!need_key_unique(c, v, i) ||
            (arr[i].role = plan_string_value(c, what, f, 40, &key->mark, key)) == NULL)
            continue; /* the count is named by its key: check it only under a good one */
        count.key = arr[i].role;
        plan_load_int(c, &count, value_mark(key, val), val, &arr[i]);
    }
}

/* ---- the walk ----------------------------------------------------------- */

typedef void loader_fn(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj);

static loader_fn *const loaders[] = {
    [K_STRING] = plan_load_string,
    [K_INT] = plan_load_int,
    [K_DURATION] = plan_load_duration,
    [K_TIME] = plan_load_time,
    [K_CHANNEL] = plan_load_channel,
    [K_MAPPING] = load_submapping,
    [K_SEQUENCE] = load_sequence,
    [K_STRINGS] = load_strings,
    [K_HOLIDAYS] = load_holidays,
    [K_SENDERS] = load_senders,
    [K_NEEDS] = load_needs,
    [K_BOOL] = plan_load_bool,
    [K_CHOICE] = plan_load_choice,
    [K_FLAGS] = load_flags,
    [K_DAYS] = load_days,
    [K_RESCREEN] = load_rescreen,
};

static void unknown_key(struct ctx *c, const struct schema *s, const struct node *key)
{
    char sbuf[SHOW_BUF], keys[NAMES_TEXT_MAX];
    size_t o = 0;

    keys[0] = '\0';
    for (size_t i = 0; i < s->nfields && o < sizeof(keys); i++)
        o += (size_t)snprintf(keys + o, sizeof(keys) - o, "%s%s", i ? ", " : "", s->fields[i].key);
    plan_fail(c, &key->mark, "unknown key %s in %s (expected one of: %s)",
              plan_show(key, sbuf, sizeof(sbuf)), s->what, keys);
}

static int field_index(const struct schema *s, const struct node *key)
{
    for (size_t i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].key, key->value) == 0)
            return (int)i;
    return -1;
}

/* The default of an absent optional key.  An absent optional mapping gets
 * the defaults of all its keys, so the section may be left out whole. */
static void load_default(struct ctx *c, const struct field *f, void *obj)
{
    if (f->kind == K_INT || f->kind == K_CHOICE) {
        *(int *)at_off(obj, f->off) = f->def;
    } else if (f->kind == K_BOOL) {
        *(bool *)at_off(obj, f->off) = f->def != 0;
    } else if (f->kind == K_FLAGS) {
        *(unsigned *)at_off(obj, f->off) = (unsigned)f->def;
    } else if (f->kind == K_DAYS) {
        days_default(c, f, obj);
    } else if (f->kind == K_RESCREEN) {
        rescreen_tsq(c, f, NULL, NULL, obj);
    } else if (f->kind == K_DURATION) {
        *(int64_t *)at_off(obj, f->off) = f->def;
    } else if (f->kind == K_STRING && f->sdef != NULL) {
        if ((*(char **)at_off(obj, f->off) = strdup(f->sdef)) == NULL)
            c->rc = -ENOMEM;
    } else if (f->kind == K_MAPPING) {
        for (size_t i = 0; i < f->sub->nfields; i++)
            load_default(c, &f->sub->fields[i], at_off(obj, f->off));
    }
}

/* After the keys present: report missing required keys, apply defaults. */
static void load_absent(struct ctx *c, const struct schema *s, const struct node *map,
                        const struct node **seen, void *obj)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *f = &s->fields[i];
        if (seen[i] != NULL)
            continue;
        if (f->required)
            plan_fail(c, &map->mark, "missing required key \"%s\" in %s", f->key, s->what);
        else
            load_default(c, f, obj);
    }
}

/* Fill obj from a mapping node, following schema s. */
void plan_load_mapping(struct ctx *c, const struct schema *s, const struct node *map, void *obj)
{
    const struct node *seen[SCHEMA_MAX_FIELDS] = {NULL};
    char sbuf[SHOW_BUF];

    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const struct node *key = map->kids[i], *val = map->kids[i + 1];
        int fi = key->type == NODE_SCALAR ? field_index(s, key) : -1;
        if (key->type != NODE_SCALAR) {
            plan_fail(c, &key->mark, "keys must be strings, got %s",
                      plan_show(key, sbuf, sizeof(sbuf)));
        } else if (fi < 0) {
            unknown_key(c, s, key);
        } else if (seen[fi] != NULL) {
            plan_fail(c, &key->mark, "duplicate key %s (first defined at line %zu)",
                      plan_show(key, sbuf, sizeof(sbuf)), seen[fi]->mark.line + 1);
        } else {
            seen[fi] = key;
            loaders[s->fields[fi].kind](c, &s->fields[fi], value_mark(key, val), val, obj);
        }
    }
    load_absent(c, s, map, seen, obj);
    if (s->post != NULL)
        s->post(c, map, obj);
}
