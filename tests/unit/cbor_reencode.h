/*
 * cbor_reencode.h - test helper: decodes one CBOR item with the ffirt
 * decoder and writes its RFC 8949 preferred serialization with the ffirt
 * encoder (definite lengths, shortest heads, shortest exact floats,
 * indefinite strings joined). Used by the conformance test, the fuzz target,
 * the libcbor and Python cross-checks and the demo.
 *
 * Build: add ${PROJECT_SOURCE_DIR}/tests/unit/cbor_reencode.c to SOURCES.
 */
#ifndef FFIRT_TEST_CBOR_REENCODE_H
#define FFIRT_TEST_CBOR_REENCODE_H

#include "ffirt/cbor.h"

/* Re-encodes the item at the decoder's cursor into e (tags included).
 * Returns 0 or the decoder's / encoder's error. */
int cbor_reencode_item(ffirt_cbor_dec *d, ffirt_cbor_enc *e);

/* Re-encodes buf, which must be exactly one item, into a new ffirt_malloc'd
 * buffer (*out, *out_len). Returns 0, a decoder error, FFIRT_EMALFORMED for
 * trailing bytes, or FFIRT_ENOMEM. */
int cbor_reencode(const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len);

#endif /* FFIRT_TEST_CBOR_REENCODE_H */
