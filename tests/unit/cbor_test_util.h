/*
 * cbor_test_util.h - tiny helpers shared by the CBOR unit tests.
 */
#ifndef FFIRT_TEST_CBOR_TEST_UTIL_H
#define FFIRT_TEST_CBOR_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Hex text ("a1 63", spaces ignored) to bytes; returns the byte count. */
static inline size_t cbor_unhex(const char *hex, uint8_t *out) {
  size_t n = 0;
  while (*hex) {
    if (*hex == ' ') {
      hex++;
      continue;
    }
    unsigned v;
    if (sscanf(hex, "%2x", &v) != 1) break;
    out[n++] = (uint8_t)v;
    hex += 2;
  }
  return n;
}

#endif /* FFIRT_TEST_CBOR_TEST_UTIL_H */
