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

static int load_keys(const struct cli *cli, const char *natural, struct keypair *me,
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

int cli_load_keys(const struct cli *cli, const char *natural, struct keypair *me,
                  char server_pub[41])
{
    return load_keys(cli, natural, me, server_pub);
}

static int report_error(json_t *reply)
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
    if (load_keys(cli, natural, &me, server_pub) != 0)
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
    if (load_keys(cli, natural, &me, server_pub) != 0) {
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
        code = report_error(reply);
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

static int cmd_standup(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"plan", 1, NULL, 'p'},      {"level", 1, NULL, 'l'},
                                      {"exercise", 0, NULL, 'x'},  {"live", 0, NULL, 'L'},
                                      {"operation", 1, NULL, 'o'}, {"note", 1, NULL, 'n'},
                                      {NULL, 0, NULL, 0}};
    const char *plan = NULL, *op = NULL, *note = NULL, *level = NULL;
    int exercise = -1;
    SUBOPTS_BEGIN(o)
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

static int cmd_standdown(struct cli *cli, int argc, char **argv)
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
                json_pack("{s:s, s:s?}", "ref", argv[optind], "note", note), NULL);
}

static int cmd_list(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"active", 0, NULL, 'a'}, {"stood-down", 0, NULL, 's'}, {NULL, 0, NULL, 0}};
    const char *state = "all";
    SUBOPTS_BEGIN(o)
case 'a':
    state = "active";
    break;
case 's':
    state = "stood_down";
    break;
    SUBOPTS_END
    return call(cli, "gold", "incident.list", json_pack("{s:s}", "state", state),
                cli_print_incident_list);
}

static int cmd_show(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"plan-source", 0, NULL, 'p'}, {NULL, 0, NULL, 0}};
    int source = 0;
    SUBOPTS_BEGIN(o)
case 'p':
    source = 1;
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster incident show REF [--plan-source]");
    return call(cli, "gold", "incident.show",
                json_pack("{s:s, s:b}", "ref", argv[optind], "plan_source", source),
                cli_print_incident);
}

static int cmd_plan_list(struct cli *cli, int argc, char **argv)
{
    return argc != 1 ? die_usage("usage: muster plan list")
                     : call(cli, "duty", "plan.list", NULL, cli_print_plan_list);
}

static int cmd_plan_show(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster plan show PLAN");
    return call(cli, "duty", "plan.show", json_pack("{s:s}", "plan", argv[1]), cli_print_plan);
}

static int cmd_whoami(struct cli *cli, int argc, char **argv)
{
    return call(cli, "gold", "session.whoami", NULL, NULL);
}

static int cmd_request(struct cli *cli, int argc, char **argv)
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

/* --role R --count N --shift S... [--name X]... [--note T]: a pledge
 * object, or NULL (with a usage message) when incomplete. */
struct pledge_opts {
    const char *role, *note, *agency;
    long count;
    json_t *shifts, *names;
};

static json_t *pledge_object(struct pledge_opts *p)
{
    if (!p->role || p->count <= 0 || json_array_size(p->shifts) == 0) {
        json_decref(p->shifts);
        json_decref(p->names);
        return NULL;
    }
    return json_pack("{s:s, s:i, s:o, s:o, s:s?}", "role", p->role, "count", (int)p->count,
                     "shifts", p->shifts, "names", p->names, "note", p->note);
}

static int cmd_pledge_offer(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"role", 1, NULL, 'r'},  {"count", 1, NULL, 'c'},
                                      {"shift", 1, NULL, 's'}, {"name", 1, NULL, 'n'},
                                      {"note", 1, NULL, 'N'},  {"agency", 1, NULL, 'a'},
                                      {NULL, 0, NULL, 0}};
    struct pledge_opts p = {.shifts = json_array(), .names = json_array()};
    SUBOPTS_BEGIN(o)
case 'r':
    p.role = optarg;
    break;
case 'c':
    p.count = strtol(optarg, NULL, 10);
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
    json_t *args = optind == argc - 1 ? pledge_object(&p) : NULL;
    if (!args)
        return die_usage("usage: muster pledge offer INCIDENT --role ROLE --count N --shift KEY"
                         "... [--name NAME]... [--note TEXT] [--agency ID]");
    json_object_set_new(args, "incident", json_string(argv[optind]));
    if (p.agency)
        json_object_set_new(args, "agency", json_string(p.agency));
    return call(cli, p.agency ? "duty" : "agency", "pledge.offer", args, NULL);
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
                json_pack("{s:i, s:s?}", "id", (int)id, "note", note), NULL);
}

static int cmd_pledge_accept(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.accept");
}

static int cmd_pledge_decline(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.decline");
}

static int cmd_pledge_arrive(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.arrive");
}

static int cmd_pledge_withdraw(struct cli *cli, int argc, char **argv)
{
    return pledge_move(cli, argc, argv, "pledge.withdraw");
}

static int cmd_pledge_list(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster pledge list INCIDENT");
    return call(cli, "duty", "pledge.list", json_pack("{s:s}", "incident", argv[1]),
                cli_print_pledges);
}

static int cmd_staffing(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster staffing INCIDENT");
    return call(cli, "duty", "staffing.show", json_pack("{s:s}", "incident", argv[1]),
                cli_print_staffing);
}

/* ---- paging ---- */

static int cmd_agency_ack(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"code", 1, NULL, 'c'},
                                      {"note", 1, NULL, 'n'},
                                      {"pledge-role", 1, NULL, 'r'},
                                      {"pledge-count", 1, NULL, 'C'},
                                      {"pledge-shift", 1, NULL, 's'},
                                      {"pledge-name", 1, NULL, 'N'},
                                      {NULL, 0, NULL, 0}};
    const char *code = NULL, *note = NULL;
    struct pledge_opts p = {.shifts = json_array(), .names = json_array()};
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
    json_t *pledge = pledge_object(&p);
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

static int cmd_page_ack(struct cli *cli, int argc, char **argv)
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

static int cmd_repage(struct cli *cli, int argc, char **argv)
{
    if (argc != 3)
        return die_usage("usage: muster agency repage INCIDENT AGENCY");
    return call(cli, "gold", "agency.repage",
                json_pack("{s:s, s:s}", "incident", argv[1], "agency", argv[2]), NULL);
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

static int cmd_listen(struct cli *cli, int argc, char **argv)
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
    if (load_keys(cli, "agency", &me, server_pub) != 0)
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

/* ---- report ---- */

static const char *report_format = "md";
static const char *report_out;

static int write_text(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text ? text : "", f) < 0) {
        cli_errorf("%s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return EXIT_LOCAL;
    }
    fclose(f);
    printf("%s\n", path);
    return 0;
}

static void print_report(json_t *r)
{
    json_t *csv = json_object_get(r, "csv");
    if (report_out) {
        mkdir(report_out, 0750);
        char *js = json_dumps(json_object_get(r, "report"), JSON_INDENT(2));
        write_text(report_out, "report.md", json_string_value(json_object_get(r, "markdown")));
        write_text(report_out, "report.json", js);
        free(js);
        write_text(report_out, "agencies.csv", json_string_value(json_object_get(csv, "agencies")));
        write_text(report_out, "staffing.csv", json_string_value(json_object_get(csv, "staffing")));
        write_text(report_out, "pathways.csv", json_string_value(json_object_get(csv, "pathways")));
    } else if (!strcmp(report_format, "json")) {
        cli_print_json(stdout, json_object_get(r, "report"));
    } else if (!strcmp(report_format, "csv")) {
        const char *key;
        json_t *v;
        json_object_foreach(csv, key, v)
        {
            printf("# ");
            cli_print_escaped(stdout, key, 0);
            printf(".csv\n");
            cli_print_escaped(stdout, json_string_value(v), CLI_ESC_LINES);
            printf("\n");
        }
    } else {
        cli_print_escaped(stdout, json_string_value(json_object_get(r, "markdown")), CLI_ESC_LINES);
    }
}

static int cmd_report(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"format", 1, NULL, 'f'}, {"out", 1, NULL, 'o'}, {NULL, 0, NULL, 0}};
    SUBOPTS_BEGIN(o)
case 'f':
    report_format = optarg;
    break;
case 'o':
    report_out = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || (strcmp(report_format, "md") && strcmp(report_format, "json") &&
                               strcmp(report_format, "csv")))
        return die_usage("usage: muster report INCIDENT [--format md|json|csv] [--out DIR]");
    bool json = cli->json;
    cli->json = false;
    int rc = call_document(cli, "gold", "report.show", json_pack("{s:s}", "incident", argv[optind]),
                           print_report);
    cli->json = json;
    return rc;
}

/* ---- audit ---- */

static long long jnum(json_t *r, const char *key)
{
    return (long long)json_integer_value(json_object_get(r, key));
}

/* What audit verify found, in words; returns the exit code (1 unless intact). */
static int print_verify(const struct cli *cli, json_t *r)
{
    const char *finding = json_string_value(json_object_get(r, "finding"));
    finding = finding ? finding : "";
    if (cli->json)
        cli_print_json(stdout, r);
    else if (json_is_true(json_object_get(r, "intact")))
        printf("audit trail intact: %lld rows, %lld signed by the last of %lld anchors\n",
               jnum(r, "rows"), jnum(r, "anchored_rows"), jnum(r, "anchors"));
    else if (!strcmp(finding, "changed_row"))
        printf("audit trail BROKEN at row %lld (of %lld): changed row: that row was changed,"
               " removed or inserted outside musterd\n",
               jnum(r, "first_broken_row"), jnum(r, "rows"));
    else if (!strcmp(finding, "cut_tail"))
        printf("audit trail BROKEN: cut tail: anchor line %lld vouches for %lld rows, the database"
               " has %lld: rows were deleted from the end\n",
               jnum(r, "anchor_line"), jnum(r, "row"), jnum(r, "rows"));
    else if (!strcmp(finding, "rewritten"))
        printf("audit trail BROKEN: rewritten chain: its %lld rows follow one another, but row %lld"
               " is not the row anchor line %lld signed: rows %lld to %lld were rewritten and"
               " their hashes recomputed\n",
               jnum(r, "rows"), jnum(r, "row"), jnum(r, "anchor_line"), jnum(r, "from_row"),
               jnum(r, "row"));
    else if (!strcmp(finding, "bad_anchor"))
        printf("audit trail BROKEN: bad anchor: line %lld of the anchor file is not a head signed"
               " by this audit key\n",
               jnum(r, "anchor_line"));
    else
        printf("audit trail NOT ANCHORED: its %lld rows follow one another, but no signed anchor"
               " vouches for them (no audit key, or no anchor file)\n",
               jnum(r, "rows"));
    return json_is_true(json_object_get(r, "intact")) ? 0 : EXIT_REFUSED;
}

/* audit verify --db FILE: offline, on a copy of the database, its anchor
 * file and audit.pub; nothing is written to them. */
static int verify_offline(const struct cli *cli, const char *db_path, const char *anchor,
                          const char *pub)
{
    char anchor_buf[4096], pub_buf[4096], err[600];
    struct audit_key k;
    struct audit_report r;
    sqlite3 *db = NULL;
    if (!anchor)
        snprintf(anchor_buf, sizeof(anchor_buf), "%s%s", db_path, AUDIT_ANCHOR_SUFFIX);
    if (!pub)
        snprintf(pub_buf, sizeof(pub_buf), "%s/%s", cli->keys_dir, AUDIT_PUB_FILE);
    if (audit_key_read(pub ? pub : pub_buf, &k, err, sizeof(err)) != 0) {
        fprintf(stderr, "muster: %s\n", err);
        return EXIT_LOCAL;
    }
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
    rc = rc == SQLITE_OK ? audit_verify(db, anchor ? anchor : anchor_buf, &k, &r) : -EIO;
    if (rc != 0)
        fprintf(stderr, "muster: %s: %s\n", db_path, db ? sqlite3_errmsg(db) : strerror(-rc));
    sqlite3_close(db);
    if (rc != 0)
        return EXIT_LOCAL;
    json_t *j = audit_report_json(&r);
    rc = print_verify(cli, j);
    json_decref(j);
    return rc;
}

static int cmd_audit_verify(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"db", 1, NULL, 'd'},
                                      {"anchor", 1, NULL, 'a'},
                                      {"public", 1, NULL, 'p'},
                                      {NULL, 0, NULL, 0}};
    const char *db = NULL, *anchor = NULL, *pub = NULL;
    SUBOPTS_BEGIN(o)
case 'd':
    db = optarg;
    break;
case 'a':
    anchor = optarg;
    break;
case 'p':
    pub = optarg;
    break;
    SUBOPTS_END
    if (optind != argc || (!db && (anchor || pub)))
        return die_usage("usage: muster audit verify [--db FILE [--anchor FILE] [--public FILE]]");
    if (db)
        return verify_offline(cli, db, anchor, pub);
    struct mclient *c = NULL;
    json_t *reply = NULL;
    char err[512];
    int rc = cli_connect(cli, "gold", &c);
    if (rc == 0 &&
        mclient_call(c, cli->request_id, "audit.verify", NULL, &reply, err, sizeof(err)) != 0) {
        fprintf(stderr, "muster: %s\n", err);
        rc = EXIT_UNREACHABLE;
    }
    mclient_close(c);
    if (rc == 0)
        rc = json_is_true(json_object_get(reply, "ok"))
                 ? print_verify(cli, json_object_get(reply, "result"))
                 : report_error(reply);
    json_decref(reply);
    return rc;
}

/* audit export: every row, page by page, one JSON object per line. */
static int cmd_audit_export(struct cli *cli, int argc, char **argv)
{
    struct mclient *c = NULL;
    int rc = argc == 1 ? cli_connect(cli, "gold", &c) : die_usage("usage: muster audit export");
    json_int_t from = 1;
    while (rc == 0) {
        json_t *reply = NULL, *row;
        char err[512];
        size_t i;
        if (mclient_call(c, NULL, "audit.export", json_pack("{s:I}", "from", from), &reply, err,
                         sizeof(err)) != 0) {
            cli_errorf("%s", err);
            rc = EXIT_UNREACHABLE;
            break;
        }
        json_t *rows = json_object_get(json_object_get(reply, "result"), "rows");
        json_array_foreach(rows, i, row)
        {
            cli_dump_json(stdout, row, JSON_COMPACT | JSON_SORT_KEYS);
            from = json_integer_value(json_object_get(row, "id")) + 1;
        }
        size_t n = json_array_size(rows);
        if (!json_is_true(json_object_get(reply, "ok")))
            rc = EXIT_REFUSED;
        json_decref(reply);
        if (n == 0)
            break;
    }
    mclient_close(c);
    return rc;
}

/* ---- keys ---- */

/* A key pair for holder ("gold", or "gold:insp-jones": the principal and
 * the person holding the key), in DIR/<holder>.key, listed in the keyring. */
static int write_pair(const char *dir, const char *holder, bool add_to_ring)
{
    struct keypair kp;
    char name[160], path[4096], principal[KEYS_PRINCIPAL_MAX + 1] = "server",
                                                               person[KEYS_PERSON_MAX + 1];
    keys_file_name(holder, ".key", name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int rc = strcmp(holder, "server") ? keys_holder_split(holder, principal, person) : 0;
    if (rc == 0)
        rc = keys_generate(principal, &kp);
    if (rc == 0)
        rc = keys_write(path, &kp, false);
    if (rc == 0 && add_to_ring) {
        snprintf(path, sizeof(path), "%s/keyring", dir);
        rc = keyring_append(path, holder, kp.public_z85);
    }
    if (rc == 0 && !strcmp(principal, "server")) {
        snprintf(path, sizeof(path), "%s/server.pub", dir);
        rc = keys_write(path, &kp, true);
    }
    if (rc != 0)
        cli_errorf("%s: %s", path, strerror(-rc));
    return rc;
}

static int audit_key_write(const char *dir)
{
    int rc = audit_key_create(dir);
    if (rc != 0)
        fprintf(stderr, "muster: %s/%s: %s\n", dir, AUDIT_KEY_FILE, strerror(-rc));
    return rc;
}

/* keys audit-key: the audit signing key for a key directory made before
 * musterd anchored its audit trail. */
static int cmd_keys_audit(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"keys", 1, NULL, 'k'}, {NULL, 0, NULL, 0}};
    SUBOPTS_BEGIN(o)
case 'k':
    cli->keys_dir = optarg;
    break;
    SUBOPTS_END
    if (optind != argc)
        return die_usage("usage: muster keys audit-key [--keys DIR]");
    if (audit_key_write(cli->keys_dir) != 0)
        return EXIT_LOCAL;
    printf("audit signing key written to %s/%s (give %s to whoever will check the trail);"
           " restart musterd to use it\n",
           cli->keys_dir, AUDIT_KEY_FILE, AUDIT_PUB_FILE);
    return 0;
}

static int plan_principals(const char *plans_dir, char ***out, size_t *n)
{
    struct planset *set = NULL;
    struct plan_errors errs = {0};
    int rc = planset_load_dir(plans_dir, &set, &errs);
    for (size_t i = 0; i < errs.count; i++) {
        cli_print_escaped(stderr, errs.msg[i], 0);
        fputc('\n', stderr);
    }
    plan_errors_free(&errs);
    if (rc != 0)
        return rc;
    *n = 0;
    for (size_t p = 0; p < set->count; p++)
        *n += set->plans[p]->nagencies;
    *out = calloc(*n + 1, sizeof(char *));
    size_t k = 0;
    for (size_t p = 0; p < set->count; p++)
        for (size_t a = 0; a < set->plans[p]->nagencies; a++) {
            char buf[64];
            snprintf(buf, sizeof(buf), "agency:%s", set->plans[p]->agencies[a].id);
            bool dup = false;
            for (size_t j = 0; j < k; j++)
                dup = dup || !strcmp((*out)[j], buf);
            if (!dup)
                (*out)[k++] = strdup(buf);
        }
    *n = k;
    planset_free(set);
    return 0;
}

static int cmd_keys_init(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"plans", 1, NULL, 'p'}, {"keys", 1, NULL, 'k'}, {NULL, 0, NULL, 0}};
    const char *plans = "plans";
    SUBOPTS_BEGIN(o)
case 'p':
    plans = optarg;
    break;
case 'k':
    cli->keys_dir = optarg;
    break;
    SUBOPTS_END
    if (optind != argc)
        return die_usage("usage: muster keys init [--keys DIR] [--plans DIR]");
    char **agencies = NULL;
    size_t n = 0;
    if (plan_principals(plans, &agencies, &n) != 0)
        return EXIT_LOCAL;
    int rc = mkdir(cli->keys_dir, 0700) == 0 || errno == EEXIST ? 0 : -errno;
    rc = rc ? rc : write_pair(cli->keys_dir, "server", false);
    rc = rc ? rc : audit_key_write(cli->keys_dir);
    const char *fixed[] = {"gold", "duty", "intake"};
    for (size_t i = 0; rc == 0 && i < 3; i++)
        rc = write_pair(cli->keys_dir, fixed[i], true);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = write_pair(cli->keys_dir, agencies[i], true);
    for (size_t i = 0; i < n; i++)
        free(agencies[i]);
    free(agencies);
    if (rc != 0)
        return EXIT_LOCAL;
    printf("keys for the server, the audit trail, gold, duty, intake and %zu agencies written to"
           " %s\n",
           n, cli->keys_dir);
    return 0;
}

static int cmd_keys_add(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"keys", 1, NULL, 'k'}, {"person", 1, NULL, 'p'}, {NULL, 0, NULL, 0}};
    const char *person = NULL;
    SUBOPTS_BEGIN(o)
case 'k':
    cli->keys_dir = optarg;
    break;
case 'p':
    person = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || !keys_principal_valid(argv[optind]))
        return die_usage("usage: muster keys add [--keys DIR] [--person NAME]"
                         " gold|duty|intake|agency:ID");
    if (person && !keys_person_valid(person))
        return die_usage("a person's name is 1 to 40 of a-z, 0-9, '.' and '-' (e.g. insp-jones)");
    char holder[KEYS_HOLDER_MAX + 1], name[160];
    snprintf(holder, sizeof(holder), "%s%s%s", argv[optind], person ? ":" : "",
             person ? person : "");
    if (write_pair(cli->keys_dir, holder, true) != 0)
        return EXIT_LOCAL;
    keys_file_name(holder, ".key", name, sizeof(name));
    printf("key %s/%s for %s added to %s/keyring; send SIGHUP to musterd to accept it\n",
           cli->keys_dir, name, holder, cli->keys_dir);
    return 0;
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
    {"incident", "list", cmd_list, "[--active|--stood-down]"},
    {"incident", "show", cmd_show, "REF [--plan-source]"},
    {"agency", "listen", cmd_listen, "[--count N]"},
    {"agency", "ack", cmd_agency_ack, "INCIDENT | --code CODE [--note TEXT]"},
    {"agency", "repage", cmd_repage, "INCIDENT AGENCY"},
    {"page", "ack", cmd_page_ack, "CODE [--note TEXT] [--via WHAT]"},
    {"pledge", "offer", cmd_pledge_offer,
     "INCIDENT --role ROLE --count N --shift KEY... [--name NAME]... [--note TEXT] [--agency ID]"},
    {"pledge", "accept", cmd_pledge_accept, "ID [--note TEXT]"},
    {"pledge", "decline", cmd_pledge_decline, "ID [--note TEXT]"},
    {"pledge", "arrive", cmd_pledge_arrive, "ID [--note TEXT]"},
    {"pledge", "withdraw", cmd_pledge_withdraw, "ID [--note TEXT]"},
    {"pledge", "list", cmd_pledge_list, "INCIDENT"},
    {"staffing", NULL, cmd_staffing, "INCIDENT"},
    {"person", NULL, cli_person,
     "add|show|list|screen|consent|contact|merge|unmerge|import ... (see README.md)"},
    {"referral", "close", cli_referral_close, "PERSON [--reason TEXT]"},
    {"report", NULL, cmd_report, "INCIDENT [--format md|json|csv] [--out DIR]"},
    {"audit", "verify", cmd_audit_verify, "[--db FILE [--anchor FILE] [--public FILE]]  (offline)"},
    {"audit", "export", cmd_audit_export, "(JSON lines on standard output)"},
    {"plan", "list", cmd_plan_list, ""},
    {"plan", "show", cmd_plan_show, "PLAN"},
    {"keys", "init", cmd_keys_init, "[--keys DIR] [--plans DIR]"},
    {"keys", "audit-key", cmd_keys_audit, "[--keys DIR]"},
    {"keys", "add", cmd_keys_add, "[--keys DIR] [--person NAME] gold|duty|intake|agency:ID"},
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
