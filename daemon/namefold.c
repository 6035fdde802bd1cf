/*
 * daemon/namefold.c - the comparison key of a name (see namefold.h), with
 * ICU: UTF-8 to UTF-16, zero-width characters dropped and every kind of
 * space made one space, NFKC with case folding, the confusables skeleton
 * (UTS #39), NFKC with case folding again, spaces collapsed, back to UTF-8.
 */
#include "namefold.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

/* A UTF-16 string on the heap. */
struct ubuf {
    UChar *s;
    int32_t n;
};

/* One ICU transformation, called with ICU's usual preflighting. */
typedef int32_t ufold_fn(const void *arg, const UChar *src, int32_t n, UChar *dst, int32_t cap,
                         UErrorCode *st);

static int32_t nfkc_cf(const void *arg, const UChar *src, int32_t n, UChar *dst, int32_t cap,
                       UErrorCode *st)
{
    return unorm2_normalize(arg, src, n, dst, cap, st);
}

static int32_t skeleton(const void *arg, const UChar *src, int32_t n, UChar *dst, int32_t cap,
                        UErrorCode *st)
{
    return uspoof_getSkeleton(arg, 0, src, n, dst, cap, st);
}

/* Replace b with fn(b): a first try with room for twice the text, then
 * exactly the room ICU asked for. */
static int ubuf_apply(struct ubuf *b, ufold_fn *fn, const void *arg)
{
    int32_t cap = 2 * b->n + 16;
    for (int tries = 0; tries < 2; tries++) {
        UChar *out = malloc(((size_t)cap + 1) * sizeof(UChar));
        if (!out)
            return -ENOMEM;
        UErrorCode st = U_ZERO_ERROR;
        int32_t n = fn(arg, b->s, b->n, out, cap + 1, &st);
        if (U_SUCCESS(st)) {
            free(b->s);
            b->s = out;
            b->n = n;
            return 0;
        }
        free(out);
        if (st != U_BUFFER_OVERFLOW_ERROR)
            return -EIO;
        cap = n;
    }
    return -EIO;
}

static bool zero_width(UChar32 c)
{
    return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

/* Drop zero-width characters; every run of white space (NBSP included)
 * becomes one space, none at either end.  In place: it only shrinks. */
static void ubuf_spaces(struct ubuf *b)
{
    int32_t i = 0, n = 0;
    bool space = false;
    while (i < b->n) {
        UChar32 c;
        U16_NEXT(b->s, i, b->n, c);
        if (zero_width(c))
            continue;
        if (u_isUWhiteSpace(c) || c == 0x00A0) {
            space = n > 0;
            continue;
        }
        if (space)
            b->s[n++] = ' ';
        space = false;
        U16_APPEND_UNSAFE(b->s, n, c);
    }
    b->n = n;
}

static int ubuf_from_utf8(struct ubuf *b, const char *s)
{
    size_t len = strlen(s);
    if (len > INT32_MAX / 2)
        return -ENOMEM;
    b->s = malloc((len + 1) * sizeof(UChar));
    if (!b->s)
        return -ENOMEM;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(b->s, (int32_t)len + 1, &b->n, s, (int32_t)len, &st);
    return U_SUCCESS(st) ? 0 : st == U_INVALID_CHAR_FOUND ? -EILSEQ : -EIO;
}

/* b as UTF-8 into out, cut at a character boundary when it does not fit. */
static int ubuf_to_utf8(const struct ubuf *b, char *out, size_t len)
{
    int32_t need = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, b->s, b->n, &st);
    char *all = malloc((size_t)need + 1);
    if (!all)
        return -ENOMEM;
    st = U_ZERO_ERROR;
    u_strToUTF8(all, need + 1, NULL, b->s, b->n, &st);
    size_t n = (size_t)need;
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char)all[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, all, n);
    out[n] = '\0';
    free(all);
    return U_SUCCESS(st) ? 0 : -EIO;
}

/*
 * The order matters.  Case folding comes before the skeleton because the
 * confusables table maps capitals and small letters separately (Cyrillic
 * 'А' to Latin 'A', Cyrillic 'а' to Latin 'a'); NFKC first also joins
 * decomposed accents and compatibility forms.  The skeleton comes out
 * decomposed and may contain capitals, so NFKC with case folding runs
 * again; spaces are settled last, as a mapping may have made new ones.
 */
int namefold_key(const char *name, char *out, size_t len)
{
    struct ubuf b = {NULL, 0};
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&st);
    USpoofChecker *sc = U_SUCCESS(st) ? uspoof_open(&st) : NULL;
    int rc = U_SUCCESS(st) ? ubuf_from_utf8(&b, name) : -EIO;
    if (rc == 0) {
        ubuf_spaces(&b);
        rc = ubuf_apply(&b, nfkc_cf, nfkc);
    }
    if (rc == 0)
        rc = ubuf_apply(&b, skeleton, sc);
    if (rc == 0)
        rc = ubuf_apply(&b, nfkc_cf, nfkc);
    if (rc == 0) {
        ubuf_spaces(&b);
        rc = ubuf_to_utf8(&b, out, len);
    }
    if (rc != 0 && len > 0)
        out[0] = '\0';
    uspoof_close(sc);
    free(b.s);
    return rc;
}

static void sql_name_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *name = sqlite3_value_text(argv[0]);
    if (!name) {
        sqlite3_result_null(ctx);
        return;
    }
    char key[NAMEFOLD_KEY_MAX];
    if (namefold_key((const char *)name, key, sizeof(key)) != 0) {
        sqlite3_result_error(ctx, "muster_name_key: the name cannot be folded", -1);
        return;
    }
    sqlite3_result_text(ctx, key, -1, SQLITE_TRANSIENT);
}

int namefold_sql_register(sqlite3 *db)
{
    int rc = sqlite3_create_function_v2(db, "muster_name_key", 1,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                        sql_name_key, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -ENOMEM;
}

bool namefold_phone_key(const char *phone, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = phone; *p; p++) {
        if (isdigit((unsigned char)*p) && n + 1 < len)
            out[n++] = *p;
        else if (!strchr(" +-()", *p))
            return false;
    }
    out[n] = '\0';
    if (n > 2 && !strncmp(out, "44", 2)) { /* +44 7700 ... is 07700 ... */
        memmove(out + 1, out + 2, n - 1);
        out[0] = '0';
    }
    return n >= 6 && n <= 15;
}
