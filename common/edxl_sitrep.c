/*
 * common/edxl_sitrep.c - OASIS EDXL-SitRep 1.0 in and out
 * (edxl_sitrep.h): the SitRep shape of the canonical JSON (xml_json.c)
 * and its schema, which spans the SitRep and EDXL-CT namespaces.
 */
#include "edxl_sitrep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "xml.h"

/* The elements the schema lets repeat: arrays in the JSON. */
static const char *const repeated[] = {"IncidentID",
                                       "IncidentLifecyclePhase",
                                       "PrecedingMessageID",
                                       "CasualtyAndIllnessCount",
                                       "ResourceTotal",
                                       "PlannedAction",
                                       NULL};

/* The elements of EDXL-CT muster reads and writes. */
static const char *const elsewhere[] = {"PersonDetails",    EDXL_CT_NS, "PersonName", EDXL_CT_NS,
                                        "OrganisationName", EDXL_CT_NS, NULL};

static const struct xml_shape shape = {"EDXL-SitRep 1.0", "SitRep", SITREP_NS, repeated, elsewhere};

/* A count the schema checked (a nonNegativeInteger's text), at most
 * 10^12 (so that a sum of them cannot overflow). */
static long long count_of(const json_t *o, const char *name)
{
    const char *v = json_string_value(json_object_get(o, name));
    long long n = v ? strtoll(v, NULL, 10) : 0;
    return n < 0 ? 0 : n > 1000000000000LL ? 1000000000000LL : n;
}

#define MRS "/SitRep/ManagementReportingSummary"

/* What the schema cannot say: the categories add up to no more than the
 * total; no role is shorter than what was asked for. */
static int sitrep_check(const json_t *s, char *err, size_t errlen)
{
    const json_t *mrs = json_object_get(s, "ManagementReportingSummary");
    const json_t *cas = json_object_get(mrs, "CasualtyAndIllnessSummary"), *v;
    long long sum = 0, total = count_of(cas, "TotalCount");
    size_t i;
    json_array_foreach(json_object_get(cas, "CasualtyAndIllnessCount"), i, v)
    {
        sum += count_of(v, "Count");
    }
    if (sum > total) {
        snprintf(err, errlen,
                 MRS "/CasualtyAndIllnessSummary/TotalCount: %lld is less than the sum of"
                     " the categories' counts (%lld)",
                 total, sum);
        return -EINVAL;
    }
    json_t *res = json_object_get(json_object_get(mrs, "ResponseResourcesTotals"), "ResourceTotal");
    json_array_foreach(res, i, v)
    {
        if (count_of(v, "Short") <= count_of(v, "Requested"))
            continue;
        snprintf(err, errlen,
                 MRS "/ResponseResourcesTotals/ResourceTotal[%zu]/Short: more short than"
                     " requested",
                 i + 1);
        return -EINVAL;
    }
    return 0;
}

int sitrep_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
                size_t errlen)
{
    int rc = xml_read(schema, &shape, buf, len, out, err, errlen);
    if (rc == 0 && (rc = sitrep_check(*out, err, errlen)) != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

char *sitrep_write(const json_t *sitrep, size_t *len)
{
    return xml_write(&shape, sitrep, len);
}
