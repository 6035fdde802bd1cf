/*
 * daemon/store.c - the SQLite store's connection (see store.h).
 *
 * Owns the one database connection, its prepared-statement cache,
 * transactions and the savepoints nested in them, the asynchronous commit,
 * and the reading of rows: a step that tells the end of the rows from a
 * read that failed, the column helpers and rows as JSON.  The schema is in
 * store_schema.c, the audit trail, replies and events in store_audit.c.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbfile.h"
#include "log.h"
#include "namefold.h"

int store_exec(struct store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error("store: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
    }
    return sql_errno(rc);
}

/* Creates the database file 0600 if it does not exist, whatever the umask:
 * SQLite gives the -wal and -shm files it creates the database file's mode,
 * so all three stay readable by musterd's account alone. */
static int store_file_create(const char *path)
{
    if (!*path || !strcmp(path, ":memory:"))
        return 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        int rc = -errno;
        log_error("store: cannot open %s: %s", path, strerror(errno));
        return rc;
    }
    close(fd);
    return 0;
}

/*
 * Every statement with RETURNING (a board counter's upsert, a breach's
 * update) buffers its rows in an ephemeral table whose page cache SQLite
 * mallocs at the step and frees at the reset: some hundred KiB at the top
 * of the heap, which glibc gave back to the kernel (brk) at every free and
 * took again, page faults and all, at the next statement (10 % of
 * musterd's samples during intake with 10,000 persons stored, issue 19).
 * Fixed thresholds keep up to TRIM_KEEP of free memory at the top of the
 * heap and serve blocks under MMAP_FROM from it; the peak RSS is what
 * musterd holds at once, as before (freed memory kept is memory it had).
 */
enum { TRIM_KEEP = 4 << 20, MMAP_FROM = 1 << 20 };

/*
 * The process's SQLite settings (dbfile_sqlite_setup) and its heap's.
 * When SQLite was used before they could be set (a test, a tool), the
 * connection keeps its temporary files in memory instead (temp_store =
 * MEMORY), which holds the statement journal there too: personal data
 * never goes to a temporary file either way.  Returns the PRAGMA that
 * does it, or "" when the settings are in force.
 */
static const char *store_config(void)
{
    (void)mallopt(M_MMAP_THRESHOLD, MMAP_FROM);
    (void)mallopt(M_TRIM_THRESHOLD, TRIM_KEEP);
    if (dbfile_sqlite_setup() == 0)
        return "";
    log_warnx("store: SQLite was in use before musterd's settings: temporary files kept in "
              "memory on this connection");
    return "PRAGMA temp_store = MEMORY;";
}

int store_open(const char *path, struct store **out)
{
    const char *temp_store = store_config();
    int rc = store_file_create(path);
    if (rc != 0)
        return rc;
    struct store *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    st->anchor_fd = -1;
    rc = sqlite3_open_v2(path, &st->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("store: cannot open %s: %s", path, sqlite3_errstr(rc));
        rc = sql_errno(rc);
        goto done;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* the loop thread must not sleep long on a lock another process holds
     * (a backup, an operator's sqlite3): a batch that cannot begin fails
     * with UNAVAILABLE and its tasks wait for the next one */
    sqlite3_busy_timeout(st->db, 250);
    if ((rc = store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                             "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")) != 0 ||
        (rc = store_exec(st, temp_store)) != 0 || (rc = namefold_sql_register(st->db)) != 0)
        goto done;
    rc = store__migrate(st, path);
done:
    if (rc != 0) {
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    if (st->hooks && st->hooks->close)
        st->hooks->close(st->hooks_arg);
    for (size_t i = 0; i < st->ncache; i++)
        sqlite3_finalize(st->cache[i].stmt);
    free(st->cache);
    free(st->index);
    store__anchor_close(st);
    sqlite3_close(st->db);
    free(st);
}

/* The slot of a cached statement for the SQL text at address sql: open
 * addressing by the address (a registration asks for some forty
 * statements among the two hundred cached: a linear search was 1.6 % of
 * its CPU, issue 19). */
static size_t index_home(const struct store *st, const char *sql)
{
    return (size_t)(((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull) & (st->nindex - 1);
}

/* Cache slot i into the index, at its first free place from home. */
static void index_put(struct store *st, size_t i)
{
    size_t j = index_home(st, st->cache[i].sql);
    while (st->index[j])
        j = (j + 1) & (st->nindex - 1);
    st->index[j] = (uint32_t)i + 1;
}

static int index_grow(struct store *st)
{
    size_t n = st->nindex ? st->nindex * 2 : 512;
    uint32_t *index = calloc(n, sizeof(*index));
    if (!index)
        return -ENOMEM;
    free(st->index);
    st->index = index;
    st->nindex = n;
    for (size_t i = 0; i < st->ncache; i++)
        index_put(st, i);
    return 0;
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
    for (size_t j = st->nindex ? index_home(st, sql) : 0; st->nindex && st->index[j];
         j = (j + 1) & (st->nindex - 1)) {
        const struct stmt_slot *c = &st->cache[st->index[j] - 1];
        if (c->sql == sql) {
            sqlite3_reset(c->stmt);
            sqlite3_clear_bindings(c->stmt);
            return c->stmt;
        }
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        log_error("store: cannot prepare \"%s\": %s", sql, sqlite3_errmsg(st->db));
        return NULL;
    }
    if (st->ncache == st->cache_cap) { /* every SQL text is a static string: bounded */
        size_t cap = st->cache_cap ? st->cache_cap * 2 : 128;
        struct stmt_slot *c = realloc(st->cache, cap * sizeof(*c));
        if (c == NULL) {
            sqlite3_finalize(stmt); /* never handed out uncached: it would leak */
            log_error("store: out of memory caching a statement");
            return NULL;
        }
        st->cache = c;
        st->cache_cap = cap;
    }
    if ((st->ncache + 1) * 2 > st->nindex && index_grow(st) != 0) {
        sqlite3_finalize(stmt);
        log_error("store: out of memory caching a statement");
        return NULL;
    }
    st->cache[st->ncache] = (struct stmt_slot){sql, stmt};
    index_put(st, st->ncache++);
    return stmt;
}

int store_exec_stmt(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return sql_errno(rc);
}

int store_step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    rc = sql_errno(rc);
    return rc ? rc : -EIO;
}

const char *store_col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

json_t *store_col_opt_int(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
                                                    : json_integer(sqlite3_column_int64(s, i));
}

json_t *store_col_opt_text(sqlite3_stmt *s, int i)
{
    const char *text = store_col_text(s, i);
    return text ? json_string(text) : json_null();
}

int store_rows_json(sqlite3_stmt *s, store_row_fn *row, json_t **out)
{
    json_t *arr = json_array();
    int rc;
    while ((rc = store_step(s)) > 0)
        json_array_append_new(arr, row(s));
    sqlite3_reset(s);
    if (rc < 0) {
        json_decref(arr);
        arr = NULL;
    }
    *out = arr;
    return rc;
}

int store_ids(sqlite3_stmt *s, int64_t **ids, size_t *n)
{
    size_t cap = 0;
    int rc;
    *ids = NULL;
    *n = 0;
    while ((rc = store_step(s)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *t = realloc(*ids, cap * sizeof(*t));
            if (!t) {
                rc = -ENOMEM;
                break;
            }
            *ids = t;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc < 0 ? rc : 0;
}

int store_rows(struct store *st, const char *sql, int64_t id, store_row_fn *row, json_t **out)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    return store_rows_json(s, row, out);
}

/* Step the cached statement for sql (no parameters, no rows wanted),
 * reporting a failure as store_exec does. */
static int exec_cached(struct store *st, const char *sql)
{
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EINVAL;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        log_error("store: %s", sqlite3_errmsg(st->db));
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sql_errno(rc);
}

void store_hooks_set(struct store *st, const struct store_hooks *hooks, void *arg)
{
    st->hooks = hooks;
    st->hooks_arg = arg;
}

void *store_hooks_arg(const struct store *st)
{
    return st->hooks ? st->hooks_arg : NULL;
}

/* The transaction ended (committed or rolled back): its savepoints with it. */
static void txn_ended(struct store *st)
{
    st->depth = 0;
    st->begun = false;
    if (st->hooks && st->hooks->ended)
        st->hooks->ended(st->hooks_arg);
}

/* What the followers keep for the transaction, written before COMMIT. */
static int txn_flush(struct store *st)
{
    return st->hooks && st->hooks->flush ? st->hooks->flush(st->hooks_arg) : 0;
}

int store_begin(struct store *st)
{
    if (st->begin_err)
        return st->begin_err;
    int rc = exec_cached(st, "BEGIN IMMEDIATE");
    st->begin_err = rc;
    txn_ended(st); /* nothing is kept from before: a new transaction */
    st->begun = rc == 0;
    return rc;
}

void store_batch_reset(struct store *st)
{
    st->begin_err = 0;
}

bool store_in_txn(const struct store *st)
{
    return !sqlite3_get_autocommit(st->db);
}

bool store_in_begun_txn(const struct store *st)
{
    return st->begun && store_in_txn(st);
}

int store_commit(struct store *st)
{
    int rc = txn_flush(st);
    if (rc == 0)
        rc = store_exec(st, "COMMIT");
    if (rc != 0) /* also when SQLite rolled back on its own: the generation moves */
        store_rollback(st);
    txn_ended(st);
    return rc;
}

int store_rollback(struct store *st)
{
    st->gen++;
    txn_ended(st);
    if (!store_in_txn(st))
        return 0;
    return store_exec(st, "ROLLBACK");
}

/* Every request and every task opens and ends a savepoint: the statements
 * for the usual depths are prepared once (store_stmt keys its cache by the
 * literal's address), deeper ones are made as needed. */
enum { SP_CACHED = 4 };
static const char *const SP_SQL[][SP_CACHED] = {
    {"SAVEPOINT sp1", "SAVEPOINT sp2", "SAVEPOINT sp3", "SAVEPOINT sp4"},
    {"RELEASE sp1", "RELEASE sp2", "RELEASE sp3", "RELEASE sp4"},
    {"ROLLBACK TO sp1", "ROLLBACK TO sp2", "ROLLBACK TO sp3", "ROLLBACK TO sp4"},
};
static const char *const SP_VERB[] = {"SAVEPOINT", "RELEASE", "ROLLBACK TO"};
enum sp_op { SP_OPEN, SP_RELEASE, SP_ROLLBACK };

/* The savepoint statement op at depth: "SAVEPOINT sp2", "RELEASE sp1"... */
static int savepoint_exec(struct store *st, enum sp_op op, int depth)
{
    if (depth >= 1 && depth <= SP_CACHED)
        return exec_cached(st, SP_SQL[op][depth - 1]);
    char sql[48];
    snprintf(sql, sizeof(sql), "%s sp%d", SP_VERB[op], depth);
    return store_exec(st, sql);
}

int store_savepoint(struct store *st)
{
    /* the followers first: one that cannot follow leaves nothing opened */
    int rc = st->hooks && st->hooks->opened ? st->hooks->opened(st->hooks_arg, st->depth + 1) : 0;
    if (rc == 0 && (rc = savepoint_exec(st, SP_OPEN, st->depth + 1)) == 0)
        st->depth++;
    return rc;
}

int store_savepoint_release(struct store *st)
{
    if (st->depth == 0)
        return -EINVAL;
    int rc = savepoint_exec(st, SP_RELEASE, st->depth);
    if (rc == 0)
        st->depth--;
    return rc;
}

int store_savepoint_rollback(struct store *st)
{
    if (st->depth == 0)
        return -EINVAL;
    int rc = savepoint_exec(st, SP_ROLLBACK, st->depth);
    st->gen++;
    if (rc != 0 && !store_in_txn(st)) { /* SQLite rolled the whole transaction back (I/O error) */
        store_rollback(st);             /* ends what followed it */
        return rc;
    }
    if (rc == 0 && st->hooks && st->hooks->rolled_back)
        st->hooks->rolled_back(st->hooks_arg, st->depth);
    return rc ? rc : store_savepoint_release(st);
}

int store_savepoint_depth(const struct store *st)
{
    return st->depth;
}

uint64_t store_generation(const struct store *st)
{
    return st->gen;
}

void store_generation_bump(struct store *st)
{
    st->gen++;
}

static void commit_work(uv_work_t *w)
{
    struct store *st = w->data;
    int64_t rows = 0;
    char hash[65];
    bool due = store__anchor_due(st, &rows, hash);
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    st->commit_rc = rc;
    st->commit_errno = rc != SQLITE_OK ? sqlite3_system_errno(st->db) : 0;
    st->anchor_tried = false;
    if (rc == SQLITE_OK && due)
        store__anchor_write(st, rows, hash);
}

static void commit_done(uv_work_t *w, int status)
{
    struct store *st = w->data;
    int rc = status < 0 ? status : sql_errno(st->commit_rc);
    txn_ended(st); /* the transaction ended, and its savepoints with it */
    /* SQLite reports a read-only or full file system as a generic I/O
     * error: say what the operating system said */
    if (rc == -EIO && (st->commit_errno == EROFS || st->commit_errno == ENOSPC))
        rc = -st->commit_errno;
    if (rc != 0) {
        log_error("store: commit failed: %s", sqlite3_errstr(st->commit_rc));
        store_rollback(st);
    }
    store__anchor_log(st);
    st->commit_cb(st->commit_arg, rc);
}

int store_commit_async(struct store *st, uv_loop_t *loop, store_commit_cb *cb, void *arg)
{
    int rc = txn_flush(st); /* on the loop thread, before the worker has the connection */
    if (rc != 0)
        return rc;
    st->work.data = st;
    st->commit_cb = cb;
    st->commit_arg = arg;
    return uv_queue_work(loop, &st->work, commit_work, commit_done);
}

void store_bind_text_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

json_t *store_row_int(sqlite3_stmt *s)
{
    return json_integer(sqlite3_column_int64(s, 0));
}
