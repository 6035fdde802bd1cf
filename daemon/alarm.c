/*
 * daemon/alarm.c - alarms for the duty manager and Gold (see alarm.h):
 * raising (once per cause, paged to the command ladders), resolving,
 * clearing and listing the rows of the alarms table.
 */
#include "alarm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "incident.h"
#include "outbox.h"
#include "paging.h"
#include "server.h"
#include "store.h"

static const char SQL_RAISE[] =
    "INSERT INTO alarms (incident_id, kind, agency_id, person_id, referral_id, detail, state,"
    " raised_at, cause) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8)";
static const char SQL_OPEN_CAUSE[] =
    "SELECT id FROM alarms WHERE incident_id = ?1 AND cause = ?2 AND state = 'open'";

static void bind_id_opt(sqlite3_stmt *s, int i, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static json_t *alarm_data(int64_t id, const char *kind, const char *agency, int64_t person,
                          int64_t referral, const char *detail)
{
    json_t *d = json_pack("{s:I, s:s, s:s?, s:s}", "alarm", (json_int_t)id, "kind", kind, "agency",
                          agency, "detail", detail);
    if (person > 0)
        json_object_set_new(d, "person", json_integer(person));
    if (referral > 0)
        json_object_set_new(d, "referral", json_integer(referral));
    return d;
}

/* a's cause, given or made, into buf. */
static void alarm_cause(const struct alarm_new *a, char *buf, size_t len)
{
    if (a->cause)
        snprintf(buf, len, "%s", a->cause);
    else
        snprintf(buf, len, "%s:%s:%lld:%lld:%s", a->kind, a->agency ? a->agency : "",
                 (long long)a->person_id, (long long)a->referral_id, a->detail);
}

/* The incident's open alarm of cause in *id: 1, 0 when none, or -errno. */
static int open_by_cause(struct muster *m, int64_t incident_id, const char *cause, int64_t *id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_OPEN_CAUSE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, cause, -1, SQLITE_STATIC);
    int rc = store_step(s);
    *id = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc;
}

/* An open alarm's board key alarm/<id> and value (new reference). */
static json_t *board_alarm(int64_t id, const char *kind, const char *agency, const char *detail,
                           int64_t raised_at, char *key, size_t len)
{
    snprintf(key, len, "alarm/%lld", (long long)id);
    return json_pack("{s:s, s:s?, s:s, s:I}", "kind", kind, "agency", agency, "detail", detail,
                     "raised_at", (json_int_t)raised_at);
}

static int alarm_insert(struct muster *m, const struct alarm_new *a, const char *cause, int64_t now,
                        int64_t *id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RAISE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, a->incident_id);
    sqlite3_bind_text(s, 2, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->agency, -1, SQLITE_STATIC);
    bind_id_opt(s, 4, a->person_id);
    bind_id_opt(s, 5, a->referral_id);
    sqlite3_bind_text(s, 6, a->detail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, now);
    sqlite3_bind_text(s, 8, cause, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    *id = rc == 0 ? sqlite3_last_insert_rowid(sqlite3_db_handle(s)) : 0;
    return rc;
}

/* Page new alarm id to the command ladders; how many in *paged. */
static int alarm_page(struct muster *m, struct outbox *ob, const struct alarm_new *a, int64_t id,
                      int64_t now, int *paged)
{
    char *subject = NULL, *text = NULL;
    json_t *facts = json_pack("{s:I, s:s, s:s?}", "alarm", (json_int_t)id, "kind", a->kind,
                              "agency", a->agency);
    int rc = asprintf(&subject, "ALARM %lld: %s", (long long)id, a->detail) < 0 ? -ENOMEM : 0;
    if (rc == 0 && asprintf(&text,
                            "Alarm %lld (%s): %s.\n"
                            "It stays on the board until cleared: muster alarm clear %lld --note "
                            "TEXT.",
                            (long long)id, a->kind, a->detail, (long long)id) < 0)
        rc = -ENOMEM;
    struct paging_alarm pa = {a->incident_id, id, subject, text, facts};
    if (rc == 0)
        rc = facts ? paging_alarm(m, ob, &pa, now, paged) : -ENOMEM;
    free(subject);
    free(text);
    json_decref(facts);
    return rc;
}

int alarm_raise(struct muster *m, struct outbox *ob, const struct alarm_new *a, int64_t now,
                int64_t *id)
{
    char cause[512];
    int64_t new_id = 0;
    int paged = 0;
    alarm_cause(a, cause, sizeof(cause));
    int rc = open_by_cause(m, a->incident_id, cause, &new_id);
    if (id)
        *id = new_id;
    if (rc != 0)
        return rc < 0 ? rc : 0; /* the same cause again: the alarm already open */
    rc = alarm_insert(m, a, cause, now, &new_id);
    if (id)
        *id = new_id;
    if (rc == 0)
        rc = board_add(m, ob, a->incident_id, "alarms", 1);
    if (rc == 0) {
        char key[48];
        json_t *v = board_alarm(new_id, a->kind, a->agency, a->detail, now, key, sizeof(key));
        board_put(ob, key, v);
    }
    if (rc == 0)
        rc = outbox_event(
            m, ob, a->incident_id, a->ref, "alarm.raised",
            alarm_data(new_id, a->kind, a->agency, a->person_id, a->referral_id, a->detail), now);
    if (rc == 0)
        rc = alarm_page(m, ob, a, new_id, now, &paged);
    if (rc == 0)
        outbox_log(ob, "alarms: %s: alarm %lld raised (%s): %s; paged to %d command ladder%s",
                   a->ref, (long long)new_id, a->kind, a->detail, paged, paged == 1 ? "" : "s");
    return rc;
}

/* An alarm just ended: its board count and its event. */
static int ended(struct muster *m, struct outbox *ob, int64_t incident_id, int64_t id,
                 const char *kind, const char *by, const char *note, int64_t now)
{
    struct incident inc = {.ref = ""};
    int rc = incident_get(m->store, incident_id, &inc);
    rc = rc < 0 ? rc : 0;
    if (rc == 0)
        rc = board_add(m, ob, incident_id, "alarms", -1);
    if (rc == 0) {
        char key[48];
        snprintf(key, sizeof(key), "alarm/%lld", (long long)id);
        board_put(ob, key, json_null()); /* gone from the board */
    }
    if (rc == 0)
        rc = outbox_event(
            m, ob, incident_id, inc.ref, kind,
            json_pack("{s:I, s:s, s:s?}", "alarm", (json_int_t)id, "by", by, "note", note), now);
    if (rc == 0)
        rc = paging_alarm_stop(m, ob, id, now);
    if (rc == 0)
        outbox_log(ob, "alarms: %s: alarm %lld %s", inc.ref, (long long)id,
                   !strcmp(kind, "alarm.cleared") ? "cleared" : "resolved");
    return rc;
}

static const char SQL_RESOLVE[] =
    "UPDATE alarms SET state = 'resolved', ended_at = ?2, ended_by = ?3"
    " WHERE referral_id = ?1 AND state = 'open' RETURNING id, incident_id";

int alarm_resolve_referral(struct muster *m, struct outbox *ob, int64_t referral_id, const char *by,
                           int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESOLVE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, referral_id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
    int64_t ids[16][2];
    size_t n = 0;
    int rc;
    while ((rc = store_step(s)) > 0)
        if (n < 16) {
            ids[n][0] = sqlite3_column_int64(s, 0);
            ids[n++][1] = sqlite3_column_int64(s, 1);
        }
    sqlite3_reset(s);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = ended(m, ob, ids[i][1], ids[i][0], "alarm.resolved", by, NULL, now);
    return rc;
}

static const char SQL_RESOLVE_ID[] =
    "UPDATE alarms SET state = 'resolved', ended_at = ?2, ended_by = ?3"
    " WHERE id = ?1 AND state = 'open' RETURNING incident_id";

int alarm_resolve(struct muster *m, struct outbox *ob, int64_t id, const char *by, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RESOLVE_ID);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
    int rc = store_step(s);
    int64_t incident_id = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    if (rc > 0 && (rc = store_step(s)) >= 0)
        rc = 1;
    sqlite3_reset(s);
    if (rc <= 0)
        return rc;
    return ended(m, ob, incident_id, id, "alarm.resolved", by, NULL, now);
}

int alarm_resolve_cause(struct muster *m, struct outbox *ob, int64_t incident_id, const char *cause,
                        const char *by, int64_t now)
{
    int64_t id = 0;
    int rc = open_by_cause(m, incident_id, cause, &id);
    return rc <= 0 ? rc : alarm_resolve(m, ob, id, by, now);
}

static const char SQL_STATE[] = "SELECT state, incident_id FROM alarms WHERE id = ?1";
static const char SQL_CLEAR[] = "UPDATE alarms SET state = 'cleared', ended_at = ?2,"
                                " ended_by = ?3, note = ?4 WHERE id = ?1 AND state = 'open'";

int alarm_clear(struct muster *m, struct outbox *ob, int64_t id, const char *by, const char *note,
                int64_t now, char *state)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_STATE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    int64_t incident_id = rc > 0 ? sqlite3_column_int64(s, 1) : 0;
    snprintf(state, 16, "%s", rc > 0 ? store_col_text(s, 0) : "");
    sqlite3_reset(s);
    if (rc <= 0)
        return rc == 0 ? -ENOENT : rc;
    if (strcmp(state, "open"))
        return -EALREADY;
    sqlite3_stmt *u = store_stmt(m->store, SQL_CLEAR);
    if (!u)
        return -EINVAL;
    sqlite3_bind_int64(u, 1, id);
    sqlite3_bind_int64(u, 2, now);
    sqlite3_bind_text(u, 3, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(u, 4, note, -1, SQLITE_STATIC);
    rc = store_exec_stmt(u);
    return rc ? rc : ended(m, ob, incident_id, id, "alarm.cleared", by, note, now);
}

static const char SQL_LIST[] =
    "SELECT a.id, i.ref, a.kind, a.agency_id, a.person_id, a.referral_id, a.detail, a.state,"
    " a.raised_at, a.ended_at, a.ended_by, a.note FROM alarms a"
    " JOIN incidents i ON i.id = a.incident_id WHERE (?1 = 0 OR a.incident_id = ?1)"
    " AND (?2 OR a.state = 'open') ORDER BY a.id DESC LIMIT 1000";

static json_t *alarm_row(sqlite3_stmt *s)
{
    json_t *r = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:I}", "alarm",
                          (json_int_t)sqlite3_column_int64(s, 0), "incident", store_col_text(s, 1),
                          "kind", store_col_text(s, 2), "agency", store_col_opt_text(s, 3),
                          "person", store_col_opt_int(s, 4), "referral", store_col_opt_int(s, 5),
                          "detail", store_col_text(s, 6), "state", store_col_text(s, 7),
                          "raised_at", (json_int_t)sqlite3_column_int64(s, 8));
    json_object_set_new(r, "ended_at", store_col_opt_int(s, 9));
    json_object_set_new(r, "ended_by", store_col_opt_text(s, 10));
    json_object_set_new(r, "note", store_col_opt_text(s, 11));
    return r;
}

int alarm_list(struct muster *m, int64_t incident_id, bool all, json_t **out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_LIST);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int(s, 2, all);
    return store_rows_json(s, alarm_row, out);
}

static const char SQL_BOARD[] = "SELECT id, kind, agency_id, detail, raised_at FROM alarms"
                                " WHERE incident_id = ?1 AND state = 'open'";

int alarm_board(struct muster *m, int64_t incident_id, json_t *board)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_BOARD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    int rc;
    while ((rc = store_step(s)) > 0) {
        char key[48];
        json_t *v = board_alarm(sqlite3_column_int64(s, 0), store_col_text(s, 1),
                                (const char *)sqlite3_column_text(s, 2), store_col_text(s, 3),
                                sqlite3_column_int64(s, 4), key, sizeof(key));
        json_object_set_new(board, key, v);
    }
    sqlite3_reset(s);
    return rc;
}
