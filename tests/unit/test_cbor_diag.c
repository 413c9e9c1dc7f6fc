/*
 * test_cbor_diag.c - diagnostic notation: the envelope, escapes, tags,
 * nesting, errors and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ffirt/cbor.h"
#include "unit/cbor_test_util.h"
#include "unit/fault_alloc.h"

static void expect_diag(const char *hex, const char *want) {
  uint8_t buf[256];
  size_t n = cbor_unhex(hex, buf);
  char *out = NULL;
  int rc = ffirt_cbor_to_diag(buf, n, &out);
  if (rc) fail_msg("%s: rc %d", hex, rc);
  if (strcmp(out, want)) fail_msg("%s: got %s, want %s", hex, out, want);
  ffirt_free(out);
}

static void the_event_envelope_prints_like_the_spec(void **state) {
  (void)state;
  expect_diag("a2 69 65 76 65 6e 74 54 79 70 65 6d 6f 6e 5f 65 63 68 6f 5f 66 69 72 65 64 67 70 "
              "61 79 6c 6f 61 64 a2 67 6d 65 73 73 61 67 65 62 68 69 69 65 63 68 6f 43 6f 75 6e "
              "74 01",
              "{\"eventType\": \"on_echo_fired\", \"payload\": {\"message\": \"hi\", "
              "\"echoCount\": 1}}");
}

static void control_characters_and_quotes_are_escaped(void **state) {
  (void)state;
  expect_diag("65 61 0a 09 01 22", "\"a\\n\\t\\u0001\\\"\"");
  expect_diag("61 7f", "\"\\u007f\"");
}

static void nested_tags_floats_and_simple_values_print(void **state) {
  (void)state;
  expect_diag("c1 c2 83 f9 3e 00 f8 20 f7", "1(2([1.5, simple(32), undefined]))");
  expect_diag("fb 44 b5 2d 02 c7 e1 4a f6", "1.0e+23");
  expect_diag("fa 3d cc cc cd", "0.10000000149011612");
  expect_diag("5f ff", "(_ )");
  expect_diag("bf ff", "{_ }");
}

static void malformed_or_partial_input_is_an_error_with_nothing_returned(void **state) {
  (void)state;
  uint8_t buf[] = {0x82, 0x01, 0x1c};
  char *out = (char *)"x";
  assert_int_equal(ffirt_cbor_to_diag(buf, sizeof buf, &out), FFIRT_EMALFORMED);
  assert_null(out);
  uint8_t two[] = {0x01, 0x02};
  assert_int_equal(ffirt_cbor_to_diag(two, sizeof two, &out), FFIRT_EMALFORMED);
  assert_int_equal(ffirt_cbor_to_diag(two, 0, &out), FFIRT_EMALFORMED);
  assert_int_equal(ffirt_cbor_to_diag(two, 1, NULL), FFIRT_EINVAL);
  uint8_t deep[70];
  memset(deep, 0x81, sizeof deep);
  deep[sizeof deep - 1] = 0;
  assert_int_equal(ffirt_cbor_to_diag(deep, sizeof deep, &out), FFIRT_EDEPTH);
}

static void allocation_failures_are_reported_without_leaks(void **state) {
  (void)state;
  uint8_t buf[300];
  buf[0] = 0x59;
  buf[1] = 0x01;
  buf[2] = 0x00;
  memset(buf + 3, 0xab, 256);
  long n;
  for (n = 1; n < 50; n++) {
    fault_alloc_install(n);
    char *out = NULL;
    int rc = ffirt_cbor_to_diag(buf, 259, &out);
    int failed = fault_alloc_failed();
    if (failed) {
      assert_int_equal(rc, FFIRT_ENOMEM);
      assert_null(out);
    } else {
      assert_int_equal(rc, 0);
      assert_int_equal(strlen(out), 3 + 512);
      ffirt_free(out);
    }
    assert_int_equal(fault_alloc_live(), 0);
    fault_alloc_uninstall();
    if (!failed) break;
  }
  assert_true(n > 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_event_envelope_prints_like_the_spec),
      cmocka_unit_test(control_characters_and_quotes_are_escaped),
      cmocka_unit_test(nested_tags_floats_and_simple_values_print),
      cmocka_unit_test(malformed_or_partial_input_is_an_error_with_nothing_returned),
      cmocka_unit_test(allocation_failures_are_reported_without_leaks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
