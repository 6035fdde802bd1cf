/*
 * tests/test_cap.c - the CAP 1.2 reader (common/cap.c, common/xml.c):
 * every tests/cap/good/NAME.xml reads and survives the round trip (JSON,
 * written back as CAP, valid against the XSD, read again, the same JSON);
 * every tests/cap/bad/NAME.xml is refused with the message its .err file
 * holds (a part of it); an oversize message is refused before parsing.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap.h"
#include "xml.h"

static const char *cap_dir = MUSTER_CAP_DIR;
static struct xml_schema *schema;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Call fn on every NAME.xml of dir; returns how many. */
static int each_file(const char *dir, void (*fn)(const char *dir, const char *name))
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", cap_dir, dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".xml")) {
            fn(path, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void read_good(const char *dir, const char *name)
{
    char path[600], err[512] = "";
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    size_t len;
    char *buf = slurp(path, &len);
    json_t *a = NULL, *b = NULL;
    int rc = cap_read(schema, buf, len, &a, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s: %s", name, err);
    size_t wlen = 0;
    char *xml = cap_write(a, &wlen);
    assert_non_null(xml);
    rc = cap_read(schema, xml, wlen, &b, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s written back: %s\n%s", name, err, xml);
    if (!json_equal(a, b)) {
        char *ja = json_dumps(a, JSON_INDENT(1)), *jb = json_dumps(b, JSON_INDENT(1));
        fail_msg("%s: the round trip changed it:\n%s\n%s", name, ja, jb);
    }
    assert_non_null(cap_info_str(a, "event") ? a : json_object_get(a, "references"));
    json_decref(a);
    json_decref(b);
    free(xml);
    free(buf);
}

static void read_bad(const char *dir, const char *name)
{
    char path[600], err[512] = "";
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    size_t len, elen;
    char *buf = slurp(path, &len);
    strcpy(path + strlen(path) - 4, ".err");
    char *want = slurp(path, &elen);
    want[strcspn(want, "\n")] = '\0';
    json_t *a = NULL;
    int rc = cap_read(schema, buf, len, &a, err, sizeof(err));
    if (rc == 0)
        fail_msg("%s was read", name);
    assert_null(a);
    if (!strstr(err, want))
        fail_msg("%s: \"%s\" does not say \"%s\"", name, err, want);
    free(want);
    free(buf);
}

static void test_good(void **state)
{
    assert_true(each_file("good", read_good) >= 4);
}

static void test_bad(void **state)
{
    assert_true(each_file("bad", read_bad) >= 20);
}

static void test_oversize(void **state)
{
    size_t n = XML_MAX_BYTES + 1;
    char *buf = malloc(n), err[512];
    memset(buf, ' ', n);
    memcpy(buf, "<alert>", 7);
    json_t *a = NULL;
    assert_int_equal(cap_read(schema, buf, n, &a, err, sizeof(err)), -EFBIG);
    assert_non_null(strstr(err, "over the 262144 byte limit"));
    free(buf);
}

/* An alert built as JSON is written as valid CAP and reads back the same. */
static void test_emit(void **state)
{
    json_t *a =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:[s], s:s, s:s, s:s, s:s, s:[{s:s, s:s}], "
                  "s:[{s:s}]}]}",
                  "identifier", "x-1", "sender", "gold@example", "sent",
                  "2026-01-01T00:00:00+00:00", "status", "Exercise", "msgType", "Alert", "scope",
                  "Private", "info", "category", "Security", "event", "<Bomb> & \"threat\"",
                  "urgency", "Immediate", "severity", "Severe", "certainty", "Likely", "eventCode",
                  "valueName", "muster", "value", "MCI", "area", "areaDesc", "Ely");
    size_t len = 0;
    char *xml = cap_write(a, &len), err[512];
    json_t *b = NULL;
    if (cap_read(schema, xml, len, &b, err, sizeof(err)) != 0)
        fail_msg("%s\n%s", err, xml);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(xml);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc > 3)
        cap_dir = argv[3];
    schema = xml_schema_open((const char *)cap_xsd, cap_xsd_len, err, sizeof(err));
    if (!schema) {
        fprintf(stderr, "the CAP schema: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_emit),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xml_schema_free(schema);
    return rc;
}
