/*
 * common/edxl_sitrep.h - OASIS EDXL-SitRep 1.0 out (and in, for round
 * trips and for partners' tools): the canonical JSON of a SitRep
 * (xml_json.c) written as a document valid against
 * docs/standards/edxl-sitrep-1.0.xsd, and such a document read back.
 * musterd builds the JSON from the board (daemon/sitrep.c).
 *
 * The canonical JSON has one member per element, in the schema's order;
 * IncidentID, IncidentLifecyclePhase, PrecedingMessageID,
 * CasualtyAndIllnessCount, ResourceTotal and PlannedAction are arrays.
 * PersonDetails and its members are in the EDXL-CT namespace.
 */
#ifndef MUSTER_EDXL_SITREP_H
#define MUSTER_EDXL_SITREP_H

#include <stddef.h>

#include <jansson.h>

#define SITREP_NS "urn:oasis:names:tc:emergency:EDXL:SitRep:1.0"
#define EDXL_CT_NS "urn:oasis:names:tc:emergency:edxl:ct:1.0"

struct xml_schema;

/* The schemas, built in from docs/standards/ (files CMake generates);
 * sitrep.h's sitrep_schema_open compiles them as one set. */
extern const unsigned char sitrep_xsd[];
extern const size_t sitrep_xsd_len;
extern const unsigned char sitrep_ct_xsd[];
extern const size_t sitrep_ct_xsd_len;

/*
 * Read an EDXL-SitRep from buf (len bytes) against schema: 0 with *out
 * (new reference), or -EFBIG / -EINVAL with err "PATH: what is wrong".
 */
int sitrep_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
                size_t errlen);

/* The document for canonical JSON sitrep (malloc'd, NUL-terminated; *len
 * set), or NULL when sitrep is not an object. */
char *sitrep_write(const json_t *sitrep, size_t *len);

#endif
