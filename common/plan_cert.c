/*
 * common/plan_cert.c - the certificates of CAP senders: "cap: senders:"
 * items written "{sender: ID, certificate: FILE}" name the PEM X.509
 * certificate whose key must have signed that sender's messages
 * (docs/interop.md, "Signatures"); and --check-plan's warning when one
 * has expired or soon will.
 *
 * FILE is relative to the plan's directory (or absolute).  It is read and
 * checked when the plan loads (cap_cert.c: one certificate, an RSA key of
 * 2048 bits or more or an EC key, no private key), and the frozen copy
 * holds the certificate itself, not the name: as with holiday files
 * (plan_holidays.c), the name in the plan's source is replaced by the PEM
 * text, as one double-quoted scalar on the same line, so every other mark
 * stays put and a running incident keeps the certificate it stood up
 * with.  A value that is itself PEM text ("-----BEGIN CERTIFICATE-----")
 * is read as the certificate: what frozen copies hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cap_sig.h"
#include "plan_int.h"

#define PEM_HEAD "-----BEGIN CERTIFICATE-----"
#define CERT_PATH_MAX 4096
#define WARN_DAYS 30

/* The certificate arrays of cap, made on first use. */
static bool cert_arrays(struct ctx *c, struct plan_cap *cap)
{
    if (!cap->certificates)
        cap->certificates = calloc(cap->nsenders + 1, sizeof(char *));
    if (!cap->certificate_files)
        cap->certificate_files = calloc(cap->nsenders + 1, sizeof(char *));
    if (!cap->certificates || !cap->certificate_files)
        c->rc = -ENOMEM;
    return c->rc == 0;
}

/* Remember where the file name v stands in the text, for the freeze;
 * false when it is not there verbatim on one line. */
static bool note_span(struct ctx *c, const struct node *v, size_t sender)
{
    long off = plan_mark_offset(c->buf, c->len, &v->mark);
    size_t q = v->plain ? 0 : 1;
    if (off < 0 || (size_t)off + v->len + 2 * q > c->len)
        return false;
    const char *s = c->buf + off;
    if ((q && ((s[0] != '"' && s[0] != '\'') || s[v->len + 1] != s[0])) ||
        memcmp(s + q, v->value, v->len) != 0 || memchr(v->value, '\n', v->len))
        return false;
    struct plan_cert_span *n = realloc(c->cert_spans, (c->ncert_spans + 1) * sizeof(*n));
    if (!n) {
        c->rc = -ENOMEM;
        return true;
    }
    c->cert_spans = n;
    n[c->ncert_spans++] = (struct plan_cert_span){(size_t)off, v->len + 2 * q, sender};
    return true;
}

/* The certificate file v names, read: its text in *pem and path in path,
 * or false after reporting the problem at v. */
static bool cert_read(struct ctx *c, const struct node *v, char *path, char **pem, size_t *len)
{
    struct plan_errors errs = {0};
    char sbuf[SHOW_BUF];
    if (v->len == 0 || v->len > CERT_PATH_MAX || strlen(v->value) != v->len) {
        plan_fail(c, &v->mark, "\"certificate\" must be a file name or PEM text, got %s",
                  plan_show(v, sbuf, sizeof(sbuf)));
        return false;
    }
    if (v->value[0] == '/')
        snprintf(path, CERT_PATH_MAX + 2, "%s", v->value);
    else
        snprintf(path, CERT_PATH_MAX + 2, "%.2000s/%.2000s", c->dir, v->value);
    int rc = plan_read_file(path, pem, len, &errs);
    if (rc != 0)
        plan_fail(c, &v->mark, "\"certificate\": %s", errs.count ? errs.msg[0] : path);
    plan_errors_free(&errs);
    return rc == 0;
}

/* The certificate value v of sender i: checked and kept in cap. */
static void cert_value(struct ctx *c, const struct node *v, size_t i, struct plan_cap *cap)
{
    char path[CERT_PATH_MAX + 2] = "", why[200], sbuf[SHOW_BUF];
    char *pem = NULL;
    size_t len = 0;
    struct cap_sig_cert_info info;
    if (v->type != NODE_SCALAR) {
        plan_fail(c, &v->mark, "\"certificate\" must be a file name or PEM text, got %s",
                  plan_show(v, sbuf, sizeof(sbuf)));
        return;
    }
    bool inline_pem = !strncmp(v->value, PEM_HEAD, strlen(PEM_HEAD));
    if (inline_pem) {
        len = v->len;
        pem = strndup(v->value, v->len);
    } else if (!cert_read(c, v, path, &pem, &len)) {
        return;
    }
    if (!pem || !cert_arrays(c, cap)) {
        c->rc = -ENOMEM;
    } else if (cap_sig_cert_check(pem, len, &info, why, sizeof(why)) != 0) {
        plan_fail(c, &v->mark, "\"certificate\": %s %s", inline_pem ? "the text" : path, why);
    } else if (!inline_pem && !note_span(c, v, i)) {
        plan_fail(c, &v->mark, "\"certificate\": write the file name on the key's line");
    } else {
        cap->certificates[i] = pem;
        pem = NULL;
        if (!inline_pem && !(cap->certificate_files[i] = strdup(path)))
            c->rc = -ENOMEM;
    }
    free(pem);
}

char *plan_cert_sender(struct ctx *c, const struct field *f, const struct node *map, size_t i,
                       struct plan_cap *cap)
{
    const struct node *seen[2] = {NULL, NULL};
    char sbuf[SHOW_BUF];
    char *sender = NULL;
    for (size_t k = 0; k + 1 < map->nkids; k += 2) {
        const struct node *key = map->kids[k], *val = map->kids[k + 1];
        int fi = key->type != NODE_SCALAR             ? -1
                 : !strcmp(key->value, "sender")      ? 0
                 : !strcmp(key->value, "certificate") ? 1
                                                      : -1;
        if (fi < 0)
            plan_fail(c, &key->mark, "unknown key %s in cap sender (expected one of: %s)",
                      plan_show(key, sbuf, sizeof(sbuf)), "sender, certificate");
        else if (seen[fi])
            plan_fail(c, &key->mark, "duplicate key %s (first defined at line %zu)",
                      plan_show(key, sbuf, sizeof(sbuf)), seen[fi]->mark.line + 1);
        else if ((seen[fi] = key) && fi == 0)
            sender = plan_string_value(c, "\"sender\"", f, f->item_max, &val->mark, val);
        else
            cert_value(c, val, i, cap);
    }
    for (int fi = 0; fi < 2; fi++)
        if (!seen[fi])
            plan_fail(c, &map->mark, "missing required key \"%s\" in cap sender",
                      fi ? "certificate" : "sender");
    return sender;
}

/* The PEM text as one double-quoted YAML scalar (malloc'd), or NULL. */
static char *quoted(const char *pem)
{
    size_t n = strlen(pem);
    char *q = malloc(2 * n + 3), *o = q;
    if (!q)
        return NULL;
    *o++ = '"';
    for (const char *p = pem; *p; p++) {
        if (*p == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (*p != '\r') {
            *o++ = *p;
        }
    }
    *o++ = '"';
    *o = '\0';
    return q;
}

/* Replace span s of plan->source by text: 0 or -ENOMEM. */
static int splice(struct plan *plan, const struct plan_cert_span *s, const char *text)
{
    size_t tlen = strlen(text), len = plan->source_len - s->span + tlen;
    char *n = malloc(len + 1);
    if (!n)
        return -ENOMEM;
    memcpy(n, plan->source, s->off);
    memcpy(n + s->off, text, tlen);
    memcpy(n + s->off + tlen, plan->source + s->off + s->span, plan->source_len - s->off - s->span);
    n[len] = '\0';
    free(plan->source);
    plan->source = n;
    plan->source_len = len;
    return 0;
}

int plan_cert_freeze(struct ctx *c, struct plan *plan)
{
    /* from the last, so the offsets before each stay right */
    for (size_t k = c->ncert_spans; k-- > 0;) {
        const struct plan_cert_span *s = &c->cert_spans[k];
        char *text = quoted(plan->cap.certificates[s->sender]);
        size_t before = plan->source_len;
        int rc = text ? splice(plan, s, text) : -ENOMEM;
        free(text);
        if (rc != 0)
            return rc;
        if (c->holidays_span && s->off < c->holidays_off)
            c->holidays_off = c->holidays_off + plan->source_len - before;
    }
    return 0;
}

int plan_cap_check(const struct plan *p, time_t now, struct plan_errors *warns)
{
    static const char *const path[] = {"cap", "senders", NULL};
    const struct plan_cap *cap = &p->cap;
    int n = 0;
    for (size_t i = 0; cap->certificates && i < cap->nsenders; i++) {
        struct cap_sig_cert_info info;
        char why[200], where[CERT_PATH_MAX + 40], when[32];
        const char *pem = cap->certificates[i];
        if (!pem || cap_sig_cert_check(pem, strlen(pem), &info, why, sizeof(why)) != 0)
            continue;
        bool early = now<info.not_before, late = now> info.not_after;
        if (!early && !late && info.not_after - now > (int64_t)WARN_DAYS * 86400)
            continue;
        time_t t = (time_t)(early ? info.not_before : info.not_after);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
        plan_locate(p, path, NULL, where, sizeof(where));
        plan_errors_add(warns,
                        "%s: warning: the certificate of CAP sender %s%s%s%s %s %s: its signed "
                        "messages are refused %s",
                        where, cap->senders[i], cap->certificate_files[i] ? " (" : "",
                        cap->certificate_files[i] ? cap->certificate_files[i] : "",
                        cap->certificate_files[i] ? ")" : "",
                        early  ? "is not valid before"
                        : late ? "expired on"
                               : "expires on",
                        when, early || late ? "until the plan names a valid one" : "from then on");
        n++;
    }
    return n;
}
