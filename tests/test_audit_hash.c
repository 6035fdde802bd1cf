/*
 * tests/test_audit_hash.c - an audit row's hash (common/audit.c) is the
 * SHA-256 of the text it has always hashed: the previous row's hash, the
 * row's id, time, principal, request id, command, target, outcome and
 * detail, one a line, as "%s\n%lld\n..." prints them (an empty line for a
 * missing request id, target or detail).  Every audit trail already
 * written is checked against that text (muster audit verify), so a row
 * hashed any other way would read as changed.  Rows of every shape: the
 * first (no previous hash), missing fields, ids and times to their
 * limits, UTF-8, and texts long enough to pass the stack buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "audit.h"

/* The hash as the chain has always been made: the printed text. */
static void printed_hash(const char *prev, int64_t id, const struct audit_row *a, char hex[65])
{
    char *text = NULL;
    unsigned char h[crypto_hash_sha256_BYTES];
    int n =
        asprintf(&text, "%s\n%lld\n%lld\n%s\n%s\n%s\n%s\n%s\n%s", prev ? prev : "", (long long)id,
                 (long long)a->at, a->principal, a->request_id ? a->request_id : "", a->command,
                 a->target ? a->target : "", a->outcome, a->detail ? a->detail : "");
    assert_true(n > 0);
    crypto_hash_sha256(h, (const unsigned char *)text, (size_t)n);
    sodium_bin2hex(hex, 65, h, sizeof(h));
    free(text);
}

static void same_hash(const char *prev, int64_t id, const struct audit_row *a)
{
    char want[65], got[65];
    printed_hash(prev, id, a, want);
    audit_row_hash(prev, id, a, got);
    assert_string_equal(got, want);
}

static void test_rows(void **state)
{
    (void)state;
    static char long_detail[3000], long_target[1100];
    memset(long_detail, 'd', sizeof(long_detail) - 1);
    memset(long_target, 't', sizeof(long_target) - 1);
    const char *prev = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    struct audit_row rows[] = {
        {1733300000000, "agency:victim-witness-hub", "r-1", "agency.received", "page 7", "ok",
         NULL},
        {0, "gold", NULL, "incident.standup", NULL, "ok", "plan bench, level 1"},
        {-1, "duty", "", "person.add", "", "NOT_FOUND", ""},
        {INT64_MAX, "web:Zoë Ñ €", "id-é", "person.show", "person 12", "ok", "café 🚑"},
        {INT64_MIN, "gold", "r", "person.export", long_target, "ok", long_detail},
        {42, "duty", "r", "c", "t", "o", long_detail + 2000}, /* some 1,000 bytes: the edge */
    };
    int64_t ids[] = {1, 2, INT64_MAX, INT64_MIN, 0, 123456789};
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
        same_hash(prev, ids[i], &rows[i]);
        same_hash(NULL, ids[i], &rows[i]); /* the first row */
        same_hash("", ids[i], &rows[i]);
    }
    for (size_t cut = 880; cut < 1000; cut++) { /* every length across the stack buffer */
        struct audit_row a = {7,
                              "gold",
                              "r-9",
                              "incident.amend",
                              "incident MI-1",
                              "ok",
                              long_detail + sizeof(long_detail) - 1 - cut};
        same_hash(prev, 99, &a);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
