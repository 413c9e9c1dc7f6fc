/*
 * test_e2e_typed.c - the typed-callback (<lib>_<m>_typed) and blocking
 * (<lib>_<m>_wait, _result_free) forms of <lib>.h against libmy_timer.so:
 * typed results and error texts, caller-owned results freed by the
 * generated _result_free (LeakSanitizer checks it in the asan suite), the
 * timeout (the call goes on, its reply dropped), the deadlock refusal on the
 * context's own worker, destroy during a blocking wait, and misuse.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <my_timer/my_timer.h>

#include "e2e_timer.h"

/* --- a typed reply recorder -------------------------------------------- */

typedef struct typed_rec {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int calls;
  int ok;
  char text[512]; /* echoed|timerName, the version, or the error text */
  /* the deadlock probe: what a blocking call returned inside a callback */
  void *probe_ctx;
  int probe_rc;
  char probe_err[256];
} typed_rec;

static void rec_init_t(typed_rec *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
}

static void rec_fini_t(typed_rec *r) {
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
}

static void rec_done(typed_rec *r, int ok, const char *text) {
  pthread_mutex_lock(&r->mu);
  r->calls++;
  r->ok = ok;
  snprintf(r->text, sizeof r->text, "%s", text);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static void rec_wait_t(typed_rec *r, int calls) {
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += 20;
  pthread_mutex_lock(&r->mu);
  while (r->calls < calls)
    if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) != 0) break;
  int got = r->calls;
  pthread_mutex_unlock(&r->mu);
  assert_int_equal(got, calls);
}

static void on_echo(const EchoResponse *result, const char *err, void *ud) {
  char buf[512];
  if (result) snprintf(buf, sizeof buf, "%s|%s", result->echoed, result->timerName);
  rec_done(ud, result != NULL, result ? buf : err);
}

static void on_version(const char *result, const char *err, void *ud) {
  typed_rec *r = ud;
  if (r->probe_ctx) { /* on the worker: a blocking call must be refused */
    char *v = NULL;
    r->probe_rc = my_timer_version_wait(r->probe_ctx, 1000, &v, r->probe_err, sizeof r->probe_err);
    my_timer_version_result_free(&v);
  }
  rec_done(r, result != NULL, result ? result : err);
}

static void on_schedule(const ScheduleResult *result, const char *err, void *ud) {
  rec_done(ud, result != NULL, result ? result->jobId : err);
}

static EchoRequest echo_req(const char *message, int64_t delay) {
  EchoRequest q = {.message = message, .delayMs = delay};
  return q;
}

/* --- typed callbacks ------------------------------------------------------ */

static void test_typed_results_and_errors(void **state) {
  (void)state;
  void *ctx = timer_new("typed");
  typed_rec r;
  rec_init_t(&r);
  assert_int_equal(my_timer_echo_typed(ctx, on_echo, &r, echo_req("hi", 5)), RET_OK);
  rec_wait_t(&r, 1);
  assert_true(r.ok);
  assert_string_equal(r.text, "hi|typed");

  assert_int_equal(my_timer_version_typed(ctx, on_version, &r), RET_OK);
  rec_wait_t(&r, 2);
  assert_string_equal(r.text, "timer v0.1.0"); /* NUL-terminated copy */

  /* the library's error text */
  JobSpec job = {.name = ""};
  RetryPolicy retry = {.maxAttempts = 1};
  ScheduleConfig sched = {.intervalMs = 10};
  assert_int_equal(my_timer_schedule_typed(ctx, on_schedule, &r, job, retry, sched), RET_OK);
  rec_wait_t(&r, 3);
  assert_false(r.ok);
  assert_string_equal(r.text, "job name must not be empty");

  /* entry errors: the callback runs before the export returns */
  assert_int_equal(my_timer_echo_typed((void *)(uintptr_t)12345, on_echo, &r, echo_req("x", 0)),
                   RET_ERR);
  assert_int_equal(r.calls, 4);
  assert_false(r.ok);
  assert_true(strlen(r.text) > 0);
  assert_int_equal(my_timer_echo_typed(ctx, NULL, &r, echo_req("x", 0)), RET_MISSING_CALLBACK);

  assert_int_equal(my_timer_destroy(ctx), 0);
  rec_fini_t(&r);
}

/* --- blocking ------------------------------------------------------------- */

static void test_wait_fills_caller_owned_results(void **state) {
  (void)state;
  void *ctx = timer_new("blocking");
  char err[256];
  EchoResponse out;
  assert_int_equal(my_timer_echo_wait(ctx, 5000, &out, err, sizeof err, echo_req("hello", 10)),
                   RET_OK);
  assert_string_equal(out.echoed, "hello");
  assert_string_equal(out.timerName, "blocking");
  my_timer_echo_result_free(&out);
  assert_null(out.echoed);
  my_timer_echo_result_free(NULL);

  char *version = NULL;
  assert_int_equal(my_timer_version_wait(ctx, 0, &version, err, sizeof err), RET_OK);
  assert_string_equal(version, "timer v0.1.0");
  my_timer_version_result_free(&version);
  assert_null(version);

  EchoRequest msgs[2] = {echo_req("a", 0), echo_req("b", 0)};
  ComplexRequest creq = {.messages = msgs, .messages_len = 2, .note_present = 1, .note = "n"};
  ComplexResponse cres;
  assert_int_equal(my_timer_complex_wait(ctx, 5000, &cres, err, sizeof err, creq), RET_OK);
  assert_int_equal(cres.itemCount, 2);
  assert_int_equal(cres.hasNote, 1);
  assert_non_null(strstr(cres.summary, "received 2 messages"));
  my_timer_complex_result_free(&cres);

  /* the library's error */
  JobSpec job = {.name = "j"};
  RetryPolicy retry = {.maxAttempts = 0};
  ScheduleConfig sched = {.intervalMs = 10};
  ScheduleResult sres;
  assert_int_equal(my_timer_schedule_wait(ctx, 5000, &sres, err, sizeof err, job, retry, sched),
                   RET_ERR);
  assert_string_equal(err, "retry.maxAttempts must be positive");
  assert_null(sres.jobId); /* nothing to free */

  /* misuse: no result place, bad handle */
  assert_int_equal(my_timer_echo_wait(ctx, 1000, NULL, err, sizeof err, echo_req("x", 0)), RET_ERR);
  assert_non_null(strstr(err, "out is NULL"));
  assert_int_equal(
      my_timer_echo_wait((void *)(uintptr_t)777, 1000, &out, err, sizeof err, echo_req("x", 0)),
      RET_ERR);
  assert_true(strlen(err) > 0);
  assert_int_equal(my_timer_destroy(ctx), 0);
}

static void test_wait_timeout_drops_the_late_reply(void **state) {
  (void)state;
  void *ctx = timer_new("slow");
  char err[256];
  EchoResponse out;
  memset(&out, 0x5a, sizeof out);
  assert_int_equal(my_timer_echo_wait(ctx, 20, &out, err, sizeof err, echo_req("late", 300)),
                   RET_ERR);
  assert_string_equal(err, "echo: no reply within 20 ms (the call goes on; its reply will be "
                           "dropped)");
  assert_null(out.echoed); /* cleared, never written later */
  /* let the late reply arrive and be dropped, then everything is freed */
  struct timespec ts = {0, 400 * 1000000L};
  nanosleep(&ts, NULL);
  assert_null(out.echoed);
  /* and a timeout whose call is still waiting when the context goes */
  assert_int_equal(my_timer_echo_wait(ctx, 10, &out, err, sizeof err, echo_req("never", 60000)),
                   RET_ERR);
  assert_int_equal(my_timer_destroy(ctx), 0);
}

static void test_wait_refused_on_own_worker(void **state) {
  (void)state;
  void *ctx = timer_new("deadlock");
  typed_rec r;
  rec_init_t(&r);
  r.probe_ctx = ctx;
  r.probe_rc = -1;
  assert_int_equal(my_timer_version_typed(ctx, on_version, &r), RET_OK);
  rec_wait_t(&r, 1);
  assert_int_equal(r.probe_rc, RET_ERR);
  assert_non_null(strstr(r.probe_err, "own context's worker thread"));
  assert_int_equal(my_timer_destroy(ctx), 0);
  rec_fini_t(&r);
}

typedef struct waiter_arg {
  void *ctx;
  int rc;
  char err[256];
} waiter_arg;

static void *blocked_waiter(void *p) {
  waiter_arg *a = p;
  EchoResponse out;
  a->rc = my_timer_echo_wait(a->ctx, 0, &out, a->err, sizeof a->err, echo_req("stuck", 60000));
  return NULL;
}

static void test_destroy_answers_a_blocking_wait(void **state) {
  (void)state;
  void *ctx = timer_new("destroyed");
  waiter_arg a = {.ctx = ctx, .rc = -1};
  pthread_t t;
  pthread_create(&t, NULL, blocked_waiter, &a);
  struct timespec ts = {0, 30 * 1000000L};
  nanosleep(&ts, NULL);
  assert_int_equal(my_timer_destroy(ctx), 0);
  pthread_join(t, NULL);
  assert_int_equal(a.rc, RET_ERR);
  assert_non_null(strstr(a.err, "context destroyed"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_typed_results_and_errors),
      cmocka_unit_test(test_wait_fills_caller_owned_results),
      cmocka_unit_test(test_wait_timeout_drops_the_late_reply),
      cmocka_unit_test(test_wait_refused_on_own_worker),
      cmocka_unit_test(test_destroy_answers_a_blocking_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
