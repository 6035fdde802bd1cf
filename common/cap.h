/*
 * common/cap.h - OASIS CAP 1.2 messages in and out: a message checked
 * against docs/standards/cap-1.2.xsd read into its canonical JSON, and
 * that JSON written back as a CAP 1.2 document (docs/interop.md).
 *
 * The canonical JSON has one member per element, in the schema's order,
 * named as the element: a string for an element of text, an object for
 * one with elements, an array for those the schema lets repeat (code,
 * info, category, responseType, eventCode, parameter, resource, area,
 * polygon, circle, geocode).  A signature (XML-DSig) is not part of it.
 */
#ifndef MUSTER_CAP_H
#define MUSTER_CAP_H

#include <stddef.h>

#include <jansson.h>

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"

struct xml_schema;

/* The CAP 1.2 XSD, built in from docs/standards/cap-1.2.xsd (a file CMake
 * generates): musterd and the tests compile it with xml_schema_open. */
extern const unsigned char cap_xsd[];
extern const size_t cap_xsd_len;

/*
 * Read a CAP 1.2 alert from buf (len bytes) and check it against schema
 * (the compiled CAP XSD): 0 with *out (new reference), or -EFBIG / -EINVAL
 * with err set to "PATH: what is wrong" (xml.h), PATH naming the element.
 */
int cap_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
             size_t errlen);

/* The CAP 1.2 document for canonical JSON alert (malloc'd, NUL-terminated;
 * *len set), or NULL when alert is not an object. */
char *cap_write(const json_t *alert, size_t *len);

/* The member name of the alert's first <info>'s field, or NULL. */
const char *cap_info_str(const json_t *alert, const char *name);

#endif
