/*
 * e2e_util.h - small helpers shared by the e2e tests of the example
 * libraries: hex <-> bytes, and cmocka-friendly waits.
 */
#ifndef FFIRT_E2E_UTIL_H
#define FFIRT_E2E_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_wait.h"

/* Decodes lowercase/uppercase hex into a malloc'd buffer; *len gets its size.
 * The test data is ours, so bad hex is a bug in the test: abort. */
static inline uint8_t *e2e_unhex(const char *hex, size_t *len) {
  size_t n = strlen(hex) / 2;
  uint8_t *out = malloc(n ? n : 1);
  if (!out) abort();
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
    char *end;
    v = (unsigned)strtoul(pair, &end, 16);
    if (*end) abort();
    out[i] = (uint8_t)v;
  }
  *len = n;
  return out;
}

/* Hex of a reply's raw bytes (caller frees). */
static inline char *e2e_reply_hex(const e2e_reply *r) {
  char *out = malloc(2 * r->len + 1);
  if (!out) abort();
  e2e_hex(r->bytes ? r->bytes : (const uint8_t *)"", r->len, out);
  return out;
}

/* Waits for the terminal callback of r or fails the test. */
#define E2E_WAIT(r) assert_int_equal(e2e_reply_wait((r), E2E_TIMEOUT_MS), 0)

/* Asserts a raw reply: code, and bytes equal to the given hex. */
#define E2E_ASSERT_HEX(r, code, hex)                                                               \
  do {                                                                                             \
    E2E_WAIT(r);                                                                                   \
    assert_int_equal((r)->ret, (code));                                                            \
    char *got_hex_ = e2e_reply_hex(r);                                                             \
    assert_string_equal(got_hex_, (hex));                                                          \
    free(got_hex_);                                                                                \
  } while (0)

/* Asserts a raw text reply: code, exact bytes and length (no NUL sent). */
#define E2E_ASSERT_TEXT(r, code, want)                                                             \
  do {                                                                                             \
    E2E_WAIT(r);                                                                                   \
    assert_int_equal((r)->ret, (code));                                                            \
    assert_string_equal(e2e_reply_str(r), (want));                                                 \
    assert_int_equal((r)->len, strlen(want));                                                      \
  } while (0)

/* Asserts a formatted native reply. */
#define E2E_ASSERT_FMT(r, want)                                                                    \
  do {                                                                                             \
    E2E_WAIT(r);                                                                                   \
    assert_int_equal((r)->ret, RET_OK);                                                            \
    assert_non_null((r)->text);                                                                    \
    assert_string_equal((r)->text, (want));                                                        \
  } while (0)

#endif /* FFIRT_E2E_UTIL_H */
