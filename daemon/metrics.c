/*
 * daemon/metrics.c - musterd's counters and histograms, and the exposition
 * of every metric with the store's figures counted at scrape time (see
 * metrics.h).
 */
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "dispatch.h"
#include "feed.h"
#include "proto.h"
#include "server.h"
#include "store.h"

#define MAX_COMMANDS 128 /* dispatch_table's rows, and one for "unknown" */
#define MAX_CHANNELS 16  /* delivery channels counted by name; then "other" */

/* The outcomes of a request: "ok", then every error code. */
static const char *const outcomes[] = {"ok",
                                       ERR_BAD_JSON,
                                       ERR_BAD_REQUEST,
                                       ERR_TOO_LARGE,
                                       ERR_UNKNOWN_COMMAND,
                                       ERR_BAD_ARGUMENT,
                                       ERR_FORBIDDEN,
                                       ERR_NOT_FOUND,
                                       ERR_CONFLICT,
                                       ERR_UNAVAILABLE,
                                       ERR_RATE_LIMITED,
                                       ERR_INTERNAL,
                                       ERR_BUSY,
                                       "other"};
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

/* Batches: 1 to 1024 requests (BATCH_MAX) by powers of two. */
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
/* Commits: Prometheus's default buckets, from half a millisecond. */
static const double commit_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                       0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBATCH (sizeof(batch_bounds) / sizeof(batch_bounds[0]))
#define NCOMMIT (sizeof(commit_bounds) / sizeof(commit_bounds[0]))

struct channel_count {
    char name[16];
    uint64_t failed;
};

struct metrics {
    double started; /* seconds since the epoch */
    uint64_t requests[MAX_COMMANDS + 1][NOUTCOMES];
    uint64_t batch_counts[NBATCH + 1], commit_counts[NCOMMIT + 1];
    struct metrics_hist batches, commits;
    struct channel_count channels[MAX_CHANNELS + 1]; /* the last: "other" */
    size_t nchannels;
};

int metrics_open(struct muster *m, struct metrics **out)
{
    struct metrics *mx = calloc(1, sizeof(*mx));
    if (!mx)
        return -ENOMEM;
    mx->started = (double)server_now(m) / 1000.0;
    mx->batches = (struct metrics_hist){batch_bounds, NBATCH, mx->batch_counts, 0};
    mx->commits = (struct metrics_hist){commit_bounds, NCOMMIT, mx->commit_counts, 0};
    snprintf(mx->channels[MAX_CHANNELS].name, sizeof(mx->channels[0].name), "other");
    *out = mx;
    return 0;
}

void metrics_free(struct metrics *mx)
{
    free(mx);
}

void metrics_request(struct metrics *mx, size_t cmd, const char *code)
{
    if (!mx)
        return;
    size_t o = 0;
    if (code)
        for (o = 1; o < NOUTCOMES - 1 && strcmp(outcomes[o], code); o++)
            ;
    size_t ncmd;
    dispatch_table(&ncmd);
    mx->requests[cmd < ncmd ? cmd : MAX_COMMANDS][o]++;
}

void metrics_batch(struct metrics *mx, size_t n)
{
    if (mx)
        metrics_hist_observe(&mx->batches, (double)n);
}

void metrics_commit(struct metrics *mx, uint64_t ns)
{
    if (mx)
        metrics_hist_observe(&mx->commits, (double)ns / 1e9);
}

void metrics_delivery_failed(struct metrics *mx, const char *channel)
{
    if (!mx || !channel)
        return;
    size_t i = 0;
    while (i < mx->nchannels && strcmp(mx->channels[i].name, channel))
        i++;
    if (i == mx->nchannels && i < MAX_CHANNELS && strlen(channel) < sizeof(mx->channels[0].name))
        snprintf(mx->channels[mx->nchannels++].name, sizeof(mx->channels[0].name), "%s", channel);
    mx->channels[i < mx->nchannels ? i : MAX_CHANNELS].failed++;
}

/* ---- rendering ---- */

static void write_requests(FILE *f, const struct metrics *mx)
{
    size_t ncmd;
    const struct command *cmds = dispatch_table(&ncmd);
    metrics_head(f, "muster_requests_total", "counter",
                 "Requests answered, by command and outcome (ok or the reply's error code).");
    for (size_t c = 0; c <= MAX_COMMANDS; c++)
        for (size_t o = 0; o < NOUTCOMES; o++) {
            if (!mx->requests[c][o])
                continue;
            fputs("muster_requests_total{command=\"", f);
            metrics_label_escape(f, c < ncmd ? cmds[c].name : "unknown");
            fprintf(f, "\",outcome=\"%s\"} %llu\n", outcomes[o],
                    (unsigned long long)mx->requests[c][o]);
        }
}

static void write_failures(FILE *f, const struct metrics *mx)
{
    metrics_head(f, "muster_delivery_failures_total", "counter",
                 "Deliveries of pages and notices that failed, by channel.");
    for (size_t i = 0; i <= MAX_CHANNELS; i++) {
        if (i >= mx->nchannels && (i < MAX_CHANNELS || !mx->channels[i].failed))
            continue;
        fputs("muster_delivery_failures_total{channel=\"", f);
        metrics_label_escape(f, mx->channels[i].name);
        fprintf(f, "\"} %llu\n", (unsigned long long)mx->channels[i].failed);
    }
}

static void write_process(FILE *f, struct muster *m)
{
    metrics_head(f, "muster_build_info", "gauge", "The musterd version running (always 1).");
    fputs("muster_build_info{version=\"", f);
    metrics_label_escape(f, MUSTER_VERSION);
    fputs("\"} 1\n", f);
    metrics_head(f, "process_start_time_seconds", "gauge",
                 "When musterd started, in seconds since the Unix epoch.");
    fprintf(f, "process_start_time_seconds %.3f\n", m->metrics->started);
    metrics_head(f, "muster_queue_depth", "gauge",
                 "Requests read from the control socket and waiting to run.");
    fprintf(f, "muster_queue_depth %zu\n", m->control ? control_queued(m->control) : (size_t)0);
    metrics_head(f, "muster_feed_connections", "gauge",
                 "Connections to the status feed (subscribers, and those still in their "
                 "handshake).");
    fprintf(f, "muster_feed_connections %zu\n", m->feed ? feed_connections(m->feed) : (size_t)0);
}

/* A figure counted in the store at scrape time: labels are the first
 * columns of sql's rows, the value its last. */
struct gauge {
    const char *name, *help;
    const char *labels[4]; /* NULL-terminated */
    const char *sql;
};

#define EXERCISE "CASE i.exercise WHEN 1 THEN 'yes' ELSE 'no' END"
#define INCIDENT_STATE "CASE WHEN i.closed_at IS NOT NULL THEN 'closed' ELSE i.state END"

static const struct gauge gauges[] = {
    {"muster_incidents",
     "Incidents by state (active, stood_down, closed) and whether an exercise.",
     {"state", "exercise"},
     "SELECT " INCIDENT_STATE ", " EXERCISE
     ", count(*) FROM incidents i GROUP BY 1, 2 ORDER BY 1, 2"},
    {"muster_pages",
     "Pages by kind (page: an agency's activation; ask: an ask for staff; the notices' kinds) "
     "and state.",
     {"kind", "state", "exercise"},
     "SELECT CASE WHEN p.ask_id IS NOT NULL THEN 'ask' ELSE p.kind END, p.state, " EXERCISE
     ", count(*) FROM pages p JOIN incidents i"
     " ON i.id = p.incident_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"},
    {"muster_page_attempts",
     "Delivery attempts of pages by channel and state.",
     {"channel", "state", "exercise"},
     "SELECT a.channel, a.state, " EXERCISE ", count(*) FROM attempts a JOIN pages p"
     " ON p.id = a.page_id JOIN incidents i ON i.id = p.incident_id GROUP BY 1, 2, 3"
     " ORDER BY 1, 2, 3"},
    {"muster_persons",
     "Affected persons registered (merged duplicates not counted), by their incident's state.",
     {"incident_state", "exercise"},
     "SELECT " INCIDENT_STATE ", " EXERCISE ", count(*) FROM persons ps JOIN incidents i"
     " ON i.id = ps.incident_id WHERE ps.merged_into IS NULL GROUP BY 1, 2 ORDER BY 1, 2"},
    {"muster_victims_code_breaches",
     "Affected persons not referred within the Victims' Code time.",
     {"exercise"},
     "SELECT " EXERCISE ", count(*) FROM persons ps JOIN incidents i ON i.id = ps.incident_id"
     " WHERE ps.breached_at IS NOT NULL AND ps.merged_into IS NULL GROUP BY 1 ORDER BY 1"},
    {"muster_alarms_open",
     "Alarms raised and not yet cleared or resolved, by kind.",
     {"kind", "exercise"},
     "SELECT a.kind, " EXERCISE ", count(*) FROM alarms a JOIN incidents i"
     " ON i.id = a.incident_id WHERE a.state = 'open' GROUP BY 1, 2 ORDER BY 1, 2"},
};

static int write_gauge(FILE *f, struct store *st, const struct gauge *g)
{
    sqlite3_stmt *s = store_stmt(st, g->sql);
    if (!s)
        return -EINVAL;
    metrics_head(f, g->name, "gauge", g->help);
    int rc, nl = 0;
    while (g->labels[nl])
        nl++;
    while ((rc = store_step(s)) > 0) {
        fprintf(f, "%s{", g->name);
        for (int i = 0; i < nl; i++) {
            fprintf(f, "%s%s=\"", i ? "," : "", g->labels[i]);
            metrics_label_escape(f, store_col_text(s, i));
            fputc('"', f);
        }
        fprintf(f, "} %lld\n", (long long)sqlite3_column_int64(s, nl));
    }
    sqlite3_reset(s);
    return rc;
}

int metrics_render(struct muster *m, char **text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *text = NULL;
    if (!f)
        return -errno;
    write_process(f, m);
    write_requests(f, m->metrics);
    metrics_head(f, "muster_batch_size", "histogram",
                 "Requests and daemon tasks run in one batch (one transaction).");
    metrics_hist_write(f, "muster_batch_size", &m->metrics->batches);
    metrics_head(f, "muster_commit_duration_seconds", "histogram",
                 "Time from handing a batch's COMMIT to the worker thread to its completion.");
    metrics_hist_write(f, "muster_commit_duration_seconds", &m->metrics->commits);
    write_failures(f, m->metrics);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(gauges) / sizeof(gauges[0]); i++)
        rc = write_gauge(f, m->store, &gauges[i]);
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *text = buf;
    return 0;
}
