/*
 * tests/test_edxl_rm.c - the EDXL-RM 1.0 adapter (common/edxl_rm.c on
 * common/xml.c): every tests/edxl_rm/good/NAME.xml reads and survives the
 * round trip (JSON, written back, valid against the two-document XSD,
 * read again, the same JSON); every tests/edxl_rm/bad/NAME.xml is refused
 * with the message its .err file holds (a part of it); an oversize
 * message is refused before parsing; the RequestResource written for an
 * ask for staff is valid and reads back as written; MessageIDs and
 * date-times parse back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edxl_rm.h"
#include "xml.h"
#include "xml_cases.h"

static const char *rm_dir = MUSTER_EDXL_RM_DIR;
static struct xml_schema *schema;

/* json read, written back, read again: the same JSON. */
static void round_trip(const char *name, json_t *a)
{
    xml_case_round_trip(edxl_rm_read, edxl_rm_write, schema, name, a);
}

static void read_good(const char *path, const char *name)
{
    char err[512] = "";
    size_t len;
    char *buf = xml_case_slurp(path, &len);
    json_t *a = NULL;
    if (edxl_rm_read(schema, buf, len, &a, err, sizeof(err)) != 0)
        fail_msg("%s: %s", name, err);
    assert_non_null(json_object_get(a, "MessageID"));
    assert_non_null(json_array_get(json_object_get(a, "ResourceInformation"), 0));
    round_trip(name, a);
    json_decref(a);
    free(buf);
}

static void read_bad(const char *path, const char *name)
{
    xml_case_refused(edxl_rm_read, schema, path, name);
}

static void test_good(void **state)
{
    assert_true(xml_case_each(rm_dir, "good", read_good) >= 6);
}

static void test_bad(void **state)
{
    assert_true(xml_case_each(rm_dir, "bad", read_bad) >= 30);
}

/* Generated, not committed: over the limit, refused before parsing. */
static void test_oversize(void **state)
{
    xml_case_oversize(edxl_rm_read, schema, "<CommitResource>");
}

static const struct edxl_rm_ask ask = {
    .message_id = "muster:CAMB-2026-0001:ask:7",
    .sent_ms = 1780344000000,
    .incident_ref = "CAMB-2026-0001",
    .operation = "Operation <Bridge> & \"Ely\"",
    .exercise = 1,
    .plan_id = "cambridgeshire",
    .role_id = "mh-nurse",
    .role_name = "Mental health nurse",
    .quantity = 3,
    .shift_name = "Night",
    .starts_ms = 1780347600000,
    .ends_ms = 1780390800000,
    .hub_name = "Cambridgeshire Victim and Witness Hub",
    .hub_address = "Hinchingbrooke Park, Huntingdon PE29 6NP",
    .agency_name = "Mental health trust",
};

/* The RequestResource for an ask: emit, validate, read back, compare;
 * and what it says is what the ask says. */
static void test_request(void **state)
{
    json_t *a = edxl_rm_request(&ask);
    assert_non_null(a);
    round_trip("request", a);
    json_t *ri = json_array_get(json_object_get(a, "ResourceInformation"), 0);
    json_t *res = json_object_get(ri, "Resource");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(res, "TypeStructure"), "Value"), 0)),
                        "mh-nurse");
    json_t *q = json_object_get(json_object_get(ri, "AssignmentInformation"), "Quantity");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(q, "MeasuredQuantity"), "Amount")), "3");
    json_t *sched = json_object_get(ri, "ScheduleInformation");
    assert_int_equal(json_array_size(sched), 3);
    int64_t ms = 0;
    assert_int_equal(
        edxl_rm_time_parse(json_string_value(json_object_get(json_array_get(sched, 0), "DateTime")),
                           &ms),
        0);
    assert_int_equal(ms, ask.starts_ms);
    assert_int_equal(
        edxl_rm_time_parse(json_string_value(json_object_get(json_array_get(sched, 1), "DateTime")),
                           &ms),
        0);
    assert_int_equal(ms, ask.ends_ms);
    const char *where = json_string_value(json_object_get(
        json_object_get(json_array_get(sched, 2), "Location"), "LocationDescription"));
    assert_non_null(strstr(where, "Hinchingbrooke Park"));
    assert_non_null(strstr(json_string_value(json_object_get(a, "MessageDescription")),
                           "EXERCISE EXERCISE EXERCISE"));
    size_t len = 0;
    char *xml = edxl_rm_write(a, &len);
    assert_non_null(strstr(xml, "<RequestResource xmlns=\"" EDXL_RM_MSG_NS "\""));
    assert_non_null(strstr(xml, "&lt;Bridge&gt; &amp;"));
    free(xml);
    json_decref(a);
}

static void test_ids(void **state)
{
    char buf[100], ref[40];
    int64_t id = 0;
    edxl_rm_ask_id(buf, sizeof(buf), "CAMB-2026-0001", 42);
    assert_string_equal(buf, "muster:CAMB-2026-0001:ask:42");
    assert_int_equal(edxl_rm_ask_parse(buf, ref, sizeof(ref), &id), 1);
    assert_string_equal(ref, "CAMB-2026-0001");
    assert_int_equal(id, 42);
    static const char *const not [] = {
        "HOSP-1",          "muster::ask:1",   "muster:X:ask:",   "muster:X:ask:0",
        "muster:X:ask:-1", "muster:X:ask:1x", "muster:X:ask:+1", NULL};
    for (int i = 0; not [i]; i++)
        assert_int_equal(edxl_rm_ask_parse(not [i], ref, sizeof(ref), &id), 0);
    int64_t ms = 0;
    assert_int_equal(edxl_rm_time_parse("2026-06-01T21:14:00+01:00", &ms), 0);
    assert_int_equal(ms, 1780344840000);
    edxl_rm_time_format(ms, buf, sizeof(buf));
    assert_string_equal(buf, "2026-06-01T20:14:00+00:00");
    assert_int_equal(edxl_rm_time_parse("2026-06-01T21:14:00", &ms), -EINVAL);
    assert_int_equal(edxl_rm_time_parse("2026-13-01T21:14:00+01:00", &ms), -EINVAL);
    assert_int_equal(edxl_rm_time_parse("2026-06-01T21:14:00+01:00x", &ms), -EINVAL);
    /* what xs:dateTime also allows: whitespace around, 24:00:00 */
    assert_int_equal(edxl_rm_time_parse(" \n2026-06-01T21:14:00+01:00\t ", &ms), 0);
    assert_int_equal(ms, 1780344840000);
    assert_int_equal(edxl_rm_time_parse("2026-05-31T24:00:00+00:00", &ms), 0);
    edxl_rm_time_format(ms, buf, sizeof(buf));
    assert_string_equal(buf, "2026-06-01T00:00:00+00:00");
    assert_int_equal(edxl_rm_time_parse("2026-05-31T24:00:01+00:00", &ms), -EINVAL);
    assert_int_equal(edxl_rm_time_parse("2026-05-31T25:00:00+00:00", &ms), -EINVAL);
}

/* xsi: attributes, which XML Schema allows on any element, are no
 * content: the element reads as its text (it read as an object, a null
 * to every caller that took its string). */
static void test_xsi(void **state)
{
    char err[512] = "", path[600];
    size_t len;
    snprintf(path, sizeof(path), "%s/good/commit-xsi-attributes.xml", rm_dir);
    char *buf = xml_case_slurp(path, &len);
    json_t *a = NULL;
    assert_int_equal(edxl_rm_read(schema, buf, len, &a, err, sizeof(err)), 0);
    assert_string_equal(json_string_value(json_object_get(a, "MessageContentType")),
                        "CommitResource");
    json_t *res =
        json_object_get(json_array_get(json_object_get(a, "ResourceInformation"), 0), "Resource");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res, "OwnershipInformation"), "Owner")),
        "nhs-mh");
    json_decref(a);
    free(buf);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc > 3)
        rm_dir = argv[3];
    schema = edxl_rm_schema_open(err, sizeof(err));
    if (!schema) {
        fprintf(stderr, "the EDXL-RM schema: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),    cmocka_unit_test(test_bad), cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_request), cmocka_unit_test(test_ids), cmocka_unit_test(test_xsi),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xml_schema_free(schema);
    return rc;
}
