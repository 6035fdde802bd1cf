/*
 * common/edxl_rm.h - OASIS EDXL-RM 1.0 (Resource Messaging) in and out:
 * the RequestResource muster writes for an ask for staff, and the
 * ResponseToRequestResource and CommitResource an agency answers with,
 * each checked against docs/standards/edxl-rm-1.0-msg.xsd (with the
 * common types of edxl-rm-1.0-ct.xsd) and read into its canonical JSON
 * (xml.h), and that JSON written back as a document (docs/interop.md).
 *
 * The canonical JSON names every element by its local name, whichever of
 * the two namespaces it is in (the message's, or the common types'); the
 * elements the schema lets repeat are arrays (IncidentInformation,
 * Funding, ContactInformation, ResourceInformation, Radio, Value,
 * Keyword, Credentials, Certifications, ScheduleInformation).  Its
 * MessageContentType says which of the three messages it is.  The
 * elements whose content is another standard's (CIQ's
 * AdditionalContactInformation, ResponsibleParty and Address, GML's
 * TargetArea) are checked only as far as the schema does, and left out.
 */
#ifndef MUSTER_EDXL_RM_H
#define MUSTER_EDXL_RM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EDXL_RM_MSG_NS "urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"
#define EDXL_RM_NS "urn:oasis:names:tc:emergency:EDXL:RM:1.0"

struct xml_schema;

/* The two schema documents, built in from docs/standards/ (files CMake
 * generates): edxl_rm_schema_open compiles them. */
extern const unsigned char edxl_rm_msg_xsd[];
extern const size_t edxl_rm_msg_xsd_len;
extern const unsigned char edxl_rm_ct_xsd[];
extern const size_t edxl_rm_ct_xsd_len;

/* The compiled EDXL-RM schema (xml_schema_free frees it), or NULL with
 * err set. */
struct xml_schema *edxl_rm_schema_open(char *err, size_t errlen);

/*
 * Read an EDXL-RM message from buf (len bytes): a RequestResource,
 * ResponseToRequestResource or CommitResource in the message namespace,
 * valid against schema.  0 with *out (new reference), or -EFBIG /
 * -EINVAL with err "PATH: what is wrong", PATH naming the element.
 */
int edxl_rm_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
                 size_t errlen);

/* The document for canonical JSON msg, its root named by its
 * MessageContentType (malloc'd, NUL-terminated; *len set), or NULL when
 * msg is not one of the three. */
char *edxl_rm_write(const json_t *msg, size_t *len);

/* What a RequestResource for one ask for staff says.  Strings borrowed;
 * optional ones may be NULL. */
struct edxl_rm_ask {
    const char *message_id;   /* edxl_rm_ask_id's form */
    int64_t sent_ms;          /* when it is written */
    const char *incident_ref; /* CAMB-2026-0001 */
    const char *operation;    /* the incident's operation name, or NULL */
    int exercise;             /* every description then starts EXERCISE EXERCISE EXERCISE */
    const char *plan_id;      /* the value list of the roles: urn:muster:plan:ID:roles */
    const char *role_id, *role_name;
    int quantity;                       /* the staff still short */
    const char *shift_name;             /* "Night" */
    int64_t starts_ms, ends_ms;         /* the shift window */
    const char *hub_name, *hub_address; /* the reporting location (address optional) */
    const char *agency_name;            /* the agency asked */
};

/* The canonical JSON of the RequestResource for a (new reference). */
json_t *edxl_rm_request(const struct edxl_rm_ask *a);

/* The MessageID of the RequestResource for ask ask_id of incident ref,
 * "muster:REF:ask:ID", into buf. */
void edxl_rm_ask_id(char *buf, size_t len, const char *ref, int64_t ask_id);

/* Parse a MessageID of that form: 1 with ref (up to reflen) and *ask_id
 * set, or 0 when id is not one. */
int edxl_rm_ask_parse(const char *id, char *ref, size_t reflen, int64_t *ask_id);

/* An EDXL date-time ("2026-06-01T21:14:00+01:00") as ms since the epoch
 * into *ms: 0, or -EINVAL. */
int edxl_rm_time_parse(const char *s, int64_t *ms);

/* ms since the epoch as an EDXL date-time in UTC ("...+00:00") into buf
 * (at least 26 bytes). */
void edxl_rm_time_format(int64_t ms, char *buf, size_t len);

#endif
