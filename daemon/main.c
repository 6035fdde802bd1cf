/*
 * daemon/main.c - musterd: arguments, the one-writer lock, plans, store,
 * keys, sockets, signals, run, and teardown in reverse.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cap_sig.h"
#include "dbfile.h"
#include "dblock.h"
#include "log.h"
#include "plan.h"
#include "server.h"
#include "store.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: musterd [options]\n"
        "       musterd [--scripts DIR] --check-plan FILE...\n"
        "  --plans DIR        plan directory (default: plans)\n"
        "  --db FILE          SQLite database (default: var/muster.db); FILE.lock\n"
        "                     beside it: one musterd per database (exit 75 after\n"
        "                     5 s waiting for the lock); one\n"
        "                     newer than this musterd is refused (exit 78)\n"
        "  --keys DIR         server.key and keyring (default: var/keys)\n"
        "  --control EP       control endpoint (default: tcp://127.0.0.1:7710)\n"
        "  --feed EP          status feed endpoint (default: tcp://127.0.0.1:7711)\n"
        "  --reports DIR      stand-down reports (default: var/reports)\n"
        "  --scripts DIR      paging scripts named by exec contacts (default: " MUSTER_SCRIPTS_DIR
        ")\n"
        "  --metrics HOST:PORT  serve GET /metrics (Prometheus) over plain HTTP there,\n"
        "                     e.g. 127.0.0.1:9464 (default: none)\n"
        "  --check-plan       validate the plan files named and exit 0 or 1\n"
        "  -v, -q             more or less logging\n"
        "  --version, --help\n");
}

/* musterd --check-plan FILE...: like nginx -t.  An exec program that
 * cannot be run now, bank holidays that end before the incident
 * horizon, and a CAP sender's certificate expired or expiring within 30
 * days, are warnings on stderr: the plan is still OK. */
static int check_plans(int argc, char **argv, const char *scripts_dir)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        struct plan *p = NULL;
        struct plan_errors errs = {0};
        if (plan_load_file(argv[i], &p, &errs) == 0) {
            plan_exec_check(p, scripts_dir, &errs);
            plan_holidays_check(p, time(NULL), &errs);
            plan_cap_check(p, time(NULL), &errs);
            for (size_t j = 0; j < errs.count; j++)
                fprintf(stderr, "%s\n", errs.msg[j]);
            printf("%s: plan OK\n", argv[i]);
            plan_free(p);
        } else {
            bad = 1;
            for (size_t j = 0; j < errs.count; j++)
                fprintf(stderr, "%s\n", errs.msg[j]);
        }
        plan_errors_free(&errs);
    }
    return bad;
}

struct args {
    struct server_config cfg;
    bool check;
    int verbosity;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {{"plans", required_argument, NULL, 'p'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"keys", required_argument, NULL, 'k'},
                                         {"control", required_argument, NULL, 'c'},
                                         {"feed", required_argument, NULL, 'f'},
                                         {"reports", required_argument, NULL, 'r'},
                                         {"scripts", required_argument, NULL, 's'},
                                         {"metrics", required_argument, NULL, 'M'},
                                         {"check-plan", no_argument, NULL, 'C'},
                                         {"clock-offset", required_argument, NULL, 'O'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            a->cfg.plans_dir = optarg;
            break;
        case 'd':
            a->cfg.db_path = optarg;
            break;
        case 'k':
            a->cfg.keys_dir = optarg;
            break;
        case 'c':
            a->cfg.control_ep = optarg;
            break;
        case 'f':
            a->cfg.feed_ep = optarg;
            break;
        case 'r':
            a->cfg.reports_dir = optarg;
            break;
        case 's':
            a->cfg.scripts_dir = optarg;
            break;
        case 'M':
            a->cfg.metrics_ep = optarg;
            break;
        case 'C':
            a->check = true;
            break;
        case 'O':
            a->cfg.clock_offset_ms = strtoll(optarg, NULL, 10);
            break;
        case 'v':
            a->verbosity++;
            break;
        case 'q':
            a->verbosity--;
            break;
        case 'V':
            printf("musterd %s\n", MUSTER_VERSION);
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    return optind;
}

/* How long a musterd finding the lock held waits for it before exit 75:
 * long enough for a killed daemon's paging child caught between fork and
 * exec (it holds a copy of the descriptor until its exec closes it). */
#define WRITER_LOCK_WAIT_MS 5000
#define WRITER_LOCK_POLL_MS 20

/* One writer, always: the lock beside the database, or exit
 * DBLOCK_EXIT_HELD naming the daemon that holds it (see dblock.h). */
static struct dblock *writer_lock(const char *db_path)
{
    struct dblock *lock = NULL;
    char holder[512] = "";
    int rc = dblock_open(db_path, &lock, holder, sizeof(holder));
    if (rc == -EBUSY)
        log_info("database %s is locked by %s: waiting up to %d ms for it to be released", db_path,
                 holder, WRITER_LOCK_WAIT_MS);
    for (int waited = 0; rc == -EBUSY && waited < WRITER_LOCK_WAIT_MS;
         waited += WRITER_LOCK_POLL_MS) {
        struct timespec ts = {0, WRITER_LOCK_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        rc = dblock_open(db_path, &lock, holder, sizeof(holder));
    }
    if (rc == -EBUSY) {
        log_error("database %s is in use by another musterd: %s; two daemons must never "
                  "run one database",
                  db_path, holder);
        exit(DBLOCK_EXIT_HELD);
    }
    if (rc != 0)
        fatalx("cannot take the lock beside the database %s: %s", db_path, strerror(-rc));
    log_info("holding %s: the only musterd on %s", dblock_path(lock), db_path);
    return lock;
}

/* A database written by a newer musterd is never opened, let alone
 * migrated: exit DBFILE_EXIT_NEWER, saying what to do (an older binary
 * after a rollback must run the copy taken before the upgrade). */
static void schema_not_newer(const char *db_path)
{
    int version = 0;
    if (dbfile_version(db_path, &version) != 0 || version <= MUSTER_SCHEMA_VERSION)
        return; /* no file yet, or one the store will report on */
    log_error("SCHEMA_NEWER: database %s has schema %d, newer than this musterd's %d: run the "
              "musterd that wrote it, or restore the copy taken before the upgrade (%s.pre-v%d) "
              "with muster restore",
              db_path, version, MUSTER_SCHEMA_VERSION, db_path, version);
    exit(DBFILE_EXIT_NEWER);
}

int main(int argc, char **argv)
{
    struct args a = {.cfg = {.plans_dir = "plans",
                             .db_path = "var/muster.db",
                             .keys_dir = "var/keys",
                             .control_ep = "tcp://127.0.0.1:7710",
                             .feed_ep = "tcp://127.0.0.1:7711",
                             .reports_dir = "var/reports",
                             .scripts_dir = MUSTER_SCRIPTS_DIR},
                     .verbosity = 2};
    int first = parse_args(argc, argv, &a);
    log_open(a.verbosity);
    if (a.check) {
        if (first >= argc)
            fatalx("--check-plan needs at least one plan file");
        return check_plans(argc - first, argv + first, a.cfg.scripts_dir);
    }
    if (first < argc)
        fatalx("unexpected argument \"%s\" (see --help)", argv[first]);

    struct dblock *lock = writer_lock(a.cfg.db_path);
    schema_not_newer(a.cfg.db_path);
    signal(SIGPIPE, SIG_IGN); /* a vanished peer is an error code, never a death */
    uv_loop_t loop;
    struct muster m = {.cfg = &a.cfg, .loop = &loop};
    if (uv_loop_init(&loop) != 0)
        fatalx("cannot create the event loop");
    if (server_open(&m) != 0)
        fatalx("musterd cannot start (see the error above)");
    log_info("musterd %s ready: control %s, feed %s, %zu plans%s%s", MUSTER_VERSION,
             a.cfg.control_ep, a.cfg.feed_ep, m.plans->count,
             a.cfg.metrics_ep ? ", metrics http://" : "", a.cfg.metrics_ep ? a.cfg.metrics_ep : "");
    server_notify("READY=1");
    uv_run(&loop, UV_RUN_DEFAULT);

    log_info("musterd stopped");
    server_free(&m);
    cap_sig_shutdown(); /* libxmlsec1, if a signed CAP message started it */
    int rc = uv_loop_close(&loop) == 0 ? 0 : 1;
    dblock_free(lock); /* last: the database is closed */
    return rc;
}
