/*
 * tests/test_proto.c - request decoding, argument checks and replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static const char *decode_code(const char *text, const char **id_out)
{
    static char id[80];
    struct proto_request req;
    struct proto_error e = {0};
    int rc = proto_request_decode(text, strlen(text), &req, &e);
    snprintf(id, sizeof(id), "%s", req.id ? req.id : "(null)");
    if (id_out)
        *id_out = id;
    proto_request_clear(&req);
    return rc == 0 ? "OK" : e.code;
}

static void test_envelope(void **state)
{
    const char *id;
    assert_string_equal(decode_code("{\"id\":\"r1\",\"cmd\":\"x.y\",\"args\":{}}", &id), "OK");
    assert_string_equal(id, "r1");
    assert_string_equal(decode_code("{\"id\":\"r1\",\"cmd\":\"x.y\"}", NULL), "OK");
    assert_string_equal(decode_code("{\"id\":\"r1\"", NULL), ERR_BAD_JSON);
    assert_string_equal(decode_code("\"str\"", NULL), ERR_BAD_JSON);
    assert_string_equal(decode_code("{\"id\":\"a\",\"id\":\"b\",\"cmd\":\"c\"}", NULL),
                        ERR_BAD_JSON);
    assert_string_equal(decode_code("{\"cmd\":\"c\"}", NULL), ERR_BAD_REQUEST);
    assert_string_equal(decode_code("{\"id\":\"\",\"cmd\":\"c\"}", NULL), ERR_BAD_REQUEST);
    assert_string_equal(decode_code("{\"id\":\"has space\",\"cmd\":\"c\"}", NULL), ERR_BAD_REQUEST);
    assert_string_equal(decode_code("{\"id\":\"a\",\"cmd\":5}", &id), ERR_BAD_REQUEST);
    assert_string_equal(id, "a"); /* the error reply can still carry the id */
    assert_string_equal(decode_code("{\"id\":\"a\",\"cmd\":\"\"}", NULL), ERR_BAD_REQUEST);
    assert_string_equal(decode_code("{\"id\":\"a\",\"cmd\":\"c\",\"args\":3}", NULL),
                        ERR_BAD_REQUEST);
    assert_string_equal(decode_code("{\"id\":\"a\",\"cmd\":\"c\",\"more\":3}", NULL),
                        ERR_BAD_REQUEST);
}

static void test_id_limits(void **state)
{
    char id[PROTO_MAX_ID + 2];
    memset(id, 'x', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    assert_false(proto_id_valid(id));
    id[PROTO_MAX_ID] = '\0';
    assert_true(proto_id_valid(id));
}

static void test_too_large(void **state)
{
    size_t n = PROTO_MAX_FRAME + 1;
    char *buf = malloc(n);
    memset(buf, ' ', n);
    struct proto_request req;
    struct proto_error e = {0};
    assert_int_equal(proto_request_decode(buf, n, &req, &e), -1);
    assert_string_equal(e.code, ERR_TOO_LARGE);
    proto_request_clear(&req);
    free(buf);
}

static void test_args(void **state)
{
    json_t *args = json_pack("{s:s, s:i, s:b, s:n, s:s#}", "s", "hello", "i", 5, "b", 1, "nul", "z",
                             "a\0b", (size_t)3);
    struct proto_error e = {0};
    const char *s = NULL;
    int64_t i = 0;
    bool b = false;
    assert_int_equal(proto_arg_str(args, "s", true, 10, &s, &e), 0);
    assert_string_equal(s, "hello");
    assert_int_equal(proto_arg_str(args, "s", true, 3, &s, &e), -1);
    assert_string_equal(e.code, ERR_BAD_ARGUMENT);
    assert_int_equal(proto_arg_str(args, "i", true, 10, &s, &e), -1);
    assert_int_equal(proto_arg_str(args, "z", true, 10, &s, &e), -1);
    assert_int_equal(proto_arg_int(args, "i", true, 1, 9, &i, &e), 0);
    assert_int_equal(i, 5);
    assert_int_equal(proto_arg_int(args, "i", true, 6, 9, &i, &e), -1);
    assert_int_equal(proto_arg_int(args, "s", true, 1, 9, &i, &e), -1);
    assert_int_equal(proto_arg_bool(args, "b", true, &b, &e), 0);
    assert_true(b);
    assert_int_equal(proto_arg_bool(args, "i", true, &b, &e), -1);
    /* absent or null: fine unless required */
    s = "unchanged";
    assert_int_equal(proto_arg_str(args, "missing", false, 10, &s, &e), 0);
    assert_string_equal(s, "unchanged");
    assert_int_equal(proto_arg_str(args, "nul", false, 10, &s, &e), 0);
    assert_int_equal(proto_arg_str(args, "missing", true, 10, &s, &e), -1);
    assert_non_null(strstr(e.message, "missing"));
    static const char *const known[] = {"s", "i", "b", "nul", "z", NULL};
    static const char *const fewer[] = {"s", NULL};
    assert_int_equal(proto_args_known(args, known, &e), 0);
    assert_int_equal(proto_args_known(args, fewer, &e), -1);
    json_decref(args);
}

/* Names refuse every control character; free text (notes) allows new
 * line and tab only.  Each refusal names the argument and the character. */
static void test_control_characters(void **state)
{
    json_t *args =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "esc", "Eve\x1b[2J", "del", "a\x7f", "csi",
                  "a\xc2\x9b"
                  "31m",
                  "nl", "two\nlines", "tab", "a\tb", "cr", "a\rb", "nbsp",
                  "Zo\xc3\xab\xc2\xa0"
                  "D\xc3\xa9");
    struct proto_error e = {0};
    const char *s = NULL;
    static const char *const bad[] = {"esc", "del", "csi", "nl", "tab", "cr"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(proto_arg_str(args, bad[i], true, 100, &s, &e), -1);
        assert_string_equal(e.code, ERR_BAD_ARGUMENT);
        assert_non_null(strstr(e.message, bad[i]));
        assert_non_null(strstr(e.message, "control characters"));
    }
    assert_int_equal(proto_arg_str(args, "esc", true, 100, &s, &e), -1);
    assert_non_null(strstr(e.message, "U+001B"));
    assert_int_equal(proto_arg_str(args, "csi", true, 100, &s, &e), -1);
    assert_non_null(strstr(e.message, "U+009B"));
    assert_int_equal(proto_arg_text(args, "nl", true, 100, &s, &e), 0);
    assert_string_equal(s, "two\nlines");
    assert_int_equal(proto_arg_text(args, "tab", true, 100, &s, &e), 0);
    static const char *const bad_text[] = {"esc", "del", "csi", "cr"};
    for (size_t i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++)
        assert_int_equal(proto_arg_text(args, bad_text[i], true, 100, &s, &e), -1);
    /* U+00A0 (0xC2 0xA0) and other letters are not controls */
    assert_int_equal(proto_arg_str(args, "nbsp", true, 100, &s, &e), 0);
    assert_int_equal(proto_control_char("a\xc2\x80", 3, true), 0x80);
    assert_int_equal(proto_control_char("a\xc2\x9f", 3, false), 0x9f);
    assert_int_equal(proto_control_char("\xc2\xa0\xc3\x9b", 4, false), -1);
    json_decref(args);
}

static void test_replies(void **state)
{
    char *ok = proto_reply_ok("r9", json_pack("{s:i}", "n", 1));
    assert_string_equal(ok, "{\"id\":\"r9\",\"ok\":true,\"result\":{\"n\":1}}");
    struct proto_error e = {0};
    proto_fail(&e, ERR_FORBIDDEN, "no %s", "way");
    char *err = proto_reply_error(NULL, &e);
    assert_string_equal(err, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"FORBIDDEN\","
                             "\"message\":\"no way\"}}");
    free(ok);
    free(err);
}

/* Found by fuzzing: a message cut in the middle of a character, or
 * quoting a client's invalid bytes, must still give a reply. */
static void test_error_reply_always_encodes(void **state)
{
    char text[600] = "{\"id\":\"r1\",\"cmd\":\"x\",\"";
    for (int i = 0; i < 120; i++)
        strcat(text, "\xc3\xa9"); /* e-acute */
    strcat(text, "\":1}");
    const char *inputs[] = {text, "\"\\\xcd\x9b"};
    for (size_t i = 0; i < 2; i++) {
        struct proto_request req;
        struct proto_error e = {0};
        assert_int_equal(proto_request_decode(inputs[i], strlen(inputs[i]), &req, &e), -1);
        char *reply = proto_reply_error(req.id, &e);
        assert_non_null(reply);
        json_t *j = json_loads(reply, 0, NULL);
        assert_non_null(j);
        assert_false(json_is_true(json_object_get(j, "ok")));
        json_decref(j);
        free(reply);
        proto_request_clear(&req);
    }
}

/* Acknowledgement codes as phones and people type them. */
static void test_ack_codes(void **state)
{
    static const struct {
        const char *in, *want; /* want NULL: not a code */
    } cases[] = {
        {"K7Q2MX4P", "K7Q2MX4P"},
        {"k7q2mx4p", "K7Q2MX4P"},
        {"K7Q2-MX4P", "K7Q2MX4P"},
        {"k7q2 mx4p", "K7Q2MX4P"},
        {" K7 Q2 MX 4P ", "K7Q2MX4P"},
        {"k-7-q-2.m-x-4-p", "K7Q2MX4P"},
        {"xaqib7no", "XAQ1B7N0"},
        {"XAQL-B7NO", "XAQ1B7N0"},
        {"8rc5 4yjt", "8RC54YJT"},
        {"K7Q2\xc2\xa0MX4P", "K7Q2MX4P"},     /* no-break space */
        {"K7Q2\xe2\x80\x93MX4P", "K7Q2MX4P"}, /* en dash */
        {"K7Q2MX4", NULL},
        {"K7Q2MX4PP", NULL},
        {"K7Q2MX4U", NULL},
        {"K7Q2_MX4P", NULL},
        {"K7Q2MX4\xc3\xa9", NULL},
        {"--------", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[PROTO_ACK_CODE_LEN + 1];
        int rc = proto_ack_code(cases[i].in, out);
        if (!cases[i].want) {
            assert_int_equal(rc, -1);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_string_equal(out, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_id_limits),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_error_reply_always_encodes),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_ack_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
