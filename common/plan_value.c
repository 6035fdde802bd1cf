/*
 * common/plan_value.c - plans, pass 2: scalar values.
 *
 * One loader per kind of scalar (string, integer, duration, time of day,
 * channel, boolean, choice) reads a node into the struct being filled, or
 * reports what the value must be, quoting what it got.  Values are strict:
 * an integer or a boolean in quotes is refused, units are spelt exactly,
 * huge numbers saturate and then fail their range.  The string checks that
 * schema fields name (ids, areas, languages, dates, email addresses...) are
 * here too.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* ---- strings ------------------------------------------------------------ */

static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
            return true;
        /* C1 controls, U+0080 to U+009F, are 0xC2 0x80 to 0xC2 0x9F */
        if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9f &&
            (unsigned char)s[i + 1] >= 0x80)
            return true;
    }
    return false;
}

/*
 * The string rules for scalar v, reported as "<what> must ...": what is
 * "\"name\"" for a key's value or "each item of \"args\"" for a list item;
 * maxc is the most characters allowed.  Returns a copy of the value (the
 * caller owns it), or NULL after reporting the problem.
 */
char *plan_string_value(struct ctx *c, const char *what, const struct field *f, int maxc,
                        const yaml_mark_t *at, const struct node *v)
{
    char sbuf[SHOW_BUF];
    const char *want;
    char *s;

    if (v->type != NODE_SCALAR)
        plan_fail(c, at, "%s must be a string, got %s", what, plan_show(v, sbuf, sizeof(sbuf)));
    else if (has_control(v->value, v->len))
        plan_fail(c, at, "%s must not contain control characters", what);
    else if (utf8_chars(v->value, v->len) == 0)
        plan_fail(c, at, "%s must not be empty", what);
    else if (utf8_chars(v->value, v->len) > (size_t)maxc)
        plan_fail(c, at, "%s must be at most %d characters", what, maxc);
    else if (f->check != NULL && (want = f->check(v->value)) != NULL)
        plan_fail(c, at, "%s must be %s, got %s", what, want, plan_show(v, sbuf, sizeof(sbuf)));
    else if ((s = strdup(v->value)) == NULL)
        c->rc = -ENOMEM;
    else
        return s;
    return NULL;
}

void plan_load_string(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                      const struct node *v, void *obj)
{
    char what[64];

    snprintf(what, sizeof(what), "\"%s\"", f->key);
    *(char **)at_off(obj, f->off) = plan_string_value(c, what, f, f->max, at, v);
}

/* ---- numbers, durations and times --------------------------------------- */

/* Parse a scalar of decimal digits (no sign) into *out, saturating. */
static bool parse_digits(const char *s, size_t len, long long *out)
{
    long long v = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v > 1000000000000LL ? v : v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* An integer: a plain scalar matching -?[0-9]+. */
bool plan_parse_int(const struct node *v, long long *out)
{
    bool neg;

    if (v->type != NODE_SCALAR || !v->plain)
        return false;
    neg = v->len > 0 && v->value[0] == '-';
    if (!parse_digits(v->value + neg, v->len - neg, out))
        return false;
    if (neg)
        *out = -*out;
    return true;
}

void plan_load_int(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                   const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    long long n;

    if (!plan_parse_int(v, &n)) {
        bool quoted = v->type == NODE_SCALAR && !v->plain;
        plan_fail(c, at, "\"%s\" must be %s, got %s", f->key,
                  quoted ? "an integer without quotes" : "an integer",
                  plan_show(v, sbuf, sizeof(sbuf)));
    } else if (n < f->min || n > f->max) {
        plan_fail(c, at, "\"%s\" must be between %d and %d, got %s", f->key, f->min, f->max,
                  v->value);
    } else {
        *(int *)at_off(obj, f->off) = (int)n;
    }
}

/* Duration units, as milliseconds. */
static const struct {
    const char *suffix;
    long long ms;
} duration_units[] = {
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000}, /* always 24 hours, whatever the clocks do */
};

/* The milliseconds of the unit spelt by exactly len bytes at s, or 0. */
static long long duration_unit(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
        if (len == strlen(duration_units[i].suffix) &&
            memcmp(s, duration_units[i].suffix, len) == 0)
            return duration_units[i].ms;
    return 0;
}

/* A duration in milliseconds: a plain integer (seconds), or digits followed
 * by one of duration_units.  Huge values saturate (and fail range checks). */
static bool parse_duration(const struct node *v, long long *out)
{
    long long n, scale = 1000;
    size_t digits;

    if (v->type != NODE_SCALAR)
        return false;
    if (!plan_parse_int(v, &n)) {
        digits = strspn(v->value, "0123456789");
        scale = duration_unit(v->value + digits, v->len - digits);
        if (scale == 0 || !parse_digits(v->value, digits, &n))
            return false;
    }
    *out = n > LLONG_MAX / scale ? LLONG_MAX : n * scale; /* n >= -10^13: no overflow below */
    return true;
}

void plan_load_duration(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                        const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    long long n;

    if (!parse_duration(v, &n))
        plan_fail(
            c, at,
            "\"%s\" must be a duration (whole seconds, or a number followed by ms, s, m, h or d), "
            "got %s",
            f->key, plan_show(v, sbuf, sizeof(sbuf)));
    else if (n < f->min || n > f->max)
        plan_fail(c, at, "\"%s\" must be between %d and %d ms, got %s", f->key, f->min, f->max,
                  v->value);
    else
        *(int64_t *)at_off(obj, f->off) = n;
}

/* A time of day "HH:MM" (two digits each, 00:00 to 23:59), plain or
 * quoted, as minutes after midnight. */
static bool parse_time_of_day(const struct node *v, int *out)
{
    const char *s = v->value;
    int h, m;

    if (v->type != NODE_SCALAR || v->len != 5 || s[2] != ':' || strspn(s, "0123456789") != 2 ||
        strspn(s + 3, "0123456789") != 2)
        return false;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return false;
    *out = h * 60 + m;
    return true;
}

void plan_load_time(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                    const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    int minute;

    if (!parse_time_of_day(v, &minute))
        plan_fail(c, at, "\"%s\" must be a time of day HH:MM, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(int *)at_off(obj, f->off) = minute;
}

/* ---- channels, booleans and names --------------------------------------- */

static const char *const channel_names[] = {
    [PLAN_CHANNEL_ZMQ] = "zmq",
    [PLAN_CHANNEL_EXEC] = "exec",
    [PLAN_CHANNEL_WEBHOOK] = "webhook",
    [PLAN_CHANNEL_EMAIL] = "email",
};

#define NCHANNELS (sizeof(channel_names) / sizeof(channel_names[0]))

const char *plan_channel_name(enum plan_channel channel)
{
    if ((size_t)channel >= NCHANNELS)
        return "unknown";
    return channel_names[channel];
}

/* The channel a node names, or -1. */
int plan_channel_parse(const struct node *v)
{
    if (v == NULL || v->type != NODE_SCALAR)
        return -1;
    for (size_t i = 0; i < NCHANNELS; i++)
        if (strcmp(v->value, channel_names[i]) == 0)
            return (int)i;
    return -1;
}

void plan_load_channel(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    int ch = plan_channel_parse(v);

    if (ch < 0)
        plan_fail(c, at, "\"%s\" must be one of zmq, exec, webhook, email, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(enum plan_channel *)at_off(obj, f->off) = (enum plan_channel)ch;
}

/* True if v is a scalar of exactly the text s. */
static bool scalar_is(const struct node *v, const char *s)
{
    return v->type == NODE_SCALAR && v->len == strlen(s) && memcmp(v->value, s, v->len) == 0;
}

/* Booleans are the plain words true and false only: "yes", "on", "True"
 * and a quoted "true" are refused, as a quoted number is for integers. */
void plan_load_bool(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                    const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    bool word = scalar_is(v, "true") || scalar_is(v, "false");

    if (!word || !v->plain)
        plan_fail(c, at, "\"%s\" must be %s, got %s", f->key,
                  word ? "true or false without quotes" : "true or false",
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(bool *)at_off(obj, f->off) = v->value[0] == 't';
}

/* The index of the name v spells, or -1. */
int plan_names_find(const struct names *nm, const struct node *v)
{
    for (size_t i = 0; i < nm->n; i++)
        if (scalar_is(v, nm->v[i]))
            return (int)i;
    return -1;
}

/* "a, b, c": the names, for messages. */
const char *plan_names_join(const struct names *nm, char *buf, size_t size)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < nm->n && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", nm->v[i]);
    return buf;
}

void plan_load_choice(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                      const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF], list[NAMES_TEXT_MAX];
    int i = plan_names_find(f->names, v);

    if (i < 0)
        plan_fail(c, at, "\"%s\" must be one of %s, got %s", f->key,
                  plan_names_join(f->names, list, sizeof(list)), plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(int *)at_off(obj, f->off) = f->names->values[i];
}

/* ---- days --------------------------------------------------------------- */

/* A number of days: a plain integer, or digits followed by d (days), w
 * (weeks) or m (months of 30 days), plain or quoted.  Saturates. */
static bool parse_days(const struct node *v, long long *out)
{
    size_t digits;
    long long n;

    if (v->type != NODE_SCALAR)
        return false;
    if (plan_parse_int(v, out))
        return true;
    digits = strspn(v->value, "0123456789");
    if (v->len != digits + 1 || !parse_digits(v->value, digits, &n))
        return false;
    switch (v->value[digits]) {
    case 'd':
        *out = n;
        return true;
    case 'w':
        *out = n * 7;
        return true;
    case 'm':
        *out = n * 30;
        return true;
    }
    return false;
}

/* One item of a K_DAYS list: its days, or 0 after reporting it. */
int plan_days_item(struct ctx *c, const struct field *f, const struct node *v)
{
    char sbuf[SHOW_BUF];
    long long n;

    if (!parse_days(v, &n))
        plan_fail(c, &v->mark,
                  "each item of \"%s\" must be a number of days, or a number followed by d (days), "
                  "w (weeks) or m (months of 30 days), got %s",
                  f->key, plan_show(v, sbuf, sizeof(sbuf)));
    else if (n < 1 || n > f->item_max)
        plan_fail(c, &v->mark, "each item of \"%s\" must be between 1 and %d days, got %s", f->key,
                  f->item_max, v->value);
    else
        return (int)n;
    return 0;
}

/* ---- value checks ------------------------------------------------------- */

const char *plan_check_id(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

    if (n == 0 || n > 40 || s[n] != '\0')
        return "1 to 40 characters from a-z, 0-9 and \"-\"";
    return NULL;
}

/* A PFIF record id's domain: "muster.cambs.example". */
const char *plan_check_domain(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.");
    if (n == 0 || n > 200 || s[n] != '\0' || !strchr(s, '.'))
        return "a domain name (a-z, 0-9, \"-\" and \".\", with a \".\")";
    return NULL;
}

const char *plan_check_area(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

    if (n == 0 || n > 60 || s[n] != '\0')
        return "1 to 60 characters from a-z, 0-9 and \"-\"";
    return NULL;
}

const char *plan_check_language(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");

    if (n < 2 || n > 3 || s[n] != '\0')
        return "a language code of 2 or 3 letters a-z (ISO 639)";
    return NULL;
}

static int month_days(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD, a day that exists in the Gregorian calendar. */
const char *plan_check_date(const char *s)
{
    const char *want = "a calendar date YYYY-MM-DD";
    int y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789") != 4 ||
        strspn(s + 5, "0123456789") != 2 || strspn(s + 8, "0123456789") != 2)
        return want;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return want;
    return NULL;
}

const char *plan_check_ref_prefix(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    if (n < 2 || n > 8 || s[n] != '\0')
        return "2 to 8 capital letters A-Z";
    return NULL;
}

/* name@domain: exactly one "@", something on both sides, no spaces. */
static bool is_email(const char *s)
{
    const char *at = strchr(s, '@');

    return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
           strpbrk(s, " \n\t") == NULL;
}

const char *plan_check_email(const char *s)
{
    return is_email(s) ? NULL : "an email address (name@domain)";
}

const char *plan_check_smtp_url(const char *s)
{
    size_t n = strncmp(s, "smtps://", 8) == 0 ? 8 : strncmp(s, "smtp://", 7) == 0 ? 7 : 0;

    if (n == 0 || s[n] == '\0' || strpbrk(s, " \n\t") != NULL)
        return "an smtp:// or smtps:// URL without spaces";
    return NULL;
}

const char *plan_check_public_url(const char *s)
{
    size_t n = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;

    if (n == 0 || s[n] == '\0' || strpbrk(s, " \n\t\"<>") != NULL || s[strlen(s) - 1] == '/')
        return "an http:// or https:// URL without spaces, not ending in /";
    return NULL;
}
