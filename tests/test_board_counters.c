/*
 * tests/test_board_counters.c - the board's counters moved in memory for
 * the open transaction (daemon/board_counters.c): the value each move
 * reports, the first move of a store inside savepoints opened before it,
 * a rolled-back savepoint taking back exactly its own moves at any depth,
 * the pending values a snapshot shows, one write per key when the
 * transaction commits, nothing when it rolls back (also by SQLite itself),
 * and a move outside a transaction store_begin opened written at once.  What is on disk is read
 * through a second connection.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "board.h"
#include "board_counters.h"
#include "outbox.h"
#include "server.h"
#include "store.h"

static char dir[] = "/tmp/muster-board.XXXXXX";
static char path[256];

/* The stored value of key of incident 1 (-1 when there is no row), read
 * through a separate connection: what is really on disk. */
static int64_t stored(const char *key)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    sqlite3_open(path, &db);
    sqlite3_prepare_v2(db, "SELECT value FROM board WHERE incident_id = 1 AND key = ?1", -1, &s,
                       NULL);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* The value the last move of key put on the next feed event. */
static int64_t reported(const struct outbox *ob, const char *key)
{
    json_t *v = ob->board ? json_object_get(ob->board, key) : NULL;
    assert_non_null(v);
    return json_integer_value(v);
}

/* The value a snapshot of incident id shows for key (-1 when none). */
static int64_t pending(struct store *st, int64_t id, const char *key)
{
    json_t *board = json_object();
    board_counters_pending(st, id, board);
    json_t *v = json_object_get(board, key);
    int64_t n = v ? json_integer_value(v) : -1;
    json_decref(board);
    return n;
}

static struct store *open_with_incidents(void)
{
    static int n;
    struct store *st;
    snprintf(path, sizeof(path), "%s/muster-%d.db", dir, ++n); /* a new database each */
    assert_int_equal(store_open(path, &st), 0);
    for (int id = 1; id <= 2; id++) {
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO incidents (id, ref, plan_id, plan_version, plan_digest, level,"
                 " exercise, operation, state, created_at, created_by) VALUES (%d, 'EX-B-%d',"
                 " 'p', '1', 'd', 1, 1, 'OP', 'active', 1, 'gold')",
                 id, id);
        assert_int_equal(store_exec(st, sql), 0);
    }
    assert_int_equal(store_exec(st, "INSERT INTO board VALUES (1, 'persons', 40)"), 0);
    return st;
}

/* The first move of a store's life, inside savepoints opened before the
 * counters existed: rolled back with them all the same. */
static void test_first_move_in_savepoints(void **state)
{
    struct store *st = open_with_incidents();
    struct muster m = {.store = st};
    struct outbox ob = {0};
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 3), 0);
    assert_int_equal(store_savepoint_rollback(st), 0);
    assert_int_equal(pending(st, 1, "persons"), 40);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 1), 0);
    assert_int_equal(store_savepoint_rollback(st), 0);
    assert_int_equal(pending(st, 1, "persons"), 40);
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(stored("persons"), 40);
    json_decref(ob.board);
    store_close(st);
}

/* A savepoint alone opens a transaction its release commits, with no
 * flush: a move there is written at once.  And when SQLite has rolled the
 * whole transaction back by itself (an I/O error), the failed ROLLBACK TO
 * ends the pending moves with it. */
static void test_lone_savepoint_and_lost_transaction(void **state)
{
    struct store *st = open_with_incidents();
    struct muster m = {.store = st};
    struct outbox ob = {0};
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 2), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(stored("persons"), 42);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_savepoint(st), 0);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 5), 0);
    assert_int_equal(pending(st, 1, "persons"), 47);
    assert_int_equal(store_exec(st, "ROLLBACK"), 0); /* as SQLite does on an I/O error */
    assert_int_not_equal(store_savepoint_rollback(st), 0);
    assert_int_equal(store_savepoint_depth(st), 0);
    assert_int_equal(pending(st, 1, "persons"), -1);
    assert_int_equal(store_savepoint(st), 0); /* a lone savepoint again: written at once */
    assert_int_equal(board_add(&m, &ob, 1, "persons", 1), 0);
    assert_int_equal(reported(&ob, "persons"), 43);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(stored("persons"), 43);
    json_decref(ob.board);
    store_close(st);
}

static void test_moves_and_savepoints(void **state)
{
    struct store *st = open_with_incidents();
    struct muster m = {.store = st};
    struct outbox ob = {0};
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 1), 0);
    assert_int_equal(reported(&ob, "persons"), 41); /* the stored 40, moved */
    assert_int_equal(store_savepoint(st), 0);       /* a request: kept */
    assert_int_equal(board_add2(&m, &ob, 1, "persons", "category/injured", 1), 0);
    assert_int_equal(reported(&ob, "persons"), 42);
    assert_int_equal(reported(&ob, "category/injured"), 1);
    assert_int_equal(store_savepoint(st), 0); /* a row of an import: undone */
    assert_int_equal(board_add(&m, &ob, 1, "persons", 100), 0);
    assert_int_equal(board_add(&m, &ob, 1, "breaches", 3), 0);
    assert_int_equal(board_add(&m, &ob, 2, "persons", 7), 0); /* another incident */
    assert_int_equal(pending(st, 1, "persons"), 142);
    assert_int_equal(store_savepoint_rollback(st), 0);
    assert_int_equal(pending(st, 1, "persons"), 42);
    assert_int_equal(pending(st, 1, "breaches"), -1); /* no row, every move taken back */
    assert_int_equal(pending(st, 2, "persons"), -1);
    assert_int_equal(store_savepoint(st), 0); /* a sibling: kept */
    assert_int_equal(board_add(&m, &ob, 1, "urgent", 0), 0);
    assert_int_equal(board_add(&m, &ob, 1, "category/injured", -1), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(store_savepoint_release(st), 0);
    assert_int_equal(store_savepoint(st), 0); /* a request that failed: undone */
    assert_int_equal(board_add(&m, &ob, 1, "persons", 5), 0);
    assert_int_equal(store_savepoint_rollback(st), 0);
    assert_int_equal(pending(st, 1, "persons"), 42);
    assert_int_equal(pending(st, 1, "category/injured"), 0);
    assert_int_equal(pending(st, 1, "urgent"), 0);
    assert_int_equal(stored("persons"), 40); /* nothing written before the commit */
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(stored("persons"), 42);
    assert_int_equal(stored("category/injured"), 0);
    assert_int_equal(stored("urgent"), 0); /* moved by 0: the row is made, as before */
    assert_int_equal(stored("breaches"), -1);
    assert_int_equal(pending(st, 1, "persons"), -1); /* written: nothing pending */
    json_decref(ob.board);
    store_close(st);
}

static void on_commit(void *arg, int status)
{
    *(int *)arg = status;
}

static void test_commit_async_and_rollback(void **state)
{
    struct store *st = open_with_incidents();
    struct muster m = {.store = st};
    struct outbox ob = {0};
    uv_loop_t loop;
    uv_loop_init(&loop);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 2), 0);
    int status = -1;
    assert_int_equal(store_commit_async(st, &loop, on_commit, &status), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(status, 0);
    assert_int_equal(stored("persons"), 42);
    assert_int_equal(store_begin(st), 0); /* a batch that fails: nothing of it is kept */
    assert_int_equal(board_add(&m, &ob, 1, "persons", 9), 0);
    assert_int_equal(reported(&ob, "persons"), 51);
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(pending(st, 1, "persons"), -1);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(board_add(&m, &ob, 1, "persons", 1), 0);
    assert_int_equal(reported(&ob, "persons"), 43); /* read again from the table */
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(stored("persons"), 43);
    /* no transaction (a unit test's store): written at once */
    assert_int_equal(board_add(&m, &ob, 1, "alarms", 1), 0);
    assert_int_equal(reported(&ob, "alarms"), 1);
    assert_int_equal(stored("alarms"), 1);
    json_decref(ob.board);
    store_close(st);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static int setup(void **state)
{
    return mkdtemp(dir) ? 0 : -1;
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
        cmocka_unit_test(test_first_move_in_savepoints),
        cmocka_unit_test(test_moves_and_savepoints),
        cmocka_unit_test(test_lone_savepoint_and_lost_transaction),
        cmocka_unit_test(test_commit_async_and_rollback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
