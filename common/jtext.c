/*
 * common/jtext.c - compact JSON text written directly (see jtext.h).
 */
#include "jtext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static void jtext_fail(struct jtext *t)
{
    free(t->buf);
    *t = (struct jtext){NULL, SIZE_MAX, 0};
}

void jtext_put(struct jtext *t, const char *s, size_t n)
{
    if (t->len == SIZE_MAX)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 512;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b) {
            jtext_fail(t);
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

size_t jtext_utf8_len(const unsigned char *s, size_t left)
{
    size_t n;
    uint32_t v;
    if (s[0] < 0x80)
        return 1;
    if (s[0] < 0xC2 || s[0] > 0xF4)
        return 0;
    n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (n > left)
        return 0;
    v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

/* A byte written as it is inside a JSON string: printable ASCII but the
 * quote and the backslash (the rest is escaped, or checked as UTF-8). */
static inline bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* True when none of the 8 bytes of w needs more than copying (each is
 * plain: not a control character, a quote, a backslash or past ASCII).
 * The usual bit tests for a byte below n, exact for n <= 0x80. */
static inline bool word_plain(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');
    uint64_t bad =
        ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash) | w;
    return (bad & highs) == 0;
}

void jtext_strn(struct jtext *t, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s) {
        jtext_fail(t);
        return;
    }
    jtext_put(t, "\"", 1);
    const char *run = s, *end = s + len;
    while (s < end) {
        uint64_t w;
        if (end - s >= 8 && (memcpy(&w, s, 8), word_plain(w))) {
            s += 8; /* most of a text: eight bytes at a time */
            continue;
        }
        unsigned char c = (unsigned char)*s;
        if (plain(c)) {
            s++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = jtext_utf8_len((const unsigned char *)s, (size_t)(end - s));
            if (n == 0) { /* json_string refuses it: no text */
                jtext_fail(t);
                return;
            }
            s += n;
            continue;
        }
        jtext_put(t, run, (size_t)(s - run));
        run = ++s;
        char esc[7] = {'\\', (char)c, 0};
        switch (c) {
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '"':
        case '\\':
            break;
        default: /* a control character, NUL included */
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
        }
        jtext_put(t, esc, esc[1] == 'u' ? 6 : 2);
    }
    jtext_put(t, run, (size_t)(s - run));
    jtext_put(t, "\"", 1);
}

void jtext_str(struct jtext *t, const char *s)
{
    jtext_strn(t, s, s ? strlen(s) : 0);
}

static void jtext_key(struct jtext *t, const char *key)
{
    jtext_put(t, t->len ? ",\"" : "{\"", 2);
    jtext_put(t, key, strlen(key));
    jtext_put(t, "\":", 2);
}

void jtext_kstr(struct jtext *t, const char *key, const char *value)
{
    jtext_key(t, key);
    jtext_str(t, value);
}

void jtext_kraw(struct jtext *t, const char *key, const char *json)
{
    if (!json) {
        jtext_fail(t);
        return;
    }
    jtext_key(t, key);
    jtext_put(t, json, strlen(json));
}

/* A decimal integer, as "%lld" writes it. */
static void put_int(struct jtext *t, long long value)
{
    char num[24], *p = num + sizeof(num);
    unsigned long long u = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (value < 0)
        *--p = '-';
    jtext_put(t, p, (size_t)(num + sizeof(num) - p));
}

void jtext_kint(struct jtext *t, const char *key, long long value)
{
    jtext_key(t, key);
    put_int(t, value);
}

struct dump_key {
    const char *key;
    size_t len;
    json_t *value;
};

/* jansson's order for JSON_SORT_KEYS: bytes, then the shorter first. */
static int dump_key_cmp(const void *a, const void *b)
{
    const struct dump_key *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

#define DUMP_MAX_DEPTH 2048 /* deeper (never in musterd): jansson's own dump */

/* Append v; false for a real or a document too deep, which jtext_dump
 * leaves to jansson whole. */
static bool dump_value(struct jtext *t, json_t *v, bool sort, int depth)
{
    if (depth > DUMP_MAX_DEPTH)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        struct dump_key one[16], *keys = n <= 16 ? one : malloc(n * sizeof(*keys));
        if (!keys) {
            jtext_fail(t);
            return true;
        }
        for (void *it = json_object_iter(v); it && i < n; it = json_object_iter_next(v, it), i++)
            keys[i] = (struct dump_key){json_object_iter_key(it), json_object_iter_key_len(it),
                                        json_object_iter_value(it)};
        if (sort)
            qsort(keys, i, sizeof(*keys), dump_key_cmp);
        bool ok = true;
        jtext_put(t, "{", 1);
        for (size_t k = 0; k < i && ok; k++) {
            if (k)
                jtext_put(t, ",", 1);
            jtext_strn(t, keys[k].key, keys[k].len);
            jtext_put(t, ":", 1);
            ok = dump_value(t, keys[k].value, sort, depth + 1);
        }
        jtext_put(t, "}", 1);
        if (keys != one)
            free(keys);
        return ok;
    }
    case JSON_ARRAY: {
        bool ok = true;
        jtext_put(t, "[", 1);
        for (size_t k = 0, n = json_array_size(v); k < n && ok; k++) {
            if (k)
                jtext_put(t, ",", 1);
            ok = dump_value(t, json_array_get(v, k), sort, depth + 1);
        }
        jtext_put(t, "]", 1);
        return ok;
    }
    case JSON_STRING:
        jtext_strn(t, json_string_value(v), json_string_length(v));
        return true;
    case JSON_INTEGER:
        put_int(t, (long long)json_integer_value(v));
        return true;
    case JSON_TRUE:
        jtext_put(t, "true", 4);
        return true;
    case JSON_FALSE:
        jtext_put(t, "false", 5);
        return true;
    case JSON_NULL:
        jtext_put(t, "null", 4);
        return true;
    default: /* JSON_REAL: jansson's own formatting */
        return false;
    }
}

char *jtext_dump(json_t *v, bool sort)
{
    size_t flags = JSON_COMPACT | (sort ? JSON_SORT_KEYS : 0);
    if (!json_is_object(v) && !json_is_array(v))
        return json_dumps(v, flags); /* NULL, or a bare value: refused */
    struct jtext t = {0};
    if (dump_value(&t, v, sort, 1))
        return jtext_take(&t);
    free(t.buf);
    return json_dumps(v, flags);
}

char *jtext_take(struct jtext *t)
{
    char *out = t->len == SIZE_MAX ? NULL : t->buf;
    *t = (struct jtext){0};
    return out;
}
