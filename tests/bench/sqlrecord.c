/*
 * tests/bench/sqlrecord.c - an LD_PRELOAD shim for the benchmark's SQL
 * floor (run.sh; replayed by sqlreplay.c): every statement musterd
 * prepares, every value it binds, every step, reset, clearing and
 * finalize, and every sqlite3_exec, in the order they happen, to the file
 * $MUSTER_SQL_RECORD.PID.  musterd itself is not changed; each call is
 * forwarded to the real SQLite (dlsym RTLD_NEXT).  SQLite calls its own
 * public functions from inside sqlite3_prepare and sqlite3_exec (the
 * schema, the statements of an exec): only the outermost call of a thread
 * is recorded, as the replay makes the same inner calls itself.
 *
 * One line a call; texts and blobs in hexadecimal:
 *   P stmt db sql      S stmt result      R stmt     C stmt     F stmt
 *   E db sql           B stmt index i|d|n|t|b [value]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static __thread int depth; /* inside a recorded call of this thread */

/* The record file, opened on first use (the caller holds mu). */
static FILE *record(void)
{
    if (out == NULL) {
        char path[512];
        const char *p = getenv("MUSTER_SQL_RECORD");
        snprintf(path, sizeof(path), "%s.%d", p ? p : "/tmp/sqlrecord", (int)getpid());
        out = fopen(path, "w");
        if (out == NULL)
            abort(); /* a floor measured from half a record would be wrong */
        setvbuf(out, NULL, _IOFBF, 1 << 20);
    }
    return out;
}

__attribute__((destructor)) static void record_close(void)
{
    if (out != NULL)
        fflush(out);
}

/* One line: head (a printf format and its arguments), then data in hex. */
static void line(const void *data, int n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line(const void *data, int n, const char *fmt, ...)
{
    if (depth > 0)
        return;
    pthread_mutex_lock(&mu);
    FILE *f = record();
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    const unsigned char *p = data;
    for (int i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('\n', f);
    pthread_mutex_unlock(&mu);
}

#define REAL(name)                                                                                 \
    static __typeof__(&name) real_##name;                                                          \
    if (real_##name == NULL)                                                                       \
    real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned flags, sqlite3_stmt **st,
                       const char **tail)
{
    REAL(sqlite3_prepare_v3);
    depth++;
    int rc = real_sqlite3_prepare_v3(db, sql, n, flags, st, tail);
    depth--;
    const char *text = rc == SQLITE_OK && *st ? sqlite3_sql(*st) : NULL;
    if (text != NULL)
        line(text, (int)strlen(text), "P %p %p ", (void *)*st, (void *)db);
    return rc;
}

int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail)
{
    return sqlite3_prepare_v3(db, sql, n, 0, st, tail);
}

int sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg,
                 char **err)
{
    REAL(sqlite3_exec);
    line(sql, (int)strlen(sql), "E %p ", (void *)db);
    depth++;
    int rc = real_sqlite3_exec(db, sql, cb, arg, err);
    depth--;
    return rc;
}

int sqlite3_bind_int64(sqlite3_stmt *s, int i, sqlite3_int64 v)
{
    REAL(sqlite3_bind_int64);
    line(NULL, 0, "B %p %d i %lld", (void *)s, i, (long long)v);
    return real_sqlite3_bind_int64(s, i, v);
}

int sqlite3_bind_int(sqlite3_stmt *s, int i, int v)
{
    REAL(sqlite3_bind_int);
    line(NULL, 0, "B %p %d i %d", (void *)s, i, v);
    return real_sqlite3_bind_int(s, i, v);
}

int sqlite3_bind_double(sqlite3_stmt *s, int i, double v)
{
    REAL(sqlite3_bind_double);
    line(NULL, 0, "B %p %d d %.17g", (void *)s, i, v);
    return real_sqlite3_bind_double(s, i, v);
}

int sqlite3_bind_null(sqlite3_stmt *s, int i)
{
    REAL(sqlite3_bind_null);
    line(NULL, 0, "B %p %d n", (void *)s, i);
    return real_sqlite3_bind_null(s, i);
}

int sqlite3_bind_text(sqlite3_stmt *s, int i, const char *v, int n, void (*d)(void *))
{
    REAL(sqlite3_bind_text);
    if (v == NULL)
        line(NULL, 0, "B %p %d n", (void *)s, i);
    else
        line(v, n < 0 ? (int)strlen(v) : n, "B %p %d t ", (void *)s, i);
    return real_sqlite3_bind_text(s, i, v, n, d);
}

int sqlite3_bind_blob(sqlite3_stmt *s, int i, const void *v, int n, void (*d)(void *))
{
    REAL(sqlite3_bind_blob);
    if (v == NULL)
        line(NULL, 0, "B %p %d n", (void *)s, i);
    else
        line(v, n, "B %p %d b ", (void *)s, i);
    return real_sqlite3_bind_blob(s, i, v, n, d);
}

int sqlite3_step(sqlite3_stmt *s)
{
    REAL(sqlite3_step);
    int rc = real_sqlite3_step(s);
    line(NULL, 0, "S %p %d", (void *)s, rc); /* the result, for the replay to compare */
    return rc;
}

int sqlite3_reset(sqlite3_stmt *s)
{
    REAL(sqlite3_reset);
    line(NULL, 0, "R %p", (void *)s);
    return real_sqlite3_reset(s);
}

int sqlite3_clear_bindings(sqlite3_stmt *s)
{
    REAL(sqlite3_clear_bindings);
    line(NULL, 0, "C %p", (void *)s);
    return real_sqlite3_clear_bindings(s);
}

int sqlite3_finalize(sqlite3_stmt *s)
{
    REAL(sqlite3_finalize);
    if (s != NULL)
        line(NULL, 0, "F %p", (void *)s);
    return real_sqlite3_finalize(s);
}
