/*
 * daemon/paging_int.h - private to the paging*.c files: the engine's state
 * and the calls between the ladder (paging.c) and the deliveries with
 * their results (paging_deliver.c).
 *
 * Neither half keeps a copy of a frozen plan: each reads the typed plan
 * from frozen_plan() when it needs it, and a delivery copies the strings it
 * carries past the commit.
 */
#ifndef MUSTER_PAGING_INT_H
#define MUSTER_PAGING_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "keys.h"

#define PAGING_TICK_BATCH 1024 /* above the 500 agencies a plan may have: one tick pages all */

struct channels;
struct muster;
struct outbox;

/* An agency listening over its own authenticated connection. */
struct paging_session {
    char agency[48];
    char key[KEYS_Z85_LEN + 1]; /* the key that opened the listener's connection */
    unsigned char route[256];
    size_t route_len;
    int64_t seen;
};

struct paging {
    struct muster *m;
    uv_timer_t timer;
    struct channels *channels;
    struct paging_session *sessions; /* sorted by agency id */
    size_t nsessions, capsessions;
    bool tick_queued, rearm_queued;
    int64_t public_seq; /* ids of the public door's messages (paging_public.c) */
};

/* Inside a transaction: a new page of agency_id for the incident (a call
 * for staff when ask_id > 0), its first step due at next_at.  0 or
 * -errno. */
int paging__page_insert(struct muster *m, int64_t incident_id, const char *agency_id,
                        int64_t ask_id, int64_t next_at, int64_t now);

/* The agency's live listener session at now (borrowed), or NULL. */
struct paging_session *paging__session_find(struct paging *p, const char *agency, int64_t now);

/* Forget a session whose connection is gone. */
void paging__session_end(struct paging *p, struct paging_session *s);

/* Inside a transaction: build the delivery of attempt id from the database
 * and the frozen plan, and hand it to its channel once the transaction
 * commits.  Returns 0, -ENOENT when the attempt or its plan entry is gone,
 * or -errno. */
int paging__deliver_after_commit(struct paging *p, struct outbox *ob, int64_t id);

/* Notice page_id ran out of ladder (paging_notice.c): its event, and the
 * alarm of an urgent one.  0 or -errno. */
int paging__notice_unreachable(struct muster *m, struct outbox *ob, int64_t page_id,
                               int64_t incident_id, const char *ref, const char *agency, int steps,
                               int64_t now);

/* Raise the alarm of every urgent notice past its time to acknowledge.
 * 0 or -errno. */
int paging__notices_overdue(struct muster *m, struct outbox *ob, int64_t now);

#endif
