/*
 * common/log.h - leveled logging to stderr in a form journald understands.
 *
 * Each line starts with a syslog priority prefix ("<3>", "<4>", "<6>", "<7>")
 * when stderr is not a terminal, so journald records the level; on a
 * terminal the level is written as a word instead.
 */
#ifndef MUSTER_LOG_H
#define MUSTER_LOG_H

#include <stdnoreturn.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set the lowest level written: 0 errors only, 1 warnings, 2 info, 3 debug. */
void log_open(int verbosity);

/* A lifecycle event a commander wants in the journal (standup, alarm
 * raised...): written at the default verbosity with priority notice.
 * Never personal data. */
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Info and debug messages. */
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Warning; log_warn appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Error that the daemon survives. */
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Unrecoverable: log and exit(1). fatal appends strerror(errno). */
noreturn void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
