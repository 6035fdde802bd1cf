/*
 * clients/web/pubform.h - the public self-registration form as it
 * arrives (application/x-www-form-urlencoded): decoding, the checks made
 * before musterd is asked (lengths as musterd's, no control characters,
 * no "<" or ">", valid UTF-8, the choices offered), and the time challenge.
 *
 * The time challenge: the form carries a hidden field t =
 * base64url(issued_at || HMAC-SHA256(secret, issued_at || keyword)),
 * issued_at the gateway's Unix time in seconds as 8 big-endian bytes and
 * the secret the gateway's own (random at start).  A submission is taken
 * only between PUBFORM_MIN_AGE_S and PUBFORM_MAX_AGE_S after its form was
 * served: a script posting at once, or a form forged without the secret,
 * is refused before musterd hears of it.  No cookie, no session.
 * Pure functions, safe on any thread.
 */
#ifndef MUSTER_WEB_PUBFORM_H
#define MUSTER_WEB_PUBFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PUBFORM_BODY_MAX 8192 /* a larger body is refused whole (413) */
#define PUBFORM_MIN_AGE_S 3
#define PUBFORM_MAX_AGE_S (2 * 3600)
#define PUBFORM_SECRET_LEN 32
#define PUBFORM_T_LEN 55 /* base64url of 8 + 32 bytes, and the NUL */

enum pubform_field {
    PF_NAME,
    PF_PHONE,
    PF_EMAIL,
    PF_SAFE_TO_CALL,
    PF_SAFE_NOTE,
    PF_LANGUAGE,
    PF_HOME_AREA,
    PF_INVOLVEMENT,
    PF_SUPPORT,
    PF_CONSENT,
    PF_T,
    PF_WITHDRAW,
    PF_REFERENCE, /* asking for a one-time link: the reference */
    PF_CONTACT,   /* and the phone or e-mail given */
    PUBFORM_NFIELDS
};

/* A field: its form name and the most characters it may have. */
struct pubform_def {
    const char *name;
    size_t max;
};
extern const struct pubform_def pubform_defs[PUBFORM_NFIELDS];

/* The involvements offered, NULL-terminated (i18n key "inv_" + each). */
extern const char *const pubform_involvements[];

/* A decoded form: each field's bytes (NUL-terminated; len counts a
 * decoded %00 too) or NULL when it was not sent. */
struct pubform {
    char *v[PUBFORM_NFIELDS];
    size_t len[PUBFORM_NFIELDS];
};

/* Decode body into f (fields it does not know are ignored).  0, or
 * -EINVAL for a malformed body or a field sent twice (f is then empty);
 * -ENOMEM.  Free f with pubform_free either way. */
int pubform_parse(const char *body, size_t len, struct pubform *f);
void pubform_free(struct pubform *f);

/* The field's text when it is usable (valid UTF-8, no control character,
 * not over its limit), else NULL: what a page may show back. */
const char *pubform_text(const struct pubform *f, enum pubform_field i);

/* Check a registration.  For each field at fault, err[i] is the i18n key
 * of the message to show (others NULL); languages (NULL-terminated) are
 * those the incident offers.  Returns how many fields are at fault. */
int pubform_check(const struct pubform *f, const char *const *languages,
                  const char *err[PUBFORM_NFIELDS]);

/* Check an update through a one-time link (every field optional). */
int pubform_check_update(const struct pubform *f, const char *err[PUBFORM_NFIELDS]);

/* Check a request for a one-time link (reference and contact). */
int pubform_check_link(const struct pubform *f, const char *err[PUBFORM_NFIELDS]);

/* public.register's arguments for a checked registration (new). */
json_t *pubform_register_args(const struct pubform *f, const char *incident);

/* A challenge for keyword issued at now_s, into out. */
void pubform_challenge(const unsigned char secret[PUBFORM_SECRET_LEN], const char *keyword,
                       int64_t now_s, char out[PUBFORM_T_LEN]);

/* 0 when t was issued for keyword with secret between the minimum and
 * maximum age before now_s; -EAGAIN too soon, -ETIME too old, -EINVAL
 * not one of ours. */
int pubform_challenge_check(const unsigned char secret[PUBFORM_SECRET_LEN], const char *keyword,
                            const char *t, int64_t now_s);

#endif
