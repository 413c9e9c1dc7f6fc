/*
 * test_e2e_cbor_host.c - a host that speaks only CBOR: it includes the
 * self-contained <my_timer/my_timer_cbor.h> (no native host header, no
 * ffirt header), encodes requests with its typed encoders, calls the _cbor
 * exports of libmy_timer.so, and decodes replies and event envelopes with
 * its typed decoders. The bytes on the wire are checked against abi.md 6's
 * worked example, so the generated CBOR host header and the library agree
 * with the contract, not only with each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <my_timer/my_timer_cbor.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_util.h"
#include "e2e_wait.h"

/* A CBOR listener keeps copies of the envelopes (bytes are borrowed). */
static void keep_envelope(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  char name[32];
  if (my_timer_event_type((const uint8_t *)msg, len, name, sizeof name) != 0) {
    e2e_log_add(ud, "not an envelope");
    return;
  }
  if (strcmp(name, "on_echo_fired") != 0) return; /* liveness events */
  e2e_log_add_hex(ud, "", msg, len);
}

static void *create_cbor(const char *name) {
  uint8_t *req;
  size_t n;
  TimerConfig config = {.name = name};
  assert_int_equal(my_timer_create_request_encode(config, &req, &n), 0);
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  void *ctx = my_timer_create_cbor(req, n, e2e_reply_cb, &r);
  free(req);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  char decimal[32];
  int dn = snprintf(decimal, sizeof decimal, "%" PRIuPTR, (uintptr_t)ctx);
  assert_int_equal(r.len, (size_t)dn + 1);
  assert_memory_equal(r.bytes + 1, decimal, (size_t)dn);
  e2e_reply_fini(&r);
  return ctx;
}

static void echo_round_trip_through_the_cbor_host_header(void **state) {
  (void)state;
  void *ctx = create_cbor("t1");
  e2e_log events;
  e2e_log_init(&events);
  uint64_t id = my_timer_add_event_listener_cbor(ctx, "", keep_envelope, &events);
  assert_true(id >= 1);

  /* The typed encoder writes abi.md 6's worked request byte for byte. */
  uint8_t *req;
  size_t n;
  EchoRequest echo = {.message = "hi", .delayMs = 200};
  assert_int_equal(my_timer_echo_request_encode(echo, &req, &n), 0);
  char *hex = malloc(2 * n + 1);
  assert_non_null(hex);
  e2e_hex(req, n, hex);
  assert_string_equal(hex, "a163726571a2676d6573736167656268696764656c61794d7318c8");
  free(hex);

  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_echo_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  EchoResponse resp;
  char err[128];
  assert_int_equal(my_timer_echo_response_decode(r.bytes, r.len, &resp, err, sizeof err), 0);
  assert_string_equal(resp.echoed, "hi");
  assert_string_equal(resp.timerName, "t1");
  my_timer_EchoResponse_free(&resp);
  e2e_reply_fini(&r);

  /* The event, decoded by the typed envelope decoder. */
  assert_int_equal(e2e_log_wait(&events, 1, E2E_TIMEOUT_MS), 0);
  pthread_mutex_lock(&events.mu);
  size_t elen;
  uint8_t *envelope = e2e_unhex(events.lines[0], &elen);
  pthread_mutex_unlock(&events.mu);
  EchoEvent evt;
  assert_int_equal(my_timer_on_echo_fired_event_decode(envelope, elen, &evt, err, sizeof err), 0);
  assert_string_equal(evt.message, "hi");
  assert_int_equal(evt.echoCount, 1);
  my_timer_EchoEvent_free(&evt);
  free(envelope);

  assert_int_equal(my_timer_remove_event_listener(ctx, id), 0);
  assert_int_equal(my_timer_destroy(ctx), 0);
  e2e_log_fini(&events);
}

static void version_complex_and_schedule_through_the_cbor_host_header(void **state) {
  (void)state;
  void *ctx = create_cbor("cb");
  uint8_t *req;
  size_t n;
  char err[128];
  e2e_reply r;

  assert_int_equal(my_timer_version_request_encode(&req, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(req[0], 0xa0);
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_WAIT(&r);
  const char *version = NULL;
  assert_int_equal(my_timer_version_response_decode(r.bytes, r.len, &version, err, sizeof err), 0);
  assert_string_equal(version, "timer v0.1.0");
  free((void *)version);
  e2e_reply_fini(&r);

  EchoRequest messages[3] = {{"a", 1}, {"b", 2}, {"c", 3}};
  const char *tags[] = {"t"};
  ComplexRequest complex = {.messages = messages,
                            .messages_len = 3,
                            .tags = tags,
                            .tags_len = 1,
                            .note_present = 1,
                            .note = "n",
                            .retries_present = 0};
  assert_int_equal(my_timer_complex_request_encode(complex, &req, &n), 0);
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_complex_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_WAIT(&r);
  ComplexResponse cr;
  assert_int_equal(my_timer_complex_response_decode(r.bytes, r.len, &cr, err, sizeof err), 0);
  assert_string_equal(cr.summary, "received 3 messages, note=n, retries=0");
  assert_int_equal(cr.itemCount, 3);
  assert_true(cr.hasNote);
  my_timer_ComplexResponse_free(&cr);
  e2e_reply_fini(&r);

  JobSpec job = {.name = "nightly", .priority = 1};
  RetryPolicy retry = {.maxAttempts = 2, .backoffMs = 30};
  ScheduleConfig when = {.startAtMs = 10, .intervalMs = 30000};
  assert_int_equal(my_timer_schedule_request_encode(job, retry, when, &req, &n), 0);
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_schedule_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_WAIT(&r);
  ScheduleResult sr;
  assert_int_equal(my_timer_schedule_response_decode(r.bytes, r.len, &sr, err, sizeof err), 0);
  assert_string_equal(sr.jobId, "cb:nightly");
  assert_int_equal(sr.willRunCount, 2);
  assert_int_equal(sr.firstRunAtMs, 10);
  assert_int_equal(sr.effectiveBackoffMs, 30);
  my_timer_ScheduleResult_free(&sr);
  e2e_reply_fini(&r);

  /* An error reply is raw UTF-8 text in the CBOR ABI too. */
  job.name = "";
  assert_int_equal(my_timer_schedule_request_encode(job, retry, when, &req, &n), 0);
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_schedule_cbor(ctx, e2e_reply_cb, &r, req, n), RET_OK);
  free(req);
  E2E_ASSERT_TEXT(&r, RET_ERR, "job name must not be empty");
  e2e_reply_fini(&r);

  assert_int_equal(my_timer_destroy(ctx), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(echo_round_trip_through_the_cbor_host_header),
      cmocka_unit_test(version_complex_and_schedule_through_the_cbor_host_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
