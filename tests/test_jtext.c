/*
 * tests/test_jtext.c - JSON text written directly (common/jtext.c) and the
 * feed's event message spliced from it (outbox_event_message) are byte for
 * byte what jansson's json_dumps writes for the same values: every ASCII
 * byte alone and among others, quotes, backslashes, UTF-8 past ASCII, a
 * text long enough to grow the buffer, a NULL string and invalid UTF-8
 * refused as jansson refuses them; an event with
 * and without a reference and board keys; a notice's stored body; and
 * jansson values dumped by jtext_dump, sorted and not, against json_dumps
 * for 20,000 random documents (strings with every kind of byte, NULs and
 * invalid UTF-8 included; keys sharing prefixes, valid UTF-8 as a parsed
 * document's are; integers to the limits;
 * reals, left to jansson), every byte at each of 16 places in a text,
 * and one too deep.  Watchers and muster-web read
 * these texts; the independent client compared them with docs/protocol.md.
 * And requests read by jtext_load as json_loadb reads them (keys in the
 * same order), or left to it: plain and tricky cases, the cases it must
 * leave (errors, \u escapes, reals, duplicate keys, bad UTF-8, nesting
 * past 32), and 20,000 random documents with four mutants each.
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
#include <jansson.h>

#include "jtext.h"
#include "outbox.h"
#include "paging.h"

static char *written(const char *s)
{
    struct jtext t = {0};
    jtext_str(&t, s);
    return jtext_take(&t);
}

static void same_as_jansson(const char *s)
{
    json_t *v = json_string(s);
    assert_non_null(v);
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *got = written(s);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(want);
    free(got);
    json_decref(v);
}

static void test_strings(void **state)
{
    (void)state;
    for (int c = 1; c < 0x80; c++) { /* every ASCII byte, alone and between others */
        char one[2] = {(char)c, 0}, mid[8];
        snprintf(mid, sizeof(mid), "a%cb%c", c, c);
        same_as_jansson(one);
        same_as_jansson(mid);
    }
    same_as_jansson("");
    same_as_jansson("Manchester \"Arena\" \\ 22/05 \x1b[31mred\x1b[0m\r\n\t\b\f\x7f");
    same_as_jansson("Zoë Łukasz Ștefan João 🚑 救急");
    char big[5000] = "";
    while (strlen(big) + 12 < sizeof(big))
        strcat(big, "ab\"\\\n\x01é"); /* 8 bytes: é is two */
    same_as_jansson(big);
    /* what json_string refuses is refused: a character cut short (as a
     * snprintf into a full buffer cuts one), overlong forms, surrogates,
     * past U+10FFFF, stray bytes */
    static const char *const bad[] = {"\xC3",
                                      "ab\xE2\x82",
                                      "\xC0\x80",
                                      "\xE0\x80\xAF",
                                      "\xED\xA0\x80",
                                      "\xF4\x90\x80\x80",
                                      "\xF5\x80\x80\x80",
                                      "a\xFF"
                                      "b",
                                      "\x80",
                                      "é\xBF"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(json_string(bad[i]));
        assert_null(written(bad[i]));
    }
    same_as_jansson("\xF4\x8F\xBF\xBF \xEF\xBF\xBF \xE0\xA0\x80 \xC2\x80"); /* the edges */
    struct jtext t = {0};
    jtext_put(&t, "{", 1);
    jtext_str(&t, NULL); /* refused, as json_pack refuses it */
    jtext_put(&t, "}", 1);
    assert_null(jtext_take(&t));
}

/* Objects of keys and values, as the hot events write them (a page's
 * {"agency", "page_id", "step", "attempt", "channel"}, a referral's
 * {"person", "pathway", "state"}): what json_pack and json_dumps write. */
static void test_objects(void **state)
{
    (void)state;
    struct jtext t = {0};
    jtext_kstr(&t, "agency", "nhs-\"trauma\"\n");
    jtext_kint(&t, "page_id", INT64_MAX);
    jtext_kint(&t, "step", 1);
    jtext_kint(&t, "attempt", -2);
    jtext_kstr(&t, "channel", "exec");
    jtext_put(&t, "}", 1);
    char *got = jtext_take(&t);
    json_t *v = json_pack("{s:s, s:I, s:i, s:i, s:s}", "agency", "nhs-\"trauma\"\n", "page_id",
                          (json_int_t)INT64_MAX, "step", 1, "attempt", -2, "channel", "exec");
    char *want = json_dumps(v, JSON_COMPACT);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(v);
    jtext_kint(&t, "person", INT64_MIN);
    jtext_kstr(&t, "pathway", "crisis");
    jtext_kstr(&t, "state", NULL); /* json_pack refuses it: no text */
    jtext_put(&t, "}", 1);
    assert_null(jtext_take(&t));
    jtext_kraw(&t, "facts", NULL); /* a value that could not be dumped: no text */
    jtext_put(&t, "}", 1);
    assert_null(jtext_take(&t));
}

static void same_event(int64_t seq, int64_t at, const char *kind, const char *ref, json_t *data,
                       json_t *board)
{
    char *stored = json_dumps(data, JSON_COMPACT);
    char *keys = board ? json_dumps(board, JSON_COMPACT) : NULL;
    json_t *whole = json_pack("{s:I, s:I, s:s, s:s?, s:O}", "seq", (json_int_t)seq, "at",
                              (json_int_t)at, "kind", kind, "incident", ref, "data", data);
    assert_non_null(whole);
    if (board)
        json_object_set(whole, "board", board);
    char *want = json_dumps(whole, JSON_COMPACT);
    char *got = outbox_event_message(seq, at, kind, ref, stored, keys);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(stored);
    free(keys);
    json_decref(whole);
    json_decref(data);
    json_decref(board);
}

static void test_event_message(void **state)
{
    (void)state;
    same_event(
        1, 1796314777859, "person.registered", "MA-2026-0001",
        json_pack("{s:I, s:s, s:b}", "person", (json_int_t)7, "name", "Zoë \"Z\"\n", "exercise", 1),
        json_pack("{s:i, s:i}", "persons", 41, "referrals/open", 3));
    same_event(INT64_MAX, 0, "plan.loaded", NULL, json_pack("{s:s}", "plan", "county"), NULL);
    same_event(42, -1, "page.sent", "EX-\x01\\", json_array(), NULL);
}

static void same_notice(const char *subject, const char *text, json_t *facts)
{
    struct paging_notice n = {.subject = subject, .text = text, .facts = facts};
    json_t *whole = json_pack("{s:s, s:s, s:o}", "subject", subject, "text", text, "facts",
                              facts ? json_incref(facts) : json_object());
    assert_non_null(whole);
    char *want = json_dumps(whole, JSON_COMPACT), *got = paging_notice_body(&n);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(want);
    free(got);
    json_decref(whole);
    json_decref(facts);
}

/* A notice's stored body: what the agency's page carries as "notice". */
static void test_notice_body(void **state)
{
    (void)state;
    same_notice("URGENT REFERRAL: person 17 to crisis", "Zoë \"Z\"\nline two\t\x1b[2J",
                json_pack("{s:I, s:s, s:[s, s]}", "person", (json_int_t)17, "pathway", "crisis",
                          "needs", "interpreter", "wheelchair"));
    same_notice("", "", NULL);
    struct paging_notice none = {.subject = NULL, .text = "t"};
    assert_null(paging_notice_body(&none));
}

/* ---- jtext_dump against json_dumps ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL; /* fixed: the same documents every run */

static unsigned next(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A few bytes of text: plain letters (so keys share prefixes), characters
 * JSON escapes, UTF-8 of every length, and now and then a NUL or a byte
 * that is not UTF-8. */
static size_t random_text(char *buf, bool key)
{
    static const char *const parts[] = {"a",    "b", "ab", "\"", "\\", "/", "\n", "\x01", "\x1f",
                                        "\x7f", "é", "€",  "🚑",  " ",  "Z", "{}", "\t"};
    size_t len = 0, n = next(key ? 4 : 8);
    for (size_t i = 0; i < n; i++) {
        unsigned r = next(100);
        if (r == 0 && !key)
            buf[len++] = '\0';       /* a value may hold a NUL (json_stringn) */
        else if (r == 1 && !key)     /* keys are UTF-8: jansson would cut one short */
            buf[len++] = (char)0xC3; /* cut short: not UTF-8 */
        else {
            const char *p = parts[next(sizeof(parts) / sizeof(*parts))];
            memcpy(buf + len, p, strlen(p));
            len += strlen(p);
        }
    }
    buf[len] = '\0';
    return len;
}

static json_t *random_value(int depth)
{
    char text[64];
    unsigned kind = next(depth > 3 ? 6 : 8);
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(next(2));
    case 2: {
        static const json_int_t edges[] = {0,         -1,           1, 9, 10, -10, INT64_MAX,
                                           INT64_MIN, 1234567890123};
        return json_integer(next(3) ? edges[next(9)] : (json_int_t)next(1000000) - 500000);
    }
    case 3:
        return json_real(next(2) ? 0.5 : -1e300);
    case 4:
    case 5: {
        size_t len = random_text(text, false);
        return json_stringn_nocheck(text, len);
    }
    case 6: {
        json_t *a = json_array();
        for (unsigned i = next(5); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = next(7); i > 0; i--) {
            size_t len = random_text(text, true);
            json_object_setn_new_nocheck(o, text, len, random_value(depth + 1));
        }
        return o;
    }
    }
}

static void dump_same(json_t *v, bool sort)
{
    char *want = json_dumps(v, JSON_COMPACT | (sort ? JSON_SORT_KEYS : 0));
    char *got = jtext_dump(v, sort);
    if (want && got)
        assert_string_equal(got, want);
    else
        assert_ptr_equal(got, want); /* both refused */
    free(want);
    free(got);
}

static void test_dump(void **state)
{
    (void)state;
    size_t texts = 0, refused = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *v = i % 2 ? json_object() : json_array(); /* json_dumps refuses a bare value */
        for (int k = 0; k < 3; k++) {
            char key[2] = {(char)('a' + k), 0};
            json_t *in = random_value(1);
            i % 2 ? json_object_set_new(v, key, in) : json_array_append_new(v, in);
        }
        char *probe = json_dumps(v, JSON_COMPACT);
        probe ? texts++ : refused++;
        free(probe);
        dump_same(v, false);
        dump_same(v, true);
        json_decref(v);
    }
    assert_true(texts > 10000 && refused > 500); /* both outcomes were compared */
    for (int pos = 0; pos < 16; pos++) /* every byte at every place of a word read at once */
        for (int c = 0; c < 256; c++) {
            char text[24];
            memset(text, 'x', sizeof(text));
            text[pos] = (char)c;
            json_t *a = json_pack("[o]", json_stringn_nocheck(text, sizeof(text)));
            dump_same(a, false);
            json_decref(a);
        }
    json_t *deep = json_array(), *at = deep;
    for (int i = 0; i < 3000; i++) { /* deeper than jtext_dump goes itself */
        json_t *in = json_array();
        json_array_append_new(at, in);
        at = in;
    }
    dump_same(deep, false);
    json_decref(deep);
    assert_null(jtext_dump(NULL, false));
    json_t *bare = json_integer(1);
    assert_null(jtext_dump(bare, false)); /* a bare value: refused, as json_dumps refuses it */
    json_decref(bare);
}

/* ---- jtext_load against json_loadb ---- */

/* jtext_load's reading of text: NULL (left to json_loadb), or what
 * json_loadb reads, keys in the same order.  Whether it read it. */
static bool load_same(const char *text, size_t len)
{
    json_t *got = jtext_load(text, len);
    if (!got)
        return false;
    json_error_t e;
    json_t *want = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    assert_non_null(want);
    assert_true(json_equal(got, want));
    char *a = json_dumps(got, JSON_COMPACT), *b = json_dumps(want, JSON_COMPACT);
    assert_non_null(a);
    assert_string_equal(a, b); /* the same keys in the same order */
    free(a);
    free(b);
    json_decref(got);
    json_decref(want);
    return true;
}

static void load_left(const char *text, size_t len)
{
    json_t *got = jtext_load(text, len);
    if (got)
        fail_msg("read, not left to json_loadb: %.*s", (int)len, text);
}

static void test_load_cases(void **state)
{
    (void)state;
    static const char *const read[] = {
        "{\"id\":\"r1\",\"cmd\":\"person.add\",\"args\":{\"incident\":\"MI-1\",\"person\":{"
        "\"name\":"
        "\"Ann O'Neil\",\"dob\":\"1990-01-02\",\"consent\":true,\"notes\":null,\"flag\":false,"
        "\"n\":-0,\"big\":123456789012345678,\"small\":-123456789012345678}}}",
        " \t\r\n{ \"a\" : [ 1 , [ ] , { } , \"é€🚑\" , \"\\\"\\\\\\/\\b\\f\\n\\r\\t\" ] , \"\" : "
        "false } \n",
        "{}",
        "{\"a\":{\"a\":{\"a\":[[[[\"deep enough\"]]]]}},\"b\":[]}",
    };
    for (size_t i = 0; i < sizeof(read) / sizeof(*read); i++)
        assert_true(load_same(read[i], strlen(read[i])));
    static const char *const left[] = {
        "{\"a\":\"\\u00e9\"}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":1.5}",
        "{\"a\":1e3}",
        "{\"a\":-2E3}",
        "[1]",
        "\"x\"",
        "1",
        "",
        " ",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":1,\"a\":2}",
        "{\"a\":{\"b\":1,\"b\":1}}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":-01}",
        "{\"a\":1234567890123456789}",
        "{} x",
        "{}{}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\" 1}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":nul}",
        "{\"a\":[1,]}",
        "{\"a\":[,1]}",
        "{\"a\":\"\x01\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"\xC0\x80\"}",
        "{\"a\":\"\xED\xA0\x80\"}",
        "{\"a\":\"\xF4\x90\x80\x80\"}",
        "{\"a\":\"\xE2\x82\"}",
        "{\"\xff\":1}",
        "{\"a\":\"\\x\"}",
        "{\"a\":'x'}",
        "\xEF\xBB\xBF{}",
        "{\"a\":+1}",
    };
    for (size_t i = 0; i < sizeof(left) / sizeof(*left); i++)
        load_left(left[i], strlen(left[i]));
    load_left("{\"a\":1}\0", 8); /* a NUL after the object */
    load_left("{\"a\":\"x\0y\"}", 11);
    char deep[400] = "", *p = deep; /* nesting past 32 */
    for (int i = 0; i < 40; i++)
        p += sprintf(p, "{\"a\":");
    p += sprintf(p, "1");
    for (int i = 0; i < 40; i++)
        *p++ = '}';
    *p = '\0';
    load_left(deep, strlen(deep));
}

/* 20,000 random documents as json_dumps writes them, compact and
 * indented, and four mutants of each: whatever jtext_load reads, it reads
 * as json_loadb does. */
static void test_load_random(void **state)
{
    (void)state;
    size_t read = 0, mutants_read = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *v = json_object();
        for (int k = 0; k < 3; k++) {
            char key[2] = {(char)('a' + k), 0};
            json_object_set_new(v, key, random_value(1));
        }
        char *text = json_dumps(v, i % 3 ? JSON_COMPACT : JSON_INDENT(2));
        json_decref(v);
        if (!text)
            continue;
        size_t len = strlen(text);
        read += load_same(text, len);
        for (int m = 0; m < 4; m++) {
            char *mut = malloc(len + 2);
            size_t at = next((unsigned)len), mlen = len;
            memcpy(mut, text, len + 1);
            switch (m) {
            case 0: /* one byte changed */
                mut[at] = (char)next(256);
                break;
            case 1: /* cut short */
                mlen = at;
                break;
            case 2: /* a byte taken out */
                memmove(mut + at, mut + at + 1, len - at);
                mlen = len - 1;
                break;
            default: /* a structural byte put in */
                memmove(mut + at + 1, mut + at, len - at + 1);
                mut[at] = "{}[],:\" 0-"[next(10)];
                mlen = len + 1;
                break;
            }
            mutants_read += load_same(mut, mlen);
            free(mut);
        }
        free(text);
    }
    assert_true(read > 2000 && mutants_read > 1000); /* both were compared often */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),       cmocka_unit_test(test_objects),
        cmocka_unit_test(test_event_message), cmocka_unit_test(test_notice_body),
        cmocka_unit_test(test_dump),          cmocka_unit_test(test_load_cases),
        cmocka_unit_test(test_load_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
