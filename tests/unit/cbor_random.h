/*
 * cbor_random.h - test helper: random CBOR value trees from a seed, encoded
 * with the ffirt encoder. Used by the libcbor cross-check and the Python
 * helper. Trees hold every kind the encoder writes: unsigned and negative
 * integers (full 64-bit range), byte strings, valid UTF-8 text (1- to 4-byte
 * characters), arrays, maps (keys of any kind), tags, bools, null,
 * undefined, simple values, and floats of each width (f16 given by bits).
 *
 * Build: add ${PROJECT_SOURCE_DIR}/tests/unit/cbor_random.c to SOURCES.
 */
#ifndef FFIRT_TEST_CBOR_RANDOM_H
#define FFIRT_TEST_CBOR_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/cbor.h"

typedef enum cbor_rkind {
  RV_UINT,
  RV_NEG, /* -1 - u */
  RV_BYTES,
  RV_TEXT,
  RV_ARRAY,
  RV_MAP, /* kids[2i] keys, kids[2i+1] values; n = pairs */
  RV_TAG, /* u = tag, kids[0] = item */
  RV_BOOL,
  RV_NULL,
  RV_UNDEF,
  RV_SIMPLE,
  RV_F16, /* u = half bits (normal numbers, zeros, infinities, NaN 0x7e00) */
  RV_F32,
  RV_F64
} cbor_rkind;

typedef struct cbor_rval {
  cbor_rkind kind;
  uint64_t u;
  double f;
  uint8_t *data; /* strings */
  size_t len;
  size_t n; /* containers: items (array) or pairs (map) */
  struct cbor_rval **kids;
} cbor_rval;

/* xorshift64* step; *state must be non-zero. */
uint64_t cbor_random_next(uint64_t *state);
/* Flag: stay within what libcbor 0.8 decodes. It rejects well-formed items
 * RFC 8949 allows: unassigned simple values (e0..f3, f8 xx) and the
 * one-byte tags 6..20 (c6..d4). */
#define CBOR_RANDOM_LIBCBOR_SUBSET 1u
/* Flag: stay within what cbor2 (Python) maps to plain values: tags of
 * 0x10000 and above (no semantic decoding) and map keys that are distinct
 * text strings (a dict keeps one of equal keys). */
#define CBOR_RANDOM_PYTHON_SUBSET 2u

/* A random tree at most max_depth containers deep (plain malloc; never
 * through the ffirt allocator, so fault injection does not touch it). */
cbor_rval *cbor_random_value(uint64_t *state, int max_depth, unsigned flags);
void cbor_random_free(cbor_rval *v);
/* Encodes v with the ffirt encoder (floats at their own width). */
int cbor_random_encode(const cbor_rval *v, ffirt_cbor_enc *e);
/* Compares v with the item at the decoder's cursor (consuming it);
 * indefinite strings and containers decode equal to definite ones. Returns
 * 1 when equal. */
int cbor_random_matches(const cbor_rval *v, ffirt_cbor_dec *d);

#endif /* FFIRT_TEST_CBOR_RANDOM_H */
