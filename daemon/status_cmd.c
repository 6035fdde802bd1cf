/*
 * daemon/status_cmd.c - status.show: the board of an incident (the named
 * one, or the latest), as the snapshot of the feed's Clone pattern with
 * the sequence number it is current to (see board.h).
 */
#include "board.h"
#include "dispatch.h"
#include "incident.h"
#include "server.h"
#include "store.h"

static int cmd_status(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    json_t *board = NULL, *meta = NULL;
    if (proto_arg_str(c->args, "incident", false, 32, &ref, &c->err))
        return -1;
    int rc = ref ? incident_find(c->m->store, ref, &inc) : incident_latest(c->m->store, &inc);
    if (rc == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND, ref ? "no incident %s" : "no incidents%s",
                          ref ? ref : "");
    if (rc > 0)
        rc = board_snapshot(c->m, inc.id, &board);
    if (rc == 0)
        rc = board_meta(c->m, inc.id, &meta);
    if (rc != 0) {
        json_decref(board);
        return dispatch_storage_fail(c, rc);
    }
    c->result =
        json_pack("{s:O, s:I, s:o, s:o}", "incident",
                  json_object_get(json_object_get(board, "incident"), "ref"), "seq",
                  (json_int_t)store_event_last_seq(c->m->store), "board", board, "meta", meta);
    return 0;
}

static const char *const status_args[] = {"incident", NULL};

const struct command status_commands[] = {
    {.name = "status.show", .fn = cmd_status, .args = status_args},
    {.name = NULL},
};
