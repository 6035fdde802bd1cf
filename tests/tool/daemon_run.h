/*
 * tests/tool/daemon_run.h - start musterd the way systemd does and wait for
 * its sd_notify READY, stop it and wait for it to exit.  The one copy of
 * this code: the black-box tests' tool (`mtest start|stop`) and the
 * benchmark's (`mbench start|stop`) both link it, and both are driven by
 * tests/tool/daemon_run.sh.  Errors are negative errno values.
 */
#ifndef MUSTER_TOOL_DAEMON_RUN_H
#define MUSTER_TOOL_DAEMON_RUN_H

#include <stddef.h>
#include <sys/types.h>

/* A daemon daemon_run_start has started. */
struct daemon_run {
    pid_t pid;       /* its pid, also when it did not become ready */
    double ready_ms; /* milliseconds from fork to READY=1 */
};

/* Start argv[0] with argv (NULL-terminated) in a session of its own, its
 * stdout and stderr appended to log, NOTIFY_SOCKET naming a datagram
 * socket bound at notify (an old file there is replaced), and wait at most
 * wait_ms for READY=1.  Returns 0 once it is ready (r says who and when);
 * otherwise a negative errno with a message in err: -ECHILD when it ended
 * first (it has been reaped: the message says how it ended), -ETIMEDOUT
 * when it was not ready in time (it has been killed), or the error of
 * binding the notify socket. */
int daemon_run_start(const char *notify, const char *log, char *const argv[], int wait_ms,
                     struct daemon_run *r, char *err, size_t errlen);

/* Send sig to pid and, unless sig is SIGHUP (a reload), wait at most
 * wait_ms for it to exit.  Returns 0, -ESRCH when there is no such
 * process, or -ETIMEDOUT when it did not exit in time. */
int daemon_run_stop(pid_t pid, int sig, int wait_ms);

/* The signal named TERM, KILL, INT or HUP; SIGTERM for any other name. */
int daemon_run_signal(const char *name);

/* The tools' commands.  "start NOTIFY_SOCKET LOG CMD ARGS..." prints
 * "PID MS" (MS: fork to READY) once the daemon is ready; "stop PID
 * TERM|KILL|INT|HUP" signals and waits as daemon_run_stop does.  tool
 * prefixes every message; argv[0] is the command's name.  Each returns the
 * tool's exit status (0 or 1). */
int daemon_run_start_cmd(const char *tool, int argc, char **argv, int wait_ms);
int daemon_run_stop_cmd(const char *tool, int argc, char **argv, int wait_ms);

#endif
