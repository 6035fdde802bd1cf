/*
 * tests/test_store_journal.c - the store's statement journal stays in
 * memory for a request's worth of changes: SQLite's default moves it to a
 * temporary file past 64 KiB, and every page a registration changed was
 * then written to that file (see STMT_SPILL in daemon/store.c).  The test
 * changes some 600 KiB of existing pages inside a savepoint and looks for
 * SQLite's temporary file ("etilqs_") among the process's descriptors.
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
#include <unistd.h>

#include <cmocka.h>

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

static void test_journal_in_memory(void **state)
{
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_exec(st, "CREATE TABLE pages_test (x BLOB);"
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                    "FROM n WHERE i < 600) INSERT INTO pages_test "
                                    "SELECT randomblob(1000) FROM n"),
                     0);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    /* every existing page changed inside the savepoint: each is journaled */
    assert_int_equal(store_exec(st, "UPDATE pages_test SET x = randomblob(1000)"), 0);
    assert_false(temp_file_open());
    assert_int_equal(store_savepoint_rollback(st), 0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
