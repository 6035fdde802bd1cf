/*
 * common/xml.h - safe XML in: libxml2 parsing that refuses what an
 * attacker would send (a DOCTYPE of any kind, so no entities, external
 * or internal; the network; oversize or deeply nested input) and
 * validation against a compiled XML Schema.  The CAP adapter (cap.c)
 * uses it; the other OASIS adapters (EDXL, PFIF) are meant to.
 *
 * Every error is one line, "PATH: message", PATH the element's path
 * ("/alert/info/severity") where libxml2 knows it, or "line N" for a
 * document that is not well-formed.
 */
#ifndef MUSTER_XML_H
#define MUSTER_XML_H

#include <stddef.h>

#include <libxml/tree.h>

/* Limits a document is read within. */
#define XML_MAX_BYTES (256 * 1024)
#define XML_MAX_DEPTH 32

struct xml_schema;

/* Compile the XSD text xsd (len bytes, no import or include): the schema,
 * which the caller frees with xml_schema_free, or NULL with err set. */
struct xml_schema *xml_schema_open(const char *xsd, size_t len, char *err, size_t errlen);
void xml_schema_free(struct xml_schema *s);

/*
 * Parse buf (len bytes) as one XML document: 0 with *out (the caller frees
 * it with xmlFreeDoc), or -EFBIG (over XML_MAX_BYTES), -EINVAL (not
 * well-formed, a DOCTYPE, deeper than XML_MAX_DEPTH) with err set.  No
 * entity is ever substituted, no DTD loaded, nothing fetched.
 */
int xml_parse(const char *buf, size_t len, xmlDocPtr *out, char *err, size_t errlen);

/* Validate doc against s: 0, or -EINVAL with the first error in err. */
int xml_validate(struct xml_schema *s, xmlDocPtr doc, char *err, size_t errlen);

/* A node's path without namespace prefixes ("/alert/info[2]/area"). */
void xml_node_path(const xmlNode *node, char *out, size_t len);

#endif
