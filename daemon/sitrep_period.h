/*
 * daemon/sitrep_period.h - periodic EDXL-SitReps (docs/interop.md): while
 * an incident whose frozen plan has a sitrep section is active, one SitRep
 * each period from the standup, to every ladder the section names, as a
 * notice (paging.h) of kind "sitrep" numbered by its period: delivered
 * through the ladder's channels with their retries, once per period.
 */
#ifndef MUSTER_SITREP_PERIOD_H
#define MUSTER_SITREP_PERIOD_H

struct muster;
struct outbox;
struct sitrep_period;

/* Start the timer, and send at once what the current period owes (a
 * period that ended while musterd was down).  Returns 0 or -errno. */
int sitrep_period_open(struct muster *m, struct sitrep_period **out);
void sitrep_period_close(struct sitrep_period *p);
void sitrep_period_free(struct sitrep_period *p);

/* After the batch commits (a standup), look again for the next period. */
int sitrep_period_after_commit(struct muster *m, struct outbox *ob);

#endif
