/*
 * daemon/server.c - assembling and tearing down a running musterd: plans,
 * keys, sockets, signals, readiness (see server.h).
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "control.h"
#include "feed.h"
#include "log.h"
#include "paging.h"
#include "staffing.h"
#include "persons.h"
#include "sitrep_period.h"
#include "frozen.h"
#include "health.h"
#include "metrics.h"
#include "metrics_http.h"
#include "plan.h"
#include "store.h"
#include "zap.h"
#include "xml.h"

int64_t server_now(const struct muster *m)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + m->cfg->clock_offset_ms;
}

int server_plans_load(struct muster *m)
{
    struct planset *set = NULL;
    struct plan_errors errs = {0};
    int rc = planset_load_dir(m->cfg->plans_dir, &set, &errs);
    for (size_t i = 0; i < errs.count; i++)
        log_error("%s", errs.msg[i]);
    plan_errors_free(&errs);
    if (rc != 0) {
        log_error("plans in %s not loaded; %s", m->cfg->plans_dir,
                  m->plans ? "keeping the plans already loaded" : "no plans");
        planset_free(set);
        return rc;
    }
    planset_free(m->plans);
    m->plans = set;
    for (size_t i = 0; i < set->count; i++) {
        log_info("plan %s (%s, version %s) loaded from %s", set->plans[i]->id, set->plans[i]->name,
                 set->plans[i]->version, set->plans[i]->path);
        plan_exec_check(set->plans[i], m->cfg->scripts_dir, &errs);
        plan_holidays_check(set->plans[i], (time_t)(server_now(m) / 1000), &errs);
        plan_cap_check(set->plans[i], (time_t)(server_now(m) / 1000), &errs);
    }
    for (size_t i = 0; i < errs.count; i++)
        log_warnx("%s", errs.msg[i]);
    plan_errors_free(&errs);
    return 0;
}

/* A keyring, or the directory that holds it, that others may write would
 * let anyone add a key of their own: refused, naming the path.  (A missing
 * file is keyring_load's to report.) */
static int keys_path_private(const char *path, const char *what)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !(sb.st_mode & 022))
        return 0;
    log_error("%s %s is writable by others (mode %03o): chmod go-w %s", what, path,
              sb.st_mode & 0777, path);
    return -EPERM;
}

static int keyring_reload(struct muster *m)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/keyring", m->cfg->keys_dir);
    struct keyring *ring = NULL;
    int rc = keys_path_private(m->cfg->keys_dir, "key directory");
    if (rc == 0 && (rc = keys_path_private(path, "keyring")) == 0)
        rc = keyring_load(path, &ring, err, sizeof(err));
    else
        snprintf(err, sizeof(err), "%s", strerror(-rc));
    if (rc != 0) {
        log_error("keyring not loaded: %s%s", err,
                  m->keyring ? "; keeping the keys already loaded" : "");
        return rc;
    }
    struct keyring *old = m->keyring;
    m->keyring = ring;
    if (m->zap)
        zap_keyring_set(m->zap, ring);
    if (old && keyring_lost_keys(old, ring)) { /* revoked: their sessions end now */
        if (m->paging)
            paging_sessions_revoke(m);
        feed_revoke(m->feed);
    }
    keyring_free(old);
    log_info("keyring %s: %zu client keys", path, keyring_count(ring));
    return 0;
}

int server_keys_load(struct muster *m)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/server.key", m->cfg->keys_dir);
    int rc = keys_read(path, &m->server_key, err, sizeof(err));
    if (rc != 0) {
        log_error("%s (create keys with: muster keys init --keys %s)", err, m->cfg->keys_dir);
        return rc;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & 077)) {
        log_error("%s is readable by others (mode %03o): chmod 600 it", path, sb.st_mode & 0777);
        return -EPERM;
    }
    if (!m->server_key.secret_z85[0]) {
        log_error("%s holds no secret key", path);
        return -EINVAL;
    }
    rc = keyring_reload(m);
    return rc ? rc : store_anchor_start(m->store, m->cfg->keys_dir);
}

/* Stored replies answer retries of the same request id for a day (the
 * retry window documented in docs/protocol.md), then go. */
#define REPLY_KEEP_MS (24LL * 3600 * 1000)

static int purge_task(struct muster *m, struct outbox *ob, void *arg)
{
    sqlite3_stmt *s = store_stmt(m->store, "DELETE FROM replies WHERE at < ?1");
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, server_now(m) - REPLY_KEEP_MS);
    return store_exec_stmt(s);
}

static void on_housekeeping(uv_timer_t *t)
{
    struct muster *m = t->data;
    control_task(m->control, purge_task, NULL, NULL);
}

static void on_watchdog(uv_timer_t *t)
{
    server_notify("WATCHDOG=1"); /* the loop is turning: systemd need not restart us */
}

static int housekeeping_open(struct muster *m)
{
    uv_timer_init(m->loop, &m->housekeeping);
    m->housekeeping.data = m;
    int rc = uv_timer_start(&m->housekeeping, on_housekeeping, 60000, 3600000);
    uint64_t usec = 0;
    /* > 0 when systemd asks for pings (WATCHDOG_USEC, and WATCHDOG_PID is ours) */
    int wd = sd_watchdog_enabled(0, &usec);
    uint64_t period = wd > 0 ? usec / 2000 : 0; /* half the limit, in ms */
    uv_timer_init(m->loop, &m->watchdog);
    if (rc == 0 && period > 0)
        rc = uv_timer_start(&m->watchdog, on_watchdog, 0, period);
    return rc;
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    struct muster *m = h->data;
    log_info("signal %d: stopping", signum);
    server_close(m);
}

static void on_hup(uv_signal_t *h, int signum)
{
    struct muster *m = h->data;
    log_info("SIGHUP: reloading plans and keyring");
    server_plans_load(m);
    keyring_reload(m);
    /* the line a systems team (and the tests) wait for: from here new
     * requests and new connections see what was reloaded */
    log_info("SIGHUP: reload done");
}

static int signals_open(struct muster *m)
{
    struct {
        uv_signal_t *h;
        uv_signal_cb cb;
        int sig;
    } sigs[] = {{&m->sig_int, on_stop_signal, SIGINT},
                {&m->sig_term, on_stop_signal, SIGTERM},
                {&m->sig_hup, on_hup, SIGHUP}};
    for (size_t i = 0; i < 3; i++) {
        uv_signal_init(m->loop, sigs[i].h);
        sigs[i].h->data = m;
        int rc = uv_signal_start(sigs[i].h, sigs[i].cb, sigs[i].sig);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int store_part(struct muster *m)
{
    return store_open(m->cfg->db_path, &m->store);
}

/* Two I/O threads: CURVE encryption of a standup's 500 pages or a feed
 * event's 1,000 copies is spread over them (each connection stays on
 * one), while the loop thread builds the next batch (issue 19). */
#define ZMQ_IO_THREADS_N 2

static int zmq_part(struct muster *m)
{
    m->zctx = zmq_ctx_new();
    if (!m->zctx)
        return -errno;
    return zmq_ctx_set(m->zctx, ZMQ_IO_THREADS, ZMQ_IO_THREADS_N) == 0 ? 0 : -errno;
}

static int frozen_part(struct muster *m)
{
    return frozen_open(&m->frozen);
}

static int zap_part(struct muster *m)
{
    return zap_open(m, &m->zap);
}

static int feed_part(struct muster *m)
{
    return feed_open(m, &m->feed);
}

static int control_part(struct muster *m)
{
    return control_open(m, &m->control);
}

static int paging_part(struct muster *m)
{
    return paging_open(m, &m->paging);
}

static int staffing_part(struct muster *m)
{
    return staffing_open(m, &m->staffing);
}

static int persons_part(struct muster *m)
{
    return persons_open(m, &m->persons);
}

static int sitrep_part(struct muster *m)
{
    return sitrep_period_open(m, &m->sitrep_period);
}

static int metrics_part(struct muster *m)
{
    return metrics_open(m, &m->metrics);
}

static int metrics_http_part(struct muster *m)
{
    return m->cfg->metrics_ep ? metrics_http_open(m, m->cfg->metrics_ep, &m->metrics_http) : 0;
}

static int health_part(struct muster *m)
{
    return health_open(m, &m->health);
}

/* The parts of a running musterd, opened in this order: the keys need the
 * store (the audit anchor), the sockets the keys and ZAP, the modules the
 * control socket (their timers queue tasks on it). */
static const struct {
    const char *what;
    int (*open)(struct muster *m);
} parts[] = {
    {"the plans (check them with musterd --check-plan)", server_plans_load},
    {"the database", store_part},
    {"the keys", server_keys_load},
    {"the ZeroMQ context", zmq_part},
    {"the metrics", metrics_part},
    {"the frozen plan cache", frozen_part},
    {"the ZAP handler", zap_part},
    {"the status feed", feed_part},
    {"the control socket", control_part},
    {"paging", paging_part},
    {"staffing", staffing_part},
    {"persons", persons_part},
    {"the periodic SitReps", sitrep_part},
    {"the health timer", health_part},
    {"the metrics endpoint (--metrics)", metrics_http_part},
    {"the signal handlers", signals_open},
    {"the housekeeping timers", housekeeping_open},
};

int server_open(struct muster *m)
{
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        int rc = parts[i].open(m);
        if (rc != 0) {
            /* errno values, libuv's (-errno on Unix) and libzmq's own */
            log_error("cannot open %s: %s", parts[i].what, zmq_strerror(rc < 0 ? -rc : rc));
            return rc;
        }
    }
    return 0;
}

void server_notify(const char *state)
{
    int rc = sd_notify(0, state); /* 0: no NOTIFY_SOCKET, nothing to tell */
    if (rc < 0)
        log_warnx("sd_notify %s: %s", state, strerror(-rc));
}

static void close_handle(uv_signal_t *h)
{
    if (h->loop && !uv_is_closing((uv_handle_t *)h))
        uv_close((uv_handle_t *)h, NULL);
}

void server_close(struct muster *m)
{
    if (m->stopping)
        return;
    m->stopping = true;
    server_notify("STOPPING=1");
    if (m->control)
        control_close(m->control);
    if (m->zap)
        zap_close(m->zap);
    if (m->paging)
        paging_close(m->paging);
    if (m->staffing)
        staffing_close(m->staffing);
    if (m->persons)
        persons_close(m->persons);
    sitrep_period_close(m->sitrep_period);
    health_close(m->health);
    metrics_http_close(m->metrics_http);
    feed_close(m->feed);
    close_handle(&m->sig_int);
    close_handle(&m->sig_term);
    close_handle(&m->sig_hup);
    if (m->housekeeping.loop && !uv_is_closing((uv_handle_t *)&m->housekeeping))
        uv_close((uv_handle_t *)&m->housekeeping, NULL);
    if (m->watchdog.loop && !uv_is_closing((uv_handle_t *)&m->watchdog))
        uv_close((uv_handle_t *)&m->watchdog, NULL);
}

void server_free(struct muster *m)
{
    control_cancel(m->control); /* their drop functions use the modules below */
    persons_free(m->persons);
    sitrep_period_free(m->sitrep_period);
    metrics_http_free(m->metrics_http);
    metrics_free(m->metrics);
    xml_schema_free(m->cap_schema);
    xml_schema_free(m->pfif_schema);
    xml_schema_free(m->rm_schema);
    xml_schema_free(m->sitrep_schema);
    health_free(m->health);
    frozen_free(m->frozen);
    staffing_free(m->staffing);
    paging_free(m->paging);
    control_free(m->control);
    feed_free(m->feed);
    zap_free(m->zap);
    if (m->zctx)
        zmq_ctx_term(m->zctx);
    keyring_free(m->keyring);
    store_close(m->store);
    planset_free(m->plans);
}
