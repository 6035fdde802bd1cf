/*
 * common/dbfile.c - muster's database as a file: copies with the SQLite
 * backup API, their checksums, and the checks before a restore (see
 * dbfile.h).
 *
 * Why the backup API and not cp: a copy of the file (and of its -wal)
 * taken while musterd commits can catch the two halfway through a
 * checkpoint and be corrupt.  sqlite3_backup_step(-1) copies every page
 * inside one read transaction, which in WAL mode never blocks musterd's
 * writer and sees exactly the database as of one commit.
 */
#include "dbfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "sqlerr.h"

#define PARTIAL_SUFFIX ".partial"

int dbfile_sha256(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    unsigned char buf[65536], out[crypto_hash_sha256_BYTES];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
    int rc = n < 0 ? -errno : 0;
    close(fd);
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof(out));
    return rc;
}

/* fsync the file at path (and, with dir, the directory holding it). */
static int sync_path(const char *path, bool dir)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    if (dir) {
        char *slash = strrchr(buf, '/');
        if (slash)
            slash[slash == buf ? 1 : 0] = '\0';
        else
            snprintf(buf, sizeof(buf), ".");
    }
    int fd = open(buf, (dir ? O_DIRECTORY : O_RDWR) | O_RDONLY | O_CLOEXEC);
    if (dir && fd < 0)
        fd = open(buf, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

/* Every page of src into the open, empty database dst, in one step (one
 * read transaction), then made a single-file database. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, char *err, size_t errlen)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "cannot start the copy: %s", sqlite3_errmsg(dst));
        return sql_errno(sqlite3_errcode(dst));
    }
    int rc;
    for (int tries = 0; tries < 100; tries++) { /* a writer's brief lock: try again */
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        sqlite3_sleep(50);
    }
    int frc = sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        rc = frc;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "copy failed: %s", sqlite3_errstr(rc));
    return sql_errno(rc);
}

/* dest.partial, created 0600 and empty: -EEXIST when dest or it exists. */
static int partial_create(const char *dest, char *tmp, size_t len, char *err, size_t errlen)
{
    snprintf(tmp, len, "%s%s", dest, PARTIAL_SUFFIX);
    if (access(dest, F_OK) == 0) {
        snprintf(err, errlen, "%s exists: a backup is never overwritten", dest);
        return -EEXIST;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return rc;
    }
    close(fd);
    return 0;
}

int dbfile_copy(sqlite3 *src, const char *dest, char hex[65], char *err, size_t errlen)
{
    char tmp[4096];
    int rc = partial_create(dest, tmp, sizeof(tmp), err, errlen);
    if (rc != 0)
        return rc;
    sqlite3 *dst = NULL;
    int src_rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
    if (src_rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", tmp, sqlite3_errstr(src_rc));
        rc = sql_errno(src_rc);
    } else {
        rc = copy_pages(src, dst, err, errlen);
    }
    sqlite3_close(dst);
    if (rc == 0 && (rc = sync_path(tmp, false)) == 0 && rename(tmp, dest) != 0)
        rc = -errno;
    if (rc == 0)
        rc = sync_path(dest, true);
    if (rc == 0 && (rc = dbfile_sha256(dest, hex)) != 0)
        snprintf(err, errlen, "%s: %s", dest, strerror(-rc));
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "%s: %s", dest, strerror(-rc));
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/*
 * The statement journal: every savepoint, and every statement that may
 * have to be undone midway (with foreign keys on, most INSERTs), copies
 * the pages it changes to SQLite's statement journal, which by default
 * stays in memory up to 64 KiB and then moves to a temporary file under
 * /var/tmp until the transaction ends.  A registration passes 64 KiB
 * (once an incident holds 100,000 persons, nearly every one did), so the
 * pages it changed, personal data among them, were written to a file
 * that is never read after a crash: some 400 temporary files and 170 MiB
 * for every 1,000 registrations, and the largest part of a person's cost
 * growing with the incident (issue 19, tests/bench/README.md).
 * STMTJRNL_SPILL -1 keeps it in memory always; it is emptied when each
 * request's savepoint ends, so it holds one request's changed pages at
 * most (an import part of 500 rows: some 6 MiB more peak RSS).  A larger
 * threshold is not safe: with 4 MiB, bb_persons' import of 3,000 rows
 * lost its savepoints ("no such savepoint: sp2") after the journal moved
 * to its file mid-request.  Nothing durable changes: the statement
 * journal is never read after a crash (the WAL is what recovers).
 *
 * SQLite counts the memory it holds (sqlite3_memory_used) under a global
 * mutex taken at every one of its mallocs and frees, some twenty a
 * statement; muster never reads the count, so it is off.
 *
 * sqlite3_config acts only before SQLite is first used in the process:
 * musterd reads the schema version of an existing database (dbfile_version)
 * before store_open, and when store_open alone made these settings that
 * read came first, so every musterd restarted on an existing database ran
 * without them.
 */
enum { STMT_SPILL = -1 };

int dbfile_sqlite_setup(void)
{
    static int rc = 1; /* not tried yet; callers are single-threaded at start */
    if (rc == 1)
        rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK &&
                     sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, (int)STMT_SPILL) == SQLITE_OK
                 ? 0
                 : -EBUSY;
    return rc;
}

/* The database at path, read-only (-ENOENT when there is no file: SQLite
 * would make one). */
static int open_ro(const char *path, sqlite3 **db)
{
    (void)dbfile_sqlite_setup();
    if (access(path, F_OK) != 0)
        return -errno;
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        sqlite3_busy_timeout(*db, 5000);
    return sql_errno(rc);
}

int dbfile_copy_path(const char *src_path, const char *dest, char hex[65], char *err, size_t errlen)
{
    sqlite3 *src = NULL;
    int rc = open_ro(src_path, &src);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", src_path, rc == -ENOENT ? "no such file" : strerror(-rc));
    else
        rc = dbfile_copy(src, dest, hex, err, errlen);
    sqlite3_close(src);
    return rc;
}

/* The single integer the statement sql returns. */
static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

int dbfile_version(const char *path, int *version)
{
    sqlite3 *db = NULL;
    int rc = open_ro(path, &db);
    if (rc == 0)
        rc = sql_errno(pragma_int(db, "PRAGMA user_version", version));
    sqlite3_close(db);
    return rc;
}

/* PRAGMA integrity_check: 0 when it says "ok", else -EILSEQ with its
 * first finding in err (or the SQLite error that stopped it). */
static int integrity(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    const char *what = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    int out = what && !strcmp(what, "ok") ? 0 : -EILSEQ;
    if (out != 0)
        snprintf(err, errlen, "%s is damaged: %s", path, what ? what : sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return out;
}

/* The schema version a copy has, checked: 0, or -errno with err set. */
static int check_version(sqlite3 *db, const char *path, int *version, char *err, size_t errlen)
{
    int rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc != SQLITE_OK) {
        bool notdb = rc == SQLITE_NOTADB;
        snprintf(err, errlen, "%s %s: %s", path,
                 notdb ? "is not an SQLite database" : "cannot be read", sqlite3_errstr(rc));
        return notdb ? -ENOTSUP : -EILSEQ;
    }
    if (*version < 1) {
        snprintf(err, errlen, "%s is not a muster database (schema version %d)", path, *version);
        return -ENOTSUP;
    }
    if (*version > MUSTER_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "%s has schema version %d, newer than this muster's %d: it was written by a"
                 " newer musterd",
                 path, *version, MUSTER_SCHEMA_VERSION);
        return -EPROTO;
    }
    return 0;
}

int dbfile_check(const char *path, int *version, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = open_ro(path, &db);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    if (rc == 0 && (rc = integrity(db, path, err, errlen)) != 0) {
        int v = 0; /* a file that is not a database says so, not "damaged" */
        if (pragma_int(db, "PRAGMA user_version", &v) == SQLITE_NOTADB)
            rc = check_version(db, path, version, err, errlen);
    }
    if (rc == 0)
        rc = check_version(db, path, version, err, errlen);
    sqlite3_close(db);
    return rc;
}
