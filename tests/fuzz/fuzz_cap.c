/*
 * tests/fuzz/fuzz_cap.c - libFuzzer target for the CAP 1.2 reader
 * (common/cap.c on common/xml.c): the input is one message.  Whatever is
 * read must survive the round trip: written back as CAP 1.2, valid
 * against the schema, read again to the same canonical JSON.  A refusal
 * must name where ("/..." or "line N").  See tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "fuzz_xml.h"
#include "xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct xml_schema *schema;

/* The schema from the tree (CAP_XSD_PATH, set by run.sh and CMake). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FILE *f = fopen(CAP_XSD_PATH, "rb");
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
    fuzz_xml_round_trip(schema, cap_read, cap_write, (const char *)data, size);
    return 0;
}
