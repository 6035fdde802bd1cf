/*
 * daemon/jtext.c - compact JSON text written directly (see jtext.h).
 */
#include "jtext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The length of the valid UTF-8 sequence at s, or 0: the rules jansson's
 * json_string applies (no overlong form, no surrogate, nothing past
 * U+10FFFF), so a text it would refuse is refused here too. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    uint32_t v;
    if (s[0] < 0x80)
        return 1;
    if (s[0] < 0xC2 || s[0] > 0xF4)
        return 0;
    n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* the terminating NUL included */
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

void jtext_str(struct jtext *t, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s) {
        jtext_fail(t);
        return;
    }
    jtext_put(t, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)s);
            if (n == 0) { /* json_string refuses it: no text */
                jtext_fail(t);
                return;
            }
            s += n - 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jtext_put(t, run, (size_t)(s - run));
        run = s + 1;
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
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
        }
        jtext_put(t, esc, strlen(esc));
    }
    jtext_put(t, run, (size_t)(s - run));
    jtext_put(t, "\"", 1);
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

void jtext_kint(struct jtext *t, const char *key, long long value)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", value);
    jtext_key(t, key);
    jtext_put(t, num, (size_t)n);
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

char *jtext_take(struct jtext *t)
{
    char *out = t->len == SIZE_MAX ? NULL : t->buf;
    *t = (struct jtext){0};
    return out;
}
