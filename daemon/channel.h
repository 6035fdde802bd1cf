/*
 * daemon/channel.h - delivering one page to the outside world: the exec,
 * webhook and email channels, each behind the same small interface.
 *
 * (Pages to agencies connected with "muster agency listen" go over their
 * own authenticated control session; see paging.c.)  A send never blocks
 * the loop: exec runs a child process through uv_spawn, webhook and email
 * run through libcurl's multi interface driven by the libuv loop.
 */
#ifndef MUSTER_CHANNEL_H
#define MUSTER_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "plan.h"

/* One page, as the channel delivers it.  Every field is copied by
 * channel_send; the caller may free its own copies when it returns. */
struct page_msg {
    int64_t id;               /* the page id: unique per attempt, the same on a resend */
    const char *incident_ref; /* "CAMB-2026-0001" */
    int level;
    bool exercise;
    const char *agency_id;
    const char *contact_name;
    const char *target;      /* exec: path or script name; webhook: URL; email: address */
    const char *const *args; /* exec: extra arguments, NULL-terminated (may be NULL) */
    const char *ack_code;    /* "K7Q2MX4P" */
    const char *subject;     /* one line, starts "EXERCISE EXERCISE EXERCISE" for exercises */
    const char *text;        /* the whole page text, same first line rule */
    const char *json;        /* the page as a JSON object */
    /* A call for staff to an edxl_rm agency: the ask's EDXL-RM
     * RequestResource (XML) and its MessageID, or both NULL.  The webhook
     * and exec carry it inside json; email attaches it. */
    const char *edxl_rm;
    const char *edxl_rm_id;
};

/*
 * The outcome of one send: status 0 when delivered (exec exited 0, HTTP
 * 2xx, SMTP accepted), -ECANCELED after channel_cancel, another negative
 * errno when it failed (-ETIMEDOUT, -EIO...).  detail says what happened in
 * a few words ("exit status 3", "HTTP 500 after 3 tries", "killed after
 * 30000 ms"); it is valid only during the call.
 */
typedef void channel_done_cb(void *arg, int64_t page_id, int status, const char *detail);

/* True when status (of channel_send or its callback) says musterd itself
 * could not make the delivery for want of its own resources: -EMFILE,
 * -ENFILE (no descriptor), -ENOMEM, -ENOBUFS, -EAGAIN (fork).  The agency
 * was never tried; this is no failure of its contact. */
bool channel_local_failure(int status);

struct channels;

/* Create the channels on loop.  scripts_dir (not copied: it must outlive
 * the channels; may be NULL) is where an exec target given as a bare name
 * ("page-sms") is run from (plan_exec_path).  Returns 0 or -errno. */
int channels_open(uv_loop_t *loop, const char *scripts_dir, struct channels **out);

/*
 * Start delivering msg over channel (EXEC, WEBHOOK or EMAIL) with the
 * plan's timeouts and retries.  On 0, cb is called exactly once, later, from
 * the loop; on error (-EINVAL for PLAN_CHANNEL_ZMQ or a bad target, -ENOMEM)
 * it is never called.
 */
int channel_send(struct channels *ch, enum plan_channel channel, const struct page_msg *msg,
                 const struct plan_paging *paging, channel_done_cb *cb, void *arg);

/* Stop a delivery in progress (kill the child, abort the transfer, drop
 * pending retries); its callback runs with -ECANCELED.  No-op when the
 * page id is not in progress. */
void channel_cancel(struct channels *ch, int64_t page_id);

/* Number of deliveries in progress. */
size_t channel_in_flight(const struct channels *ch);

/* Cancel everything (callbacks run with -ECANCELED) and close the handles;
 * free with channels_free once the loop has run the close callbacks. */
void channels_close(struct channels *ch);
void channels_free(struct channels *ch);

#endif
