/*
 * daemon/metrics_cmd.c - metrics.show: musterd's metrics as Prometheus
 * text (see metrics.h), for muster metrics and node_exporter's textfile
 * collector.
 */
#include <stdlib.h>

#include "dispatch.h"
#include "metrics.h"
#include "server.h"

static int cmd_metrics(struct cmd_ctx *c)
{
    char *text = NULL;
    int rc = metrics_render(c->m, &text);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:s, s:s}", "format", "prometheus-text-0.0.4", "text", text);
    free(text);
    return 0;
}

static const char *const metrics_args[] = {NULL};

const struct command metrics_commands[] = {
    {.name = "metrics.show", .fn = cmd_metrics, .args = metrics_args},
    {.name = NULL},
};
