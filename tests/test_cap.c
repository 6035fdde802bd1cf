/*
 * tests/test_cap.c - the CAP 1.2 reader (common/cap.c, common/xml.c):
 * every tests/cap/good/NAME.xml reads and survives the round trip (JSON,
 * written back as CAP, valid against the XSD, read again, the same JSON);
 * every tests/cap/bad/NAME.xml is refused with the message its .err file
 * holds (a part of it); an oversize message is refused before parsing;
 * a schema set serves its imports from memory and from nowhere else; the
 * canonical JSON holds attributes and a second namespace.
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
    json_t *a = NULL;
    if (cap_read(schema, buf, len, &a, err, sizeof(err)) != 0)
        fail_msg("%s: %s", name, err);
    xml_case_round_trip(cap_read, cap_write, schema, name, a);
    assert_non_null(cap_info_str(a, "event") ? a : json_object_get(a, "references"));
    json_decref(a);
    free(buf);
}

static void read_bad(const char *path, const char *name)
{
    xml_case_refused(cap_read, schema, path, name);
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
    xml_case_oversize(cap_read, schema, "<alert>");
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

/* A schema set: the import is served from the set, and from nowhere else. */
static void test_schema_set(void **state)
{
#define MAIN_XSD(LOC)                                                                              \
    "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' xmlns:b='urn:b' "                      \
    "targetNamespace='urn:a' elementFormDefault='qualified'>"                                      \
    "<xs:import namespace='urn:b' schemaLocation='" LOC "'/>"                                      \
    "<xs:element name='a' type='b:code'/></xs:schema>"
    static const char main_xsd[] = MAIN_XSD("b.xsd"), stray[] = MAIN_XSD("/etc/hostname"),
                      b_xsd[] = "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' "
                                "targetNamespace='urn:b'><xs:simpleType name='code'>"
                                "<xs:restriction base='xs:string'><xs:pattern value='[A-Z]+'/>"
                                "</xs:restriction></xs:simpleType></xs:schema>";
    struct xml_xsd set[] = {{"", (const unsigned char *)main_xsd, sizeof(main_xsd) - 1},
                            {"b.xsd", (const unsigned char *)b_xsd, sizeof(b_xsd) - 1}};
    char err[512] = "";
    struct xml_schema *s = xml_schema_open_set(set, 2, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    xmlDocPtr doc = NULL;
    static const char good[] = "<a xmlns='urn:a'>MCI</a>", bad[] = "<a xmlns='urn:a'>mci</a>";
    assert_int_equal(xml_parse(good, sizeof(good) - 1, &doc, err, sizeof(err)), 0);
    assert_int_equal(xml_validate(s, doc, err, sizeof(err)), 0);
    xmlFreeDoc(doc);
    assert_int_equal(xml_parse(bad, sizeof(bad) - 1, &doc, err, sizeof(err)), 0);
    assert_int_equal(xml_validate(s, doc, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "/a: "));
    xmlFreeDoc(doc);
    xml_schema_free(s);
    /* the same import from a file is not served: the type is unknown */
    set[0].text = (const unsigned char *)stray;
    set[0].len = sizeof(stray) - 1;
    assert_null(xml_schema_open_set(set, 2, err, sizeof(err)));
    assert_non_null(strstr(err, "the schema is invalid"));
}

/* The canonical JSON of a format in two namespaces, with attributes and
 * an element of text with attributes, written and read back the same. */
static void test_shape(void **state)
{
    static const char a_xsd[] =
        "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' xmlns:b='urn:b' "
        "targetNamespace='urn:a' elementFormDefault='qualified'>"
        "<xs:import namespace='urn:b' schemaLocation='b.xsd'/>"
        "<xs:element name='a'><xs:complexType><xs:sequence><xs:element ref='b:b'/>"
        "<xs:element name='i' minOccurs='0' maxOccurs='unbounded'><xs:complexType>"
        "<xs:simpleContent><xs:extension base='xs:string'>"
        "<xs:attribute name='k' type='xs:string'/></xs:extension></xs:simpleContent>"
        "</xs:complexType></xs:element></xs:sequence>"
        "<xs:attribute name='id' type='xs:string' use='required'/></xs:complexType>"
        "</xs:element></xs:schema>",
                      b_xsd[] = "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' "
                                "targetNamespace='urn:b'><xs:element name='b' type='xs:string'/>"
                                "</xs:schema>";
    struct xml_xsd set[] = {{"", (const unsigned char *)a_xsd, sizeof(a_xsd) - 1},
                            {"b.xsd", (const unsigned char *)b_xsd, sizeof(b_xsd) - 1}};
    static const char *const repeated[] = {"i", NULL}, *const elsewhere[] = {"b", "urn:b", NULL};
    const struct xml_shape shape = {"A", "a", "urn:a", repeated, elsewhere};
    char err[512] = "";
    struct xml_schema *s = xml_schema_open_set(set, 2, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    json_t *a = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "@id", "1 & <2>", "b", "x", "i", "@k", "v",
                          "#text", "t");
    size_t len = 0;
    char *xml = xml_write(&shape, a, &len);
    json_t *b = NULL;
    if (xml_read(s, &shape, xml, len, &b, err, sizeof(err)) != 0)
        fail_msg("%s\n%s", err, xml);
    assert_true(json_equal(a, b));
    json_decref(b);
    assert_int_equal(xml_read(s, &shape, "<a xmlns='urn:b' id='1'/>", 25, &b, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "/a: namespace \"urn:b\" is not A's (urn:a)"));
    json_decref(a);
    json_decref(b);
    free(xml);
    xml_schema_free(s);
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
        cmocka_unit_test(test_good),       cmocka_unit_test(test_bad),
        cmocka_unit_test(test_oversize),   cmocka_unit_test(test_emit),
        cmocka_unit_test(test_schema_set), cmocka_unit_test(test_shape),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xml_schema_free(schema);
    return rc;
}
