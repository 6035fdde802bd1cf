/*
 * daemon/report_cmd.c - report.show: the stand-down report of an incident
 * on demand, as JSON, Markdown and the CSV tables (built by report.c).
 */
#include <stdlib.h>

#include "dispatch.h"
#include "incident.h"
#include "report.h"

static int cmd_report(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    if (proto_arg_str(c->args, "incident", true, 32, &ref, &c->err) ||
        dispatch_incident(c, ref, &inc))
        return -1;
    json_t *r = NULL;
    int rc = report_build(c->m, inc.id, &r);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    char *md = report_markdown(r), *agencies = report_csv(r, "agencies");
    char *staffing = report_csv(r, "staffing"), *pathways = report_csv(r, "pathways");
    char *selfreg = report_csv(r, "self_registrations");
    c->result = json_pack("{s:o, s:s, s:{s:s, s:s, s:s, s:s}}", "report", r, "markdown",
                          md ? md : "", "csv", "agencies", agencies, "staffing", staffing,
                          "pathways", pathways, "self_registrations", selfreg);
    free(selfreg);
    free(md);
    free(agencies);
    free(staffing);
    free(pathways);
    return 0;
}

static const char *const report_args[] = {"incident", NULL};

const struct command report_commands[] = {
    {.name = "report.show", .fn = cmd_report, .args = report_args},
    {.name = NULL},
};
