/*
 * daemon/paging_text.c - subject, text and JSON of a page (see
 * paging_text.h).
 */
#include "paging_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "jtext.h"
#include "proto.h"

char *paging_subject(const struct page_facts *f)
{
    char *s = NULL;
    const char *mark = f->exercise ? PAGING_EXERCISE_MARK " " : "";
    int n = f->call ? asprintf(&s, "%sCALL FOR STAFF %s: %s, ack code %s", mark, f->incident_ref,
                               f->call, f->ack_code)
                    : asprintf(&s, "%sMAJOR INCIDENT %s level %d: %s activated, ack code %s", mark,
                               f->incident_ref, f->level, f->agency_name, f->ack_code);
    return n < 0 ? NULL : s;
}

char *paging_text(const struct page_facts *f)
{
    char *s = NULL;
    const char *mark = f->exercise ? PAGING_EXERCISE_MARK "\n" : "";
    if (asprintf(&s,
                 "%s"
                 "MAJOR INCIDENT %s: level %d (%s), operation %s.\n"
                 "%s%s%s"
                 "Plan: %s, version %s.\n"
                 "Your agency: %s (%s).\n"
                 "Your role: %s\n"
                 "Acknowledge: muster agency ack %s%s\n"
                 "  or send back the code %s.\n"
                 "Page %lld: step %d of %d (%s), attempt %d.\n"
                 "%s",
                 mark, f->incident_ref, f->level, f->level_name ? f->level_name : "-", f->operation,
                 f->call ? "CALL FOR STAFF: " : "", f->call ? f->call : "", f->call ? ".\n" : "",
                 f->plan_name, f->plan_version, f->agency_name, f->agency_id, f->agency_role,
                 f->call ? "--code " : f->incident_ref, f->call ? f->ack_code : "", f->ack_code,
                 (long long)f->page_id, f->step, f->steps, f->contact_name, f->attempt, mark) < 0)
        return NULL;
    return s;
}

static const char *body_str(const struct page_facts *f, const char *key)
{
    const char *v = json_string_value(json_object_get(f->notice, key));
    return v ? v : "";
}

char *paging_notice_subject(const struct page_facts *f)
{
    char *s = NULL;
    const char *mark = f->exercise ? PAGING_EXERCISE_MARK " " : "";
    int n = asprintf(&s, "%s%s %s, ack code %s", mark, body_str(f, "subject"), f->incident_ref,
                     f->ack_code);
    return n < 0 ? NULL : s;
}

/* "Acknowledge within 60 min (by 14:05 UTC)" or "No acknowledgement needed". */
static void ack_line(const struct page_facts *f, char *buf, size_t len)
{
    time_t t = (time_t)(f->ack_due_at / 1000);
    struct tm tm;
    char at[32];
    if (f->kind && !strcmp(f->kind, "alarm")) {
        snprintf(buf, len,
                 "ALARM: acknowledge to stop this ladder (the alarm stays open until "
                 "cleared)");
        return;
    }
    if (!f->ack_due_at) {
        snprintf(buf, len, "Receipt is enough; you may acknowledge");
        return;
    }
    localtime_r(&t, &tm);
    strftime(at, sizeof(at), "%a %d %b %H:%M %Z", &tm);
    snprintf(buf, len, "URGENT: acknowledge by %s", at);
}

char *paging_notice_text(const struct page_facts *f)
{
    char *s = NULL, ack[96];
    const char *mark = f->exercise ? PAGING_EXERCISE_MARK "\n" : "";
    ack_line(f, ack, sizeof(ack));
    if (asprintf(&s,
                 "%s"
                 "MAJOR INCIDENT %s: level %d (%s), operation %s.\n"
                 "%s\n"
                 "%s: send back the code %s.\n"
                 "Your agency: %s (%s).\n"
                 "Notice %lld: step %d of %d (%s), attempt %d.\n"
                 "%s",
                 mark, f->incident_ref, f->level, f->level_name ? f->level_name : "-", f->operation,
                 body_str(f, "text"), ack, f->ack_code, f->agency_name, f->agency_id,
                 (long long)f->page_id, f->step, f->steps, f->contact_name, f->attempt, mark) < 0)
        return NULL;
    return s;
}

json_t *paging_json(const struct page_facts *f, const char *subject, const char *text)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:i, s:s?, s:b, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s}",
        "page_id", (json_int_t)f->page_id, "incident", f->incident_ref, "level", f->level,
        "level_name", f->level_name, "exercise", f->exercise, "operation", f->operation, "agency",
        f->agency_id, "agency_name", f->agency_name, "contact", f->contact_name, "channel",
        f->channel, "step", f->step, "steps", f->steps, "attempt", f->attempt, "ack_code",
        f->ack_code, "subject", subject, "text", text);
    if (j && f->call)
        json_object_set_new(j, "call", json_string(f->call));
    if (j && f->edxl_rm)
        json_object_set_new(j, "edxl_rm", json_string(f->edxl_rm));
    if (j)
        json_object_set_new(j, "kind", json_string(f->kind ? f->kind : "page"));
    if (j && f->notice)
        json_object_set(j, "notice", json_object_get(f->notice, "facts"));
    if (j && f->ack_due_at)
        json_object_set_new(j, "ack_due_at", json_integer(f->ack_due_at));
    return j;
}

/* ---- a page's JSON text, written directly ---- */

/*
 * The standup pages 500 agencies in its own transaction, and this text is
 * made for each: jansson's json_pack and json_dumps were a sixth of it.
 * The same keys, in the same order, with the same escapes as
 * json_dumps(paging_json(...), JSON_COMPACT); test_paging_text holds the
 * two equal.  A notice carries its stored facts (any JSON): those go
 * through jansson.
 */
char *paging_page_json(const struct page_facts *f, const char *subject, const char *text)
{
    if (f->notice) {
        json_t *j = paging_json(f, subject, text);
        char *out = j ? jtext_dump(j, false) : NULL;
        json_decref(j);
        return out;
    }
    struct jtext t = {0};
    jtext_kint(&t, "page_id", (long long)f->page_id);
    jtext_kstr(&t, "incident", f->incident_ref);
    jtext_kint(&t, "level", f->level);
    if (f->level_name) /* "s?" in paging_json: null when there is none */
        jtext_kstr(&t, "level_name", f->level_name);
    else
        jtext_kraw(&t, "level_name", "null");
    jtext_kraw(&t, "exercise", f->exercise ? "true" : "false");
    jtext_kstr(&t, "operation", f->operation);
    jtext_kstr(&t, "agency", f->agency_id);
    jtext_kstr(&t, "agency_name", f->agency_name);
    jtext_kstr(&t, "contact", f->contact_name);
    jtext_kstr(&t, "channel", f->channel);
    jtext_kint(&t, "step", f->step);
    jtext_kint(&t, "steps", f->steps);
    jtext_kint(&t, "attempt", f->attempt);
    jtext_kstr(&t, "ack_code", f->ack_code);
    jtext_kstr(&t, "subject", subject);
    jtext_kstr(&t, "text", text);
    if (f->call)
        jtext_kstr(&t, "call", f->call);
    if (f->edxl_rm)
        jtext_kstr(&t, "edxl_rm", f->edxl_rm);
    jtext_kstr(&t, "kind", f->kind ? f->kind : "page");
    if (f->ack_due_at)
        jtext_kint(&t, "ack_due_at", (long long)f->ack_due_at);
    jtext_put(&t, "}", 1);
    return jtext_take(&t);
}

/* One draw of random bytes for the whole code (randombytes_uniform per
 * character was a getrandom system call each, eight per page); each byte's
 * low 5 bits pick a character, uniformly since 32 divides 256.
 *
 * The first ACK_PREFIX characters are drawn once for a block of ACK_BLOCK
 * codes made one after the other (the loop thread makes every code), the
 * others for each code.  Codes are unique, so SQLite keeps them in a
 * B-tree index: fully random codes put each new page in a different leaf
 * of it, and with a million notices stored that was one page read and one
 * page written per registration that the incident's size alone added
 * (issue 19; tests/bench/README.md).  A block's codes share a narrow range
 * of the index instead.  Each code keeps 30 bits drawn for it alone (40
 * for whoever has seen no code of its block); an agency's code is looked
 * up among its own pages only, and wrong codes are rate-limited. */
#define ACK_PREFIX 2
#define ACK_BLOCK 1024

void paging_ack_code(char buf[9])
{
    static char prefix[ACK_PREFIX];
    static unsigned made; /* codes made so far (wraps at a block boundary) */
    unsigned char r[PROTO_ACK_CODE_LEN];
    randombytes_buf(r, sizeof(r));
    if (made++ % ACK_BLOCK == 0)
        for (int i = 0; i < ACK_PREFIX; i++)
            prefix[i] = proto_ack_alphabet[r[i] & 31];
    for (int i = 0; i < PROTO_ACK_CODE_LEN; i++)
        buf[i] = i < ACK_PREFIX ? prefix[i] : proto_ack_alphabet[r[i] & 31];
    buf[PROTO_ACK_CODE_LEN] = '\0';
}
