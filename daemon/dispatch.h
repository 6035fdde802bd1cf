/*
 * daemon/dispatch.h - the command table and the execution of one request.
 *
 * Every command is a row: name, handler, the arguments it accepts, and
 * flags: whether it changes state, whether it reads personal data.  A state-changing command runs
 * inside the batch's transaction under its own savepoint, with its reply stored for idempotency and
 * an audit row written, all committed together.
 */
#ifndef MUSTER_DISPATCH_H
#define MUSTER_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "keys.h"
#include "proto.h"

struct muster;
struct outbox;

/* What a handler gets and fills in. */
struct cmd_ctx {
    struct muster *m;
    const char *principal;           /* from the ZAP User-Id: what the caller may do */
    const char *person;              /* the person holding the key (keyring), or NULL */
    char actor[KEYS_HOLDER_MAX + 4]; /* who did it, for the record: "gold (insp-jones)" */
    const char *req_id;
    const char *key;   /* the public key (Z85) that opened the connection, or NULL */
    const void *route; /* the client connection's routing id (for sessions) */
    size_t route_len;
    json_t *args; /* an object; unknown arguments already refused */
    int64_t now;  /* ms since the epoch */
    struct outbox *outbox;
    json_t *result; /* set by the handler on success (owned by ctx) */
    struct proto_error err;
    char target[96];  /* what the command acted on, for the audit row */
    char detail[200]; /* the audit row's detail (JSON, no personal data), or "" */
};

typedef int cmd_fn(struct cmd_ctx *c);

/* A handler's storage failure: c->err becomes UNAVAILABLE ("storage
 * error: ...") for rc, a negative errno from the store.  Returns -1, what
 * the handler returns. */
int dispatch_storage_fail(struct cmd_ctx *c, int rc);

struct incident;

/* A handler's incident ref (incident_find): 0, or -1 with c->err set
 * (NOT_FOUND "no incident REF", or the storage error). */
int dispatch_incident(struct cmd_ctx *c, const char *ref, struct incident *out);

/* What a command does besides answering: struct command's flags. */
enum command_flag {
    CMD_MUTATING = 1u << 0,   /* changes state (savepoint, stored reply, audit row) */
    CMD_AUDIT_READ = 1u << 1, /* a read of personal data: audited like a change */
};

/* A row of a handler file's table, written with designated initialisers:
 * {.name = "person.show", .fn = cmd_show, .args = person_args,
 *  .flags = CMD_AUDIT_READ}; a row with no name ends the table. */
struct person_ref;

/* A handler's person: the id in argument name, found for the caller with
 * persons_access (with acting) and set as the request's target; acting:
 * its incident must not be closed (a stood-down incident is in its
 * recovery phase: its persons are worked on).  0, or -1 with c->err set
 * (NOT_FOUND "no person ID" whatever the reason, CONFLICT "incident X is
 * closed", or the storage error). */
int dispatch_person(struct cmd_ctx *c, const char *name, struct person_ref *p, bool acting);

struct command {
    const char *name;
    cmd_fn *fn;
    const char *const *args; /* NULL-terminated list of accepted argument names */
    unsigned flags;          /* CMD_MUTATING, CMD_AUDIT_READ, or 0: a plain read */
};

/* Look a command up by name (NULL: none); NULL when unknown.  The row
 * is one of dispatch_table's. */
const struct command *dispatch_find(const char *name);

/* The index of cmd in dispatch_table, or its count for NULL (for
 * metrics_request). */
size_t dispatch_index(const struct command *cmd);

/* All commands, for tests and documentation: sets *count. */
const struct command *dispatch_table(size_t *count);

/*
 * Run one decoded request from principal, sent with the key of person
 * (the ZAP "X-Person" property; NULL when the keyring names nobody).  The
 * principal is authorized; "principal (person)" is what the audit trail,
 * the incident and the report record.  A mutating command opens the
 * store's transaction if none is open; the caller commits it after the
 * batch.  Returns the reply text (malloc'd), never NULL.
 */
char *dispatch_request(struct muster *m, struct outbox *ob, const char *principal,
                       const char *person, const struct proto_request *req, const void *route,
                       size_t route_len);

/* Who sent a request, from its connection. */
struct dispatch_peer {
    const char *principal; /* the ZAP User-Id */
    const char *person;    /* the person holding the key (ZAP "X-Person"), or NULL */
    const char *key;       /* the client's public key (Z85, ZAP property), or NULL */
    const void *route;     /* the connection's routing id */
    size_t route_len;
};

/*
 * The web gateway's seam: a request whose envelope names a user ("as")
 * acts as that user's principal, with the user as its person, exactly as
 * if a key of that principal held by that person had sent it.  Only the
 * gateway's own key ("web") may send "as"; from any other key, and for a
 * command that belongs to a connection (authz_web_may_relay), it is
 * refused: -1 with e set (FORBIDDEN; BAD_REQUEST for an "as" that names
 * no principal, or "web", or a user that is not a keyring person's name).  Sets peer's principal
 * and person (pointing into req) and returns 0 otherwise; a request without "as" leaves peer as it
 * is.
 */
int dispatch_peer_acting(struct dispatch_peer *peer, const struct proto_request *req,
                         struct proto_error *e);

/* dispatch_request for a peer. */
char *dispatch_request_from(struct muster *m, struct outbox *ob, const struct dispatch_peer *peer,
                            const struct proto_request *req);

/*
 * Requests too large to run in one short batch run in parts, one part per
 * batch (dispatch_parts.c): a person.import of more than DISPATCH_PART_ROWS
 * rows.  Each part is a request of its own with its own stored reply (id
 * "ID part K/N"), so a retry after a crash redoes nothing; the reply to the
 * whole request sums the parts' and is stored under ID with the last part.
 */
#define DISPATCH_PART_ROWS 50

/* How many parts req runs in (1 for all but large imports). */
int dispatch_parts(const struct proto_request *req);

/* Run part `part` (0-based) of nparts.  Returns the reply to the whole
 * request (malloc'd) when it is finished: after the last part, or at once
 * when a part fails or the request was already answered.  Returns NULL
 * when parts remain. */
char *dispatch_request_part(struct muster *m, struct outbox *ob, const struct dispatch_peer *peer,
                            const struct proto_request *req, int part, int nparts);

/* The digest of a command and its arguments (keys sorted): a request id
 * reused for a different request is caught with it. */
void dispatch_digest(const char *cmd, json_t *args, char hex[65]);

/* Command tables, one per handler file (incident_cmd.c, plan_cmd.c, ...). */
extern const struct command session_commands[];
extern const struct command health_commands[];
extern const struct command incident_commands[];
extern const struct command incident_change_commands[];
extern const struct command cap_commands[];
extern const struct command pfif_commands[];
extern const struct command plan_commands[];
extern const struct command paging_commands[];
extern const struct command staffing_commands[];
extern const struct command staffing_rm_commands[];
extern const struct command persons_commands[];
extern const struct command person_show_commands[];
extern const struct command person_care_commands[];
extern const struct command status_commands[];
extern const struct command report_commands[];
extern const struct command audit_commands[];
extern const struct command alarm_commands[];
extern const struct command family_commands[];
extern const struct command metrics_commands[];
extern const struct command selfreg_commands[];
extern const struct command public_commands[];

#endif
