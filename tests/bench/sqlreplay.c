/*
 * tests/bench/sqlreplay.c - the benchmark's SQL floor: replays what
 * sqlrecord.c recorded of musterd's own connection (the one that commits)
 * against a new database: the same statements, values, steps, savepoints
 * and transactions, with nothing else (no ZeroMQ, no CURVE, no JSON, no
 * routing).  Each record is read and decoded first, then executed.
 *
 * usage: sqlreplay DB FROM RECORD [RECORD...]
 * The records are replayed in turn; the last one is timed from the step of
 * its (FROM + 1)th person insert to its last COMMIT.  Prints
 * "sql_alone_persons_per_s N", "sql_alone_persons N" and
 * "sql_alone_persons_per_commit N"; exits 1 if a step failed where
 * musterd's succeeded, or succeeded where musterd's failed.
 *
 * With SQLREPLAY_PROFILE=1 it also times each step and exec of the timed
 * part and prints, to stderr, one line a statement text (the same text
 * prepared again is one), the most costly first: "sql_profile US_A_PERSON
 * CALLS_A_PERSON TEXT" (the text's first 100 bytes).  The timing itself
 * costs a little: the persons/s of a profiled replay are not the floor.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "sqlreplay: %s: %s\n", what, detail);
    exit(1);
}

/* Recorded statement addresses to this replay's statements (open
 * addressing; a finalized address becomes a tombstone, 1). */
#define SLOTS (1 << 16)
static uint64_t addr[SLOTS];
static int index_of[SLOTS];

static int slot(uint64_t k)
{
    for (uint64_t h = (k * 0x9E3779B97F4A7C15ull) >> 48;; h++) {
        h &= SLOTS - 1;
        if (addr[h] == k || addr[h] == 0)
            return (int)h;
    }
}

static int nibble(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

static char *unhex(const char *h, int *len)
{
    size_t n = strlen(h) / 2;
    char *o = malloc(n + 1);
    if (o == NULL)
        die("memory", "");
    for (size_t i = 0; i < n; i++)
        o[i] = (char)(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
    o[n] = 0;
    *len = (int)n;
    return o;
}

/* musterd's muster_name_key (only a migration's backfill of an empty
 * table calls it). */
static void name_key(sqlite3_context *c, int n, sqlite3_value **v)
{
    (void)n;
    sqlite3_result_text(c, (const char *)sqlite3_value_text(v[0]), -1, SQLITE_TRANSIENT);
}

struct op {
    char kind, type;    /* P E B S R C F; a value's type i d n t b */
    int stmt, idx, len; /* idx: a bound value's index, or a step's recorded result */
    long long i;
    double d;
    char *text;
};

struct record {
    struct op *ops;
    size_t n;
    int nstmts;
    char **sql; /* each statement's text, by index */
};

/* SQLREPLAY_PROFILE: time and calls of the timed part, by statement
 * index (execs by their own index, after the statements'). */
struct profile {
    bool on;
    double *s;
    long *n;
    const char **text;
    size_t cap, len;
};

/* A new slot for text, at zero. */
static size_t profile_add(struct profile *p, const char *text)
{
    if (p->len == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->s = realloc(p->s, p->cap * sizeof(*p->s));
        p->n = realloc(p->n, p->cap * sizeof(*p->n));
        p->text = realloc(p->text, p->cap * sizeof(*p->text));
        if (!p->s || !p->n || !p->text)
            die("memory", "profile");
    }
    p->s[p->len] = 0;
    p->n[p->len] = 0;
    p->text[p->len] = text;
    return p->len++;
}

/* The slot of an exec's text (one per distinct text, after the
 * statements' nstmts). */
static size_t profile_exec(struct profile *p, int nstmts, const char *text)
{
    for (size_t i = (size_t)nstmts; i < p->len; i++)
        if (strcmp(p->text[i], text) == 0)
            return i;
    return profile_add(p, text);
}

/* A slot for each statement of r, at zero, before any exec. */
static void profile_reset(struct profile *p, struct record *r)
{
    p->len = 0;
    for (int i = 0; i < r->nstmts; i++)
        profile_add(p, r->sql[i]);
}

static int by_time(const void *a, const void *b)
{
    const double *x = *(const double *const *)a, *y = *(const double *const *)b;
    return *x < *y ? 1 : *x > *y ? -1 : 0;
}

/* Merge the slots of the same text and print them, most costly first. */
static void profile_print(struct profile *p, long persons)
{
    double **order = malloc(p->len * sizeof(*order));
    size_t n = 0;
    for (size_t i = 0; i < p->len; i++) {
        size_t j = 0;
        while (j < i && strcmp(p->text[j], p->text[i]) != 0)
            j++;
        if (j < i) { /* prepared again: counted with the first */
            p->s[j] += p->s[i];
            p->n[j] += p->n[i];
            p->n[i] = 0;
        }
    }
    for (size_t i = 0; i < p->len; i++)
        if (p->n[i] > 0)
            order[n++] = &p->s[i];
    qsort(order, n, sizeof(*order), by_time);
    for (size_t k = 0; k < n; k++) {
        size_t i = (size_t)(order[k] - p->s);
        fprintf(stderr, "sql_profile %.2f %.2f %.100s\n", p->s[i] * 1e6 / (double)persons,
                (double)p->n[i] / (double)persons, p->text[i]);
    }
    free(order);
}

/* Read a record, keeping only the connection that commits. */
static void record_read(const char *path, struct record *r)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open", path);
    size_t cap = 1 << 16, capops = 1 << 16;
    char *line = malloc(cap), conn[64] = "";
    while (getline(&line, &cap, f) > 0)
        if (line[0] == 'E' && strstr(line, " 434f4d4d4954\n")) { /* "COMMIT" */
            sscanf(line + 2, "%63s", conn);
            break;
        }
    rewind(f);
    memset(addr, 0, sizeof(addr));
    r->ops = malloc(capops * sizeof(*r->ops));
    r->sql = malloc(SLOTS * sizeof(*r->sql));
    r->n = 0;
    r->nstmts = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = 0;
        char *p = line + 2, db[64];
        struct op o = {.kind = line[0], .stmt = -1};
        int off = 0, s;
        uint64_t k = line[0] == 'E' ? 0 : strtoull(p, &p, 16);
        if (o.kind == 'E' || o.kind == 'P') {
            if (sscanf(p, " %63s %n", db, &off) != 1 || strcmp(db, conn) != 0)
                continue;
            o.text = unhex(p + off, &o.len);
            if (o.kind == 'P') {
                if (r->nstmts == SLOTS / 2)
                    die("too many statements", path);
                s = slot(k);
                addr[s] = k;
                index_of[s] = o.stmt = r->nstmts;
                r->sql[r->nstmts++] = o.text;
            }
        } else {
            s = slot(k);
            if (addr[s] != k)
                continue; /* another connection's */
            o.stmt = index_of[s];
            if (o.kind == 'F')
                addr[s] = 1;
            if (o.kind == 'S' && sscanf(p, " %d", &o.idx) != 1)
                o.idx = SQLITE_DONE;
            if (o.kind == 'B' && sscanf(p, " %d %c %n", &o.idx, &o.type, &off) == 2) {
                if (o.type == 'i')
                    o.i = strtoll(p + off, NULL, 10);
                else if (o.type == 'd')
                    o.d = strtod(p + off, NULL);
                else if (o.type == 't' || o.type == 'b')
                    o.text = unhex(p + off, &o.len);
            }
        }
        if (r->n == capops && !(r->ops = realloc(r->ops, (capops *= 2) * sizeof(*r->ops))))
            die("memory", path);
        r->ops[r->n++] = o;
    }
    free(line);
    fclose(f);
    if (conn[0] == 0)
        die("no COMMIT in", path);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: sqlreplay DB FROM RECORD [RECORD...]\n");
        return 2;
    }
    long from = atol(argv[2]);
    /* as musterd (common/dbfile.c, daemon/store.c): statement journals in
     * memory, a connection without its own mutex */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
    sqlite3 *db;
    if (sqlite3_open_v2(argv[1], &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "muster_name_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   NULL, name_key, NULL, NULL, NULL) != SQLITE_OK)
        die("cannot open", argv[1]);
    long persons = 0, commits = 0, failed = 0;
    double t0 = 0, t1 = 0, ts = 0;
    const char *pe = getenv("SQLREPLAY_PROFILE");
    struct profile prof = {.on = pe && strcmp(pe, "1") == 0};
    for (int a = 3; a < argc; a++) {
        struct record r;
        record_read(argv[a], &r);
        sqlite3_stmt **st = calloc((size_t)r.nstmts + 1, sizeof(*st));
        char *is_person = calloc((size_t)r.nstmts + 1, 1);
        bool timed = a == argc - 1;
        if (timed && prof.on)
            profile_reset(&prof, &r);
        for (size_t n = 0; n < r.n; n++) {
            struct op *o = &r.ops[n];
            sqlite3_stmt *s = o->stmt >= 0 ? st[o->stmt] : NULL;
            switch (o->kind) {
            case 'P':
                if (sqlite3_prepare_v3(db, o->text, o->len, SQLITE_PREPARE_PERSISTENT, &st[o->stmt],
                                       NULL) != SQLITE_OK)
                    die(sqlite3_errmsg(db), o->text);
                is_person[o->stmt] = strncmp(o->text, "INSERT INTO persons ", 20) == 0;
                break;
            case 'E':
                ts = prof.on && t0 > 0 ? now() : 0;
                failed += sqlite3_exec(db, o->text, NULL, NULL, NULL) != SQLITE_OK;
                if (ts > 0) {
                    size_t e = profile_exec(&prof, r.nstmts, o->text);
                    prof.s[e] += now() - ts;
                    prof.n[e]++;
                }
                if (t0 > 0 && strcmp(o->text, "COMMIT") == 0) {
                    t1 = now();
                    commits++;
                }
                break;
            case 'B':
                if (o->type == 'i')
                    sqlite3_bind_int64(s, o->idx, o->i);
                else if (o->type == 'd')
                    sqlite3_bind_double(s, o->idx, o->d);
                else if (o->type == 't')
                    sqlite3_bind_text(s, o->idx, o->text, o->len, SQLITE_STATIC);
                else if (o->type == 'b')
                    sqlite3_bind_blob(s, o->idx, o->text, o->len, SQLITE_STATIC);
                else
                    sqlite3_bind_null(s, o->idx);
                break;
            case 'S': {
                if (timed && is_person[o->stmt] && persons++ == from)
                    t0 = now();
                ts = prof.on && t0 > 0 ? now() : 0;
                int rc = sqlite3_step(s);
                if (ts > 0) {
                    prof.s[o->stmt] += now() - ts;
                    prof.n[o->stmt]++;
                }
                bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
                if (ok != (o->idx == SQLITE_ROW || o->idx == SQLITE_DONE)) { /* not as musterd's */
                    fprintf(stderr, "sqlreplay: %d where musterd had %d: %s: %s\n", rc, o->idx,
                            sqlite3_errmsg(db), r.sql[o->stmt]);
                    failed++;
                }
                break;
            }
            case 'R':
                sqlite3_reset(s);
                break;
            case 'C':
                sqlite3_clear_bindings(s);
                break;
            case 'F':
                sqlite3_finalize(s);
                st[o->stmt] = NULL;
                break;
            }
        }
        for (int i = 0; i < r.nstmts; i++)
            sqlite3_finalize(st[i]);
        free(st);
        free(is_person);
    }
    sqlite3_close(db);
    persons -= from;
    if (t0 <= 0 || t1 <= t0 || persons <= 0)
        die("no persons registered after the first", argv[2]);
    if (prof.on)
        profile_print(&prof, persons);
    printf("sql_alone_persons_per_s %.0f\n", (double)persons / (t1 - t0));
    printf("sql_alone_persons %ld\n", persons);
    printf("sql_alone_persons_per_commit %.1f\n",
           commits ? (double)persons / (double)commits : 0.0);
    return failed ? 1 : 0;
}
