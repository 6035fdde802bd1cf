/*
 * clients/web/pubhtml.c - the public pages' HTML (see pubhtml.h).
 * Mobile-first and plain: one column, large touch targets, every field
 * with its label, hint and message tied to it (aria-describedby), the
 * radios in fieldsets, and a summary of the problems at the top that
 * links to each field.
 */
#include "pubhtml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static void grow(struct html *h, size_t more)
{
    if (h->oom || h->len + more + 1 <= h->cap)
        return;
    size_t cap = h->cap ? h->cap : 8192;
    while (cap < h->len + more + 1)
        cap *= 2;
    char *b = realloc(h->buf, cap);
    if (!b) {
        h->oom = true;
        return;
    }
    h->buf = b, h->cap = cap;
}

static void raw(struct html *h, const char *s)
{
    size_t n = strlen(s);
    grow(h, n);
    if (!h->oom)
        memcpy(h->buf + h->len, s, n + 1), h->len += n;
}

/* Markup with printf; arguments are never people's text. */
__attribute__((format(printf, 2, 3))) static void rawf(struct html *h, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    raw(h, buf);
}

/* Text, escaped for an element or a quoted attribute. */
static void text(struct html *h, const char *s)
{
    static const char *const esc[256] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
    char one[2] = {0};
    for (; s && *s; s++) {
        const char *e = esc[(unsigned char)*s];
        one[0] = *s;
        raw(h, e ? e : one);
    }
}

static const char *tr(const struct pubpage *p, const char *key)
{
    return i18n_text(p->t, p->lang, key);
}

char *pubhtml_words(const struct pubpage *p, const char *key, const char *url, const char *ref)
{
    const char *names[] = {"{incident}", "{phone}", "{url}", "{ref}"};
    const char *values[] = {p->public_name, p->hub_phone ? p->hub_phone : "101", url, ref};
    struct html h = {0};
    for (const char *s = tr(p, key); *s;) {
        size_t i = 0;
        while (i < 4 && strncmp(s, names[i], strlen(names[i])))
            i++;
        if (i < 4) {
            raw(&h, values[i] ? values[i] : "");
            s += strlen(names[i]);
        } else {
            char one[2] = {*s++, 0};
            raw(&h, one);
        }
    }
    return h.oom ? (free(h.buf), NULL) : h.buf;
}

/* The text of key, escaped, its placeholders filled. */
static void say(struct html *h, const struct pubpage *p, const char *key)
{
    char *w = pubhtml_words(p, key, NULL, NULL);
    text(h, w ? w : "");
    free(w);
}

/* The text of key between the markup open and close. */
static void wrap(struct html *h, const struct pubpage *p, const char *open, const char *key,
                 const char *close)
{
    raw(h, open);
    say(h, p, key);
    raw(h, close);
}

static void picker(struct html *h, const struct pubpage *p)
{
    raw(h, "<nav class=\"langs\" aria-label=\"");
    text(h, tr(p, "languages"));
    raw(h, "\"><ul>");
    for (size_t i = 0; p->langs && p->langs[i]; i++) {
        const char *l = p->langs[i];
        bool here = !strcmp(l, p->lang);
        rawf(h, "<li><a lang=\"%s\" hreflang=\"%s\" href=\"", l, l);
        text(h, p->path);
        rawf(h, "?lang=%s\"%s>", l, here ? " aria-current=\"true\"" : "");
        text(h, i18n_text(p->t, l, "lang_name"));
        raw(h, "</a></li>");
    }
    raw(h, "</ul></nav>");
}

static void head(struct html *h, const struct pubpage *p, const char *title)
{
    raw(h, "<!DOCTYPE html>\n<html lang=\"");
    text(h, tr(p, "html_lang"));
    raw(h, "\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<meta name=\"robots\" content=\"noindex\"><title>");
    say(h, p, title);
    raw(h, "</title><link rel=\"stylesheet\" href=\"/static/public.css\"></head><body>"
           "<header>");
    picker(h, p);
    raw(h, "</header><main id=\"main\"><h1>");
    say(h, p, title);
    raw(h, "</h1>");
    wrap(h, p, "<p class=\"emergency\">", "emergency", "</p>"); /* danger first */
}

static void foot(struct html *h, const struct pubpage *p)
{
    if (p->hub_phone) {
        raw(h, "<p class=\"hub\">");
        say(h, p, "call_hub");
        raw(h, "</p>");
    }
    raw(h, "</main></body></html>\n");
}

static void para(struct html *h, const struct pubpage *p, const char *key)
{
    wrap(h, p, "<p>", key, "</p>");
}

void pubhtml_list(struct html *h, const struct pubpage *p, json_t *incidents)
{
    head(h, p, "list_title");
    size_t i;
    json_t *inc;
    para(h, p, json_array_size(incidents) ? "list_text" : "list_empty");
    raw(h, "<ul class=\"incidents\">");
    json_array_foreach(incidents, i, inc)
    {
        const char *kw = json_string_value(json_object_get(inc, "keyword"));
        const char *name = json_string_value(json_object_get(inc, "public_name"));
        raw(h, "<li><a href=\"/p/");
        text(h, kw);
        rawf(h, "?lang=%s\">", p->lang);
        text(h, name);
        raw(h, "</a></li>");
    }
    raw(h, "</ul>");
    foot(h, p);
}

/* A message tied to a field (its id "e-NAME"), when it has one. */
static void field_error(struct html *h, const struct pubpage *p, const char *name, const char *err)
{
    if (!err)
        return;
    rawf(h, "<p class=\"error\" id=\"e-%s\">", name);
    say(h, p, err);
    raw(h, "</p>");
}

/* A one-line text field: label, hint, message, input. */
static void input(struct html *h, const struct pubpage *p, const struct pubform *f,
                  const char *const *err, enum pubform_field i, const char *type,
                  const char *autocomplete, const char *hint, bool required)
{
    const char *name = pubform_defs[i].name;
    rawf(h, "<div class=\"field%s\"><label for=\"f-%s\">", err && err[i] ? " bad" : "", name);
    static const char *const labels[PUBFORM_NFIELDS] = {
        [PF_NAME] = "name_label",
        [PF_PHONE] = "phone_label",
        [PF_EMAIL] = "email_label",
        [PF_SAFE_TO_CALL] = "safe_to_call_label",
        [PF_SAFE_NOTE] = "safe_note_label",
        [PF_HOME_AREA] = "home_area_label",
        [PF_REFERENCE] = "reference_input_label",
        [PF_CONTACT] = "contact_input_label",
    };
    say(h, p, labels[i] ? labels[i] : "name_label");
    raw(h, " <span class=\"req\">");
    say(h, p, required ? "required" : "optional");
    raw(h, "</span></label>");
    if (hint) {
        rawf(h, "<p class=\"hint\" id=\"h-%s\">", name);
        say(h, p, hint);
        raw(h, "</p>");
    }
    field_error(h, p, name, err ? err[i] : NULL);
    rawf(h, "<input id=\"f-%s\" name=\"%s\" type=\"%s\" maxlength=\"%zu\" autocomplete=\"%s\"",
         name, name, type, pubform_defs[i].max, autocomplete);
    char desc[80] = "";
    if (hint)
        snprintf(desc, sizeof(desc), "h-%s", name);
    if (err && err[i])
        snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%se-%s", *desc ? " " : "",
                 name);
    if (*desc)
        rawf(h, " aria-describedby=\"%s\"", desc);
    if (err && err[i])
        raw(h, " aria-invalid=\"true\"");
    raw(h, required ? " required" : "");
    raw(h, " value=\"");
    text(h, f ? pubform_text(f, i) : NULL);
    raw(h, "\"></div>");
}

/* Radios named name with values (labels "prefix" + value) in a fieldset. */
static void radios(struct html *h, const struct pubpage *p, const struct pubform *f,
                   const char *const *err, enum pubform_field i, const char *legend,
                   const char *const *values, const char *prefix)
{
    const char *name = pubform_defs[i].name, *cur = f ? pubform_text(f, i) : NULL;
    rawf(h, "<fieldset class=\"field%s\" id=\"f-%s\"><legend>", err && err[i] ? " bad" : "", name);
    say(h, p, legend);
    raw(h, " <span class=\"req\">");
    say(h, p, "required");
    raw(h, "</span></legend>");
    field_error(h, p, name, err ? err[i] : NULL);
    for (size_t k = 0; values[k]; k++) {
        char key[64];
        snprintf(key, sizeof(key), "%s%s", prefix, values[k]);
        rawf(h,
             "<div class=\"choice\"><input type=\"radio\" id=\"f-%s-%s\" name=\"%s\" "
             "value=\"%s\"%s required><label for=\"f-%s-%s\">",
             name, values[k], name, values[k], cur && !strcmp(cur, values[k]) ? " checked" : "",
             name, values[k]);
        say(h, p, key);
        raw(h, "</label></div>");
    }
    raw(h, "</fieldset>");
}

static void language_select(struct html *h, const struct pubpage *p, const struct pubform *f)
{
    const char *cur = f ? pubform_text(f, PF_LANGUAGE) : NULL;
    raw(h, "<div class=\"field\"><label for=\"f-language\">");
    say(h, p, "language_label");
    raw(h, "</label><select id=\"f-language\" name=\"language\">");
    for (size_t i = 0; p->langs && p->langs[i]; i++) {
        const char *l = p->langs[i];
        bool sel = cur ? !strcmp(cur, l) : !strcmp(l, p->lang);
        rawf(h, "<option value=\"%s\" lang=\"%s\"%s>", l, l, sel ? " selected" : "");
        text(h, i18n_text(p->t, l, "lang_name"));
        raw(h, "</option>");
    }
    raw(h, "</select></div>");
}

/* The problems, each a link to its field, before the form. */
static void summary(struct html *h, const struct pubpage *p, const char *const *err,
                    const char *notice)
{
    raw(h, "<div class=\"summary\" role=\"alert\"><h2>");
    say(h, p, "err_title");
    raw(h, "</h2><ul>");
    if (notice) {
        wrap(h, p, "<li>", notice, "</li>");
    }
    for (int i = 0; err && i < PUBFORM_NFIELDS; i++) {
        if (!err[i] || i == PF_T || i == PF_WITHDRAW)
            continue;
        rawf(h, "<li><a href=\"#f-%s\">", pubform_defs[i].name);
        say(h, p, err[i]);
        raw(h, "</a></li>");
    }
    raw(h, "</ul></div>");
}

static void form_intro(struct html *h, const struct pubpage *p)
{
    raw(h, "<p class=\"incident\">");
    say(h, p, "incident");
    raw(h, "</p>");
    para(h, p, "intro");
    wrap(h, p, "<h2>", "who_title", "</h2>");
    para(h, p, "who_text");
}

static void form_fields(struct html *h, const struct pubpage *p, const struct pubform *f,
                        const char *const *err)
{
    static const char *const yes_no[] = {"yes", "no", NULL};
    input(h, p, f, err, PF_NAME, "text", "name", NULL, true);
    raw(h, "<fieldset class=\"group\"><legend>");
    say(h, p, "contact_title");
    raw(h, "</legend>");
    para(h, p, "contact_hint");
    input(h, p, f, err, PF_PHONE, "tel", "tel", NULL, false);
    input(h, p, f, err, PF_EMAIL, "email", "email", NULL, false);
    input(h, p, f, err, PF_SAFE_TO_CALL, "text", "off", "safe_to_call_hint", true);
    input(h, p, f, err, PF_SAFE_NOTE, "text", "off", "safe_note_hint", false);
    raw(h, "</fieldset>");
    language_select(h, p, f);
    input(h, p, f, err, PF_HOME_AREA, "text", "address-level2", NULL, true);
    radios(h, p, f, err, PF_INVOLVEMENT, "involvement_label", pubform_involvements, "inv_");
    radios(h, p, f, err, PF_SUPPORT, "support_label", yes_no, "support_");
}

static void consent(struct html *h, const struct pubpage *p, const char *const *err)
{
    raw(h, "<fieldset class=\"field consent\" id=\"f-consent\"><legend>");
    say(h, p, "consent_title");
    raw(h, "</legend>");
    para(h, p, "consent_text");
    field_error(h, p, "consent", err ? err[PF_CONSENT] : NULL);
    raw(h, "<div class=\"choice\"><input type=\"checkbox\" id=\"f-consent-yes\" name=\"consent\" "
           "value=\"yes\" required><label for=\"f-consent-yes\">");
    say(h, p, "consent_label");
    raw(h, "</label></div></fieldset>");
}

void pubhtml_form(struct html *h, const struct pubpage *p, const struct pubform *f,
                  const char *const err[PUBFORM_NFIELDS], const char *notice, const char *t)
{
    head(h, p, "form_title");
    bool bad = notice != NULL;
    for (int i = 0; err && i < PUBFORM_NFIELDS; i++)
        bad = bad || err[i];
    if (bad)
        summary(h, p, err, notice);
    form_intro(h, p);
    raw(h, "<form method=\"post\" action=\"");
    text(h, p->path);
    rawf(h, "?lang=%s\" accept-charset=\"utf-8\" novalidate>", p->lang);
    raw(h, "<input type=\"hidden\" name=\"t\" value=\"");
    text(h, t);
    raw(h, "\">");
    form_fields(h, p, f, err);
    consent(h, p, err);
    raw(h, "<button type=\"submit\">");
    say(h, p, "submit");
    raw(h, "</button></form>");
    foot(h, p);
}

void pubhtml_thanks(struct html *h, const struct pubpage *p, const char *reference)
{
    head(h, p, "thanks_title");
    raw(h, "<p class=\"reference\">");
    say(h, p, "reference_label");
    raw(h, " <strong id=\"reference\">");
    text(h, reference);
    raw(h, "</strong></p>");
    para(h, p, "reference_hint");
    wrap(h, p, "<h2>", "next_title", "</h2>");
    para(h, p, "next_text");
    raw(h, "<p>");
    say(h, p, "link_later");
    rawf(h, " <a href=\"/p/r/?lang=%s\">", p->lang);
    say(h, p, "link_title");
    raw(h, "</a></p>");
    foot(h, p);
}

void pubhtml_message(struct html *h, const struct pubpage *p, const char *title,
                     const char *text_key, long minutes)
{
    head(h, p, title);
    char *w = pubhtml_words(p, text_key, NULL, NULL), num[24];
    snprintf(num, sizeof(num), "%ld", minutes);
    raw(h, "<p>");
    const char *mark = w ? strstr(w, "{minutes}") : NULL;
    if (mark) {
        char *before = strndup(w, (size_t)(mark - w));
        text(h, before);
        text(h, num);
        text(h, mark + strlen("{minutes}"));
        free(before);
    } else {
        text(h, w);
    }
    raw(h, "</p>");
    free(w);
    foot(h, p);
}

void pubhtml_link(struct html *h, const struct pubpage *p, const struct pubform *f,
                  const char *const err[PUBFORM_NFIELDS])
{
    head(h, p, "link_title");
    bool bad = false;
    for (int i = 0; err && i < PUBFORM_NFIELDS; i++)
        bad = bad || err[i];
    if (bad)
        summary(h, p, err, NULL);
    para(h, p, "link_text");
    raw(h, "<form method=\"post\" action=\"");
    text(h, p->path);
    rawf(h, "?lang=%s\" accept-charset=\"utf-8\" novalidate>", p->lang);
    input(h, p, f, err, PF_REFERENCE, "text", "off", NULL, true);
    input(h, p, f, err, PF_CONTACT, "text", "off", NULL, true);
    wrap(h, p, "<button type=\"submit\">", "link_submit", "</button>");
    raw(h, "</form>");
    foot(h, p);
}

void pubhtml_update(struct html *h, const struct pubpage *p, json_t *mine,
                    const char *const err[PUBFORM_NFIELDS])
{
    head(h, p, "update_title");
    if (err)
        summary(h, p, err, NULL);
    para(h, p, "update_text");
    bool given = !json_is_string(json_object_get(mine, "consent")) ||
                 strcmp(json_string_value(json_object_get(mine, "consent")), "withdrawn");
    para(h, p, given ? "consent_now_given" : "consent_now_withdrawn");
    struct pubform cur = {0};
    cur.v[PF_SAFE_TO_CALL] = (char *)json_string_value(json_object_get(mine, "safe_to_call"));
    cur.v[PF_SAFE_NOTE] = (char *)json_string_value(json_object_get(mine, "safe_note"));
    for (int i = 0; i < PUBFORM_NFIELDS; i++)
        cur.len[i] = cur.v[i] ? strlen(cur.v[i]) : 0;
    raw(h, "<form method=\"post\" action=\"");
    text(h, p->path);
    rawf(h, "?lang=%s\" accept-charset=\"utf-8\" novalidate>", p->lang);
    input(h, p, NULL, err, PF_PHONE, "tel", "tel", NULL, false);
    input(h, p, NULL, err, PF_EMAIL, "email", "email", NULL, false);
    input(h, p, &cur, err, PF_SAFE_TO_CALL, "text", "off", "safe_to_call_hint", false);
    input(h, p, &cur, err, PF_SAFE_NOTE, "text", "off", "safe_note_hint", false);
    raw(h, "<button type=\"submit\">");
    say(h, p, "update_submit");
    raw(h, "</button>");
    if (given) {
        wrap(h, p, "<h2>", "withdraw_title", "</h2>");
        para(h, p, "withdraw_text");
        raw(h, "<button type=\"submit\" class=\"withdraw\" name=\"withdraw\" value=\"yes\">");
        say(h, p, "withdraw_button");
        raw(h, "</button>");
    }
    raw(h, "</form>");
    foot(h, p);
}
