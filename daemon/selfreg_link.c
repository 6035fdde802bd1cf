/*
 * daemon/selfreg_link.c - a way back in for a person who registered
 * themselves: one-time links (tokens) issued to the contact they gave, and
 * the safe-contact changes and consent withdrawal made through one (see
 * selfreg.h).  A token is 32 random bytes in base64url; only its SHA-256
 * is stored, it works once and for SELFREG_TOKEN_MS.
 */
#include "selfreg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "persons.h"
#include "server.h"
#include "store.h"

static void token_hash(const char *token, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The person whose self-registration has reference and whose own contact
 * is the phone number (its key) or email address given: not rejected,
 * not purged, its incident not closed. */
static const char SQL_LINK_MATCH[] =
    "SELECT s.person_id, i.ref, coalesce(pb.public_name, ''), coalesce(s.language, 'en')"
    " FROM selfregs s JOIN persons p ON p.id = s.person_id"
    " JOIN incidents i ON i.id = s.incident_id"
    " LEFT JOIN publications pb ON pb.incident_id = s.incident_id"
    " WHERE s.reference = ?1 AND s.state <> 'rejected' AND p.purged = 0"
    " AND i.closed_at IS NULL AND ((?2 IS NOT NULL AND p.phone_key = ?2)"
    " OR (?3 IS NOT NULL AND lower(p.email) = lower(?3)))";
static const char SQL_LINKS_RECENT[] =
    "SELECT count(*) FROM public_tokens WHERE person_id = ?1 AND created_at > ?2";
static const char SQL_TOKEN_ADD[] =
    "INSERT INTO public_tokens (hash, person_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)";

static int link_match(struct muster *m, const char *reference, const char *phone_key,
                      const char *email, struct selfreg_link *out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_LINK_MATCH);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, reference, -1, SQLITE_STATIC);
    store_bind_text_opt(s, 2, phone_key);
    store_bind_text_opt(s, 3, email);
    int rc = store_step(s);
    if (rc > 0) {
        out->person = sqlite3_column_int64(s, 0);
        snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 1));
        snprintf(out->public_name, sizeof(out->public_name), "%s", store_col_text(s, 2));
        snprintf(out->language, sizeof(out->language), "%s", store_col_text(s, 3));
    }
    sqlite3_reset(s);
    return rc;
}

/* How many links person was sent since `since`. */
static int links_since(struct muster *m, int64_t person, int64_t since, int64_t *n)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_LINKS_RECENT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    sqlite3_bind_int64(s, 2, since);
    int rc = store_step(s);
    *n = rc > 0 ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

int selfreg_link_issue(struct muster *m, const char *reference, const char *phone_key,
                       const char *email, int64_t now, struct selfreg_link *out)
{
    int64_t n = 0;
    int rc = link_match(m, reference, phone_key, email, out);
    if (rc <= 0)
        return rc;
    if ((rc = links_since(m, out->person, now - SELFREG_LINK_WINDOW_MS, &n)) != 0)
        return rc;
    if (n >= SELFREG_LINKS_PER_WINDOW)
        return 0; /* enough links this hour: the same answer, nothing sent */
    unsigned char raw[32];
    char hex[65];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out->token, sizeof(out->token), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    token_hash(out->token, hex);
    sqlite3_stmt *s = store_stmt(m->store, SQL_TOKEN_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, out->person);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, now + SELFREG_TOKEN_MS);
    rc = store_exec_stmt(s);
    return rc ? rc : 1;
}

/* A token that works: not used, not expired, its person not purged. */
static const char SQL_TOKEN_FIND[] =
    "SELECT t.person_id, p.incident_id, i.ref, coalesce(pb.public_name, ''),"
    " coalesce(s.language, 'en'), s.safe_to_call, s.safe_note,"
    " CASE p.consent WHEN 'refused' THEN 'withdrawn' ELSE p.consent END,"
    " p.phone, p.email"
    " FROM public_tokens t JOIN persons p ON p.id = t.person_id"
    " JOIN selfregs s ON s.person_id = t.person_id JOIN incidents i ON i.id = p.incident_id"
    " LEFT JOIN publications pb ON pb.incident_id = p.incident_id"
    " WHERE t.hash = ?1 AND t.used_at IS NULL AND t.expires_at > ?2 AND p.purged = 0"
    " AND s.state <> 'rejected'";

int selfreg_token_find(struct muster *m, const char *token, int64_t now, struct selfreg_token *out)
{
    char hex[65];
    token_hash(token, hex);
    sqlite3_stmt *s = store_stmt(m->store, SQL_TOKEN_FIND);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_step(s);
    if (rc > 0) {
        out->person = sqlite3_column_int64(s, 0);
        out->incident_id = sqlite3_column_int64(s, 1);
        snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 2));
        snprintf(out->hash, sizeof(out->hash), "%s", hex);
        out->view =
            json_pack("{s:s, s:s, s:o, s:o, s:s}", "public_name", store_col_text(s, 3), "language",
                      store_col_text(s, 4), "safe_to_call", store_col_opt_text(s, 5), "safe_note",
                      store_col_opt_text(s, 6), "consent", store_col_text(s, 7));
        out->old = json_pack("{s:o, s:o, s:o, s:o}", "safe_to_call", store_col_opt_text(s, 5),
                             "safe_note", store_col_opt_text(s, 6), "phone",
                             store_col_opt_text(s, 8), "email", store_col_opt_text(s, 9));
    }
    sqlite3_reset(s);
    return rc;
}

void selfreg_token_clear(struct selfreg_token *t)
{
    json_decref(t->view);
    json_decref(t->old);
    t->view = t->old = NULL;
}

static const char SQL_TOKEN_USE[] =
    "UPDATE public_tokens SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL";
static const char SQL_CONTACT_SET[] =
    "UPDATE persons SET phone = coalesce(?2, phone), phone_key = coalesce(?3, phone_key),"
    " email = coalesce(?4, email) WHERE id = ?1";
static const char SQL_SAFE_SET[] = "UPDATE selfregs SET safe_to_call = coalesce(?2, safe_to_call),"
                                   " safe_note = coalesce(?3, safe_note) WHERE person_id = ?1";
static const char SQL_CONSENT_WITHDRAW[] = "UPDATE persons SET consent = 'refused' WHERE id = ?1";

static int bind_run(sqlite3_stmt *s, int64_t person, const char *const *text, int n)
{
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person);
    for (int i = 0; i < n; i++)
        store_bind_text_opt(s, 2 + i, text[i]);
    return store_exec_stmt(s);
}

/* The old values of the changed fields, kept as person.update keeps them
 * (a correction, purged with the person): *id the row. */
static int old_keep(struct muster *m, const struct selfreg_token *t, json_t *fields, const char *by,
                    int64_t now, int64_t *id)
{
    json_t *old = json_object(), *f;
    size_t i;
    json_array_foreach(fields, i, f)
    {
        json_t *v = json_object_get(t->old, json_string_value(f));
        json_object_set(old, json_string_value(f), v ? v : json_null());
    }
    int rc = persons_correction_add(m, t->person, now, by, fields, old, id);
    json_decref(old);
    return rc;
}

int selfreg_token_apply(struct muster *m, const struct selfreg_token *t,
                        const struct selfreg_change *ch, json_t *fields, const char *by,
                        int64_t now, int64_t *correction)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_TOKEN_USE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, t->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_exec_stmt(s);
    if (rc == 0 && sqlite3_changes(sqlite3_db_handle(s)) != 1)
        return -ENOENT; /* used by a request earlier in this batch */
    const char *contact[] = {ch->phone, ch->phone_key, ch->email};
    const char *safe[] = {ch->safe_to_call, ch->safe_note};
    if (rc == 0)
        rc = bind_run(store_stmt(m->store, SQL_CONTACT_SET), t->person, contact, 3);
    if (rc == 0)
        rc = bind_run(store_stmt(m->store, SQL_SAFE_SET), t->person, safe, 2);
    if (rc == 0 && ch->withdraw_consent)
        rc = bind_run(store_stmt(m->store, SQL_CONSENT_WITHDRAW), t->person, NULL, 0);
    *correction = 0;
    if (rc == 0 && json_array_size(fields) > 0)
        rc = old_keep(m, t, fields, by, now, correction);
    return rc;
}
