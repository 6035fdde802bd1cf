/*
 * clients/cli_paging.c - the paging commands of the muster CLI: acknowledging pages
 * (by key, by code, relayed), re-paging, and an agency's listener session.
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

/* ---- paging ---- */

int cmd_agency_ack(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"code", 1, NULL, 'c'},
                                      {"note", 1, NULL, 'n'},
                                      {"pledge-role", 1, NULL, 'r'},
                                      {"pledge-count", 1, NULL, 'C'},
                                      {"pledge-shift", 1, NULL, 's'},
                                      {"pledge-name", 1, NULL, 'N'},
                                      {NULL, 0, NULL, 0}};
    const char *code = NULL, *note = NULL;
    struct cli_pledge p = {.shifts = json_array(), .names = json_array()};
    SUBOPTS_BEGIN(o)
case 'c':
    code = optarg;
    break;
case 'n':
    note = optarg;
    break;
case 'r':
    p.role = optarg;
    break;
case 'C':
    p.count = strtol(optarg, NULL, 10);
    break;
case 's':
    json_array_append_new(p.shifts, json_string(optarg));
    break;
case 'N':
    json_array_append_new(p.names, json_string(optarg));
    break;
    SUBOPTS_END
    const char *ref = optind == argc - 1 ? argv[optind] : NULL;
    bool with_pledge = p.role != NULL;
    json_t *pledge = cli_pledge_object(&p);
    if (!ref == !code || optind < argc - 1 || (with_pledge && !pledge)) {
        json_decref(pledge);
        return die_usage("usage: muster agency ack INCIDENT | --code CODE [--note TEXT]\n"
                         "  [--pledge-role ROLE --pledge-count N --pledge-shift KEY...]");
    }
    if (!with_pledge) {
        json_decref(pledge);
        pledge = NULL;
    }
    return call(cli, "agency", "agency.ack",
                json_pack("{s:s?, s:s?, s:s?, s:o?}", "incident", ref, "code", code, "note", note,
                          "pledge", pledge),
                NULL);
}

int cmd_page_ack(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"note", 1, NULL, 'n'}, {"via", 1, NULL, 'v'}, {NULL, 0, NULL, 0}};
    const char *note = NULL, *via = NULL;
    SUBOPTS_BEGIN(o)
case 'n':
    note = optarg;
    break;
case 'v':
    via = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster page ack CODE [--note TEXT] [--via WHAT]");
    return call(cli, "duty", "page.ack",
                json_pack("{s:s, s:s?, s:s?}", "code", argv[optind], "note", note, "via", via),
                NULL);
}

int cmd_repage(struct cli *cli, int argc, char **argv)
{
    if (argc != 3)
        return die_usage("usage: muster agency repage INCIDENT AGENCY");
    return call(cli, "gold", "agency.repage",
                json_pack("{s:s, s:s}", "incident", argv[1], "agency", argv[2]), NULL);
}

/* muster referral ack PERSON | --code CODE: a provider acknowledges a
 * referral notice (the duty desk relays a code with --as duty). */
int cmd_referral_ack(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"code", 1, NULL, 'c'}, {"note", 1, NULL, 'n'}, {NULL, 0, NULL, 0}};
    const char *code = NULL, *note = NULL;
    SUBOPTS_BEGIN(o)
case 'c':
    code = optarg;
    break;
case 'n':
    note = optarg;
    break;
    SUBOPTS_END
    char *end = NULL;
    long long person = optind == argc - 1 ? strtoll(argv[optind], &end, 10) : 0;
    if (!person == !code || optind < argc - 1 || (end && (*end || person <= 0)))
        return die_usage("usage: muster referral ack PERSON | --code CODE [--note TEXT]");
    json_t *args = json_pack("{s:s?, s:s?}", "code", code, "note", note);
    if (person)
        json_object_set_new(args, "person", json_integer(person));
    return call(cli, "agency", "referral.ack", args, NULL);
}

/* muster alarm list [INCIDENT] [--all] */
int cmd_alarm_list(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"all", 0, NULL, 'a'}, {NULL, 0, NULL, 0}};
    bool all = false;
    SUBOPTS_BEGIN(o)
case 'a':
    all = true;
    break;
    SUBOPTS_END
    if (optind < argc - 1)
        return die_usage("usage: muster alarm list [INCIDENT] [--all]");
    const char *ref = optind == argc - 1 ? argv[optind] : NULL;
    return call(cli, "duty", "alarm.list", json_pack("{s:s?, s:b}", "incident", ref, "all", all),
                NULL);
}

/* muster alarm clear ID [--note TEXT] */
int cmd_alarm_clear(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"note", 1, NULL, 'n'}, {NULL, 0, NULL, 0}};
    const char *note = NULL;
    SUBOPTS_BEGIN(o)
case 'n':
    note = optarg;
    break;
    SUBOPTS_END
    char *end = NULL;
    long long id = optind == argc - 1 ? strtoll(argv[optind], &end, 10) : 0;
    if (id <= 0 || !end || *end)
        return die_usage("usage: muster alarm clear ID [--note TEXT]");
    return call(cli, "duty", "alarm.clear",
                json_pack("{s:I, s:s?}", "alarm", (json_int_t)id, "note", note), NULL);
}

/* Print a pushed page once (a page sent again after a daemon restart has
 * the same page id) and confirm it arrived.  Returns 1 when new. */
static int listen_page(struct mclient *c, json_t *page, bool json, int64_t *seen, size_t *nseen)
{
    int64_t id = (int64_t)json_integer_value(json_object_get(page, "page_id"));
    for (size_t i = 0; i < *nseen; i++)
        if (seen[i] == id)
            return 0;
    if (*nseen < 4096)
        seen[(*nseen)++] = id;
    if (json) {
        cli_dump_json(stdout, page, JSON_COMPACT);
    } else {
        printf("---- page %lld ----\n", (long long)id);
        cli_print_escaped(stdout, json_string_value(json_object_get(page, "text")), CLI_ESC_LINES);
        printf("\n");
    }
    fflush(stdout);
    char err[256];
    json_t *reply = NULL;
    if (mclient_call(c, NULL, "agency.received", json_pack("{s:I}", "page_id", (json_int_t)id),
                     &reply, err, sizeof(err)) == 0)
        json_decref(reply);
    return 1;
}

/* Heartbeat agency.listen; print every page pushed to this session. */
static int listen_loop(struct mclient *c, bool json, long count)
{
    int64_t seen[4096];
    size_t nseen = 0;
    long got = 0;
    int announced = 0;
    char err[256];
    while (count <= 0 || got < count) {
        json_t *reply = NULL, *page = NULL;
        int rc = mclient_call(c, NULL, "agency.listen", NULL, &reply, err, sizeof(err));
        if (rc != 0) {
            cli_errorf("%s", err);
            return rc == -EACCES ? EXIT_AUTH : EXIT_UNREACHABLE;
        }
        json_decref(reply);
        if (!announced++)
            fprintf(stderr, "muster: listening for pages (Ctrl-C to stop)\n");
        /* wait up to a heartbeat for pages */
        while ((count <= 0 || got < count) && mclient_next_push(c, 10000, &page) == 0) {
            got += listen_page(c, json_object_get(page, "page"), json, seen, &nseen);
            json_decref(page);
        }
    }
    return 0;
}

int cmd_listen(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"count", 1, NULL, 'c'}, {NULL, 0, NULL, 0}};
    long count = 0;
    SUBOPTS_BEGIN(o)
case 'c':
    count = strtol(optarg, NULL, 10);
    break;
    SUBOPTS_END
    struct keypair me;
    char server_pub[41], err[512];
    if (cli_load_keys(cli, "agency", &me, server_pub) != 0)
        return EXIT_LOCAL;
    struct mclient_opts opts = {cli->endpoint, &me, server_pub, cli->timeout_ms};
    struct mclient *c = NULL;
    if (mclient_open(&opts, &c, err, sizeof(err)) != 0) {
        cli_errorf("%s", err);
        return EXIT_UNREACHABLE;
    }
    int rc = listen_loop(c, cli->json, count);
    mclient_close(c);
    return rc;
}
