/*
 * test_cbor_rfc8949.c - conformance: every example of RFC 8949 Appendix A is
 * decoded (checked through its diagnostic notation and, for scalars, the
 * decoded value) and, where the RFC's encoding is the preferred one,
 * re-encoded byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ffirt/cbor.h"
#include "unit/cbor_reencode.h"

typedef struct vec {
  const char *hex;
  const char *diag;
  const char *canon; /* preferred serialization when hex is not (NULL: hex) */
} vec;

static const vec k_vectors[] = {
    {"00", "0", NULL},
    {"01", "1", NULL},
    {"0a", "10", NULL},
    {"17", "23", NULL},
    {"1818", "24", NULL},
    {"1819", "25", NULL},
    {"1864", "100", NULL},
    {"1903e8", "1000", NULL},
    {"1a000f4240", "1000000", NULL},
    {"1b000000e8d4a51000", "1000000000000", NULL},
    {"1bffffffffffffffff", "18446744073709551615", NULL},
    {"c249010000000000000000", "2(h'010000000000000000')", NULL},
    {"3bffffffffffffffff", "-18446744073709551616", NULL},
    {"c349010000000000000000", "3(h'010000000000000000')", NULL},
    {"20", "-1", NULL},
    {"29", "-10", NULL},
    {"3863", "-100", NULL},
    {"3903e7", "-1000", NULL},
    {"f90000", "0.0", NULL},
    {"f98000", "-0.0", NULL},
    {"f93c00", "1.0", NULL},
    {"fb3ff199999999999a", "1.1", NULL},
    {"f93e00", "1.5", NULL},
    {"f97bff", "65504.0", NULL},
    {"fa47c35000", "100000.0", NULL},
    {"fa7f7fffff", "3.4028234663852886e+38", NULL},
    {"fb7e37e43c8800759c", "1.0e+300", NULL},
    {"f90001", "5.9604644775390625e-8", NULL},
    {"f90400", "0.00006103515625", NULL},
    {"f9c400", "-4.0", NULL},
    {"fbc010666666666666", "-4.1", NULL},
    {"f97c00", "Infinity", NULL},
    {"f97e00", "NaN", NULL},
    {"f9fc00", "-Infinity", NULL},
    {"fa7f800000", "Infinity", "f97c00"},
    {"fa7fc00000", "NaN", "f97e00"},
    {"faff800000", "-Infinity", "f9fc00"},
    {"fb7ff0000000000000", "Infinity", "f97c00"},
    {"fb7ff8000000000000", "NaN", "f97e00"},
    {"fbfff0000000000000", "-Infinity", "f9fc00"},
    {"f4", "false", NULL},
    {"f5", "true", NULL},
    {"f6", "null", NULL},
    {"f7", "undefined", NULL},
    {"f0", "simple(16)", NULL},
    {"f8ff", "simple(255)", NULL},
    {"c074323031332d30332d32315432303a30343a30305a", "0(\"2013-03-21T20:04:00Z\")", NULL},
    {"c11a514b67b0", "1(1363896240)", NULL},
    {"c1fb41d452d9ec200000", "1(1363896240.5)", NULL},
    {"d74401020304", "23(h'01020304')", NULL},
    {"d818456449455446", "24(h'6449455446')", NULL},
    {"d82076687474703a2f2f7777772e6578616d706c652e636f6d", "32(\"http://www.example.com\")", NULL},
    {"40", "h''", NULL},
    {"4401020304", "h'01020304'", NULL},
    {"60", "\"\"", NULL},
    {"6161", "\"a\"", NULL},
    {"6449455446", "\"IETF\"", NULL},
    {"62225c", "\"\\\"\\\\\"", NULL},
    {"62c3bc", "\"\xc3\xbc\"", NULL},
    {"63e6b0b4", "\"\xe6\xb0\xb4\"", NULL},
    {"64f0908591", "\"\xf0\x90\x85\x91\"", NULL},
    {"80", "[]", NULL},
    {"83010203", "[1, 2, 3]", NULL},
    {"8301820203820405", "[1, [2, 3], [4, 5]]", NULL},
    {"98190102030405060708090a0b0c0d0e0f101112131415161718181819",
     "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, "
     "25]",
     NULL},
    {"a0", "{}", NULL},
    {"a201020304", "{1: 2, 3: 4}", NULL},
    {"a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}", NULL},
    {"826161a161626163", "[\"a\", {\"b\": \"c\"}]", NULL},
    {"a56161614161626142616361436164614461656145",
     "{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}", NULL},
    {"5f42010243030405ff", "(_ h'0102', h'030405')", "450102030405"},
    {"7f657374726561646d696e67ff", "(_ \"strea\", \"ming\")", "6973747265616d696e67"},
    {"9fff", "[_ ]", "80"},
    {"9f018202039f0405ffff", "[_ 1, [2, 3], [_ 4, 5]]", "8301820203820405"},
    {"9f01820203820405ff", "[_ 1, [2, 3], [4, 5]]", "8301820203820405"},
    {"83018202039f0405ff", "[1, [2, 3], [_ 4, 5]]", "8301820203820405"},
    {"83019f0203ff820405", "[1, [_ 2, 3], [4, 5]]", "8301820203820405"},
    {"9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
     "[_ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, "
     "25]",
     "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
    {"bf61610161629f0203ffff", "{_ \"a\": 1, \"b\": [_ 2, 3]}", "a26161016162820203"},
    {"826161bf61626163ff", "[\"a\", {_ \"b\": \"c\"}]", "826161a161626163"},
    {"bf6346756ef563416d7421ff", "{_ \"Fun\": true, \"Amt\": -2}", "a26346756ef563416d7421"},
};

static size_t unhex(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (uint8_t)v;
  }
  return n;
}

static void every_appendix_a_example_is_well_formed_and_prints_its_diagnostic(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_vectors / sizeof k_vectors[0]; i++) {
    uint8_t buf[64];
    size_t n = unhex(k_vectors[i].hex, buf);
    size_t off = 99;
    const char *reason = "unset";
    if (ffirt_cbor_validate(buf, n, 0, &off, &reason) != 0)
      fail_msg("%s: rejected at %zu: %s", k_vectors[i].hex, off, reason);
    char *diag = NULL;
    assert_int_equal(ffirt_cbor_to_diag(buf, n, &diag), 0);
    if (strcmp(diag, k_vectors[i].diag) != 0)
      fail_msg("%s: diag %s, expected %s", k_vectors[i].hex, diag, k_vectors[i].diag);
    ffirt_free(diag);
  }
}

static void examples_reencode_to_their_preferred_serialization(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_vectors / sizeof k_vectors[0]; i++) {
    uint8_t buf[64], want[64];
    size_t n = unhex(k_vectors[i].hex, buf);
    size_t want_len = unhex(k_vectors[i].canon ? k_vectors[i].canon : k_vectors[i].hex, want);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(cbor_reencode(buf, n, &out, &out_len), 0);
    if (out_len != want_len || memcmp(out, want, want_len) != 0)
      fail_msg("%s: re-encoded differently (%zu bytes)", k_vectors[i].hex, out_len);
    ffirt_free(out);
  }
}

static ffirt_cbor_item next_item(const char *hex, uint8_t *buf) {
  size_t n = unhex(hex, buf);
  ffirt_cbor_dec d;
  ffirt_cbor_item it;
  ffirt_cbor_dec_init(&d, buf, n);
  assert_int_equal(ffirt_cbor_dec_next(&d, &it), 0);
  ffirt_cbor_dec_release(&d);
  return it;
}

static void integer_examples_decode_to_their_values(void **state) {
  (void)state;
  uint8_t buf[16];
  ffirt_cbor_item it = next_item("1bffffffffffffffff", buf);
  assert_int_equal(it.type, FFIRT_CBOR_UINT);
  assert_true(it.u == UINT64_MAX);
  it = next_item("3bffffffffffffffff", buf);
  assert_int_equal(it.type, FFIRT_CBOR_NEGATIVE);
  assert_true(it.u == UINT64_MAX);
  it = next_item("3903e7", buf);
  assert_int_equal(it.type, FFIRT_CBOR_NEGATIVE);
  assert_int_equal(it.u, 999);
  it = next_item("1b000000e8d4a51000", buf);
  assert_true(it.u == 1000000000000ull);
}

static void float_examples_decode_to_their_values_and_widths(void **state) {
  (void)state;
  static const struct {
    const char *hex;
    double v;
    unsigned width;
  } k[] = {
      {"f93c00", 1.0, 2},
      {"f97bff", 65504.0, 2},
      {"f90001", 5.960464477539063e-8, 2},
      {"f90400", 0.00006103515625, 2},
      {"f9c400", -4.0, 2},
      {"fa47c35000", 100000.0, 4},
      {"fa7f7fffff", 3.4028234663852886e+38, 4},
      {"fb3ff199999999999a", 1.1, 8},
      {"fb7e37e43c8800759c", 1.0e+300, 8},
  };
  uint8_t buf[16];
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    ffirt_cbor_item it = next_item(k[i].hex, buf);
    assert_int_equal(it.type, FFIRT_CBOR_FLOAT);
    assert_int_equal(it.u, k[i].width);
    if (it.f != k[i].v) fail_msg("%s decoded to %.17g", k[i].hex, it.f);
  }
  ffirt_cbor_item z = next_item("f98000", buf);
  assert_true(z.f == 0.0 && 1.0 / z.f < 0); /* negative zero keeps its sign */
  z = next_item("f97e00", buf);
  assert_true(z.f != z.f);
}

static void text_examples_are_zero_copy_into_the_input(void **state) {
  (void)state;
  uint8_t buf[16];
  ffirt_cbor_item it = next_item("64f0908591", buf);
  assert_int_equal(it.type, FFIRT_CBOR_TEXT);
  assert_ptr_equal(it.ptr, buf + 1);
  assert_int_equal(it.len, 4);
  it = next_item("7f657374726561646d696e67ff", buf);
  assert_int_equal(it.indefinite, 1);
  assert_int_equal(it.len, 9);
  char s[10] = {0};
  ffirt_cbor_item_copy_string(&it, s);
  assert_string_equal(s, "streaming");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_appendix_a_example_is_well_formed_and_prints_its_diagnostic),
      cmocka_unit_test(examples_reencode_to_their_preferred_serialization),
      cmocka_unit_test(integer_examples_decode_to_their_values),
      cmocka_unit_test(float_examples_decode_to_their_values_and_widths),
      cmocka_unit_test(text_examples_are_zero_copy_into_the_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
