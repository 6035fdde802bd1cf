/*
 * tests/bench/sqltrace.c - an LD_PRELOAD shim for the benchmark's query
 * plan check (scans.sh): every SQL text musterd prepares is appended to
 * the file named by MUSTER_SQL_TRACE, each followed by a line "--;;".
 * musterd itself is not changed; the shim forwards to the real
 * sqlite3_prepare_v3/_v2 (dlsym RTLD_NEXT).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

typedef int (*prepare_fn)(sqlite3 *, const char *, int, unsigned, sqlite3_stmt **, const char **);
typedef int (*prepare2_fn)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);

static void trace_sql(const char *sql, int n)
{
    const char *path = getenv("MUSTER_SQL_TRACE");
    if (path == NULL || sql == NULL)
        return;
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return;
    size_t len = n < 0 ? strlen(sql) : strnlen(sql, (size_t)n);
    fprintf(f, "%.*s\n--;;\n", (int)len, sql);
    fclose(f);
}

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned flags, sqlite3_stmt **st,
                       const char **tail)
{
    static prepare_fn real;
    if (real == NULL)
        real = (prepare_fn)dlsym(RTLD_NEXT, "sqlite3_prepare_v3");
    trace_sql(sql, n);
    return real(db, sql, n, flags, st, tail);
}

int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail)
{
    static prepare2_fn real;
    if (real == NULL)
        real = (prepare2_fn)dlsym(RTLD_NEXT, "sqlite3_prepare_v2");
    trace_sql(sql, n);
    return real(db, sql, n, st, tail);
}
