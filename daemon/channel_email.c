/*
 * daemon/channel_email.c - the email channel: the page as an RFC 5322
 * message, sent over SMTP by libcurl to the plan's smtp_url.
 *
 * Envelope: MAIL FROM paging.email_from, RCPT TO the contact's address.
 * Headers: Date, From, To, Subject (RFC 2047 base64 encoded-words when it
 * is not plain ASCII), Message-ID <muster-page-ID@muster> (the same on a
 * resend, so mail systems can deduplicate), X-Muster-Page-Id,
 * X-Muster-Incident, MIME-Version, text/plain UTF-8 8bit.  The body is the
 * page text with CRLF line endings (lines over 990 bytes are broken);
 * libcurl does the dot-stuffing.  A call for staff that carries an EDXL-RM
 * RequestResource is multipart/mixed instead: that same text part, then
 * the XML as a base64 attachment named for its MessageID (see
 * email_multipart).  Each try is limited to webhook_timeout_ms
 * and retried like a webhook: SMTP 4xx and transport errors are transient,
 * SMTP 5xx is permanent.  Owns the message buffer and recipient list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "channel_int.h"

#define SUBJECT_PLAIN_MAX 900 /* longer subjects are encoded and folded */
#define BODY_LINE_MAX 990     /* SMTP allows 998 octets per line */
/* Raw bytes per encoded-word: "=?UTF-8?B?" and "?=" around the base64 of
 * 39 bytes (52 characters) after "Subject: ", or of 45 (60) after the
 * folding space, make lines of 73 characters (RFC 2047 allows 76). */
#define WORD_FIRST_BYTES 39
#define WORD_BYTES 45
#define B64_LINE_BYTES 57 /* base64 lines of 76 characters (RFC 2045 section 6.8) */
#define TEXT_PART                                                                                  \
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"

/* A growing string; oom sticks once an allocation failed. */
struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* An address is one token with an @, nothing that could break the
 * envelope or a header. */
static bool address_ok(const char *s)
{
    if (s == NULL || strchr(s, '@') == NULL)
        return false;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr("<>,;\"", *s) != NULL)
            return false;
    return true;
}

static int email_check(const struct page_msg *msg, const struct plan_paging *paging)
{
    const char *u = paging->smtp_url;
    if (!address_ok(msg->target) || !address_ok(paging->email_from) || u == NULL)
        return -EINVAL;
    if (strncasecmp(u, "smtp://", 7) != 0 && strncasecmp(u, "smtps://", 8) != 0)
        return -EINVAL;
    if (paging->webhook_timeout_ms <= 0 || paging->webhook_retries < 0)
        return -EINVAL;
    return 0;
}

/* "Date: Tue, 10 Mar 2026 14:05:00 +0000", locale-independent. */
static void add_date(struct buf *b)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    char line[64];
    gmtime_r(&now, &tm);
    snprintf(line, sizeof(line), "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    buf_str(b, line);
}

/*
 * The Subject as RFC 2047 "B" encoded-words, folded one word per line:
 * an encoded-word is at most 75 characters and a line holding one at most
 * 76 (section 2), and no word ends inside a UTF-8 character (section 5).
 * Kept here rather than taken from a MIME library: it is this one loop on
 * libsodium's base64, where GMime would bring glib into musterd for one
 * header.
 */
static void add_subject_encoded(struct buf *b, const char *s, size_t len)
{
    char word[sodium_base64_ENCODED_LEN(WORD_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    size_t i = 0;
    while (i < len) {
        size_t most = i == 0 ? WORD_FIRST_BYTES : WORD_BYTES;
        size_t n = len - i < most ? len - i : most;
        while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--; /* s[i + n] continues a character: end the word before it starts */
        sodium_bin2base64(word, sizeof(word), (const unsigned char *)s + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        buf_str(b, i == 0 ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        buf_str(b, word);
        buf_str(b, "?=");
        i += n;
    }
}

static void add_subject(struct buf *b, const char *subject)
{
    char clean[CHANNEL_DETAIL_MAX * 8];
    size_t len = strlen(subject);
    channel_printable(clean, sizeof(clean), subject, len);
    len = strlen(clean);
    bool ascii = len <= SUBJECT_PLAIN_MAX;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = (unsigned char)clean[i] < 0x80;
    buf_str(b, "Subject: ");
    if (ascii)
        buf_add(b, clean, len);
    else
        add_subject_encoded(b, clean, len);
    buf_str(b, "\r\n");
}

/* The text with CRLF line endings and no line over BODY_LINE_MAX bytes. */
static void add_body(struct buf *b, const char *text)
{
    size_t col = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n')
                p++;
            buf_str(b, "\r\n");
            col = 0;
            continue;
        }
        if (col >= BODY_LINE_MAX && ((unsigned char)*p & 0xC0) != 0x80) {
            buf_str(b, "\r\n");
            col = 0;
        }
        buf_add(b, p, 1);
        col++;
    }
    if (col > 0)
        buf_str(b, "\r\n");
}

/* s in base64, lines of 76 characters, each ending in CRLF. */
static void add_base64(struct buf *b, const char *s, size_t len)
{
    char line[sodium_base64_ENCODED_LEN(B64_LINE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    for (size_t i = 0; i < len; i += B64_LINE_BYTES) {
        size_t n = len - i < B64_LINE_BYTES ? len - i : B64_LINE_BYTES;
        sodium_bin2base64(line, sizeof(line), (const unsigned char *)s + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        buf_str(b, line);
        buf_str(b, "\r\n");
    }
}

/* A boundary found nowhere in text: "=_muster_", the page id and 12
 * random bytes in hex.  Base64 has no '_', so the attachment cannot hold
 * it either (RFC 2045 recommends "=_" for that reason). */
static void make_boundary(char *dst, size_t size, int64_t id, const char *text)
{
    unsigned char r[12];
    char hex[sizeof(r) * 2 + 1];
    do {
        randombytes_buf(r, sizeof(r));
        sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
        snprintf(dst, size, "=_muster_%llx_%s", (unsigned long long)id, hex);
    } while (strstr(text, dst) != NULL);
}

/* "request-resource-" and the MessageID with every character but letters,
 * digits, '.', '-' and '_' made '-', then ".xml": a file name no mail
 * client needs to quote or encode. */
static void attachment_name(char *dst, size_t size, const char *id)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
    char name[128];
    size_t n = 0;
    for (; id[n] != '\0' && n + 1 < sizeof(name); n++)
        name[n] = strchr(safe, id[n]) != NULL ? id[n] : '-';
    name[n] = '\0';
    snprintf(dst, size, "request-resource-%s.xml", name);
}

/*
 * The body of a page with a RequestResource: multipart/mixed (RFC 2046),
 * the page text exactly as a plain page has it, then the XML as
 * application/xml (RFC 7303) in base64, so neither SMTP's line limit nor
 * dot-stuffing can touch the document a program will read.  The text part
 * keeps its last line break: the CRLF before a delimiter belongs to the
 * delimiter, so one more is written.
 */
static void email_multipart(struct buf *b, const struct page_copy *m)
{
    char boundary[80], name[160], line[512];
    make_boundary(boundary, sizeof(boundary), m->id, m->text);
    attachment_name(name, sizeof(name), m->edxl_rm_id);
    snprintf(line, sizeof(line),
             "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\n--%s\r\n" TEXT_PART,
             boundary, boundary);
    buf_str(b, line);
    add_body(b, m->text);
    snprintf(line, sizeof(line),
             "\r\n--%s\r\nContent-Type: application/xml; charset=UTF-8\r\n"
             "Content-Disposition: attachment; filename=\"%s\"\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n",
             boundary, name);
    buf_str(b, line);
    add_base64(b, m->edxl_rm, strlen(m->edxl_rm));
    snprintf(line, sizeof(line), "--%s--\r\n", boundary);
    buf_str(b, line);
}

static int email_message(struct delivery *d)
{
    struct buf b = {0};
    char line[1024], ref[200];
    long long id = (long long)d->msg.id;
    channel_printable(ref, sizeof(ref), d->msg.incident_ref, strlen(d->msg.incident_ref));
    add_date(&b);
    snprintf(line, sizeof(line), "From: %s\r\nTo: %s\r\n", d->paging.email_from, d->msg.target);
    buf_str(&b, line);
    add_subject(&b, d->msg.subject);
    snprintf(line, sizeof(line),
             "Message-ID: <muster-page-%lld@muster>\r\nX-Muster-Page-Id: %lld\r\n"
             "X-Muster-Incident: %s\r\nMIME-Version: 1.0\r\n",
             id, id, ref);
    buf_str(&b, line);
    if (d->msg.edxl_rm != NULL) {
        email_multipart(&b, &d->msg);
    } else {
        buf_str(&b, TEXT_PART);
        add_body(&b, d->msg.text);
    }
    if (b.oom) {
        free(b.p);
        return -ENOMEM;
    }
    d->u.curl.message = b.p;
    d->u.curl.msglen = b.len;
    return 0;
}

/* CURLOPT_READFUNCTION: the message, from the start on every try. */
static size_t read_cb(char *out, size_t size, size_t n, void *userp)
{
    struct curl_state *c = userp;
    size_t want = size * n, left = c->msglen - c->msgoff;
    size_t len = want < left ? want : left;
    memcpy(out, c->message + c->msgoff, len);
    c->msgoff += len;
    return len;
}

static int email_envelope(struct delivery *d, char *from, size_t size)
{
    char rcpt[512];
    snprintf(from, size, "<%s>", d->paging.email_from);
    snprintf(rcpt, sizeof(rcpt), "<%s>", d->msg.target);
    d->u.curl.rcpt = curl_slist_append(NULL, rcpt);
    return d->u.curl.rcpt != NULL ? 0 : -ENOMEM;
}

static int email_start(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    char from[512];
    int rc = channel_try_init(d);
    if (rc == 0)
        rc = email_message(d);
    if (rc == 0)
        rc = email_envelope(d, from, sizeof(from));
    if (rc != 0)
        return rc;
    CURL *e = c->easy;
    if (curl_easy_setopt(e, CURLOPT_URL, d->paging.smtp_url) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_MAIL_RCPT, c->rcpt) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_READDATA, c) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->msglen) != CURLE_OK)
        return -EINVAL;
    return channel_try_first(d);
}

static void email_teardown(struct delivery *d)
{
    struct curl_state *c = &d->u.curl;
    channel_try_teardown(d); /* before the list and message it points to */
    curl_slist_free_all(c->rcpt);
    c->rcpt = NULL;
    free(c->message);
    c->message = NULL;
}

static enum try_outcome email_classify(struct delivery *d, CURLcode rc, int *status, char *what,
                                       size_t size)
{
    if (rc == CURLE_OK) {
        snprintf(what, size, "accepted");
        return TRY_OK;
    }
    channel_curl_error_text(d, rc, what, size);
    *status = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
    long code = 0;
    curl_easy_getinfo(d->u.curl.easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 400 && code <= 499)
        return TRY_TRANSIENT;
    if (code >= 500 && code <= 599)
        return TRY_PERMANENT;
    return channel_curl_error_outcome(rc);
}

const struct channel_backend channel_email_backend = {
    .name = "email",
    .check = email_check,
    .start = email_start,
    .teardown = email_teardown,
    .classify = email_classify,
};
