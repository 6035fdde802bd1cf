/*
 * tests/fuzz/fuzz_proto.c - libFuzzer target for the wire protocol
 * (common/proto.c): the input is one request frame.  It is decoded with
 * proto_request_decode; on success every argument helper is run over the
 * decoded args (each argument given, plus a few names commands really use,
 * as string, integer and boolean, required and optional), and both reply
 * builders render a reply.  Whatever jtext_load reads (the fast path of
 * the decode), json_loadb must read the same.  Everything is freed, so
 * LeakSanitizer sees any leak.  See tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jtext.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Argument names used by real commands (docs/protocol.md). */
static const char *const known[] = {"plan",     "level",  "exercise", "operation", "note",
                                    "incident", "state",  "person",   "rows",      "agency",
                                    "ack_code", "page",   "pledge",   "shifts",    "names",
                                    "limit",    "before", "reason",   "format",    NULL};

/*
 * A reply must always be built: control.c sends the routing frame with
 * ZMQ_SNDMORE and then the reply, so a NULL reply leaves the client without
 * an answer.  FUZZ_PROTO_TOLERATE_NULL_REPLY=1 in the environment skips
 * this check, to fuzz on past that known finding (tests/fuzz/crashes/).
 */
static int tolerate_null_reply = -1;

static void check_reply(char *reply)
{
    if (tolerate_null_reply < 0) {
        const char *v = getenv("FUZZ_PROTO_TOLERATE_NULL_REPLY");
        tolerate_null_reply = v != NULL && strcmp(v, "1") == 0;
    }
    if (reply == NULL && !tolerate_null_reply)
        abort();
    free(reply);
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* Runs every typed helper on one argument name; checks what each promises. */
static void try_arg(json_t *args, const char *name)
{
    static const size_t maxlens[] = {1, 8, 40, 64, 2000};
    static const int64_t ranges[][2] = {
        {1, 9}, {0, 500}, {-1000, 1000}, {INT64_MIN, INT64_MAX}, {0, INT64_MAX}};
    json_t *v = json_object_get(args, name);

    for (int req = 0; req < 2; req++) {
        struct proto_error e = {0};
        for (size_t i = 0; i < sizeof maxlens / sizeof maxlens[0]; i++) {
            const char *s = NULL;
            memset(&e, 0, sizeof e);
            int rc = proto_arg_str(args, name, req, maxlens[i], &s, &e);
            if (rc == 0 && s != NULL) {
                size_t n = strlen(s);
                CHECK(json_is_string(v));
                CHECK(n == json_string_length(v));
                size_t chars = proto_utf8_chars(s, n);
                CHECK(chars >= 1 && chars <= maxlens[i]);
            } else if (rc != 0) {
                CHECK(e.code != NULL && strcmp(e.code, ERR_BAD_ARGUMENT) == 0);
                CHECK(memchr(e.message, '\0', sizeof e.message) != NULL);
            }
        }
        for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
            int64_t n = 12345;
            memset(&e, 0, sizeof e);
            int rc = proto_arg_int(args, name, req, ranges[i][0], ranges[i][1], &n, &e);
            if (rc == 0 && v != NULL && !json_is_null(v))
                CHECK(n >= ranges[i][0] && n <= ranges[i][1]);
            else if (rc != 0)
                CHECK(e.code != NULL && strcmp(e.code, ERR_BAD_ARGUMENT) == 0);
        }
        bool b = false;
        memset(&e, 0, sizeof e);
        if (proto_arg_bool(args, name, req, &b, &e) != 0)
            CHECK(e.code != NULL);
    }
}

/* What jtext_load reads, json_loadb reads the same, keys in the same
 * order; what it leaves, json_loadb decides (proto_request_decode). */
static void check_load(const uint8_t *data, size_t size)
{
    json_t *fast = jtext_load((const char *)data, size);
    if (!fast)
        return;
    json_error_t jerr;
    json_t *slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(slow && json_equal(fast, slow));
    char *a = json_dumps(fast, JSON_COMPACT), *b = json_dumps(slow, JSON_COMPACT);
    CHECK(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
    json_decref(fast);
    json_decref(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_request req;
    struct proto_error e = {0};

    check_load(data, size);

    if (proto_request_decode(data, size, &req, &e) != 0) {
        CHECK(e.code != NULL);
        CHECK(req.id == NULL || proto_id_valid(req.id));
        check_reply(proto_reply_error(req.id, &e));
        proto_request_clear(&req);
        return 0;
    }
    CHECK(req.id != NULL && proto_id_valid(req.id));
    CHECK(req.cmd != NULL && strlen(req.cmd) >= 1 && strlen(req.cmd) <= PROTO_MAX_CMD);
    CHECK(json_is_object(req.args));

    /* Unknown-argument check against the real names, and against none. */
    static const char *const none[] = {NULL};
    memset(&e, 0, sizeof e);
    if (proto_args_known(req.args, known, &e) != 0) {
        CHECK(e.code != NULL);
        check_reply(proto_reply_error(req.id, &e)); /* as dispatch.c does */
    }
    memset(&e, 0, sizeof e);
    if (proto_args_known(req.args, none, &e) != 0)
        CHECK(json_object_size(req.args) > 0 && e.code != NULL);
    else
        CHECK(json_object_size(req.args) == 0);

    const char *key;
    json_t *value;
    json_object_foreach(req.args, key, value)
    {
        try_arg(req.args, key);
        /* Nested objects (person, pledge) are checked like arguments. */
        if (json_is_object(value)) {
            const char *k2;
            json_t *v2;
            json_object_foreach(value, k2, v2) try_arg(value, k2);
        }
    }
    for (const char *const *n = known; *n; n++)
        try_arg(req.args, *n);

    /* An error reply carrying the last error, then an ok reply echoing the
     * args (proto_reply_ok steals its result). */
    memset(&e, 0, sizeof e);
    proto_fail(&e, ERR_BAD_ARGUMENT, "command %s: %s", req.cmd, req.id);
    check_reply(proto_reply_error(req.id, &e));
    check_reply(proto_reply_ok(req.id, json_deep_copy(req.args)));
    check_reply(proto_reply_ok(req.id, NULL));

    proto_request_clear(&req);
    CHECK(req.root == NULL && req.id == NULL);
    return 0;
}
