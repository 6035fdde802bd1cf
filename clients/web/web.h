/*
 * clients/web/web.h - muster-web, the web gateway: its options and the
 * parts every file shares.
 *
 * muster-web serves browsers over HTTPS (libmicrohttpd, one thread per
 * connection, so a slow argon2id hash or a long-lived event stream never
 * holds up another browser) and is one more CURVE client of musterd: it
 * holds the keyring principal "web" and sends every request for the user
 * signed in, acting as the principal of that user's account
 * (docs/protocol.md "The web gateway").  musterd decides what each request
 * may do; the gateway only decides which pages a role is shown.
 */
#ifndef MUSTER_WEB_H
#define MUSTER_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct gw;
struct sessions;
struct webboard;
struct hooks;
struct limiter;
struct public;

struct web_opts {
    const char *keys_dir;   /* holds web.key and server.pub */
    const char *control;    /* musterd's control socket */
    const char *feed;       /* musterd's status feed */
    const char *listen;     /* address to listen on, e.g. 127.0.0.1 */
    int port;               /* HTTPS port */
    const char *cert, *key; /* TLS certificate chain and key (PEM) */
    const char *users;      /* the accounts file (users.h) */
    const char *static_dir; /* the pages, styles and scripts */
    const char *hooks;      /* per-hook secrets (hooks.h), or NULL: no hooks */
    const char *i18n_dir;   /* the public pages' translations (i18n.h) */
    int public_per_address; /* public submissions per address in 10 minutes */
    int public_per_second;  /* and from everyone in a second */
    int idle_s;             /* a session ends after this long unused */
    int absolute_s;         /* and this long after sign-in, whatever */
    int timeout_ms;         /* how long to wait for musterd */
};

struct web {
    struct web_opts o;
    struct gw *gw;
    struct sessions *sessions;
    struct limiter *limiter;
    struct webboard *board;
    struct hooks *hooks;
    struct public *pub;       /* the public door (public.h) */
    char *tls_cert, *tls_key; /* PEM, read at start */
};

/* The time now in ms, monotonic (sessions, limits, streams). */
int64_t web_now_ms(void);

/* `muster-web users ...`: returns the process's exit status. */
int users_main(int argc, char **argv);

#endif
