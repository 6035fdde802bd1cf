/*
 * clients/cli_listen.c - `muster agency listen`: an agency's listener
 * session.  It sends agency.listen as a heartbeat, prints every page pushed
 * to it once (by page id) and confirms each with agency.received.
 *
 * A listener is a pager, so it must outlive a restart of musterd.  When
 * the connection drops (the socket monitor sees it) or a heartbeat goes
 * unanswered, it says so once on stderr and reconnects with the same key:
 * a new socket and a new agency.listen, after 0.25 s, then 0.5 s, 1 s ...
 * up to 8 s apart, for as long as it runs (each attempt waits the reply
 * time-out for musterd to come back); when musterd answers it says so
 * once more.  Pages queued for the agency meanwhile are pushed after that
 * answer.  A page pushed again (one musterd could not know had arrived) is
 * confirmed again but printed once.  Only a refusal (the key no longer in
 * the keyring, an error reply) ends it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_out.h"
#include "client.h"
#include "clock.h"
#include "keys.h"

#define LISTEN_BACKOFF_MIN_MS 250
#define LISTEN_BACKOFF_MAX_MS 8000
#define LISTEN_SEEN_MAX 4096
#define LISTEN_REFUSED 1 /* musterd answered with an error: listening ends */

struct listener {
    struct mclient_opts opts;
    struct keypair me;
    char server_pub[41];
    struct mclient *c;
    bool json;
    long count, got;  /* stop after count new pages (0: never) */
    int heartbeat_ms; /* as musterd asks */
    int64_t seen[LISTEN_SEEN_MAX];
    size_t nseen;
};

/* Whether page id was printed before; remembers it if not. */
static bool listen_seen(struct listener *l, int64_t id)
{
    for (size_t i = 0; i < l->nseen; i++)
        if (l->seen[i] == id)
            return true;
    if (l->nseen == LISTEN_SEEN_MAX)
        memmove(l->seen, l->seen + 1, --l->nseen * sizeof(l->seen[0]));
    l->seen[l->nseen++] = id;
    return false;
}

/* Print a pushed page unless it was printed before; confirm it either
 * way, so a page re-sent after a restart is recorded as delivered. */
static void listen_page(struct listener *l, json_t *page)
{
    int64_t id = (int64_t)json_integer_value(json_object_get(page, "page_id"));
    if (!listen_seen(l, id)) {
        if (l->json) {
            cli_dump_json(stdout, page, JSON_COMPACT);
        } else {
            printf("---- page %lld ----\n", (long long)id);
            cli_print_escaped(stdout, json_string_value(json_object_get(page, "text")),
                              CLI_ESC_LINES);
            printf("\n");
        }
        fflush(stdout);
        l->got++;
    }
    char err[256];
    json_t *reply = NULL;
    if (mclient_call(l->c, NULL, "agency.received", json_pack("{s:I}", "page_id", (json_int_t)id),
                     &reply, err, sizeof(err)) == 0)
        json_decref(reply);
}

/* One agency.listen: 0, LISTEN_REFUSED (the error printed), -EACCES (our
 * key refused), or another -errno with err saying what happened. */
static int listen_heartbeat(struct listener *l, char *err, size_t errlen)
{
    json_t *reply = NULL;
    int rc = mclient_call(l->c, NULL, "agency.listen", NULL, &reply, err, errlen);
    if (rc != 0)
        return rc;
    if (!json_is_true(json_object_get(reply, "ok"))) {
        cli_report_error(reply);
        json_decref(reply);
        return LISTEN_REFUSED;
    }
    json_int_t hb =
        json_integer_value(json_object_get(json_object_get(reply, "result"), "heartbeat_ms"));
    l->heartbeat_ms = hb >= 1000 && hb <= 60000 ? (int)hb : 10000;
    json_decref(reply);
    return 0;
}

/* A connection for the listener: its calls (heartbeats, confirmations) are
 * asked again on the next connection, so a drop ends one at once rather
 * than leaving the listener deaf for the reply time-out. */
static int listen_open(struct listener *l, char *err, size_t errlen)
{
    int rc = mclient_open(&l->opts, &l->c, err, errlen);
    if (rc == 0)
        mclient_drop_ends_call(l->c);
    return rc;
}

static int listen_exit(int rc)
{
    return rc == -EACCES || rc == -EKEYREJECTED ? EXIT_AUTH
           : rc == LISTEN_REFUSED               ? EXIT_REFUSED
                                                : EXIT_UNREACHABLE;
}

static void listen_nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The connection is lost (why says how): say so, then open a new one
 * until musterd answers agency.listen.  0, or an exit code. */
static int listen_reconnect(struct listener *l, const char *why)
{
    char err[256];
    int backoff = LISTEN_BACKOFF_MIN_MS;
    cli_errorf("lost the connection to musterd (%s); reconnecting", why);
    for (;;) {
        listen_nap(backoff);
        backoff = backoff * 2 > LISTEN_BACKOFF_MAX_MS ? LISTEN_BACKOFF_MAX_MS : backoff * 2;
        mclient_close(l->c);
        l->c = NULL;
        if (listen_open(l, err, sizeof(err)) != 0)
            continue;
        int rc = listen_heartbeat(l, err, sizeof(err));
        if (rc == 0) {
            fprintf(stderr, "muster: connected to musterd again; listening for pages\n");
            return 0;
        }
        if (rc == -EACCES || rc == LISTEN_REFUSED) {
            if (rc == -EACCES)
                cli_errorf("%s", err);
            return listen_exit(rc);
        }
    }
}

/* Heartbeat agency.listen every heartbeat_ms; print every page pushed in
 * between; reconnect whenever the connection is lost. */
static int listen_loop(struct listener *l)
{
    char err[256];
    int rc = listen_heartbeat(l, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            cli_errorf("%s", err);
        return listen_exit(rc);
    }
    fprintf(stderr, "muster: listening for pages (Ctrl-C to stop)\n");
    int64_t next = clock_mono_ms() + l->heartbeat_ms;
    while (l->count <= 0 || l->got < l->count) {
        json_t *push = NULL;
        int64_t wait = next - clock_mono_ms();
        rc = wait > 0 ? mclient_next_push(l->c, (int)wait, &push) : -ETIMEDOUT;
        if (rc == 0) {
            listen_page(l, json_object_get(push, "page"));
            json_decref(push);
            continue;
        }
        if (rc == -ETIMEDOUT)
            rc = listen_heartbeat(l, err, sizeof(err));
        else
            snprintf(err, sizeof(err), "%s",
                     rc == -ECONNRESET ? "musterd closed the connection" : strerror(-rc));
        if (rc == -EACCES || rc == LISTEN_REFUSED)
            return listen_exit(rc);
        if (rc != 0 && (rc = listen_reconnect(l, err)) != 0)
            return rc;
        next = clock_mono_ms() + l->heartbeat_ms;
    }
    return 0;
}

int cmd_listen(struct cli *cli, int argc, char **argv)
{
    static const struct option o[] = {{"count", 1, NULL, 'c'}, {NULL, 0, NULL, 0}};
    const char *count = "0";
    SUBOPTS_BEGIN(o)
case 'c':
    count = optarg;
    break;
    SUBOPTS_END
    char err[512], *end = NULL;
    long n = strtol(count, &end, 10);
    if (optind != argc || !*count || *end || n < 0)
        return die_usage("usage: muster agency listen [--count N]");
    struct listener *l = calloc(1, sizeof(*l));
    if (!l)
        return EXIT_LOCAL;
    l->count = n;
    l->json = cli->json;
    int rc = cli_load_keys(cli, "agency", &l->me, l->server_pub) != 0 ? EXIT_LOCAL : 0;
    l->opts = (struct mclient_opts){cli->endpoint, &l->me, l->server_pub, cli->timeout_ms};
    if (rc == 0 && listen_open(l, err, sizeof(err)) != 0) {
        cli_errorf("%s", err);
        rc = EXIT_UNREACHABLE;
    }
    if (rc == 0)
        rc = listen_loop(l);
    mclient_close(l->c);
    free(l);
    return rc;
}
