/*
 * clients/web/i18n.h - the public pages' words in every language: one
 * JSON file per language in the i18n directory (en.json, pl.json, ...),
 * an object of key -> text.  English is the reference: every other file
 * must have exactly its keys, each a non-empty text with the same
 * {placeholders}, or muster-web refuses to start (and test_web_public
 * fails), so a page never shows a missing or half-translated sentence.
 * Read once at start; read-only after, so any thread may use it.
 */
#ifndef MUSTER_WEB_I18N_H
#define MUSTER_WEB_I18N_H

#include <stdbool.h>
#include <stddef.h>

#define I18N_LANGS_MAX 32

struct i18n;

/* Read every xx.json of dir.  0 and *out, or -errno with err naming the
 * file and the key at fault. */
int i18n_open(const char *dir, struct i18n **out, char *err, size_t errlen);
void i18n_free(struct i18n *t);

/* True when lang (two lower-case letters) has a file. */
bool i18n_has(const struct i18n *t, const char *lang);

/* Every language with a file, English first, NULL-terminated; owned by t. */
const char *const *i18n_langs(const struct i18n *t);

/* The text of key in lang (English when lang has no file); the key
 * itself when English has none (a programming error the test catches).
 * Owned by t. */
const char *i18n_text(const struct i18n *t, const char *lang, const char *key);

/* The language to show: want (from ?lang=) when it is one of offered
 * (NULL-terminated, as the incident's plan lists them) and has a file,
 * else the first of Accept-Language (accept, may be NULL) that is, else
 * "en".  Returns a string of offered or "en". */
const char *i18n_pick(const struct i18n *t, const char *const *offered, const char *want,
                      const char *accept);

#endif
