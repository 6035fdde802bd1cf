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
 *
 * This file loads, frees and queries plans and plan sets; the passes are in
 * plan_tree.c (1), plan_walk.c, plan_value.c and plan_xref.c (2), the
 * format itself in plan_format.c and JSON in plan_json.c, sharing
 * plan_int.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "plan_int.h"

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
        strings_free(pp->pathways[i].overflow, pp->pathways[i].noverflow);
    }
    for (size_t i = 0; i < pp->nrules; i++) {
        free(pp->rules[i].pathway);
        strings_free(pp->rules[i].languages, pp->rules[i].nlanguages);
    }
    for (size_t i = 0; i < pp->nneighbours; i++) {
        free(pp->neighbours[i].agency);
        strings_free(pp->neighbours[i].areas, pp->neighbours[i].nareas);
    }
    free(pp->neighbours);
    strings_free(pp->home_areas, pp->nhome_areas);
    strings_free(pp->bank_holidays, pp->nbank_holidays);
    free(pp->bank_holidays_file);
    for (size_t i = 0; i < pp->screening.nrescreen; i++)
        free(pp->screening.rescreen[i].days);
    free(pp->screening.rescreen);
    free(pp->pathways);
    free(pp->rules);
}

static void agency_free(struct plan_agency *a)
{
    for (size_t j = 0; j < a->ncontacts; j++)
        contact_free(&a->contacts[j]);
    free(a->contacts);
    strings_free(a->supplies, a->nsupplies);
    free(a->id);
    free(a->name);
    free(a->role);
}

static void cap_free(struct plan_cap *cap)
{
    for (size_t i = 0; i < cap->nsenders; i++) {
        free(cap->certificates ? cap->certificates[i] : NULL);
        free(cap->certificate_files ? cap->certificate_files[i] : NULL);
    }
    free(cap->certificates);
    free(cap->certificate_files);
    strings_free(cap->senders, cap->nsenders);
    strings_free(cap->areas, cap->nareas);
    for (size_t i = 0; i < cap->nevents; i++)
        free(cap->events[i].code);
    free(cap->events);
}

int plan_cap_urgency_level(const struct plan_cap_event *ev, const char *u)
{
    const struct plan_cap_urgency *g = &ev->urgency;
    return !u                        ? -1
           : !strcmp(u, "Immediate") ? g->immediate
           : !strcmp(u, "Expected")  ? g->expected
           : !strcmp(u, "Future")    ? g->future
           : !strcmp(u, "Past")      ? g->past
                                     : g->unknown;
}

int plan_cap_level(const struct plan_cap *cap, const char *code, const char *severity,
                   const char *urgency, const struct plan_cap_event **ev)
{
    *ev = NULL;
    for (size_t i = 0; code && i < cap->nevents && !*ev; i++)
        if (!strcmp(cap->events[i].code, code))
            *ev = &cap->events[i];
    if (!*ev)
        return 0;
    const struct plan_cap_event *e = *ev;
    int level = !severity                       ? 0
                : !strcmp(severity, "Extreme")  ? e->extreme
                : !strcmp(severity, "Severe")   ? e->severe
                : !strcmp(severity, "Moderate") ? e->moderate
                : !strcmp(severity, "Minor")    ? e->minor
                                                : e->unknown;
    int u = plan_cap_urgency_level(e, urgency);
    return u == 0 ? 0 : u > level ? u : level;
}

const char *plan_cap_certificate(const struct plan_cap *cap, const char *sender)
{
    for (size_t i = 0; cap->certificates && sender && i < cap->nsenders; i++)
        if (cap->senders[i] && !strcmp(cap->senders[i], sender))
            return cap->certificates[i];
    return NULL;
}

const struct plan_exchange_party *plan_exchange_party(const struct plan_exchange *x, const char *id)
{
    for (size_t i = 0; id && i < x->nparties; i++)
        if (!strcmp(x->parties[i].id, id))
            return &x->parties[i];
    return NULL;
}

static void exchange_free(struct plan_exchange *x)
{
    for (size_t i = 0; i < x->nparties; i++) {
        free(x->parties[i].id);
        free(x->parties[i].name);
    }
    free(x->parties);
    free(x->domain);
}

void plan_free(struct plan *plan)
{
    if (plan == NULL)
        return;
    for (size_t i = 0; i < plan->nagencies; i++)
        agency_free(&plan->agencies[i]);
    agency_free(&plan->command.gold);
    agency_free(&plan->command.duty);
    staffing_free(&plan->staffing);
    persons_free(&plan->persons);
    for (size_t i = 0; i < plan->import.ncolumns; i++) {
        free(plan->import.columns[i].header);
        free(plan->import.columns[i].column);
    }
    free(plan->import.columns);
    for (size_t i = 0; i < plan->public_.nlanguages; i++)
        free(plan->public_.languages[i]);
    free(plan->public_.languages);
    free(plan->public_.hub_phone);
    free(plan->public_.url);
    free(plan->public_.sender);
    cap_free(&plan->cap);
    exchange_free(&plan->exchange);
    strings_free(plan->sitrep.to, plan->sitrep.nto);
    for (size_t i = 0; i < plan->nlevels; i++) {
        free(plan->levels[i].name);
        free(plan->levels[i].description);
    }
    free(plan->agency_index);
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

/* The directory part of a file name ("." for none), or the directory
 * itself when is_dir, for c->dir. */
static char *name_dir(const char *name, bool is_dir)
{
    if (is_dir)
        return strdup(name);
    const char *slash = strrchr(name, '/');
    if (slash == NULL)
        return strdup(".");
    return strndup(name, slash == name ? 1 : (size_t)(slash - name));
}

static int agency_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct plan_agency *const *)a)->id,
                  (*(const struct plan_agency *const *)b)->id);
}

/* plan->agency_index: the agencies by id (unique, checked in plan_xref.c). */
static void agency_index(struct plan *plan)
{
    if (plan->nagencies == 0 || !(plan->agency_index = calloc(plan->nagencies, sizeof(void *))))
        return;
    for (size_t i = 0; i < plan->nagencies; i++)
        plan->agency_index[i] = &plan->agencies[i];
    qsort(plan->agency_index, plan->nagencies, sizeof(void *), agency_cmp);
}

int plan_load_buffer(const char *name, const char *buf, size_t len, struct plan **out,
                     struct plan_errors *errs)
{
    return plan_load_buffer_at(name, NULL, buf, len, out, errs);
}

int plan_load_buffer_at(const char *name, const char *holidays_dir, const char *buf, size_t len,
                        struct plan **out, struct plan_errors *errs)
{
    struct ctx c = {.name = name, .buf = buf, .len = len, .errs = errs};
    struct node *root = NULL;
    struct plan *plan = NULL;
    char *dir = NULL;
    int rc;

    if (len > PLAN_MAX_BYTES) {
        plan_errors_add(errs, "%s: file is larger than %d bytes", name, PLAN_MAX_BYTES);
        return -EFBIG;
    }
    if ((plan = plan_new(name, buf, len)) == NULL ||
        (c.dir = dir = name_dir(holidays_dir ? holidays_dir : name, holidays_dir != NULL)) ==
            NULL) {
        c.rc = -ENOMEM;
        goto done;
    }
    if (plan_tree_parse(&c, &root) == 0)
        load_root(&c, root, plan);
    if (c.rc == 0 && c.nerr == 0)
        c.rc = plan_cert_freeze(&c, plan);
    if (c.rc == 0 && c.nerr == 0)
        c.rc = plan_holidays_freeze(&c, plan);
    if (c.rc == 0 && c.nerr == 0) {
        unsigned char h[crypto_hash_sha256_BYTES];
        agency_index(plan);
        crypto_hash_sha256(h, (const unsigned char *)plan->source, plan->source_len);
        sodium_bin2hex(plan->source_digest, sizeof(plan->source_digest), h, sizeof(h));
    }
done:
    rc = c.rc != 0 ? c.rc : c.nerr > 0 ? -EINVAL : 0;
    if (rc == -ENOMEM)
        plan_errors_add(errs, "%s: out of memory", name);
    if (rc == 0)
        *out = plan;
    else
        plan_free(plan);
    plan_node_free(root);
    free(c.cert_spans);
    free(dir);
    return rc;
}

int plan_read_file(const char *path, char **buf, size_t *len, struct plan_errors *errs)
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
    if (*buf != NULL)
        (*buf)[*len] = '\0';
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
    int rc = plan_read_file(path, &buf, &len, errs);

    if (rc == 0)
        rc = plan_load_buffer(path, buf, len, out, errs);
    free(buf);
    return rc;
}

/* ---- queries ---------------------------------------------------------- */

const struct plan_agency *plan_agency_find(const struct plan *plan, const char *id)
{
    if (plan->agency_index) {
        struct plan_agency key = {.id = (char *)id};
        const struct plan_agency *k = &key;
        const struct plan_agency *const *hit =
            bsearch(&k, plan->agency_index, plan->nagencies, sizeof(k), agency_cmp);
        return hit ? *hit : NULL;
    }
    for (size_t i = 0; i < plan->nagencies; i++)
        if (plan->agencies[i].id != NULL && strcmp(plan->agencies[i].id, id) == 0)
            return &plan->agencies[i];
    return NULL;
}

const struct plan_agency *plan_ladder_find(const struct plan *plan, const char *id)
{
    const struct plan_command *cmd = &plan->command;
    if (cmd->gold.ncontacts > 0 && strcmp(id, "gold") == 0)
        return &cmd->gold;
    if (cmd->duty.ncontacts > 0 && strcmp(id, "duty") == 0)
        return &cmd->duty;
    return plan_agency_find(plan, id);
}

const struct plan_level *plan_level_find(const struct plan *plan, int level)
{
    for (size_t i = 0; i < plan->nlevels; i++)
        if (plan->levels[i].level == level)
            return &plan->levels[i];
    return NULL;
}

int plan_pathway_index(const struct plan_persons *pp, const char *id)
{
    for (size_t i = 0; i < pp->npathways; i++)
        if (!strcmp(pp->pathways[i].id, id))
            return (int)i;
    return -1;
}

const char *plan_neighbour_hub(const struct plan_persons *pp, const char *area)
{
    for (size_t i = 0; area && i < pp->nneighbours; i++)
        for (size_t k = 0; k < pp->neighbours[i].nareas; k++)
            if (!strcasecmp(pp->neighbours[i].areas[k], area))
                return pp->neighbours[i].agency;
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

const char *plan_instrument_name(int instrument)
{
    return instrument >= 0 && (size_t)instrument < plan_instrument_set.n
               ? plan_instrument_set.v[instrument]
               : "?";
}

int plan_vulnerability_from_name(const char *name)
{
    return name_bit(&plan_vulnerability_set, name);
}

const char *plan_vulnerability_name(unsigned bit)
{
    return bit_name(&plan_vulnerability_set, bit);
}

/* ---- plan sets -------------------------------------------------------- */

void planset_free(struct planset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++) {
        plan_free(set->plans[i]);
        if (set->json != NULL)
            free(set->json[i]);
    }
    free(set->json);
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
