/*
 * daemon/selfreg.c - the public door: publications, self-registrations
 * and their board queue (see selfreg.h).
 */
#include "selfreg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "board.h"
#include "frozen.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "plan.h"
#include "proto.h"
#include "server.h"
#include "store.h"

/* ---- publications ---- */

static const char SQL_KEYWORD_TAKEN[] =
    "SELECT 1 FROM publications WHERE keyword = ?1 AND unpublished_at IS NULL"
    " AND incident_id <> ?2";
static const char SQL_PUBLISH[] =
    "INSERT INTO publications (incident_id, public_name, keyword, published_at, published_by)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (incident_id) DO UPDATE SET"
    " public_name = ?2, keyword = ?3, published_at = ?4, published_by = ?5,"
    " unpublished_at = NULL";

int selfreg_publish(struct muster *m, int64_t incident_id, const char *public_name,
                    const char *keyword, const char *by, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_KEYWORD_TAKEN);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, keyword, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, incident_id);
    int rc = store_step(s);
    sqlite3_reset(s);
    if (rc != 0)
        return rc < 0 ? rc : -EEXIST;
    if (!(s = store_stmt(m->store, SQL_PUBLISH)))
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, public_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, keyword, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_text(s, 5, by, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

static const char SQL_UNPUBLISH[] = "UPDATE publications SET unpublished_at = ?2"
                                    " WHERE incident_id = ?1 AND unpublished_at IS NULL"
                                    " RETURNING incident_id";

int selfreg_unpublish(struct muster *m, int64_t incident_id, int64_t now)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_UNPUBLISH);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, now);
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = store_ids(s, &ids, &n);
    free(ids);
    return rc < 0 ? rc : n > 0;
}

#define PUB_COLUMNS                                                                                \
    "SELECT p.incident_id, i.ref, p.public_name, p.keyword FROM publications p"                    \
    " JOIN incidents i ON i.id = p.incident_id WHERE p.unpublished_at IS NULL"                     \
    " AND i.closed_at IS NULL"
static const char SQL_PUB_BY_REF[] = PUB_COLUMNS " AND i.ref = ?1";
static const char SQL_PUB_BY_KEYWORD[] = PUB_COLUMNS " AND p.keyword = upper(?1)";
static const char SQL_PUB_ALL[] = PUB_COLUMNS " ORDER BY p.published_at, p.incident_id";

static void pub_read(sqlite3_stmt *s, struct selfreg_pub *out)
{
    out->incident_id = sqlite3_column_int64(s, 0);
    snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 1));
    snprintf(out->public_name, sizeof(out->public_name), "%s", store_col_text(s, 2));
    snprintf(out->keyword, sizeof(out->keyword), "%s", store_col_text(s, 3));
}

int selfreg_pub_find(struct muster *m, const char *key, bool by_keyword, struct selfreg_pub *out)
{
    sqlite3_stmt *s = store_stmt(m->store, by_keyword ? SQL_PUB_BY_KEYWORD : SQL_PUB_BY_REF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0)
        pub_read(s, out);
    sqlite3_reset(s);
    return rc;
}

/* What the public may know of a published incident: its public name,
 * keyword and the public section of its plan, nothing else. */
static json_t *pub_json(struct muster *m, const struct selfreg_pub *p)
{
    const struct plan *plan = frozen_plan(m, p->incident_id);
    if (!plan || plan->public_.nlanguages == 0)
        return NULL;
    const struct plan_public *pub = &plan->public_;
    json_t *langs = json_array();
    for (size_t i = 0; i < pub->nlanguages; i++)
        json_array_append_new(langs, json_string(pub->languages[i]));
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "incident", p->ref, "public_name",
                     p->public_name, "keyword", p->keyword, "languages", langs, "hub_phone",
                     pub->hub_phone, "url", pub->url);
}

int selfreg_pub_list(struct muster *m, json_t **out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PUB_ALL);
    *out = json_array();
    if (!s)
        return -EINVAL;
    int rc;
    while ((rc = store_step(s)) > 0) {
        struct selfreg_pub p;
        pub_read(s, &p);
        json_t *one = pub_json(m, &p);
        if (one)
            json_array_append_new(*out, one);
    }
    sqlite3_reset(s);
    return rc;
}

static const char SQL_RECENT[] =
    "SELECT count(*), MIN(registered_at) FROM selfregs WHERE incident_id = ?1"
    " AND registered_at > ?2";

int selfreg_recent(struct muster *m, int64_t incident_id, int64_t now, int64_t *n, int64_t *oldest)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_RECENT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, now - 60000);
    int rc = store_step(s);
    *n = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    *oldest = rc > 0 ? sqlite3_column_int64(s, 1) : 0;
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* ---- self-registrations ---- */

static const char SQL_PERSON_ADD[] =
    "INSERT INTO persons (incident_id, category, name, name_key, phone, phone_key, email,"
    " home_area, language, consent, registered_at, registered_by, referral_due_at) VALUES"
    " (?1, 'self-referred', ?2, ?3, ?4, ?5, ?6, lower(?7), lower(?8), ?9, ?10, ?11, ?12)";

static int person_insert(struct muster *m, const struct selfreg_in *in, const char *by, int64_t now,
                         int64_t *id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PERSON_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, in->incident_id);
    const char *text[] = {in->name,  in->name_key,  in->phone,    in->phone_key,
                          in->email, in->home_area, in->language, in->consent};
    for (int i = 0; i < 8; i++)
        store_bind_text_opt(s, 2 + i, text[i]);
    sqlite3_bind_int64(s, 10, now);
    sqlite3_bind_text(s, 11, by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, in->referral_due_at);
    int rc = store_exec_stmt(s);
    *id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
    return rc;
}

static const char SQL_SELFREG_ADD[] =
    "INSERT OR IGNORE INTO selfregs (person_id, incident_id, reference, source, involvement,"
    " wants_support, safe_to_call, safe_note, language, registered_at) VALUES"
    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, lower(?9), ?10)";

/* A reference the person can read out on the phone: "SR-" and 8 of
 * Crockford's base32 (40 random bits). */
static void reference_make(char out[SELFREG_REFERENCE_LEN + 1])
{
    char code[9];
    for (int i = 0; i < 8; i++)
        code[i] = proto_ack_alphabet[randombytes_uniform(32)];
    snprintf(out, SELFREG_REFERENCE_LEN + 1, "SR-%.4s-%.4s", code, code + 4);
}

/* The selfregs row of person, with a reference no other has (a clash of
 * 40 random bits is drawn again). */
static int selfreg_insert(struct muster *m, const struct selfreg_in *in, int64_t person,
                          int64_t now, char reference[SELFREG_REFERENCE_LEN + 1])
{
    for (int attempt = 0; attempt < 8; attempt++) {
        sqlite3_stmt *s = store_stmt(m->store, SQL_SELFREG_ADD);
        if (!s)
            return -EINVAL;
        reference_make(reference);
        sqlite3_bind_int64(s, 1, person);
        sqlite3_bind_int64(s, 2, in->incident_id);
        sqlite3_bind_text(s, 3, reference, -1, SQLITE_STATIC);
        const char *text[] = {in->source, in->involvement};
        for (int i = 0; i < 2; i++)
            store_bind_text_opt(s, 4 + i, text[i]);
        sqlite3_bind_int(s, 6, in->wants_support);
        store_bind_text_opt(s, 7, in->safe_to_call);
        store_bind_text_opt(s, 8, in->safe_note);
        store_bind_text_opt(s, 9, in->language);
        sqlite3_bind_int64(s, 10, now);
        int rc = store_exec_stmt(s);
        if (rc != 0 || sqlite3_changes(sqlite3_db_handle(s)) == 1)
            return rc;
    }
    return -EAGAIN;
}

/* Possible duplicates of a self-registration among the incident's
 * persons: the same telephone number, email address or name (index
 * lookups, never a scan).  Flagged, never merged. */
static const char SQL_SELF_DUPS[] =
    "INSERT OR IGNORE INTO duplicates (person_id, matches_id, reason)"
    " SELECT ?1, id, MIN(reason) FROM ("
    " SELECT id, 'phone' AS reason FROM persons WHERE incident_id = ?2 AND ?3 IS NOT NULL"
    "  AND phone_key = ?3"
    " UNION ALL SELECT id, 'email' FROM persons WHERE incident_id = ?2 AND ?4 IS NOT NULL"
    "  AND email = ?4"
    " UNION ALL SELECT id, 'name' FROM persons WHERE incident_id = ?2 AND ?5 IS NOT NULL"
    "  AND name_key = ?5 AND name_key <> ''"
    ") WHERE id <> ?1 GROUP BY id LIMIT 20";
static const char SQL_SELF_DUP_MARK[] = "UPDATE selfregs SET duplicate = 1 WHERE person_id = ?1";

static int duplicates_flag(struct muster *m, const struct selfreg_in *in, int64_t person, int *dups)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_SELF_DUPS);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_int64(s, 2, in->incident_id);
    store_bind_text_opt(s, 3, in->phone_key);
    store_bind_text_opt(s, 4, in->email);
    store_bind_text_opt(s, 5, in->name_key);
    int rc = store_exec_stmt(s);
    *dups = rc == 0 ? sqlite3_changes(sqlite3_db_handle(s)) : 0;
    if (rc != 0 || *dups == 0)
        return rc;
    if (!(s = store_stmt(m->store, SQL_SELF_DUP_MARK)))
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    return store_exec_stmt(s);
}

int selfreg_add(struct muster *m, struct outbox *ob, const struct selfreg_in *in, const char *by,
                int64_t now, int64_t *person, char reference[SELFREG_REFERENCE_LEN + 1], int *dups)
{
    struct incident inc;
    int rc = incident_get(m->store, in->incident_id, &inc);
    rc = rc < 0 ? rc : rc == 0 ? -ENOENT : person_insert(m, in, by, now, person);
    if (rc == 0)
        rc = selfreg_insert(m, in, *person, now, reference);
    if (rc == 0)
        rc = duplicates_flag(m, in, *person, dups);
    if (rc == 0)
        rc = selfreg_board_put(m, ob, in->incident_id);
    if (rc == 0)
        rc = outbox_event(m, ob, inc.id, inc.ref, "person.self_registered",
                          json_pack("{s:I, s:s, s:i}", "person", (json_int_t)*person, "source",
                                    in->source, "possible_duplicates", *dups),
                          now);
    return rc;
}

static const char SQL_STATE[] =
    "SELECT state, coalesce(involvement, '') FROM selfregs WHERE person_id = ?1";

int selfreg_state(struct muster *m, int64_t person, char state[16], char involvement[16])
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_STATE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    int rc = store_step(s);
    if (rc > 0) {
        snprintf(state, 16, "%s", store_col_text(s, 0));
        snprintf(involvement, 16, "%s", store_col_text(s, 1));
    }
    sqlite3_reset(s);
    return rc;
}

static const char SQL_DECIDE[] =
    "UPDATE selfregs SET state = ?2, decided_at = ?3, decided_by = ?4, note = ?5"
    " WHERE person_id = ?1 AND state = 'unverified' RETURNING incident_id";
static const char SQL_CATEGORY[] = "UPDATE persons SET category = ?2 WHERE id = ?1";

/* Person leaves the queue as state (with the call handler's note, or
 * NULL): its incident in *incident_id. */
static int decide(struct muster *m, int64_t person, const char *state, const char *note,
                  const char *by, int64_t now, int64_t *incident_id)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_DECIDE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
    store_bind_text_opt(s, 5, note);
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = store_ids(s, &ids, &n);
    *incident_id = n > 0 ? ids[0] : 0;
    free(ids);
    return rc < 0 ? rc : n == 1 ? 0 : -ENOENT;
}

int selfreg_verified(struct muster *m, struct outbox *ob, int64_t person, const char *category,
                     const char *note, const char *by, int64_t now)
{
    int64_t incident_id = 0;
    int rc = decide(m, person, "verified", note, by, now, &incident_id);
    sqlite3_stmt *s = rc == 0 ? store_stmt(m->store, SQL_CATEGORY) : NULL;
    if (rc == 0 && !s)
        return -EINVAL;
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_text(s, 2, category, -1, SQLITE_STATIC);
    rc = store_exec_stmt(s);
    return rc ? rc : selfreg_board_put(m, ob, incident_id);
}

/* Everything personal a rejected self-registration left: the person's
 * fields, its possible-duplicate links, its reference and free text, its
 * one-time links. */
static const char *const reject_sql[] = {
    "UPDATE persons SET name = NULL, name_key = NULL, phone = NULL, phone_key = NULL,"
    " email = NULL, home_area = NULL, address = NULL, safe_contact = NULL, purged = 1,"
    " purge_due_at = NULL WHERE id = ?1",
    "DELETE FROM duplicates WHERE person_id = ?1 OR matches_id = ?1",
    "UPDATE selfregs SET reference = NULL, safe_to_call = NULL, safe_note = NULL"
    " WHERE person_id = ?1",
    "DELETE FROM public_tokens WHERE person_id = ?1",
};

/* After a rejection commits: fold the WAL back into the file (with
 * secure_delete on, the old values are zeroed there), so no copy of the
 * junk's fields survives in the journal. */
static void reject_checkpoint(struct muster *m, void *arg)
{
    (void)arg;
    int rc = store_exec(m->store, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (rc != 0)
        log_error("selfreg: checkpoint after a rejection failed: %s", strerror(-rc));
}

int selfreg_rejected(struct muster *m, struct outbox *ob, int64_t person, const char *by,
                     int64_t now)
{
    int64_t incident_id = 0;
    int rc = decide(m, person, "rejected", NULL, by, now, &incident_id);
    for (size_t i = 0; rc == 0 && i < sizeof(reject_sql) / sizeof(reject_sql[0]); i++) {
        sqlite3_stmt *s = store_stmt(m->store, reject_sql[i]);
        if (!s)
            return -EINVAL;
        sqlite3_bind_int64(s, 1, person);
        rc = store_exec_stmt(s);
    }
    if (rc == 0)
        rc = outbox_action(ob, reject_checkpoint, NULL, NULL);
    return rc ? rc : selfreg_board_put(m, ob, incident_id);
}

static const char SQL_PERSON_SELFREG[] =
    "SELECT reference, state, source, involvement, wants_support, safe_to_call, safe_note,"
    " registered_at, decided_at, decided_by, note FROM selfregs WHERE person_id = ?1";

int selfreg_person_json(struct muster *m, int64_t person, bool brief, json_t *r)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_PERSON_SELFREG);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    int rc = store_step(s);
    json_t *v = NULL;
    if (rc > 0 && brief)
        v = json_pack("{s:o, s:o}", "safe_to_call", store_col_opt_text(s, 5), "safe_note",
                      store_col_opt_text(s, 6));
    else if (rc > 0)
        v = json_pack("{s:o, s:s, s:s, s:o, s:b, s:o, s:o, s:I, s:o, s:o, s:o}", "reference",
                      store_col_opt_text(s, 0), "state", store_col_text(s, 1), "source",
                      store_col_text(s, 2), "involvement", store_col_opt_text(s, 3),
                      "wants_support", sqlite3_column_int(s, 4), "safe_to_call",
                      store_col_opt_text(s, 5), "safe_note", store_col_opt_text(s, 6),
                      "registered_at", (json_int_t)sqlite3_column_int64(s, 7), "decided_at",
                      store_col_opt_int(s, 8), "decided_by", store_col_opt_text(s, 9), "note",
                      store_col_opt_text(s, 10));
    sqlite3_reset(s);
    if (v)
        json_object_set_new(r, "self_registration", v);
    return rc < 0 ? rc : 0;
}

/* ---- the board's queue ---- */

static const char SQL_QUEUE[] =
    "SELECT count(*), MIN(registered_at) FROM selfregs WHERE incident_id = ?1"
    " AND state = 'unverified'";
static const char SQL_EVER_PUBLISHED[] = "SELECT 1 FROM publications WHERE incident_id = ?1";

static int queue_value(struct muster *m, int64_t incident_id, json_t **out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_QUEUE);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    int rc = store_step(s);
    if (rc > 0)
        *out = json_pack("{s:I, s:o}", "count", (json_int_t)sqlite3_column_int64(s, 0), "oldest_at",
                         store_col_opt_int(s, 1));
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

int selfreg_board_put(struct muster *m, struct outbox *ob, int64_t incident_id)
{
    json_t *v = NULL;
    int rc = queue_value(m, incident_id, &v);
    if (rc == 0 && v)
        board_put(ob, "selfreg/unverified", v);
    return rc;
}

int selfreg_board(struct muster *m, int64_t incident_id, json_t *board)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_EVER_PUBLISHED);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, incident_id);
    int rc = store_step(s);
    sqlite3_reset(s);
    json_t *v = NULL;
    if (rc > 0 && (rc = queue_value(m, incident_id, &v)) == 0 && v)
        json_object_set_new(board, "selfreg/unverified", v);
    return rc < 0 ? rc : 0;
}
