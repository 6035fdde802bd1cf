/*
 * common/plan_holidays.c - bank holidays by reference: "bank_holidays:
 * england-and-wales" names one shared data file per nation
 * (holidays/<name>.yaml), and --check-plan's warning when the dates end
 * before the incident horizon.
 *
 * A plan's own list ("bank_holidays: [2026-12-25, ...]") is still read by
 * plan_walk.c.  A name is looked for first in the holidays/ directory
 * beside the plan file, then in the installed one (MUSTER_HOLIDAYS_DIR);
 * the file is a small YAML mapping of its own (plan_format.c's
 * holiday_file schema), its problems reported with its own file:line:column.
 *
 * The frozen copy holds the dates, not the name: once a plan loaded, the
 * name in its source is replaced by the list it stood for (same line, so
 * every other mark stays put).  That source is what standup and amend
 * store, so a later edit of a holiday file changes new incidents only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_int.h"

#ifndef MUSTER_HOLIDAYS_DIR
#define MUSTER_HOLIDAYS_DIR "/usr/share/muster/plans/holidays"
#endif

#define HOLIDAY_PATH_MAX 4096

/* The byte offset in buf of a mark (libyaml counts characters, and a CRLF
 * as one break), or -1 when the text is shorter. */
long plan_mark_offset(const char *buf, size_t len, const yaml_mark_t *m)
{
    size_t i = 0, line = 0, col = 0;
    while (i < len && line < m->line) {
        if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
            i++;
        if (buf[i] == '\r' || buf[i] == '\n')
            line++;
        i++;
    }
    while (i < len && line == m->line && col < m->column) {
        i++; /* one character: its lead byte and continuation bytes */
        while (i < len && ((unsigned char)buf[i] & 0xC0) == 0x80)
            i++;
        col++;
    }
    return line == m->line && col == m->column ? (long)i : -1;
}

/* Remember where the name v stands in the plan's text, quotes included,
 * for plan_holidays_freeze; false when it is not there as one line. */
static bool note_span(struct ctx *c, const struct node *v)
{
    long off = plan_mark_offset(c->buf, c->len, &v->mark);
    size_t q = v->plain ? 0 : 1;
    if (off < 0 || (size_t)off + v->len + 2 * q > c->len)
        return false;
    const char *s = c->buf + off;
    if (q && ((s[0] != '"' && s[0] != '\'') || s[v->len + 1] != s[0]))
        return false;
    if (memcmp(s + q, v->value, v->len) != 0)
        return false;
    c->holidays_off = (size_t)off;
    c->holidays_span = v->len + 2 * q;
    return true;
}

/* Read the first of dir/holidays/<name>.yaml and the installed
 * <name>.yaml that exists into *buf; its path in path.  0, or -errno with
 * what went wrong in why. */
static int holiday_read(const struct ctx *c, const char *name, char *path, char **buf, size_t *len,
                        char *why, size_t size)
{
    const char *dirs[2] = {c->dir, MUSTER_HOLIDAYS_DIR};
    int rc = -ENOENT;
    for (size_t i = 0; i < 2 && rc == -ENOENT; i++) {
        struct plan_errors errs = {0};
        if (i == 0)
            snprintf(path, HOLIDAY_PATH_MAX, "%s/holidays/%s.yaml", dirs[i], name);
        else
            snprintf(path, HOLIDAY_PATH_MAX, "%s/%s.yaml", dirs[i], name);
        rc = plan_read_file(path, buf, len, &errs);
        snprintf(why, size, "%s", errs.count ? errs.msg[0] : "");
        plan_errors_free(&errs);
    }
    if (rc == -ENOENT)
        snprintf(why, size,
                 "no holiday file \"%s\" (looked for %s/holidays/%s.yaml and %s/%s.yaml)", name,
                 c->dir, name, MUSTER_HOLIDAYS_DIR, name);
    return rc;
}

/* Load the holiday file at path (its text in buf) into hf; its problems
 * are reported as its own, and counted against the plan. */
static void holiday_parse(struct ctx *c, const char *path, const char *buf, size_t len,
                          struct plan_holiday_file *hf)
{
    struct ctx h = {.name = path, .buf = buf, .len = len, .errs = c->errs};
    struct node *root = NULL;
    char sbuf[SHOW_BUF];
    if (plan_tree_parse(&h, &root) == 0) {
        if (root->type != NODE_MAPPING)
            plan_fail(&h, &root->mark, "a holiday file must be a mapping, got %s",
                      plan_show(root, sbuf, sizeof(sbuf)));
        else
            plan_load_mapping(&h, &plan_holiday_file_schema, root, hf);
    }
    plan_node_free(root);
    c->nerr += h.nerr;
    if (h.rc != 0)
        c->rc = h.rc;
}

void plan_holidays_ref(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj)
{
    struct plan_persons *pp = obj;
    struct plan_holiday_file hf = {0};
    char path[HOLIDAY_PATH_MAX], why[HOLIDAY_PATH_MAX + 200], sbuf[SHOW_BUF];
    char *buf = NULL;
    size_t len = 0, nerr = c->nerr;
    if (plan_check_date(v->value) == NULL) {
        plan_fail(c, at,
                  "\"%s\" must be a list of dates or the name of a holiday file, got %s "
                  "(one date is written [%s])",
                  f->key, plan_show(v, sbuf, sizeof(sbuf)), v->value);
        return;
    }
    if (plan_check_id(v->value) != NULL || strlen(v->value) != v->len) {
        plan_fail(
            c, at, "\"%s\" must be a list of dates or the name of a holiday file (%s), got %s",
            f->key, "1 to 40 characters from a-z, 0-9 and \"-\"", plan_show(v, sbuf, sizeof(sbuf)));
        return;
    }
    if (holiday_read(c, v->value, path, &buf, &len, why, sizeof(why)) != 0) {
        plan_fail(c, at, "\"%s\": %s", f->key, why);
        return;
    }
    holiday_parse(c, path, buf, len, &hf);
    free(buf);
    if (c->nerr > nerr)
        plan_fail(c, at, "\"%s\": the holiday file %s is not valid (see above)", f->key, path);
    else if (!note_span(c, v))
        plan_fail(c, at, "\"%s\": write the holiday file's name on the key's line", f->key);
    else if ((pp->bank_holidays_file = strdup(path)) == NULL)
        c->rc = -ENOMEM;
    pp->bank_holidays = hf.dates; /* the plan owns them now, freed with it */
    pp->nbank_holidays = hf.ndates;
    free(hf.nation);
    free(hf.source);
}

int plan_holidays_freeze(struct ctx *c, struct plan *plan)
{
    const struct plan_persons *pp = &plan->persons;
    if (c->holidays_span == 0)
        return 0;
    size_t head = c->holidays_off, tail = c->holidays_off + c->holidays_span;
    size_t len = head + 2 + pp->nbank_holidays * 12 + (plan->source_len - tail);
    char *s = malloc(len + 1), *o = s;
    if (s == NULL)
        return -ENOMEM;
    memcpy(o, plan->source, head);
    o += head;
    *o++ = '[';
    for (size_t i = 0; i < pp->nbank_holidays; i++)
        o += sprintf(o, "%s%s", i ? ", " : "", pp->bank_holidays[i]);
    *o++ = ']';
    memcpy(o, plan->source + tail, plan->source_len - tail);
    o += plan->source_len - tail;
    *o = '\0';
    free(plan->source);
    plan->source = s;
    plan->source_len = (size_t)(o - s);
    return 0;
}

/* The longest follow-up of a person registered today: the last
 * re-screening of any instrument plus its grace, in days. */
static int follow_up_days(const struct plan_screening *sc)
{
    int last = 0;
    for (size_t i = 0; i < sc->nrescreen; i++)
        for (size_t k = 0; k < sc->rescreen[i].ndays; k++)
            if (sc->rescreen[i].days[k] > last)
                last = sc->rescreen[i].days[k];
    return last + sc->rescreen_grace_days;
}

int plan_holidays_check(const struct plan *p, time_t now, struct plan_errors *warns)
{
    const struct plan_persons *pp = &p->persons;
    if (pp->nbank_holidays == 0 || pp->bank_holidays[pp->nbank_holidays - 1] == NULL)
        return 0;
    const char *last = pp->bank_holidays[pp->nbank_holidays - 1];
    int days = follow_up_days(&pp->screening);
    struct tm tm;
    char horizon[16], covered[16], where[HOLIDAY_PATH_MAX + 40];
    gmtime_r(&now, &tm);
    tm.tm_mday += days;
    tm.tm_hour = 12;
    time_t h = timegm(&tm);
    gmtime_r(&h, &tm);
    strftime(horizon, sizeof(horizon), "%Y-%m-%d", &tm);
    snprintf(covered, sizeof(covered), "%.4s-12-31", last); /* the lists are whole years */
    if (strcmp(covered, horizon) >= 0)
        return 0;
    static const char *const path[] = {"persons", "bank_holidays", NULL};
    plan_locate(p, path, NULL, where, sizeof(where));
    plan_errors_add(warns,
                    "%s: warning: the bank holidays%s%s%s end with %.4s, before the incident "
                    "horizon %s (the last re-screening and its grace, %d days from today): "
                    "working-day deadlines after %.4s will count no bank holidays",
                    where, pp->bank_holidays_file ? " (" : "",
                    pp->bank_holidays_file ? pp->bank_holidays_file : "",
                    pp->bank_holidays_file ? ")" : "", last, horizon, days, last);
    return 1;
}
