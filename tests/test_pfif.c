/*
 * tests/test_pfif.c - the PFIF 1.4 writer and reader (common/pfif.c on
 * common/xml.c): every tests/pfif/good/NAME.xml reads and survives the
 * round trip (JSON, written back as PFIF, valid against the XSD, read
 * again, the same JSON); every tests/pfif/bad/NAME.xml is refused with
 * the message its .err file holds (a part of it); an oversize document
 * is refused before parsing; records built as JSON (a name of XML
 * specials and control-free escapes) are emitted, valid, and read back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfif.h"
#include "xml.h"
#include "xml_cases.h"

static const char *pfif_dir = MUSTER_PFIF_DIR;
static struct xml_schema *schema;

/* doc written as PFIF, read back: the same JSON (the round trip). */
static void round_trip(const char *name, json_t *a)
{
    xml_case_round_trip(pfif_read, pfif_write, schema, name, a);
}

static void read_good(const char *path, const char *name)
{
    char err[512] = "";
    size_t len;
    char *buf = xml_case_slurp(path, &len);
    json_t *a = NULL;
    if (pfif_read(schema, buf, len, &a, err, sizeof(err)) != 0)
        fail_msg("%s: %s", name, err);
    round_trip(name, a);
    json_decref(a);
    free(buf);
}

static void read_bad(const char *path, const char *name)
{
    xml_case_refused(pfif_read, schema, path, name);
}

static void test_good(void **state)
{
    assert_true(xml_case_each(pfif_dir, "good", read_good) >= 4);
}

static void test_bad(void **state)
{
    assert_true(xml_case_each(pfif_dir, "bad", read_bad) >= 20);
}

static void test_oversize(void **state)
{
    xml_case_oversize(pfif_read, schema, "<pfif>");
}

/* Records as musterd builds them: emitted, valid, read back the same;
 * the specials of the name are escaped in the XML, not interpreted. */
static void test_emit(void **state)
{
    const char *name = "</pfif:full_name><x>&amp; \"Ann\" ]]> \xc5\x81\xc3\xb3"
                       "d\xc5\xba";
    json_t *a = json_pack(
        "{s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]}]}",
        "person", "person_record_id", "muster.cambs.example/person.7", "entry_date",
        "2026-06-01T21:40:00Z", "author_name", "Hub", "source_name", "muster.cambs.example",
        "source_date", "2026-06-01T21:40:00Z", "full_name", name, "age", "18-64", "note",
        "note_record_id", "muster.cambs.example/note.7", "person_record_id",
        "muster.cambs.example/person.7", "author_name", "Hub", "source_date",
        "2026-06-01T21:40:00Z", "author_made_contact", "false", "status", "", "text",
        "Contact state: attempting.");
    round_trip("emitted", a);
    size_t len = 0;
    char *xml = pfif_write(a, &len);
    assert_null(strstr(xml, "<x>"));
    assert_non_null(strstr(xml, "&lt;/pfif:full_name&gt;&lt;x&gt;&amp;amp;"));
    free(xml);
    json_decref(a);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc > 3)
        pfif_dir = argv[3];
    schema = xml_schema_open((const char *)pfif_xsd, pfif_xsd_len, err, sizeof(err));
    if (!schema) {
        fprintf(stderr, "the PFIF schema: %s\n", err);
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
