/*
 * clients/cli_human.c - the muster CLI's sentences for the results of
 * acknowledgements (pages and referral notices), pledges, screenings, a
 * person's record, a stand-down and a close, a re-page, alarms and who the key is
 * (cli_out.h).  Each printer is handed a
 * result already escaped by cli_safe; --json prints the result instead.
 * Times are local, with their zone (cli_time).
 */
#include <stdio.h>
#include <string.h>

#include "cli_out.h"
#include "cli_width.h"

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* "a, b and c" from an array of strings. */
static void print_list(json_t *arr)
{
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++)
        printf("%s%s",
               i == 0       ? ""
               : i + 1 == n ? " and "
                            : ", ",
               json_string_value(json_array_get(arr, i)) ?: "?");
    if (n == 0)
        fputs("-", stdout);
}

static void print_pledge_line(json_t *p)
{
    printf("pledge %lld: %s pledges %lld %s for ", num(p, "id"), str(p, "agency"), num(p, "count"),
           str(p, "role"));
    print_list(json_object_get(p, "shifts"));
    printf(" (%s, %s)\n", str(p, "incident"), str(p, "state"));
}

void cli_print_ack(json_t *r)
{
    const char *what = !strcmp(str(r, "kind"), "referral") ? "referral notice" : "page";
    if (json_is_true(json_object_get(r, "already")))
        printf("%s's %s for %s was already acknowledged%s%s: nothing changed.\n", str(r, "agency"),
               what, str(r, "incident"), json_object_get(r, "acknowledged_by") ? " by " : "",
               json_object_get(r, "acknowledged_by") ? str(r, "acknowledged_by") : "");
    else
        printf("%s's %s for %s is acknowledged: %s.\n", str(r, "agency"), what, str(r, "incident"),
               strcmp(what, "page") ? "its alarm ladder stops" : "paging it has stopped");
    if (json_is_object(json_object_get(r, "pledge")))
        print_pledge_line(json_object_get(r, "pledge"));
}

void cli_print_pledge(json_t *r)
{
    if (json_object_get(r, "shifts")) {
        print_pledge_line(r);
        return;
    }
    if (!strcmp(str(r, "state"), "arrived"))
        printf("pledge %lld: %s's %lld %s for %s have arrived (checked in).\n", num(r, "id"),
               str(r, "agency"), num(r, "count"), str(r, "role"), str(r, "incident"));
    else
        printf("pledge %lld: %s's %lld %s for %s is now %s.\n", num(r, "id"), str(r, "agency"),
               num(r, "count"), str(r, "role"), str(r, "incident"), str(r, "state"));
}

static const char *instrument_name(const char *id)
{
    return !strcmp(id, "tsq")    ? "Trauma Screening Questionnaire (TSQ)"
           : !strcmp(id, "phq9") ? "PHQ-9"
           : !strcmp(id, "gad7") ? "GAD-7"
                                 : id;
}

void cli_print_screening(json_t *r)
{
    char t[64];
    const char *inst = instrument_name(str(r, "instrument"));
    if (!strcmp(str(r, "state"), "scheduled")) {
        printf("person %lld: the %s is not valid yet; scheduled for %s (a reminder comes then).\n",
               num(r, "person"), inst, cli_time(json_object_get(r, "scheduled_for"), t, sizeof(t)));
        return;
    }
    printf("person %lld: %s score %lld of %lld, %s.\n", num(r, "person"), inst, num(r, "score"),
           num(r, "max"), json_is_true(json_object_get(r, "positive")) ? "POSITIVE" : "negative");
    if (json_is_true(json_object_get(r, "urgent")))
        printf("URGENT: item 9 (thoughts of self-harm) answered above 0: the person is flagged"
               " urgent and routed by the plan's urgent rules.  Act now.\n");
}

void cli_print_standdown(json_t *r)
{
    char t[64];
    printf("%s stood down at %s: paging and staffing have ended.\n", str(r, "ref"),
           cli_time(json_object_get(r, "stood_down_at"), t, sizeof(t)));
    printf("Persons, referrals and re-screens go on (the recovery phase) until"
           " muster incident close %s.\n",
           str(r, "ref"));
    if (json_is_string(json_object_get(r, "report")))
        printf("The report is written on the musterd host to %s/ (report.md, report.json"
               " and one CSV file a table); muster report %s shows it here.\n",
               str(r, "report"), str(r, "ref"));
}

void cli_print_published(json_t *r)
{
    if (json_is_true(json_object_get(r, "published")))
        printf("%s is published for self-registration as \"%s\" at %s/%s; texts HELP %s.\n",
               str(r, "ref"), str(r, "public_name"), str(r, "url"), str(r, "keyword"),
               str(r, "keyword"));
    else if (json_is_true(json_object_get(r, "was_published")))
        printf("%s is withdrawn from self-registration: its public page and keyword are"
               " closed.\n",
               str(r, "ref"));
    else
        printf("%s was not published: nothing to withdraw.\n", str(r, "ref"));
}

void cli_print_verified(json_t *r)
{
    if (!strcmp(str(r, "outcome"), "verified"))
        printf("person %lld verified: routed as %s.\n", num(r, "person"), str(r, "category"));
    else
        printf("person %lld rejected: their personal fields are erased.\n", num(r, "person"));
}

void cli_print_close(json_t *r)
{
    char t[64];
    long long n = num(r, "referrals_closed");
    printf("%s closed at %s: the recovery phase is over", str(r, "ref"),
           cli_time(json_object_get(r, "closed_at"), t, sizeof(t)));
    if (n > 0)
        printf("; %lld open referral%s closed with it", n, n == 1 ? " was" : "s were");
    printf(".\n");
}

/* ---- person show ---- */

enum { F_TEXT, F_TIME, F_LIST, F_BOOL };

static const struct {
    const char *key, *label;
    int kind;
} person_rows[] = {
    {"status", "status", F_TEXT},
    {"age", "age", F_TEXT},
    {"age_band", "age band", F_TEXT},
    {"dob", "date of birth", F_TEXT},
    {"phone", "phone", F_TEXT},
    {"email", "email", F_TEXT},
    {"address", "address", F_TEXT},
    {"home_area", "home area", F_TEXT},
    {"language", "language", F_TEXT},
    {"interpreter", "interpreter", F_BOOL},
    {"vulnerabilities", "vulnerabilities", F_LIST},
    {"consent", "consent", F_TEXT},
    {"guardian", "guardian", F_TEXT},
    {"urgent", "urgent", F_BOOL},
    {"contact_state", "contact", F_TEXT},
    {"family", "family", F_TEXT},
    {"liaison", "liaison officer", F_TEXT},
    {"external_ref", "external ref", F_TEXT},
    {"merged_into", "merged into", F_TEXT},
    {"registered_at", "registered", F_TIME},
    {"registered_by", "registered by", F_TEXT},
    {"referral_due_at", "referral due", F_TIME},
    {"referred_at", "referred", F_TIME},
    {"breached_at", "BREACHED", F_TIME},
    {"purge_due_at", "purged at", F_TIME},
};

/* One "  label: value" line; nothing for a member absent or null. */
static void person_row(json_t *p, size_t i)
{
    json_t *v = json_object_get(p, person_rows[i].key);
    char t[64];
    if (!v || json_is_null(v) || (person_rows[i].kind == F_LIST && !json_array_size(v)))
        return;
    printf("  %-16s ", person_rows[i].label);
    if (person_rows[i].kind == F_TIME)
        fputs(cli_time(v, t, sizeof(t)), stdout);
    else if (person_rows[i].kind == F_LIST)
        print_list(v);
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "yes" : "no", stdout);
    else if (json_is_integer(v))
        printf("%lld", (long long)json_integer_value(v));
    else
        fputs(json_string_value(v) ?: "-", stdout);
    putchar('\n');
}

static void person_safe_contact(json_t *sc)
{
    if (!json_is_object(sc))
        return;
    printf("  safe contact\n");
    if (json_array_size(json_object_get(sc, "channels"))) {
        printf("    only by        ");
        print_list(json_object_get(sc, "channels"));
        putchar('\n');
    }
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(sc, "do_not"), k, v)
        printf("    never by %-6s %s\n", k, json_string_value(v) ?: "");
    json_t *h = json_object_get(sc, "hours");
    if (h)
        printf("    hours          %s to %s (musterd's local time)\n", str(h, "from"),
               str(h, "to"));
    if (json_object_get(sc, "safe_number"))
        printf("    safe number    %s\n", str(sc, "safe_number"));
    if (json_object_get(sc, "note"))
        printf("    note           %s\n", str(sc, "note"));
}

/* What a person who registered themselves said (the public door). */
static void person_self_registration(json_t *sr)
{
    if (!json_is_object(sr))
        return;
    printf("  self-registration%s%s%s\n", json_is_string(json_object_get(sr, "state")) ? " (" : "",
           json_is_string(json_object_get(sr, "state")) ? str(sr, "state") : "",
           json_is_string(json_object_get(sr, "state")) ? ")" : "");
    static const char *const keys[] = {"reference",    "source",    "involvement",
                                       "safe_to_call", "safe_note", "note"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (json_is_string(json_object_get(sr, keys[i])))
            printf("    %-14s %s\n", keys[i], str(sr, keys[i]));
    if (json_is_boolean(json_object_get(sr, "wants_support")))
        printf("    %-14s %s\n", "wants support",
               json_is_true(json_object_get(sr, "wants_support")) ? "now" : "not now");
}

static void person_referrals(json_t *p)
{
    json_t *x;
    size_t i;
    char t[64];
    json_array_foreach(json_object_get(p, "referrals"), i, x)
    {
        printf("%s  %s to %s: %s (%s), since %s\n", i ? "" : "referrals\n", str(x, "pathway"),
               str(x, "provider"), str(x, "state"), str(x, "reason"),
               cli_time(json_object_get(x, "updated_at"), t, sizeof(t)));
    }
}

static void person_screenings(json_t *p)
{
    json_t *x;
    size_t i;
    char t[64];
    json_array_foreach(json_object_get(p, "screenings"), i, x) printf(
        "%s  %s %s: score %lld, %s%s, by %s\n", i ? "" : "screenings\n",
        cli_time(json_object_get(x, "at"), t, sizeof(t)), instrument_name(str(x, "instrument")),
        num(x, "score"), json_is_true(json_object_get(x, "positive")) ? "positive" : "negative",
        json_is_true(json_object_get(x, "urgent")) ? ", URGENT" : "", str(x, "by"));
    json_array_foreach(json_object_get(p, "rescreens"), i, x) printf(
        "%s  %s due %s: %s\n", i ? "" : "re-screens\n", instrument_name(str(x, "instrument")),
        cli_time(json_object_get(x, "due_at"), t, sizeof(t)), str(x, "state"));
}

static void person_contacts(json_t *p)
{
    json_t *x;
    size_t i;
    char t[64];
    json_array_foreach(json_object_get(p, "contacts"), i, x)
    {
        printf("%s  %s %s by %s: %s", i ? "" : "contact attempts\n",
               cli_time(json_object_get(x, "at"), t, sizeof(t)), str(x, "channel"), str(x, "by"),
               str(x, "outcome"));
        if (json_is_string(json_object_get(x, "note")))
            printf(" (%s)", str(x, "note"));
        putchar('\n');
    }
    json_array_foreach(json_object_get(p, "possible_duplicates"), i, x)
        printf("%s  person %lld (%s): check and merge if the same\n",
               i ? "" : "possible duplicates\n", num(x, "person"), str(x, "reason"));
}

void cli_print_person(json_t *p)
{
    printf("person %lld in %s: %s, %s\n", num(p, "person"), str(p, "incident"), str(p, "name"),
           str(p, "category"));
    for (size_t i = 0; i < sizeof(person_rows) / sizeof(person_rows[0]); i++)
        person_row(p, i);
    person_safe_contact(json_object_get(p, "safe_contact"));
    person_self_registration(json_object_get(p, "self_registration"));
    person_referrals(p);
    person_screenings(p);
    person_contacts(p);
}

/* ---- the session, re-paging, alarms ---- */

void cli_print_whoami(json_t *r)
{
    if (json_is_string(json_object_get(r, "person")))
        printf("You are %s, acting as %s", str(r, "person"), str(r, "principal"));
    else
        printf("You act as %s (a key that names no person)", str(r, "principal"));
    printf(", connected to musterd %s (database schema %lld).\n", str(r, "version"),
           num(r, "schema"));
}

void cli_print_repage(json_t *r)
{
    printf("%s is paged again for %s from the first step of its ladder (%s).\n", str(r, "agency"),
           str(r, "incident"), str(r, "state"));
}

/* The alarm's detail, and who ended it, when and why. */
static void alarm_about(struct cli_table *t, json_t *a)
{
    char when[64];
    if (!json_is_string(json_object_get(a, "ended_by"))) {
        cli_table_add(t, "%s", str(a, "detail"));
        return;
    }
    cli_table_add(t, "%s (%s by %s at %s%s%s)", str(a, "detail"), str(a, "state"),
                  str(a, "ended_by"), cli_time(json_object_get(a, "ended_at"), when, sizeof(when)),
                  json_is_string(json_object_get(a, "note")) ? ": " : "",
                  json_is_string(json_object_get(a, "note")) ? str(a, "note") : "");
}

void cli_print_alarms(json_t *r)
{
    json_t *arr = json_object_get(r, "alarms"), *a;
    size_t i;
    if (json_array_size(arr) == 0) {
        printf("no alarms\n");
        return;
    }
    static const char *const head[] = {"ALARM", "INCIDENT", "KIND", "STATE", "RAISED", "ABOUT"};
    struct cli_table *t = cli_table_create(head, 6);
    json_array_foreach(arr, i, a)
    {
        char when[64];
        cli_table_add(t, "%lld", num(a, "alarm"));
        cli_table_add(t, "%s", str(a, "incident"));
        cli_table_add(t, "%s", str(a, "kind"));
        cli_table_add(t, "%s", str(a, "state"));
        cli_table_add(t, "%s", cli_time(json_object_get(a, "raised_at"), when, sizeof(when)));
        alarm_about(t, a);
    }
    cli_table_print(t, stdout, "");
    cli_table_delete(t);
}

void cli_print_alarm_clear(json_t *r)
{
    printf("alarm %lld is now %s.\n", num(r, "alarm"), str(r, "state"));
}
