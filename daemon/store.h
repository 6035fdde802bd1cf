/*
 * daemon/store.h - the SQLite store, muster's single source of truth.
 *
 * One connection, used by the loop thread, except while a commit runs on a
 * libuv worker thread (store_commit_async), during which nobody else touches
 * it.  WAL journal, synchronous=FULL, BEGIN IMMEDIATE, cached prepared
 * statements, schema migrations by PRAGMA user_version.  Functions return 0
 * or a negative errno: -ENOSPC (disk full), -EROFS (read-only), -EBUSY,
 * -EIO, -ENOENT (no row), -EEXIST (constraint), -EINVAL (misuse).
 */
#ifndef MUSTER_STORE_H
#define MUSTER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>
#include <uv.h>

#include "audit.h"
#include "sqlerr.h"

struct store;
struct audit_report;

/* Open (creating if needed) and migrate the database at path. */
int store_open(const char *path, struct store **out);
void store_close(struct store *st);

/* The schema version this build migrates to. */
int store_schema_version(void);

/* A cached prepared statement for sql (a string literal: the cache is keyed
 * by its address).  It is reset and its bindings cleared.  NULL on error. */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Step a statement expecting no row (INSERT/UPDATE/DELETE): 0 or -errno. */
int store_exec_stmt(sqlite3_stmt *stmt);

/* Run plain SQL with no parameters. */
int store_exec(struct store *st, const char *sql);

/*
 * Reading rows.  Every loop over rows steps with store_step, which tells
 * "no more rows" (0) from "the read failed" (-errno, as sql_errno: -EIO
 * for a damaged file, -EINVAL for an SQL error such as malformed JSON,
 * -EBUSY, -ENOMEM...), so a failed read is reported as the request's
 * storage error and never taken for the end of the rows.
 */

/* Step a statement: 1 when a row is ready, 0 when there are no more rows,
 * or -errno when the read failed.  The caller resets the statement. */
int store_step(sqlite3_stmt *s);

/* Column i of the current row as text, NULL for SQL NULL (valid until
 * the statement steps again or is reset). */
const char *store_col_text(sqlite3_stmt *s, int i);

/* Column i of the current row as JSON (a new reference): an integer, or
 * null for SQL NULL. */
json_t *store_col_opt_int(sqlite3_stmt *s, int i);

/* Column i of the current row as JSON (a new reference): a string, or
 * null for SQL NULL. */
json_t *store_col_opt_text(sqlite3_stmt *s, int i);

/* Bind text v to parameter i, or SQL NULL when v is NULL (copied). */
void store_bind_text_opt(sqlite3_stmt *s, int i, const char *v);

/* Makes one row of s into JSON (a new reference). */
typedef json_t *store_row_fn(sqlite3_stmt *s);

/* A store_row_fn: the row's first column as a JSON integer. */
json_t *store_row_int(sqlite3_stmt *s);

/* Every row of s (bound by the caller) made into JSON by row, as a new
 * array in *out (the caller owns it).  s is reset.  Returns 0, or -errno
 * when a read failed: then *out is NULL and no rows are kept. */
int store_rows_json(sqlite3_stmt *s, store_row_fn *row, json_t **out);

/* Every row's first column of s (bound by the caller) as an array in
 * *ids (the caller frees it; NULL when none) of *n.  All rows are read,
 * so an UPDATE ... RETURNING is never cut short.  s is reset.  Returns 0,
 * or -errno (then *ids is NULL and *n 0). */
int store_ids(sqlite3_stmt *s, int64_t **ids, size_t *n);

/* store_rows_json over the cached statement for sql with ?1 bound to id. */
int store_rows(struct store *st, const char *sql, int64_t id, store_row_fn *row, json_t **out);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Ending the
 * transaction ends every savepoint in it. */
int store_begin(struct store *st);
/* A new batch: forget that BEGIN failed in the last one (a failed BEGIN is
 * not retried within a batch, so one locked database costs one wait). */
void store_batch_reset(struct store *st);
bool store_in_txn(const struct store *st);
/* In a transaction store_begin opened (not one a lone savepoint opened,
 * whose release commits it): the one store_hooks' flush is sure to see. */
bool store_in_begun_txn(const struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

/*
 * Savepoints nest inside the transaction: one around each request and
 * task of a batch (dispatch.c, control.c), one around each row of an
 * import inside its request's (persons_cmd.c).  store_savepoint opens a new innermost savepoint
 * (named sp1, sp2... by depth); release keeps its work in the enclosing
 * one, rollback undoes its work and ends it; either acts on the innermost
 * only, and the enclosing savepoints' work stays.  0 or -errno; -EINVAL
 * when no savepoint is open.  A release or rollback that fails leaves the
 * depth as it was.
 */
int store_savepoint(struct store *st);
int store_savepoint_release(struct store *st);
int store_savepoint_rollback(struct store *st);

/* How many savepoints are open (0 outside any). */
int store_savepoint_depth(const struct store *st);

/* A number that changes whenever what was read in the open transaction
 * may no longer hold: every rollback (of a savepoint or the transaction)
 * and every store_generation_bump (a module that changes what another
 * remembers, e.g. an incident's plan: frozen.c). */
uint64_t store_generation(const struct store *st);
void store_generation_bump(struct store *st);

/*
 * What a module keeps in memory for the open transaction and writes just
 * before it commits (the board's counters, board_counters.c) follows the
 * transaction through these: opened(arg, depth) when savepoint sp<depth>
 * opens (0, or -errno: the savepoint is not opened); rolled_back(arg,
 * depth) when its work is undone; flush(arg) before COMMIT (0, or -errno:
 * the commit is not made and the transaction is rolled back); ended(arg)
 * when the transaction ends either way; close(arg) with the store.  One
 * set per store; store_hooks_arg gives its arg (NULL when none is set).
 */
struct store_hooks {
    int (*opened)(void *arg, int depth);
    void (*rolled_back)(void *arg, int depth);
    int (*flush)(void *arg);
    void (*ended)(void *arg);
    void (*close)(void *arg);
};
void store_hooks_set(struct store *st, const struct store_hooks *hooks, void *arg);
void *store_hooks_arg(const struct store *st);

/*
 * Commit the open transaction on a libuv worker thread, so the fsync never
 * blocks the loop.  cb runs on the loop thread with 0 or -errno; on failure
 * the transaction has been rolled back.  The caller must not use the store
 * until cb has run.  Returns 0, or -errno when the commit could not be
 * started (what store_hooks keep could not be written, or no worker): the
 * transaction is still open, for the caller to roll back.
 */
typedef void store_commit_cb(void *arg, int status);
int store_commit_async(struct store *st, uv_loop_t *loop, store_commit_cb *cb, void *arg);

/*
 * Anchor the audit trail outside the database (see audit.h): load the
 * signing key KEYS_DIR/audit.key and open DB.anchor (O_APPEND, 0600).
 * From then on every asynchronous commit that added audit rows appends the
 * signed chain head to that file, fdatasync'd on the commit's worker thread
 * right after the COMMIT, and logs the same line.  A new anchor file gets
 * the current head at once.  Without audit.key musterd runs unanchored
 * (logged; verify reports it): returns 0.  Returns -errno for a key file
 * that is invalid or readable by others, or an anchor file that cannot be
 * opened.
 */
int store_anchor_start(struct store *st, const char *keys_dir);

/* Check the audit chain against the anchor file and the public key (see
 * audit_verify).  Returns 0 and fills r, or -errno. */
int store_audit_verify(struct store *st, struct audit_report *r);

/* The signed head of the audit chain: the anchor file's last line, its
 * signature checked with the audit key.  rows is the last row it vouches
 * for, hash that row's chain hash ("" for an empty chain), at when it was
 * signed (ms), sig the Ed25519 signature in hex. */
struct store_audit_head {
    int64_t rows, at;
    char hash[65], sig[129];
};

/* Returns 0 and fills h; -ENOENT when musterd runs unanchored (no audit
 * key) or nothing is anchored yet; -EBADMSG when the last line is not a
 * head signed by the audit key. */
int store_audit_head(struct store *st, struct store_audit_head *h);

/* Idempotency: the stored reply for (principal, request id), or -ENOENT;
 * -EEXIST when the id was used for a request with another digest (of the
 * command and its arguments).  *reply is malloc'd, the caller frees it. */
int store_reply_get(struct store *st, const char *principal, const char *req_id, const char *digest,
                    char **reply);
int store_reply_put(struct store *st, const char *principal, const char *req_id, int64_t at,
                    const char *reply, const char *digest);

/* Audit trail: one row per state change or refusal (audit.h). */
int store_audit_add(struct store *st, const struct audit_row *a);

/* The feed events the stand-down report reads by incident (its timeline:
 * all of them but staffing.pledge; who did what: incident.level and
 * staffing.pledge), as the condition of their index, events_report
 * (migration 29).  SQLite uses that index for a query whose WHERE holds
 * this expression or one of its comparisons (kind = '...'), so the
 * timeline says it whole, word for word.
 * Never edited: events of another kind need a new index in a new
 * migration.  Spelled as comparisons, not IN: an IN list is built into a
 * temporary table at each insert into events. */
#define EVENTS_REPORT_KINDS                                                                        \
    "(kind = 'agency.acknowledged' OR kind = 'agency.repaged' OR kind = 'agency.unreachable'"      \
    " OR kind = 'incident.amended' OR kind = 'incident.closed' OR kind = 'incident.level'"         \
    " OR kind = 'incident.standdown' OR kind = 'incident.standup' OR kind = 'person.breach'"       \
    " OR kind = 'staffing.ask' OR kind = 'staffing.pledge')"

/* The target of the audit row of an attempt to acknowledge by code. */
#define STORE_AUDIT_ACK_CODE "ack code"

/* Wrong acknowledgement codes (audit rows with target STORE_AUDIT_ACK_CODE
 * and outcome NOT_FOUND) sent by principal after since (ms): *at is the
 * time of the n-th most recent (n >= 1), or -ENOENT when there are fewer
 * than n.  An index lookup, however long the audit trail. */
int store_audit_wrong_code(struct store *st, const char *principal, int64_t since, int n,
                           int64_t *at);

/* Status-feed events: persisted in the same transaction as the change they
 * describe; *seq is the feed sequence number. */
int store_event_add(struct store *st, int64_t incident_id, int64_t at, const char *kind,
                    const char *body, int64_t *seq);

/* Highest event sequence number stored (0 when none). */
int64_t store_event_last_seq(struct store *st);

/* Inside the retention purge's transaction: in the incident's stored
 * events every "note" becomes null and every "names" list empty, and the
 * stored replies (with their request digests) up to the incident's
 * stand-down are deleted.  Returns 0 or -errno. */
int store_incident_purge(struct store *st, int64_t incident_id);

#endif
