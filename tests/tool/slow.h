/*
 * tests/tool/slow.h - the deadline scale of the test tools: every bound on
 * waiting (a reply, a handshake, a stall) is multiplied by MUSTER_SLOW,
 * the factor tests/blackbox/lib.sh sets for a loaded machine or for
 * valgrind.  A deadline here is a bound on waiting for a condition, never
 * a measured time, so a bigger one only makes a failing run slower.
 */
#ifndef MUSTER_TOOL_SLOW_H
#define MUSTER_TOOL_SLOW_H

#include <limits.h>
#include <stdlib.h>

/* ms times MUSTER_SLOW (1 when unset or not a number >= 1), capped at
 * INT_MAX. */
static inline int tool_scaled_ms(int ms)
{
    const char *v = getenv("MUSTER_SLOW");
    long slow = v ? strtol(v, NULL, 10) : 1;
    if (slow < 1)
        slow = 1;
    long long scaled = (long long)ms * slow;
    return scaled > INT_MAX ? INT_MAX : (int)scaled;
}

#endif
