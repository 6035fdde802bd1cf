/*
 * tests/xml_cases.h - the sample files of an XML exchange format, shared
 * by its unit test (test_cap.c, and the EDXL and PFIF ones): every
 * DIR/good/NAME.xml must read, every DIR/bad/NAME.xml must be refused
 * with an error holding the first line of DIR/bad/NAME.err.  Include it
 * in one test file after <cmocka.h>.
 */
#ifndef MUSTER_TEST_XML_CASES_H
#define MUSTER_TEST_XML_CASES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reader under test: 0, or non-zero with err set (and nothing kept). */
typedef int (*xml_case_reader)(const char *buf, size_t len, char *err, size_t errlen);

/* The whole file (at most 1 MiB), NUL-terminated; *len set. */
static char *xml_case_slurp(const char *path, size_t *len)
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
static int xml_case_each(const char *root, const char *sub,
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

/* path (a bad NAME.xml) is refused by read with its .err's first line. */
static void xml_case_refused(xml_case_reader read, const char *path, const char *name)
{
    char err[512] = "", errpath[800];
    size_t len, elen;
    char *buf = xml_case_slurp(path, &len);
    snprintf(errpath, sizeof(errpath), "%.*s.err", (int)strlen(path) - 4, path);
    char *want = xml_case_slurp(errpath, &elen);
    want[strcspn(want, "\n")] = '\0';
    if (read(buf, len, err, sizeof(err)) == 0)
        fail_msg("%s was read", name);
    if (!*want || !strstr(err, want))
        fail_msg("%s: \"%s\" does not say \"%s\"", name, err, want);
    free(want);
    free(buf);
}

#endif
