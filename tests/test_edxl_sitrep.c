/*
 * tests/test_edxl_sitrep.c - EDXL-SitRep 1.0 out and in
 * (daemon/sitrep.c, common/edxl_sitrep.c, common/xml.c): SitReps built
 * from boards of incidents in several states (active and short of staff,
 * stood down, closed, a plan without staffing) are valid against the
 * schema, read back to the same JSON, carry the board's counts and no
 * personal data; every tests/sitrep/good/NAME.xml reads and survives the
 * round trip; every tests/sitrep/bad/NAME.xml is refused with the message
 * its .err file holds (a part of it); an oversize one before parsing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edxl_sitrep.h"
#include "plan.h"
#include "sitrep.h"
#include "xml.h"
#include "xml_cases.h"

static const char *sitrep_dir = MUSTER_SITREP_DIR;
static struct xml_schema *schema;

/* Read xml, write it back, read that: the same JSON (*out, new ref). */
static void round_trip(const char *name, const char *xml, size_t len, json_t **out)
{
    char err[512] = "";
    json_t *a = NULL;
    if (sitrep_read(schema, xml, len, &a, err, sizeof(err)) != 0)
        fail_msg("%s: %s\n%s", name, err, xml);
    xml_case_round_trip(sitrep_read, sitrep_write, schema, name, a);
    *out = a;
}

static void read_good(const char *path, const char *name)
{
    size_t len;
    char *buf = xml_case_slurp(path, &len);
    json_t *a = NULL;
    round_trip(name, buf, len, &a);
    assert_non_null(json_object_get(a, "ManagementReportingSummary"));
    json_decref(a);
    free(buf);
}

static void read_bad(const char *path, const char *name)
{
    xml_case_refused(sitrep_read, schema, path, name);
}

static void test_good(void **state)
{
    assert_true(xml_case_each(sitrep_dir, "good", read_good) >= 3);
}

static void test_bad(void **state)
{
    assert_true(xml_case_each(sitrep_dir, "bad", read_bad) >= 20);
}

static void test_oversize(void **state)
{
    xml_case_oversize(sitrep_read, schema, "<SitRep>");
}

/* ---- SitReps of boards in several states ---- */

static struct plan_role roles[] = {{"call-handler", "Call handler"},
                                   {"mh-nurse", "Mental health nurse"}};

static struct plan *staffed_plan(void)
{
    static struct plan p;
    p.hub.name = "Victim and Witness Hub";
    p.staffing.roles = roles;
    p.staffing.nroles = 2;
    return &p;
}

/* A board as board_snapshot makes it: an alarm's detail and the incident
 * are the only text, and the alarm's detail names a person. */
static json_t *board_of(const char *state, bool exercise)
{
    return json_pack(
        "{s:{s:s, s:s, s:i, s:s, s:b, s:s, s:s, s:I, s:o, s:o}, s:{s:s}, s:{s:s}, s:{s:s},"
        " s:{s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i},"
        " s:i, s:i, s:i, s:i, s:i, s:{s:s, s:s, s:s, s:I}, s:{s:i, s:o}, s:i, s:i, s:i}",
        "incident", "ref", "EX-CAMB-2026-0001", "plan", "cambs", "level", 2, "level_name",
        "Major incident", "exercise", exercise, "operation", "Granta", "state", state, "created_at",
        (json_int_t)1795379684506LL, "stood_down_at",
        strcmp(state, "active") ? json_integer(1795400000000LL) : json_null(), "closed_at",
        strcmp(state, "closed") ? json_null() : json_integer(1795500000000LL), "agency/hub",
        "state", "acknowledged", "agency/cpft", "state", "paging", "agency/cruse", "state",
        "unreachable", "cell/day-1/call-handler", "required", 4, "pledged", 1, "accepted", 1,
        "arrived", 1, "cell/night-1/call-handler", "required", 2, "pledged", 3, "accepted", 2,
        "arrived", 0, "cell/day-1/mh-nurse", "required", 1, "pledged", 1, "accepted", 1, "arrived",
        1, "persons", 9, "category/injured", 3, "category/survivor", 4, "category/bereaved", 2,
        "urgent", 1, "alarm/7", "kind", "referral_unanswered", "agency", "cpft", "detail",
        "Ann Quorum 07700900111", "raised_at", (json_int_t)1795379700000LL, "selfreg/unverified",
        "count", 3, "oldest_at", json_null(), "referrals/open", 5, "rescreen/due", 2, "breaches",
        1);
}

static const char *text_at(json_t *s, const char *a, const char *b)
{
    json_t *mrs = json_object_get(s, "ManagementReportingSummary");
    return json_string_value(json_object_get(json_object_get(mrs, a), b));
}

/* Emit, validate (the reader validates), read back, compare; the counts
 * are the board's, and nothing personal is in the document. */
static json_t *emit(json_t *board, const struct plan *plan, int number, char **xml_out)
{
    struct sitrep_stamp st = {.number = number, .from = 1795379684506LL, .to = 1795380000000LL};
    json_t *built = sitrep_json(board, plan, &st, 1795380000000LL), *read = NULL;
    size_t len = 0;
    char *xml = sitrep_write(built, &len);
    assert_non_null(xml);
    round_trip("emitted", xml, len, &read);
    if (!json_equal(built, read)) {
        char *ja = json_dumps(built, JSON_INDENT(1)), *jb = json_dumps(read, JSON_INDENT(1));
        fail_msg("what was built is not what was read:\n%s\n%s", ja, jb);
    }
    assert_null(strstr(xml, "Quorum"));
    assert_null(strstr(xml, "07700900111"));
    json_decref(built);
    *xml_out = xml;
    return read;
}

static json_t *role_total(json_t *s, int i)
{
    json_t *mrs = json_object_get(s, "ManagementReportingSummary");
    return json_array_get(
        json_object_get(json_object_get(mrs, "ResponseResourcesTotals"), "ResourceTotal"), i);
}

static void test_active(void **state)
{
    json_t *board = board_of("active", true);
    char *xml;
    json_t *s = emit(board, staffed_plan(), 1, &xml);
    assert_string_equal(json_string_value(json_object_get(s, "ReportVersion")), "Initial");
    assert_string_equal(text_at(s, "SituationSummary", "IncidentStatus"), "Active");
    assert_string_equal(text_at(s, "SituationSummary", "Exercise"), "true");
    assert_string_equal(text_at(s, "SituationSummary", "AgenciesActivated"), "3");
    assert_string_equal(text_at(s, "SituationSummary", "AgenciesAcknowledged"), "1");
    assert_string_equal(text_at(s, "SituationSummary", "AgenciesUnreachable"), "1");
    assert_string_equal(text_at(s, "CasualtyAndIllnessSummary", "TotalCount"), "9");
    assert_non_null(strstr(xml, "EXERCISE"));
    /* call-handler: asked 6, pledged 4, day short 3 (night's surplus
     * does not staff the day) */
    json_t *ch = role_total(s, 0);
    assert_string_equal(json_string_value(json_object_get(ch, "Requested")), "6");
    assert_string_equal(json_string_value(json_object_get(ch, "Committed")), "4");
    assert_string_equal(json_string_value(json_object_get(ch, "Accepted")), "3");
    assert_string_equal(json_string_value(json_object_get(ch, "OnScene")), "1");
    assert_string_equal(json_string_value(json_object_get(ch, "Short")), "3");
    assert_string_equal(json_string_value(json_object_get(role_total(s, 1), "Short")), "0");
    assert_non_null(strstr(xml, "Fill 3 short place(s) for Call handler"));
    assert_non_null(strstr(xml, "Keep paging 1 partner agency(ies)"));
    assert_non_null(strstr(xml, "Verify 3 self-registration(s)"));
    assert_non_null(strstr(xml, "Clear or resolve 1 open referral_unanswered alarm(s)"));
    json_decref(s);
    json_decref(board);
    free(xml);
}

static void test_stood_down(void **state)
{
    json_t *board = board_of("stood_down", false);
    char *xml;
    json_t *s = emit(board, staffed_plan(), 4, &xml);
    assert_string_equal(json_string_value(json_object_get(s, "ReportVersion")), "Update");
    assert_string_equal(text_at(s, "SituationSummary", "IncidentStatus"), "Recovery");
    assert_non_null(text_at(s, "SituationSummary", "StandDownDateTime"));
    assert_null(strstr(xml, "EXERCISE"));
    assert_null(strstr(xml, "Keep paging")); /* paging and staffing ended */
    assert_null(strstr(xml, "short place"));
    assert_non_null(strstr(xml, "Work 5 open referral(s)"));
    json_decref(s);
    json_decref(board);
    free(xml);
}

static void test_closed_unstaffed(void **state)
{
    json_t *board = json_pack(
        "{s:{s:s, s:s, s:i, s:b, s:s, s:s, s:I, s:I, s:I}}", "incident", "ref", "CAMB-2026-0002",
        "plan", "cambs", "level", 1, "exercise", 0, "operation", "Quiet", "state", "closed",
        "created_at", (json_int_t)1795379684506LL, "stood_down_at", (json_int_t)1795379694506LL,
        "closed_at", (json_int_t)1795379704506LL);
    char *xml;
    json_t *s = emit(board, NULL, 2, &xml);
    assert_string_equal(json_string_value(json_object_get(s, "ReportVersion")), "Final");
    assert_string_equal(text_at(s, "SituationSummary", "IncidentStatus"), "Closed");
    assert_string_equal(text_at(s, "CasualtyAndIllnessSummary", "TotalCount"), "0");
    assert_non_null(strstr(xml, "None: the incident is closed"));
    json_decref(s);
    json_decref(board);
    free(xml);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc > 3)
        sitrep_dir = argv[3];
    schema = sitrep_schema_open(err, sizeof(err));
    if (!schema) {
        fprintf(stderr, "the EDXL-SitRep schema: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),       cmocka_unit_test(test_bad),
        cmocka_unit_test(test_oversize),   cmocka_unit_test(test_active),
        cmocka_unit_test(test_stood_down), cmocka_unit_test(test_closed_unstaffed),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xml_schema_free(schema);
    return rc;
}
