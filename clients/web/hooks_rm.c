/*
 * clients/web/hooks_rm.c - EDXL-RM answers through the hooks: a call to
 * POST /hooks/rm/AGENCY, already verified by hooks.c with that agency's own
 * secret, is relayed as pledge.import acting as agency:AGENCY (the user
 * "hook-rm").  musterd runs it exactly as for the agency's key: the pledge
 * with pledge.offer's checks (an agency commits only its own staff, for its
 * own asks), the same message again answered with the stored reply.  The
 * hook's secret decides the principal: nothing in the body can choose it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"

/* application/xml or text/xml, with or without parameters. */
static bool is_xml(const char *type)
{
    if (!type)
        return false;
    size_t n = strcspn(type, "; \t");
    return (n == 15 && !strncasecmp(type, "application/xml", n)) ||
           (n == 8 && !strncasecmp(type, "text/xml", n));
}

enum MHD_Result hooks_rm_relay(struct http_req *r, const char *agency)
{
    if (!is_xml(http_header(r, "Content-Type")))
        return http_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "BAD_MEDIA_TYPE",
                          "send the EDXL-RM message as Content-Type: application/xml");
    json_t *xml = json_stringn(r->body ? r->body : "", r->len);
    if (!xml) /* JSON carries only UTF-8; musterd reads nothing else */
        return http_error(r, MHD_HTTP_BAD_REQUEST, "BAD_EDXL", "/: the message is not UTF-8 text");
    char principal[64];
    snprintf(principal, sizeof(principal), "agency:%s", agency);
    json_t *args = json_pack("{s:o}", "xml", xml);
    unsigned status = 0;
    enum MHD_Result rc = api_relay(r, principal, "hook-rm", "pledge.import", args, &status);
    json_decref(args);
    if (status == MHD_HTTP_OK)
        log_info("web: hook rm/%s: EDXL-RM message of %zu bytes imported", agency, r->len);
    else
        log_warnx("web: hook rm/%s: EDXL-RM message of %zu bytes refused (HTTP %u)", agency, r->len,
                  status);
    return rc;
}
