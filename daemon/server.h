/*
 * daemon/server.h - the daemon context: one struct owning every part of a
 * running musterd, passed explicitly to every module.  No other mutable
 * globals exist.  Only the libuv loop thread touches it.
 */
#ifndef MUSTER_SERVER_H
#define MUSTER_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "keys.h"

struct planset;
struct store;
struct keyring;
struct zap;
struct control;
struct guard;
struct feed;
struct paging;
struct staffing;
struct frozen;
struct xml_schema;
struct persons;
struct sitrep_period;
struct health;
struct metrics;
struct metrics_http;

struct server_config {
    const char *plans_dir;   /* directory of *.yaml plans */
    const char *db_path;     /* SQLite database file */
    const char *keys_dir;    /* server.key and keyring */
    const char *control_ep;  /* ROUTER endpoint, e.g. tcp://127.0.0.1:7710 */
    const char *feed_ep;     /* PUB endpoint */
    const char *reports_dir; /* stand-down reports are written here */
    int64_t clock_offset_ms; /* added to the wall clock (tests only) */
    const char *scripts_dir; /* paging scripts an exec target names by name (page-sms) */
    const char *metrics_ep;  /* HOST:PORT for GET /metrics over HTTP, or NULL */
};

struct muster {
    const struct server_config *cfg;
    uv_loop_t *loop;
    struct planset *plans; /* current plans; replaced whole on SIGHUP */
    struct store *store;
    struct keyring *keyring; /* accepted client keys; replaced whole on SIGHUP */
    struct keypair server_key;
    void *zctx; /* the ZeroMQ context */
    struct zap *zap;
    struct control *control;
    struct guard *guard_control; /* caps the control socket's pending handshakes */
    struct feed *feed;
    struct paging *paging;
    struct staffing *staffing;
    struct frozen *frozen; /* frozen plans of incidents, typed and cached */
    struct persons *persons;
    struct sitrep_period *sitrep_period; /* periodic SitReps (sitrep_period.h) */
    struct health *health;               /* the loop's timer for health.show */
    struct metrics *metrics;             /* counters and histograms (metrics.show) */
    struct metrics_http *metrics_http;   /* GET /metrics (--metrics), or NULL */
    struct xml_schema *cap_schema;       /* the CAP 1.2 XSD, compiled at the first incident.cap */
    struct xml_schema *pfif_schema;      /* the PFIF 1.4 XSD, compiled at the first person.export */
    struct xml_schema *rm_schema;     /* the EDXL-RM 1.0 XSD, compiled at the first pledge.import */
    struct xml_schema *sitrep_schema; /* the EDXL-SitRep XSD, compiled at the first SitRep */
    uv_signal_t sig_int, sig_term, sig_hup;
    uv_timer_t housekeeping;
    uv_timer_t watchdog; /* WATCHDOG=1 to systemd, when it asks for it */
    /* report files waiting to be written on libuv's thread pool, in order,
     * one at a time (report_files.c) */
    struct report_job *report_jobs, *report_jobs_tail;
    bool report_writing;
    bool stopping;
};

/* Milliseconds since the epoch, as the daemon sees it. */
int64_t server_now(const struct muster *m);

/* Load plans from cfg->plans_dir into m->plans, logging every error.
 * Returns 0 or -errno (m->plans unchanged on error).  Also SIGHUP's. */
int server_plans_load(struct muster *m);

/* Load server.key and the keyring from cfg->keys_dir. */
int server_keys_load(struct muster *m);

/*
 * Open every part of a running musterd in order: plans, database, keys,
 * ZeroMQ, ZAP, feed and control sockets, the modules, signal handlers
 * (SIGINT/SIGTERM stop cleanly, SIGHUP reloads plans and keyring) and the
 * housekeeping timers (stored replies older than a day are deleted; the
 * systemd watchdog).  Logs which part failed and returns its -errno.
 */
int server_open(struct muster *m);

/* Tell systemd our state, e.g. "READY=1" (libsystemd's sd_notify: nothing
 * happens without NOTIFY_SOCKET; a failure is logged). */
void server_notify(const char *state);

/* Close every handle; after this uv_run returns once they are closed. */
void server_close(struct muster *m);

/* Free what server_* allocated (after the loop has finished). */
void server_free(struct muster *m);

#endif
