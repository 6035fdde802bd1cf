/*
 * common/audit.h - the audit trail's anchor outside the database.
 *
 * The audit table is a SHA-256 hash chain (audit_row_hash), but a chain
 * alone proves nothing to someone who can write the database file: he can
 * cut rows off the end, or change a row and recompute every hash after it.
 * So musterd signs the chain head (the last row id and its hash) with an
 * Ed25519 key kept in the keys directory (audit.key, mode 0600; its public
 * half in audit.pub) and appends the signed head, one line per commit batch
 * that added audit rows, to an append-only anchor file (DB.anchor) and to
 * the journal.  audit_verify checks a database against the anchor file and
 * the public key and names what it found.
 *
 * Anchor line: "v1 ROWS HASH AT SIG": ROWS the id of the last row (the
 * chain's rows are numbered from 1 without gaps), HASH its hash in hex
 * ("-" for an empty chain), AT the milliseconds since the epoch when it was
 * signed, SIG the Ed25519 signature in hex of "muster audit anchor v1\n"
 * ROWS "\n" HASH "\n" AT.
 */
#ifndef MUSTER_AUDIT_H
#define MUSTER_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* Audit trail: one row per state change or refusal. */
struct audit_row {
    int64_t at;             /* ms since the epoch */
    const char *principal;  /* who */
    const char *request_id; /* client request id, may be NULL */
    const char *command;    /* what */
    const char *target;     /* e.g. incident reference, may be NULL */
    const char *outcome;    /* "ok" or an error code */
    const char *detail;     /* JSON text or NULL */
};

/* The chain hash of audit row id with fields a after the row whose hash
 * is prev ("" for the first row): SHA-256 over prev, id and every field,
 * newline-separated, as 64 hex characters.  docs/security.md spells it
 * out so an inquiry can check an export independently. */
void audit_row_hash(const char *prev, int64_t id, const struct audit_row *a, char hex[65]);

#define AUDIT_KEY_FILE "audit.key"
#define AUDIT_PUB_FILE "audit.pub"
#define AUDIT_ANCHOR_SUFFIX ".anchor"
#define AUDIT_ANCHOR_LINE_MAX 256

struct audit_key {
    uint8_t pk[32];
    uint8_t sk[64];
    bool has_secret; /* false for a key read from audit.pub */
};

/* Create a fresh signing key: DIR/audit.key (0600) and DIR/audit.pub
 * (0644).  Refuses to overwrite either (-EEXIST).  Returns 0 or -errno. */
int audit_key_create(const char *dir);

/* Read audit.key or audit.pub.  A secret key file readable by group or
 * others is refused (-EPERM).  Returns 0 or -errno with a message in err. */
int audit_key_read(const char *path, struct audit_key *k, char *err, size_t errlen);

/* The signed anchor line (no newline) for a chain of rows rows whose last
 * hash is hash ("" when empty), signed at at.  k must hold the secret. */
void audit_anchor_format(const struct audit_key *k, int64_t rows, const char *hash, int64_t at,
                         char line[AUDIT_ANCHOR_LINE_MAX]);

/* Parse and check one anchor line against the public key: 0 and *rows,
 * hash (65 bytes, "" for an empty chain), *at; -EINVAL when malformed,
 * -EBADMSG when the signature does not verify. */
int audit_anchor_parse(const struct audit_key *k, const char *line, int64_t *rows, char *hash,
                       int64_t *at);

enum audit_finding {
    AUDIT_INTACT,      /* the chain follows and matches every anchor */
    AUDIT_CHANGED_ROW, /* a row's hash does not follow: changed, removed or inserted */
    AUDIT_CUT_TAIL,    /* an anchor covers rows the database no longer has */
    AUDIT_REWRITTEN,   /* the chain follows but disagrees with an anchor */
    AUDIT_BAD_ANCHOR,  /* an anchor line is malformed or its signature is false */
    AUDIT_UNANCHORED,  /* rows but no anchor file, or no key to check it with */
};

struct audit_report {
    enum audit_finding finding;
    int64_t rows;          /* rows in the database */
    int64_t anchors;       /* anchor lines checked */
    int64_t anchored_rows; /* rows covered by the latest anchor */
    int64_t anchored_at;   /* when the latest anchor was signed (ms) */
    int64_t row;           /* changed: the row; rewritten: the anchored row that differs;
                              cut: the rows the anchor covers */
    int64_t from_row;      /* rewritten: the first row not vouched for by an earlier anchor */
    int64_t line;          /* the anchor line of the finding (1-based), or 0 */
};

/* "intact", "changed_row", "cut_tail", "rewritten", "bad_anchor", "unanchored". */
const char *audit_finding_name(enum audit_finding f);

/*
 * Check the audit chain in db (read with its own statements, nothing
 * written) against the anchor file at anchor_path with the public key k
 * (NULL: no key, the chain is checked alone and reported unanchored).
 * Returns 0 and fills r, or -errno when the database cannot be read.
 */
int audit_verify(sqlite3 *db, const char *anchor_path, const struct audit_key *k,
                 struct audit_report *r);

/* The report as the result of audit.verify (docs/protocol.md): a new
 * object, the caller owns it. */
json_t *audit_report_json(const struct audit_report *r);

#endif
