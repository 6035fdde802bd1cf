/*
 * common/plan_locate.c - plan_locate: where a node of a loaded plan's
 * source is, as "file:line:column", for messages about a valid plan that
 * is refused for another reason (an amendment that removes an agency in
 * use).  The plan object keeps no marks, so the source is parsed again
 * into its node tree (pass 1 only); it loaded once, so it parses again.
 */
#include <stdio.h>
#include <string.h>

#include "plan_int.h"

/* The mark of the item of sequence seq whose "id" is id, or NULL. */
static const yaml_mark_t *item_mark(const struct node *seq, const char *id)
{
    for (size_t i = 0; seq && seq->type == NODE_SEQUENCE && i < seq->nkids; i++) {
        const struct node *v = plan_map_get(plan_seq_get(seq, i), "id");
        if (v && v->type == NODE_SCALAR && !strcmp(v->value, id))
            return &v->mark;
    }
    return NULL;
}

void plan_locate(const struct plan *p, const char *const *path, const char *id, char *buf,
                 size_t size)
{
    struct plan_errors errs = {0};
    struct ctx c = {.name = p->path, .buf = p->source, .len = p->source_len, .errs = &errs};
    struct node *root = NULL;
    yaml_mark_t at = {0, 0, 0};
    if (plan_tree_parse(&c, &root) == 0) {
        const struct node *n = root;
        for (size_t i = 0; n && path[i]; i++) {
            const struct node *k = plan_map_key(n, path[i]);
            if (k)
                at = k->mark;
            n = plan_map_get(n, path[i]);
        }
        const yaml_mark_t *item = id ? item_mark(n, id) : NULL;
        if (item)
            at = *item;
    }
    snprintf(buf, size, "%s:%zu:%zu", p->path, at.line + 1, at.column + 1);
    plan_node_free(root);
    plan_errors_free(&errs);
}
