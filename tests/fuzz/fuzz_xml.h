/*
 * tests/fuzz/fuzz_xml.h - what every libFuzzer target of an XML exchange
 * format reader does (fuzz_cap.c, fuzz_pfif.c, fuzz_edxl_rm.c,
 * fuzz_edxl_sitrep.c): compile the format's schema once, then for each
 * input: whatever is read must
 * survive the round trip (written back, valid against the schema, read
 * again to the same canonical JSON); a refusal must name where ("/..." or
 * "line N") and keep nothing.  Include it in one target file.
 */
#ifndef MUSTER_FUZZ_XML_H
#define MUSTER_FUZZ_XML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xml.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* A format's reader and writer (cap_read / cap_write, pfif_read / ...). */
typedef int fuzz_xml_read_fn(struct xml_schema *schema, const char *buf, size_t len, json_t **out,
                             char *err, size_t errlen);
typedef char *fuzz_xml_write_fn(const json_t *doc, size_t *len);

/* The schema of the XSD files dir/files[0..n-1] (the first the main one,
 * the others its imports, by file name: xml_schema_open_set); aborts
 * when one cannot be read or the set does not compile. */
static struct xml_schema *fuzz_xml_schema(const char *dir, const char *const *files, size_t n)
{
    static unsigned char text[4][1 << 17]; /* the schema is for the whole run */
    struct xml_xsd docs[4];
    CHECK(n <= 4);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        docs[i] = (struct xml_xsd){files[i], text[i], fread(text[i], 1, sizeof(text[i]), f)};
        fclose(f);
    }
    char err[512];
    struct xml_schema *schema = xml_schema_open_set(docs, n, err, sizeof(err));
    CHECK(schema != NULL);
    return schema;
}

/* One input through read, write, read again. */
static int fuzz_xml_one(struct xml_schema *schema, fuzz_xml_read_fn *read, fuzz_xml_write_fn *write,
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
    if (read(schema, xml, len, &b, err, sizeof(err)) != 0) {
        /* what was written back is refused: say why, and show it */
        fprintf(stderr, "fuzz: the document written back is refused: %s\n%.*s\n", err, (int)len,
                xml);
        abort();
    }
    CHECK(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(xml);
    return 0;
}

#endif
