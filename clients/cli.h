/*
 * clients/cli.h - what the muster CLI's command files share: options,
 * exit codes, and sending one request.
 */
#ifndef MUSTER_CLI_H
#define MUSTER_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include <jansson.h>

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3, EXIT_AUTH = 4, EXIT_LOCAL = 5 };

struct cli {
    const char *keys_dir;
    const char *key_file;
    const char *as;
    const char *endpoint;
    const char *feed_endpoint;
    const char *request_id;
    int timeout_ms;
    bool json;
};

typedef void print_fn(json_t *result);

/* Print a usage error; returns EXIT_USAGE. */
int die_usage(const char *msg);

/* Send cmd with args (stolen) using the key of the natural role (or the
 * one chosen with --as/--key) and print the result with print (or as JSON
 * with --json).  Returns the exit code. */
int call(const struct cli *cli, const char *natural, const char *cmd, json_t *args,
         print_fn *print);

/* As call, but print is handed the result as musterd sent it, not
 * escaped: for documents that are also written to files (the report).
 * print must write to the terminal only through cli_print_escaped or
 * cli_dump_json (cli_out.h). */
int call_document(const struct cli *cli, const char *natural, const char *cmd, json_t *args,
                  print_fn *print);

struct mclient;

/* Open a connection with the key of the natural role (or --as/--key).
 * Returns 0 or an exit code (the reason printed). */
int cli_connect(const struct cli *cli, const char *natural, struct mclient **out);

struct keypair;

/* Read the key pair of the natural role (or --as/--key) and the daemon's
 * public key.  Returns 0 or -errno (the reason printed). */
int cli_load_keys(const struct cli *cli, const char *natural, struct keypair *me,
                  char server_pub[41]);

/* Print musterd's error reply (code, message, retry_after_ms); returns
 * EXIT_REFUSED. */
int cli_report_error(json_t *reply);

/* A pledge as options give it (pledge offer, agency ack --pledge-...):
 * flag is the options' prefix ("--" or "--pledge-"), for messages. */
struct cli_pledge {
    const char *flag;
    const char *role, *count, *note, *agency;
    json_t *shifts, *names;
};

/* Whether any of the pledge's options was given. */
bool cli_pledge_given(const struct cli_pledge *p);

/* The pledge's JSON object (shifts and names stolen), or NULL when the
 * role, a count from 1 to 1000 or a shift is missing or malformed: then
 * what is wrong, naming the option, has been printed. */
json_t *cli_pledge_object(struct cli_pledge *p);

/* The incident, plan, staffing and pledge commands (cli_incident.c). */
int cmd_standup(struct cli *cli, int argc, char **argv);
int cmd_standdown(struct cli *cli, int argc, char **argv);
int cmd_close(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_level(struct cli *cli, int argc, char **argv);
int cmd_amend(struct cli *cli, int argc, char **argv);
int cmd_publish(struct cli *cli, int argc, char **argv);
int cmd_unpublish(struct cli *cli, int argc, char **argv);
int cmd_plan_list(struct cli *cli, int argc, char **argv);
int cmd_plan_show(struct cli *cli, int argc, char **argv);
int cmd_whoami(struct cli *cli, int argc, char **argv);
int cmd_request(struct cli *cli, int argc, char **argv);
int cmd_pledge_offer(struct cli *cli, int argc, char **argv);
int cmd_pledge_accept(struct cli *cli, int argc, char **argv);
int cmd_pledge_decline(struct cli *cli, int argc, char **argv);
int cmd_pledge_arrive(struct cli *cli, int argc, char **argv);
int cmd_pledge_withdraw(struct cli *cli, int argc, char **argv);
int cmd_pledge_list(struct cli *cli, int argc, char **argv);

/* EDXL-RM (cli_rm.c): pledge request and pledge import; and an XML file
 * read for musterd (at most 256 KiB of UTF-8) as a JSON string in *xml:
 * 0, or an exit code with the reason printed (format names the message
 * in it: "CAP 1.2"). */
int cmd_pledge_request(struct cli *cli, int argc, char **argv);
int cmd_pledge_import(struct cli *cli, int argc, char **argv);
int cli_xml_file(const char *path, const char *format, json_t **xml);
int cmd_staffing(struct cli *cli, int argc, char **argv);

/* The paging commands (cli_paging.c). */
int cmd_agency_ack(struct cli *cli, int argc, char **argv);
int cmd_page_ack(struct cli *cli, int argc, char **argv);
int cmd_repage(struct cli *cli, int argc, char **argv);
int cmd_listen(struct cli *cli, int argc, char **argv);
int cmd_referral_ack(struct cli *cli, int argc, char **argv);
int cmd_alarm_list(struct cli *cli, int argc, char **argv);
int cmd_alarm_clear(struct cli *cli, int argc, char **argv);

/* Report, audit and keys (cli_admin.c). */
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_audit_verify(struct cli *cli, int argc, char **argv);
int cmd_audit_export(struct cli *cli, int argc, char **argv);
int cmd_keys_audit(struct cli *cli, int argc, char **argv);
int cmd_keys_init(struct cli *cli, int argc, char **argv);
int cmd_keys_add(struct cli *cli, int argc, char **argv);

/* muster backup, restore, health and metrics (cli_ops.c). */
int cmd_backup(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_health(struct cli *cli, int argc, char **argv);
int cmd_metrics(struct cli *cli, int argc, char **argv);

/* muster watch and muster status (watch.c). */
int cli_watch(struct cli *cli, int argc, char **argv);
int cli_status(struct cli *cli, int argc, char **argv);

/* muster complete commands|refs|shifts INCIDENT (cli_complete.c). */
int cmd_complete(struct cli *cli, int argc, char **argv);

/* The person commands (cli_persons.c). */
int cli_person(struct cli *cli, int argc, char **argv);
/* muster person export (cli_exchange.c). */
int cli_person_export(struct cli *cli, int argc, char **argv);
int cli_referral_close(struct cli *cli, int argc, char **argv);
int cli_family(struct cli *cli, int argc, char **argv);

/* getopt_long over a subcommand's own arguments (argv[0] is the action). */
#define SUBOPTS_BEGIN(longopts)                                                                    \
    optind = 0;                                                                                    \
    int ch;                                                                                        \
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {                             \
        switch (ch) {
#define SUBOPTS_END                                                                                \
    default:                                                                                       \
        return EXIT_USAGE;                                                                         \
        }                                                                                          \
        }

#endif
