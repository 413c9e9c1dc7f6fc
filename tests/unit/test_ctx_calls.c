/*
 * test_ctx_calls.c - requests (src/context/call.c, wait.c): every entry
 * check of abi.md 3.1 in order, replies and their threads, exactly-once
 * (second finish ignored and logged), stale warnings, per-producer order,
 * asynchronous submission from a handler, and the deadlock rule of
 * synchronous waits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "context/handle.h"
#include "unit/ctx_test_util.h"

/* --- log capture --------------------------------------------------------- */
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_log[4096];
static void capture(ffirt_log_level level, const char *msg, void *user) {
  (void)level;
  (void)user;
  pthread_mutex_lock(&g_log_lock);
  size_t n = strlen(g_log);
  snprintf(g_log + n, sizeof g_log - n, "%s\n", msg);
  pthread_mutex_unlock(&g_log_lock);
}

static void missing_callback_returns_code_and_queues_nothing(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  int freed = atomic_load(&g_args_freed);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, 1), NULL, NULL),
                   RET_MISSING_CALLBACK);
  assert_int_equal(atomic_load(&g_args_freed), freed + 1);
  /* the missing callback is checked before the handle */
  assert_int_equal(ffirt_call_submit(&lib_timer, NULL, &d_echo, targs_new(0, 1), NULL, NULL),
                   RET_MISSING_CALLBACK);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
}

/* Submits on handle and expects an entry error on the caller's thread,
 * before submit returns, whose text contains want. */
static void expect_entry_error(const ffirt_library *lib, void *handle, const char *want) {
  recorder r;
  rec_init(&r);
  int freed = atomic_load(&g_args_freed);
  assert_int_equal(ffirt_call_submit(lib, handle, &d_echo, targs_new(0, 1), rec_cb, &r), RET_ERR);
  assert_int_equal(r.n, 1); /* already called */
  assert_int_equal(r.e[0].ret, RET_ERR);
  assert_false(r.e[0].on_worker);
  if (!strstr(r.e[0].msg, want)) fail_msg("text '%s' lacks '%s'", r.e[0].msg, want);
  assert_int_equal(atomic_load(&g_args_freed), freed + 1);
  rec_destroy(&r);
}

static void bad_handles_are_answered_on_the_caller_thread(void **state) {
  (void)state;
  expect_entry_error(&lib_timer, NULL, "invalid context handle: NULL");
  expect_entry_error(&lib_timer, (void *)(uintptr_t)0xdeadbeef0ull, "forged");
  void *h = make_ctx(&lib_timer, 1);
  expect_entry_error(&lib_timer, (char *)h + 1, "forged"); /* interior */
  expect_entry_error(&lib_timer, (char *)h + 8, "invalid context handle");
  void *e = make_ctx(&lib_echo, 1);
  expect_entry_error(&lib_timer, e, "belongs to library 'echo', not 'my_timer'");
  assert_int_equal(ffirt_ctx_destroy(&lib_echo, e), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  expect_entry_error(&lib_timer, h, "destroyed");
}

static void reply_runs_on_worker_and_void_reply_is_empty_not_null(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 11);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, targs_new(0, 2), rec_cb, &r), RET_OK);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_void, targs_new(0, 0), rec_cb, &r), RET_OK);
  targs *bad = targs_new(0, 3);
  bad->fail = 1;
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_echo, bad, rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 3, 5000));
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_string_equal(r.e[0].msg, "state=11 value=2");
  assert_true(r.e[0].on_worker);
  assert_int_equal(r.e[1].ret, RET_OK); /* rec_cb aborts on a NULL msg */
  assert_int_equal(r.e[1].len, 0);
  assert_int_equal(r.e[2].ret, RET_ERR);
  assert_string_equal(r.e[2].msg, "handler failed for value 3");
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(r.n, 3);
  rec_destroy(&r);
}

static void second_finish_is_logged_and_never_calls_back(void **state) {
  (void)state;
  g_log[0] = '\0';
  ffirt_log_set_sink(capture, NULL, FFIRT_LOG_WARN);
  void *h = make_ctx(&lib_timer, 1);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_twice, targs_new(0, 0), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  ffirt_log_set_sink(NULL, NULL, FFIRT_LOG_WARN);
  assert_int_equal(r.n, 1);
  assert_string_equal(r.e[0].msg, "one");
  assert_non_null(strstr(g_log, "call 'twice' finished twice (second finish: ffirt_call_ok)"));
  assert_non_null(strstr(g_log, "call 'twice' finished twice (second finish: ffirt_call_err)"));
  rec_destroy(&r);
}

/* A handler that hands its call to a thread of its own, which finishes it
 * there (a contract violation): refused and logged, no callback; destroy
 * answers the call. */
static void *finish_elsewhere(void *p) {
  ffirt_call_ok(p, "wrong thread", 12);
  return NULL;
}
static pthread_t g_foreign;
static void h_foreign(ffirt_call *call) {
  pthread_create(&g_foreign, NULL, finish_elsewhere, call);
}
static ffirt_call_desc d_foreign = {"foreign", 0, h_foreign, targs_free};

static void finish_from_a_foreign_thread_is_refused_and_logged(void **state) {
  (void)state;
  g_log[0] = '\0';
  ffirt_log_set_sink(capture, NULL, FFIRT_LOG_WARN);
  void *h = make_ctx(&lib_timer, 1);
  ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 10, 1000);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_foreign, targs_new(0, 0), rec_cb, &r),
                   RET_OK);
  sleep_ms(50);
  pthread_join(g_foreign, NULL);
  assert_int_equal(rec_terminal(&r), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  ffirt_log_set_sink(NULL, NULL, FFIRT_LOG_WARN);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.e[0].ret, RET_ERR);
  assert_non_null(strstr(g_log, "ffirt_call_ok on call 'foreign' from a thread other than"));
  rec_destroy(&r);
}

static void stale_warnings_carry_elapsed_ms_and_stop_at_the_reply(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  assert_int_equal(ffirt_ctx_set_stale_warn_ms(&lib_timer, h, 30), 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_async, targs_new(200, 1), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  sleep_ms(100); /* no warning may follow the reply */
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(r.after_term, 0);
  assert_int_equal(r.terminal, 1);
  assert_in_range(r.stale, 2, 7); /* 200 ms / 30 ms = 6; a stalled loop skips some */
  long prev = 0;
  for (int i = 0; i < r.stale; i++) {
    assert_int_equal(r.e[i].ret, RET_STALE_WARN);
    char *end;
    long ms = strtol(r.e[i].msg, &end, 10);
    assert_true(*end == '\0' && end != r.e[i].msg); /* decimal, nothing else */
    assert_true(ms >= 30 * (i + 1) - 5);
    assert_true(ms > prev);
    prev = ms;
  }
  assert_int_equal(r.e[r.stale].ret, RET_OK);
  rec_destroy(&r);
}

static void stale_warnings_stop_when_destroy_answers_the_call(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  assert_int_equal(ffirt_ctx_set_stale_warn_ms(&lib_timer, h, 20), 0);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 10, 1000), 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_never, targs_new(0, 0), rec_cb, &r), RET_OK);
  sleep_ms(90);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_true(r.stale >= 2);
  assert_int_equal(r.terminal, 1);
  assert_int_equal(r.after_term, 0);
  assert_int_equal(r.e[r.n - 1].ret, RET_ERR);
  rec_destroy(&r);
}

/* A handler may create and destroy another context (not its own). */
static void h_nested(ffirt_call *call) {
  void *other = make_ctx(&lib_echo, 5);
  ffirt_reply rep;
  int rc = ffirt_call_wait(&lib_echo, other, &d_echo, targs_new(0, 6), &rep);
  int drc = ffirt_ctx_destroy(&lib_echo, other);
  if (rc == 0 && rep.ret == RET_OK && drc == 0)
    ffirt_call_ok(call, rep.msg, rep.len);
  else
    ffirt_call_err(call, "nested: rc=%d ret=%d destroy=%d", rc, rep.ret, drc);
  ffirt_reply_clear(&rep);
}
static ffirt_call_desc d_nested = {"nested", 0, h_nested, targs_free};

static void handler_may_create_wait_on_and_destroy_another_context(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  ffirt_reply rep;
  assert_int_equal(ffirt_call_wait(&lib_timer, h, &d_nested, targs_new(0, 0), &rep), 0);
  assert_int_equal(rep.ret, RET_OK);
  assert_string_equal(rep.msg, "state=5 value=6");
  ffirt_reply_clear(&rep);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
}

static void stale_warnings_disabled_with_zero(void **state) {
  (void)state;
  ffirt_library quiet = {.name = "quiet", .stale_warn_ms = 0, .dtor = lib_dtor};
  void *h = make_ctx(&quiet, 1);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&quiet, h, &d_async, targs_new(80, 1), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(ffirt_ctx_destroy(&quiet, h), 0);
  assert_int_equal(r.stale, 0);
  assert_int_equal(r.n, 1);
  rec_destroy(&r);
}

/* --- ordering -------------------------------------------------------------- */
enum { ORDER_PRODUCERS = 3, ORDER_PER = 3000 };
static int g_order_next[ORDER_PRODUCERS]; /* worker only */
static int g_order_bad;                   /* worker only */

static void h_order(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  int p = a->tag >> 20, seq = a->tag & 0xfffff;
  if (g_order_next[p] != seq) g_order_bad++;
  g_order_next[p] = seq + 1;
  ffirt_call_ok(call, NULL, 0);
}
static ffirt_call_desc d_order = {"order", 0, h_order, targs_free};

typedef struct order_arg {
  void *h;
  int id;
  atomic_int *replies;
} order_arg;

static void count_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  if (ret != RET_STALE_WARN) atomic_fetch_add((atomic_int *)ud, 1);
}

static void *order_producer(void *p) {
  order_arg *a = p;
  for (int i = 0; i < ORDER_PER; i++) {
    targs *t = targs_new(0, 0);
    t->tag = a->id << 20 | i;
    if (ffirt_call_submit(&lib_timer, a->h, &d_order, t, count_cb, a->replies) != RET_OK) abort();
  }
  return NULL;
}

static void calls_of_one_producer_start_in_submission_order(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  ffirt_ctx_set_spin_us(&lib_timer, h, 0); /* park often: exercise wake-ups */
  atomic_int replies = 0;
  pthread_t t[ORDER_PRODUCERS];
  order_arg args[ORDER_PRODUCERS];
  for (int i = 0; i < ORDER_PRODUCERS; i++) {
    args[i] = (order_arg){h, i, &replies};
    pthread_create(&t[i], NULL, order_producer, &args[i]);
  }
  for (int i = 0; i < ORDER_PRODUCERS; i++)
    pthread_join(t[i], NULL);
  for (int i = 0; i < 500 && atomic_load(&replies) < ORDER_PRODUCERS * ORDER_PER; i++)
    sleep_ms(10);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0); /* joins: worker data visible */
  assert_int_equal(atomic_load(&replies), ORDER_PRODUCERS * ORDER_PER);
  assert_int_equal(g_order_bad, 0);
  for (int i = 0; i < ORDER_PRODUCERS; i++)
    assert_int_equal(g_order_next[i], ORDER_PER);
}

/* --- reentrancy -------------------------------------------------------------- */
static atomic_int g_wait_rc;
static atomic_int g_inner_ret = -1;
static void inner_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  (void)ud;
  if (ret != RET_STALE_WARN) atomic_store(&g_inner_ret, ret);
}

/* Handler that waits synchronously on its own context (must be refused),
 * then submits asynchronously to it (must work). */
static void h_reenter(ffirt_call *call) {
  ffirt_ctx *ctx = ffirt_call_ctx(call);
  void *self = ffirt_ctx_handle(ctx);
  ffirt_reply rep;
  atomic_store(&g_wait_rc, ffirt_call_wait(&lib_timer, self, &d_echo, targs_new(0, 1), &rep));
  if (ffirt_call_submit(&lib_timer, self, &d_echo, targs_new(0, 2), inner_cb, NULL) != RET_OK)
    ffirt_call_err(call, "async submit from handler refused");
  else
    ffirt_call_ok(call, "ok", 2);
}
static ffirt_call_desc d_reenter = {"reenter", 0, h_reenter, targs_free};

static void synchronous_wait_on_own_worker_is_refused_async_submit_works(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 3);
  recorder r;
  rec_init(&r);
  int freed = atomic_load(&g_args_freed);
  assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_reenter, targs_new(0, 0), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&r, 1, 5000));
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_int_equal(atomic_load(&g_wait_rc), FFIRT_EDEADLK);
  for (int i = 0; i < 500 && atomic_load(&g_inner_ret) < 0; i++)
    sleep_ms(2);
  assert_int_equal(atomic_load(&g_inner_ret), RET_OK);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  /* reenter's, the refused wait's and the inner call's args */
  assert_int_equal(atomic_load(&g_args_freed), freed + 3);
  rec_destroy(&r);
}

/* A result callback (it runs on the worker) waiting on its context. */
typedef struct cb_wait {
  void *h;
  atomic_int rc;
  recorder r;
} cb_wait;
static void wait_in_cb(int ret, const char *msg, size_t len, void *ud) {
  cb_wait *w = ud;
  if (ret != RET_STALE_WARN) {
    ffirt_reply rep;
    atomic_store(&w->rc, ffirt_call_wait(&lib_timer, w->h, &d_echo, targs_new(0, 1), &rep));
  }
  rec_cb(ret, msg, len, &w->r);
}

static void synchronous_wait_in_result_callback_is_refused(void **state) {
  (void)state;
  cb_wait w = {.rc = 1};
  rec_init(&w.r);
  w.h = make_ctx(&lib_timer, 1);
  assert_int_equal(ffirt_call_submit(&lib_timer, w.h, &d_echo, targs_new(0, 1), wait_in_cb, &w),
                   RET_OK);
  assert_true(rec_wait(&w.r, 1, 5000));
  assert_int_equal(atomic_load(&w.rc), FFIRT_EDEADLK);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, w.h), 0);
  rec_destroy(&w.r);
}

static void synchronous_wait_from_another_thread_returns_the_reply(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 8);
  ffirt_reply rep;
  assert_int_equal(ffirt_call_wait(&lib_timer, h, &d_echo, targs_new(0, 4), &rep), 0);
  assert_int_equal(rep.ret, RET_OK);
  assert_int_equal(rep.len, strlen("state=8 value=4"));
  assert_string_equal(rep.msg, "state=8 value=4");
  ffirt_reply_clear(&rep);
  assert_null(rep.msg);
  /* entry errors come back the same way */
  assert_int_equal(ffirt_call_wait(&lib_timer, NULL, &d_echo, targs_new(0, 4), &rep), 0);
  assert_int_equal(rep.ret, RET_ERR);
  assert_string_equal(rep.msg, "invalid context handle: NULL");
  ffirt_reply_clear(&rep);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
}

/* A listener (event thread) may wait on the context synchronously. */
static const ffirt_event_type ev_tick = {.name = "tick", .size = 0};
static void h_tick(ffirt_call *call) {
  ffirt_ctx_emit(ffirt_call_ctx(call), &ev_tick, NULL);
  ffirt_call_ok(call, NULL, 0);
}
static ffirt_call_desc d_tick = {"tick", 0, h_tick, targs_free};
typedef struct lw {
  void *h;
  atomic_int rc;
  atomic_int ret;
  recorder r;
} lw;
static void wait_in_listener(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  lw *w = ud;
  ffirt_reply rep;
  atomic_store(&w->rc, ffirt_call_wait(&lib_timer, w->h, &d_echo, targs_new(0, 6), &rep));
  atomic_store(&w->ret, rep.ret);
  ffirt_reply_clear(&rep);
  rec_cb(RET_OK, "", 0, &w->r);
}

static void listener_may_wait_synchronously_on_its_context(void **state) {
  (void)state;
  lw w = {.rc = 1, .ret = -1};
  rec_init(&w.r);
  w.h = make_ctx(&lib_timer, 1);
  assert_true(ffirt_ctx_add_listener(&lib_timer, w.h, "tick", FFIRT_LISTENER_NATIVE,
                                     wait_in_listener, &w, NULL) > 0);
  recorder r;
  rec_init(&r);
  assert_int_equal(ffirt_call_submit(&lib_timer, w.h, &d_tick, targs_new(0, 0), rec_cb, &r),
                   RET_OK);
  assert_true(rec_wait(&w.r, 1, 5000));
  assert_int_equal(atomic_load(&w.rc), 0);
  assert_int_equal(atomic_load(&w.ret), RET_OK);
  assert_int_equal(ffirt_ctx_remove_listener(&lib_timer, w.h, 999999), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_ctx_remove_listener(&lib_timer, NULL, 1), FFIRT_EBADCTX);
  assert_int_equal(ffirt_ctx_add_listener(&lib_echo, w.h, "tick", FFIRT_LISTENER_NATIVE,
                                          wait_in_listener, &w, NULL),
                   0); /* foreign library */
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, w.h), 0);
  rec_destroy(&r);
  rec_destroy(&w.r);
}

static void settings_validate_the_handle_and_their_bounds(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  void *e = make_ctx(&lib_echo, 1);
  assert_int_equal(ffirt_ctx_set_stale_warn_ms(&lib_timer, NULL, 10), FFIRT_EBADCTX);
  assert_int_equal(ffirt_ctx_set_stale_warn_ms(&lib_timer, e, 10), FFIRT_EBADCTX);
  assert_int_equal(ffirt_ctx_set_spin_us(&lib_timer, (char *)h + 1, 0), FFIRT_EBADCTX);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 3600001, 10), FFIRT_EINVAL);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, e, 10, 10), FFIRT_EBADCTX);
  assert_int_equal(ffirt_ctx_set_stale_warn_ms(&lib_timer, h, 0), 0);
  assert_int_equal(ffirt_ctx_set_spin_us(&lib_timer, h, 0), 0);
  assert_int_equal(ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 0, 100), 0);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  assert_int_equal(ffirt_ctx_set_spin_us(&lib_timer, h, 0), FFIRT_EBADCTX); /* destroyed */
  assert_int_equal(ffirt_ctx_destroy(&lib_echo, e), 0);
}

/* --- error texts reach hosts as valid UTF-8 --------------------------------- */
static void h_bad_text(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  if (a->value == 0)
    ffirt_call_err(call, "bad byte: %s!", "\xc3\x28");
  else
    ffirt_call_err_text(call, "x\xff\xfe", 3);
}
static ffirt_call_desc d_bad_text = {"bad_text", 0, h_bad_text, targs_free};

static void invalid_utf8_in_error_texts_is_replaced(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 1);
  for (int k = 0; k < 2; k++) {
    recorder r;
    rec_init(&r);
    assert_int_equal(ffirt_call_submit(&lib_timer, h, &d_bad_text, targs_new(0, k), rec_cb, &r),
                     RET_OK);
    assert_true(rec_wait(&r, 1, 5000));
    rec_entry e = rec_last_terminal(&r);
    assert_int_equal(e.ret, RET_ERR);
    assert_true(ffirt_utf8_valid((const uint8_t *)e.msg, e.len));
    const char *want = k == 0 ? "bad byte: \xef\xbf\xbd(!" : "x\xef\xbf\xbd\xef\xbf\xbd";
    assert_int_equal(e.len, strlen(want));
    assert_memory_equal(e.msg, want, e.len);
    rec_destroy(&r);
  }
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
}

/* ffirt_ctx_enter + ffirt_call_submit_entered / ffirt_ctx_leave: the one
 * handle check of the native exports. */
static void entered_context_submits_once_and_leave_lets_destroy_run(void **state) {
  (void)state;
  void *h = make_ctx(&lib_timer, 3);
  recorder r;
  rec_init(&r);
  /* a bad handle: answered like ffirt_call_submit, nothing held */
  ffirt_ctx *c = (ffirt_ctx *)1;
  assert_int_equal(ffirt_ctx_enter(&lib_timer, NULL, rec_cb, &r, &c), RET_ERR);
  assert_null(c);
  assert_int_equal(ffirt_ctx_enter(&lib_echo, h, rec_cb, &r, &c), RET_ERR);
  assert_null(c);
  assert_int_equal(ffirt_ctx_enter(&lib_timer, h, NULL, NULL, &c), RET_MISSING_CALLBACK);
  assert_int_equal(r.n, 2);
  recorder s;
  rec_init(&s);
  assert_int_equal(ffirt_call_submit(&lib_echo, h, &d_echo, targs_new(0, 1), rec_cb, &s), RET_ERR);
  assert_string_equal(r.e[1].msg, s.e[0].msg);
  rec_destroy(&s);
  /* entered: the submit uses the reference and the call runs */
  assert_int_equal(ffirt_ctx_enter(&lib_timer, h, rec_cb, &r, &c), RET_OK);
  assert_non_null(c);
  assert_int_equal(ffirt_call_submit_entered(c, &d_echo, targs_new(0, 9), rec_cb, &r), RET_OK);
  assert_true(rec_wait(&r, 3, 5000));
  assert_string_equal(rec_last_terminal(&r).msg, "state=3 value=9");
  /* a misused submit still consumes the reference and frees the args */
  int freed = atomic_load(&g_args_freed);
  assert_int_equal(ffirt_ctx_enter(&lib_timer, h, rec_cb, &r, &c), RET_OK);
  assert_int_equal(ffirt_call_submit_entered(c, NULL, NULL, rec_cb, &r), RET_ERR);
  assert_int_equal(ffirt_call_submit_entered(NULL, &d_echo, targs_new(0, 1), rec_cb, &r), RET_ERR);
  assert_int_equal(atomic_load(&g_args_freed), freed + 1);
  /* enter then leave: nothing is held, destroy does not wait */
  assert_int_equal(ffirt_ctx_enter(&lib_timer, h, rec_cb, &r, &c), RET_OK);
  ffirt_ctx_leave(c);
  assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
  rec_destroy(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(entered_context_submits_once_and_leave_lets_destroy_run),
      cmocka_unit_test(missing_callback_returns_code_and_queues_nothing),
      cmocka_unit_test(invalid_utf8_in_error_texts_is_replaced),
      cmocka_unit_test(bad_handles_are_answered_on_the_caller_thread),
      cmocka_unit_test(reply_runs_on_worker_and_void_reply_is_empty_not_null),
      cmocka_unit_test(second_finish_is_logged_and_never_calls_back),
      cmocka_unit_test(finish_from_a_foreign_thread_is_refused_and_logged),
      cmocka_unit_test(stale_warnings_carry_elapsed_ms_and_stop_at_the_reply),
      cmocka_unit_test(stale_warnings_disabled_with_zero),
      cmocka_unit_test(stale_warnings_stop_when_destroy_answers_the_call),
      cmocka_unit_test(handler_may_create_wait_on_and_destroy_another_context),
      cmocka_unit_test(calls_of_one_producer_start_in_submission_order),
      cmocka_unit_test(synchronous_wait_on_own_worker_is_refused_async_submit_works),
      cmocka_unit_test(synchronous_wait_in_result_callback_is_refused),
      cmocka_unit_test(synchronous_wait_from_another_thread_returns_the_reply),
      cmocka_unit_test(listener_may_wait_synchronously_on_its_context),
      cmocka_unit_test(settings_validate_the_handle_and_their_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
