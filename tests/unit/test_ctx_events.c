/*
 * test_ctx_events.c - events seen through a context (issue 9):
 *  - a handler on the worker removes a listener that waits synchronously on
 *    the same context: the remove must not wait (no deadlock);
 *  - destroy is bounded by its timeouts even while a listener runs long;
 *  - two contexts destroying each other from their listeners both return.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "unit/ctx_test_util.h"

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const ffirt_event_type ev_ping = {.name = "ping", .size = 0};

static void h_emit(ffirt_call *call) {
  int rc = ffirt_ctx_emit(ffirt_call_ctx(call), &ev_ping, NULL);
  if (rc == 0)
    ffirt_call_ok(call, NULL, 0);
  else
    ffirt_call_err(call, "emit failed: %s", ffirt_strerror(rc));
}
static ffirt_call_desc d_emit = {"emit", 0, h_emit, targs_free_quiet};

/* ---- item 2: remove on the worker never waits */

typedef struct waiter {
  void *handle;
  uint64_t id;
  atomic_int entered;
  atomic_int calls;
  atomic_int wait_rc;
  atomic_int remove_rc;
  atomic_int released;
  atomic_int released_on_event_thread;
  ffirt_ctx *ctx;
} waiter;
static waiter g_w;

static void waiting_listener(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  waiter *w = ud;
  atomic_fetch_add(&w->calls, 1);
  atomic_store(&w->entered, 1);
  ffirt_reply rep;
  atomic_store(&w->wait_rc, ffirt_call_wait(&lib_timer, w->handle, &d_void, NULL, &rep));
  ffirt_reply_clear(&rep);
}

static void waiter_release(void *ud) {
  waiter *w = ud;
  atomic_store(&w->released_on_event_thread, ffirt_ctx_is_own_thread(w->ctx));
  atomic_store(&w->released, 1);
}

static void h_remove_listener(ffirt_call *call) {
  g_w.ctx = ffirt_call_ctx(call);
  /* the listener's synchronous wait queues behind this handler */
  if (ffirt_ctx_emit(g_w.ctx, &ev_ping, NULL) != 0) abort();
  for (int i = 0; i < 5000 && !atomic_load(&g_w.entered); i++)
    sleep_ms(1);
  atomic_store(&g_w.remove_rc, ffirt_ctx_remove_listener(&lib_timer, g_w.handle, g_w.id));
  ffirt_call_ok(call, NULL, 0);
}
static ffirt_call_desc d_remove_listener = {"remove", 0, h_remove_listener, targs_free_quiet};

static int flag(atomic_int *f, int ms) {
  for (int i = 0; i < ms && !atomic_load(f); i++)
    sleep_ms(1);
  return atomic_load(f);
}

static void remove_on_the_worker_does_not_wait_for_a_listener_waiting_on_it(void **state) {
  (void)state;
  memset(&g_w, 0, sizeof g_w);
  atomic_store(&g_w.wait_rc, -1);
  atomic_store(&g_w.remove_rc, -1);
  g_w.handle = make_ctx(&lib_timer, 1);
  g_w.id = ffirt_ctx_add_listener(&lib_timer, g_w.handle, "ping", FFIRT_LISTENER_NATIVE,
                                  waiting_listener, &g_w, waiter_release);
  assert_true(g_w.id > 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(
      ffirt_call_submit(&lib_timer, g_w.handle, &d_remove_listener, targs_new(0, 0), rec_cb, &r),
      RET_OK);
  assert_true(rec_wait(&r, 1, 3000)); /* deadlocked before the fix */
  assert_int_equal(atomic_load(&g_w.remove_rc), 0);
  assert_true(flag(&g_w.released, 3000));
  assert_int_equal(atomic_load(&g_w.wait_rc), 0);
  assert_int_equal(atomic_load(&g_w.released_on_event_thread), 1);
  /* never called again */
  recorder r2;
  rec_init(&r2);
  assert_int_equal(ffirt_call_submit(&lib_timer, g_w.handle, &d_emit, NULL, rec_cb, &r2), RET_OK);
  assert_true(rec_wait(&r2, 1, 3000));
  sleep_ms(50);
  assert_int_equal(atomic_load(&g_w.calls), 1);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, g_w.handle), 0);
  rec_destroy(&r);
  rec_destroy(&r2);
}

/* ---- item 6: destroy is bounded while a listener runs long */

static atomic_int g_slow_done;
static void slow_listener(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  atomic_store((atomic_int *)ud, 1);
  sleep_ms(1500);
  atomic_store(&g_slow_done, 1);
}

static void destroy_is_bounded_while_a_listener_runs(void **state) {
  (void)state;
  atomic_store(&g_slow_done, 0);
  atomic_int entered;
  atomic_init(&entered, 0);
  void *h = make_ctx(&lib_timer, 1);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 100, 100), 0);
  assert_true(ffirt_ctx_add_listener(&lib_timer, h, "ping", FFIRT_LISTENER_NATIVE, slow_listener,
                                     &entered, NULL) > 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_emit, NULL, rec_cb, &r), RET_OK);
  assert_true(flag(&entered, 3000));
  uint64_t t0 = mono_ms();
  int rc = ffirt_ctx_destroy(&lib_timer, h);
  uint64_t took = mono_ms() - t0;
  fprintf(stderr, "destroy with a 1.5 s listener and 100+100 ms bounds: %lu ms, rc %d\n",
          (unsigned long)took, rc);
  assert_int_equal(rc, FFIRT_ETIMEDOUT);
  assert_true(took < 1000);
  /* the detached event thread finishes the listener and frees itself */
  assert_true(flag(&g_slow_done, 5000));
  sleep_ms(100);
  rec_destroy(&r);
}

/* ---- item 15: two contexts destroying each other from their listeners */

typedef struct mutual {
  void *self, *other;
  atomic_int entered;
  atomic_int rc;
  atomic_int done;
} mutual;
static mutual g_m[2];

static void destroy_other_listener(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  mutual *m = ud;
  atomic_store(&m->entered, 1);
  mutual *o = m == &g_m[0] ? &g_m[1] : &g_m[0];
  flag(&o->entered, 3000);
  atomic_store(&m->rc, ffirt_ctx_destroy(&lib_timer, m->other));
  atomic_store(&m->done, 1);
}

static void two_contexts_destroying_each_other_from_listeners_both_return(void **state) {
  (void)state;
  memset(g_m, 0, sizeof g_m);
  void *a = make_ctx(&lib_timer, 1), *b = make_ctx(&lib_timer, 2);
  g_m[0].self = a, g_m[0].other = b;
  g_m[1].self = b, g_m[1].other = a;
  for (int i = 0; i < 2; i++) {
    assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, g_m[i].self, 100, 100), 0);
    assert_true(ffirt_ctx_add_listener(&lib_timer, g_m[i].self, "ping", FFIRT_LISTENER_NATIVE,
                                       destroy_other_listener, &g_m[i], NULL) > 0);
  }
  recorder r[2];
  for (int i = 0; i < 2; i++) {
    rec_init(&r[i]);
    assert_int_equal(ffirt_call_submit(&lib_timer, g_m[i].self, &d_emit, NULL, rec_cb, &r[i]),
                     RET_OK);
  }
  /* before the fix each event thread joined the other's: forever */
  assert_true(flag(&g_m[0].done, 5000));
  assert_true(flag(&g_m[1].done, 5000));
  for (int i = 0; i < 2; i++) {
    int rc = atomic_load(&g_m[i].rc);
    assert_true(rc == 0 || rc == FFIRT_ETIMEDOUT);
  }
  sleep_ms(300); /* the detached event threads free themselves */
  for (int i = 0; i < 2; i++)
    rec_destroy(&r[i]);
}

int main(int argc, char **argv) {
  if (argc > 1) cmocka_set_test_filter(argv[1]); /* run one test by name */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(remove_on_the_worker_does_not_wait_for_a_listener_waiting_on_it),
      cmocka_unit_test(destroy_is_bounded_while_a_listener_runs),
      cmocka_unit_test(two_contexts_destroying_each_other_from_listeners_both_return),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
