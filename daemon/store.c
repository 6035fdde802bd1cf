/*
 * daemon/store.c - the SQLite store (see store.h).
 *
 * Owns the one database connection, its prepared-statement cache and the
 * schema.  Migrations are an ordered list of SQL scripts; the database's
 * PRAGMA user_version says how many have been applied, and each runs in its
 * own transaction together with the version bump.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include <sodium.h>

#define STMT_CACHE_MAX 128

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    struct stmt_slot cache[STMT_CACHE_MAX];
    size_t ncache;
    /* async commit */
    uv_work_t work;
    int commit_rc;
    int commit_errno; /* the OS error behind a failed commit */
    int begin_err;    /* a BEGIN that failed in this batch: not tried again */
    store_commit_cb *commit_cb;
    void *commit_arg;
};

static const char *const migrations[] = {
    /* 1: incidents, idempotent replies, audit trail, feed events */
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY,"
    "  ref TEXT NOT NULL UNIQUE,"
    "  plan_id TEXT NOT NULL,"
    "  plan_version TEXT NOT NULL,"
    "  plan_digest TEXT NOT NULL,"
    "  plan_source TEXT NOT NULL,"
    "  plan_json TEXT NOT NULL,"
    "  level INTEGER NOT NULL,"
    "  exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),"
    "  operation TEXT NOT NULL,"
    "  note TEXT,"
    "  state TEXT NOT NULL CHECK (state IN ('active', 'stood_down')),"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  stood_down_at INTEGER,"
    "  stood_down_by TEXT,"
    "  standdown_note TEXT);"
    "CREATE INDEX incidents_state ON incidents (state, plan_id, operation);"
    "CREATE TABLE replies ("
    "  principal TEXT NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  reply TEXT NOT NULL,"
    "  PRIMARY KEY (principal, request_id)) WITHOUT ROWID;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  principal TEXT NOT NULL,"
    "  request_id TEXT,"
    "  command TEXT NOT NULL,"
    "  target TEXT,"
    "  outcome TEXT NOT NULL,"
    "  detail TEXT);"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  incident_id INTEGER,"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  body TEXT NOT NULL);",
    /* 2: request digests (an id reused for another request is refused),
     * paging: one page per (incident, agency) climbing its ladder, one
     * attempt row per delivery */
    "ALTER TABLE replies ADD COLUMN digest TEXT;"
    "CREATE TABLE pages ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  agency_id TEXT NOT NULL,"
    "  ack_code TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('paging', 'acknowledged', 'unreachable', 'cancelled')),"
    "  step INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  next_at INTEGER,"
    "  started_at INTEGER NOT NULL,"
    "  acked_at INTEGER,"
    "  acked_by TEXT,"
    "  ack_note TEXT,"
    "  ack_via TEXT,"
    "  unreachable_at INTEGER,"
    "  repages INTEGER NOT NULL DEFAULT 0,"
    "  ask_id INTEGER);"
    "CREATE UNIQUE INDEX pages_agency ON pages (incident_id, agency_id, COALESCE(ask_id, 0));"
    "CREATE INDEX pages_due ON pages (next_at) WHERE state = 'paging';"
    "CREATE TABLE attempts ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id INTEGER NOT NULL REFERENCES pages (id),"
    "  step INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  contact TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('sending', 'queued', 'sent', 'delivered', 'failed', 'cancelled')),"
    "  detail TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  finished_at INTEGER);"
    "CREATE INDEX attempts_page ON attempts (page_id);"
    "CREATE INDEX attempts_open ON attempts (state) WHERE state IN ('sending', 'queued', 'sent');",
    /* 3: surge staffing: the incident's shifts, the coverage ledger per
     * shift and role, pledges, and asks for staff */
    "CREATE TABLE shifts ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  key TEXT NOT NULL,"
    "  pattern TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER NOT NULL,"
    "  UNIQUE (incident_id, key));"
    "CREATE TABLE coverage ("
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  role TEXT NOT NULL,"
    "  required INTEGER NOT NULL,"
    "  pledged INTEGER NOT NULL DEFAULT 0 CHECK (pledged >= 0),"
    "  accepted INTEGER NOT NULL DEFAULT 0 CHECK (accepted >= 0),"
    "  arrived INTEGER NOT NULL DEFAULT 0 CHECK (arrived >= 0),"
    "  PRIMARY KEY (shift_id, role)) WITHOUT ROWID;"
    "CREATE TABLE pledges ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  agency_id TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  count INTEGER NOT NULL CHECK (count > 0),"
    "  names TEXT,"
    "  note TEXT,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('offered', 'accepted', 'declined', 'arrived', 'withdrawn')),"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL);"
    "CREATE INDEX pledges_incident ON pledges (incident_id);"
    "CREATE TABLE pledge_shifts ("
    "  pledge_id INTEGER NOT NULL REFERENCES pledges (id),"
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  PRIMARY KEY (pledge_id, shift_id)) WITHOUT ROWID;"
    "CREATE INDEX pledge_shifts_shift ON pledge_shifts (shift_id);"
    "CREATE TABLE asks ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  role TEXT NOT NULL,"
    "  agency_id TEXT NOT NULL,"
    "  short INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'covered', 'expired', 'cancelled')),"
    "  created_at INTEGER NOT NULL,"
    "  closed_at INTEGER,"
    "  UNIQUE (shift_id, role, agency_id));",
    /* 4: affected persons: registrations, possible duplicates, screenings,
     * referrals to pathways, contact attempts, re-screening deadlines and
     * the keys of imported rows */
    "CREATE TABLE persons ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  category TEXT NOT NULL,"
    "  name TEXT,"
    "  name_key TEXT,"
    "  dob TEXT,"
    "  age INTEGER,"
    "  phone TEXT,"
    "  phone_key TEXT,"
    "  email TEXT,"
    "  address TEXT,"
    "  home_area TEXT,"
    "  language TEXT,"
    "  interpreter INTEGER NOT NULL DEFAULT 0,"
    "  vulnerabilities INTEGER NOT NULL DEFAULT 0,"
    "  safe_contact TEXT,"
    "  consent TEXT NOT NULL CHECK (consent IN ('given', 'refused', 'not_asked')),"
    "  external_ref TEXT,"
    "  urgent INTEGER NOT NULL DEFAULT 0,"
    "  screen_positive INTEGER NOT NULL DEFAULT 0,"
    "  merged_into INTEGER REFERENCES persons (id),"
    "  contact_state TEXT NOT NULL DEFAULT 'none',"
    "  registered_at INTEGER NOT NULL,"
    "  registered_by TEXT NOT NULL,"
    "  referral_due_at INTEGER NOT NULL,"
    "  referred_at INTEGER,"
    "  breached_at INTEGER,"
    "  purged INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX persons_incident ON persons (incident_id);"
    "CREATE INDEX persons_ext ON persons (incident_id, external_ref);"
    "CREATE INDEX persons_namedob ON persons (incident_id, name_key, dob);"
    "CREATE INDEX persons_phone ON persons (incident_id, phone_key);"
    "CREATE INDEX persons_due ON persons (referral_due_at) WHERE referred_at IS NULL"
    "  AND breached_at IS NULL;"
    "CREATE TABLE duplicates ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  matches_id INTEGER NOT NULL REFERENCES persons (id),"
    "  reason TEXT NOT NULL,"
    "  PRIMARY KEY (person_id, matches_id)) WITHOUT ROWID;"
    "CREATE TABLE screenings ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  instrument TEXT NOT NULL,"
    "  answers TEXT NOT NULL,"
    "  score INTEGER NOT NULL,"
    "  positive INTEGER NOT NULL,"
    "  urgent INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  by TEXT NOT NULL);"
    "CREATE INDEX screenings_person ON screenings (person_id);"
    "CREATE TABLE referrals ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  pathway TEXT NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('referred', 'waitlisted', 'held_consent', 'closed')),"
    "  reason TEXT,"
    "  home_area TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX referrals_person ON referrals (person_id);"
    "CREATE INDEX referrals_pathway ON referrals (incident_id, pathway, state);"
    "CREATE INDEX referrals_provider ON referrals (provider, state);"
    "CREATE TABLE contacts ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  at INTEGER NOT NULL,"
    "  by TEXT NOT NULL,"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('no_answer', 'contacted', 'declined')),"
    "  slot TEXT NOT NULL,"
    "  note TEXT);"
    "CREATE INDEX contacts_person ON contacts (person_id);"
    "CREATE TABLE rescreens ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  due_at INTEGER NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'due', 'done', 'cancelled')),"
    "  PRIMARY KEY (person_id, due_at, instrument)) WITHOUT ROWID;"
    "CREATE INDEX rescreens_due ON rescreens (due_at) WHERE state = 'pending';"
    "CREATE TABLE imports ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  key TEXT NOT NULL,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  PRIMARY KEY (incident_id, key)) WITHOUT ROWID;",
    /* 5: the board's counters (see board.h) */
    "CREATE TABLE board ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  key TEXT NOT NULL,"
    "  value INTEGER NOT NULL,"
    "  PRIMARY KEY (incident_id, key)) WITHOUT ROWID;",
    /* 6: the audit trail becomes a hash chain: each row carries the
     * SHA-256 of the previous row's hash and its own fields */
    "ALTER TABLE audit ADD COLUMN hash TEXT;"
    "ALTER TABLE incidents ADD COLUMN purged_at INTEGER;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_version(void)
{
    return NMIGRATIONS;
}

int store_errno(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_CONSTRAINT:
        return -EEXIST;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_CANTOPEN:
        return -ENOENT;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_ERROR:
        return -EINVAL;
    default:
        return -EIO;
    }
}

int store_exec(struct store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error("store: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
    }
    return store_errno(rc);
}

static int store_user_version(struct store *st, int *version)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        *version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return store_errno(rc);
}

static int store_migrate(struct store *st)
{
    int version = 0, rc = store_user_version(st, &version);
    if (rc != 0)
        return rc;
    if (version > NMIGRATIONS) {
        log_error("store: database schema %d is newer than this musterd (%d)", version,
                  NMIGRATIONS);
        return -EPROTO;
    }
    for (; version < NMIGRATIONS; version++) {
        char bump[64];
        snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
        if ((rc = store_begin(st)) != 0 || (rc = store_exec(st, migrations[version])) != 0 ||
            (rc = store_exec(st, bump)) != 0 || (rc = store_commit(st)) != 0) {
            store_rollback(st);
            return rc;
        }
        log_info("store: migrated schema to version %d", version + 1);
    }
    return 0;
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

int store_open(const char *path, struct store **out)
{
    int rc = store_file_create(path);
    if (rc != 0)
        return rc;
    struct store *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    rc = sqlite3_open_v2(path, &st->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("store: cannot open %s: %s", path, sqlite3_errstr(rc));
        rc = store_errno(rc);
        goto done;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* the loop thread must not sleep long on a lock another process holds
     * (a backup, an operator's sqlite3): a batch that cannot begin fails
     * with UNAVAILABLE and its tasks wait for the next one */
    sqlite3_busy_timeout(st->db, 250);
    if ((rc = store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                             "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")) != 0)
        goto done;
    rc = store_migrate(st);
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
    for (size_t i = 0; i < st->ncache; i++)
        sqlite3_finalize(st->cache[i].stmt);
    sqlite3_close(st->db);
    free(st);
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
    for (size_t i = 0; i < st->ncache; i++) {
        if (st->cache[i].sql == sql) {
            sqlite3_reset(st->cache[i].stmt);
            sqlite3_clear_bindings(st->cache[i].stmt);
            return st->cache[i].stmt;
        }
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        log_error("store: cannot prepare \"%s\": %s", sql, sqlite3_errmsg(st->db));
        return NULL;
    }
    if (st->ncache < STMT_CACHE_MAX)
        st->cache[st->ncache++] = (struct stmt_slot){sql, stmt};
    else
        log_warnx("store: statement cache full");
    return stmt;
}

int store_exec_stmt(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return store_errno(rc);
}

int store_begin(struct store *st)
{
    if (st->begin_err)
        return st->begin_err;
    int rc = store_exec(st, "BEGIN IMMEDIATE");
    st->begin_err = rc;
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

int store_commit(struct store *st)
{
    int rc = store_exec(st, "COMMIT");
    if (rc != 0 && store_in_txn(st))
        store_rollback(st);
    return rc;
}

int store_rollback(struct store *st)
{
    if (!store_in_txn(st))
        return 0;
    return store_exec(st, "ROLLBACK");
}

int store_savepoint(struct store *st)
{
    return store_exec(st, "SAVEPOINT req");
}

int store_savepoint_release(struct store *st)
{
    return store_exec(st, "RELEASE req");
}

int store_savepoint_rollback(struct store *st)
{
    int rc = store_exec(st, "ROLLBACK TO req");
    return rc ? rc : store_exec(st, "RELEASE req");
}

static void commit_work(uv_work_t *w)
{
    struct store *st = w->data;
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    st->commit_rc = rc;
    st->commit_errno = rc != SQLITE_OK ? sqlite3_system_errno(st->db) : 0;
}

static void commit_done(uv_work_t *w, int status)
{
    struct store *st = w->data;
    int rc = status < 0 ? status : store_errno(st->commit_rc);
    /* SQLite reports a read-only or full file system as a generic I/O
     * error: say what the operating system said */
    if (rc == -EIO && (st->commit_errno == EROFS || st->commit_errno == ENOSPC))
        rc = -st->commit_errno;
    if (rc != 0) {
        log_error("store: commit failed: %s", sqlite3_errstr(st->commit_rc));
        store_rollback(st);
    }
    st->commit_cb(st->commit_arg, rc);
}

int store_commit_async(struct store *st, uv_loop_t *loop, store_commit_cb *cb, void *arg)
{
    st->work.data = st;
    st->commit_cb = cb;
    st->commit_arg = arg;
    return uv_queue_work(loop, &st->work, commit_work, commit_done);
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
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(s, 1);
        if (digest && stored && strcmp(digest, stored)) {
            sqlite3_reset(s);
            return -EEXIST;
        }
        *reply = strdup((const char *)sqlite3_column_text(s, 0));
        rc = *reply ? 0 : -ENOMEM;
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
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

void store_audit_hash(const char *prev, int64_t id, const struct store_audit *a, char hex[65])
{
    char *text = NULL;
    unsigned char h[crypto_hash_sha256_BYTES];
    int n =
        asprintf(&text, "%s\n%lld\n%lld\n%s\n%s\n%s\n%s\n%s\n%s", prev ? prev : "", (long long)id,
                 (long long)a->at, a->principal, a->request_id ? a->request_id : "", a->command,
                 a->target ? a->target : "", a->outcome, a->detail ? a->detail : "");
    crypto_hash_sha256(h, (const unsigned char *)(n > 0 ? text : ""), n > 0 ? (size_t)n : 0);
    sodium_bin2hex(hex, 65, h, sizeof(h));
    free(text);
}

int store_audit_add(struct store *st, const struct store_audit *a)
{
    sqlite3_stmt *t = store_stmt(st, SQL_AUDIT_TAIL);
    if (!t)
        return -EINVAL;
    int64_t id = 1;
    char prev[65] = "", hash[65];
    if (sqlite3_step(t) == SQLITE_ROW) {
        id = sqlite3_column_int64(t, 0) + 1;
        snprintf(prev, sizeof(prev), "%s",
                 sqlite3_column_text(t, 1) ? (const char *)sqlite3_column_text(t, 1) : "");
    }
    sqlite3_reset(t);
    store_audit_hash(prev, id, a, hash);
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

static const char SQL_EVENT_LAST[] =
    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)";

int64_t store_event_last_seq(struct store *st)
{
    sqlite3_stmt *s = store_stmt(st, SQL_EVENT_LAST);
    int64_t seq = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW)
        seq = sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return seq;
}
