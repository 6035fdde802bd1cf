/*
 * daemon/public_cmd.c - the public door's commands, run by the web gateway's
 * own key (principal "web", never acting for a user) and by nobody else:
 * the published incidents (public.incidents), a self-registration
 * (public.register) and a call-back request texted in (public.callback).  They trust nothing they
 * did not check, answer NOT_FOUND for anything not published, and say nothing about anyone. The
 * domain is selfreg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "namefold.h"
#include "persons.h"
#include "plan.h"
#include "selfreg.h"

static int cmd_incidents(struct cmd_ctx *c)
{
    json_t *list = NULL;
    int rc = selfreg_pub_list(c->m, &list);
    if (rc != 0) {
        json_decref(list);
        return dispatch_storage_fail(c, rc);
    }
    c->result = json_pack("{s:o}", "incidents", list);
    return 0;
}

/* ---- a self-registration ---- */

static const char *const involvements[] = {"injured",  "present", "witness",
                                           "bereaved", "worried", NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* The published incident named by ref, with its frozen plan's public
 * section: NOT_FOUND for one unknown, never or no longer published
 * (the same answer: the public learns nothing of other incidents). */
static int published(struct cmd_ctx *c, const char *key, bool by_keyword, struct selfreg_pub *pub,
                     const struct plan **plan)
{
    int rc = selfreg_pub_find(c->m, key, by_keyword, pub);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    *plan = rc > 0 ? frozen_plan(c->m, pub->incident_id) : NULL;
    if (rc == 0 || !*plan || (*plan)->public_.nlanguages == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no incident open for registration is %s %s",
                          by_keyword ? "keyword" : "named", key);
    return 0;
}

/* Over the plan's max_per_minute for the incident: BUSY, with when a
 * place comes free. */
static int rate_check(struct cmd_ctx *c, const struct selfreg_pub *pub, const struct plan *plan)
{
    int64_t n = 0, oldest = 0;
    int rc = selfreg_recent(c->m, pub->incident_id, c->now, &n, &oldest);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (n < plan->public_.max_per_minute)
        return 0;
    proto_fail(&c->err, ERR_BUSY,
               "too many registrations this minute; try again shortly or call %s",
               plan->public_.hub_phone);
    int64_t wait = oldest + 60000 - c->now;
    c->err.retry_after_ms = wait > 0 ? wait : 1;
    return -1;
}

static int register_strings(struct cmd_ctx *c, struct selfreg_in *in)
{
    json_t *a = c->args;
    return proto_arg_str(a, "name", true, 200, &in->name, &c->err) ||
           proto_arg_str(a, "phone", false, 20, &in->phone, &c->err) ||
           proto_arg_str(a, "email", false, 254, &in->email, &c->err) ||
           proto_arg_text(a, "safe_to_call", true, 200, &in->safe_to_call, &c->err) ||
           proto_arg_text(a, "safe_note", false, 500, &in->safe_note, &c->err) ||
           proto_arg_str(a, "language", true, 3, &in->language, &c->err) ||
           proto_arg_str(a, "home_area", true, 100, &in->home_area, &c->err) ||
           proto_arg_str(a, "involvement", true, 10, &in->involvement, &c->err) ||
           proto_arg_str(a, "source", false, 10, &in->source, &c->err) ||
           proto_arg_bool(a, "wants_support", true, &in->wants_support, &c->err);
}

/* The language must be one the incident's page offers. */
static bool language_offered(const struct plan *plan, const char *lang)
{
    for (size_t i = 0; i < plan->public_.nlanguages; i++)
        if (!strcmp(plan->public_.languages[i], lang))
            return true;
    return false;
}

/* The contact a person gave: a telephone number (its key for the
 * duplicate check into phone_key) or an email address. */
static int contact_check(struct cmd_ctx *c, struct selfreg_in *in, char *phone_key, size_t len)
{
    if (!in->phone && !in->email)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "give \"phone\" or \"email\" (or both)");
    if (in->phone && !namefold_phone_key(in->phone, phone_key, len))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"phone\" must be a telephone number");
    if (in->email && (!strchr(in->email, '@') || strchr(in->email, ' ')))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"email\" must be an email address");
    in->phone_key = in->phone ? phone_key : NULL;
    return 0;
}

/* Every field of a self-registration checked; 0 or -1 with c->err set. */
static int register_parse(struct cmd_ctx *c, const struct plan *plan, struct selfreg_in *in,
                          char *name_key, size_t klen, char *phone_key, size_t plen)
{
    bool consent = false;
    in->source = "web";
    if (register_strings(c, in) || proto_arg_bool(c->args, "consent", true, &consent, &c->err))
        return -1;
    if (!consent)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"consent\" must be true: nothing is stored without it");
    if (strcmp(in->source, "web"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"source\" is web");
    if (!in->name[0] || !in->safe_to_call[0] || !in->home_area[0])
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"name\", \"safe_to_call\" and \"home_area\" must not be empty");
    if (!one_of(in->involvement, involvements))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"involvement\" is injured, present, witness, bereaved or worried");
    if (!language_offered(plan, in->language))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"language\" is not one this page offers");
    if (contact_check(c, in, phone_key, plen))
        return -1;
    int rc = namefold_key(in->name, name_key, klen);
    if (rc == -EILSEQ)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"name\" must be UTF-8 text");
    if (rc != 0)
        return proto_fail(&c->err, ERR_INTERNAL, "the name could not be compared");
    in->name_key = name_key;
    in->consent = "given";
    return 0;
}

static int cmd_register(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct selfreg_pub pub;
    const struct plan *plan = NULL;
    struct selfreg_in in = {0};
    char name_key[NAMEFOLD_KEY_MAX], phone_key[32], reference[SELFREG_REFERENCE_LEN + 1];
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        published(c, ref, false, &pub, &plan) ||
        register_parse(c, plan, &in, name_key, sizeof(name_key), phone_key, sizeof(phone_key)) ||
        rate_check(c, &pub, plan))
        return -1;
    in.incident_id = pub.incident_id;
    in.referral_due_at = persons_referral_due(&plan->persons, c->now);
    int64_t person = 0;
    int dups = 0;
    int rc = selfreg_add(c->m, c->outbox, &in, c->actor, c->now, &person, reference, &dups);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)person);
    snprintf(c->detail, sizeof(c->detail),
             "{\"source\":\"web\",\"language\":\"%s\",\"possible_duplicates\":%d}", in.language,
             dups);
    c->result = json_pack("{s:s}", "reference", reference);
    return 0;
}

/* ---- a call-back request (HELP KEYWORD by SMS or email) ---- */

/* The sender of a keyword text: a telephone number (sms) or an email
 * address (email), into in.  0 or -1 with c->err set. */
static int callback_sender(struct cmd_ctx *c, const char *channel, const char *from,
                           struct selfreg_in *in, char *phone_key, size_t len)
{
    if (!strcmp(channel, "sms"))
        in->phone = from;
    else if (!strcmp(channel, "email"))
        in->email = from;
    else
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"channel\" is sms or email");
    in->source = channel;
    return contact_check(c, in, phone_key, len);
}

static int cmd_callback(struct cmd_ctx *c)
{
    const char *kw = NULL, *from = NULL, *channel = NULL, *lang = NULL;
    struct selfreg_pub pub;
    const struct plan *plan = NULL;
    struct selfreg_in in = {0};
    char phone_key[32], reference[SELFREG_REFERENCE_LEN + 1];
    if (proto_arg_str(c->args, "keyword", true, SELFREG_KEYWORD_MAX, &kw, &c->err) ||
        proto_arg_str(c->args, "from", true, 254, &from, &c->err) ||
        proto_arg_str(c->args, "channel", true, 5, &channel, &c->err) ||
        proto_arg_str(c->args, "language", false, 3, &lang, &c->err) ||
        published(c, kw, true, &pub, &plan) ||
        callback_sender(c, channel, from, &in, phone_key, sizeof(phone_key)))
        return -1;
    if (lang && !language_offered(plan, lang))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"language\" is not one this page offers");
    if (rate_check(c, &pub, plan))
        return -1;
    in.incident_id = pub.incident_id;
    in.name = SELFREG_CALLBACK_NAME;
    in.language = lang;
    in.consent = "not_asked"; /* they asked to be called: the call handler asks */
    in.referral_due_at = persons_referral_due(&plan->persons, c->now);
    int64_t person = 0;
    int dups = 0;
    int rc = selfreg_add(c->m, c->outbox, &in, c->actor, c->now, &person, reference, &dups);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)person);
    snprintf(c->detail, sizeof(c->detail), "{\"source\":\"%s\",\"possible_duplicates\":%d}",
             channel, dups);
    char url[512];
    snprintf(url, sizeof(url), "%s/%s", plan->public_.url, pub.keyword);
    c->result = json_pack("{s:s, s:s, s:s, s:s}", "reference", reference, "url", url, "hub_phone",
                          plan->public_.hub_phone, "public_name", pub.public_name);
    return 0;
}

static const char *const incidents_args[] = {NULL};
static const char *const callback_args[] = {"keyword", "from", "channel", "language", NULL};
static const char *const register_args[] = {
    "incident",  "name",        "phone",         "email",   "safe_to_call", "safe_note", "language",
    "home_area", "involvement", "wants_support", "consent", "source",       NULL};

const struct command public_commands[] = {
    {.name = "public.incidents", .fn = cmd_incidents, .args = incidents_args},
    {.name = "public.register", .fn = cmd_register, .args = register_args, .flags = CMD_MUTATING},
    {.name = "public.callback", .fn = cmd_callback, .args = callback_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
