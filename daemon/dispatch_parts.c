/*
 * daemon/dispatch_parts.c - large requests run in parts, one per batch
 * (see dispatch.h).
 *
 * A person.import of 500 rows takes a good part of a second to execute; run
 * whole, it would hold every other request (Gold's standup among them) for
 * that long, and several intake clients importing at once would keep the
 * loop from turning.  So its rows run DISPATCH_PART_ROWS at a time: each
 * part is an ordinary request with an id of its own ("ID part K/N", which
 * no client can send: ids have no spaces), run through dispatch_request,
 * committed and stored like any other.  The control socket puts the request
 * back in its queue between parts, so other clients are served in between.
 * After the last part the parts' stored replies are summed into the reply
 * to the whole request, stored under ID in the same transaction: a retry
 * after a crash finds the finished parts' replies and redoes nothing, and a
 * retry after the end gets the whole reply.
 */
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jtext.h"
#include "log.h"
#include "persons.h"
#include "server.h"
#include "store.h"

#define PART_ID_MAX (PROTO_MAX_ID + 24)

int dispatch_parts(const struct proto_request *req)
{
    if (!req->cmd || strcmp(req->cmd, "person.import") != 0)
        return 1;
    json_t *rows = json_object_get(req->args, "rows");
    size_t n = json_is_array(rows) ? json_array_size(rows) : 0;
    if (n <= DISPATCH_PART_ROWS || n > PERSONS_IMPORT_MAX_ROWS)
        return 1; /* small, or refused whole by the handler */
    return (int)((n + DISPATCH_PART_ROWS - 1) / DISPATCH_PART_ROWS);
}

/* Part `part` of req as a request of its own: its id and its slice of the
 * rows (the caller frees args). */
static struct proto_request part_request(const struct proto_request *req, int part, int nparts,
                                         char id[PART_ID_MAX])
{
    json_t *rows = json_object_get(req->args, "rows"), *slice = json_array();
    size_t from = (size_t)part * DISPATCH_PART_ROWS, n = json_array_size(rows);
    for (size_t i = from; i < n && i < from + DISPATCH_PART_ROWS; i++)
        json_array_append(slice, json_array_get(rows, i));
    json_t *args = json_copy(req->args);
    json_object_set_new(args, "rows", slice);
    snprintf(id, PART_ID_MAX, "%s part %d/%d", req->id, part + 1, nparts);
    return (struct proto_request){.id = id, .cmd = req->cmd, .args = args};
}

/* The stored reply of part `part`, or NULL. */
static json_t *part_reply(struct muster *m, const struct dispatch_peer *peer,
                          const struct proto_request *req, int part, int nparts)
{
    char id[PART_ID_MAX], digest[65], *text = NULL;
    struct proto_request p = part_request(req, part, nparts, id);
    dispatch_digest(p.cmd, p.args, digest);
    json_decref(p.args);
    if (store_reply_get(m->store, peer->principal, id, digest, &text) != 0)
        return NULL;
    json_t *r = json_loads(text, 0, NULL);
    free(text);
    return r;
}

static void sum_int(json_t *into, json_t *from, const char *key)
{
    json_int_t a = json_integer_value(json_object_get(into, key));
    json_object_set_new(into, key,
                        json_integer(a + json_integer_value(json_object_get(from, key))));
}

/* The reply to the whole request: the parts' results summed. */
static char *whole_reply(struct muster *m, const struct dispatch_peer *peer,
                         const struct proto_request *req, int nparts)
{
    json_t *sum =
        json_pack("{s:i, s:i, s:i, s:[]}", "stored", 0, "already", 0, "refused", 0, "rows");
    for (int k = 0; k < nparts; k++) {
        json_t *r = part_reply(m, peer, req, k, nparts), *res = json_object_get(r, "result");
        if (!json_is_object(res)) {
            json_decref(r);
            json_decref(sum);
            return NULL;
        }
        json_object_set(sum, "incident", json_object_get(res, "incident"));
        sum_int(sum, res, "stored");
        sum_int(sum, res, "already");
        sum_int(sum, res, "refused");
        json_array_extend(json_object_get(sum, "rows"), json_object_get(res, "rows"));
        json_decref(r);
    }
    return proto_reply_ok(req->id, sum);
}

/* A part failed: its error is the reply to the whole request (never NULL:
 * NULL would mean that parts remain). */
static char *as_whole(const struct proto_request *req, char *part_text)
{
    json_t *r = json_loads(part_text, 0, NULL);
    char *text = NULL;
    if (json_is_object(r) && json_object_set_new(r, "id", json_string(req->id)) == 0)
        text = jtext_dump(r, false);
    json_decref(r);
    if (!text)
        return part_text;
    free(part_text);
    return text;
}

/* Before the first part: the stored reply of a request already answered. */
static char *answered(struct muster *m, const struct dispatch_peer *peer,
                      const struct proto_request *req)
{
    char digest[65], *text = NULL;
    dispatch_digest(req->cmd, req->args, digest);
    int rc = store_reply_get(m->store, peer->principal, req->id, digest, &text);
    if (rc == 0)
        return text;
    if (rc == -EEXIST) {
        struct proto_error e;
        proto_fail(&e, ERR_CONFLICT, "request id \"%s\" was already used for a different request",
                   req->id);
        return proto_reply_error(req->id, &e);
    }
    return NULL;
}

/* After the last part: the whole reply, stored under the request's id. */
static char *finish(struct muster *m, const struct dispatch_peer *peer,
                    const struct proto_request *req, int nparts, char *last)
{
    char digest[65], *whole = whole_reply(m, peer, req, nparts);
    if (!whole) /* the parts' replies could not be read back: say what the last did */
        return as_whole(req, last);
    free(last);
    dispatch_digest(req->cmd, req->args, digest);
    if (store_reply_put(m->store, peer->principal, req->id, server_now(m), whole, digest) != 0)
        log_error("dispatch: the reply to import %s is not stored: a retry sums its parts again",
                  req->id);
    return whole;
}

char *dispatch_request_part(struct muster *m, struct outbox *ob, const struct dispatch_peer *peer,
                            const struct proto_request *req, int part, int nparts)
{
    if (nparts <= 1)
        return dispatch_request_from(m, ob, peer, req);
    char *done = part == 0 ? answered(m, peer, req) : NULL;
    if (done)
        return done;
    char id[PART_ID_MAX];
    struct proto_request p = part_request(req, part, nparts, id);
    char *text = dispatch_request_from(m, ob, peer, &p);
    json_decref(p.args);
    json_t *r = json_loads(text, 0, NULL);
    bool ok = json_is_true(json_object_get(r, "ok"));
    json_decref(r);
    if (!ok)
        return as_whole(req, text);
    if (part + 1 < nparts) {
        free(text);
        return NULL;
    }
    return finish(m, peer, req, nparts, text);
}
