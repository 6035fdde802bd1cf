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
#include "cli_help.h"
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
        return rc == -EACCES || rc == -EKEYREJECTED ? EXIT_AUTH : EXIT_UNREACHABLE;
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
};

/* What each command runs; what each says of itself is in cli_help.c. */
static const struct subcmd subcmds[] = {
    {"incident", "standup", cmd_standup},
    {"incident", "standdown", cmd_standdown},
    {"incident", "close", cmd_close},
    {"incident", "list", cmd_list},
    {"incident", "show", cmd_show},
    {"incident", "level", cmd_level},
    {"incident", "amend", cmd_amend},
    {"incident", "publish", cmd_publish},
    {"incident", "unpublish", cmd_unpublish},
    {"agency", "listen", cmd_listen},
    {"agency", "ack", cmd_agency_ack},
    {"agency", "repage", cmd_repage},
    {"page", "ack", cmd_page_ack},
    {"pledge", "offer", cmd_pledge_offer},
    {"pledge", "accept", cmd_pledge_accept},
    {"pledge", "decline", cmd_pledge_decline},
    {"pledge", "arrive", cmd_pledge_arrive},
    {"pledge", "withdraw", cmd_pledge_withdraw},
    {"pledge", "list", cmd_pledge_list},
    {"pledge", "request", cmd_pledge_request},
    {"pledge", "import", cmd_pledge_import},
    {"staffing", NULL, cmd_staffing},
    {"person", NULL, cli_person},
    {"family", NULL, cli_family},
    {"referral", "close", cli_referral_close},
    {"referral", "ack", cmd_referral_ack},
    {"alarm", "list", cmd_alarm_list},
    {"alarm", "clear", cmd_alarm_clear},
    {"report", NULL, cmd_report},
    {"audit", "verify", cmd_audit_verify},
    {"audit", "export", cmd_audit_export},
    {"plan", "list", cmd_plan_list},
    {"plan", "show", cmd_plan_show},
    {"keys", "init", cmd_keys_init},
    {"keys", "audit-key", cmd_keys_audit},
    {"keys", "add", cmd_keys_add},
    {"backup", NULL, cmd_backup},
    {"restore", NULL, cmd_restore},
    {"health", NULL, cmd_health},
    {"metrics", NULL, cmd_metrics},
    {"watch", NULL, cli_watch},
    {"status", NULL, cli_status},
    {"whoami", NULL, cmd_whoami},
    {"request", NULL, cmd_request},
    {"complete", NULL, cmd_complete},
};

#define NSUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

static int global_opts(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"keys", 1, NULL, 'k'},       {"key", 1, NULL, 'K'},  {"as", 1, NULL, 'a'},
        {"connect", 1, NULL, 'c'},    {"json", 0, NULL, 'j'}, {"timeout", 1, NULL, 't'},
        {"request-id", 1, NULL, 'r'}, {"help", 0, NULL, 'h'}, {"feed", 1, NULL, 'f'},
        {"version", 0, NULL, 'V'},    {NULL, 0, NULL, 0}};
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
            cli_help_overview(stdout);
            exit(0);
        case 'V':
            printf("muster %s\n", MUSTER_VERSION);
            exit(0);
        default:
            return -1;
        }
    }
    return optind;
}

/* Take --json and --help (or -h) out of the command's words, wherever
 * they are (up to a "--"), and note them.  Returns the new argc. */
static int command_flags(struct cli *cli, int argc, char **argv, bool *help)
{
    int out = 0;
    bool rest = false;
    for (int i = 0; i < argc; i++) {
        rest = rest || !strcmp(argv[i], "--");
        if (!rest && !strcmp(argv[i], "--json"))
            cli->json = true;
        else if (!rest && (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")))
            *help = true;
        else
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

static const struct subcmd *subcmd_find(int argc, char **argv)
{
    for (size_t i = 0; i < NSUBCMDS; i++) {
        const struct subcmd *s = &subcmds[i];
        if (!strcmp(s->group, argv[0]) && (!s->action || (argc > 1 && !strcmp(s->action, argv[1]))))
            return s;
    }
    return NULL;
}

static int unknown_command(int argc, char **argv)
{
    bool two = argc > 1 && argv[1][0] != '-';
    cli_errorf("unknown command \"%s%s%s\" (see muster help)", argv[0], two ? " " : "",
               two ? argv[1] : "");
    return EXIT_USAGE;
}

/* muster help [COMMAND...], muster COMMAND... --help */
static int help_command(int argc, char **argv)
{
    if (argc == 0) {
        cli_help_overview(stdout);
        return 0;
    }
    return cli_help_show(stdout, argv, argc) == 0 ? 0 : unknown_command(argc, argv);
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
        cli_help_overview(stderr);
        return EXIT_USAGE;
    }
    bool help = false;
    argc = first + command_flags(&cli, argc - first, argv + first, &help);
    if (help || !strcmp(argv[first], "help")) {
        int skip = !help; /* muster help X: the help of X; muster X --help: too */
        return help_command(argc - first - skip, argv + first + skip);
    }
    const struct subcmd *s = subcmd_find(argc - first, argv + first);
    if (!s)
        return unknown_command(argc - first, argv + first);
    int skip = s->action ? 1 : 0;
    return s->fn(&cli, argc - first - skip, argv + first + skip);
}
