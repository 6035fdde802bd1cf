/*
 * daemon/alarm_cmd.c - the alarm commands: alarm.list and alarm.clear for
 * the Hub duty manager and Gold (the alarms themselves are alarm.c's).
 */
#include <errno.h>
#include <stdio.h>

#include "alarm.h"
#include "dispatch.h"
#include "incident.h"

/* alarm.list: the open alarms (all with "all") of one incident or all. */
static int cmd_list(struct cmd_ctx *c)
{
    const char *ref = NULL;
    bool all = false;
    struct incident inc = {.id = 0};
    if (proto_arg_str(c->args, "incident", false, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_bool(c->args, "all", false, &all, &c->err) ||
        (ref && dispatch_incident(c, ref, &inc)))
        return -1;
    json_t *alarms = NULL;
    int rc = alarm_list(c->m, inc.id, all, &alarms);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:o}", "alarms", alarms);
    return 0;
}

/* alarm.clear: a duty manager or Gold has dealt with an open alarm. */
static int cmd_clear(struct cmd_ctx *c)
{
    int64_t id = 0;
    const char *note = NULL;
    char state[16] = "";
    if (proto_arg_int(c->args, "alarm", true, 1, INT64_MAX, &id, &c->err) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err))
        return -1;
    snprintf(c->target, sizeof(c->target), "alarm %lld", (long long)id);
    int rc = alarm_clear(c->m, c->outbox, id, c->actor, note, c->now, state);
    if (rc == -ENOENT)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no alarm %lld", (long long)id);
    if (rc == -EALREADY)
        return proto_fail(&c->err, ERR_CONFLICT, "alarm %lld is %s", (long long)id, state);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s}", "alarm", (json_int_t)id, "state", "cleared");
    return 0;
}

static const char *const list_args[] = {"incident", "all", NULL};
static const char *const clear_args[] = {"alarm", "note", NULL};

const struct command alarm_commands[] = {
    {.name = "alarm.list", .fn = cmd_list, .args = list_args},
    {.name = "alarm.clear", .fn = cmd_clear, .args = clear_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
