/*
 * clients/cli_paging.c - the paging commands of the muster CLI: acknowledging pages
 * (by key, by code, relayed, with a pledge), re-paging, alarms.  (The
 * listener session is cli_listen.c.)
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

static const char AGENCY_ACK_USAGE[] =
    "usage: muster agency ack INCIDENT | --code CODE [--note TEXT]\n"
    "  [--pledge-role ROLE --pledge-count N --pledge-shift KEY... [--pledge-name NAME]...\n"
    "   [--pledge-note TEXT]]";

/* muster agency ack INCIDENT | --code CODE, with a pledge of staff when
 * any --pledge-* option is given (then role, count and a shift are
 * needed, checked here before anything is sent). */
int cmd_agency_ack(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"code", 1, NULL, 'c'},         {"note", 1, NULL, 'n'},
        {"pledge-role", 1, NULL, 'r'},  {"pledge-count", 1, NULL, 'C'},
        {"pledge-shift", 1, NULL, 's'}, {"pledge-name", 1, NULL, 'N'},
        {"pledge-note", 1, NULL, 'T'},  {NULL, 0, NULL, 0}};
    const char *code = NULL, *note = NULL;
    struct cli_pledge p = {.flag = "--pledge-", .shifts = json_array(), .names = json_array()};
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
    p.count = optarg;
    break;
case 's':
    json_array_append_new(p.shifts, json_string(optarg));
    break;
case 'N':
    json_array_append_new(p.names, json_string(optarg));
    break;
case 'T':
    p.note = optarg;
    break;
    SUBOPTS_END
    const char *ref = optind == argc - 1 ? argv[optind] : NULL;
    bool with_pledge = cli_pledge_given(&p);
    if (!ref == !code || optind < argc - 1) {
        json_decref(p.shifts);
        json_decref(p.names);
        return die_usage(AGENCY_ACK_USAGE);
    }
    json_t *pledge = with_pledge ? cli_pledge_object(&p) : NULL;
    if (!with_pledge) {
        json_decref(p.shifts);
        json_decref(p.names);
    } else if (!pledge) {
        return EXIT_USAGE;
    }
    return call(cli, "agency", "agency.ack",
                json_pack("{s:s?, s:s?, s:s?, s:o?}", "incident", ref, "code", code, "note", note,
                          "pledge", pledge),
                cli_print_ack);
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
    char code[128] = "";
    if (optind == argc)
        return die_usage("usage: muster page ack CODE [--note TEXT] [--via WHAT]");
    /* a code as texted back may come in parts: "k7q2 mx4p" */
    for (int i = optind; i < argc; i++) {
        size_t n = strlen(code);
        snprintf(code + n, sizeof(code) - n, "%s%s", i > optind ? " " : "", argv[i]);
    }
    return call(cli, "duty", "page.ack",
                json_pack("{s:s, s:s?, s:s?}", "code", code, "note", note, "via", via),
                cli_print_ack);
}

int cmd_repage(struct cli *cli, int argc, char **argv)
{
    if (argc != 3)
        return die_usage("usage: muster agency repage INCIDENT AGENCY");
    return call(cli, "gold", "agency.repage",
                json_pack("{s:s, s:s}", "incident", argv[1], "agency", argv[2]), cli_print_repage);
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
    return call(cli, "agency", "referral.ack", args, cli_print_ack);
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
                cli_print_alarms);
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
                json_pack("{s:I, s:s?}", "alarm", (json_int_t)id, "note", note),
                cli_print_alarm_clear);
}
