/*
 * test_e2e_two_libraries.c - libmy_timer.so and libecho.so in one process:
 * the `echo` rows of examples.md in both ABIs, both generated headers in
 * one translation unit, handles that only their own library accepts, and
 * contexts isolated from their siblings' errors and events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

/* Both host headers in one translation unit (abi.md 1: guarded types). */
#include <echo/echo.h>
#include <my_timer/my_timer.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "e2e_util.h"
#include "e2e_timer.h"
#include "e2e_wait.h"

static void fmt_shout(const char *msg, size_t len, char *out) {
  const ShoutResponse *r = (const ShoutResponse *)msg;
  snprintf(out, E2E_TEXT_MAX, "len=%zu shouted=%s prefix=%s", len, r->shouted, r->prefix);
}

static void fmt_echo(const char *msg, size_t len, char *out) {
  (void)len;
  const EchoResponse *r = (const EchoResponse *)msg;
  snprintf(out, E2E_TEXT_MAX, "echoed=%s timerName=%s", r->echoed, r->timerName);
}

static void *echo_new(const char *prefix) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  EchoConfig config = {.prefix = prefix};
  void *ctx = echo_create(config, e2e_reply_cb, &r);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  char decimal[32];
  snprintf(decimal, sizeof decimal, "%" PRIuPTR, (uintptr_t)ctx);
  assert_string_equal(e2e_reply_str(&r), decimal);
  e2e_reply_fini(&r);
  return ctx;
}

static void expect_timer_version(void *ctx) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version(ctx, e2e_reply_cb, &r), RET_OK);
  E2E_ASSERT_TEXT(&r, RET_OK, "timer v0.1.0");
  e2e_reply_fini(&r);
}

static void expect_timer_echo(void *ctx, const char *message, const char *timer_name) {
  e2e_reply r;
  e2e_reply_init(&r, fmt_echo);
  EchoRequest req = {.message = message, .delayMs = 0};
  assert_int_equal(my_timer_echo(ctx, e2e_reply_cb, &r, req), RET_OK);
  char expected[128];
  snprintf(expected, sizeof expected, "echoed=%s timerName=%s", message, timer_name);
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);
}

static void expect_shout(void *ctx, const char *text, const char *expected) {
  e2e_reply r;
  e2e_reply_init(&r, fmt_shout);
  ShoutRequest req = {.text = text};
  uint64_t t0 = e2e_now_us();
  assert_int_equal(echo_shout(ctx, e2e_reply_cb, &r, req), RET_OK);
  E2E_ASSERT_FMT(&r, expected);
  assert_true(e2e_now_us() - t0 >= 1000); /* shout waits ~1 ms */
  e2e_reply_fini(&r);
}

/* ------------------------------------------------------------ echo rows */

static void echo_library_rows_native(void **state) {
  (void)state;
  void *ctx = echo_new("p");
  char expected[128];
  snprintf(expected, sizeof expected, "len=%zu shouted=p: HELLO, WORLD 1 prefix=p",
           sizeof(ShoutResponse));
  expect_shout(ctx, "hello, World 1", expected);
  /* Only ASCII letters change case; UTF-8 bytes pass through. */
  snprintf(expected, sizeof expected, "len=%zu shouted=p: \xc3\xa9T\xc3\xa9 ABC prefix=p",
           sizeof(ShoutResponse));
  expect_shout(ctx, "\xc3\xa9t\xc3\xa9 aBc", expected);
  snprintf(expected, sizeof expected, "len=%zu shouted=p:  prefix=p", sizeof(ShoutResponse));
  expect_shout(ctx, "", expected);

  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(echo_version(ctx, e2e_reply_cb, &r), RET_OK);
  E2E_ASSERT_TEXT(&r, RET_OK, "echo v0.1.0");
  e2e_reply_fini(&r);

  assert_int_equal(echo_destroy(ctx), 0);
  assert_int_not_equal(echo_destroy(ctx), 0);
}

static void echo_library_rows_cbor(void **state) {
  (void)state;
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  size_t n;
  uint8_t *req =
      e2e_unhex("a166636f6e666967a1667072656669786170", &n); /* {"config": {"prefix": "p"}} */
  void *ctx = echo_create_cbor(req, n, e2e_reply_cb, &r);
  free(req);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  assert_int_equal(r.bytes[0] & 0xe0, 0x60); /* a CBOR text string */
  e2e_reply_fini(&r);

  e2e_reply_init(&r, NULL);
  req = e2e_unhex("a163726571a164746578746e68656c6c6f2c20576f726c642031", &n);
  assert_int_equal(echo_shout_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_ASSERT_HEX(&r, RET_OK,
                 "a26773686f7574656471703a2048454c4c4f2c20574f524c442031667072656669786170");
  e2e_reply_fini(&r);

  e2e_reply_init(&r, NULL);
  assert_int_equal(echo_version_cbor(ctx, e2e_reply_cb, &r, (const uint8_t *)"\xa0", 1), RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK, "6b6563686f2076302e312e30");
  e2e_reply_fini(&r);

  /* {"req": {"txt": "x"}}: an unknown key is refused, naming the field. */
  e2e_reply_init(&r, NULL);
  req = e2e_unhex("a163726571a1637478746178", &n);
  assert_int_equal(echo_shout_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  assert_non_null(strstr(e2e_reply_str(&r), "req"));
  e2e_reply_fini(&r);

  assert_int_equal(echo_destroy(ctx), 0);
}

/* ------------------------------------------------------------ isolation */

static void a_handle_is_refused_by_the_other_library(void **state) {
  (void)state;
  void *timer = timer_new("mine");
  void *echo = echo_new("yours");

  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version(echo, e2e_reply_cb, &r), RET_ERR);
  assert_int_equal(r.ret, RET_ERR);
  e2e_reply_fini(&r);
  e2e_reply_init(&r, NULL);
  assert_int_equal(echo_version(timer, e2e_reply_cb, &r), RET_ERR);
  assert_int_equal(r.ret, RET_ERR);
  e2e_reply_fini(&r);
  assert_int_equal(my_timer_add_event_listener(echo, "", e2e_reply_cb, NULL), 0);
  assert_int_not_equal(my_timer_destroy(echo), 0);
  assert_int_not_equal(echo_destroy(timer), 0);

  /* Both still work after the refusals. */
  expect_timer_version(timer);
  char expected[128];
  snprintf(expected, sizeof expected, "len=%zu shouted=yours: OK prefix=yours",
           sizeof(ShoutResponse));
  expect_shout(echo, "ok", expected);
  assert_int_equal(my_timer_destroy(timer), 0);
  assert_int_equal(echo_destroy(echo), 0);
}

static void typed_counter(const EchoEvent *evt, void *ud) {
  (void)evt;
  e2e_log_add(ud, "%s", evt->message);
}

/* Errors, events and destruction of one context leave its siblings alone. */
static void an_error_in_one_context_does_not_affect_its_siblings(void **state) {
  (void)state;
  void *a = timer_new("a");
  void *b = timer_new("b");
  void *e = echo_new("e");
  e2e_log events_a, events_b;
  e2e_log_init(&events_a);
  e2e_log_init(&events_b);
  assert_true(my_timer_add_on_echo_fired_listener(a, typed_counter, &events_a) >= 1);
  assert_true(my_timer_add_on_echo_fired_listener(b, typed_counter, &events_b) >= 1);

  /* Errors in a: a handler error, a malformed request, a bad argument. */
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  JobSpec nameless = {.name = ""};
  RetryPolicy retry = {.maxAttempts = 1};
  ScheduleConfig when = {0};
  assert_int_equal(my_timer_schedule(a, e2e_reply_cb, &r, nameless, retry, when), RET_OK);
  E2E_ASSERT_TEXT(&r, RET_ERR, "job name must not be empty");
  e2e_reply_fini(&r);
  e2e_reply_init(&r, NULL);
  static const uint8_t garbage[] = {0xff, 0x00, 0x13};
  my_timer_echo_cbor(a, e2e_reply_cb, &r, garbage, sizeof garbage);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  e2e_reply_fini(&r);

  /* Events stay in their context. */
  expect_timer_echo(a, "to-a", "a");
  expect_timer_echo(b, "to-b", "b");
  assert_int_equal(e2e_log_wait(&events_a, 1, E2E_TIMEOUT_MS), 0);
  assert_int_equal(e2e_log_wait(&events_b, 1, E2E_TIMEOUT_MS), 0);

  /* a still works after its errors, and so do b and e. */
  expect_timer_version(a);
  expect_timer_echo(b, "b-after-a-errors", "b");

  /* Destroying a leaves b and e running. */
  assert_int_equal(my_timer_destroy(a), 0);
  expect_timer_echo(b, "b-after-a-destroyed", "b");
  char expected[128];
  snprintf(expected, sizeof expected, "len=%zu shouted=e: STILL HERE prefix=e",
           sizeof(ShoutResponse));
  expect_shout(e, "still here", expected);

  struct timespec pause = {0, 100 * 1000000L};
  nanosleep(&pause, NULL);
  assert_int_equal(e2e_log_count(&events_a), 1);
  assert_int_equal(e2e_log_count(&events_b), 3);
  pthread_mutex_lock(&events_a.mu);
  assert_string_equal(events_a.lines[0], "to-a");
  pthread_mutex_unlock(&events_a.mu);

  assert_int_equal(my_timer_destroy(b), 0);
  assert_int_equal(echo_destroy(e), 0);
  e2e_log_fini(&events_a);
  e2e_log_fini(&events_b);
}

/* A context destroyed while its echo waits answers that call RET_ERR
 * (exactly once), and a sibling's pending echo is untouched. */
static void destroying_a_context_with_a_pending_call_answers_it_once(void **state) {
  (void)state;
  void *doomed = timer_new("doomed");
  void *sibling = timer_new("sibling");
  e2e_reply pending, other;
  e2e_reply_init(&pending, NULL);
  e2e_reply_init(&other, fmt_echo);
  EchoRequest slow = {.message = "slow", .delayMs = 10000};
  EchoRequest medium = {.message = "medium", .delayMs = 200};
  assert_int_equal(my_timer_echo(doomed, e2e_reply_cb, &pending, slow), RET_OK);
  assert_int_equal(my_timer_echo(sibling, e2e_reply_cb, &other, medium), RET_OK);
  assert_int_equal(my_timer_destroy(doomed), 0);
  /* destroy is synchronous: the pending call has been answered. */
  assert_int_equal(pending.terminal, 1);
  assert_int_equal(pending.ret, RET_ERR);
  assert_true(pending.len > 0);
  E2E_ASSERT_FMT(&other, "echoed=medium timerName=sibling");
  assert_int_equal(other.terminal, 1);
  assert_int_equal(pending.terminal, 1);
  e2e_reply_fini(&pending);
  e2e_reply_fini(&other);
  assert_int_equal(my_timer_destroy(sibling), 0);
}

/* abi.md 3.1: a destroyed handle never validates again, even when its slot
 * is reused by a later context (of this library or the other one). */
static void a_destroyed_handle_stays_dead_after_its_slot_is_reused(void **state) {
  (void)state;
  void *old = timer_new("old");
  assert_int_equal(my_timer_destroy(old), 0);
  void *later[4];
  for (int i = 0; i < 4; i++)
    later[i] = i % 2 ? echo_new("e") : timer_new("new");
  for (int i = 0; i < 4; i++)
    assert_true(later[i] != old);
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version(old, e2e_reply_cb, &r), RET_ERR);
  assert_int_equal(r.ret, RET_ERR);
  e2e_reply_fini(&r);
  assert_int_not_equal(my_timer_destroy(old), 0);
  expect_timer_echo(later[0], "alive", "new");
  assert_int_equal(my_timer_destroy(later[0]), 0);
  assert_int_equal(echo_destroy(later[1]), 0);
  assert_int_equal(my_timer_destroy(later[2]), 0);
  assert_int_equal(echo_destroy(later[3]), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(echo_library_rows_native),
      cmocka_unit_test(echo_library_rows_cbor),
      cmocka_unit_test(a_handle_is_refused_by_the_other_library),
      cmocka_unit_test(an_error_in_one_context_does_not_affect_its_siblings),
      cmocka_unit_test(destroying_a_context_with_a_pending_call_answers_it_once),
      cmocka_unit_test(a_destroyed_handle_stays_dead_after_its_slot_is_reused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
