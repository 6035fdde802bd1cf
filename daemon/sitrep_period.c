/*
 * daemon/sitrep_period.c - periodic EDXL-SitReps (sitrep_period.h).
 *
 * Period k of an incident (k = 1, 2, ...) ends at standup + k * every.
 * Each tick runs in a batch: for every active incident with a sitrep
 * section it works out the last period that has ended and sends that
 * period's SitRep as a notice of kind "sitrep" with ref_id k.  A notice
 * is made once per (incident, ladder, kind, ref_id) (paging_notice), in
 * the same transaction as nothing else, so a tick repeated after a crash
 * or a restart sends nothing twice; and since only the last period ended
 * is sent, a musterd that was down over several periods sends one
 * catch-up, numbered for the period it is in, not a burst.  Nothing is
 * stored besides the notices themselves: no schema change.  The timer is
 * then armed for the nearest end of a period; stand-down ends it (only
 * active incidents are looked at).
 */
#include "sitrep_period.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "control.h"
#include "edxl_sitrep.h"
#include "frozen.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "plan.h"
#include "server.h"
#include "sitrep.h"
#include "store.h"

struct sitrep_period {
    struct muster *m;
    uv_timer_t timer;
};

static const char SQL_ACTIVE[] =
    "SELECT id, ref, created_at FROM incidents WHERE state = 'active' ORDER BY id";

/* The notice of period st->number of incident id to ladder `to`. */
static int send_one(struct muster *m, struct outbox *ob, int64_t id, const char *ref,
                    const char *to, const struct sitrep_stamp *st, const char *xml, int64_t now)
{
    char subject[128], text[256];
    snprintf(subject, sizeof(subject), "SITREP %d: %s", st->number, ref);
    snprintf(text, sizeof(text),
             "Situation report %d of %s (EDXL-SitRep 1.0, counts only).\n"
             "The document is the notice's \"sitrep\" member.",
             st->number, ref);
    json_t *facts = json_pack("{s:s, s:i, s:s}", "format", "EDXL-SitRep 1.0", "report_number",
                              st->number, "sitrep", xml);
    struct paging_notice n = {.incident_id = id,
                              .agency = to,
                              .kind = "sitrep",
                              .ref_id = st->number,
                              .subject = subject,
                              .text = text,
                              .facts = facts};
    int rc = facts ? paging_notice(m, ob, &n, now) : -ENOMEM;
    json_decref(facts);
    return rc == -ENOENT ? 0 : rc; /* a ladder the amended plan no longer has */
}

/* What incident id owes now; *next set to the end of its current period. */
static int incident_tick(struct muster *m, struct outbox *ob, int64_t id, const char *ref,
                         int64_t created, int64_t now, int64_t *next)
{
    const struct plan *plan = frozen_plan(m, id);
    const struct plan_sitrep *sr = plan ? &plan->sitrep : NULL;
    if (!sr || sr->every_ms <= 0 || sr->nto == 0)
        return 0;
    int64_t k = now > created ? (now - created) / sr->every_ms : 0;
    *next = created + (k + 1) * sr->every_ms;
    if (k < 1)
        return 0;
    struct sitrep_stamp st = {.number = (int)k,
                              .from = created + (k - 1) * sr->every_ms,
                              .to = created + k * sr->every_ms,
                              .next = *next};
    char *xml = NULL;
    int rc = sitrep_document(m, id, &st, &xml);
    for (size_t i = 0; rc == 0 && i < sr->nto; i++)
        rc = send_one(m, ob, id, ref, sr->to[i], &st, xml, now);
    free(xml);
    return rc;
}

static void on_timer(uv_timer_t *t);

static int tick_task(struct muster *m, struct outbox *ob, void *arg)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_ACTIVE);
    int64_t now = server_now(m), soonest = 0;
    int rc;
    if (!s)
        return -EINVAL;
    struct row {
        int64_t id, created;
        char ref[40];
    } rows[64];
    size_t n = 0;
    while ((rc = store_step(s)) > 0 && n < 64) {
        rows[n].id = sqlite3_column_int64(s, 0);
        snprintf(rows[n].ref, sizeof(rows[n].ref), "%s", store_col_text(s, 1));
        rows[n++].created = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        int64_t next = 0;
        rc = incident_tick(m, ob, rows[i].id, rows[i].ref, rows[i].created, now, &next);
        if (next && (!soonest || next < soonest))
            soonest = next;
    }
    if (rc < 0)
        log_error("sitrep: periodic SitReps not sent: %s", strerror(-rc));
    struct sitrep_period *p = m->sitrep_period;
    if (p && soonest)
        uv_timer_start(&p->timer, on_timer, (uint64_t)(soonest > now ? soonest - now : 0), 0);
    return rc < 0 ? rc : 0;
}

static void on_timer(uv_timer_t *t)
{
    struct sitrep_period *p = t->data;
    if (p->m->control && control_task(p->m->control, tick_task, NULL, NULL) != 0)
        uv_timer_start(&p->timer, on_timer, 1000, 0); /* the queue is full: soon again */
}

static void check_now(struct muster *m, void *arg)
{
    if (m->sitrep_period)
        on_timer(&m->sitrep_period->timer);
}

int sitrep_period_after_commit(struct muster *m, struct outbox *ob)
{
    return m->sitrep_period ? outbox_action(ob, check_now, NULL, NULL) : 0;
}

int sitrep_period_open(struct muster *m, struct sitrep_period **out)
{
    struct sitrep_period *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    uv_timer_init(m->loop, &p->timer);
    p->timer.data = p;
    *out = p;
    on_timer(&p->timer); /* a period that ended while musterd was down */
    return 0;
}

void sitrep_period_close(struct sitrep_period *p)
{
    if (!p)
        return;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, NULL);
}

void sitrep_period_free(struct sitrep_period *p)
{
    free(p);
}
