/*
 * clients/muster.c - the muster command-line client: git-style subcommands
 * that send one request to musterd and print the reply for people (or as
 * JSON with --json).  Exit codes: 0 done, 1 musterd refused or failed the
 * request, 2 usage error, 3 musterd not reachable, 4 our key was refused,
 * 5 a local key or file problem.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "cli_out.h"
#include "client.h"
#include "keys.h"
#include "plan.h"

int die_usage(const char *msg)
{
    cli_errorf("%s (see muster help)", msg);
    return EXIT_USAGE;
}

/* The principal whose key we use: --as, $MUSTER_AS, the command's natural
 * role if its key is present, or the only client key in the directory. */
static int choose_principal(const struct cli *cli, const char *natural, char *out, size_t len)
{
    const char *as = cli->as ? cli->as : getenv("MUSTER_AS");
    if (as) {
        snprintf(out, len, "%s", as);
        return 0;
    }
    char name[128], path[4096];
    keys_file_name(natural, ".key", name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", cli->keys_dir, name);
    if (access(path, R_OK) == 0) {
        snprintf(out, len, "%s", natural);
        return 0;
    }
    DIR *d = opendir(cli->keys_dir);
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".key") && strcmp(e->d_name, "server.key")) {
            found++;
            snprintf(out, len, "%.*s", (int)(n - 4), e->d_name);
        }
    }
    if (d)
        closedir(d);
    char *dot = strchr(out, '.');
    if (found == 1 && dot && !strncmp(out, "agency.", 7))
        *dot = ':';
    return found == 1 ? 0 : -ENOENT;
}

int cli_load_keys(const struct cli *cli, const char *natural, struct keypair *me,
                  char server_pub[41])
{
    char err[512], principal[64] = "";
    int rc;
    if (cli->key_file) {
        struct keypair sk;
        char path[4096];
        snprintf(path, sizeof(path), "%s/server.pub", cli->keys_dir);
        rc = keys_read(cli->key_file, me, err, sizeof(err));
        if (rc == 0 && (rc = keys_read(path, &sk, err, sizeof(err))) == 0)
            memcpy(server_pub, sk.public_z85, 41);
    } else if (choose_principal(cli, natural, principal, sizeof(principal)) != 0) {
        snprintf(err, sizeof(err), "no key for %s in %s: use --as ROLE or --key FILE", natural,
                 cli->keys_dir);
        rc = -ENOENT;
    } else {
        rc = mclient_keys_for(cli->keys_dir, principal, me, server_pub, err, sizeof(err));
    }
    if (rc != 0)
        cli_errorf("%s", err);
    return rc;
}

int cli_report_error(json_t *reply)
{
    json_t *e = json_object_get(reply, "error");
    json_t *retry = json_object_get(e, "retry_after_ms");
    if (json_is_integer(retry))
        cli_errorf("%s: %s (retry after %lld ms)", json_string_value(json_object_get(e, "code")),
                   json_string_value(json_object_get(e, "message")),
                   (long long)json_integer_value(retry));
    else
        cli_errorf("%s: %s", json_string_value(json_object_get(e, "code")),
                   json_string_value(json_object_get(e, "message")));
    return EXIT_REFUSED;
}

int cli_connect(const struct cli *cli, const char *natural, struct mclient **out)
{
    struct keypair me;
    char server_pub[41], err[512];
    if (cli_load_keys(cli, natural, &me, server_pub) != 0)
        return EXIT_LOCAL;
    struct mclient_opts o = {cli->endpoint, &me, server_pub, cli->timeout_ms};
    if (mclient_open(&o, out, err, sizeof(err)) != 0) {
        cli_errorf("%s", err);
        return EXIT_UNREACHABLE;
    }
    return 0;
}

/* Send cmd with args (stolen) as the natural role and print the result:
 * escaped for people (cli_safe) unless raw. */
static int call_print(const struct cli *cli, const char *natural, const char *cmd, json_t *args,
                      print_fn *print, bool raw)
{
    struct keypair me;
    char server_pub[41], err[512];
    if (cli_load_keys(cli, natural, &me, server_pub) != 0) {
        json_decref(args);
        return EXIT_LOCAL;
    }
    struct mclient_opts o = {cli->endpoint, &me, server_pub, cli->timeout_ms};
    struct mclient *c = NULL;
    json_t *reply = NULL;
    int rc = mclient_open(&o, &c, err, sizeof(err));
    if (rc == 0)
        rc = mclient_call(c, cli->request_id, cmd, args, &reply, err, sizeof(err));
    else
        json_decref(args);
    mclient_close(c);
    if (rc != 0) {
        cli_errorf("%s", err);
        return rc == -EACCES ? EXIT_AUTH : EXIT_UNREACHABLE;
    }
    int code = 0;
    if (!json_is_true(json_object_get(reply, "ok")))
        code = cli_report_error(reply);
    else if (cli->json || !print)
        cli_print_json(stdout, json_object_get(reply, "result"));
    else if (raw)
        print(json_object_get(reply, "result"));
    else {
        json_t *safe = cli_safe(json_object_get(reply, "result"));
        print(safe);
        json_decref(safe);
    }
    json_decref(reply);
    return code;
}

int call(const struct cli *cli, const char *natural, const char *cmd, json_t *args, print_fn *print)
{
    return call_print(cli, natural, cmd, args, print, false);
}

int call_document(const struct cli *cli, const char *natural, const char *cmd, json_t *args,
                  print_fn *print)
{
    return call_print(cli, natural, cmd, args, print, true);
}

struct subcmd {
    const char *group, *action;
    int (*fn)(struct cli *, int, char **);
    const char *help;
};

static const struct subcmd subcmds[] = {
    {"incident", "standup", cmd_standup,
     "--plan ID --level N --exercise|--live --operation NAME [--note TEXT]"},
    {"incident", "standdown", cmd_standdown, "REF [--note TEXT]"},
    {"incident", "close", cmd_close, "REF [--force --reason TEXT]"},
    {"incident", "list", cmd_list, "[--active|--stood-down|--closed]"},
    {"incident", "show", cmd_show, "REF [--plan-source] [--plan-version N]"},
    {"incident", "level", cmd_level, "REF N  (raise or lower the level)"},
    {"incident", "amend", cmd_amend, "REF --plan-file FILE  (a new version of its plan)"},
    {"agency", "listen", cmd_listen, "[--count N]"},
    {"agency", "ack", cmd_agency_ack,
     "INCIDENT | --code CODE [--note TEXT] [--pledge-role ROLE --pledge-count N"
     " --pledge-shift KEY... [--pledge-name NAME]... [--pledge-note TEXT]]"},
    {"agency", "repage", cmd_repage, "INCIDENT AGENCY"},
    {"page", "ack", cmd_page_ack,
     "CODE [--note TEXT] [--via WHAT]  (any case, I/L for 1, O for 0)"},
    {"pledge", "offer", cmd_pledge_offer,
     "INCIDENT --role ROLE --count N --shift KEY... [--name NAME]... [--note TEXT] [--agency ID]"},
    {"pledge", "accept", cmd_pledge_accept, "ID [--note TEXT]"},
    {"pledge", "decline", cmd_pledge_decline, "ID [--note TEXT]"},
    {"pledge", "arrive", cmd_pledge_arrive, "ID [--note TEXT]"},
    {"pledge", "withdraw", cmd_pledge_withdraw, "ID [--note TEXT]"},
    {"pledge", "list", cmd_pledge_list, "INCIDENT"},
    {"staffing", NULL, cmd_staffing, "INCIDENT"},
    {"person", NULL, cli_person,
     "add|show|list|screen|consent|contact|merge|unmerge|import|status ... (see README.md)"},
    {"family", NULL, cli_family,
     "create INCIDENT [PERSON...] | add FAMILY PERSON | show FAMILY | liaison FAMILY NAME|--clear"},
    {"referral", "close", cli_referral_close, "PERSON [--reason TEXT]"},
    {"referral", "ack", cmd_referral_ack, "PERSON | --code CODE [--note TEXT]"},
    {"alarm", "list", cmd_alarm_list, "[INCIDENT] [--all]"},
    {"alarm", "clear", cmd_alarm_clear, "ID [--note TEXT]"},
    {"report", NULL, cmd_report, "INCIDENT [--format md|json|csv] [--out DIR]"},
    {"audit", "verify", cmd_audit_verify, "[--db FILE [--anchor FILE] [--public FILE]]  (offline)"},
    {"audit", "export", cmd_audit_export, "(JSON lines on standard output)"},
    {"plan", "list", cmd_plan_list, ""},
    {"plan", "show", cmd_plan_show, "PLAN"},
    {"keys", "init", cmd_keys_init, "[--keys DIR] [--plans DIR]"},
    {"keys", "audit-key", cmd_keys_audit, "[--keys DIR]"},
    {"keys", "add", cmd_keys_add, "[--keys DIR] [--person NAME] gold|duty|intake|agency:ID"},
    {"backup", NULL, cmd_backup,
     "[--db FILE] BACKUP  (a consistent copy while musterd runs; prints its sha256)"},
    {"restore", NULL, cmd_restore, "[--db FILE] BACKUP  (musterd stopped: checked, then put back)"},
    {"health", NULL, cmd_health,
     "[--min-free MB]  (exit 0 when the loop turns, the store commits and the disk has room)"},
    {"watch", NULL, cli_watch, "[INCIDENT]  (live board; keys: q quit, n/p incident, r refresh)"},
    {"status", NULL, cli_status, "[INCIDENT] [--json|--hash]"},
    {"whoami", NULL, cmd_whoami, ""},
    {"request", NULL, cmd_request, "COMMAND ['{json args}']"},
};

static void help(FILE *f)
{
    fprintf(f, "usage: muster [--keys DIR] [--as ROLE | --key FILE] [--connect EP] [--feed EP]\n"
               "              [--json] [--timeout SECONDS] [--request-id ID] COMMAND...\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
        fprintf(f, "  %s %s %s\n", subcmds[i].group, subcmds[i].action ? subcmds[i].action : "",
                subcmds[i].help);
    fprintf(f, "\nexit codes: 0 done, 1 refused by musterd, 2 usage, 3 musterd not reachable,\n"
               "            4 key refused, 5 local key or file problem\n");
}

static int global_opts(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"keys", 1, NULL, 'k'},       {"key", 1, NULL, 'K'},
                                      {"as", 1, NULL, 'a'},         {"connect", 1, NULL, 'c'},
                                      {"json", 0, NULL, 'j'},       {"timeout", 1, NULL, 't'},
                                      {"request-id", 1, NULL, 'r'}, {"help", 0, NULL, 'h'},
                                      {"feed", 1, NULL, 'f'},       {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "+h", o, NULL)) != -1) {
        switch (ch) {
        case 'k':
            cli->keys_dir = optarg;
            break;
        case 'K':
            cli->key_file = optarg;
            break;
        case 'a':
            cli->as = optarg;
            break;
        case 'c':
            cli->endpoint = optarg;
            break;
        case 'f':
            cli->feed_endpoint = optarg;
            break;
        case 'j':
            cli->json = true;
            break;
        case 't':
            cli->timeout_ms = atoi(optarg) * 1000;
            break;
        case 'r':
            cli->request_id = optarg;
            break;
        case 'h':
            help(stdout);
            exit(0);
        default:
            return -1;
        }
    }
    return optind;
}

int main(int argc, char **argv)
{
    const char *env_keys = getenv("MUSTER_KEYS"), *env_ep = getenv("MUSTER_CONNECT");
    const char *env_feed = getenv("MUSTER_FEED");
    struct cli cli = {.keys_dir = env_keys ? env_keys : "var/keys",
                      .endpoint = env_ep ? env_ep : "tcp://127.0.0.1:7710",
                      .feed_endpoint = env_feed ? env_feed : "tcp://127.0.0.1:7711",
                      .timeout_ms =
                          getenv("MUSTER_TIMEOUT") ? atoi(getenv("MUSTER_TIMEOUT")) * 1000 : 10000};
    int first = global_opts(&cli, argc, argv);
    if (first < 0 || first >= argc) {
        help(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[first], "help")) {
        help(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++) {
        const struct subcmd *s = &subcmds[i];
        if (strcmp(s->group, argv[first]))
            continue;
        if (!s->action)
            return s->fn(&cli, argc - first, argv + first);
        if (first + 1 < argc && !strcmp(s->action, argv[first + 1]))
            return s->fn(&cli, argc - first - 1, argv + first + 1);
    }
    cli_errorf("unknown command \"%s%s%s\"", argv[first], first + 1 < argc ? " " : "",
               first + 1 < argc ? argv[first + 1] : "");
    help(stderr);
    return EXIT_USAGE;
}
