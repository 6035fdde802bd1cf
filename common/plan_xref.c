/*
 * common/plan_xref.c - plans, pass 2: the cross-checks.
 *
 * What a schema table cannot say: a contact's target against its channel,
 * args only for exec contacts, ages in order, levels in increasing order,
 * unique ids, and every reference (the hub's lead agency, activation
 * levels, the roles and levels that staffing requirements and agencies'
 * supplies name, the providers of persons' pathways and the pathways that
 * rules name) to something the plan defines.  The post hooks run on one
 * mapping once its keys are loaded; plan_post_root runs once the whole
 * file is (keys come in any order).
 *
 * A reference is checked only when what it refers to loaded whole (the
 * *_complete tests), so one mistake gives one message, not a cascade.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "person_fields.h"
#include "plan_int.h"

/* ---- within one mapping ------------------------------------------------- */

/* What a contact's target must look like for its channel, or NULL if ok. */
static const char *target_problem(enum plan_channel ch, const char *t, const char *agency)
{
    switch (ch) {
    case PLAN_CHANNEL_ZMQ:
        if (agency == NULL || strcmp(t, agency) == 0)
            return NULL;
        return strcmp(agency, "gold") && strcmp(agency, "duty") ? "the agency's own id"
                                                                : "the ladder's own name";
    case PLAN_CHANNEL_EXEC:
        if (t[0] == '/')
            return strpbrk(t, "\n\t") == NULL ? NULL : "an absolute path";
        return plan_exec_name_ok(t) ? NULL
                                    : "an absolute path or the name of a paging script "
                                      "(letters, digits, \".\", \"_\", \"-\")";
    case PLAN_CHANNEL_WEBHOOK:
        if (strpbrk(t, " \n\t") != NULL)
            return "an http:// or https:// URL without spaces";
        if ((strncmp(t, "http://", 7) == 0 && t[7] != '\0') ||
            (strncmp(t, "https://", 8) == 0 && t[8] != '\0'))
            return NULL;
        return "an http:// or https:// URL";
    case PLAN_CHANNEL_EMAIL:
        return plan_check_email(t);
    }
    return "valid";
}

/* ---- the import section ------------------------------------------------ */

const char *plan_check_import_column(const char *s)
{
    if (!strcmp(s, "ignore") || person_field_find(s) != NULL)
        return NULL;
    return "a muster CSV column (category, name, dob, phone, ..., see docs/import-csv.md) or "
           "\"ignore\"";
}

bool plan_import_header_same(const char *a, const char *b)
{
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la > 0 && a[la - 1] == ' ')
        la--;
    while (lb > 0 && b[lb - 1] == ' ')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* The public page's languages are ISO 639-1 (two letters), English
 * first: the page falls back to it. */
void plan_post_public(struct ctx *c, const struct node *map, void *obj)
{
    const struct plan_public *pub = obj;
    const struct node *seq = plan_map_get(map, "languages");
    for (size_t i = 0; i < pub->nlanguages; i++) {
        if (pub->languages[i] && strlen(pub->languages[i]) != 2) {
            plan_fail(c, &plan_seq_get(seq, i)->mark,
                      "public languages are ISO 639-1 codes of two letters, not \"%s\"",
                      pub->languages[i]);
            return;
        }
    }
    if (pub->nlanguages > 0 && pub->languages[0] && strcmp(pub->languages[0], "en"))
        plan_fail(c, &plan_seq_get(seq, 0)->mark, "the public languages list \"en\" first");
}

/* Each header once; a column named by several headers (joined with a
 * space, in this order) must be a text column. */
void plan_post_import(struct ctx *c, const struct node *map, void *obj)
{
    const struct plan_import *im = obj;
    const struct node *seq = plan_map_get(map, "columns");
    for (size_t i = 0; i < im->ncolumns; i++) {
        const struct plan_import_column *a = &im->columns[i];
        const struct person_field *f = a->column ? person_field_find(a->column) : NULL;
        for (size_t j = 0; a->header && j < i; j++) {
            const struct plan_import_column *b = &im->columns[j];
            const yaml_mark_t *at = &plan_seq_get(seq, i)->mark;
            size_t first = plan_seq_get(seq, j)->mark.line + 1;
            if (b->header && plan_import_header_same(a->header, b->header)) {
                plan_fail(c, at, "import header \"%s\" is mapped twice (first at line %zu)",
                          a->header, first);
                break;
            }
            if (f && b->column && f == person_field_find(b->column) && f->kind != PF_TEXT) {
                plan_fail(c, at,
                          "import column \"%s\" is not text: only one header may fill it (first "
                          "at line %zu)",
                          a->column, first);
                break;
            }
        }
    }
}

/* Arguments are for exec contacts only; an exec contact always gets an
 * args array (perhaps just the terminating NULL), any other contact none. */
void plan_post_contact(struct ctx *c, const struct node *map, void *obj)
{
    struct plan_contact *ct = obj;
    const struct node *key = plan_map_key(map, "args");
    int ch = plan_channel_parse(plan_map_get(map, "channel"));

    if (key != NULL && ch >= 0 && ch != PLAN_CHANNEL_EXEC)
        plan_fail(c, &key->mark, "\"args\" is only allowed for exec contacts");
    else if (ch == PLAN_CHANNEL_EXEC && key == NULL &&
             (ct->args = calloc(1, sizeof(*ct->args))) == NULL)
        c->rc = -ENOMEM;
}

/* An agency names each role it supplies once. */
static void agency_check_supplies(struct ctx *c, const struct node *map,
                                  const struct plan_agency *a)
{
    const struct node *seq = plan_map_get(map, "supplies");

    for (size_t i = 0; i < a->nsupplies; i++) {
        for (size_t j = 0; a->supplies[i] != NULL && j < i; j++) {
            if (a->supplies[j] == NULL || strcmp(a->supplies[i], a->supplies[j]) != 0)
                continue;
            plan_fail(c, &plan_seq_get(seq, i)->mark,
                      "agency \"%s\": supplies role \"%s\" twice (first at line %zu)",
                      a->id ? a->id : "?", a->supplies[i], plan_seq_get(seq, j)->mark.line + 1);
            break;
        }
    }
}

/* Each contact's target against its channel (needs the agency's id), and
 * the agency's supplies. */
void plan_post_agency(struct ctx *c, const struct node *map, void *obj)
{
    const struct plan_agency *a = obj;
    const struct node *contacts = plan_map_get(map, "contacts");
    char sbuf[SHOW_BUF];

    agency_check_supplies(c, map, a);

    for (size_t i = 0; i < a->ncontacts; i++) {
        const struct node *item = plan_seq_get(contacts, i);
        const struct node *target = plan_map_get(item, "target");
        int ch = plan_channel_parse(plan_map_get(item, "channel"));
        const char *want;
        if (ch < 0 || a->contacts[i].target == NULL)
            continue;
        want = target_problem((enum plan_channel)ch, a->contacts[i].target, a->id);
        if (want != NULL && ch == PLAN_CHANNEL_ZMQ)
            plan_fail(c, &target->mark, "\"target\" for channel zmq must be %s \"%s\", got %s",
                      want, a->id, plan_show(target, sbuf, sizeof(sbuf)));
        else if (want != NULL)
            plan_fail(c, &target->mark, "\"target\" for channel %s must be %s, got %s",
                      plan_channel_name((enum plan_channel)ch), want,
                      plan_show(target, sbuf, sizeof(sbuf)));
    }
}

/* A command ladder is named for its principal, "gold" or "duty": a zmq
 * contact on it pages that principal's listener. */
static void post_ladder(struct ctx *c, const struct node *map, struct plan_agency *l,
                        const char *id, const char *role)
{
    if ((l->id = strdup(id)) == NULL || (l->role = strdup(role)) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    l->activate_on_referral = false;
    plan_post_agency(c, map, l);
}

void plan_post_gold(struct ctx *c, const struct node *map, void *obj)
{
    post_ladder(c, map, obj, "gold", "Gold Command");
}

void plan_post_duty(struct ctx *c, const struct node *map, void *obj)
{
    post_ladder(c, map, obj, "duty", "Hub duty manager");
}

/* A person who declined is kept no longer than the incident: the plan's
 * declined_retention_days, when given and valid, is not above its
 * retention_days (given, or the default). */
void plan_post_head(struct ctx *c, const struct node *map, void *obj)
{
    const struct node *d = plan_map_get(map, "declined_retention_days");
    const struct node *r = plan_map_get(map, "retention_days");
    const struct plan *plan = obj;
    long long declined, retention = plan->retention_days;

    if (d == NULL || !plan_parse_int(d, &declined) || declined < 1 || declined > 36500)
        return;
    if (r != NULL && (!plan_parse_int(r, &retention) || retention < 1 || retention > 36500))
        return;
    if (declined > retention)
        plan_fail(c, &d->mark,
                  "\"declined_retention_days\" (%lld) must not be greater than \"retention_days\" "
                  "(%lld)",
                  declined, retention);
}

/* Both ages of a rule, when both are given and valid, are in order. */
void plan_post_rule(struct ctx *c, const struct node *map, void *obj)
{
    const struct node *lo = plan_map_get(map, "age_min"), *hi = plan_map_get(map, "age_max");
    long long min, max;

    (void)obj;
    if (lo == NULL || hi == NULL || !plan_parse_int(lo, &min) || !plan_parse_int(hi, &max))
        return;
    if (min >= 0 && min <= 130 && max >= 0 && max <= 130 && min > max)
        plan_fail(c, &lo->mark, "\"age_min\" (%lld) must not be greater than \"age_max\" (%lld)",
                  min, max);
}

int plan_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Bank holidays are kept in date order (YYYY-MM-DD sorts as text); they
 * are unique already (the field is), and not sorted if any is in error. */
void plan_post_persons(struct ctx *c, const struct node *map, void *obj)
{
    struct plan_persons *pp = obj;

    (void)c;
    (void)map;
    for (size_t i = 0; i < pp->nbank_holidays; i++)
        if (pp->bank_holidays[i] == NULL)
            return;
    if (pp->nbank_holidays > 1)
        qsort(pp->bank_holidays, pp->nbank_holidays, sizeof(*pp->bank_holidays), plan_cmp_names);
}

/* Each instrument is re-screened by one entry of "rescreen". */
void plan_post_screening(struct ctx *c, const struct node *map, void *obj)
{
    const struct plan_screening *sc = obj;
    const struct node *seq = plan_map_get(map, "rescreen");

    for (size_t i = 1; seq != NULL && i < sc->nrescreen; i++) {
        for (size_t j = 0; j < i; j++) {
            if (sc->rescreen[j].ndays == 0 || sc->rescreen[i].ndays == 0 ||
                sc->rescreen[i].instrument != sc->rescreen[j].instrument)
                continue;
            plan_fail(c, &plan_seq_get(seq, i)->mark,
                      "\"rescreen\" names %s twice (first at line %zu)",
                      plan_instrument_name(sc->rescreen[i].instrument),
                      plan_seq_get(seq, j)->mark.line + 1);
            break;
        }
    }
}

/* ---- levels, agencies and the hub --------------------------------------- */

/* Levels are listed in strictly increasing order, so each is unique. */
static void levels_check_order(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "levels");
    int max = 0;

    for (size_t i = 0; i < plan->nlevels; i++) {
        const struct plan_level *l = &plan->levels[i];
        const struct plan_level *first = plan_level_find(plan, l->level);
        const yaml_mark_t *at =
            l->level ? &plan_map_get(plan_seq_get(seq, i), "level")->mark : NULL;
        if (l->level == 0)
            continue; /* already reported */
        if (first != l)
            plan_fail(c, at, "level %d is defined twice (first at line %zu)", l->level,
                      plan_map_get(plan_seq_get(seq, (size_t)(first - plan->levels)), "level")
                              ->mark.line +
                          1);
        else if (l->level < max)
            plan_fail(c, at,
                      "level %d comes after level %d: levels must be listed in increasing order",
                      l->level, max);
        max = l->level > max ? l->level : max;
    }
}

/* The id of item i of an array of structs of the given size that start
 * with their char *id (plan_agency, plan_role, plan_shift, plan_pathway). */
_Static_assert(offsetof(struct plan_agency, id) == 0, "id_at needs the id first");
_Static_assert(offsetof(struct plan_role, id) == 0, "id_at needs the id first");
_Static_assert(offsetof(struct plan_shift, id) == 0, "id_at needs the id first");
_Static_assert(offsetof(struct plan_pathway, id) == 0, "id_at needs the id first");

static const char *id_at(const void *arr, size_t size, size_t i)
{
    return *(char *const *)((const char *)arr + i * size);
}

/* The ids of the n items of arr (loaded from the sequence node seq) are
 * unique: report each repeat at its "id", naming the first. */
static void check_unique_ids(struct ctx *c, const struct node *seq, const char *what,
                             const void *arr, size_t size, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = id_at(arr, size, i);
        for (size_t j = 0; id != NULL && j < i; j++) {
            if (id_at(arr, size, j) == NULL || strcmp(id, id_at(arr, size, j)) != 0)
                continue;
            plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "id")->mark,
                      "duplicate %s id \"%s\" (first defined at line %zu)", what, id,
                      plan_map_get(plan_seq_get(seq, j), "id")->mark.line + 1);
            break;
        }
    }
}

/* Agency ids are unique, and none is "gold" or "duty": those name the
 * command ladders (and their principals). */
static void agencies_check_ids(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "agencies");

    check_unique_ids(c, seq, "agency", plan->agencies, sizeof(*plan->agencies), plan->nagencies);
    for (size_t i = 0; i < plan->nagencies; i++) {
        const char *id = plan->agencies[i].id;
        if (id != NULL && (strcmp(id, "gold") == 0 || strcmp(id, "duty") == 0))
            plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "id")->mark,
                      "agency id \"%s\" is reserved for the command ladder of that name", id);
    }
}

/* True if every agency has an id, so a failed look-up is the reference's
 * fault and not a cascade of an error already reported. */
static bool agencies_complete(const struct plan *plan)
{
    for (size_t i = 0; i < plan->nagencies; i++)
        if (plan->agencies[i].id == NULL)
            return false;
    return plan->nagencies > 0;
}

static bool levels_complete(const struct plan *plan)
{
    for (size_t i = 0; i < plan->nlevels; i++)
        if (plan->levels[i].level == 0)
            return false;
    return plan->nlevels > 0;
}

static void hub_check_lead(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const char *lead = plan->hub.lead_agency;

    if (lead == NULL || !agencies_complete(plan) || plan_agency_find(plan, lead) != NULL)
        return;
    plan_fail(c, &plan_map_get(plan_map_get(root, "hub"), "lead_agency")->mark,
              "hub lead_agency \"%s\" is not an agency in this plan", lead);
}

static void agencies_check_levels(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "agencies");

    if (!levels_complete(plan))
        return;
    for (size_t i = 0; i < plan->nagencies; i++) {
        const struct plan_agency *a = &plan->agencies[i];
        if (a->activate_level == 0 || plan_level_find(plan, a->activate_level) != NULL)
            continue;
        plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "activate_level")->mark,
                  "agency \"%s\": activate_level %d is not a level defined in this plan",
                  a->id ? a->id : "?", a->activate_level);
    }
}

/* ---- staffing cross-checks ----------------------------------------------- */

static const struct plan_role *staffing_role_find(const struct plan_staffing *st, const char *id)
{
    for (size_t i = 0; i < st->nroles; i++)
        if (st->roles[i].id != NULL && strcmp(st->roles[i].id, id) == 0)
            return &st->roles[i];
    return NULL;
}

/* True if staffing.roles loaded with every id, so a role that is not found
 * is the reference's fault (false as well when there is no staffing). */
static bool roles_complete(const struct plan_staffing *st)
{
    for (size_t i = 0; i < st->nroles; i++)
        if (st->roles[i].id == NULL)
            return false;
    return st->nroles > 0;
}

static void staffing_check_ids(struct ctx *c, const struct node *staffing,
                               const struct plan_staffing *st)
{
    check_unique_ids(c, plan_map_get(staffing, "roles"), "role", st->roles, sizeof(*st->roles),
                     st->nroles);
    check_unique_ids(c, plan_map_get(staffing, "shifts"), "shift", st->shifts, sizeof(*st->shifts),
                     st->nshifts);
}

/* Each requirement is for a level of the plan, and for a different one. */
static void staffing_check_levels(struct ctx *c, const struct node *staffing,
                                  const struct plan *plan)
{
    const struct plan_staffing *st = &plan->staffing;
    const struct node *seq = plan_map_get(staffing, "requirements");
    bool levels_ok = levels_complete(plan);

    for (size_t i = 0; i < st->nrequirements; i++) {
        int level = st->requirements[i].level;
        const yaml_mark_t *at;
        size_t j = 0;
        if (level == 0)
            continue; /* already reported */
        at = &plan_map_get(plan_seq_get(seq, i), "level")->mark;
        while (j < i && st->requirements[j].level != level)
            j++;
        if (j < i)
            plan_fail(c, at,
                      "staffing requirement for level %d is defined twice (first at line %zu)",
                      level, plan_map_get(plan_seq_get(seq, j), "level")->mark.line + 1);
        else if (levels_ok && plan_level_find(plan, level) == NULL)
            plan_fail(c, at, "staffing requirement: level %d is not a level defined in this plan",
                      level);
    }
}

/* Every role a requirement needs is one of staffing.roles (reported at
 * its key in "need"). */
static void staffing_check_needs(struct ctx *c, const struct node *staffing,
                                 const struct plan_staffing *st)
{
    const struct node *seq = plan_map_get(staffing, "requirements");
    char sbuf[SHOW_BUF];

    if (!roles_complete(st))
        return;
    for (size_t i = 0; i < st->nrequirements; i++) {
        const struct plan_requirement *r = &st->requirements[i];
        const struct node *need = plan_map_get(plan_seq_get(seq, i), "need");
        for (size_t k = 0; k < r->nneeds; k++) {
            const struct node *key = need->kids[2 * k];
            if (r->needs[k].role == NULL || staffing_role_find(st, r->needs[k].role) != NULL)
                continue;
            plan_fail(c, &key->mark, "need: role %s is not a role in staffing.roles",
                      plan_show(key, sbuf, sizeof(sbuf)));
        }
    }
}

/* Agencies supply roles of staffing.roles; without a staffing section
 * there is nothing to supply. */
static void agencies_check_supplies(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "agencies");
    bool has_staffing = plan_map_key(root, "staffing") != NULL;
    bool roles_ok = roles_complete(&plan->staffing);

    for (size_t i = 0; i < plan->nagencies; i++) {
        const struct plan_agency *a = &plan->agencies[i];
        const struct node *map = plan_seq_get(seq, i), *items = plan_map_get(map, "supplies");
        if (!has_staffing && a->nsupplies > 0) {
            plan_fail(c, &plan_map_key(map, "supplies")->mark,
                      "\"supplies\" needs a staffing section");
            continue;
        }
        for (size_t k = 0; roles_ok && k < a->nsupplies; k++) {
            if (a->supplies[k] == NULL ||
                staffing_role_find(&plan->staffing, a->supplies[k]) != NULL)
                continue;
            plan_fail(c, &plan_seq_get(items, k)->mark,
                      "agency \"%s\": supplies role \"%s\" which is not in staffing.roles",
                      a->id ? a->id : "?", a->supplies[k]);
        }
    }
}

static void staffing_check(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *staffing = plan_map_get(root, "staffing");

    if (staffing != NULL && staffing->type == NODE_MAPPING) {
        staffing_check_ids(c, staffing, &plan->staffing);
        staffing_check_levels(c, staffing, plan);
        staffing_check_needs(c, staffing, &plan->staffing);
    }
    agencies_check_supplies(c, root, plan);
}

/* ---- persons cross-checks ------------------------------------------------ */

static const struct plan_pathway *pathway_find(const struct plan_persons *pp, const char *id)
{
    for (size_t i = 0; i < pp->npathways; i++)
        if (pp->pathways[i].id != NULL && strcmp(pp->pathways[i].id, id) == 0)
            return &pp->pathways[i];
    return NULL;
}

/* True if every pathway loaded with its id (false when there are none). */
static bool pathways_complete(const struct plan_persons *pp)
{
    for (size_t i = 0; i < pp->npathways; i++)
        if (pp->pathways[i].id == NULL)
            return false;
    return pp->npathways > 0;
}

/* Each pathway's provider is an agency of the plan (reported at the value). */
static void pathways_check_providers(struct ctx *c, const struct node *persons,
                                     const struct plan *plan)
{
    const struct node *seq = plan_map_get(persons, "pathways");
    const struct plan_persons *pp = &plan->persons;

    if (!agencies_complete(plan))
        return;
    for (size_t i = 0; i < pp->npathways; i++) {
        const struct plan_pathway *pw = &pp->pathways[i];
        if (pw->provider == NULL || plan_agency_find(plan, pw->provider) != NULL)
            continue;
        plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "provider")->mark,
                  "pathway \"%s\": provider \"%s\" is not an agency in this plan",
                  pw->id ? pw->id : "?", pw->provider);
    }
}

/* Each rule's pathway is one of persons.pathways (reported at the value). */
static void rules_check_pathways(struct ctx *c, const struct node *persons,
                                 const struct plan_persons *pp)
{
    const struct node *seq = plan_map_get(persons, "rules");

    if (!pathways_complete(pp))
        return;
    for (size_t i = 0; i < pp->nrules; i++) {
        const char *id = pp->rules[i].pathway;
        if (id == NULL || pathway_find(pp, id) != NULL)
            continue;
        plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "pathway")->mark,
                  "rule: pathway \"%s\" is not a pathway in persons.pathways", id);
    }
}

/* Each pathway's urgent overflow names other pathways of persons.pathways
 * (reported at the list). */
static void pathways_check_overflow(struct ctx *c, const struct node *persons,
                                    const struct plan_persons *pp)
{
    const struct node *seq = plan_map_get(persons, "pathways");

    if (!pathways_complete(pp))
        return;
    for (size_t i = 0; i < pp->npathways; i++) {
        const struct plan_pathway *pw = &pp->pathways[i];
        for (size_t k = 0; k < pw->noverflow; k++) {
            const char *id = pw->overflow[k];
            if (id == NULL || (pathway_find(pp, id) != NULL && strcmp(id, pw->id) != 0))
                continue;
            plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "overflow")->mark,
                      "pathway \"%s\": overflow \"%s\" is not another pathway in"
                      " persons.pathways",
                      pw->id, id);
        }
    }
}

/* Each neighbouring hub is an agency of the plan; an area is served by
 * one hub at most and is none of the county's own (reported at the item). */
static void neighbours_check(struct ctx *c, const struct node *persons, const struct plan *plan)
{
    const struct node *seq = plan_map_get(persons, "neighbouring_hubs");
    const struct plan_persons *pp = &plan->persons;

    for (size_t i = 0; seq != NULL && agencies_complete(plan) && i < pp->nneighbours; i++) {
        const struct plan_neighbour *nb = &pp->neighbours[i];
        const struct node *item = plan_seq_get(seq, i);
        if (nb->agency != NULL && plan_agency_find(plan, nb->agency) == NULL)
            plan_fail(c, &plan_map_get(item, "agency")->mark,
                      "neighbouring hub \"%s\" is not an agency in this plan", nb->agency);
        for (size_t k = 0; k < nb->nareas; k++) {
            const char *area = nb->areas[k], *other = NULL;
            for (size_t j = 0; area != NULL && j < i && other == NULL; j++)
                for (size_t l = 0; l < pp->neighbours[j].nareas && other == NULL; l++)
                    if (pp->neighbours[j].areas[l] && !strcmp(pp->neighbours[j].areas[l], area))
                        other = pp->neighbours[j].agency;
            bool own = false;
            for (size_t h = 0; area != NULL && h < pp->nhome_areas; h++)
                own = own || (pp->home_areas[h] && !strcmp(pp->home_areas[h], area));
            if (own || other)
                plan_fail(c, &plan_map_get(item, "areas")->mark,
                          "neighbouring hub area \"%s\" is %s", area,
                          own ? "one of the county's own home_areas"
                              : "served by an earlier neighbouring hub too");
        }
    }
}

static void persons_check(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *persons = plan_map_get(root, "persons");
    const struct plan_persons *pp = &plan->persons;

    if (persons == NULL || persons->type != NODE_MAPPING)
        return;
    check_unique_ids(c, plan_map_get(persons, "pathways"), "pathway", pp->pathways,
                     sizeof(*pp->pathways), pp->npathways);
    pathways_check_providers(c, persons, plan);
    rules_check_pathways(c, persons, pp);
    pathways_check_overflow(c, persons, pp);
    neighbours_check(c, persons, plan);
}

/* ---- the whole file ----------------------------------------------------- */

/* Every SitRep destination is a ladder of this plan: an agency, or gold
 * or duty when the command section gives them one. */
static void sitrep_check_to(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(plan_map_get(root, "sitrep"), "to");
    for (size_t i = 0; seq && i < plan->sitrep.nto; i++)
        if (plan->sitrep.to[i] && !plan_ladder_find(plan, plan->sitrep.to[i]))
            plan_fail(c, &plan_seq_get(seq, i)->mark,
                      "sitrep: \"%s\" is not an agency of this plan, nor gold or duty with a"
                      " ladder in its command section",
                      plan->sitrep.to[i]);
}

/* Every CAP event maps some severity, and only to levels the plan has. */
static void cap_check_levels(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(plan_map_get(root, "cap"), "events");
    if (!levels_complete(plan) || !seq)
        return;
    for (size_t i = 0; i < plan->cap.nevents; i++) {
        const struct plan_cap_event *e = &plan->cap.events[i];
        const int lv[] = {e->extreme, e->severe, e->moderate, e->minor, e->unknown};
        const char *const names[] = {"extreme", "severe", "moderate", "minor", "unknown"};
        const struct node *at = plan_seq_get(seq, i);
        const struct plan_cap_urgency *g = &e->urgency;
        const int ul[] = {g->immediate, g->expected, g->future, g->past, g->unknown};
        const char *const unames[] = {"immediate", "expected", "future", "past", "unknown"};
        const struct node *urgency = plan_map_get(at, "urgency");
        int any = 0;
        for (size_t k = 0; k < 10; k++) {
            int l = k < 5 ? lv[k] : ul[k - 5];
            const char *name = k < 5 ? names[k] : unames[k - 5];
            any |= l > 0;
            if (l > 0 && !plan_level_find(plan, l))
                plan_fail(c, &plan_map_get(k < 5 ? at : urgency, name)->mark,
                          "cap event \"%s\": %s%s %d is not a level defined in this plan",
                          e->code ? e->code : "?", k < 5 ? "" : "urgency ", name, l);
        }
        if (!any)
            plan_fail(c, &at->mark,
                      "cap event \"%s\" maps no severity to a level (extreme, severe, moderate, "
                      "minor or unknown)",
                      e->code ? e->code : "?");
    }
}

/* Cross-references, once the whole file is loaded (keys come in any order). */
void plan_post_root(struct ctx *c, const struct node *root, void *obj)
{
    const struct plan *plan = obj;

    levels_check_order(c, root, plan);
    agencies_check_ids(c, root, plan);
    hub_check_lead(c, root, plan);
    agencies_check_levels(c, root, plan);
    staffing_check(c, root, plan);
    persons_check(c, root, plan);
    cap_check_levels(c, root, plan);
    check_unique_ids(c, plan_map_get(plan_map_get(root, "exchange"), "parties"), "exchange party",
                     plan->exchange.parties, sizeof(*plan->exchange.parties),
                     plan->exchange.nparties);
    sitrep_check_to(c, root, plan);
}
