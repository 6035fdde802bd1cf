/*
 * clients/web/users.c - muster-web's accounts file and password hashing
 * (see users.h).
 */
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HASH_OPS 2
#define HASH_MEM (19u * 1024 * 1024)
#define HASH_PARALLEL 2

static sem_t hash_slots;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_init(void)
{
    sem_init(&hash_slots, 0, HASH_PARALLEL);
}

bool users_role_valid(const char *role)
{
    return keys_principal_valid(role) && strcmp(role, "web") != 0;
}

/* One line "NAME ROLE STATE HASH" into u; 0 or -EINVAL. */
static int parse_line(char *line, struct web_user *u)
{
    char *save = NULL, *f[5];
    int n = 0;
    for (char *t = strtok_r(line, " \t\n", &save); t && n < 5; t = strtok_r(NULL, " \t\n", &save))
        f[n++] = t;
    if (n != 4 || !keys_person_valid(f[0]) || !users_role_valid(f[1]) ||
        (strcmp(f[2], "active") && strcmp(f[2], "disabled")) ||
        strlen(f[3]) >= crypto_pwhash_STRBYTES || strncmp(f[3], "$argon2id$", 10))
        return -EINVAL;
    memset(u, 0, sizeof(*u));
    snprintf(u->name, sizeof(u->name), "%s", f[0]);
    snprintf(u->role, sizeof(u->role), "%s", f[1]);
    u->disabled = !strcmp(f[2], "disabled");
    snprintf(u->hash, sizeof(u->hash), "%s", f[3]);
    return 0;
}

static int add_user(struct web_users *out, const struct web_user *u)
{
    if (out->n == USERS_MAX)
        return -E2BIG;
    struct web_user *v = realloc(out->v, (out->n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    out->v = v;
    out->v[out->n++] = *u;
    return 0;
}

int users_load(const char *path, struct web_users *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    char line[512];
    int rc = 0, lineno = 0;
    struct web_user u;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        rc = parse_line(line, &u);
        if (rc == 0 && users_find(out, u.name))
            rc = -EEXIST;
        if (rc == 0)
            rc = add_user(out, &u);
        if (rc != 0)
            snprintf(err, errlen, "%s:%d: %s", path, lineno,
                     rc == -EEXIST ? "account listed twice" : "not NAME ROLE STATE HASH");
    }
    fclose(f);
    if (rc != 0)
        users_free(out);
    return rc;
}

void users_free(struct web_users *u)
{
    free(u->v);
    memset(u, 0, sizeof(*u));
}

struct web_user *users_find(struct web_users *u, const char *name)
{
    for (size_t i = 0; i < u->n; i++)
        if (!strcmp(u->v[i].name, name))
            return &u->v[i];
    return NULL;
}

static int write_all(int fd, const struct web_users *u)
{
    FILE *f = fdopen(fd, "w");
    if (!f)
        return -errno;
    fprintf(f, "# muster-web accounts: NAME ROLE STATE HASH (muster-web users ...)\n");
    for (size_t i = 0; i < u->n; i++)
        fprintf(f, "%s %s %s %s\n", u->v[i].name, u->v[i].role,
                u->v[i].disabled ? "disabled" : "active", u->v[i].hash);
    int rc = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -errno;
    fclose(f);
    return rc;
}

int users_save(const char *path, const struct web_users *u)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int rc = fchmod(fd, 0600) == 0 ? write_all(fd, u) : -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

int users_hash(const char *password, char out[crypto_pwhash_STRBYTES])
{
    pthread_once(&hash_once, hash_init);
    while (sem_wait(&hash_slots) != 0)
        ;
    int rc = crypto_pwhash_str_alg(out, password, strlen(password), HASH_OPS, HASH_MEM,
                                   crypto_pwhash_ALG_ARGON2ID13);
    sem_post(&hash_slots);
    return rc == 0 ? 0 : -ENOMEM;
}

static int verify(const char *hash, const char *password)
{
    pthread_once(&hash_once, hash_init);
    while (sem_wait(&hash_slots) != 0)
        ;
    int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
    sem_post(&hash_slots);
    return rc;
}

/* A hash of no password anyone has, checked against when the account is
 * unknown, so that an unknown name costs what a wrong password does. */
static char decoy[crypto_pwhash_STRBYTES];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void decoy_make(void)
{
    unsigned char raw[32];
    char password[65];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(password, sizeof(password), raw, sizeof(raw));
    if (users_hash(password, decoy) != 0)
        decoy[0] = '\0';
}

static const char *decoy_hash(void)
{
    pthread_once(&decoy_once, decoy_make);
    return decoy;
}

int users_check(const char *path, const char *name, const char *password, struct web_user *user)
{
    struct web_users u;
    char err[256];
    int rc = users_load(path, &u, err, sizeof(err));
    if (rc != 0)
        return rc;
    struct web_user *w = users_find(&u, name);
    const char *hash = w ? w->hash : decoy_hash();
    bool right = verify(hash, password) == 0;
    rc = w && right && !w->disabled ? 0 : -EACCES;
    if (rc == 0)
        *user = *w;
    users_free(&u);
    return rc;
}

int users_current(const char *path, const char *name, struct web_user *user)
{
    struct web_users u;
    char err[256];
    int rc = users_load(path, &u, err, sizeof(err));
    if (rc != 0)
        return rc;
    struct web_user *w = users_find(&u, name);
    rc = w && !w->disabled ? 0 : -ENOENT;
    if (rc == 0)
        *user = *w;
    users_free(&u);
    return rc;
}
