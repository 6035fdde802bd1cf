/*
 * common/dbfile.h - muster's database as a file: the schema version this
 * build knows, consistent copies made with the SQLite backup API, and the
 * checks a copy must pass before it is put back.
 *
 * Shared by musterd (the copy FILE.pre-vN it takes before migrating, the
 * refusal of a database newer than itself) and the muster CLI (muster
 * backup, muster restore), so that both agree on what a good copy is.
 * Functions return 0 or a negative errno and, where they take err, say
 * why in it.
 */
#ifndef MUSTER_DBFILE_H
#define MUSTER_DBFILE_H

#include <stddef.h>

#include <sqlite3.h>

/* The schema version (PRAGMA user_version) this build migrates to: the
 * number of migrations in daemon/store_schema.c, which checks it at
 * compile time.  A database with a higher version was written by a newer
 * musterd and is refused. */
#define MUSTER_SCHEMA_VERSION 30

/* musterd's exit status when its database is newer than itself
 * (EX_CONFIG: restarting will not help; systemd is told not to). */
#define DBFILE_EXIT_NEWER 78

/*
 * The process-wide SQLite settings muster runs with: its memory statistics
 * off, and the statement journal (the original of every page a savepoint
 * may have to undo) kept in memory, never in a temporary file (why:
 * "The statement journal" in dbfile.c).  SQLite takes them only before its
 * first use in the process, so the functions here that open a database,
 * and store_open, call this first.  0 when they are in force; -EBUSY when
 * SQLite was used before the first call and they could not be set
 * (store_open then keeps the statement journal in memory on its own
 * connection).
 */
int dbfile_sqlite_setup(void);

/*
 * Copy the live database src (any connection, read transactions are
 * enough) to a new file dest, mode 0600, in one read transaction: the copy
 * is the database as of one commit, whatever commits come after.  The
 * copy is a single file (rollback journal, no -wal), written as
 * dest.partial, synced, then renamed to dest.  -EEXIST when dest exists
 * (nothing is overwritten).  On success hex holds the copy's SHA-256.
 */
int dbfile_copy(sqlite3 *src, const char *dest, char hex[65], char *err, size_t errlen);

/* dbfile_copy from the database file at src_path, opened read-only. */
int dbfile_copy_path(const char *src_path, const char *dest, char hex[65], char *err,
                     size_t errlen);

/* The SHA-256 of the file at path, as 64 hex digits. */
int dbfile_sha256(const char *path, char hex[65]);

/* The schema version (PRAGMA user_version) of the database at path,
 * opened read-only: 0 for an empty or new file.  -ENOENT when there is
 * no file. */
int dbfile_version(const char *path, int *version);

/*
 * Whether the file at path can be put back as musterd's database: an
 * SQLite database (else -ENOTSUP, "not an SQLite database"), whose PRAGMA
 * integrity_check finds nothing (else -EILSEQ), with a muster schema
 * (user_version 1 or more, else -ENOTSUP) no newer than
 * MUSTER_SCHEMA_VERSION (else -EPROTO).  Sets *version.
 */
int dbfile_check(const char *path, int *version, char *err, size_t errlen);

#endif
