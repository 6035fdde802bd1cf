/*
 * common/sqlerr.h - SQLite result codes as negative errno values.
 *
 * Every module that talks to SQLite (the daemon's store, the offline audit
 * check) reports failures the same way: 0, or -ENOSPC (disk full), -EROFS
 * (read-only), -EBUSY (locked), -EEXIST (constraint), -ENOMEM, -ENOENT
 * (cannot open), -EINVAL (misuse) or -EIO.
 */
#ifndef MUSTER_SQLERR_H
#define MUSTER_SQLERR_H

/* Translate a SQLite result code to 0 / negative errno. */
int sql_errno(int sqlite_rc);

#endif
