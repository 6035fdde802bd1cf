/*
 * common/plan_exec.c - where an exec contact's program is, and whether it
 * is there: the one rule musterd runs programs by and --check-plan warns by.
 *
 * A target that starts with "/" is the program itself.  A bare name
 * ("page-sms": letters, digits, ".", "_" and "-", not starting with ".")
 * is a paging script in musterd's scripts directory (--scripts DIR, by
 * default the installed libexec/muster), so one plan runs unchanged from
 * the source tree (make run) and installed.  The check parses the plan's
 * source again for the targets' marks, like plan_locate: the plan object
 * keeps none.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan_int.h"

#define EXEC_NAME_MAX 100

bool plan_exec_name_ok(const char *target)
{
    size_t n = strspn(target, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    return n > 0 && n <= EXEC_NAME_MAX && target[n] == '\0' && target[0] != '.';
}

int plan_exec_path(const char *scripts_dir, const char *target, char *buf, size_t size)
{
    int n;
    if (target[0] == '/')
        n = snprintf(buf, size, "%s", target);
    else if (plan_exec_name_ok(target) && scripts_dir != NULL && scripts_dir[0] != '\0')
        n = snprintf(buf, size, "%s/%s", scripts_dir, target);
    else
        return -EINVAL;
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* What is wrong with running path, or NULL when it can be run. */
static const char *exec_problem(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? "does not exist" : strerror(errno);
    if (!S_ISREG(sb.st_mode))
        return "is not a regular file";
    if (access(path, X_OK) != 0)
        return "is not executable";
    return NULL;
}

/* The warning for one contact mapping, if its exec program cannot be run. */
static void contact_warn(struct ctx *c, const struct node *contact, const char *scripts_dir)
{
    const struct node *ch = plan_map_get(contact, "channel");
    const struct node *t = plan_map_get(contact, "target");
    if (!ch || !t || ch->type != NODE_SCALAR || t->type != NODE_SCALAR || strcmp(ch->value, "exec"))
        return;
    char path[4096];
    const char *why = plan_exec_path(scripts_dir, t->value, path, sizeof(path)) != 0
                          ? "cannot be resolved"
                          : exec_problem(path);
    if (why == NULL)
        return;
    if (!strcmp(t->value, path))
        plan_fail(c, &t->mark, "warning: exec target %s %s", path, why);
    else
        plan_fail(c, &t->mark, "warning: exec target \"%s\" (%s) %s", t->value, path, why);
}

int plan_exec_check(const struct plan *p, const char *scripts_dir, struct plan_errors *warns)
{
    struct plan_errors errs = {0};
    struct ctx c = {.name = p->path, .buf = p->source, .len = p->source_len, .errs = &errs};
    struct node *root = NULL;
    if (plan_tree_parse(&c, &root) != 0) {
        plan_errors_free(&errs);
        return 0;
    }
    struct ctx w = {.name = p->path, .errs = warns};
    const struct node *agencies = plan_map_get(root, "agencies");
    for (size_t i = 0; agencies && agencies->type == NODE_SEQUENCE && i < agencies->nkids; i++) {
        const struct node *contacts = plan_map_get(plan_seq_get(agencies, i), "contacts");
        for (size_t j = 0; contacts && contacts->type == NODE_SEQUENCE && j < contacts->nkids; j++)
            contact_warn(&w, plan_seq_get(contacts, j), scripts_dir);
    }
    plan_node_free(root);
    plan_errors_free(&errs);
    return (int)w.nerr;
}
