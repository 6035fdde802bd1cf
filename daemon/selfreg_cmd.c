/*
 * daemon/selfreg_cmd.c - the staff side of the public door: Gold publishes
 * an incident for self-registration and withdraws it (incident.publish,
 * incident.unpublish: the kill switch), and a call handler verifies or
 * rejects what came in (person.verify).  The domain is selfreg.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "outbox.h"
#include "persons.h"
#include "plan.h"
#include "selfreg.h"
#include "server.h"
#include "store.h"

/* ---- publishing ---- */

/* The keyword a person texts (HELP ARENA): 2 to 16 letters and digits,
 * upper-cased into out.  0, or -1 with c->err set. */
static int keyword_parse(struct cmd_ctx *c, const char *in, char out[SELFREG_KEYWORD_MAX + 1])
{
    size_t n = strlen(in);
    if (n < 2 || n > SELFREG_KEYWORD_MAX)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"keyword\" must be 2 to %d letters or digits", SELFREG_KEYWORD_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!isascii((unsigned char)in[i]) || !isalnum((unsigned char)in[i]))
            return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                              "\"keyword\" must be 2 to %d letters or digits", SELFREG_KEYWORD_MAX);
        out[i] = (char)toupper((unsigned char)in[i]);
    }
    out[n] = '\0';
    return 0;
}

static int cmd_publish(struct cmd_ctx *c)
{
    const char *ref = NULL, *name = NULL, *kw = NULL;
    char keyword[SELFREG_KEYWORD_MAX + 1];
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_str(c->args, "public_name", true, SELFREG_PUBLIC_NAME_MAX, &name, &c->err) ||
        proto_arg_str(c->args, "keyword", true, SELFREG_KEYWORD_MAX, &kw, &c->err) ||
        keyword_parse(c, kw, keyword) || dispatch_incident(c, ref, &inc))
        return -1;
    snprintf(c->target, sizeof(c->target), "%s", inc.ref);
    if (!name[0])
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"public_name\" must not be empty");
    if (inc.closed)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is closed", inc.ref);
    const struct plan *plan = frozen_plan(c->m, inc.id);
    if (!plan)
        return proto_fail(&c->err, ERR_INTERNAL, "the frozen plan of %s cannot be read", inc.ref);
    if (plan->public_.nlanguages == 0)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "the plan of %s has no public section: nothing to publish with", inc.ref);
    int rc = selfreg_publish(c->m, inc.id, name, keyword, c->actor, c->now);
    if (rc == -EEXIST)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "keyword %s is already used by another published incident", keyword);
    if (rc == 0)
        rc = selfreg_board_put(c->m, c->outbox, inc.id);
    if (rc == 0)
        rc =
            outbox_event(c->m, c->outbox, inc.id, inc.ref, "incident.published",
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "ref", inc.ref, "public_name", name,
                                   "keyword", keyword, "url", plan->public_.url, "by", c->actor),
                         c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    outbox_log(c->outbox, "incident: %s published for self-registration as %s", inc.ref, keyword);
    c->result = json_pack("{s:s, s:b, s:s, s:s, s:s}", "ref", inc.ref, "published", 1,
                          "public_name", name, "keyword", keyword, "url", plan->public_.url);
    return 0;
}

static int cmd_unpublish(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    snprintf(c->target, sizeof(c->target), "%s", inc.ref);
    int rc = selfreg_unpublish(c->m, inc.id, c->now);
    bool was = rc > 0;
    if (rc > 0)
        rc = outbox_event(c->m, c->outbox, inc.id, inc.ref, "incident.unpublished",
                          json_pack("{s:s, s:s}", "ref", inc.ref, "by", c->actor), c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (was)
        outbox_log(c->outbox, "incident: %s withdrawn from self-registration", inc.ref);
    c->result = json_pack("{s:s, s:b, s:b}", "ref", inc.ref, "published", 0, "was_published", was);
    return 0;
}

/* ---- verification ---- */

/* The category a verified person is routed as, from what they said. */
static const char *involvement_category(const char *involvement)
{
    static const char *const map[][2] = {{"injured", "injured"},
                                         {"present", "survivor"},
                                         {"witness", "witness"},
                                         {"bereaved", "bereaved"},
                                         {"worried", "other"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i][0], involvement))
            return map[i][1];
    return "other";
}

/* Route a verified person as person.add would: re-screens, a pathway,
 * the board's counts. */
static int verified_route(struct cmd_ctx *c, const struct person_ref *p, const char *category)
{
    struct incident inc;
    const struct plan *plan = frozen_plan(c->m, p->incident_id);
    int rc = plan ? incident_get(c->m->store, p->incident_id, &inc) : -EINVAL;
    rc = rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
    if (rc == 0)
        rc = persons_rescreen_schedule(c->m, p->id, inc.created_at, &plan->persons.screening);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, p->id, c->now);
    if (rc == 0)
        rc = persons_board_count(c->m, c->outbox, p->incident_id, category, 1);
    return rc ? rc : persons_check_after_commit(c->m, c->outbox);
}

static int cmd_verify(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *outcome = NULL, *note = NULL;
    char state[16] = "", involvement[16] = "";
    if (dispatch_person(c, "person", &p, true) ||
        proto_arg_str(c->args, "outcome", true, 10, &outcome, &c->err) ||
        proto_arg_text(c->args, "note", false, 500, &note, &c->err))
        return -1;
    bool verified = !strcmp(outcome, "verified");
    if (!verified && strcmp(outcome, "rejected"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"outcome\" is verified or rejected");
    int rc = selfreg_state(c->m, p.id, state, involvement);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc == 0 || strcmp(state, "unverified"))
        return proto_fail(&c->err, ERR_CONFLICT,
                          "person %lld is not an unverified self-registration", (long long)p.id);
    const char *category = involvement_category(involvement);
    if (verified) {
        rc = selfreg_verified(c->m, c->outbox, p.id, category, note, c->actor, c->now);
        rc = rc ? rc : verified_route(c, &p, category);
    } else {
        rc = selfreg_rejected(c->m, c->outbox, p.id, c->actor, c->now);
    }
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p.incident_id, p.ref, "person.verified",
                          json_pack("{s:I, s:s}", "person", (json_int_t)p.id, "outcome", outcome),
                          c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->detail, sizeof(c->detail), "{\"outcome\":\"%s\"}", outcome);
    c->result = verified ? json_pack("{s:I, s:s, s:s}", "person", (json_int_t)p.id, "outcome",
                                     outcome, "category", category)
                         : json_pack("{s:I, s:s, s:b}", "person", (json_int_t)p.id, "outcome",
                                     outcome, "purged", 1);
    return 0;
}

static const char *const publish_args[] = {"incident", "public_name", "keyword", NULL};
static const char *const unpublish_args[] = {"incident", NULL};
static const char *const verify_args[] = {"person", "outcome", "note", NULL};

const struct command selfreg_commands[] = {
    {.name = "incident.publish", .fn = cmd_publish, .args = publish_args, .flags = CMD_MUTATING},
    {.name = "incident.unpublish",
     .fn = cmd_unpublish,
     .args = unpublish_args,
     .flags = CMD_MUTATING},
    {.name = "person.verify", .fn = cmd_verify, .args = verify_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
