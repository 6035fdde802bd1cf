/*
 * common/cap.c - OASIS CAP 1.2 in and out (cap.h): a safe parse (xml.c),
 * the CAP 1.2 namespace, the schema, then the canonical JSON; and the
 * JSON written back as a document, for the round trip the tests make.
 */
#include "cap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "xml.h"

/* The elements the schema lets repeat: arrays in the JSON. */
static const char *const repeated[] = {"code",      "info",      "category", "responseType",
                                       "eventCode", "parameter", "resource", "area",
                                       "polygon",   "circle",    "geocode",  NULL};

static bool is_repeated(const char *name)
{
    for (size_t i = 0; repeated[i]; i++)
        if (!strcmp(repeated[i], name))
            return true;
    return false;
}

static bool in_cap(const xmlNode *n)
{
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, CAP_NS);
}

static bool has_elements(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

static json_t *to_json(const xmlNode *n);

static json_t *element_value(const xmlNode *c)
{
    if (has_elements(c))
        return to_json(c);
    xmlChar *text = xmlNodeGetContent(c);
    json_t *v = json_string(text ? (const char *)text : "");
    xmlFree(text);
    return v;
}

/* An element with elements as an object (schema-valid, so well shaped). */
static json_t *to_json(const xmlNode *n)
{
    json_t *o = json_object();
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !in_cap(c))
            continue; /* the signature is not part of the message's content */
        const char *name = (const char *)c->name;
        json_t *v = element_value(c);
        if (!v)
            v = json_string("");
        if (is_repeated(name)) {
            json_t *a = json_object_get(o, name);
            if (!a)
                json_object_set_new(o, name, a = json_array());
            json_array_append_new(a, v);
        } else {
            json_object_set_new(o, name, v);
        }
    }
    return o;
}

/* The root is <alert> in the CAP 1.2 namespace: 0, or -EINVAL with err. */
static int check_root(const xmlNode *root, char *err, size_t errlen)
{
    const char *ns = root && root->ns ? (const char *)root->ns->href : "";
    if (!root || strcmp((const char *)root->name, "alert")) {
        snprintf(err, errlen, "/%.60s: the document is not a CAP <alert>",
                 root ? (const char *)root->name : "");
        return -EINVAL;
    }
    if (strcmp(ns, CAP_NS)) {
        snprintf(err, errlen, "/alert: namespace \"%.100s\" is not CAP 1.2's (%s)", ns, CAP_NS);
        return -EINVAL;
    }
    return 0;
}

int cap_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
             size_t errlen)
{
    *out = NULL;
    xmlDocPtr doc = NULL;
    int rc = xml_parse(buf, len, &doc, err, errlen);
    if (rc == 0)
        rc = check_root(xmlDocGetRootElement(doc), err, errlen);
    if (rc == 0)
        rc = xml_validate(schema, doc, err, errlen);
    if (rc == 0)
        *out = to_json(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return rc;
}

static void write_value(xmlNodePtr parent, xmlNsPtr ns, const char *name, const json_t *v);

static void write_object(xmlNodePtr node, xmlNsPtr ns, const json_t *o)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        if (json_is_array(v)) {
            size_t i;
            const json_t *item;
            json_array_foreach(v, i, item) write_value(node, ns, key, item);
        } else {
            write_value(node, ns, key, v);
        }
    }
}

static void write_value(xmlNodePtr parent, xmlNsPtr ns, const char *name, const json_t *v)
{
    if (json_is_object(v)) {
        xmlNodePtr c = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
        if (c)
            write_object(c, ns, v);
    } else if (json_is_string(v)) {
        xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)json_string_value(v));
    }
}

char *cap_write(const json_t *alert, size_t *len)
{
    if (!json_is_object(alert))
        return NULL;
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = doc ? xmlNewNode(NULL, (const xmlChar *)"alert") : NULL;
    char *out = NULL;
    if (root) {
        xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)CAP_NS, NULL);
        xmlSetNs(root, ns);
        xmlDocSetRootElement(doc, root);
        write_object(root, ns, alert);
        xmlChar *mem = NULL;
        int n = 0;
        xmlDocDumpFormatMemoryEnc(doc, &mem, &n, "UTF-8", 1);
        if (mem && (out = malloc((size_t)n + 1))) {
            memcpy(out, mem, (size_t)n);
            out[n] = '\0';
            *len = (size_t)n;
        }
        xmlFree(mem);
    }
    xmlFreeDoc(doc);
    return out;
}

const char *cap_info_str(const json_t *alert, const char *name)
{
    json_t *info = json_array_get(json_object_get(alert, "info"), 0);
    return json_string_value(json_object_get(info, name));
}
