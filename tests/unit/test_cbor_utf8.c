/*
 * test_cbor_utf8.c - ffirt_utf8_valid against the RFC 3629 edge cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ffirt/cbor.h"

static int valid(const char *s, size_t n) { return ffirt_utf8_valid((const uint8_t *)s, n); }

static void well_formed_sequences_of_every_length_are_accepted(void **state) {
  (void)state;
  assert_true(valid("", 0));
  assert_true(valid("plain ascii text, longer than eight bytes", 41));
  assert_true(valid("\0nul inside", 11));
  assert_true(valid("\xc2\x80 \xdf\xbf", 5));                 /* U+0080, U+07FF */
  assert_true(valid("\xe0\xa0\x80 \xef\xbf\xbf", 7));         /* U+0800, U+FFFF */
  assert_true(valid("\xed\x9f\xbf \xee\x80\x80", 7));         /* around surrogates */
  assert_true(valid("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", 9)); /* U+10000, U+10FFFF */
  assert_true(valid("12345678\xc3\xbc", 10));
}

static void overlongs_surrogates_and_out_of_range_are_rejected(void **state) {
  (void)state;
  assert_false(valid("\xc0\x80", 2));
  assert_false(valid("\xc1\xbf", 2));
  assert_false(valid("\xe0\x9f\xbf", 3));
  assert_false(valid("\xf0\x8f\xbf\xbf", 4));
  assert_false(valid("\xed\xa0\x80", 3)); /* U+D800 */
  assert_false(valid("\xed\xbf\xbf", 3)); /* U+DFFF */
  assert_false(valid("\xf4\x90\x80\x80", 4));
  assert_false(valid("\xf5\x80\x80\x80", 4));
  assert_false(valid("\xff", 1));
}

static void truncated_and_stray_continuation_bytes_are_rejected(void **state) {
  (void)state;
  assert_false(valid("\x80", 1));
  assert_false(valid("abcdefgh\xbf", 9));
  assert_false(valid("\xc3", 1));
  assert_false(valid("\xe6\xb0", 2));
  assert_false(valid("\xf0\x90\x85", 3));
  assert_false(valid("\xc3\x28", 2));
  assert_false(valid("\xe6\x28\xb4", 3));
  assert_false(valid("\xf0\x90\x28\x91", 4));
  /* the length bounds the check: a valid prefix of an invalid buffer */
  assert_true(valid("ab\xff", 2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(well_formed_sequences_of_every_length_are_accepted),
      cmocka_unit_test(overlongs_surrogates_and_out_of_range_are_rejected),
      cmocka_unit_test(truncated_and_stray_continuation_bytes_are_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
