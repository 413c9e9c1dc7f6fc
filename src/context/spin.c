/*
 * spin.c - the adaptive, bounded spin of the worker and the event thread.
 *
 * Design notes: see spin.h (policy, ownership). Memory orders: g_spinning
 * is a count only (relaxed); the work itself is published and checked by
 * the caller's ready() with the orders of its own queue.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "context/spin.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#define PAUSE_NS 2000u               /* pause-loop phase, then sched_yield between checks */
#define PREEMPT_NS 50000u            /* a gap this long between two checks: descheduled */
#define BACKOFF_MIN_NS 10000000ull   /* no spinning for 10 ms after a preemption, */
#define BACKOFF_MAX_NS 1000000000ull /* doubling up to 1 s while preemptions repeat */
#define INITIAL_AVG_NS 20000u        /* before anything was learnt */
#define SAMPLE_CAP_FACTOR 4u         /* samples are capped at 4x the maximum budget */
#define AVG_SHIFT 3                  /* moving average weight 1/8 */

static _Atomic int g_spinning; /* threads spinning now, process-wide */
static _Atomic int g_slots = -1;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("pause");
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

uint64_t ffirt__spin_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ffirt__spin_slots(void) {
  int n = atomic_load_explicit(&g_slots, memory_order_relaxed);
  if (n >= 0) return n;
  int cpus = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
  if (cpus <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    cpus = c > 0 ? (int)c : 1;
  }
  n = cpus - 1;
  atomic_store_explicit(&g_slots, n, memory_order_relaxed);
  return n;
}

void ffirt__spinner_init(ffirt__spinner *s) {
  s->avg_ns = INITIAL_AVG_NS;
  s->max_ns = 0;
  s->backoff_until = 0;
  s->backoff_ns = BACKOFF_MIN_NS;
}

static void learn(ffirt__spinner *s, uint64_t waited) {
  uint64_t cap = s->max_ns ? s->max_ns * SAMPLE_CAP_FACTOR : INITIAL_AVG_NS * SAMPLE_CAP_FACTOR;
  if (waited > cap) waited = cap;
  /* avg += (waited - avg) / 8, in unsigned arithmetic */
  if (waited >= s->avg_ns)
    s->avg_ns += (waited - s->avg_ns) >> AVG_SHIFT;
  else
    s->avg_ns -= (s->avg_ns - waited) >> AVG_SHIFT;
}

void ffirt__spin_done(ffirt__spinner *s, uint64_t t0) { learn(s, ffirt__spin_now_ns() - t0); }

int ffirt__spin(ffirt__spinner *s, uint64_t max_ns, ffirt__spin_ready_fn ready,
                ffirt__spin_poll_fn poll, void *arg, uint64_t *t0p) {
  uint64_t t0 = ffirt__spin_now_ns();
  *t0p = t0;
  s->max_ns = max_ns;
  if (max_ns == 0) return 0;
  if (t0 < s->backoff_until) return 0;
  if (s->avg_ns > max_ns) return 0; /* recent waits were longer than any spin */
  uint64_t budget = 2 * s->avg_ns + PAUSE_NS;
  if (budget > max_ns) budget = max_ns;
  int slots = ffirt__spin_slots();
  if (atomic_fetch_add_explicit(&g_spinning, 1, memory_order_relaxed) >= slots) {
    atomic_fetch_sub_explicit(&g_spinning, 1, memory_order_relaxed);
    return 0;
  }
  uint64_t t = t0, last = t0;
  int got = 0, preempted = 0;
  for (unsigned i = 1;; i++) {
    if (ready(arg)) {
      got = 1;
      break;
    }
    if (t - t0 < PAUSE_NS) {
      cpu_relax();
      if (i % 16) continue;
    } else {
      sched_yield();
    }
    t = ffirt__spin_now_ns();
    if (t - last > PREEMPT_NS) {
      /* Someone else wanted this core: the machine is oversubscribed. Stay
       * off it for a while, longer each time it happens again. */
      s->backoff_until = t + s->backoff_ns;
      s->backoff_ns = s->backoff_ns >= BACKOFF_MAX_NS / 2 ? BACKOFF_MAX_NS : s->backoff_ns * 2;
      preempted = 1;
      break;
    }
    last = t;
    if (t - t0 >= budget) break;
    if (poll) poll(arg);
  }
  atomic_fetch_sub_explicit(&g_spinning, 1, memory_order_relaxed);
  if (!preempted) s->backoff_ns = BACKOFF_MIN_NS; /* a clean spin: forgive */
  if (got) learn(s, ffirt__spin_now_ns() - t0);
  return got;
}

void ffirt__futex_wait(_Atomic int *addr, int val, uint64_t timeout_ns) {
  struct timespec ts, *tp = NULL;
  if (timeout_ns) {
    ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
    ts.tv_nsec = (long)(timeout_ns % 1000000000u);
    tp = &ts;
  }
  /* Relative timeout; the word is compared by the kernel atomically. */
  syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, val, tp, NULL, 0);
}

void ffirt__futex_wake(_Atomic int *addr, int n) {
  syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}
