/*
 * tests/test_authz.c - the authorization policy, checked against every
 * command the daemon knows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
        if (t[i].mutating && roles == ROLE_ANY)
            fail_msg("mutating command %s is open to everyone", t[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_gold_only),
        cmocka_unit_test(test_reads_open),
        cmocka_unit_test(test_unknown_refused),
        cmocka_unit_test(test_policy_covers_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
