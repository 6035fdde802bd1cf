/*
 * tests/fuzz/fuzz_xml.h - the one input of an XML adapter's libFuzzer
 * target (fuzz_cap.c, fuzz_edxl_rm.c): whatever the reader reads must
 * survive the round trip (written back, valid against the schema, read
 * again to the same canonical JSON); a refusal must keep nothing and name
 * where ("/..." or "line N").  Include it once, after xml.h.
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

typedef int (*fuzz_xml_reader)(struct xml_schema *s, const char *buf, size_t len, json_t **out,
                               char *err, size_t errlen);
typedef char *(*fuzz_xml_writer)(const json_t *obj, size_t *len);

static int fuzz_xml_one(struct xml_schema *schema, fuzz_xml_reader read, fuzz_xml_writer write,
                        const uint8_t *data, size_t size)
{
    char err[512] = "";
    json_t *a = NULL, *b = NULL;
    if (read(schema, (const char *)data, size, &a, err, sizeof(err)) != 0) {
        CHECK(a == NULL);
        CHECK(err[0] == '/' || !strncmp(err, "line ", 5) || !strncmp(err, "document of", 11));
        return 0;
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
    return 0;
}

#endif
