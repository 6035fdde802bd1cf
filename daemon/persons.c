/*
 * daemon/persons.c - routing affected persons into pathways, waitlists,
 * and the Victims' Code deadlines (see persons.h).  The commands are in
 * persons_cmd.c.
 *
 * A person has at most one open referral: referred (holding one of the
 * pathway's places), waitlisted (the pathway is full) or held for consent.
 * Routing is decided again whenever what it depends on changes
 * (registration, screening, consent, unmerge); a referral it replaces is
 * closed, and a place freed goes to the oldest waitlisted person.
 *
 * Deadlines live in the persons and rescreens tables; one timer is armed
 * for the earliest, so a restart keeps every pending deadline.
 */
#include "persons.h"
#include "persons_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "alarm.h"
#include "board.h"
#include "control.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "persons_int.h"
#include "plan.h"
#include "report.h"
#include "routing.h"
#include "server.h"
#include "store.h"
#include "workdays.h"

struct persons {
    struct muster *m;
    uv_timer_t timer;
    bool check_queued;
};

/* ---- facts ---- */

struct facts {
    int64_t incident_id;
    char ref[64];
    char category[16], language[8], home_area[64], consent[16];
    struct route_person rp;
    bool merged, interpreter, deceased;
    bool retention; /* refused, declined, or due to be purged: the mark may move */
};

static const char SQL_FACTS[] =
    "SELECT p.incident_id, i.ref, p.category, p.age, p.vulnerabilities, p.language,"
    " p.home_area, p.screen_positive, p.urgent, p.consent, p.merged_into, p.interpreter,"
    " p.age_band, p.guardian IS NOT NULL, p.status = 'deceased', p.purged = 0 AND"
    " (p.consent = 'refused' OR p.contact_state = 'declined' OR p.purge_due_at IS NOT NULL)"
    " FROM persons p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.id = ?1";

static void copy_col(sqlite3_stmt *s, int i, char *buf, size_t len)
{
    snprintf(buf, len, "%s", store_col_text(s, i) ? store_col_text(s, i) : "");
}

/* Without an age, the age band's lowest and highest ages (column i). */
static void facts_age(sqlite3_stmt *s, int i, struct route_person *rp)
{
    int lo, hi;
    if (rp->age < 0 && routing_band_range(store_col_text(s, i), &lo, &hi) == 0) {
        rp->age = lo;
        rp->age_hi = hi;
    }
}

static int facts_load(struct muster *m, int64_t id, struct facts *f)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_FACTS);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        f->incident_id = sqlite3_column_int64(s, 0);
        copy_col(s, 1, f->ref, sizeof(f->ref));
        copy_col(s, 2, f->category, sizeof(f->category));
        copy_col(s, 5, f->language, sizeof(f->language));
        copy_col(s, 6, f->home_area, sizeof(f->home_area));
        copy_col(s, 9, f->consent, sizeof(f->consent));
        f->rp = (struct route_person){
            (unsigned)plan_category_from_name(f->category),
            sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3),
            (unsigned)sqlite3_column_int(s, 4),
            f->language[0] ? f->language : NULL,
            f->home_area[0] ? f->home_area : NULL,
            sqlite3_column_int(s, 7),
            sqlite3_column_int(s, 8) != 0,
            f->consent,
            -1,
            false};
        f->merged = sqlite3_column_type(s, 10) != SQLITE_NULL;
        f->interpreter = sqlite3_column_int(s, 11) != 0;
        facts_age(s, 12, &f->rp);
        f->rp.guardian = sqlite3_column_int(s, 13) != 0;
        f->deceased = sqlite3_column_int(s, 14) != 0;
        f->retention = sqlite3_column_int(s, 15) != 0;
    }
    sqlite3_reset(s);
    return rc > 0 ? 0 : rc == 0 ? -ENOENT : rc;
}

/* ---- occupancy and referrals ---- */

/* A provider's pathway is one pool of places across incidents: the
 * referrals to the same provider agency and pathway id in the incident ?1
 * and every other active incident of the same kind (live incidents share
 * the live places; exercises share theirs and never take a live one). */
#define POOL_INCIDENTS                                                                             \
    " FROM referrals r JOIN incidents i ON i.id = r.incident_id WHERE r.provider = ?2"             \
    " AND r.pathway = ?3 AND (i.id = ?1 OR i.state = 'active')"                                    \
    " AND i.exercise = (SELECT exercise FROM incidents WHERE id = ?1)"
/* The places taken in the pool: from referral_places (kept by triggers on
 * referrals, migration 24), a few counters, never the referrals counted. */
static const char SQL_OCCUPIED[] =
    "SELECT COALESCE(SUM(c.referred), 0) FROM referral_places c"
    " JOIN incidents i ON i.id = c.incident_id WHERE c.provider = ?2 AND c.pathway = ?3"
    " AND (i.id = ?1 OR i.state = 'active')"
    " AND i.exercise = (SELECT exercise FROM incidents WHERE id = ?1)";
static const char SQL_OPEN_REFERRAL[] =
    "SELECT id, pathway, state FROM referrals WHERE person_id = ?1"
    " AND state IN ('referred', 'waitlisted', 'held_consent', 'held_urgent')";
static const char SQL_REFERRAL_ADD[] =
    "INSERT INTO referrals (person_id, incident_id, pathway, provider, state, reason, home_area,"
    " created_at, updated_at, given_at, handoff) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8,"
    " CASE WHEN ?5 = 'held_consent' THEN NULL ELSE ?8 END, ?9)";
static const char SQL_REFERRAL_CLOSE[] =
    "UPDATE referrals SET state = 'closed', reason = ?2, updated_at = ?3 WHERE id = ?1";
static const char SQL_REFERRED_AT[] =
    "UPDATE persons SET referred_at = ?2 WHERE id = ?1 AND referred_at IS NULL";
static const char SQL_WAITLIST_HEAD[] =
    "SELECT r.id, r.person_id, r.incident_id, i.ref, r.state" POOL_INCIDENTS
    " AND r.state IN ('held_urgent', 'waitlisted') ORDER BY r.state = 'waitlisted', r.id LIMIT 1";
static const char SQL_PROMOTE[] =
    "UPDATE referrals SET state = 'referred', updated_at = ?2 WHERE id = ?1";

/* Bind the pool of pathway pw seen from incident_id to s (?1 to ?3). */
static void pool_bind(sqlite3_stmt *s, int64_t incident_id, const struct plan_pathway *pw)
{
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, pw->provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, pw->id, -1, SQLITE_STATIC);
}

/* Places taken in each pathway with a capacity, in its pool across
 * incidents (unlimited pathways are never full, so they are not counted:
 * registration stays cheap however many persons an incident has). */
static int occupancy(struct muster *m, const struct plan_persons *pp, int64_t incident_id,
                     int *occupied)
{
    for (size_t i = 0; i < pp->npathways; i++) {
        occupied[i] = 0;
        if (pp->pathways[i].capacity == 0)
            continue;
        sqlite3_stmt *s = store_stmt(m->store, SQL_OCCUPIED);
        if (!s)
            return -EINVAL;
        pool_bind(s, incident_id, &pp->pathways[i]);
        int rc = store_step(s);
        if (rc > 0)
            occupied[i] = sqlite3_column_int(s, 0);
        sqlite3_reset(s);
        if (rc < 0)
            return rc;
    }
    return 0;
}

struct open_referral {
    int64_t id;
    char pathway[48], state[16];
};

static int open_referral(struct muster *m, int64_t person_id, struct open_referral *r)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_OPEN_REFERRAL);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person_id);
    int rc = store_step(s);
    r->id = 0;
    if (rc > 0) {
        r->id = sqlite3_column_int64(s, 0);
        copy_col(s, 1, r->pathway, sizeof(r->pathway));
        copy_col(s, 2, r->state, sizeof(r->state));
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

static int exec_id_text_time(struct muster *m, const char *sql, int64_t id, const char *text,
                             int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    if (text)
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(s, 2, now);
    if (text)
        sqlite3_bind_int64(s, 3, now);
    return store_exec_stmt(s);
}

static int referral_event(struct muster *m, struct outbox *ob, const struct facts *f,
                          int64_t person_id, const char *kind, const char *pathway,
                          const char *state, int64_t now)
{
    struct jtext t = {0}; /* {"person", "pathway", "state"}, one or more a registration */
    jtext_kint(&t, "person", person_id);
    jtext_kstr(&t, "pathway", pathway);
    jtext_kstr(&t, "state", state);
    jtext_put(&t, "}", 1);
    return outbox_event_text(m, ob, f->incident_id, f->ref, kind, jtext_take(&t), now);
}

/* pathway/<id>/<state> += delta on the board (state is an open one:
 * referred, waitlisted or held_consent), and referrals/open with it. */
static int pathway_count(struct muster *m, struct outbox *ob, int64_t incident_id,
                         const char *pathway, const char *state, int delta)
{
    char key[128];
    snprintf(key, sizeof(key), "pathway/%s/%s", pathway, state);
    return board_add2(m, ob, incident_id, key, "referrals/open", delta);
}

/* The agency a referral on pathway pw goes to: for an out-of-area
 * pathway, the neighbouring hub serving the person's home area (a
 * handoff), else the pathway's provider. */
static const char *referral_provider(const struct plan *plan, const struct plan_pathway *pw,
                                     const char *home_area, bool *handoff)
{
    const char *hub = pw->out_of_area ? plan_neighbour_hub(&plan->persons, home_area) : NULL;
    *handoff = hub != NULL;
    return hub ? hub : pw->provider;
}

/* Tell of referral rid (of person_id, whose facts are f, on pathway pw)
 * in state. */
static int news(struct muster *m, struct outbox *ob, const struct facts *f, int64_t person_id,
                int64_t rid, const struct plan_pathway *pw, const char *state, int64_t now)
{
    const struct plan *plan = frozen_plan(m, f->incident_id);
    if (!plan)
        return -ENOENT;
    struct referral_news n = {.incident_id = f->incident_id,
                              .person_id = person_id,
                              .referral_id = rid,
                              .ref = f->ref,
                              .state = state,
                              .category = f->category,
                              .language = f->language,
                              .home_area = pw->out_of_area ? f->home_area : "",
                              .urgent = f->rp.urgent,
                              .interpreter = f->interpreter,
                              .pathway = pw};
    n.provider = referral_provider(plan, pw, f->home_area, &n.handoff);
    return persons_referral_news(m, ob, plan, &n, now);
}

/* A promotion is another person's: their facts are read first. */
static int promoted_news(struct muster *m, struct outbox *ob, int64_t person_id, int64_t rid,
                         const struct plan_pathway *pw, int64_t now)
{
    struct facts f;
    int rc = facts_load(m, person_id, &f);
    return rc ? rc : news(m, ob, &f, person_id, rid, pw, "promoted", now);
}

/* Give freed places of pathway pw to the urgent persons held on it, then
 * to the oldest waitlisted persons of its pool, whichever incident of the
 * pool they belong to (their incident's board and feed show the
 * promotion).  f: the incident freeing them. */
static int promote(struct muster *m, struct outbox *ob, const struct facts *f,
                   const struct plan_pathway *pw, int occupied, int64_t now)
{
    int rc = 0;
    while (rc == 0 && (pw->capacity == 0 || occupied < pw->capacity)) {
        sqlite3_stmt *s = store_stmt(m->store, SQL_WAITLIST_HEAD);
        if (!s)
            return -EINVAL;
        pool_bind(s, f->incident_id, pw);
        struct facts of = {0};
        int found = store_step(s);
        int64_t rid = found > 0 ? sqlite3_column_int64(s, 0) : 0;
        int64_t person = found > 0 ? sqlite3_column_int64(s, 1) : 0;
        char was[16] = "";
        if (found > 0) {
            of.incident_id = sqlite3_column_int64(s, 2);
            copy_col(s, 3, of.ref, sizeof(of.ref));
            copy_col(s, 4, was, sizeof(was));
        }
        sqlite3_reset(s);
        if (found <= 0)
            return found;
        rc = exec_id_text_time(m, SQL_PROMOTE, rid, NULL, now);
        if (rc == 0)
            rc = pathway_count(m, ob, of.incident_id, pw->id, was, -1);
        if (rc == 0)
            rc = pathway_count(m, ob, of.incident_id, pw->id, "referred", 1);
        if (rc == 0)
            rc = referral_event(m, ob, &of, person, "person.promoted", pw->id, "referred", now);
        if (rc == 0)
            rc = promoted_news(m, ob, person, rid, pw, now);
        occupied++;
    }
    return rc;
}

static const char *const action_state[] = {"referred", "waitlisted", "held_consent",
                                           NULL,       NULL,         "held_urgent"};

static int referral_insert(struct muster *m, struct outbox *ob, int64_t person_id,
                           const struct facts *f, const struct plan_pathway *pw, const char *state,
                           int rule, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_REFERRAL_ADD);
    if (!s)
        return -EINVAL;
    char reason[32];
    snprintf(reason, sizeof(reason), "rule %d", rule + 1);
    sqlite3_bind_int64(s, 1, person_id);
    sqlite3_bind_int64(s, 2, f->incident_id);
    sqlite3_bind_text(s, 3, pw->id, -1, SQLITE_STATIC);
    const struct plan *plan = frozen_plan(m, f->incident_id);
    bool handoff = false;
    if (!plan)
        return -ENOENT;
    sqlite3_bind_text(s, 4, referral_provider(plan, pw, f->home_area, &handoff), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 9, handoff);
    sqlite3_bind_text(s, 5, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, reason, -1, SQLITE_TRANSIENT);
    if (pw->out_of_area && f->home_area[0])
        sqlite3_bind_text(s, 7, f->home_area, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, now);
    int rc = store_exec_stmt(s);
    int64_t rid = rc == 0 ? sqlite3_last_insert_rowid(sqlite3_db_handle(s)) : 0;
    if (rc == 0 && strcmp(state, "held_consent") && strcmp(state, "held_urgent"))
        rc = exec_id_text_time(m, SQL_REFERRED_AT, person_id, NULL, now);
    if (rc == 0)
        rc = pathway_count(m, ob, f->incident_id, pw->id, state, 1);
    if (rc == 0 && (!strcmp(state, "referred") || !strcmp(state, "held_urgent")))
        rc = news(m, ob, f, person_id, rid, pw, state, now); /* nothing it reads has changed */
    return rc;
}

/* Close the open referral cur; returns the index of the pathway whose
 * place it freed, or -1. */
static int referral_replace(struct muster *m, struct outbox *ob, const struct facts *f,
                            int64_t person_id, const struct open_referral *cur, const char *reason,
                            const struct plan_persons *pp, int64_t now)
{
    if (exec_id_text_time(m, SQL_REFERRAL_CLOSE, cur->id, reason, now) != 0 ||
        pathway_count(m, ob, f->incident_id, cur->pathway, cur->state, -1) != 0 ||
        persons_referral_ended(m, ob, cur->id, reason, now) != 0)
        return -2;
    referral_event(m, ob, f, person_id, "person.referral_closed", cur->pathway, reason, now);
    return strcmp(cur->state, "referred") ? -1 : plan_pathway_index(pp, cur->pathway);
}

static int route_apply(struct muster *m, struct outbox *ob, int64_t person_id,
                       const struct facts *f, const struct plan_persons *pp, int64_t now)
{
    int occupied[128]; /* a plan has at most 100 pathways */
    struct open_referral cur;
    int rc = occupancy(m, pp, f->incident_id, occupied);
    if (rc == 0)
        rc = open_referral(m, person_id, &cur);
    if (rc != 0)
        return rc;
    int held = cur.id && !strcmp(cur.state, "referred") ? plan_pathway_index(pp, cur.pathway) : -1;
    if (held >= 0)
        occupied[held]--; /* the person's own place does not count against them */
    struct route_decision d;
    routing_decide(pp, &f->rp, occupied, &d);
    const char *state = action_state[d.action];
    const char *pathway = d.pathway >= 0 ? pp->pathways[d.pathway].id : NULL;
    if (cur.id && pathway && !strcmp(cur.pathway, pathway) && state && !strcmp(cur.state, state))
        return 0; /* unchanged */
    int freed = cur.id ? referral_replace(m, ob, f, person_id, &cur, "rerouted", pp, now) : -1;
    if (freed == -2)
        return -EIO;
    if (state && (rc = referral_insert(m, ob, person_id, f, &pp->pathways[d.pathway], state, d.rule,
                                       now)) != 0)
        return rc;
    rc = referral_event(m, ob, f, person_id, "person.routed", pathway ? pathway : "none",
                        state ? state : routing_action_name(d.action), now);
    if (rc == 0 && freed >= 0)
        rc = promote(m, ob, f, &pp->pathways[freed], occupied[freed], now);
    return rc;
}

static int route(struct muster *m, struct outbox *ob, int64_t person_id, const struct facts *f,
                 int64_t now)
{
    const struct plan *plan = frozen_plan(m, f->incident_id);
    if (!plan || plan->persons.npathways == 0)
        return 0; /* a plan without pathways registers persons but routes none */
    if (f->merged)
        return persons_referral_close(m, ob, person_id, "merged", now);
    if (f->deceased) /* never referred */
        return persons_referral_close(m, ob, person_id, "deceased", now);
    return route_apply(m, ob, person_id, f, &plan->persons, now);
}

int persons_route(struct muster *m, struct outbox *ob, int64_t person_id, int64_t now)
{
    struct facts f;
    int rc = facts_load(m, person_id, &f);
    if (rc == 0 && !strcmp(f.category, PERSONS_SELF_REFERRED))
        return 0; /* an unverified self-registration: routed once verified (person.verify) */
    if (rc == 0)
        rc = route(m, ob, person_id, &f, now);
    return rc ? rc : persons_retention_mark(m, ob, person_id, f.incident_id, !f.retention, now);
}

int persons_referral_close(struct muster *m, struct outbox *ob, int64_t person_id,
                           const char *reason, int64_t now)
{
    struct facts f;
    struct open_referral cur;
    int rc = facts_load(m, person_id, &f);
    if (rc == 0)
        rc = open_referral(m, person_id, &cur);
    if (rc != 0 || !cur.id)
        return rc;
    const struct plan *plan = frozen_plan(m, f.incident_id);
    if (!plan)
        return -ENOENT;
    const struct plan_persons *pp = &plan->persons;
    int freed = referral_replace(m, ob, &f, person_id, &cur, reason, pp, now);
    if (freed == -2)
        return -EIO;
    if (freed < 0)
        return 0;
    int occupied[128]; /* a plan has at most 100 pathways */
    rc = occupancy(m, pp, f.incident_id, occupied);
    return rc ? rc : promote(m, ob, &f, &pp->pathways[freed], occupied[freed], now);
}

/* ---- corrections ---- */

static const char SQL_CORRECTION_ADD[] =
    "INSERT INTO corrections (person_id, at, by, fields, old) VALUES (?1, ?2, ?3, ?4, ?5)";

int persons_correction_add(struct muster *m, int64_t person, int64_t now, const char *by,
                           json_t *fields, json_t *old, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_CORRECTION_ADD);
    char *f = jtext_dump(fields, false), *o = jtext_dump(old, false);
    int rc = -EINVAL;
    if (s && f && o) {
        sqlite3_bind_int64(s, 1, person);
        sqlite3_bind_int64(s, 2, now);
        sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, f, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, o, -1, SQLITE_STATIC);
        rc = store_exec_stmt(s);
        *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    }
    free(f);
    free(o);
    return rc;
}

/* ---- deadlines ---- */

int64_t persons_referral_due(const struct plan_persons *pp, int64_t now)
{
    struct workdays w = {pp->working_weekdays, (const char *const *)pp->bank_holidays,
                         pp->nbank_holidays};
    return workdays_deadline(&w, now, pp->referral_working_days);
}

static const char SQL_BREACH[] =
    "UPDATE persons SET breached_at = ?1 WHERE referred_at IS NULL AND breached_at IS NULL"
    " AND merged_into IS NULL AND referral_due_at <= ?1 AND consent <> 'refused'"
    " AND status <> 'deceased' AND purged = 0"
    " AND +incident_id IN (SELECT id FROM incidents WHERE closed_at IS NULL)"
    " RETURNING id, incident_id, (SELECT ref FROM incidents WHERE id = incident_id),"
    " referral_due_at";
static const char SQL_NEXT_DEADLINE[] =
    "SELECT MIN(t) FROM (SELECT MIN(referral_due_at) AS t FROM persons WHERE referred_at IS NULL"
    " AND breached_at IS NULL AND merged_into IS NULL AND consent <> 'refused'"
    " AND status <> 'deceased' AND purged = 0 AND +incident_id IN (SELECT id FROM incidents WHERE "
    "closed_at IS "
    "NULL) UNION ALL"
    " SELECT MIN(due_at) FROM rescreens WHERE state = 'pending' UNION ALL"
    " SELECT MIN(overdue_at) FROM rescreens WHERE state = 'due' UNION ALL"
    " SELECT MIN(closed_at + retention_days * 86400000)"
    " FROM incidents WHERE closed_at IS NOT NULL AND purged_at IS NULL UNION ALL"
    " SELECT MIN(purge_due_at) FROM persons WHERE purge_due_at IS NOT NULL AND purged = 0)";

struct due_event {
    int64_t incident_id, person_id, at;
    char ref[64];
};

/* A Victims' Code breach is an alarm for Gold and the duty manager: one
 * open alarm per incident (its cause "victims_code_breach"), naming the
 * first person; breaches while it is open are counted on the board. */
static int breach_alarm(struct muster *m, struct outbox *ob, const struct due_event *e, int64_t now)
{
    char detail[160];
    snprintf(detail, sizeof(detail),
             "Victims' Code breach: person %lld not referred in time (more on the board's "
             "breaches)",
             (long long)e->person_id);
    struct alarm_new a = {.incident_id = e->incident_id,
                          .ref = e->ref,
                          .kind = "victims_code_breach",
                          .person_id = e->person_id,
                          .detail = detail,
                          .cause = "victims_code_breach"};
    return alarm_raise(m, ob, &a, now, NULL);
}

/* Persons past the referral deadline (SQL_BREACH, ?1 = now): each a
 * person.breach event and one more on the board's breaches. */
static int breach_events(struct muster *m, struct outbox *ob, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_BREACH);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, now);
    struct due_event ev[256];
    size_t n = 0;
    int rc = 0;
    while (n < 256 && (rc = store_step(s)) > 0) {
        struct due_event *e = &ev[n++];
        e->person_id = sqlite3_column_int64(s, 0);
        e->incident_id = sqlite3_column_int64(s, 1);
        copy_col(s, 2, e->ref, sizeof(e->ref));
        e->at = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct due_event *e = &ev[i];
        log_warnx("persons: %s: person %lld not referred within the Victims' Code time", e->ref,
                  (long long)e->person_id);
        rc = breach_alarm(m, ob, e, now);
        if (rc == 0)
            rc = board_add(m, ob, e->incident_id, "breaches", 1);
        if (rc == 0)
            rc = outbox_event(m, ob, e->incident_id, e->ref, "person.breach",
                              json_pack("{s:I, s:I}", "person", (json_int_t)e->person_id, "due_at",
                                        (json_int_t)e->at),
                              now);
    }
    return rc;
}

static int check_task(struct muster *m, struct outbox *ob, void *arg);

static void on_timer(uv_timer_t *t)
{
    struct persons *p = t->data;
    if (p->check_queued)
        return;
    p->check_queued = true;
    control_task(p->m->control, check_task, NULL, p);
}

static void arm(struct persons *p, int64_t now)
{
    sqlite3_stmt *s = store_stmt(p->m->store, SQL_NEXT_DEADLINE);
    int step = s ? store_step(s) : -EINVAL;
    if (step > 0 && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        int64_t delay = sqlite3_column_int64(s, 0) - now;
        uv_timer_start(&p->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
    } else if (step > 0) {
        uv_timer_stop(&p->timer);
    } else { /* MIN() always gives a row: none is a failed read, tried again */
        uv_timer_start(&p->timer, on_timer, 1000, 0);
    }
    if (s)
        sqlite3_reset(s);
}

static int check_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct persons *p = arg;
    p->check_queued = false;
    int64_t now = server_now(m);
    int rc = breach_events(m, ob, now);
    if (rc == 0)
        rc = persons_rescreen_check(m, ob, now);
    if (rc == 0)
        rc = persons_retention_run(m, ob, now);
    if (m->stopping)
        return rc;
    if (rc != 0)
        uv_timer_start(&p->timer, on_timer, 1000, 0);
    else
        arm(p, now);
    return rc;
}

static void check_now(struct muster *m, void *arg)
{
    on_timer(&m->persons->timer);
}

int persons_check_after_commit(struct muster *m, struct outbox *ob)
{
    if (!m->persons)
        return 0;
    return outbox_action(ob, check_now, NULL, NULL);
}

int persons_open(struct muster *m, struct persons **out)
{
    struct persons *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    uv_timer_init(m->loop, &p->timer);
    p->timer.data = p;
    *out = p;
    m->persons = p;
    report_purge_pending(m); /* a crash came between a purge and its report rewrite */
    on_timer(&p->timer);     /* deadlines that passed while the daemon was down */
    return 0;
}

void persons_close(struct persons *p)
{
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, NULL);
}

void persons_free(struct persons *p)
{
    free(p);
}

int persons_board_count(struct muster *m, struct outbox *ob, int64_t incident_id,
                        const char *category, int delta)
{
    char key[64];
    snprintf(key, sizeof(key), "category/%s", category);
    return board_add2(m, ob, incident_id, "persons", key, delta);
}

json_t *persons_match_json(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:s}", "person", (json_int_t)sqlite3_column_int64(s, 0), "reason",
                     store_col_text(s, 1));
}
