/*
 * test_cbor_dec.c - the decoder cursor (next, peek, at_end, leave, skip),
 * ffirt_cbor_validate and every class of malformed input with its offset
 * and reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ffirt/cbor.h"
#include "unit/cbor_test_util.h"
#include "unit/fault_alloc.h"

/* Validates hex and checks the error code, offset and a reason substring. */
static void expect_bad(const char *hex, int code, size_t offset, const char *reason_part) {
  uint8_t buf[256];
  size_t n = cbor_unhex(hex, buf);
  size_t off = 12345;
  const char *reason = NULL;
  int rc = ffirt_cbor_validate(buf, n, 0, &off, &reason);
  if (rc != code || off != offset || !reason || !strstr(reason, reason_part))
    fail_msg("%s: rc %d at %zu (%s); expected %d at %zu (%s)", hex, rc, off,
             reason ? reason : "(null)", code, offset, reason_part);
}

static void truncated_heads_and_strings_are_reported_at_the_item(void **state) {
  (void)state;
  expect_bad("", FFIRT_EMALFORMED, 0, "empty");
  expect_bad("18", FFIRT_EMALFORMED, 0, "truncated");
  expect_bad("19 01", FFIRT_EMALFORMED, 0, "truncated");
  expect_bad("1b 00 00 00 00 00 00 00", FFIRT_EMALFORMED, 0, "truncated");
  expect_bad("82 01 1a 00 00", FFIRT_EMALFORMED, 2, "truncated");
  expect_bad("f9 3c", FFIRT_EMALFORMED, 0, "truncated");
  expect_bad("82 01", FFIRT_EMALFORMED, 0, "array length");
  expect_bad("9f 01 02", FFIRT_EMALFORMED, 3, "truncated");
  expect_bad("5f 41 00", FFIRT_EMALFORMED, 3, "without break");
  expect_bad("c1", FFIRT_EMALFORMED, 0, "tag without");
}

static void reserved_additional_information_is_rejected(void **state) {
  (void)state;
  expect_bad("1c", FFIRT_EMALFORMED, 0, "reserved");
  expect_bad("3d", FFIRT_EMALFORMED, 0, "reserved");
  expect_bad("81 5e", FFIRT_EMALFORMED, 1, "reserved");
  expect_bad("fc", FFIRT_EMALFORMED, 0, "reserved");
  expect_bad("1f", FFIRT_EMALFORMED, 0, "indefinite length");
  expect_bad("3f", FFIRT_EMALFORMED, 0, "indefinite length");
  expect_bad("df", FFIRT_EMALFORMED, 0, "indefinite length");
}

static void lengths_beyond_the_input_are_rejected_before_allocation(void **state) {
  (void)state;
  /* a string claiming 2^64-1 bytes, an array claiming 2^32 items, a map of
   * 3 pairs in 5 bytes: all refused by the head alone, with nothing
   * allocated */
  fault_alloc_install(0);
  expect_bad("5b ff ff ff ff ff ff ff ff 00", FFIRT_EMALFORMED, 0, "string length");
  expect_bad("7a 00 00 00 05 61 62", FFIRT_EMALFORMED, 0, "string length");
  expect_bad("9b 00 00 00 01 00 00 00 00 00", FFIRT_EMALFORMED, 0, "array length");
  expect_bad("83 01 02", FFIRT_EMALFORMED, 0, "array length");
  expect_bad("a3 01 02 03 04 05", FFIRT_EMALFORMED, 0, "map length");
  expect_bad("5f 45 01 ff", FFIRT_EMALFORMED, 1, "string length");
  assert_int_equal(fault_alloc_calls(), 0);
  fault_alloc_uninstall();
}

static void invalid_utf8_is_rejected_also_inside_indefinite_chunks(void **state) {
  (void)state;
  expect_bad("62 c3 28", FFIRT_EMALFORMED, 0, "UTF-8");
  expect_bad("63 ed a0 80", FFIRT_EMALFORMED, 0, "UTF-8"); /* surrogate */
  expect_bad("62 c0 80", FFIRT_EMALFORMED, 0, "UTF-8");    /* overlong NUL */
  expect_bad("82 01 61 ff", FFIRT_EMALFORMED, 2, "UTF-8");
  expect_bad("7f 61 61 61 ff ff", FFIRT_EMALFORMED, 3, "UTF-8");
  /* a character split across two chunks is invalid: each chunk must be
   * valid on its own */
  expect_bad("7f 61 c3 61 bc ff", FFIRT_EMALFORMED, 1, "UTF-8");
}

static void chunks_of_indefinite_strings_must_be_definite_of_the_same_type(void **state) {
  (void)state;
  expect_bad("5f 61 61 ff", FFIRT_EMALFORMED, 1, "chunk");
  expect_bad("7f 41 61 ff", FFIRT_EMALFORMED, 1, "chunk");
  expect_bad("5f 5f 41 00 ff ff", FFIRT_EMALFORMED, 1, "chunk");
  expect_bad("5f 01 ff", FFIRT_EMALFORMED, 1, "chunk");
}

static void break_codes_out_of_place_are_rejected(void **state) {
  (void)state;
  expect_bad("ff", FFIRT_EMALFORMED, 0, "break");
  expect_bad("82 01 ff", FFIRT_EMALFORMED, 2, "break");
  expect_bad("bf 01 ff", FFIRT_EMALFORMED, 2, "map value");
  expect_bad("9f c1 ff", FFIRT_EMALFORMED, 2, "break");
  expect_bad("a1 01 ff", FFIRT_EMALFORMED, 2, "break");
}

static void two_byte_simple_values_below_32_are_rejected(void **state) {
  (void)state;
  expect_bad("f8 1f", FFIRT_EMALFORMED, 0, "simple value");
  expect_bad("f8 14", FFIRT_EMALFORMED, 0, "simple value");
}

static void trailing_bytes_fail_validation(void **state) {
  (void)state;
  expect_bad("01 02", FFIRT_EMALFORMED, 1, "trailing");
  expect_bad("82 01 02 ff", FFIRT_EMALFORMED, 3, "trailing");
}

static void nesting_is_bounded_by_the_configurable_limit(void **state) {
  (void)state;
  uint8_t buf[2000];
  memset(buf, 0x81, sizeof buf);
  buf[sizeof buf - 1] = 0x00;
  size_t off;
  const char *reason;
  /* 64 levels pass the default, 65 do not */
  assert_int_equal(ffirt_cbor_validate(buf + sizeof buf - 65, 65, 0, &off, &reason), 0);
  assert_int_equal(ffirt_cbor_validate(buf + sizeof buf - 66, 66, 0, &off, &reason), FFIRT_EDEPTH);
  assert_int_equal(off, 64);
  assert_non_null(strstr(reason, "nesting"));
  /* indefinite containers count the same */
  uint8_t ind[200];
  memset(ind, 0x9f, 100);
  memset(ind + 100, 0xff, 100);
  assert_int_equal(ffirt_cbor_validate(ind, 200, 100, &off, &reason), 0);
  assert_int_equal(ffirt_cbor_validate(ind, 200, 99, &off, &reason), FFIRT_EDEPTH);
  /* the maximum limit grows the frame stack beyond the inline frames */
  assert_int_equal(
      ffirt_cbor_validate(buf + 1, sizeof buf - 1, FFIRT_CBOR_MAX_DEPTH_LIMIT, &off, &reason),
      FFIRT_EDEPTH);
  assert_int_equal(
      ffirt_cbor_validate(buf + sizeof buf - 1025, 1025, FFIRT_CBOR_MAX_DEPTH_LIMIT, &off, &reason),
      0);
  assert_int_equal(ffirt_cbor_validate(buf, 3, FFIRT_CBOR_MAX_DEPTH_LIMIT + 1, &off, &reason),
                   FFIRT_EINVAL);
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, buf, 4);
  assert_int_equal(ffirt_cbor_dec_set_max_depth(&d, 0), FFIRT_EINVAL);
  assert_int_equal(ffirt_cbor_dec_set_max_depth(&d, FFIRT_CBOR_MAX_DEPTH_LIMIT + 1), FFIRT_EINVAL);
  assert_int_equal(ffirt_cbor_dec_set_max_depth(&d, 2), 0);
  ffirt_cbor_item it;
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_EDEPTH);
  ffirt_cbor_dec_release(&d);
}

static void a_failing_frame_stack_allocation_is_reported_not_crashed(void **state) {
  (void)state;
  uint8_t buf[40];
  memset(buf, 0x81, sizeof buf);
  buf[sizeof buf - 1] = 0;
  fault_alloc_install(1);
  size_t off;
  const char *reason;
  assert_int_equal(ffirt_cbor_validate(buf, sizeof buf, 0, &off, &reason), FFIRT_ENOMEM);
  assert_int_equal(off, 16);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_install(2); /* first growth succeeds (16 -> 32), second fails */
  assert_int_equal(ffirt_cbor_validate(buf, sizeof buf, 0, &off, &reason), FFIRT_ENOMEM);
  assert_int_equal(off, 32);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_install(0);
  assert_int_equal(ffirt_cbor_validate(buf, sizeof buf, 0, &off, &reason), 0);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

static void cursor_enters_containers_and_reports_their_end(void **state) {
  (void)state;
  uint8_t buf[64];
  /* [1, {"a": true}, [], 2] then a second top-level item 3 */
  size_t n = cbor_unhex("84 01 a1 61 61 f5 80 02 03", buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_ARRAY);
  assert_int_equal(it.u, 4);
  assert_int_equal(d.depth, 1);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_UINT);
  assert_int_equal(ffirt_cbor_dec_peek(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_MAP);
  assert_int_equal(d.depth, 1); /* peek does not enter */
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.offset, 2);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_TEXT);
  assert_memory_equal(it.ptr, "a", 1);
  assert_false(ffirt_cbor_dec_at_end(&d));
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_BOOL);
  assert_int_equal(it.u, 1);
  assert_true(ffirt_cbor_dec_at_end(&d));
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_ENOTFOUND); /* not sticky */
  assert_int_equal(d.err, 0);
  assert_int_equal(ffirt_cbor_dec_leave(&d), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_ARRAY);
  assert_true(ffirt_cbor_dec_at_end(&d));
  assert_int_equal(ffirt_cbor_dec_leave(&d), 0);
  /* leave skips what is left: the 2 */
  assert_int_equal(ffirt_cbor_dec_leave(&d), 0);
  assert_int_equal(d.depth, 0);
  assert_int_equal(ffirt_cbor_dec_leave(&d), FFIRT_ESTATE);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.u, 3);
  assert_true(ffirt_cbor_dec_at_end(&d));
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_ENOTFOUND);
  ffirt_cbor_dec_release(&d);
}

static void leave_consumes_the_break_of_indefinite_containers(void **state) {
  (void)state;
  uint8_t buf[64];
  /* [_ 1, {_ "k": [_ ]}, 2] 7 */
  size_t n = cbor_unhex("9f 01 bf 61 6b 9f ff ff 02 ff 07", buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_true(it.indefinite);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_MAP);
  assert_true(it.indefinite);
  assert_int_equal(ffirt_cbor_dec_leave(&d), 0); /* skips "k": [_ ] */
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.u, 2);
  assert_true(ffirt_cbor_dec_at_end(&d));
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_cbor_dec_leave(&d), 0);
  assert_int_equal(d.pos, 10);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.u, 7);
  ffirt_cbor_dec_release(&d);
}

static void skip_passes_one_whole_item_with_its_tags(void **state) {
  (void)state;
  uint8_t buf[64];
  /* 1(2([1, [2]])) "x" */
  size_t n = cbor_unhex("c1 c2 82 01 81 02 61 78", buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_skip(&d), 0);
  assert_int_equal(d.pos, 6);
  assert_int_equal(d.depth, 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_TEXT);
  assert_int_equal(ffirt_cbor_dec_skip(&d), FFIRT_ENOTFOUND);
  ffirt_cbor_dec_release(&d);
}

static void tags_are_items_of_their_own_followed_by_the_tagged_item(void **state) {
  (void)state;
  uint8_t buf[16];
  size_t n = cbor_unhex("81 c1 1a 51 4b 67 b0", buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.type, FFIRT_CBOR_TAG);
  assert_int_equal(it.u, 1);
  assert_false(ffirt_cbor_dec_at_end(&d)); /* the tag did not use the slot */
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.u, 1363896240u);
  assert_true(ffirt_cbor_dec_at_end(&d));
  ffirt_cbor_dec_release(&d);
}

static void non_shortest_heads_are_accepted(void **state) {
  (void)state;
  uint8_t buf[16];
  size_t n = cbor_unhex("1b 00 00 00 00 00 00 00 01", buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.u, 1);
  ffirt_cbor_dec_release(&d);
  n = cbor_unhex("79 00 01 61", buf);
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.len, 1);
  assert_ptr_equal(it.ptr, buf + 3);
  ffirt_cbor_dec_release(&d);
}

static void long_chains_of_tags_need_no_recursion(void **state) {
  (void)state;
  enum { TAGS = 20000 };
  static uint8_t buf[TAGS + 1];
  memset(buf, 0xc1, TAGS);
  buf[TAGS] = 0x00;
  size_t off;
  const char *reason;
  assert_int_equal(ffirt_cbor_validate(buf, sizeof buf, 0, &off, &reason), 0);
  char *diag = NULL;
  assert_int_equal(ffirt_cbor_to_diag(buf, sizeof buf, &diag), 0);
  assert_int_equal(strlen(diag), (size_t)TAGS * 3 + 1);
  assert_memory_equal(diag + TAGS * 2 - 2, "1(0)", 4);
  ffirt_free(diag);
  buf[TAGS] = 0xff; /* a break in place of the tagged item */
  assert_int_equal(ffirt_cbor_validate(buf, sizeof buf, 0, &off, &reason), FFIRT_EMALFORMED);
  assert_int_equal(off, TAGS);
}

static void errors_are_sticky_and_formatted_with_offset(void **state) {
  (void)state;
  uint8_t buf[16];
  size_t n = cbor_unhex("82 01 1c", buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  char msg[128];
  ffirt_cbor_dec_init(&d, buf, n);
  assert_string_equal(ffirt_cbor_dec_error(&d, msg, sizeof msg), "no error");
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_EMALFORMED);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_EMALFORMED);
  assert_int_equal(ffirt_cbor_dec_leave(&d), FFIRT_EMALFORMED);
  assert_true(ffirt_cbor_dec_at_end(&d)); /* loops over members stop */
  assert_string_equal(ffirt_cbor_dec_error(&d, msg, sizeof msg),
                      "offset 2: reserved additional information (28..30)");
  ffirt_cbor_dec_release(&d);
}

static void empty_and_null_inputs_are_at_end(void **state) {
  (void)state;
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, NULL, 10);
  assert_true(ffirt_cbor_dec_at_end(&d));
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), FFIRT_ENOTFOUND);
  ffirt_cbor_dec_release(&d);
  assert_int_equal(ffirt_cbor_validate(NULL, 0, 0, NULL, NULL), FFIRT_EMALFORMED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(truncated_heads_and_strings_are_reported_at_the_item),
      cmocka_unit_test(reserved_additional_information_is_rejected),
      cmocka_unit_test(lengths_beyond_the_input_are_rejected_before_allocation),
      cmocka_unit_test(invalid_utf8_is_rejected_also_inside_indefinite_chunks),
      cmocka_unit_test(chunks_of_indefinite_strings_must_be_definite_of_the_same_type),
      cmocka_unit_test(break_codes_out_of_place_are_rejected),
      cmocka_unit_test(two_byte_simple_values_below_32_are_rejected),
      cmocka_unit_test(trailing_bytes_fail_validation),
      cmocka_unit_test(nesting_is_bounded_by_the_configurable_limit),
      cmocka_unit_test(a_failing_frame_stack_allocation_is_reported_not_crashed),
      cmocka_unit_test(cursor_enters_containers_and_reports_their_end),
      cmocka_unit_test(leave_consumes_the_break_of_indefinite_containers),
      cmocka_unit_test(skip_passes_one_whole_item_with_its_tags),
      cmocka_unit_test(tags_are_items_of_their_own_followed_by_the_tagged_item),
      cmocka_unit_test(non_shortest_heads_are_accepted),
      cmocka_unit_test(long_chains_of_tags_need_no_recursion),
      cmocka_unit_test(errors_are_sticky_and_formatted_with_offset),
      cmocka_unit_test(empty_and_null_inputs_are_at_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
