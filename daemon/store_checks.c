/*
 * daemon/store_checks.c - migration 30 (store_schema.c): the CHECKs that a
 * column holds one of three or more words, written as comparisons.
 *
 * SQLite evaluates an IN list of more than two constants through a
 * temporary b-tree, built and freed again at every row inserted (or
 * updated in that column): a registration built six for its CHECKs (the
 * person's two, its referral, its re-screens, its notice's page and first
 * attempt), a standup a thousand (issue 19).  The same words as comparisons
 * are checked in place, and the same rows pass as before (NULL too, where
 * it passed).
 *
 * SQLite cannot alter a CHECK, and rebuilding these tables would copy every
 * row of persons, pages and attempts; so the definitions are rewritten in
 * sqlite_master, SQLite's own procedure for a change that leaves the stored
 * rows as they are (writable_schema, then schema_version one more, so that
 * every connection reads the new definitions).  Each IN list is matched as
 * migrations 1 to 29 wrote it: one that is not there (a table rebuilt by
 * hand) is left as it is, still correct.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_int.h"

static const struct {
    const char *table, *column, *in, *words;
} checks_in[] = {
    {"alarms", "state", " IN (", "open cleared resolved"},
    {"asks", "state", " IN (", "open covered expired cancelled"},
    {"attempts", "state", " IN    (", "sending queued sent delivered failed cancelled retry"},
    {"contacts", "outcome", " IN (", "no_answer contacted declined sent"},
    {"contacts", "channel", " IN (", "phone sms email letter visit"},
    {"pages", "state", " IN (", "paging acknowledged unreachable cancelled"},
    {"persons", "consent", " IN (", "given refused not_asked"},
    {"persons", "status", " IN (", "alive missing deceased"},
    {"pledges", "state", " IN (", "offered accepted declined arrived withdrawn"},
    {"referrals", "state", " IN    (", "referred waitlisted held_consent held_urgent closed"},
    {"rescreens", "state", " IN (", "pending due overdue done cancelled"},
};

/* The IN list of checks_in[i] as written (old) and as comparisons (new). */
static void check_texts(size_t i, char *old, char *new, size_t len)
{
    char words[128];
    snprintf(words, sizeof(words), "%s", checks_in[i].words);
    const char *col = checks_in[i].column;
    size_t o = (size_t)snprintf(old, len, "%s%s", col, checks_in[i].in);
    size_t n = (size_t)snprintf(new, len, "(");
    char *save = NULL;
    for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        bool first = n == 1;
        o += (size_t)snprintf(old + o, len - o, "%s'%s'", first ? "" : ", ", w);
        n += (size_t)snprintf(new + n, len - n, "%s%s = '%s'", first ? "" : " OR ", col, w);
    }
    snprintf(old + o, len - o, ")");
    snprintf(new + n, len - n, ")");
}

/* The schema's version one more: every connection reads it again. */
static int schema_cookie_bump(struct store *st)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA schema_version", -1, &s, NULL);
    int cookie = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        cookie = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) { /* no cookie at all: nothing to move on from */
        rc = SQLITE_CORRUPT;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return sql_errno(rc);
    char bump[64];
    snprintf(bump, sizeof(bump), "PRAGMA schema_version = %d", cookie + 1);
    return store_exec(st, bump);
}

/* Each IN list of checks_in rewritten in its table's definition. */
static int rewrite_checks(struct store *st)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "UPDATE sqlite_master SET sql = replace(sql, ?1, ?2)"
                                " WHERE type = 'table' AND name = ?3",
                                -1, &s, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof(checks_in) / sizeof(checks_in[0]); i++) {
        char old[256], new[256];
        check_texts(i, old, new, sizeof(old));
        sqlite3_bind_text(s, 1, old, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, new, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 3, checks_in[i].table, -1, SQLITE_STATIC);
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
        sqlite3_reset(s);
    }
    if (rc != SQLITE_OK)
        log_error("store: migration 30: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return sql_errno(rc);
}

int store__checks_as_comparisons(struct store *st)
{
    /* SQLite's defensive mode forbids writable_schema: off for this alone */
    int defensive = 0;
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)NULL);
    int rc = store_exec(st, "PRAGMA writable_schema = ON");
    if (rc == 0)
        rc = rewrite_checks(st);
    if (rc == 0)
        rc = schema_cookie_bump(st);
    /* off again, and this connection reads the definitions anew */
    int off = store_exec(st, "PRAGMA writable_schema = RESET");
    rc = rc ? rc : off;
    /* the new definitions parse (a statement that reads the schema),
     * before the migration commits: else it is rolled back */
    if (rc == 0)
        rc = store_exec(st, "SELECT 1 FROM persons LIMIT 0");
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, defensive, (int *)NULL);
    return rc;
}
