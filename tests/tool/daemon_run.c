/*
 * tests/tool/daemon_run.c - start musterd and wait for its sd_notify READY,
 * stop it and wait for its exit: the code `mtest start|stop` and `mbench
 * start|stop` share (see daemon_run.h).  No test sleeps to synchronise with
 * the daemon: READY is the signal systemd itself waits for, and a pidfd
 * says when the process has gone.
 */
#include "daemon_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

static int pidfd(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A datagram socket bound at path (an old file there is removed), or a
 * negative errno. */
static int notify_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

/* In the child: the daemon's output to log, its notify socket, its own
 * session; never returns. */
static void exec_daemon(const char *notify, const char *log, char *const argv[])
{
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv("NOTIFY_SOCKET", notify, 1);
    setsid();
    execv(argv[0], argv);
    _exit(127);
}

/* Reap pid, which ended before READY, and say how it ended (bb_unit tells
 * a SIGSYS from a crash). */
static int ended_early(pid_t pid, const char *log, char *err, size_t errlen)
{
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        snprintf(err, errlen, "musterd was killed by signal %d (%s) before it was ready (see %s)",
                 WTERMSIG(st), strsignal(WTERMSIG(st)), log);
    else
        snprintf(err, errlen, "musterd exited with %d before it was ready (see %s)",
                 WEXITSTATUS(st), log);
    return -ECHILD;
}

/*
 * Wait for READY=1 on fd from pid, until deadline.  Two things can come
 * first: a datagram (READY, or STATUS= and the like, which are read and
 * ignored) or the process's end, seen through its pidfd.  The end is
 * looked at first, so a daemon that has gone is never reported ready even
 * when its READY is still queued.  Every poll waits only for what is left
 * of one deadline, so a chatty daemon cannot stretch it.
 */
static int wait_ready(int fd, pid_t pid, double deadline, const char *log, char *err, size_t errlen)
{
    int pfd = pidfd(pid), rc = -ETIMEDOUT;
    struct pollfd p[2] = {{fd, POLLIN, 0}, {pfd, POLLIN, 0}};
    char buf[256];
    double left;
    while (rc == -ETIMEDOUT && (left = deadline - now_ms()) > 0 && poll(p, 2, (int)left + 1) > 0) {
        if (p[1].revents) {
            rc = ended_early(pid, log, err, errlen);
        } else if (p[0].revents) {
            ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
            buf[n > 0 ? n : 0] = '\0';
            if (strstr(buf, "READY=1"))
                rc = 0;
        }
    }
    if (pfd >= 0)
        close(pfd);
    return rc;
}

int daemon_run_start(const char *notify, const char *log, char *const argv[], int wait_ms,
                     struct daemon_run *r, char *err, size_t errlen)
{
    int fd = notify_socket(notify);
    if (fd < 0) {
        snprintf(err, errlen, "cannot bind the notify socket %s: %s", notify, strerror(-fd));
        return fd;
    }
    double t0 = now_ms();
    r->pid = fork();
    if (r->pid == 0)
        exec_daemon(notify, log, argv);
    int rc = r->pid < 0 ? -errno : wait_ready(fd, r->pid, t0 + wait_ms, log, err, errlen);
    r->ready_ms = now_ms() - t0;
    close(fd);
    if (r->pid < 0)
        snprintf(err, errlen, "cannot fork: %s", strerror(-rc));
    if (rc == -ETIMEDOUT) {
        kill(r->pid, SIGKILL);
        snprintf(err, errlen, "musterd did not become ready (see %s)", log);
    }
    return rc;
}

int daemon_run_stop(pid_t pid, int sig, int wait_ms)
{
    int fd = pidfd(pid);
    if (fd < 0)
        return -ESRCH;
    kill(pid, sig);
    struct pollfd p = {fd, POLLIN, 0};
    int rc = sig == SIGHUP || poll(&p, 1, wait_ms) == 1 ? 0 : -ETIMEDOUT;
    close(fd);
    return rc;
}

int daemon_run_signal(const char *name)
{
    return !strcmp(name, "KILL")  ? SIGKILL
           : !strcmp(name, "INT") ? SIGINT
           : !strcmp(name, "HUP") ? SIGHUP
                                  : SIGTERM;
}

int daemon_run_start_cmd(const char *tool, int argc, char **argv, int wait_ms)
{
    struct daemon_run r;
    char err[512];
    if (argc < 4) {
        fprintf(stderr, "%s: usage: start NOTIFY_SOCKET LOG CMD ARGS...\n", tool);
        return 1;
    }
    if (daemon_run_start(argv[1], argv[2], argv + 3, wait_ms, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", tool, err);
        return 1;
    }
    printf("%d %.1f\n", (int)r.pid, r.ready_ms);
    return 0;
}

int daemon_run_stop_cmd(const char *tool, int argc, char **argv, int wait_ms)
{
    if (argc != 3) {
        fprintf(stderr, "%s: usage: stop PID TERM|KILL|INT|HUP\n", tool);
        return 1;
    }
    pid_t pid = (pid_t)atoi(argv[1]);
    int rc = daemon_run_stop(pid, daemon_run_signal(argv[2]), wait_ms);
    if (rc == -ESRCH)
        fprintf(stderr, "%s: no process %d\n", tool, (int)pid);
    else if (rc != 0)
        fprintf(stderr, "%s: process %d did not exit\n", tool, (int)pid);
    return rc ? 1 : 0;
}
