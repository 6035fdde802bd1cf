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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "namefold.h"

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
    /* 7: when the stand-down report files of a purged incident were
     * rewritten from the purged record (NULL: not yet, or a crash came
     * between the purge and the rewrite: done again at start) */
    "ALTER TABLE incidents ADD COLUMN reports_purged_at INTEGER;",
    /* 8: a name's duplicate-check key folds look-alikes (namefold.h): the
     * keys of persons registered before are computed again; wrong
     * acknowledgement codes get a small index of their own (the limit on
     * code guessing counts them, see store_audit_wrong_code) */
    "UPDATE persons SET name_key = muster_name_key(name) WHERE name IS NOT NULL;"
    "CREATE INDEX audit_wrong_codes ON audit (principal, at)"
    "  WHERE target = 'ack code' AND outcome = 'NOT_FOUND';",
    /* 9: an attempt musterd could not make for want of its own resources
     * (descriptors, memory, processes) is 'retry': never the agency's
     * failure.  SQLite cannot change a CHECK: the table is rebuilt. */
    "CREATE TABLE attempts_new ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id INTEGER NOT NULL REFERENCES pages (id),"
    "  step INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  contact TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN"
    "    ('sending', 'queued', 'sent', 'delivered', 'failed', 'cancelled', 'retry')),"
    "  detail TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  finished_at INTEGER);"
    "INSERT INTO attempts_new SELECT * FROM attempts;"
    "DROP TABLE attempts;"
    "ALTER TABLE attempts_new RENAME TO attempts;"
    "CREATE INDEX attempts_page ON attempts (page_id);"
    "CREATE INDEX attempts_open ON attempts (state) WHERE state IN ('sending', 'queued', 'sent');",
    /* 10: what SQL needs of an incident's frozen plan is a column, written
     * at standup (the JSON copy is for display only); incidents stood up
     * before take theirs from that copy, its one read by SQL */
    "ALTER TABLE incidents ADD COLUMN ask_lead_ms INTEGER;"
    "ALTER TABLE incidents ADD COLUMN retention_days INTEGER;"
    "UPDATE incidents SET"
    "  ask_lead_ms = json_extract(plan_json, '$.staffing.ask_lead_ms'),"
    "  retention_days = json_extract(plan_json, '$.retention_days')"
    "  WHERE json_valid(plan_json);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_version(void)
{
    return NMIGRATIONS;
}

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

static int store_user_version(struct store *st, int *version)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        *version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return sql_errno(rc);
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
        (rc = namefold_sql_register(st->db)) != 0)
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
    sqlite3_finalize(st->head);
    if (st->anchor_fd >= 0)
        close(st->anchor_fd);
    free(st->anchor_path);
    sodium_memzero(&st->akey, sizeof(st->akey));
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
    return sql_errno(rc);
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

/* The chain head: the last audit row's id and hash (0 and "" if none). */
static int anchor_head(struct store *st, int64_t *rows, char hash[65])
{
    int rc = sqlite3_step(st->head);
    *rows = rc == SQLITE_ROW ? sqlite3_column_int64(st->head, 0) : 0;
    const char *h = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st->head, 1) : NULL;
    snprintf(hash, 65, "%s", h ? h : "");
    sqlite3_reset(st->head);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_errno(rc);
}

/* Sign the head and append it to the anchor file, synced.  A line that
 * could not be written whole is cut off again, so the file never holds a
 * torn line; the next batch signs the head again. */
static int anchor_write(struct store *st, int64_t rows, const char *hash)
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

static void commit_work(uv_work_t *w)
{
    struct store *st = w->data;
    int64_t rows = 0;
    char hash[65];
    bool due = st->anchoring && anchor_head(st, &rows, hash) == 0 && rows != st->anchored_rows;
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    st->commit_rc = rc;
    st->commit_errno = rc != SQLITE_OK ? sqlite3_system_errno(st->db) : 0;
    st->anchor_tried = false;
    if (rc == SQLITE_OK && due)
        anchor_write(st, rows, hash);
}

static void anchor_log(struct store *st)
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

static void commit_done(uv_work_t *w, int status)
{
    struct store *st = w->data;
    int rc = status < 0 ? status : sql_errno(st->commit_rc);
    /* SQLite reports a read-only or full file system as a generic I/O
     * error: say what the operating system said */
    if (rc == -EIO && (st->commit_errno == EROFS || st->commit_errno == ENOSPC))
        rc = -st->commit_errno;
    if (rc != 0) {
        log_error("store: commit failed: %s", sqlite3_errstr(st->commit_rc));
        store_rollback(st);
    }
    anchor_log(st);
    st->commit_cb(st->commit_arg, rc);
}

int store_commit_async(struct store *st, uv_loop_t *loop, store_commit_cb *cb, void *arg)
{
    st->work.data = st;
    st->commit_cb = cb;
    st->commit_arg = arg;
    return uv_queue_work(loop, &st->work, commit_work, commit_done);
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

static const char SQL_AUDIT_ROW_HASH[] = "SELECT hash FROM audit WHERE id = ?1";

/* True when row rows of the chain does not have the anchored hash. */
static bool anchor_differs(struct store *st, int64_t rows, const char *hash)
{
    sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_ROW_HASH);
    if (!s || rows == 0)
        return rows != 0;
    sqlite3_bind_int64(s, 1, rows);
    const char *have =
        sqlite3_step(s) == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
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
        anchor_write(st, rows, hash);
        anchor_log(st);
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
        rc = rc == SQLITE_DONE ? -ENOENT : sql_errno(rc);
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
    if (sqlite3_step(t) == SQLITE_ROW) {
        id = sqlite3_column_int64(t, 0) + 1;
        snprintf(prev, sizeof(prev), "%s",
                 sqlite3_column_text(t, 1) ? (const char *)sqlite3_column_text(t, 1) : "");
    }
    sqlite3_reset(t);
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
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *at = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sql_errno(rc);
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
    /* no change to a stood-down incident is taken: its replies all come
     * before, and retries are answered for a day only */
    "DELETE FROM replies WHERE at <= (SELECT stood_down_at FROM incidents WHERE id = ?1)",
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
    if (s && sqlite3_step(s) == SQLITE_ROW)
        seq = sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return seq;
}
