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

static void sanitize_replaces_invalid_bytes_with_u_fffd(void **state) {
  (void)state;
  char out[64];
  size_t n = ffirt_utf8_sanitize(out, sizeof out, "a\xc3\x28z", 4);
  assert_int_equal(n, 6);
  assert_memory_equal(out, "a\xef\xbf\xbd(z", 6);
  assert_int_equal(out[n], 0);
  /* valid text is copied as is; a truncated tail is one replacement */
  n = ffirt_utf8_sanitize(out, sizeof out, "\xc3\xa9t\xe2\x82", 5);
  assert_int_equal(n, 6);
  assert_memory_equal(out, "\xc3\xa9t\xef\xbf\xbd", 6);
  /* the output is cut at a character boundary when it does not fit */
  n = ffirt_utf8_sanitize(out, 5, "ab\xff\xff", 4);
  assert_int_equal(n, 2);
  assert_true(ffirt_utf8_valid((const uint8_t *)out, n));
}

static void cut_never_splits_a_character(void **state) {
  (void)state;
  const char *s = "ab\xc3\xa9\xe2\x82\xac";
  assert_int_equal(ffirt_utf8_cut(s, 7, 64), 7);
  assert_int_equal(ffirt_utf8_cut(s, 7, 6), 4);
  assert_int_equal(ffirt_utf8_cut(s, 7, 5), 4);
  assert_int_equal(ffirt_utf8_cut(s, 7, 3), 2);
  assert_int_equal(ffirt_utf8_cut(s, 7, 0), 0);
  /* invalid input is cut before the first byte that is not a character */
  assert_int_equal(ffirt_utf8_cut("ab\xff"
                                  "cd",
                                  5, 64),
                   2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(well_formed_sequences_of_every_length_are_accepted),
      cmocka_unit_test(sanitize_replaces_invalid_bytes_with_u_fffd),
      cmocka_unit_test(cut_never_splits_a_character),
      cmocka_unit_test(overlongs_surrogates_and_out_of_range_are_rejected),
      cmocka_unit_test(truncated_and_stray_continuation_bytes_are_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
