/*
 * test_e2e_nimffi.c - a host written in nim-ffi's style against two
 * libraries' CBOR host headers in one translation unit: requests built with
 * the FfiCbor encoder (ffi_cbor_new/map/text/kv_text/kv_int/kv_uint/free),
 * text replies read with ffi_text_view/ffi_decode_text, calling the _cbor
 * exports of libmy_timer.so and libecho.so. Also the helpers' exact bytes
 * and edge cases, and the decoders of the built-in events' envelopes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

/* Both headers: the FfiCbor helpers are defined once (guarded). */
#include <echo/echo_cbor.h>
#include <my_timer/my_timer_cbor.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_util.h"
#include "e2e_wait.h"

#define ASSERT_BYTES(c, ...)                                                                       \
  do {                                                                                             \
    static const uint8_t want_[] = {__VA_ARGS__};                                                  \
    assert_int_equal((c).len, sizeof want_);                                                       \
    assert_memory_equal((c).buf, want_, sizeof want_);                                             \
  } while (0)

static void encoder_bytes_are_exact(void **state) {
  (void)state;
  FfiCbor c = ffi_cbor_new();
  assert_null(c.buf);
  assert_int_equal(c.len, 0);
  assert_int_equal(ffi_cbor_map(&c, 2), 0);
  assert_int_equal(ffi_cbor_kv_int(&c, "a", -1), 0);
  assert_int_equal(ffi_cbor_kv_int(&c, "b", 23), 0);
  ASSERT_BYTES(c, 0xa2, 0x61, 'a', 0x20, 0x61, 'b', 0x17);
  ffi_cbor_free(&c);
  assert_null(c.buf);
  assert_int_equal(c.len, 0);
  assert_int_equal(c.cap, 0);

  c = ffi_cbor_new();
  ffi_cbor_kv_int(&c, "", -500);
  ffi_cbor_kv_int(&c, "", INT64_MIN);
  ffi_cbor_kv_uint(&c, "", UINT64_C(4294967296));
  ffi_cbor_kv_uint(&c, "", UINT64_MAX);
  ffi_cbor_kv_int(&c, "", 24);
  ASSERT_BYTES(c, 0x60, 0x39, 0x01, 0xf3, 0x60, 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
               0xff, 0x60, 0x1b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x60, 0x1b, 0xff,
               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x60, 0x18, 0x18);
  ffi_cbor_free(&c);

  /* texts: 24 bytes need a one-byte length; growth past the first block */
  c = ffi_cbor_new();
  ffi_cbor_map(&c, 24);
  ffi_cbor_text(&c, "abcdefghijklmnopqrstuvwx");
  assert_int_equal(c.len, 2 + 2 + 24);
  assert_int_equal(c.buf[0], 0xb8);
  assert_int_equal(c.buf[1], 24);
  assert_int_equal(c.buf[2], 0x78);
  assert_int_equal(c.buf[3], 24);
  char big[1000];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ffi_cbor_kv_text(&c, "k", big);
  assert_true(c.cap >= c.len);
  assert_int_equal(c.len, 28 + 2 + 3 + 999);
  assert_int_equal(c.buf[30], 0x79); /* two-byte length 999 */
  ffi_cbor_free(&c);
  ffi_cbor_free(NULL);
}

static void text_readers(void **state) {
  (void)state;
  const uint8_t ok[] = {0x63, 'a', 'b', 'c'};
  const uint8_t *p = NULL;
  size_t n = 99;
  assert_int_equal(ffi_text_view(ok, sizeof ok, &p, &n), 1);
  assert_ptr_equal(p, ok + 1); /* a view into data */
  assert_int_equal(n, 3);
  char *s = ffi_decode_text(ok, sizeof ok);
  assert_string_equal(s, "abc");
  free(s);
  const uint8_t empty[] = {0x60};
  s = ffi_decode_text(empty, 1);
  assert_string_equal(s, "");
  free(s);

  const uint8_t not_text[] = {0x01};
  const uint8_t truncated[] = {0x63, 'a'};
  const uint8_t trailing[] = {0x61, 'a', 0x00};
  const uint8_t indefinite[] = {0x7f, 0x61, 'a', 0xff};
  const uint8_t bytes[] = {0x41, 'a'};
  const uint8_t short_head[] = {0x78};
  p = NULL;
  n = 99;
  assert_int_equal(ffi_text_view(not_text, 1, &p, &n), 0);
  assert_int_equal(ffi_text_view(truncated, sizeof truncated, &p, &n), 0);
  assert_int_equal(ffi_text_view(trailing, sizeof trailing, &p, &n), 0);
  assert_int_equal(ffi_text_view(indefinite, sizeof indefinite, &p, &n), 0);
  assert_int_equal(ffi_text_view(bytes, sizeof bytes, &p, &n), 0);
  assert_int_equal(ffi_text_view(short_head, 1, &p, &n), 0);
  assert_int_equal(ffi_text_view(NULL, 4, &p, &n), 0);
  assert_int_equal(ffi_text_view(ok, 0, &p, &n), 0);
  assert_null(p); /* untouched on 0 */
  assert_int_equal(n, 99);
  assert_null(ffi_decode_text(not_text, 1));
  assert_null(ffi_decode_text(truncated, sizeof truncated));
  assert_null(ffi_decode_text(NULL, 0));
}

/* --- the nim-ffi stress test's shape: build, call, read back ------------- */

static void *create(const char *lib, const char *key, const char *value) {
  FfiCbor c = ffi_cbor_new();
  ffi_cbor_map(&c, 1);
  ffi_cbor_text(&c, "config");
  ffi_cbor_map(&c, 1);
  ffi_cbor_kv_text(&c, key, value);
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  void *ctx = strcmp(lib, "echo") == 0 ? echo_create_cbor(c.buf, c.len, e2e_reply_cb, &r)
                                       : my_timer_create_cbor(c.buf, c.len, e2e_reply_cb, &r);
  ffi_cbor_free(&c);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  /* the reply is the handle as a CBOR text */
  char *decimal = ffi_decode_text(r.bytes, r.len);
  assert_non_null(decimal);
  char want[32];
  snprintf(want, sizeof want, "%" PRIuPTR, (uintptr_t)ctx);
  assert_string_equal(decimal, want);
  free(decimal);
  e2e_reply_fini(&r);
  return ctx;
}

static void two_libraries_in_nimffi_style(void **state) {
  (void)state;
  void *timer = create("my_timer", "name", "nim");
  void *echo = create("echo", "prefix", "p");

  /* version: {} -> a CBOR text */
  FfiCbor c = ffi_cbor_new();
  ffi_cbor_map(&c, 0);
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_version_cbor(timer, e2e_reply_cb, &r, c.buf, c.len), RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  const uint8_t *view;
  size_t view_len;
  assert_int_equal(ffi_text_view(r.bytes, r.len, &view, &view_len), 1);
  assert_int_equal(view_len, strlen("timer v0.1.0"));
  assert_memory_equal(view, "timer v0.1.0", view_len);
  e2e_reply_fini(&r);
  ffi_cbor_free(&c);

  /* echo: {"req": {"message": "hi", "delayMs": 1}} */
  c = ffi_cbor_new();
  ffi_cbor_map(&c, 1);
  ffi_cbor_text(&c, "req");
  ffi_cbor_map(&c, 2);
  ffi_cbor_kv_text(&c, "message", "hi");
  ffi_cbor_kv_int(&c, "delayMs", 1);
  e2e_reply_init(&r, NULL);
  assert_int_equal(my_timer_echo_cbor(timer, e2e_reply_cb, &r, c.buf, c.len), RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  EchoResponse resp;
  char err[256];
  assert_int_equal(my_timer_echo_response_decode(r.bytes, r.len, &resp, err, sizeof err), 0);
  assert_string_equal(resp.echoed, "hi");
  assert_string_equal(resp.timerName, "nim");
  my_timer_EchoResponse_free(&resp);
  e2e_reply_fini(&r);
  ffi_cbor_free(&c);

  /* shout on the other library: {"req": {"text": "hey"}} */
  c = ffi_cbor_new();
  ffi_cbor_map(&c, 1);
  ffi_cbor_text(&c, "req");
  ffi_cbor_map(&c, 1);
  ffi_cbor_kv_text(&c, "text", "hey");
  e2e_reply_init(&r, NULL);
  assert_int_equal(echo_shout_cbor(echo, e2e_reply_cb, &r, c.buf, c.len), RET_OK);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  ShoutResponse shout;
  assert_int_equal(echo_shout_response_decode(r.bytes, r.len, &shout, err, sizeof err), 0);
  assert_string_equal(shout.shouted, "p: HEY");
  echo_ShoutResponse_free(&shout);
  e2e_reply_fini(&r);
  ffi_cbor_free(&c);

  assert_int_equal(my_timer_destroy(timer), 0);
  assert_int_equal(echo_destroy(echo), 0);
}

/* --- the built-in events' envelopes -------------------------------------- */

static void builtin_event_decoders(void **state) {
  (void)state;
  char err[256];
  FfiCbor c = ffi_cbor_new();
  ffi_cbor_map(&c, 2);
  ffi_cbor_kv_text(&c, "eventType", "dropped_events");
  ffi_cbor_kv_uint(&c, "payload", 7);
  uint64_t count = 0;
  assert_int_equal(my_timer_dropped_events_event_decode(c.buf, c.len, &count, err, sizeof err), 0);
  assert_int_equal(count, 7);
  assert_int_equal(my_timer_not_responding_event_decode(c.buf, c.len, err, sizeof err), -1);
  assert_string_equal(err, "eventType: not not_responding");
  ffi_cbor_free(&c);

  c = ffi_cbor_new();
  ffi_cbor_map(&c, 2);
  ffi_cbor_kv_text(&c, "eventType", "not_responding");
  ffi_cbor_text(&c, "payload");
  ffi_cbor_map(&c, 0);
  assert_int_equal(my_timer_not_responding_event_decode(c.buf, c.len, err, sizeof err), 0);
  assert_int_equal(echo_not_responding_event_decode(c.buf, c.len, err, sizeof err), 0);
  assert_int_equal(my_timer_responding_event_decode(c.buf, c.len, err, sizeof err), -1);
  ffi_cbor_free(&c);

  c = ffi_cbor_new();
  ffi_cbor_map(&c, 2);
  ffi_cbor_kv_text(&c, "eventType", "responding");
  ffi_cbor_text(&c, "payload");
  ffi_cbor_map(&c, 1);
  ffi_cbor_kv_text(&c, "a", "b");
  assert_int_equal(my_timer_responding_event_decode(c.buf, c.len, err, sizeof err), -1);
  assert_string_equal(err, "payload: expected {}");
  ffi_cbor_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(encoder_bytes_are_exact),
      cmocka_unit_test(text_readers),
      cmocka_unit_test(two_libraries_in_nimffi_style),
      cmocka_unit_test(builtin_event_decoders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
