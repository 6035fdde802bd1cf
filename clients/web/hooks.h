/*
 * clients/web/hooks.h - inbound replies: POST /hooks/sms and /hooks/email
 * from an SMS gateway or a mail pipe, each hook with its own secret.  A
 * call is signed: X-Muster-Timestamp (Unix seconds) and
 * X-Muster-Signature "sha256=" and the hex HMAC-SHA256, keyed with the
 * hook's secret, of "TIMESTAMP.BODY".  Unsigned, wrongly signed, stale
 * (more than 5 minutes from now) and replayed calls are refused and logged.
 * A body {"from": ..., "text": "ACK K7Q2MX4P on my way"} acknowledges the
 * page with that code through page.ack, with "via" the hook's name, as the
 * Hub's duty desk (the user "hook-sms" or "hook-email").
 * POST /hooks/rm/AGENCY carries an agency's EDXL-RM answer
 * (application/xml), signed the same way with that agency's own secret:
 * relayed as pledge.import acting as agency:AGENCY (the user "hook-rm"),
 * so a system holding one agency's secret can commit only that agency's
 * staff (hooks_rm.c).
 * The secrets file (mode 0600) has one line per hook: "sms SECRET",
 * "email SECRET" and "rm AGENCY SECRET" (AGENCY an agency id of the plan,
 * 1 to 40 of a-z, 0-9 and -; SECRET 32 to 128 printable characters); a
 * second line for the same hook is refused.
 */
#ifndef MUSTER_WEB_HOOKS_H
#define MUSTER_WEB_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#define HOOKS_WINDOW_S 300

struct hooks;

/* Read the secrets file.  0 and *out, or -errno with err set. */
int hooks_open(const char *path, struct hooks **out, char *err, size_t errlen);
void hooks_free(struct hooks *h);

/* 0 when the call to hook name ("sms", "email", "rm/AGENCY") is signed with its secret, fresh and
 * not seen before (then remembered); -ENOENT unknown hook, -EACCES bad or missing signature, -ETIME
 * stale, -EALREADY replayed. */
int hooks_verify(struct hooks *h, const char *name, const char *timestamp, const char *signature,
                 const char *body, size_t len, int64_t now_s);

#endif
