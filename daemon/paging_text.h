/*
 * daemon/paging_text.h - the words of a page: its subject line, its text
 * and its JSON object, the same whichever channel carries it.
 */
#ifndef MUSTER_PAGING_TEXT_H
#define MUSTER_PAGING_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define PAGING_EXERCISE_MARK "EXERCISE EXERCISE EXERCISE"

struct page_facts {
    int64_t page_id; /* the attempt id */
    const char *incident_ref;
    int level;
    const char *level_name;
    bool exercise;
    const char *operation;
    const char *plan_name;
    const char *plan_version;
    const char *agency_id;
    const char *agency_name;
    const char *agency_role;
    const char *contact_name;
    const char *channel;
    int step;  /* 1-based */
    int steps; /* ladder length */
    int attempt;
    const char *ack_code;
    const char *call;    /* a call for staff ("2 x Mental health nurse for ..."), or NULL */
    const char *edxl_rm; /* its EDXL-RM RequestResource (plan: edxl_rm: true), or NULL */
    const char *kind;    /* "page" (an activation or a call for staff), or a notice's kind */
    json_t *notice;      /* a notice's stored body {subject, text, facts} (borrowed), or NULL */
    int64_t ack_due_at;  /* a notice that must be acknowledged by then (urgent), or 0 */
};

/* The subject line (malloc'd).  Starts with the exercise mark for an
 * exercise. */
char *paging_subject(const struct page_facts *f);

/* The page text (malloc'd): first and last line the exercise mark for an
 * exercise. */
char *paging_text(const struct page_facts *f);

/* A notice's subject line and text (malloc'd), from its stored body: the
 * exercise mark, the incident, the body's words, how to acknowledge. */
char *paging_notice_subject(const struct page_facts *f);
char *paging_notice_text(const struct page_facts *f);

/* The page as a JSON object with subject and text (new reference). */
json_t *paging_json(const struct page_facts *f, const char *subject, const char *text);

/* The same page as compact JSON text (malloc'd), as json_dumps of
 * paging_json with JSON_COMPACT would write it, made without building the
 * object; NULL when memory ran out.  Every string must be valid UTF-8. */
char *paging_page_json(const struct page_facts *f, const char *subject, const char *text);

/* A fresh acknowledgement code: 8 characters of Crockford base32 (no I, L,
 * O, U), easy to read over a phone; the first two shared by a block of
 * 1,024 codes made one after the other, the other six drawn for each.
 * buf holds at least 9 bytes.  Not unique by itself: the caller draws
 * again when the store already has the code. */
void paging_ack_code(char buf[9]);

#endif
