/*
 * test_spin.c - the spin policy shared by the worker and the event thread
 * (src/context/spin.h): it spins only while recent waits were short enough
 * for a spin to catch the work, stops as soon as the work is there, and
 * after it finds itself preempted it does not spin at all for a while.
 * Counted in calls of the ready() check, not in time, so load on the
 * machine cannot change the outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "context/spin.h"

#define MAX_NS 50000u

typedef struct probe {
  int calls;      /* ready() calls */
  int ready_at;   /* ready() returns 1 from this call on (0: never) */
  int sleep_once; /* poll() sleeps 2 ms the first time */
} probe;

static int ready(void *p) {
  probe *x = p;
  x->calls++;
  return x->ready_at && x->calls >= x->ready_at;
}

static void poll_cb(void *p) {
  probe *x = p;
  if (x->sleep_once) {
    x->sleep_once = 0;
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL); /* what a preemption looks like to the spinner */
  }
}

static void spin_stops_when_the_work_is_there(void **state) {
  (void)state;
  if (ffirt__spin_slots() == 0) skip(); /* one CPU: never spins */
  ffirt__spinner s;
  ffirt__spinner_init(&s);
  probe p = {0, 3, 0};
  uint64_t t0;
  assert_int_equal(ffirt__spin(&s, MAX_NS, ready, NULL, &p, &t0), 1);
  assert_int_equal(p.calls, 3);
}

static void zero_maximum_never_spins(void **state) {
  (void)state;
  ffirt__spinner s;
  ffirt__spinner_init(&s);
  probe p = {0, 1, 0};
  uint64_t t0;
  assert_int_equal(ffirt__spin(&s, 0, ready, NULL, &p, &t0), 0);
  assert_int_equal(p.calls, 0);
}

static void long_waits_turn_spinning_off_and_short_ones_back_on(void **state) {
  (void)state;
  if (ffirt__spin_slots() == 0) skip();
  ffirt__spinner s;
  ffirt__spinner_init(&s);
  uint64_t t0;
  probe p = {0, 0, 0};
  /* waits of 1 ms (the work came long after any spin would have ended) */
  for (int i = 0; i < 50; i++) {
    ffirt__spin_done(&s, ffirt__spin_now_ns() - 1000000u);
  }
  assert_int_equal(ffirt__spin(&s, MAX_NS, ready, NULL, &p, &t0), 0);
  assert_int_equal(p.calls, 0); /* did not spin at all */
  /* then waits of 1 us: spinning pays again */
  for (int i = 0; i < 100; i++)
    ffirt__spin_done(&s, ffirt__spin_now_ns() - 1000u);
  p.ready_at = 2;
  assert_int_equal(ffirt__spin(&s, MAX_NS, ready, NULL, &p, &t0), 1);
  assert_int_equal(p.calls, 2);
}

static void a_preempted_spin_backs_off(void **state) {
  (void)state;
  if (ffirt__spin_slots() == 0) skip();
  ffirt__spinner s;
  ffirt__spinner_init(&s);
  uint64_t t0;
  probe p = {0, 0, 1};
  assert_int_equal(ffirt__spin(&s, MAX_NS, ready, poll_cb, &p, &t0), 0);
  assert_true(p.calls > 0);
  /* backing off: the next waits park at once without a single check */
  p.calls = 0;
  p.ready_at = 1;
  assert_int_equal(ffirt__spin(&s, MAX_NS, ready, NULL, &p, &t0), 0);
  assert_int_equal(p.calls, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(spin_stops_when_the_work_is_there),
      cmocka_unit_test(zero_maximum_never_spins),
      cmocka_unit_test(long_waits_turn_spinning_off_and_short_ones_back_on),
      cmocka_unit_test(a_preempted_spin_backs_off),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
