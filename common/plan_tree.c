/*
 * common/plan_tree.c - plans, pass 1: the hostile-input YAML tree builder,
 * and the error collection every pass reports through.
 *
 * libyaml's event parser builds a small node tree (struct node).  Anything
 * a plan never needs and an attacker loves (anchors, aliases, tags, nesting
 * deeper than PLAN_MAX_DEPTH, more than NODE_LIMIT nodes, a second
 * document) stops the parse at the event that shows it, before any node
 * is built for it, so a "billion laughs" file costs nothing.  The tree
 * keeps every node's line and column for the messages of pass 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

#define NODE_LIMIT 200000 /* far above a 500-agency plan (~60000 nodes) */

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

int plan_errors_add(struct plan_errors *errs, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = errs_vadd(errs, fmt, ap);
    va_end(ap);
    return rc;
}

void plan_fail(struct ctx *c, const yaml_mark_t *at, const char *fmt, ...)
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
const char *plan_show(const struct node *n, char *buf, size_t size)
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

/* ---- pass 1: YAML events to a node tree --------------------------------- */

void plan_node_free(struct node *n)
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
int plan_tree_parse(struct ctx *c, struct node **root)
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
const struct node *plan_map_key(const struct node *map, const char *key)
{
    const struct node *const *e = map_entry(map, key);

    return e == NULL ? NULL : e[0];
}

/* The value node of key in a mapping node, or NULL. */
const struct node *plan_map_get(const struct node *map, const char *key)
{
    const struct node *const *e = map_entry(map, key);

    return e == NULL ? NULL : e[1];
}

const struct node *plan_seq_get(const struct node *seq, size_t i)
{
    if (seq == NULL || seq->type != NODE_SEQUENCE || i >= seq->nkids)
        return NULL;
    return seq->kids[i];
}
