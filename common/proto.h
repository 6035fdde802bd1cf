/*
 * common/proto.h - the wire protocol: request envelopes in, replies out.
 *
 * A request is one ZeroMQ frame holding a JSON object:
 *     {"id": "<client request id>", "cmd": "<command>", "args": {...}}
 * with, from the web gateway only, "as": {"principal": P, "user": NAME}.
 * and its reply one frame:
 *     {"id": "...", "ok": true,  "result": {...}}
 *     {"id": "...", "ok": false, "error": {"code": "FORBIDDEN", "message": "..."}}
 * docs/protocol.md is the reference.  This module validates envelopes and
 * arguments (size and type first) and builds replies; it knows nothing of
 * commands.
 */
#ifndef MUSTER_PROTO_H
#define MUSTER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PROTO_MAX_FRAME (1024 * 1024) /* larger request frames get TOO_LARGE */
#define PROTO_MAX_ID 64               /* request id length */
#define PROTO_MAX_CMD 64

/* Stable error codes (documented in docs/protocol.md). */
#define ERR_BAD_JSON "BAD_JSON"               /* not a JSON object */
#define ERR_BAD_REQUEST "BAD_REQUEST"         /* envelope malformed */
#define ERR_TOO_LARGE "TOO_LARGE"             /* frame over PROTO_MAX_FRAME */
#define ERR_UNKNOWN_COMMAND "UNKNOWN_COMMAND" /* no such command */
#define ERR_BAD_ARGUMENT "BAD_ARGUMENT"       /* missing/unknown/wrong-typed argument */
#define ERR_FORBIDDEN "FORBIDDEN"             /* principal may not do this */
#define ERR_NOT_FOUND "NOT_FOUND"             /* no such incident, plan... */
#define ERR_CONFLICT "CONFLICT"               /* state does not allow it */
#define ERR_UNAVAILABLE "UNAVAILABLE"         /* storage failed; nothing recorded */
#define ERR_RATE_LIMITED "RATE_LIMITED"       /* too many failed attempts; retry later */
#define ERR_INTERNAL "INTERNAL"               /* a bug; nothing recorded */
#define ERR_BUSY "BUSY"                       /* too many requests waiting from one connection */
#define ERR_BAD_CAP "BAD_CAP"                 /* a CAP message fails the safe parse or the schema */
#define ERR_CAP_IGNORED "CAP_IGNORED"         /* a CAP status or msgType muster does not act on */
#define ERR_CAP_UNMAPPED "CAP_UNMAPPED"       /* no plan maps the CAP sender, event or severity */
#define ERR_DUPLICATE "DUPLICATE"             /* that CAP message was received before */
#define ERR_BAD_EDXL "BAD_EDXL"           /* an EDXL message fails the safe parse or the schema */
#define ERR_BAD_SIGNATURE "BAD_SIGNATURE" /* a CAP message's XML-DSig signature is refused */

/* An error on its way to a reply. */
struct proto_error {
    const char *code; /* one of the ERR_* strings, NULL when no error */
    char message[256];
    int64_t retry_after_ms; /* > 0: sent as "retry_after_ms" (RATE_LIMITED) */
};

/* Set e (with no retry_after_ms) and return -1, so handlers can
 * "return proto_fail(...)". */
int proto_fail(struct proto_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A decoded request.  root owns everything; the pointers point into it. */
struct proto_request {
    json_t *root;
    const char *id;  /* never NULL after a successful decode */
    const char *cmd; /* never NULL after a successful decode */
    json_t *args;    /* a JSON object, never NULL after a successful decode */
    /* "as": the user a web gateway acts for, and that user's principal;
     * both NULL when the envelope has no "as" (only a "web" key may send
     * one: dispatch.c refuses it from any other) */
    const char *as_principal;
    const char *as_user;
};

/*
 * Decode and validate one request frame.  Returns 0, or -1 with e set; in
 * both cases req->id is the request id when one could be read (else NULL),
 * so the error reply can carry it.  Release with proto_request_clear.
 */
int proto_request_decode(const void *buf, size_t len, struct proto_request *req,
                         struct proto_error *e);
void proto_request_clear(struct proto_request *req);

/* Reply text (malloc'd, caller frees).  proto_reply_ok steals result; an
 * error reply carries e->retry_after_ms when it is positive. */
char *proto_reply_ok(const char *id, json_t *result);
char *proto_reply_error(const char *id, const struct proto_error *e);

/* A request id is 1..PROTO_MAX_ID printable ASCII characters. */
bool proto_id_valid(const char *id);

/* The number of characters (code points) in valid UTF-8 text of len bytes. */
size_t proto_utf8_chars(const char *s, size_t len);

/*
 * The first control character in valid UTF-8 text s of len bytes: a C0
 * control (U+0000 to U+001F), DEL (U+007F) or a C1 control (U+0080 to
 * U+009F), where multiline spares new line (U+000A) and tab (U+0009).
 * Returns its code point, or -1 when the text has none.  These are the
 * characters a terminal, a log or a spreadsheet can be made to obey, so
 * musterd refuses them in what clients send (docs/protocol.md, Limits).
 */
int32_t proto_control_char(const char *s, size_t len, bool multiline);

/* Make a string valid UTF-8 in place: a byte that starts no valid
 * sequence (from a client's input, or a cut in the middle of a character
 * by "%.80s") becomes '?', so that every text musterd stores and sends
 * can be encoded as JSON. */
void proto_utf8_repair(char *s);

/*
 * Argument checks.  String lengths are counted in characters.  Each returns 0 and sets *out (left
 * untouched when the argument is absent and not required), or -1 with e set to BAD_ARGUMENT.
 * proto_arg_str is for names, references and other one-line strings: it refuses every control
 * character.  proto_arg_text is for free text written by people (notes, addresses): it allows
 * new lines and tabs and refuses the other control characters.
 */
int proto_args_known(json_t *args, const char *const *names, struct proto_error *e);
int proto_arg_str(json_t *args, const char *name, bool required, size_t maxlen, const char **out,
                  struct proto_error *e);
int proto_arg_text(json_t *args, const char *name, bool required, size_t maxlen, const char **out,
                   struct proto_error *e);
int proto_arg_int(json_t *args, const char *name, bool required, int64_t min, int64_t max,
                  int64_t *out, struct proto_error *e);
int proto_arg_bool(json_t *args, const char *name, bool required, bool *out, struct proto_error *e);

/*
 * Acknowledgement codes: PROTO_ACK_CODE_LEN characters of Crockford's
 * base32 alphabet (digits and capitals without I, L, O and U), as musterd
 * makes them.  A code comes back as people and phones type it, so
 * proto_ack_code reads any case, I and L as 1, O as 0, and drops the
 * separators a phone or a person puts in (spaces, hyphens, dots, and the
 * no-break space and dashes of an autocorrect).  It writes the code's one
 * canonical form to out and returns 0, or -1 when in is not a code (a
 * character outside the alphabet, U included, or not PROTO_ACK_CODE_LEN
 * characters).  Codes are sent at most PROTO_ACK_CODE_MAX characters long.
 */
#define PROTO_ACK_CODE_LEN 8
#define PROTO_ACK_CODE_MAX 32
extern const char proto_ack_alphabet[33];
int proto_ack_code(const char *in, char out[PROTO_ACK_CODE_LEN + 1]);

/* Reading replies and documents: o[key] as a string, dflt when it is
 * absent or not a string; proto_dash with "-" for dflt; o[key] as an
 * integer, 0 when absent. */
const char *proto_str(json_t *o, const char *key, const char *dflt);
const char *proto_dash(json_t *o, const char *key);
long long proto_int(json_t *o, const char *key);

#endif
