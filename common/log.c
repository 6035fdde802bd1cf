/*
 * common/log.c - leveled logging to stderr (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_verbosity = 2;

void log_open(int verbosity)
{
    log_verbosity = verbosity;
}

static void log_vwrite(int prio, int level, const char *word, const char *fmt, va_list ap,
                       const char *suffix)
{
    if (level > log_verbosity)
        return;
    char buf[2048];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "musterd: %s: %s%s%s\n", word, buf, suffix ? ": " : "",
                suffix ? suffix : "");
    else
        fprintf(stderr, "<%d>%s%s%s\n", prio, buf, suffix ? ": " : "", suffix ? suffix : "");
}

#define LOG_BODY(prio, level, word, suffix)                                                        \
    do {                                                                                           \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_vwrite(prio, level, word, fmt, ap, suffix);                                            \
        va_end(ap);                                                                                \
    } while (0)

void log_notice(const char *fmt, ...)
{
    LOG_BODY(5, 2, "notice", NULL);
}

void log_info(const char *fmt, ...)
{
    LOG_BODY(6, 2, "info", NULL);
}

void log_debug(const char *fmt, ...)
{
    LOG_BODY(7, 3, "debug", NULL);
}

void log_warn(const char *fmt, ...)
{
    const char *e = strerror(errno);
    LOG_BODY(4, 1, "warning", e);
}

void log_warnx(const char *fmt, ...)
{
    LOG_BODY(4, 1, "warning", NULL);
}

void log_error(const char *fmt, ...)
{
    LOG_BODY(3, 0, "error", NULL);
}

void fatal(const char *fmt, ...)
{
    const char *e = strerror(errno);
    LOG_BODY(2, 0, "fatal", e);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    LOG_BODY(2, 0, "fatal", NULL);
    exit(1);
}
