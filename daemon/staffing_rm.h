/*
 * daemon/staffing_rm.h - staffing in EDXL-RM 1.0 (docs/interop.md): the
 * RequestResource of an ask for staff, written for the agency's page
 * (when its plan entry says edxl_rm: true) and on demand (pledge.request),
 * and the answers an agency imports (pledge.import) made into pledges
 * with pledge.offer's checks, the message stored with its reply
 * (edxl_rm_messages) so the same message again makes no second pledge.
 */
#ifndef MUSTER_STAFFING_RM_H
#define MUSTER_STAFFING_RM_H

#include <stdint.h>

struct muster;

/* The RequestResource document of ask ask_id, sent at now, into *xml
 * (malloc'd, NUL-terminated).  0, -ENOENT when the ask or its plan entry
 * is gone, or -errno. */
int staffing_rm_request(struct muster *m, int64_t ask_id, int64_t now, char **xml);

#endif
