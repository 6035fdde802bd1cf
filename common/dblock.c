/*
 * common/dblock.c - the one-writer lock beside the database (see dblock.h).
 *
 * Why an OFD lock and not a pid file: a pid file goes stale when its
 * daemon is killed, and a pid that looks alive may be any other program
 * after a reboot or on the other node.  An open file description lock
 * lives exactly as long as the process holding it (the descriptor is
 * close-on-exec, so a paging child holds it only between its fork and its
 * exec: musterd waits a moment for that, main.c), and F_OFD_SETLK refuses
 * at once instead of waiting.  The pid and host written in the
 * file are only for the refusal message.
 */
#include "dblock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct dblock {
    int fd;
    char path[4096];
};

/* Try the whole-file write lock: 0, -EBUSY when someone holds it, or
 * -errno. */
static int lock_try(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    return errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
}

/* The holder's line from the file, or "an unknown process", and where
 * the lock file is. */
static void holder_read(const struct dblock *l, char *holder, size_t len)
{
    char buf[512];
    ssize_t n = pread(l->fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    snprintf(holder, len, "%s (lock file %s)", buf[0] ? buf : "an unknown process", l->path);
}

/* FILE.lock beside the database, the database named by its real path
 * when it exists, so that a second name for the same file (a symbolic
 * link) finds the same lock. */
static void lock_path(const char *db_path, char *path, size_t len)
{
    char *real = realpath(db_path, NULL);
    snprintf(path, len, "%s.lock", real ? real : db_path);
    free(real);
}

/* Replace the file's text with "pid N on host H since T". */
static int holder_write(int fd)
{
    char host[256] = "unknown", when[32], line[512];
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "unknown");
    host[sizeof(host) - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    int n =
        snprintf(line, sizeof(line), "pid %ld on host %s since %s\n", (long)getpid(), host, when);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n)
        return -errno;
    return 0;
}

int dblock_open(const char *db_path, struct dblock **out, char *holder, size_t holderlen)
{
    struct dblock *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    lock_path(db_path, l->path, sizeof(l->path));
    l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = l->fd < 0 ? -errno : lock_try(l->fd);
    if (rc == -EBUSY)
        holder_read(l, holder, holderlen);
    else if (rc == 0)
        rc = holder_write(l->fd);
    if (rc != 0) {
        dblock_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

const char *dblock_path(const struct dblock *l)
{
    return l->path;
}

void dblock_free(struct dblock *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd); /* the last descriptor of the description: the lock goes */
    free(l);
}
