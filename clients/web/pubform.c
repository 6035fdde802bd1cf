/*
 * clients/web/pubform.c - the public form's decoding, checks and time
 * challenge (see pubform.h).
 */
#include "pubform.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"

/* The limits are musterd's for public.register (docs/protocol.md). */
const struct pubform_def pubform_defs[PUBFORM_NFIELDS] = {
    [PF_NAME] = {"name", 200},
    [PF_PHONE] = {"phone", 20},
    [PF_EMAIL] = {"email", 254},
    [PF_SAFE_TO_CALL] = {"safe_to_call", 200},
    [PF_SAFE_NOTE] = {"safe_note", 500},
    [PF_LANGUAGE] = {"language", 16}, /* a choice: its rule says what is wrong */
    [PF_HOME_AREA] = {"home_area", 100},
    [PF_INVOLVEMENT] = {"involvement", 16},
    [PF_SUPPORT] = {"support", 16},
    [PF_CONSENT] = {"consent", 16},
    [PF_T] = {"t", PUBFORM_T_LEN - 1},
    [PF_WITHDRAW] = {"withdraw", 16},
    [PF_REFERENCE] = {"reference", 32},
    [PF_CONTACT] = {"contact", 254},
};

const char *const pubform_involvements[] = {"injured",  "present", "witness",
                                            "bereaved", "worried", NULL};

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0'
           : c >= 'a' && c <= 'f'    ? c - 'a' + 10
           : c >= 'A' && c <= 'F'    ? c - 'A' + 10
                                     : -1;
}

/* Decode n bytes of s (+ is a space, %XX a byte) into a new string. */
static char *decode(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
            if (lo < 0) {
                free(out);
                return NULL;
            }
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    if (out)
        out[k] = '\0', *outlen = k;
    return out;
}

static int field_of(const char *name, size_t n)
{
    for (int i = 0; i < PUBFORM_NFIELDS; i++)
        if (strlen(pubform_defs[i].name) == n && !memcmp(pubform_defs[i].name, name, n))
            return i;
    return -1;
}

/* One "name=value" of n bytes at p. */
static int parse_pair(const char *p, size_t n, struct pubform *f)
{
    const char *eq = memchr(p, '=', n);
    size_t nlen = eq ? (size_t)(eq - p) : n;
    int i = field_of(p, nlen);
    if (i < 0)
        return 0;
    if (f->v[i])
        return -EINVAL;
    f->v[i] = decode(eq ? eq + 1 : p + n, eq ? n - nlen - 1 : 0, &f->len[i]);
    return f->v[i] ? 0 : -EINVAL;
}

int pubform_parse(const char *body, size_t len, struct pubform *f)
{
    memset(f, 0, sizeof(*f));
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < len;) {
        const char *amp = memchr(body + at, '&', len - at);
        size_t n = amp ? (size_t)(amp - (body + at)) : len - at;
        rc = parse_pair(body + at, n, f);
        at += n + 1;
    }
    if (rc != 0)
        pubform_free(f);
    return rc;
}

void pubform_free(struct pubform *f)
{
    for (int i = 0; i < PUBFORM_NFIELDS; i++) {
        if (f->v[i])
            sodium_memzero(f->v[i], f->len[i]);
        free(f->v[i]);
        f->v[i] = NULL;
    }
}

/* NULL when field i is usable, else the key of what is wrong. */
static const char *usable(const struct pubform *f, enum pubform_field i)
{
    const char *s = f->v[i];
    size_t n = f->len[i];
    if (!s)
        return NULL;
    json_t *valid = json_stringn(s, n); /* NULL for invalid UTF-8 or a NUL */
    json_decref(valid);
    /* no name, number, area or note has markup in it: "<" or ">" is a script, refused */
    if (!valid || strlen(s) != n || proto_control_char(s, n, false) >= 0 || strpbrk(s, "<>"))
        return "err_bad_chars";
    return proto_utf8_chars(s, n) > pubform_defs[i].max ? "err_too_long" : NULL;
}

const char *pubform_text(const struct pubform *f, enum pubform_field i)
{
    return f->v[i] && !usable(f, i) ? f->v[i] : NULL;
}

static bool blank(const struct pubform *f, enum pubform_field i)
{
    for (const char *p = f->v[i]; p && *p; p++)
        if (!isspace((unsigned char)*p))
            return false;
    return true;
}

static bool phone_ok(const char *s)
{
    size_t digits = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr("+ -()", *p))
            return false;
    }
    return digits >= 6 && digits <= 15; /* as musterd takes them */
}

static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at > s && !strchr(at + 1, '@') && strchr(at + 1, '.') && !strpbrk(s, " <>\"") &&
           at[1] != '.';
}

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; s && list && list[i]; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* The field-by-field rules of a registration, after usable(). */
static const char *rule(const struct pubform *f, enum pubform_field i, const char *const *languages)
{
    static const char *const yes_no[] = {"yes", "no", NULL}, *const yes[] = {"yes", NULL};
    const char *s = f->v[i];
    switch (i) {
    case PF_NAME:
        return blank(f, i) ? "err_name" : NULL;
    case PF_PHONE:
        return !blank(f, i) && !phone_ok(s) ? "err_phone" : NULL;
    case PF_EMAIL:
        return !blank(f, i) && !email_ok(s) ? "err_email" : NULL;
    case PF_SAFE_TO_CALL:
        return blank(f, i) ? "err_safe_to_call" : NULL;
    case PF_HOME_AREA:
        return blank(f, i) ? "err_home_area" : NULL;
    case PF_LANGUAGE:
        return one_of(s, languages) ? NULL : "err_bad_chars";
    case PF_INVOLVEMENT:
        return one_of(s, pubform_involvements) ? NULL : "err_involvement";
    case PF_SUPPORT:
        return one_of(s, yes_no) ? NULL : "err_support";
    case PF_CONSENT:
        return one_of(s, yes) ? NULL : "err_consent";
    default:
        return NULL;
    }
}

int pubform_check(const struct pubform *f, const char *const *languages,
                  const char *err[PUBFORM_NFIELDS])
{
    int n = 0;
    for (int i = 0; i < PUBFORM_NFIELDS; i++) {
        err[i] = usable(f, i);
        if (!err[i])
            err[i] = rule(f, i, languages);
        n += err[i] != NULL;
    }
    if (!err[PF_PHONE] && !err[PF_EMAIL] && blank(f, PF_PHONE) && blank(f, PF_EMAIL))
        err[PF_PHONE] = "err_contact", n++;
    return n;
}

int pubform_check_update(const struct pubform *f, const char *err[PUBFORM_NFIELDS])
{
    int n = 0;
    for (int i = 0; i < PUBFORM_NFIELDS; i++) {
        err[i] = usable(f, i);
        if (!err[i] && (i == PF_PHONE || i == PF_EMAIL))
            err[i] = rule(f, i, NULL);
        n += err[i] != NULL;
    }
    return n;
}

int pubform_check_link(const struct pubform *f, const char *err[PUBFORM_NFIELDS])
{
    int n = 0;
    for (int i = 0; i < PUBFORM_NFIELDS; i++) {
        err[i] = usable(f, i);
        if (!err[i] && i == PF_REFERENCE && blank(f, i))
            err[i] = "err_reference";
        if (!err[i] && i == PF_CONTACT && blank(f, i))
            err[i] = "err_contact_given";
        n += err[i] != NULL;
    }
    return n;
}

/* A text field into args unless it is blank. */
static void put(json_t *args, const struct pubform *f, enum pubform_field i)
{
    if (!blank(f, i))
        json_object_set_new(args, pubform_defs[i].name, json_string(f->v[i]));
}

json_t *pubform_register_args(const struct pubform *f, const char *incident)
{
    json_t *args =
        json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s}", "incident", incident, "name",
                  f->v[PF_NAME], "language", f->v[PF_LANGUAGE], "involvement", f->v[PF_INVOLVEMENT],
                  "wants_support", !strcmp(f->v[PF_SUPPORT], "yes"), "consent", 1, "source", "web");
    enum pubform_field text[] = {PF_PHONE, PF_EMAIL, PF_SAFE_TO_CALL, PF_SAFE_NOTE, PF_HOME_AREA};
    for (size_t i = 0; args && i < sizeof(text) / sizeof(text[0]); i++)
        put(args, f, text[i]);
    return args;
}

static void mac_of(const unsigned char secret[PUBFORM_SECRET_LEN], const unsigned char at[8],
                   const char *keyword, unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, secret, PUBFORM_SECRET_LEN);
    crypto_auth_hmacsha256_update(&st, at, 8);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)keyword, strlen(keyword));
    crypto_auth_hmacsha256_final(&st, out);
}

void pubform_challenge(const unsigned char secret[PUBFORM_SECRET_LEN], const char *keyword,
                       int64_t now_s, char out[PUBFORM_T_LEN])
{
    unsigned char raw[8 + crypto_auth_hmacsha256_BYTES];
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)((uint64_t)now_s >> (56 - 8 * i));
    mac_of(secret, raw, keyword, raw + 8);
    sodium_bin2base64(out, PUBFORM_T_LEN, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int pubform_challenge_check(const unsigned char secret[PUBFORM_SECRET_LEN], const char *keyword,
                            const char *t, int64_t now_s)
{
    unsigned char raw[8 + crypto_auth_hmacsha256_BYTES], want[crypto_auth_hmacsha256_BYTES];
    size_t n = 0;
    if (!t ||
        sodium_base642bin(raw, sizeof(raw), t, strlen(t), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof(raw))
        return -EINVAL;
    mac_of(secret, raw, keyword, want);
    if (sodium_memcmp(want, raw + 8, sizeof(want)) != 0)
        return -EINVAL;
    uint64_t at = 0;
    for (int i = 0; i < 8; i++)
        at = at << 8 | raw[i];
    int64_t age = now_s - (int64_t)at;
    return age < PUBFORM_MIN_AGE_S ? -EAGAIN : age > PUBFORM_MAX_AGE_S ? -ETIME : 0;
}
