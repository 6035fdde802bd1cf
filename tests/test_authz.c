/*
 * tests/test_authz.c - the authorization policy, checked against every
 * command the daemon knows and against the tables of it in the docs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authz.h"
#include "dispatch.h"

static void test_roles(void **state)
{
    assert_int_equal(authz_role_of("gold"), ROLE_GOLD);
    assert_int_equal(authz_role_of("duty"), ROLE_DUTY);
    assert_int_equal(authz_role_of("intake"), ROLE_INTAKE);
    assert_int_equal(authz_role_of("agency:cpft"), ROLE_AGENCY);
    assert_int_equal(authz_role_of("agency:"), ROLE_NONE);
    assert_int_equal(authz_role_of("agency:CPFT"), ROLE_NONE);
    assert_int_equal(authz_role_of("Gold"), ROLE_NONE);
    assert_int_equal(authz_role_of(""), ROLE_NONE);
    assert_int_equal(authz_role_of(NULL), ROLE_NONE);
    assert_string_equal(authz_agency_id("agency:rape-crisis"), "rape-crisis");
    assert_null(authz_agency_id("gold"));
}

static void test_gold_only(void **state)
{
    const char *cmds[] = {"incident.standup", "incident.standdown"};
    for (size_t i = 0; i < 2; i++) {
        assert_true(authz_allows("gold", cmds[i]));
        assert_false(authz_allows("duty", cmds[i]));
        assert_false(authz_allows("intake", cmds[i]));
        assert_false(authz_allows("agency:cpft", cmds[i]));
        assert_false(authz_allows("nobody", cmds[i]));
    }
}

static void test_reads_open(void **state)
{
    const char *who[] = {"gold", "duty", "intake", "agency:cpft"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(authz_allows(who[i], "incident.list"));
        assert_true(authz_allows(who[i], "plan.list"));
        assert_true(authz_allows(who[i], "session.whoami"));
    }
}

/* The web gateway's own key (acting for no user) reads the board and runs
 * the public door's commands (public.*), which nobody else may; acting for
 * a user it may relay every command but the listening session's. */
static void test_web_key(void **state)
{
    size_t n;
    const struct command *t = dispatch_table(&n);
    assert_int_equal(authz_role_of("web"), ROLE_WEB);
    assert_null(authz_agency_id("web"));
    for (size_t i = 0; i < n; i++) {
        bool public = !strncmp(t[i].name, "public.", 7);
        bool board = !strcmp(t[i].name, "session.whoami") || !strcmp(t[i].name, "incident.list") ||
                     !strcmp(t[i].name, "status.show") || public;
        if (public && (authz_roles_for(t[i].name) & ~(unsigned)ROLE_WEB))
            fail_msg("%s is open to someone besides the web key", t[i].name);
        if (authz_allows("web", t[i].name) != board)
            fail_msg("web %s run %s", board ? "may not" : "may", t[i].name);
        if (authz_web_may_relay(t[i].name) != !!strcmp(t[i].name, "agency.listen"))
            fail_msg("web relays %s wrongly", t[i].name);
    }
}

static void test_unknown_refused(void **state)
{
    assert_false(authz_allows("gold", "incident.delete"));
    assert_int_equal(authz_roles_for("no.such"), ROLE_NONE);
}

/* Every command in the dispatch table has a policy entry, and every
 * mutating command is closed to at least one role. */
static void test_policy_covers_table(void **state)
{
    size_t n;
    const struct command *t = dispatch_table(&n);
    assert_true(n >= 7);
    for (size_t i = 0; i < n; i++) {
        unsigned roles = authz_roles_for(t[i].name);
        if (roles == ROLE_NONE)
            fail_msg("command %s has no authorization policy", t[i].name);
        if ((t[i].flags & CMD_MUTATING) && roles == ROLE_ANY)
            fail_msg("mutating command %s is open to everyone", t[i].name);
    }
}

#define DOC_HEADER                                                                                 \
    "| Command | Changes state | `gold` | `duty` | `intake` | `agency:<id>` | `web` |"

/* Split a Markdown table row into at most max trimmed cells (in place). */
static size_t row_cells(char *line, char **cell, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, "|", &save); t && n < max; t = strtok_r(NULL, "|", &save)) {
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\n'))
            t[--len] = '\0';
        if (len > 0)
            cell[n++] = t;
    }
    return n;
}

/* One row "| `cmd` | changes | gold | duty | intake | agency |" against
 * the code; returns the command's index in the dispatch table. */
static size_t check_row(const char *doc, char *line)
{
    static const unsigned roles[] = {ROLE_GOLD, ROLE_DUTY, ROLE_INTAKE, ROLE_AGENCY, ROLE_WEB};
    static const char *const who[] = {"gold", "duty", "intake", "an agency", "the web key"};
    char *cell[8];
    if (row_cells(line, cell, 8) != 7)
        fail_msg("%s: a row without 7 cells: %s", doc, line);
    size_t len = strlen(cell[0]), n, i;
    const struct command *t = dispatch_table(&n);
    if (len < 3 || cell[0][0] != '`' || cell[0][len - 1] != '`')
        fail_msg("%s: not a command: %s", doc, cell[0]);
    cell[0][len - 1] = '\0';
    const char *cmd = cell[0] + 1;
    for (i = 0; i < n && strcmp(t[i].name, cmd); i++)
        ;
    if (i == n)
        fail_msg("%s lists %s, which is no command", doc, cmd);
    const char *changes = (t[i].flags & CMD_MUTATING)     ? "yes"
                          : (t[i].flags & CMD_AUDIT_READ) ? "audited read"
                                                          : "no";
    if (strcmp(cell[1], changes))
        fail_msg("%s: %s changes state \"%s\", the code \"%s\"", doc, cmd, cell[1], changes);
    for (size_t r = 0; r < 5; r++) {
        bool doc_yes = !strncmp(cell[2 + r], "yes", 3);
        if (!doc_yes && strcmp(cell[2 + r], "no"))
            fail_msg("%s: %s: \"%s\" is neither yes nor no", doc, cmd, cell[2 + r]);
        if (doc_yes != ((authz_roles_for(cmd) & roles[r]) != 0))
            fail_msg("%s says %s to %s for %s; daemon/authz.c says %s", doc, cell[2 + r], cmd,
                     who[r], doc_yes ? "no" : "yes");
    }
    return i;
}

/* The command table of a document: every command exactly once, each
 * principal's yes or no as in authz.c. */
static void check_doc(const char *name)
{
    char path[512], line[1024];
    snprintf(path, sizeof(path), "%s/%s", MUSTER_DOCS_DIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) && strncmp(line, DOC_HEADER, strlen(DOC_HEADER)))
        ;
    if (strncmp(line, DOC_HEADER, strlen(DOC_HEADER)))
        fail_msg("%s has no table of commands and principals", name);
    size_t n, rows = 0;
    dispatch_table(&n);
    bool *seen = calloc(n, sizeof(bool));
    assert_non_null(fgets(line, sizeof(line), f)); /* |---|---| */
    while (fgets(line, sizeof(line), f) && line[0] == '|') {
        size_t i = check_row(name, line);
        if (seen[i])
            fail_msg("%s lists a command twice (row %zu)", name, rows + 1);
        seen[i] = true;
        rows++;
    }
    fclose(f);
    free(seen);
    if (rows != n)
        fail_msg("%s lists %zu commands, the daemon has %zu", name, rows, n);
}

static void test_protocol_doc_matches(void **state)
{
    check_doc("protocol.md");
}

static void test_security_doc_matches(void **state)
{
    check_doc("security.md");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_gold_only),
        cmocka_unit_test(test_reads_open),
        cmocka_unit_test(test_web_key),
        cmocka_unit_test(test_unknown_refused),
        cmocka_unit_test(test_policy_covers_table),
        cmocka_unit_test(test_protocol_doc_matches),
        cmocka_unit_test(test_security_doc_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
