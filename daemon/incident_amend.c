/*
 * daemon/incident_amend.c - is an amended plan compatible with the
 * running incident, and what does it change (see incident_amend.h).
 *
 * What an incident holds names the plan's ids: pages and referrals name
 * agencies, referrals name pathways, pledges and asks name roles, shifts
 * name their pattern.  A new version may add anything and change any
 * value, but never take away an id something holds, or the ladders,
 * referrals and staffing grid of the incident would point at nothing.
 * The queries below only read the tables their owners write.
 */
#include "incident_amend.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "incident.h"
#include "plan.h"
#include "server.h"
#include "store.h"

static bool has_agency(const struct plan *p, const char *id)
{
    return plan_agency_find(p, id) != NULL;
}

static bool has_pathway(const struct plan *p, const char *id)
{
    return plan_pathway_index(&p->persons, id) >= 0;
}

static bool has_role(const struct plan *p, const char *id)
{
    for (size_t i = 0; i < p->staffing.nroles; i++)
        if (!strcmp(p->staffing.roles[i].id, id))
            return true;
    return false;
}

static bool has_shift(const struct plan *p, const char *id)
{
    for (size_t i = 0; i < p->staffing.nshifts; i++)
        if (!strcmp(p->staffing.shifts[i].id, id))
            return true;
    return false;
}

/* One kind of id an incident holds: what holds it, and where the plan
 * defines it. */
static const struct in_use {
    const char *what, *held_by, *sql;
    const char *path[3];
    bool (*has)(const struct plan *p, const char *id);
} in_use[] = {
    {"agency",
     "pages, referrals or pledges",
     "SELECT agency_id FROM pages WHERE incident_id = ?1 UNION SELECT provider FROM referrals"
     " WHERE incident_id = ?1 UNION SELECT agency_id FROM pledges WHERE incident_id = ?1"
     " UNION SELECT agency_id FROM asks WHERE incident_id = ?1",
     {"agencies", NULL, NULL},
     has_agency},
    {"pathway",
     "referrals",
     "SELECT DISTINCT pathway FROM referrals WHERE incident_id = ?1",
     {"persons", "pathways", NULL},
     has_pathway},
    {"role",
     "pledges or asks for staff",
     "SELECT role FROM pledges WHERE incident_id = ?1 UNION SELECT role FROM asks"
     " WHERE incident_id = ?1",
     {"staffing", "roles", NULL},
     has_role},
    {"shift",
     "pledges",
     "SELECT DISTINCT s.pattern FROM shifts s JOIN pledge_shifts ps ON ps.shift_id = s.id"
     " WHERE s.incident_id = ?1",
     {"staffing", "shifts", NULL},
     has_shift},
};

static void problem(json_t *problems, const struct plan *nw, const char *const *path,
                    const char *id, const char *msg)
{
    char at[512];
    plan_locate(nw, path, id, at, sizeof(at));
    json_array_append_new(problems, json_sprintf("%s: %s", at, msg));
}

/* Every id of kind u the incident holds must be in nw.  0 or -errno. */
static int check_held(struct muster *m, const struct incident *inc, const struct in_use *u,
                      const struct plan *nw, json_t *problems)
{
    sqlite3_stmt *s = store_stmt(m->store, u->sql);
    int rc = 0;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, inc->id);
    while ((rc = store_step(s)) > 0) {
        const char *id = store_col_text(s, 0);
        char msg[400];
        if (!id || u->has(nw, id))
            continue;
        snprintf(msg, sizeof(msg),
                 "%s \"%s\" holds %s of incident %s: an amendment cannot remove it or change "
                 "its id",
                 u->what, id, u->held_by, inc->ref);
        problem(problems, nw, u->path, NULL, msg);
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

int incident_amend_check(struct muster *m, const struct incident *inc, const struct plan *old,
                         const struct plan *nw, json_t *problems)
{
    static const char *const plan_id[] = {"plan", "id", NULL}, *const levels[] = {"levels", NULL};
    char msg[300];
    if (strcmp(old->id, nw->id)) {
        snprintf(msg, sizeof(msg), "the plan id must stay \"%s\" (incident %s runs on it)", old->id,
                 inc->ref);
        problem(problems, nw, plan_id, NULL, msg);
    }
    if (!plan_level_find(nw, inc->level)) {
        snprintf(msg, sizeof(msg), "level %d, the level of incident %s, must stay defined",
                 inc->level, inc->ref);
        problem(problems, nw, levels, NULL, msg);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(in_use) / sizeof(in_use[0]); i++)
        rc = check_held(m, inc, &in_use[i], nw, problems);
    return rc;
}

/* ---- the summary ---- */

/* Append "; label: a, b" to buf for the items of array a (objects with an
 * "id") that are not in b, or (changed) in b but different. */
static void list_diff(char *buf, size_t size, const char *label, json_t *a, json_t *b, bool changed)
{
    size_t i, j, n = 0;
    json_t *x, *y;
    json_array_foreach(a, i, x)
    {
        json_t *match = NULL;
        json_array_foreach(
            b, j, y) if (json_equal(json_object_get(x, "id"), json_object_get(y, "id"))) match = y;
        if (changed ? !match || json_equal(x, match) : match != NULL)
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", n++ ? ", " : label,
                 json_string_value(json_object_get(x, "id")));
    }
}

/* Append "; name" when section name differs between a and b. */
static void section_diff(char *buf, size_t size, const char *name, json_t *a, json_t *b)
{
    size_t len = strlen(buf);
    if (!json_equal(json_object_get(a, name), json_object_get(b, name)))
        snprintf(buf + len, size - len, "; %s changed", name);
}

void incident_amend_summary(const struct plan *old, const struct plan *nw, char *buf, size_t size)
{
    json_t *a = plan_to_json(old), *b = plan_to_json(nw);
    json_t *ag = json_object_get(a, "agencies"), *bg = json_object_get(b, "agencies");
    json_t *ap = json_object_get(json_object_get(a, "persons"), "pathways");
    json_t *bp = json_object_get(json_object_get(b, "persons"), "pathways");
    snprintf(buf, size, "version %s to %s", old->version, nw->version);
    list_diff(buf, size, "; agencies added: ", bg, ag, false);
    list_diff(buf, size, "; agencies removed: ", ag, bg, false);
    list_diff(buf, size, "; agencies changed: ", ag, bg, true);
    list_diff(buf, size, "; pathways added: ", bp, ap, false);
    list_diff(buf, size, "; pathways removed: ", ap, bp, false);
    json_object_del(json_object_get(a, "persons"), "pathways");
    json_object_del(json_object_get(b, "persons"), "pathways");
    static const char *const sections[] = {"levels", "hub", "paging", "staffing", "persons"};
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        section_diff(buf, size, sections[i], a, b);
    json_decref(a);
    json_decref(b);
}
