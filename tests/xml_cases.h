/*
 * tests/xml_cases.h - the sample files of an XML exchange format, shared
 * by its unit test (test_cap.c, and the EDXL and PFIF ones): every
 * DIR/good/NAME.xml must read, every DIR/bad/NAME.xml must be refused
 * with an error holding the first line of DIR/bad/NAME.err; the round
 * trip and the size limit every format's reader keeps.  Include it in
 * one test file after <cmocka.h>.
 */
#ifndef MUSTER_TEST_XML_CASES_H
#define MUSTER_TEST_XML_CASES_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xml.h"

/* A format's reader and writer (cap_read / cap_write, pfif_read / ...). */
typedef int xml_case_read_fn(struct xml_schema *schema, const char *buf, size_t len, json_t **out,
                             char *err, size_t errlen);
typedef char *xml_case_write_fn(const json_t *doc, size_t *len);

/* The whole file (at most 1 MiB), NUL-terminated; *len set. */
static inline char *xml_case_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: cannot open", path);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Call fn(path, name) on every NAME.xml of root/sub; returns how many. */
static inline int xml_case_each(const char *root, const char *sub,
                                void (*fn)(const char *path, const char *name))
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/%s", root, sub);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("%s: cannot open", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".xml")) {
            char path[800];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            fn(path, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* path (a bad NAME.xml) is refused by read, keeping nothing, with its
 * .err's first line. */
static inline void xml_case_refused(xml_case_read_fn *read, struct xml_schema *schema,
                                    const char *path, const char *name)
{
    char err[512] = "", errpath[800];
    size_t len, elen;
    char *buf = xml_case_slurp(path, &len);
    snprintf(errpath, sizeof(errpath), "%.*s.err", (int)strlen(path) - 4, path);
    char *want = xml_case_slurp(errpath, &elen);
    want[strcspn(want, "\n")] = '\0';
    json_t *doc = NULL;
    if (read(schema, buf, len, &doc, err, sizeof(err)) == 0)
        fail_msg("%s was read", name);
    assert_null(doc);
    if (!*want || !strstr(err, want))
        fail_msg("%s: \"%s\" does not say \"%s\"", name, err, want);
    free(want);
    free(buf);
}

/* The round trip of doc (read from name): written back, valid against
 * the schema, read again to the same canonical JSON. */
static inline void xml_case_round_trip(xml_case_read_fn *read, xml_case_write_fn *write,
                                       struct xml_schema *schema, const char *name,
                                       const json_t *doc)
{
    char err[512] = "";
    size_t len = 0;
    char *xml = write(doc, &len);
    assert_non_null(xml);
    json_t *back = NULL;
    if (read(schema, xml, len, &back, err, sizeof(err)) != 0)
        fail_msg("%s written back: %s\n%s", name, err, xml);
    if (!json_equal(doc, back)) {
        char *ja = json_dumps(doc, JSON_INDENT(1)), *jb = json_dumps(back, JSON_INDENT(1));
        fail_msg("%s: the round trip changed it:\n%s\n%s", name, ja, jb);
    }
    json_decref(back);
    free(xml);
}

/* A document one byte over XML_MAX_BYTES, opening with root, is refused
 * before it is parsed. */
static inline void xml_case_oversize(xml_case_read_fn *read, struct xml_schema *schema,
                                     const char *root)
{
    size_t n = XML_MAX_BYTES + 1;
    char *buf = malloc(n), err[512] = "";
    assert_non_null(buf);
    memset(buf, ' ', n);
    memcpy(buf, root, strlen(root));
    json_t *doc = NULL;
    assert_int_equal(read(schema, buf, n, &doc, err, sizeof(err)), -EFBIG);
    assert_non_null(strstr(err, "over the 262144 byte limit"));
    assert_null(doc);
    free(buf);
}

#endif
