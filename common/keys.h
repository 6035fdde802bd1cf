/*
 * common/keys.h - CURVE key files and the keyring of authorized principals.
 *
 * Key files are small text files, one "field value" pair per line:
 *     principal gold
 *     public    <40-char Z85 public key>
 *     secret    <40-char Z85 secret key>     (absent in *.pub files)
 * The keyring (KEYS_DIR/keyring) lists the client keys the daemon accepts,
 * one "holder public-key [label...]" per line; '#' starts a comment.  The
 * holder is a principal ("gold", "duty", "intake", "agency:<agency-id>",
 * "web" for the web gateway, which acts for its named users),
 * or a principal and the person holding the key: "gold:insp-jones",
 * "agency:cpft:j.smith" (person [a-z0-9.-]{1,40}).  The principal decides
 * what the key may do; the person is named in the audit trail.
 */
#ifndef MUSTER_KEYS_H
#define MUSTER_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYS_Z85_LEN 40
#define KEYS_PRINCIPAL_MAX 48
#define KEYS_PERSON_MAX 40
#define KEYS_HOLDER_MAX (KEYS_PRINCIPAL_MAX + 1 + KEYS_PERSON_MAX)

struct keypair {
    char principal[KEYS_PRINCIPAL_MAX + 1];
    char public_z85[KEYS_Z85_LEN + 1];
    char secret_z85[KEYS_Z85_LEN + 1]; /* empty for a public-only key */
};

/* True for "gold", "duty", "intake", "web" (the web gateway, muster-web)
 * and "agency:<id>" with id [a-z0-9-]{1,40}. */
bool keys_principal_valid(const char *principal);

/* True for a person's name: [a-z0-9.-]{1,40}. */
bool keys_person_valid(const char *person);

/* Split a keyring holder ("gold", "gold:insp-jones", "agency:cpft",
 * "agency:cpft:j.smith") into its principal and person ("" when none).
 * Returns 0, or -EINVAL when either part is not valid. */
int keys_holder_split(const char *holder, char principal[KEYS_PRINCIPAL_MAX + 1],
                      char person[KEYS_PERSON_MAX + 1]);

/* The file name for a holder's key, every ':' made '.', e.g.
 * "agency.cpft.key", "gold.insp-jones.key" (buf >= 96). */
void keys_file_name(const char *principal, const char *suffix, char *buf, size_t len);

/* Generate a fresh CURVE key pair for principal.  Returns 0 or -errno. */
int keys_generate(const char *principal, struct keypair *kp);

/* Write kp to path (mode 0600; with public_only, mode 0644 and no secret).
 * Refuses to overwrite an existing file (-EEXIST). */
int keys_write(const char *path, const struct keypair *kp, bool public_only);

/* Read a key file.  Returns 0, -ENOENT, or -EINVAL with a message in err. */
int keys_read(const char *path, struct keypair *kp, char *err, size_t errlen);

/* The accepted client keys, loaded whole from a keyring file. */
struct keyring;

/* Returns 0 and sets *out, or -errno with "file:line: message" in err. */
int keyring_load(const char *path, struct keyring **out, char *err, size_t errlen);
void keyring_free(struct keyring *ring);
size_t keyring_count(const struct keyring *ring);

/* The principal for a 32-byte binary public key, or NULL when unknown. */
const char *keyring_lookup(const struct keyring *ring, const uint8_t key[32]);

/* The principal for a Z85 public key, or NULL when unknown or invalid. */
const char *keyring_lookup_z85(const struct keyring *ring, const char *z85);

/* True when a key of old is missing from ring (a key was revoked). */
bool keyring_lost_keys(const struct keyring *old, const struct keyring *ring);

/* The person named for a known key, or NULL (unknown key, or no person). */
const char *keyring_person(const struct keyring *ring, const uint8_t key[32]);

/* Append one "holder public" line to the keyring file (created if
 * missing) and fsync it.  Returns 0 or -errno. */
int keyring_append(const char *path, const char *holder, const char *public_z85);

#endif
