/*
 * clients/cli_admin.c - the muster CLI's records and keys: the stand-down report,
 * the audit trail (export, verify online and offline) and key management.
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

/* ---- report ---- */

static const char *report_format = "md";
static const char *report_out, *report_table;
static int report_rc;

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

/* Every file of the report into report_out: report.md, report.json and
 * one NAME.csv for each CSV table the reply holds. */
static void write_report(json_t *r)
{
    const char *key;
    json_t *v;
    mkdir(report_out, 0750);
    char *js = json_dumps(json_object_get(r, "report"), JSON_INDENT(2));
    report_rc =
        write_text(report_out, "report.md", json_string_value(json_object_get(r, "markdown")));
    if (report_rc == 0)
        report_rc = write_text(report_out, "report.json", js);
    free(js);
    json_object_foreach(json_object_get(r, "csv"), key, v)
    {
        char name[128];
        snprintf(name, sizeof(name), "%s.csv", key);
        if (report_rc == 0 && !strchr(key, '/') && key[0] != '.')
            report_rc = write_text(report_out, name, json_string_value(v));
    }
}

/* One CSV table to standard output: a CSV file holds one table, so the
 * tables are never run together. */
static void print_table(json_t *csv)
{
    json_t *t = json_object_get(csv, report_table);
    if (json_is_string(t)) {
        cli_print_escaped(stdout, json_string_value(t), CLI_ESC_LINES);
        return;
    }
    const char *key;
    json_t *v;
    char names[1024] = "";
    json_object_foreach(csv, key, v)
    {
        size_t n = strlen(names);
        snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", key);
    }
    cli_errorf("USAGE: the report has no CSV table \"%s\"; its tables are %s", report_table, names);
    report_rc = EXIT_USAGE;
}

static void print_report(json_t *r)
{
    if (!strcmp(report_format, "sitrep"))
        fputs(json_string_value(json_object_get(r, "sitrep")), stdout);
    else if (report_out)
        write_report(r);
    else if (!strcmp(report_format, "json"))
        cli_print_json(stdout, json_object_get(r, "report"));
    else if (!strcmp(report_format, "csv"))
        print_table(json_object_get(r, "csv"));
    else
        cli_print_escaped(stdout, json_string_value(json_object_get(r, "markdown")), CLI_ESC_LINES);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"format", 1, NULL, 'f'},
                                      {"out", 1, NULL, 'o'},
                                      {"table", 1, NULL, 't'},
                                      {NULL, 0, NULL, 0}};
    SUBOPTS_BEGIN(o)
case 'f':
    report_format = optarg;
    break;
case 'o':
    report_out = optarg;
    break;
case 't':
    report_table = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || (strcmp(report_format, "md") && strcmp(report_format, "json") &&
                               strcmp(report_format, "csv") && strcmp(report_format, "sitrep")))
        return die_usage("usage: muster report INCIDENT [--format md|json|csv|sitrep"
                         " [--table NAME]] [--out DIR]");
    if (!strcmp(report_format, "sitrep") && (report_out || report_table))
        return die_usage("USAGE: --format sitrep writes one EDXL-SitRep document to standard"
                         " output, without --out or --table");
    if (!report_out && !strcmp(report_format, "csv") && !report_table)
        return die_usage("USAGE: the CSV report is several tables and one CSV file holds one:"
                         " choose one with --table NAME (agencies, channels, staffing, ...),"
                         " or write them all with --out DIR");
    if (report_table && (report_out || strcmp(report_format, "csv")))
        return die_usage("USAGE: --table goes with --format csv, without --out");
    bool json = cli->json;
    cli->json = false;
    json_t *args = json_pack("{s:s}", "incident", argv[optind]);
    if (!strcmp(report_format, "sitrep"))
        json_object_set_new(args, "format", json_string("sitrep"));
    int rc = call_document(cli, "gold", "report.show", args, print_report);
    cli->json = json;
    return rc ? rc : report_rc;
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

int cmd_audit_verify(struct cli *cli, int argc, char **argv)
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
                 : cli_report_error(reply);
    json_decref(reply);
    return rc;
}

/* audit export: every row, page by page, one JSON object per line. */
int cmd_audit_export(struct cli *cli, int argc, char **argv)
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
int cmd_keys_audit(struct cli *cli, int argc, char **argv)
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

int cmd_keys_init(struct cli *cli, int argc, char **argv)
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

int cmd_keys_add(struct cli *cli, int argc, char **argv)
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
