/*
 * daemon/report.h - the stand-down report of an incident: timeline of key
 * events, each agency's time to acknowledge, staffing coverage per shift,
 * persons by category, pathway and outcome, deadline breaches.  Built from
 * the database alone, as JSON, Markdown and CSV tables; written to the
 * reports directory when Gold stands down, and on demand (report.show, in
 * report_cmd.c).  An exercise's report says so at the top of every format.
 */
#ifndef MUSTER_REPORT_H
#define MUSTER_REPORT_H

#include <stdint.h>

#include <jansson.h>

struct muster;
struct outbox;

/* The report as JSON: *out is a new reference.  Returns 0, -ENOENT for
 * no such incident, or -errno when the store could not be read (then
 * *out is NULL: never a report with rows missing). */
int report_build(struct muster *m, int64_t incident_id, json_t **out);

/* The parts of report r (being built for incident_id) that need the
 * frozen plan, the anchor file or arithmetic (report_detail.c): agency
 * names, channels, actions, the safeguarding's urgent_screenings,
 * victims_code, audit_head.  Returns 0 or -errno (a read failed). */
int report_detail(struct muster *m, int64_t incident_id, json_t *r);

/* The Markdown rendering (malloc'd). */
char *report_markdown(json_t *report);

/* The names of the CSV tables (report_csv.c), NULL-terminated. */
extern const char *const report_csv_tables[];

/* One CSV table of the report (malloc'd), a header line and one line a
 * row, every time ISO 8601 with its offset; NULL for an unknown table. */
char *report_csv(json_t *report, const char *table);

/* Where the files of incident ref are written (report_files.c):
 * DIR/<ref> as an absolute path (a relative --reports is taken from
 * musterd's working directory), for the stand-down's reply. */
void report_dir_path(struct muster *m, const char *ref, char *buf, size_t len);

/* After the stand-down commits, read the report and write
 * DIR/<ref>/report.{md,json} and the CSV tables, on libuv's thread pool,
 * after every report queued before (report_files.c).  Returns 0 or -errno
 * (when it cannot queue the action). */
int report_after_commit(struct muster *m, struct outbox *ob, int64_t incident_id);

/* After the retention purge of the incident commits, rewrite its files (if
 * it has any) from the purged record, then record that in the next batch
 * (incidents.reports_purged_at).  Returns 0 or -errno (when it cannot
 * queue the action). */
int report_purge_after_commit(struct muster *m, struct outbox *ob, int64_t incident_id);

/* At start, outside any transaction: queue the rewrite of the files of
 * every purged incident whose rewrite was never recorded (a crash came
 * between); each is recorded once written. */
void report_purge_pending(struct muster *m);

#endif
