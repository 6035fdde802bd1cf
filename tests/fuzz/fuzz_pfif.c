/*
 * tests/fuzz/fuzz_pfif.c - libFuzzer target for the PFIF 1.4 reader
 * (common/pfif.c on common/xml.c): the input is one document.  Whatever is
 * read must survive the round trip: written back as PFIF 1.4, valid
 * against the schema, read again to the same canonical JSON.  A refusal
 * must name where ("/..." or "line N").  See tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfif.h"
#include "xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static struct xml_schema *schema;

/* The schema from the tree (PFIF_XSD_PATH, set by run.sh and CMake). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FILE *f = fopen(PFIF_XSD_PATH, "rb");
    CHECK(f != NULL);
    static char xsd[1 << 16];
    size_t n = fread(xsd, 1, sizeof(xsd), f);
    fclose(f);
    char err[512];
    schema = xml_schema_open(xsd, n, err, sizeof(err));
    CHECK(schema != NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    json_t *a = NULL, *b = NULL;
    if (pfif_read(schema, (const char *)data, size, &a, err, sizeof(err)) != 0) {
        CHECK(a == NULL);
        CHECK(err[0] == '/' || !strncmp(err, "line ", 5) || !strncmp(err, "document of", 11));
        return 0;
    }
    CHECK(json_is_object(a));
    size_t len = 0;
    char *xml = pfif_write(a, &len);
    CHECK(xml != NULL);
    CHECK(pfif_read(schema, xml, len, &b, err, sizeof(err)) == 0);
    CHECK(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(xml);
    return 0;
}
