/*
 * tests/tool/crash.c - the mixed load of the crash test (bb_crash.sh).
 *
 *   crash EP KEYS JOURNAL STOPFILE AGENCY:ROLE...
 *
 * Several clients at once, each with one request in flight: Gold stands
 * incidents up (and reads the list and the board), every agency given
 * acknowledges its page for each incident and pledges staff for the role
 * it supplies, two intake clients register persons with unique external
 * references (and read them back).  Every request has a unique id.  A time
 * out or a failed connection is an unknown outcome: the client reconnects
 * and sends the SAME request (same id) again until a reply comes, which the
 * daemon answers from its stored reply when the first attempt was
 * committed; UNAVAILABLE is retried the same way.  Every state-changing
 * request answered "ok" is appended to JOURNAL (one line, fsync'd) with
 * what it created, tab-separated, seven columns:
 *
 *   standup  ID  gold         REF  OPERATION     -          RESENT_AT
 *   ack      ID  agency:A     REF  ALREADY(0|1)  -          RESENT_AT
 *   pledge   ID  agency:A     REF  PLEDGE_ID     ROLE       RESENT_AT
 *   person   ID  intake       REF  EXTERNAL_REF  PERSON_ID  RESENT_AT
 *
 * RESENT_AT is when the request was first sent again (ms since the epoch),
 * 0 when its first reply came: a request the daemon committed before that
 * moment was answered from its stored reply.
 *
 * When STOPFILE exists each client finishes the request it is on (the
 * daemon is up by then) and stops.  The figures go to stdout:
 *
 *   requests N writes N journaled N resent N unavailable N errors N
 *
 * Exit status 1 when a request got a refusal other than UNAVAILABLE or a
 * request was given up (outcome unknown): both mean the journal cannot be
 * compared with the database.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "client.h"
#include "slow.h"

#define REPLY_MS tool_scaled_ms(2000)     /* a reply later than this is an unknown outcome */
#define GIVE_UP_MS tool_scaled_ms(120000) /* a bound on retrying one request */
#define MAX_INCIDENTS 4096                /* incidents the run stands up, at most */
#define MAX_AGENCIES 16
#define BACKLOG 3 /* Gold stands up another when fewer wait for acks */

struct incident {
    char ref[40];
    char shift[64]; /* a shift pledges go to, "" until read */
};

static struct {
    const char *ep, *keys, *stop;
    int journal;
    char run[32];
    pthread_mutex_t lock;
    struct incident inc[MAX_INCIDENTS];
    int ninc;
    int acked[MAX_AGENCIES]; /* incidents each agency has acknowledged */
    int nagencies;
    atomic_int requests, writes, journaled, resent, unavailable, errors;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct worker {
    char principal[64];
    char tag[16]; /* unique among the workers: in request ids */
    char role[48];
    int agency;        /* index into g.acked, or -1 */
    int n;             /* requests made, for ids */
    int64_t resent_at; /* when the last request was first sent again (ms, UTC), or 0 */
    unsigned seed;
    struct mclient *c;
};

static int stopping(void)
{
    return access(g.stop, F_OK) == 0;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reconnect(struct worker *w)
{
    struct keypair me;
    char server_pub[41], err[512];
    mclient_close(w->c);
    w->c = NULL;
    if (mclient_keys_for(g.keys, w->principal, &me, server_pub, err, sizeof(err)) != 0) {
        fprintf(stderr, "crash: %s\n", err);
        exit(1);
    }
    struct mclient_opts o = {g.ep, &me, server_pub, REPLY_MS};
    if (mclient_open(&o, &w->c, err, sizeof(err)) != 0)
        w->c = NULL; /* tried again with the request */
}

static void journal(const struct worker *w, const char *kind, const char *a, const char *b,
                    const char *c)
{
    char line[512], id[96];
    snprintf(id, sizeof(id), "%s-%s-%d", g.run, w->tag, w->n - 1);
    int n = snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t%s\t%s\t%lld\n", kind, id, w->principal,
                     a, b, c, (long long)w->resent_at);
    pthread_mutex_lock(&g.lock);
    if (write(g.journal, line, (size_t)n) != n || fdatasync(g.journal) != 0) {
        perror("crash: journal");
        exit(1);
    }
    pthread_mutex_unlock(&g.lock);
    atomic_fetch_add(&g.journaled, 1);
}

/*
 * Send one request until it has a definite answer: 0 with *result (the
 * reply's result, caller decrefs) on ok, -1 on a refusal (counted as an
 * error, reported) or when it had to be given up.  args is borrowed.
 */
static int call(struct worker *w, const char *cmd, json_t *args, bool write, json_t **result)
{
    char id[96], err[512];
    snprintf(id, sizeof(id), "%s-%s-%d", g.run, w->tag, w->n++);
    atomic_fetch_add(&g.requests, 1);
    if (write)
        atomic_fetch_add(&g.writes, 1);
    int64_t deadline = now_ms() + GIVE_UP_MS;
    w->resent_at = 0;
    for (int tries = 0;; tries++) {
        if (now_ms() > deadline) {
            fprintf(stderr, "crash: %s %s given up: outcome unknown\n", cmd, id);
            atomic_fetch_add(&g.errors, 1);
            return -1;
        }
        if (tries > 0)
            atomic_fetch_add(&g.resent, 1);
        if (tries == 1)
            w->resent_at = wall_ms();
        if (!w->c)
            reconnect(w);
        json_t *reply = NULL;
        int rc = w->c ? mclient_call(w->c, id, cmd, json_incref(args), &reply, err, sizeof(err))
                      : -ENOTCONN;
        if (rc != 0) {
            /* no reply: the daemon may or may not have acted; same id again */
            mclient_close(w->c);
            w->c = NULL;
            continue;
        }
        json_t *e = json_object_get(reply, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        if (json_is_true(json_object_get(reply, "ok"))) {
            *result = json_incref(json_object_get(reply, "result"));
            json_decref(reply);
            return 0;
        }
        if (code && !strcmp(code, "UNAVAILABLE")) {
            atomic_fetch_add(&g.unavailable, 1);
            json_decref(reply);
            pause_ms(50);
            continue;
        }
        fprintf(stderr, "crash: %s %s refused: %s: %s\n", cmd, id, code ? code : "?",
                json_string_value(json_object_get(e, "message")));
        atomic_fetch_add(&g.errors, 1);
        json_decref(reply);
        return -1;
    }
}

static void read_one(struct worker *w, const char *cmd, json_t *args)
{
    json_t *r = NULL;
    if (call(w, cmd, args, false, &r) == 0)
        json_decref(r);
}

/* ---- Gold ---- */

static int backlog(void)
{
    int most = 0;
    pthread_mutex_lock(&g.lock);
    int min = g.ninc;
    for (int i = 0; i < g.nagencies; i++)
        min = g.acked[i] < min ? g.acked[i] : min;
    most = g.ninc - min;
    pthread_mutex_unlock(&g.lock);
    return most;
}

static void gold_step(struct worker *w)
{
    char op[64];
    json_t *r = NULL;
    if (backlog() < BACKLOG && g.ninc < MAX_INCIDENTS) {
        snprintf(op, sizeof(op), "CRASH-%s-%d", g.run, w->n);
        json_t *a = json_pack("{s:s, s:i, s:b, s:s}", "plan", "crash", "level", 1, "exercise", 1,
                              "operation", op);
        if (call(w, "incident.standup", a, true, &r) == 0) {
            const char *ref = json_string_value(json_object_get(r, "ref"));
            journal(w, "standup", ref ? ref : "?", op, "-");
            pthread_mutex_lock(&g.lock);
            snprintf(g.inc[g.ninc].ref, sizeof(g.inc[g.ninc].ref), "%s", ref ? ref : "?");
            g.ninc++;
            pthread_mutex_unlock(&g.lock);
        }
        json_decref(a);
        json_decref(r);
        return;
    }
    json_t *a = json_pack("{s:s, s:i}", "state", "active", "limit", 5);
    read_one(w, "incident.list", a);
    json_decref(a);
    a = json_object();
    read_one(w, "status.show", a);
    json_decref(a);
}

/* ---- agencies ---- */

/* The shift of incident i that ends last (read once). */
static int incident_shift(struct worker *w, int i, char *shift, size_t len)
{
    pthread_mutex_lock(&g.lock);
    snprintf(shift, len, "%s", g.inc[i].shift);
    char ref[40];
    snprintf(ref, sizeof(ref), "%s", g.inc[i].ref);
    pthread_mutex_unlock(&g.lock);
    if (*shift)
        return 0;
    json_t *a = json_pack("{s:s}", "incident", ref), *r = NULL;
    int rc = call(w, "staffing.show", a, false, &r);
    json_decref(a);
    if (rc != 0)
        return -1;
    json_t *shifts = json_object_get(r, "shifts");
    const char *key = json_string_value(
        json_object_get(json_array_get(shifts, json_array_size(shifts) - 1), "key"));
    snprintf(shift, len, "%s", key ? key : "");
    json_decref(r);
    if (!*shift)
        return -1;
    pthread_mutex_lock(&g.lock);
    snprintf(g.inc[i].shift, sizeof(g.inc[i].shift), "%s", shift);
    pthread_mutex_unlock(&g.lock);
    return 0;
}

static void agency_ack(struct worker *w, int i)
{
    char ref[40], already[4];
    pthread_mutex_lock(&g.lock);
    snprintf(ref, sizeof(ref), "%s", g.inc[i].ref);
    pthread_mutex_unlock(&g.lock);
    json_t *a = json_pack("{s:s}", "incident", ref), *r = NULL;
    if (call(w, "agency.ack", a, true, &r) == 0) {
        snprintf(already, sizeof(already), "%d", json_is_true(json_object_get(r, "already")));
        journal(w, "ack", ref, already, "-");
    }
    json_decref(a);
    json_decref(r);
    pthread_mutex_lock(&g.lock);
    g.acked[w->agency] = i + 1; /* acknowledged or refused: not asked again */
    pthread_mutex_unlock(&g.lock);
}

static void agency_pledge(struct worker *w, int i)
{
    char ref[40], shift[64], pid[32];
    if (incident_shift(w, i, shift, sizeof(shift)) != 0)
        return;
    pthread_mutex_lock(&g.lock);
    snprintf(ref, sizeof(ref), "%s", g.inc[i].ref);
    pthread_mutex_unlock(&g.lock);
    json_t *a = json_pack("{s:s, s:s, s:i, s:[s]}", "incident", ref, "role", w->role, "count", 1,
                          "shifts", shift),
           *r = NULL;
    if (call(w, "pledge.offer", a, true, &r) == 0) {
        snprintf(pid, sizeof(pid), "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        journal(w, "pledge", ref, pid, w->role);
    }
    json_decref(a);
    json_decref(r);
}

static void agency_step(struct worker *w)
{
    pthread_mutex_lock(&g.lock);
    int next = g.acked[w->agency], n = g.ninc;
    pthread_mutex_unlock(&g.lock);
    if (next < n) {
        agency_ack(w, next);
    } else if (n > 0) {
        agency_pledge(w, (int)(rand_r(&w->seed) % (unsigned)n));
    } else {
        json_t *a = json_pack("{s:i}", "limit", 1);
        read_one(w, "incident.list", a);
        json_decref(a);
        pause_ms(20); /* nothing to do yet: not a spin */
    }
}

/* ---- intake ---- */

static void intake_step(struct worker *w)
{
    char ref[40], ext[64], pid[32];
    pthread_mutex_lock(&g.lock);
    int n = g.ninc;
    if (n > 0)
        snprintf(ref, sizeof(ref), "%s", g.inc[rand_r(&w->seed) % (unsigned)n].ref);
    pthread_mutex_unlock(&g.lock);
    if (n == 0) {
        json_t *a = json_pack("{s:i}", "limit", 1);
        read_one(w, "incident.list", a);
        json_decref(a);
        pause_ms(20);
        return;
    }
    snprintf(ext, sizeof(ext), "X%s-%s-%d", g.run, w->tag, w->n);
    char name[96];
    snprintf(name, sizeof(name), "Person %s", ext);
    json_t *a = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "incident", ref, "person", "category",
                          "survivor", "name", name, "external_ref", ext, "consent", "given"),
           *r = NULL;
    if (call(w, "person.add", a, true, &r) == 0) {
        json_int_t person = json_integer_value(json_object_get(r, "person"));
        snprintf(pid, sizeof(pid), "%lld", (long long)person);
        journal(w, "person", ref, ext, pid);
        if (person % 4 == 0) {
            json_t *s = json_pack("{s:I}", "person", person);
            read_one(w, "person.show", s);
            json_decref(s);
        }
    }
    json_decref(a);
    json_decref(r);
}

/* ---- the run ---- */

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    while (!stopping()) {
        if (!strcmp(w->principal, "gold"))
            gold_step(w);
        else if (w->agency >= 0)
            agency_step(w);
        else
            intake_step(w);
    }
    mclient_close(w->c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc - 5 > MAX_AGENCIES) {
        fprintf(stderr, "usage: crash EP KEYS JOURNAL STOPFILE AGENCY:ROLE...\n");
        return 2;
    }
    g.ep = argv[1];
    g.keys = argv[2];
    g.stop = argv[4];
    g.journal = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g.journal < 0) {
        perror("crash: journal");
        return 1;
    }
    snprintf(g.run, sizeof(g.run), "r%lx%x", (unsigned long)time(NULL), (unsigned)getpid());
    g.nagencies = argc - 5;
    int nw = g.nagencies + 3;
    struct worker *w = calloc((size_t)nw, sizeof(*w));
    pthread_t *t = calloc((size_t)nw, sizeof(*t));
    for (int i = 0; i < nw; i++) {
        w[i].agency = -1;
        w[i].seed = (unsigned)getpid() * 31u + (unsigned)i;
        snprintf(w[i].tag, sizeof(w[i].tag), "w%d", i);
        if (i == 0) {
            snprintf(w[i].principal, sizeof(w[i].principal), "gold");
        } else if (i <= g.nagencies) {
            const char *spec = argv[4 + i], *colon = strchr(spec, ':');
            if (!colon) {
                fprintf(stderr, "crash: %s: expected AGENCY:ROLE\n", spec);
                return 2;
            }
            snprintf(w[i].principal, sizeof(w[i].principal), "agency:%.*s", (int)(colon - spec),
                     spec);
            snprintf(w[i].role, sizeof(w[i].role), "%s", colon + 1);
            w[i].agency = i - 1;
        } else {
            snprintf(w[i].principal, sizeof(w[i].principal), "intake");
        }
    }
    for (int i = 0; i < nw; i++)
        pthread_create(&t[i], NULL, worker_run, &w[i]);
    for (int i = 0; i < nw; i++)
        pthread_join(t[i], NULL);
    printf("requests %d writes %d journaled %d resent %d unavailable %d errors %d\n",
           atomic_load(&g.requests), atomic_load(&g.writes), atomic_load(&g.journaled),
           atomic_load(&g.resent), atomic_load(&g.unavailable), atomic_load(&g.errors));
    close(g.journal);
    free(w);
    free(t);
    return atomic_load(&g.errors) ? 1 : 0;
}
