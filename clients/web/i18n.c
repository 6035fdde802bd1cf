/*
 * clients/web/i18n.c - the public pages' translations (see i18n.h):
 * loading, the completeness checks, and choosing a language.
 */
#include "i18n.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

struct i18n {
    size_t n;
    char lang[I18N_LANGS_MAX][3];
    json_t *text[I18N_LANGS_MAX]; /* [0] is English */
    const char *names[I18N_LANGS_MAX + 1];
};

static bool lang_file(const char *name, char lang[3])
{
    if (strlen(name) != 7 || strcmp(name + 2, ".json") || !islower((unsigned char)name[0]) ||
        !islower((unsigned char)name[1]))
        return false;
    lang[0] = name[0], lang[1] = name[1], lang[2] = '\0';
    return true;
}

/* The placeholders of s ("{name}" ...), sorted and joined, into out. */
static void placeholders(const char *s, char *out, size_t outlen)
{
    char found[16][32];
    size_t n = 0;
    for (const char *p = strchr(s, '{'); p && n < 16; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (e && e - p < 32)
            snprintf(found[n++], sizeof(found[0]), "%.*s", (int)(e - p + 1), p);
    }
    qsort(found, n, sizeof(found[0]), (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s", found[i]);
}

/* Every key of en in t with a non-empty text and the same placeholders,
 * and nothing else. */
static int check_lang(json_t *en, json_t *t, const char *lang, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach(en, key, v)
    {
        const char *s = json_string_value(json_object_get(t, key));
        char a[256], b[256];
        if (!s || !*s) {
            snprintf(err, errlen, "%s.json: \"%s\" is missing or empty", lang, key);
            return -EINVAL;
        }
        placeholders(json_string_value(v), a, sizeof(a));
        placeholders(s, b, sizeof(b));
        if (strcmp(a, b)) {
            snprintf(err, errlen, "%s.json: \"%s\" has placeholders %s, English has %s", lang, key,
                     *b ? b : "none", *a ? a : "none");
            return -EINVAL;
        }
    }
    json_object_foreach(t, key, v)
    {
        if (!json_object_get(en, key)) {
            snprintf(err, errlen, "%s.json: \"%s\" is not a key of en.json", lang, key);
            return -EINVAL;
        }
    }
    return 0;
}

static int load(struct i18n *t, const char *dir, const char *lang, char *err, size_t errlen)
{
    char path[4096];
    json_error_t je;
    snprintf(path, sizeof(path), "%s/%s.json", dir, lang);
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        snprintf(err, errlen, "%s:%d: %s", path, je.line, j ? "not an object" : je.text);
        json_decref(j);
        return -EINVAL;
    }
    if (t->n == I18N_LANGS_MAX) {
        json_decref(j);
        snprintf(err, errlen, "%s: more than %d languages", dir, I18N_LANGS_MAX);
        return -E2BIG;
    }
    snprintf(t->lang[t->n], sizeof(t->lang[0]), "%s", lang);
    t->text[t->n++] = j;
    return 0;
}

static int load_dir(struct i18n *t, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -errno;
    }
    int rc = 0;
    struct dirent *e;
    char lang[3];
    while (rc == 0 && (e = readdir(d)))
        if (lang_file(e->d_name, lang))
            rc = load(t, dir, lang, err, errlen);
    closedir(d);
    for (size_t i = 1; rc == 0 && i < t->n; i++) { /* English first */
        if (!strcmp(t->lang[i], "en")) {
            json_t *j = t->text[0];
            t->text[0] = t->text[i], t->text[i] = j;
            memcpy(t->lang[i], t->lang[0], 3), memcpy(t->lang[0], "en", 3);
        }
    }
    return rc;
}

int i18n_open(const char *dir, struct i18n **out, char *err, size_t errlen)
{
    struct i18n *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    int rc = load_dir(t, dir, err, errlen);
    if (rc == 0 && (t->n == 0 || strcmp(t->lang[0], "en"))) {
        snprintf(err, errlen, "%s: no en.json", dir);
        rc = -ENOENT;
    }
    for (size_t i = 1; rc == 0 && i < t->n; i++)
        rc = check_lang(t->text[0], t->text[i], t->lang[i], err, errlen);
    if (rc != 0) {
        i18n_free(t);
        return rc;
    }
    for (size_t i = 0; i < t->n; i++) { /* English, then the others in order */
        size_t k = i;
        for (; k > 1 && strcmp(t->names[k - 1], t->lang[i]) > 0; k--)
            t->names[k] = t->names[k - 1];
        t->names[k] = t->lang[i];
    }
    *out = t;
    return 0;
}

void i18n_free(struct i18n *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        json_decref(t->text[i]);
    free(t);
}

static json_t *find(const struct i18n *t, const char *lang)
{
    for (size_t i = 0; lang && i < t->n; i++)
        if (!strcmp(t->lang[i], lang))
            return t->text[i];
    return NULL;
}

const char *const *i18n_langs(const struct i18n *t)
{
    return t->names;
}

bool i18n_has(const struct i18n *t, const char *lang)
{
    return find(t, lang) != NULL;
}

const char *i18n_text(const struct i18n *t, const char *lang, const char *key)
{
    json_t *l = find(t, lang);
    const char *s = json_string_value(json_object_get(l ? l : t->text[0], key));
    return s ? s : key;
}

/* The entry of offered equal to the n letters at lang, or NULL. */
static const char *offered_match(const struct i18n *t, const char *const *offered, const char *lang,
                                 size_t n)
{
    for (size_t i = 0; offered && offered[i]; i++)
        if (strlen(offered[i]) == n && !strncasecmp(offered[i], lang, n) && i18n_has(t, offered[i]))
            return offered[i];
    return NULL;
}

const char *i18n_pick(const struct i18n *t, const char *const *offered, const char *want,
                      const char *accept)
{
    const char *got = want ? offered_match(t, offered, want, strlen(want)) : NULL;
    for (const char *p = accept; !got && p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = 0;
        while (isalpha((unsigned char)p[n]))
            n++;
        got = n ? offered_match(t, offered, p, n) : NULL;
        p = strchr(p, ',');
    }
    return got ? got : "en";
}
