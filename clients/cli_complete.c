/*
 * clients/cli_complete.c - `muster complete commands|refs|shifts INCIDENT`:
 * the words the bash completion (clients/completion/muster) offers,
 * one a line.  Incident references and shift keys are asked of musterd
 * with the user's own keys; when it cannot be asked (no key, not
 * reachable, refused) nothing is printed and the exit code says why, so
 * completion quietly offers nothing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_help.h"
#include "client.h"
#include "keys.h"

/* Send cmd with args (stolen) as the natural role, quietly, waiting at
 * most two seconds.  The result (a new reference) or NULL. */
static json_t *ask_quietly(struct cli *cli, const char *natural, const char *cmd, json_t *args)
{
    struct keypair me;
    char server_pub[41], err[512];
    struct mclient *c = NULL;
    json_t *reply = NULL, *result = NULL;
    int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, STDERR_FILENO); /* a missing key says nothing here */
    int rc = cli_load_keys(cli, natural, &me, server_pub);
    if (saved >= 0 && dup2(saved, STDERR_FILENO) >= 0)
        close(saved);
    if (null >= 0)
        close(null);
    struct mclient_opts o = {cli->endpoint, &me, server_pub,
                             cli->timeout_ms < 2000 ? cli->timeout_ms : 2000};
    if (rc == 0 && mclient_open(&o, &c, err, sizeof(err)) == 0 &&
        mclient_call(c, NULL, cmd, args, &reply, err, sizeof(err)) == 0 &&
        json_is_true(json_object_get(reply, "ok")))
        result = json_incref(json_object_get(reply, "result"));
    else if (!c)
        json_decref(args);
    json_decref(reply);
    mclient_close(c);
    return result;
}

/* Print member key of each object of the array r[list]; 0, or 1 for none. */
static int print_members(json_t *r, const char *list, const char *key)
{
    json_t *x;
    size_t i;
    json_array_foreach(json_object_get(r, list), i, x)
    {
        const char *s = json_string_value(json_object_get(x, key));
        if (s && !strpbrk(s, " \t\n\\'\""))
            printf("%s\n", s);
    }
    json_decref(r);
    return r ? 0 : EXIT_UNREACHABLE;
}

int cmd_complete(struct cli *cli, int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "commands")) {
        cli_help_commands(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "refs"))
        return print_members(ask_quietly(cli, "duty", "incident.list", NULL), "incidents", "ref");
    if (argc == 3 && !strcmp(argv[1], "shifts"))
        return print_members(
            ask_quietly(cli, "duty", "staffing.show", json_pack("{s:s}", "incident", argv[2])),
            "shifts", "key");
    return die_usage("usage: muster complete commands|refs|shifts INCIDENT");
}
