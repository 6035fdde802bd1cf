/*
 * tests/fuzz/fuzz_pfif.c - libFuzzer target for the PFIF 1.4 reader
 * (common/pfif.c on common/xml.c): the input is one document.  Whatever is
 * read must survive the round trip: written back as PFIF 1.4, valid
 * against the schema, read again to the same canonical JSON.  A refusal
 * must name where ("/..." or "line N").  See tests/fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_xml.h"
#include "pfif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct xml_schema *schema;

/* The schema from the tree (STANDARDS_DIR, set by run.sh and CMake). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const files[] = {"pfif-1.4.xsd"};
    schema = fuzz_xml_schema(STANDARDS_DIR, files, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_xml_one(schema, pfif_read, pfif_write, data, size);
}
