/*
 * tests/test_cap.c - the CAP 1.2 reader (common/cap.c, common/xml.c):
 * every tests/cap/good/NAME.xml reads and survives the round trip (JSON,
 * written back as CAP, valid against the XSD, read again, the same JSON);
 * every tests/cap/bad/NAME.xml is refused with the message its .err file
 * holds (a part of it); an oversize message is refused before parsing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap.h"
#include "xml.h"
#include "xml_cases.h"

static const char *cap_dir = MUSTER_CAP_DIR;
static struct xml_schema *schema;

static void read_good(const char *path, const char *name)
{
    char err[512] = "";
    size_t len;
    char *buf = xml_case_slurp(path, &len);
    json_t *a = NULL, *b = NULL;
    int rc = cap_read(schema, buf, len, &a, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s", name, err);
    size_t wlen = 0;
    char *xml = cap_write(a, &wlen);
    assert_non_null(xml);
    rc = cap_read(schema, xml, wlen, &b, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s written back: %s\n%s", name, err, xml);
    if (!json_equal(a, b)) {
        char *ja = json_dumps(a, JSON_INDENT(1)), *jb = json_dumps(b, JSON_INDENT(1));
        fail_msg("%s: the round trip changed it:\n%s\n%s", name, ja, jb);
    }
    assert_non_null(cap_info_str(a, "event") ? a : json_object_get(a, "references"));
    json_decref(a);
    json_decref(b);
    free(xml);
    free(buf);
}

static int read_cap(const char *buf, size_t len, char *err, size_t errlen)
{
    json_t *a = NULL;
    int rc = cap_read(schema, buf, len, &a, err, errlen);
    if (rc != 0)
        assert_null(a);
    json_decref(a);
    return rc;
}

static void read_bad(const char *path, const char *name)
{
    xml_case_refused(read_cap, path, name);
}

static void test_good(void **state)
{
    assert_true(xml_case_each(cap_dir, "good", read_good) >= 4);
}

static void test_bad(void **state)
{
    assert_true(xml_case_each(cap_dir, "bad", read_bad) >= 20);
}

static void test_oversize(void **state)
{
    size_t n = XML_MAX_BYTES + 1;
    char *buf = malloc(n), err[512];
    memset(buf, ' ', n);
    memcpy(buf, "<alert>", 7);
    json_t *a = NULL;
    assert_int_equal(cap_read(schema, buf, n, &a, err, sizeof(err)), -EFBIG);
    assert_non_null(strstr(err, "over the 262144 byte limit"));
    free(buf);
}

/* An alert built as JSON is written as valid CAP and reads back the same. */
static void test_emit(void **state)
{
    json_t *a =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:[s], s:s, s:s, s:s, s:s, s:[{s:s, s:s}], "
                  "s:[{s:s}]}]}",
                  "identifier", "x-1", "sender", "gold@example", "sent",
                  "2026-01-01T00:00:00+00:00", "status", "Exercise", "msgType", "Alert", "scope",
                  "Private", "info", "category", "Security", "event", "<Bomb> & \"threat\"",
                  "urgency", "Immediate", "severity", "Severe", "certainty", "Likely", "eventCode",
                  "valueName", "muster", "value", "MCI", "area", "areaDesc", "Ely");
    size_t len = 0;
    char *xml = cap_write(a, &len), err[512];
    json_t *b = NULL;
    if (cap_read(schema, xml, len, &b, err, sizeof(err)) != 0)
        fail_msg("%s\n%s", err, xml);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(xml);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc > 3)
        cap_dir = argv[3];
    schema = xml_schema_open((const char *)cap_xsd, cap_xsd_len, err, sizeof(err));
    if (!schema) {
        fprintf(stderr, "the CAP schema: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_emit),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xml_schema_free(schema);
    return rc;
}
