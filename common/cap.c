/*
 * common/cap.c - OASIS CAP 1.2 in and out (cap.h): the CAP 1.2 shape of
 * the canonical JSON (xml_json.c): a safe parse, the root <alert> in CAP
 * 1.2's namespace, the schema; and the JSON written back as a document.
 */
#include "cap.h"

#include "xml.h"

/* The elements the schema lets repeat: arrays in the JSON. */
static const char *const repeated[] = {"code",      "info",      "category", "responseType",
                                       "eventCode", "parameter", "resource", "area",
                                       "polygon",   "circle",    "geocode",  NULL};

static const struct xml_shape shape = {"CAP 1.2", "alert", CAP_NS, repeated, NULL};

int cap_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
             size_t errlen)
{
    return xml_read(schema, &shape, buf, len, out, err, errlen);
}

char *cap_write(const json_t *alert, size_t *len)
{
    return xml_write(&shape, alert, len);
}

const char *cap_info_str(const json_t *alert, const char *name)
{
    json_t *info = json_array_get(json_object_get(alert, "info"), 0);
    return json_string_value(json_object_get(info, name));
}
