/*
 * tests/fuzz/fuzz_cap.c - libFuzzer target for the CAP 1.2 reader
 * (common/cap.c on common/xml.c): the input is one message.  Whatever is
 * read must survive the round trip: written back as CAP 1.2, valid
 * against the schema, read again to the same canonical JSON.  A refusal
 * must name where ("/..." or "line N").  See tests/fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_xml.h"
#include "cap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct xml_schema *schema;

/* The schema from the tree (STANDARDS_DIR, set by run.sh and CMake). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const files[] = {"cap-1.2.xsd"};
    schema = fuzz_xml_schema(STANDARDS_DIR, files, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_xml_one(schema, cap_read, cap_write, data, size);
}
