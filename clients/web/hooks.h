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
 * The secrets file has one "NAME SECRET" line per hook (NAME sms or email,
 * SECRET 32 to 128 printable characters), mode 0600.
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

/* 0 when the call to hook name is signed with its secret, fresh and not
 * seen before (then remembered); -ENOENT unknown hook, -EACCES bad or
 * missing signature, -ETIME stale, -EALREADY replayed. */
int hooks_verify(struct hooks *h, const char *name, const char *timestamp, const char *signature,
                 const char *body, size_t len, int64_t now_s);

#endif
