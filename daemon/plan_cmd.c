/*
 * daemon/plan_cmd.c - the plan commands: plan.list and plan.show, over the
 * plans currently loaded (a running incident keeps its own frozen copy:
 * see incident.show).
 */
#include <string.h>

#include "dispatch.h"
#include "plan.h"
#include "server.h"

static json_t *plan_summary(const struct plan *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", p->id, "name", p->name, "version",
                     p->version, "file", p->path, "ref_prefix", p->ref_prefix, "levels",
                     (json_int_t)p->nlevels, "agencies", (json_int_t)p->nagencies);
}

static int cmd_plan_list(struct cmd_ctx *c)
{
    json_t *arr = json_array();
    for (size_t i = 0; c->m->plans && i < c->m->plans->count; i++)
        json_array_append_new(arr, plan_summary(c->m->plans->plans[i]));
    c->result = json_pack("{s:o}", "plans", arr);
    return 0;
}

static int cmd_plan_show(struct cmd_ctx *c)
{
    const char *id = NULL;
    if (proto_arg_str(c->args, "plan", true, 40, &id, &c->err))
        return -1;
    const struct plan *p = c->m->plans ? planset_find(c->m->plans, id) : NULL;
    if (!p)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no plan \"%s\" is loaded", id);
    c->result = plan_to_json(p);
    return 0;
}

static const char *const no_args[] = {NULL};
static const char *const show_args[] = {"plan", NULL};

const struct command plan_commands[] = {
    {.name = "plan.list", .fn = cmd_plan_list, .args = no_args},
    {.name = "plan.show", .fn = cmd_plan_show, .args = show_args},
    {.name = NULL},
};
