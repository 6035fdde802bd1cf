/*
 * tests/test_report.c - the stand-down report's renderings (daemon/report.c,
 * report_render.c, report_csv.c): CSV cells a spreadsheet would run as
 * formulas are neutralised, every CSV time is ISO 8601 with its offset and
 * every row as wide as its header, and data quoted in the Markdown (notes,
 * agency names from plans, a channel's error text) cannot make headings,
 * tables, links or HTML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

/* A report as report_build makes it, with hostile text in its fields. */
static json_t *hostile_report(void)
{
    return json_pack(
        "{s:{s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:n}, s:b, s:[{s:I, s:s, s:{s:s}},"
        " {s:I, s:s, s:{s:s, s:s, s:s}}], s:[{s:s, s:s, s:I, s:n, s:n, s:s, s:s, s:n, s:i, s:i},"
        " {s:s, s:s, s:I, s:n, s:n, s:s, s:s, s:n, s:i, s:i}], s:[], s:{s:{}, s:[], s:[]}, s:[]}",
        "incident", "ref", "EX-RP-2026-0001", "operation", "# fake heading", "plan", "report",
        "level", 1, "level_name", "One", "state", "stood_down", "created_at",
        (json_int_t)1797000000000, "stood_down_at", "exercise", 1, "timeline", "at",
        (json_int_t)1797000000000, "kind", "incident.standdown", "data", "note",
        "| a | b |\n## injected\n<script>x</script> [click](http://evil) ![i](http://evil/i.png)",
        "at", (json_int_t)1797000001000, "kind", "agency.acknowledged", "data", "agency", "hub",
        "by", "duty", "via", "*bold* _em_ `code` \x1b[2J", "agencies", "agency", "hub", "state",
        "acknowledged", "paged_at", (json_int_t)1797000000000, "acknowledged_at",
        "seconds_to_acknowledge", "acknowledged_by", "duty", "via",
        "=HYPERLINK(\"http://evil\",\"x\")", "unreachable_at", "attempts", 1, "repages", 0,
        "agency", "mh", "state", "acknowledged", "paged_at", (json_int_t)1797000000000,
        "acknowledged_at", "seconds_to_acknowledge", "acknowledged_by", "@SUM(1+1)", "via", "-2+3",
        "unreachable_at", "attempts", 1, "repages", 0, "staffing", "persons", "outcomes",
        "by_category", "by_pathway", "breaches");
}

static void test_csv_formulas(void **state)
{
    json_t *r = hostile_report();
    assert_non_null(r);
    char *csv = report_csv(r, "agencies");
    assert_non_null(csv);
    /* the formula cell quoted with a leading single quote, its quotes doubled */
    assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","));
    assert_non_null(strstr(csv, ",\"'@SUM(1+1)\",\"'-2+3\","));
    assert_null(strstr(csv, ",=HYPERLINK"));
    assert_null(strstr(csv, "\"=HYPERLINK"));
    free(csv);
    json_decref(r);
}

/* The line of md that starts with prefix, or NULL. */
static const char *md_line(const char *md, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *l = md; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, prefix, n))
            return l;
    return NULL;
}

static void test_markdown_escaped(void **state)
{
    json_t *r = hostile_report();
    char *md = report_markdown(r);
    assert_non_null(md);
    /* the only headings are the report's own */
    assert_non_null(md_line(md, "- Operation: \\# fake heading\n"));
    assert_null(md_line(md, "## injected"));
    assert_null(md_line(md, "# fake"));
    /* the note stays in its one table cell: pipes escaped, new line as <br> */
    const char *row = strstr(md, "| incident.standdown | ");
    assert_non_null(row);
    const char *want =
        "| incident.standdown | \\| a \\| b \\|<br>\\#\\# injected<br>\\<script\\>x\\</"
        "script\\> \\[click\\]\\(http://evil\\) \\!\\[i\\]\\(http://evil/i.png\\) |\n";
    assert_memory_equal(row, want, strlen(want));
    assert_null(strstr(md, "<script>"));
    assert_null(strstr(md, "](http"));
    /* emphasis and code are escaped, the escape sequence shown, not sent */
    assert_non_null(strstr(md, "hub via \\*bold\\* \\_em\\_ \\`code\\` \\\\x1b\\[2J |"));
    assert_null(strchr(md, '\x1b'));
    /* our own markup and ordinary text are left alone */
    assert_non_null(md_line(md, "# Stand-down report: EX-RP-2026-0001\n"));
    assert_non_null(strstr(md, "| hub | - | acknowledged | 1 |"));
    free(md);
    json_decref(r);
}

/* The report's newer parts, with hostile text where a plan or a channel
 * could put it. */
static void add_detail(json_t *r)
{
    json_t *a = json_array_get(json_object_get(r, "agencies"), 0);
    json_object_set_new(a, "agency_name", json_string("[x](http://evil) | <b>"));
    json_object_set_new(r, "channels",
                        json_pack("[{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:I, s:n}]",
                                  "agency", "hub", "agency_name", "Hub, \"the\" hub",
                                  "agency_state", "unreachable", "step", 1, "attempt", 1, "channel",
                                  "exec", "contact", "Gateway", "state", "failed", "detail",
                                  "exit status 3: | ## no\n<img src=x>", "sent_at",
                                  (json_int_t)1797000000000, "finished_at"));
    json_object_set_new(r, "actions",
                        json_pack("[{s:I, s:s, s:s, s:n}]", "at", (json_int_t)1797000060000,
                                  "action", "stood down", "by", "gold (insp-jones)", "agency"));
    json_object_set_new(r, "victims_code",
                        json_pack("[{s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:i}]", "entitlement",
                                  "enhanced", "working_days", 2, "rule", "within 2 working days",
                                  "persons", 3, "met", 1, "missed", 1, "pending", 1,
                                  "not_applicable", 0));
    json_object_set_new(r, "audit_head",
                        json_pack("{s:s, s:i, s:s, s:I, s:s}", "state", "signed", "rows", 42,
                                  "hash", "ab12", "signed_at", (json_int_t)1797000120000,
                                  "signature", "cd34"));
    json_object_set_new(r, "safeguarding",
                        json_pack("{s:{s:i, s:i, s:i, s:i, s:i, s:f, s:f}, s:[{s:s, s:i}],"
                                  " s:[{s:s, s:i, s:i}]}",
                                  "urgent_screenings", "screenings", 2, "persons", 1, "sent", 1,
                                  "acknowledged", 1, "acknowledged_late", 0,
                                  "median_minutes_to_ack", 4.5, "max_minutes_to_ack", 4.5,
                                  "by_age_band", "age_band", "5-11", "persons", 1, "by_language",
                                  "language", "pl", "persons", 2, "interpreter", 1));
}

/* The cells of CSV text's lines: the count of each line, -1 for a line
 * with an open quote at its end (a cell runs on: allowed, counted with
 * the next). */
static void csv_widths(const char *csv, int *widths, int max, int *lines)
{
    bool quoted = false;
    int cells = 1;
    *lines = 0;
    for (const char *p = csv; *p && *lines < max; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            cells++;
        else if (*p == '\n' && !quoted) {
            widths[(*lines)++] = cells;
            cells = 1;
        }
    }
}

static void test_csv_tables(void **state)
{
    json_t *r = hostile_report();
    add_detail(r);
    for (int t = 0; report_csv_tables[t]; t++) {
        char *csv = report_csv(r, report_csv_tables[t]);
        int widths[32], lines = 0;
        assert_non_null(csv);
        csv_widths(csv, widths, 32, &lines);
        assert_true(lines >= 1);
        for (int i = 1; i < lines; i++)
            assert_int_equal(widths[i], widths[0]);
        free(csv);
    }
    assert_null(report_csv(r, "nope"));
    json_decref(r);
}

static void test_csv_iso_times(void **state)
{
    json_t *r = hostile_report();
    add_detail(r);
    char *ag = report_csv(r, "agencies"), *ch = report_csv(r, "channels");
    char *act = report_csv(r, "actions"), *head = report_csv(r, "audit_head");
    char *urgent = report_csv(r, "urgent");
    assert_non_null(strstr(ag, "\nhub,[x](http://evil) | <b>,acknowledged,"
                               "2026-12-11T14:40:00+00:00,,,duty,"));
    assert_null(strstr(ag, "1797000000000"));
    assert_non_null(strstr(ch, ",\"Hub, \"\"the\"\" hub\",unreachable,1,1,exec,Gateway,failed,"
                               "\"exit status 3: | ## no\n<img src=x>\","
                               "2026-12-11T14:40:00+00:00,\n"));
    assert_non_null(strstr(act, "\n2026-12-11T14:41:00+00:00,stood down,gold (insp-jones),,\n"));
    assert_non_null(strstr(head, "\nsigned,42,ab12,2026-12-11T14:42:00+00:00,cd34\n"));
    assert_non_null(strstr(urgent, "\n2,1,1,1,0,4.5,4.5,"));
    free(ag);
    free(ch);
    free(act);
    free(head);
    free(urgent);
    json_decref(r);
}

static void test_markdown_detail_escaped(void **state)
{
    json_t *r = hostile_report();
    add_detail(r);
    char *md = report_markdown(r);
    assert_non_null(md);
    /* the agency's name from the plan stays in its cell */
    assert_non_null(strstr(md, "| hub | \\[x\\]\\(http://evil\\) \\| \\<b\\> | acknowledged |"));
    /* the channel's error text too */
    assert_non_null(strstr(md, "| exit status 3: \\| \\#\\# no<br>\\<img src=x\\> |\n"));
    assert_null(md_line(md, "## no"));
    assert_null(strstr(md, "<img src=x>"));
    assert_non_null(strstr(md, "| stood down | gold \\(insp-jones\\) | - |"));
    assert_non_null(strstr(md, "| enhanced | within 2 working days | 3 | 1 | 1 | 1 | 0 |"));
    assert_non_null(md_line(md, "- Signed head: row 42, hash ab12\n"));
    assert_non_null(strstr(md, "median 4.5 min, longest 4.5 min"));
    assert_non_null(strstr(md, "| 5-11 | 1 |"));
    free(md);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_formulas),
        cmocka_unit_test(test_markdown_escaped),
        cmocka_unit_test(test_csv_tables),
        cmocka_unit_test(test_csv_iso_times),
        cmocka_unit_test(test_markdown_detail_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
