/*
 * tests/test_channel.c - tests for daemon/channel*.c: the exec, webhook
 * and email channels against real child processes, a real HTTP receiver
 * and a real SMTP receiver (tests/receivers/), never mocks.
 *
 * Usage: test_channel TESTS_PLANS_DIR (the receivers are found at
 * TESTS_PLANS_DIR/../receivers).  Every test runs its own loop until the
 * callbacks it waits for have fired (a bounded guard timer is only a safety
 * net) and ends with channels_close, running the loop dry and
 * uv_loop_close(loop) == 0, so a leaked handle fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <uv.h>

#include "channel.h"

#define GUARD_MS 20000 /* no single wait in these tests comes near this */

/* ---- the environment shared by all tests ---- */

struct receiver {
    pid_t pid;
    int port;
    char log[PATH_MAX];
};

static const char *plans_dir;
static char tmpdir[64];
static struct receiver http_rx, smtp_rx;
static char http_base[64], smtp_url[64];

static const char page_json[] =
    "{\"page_id\":42,\"incident\":\"CAMB-2026-0001\",\"exercise\":true}";
static const char page_text[] = "EXERCISE EXERCISE EXERCISE\n"
                                "Major incident CAMB-2026-0001 declared at level 2.\n"
                                ".\n"
                                "Acknowledge with K7Q2MX4P\n";
static const char page_subject[] = "EXERCISE EXERCISE EXERCISE: major incident CAMB-2026-0001";

static char *path_in_tmp(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* The whole file as a string (caller frees), or NULL if missing. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t n;
    while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0)
            s = realloc(s, cap *= 2);
    }
    s[len] = '\0';
    fclose(f);
    return s;
}

static long read_pid(const char *path)
{
    char *s = read_file(path);
    long pid = s != NULL ? strtol(s, NULL, 10) : 0;
    free(s);
    return pid;
}

static void write_scripts(void)
{
    static const struct {
        const char *name, *body;
        mode_t mode;
    } scripts[] = {
        {"ok.sh", "#!/bin/sh\nexit 0\n", 0755},
        {"fail3.sh", "#!/bin/sh\necho 'first line of trouble'\necho second >&2\nexit 3\n", 0755},
        {"hang.sh",
         "#!/bin/sh\nsleep 60 &\necho $! > \"$2.tmp\"; mv \"$2.tmp\" \"$2\"\n"
         "echo $$ > \"$1.tmp\"; mv \"$1.tmp\" \"$1\"\nwait\n",
         0755},
        {"capture.sh", "#!/bin/sh\ncat > \"$1.stdin\"\nenv > \"$1.env\"\nexit 0\n", 0755},
        {"signal.sh", "#!/bin/sh\nkill -KILL $$\n", 0755},
        {"chatty.sh",
         "#!/bin/sh\necho 'chatty first'\nyes 'more output' | head -c 5000000\n"
         "exit 4\n",
         0755},
        {"noexec.sh", "#!/bin/sh\nexit 0\n", 0644},
    };
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
        write_file(path_in_tmp(path, sizeof(path), scripts[i].name), scripts[i].body,
                   scripts[i].mode);
}

/* Start python3 receivers/<script> LOG; its first stdout line is the port. */
static void receiver_start(struct receiver *rx, const char *script, const char *logname)
{
    char prog[PATH_MAX];
    snprintf(prog, sizeof(prog), "%s/../receivers/%s", plans_dir, script);
    path_in_tmp(rx->log, sizeof(rx->log), logname);
    int p[2];
    assert_int_equal(pipe(p), 0);
    rx->pid = fork();
    assert_true(rx->pid >= 0);
    if (rx->pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        execlp("python3", "python3", prog, rx->log, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[32] = "";
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    rx->port = atoi(line);
    assert_true(rx->port > 0);
}

static void receiver_stop(struct receiver *rx)
{
    if (rx->pid > 0) {
        kill(rx->pid, SIGTERM);
        waitpid(rx->pid, NULL, 0);
        rx->pid = 0;
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int group_setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_channel.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    write_scripts();
    uv_loop_t warmup; /* libuv's process-wide signal pipe, opened once */
    uv_loop_init(&warmup);
    uv_loop_close(&warmup);
    receiver_start(&http_rx, "http_receiver.py", "http.log");
    receiver_start(&smtp_rx, "smtp_receiver.py", "smtp.log");
    snprintf(http_base, sizeof(http_base), "http://127.0.0.1:%d", http_rx.port);
    snprintf(smtp_url, sizeof(smtp_url), "smtp://127.0.0.1:%d", smtp_rx.port);
    return 0;
}

static int group_teardown(void **state)
{
    receiver_stop(&http_rx);
    receiver_stop(&smtp_rx);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- one loop and one struct channels per test ---- */

/* Open descriptors, to prove a test closed all it opened. */
static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

struct fixture {
    int fds; /* open before the test */
    uv_loop_t loop;
    uv_timer_t guard; /* safety net: a wait that takes this long fails */
    uv_timer_t tick;  /* wakes the loop to re-check outside conditions */
    struct channels *ch;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->fds = count_fds();
    assert_int_equal(uv_loop_init(&f->loop), 0);
    uv_timer_init(&f->loop, &f->guard);
    uv_timer_init(&f->loop, &f->tick);
    assert_int_equal(channels_open(&f->loop, NULL, &f->ch), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    channels_close(f->ch);
    assert_int_equal(channel_in_flight(f->ch), 0);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_close((uv_handle_t *)&f->tick, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    channels_free(f->ch);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    assert_int_equal(count_fds(), f->fds);
    free(f);
    return 0;
}

static void guard_cb(uv_timer_t *t)
{
    *(bool *)t->data = true;
}

static void tick_cb(uv_timer_t *t)
{
}

/* Run the loop until pred(arg) holds; fail after GUARD_MS. */
static void run_until(struct fixture *f, bool (*pred)(void *), void *arg)
{
    bool expired = false;
    f->guard.data = &expired;
    uv_timer_start(&f->guard, guard_cb, GUARD_MS, 0);
    uv_timer_start(&f->tick, tick_cb, 10, 10);
    while (!pred(arg) && !expired)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_timer_stop(&f->guard);
    uv_timer_stop(&f->tick);
    assert_false(expired);
}

/* ---- outcomes ---- */

struct outcome {
    int calls;
    int64_t id;
    int status;
    char detail[256];
};

static void done_cb(void *arg, int64_t page_id, int status, const char *detail)
{
    struct outcome *o = arg;
    o->calls++;
    o->id = page_id;
    o->status = status;
    snprintf(o->detail, sizeof(o->detail), "%s", detail);
}

static bool called(void *arg)
{
    return ((struct outcome *)arg)->calls > 0;
}

struct outcomes {
    struct outcome *o;
    size_t n;
};

static bool all_called(void *arg)
{
    struct outcomes *os = arg;
    for (size_t i = 0; i < os->n; i++)
        if (os->o[i].calls == 0)
            return false;
    return true;
}

static bool file_exists(void *arg)
{
    return access(arg, F_OK) == 0;
}

/* The process is gone: reaped, or a zombie waiting for init. */
static bool pid_gone(void *arg)
{
    long pid = *(long *)arg;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    char *s = read_file(path);
    char *p = s != NULL ? strrchr(s, ')') : NULL;
    bool zombie = p != NULL && p[1] == ' ' && p[2] == 'Z';
    free(s);
    return s == NULL || zombie;
}

static struct page_msg page(int64_t id, const char *target)
{
    return (struct page_msg){
        .id = id,
        .incident_ref = "CAMB-2026-0001",
        .level = 2,
        .exercise = true,
        .agency_id = "mental-health",
        .contact_name = "Duty nurse",
        .target = target,
        .ack_code = "K7Q2MX4P",
        .subject = page_subject,
        .text = page_text,
        .json = page_json,
    };
}

static struct plan_paging paging(void)
{
    return (struct plan_paging){
        .ack_wait_ms = 600000,
        .exec_timeout_ms = 10000,
        .webhook_timeout_ms = 5000,
        .webhook_retries = 2,
        .webhook_backoff_ms = 20,
        .smtp_url = smtp_url,
        .email_from = "muster@force.example",
    };
}

/* Send and run until the callback; returns the outcome. */
static struct outcome send_wait(struct fixture *f, enum plan_channel channel,
                                const struct page_msg *msg, const struct plan_paging *pg)
{
    struct outcome o = {0};
    assert_int_equal(channel_send(f->ch, channel, msg, pg, done_cb, &o), 0);
    assert_int_equal(o.calls, 0); /* never from inside channel_send */
    assert_int_equal(channel_in_flight(f->ch), 1);
    run_until(f, called, &o);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.id, msg->id);
    assert_int_equal(channel_in_flight(f->ch), 0);
    return o;
}

static const char *script(const char *name)
{
    static char buf[4][PATH_MAX];
    static int next;
    char *p = buf[next++ % 4];
    return path_in_tmp(p, PATH_MAX, name);
}

/* ---- exec ---- */

static void test_exec_ok(void **state)
{
    struct page_msg m = page(1, script("ok.sh"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, 0);
}

static void test_exec_exit_status(void **state)
{
    struct page_msg m = page(2, script("fail3.sh"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, -EIO);
    assert_string_equal(o.detail, "exit status 3: first line of trouble");
}

static void test_exec_signal(void **state)
{
    struct page_msg m = page(3, script("signal.sh"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, -EIO);
    assert_string_equal(o.detail, "killed by signal 9");
}

/* 5 MB of output: read and dropped, the first line kept. */
static void test_exec_chatty(void **state)
{
    struct page_msg m = page(4, script("chatty.sh"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, -EIO);
    assert_string_equal(o.detail, "exit status 4: chatty first");
}

static void test_exec_timeout(void **state)
{
    char pidfile[PATH_MAX], childfile[PATH_MAX];
    path_in_tmp(pidfile, sizeof(pidfile), "timeout.pid");
    path_in_tmp(childfile, sizeof(childfile), "timeout-child.pid");
    const char *args[] = {pidfile, childfile, NULL};
    struct page_msg m = page(5, script("hang.sh"));
    m.args = args;
    struct plan_paging pg = paging();
    pg.exec_timeout_ms = 300;
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, -ETIMEDOUT);
    assert_string_equal(o.detail, "killed after 300 ms");
    long pid = read_pid(pidfile), child = read_pid(childfile);
    assert_true(pid > 0 && child > 0);
    assert_int_equal(kill((pid_t)pid, 0), -1); /* reaped by the channel */
    assert_int_equal(errno, ESRCH);
    run_until(*state, pid_gone, &child); /* its process group was killed too */
}

/* The page JSON on stdin, the MUSTER_* variables, nothing else inherited;
 * the message's strings are freed right after the send. */
static void test_exec_stdin_env(void **state)
{
    char prefix[PATH_MAX], path[PATH_MAX + 8];
    path_in_tmp(prefix, sizeof(prefix), "capture");
    char *target = strdup(script("capture.sh")), *arg = strdup(prefix);
    char *json = strdup(page_json), *text = strdup(page_text);
    const char *args[] = {arg, NULL};
    struct page_msg m = page(6, target);
    m.args = args;
    m.json = json;
    m.text = text;
    struct plan_paging pg = paging();
    struct outcome o = {0};
    assert_int_equal(
        channel_send(((struct fixture *)*state)->ch, PLAN_CHANNEL_EXEC, &m, &pg, done_cb, &o), 0);
    free(target);
    free(arg);
    free(json);
    free(text);
    run_until(*state, called, &o);
    assert_int_equal(o.status, 0);
    snprintf(path, sizeof(path), "%s.stdin", prefix);
    char *in = read_file(path);
    assert_non_null(in);
    assert_string_equal(in, page_json);
    free(in);
    snprintf(path, sizeof(path), "%s.env", prefix);
    char *env = read_file(path);
    assert_non_null(env);
    static const char *const want[] = {
        "PATH=/usr/bin:/bin\n",
        "MUSTER_PAGE_ID=6\n",
        "MUSTER_INCIDENT=CAMB-2026-0001\n",
        "MUSTER_LEVEL=2\n",
        "MUSTER_EXERCISE=1\n",
        "MUSTER_AGENCY=mental-health\n",
        "MUSTER_CONTACT=Duty nurse\n",
        "MUSTER_ACK_CODE=K7Q2MX4P\n",
        "MUSTER_SUBJECT=EXERCISE EXERCISE EXERCISE: major incident CAMB-2026-0001\n",
        "MUSTER_TEXT=EXERCISE EXERCISE EXERCISE\nMajor incident",
        "/capture.sh\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strstr(env, want[i]) == NULL)
            fail_msg("environment lacks \"%s\":\n%s", want[i], env);
    }
    assert_non_null(strstr(env, "MUSTER_TARGET=/"));
    assert_null(strstr(env, "HOME="));
    assert_null(strstr(env, "ASAN_OPTIONS="));
    free(env);
}

/* A child that never reads a 4 MB stdin: no SIGPIPE, no hang, delivered. */
static void test_exec_stdin_unread(void **state)
{
    size_t len = 4 * 1024 * 1024;
    char *json = malloc(len + 1);
    memset(json, ' ', len);
    json[0] = '{';
    json[len - 1] = '}';
    json[len] = '\0';
    struct page_msg m = page(7, script("ok.sh"));
    m.json = json;
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    free(json);
    assert_int_equal(o.status, 0);
}

static void test_exec_missing(void **state)
{
    struct page_msg m = page(8, "/nonexistent/muster/page-sms");
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, -ENOENT);
    assert_non_null(strstr(o.detail, "cannot run /nonexistent/muster/page-sms: "));
}

static void test_exec_not_executable(void **state)
{
    struct page_msg m = page(9, script("noexec.sh"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EXEC, &m, &pg);
    assert_int_equal(o.status, -EACCES);
}

static void test_exec_cancel(void **state)
{
    struct fixture *f = *state;
    char pidfile[PATH_MAX], childfile[PATH_MAX];
    path_in_tmp(pidfile, sizeof(pidfile), "cancel.pid");
    path_in_tmp(childfile, sizeof(childfile), "cancel-child.pid");
    const char *args[] = {pidfile, childfile, NULL};
    struct page_msg m = page(10, script("hang.sh"));
    m.args = args;
    struct plan_paging pg = paging();
    struct outcome o = {0};
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EXEC, &m, &pg, done_cb, &o), 0);
    run_until(f, file_exists, pidfile);
    channel_cancel(f->ch, 10);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, -ECANCELED);
    channel_cancel(f->ch, 10); /* no longer in progress: a no-op */
    assert_int_equal(channel_in_flight(f->ch), 0);
    long pid = read_pid(pidfile), child = read_pid(childfile);
    run_until(f, pid_gone, &pid);
    run_until(f, pid_gone, &child);
    assert_int_equal(o.calls, 1);
}

static void test_send_invalid(void **state)
{
    struct fixture *f = *state;
    struct plan_paging pg = paging();
    struct outcome o = {0};
    struct page_msg m = page(11, "relative/path");
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EXEC, &m, &pg, done_cb, &o), -EINVAL);
    m.target = "agency";
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_ZMQ, &m, &pg, done_cb, &o), -EINVAL);
    m.target = "ftp://example.org/hook";
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &o), -EINVAL);
    m.target = "http://";
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &o), -EINVAL);
    m.target = "no-at-sign";
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EMAIL, &m, &pg, done_cb, &o), -EINVAL);
    m.target = "a@b.example\r\nRCPT TO:<x@y>";
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EMAIL, &m, &pg, done_cb, &o), -EINVAL);
    m.target = "a@b.example";
    pg.smtp_url = "http://127.0.0.1/";
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EMAIL, &m, &pg, done_cb, &o), -EINVAL);
    assert_int_equal(channel_in_flight(f->ch), 0);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(o.calls, 0);
}

/* ---- webhook ---- */

/* The receiver's log entries for path, as a new JSON array. */
static json_t *log_entries(const char *log, const char *key, const char *value)
{
    json_t *all = json_array();
    char *s = read_file(log);
    for (char *line = s ? strtok(s, "\n") : NULL; line != NULL; line = strtok(NULL, "\n")) {
        json_t *e = json_loads(line, 0, NULL);
        assert_non_null(e);
        const char *v = json_string_value(json_object_get(e, key));
        if (v != NULL && strcmp(v, value) == 0)
            json_array_append(all, e);
        json_decref(e);
    }
    free(s);
    return all;
}

static size_t http_posts(const char *path)
{
    json_t *a = log_entries(http_rx.log, "path", path);
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

static const char *url(const char *path_and_query)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 256, "%s%s", http_base, path_and_query);
    return p;
}

static const char *header(json_t *entry, const char *name)
{
    return json_string_value(json_object_get(json_object_get(entry, "headers"), name));
}

static void test_webhook_ok(void **state)
{
    struct page_msg m = page(101, url("/ok"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, 0);
    assert_string_equal(o.detail, "HTTP 200");
    json_t *posts = log_entries(http_rx.log, "path", "/ok");
    assert_int_equal(json_array_size(posts), 1);
    json_t *e = json_array_get(posts, 0);
    assert_string_equal(json_string_value(json_object_get(e, "body")), page_json);
    assert_string_equal(header(e, "content-type"), "application/json");
    assert_string_equal(header(e, "idempotency-key"), "101");
    assert_string_equal(header(e, "x-muster-page-id"), "101");
    assert_string_equal(header(e, "x-muster-incident"), "CAMB-2026-0001");
    assert_string_equal(header(e, "user-agent"), "muster/0.1");
    json_decref(posts);
}

static void test_webhook_retry_then_ok(void **state)
{
    struct page_msg m = page(102, url("/retry?statuses=500,500,200"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, 0);
    json_t *posts = log_entries(http_rx.log, "path", "/retry");
    assert_int_equal(json_array_size(posts), 3);
    size_t i;
    json_t *e;
    json_array_foreach(posts, i, e) assert_string_equal(header(e, "idempotency-key"), "102");
    json_decref(posts);
}

static void test_webhook_429_then_ok(void **state)
{
    struct page_msg m = page(103, url("/busy?statuses=429,201"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, 0);
    assert_int_equal(http_posts("/busy"), 2);
}

static void test_webhook_500_forever(void **state)
{
    struct page_msg m = page(104, url("/broken?statuses=500"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, -EIO);
    assert_string_equal(o.detail, "HTTP 500 after 3 tries");
    assert_int_equal(http_posts("/broken"), 3);
}

static void test_webhook_404(void **state)
{
    struct page_msg m = page(105, url("/missing?statuses=404"));
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, -EIO);
    assert_string_equal(o.detail, "HTTP 404");
    assert_int_equal(http_posts("/missing"), 1);
}

/* A port nobody listens on: bound, then closed. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void test_webhook_refused(void **state)
{
    char target[64];
    snprintf(target, sizeof(target), "http://127.0.0.1:%d/hook", closed_port());
    struct page_msg m = page(106, target);
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, -EIO);
    if (strstr(o.detail, "after 3 tries") == NULL)
        fail_msg("detail: %s", o.detail);
}

static void test_webhook_timeout(void **state)
{
    struct page_msg m = page(107, url("/slow?delay_ms=3000"));
    struct plan_paging pg = paging();
    pg.webhook_timeout_ms = 300;
    pg.webhook_retries = 1;
    struct outcome o = send_wait(*state, PLAN_CHANNEL_WEBHOOK, &m, &pg);
    assert_int_equal(o.status, -ETIMEDOUT);
    if (strstr(o.detail, "after 2 tries") == NULL)
        fail_msg("detail: %s", o.detail);
    assert_int_equal(http_posts("/slow"), 2);
}

/* Many at once over the one multi handle, sockets coming and going. */
static void test_webhook_many(void **state)
{
    enum { N = 40 };
    struct fixture *f = *state;
    struct outcome o[N] = {{0}};
    struct plan_paging pg = paging();
    for (int i = 0; i < N; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/many%d?statuses=%s", i, i % 4 ? "200" : "503,200");
        struct page_msg m = page(200 + i, url(path));
        assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &o[i]), 0);
    }
    assert_int_equal(channel_in_flight(f->ch), N);
    run_until(f, all_called, &(struct outcomes){o, N});
    for (int i = 0; i < N; i++) {
        assert_int_equal(o[i].calls, 1);
        assert_int_equal(o[i].status, 0);
        assert_int_equal(o[i].id, 200 + i);
    }
}

static bool posted(void *path)
{
    return http_posts(path) > 0;
}

static void test_webhook_cancel(void **state)
{
    struct fixture *f = *state;
    struct plan_paging pg = paging();
    struct outcome slow = {0}, backoff = {0};
    struct page_msg m = page(301, url("/cancel-slow?delay_ms=5000"));
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &slow), 0);
    pg.webhook_backoff_ms = 60000;
    m = page(302, url("/cancel-backoff?statuses=500"));
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &backoff), 0);
    run_until(f, posted, "/cancel-slow");
    run_until(f, posted, "/cancel-backoff");
    channel_cancel(f->ch, 301);
    assert_int_equal(slow.calls, 1);
    assert_int_equal(slow.status, -ECANCELED);
    assert_int_equal(channel_in_flight(f->ch), 1);
    channel_cancel(f->ch, 302);
    assert_int_equal(backoff.calls, 1);
    assert_int_equal(backoff.status, -ECANCELED);
    assert_int_equal(channel_in_flight(f->ch), 0);
}

/* ---- email ---- */

static json_t *smtp_messages(const char *rcpt)
{
    json_t *all = log_entries(smtp_rx.log, "event", "message"), *mine = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e)
    {
        const char *to = json_string_value(json_array_get(json_object_get(e, "rcpt_to"), 0));
        if (to != NULL && strcmp(to, rcpt) == 0)
            json_array_append(mine, e);
    }
    json_decref(all);
    return mine;
}

static size_t smtp_rcpts(const char *addr)
{
    json_t *a = log_entries(smtp_rx.log, "addr", addr);
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("\"%s\" not found in:\n%s", needle, haystack);
}

static void test_email_ok(void **state)
{
    struct page_msg m = page(401, "alice@example.org");
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, 0);
    json_t *msgs = smtp_messages("alice@example.org");
    assert_int_equal(json_array_size(msgs), 1);
    json_t *e = json_array_get(msgs, 0);
    assert_string_equal(json_string_value(json_object_get(e, "mail_from")), "muster@force.example");
    const char *data = json_string_value(json_object_get(e, "data"));
    assert_contains(data, "\r\nFrom: muster@force.example\r\n");
    assert_contains(data, "\r\nTo: alice@example.org\r\n");
    assert_contains(data, "\r\nSubject: EXERCISE EXERCISE EXERCISE: major incident "
                          "CAMB-2026-0001\r\n");
    assert_contains(data, "\r\nMessage-ID: <muster-page-401@muster>\r\n");
    assert_contains(data, "\r\nX-Muster-Page-Id: 401\r\n");
    assert_contains(data, "\r\nContent-Type: text/plain; charset=utf-8\r\n");
    assert_true(strncmp(data, "Date: ", 6) == 0);
    /* The body after the blank line: CRLF endings, the lone "." restored. */
    const char *body = strstr(data, "\r\n\r\n");
    assert_non_null(body);
    assert_string_equal(body + 4, "EXERCISE EXERCISE EXERCISE\r\n"
                                  "Major incident CAMB-2026-0001 declared at level 2.\r\n"
                                  ".\r\n"
                                  "Acknowledge with K7Q2MX4P\r\n");
    json_decref(msgs);
}

static void test_email_utf8_subject(void **state)
{
    struct page_msg m = page(402, "bob@example.org");
    m.subject = "\xc3\x9c"
                "ber";
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, 0);
    json_t *msgs = smtp_messages("bob@example.org");
    assert_int_equal(json_array_size(msgs), 1);
    const char *data = json_string_value(json_object_get(json_array_get(msgs, 0), "data"));
    assert_contains(data, "\r\nSubject: =?UTF-8?B?w5xiZXI=?=\r\n");
    json_decref(msgs);
}

/* The UTF-8 of one encoded-word of a Subject line: checked, decoded and
 * appended to out (size bytes, NUL-terminated). */
static void subject_word(const char *w, size_t wlen, char *out, size_t size)
{
    unsigned char raw[64];
    size_t n = 0;
    if (wlen > 75 || wlen < 12 || strncmp(w, "=?UTF-8?B?", 10) != 0 ||
        strncmp(w + wlen - 2, "?=", 2) != 0)
        fail_msg("not an encoded-word of at most 75 characters: %.*s", (int)wlen, w);
    assert_int_equal(sodium_base642bin(raw, sizeof(raw), w + 10, wlen - 12, NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    /* each word holds whole characters: no continuation byte first, none
     * missing at the end */
    assert_true(n > 0 && (raw[0] & 0xC0) != 0x80);
    size_t k = n;
    while (k > 0 && (raw[k - 1] & 0xC0) == 0x80)
        k--;
    assert_true(k > 0);
    unsigned char lead = raw[k - 1];
    size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    assert_int_equal(n - (k - 1), want);
    assert_true(strlen(out) + n < size);
    strncat(out, (const char *)raw, n);
}

/* A long Subject in several scripts: folded into encoded-words of at most
 * 75 characters on lines of at most 76 (RFC 2047 section 2), no character
 * split between two words, and the words decode to the subject. */
static void test_email_long_utf8_subject(void **state)
{
    char subject[400] = "A";
    for (int i = 0; i < 5; i++)
        strcat(subject, "Zwischenfall \xe2\x82\xac \xf0\x9f\x9a\x91 \xc3\x9c"
                        "berlebende \xd0\x96\xd0\xb5\xd1\x80\xd1\x82\xd0\xb2\xd1\x8b ");
    struct page_msg m = page(405, "carol@example.org");
    m.subject = subject;
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, 0);
    json_t *msgs = smtp_messages("carol@example.org");
    assert_int_equal(json_array_size(msgs), 1);
    const char *data = json_string_value(json_object_get(json_array_get(msgs, 0), "data"));
    const char *line = strstr(data, "\r\nSubject: ");
    assert_non_null(line);
    line += 2;
    char decoded[400] = "";
    size_t lines = 0;
    for (;;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        if ((size_t)(end - line) > 76)
            fail_msg("Subject line of %zu characters: %.*s", (size_t)(end - line),
                     (int)(end - line), line);
        const char *w = line + (lines == 0 ? strlen("Subject: ") : 1);
        subject_word(w, (size_t)(end - w), decoded, sizeof(decoded));
        lines++;
        if (end[2] != ' ')
            break;
        line = end + 2;
    }
    assert_true(lines >= 4);
    assert_string_equal(decoded, subject);
    json_decref(msgs);
}

static void test_email_rejected(void **state)
{
    struct page_msg m = page(403, "code-550@example.org");
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, -EIO);
    assert_contains(o.detail, "550");
    assert_int_equal(smtp_rcpts("code-550@example.org"), 1); /* no retry */
}

static void test_email_retry(void **state)
{
    struct page_msg m = page(404, "code-451-250@example.org");
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, 0);
    assert_int_equal(smtp_rcpts("code-451-250@example.org"), 2);
    json_t *msgs = smtp_messages("code-451-250@example.org");
    assert_int_equal(json_array_size(msgs), 1);
    json_decref(msgs);
}

/* ---- email with an EDXL-RM RequestResource attached ---- */

/* The XML of a test request: a line over SMTP's limit, a line starting
 * with a dot, UTF-8; in *out (malloc'd). */
static char *rm_doc(void)
{
    char *doc = malloc(2048);
    assert_non_null(doc);
    strcpy(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RequestResource>\n"
                ".<!-- a dot first -->\n<Description>\xc3\x9c"
                "berlebende ");
    for (int i = 0; i < 120; i++)
        strcat(doc, "long line ");
    strcat(doc, "</Description>\n</RequestResource>\n");
    return doc;
}

/* The mail to rcpt, after its headers; its multipart boundary in b. */
static char *rm_mail(const char *rcpt, char *b, size_t size)
{
    json_t *msgs = smtp_messages(rcpt);
    assert_int_equal(json_array_size(msgs), 1);
    const char *data = json_string_value(json_object_get(json_array_get(msgs, 0), "data"));
    assert_contains(data, "\r\nMessage-ID: <muster-page-422@muster>\r\n");
    assert_contains(data, "\r\nMIME-Version: 1.0\r\n");
    const char *ct = strstr(data, "\r\nContent-Type: multipart/mixed; boundary=\"");
    assert_non_null(ct);
    ct += strlen("\r\nContent-Type: multipart/mixed; boundary=\"");
    size_t n = strcspn(ct, "\"");
    assert_true(n < size && n <= 70);
    snprintf(b, size, "%.*s", (int)n, ct);
    assert_true(strncmp(b, "=_muster_1a6_", 13) == 0); /* the page id, 422, in hex */
    assert_int_equal(strlen(b), 13 + 24);
    char *body = strdup(strstr(data, "\r\n\r\n") + 4);
    json_decref(msgs);
    return body;
}

/* The base64 lines from p up to the closing delimiter of b, each at most
 * 76 characters, decoded; must equal want. */
static void assert_rm_part(const char *p, const char *b, const char *want)
{
    char close[128], *raw = malloc(4096);
    size_t n = 0, len = 0;
    unsigned char bin[64];
    snprintf(close, sizeof(close), "--%s--\r\n", b);
    while (strncmp(p, close, strlen(close)) != 0) {
        const char *end = strstr(p, "\r\n");
        assert_non_null(end);
        assert_true(end - p <= 76 && end > p);
        assert_int_equal(sodium_base642bin(bin, sizeof(bin), p, (size_t)(end - p), NULL, &n, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        memcpy(raw + len, bin, n);
        len += n;
        p = end + 2;
    }
    assert_string_equal(p + strlen(close), ""); /* nothing after the closing delimiter */
    raw[len] = '\0';
    assert_string_equal(raw, want);
    free(raw);
}

static void test_email_edxl_rm(void **state)
{
    char *doc = rm_doc(), b[96], want[1024];
    struct page_msg m = page(422, "dora@example.org");
    m.edxl_rm = doc;
    m.edxl_rm_id = "muster:CAMB-2026-0001:ask:7";
    struct plan_paging pg = paging();
    struct outcome o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, 0);
    char *body = rm_mail("dora@example.org", b, sizeof(b));
    /* The text part is the plain page's body; its last CRLF kept. */
    snprintf(want, sizeof(want),
             "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n"
             "EXERCISE EXERCISE EXERCISE\r\nMajor incident CAMB-2026-0001 declared at level 2.\r\n"
             ".\r\nAcknowledge with K7Q2MX4P\r\n\r\n--%s\r\n"
             "Content-Type: application/xml; charset=UTF-8\r\n"
             "Content-Disposition: attachment; filename=\"request-resource-muster-CAMB-2026-0001-"
             "ask-7.xml\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
             b, b);
    if (strncmp(body, want, strlen(want)) != 0)
        fail_msg("the parts' headers or the text differ:\n%s", body);
    assert_rm_part(body + strlen(want), b, doc);
    free(body);
    /* A MessageID that is no safe file name is made one. */
    m = page(422, "eve@example.org");
    m.edxl_rm = doc;
    m.edxl_rm_id = "muster:A/B \"x\\y\":ask:7";
    o = send_wait(*state, PLAN_CHANNEL_EMAIL, &m, &pg);
    assert_int_equal(o.status, 0);
    body = rm_mail("eve@example.org", b, sizeof(b));
    assert_contains(body, "; filename=\"request-resource-muster-A-B--x-y--ask-7.xml\"\r\n");
    free(body);
    free(doc);
}

/* ---- closing with deliveries in flight ---- */

static void test_close_in_flight(void **state)
{
    struct fixture *f = *state;
    enum { N = 5 };
    struct outcome o[N] = {{0}};
    char pidfile[PATH_MAX], childfile[PATH_MAX];
    path_in_tmp(pidfile, sizeof(pidfile), "close.pid");
    path_in_tmp(childfile, sizeof(childfile), "close-child.pid");
    const char *args[] = {pidfile, childfile, NULL};
    struct plan_paging pg = paging();
    pg.webhook_backoff_ms = 60000;
    struct page_msg m = page(501, script("hang.sh"));
    m.args = args;
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EXEC, &m, &pg, done_cb, &o[0]), 0);
    m = page(502, url("/close-slow?delay_ms=5000"));
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &o[1]), 0);
    m = page(503, url("/close-backoff?statuses=503"));
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &o[2]), 0);
    m = page(504, "code-451@example.org"); /* 451 forever: in its backoff */
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EMAIL, &m, &pg, done_cb, &o[3]), 0);
    run_until(f, file_exists, pidfile);
    run_until(f, posted, "/close-slow");
    run_until(f, posted, "/close-backoff");
    m = page(505, "carol@example.org"); /* not started yet */
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EMAIL, &m, &pg, done_cb, &o[4]), 0);
    assert_int_equal(channel_in_flight(f->ch), N);
    channels_close(f->ch);
    for (int i = 0; i < N; i++) {
        assert_int_equal(o[i].calls, 1);
        assert_int_equal(o[i].status, -ECANCELED);
    }
    assert_int_equal(channel_in_flight(f->ch), 0);
    m = page(506, script("ok.sh"));
    assert_int_equal(channel_send(f->ch, PLAN_CHANNEL_EXEC, &m, &pg, done_cb, &o[0]), -ESHUTDOWN);
    uv_run(&f->loop, UV_RUN_DEFAULT); /* the teardown checks uv_loop_close */
    long pid = read_pid(pidfile);
    assert_int_equal(kill((pid_t)pid, 0), -1);
    for (int i = 0; i < N; i++)
        assert_int_equal(o[i].calls, 1);
}

/* Callbacks that send more pages, then close everything. */
struct chain {
    struct fixture *f;
    struct outcome first, second, third;
};

static void chain_third_cb(void *arg, int64_t id, int status, const char *detail)
{
    struct chain *c = arg;
    done_cb(&c->third, id, status, detail);
    channels_close(c->f->ch); /* from inside a callback */
}

static void chain_first_cb(void *arg, int64_t id, int status, const char *detail)
{
    struct chain *c = arg;
    done_cb(&c->first, id, status, detail);
    struct plan_paging pg = paging();
    struct page_msg m = page(602, url("/chain-second?delay_ms=5000"));
    assert_int_equal(channel_send(c->f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, done_cb, &c->second), 0);
    m = page(603, url("/chain-third?statuses=404"));
    assert_int_equal(channel_send(c->f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, chain_third_cb, c), 0);
}

static void test_callback_reentry(void **state)
{
    struct chain c = {.f = *state};
    struct plan_paging pg = paging();
    struct page_msg m = page(601, url("/chain-first"));
    assert_int_equal(channel_send(c.f->ch, PLAN_CHANNEL_WEBHOOK, &m, &pg, chain_first_cb, &c), 0);
    run_until(c.f, called, &c.third);
    assert_int_equal(c.first.calls, 1);
    assert_int_equal(c.first.status, 0);
    assert_int_equal(c.third.status, -EIO);
    assert_int_equal(c.second.calls, 1);
    assert_int_equal(c.second.status, -ECANCELED);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TESTS_PLANS_DIR\n", argv[0]);
        return 2;
    }
    plans_dir = argv[1];
    /* SIGPIPE is deliberately left at its default: the channels must not
     * raise it.  No proxy between us and the local receivers. */
    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_exit_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_chatty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_stdin_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_stdin_unread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_not_executable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_retry_then_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_429_then_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_500_forever, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_404, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_utf8_subject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_long_utf8_subject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_edxl_rm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_reentry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
