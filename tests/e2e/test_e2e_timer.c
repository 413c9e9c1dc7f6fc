/*
 * test_e2e_timer.c - every row of examples.md's `my_timer` table, in both
 * ABIs, against build/lib/libmy_timer.so through the generated header,
 * with exact texts and bytes (including examples.md's worked calls and
 * abi.md section 6's worked example), plus the entry checks of abi.md 3.1.
 *
 * Expected CBOR is written as hex produced independently (python3-cbor2),
 * never by the runtime's own encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <my_timer/my_timer.h>

#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "e2e_util.h"
#include "e2e_timer.h"
#include "e2e_wait.h"

/* ------------------------------------------------------------ formatters */

static void fmt_echo(const char *msg, size_t len, char *out) {
  const EchoResponse *r = (const EchoResponse *)msg;
  snprintf(out, E2E_TEXT_MAX, "len=%zu echoed=%s timerName=%s", len, r->echoed, r->timerName);
}

static void fmt_complex(const char *msg, size_t len, char *out) {
  const ComplexResponse *r = (const ComplexResponse *)msg;
  snprintf(out, E2E_TEXT_MAX, "len=%zu summary=%s itemCount=%" PRId64 " hasNote=%d", len,
           r->summary, r->itemCount, r->hasNote);
}

static void fmt_schedule(const char *msg, size_t len, char *out) {
  const ScheduleResult *r = (const ScheduleResult *)msg;
  snprintf(out, E2E_TEXT_MAX,
           "len=%zu jobId=%s willRunCount=%" PRId64 " firstRunAtMs=%" PRId64
           " effectiveBackoffMs=%" PRId64,
           len, r->jobId, r->willRunCount, r->firstRunAtMs, r->effectiveBackoffMs);
}

/* ------------------------------------------------------------ fixtures */

static int setup_t1(void **state) {
  *state = timer_new("t1");
  return 0;
}

static int teardown_t1(void **state) {
  assert_int_equal(my_timer_destroy(*state), 0);
  return 0;
}

/* Calls a _cbor method export with hex request bytes. */
typedef int (*cbor_export)(void *ctx, FFICallBack cb, void *ud, const uint8_t *req, size_t len);

static int call_cbor(cbor_export fn, void *ctx, e2e_reply *r, const char *req_hex) {
  size_t n;
  uint8_t *req = e2e_unhex(req_hex, &n);
  int rc = fn(ctx, e2e_reply_cb, r, req, n);
  /* The export must not keep the request: wipe it before the reply comes. */
  memset(req, 0xff, n);
  free(req);
  return rc;
}

/* ------------------------------------------------------------ create */

static void create_native_replies_handle_as_ascii_decimal(void **state) {
  (void)state;
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  TimerConfig config = {.name = "n1"};
  uint64_t t0 = e2e_now_us();
  void *ctx = my_timer_create(config, e2e_reply_cb, &r);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  /* The constructor waits ~1 ms on the worker's loop. */
  assert_true(e2e_now_us() - t0 >= 1000);
  char expected[32];
  snprintf(expected, sizeof expected, "%" PRIuPTR, (uintptr_t)ctx);
  assert_int_equal(r.ret, RET_OK);
  assert_string_equal(e2e_reply_str(&r), expected);
  assert_int_equal(r.len, strlen(expected));
  assert_int_equal(my_timer_destroy(ctx), 0);
  assert_int_equal(r.terminal, 1);
  e2e_reply_fini(&r);
}

/* examples.md worked call: my_timer_create_cbor with {"config": {"name":
 * "t1"}} returns p, then cb(RET_OK, <CBOR text of the decimal of p>). */
static void create_cbor_worked_call_replies_cbor_text_of_handle(void **state) {
  (void)state;
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  size_t n;
  uint8_t *req = e2e_unhex("a166636f6e666967a1646e616d65627431", &n);
  void *ctx = my_timer_create_cbor(req, n, e2e_reply_cb, &r);
  free(req);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  char decimal[32];
  int dn = snprintf(decimal, sizeof decimal, "%" PRIuPTR, (uintptr_t)ctx);
  assert_true(dn < 24); /* a one-byte text head: 0x60 + length */
  assert_int_equal(r.len, (size_t)dn + 1);
  assert_int_equal(r.bytes[0], 0x60 + dn);
  assert_memory_equal(r.bytes + 1, decimal, (size_t)dn);
  e2e_reply_fini(&r);

  /* The timer is named t1: an echo says so. */
  e2e_reply_init(&r, fmt_echo);
  EchoRequest req2 = {.message = "m", .delayMs = 0};
  assert_int_equal(my_timer_echo(ctx, e2e_reply_cb, &r, req2), RET_OK);
  char expected[64];
  snprintf(expected, sizeof expected, "len=%zu echoed=m timerName=t1", sizeof(EchoResponse));
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);
  assert_int_equal(my_timer_destroy(ctx), 0);
}

static void create_without_callback_returns_null_in_both_abis(void **state) {
  (void)state;
  TimerConfig config = {.name = "x"};
  assert_null(my_timer_create(config, NULL, NULL));
  size_t n;
  uint8_t *req = e2e_unhex("a166636f6e666967a1646e616d65627431", &n);
  assert_null(my_timer_create_cbor(req, n, NULL, NULL));
  free(req);
}

static void create_cbor_wrong_field_type_fails_on_caller_thread_naming_field(void **state) {
  (void)state;
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  size_t n;
  uint8_t *req = e2e_unhex("a166636f6e666967a1646e616d6505", &n); /* {"config": {"name": 5}} */
  assert_null(my_timer_create_cbor(req, n, e2e_reply_cb, &r));
  free(req);
  /* Decoded before anything is created: the error came synchronously. */
  assert_int_equal(r.terminal, 1);
  assert_int_equal(r.ret, RET_ERR);
  assert_true(pthread_equal(r.thread, pthread_self()));
  assert_non_null(strstr(e2e_reply_str(&r), "config.name"));
  e2e_reply_fini(&r);

  /* Not CBOR at all (a truncated map head). */
  e2e_reply_init(&r, NULL);
  static const uint8_t junk[] = {0xa1, 0x66};
  assert_null(my_timer_create_cbor(junk, sizeof junk, e2e_reply_cb, &r));
  assert_int_equal(r.terminal, 1);
  assert_int_equal(r.ret, RET_ERR);
  assert_true(r.len > 0);
  e2e_reply_fini(&r);
}

/* ------------------------------------------------------------ version */

/* examples.md worked call: my_timer_version(ctx, cb, ud) ->
 * cb(RET_OK, "timer v0.1.0", 12). */
static void version_native_worked_call(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version(*state, e2e_reply_cb, &r), RET_OK);
  E2E_ASSERT_TEXT(&r, RET_OK, "timer v0.1.0");
  assert_int_equal(r.len, 12);
  e2e_reply_fini(&r);
}

/* examples.md worked call: my_timer_version_cbor(ctx, cb, ud, "\xa0", 1) ->
 * cb(RET_OK, 6c 'timer v0.1.0', 13). */
static void version_cbor_worked_call(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version_cbor(*state, e2e_reply_cb, &r, (const uint8_t *)"\xa0", 1),
                   RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK, "6c74696d65722076302e312e30");
  assert_int_equal(r.len, 13);
  e2e_reply_fini(&r);
}

/* ------------------------------------------------------------ echo */

static void echo_native_replies_typed_response(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, fmt_echo);
  EchoRequest req = {.message = "hello", .delayMs = 5};
  assert_int_equal(my_timer_echo(*state, e2e_reply_cb, &r, req), RET_OK);
  char expected[64];
  snprintf(expected, sizeof expected, "len=%zu echoed=hello timerName=t1", sizeof(EchoResponse));
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);
}

/* A CBOR listener that logs the hex of on_echo_fired envelopes. */
static void log_envelope(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  /* Only this library's own event: liveness events may reach a wildcard. */
  static const char name[] = "\x69"
                             "eventType\x6d"
                             "on_echo_fired";
  if (len > sizeof name && memcmp(msg + 1, name, sizeof name - 1) == 0)
    e2e_log_add_hex(ud, "", msg, len);
}

/* abi.md 6: the request bytes a1 63 'req' a2 67 'message' 62 'hi' 67
 * 'delayMs' 18 c8, its reply, and the event after it (CBOR listener). */
static void echo_cbor_worked_example_bytes_reply_and_event(void **state) {
  e2e_log events;
  e2e_log_init(&events);
  /* A CBOR wildcard listener logs the envelope's hex. */
  uint64_t id = my_timer_add_event_listener_cbor(*state, "", log_envelope, &events);
  assert_true(id > 0);

  e2e_reply r;
  e2e_reply_init(&r, NULL);
  static const uint8_t req[] = "\xa1\x63req\xa2\x67message\x62hi\x67"
                               "delayMs\x18\xc8";
  assert_int_equal(sizeof req - 1, 27);
  uint64_t t0 = e2e_now_ms();
  assert_int_equal(my_timer_echo_cbor(*state, e2e_reply_cb, &r, req, sizeof req - 1), RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK, "a2666563686f65646268696974696d65724e616d65627431");
  assert_true(e2e_now_ms() - t0 >= 190); /* it waited the 200 ms */
  e2e_reply_fini(&r);

  assert_int_equal(e2e_log_wait(&events, 1, E2E_TIMEOUT_MS), 0);
  pthread_mutex_lock(&events.mu);
  assert_string_equal(events.lines[0],
                      "a2696576656e74547970656d6f6e5f6563686f5f6669726564677061796c"
                      "6f6164a2676d657373616765626869696563686f436f756e7401");
  pthread_mutex_unlock(&events.mu);
  assert_int_equal(my_timer_remove_event_listener(*state, id), 0);
  e2e_log_fini(&events);
}

/* The delay runs on a libuv timer: the worker serves a later version call
 * while a 300 ms echo waits, so the version reply comes first. */
static void echo_delay_does_not_block_the_worker(void **state) {
  e2e_reply slow, quick;
  e2e_reply_init(&slow, fmt_echo);
  e2e_reply_init(&quick, NULL);
  EchoRequest req = {.message = "slow", .delayMs = 300};
  uint64_t t0 = e2e_now_ms();
  assert_int_equal(my_timer_echo(*state, e2e_reply_cb, &slow, req), RET_OK);
  assert_int_equal(my_timer_version(*state, e2e_reply_cb, &quick), RET_OK);
  E2E_ASSERT_TEXT(&quick, RET_OK, "timer v0.1.0");
  E2E_WAIT(&slow);
  uint64_t slow_ms = e2e_now_ms() - t0;
  assert_int_equal(slow.ret, RET_OK);
  /* Order, not speed: load slows both; only a worker stall longer than the
   * 300 ms delay could reorder them. */
  assert_true(quick.seq < slow.seq);
  assert_true(slow_ms >= 300);
  /* Exactly once: nothing more arrives later. */
  struct timespec pause = {0, 50 * 1000000L};
  nanosleep(&pause, NULL);
  assert_int_equal(slow.terminal, 1);
  assert_int_equal(quick.terminal, 1);
  e2e_reply_fini(&slow);
  e2e_reply_fini(&quick);
}

/* abi.md 3.3: native arguments are deep-copied before the export returns. */
static void echo_native_arguments_are_copied_before_return(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, fmt_echo);
  char *message = strdup("copied before return");
  EchoRequest req = {.message = message, .delayMs = 30};
  assert_int_equal(my_timer_echo(*state, e2e_reply_cb, &r, req), RET_OK);
  memset(message, 'X', strlen(message));
  free(message);
  E2E_WAIT(&r);
  assert_non_null(strstr(r.text, "echoed=copied before return timerName=t1"));
  e2e_reply_fini(&r);
}

static void echo_null_message_reads_as_empty_string(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, fmt_echo);
  EchoRequest req = {.message = NULL, .delayMs = 0};
  assert_int_equal(my_timer_echo(*state, e2e_reply_cb, &r, req), RET_OK);
  E2E_WAIT(&r);
  assert_non_null(strstr(r.text, "echoed= timerName=t1"));
  e2e_reply_fini(&r);
}

static void echo_cbor_wrong_type_replies_error_naming_req_delayMs(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  /* {"req": {"message": "hi", "delayMs": "soon"}} */
  assert_int_equal(call_cbor(my_timer_echo_cbor, *state, &r,
                             "a163726571a2676d6573736167656268696764656c61794d7364736f6f6e"),
                   RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  assert_string_equal(e2e_reply_str(&r), "req.delayMs: expected integer");
  e2e_reply_fini(&r);

  /* {"req": {"message": "hi"}}: a missing required key is named too. */
  e2e_reply_init(&r, NULL);
  assert_int_equal(call_cbor(my_timer_echo_cbor, *state, &r, "a163726571a1676d657373616765626869"),
                   RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  assert_non_null(strstr(e2e_reply_str(&r), "delayMs"));
  e2e_reply_fini(&r);

  /* An empty request: "req" is missing. */
  e2e_reply_init(&r, NULL);
  assert_int_equal(call_cbor(my_timer_echo_cbor, *state, &r, "a0"), RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  assert_non_null(strstr(e2e_reply_str(&r), "req"));
  e2e_reply_fini(&r);
}

/* ------------------------------------------------------------ complex */

static void complex_native_with_and_without_optionals(void **state) {
  EchoRequest messages[2] = {{.message = "a", .delayMs = 1}, {.message = "b", .delayMs = 2}};
  const char *tags[] = {"x", "y", "z"};
  ComplexRequest full = {.messages = messages,
                         .messages_len = 2,
                         .tags = tags,
                         .tags_len = 3,
                         .note_present = 1,
                         .note = "remember",
                         .retries_present = 1,
                         .retries = 3};
  char expected[256];
  e2e_reply r;
  e2e_reply_init(&r, fmt_complex);
  assert_int_equal(my_timer_complex(*state, e2e_reply_cb, &r, full), RET_OK);
  snprintf(expected, sizeof expected,
           "len=%zu summary=received 2 messages, note=remember, retries=3 itemCount=2 hasNote=1",
           sizeof(ComplexResponse));
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);

  ComplexRequest bare = {.messages = messages, .messages_len = 1};
  e2e_reply_init(&r, fmt_complex);
  assert_int_equal(my_timer_complex(*state, e2e_reply_cb, &r, bare), RET_OK);
  snprintf(expected, sizeof expected,
           "len=%zu summary=received 1 messages, note=<none>, retries=0 itemCount=1 hasNote=0",
           sizeof(ComplexResponse));
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);

  /* A NULL string reads as "" (abi.md 3.3), also inside an optional. */
  ComplexRequest null_note = {.note_present = 1, .note = NULL};
  e2e_reply_init(&r, fmt_complex);
  assert_int_equal(my_timer_complex(*state, e2e_reply_cb, &r, null_note), RET_OK);
  snprintf(expected, sizeof expected,
           "len=%zu summary=received 0 messages, note=, retries=0 itemCount=0 hasNote=1",
           sizeof(ComplexResponse));
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);

  /* Zero messages; retries present but note absent. */
  ComplexRequest empty = {.retries_present = 1, .retries = 7};
  e2e_reply_init(&r, fmt_complex);
  assert_int_equal(my_timer_complex(*state, e2e_reply_cb, &r, empty), RET_OK);
  snprintf(expected, sizeof expected,
           "len=%zu summary=received 0 messages, note=<none>, retries=7 itemCount=0 hasNote=0",
           sizeof(ComplexResponse));
  E2E_ASSERT_FMT(&r, expected);
  e2e_reply_fini(&r);
}

static void complex_cbor_with_and_without_optionals(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(
      call_cbor(
          my_timer_complex_cbor, *state, &r,
          "a163726571a4686d6573736167657382a2676d65737361676561616764656c61794d7301a2676d6573"
          "7361676561626764656c61794d730264746167738361786179617a646e6f74656872656d656d62657267"
          "7265747269657303"),
      RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK,
                 "a36773756d6d617279782d72656365697665642032206d657373616765732c206e6f74653d72656d"
                 "656d6265722c20726574726965733d33696974656d436f756e7402676861734e6f7465f5");
  e2e_reply_fini(&r);

  /* Optionals omitted. */
  e2e_reply_init(&r, NULL);
  assert_int_equal(call_cbor(my_timer_complex_cbor, *state, &r,
                             "a163726571a2686d6573736167657381a2676d65737361676561616764656c6179"
                             "4d7301647461677380"),
                   RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK,
                 "a36773756d6d617279782b72656365697665642031206d657373616765732c206e6f74653d3c6e6f"
                 "6e653e2c20726574726965733d30696974656d436f756e7401676861734e6f7465f4");
  e2e_reply_fini(&r);

  /* Optionals present as null read as absent (abi.md 6). */
  e2e_reply_init(&r, NULL);
  assert_int_equal(call_cbor(my_timer_complex_cbor, *state, &r,
                             "a163726571a4686d65737361676573806474616773816171646e6f7465f6677265"
                             "7472696573f6"),
                   RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK,
                 "a36773756d6d617279782b72656365697665642030206d657373616765732c206e6f74653d3c6e6f"
                 "6e653e2c20726574726965733d30696974656d436f756e7400676861734e6f7465f4");
  e2e_reply_fini(&r);
}

static void complex_cbor_bad_nested_field_names_its_path(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  /* messages[2].delayMs is the text "x". */
  assert_int_equal(
      call_cbor(my_timer_complex_cbor, *state, &r,
                "a163726571a2686d6573736167657383a2676d65737361676561616764656c61794d7301a2676d6573"
                "7361676561626764656c61794d7302a2676d65737361676561636764656c61794d7361786474616773"
                "80"),
      RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  /* The text abi.md and the issue give as the example of a field path. */
  assert_string_equal(e2e_reply_str(&r), "req.messages[2].delayMs: expected integer");
  e2e_reply_fini(&r);
}

static void complex_native_seq_with_null_pointer_is_rejected(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  ComplexRequest bad = {.messages = NULL, .messages_len = 2};
  int rc = my_timer_complex(*state, e2e_reply_cb, &r, bad);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_ERR);
  assert_true(rc == RET_ERR || rc == RET_OK);
  assert_non_null(strstr(e2e_reply_str(&r), "messages"));
  e2e_reply_fini(&r);
}

/* ------------------------------------------------------------ schedule */

static void schedule_native_result_rows(void **state) {
  const char *payload[] = {"p1"};
  const char *retry_on[] = {"timeout"};
  JobSpec job = {.name = "backup", .payload = payload, .payload_len = 1, .priority = 5};
  RetryPolicy retry = {.maxAttempts = 3, .backoffMs = 250, .retryOn = retry_on, .retryOn_len = 1};
  struct {
    ScheduleConfig when;
    const char *expected; /* after "len=N " */
  } rows[] = {
      {{.startAtMs = 1000, .intervalMs = 15000, .jitter_present = 1, .jitter = 50},
       "jobId=t1:backup willRunCount=4 firstRunAtMs=1050 effectiveBackoffMs=250"},
      /* no interval: runs once; jitter absent counts as 0 */
      {{.startAtMs = 7, .intervalMs = 0},
       "jobId=t1:backup willRunCount=1 firstRunAtMs=7 effectiveBackoffMs=250"},
      /* an interval over a minute still runs once: max(1, 0) */
      {{.startAtMs = 0, .intervalMs = 120000, .jitter_present = 1, .jitter = -5},
       "jobId=t1:backup willRunCount=1 firstRunAtMs=-5 effectiveBackoffMs=250"},
      {{.startAtMs = 100, .intervalMs = 7, .jitter_present = 0, .jitter = 99},
       "jobId=t1:backup willRunCount=8571 firstRunAtMs=100 effectiveBackoffMs=250"},
      {{.startAtMs = 1, .intervalMs = -10},
       "jobId=t1:backup willRunCount=1 firstRunAtMs=1 effectiveBackoffMs=250"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    e2e_reply r;
    e2e_reply_init(&r, fmt_schedule);
    assert_int_equal(my_timer_schedule(*state, e2e_reply_cb, &r, job, retry, rows[i].when), RET_OK);
    char expected[256];
    snprintf(expected, sizeof expected, "len=%zu %s", sizeof(ScheduleResult), rows[i].expected);
    E2E_ASSERT_FMT(&r, expected);
    e2e_reply_fini(&r);
  }
}

/* examples.md worked call: schedule with an empty job name ->
 * cb(RET_ERR, "job name must not be empty", 26). */
static void schedule_native_errors(void **state) {
  RetryPolicy retry = {.maxAttempts = 3, .backoffMs = 250};
  ScheduleConfig when = {.startAtMs = 0, .intervalMs = 0};
  JobSpec nameless = {.name = "", .priority = 1};
  e2e_reply r;
  e2e_reply_init(&r, fmt_schedule);
  assert_int_equal(my_timer_schedule(*state, e2e_reply_cb, &r, nameless, retry, when), RET_OK);
  E2E_ASSERT_TEXT(&r, RET_ERR, "job name must not be empty");
  assert_int_equal(r.len, 26);
  e2e_reply_fini(&r);

  /* A NULL name reads as "": the same error. */
  JobSpec null_name = {.name = NULL, .priority = 1};
  e2e_reply_init(&r, fmt_schedule);
  assert_int_equal(my_timer_schedule(*state, e2e_reply_cb, &r, null_name, retry, when), RET_OK);
  E2E_ASSERT_TEXT(&r, RET_ERR, "job name must not be empty");
  e2e_reply_fini(&r);

  /* The name check comes first, also when maxAttempts is bad too. */
  RetryPolicy no_attempts = {.maxAttempts = 0, .backoffMs = 1};
  e2e_reply_init(&r, fmt_schedule);
  assert_int_equal(my_timer_schedule(*state, e2e_reply_cb, &r, nameless, no_attempts, when),
                   RET_OK);
  E2E_ASSERT_TEXT(&r, RET_ERR, "job name must not be empty");
  e2e_reply_fini(&r);

  JobSpec job = {.name = "j", .priority = 1};
  int64_t attempts[] = {0, -1, INT64_MIN};
  for (size_t i = 0; i < 3; i++) {
    RetryPolicy bad = {.maxAttempts = attempts[i], .backoffMs = 1};
    e2e_reply_init(&r, fmt_schedule);
    assert_int_equal(my_timer_schedule(*state, e2e_reply_cb, &r, job, bad, when), RET_OK);
    E2E_ASSERT_TEXT(&r, RET_ERR, "retry.maxAttempts must be positive");
    e2e_reply_fini(&r);
  }
}

static void schedule_cbor_result_and_errors(void **state) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(
      call_cbor(my_timer_schedule_cbor, *state, &r,
                "a3636a6f62a3646e616d65666261636b7570677061796c6f616481627031687072696f7269747905"
                "657265747279a36b6d6178417474656d70747303696261636b6f66664d7318fa6772657472794f6e81"
                "6774696d656f7574687363686564756c65a369737461727441744d731903e86a696e74657276616c4d"
                "73193a98666a69747465721832"),
      RET_OK);
  E2E_ASSERT_HEX(&r, RET_OK,
                 "a4656a6f6249646974313a6261636b75706c77696c6c52756e436f756e74046c666972737452756e"
                 "41744d7319041a726566666563746976654261636b6f66664d7318fa");
  e2e_reply_fini(&r);

  /* Errors are raw UTF-8 in the CBOR ABI too. */
  e2e_reply_init(&r, NULL);
  assert_int_equal(
      call_cbor(my_timer_schedule_cbor, *state, &r,
                "a3636a6f62a3646e616d6560677061796c6f616480687072696f7269747901657265747279a36b6d61"
                "78417474656d70747303696261636b6f66664d7318fa6772657472794f6e80687363686564756c65a2"
                "69737461727441744d73006a696e74657276616c4d7300"),
      RET_OK);
  E2E_ASSERT_TEXT(&r, RET_ERR, "job name must not be empty");
  e2e_reply_fini(&r);

  e2e_reply_init(&r, NULL);
  assert_int_equal(
      call_cbor(my_timer_schedule_cbor, *state, &r,
                "a3636a6f62a3646e616d65616a677061796c6f616480687072696f7269747901657265747279a36b6d"
                "6178417474656d70747300696261636b6f66664d7318fa6772657472794f6e80687363686564756c65"
                "a269737461727441744d73006a696e74657276616c4d7300"),
      RET_OK);
  E2E_ASSERT_TEXT(&r, RET_ERR, "retry.maxAttempts must be positive");
  e2e_reply_fini(&r);
}

/* ------------------------------------------------------------ entry checks */

static void method_without_callback_returns_missing_callback(void **state) {
  EchoRequest req = {.message = "x", .delayMs = 0};
  assert_int_equal(my_timer_echo(*state, NULL, NULL, req), RET_MISSING_CALLBACK);
  assert_int_equal(my_timer_version(*state, NULL, NULL), RET_MISSING_CALLBACK);
  assert_int_equal(my_timer_version_cbor(*state, NULL, NULL, (const uint8_t *)"\xa0", 1),
                   RET_MISSING_CALLBACK);
  /* Checked first: a NULL ctx with a NULL callback is still "missing callback". */
  assert_int_equal(my_timer_version(NULL, NULL, NULL), RET_MISSING_CALLBACK);
}

static void null_forged_and_destroyed_handles_fail_on_the_callers_thread(void **state) {
  (void)state;
  void *handles[3];
  handles[0] = NULL;
  handles[1] = (void *)(uintptr_t)0xdeadbeefu;
  handles[2] = timer_new("gone");
  assert_int_equal(my_timer_destroy(handles[2]), 0);
  for (int i = 0; i < 3; i++) {
    e2e_reply r;
    e2e_reply_init(&r, NULL);
    assert_int_equal(my_timer_version(handles[i], e2e_reply_cb, &r), RET_ERR);
    assert_int_equal(r.terminal, 1);
    assert_int_equal(r.ret, RET_ERR);
    assert_true(r.len > 0);
    assert_true(pthread_equal(r.thread, pthread_self()));
    e2e_reply_fini(&r);

    e2e_reply_init(&r, NULL);
    assert_int_equal(my_timer_echo_cbor(handles[i], e2e_reply_cb, &r, (const uint8_t *)"\xa0", 1),
                     RET_ERR);
    assert_int_equal(r.terminal, 1);
    assert_int_equal(r.ret, RET_ERR);
    e2e_reply_fini(&r);

    assert_int_equal(my_timer_add_event_listener(handles[i], "", e2e_reply_cb, NULL), 0);
    assert_int_equal(my_timer_remove_event_listener(handles[i], 1), 1);
    assert_int_not_equal(my_timer_destroy(handles[i]), 0);
  }
}

/* examples.md: the destructor is exported as my_timer_destroy only, and
 * abi.md 2: every export carries the library's prefix. */
static void destroy_has_no_cbor_twin_and_exports_are_prefixed(void **state) {
  (void)state;
  /* The main program's handle searches every library it loaded. */
  void *self = dlopen(NULL, RTLD_NOW);
  assert_non_null(self);
  assert_non_null(dlsym(self, "my_timer_destroy"));
  assert_null(dlsym(self, "my_timer_destroy_cbor"));
  static const char *const exported[] = {"my_timer_create",
                                         "my_timer_create_cbor",
                                         "my_timer_echo",
                                         "my_timer_echo_cbor",
                                         "my_timer_version",
                                         "my_timer_version_cbor",
                                         "my_timer_complex",
                                         "my_timer_complex_cbor",
                                         "my_timer_schedule",
                                         "my_timer_schedule_cbor",
                                         "my_timer_add_event_listener",
                                         "my_timer_add_event_listener_cbor",
                                         "my_timer_remove_event_listener"};
  for (size_t i = 0; i < sizeof exported / sizeof exported[0]; i++) {
    if (!dlsym(self, exported[i])) print_error("missing export %s\n", exported[i]);
    assert_non_null(dlsym(self, exported[i]));
  }
  /* nim-ffi's unprefixed initializer must not exist. */
  assert_null(dlsym(self, "initializeLibrary"));
  dlclose(self);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(create_native_replies_handle_as_ascii_decimal),
      cmocka_unit_test(create_cbor_worked_call_replies_cbor_text_of_handle),
      cmocka_unit_test(create_without_callback_returns_null_in_both_abis),
      cmocka_unit_test(create_cbor_wrong_field_type_fails_on_caller_thread_naming_field),
      cmocka_unit_test_setup_teardown(version_native_worked_call, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(version_cbor_worked_call, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(echo_native_replies_typed_response, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(echo_cbor_worked_example_bytes_reply_and_event, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(echo_delay_does_not_block_the_worker, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(echo_native_arguments_are_copied_before_return, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(echo_null_message_reads_as_empty_string, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(echo_cbor_wrong_type_replies_error_naming_req_delayMs,
                                      setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(complex_native_with_and_without_optionals, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(complex_cbor_with_and_without_optionals, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(complex_cbor_bad_nested_field_names_its_path, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(complex_native_seq_with_null_pointer_is_rejected, setup_t1,
                                      teardown_t1),
      cmocka_unit_test_setup_teardown(schedule_native_result_rows, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(schedule_native_errors, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(schedule_cbor_result_and_errors, setup_t1, teardown_t1),
      cmocka_unit_test_setup_teardown(method_without_callback_returns_missing_callback, setup_t1,
                                      teardown_t1),
      cmocka_unit_test(null_forged_and_destroyed_handles_fail_on_the_callers_thread),
      cmocka_unit_test(destroy_has_no_cbor_twin_and_exports_are_prefixed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
