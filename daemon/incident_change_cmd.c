/*
 * daemon/incident_change_cmd.c - Gold changes a running incident: its
 * level (incident.level) and its plan (incident.amend, a new version of
 * the frozen plan).  Table: incident_change_commands.
 *
 * Both end the same way: the incident's activation pages and staffing
 * requirements follow the plan in force at the level in force
 * (paging_incident_level, staffing_incident_level), so raising the level
 * pages the agencies it now activates once, lowering it stops the ladders
 * of those no longer needed, and an amendment that adds an agency at or
 * below the level pages it once.  A ladder changed by an amendment is
 * followed from the step its page stands on.  Each change is an event on
 * the incident's timeline, a line in the journal and an audit row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "dispatch.h"
#include "frozen.h"
#include "incident.h"
#include "incident_amend.h"
#include "jtext.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "plan.h"
#include "server.h"
#include "sitrep_period.h"
#include "staffing.h"
#include "store.h"

/* The active incident named by "ref" into *inc, with its plan in force:
 * 0, or -1 with c->err set. */
static int change_target(struct cmd_ctx *c, struct incident *inc, const struct plan **plan)
{
    const char *ref = NULL;
    if (proto_arg_str(c->args, "ref", true, INCIDENT_REF_MAX, &ref, &c->err))
        return -1;
    snprintf(c->target, sizeof(c->target), "%s", ref);
    if (dispatch_incident(c, ref, inc) != 0)
        return -1;
    if (!inc->active)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", ref);
    *plan = frozen_plan(c->m, inc->id);
    if (!*plan)
        return dispatch_storage_fail(c, -EIO);
    return 0;
}

/* Pages and staffing follow plan at level; the incident's board key. */
static int follow(struct cmd_ctx *c, const struct incident *inc, const struct plan *plan, int level,
                  const char *reason, struct paging_level_change *pc)
{
    int rc =
        paging_incident_level(c->m, c->outbox, inc->id, inc->ref, plan, level, reason, c->now, pc);
    if (rc == 0)
        rc = staffing_incident_level(c->m, c->outbox, inc->id, plan, level, c->now);
    if (rc == 0)
        board_put(c->outbox, "incident", board_incident(c->m, inc->id));
    return rc;
}

/* ---- incident.level ---- */

static int level_check(struct cmd_ctx *c, const struct incident *inc, const struct plan *plan,
                       int64_t level)
{
    if (!plan_level_find(plan, (int)level))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "plan %s has no level %lld", plan->id,
                          (long long)level);
    if (level == inc->level)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is already at level %lld", inc->ref,
                          (long long)level);
    return 0;
}

static int cmd_level(struct cmd_ctx *c)
{
    struct incident inc;
    const struct plan *plan = NULL;
    int64_t level = 0;
    if (proto_arg_int(c->args, "level", true, 1, 9, &level, &c->err) ||
        change_target(c, &inc, &plan) || level_check(c, &inc, plan, level))
        return -1;
    char reason[32];
    snprintf(reason, sizeof(reason), "level %d", (int)level);
    struct paging_level_change pc = {0};
    int rc = incident_set_level(c->m->store, inc.id, (int)level);
    rc = rc < 0 ? rc : rc == 0 ? -EAGAIN : 0; /* active: checked in this transaction */
    if (rc == 0)
        rc = follow(c, &inc, plan, (int)level, reason, &pc);
    json_t *r = json_pack("{s:s, s:i, s:i, s:s, s:i, s:i}", "ref", inc.ref, "level", (int)level,
                          "previous_level", inc.level, "level_name",
                          plan_level_find(plan, (int)level)->name, "agencies_paged", pc.paged,
                          "agencies_stood_down", pc.stopped);
    if (rc == 0) {
        json_t *ev = json_deep_copy(r);
        json_object_set_new(ev, "by", json_string(c->actor));
        rc = outbox_event(c->m, c->outbox, inc.id, inc.ref, "incident.level", ev, c->now);
    }
    if (rc != 0) {
        json_decref(r);
        return dispatch_storage_fail(c, rc);
    }
    /* once committed, and by role: who exactly is the audit trail's */
    outbox_log(c->outbox, "incident %s: level %d -> %d by %s: %d agencies paged, %d stood down",
               inc.ref, inc.level, (int)level, c->principal, pc.paged, pc.stopped);
    snprintf(c->detail, sizeof(c->detail), "{\"from\":%d,\"to\":%d}", inc.level, (int)level);
    c->result = r;
    return 0;
}

/* ---- incident.amend ---- */

struct amend {
    struct incident inc;
    const struct plan *old; /* borrowed from the frozen cache: read before any change */
    struct plan *nw;
    char summary[300];
};

/* The new plan, valid as --check-plan would have it: 0, or -1 with c->err. */
static int amend_load(struct cmd_ctx *c, struct amend *a)
{
    const char *file = "amendment.yaml", *source = NULL;
    if (proto_arg_str(c->args, "file", false, 255, &file, &c->err) ||
        proto_arg_text(c->args, "plan", true, PLAN_MAX_BYTES, &source, &c->err) ||
        change_target(c, &a->inc, &a->old))
        return -1;
    struct plan_errors errs = {0};
    /* a holiday file it names is musterd's own, never one beside the client's file */
    int rc = plan_load_buffer_at(file, c->m->cfg->plans_dir, source, strlen(source), &a->nw, &errs);
    if (rc != 0)
        proto_fail(&c->err, ERR_BAD_ARGUMENT, "%s%s", errs.count ? errs.msg[0] : "invalid plan",
                   errs.count > 1 ? " (and more: musterd --check-plan shows them all)" : "");
    plan_errors_free(&errs);
    return rc ? -1 : 0;
}

/* The new plan against the incident: 0, or -1 with c->err set. */
static int amend_check(struct cmd_ctx *c, struct amend *a)
{
    char now[INCIDENT_DIGEST_MAX];
    if (incident_plan_digest(c->m->store, a->inc.id, now) > 0 && !strcmp(now, a->nw->source_digest))
        return proto_fail(&c->err, ERR_CONFLICT, "the plan is the same as version %d, in force",
                          a->inc.plan_rev);
    json_t *problems = json_array();
    int rc = incident_amend_check(c->m, &a->inc, a->old, a->nw, problems);
    size_t n = json_array_size(problems);
    if (rc == 0 && n > 0)
        proto_fail(&c->err, ERR_CONFLICT, "%s%s", json_string_value(json_array_get(problems, 0)),
                   n > 1 ? " (and more)" : "");
    json_decref(problems);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    incident_amend_summary(a->old, a->nw, a->summary, sizeof(a->summary));
    return n > 0 ? -1 : 0;
}

/* Store the new version: 0 with *version, or -errno. */
static int amend_store(struct cmd_ctx *c, struct amend *a, int *version)
{
    json_t *pj = plan_to_json(a->nw);
    char *json = pj ? jtext_dump(pj, false) : NULL;
    json_decref(pj);
    if (!json)
        return -ENOMEM;
    struct incident_plan p = {.plan_version = a->nw->version,
                              .source = a->nw->source,
                              .source_len = a->nw->source_len,
                              .digest = a->nw->source_digest,
                              .json = json,
                              .ask_lead_ms = a->nw->staffing.ask_lead_ms,
                              .retention_days = a->nw->retention_days,
                              .summary = a->summary};
    int rc = incident_plan_amend(c->m->store, a->inc.id, &p, c->now, c->actor, version);
    free(json);
    return rc < 0 ? rc : rc == 0 ? -EAGAIN : 0; /* active: checked in this transaction */
}

static int amend_apply(struct cmd_ctx *c, struct amend *a, json_t **result)
{
    int version = 0;
    char reason[48];
    struct paging_level_change pc = {0};
    int rc = amend_store(c, a, &version);
    snprintf(reason, sizeof(reason), "plan version %d", version);
    if (rc == 0)
        rc = follow(c, &a->inc, a->nw, a->inc.level, reason, &pc);
    *result = json_pack("{s:s, s:i, s:s, s:s, s:i, s:i}", "ref", a->inc.ref, "plan_version",
                        version, "plan_version_label", a->nw->version, "summary", a->summary,
                        "agencies_paged", pc.paged, "agencies_stood_down", pc.stopped);
    if (rc == 0) {
        json_t *ev = json_deep_copy(*result);
        json_object_set_new(ev, "by", json_string(c->actor));
        rc = outbox_event(c->m, c->outbox, a->inc.id, a->inc.ref, "incident.amended", ev, c->now);
    }
    if (rc == 0) /* the amended plan may add, change or drop its SitReps */
        rc = sitrep_period_after_commit(c->m, c->outbox);
    if (rc == 0)
        outbox_log(c->outbox, "incident %s: plan amended to version %d by %s: %s", a->inc.ref,
                   version, c->principal, a->summary);
    snprintf(c->detail, sizeof(c->detail), "{\"plan_version\":%d}", version);
    return rc;
}

static int cmd_amend(struct cmd_ctx *c)
{
    struct amend a = {0};
    json_t *r = NULL;
    int rc = amend_load(c, &a);
    if (rc == 0)
        rc = amend_check(c, &a);
    if (rc == 0 && (rc = amend_apply(c, &a, &r)) != 0)
        rc = dispatch_storage_fail(c, rc);
    plan_free(a.nw);
    if (rc != 0)
        json_decref(r);
    else
        c->result = r;
    return rc ? -1 : 0;
}

static const char *const level_args[] = {"ref", "level", NULL};
static const char *const amend_args[] = {"ref", "plan", "file", NULL};

const struct command incident_change_commands[] = {
    {.name = "incident.level", .fn = cmd_level, .args = level_args, .flags = CMD_MUTATING},
    {.name = "incident.amend", .fn = cmd_amend, .args = amend_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
