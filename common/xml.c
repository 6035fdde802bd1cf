/*
 * common/xml.c - safe XML in (xml.h): libxml2 with the network off, no
 * entity substitution, no DTD loading, and any DOCTYPE refused outright;
 * size and depth capped; XSD validation with errors naming the element.
 *
 * Why refuse every DOCTYPE rather than parse it carefully: the formats
 * muster reads (CAP, EDXL, PFIF) have no DTD, so a DOCTYPE is never
 * legitimate, and the internal subset is where every entity attack lives
 * (external entities, parameter entities, the billion laughs).  The SAX
 * internalSubset callback fires when the declaration's name is read,
 * before its subset is parsed: stopping the parser there means no
 * entity declaration is ever looked at.
 */
#include "xml.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

struct xml_schema {
    xmlSchemaPtr schema;
};

/* libxml2's message, on one line, without namespaces ("{urn:...}name"). */
static void clean_message(const char *msg, char *out, size_t len)
{
    size_t o = 0;
    bool brace = false;
    for (const char *p = msg ? msg : "error"; *p && o + 1 < len; p++) {
        if (*p == '{' && strchr(p, '}') &&
            (!strncmp(p + 1, "urn:", 4) || !strncmp(p + 1, "http", 4)))
            brace = true;
        else if (brace && *p == '}')
            brace = false;
        else if (!brace)
            out[o++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

void xml_node_path(const xmlNode *node, char *out, size_t len)
{
    char buf[512] = "";
    for (const xmlNode *n = node; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        int index = 0, same = 0;
        for (const xmlNode *s = n->parent ? n->parent->children : n; s; s = s->next) {
            if (s->type != XML_ELEMENT_NODE || strcmp((const char *)s->name, (const char *)n->name))
                continue;
            same++;
            if (s == n)
                index = same;
        }
        char step[160], rest[700];
        if (same > 1)
            snprintf(step, sizeof(step), "/%.100s[%d]", (const char *)n->name, index);
        else
            snprintf(step, sizeof(step), "/%.100s", (const char *)n->name);
        snprintf(rest, sizeof(rest), "%s%s", step, buf);
        snprintf(buf, sizeof(buf), "%.511s", rest);
    }
    snprintf(out, len, "%s", *buf ? buf : "/");
}

static void schema_error(void *ctx, xmlErrorPtr e)
{
    char *err = ctx;
    if (*err || !e)
        return; /* the first error is the one reported */
    char msg[400], path[256] = "";
    clean_message(e->message, msg, sizeof(msg));
    if (e->node && ((xmlNodePtr)e->node)->type == XML_ELEMENT_NODE)
        xml_node_path(e->node, path, sizeof(path));
    else
        snprintf(path, sizeof(path), "line %d", e->line);
    snprintf(err, 512, "%.200s: %.300s", path, msg);
}

/* The documents xml_schema_open_set is compiling (it runs at start, on
 * one thread): the only ones the loader below serves. */
static const struct xml_xsd *serving;
static size_t serving_n;

/* libxml2's loader while a schema set compiles: a location of the set,
 * from memory; anything else (a file, a URL) is refused. */
static xmlParserInputPtr serve_xsd(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    const char *base = url ? strrchr(url, '/') : NULL;
    base = base ? base + 1 : url;
    for (size_t i = 0; base && i < serving_n; i++)
        if (!strcmp(serving[i].location, base)) {
            xmlParserInputBufferPtr in = xmlParserInputBufferCreateMem(
                (const char *)serving[i].text, (int)serving[i].len, XML_CHAR_ENCODING_NONE);
            return in ? xmlNewIOInputStream(ctxt, in, XML_CHAR_ENCODING_NONE) : NULL;
        }
    return NULL;
}

struct xml_schema *xml_schema_open_set(const struct xml_xsd *docs, size_t n, char *err,
                                       size_t errlen)
{
    char first[512] = "";
    xmlInitParser();
    xmlSchemaParserCtxtPtr pc =
        xmlSchemaNewMemParserCtxt((const char *)docs[0].text, (int)docs[0].len);
    if (!pc) {
        snprintf(err, errlen, "the schema cannot be read");
        return NULL;
    }
    xmlSchemaSetParserStructuredErrors(pc, schema_error, first);
    xmlExternalEntityLoader saved = xmlGetExternalEntityLoader();
    serving = docs;
    serving_n = n;
    xmlSetExternalEntityLoader(serve_xsd);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    xmlSetExternalEntityLoader(saved);
    serving = NULL;
    serving_n = 0;
    xmlSchemaFreeParserCtxt(pc);
    struct xml_schema *s = schema ? calloc(1, sizeof(*s)) : NULL;
    if (!s) {
        snprintf(err, errlen, "the schema is invalid: %s", *first ? first : "out of memory");
        xmlSchemaFree(schema);
        return NULL;
    }
    s->schema = schema;
    return s;
}

struct xml_schema *xml_schema_open(const char *xsd, size_t len, char *err, size_t errlen)
{
    struct xml_xsd one = {"", (const unsigned char *)xsd, len};
    return xml_schema_open_set(&one, 1, err, errlen);
}

void xml_schema_free(struct xml_schema *s)
{
    if (!s)
        return;
    xmlSchemaFree(s->schema);
    free(s);
}

/* libxml2's own messages (an encoding error, ...) go nowhere: what is
 * wrong is in the error returned, never on musterd's stderr. */
static void silent(void *ctx, const char *msg, ...)
{
}

/* The SAX callback at <!DOCTYPE: mark the document and stop at once. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    xmlParserCtxtPtr p = ctx;
    *(bool *)p->_private = true;
    xmlStopParser(p);
}

static int too_deep(const xmlNode *n, int depth)
{
    if (depth > XML_MAX_DEPTH)
        return 1;
    for (const xmlNode *c = n; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && too_deep(c->children, depth + 1))
            return 1;
    return 0;
}

/* The first element or attribute (depth first) in a namespace whose name
 * holds '*' or '|', or NULL.  libxml2's schema validator matches an
 * element against its content model as the text "name|namespace" with
 * '*' as a wildcard in either side (xmlRegStrEqualWildcard), so an
 * element in the namespace "urn:oasis:names:tc:emergency:EDXL:RM:1.*"
 * passed as one in "...:RM:1.0", and the reader, which looks names up in
 * the exact namespace, then found nothing (fuzz_edxl_rm).  No format
 * muster reads has such a namespace; they are refused before validation. */
static const xmlNode *wild_namespace(const xmlNode *n)
{
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns && c->ns->href && strpbrk((const char *)c->ns->href, "*|"))
            return c;
        for (const xmlAttr *a = c->properties; a; a = a->next)
            if (a->ns && a->ns->href && strpbrk((const char *)a->ns->href, "*|"))
                return c;
        const xmlNode *in = wild_namespace(c->children);
        if (in)
            return in;
    }
    return NULL;
}

/* Parse with the safe options; *doctype set when one was seen. */
static xmlDocPtr parse_doc(const char *buf, size_t len, int blanks, bool *doctype, char *err,
                           size_t errlen)
{
    xmlParserCtxtPtr p = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (!p) {
        snprintf(err, errlen, "line 1: cannot parse (out of memory)");
        return NULL;
    }
    p->_private = doctype;
    p->sax->internalSubset = refuse_doctype;
    p->sax->externalSubset = NULL;
    xmlCtxtUseOptions(p, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                             XML_PARSE_NOCDATA | blanks);
    xmlParseDocument(p);
    xmlDocPtr doc = p->myDoc;
    p->myDoc = NULL;
    if (!*doctype && (!p->wellFormed || !doc)) {
        xmlErrorPtr e = xmlCtxtGetLastError(p);
        char msg[400];
        clean_message(e ? e->message : "not well-formed", msg, sizeof(msg));
        snprintf(err, errlen, "line %d: not well-formed XML: %s", e ? e->line : 1, msg);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(p);
    return doc;
}

/* xml_parse, blanks XML_PARSE_NOBLANKS or 0 (keep them), at most max
 * bytes. */
static int parse_safe_capped(const char *buf, size_t len, int blanks, size_t max, xmlDocPtr *out,
                             char *err, size_t errlen)
{
    *out = NULL;
    if (len > max || len > INT_MAX) {
        snprintf(err, errlen, "document of %zu bytes is over the %zu byte limit", len,
                 max < (size_t)INT_MAX ? max : (size_t)INT_MAX);
        return -EFBIG;
    }
    if (len == 0) {
        snprintf(err, errlen, "line 1: not well-formed XML: the document is empty");
        return -EINVAL;
    }
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, silent);
    bool doctype = false;
    xmlDocPtr doc = parse_doc(buf, len, blanks, &doctype, err, errlen);
    if (doctype || (doc && (doc->intSubset || doc->extSubset))) {
        snprintf(err, errlen, "/: a DOCTYPE is refused (no DTD, no entities)");
        xmlFreeDoc(doc);
        return -EINVAL;
    }
    if (!doc)
        return -EINVAL;
    if (too_deep(xmlDocGetRootElement(doc), 1)) {
        snprintf(err, errlen, "/: elements nested deeper than %d", XML_MAX_DEPTH);
        xmlFreeDoc(doc);
        return -EINVAL;
    }
    const xmlNode *wild = wild_namespace(xmlDocGetRootElement(doc));
    if (wild) {
        char path[256];
        xml_node_path(wild, path, sizeof(path));
        snprintf(err, errlen, "%s: a namespace name with '*' or '|' is refused", path);
        xmlFreeDoc(doc);
        return -EINVAL;
    }
    *out = doc;
    return 0;
}

static int parse_safe(const char *buf, size_t len, int blanks, xmlDocPtr *out, char *err,
                      size_t errlen)
{
    return parse_safe_capped(buf, len, blanks, XML_MAX_BYTES, out, err, errlen);
}

int xml_parse(const char *buf, size_t len, xmlDocPtr *out, char *err, size_t errlen)
{
    return parse_safe(buf, len, XML_PARSE_NOBLANKS, out, err, errlen);
}

int xml_parse_exact(const char *buf, size_t len, xmlDocPtr *out, char *err, size_t errlen)
{
    return parse_safe(buf, len, 0, out, err, errlen);
}

int xml_validate_own(struct xml_schema *s, const char *buf, size_t len, char *err, size_t errlen)
{
    xmlDocPtr doc = NULL;
    /* musterd's own document: the size cap of what others send is not
     * its limit (a casualty bureau's export of 1,000 persons is some
     * 1.2 MB); the rest of the safe parse is kept */
    int rc = parse_safe_capped(buf, len, XML_PARSE_NOBLANKS, SIZE_MAX, &doc, err, errlen);
    if (rc == 0)
        rc = xml_validate(s, doc, err, errlen);
    xmlFreeDoc(doc);
    return rc;
}

int xml_validate(struct xml_schema *s, xmlDocPtr doc, char *err, size_t errlen)
{
    char first[512] = "";
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(s->schema);
    if (!v) {
        snprintf(err, errlen, "/: cannot validate (out of memory)");
        return -ENOMEM;
    }
    xmlSchemaSetValidStructuredErrors(v, schema_error, first);
    int rc = xmlSchemaValidateDoc(v, doc);
    xmlSchemaFreeValidCtxt(v);
    if (rc == 0)
        return 0;
    snprintf(err, errlen, "%s", *first ? first : "/: not valid against the schema");
    return -EINVAL;
}
