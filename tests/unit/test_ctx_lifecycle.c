/*
 * test_ctx_lifecycle.c - create and destroy of contexts (src/context/ctx.c,
 * worker.c): constructor replies, calls queued behind the constructor, the
 * failed constructor, destroy with queued and running calls, the library
 * teardown, destroy on the context's own threads, statics, and churn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "context/handle.h"
#include "unit/ctx_test_util.h"

static void native_create_replies_handle_as_ascii_decimal(void **state) {
  (void)state;
  recorder r;
  rec_init(&r);
  void *h = ffirt_ctx_create(&lib_timer, &d_ctor, targs_new(0, 5), rec_cb, &r);
  assert_non_null(h);
  assert_true(rec_wait(&r, 1, 5000));
  rec_entry e = rec_last_terminal(&r);
  assert_int_equal(e.ret, RET_OK);
  char want[32];
  snprintf(want, sizeof want, "%llu", (unsigned long long)(uintptr_t)h);
  assert_int_equal(e.len, strlen(want));
  assert_memory_equal(e.msg, want, e.len);
  assert_true(e.on_worker);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(r.n, 1);
  rec_destroy(&r);
}

static void cbor_create_replies_cbor_text_of_the_decimal(void **state) {
  (void)state;
  recorder r;
  rec_init(&r);
  void *h = ffirt_ctx_create(&lib_timer, &d_ctor_cbor, targs_new(0, 5), rec_cb, &r);
  assert_non_null(h);
  assert_true(rec_wait(&r, 1, 5000));
  rec_entry e = rec_last_terminal(&r);
  char want[32];
  int n = snprintf(want, sizeof want, "%llu", (unsigned long long)(uintptr_t)h);
  assert_int_equal(e.ret, RET_OK);
  assert_int_equal(e.len, (size_t)n + 1);
  assert_int_equal((uint8_t)e.msg[0], 0x60 + n);
  assert_memory_equal(e.msg + 1, want, (size_t)n);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  rec_destroy(&r);
}

static void create_without_callback_creates_nothing_and_frees_args(void **state) {
  (void)state;
  int freed = atomic_load(&g_args_freed);
  size_t live = ffirt__handle_live();
  int threads = count_threads();
  assert_null(ffirt_ctx_create(&lib_timer, &d_ctor, targs_new(0, 1), NULL, NULL));
  assert_int_equal(atomic_load(&g_args_freed), freed + 1);
  assert_int_equal(ffirt__handle_live(), live);
  assert_int_equal(settle_threads(threads), threads);
}

static void create_without_descriptor_answers_error_on_caller_thread(void **state) {
  (void)state;
  recorder r;
  rec_init(&r);
  assert_null(ffirt_ctx_create(&lib_timer, NULL, NULL, rec_cb, &r));
  assert_int_equal(r.terminal, 1);
  assert_int_equal(r.e[0].ret, RET_ERR);
  assert_false(r.e[0].on_worker);
  assert_non_null(strstr(r.e[0].msg, "constructor"));
  rec_destroy(&r);
}

static void calls_before_the_constructor_finished_queue_behind_it(void **state) {
  (void)state;
  recorder r; /* one recorder for all: it keeps the global order */
  rec_init(&r);
  void *h = ffirt_ctx_create(&lib_timer, &d_ctor_later, targs_new(50, 0), rec_cb, &r);
  assert_non_null(h);
  for (int i = 1; i <= 3; i++)
    assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, i), rec_cb, &r),
                     RET_OK);
  assert_true(rec_wait(&r, 4, 5000));
  char want[32];
  snprintf(want, sizeof want, "%llu", (unsigned long long)(uintptr_t)h);
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_string_equal(r.e[0].msg, want);
  for (int i = 1; i <= 3; i++) {
    char m[32];
    snprintf(m, sizeof m, "state=7 value=%d", i);
    assert_int_equal(r.e[i].ret, RET_OK);
    assert_string_equal(r.e[i].msg, m);
  }
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(r.n, 4);
  rec_destroy(&r);
}

static void failed_constructor_fails_methods_and_destroy_still_frees(void **state) {
  (void)state;
  int dtors = atomic_load(&g_dtor_runs);
  int made = atomic_load(&g_args_made), freed = atomic_load(&g_args_freed);
  int threads = count_threads();
  recorder rc, rm;
  rec_init(&rc);
  rec_init(&rm);
  targs *a = targs_new(0, 3);
  a->fail = 1;
  void *h = ffirt_ctx_create(&lib_timer, &d_ctor, a, rec_cb, &rc);
  assert_non_null(h);
  assert_true(rec_wait(&rc, 1, 5000));
  assert_int_equal(rc.e[0].ret, RET_ERR);
  assert_string_equal(rc.e[0].msg, "bad config: value 3");
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, 1), rec_cb, &rm), RET_OK);
  assert_true(rec_wait(&rm, 1, 5000));
  assert_int_equal(rm.e[0].ret, RET_ERR);
  assert_string_equal(rm.e[0].msg,
                      "library is not initialized: constructor failed: bad config: value 3");
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(atomic_load(&g_dtor_runs), dtors); /* no state, no teardown */
  assert_int_equal(atomic_load(&g_args_made) - made, atomic_load(&g_args_freed) - freed);
  assert_int_equal(settle_threads(threads), threads);
  assert_int_equal(rc.n, 1);
  assert_int_equal(rm.n, 1);
  rec_destroy(&rc);
  rec_destroy(&rm);
}

static void calls_queued_behind_a_failing_async_constructor_get_not_initialized(void **state) {
  (void)state;
  recorder r;
  rec_init(&r);
  targs *a = targs_new(30, 0);
  a->fail = 1;
  void *h = ffirt_ctx_create(&lib_timer, &d_ctor_later, a, rec_cb, &r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, 1), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 2, 5000));
  assert_int_equal(r.e[0].ret, RET_ERR);
  assert_string_equal(r.e[0].msg, "constructor failed later");
  assert_int_equal(r.e[1].ret, RET_ERR);
  assert_string_equal(r.e[1].msg,
                      "library is not initialized: constructor failed: constructor failed later");
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  rec_destroy(&r);
}

static void destroy_answers_queued_calls_exactly_once(void **state) {
  (void)state;
  recorder rc, rm;
  rec_init(&rc);
  rec_init(&rm);
  /* The constructor takes 10 s, so calls stay queued behind it. */
  void *h = ffirt_ctx_create(&lib_timer, &d_ctor_later, targs_new(10000, 0), rec_cb, &rc);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 50, 1000), 0);
  for (int i = 0; i < 5; i++)
    assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, i), rec_cb, &rm),
                     RET_OK);
  sleep_ms(20);
  assert_int_equal(rec_terminal(&rm), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(rm.terminal, 5);
  assert_int_equal(rm.n, 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(rm.e[i].ret, RET_ERR);
    assert_string_equal(rm.e[i].msg, "context destroyed before the call ran");
  }
  /* the constructor was running: it gets its RET_ERR after the grace */
  assert_int_equal(rc.n, 1);
  assert_int_equal(rc.e[0].ret, RET_ERR);
  assert_non_null(strstr(rc.e[0].msg, "context destroyed while the call was running"));
  laters_free_orphans(); /* the interrupted constructor's timer */
  rec_destroy(&rc);
  rec_destroy(&rm);
}

static void destroy_gives_running_calls_a_grace_then_answers_them(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 100, 1000), 0);
  recorder never, soon;
  rec_init(&never);
  rec_init(&soon);
  for (int i = 0; i < 3; i++)
    assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_never, targs_new(0, i), rec_cb, &never),
                     RET_OK);
  /* finishes inside the grace: gets its normal answer */
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_async, targs_new(30, 9), rec_cb, &soon),
                   RET_OK);
  sleep_ms(10);
  uint64_t t0 = ffirt__now_ms();
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  uint64_t took = ffirt__now_ms() - t0;
  assert_true(took >= 90);
  assert_true(took < 1000);
  assert_int_equal(soon.n, 1);
  assert_int_equal(soon.e[0].ret, RET_OK);
  assert_string_equal(soon.e[0].msg, "late 9");
  assert_int_equal(never.n, 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(never.e[i].ret, RET_ERR);
    assert_string_equal(never.e[i].msg,
                        "context destroyed while the call was running (grace period over)");
  }
  rec_destroy(&never);
  rec_destroy(&soon);
}

/* A library whose teardown finishes a call the runtime already answered. */
static ffirt_call *g_kept;
static void h_keep(ffirt_call *call) { g_kept = call; }
static ffirt_call_desc d_keep = {"keep", 0, h_keep, targs_free};
static void late_dtor(ffirt_ctx *ctx, void *state) {
  (void)ctx;
  free(state);
  ffirt_call_ok(g_kept, "too late", 8); /* must be ignored, not a 2nd callback */
}
static ffirt_library lib_late = {.name = "late", .dtor = late_dtor};

static void late_finish_after_destroy_answered_the_call_is_ignored(void **state) {
  (void)state;
  void *h = make_ctx(&lib_late, 1);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_late, h, 10, 1000), 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_late, h, &d_keep, targs_new(0, 0), rec_cb, &r), RET_OK);
  sleep_ms(20);
  assert_int_equal(ffirt_ctx_destroy(&lib_late, h), 0);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.e[0].ret, RET_ERR);
  rec_destroy(&r);
}

static void teardown_runs_on_worker_with_constructor_state(void **state) {
  (void)state;
  int runs = atomic_load(&g_dtor_runs);
  void *h = make_ctx(&lib_timer, 42);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(atomic_load(&g_dtor_runs), runs + 1);
  assert_int_equal(atomic_load(&g_dtor_on_worker), 1);
  assert_int_equal(atomic_load(&g_dtor_state), 42);
}

static void destroy_twice_and_destroy_of_other_library_are_refused(void **state) {
  (void)state;
  void *h = make_ctx(&lib_echo, 1);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), FFIRT_EBADCTX); /* not ours */
  assert_int_equal(ffirt_ctx_destroy(&lib_echo, NULL), FFIRT_EBADCTX);
  assert_int_equal(ffirt_ctx_destroy(&lib_echo, h), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_echo, h), FFIRT_EBADCTX);
}

/* Destroy called from a result callback: it runs on the worker. */
typedef struct self_destroy {
  const ffirt_library *lib;
  void *handle;
  atomic_int rc;
  recorder r;
} self_destroy;

static void destroy_in_cb(int ret, const char *msg, size_t len, void *ud) {
  self_destroy *s = ud;
  if (ret != RET_STALE_WARN) atomic_store(&s->rc, ffirt_ctx_destroy(s->lib, s->handle));
  rec_cb(ret, msg, len, &s->r);
}

static void destroy_from_a_callback_on_the_worker_returns_edeadlk(void **state) {
  (void)state;
  self_destroy s = {.lib = &lib_timer, .rc = 1};
  rec_init(&s.r);
  s.handle = make_ctx(&lib_timer, 1);
  assert_int_equal(
      ffirt_call_submit(&lib_timer, s.handle, &d_echo, targs_new(0, 1), destroy_in_cb, &s), RET_OK);
  assert_true(rec_wait(&s.r, 1, 5000));
  assert_int_equal(atomic_load(&s.rc), FFIRT_EDEADLK);
  /* nothing happened: the context still works */
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, s.handle, &d_echo, targs_new(0, 2), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, s.handle), 0);
  rec_destroy(&r);
  rec_destroy(&s.r);
}

/* Destroy called from an event listener: it runs on the event thread. */
static const ffirt_event_type ev_ping = {.name = "ping", .size = 0};
static void h_emit(ffirt_call *call) {
  int rc = ffirt_ctx_emit(ffirt_call_ctx(call), &ev_ping, NULL);
  if (rc == 0)
    ffirt_call_ok(call, NULL, 0);
  else
    ffirt_call_err(call, "emit failed: %s", ffirt_strerror(rc));
}
static ffirt_call_desc d_emit = {"emit", 0, h_emit, targs_free};

static void destroy_in_listener(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  self_destroy *s = ud;
  atomic_store(&s->rc, ffirt_ctx_destroy(s->lib, s->handle));
  rec_cb(RET_OK, "", 0, &s->r);
}

static void destroy_from_an_event_listener_returns_edeadlk(void **state) {
  (void)state;
  self_destroy s = {.lib = &lib_timer, .rc = 1};
  rec_init(&s.r);
  s.handle = make_ctx(&lib_timer, 1);
  assert_true(ffirt_ctx_add_listener(&lib_timer, s.handle, "ping", FFIRT_LISTENER_NATIVE,
                                     destroy_in_listener, &s, NULL) > 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, s.handle, &d_emit, targs_new(0, 0), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_true(rec_wait(&s.r, 1, 5000));
  assert_int_equal(atomic_load(&s.rc), FFIRT_EDEADLK);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, s.handle), 0);
  rec_destroy(&r);
  rec_destroy(&s.r);
}

/* A static handler waiting synchronously on another static call of its
 * library would wait for its own worker. */
static atomic_int g_static_wait_rc = 1;
static void h_static_waits(ffirt_call *call) {
  ffirt_reply rep;
  atomic_store(&g_static_wait_rc,
               ffirt_static_call_wait(&lib_echo, &d_echo, targs_new(0, 1), &rep));
  ffirt_call_ok(call, NULL, 0);
}
static ffirt_call_desc d_static_waits = {"waits", 0, h_static_waits, targs_free};

static void statics_run_on_a_hidden_worker(void **state) {
  (void)state;
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_static_submit(&lib_echo, &d_echo, targs_new(0, 4), NULL, NULL),
                   RET_MISSING_CALLBACK);
  assert_int_equal(ffirt_static_submit(&lib_echo, &d_echo, targs_new(0, 4), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_string_equal(r.e[0].msg, "state=-1 value=4");
  assert_true(r.e[0].on_worker);
  /* the same worker serves the next static call; hosts cannot destroy it */
  void *hidden = ffirt__static_handle(&lib_echo);
  assert_ptr_equal(ffirt__static_handle(&lib_echo), hidden);
  assert_int_equal(ffirt_ctx_destroy(&lib_echo, hidden), FFIRT_EBADCTX);
  ffirt_reply rep;
  assert_int_equal(ffirt_static_call_wait(&lib_echo, &d_echo, targs_new(0, 5), &rep), 0);
  assert_int_equal(rep.ret, RET_OK);
  assert_string_equal(rep.msg, "state=-1 value=5");
  ffirt_reply_clear(&rep);
  assert_int_equal(ffirt_static_call_wait(&lib_echo, &d_static_waits, targs_new(0, 0), &rep), 0);
  assert_int_equal(rep.ret, RET_OK);
  ffirt_reply_clear(&rep);
  assert_int_equal(atomic_load(&g_static_wait_rc), FFIRT_EDEADLK);
  rec_destroy(&r);
}

static void churn_leaves_fds_threads_and_slots_flat(void **state) {
  (void)state;
  const char *env = getenv("FFIRT_CHURN_CYCLES");
  /* 10 000 cycles take ~2 s natively; sanitizers are ~10x slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  int cycles = env ? atoi(env) : 1000;
#else
  int cycles = env ? atoi(env) : 10000;
#endif
  /* warm up lazily created process-wide things (slot pages, libuv globals,
   * malloc arenas of the worker threads) */
  for (int i = 0; i < 200; i++)
    ffirt_ctx_destroy(&lib_timer, make_ctx(&lib_timer, 0));
  int fds = count_fds(), threads = count_threads();
  long rss = rss_kib();
  size_t live = ffirt__handle_live();
  for (int i = 0; i < cycles; i++) {
    void *h = make_ctx(&lib_timer, i);
    assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  }
  assert_int_equal(count_fds(), fds);
  assert_int_equal(settle_threads(threads), threads);
  assert_int_equal(ffirt__handle_live(), live);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  /* flat: a leak of even 200 bytes per cycle would show as ~2 MiB */
  long grown = rss_kib() - rss;
  if (grown > 1536) fail_msg("RSS grew by %ld KiB over %d cycles", grown, cycles);
#else
  (void)rss; /* sanitizer quarantines make RSS meaningless */
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(native_create_replies_handle_as_ascii_decimal),
      cmocka_unit_test(cbor_create_replies_cbor_text_of_the_decimal),
      cmocka_unit_test(create_without_callback_creates_nothing_and_frees_args),
      cmocka_unit_test(create_without_descriptor_answers_error_on_caller_thread),
      cmocka_unit_test(calls_before_the_constructor_finished_queue_behind_it),
      cmocka_unit_test(failed_constructor_fails_methods_and_destroy_still_frees),
      cmocka_unit_test(calls_queued_behind_a_failing_async_constructor_get_not_initialized),
      cmocka_unit_test(destroy_answers_queued_calls_exactly_once),
      cmocka_unit_test(destroy_gives_running_calls_a_grace_then_answers_them),
      cmocka_unit_test(late_finish_after_destroy_answered_the_call_is_ignored),
      cmocka_unit_test(teardown_runs_on_worker_with_constructor_state),
      cmocka_unit_test(destroy_twice_and_destroy_of_other_library_are_refused),
      cmocka_unit_test(destroy_from_a_callback_on_the_worker_returns_edeadlk),
      cmocka_unit_test(destroy_from_an_event_listener_returns_edeadlk),
      cmocka_unit_test(statics_run_on_a_hidden_worker),
      cmocka_unit_test(churn_leaves_fds_threads_and_slots_flat),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
