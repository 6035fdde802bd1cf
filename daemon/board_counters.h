/*
 * daemon/board_counters.h - the board's counters kept for the open
 * transaction and written just before it commits (board_counters.c);
 * board_add and board_add2 (board.h) move them.
 */
#ifndef MUSTER_BOARD_COUNTERS_H
#define MUSTER_BOARD_COUNTERS_H

#include <stdint.h>

#include <jansson.h>

struct store;

/* Set in board (a snapshot read from the board table) the values of
 * incident_id's counters moved in the open transaction and not yet
 * written. */
void board_counters_pending(struct store *st, int64_t incident_id, json_t *board);

#endif
