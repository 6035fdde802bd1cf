/*
 * daemon/family.h - families and a single point of contact: persons of an
 * incident linked into a family or household (one family a person), a
 * person's status (alive, missing, deceased), the bereaved links between a
 * deceased person and their family, and the family liaison officer (a
 * keyring person's name) through whom alone a family is contacted.
 * Owns the tables families, family_members and bereavements, and the
 * persons.status column (persons.c owns the rest of the row).
 */
#ifndef MUSTER_FAMILY_H
#define MUSTER_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "incident.h"
#include "keys.h"

struct muster;
struct outbox;
struct person_ref;

/* A family as a request finds it. */
struct family {
    int64_t id, incident_id;
    char ref[INCIDENT_REF_MAX];        /* of its incident */
    char liaison[KEYS_PERSON_MAX + 1]; /* the liaison's name, "" when none */
    bool closed;                       /* its incident is closed */
};

/* Family id into f: 1 found, 0 none, or -errno. */
int family_get(struct muster *m, int64_t id, struct family *f);

/* A new family of incident_id made by `by` (the actor): *id.  0 or -errno. */
int family_create(struct muster *m, int64_t incident_id, const char *by, int64_t now, int64_t *id);

/* The family person belongs to: 1 with *family set, 0 none, or -errno. */
int family_of(struct muster *m, int64_t person, int64_t *family);

/* Inside a transaction: person joins family f (the caller checked it is
 * of f's incident and in no family).  The bereaved links follow: person
 * is bereaved of each deceased member, and each member of person if
 * person is deceased.  0 or -errno. */
int family_add(struct muster *m, const struct family *f, int64_t person, int64_t now);

/* Family id's liaison becomes liaison (NULL: none).  0 or -errno. */
int family_liaison_set(struct muster *m, int64_t id, const char *liaison);

/* The liaison of person's family: 1 with liaison (KEYS_PERSON_MAX + 1
 * bytes) and *family set, 0 when person has none, or -errno. */
int family_liaison_of(struct muster *m, int64_t person, char *liaison, int64_t *family);

/* Whether the keyring person `who` is the liaison of person's family:
 * 1 or 0, or -errno. */
int family_is_liaison(struct muster *m, int64_t person, const char *who);

/* Family f's members as agency (NULL: the Hub) may see them, each
 * {"person", "name", "category", "status", "contact_state",
 * "bereaved_of"}: the Hub and the family's liaison (all_members) every
 * member, an agency only those persons_access finds for it.  *out is the
 * caller's.  0 or -errno. */
int family_members_json(struct muster *m, const struct family *f, const char *agency,
                        bool all_members, json_t **out);

/* Person's family facts for the Hub's person.show, set on r: "family"
 * (id or null), "liaison" (name or null), "bereaved_of" (ids).  0 or
 * -errno. */
int family_person_json(struct muster *m, int64_t person, json_t *r);

/* Person's status (alive, missing, deceased) into status (16 bytes).
 * 0 or -errno. */
int family_status_of(struct muster *m, int64_t person, char *status);

/* Inside a transaction: person p's status becomes status (from old).
 * Deceased: their open referral is closed ("deceased"), their pending and
 * due re-screens cancelled, and every other family member is bereaved of
 * them.  Leaving deceased (a correction): the bereaved links to them go
 * and they are routed again.  The board's status/<status> counts and a
 * person.status event (with note, NULL: none) follow.  0 or -errno. */
int family_status_set(struct muster *m, struct outbox *ob, const struct person_ref *p,
                      const char *old, const char *status, const char *note, int64_t now);

#endif
