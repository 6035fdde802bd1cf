/*
 * daemon/session_cmd.c - session.whoami: who the daemon takes the caller
 * for (the principal of its key, or of the user the web gateway acts for,
 * and the person), and which musterd and schema answer.
 */
#include "dispatch.h"
#include "store.h"

static int cmd_whoami(struct cmd_ctx *c)
{
    c->result = json_pack("{s:s, s:s?, s:s, s:i}", "principal", c->principal, "person", c->person,
                          "version", MUSTER_VERSION, "schema", store_schema_version());
    return 0;
}

static const char *const no_args[] = {NULL};

const struct command session_commands[] = {
    {.name = "session.whoami", .fn = cmd_whoami, .args = no_args},
    {.name = NULL},
};
