/*
 * common/pfif.h - PFIF 1.4 (People Finder Interchange Format) out and
 * back in: the persons musterd exports for a receiving party (`muster
 * person export --format pfif`, person.export) written from canonical
 * JSON, and a PFIF 1.4 document checked against
 * docs/standards/pfif-1.4.xsd read into that JSON (the round trip;
 * docs/interop.md).
 *
 * The canonical JSON (xml.h) is {"person": [...], "note": [...]}: one
 * object per record, one member per field in the specification's order;
 * "person", "note" (also inside a person) are always arrays.
 */
#ifndef MUSTER_PFIF_H
#define MUSTER_PFIF_H

#include <stddef.h>

#include <jansson.h>

#define PFIF_NS "http://zesty.ca/pfif/1.4"

struct xml_schema;

/* The PFIF 1.4 XSD, built in from docs/standards/pfif-1.4.xsd. */
extern const unsigned char pfif_xsd[];
extern const size_t pfif_xsd_len;

/*
 * Read a PFIF 1.4 document from buf (len bytes) and check it against
 * schema (the compiled PFIF XSD): 0 with *out (new reference), or
 * -EFBIG / -EINVAL with err set to "PATH: what is wrong" (xml.h).
 */
int pfif_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
              size_t errlen);

/* The PFIF 1.4 document for canonical JSON doc (malloc'd,
 * NUL-terminated; *len set), or NULL when doc is not an object. */
char *pfif_write(const json_t *doc, size_t *len);

#endif
