/*
 * clients/web/public.h - the public door: self-registration for the
 * incidents Gold has published (docs/self-registration.md), with no
 * sign-in and no cookie.
 *   GET  /p/            the published incidents (public names only)
 *   GET  /p/KEYWORD     the form, in ?lang=, else Accept-Language, else en
 *   POST /p/KEYWORD     checked here, then public.register; the thank-you
 *                       page with the reference, or the form again
 *   GET  /r/            asking for a one-time link (reference, contact)
 *   POST /r/            public.link; the same answer whatever matched
 *   GET  /r/TOKEN       the one-time link: safe-contact fields only
 *   POST /r/TOKEN       public.update, then a done page
 * (/p/r/... as /r/...: musterd's links are <plan's public url>/r/TOKEN)
 * Every call to musterd is the gateway's own (principal "web", no "as").
 * Abuse is refused before musterd hears of it: a body over 8 KiB, the
 * time challenge (pubform.h), submissions per address (default 5 in 10
 * minutes, 429) and from everyone (default 20 a second, 503).  The list
 * of published incidents is asked of musterd at most every
 * PUBLIC_CACHE_MS, so a flood of page views costs musterd nothing.
 */
#ifndef MUSTER_WEB_PUBLIC_H
#define MUSTER_WEB_PUBLIC_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#define PUBLIC_CACHE_MS 2000
#define PUBLIC_ADDR_WINDOW_MS (10 * 60 * 1000)
#define PUBLIC_PER_ADDRESS 5
#define PUBLIC_PER_SECOND 20

struct public;
struct web;
struct http_req;

/* The translations in i18n_dir, a fresh challenge secret, the limits.
 * 0 and *out, or -errno with err set. */
int public_open(struct web *w, const char *i18n_dir, int per_address, int per_second,
                struct public **out, char *err, size_t errlen);
void public_free(struct public *p);

/* True for a path the public door serves (its body limit is 8 KiB). */
int public_path(const char *url);

/* The handlers of /p/ and /r/ (any method). */
enum MHD_Result public_serve(struct http_req *r);
enum MHD_Result public_link(struct http_req *r);

/* The reply text for a call-back asked by SMS or e-mail ("HELP ARENA"):
 * public.callback's result (the page's link: its url and the keyword) in
 * language lang (or English).  New. */
char *public_callback_reply(struct public *p, json_t *result, const char *keyword,
                            const char *lang);

#endif
