/*
 * daemon/report_cmd.c - report.show: the stand-down report of an incident
 * on demand, as JSON, Markdown and the CSV tables (built by report.c,
 * report_render.c and report_csv.c).
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

static const char *const report_args[] = {"incident", NULL};

const struct command report_commands[] = {
    {.name = "report.show", .fn = cmd_report, .args = report_args},
    {.name = NULL},
};
