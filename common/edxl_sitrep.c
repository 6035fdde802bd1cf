/*
 * common/edxl_sitrep.c - OASIS EDXL-SitRep 1.0 in and out
 * (edxl_sitrep.h): the SitRep shape of the canonical JSON (xml_json.c)
 * and its schema, which spans the SitRep and EDXL-CT namespaces.
 */
#include "edxl_sitrep.h"

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

struct xml_schema *sitrep_schema_open(char *err, size_t errlen)
{
    const struct xml_xsd docs[] = {
        {"edxl-sitrep-1.0.xsd", sitrep_xsd, sitrep_xsd_len},
        {"edxl-ct-1.0-sitrep.xsd", sitrep_ct_xsd, sitrep_ct_xsd_len},
    };
    return xml_schema_open_set(docs, 2, err, errlen);
}

int sitrep_read(struct xml_schema *schema, const char *buf, size_t len, json_t **out, char *err,
                size_t errlen)
{
    return xml_read(schema, &shape, buf, len, out, err, errlen);
}

char *sitrep_write(const json_t *sitrep, size_t *len)
{
    return xml_write(&shape, sitrep, len);
}
