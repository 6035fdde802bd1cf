/*
 * common/jtext_load.c - a request's JSON read directly into jansson's
 * values, for the plain requests that are nearly all of them (see
 * jtext.h).
 *
 * Why: jansson's parser reads a text one character at a time through its
 * stream and buffer layers, some 180 instructions a byte: 41 thousand of a
 * registration's 550 thousand on the loop thread, and a fifth of an
 * agency's receipt (issue 19, tests/bench/README.md).  This reads the same
 * texts in one pass and builds the same values, key order included.
 *
 * It takes only what it is sure jansson (JSON_REJECT_DUPLICATES) reads the
 * same way, and hands everything else back (NULL) for json_loadb to read
 * or to refuse with its own message: a top level that is not an object,
 * nesting past MAX_DEPTH, any \u escape, a number with a fraction or an
 * exponent or more than 18 digits, a leading zero, a control character or
 * NUL, UTF-8 that is not strictly valid, a duplicate key, and anything
 * after the object but white space.
 */
#include "jtext.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 32, MAX_DIGITS = 18 };

struct reader {
    const unsigned char *p, *end;
    char *buf; /* a string's bytes after its escapes */
    size_t cap;
};

static void skip_space(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static bool buf_room(struct reader *r, size_t need)
{
    if (need <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(r->buf, cap);
    if (!b)
        return false;
    r->buf = b;
    r->cap = cap;
    return true;
}

/* The string at r->p (after its opening quote) into r->buf, NUL ended:
 * its length, or -1 to hand the text back. */
static long read_string(struct reader *r)
{
    size_t n = 0;
    for (;;) {
        const unsigned char *start = r->p;
        while (r->p < r->end && *r->p >= 0x20 && *r->p < 0x80 && *r->p != '"' && *r->p != '\\')
            r->p++;
        size_t run = (size_t)(r->p - start);
        if (!buf_room(r, n + run + 5))
            return -1;
        memcpy(r->buf + n, start, run);
        n += run;
        if (r->p >= r->end)
            return -1;
        unsigned char c = *r->p;
        if (c == '"') {
            r->p++;
            r->buf[n] = '\0';
            return (long)n;
        }
        if (c == '\\') {
            if (r->end - r->p < 2)
                return -1;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *k = memchr(from, r->p[1], 8);
            if (!k || r->p[1] == '\0')
                return -1; /* \u and anything else: jansson's */
            r->buf[n++] = to[k - from];
            r->p += 2;
            continue;
        }
        size_t u = c >= 0x80 ? jtext_utf8_len(r->p, (size_t)(r->end - r->p)) : 0;
        if (u == 0)
            return -1; /* a control character, or not UTF-8 */
        memcpy(r->buf + n, r->p, u);
        n += u;
        r->p += u;
    }
}

/* A whole number: -?(0|[1-9][0-9]*) of at most MAX_DIGITS digits. */
static json_t *read_integer(struct reader *r)
{
    bool neg = r->p < r->end && *r->p == '-';
    if (neg)
        r->p++;
    const unsigned char *start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    size_t digits = (size_t)(r->p - start);
    if (digits == 0 || digits > MAX_DIGITS || (digits > 1 && *start == '0'))
        return NULL;
    long long v = 0;
    for (const unsigned char *d = start; d < r->p; d++)
        v = v * 10 + (*d - '0');
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
        return NULL; /* a real: jansson's */
    return json_integer(neg ? -v : v);
}

static json_t *read_value(struct reader *r, int depth);

static bool literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

static json_t *read_object(struct reader *r, int depth)
{
    json_t *o = json_object();
    skip_space(r);
    if (o && r->p < r->end && *r->p == '}') {
        r->p++;
        return o;
    }
    while (o) {
        long n = r->p < r->end && *r->p++ == '"' ? read_string(r) : -1;
        if (n < 0 || json_object_get(o, r->buf))
            break; /* a duplicate key: jansson refuses it in its words */
        char small[128], *key = (size_t)n < sizeof(small) ? small : malloc((size_t)n + 1);
        if (key)
            memcpy(key, r->buf, (size_t)n + 1); /* the value's strings reuse r->buf */
        skip_space(r);
        json_t *v = key && r->p < r->end && *r->p++ == ':' ? read_value(r, depth + 1) : NULL;
        int rc = v ? json_object_set_new_nocheck(o, key, v) : -1;
        if (key != small)
            free(key);
        if (rc != 0)
            break;
        skip_space(r);
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return o;
        }
        if (r->p >= r->end || *r->p++ != ',')
            break;
        skip_space(r);
    }
    json_decref(o);
    return NULL;
}

static json_t *read_array(struct reader *r, int depth)
{
    json_t *a = json_array();
    skip_space(r);
    if (a && r->p < r->end && *r->p == ']') {
        r->p++;
        return a;
    }
    while (a) {
        json_t *v = read_value(r, depth + 1);
        if (!v || json_array_append_new(a, v) != 0)
            break;
        skip_space(r);
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return a;
        }
        if (r->p >= r->end || *r->p++ != ',')
            break;
    }
    json_decref(a);
    return NULL;
}

static json_t *read_value(struct reader *r, int depth)
{
    skip_space(r);
    if (depth > MAX_DEPTH || r->p >= r->end)
        return NULL;
    switch (*r->p) {
    case '{':
        r->p++;
        return read_object(r, depth);
    case '[':
        r->p++;
        return read_array(r, depth);
    case '"':
        r->p++;
        return read_string(r) < 0 ? NULL : json_string_nocheck(r->buf);
    case 't':
        return literal(r, "true") ? json_true() : NULL;
    case 'f':
        return literal(r, "false") ? json_false() : NULL;
    case 'n':
        return literal(r, "null") ? json_null() : NULL;
    default:
        return read_integer(r);
    }
}

json_t *jtext_load(const char *text, size_t len)
{
    struct reader r = {(const unsigned char *)text, (const unsigned char *)text + len, NULL, 0};
    skip_space(&r);
    json_t *v = r.p < r.end && *r.p == '{' ? read_value(&r, 1) : NULL;
    skip_space(&r);
    if (v && r.p != r.end) {
        json_decref(v);
        v = NULL;
    }
    free(r.buf);
    return v;
}
