/*
 * clients/cli_persons.c - "muster person ..." and "muster referral close":
 * registering affected persons one by one or from a CSV file (with a
 * progress bar and a per-line error report), showing and listing them,
 * screening, consent, contact attempts, merging duplicates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "cli_out.h"
#include "csv.h"
#include "person_fields.h"
#include "plan.h"

static json_t *split_list(const char *value)
{
    json_t *arr = json_array();
    char *copy = strdup(value), *save = NULL;
    for (char *t = strtok_r(copy, ";,", &save); t; t = strtok_r(NULL, ";,", &save)) {
        while (*t == ' ')
            t++;
        if (*t)
            json_array_append_new(arr, json_string(t));
    }
    free(copy);
    return arr;
}

static json_t *safe_contact(json_t *person)
{
    json_t *sc = json_object_get(person, "safe_contact");
    if (!sc) {
        sc = json_object();
        json_object_set_new(person, "safe_contact", sc);
    }
    return sc;
}

/* --safe-hours FROM-TO ("09:00-17:00") or --do-not CHANNEL:REASON (once
 * per channel).  Returns 0, or -1 with a message in err. */
static int safe_rule_set(json_t *sc, const struct person_field *f, const char *value, char *err,
                         size_t errlen)
{
    const char *sep = strchr(value, f->kind == PF_SAFE_HOURS ? '-' : ':');
    if (!sep || sep == value || !sep[1]) {
        snprintf(err, errlen, "%s is %s, got \"%s\"", f->column,
                 f->kind == PF_SAFE_HOURS ? "HH:MM-HH:MM" : "CHANNEL:REASON", value);
        return -1;
    }
    json_t *a = json_stringn(value, (size_t)(sep - value)), *b = json_string(sep + 1);
    if (f->kind == PF_SAFE_HOURS) {
        json_object_set_new(sc, "hours", json_pack("{s:o, s:o}", "from", a, "to", b));
        return 0;
    }
    json_t *d = json_object_get(sc, "do_not");
    if (!d)
        json_object_set_new(sc, "do_not", d = json_object());
    json_object_set_new(d, json_string_value(a), b);
    json_decref(a);
    return 0;
}

/* Set one field from text.  Returns 0, or -1 with a message in err. */
static int field_set(json_t *person, const struct person_field *f, const char *value, char *err,
                     size_t errlen)
{
    char *end;
    if (!*value)
        return 0; /* empty: not given */
    switch (f->kind) {
    case PF_TEXT:
        json_object_set_new(person, f->key, json_string(value));
        return 0;
    case PF_INT: {
        long n = strtol(value, &end, 10);
        if (*end || end == value) {
            snprintf(err, errlen, "%s must be a whole number, got \"%s\"", f->column, value);
            return -1;
        }
        json_object_set_new(person, f->key, json_integer(n));
        return 0;
    }
    case PF_BOOL: {
        int yes = !strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1");
        int no = !strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0");
        if (!yes && !no) {
            snprintf(err, errlen, "%s must be yes or no, got \"%s\"", f->column, value);
            return -1;
        }
        json_object_set_new(person, f->key, json_boolean(yes));
        return 0;
    }
    case PF_LIST:
        json_object_set_new(person, f->key, split_list(value));
        return 0;
    case PF_SAFE_CHANNELS:
        json_object_set_new(safe_contact(person), "channels", split_list(value));
        return 0;
    case PF_SAFE_NOTE:
        json_object_set_new(safe_contact(person), "note", json_string(value));
        return 0;
    case PF_SAFE_NUMBER:
        json_object_set_new(safe_contact(person), "safe_number", json_string(value));
        return 0;
    default:
        return safe_rule_set(safe_contact(person), f, value, err, errlen);
    }
    return 0;
}

/* ---- add, show, list ---- */

/* Read the --FIELD VALUE options into obj: 0, or the exit code. */
static int fields_parse(int argc, char **argv, json_t *obj)
{
    struct option o[PERSON_NFIELDS + 1];
    for (size_t i = 0; i < PERSON_NFIELDS; i++)
        o[i] = (struct option){person_fields[i].column, person_fields[i].kind == PF_BOOL ? 2 : 1,
                               NULL, (int)i};
    o[PERSON_NFIELDS] = (struct option){NULL, 0, NULL, 0};
    char err[256];
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
        if (ch < 0 || ch >= (int)PERSON_NFIELDS)
            return EXIT_USAGE;
        if (field_set(obj, &person_fields[ch], optarg ? optarg : "yes", err, sizeof(err)) != 0)
            return die_usage(err);
    }
    return 0;
}

static int person_add(struct cli *cli, int argc, char **argv)
{
    json_t *person = json_object();
    int rc = fields_parse(argc, argv, person);
    if (rc == 0 && optind != argc - 1)
        rc = die_usage("usage: muster person add INCIDENT --category C --name NAME [...]");
    if (rc != 0) {
        json_decref(person);
        return rc;
    }
    return call(cli, "intake", "person.add",
                json_pack("{s:s, s:o}", "incident", argv[optind], "person", person),
                cli_print_person_added);
}

static long id_arg(const char *s)
{
    char *end;
    long id = strtol(s, &end, 10);
    return *end || id <= 0 ? -1 : id;
}

static int person_show(struct cli *cli, int argc, char **argv)
{
    if (argc != 2 || id_arg(argv[1]) < 0)
        return die_usage("usage: muster person show PERSON");
    return call(cli, "intake", "person.show", json_pack("{s:i}", "person", (int)id_arg(argv[1])),
                cli_print_person);
}

static int person_list(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"category", 1, NULL, 'c'}, {"pathway", 1, NULL, 'p'}, {NULL, 0, NULL, 0}};
    const char *category = NULL, *pathway = NULL;
    SUBOPTS_BEGIN(o)
case 'c':
    category = optarg;
    break;
case 'p':
    pathway = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1)
        return die_usage("usage: muster person list INCIDENT [--category C] [--pathway P]");
    return call(cli, "intake", "person.list",
                json_pack("{s:s, s:s?, s:s?}", "incident", argv[optind], "category", category,
                          "pathway", pathway),
                cli_print_person_list);
}

/* ---- screening, consent, contact, merging ---- */

/* "yes,no,..." for the TSQ, "0,1,3,..." for PHQ-9 and GAD-7. */
static json_t *answers_parse(const char *text)
{
    json_t *arr = json_array(), *items = split_list(text), *x;
    size_t i;
    json_array_foreach(items, i, x)
    {
        const char *s = json_string_value(x);
        char *end;
        long n = strtol(s, &end, 10);
        if (!strcasecmp(s, "yes") || !strcasecmp(s, "y"))
            json_array_append_new(arr, json_true());
        else if (!strcasecmp(s, "no") || !strcasecmp(s, "n"))
            json_array_append_new(arr, json_false());
        else if (!*end && end != s)
            json_array_append_new(arr, json_integer(n));
        else
            json_array_append_new(arr, json_string(s)); /* the daemon says what is wrong */
    }
    json_decref(items);
    return arr;
}

static int person_screen(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"instrument", 1, NULL, 'i'}, {"answers", 1, NULL, 'a'}, {NULL, 0, NULL, 0}};
    const char *instrument = NULL, *answers = NULL;
    SUBOPTS_BEGIN(o)
case 'i':
    instrument = optarg;
    break;
case 'a':
    answers = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || id_arg(argv[optind]) < 0 || !instrument || !answers)
        return die_usage("usage: muster person screen PERSON --instrument tsq|phq9|gad7"
                         " --answers A,B,...");
    return call(cli, "intake", "person.screen",
                json_pack("{s:i, s:s, s:o}", "person", (int)id_arg(argv[optind]), "instrument",
                          instrument, "answers", answers_parse(answers)),
                cli_print_screening);
}

static int person_consent(struct cli *cli, int argc, char **argv)
{
    bool guardian = argc == 5 && !strcmp(argv[3], "--guardian");
    if ((argc != 3 && !guardian) || id_arg(argv[1]) < 0)
        return die_usage(
            "usage: muster person consent PERSON given|refused|not_asked [--guardian NAME]");
    return call(cli, "intake", "person.consent",
                json_pack("{s:i, s:s, s:s?}", "person", (int)id_arg(argv[1]), "consent", argv[2],
                          "guardian", guardian ? argv[4] : NULL),
                cli_print_consent);
}

static int person_contact(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"outcome", 1, NULL, 'o'}, {"note", 1, NULL, 'n'},
                                      {"channel", 1, NULL, 'c'}, {"kind", 1, NULL, 'k'},
                                      {"to", 1, NULL, 't'},      {NULL, 0, NULL, 0}};
    const char *outcome = NULL, *note = NULL, *channel = NULL, *kind = NULL, *to = NULL;
    SUBOPTS_BEGIN(o)
case 'o':
    outcome = optarg;
    break;
case 'n':
    note = optarg;
    break;
case 'c':
    channel = optarg;
    break;
case 'k':
    kind = optarg;
    break;
case 't':
    to = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || id_arg(argv[optind]) < 0 || !outcome)
        return die_usage("usage: muster person contact PERSON --outcome"
                         " no_answer|contacted|declined|sent [--channel"
                         " phone|sms|email|letter|visit] [--kind KIND --to ADDRESS-KIND]"
                         " [--note TEXT]");
    return call(cli, "intake", "person.contact",
                json_pack("{s:i, s:s, s:s?, s:s?, s:s?, s:s?}", "person", (int)id_arg(argv[optind]),
                          "outcome", outcome, "note", note, "channel", channel, "kind", kind, "to",
                          to),
                cli_print_contact);
}

/* person update PERSON --FIELD VALUE...: the options of person add (the
 * safe-contact options replace the instructions whole). */
static int person_update(struct cli *cli, int argc, char **argv)
{
    json_t *changes = json_object();
    int rc = fields_parse(argc, argv, changes);
    if (rc == 0 &&
        (optind != argc - 1 || id_arg(argv[optind]) < 0 || json_object_size(changes) == 0))
        rc = die_usage("usage: muster person update PERSON --FIELD VALUE [...]");
    if (rc != 0) {
        json_decref(changes);
        return rc;
    }
    return call(cli, "intake", "person.update",
                json_pack("{s:i, s:o}", "person", (int)id_arg(argv[optind]), "fields", changes),
                cli_print_update);
}

static int person_merge(struct cli *cli, int argc, char **argv)
{
    if (argc != 3 || id_arg(argv[1]) < 0 || id_arg(argv[2]) < 0)
        return die_usage("usage: muster person merge KEEP DUPLICATE");
    return call(
        cli, "intake", "person.merge",
        json_pack("{s:i, s:i}", "keep", (int)id_arg(argv[1]), "merge", (int)id_arg(argv[2])),
        cli_print_merge);
}

static int person_unmerge(struct cli *cli, int argc, char **argv)
{
    if (argc != 2 || id_arg(argv[1]) < 0)
        return die_usage("usage: muster person unmerge PERSON");
    return call(cli, "intake", "person.unmerge", json_pack("{s:i}", "person", (int)id_arg(argv[1])),
                cli_print_merge);
}

/* muster person status PERSON alive|missing|deceased [--reason TEXT] */
static int person_status(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"reason", 1, NULL, 'r'}, {NULL, 0, NULL, 0}};
    const char *reason = NULL;
    SUBOPTS_BEGIN(o)
case 'r':
    reason = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 2 || id_arg(argv[optind]) < 0)
        return die_usage("usage: muster person status PERSON alive|missing|deceased"
                         " [--reason TEXT]");
    return call(cli, "intake", "person.status",
                json_pack("{s:i, s:s, s:s?}", "person", (int)id_arg(argv[optind]), "status",
                          argv[optind + 1], "reason", reason),
                cli_print_person_status);
}

/* muster person verify PERSON --outcome verified|rejected [--note TEXT] */
static int person_verify(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"outcome", 1, NULL, 'o'}, {"note", 1, NULL, 'n'}, {NULL, 0, NULL, 0}};
    const char *outcome = NULL, *note = NULL;
    SUBOPTS_BEGIN(o)
case 'o':
    outcome = optarg;
    break;
case 'n':
    note = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || id_arg(argv[optind]) < 0 || !outcome)
        return die_usage("usage: muster person verify PERSON --outcome verified|rejected"
                         " [--note TEXT]");
    return call(cli, "intake", "person.verify",
                json_pack("{s:i, s:s, s:s?}", "person", (int)id_arg(argv[optind]), "outcome",
                          outcome, "note", note),
                cli_print_verified);
}

/* ---- families ---- */

/* muster family create INCIDENT [PERSON...] */
static int family_create(struct cli *cli, int argc, char **argv)
{
    json_t *persons = json_array();
    for (int i = 2; i < argc; i++) {
        if (id_arg(argv[i]) < 0) {
            json_decref(persons);
            return die_usage("usage: muster family create INCIDENT [PERSON...]");
        }
        json_array_append_new(persons, json_integer(id_arg(argv[i])));
    }
    if (argc < 2) {
        json_decref(persons);
        return die_usage("usage: muster family create INCIDENT [PERSON...]");
    }
    json_t *args = json_pack("{s:s}", "incident", argv[1]);
    json_object_set_new(args, "persons", json_array_size(persons) ? persons : json_null());
    if (!json_array_size(persons))
        json_decref(persons);
    return call(cli, "intake", "family.create", args, cli_print_family_change);
}

static int family_add(struct cli *cli, int argc, char **argv)
{
    if (argc != 3 || id_arg(argv[1]) < 0 || id_arg(argv[2]) < 0)
        return die_usage("usage: muster family add FAMILY PERSON");
    return call(
        cli, "intake", "family.add",
        json_pack("{s:i, s:i}", "family", (int)id_arg(argv[1]), "person", (int)id_arg(argv[2])),
        cli_print_family_change);
}

static int family_show(struct cli *cli, int argc, char **argv)
{
    if (argc != 2 || id_arg(argv[1]) < 0)
        return die_usage("usage: muster family show FAMILY");
    return call(cli, "intake", "family.show", json_pack("{s:i}", "family", (int)id_arg(argv[1])),
                cli_print_family);
}

/* muster family liaison FAMILY NAME|--clear */
static int family_liaison(struct cli *cli, int argc, char **argv)
{
    bool clear = argc == 3 && !strcmp(argv[2], "--clear");
    if (argc != 3 || id_arg(argv[1]) < 0)
        return die_usage("usage: muster family liaison FAMILY NAME|--clear");
    return call(
        cli, "duty", "family.liaison",
        json_pack("{s:i, s:s?}", "family", (int)id_arg(argv[1]), "liaison", clear ? NULL : argv[2]),
        cli_print_family_change);
}

int cli_family(struct cli *cli, int argc, char **argv)
{
    static const struct {
        const char *action;
        int (*fn)(struct cli *, int, char **);
    } actions[] = {{"create", family_create},
                   {"add", family_add},
                   {"show", family_show},
                   {"liaison", family_liaison}};
    for (size_t i = 0; argc > 1 && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(argv[1], actions[i].action))
            return actions[i].fn(cli, argc - 1, argv + 1);
    return die_usage("usage: muster family create|add|show|liaison ...");
}

int cli_referral_close(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"reason", 1, NULL, 'r'}, {NULL, 0, NULL, 0}};
    const char *reason = NULL;
    SUBOPTS_BEGIN(o)
case 'r':
    reason = optarg;
    break;
    SUBOPTS_END
    if (optind != argc - 1 || id_arg(argv[optind]) < 0)
        return die_usage("usage: muster referral close PERSON [--reason TEXT]");
    return call(cli, "duty", "referral.close",
                json_pack("{s:i, s:s?}", "person", (int)id_arg(argv[optind]), "reason", reason),
                cli_print_referral_close);
}

/* ---- import ---- */

#define IMPORT_BATCH 250

struct import {
    struct cli *cli;
    struct mclient *c;
    const struct person_field *columns[CSV_MAX_FIELDS]; /* NULL: a column to ignore */
    size_t order[CSV_MAX_FIELDS]; /* columns in the plan's order, then the file's */
    size_t rank[CSV_MAX_FIELDS];  /* a column's place in the plan's mapping */
    size_t ncolumns;
    json_t *mapping; /* the incident's plan's import section, or NULL */
    bool dmy;        /* dob is written DD/MM/YYYY */
    json_t *batch;
    long rows, stored, already, refused;
    size_t size;
    bool bar;
};

static void import_progress(struct import *im, size_t offset, bool done)
{
    if (!im->bar)
        return;
    int pct = im->size ? (int)(offset * 100 / im->size) : 100;
    int filled = pct / 4;
    fprintf(stderr, "\rimporting [%.*s%*s] %3d%%  %ld rows", filled, "#########################",
            25 - filled, "", pct, im->rows);
    if (done)
        fputc('\n', stderr);
}

static void import_report(struct import *im, json_t *result)
{
    json_t *r;
    size_t i;
    im->stored += json_integer_value(json_object_get(result, "stored"));
    im->already += json_integer_value(json_object_get(result, "already"));
    im->refused += json_integer_value(json_object_get(result, "refused"));
    json_array_foreach(json_object_get(result, "rows"), i, r)
    {
        const char *status = json_string_value(json_object_get(r, "status"));
        if (im->bar)
            fputc('\n', stderr);
        if (!strcmp(status, "refused"))
            printf("line %lld: refused: %s\n",
                   (long long)json_integer_value(json_object_get(r, "line")),
                   json_string_value(json_object_get(r, "error")));
        else
            printf("line %lld: stored as person %lld, a possible duplicate\n",
                   (long long)json_integer_value(json_object_get(r, "line")),
                   (long long)json_integer_value(json_object_get(r, "person")));
    }
}

/* Send the rows gathered so far.  Returns 0 or an exit code. */
static int import_flush(struct import *im, const char *incident)
{
    if (json_array_size(im->batch) == 0)
        return 0;
    json_t *reply = NULL;
    char err[512];
    json_t *args = json_pack("{s:s, s:o}", "incident", incident, "rows", im->batch);
    im->batch = json_array();
    int rc = mclient_call(im->c, NULL, "person.import", args, &reply, err, sizeof(err));
    if (rc != 0) {
        cli_errorf("%s", err);
        return EXIT_UNREACHABLE;
    }
    if (!json_is_true(json_object_get(reply, "ok"))) {
        json_t *e = json_object_get(reply, "error");
        cli_errorf("%s: %s", json_string_value(json_object_get(e, "code")),
                   json_string_value(json_object_get(e, "message")));
        json_decref(reply);
        return EXIT_REFUSED;
    }
    json_t *safe = cli_safe(json_object_get(reply, "result"));
    import_report(im, safe);
    json_decref(safe);
    json_decref(reply);
    return 0;
}

/* The incident's plan's import section (incident.show), kept in im.
 * Returns 0 or an exit code. */
static int import_mapping(struct import *im, const char *incident)
{
    json_t *reply = NULL;
    char err[512];
    int rc = mclient_call(im->c, NULL, "incident.show", json_pack("{s:s}", "ref", incident), &reply,
                          err, sizeof(err));
    if (rc != 0) {
        cli_errorf("%s", err);
        return EXIT_UNREACHABLE;
    }
    json_t *e = json_object_get(reply, "error");
    if (e) {
        cli_errorf("%s: %s", json_string_value(json_object_get(e, "code")),
                   json_string_value(json_object_get(e, "message")));
        json_decref(reply);
        return EXIT_REFUSED;
    }
    json_t *map = json_object_get(json_object_get(reply, "result"), "import");
    if (json_is_object(map)) {
        im->mapping = json_incref(map);
        const char *df = json_string_value(json_object_get(map, "date_format"));
        im->dmy = df && !strcmp(df, "DD/MM/YYYY");
    }
    json_decref(reply);
    return 0;
}

/* The column a header is: muster's own column names as muster writes
 * them first (read as muster reads them), then the plan's mapping (any
 * case).  0 with *f (NULL for "ignore") and *rank (the mapping's item, or
 * CSV_MAX_FIELDS for an own column), or -1 for an unknown header. */
static int import_column(const struct import *im, const char *header, const struct person_field **f,
                         size_t *rank)
{
    json_t *col;
    size_t i;
    *rank = CSV_MAX_FIELDS;
    if ((*f = person_field_find(header)) != NULL)
        return 0;
    json_array_foreach(json_object_get(im->mapping, "columns"), i, col)
    {
        if (!plan_import_header_same(json_string_value(json_object_get(col, "header")), header))
            continue;
        const char *name = json_string_value(json_object_get(col, "column"));
        *f = person_field_find(name);
        *rank = i;
        return *f || !strcmp(name, "ignore") ? 0 : -1;
    }
    return -1;
}

/* A header the plan maps to a column that another header of the file
 * fills too (Forename without Surname: half a name) must be there:
 * 0, or EXIT_USAGE naming the missing header. */
static int import_siblings(const struct import *im)
{
    json_t *cols = json_object_get(im->mapping, "columns"), *a, *b;
    bool present[CSV_MAX_FIELDS] = {false};
    size_t j, k;
    for (size_t i = 0; i < im->ncolumns; i++)
        if (im->rank[i] < CSV_MAX_FIELDS)
            present[im->rank[i]] = true;
    json_array_foreach(cols, j, a)
    {
        const char *col = json_string_value(json_object_get(a, "column"));
        if (j >= CSV_MAX_FIELDS || present[j] || !col || !strcmp(col, "ignore"))
            continue;
        json_array_foreach(cols, k, b)
        {
            if (k < CSV_MAX_FIELDS && present[k] &&
                person_field_find(col) ==
                    person_field_find(json_string_value(json_object_get(b, "column")))) {
                cli_errorf("line 1: missing column \"%s\" (the plan's import section fills %s "
                           "from it and \"%s\": a file with one must have both)",
                           json_string_value(json_object_get(a, "header")), col,
                           json_string_value(json_object_get(b, "header")));
                return EXIT_USAGE;
            }
        }
    }
    return 0;
}

static int import_header(struct import *im, const struct csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++) {
        if (import_column(im, rec->fields[i], &im->columns[i], &im->rank[i]) != 0) {
            cli_errorf("line 1: unknown column \"%s\" (neither a muster column nor a header "
                       "the plan's import section maps: docs/import-csv.md)",
                       rec->fields[i]);
            return EXIT_USAGE;
        }
    }
    im->ncolumns = rec->nfields;
    if (import_siblings(im) != 0)
        return EXIT_USAGE;
    for (size_t i = 0; i < im->ncolumns; i++) { /* insertion sort by rank: a few columns */
        size_t j = i;
        for (; j > 0 && im->rank[im->order[j - 1]] > im->rank[i]; j--)
            im->order[j] = im->order[j - 1];
        im->order[j] = i;
    }
    return 0;
}

/* Column i of a record: a text column several headers fill is joined with
 * a space; a date of birth under a mapped header, when the plan says
 * DD/MM/YYYY, becomes YYYY-MM-DD. */
static void import_field(const struct import *im, size_t i, json_t *person, const char *value,
                         char *err, size_t errlen)
{
    char buf[1024];
    const struct person_field *f = im->columns[i];
    const char *prev = json_string_value(json_object_get(person, f->key));
    if (f->kind == PF_TEXT && prev && *prev && *value) {
        snprintf(buf, sizeof(buf), "%s %s", prev, value);
        value = buf;
    } else if (im->dmy && im->rank[i] < CSV_MAX_FIELDS && !strcmp(f->key, "dob") && *value) {
        unsigned d, mo, y;
        char end;
        if (sscanf(value, "%2u/%2u/%4u%c", &d, &mo, &y, &end) != 3) {
            snprintf(err, errlen,
                     "dob must be DD/MM/YYYY (the plan's import date_format), got \"%s\"", value);
            return;
        }
        snprintf(buf, sizeof(buf), "%04u-%02u-%02u", y, mo, d);
        value = buf;
    }
    field_set(person, f, value, err, errlen);
}

/* One data record into the batch (or a local error on stdout). */
static void import_record(struct import *im, const struct csv_record *rec)
{
    char err[256] = "";
    json_t *person = json_object();
    im->rows++;
    if (rec->nfields != im->ncolumns)
        snprintf(err, sizeof(err), "%zu fields where the header has %zu", rec->nfields,
                 im->ncolumns);
    for (size_t k = 0; !err[0] && k < rec->nfields; k++) {
        size_t i = im->order[k];
        if (im->columns[i])
            import_field(im, i, person, rec->fields[i], err, sizeof(err));
    }
    if (err[0]) {
        printf("line %zu: refused: ", rec->line);
        cli_print_escaped(stdout, err, 0);
        printf("\n");
        im->refused++;
        json_decref(person);
        return;
    }
    json_array_append_new(im->batch,
                          json_pack("{s:I, s:o}", "line", (json_int_t)rec->line, "person", person));
}

static int import_run(struct import *im, FILE *f, const char *incident)
{
    struct csv_reader *r = csv_open(f);
    struct csv_record rec;
    char err[256];
    int n, rc = 0;
    bool header = true;
    while (rc == 0 && (n = csv_next(r, &rec, err, sizeof(err))) != 0) {
        if (n < 0) {
            cli_print_escaped(stdout, err, 0);
            printf("\n");
            im->refused++;
            im->rows += !header;
            continue;
        }
        if (header) {
            rc = import_header(im, &rec);
            header = false;
            continue;
        }
        import_record(im, &rec);
        if (json_array_size(im->batch) >= IMPORT_BATCH)
            rc = import_flush(im, incident);
        import_progress(im, csv_offset(r), false);
    }
    if (rc == 0)
        rc = import_flush(im, incident);
    import_progress(im, csv_offset(r), true);
    csv_close(r);
    return rc;
}

static int person_import(struct cli *cli, int argc, char **argv)
{
    if (argc != 3)
        return die_usage("usage: muster person import INCIDENT FILE.csv");
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        cli_errorf("%s: %s", argv[2], strerror(errno));
        return EXIT_LOCAL;
    }
    struct stat sb;
    struct import im = {.cli = cli, .batch = json_array(), .bar = isatty(2) && !cli->json};
    im.size = fstat(fileno(f), &sb) == 0 ? (size_t)sb.st_size : 0;
    int rc = cli_connect(cli, "intake", &im.c);
    if (rc == 0)
        rc = import_mapping(&im, argv[1]);
    if (rc == 0)
        rc = import_run(&im, f, argv[1]);
    fclose(f);
    mclient_close(im.c);
    json_decref(im.batch);
    json_decref(im.mapping);
    if (rc == 0)
        printf("%ld rows: %ld stored, %ld already imported, %ld refused\n", im.rows, im.stored,
               im.already, im.refused);
    return rc ? rc : im.refused ? EXIT_REFUSED : 0;
}

int cli_person(struct cli *cli, int argc, char **argv)
{
    static const struct {
        const char *action;
        int (*fn)(struct cli *, int, char **);
    } actions[] = {
        {"add", person_add},          {"show", person_show},       {"list", person_list},
        {"screen", person_screen},    {"consent", person_consent}, {"contact", person_contact},
        {"merge", person_merge},      {"unmerge", person_unmerge}, {"import", person_import},
        {"update", person_update},    {"status", person_status},   {"verify", person_verify},
        {"export", cli_person_export}};
    for (size_t i = 0; argc > 1 && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(argv[1], actions[i].action))
            return actions[i].fn(cli, argc - 1, argv + 1);
    return die_usage("usage: muster person add|show|list|screen|consent|contact|merge|unmerge|"
                     "import|update|status|verify|export ...");
}
