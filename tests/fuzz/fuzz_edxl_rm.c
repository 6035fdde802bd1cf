/*
 * tests/fuzz/fuzz_edxl_rm.c - libFuzzer target for the EDXL-RM 1.0
 * reader (common/edxl_rm.c on common/xml.c and xml_json.c): the input is
 * one message.  Whatever is read must survive the round trip: written
 * back as EDXL-RM, valid against the schema, read again to the same
 * canonical JSON.  A refusal must name where ("/..." or "line N").  See
 * tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edxl_rm.h"
#include "xml.h"
#include "fuzz_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The schema comes from the tree's files (STANDARDS_DIR, set by run.sh
 * and CMake), not from the copies CMake builds in: these stand in for
 * them, unused. */
const unsigned char edxl_rm_msg_xsd[] = {0}, edxl_rm_ct_xsd[] = {0};
const size_t edxl_rm_msg_xsd_len = 0, edxl_rm_ct_xsd_len = 0;

static struct xml_schema *schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const files[] = {"edxl-rm-1.0-msg.xsd", "edxl-rm-1.0-ct.xsd"};
    schema = fuzz_xml_schema(STANDARDS_DIR, files, 2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_xml_one(schema, edxl_rm_read, edxl_rm_write, data, size);
}
