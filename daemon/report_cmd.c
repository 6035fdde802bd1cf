/*
 * daemon/report_cmd.c - report.show: the stand-down report of an incident
 * on demand, as JSON, Markdown and the CSV tables (built by report.c,
 * report_render.c and report_csv.c), or as an EDXL-SitRep (sitrep.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "incident.h"
#include "report.h"
#include "server.h"
#include "sitrep.h"

/* The incident's EDXL-SitRep now: numbered 1, from the standup to now. */
static int report_sitrep(struct cmd_ctx *c, const struct incident *inc)
{
    struct sitrep_stamp st = {.number = 1, .from = inc->created_at, .to = server_now(c->m)};
    char *xml = NULL;
    int rc = sitrep_document(c->m, inc->id, &st, &xml);
    if (rc == -EPROTO)
        return proto_fail(&c->err, ERR_INTERNAL, "the SitRep written fails its schema");
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result =
        json_pack("{s:s, s:s, s:s}", "incident", inc->ref, "format", "sitrep", "sitrep", xml);
    free(xml);
    return 0;
}

static int cmd_report(struct cmd_ctx *c)
{
    const char *ref = NULL, *format = NULL;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, 32, &ref, &c->err) ||
        proto_arg_str(c->args, "format", false, 16, &format, &c->err))
        return -1;
    if (format && strcmp(format, "json") && strcmp(format, "sitrep"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"format\" must be json or sitrep, got \"%s\"", format);
    if (dispatch_incident(c, ref, &inc))
        return -1;
    if (format && !strcmp(format, "sitrep"))
        return report_sitrep(c, &inc);
    json_t *r = NULL;
    int rc = report_build(c->m, inc.id, &r);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    char *md = report_markdown(r);
    json_t *csv = json_object();
    for (int i = 0; report_csv_tables[i]; i++) {
        char *t = report_csv(r, report_csv_tables[i]);
        json_object_set_new(csv, report_csv_tables[i], json_string(t ? t : ""));
        free(t);
    }
    c->result = json_pack("{s:o, s:s, s:o}", "report", r, "markdown", md ? md : "", "csv", csv);
    free(md);
    return 0;
}

static const char *const report_args[] = {"incident", "format", NULL};

const struct command report_commands[] = {
    {.name = "report.show", .fn = cmd_report, .args = report_args},
    {.name = NULL},
};
