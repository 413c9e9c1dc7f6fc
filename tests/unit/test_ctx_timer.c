/*
 * test_ctx_timer.c - ffirt_call_after / ffirt_call_after_fn (src/context/
 * timer.c): the wait is a lower bound, fn runs once with the call's args
 * still borrowed, waits are cancelled by the call's finish (by the library
 * or by destroy) so fn never runs on a finished call, destroy mid-wait
 * answers the call exactly once and frees every wait (LeakSanitizer checks
 * that in the asan suite), and misuse is refused with the documented codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ctx_test_util.h"

static atomic_int g_fired;     /* fn runs */
static atomic_int g_fired_bad; /* fn runs that saw a wrong arg or state */
static atomic_int g_rc;        /* last return of ffirt_call_after in a handler */

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* fn: checks arg is the call's args (still borrowed), replies "due <value>". */
static void due_reply(ffirt_call *call, void *arg) {
  targs *a = ffirt_call_args(call);
  int *state = ffirt_call_state(call);
  atomic_fetch_add(&g_fired, 1);
  if (arg != a || !state || *state != 5) atomic_fetch_add(&g_fired_bad, 1);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "due %d", a->value);
  ffirt_call_ok(call, buf, (size_t)n);
}

static void h_after(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  atomic_store(&g_rc, ffirt_call_after(call, (uint64_t)a->delay_ms, due_reply, a));
}

/* Two waits on one call: the first to fire finishes it, so the second must
 * be cancelled and never run. */
static void h_after_two(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  ffirt_call_after(call, (uint64_t)a->delay_ms, due_reply, a);
  ffirt_call_after(call, (uint64_t)a->delay_ms + 20, due_reply, a);
}

/* fn rescheduling itself: value counts down, the reply comes at 0. */
static void due_chain(ffirt_call *call, void *arg) {
  targs *a = arg;
  atomic_fetch_add(&g_fired, 1);
  if (--a->value > 0) {
    ffirt_call_after(call, 5, due_chain, a);
    return;
  }
  ffirt_call_ok(call, "chain done", 10);
}

static void h_chain(ffirt_call *call) {
  ffirt_call_after(call, 5, due_chain, ffirt_call_args(call));
}

/* Finishes at once, then asks for a wait: refused, fn never runs. */
static void h_after_finished(ffirt_call *call) {
  ffirt_call_ok(call, "now", 3);
  atomic_store(&g_rc, ffirt_call_after(call, 1, due_reply, NULL));
}

/* No fn: the runtime answers the call with the reason. */
static void h_after_null(ffirt_call *call) {
  atomic_store(&g_rc, ffirt_call_after(call, 1, NULL, NULL));
}

/* Hands the call to another thread, which asks for a wait: refused. */
static atomic_int g_foreign_rc;
static void *foreign_thread(void *call) {
  atomic_store(&g_foreign_rc, ffirt_call_after(call, 1, due_reply, NULL));
  return NULL;
}
static void h_after_foreign(ffirt_call *call) {
  pthread_t t;
  pthread_create(&t, NULL, foreign_thread, call);
  pthread_join(t, NULL);
  ffirt_call_ok(call, "done", 4);
}

/* Typed form: the author's function pointer comes back through ffirt_fn. */
typedef void (*typed_fn)(ffirt_call *call, int *state, targs *a);
static void typed_handler(ffirt_call *call, int *state, targs *a) {
  atomic_fetch_add(&g_fired, 1);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "typed %d/%d", *state, a->value);
  ffirt_call_ok(call, buf, (size_t)n);
}
static void typed_tramp(ffirt_call *call, ffirt_fn user) {
  ((typed_fn)user)(call, ffirt_call_state(call), ffirt_call_args(call));
}
static void h_after_typed(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  ffirt_call_after_fn(call, (uint64_t)a->delay_ms, typed_tramp, (ffirt_fn)typed_handler);
}

/* Constructor that waits before it succeeds. */
static void ctor_due(ffirt_call *call, void *arg) {
  (void)arg;
  atomic_fetch_add(&g_fired, 1);
  int *state = malloc(sizeof *state);
  *state = 5;
  ffirt_call_ctor_ok(call, state);
}
static void h_ctor_after(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  ffirt_call_after(call, (uint64_t)a->delay_ms, ctor_due, NULL);
}

static ffirt_call_desc d_after = {"after", 0, h_after, targs_free};
static ffirt_call_desc d_after_two = {"after_two", 0, h_after_two, targs_free};
static ffirt_call_desc d_chain = {"chain", 0, h_chain, targs_free};
static ffirt_call_desc d_after_finished = {"after_finished", 0, h_after_finished, targs_free};
static ffirt_call_desc d_after_null = {"after_null", 0, h_after_null, targs_free};
static ffirt_call_desc d_after_foreign = {"after_foreign", 0, h_after_foreign, targs_free};
static ffirt_call_desc d_after_typed = {"after_typed", 0, h_after_typed, targs_free};
static ffirt_call_desc d_ctor_after = {"create", 0, h_ctor_after, targs_free};

/* No uv handles of its own: the dtor only frees the state. */
static void timer_lib_dtor(ffirt_ctx *ctx, void *state) {
  (void)ctx;
  free(state);
}
static ffirt_library lib_t = {.name = "t", .stale_warn_ms = 0, .dtor = timer_lib_dtor};

static void reset(void) {
  atomic_store(&g_fired, 0);
  atomic_store(&g_fired_bad, 0);
  atomic_store(&g_rc, 12345);
}

static void *ctx5(void) { return make_ctx(&lib_t, 5); }

static void test_after_waits_and_replies(void **st) {
  (void)st;
  reset();
  void *h = ctx5();
  recorder r;
  rec_init(&r);
  uint64_t t0 = mono_ms();
  assert_int_equal(ffirt_call_submit(&lib_t, h, &d_after, targs_new(30, 9), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  uint64_t took = mono_ms() - t0;
  assert_true(took >= 30); /* a lower bound */
  rec_entry e = rec_last_terminal(&r);
  assert_int_equal(e.ret, RET_OK);
  assert_string_equal(e.msg, "due 9");
  assert_int_equal(atomic_load(&g_rc), 0);
  assert_int_equal(atomic_load(&g_fired), 1);
  assert_int_equal(atomic_load(&g_fired_bad), 0);
  /* Zero ms: fires on the next loop turn. */
  assert_int_equal(ffirt_call_submit(&lib_t, h, &d_after, targs_new(0, 1), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 2, 5000));
  assert_string_equal(rec_last_terminal(&r).msg, "due 1");
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  assert_int_equal(r.terminal, 2);
  rec_destroy(&r);
}

static void test_finish_cancels_other_waits(void **st) {
  (void)st;
  reset();
  void *h = ctx5();
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_t, h, &d_after_two, targs_new(5, 2), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  sleep_ms(60); /* well past the second wait's due time */
  assert_int_equal(atomic_load(&g_fired), 1);
  assert_int_equal(r.terminal, 1);
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  assert_int_equal(atomic_load(&g_fired), 1);
  rec_destroy(&r);
}

static void test_chain_reschedules(void **st) {
  (void)st;
  reset();
  void *h = ctx5();
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_t, h, &d_chain, targs_new(0, 4), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_string_equal(rec_last_terminal(&r).msg, "chain done");
  assert_int_equal(atomic_load(&g_fired), 4);
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  rec_destroy(&r);
}

/* The leak: a context destroyed while calls wait. Each call is
 * answered exactly once (by the runtime, after the grace), fn never runs
 * afterwards, every wait and args block is freed (LeakSanitizer). */
static void test_destroy_mid_wait(void **st) {
  (void)st;
  reset();
  int made0 = atomic_load(&g_args_made), freed0 = atomic_load(&g_args_freed);
  void *h = ctx5();
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_t, h, 20, 1000), 0);
  recorder r;
  rec_init(&r);
  for (int i = 0; i < 8; i++)
    assert_int_equal(ffirt_call_submit(&lib_t, h, i % 2 ? &d_after : &d_after_two,
                                       targs_new(10000, i), rec_cb, &r),
                     RET_OK);
  sleep_ms(30); /* let them start waiting */
  uint64_t t0 = mono_ms();
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  assert_true(mono_ms() - t0 < 2000); /* not the 10 s wait */
  assert_int_equal(r.terminal, 8);    /* one each */
  for (int i = 0; i < 8; i++) {
    assert_int_equal(r.e[i].ret, RET_ERR);
    assert_non_null(strstr(r.e[i].msg, "context destroyed"));
  }
  assert_int_equal(atomic_load(&g_fired), 0);
  assert_int_equal(atomic_load(&g_args_made) - made0, atomic_load(&g_args_freed) - freed0);
  rec_destroy(&r);
}

/* A constructor waiting when destroy comes: answered once, no state made. */
static void test_destroy_during_ctor_wait(void **st) {
  (void)st;
  reset();
  recorder r;
  rec_init(&r);
  void *h = ffirt_ctx_create(&lib_t, &d_ctor_after, targs_new(10000, 0), rec_cb, &r);
  assert_non_null(h);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_t, h, 10, 1000), 0);
  sleep_ms(20);
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  assert_int_equal(r.terminal, 1);
  assert_int_equal(r.e[0].ret, RET_ERR);
  assert_int_equal(atomic_load(&g_fired), 0);
  rec_destroy(&r);
}

/* A wait that fires inside destroy's grace still replies normally. */
static void test_wait_finishes_within_grace(void **st) {
  (void)st;
  reset();
  void *h = ctx5();
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_t, h, 2000, 1000), 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_t, h, &d_after, targs_new(40, 3), rec_cb, &r), RET_OK);
  sleep_ms(5);
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  assert_int_equal(r.terminal, 1);
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_string_equal(r.e[0].msg, "due 3");
  rec_destroy(&r);
}

static void test_misuse(void **st) {
  (void)st;
  reset();
  assert_int_equal(ffirt_call_after(NULL, 1, due_reply, NULL), FFIRT_EINVAL);
  void *h = ctx5();
  recorder r;
  rec_init(&r);
  /* Already finished: FFIRT_ESTATE, the reply stands, fn never runs. */
  ffirt_call_submit(&lib_t, h, &d_after_finished, targs_new(0, 0), rec_cb, &r);
  assert_true(rec_wait(&r, 1, 5000));
  sleep_ms(20);
  assert_int_equal(atomic_load(&g_rc), FFIRT_ESTATE);
  assert_string_equal(rec_last_terminal(&r).msg, "now");
  /* No fn: answered RET_ERR by the runtime. */
  ffirt_call_submit(&lib_t, h, &d_after_null, targs_new(0, 0), rec_cb, &r);
  assert_true(rec_wait(&r, 2, 5000));
  assert_int_equal(rec_last_terminal(&r).ret, RET_ERR);
  assert_non_null(strstr(rec_last_terminal(&r).msg, "without a callback"));
  /* Another thread: refused, nothing happens to the call. */
  ffirt_call_submit(&lib_t, h, &d_after_foreign, targs_new(0, 0), rec_cb, &r);
  assert_true(rec_wait(&r, 3, 5000));
  assert_int_equal(atomic_load(&g_foreign_rc), FFIRT_EINVAL);
  assert_int_equal(atomic_load(&g_rc), FFIRT_EINVAL); /* the NULL fn call ran before */
  assert_string_equal(rec_last_terminal(&r).msg, "done");
  assert_int_equal(atomic_load(&g_fired), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  assert_int_equal(r.terminal, 3);
  rec_destroy(&r);
}

static void test_typed_form_and_ctor_wait(void **st) {
  (void)st;
  reset();
  recorder r;
  rec_init(&r);
  void *h = ffirt_ctx_create(&lib_t, &d_ctor_after, targs_new(10, 0), rec_cb, &r);
  assert_non_null(h);
  assert_int_equal(ffirt_call_submit(&lib_t, h, &d_after_typed, targs_new(10, 6), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&r, 2, 5000));
  assert_int_equal(r.e[0].ret, RET_OK); /* the constructor, after its wait */
  assert_string_equal(r.e[1].msg, "typed 5/6");
  assert_int_equal(atomic_load(&g_fired), 2);
  assert_int_equal(ffirt_ctx_destroy(&lib_t, h), 0);
  rec_destroy(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_after_waits_and_replies),
      cmocka_unit_test(test_finish_cancels_other_waits),
      cmocka_unit_test(test_chain_reschedules),
      cmocka_unit_test(test_destroy_mid_wait),
      cmocka_unit_test(test_destroy_during_ctor_wait),
      cmocka_unit_test(test_wait_finishes_within_grace),
      cmocka_unit_test(test_misuse),
      cmocka_unit_test(test_typed_form_and_ctor_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
