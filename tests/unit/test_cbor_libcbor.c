/*
 * test_cbor_libcbor.c - randomized cross-check against libcbor, an
 * independent implementation, in both directions:
 *  - ours encodes a random tree -> libcbor decodes it (cbor_load) and the
 *    result is compared with the tree; libcbor re-serializes the same tree
 *    built with minimal widths and must produce our bytes exactly;
 *  - libcbor serializes a random tree with random (non-shortest) integer
 *    widths and random indefinite strings/containers -> ours decodes it and
 *    compares with the tree.
 * Seeds are fixed; a failure prints the seed that reproduces it. libcbor 0.8
 * rejects unassigned simple values and one-byte tags 6..20, so trees here
 * avoid them (CBOR_RANDOM_LIBCBOR_SUBSET); the Python cross-check covers
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>

#include "ffirt/cbor.h"
#include "unit/cbor_random.h"

#define ROUNDS 20000

static int same_double(double a, double b) {
  if (a != a) return b != b;
  return memcmp(&a, &b, sizeof a) == 0;
}

/* libcbor item equal to the tree? (any widths, definite or not) */
static int lc_matches(const cbor_rval *v, cbor_item_t *it) {
  switch (v->kind) {
  case RV_UINT: return cbor_isa_uint(it) && cbor_get_int(it) == v->u;
  case RV_NEG: return cbor_isa_negint(it) && cbor_get_int(it) == v->u;
  case RV_BYTES:
    return cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it) &&
           cbor_bytestring_length(it) == v->len &&
           (!v->len || !memcmp(cbor_bytestring_handle(it), v->data, v->len));
  case RV_TEXT:
    return cbor_isa_string(it) && cbor_string_is_definite(it) && cbor_string_length(it) == v->len &&
           (!v->len || !memcmp(cbor_string_handle(it), v->data, v->len));
  case RV_ARRAY: {
    if (!cbor_isa_array(it) || cbor_array_size(it) != v->n) return 0;
    cbor_item_t **kids = cbor_array_handle(it);
    for (size_t i = 0; i < v->n; i++)
      if (!lc_matches(v->kids[i], kids[i])) return 0;
    return 1;
  }
  case RV_MAP: {
    if (!cbor_isa_map(it) || cbor_map_size(it) != v->n) return 0;
    struct cbor_pair *pairs = cbor_map_handle(it);
    for (size_t i = 0; i < v->n; i++)
      if (!lc_matches(v->kids[2 * i], pairs[i].key) ||
          !lc_matches(v->kids[2 * i + 1], pairs[i].value))
        return 0;
    return 1;
  }
  case RV_TAG: {
    if (!cbor_isa_tag(it) || cbor_tag_value(it) != v->u) return 0;
    cbor_item_t *inner = cbor_tag_item(it);
    int eq = lc_matches(v->kids[0], inner);
    cbor_decref(&inner);
    return eq;
  }
  case RV_BOOL: return cbor_is_bool(it) && cbor_get_bool(it) == (v->u != 0);
  case RV_NULL: return cbor_is_null(it);
  case RV_UNDEF: return cbor_is_undef(it);
  case RV_SIMPLE:
    return cbor_isa_float_ctrl(it) && cbor_float_get_width(it) == CBOR_FLOAT_0 &&
           cbor_ctrl_value(it) == v->u;
  case RV_F16:
    return cbor_isa_float_ctrl(it) && cbor_float_get_width(it) == CBOR_FLOAT_16 &&
           same_double(cbor_float_get_float(it), v->f);
  case RV_F32:
    return cbor_isa_float_ctrl(it) && cbor_float_get_width(it) == CBOR_FLOAT_32 &&
           same_double(cbor_float_get_float(it), v->f);
  default:
    return cbor_isa_float_ctrl(it) && cbor_float_get_width(it) == CBOR_FLOAT_64 &&
           same_double(cbor_float_get_float(it), v->f);
  }
}

static cbor_item_t *lc_int(uint64_t u, int negative, int widest) {
  int w = widest ? 3 : u <= 0xff ? 0 : u <= 0xffff ? 1 : u <= 0xffffffffu ? 2 : 3;
  if (negative) {
    switch (w) {
    case 0: return cbor_build_negint8((uint8_t)u);
    case 1: return cbor_build_negint16((uint16_t)u);
    case 2: return cbor_build_negint32((uint32_t)u);
    default: return cbor_build_negint64(u);
    }
  }
  switch (w) {
  case 0: return cbor_build_uint8((uint8_t)u);
  case 1: return cbor_build_uint16((uint16_t)u);
  case 2: return cbor_build_uint32((uint32_t)u);
  default: return cbor_build_uint64(u);
  }
}

/* Builds a libcbor tree. With rng == NULL: shortest widths, definite only;
 * else random widths and random indefinite strings and containers. */
static cbor_item_t *lc_build(const cbor_rval *v, uint64_t *rng) {
  int odd = rng && (cbor_random_next(rng) & 1);
  switch (v->kind) {
  case RV_UINT:
  case RV_NEG: return lc_int(v->u, v->kind == RV_NEG, odd);
  case RV_BYTES:
  case RV_TEXT: {
    int text = v->kind == RV_TEXT;
    if (!odd)
      return text ? cbor_build_stringn((const char *)v->data, v->len)
                  : cbor_build_bytestring(v->data, v->len);
    /* indefinite: split at character boundaries (text) into up to 3 chunks */
    cbor_item_t *s = text ? cbor_new_indefinite_string() : cbor_new_indefinite_bytestring();
    size_t at = 0;
    while (at < v->len) {
      size_t n = 1 + (size_t)(cbor_random_next(rng) % (v->len - at));
      if (text)
        while (at + n < v->len && (v->data[at + n] & 0xc0) == 0x80)
          n++;
      cbor_item_t *chunk = text ? cbor_build_stringn((const char *)v->data + at, n)
                                : cbor_build_bytestring(v->data + at, n);
      if (text)
        cbor_string_add_chunk(s, cbor_move(chunk));
      else
        cbor_bytestring_add_chunk(s, cbor_move(chunk));
      at += n;
    }
    return s;
  }
  case RV_ARRAY: {
    cbor_item_t *a = odd ? cbor_new_indefinite_array() : cbor_new_definite_array(v->n);
    for (size_t i = 0; i < v->n; i++)
      cbor_array_push(a, cbor_move(lc_build(v->kids[i], rng)));
    return a;
  }
  case RV_MAP: {
    cbor_item_t *m = odd ? cbor_new_indefinite_map() : cbor_new_definite_map(v->n);
    for (size_t i = 0; i < v->n; i++)
      cbor_map_add(m, (struct cbor_pair){.key = cbor_move(lc_build(v->kids[2 * i], rng)),
                                         .value = cbor_move(lc_build(v->kids[2 * i + 1], rng))});
    return m;
  }
  case RV_TAG: return cbor_build_tag(v->u, cbor_move(lc_build(v->kids[0], rng)));
  case RV_BOOL: return cbor_build_bool(v->u != 0);
  case RV_NULL: return cbor_new_null();
  case RV_UNDEF: return cbor_new_undef();
  case RV_SIMPLE: return cbor_build_ctrl((uint8_t)v->u);
  case RV_F16: return cbor_build_float2((float)v->f);
  case RV_F32: return cbor_build_float4((float)v->f);
  default: return cbor_build_float8(v->f);
  }
}

static void ours_encodes_what_libcbor_decodes_and_serializes_identically(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= ROUNDS; seed++) {
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull;
    cbor_rval *v = cbor_random_value(&rng, 4, CBOR_RANDOM_LIBCBOR_SUBSET);
    ffirt_cbor_enc e;
    ffirt_cbor_enc_init_dynamic(&e);
    cbor_random_encode(v, &e);
    assert_int_equal(ffirt_cbor_enc_finish(&e), 0);

    struct cbor_load_result res;
    cbor_item_t *item = cbor_load(e.buf, e.len, &res);
    if (!item || res.error.code != CBOR_ERR_NONE || res.read != e.len)
      fail_msg("seed %llu: libcbor rejected our encoding", (unsigned long long)seed);
    if (!lc_matches(v, item))
      fail_msg("seed %llu: libcbor decoded another value", (unsigned long long)seed);
    cbor_decref(&item);

    cbor_item_t *built = lc_build(v, NULL);
    unsigned char *theirs = NULL;
    size_t theirs_cap = 0;
    size_t theirs_len = cbor_serialize_alloc(built, &theirs, &theirs_cap);
    if (theirs_len != e.len || memcmp(theirs, e.buf, e.len) != 0)
      fail_msg("seed %llu: libcbor serialized %zu bytes, we wrote %zu", (unsigned long long)seed,
               theirs_len, e.len);
    free(theirs);
    cbor_decref(&built);
    ffirt_cbor_enc_release(&e);
    cbor_random_free(v);
  }
}

static void libcbor_encodes_what_ours_decodes_with_any_widths_and_indefinite_forms(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= ROUNDS; seed++) {
    uint64_t rng = seed * 0xD1B54A32D192ED03ull;
    cbor_rval *v = cbor_random_value(&rng, 4, CBOR_RANDOM_LIBCBOR_SUBSET);
    uint64_t shape = seed | 1;
    cbor_item_t *built = lc_build(v, &shape);
    unsigned char *bytes = NULL;
    size_t cap = 0;
    size_t len = cbor_serialize_alloc(built, &bytes, &cap);
    assert_true(len > 0);
    size_t off;
    const char *reason;
    if (ffirt_cbor_validate(bytes, len, 0, &off, &reason) != 0)
      fail_msg("seed %llu: we rejected libcbor's bytes at %zu: %s", (unsigned long long)seed, off,
               reason);
    ffirt_cbor_dec d;
    ffirt_cbor_dec_init(&d, bytes, len);
    if (!cbor_random_matches(v, &d))
      fail_msg("seed %llu: we decoded another value", (unsigned long long)seed);
    assert_true(ffirt_cbor_dec_at_end(&d));
    ffirt_cbor_dec_release(&d);
    free(bytes);
    cbor_decref(&built);
    cbor_random_free(v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ours_encodes_what_libcbor_decodes_and_serializes_identically),
      cmocka_unit_test(libcbor_encodes_what_ours_decodes_with_any_widths_and_indefinite_forms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
