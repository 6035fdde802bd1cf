/*
 * daemon/sitrep.h - the EDXL-SitRep 1.0 of an incident (docs/interop.md):
 * the board's counts, as duty managers see them, written as a SitRep
 * management summary: the situation, affected persons by category, staff
 * asked for, committed and short per role, and the actions outstanding.
 * Counts only: a SitRep never carries a name or a contact detail.
 */
#ifndef MUSTER_SITREP_H
#define MUSTER_SITREP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct muster;
struct xml_schema;
struct plan;

/* What a SitRep is numbered and stamped with. */
struct sitrep_stamp {
    int number;       /* ReportNumber, from 1 */
    int64_t from, to; /* ForTimePeriod, ms since the epoch */
    int64_t next;     /* NextContact, 0 for none */
};

/* The canonical JSON of the SitRep of the incident whose board snapshot
 * (board_snapshot) is board, under its frozen plan (NULL: no staffing
 * roles), stamped st, written at now (ms): a new reference. */
json_t *sitrep_json(json_t *board, const struct plan *plan, const struct sitrep_stamp *st,
                    int64_t now);

/* The canonical JSON of incident id's SitRep (edxl_sitrep.h), built from
 * its board snapshot: 0 with *out (new reference), -ENOENT, or -errno
 * when the store could not be read. */
int sitrep_build(struct muster *m, int64_t incident_id, const struct sitrep_stamp *st,
                 json_t **out);

/* Compile the built-in SitRep schema with its EDXL-CT import (one set,
 * nothing read from disk): the schema (xml_schema_free), or NULL with err
 * set. */
struct xml_schema *sitrep_schema_open(char *err, size_t errlen);

/* The same written as a document and checked against the built-in
 * schema: 0 with *xml (malloc'd), or -errno (-EPROTO: the document
 * failed the schema, a bug, logged). */
int sitrep_document(struct muster *m, int64_t incident_id, const struct sitrep_stamp *st,
                    char **xml);

#endif
