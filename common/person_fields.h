/*
 * common/person_fields.h - the person fields a casualty-bureau CSV column
 * or a `muster person add` option may set: the column / option name, the
 * JSON member of person.add it fills and how its text is read.  The CLI
 * reads CSV files and options with it; the plan format checks the columns
 * a plan's import section maps other headers to against it.
 * docs/import-csv.md describes every column.
 */
#ifndef MUSTER_PERSON_FIELDS_H
#define MUSTER_PERSON_FIELDS_H

#include <stddef.h>

enum person_field_kind {
    PF_TEXT,          /* the text as it is */
    PF_INT,           /* a whole number */
    PF_BOOL,          /* yes/no, true/false, 1/0 */
    PF_LIST,          /* items separated by "," or ";" */
    PF_SAFE_CHANNELS, /* safe_contact.channels, a list */
    PF_SAFE_NOTE,     /* safe_contact.note */
    PF_SAFE_NUMBER,   /* safe_contact.safe_number */
    PF_SAFE_HOURS,    /* safe_contact.hours, "HH:MM-HH:MM" */
    PF_SAFE_DO_NOT,   /* safe_contact.do_not, "CHANNEL:REASON" */
};

struct person_field {
    const char *column; /* CSV header and --option name: "home-area" */
    const char *key;    /* person.add member: "home_area" */
    enum person_field_kind kind;
};

/* Every field, in the order docs/import-csv.md lists them. */
#define PERSON_NFIELDS 20
extern const struct person_field person_fields[PERSON_NFIELDS];

/* The field a column name names ("home-area" or "home_area"), or NULL. */
const struct person_field *person_field_find(const char *column);

#endif
