/*
 * clients/cli_out.h - how the muster CLI prints results for people.
 *
 * Nothing a client, a plan or the database holds may drive the reader's
 * terminal: every string that reaches it has its control characters shown
 * as escapes (docs/security.md, "Output").  The CLI's human output gets
 * its data through cli_safe, its messages through cli_errorf, documents
 * through cli_print_escaped, JSON through cli_dump_json.
 */
#ifndef MUSTER_CLI_OUT_H
#define MUSTER_CLI_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Format ms since the epoch as local time with its zone (TZ), as
 * "2026-11-22 19:40:05 GMT", or "2026-11-22 19:40:05 +07:00" in a zone
 * without a name; "-" when ms is not an integer.  Returns buf (or "-"). */
const char *cli_time(json_t *ms, char *buf, size_t len);

/* Format secs (since the epoch) as local time with its zone, as cli_time
 * (CLI_TIME_FULL) or as a shift's start or end, "Mon 23 Nov 08:00 GMT"
 * (CLI_TIME_SHIFT).  Returns buf. */
enum { CLI_TIME_FULL, CLI_TIME_SHIFT };
const char *cli_time_at(long long secs, int form, char *buf, size_t len);

/* The local time zone's name: TZ as set (without a leading ':'), else
 * this machine's (/etc/timezone), else "the machine's local time".
 * Returns a static string. */
const char *cli_zone_name(void);

/* Keep new lines and tabs as they are (a document: the report, a page's
 * text); without it they are shown as \n and \t. */
#define CLI_ESC_LINES 1

/*
 * s with every control character shown as an escape: \n, \t and \r (new
 * lines and tabs kept with CLI_ESC_LINES), the other C0 controls and DEL
 * as \x1b, \x7f, the C1 controls (U+0080 to U+009F) as \u009b, and each
 * byte that is not UTF-8 as \xHH.  Everything else, the backslash
 * included, is left as it is, so escaping twice changes nothing.  Returns a
 * malloc'd string (the caller frees it), or NULL when out of memory.
 */
char *cli_escape(const char *s, int flags);

/* Write s to f escaped as by cli_escape. */
void cli_print_escaped(FILE *f, const char *s, int flags);

/*
 * A copy of v in which every string, object keys included, is escaped by
 * cli_escape (without CLI_ESC_LINES); other values are shared.  New
 * reference; NULL for NULL.  What the CLI's printers are handed.
 */
json_t *cli_safe(json_t *v);

/* Print "muster: ", the message (printf format) escaped, and a new line
 * on standard error. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print v as JSON text (json_dumps flags) and a new line.  Control
 * characters jansson leaves raw, DEL and the C1 controls, are written as
 * \u007F and \u0080 to \u009F (as jansson writes \u001B): the same JSON,
 * safe on a terminal. */
void cli_dump_json(FILE *f, json_t *v, size_t flags);

/* Print a JSON value pretty, with a new line (cli_dump_json). */
void cli_print_json(FILE *f, json_t *v);

void cli_print_standup(json_t *r);
/* incident.cap: what the CAP message did (standup, level raised or kept, standdown) */
void cli_print_cap(json_t *r);
void cli_print_incident_list(json_t *r);
void cli_print_incident(json_t *r);
void cli_print_level(json_t *r);
void cli_print_amend(json_t *r);
void cli_print_plan_list(json_t *r);
void cli_print_plan(json_t *r);
void cli_print_pledges(json_t *r);
void cli_print_staffing(json_t *r);

/* Sentences for people (cli_human.c): an acknowledgement of a page or a
 * referral notice (agency ack, page ack, referral ack), a pledge offered
 * or moved, a screening's score, a person's record, a stand-down (with
 * where musterd writes the report), an incident closed. */
void cli_print_ack(json_t *r);
void cli_print_pledge(json_t *r);
void cli_print_screening(json_t *r);
void cli_print_person(json_t *r);
void cli_print_standdown(json_t *r);
void cli_print_close(json_t *r);

/* Who the key is (whoami), an agency paged again (agency repage), the
 * alarm table (alarm list), an alarm cleared (cli_human.c). */
void cli_print_whoami(json_t *r);
void cli_print_repage(json_t *r);
void cli_print_alarms(json_t *r);
void cli_print_alarm_clear(json_t *r);

/* Persons and families (cli_human_persons.c): a registration and its
 * possible duplicates, the person list (a table), consent, a contact
 * attempt, a correction, a merge or unmerge, a status, a referral closed,
 * a family made, joined or given its liaison, and a family shown. */
void cli_print_person_added(json_t *r);
void cli_print_person_list(json_t *r);
void cli_print_consent(json_t *r);
void cli_print_contact(json_t *r);
void cli_print_update(json_t *r);
void cli_print_merge(json_t *r);
void cli_print_person_status(json_t *r);
void cli_print_referral_close(json_t *r);
void cli_print_family_change(json_t *r);
void cli_print_family(json_t *r);
/* incident publish / unpublish, person verify. */
void cli_print_published(json_t *r);
void cli_print_verified(json_t *r);

#endif
