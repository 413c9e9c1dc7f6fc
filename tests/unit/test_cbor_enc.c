/*
 * test_cbor_enc.c - the encoder: shortest heads at every boundary, all item
 * kinds, the fixed buffer that reports the size needed, the dynamic buffer
 * (take, release, allocation failures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "ffirt/cbor.h"
#include "unit/cbor_test_util.h"
#include "unit/fault_alloc.h"

/* Encodes with fn into a fixed buffer and compares with hex. */
#define EXPECT_ENC(hex, call)                                                                      \
  do {                                                                                             \
    uint8_t out_[64], want_[64];                                                                   \
    size_t wn_ = cbor_unhex(hex, want_);                                                           \
    ffirt_cbor_enc e_;                                                                             \
    ffirt_cbor_enc_init(&e_, out_, sizeof out_);                                                   \
    ffirt_cbor_enc *e = &e_;                                                                       \
    call;                                                                                          \
    assert_int_equal(ffirt_cbor_enc_finish(e), 0);                                                 \
    assert_int_equal(ffirt_cbor_enc_size(e), wn_);                                                 \
    assert_memory_equal(out_, want_, wn_);                                                         \
  } while (0)

static void integer_heads_are_shortest_at_every_boundary(void **state) {
  (void)state;
  EXPECT_ENC("00", ffirt_cbor_enc_uint(e, 0));
  EXPECT_ENC("17", ffirt_cbor_enc_uint(e, 23));
  EXPECT_ENC("18 18", ffirt_cbor_enc_uint(e, 24));
  EXPECT_ENC("18 ff", ffirt_cbor_enc_uint(e, 255));
  EXPECT_ENC("19 01 00", ffirt_cbor_enc_uint(e, 256));
  EXPECT_ENC("19 ff ff", ffirt_cbor_enc_uint(e, 65535));
  EXPECT_ENC("1a 00 01 00 00", ffirt_cbor_enc_uint(e, 65536));
  EXPECT_ENC("1a ff ff ff ff", ffirt_cbor_enc_uint(e, 0xffffffffu));
  EXPECT_ENC("1b 00 00 00 01 00 00 00 00", ffirt_cbor_enc_uint(e, 0x100000000ull));
  EXPECT_ENC("1b ff ff ff ff ff ff ff ff", ffirt_cbor_enc_uint(e, UINT64_MAX));
  EXPECT_ENC("20", ffirt_cbor_enc_int(e, -1));
  EXPECT_ENC("38 63", ffirt_cbor_enc_int(e, -100));
  EXPECT_ENC("18 64", ffirt_cbor_enc_int(e, 100));
  EXPECT_ENC("3b 7f ff ff ff ff ff ff ff", ffirt_cbor_enc_int(e, INT64_MIN));
  EXPECT_ENC("1b 7f ff ff ff ff ff ff ff", ffirt_cbor_enc_int(e, INT64_MAX));
  EXPECT_ENC("3b ff ff ff ff ff ff ff ff", ffirt_cbor_enc_negative(e, UINT64_MAX));
  EXPECT_ENC("c1 1a 51 4b 67 b0", (ffirt_cbor_enc_tag(e, 1), ffirt_cbor_enc_uint(e, 1363896240)));
}

static void strings_containers_and_simple_values_encode_as_specified(void **state) {
  (void)state;
  EXPECT_ENC("40", ffirt_cbor_enc_bytes(e, NULL, 0));
  EXPECT_ENC("44 01 02 03 04", ffirt_cbor_enc_bytes(e, "\x01\x02\x03\x04", 4));
  EXPECT_ENC("60", ffirt_cbor_enc_text_z(e, NULL));
  EXPECT_ENC("64 49 45 54 46", ffirt_cbor_enc_text_z(e, "IETF"));
  EXPECT_ENC("62 c3 bc", ffirt_cbor_enc_text(e, "\xc3\xbc", 2));
  EXPECT_ENC("98 19", ffirt_cbor_enc_array(e, 25));
  EXPECT_ENC("a0", ffirt_cbor_enc_map(e, 0));
  EXPECT_ENC("f4 f5 f6 f7", (ffirt_cbor_enc_bool(e, 0), ffirt_cbor_enc_bool(e, 7),
                             ffirt_cbor_enc_null(e), ffirt_cbor_enc_undefined(e)));
  EXPECT_ENC("f0 f8 20 f8 ff", (ffirt_cbor_enc_simple(e, 16), ffirt_cbor_enc_simple(e, 32),
                                ffirt_cbor_enc_simple(e, 255)));
  EXPECT_ENC("82 01 02", ffirt_cbor_enc_raw(e, "\x82\x01\x02", 3));
  /* the spec's worked example: the echo event */
  EXPECT_ENC("a2 69 65 76 65 6e 74 54 79 70 65 6d 6f 6e 5f 65 63 68 6f 5f 66 69 72 65 64 67 70 61 "
             "79 6c 6f 61 64 a2 67 6d 65 73 73 61 67 65 62 68 69 69 65 63 68 6f 43 6f 75 6e 74 01",
             (ffirt_cbor_enc_map(e, 2), ffirt_cbor_enc_text_z(e, "eventType"),
              ffirt_cbor_enc_text_z(e, "on_echo_fired"), ffirt_cbor_enc_text_z(e, "payload"),
              ffirt_cbor_enc_map(e, 2), ffirt_cbor_enc_text_z(e, "message"),
              ffirt_cbor_enc_text_z(e, "hi"), ffirt_cbor_enc_text_z(e, "echoCount"),
              ffirt_cbor_enc_uint(e, 1)));
}

static void long_strings_get_two_and_four_byte_length_heads(void **state) {
  (void)state;
  static uint8_t big[70000];
  memset(big, 'x', sizeof big);
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  ffirt_cbor_enc_text(&e, (const char *)big, 300);
  ffirt_cbor_enc_bytes(&e, big, sizeof big);
  assert_int_equal(ffirt_cbor_enc_finish(&e), 0);
  assert_int_equal(e.len, 3 + 300 + 5 + sizeof big);
  assert_memory_equal(e.buf, "\x79\x01\x2c", 3);
  assert_memory_equal(e.buf + 303, "\x5a\x00\x01\x11\x70", 5);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, e.buf, e.len);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.len, 300);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  assert_int_equal(it.len, sizeof big);
  assert_true(ffirt_cbor_dec_at_end(&d));
  ffirt_cbor_dec_release(&d);
  ffirt_cbor_enc_release(&e);
}

static void simple_values_24_to_31_are_refused(void **state) {
  (void)state;
  uint8_t out[8];
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init(&e, out, sizeof out);
  assert_int_equal(ffirt_cbor_enc_simple(&e, 24), FFIRT_EINVAL);
  assert_int_equal(ffirt_cbor_enc_simple(&e, 16), FFIRT_EINVAL); /* sticky */
  assert_int_equal(ffirt_cbor_enc_finish(&e), FFIRT_EINVAL);
}

static void floats_keep_their_width_or_take_the_shortest_exact_one(void **state) {
  (void)state;
  EXPECT_ENC("f9 3c 00", ffirt_cbor_enc_f16_bits(e, 0x3c00));
  EXPECT_ENC("fa 47 c3 50 00", ffirt_cbor_enc_f32(e, 100000.0f));
  EXPECT_ENC("fb 3f f0 00 00 00 00 00 00", ffirt_cbor_enc_f64(e, 1.0));
  EXPECT_ENC("f9 3c 00", ffirt_cbor_enc_float_shortest(e, 1.0));
  EXPECT_ENC("f9 80 00", ffirt_cbor_enc_float_shortest(e, -0.0));
  EXPECT_ENC("f9 7b ff", ffirt_cbor_enc_float_shortest(e, 65504.0));
  EXPECT_ENC("fa 47 80 00 00", ffirt_cbor_enc_float_shortest(e, 65536.0)); /* > half max */
  EXPECT_ENC("f9 00 01", ffirt_cbor_enc_float_shortest(e, 5.9604644775390625e-8));
  EXPECT_ENC("fa 33 00 00 00", ffirt_cbor_enc_float_shortest(e, 2.98023223876953125e-8));
  EXPECT_ENC("f9 03 ff", ffirt_cbor_enc_float_shortest(e, 0.00006097555160522461)); /* subnormal */
  EXPECT_ENC("fa 47 c3 50 00", ffirt_cbor_enc_float_shortest(e, 100000.0));
  EXPECT_ENC("fa 00 00 00 01", ffirt_cbor_enc_float_shortest(e, 1.401298464324817e-45));
  EXPECT_ENC("fb 3f f1 99 99 99 99 99 9a", ffirt_cbor_enc_float_shortest(e, 1.1));
  EXPECT_ENC("fb 00 00 00 00 00 00 00 01",
             ffirt_cbor_enc_float_shortest(e, 4.9406564584124654e-324));
  EXPECT_ENC("fb 47 ef ff ff e0 00 00 01",
             ffirt_cbor_enc_float_shortest(e, 3.4028234663852889e+38));
  EXPECT_ENC("f9 7c 00", ffirt_cbor_enc_float_shortest(e, (double)INFINITY));
  EXPECT_ENC("f9 fc 00", ffirt_cbor_enc_float_shortest(e, -(double)INFINITY));
  EXPECT_ENC("f9 7e 00", ffirt_cbor_enc_float_shortest(e, (double)NAN));
}

static void a_fixed_buffer_that_is_too_small_reports_the_size_needed(void **state) {
  (void)state;
  uint8_t out[4] = {0xee, 0xee, 0xee, 0xee};
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init(&e, out, 3);
  assert_int_equal(ffirt_cbor_enc_array(&e, 2), 0);
  assert_int_equal(ffirt_cbor_enc_text_z(&e, "hello"), FFIRT_ENOSPC);
  assert_int_equal(ffirt_cbor_enc_uint(&e, 1000), FFIRT_ENOSPC);
  assert_int_equal(ffirt_cbor_enc_finish(&e), FFIRT_ENOSPC);
  assert_int_equal(ffirt_cbor_enc_size(&e), 1 + 6 + 3);
  assert_int_equal(out[3], 0xee); /* nothing written past cap */
  /* sizing pass with no buffer at all */
  ffirt_cbor_enc_init(&e, NULL, 0);
  ffirt_cbor_enc_bytes(&e, "abc", 3);
  assert_int_equal(ffirt_cbor_enc_size(&e), 4);
  assert_int_equal(ffirt_cbor_enc_finish(&e), FFIRT_ENOSPC);
  size_t len = 99;
  assert_null(ffirt_cbor_enc_take(&e, &len)); /* take is dynamic only */
  assert_int_equal(len, 0);
  ffirt_cbor_enc_release(&e); /* no-op on a fixed encoder */
  /* an exact fit succeeds */
  ffirt_cbor_enc_init(&e, out, 4);
  assert_int_equal(ffirt_cbor_enc_bytes(&e, "abc", 3), 0);
  assert_int_equal(ffirt_cbor_enc_finish(&e), 0);
}

static void the_dynamic_buffer_grows_and_hands_over_its_bytes(void **state) {
  (void)state;
  fault_alloc_install(0);
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  uint8_t blob[3000];
  for (size_t i = 0; i < sizeof blob; i++)
    blob[i] = (uint8_t)i;
  ffirt_cbor_enc_array(&e, 3);
  ffirt_cbor_enc_bytes(&e, blob, sizeof blob);
  ffirt_cbor_enc_uint(&e, 7);
  ffirt_cbor_enc_text_z(&e, "end");
  assert_int_equal(ffirt_cbor_enc_finish(&e), 0);
  size_t len = 0;
  uint8_t *p = ffirt_cbor_enc_take(&e, &len);
  assert_non_null(p);
  assert_int_equal(len, 1 + 3 + 3000 + 1 + 4);
  assert_int_equal(p[0], 0x83);
  assert_int_equal(p[1], 0x59);
  assert_memory_equal(p + 4, blob, sizeof blob);
  assert_int_equal(e.len, 0); /* reset for reuse */
  ffirt_free(p);
  /* empty output: a valid 1-byte allocation with len 0 */
  p = ffirt_cbor_enc_take(&e, &len);
  assert_non_null(p);
  assert_int_equal(len, 0);
  ffirt_free(p);
  ffirt_cbor_enc_text_z(&e, "x");
  ffirt_cbor_enc_release(&e);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

static void
every_allocation_failure_of_the_dynamic_encoder_is_reported_without_leaks(void **state) {
  (void)state;
  uint8_t blob[1000] = {0};
  long n;
  for (n = 1; n < 100; n++) {
    fault_alloc_install(n);
    ffirt_cbor_enc e;
    ffirt_cbor_enc_init_dynamic(&e);
    ffirt_cbor_enc_text_z(&e, "start");
    ffirt_cbor_enc_bytes(&e, blob, 100);
    ffirt_cbor_enc_bytes(&e, blob, sizeof blob);
    ffirt_cbor_enc_uint(&e, 1); /* written after a failure: must not crash */
    int rc = ffirt_cbor_enc_finish(&e);
    size_t len = 0;
    uint8_t *p = ffirt_cbor_enc_take(&e, &len);
    int failed = fault_alloc_failed();
    if (failed) {
      assert_int_equal(rc, FFIRT_ENOMEM);
      assert_null(p);
      assert_int_equal(len, 0);
    } else {
      assert_int_equal(rc, 0);
      assert_non_null(p);
      assert_int_equal(len, 6 + 2 + 100 + 3 + 1000 + 1);
      ffirt_free(p);
    }
    assert_int_equal(fault_alloc_live(), 0);
    fault_alloc_uninstall();
    if (!failed) break;
  }
  assert_true(n > 2); /* the loop did inject failures (growth happened) */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(integer_heads_are_shortest_at_every_boundary),
      cmocka_unit_test(strings_containers_and_simple_values_encode_as_specified),
      cmocka_unit_test(long_strings_get_two_and_four_byte_length_heads),
      cmocka_unit_test(simple_values_24_to_31_are_refused),
      cmocka_unit_test(floats_keep_their_width_or_take_the_shortest_exact_one),
      cmocka_unit_test(a_fixed_buffer_that_is_too_small_reports_the_size_needed),
      cmocka_unit_test(the_dynamic_buffer_grows_and_hands_over_its_bytes),
      cmocka_unit_test(every_allocation_failure_of_the_dynamic_encoder_is_reported_without_leaks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
