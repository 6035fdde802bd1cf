/*
 * common/edxl_rm.c - OASIS EDXL-RM 1.0 in and out (edxl_rm.h): the three
 * messages' shapes of the canonical JSON (xml_json.c), the two-document
 * schema, the RequestResource written for an ask for staff, and the
 * MessageID and date-time forms muster writes and reads back.
 */
#include "edxl_rm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xml.h"

/* The elements the schema lets repeat: arrays in the JSON. */
static const char *const repeated[] = {"IncidentInformation",
                                       "Funding",
                                       "ContactInformation",
                                       "ResourceInformation",
                                       "Radio",
                                       "Value",
                                       "Keyword",
                                       "Credentials",
                                       "Certifications",
                                       "ScheduleInformation",
                                       NULL};

#define CT(name) name, EDXL_RM_NS
/* Every element of the common types' namespace muster reads or writes. */
static const char *const common_types[] = {CT("ContactDescription"),
                                           CT("ContactRole"),
                                           CT("AdditionalContactInformation"),
                                           CT("Radio"),
                                           CT("RadioType"),
                                           CT("RadioChannel"),
                                           CT("ValueListURN"),
                                           CT("Value"),
                                           CT("IncidentDescription"),
                                           CT("IncidentID"),
                                           CT("RecalledMessageID"),
                                           CT("RecallType"),
                                           CT("FundCode"),
                                           CT("FundingInfo"),
                                           CT("ResourceInfoElementID"),
                                           CT("ResponseInformation"),
                                           CT("PrecedingResourceInfoElementID"),
                                           CT("ResponseType"),
                                           CT("ReasonCode"),
                                           CT("ResponseReason"),
                                           CT("Resource"),
                                           CT("ResourceID"),
                                           CT("Name"),
                                           CT("TypeStructure"),
                                           CT("Keyword"),
                                           CT("Description"),
                                           CT("Credentials"),
                                           CT("Certifications"),
                                           CT("SpecialRequirements"),
                                           CT("ResponsibleParty"),
                                           CT("OwnershipInformation"),
                                           CT("Owner"),
                                           CT("OwningJurisdiction"),
                                           CT("HomeDispatch"),
                                           CT("HomeUnit"),
                                           CT("AssignmentInformation"),
                                           CT("Quantity"),
                                           CT("MeasuredQuantity"),
                                           CT("Amount"),
                                           CT("UnitOfMeasure"),
                                           CT("Restrictions"),
                                           CT("AnticipatedFunction"),
                                           CT("OrderID"),
                                           CT("ScheduleInformation"),
                                           CT("ScheduleType"),
                                           CT("DateTime"),
                                           CT("Location"),
                                           CT("LocationDescription"),
                                           CT("Address"),
                                           CT("TargetArea"),
                                           NULL};
#undef CT

static const struct xml_shape shapes[] = {
    {"EDXL-RM 1.0", "RequestResource", EDXL_RM_MSG_NS, repeated, common_types},
    {"EDXL-RM 1.0", "ResponseToRequestResource", EDXL_RM_MSG_NS, repeated, common_types},
    {"EDXL-RM 1.0", "CommitResource", EDXL_RM_MSG_NS, repeated, common_types},
};

static const struct xml_shape *shape_of(const char *root)
{
    for (size_t i = 0; root && i < sizeof(shapes) / sizeof(shapes[0]); i++)
        if (!strcmp(shapes[i].root, root))
            return &shapes[i];
    return NULL;
}

struct xml_schema *edxl_rm_schema_open(char *err, size_t errlen)
{
    const struct xml_xsd docs[] = {
        {"edxl-rm-1.0-msg.xsd", edxl_rm_msg_xsd, edxl_rm_msg_xsd_len},
        {"edxl-rm-1.0-ct.xsd", edxl_rm_ct_xsd, edxl_rm_ct_xsd_len},
    };
    return xml_schema_open_set(docs, 2, err, errlen);
}

/* The elements whose content is another standard's (CIQ, GML), accepted
 * unchecked by the schema: not part of the canonical JSON. */
static const char *const foreign[] = {"AdditionalContactInformation", "ResponsibleParty", "Address",
                                      "TargetArea", NULL};

static void drop_foreign(json_t *v)
{
    size_t i;
    json_t *item;
    if (json_is_array(v))
        json_array_foreach(v, i, item) drop_foreign(item);
    if (!json_is_object(v))
        return;
    for (i = 0; foreign[i]; i++)
        json_object_del(v, foreign[i]);
    const char *key;
    json_object_foreach(v, key, item) drop_foreign(item);
}

int edxl_rm_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
                 size_t errlen)
{
    xmlDocPtr doc = NULL;
    *out = NULL;
    int rc = xml_parse(buf, len, &doc, err, errlen);
    if (rc != 0)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const struct xml_shape *shape = shape_of(root ? (const char *)root->name : NULL);
    if (!shape) {
        snprintf(err, errlen,
                 "/%.60s: the document is not an EDXL-RM 1.0 message muster reads "
                 "(RequestResource, ResponseToRequestResource or CommitResource)",
                 root ? (const char *)root->name : "");
        rc = -EINVAL;
    } else {
        rc = xml_read_doc(schema, shape, doc, out, err, errlen);
        drop_foreign(*out);
    }
    xmlFreeDoc(doc);
    return rc;
}

char *edxl_rm_write(const json_t *msg, size_t *len)
{
    const struct xml_shape *shape =
        shape_of(json_string_value(json_object_get(msg, "MessageContentType")));
    return shape ? xml_write(shape, msg, len) : NULL;
}

void edxl_rm_ask_id(char *buf, size_t len, const char *ref, int64_t ask_id)
{
    snprintf(buf, len, "muster:%s:ask:%" PRId64, ref, ask_id);
}

int edxl_rm_ask_parse(const char *id, char *ref, size_t reflen, int64_t *ask_id)
{
    const char *r = id && !strncmp(id, "muster:", 7) ? id + 7 : NULL;
    const char *sep = r ? strstr(r, ":ask:") : NULL;
    if (!sep || sep == r || (size_t)(sep - r) >= reflen)
        return 0;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(sep + 5, &end, 10);
    if (errno || n <= 0 || *end || end == sep + 5 || sep[5] == '+' || sep[5] == '-')
        return 0;
    memcpy(ref, r, (size_t)(sep - r));
    ref[sep - r] = '\0';
    *ask_id = n;
    return 1;
}

int edxl_rm_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, oh, om, used = 0;
    char sign;
    /* xs:dateTime's whitespace is collapsed: around the value it is not
     * part of it; and 24:00:00 is the end of the day (timegm carries it) */
    if (!s ||
        sscanf(s, " %4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &sign, &oh,
               &om, &used) != 9 ||
        s[used + strspn(s + used, " \t\r\n")] || (sign != '+' && sign != '-') || mo < 1 ||
        mo > 12 || d < 1 || d > 31 || h > 24 || (h == 24 && (mi || sec)) || mi > 59 || sec > 60 ||
        oh > 23 || om > 59)
        return -EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    int64_t t = (int64_t)timegm(&tm), off = (int64_t)(oh * 60 + om) * 60;
    *ms = (t - (sign == '+' ? off : -off)) * 1000;
    return 0;
}

void edxl_rm_time_format(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static json_t *value_list(const char *urn, const char *value)
{
    return json_pack("{s:s, s:[s]}", "ValueListURN", urn, "Value", value);
}

/* One ScheduleInformation: type, the time, the reporting location. */
static json_t *schedule(const char *type, int64_t ms, const struct edxl_rm_ask *a, int where)
{
    char when[40];
    edxl_rm_time_format(ms, when, sizeof(when));
    json_t *s = json_pack("{s:s, s:s}", "ScheduleType", type, "DateTime", when);
    if (where) {
        char place[700];
        snprintf(place, sizeof(place), "%.300s%s%.380s", a->hub_name, a->hub_address ? ", " : "",
                 a->hub_address ? a->hub_address : "");
        json_object_set_new(s, "Location", json_pack("{s:s}", "LocationDescription", place));
    }
    return s;
}

static json_t *resource_information(const struct edxl_rm_ask *a)
{
    char urn[120], function[300], amount[16];
    snprintf(urn, sizeof(urn), "urn:muster:plan:%.80s:roles", a->plan_id);
    snprintf(function, sizeof(function), "%.200s at the %.80s shift", a->role_name, a->shift_name);
    snprintf(amount, sizeof(amount), "%d", a->quantity);
    return json_pack("{s:s, s:{s:s, s:o}, s:{s:{s:{s:s}}, s:s}, s:[o, o, o]}",
                     "ResourceInfoElementID", "1", "Resource", "Name", a->role_name,
                     "TypeStructure", value_list(urn, a->role_id), "AssignmentInformation",
                     "Quantity", "MeasuredQuantity", "Amount", amount, "AnticipatedFunction",
                     function, "ScheduleInformation",
                     schedule("RequestedArrival", a->starts_ms, a, 0),
                     schedule("RequestedReturnDeparture", a->ends_ms, a, 0),
                     schedule("ReportTo", a->starts_ms, a, 1));
}

json_t *edxl_rm_request(const struct edxl_rm_ask *a)
{
    char sent[40], desc[600], contact[400];
    const char *mark = a->exercise ? "EXERCISE EXERCISE EXERCISE: " : "";
    edxl_rm_time_format(a->sent_ms, sent, sizeof(sent));
    snprintf(desc, sizeof(desc), "%sincident %.40s asks %.200s for %d x %.200s", mark,
             a->incident_ref, a->agency_name, a->quantity, a->role_name);
    snprintf(contact, sizeof(contact), "%s%.300s duty manager", mark, a->hub_name);
    char incident[300];
    snprintf(incident, sizeof(incident), "%s%.200s", mark,
             a->operation ? a->operation : a->incident_ref);
    return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:[o]}", "MessageID",
                     a->message_id, "SentDateTime", sent, "MessageContentType", "RequestResource",
                     "MessageDescription", desc, "IncidentInformation", "IncidentDescription",
                     incident, "IncidentID", a->incident_ref, "ContactInformation",
                     "ContactDescription", contact, "ContactRole", "Requester",
                     "ResourceInformation", resource_information(a));
}
