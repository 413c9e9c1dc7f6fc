/*
 * test_cbor_read.c - the typed readers used by generated decoders: type and
 * range checks that leave the decoder usable, tags skipped, copies of
 * (indefinite) strings, allocation failures.
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

typedef struct fixture {
  uint8_t buf[256];
  ffirt_cbor_dec d;
} fixture;

static ffirt_cbor_dec *open_hex(fixture *f, const char *hex) {
  size_t n = cbor_unhex(hex, f->buf);
  ffirt_cbor_dec_init(&f->d, f->buf, n);
  return &f->d;
}

static void read_int_accepts_any_width_within_the_range(void **state) {
  (void)state;
  fixture f;
  /* [1b 00..05, -1000, 1(7), 2^63, -2^63-1] */
  ffirt_cbor_dec *d = open_hex(&f, "85 1b 00 00 00 00 00 00 00 05 39 03 e7 c1 07 "
                                   "1b 80 00 00 00 00 00 00 00 3b 80 00 00 00 00 00 00 00");
  const char *reason = NULL;
  size_t count;
  int64_t v;
  assert_int_equal(ffirt_cbor_read_array(d, &count, &reason), 0);
  assert_int_equal(count, 5);
  assert_int_equal(ffirt_cbor_read_int(d, 0, 5, &v, &reason), 0);
  assert_int_equal(v, 5);
  assert_int_equal(ffirt_cbor_read_int(d, -999, 0, &v, &reason), FFIRT_ERANGE);
  assert_string_equal(reason, "value out of range");
  assert_int_equal(d->err, 0); /* not sticky, not consumed */
  assert_int_equal(ffirt_cbor_read_int(d, INT16_MIN, INT16_MAX, &v, &reason), 0);
  assert_int_equal(v, -1000);
  assert_int_equal(ffirt_cbor_read_int(d, INT64_MIN, INT64_MAX, &v, &reason), 0);
  assert_int_equal(v, 7); /* the tag is skipped */
  assert_int_equal(ffirt_cbor_read_int(d, INT64_MIN, INT64_MAX, &v, &reason), FFIRT_ERANGE);
  uint64_t u;
  assert_int_equal(ffirt_cbor_read_uint(d, UINT64_MAX, &u, &reason), 0);
  assert_true(u == 1ull << 63);
  assert_int_equal(ffirt_cbor_read_int(d, INT64_MIN, INT64_MAX, &v, &reason), FFIRT_ERANGE);
  assert_int_equal(ffirt_cbor_read_uint(d, UINT64_MAX, &u, &reason), FFIRT_ERANGE);
  assert_int_equal(ffirt_cbor_dec_skip(d), 0);
  assert_true(ffirt_cbor_dec_at_end(d));
  assert_int_equal(ffirt_cbor_read_int(d, 0, 1, &v, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected a value, found the end of the container");
  assert_int_equal(ffirt_cbor_dec_leave(d), 0);
  ffirt_cbor_dec_release(d);
}

static void int64_min_is_read_exactly(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "3b 7f ff ff ff ff ff ff ff");
  int64_t v = 0;
  assert_int_equal(ffirt_cbor_read_int(d, INT64_MIN, 0, &v, NULL), 0);
  assert_true(v == INT64_MIN);
  ffirt_cbor_dec_release(d);
}

static void type_mismatches_name_the_expected_type_and_keep_the_item(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "61 78");
  const char *reason = NULL;
  int64_t v;
  uint64_t u;
  double x;
  int b;
  uint8_t *bytes;
  size_t len, count;
  assert_int_equal(ffirt_cbor_read_int(d, 0, 1, &v, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected integer");
  assert_int_equal(ffirt_cbor_read_uint(d, 1, &u, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected integer");
  assert_int_equal(ffirt_cbor_read_float(d, &x, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected float");
  assert_int_equal(ffirt_cbor_read_bool(d, &b, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected bool");
  assert_int_equal(ffirt_cbor_read_bytes(d, &bytes, &len, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected byte string");
  assert_int_equal(ffirt_cbor_read_array(d, &count, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected array");
  assert_int_equal(ffirt_cbor_read_map(d, &count, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected map");
  assert_int_equal(ffirt_cbor_read_null(d), 0);
  char *s = NULL;
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, &reason), 0);
  assert_string_equal(s, "x");
  ffirt_free(s);
  ffirt_cbor_dec_release(d);
  /* an integer is not a float */
  d = open_hex(&f, "01");
  assert_int_equal(ffirt_cbor_read_float(d, &x, &reason), FFIRT_ETYPE);
  ffirt_cbor_dec_release(d);
  /* a text is expected, an int comes */
  d = open_hex(&f, "01");
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, &reason), FFIRT_ETYPE);
  assert_string_equal(reason, "expected text string");
  ffirt_cbor_dec_release(d);
}

static void floats_of_every_width_and_bools_are_read(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "84 f9 3e 00 fa 47 c3 50 00 fb 3f f1 99 99 99 99 99 9a f5");
  double x;
  int b;
  size_t count;
  assert_int_equal(ffirt_cbor_read_array(d, &count, NULL), 0);
  assert_int_equal(ffirt_cbor_read_float(d, &x, NULL), 0);
  assert_true(x == 1.5);
  assert_int_equal(ffirt_cbor_read_float(d, &x, NULL), 0);
  assert_true(x == 100000.0);
  assert_int_equal(ffirt_cbor_read_float(d, &x, NULL), 0);
  assert_true(x == 1.1);
  assert_int_equal(ffirt_cbor_read_bool(d, &b, NULL), 0);
  assert_int_equal(b, 1);
  assert_int_equal(ffirt_cbor_dec_leave(d), 0);
  ffirt_cbor_dec_release(d);
}

static void strings_are_copied_whole_including_indefinite_ones(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "a2 7f 62 6b 65 61 79 ff 5f 42 01 02 40 41 03 ff 60 40");
  size_t pairs, len;
  char *s;
  uint8_t *b;
  assert_int_equal(ffirt_cbor_read_map(d, &pairs, NULL), 0);
  assert_int_equal(pairs, 2);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, NULL), 0);
  assert_int_equal(len, 3);
  assert_string_equal(s, "key");
  ffirt_free(s);
  assert_int_equal(ffirt_cbor_read_bytes(d, &b, &len, NULL), 0);
  assert_int_equal(len, 3);
  assert_memory_equal(b, "\x01\x02\x03", 3);
  ffirt_free(b);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, NULL), 0);
  assert_int_equal(len, 0);
  assert_string_equal(s, "");
  ffirt_free(s);
  assert_int_equal(ffirt_cbor_read_bytes(d, &b, &len, NULL), 0);
  assert_non_null(b); /* empty: still an allocation */
  assert_int_equal(len, 0);
  ffirt_free(b);
  assert_int_equal(ffirt_cbor_dec_leave(d), 0);
  ffirt_cbor_dec_release(d);
}

static void containers_report_counts_or_size_max_when_indefinite(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "82 bf 61 61 01 ff 9f ff");
  size_t n;
  assert_int_equal(ffirt_cbor_read_array(d, &n, NULL), 0);
  assert_int_equal(n, 2);
  assert_int_equal(ffirt_cbor_read_map(d, &n, NULL), 0);
  assert_true(n == SIZE_MAX);
  assert_int_equal(ffirt_cbor_dec_leave(d), 0);
  assert_int_equal(ffirt_cbor_read_array(d, &n, NULL), 0);
  assert_true(n == SIZE_MAX);
  assert_true(ffirt_cbor_dec_at_end(d));
  assert_int_equal(ffirt_cbor_dec_leave(d), 0);
  assert_int_equal(ffirt_cbor_dec_leave(d), 0);
  assert_true(ffirt_cbor_dec_at_end(d));
  ffirt_cbor_dec_release(d);
}

static void read_null_consumes_null_and_undefined_only(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "84 f6 c1 f7 01 f4");
  size_t n;
  int b;
  assert_int_equal(ffirt_cbor_read_array(d, &n, NULL), 0);
  assert_int_equal(ffirt_cbor_read_null(d), 1);
  assert_int_equal(ffirt_cbor_read_null(d), 1); /* tagged undefined */
  assert_int_equal(ffirt_cbor_read_null(d), 0);
  int64_t v;
  assert_int_equal(ffirt_cbor_read_int(d, 0, 9, &v, NULL), 0);
  assert_int_equal(ffirt_cbor_read_null(d), 0);
  assert_int_equal(ffirt_cbor_read_bool(d, &b, NULL), 0);
  assert_int_equal(b, 0);
  assert_int_equal(ffirt_cbor_read_null(d), 0); /* end of the array */
  ffirt_cbor_dec_release(d);
  d = open_hex(&f, "1c");
  assert_int_equal(ffirt_cbor_read_null(d), FFIRT_EMALFORMED);
  ffirt_cbor_dec_release(d);
}

static void malformed_input_is_sticky_and_gives_the_decoder_reason(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "82 62 c3 28 01");
  const char *reason = NULL;
  size_t n, len;
  char *s = (char *)"untouched";
  assert_int_equal(ffirt_cbor_read_array(d, &n, &reason), 0);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, &reason), FFIRT_EMALFORMED);
  assert_string_equal(reason, "invalid UTF-8 in text string");
  assert_string_equal(s, "untouched");
  assert_int_equal(d->err_offset, 1);
  int64_t v;
  assert_int_equal(ffirt_cbor_read_int(d, 0, 9, &v, &reason), FFIRT_EMALFORMED);
  ffirt_cbor_dec_release(d);
  /* depth limit through read_array */
  d = open_hex(&f, "81 81 00");
  ffirt_cbor_dec_set_max_depth(d, 1);
  assert_int_equal(ffirt_cbor_read_array(d, &n, &reason), 0);
  assert_int_equal(ffirt_cbor_read_array(d, &n, &reason), FFIRT_EDEPTH);
  assert_non_null(strstr(reason, "nesting"));
  ffirt_cbor_dec_release(d);
}

static void out_of_memory_in_read_text_and_read_bytes_consumes_nothing(void **state) {
  (void)state;
  fixture f;
  ffirt_cbor_dec *d = open_hex(&f, "82 63 61 62 63 7f 61 64 ff");
  size_t n, len;
  char *s;
  const char *reason = NULL;
  assert_int_equal(ffirt_cbor_read_array(d, &n, NULL), 0);
  fault_alloc_install(1);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, &reason), FFIRT_ENOMEM);
  assert_string_equal(reason, "out of memory");
  assert_int_equal(fault_alloc_live(), 0);
  assert_int_equal(d->err, 0);
  fault_alloc_install(0);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, NULL), 0);
  assert_string_equal(s, "abc");
  ffirt_free(s);
  fault_alloc_install(1);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, NULL), FFIRT_ENOMEM);
  fault_alloc_install(0);
  assert_int_equal(ffirt_cbor_read_text(d, &s, &len, NULL), 0);
  assert_string_equal(s, "d");
  ffirt_free(s);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  ffirt_cbor_dec_release(d);

  d = open_hex(&f, "43 01 02 03");
  uint8_t *b;
  fault_alloc_install(1);
  assert_int_equal(ffirt_cbor_read_bytes(d, &b, &len, &reason), FFIRT_ENOMEM);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_install(0);
  assert_int_equal(ffirt_cbor_read_bytes(d, &b, &len, &reason), 0);
  assert_int_equal(len, 3);
  ffirt_free(b);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  ffirt_cbor_dec_release(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(read_int_accepts_any_width_within_the_range),
      cmocka_unit_test(int64_min_is_read_exactly),
      cmocka_unit_test(type_mismatches_name_the_expected_type_and_keep_the_item),
      cmocka_unit_test(floats_of_every_width_and_bools_are_read),
      cmocka_unit_test(strings_are_copied_whole_including_indefinite_ones),
      cmocka_unit_test(containers_report_counts_or_size_max_when_indefinite),
      cmocka_unit_test(read_null_consumes_null_and_undefined_only),
      cmocka_unit_test(malformed_input_is_sticky_and_gives_the_decoder_reason),
      cmocka_unit_test(out_of_memory_in_read_text_and_read_bytes_consumes_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
