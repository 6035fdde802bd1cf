/*
 * tests/tool/seccomp_run.c - runs a command inside the sandbox that a
 * systemd unit describes, for machines (containers, CI) where systemd is not
 * PID 1 and `systemctl start` cannot be used to prove the unit works.
 *
 *   seccomp_run --groups FILE [--user NAME] UNIT -- CMD ARGS...
 *                                                     apply the unit, exec CMD
 *   seccomp_run --exec-args UNIT                      print ExecStart= expanded
 *                                                     with Environment=, one
 *                                                     word a line
 *
 * What it emulates from the [Service] section, as systemd 252 does it
 * (systemd.exec(5), src/core/execute.c, src/shared/seccomp-util.c):
 *
 * - SystemCallFilter=: the first assignment decides the mode.  Without "~"
 *   it is an allow list (the @default group is added implicitly, every other
 *   call is denied); with "~" a deny list (every other call is allowed).
 *   Each later assignment adds to the set when its "~" agrees with the mode
 *   and removes from it when not, in order, so a later line overrides an
 *   earlier one.  An empty assignment resets the filter.  A denied call kills
 *   the process (SECCOMP_RET_KILL_PROCESS, SIGSYS) unless
 *   SystemCallErrorNumber= or a ":ERRNO" suffix on a deny-list entry makes
 *   it fail with that errno.  @groups come from a file in the format of
 *   `systemd-analyze syscall-filter` (tests/tool/syscall_groups.sh writes
 *   it); a call this architecture does not have is skipped, as systemd does.
 * - SystemCallArchitectures=native: libseccomp's default, native only.
 * - RestrictAddressFamilies=: socket() with another family fails with
 *   EAFNOSUPPORT (a "~" list: the listed ones fail).
 * - RestrictRealtime=yes: sched_setscheduler() to SCHED_FIFO, SCHED_RR or
 *   SCHED_DEADLINE fails with EPERM; SCHED_OTHER and the rest are allowed.
 * - LimitNOFILE= and UMask=.
 * - Environment=: NAME=VALUE words set in CMD's environment (no quoting,
 *   no specifiers: the unit uses neither).
 * - User=: --user NAME, given by a test that runs as root, switches to that
 *   account first (the unit's own account may not exist here).  It matters:
 *   SQLite, for one, chowns its journal files only when running as root.
 *
 * Each of the three seccomp filters is loaded separately, as systemd does;
 * the kernel applies the strictest answer of all of them.  The rlimit and
 * umask are set before any filter (setrlimit is in @resources).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINES 64
#define MAX_NR 1024 /* above every syscall number of x86-64 and arm64 */
#define NO_ERRNO -1 /* an entry that takes the default action */
#define KILL -2     /* "kill" given explicitly */
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* What the tool takes from the unit's [Service] section. */
struct unit {
    char *filter[MAX_LINES];
    int nfilter;
    char *error_number;
    char *families;
    bool realtime_restricted;
    char *nofile;
    char *umask;
    char *env[MAX_LINES];
    int nenv;
    char *exec_start;
};

/* The groups file: "@name" lines each followed by indented members. */
struct groups {
    char *text;
};

/* The syscall set being built: in_set and the errno of each entry. */
struct sysset {
    bool allow_list;
    bool in_set[MAX_NR];
    int err[MAX_NR];
};

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "seccomp_run: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Reads FILE whole into a NUL-terminated buffer the caller frees. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        die("cannot read %s", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = getc(f)) != EOF)
        putc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* One "Key=value" line of [Service] into U (value points into the text). */
static void unit_set(struct unit *u, const char *key, char *val)
{
    if (!strcmp(key, "SystemCallFilter")) {
        if (!*val)
            u->nfilter = 0; /* an empty assignment resets the filter */
        else if (u->nfilter < MAX_LINES)
            u->filter[u->nfilter++] = val;
    } else if (!strcmp(key, "SystemCallErrorNumber"))
        u->error_number = val;
    else if (!strcmp(key, "RestrictAddressFamilies"))
        u->families = val;
    else if (!strcmp(key, "RestrictRealtime"))
        u->realtime_restricted = !strcmp(val, "yes") || !strcmp(val, "true");
    else if (!strcmp(key, "LimitNOFILE"))
        u->nofile = val;
    else if (!strcmp(key, "UMask"))
        u->umask = val;
    else if (!strcmp(key, "Environment") && u->nenv < MAX_LINES)
        u->env[u->nenv++] = val;
    else if (!strcmp(key, "ExecStart"))
        u->exec_start = val;
}

/* Parses the unit TEXT in place: continuation lines are joined, comments
 * and other sections skipped. */
static void unit_parse(char *text, struct unit *u)
{
    for (char *p = text; (p = strstr(p, "\\\n"));) /* join continuations */
        p[0] = p[1] = ' ';
    bool service = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        line = trim(line);
        if (*line == '[')
            service = !strcmp(line, "[Service]");
        char *eq = strchr(line, '=');
        if (!service || *line == '#' || *line == ';' || !eq)
            continue;
        *eq = '\0';
        unit_set(u, trim(line), trim(eq + 1));
    }
}

/* The members of GROUP ("@name") as a pointer to the line after its
 * heading, or NULL. */
static const char *group_find(const struct groups *g, const char *group)
{
    size_t n = strlen(group);
    for (const char *p = g->text; p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (!strncmp(p, group, n) && (p[n] == '\n' || p[n] == '\0'))
            return p + n;
    }
    return NULL;
}

static int errno_parse(const char *s)
{
    if (!strcmp(s, "kill"))
        return KILL;
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && !*end && v >= 0 && v <= 4095)
        return (int)v;
    for (int e = 1; e < 4096; e++) {
        const char *name = strerrorname_np(e);
        if (name && !strcmp(name, s))
            return e;
    }
    die("unknown errno %s", s);
}

static void sysset_apply(struct sysset *s, const struct groups *g, const char *name, bool invert,
                         int err, int depth);

/* Every member of GROUP, recursively, with the same sense. */
static void sysset_group(struct sysset *s, const struct groups *g, const char *group, bool invert,
                         int err, int depth)
{
    const char *p = group_find(g, group);
    if (!p)
        die("%s is not in the groups file: regenerate it with tests/tool/syscall_groups.sh", group);
    if (depth > 8)
        die("groups nested too deep at %s", group);
    while (*p == '\n' && (p[1] == ' ' || p[1] == '\t')) {
        const char *end = strchr(p + 1, '\n');
        size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
        char member[128];
        snprintf(member, sizeof(member), "%.*s", (int)n, p + 1);
        char *m = trim(member);
        if (*m && *m != '#')
            sysset_apply(s, g, m, invert, err, depth + 1);
        if (!end)
            break;
        p = end;
    }
}

/* One name of a SystemCallFilter= line: a group or a call.  An entry whose
 * sense agrees with the mode joins the set, otherwise leaves it. */
static void sysset_apply(struct sysset *s, const struct groups *g, const char *name, bool invert,
                         int err, int depth)
{
    if (*name == '@') {
        sysset_group(s, g, name, invert, err, depth);
        return;
    }
    int nr = seccomp_syscall_resolve_name(name);
    if (nr < 0 || nr >= MAX_NR)
        return; /* not a call of this architecture */
    bool add = !invert == s->allow_list;
    s->in_set[nr] = add;
    s->err[nr] = add ? err : NO_ERRNO;
}

/* One SystemCallFilter= value, "~" and ":ERRNO" suffixes included. */
static void sysset_line(struct sysset *s, const struct groups *g, char *line)
{
    bool invert = *line == '~';
    if (invert)
        line++;
    for (char *w = strtok(line, " \t"); w; w = strtok(NULL, " \t")) {
        char *colon = strchr(w, ':');
        int err = NO_ERRNO;
        if (colon) {
            *colon = '\0';
            if (s->allow_list)
                die("%s: an errno is only allowed on a deny list", w);
            err = errno_parse(colon + 1);
        }
        sysset_apply(s, g, w, invert, err, 0);
    }
}

static uint32_t action_of(int err)
{
    return err == KILL || err == NO_ERRNO ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO((uint32_t)err);
}

static void filter_load(scmp_filter_ctx ctx, const char *what)
{
    int rc = ctx ? seccomp_load(ctx) : -ENOMEM;
    if (rc != 0)
        die("cannot load the %s filter", what);
    seccomp_release(ctx);
}

/* SystemCallFilter= and SystemCallErrorNumber= as one seccomp filter. */
static void load_syscall_filter(struct unit *u, const struct groups *g)
{
    if (u->nfilter == 0)
        return;
    struct sysset *s = calloc(1, sizeof(*s));
    s->allow_list = u->filter[0][0] != '~';
    if (s->allow_list)
        sysset_group(s, g, "@default", false, NO_ERRNO, 0);
    for (int i = 0; i < u->nfilter; i++)
        sysset_line(s, g, u->filter[i]);
    int deflt = u->error_number ? errno_parse(u->error_number) : KILL;
    scmp_filter_ctx ctx = seccomp_init(s->allow_list ? action_of(deflt) : SCMP_ACT_ALLOW);
    for (int nr = 0; ctx && nr < MAX_NR; nr++) {
        if (!s->in_set[nr])
            continue;
        uint32_t act = s->allow_list            ? SCMP_ACT_ALLOW
                       : s->err[nr] != NO_ERRNO ? action_of(s->err[nr])
                                                : action_of(deflt);
        if (seccomp_rule_add(ctx, act, nr, 0) != 0)
            die("cannot add call %s", seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr));
    }
    free(s);
    filter_load(ctx, "SystemCallFilter");
}

static int family_parse(const char *name)
{
    static const struct {
        const char *name;
        int af;
    } fams[] = {{"AF_UNIX", AF_UNIX},   {"AF_LOCAL", AF_UNIX},      {"AF_INET", AF_INET},
                {"AF_INET6", AF_INET6}, {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET},
                {"AF_VSOCK", AF_VSOCK}};
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
        if (!strcmp(fams[i].name, name))
            return fams[i].af;
    die("address family %s is not known to this tool", name);
}

/* RestrictAddressFamilies=: socket(family) outside the list fails. */
static void load_families_filter(struct unit *u)
{
    if (!u->families || !*u->families)
        return;
    char *list = u->families;
    bool deny = *list == '~';
    bool listed[AF_MAX] = {false};
    for (char *w = strtok(list + deny, " \t"); w; w = strtok(NULL, " \t"))
        listed[family_parse(w)] = true;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    uint32_t refuse = SCMP_ACT_ERRNO(EAFNOSUPPORT);
    for (int af = 0; ctx && af < AF_MAX; af++)
        if (listed[af] == deny &&
            seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, af)) != 0)
            die("cannot add a rule for socket() (%s)", "RestrictAddressFamilies");
    if (ctx && !deny &&
        seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GE, AF_MAX)) != 0)
        die("cannot add a rule for socket() (%s)", "RestrictAddressFamilies");
    filter_load(ctx, "RestrictAddressFamilies");
}

/* RestrictRealtime=yes: no real-time scheduling policy. */
static void load_realtime_filter(struct unit *u)
{
    if (!u->realtime_restricted)
        return;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    static const int policies[] = {SCHED_FIFO, SCHED_RR, SCHED_DEADLINE};
    uint64_t mask = 0xffffffffu & ~(uint64_t)SCHED_RESET_ON_FORK;
    for (size_t i = 0; ctx && i < 3; i++)
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(sched_setscheduler), 1,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, mask, (uint64_t)policies[i])) != 0)
            die("cannot add a rule for %s", "sched_setscheduler");
    filter_load(ctx, "RestrictRealtime");
}

/* LimitNOFILE= (N or SOFT:HARD) and UMask=, before any filter. */
static void apply_limits(struct unit *u)
{
    if (u->umask)
        umask((mode_t)strtoul(u->umask, NULL, 8));
    if (!u->nofile)
        return;
    char *colon = strchr(u->nofile, ':');
    struct rlimit rl;
    rl.rlim_cur = strtoull(u->nofile, NULL, 10);
    rl.rlim_max = colon ? strtoull(colon + 1, NULL, 10) : rl.rlim_cur;
    struct rlimit now;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && errno == EPERM &&
        getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_max < rl.rlim_max) {
        /* systemd raises it as PID 1; here the hard limit is the ceiling */
        fprintf(stderr, "seccomp_run: LimitNOFILE=%s above this machine's hard limit %llu\n",
                u->nofile, (unsigned long long)now.rlim_max);
        rl.rlim_cur = rl.rlim_max = now.rlim_max;
    }
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("cannot set LimitNOFILE=%s", u->nofile);
}

/* Becomes the account NAME, as User= would. */
static void switch_user(const char *name)
{
    struct passwd *pw = getpwnam(name);
    if (!pw)
        die("no account %s", name);
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        die("cannot become %s", name);
}

/* Environment=: each NAME=VALUE set in this process (and so in CMD). */
static void apply_environment(struct unit *u)
{
    for (int i = 0; i < u->nenv; i++)
        for (char *a = strtok(u->env[i], " \t"); a; a = strtok(NULL, " \t")) {
            char *eq = strchr(a, '=');
            if (!eq)
                die("Environment=%s is not NAME=VALUE", a);
            *eq = '\0';
            setenv(a, eq + 1, 1);
        }
}

/* ExecStart= with ${VAR} replaced from Environment=, one word a line. */
static int print_exec_args(struct unit *u)
{
    if (!u->exec_start)
        die("%s", "the unit has no ExecStart=");
    apply_environment(u);
    for (char *w = strtok(u->exec_start, " \t"); w; w = strtok(NULL, " \t")) {
        char name[128];
        if (sscanf(w, "${%127[A-Za-z0-9_]}", name) == 1 && w[strlen(name) + 2] == '}') {
            const char *v = getenv(name);
            printf("%s\n", v ? v : "");
        } else
            printf("%s\n", w);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *groups_path = NULL, *user = NULL;
    int i = 1;
    if (argc > 2 && !strcmp(argv[1], "--exec-args")) {
        struct unit u = {0};
        unit_parse(slurp(argv[2]), &u);
        return print_exec_args(&u);
    }
    if (argc > i + 1 && !strcmp(argv[i], "--groups")) {
        groups_path = argv[i + 1];
        i += 2;
    }
    if (argc > i + 1 && !strcmp(argv[i], "--user")) {
        user = argv[i + 1];
        i += 2;
    }
    if (argc < i + 3 || strcmp(argv[i + 1], "--"))
        die("%s", "usage: seccomp_run --groups FILE [--user NAME] UNIT -- CMD ARGS... | "
                  "--exec-args UNIT");
    if (!groups_path)
        die("%s", "--groups FILE is needed (tests/tool/syscall-groups.txt)");
    struct unit u = {0};
    unit_parse(slurp(argv[i]), &u);
    struct groups g = {slurp(groups_path)};
    apply_limits(&u);
    apply_environment(&u);
    if (user)
        switch_user(user);
    load_families_filter(&u);
    load_realtime_filter(&u);
    load_syscall_filter(&u, &g);
    execv(argv[i + 2], argv + i + 2);
    return 127; /* execv itself is allowed by every filter; this is ENOENT */
}
