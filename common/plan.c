/*
 * common/plan.c - county incident plans: strict YAML loading and validation.
 *
 * Owns struct plan and struct planset.  Loading is two passes over the text:
 *
 *  1. libyaml's event parser builds a small node tree.  Anything hostile
 *     (anchors, aliases, tags, nesting deeper than PLAN_MAX_DEPTH, too many
 *     nodes) stops the parse at once, so a "billion laughs" file costs
 *     nothing.  Oversize input is refused before it is read.
 *  2. Table-driven schemas (one table of fields per kind of mapping) walk
 *     the tree, fill the struct plan and collect every error with the line
 *     and column of the node at fault.  Cross-references (lead agency,
 *     activation levels, duplicate ids, contact targets, the staffing roles
 *     and levels that requirements and agencies' supplies name, the
 *     providers of persons' pathways and the pathways rules name) are
 *     checked last.
 *
 * A plan is handed out only when both passes found nothing wrong.
 */
#include "plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#define NODE_LIMIT 200000 /* far above a 500-agency plan (~60000 nodes) */
#define SHOW_MAX 60       /* longest value quoted back in a message */

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
    size_t nerr;   /* errors found by this load, including dropped ones */
    size_t nnodes; /* nodes built so far */
    int rc;        /* a failure that is not the plan's fault (-ENOMEM) */
};

/* ---- error collection ------------------------------------------------- */

void plan_errors_free(struct plan_errors *errs)
{
    if (errs == NULL)
        return;
    for (size_t i = 0; i < errs->count; i++)
        free(errs->msg[i]);
    free(errs->msg);
    errs->msg = NULL;
    errs->count = 0;
}

/* Append a formatted message; returns 0 or -ENOMEM. */
static int errs_vadd(struct plan_errors *errs, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int errs_vadd(struct plan_errors *errs, const char *fmt, va_list ap)
{
    char *msg = NULL;
    char **v;

    if (vasprintf(&msg, fmt, ap) < 0)
        return -ENOMEM;
    v = realloc(errs->msg, (errs->count + 1) * sizeof(*v));
    if (v == NULL) {
        free(msg);
        return -ENOMEM;
    }
    v[errs->count++] = msg;
    errs->msg = v;
    return 0;
}

static int plan_errors_add(struct plan_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int plan_errors_add(struct plan_errors *errs, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = errs_vadd(errs, fmt, ap);
    va_end(ap);
    return rc;
}

/*
 * Report a problem of the plan: "name:line:column: message", or
 * "name: message" when at is NULL.  After PLAN_MAX_ERRORS messages one
 * "too many errors" line is added and the rest are counted but dropped.
 */
static void plan_fail(struct ctx *c, const yaml_mark_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void plan_fail(struct ctx *c, const yaml_mark_t *at, const char *fmt, ...)
{
    char *body = NULL;
    va_list ap;
    int rc;

    if (++c->nerr > PLAN_MAX_ERRORS + 1)
        return;
    if (c->nerr == PLAN_MAX_ERRORS + 1) {
        rc = plan_errors_add(c->errs, "%s: too many errors, only the first %d are shown", c->name,
                             PLAN_MAX_ERRORS);
        goto done;
    }
    va_start(ap, fmt);
    rc = vasprintf(&body, fmt, ap) < 0 ? -ENOMEM : 0;
    va_end(ap);
    if (rc == 0 && at != NULL)
        rc =
            plan_errors_add(c->errs, "%s:%zu:%zu: %s", c->name, at->line + 1, at->column + 1, body);
    else if (rc == 0)
        rc = plan_errors_add(c->errs, "%s: %s", c->name, body);
done:
    if (rc < 0)
        c->rc = rc;
    free(body);
}

/*
 * Quote a scalar for a message: at most SHOW_MAX characters, quotes,
 * backslashes and control characters escaped.  Collections are named.
 */
static const char *plan_show(const struct node *n, char *buf, size_t size)
{
    size_t o = 0, chars = 0;

    if (n->type != NODE_SCALAR)
        return n->type == NODE_MAPPING ? "a mapping" : "a sequence";
    if (n->plain && n->len == 0)
        return "an empty value";
    buf[o++] = '"';
    for (size_t i = 0; i < n->len && o + 8 < size; i++) {
        unsigned char ch = (unsigned char)n->value[i];
        if ((ch & 0xc0) != 0x80 && chars++ == SHOW_MAX) {
            o += (size_t)snprintf(buf + o, size - o, "...");
            break;
        }
        if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
        else if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
        else
            buf[o++] = (char)ch;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

#define SHOW_BUF (SHOW_MAX * 4 + 16)

/* ---- pass 1: YAML events to a node tree --------------------------------- */

static void plan_node_free(struct node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        plan_node_free(n->kids[i]);
    free(n->kids);
    free(n->value);
    free(n);
}

static struct node *node_new(const yaml_event_t *ev)
{
    struct node *n = calloc(1, sizeof(*n));

    if (n == NULL)
        return NULL;
    n->mark = ev->start_mark;
    if (ev->type == YAML_MAPPING_START_EVENT) {
        n->type = NODE_MAPPING;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        n->type = NODE_SEQUENCE;
    } else {
        n->type = NODE_SCALAR;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->len = ev->data.scalar.length;
        n->value = malloc(n->len + 1);
        if (n->value == NULL) {
            free(n);
            return NULL;
        }
        memcpy(n->value, ev->data.scalar.value, n->len);
        n->value[n->len] = '\0';
    }
    return n;
}

static int node_append(struct node *parent, struct node *kid)
{
    struct node **v;

    /* Grow at powers of two: cheap amortised appends without a capacity field. */
    if ((parent->nkids & (parent->nkids - 1)) == 0) {
        size_t cap = parent->nkids ? parent->nkids * 2 : 1;
        v = realloc(parent->kids, cap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        parent->kids = v;
    }
    parent->kids[parent->nkids++] = kid;
    return 0;
}

/* Line and column of a byte offset (libyaml gives only offsets for bad
 * UTF-8 and control characters).  Columns count characters, as libyaml's. */
static yaml_mark_t mark_at_offset(const struct ctx *c, size_t offset)
{
    yaml_mark_t m = {0, 0, 0};

    for (size_t i = 0; i < offset && i < c->len; i++) {
        if (c->buf[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)c->buf[i] & 0xc0) != 0x80) {
            m.column++;
        }
    }
    m.index = offset;
    return m;
}

/* Translate a libyaml failure into a message and an errno. */
static int syntax_error(struct ctx *c, const yaml_parser_t *p)
{
    yaml_mark_t m = p->problem_mark;

    if (p->error == YAML_MEMORY_ERROR) {
        c->rc = -ENOMEM;
        return -ENOMEM;
    }
    if (p->error == YAML_READER_ERROR)
        m = mark_at_offset(c, p->problem_offset);
    plan_fail(c, &m, "YAML syntax error: %s", p->problem ? p->problem : "unknown error");
    return -EINVAL;
}

static int next_event(struct ctx *c, yaml_parser_t *p, yaml_event_t *ev)
{
    if (!yaml_parser_parse(p, ev))
        return syntax_error(c, p);
    return 0;
}

/* Refuse at once what a plan never needs and an attacker loves. */
static int event_check(struct ctx *c, const yaml_event_t *ev, int depth)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;

    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    }
    if (ev->type == YAML_ALIAS_EVENT || anchor != NULL)
        plan_fail(c, &ev->start_mark, "anchors and aliases are not allowed");
    else if (tag != NULL)
        plan_fail(c, &ev->start_mark, "tags are not allowed");
    else if (ev->type != YAML_SCALAR_EVENT && depth > PLAN_MAX_DEPTH)
        plan_fail(c, &ev->start_mark, "nesting deeper than %d levels", PLAN_MAX_DEPTH);
    else if (++c->nnodes > NODE_LIMIT)
        plan_fail(c, &ev->start_mark, "more than %d YAML nodes", NODE_LIMIT);
    else
        return 0;
    return -EINVAL;
}

/* Build the node that starts with event ev (and, for a collection, all of
 * its children); depth is the nesting of collections, 1 for the root. */
static int tree_node(struct ctx *c, yaml_parser_t *p, const yaml_event_t *ev, int depth,
                     struct node **out)
{
    yaml_event_type_t end;
    struct node *n = NULL, *kid = NULL;
    yaml_event_t kev;
    int rc = event_check(c, ev, depth);

    if (rc != 0)
        return rc;
    if ((n = node_new(ev)) == NULL)
        return c->rc = -ENOMEM;
    end = n->type == NODE_MAPPING ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    while (n->type != NODE_SCALAR) {
        if ((rc = next_event(c, p, &kev)) != 0)
            goto done;
        if (kev.type == end) {
            yaml_event_delete(&kev);
            break;
        }
        kid = NULL;
        rc = tree_node(c, p, &kev, depth + 1, &kid);
        yaml_event_delete(&kev);
        if (rc == 0 && node_append(n, kid) != 0)
            rc = c->rc = -ENOMEM;
        if (rc != 0) {
            plan_node_free(kid);
            goto done;
        }
    }
done:
    if (rc != 0)
        plan_node_free(n);
    else
        *out = n;
    return rc;
}

/* Parse the next event, which must exist; return its type and start. */
static int skip_event(struct ctx *c, yaml_parser_t *p, yaml_event_type_t *type, yaml_mark_t *at)
{
    yaml_event_t ev;
    int rc = next_event(c, p, &ev);

    if (rc != 0)
        return rc;
    *type = ev.type;
    *at = ev.start_mark;
    yaml_event_delete(&ev);
    return 0;
}

/* The event stream of a plan: exactly one document holding one node. */
static int tree_stream(struct ctx *c, yaml_parser_t *p, struct node **root)
{
    static const yaml_mark_t start = {0, 0, 0};
    yaml_event_type_t type;
    yaml_mark_t at;
    yaml_event_t ev;
    int rc;

    if ((rc = skip_event(c, p, &type, &at)) != 0 || (rc = skip_event(c, p, &type, &at)) != 0)
        return rc; /* stream start, then document start or stream end */
    if (type == YAML_STREAM_END_EVENT) {
        plan_fail(c, &start, "plan is empty");
        return -EINVAL;
    }
    if ((rc = next_event(c, p, &ev)) != 0)
        return rc;
    rc = tree_node(c, p, &ev, 1, root);
    yaml_event_delete(&ev);
    if (rc != 0 || (rc = skip_event(c, p, &type, &at)) != 0 ||
        (rc = skip_event(c, p, &type, &at)) != 0)
        return rc; /* document end, then stream end or another document */
    if (type == YAML_DOCUMENT_START_EVENT) {
        plan_fail(c, &at, "a plan file must hold a single YAML document");
        return -EINVAL;
    }
    return 0;
}

/* Pass 1.  On success *root is the tree (caller frees with plan_node_free). */
static int plan_tree_parse(struct ctx *c, struct node **root)
{
    yaml_parser_t p;
    int rc;

    *root = NULL;
    if (!yaml_parser_initialize(&p))
        return c->rc = -ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)c->buf, c->len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    rc = tree_stream(c, &p, root);
    yaml_parser_delete(&p);
    if (rc != 0) {
        plan_node_free(*root);
        *root = NULL;
    }
    return rc;
}

/* The entry of key in a mapping node: [0] is the key node, [1] its value. */
static const struct node *const *map_entry(const struct node *map, const char *key)
{
    if (map == NULL || map->type != NODE_MAPPING)
        return NULL;
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const struct node *k = map->kids[i];
        if (k->type == NODE_SCALAR && strcmp(k->value, key) == 0)
            return (const struct node *const *)&map->kids[i];
    }
    return NULL;
}

/* The key node of key in a mapping node, or NULL. */
static const struct node *plan_map_key(const struct node *map, const char *key)
{
    const struct node *const *e = map_entry(map, key);

    return e == NULL ? NULL : e[0];
}

/* The value node of key in a mapping node, or NULL. */
static const struct node *plan_map_get(const struct node *map, const char *key)
{
    const struct node *const *e = map_entry(map, key);

    return e == NULL ? NULL : e[1];
}

static const struct node *plan_seq_get(const struct node *seq, size_t i)
{
    if (seq == NULL || seq->type != NODE_SEQUENCE || i >= seq->nkids)
        return NULL;
    return seq->kids[i];
}

/* ---- pass 2: schemas -------------------------------------------------- */

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

static void *at_off(void *obj, size_t off)
{
    return (char *)obj + off;
}

/* Where to report a bad value: an empty value has no position of its own
 * (libyaml marks the next token), so use its key. */
static const yaml_mark_t *value_mark(const struct node *key, const struct node *val)
{
    if (key != NULL && val->type == NODE_SCALAR && val->plain && val->len == 0)
        return &key->mark;
    return &val->mark;
}

static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
            return true;
        /* C1 controls, U+0080 to U+009F, are 0xC2 0x80 to 0xC2 0x9F */
        if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9f &&
            (unsigned char)s[i + 1] >= 0x80)
            return true;
    }
    return false;
}

/*
 * The string rules for scalar v, reported as "<what> must ...": what is
 * "\"name\"" for a key's value or "each item of \"args\"" for a list item;
 * maxc is the most characters allowed.  Returns a copy of the value (the
 * caller owns it), or NULL after reporting the problem.
 */
static char *plan_string_value(struct ctx *c, const char *what, const struct field *f, int maxc,
                               const yaml_mark_t *at, const struct node *v)
{
    char sbuf[SHOW_BUF];
    const char *want;
    char *s;

    if (v->type != NODE_SCALAR)
        plan_fail(c, at, "%s must be a string, got %s", what, plan_show(v, sbuf, sizeof(sbuf)));
    else if (has_control(v->value, v->len))
        plan_fail(c, at, "%s must not contain control characters", what);
    else if (utf8_chars(v->value, v->len) == 0)
        plan_fail(c, at, "%s must not be empty", what);
    else if (utf8_chars(v->value, v->len) > (size_t)maxc)
        plan_fail(c, at, "%s must be at most %d characters", what, maxc);
    else if (f->check != NULL && (want = f->check(v->value)) != NULL)
        plan_fail(c, at, "%s must be %s, got %s", what, want, plan_show(v, sbuf, sizeof(sbuf)));
    else if ((s = strdup(v->value)) == NULL)
        c->rc = -ENOMEM;
    else
        return s;
    return NULL;
}

static void plan_load_string(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                             const struct node *v, void *obj)
{
    char what[64];

    snprintf(what, sizeof(what), "\"%s\"", f->key);
    *(char **)at_off(obj, f->off) = plan_string_value(c, what, f, f->max, at, v);
}

/* Sequences (of strings or of mappings) hold min..max items. */
static bool sequence_ok(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                        const struct node *v)
{
    char sbuf[SHOW_BUF];

    if (v->type != NODE_SEQUENCE) {
        plan_fail(c, at, "\"%s\" must be a sequence, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
        return false;
    }
    if (v->nkids < (size_t)f->min || v->nkids > (size_t)f->max) {
        plan_fail(c, at, "\"%s\" must have between %d and %d items, got %zu", f->key, f->min,
                  f->max, v->nkids);
        return false;
    }
    return true;
}

/* Report each item of a list that repeats an earlier one, at the repeat. */
static void fail_repeat(struct ctx *c, const struct field *f, const struct node *seq, size_t i,
                        size_t first)
{
    char sbuf[SHOW_BUF];

    plan_fail(c, &seq->kids[i]->mark, "\"%s\" lists %s twice (first at line %zu)", f->key,
              plan_show(seq->kids[i], sbuf, sizeof(sbuf)), seq->kids[first]->mark.line + 1);
}

/* The strings loaded from seq (NULL where in error) are all different. */
static void strings_check_unique(struct ctx *c, const struct field *f, const struct node *seq,
                                 char *const *arr)
{
    for (size_t i = 0; i < seq->nkids; i++) {
        for (size_t j = 0; arr[i] != NULL && j < i; j++) {
            if (arr[j] != NULL && strcmp(arr[i], arr[j]) == 0) {
                fail_repeat(c, f, seq, i, j);
                break;
            }
        }
    }
}

/* A sequence of strings becomes a NULL-terminated array at off, with its
 * count at count_off; each item follows the string rules, at most
 * f->item_max characters, and with f->unique appears once. */
static void load_strings(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                         const struct node *v, void *obj)
{
    char what[64];
    char **arr;

    if (!sequence_ok(c, f, at, v))
        return;
    if ((arr = calloc(v->nkids + 1, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    *(char ***)at_off(obj, f->off) = arr;
    *(size_t *)at_off(obj, f->count_off) = v->nkids;
    snprintf(what, sizeof(what), "each item of \"%s\"", f->key);
    for (size_t i = 0; i < v->nkids; i++)
        arr[i] = plan_string_value(c, what, f, f->item_max, &v->kids[i]->mark, v->kids[i]);
    if (f->unique)
        strings_check_unique(c, f, v, arr);
}

/* Parse a scalar of decimal digits (no sign) into *out, saturating. */
static bool parse_digits(const char *s, size_t len, long long *out)
{
    long long v = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v > 1000000000000LL ? v : v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* An integer: a plain scalar matching -?[0-9]+. */
static bool plan_parse_int(const struct node *v, long long *out)
{
    bool neg;

    if (v->type != NODE_SCALAR || !v->plain)
        return false;
    neg = v->len > 0 && v->value[0] == '-';
    if (!parse_digits(v->value + neg, v->len - neg, out))
        return false;
    if (neg)
        *out = -*out;
    return true;
}

static void plan_load_int(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                          const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    long long n;

    if (!plan_parse_int(v, &n)) {
        bool quoted = v->type == NODE_SCALAR && !v->plain;
        plan_fail(c, at, "\"%s\" must be %s, got %s", f->key,
                  quoted ? "an integer without quotes" : "an integer",
                  plan_show(v, sbuf, sizeof(sbuf)));
    } else if (n < f->min || n > f->max) {
        plan_fail(c, at, "\"%s\" must be between %d and %d, got %s", f->key, f->min, f->max,
                  v->value);
    } else {
        *(int *)at_off(obj, f->off) = (int)n;
    }
}

/* Duration units, as milliseconds. */
static const struct {
    const char *suffix;
    long long ms;
} duration_units[] = {
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000}, /* always 24 hours, whatever the clocks do */
};

/* The milliseconds of the unit spelt by exactly len bytes at s, or 0. */
static long long duration_unit(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
        if (len == strlen(duration_units[i].suffix) &&
            memcmp(s, duration_units[i].suffix, len) == 0)
            return duration_units[i].ms;
    return 0;
}

/* A duration in milliseconds: a plain integer (seconds), or digits followed
 * by one of duration_units.  Huge values saturate (and fail range checks). */
static bool parse_duration(const struct node *v, long long *out)
{
    long long n, scale = 1000;
    size_t digits;

    if (v->type != NODE_SCALAR)
        return false;
    if (!plan_parse_int(v, &n)) {
        digits = strspn(v->value, "0123456789");
        scale = duration_unit(v->value + digits, v->len - digits);
        if (scale == 0 || !parse_digits(v->value, digits, &n))
            return false;
    }
    *out = n > LLONG_MAX / scale ? LLONG_MAX : n * scale; /* n >= -10^13: no overflow below */
    return true;
}

static void plan_load_duration(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                               const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    long long n;

    if (!parse_duration(v, &n))
        plan_fail(
            c, at,
            "\"%s\" must be a duration (whole seconds, or a number followed by ms, s, m, h or d), "
            "got %s",
            f->key, plan_show(v, sbuf, sizeof(sbuf)));
    else if (n < f->min || n > f->max)
        plan_fail(c, at, "\"%s\" must be between %d and %d ms, got %s", f->key, f->min, f->max,
                  v->value);
    else
        *(int64_t *)at_off(obj, f->off) = n;
}

/* A time of day "HH:MM" (two digits each, 00:00 to 23:59), plain or
 * quoted, as minutes after midnight. */
static bool parse_time_of_day(const struct node *v, int *out)
{
    const char *s = v->value;
    int h, m;

    if (v->type != NODE_SCALAR || v->len != 5 || s[2] != ':' || strspn(s, "0123456789") != 2 ||
        strspn(s + 3, "0123456789") != 2)
        return false;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return false;
    *out = h * 60 + m;
    return true;
}

static void plan_load_time(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                           const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    int minute;

    if (!parse_time_of_day(v, &minute))
        plan_fail(c, at, "\"%s\" must be a time of day HH:MM, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(int *)at_off(obj, f->off) = minute;
}

static const char *const channel_names[] = {
    [PLAN_CHANNEL_ZMQ] = "zmq",
    [PLAN_CHANNEL_EXEC] = "exec",
    [PLAN_CHANNEL_WEBHOOK] = "webhook",
    [PLAN_CHANNEL_EMAIL] = "email",
};

#define NCHANNELS (sizeof(channel_names) / sizeof(channel_names[0]))

const char *plan_channel_name(enum plan_channel channel)
{
    if ((size_t)channel >= NCHANNELS)
        return "unknown";
    return channel_names[channel];
}

/* The channel a node names, or -1. */
static int plan_channel_parse(const struct node *v)
{
    if (v == NULL || v->type != NODE_SCALAR)
        return -1;
    for (size_t i = 0; i < NCHANNELS; i++)
        if (strcmp(v->value, channel_names[i]) == 0)
            return (int)i;
    return -1;
}

static void plan_load_channel(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                              const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    int ch = plan_channel_parse(v);

    if (ch < 0)
        plan_fail(c, at, "\"%s\" must be one of zmq, exec, webhook, email, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(enum plan_channel *)at_off(obj, f->off) = (enum plan_channel)ch;
}

/* True if v is a scalar of exactly the text s. */
static bool scalar_is(const struct node *v, const char *s)
{
    return v->type == NODE_SCALAR && v->len == strlen(s) && memcmp(v->value, s, v->len) == 0;
}

/* Booleans are the plain words true and false only: "yes", "on", "True"
 * and a quoted "true" are refused, as a quoted number is for integers. */
static void plan_load_bool(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                           const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    bool word = scalar_is(v, "true") || scalar_is(v, "false");

    if (!word || !v->plain)
        plan_fail(c, at, "\"%s\" must be %s, got %s", f->key,
                  word ? "true or false without quotes" : "true or false",
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(bool *)at_off(obj, f->off) = v->value[0] == 't';
}

/* The index of the name v spells, or -1. */
static int plan_names_find(const struct names *nm, const struct node *v)
{
    for (size_t i = 0; i < nm->n; i++)
        if (scalar_is(v, nm->v[i]))
            return (int)i;
    return -1;
}

/* "a, b, c": the names, for messages. */
static const char *plan_names_join(const struct names *nm, char *buf, size_t size)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < nm->n && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", nm->v[i]);
    return buf;
}

static void plan_load_choice(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                             const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF], list[256];
    int i = plan_names_find(f->names, v);

    if (i < 0)
        plan_fail(c, at, "\"%s\" must be one of %s, got %s", f->key,
                  plan_names_join(f->names, list, sizeof(list)), plan_show(v, sbuf, sizeof(sbuf)));
    else
        *(int *)at_off(obj, f->off) = f->names->values[i];
}

/* A list of names becomes a bit set: bit i for name i, each name once. */
static void load_flags(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF], list[256];
    unsigned bits = 0;

    if (!sequence_ok(c, f, at, v))
        return;
    for (size_t k = 0; k < v->nkids; k++) {
        int i = plan_names_find(f->names, v->kids[k]);
        size_t j = 0;
        if (i < 0) {
            plan_fail(c, &v->kids[k]->mark, "each item of \"%s\" must be one of %s, got %s", f->key,
                      plan_names_join(f->names, list, sizeof(list)),
                      plan_show(v->kids[k], sbuf, sizeof(sbuf)));
            continue;
        }
        while (bits & (1u << i) && plan_names_find(f->names, v->kids[j]) != i)
            j++;
        if (bits & (1u << i))
            fail_repeat(c, f, v, k, j);
        bits |= 1u << i;
    }
    *(unsigned *)at_off(obj, f->off) = bits;
}

/* A number of days: a plain integer, or digits followed by d (days), w
 * (weeks) or m (months of 30 days), plain or quoted.  Saturates. */
static bool parse_days(const struct node *v, long long *out)
{
    size_t digits;
    long long n;

    if (v->type != NODE_SCALAR)
        return false;
    if (plan_parse_int(v, out))
        return true;
    digits = strspn(v->value, "0123456789");
    if (v->len != digits + 1 || !parse_digits(v->value, digits, &n))
        return false;
    switch (v->value[digits]) {
    case 'd':
        *out = n;
        return true;
    case 'w':
        *out = n * 7;
        return true;
    case 'm':
        *out = n * 30;
        return true;
    }
    return false;
}

/* One item of a K_DAYS list: its days, or 0 after reporting it. */
static int plan_days_item(struct ctx *c, const struct field *f, const struct node *v)
{
    char sbuf[SHOW_BUF];
    long long n;

    if (!parse_days(v, &n))
        plan_fail(c, &v->mark,
                  "each item of \"%s\" must be a number of days, or a number followed by d (days), "
                  "w (weeks) or m (months of 30 days), got %s",
                  f->key, plan_show(v, sbuf, sizeof(sbuf)));
    else if (n < 1 || n > f->item_max)
        plan_fail(c, &v->mark, "each item of \"%s\" must be between 1 and %d days, got %s", f->key,
                  f->item_max, v->value);
    else
        return (int)n;
    return 0;
}

/* A list of days after an event becomes an int array at off (count at
 * count_off), each item later than the one before. */
static void load_days(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                      const struct node *v, void *obj)
{
    int *arr, last = 0;
    size_t lastk = 0;

    if (!sequence_ok(c, f, at, v))
        return;
    if ((arr = calloc(v->nkids ? v->nkids : 1, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    memcpy(at_off(obj, f->off), &arr, sizeof(arr));
    *(size_t *)at_off(obj, f->count_off) = v->nkids;
    for (size_t k = 0; k < v->nkids; k++) {
        if ((arr[k] = plan_days_item(c, f, v->kids[k])) == 0)
            continue;
        if (arr[k] <= last)
            plan_fail(
                c, &v->kids[k]->mark,
                "each item of \"%s\" must be later than the one before, got %s (%d days) after "
                "%s (%d days)",
                f->key, v->kids[k]->value, arr[k], v->kids[lastk]->value, last);
        last = arr[k];
        lastk = k;
    }
}

/* The default of an optional K_DAYS list: a copy of f->ldef. */
static void days_default(struct ctx *c, const struct field *f, void *obj)
{
    size_t n = 0;
    int *arr;

    while (f->ldef[n] != 0)
        n++;
    if ((arr = calloc(n ? n : 1, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    memcpy(arr, f->ldef, n * sizeof(*arr));
    memcpy(at_off(obj, f->off), &arr, sizeof(arr));
    *(size_t *)at_off(obj, f->count_off) = n;
}

static void plan_load_mapping(struct ctx *c, const struct schema *s, const struct node *map,
                              void *obj);

static void load_submapping(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                            const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];

    if (v->type != NODE_MAPPING)
        plan_fail(c, at, "\"%s\" must be a mapping, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
    else
        plan_load_mapping(c, f->sub, v, at_off(obj, f->off));
}

/* A sequence of mappings becomes an array of f->sub->size structs;
 * item i of the array always matches item i of the node. */
static void load_sequence(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                          const struct node *v, void *obj)
{
    char sbuf[SHOW_BUF];
    char *arr;

    if (!sequence_ok(c, f, at, v))
        return;
    if ((arr = calloc(v->nkids, f->sub->size)) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    memcpy(at_off(obj, f->off), &arr, sizeof(arr));
    *(size_t *)at_off(obj, f->count_off) = v->nkids;
    for (size_t i = 0; i < v->nkids; i++) {
        const struct node *item = v->kids[i];
        if (item->type != NODE_MAPPING)
            plan_fail(c, &item->mark, "each item of \"%s\" must be a mapping, got %s", f->key,
                      plan_show(item, sbuf, sizeof(sbuf)));
        else
            plan_load_mapping(c, f->sub, item, arr + i * f->sub->size);
    }
}

/* False (and reported) if the key of entry i of a needs mapping repeats
 * the key of an earlier entry. */
static bool need_key_unique(struct ctx *c, const struct node *map, size_t i)
{
    const struct node *key = map->kids[2 * i];
    char sbuf[SHOW_BUF];

    for (size_t j = 0; j < i; j++) {
        const struct node *prev = map->kids[2 * j];
        if (prev->type == NODE_SCALAR && key->type == NODE_SCALAR && prev->len == key->len &&
            memcmp(prev->value, key->value, key->len) == 0) {
            plan_fail(c, &key->mark, "duplicate key %s (first defined at line %zu)",
                      plan_show(key, sbuf, sizeof(sbuf)), prev->mark.line + 1);
            return false;
        }
    }
    return true;
}

/*
 * A mapping of role ids to head counts ("call-handler: 4") becomes an array
 * of struct plan_need at off, with its count at count_off: f->min..f->max
 * entries, each key an id (f->check; whether it names a role is checked in
 * plan_post_root) and each count an integer 0..f->item_max.  Entry i of the
 * array always matches entry i of the node; a bad key leaves role NULL.
 */
static void load_needs(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj)
{
    struct field count = {
        .kind = K_INT, .off = offsetof(struct plan_need, count), .max = f->item_max};
    char what[64], sbuf[SHOW_BUF];
    struct plan_need *arr;
    size_t n = v->nkids / 2;

    if (v->type != NODE_MAPPING) {
        plan_fail(c, at, "\"%s\" must be a mapping, got %s", f->key,
                  plan_show(v, sbuf, sizeof(sbuf)));
        return;
    }
    if (n < (size_t)f->min || n > (size_t)f->max) {
        plan_fail(c, at, "\"%s\" must have between %d and %d entries, got %zu", f->key, f->min,
                  f->max, n);
        return;
    }
    if ((arr = calloc(n, sizeof(*arr))) == NULL) {
        c->rc = -ENOMEM;
        return;
    }
    *(struct plan_need **)at_off(obj, f->off) = arr;
    *(size_t *)at_off(obj, f->count_off) = n;
    snprintf(what, sizeof(what), "each key of \"%s\"", f->key);
    for (size_t i = 0; i < n; i++) {
        const struct node *key = v->kids[2 * i], *val = v->kids[2 * i + 1];
        if (!need_key_unique(c, v, i) ||
            (arr[i].role = plan_string_value(c, what, f, 40, &key->mark, key)) == NULL)
            continue; /* the count is named by its key: check it only under a good one */
        count.key = arr[i].role;
        plan_load_int(c, &count, value_mark(key, val), val, &arr[i]);
    }
}

typedef void loader_fn(struct ctx *c, const struct field *f, const yaml_mark_t *at,
                       const struct node *v, void *obj);

static loader_fn *const loaders[] = {
    [K_STRING] = plan_load_string,
    [K_INT] = plan_load_int,
    [K_DURATION] = plan_load_duration,
    [K_TIME] = plan_load_time,
    [K_CHANNEL] = plan_load_channel,
    [K_MAPPING] = load_submapping,
    [K_SEQUENCE] = load_sequence,
    [K_STRINGS] = load_strings,
    [K_NEEDS] = load_needs,
    [K_BOOL] = plan_load_bool,
    [K_CHOICE] = plan_load_choice,
    [K_FLAGS] = load_flags,
    [K_DAYS] = load_days,
};

static void unknown_key(struct ctx *c, const struct schema *s, const struct node *key)
{
    char sbuf[SHOW_BUF], keys[256];
    size_t o = 0;

    keys[0] = '\0';
    for (size_t i = 0; i < s->nfields && o < sizeof(keys); i++)
        o += (size_t)snprintf(keys + o, sizeof(keys) - o, "%s%s", i ? ", " : "", s->fields[i].key);
    plan_fail(c, &key->mark, "unknown key %s in %s (expected one of: %s)",
              plan_show(key, sbuf, sizeof(sbuf)), s->what, keys);
}

static int field_index(const struct schema *s, const struct node *key)
{
    for (size_t i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].key, key->value) == 0)
            return (int)i;
    return -1;
}

/* The default of an absent optional key.  An absent optional mapping gets
 * the defaults of all its keys, so the section may be left out whole. */
static void load_default(struct ctx *c, const struct field *f, void *obj)
{
    if (f->kind == K_INT || f->kind == K_CHOICE) {
        *(int *)at_off(obj, f->off) = f->def;
    } else if (f->kind == K_BOOL) {
        *(bool *)at_off(obj, f->off) = f->def != 0;
    } else if (f->kind == K_FLAGS) {
        *(unsigned *)at_off(obj, f->off) = (unsigned)f->def;
    } else if (f->kind == K_DAYS) {
        days_default(c, f, obj);
    } else if (f->kind == K_DURATION) {
        *(int64_t *)at_off(obj, f->off) = f->def;
    } else if (f->kind == K_STRING && f->sdef != NULL) {
        if ((*(char **)at_off(obj, f->off) = strdup(f->sdef)) == NULL)
            c->rc = -ENOMEM;
    } else if (f->kind == K_MAPPING) {
        for (size_t i = 0; i < f->sub->nfields; i++)
            load_default(c, &f->sub->fields[i], at_off(obj, f->off));
    }
}

/* After the keys present: report missing required keys, apply defaults. */
static void load_absent(struct ctx *c, const struct schema *s, const struct node *map,
                        const struct node **seen, void *obj)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const struct field *f = &s->fields[i];
        if (seen[i] != NULL)
            continue;
        if (f->required)
            plan_fail(c, &map->mark, "missing required key \"%s\" in %s", f->key, s->what);
        else
            load_default(c, f, obj);
    }
}

/* Fill obj from a mapping node, following schema s. */
static void plan_load_mapping(struct ctx *c, const struct schema *s, const struct node *map,
                              void *obj)
{
    const struct node *seen[16] = {NULL};
    char sbuf[SHOW_BUF];

    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const struct node *key = map->kids[i], *val = map->kids[i + 1];
        int fi = key->type == NODE_SCALAR ? field_index(s, key) : -1;
        if (key->type != NODE_SCALAR) {
            plan_fail(c, &key->mark, "keys must be strings, got %s",
                      plan_show(key, sbuf, sizeof(sbuf)));
        } else if (fi < 0) {
            unknown_key(c, s, key);
        } else if (seen[fi] != NULL) {
            plan_fail(c, &key->mark, "duplicate key %s (first defined at line %zu)",
                      plan_show(key, sbuf, sizeof(sbuf)), seen[fi]->mark.line + 1);
        } else {
            seen[fi] = key;
            loaders[s->fields[fi].kind](c, &s->fields[fi], value_mark(key, val), val, obj);
        }
    }
    load_absent(c, s, map, seen, obj);
    if (s->post != NULL)
        s->post(c, map, obj);
}

/* ---- value checks ----------------------------------------------------- */

static const char *plan_check_id(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

    if (n == 0 || n > 40 || s[n] != '\0')
        return "1 to 40 characters from a-z, 0-9 and \"-\"";
    return NULL;
}

static const char *plan_check_area(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

    if (n == 0 || n > 60 || s[n] != '\0')
        return "1 to 60 characters from a-z, 0-9 and \"-\"";
    return NULL;
}

static const char *plan_check_language(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");

    if (n < 2 || n > 3 || s[n] != '\0')
        return "a language code of 2 or 3 letters a-z (ISO 639)";
    return NULL;
}

static int month_days(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD, a day that exists in the Gregorian calendar. */
static const char *plan_check_date(const char *s)
{
    const char *want = "a calendar date YYYY-MM-DD";
    int y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789") != 4 ||
        strspn(s + 5, "0123456789") != 2 || strspn(s + 8, "0123456789") != 2)
        return want;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return want;
    return NULL;
}

static const char *plan_check_ref_prefix(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    if (n < 2 || n > 8 || s[n] != '\0')
        return "2 to 8 capital letters A-Z";
    return NULL;
}

/* name@domain: exactly one "@", something on both sides, no spaces. */
static bool is_email(const char *s)
{
    const char *at = strchr(s, '@');

    return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
           strpbrk(s, " \n\t") == NULL;
}

static const char *plan_check_email(const char *s)
{
    return is_email(s) ? NULL : "an email address (name@domain)";
}

static const char *plan_check_smtp_url(const char *s)
{
    size_t n = strncmp(s, "smtps://", 8) == 0 ? 8 : strncmp(s, "smtp://", 7) == 0 ? 7 : 0;

    if (n == 0 || s[n] == '\0' || strpbrk(s, " \n\t") != NULL)
        return "an smtp:// or smtps:// URL without spaces";
    return NULL;
}

/* What a contact's target must look like for its channel, or NULL if ok. */
static const char *target_problem(enum plan_channel ch, const char *t, const char *agency)
{
    switch (ch) {
    case PLAN_CHANNEL_ZMQ:
        return agency == NULL || strcmp(t, agency) == 0 ? NULL : "the agency's own id";
    case PLAN_CHANNEL_EXEC:
        return t[0] == '/' && strpbrk(t, "\n\t") == NULL ? NULL : "an absolute path";
    case PLAN_CHANNEL_WEBHOOK:
        if (strpbrk(t, " \n\t") != NULL)
            return "an http:// or https:// URL without spaces";
        if ((strncmp(t, "http://", 7) == 0 && t[7] != '\0') ||
            (strncmp(t, "https://", 8) == 0 && t[8] != '\0'))
            return NULL;
        return "an http:// or https:// URL";
    case PLAN_CHANNEL_EMAIL:
        return plan_check_email(t);
    }
    return "valid";
}

/* Arguments are for exec contacts only; an exec contact always gets an
 * args array (perhaps just the terminating NULL), any other contact none. */
static void plan_post_contact(struct ctx *c, const struct node *map, void *obj)
{
    struct plan_contact *ct = obj;
    const struct node *key = plan_map_key(map, "args");
    int ch = plan_channel_parse(plan_map_get(map, "channel"));

    if (key != NULL && ch >= 0 && ch != PLAN_CHANNEL_EXEC)
        plan_fail(c, &key->mark, "\"args\" is only allowed for exec contacts");
    else if (ch == PLAN_CHANNEL_EXEC && key == NULL &&
             (ct->args = calloc(1, sizeof(*ct->args))) == NULL)
        c->rc = -ENOMEM;
}

/* An agency names each role it supplies once. */
static void agency_check_supplies(struct ctx *c, const struct node *map,
                                  const struct plan_agency *a)
{
    const struct node *seq = plan_map_get(map, "supplies");

    for (size_t i = 0; i < a->nsupplies; i++) {
        for (size_t j = 0; a->supplies[i] != NULL && j < i; j++) {
            if (a->supplies[j] == NULL || strcmp(a->supplies[i], a->supplies[j]) != 0)
                continue;
            plan_fail(c, &plan_seq_get(seq, i)->mark,
                      "agency \"%s\": supplies role \"%s\" twice (first at line %zu)",
                      a->id ? a->id : "?", a->supplies[i], plan_seq_get(seq, j)->mark.line + 1);
            break;
        }
    }
}

/* Each contact's target against its channel (needs the agency's id), and
 * the agency's supplies. */
static void plan_post_agency(struct ctx *c, const struct node *map, void *obj)
{
    const struct plan_agency *a = obj;
    const struct node *contacts = plan_map_get(map, "contacts");
    char sbuf[SHOW_BUF];

    agency_check_supplies(c, map, a);

    for (size_t i = 0; i < a->ncontacts; i++) {
        const struct node *item = plan_seq_get(contacts, i);
        const struct node *target = plan_map_get(item, "target");
        int ch = plan_channel_parse(plan_map_get(item, "channel"));
        const char *want;
        if (ch < 0 || a->contacts[i].target == NULL)
            continue;
        want = target_problem((enum plan_channel)ch, a->contacts[i].target, a->id);
        if (want != NULL && ch == PLAN_CHANNEL_ZMQ)
            plan_fail(c, &target->mark, "\"target\" for channel zmq must be %s \"%s\", got %s",
                      want, a->id, plan_show(target, sbuf, sizeof(sbuf)));
        else if (want != NULL)
            plan_fail(c, &target->mark, "\"target\" for channel %s must be %s, got %s",
                      plan_channel_name((enum plan_channel)ch), want,
                      plan_show(target, sbuf, sizeof(sbuf)));
    }
}

/* Both ages of a rule, when both are given and valid, are in order. */
static void plan_post_rule(struct ctx *c, const struct node *map, void *obj)
{
    const struct node *lo = plan_map_get(map, "age_min"), *hi = plan_map_get(map, "age_max");
    long long min, max;

    (void)obj;
    if (lo == NULL || hi == NULL || !plan_parse_int(lo, &min) || !plan_parse_int(hi, &max))
        return;
    if (min >= 0 && min <= 130 && max >= 0 && max <= 130 && min > max)
        plan_fail(c, &lo->mark, "\"age_min\" (%lld) must not be greater than \"age_max\" (%lld)",
                  min, max);
}

static int plan_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Bank holidays are kept in date order (YYYY-MM-DD sorts as text); they
 * are unique already (the field is), and not sorted if any is in error. */
static void plan_post_persons(struct ctx *c, const struct node *map, void *obj)
{
    struct plan_persons *pp = obj;

    (void)c;
    (void)map;
    for (size_t i = 0; i < pp->nbank_holidays; i++)
        if (pp->bank_holidays[i] == NULL)
            return;
    if (pp->nbank_holidays > 1)
        qsort(pp->bank_holidays, pp->nbank_holidays, sizeof(*pp->bank_holidays), plan_cmp_names);
}

/* Levels are listed in strictly increasing order, so each is unique. */
static void levels_check_order(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "levels");
    int max = 0;

    for (size_t i = 0; i < plan->nlevels; i++) {
        const struct plan_level *l = &plan->levels[i];
        const struct plan_level *first = plan_level_find(plan, l->level);
        const yaml_mark_t *at =
            l->level ? &plan_map_get(plan_seq_get(seq, i), "level")->mark : NULL;
        if (l->level == 0)
            continue; /* already reported */
        if (first != l)
            plan_fail(c, at, "level %d is defined twice (first at line %zu)", l->level,
                      plan_map_get(plan_seq_get(seq, (size_t)(first - plan->levels)), "level")
                              ->mark.line +
                          1);
        else if (l->level < max)
            plan_fail(c, at,
                      "level %d comes after level %d: levels must be listed in increasing order",
                      l->level, max);
        max = l->level > max ? l->level : max;
    }
}

/* The id of item i of an array of structs of the given size that start
 * with their char *id (plan_agency, plan_role, plan_shift, plan_pathway). */
_Static_assert(offsetof(struct plan_agency, id) == 0, "id_at needs the id first");
_Static_assert(offsetof(struct plan_role, id) == 0, "id_at needs the id first");
_Static_assert(offsetof(struct plan_shift, id) == 0, "id_at needs the id first");
_Static_assert(offsetof(struct plan_pathway, id) == 0, "id_at needs the id first");

static const char *id_at(const void *arr, size_t size, size_t i)
{
    return *(char *const *)((const char *)arr + i * size);
}

/* The ids of the n items of arr (loaded from the sequence node seq) are
 * unique: report each repeat at its "id", naming the first. */
static void check_unique_ids(struct ctx *c, const struct node *seq, const char *what,
                             const void *arr, size_t size, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = id_at(arr, size, i);
        for (size_t j = 0; id != NULL && j < i; j++) {
            if (id_at(arr, size, j) == NULL || strcmp(id, id_at(arr, size, j)) != 0)
                continue;
            plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "id")->mark,
                      "duplicate %s id \"%s\" (first defined at line %zu)", what, id,
                      plan_map_get(plan_seq_get(seq, j), "id")->mark.line + 1);
            break;
        }
    }
}

static void agencies_check_ids(struct ctx *c, const struct node *root, const struct plan *plan)
{
    check_unique_ids(c, plan_map_get(root, "agencies"), "agency", plan->agencies,
                     sizeof(*plan->agencies), plan->nagencies);
}

/* True if every agency has an id, so a failed look-up is the reference's
 * fault and not a cascade of an error already reported. */
static bool agencies_complete(const struct plan *plan)
{
    for (size_t i = 0; i < plan->nagencies; i++)
        if (plan->agencies[i].id == NULL)
            return false;
    return plan->nagencies > 0;
}

static bool levels_complete(const struct plan *plan)
{
    for (size_t i = 0; i < plan->nlevels; i++)
        if (plan->levels[i].level == 0)
            return false;
    return plan->nlevels > 0;
}

static void hub_check_lead(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const char *lead = plan->hub.lead_agency;

    if (lead == NULL || !agencies_complete(plan) || plan_agency_find(plan, lead) != NULL)
        return;
    plan_fail(c, &plan_map_get(plan_map_get(root, "hub"), "lead_agency")->mark,
              "hub lead_agency \"%s\" is not an agency in this plan", lead);
}

static void agencies_check_levels(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "agencies");

    if (!levels_complete(plan))
        return;
    for (size_t i = 0; i < plan->nagencies; i++) {
        const struct plan_agency *a = &plan->agencies[i];
        if (a->activate_level == 0 || plan_level_find(plan, a->activate_level) != NULL)
            continue;
        plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "activate_level")->mark,
                  "agency \"%s\": activate_level %d is not a level defined in this plan",
                  a->id ? a->id : "?", a->activate_level);
    }
}

/* ---- staffing cross-checks ----------------------------------------------- */

static const struct plan_role *staffing_role_find(const struct plan_staffing *st, const char *id)
{
    for (size_t i = 0; i < st->nroles; i++)
        if (st->roles[i].id != NULL && strcmp(st->roles[i].id, id) == 0)
            return &st->roles[i];
    return NULL;
}

/* True if staffing.roles loaded with every id, so a role that is not found
 * is the reference's fault (false as well when there is no staffing). */
static bool roles_complete(const struct plan_staffing *st)
{
    for (size_t i = 0; i < st->nroles; i++)
        if (st->roles[i].id == NULL)
            return false;
    return st->nroles > 0;
}

static void staffing_check_ids(struct ctx *c, const struct node *staffing,
                               const struct plan_staffing *st)
{
    check_unique_ids(c, plan_map_get(staffing, "roles"), "role", st->roles, sizeof(*st->roles),
                     st->nroles);
    check_unique_ids(c, plan_map_get(staffing, "shifts"), "shift", st->shifts, sizeof(*st->shifts),
                     st->nshifts);
}

/* Each requirement is for a level of the plan, and for a different one. */
static void staffing_check_levels(struct ctx *c, const struct node *staffing,
                                  const struct plan *plan)
{
    const struct plan_staffing *st = &plan->staffing;
    const struct node *seq = plan_map_get(staffing, "requirements");
    bool levels_ok = levels_complete(plan);

    for (size_t i = 0; i < st->nrequirements; i++) {
        int level = st->requirements[i].level;
        const yaml_mark_t *at;
        size_t j = 0;
        if (level == 0)
            continue; /* already reported */
        at = &plan_map_get(plan_seq_get(seq, i), "level")->mark;
        while (j < i && st->requirements[j].level != level)
            j++;
        if (j < i)
            plan_fail(c, at,
                      "staffing requirement for level %d is defined twice (first at line %zu)",
                      level, plan_map_get(plan_seq_get(seq, j), "level")->mark.line + 1);
        else if (levels_ok && plan_level_find(plan, level) == NULL)
            plan_fail(c, at, "staffing requirement: level %d is not a level defined in this plan",
                      level);
    }
}

/* Every role a requirement needs is one of staffing.roles (reported at
 * its key in "need"). */
static void staffing_check_needs(struct ctx *c, const struct node *staffing,
                                 const struct plan_staffing *st)
{
    const struct node *seq = plan_map_get(staffing, "requirements");
    char sbuf[SHOW_BUF];

    if (!roles_complete(st))
        return;
    for (size_t i = 0; i < st->nrequirements; i++) {
        const struct plan_requirement *r = &st->requirements[i];
        const struct node *need = plan_map_get(plan_seq_get(seq, i), "need");
        for (size_t k = 0; k < r->nneeds; k++) {
            const struct node *key = need->kids[2 * k];
            if (r->needs[k].role == NULL || staffing_role_find(st, r->needs[k].role) != NULL)
                continue;
            plan_fail(c, &key->mark, "need: role %s is not a role in staffing.roles",
                      plan_show(key, sbuf, sizeof(sbuf)));
        }
    }
}

/* Agencies supply roles of staffing.roles; without a staffing section
 * there is nothing to supply. */
static void agencies_check_supplies(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *seq = plan_map_get(root, "agencies");
    bool has_staffing = plan_map_key(root, "staffing") != NULL;
    bool roles_ok = roles_complete(&plan->staffing);

    for (size_t i = 0; i < plan->nagencies; i++) {
        const struct plan_agency *a = &plan->agencies[i];
        const struct node *map = plan_seq_get(seq, i), *items = plan_map_get(map, "supplies");
        if (!has_staffing && a->nsupplies > 0) {
            plan_fail(c, &plan_map_key(map, "supplies")->mark,
                      "\"supplies\" needs a staffing section");
            continue;
        }
        for (size_t k = 0; roles_ok && k < a->nsupplies; k++) {
            if (a->supplies[k] == NULL ||
                staffing_role_find(&plan->staffing, a->supplies[k]) != NULL)
                continue;
            plan_fail(c, &plan_seq_get(items, k)->mark,
                      "agency \"%s\": supplies role \"%s\" which is not in staffing.roles",
                      a->id ? a->id : "?", a->supplies[k]);
        }
    }
}

static void staffing_check(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *staffing = plan_map_get(root, "staffing");

    if (staffing != NULL && staffing->type == NODE_MAPPING) {
        staffing_check_ids(c, staffing, &plan->staffing);
        staffing_check_levels(c, staffing, plan);
        staffing_check_needs(c, staffing, &plan->staffing);
    }
    agencies_check_supplies(c, root, plan);
}

/* ---- persons cross-checks ------------------------------------------------ */

static const struct plan_pathway *pathway_find(const struct plan_persons *pp, const char *id)
{
    for (size_t i = 0; i < pp->npathways; i++)
        if (pp->pathways[i].id != NULL && strcmp(pp->pathways[i].id, id) == 0)
            return &pp->pathways[i];
    return NULL;
}

/* True if every pathway loaded with its id (false when there are none). */
static bool pathways_complete(const struct plan_persons *pp)
{
    for (size_t i = 0; i < pp->npathways; i++)
        if (pp->pathways[i].id == NULL)
            return false;
    return pp->npathways > 0;
}

/* Each pathway's provider is an agency of the plan (reported at the value). */
static void pathways_check_providers(struct ctx *c, const struct node *persons,
                                     const struct plan *plan)
{
    const struct node *seq = plan_map_get(persons, "pathways");
    const struct plan_persons *pp = &plan->persons;

    if (!agencies_complete(plan))
        return;
    for (size_t i = 0; i < pp->npathways; i++) {
        const struct plan_pathway *pw = &pp->pathways[i];
        if (pw->provider == NULL || plan_agency_find(plan, pw->provider) != NULL)
            continue;
        plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "provider")->mark,
                  "pathway \"%s\": provider \"%s\" is not an agency in this plan",
                  pw->id ? pw->id : "?", pw->provider);
    }
}

/* Each rule's pathway is one of persons.pathways (reported at the value). */
static void rules_check_pathways(struct ctx *c, const struct node *persons,
                                 const struct plan_persons *pp)
{
    const struct node *seq = plan_map_get(persons, "rules");

    if (!pathways_complete(pp))
        return;
    for (size_t i = 0; i < pp->nrules; i++) {
        const char *id = pp->rules[i].pathway;
        if (id == NULL || pathway_find(pp, id) != NULL)
            continue;
        plan_fail(c, &plan_map_get(plan_seq_get(seq, i), "pathway")->mark,
                  "rule: pathway \"%s\" is not a pathway in persons.pathways", id);
    }
}

static void persons_check(struct ctx *c, const struct node *root, const struct plan *plan)
{
    const struct node *persons = plan_map_get(root, "persons");
    const struct plan_persons *pp = &plan->persons;

    if (persons == NULL || persons->type != NODE_MAPPING)
        return;
    check_unique_ids(c, plan_map_get(persons, "pathways"), "pathway", pp->pathways,
                     sizeof(*pp->pathways), pp->npathways);
    pathways_check_providers(c, persons, plan);
    rules_check_pathways(c, persons, pp);
}

/* Cross-references, once the whole file is loaded (keys come in any order). */
static void plan_post_root(struct ctx *c, const struct node *root, void *obj)
{
    const struct plan *plan = obj;

    levels_check_order(c, root, plan);
    agencies_check_ids(c, root, plan);
    hub_check_lead(c, root, plan);
    agencies_check_levels(c, root, plan);
    staffing_check(c, root, plan);
    persons_check(c, root, plan);
}

/* ---- the plan format ---------------------------------------------------- */

/*
 * One line per key: the key, where its value goes (struct and member),
 * whether it is required, and its limits (characters for strings, values for
 * integers, milliseconds for durations, items for sequences).
 */
/* clang-format off */
#define REQUIRED true
#define OPTIONAL false
#define F_STR(k, st, m, req, maxc, chk) \
    {.key = k, .kind = K_STRING, .required = req, .off = offsetof(struct st, m), .min = 1, \
     .max = maxc, .check = chk}
#define F_STR_DEF(k, st, m, maxc, chk, sd) \
    {.key = k, .kind = K_STRING, .required = OPTIONAL, .off = offsetof(struct st, m), .min = 1, \
     .max = maxc, .check = chk, .sdef = sd}
#define F_INT(k, st, m, req, lo, hi, d) \
    {.key = k, .kind = K_INT, .required = req, .off = offsetof(struct st, m), .min = lo, \
     .max = hi, .def = d}
#define F_DURATION(k, st, m, lo, hi, d) \
    {.key = k, .kind = K_DURATION, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .def = d}
#define F_DURATION_REQ(k, st, m, lo, hi) \
    {.key = k, .kind = K_DURATION, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi}
#define F_TIME(k, st, m) \
    {.key = k, .kind = K_TIME, .required = REQUIRED, .off = offsetof(struct st, m)}
#define F_CHANNEL(k, st, m) \
    {.key = k, .kind = K_CHANNEL, .required = REQUIRED, .off = offsetof(struct st, m)}
#define F_MAP(k, st, m, req, s) \
    {.key = k, .kind = K_MAPPING, .required = req, .off = offsetof(struct st, m), .sub = s}
#define F_SEQ(k, st, m, n, lo, hi, s) \
    {.key = k, .kind = K_SEQUENCE, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .sub = s, .count_off = offsetof(struct st, n)}
#define F_STRINGS(k, st, m, n, lo, hi, maxc, chk) \
    {.key = k, .kind = K_STRINGS, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = maxc, .check = chk, .count_off = offsetof(struct st, n)}
#define F_STRSET(k, st, m, n, req, lo, hi, maxc, chk) \
    {.key = k, .kind = K_STRINGS, .required = req, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = maxc, .check = chk, .unique = true, \
     .count_off = offsetof(struct st, n)}
#define F_BOOL(k, st, m) \
    {.key = k, .kind = K_BOOL, .required = OPTIONAL, .off = offsetof(struct st, m)}
#define F_CHOICE(k, st, m, nm, d) \
    {.key = k, .kind = K_CHOICE, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .names = nm, .def = d}
#define F_FLAGS(k, st, m, lo, hi, nm, d) \
    {.key = k, .kind = K_FLAGS, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .names = nm, .def = d}
#define F_DAYS(k, st, m, n, lo, hi, most, d) \
    {.key = k, .kind = K_DAYS, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = most, .ldef = d, .count_off = offsetof(struct st, n)}
#define F_NEEDS(k, st, m, n, lo, hi, most) \
    {.key = k, .kind = K_NEEDS, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = most, .check = plan_check_id, \
     .count_off = offsetof(struct st, n)}
/* clang-format on */
#define FIELDS(a) a, sizeof(a) / sizeof(a[0])

/* Durations in the tables are milliseconds. */
#define SECONDS(n) ((n)*1000)
#define MINUTES(n) SECONDS((n)*60)
#define HOURS(n) MINUTES((n)*60)
#define DAYS(n) HOURS((n)*24)

static const struct field contact_fields[] = {
    F_STR("name", plan_contact, name, REQUIRED, 200, NULL),
    F_CHANNEL("channel", plan_contact, channel),
    F_STR("target", plan_contact, target, REQUIRED, 2000, NULL),
    F_STRINGS("args", plan_contact, args, nargs, 0, 16, 500, NULL),
    F_DURATION("after", plan_contact, after_ms, 0, HOURS(24), 0),
    F_INT("repeat", plan_contact, repeat, OPTIONAL, 0, 10, 0),
};

static const struct schema contact_schema = {"contact", sizeof(struct plan_contact),
                                             FIELDS(contact_fields), plan_post_contact};

static const struct field agency_fields[] = {
    F_STR("id", plan_agency, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_agency, name, REQUIRED, 200, NULL),
    F_STR("role", plan_agency, role, REQUIRED, 2000, NULL),
    F_INT("activate_level", plan_agency, activate_level, REQUIRED, 1, 9, 0),
    F_SEQ("contacts", plan_agency, contacts, ncontacts, 1, 10, &contact_schema),
    F_STRINGS("supplies", plan_agency, supplies, nsupplies, 0, 100, 40, plan_check_id),
};

static const struct schema agency_schema = {"agency", sizeof(struct plan_agency),
                                            FIELDS(agency_fields), plan_post_agency};

static const struct field level_fields[] = {
    F_INT("level", plan_level, level, REQUIRED, 1, 9, 0),
    F_STR("name", plan_level, name, REQUIRED, 200, NULL),
    F_STR("description", plan_level, description, OPTIONAL, 2000, NULL),
};

static const struct schema level_schema = {"level", sizeof(struct plan_level), FIELDS(level_fields),
                                           NULL};

static const struct field hub_fields[] = {
    F_STR("name", plan_hub, name, REQUIRED, 200, NULL),
    F_STR("lead_agency", plan_hub, lead_agency, REQUIRED, 40, plan_check_id),
    F_STR("address", plan_hub, address, OPTIONAL, 500, NULL),
    F_STR("phone", plan_hub, phone, OPTIONAL, 40, NULL),
};

static const struct schema hub_schema = {"hub", sizeof(struct plan_hub), FIELDS(hub_fields), NULL};

static const struct field paging_fields[] = {
    F_DURATION("ack_wait", plan_paging, ack_wait_ms, SECONDS(1), HOURS(24), MINUTES(10)),
    F_DURATION("exec_timeout", plan_paging, exec_timeout_ms, 100, MINUTES(10), SECONDS(30)),
    F_DURATION("webhook_timeout", plan_paging, webhook_timeout_ms, 100, MINUTES(5), SECONDS(10)),
    F_INT("webhook_retries", plan_paging, webhook_retries, OPTIONAL, 0, 10, 2),
    F_DURATION("webhook_backoff", plan_paging, webhook_backoff_ms, 0, MINUTES(10), SECONDS(2)),
    F_STR_DEF("smtp_url", plan_paging, smtp_url, 2000, plan_check_smtp_url, "smtp://localhost:25"),
    F_STR_DEF("email_from", plan_paging, email_from, 254, plan_check_email, "muster@localhost"),
};

static const struct schema paging_schema = {"paging", sizeof(struct plan_paging),
                                            FIELDS(paging_fields), NULL};

static const struct field role_fields[] = {
    F_STR("id", plan_role, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_role, name, REQUIRED, 200, NULL),
};

static const struct schema role_schema = {"role", sizeof(struct plan_role), FIELDS(role_fields),
                                          NULL};

static const struct field shift_fields[] = {
    F_STR("id", plan_shift, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_shift, name, REQUIRED, 200, NULL),
    F_TIME("start", plan_shift, start_minute),
    F_DURATION_REQ("length", plan_shift, length_ms, HOURS(1), HOURS(24)),
};

static const struct schema shift_schema = {"shift", sizeof(struct plan_shift), FIELDS(shift_fields),
                                           NULL};

static const struct field requirement_fields[] = {
    F_INT("level", plan_requirement, level, REQUIRED, 1, 9, 0),
    F_NEEDS("need", plan_requirement, needs, nneeds, 1, 100, 1000),
};

static const struct schema requirement_schema = {"requirement", sizeof(struct plan_requirement),
                                                 FIELDS(requirement_fields), NULL};

static const struct field staffing_fields[] = {
    F_DURATION("horizon", plan_staffing, horizon_ms, HOURS(12), DAYS(14), DAYS(3)),
    F_DURATION("ask_lead", plan_staffing, ask_lead_ms, 0, HOURS(48), HOURS(6)),
    F_SEQ("roles", plan_staffing, roles, nroles, 1, 100, &role_schema),
    F_SEQ("shifts", plan_staffing, shifts, nshifts, 1, 12, &shift_schema),
    F_SEQ("requirements", plan_staffing, requirements, nrequirements, 1, 9, &requirement_schema),
};

static const struct schema staffing_schema = {"staffing", sizeof(struct plan_staffing),
                                              FIELDS(staffing_fields), NULL};

/* Names of bit i (enum plan_category, enum plan_vulnerability, weekdays
 * from Sunday as in struct tm) and of the values of choices. */
static const char *const category_names[] = {"injured",  "survivor",  "witness",
                                             "bereaved", "responder", "other"};
static const char *const vulnerability_names[] = {"child", "elderly", "disability", "migrant"};
static const char *const weekday_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const home_names[] = {"in", "out", "any"};
static const char *const screen_names[] = {"positive", "negative", "any"};
static const int choice_values[] = {1, -1, 0};

_Static_assert(PLAN_CAT_OTHER == 1 << 5, "category_names follows enum plan_category");
_Static_assert(PLAN_VULN_MIGRANT == 1 << 3, "vulnerability_names follows enum plan_vulnerability");

#define NAMES(a)                                                                                   \
    {                                                                                              \
        a, sizeof(a) / sizeof(a[0]), NULL                                                          \
    }
#define CHOICES(a)                                                                                 \
    {                                                                                              \
        a, sizeof(a) / sizeof(a[0]), choice_values                                                 \
    }

static const struct names plan_category_set = NAMES(category_names);
static const struct names plan_vulnerability_set = NAMES(vulnerability_names);
static const struct names plan_weekday_set = NAMES(weekday_names);
static const struct names plan_home_set = CHOICES(home_names);
static const struct names plan_screen_set = CHOICES(screen_names);

#define MON_TO_FRI 0x3e /* bits 1 (Monday) to 5 (Friday) */

static const int rescreen_default[] = {30, 90, 180, 270, 0};

static const struct field screening_fields[] = {
    F_INT("tsq_cutoff", plan_screening, tsq_cutoff, OPTIONAL, 1, 10, 6),
    F_INT("tsq_min_days", plan_screening, tsq_min_days, OPTIONAL, 0, 365, 28),
    F_INT("phq9_cutoff", plan_screening, phq9_cutoff, OPTIONAL, 1, 27, 10),
    F_INT("gad7_cutoff", plan_screening, gad7_cutoff, OPTIONAL, 1, 21, 10),
    F_DAYS("rescreen", plan_screening, rescreen_days, nrescreen, 1, 20, 730, rescreen_default),
};

static const struct schema screening_schema = {"screening", sizeof(struct plan_screening),
                                               FIELDS(screening_fields), NULL};

static const struct field pathway_fields[] = {
    F_STR("id", plan_pathway, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_pathway, name, REQUIRED, 200, NULL),
    F_STR("provider", plan_pathway, provider, REQUIRED, 40, plan_check_id),
    F_INT("capacity", plan_pathway, capacity, OPTIONAL, 0, 100000, 0),
    F_BOOL("waitlist", plan_pathway, waitlist),
    F_BOOL("out_of_area", plan_pathway, out_of_area),
};

static const struct schema pathway_schema = {"pathway", sizeof(struct plan_pathway),
                                             FIELDS(pathway_fields), NULL};

static const struct field rule_fields[] = {
    F_STR("pathway", plan_rule, pathway, REQUIRED, 40, plan_check_id),
    F_FLAGS("categories", plan_rule, categories, 0, 6, &plan_category_set, 0),
    F_INT("age_min", plan_rule, age_min, OPTIONAL, 0, 130, -1),
    F_INT("age_max", plan_rule, age_max, OPTIONAL, 0, 130, -1),
    F_FLAGS("vulnerabilities", plan_rule, vulnerabilities, 0, 4, &plan_vulnerability_set, 0),
    F_STRSET("languages", plan_rule, languages, nlanguages, OPTIONAL, 1, 50, 40,
             plan_check_language),
    F_CHOICE("home", plan_rule, home, &plan_home_set, 0),
    F_CHOICE("screen", plan_rule, screen_positive, &plan_screen_set, 0),
    F_BOOL("urgent", plan_rule, urgent),
};

static const struct schema rule_schema = {"rule", sizeof(struct plan_rule), FIELDS(rule_fields),
                                          plan_post_rule};

static const struct field persons_fields[] = {
    F_STRSET("home_areas", plan_persons, home_areas, nhome_areas, REQUIRED, 1, 100, 60,
             plan_check_area),
    F_FLAGS("explicit_consent", plan_persons, explicit_consent, 0, 6, &plan_category_set, 0),
    F_INT("referral_working_days", plan_persons, referral_working_days, OPTIONAL, 1, 30, 2),
    F_FLAGS("working_days", plan_persons, working_weekdays, 1, 7, &plan_weekday_set, MON_TO_FRI),
    F_STRSET("bank_holidays", plan_persons, bank_holidays, nbank_holidays, OPTIONAL, 0, 1000, 40,
             plan_check_date),
    F_INT("contact_attempts", plan_persons, contact_attempts, OPTIONAL, 1, 10, 3),
    F_MAP("screening", plan_persons, screening, OPTIONAL, &screening_schema),
    F_SEQ("pathways", plan_persons, pathways, npathways, 1, 100, &pathway_schema),
    F_SEQ("rules", plan_persons, rules, nrules, 1, 200, &rule_schema),
};

static const struct schema persons_schema = {"persons", sizeof(struct plan_persons),
                                             FIELDS(persons_fields), plan_post_persons};

/* The "plan:" mapping fills the head of struct plan itself. */
static const struct field head_fields[] = {
    F_STR("id", plan, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan, name, REQUIRED, 200, NULL),
    F_STR("version", plan, version, REQUIRED, 40, NULL),
    F_STR("ref_prefix", plan, ref_prefix, REQUIRED, 8, plan_check_ref_prefix),
    F_INT("retention_days", plan, retention_days, OPTIONAL, 1, 36500, 2555),
};

static const struct schema head_schema = {"plan", sizeof(struct plan), FIELDS(head_fields), NULL};

static const struct field plan_fields[] = {
    {.key = "plan", .kind = K_MAPPING, .required = REQUIRED, .sub = &head_schema}, /* offset 0 */
    F_SEQ("levels", plan, levels, nlevels, 1, 9, &level_schema),
    F_MAP("hub", plan, hub, REQUIRED, &hub_schema),
    F_SEQ("agencies", plan, agencies, nagencies, 1, 500, &agency_schema),
    F_MAP("paging", plan, paging, OPTIONAL, &paging_schema),
    F_MAP("staffing", plan, staffing, OPTIONAL, &staffing_schema),
    F_MAP("persons", plan, persons, OPTIONAL, &persons_schema),
};

static const struct schema plan_root_schema = {"the plan file", sizeof(struct plan),
                                               FIELDS(plan_fields), plan_post_root};

/* ---- loading ------------------------------------------------------------ */

static void strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void contact_free(struct plan_contact *ct)
{
    strings_free(ct->args, ct->nargs);
    free(ct->name);
    free(ct->target);
}

static void staffing_free(struct plan_staffing *st)
{
    for (size_t i = 0; i < st->nroles; i++) {
        free(st->roles[i].id);
        free(st->roles[i].name);
    }
    for (size_t i = 0; i < st->nshifts; i++) {
        free(st->shifts[i].id);
        free(st->shifts[i].name);
    }
    for (size_t i = 0; i < st->nrequirements; i++) {
        struct plan_requirement *r = &st->requirements[i];
        for (size_t j = 0; j < r->nneeds; j++)
            free(r->needs[j].role);
        free(r->needs);
    }
    free(st->roles);
    free(st->shifts);
    free(st->requirements);
}

static void persons_free(struct plan_persons *pp)
{
    for (size_t i = 0; i < pp->npathways; i++) {
        free(pp->pathways[i].id);
        free(pp->pathways[i].name);
        free(pp->pathways[i].provider);
    }
    for (size_t i = 0; i < pp->nrules; i++) {
        free(pp->rules[i].pathway);
        strings_free(pp->rules[i].languages, pp->rules[i].nlanguages);
    }
    strings_free(pp->home_areas, pp->nhome_areas);
    strings_free(pp->bank_holidays, pp->nbank_holidays);
    free(pp->screening.rescreen_days);
    free(pp->pathways);
    free(pp->rules);
}

void plan_free(struct plan *plan)
{
    if (plan == NULL)
        return;
    for (size_t i = 0; i < plan->nagencies; i++) {
        struct plan_agency *a = &plan->agencies[i];
        for (size_t j = 0; j < a->ncontacts; j++)
            contact_free(&a->contacts[j]);
        free(a->contacts);
        strings_free(a->supplies, a->nsupplies);
        free(a->id);
        free(a->name);
        free(a->role);
    }
    staffing_free(&plan->staffing);
    persons_free(&plan->persons);
    for (size_t i = 0; i < plan->nlevels; i++) {
        free(plan->levels[i].name);
        free(plan->levels[i].description);
    }
    free(plan->agencies);
    free(plan->levels);
    free(plan->hub.name);
    free(plan->hub.lead_agency);
    free(plan->hub.address);
    free(plan->hub.phone);
    free(plan->paging.smtp_url);
    free(plan->paging.email_from);
    free(plan->id);
    free(plan->name);
    free(plan->version);
    free(plan->ref_prefix);
    free(plan->source);
    free(plan->path);
    free(plan);
}

static void load_root(struct ctx *c, const struct node *root, struct plan *plan)
{
    static const yaml_mark_t start = {0, 0, 0};
    char sbuf[SHOW_BUF];

    if (root->type == NODE_SCALAR && root->plain && root->len == 0)
        plan_fail(c, &start, "plan is empty");
    else if (root->type != NODE_MAPPING)
        plan_fail(c, &root->mark, "the plan must be a mapping, got %s",
                  plan_show(root, sbuf, sizeof(sbuf)));
    else
        plan_load_mapping(c, &plan_root_schema, root, plan);
}

static struct plan *plan_new(const char *name, const char *buf, size_t len)
{
    struct plan *plan = calloc(1, sizeof(*plan));

    if (plan == NULL)
        return NULL;
    plan->path = strdup(name);
    plan->source = malloc(len + 1);
    if (plan->path == NULL || plan->source == NULL) {
        plan_free(plan);
        return NULL;
    }
    memcpy(plan->source, buf, len);
    plan->source[len] = '\0';
    plan->source_len = len;
    return plan;
}

int plan_load_buffer(const char *name, const char *buf, size_t len, struct plan **out,
                     struct plan_errors *errs)
{
    struct ctx c = {.name = name, .buf = buf, .len = len, .errs = errs};
    struct node *root = NULL;
    struct plan *plan = NULL;
    int rc;

    if (len > PLAN_MAX_BYTES) {
        plan_errors_add(errs, "%s: file is larger than %d bytes", name, PLAN_MAX_BYTES);
        return -EFBIG;
    }
    if ((plan = plan_new(name, buf, len)) == NULL) {
        c.rc = -ENOMEM;
        goto done;
    }
    if (plan_tree_parse(&c, &root) == 0)
        load_root(&c, root, plan);
done:
    rc = c.rc != 0 ? c.rc : c.nerr > 0 ? -EINVAL : 0;
    if (rc == -ENOMEM)
        plan_errors_add(errs, "%s: out of memory", name);
    if (rc == 0)
        *out = plan;
    else
        plan_free(plan);
    plan_node_free(root);
    return rc;
}

/* Read a whole regular file of at most PLAN_MAX_BYTES; errors to errs. */
static int read_file(const char *path, char **buf, size_t *len, struct plan_errors *errs)
{
    struct stat st;
    ssize_t n = 0;
    int fd, rc = 0;

    *buf = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
        plan_errors_add(errs, "%s: cannot open: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        plan_errors_add(errs, "%s: not a regular file", path);
    } else if (st.st_size > PLAN_MAX_BYTES) {
        rc = -EFBIG;
        plan_errors_add(errs, "%s: file is larger than %d bytes", path, PLAN_MAX_BYTES);
    } else if ((*buf = malloc((size_t)st.st_size + 1)) == NULL) {
        rc = -ENOMEM;
        plan_errors_add(errs, "%s: out of memory", path);
    } else if ((n = read(fd, *buf, (size_t)st.st_size + 1)) < 0 || n > st.st_size) {
        rc = n < 0 ? -errno : -EAGAIN;
        plan_errors_add(errs, "%s: cannot read: %s", path,
                        n < 0 ? strerror(errno) : "file changed");
    }
    *len = n > 0 ? (size_t)n : 0;
done:
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

int plan_load_file(const char *path, struct plan **out, struct plan_errors *errs)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = read_file(path, &buf, &len, errs);

    if (rc == 0)
        rc = plan_load_buffer(path, buf, len, out, errs);
    free(buf);
    return rc;
}

/* ---- queries ---------------------------------------------------------- */

const struct plan_agency *plan_agency_find(const struct plan *plan, const char *id)
{
    for (size_t i = 0; i < plan->nagencies; i++)
        if (plan->agencies[i].id != NULL && strcmp(plan->agencies[i].id, id) == 0)
            return &plan->agencies[i];
    return NULL;
}

const struct plan_level *plan_level_find(const struct plan *plan, int level)
{
    for (size_t i = 0; i < plan->nlevels; i++)
        if (plan->levels[i].level == level)
            return &plan->levels[i];
    return NULL;
}

size_t plan_agencies_at_level(const struct plan *plan, int level)
{
    size_t n = 0;

    for (size_t i = 0; i < plan->nagencies; i++)
        n += plan->agencies[i].activate_level <= level;
    return n;
}

/* The bit of name in a set of names (bit i for name i), or 0. */
static int name_bit(const struct names *nm, const char *name)
{
    for (size_t i = 0; name != NULL && i < nm->n; i++)
        if (strcmp(nm->v[i], name) == 0)
            return 1 << i;
    return 0;
}

/* The name of a single bit, or NULL. */
static const char *bit_name(const struct names *nm, unsigned bit)
{
    for (size_t i = 0; i < nm->n; i++)
        if (bit == 1u << i)
            return nm->v[i];
    return NULL;
}

int plan_category_from_name(const char *name)
{
    return name_bit(&plan_category_set, name);
}

const char *plan_category_name(unsigned bit)
{
    return bit_name(&plan_category_set, bit);
}

int plan_vulnerability_from_name(const char *name)
{
    return name_bit(&plan_vulnerability_set, name);
}

const char *plan_vulnerability_name(unsigned bit)
{
    return bit_name(&plan_vulnerability_set, bit);
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *strings_to_json(char *const *v, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}

/* "args" is present for exec contacts only, like the args array itself. */
static json_t *contact_to_json(const struct plan_contact *ct)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:i}", "name", ct->name, "channel",
                          plan_channel_name(ct->channel), "target", ct->target, "after_ms",
                          (json_int_t)ct->after_ms, "repeat", ct->repeat);

    if (j != NULL && ct->channel == PLAN_CHANNEL_EXEC)
        json_object_set_new(j, "args", strings_to_json(ct->args, ct->nargs));
    return j;
}

static json_t *paging_to_json(const struct plan_paging *pg)
{
    return json_pack("{s:I, s:I, s:I, s:i, s:I, s:s, s:s}", "ack_wait_ms",
                     (json_int_t)pg->ack_wait_ms, "exec_timeout_ms",
                     (json_int_t)pg->exec_timeout_ms, "webhook_timeout_ms",
                     (json_int_t)pg->webhook_timeout_ms, "webhook_retries", pg->webhook_retries,
                     "webhook_backoff_ms", (json_int_t)pg->webhook_backoff_ms, "smtp_url",
                     pg->smtp_url, "email_from", pg->email_from);
}

/* "supplies" is always present, perhaps empty. */
static json_t *agency_to_json(const struct plan_agency *a)
{
    json_t *contacts = json_array();

    for (size_t i = 0; contacts != NULL && i < a->ncontacts; i++)
        json_array_append_new(contacts, contact_to_json(&a->contacts[i]));
    return json_pack("{s:s, s:s, s:s, s:i, s:o, s:o}", "id", a->id, "name", a->name, "role",
                     a->role, "activate_level", a->activate_level, "contacts", contacts, "supplies",
                     strings_to_json(a->supplies, a->nsupplies));
}

/* A shift gives its start both as minutes after midnight and as "HH:MM". */
static json_t *shift_to_json(const struct plan_shift *sh)
{
    char start[16]; /* "HH:MM", with room for any int so no truncation is possible */

    snprintf(start, sizeof(start), "%02d:%02d", sh->start_minute / 60, sh->start_minute % 60);
    return json_pack("{s:s, s:s, s:i, s:I, s:s}", "id", sh->id, "name", sh->name, "start_minute",
                     sh->start_minute, "length_ms", (json_int_t)sh->length_ms, "start", start);
}

/* {"level": 1, "need": {"call-handler": 4, ...}} */
static json_t *requirement_to_json(const struct plan_requirement *r)
{
    json_t *need = json_object();

    for (size_t i = 0; need != NULL && i < r->nneeds; i++)
        json_object_set_new(need, r->needs[i].role, json_integer(r->needs[i].count));
    return json_pack("{s:i, s:o}", "level", r->level, "need", need);
}

/* Always an object: without a staffing section, empty arrays and the
 * default durations. */
static json_t *staffing_to_json(const struct plan_staffing *st)
{
    json_t *roles = json_array(), *shifts = json_array(), *reqs = json_array();

    for (size_t i = 0; roles != NULL && i < st->nroles; i++)
        json_array_append_new(
            roles, json_pack("{s:s, s:s}", "id", st->roles[i].id, "name", st->roles[i].name));
    for (size_t i = 0; shifts != NULL && i < st->nshifts; i++)
        json_array_append_new(shifts, shift_to_json(&st->shifts[i]));
    for (size_t i = 0; reqs != NULL && i < st->nrequirements; i++)
        json_array_append_new(reqs, requirement_to_json(&st->requirements[i]));
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "horizon_ms", (json_int_t)st->horizon_ms,
                     "ask_lead_ms", (json_int_t)st->ask_lead_ms, "roles", roles, "shifts", shifts,
                     "requirements", reqs);
}

/* The names of the bits set, in bit order. */
static json_t *flags_to_json(unsigned bits, const struct names *nm)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < nm->n; i++)
        if (bits & (1u << i))
            json_array_append_new(arr, json_string(nm->v[i]));
    return arr;
}

/* The name of a choice's value. */
static const char *choice_name(const struct names *nm, int value)
{
    for (size_t i = 0; i < nm->n; i++)
        if (nm->values[i] == value)
            return nm->v[i];
    return "any";
}

static json_t *int_or_null(int v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *screening_to_json(const struct plan_screening *sc)
{
    json_t *days = json_array();

    for (size_t i = 0; days != NULL && i < sc->nrescreen; i++)
        json_array_append_new(days, json_integer(sc->rescreen_days[i]));
    return json_pack("{s:i, s:i, s:i, s:i, s:o}", "tsq_cutoff", sc->tsq_cutoff, "tsq_min_days",
                     sc->tsq_min_days, "phq9_cutoff", sc->phq9_cutoff, "gad7_cutoff",
                     sc->gad7_cutoff, "rescreen_days", days);
}

static json_t *pathway_to_json(const struct plan_pathway *pw)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:b, s:b}", "id", pw->id, "name", pw->name, "provider",
                     pw->provider, "capacity", pw->capacity, "waitlist", pw->waitlist,
                     "out_of_area", pw->out_of_area);
}

/* Absent bounds and languages are null. */
static json_t *rule_to_json(const struct plan_rule *r)
{
    json_t *langs = r->languages ? strings_to_json(r->languages, r->nlanguages) : json_null();

    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b}", "pathway", r->pathway,
                     "categories", flags_to_json(r->categories, &plan_category_set), "age_min",
                     int_or_null(r->age_min), "age_max", int_or_null(r->age_max), "vulnerabilities",
                     flags_to_json(r->vulnerabilities, &plan_vulnerability_set), "languages", langs,
                     "home", choice_name(&plan_home_set, r->home), "screen",
                     choice_name(&plan_screen_set, r->screen_positive), "urgent", r->urgent);
}

/* Always an object: without a persons section, empty lists and defaults. */
static json_t *persons_to_json(const struct plan_persons *pp)
{
    json_t *pathways = json_array(), *rules = json_array();

    for (size_t i = 0; pathways != NULL && i < pp->npathways; i++)
        json_array_append_new(pathways, pathway_to_json(&pp->pathways[i]));
    for (size_t i = 0; rules != NULL && i < pp->nrules; i++)
        json_array_append_new(rules, rule_to_json(&pp->rules[i]));
    return json_pack("{s:o, s:o, s:i, s:o, s:o, s:i, s:o, s:o, s:o}", "home_areas",
                     strings_to_json(pp->home_areas, pp->nhome_areas), "explicit_consent",
                     flags_to_json(pp->explicit_consent, &plan_category_set),
                     "referral_working_days", pp->referral_working_days, "working_days",
                     flags_to_json(pp->working_weekdays, &plan_weekday_set), "bank_holidays",
                     strings_to_json(pp->bank_holidays, pp->nbank_holidays), "contact_attempts",
                     pp->contact_attempts, "screening", screening_to_json(&pp->screening),
                     "pathways", pathways, "rules", rules);
}

static json_t *levels_to_json(const struct plan *plan)
{
    json_t *levels = json_array();

    for (size_t i = 0; levels != NULL && i < plan->nlevels; i++) {
        const struct plan_level *l = &plan->levels[i];
        json_array_append_new(levels, json_pack("{s:i, s:s, s:s?}", "level", l->level, "name",
                                                l->name, "description", l->description));
    }
    return levels;
}

json_t *plan_to_json(const struct plan *plan)
{
    json_t *agencies = json_array();
    const struct plan_hub *h = &plan->hub;

    for (size_t i = 0; agencies != NULL && i < plan->nagencies; i++)
        json_array_append_new(agencies, agency_to_json(&plan->agencies[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:{s:s, s:s, s:s?, s:s?}, s:o, s:o, s:o, s:o}",
                     "id", plan->id, "name", plan->name, "version", plan->version, "ref_prefix",
                     plan->ref_prefix, "retention_days", plan->retention_days, "levels",
                     levels_to_json(plan), "hub", "name", h->name, "lead_agency", h->lead_agency,
                     "address", h->address, "phone", h->phone, "agencies", agencies, "paging",
                     paging_to_json(&plan->paging), "staffing", staffing_to_json(&plan->staffing),
                     "persons", persons_to_json(&plan->persons));
}

/* ---- plan sets -------------------------------------------------------- */

void planset_free(struct planset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++)
        plan_free(set->plans[i]);
    free(set->plans);
    free(set);
}

const struct plan *planset_find(const struct planset *set, const char *id)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->plans[i]->id, id) == 0)
            return set->plans[i];
    return NULL;
}

static bool is_plan_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The sorted names of the regular "*.yaml" files of dir (no dotfiles). */
static int dir_list(const char *dir, char ***names, size_t *count, struct plan_errors *errs)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;
    char **v;
    int rc = 0;

    *names = NULL;
    *count = 0;
    if (d == NULL) {
        rc = -errno;
        plan_errors_add(errs, "%s: cannot open directory: %s", dir, strerror(-rc));
        return rc;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!is_plan_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if ((v = realloc(*names, (*count + 1) * sizeof(*v))) == NULL ||
            (v[*count] = strdup(de->d_name)) == NULL)
            rc = -ENOMEM;
        if (v != NULL)
            *names = v;
        if (rc == 0)
            (*count)++;
    }
    closedir(d);
    if (rc != 0)
        plan_errors_add(errs, "%s: out of memory", dir);
    else if (*count > 0)
        qsort(*names, *count, sizeof(**names), plan_cmp_names);
    return rc;
}

/* Plan ids must be unique across the set; report each later user. */
static int planset_check_ids(const struct planset *set, struct plan_errors *errs)
{
    int rc = 0;

    for (size_t i = 0; i < set->count; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(set->plans[i]->id, set->plans[j]->id) != 0)
                continue;
            plan_errors_add(errs, "%s: plan id \"%s\" is already used by %s", set->plans[i]->path,
                            set->plans[i]->id, set->plans[j]->path);
            rc = -EINVAL;
            break;
        }
    }
    return rc;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    char *p = NULL;

    if (asprintf(&p, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name) < 0)
        return NULL;
    return p;
}

int planset_load_dir(const char *dir, struct planset **out, struct plan_errors *errs)
{
    struct planset *set = NULL;
    char **names = NULL;
    size_t n = 0;
    int r, rc = dir_list(dir, &names, &n, errs);

    if (rc != 0)
        goto done;
    if ((set = calloc(1, sizeof(*set))) == NULL ||
        (set->plans = calloc(n ? n : 1, sizeof(*set->plans))) == NULL) {
        rc = -ENOMEM;
        plan_errors_add(errs, "%s: out of memory", dir);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        char *path = path_join(dir, names[i]);
        r = path ? plan_load_file(path, &set->plans[set->count], errs) : -ENOMEM;
        if (path == NULL)
            plan_errors_add(errs, "%s: out of memory", dir);
        if (r == 0)
            set->count++;
        else if (rc == 0)
            rc = r;
        free(path);
    }
    r = planset_check_ids(set, errs);
    rc = rc != 0 ? rc : r;
done:
    names_free(names, n);
    if (rc == 0)
        *out = set;
    else
        planset_free(set);
    return rc;
}
