/*
 * daemon/routing.c - routing rules, capacity and consent (see routing.h).
 */
#include "routing.h"

#include <string.h>

int routing_home(const struct plan_persons *pp, const char *home_area)
{
    if (!home_area || !*home_area)
        return 0;
    for (size_t i = 0; i < pp->nhome_areas; i++)
        if (!strcasecmp(pp->home_areas[i], home_area))
            return 1;
    return -1;
}

static bool language_matches(const struct plan_rule *r, const char *language)
{
    if (!r->languages)
        return true;
    for (size_t i = 0; language && i < r->nlanguages; i++)
        if (!strcasecmp(r->languages[i], language))
            return true;
    return false;
}

/* The person's highest possible age (an age band's top, or the age). */
static int age_high(const struct route_person *p)
{
    return p->age_hi > p->age ? p->age_hi : p->age;
}

/* An age band matches only when all of it lies within the rule's ages. */
static bool age_matches(const struct plan_rule *r, const struct route_person *p)
{
    if (r->age_min < 0 && r->age_max < 0)
        return true;
    if (p->age < 0)
        return false; /* a rule about age never matches an unknown age */
    return (r->age_min < 0 || p->age >= r->age_min) &&
           (r->age_max < 0 || age_high(p) <= r->age_max);
}

/* Whether the person's referral on pathway path by rule r must wait for
 * consent (or for a guardian's). */
static bool consent_missing(const struct plan_persons *pp, const struct plan_rule *r,
                            const struct plan_pathway *path, const struct route_person *p)
{
    bool given = p->consent && !strcmp(p->consent, "given");
    bool child = p->age >= 0 && age_high(p) < pp->guardian_consent_under;
    bool handoff = path->out_of_area && plan_neighbour_hub(pp, p->home_area);
    if ((pp->explicit_consent & p->category) || handoff)
        return !given || (child && !r->urgent && !p->guardian);
    return child && !r->urgent && !(given && p->guardian);
}

static bool rule_matches(const struct plan_persons *pp, const struct plan_rule *r,
                         const struct route_person *p)
{
    if (r->categories && !(r->categories & p->category))
        return false;
    if (!age_matches(r, p) || (r->vulnerabilities & p->vulnerabilities) != r->vulnerabilities)
        return false;
    if (!language_matches(r, p->language) || (r->urgent && !p->urgent))
        return false;
    if (r->home && routing_home(pp, p->home_area) != r->home)
        return false;
    if (r->screen_positive == 1 && p->screen_positive != 1)
        return false;
    return !(r->screen_positive == -1 && p->screen_positive == 1);
}

/* An urgent rule's pathway pw is full: its first overflow pathway with
 * room, or a hold on pw. */
static void urgent_overflow(const struct plan_persons *pp, int rule, int pw, const int *occupied,
                            struct route_decision *out)
{
    const struct plan_pathway *path = &pp->pathways[pw];
    for (size_t k = 0; k < path->noverflow; k++) {
        int o = plan_pathway_index(pp, path->overflow[k]);
        const struct plan_pathway *alt = o >= 0 ? &pp->pathways[o] : NULL;
        if (alt && (alt->capacity == 0 || occupied[o] < alt->capacity)) {
            *out = (struct route_decision){ROUTE_REFER, rule, o};
            return;
        }
    }
    *out = (struct route_decision){ROUTE_HOLD_URGENT, rule, pw};
}

void routing_decide(const struct plan_persons *pp, const struct route_person *p,
                    const int *occupied, struct route_decision *out)
{
    *out = (struct route_decision){ROUTE_NONE, -1, -1};
    if (p->consent && !strcmp(p->consent, "refused")) {
        out->action = ROUTE_DECLINED;
        return;
    }
    for (size_t i = 0; i < pp->nrules; i++) {
        const struct plan_rule *r = &pp->rules[i];
        int pw = plan_pathway_index(pp, r->pathway);
        if (pw < 0 || !rule_matches(pp, r, p))
            continue;
        const struct plan_pathway *path = &pp->pathways[pw];
        bool room = path->capacity == 0 || occupied[pw] < path->capacity;
        if (!room && !r->urgent && !path->waitlist)
            continue;           /* full, no waitlist: the next rule may fit */
        if (!room && r->urgent) /* never on to a later rule, nor a waitlist */
            urgent_overflow(pp, (int)i, pw, occupied, out);
        else
            *out = (struct route_decision){room ? ROUTE_REFER : ROUTE_WAITLIST, (int)i, pw};
        if (out->action != ROUTE_HOLD_URGENT && consent_missing(pp, r, path, p))
            out->action = ROUTE_HOLD_CONSENT;
        return;
    }
}

const char *routing_action_name(enum route_action a)
{
    static const char *const names[] = {"refer",    "waitlist", "hold_consent",
                                        "declined", "none",     "hold_urgent"};
    return a <= ROUTE_HOLD_URGENT ? names[a] : "none";
}

/* The age bands.  pfif_cmd.c's SQL_EXPORT holds the tops of those under
 * 18, to leave out children held for a guardian's consent: change both. */
static const struct {
    const char *name;
    int lo, hi;
} bands[] = {{"0-4", 0, 4},     {"5-11", 5, 11},   {"12-15", 12, 15},
             {"16-17", 16, 17}, {"18-64", 18, 64}, {"65+", 65, 130}};

const char *routing_age_band(int age)
{
    size_t i = 0;
    while (i + 1 < sizeof(bands) / sizeof(bands[0]) && age > bands[i].hi)
        i++;
    return bands[i].name;
}

int routing_band_range(const char *band, int *lo, int *hi)
{
    for (size_t i = 0; band && i < sizeof(bands) / sizeof(bands[0]); i++)
        if (!strcmp(bands[i].name, band)) {
            *lo = bands[i].lo;
            *hi = bands[i].hi;
            return 0;
        }
    return -1;
}
