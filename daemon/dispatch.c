/*
 * daemon/dispatch.c - command lookup and the execution of one request
 * (see dispatch.h).
 */
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "authz.h"
#include "control.h"
#include "family.h"
#include "jtext.h"
#include "outbox.h"
#include "incident.h"
#include "log.h"
#include "metrics.h"
#include "persons.h"
#include "server.h"
#include "store.h"

static const struct command *const tables[] = {
    session_commands,     plan_commands,        incident_commands, incident_change_commands,
    cap_commands,         paging_commands,      staffing_commands, persons_commands,
    person_show_commands, person_care_commands, status_commands,   report_commands,
    audit_commands,       alarm_commands,       family_commands,   health_commands,
    metrics_commands,     selfreg_commands,     public_commands,   pfif_commands,
    staffing_rm_commands};

#define MAX_COMMANDS 128

const struct command *dispatch_table(size_t *count)
{
    static struct command all[MAX_COMMANDS];
    static size_t n;
    if (n == 0)
        for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
            for (const struct command *c = tables[t]; c->name && n < MAX_COMMANDS; c++)
                all[n++] = *c;
    *count = n;
    return all;
}

const struct command *dispatch_find(const char *name)
{
    size_t n;
    const struct command *all = dispatch_table(&n);
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(all[i].name, name))
            return &all[i];
    return NULL;
}

size_t dispatch_index(const struct command *cmd)
{
    size_t n;
    const struct command *all = dispatch_table(&n);
    return cmd ? (size_t)(cmd - all) : n;
}

static int storage_error(struct proto_error *e, int rc)
{
    return proto_fail(e, ERR_UNAVAILABLE,
                      "the change could not be saved (%s); nothing was recorded", strerror(-rc));
}

int dispatch_storage_fail(struct cmd_ctx *c, int rc)
{
    return proto_fail(&c->err, ERR_UNAVAILABLE, "storage error: %s", strerror(-rc));
}

int dispatch_incident(struct cmd_ctx *c, const char *ref, struct incident *out)
{
    int rc = incident_find(c->m->store, ref, out);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    return rc ? 0 : proto_fail(&c->err, ERR_NOT_FOUND, "no incident %s", ref);
}

int dispatch_person(struct cmd_ctx *c, const char *name, struct person_ref *p, bool acting)
{
    int64_t id = 0;
    if (proto_arg_int(c->args, name, true, 1, INT64_MAX, &id, &c->err))
        return -1;
    const char *agency = authz_agency_id(c->principal);
    int rc = persons_access(c->m, id, agency, acting, p);
    /* a family's liaison officer, holding an agency's key, sees and acts
     * for the whole family */
    if (rc == 0 && agency && (rc = family_is_liaison(c->m, id, c->person)) > 0)
        rc = persons_access(c->m, id, NULL, acting, p);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc == 0)
        return proto_fail(&c->err, ERR_NOT_FOUND, "no person %lld", (long long)id);
    snprintf(c->target, sizeof(c->target), "person %lld", (long long)id);
    if (acting && p->closed)
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is closed", p->ref);
    return 0;
}

/* The audit row's texts as valid UTF-8: a command cuts a client's text
 * into c->target ("EDXL-RM %.80s"), maybe inside a character, and a row
 * jansson cannot encode would be left out of every audit export. */
static void audit_texts(struct cmd_ctx *c)
{
    proto_utf8_repair(c->target);
    proto_utf8_repair(c->detail);
}

static void audit(struct cmd_ctx *c, const char *cmd, const char *outcome)
{
    audit_texts(c);
    struct audit_row a = {c->now,
                          c->actor,
                          c->req_id,
                          cmd,
                          c->target[0] ? c->target : NULL,
                          outcome,
                          c->detail[0] && !strcmp(outcome, "ok") ? c->detail : NULL};
    int rc = store_audit_add(c->m->store, &a);
    if (rc != 0)
        log_error("dispatch: audit row for %s by %s not written: %s", cmd, c->principal,
                  strerror(-rc));
}

static char *reply_for(struct cmd_ctx *c, int rc)
{
    if (rc != 0)
        return proto_reply_error(c->req_id, &c->err);
    json_t *result = c->result;
    c->result = NULL;
    return proto_reply_ok(c->req_id, result);
}

/* A digest of the command and its arguments (keys sorted), so that a
 * request id reused for a different request is caught. */
void dispatch_digest(const char *cmd, json_t *args, char hex[65])
{
    char *text = jtext_dump(args, true);
    crypto_hash_sha256_state h;
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)cmd, strlen(cmd) + 1);
    if (text)
        crypto_hash_sha256_update(&h, (const unsigned char *)text, strlen(text));
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof(out));
    free(text);
}

/* A state-changing command: savepoint, handler, stored reply, audit row. */
static char *run_mutating(struct cmd_ctx *c, const struct command *cmd)
{
    struct store *st = c->m->store;
    char *reply = NULL, digest[65];
    dispatch_digest(cmd->name, c->args, digest);
    int rc = store_in_txn(st) ? 0 : store_begin(st);
    int found = rc == 0 ? store_reply_get(st, c->principal, c->req_id, digest, &reply) : rc;
    if (found == 0)
        return reply;
    if (found == -EEXIST) {
        proto_fail(&c->err, ERR_CONFLICT,
                   "request id \"%s\" was already used for a different request", c->req_id);
        return proto_reply_error(c->req_id, &c->err);
    }
    if (rc != 0 || (rc = store_savepoint(st)) != 0) {
        storage_error(&c->err, rc);
        return proto_reply_error(c->req_id, &c->err);
    }
    size_t mark = c->outbox->count;
    rc = cmd->fn(c);
    if (rc != 0) {
        store_savepoint_rollback(st);
        outbox_truncate(c->outbox, mark);
        audit(c, cmd->name, c->err.code);
        return reply_for(c, rc);
    }
    reply = reply_for(c, 0);
    int src = store_reply_put(st, c->principal, c->req_id, c->now, reply, digest);
    if (src == 0)
        audit(c, cmd->name, "ok");
    if (src == 0 && (src = store_savepoint_release(st)) == 0)
        return reply;
    free(reply);
    store_savepoint_rollback(st);
    outbox_truncate(c->outbox, mark);
    storage_error(&c->err, src);
    return proto_reply_error(c->req_id, &c->err);
}

/* The audit row of a read, written by the next batch. */
struct read_audit {
    struct audit_row a;
    char principal[KEYS_HOLDER_MAX + 4], request_id[80], command[40], target[96], outcome[24];
    char detail[200]; /* the handler's, on success (person.export: party and count) */
};

static int read_audit_task(struct muster *m, struct outbox *ob, void *arg)
{
    struct read_audit *r = arg;
    int rc = store_audit_add(m->store, &r->a);
    if (rc != 0) /* the log keeps the record the database could not */
        log_error("dispatch: read %s of %s by %s not audited: %s", r->command, r->target,
                  r->principal, strerror(-rc));
    free(r);
    return rc;
}

static struct read_audit *read_audit_new(struct cmd_ctx *c, const char *cmd, const char *outcome)
{
    struct read_audit *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    audit_texts(c);
    snprintf(r->principal, sizeof(r->principal), "%s", c->actor);
    snprintf(r->request_id, sizeof(r->request_id), "%s", c->req_id);
    snprintf(r->command, sizeof(r->command), "%s", cmd);
    snprintf(r->target, sizeof(r->target), "%s", c->target);
    snprintf(r->outcome, sizeof(r->outcome), "%s", outcome);
    snprintf(r->detail, sizeof(r->detail), "%s", c->detail);
    r->a = (struct audit_row){c->now,
                              r->principal,
                              r->request_id,
                              r->command,
                              r->target,
                              r->outcome,
                              r->detail[0] && !strcmp(outcome, "ok") ? r->detail : NULL};
    return r;
}

/*
 * A read of personal data is audited like a change, but its audit row is
 * written by the next batch rather than in this one: the read needs no
 * transaction of its own, so it is served even while the disk is full or
 * read-only (the Hub must still see who it is supporting), and its audit
 * row waits with the daemon's other work until the disk takes writes again.
 */
static char *run_audited_read(struct cmd_ctx *c, const struct command *cmd)
{
    int rc = cmd->fn(c);
    char *reply = reply_for(c, rc);
    struct read_audit *r = read_audit_new(c, cmd->name, rc == 0 ? "ok" : c->err.code);
    if (!r || !c->m->control) {
        if (r)
            read_audit_task(c->m, c->outbox, r); /* no control loop: a unit test */
        return reply;
    }
    if (control_task(c->m->control, read_audit_task, free, r) != 0)
        log_error("dispatch: read %s of %s by %s not audited", cmd->name, c->target, c->principal);
    return reply;
}

/* A refused command is audited when it would have changed state. */
static char *refuse(struct cmd_ctx *c, const struct command *cmd)
{
    proto_fail(&c->err, ERR_FORBIDDEN, "%s may not run %s", c->principal, cmd->name);
    log_warnx("dispatch: refused %s for %s", cmd->name, c->principal);
    if ((cmd->flags & CMD_MUTATING) && (store_in_txn(c->m->store) || store_begin(c->m->store) == 0))
        audit(c, cmd->name, ERR_FORBIDDEN);
    return proto_reply_error(c->req_id, &c->err);
}

int dispatch_peer_acting(struct dispatch_peer *peer, const struct proto_request *req,
                         struct proto_error *e)
{
    if (!req->as_principal)
        return 0;
    if (strcmp(peer->principal, "web")) {
        log_warnx("dispatch: %s sent \"as\" for %s: refused, it is not the web gateway's key",
                  peer->principal, req->cmd);
        return proto_fail(e, ERR_FORBIDDEN,
                          "only the web gateway's key may act for a user (\"as\"); this key is %s",
                          peer->principal);
    }
    if (!keys_principal_valid(req->as_principal) || !strcmp(req->as_principal, "web"))
        return proto_fail(e, ERR_BAD_REQUEST, "\"as\": \"principal\" is not a principal");
    if (!keys_person_valid(req->as_user))
        return proto_fail(e, ERR_BAD_REQUEST,
                          "\"as\": \"user\" must be 1 to %d of a-z, 0-9, '.' and '-'",
                          KEYS_PERSON_MAX);
    if (!authz_web_may_relay(req->cmd))
        return proto_fail(e, ERR_FORBIDDEN,
                          "%s belongs to a connection: not through the web gateway", req->cmd);
    peer->principal = req->as_principal;
    peer->person = req->as_user;
    return 0;
}

char *dispatch_request(struct muster *m, struct outbox *ob, const char *principal,
                       const char *person, const struct proto_request *req, const void *route,
                       size_t route_len)
{
    struct dispatch_peer peer = {principal, person, NULL, route, route_len};
    return dispatch_request_from(m, ob, &peer, req);
}

char *dispatch_request_from(struct muster *m, struct outbox *ob, const struct dispatch_peer *peer,
                            const struct proto_request *req)
{
    const char *principal = peer->principal, *person = peer->person;
    struct cmd_ctx c = {.m = m,
                        .principal = principal,
                        .person = person && *person ? person : NULL,
                        .req_id = req->id,
                        .key = peer->key,
                        .route = peer->route,
                        .route_len = peer->route_len,
                        .args = req->args,
                        .now = server_now(m),
                        .outbox = ob};
    if (c.person)
        snprintf(c.actor, sizeof(c.actor), "%s (%.*s)", principal, KEYS_PERSON_MAX, c.person);
    else
        snprintf(c.actor, sizeof(c.actor), "%s", principal);
    const struct command *cmd = dispatch_find(req->cmd);
    char *reply;
    if (!cmd) {
        proto_fail(&c.err, ERR_UNKNOWN_COMMAND, "unknown command \"%s\"", req->cmd);
        reply = proto_reply_error(req->id, &c.err);
    } else if (!authz_allows(principal, cmd->name)) {
        reply = refuse(&c, cmd);
    } else if (proto_args_known(req->args, cmd->args, &c.err) != 0) {
        reply = proto_reply_error(req->id, &c.err);
    } else if (cmd->flags & CMD_MUTATING) {
        reply = run_mutating(&c, cmd);
    } else if (cmd->flags & CMD_AUDIT_READ) {
        reply = run_audited_read(&c, cmd);
    } else {
        reply = reply_for(&c, cmd->fn(&c));
    }
    metrics_request(m->metrics, dispatch_index(cmd), c.err.code);
    json_decref(c.result);
    return reply;
}
