/*
 * daemon/channel_exec.c - the exec channel: run the contact's command
 * (no shell) with the page on stdin and in a clean environment.
 *
 * Each delivery owns a child process (its own process group, so a timeout
 * kills the whole group), a socket for the child's stdin (written with
 * MSG_NOSIGNAL, so a child that never reads cannot raise SIGPIPE), a pipe
 * for its combined stdout and stderr (the first CHANNEL_OUTPUT_MAX bytes
 * are kept for the failure detail, the rest is read and dropped so a
 * chatty child never blocks), and a timer (the exec timeout, or the
 * deferred report of a failed spawn).  The outcome is decided when the
 * child has been reaped, never on end of output: a background grandchild
 * holding the pipe open must not delay the page.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel_int.h"
#include "log.h"

#define EXEC_DRAIN_MAX (64 * 1024) /* bytes read at exit before giving up */

static int exec_check(const struct page_msg *msg, const struct plan_paging *paging)
{
    if (msg->target == NULL || msg->target[0] != '/')
        return -EINVAL;
    if (paging->exec_timeout_ms <= 0)
        return -EINVAL;
    return 0;
}

/* ---- environment and argv ---- */

static char *env_pair(const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *s = malloc(len);
    if (s != NULL)
        snprintf(s, len, "%s=%s", name, value);
    return s;
}

static void env_free(char **env)
{
    for (size_t i = 0; env[i] != NULL; i++)
        free(env[i]);
}

/* Fill env (room for 12) with the clean environment.  0 or -ENOMEM. */
static int env_build(const struct page_copy *m, char **env)
{
    char id[24], level[16];
    snprintf(id, sizeof(id), "%lld", (long long)m->id);
    snprintf(level, sizeof(level), "%d", m->level);
    const char *pairs[][2] = {
        {"PATH", "/usr/bin:/bin"},
        {"MUSTER_PAGE_ID", id},
        {"MUSTER_INCIDENT", m->incident_ref},
        {"MUSTER_LEVEL", level},
        {"MUSTER_EXERCISE", m->exercise ? "1" : "0"},
        {"MUSTER_AGENCY", m->agency_id},
        {"MUSTER_CONTACT", m->contact_name},
        {"MUSTER_TARGET", m->target},
        {"MUSTER_ACK_CODE", m->ack_code},
        {"MUSTER_SUBJECT", m->subject},
        {"MUSTER_TEXT", m->text},
    };
    size_t n = sizeof(pairs) / sizeof(pairs[0]);
    for (size_t i = 0; i < n; i++) {
        env[i + 1] = NULL;
        if ((env[i] = env_pair(pairs[i][0], pairs[i][1])) == NULL) {
            env_free(env);
            return -ENOMEM;
        }
    }
    return 0;
}

/* argv = [target, args..., NULL], pointing into d's copies. */
static char **argv_build(const struct page_copy *m)
{
    size_t n = 0;
    while (m->args[n] != NULL)
        n++;
    char **argv = calloc(n + 2, sizeof(*argv));
    if (argv == NULL)
        return NULL;
    argv[0] = m->target;
    memcpy(argv + 1, m->args, n * sizeof(*argv));
    return argv;
}

/* ---- closing ---- */

static void in_close(struct exec_state *x)
{
    if (x->in_poll_open) {
        x->in_poll_open = false;
        uv_close((uv_handle_t *)&x->in_poll, delivery_handle_closed);
    }
    if (x->in_fd >= 0) {
        close(x->in_fd); /* the poll was stopped by uv_close above */
        x->in_fd = -1;
    }
}

static void out_close(struct exec_state *x)
{
    if (x->out_open) {
        x->out_open = false;
        uv_close((uv_handle_t *)&x->out, delivery_handle_closed);
    }
}

/* Close every handle that can be closed now; the process handle waits
 * for the child to be reaped (closing it earlier would leave a zombie). */
static void exec_close_handles(struct delivery *d)
{
    struct exec_state *x = &d->u.exec;
    in_close(x);
    out_close(x);
    if (x->timer_open) {
        x->timer_open = false;
        uv_close((uv_handle_t *)&x->timer, delivery_handle_closed);
    }
    if (x->proc_open && !x->proc_running) {
        x->proc_open = false;
        uv_close((uv_handle_t *)&x->proc, delivery_handle_closed);
    }
}

static void exec_kill(struct exec_state *x)
{
    if (!x->proc_running)
        return;
    kill(-x->proc.pid, SIGKILL);        /* its process group (UV_PROCESS_DETACHED) */
    uv_process_kill(&x->proc, SIGKILL); /* and the child, should it have left it */
}

static void exec_teardown(struct delivery *d)
{
    exec_kill(&d->u.exec);
    exec_close_handles(d);
}

/* ---- stdin ---- */

static void in_poll_cb(uv_poll_t *h, int status, int events);

/* Write as much of the page JSON as the socket takes; close our end when
 * all is written or the child does not want it (EPIPE: not an error). */
static void in_write(struct delivery *d)
{
    struct exec_state *x = &d->u.exec;
    const char *buf = d->msg.json;
    size_t len = strlen(buf);
    while (x->in_off < len) {
        ssize_t n = send(x->in_fd, buf + x->in_off, len - x->in_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            x->in_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!x->in_poll_open) {
                if (uv_poll_init(d->ch->loop, &x->in_poll, x->in_fd) != 0)
                    break;
                x->in_poll.data = d;
                x->in_poll_open = true;
                delivery_handle_opened(d);
            }
            if (uv_poll_start(&x->in_poll, UV_WRITABLE, in_poll_cb) == 0)
                return;
            break;
        } else {
            break;
        }
    }
    in_close(x);
}

static void in_poll_cb(uv_poll_t *h, int status, int events)
{
    struct delivery *d = h->data;
    if (status < 0)
        in_close(&d->u.exec);
    else
        in_write(d);
}

/* ---- stdout and stderr ---- */

static void out_keep(struct exec_state *x, const char *buf, size_t len)
{
    size_t room = CHANNEL_OUTPUT_MAX - x->outlen;
    size_t n = len < room ? len : room;
    memcpy(x->output + x->outlen, buf, n);
    x->outlen += n;
    x->output[x->outlen] = '\0';
}

static void out_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct delivery *d = h->data;
    buf->base = d->u.exec.scratch;
    buf->len = sizeof(d->u.exec.scratch);
}

static void out_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct delivery *d = s->data;
    if (n > 0)
        out_keep(&d->u.exec, buf->base, (size_t)n);
    else if (n < 0)
        out_close(&d->u.exec); /* UV_EOF or an error: either way we are done */
}

/* The child is dead: whatever it wrote is in the pipe; read it now. */
static void out_drain(struct exec_state *x)
{
    if (!x->out_open)
        return;
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&x->out, &fd) != 0)
        return;
    char buf[4096];
    size_t total = 0;
    while (total < EXEC_DRAIN_MAX && x->outlen < CHANNEL_OUTPUT_MAX) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out_keep(x, buf, (size_t)n);
        total += (size_t)n;
    }
}

/* ---- the child ---- */

/* "exit status 3: first line of output" */
static void exit_detail(struct exec_state *x, int64_t status, char *detail, size_t size)
{
    size_t line = strcspn(x->output, "\r\n");
    char first[CHANNEL_OUTPUT_MAX + 1];
    channel_printable(first, sizeof(first), x->output, line);
    if (first[0] != '\0')
        snprintf(detail, size, "exit status %lld: %s", (long long)status, first);
    else
        snprintf(detail, size, "exit status %lld", (long long)status);
}

/* A program that delivered and said something (a gateway's message id, a
 * dry run's "would send"): its first line goes to the log at info. */
static void exit_ok_log(struct delivery *d)
{
    struct exec_state *x = &d->u.exec;
    char first[CHANNEL_OUTPUT_MAX + 1];
    channel_printable(first, sizeof(first), x->output, strcspn(x->output, "\r\n"));
    if (first[0] != '\0')
        log_info("paging: page %lld delivered by %s: %s", (long long)d->msg.id, d->msg.target,
                 first);
}

static void exit_cb(uv_process_t *proc, int64_t exit_status, int term_signal)
{
    struct delivery *d = proc->data;
    struct exec_state *x = &d->u.exec;
    char detail[CHANNEL_DETAIL_MAX];
    x->proc_running = false;
    if (d->finished) { /* cancelled: only the handles are left */
        exec_close_handles(d);
        return;
    }
    out_drain(x);
    if (x->kill_status != 0) {
        snprintf(detail, sizeof(detail), "killed after %lld ms",
                 (long long)d->paging.exec_timeout_ms);
        delivery_finish(d, x->kill_status, detail);
    } else if (term_signal != 0) {
        snprintf(detail, sizeof(detail), "killed by signal %d", term_signal);
        delivery_finish(d, -EIO, detail);
    } else if (exit_status == 0) {
        exit_ok_log(d);
        delivery_finish(d, 0, "exit status 0");
    } else {
        exit_detail(x, exit_status, detail, sizeof(detail));
        delivery_finish(d, -EIO, detail);
    }
}

/* The exec timeout, or the deferred report of a spawn failure. */
static void timer_cb(uv_timer_t *t)
{
    struct delivery *d = t->data;
    struct exec_state *x = &d->u.exec;
    if (x->spawn_err != 0) {
        char detail[CHANNEL_DETAIL_MAX];
        snprintf(detail, sizeof(detail), "cannot run %s: %s", d->msg.target,
                 strerror(-x->spawn_err));
        delivery_finish(d, x->spawn_err, detail);
        return;
    }
    x->kill_status = -ETIMEDOUT; /* reported when the child is reaped */
    exec_kill(x);
}

static int spawn_child(struct delivery *d, int in_fd, int out_fd, char **env)
{
    struct exec_state *x = &d->u.exec;
    char **argv = argv_build(&d->msg);
    if (argv == NULL)
        return -ENOMEM;
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_INHERIT_FD, .data.fd = in_fd},
        {.flags = UV_INHERIT_FD, .data.fd = out_fd},
        {.flags = UV_INHERIT_FD, .data.fd = out_fd},
    };
    uv_process_options_t opts = {
        .exit_cb = exit_cb,
        .file = d->msg.target,
        .args = argv,
        .env = env,
        .flags = UV_PROCESS_DETACHED, /* setsid: its own process group */
        .stdio_count = 3,
        .stdio = stdio,
    };
    int rc = uv_spawn(d->ch->loop, &x->proc, &opts);
    /* The handle is initialised even when uv_spawn fails. */
    x->proc.data = d;
    x->proc_open = true;
    x->proc_running = rc == 0;
    delivery_handle_opened(d);
    free(argv);
    return rc;
}

/* Create the stdin socket and the output pipe; *child_in and *child_out
 * are the child's ends, to close after the spawn. */
static int exec_fds(struct delivery *d, int *child_in, int *child_out)
{
    struct exec_state *x = &d->u.exec;
    int in[2], out[2], rc;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
        return -errno;
    if ((rc = uv_pipe(out, UV_NONBLOCK_PIPE, 0)) != 0) {
        close(in[0]);
        close(in[1]);
        return rc;
    }
    x->in_fd = in[0];
    *child_in = in[1];
    *child_out = out[1];
    if ((rc = uv_pipe_init(d->ch->loop, &x->out, 0)) != 0) {
        close(out[0]);
        return rc;
    }
    x->out.data = d;
    x->out_open = true;
    delivery_handle_opened(d);
    if ((rc = uv_pipe_open(&x->out, out[0])) != 0)
        close(out[0]);
    return rc;
}

static int exec_run(struct delivery *d, char **env)
{
    struct exec_state *x = &d->u.exec;
    int child_in = -1, child_out = -1;
    int rc = exec_fds(d, &child_in, &child_out);
    if (rc == 0) {
        rc = spawn_child(d, child_in, child_out, env);
        if (rc != 0) { /* ENOENT, EACCES...: reported from the loop */
            x->spawn_err = rc;
            rc = uv_timer_start(&x->timer, timer_cb, 0, 0);
        } else {
            in_write(d);
            rc = uv_read_start((uv_stream_t *)&x->out, out_alloc_cb, out_read_cb);
            if (rc == 0)
                rc = uv_timer_start(&x->timer, timer_cb, (uint64_t)d->paging.exec_timeout_ms, 0);
        }
    }
    if (child_in >= 0)
        close(child_in);
    if (child_out >= 0)
        close(child_out);
    return rc;
}

static int exec_start(struct delivery *d)
{
    struct exec_state *x = &d->u.exec;
    x->in_fd = -1;
    int rc = uv_timer_init(d->ch->loop, &x->timer);
    if (rc != 0)
        return rc;
    x->timer.data = d;
    x->timer_open = true;
    delivery_handle_opened(d);
    char *env[12];
    if ((rc = env_build(&d->msg, env)) != 0)
        return rc;
    rc = exec_run(d, env);
    env_free(env);
    return rc;
}

const struct channel_backend channel_exec_backend = {
    .name = "exec",
    .check = exec_check,
    .start = exec_start,
    .teardown = exec_teardown,
};
