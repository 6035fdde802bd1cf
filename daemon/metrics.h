/*
 * daemon/metrics.h - musterd's own figures for Prometheus (metrics.show,
 * muster metrics, musterd --metrics; docs/operations.md#metrics).
 *
 * Counters and histograms live in memory and are changed only on the loop
 * thread, each by an increment: requests by command and outcome, the size
 * of each batch, the latency of each commit, delivery failures by channel.
 * What the store already knows (pages, attempts, persons, breaches, open
 * alarms, incidents) is counted at scrape time by metrics_render, which
 * reads the store and so runs inside a batch like any request.  Nothing
 * rendered names a person: labels are command names, error codes, states,
 * channels, alarm kinds and whether a figure is an exercise's.
 */
#ifndef MUSTER_METRICS_H
#define MUSTER_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct muster;
struct metrics;

/* Create the counters (all zero; start time now).  0 or -errno; *out is
 * the caller's, for metrics_free. */
int metrics_open(struct muster *m, struct metrics **out);
void metrics_free(struct metrics *mx);

/* One request answered: cmd is the command's index in dispatch_table, or
 * any index out of its range for a command that does not exist; code is
 * the error code of its reply (an ERR_* string), or NULL when it
 * succeeded.  Only a few strcmp when it failed. */
void metrics_request(struct metrics *mx, size_t cmd, const char *code);

/* One batch ran with n requests and tasks. */
void metrics_batch(struct metrics *mx, size_t n);

/* One commit took ns nanoseconds (from hand-off to its callback). */
void metrics_commit(struct metrics *mx, uint64_t ns);

/* A delivery failed on channel ("exec", "webhook", ...: the plan's
 * channel names, never a target). */
void metrics_delivery_failed(struct metrics *mx, const char *channel);

/*
 * The exposition of every metric, Prometheus text format 0.0.4, in *text
 * (malloc'd, the caller's).  Reads the store: call it inside a batch (a
 * command's handler or a control task).  0 or -errno (a failed read of the
 * store; *text is then NULL).
 */
int metrics_render(struct muster *m, char **text);

/* ---- the text format (metrics_text.c), shared with the unit test ---- */

/* Write s to f escaped as a label value: backslash, double quote and
 * newline as \\, \" and \n. */
void metrics_label_escape(FILE *f, const char *s);

/* A histogram: bounds[0..n-1] ascending upper bounds ("le"), counts[i] the
 * observations in bucket i alone (counts[n]: above the last bound). */
struct metrics_hist {
    const double *bounds;
    size_t n;
    uint64_t *counts;
    double sum;
};

/* Put v in its bucket. */
void metrics_hist_observe(struct metrics_hist *h, double v);

/* HELP and TYPE lines of a metric. */
void metrics_head(FILE *f, const char *name, const char *type, const char *help);

/* The cumulative _bucket lines (le ... and +Inf), _sum and _count of h. */
void metrics_hist_write(FILE *f, const char *name, const struct metrics_hist *h);

#endif
