/*
 * common/pfif.c - PFIF 1.4 out and in (pfif.h): the PFIF 1.4 shape of
 * the canonical JSON (xml_json.c): the root <pfif> in PFIF 1.4's
 * namespace, its person and note records repeating.
 */
#include "pfif.h"

#include "xml.h"

/* The elements the schema lets repeat: arrays in the JSON. */
static const char *const repeated[] = {"person", "note", NULL};

static const struct xml_shape shape = {"PFIF 1.4", "pfif", PFIF_NS, repeated, NULL};

int pfif_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
              size_t errlen)
{
    return xml_read(schema, &shape, buf, len, out, err, errlen);
}

char *pfif_write(const json_t *doc, size_t *len)
{
    return xml_write(&shape, doc, len);
}
