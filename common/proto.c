/*
 * common/proto.c - request decoding, argument validation and reply
 * encoding (see proto.h).
 */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jtext.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xe0) == 0xc0 ? 2
                 : (s[0] & 0xf0) == 0xe0 ? 3
                 : (s[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    if (len == 0 || len > n || (len == 2 && s[0] < 0xc2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

void proto_utf8_repair(char *msg)
{
    size_t n = strlen(msg);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq((const unsigned char *)msg + i, n - i);
        if (len == 0) {
            msg[i++] = '?';
            continue;
        }
        i += len;
    }
}

int proto_fail(struct proto_error *e, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    e->retry_after_ms = 0;
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    proto_utf8_repair(e->message);
    return -1;
}

bool proto_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > PROTO_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] < 0x21 || id[i] > 0x7e)
            return false;
    return true;
}

/* The envelope's "as": {"principal": P, "user": NAME}, two strings of 1
 * to 64 bytes; what they may be (a principal other than "web", a keyring
 * person's name) is the daemon's to check (dispatch_peer_acting). */
static int decode_as(struct proto_request *req, json_t *as, struct proto_error *e)
{
    json_t *p = json_object_get(as, "principal"), *u = json_object_get(as, "user");
    if (!json_is_object(as) || json_object_size(as) != 2 || !json_is_string(p) ||
        !json_is_string(u) || json_string_length(p) == 0 || json_string_length(p) > 64 ||
        json_string_length(u) == 0 || json_string_length(u) > 64)
        return proto_fail(e, ERR_BAD_REQUEST,
                          "\"as\" must be an object with \"principal\" and \"user\" strings");
    req->as_principal = json_string_value(p);
    req->as_user = json_string_value(u);
    return 0;
}

static bool envelope_member(const char *key)
{
    return !strcmp(key, "id") || !strcmp(key, "cmd") || !strcmp(key, "args") || !strcmp(key, "as");
}

static int decode_envelope(struct proto_request *req, struct proto_error *e)
{
    json_t *id = json_object_get(req->root, "id");
    json_t *cmd = json_object_get(req->root, "cmd");
    json_t *args = json_object_get(req->root, "args");
    if (!json_is_string(id) || !proto_id_valid(json_string_value(id)))
        return proto_fail(e, ERR_BAD_REQUEST,
                          "\"id\" must be a string of 1 to %d printable characters", PROTO_MAX_ID);
    req->id = json_string_value(id);
    const char *key;
    json_t *value;
    json_object_foreach(req->root, key, value)
    {
        if (!envelope_member(key))
            return proto_fail(e, ERR_BAD_REQUEST, "unknown envelope field \"%s\"", key);
    }
    if (!json_is_string(cmd) || json_string_length(cmd) == 0 ||
        json_string_length(cmd) > PROTO_MAX_CMD)
        return proto_fail(e, ERR_BAD_REQUEST, "\"cmd\" must be a string of 1 to %d bytes",
                          PROTO_MAX_CMD);
    if (args && !json_is_object(args))
        return proto_fail(e, ERR_BAD_REQUEST, "\"args\" must be an object");
    json_t *as = json_object_get(req->root, "as");
    if (as && decode_as(req, as, e) != 0)
        return -1;
    req->cmd = json_string_value(cmd);
    if (!args) {
        args = json_object();
        json_object_set_new(req->root, "args", args);
    }
    req->args = args;
    return 0;
}

int proto_request_decode(const void *buf, size_t len, struct proto_request *req,
                         struct proto_error *e)
{
    memset(req, 0, sizeof(*req));
    if (len > PROTO_MAX_FRAME)
        return proto_fail(e, ERR_TOO_LARGE, "request of %zu bytes is over the %d byte limit", len,
                          PROTO_MAX_FRAME);
    json_error_t jerr;
    req->root = jtext_load(buf, len);
    if (!req->root)
        req->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req->root)
        return proto_fail(e, ERR_BAD_JSON, "malformed JSON at line %d column %d: %s", jerr.line,
                          jerr.column, jerr.text);
    if (!json_is_object(req->root))
        return proto_fail(e, ERR_BAD_JSON, "a request must be a JSON object");
    return decode_envelope(req, e);
}

void proto_request_clear(struct proto_request *req)
{
    json_decref(req->root);
    memset(req, 0, sizeof(*req));
}

static char *reply_dump(json_t *reply)
{
    char *text = jtext_dump(reply, false);
    json_decref(reply);
    return text;
}

char *proto_reply_ok(const char *id, json_t *result)
{
    json_t *r =
        json_pack("{s:s?, s:b, s:o}", "id", id, "ok", 1, "result", result ? result : json_object());
    return reply_dump(r);
}

char *proto_reply_error(const char *id, const struct proto_error *e)
{
    json_t *r = json_pack("{s:s?, s:b, s:{s:s, s:s}}", "id", id, "ok", 0, "error", "code",
                          e->code ? e->code : ERR_INTERNAL, "message", e->message);
    if (r && e->retry_after_ms > 0)
        json_object_set_new(json_object_get(r, "error"), "retry_after_ms",
                            json_integer(e->retry_after_ms));
    char *text = reply_dump(r);
    if (!text) /* never leave a request without a reply */
        text = strdup("{\"id\":null,\"ok\":false,\"error\":{\"code\":\"INTERNAL\","
                      "\"message\":\"the error could not be encoded\"}}");
    return text;
}

int proto_args_known(json_t *args, const char *const *names, struct proto_error *e)
{
    const char *key;
    json_t *value;
    json_object_foreach(args, key, value)
    {
        const char *const *n = names;
        while (*n && strcmp(*n, key))
            n++;
        if (!*n)
            return proto_fail(e, ERR_BAD_ARGUMENT, "unknown argument \"%s\"", key);
    }
    return 0;
}

size_t proto_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

static json_t *arg_get(json_t *args, const char *name, bool required, struct proto_error *e,
                       int *rc)
{
    json_t *v = json_object_get(args, name);
    *rc = 0;
    if ((!v || json_is_null(v)) && required)
        *rc = proto_fail(e, ERR_BAD_ARGUMENT, "missing required argument \"%s\"", name);
    return json_is_null(v) ? NULL : v;
}

int32_t proto_control_char(const char *s, size_t len, bool multiline)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x20 && !(multiline && (u[i] == '\n' || u[i] == '\t')))
            return u[i];
        if (u[i] == 0x7f)
            return 0x7f;
        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            return u[i + 1]; /* U+0080 to U+009F are 0xC2 0x80 to 0xC2 0x9F */
    }
    return -1;
}

/* A string argument of 1 to maxlen characters without NUL; multiline
 * allows new line and tab among the control characters. */
static int arg_string(json_t *args, const char *name, bool required, size_t maxlen, bool multiline,
                      const char **out, struct proto_error *e)
{
    int rc;
    json_t *v = arg_get(args, name, required, e, &rc);
    if (!v)
        return rc;
    if (!json_is_string(v))
        return proto_fail(e, ERR_BAD_ARGUMENT, "\"%s\" must be a string", name);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    size_t chars = proto_utf8_chars(s, n);
    if (chars == 0 || chars > maxlen)
        return proto_fail(e, ERR_BAD_ARGUMENT, "\"%s\" must be 1 to %zu characters", name, maxlen);
    if (strlen(s) != n)
        return proto_fail(e, ERR_BAD_ARGUMENT, "\"%s\" must not contain NUL characters", name);
    int32_t cc = proto_control_char(s, n, multiline);
    if (cc >= 0)
        return proto_fail(e, ERR_BAD_ARGUMENT,
                          "\"%s\" must not contain control characters%s (U+%04X)", name,
                          multiline ? " other than new line and tab" : "", (unsigned)cc);
    *out = s;
    return 0;
}

int proto_arg_str(json_t *args, const char *name, bool required, size_t maxlen, const char **out,
                  struct proto_error *e)
{
    return arg_string(args, name, required, maxlen, false, out, e);
}

int proto_arg_text(json_t *args, const char *name, bool required, size_t maxlen, const char **out,
                   struct proto_error *e)
{
    return arg_string(args, name, required, maxlen, true, out, e);
}

int proto_arg_int(json_t *args, const char *name, bool required, int64_t min, int64_t max,
                  int64_t *out, struct proto_error *e)
{
    int rc;
    json_t *v = arg_get(args, name, required, e, &rc);
    if (!v)
        return rc;
    if (!json_is_integer(v))
        return proto_fail(e, ERR_BAD_ARGUMENT, "\"%s\" must be an integer", name);
    int64_t n = json_integer_value(v);
    if (n < min || n > max)
        return proto_fail(e, ERR_BAD_ARGUMENT, "\"%s\" must be between %lld and %lld", name,
                          (long long)min, (long long)max);
    *out = n;
    return 0;
}

int proto_arg_bool(json_t *args, const char *name, bool required, bool *out, struct proto_error *e)
{
    int rc;
    json_t *v = arg_get(args, name, required, e, &rc);
    if (!v)
        return rc;
    if (!json_is_boolean(v))
        return proto_fail(e, ERR_BAD_ARGUMENT, "\"%s\" must be true or false", name);
    *out = json_is_true(v);
    return 0;
}

const char *proto_str(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

const char *proto_dash(json_t *o, const char *key)
{
    return proto_str(o, key, "-");
}

long long proto_int(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

const char proto_ack_alphabet[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Bytes of a separator at s (a space, hyphen or dot; U+00A0 no-break
 * space; U+2010 to U+2015, the hyphens and dashes), 0 for none. */
static size_t ack_separator(const unsigned char *s)
{
    if (s[0] == ' ' || s[0] == '-' || s[0] == '.')
        return 1;
    if (s[0] == 0xc2 && s[1] == 0xa0)
        return 2;
    if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0x95)
        return 3;
    return 0;
}

/* The alphabet's character that c stands for, '\0' for none. */
static char ack_char(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        c = (unsigned char)(c - 'a' + 'A');
    if (c == 'I' || c == 'L')
        return '1';
    if (c == 'O')
        return '0';
    return c && strchr(proto_ack_alphabet, c) ? (char)c : '\0';
}

int proto_ack_code(const char *in, char out[PROTO_ACK_CODE_LEN + 1])
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = 0;
    while (*s) {
        size_t sep = ack_separator(s);
        char c = sep ? '\0' : ack_char(*s);
        if (!sep && (!c || n == PROTO_ACK_CODE_LEN))
            return -1;
        if (c)
            out[n++] = c;
        s += sep ? sep : 1;
    }
    out[n] = '\0';
    return n == PROTO_ACK_CODE_LEN ? 0 : -1;
}
