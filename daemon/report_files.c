/*
 * daemon/report_files.c - the stand-down report's files (report.h):
 * written after the stand-down and the close commit, and again from the
 * purged record after the retention purge.
 *
 * The report is read on the loop thread, in the after-commit work of the
 * batch that changed it (reading is a query like any other); rendering it
 * (Markdown, JSON, a CSV file a table) and writing the files (the
 * directory made, each file synced and renamed over the old one, the
 * directory synced: 10 to 22 ms a stand-down on the bench's machine)
 * happen on libuv's thread pool, so that Gold's and duty's requests are
 * not held meanwhile, nor by a disk that hangs (issue 19).  One
 * incident's files can be written twice in quick succession (a close just
 * after its stand-down): the jobs run one at a time, in the order they
 * were queued, so the later report is the one left.  A job holds its
 * report, which nothing else holds; the outcome is logged, and a purge's
 * rewrite recorded, back on the loop thread.  The loop does not end while
 * a job is queued, so a stopping musterd finishes writing first; a write
 * that never ends (a hung mount) holds the reports after it, and a stop,
 * until systemd's stop timeout.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "control.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "server.h"

/* Write text to dir/name through dir/name.tmp: synced, then renamed over
 * the old file.  Report files are 0600 (and their directories 0700)
 * whatever the umask: they name the incident and count the persons in it. */
static int write_file(const char *dir, const char *name, const char *text)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return -errno;
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int rc = -errno;
        close(fd);
        unlink(tmp);
        return rc;
    }
    int rc = !text || fputs(text, f) < 0 ? -EIO : 0;
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = -errno;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* The renames are durable once the directory itself is synced. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

/* Every rendering of report r into dir. */
static int report_files(json_t *r, const char *dir)
{
    char *md = report_markdown(r), *js = json_dumps(r, JSON_INDENT(2));
    int rc = write_file(dir, "report.md", md);
    if (rc == 0)
        rc = write_file(dir, "report.json", js);
    for (int i = 0; rc == 0 && report_csv_tables[i]; i++) {
        char name[48], *csv = report_csv(r, report_csv_tables[i]);
        snprintf(name, sizeof(name), "%s.csv", report_csv_tables[i]);
        rc = write_file(dir, name, csv);
        free(csv);
    }
    free(md);
    free(js);
    return rc == 0 ? sync_dir(dir) : rc;
}

/* DIR/<ref> of the incident of report r. */
static void report_dir(struct muster *m, json_t *r, char *dir, size_t len)
{
    const char *ref = json_string_value(json_object_get(json_object_get(r, "incident"), "ref"));
    snprintf(dir, len, "%s/%s", m->cfg->reports_dir, ref ? ref : "unknown");
}

void report_dir_path(struct muster *m, const char *ref, char *buf, size_t len)
{
    char cwd[4096] = "";
    const char *dir = m->cfg->reports_dir ? m->cfg->reports_dir : "var/reports";
    if (dir[0] != '/' && !getcwd(cwd, sizeof(cwd)))
        cwd[0] = 0;
    if (!strncmp(dir, "./", 2))
        dir += 2;
    snprintf(buf, len, "%s%s%s/%s", cwd, cwd[0] ? "/" : "", dir, ref);
}

/* ---- the jobs, one at a time on the thread pool ---- */

struct report_job {
    uv_work_t work;
    struct muster *m;
    json_t *report;
    int64_t incident_id;
    bool purged; /* a rewrite from the purged record: only where files are */
    int rc;
    struct report_job *next;
    char root[4096]; /* the reports directory, made 0700 if missing */
    char dir[4096];  /* root/<ref> */
};

static void job_start(struct muster *m);

/* On the thread pool: the job's report and directories, and nothing else. */
static void job_work(uv_work_t *w)
{
    struct report_job *j = w->data;
    struct stat sb;
    if (!j->purged) {
        mkdir(j->root, 0700);
        j->rc = mkdir(j->dir, 0700) != 0 && errno != EEXIST ? -errno : 0;
        if (j->rc == 0)
            j->rc = report_files(j->report, j->dir);
    } else /* an incident whose files were never written gets none now */
        j->rc = stat(j->dir, &sb) == 0 ? report_files(j->report, j->dir)
                : errno == ENOENT      ? 0
                                       : -errno;
}

/* The files are rewritten: record it, so the next start leaves them be. */
static int purge_done_task(struct muster *m, struct outbox *ob, void *arg)
{
    (void)ob;
    int rc = incident_set_reports_purged(m->store, (int64_t)(intptr_t)arg, server_now(m));
    if (rc != 0)
        log_error("report: rewrite of purged report %lld not recorded: %s",
                  (long long)(intptr_t)arg, strerror(-rc));
    return rc;
}

/* Back on the loop thread: say how it went, record a purge's rewrite,
 * and start the next job. */
static void job_done(uv_work_t *w, int status)
{
    struct report_job *j = w->data;
    struct muster *m = j->m;
    int rc = status < 0 ? status : j->rc;
    if (!j->purged && rc == 0)
        log_info("report: %s written", j->dir);
    else if (!j->purged)
        log_error("report: cannot write %s: %s", j->dir, strerror(-rc));
    else if (rc != 0)
        log_error("report: cannot rewrite %s without personal data: %s", j->dir, strerror(-rc));
    else {
        log_info("report: %s rewritten from the purged record", j->dir);
        if (!m->control ||
            control_task(m->control, purge_done_task, NULL, (void *)(intptr_t)j->incident_id) != 0)
            log_error("report: rewrite of %s not recorded: done again at the next start", j->dir);
    }
    m->report_jobs = j->next;
    if (!m->report_jobs)
        m->report_jobs_tail = NULL;
    json_decref(j->report);
    free(j);
    m->report_writing = false;
    job_start(m);
}

static void job_start(struct muster *m)
{
    struct report_job *j = m->report_jobs;
    if (m->report_writing || !j)
        return;
    j->work.data = j;
    int rc = uv_queue_work(m->loop, &j->work, job_work, job_done);
    if (rc == 0) {
        m->report_writing = true;
        return;
    }
    j->rc = rc; /* never in libuv as it is: reported as the job's failure */
    job_done(&j->work, 0);
}

/* Read incident_id's report now and queue its files.  purged: rewrite
 * them from the purged record, only where files are. */
static void report_queue(struct muster *m, int64_t incident_id, bool purged)
{
    json_t *r = NULL;
    int rc = report_build(m, incident_id, &r);
    struct report_job *j = rc == 0 ? calloc(1, sizeof(*j)) : NULL;
    if (!j) {
        char dir[4096];
        report_dir(m, r, dir, sizeof(dir));
        log_error("report: cannot %s %s: %s", purged ? "rewrite" : "write", dir,
                  strerror(rc ? -rc : ENOMEM));
        json_decref(r);
        return;
    }
    *j = (struct report_job){.m = m, .report = r, .incident_id = incident_id, .purged = purged};
    snprintf(j->root, sizeof(j->root), "%s", m->cfg->reports_dir);
    report_dir(m, r, j->dir, sizeof(j->dir));
    if (m->report_jobs_tail)
        m->report_jobs_tail->next = j;
    else
        m->report_jobs = j;
    m->report_jobs_tail = j;
    job_start(m);
}

static void report_write(struct muster *m, void *arg)
{
    report_queue(m, (int64_t)(intptr_t)arg, false);
}

int report_after_commit(struct muster *m, struct outbox *ob, int64_t incident_id)
{
    return outbox_action(ob, report_write, NULL, (void *)(intptr_t)incident_id);
}

/* ---- rewritten after the retention purge ---- */

/*
 * The files of an incident whose personal data was purged are made again
 * from the purged record: the counts and the timeline stay, the notes are
 * gone.  An incident whose files were never written gets none now.  Only
 * once every file is renamed and synced is the rewrite recorded (in the
 * next batch); until then every start does it again.
 */
static void report_purge_files(struct muster *m, void *arg)
{
    report_queue(m, (int64_t)(intptr_t)arg, true);
}

int report_purge_after_commit(struct muster *m, struct outbox *ob, int64_t incident_id)
{
    return outbox_action(ob, report_purge_files, NULL, (void *)(intptr_t)incident_id);
}

void report_purge_pending(struct muster *m)
{
    int64_t ids[64], after = 0;
    size_t n;
    do { /* in pages: the statement is reset before any file is written */
        int rc = incident_reports_unpurged(m->store, after, ids, 64, &n);
        if (rc < 0) { /* not recorded as rewritten: the next start tries again */
            log_error("report: purged reports to rewrite cannot be read: %s", strerror(-rc));
            return;
        }
        for (size_t i = 0; i < n; i++)
            report_purge_files(m, (void *)(intptr_t)ids[i]);
        after = n ? ids[n - 1] : after;
    } while (n == 64);
}
