/*
 * test_ctx_fault.c - fault injection in the context runtime: every
 * allocation of create and submit fails in turn (fault_alloc.h), and every
 * thread/loop/handle creation of create fails in turn (the
 * ffirt__ctx_fault_hook); each failure gives a clean RET_ERR naming the
 * problem on the caller's thread, frees the args, and leaks no allocation,
 * descriptor, thread or slot. Destroy allocates nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "context/handle.h"
#include "unit/ctx_test_util.h"
#include "unit/fault_alloc.h"

static int warm(void **state) {
  (void)state;
  /* slot pages and libuv's process-wide state are made once, outside the
   * counted windows */
  ffirt_ctx_destroy(&lib_timer, make_ctx(&lib_timer, 0));
  return 0;
}

static void every_allocation_failure_in_create_is_clean(void **state) {
  (void)state;
  int fds = count_fds(), threads = count_threads();
  size_t live = ffirt__handle_live();
  int failures = 0;
  for (long n = 1;; n++) {
    int made = atomic_load(&g_args_made), freed = atomic_load(&g_args_freed);
    recorder r;
    rec_init(&r);
    fault_alloc_install(n);
    void *h = ffirt_ctx_create(&lib_timer, &d_ctor, targs_new(0, 1), rec_cb, &r);
    int failed = fault_alloc_failed();
    if (!h) {
      failures++;
      assert_int_equal(r.n, 1);
      assert_int_equal(r.e[0].ret, RET_ERR);
      assert_false(r.e[0].on_worker);
      if (!strstr(r.e[0].msg, "out of memory") && !strstr(r.e[0].msg, "event registry"))
        fail_msg("allocation %ld: unclear text '%s'", n, r.e[0].msg);
    } else {
      assert_true(rec_wait(&r, 1, 5000));
      assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
      assert_int_equal(r.n, 1);
    }
    assert_int_equal(fault_alloc_live(), 0);
    fault_alloc_uninstall();
    assert_int_equal(atomic_load(&g_args_made) - made, atomic_load(&g_args_freed) - freed);
    rec_destroy(&r);
    if (!failed) break;
    assert_true(n < 1000);
  }
  assert_true(failures >= 2); /* at least the context and the constructor call */
  assert_int_equal(count_fds(), fds);
  assert_int_equal(settle_threads(threads), threads);
  assert_int_equal(ffirt__handle_live(), live);
}

static void allocation_failure_in_submit_is_an_entry_error(void **state) {
  (void)state;
  /* The allocator may only be swapped while no context exists, so count
   * what creating one allocates, then fail the allocation right after it:
   * the submit's call object. */
  fault_alloc_install(0);
  ffirt_ctx_destroy(&lib_timer, make_ctx(&lib_timer, 1));
  fault_alloc_uninstall();
  fault_alloc_install(0);
  void *h = make_ctx(&lib_timer, 1);
  long create_calls = fault_alloc_calls();
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  fault_alloc_uninstall();

  fault_alloc_install(create_calls + 1);
  h = make_ctx(&lib_timer, 1);
  assert_false(fault_alloc_failed());
  /* Submit calls that stay running (their objects are not recycled) until
   * the recycled objects are used up and submit has to allocate. */
  recorder never;
  rec_init(&never);
  int accepted = 0, freed = 0;
  for (; accepted < 16; accepted++) {
    freed = atomic_load(&g_args_freed);
    if (ffirt_call_submit(&lib_timer, h, &d_never, targs_new(0, 0), rec_cb, &never) != RET_OK)
      break;
    assert_false(fault_alloc_failed());
  }
  assert_int_equal(atomic_load(&g_args_freed), freed + 1); /* the refused call's args */
  assert_true(fault_alloc_failed()); /* the failing submit was the loop's last */
  assert_true(accepted < 16);
  assert_int_equal(never.n, 1);
  assert_int_equal(never.e[0].ret, RET_ERR);
  assert_false(never.e[0].on_worker);
  assert_string_equal(never.e[0].msg, "out of memory queuing call 'never'");
  recorder r;
  rec_init(&r);
  int rc = ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, 1), rec_cb, &r);
  assert_int_equal(rc, RET_OK); /* the next allocation succeeds again */
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(r.e[0].ret, RET_OK);
  /* the context is unharmed */
  ffirt_reply rep;
  assert_int_equal(ffirt_call_wait(&lib_timer, h, &d_echo, targs_new(0, 2), &rep), 0);
  assert_int_equal(rep.ret, RET_OK);
  ffirt_reply_clear(&rep);
  ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 1, 1000);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(never.n, accepted + 1); /* the running ones were answered */
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  rec_destroy(&r);
  rec_destroy(&never);
}

static void destroy_allocates_nothing(void **state) {
  (void)state;
  fault_alloc_install(0); /* count only; installed while no context exists */
  void *h = make_ctx(&lib_timer, 1);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_never, targs_new(0, 1), rec_cb, &r), RET_OK);
  ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 1, 1000);
  sleep_ms(5);
  long before = fault_alloc_calls();
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  long calls = fault_alloc_calls() - before;
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  assert_int_equal(calls, 0);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.e[0].ret, RET_ERR);
  rec_destroy(&r);
}

static const char *g_fail_site;
static int fail_site(const char *site) { return g_fail_site && strcmp(site, g_fail_site) == 0; }

static void every_thread_and_loop_creation_failure_in_create_is_clean(void **state) {
  (void)state;
  static const char *sites[] = {"events", "loop", "async", "thread"};
  int fds = count_fds(), threads = count_threads();
  size_t live = ffirt__handle_live();
  ffirt__ctx_fault_hook = fail_site;
  for (size_t i = 0; i < sizeof sites / sizeof sites[0]; i++) {
    g_fail_site = sites[i];
    int freed = atomic_load(&g_args_freed);
    recorder r;
    rec_init(&r);
    fault_alloc_install(0); /* count only */
    assert_null(ffirt_ctx_create(&lib_timer, &d_ctor, targs_new(0, 1), rec_cb, &r));
    assert_int_equal(fault_alloc_live(), 0);
    fault_alloc_uninstall();
    assert_int_equal(r.n, 1);
    assert_int_equal(r.e[0].ret, RET_ERR);
    assert_non_null(strstr(r.e[0].msg, "cannot create a context of library 'my_timer'"));
    assert_non_null(strstr(r.e[0].msg, ffirt_strerror(FFIRT_ETHREAD)));
    assert_int_equal(atomic_load(&g_args_freed), freed + 1);
    assert_int_equal(count_fds(), fds);
    assert_int_equal(settle_threads(threads), threads);
    assert_int_equal(ffirt__handle_live(), live);
    rec_destroy(&r);
  }
  ffirt__ctx_fault_hook = NULL;
  g_fail_site = NULL;
  /* and creation works again */
  ffirt_ctx_destroy(&lib_timer, make_ctx(&lib_timer, 1));
}

/* Destroy stalled between its stop flag and its wake-up while the worker,
 * spinning, sees the flag on its own and tears down: the wake-up must not
 * hit a closed loop (libuv aborts on a write to a closed eventfd). */
static int stall_destroy_wake(const char *site) {
  if (strcmp(site, "destroy-wake") == 0) sleep_ms(30);
  return 0;
}

static void destroy_wake_racing_a_spinning_worker_teardown_is_safe(void **state) {
  (void)state;
  for (int round = 0; round < 3; round++) {
    void *h = make_ctx(&lib_timer, 1);
    assert_int_equal(ffirt_ctx_set_spin_us(&lib_timer, h, 1000000), 0);
    ffirt_reply rep; /* one call, so the worker is now spinning for 1 s */
    assert_int_equal(ffirt_call_wait(&lib_timer, h, &d_echo, targs_new(0, 1), &rep), 0);
    ffirt_reply_clear(&rep);
    ffirt__ctx_fault_hook = stall_destroy_wake;
    assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
    ffirt__ctx_fault_hook = NULL;
  }
}

static void context_limit_is_an_entry_error_naming_the_limit(void **state) {
  (void)state;
  size_t live = ffirt__handle_live();
  assert_int_equal(ffirt_ctx_set_max_contexts(live + 2), 0);
  void *a = make_ctx(&lib_timer, 1), *b = make_ctx(&lib_timer, 2);
  recorder r;
  rec_init(&r);
  int freed = atomic_load(&g_args_freed);
  assert_null(ffirt_ctx_create(&lib_timer, &d_ctor, targs_new(0, 3), rec_cb, &r));
  assert_int_equal(r.n, 1);
  assert_int_equal(r.e[0].ret, RET_ERR);
  assert_non_null(strstr(r.e[0].msg, "context limit reached"));
  assert_int_equal(atomic_load(&g_args_freed), freed + 1);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, a), 0);
  void *c = make_ctx(&lib_timer, 3); /* room again */
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, b), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, c), 0);
  assert_int_equal(ffirt_ctx_set_max_contexts(FFIRT_CTX_DEFAULT_MAX), 0);
  rec_destroy(&r);
}

/* A teardown that overruns its bound: destroy returns FFIRT_ETIMEDOUT and
 * the wedged worker frees the context when it finally finishes. */
static atomic_int g_slow_done;
static void slow_dtor(ffirt_ctx *ctx, void *state) {
  (void)ctx;
  free(state);
  sleep_ms(1000);
  atomic_store(&g_slow_done, 1);
}
static ffirt_library lib_slow = {.name = "slow", .dtor = slow_dtor};

static void overrunning_teardown_times_out_and_is_cleaned_up_later(void **state) {
  (void)state;
  int threads = count_threads();
  void *h = make_ctx(&lib_slow, 1);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_slow, h, 0, 10), 0);
  ffirt_log_set_sink(NULL, NULL, FFIRT_LOG_ERROR);
  uint64_t t0 = ffirt__now_ms();
  assert_int_equal(ffirt_ctx_destroy(&lib_slow, h), FFIRT_ETIMEDOUT);
  assert_true(ffirt__now_ms() - t0 < 900); /* 10 ms + the 200 ms slack, not the 1 s */
  /* the handle is dead at once */
  assert_int_equal(ffirt_ctx_destroy(&lib_slow, h), FFIRT_EBADCTX);
  for (int i = 0; i < 600 && !atomic_load(&g_slow_done); i++)
    sleep_ms(5);
  assert_int_equal(settle_threads(threads), threads);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_allocation_failure_in_create_is_clean),
      cmocka_unit_test(allocation_failure_in_submit_is_an_entry_error),
      cmocka_unit_test(destroy_allocates_nothing),
      cmocka_unit_test(every_thread_and_loop_creation_failure_in_create_is_clean),
      cmocka_unit_test(destroy_wake_racing_a_spinning_worker_teardown_is_safe),
      cmocka_unit_test(context_limit_is_an_entry_error_naming_the_limit),
      cmocka_unit_test(overrunning_teardown_times_out_and_is_cleaned_up_later),
  };
  return cmocka_run_group_tests(tests, warm, NULL);
}
