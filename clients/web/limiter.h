/*
 * clients/web/limiter.h - events counted per key over a sliding window.
 * Failed sign-ins per account and per address: past the limit, sign-in is
 * refused (HTTP 429 with Retry-After) without checking the password, so
 * that guessing costs the guesser time and the gateway no argon2id work.
 * The public self-registration form uses two more: submissions per address
 * and submissions per second from everyone (public.h).
 * Thread-safe; a bounded table (the oldest key gives way).
 */
#ifndef MUSTER_WEB_LIMITER_H
#define MUSTER_WEB_LIMITER_H

#include <stdint.h>

#define LIMIT_USER_FAILS 5  /* per account */
#define LIMIT_ADDR_FAILS 20 /* per address */
#define LIMIT_WINDOW_MS (15 * 60 * 1000)
#define LIMIT_MAX 20 /* no limit may be higher */

struct limiter;

/* A limiter counting over the last window_ms. */
struct limiter *limiter_open(int64_t window_ms);
void limiter_free(struct limiter *l);

/* 0 when key may try, else how many ms until it may (its max failures
 * in the window are used up). */
int64_t limiter_wait(struct limiter *l, const char *key, int max, int64_t now);

/* Count a failure (an event) of key; forget key's failures (a success). */
void limiter_fail(struct limiter *l, const char *key, int64_t now);
void limiter_clear(struct limiter *l, const char *key);

#endif
