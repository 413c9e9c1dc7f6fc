/*
 * clock.h - absolute deadlines for the timed waits of the runtime and the
 * remote client (internal; header only).
 *
 * Design notes:
 *  - ffirt__mono_ns/_ms read CLOCK_MONOTONIC, for intervals and deadlines
 *    that wall-clock changes must not move.
 *  - pthread_cond_timedwait takes an absolute time on the condition's clock
 *    (CLOCK_MONOTONIC where the condattr says so, else CLOCK_REALTIME):
 *    the caller names the clock, this adds the milliseconds and carries.
 */
#ifndef FFIRT_COMMON_CLOCK_H
#define FFIRT_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC now, in nanoseconds and in milliseconds. Any thread. */
static inline int64_t ffirt__mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t ffirt__mono_ms(void) { return ffirt__mono_ns() / 1000000; }

/* Now on `clock`, plus ms. Any thread. */
static inline struct timespec ffirt__deadline(clockid_t clock, uint32_t ms) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  ts.tv_sec += (time_t)(ms / 1000u);
  ts.tv_nsec += (long)(ms % 1000u) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

#endif /* FFIRT_COMMON_CLOCK_H */
