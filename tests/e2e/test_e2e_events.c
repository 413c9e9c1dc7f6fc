/*
 * test_e2e_events.c - my_timer's on_echo_fired as every kind of listener
 * sees it (abi.md 4), through the generated exports of libmy_timer.so.
 *
 * Each test has its own timer. Listeners append lines to an e2e_log; an
 * echo's reply comes after its event was queued, so the tests wait for the
 * reply, then for the expected number of lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

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

/* Per test: a timer and the log its listeners write to. The timer is
 * destroyed before the log, so no listener can outlive it. */
typedef struct fixture {
  void *ctx;
  e2e_log log;
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof *fx);
  assert_non_null(fx);
  fx->ctx = timer_new("ev");
  e2e_log_init(&fx->log);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  assert_int_equal(my_timer_destroy(fx->ctx), 0);
  e2e_log_fini(&fx->log);
  free(fx);
  return 0;
}

static void echo_sync(void *ctx, const char *message) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  EchoRequest req = {.message = message, .delayMs = 0};
  assert_int_equal(my_timer_echo(ctx, e2e_reply_cb, &r, req), RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  e2e_reply_fini(&r);
}

static void wait_lines(e2e_log *log, size_t n) {
  assert_int_equal(e2e_log_wait(log, n, E2E_TIMEOUT_MS), 0);
}

/* Waits a little to show nothing more arrives (for "is not called"). */
static void settle(void) {
  struct timespec pause = {0, 100 * 1000000L};
  nanosleep(&pause, NULL);
}

static const char *line(e2e_log *log, size_t i) {
  pthread_mutex_lock(&log->mu);
  const char *s = i < log->count ? log->lines[i] : "<missing>";
  pthread_mutex_unlock(&log->mu);
  return s;
}

/* A listener tag: which listener wrote a line, into which log. */
typedef struct tagged {
  e2e_log *log;
  const char *tag;
} tagged;

static void typed_listener(const EchoEvent *evt, void *ud) {
  tagged *t = ud;
  e2e_log_add(t->log, "%s %s %" PRId64, t->tag, evt->message, evt->echoCount);
}

static void raw_native_listener(int ret, const char *msg, size_t len, void *ud) {
  tagged *t = ud;
  const EchoEvent *evt = (const EchoEvent *)msg;
  e2e_log_add(t->log, "%s ret=%d len=%zu %s %" PRId64, t->tag, ret, len, evt->message,
              evt->echoCount);
}

static void native_wildcard(int ret, const char *msg, size_t len, void *ud) {
  tagged *t = ud;
  const FFIEventView *view = (const FFIEventView *)msg;
  if (len != sizeof(FFIEventView)) {
    e2e_log_add(t->log, "%s bad len %zu", t->tag, len);
    return;
  }
  if (strcmp(view->eventType, "on_echo_fired") != 0) return; /* liveness events */
  const EchoEvent *evt = view->payload;
  e2e_log_add(t->log, "%s ret=%d %s size=%zu %s %" PRId64, t->tag, ret, view->eventType,
              view->payloadSize, evt->message, evt->echoCount);
}

static void cbor_listener(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  tagged *t = ud;
  static const char name[] = "\x69"
                             "eventType\x6d"
                             "on_echo_fired";
  if (len > sizeof name && memcmp(msg + 1, name, sizeof name - 1) == 0)
    e2e_log_add_hex(t->log, t->tag, msg, len);
}

/* ------------------------------------------------------------ tests */

static void typed_listener_receives_the_event_struct(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged t = {log, "typed"};
  uint64_t id = my_timer_add_on_echo_fired_listener(ctx, typed_listener, &t);
  assert_true(id >= 1);
  echo_sync(ctx, "first");
  wait_lines(log, 1);
  assert_string_equal(line(log, 0), "typed first 1");
  assert_int_equal(my_timer_remove_event_listener(ctx, id), 0);
}

static void raw_native_listener_gets_struct_pointer_and_size(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged t = {log, "raw"};
  uint64_t id = my_timer_add_event_listener(ctx, "on_echo_fired", raw_native_listener, &t);
  assert_true(id >= 1);
  echo_sync(ctx, "sized");
  wait_lines(log, 1);
  char expected[96];
  snprintf(expected, sizeof expected, "raw ret=0 len=%zu sized 1", sizeof(EchoEvent));
  assert_string_equal(line(log, 0), expected);
  assert_int_equal(my_timer_remove_event_listener(ctx, id), 0);
}

static void handler_table_routes_to_its_typed_slot(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged t = {log, "table"};
  struct my_timer_event_handlers handlers = {.on_echo_fired = typed_listener};
  uint64_t id = my_timer_add_event_handlers(ctx, &handlers, &t);
  assert_true(id >= 1);
  echo_sync(ctx, "routed");
  wait_lines(log, 1);
  assert_string_equal(line(log, 0), "table routed 1");
  /* One id, removable like any listener. */
  assert_int_equal(my_timer_remove_event_listener(ctx, id), 0);
  echo_sync(ctx, "after");
  settle();
  assert_int_equal(e2e_log_count(log), 1);
}

static void two_listeners_on_one_event_run_in_registration_order(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged a = {log, "A"}, b = {log, "B"};
  uint64_t ida = my_timer_add_on_echo_fired_listener(ctx, typed_listener, &a);
  uint64_t idb = my_timer_add_on_echo_fired_listener(ctx, typed_listener, &b);
  assert_true(ida >= 1);
  assert_true(idb > ida);
  echo_sync(ctx, "x");
  echo_sync(ctx, "y");
  wait_lines(log, 4);
  assert_string_equal(line(log, 0), "A x 1");
  assert_string_equal(line(log, 1), "B x 1");
  assert_string_equal(line(log, 2), "A y 1");
  assert_string_equal(line(log, 3), "B y 1");
}

static void removed_listener_stops_while_the_other_keeps_receiving(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged a = {log, "A"}, b = {log, "B"};
  uint64_t ida = my_timer_add_on_echo_fired_listener(ctx, typed_listener, &a);
  uint64_t idb = my_timer_add_on_echo_fired_listener(ctx, typed_listener, &b);
  echo_sync(ctx, "both");
  wait_lines(log, 2);
  assert_int_equal(my_timer_remove_event_listener(ctx, ida), 0);
  /* Removing it again: not found. */
  assert_int_equal(my_timer_remove_event_listener(ctx, ida), 1);
  echo_sync(ctx, "only-b");
  echo_sync(ctx, "only-b-again");
  wait_lines(log, 4);
  settle();
  assert_int_equal(e2e_log_count(log), 4);
  assert_string_equal(line(log, 2), "B only-b 1");
  assert_string_equal(line(log, 3), "B only-b-again 1");
  assert_int_equal(my_timer_remove_event_listener(ctx, idb), 0);
}

static void native_wildcard_sees_the_event_name_in_the_view(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged t = {log, "any"};
  uint64_t id = my_timer_add_event_listener(ctx, "", native_wildcard, &t);
  uint64_t id_null = my_timer_add_event_listener(ctx, NULL, native_wildcard, &t);
  assert_true(id >= 1);
  assert_true(id_null > id);
  echo_sync(ctx, "viewed");
  wait_lines(log, 2);
  char expected[128];
  snprintf(expected, sizeof expected, "any ret=0 on_echo_fired size=%zu viewed 1",
           sizeof(EchoEvent));
  assert_string_equal(line(log, 0), expected);
  assert_string_equal(line(log, 1), expected);
}

/* The envelope of abi.md 6's worked example, byte for byte, for a CBOR
 * wildcard and a CBOR per-event listener. */
static void cbor_listeners_get_the_exact_envelope_bytes(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged per_event = {log, "event:"}, wildcard = {log, "wild:"};
  assert_true(my_timer_add_event_listener_cbor(ctx, "on_echo_fired", cbor_listener, &per_event) >=
              1);
  assert_true(my_timer_add_event_listener_cbor(ctx, "", cbor_listener, &wildcard) >= 1);
  echo_sync(ctx, "hi");
  wait_lines(log, 2);
  static const char envelope[] = "a2696576656e74547970656d6f6e5f6563686f5f6669726564677061796c"
                                 "6f6164a2676d657373616765626869696563686f436f756e7401";
  char expected[256];
  /* Per-event listeners run before wildcard ones. */
  snprintf(expected, sizeof expected, "event:%s", envelope);
  assert_string_equal(line(log, 0), expected);
  snprintf(expected, sizeof expected, "wild:%s", envelope);
  assert_string_equal(line(log, 1), expected);
}

static void events_of_one_emitter_arrive_in_emission_order(void **state) {
  fixture *fx = *state;
  void *ctx = fx->ctx;
  e2e_log *log = &fx->log;
  tagged t = {log, "seq"};
  assert_true(my_timer_add_on_echo_fired_listener(ctx, typed_listener, &t) >= 1);
  /* Fired back to back without waiting: all five run on the one worker. */
  e2e_reply r[5];
  char messages[5][8];
  for (int i = 0; i < 5; i++) {
    e2e_reply_init(&r[i], NULL);
    snprintf(messages[i], sizeof messages[i], "m%d", i);
    EchoRequest req = {.message = messages[i], .delayMs = 0};
    assert_int_equal(my_timer_echo(ctx, e2e_reply_cb, &r[i], req), RET_OK);
  }
  for (int i = 0; i < 5; i++) {
    E2E_WAIT(&r[i]);
    e2e_reply_fini(&r[i]);
  }
  wait_lines(log, 5);
  for (int i = 0; i < 5; i++) {
    char expected[32];
    snprintf(expected, sizeof expected, "seq m%d 1", i);
    assert_string_equal(line(log, (size_t)i), expected);
  }
}

static void listener_ids_are_distinct_and_bad_registrations_return_zero(void **state) {
  void *ctx = ((fixture *)*state)->ctx;
  tagged t = {NULL, "unused"};
  uint64_t a = my_timer_add_event_listener(ctx, "on_echo_fired", raw_native_listener, &t);
  uint64_t b = my_timer_add_event_listener(ctx, "on_echo_fired", raw_native_listener, &t);
  uint64_t c = my_timer_add_event_listener_cbor(ctx, "on_echo_fired", cbor_listener, &t);
  assert_true(a >= 1);
  assert_true(b > a);
  assert_true(c > b);
  assert_true(c < (UINT64_C(1) << 53));
  assert_int_equal(my_timer_add_event_listener(ctx, "on_echo_fired", NULL, &t), 0);
  assert_int_equal(my_timer_add_event_listener_cbor(ctx, "", NULL, &t), 0);
  assert_int_equal(my_timer_remove_event_listener(ctx, 0), 1);
  assert_int_equal(my_timer_remove_event_listener(ctx, c + 1000), 1);
  /* Removed ids are not reused. */
  assert_int_equal(my_timer_remove_event_listener(ctx, c), 0);
  uint64_t d = my_timer_add_event_listener_cbor(ctx, "", cbor_listener, &t);
  assert_true(d > c);
  assert_int_equal(my_timer_remove_event_listener(ctx, a), 0);
  assert_int_equal(my_timer_remove_event_listener(ctx, b), 0);
  assert_int_equal(my_timer_remove_event_listener(ctx, d), 0);
}

/* abi.md 4.3.4: listeners run on the event thread, so one may call the
 * library's exports and wait for the answer synchronously. */
typedef struct calling_listener {
  void *ctx;
  e2e_log *log;
} calling_listener;

static void call_version_and_wait(const EchoEvent *evt, void *ud) {
  calling_listener *c = ud;
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  int rc = my_timer_version(c->ctx, e2e_reply_cb, &r);
  int waited = e2e_reply_wait(&r, E2E_TIMEOUT_MS);
  e2e_log_add(c->log, "%s rc=%d waited=%d ret=%d %s", evt->message, rc, waited, r.ret,
              e2e_reply_str(&r));
  e2e_reply_fini(&r);
}

static void listener_may_call_the_library_and_wait_for_the_reply(void **state) {
  fixture *fx = *state;
  calling_listener c = {fx->ctx, &fx->log};
  uint64_t id = my_timer_add_on_echo_fired_listener(fx->ctx, call_version_and_wait, &c);
  assert_true(id >= 1);
  echo_sync(fx->ctx, "ask");
  wait_lines(&fx->log, 1);
  assert_string_equal(line(&fx->log, 0), "ask rc=0 waited=0 ret=0 timer v0.1.0");
  assert_int_equal(my_timer_remove_event_listener(fx->ctx, id), 0);
}

/* abi.md 4.3.1-3: a listener removing itself from inside its callback does
 * not deadlock and is never called again. */
typedef struct self_removing {
  void *ctx;
  e2e_log *log;
  uint64_t id;
} self_removing;

static void remove_myself(const EchoEvent *evt, void *ud) {
  self_removing *s = ud;
  int rc = my_timer_remove_event_listener(s->ctx, s->id);
  e2e_log_add(s->log, "once %s removed=%d", evt->message, rc);
}

static void listener_removing_itself_is_not_called_again(void **state) {
  fixture *fx = *state;
  self_removing s = {fx->ctx, &fx->log, 0};
  tagged other = {&fx->log, "other"};
  s.id = my_timer_add_on_echo_fired_listener(fx->ctx, remove_myself, &s);
  assert_true(s.id >= 1);
  assert_true(my_timer_add_on_echo_fired_listener(fx->ctx, typed_listener, &other) >= 1);
  echo_sync(fx->ctx, "first");
  echo_sync(fx->ctx, "second");
  wait_lines(&fx->log, 3);
  settle();
  assert_int_equal(e2e_log_count(&fx->log), 3);
  assert_string_equal(line(&fx->log, 0), "once first removed=0");
  assert_string_equal(line(&fx->log, 1), "other first 1");
  assert_string_equal(line(&fx->log, 2), "other second 1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(typed_listener_receives_the_event_struct, setup, teardown),
      cmocka_unit_test_setup_teardown(raw_native_listener_gets_struct_pointer_and_size, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(handler_table_routes_to_its_typed_slot, setup, teardown),
      cmocka_unit_test_setup_teardown(two_listeners_on_one_event_run_in_registration_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(removed_listener_stops_while_the_other_keeps_receiving, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(native_wildcard_sees_the_event_name_in_the_view, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(cbor_listeners_get_the_exact_envelope_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(events_of_one_emitter_arrive_in_emission_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(listener_ids_are_distinct_and_bad_registrations_return_zero,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(listener_may_call_the_library_and_wait_for_the_reply, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(listener_removing_itself_is_not_called_again, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
