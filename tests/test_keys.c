/*
 * tests/test_keys.c - key files and the keyring.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "keys.h"

static char dir[] = "/tmp/muster-keys.XXXXXX";

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void test_principals(void **state)
{
    assert_true(keys_principal_valid("gold"));
    assert_true(keys_principal_valid("agency:victim-support"));
    assert_false(keys_principal_valid("agency:"));
    assert_false(keys_principal_valid("agency:a b"));
    assert_false(keys_principal_valid("silver"));
    char name[64];
    keys_file_name("agency:cpft", ".key", name, sizeof(name));
    assert_string_equal(name, "agency.cpft.key");
}

static void test_holders(void **state)
{
    char principal[KEYS_PRINCIPAL_MAX + 1], person[KEYS_PERSON_MAX + 1];
    assert_int_equal(keys_holder_split("gold", principal, person), 0);
    assert_string_equal(principal, "gold");
    assert_string_equal(person, "");
    assert_int_equal(keys_holder_split("gold:insp-jones", principal, person), 0);
    assert_string_equal(principal, "gold");
    assert_string_equal(person, "insp-jones");
    assert_int_equal(keys_holder_split("agency:cpft:j.smith", principal, person), 0);
    assert_string_equal(principal, "agency:cpft");
    assert_string_equal(person, "j.smith");
    assert_int_equal(keys_holder_split("agency:cpft", principal, person), 0);
    assert_string_equal(person, "");
    assert_int_equal(keys_holder_split("gold:", principal, person), -EINVAL);
    assert_int_equal(keys_holder_split("gold:Insp", principal, person), -EINVAL);
    assert_int_equal(keys_holder_split("gold:a:b", principal, person), -EINVAL);
    assert_int_equal(keys_holder_split("silver:jones", principal, person), -EINVAL);
    assert_int_equal(keys_holder_split("agency:cpft:", principal, person), -EINVAL);
    char name[96];
    keys_file_name("agency:cpft:j.smith", ".key", name, sizeof(name));
    assert_string_equal(name, "agency.cpft.j.smith.key");
}

static void test_write_read(void **state)
{
    struct keypair kp, back;
    char path[256], err[256];
    assert_int_equal(keys_generate("gold", &kp), 0);
    path_in(path, sizeof(path), "gold.key");
    assert_int_equal(keys_write(path, &kp, false), 0);
    assert_int_equal(keys_write(path, &kp, false), -EEXIST); /* never overwrites */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(keys_read(path, &back, err, sizeof(err)), 0);
    assert_string_equal(back.principal, "gold");
    assert_string_equal(back.public_z85, kp.public_z85);
    assert_string_equal(back.secret_z85, kp.secret_z85);
    path_in(path, sizeof(path), "gold.pub");
    assert_int_equal(keys_write(path, &kp, true), 0);
    assert_int_equal(keys_read(path, &back, err, sizeof(err)), 0);
    assert_string_equal(back.secret_z85, "");
}

static void test_bad_key_file(void **state)
{
    char path[256], err[256];
    struct keypair kp;
    path_in(path, sizeof(path), "bad.key");
    FILE *f = fopen(path, "w");
    fputs("principal gold\npublic tooshort\n", f);
    fclose(f);
    assert_int_equal(keys_read(path, &kp, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, ":2:"));
    path_in(path, sizeof(path), "absent.key");
    assert_int_equal(keys_read(path, &kp, err, sizeof(err)), -ENOENT);
}

static void test_keyring(void **state)
{
    char path[256], err[256];
    struct keypair a, b, stranger;
    path_in(path, sizeof(path), "keyring");
    keys_generate("gold", &a);
    keys_generate("agency:cpft", &b);
    keys_generate("intake", &stranger);
    assert_int_equal(keyring_append(path, "gold", a.public_z85), 0);
    assert_int_equal(keyring_append(path, "agency:cpft", b.public_z85), 0);
    assert_int_equal(keyring_append(path, "bogus", b.public_z85), -EINVAL);
    struct keyring *ring = NULL;
    assert_int_equal(keyring_load(path, &ring, err, sizeof(err)), 0);
    assert_int_equal(keyring_count(ring), 2);
    uint8_t bin[32];
    zmq_z85_decode(bin, b.public_z85);
    assert_string_equal(keyring_lookup(ring, bin), "agency:cpft");
    zmq_z85_decode(bin, a.public_z85);
    assert_string_equal(keyring_lookup(ring, bin), "gold");
    zmq_z85_decode(bin, stranger.public_z85);
    assert_null(keyring_lookup(ring, bin));
    keyring_free(ring);
    /* one key for two principals is ambiguous: refused */
    assert_int_equal(keyring_append(path, "duty", a.public_z85), 0);
    assert_int_equal(keyring_load(path, &ring, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "both"));
}

static void test_keyring_bad_line(void **state)
{
    char path[256], err[256];
    path_in(path, sizeof(path), "keyring.bad");
    FILE *f = fopen(path, "w");
    fputs("# comment\n\ngold notakey\n", f);
    fclose(f);
    struct keyring *ring = NULL;
    assert_int_equal(keyring_load(path, &ring, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "keyring.bad:3:"));
}

static int setup(void **state)
{
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_principals), cmocka_unit_test(test_holders),
        cmocka_unit_test(test_write_read), cmocka_unit_test(test_bad_key_file),
        cmocka_unit_test(test_keyring),    cmocka_unit_test(test_keyring_bad_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
