/*
 * common/jtext.h - compact JSON text written directly, byte for byte as
 * jansson's json_dumps(..., JSON_COMPACT) writes the same values, for the
 * texts made once or more per registration or page (issue 19): building a
 * jansson object only to dump it was a sixth of a standup's work; and
 * jansson's values dumped the same way, in under a third of json_dumps's
 * instructions.
 */
#ifndef MUSTER_JTEXT_H
#define MUSTER_JTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A growing NUL-terminated text; len is SIZE_MAX once memory ran out (or a
 * NULL string was given), and buf is then NULL. */
struct jtext {
    char *buf;
    size_t len, cap;
};

/* Append n bytes of s as they are. */
void jtext_put(struct jtext *t, const char *s, size_t n);

/* Append s as a JSON string, escaped as json_dumps escapes it (no
 * JSON_ENSURE_ASCII: UTF-8 as it is).  NULL, or a text that is not valid
 * UTF-8 (a character cut short, an overlong form, a surrogate), is a
 * failure, as json_string refuses them. */
void jtext_str(struct jtext *t, const char *s);
/* The same for the len bytes at s, a NUL among them written \u0000. */
void jtext_strn(struct jtext *t, const char *s, size_t len);

/* Append "key":"value" ("key":value for jtext_kint) to an object: opened
 * with { when the text is empty, else after a comma.  Close it with
 * jtext_put(t, "}", 1). */
void jtext_kstr(struct jtext *t, const char *key, const char *value);
void jtext_kint(struct jtext *t, const char *key, long long value);

/* The same with a value already JSON text ("null", "true", a dumped
 * object); NULL is a failure, as for jtext_str. */
void jtext_kraw(struct jtext *t, const char *key, const char *json);

/* v as json_dumps(v, JSON_COMPACT), with JSON_SORT_KEYS when sort, writes
 * it, byte for byte (test_jtext compares them): the caller frees it; NULL
 * where json_dumps gives NULL.  A document with a real in it is left to
 * json_dumps whole (musterd's have none). */
char *jtext_dump(json_t *v, bool sort);

/* The text (the caller frees it), or NULL when memory ran out. */
char *jtext_take(struct jtext *t);

/* The length of the valid UTF-8 sequence at s (left bytes from there, at
 * least 1), or 0: the rules jansson applies to a string it makes or reads
 * (no overlong form, no surrogate, nothing past U+10FFFF), so a text it
 * would refuse is refused here too. */
size_t jtext_utf8_len(const unsigned char *s, size_t left);

/*
 * A request's text (len bytes) read into jansson's values when it is a
 * plain JSON object, exactly as json_loadb(JSON_REJECT_DUPLICATES) reads
 * it, key order included; NULL for anything it leaves to json_loadb (an
 * error, a \u escape, a real, nesting past 32: see jtext_load.c), which
 * the caller then calls.  Owned by the caller.
 */
json_t *jtext_load(const char *text, size_t len);

#endif
