/*
 * daemon/family.c - families and a single point of contact (see
 * family.h): family rows and members, a person's status, the bereaved
 * links, the family liaison officer.
 */
#include "family.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "outbox.h"
#include "persons.h"
#include "server.h"
#include "store.h"

static const char SQL_FAMILY[] =
    "SELECT f.incident_id, i.ref, f.liaison, i.closed_at IS NOT NULL FROM families f"
    " JOIN incidents i ON i.id = f.incident_id WHERE f.id = ?1";
static const char SQL_CREATE[] =
    "INSERT INTO families (incident_id, created_at, created_by) VALUES (?1, ?2, ?3)";
static const char SQL_FAMILY_OF[] = "SELECT family_id FROM family_members WHERE person_id = ?1";
static const char SQL_MEMBER_ADD[] =
    "INSERT INTO family_members (person_id, family_id, added_at) VALUES (?1, ?2, ?3)";
/* ?1 the person joining family ?2: bereaved of its deceased members, and
 * its members bereaved of it if it is deceased */
static const char SQL_BEREAVED_JOIN[] =
    "INSERT OR IGNORE INTO bereavements (person_id, deceased_id, at)"
    " SELECT ?1, fm.person_id, ?3 FROM family_members fm JOIN persons d ON d.id = fm.person_id"
    " WHERE fm.family_id = ?2 AND fm.person_id <> ?1 AND d.status = 'deceased'"
    " UNION ALL SELECT fm.person_id, ?1, ?3 FROM family_members fm"
    " WHERE fm.family_id = ?2 AND fm.person_id <> ?1"
    " AND (SELECT status FROM persons WHERE id = ?1) = 'deceased'";
static const char SQL_LIAISON_SET[] = "UPDATE families SET liaison = ?2 WHERE id = ?1";
static const char SQL_LIAISON_OF[] =
    "SELECT f.id, f.liaison FROM family_members fm JOIN families f ON f.id = fm.family_id"
    " WHERE fm.person_id = ?1 AND f.liaison IS NOT NULL";

int family_get(struct muster *m, int64_t id, struct family *f)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_FAMILY);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0) {
        f->id = id;
        f->incident_id = sqlite3_column_int64(s, 0);
        snprintf(f->ref, sizeof(f->ref), "%s", store_col_text(s, 1));
        const char *l = store_col_text(s, 2);
        snprintf(f->liaison, sizeof(f->liaison), "%s", l ? l : "");
        f->closed = sqlite3_column_int(s, 3) != 0;
    }
    sqlite3_reset(s);
    return rc;
}

int family_create(struct muster *m, int64_t incident_id, const char *by, int64_t now, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_CREATE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    return rc;
}

int family_of(struct muster *m, int64_t person, int64_t *family)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_FAMILY_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    int rc = store_step(s);
    if (rc > 0)
        *family = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc;
}

/* Run sql with ?1 = a, ?2 = b, ?3 = t: 0 or -errno. */
static int exec_3(struct muster *m, const char *sql, int64_t a, int64_t b, int64_t t)
{
    sqlite3_stmt *s = store_stmt(m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, a);
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_int64(s, 2, b);
    if (sqlite3_bind_parameter_count(s) >= 3)
        sqlite3_bind_int64(s, 3, t);
    return store_exec_stmt(s);
}

int family_add(struct muster *m, const struct family *f, int64_t person, int64_t now)
{
    int rc = exec_3(m, SQL_MEMBER_ADD, person, f->id, now);
    return rc ? rc : exec_3(m, SQL_BEREAVED_JOIN, person, f->id, now);
}

int family_liaison_set(struct muster *m, int64_t id, const char *liaison)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_LIAISON_SET);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    store_bind_text_opt(s, 2, liaison);
    return store_exec_stmt(s);
}

int family_liaison_of(struct muster *m, int64_t person, char *liaison, int64_t *family)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_LIAISON_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    int rc = store_step(s);
    if (rc > 0) {
        *family = sqlite3_column_int64(s, 0);
        snprintf(liaison, KEYS_PERSON_MAX + 1, "%s", store_col_text(s, 1));
    }
    sqlite3_reset(s);
    return rc;
}

int family_is_liaison(struct muster *m, int64_t person, const char *who)
{
    char liaison[KEYS_PERSON_MAX + 1];
    int64_t family = 0;
    if (!who || !*who)
        return 0;
    int rc = family_liaison_of(m, person, liaison, &family);
    return rc > 0 ? !strcmp(liaison, who) : rc;
}

/* ---- members ---- */

static const char SQL_MEMBERS[] =
    "SELECT p.id, p.name, p.category, p.status, p.contact_state FROM family_members fm"
    " JOIN persons p ON p.id = fm.person_id WHERE fm.family_id = ?1 AND p.purged = 0"
    " ORDER BY p.id";
static const char SQL_BEREAVED_OF[] =
    "SELECT deceased_id FROM bereavements WHERE person_id = ?1 ORDER BY deceased_id";

static json_t *member_row(sqlite3_stmt *s)
{
    return json_pack("{s:I, s:o, s:s, s:s, s:s}", "person", (json_int_t)sqlite3_column_int64(s, 0),
                     "name", store_col_opt_text(s, 1), "category", store_col_text(s, 2), "status",
                     store_col_text(s, 3), "contact_state", store_col_text(s, 4));
}

/* Member row of arr kept (with its bereaved_of) when agency (NULL: the
 * Hub) may see it, or all: 1 kept, 0 not, or -errno. */
static int member_keep(struct muster *m, json_t *row, const char *agency, bool all)
{
    struct person_ref p;
    int64_t id = json_integer_value(json_object_get(row, "person"));
    int rc = agency && !all ? persons_access(m, id, agency, false, &p) : 1;
    json_t *of = NULL;
    if (rc > 0 && (rc = store_rows(m->store, SQL_BEREAVED_OF, id, store_row_int, &of)) == 0) {
        json_object_set_new(row, "bereaved_of", of);
        rc = 1;
    }
    return rc;
}

/* The member rows are read whole first: persons_access and the bereaved
 * links need statements of their own. */
int family_members_json(struct muster *m, const struct family *f, const char *agency,
                        bool all_members, json_t **out)
{
    json_t *rows = NULL, *arr = json_array();
    int rc = store_rows(m->store, SQL_MEMBERS, f->id, member_row, &rows);
    for (size_t i = 0; rc == 0 && i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        int keep = member_keep(m, row, agency, all_members);
        if (keep > 0)
            json_array_append(arr, row);
        rc = keep < 0 ? keep : 0;
    }
    json_decref(rows);
    if (rc != 0)
        json_decref(arr);
    *out = rc == 0 ? arr : NULL;
    return rc;
}

int family_person_json(struct muster *m, int64_t person, json_t *r)
{
    char liaison[KEYS_PERSON_MAX + 1];
    int64_t family = 0, with_liaison = 0;
    json_t *of = NULL;
    int rc = family_of(m, person, &family);
    int lrc = rc >= 0 ? family_liaison_of(m, person, liaison, &with_liaison) : 0;
    if (rc < 0 || lrc < 0)
        return rc < 0 ? rc : lrc;
    if ((rc = store_rows(m->store, SQL_BEREAVED_OF, person, store_row_int, &of)) != 0)
        return rc;
    json_object_set_new(r, "family", family ? json_integer(family) : json_null());
    json_object_set_new(r, "liaison", lrc > 0 ? json_string(liaison) : json_null());
    json_object_set_new(r, "bereaved_of", of);
    return 0;
}

/* ---- a person's status ---- */

static const char SQL_STATUS_OF[] = "SELECT status FROM persons WHERE id = ?1";
static const char SQL_STATUS_SET[] = "UPDATE persons SET status = ?2 WHERE id = ?1";
static const char SQL_BEREAVED_DIED[] =
    "INSERT OR IGNORE INTO bereavements (person_id, deceased_id, at)"
    " SELECT fm.person_id, ?1, ?3 FROM family_members fm WHERE fm.person_id <> ?1"
    " AND fm.family_id = (SELECT family_id FROM family_members WHERE person_id = ?1)";
static const char SQL_BEREAVED_UNDO[] = "DELETE FROM bereavements WHERE deceased_id = ?1";
static const char SQL_RESCREENS_DUE[] =
    "SELECT COUNT(*) FROM rescreens WHERE person_id = ?1 AND state = 'due'";
static const char SQL_RESCREENS_CANCEL[] =
    "UPDATE rescreens SET state = 'cancelled' WHERE person_id = ?1 AND state IN ('pending', 'due')";

int family_status_of(struct muster *m, int64_t person, char *status)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_STATUS_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    int rc = store_step(s);
    snprintf(status, 16, "%s", rc > 0 ? store_col_text(s, 0) : "alive");
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* The board's status/<status> counts: alive is not counted. */
static int status_count(struct muster *m, struct outbox *ob, int64_t incident_id,
                        const char *status, int delta)
{
    char key[32];
    if (!strcmp(status, "alive"))
        return 0;
    snprintf(key, sizeof(key), "status/%s", status);
    return board_add(m, ob, incident_id, key, delta);
}

/* A deceased person's re-screens are cancelled (the due ones leave the
 * board's count).  0 or -errno. */
static int rescreens_cancel(struct muster *m, struct outbox *ob, const struct person_ref *p)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESCREENS_DUE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    int rc = store_step(s);
    int due = rc > 0 ? sqlite3_column_int(s, 0) : 0;
    sqlite3_reset(s);
    if (rc < 0 || (rc = exec_3(m, SQL_RESCREENS_CANCEL, p->id, 0, 0)) != 0)
        return rc;
    return due ? board_add(m, ob, p->incident_id, "rescreen/due", -due) : 0;
}

/* What follows a move into or out of deceased.  0 or -errno. */
static int status_effects(struct muster *m, struct outbox *ob, const struct person_ref *p,
                          const char *old, const char *status, int64_t now)
{
    int rc = 0;
    if (!strcmp(status, "deceased")) {
        rc = persons_referral_close(m, ob, p->id, "deceased", now);
        if (rc == 0)
            rc = rescreens_cancel(m, ob, p);
        return rc ? rc : exec_3(m, SQL_BEREAVED_DIED, p->id, 0, now);
    }
    if (!strcmp(old, "deceased")) {
        rc = exec_3(m, SQL_BEREAVED_UNDO, p->id, 0, 0);
        return rc ? rc : persons_route(m, ob, p->id, now);
    }
    return 0;
}

int family_status_set(struct muster *m, struct outbox *ob, const struct person_ref *p,
                      const char *old, const char *status, const char *note, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_STATUS_SET);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    if (rc == 0)
        rc = status_count(m, ob, p->incident_id, old, -1);
    if (rc == 0)
        rc = status_count(m, ob, p->incident_id, status, 1);
    if (rc == 0)
        rc = status_effects(m, ob, p, old, status, now);
    if (rc == 0)
        rc = outbox_event(m, ob, p->incident_id, p->ref, "person.status",
                          json_pack("{s:I, s:s, s:o}", "person", (json_int_t)p->id, "status",
                                    status, "note", note ? json_string(note) : json_null()),
                          now);
    return rc;
}
