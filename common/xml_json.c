/*
 * common/xml_json.c - the canonical JSON of a schema-valid XML document
 * and back (xml.h): what every OASIS adapter (CAP, EDXL, PFIF) reads a
 * message into and writes one from, so the round trip "read, write back,
 * validate, read again, compare" means the same for every format.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "xml.h"

static bool is_repeated(const struct xml_shape *shape, const char *name)
{
    for (size_t i = 0; shape->repeated && shape->repeated[i]; i++)
        if (!strcmp(shape->repeated[i], name))
            return true;
    return false;
}

/* The namespace element name is in: shape->ns unless elsewhere says. */
static const char *ns_of(const struct xml_shape *shape, const char *name)
{
    for (size_t i = 0; shape->elsewhere && shape->elsewhere[i]; i += 2)
        if (!strcmp(shape->elsewhere[i], name))
            return shape->elsewhere[i + 1];
    return shape->ns;
}

static bool in_ns(const struct xml_shape *shape, const xmlNode *n)
{
    return n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, ns_of(shape, (const char *)n->name));
}

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* xsi:type, xsi:nil, xsi:schemaLocation are allowed on any element by
 * XML Schema: hints to the validator, never content. */
static bool is_xsi(const xmlAttr *a)
{
    return a->ns && a->ns->href && !strcmp((const char *)a->ns->href, XSI_NS);
}

static bool has_attributes(const xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (!is_xsi(a))
            return true;
    return false;
}

static bool has_elements(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

static json_t *text_of(const xmlNode *n)
{
    xmlChar *text = xmlNodeGetContent(n);
    json_t *v = json_string(text ? (const char *)text : "");
    xmlFree(text);
    return v ? v : json_string("");
}

static json_t *to_json(const struct xml_shape *shape, const xmlNode *n);

static json_t *element_value(const struct xml_shape *shape, const xmlNode *c)
{
    if (!has_attributes(c) && !has_elements(c))
        return text_of(c);
    json_t *o = to_json(shape, c);
    if (!has_elements(c))
        json_object_set_new(o, "#text", text_of(c));
    return o;
}

/* An element with elements or attributes as an object. */
static json_t *to_json(const struct xml_shape *shape, const xmlNode *n)
{
    json_t *o = json_object();
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (is_xsi(a))
            continue;
        char key[128];
        snprintf(key, sizeof(key), "@%.120s", (const char *)a->name);
        xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
        json_object_set_new(o, key, json_string(v ? (const char *)v : ""));
        xmlFree(v);
    }
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !in_ns(shape, c))
            continue; /* a signature, say, is not the message's content */
        const char *name = (const char *)c->name;
        json_t *v = element_value(shape, c);
        if (is_repeated(shape, name)) {
            json_t *arr = json_object_get(o, name);
            if (!arr)
                json_object_set_new(o, name, arr = json_array());
            json_array_append_new(arr, v);
        } else {
            json_object_set_new(o, name, v);
        }
    }
    return o;
}

/* The root is shape->root in shape->ns: 0, or -EINVAL with err. */
static int check_root(const struct xml_shape *shape, const xmlNode *root, char *err, size_t errlen)
{
    const char *ns = root && root->ns ? (const char *)root->ns->href : "";
    if (!root || strcmp((const char *)root->name, shape->root)) {
        snprintf(err, errlen, "/%.60s: the document is not a %s <%s>",
                 root ? (const char *)root->name : "", shape->name, shape->root);
        return -EINVAL;
    }
    if (strcmp(ns, shape->ns)) {
        snprintf(err, errlen, "/%s: namespace \"%.100s\" is not %s's (%s)", shape->root, ns,
                 shape->name, shape->ns);
        return -EINVAL;
    }
    return 0;
}

int xml_read_doc(struct xml_schema *s, const struct xml_shape *shape, xmlDocPtr doc, json_t **out,
                 char *err, size_t errlen)
{
    *out = NULL;
    int rc = check_root(shape, xmlDocGetRootElement(doc), err, errlen);
    if (rc == 0)
        rc = xml_validate(s, doc, err, errlen);
    if (rc == 0)
        *out = to_json(shape, xmlDocGetRootElement(doc));
    return rc;
}

int xml_read(struct xml_schema *s, const struct xml_shape *shape, const char *buf, size_t len,
             json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    xmlDocPtr doc = NULL;
    int rc = xml_parse(buf, len, &doc, err, errlen);
    if (rc == 0)
        rc = xml_read_doc(s, shape, doc, out, err, errlen);
    xmlFreeDoc(doc);
    return rc;
}

static void write_value(xmlNodePtr parent, const struct xml_shape *shape, const char *name,
                        const json_t *v);

static void write_object(xmlNodePtr node, const struct xml_shape *shape, const json_t *o)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        if (key[0] == '@' && json_is_string(v)) {
            xmlSetProp(node, (const xmlChar *)key + 1, (const xmlChar *)json_string_value(v));
        } else if (!strcmp(key, "#text") && json_is_string(v)) {
            xmlNodeAddContent(node, (const xmlChar *)json_string_value(v));
        } else if (json_is_array(v)) {
            size_t i;
            const json_t *item;
            json_array_foreach(v, i, item) write_value(node, shape, key, item);
        } else {
            write_value(node, shape, key, v);
        }
    }
}

/* The namespace declared for href on the root (prefixes n1, n2, ...). */
static xmlNsPtr ns_for(xmlNodePtr node, const char *href)
{
    xmlNodePtr root = xmlDocGetRootElement(node->doc);
    xmlNsPtr ns = xmlSearchNsByHref(node->doc, root, (const xmlChar *)href);
    int count = 0;
    for (xmlNsPtr d = root->nsDef; d; d = d->next)
        count++;
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "n%d", count);
    return ns ? ns : xmlNewNs(root, (const xmlChar *)href, (const xmlChar *)prefix);
}

static void write_value(xmlNodePtr parent, const struct xml_shape *shape, const char *name,
                        const json_t *v)
{
    xmlNsPtr ns = ns_for(parent, ns_of(shape, name));
    if (json_is_object(v)) {
        xmlNodePtr c = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
        if (c)
            write_object(c, shape, v);
    } else if (json_is_string(v)) {
        xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)json_string_value(v));
    }
}

char *xml_write(const struct xml_shape *shape, const json_t *obj, size_t *len)
{
    if (!json_is_object(obj))
        return NULL;
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = doc ? xmlNewNode(NULL, (const xmlChar *)shape->root) : NULL;
    char *out = NULL;
    if (root) {
        xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)shape->ns, NULL);
        xmlSetNs(root, ns);
        xmlDocSetRootElement(doc, root);
        write_object(root, shape, obj);
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
