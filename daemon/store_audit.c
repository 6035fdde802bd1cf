/*
 * daemon/store_audit.c - the audit trail in the store (see store.h and
 * audit.h): audit rows chained by hash, the signed anchor of the chain
 * head outside the database, stored replies for idempotency, status-feed
 * events, and the retention purge of events and replies.
 *
 * The anchor is written on the commit's worker thread (store.c calls
 * store__anchor_due before the COMMIT and store__anchor_write after it),
 * while no one else uses the store; what happened is logged on the loop
 * thread by store__anchor_log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "store_int.h"

/* The chain head: the last audit row's id and hash (0 and "" if none). */
static int anchor_head(struct store *st, int64_t *rows, char hash[65])
{
    int rc = store_step(st->head);
    *rows = rc > 0 ? sqlite3_column_int64(st->head, 0) : 0;
    const char *h = rc > 0 ? store_col_text(st->head, 1) : NULL;
    snprintf(hash, 65, "%s", h ? h : "");
    sqlite3_reset(st->head);
    return rc < 0 ? rc : 0;
}

/* Sign the head and append it to the anchor file, synced.  A line that
 * could not be written whole is cut off again, so the file never holds a
 * torn line; the next batch signs the head again. */
int store__anchor_write(struct store *st, int64_t rows, const char *hash)
{
    struct timespec ts;
    struct stat sb;
    char buf[AUDIT_ANCHOR_LINE_MAX + 1];
    clock_gettime(CLOCK_REALTIME, &ts);
    audit_anchor_format(&st->akey, rows, hash, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                        st->anchor_line);
    size_t n = (size_t)snprintf(buf, sizeof(buf), "%s\n", st->anchor_line);
    int rc = fstat(st->anchor_fd, &sb) == 0 ? 0 : -errno;
    if (rc == 0 && (write(st->anchor_fd, buf, n) != (ssize_t)n || fdatasync(st->anchor_fd) != 0)) {
        rc = errno ? -errno : -ENOSPC;
        if (ftruncate(st->anchor_fd, sb.st_size) != 0)
            rc = -errno;
    }
    if (rc == 0)
        st->anchored_rows = rows;
    st->anchor_tried = true;
    st->anchor_rc = rc;
    return rc;
}

bool store__anchor_due(struct store *st, int64_t *rows, char hash[65])
{
    return st->anchoring && anchor_head(st, rows, hash) == 0 && *rows != st->anchored_rows;
}

void store__anchor_log(struct store *st)
{
    if (!st->anchor_tried)
        return;
    st->anchor_tried = false;
    if (st->anchor_rc == 0)
        log_info("audit: anchor %s", st->anchor_line);
    else
        log_error("audit: anchor not written to %s (%s); the next batch signs the head again",
                  st->anchor_path, strerror(-st->anchor_rc));
}

/* The last line of the anchor file (at most one line's length), or "". */
static void anchor_last(struct store *st, char line[AUDIT_ANCHOR_LINE_MAX + 64])
{
    char buf[2 * AUDIT_ANCHOR_LINE_MAX];
    struct stat sb;
    line[0] = '\0';
    if (fstat(st->anchor_fd, &sb) != 0)
        return;
    off_t from = sb.st_size > (off_t)sizeof(buf) - 1 ? sb.st_size - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(st->anchor_fd, buf, sizeof(buf) - 1, from);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    char *start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    size_t len = strnlen(start, AUDIT_ANCHOR_LINE_MAX + 63);
    memcpy(line, start, len);
    line[len] = '\0';
}

int store_audit_head(struct store *st, struct store_audit_head *h)
{
    char line[AUDIT_ANCHOR_LINE_MAX + 64];
    *h = (struct store_audit_head){0};
    if (!st->anchoring)
        return -ENOENT;
    anchor_last(st, line);
    if (!line[0])
        return -ENOENT;
    if (audit_anchor_parse(&st->akey, line, &h->rows, h->hash, &h->at) != 0)
        return -EBADMSG;
    const char *sig = strrchr(line, ' ');
    snprintf(h->sig, sizeof(h->sig), "%s", sig ? sig + 1 : "");
    return 0;
}

static const char SQL_AUDIT_ROW_HASH[] = "SELECT hash FROM audit WHERE id = ?1";

/* True when row rows of the chain does not have the anchored hash. */
static bool anchor_differs(struct store *st, int64_t rows, const char *hash)
{
    sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_ROW_HASH);
    if (!s || rows == 0)
        return rows != 0;
    sqlite3_bind_int64(s, 1, rows);
    const char *have = store_step(s) > 0 ? store_col_text(s, 0) : NULL;
    bool differs = !have || strcmp(have, hash);
    sqlite3_reset(s);
    return differs;
}

/* At start: a new anchor file gets the current head; an old one's last
 * anchor is compared with the database, and a mismatch is logged loudly
 * (musterd still starts: `muster audit verify` names what was found). */
static int anchor_first(struct store *st)
{
    int64_t rows, arows, at;
    char hash[65], ahash[65], line[AUDIT_ANCHOR_LINE_MAX + 64];
    int rc = anchor_head(st, &rows, hash);
    anchor_last(st, line);
    if (rc != 0)
        return rc;
    st->anchored_rows = rows;
    if (!line[0]) {
        log_info("audit: new anchor file %s", st->anchor_path);
        store__anchor_write(st, rows, hash);
        store__anchor_log(st);
        return st->anchor_rc;
    }
    if (audit_anchor_parse(&st->akey, line, &arows, ahash, &at) != 0)
        log_error("audit: the last line of %s is not a valid signed anchor", st->anchor_path);
    else if (anchor_differs(st, arows, ahash))
        log_error("audit: the audit trail (%lld rows) does not match its last anchor (%lld rows):"
                  " run muster audit verify",
                  (long long)rows, (long long)arows);
    return 0;
}

static int anchor_open(struct store *st)
{
    const char *db = sqlite3_db_filename(st->db, "main");
    if (asprintf(&st->anchor_path, "%s%s", db ? db : "", AUDIT_ANCHOR_SUFFIX) < 0) {
        st->anchor_path = NULL;
        return -ENOMEM;
    }
    st->anchor_fd = open(st->anchor_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (st->anchor_fd < 0) {
        int rc = -errno;
        log_error("audit: cannot open %s: %s", st->anchor_path, strerror(errno));
        return rc;
    }
    int rc = sqlite3_prepare_v3(st->db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", -1,
                                SQLITE_PREPARE_PERSISTENT, &st->head, NULL);
    return sql_errno(rc);
}

int store_anchor_start(struct store *st, const char *keys_dir)
{
    char path[4096], err[600];
    snprintf(path, sizeof(path), "%s/%s", keys_dir, AUDIT_KEY_FILE);
    int rc = audit_key_read(path, &st->akey, err, sizeof(err));
    if (rc == -ENOENT) {
        log_error("audit: %s: the audit trail is not anchored (create the key with:"
                  " muster keys audit-key --keys %s)",
                  err, keys_dir);
        return 0;
    }
    if (rc == 0 && !st->akey.has_secret) {
        snprintf(err, sizeof(err), "%s holds no secret key", AUDIT_KEY_FILE);
        rc = -EINVAL;
    }
    if (rc != 0) {
        log_error("audit: %s", err);
        return rc;
    }
    if ((rc = anchor_open(st)) == 0 && (rc = anchor_first(st)) == 0)
        st->anchoring = true;
    return rc;
}

int store_audit_verify(struct store *st, struct audit_report *r)
{
    return audit_verify(st->db, st->anchor_path, st->anchoring ? &st->akey : NULL, r);
}

static const char SQL_REPLY_GET[] =
    "SELECT reply, digest FROM replies WHERE principal = ?1 AND request_id = ?2";
static const char SQL_REPLY_PUT[] = "INSERT INTO replies (principal, request_id, at, reply, digest)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5)";

int store_reply_get(struct store *st, const char *principal, const char *req_id, const char *digest,
                    char **reply)
{
    sqlite3_stmt *s = store_stmt(st, SQL_REPLY_GET);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, req_id, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        const char *stored = store_col_text(s, 1);
        if (digest && stored && strcmp(digest, stored)) {
            sqlite3_reset(s);
            return -EEXIST;
        }
        *reply = strdup(store_col_text(s, 0));
        rc = *reply ? 0 : -ENOMEM;
    } else if (rc == 0) {
        rc = -ENOENT;
    }
    sqlite3_reset(s);
    return rc;
}

int store_reply_put(struct store *st, const char *principal, const char *req_id, int64_t at,
                    const char *reply, const char *digest)
{
    sqlite3_stmt *s = store_stmt(st, SQL_REPLY_PUT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, req_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at);
    sqlite3_bind_text(s, 4, reply, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, digest, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

static const char SQL_AUDIT_TAIL[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
static const char SQL_AUDIT_ADD[] =
    "INSERT INTO audit (id, at, principal, request_id, command, target, outcome, detail, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

int store_audit_add(struct store *st, const struct audit_row *a)
{
    sqlite3_stmt *t = store_stmt(st, SQL_AUDIT_TAIL);
    if (!t)
        return -EINVAL;
    int64_t id = 1;
    char prev[65] = "", hash[65];
    int rc = store_step(t);
    if (rc > 0) {
        id = sqlite3_column_int64(t, 0) + 1;
        snprintf(prev, sizeof(prev), "%s", store_col_text(t, 1) ? store_col_text(t, 1) : "");
    }
    sqlite3_reset(t);
    if (rc < 0)
        return rc; /* never a second row 1: the chain's tail could not be read */
    audit_row_hash(prev, id, a, hash);
    sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, a->at);
    sqlite3_bind_text(s, 3, a->principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, a->request_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, a->command, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, a->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, a->outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, a->detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, hash, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

/* The partial index audit_wrong_codes holds exactly these rows. */
static const char SQL_WRONG_CODE[] =
    "SELECT at FROM audit WHERE principal = ?1 AND at > ?2"
    " AND target = 'ack code' AND outcome = 'NOT_FOUND' ORDER BY at DESC LIMIT 1 OFFSET ?3";

int store_audit_wrong_code(struct store *st, const char *principal, int64_t since, int n,
                           int64_t *at)
{
    sqlite3_stmt *s = store_stmt(st, SQL_WRONG_CODE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, principal, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, since);
    sqlite3_bind_int(s, 3, n - 1);
    int rc = store_step(s);
    if (rc > 0)
        *at = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc > 0 ? 0 : rc == 0 ? -ENOENT : rc;
}

static const char SQL_EVENT_ADD[] =
    "INSERT INTO events (incident_id, at, kind, body) VALUES (?1, ?2, ?3, ?4)";

int store_event_add(struct store *st, int64_t incident_id, int64_t at, const char *kind,
                    const char *body, int64_t *seq)
{
    sqlite3_stmt *s = store_stmt(st, SQL_EVENT_ADD);
    if (!s)
        return -EINVAL;
    if (incident_id > 0)
        sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, body, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    if (rc == 0)
        *seq = sqlite3_last_insert_rowid(st->db);
    return rc;
}

static const char *const incident_purge_sql[] = {
    "UPDATE events SET body = json_replace(body, '$.note', json('null'), '$.names', json('[]'))"
    " WHERE incident_id = ?1 AND (json_type(body, '$.note') = 'text'"
    " OR json_array_length(body, '$.names') > 0)",
    "UPDATE events SET body = json_replace(body, '$.reason', json('null')) WHERE incident_id = ?1"
    " AND kind = 'incident.closed' AND json_type(body, '$.reason') = 'text'",
    /* no change to a closed incident is taken: its replies all come
     * before, and retries are answered for a day only */
    "DELETE FROM replies WHERE at <= (SELECT COALESCE(closed_at, stood_down_at) FROM incidents"
    " WHERE id = ?1)",
};

int store_incident_purge(struct store *st, int64_t incident_id)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(incident_purge_sql) / sizeof(*incident_purge_sql);
         i++) {
        sqlite3_stmt *s = store_stmt(st, incident_purge_sql[i]);
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, incident_id);
        rc = store_exec_stmt(s);
    }
    return rc;
}

static const char SQL_EVENT_LAST[] =
    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)";

int64_t store_event_last_seq(struct store *st)
{
    sqlite3_stmt *s = store_stmt(st, SQL_EVENT_LAST);
    int64_t seq = 0;
    if (s && store_step(s) > 0)
        seq = sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return seq;
}

void store__anchor_close(struct store *st)
{
    sqlite3_finalize(st->head);
    if (st->anchor_fd >= 0)
        close(st->anchor_fd);
    free(st->anchor_path);
    sodium_memzero(&st->akey, sizeof(st->akey));
}
