/*
 * clients/web/users_cli.c - `muster-web users add|list|disable|enable|passwd`:
 * the accounts of the web gateway, kept in the file users.h describes.
 * A password is read from standard input (twice, unechoed, from a
 * terminal; one line otherwise), or made up with --generate and printed
 * once.  Exit status: 0 done, 1 refused (exists, unknown, bad password),
 * 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "users.h"
#include "web.h"

#define DEFAULT_USERS "/var/lib/muster/web-users"

/* The usage on f: asked for (--help) on stdout, exit 0; else stderr, 2. */
static int users_usage(FILE *f)
{
    fprintf(f, "usage: muster-web users [--users FILE] add NAME --role ROLE [--generate]\n"
               "       muster-web users [--users FILE] list\n"
               "       muster-web users [--users FILE] disable|enable NAME\n"
               "       muster-web users [--users FILE] passwd NAME [--generate]\n"
               "ROLE: gold, duty, intake or agency:ID; NAME: 1 to 40 of a-z 0-9 . -\n"
               "See muster-web(8).\n");
    return f == stdout ? 0 : 2;
}

/* One line of standard input, unechoed when it is a terminal. */
static int read_line(const char *prompt, char *buf, size_t len)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!got)
        return -EINVAL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int read_password(char *buf, size_t len)
{
    char again[USERS_PASSWORD_MAX + 2];
    if (read_line("password: ", buf, len) != 0)
        return -EINVAL;
    if (isatty(STDIN_FILENO) &&
        (read_line("again: ", again, sizeof(again)) != 0 || strcmp(buf, again) != 0)) {
        fprintf(stderr, "muster-web: the passwords differ\n");
        return -EINVAL;
    }
    size_t n = strlen(buf);
    if (n < USERS_PASSWORD_MIN || n > USERS_PASSWORD_MAX) {
        fprintf(stderr, "muster-web: a password is %d to %d characters\n", USERS_PASSWORD_MIN,
                USERS_PASSWORD_MAX);
        return -EINVAL;
    }
    return 0;
}

/* A password made up and printed once: 20 characters, ~119 bits. */
static void generate(char *buf, size_t len)
{
    static const char set[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY345679";
    size_t n = len - 1 < 20 ? len - 1 : 20;
    for (size_t i = 0; i < n; i++)
        buf[i] = set[randombytes_uniform(sizeof(set) - 1)];
    buf[n] = '\0';
}

static int new_hash(bool gen, const char *name, char hash[crypto_pwhash_STRBYTES])
{
    char pw[USERS_PASSWORD_MAX + 2];
    if (gen)
        generate(pw, sizeof(pw));
    else if (read_password(pw, sizeof(pw)) != 0)
        return 1;
    int rc = users_hash(pw, hash);
    if (rc == 0 && gen)
        printf("%s password (shown once): %s\n", name, pw);
    sodium_memzero(pw, sizeof(pw));
    if (rc != 0)
        fprintf(stderr, "muster-web: hashing failed: %s\n", strerror(-rc));
    return rc ? 1 : 0;
}

static int cmd_add(struct web_users *u, const char *name, const char *role, bool gen)
{
    if (!role || !users_role_valid(role))
        return fprintf(stderr, "muster-web: --role gold|duty|intake|agency:ID is required\n"), 2;
    if (users_find(u, name))
        return fprintf(stderr, "muster-web: account %s exists\n", name), 1;
    struct web_user w = {.disabled = false};
    snprintf(w.name, sizeof(w.name), "%s", name);
    snprintf(w.role, sizeof(w.role), "%s", role);
    if (new_hash(gen, name, w.hash) != 0)
        return 1;
    struct web_user *v = realloc(u->v, (u->n + 1) * sizeof(*v));
    if (!v)
        return 1;
    u->v = v;
    u->v[u->n++] = w;
    return 0;
}

static int cmd_list(struct web_users *u)
{
    for (size_t i = 0; i < u->n; i++)
        printf("%-24s %-32s %s\n", u->v[i].name, u->v[i].role,
               u->v[i].disabled ? "disabled" : "active");
    return 0;
}

static int change(struct web_users *u, const char *verb, const char *name, bool gen)
{
    struct web_user *w = users_find(u, name);
    if (!w)
        return fprintf(stderr, "muster-web: no account %s\n", name), 1;
    if (!strcmp(verb, "passwd"))
        return new_hash(gen, name, w->hash);
    w->disabled = !strcmp(verb, "disable");
    return 0;
}

static int run(const char *path, const char *verb, const char *name, const char *role, bool gen)
{
    struct web_users u;
    char err[512];
    int rc = users_load(path, &u, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "muster-web: %s\n", rc == -EINVAL ? err : strerror(-rc));
        return 1;
    }
    if (!strcmp(verb, "list"))
        rc = cmd_list(&u);
    else if (!name || !keys_person_valid(name))
        rc = users_usage(stderr);
    else if (!strcmp(verb, "add"))
        rc = cmd_add(&u, name, role, gen);
    else if (!strcmp(verb, "disable") || !strcmp(verb, "enable") || !strcmp(verb, "passwd"))
        rc = change(&u, verb, name, gen);
    else
        rc = users_usage(stderr);
    if (rc == 0 && strcmp(verb, "list") && (rc = users_save(path, &u)) != 0)
        fprintf(stderr, "muster-web: %s: %s\n", path, strerror(-rc)), rc = 1;
    users_free(&u);
    return rc;
}

int users_main(int argc, char **argv)
{
    static const struct option opts[] = {{"users", required_argument, NULL, 'u'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"generate", no_argument, NULL, 'g'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = getenv("MUSTER_WEB_USERS"), *role = NULL;
    bool gen = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'u')
            path = optarg;
        else if (ch == 'r')
            role = optarg;
        else if (ch == 'g')
            gen = true;
        else if (ch == 'h')
            return users_usage(stdout);
        else
            return users_usage(stderr);
    }
    if (optind >= argc)
        return users_usage(stderr);
    return run(path ? path : DEFAULT_USERS, argv[optind],
               optind + 1 < argc ? argv[optind + 1] : NULL, role, gen);
}
