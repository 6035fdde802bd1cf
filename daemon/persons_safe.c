/*
 * daemon/persons_safe.c - a person's safe-contact instructions (see
 * persons_int.h): the structured form checked at registration and
 * correction, and enforced on every contact attempt.  An instruction is
 * a list of allowed channels, channels not to use with the reason ("do
 * not write: shared address"), the hours in which the person may be
 * reached, a safe number and a free-text note.  The form registered
 * before it was structured ({"channels", "note"}) is a part of it, so
 * old records read and enforce alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "persons_int.h"
#include "proto.h"
#include "store.h"

static const char *const safe_channels[] = {"phone", "sms", "email", "letter", "visit", NULL};
static const char *const safe_members[] = {"channels",    "do_not", "hours",
                                           "safe_number", "note",   NULL};

bool persons_channel_known(const char *channel)
{
    for (const char *const *k = safe_channels; *k; k++)
        if (channel && !strcmp(*k, channel))
            return true;
    return false;
}

/* "HH:MM" as minutes after midnight, or -1. */
static int clock_minutes(json_t *v)
{
    const char *s = json_string_value(v);
    int h, m;
    char end;
    if (!s || strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 || s[2] != ':')
        return -1;
    return h >= 0 && h < 24 && m >= 0 && m < 60 ? h * 60 + m : -1;
}

static int fail(char *err, size_t len, const char *msg)
{
    snprintf(err, len, "%s", msg);
    return -1;
}

/* A telephone number: digits and " +-()", 6 to 15 digits. */
static bool safe_number_ok(json_t *v)
{
    const char *s = json_string_value(v);
    int digits = 0;
    for (; s && *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (!strchr(" +-()", *s))
            return false;
    }
    return s && digits >= 6 && digits <= 15 && json_string_length(v) <= 20;
}

/* Whether list (an array of strings, or NULL) holds word. */
static bool listed(json_t *list, const char *word)
{
    json_t *x;
    size_t i;
    json_array_foreach(list, i, x)
    {
        if (json_is_string(x) && !strcmp(json_string_value(x), word))
            return true;
    }
    return false;
}

static int valid_channels(json_t *ch, json_t *do_not, char *err, size_t len)
{
    static const char unknown[] = "safe contact channels are phone, sms, email, letter or visit";
    json_t *x;
    size_t i;
    const char *k;
    if (ch && !json_is_array(ch))
        return fail(err, len, "\"safe_contact\" \"channels\" must be a list");
    json_array_foreach(ch, i, x)
    {
        if (!persons_channel_known(json_string_value(x)))
            return fail(err, len, unknown);
    }
    if (do_not && !json_is_object(do_not))
        return fail(err, len, "\"safe_contact\" \"do_not\" maps a channel to the reason");
    json_object_foreach(do_not, k, x)
    {
        if (!persons_channel_known(k))
            return fail(err, len, unknown);
        if (!json_is_string(x) || json_string_length(x) < 1 || json_string_length(x) > 200 ||
            proto_control_char(json_string_value(x), json_string_length(x), false) >= 0)
            return fail(err, len, "a \"do_not\" reason is 1-200 characters of one line");
        if (listed(ch, k))
            return fail(err, len, "a channel cannot be both allowed and in \"do_not\"");
    }
    return 0;
}

static int valid_hours(json_t *h, char *err, size_t len)
{
    if (!h)
        return 0;
    json_t *from = json_object_get(h, "from"), *to = json_object_get(h, "to");
    if (!json_is_object(h) || json_object_size(h) != 2 || clock_minutes(from) < 0 ||
        clock_minutes(to) < 0 || clock_minutes(from) == clock_minutes(to))
        return fail(err, len,
                    "\"safe_contact\" \"hours\" is {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}, "
                    "two different times");
    return 0;
}

int persons_safe_valid(json_t *v, char *err, size_t len)
{
    const char *k;
    json_t *x, *note = json_object_get(v, "note"), *num = json_object_get(v, "safe_number");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return fail(err, len,
                    "\"safe_contact\" is {\"channels\", \"do_not\", \"hours\", \"safe_number\", "
                    "\"note\"}");
    json_object_foreach(v, k, x)
    {
        const char *const *m = safe_members;
        while (*m && strcmp(*m, k))
            m++;
        if (!*m)
            return fail(err, len,
                        "\"safe_contact\" has channels, do_not, hours, safe_number and note");
    }
    if (note && (!json_is_string(note) || json_string_length(note) > 500))
        return fail(err, len, "\"safe_contact\" \"note\" is a string of at most 500 bytes");
    if (note && proto_control_char(json_string_value(note), json_string_length(note), true) >= 0)
        return fail(err, len,
                    "\"safe_contact\" \"note\" must not contain control characters other than "
                    "new line and tab");
    if (num && !safe_number_ok(num))
        return fail(err, len, "\"safe_contact\" \"safe_number\" must be a telephone number");
    if (valid_channels(json_object_get(v, "channels"), json_object_get(v, "do_not"), err, len))
        return -1;
    return valid_hours(json_object_get(v, "hours"), err, len);
}

/* Minutes after the daemon's local midnight at ms. */
static int local_minutes(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
}

static bool in_hours(json_t *h, int64_t now)
{
    int from = clock_minutes(json_object_get(h, "from"));
    int to = clock_minutes(json_object_get(h, "to")), at = local_minutes(now);
    return from < to ? at >= from && at < to : at >= from || at < to;
}

static void allowed_list(json_t *ch, char *out, size_t len)
{
    json_t *x;
    size_t i, n = 0;
    out[0] = '\0';
    json_array_foreach(ch, i, x)
    {
        if (n < len)
            n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : "", json_string_value(x));
    }
}

/* Whether sc (a valid instruction) allows channel at now: 0, or 1 with
 * the instruction quoted in why. */
static int safe_allows(json_t *sc, const char *channel, int64_t now, char *why, size_t len)
{
    json_t *ch = json_object_get(sc, "channels");
    json_t *reason = json_object_get(json_object_get(sc, "do_not"), channel);
    json_t *h = json_object_get(sc, "hours");
    char list[64];
    if (reason) {
        snprintf(why, len, "safe contact: do not use %s: %s", channel, json_string_value(reason));
        return 1;
    }
    if (json_array_size(ch) > 0 && !listed(ch, channel)) {
        allowed_list(ch, list, sizeof(list));
        snprintf(why, len, "safe contact: only by %s, not %s", list, channel);
        return 1;
    }
    if (h && strcmp(channel, "letter") && !in_hours(h, now)) {
        snprintf(why, len, "safe contact: only between %s and %s, not by %s now",
                 json_string_value(json_object_get(h, "from")),
                 json_string_value(json_object_get(h, "to")), channel);
        return 1;
    }
    return 0;
}

static const char SQL_SAFE_OF[] = "SELECT safe_contact FROM persons WHERE id = ?1";

int persons_safe_check(struct store *st, int64_t person_id, const char *channel, int64_t now,
                       char *why, size_t len)
{
    sqlite3_stmt *s = store_stmt(st, SQL_SAFE_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, person_id);
    int rc = store_step(s);
    json_t *sc = rc > 0 && store_col_text(s, 0) ? json_loads(store_col_text(s, 0), 0, NULL) : NULL;
    sqlite3_reset(s);
    if (rc < 0)
        return rc;
    rc = json_is_object(sc) ? safe_allows(sc, channel, now, why, len) : 0;
    json_decref(sc);
    return rc;
}
