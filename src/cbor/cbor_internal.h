/*
 * cbor_internal.h - helpers shared by the files of the CBOR codec (not
 * installed, not exported: ffirt__ prefix).
 */
#ifndef FFIRT_CBOR_INTERNAL_H
#define FFIRT_CBOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/cbor.h"

/* half.c: IEEE 754 binary16 <-> double. */
double ffirt__half_to_double(uint16_t half);
/* 1 and *half set when v is exactly representable as binary16 (every NaN
 * maps to the canonical quiet NaN 0x7e00), 0 otherwise. */
int ffirt__half_from_double(double v, uint16_t *half);
/* 1 when v is exactly representable as binary32 (NaN included). */
int ffirt__double_fits_float(double v);

/*
 * Walks one chunk of an indefinite string that the decoder has already
 * validated. p points at a chunk head or at the final break. Returns 0 at the
 * break, else sets *data and *n to the chunk's bytes and returns the size of the
 * chunk (head and bytes), i.e. the distance to the next chunk head.
 */
size_t ffirt__cbor_chunk(const uint8_t *p, const uint8_t **data, size_t *n);

/*
 * The decoder's two halves, for the typed readers (read.c):
 * ffirt__dec_head() parses the item at the cursor without consuming it
 * (FFIRT_ENOTFOUND at the end of the container or input, sticky errors for
 * malformed input) and sets *end past it (past the head for containers);
 * ffirt__dec_commit() consumes it: moves the cursor, counts it in its
 * container and enters arrays and maps (FFIRT_EDEPTH, FFIRT_ENOMEM).
 */
int ffirt__dec_head(ffirt_cbor_dec *d, ffirt_cbor_item *it, size_t *end);
int ffirt__dec_commit(ffirt_cbor_dec *d, const ffirt_cbor_item *it, size_t end);

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
