/*
 * tests/test_paging_text.c - unit tests for daemon/paging_text.c: a page's
 * JSON text written directly (paging_page_json) is byte for byte what
 * jansson writes for the same page (json_dumps of paging_json, compact),
 * for an activation and a call for staff, live and exercise, with and
 * without a level name and an acknowledgement deadline, and with quotes,
 * backslashes, control characters and UTF-8 in the plan's words; a
 * missing string fails as json_pack fails; a notice goes through jansson;
 * acknowledgement codes come in blocks that share their first characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "paging_text.h"

static struct page_facts facts(void)
{
    return (struct page_facts){.page_id = 4711,
                               .incident_ref = "EX-CAMBS-2026-0001",
                               .level = 2,
                               .level_name = "Major crime",
                               .exercise = true,
                               .operation = "ORION",
                               .plan_name = "Cambridgeshire",
                               .plan_version = "7",
                               .agency_id = "nhs-mh",
                               .agency_name = "NHS mental health",
                               .agency_role = "Crisis teams",
                               .contact_name = "Duty desk",
                               .channel = "zmq",
                               .step = 1,
                               .steps = 3,
                               .attempt = 1,
                               .ack_code = "7K3M9QXZ"};
}

/* The direct text equals jansson's, for f. */
static void same(const struct page_facts *f)
{
    char *subject = paging_subject(f), *text = paging_text(f);
    json_t *j = paging_json(f, subject, text);
    char *want = json_dumps(j, JSON_COMPACT), *got = paging_page_json(f, subject, text);
    assert_non_null(want);
    assert_non_null(got);
    assert_string_equal(got, want);
    json_t *back = json_loads(got, 0, NULL); /* and it is JSON */
    assert_non_null(back);
    json_decref(back);
    free(got);
    free(want);
    json_decref(j);
    free(subject);
    free(text);
}

static void test_activation(void **state)
{
    (void)state;
    struct page_facts f = facts();
    same(&f);
    f.exercise = false;
    f.level_name = NULL;
    same(&f);
}

static void test_call_for_staff(void **state)
{
    (void)state;
    struct page_facts f = facts();
    f.call = "2 x Mental health nurse for the Night shift, Sat 22 Nov 20:00 to Sun 23 Nov 08:00";
    f.kind = "page";
    f.ack_due_at = 1795000000000LL;
    f.page_id = 9007199254740993LL;
    same(&f);
    f.edxl_rm = "<?xml version=\"1.0\"?>\n<RequestResource xmlns=\"urn:x\">a &amp; "
                "\"b\"</RequestResource>\n";
    same(&f); /* an agency whose plan says edxl_rm: true */
}

static void test_escapes(void **state)
{
    (void)state;
    struct page_facts f = facts();
    f.agency_name = "St \"Mary's\" \\ Trust\t(Ely)\r\n\b\f\x01\x1f/ \x7f";
    f.contact_name = "Gwasanaeth Iechyd Meddwl \xc3\xa2\xc5\xb5 \xe2\x80\xa8 \xf0\x9f\x9a\x91";
    f.operation = "";
    same(&f);
}

static void test_missing_string(void **state)
{
    (void)state;
    struct page_facts f = facts();
    f.operation = NULL; /* json_pack refuses it: no page */
    assert_null(paging_json(&f, "s", "t"));
    assert_null(paging_page_json(&f, "s", "t"));
}

static void test_notice(void **state)
{
    (void)state;
    struct page_facts f = facts();
    json_t *body = json_pack("{s:s, s:s, s:{s:s, s:i}}", "subject", "Referral", "text",
                             "A person was referred", "facts", "person", "P-1", "urgent", 1);
    f.notice = body;
    f.kind = "referral";
    char *subject = paging_notice_subject(&f), *text = paging_notice_text(&f);
    json_t *j = paging_json(&f, subject, text);
    char *want = json_dumps(j, JSON_COMPACT), *got = paging_page_json(&f, subject, text);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(j);
    free(subject);
    free(text);
    json_decref(body);
}

/* Codes are 8 characters of the alphabet; those made one after another
 * share their first two for a block of 1,024, so the store's unique index
 * takes a block's codes in a few leaf pages (issue 19); each block draws
 * its own.  Over 8,193 codes (eight blocks begun, wherever the first one
 * started) the first two characters change at most 8 times (fully random
 * codes change them nearly every time), and not 0 times (all eight blocks
 * drawing the same pair: 1 in 1024^7). */
static void test_ack_code_blocks(void **state)
{
    (void)state;
    char prev[9] = "", code[9];
    int changes = 0;
    for (int i = 0; i < 8 * 1024 + 1; i++) {
        paging_ack_code(code);
        assert_int_equal(strlen(code), 8);
        assert_int_equal(strspn(code, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), 8);
        changes += i > 0 && strncmp(prev, code, 2) != 0;
        memcpy(prev, code, sizeof(prev));
    }
    assert_in_range(changes, 1, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activation), cmocka_unit_test(test_call_for_staff),
        cmocka_unit_test(test_escapes),    cmocka_unit_test(test_missing_string),
        cmocka_unit_test(test_notice),     cmocka_unit_test(test_ack_code_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
