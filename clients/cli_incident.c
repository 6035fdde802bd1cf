/*
 * clients/cli_incident.c - the incident, plan, staffing and pledge commands of the muster
 * CLI, and the raw `request` and `whoami`.
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

/* incident standup --cap FILE [--plan ID]: the CAP 1.2 message's text to
 * musterd, which checks it and does what it says (docs/interop.md). */
static int standup_cap(struct cli *cli, const char *path, const char *plan)
{
    json_t *xml = NULL;
    int rc = cli_xml_file(path, "CAP 1.2", &xml);
    if (rc != 0)
        return rc;
    json_t *args = json_pack("{s:o, s:s?}", "xml", xml, "plan", plan);
    return call(cli, "gold", "incident.cap", args, cli_print_cap);
}

int cmd_standup(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"plan", 1, NULL, 'p'},      {"level", 1, NULL, 'l'},
                                      {"exercise", 0, NULL, 'x'},  {"live", 0, NULL, 'L'},
                                      {"operation", 1, NULL, 'o'}, {"note", 1, NULL, 'n'},
                                      {"cap", 1, NULL, 'c'},       {NULL, 0, NULL, 0}};
    const char *plan = NULL, *op = NULL, *note = NULL, *level = NULL, *cap = NULL;
    int exercise = -1;
    SUBOPTS_BEGIN(o)
case 'c':
    cap = optarg;
    break;
case 'p':
    plan = optarg;
    break;
case 'l':
    level = optarg;
    break;
case 'x':
    exercise = 1;
    break;
case 'L':
    exercise = 0;
    break;
case 'o':
    op = optarg;
    break;
case 'n':
    note = optarg;
    break;
    SUBOPTS_END
    if (cap && (level || op || note || exercise >= 0))
        return die_usage("with --cap FILE the CAP message says the level, exercise or live and "
                         "the operation: only --plan may be added");
    if (cap)
        return standup_cap(cli, cap, plan);
    if (!plan || !level || !op)
        return die_usage("incident standup needs --plan ID --level N --operation NAME");
    if (exercise < 0)
        return die_usage("say --exercise or --live: muster never guesses which");
    char *end;
    long lv = strtol(level, &end, 10);
    if (*end || end == level)
        return die_usage("--level must be a number");
    json_t *args = json_pack("{s:s, s:I, s:b, s:s, s:s?}", "plan", plan, "level", (json_int_t)lv,
                             "exercise", exercise, "operation", op, "note", note);
    return call(cli, "gold", "incident.standup", args, cli_print_standup);
}

int cmd_standdown(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"note", 1, NULL, 'n'}, {NULL, 0, NULL, 0}};
    const char *note = NULL;
    SUBOPTS_BEGIN(o)
case 'n':
    note = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster incident standdown REF [--note TEXT]");
    return call(cli, "gold", "incident.standdown",
                json_pack("{s:s, s:s?}", "ref", argv[optind], "note", note), cli_print_standdown);
}

/* incident close REF [--force --reason TEXT]: the end of the recovery
 * phase (refused while referrals are open, unless forced with a reason). */
int cmd_close(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"force", 0, NULL, 'f'}, {"reason", 1, NULL, 'r'}, {NULL, 0, NULL, 0}};
    const char *reason = NULL;
    int force = 0;
    SUBOPTS_BEGIN(o)
case 'f':
    force = 1;
    break;
case 'r':
    reason = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster incident close REF [--force --reason TEXT]");
    return call(
        cli, "gold", "incident.close",
        json_pack("{s:s, s:b, s:s?}", "ref", argv[optind], "force", force, "reason", reason),
        cli_print_close);
}

/* incident publish REF --public-name TEXT --keyword WORD: open the public
 * self-registration page (and the SMS keyword) for an incident. */
int cmd_publish(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"public-name", 1, NULL, 'p'}, {"keyword", 1, NULL, 'k'}, {NULL, 0, NULL, 0}};
    const char *name = NULL, *keyword = NULL;
    SUBOPTS_BEGIN(o)
case 'p':
    name = optarg;
    break;
case 'k':
    keyword = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || !name || !keyword)
        return die_usage("usage: muster incident publish REF --public-name TEXT --keyword WORD");
    return call(cli, "gold", "incident.publish",
                json_pack("{s:s, s:s, s:s}", "incident", argv[optind], "public_name", name,
                          "keyword", keyword),
                cli_print_published);
}

/* incident unpublish REF: the kill switch of the public page. */
int cmd_unpublish(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{NULL, 0, NULL, 0}};
    SUBOPTS_BEGIN(o)
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster incident unpublish REF");
    return call(cli, "gold", "incident.unpublish", json_pack("{s:s}", "incident", argv[optind]),
                cli_print_published);
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"active", 0, NULL, 'a'},
                                      {"stood-down", 0, NULL, 's'},
                                      {"closed", 0, NULL, 'c'},
                                      {NULL, 0, NULL, 0}};
    const char *state = "all";
    SUBOPTS_BEGIN(o)
case 'a':
    state = "active";
    break;
case 's':
    state = "stood_down";
    break;
case 'c':
    state = "closed";
    break;
    SUBOPTS_END
    return call(cli, "gold", "incident.list", json_pack("{s:s}", "state", state),
                cli_print_incident_list);
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"plan-source", 0, NULL, 'p'}, {"plan-version", 1, NULL, 'v'}, {NULL, 0, NULL, 0}};
    int source = 0;
    const char *version = NULL;
    SUBOPTS_BEGIN(o)
case 'p':
    source = 1;
    break;
case 'v':
    version = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster incident show REF [--plan-source] [--plan-version N]");
    char *end = NULL;
    long v = version ? strtol(version, &end, 10) : 0;
    if (version && (*end || end == version || v < 1))
        return die_usage("--plan-version must be a number from 1");
    json_t *args = json_pack("{s:s, s:b}", "ref", argv[optind], "plan_source", source);
    if (version)
        json_object_set_new(args, "plan_version", json_integer(v));
    return call(cli, "gold", "incident.show", args, cli_print_incident);
}

/* incident level REF N: Gold raises or lowers the level. */
int cmd_level(struct cli *cli, int argc, char **argv)
{
    char *end = NULL;
    long lv = argc == 3 ? strtol(argv[2], &end, 10) : 0;
    if (argc != 3 || *end || end == argv[2])
        return die_usage("usage: muster incident level REF N");
    return call(cli, "gold", "incident.level",
                json_pack("{s:s, s:I}", "ref", argv[1], "level", (json_int_t)lv), cli_print_level);
}

/* The plan file, checked here as musterd --check-plan would (every
 * error printed), then its text in *source: 0 or an exit code. */
static int amend_source(const char *path, char **source)
{
    struct plan_errors errs = {0};
    struct plan *p = NULL;
    int rc = plan_load_file(path, &p, &errs);
    for (size_t i = 0; i < errs.count; i++)
        cli_errorf("%s", errs.msg[i]);
    plan_errors_free(&errs);
    *source = rc == 0 ? strdup(p->source) : NULL;
    plan_free(p);
    return rc != 0 ? (rc == -EINVAL ? EXIT_REFUSED : EXIT_LOCAL) : *source ? 0 : EXIT_LOCAL;
}

/* incident amend REF --plan-file FILE: a new version of the incident's plan. */
int cmd_amend(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"plan-file", 1, NULL, 'f'}, {NULL, 0, NULL, 0}};
    const char *file = NULL;
    SUBOPTS_BEGIN(o)
case 'f':
    file = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || !file)
        return die_usage("usage: muster incident amend REF --plan-file FILE");
    char *source = NULL;
    int rc = amend_source(file, &source);
    if (rc != 0)
        return rc;
    json_t *args = json_pack("{s:s, s:s, s:s}", "ref", argv[optind], "plan", source, "file", file);
    free(source);
    return call(cli, "gold", "incident.amend", args, cli_print_amend);
}

int cmd_plan_list(struct cli *cli, int argc, char **argv)
{
    return argc != 1 ? die_usage("usage: muster plan list")
                     : call(cli, "duty", "plan.list", NULL, cli_print_plan_list);
}

int cmd_plan_show(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster plan show PLAN");
    return call(cli, "duty", "plan.show", json_pack("{s:s}", "plan", argv[1]), cli_print_plan);
}

int cmd_whoami(struct cli *cli, int argc, char **argv)
{
    return call(cli, "gold", "session.whoami", NULL, cli_print_whoami);
}

int cmd_request(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return die_usage("usage: muster request COMMAND ['{json args}']");
    json_t *args = NULL;
    if (argc == 3) {
        json_error_t e;
        args = json_loads(argv[2], 0, &e);
        if (!json_is_object(args)) {
            json_decref(args);
            return die_usage("the arguments must be a JSON object");
        }
    }
    cli->json = true;
    return call(cli, "gold", argv[1], args, NULL);
}

/* ---- staffing ---- */

bool cli_pledge_given(const struct cli_pledge *p)
{
    return p->role || p->count || p->note || json_array_size(p->shifts) ||
           json_array_size(p->names);
}

/* What is wrong with p's role, count or shifts, printed; 0 when nothing. */
static int pledge_check(const struct cli_pledge *p, long *count)
{
    char *end = NULL;
    const char *f = p->flag;
    if (!p->role || !*p->role) {
        cli_errorf("a pledge needs %srole ROLE (a role of the incident's plan)", f);
        return -1;
    }
    *count = p->count ? strtol(p->count, &end, 10) : 0;
    if (!p->count || !*p->count || *end || *count < 1 || *count > 1000) {
        cli_errorf("%scount must be a whole number of staff from 1 to 1000%s%s%s", f,
                   p->count ? ", not \"" : "", p->count ? p->count : "", p->count ? "\"" : "");
        return -1;
    }
    if (json_array_size(p->shifts) == 0) {
        cli_errorf("a pledge needs %sshift KEY, once for each shift (muster staffing INCIDENT"
                   " lists the keys)",
                   f);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(p->shifts); i++)
        if (!*json_string_value(json_array_get(p->shifts, i))) {
            cli_errorf("%sshift needs a shift key such as day-2026-11-23", f);
            return -1;
        }
    return 0;
}

/* --role R --count N --shift S... [--name X]... [--note T]: a pledge
 * object, or NULL (what is wrong printed). */
json_t *cli_pledge_object(struct cli_pledge *p)
{
    long count = 0;
    if (pledge_check(p, &count) != 0) {
        json_decref(p->shifts);
        json_decref(p->names);
        return NULL;
    }
    return json_pack("{s:s, s:i, s:o, s:o, s:s?}", "role", p->role, "count", (int)count, "shifts",
                     p->shifts, "names", p->names, "note", p->note);
}

int cmd_pledge_offer(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"role", 1, NULL, 'r'},  {"count", 1, NULL, 'c'},
                                      {"shift", 1, NULL, 's'}, {"name", 1, NULL, 'n'},
                                      {"note", 1, NULL, 'N'},  {"agency", 1, NULL, 'a'},
                                      {NULL, 0, NULL, 0}};
    struct cli_pledge p = {.flag = "--", .shifts = json_array(), .names = json_array()};
    SUBOPTS_BEGIN(o)
case 'r':
    p.role = optarg;
    break;
case 'c':
    p.count = optarg;
    break;
case 's':
    json_array_append_new(p.shifts, json_string(optarg));
    break;
case 'n':
    json_array_append_new(p.names, json_string(optarg));
    break;
case 'N':
    p.note = optarg;
    break;
case 'a':
    p.agency = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1) {
        json_decref(p.shifts);
        json_decref(p.names);
        return die_usage("usage: muster pledge offer INCIDENT --role ROLE --count N --shift KEY"
                         "... [--name NAME]... [--note TEXT] [--agency ID]");
    }
    json_t *args = cli_pledge_object(&p);
    if (!args)
        return EXIT_USAGE;
    json_object_set_new(args, "incident", json_string(argv[optind]));
    if (p.agency)
        json_object_set_new(args, "agency", json_string(p.agency));
    return call(cli, p.agency ? "duty" : "agency", "pledge.offer", args, cli_print_pledge);
}

static int pledge_move(struct cli *cli, int argc, char **argv, const char *cmd)
{
    static const struct option o[] = {{"note", 1, NULL, 'n'}, {NULL, 0, NULL, 0}};
    const char *note = NULL;
    SUBOPTS_BEGIN(o)
case 'n':
    note = optarg;
    break;
    SUBOPTS_END
    char *end = NULL;
    long id = optind == argc - 1 ? strtol(argv[optind], &end, 10) : 0;
    if (id <= 0 || *end)
        return die_usage("usage: muster pledge accept|decline|arrive|withdraw ID [--note TEXT]");
    return call(cli, strcmp(cmd, "pledge.withdraw") ? "duty" : "agency", cmd,
                json_pack("{s:i, s:s?}", "id", (int)id, "note", note), cli_print_pledge);
}

int cmd_pledge_accept(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.accept");
}

int cmd_pledge_decline(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.decline");
}

int cmd_pledge_arrive(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.arrive");
}

int cmd_pledge_withdraw(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.withdraw");
}

int cmd_pledge_list(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster pledge list INCIDENT");
    return call(cli, "duty", "pledge.list", json_pack("{s:s}", "incident", argv[1]),
                cli_print_pledges);
}

int cmd_staffing(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster staffing INCIDENT");
    return call(cli, "duty", "staffing.show", json_pack("{s:s}", "incident", argv[1]),
                cli_print_staffing);
}
