/*
 * clients/cli_ops.c - the operator's commands: muster backup and muster
 * restore (the database copied while musterd runs, and put back while it
 * is stopped), muster health (for monitoring and systemd) and muster
 * metrics (Prometheus text).
 *
 * backup and restore work on the database file itself, on musterd's host and as its
 * account (sudo -u muster), not through musterd: a copy of every person's
 * record is for whoever may already read the database, never for a key
 * holder elsewhere, and the copy never holds musterd's loop.  See
 * docs/operations.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_out.h"
#include "client.h"
#include "dbfile.h"
#include "dblock.h"

static const char *db_default(void)
{
    const char *env = getenv("MUSTER_DB");
    return env && *env ? env : "var/muster.db";
}

/* --db FILE, then exactly one argument: the index of it, or -1. */
static int db_and_file(int argc, char **argv, const char **db)
{
    static const struct option o[] = {{"db", 1, NULL, 'd'}, {NULL, 0, NULL, 0}};
    *db = db_default();
    SUBOPTS_BEGIN(o)
case 'd':
    *db = optarg;
    break;
    SUBOPTS_END
    return optind == argc - 1 ? optind : -1;
}

static void print_copy(const struct cli *cli, const char *what, const char *file, int version,
                       const char *hex)
{
    if (cli->json) {
        json_t *j = json_pack("{s:s, s:i, s:s}", what, file, "schema", version, "sha256", hex);
        cli_print_json(stdout, j);
        json_decref(j);
        return;
    }
    /* sha256sum's format: save it beside the copy, check it with sha256sum -c */
    printf("%s  ", hex);
    cli_print_escaped(stdout, file, 0);
    printf("\n");
}

/* A plain copy of the file from to a new file to (mode 0600): 0,
 * -ENOENT when there is no from, or -errno. */
static int copy_plain(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), rc = 0;
    if (in < 0)
        return -errno;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    char buf[65536];
    ssize_t n = 0;
    while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    if (out < 0 || n != 0 || fsync(out) != 0)
        rc = errno ? -errno : -EIO;
    close(in);
    if (out >= 0)
        close(out);
    return rc;
}

/* DB.anchor, the audit trail's signed heads, copied to BACKUP.anchor
 * before the database itself: the copy then vouches for no row the
 * backup lacks. */
static int backup_anchor(const char *db, const char *backup)
{
    char from[4200], to[4200];
    snprintf(from, sizeof(from), "%s.anchor", db);
    snprintf(to, sizeof(to), "%s.anchor", backup);
    int rc = access(backup, F_OK) == 0 ? -EEXIST : copy_plain(from, to);
    if (rc != 0 && rc != -ENOENT && rc != -EEXIST)
        cli_errorf("%s: %s", to, strerror(-rc));
    return rc == -ENOENT ? 0 : rc;
}

int cmd_backup(struct cli *cli, int argc, char **argv)
{
    const char *db;
    int i = db_and_file(argc, argv, &db);
    if (i < 0)
        return die_usage("usage: muster backup [--db FILE] BACKUP");
    char hex[65], err[600] = "";
    int version = 0;
    int rc = backup_anchor(db, argv[i]);
    if (rc == -EEXIST)
        snprintf(err, sizeof(err), "%s exists: a backup is never overwritten", argv[i]);
    if (rc != 0 || dbfile_copy_path(db, argv[i], hex, err, sizeof(err)) != 0 ||
        dbfile_check(argv[i], &version, err, sizeof(err)) != 0) {
        cli_errorf("backup failed: %s", err);
        return EXIT_LOCAL;
    }
    print_copy(cli, "backup", argv[i], version, hex);
    return 0;
}

/* Why a restore is refused, by the code docs/operations.md lists. */
static int refuse(const char *code, const char *why)
{
    cli_errorf("restore refused (%s): %s; nothing was changed", code, why);
    return EXIT_LOCAL;
}

/* path (and path-wal) renamed to path.replaced-STAMP, which *aside
 * names; path-shm removed.  0 when there was nothing to move. */
static int move_aside(const char *path, char *aside, size_t len)
{
    char stamp[32], from[4200], to[4300];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    snprintf(aside, len, "%s.replaced-%s", path, stamp);
    if (access(path, F_OK) != 0) {
        aside[0] = '\0';
        return 0;
    }
    if (rename(path, aside) != 0)
        return -errno;
    snprintf(from, sizeof(from), "%s-wal", path);
    snprintf(to, sizeof(to), "%s-wal", aside);
    if (access(from, F_OK) == 0 && rename(from, to) != 0)
        return -errno;
    snprintf(from, sizeof(from), "%s-shm", path);
    unlink(from);
    return 0;
}

/* The backup's anchor file (BACKUP.anchor), when it has one, becomes the
 * database's, the one it replaces moved aside. */
static void restore_anchor(const char *backup, const char *db)
{
    char from[4200], to[4200], aside[4400];
    snprintf(from, sizeof(from), "%s.anchor", backup);
    snprintf(to, sizeof(to), "%s.anchor", db);
    if (access(from, F_OK) != 0)
        return;
    int rc = move_aside(to, aside, sizeof(aside));
    if (rc == 0)
        rc = copy_plain(from, to);
    if (rc != 0)
        cli_errorf("the anchor file %s was not restored to %s: %s", from, to, strerror(-rc));
}

/* The restore itself, under the lock: check, move aside, copy. */
static int restore_locked(const struct cli *cli, const char *db, const char *backup)
{
    char err[600] = "", aside[4200], hex[65];
    int version = 0, rc = dbfile_check(backup, &version, err, sizeof(err));
    if (rc != 0)
        return refuse(rc == -EPROTO   ? "SCHEMA_NEWER"
                      : rc == -EILSEQ ? "CORRUPT"
                                      : "NOT_MUSTER",
                      err);
    if ((rc = move_aside(db, aside, sizeof(aside))) != 0) {
        cli_errorf("cannot move %s aside: %s; nothing was changed", db, strerror(-rc));
        return EXIT_LOCAL;
    }
    if (dbfile_copy_path(backup, db, hex, err, sizeof(err)) != 0) {
        cli_errorf("restore failed: %s; the database it was to replace is %s", err, aside);
        return EXIT_LOCAL;
    }
    print_copy(cli, "restored", db, version, hex);
    if (aside[0] && !cli->json)
        fprintf(stderr,
                "muster: the database it replaced is %s: delete it once musterd runs "
                "on the restored one\n",
                aside);
    return 0;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
    const char *db;
    int i = db_and_file(argc, argv, &db);
    if (i < 0)
        return die_usage("usage: muster restore [--db FILE] BACKUP  (musterd stopped)");
    struct dblock *lock = NULL;
    char holder[512] = "", why[700];
    int rc = dblock_open(db, &lock, holder, sizeof(holder));
    if (rc == -EBUSY) {
        snprintf(why, sizeof(why), "musterd is running on %s: %s; stop it first", db, holder);
        return refuse("IN_USE", why);
    }
    if (rc != 0) {
        cli_errorf("cannot take the lock beside %s: %s", db, strerror(-rc));
        return EXIT_LOCAL;
    }
    rc = restore_locked(cli, db, argv[i]);
    if (rc == 0)
        restore_anchor(argv[i], db);
    dblock_free(lock);
    return rc;
}

/* ---- health ---- */

static bool check_ok(json_t *r, const char *name)
{
    return json_is_true(json_object_get(json_object_get(r, name), "ok"));
}

static long long check_int(json_t *r, const char *name, const char *field)
{
    return (long long)json_integer_value(json_object_get(json_object_get(r, name), field));
}

/* One line: "healthy: loop turns (0 ms late), store commits, disk has
 * room (812 MiB free, at least 64 wanted)", each failing check in capitals
 * with its reason. */
static void print_health(json_t *r)
{
    const char *store_err =
        json_string_value(json_object_get(json_object_get(r, "store"), "error"));
    const char *disk_err = json_string_value(json_object_get(json_object_get(r, "disk"), "error"));
    printf("%s: loop %s (%lld ms late), store ",
           json_is_true(json_object_get(r, "healthy")) ? "healthy" : "UNHEALTHY",
           check_ok(r, "loop") ? "turns" : "LATE", check_int(r, "loop", "lag_ms"));
    if (check_ok(r, "store"))
        printf("commits");
    else {
        printf("FAILS (");
        cli_print_escaped(stdout, store_err ? store_err : "?", 0);
        printf(")");
    }
    printf(", disk %s (", check_ok(r, "disk") ? "has room" : "SHORT");
    if (disk_err)
        cli_print_escaped(stdout, disk_err, 0);
    else
        printf("%lld MiB free", check_int(r, "disk", "free_mb"));
    printf(", at least %lld wanted)\n", check_int(r, "disk", "min_free_mb"));
}

/* muster health: 0 when musterd answers healthy, 1 for anything else
 * (unhealthy, refused, unreachable, no key): what monitoring wants. */
int cmd_health(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"min-free", 1, NULL, 'f'}, {NULL, 0, NULL, 0}};
    const char *min_free = NULL;
    SUBOPTS_BEGIN(o)
case 'f':
    min_free = optarg;
    break;
    SUBOPTS_END
    char *end = NULL;
    long long mb = min_free ? strtoll(min_free, &end, 10) : -1;
    if (optind != argc || (min_free && (*end || mb < 0)))
        return die_usage("usage: muster health [--min-free MB]");
    struct mclient *c = NULL;
    json_t *reply = NULL, *args = mb >= 0 ? json_pack("{s:I}", "min_free_mb", mb) : NULL;
    char err[512];
    if (cli_connect(cli, "duty", &c) != 0) {
        json_decref(args);
        return 1;
    }
    int rc = mclient_call(c, cli->request_id, "health.show", args, &reply, err, sizeof(err));
    mclient_close(c);
    if (rc != 0) {
        cli_errorf("UNHEALTHY: %s", err);
        return 1;
    }
    json_t *r = json_object_get(reply, "result");
    if (!json_is_true(json_object_get(reply, "ok")))
        rc = cli_report_error(reply);
    else if (cli->json)
        cli_print_json(stdout, r);
    else
        print_health(r);
    rc = rc == 0 && json_is_true(json_object_get(r, "healthy")) ? 0 : 1;
    json_decref(reply);
    return rc;
}

/* ---- metrics ---- */

/* The exposition as musterd wrote it: `muster metrics > FILE.prom` is a
 * file for node_exporter's textfile collector. */
static void print_metrics(json_t *r)
{
    const char *text = json_string_value(json_object_get(r, "text"));
    if (text)
        cli_print_escaped(stdout, text, CLI_ESC_LINES);
}

int cmd_metrics(struct cli *cli, int argc, char **argv)
{
    if (argc != 1)
        return die_usage("usage: muster metrics");
    return call_document(cli, "duty", "metrics.show", NULL, print_metrics);
}
