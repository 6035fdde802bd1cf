/*
 * clients/web/sessions.h - the signed-in browsers: a session is a 256-bit
 * random token (in an HttpOnly, Secure, SameSite=Strict cookie) naming an
 * account and the principal it acts as, with its own CSRF token (sent back
 * in the X-CSRF-Token header of every state change).  It ends on logout,
 * after idle_ms unused, and idle or not after absolute_ms.  Sessions live
 * in memory only: restarting the gateway signs everyone out.  Thread-safe.
 */
#ifndef MUSTER_WEB_SESSIONS_H
#define MUSTER_WEB_SESSIONS_H

#include <stdint.h>

#include "keys.h"

#define SESSION_TOKEN_LEN 43 /* 32 bytes, base64url without padding */

struct web_session {
    char token[SESSION_TOKEN_LEN + 1];
    char csrf[SESSION_TOKEN_LEN + 1];
    char user[KEYS_PERSON_MAX + 1];
    char principal[KEYS_PRINCIPAL_MAX + 1];
    int64_t created, last; /* ms, monotonic */
};

struct sessions;

struct sessions *sessions_open(int64_t idle_ms, int64_t absolute_ms);
void sessions_free(struct sessions *s);

/* A new session for user acting as principal: 0 with *out filled in, or
 * -ENOMEM. */
int sessions_create(struct sessions *s, const char *user, const char *principal, int64_t now,
                    struct web_session *out);

/* The session of token, touched (its idle time starts again): 0 with
 * *out, or -ENOENT when there is none or it has run out (and is gone). */
int sessions_get(struct sessions *s, const char *token, int64_t now, struct web_session *out);

/* End the session of token; end every session of user. */
void sessions_end(struct sessions *s, const char *token);
void sessions_end_user(struct sessions *s, const char *user);

/* How many sessions are open. */
size_t sessions_count(struct sessions *s);

/* A fresh random token (base64url of 32 bytes). */
void sessions_token(char out[SESSION_TOKEN_LEN + 1]);

#endif
