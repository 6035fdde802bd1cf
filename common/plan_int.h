/*
 * common/plan_int.h - private to the plan*.c files: the node tree of pass 1,
 * the state of one load, the schema types of pass 2 and the functions the
 * passes share.
 *
 * Who does what (common/plan.c has the whole design):
 *   plan_tree.c    error collection; pass 1, YAML events to a node tree
 *   plan_walk.c    pass 2, the generic walker: mappings, sequences, lists
 *   plan_value.c   pass 2, scalar values and the string checks
 *   plan_format.c  the plan format: one schema table per kind of mapping
 *   plan_xref.c    cross-checks, run once a mapping (or the file) is loaded
 *   plan_json.c    plan_to_json
 *   plan_locate.c  plan_locate: a node's file:line:column in a loaded plan
 *   plan_holidays.c bank holidays named by a shared file, and their horizon
 *   plan_cert.c    CAP senders' certificates named by file, frozen as PEM
 *   plan.c         loading, freeing, queries and plan sets
 *
 * Everything that fails reports through plan_fail, which keeps the
 * "file:line:column: message" form and the PLAN_MAX_ERRORS cut-off in one
 * place; a failure that is not the plan's fault (out of memory) is kept
 * in ctx.rc instead.
 */
#ifndef MUSTER_PLAN_INT_H
#define MUSTER_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "plan.h"

#define SHOW_MAX 60                  /* longest value quoted back in a message */
#define SHOW_BUF (SHOW_MAX * 4 + 16) /* room for plan_show's quoting of it */
#define SCHEMA_MAX_FIELDS 16         /* keys of one schema (plan_load_mapping's seen[]) */
#define NAMES_TEXT_MAX 256           /* room for a list of keys or names, "a, b, c" */

/* ---- the node tree ---------------------------------------------------- */

enum node_type { NODE_SCALAR, NODE_MAPPING, NODE_SEQUENCE };

struct node {
    enum node_type type;
    bool plain;         /* scalar written without quotes or block indicator */
    yaml_mark_t mark;   /* where the node starts in the text */
    char *value;        /* scalars: text, NUL-terminated (may hold escaped NULs) */
    size_t len;         /* scalars: length of value */
    struct node **kids; /* sequence items; mapping keys and values alternating */
    size_t nkids;
};

/* State of one load: where messages go and how many there were. */
struct ctx {
    const char *name; /* file name as given, starts every message */
    const char *buf;  /* the text being parsed */
    size_t len;
    struct plan_errors *errs;
    size_t nerr;     /* errors found by this load, including dropped ones */
    size_t nnodes;   /* nodes built so far */
    int rc;          /* a failure that is not the plan's fault (-ENOMEM) */
    const char *dir; /* the plan file's directory: holidays/ is looked for there */
    /* the holiday file's name in buf, replaced by its dates once loaded
     * (plan_holidays_freeze); span 0 when the plan names none */
    size_t holidays_off, holidays_span;
    /* the CAP certificates' file names in buf, replaced by their PEM text
     * once loaded (plan_cert_freeze), in document order */
    struct plan_cert_span *cert_spans;
    size_t ncert_spans;
};

/* Where a certificate's file name stands in the text, quotes included,
 * and the sender (index in cap.senders) it belongs to. */
struct plan_cert_span {
    size_t off, span, sender;
};

/* ---- the schema types ------------------------------------------------- */

enum kind {
    K_STRING,   /* any scalar; length in characters within min..max */
    K_INT,      /* plain -?[0-9]+ within min..max */
    K_DURATION, /* integer seconds or "<n>ms|s|m|h|d": int64_t milliseconds within min..max */
    K_TIME,     /* "HH:MM", 00:00..23:59: int minutes after midnight */
    K_CHANNEL,  /* one of the plan_channel names */
    K_MAPPING,  /* a struct at off, filled by sub */
    K_SEQUENCE, /* min..max mappings: array at off, count at count_off */
    K_STRINGS,  /* min..max strings: NULL-terminated char ** at off, count at count_off */
    K_NEEDS,    /* min..max "id: count" pairs: struct plan_need array at off, count at count_off */
    K_BOOL,     /* plain true or false: bool */
    K_CHOICE,   /* one of names: int, the name's value */
    K_FLAGS,    /* min..max different names: unsigned, bit i for name i */
    K_DAYS,     /* min..max increasing "<n>", "<n>d|w|m", 1..item_max days: int array, count */
    K_HOLIDAYS, /* a K_STRINGS list of dates, or a scalar naming a holiday file whose dates
                   fill the same members (plan_holidays.c) */
    K_SENDERS,  /* a K_STRINGS list of CAP senders whose items may also be {sender,
                   certificate} mappings: struct plan_cap at obj (plan_cert.c) */
    K_RESCREEN, /* min..max re-screenings: a K_DAYS list (the TSQ's), or mappings by sub:
                   struct plan_rescreen array at off, count at count_off */
};

/* The names a K_CHOICE or K_FLAGS value may take. */
struct names {
    const char *const *v;
    size_t n;
    const int *values; /* K_CHOICE: the value of each name */
};

struct schema;

struct field {
    const char *key;
    enum kind kind;
    bool required;
    size_t off;                          /* where the value goes in the struct being filled */
    int min, max;                        /* characters, values, milliseconds or items */
    int def;                             /* default of an optional int or duration */
    const char *sdef;                    /* default of an optional string, or NULL */
    int item_max;                        /* most characters of a K_STRINGS item, K_NEEDS count
                                            or K_DAYS days */
    bool unique;                         /* K_STRINGS: no item may repeat */
    const char *(*check)(const char *s); /* strings, needs' keys: NULL, or what s must be */
    const struct schema *sub;            /* mapping, or sequence items */
    size_t count_off;                    /* sequences: where the count goes */
    const struct names *names;           /* K_CHOICE, K_FLAGS */
    const int *ldef;                     /* default of an optional K_DAYS list, 0-terminated */
};

struct schema {
    const char *what; /* "agency", for messages */
    size_t size;      /* size of the struct filled, for sequences of it */
    const struct field *fields;
    size_t nfields;
    void (*post)(struct ctx *c, const struct node *map, void *obj); /* cross checks */
};

/* Where a field's value goes in the struct being filled. */
static inline void *at_off(void *obj, size_t off)
{
    return (char *)obj + off;
}

/* ---- plan_tree.c: errors and pass 1 ------------------------------------- */

/* Append a formatted message to errs; returns 0 or -ENOMEM. */
int plan_errors_add(struct plan_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Report a problem of the plan: "name:line:column: message", or
 * "name: message" when at is NULL.  After PLAN_MAX_ERRORS messages one
 * "too many errors" line is added and the rest are counted but dropped.
 */
void plan_fail(struct ctx *c, const yaml_mark_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A node quoted for a message, in buf (SHOW_BUF bytes), or the name of
 * what it is ("a mapping", "an empty value"); the result is buf or static. */
const char *plan_show(const struct node *n, char *buf, size_t size);

/* Pass 1 over c->buf.  Returns 0 with *root the tree (the caller frees it
 * with plan_node_free), or a negative errno after reporting the problem. */
int plan_tree_parse(struct ctx *c, struct node **root);
void plan_node_free(struct node *n);

/* The key node, or the value node, of key in a mapping node; the item i
 * of a sequence node.  NULL when absent or when the node is NULL or of
 * another type. */
const struct node *plan_map_key(const struct node *map, const char *key);
const struct node *plan_map_get(const struct node *map, const char *key);
const struct node *plan_seq_get(const struct node *seq, size_t i);

/* ---- plan_walk.c: the generic walker ------------------------------------ */

/* Fill obj from a mapping node following schema s: every key's value, the
 * defaults of absent optional keys, then s->post. */
void plan_load_mapping(struct ctx *c, const struct schema *s, const struct node *map, void *obj);

/* ---- plan_holidays.c: bank holidays by reference ------------------------- */

/* A holiday file (holidays/<name>.yaml), by plan_holiday_file_schema. */
struct plan_holiday_file {
    char *nation; /* "England and Wales" */
    char *source; /* where the dates come from, free text; may be NULL */
    char **dates; /* "YYYY-MM-DD", unique */
    size_t ndates;
};

extern const struct schema plan_holiday_file_schema;

/* The K_HOLIDAYS loader for a name (v a non-empty scalar): the dates of
 * the holiday file it names, in the struct plan_persons obj, or what is
 * wrong with the name or the file. */
void plan_holidays_ref(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj);

/* Once plan loaded from c: the holiday file's name in plan->source
 * replaced by the dates it stood for.  0 or -ENOMEM. */
int plan_holidays_freeze(struct ctx *c, struct plan *plan);

/* The byte offset in buf of a libyaml mark, or -1 (plan_holidays.c). */
long plan_mark_offset(const char *buf, size_t len, const yaml_mark_t *m);

/* ---- plan_cert.c: CAP senders' certificates ------------------------------ */

/* One {sender, certificate} item (map) of cap.senders, number i: the
 * sender (the caller owns it) with the certificate in cap, or NULL after
 * reporting the problem. */
char *plan_cert_sender(struct ctx *c, const struct field *f, const struct node *map, size_t i,
                       struct plan_cap *cap);

/* Once plan loaded from c: each certificate's file name in plan->source
 * replaced by its PEM text (a quoted scalar on the same line).  0 or
 * -ENOMEM. */
int plan_cert_freeze(struct ctx *c, struct plan *plan);

/* Read a whole regular file of at most PLAN_MAX_BYTES into *buf (the
 * caller frees it; NUL-terminated) and *len: 0, or -errno with the
 * problem appended to errs (plan.c). */
int plan_read_file(const char *path, char **buf, size_t *len, struct plan_errors *errs);

/* ---- plan_value.c: scalar values --------------------------------------- */

/*
 * The loader of one kind of value: read node v (the value of field f,
 * reported at *at) into obj at f->off, or report what is wrong with it.
 */
void plan_load_string(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                      const struct node *v, void *obj);
void plan_load_int(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                   const struct node *v, void *obj);
void plan_load_duration(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                        const struct node *v, void *obj);
void plan_load_time(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                    const struct node *v, void *obj);
void plan_load_channel(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj);
void plan_load_bool(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                    const struct node *v, void *obj);
void plan_load_choice(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                      const struct node *v, void *obj);

/* The string rules (no control characters, 1..maxc characters, f->check)
 * for v, reported as "<what> must ...".  Returns a copy the caller owns,
 * or NULL after reporting the problem. */
char *plan_string_value(struct ctx *c, const char *what, const struct field *f, int maxc,
                        const yaml_mark_t *at, const struct node *v);

/* One item of a K_DAYS list: its days, or 0 after reporting it. */
int plan_days_item(struct ctx *c, const struct field *f, const struct node *v);

/* True, with *out, if v is a plain integer -?[0-9]+ (saturating). */
bool plan_parse_int(const struct node *v, long long *out);

/* The plan_channel a node names, or -1. */
int plan_channel_parse(const struct node *v);

/* The index of the name v spells, or -1; "a, b, c" in buf, for messages. */
int plan_names_find(const struct names *nm, const struct node *v);
const char *plan_names_join(const struct names *nm, char *buf, size_t size);

/* String checks for field.check: NULL when s is fine, else what it must be
 * ("an email address (name@domain)"), a static string. */
const char *plan_check_id(const char *s);
const char *plan_check_area(const char *s);
/* A domain name with a dot (the PFIF record ids' domain). */
const char *plan_check_domain(const char *s);
const char *plan_check_language(const char *s);
const char *plan_check_date(const char *s);
/* A column an import header may name: a person field or "ignore". */
const char *plan_check_import_column(const char *s);
const char *plan_check_ref_prefix(const char *s);
const char *plan_check_email(const char *s);
const char *plan_check_smtp_url(const char *s);
const char *plan_check_public_url(const char *s);

/* ---- plan_format.c: the plan format ------------------------------------ */

/* The schema of a whole plan file, filling struct plan. */
extern const struct schema plan_root_schema;

/* Names of bit i (enum plan_category, enum plan_vulnerability, weekdays
 * from Sunday), and the names and values of the "home" and "screen"
 * choices of a rule. */
extern const struct names plan_category_set;
extern const struct names plan_instrument_set;
extern const struct names plan_vulnerability_set;
extern const struct names plan_weekday_set;
extern const struct names plan_home_set;
extern const struct names plan_screen_set;

/* ---- plan_xref.c: cross-checks ----------------------------------------- */

/* Schema post hooks: run on a mapping once its keys are loaded (obj is
 * the struct filled); plan_post_root runs last, on the whole file. */
void plan_post_contact(struct ctx *c, const struct node *map, void *obj);
void plan_post_agency(struct ctx *c, const struct node *map, void *obj);
void plan_post_gold(struct ctx *c, const struct node *map, void *obj);
void plan_post_duty(struct ctx *c, const struct node *map, void *obj);
void plan_post_rule(struct ctx *c, const struct node *map, void *obj);
void plan_post_head(struct ctx *c, const struct node *map, void *obj);
void plan_post_persons(struct ctx *c, const struct node *map, void *obj);
void plan_post_screening(struct ctx *c, const struct node *map, void *obj);
void plan_post_import(struct ctx *c, const struct node *map, void *obj);
void plan_post_public(struct ctx *c, const struct node *map, void *obj);
void plan_post_root(struct ctx *c, const struct node *root, void *obj);

/* qsort comparison of two char * (strcmp order). */
int plan_cmp_names(const void *a, const void *b);

#endif
