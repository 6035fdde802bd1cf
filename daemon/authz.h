/*
 * daemon/authz.h - who may run which command.
 *
 * The principal always comes from the ZAP User-Id of the CURVE key that
 * signed the connection, never from anything the client sends; the one
 * exception is the web gateway's key ("web"), whose requests name the user
 * and the principal that user acts as (dispatch.c checks it is "web").  The policy
 * is one table (command -> roles); a command missing from it is refused.
 */
#ifndef MUSTER_AUTHZ_H
#define MUSTER_AUTHZ_H

#include <stdbool.h>

enum authz_role {
    ROLE_NONE = 0,
    ROLE_GOLD = 1 << 0,   /* Gold Command */
    ROLE_DUTY = 1 << 1,   /* Hub duty manager */
    ROLE_INTAKE = 1 << 2, /* Hub call handler, casualty bureau */
    ROLE_AGENCY = 1 << 3, /* a partner agency, "agency:<id>" */
    ROLE_WEB = 1 << 4,    /* the web gateway's own key, "web" (not acting for a user) */
};

/* Every principal a person can hold (the gateway's own key is not one). */
#define ROLE_ANY (ROLE_GOLD | ROLE_DUTY | ROLE_INTAKE | ROLE_AGENCY)

/* The role of a principal string, ROLE_NONE if it is not one. */
enum authz_role authz_role_of(const char *principal);

/* The agency id of an "agency:<id>" principal, else NULL (points into
 * principal). */
const char *authz_agency_id(const char *principal);

/* True when principal may run cmd. */
bool authz_allows(const char *principal, const char *cmd);

/* True when the web gateway may run cmd for one of its users ("as" in
 * the request envelope): every command but those of an agency's listening
 * session (agency.listen), which belongs to a connection, not a person. */
bool authz_web_may_relay(const char *cmd);

/* The roles allowed to run cmd (ROLE_NONE for a command not in the
 * policy). */
unsigned authz_roles_for(const char *cmd);

#endif
