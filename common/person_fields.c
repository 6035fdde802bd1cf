/*
 * common/person_fields.c - the table of person fields a CSV column or a
 * CLI option may set (see person_fields.h).
 */
#include "person_fields.h"

const struct person_field person_fields[PERSON_NFIELDS] = {
    {"category", "category", PF_TEXT},
    {"name", "name", PF_TEXT},
    {"dob", "dob", PF_TEXT},
    {"age", "age", PF_INT},
    {"age-band", "age_band", PF_TEXT},
    {"phone", "phone", PF_TEXT},
    {"email", "email", PF_TEXT},
    {"address", "address", PF_TEXT},
    {"home-area", "home_area", PF_TEXT},
    {"language", "language", PF_TEXT},
    {"interpreter", "interpreter", PF_BOOL},
    {"vulnerabilities", "vulnerabilities", PF_LIST},
    {"safe-channels", "safe_contact", PF_SAFE_CHANNELS},
    {"safe-note", "safe_contact", PF_SAFE_NOTE},
    {"safe-number", "safe_contact", PF_SAFE_NUMBER},
    {"safe-hours", "safe_contact", PF_SAFE_HOURS},
    {"do-not", "safe_contact", PF_SAFE_DO_NOT},
    {"consent", "consent", PF_TEXT},
    {"guardian", "guardian", PF_TEXT},
    {"external-ref", "external_ref", PF_TEXT},
};

const struct person_field *person_field_find(const char *column)
{
    for (size_t i = 0; i < PERSON_NFIELDS; i++) {
        const char *a = person_fields[i].column, *b = column;
        while (*a && (*a == *b || (*a == '-' && *b == '_')))
            a++, b++;
        if (!*a && !*b)
            return &person_fields[i];
    }
    return NULL;
}
