/*
 * clients/cli_rm.c - the muster CLI's EDXL-RM commands (docs/interop.md):
 * `pledge request` prints the RequestResource of an incident's asks for
 * staff, `pledge import` sends an agency's ResponseToRequestResource or
 * CommitResource to musterd, which reads and checks it and makes the
 * pledge; and the reading of an XML file both they and `incident standup
 * --cap` send.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_out.h"
#include "proto.h"

#define XML_FILE_MAX (256 * 1024) /* musterd's limit (common/xml.h) */

int cli_xml_file(const char *path, const char *format, json_t **xml)
{
    FILE *f = fopen(path, "rb");
    *xml = NULL;
    if (!f)
        return cli_errorf("%s: %s", path, strerror(errno)), EXIT_LOCAL;
    char *buf = malloc(XML_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, XML_FILE_MAX + 1, f) : 0;
    int bad = ferror(f) || !buf;
    fclose(f);
    *xml = !bad && n <= XML_FILE_MAX ? json_stringn(buf, n) : NULL;
    free(buf);
    if (*xml)
        return 0;
    if (bad)
        cli_errorf("%s: cannot be read", path);
    else if (n > XML_FILE_MAX)
        cli_errorf("%s: over the 262144 byte limit of a %s message", path, format);
    else
        cli_errorf("%s: not UTF-8 text: a %s message is UTF-8", path, format);
    return bad ? EXIT_LOCAL : EXIT_REFUSED;
}

/* pledge import's reply: the pledge made, or the decline recorded. */
static void print_import(json_t *r)
{
    json_t *p = json_object_get(r, "pledge");
    const char *again = json_is_true(json_object_get(r, "replayed")) ? " (received before: "
                                                                       "nothing new done)"
                                                                     : "";
    if (json_is_object(p))
        printf("pledge %lld: %s pledges %lld %s for %s, answering %s%s\n",
               (long long)proto_int(p, "id"), proto_dash(p, "agency"),
               (long long)proto_int(p, "count"), proto_dash(p, "role"), proto_dash(r, "incident"),
               proto_dash(r, "answers"), again);
    else
        printf("%s: %s to %s recorded, no pledge%s\n", proto_dash(r, "incident"),
               proto_dash(r, "response"), proto_dash(r, "answers"), again);
}

int cmd_pledge_import(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return die_usage("usage: muster pledge import FILE");
    json_t *xml = NULL;
    int rc = cli_xml_file(argv[1], "EDXL-RM", &xml);
    if (rc != 0)
        return rc;
    return call(cli, "agency", "pledge.import", json_pack("{s:o}", "xml", xml), print_import);
}

/* The documents, one after the other, as musterd wrote them (escaped for
 * the terminal, new lines kept). */
static void print_requests(json_t *r)
{
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(r, "requests"), i, q)
        cli_print_escaped(stdout, proto_dash(q, "xml"), CLI_ESC_LINES);
    if (json_array_size(json_object_get(r, "requests")) == 0)
        cli_errorf("%s: no open ask for staff", proto_dash(r, "incident"));
}

int cmd_pledge_request(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"agency", 1, NULL, 'a'}, {"ask", 1, NULL, 'k'}, {NULL, 0, NULL, 0}};
    const char *agency = NULL;
    long ask = 0;
    char *end = NULL;
    SUBOPTS_BEGIN(o)
case 'a':
    agency = optarg;
    break;
case 'k':
    ask = strtol(optarg, &end, 10);
    if (ask <= 0 || *end)
        return die_usage("--ask takes an ask's number (muster staffing INCIDENT --json)");
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster pledge request INCIDENT [--agency ID] [--ask N]");
    json_t *args = json_pack("{s:s, s:s?}", "incident", argv[optind], "agency", agency);
    if (ask)
        json_object_set_new(args, "ask", json_integer(ask));
    return call_document(cli, "duty", "pledge.request", args, print_requests);
}
