/*
 * tests/test_store_checkpoint.c - the store's WAL checkpoint comes after a
 * batch's replies and pages, not inside its COMMIT: a commit on the worker
 * thread (store_commit_async) that leaves the WAL past SQLite's automatic
 * threshold leaves the database file as it was until the caller asks for
 * the checkpoint (store_checkpoint_due), which then writes it; a commit
 * made on the loop thread (store_commit) checkpoints at once, as SQLite
 * would.  The database file is read alone, copied without its -wal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <uv.h>

#include "store.h"

static char dir[] = "/tmp/muster-checkpoint.XXXXXX";
static char path[256];

/* Whether the database file alone (what a checkpoint writes; its -wal
 * left out) holds table name. */
static bool in_file(const char *name)
{
    char copy[300], cmd[1600];
    snprintf(copy, sizeof(copy), "%s/alone.db", dir);
    snprintf(cmd, sizeof(cmd), "rm -f %s %s-wal %s-shm && cp %s %s", copy, copy, copy, path, copy);
    assert_int_equal(system(cmd), 0);
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?1", -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    bool found = sqlite3_column_int(s, 0) > 0;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return found;
}

/* Some 1,500 pages of WAL: past the 1,000 that call for a checkpoint. */
static void big_change(struct store *st, const char *table)
{
    char sql[300];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE %s (x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
             " FROM n WHERE i < 1200) INSERT INTO %s SELECT randomblob(4000) FROM n",
             table, table);
    assert_int_equal(store_exec(st, sql), 0);
}

static void on_commit(void *arg, int status)
{
    *(int *)arg = status;
}

static void test_async_commit_checkpoints_later(void **state)
{
    (void)state;
    struct store *st;
    uv_loop_t loop;
    uv_loop_init(&loop);
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    big_change(st, "async_rows");
    int status = -1;
    assert_int_equal(store_commit_async(st, &loop, on_commit, &status), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(status, 0);
    assert_false(in_file("async_rows")); /* committed, in the WAL, not yet checkpointed */
    store_checkpoint_due(st);
    assert_true(in_file("async_rows"));
    store_checkpoint_due(st); /* nothing due: nothing happens */
    assert_true(in_file("async_rows"));
    store_close(st);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_loop_commit_checkpoints_at_once(void **state)
{
    (void)state;
    struct store *st;
    assert_int_equal(store_open(path, &st), 0);
    assert_int_equal(store_begin(st), 0);
    big_change(st, "loop_rows");
    assert_int_equal(store_commit(st), 0);
    assert_true(in_file("loop_rows"));
    store_close(st);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/muster.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_async_commit_checkpoints_later),
        cmocka_unit_test(test_loop_commit_checkpoints_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
