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
 *  - idle is written by the monitored thread (ffirt_events_idle) and read
 *    by the event thread, both seq_cst: it is half of the Dekker handshake
 *    that lets the event thread park without a clock (thread.c park():
 *    store sleeping = DEEP, then load idle; here: store idle = 0, then load
 *    sleeping and wake a deep sleeper). Either the event thread sees the
 *    thread busy and keeps its tick, or the thread sees the deep park and
 *    wakes it, so a thread that stops being idle is always watched.
 *  - An idle thread is waiting for work, not stuck: a check that finds it
 *    idle counts as progress, and so does the first check after one that
 *    found it idle (its stall, if any, began after that check). IDLE_CHECKS such checks in a row
 * without a beat let the event thread park without a clock (hysteresis: a context that gets a call
 * every second never pays the extra wake-up).
 *  - not_responding is emitted once per stall: when, after the start-up
 *    grace, beat has not changed for stall_ms. responding is emitted once
 *    when beat changes again after a not_responding. Both are dispatched
 *    in-thread (never queued), so a full queue cannot hold them back; they
 *    are checked between deliveries, so a listener that blocks the event
 *    thread delays them.
 */
#include <time.h>

#include "events/events_internal.h"

#define IDLE_CHECKS 4

uint64_t ffirt__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ffirt_events_beat(ffirt_events *ev) {
  if (ev) atomic_fetch_add_explicit(&ev->beat, 1, memory_order_relaxed);
}

void ffirt__liveness_init(ffirt_events *ev, uint64_t now_ns) {
  atomic_init(&ev->idle, 0);
  ev->idle_checks = 0;
  ev->live_last_beat = 0;
  ev->live_last_change_ns = now_ns;
  ev->live_start_ns = now_ns;
  ev->live_stalled = 0;
}

void ffirt_events_idle(ffirt_events *ev, int idle) {
  if (!ev) return;
  /* seq_cst: see the design notes (Dekker with park's store of sleeping). */
  atomic_store_explicit(&ev->idle, idle ? 1 : 0, memory_order_seq_cst);
  if (!idle && atomic_load_explicit(&ev->sleeping, memory_order_seq_cst) == FFIRT__EV_PARK_DEEP &&
      atomic_exchange_explicit(&ev->sleeping, 0, memory_order_seq_cst) != 0)
    ffirt__futex_wake(&ev->sleeping, 1);
}

int ffirt__liveness_may_sleep(ffirt_events *ev) {
  return !ev->cfg.stall_ms || ev->idle_checks >= IDLE_CHECKS;
}

void ffirt__liveness_check(ffirt_events *ev, uint64_t now_ns) {
  if (!ev->cfg.stall_ms) return;
  uint64_t b = atomic_load_explicit(&ev->beat, memory_order_relaxed);
  /* seq_cst: pairs with ffirt_events_idle's store (see the notes). */
  int idle = atomic_load_explicit(&ev->idle, memory_order_seq_cst);
  /* The previous check saw it idle: it left idle since then (maybe after a
   * long clockless park), so its stall cannot have begun before now. */
  int was_idle = ev->idle_checks > 0;
  if (idle && b == ev->live_last_beat) {
    if (ev->idle_checks < IDLE_CHECKS) ev->idle_checks++;
  } else {
    ev->idle_checks = 0;
  }
  if (b != ev->live_last_beat || idle || was_idle) {
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
