/*
 * daemon/selfreg.h - the public door: incidents Gold publishes for
 * self-registration, the self-registrations and call-back requests that
 * come through it (unverified until a call handler verifies or rejects
 * them), their board queue, and the one-time links back in.
 *
 * selfreg.c owns the tables publications, selfregs and public_tokens, and
 * writes the persons rows of self-registrations (the persons module's
 * table: a self-registration is a person with category "self-referred",
 * not routed, until person.verify).  The commands are in selfreg_cmd.c
 * (incident.publish, incident.unpublish, person.verify) and public_cmd.c
 * (public.*, run by the web gateway's own key only).
 *
 * Every function runs inside the batch's transaction and returns 0 (or
 * the count or flag it names) or -errno.
 */
#ifndef MUSTER_SELFREG_H
#define MUSTER_SELFREG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define SELFREG_KEYWORD_MAX 16
#define SELFREG_PUBLIC_NAME_MAX 100
#define SELFREG_REFERENCE_LEN 12 /* "SR-XXXX-XXXX" */
/* The name a call-back request (public.callback) is listed under: the
 * person gave only their number or address. */
#define SELFREG_CALLBACK_NAME "(call-back request)"

struct muster;
struct outbox;

/* A published incident, as public commands find it. */
struct selfreg_pub {
    int64_t incident_id;
    char ref[32];
    char public_name[SELFREG_PUBLIC_NAME_MAX * 4 + 1];
    char keyword[SELFREG_KEYWORD_MAX + 1];
};

/* Publish incident_id as public_name under keyword (upper case), by `by`
 * at now, or update its publication.  -EEXIST when another published
 * incident has the keyword. */
int selfreg_publish(struct muster *m, int64_t incident_id, const char *public_name,
                    const char *keyword, const char *by, int64_t now);

/* Withdraw incident_id's publication at now: 1 when it was published,
 * 0 when not. */
int selfreg_unpublish(struct muster *m, int64_t incident_id, int64_t now);

/* The published incident whose ref (by_keyword false) or keyword (true)
 * is key, not closed: 1 found (*out), 0 none. */
int selfreg_pub_find(struct muster *m, const char *key, bool by_keyword, struct selfreg_pub *out);

/* Every published incident as public.incidents lists it (*out new). */
int selfreg_pub_list(struct muster *m, json_t **out);

/* Public submissions to incident_id in the minute before now: *n, and
 * *oldest the time of the oldest of them (0 when none). */
int selfreg_recent(struct muster *m, int64_t incident_id, int64_t now, int64_t *n, int64_t *oldest);

/* A self-registration or call-back request, as its command checked it
 * (strings borrowed; NULL when not given). */
struct selfreg_in {
    int64_t incident_id;
    const char *name, *name_key, *phone, *phone_key, *email, *home_area, *language;
    const char *safe_to_call, *safe_note, *involvement, *consent;
    const char *source; /* "web", "sms" or "email" */
    bool wants_support;
    int64_t referral_due_at;
};

/* Store in: a person of category "self-referred" (not routed), its
 * selfregs row with a new reference (written to reference, NUL ended),
 * its possible duplicates flagged (*dups of them), the board queue and a
 * person.self_registered event.  *person is its id. */
int selfreg_add(struct muster *m, struct outbox *ob, const struct selfreg_in *in, const char *by,
                int64_t now, int64_t *person, char reference[SELFREG_REFERENCE_LEN + 1], int *dups);

/* The self-registration state of person: 1 with state (unverified,
 * verified, rejected) and involvement copied out, 0 when the person did not
 * register themselves. */
int selfreg_state(struct muster *m, int64_t person, char state[16], char involvement[16]);

/* Person (unverified) verified at now by `by` (note may be NULL): its
 * category becomes category, and it leaves the queue.  The caller routes
 * it. */
int selfreg_verified(struct muster *m, struct outbox *ob, int64_t person, const char *category,
                     const char *note, const char *by, int64_t now);

/* Person (unverified) rejected as junk at now by `by`: its personal
 * fields are erased from every table at once (the file is checkpointed
 * after the commit) and it leaves the queue. */
int selfreg_rejected(struct muster *m, struct outbox *ob, int64_t person, const char *by,
                     int64_t now);

/* The incident's "selfreg/unverified" board value, {count, oldest_at},
 * for the next feed event (selfreg_board_put) or into a snapshot board
 * (selfreg_board, which adds it only for an incident ever published). */
int selfreg_board_put(struct muster *m, struct outbox *ob, int64_t incident_id);
int selfreg_board(struct muster *m, int64_t incident_id, json_t *board);

/* Person's self-registration, as person.show adds it to r under
 * "self_registration": {reference, state, source, involvement,
 * wants_support, safe_to_call, safe_note, registered_at, decided_at,
 * decided_by, note}, or for an agency (brief) only {safe_to_call,
 * safe_note}; nothing for a person who did not register themselves. */
int selfreg_person_json(struct muster *m, int64_t person, bool brief, json_t *r);

/* ---- the way back in (selfreg_link.c) ---- */

#define SELFREG_TOKEN_MS (24LL * 3600 * 1000) /* a one-time link works for a day */
#define SELFREG_LINK_WINDOW_MS (3600LL * 1000)
#define SELFREG_LINKS_PER_WINDOW 3 /* links sent to one person an hour, at most */

/* A link issued: the person, its incident, and the token (to send, never
 * stored). */
struct selfreg_link {
    int64_t person;
    char ref[32];
    char public_name[SELFREG_PUBLIC_NAME_MAX * 4 + 1];
    char language[8];
    char token[48]; /* 32 bytes in base64url, 43 characters */
};

/* When reference's self-registration has the contact given (phone_key:
 * a telephone number's key, or email), and fewer than
 * SELFREG_LINKS_PER_WINDOW links went to it in the last hour: a new token
 * stored (its hash) and 1 with *out filled; else 0 (the same for every
 * reason: the caller answers the same). */
int selfreg_link_issue(struct muster *m, const char *reference, const char *phone_key,
                       const char *email, int64_t now, struct selfreg_link *out);

/* A token that works, as found: view is what the person may see
 * ({public_name, language, safe_to_call, safe_note, consent}), old the
 * values a change replaces (both new references: selfreg_token_clear). */
struct selfreg_token {
    int64_t person, incident_id;
    char ref[32];
    char hash[65];
    json_t *view, *old;
};

/* Token, unused and unexpired at now, of a person not purged or
 * rejected: 1 with *out filled, 0 none. */
int selfreg_token_find(struct muster *m, const char *token, int64_t now, struct selfreg_token *out);
void selfreg_token_clear(struct selfreg_token *t);

/* The changes a person makes through a link (NULL: unchanged). */
struct selfreg_change {
    const char *safe_to_call, *safe_note, *phone, *phone_key, *email;
    bool withdraw_consent;
};

/* Use token t (once: -ENOENT when it was used meanwhile) for change ch
 * at now by `by`: the contact and safe-contact fields set, the consent
 * withdrawn (the caller closes the referrals), the old values of fields
 * (a JSON array of their names) kept as a correction (*correction its id,
 * 0 when no field changed). */
int selfreg_token_apply(struct muster *m, const struct selfreg_token *t,
                        const struct selfreg_change *ch, json_t *fields, const char *by,
                        int64_t now, int64_t *correction);

#endif
