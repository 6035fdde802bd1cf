/*
 * clients/web/limiter.h - failed sign-ins counted per account and per
 * address over a sliding window: past the limit, sign-in is refused
 * (HTTP 429 with Retry-After) without checking the password, so that
 * guessing costs the guesser time and the gateway no argon2id work.
 * Thread-safe; a bounded table (the oldest key gives way).
 */
#ifndef MUSTER_WEB_LIMITER_H
#define MUSTER_WEB_LIMITER_H

#include <stdint.h>

#define LIMIT_USER_FAILS 5  /* per account */
#define LIMIT_ADDR_FAILS 20 /* per address */
#define LIMIT_WINDOW_MS (15 * 60 * 1000)

struct limiter;

struct limiter *limiter_open(void);
void limiter_free(struct limiter *l);

/* 0 when key may try, else how many ms until it may (its max failures
 * in the window are used up). */
int64_t limiter_wait(struct limiter *l, const char *key, int max, int64_t now);

/* Count a failure of key; forget key's failures (a success). */
void limiter_fail(struct limiter *l, const char *key, int64_t now);
void limiter_clear(struct limiter *l, const char *key);

#endif
