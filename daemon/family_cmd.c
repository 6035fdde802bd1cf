/*
 * daemon/family_cmd.c - the family commands (family.create, family.add,
 * family.show, family.liaison) and person.status: linking persons into a
 * family, recording a person missing or deceased, and naming the family
 * liaison officer through whom alone the family is contacted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "dispatch.h"
#include "family.h"
#include "incident.h"
#include "keys.h"
#include "outbox.h"
#include "persons.h"
#include "server.h"

#define FAMILY_CREATE_MAX 50 /* persons named in one family.create */

/* The family in argument "family", set as the request's target; acting:
 * its incident must not be closed.  0, or -1 with c->err set. */
static int family_arg(struct cmd_ctx *c, bool acting, struct family *f)
{
    int64_t id = 0;
    if (proto_arg_int(c->args, "family", true, 1, INT64_MAX, &id, &c->err))
        return -1;
    int rc = family_get(c->m, id, f);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no family %lld", (long long)id);
    snprintf(c->target, sizeof(c->target), "family %lld", (long long)id);
    if (acting && f->closed)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is closed", f->ref);
    return 0;
}

/* Person id joins family f: 0, or -1 with c->err set (NOT_FOUND, a
 * person of another incident, one merged or already in a family). */
static int join(struct cmd_ctx *c, const struct family *f, int64_t id)
{
    struct person_ref p;
    int64_t in = 0;
    int rc = persons_access(c->m, id, NULL, true, &p);
    if (rc == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no person %lld", (long long)id);
    if (rc > 0 && p.incident_id != f->incident_id)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "person %lld is of another incident",
                          (long long)id);
    if (rc > 0 && p.merged)
        return proto_fail(&c->err, ERR_CONFLICT, "person %lld is merged into another",
                          (long long)id);
    if (rc > 0 && (rc = family_of(c->m, id, &in)) > 0)
        return proto_fail(&c->err, ERR_CONFLICT, "person %lld is already in family %lld",
                          (long long)id, (long long)in);
    if (rc == 0)
        rc = family_add(c->m, f, id, c->now);
    if (rc == 0)
        rc = outbox_event(
            c->m, c->outbox, f->incident_id, f->ref, "family.joined",
            json_pack("{s:I, s:I}", "family", (json_int_t)f->id, "person", (json_int_t)id), c->now);
    return rc ? dispatch_storage_fail(c, rc) : 0;
}

/* The "persons" argument: NULL or an array of 1 to FAMILY_CREATE_MAX
 * person ids.  0, or -1 with c->err set. */
static int persons_arg(struct cmd_ctx *c, json_t **out)
{
    json_t *a = json_object_get(c->args, "persons"), *v;
    size_t i;
    *out = json_is_null(a) ? NULL : a;
    if (!*out)
        return 0;
    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > FAMILY_CREATE_MAX)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"persons\" must be an array of 1 to %d person ids", FAMILY_CREATE_MAX);
    json_array_foreach(a, i, v) if (!json_is_integer(v) ||
                                    json_integer_value(v) <
                                        1) return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                                                             "\"persons\" must hold person ids");
    return 0;
}

static int cmd_create(struct cmd_ctx *c)
{
    const char *ref = NULL;
    struct incident inc;
    struct family f = {0};
    json_t *persons = NULL, *v;
    size_t i;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        persons_arg(c, &persons) || dispatch_incident(c, ref, &inc))
        return -1;
    if (inc.closed)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is closed", ref);
    f.incident_id = inc.id;
    snprintf(f.ref, sizeof(f.ref), "%s", inc.ref);
    int rc = family_create(c->m, inc.id, c->actor, c->now, &f.id);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "family %lld", (long long)f.id);
    json_array_foreach(persons, i, v) if (join(c, &f, json_integer_value(v))) return -1;
    c->result = json_pack("{s:I, s:s, s:o}", "family", (json_int_t)f.id, "incident", inc.ref,
                          "persons", persons ? json_incref(persons) : json_array());
    return 0;
}

static int cmd_add(struct cmd_ctx *c)
{
    struct family f;
    int64_t id = 0;
    if (family_arg(c, true, &f) ||
        proto_arg_int(c->args, "person", true, 1, INT64_MAX, &id, &c->err) || join(c, &f, id))
        return -1;
    c->result = json_pack("{s:I, s:I}", "family", (json_int_t)f.id, "person", (json_int_t)id);
    return 0;
}

/* family.show: the Hub and the family's liaison see every member; an
 * agency only the members it was given, and no family it was given none
 * of (NOT_FOUND, as for an unknown id). */
static int cmd_show(struct cmd_ctx *c)
{
    struct family f;
    json_t *members = NULL;
    if (family_arg(c, false, &f))
        return -1;
    const char *agency = authz_agency_id(c->principal);
    bool liaison = f.liaison[0] && c->person && !strcmp(f.liaison, c->person);
    int rc = family_members_json(c->m, &f, agency, liaison, &members);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (agency && !liaison && json_array_size(members) == 0) {
        json_decref(members);
        return proto_fail(&c->err, ERR_NOT_FOUND, "no family %lld", (long long)f.id);
    }
    c->result =
        json_pack("{s:I, s:s, s:o, s:o}", "family", (json_int_t)f.id, "incident", f.ref, "liaison",
                  f.liaison[0] ? json_string(f.liaison) : json_null(), "members", members);
    return 0;
}

static int cmd_liaison(struct cmd_ctx *c)
{
    struct family f;
    const char *liaison = NULL;
    if (family_arg(c, true, &f) ||
        proto_arg_str(c->args, "liaison", false, KEYS_PERSON_MAX, &liaison, &c->err))
        return -1;
    if (liaison && !keys_person_valid(liaison))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"liaison\" is a keyring person's name: [a-z0-9.-]{1,40}");
    int rc = family_liaison_set(c->m, f.id, liaison);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, f.incident_id, f.ref, "family.liaison",
                          json_pack("{s:I, s:o}", "family", (json_int_t)f.id, "liaison",
                                    liaison ? json_string(liaison) : json_null()),
                          c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:o}", "family", (json_int_t)f.id, "liaison",
                          liaison ? json_string(liaison) : json_null());
    return 0;
}

/* person.status: alive, missing or deceased; leaving deceased corrects a
 * record and needs a reason (the person.status event's note, purged
 * with the incident's other notes). */
static int cmd_status(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *status = NULL, *reason = NULL;
    char old[16];
    if (dispatch_person(c, "person", &p, true) ||
        proto_arg_str(c->args, "status", true, 10, &status, &c->err) ||
        proto_arg_text(c->args, "reason", false, 200, &reason, &c->err))
        return -1;
    if (strcmp(status, "alive") && strcmp(status, "missing") && strcmp(status, "deceased"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "status is alive, missing or deceased");
    int rc = family_status_of(c->m, p.id, old);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    if (!strcmp(old, "deceased") && strcmp(status, "deceased") && !reason)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "person %lld is recorded deceased: a correction needs a reason",
                          (long long)p.id);
    if (strcmp(old, status) &&
        (rc = family_status_set(c->m, c->outbox, &p, old, status, reason, c->now)))
        return dispatch_storage_fail(c, rc);
    c->result =
        json_pack("{s:I, s:s, s:s}", "person", (json_int_t)p.id, "status", status, "was", old);
    return 0;
}

static const char *const create_args[] = {"incident", "persons", NULL};
static const char *const add_args[] = {"family", "person", NULL};
static const char *const family_args[] = {"family", NULL};
static const char *const liaison_args[] = {"family", "liaison", NULL};
static const char *const status_args[] = {"person", "status", "reason", NULL};

const struct command family_commands[] = {
    {.name = "family.create", .fn = cmd_create, .args = create_args, .flags = CMD_MUTATING},
    {.name = "family.add", .fn = cmd_add, .args = add_args, .flags = CMD_MUTATING},
    {.name = "family.show", .fn = cmd_show, .args = family_args, .flags = CMD_AUDIT_READ},
    {.name = "family.liaison", .fn = cmd_liaison, .args = liaison_args, .flags = CMD_MUTATING},
    {.name = "person.status", .fn = cmd_status, .args = status_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
