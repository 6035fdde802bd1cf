/*
 * daemon/store_int.h - private to the store*.c files: the store itself and
 * what its three parts call in one another.
 *
 * store.c owns the connection, the statement cache, transactions and
 * savepoints and the asynchronous commit; store_schema.c the migrations;
 * store_audit.c the audit trail with its anchor, stored replies and feed
 * events.  The anchor is written by the commit's worker thread, so its
 * state lives in the struct beside the commit's.
 */
#ifndef MUSTER_STORE_INT_H
#define MUSTER_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>
#include <uv.h>

#include "audit.h"
#include "store.h"

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    struct stmt_slot *cache; /* one per SQL text the code has (static strings): grows */
    size_t ncache, cache_cap;
    uint32_t *index; /* cache slots by the SQL text's address: slot + 1, 0 empty */
    size_t nindex;   /* a power of two, more than twice ncache */
    /* async commit */
    uv_work_t work;
    int commit_rc;
    int depth;        /* open savepoints: the innermost is "sp<depth>" */
    uint64_t gen;     /* store_generation */
    int commit_errno; /* the OS error behind a failed commit */
    int begin_err;    /* a BEGIN that failed in this batch: not tried again */
    bool begun;       /* the open transaction is store_begin's (ends by commit or rollback) */
    store_commit_cb *commit_cb;
    void *commit_arg;
    const struct store_hooks *hooks; /* the transaction's followers (store.h), or NULL */
    void *hooks_arg;
    /* the audit anchor (audit.h): written by the commit's worker thread */
    bool anchoring;
    struct audit_key akey;
    int anchor_fd;
    char *anchor_path;
    sqlite3_stmt *head;    /* the chain head, read on the worker thread */
    int64_t anchored_rows; /* the head signed last */
    bool anchor_tried;     /* this commit tried to write an anchor: log it */
    int anchor_rc;
    char anchor_line[AUDIT_ANCHOR_LINE_MAX];
};

/* store_schema.c: apply the migrations this database (the file at path)
 * lacks, each in its own transaction with its version bump, after copying
 * a database that holds data to path.pre-vN (dbfile.h).  Returns 0 or
 * -errno (-EPROTO for a schema newer than this build). */
int store__migrate(struct store *st, const char *path);

/* store_checks.c: migration 30's code, in its transaction: the CHECKs'
 * IN lists of three or more words rewritten as comparisons in
 * sqlite_master, the schema cookie moved.  Returns 0 or -errno. */
int store__checks_as_comparisons(struct store *st);

/* store_audit.c, on the commit's worker thread: whether this commit adds
 * audit rows to anchor (true fills *rows and hash with the chain head to
 * sign once it has committed). */
bool store__anchor_due(struct store *st, int64_t *rows, char hash[65]);

/* Sign the head and append it to the anchor file, synced: 0 or -errno
 * (kept for store__anchor_log). */
int store__anchor_write(struct store *st, int64_t rows, const char *hash);

/* On the loop thread after a commit: log the anchor written, or why not. */
void store__anchor_log(struct store *st);

/* Release what the anchor holds (store_close). */
void store__anchor_close(struct store *st);

#endif
