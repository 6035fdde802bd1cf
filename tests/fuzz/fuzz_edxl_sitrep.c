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

/* One schema file of SITREP_XSD_DIR (set by run.sh and CMake). */
static size_t slurp(const char *name, unsigned char *buf, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", SITREP_XSD_DIR, name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static unsigned char main_xsd[1 << 16], ct_xsd[1 << 14];
    struct xml_xsd docs[] = {
        {"edxl-sitrep-1.0.xsd", main_xsd, slurp("edxl-sitrep-1.0.xsd", main_xsd, sizeof(main_xsd))},
        {"edxl-ct-1.0-sitrep.xsd", ct_xsd, slurp("edxl-ct-1.0-sitrep.xsd", ct_xsd, sizeof(ct_xsd))},
    };
    char err[512];
    schema = xml_schema_open_set(docs, 2, err, sizeof(err));
    CHECK(schema != NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_xml_one(schema, sitrep_read, sitrep_write, data, size);
}
