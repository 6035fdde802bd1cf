/*
 * clients/web/main.c - muster-web: `muster-web serve ...` runs the web
 * gateway (docs/web.md); `muster-web users ...` manages its accounts.
 * main reads as a straight line: options, keys, the board's thread, the
 * HTTPS server, wait for SIGTERM or SIGINT, teardown in reverse.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "gw.h"
#include "hooks.h"
#include "http.h"
#include "limiter.h"
#include "log.h"
#include "public.h"
#include "sessions.h"
#include "web.h"
#include "webboard.h"

int64_t web_now_ms(void)
{
    return clock_mono_ms();
}

/* The usage on f: asked for (--help) on stdout, exit 0; else stderr, 2. */
static int web_usage(FILE *f)
{
    fprintf(f, "usage: muster-web serve --keys DIR --connect EP --feed EP --users FILE\n"
               "           --cert PEM --key PEM [--listen ADDR] [--port N] [--static DIR]\n"
               "           [--hooks FILE] [--idle-minutes N] [--absolute-hours N]\n"
               "           [--i18n DIR] [--public-per-address N] [--public-per-second N] [-v]\n"
               "       muster-web users ...   (muster-web users --help)\n"
               "       muster-web --version\n"
               "See muster-web(8).\n");
    return f == stdout ? 0 : 2;
}

/* One option into o; -1 for one that is not. */
static int set_opt(struct web_opts *o, int ch, const char *arg, int *verbose)
{
    switch (ch) {
    case 'k':
        o->keys_dir = arg;
        break;
    case 'c':
        o->control = arg;
        break;
    case 'f':
        o->feed = arg;
        break;
    case 'u':
        o->users = arg;
        break;
    case 'C':
        o->cert = arg;
        break;
    case 'K':
        o->key = arg;
        break;
    case 'l':
        o->listen = arg;
        break;
    case 'p':
        o->port = atoi(arg);
        break;
    case 's':
        o->static_dir = arg;
        break;
    case 'h':
        o->hooks = arg;
        break;
    case 'i':
        o->idle_s = atoi(arg) * 60;
        break;
    case 'I':
        o->idle_s = atoi(arg);
        break; /* for tests */
    case 'a':
        o->absolute_s = atoi(arg) * 3600;
        break;
    case 'L':
        o->i18n_dir = arg;
        break;
    case 'A':
        o->public_per_address = atoi(arg);
        break;
    case 'S':
        o->public_per_second = atoi(arg);
        break;
    case 'v':
        (*verbose)++;
        break;
    default:
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, struct web_opts *o, int *verbose)
{
    static const struct option opts[] = {{"keys", 1, NULL, 'k'},
                                         {"connect", 1, NULL, 'c'},
                                         {"feed", 1, NULL, 'f'},
                                         {"users", 1, NULL, 'u'},
                                         {"cert", 1, NULL, 'C'},
                                         {"key", 1, NULL, 'K'},
                                         {"listen", 1, NULL, 'l'},
                                         {"port", 1, NULL, 'p'},
                                         {"static", 1, NULL, 's'},
                                         {"hooks", 1, NULL, 'h'},
                                         {"idle-minutes", 1, NULL, 'i'},
                                         {"absolute-hours", 1, NULL, 'a'},
                                         {"idle-seconds", 1, NULL, 'I'},
                                         {"i18n", 1, NULL, 'L'},
                                         {"public-per-address", 1, NULL, 'A'},
                                         {"public-per-second", 1, NULL, 'S'},
                                         {NULL, 0, NULL, 0}};
    *o = (struct web_opts){.listen = "127.0.0.1",
                           .port = 8443,
                           .static_dir = MUSTER_WEB_STATIC,
                           .i18n_dir = MUSTER_WEB_I18N,
                           .public_per_address = PUBLIC_PER_ADDRESS,
                           .public_per_second = PUBLIC_PER_SECOND,
                           .idle_s = 30 * 60,
                           .absolute_s = 12 * 3600,
                           .timeout_ms = 3000};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "v", opts, NULL)) != -1)
        if (set_opt(o, ch, optarg, verbose) != 0)
            return -1;
    if (!o->keys_dir || !o->control || !o->feed || !o->users || !o->cert || !o->key ||
        o->port <= 0 || o->port > 65535 || o->idle_s <= 0 || o->absolute_s <= 0 ||
        o->public_per_address < 1 || o->public_per_address > LIMIT_MAX ||
        o->public_per_second < 1 || o->public_per_second > LIMIT_MAX)
        return -1;
    return 0;
}

/* The parts, opened in order; 0 or -1 with the failing one logged. */
static int web_open(struct web *w)
{
    char err[512];
    if (gw_open(w->o.keys_dir, w->o.control, w->o.timeout_ms, &w->gw, err, sizeof(err)) != 0)
        return log_error("muster-web: %s", err), -1;
    if (w->o.hooks && hooks_open(w->o.hooks, &w->hooks, err, sizeof(err)) != 0)
        return log_error("muster-web: hooks: %s", err), -1;
    if (public_open(w, w->o.i18n_dir, w->o.public_per_address, w->o.public_per_second, &w->pub, err,
                    sizeof(err)) != 0)
        return log_error("muster-web: public pages: %s", err), -1;
    w->sessions = sessions_open((int64_t)w->o.idle_s * 1000, (int64_t)w->o.absolute_s * 1000);
    w->limiter = limiter_open(LIMIT_WINDOW_MS);
    if (!w->sessions || !w->limiter)
        return log_error("muster-web: out of memory"), -1;
    struct webboard_opts bo = {w->o.control, w->o.feed, gw_key(w->gw), gw_server_pub(w->gw),
                               w->o.timeout_ms};
    if (webboard_start(&bo, &w->board) != 0)
        return log_error("muster-web: cannot start the board"), -1;
    return 0;
}

static void web_close(struct web *w)
{
    webboard_free(w->board);
    limiter_free(w->limiter);
    sessions_free(w->sessions);
    public_free(w->pub);
    hooks_free(w->hooks);
    gw_free(w->gw);
}

static int serve(int argc, char **argv)
{
    struct web w = {0};
    int verbose = 2, sig = 0; /* info, as musterd; -v adds debug */
    if (parse(argc, argv, &w.o, &verbose) != 0)
        return web_usage(stderr);
    log_open(verbose);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread after this one inherits it */
    signal(SIGPIPE, SIG_IGN);
    char err[512];
    struct MHD_Daemon *d = web_open(&w) == 0 ? http_start(&w, err, sizeof(err)) : NULL;
    if (!d) {
        if (w.gw)
            log_error("muster-web: %s", err);
        http_stop(&w, NULL);
        web_close(&w);
        return 1;
    }
    log_info("muster-web ready: https://%s:%d/ (musterd %s)", w.o.listen, w.o.port, w.o.control);
    sigwait(&set, &sig);
    log_info("muster-web stopping (signal %d)", sig);
    webboard_stop(w.board); /* ends the event streams, so the server can stop */
    http_stop(&w, d);
    web_close(&w);
    log_info("muster-web stopped");
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return fprintf(stderr, "muster-web: libsodium failed to start\n"), 1;
    if (argc >= 2 && !strcmp(argv[1], "users"))
        return users_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help"))
            return web_usage(stdout);
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return serve(argc - 1, argv + 1);
    if (argc == 2 && !strcmp(argv[1], "--version"))
        return printf("muster-web %s\n", MUSTER_VERSION) < 0;
    return web_usage(stderr);
}
