/*
 * clients/web/users.h - muster-web's named accounts: one file, one line
 * per account:
 *     NAME ROLE STATE HASH
 * NAME as a keyring person ([a-z0-9.-]{1,40}), ROLE the principal the
 * account acts as (gold, duty, intake, agency:<id>; never web), STATE
 * "active" or "disabled", HASH libsodium's crypto_pwhash_str (argon2id).
 * The file is rewritten whole (a temporary file, fsync, rename), mode 0600.
 */
#ifndef MUSTER_WEB_USERS_H
#define MUSTER_WEB_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>

#include "keys.h"

#define USERS_MAX 10000
#define USERS_PASSWORD_MIN 12
#define USERS_PASSWORD_MAX 256

struct web_user {
    char name[KEYS_PERSON_MAX + 1];
    char role[KEYS_PRINCIPAL_MAX + 1];
    bool disabled;
    char hash[crypto_pwhash_STRBYTES];
};

struct web_users {
    struct web_user *v;
    size_t n;
};

/* Read the accounts file (a missing file is no accounts).  Returns 0, or
 * -errno with "file:line: message" in err. */
int users_load(const char *path, struct web_users *out, char *err, size_t errlen);
void users_free(struct web_users *u);

/* Write u to path whole and durably.  Returns 0 or -errno. */
int users_save(const char *path, const struct web_users *u);

/* The account named name, or NULL. */
struct web_user *users_find(struct web_users *u, const char *name);

/* True for a role an account may have: a principal other than "web". */
bool users_role_valid(const char *role);

/* Hash a password (argon2id, libsodium's defaults for interactive use
 * scaled to 19 MiB).  At most two hashes run at once in the process, so a
 * flood of sign-ins cannot take the memory of the gateway.  0 or -errno. */
int users_hash(const char *password, char out[crypto_pwhash_STRBYTES]);

/* Check password against the account name in the file at path: 0 when it
 * is right and the account active, -EACCES otherwise (unknown account,
 * wrong password, disabled: one answer, and the same work, for all);
 * -errno when the file cannot be read.  Sets *user when 0. */
int users_check(const char *path, const char *name, const char *password, struct web_user *user);

/* The account name as it stands now (active and its role), for a session
 * that is being used: 0 with *user set, -ENOENT when gone or disabled. */
int users_current(const char *path, const char *name, struct web_user *user);

#endif
