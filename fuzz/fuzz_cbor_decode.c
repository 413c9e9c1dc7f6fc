/*
 * fuzz_cbor_decode.c - libFuzzer target for the CBOR decoder.
 *
 * For any input: validation, the diagnostic printer and the re-encoder must
 * agree on whether it is one well-formed item (and never crash, leak or
 * read out of bounds). For well-formed input: decode -> encode -> decode is
 * stable, i.e. the preferred re-encoding is itself valid and re-encodes to
 * the same bytes. The typed readers are also driven over the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ffirt/cbor.h"
#include "unit/cbor_reencode.h"

/* Walks every item with the typed readers, picking the reader by peeking. */
static void walk_with_readers(const uint8_t *data, size_t size) {
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, data, size);
  const char *reason;
  for (int steps = 0; steps < 4096 && !d.err; steps++) {
    ffirt_cbor_item it;
    int rc = ffirt_cbor_dec_peek(&d, &it);
    if (rc == FFIRT_ENOTFOUND) {
      if (!d.depth || ffirt_cbor_dec_leave(&d)) break;
      continue;
    }
    if (rc) break;
    int64_t i;
    uint64_t u;
    double f;
    int b;
    char *s;
    uint8_t *p;
    size_t n;
    switch (it.type) {
    case FFIRT_CBOR_UINT: rc = ffirt_cbor_read_uint(&d, UINT64_MAX, &u, &reason); break;
    case FFIRT_CBOR_NEGATIVE:
      rc = ffirt_cbor_read_int(&d, INT64_MIN, INT64_MAX, &i, &reason);
      if (rc == FFIRT_ERANGE) rc = ffirt_cbor_dec_skip(&d);
      break;
    case FFIRT_CBOR_TEXT:
      rc = ffirt_cbor_read_text(&d, &s, &n, &reason);
      if (!rc) {
        if (strlen(s) > n) abort();
        ffirt_free(s);
      }
      break;
    case FFIRT_CBOR_BYTES:
      rc = ffirt_cbor_read_bytes(&d, &p, &n, &reason);
      if (!rc) ffirt_free(p);
      break;
    case FFIRT_CBOR_ARRAY: rc = ffirt_cbor_read_array(&d, &n, &reason); break;
    case FFIRT_CBOR_MAP: rc = ffirt_cbor_read_map(&d, &n, &reason); break;
    case FFIRT_CBOR_FLOAT: rc = ffirt_cbor_read_float(&d, &f, &reason); break;
    case FFIRT_CBOR_BOOL: rc = ffirt_cbor_read_bool(&d, &b, &reason); break;
    case FFIRT_CBOR_NULL:
    case FFIRT_CBOR_UNDEFINED: rc = ffirt_cbor_read_null(&d) == 1 ? 0 : -1; break;
    default: rc = ffirt_cbor_dec_skip(&d); break;
    }
    if (rc && !d.err) abort(); /* a reader refused the type peek reported */
  }
  ffirt_cbor_dec_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t off;
  const char *reason;
  int valid = ffirt_cbor_validate(data, size, 0, &off, &reason);
  if (valid && (!reason || off > size)) abort();

  char *diag = NULL;
  int drc = ffirt_cbor_to_diag(data, size, &diag);
  if ((drc == 0) != (valid == 0)) abort();
  ffirt_free(diag);

  uint8_t *r1 = NULL, *r2 = NULL;
  size_t n1 = 0, n2 = 0;
  int rc = cbor_reencode(data, size, &r1, &n1);
  if ((rc == 0) != (valid == 0)) abort();
  if (rc == 0) {
    if (ffirt_cbor_validate(r1, n1, 0, &off, &reason) != 0) abort();
    if (cbor_reencode(r1, n1, &r2, &n2) != 0) abort();
    if (n1 != n2 || memcmp(r1, r2, n1) != 0) abort();
    ffirt_free(r1);
    ffirt_free(r2);
  }
  walk_with_readers(data, size);
  return 0;
}
