/*
 * clients/cli_human_persons.c - the muster CLI's sentences and tables for
 * affected persons and families (cli_out.h): a registration, the person
 * list, consent, a contact attempt, a correction, a merge, a status, a
 * referral closed, and a family made, joined, shown or given its liaison
 * officer.  Each printer is handed a result already escaped by cli_safe;
 * --json prints the result instead.
 */
#include <stdio.h>
#include <string.h>

#include "cli_out.h"
#include "cli_width.h"
#include "proto.h"

/* "  possible duplicate of person N (reason): ..." for each match. */
static void print_duplicates(json_t *r)
{
    json_t *d;
    size_t i;
    json_array_foreach(json_object_get(r, "possible_duplicates"), i, d)
        printf("  possible duplicate of person %lld (%s): check and merge if the same\n",
               proto_int(d, "person"), proto_dash(d, "reason"));
}

void cli_print_person_added(json_t *r)
{
    printf("person %lld registered in %s\n", proto_int(r, "person"), proto_dash(r, "incident"));
    print_duplicates(r);
}

void cli_print_person_list(json_t *r)
{
    json_t *arr = json_object_get(r, "persons"), *p;
    size_t i;
    if (json_array_size(arr) == 0) {
        printf("no persons\n");
        return;
    }
    static const char *const head[] = {"PERSON",  "CATEGORY", "NAME",
                                       "PATHWAY", "REFERRAL", "CONTACT"};
    struct cli_table *t = cli_table_create(head, 6);
    cli_table_max(t, 2, 40);
    json_array_foreach(arr, i, p)
    {
        cli_table_add(t, "%lld", proto_int(p, "person"));
        cli_table_add(t, "%s", proto_dash(p, "category"));
        cli_table_add(t, "%s", proto_dash(p, "name"));
        cli_table_add(t, "%s", proto_dash(p, "pathway"));
        cli_table_add(t, "%s", proto_dash(p, "referral"));
        cli_table_add(t, "%s%s%s", proto_dash(p, "contact_state"),
                      json_is_true(json_object_get(p, "urgent")) ? " URGENT" : "",
                      json_is_true(json_object_get(p, "breached")) ? " BREACH" : "");
    }
    cli_table_print(t, stdout, "");
    cli_table_delete(t);
}

void cli_print_consent(json_t *r)
{
    const char *consent = proto_dash(r, "consent");
    if (!strcmp(consent, "not_asked"))
        printf("person %lld: consent recorded as not asked yet.\n", proto_int(r, "person"));
    else if (json_is_string(json_object_get(r, "guardian")))
        printf("person %lld: consent %s by their parent or guardian, %s.\n", proto_int(r, "person"),
               consent, proto_dash(r, "guardian"));
    else
        printf("person %lld: consent %s, recorded.\n", proto_int(r, "person"), consent);
    if (!strcmp(consent, "refused"))
        printf("Their open referral, if any, is closed: muster person show %lld shows it.\n",
               proto_int(r, "person"));
}

static const char *contact_state_words(const char *state)
{
    return !strcmp(state, "none")                ? "not tried yet"
           : !strcmp(state, "attempting")        ? "attempting"
           : !strcmp(state, "contacted")         ? "contacted"
           : !strcmp(state, "declined")          ? "declined support (the referral is closed)"
           : !strcmp(state, "unable_to_contact") ? "unable to contact (the referral is closed)"
                                                 : state;
}

void cli_print_contact(json_t *r)
{
    const char *outcome = proto_dash(r, "outcome");
    printf("person %lld: %s attempt recorded, %s", proto_int(r, "person"), proto_dash(r, "channel"),
           !strcmp(outcome, "no_answer")  ? "no answer"
           : !strcmp(outcome, "declined") ? "support declined"
                                          : outcome);
    if (json_is_string(json_object_get(r, "kind")))
        printf(" (%s, to the %s address)", proto_dash(r, "kind"), proto_dash(r, "to"));
    printf(", in the %s (musterd's local time); contact: %s.\n", proto_dash(r, "slot"),
           contact_state_words(proto_dash(r, "contact_state")));
}

void cli_print_update(json_t *r)
{
    json_t *changed = json_object_get(r, "changed"), *f;
    size_t i;
    if (json_array_size(changed) == 0) {
        printf("person %lld: nothing changed (the values given were already recorded).\n",
               proto_int(r, "person"));
        return;
    }
    printf("person %lld corrected:", proto_int(r, "person"));
    json_array_foreach(changed, i, f) printf("%s %s", i ? "," : "", json_string_value(f) ?: "?");
    printf(" (correction %lld; the old values are kept in it).\n", proto_int(r, "correction"));
    print_duplicates(r);
}

void cli_print_merge(json_t *r)
{
    if (json_object_get(r, "kept"))
        printf("person %lld is merged into person %lld: the duplicate is no longer counted or"
               " routed (muster person unmerge %lld undoes it).\n",
               proto_int(r, "merged"), proto_int(r, "kept"), proto_int(r, "merged"));
    else
        printf("person %lld is no longer merged: counted and routed again.\n",
               proto_int(r, "person"));
}

void cli_print_person_status(json_t *r)
{
    if (!strcmp(proto_dash(r, "status"), proto_dash(r, "was")))
        printf("person %lld was already recorded %s: nothing changed.\n", proto_int(r, "person"),
               proto_dash(r, "status"));
    else
        printf("person %lld is now recorded %s (was %s).\n", proto_int(r, "person"),
               proto_dash(r, "status"), proto_dash(r, "was"));
}

void cli_print_referral_close(json_t *r)
{
    printf("person %lld: referral %s (or none was open); the place goes to whoever has waited"
           " longest for it.\n",
           proto_int(r, "person"), proto_dash(r, "referral"));
}

/* family.create, family.add and family.liaison. */
void cli_print_family_change(json_t *r)
{
    json_t *persons = json_object_get(r, "persons"), *p;
    size_t i;
    if (json_object_get(r, "incident")) {
        printf("family %lld made in %s", proto_int(r, "family"), proto_dash(r, "incident"));
        json_array_foreach(persons, i, p)
            printf("%s %lld", i ? "," : ": persons", (long long)json_integer_value(p));
        printf(".\n");
    } else if (json_object_get(r, "person"))
        printf("person %lld joined family %lld.\n", proto_int(r, "person"), proto_int(r, "family"));
    else if (json_is_string(json_object_get(r, "liaison")))
        printf("family %lld: %s is its family liaison officer; contact goes through them.\n",
               proto_int(r, "family"), proto_dash(r, "liaison"));
    else
        printf("family %lld has no family liaison officer now.\n", proto_int(r, "family"));
}

/* "person 3, person 7": whom member m is bereaved of, or "-". */
static const char *bereaved_of(json_t *m, char *buf, size_t len)
{
    json_t *x;
    size_t i, n = 0;
    snprintf(buf, len, "-");
    json_array_foreach(json_object_get(m, "bereaved_of"), i, x)
    {
        int k = snprintf(buf + n, len - n, "%s%lld", i ? ", person " : "person ",
                         (long long)json_integer_value(x));
        if (k < 0 || (size_t)k >= len - n)
            break;
        n += (size_t)k;
    }
    return buf;
}

void cli_print_family(json_t *r)
{
    json_t *members = json_object_get(r, "members"), *m;
    size_t i;
    printf("family %lld in %s, liaison officer: %s\n", proto_int(r, "family"),
           proto_dash(r, "incident"),
           json_is_string(json_object_get(r, "liaison")) ? proto_dash(r, "liaison") : "none");
    if (json_array_size(members) == 0) {
        printf("  no members\n");
        return;
    }
    static const char *const head[] = {"PERSON", "NAME",    "CATEGORY",
                                       "STATUS", "CONTACT", "BEREAVED OF"};
    struct cli_table *t = cli_table_create(head, 6);
    json_array_foreach(members, i, m)
    {
        char of[256];
        cli_table_add(t, "%lld", proto_int(m, "person"));
        cli_table_add(t, "%s", proto_dash(m, "name"));
        cli_table_add(t, "%s", proto_dash(m, "category"));
        cli_table_add(t, "%s", proto_dash(m, "status"));
        cli_table_add(t, "%s", proto_dash(m, "contact_state"));
        cli_table_add(t, "%s", bereaved_of(m, of, sizeof(of)));
    }
    cli_table_print(t, stdout, "  ");
    cli_table_delete(t);
}
