/*
 * clients/web/pubhtml.h - the public pages as HTML, rendered by the
 * gateway (they work without JavaScript): the list of published
 * incidents, the self-registration form (again with its messages when
 * something was wrong), the thank-you page with the reference, the
 * messages (busy, too many, closed, something went wrong, a used link)
 * and the form behind a one-time link.  Every text is escaped; every
 * page has the language picker (plain links) and the same stylesheet
 * (static/public.css), no script and no inline style, so the gateway's
 * Content-Security-Policy holds.
 */
#ifndef MUSTER_WEB_PUBHTML_H
#define MUSTER_WEB_PUBHTML_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "pubform.h"

struct i18n;

/* A growing page; oom set when memory ran out (the page is then lost). */
struct html {
    char *buf;
    size_t len, cap;
    bool oom;
};

/* What every page of one request shares. */
struct pubpage {
    const struct i18n *t;
    const char *lang;                /* the language shown */
    const char *const *langs;        /* those offered, NULL-terminated */
    const char *path;                /* this page's path, for the picker */
    const char *public_name;         /* the incident's public name, or NULL */
    const char *keyword, *hub_phone; /* or NULL */
};

/* The pages.  Each fills h (a zeroed struct html; free h->buf). */
void pubhtml_list(struct html *h, const struct pubpage *p, json_t *incidents);
void pubhtml_form(struct html *h, const struct pubpage *p, const struct pubform *f,
                  const char *const err[PUBFORM_NFIELDS], const char *notice, const char *t);
void pubhtml_thanks(struct html *h, const struct pubpage *p, const char *reference);
void pubhtml_message(struct html *h, const struct pubpage *p, const char *title, const char *text,
                     long minutes);
void pubhtml_link(struct html *h, const struct pubpage *p, const struct pubform *f,
                  const char *const err[PUBFORM_NFIELDS]);
void pubhtml_update(struct html *h, const struct pubpage *p, json_t *mine,
                    const char *const err[PUBFORM_NFIELDS]);

/* The text of key in p's language with {incident}, {phone}, {minutes},
 * {url} and {ref} filled from p and the values given (may be NULL);
 * new, unescaped (for an SMS reply). */
char *pubhtml_words(const struct pubpage *p, const char *key, const char *url, const char *ref);

#endif
