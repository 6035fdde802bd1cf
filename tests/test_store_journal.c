/*
 * tests/test_store_journal.c - the store's statement journal stays in
 * memory for a request's worth of changes: SQLite's default moves it to a
 * temporary file past 64 KiB, and every page a registration changed was
 * then written to that file (see "The statement journal" in
 * common/dbfile.c).  Each case changes some 600 KiB of existing pages
 * inside a savepoint and looks for SQLite's temporary file ("etilqs_")
 * among the process's descriptors, in a process of its own, since the
 * setting is made once per process, before SQLite's first use:
 * - a fresh process that opens the store first;
 * - musterd's own order on an existing database: the schema version read
 *   (dbfile_version) first, then the store (the settings were lost on
 *   every restart before);
 * - SQLite used by something else first, so the settings cannot be made:
 *   the store's connection keeps its temporary files in memory instead.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "dbfile.h"
#include "store.h"

static char dir[] = "/tmp/muster-journal.XXXXXX";
static char path[256];

/* Whether the process holds one of SQLite's temporary files open. */
static bool temp_file_open(void)
{
    DIR *d = opendir("/proc/self/fd");
    bool found = false;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char link[300], target[512];
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strstr(target, "etilqs_"))
            found = true;
    }
    if (d)
        closedir(d);
    return found;
}

/* The savepoint that changes every page of 600 rows of 1,000 bytes:
 * whether SQLite's temporary file was open meanwhile (1), not (0), or the
 * store failed (2). */
static int journal_case(void)
{
    struct store *st;
    if (store_open(path, &st) != 0)
        return 2;
    int rc = store_exec(st, "DROP TABLE IF EXISTS pages_test; CREATE TABLE pages_test (x BLOB);"
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                            "FROM n WHERE i < 600) INSERT INTO pages_test "
                            "SELECT randomblob(1000) FROM n");
    if (rc == 0)
        rc = store_begin(st);
    if (rc == 0)
        rc = store_savepoint(st);
    /* every existing page changed inside the savepoint: each is journaled */
    if (rc == 0)
        rc = store_exec(st, "UPDATE pages_test SET x = randomblob(1000)");
    bool open = temp_file_open();
    if (rc == 0)
        rc = store_savepoint_rollback(st);
    if (rc == 0)
        rc = store_commit(st);
    store_close(st);
    return rc != 0 ? 2 : open ? 1 : 0;
}

enum start { STORE_FIRST, VERSION_FIRST, SQLITE_FIRST };

/* journal_case in a new process that starts as start says; its result. */
static int in_child(enum start start)
{
    pid_t pid = fork();
    if (pid == 0) {
        int version = 0;
        if (start == VERSION_FIRST && dbfile_version(path, &version) != 0)
            _exit(3);
        if (start == SQLITE_FIRST && sqlite3_initialize() != SQLITE_OK)
            _exit(3);
        _exit(journal_case());
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void test_journal_in_memory(void **state)
{
    assert_int_equal(in_child(STORE_FIRST), 0);
}

static void test_journal_after_version_check(void **state)
{
    assert_int_equal(in_child(STORE_FIRST), 0); /* the database exists now */
    assert_int_equal(in_child(VERSION_FIRST), 0);
}

static void test_journal_sqlite_used_first(void **state)
{
    assert_int_equal(in_child(SQLITE_FIRST), 0);
}

static int setup(void **state)
{
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/muster.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_in_memory),
        cmocka_unit_test(test_journal_after_version_check),
        cmocka_unit_test(test_journal_sqlite_used_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
