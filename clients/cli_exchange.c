/*
 * clients/cli_exchange.c - "muster person export": an incident's persons
 * for a receiving party the plan names, as a PFIF 1.4 document
 * (person.export; docs/interop.md), to standard output or a file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_out.h"

static const char *export_out;
static int export_rc;

/* The document to export_out (its summary on standard output), or the
 * document itself to standard output (its summary on standard error). */
static void print_export(json_t *r)
{
    const char *doc = json_string_value(json_object_get(r, "document"));
    long long n = (long long)json_integer_value(json_object_get(r, "persons"));
    json_t *next = json_object_get(r, "next_offset");
    FILE *f = export_out ? fopen(export_out, "w") : NULL;
    if (export_out && (!f || fputs(doc ? doc : "", f) < 0 || fclose(f) != 0)) {
        cli_errorf("%s: %s", export_out, strerror(errno));
        export_rc = EXIT_LOCAL;
        return;
    }
    if (!export_out)
        cli_print_escaped(stdout, doc ? doc : "", CLI_ESC_LINES);
    FILE *say = export_out ? stdout : stderr;
    fprintf(say, "%lld persons exported for ", n);
    cli_print_escaped(say, json_string_value(json_object_get(r, "for")), 0);
    if (export_out) {
        fprintf(say, " to ");
        cli_print_escaped(say, export_out, 0);
    }
    if (json_is_integer(next))
        fprintf(say, "; more remain: export again with --offset %lld",
                (long long)json_integer_value(next));
    fprintf(say, "\n");
}

int cli_person_export(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"format", 1, NULL, 'f'},
                                      {"for", 1, NULL, 'p'},
                                      {"offset", 1, NULL, 'n'},
                                      {"out", 1, NULL, 'o'},
                                      {NULL, 0, NULL, 0}};
    const char *format = "pfif", *party = NULL;
    long long offset = 0;
    char *end = NULL;
    export_out = NULL;
    SUBOPTS_BEGIN(o)
case 'f':
    format = optarg;
    break;
case 'p':
    party = optarg;
    break;
case 'n':
    offset = strtoll(optarg, &end, 10);
    break;
case 'o':
    export_out = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || !party || strcmp(format, "pfif") || (end && (*end || offset < 0)))
        return die_usage("usage: muster person export INCIDENT --for PARTY [--format pfif]"
                         " [--offset N] [--out FILE]");
    export_rc = 0;
    int rc = call_document(cli, "duty", "person.export",
                           json_pack("{s:s, s:s, s:s, s:I}", "incident", argv[optind], "for", party,
                                     "format", format, "offset", (json_int_t)offset),
                           print_export);
    return rc ? rc : export_rc;
}
