/*
 * daemon/public_cmd.c - the public door's commands, run by the web gateway's
 * own key (principal "web", never acting for a user) and by nobody else:
 * the published incidents (public.incidents), a self-registration
 * (public.register), a call-back request texted in (public.callback), and
 * the way back in: a one-time link sent to the person's own contact
 * (public.link), what it shows (public.token) and the change made with it
 * (public.update).  They trust nothing they
 * did not check, answer NOT_FOUND for anything not published, and say nothing about anyone. The
 * domain is selfreg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "namefold.h"
#include "outbox.h"
#include "paging.h"
#include "persons.h"
#include "plan.h"
#include "selfreg.h"
#include "server.h"

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

/* Store a checked submission to pub's incident (the Victims' Code clock
 * runs from now): its reference into reference, its possible duplicates
 * into *dups, the person as the audit row's target.  0 or -1 with c->err
 * set. */
static int submission_store(struct cmd_ctx *c, const struct selfreg_pub *pub,
                            const struct plan *plan, struct selfreg_in *in,
                            char reference[SELFREG_REFERENCE_LEN + 1], int *dups)
{
    int64_t person = 0;
    in->incident_id = pub->incident_id;
    in->referral_due_at = persons_referral_due(&plan->persons, c->now);
    int rc = selfreg_add(c->m, c->outbox, in, c->actor, c->now, &person, reference, dups);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)person);
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
    int dups = 0;
    if (submission_store(c, &pub, plan, &in, reference, &dups))
        return -1;
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
    in.name = SELFREG_CALLBACK_NAME;
    in.language = lang;
    in.consent = "not_asked"; /* they asked to be called: the call handler asks */
    int dups = 0;
    if (submission_store(c, &pub, plan, &in, reference, &dups))
        return -1;
    snprintf(c->detail, sizeof(c->detail), "{\"source\":\"%s\",\"possible_duplicates\":%d}",
             channel, dups);
    char url[512];
    snprintf(url, sizeof(url), "%s/%s", plan->public_.url, pub.keyword);
    c->result = json_pack("{s:s, s:s, s:s, s:s}", "reference", reference, "url", url, "hub_phone",
                          plan->public_.hub_phone, "public_name", pub.public_name);
    return 0;
}

/* ---- a way back in: one-time links ---- */

/* A reference as people type it ("sr-7kq2 mx4p"): its one canonical form
 * "SR-7KQ2-MX4P" into out.  0, or -1 when it is not a reference. */
static int reference_read(const char *in, char out[SELFREG_REFERENCE_LEN + 1])
{
    char code[PROTO_ACK_CODE_LEN + 1];
    while (*in == ' ')
        in++;
    if ((in[0] != 'S' && in[0] != 's') || (in[1] != 'R' && in[1] != 'r'))
        return -1;
    if (proto_ack_code(in + 2, code) != 0)
        return -1;
    snprintf(out, SELFREG_REFERENCE_LEN + 1, "SR-%.4s-%.4s", code, code + 4);
    return 0;
}

/* The contact a link request names: a number (its key into phone_key) or
 * an email address. */
static int link_contact(struct cmd_ctx *c, const char *contact, char *phone_key, size_t len,
                        const char **email)
{
    *email = NULL;
    if (strchr(contact, '@')) {
        if (strchr(contact, ' '))
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "\"contact\" must be a telephone number or an email address");
        *email = contact;
        phone_key[0] = '\0';
        return 0;
    }
    if (!namefold_phone_key(contact, phone_key, len))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"contact\" must be a telephone number or an email address");
    return 0;
}

/* Send the link to the contact, through the plan's public sender. */
static int link_send(struct cmd_ctx *c, const struct selfreg_link *l, const char *contact)
{
    struct incident inc;
    int rc = incident_find(c->m->store, l->ref, &inc);
    const struct plan *plan = rc > 0 ? frozen_plan(c->m, inc.id) : NULL;
    if (rc < 0 || !plan)
        return rc < 0 ? rc : -ENOENT;
    if (!plan->public_.sender) {
        outbox_log(c->outbox, "public: %s has no public sender: a link was not sent", l->ref);
        return 0;
    }
    char text[1024], subject[600];
    snprintf(subject, sizeof(subject), "%s: your link", l->public_name);
    snprintf(text, sizeof(text),
             "%s: to change how we may contact you safely, or to withdraw your consent, open "
             "%s/r/%s (it works once, for 24 hours). If you did not ask for it, ignore this "
             "message. Questions: %s.",
             l->public_name, plan->public_.url, l->token, plan->public_.hub_phone);
    return paging_public_send(c->m, c->outbox, plan->public_.sender, contact, l->ref, subject, text,
                              &plan->paging);
}

static int cmd_link(struct cmd_ctx *c)
{
    const char *ref_in = NULL, *contact = NULL, *email = NULL;
    char reference[SELFREG_REFERENCE_LEN + 1], phone_key[32];
    if (proto_arg_str(c->args, "reference", true, 32, &ref_in, &c->err) ||
        proto_arg_str(c->args, "contact", true, 254, &contact, &c->err))
        return -1;
    if (reference_read(ref_in, reference) != 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"reference\" is SR- and 8 characters");
    if (link_contact(c, contact, phone_key, sizeof(phone_key), &email))
        return -1;
    struct selfreg_link l = {0};
    int rc =
        selfreg_link_issue(c->m, reference, phone_key[0] ? phone_key : NULL, email, c->now, &l);
    if (rc > 0) {
        snprintf(c->target, sizeof(c->target), "person %lld", (long long)l.person);
        rc = link_send(c, &l, contact);
    }
    sodium_memzero(l.token, sizeof(l.token));
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:b}", "sent", 1); /* whether or not it matched: no oracle */
    return 0;
}

/* A link that works, or NOT_FOUND (used, expired, unknown: the same). */
static int token_get(struct cmd_ctx *c, struct selfreg_token *t)
{
    const char *token = NULL;
    if (proto_arg_str(c->args, "token", true, 64, &token, &c->err))
        return -1;
    int rc = selfreg_token_find(c->m, token, c->now, t);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND, "this link has been used or has expired");
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)t->person);
    return 0;
}

static int cmd_token(struct cmd_ctx *c)
{
    struct selfreg_token t = {0};
    if (token_get(c, &t))
        return -1;
    c->result = json_incref(t.view);
    selfreg_token_clear(&t);
    return 0;
}

/* The changes of a public.update, checked; the changed fields' names
 * into fields. */
static int change_parse(struct cmd_ctx *c, struct selfreg_change *ch, char *phone_key, size_t len,
                        json_t *fields)
{
    json_t *a = c->args;
    if (proto_arg_text(a, "safe_to_call", false, 200, &ch->safe_to_call, &c->err) ||
        proto_arg_text(a, "safe_note", false, 500, &ch->safe_note, &c->err) ||
        proto_arg_str(a, "phone", false, 20, &ch->phone, &c->err) ||
        proto_arg_str(a, "email", false, 254, &ch->email, &c->err) ||
        proto_arg_bool(a, "withdraw_consent", false, &ch->withdraw_consent, &c->err))
        return -1;
    if (ch->phone && !namefold_phone_key(ch->phone, phone_key, len))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"phone\" must be a telephone number");
    if (ch->email && (!strchr(ch->email, '@') || strchr(ch->email, ' ')))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"email\" must be an email address");
    ch->phone_key = ch->phone ? phone_key : NULL;
    const char *names[] = {"safe_to_call", "safe_note", "phone", "email"};
    const char *vals[] = {ch->safe_to_call, ch->safe_note, ch->phone, ch->email};
    for (int i = 0; i < 4; i++)
        if (vals[i])
            json_array_append_new(fields, json_string(names[i]));
    if (json_array_size(fields) == 0 && !ch->withdraw_consent)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "nothing to change");
    return 0;
}

/* Consent withdrawn as person.consent refuses it: referrals closed, the
 * person routed again (held), the retention clock of those who declined. */
static int consent_withdrawn(struct cmd_ctx *c, const struct selfreg_token *t)
{
    int rc = persons_referral_close(c->m, c->outbox, t->person, "consent refused", c->now);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, t->person, c->now);
    return rc ? rc
              : persons_retention_mark(c->m, c->outbox, t->person, t->incident_id, false, c->now);
}

static int cmd_update(struct cmd_ctx *c)
{
    struct selfreg_token t = {0};
    struct selfreg_change ch = {0};
    char phone_key[32];
    json_t *fields = json_array();
    int64_t correction = 0;
    int rc =
        token_get(c, &t) || change_parse(c, &ch, phone_key, sizeof(phone_key), fields) ? -1 : 0;
    if (rc == 0) {
        rc = selfreg_token_apply(c->m, &t, &ch, fields, c->actor, c->now, &correction);
        if (rc == 0 && ch.withdraw_consent)
            rc = consent_withdrawn(c, &t);
        if (rc == 0)
            rc = outbox_event(c->m, c->outbox, t.incident_id, t.ref, "person.updated",
                              json_pack("{s:I, s:O, s:b}", "person", (json_int_t)t.person, "fields",
                                        fields, "consent_withdrawn", ch.withdraw_consent),
                              c->now);
        rc = rc == -ENOENT ? proto_fail(&c->err, ERR_NOT_FOUND, "this link has been used")
             : rc          ? dispatch_storage_fail(c, rc)
                           : 0;
    }
    if (rc == 0) {
        char *f = jtext_dump(fields, false);
        snprintf(c->detail, sizeof(c->detail),
                 "{\"via\":\"one-time link\",\"correction\":%lld,\"fields\":%s,"
                 "\"consent_withdrawn\":%s}",
                 (long long)correction, f ? f : "[]", ch.withdraw_consent ? "true" : "false");
        free(f);
        c->result =
            json_pack("{s:O, s:s}", "updated", fields, "consent",
                      ch.withdraw_consent ? "withdrawn"
                                          : json_string_value(json_object_get(t.view, "consent")));
    }
    json_decref(fields);
    selfreg_token_clear(&t);
    return rc;
}

static const char *const incidents_args[] = {NULL};
static const char *const link_args[] = {"reference", "contact", NULL};
static const char *const token_args[] = {"token", NULL};
static const char *const update_args[] = {"token", "safe_to_call",     "safe_note", "phone",
                                          "email", "withdraw_consent", NULL};
static const char *const callback_args[] = {"keyword", "from", "channel", "language", NULL};
static const char *const register_args[] = {
    "incident",  "name",        "phone",         "email",   "safe_to_call", "safe_note", "language",
    "home_area", "involvement", "wants_support", "consent", "source",       NULL};

const struct command public_commands[] = {
    {.name = "public.incidents", .fn = cmd_incidents, .args = incidents_args},
    {.name = "public.register", .fn = cmd_register, .args = register_args, .flags = CMD_MUTATING},
    {.name = "public.callback", .fn = cmd_callback, .args = callback_args, .flags = CMD_MUTATING},
    {.name = "public.link", .fn = cmd_link, .args = link_args, .flags = CMD_MUTATING},
    {.name = "public.token", .fn = cmd_token, .args = token_args, .flags = CMD_AUDIT_READ},
    {.name = "public.update", .fn = cmd_update, .args = update_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
