/*
 * common/audit.c - the audit signing key, signed anchor lines and the check
 * of a chain against them (see audit.h).  Used by musterd (store.c signs,
 * dispatch.c verifies) and by `muster audit verify --db` offline.
 */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "sqlerr.h"

static int write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    size_t n = strlen(text);
    int rc = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : (errno ? -errno : -EIO);
    close(fd);
    return rc;
}

int audit_key_create(const char *dir)
{
    struct audit_key k;
    char pk[65], sk[129], path[4096], text[320];
    crypto_sign_keypair(k.pk, k.sk);
    sodium_bin2hex(pk, sizeof(pk), k.pk, sizeof(k.pk));
    sodium_bin2hex(sk, sizeof(sk), k.sk, sizeof(k.sk));
    snprintf(path, sizeof(path), "%s/%s", dir, AUDIT_KEY_FILE);
    snprintf(text, sizeof(text), "# muster audit signing key: keep secret\npublic %s\nsecret %s\n",
             pk, sk);
    int rc = write_new(path, text, 0600);
    sodium_memzero(text, sizeof(text));
    sodium_memzero(&k, sizeof(k));
    if (rc != 0)
        return rc;
    snprintf(path, sizeof(path), "%s/%s", dir, AUDIT_PUB_FILE);
    snprintf(text, sizeof(text), "# muster audit signing key (public part)\npublic %s\n", pk);
    return write_new(path, text, 0644);
}

static int hex_field(const char *value, uint8_t *out, size_t len)
{
    size_t got = 0;
    if (strlen(value) != 2 * len ||
        sodium_hex2bin(out, len, value, strlen(value), NULL, &got, NULL) != 0 || got != len)
        return -1;
    return 0;
}

static int key_line(char *line, struct audit_key *k, bool *has_pk)
{
    char field[16], value[160];
    char c = line[strspn(line, " \t\r\n")];
    if (c == '\0' || c == '#')
        return 0;
    if (sscanf(line, "%15s %159s", field, value) != 2)
        return -1;
    if (!strcmp(field, "public"))
        return (*has_pk = hex_field(value, k->pk, sizeof(k->pk)) == 0) ? 0 : -1;
    if (!strcmp(field, "secret"))
        return (k->has_secret = hex_field(value, k->sk, sizeof(k->sk)) == 0) ? 0 : -1;
    return -1;
}

/* The secret key must belong to the public key next to it. */
static int key_check(const char *path, struct audit_key *k, bool has_pk, char *err, size_t errlen)
{
    uint8_t pk[32];
    if (!has_pk) {
        snprintf(err, errlen, "%s: no public key", path);
        return -EINVAL;
    }
    if (k->has_secret && (crypto_sign_ed25519_sk_to_pk(pk, k->sk) != 0 || memcmp(pk, k->pk, 32))) {
        snprintf(err, errlen, "%s: the secret key does not match the public key", path);
        return -EINVAL;
    }
    return 0;
}

int audit_key_read(const char *path, struct audit_key *k, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    FILE *f = fopen(path, "re");
    if (!f) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    struct stat sb;
    char line[320];
    bool has_pk = false;
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        if (key_line(line, k, &has_pk) != 0) {
            snprintf(err, errlen, "%s:%d: not a valid audit key line", path, lineno);
            rc = -EINVAL;
        }
    }
    if (rc == 0 && k->has_secret && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077)) {
        snprintf(err, errlen, "%s is readable by others (mode %03o): chmod 600 it", path,
                 (unsigned)(sb.st_mode & 0777));
        rc = -EPERM;
    }
    fclose(f);
    sodium_memzero(line, sizeof(line));
    return rc ? rc : key_check(path, k, has_pk, err, errlen);
}

static int anchor_message(char *buf, size_t len, int64_t rows, const char *hash, int64_t at)
{
    return snprintf(buf, len, "muster audit anchor v1\n%" PRId64 "\n%s\n%" PRId64, rows,
                    hash[0] ? hash : "-", at);
}

void audit_anchor_format(const struct audit_key *k, int64_t rows, const char *hash, int64_t at,
                         char line[AUDIT_ANCHOR_LINE_MAX])
{
    char msg[160], sighex[129];
    uint8_t sig[crypto_sign_BYTES];
    int n = anchor_message(msg, sizeof(msg), rows, hash, at);
    crypto_sign_detached(sig, NULL, (const uint8_t *)msg, (size_t)n, k->sk);
    sodium_bin2hex(sighex, sizeof(sighex), sig, sizeof(sig));
    snprintf(line, AUDIT_ANCHOR_LINE_MAX, "v1 %" PRId64 " %s %" PRId64 " %s", rows,
             hash[0] ? hash : "-", at, sighex);
}

int audit_anchor_parse(const struct audit_key *k, const char *line, int64_t *rows, char *hash,
                       int64_t *at)
{
    char v[4], h[80], sighex[160], msg[160];
    long long r, t;
    uint8_t sig[crypto_sign_BYTES];
    if (sscanf(line, "%3s %lld %79s %lld %159s", v, &r, h, &t, sighex) != 5 || strcmp(v, "v1") ||
        r < 0 || (strcmp(h, "-") && strlen(h) != 64) || hex_field(sighex, sig, sizeof(sig)) != 0)
        return -EINVAL;
    memcpy(hash, strcmp(h, "-") ? h : "", strcmp(h, "-") ? 65 : 1); /* 64 hex + NUL, or "" */
    *rows = r;
    *at = t;
    int n = anchor_message(msg, sizeof(msg), r, hash, t);
    if (crypto_sign_verify_detached(sig, (const uint8_t *)msg, (size_t)n, k->pk) != 0)
        return -EBADMSG;
    return 0;
}

const char *audit_finding_name(enum audit_finding f)
{
    static const char *const names[] = {"intact",    "changed_row", "cut_tail",
                                        "rewritten", "bad_anchor",  "unanchored"};
    return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "unknown";
}

static const char SQL_CHAIN[] = "SELECT id, at, principal, request_id, command, target, outcome,"
                                " detail, hash FROM audit ORDER BY id";
static const char SQL_ROW_HASH[] = "SELECT hash FROM audit WHERE id = ?1";

/* Recompute the chain: the first row whose hash does not follow from the
 * row before it and its own fields (or whose id is not the next one); the
 * rows after it are counted. */
static int chain_check(sqlite3 *db, struct audit_report *r)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, SQL_CHAIN, -1, &s, NULL);
    char prev[65] = "", want[65];
    if (rc != SQLITE_OK)
        return sql_errno(rc);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (r->finding != AUDIT_INTACT) { /* past the break: only counted */
            r->rows++;
            continue;
        }
        int64_t id = sqlite3_column_int64(s, 0);
        struct audit_row a = {sqlite3_column_int64(s, 1),
                              (const char *)sqlite3_column_text(s, 2),
                              (const char *)sqlite3_column_text(s, 3),
                              (const char *)sqlite3_column_text(s, 4),
                              (const char *)sqlite3_column_text(s, 5),
                              (const char *)sqlite3_column_text(s, 6),
                              (const char *)sqlite3_column_text(s, 7)};
        const char *hash = (const char *)sqlite3_column_text(s, 8);
        r->rows++;
        audit_row_hash(prev, id, &a, want);
        if (id != r->rows || !hash || strcmp(hash, want)) {
            r->finding = AUDIT_CHANGED_ROW;
            r->row = id > r->rows ? r->rows : id;
            continue;
        }
        snprintf(prev, sizeof(prev), "%s", hash);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : sql_errno(rc);
}

/* The stored hash of row id ("" when the row is missing). */
static int row_hash(sqlite3_stmt *s, int64_t id, char hash[65])
{
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    const char *stored = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    snprintf(hash, 65, "%s", stored ? stored : "");
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_errno(rc);
}

/* Compare one valid anchor with the (intact) chain; sets the finding. */
static int anchor_compare(sqlite3_stmt *s, int64_t rows, const char *hash, struct audit_report *r)
{
    char have[65] = "";
    if (rows > r->rows) {
        r->finding = AUDIT_CUT_TAIL;
        r->row = rows;
        return 0;
    }
    int rc = rows > 0 ? row_hash(s, rows, have) : 0;
    if (rc == 0 && strcmp(have, hash)) {
        r->finding = AUDIT_REWRITTEN;
        r->row = rows;
    }
    return rc;
}

/* A cut tail: how far the signed anchors after the first one beyond the
 * database reach (the rows that were cut are those up to it). */
static void cut_extent(FILE *f, const struct audit_key *k, struct audit_report *r)
{
    char line[AUDIT_ANCHOR_LINE_MAX + 64], hash[65];
    int64_t rows, at, lineno = r->line;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (audit_anchor_parse(k, line, &rows, hash, &at) == 0 && rows > r->row) {
            r->row = rows;
            r->line = lineno;
        }
    }
}

/* Check every anchor line in order; stop at the first finding. */
static int anchors_check(sqlite3 *db, FILE *f, const struct audit_key *k, struct audit_report *r)
{
    sqlite3_stmt *s;
    int rc = sql_errno(sqlite3_prepare_v2(db, SQL_ROW_HASH, -1, &s, NULL));
    char line[AUDIT_ANCHOR_LINE_MAX + 64], hash[65];
    int64_t vouched = 0; /* rows an earlier anchor already vouched for */
    while (rc == 0 && r->finding == AUDIT_INTACT && fgets(line, sizeof(line), f)) {
        int64_t rows, at;
        r->line++;
        if (audit_anchor_parse(k, line, &rows, hash, &at) != 0) {
            r->finding = AUDIT_BAD_ANCHOR;
            break;
        }
        r->anchors++;
        if ((rc = anchor_compare(s, rows, hash, r)) != 0 || r->finding != AUDIT_INTACT)
            break;
        vouched = rows > vouched ? rows : vouched;
        r->anchored_rows = rows;
        r->anchored_at = at;
    }
    if (r->finding == AUDIT_CUT_TAIL)
        cut_extent(f, k, r);
    r->from_row = r->finding == AUDIT_REWRITTEN ? vouched + 1 : 0;
    if (r->finding == AUDIT_INTACT)
        r->line = 0;
    sqlite3_finalize(s);
    return rc;
}

int audit_verify(sqlite3 *db, const char *anchor_path, const struct audit_key *k,
                 struct audit_report *r)
{
    memset(r, 0, sizeof(*r));
    int rc = chain_check(db, r);
    if (rc != 0 || r->finding != AUDIT_INTACT)
        return rc;
    FILE *f = k && anchor_path ? fopen(anchor_path, "re") : NULL;
    if (!f && k && anchor_path && errno != ENOENT)
        return -errno;
    if (f) {
        rc = anchors_check(db, f, k, r);
        fclose(f);
    }
    if (rc == 0 && r->finding == AUDIT_INTACT && r->anchors == 0 && r->rows > 0)
        r->finding = AUDIT_UNANCHORED;
    return rc;
}

json_t *audit_report_json(const struct audit_report *r)
{
    json_t *o =
        json_pack("{s:b, s:s, s:I, s:I, s:I}", "intact", r->finding == AUDIT_INTACT, "finding",
                  audit_finding_name(r->finding), "rows", (json_int_t)r->rows, "anchors",
                  (json_int_t)r->anchors, "anchored_rows", (json_int_t)r->anchored_rows);
    json_object_set_new(o, "anchored_at", r->anchors ? json_integer(r->anchored_at) : json_null());
    if (r->finding == AUDIT_CHANGED_ROW)
        json_object_set_new(o, "first_broken_row", json_integer(r->row));
    if (r->finding == AUDIT_CUT_TAIL || r->finding == AUDIT_REWRITTEN)
        json_object_set_new(o, "row", json_integer(r->row));
    if (r->finding == AUDIT_REWRITTEN)
        json_object_set_new(o, "from_row", json_integer(r->from_row));
    if (r->line > 0)
        json_object_set_new(o, "anchor_line", json_integer(r->line));
    return o;
}

/* The row's text, as "%s\n%lld\n%lld\n%s\n%s\n%s\n%s\n%s\n%s" would print
 * it, into buf (size cap) when it fits, else into a new block (*heap):
 * its length, or -1 when memory ran out.  Written directly: asprintf took
 * a tenth of an audited request's own work (issue 19). */
static long row_text(const char *prev, int64_t id, const struct audit_row *a, char *buf, size_t cap,
                     char **heap)
{
    char ids[48];
    int nids = snprintf(ids, sizeof(ids), "%lld\n%lld", (long long)id, (long long)a->at);
    const char *part[] = {prev ? prev : "",
                          ids,
                          a->principal ? a->principal : "(null)", /* as printf has it */
                          a->request_id ? a->request_id : "",
                          a->command ? a->command : "(null)",
                          a->target ? a->target : "",
                          a->outcome ? a->outcome : "(null)",
                          a->detail ? a->detail : ""};
    enum { NPART = sizeof(part) / sizeof(part[0]) };
    size_t len[NPART], total = NPART - 1; /* the line breaks between */
    for (size_t i = 0; i < NPART; i++)
        total += len[i] = i == 1 ? (size_t)nids : strlen(part[i]);
    char *out = total < cap ? buf : (*heap = malloc(total + 1));
    if (!out)
        return -1;
    char *at = out;
    for (size_t i = 0; i < NPART; i++) {
        memcpy(at, part[i], len[i]);
        at += len[i];
        if (i + 1 < NPART)
            *at++ = '\n';
    }
    *at = '\0';
    return (long)total;
}

void audit_row_hash(const char *prev, int64_t id, const struct audit_row *a, char hex[65])
{
    char buf[1024], *heap = NULL;
    unsigned char h[crypto_hash_sha256_BYTES];
    long n = row_text(prev, id, a, buf, sizeof(buf), &heap);
    const char *text = heap ? heap : buf;
    crypto_hash_sha256(h, (const unsigned char *)(n > 0 ? text : ""), n > 0 ? (size_t)n : 0);
    sodium_bin2hex(hex, 65, h, sizeof(h));
    free(heap);
}
