/*
 * tests/fuzz/fuzz_edxl_sitrep.c - libFuzzer target for the EDXL-SitRep
 * 1.0 reader (common/edxl_sitrep.c on common/xml.c): the input is one
 * SitRep.  Whatever is read must survive the round trip: written back,
 * valid against the schema (two documents: SitRep and its EDXL-CT
 * import), read again to the same canonical JSON.  A refusal must name
 * where ("/..." or "line N").  See tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edxl_sitrep.h"
#include "fuzz_xml.h"
#include "xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct xml_schema *schema;

/* The schema set from the tree (STANDARDS_DIR, set by run.sh and CMake). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const files[] = {"edxl-sitrep-1.0.xsd", "edxl-ct-1.0-sitrep.xsd"};
    schema = fuzz_xml_schema(STANDARDS_DIR, files, 2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_xml_one(schema, sitrep_read, sitrep_write, data, size);
}
