/*
 * tests/test_report.c - the stand-down report's renderings (daemon/report.c):
 * CSV cells a spreadsheet would run as formulas are neutralised, and data
 * quoted in the Markdown cannot make headings, tables, links or HTML.
 */
#include <setjmp.h>
#include <stdarg.h>
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
    assert_non_null(strstr(md, "| hub | acknowledged | 1 |"));
    free(md);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_formulas),
        cmocka_unit_test(test_markdown_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
