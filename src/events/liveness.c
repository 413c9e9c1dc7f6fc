/*
 * liveness.c - the heartbeat of the monitored (worker) thread and the stall
 * detector run by the event thread (abi.md 4.4).
 *
 * Design notes:
 *  - beat is the only shared field: any thread bumps it with a relaxed
 *    increment; the event thread reads it relaxed. Only "did it change"
 *    matters, so no ordering with other memory is needed.
 *  - Everything else (last seen value, time of the last change, stalled
 *    flag) is owned by the event thread and touched by nothing else.
 *  - not_responding is emitted once per stall: when, after the start-up
 *    grace, beat has not changed for stall_ms. responding is emitted once
 *    when beat changes again after a not_responding. Both are dispatched
 *    in-thread (never queued), so a full queue cannot hold them back; they
 *    are checked between deliveries, so a listener that blocks the event
 *    thread delays them.
 */
#include <time.h>

#include "events/events_internal.h"

uint64_t ffirt__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ffirt_events_beat(ffirt_events *ev) {
  if (ev) atomic_fetch_add_explicit(&ev->beat, 1, memory_order_relaxed);
}

void ffirt__liveness_init(ffirt_events *ev, uint64_t now_ns) {
  ev->live_last_beat = 0;
  ev->live_last_change_ns = now_ns;
  ev->live_start_ns = now_ns;
  ev->live_stalled = 0;
}

void ffirt__liveness_check(ffirt_events *ev, uint64_t now_ns) {
  if (!ev->cfg.stall_ms) return;
  uint64_t b = atomic_load_explicit(&ev->beat, memory_order_relaxed);
  if (b != ev->live_last_beat) {
    ev->live_last_beat = b;
    ev->live_last_change_ns = now_ns;
    if (ev->live_stalled) {
      ev->live_stalled = 0;
      (void)ffirt__events_dispatch(ev, &ffirt_event_responding, NULL);
    }
    return;
  }
  if (ev->live_stalled) return;
  uint64_t grace = (uint64_t)ev->cfg.liveness_grace_ms * 1000000ull;
  uint64_t stall = (uint64_t)ev->cfg.stall_ms * 1000000ull;
  if (now_ns - ev->live_start_ns >= grace && now_ns - ev->live_last_change_ns >= stall) {
    ev->live_stalled = 1;
    (void)ffirt__events_dispatch(ev, &ffirt_event_not_responding, NULL);
  }
}
