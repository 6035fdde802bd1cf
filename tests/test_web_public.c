/*
 * tests/test_web_public.c - muster-web's public door without a daemon:
 * the translations are complete (every key of en.json, non-empty, with
 * the same placeholders, in each of the five languages, and nothing
 * else: clients/web/i18n.c), the language chosen, the form's decoding and
 * checks (clients/web/pubform.c), the time challenge, the limiter's
 * window, and the pages escaping what a person typed (pubhtml.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "i18n.h"
#include "limiter.h"
#include "pubform.h"
#include "pubhtml.h"
#include "unit_cases.h"

static const char *const five[] = {"en", "pl", "lt", "ro", "pt", NULL};

static void test_i18n_complete(void **state)
{
    (void)state;
    struct i18n *t = NULL;
    char err[512] = "";
    int rc = i18n_open(MUSTER_WEB_I18N, &t, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    for (size_t i = 0; five[i]; i++)
        assert_true(i18n_has(t, five[i]));
    const char *const *all = i18n_langs(t);
    assert_string_equal(all[0], "en");
    assert_string_equal(i18n_text(t, "pl", "submit"), "Wyślij");
    assert_string_equal(i18n_text(t, "xx", "submit"), "Send");
    i18n_free(t);
}

/* A copy of the real translations with one file changed. */
struct broken_case {
    const char *lang, *json, *want;
};

static const struct broken_case broken[] = {
    {"pl", "{\"submit\": \"Wyślij\"}", "pl.json: \"lang_name\" is missing or empty"},
    {"lt", NULL, "lt.json: \"lang_name\" is missing or empty"},
    {"ro", "EXTRA", "ro.json: \"zz_extra\" is not a key of en.json"},
    {"pt", "PLACEHOLDER", "pt.json: \"call_hub\" has placeholders none, English has {phone}"},
    {"en", "[]", "not an object"},
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* lang's real file, changed as c says. */
static char *changed(const struct broken_case *c)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.json", MUSTER_WEB_I18N, c->lang);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    if (!c->json)
        json_object_set_new(j, "lang_name", json_string(""));
    else if (!strcmp(c->json, "EXTRA"))
        json_object_set_new(j, "zz_extra", json_string("x"));
    else if (!strcmp(c->json, "PLACEHOLDER"))
        json_object_set_new(j, "call_hub", json_string("Ligue para o Centro."));
    else
        return json_decref(j), strdup(c->json);
    char *s = json_dumps(j, 0);
    json_decref(j);
    return s;
}

static void run_broken(const void *arg)
{
    const struct broken_case *c = arg;
    char dir[] = "/tmp/test_web_i18n.XXXXXX", path[512], err[512] = "";
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; five[i]; i++) {
        char src[512];
        snprintf(src, sizeof(src), "%s/%s.json", MUSTER_WEB_I18N, five[i]);
        json_t *j = json_load_file(src, 0, NULL);
        snprintf(path, sizeof(path), "%s/%s.json", dir, five[i]);
        assert_int_equal(json_dump_file(j, path, 0), 0);
        json_decref(j);
    }
    char *text = changed(c);
    snprintf(path, sizeof(path), "%s/%s.json", dir, c->lang);
    write_file(path, text);
    free(text);
    struct i18n *t = NULL;
    assert_int_equal(i18n_open(dir, &t, err, sizeof(err)), -EINVAL);
    unit_expect(strstr(err, c->want) ? c->want : err, c->want, UNIT_MATCH_ALL, c->lang);
    for (size_t i = 0; five[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s.json", dir, five[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_i18n_broken(void **state)
{
    (void)state;
    UNIT_CASES_RUN(broken, run_broken);
}

static void test_i18n_pick(void **state)
{
    (void)state;
    struct i18n *t = NULL;
    char err[512];
    assert_int_equal(i18n_open(MUSTER_WEB_I18N, &t, err, sizeof(err)), 0);
    const char *const offered[] = {"en", "pl", "pt", NULL};
    assert_string_equal(i18n_pick(t, offered, "pt", "pl-PL,pl;q=0.9"), "pt");
    assert_string_equal(i18n_pick(t, offered, NULL, "lt-LT, pl-PL;q=0.9, en;q=0.5"), "pl");
    assert_string_equal(i18n_pick(t, offered, "ro", NULL), "en"); /* not offered */
    assert_string_equal(i18n_pick(t, offered, "<script>", "x"), "en");
    i18n_free(t);
}

/* A form body and the message keys expected for name, phone, ... */
struct form_case {
    const char *body;
    int parse_rc;
    const char *want[PUBFORM_NFIELDS];
};

#define GOOD                                                                                       \
    "name=Anna+Nowak&phone=%2B44+7700+900123&safe_to_call=after+6pm&home_area=Ely"                 \
    "&language=pl&involvement=present&support=yes&consent=yes"

static const struct form_case forms[] = {
    {GOOD, 0, {0}},
    {GOOD "&unknown=1", 0, {0}},
    {GOOD "&name=twice", -EINVAL, {0}},
    {"name=%zz", -EINVAL, {0}},
    {"name=%4", -EINVAL, {0}},
    {"name=x&consent=yes&support=no&involvement=witness&safe_to_call=x&home_area=y&language=en",
     0,
     {[PF_PHONE] = "err_contact"}},
    {"name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&email=a%40b.example&safe_to_call=x&home_area=y"
     "&language=en&involvement=injured&support=no&consent=yes",
     0,
     {[PF_NAME] = "err_bad_chars"}},
    {"name=a%00b&phone=123456&safe_to_call=x&home_area=y&language=en&involvement=injured"
     "&support=no&consent=yes",
     0,
     {[PF_NAME] = "err_bad_chars"}},
    {"name=a%1Bb&phone=123456&safe_to_call=x%0D%0A&home_area=y&language=en&involvement=x"
     "&support=maybe",
     0,
     {[PF_NAME] = "err_bad_chars",
      [PF_SAFE_TO_CALL] = "err_bad_chars",
      [PF_INVOLVEMENT] = "err_involvement",
      [PF_SUPPORT] = "err_support",
      [PF_CONSENT] = "err_consent"}},
    {"name=%C3%28&phone=call+me&email=nope&safe_to_call=+&home_area=&language=xx",
     0,
     {[PF_NAME] = "err_bad_chars",
      [PF_PHONE] = "err_phone",
      [PF_EMAIL] = "err_email",
      [PF_SAFE_TO_CALL] = "err_safe_to_call",
      [PF_HOME_AREA] = "err_home_area",
      [PF_LANGUAGE] = "err_bad_chars",
      [PF_INVOLVEMENT] = "err_involvement",
      [PF_SUPPORT] = "err_support",
      [PF_CONSENT] = "err_consent"}},
};

static void run_form(const void *arg)
{
    const struct form_case *c = arg;
    struct pubform f;
    const char *err[PUBFORM_NFIELDS], *langs[] = {"en", "pl", NULL};
    int rc = pubform_parse(c->body, strlen(c->body), &f);
    unit_expect(rc == c->parse_rc ? "parse" : "parse differs", "parse", UNIT_MATCH_ALL, c->body);
    if (rc == 0) {
        pubform_check(&f, langs, err);
        for (int i = 0; i < PUBFORM_NFIELDS; i++)
            unit_expect(err[i] ? err[i] : "-", c->want[i] ? c->want[i] : "-", UNIT_MATCH_ALL,
                        pubform_defs[i].name);
    }
    pubform_free(&f);
}

static void test_form(void **state)
{
    (void)state;
    UNIT_CASES_RUN(forms, run_form);
}

static void test_form_limits(void **state)
{
    (void)state;
    char body[1200];
    const char *langs[] = {"en", NULL}, *err[PUBFORM_NFIELDS];
    snprintf(body, sizeof(body), "phone=123456&home_area=%0101d", 7); /* 101 characters */
    struct pubform f;
    assert_int_equal(pubform_parse(body, strlen(body), &f), 0);
    pubform_check(&f, langs, err);
    assert_string_equal(err[PF_HOME_AREA], "err_too_long");
    assert_null(pubform_text(&f, PF_HOME_AREA)); /* never shown back */
    pubform_free(&f);
    /* 100 characters of two bytes each: within the limit (characters, not bytes) */
    strcpy(body, "phone=123456&home_area=");
    for (int i = 0; i < 100; i++)
        strcat(body, "%C5%81");
    assert_int_equal(pubform_parse(body, strlen(body), &f), 0);
    pubform_check(&f, langs, err);
    assert_null(err[PF_HOME_AREA]);
    pubform_free(&f);
}

static void test_register_args(void **state)
{
    (void)state;
    struct pubform f;
    assert_int_equal(pubform_parse(GOOD, strlen(GOOD), &f), 0);
    json_t *args = pubform_register_args(&f, "CAMBS-0001");
    char *s = json_dumps(args, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(s,
                        "{\"consent\":true,\"home_area\":\"Ely\",\"incident\":\"CAMBS-0001\","
                        "\"involvement\":\"present\",\"language\":\"pl\",\"name\":\"Anna Nowak\","
                        "\"phone\":\"+44 7700 900123\",\"safe_to_call\":\"after 6pm\","
                        "\"source\":\"web\",\"wants_support\":true}");
    free(s);
    json_decref(args);
    pubform_free(&f);
}

static void test_challenge(void **state)
{
    (void)state;
    unsigned char key[PUBFORM_SECRET_LEN], other[PUBFORM_SECRET_LEN];
    randombytes_buf(key, sizeof(key));
    randombytes_buf(other, sizeof(other));
    char t[PUBFORM_T_LEN];
    pubform_challenge(key, "ARENA", 1000000, t);
    assert_int_equal(strlen(t), PUBFORM_T_LEN - 1);
    assert_int_equal(pubform_challenge_check(key, "ARENA", t, 1000000), -EAGAIN);
    assert_int_equal(pubform_challenge_check(key, "ARENA", t, 1000002), -EAGAIN);
    assert_int_equal(pubform_challenge_check(key, "ARENA", t, 1000003), 0);
    assert_int_equal(pubform_challenge_check(key, "ARENA", t, 1000000 + 7200), 0);
    assert_int_equal(pubform_challenge_check(key, "ARENA", t, 1000000 + 7201), -ETIME);
    assert_int_equal(pubform_challenge_check(key, "OTHER", t, 1000010), -EINVAL);
    assert_int_equal(pubform_challenge_check(other, "ARENA", t, 1000010), -EINVAL);
    assert_int_equal(pubform_challenge_check(key, "ARENA", NULL, 1000010), -EINVAL);
    assert_int_equal(pubform_challenge_check(key, "ARENA", "AAAA", 1000010), -EINVAL);
    t[10] = t[10] == 'A' ? 'B' : 'A'; /* a forged time */
    assert_int_equal(pubform_challenge_check(key, "ARENA", t, 1000010), -EINVAL);
}

static void test_limiter_window(void **state)
{
    (void)state;
    struct limiter *l = limiter_open(600000);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(limiter_wait(l, "10.0.0.1", 5, 1000 + i), 0);
        limiter_fail(l, "10.0.0.1", 1000 + i);
    }
    assert_int_equal(limiter_wait(l, "10.0.0.1", 5, 2000), 600000 - 1000);
    assert_int_equal(limiter_wait(l, "10.0.0.2", 5, 2000), 0);
    assert_int_equal(limiter_wait(l, "10.0.0.1", 5, 601000), 0);
    limiter_free(l);
}

static void test_html_escapes(void **state)
{
    (void)state;
    struct i18n *t = NULL;
    char err[512];
    assert_int_equal(i18n_open(MUSTER_WEB_I18N, &t, err, sizeof(err)), 0);
    const char *langs[] = {"en", "pl", NULL};
    struct pubpage p = {t, "pl", langs, "/p/ARENA", "<b>Arena</b> & \"co\"", "ARENA", "0800 1"};
    const char *body =
        "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&home_area=%22+onfocus%3D%27x%27+%26";
    struct pubform f;
    assert_int_equal(pubform_parse(body, strlen(body), &f), 0);
    struct html h = {0};
    pubhtml_form(&h, &p, &f, NULL, NULL, "TOKEN");
    assert_false(h.oom);
    assert_null(strstr(h.buf, "<script"));
    assert_null(strstr(h.buf, "<img"));
    assert_null(strstr(h.buf, "<b>"));
    assert_null(strstr(h.buf, "alert(1)")); /* refused, so never shown back */
    assert_non_null(strstr(h.buf, "value=\"&quot; onfocus=&#39;x&#39; &amp;\""));
    assert_non_null(strstr(h.buf, "Zdarzenie: &lt;b&gt;Arena&lt;/b&gt; &amp; &quot;co&quot;"));
    assert_non_null(strstr(h.buf, "<html lang=\"pl\">"));
    assert_non_null(strstr(h.buf, "href=\"/p/ARENA?lang=en\""));
    free(h.buf);
    pubform_free(&f);
    i18n_free(t);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_i18n_complete), cmocka_unit_test(test_i18n_broken),
        cmocka_unit_test(test_i18n_pick),     cmocka_unit_test(test_form),
        cmocka_unit_test(test_form_limits),   cmocka_unit_test(test_register_args),
        cmocka_unit_test(test_challenge),     cmocka_unit_test(test_limiter_window),
        cmocka_unit_test(test_html_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
