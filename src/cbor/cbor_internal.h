/*
 * cbor_internal.h - helpers shared by the files of the CBOR codec (not
 * installed, not exported: ffirt__ prefix).
 */
#ifndef FFIRT_CBOR_INTERNAL_H
#define FFIRT_CBOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/cbor.h"

/* Internal symbols are hidden so calls between the codec's files are
 * direct (no interposition through the PLT under -fPIC), and hot helpers
 * are forced inline. */
#if defined(__GNUC__)
#define FFIRT_HIDDEN __attribute__((visibility("hidden")))
#define FFIRT_ALWAYS_INLINE inline __attribute__((always_inline))
#define FFIRT_NOINLINE __attribute__((noinline))
#define FFIRT_LIKELY(x) __builtin_expect(!!(x), 1)
#define FFIRT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define FFIRT_HIDDEN
#define FFIRT_ALWAYS_INLINE inline
#define FFIRT_NOINLINE
#define FFIRT_LIKELY(x) (x)
#define FFIRT_UNLIKELY(x) (x)
#endif

/* half.c: IEEE 754 binary16 <-> double. */
FFIRT_HIDDEN double ffirt__half_to_double(uint16_t half);
/* 1 and *half set when v is exactly representable as binary16 (every NaN
 * maps to the canonical quiet NaN 0x7e00), 0 otherwise. */
FFIRT_HIDDEN int ffirt__half_from_double(double v, uint16_t *half);
/* 1 when v is exactly representable as binary32 (NaN included). */
FFIRT_HIDDEN int ffirt__double_fits_float(double v);

/*
 * Walks one chunk of an indefinite string that the decoder has already
 * validated. p points at a chunk head or at the final break. Returns 0 at the
 * break, else sets *data and *n to the chunk's bytes and returns the size of the
 * chunk (head and bytes), i.e. the distance to the next chunk head.
 */
FFIRT_HIDDEN size_t ffirt__cbor_chunk(const uint8_t *p, const uint8_t **data, size_t *n);

/* Reads the raw big-endian argument of a head whose bytes were checked. */
static inline uint64_t ffirt__load_be(const uint8_t *p, unsigned n) {
  switch (n) {
  case 1: return p[0];
  case 2: return (uint64_t)p[0] << 8 | p[1];
  case 4: return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
  default:
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | p[7];
  }
}

#endif /* FFIRT_CBOR_INTERNAL_H */
