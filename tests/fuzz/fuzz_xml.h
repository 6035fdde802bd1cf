/*
 * tests/fuzz/fuzz_xml.h - the check every XML format's libFuzzer target
 * makes (fuzz_cap.c, fuzz_edxl_sitrep.c): whatever the reader accepts
 * survives the round trip (written back, valid against the schema, read
 * again to the same canonical JSON); whatever it refuses, it refuses
 * naming where ("/..." or "line N").  Include it once, in the target.
 */
#ifndef MUSTER_FUZZ_XML_H
#define MUSTER_FUZZ_XML_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

struct xml_schema;
typedef int fuzz_xml_read_fn(struct xml_schema *s, const char *buf, size_t len, json_t **out,
                             char *err, size_t errlen);
typedef char *fuzz_xml_write_fn(const json_t *obj, size_t *len);

static void fuzz_xml_round_trip(struct xml_schema *schema, fuzz_xml_read_fn *read,
                                fuzz_xml_write_fn *write, const char *data, size_t size)
{
    char err[512] = "";
    json_t *a = NULL, *b = NULL;
    if (read(schema, data, size, &a, err, sizeof(err)) != 0) {
        CHECK(a == NULL);
        CHECK(err[0] == '/' || !strncmp(err, "line ", 5) || !strncmp(err, "document of", 11));
        return;
    }
    CHECK(json_is_object(a));
    size_t len = 0;
    char *xml = write(a, &len);
    CHECK(xml != NULL);
    CHECK(read(schema, xml, len, &b, err, sizeof(err)) == 0);
    CHECK(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(xml);
}

#endif
