/*
 * common/xml.h - safe XML in: libxml2 parsing that refuses what an
 * attacker would send (a DOCTYPE of any kind, so no entities, external
 * or internal; the network; oversize or deeply nested input) and
 * validation against a compiled XML Schema.  The CAP adapter (cap.c)
 * and the other OASIS adapters (EDXL, PFIF) use it, and its canonical
 * JSON (xml_read, xml_write).
 *
 * Every error is one line, "PATH: message", PATH the element's path
 * ("/alert/info/severity") where libxml2 knows it, or "line N" for a
 * document that is not well-formed.
 */
#ifndef MUSTER_XML_H
#define MUSTER_XML_H

#include <stddef.h>

#include <jansson.h>
#include <libxml/tree.h>

/* Limits a document is read within. */
#define XML_MAX_BYTES (256 * 1024)
#define XML_MAX_DEPTH 32

struct xml_schema;

/* Compile the XSD text xsd (len bytes, no import or include): the schema,
 * which the caller frees with xml_schema_free, or NULL with err set. */
struct xml_schema *xml_schema_open(const char *xsd, size_t len, char *err, size_t errlen);

/* One schema document of a set, named as the others' xs:import or
 * xs:include schemaLocation names it ("edxl-ct-1.0.xsd"). */
struct xml_xsd {
    const char *location;
    const unsigned char *text;
    size_t len;
};

/* Compile a schema that spans documents (a format whose elements are in
 * several namespaces): docs[0] is the main one; its imports and includes
 * are served from docs[1..n-1] by location, and any other location is
 * refused (nothing is read from the file system or the network). */
struct xml_schema *xml_schema_open_set(const struct xml_xsd *docs, size_t n, char *err,
                                       size_t errlen);
void xml_schema_free(struct xml_schema *s);

/*
 * Parse buf (len bytes) as one XML document: 0 with *out (the caller frees
 * it with xmlFreeDoc), or -EFBIG (over XML_MAX_BYTES), -EINVAL (not
 * well-formed, a DOCTYPE, deeper than XML_MAX_DEPTH) with err set.  No
 * entity is ever substituted, no DTD loaded, nothing fetched.
 */
int xml_parse(const char *buf, size_t len, xmlDocPtr *out, char *err, size_t errlen);

/* The same, keeping the whitespace between elements as it was: the
 * document a signature covers (cap_sig.c). */
int xml_parse_exact(const char *buf, size_t len, xmlDocPtr *out, char *err, size_t errlen);

/* Parse and validate a document musterd wrote itself (an export) against
 * s: as xml_parse and xml_validate, without the XML_MAX_BYTES cap, which
 * is for what others send.  0, or -errno with err set. */
int xml_validate_own(struct xml_schema *s, const char *buf, size_t len, char *err, size_t errlen);

/* Validate doc against s: 0, or -EINVAL with the first error in err. */
int xml_validate(struct xml_schema *s, xmlDocPtr doc, char *err, size_t errlen);

/* A node's path without namespace prefixes ("/alert/info[2]/area"). */
void xml_node_path(const xmlNode *node, char *out, size_t len);

/*
 * The canonical JSON of a schema-valid document, shared by the adapters
 * (cap.c, and the EDXL and PFIF ones): one member per element in
 * document order, named as the element (its local name); a string for an
 * element of text only, an object for one with elements or attributes
 * (attributes as "@name", its text then as "#text"); an array for the
 * elements named in repeated (NULL-terminated: those the schema lets
 * repeat, so that one occurrence is an array too).  Only elements in
 * namespace ns, or named in elsewhere with theirs, are read (an enveloped
 * signature, say, is not content).
 */
struct xml_shape {
    const char *name;            /* the format's, in errors: "CAP 1.2" */
    const char *root;            /* the root element's local name */
    const char *ns;              /* its namespace, and the content's */
    const char *const *repeated; /* NULL-terminated */
    /* Elements in another namespace, as pairs: local name, namespace, ...,
     * NULL (or NULL for none).  Read as content, and written in it. */
    const char *const *elsewhere;
};

/*
 * Parse buf (xml_parse), check its root is shape->root in shape->ns
 * (else "/ROOT: ..." naming what it is), validate it against s
 * (xml_validate) and read it as canonical JSON: 0 with *out (new
 * reference), or -EFBIG / -EINVAL with err set.
 */
int xml_read(struct xml_schema *s, const struct xml_shape *shape, const char *buf, size_t len,
             json_t **out, char *err, size_t errlen);

/* The same from a parsed document (the caller keeps and frees doc). */
int xml_read_doc(struct xml_schema *s, const struct xml_shape *shape, xmlDocPtr doc, json_t **out,
                 char *err, size_t errlen);

/* The document for canonical JSON obj (malloc'd, NUL-terminated, UTF-8,
 * indented; *len set), root shape->root in shape->ns; NULL when obj is
 * not an object.  Members are written in the object's order. */
char *xml_write(const struct xml_shape *shape, const json_t *obj, size_t *len);

#endif
