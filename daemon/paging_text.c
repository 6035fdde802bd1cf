/*
 * daemon/paging_text.c - subject, text and JSON of a page (see
 * paging_text.h).
 */
#include "paging_text.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

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
    return j;
}

void paging_ack_code(char buf[9])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for (int i = 0; i < 8; i++)
        buf[i] = alphabet[randombytes_uniform(32)];
    buf[8] = '\0';
}
