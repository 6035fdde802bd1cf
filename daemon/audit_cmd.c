/*
 * daemon/audit_cmd.c - the audit trail's commands: audit.verify checks the
 * chain against its signed anchors, audit.export gives the rows with their
 * hashes for an inquiry (see audit.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "audit.h"
#include "dispatch.h"
#include "server.h"
#include "store.h"

static const char SQL_AUDIT_ALL[] =
    "SELECT id, at, principal, request_id, command, target, outcome, detail, hash FROM audit"
    " WHERE id >= ?1 ORDER BY id LIMIT ?2";

static void audit_fields(sqlite3_stmt *s, struct audit_row *a)
{
    *a = (struct audit_row){sqlite3_column_int64(s, 1), store_col_text(s, 2), store_col_text(s, 3),
                            store_col_text(s, 4),       store_col_text(s, 5), store_col_text(s, 6),
                            store_col_text(s, 7)};
}

static json_t *export_row(sqlite3_stmt *s)
{
    struct audit_row a;
    audit_fields(s, &a);
    return json_pack("{s:I, s:I, s:s, s:s?, s:s, s:s?, s:s, s:s?, s:s?}", "id",
                     (json_int_t)sqlite3_column_int64(s, 0), "at", (json_int_t)a.at, "principal",
                     a.principal, "request_id", a.request_id, "command", a.command, "target",
                     a.target, "outcome", a.outcome, "detail", a.detail, "hash",
                     store_col_text(s, 8));
}

/* audit.verify: the chain against the signed anchors (see audit.h). */
static int cmd_audit_verify(struct cmd_ctx *c)
{
    struct audit_report r;
    int rc = store_audit_verify(c->m->store, &r);
    if (rc != 0)
        return proto_fail(&c->err, ERR_UNAVAILABLE, "the audit trail cannot be read (%s)",
                          strerror(-rc));
    c->result = audit_report_json(&r);
    return 0;
}

/* audit.export: rows with their hashes, from a row id, for an inquiry. */
static int cmd_audit_export(struct cmd_ctx *c)
{
    int64_t from = 1, limit = 10000;
    if (proto_arg_int(c->args, "from", false, 1, INT64_MAX, &from, &c->err) ||
        proto_arg_int(c->args, "limit", false, 1, 10000, &limit, &c->err))
        return -1;
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_AUDIT_ALL);
    if (!s)
        return dispatch_storage_fail(c, -EINVAL);
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, limit);
    json_t *rows = NULL;
    int rc = store_rows_json(s, export_row, &rows);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:o}", "rows", rows);
    return 0;
}

static const char *const no_args[] = {NULL};
static const char *const export_args[] = {"from", "limit", NULL};

const struct command audit_commands[] = {
    {.name = "audit.verify", .fn = cmd_audit_verify, .args = no_args},
    {.name = "audit.export", .fn = cmd_audit_export, .args = export_args},
    {.name = NULL},
};
