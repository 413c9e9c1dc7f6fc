/*
 * test_ctx_liveness.c - the worker's heartbeat as the events liveness
 * monitor sees it: an idle context (parked worker) beats often enough never
 * to look stalled, a busy stream of requests too, and a handler that blocks
 * the worker is reported not_responding, then responding - also after the
 * context was idle long enough for its event thread to sleep without a
 * clock, and when what blocks the worker is a loop callback (a library
 * timer) rather than a handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "unit/ctx_test_util.h"

static ffirt_library lib_live; /* events config filled in main() */

static atomic_int g_not_responding, g_responding;

static void on_not_responding(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  (void)ud;
  atomic_fetch_add(&g_not_responding, 1);
}
static void on_responding(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  (void)ud;
  atomic_fetch_add(&g_responding, 1);
}

static void h_block(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  sleep_ms(a->delay_ms); /* blocks the worker on purpose */
  ffirt_call_ok(call, NULL, 0);
}
static ffirt_call_desc d_block = {"block", 0, h_block, targs_free};

static void *watched_ctx(void) {
  void *h = make_ctx(&lib_live, 1);
  assert_true(ffirt_ctx_add_listener(&lib_live, h, "not_responding", FFIRT_LISTENER_NATIVE,
                                     on_not_responding, NULL, NULL) > 0);
  assert_true(ffirt_ctx_add_listener(&lib_live, h, "responding", FFIRT_LISTENER_NATIVE,
                                     on_responding, NULL, NULL) > 0);
  atomic_store(&g_not_responding, 0);
  atomic_store(&g_responding, 0);
  return h;
}

static void idle_parked_worker_never_looks_stalled(void **state) {
  (void)state;
  void *h = watched_ctx();
  ffirt_ctx_set_spin_us(&lib_live, h, 0);
  sleep_ms(1000); /* 3+ stall periods of 300 ms with nothing to do */
  assert_int_equal(atomic_load(&g_not_responding), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_live, h), 0);
}

static void busy_worker_beats_after_each_request(void **state) {
  (void)state;
  void *h = watched_ctx();
  /* 30 calls of 40 ms each back to back: 1.2 s of continuous work, each
   * shorter than the stall threshold */
  recorder r;
  rec_init(&r);
  for (int i = 0; i < 30; i++)
    assert_int_equal(ffirt_call_submit(&lib_live, h, &d_block, targs_new(40, i), rec_cb, &r),
                     RET_OK);
  assert_true(rec_wait(&r, 30, 10000));
  assert_int_equal(atomic_load(&g_not_responding), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_live, h), 0);
  rec_destroy(&r);
}

static void blocked_worker_is_reported_then_recovers(void **state) {
  (void)state;
  void *h = watched_ctx();
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_live, h, &d_block, targs_new(900, 0), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  for (int i = 0; i < 100 && atomic_load(&g_responding) == 0; i++)
    sleep_ms(10);
  assert_int_equal(atomic_load(&g_not_responding), 1);
  assert_int_equal(atomic_load(&g_responding), 1);
  assert_int_equal(ffirt_ctx_destroy(&lib_live, h), 0);
  rec_destroy(&r);
}

/* Finishes the call from a timer callback that blocks the worker. */
static void block_fire(uv_timer_t *t) {
  later *l = t->data;
  targs *a = ffirt_call_args(l->call);
  sleep_ms(a->delay_ms); /* blocks the worker inside a loop callback */
  ffirt_call_ok(l->call, NULL, 0);
  later_close(l);
}

static void h_block_later(ffirt_call *call) {
  later *l = later_new(call);
  uv_timer_start(&l->t, block_fire, 50, 0);
}
static ffirt_call_desc d_block_later = {"block_later", 0, h_block_later, targs_free};

static void expect_stall_reported(void *h, const ffirt_call_desc *d) {
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_live, h, d, targs_new(900, 0), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  for (int i = 0; i < 100 && atomic_load(&g_responding) == 0; i++)
    sleep_ms(10);
  assert_int_equal(atomic_load(&g_not_responding), 1);
  assert_int_equal(atomic_load(&g_responding), 1);
  rec_destroy(&r);
}

static void blocked_worker_is_reported_after_a_long_idle_period(void **state) {
  (void)state;
  void *h = watched_ctx();
  ffirt_ctx_set_spin_us(&lib_live, h, 0);
  sleep_ms(1000); /* the event thread sleeps without a clock by now */
  expect_stall_reported(h, &d_block);
  assert_int_equal(ffirt_ctx_destroy(&lib_live, h), 0);
}

static void blocking_loop_callback_is_reported(void **state) {
  (void)state;
  void *h = watched_ctx();
  sleep_ms(600);
  expect_stall_reported(h, &d_block_later);
  assert_int_equal(ffirt_ctx_destroy(&lib_live, h), 0);
}

int main(void) {
  lib_live.name = "live";
  lib_live.stale_warn_ms = 0;
  lib_live.dtor = lib_dtor;
  ffirt_events_config_init(&lib_live.events);
  lib_live.events.stall_ms = 300; /* a beat after every request and wake-up: ample margin */
  lib_live.events.liveness_grace_ms = 0;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(idle_parked_worker_never_looks_stalled),
      cmocka_unit_test(busy_worker_beats_after_each_request),
      cmocka_unit_test(blocked_worker_is_reported_then_recovers),
      cmocka_unit_test(blocked_worker_is_reported_after_a_long_idle_period),
      cmocka_unit_test(blocking_loop_callback_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
