/*
 * half.c - IEEE 754 binary16 conversions for the CBOR codec (major type 7,
 * additional info 25) and the exactness checks behind
 * ffirt_cbor_enc_float_shortest().
 *
 * Design notes:
 *  - Pure bit manipulation on the IEEE representations (no libm, no
 *    floating-point environment): results do not depend on the rounding
 *    mode, and conversions that are not exact are refused, never rounded.
 *  - NaN payloads are not preserved by the "shortest" path: every NaN is
 *    written as the canonical half NaN 0x7e00, as RFC 8949 section 4.2.2
 *    prefers. Decoding a half keeps its payload bits.
 */
#include "cbor/cbor_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

static uint64_t bits_of(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double double_of(uint64_t b) {
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

double ffirt__half_to_double(uint16_t half) {
  uint64_t sign = (uint64_t)(half >> 15) << 63;
  unsigned exp = (half >> 10) & 0x1f;
  uint64_t mant = half & 0x3ff;
  if (exp == 0) {
    /* zero or subnormal: mant * 2^-24, exact in double */
    double v = (double)mant * (1.0 / 16777216.0);
    return sign ? -v : v;
  }
  if (exp == 31) return double_of(sign | 0x7ff0000000000000ull | mant << 42);
  return double_of(sign | (uint64_t)(exp - 15 + 1023) << 52 | mant << 42);
}

int ffirt__half_from_double(double v, uint16_t *half) {
  uint64_t b = bits_of(v);
  uint16_t sign = (uint16_t)((b >> 63) << 15);
  int exp = (int)((b >> 52) & 0x7ff);
  uint64_t mant = b & 0xfffffffffffffull;
  if (exp == 0x7ff) {
    *half = mant ? 0x7e00 : (uint16_t)(sign | 0x7c00);
    return 1;
  }
  if (exp == 0) {
    if (mant) return 0; /* double subnormals are far below the half range */
    *half = sign;
    return 1;
  }
  exp -= 1023;
  if (exp > 15 || exp < -24) return 0;
  if (exp >= -14) {
    if (mant & ((1ull << 42) - 1)) return 0;
    *half = (uint16_t)(sign | (unsigned)(exp + 15) << 10 | (unsigned)(mant >> 42));
    return 1;
  }
  /* half subnormal: value = m * 2^-24 with m < 1024 */
  uint64_t full = mant | 1ull << 52;
  unsigned shift = (unsigned)(28 - exp);
  if (full & ((1ull << shift) - 1)) return 0;
  *half = (uint16_t)(sign | (unsigned)(full >> shift));
  return 1;
}

int ffirt__double_fits_float(double v) {
  if (v != v) return 1;
  if (v > FLT_MAX || v < -FLT_MAX) return v == INFINITY || v == -INFINITY;
  return (double)(float)v == v;
}
