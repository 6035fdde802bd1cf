/*
 * tests/test_cap_sig.c - signed CAP (common/cap_sig.c): a message signed
 * with the key of the certificate the plan names verifies (RSA and ECDSA,
 * exclusive and inclusive C14N, indented or not); every way of changing
 * it or of pointing the signature elsewhere is refused naming the element:
 * tampered text, a tampered attribute, another key, no signature, two,
 * wrapping (a second alert in an Object, a signature moved inside), an
 * external or Id Reference URI, an XSLT transform, SHA-1, a KeyInfo
 * carrying the attacker's own certificate, an expired certificate.  A
 * plan names a certificate by file and its frozen copy holds the PEM; the
 * urgency of an event raises or vetoes its level.  Keys and certificates
 * are made here, at test time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap_sig.h"
#include "cap_sign.h"
#include "plan.h"
#include "xml_cases.h"

static struct cap_sign_pair rsa, attacker, ec, expired;

static struct cap_sign_pair make_pair(bool use_ec, const char *cn, long from, long to)
{
    struct cap_sign_pair p = cap_sign_pair_make(use_ec, cn, from, to);
    assert_non_null(p.key);
    return p;
}

static const char alert_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
    "  <identifier>SIG-1</identifier>\n  <sender>control@cambs.police.example</sender>\n"
    "  <sent>2026-06-01T21:14:00+01:00</sent>\n  <status>Actual</status>\n"
    "  <msgType>Alert</msgType>\n  <scope>Restricted</scope>\n"
    "  <restriction>partners</restriction>\n"
    "  <info>\n    <category>Security</category>\n    <event>MCI</event>\n"
    "    <urgency>Immediate</urgency>\n    <severity>Moderate</severity>\n"
    "    <certainty>Observed</certainty>\n  </info>\n"
    "</alert>\n";

static char *sign_with(const struct cap_sign_pair *p, const struct cap_sign_opts *o)
{
    size_t n = 0;
    char *s = cap_sign(alert_xml, strlen(alert_xml), p->key, o, &n);
    assert_non_null(s);
    return s;
}

static char *sign(const struct cap_sign_pair *p)
{
    struct cap_sign_opts o = {0};
    return sign_with(p, &o);
}

/* s with the first from replaced by to (malloc'd). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        fail_msg("\"%s\" is not in:\n%s", from, s);
    size_t head = (size_t)(at - s), n = strlen(s) - strlen(from) + strlen(to);
    char *r = malloc(n + 1);
    assert_non_null(r);
    memcpy(r, s, head);
    strcpy(r + head, to);
    strcat(r, at + strlen(from));
    return r;
}

static void ok(const char *xml, const char *cert)
{
    char err[512] = "";
    if (cap_sig_verify(xml, strlen(xml), cert, time(NULL), err, sizeof(err)) != 0)
        fail_msg("refused: %s\n%s", err, xml);
}

/* xml is refused with a message holding want. */
static void refused(const char *xml, const char *cert, const char *want)
{
    char err[512] = "";
    if (cap_sig_verify(xml, strlen(xml), cert, time(NULL), err, sizeof(err)) != -EINVAL)
        fail_msg("not refused (want \"%s\"):\n%s", want, xml);
    if (!strstr(err, want))
        fail_msg("\"%s\" does not say \"%s\"", err, want);
}

/* s with from replaced by to is refused with rsa's certificate, saying want. */
static void refused_edit(const char *s, const char *from, const char *to, const char *want)
{
    char *t = replace(s, from, to);
    refused(t, rsa.cert, want);
    free(t);
}

static int setup(void **state)
{
    assert_int_equal(cap_sig_start(), 0);
    rsa = make_pair(false, "control@cambs.police.example", -3600, 86400L * 365);
    attacker = make_pair(false, "control@cambs.police.example", -3600, 86400);
    ec = make_pair(true, "ec.example", -3600, 86400);
    expired = make_pair(false, "old.example", -86400 * 2, -86400);
    return 0;
}

static int teardown(void **state)
{
    struct cap_sign_pair *all[] = {&rsa, &attacker, &ec, &expired};
    for (size_t i = 0; i < 4; i++) {
        free(all[i]->key);
        free(all[i]->cert);
    }
    cap_sig_shutdown();
    return 0;
}

static void test_good(void **state)
{
    char *s = sign(&rsa);
    ok(s, rsa.cert);
    free(s);
    struct cap_sign_opts incl = {.c14n = "incl"}, e = {.method = "ecdsa-sha256"};
    s = sign_with(&rsa, &incl);
    ok(s, rsa.cert);
    free(s);
    s = sign_with(&ec, &e);
    ok(s, ec.cert);
    free(s);
}

static void test_tampered(void **state)
{
    char *s = sign(&rsa);
    refused_edit(s, "<severity>Moderate", "<severity>Extreme",
                 "/alert/Signature/SignedInfo/Reference: the digest does not match: the message "
                 "was changed after it was signed");
    refused_edit(s, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
                 "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" xml:lang=\"fr\">",
                 "/alert/Signature/SignedInfo/Reference: the digest does not match");
    refused_edit(s, "xml-exc-c14n#\"", "xml-exc-c14n#WithComments\"",
                 "/alert/Signature/SignatureValue: not made by the key");
    refused_edit(s, "<SignatureValue>", "<SignatureValue>AAAA", "/alert/Signature");
    free(s);
}

static void test_other_key(void **state)
{
    char *s = sign(&attacker);
    refused(s, rsa.cert, "/alert/Signature/SignatureValue: not made by the key of the sender's");
    free(s);
    struct cap_sign_opts o = {.keyinfo = attacker.cert};
    s = sign_with(&attacker, &o); /* KeyInfo names the attacker's own certificate */
    assert_non_null(strstr(s, "X509Certificate"));
    refused(s, rsa.cert, "/alert/Signature/SignatureValue: not made by the key of the sender's");
    free(s);
    struct cap_sign_opts e = {.method = "ecdsa-sha256"};
    s = sign_with(&ec, &e);
    refused(s, rsa.cert, "/alert/Signature: cannot be verified with the certificate's key");
    free(s);
}

static void test_unsigned_and_two(void **state)
{
    refused(alert_xml, rsa.cert, "/alert/Signature: missing: the message is not signed");
    char *s = sign(&rsa);
    const char *sig = strstr(s, "<Signature");
    refused_edit(s, "</alert>", sig, "/alert/Signature[2]: a second signature is refused");
    char *el = strndup(sig, (size_t)(strstr(sig, "</Signature>") + 12 - sig));
    char *without = replace(s, el, ""), *before = malloc(strlen(el) + 8);
    sprintf(before, "%s<info>", el);
    char *moved = replace(without, "<info>", before);
    refused(moved, rsa.cert, "/alert/Signature: must be the last child of <alert>");
    free(moved);
    free(before);
    free(without);
    free(el);
    free(s);
}

static void test_wrapping(void **state)
{
    char *s = sign(&rsa);
    /* the signed original moved into an Object, a forged alert around it */
    char *orig = strstr(s, "<alert"), *sig = strstr(s, "<Signature");
    char *wrapped = malloc(strlen(s) * 3);
    assert_non_null(wrapped);
    snprintf(wrapped, strlen(s) * 3, "%.*s<Object>%.*s</alert></Object></Signature>\n</alert>\n",
             (int)(strstr(s, "</Signature>") - s), s, (int)(sig - orig), orig);
    char *forged = replace(wrapped, "<severity>Moderate", "<severity>Extreme");
    refused(forged, rsa.cert, "/alert/Signature/Object/alert: a second <alert> inside the message");
    free(forged);
    free(wrapped);
    refused_edit(s, "<info>", "<info><alert>x</alert>", "/alert/info/alert: a second <alert>");
    refused_edit(s, "</SignatureValue>", "</SignatureValue><Object>x</Object>",
                 "/alert/Signature/Object: an Object is refused");
    free(s);
}

static void test_references(void **state)
{
    char *s = sign(&rsa);
    refused_edit(
        s, "URI=\"\"", "URI=\"http://attacker.example/alert.xml\"",
        "/alert/Signature/SignedInfo/Reference: URI \"http://attacker.example/alert.xml\" is "
        "refused");
    refused_edit(s, "URI=\"\"", "URI=\"#info1\"",
                 "/alert/Signature/SignedInfo/Reference: URI \"#info1\" is refused");
    refused_edit(s, " URI=\"\"", "", "URI missing is refused");
    const char *ref = strstr(s, "<Reference");
    char *second = strndup(ref, (size_t)(strstr(s, "</Reference>") + 12 - ref));
    char *ins = malloc(strlen(second) + 20);
    sprintf(ins, "%s</SignedInfo>", second);
    refused_edit(s, "</SignedInfo>", ins,
                 "/alert/Signature/SignedInfo/Reference[2]: a second Reference is refused");
    free(ins);
    free(second);
    refused_edit(s, "<Transforms>",
                 "<Transforms><Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\">"
                 "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"/></Transform>",
                 "/alert/Signature/SignedInfo/Reference/Transforms/Transform[1]: transform "
                 "\"http://www.w3.org/TR/1999/REC-xslt-19991116\" is refused");
    free(s);
}

static void test_weak_and_expired(void **state)
{
    struct cap_sign_opts sha1 = {.method = "rsa-sha1"}, d1 = {.digest = "sha1"};
    char *s = sign_with(&rsa, &sha1);
    refused(s, rsa.cert,
            "/alert/Signature/SignedInfo/SignatureMethod: signature method "
            "\"http://www.w3.org/2000/09/xmldsig#rsa-sha1\" is refused (SHA-1 and MD5 are broken");
    free(s);
    s = sign_with(&rsa, &d1);
    refused(s, rsa.cert, "/alert/Signature/SignedInfo/Reference/DigestMethod: digest");
    free(s);
    s = sign(&expired);
    refused(s, expired.cert,
            "/alert/sender: the certificate the plan names for the sender expired");
    free(s);
}

static void test_cert_check(void **state)
{
    struct cap_sig_cert_info info;
    char err[256];
    assert_int_equal(cap_sig_cert_check(rsa.cert, strlen(rsa.cert), &info, err, sizeof(err)), 0);
    assert_non_null(strstr(info.subject, "control@cambs.police.example"));
    assert_true(info.not_after > info.not_before);
    assert_int_equal(cap_sig_cert_check(rsa.key, strlen(rsa.key), &info, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "holds a private key"));
    assert_int_equal(cap_sig_cert_check("junk", 4, &info, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "not a PEM X.509 certificate"));
    refused("<alert", rsa.cert, "line 1: not well-formed");
    refused("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><alert/>", rsa.cert,
            "/: a DOCTYPE is refused");
}

/* A plan naming a sender's certificate by file: the file is read at load,
 * the frozen source holds the PEM text instead (same lines), and loading
 * that source gives the same certificate; an expired one is warned of. */
static const char plan_tmpl[] =
    "plan: {id: t, name: T, version: '1', ref_prefix: TT}\n"
    "levels: [{level: 1, name: L}]\n"
    "hub: {name: H, lead_agency: a}\n"
    "agencies: [{id: a, name: A, role: R, activate_level: 1,"
    " contacts: [{name: C, channel: zmq, target: a}]}]\n"
    "cap:\n  senders: [plain@x, {sender: s@x, certificate: %s}]\n"
    "  events: [{code: MCI, extreme: 1, urgency: {immediate: 1, past: 0}}]\n";

static struct plan *plan_with(const char *dir, const char *name, const struct cap_sign_pair *p)
{
    char path[600], text[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(p->cert, f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/t.yaml", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    snprintf(text, sizeof(text), plan_tmpl, name);
    fputs(text, f);
    fclose(f);
    struct plan *plan = NULL;
    struct plan_errors errs = {0};
    if (plan_load_file(path, &plan, &errs) != 0)
        fail_msg("%s", errs.count ? errs.msg[0] : "?");
    plan_errors_free(&errs);
    return plan;
}

static void test_plan_certificate(void **state)
{
    char dir[] = "/tmp/muster-test.capsig.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct plan *p = plan_with(dir, "s.pem", &rsa), *frozen = NULL;
    assert_string_equal(plan_cap_certificate(&p->cap, "s@x"), rsa.cert);
    assert_null(plan_cap_certificate(&p->cap, "plain@x"));
    assert_null(strstr(p->source, "s.pem"));
    assert_non_null(strstr(p->source, "certificate: \"-----BEGIN CERTIFICATE-----\\n"));
    struct plan_errors errs = {0};
    assert_int_equal(plan_load_buffer("frozen", p->source, p->source_len, &frozen, &errs), 0);
    assert_string_equal(plan_cap_certificate(&frozen->cap, "s@x"), rsa.cert);
    assert_int_equal(plan_cap_check(frozen, time(NULL), &errs), 0);
    plan_free(frozen);
    plan_free(p);
    p = plan_with(dir, "soon.pem", &attacker); /* valid for a day */
    assert_int_equal(plan_cap_check(p, time(NULL), &errs), 1);
    assert_non_null(strstr(errs.msg[0], "soon.pem) expires on "));
    plan_free(p);
    plan_errors_free(&errs);
    p = plan_with(dir, "old.pem", &expired);
    assert_int_equal(plan_cap_check(p, time(NULL), &errs), 1);
    if (!strstr(errs.msg[0], "warning: the certificate of CAP sender s@x (") ||
        !strstr(errs.msg[0], "old.pem) expired on "))
        fail_msg("%s", errs.msg[0]);
    plan_errors_free(&errs);
    plan_free(p);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Urgency in the level: at least its level, 0 for nothing. */
static void test_urgency_level(void **state)
{
    char dir[] = "/tmp/muster-test.capsig.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct plan *p = plan_with(dir, "s.pem", &rsa);
    const struct plan_cap_event *ev = NULL;
    assert_int_equal(plan_cap_level(&p->cap, "MCI", "Extreme", "Expected", &ev), 1);
    assert_non_null(ev);
    assert_int_equal(plan_cap_level(&p->cap, "MCI", "Minor", "Immediate", &ev), 1);
    assert_int_equal(plan_cap_level(&p->cap, "MCI", "Minor", "Expected", &ev), 0);
    assert_int_equal(plan_cap_level(&p->cap, "MCI", "Extreme", "Past", &ev), 0);
    assert_int_equal(plan_cap_urgency_level(ev, "Past"), 0);
    assert_int_equal(plan_cap_urgency_level(ev, "Future"), -1);
    assert_int_equal(plan_cap_level(&p->cap, "Flood", "Extreme", "Immediate", &ev), 0);
    assert_null(ev);
    plan_free(p);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Every hostile file of tests/cap/bad is refused by the verifier too,
 * naming where, before any signature is looked at. */
static void bad_file(const char *path, const char *name)
{
    char err[512] = "";
    size_t len;
    char *buf = xml_case_slurp(path, &len);
    int rc = cap_sig_verify(buf, len, rsa.cert, time(NULL), err, sizeof(err));
    if (rc != -EINVAL || (err[0] != '/' && strncmp(err, "line ", 5)))
        fail_msg("%s: %d %s", name, rc, err);
    free(buf);
}

static void test_hostile_files(void **state)
{
    assert_true(xml_case_each(MUSTER_CAP_DIR, "bad", bad_file) >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_other_key),
        cmocka_unit_test(test_unsigned_and_two),
        cmocka_unit_test(test_wrapping),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_weak_and_expired),
        cmocka_unit_test(test_cert_check),
        cmocka_unit_test(test_plan_certificate),
        cmocka_unit_test(test_urgency_level),
        cmocka_unit_test(test_hostile_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
