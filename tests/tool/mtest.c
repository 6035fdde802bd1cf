/*
 * tests/tool/mtest.c - the black-box tests' tool.  It starts musterd and
 * waits for its sd_notify READY (the same signal systemd waits for, so no
 * test sleeps to synchronise), stops it and waits for it to exit (both in
 * daemon_run.c, shared with the bench), and sends what the muster CLI
 * never would: raw and oversized frames, multi-frame envelopes, and floods
 * of pipelined requests from several clients.
 *
 *   mtest start NOTIFY_SOCKET LOG CMD ARGS...   print "PID MS" once READY
 *   mtest stop PID TERM|KILL|INT|HUP            signal and wait for exit
 *   mtest raw EP KEYS PRINCIPAL FILE            send FILE as one frame
 *   mtest big EP KEYS PRINCIPAL BYTES           send a BYTES-long frame
 *   mtest frames EP KEYS PRINCIPAL N            send an N-frame request
 *   mtest flood EP KEYS PRINCIPAL CLIENTS PER   pipelined mixed load
 *   mtest feed EP FEED_EP KEYS N                 stand up N incidents, print
 *                                                the feed events they caused
 *   mtest pubflood EP KEYS REF CLIENTS PER SAMPLES  web clients pipeline PER
 *                                                junk public.register each while
 *                                                Gold asks SAMPLES times: Gold's
 *                                                median and slowest round trip
 *   mtest imports EP KEYS REF CLIENTS PER WINDOW intake clients import PER
 *                                                requests of 500 rows each into
 *                                                REF, WINDOW in flight each
 *   mtest unread EP KEYS PRINCIPAL REF N LIMIT  send N person.list of LIMIT
 *                                                persons on REF, read no reply,
 *                                                stay connected until stdin ends
 *   mtest routed EP KEYS PRINCIPAL ROUTING_ID    send session.whoami from a
 *                                                socket with a chosen routing id
 *   mtest hold EP FEED_EP KEYS PRINCIPAL         one long-lived session: reads
 *       "call CMD ARGS-JSON" and "feed WAIT_MS [REF]" lines from stdin, answers each
 *       with one line ("reply JSON", "event KIND", "feed none"); "live WAIT_MS"
 *       ("feed live" once any message, a heartbeat too, is waiting); "events
 *       WAIT_MS REF SEQ" ("event BODY" for each event about REF, then "done"
 *       at the first message at or past SEQ)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "client.h"
#include "daemon_run.h"
#include "slow.h"

/* a bound on waiting, never a measured time (scaled by MUSTER_SLOW) */
#define WAIT_MS tool_scaled_ms(60000)
#define PROBE_MS 200 /* how long one feed probe waits before the next */

static int fail(const char *what)
{
    fprintf(stderr, "mtest: %s\n", what);
    return 1;
}

static struct mclient *connect_as(const char *ep, const char *keys, const char *principal)
{
    struct keypair me;
    char server_pub[41];
    char err[512];
    struct mclient *c = NULL;
    if (mclient_keys_for(keys, principal, &me, server_pub, err, sizeof(err)) != 0) {
        fprintf(stderr, "mtest: %s\n", err);
        exit(1);
    }
    struct mclient_opts o = {ep, &me, server_pub, WAIT_MS};
    if (mclient_open(&o, &c, err, sizeof(err)) != 0) {
        fprintf(stderr, "mtest: %s\n", err);
        exit(1);
    }
    return c;
}

static int send_and_print(struct mclient *c, const void *buf, size_t len)
{
    char *reply = NULL, err[512];
    int rc = mclient_call_raw(c, buf, len, &reply, err, sizeof(err));
    if (rc == 0)
        printf("%s\n", reply);
    else
        fprintf(stderr, "mtest: %s\n", err);
    free(reply);
    mclient_close(c);
    return rc ? 1 : 0;
}

static int cmd_raw(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: raw EP KEYS PRINCIPAL FILE");
    FILE *f = fopen(argv[4], "rb");
    if (!f)
        return fail("cannot open the file");
    char *buf = malloc(1 << 24);
    size_t n = fread(buf, 1, 1 << 24, f);
    fclose(f);
    int rc = send_and_print(connect_as(argv[1], argv[2], argv[3]), buf, n);
    free(buf);
    return rc;
}

static int cmd_big(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: big EP KEYS PRINCIPAL BYTES");
    size_t n = strtoul(argv[4], NULL, 10);
    char *buf = malloc(n);
    memset(buf, ' ', n);
    static const char head[] = "{\"id\":\"big\",\"cmd\":\"session.whoami\",\"args\":{\"pad\":\"";
    memcpy(buf, head, sizeof(head) - 1);
    memcpy(buf + n - 3, "\"}}", 3);
    int rc = send_and_print(connect_as(argv[1], argv[2], argv[3]), buf, n);
    free(buf);
    return rc;
}

static int cmd_frames(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: frames EP KEYS PRINCIPAL N");
    struct mclient *c = connect_as(argv[1], argv[2], argv[3]);
    int n = atoi(argv[4]);
    static const char req[] = "{\"id\":\"multi\",\"cmd\":\"session.whoami\"}";
    for (int i = 0; i < n - 1; i++)
        zmq_send(mclient_socket(c), req, strlen(req), ZMQ_SNDMORE);
    return send_and_print(c, req, strlen(req));
}

struct flood {
    const char *ep, *keys, *principal;
    int client, per;
    int replies, ok, standups;
    const char *error;
    const char *ref; /* pubflood: junk public registrations to this incident */
};

/* Request i of a client: every 8th a standup (a write that must commit),
 * the rest reads. */
static char *flood_request(struct flood *f, int i)
{
    json_t *req;
    char id[32];
    snprintf(id, sizeof(id), "c%d-%d", f->client, i);
    if (f->ref) { /* refused (no consent) after the daemon has checked it all */
        req =
            json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}}", "id", id,
                      "cmd", "public.register", "args", "incident", f->ref, "name", "Junk", "phone",
                      "07700900000", "safe_to_call", "now", "language", "en", "home_area",
                      "Nowhere", "involvement", "present", "wants_support", 0, "consent", 0);
    } else if (i % 8 == 0) {
        char op[48];
        snprintf(op, sizeof(op), "FLOOD-%d-%d", f->client, i);
        req = json_pack("{s:s, s:s, s:{s:s, s:i, s:b, s:s}}", "id", id, "cmd", "incident.standup",
                        "args", "plan", "example", "level", 1, "exercise", 1, "operation", op);
    } else {
        req =
            json_pack("{s:s, s:s, s:{s:i}}", "id", id, "cmd", "incident.list", "args", "limit", 1);
    }
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return text;
}

static void flood_reply(struct flood *f, const char *text, size_t len)
{
    json_t *r = json_loadb(text, len, 0, NULL);
    const char *id = json_string_value(json_object_get(r, "id"));
    f->replies++;
    if (json_is_true(json_object_get(r, "ok")))
        f->ok++;
    if (id && atoi(strchr(id, '-') + 1) % 8 == 0 && json_is_true(json_object_get(r, "ok")))
        f->standups++;
    json_decref(r);
}

/* Requests a flood client keeps in flight: pipelined, within the
 * per-connection limit documented in docs/protocol.md (256). */
#define FLOOD_WINDOW 200

static void flood_send(struct flood *f, void *s, int i)
{
    char *text = flood_request(f, i);
    zmq_send(s, text, strlen(text), 0);
    free(text);
}

static void *flood_run(void *arg)
{
    struct flood *f = arg;
    struct mclient *c = connect_as(f->ep, f->keys, f->principal);
    void *s = mclient_socket(c);
    int sent = 0;
    while (sent < f->per && sent < FLOOD_WINDOW)
        flood_send(f, s, sent++);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    while (f->replies < f->per) {
        if (zmq_poll(&item, 1, WAIT_MS) <= 0) {
            f->error = "stalled: no reply for a whole minute";
            break;
        }
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) >= 0)
            flood_reply(f, zmq_msg_data(&m), zmq_msg_size(&m));
        zmq_msg_close(&m);
        if (sent < f->per)
            flood_send(f, s, sent++);
    }
    mclient_close(c);
    return NULL;
}

static int cmd_flood(int argc, char **argv)
{
    if (argc != 6)
        return fail("usage: flood EP KEYS PRINCIPAL CLIENTS PER");
    int n = atoi(argv[4]), per = atoi(argv[5]), replies = 0, ok = 0, standups = 0, bad = 0;
    struct flood *f = calloc((size_t)n, sizeof(*f));
    pthread_t *t = calloc((size_t)n, sizeof(*t));
    for (int i = 0; i < n; i++) {
        f[i] = (struct flood){argv[1], argv[2], argv[3], i, per, 0, 0, 0, NULL, NULL};
        pthread_create(&t[i], NULL, flood_run, &f[i]);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        replies += f[i].replies;
        ok += f[i].ok;
        standups += f[i].standups;
        if (f[i].error) {
            fprintf(stderr, "mtest: client %d: %s after %d replies\n", i, f[i].error, f[i].replies);
            bad = 1;
        }
    }
    printf("replies %d ok %d standups %d\n", replies, ok, standups);
    free(f);
    free(t);
    return bad;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for a message on sub until deadline (now_ms()); 1 when one is
 * there.  Every reader of the feed waits this way: the heartbeat comes
 * every second, so a wait restarted per message would never end. */
static int poll_until(void *sub, long long deadline)
{
    zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
    long long left = deadline - now_ms();
    return left > 0 && zmq_poll(&item, 1, (long)left) == 1;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* pubflood: CLIENTS web clients pipeline PER junk public registrations
 * each while Gold asks for the incident SAMPLES times, one after another;
 * prints Gold's median and slowest round trip and how many junk requests
 * were answered by the time Gold was done. */
static int cmd_pubflood(int argc, char **argv)
{
    if (argc != 7)
        return fail("usage: pubflood EP KEYS REF CLIENTS PER SAMPLES");
    int n = atoi(argv[4]), per = atoi(argv[5]), samples = atoi(argv[6]), during = 0;
    struct flood *f = calloc((size_t)n, sizeof(*f));
    pthread_t *t = calloc((size_t)n, sizeof(*t));
    long long *ms = calloc((size_t)samples, sizeof(*ms));
    for (int i = 0; i < n; i++) {
        f[i] = (struct flood){argv[1], argv[2], "web", i, per, 0, 0, 0, NULL, argv[3]};
        pthread_create(&t[i], NULL, flood_run, &f[i]);
    }
    struct mclient *gold = connect_as(argv[1], argv[2], "gold");
    while (f[0].replies < 50 && f[0].replies < f[0].per && !f[0].error) /* under way */
        usleep(1000);
    for (int k = 0; k < samples; k++) {
        json_t *reply = NULL;
        char err[256], id[32];
        snprintf(id, sizeof(id), "g%d", k);
        long long t0 = now_ms();
        mclient_call(gold, id, "incident.show", json_pack("{s:s}", "ref", argv[3]), &reply, err,
                     sizeof(err));
        ms[k] = now_ms() - t0;
        json_decref(reply);
    }
    for (int i = 0; i < n; i++)
        during += f[i].replies;
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    qsort(ms, (size_t)samples, sizeof(*ms), cmp_ll);
    printf("gold_median_ms %lld gold_max_ms %lld junk_answered_meanwhile %d\n", ms[samples / 2],
           ms[samples - 1], during);
    mclient_close(gold);
    free(ms);
    free(f);
    free(t);
    return 0;
}

/* A CURVE socket of type with principal's key, not yet connected. */
static void *curve_socket(void *ctx, int type, const char *keys, const char *principal)
{
    struct keypair me;
    char server_pub[41], err[512];
    if (mclient_keys_for(keys, principal, &me, server_pub, err, sizeof(err)) != 0) {
        fprintf(stderr, "mtest: %s\n", err);
        exit(1);
    }
    void *s = zmq_socket(ctx, type);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pub, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me.public_z85, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me.secret_z85, 40);
    return s;
}

/* A feed subscriber with principal's key (duty's for the feed check). */
static void *hold_feed(void *ctx, const char *ep, const char *keys, const char *principal)
{
    void *sub = curve_socket(ctx, ZMQ_SUB, keys, principal);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    zmq_connect(sub, ep);
    return sub;
}

/* Stand one incident up; its reference into ref. */
static int feed_standup(struct mclient *c, int i, char *ref, size_t len)
{
    char err[512], op[64];
    snprintf(op, sizeof(op), "FEED-%d-%d", (int)getpid(), i);
    json_t *reply = NULL;
    json_t *args = json_pack("{s:s, s:i, s:b, s:s}", "plan", "example", "level", 1, "exercise", 1,
                             "operation", op);
    if (mclient_call(c, NULL, "incident.standup", args, &reply, err, sizeof(err)) != 0)
        return fail(err);
    const char *r = json_string_value(json_object_get(json_object_get(reply, "result"), "ref"));
    snprintf(ref, len, "%s", r ? r : "");
    json_decref(reply);
    return r ? 0 : fail("standup refused");
}

/* Every feed message seen, to check that sequence numbers have no gap. */
static long long feed_last = -1, feed_gaps;

/* Receive the feed message about ref (waiting at most wait_ms); its seq,
 * or -1.  Messages about other incidents are skipped. */
static long long feed_expect(void *sub, const char *ref, int wait_ms)
{
    long long deadline = now_ms() + wait_ms;
    while (poll_until(sub, deadline)) {
        char kind[64] = "", body[4096] = "";
        int k = zmq_recv(sub, kind, sizeof(kind) - 1, 0);
        int b = zmq_recv(sub, body, sizeof(body) - 1, 0);
        if (k < 0 || b < 0)
            return -1;
        if (!strcmp(kind, "heartbeat"))
            continue; /* no event: the seq of the last one */
        json_t *j = json_loads(body, 0, NULL);
        long long seq = json_integer_value(json_object_get(j, "seq"));
        if (feed_last >= 0 && seq != feed_last + 1)
            feed_gaps++;
        feed_last = seq;
        int match = !strcmp(json_string_value(json_object_get(j, "incident")) ?: "", ref) &&
                    !strcmp(kind, "incident.standup");
        json_decref(j);
        if (match)
            return seq;
    }
    return -1;
}

static int cmd_feed(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: feed EP FEED_EP KEYS N");
    void *ctx = zmq_ctx_new();
    void *sub = hold_feed(ctx, argv[2], argv[3], "duty");
    struct mclient *c = connect_as(argv[1], argv[3], "gold");
    int n = atoi(argv[4]), i = 0, rc = 0;
    char ref[64];
    long long seq = -1;
    /* The subscription reaches the daemon some time after connecting (the
     * PUB/SUB "slow joiner"): until the first event arrives, each standup
     * is a probe, followed by another if no event came; the probes stop at
     * a deadline, not after a count, so a loaded machine gets its time. */
    long long deadline = now_ms() + WAIT_MS;
    for (; seq < 0 && now_ms() < deadline; i++)
        if (feed_standup(c, i, ref, sizeof(ref)) == 0)
            seq = feed_expect(sub, ref, PROBE_MS);
    if (seq < 0)
        rc = fail("no feed event arrived");
    else
        printf("seq %lld ref %s\n", seq, ref);
    for (int k = 1; rc == 0 && k < n; k++, i++) {
        if (feed_standup(c, i, ref, sizeof(ref)) != 0 || (seq = feed_expect(sub, ref, WAIT_MS)) < 0)
            rc = fail("feed event missing");
        else
            printf("seq %lld ref %s\n", seq, ref);
    }
    printf("gaps %lld\n", feed_gaps);
    mclient_close(c);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return rc;
}

/* ---- bulk intake: many large imports in flight ---- */

struct importer {
    const char *ep, *keys, *ref;
    int client, per, window;
    int ok;
    const char *error;
};

/* Import request i of client c: 500 persons no other request has. */
static char *import_request(const struct importer *im, int i)
{
    static const char *const cats[] = {"survivor", "witness", "injured", "bereaved", "responder"};
    size_t cap = 512 + 500 * 200, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        exit(1);
    len += (size_t)snprintf(buf, cap,
                            "{\"id\":\"imp-%d-%d\",\"cmd\":\"person.import\",\"args\":{"
                            "\"incident\":\"%s\",\"rows\":[",
                            im->client, i, im->ref);
    for (long r = 0; r < 500; r++) {
        long n = ((long)im->client * 100000 + i) * 1000 + r;
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"line\":%ld,\"person\":{\"category\":\"%s\",\"name\":"
                                "\"Bulk %ld\",\"phone\":\"0770 %07ld\",\"home_area\":\"local\"}}",
                                r ? "," : "", r + 2, cats[n % 5], n, n % 10000000);
    }
    snprintf(buf + len, cap - len, "]}}");
    return buf;
}

static void import_send(struct importer *im, void *s, int i)
{
    char *text = import_request(im, i);
    zmq_send(s, text, strlen(text), 0);
    free(text);
}

static void *import_run(void *arg)
{
    struct importer *im = arg;
    struct mclient *c = connect_as(im->ep, im->keys, "intake");
    void *s = mclient_socket(c);
    int sent = 0, replies = 0;
    while (sent < im->per && sent < im->window)
        import_send(im, s, sent++);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    while (replies < im->per) {
        if (zmq_poll(&item, 1, 4 * WAIT_MS) <= 0) {
            im->error = "no reply for four minutes";
            break;
        }
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) >= 0) {
            replies++;
            im->ok += strstr(zmq_msg_data(&m), "\"ok\":true") != NULL;
        }
        zmq_msg_close(&m);
        if (sent < im->per)
            import_send(im, s, sent++);
    }
    mclient_close(c);
    return NULL;
}

static int cmd_imports(int argc, char **argv)
{
    if (argc != 7)
        return fail("usage: imports EP KEYS REF CLIENTS PER WINDOW");
    int n = atoi(argv[4]), bad = 0, ok = 0;
    pthread_t t[64];
    struct importer im[64];
    if (n < 1 || n > 64)
        return fail("1 to 64 clients");
    for (int i = 0; i < n; i++) {
        im[i] =
            (struct importer){argv[1], argv[2], argv[3], i, atoi(argv[5]), atoi(argv[6]), 0, NULL};
        pthread_create(&t[i], NULL, import_run, &im[i]);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        ok += im[i].ok;
        if (im[i].error) {
            fprintf(stderr, "mtest: importer %d: %s\n", i, im[i].error);
            bad = 1;
        }
    }
    printf("imports ok %d\n", ok);
    return bad;
}

static int cmd_unread(int argc, char **argv)
{
    if (argc != 7)
        return fail("usage: unread EP KEYS PRINCIPAL REF N LIMIT");
    void *ctx = zmq_ctx_new(), *s = curve_socket(ctx, ZMQ_DEALER, argv[2], argv[3]);
    int one = 1, small = 4096, none = 0;
    zmq_setsockopt(s, ZMQ_RCVHWM, &one, sizeof(one));
    zmq_setsockopt(s, ZMQ_RCVBUF, &small, sizeof(small));
    zmq_setsockopt(s, ZMQ_SNDHWM, &none, sizeof(none));
    zmq_connect(s, argv[1]);
    for (int i = 0; i < atoi(argv[5]); i++) {
        char req[256];
        int n = snprintf(req, sizeof(req),
                         "{\"id\":\"unread-%d\",\"cmd\":\"person.list\",\"args\":{"
                         "\"incident\":\"%s\",\"limit\":%d}}",
                         i, argv[4], atoi(argv[6]));
        zmq_send(s, req, (size_t)n, 0);
    }
    printf("sent\n");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof(line), stdin)) /* hold the connection open, reading nothing */
        ;
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

static int cmd_routed(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: routed EP KEYS PRINCIPAL ROUTING_ID");
    void *ctx = zmq_ctx_new(), *s = curve_socket(ctx, ZMQ_DEALER, argv[2], argv[3]);
    zmq_setsockopt(s, ZMQ_ROUTING_ID, argv[4], strlen(argv[4]));
    zmq_connect(s, argv[1]);
    static const char req[] = "{\"id\":\"routed\",\"cmd\":\"session.whoami\"}";
    zmq_send(s, req, strlen(req), 0);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    char reply[4096];
    int n = zmq_poll(&item, 1, WAIT_MS) == 1 ? zmq_recv(s, reply, sizeof(reply) - 1, 0) : -1;
    if (n >= 0)
        printf("%.*s\n", n, reply);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return n >= 0 ? 0 : fail("no reply");
}

/* Wait up to wait_ms for an event (about incident ref, when not empty). */
static void hold_event(void *sub, int wait_ms, const char *ref)
{
    long long deadline = now_ms() + wait_ms;
    char kind[64] = "", body[8192];
    while (poll_until(sub, deadline) && zmq_recv(sub, kind, sizeof(kind) - 1, 0) >= 0) {
        int n = zmq_recv(sub, body, sizeof(body) - 1, 0);
        body[n > 0 ? n : 0] = '\0';
        json_t *j = json_loads(body, 0, NULL);
        const char *about = json_string_value(json_object_get(j, "incident"));
        bool match = strcmp(kind, "heartbeat") && (!*ref || (about && !strcmp(about, ref)));
        json_decref(j);
        if (match) {
            printf("event %s\n", kind);
            return;
        }
        memset(kind, 0, sizeof(kind));
    }
    printf("feed none\n");
}

/* Print each event about ref as "event BODY" until a message (an event
 * or a heartbeat) at or past seq until, then "done"; or "feed none" when
 * wait_ms passes first.  A body is read whole, however long. */
static void hold_events(void *sub, int wait_ms, const char *ref, long long until)
{
    long long deadline = now_ms() + wait_ms;
    while (poll_until(sub, deadline)) {
        zmq_msg_t kind, body;
        zmq_msg_init(&kind);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&kind, sub, 0) < 0 || zmq_msg_recv(&body, sub, 0) < 0) {
            zmq_msg_close(&kind);
            zmq_msg_close(&body);
            break;
        }
        json_t *j = json_loadb(zmq_msg_data(&body), zmq_msg_size(&body), 0, NULL);
        const char *about = json_string_value(json_object_get(j, "incident"));
        long long seq = json_integer_value(json_object_get(j, "seq"));
        bool heartbeat = zmq_msg_size(&kind) == 9 && !memcmp(zmq_msg_data(&kind), "heartbeat", 9);
        if (!heartbeat && about && !strcmp(about, ref))
            printf("event %.*s\n", (int)zmq_msg_size(&body), (const char *)zmq_msg_data(&body));
        json_decref(j);
        zmq_msg_close(&kind);
        zmq_msg_close(&body);
        if (seq >= until) {
            printf("done\n");
            return;
        }
    }
    printf("feed none\n");
}

static int cmd_hold(int argc, char **argv)
{
    if (argc != 5)
        return fail("usage: hold EP FEED_EP KEYS PRINCIPAL");
    struct mclient *c = connect_as(argv[1], argv[3], argv[4]);
    void *ctx = zmq_ctx_new(), *sub = hold_feed(ctx, argv[2], argv[3], argv[4]);
    char line[4096], err[512];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof(line), stdin)) {
        char cmd[64] = "", *rest = NULL;
        if (sscanf(line, "call %63s", cmd) == 1 && (rest = strstr(line, cmd) + strlen(cmd))) {
            json_t *args = json_loads(rest, JSON_DECODE_ANY, NULL), *reply = NULL;
            if (mclient_call(c, NULL, cmd, json_is_object(args) ? args : json_object(), &reply, err,
                             sizeof(err)) == 0) {
                char *text = json_dumps(reply, JSON_COMPACT);
                printf("reply %s\n", text);
                free(text);
            } else {
                printf("error %s\n", err);
            }
            json_decref(reply);
        } else if (!strncmp(line, "feed ", 5)) {
            char ref[64] = "";
            int wait_ms = 0;
            sscanf(line + 5, "%d %63s", &wait_ms, ref);
            hold_event(sub, wait_ms, ref);
        } else if (!strncmp(line, "events ", 7)) {
            char ref[64] = "";
            int wait_ms = 0;
            long long until = 0;
            sscanf(line + 7, "%d %63s %lld", &wait_ms, ref, &until);
            hold_events(sub, wait_ms, ref, until);
        } else if (!strncmp(line, "live ", 5)) { /* any message, a heartbeat too */
            zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
            printf(zmq_poll(&item, 1, atol(line + 5)) == 1 ? "feed live\n" : "feed none\n");
        }
    }
    zmq_close(sub);
    zmq_ctx_term(ctx);
    mclient_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fail("usage: mtest start|stop|raw|big|frames|flood ...");
    const char *cmd = argv[1];
    argc--;
    argv++;
    if (!strcmp(cmd, "start"))
        return daemon_run_start_cmd("mtest", argc, argv, WAIT_MS);
    if (!strcmp(cmd, "stop"))
        return daemon_run_stop_cmd("mtest", argc, argv, WAIT_MS);
    if (!strcmp(cmd, "raw"))
        return cmd_raw(argc, argv);
    if (!strcmp(cmd, "big"))
        return cmd_big(argc, argv);
    if (!strcmp(cmd, "frames"))
        return cmd_frames(argc, argv);
    if (!strcmp(cmd, "flood"))
        return cmd_flood(argc, argv);
    if (!strcmp(cmd, "pubflood"))
        return cmd_pubflood(argc, argv);
    if (!strcmp(cmd, "feed"))
        return cmd_feed(argc, argv);
    if (!strcmp(cmd, "imports"))
        return cmd_imports(argc, argv);
    if (!strcmp(cmd, "unread"))
        return cmd_unread(argc, argv);
    if (!strcmp(cmd, "routed"))
        return cmd_routed(argc, argv);
    if (!strcmp(cmd, "hold"))
        return cmd_hold(argc, argv);
    return fail("unknown mtest command");
}
