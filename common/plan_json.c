/*
 * common/plan_json.c - plan_to_json: a whole plan as JSON, as plan.show
 * replies with it and as a stood-up incident stores it (plan_json).
 *
 * Every section is always present: without a staffing or persons section,
 * the defaults and empty lists, never null.  Absent optional scalars are
 * null; durations are milliseconds with an _ms suffix.
 */
#include <stdio.h>

#include "plan_int.h"

static json_t *strings_to_json(char *const *v, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}

/* "args" is present for exec contacts only, like the args array itself. */
static json_t *contact_to_json(const struct plan_contact *ct)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:i}", "name", ct->name, "channel",
                          plan_channel_name(ct->channel), "target", ct->target, "after_ms",
                          (json_int_t)ct->after_ms, "repeat", ct->repeat);

    if (j != NULL && ct->channel == PLAN_CHANNEL_EXEC)
        json_object_set_new(j, "args", strings_to_json(ct->args, ct->nargs));
    return j;
}

static json_t *paging_to_json(const struct plan_paging *pg)
{
    return json_pack("{s:I, s:I, s:I, s:i, s:I, s:s, s:s}", "ack_wait_ms",
                     (json_int_t)pg->ack_wait_ms, "exec_timeout_ms",
                     (json_int_t)pg->exec_timeout_ms, "webhook_timeout_ms",
                     (json_int_t)pg->webhook_timeout_ms, "webhook_retries", pg->webhook_retries,
                     "webhook_backoff_ms", (json_int_t)pg->webhook_backoff_ms, "smtp_url",
                     pg->smtp_url, "email_from", pg->email_from);
}

/* "supplies" is always present, perhaps empty. */
static json_t *agency_to_json(const struct plan_agency *a)
{
    json_t *contacts = json_array();

    for (size_t i = 0; contacts != NULL && i < a->ncontacts; i++)
        json_array_append_new(contacts, contact_to_json(&a->contacts[i]));
    return json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:b}", "id", a->id, "name", a->name, "role",
                     a->role, "activate_level", a->activate_level, "contacts", contacts, "supplies",
                     strings_to_json(a->supplies, a->nsupplies), "activate_on_referral",
                     a->activate_on_referral);
}

/* The command ladders: {"gold": {name, contacts}, "duty": ...}, or null. */
static json_t *command_to_json(const struct plan_command *cmd)
{
    const struct plan_agency *l[2] = {&cmd->gold, &cmd->duty};
    json_t *o = cmd->gold.ncontacts > 0 ? json_object() : NULL;

    if (o == NULL)
        return json_null();
    for (size_t i = 0; o != NULL && i < 2; i++) {
        json_t *contacts = json_array();
        for (size_t j = 0; contacts != NULL && j < l[i]->ncontacts; j++)
            json_array_append_new(contacts, contact_to_json(&l[i]->contacts[j]));
        json_object_set_new(o, l[i]->id,
                            json_pack("{s:s, s:o}", "name", l[i]->name, "contacts",
                                      contacts ? contacts : json_array()));
    }
    return o;
}

/* A shift gives its start both as minutes after midnight and as "HH:MM". */
static json_t *shift_to_json(const struct plan_shift *sh)
{
    char start[16]; /* "HH:MM", with room for any int so no truncation is possible */

    snprintf(start, sizeof(start), "%02d:%02d", sh->start_minute / 60, sh->start_minute % 60);
    return json_pack("{s:s, s:s, s:i, s:I, s:s}", "id", sh->id, "name", sh->name, "start_minute",
                     sh->start_minute, "length_ms", (json_int_t)sh->length_ms, "start", start);
}

/* {"level": 1, "need": {"call-handler": 4, ...}} */
static json_t *requirement_to_json(const struct plan_requirement *r)
{
    json_t *need = json_object();

    for (size_t i = 0; need != NULL && i < r->nneeds; i++)
        json_object_set_new(need, r->needs[i].role, json_integer(r->needs[i].count));
    return json_pack("{s:i, s:o}", "level", r->level, "need", need);
}

/* Always an object: without a staffing section, empty arrays and the
 * default durations. */
static json_t *staffing_to_json(const struct plan_staffing *st)
{
    json_t *roles = json_array(), *shifts = json_array(), *reqs = json_array();

    for (size_t i = 0; roles != NULL && i < st->nroles; i++)
        json_array_append_new(
            roles, json_pack("{s:s, s:s}", "id", st->roles[i].id, "name", st->roles[i].name));
    for (size_t i = 0; shifts != NULL && i < st->nshifts; i++)
        json_array_append_new(shifts, shift_to_json(&st->shifts[i]));
    for (size_t i = 0; reqs != NULL && i < st->nrequirements; i++)
        json_array_append_new(reqs, requirement_to_json(&st->requirements[i]));
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "horizon_ms", (json_int_t)st->horizon_ms,
                     "ask_lead_ms", (json_int_t)st->ask_lead_ms, "roles", roles, "shifts", shifts,
                     "requirements", reqs);
}

/* The names of the bits set, in bit order. */
static json_t *flags_to_json(unsigned bits, const struct names *nm)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < nm->n; i++)
        if (bits & (1u << i))
            json_array_append_new(arr, json_string(nm->v[i]));
    return arr;
}

/* The name of a choice's value. */
static const char *choice_name(const struct names *nm, int value)
{
    for (size_t i = 0; i < nm->n; i++)
        if (nm->values[i] == value)
            return nm->v[i];
    return "any";
}

static json_t *int_or_null(int v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *screening_to_json(const struct plan_screening *sc)
{
    json_t *rescreen = json_array();

    for (size_t i = 0; rescreen != NULL && i < sc->nrescreen; i++) {
        const struct plan_rescreen *r = &sc->rescreen[i];
        json_t *days = json_array();
        for (size_t k = 0; days != NULL && k < r->ndays; k++)
            json_array_append_new(days, json_integer(r->days[k]));
        json_array_append_new(rescreen,
                              json_pack("{s:s, s:o}", "instrument",
                                        plan_instrument_name(r->instrument), "days", days));
    }
    return json_pack("{s:i, s:i, s:i, s:i, s:o, s:i}", "tsq_cutoff", sc->tsq_cutoff, "tsq_min_days",
                     sc->tsq_min_days, "phq9_cutoff", sc->phq9_cutoff, "gad7_cutoff",
                     sc->gad7_cutoff, "rescreen", rescreen, "rescreen_grace_days",
                     sc->rescreen_grace_days);
}

static json_t *pathway_to_json(const struct plan_pathway *pw)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:b, s:b, s:o}", "id", pw->id, "name", pw->name,
                     "provider", pw->provider, "capacity", pw->capacity, "waitlist", pw->waitlist,
                     "out_of_area", pw->out_of_area, "overflow",
                     strings_to_json(pw->overflow, pw->noverflow));
}

/* Absent bounds and languages are null. */
static json_t *rule_to_json(const struct plan_rule *r)
{
    json_t *langs = r->languages ? strings_to_json(r->languages, r->nlanguages) : json_null();

    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b}", "pathway", r->pathway,
                     "categories", flags_to_json(r->categories, &plan_category_set), "age_min",
                     int_or_null(r->age_min), "age_max", int_or_null(r->age_max), "vulnerabilities",
                     flags_to_json(r->vulnerabilities, &plan_vulnerability_set), "languages", langs,
                     "home", choice_name(&plan_home_set, r->home), "screen",
                     choice_name(&plan_screen_set, r->screen_positive), "urgent", r->urgent);
}

static json_t *neighbours_to_json(const struct plan_persons *pp)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < pp->nneighbours; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:o}", "agency", pp->neighbours[i].agency, "areas",
                         strings_to_json(pp->neighbours[i].areas, pp->neighbours[i].nareas)));
    return a;
}

/* Always an object: without a persons section, empty lists and defaults. */
static json_t *persons_to_json(const struct plan_persons *pp)
{
    json_t *pathways = json_array(), *rules = json_array(), *o;

    for (size_t i = 0; pathways != NULL && i < pp->npathways; i++)
        json_array_append_new(pathways, pathway_to_json(&pp->pathways[i]));
    for (size_t i = 0; rules != NULL && i < pp->nrules; i++)
        json_array_append_new(rules, rule_to_json(&pp->rules[i]));
    o = json_pack("{s:o, s:o, s:i, s:o, s:o, s:i, s:o, s:o, s:o, s:I}", "home_areas",
                  strings_to_json(pp->home_areas, pp->nhome_areas), "explicit_consent",
                  flags_to_json(pp->explicit_consent, &plan_category_set), "referral_working_days",
                  pp->referral_working_days, "working_days",
                  flags_to_json(pp->working_weekdays, &plan_weekday_set), "bank_holidays",
                  strings_to_json(pp->bank_holidays, pp->nbank_holidays), "contact_attempts",
                  pp->contact_attempts, "screening", screening_to_json(&pp->screening), "pathways",
                  pathways, "rules", rules, "urgent_ack_ms", (json_int_t)pp->urgent_ack_ms);
    json_object_set_new(o, "handoff_ack_ms", json_integer(pp->handoff_ack_ms));
    json_object_set_new(o, "guardian_consent_under", json_integer(pp->guardian_consent_under));
    json_object_set_new(o, "neighbouring_hubs", neighbours_to_json(pp));
    return o;
}

static json_t *levels_to_json(const struct plan *plan)
{
    json_t *levels = json_array();

    for (size_t i = 0; levels != NULL && i < plan->nlevels; i++) {
        const struct plan_level *l = &plan->levels[i];
        json_array_append_new(levels, json_pack("{s:i, s:s, s:s?}", "level", l->level, "name",
                                                l->name, "description", l->description));
    }
    return levels;
}

json_t *plan_import_to_json(const struct plan_import *im)
{
    if (im->ncolumns == 0)
        return json_null();
    json_t *cols = json_array();
    for (size_t i = 0; cols != NULL && i < im->ncolumns; i++)
        json_array_append_new(cols, json_pack("{s:s, s:s}", "header", im->columns[i].header,
                                              "column", im->columns[i].column));
    return json_pack("{s:o, s:s}", "columns", cols, "date_format",
                     im->date_format == PLAN_DATE_DMY ? "DD/MM/YYYY" : "YYYY-MM-DD");
}

/* The cap section: its senders, areas and event mapping. */
static json_t *cap_to_json(const struct plan_cap *cap)
{
    json_t *senders = json_array(), *areas = json_array(), *events = json_array();
    for (size_t i = 0; i < cap->nsenders; i++)
        json_array_append_new(senders, json_string(cap->senders[i]));
    json_t *signed_by = json_array(); /* the senders whose messages must be signed */
    for (size_t i = 0; cap->certificates && i < cap->nsenders; i++)
        if (cap->certificates[i])
            json_array_append_new(signed_by, json_string(cap->senders[i]));
    for (size_t i = 0; i < cap->nareas; i++)
        json_array_append_new(areas, json_string(cap->areas[i]));
    for (size_t i = 0; i < cap->nevents; i++) {
        const struct plan_cap_event *e = &cap->events[i];
        const struct plan_cap_urgency *g = &e->urgency;
        const int ul[] = {g->immediate, g->expected, g->future, g->past, g->unknown};
        const char *const un[] = {"immediate", "expected", "future", "past", "unknown"};
        json_t *urgency = json_object();
        for (size_t k = 0; k < 5; k++)
            if (ul[k] >= 0)
                json_object_set_new(urgency, un[k], json_integer(ul[k]));
        json_array_append_new(events, json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:o}", "code",
                                                e->code, "extreme", e->extreme, "severe", e->severe,
                                                "moderate", e->moderate, "minor", e->minor,
                                                "unknown", e->unknown, "urgency", urgency));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:s}", "senders", senders, "signed", signed_by, "areas",
                     areas, "events", events, "cancel",
                     cap->cancel == PLAN_CAP_REFUSE ? "refuse" : "standdown");
}

/* The exchange section: its domain and each party's fields. */
static json_t *exchange_to_json(const struct plan_exchange *x)
{
    static const char *const names[] = {"name",      "dob",      "age",   "address",
                                        "home_area", "category", "phone", "email"};
    json_t *parties = json_array();
    for (size_t i = 0; i < x->nparties; i++) {
        json_t *fields = json_array();
        for (unsigned b = 0; b < 8; b++)
            if (x->parties[i].fields & (1u << b))
                json_array_append_new(fields, json_string(names[b]));
        json_array_append_new(parties, json_pack("{s:s, s:s?, s:o}", "id", x->parties[i].id, "name",
                                                 x->parties[i].name, "fields", fields));
    }
    return json_pack("{s:s, s:o}", "domain", x->domain, "parties", parties);
}

json_t *plan_to_json(const struct plan *plan)
{
    json_t *agencies = json_array();
    const struct plan_hub *h = &plan->hub;

    for (size_t i = 0; agencies != NULL && i < plan->nagencies; i++)
        json_array_append_new(agencies, agency_to_json(&plan->agencies[i]));
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:{s:s, s:s, s:s?, s:s?}, s:o, s:o, s:o, "
        "s:o, s:o}",
        "id", plan->id, "name", plan->name, "version", plan->version, "ref_prefix",
        plan->ref_prefix, "retention_days", plan->retention_days, "declined_retention_days",
        plan->declined_retention_days ? json_integer(plan->declined_retention_days) : json_null(),
        "levels", levels_to_json(plan), "hub", "name", h->name, "lead_agency", h->lead_agency,
        "address", h->address, "phone", h->phone, "agencies", agencies, "paging",
        paging_to_json(&plan->paging), "staffing", staffing_to_json(&plan->staffing), "persons",
        persons_to_json(&plan->persons), "command", command_to_json(&plan->command));
    if (j != NULL && plan->import.ncolumns > 0)
        json_object_set_new(j, "import", plan_import_to_json(&plan->import));
    if (j != NULL && plan->cap.nsenders > 0)
        json_object_set_new(j, "cap", cap_to_json(&plan->cap));
    if (j != NULL && plan->exchange.domain)
        json_object_set_new(j, "exchange", exchange_to_json(&plan->exchange));
    return j;
}

const char *planset_plan_json(struct planset *set, const struct plan *plan)
{
    size_t i = 0;
    while (i < set->count && set->plans[i] != plan)
        i++;
    if (i == set->count)
        return NULL;
    if (set->json == NULL && (set->json = calloc(set->count, sizeof(*set->json))) == NULL)
        return NULL;
    if (set->json[i] == NULL) {
        json_t *j = plan_to_json(plan);
        set->json[i] = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
    }
    return set->json[i];
}
