/*
 * daemon/persons_notice.c - telling the provider of a referral, and the
 * duty manager of an urgent person held without a place (see
 * persons_int.h).
 *
 * What leaves musterd: a referral notice goes out by the provider's
 * channels, exec, webhook and email included, so it carries only what the
 * provider may see of the person and needs to act: the person's id (to
 * open the record on the muster desk), category, pathway, urgency,
 * preferred language and interpreter need, and the home area of an
 * out-of-area referral.  Never a name, date of birth, phone, email,
 * address or safe-contact instructions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alarm.h"
#include "log.h"
#include "paging.h"
#include "persons_int.h"
#include "plan.h"

/* The notice's facts (what the JSON page carries as "notice"). */
static json_t *news_facts(const struct referral_news *n, int64_t ack_ms)
{
    json_t *f =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:s?, s:b}", "person", (json_int_t)n->person_id,
                  "referral", (json_int_t)n->referral_id, "pathway", n->pathway->id, "pathway_name",
                  n->pathway->name, "category", n->category, "urgent", n->urgent, "language",
                  n->language[0] ? n->language : NULL, "interpreter", n->interpreter);
    if (f && n->home_area[0])
        json_object_set_new(f, "home_area", json_string(n->home_area));
    if (f && ack_ms > 0)
        json_object_set_new(f, "ack_within_ms", json_integer(ack_ms));
    if (f && n->handoff)
        json_object_set_new(f, "handoff", json_true());
    json_object_set_new(f, "state", json_string(n->state));
    return f;
}

/* The notice's subject and text lines. */
static void news_words(const struct referral_news *n, char *subject, size_t slen, char *text,
                       size_t tlen)
{
    bool promoted = !strcmp(n->state, "promoted");
    const char *what = n->handoff ? "HANDOFF" : "REFERRAL";
    snprintf(subject, slen, "%s%s%s: person %" PRId64 " to %s", n->urgent ? "URGENT " : "", what,
             promoted ? " (a place is free)" : "", n->person_id, n->pathway->id);
    snprintf(text, tlen,
             "%s%s: person %" PRId64 " (%s) referred to %s (%s)%s.\n"
             "Language: %s%s.%s%s\n"
             "Open the record on the muster desk: muster person show %" PRId64 "\n"
             "Acknowledge: muster referral ack %" PRId64,
             n->urgent ? "URGENT " : "", what, n->person_id, n->category[0] ? n->category : "-",
             n->pathway->id, n->pathway->name, promoted ? ", a place having come free" : "",
             n->language[0] ? n->language : "not recorded",
             n->interpreter ? " (interpreter needed)" : "", n->home_area[0] ? " Home area: " : "",
             n->home_area, n->person_id, n->person_id);
}

static int news_notice(struct muster *m, struct outbox *ob, const struct plan *plan,
                       const struct referral_news *n, int64_t now)
{
    int64_t ack_ms = n->urgent    ? plan->persons.urgent_ack_ms
                     : n->handoff ? plan->persons.handoff_ack_ms
                                  : 0;
    char subject[200], text[800];
    news_words(n, subject, sizeof(subject), text, sizeof(text));
    json_t *facts = news_facts(n, ack_ms);
    struct paging_notice pn = {.incident_id = n->incident_id,
                               .agency = n->provider,
                               .kind = strcmp(n->state, "promoted") ? "referral" : "promotion",
                               .ref_id = n->referral_id,
                               .subject = subject,
                               .text = text,
                               .facts = facts,
                               .ack_within_ms = ack_ms};
    int rc = facts ? paging_notice(m, ob, &pn, now) : -ENOMEM;
    json_decref(facts);
    return rc;
}

/* The provider of a referral is activated if the incident had not. */
static int news_activate(struct muster *m, struct outbox *ob, const struct plan *plan,
                         const struct referral_news *n, int64_t now)
{
    const struct plan_agency *a = plan_agency_find(plan, n->provider);
    if (!a || !a->activate_on_referral)
        return 0;
    char why[128];
    snprintf(why, sizeof(why), "referral of person %" PRId64 " to %s", n->person_id,
             n->pathway->id);
    int rc = paging_activate(m, ob, n->incident_id, n->ref, a->id, why, now);
    return rc < 0 ? rc : 0;
}

static int news_held(struct muster *m, struct outbox *ob, const struct referral_news *n,
                     int64_t now)
{
    char detail[256];
    snprintf(detail, sizeof(detail),
             "urgent person %" PRId64 " held: no place on %s nor its urgent overflow", n->person_id,
             n->pathway->id);
    log_warnx("persons: %s: %s; raised to the duty manager and Gold", n->ref, detail);
    char cause[64];
    snprintf(cause, sizeof(cause), "urgent_held:%" PRId64, n->referral_id);
    struct alarm_new a = {.incident_id = n->incident_id,
                          .ref = n->ref,
                          .kind = "urgent_held",
                          .agency = n->pathway->provider,
                          .person_id = n->person_id,
                          .referral_id = n->referral_id,
                          .detail = detail,
                          .cause = cause};
    return alarm_raise(m, ob, &a, now, NULL);
}

int persons_referral_news(struct muster *m, struct outbox *ob, const struct plan *plan,
                          const struct referral_news *n, int64_t now)
{
    if (!strcmp(n->state, "held_urgent"))
        return news_held(m, ob, n, now);
    int rc = news_activate(m, ob, plan, n, now);
    if (rc == 0 && !strcmp(n->state, "promoted"))
        rc = alarm_resolve_referral(m, ob, n->referral_id, "musterd (a place came free)", now);
    return rc ? rc : news_notice(m, ob, plan, n, now);
}

int persons_referral_ended(struct muster *m, struct outbox *ob, int64_t referral_id,
                           const char *reason, int64_t now)
{
    char by[64];
    snprintf(by, sizeof(by), "musterd (referral %s)", reason);
    int rc = paging_notice_stop(m, ob, "referral", referral_id, now);
    if (rc == 0)
        rc = paging_notice_stop(m, ob, "promotion", referral_id, now);
    return rc ? rc : alarm_resolve_referral(m, ob, referral_id, by, now);
}
