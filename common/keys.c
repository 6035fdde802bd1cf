/*
 * common/keys.c - CURVE key files and the keyring (see keys.h).
 *
 * The daemon keeps the keyring in memory as a sorted array of binary public
 * keys so that each ZAP request is a binary search; it is rebuilt whole on
 * SIGHUP and swapped in only when the new file is valid.
 */
#include "keys.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

struct keyring_entry {
    uint8_t key[32];
    char principal[KEYS_PRINCIPAL_MAX + 1];
    char person[KEYS_PERSON_MAX + 1]; /* "" when the line names nobody */
};

struct keyring {
    struct keyring_entry *entries;
    size_t count;
};

static bool id_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

bool keys_principal_valid(const char *p)
{
    if (!strcmp(p, "gold") || !strcmp(p, "duty") || !strcmp(p, "intake") || !strcmp(p, "web"))
        return true;
    return !strncmp(p, "agency:", 7) && id_valid(p + 7, 40);
}

bool keys_person_valid(const char *person)
{
    size_t n = strlen(person);
    if (n == 0 || n > KEYS_PERSON_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)person[i]) || isdigit((unsigned char)person[i]) ||
              person[i] == '-' || person[i] == '.'))
            return false;
    return true;
}

int keys_holder_split(const char *holder, char principal[KEYS_PRINCIPAL_MAX + 1],
                      char person[KEYS_PERSON_MAX + 1])
{
    /* the person follows the principal's own colon, if it has one */
    const char *colon = strchr(holder, ':');
    if (colon && !strncmp(holder, "agency:", 7))
        colon = strchr(colon + 1, ':');
    size_t n = colon ? (size_t)(colon - holder) : strlen(holder);
    if (n > KEYS_PRINCIPAL_MAX || (colon && !keys_person_valid(colon + 1)))
        return -EINVAL;
    memcpy(principal, holder, n);
    principal[n] = '\0';
    snprintf(person, KEYS_PERSON_MAX + 1, "%s", colon ? colon + 1 : "");
    return keys_principal_valid(principal) ? 0 : -EINVAL;
}

void keys_file_name(const char *principal, const char *suffix, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", principal, suffix);
    for (char *colon = strchr(buf, ':'); colon; colon = strchr(colon, ':'))
        *colon = '.';
}

int keys_generate(const char *principal, struct keypair *kp)
{
    memset(kp, 0, sizeof(*kp));
    if (!keys_principal_valid(principal) && strcmp(principal, "server"))
        return -EINVAL;
    snprintf(kp->principal, sizeof(kp->principal), "%s", principal);
    if (zmq_curve_keypair(kp->public_z85, kp->secret_z85) != 0)
        return -errno;
    return 0;
}

int keys_write(const char *path, const struct keypair *kp, bool public_only)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, public_only ? 0644 : 0600);
    if (fd < 0)
        return -errno;
    char buf[256];
    int n =
        snprintf(buf, sizeof(buf), "# muster CURVE key%s\nprincipal %s\npublic %s\n",
                 public_only ? " (public part)" : ": keep secret", kp->principal, kp->public_z85);
    if (!public_only)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "secret %s\n", kp->secret_z85);
    int rc = 0;
    if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0)
        rc = errno ? -errno : -EIO;
    close(fd);
    return rc;
}

static bool z85_valid(const char *s)
{
    uint8_t bin[32];
    return strlen(s) == KEYS_Z85_LEN && zmq_z85_decode(bin, s) != NULL;
}

/* True for a blank line or a comment (maybe indented). */
static bool line_empty(const char *line)
{
    char c = line[strspn(line, " \t\r\n")];
    return c == '\0' || c == '#';
}

static int keys_parse_line(char *line, struct keypair *kp)
{
    char field[16], value[64];
    if (line_empty(line))
        return 0;
    if (sscanf(line, "%15s %63s", field, value) != 2)
        return -1;
    if (!strcmp(field, "principal") && strlen(value) <= KEYS_PRINCIPAL_MAX)
        strcpy(kp->principal, value);
    else if (!strcmp(field, "public") && z85_valid(value))
        strcpy(kp->public_z85, value);
    else if (!strcmp(field, "secret") && z85_valid(value))
        strcpy(kp->secret_z85, value);
    else
        return -1;
    return 0;
}

int keys_read(const char *path, struct keypair *kp, char *err, size_t errlen)
{
    memset(kp, 0, sizeof(*kp));
    FILE *f = fopen(path, "re");
    if (!f) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    char line[256];
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        if (keys_parse_line(line, kp) != 0) {
            snprintf(err, errlen, "%s:%d: not a valid key line", path, lineno);
            rc = -EINVAL;
        }
    }
    fclose(f);
    if (rc == 0 && (!kp->principal[0] || !kp->public_z85[0])) {
        snprintf(err, errlen, "%s: missing principal or public key", path);
        rc = -EINVAL;
    }
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    return memcmp(((const struct keyring_entry *)a)->key, ((const struct keyring_entry *)b)->key,
                  32);
}

static int keyring_add_line(struct keyring *ring, char *line, const char *path, int lineno,
                            char *err, size_t errlen)
{
    char holder[128], pub[64], principal[KEYS_PRINCIPAL_MAX + 1], person[KEYS_PERSON_MAX + 1];
    if (line_empty(line))
        return 0;
    if (sscanf(line, "%127s %63s", holder, pub) != 2 ||
        keys_holder_split(holder, principal, person) != 0 || !z85_valid(pub)) {
        snprintf(err, errlen,
                 "%s:%d: expected \"principal[:person] public-key\" (person: [a-z0-9.-]{1,40})",
                 path, lineno);
        return -EINVAL;
    }
    struct keyring_entry *e = realloc(ring->entries, (ring->count + 1) * sizeof(*e));
    if (!e)
        return -ENOMEM;
    ring->entries = e;
    e += ring->count++;
    zmq_z85_decode(e->key, pub);
    memcpy(e->principal, principal, sizeof(e->principal));
    memcpy(e->person, person, sizeof(e->person));
    return 0;
}

int keyring_load(const char *path, struct keyring **out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    struct keyring *ring = calloc(1, sizeof(*ring));
    char line[512];
    int rc = ring ? 0 : -ENOMEM, lineno = 0;
    while (rc == 0 && fgets(line, sizeof(line), f))
        rc = keyring_add_line(ring, line, path, ++lineno, err, errlen);
    fclose(f);
    if (rc != 0) {
        keyring_free(ring);
        return rc;
    }
    if (ring->count > 0)
        qsort(ring->entries, ring->count, sizeof(*ring->entries), entry_cmp);
    for (size_t i = 1; i < ring->count; i++) {
        if (entry_cmp(&ring->entries[i - 1], &ring->entries[i]) == 0) {
            snprintf(err, errlen, "%s: one public key is listed for both %s and %s", path,
                     ring->entries[i - 1].principal, ring->entries[i].principal);
            keyring_free(ring);
            return -EINVAL;
        }
    }
    *out = ring;
    return 0;
}

void keyring_free(struct keyring *ring)
{
    if (!ring)
        return;
    free(ring->entries);
    free(ring);
}

size_t keyring_count(const struct keyring *ring)
{
    return ring->count;
}

static const struct keyring_entry *keyring_find(const struct keyring *ring, const uint8_t key[32])
{
    struct keyring_entry probe;
    if (ring->count == 0)
        return NULL;
    memcpy(probe.key, key, 32);
    return bsearch(&probe, ring->entries, ring->count, sizeof(probe), entry_cmp);
}

const char *keyring_lookup(const struct keyring *ring, const uint8_t key[32])
{
    const struct keyring_entry *e = keyring_find(ring, key);
    return e ? e->principal : NULL;
}

const char *keyring_lookup_z85(const struct keyring *ring, const char *z85)
{
    uint8_t key[32];
    if (!ring || !z85 || strlen(z85) != KEYS_Z85_LEN || !zmq_z85_decode(key, z85))
        return NULL;
    return keyring_lookup(ring, key);
}

bool keyring_lost_keys(const struct keyring *old, const struct keyring *ring)
{
    for (size_t i = 0; old && i < old->count; i++)
        if (!ring || !keyring_lookup(ring, old->entries[i].key))
            return true;
    return false;
}

const char *keyring_person(const struct keyring *ring, const uint8_t key[32])
{
    const struct keyring_entry *e = keyring_find(ring, key);
    return e && e->person[0] ? e->person : NULL;
}

int keyring_append(const char *path, const char *holder, const char *public_z85)
{
    char principal[KEYS_PRINCIPAL_MAX + 1], person[KEYS_PERSON_MAX + 1];
    if (keys_holder_split(holder, principal, person) != 0 || !z85_valid(public_z85))
        return -EINVAL;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    char buf[192];
    int n = snprintf(buf, sizeof(buf), "%s %s\n", holder, public_z85);
    int rc = 0;
    if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0)
        rc = errno ? -errno : -EIO;
    close(fd);
    return rc;
}
