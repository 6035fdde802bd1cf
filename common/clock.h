/*
 * common/clock.h - milliseconds from the system clocks.
 *
 * clock_real_ms is wall time since the epoch (what records and the board
 * show); clock_mono_ms never jumps and is for timeouts and rates.
 */
#ifndef MUSTER_CLOCK_H
#define MUSTER_CLOCK_H

#include <stdint.h>

int64_t clock_real_ms(void);
int64_t clock_mono_ms(void);

#endif
