/*
 * dec_core.h - the decoder's hot path, inlined into the cursor (dec.c) and
 * the typed readers (read.c) so that reading one item is one pass without
 * calls. Private to src/cbor.
 *
 * ffirt__dec_head() parses the item at the cursor without consuming it
 * (FFIRT_ENOTFOUND at the end of the container or input; sticky errors for
 * malformed input) and sets *end past it (past the head for containers);
 * ffirt__dec_commit() consumes it: moves the cursor, counts it in its
 * container and enters arrays and maps (FFIRT_EDEPTH, FFIRT_ENOMEM).
 * The invariants are in dec.c's design notes.
 *
 * Frames count down the items left in every container. An indefinite one
 * starts at UINT64_MAX, so it never reaches 0 (the input cannot hold 2^64
 * items) and ~remaining is the number of items read (for the map-parity
 * check at its break).
 */
#ifndef FFIRT_CBOR_DEC_CORE_H
#define FFIRT_CBOR_DEC_CORE_H

#include <string.h>

#include "cbor/cbor_internal.h"

#define FFIRT__INLINE_FRAMES                                                                       \
  (sizeof(((ffirt_cbor_dec *)0)->inline_stack) / sizeof(ffirt_cbor_frame))

enum { FFIRT__FRAME_DEFINITE = 0, FFIRT__FRAME_INDEF_ARRAY = 1, FFIRT__FRAME_INDEF_MAP = 2 };

/* dec.c: the cold paths. */
FFIRT_HIDDEN int ffirt__dec_fail(ffirt_cbor_dec *d, size_t offset, int code, const char *reason);
FFIRT_HIDDEN int ffirt__dec_chunks(ffirt_cbor_dec *d, size_t p, unsigned major, ffirt_cbor_item *it,
                                   size_t *end);
FFIRT_HIDDEN int ffirt__dec_push(ffirt_cbor_dec *d, const ffirt_cbor_item *it);
FFIRT_HIDDEN size_t ffirt__dec_head_arg_fail(ffirt_cbor_dec *d, size_t pos, unsigned ai);

/* 1 when p[0..n) is ASCII, checked with word loads (overlapping at the
 * tail, so short keys cost two loads). */
static FFIRT_ALWAYS_INLINE int ffirt__ascii(const uint8_t *p, size_t n) {
  uint64_t acc = 0;
  if (n >= 8) {
    uint64_t w;
    for (size_t i = 0; i + 8 <= n; i += 8) {
      memcpy(&w, p + i, 8);
      acc |= w;
    }
    memcpy(&w, p + n - 8, 8);
    acc |= w;
  } else if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    acc = a | b;
  } else if (n) {
    acc = (uint64_t)(p[0] | p[n / 2] | p[n - 1]);
  }
  return !(acc & 0x8080808080808080ull);
}

/* ASCII inline, anything else through the full validator. */
static FFIRT_ALWAYS_INLINE int ffirt__utf8_ok(const uint8_t *p, size_t n) {
  return ffirt__ascii(p, n) || ffirt_utf8_valid(p, n);
}

/* Parses the argument of the head at buf[pos]; returns the head size, or 0
 * after recording an error. */
static FFIRT_ALWAYS_INLINE size_t ffirt__dec_head_arg(ffirt_cbor_dec *d, size_t pos, unsigned ai,
                                                      uint64_t *v) {
  if (FFIRT_LIKELY(ai < 24)) {
    *v = ai;
    return 1;
  }
  if (FFIRT_LIKELY(ai < 28)) {
    unsigned n = 1u << (ai - 24);
    if (FFIRT_UNLIKELY(d->len - pos - 1 < n)) return ffirt__dec_head_arg_fail(d, pos, ai);
    *v = ffirt__load_be(d->buf + pos + 1, n);
    return 1 + n;
  }
  return ffirt__dec_head_arg_fail(d, pos, ai);
}

/* Parses the item at d->pos (a break there is an error: callers check for
 * the break that ends an indefinite container first). */
static FFIRT_ALWAYS_INLINE int ffirt__dec_parse(ffirt_cbor_dec *d, ffirt_cbor_item *it,
                                                size_t *end) {
  size_t pos = d->pos;
  const uint8_t *b = d->buf;
  if (FFIRT_UNLIKELY(pos >= d->len))
    return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "truncated: expected an item");
  uint8_t ib = b[pos];
  unsigned major = ib >> 5, ai = ib & 31u;
  uint64_t v = 0;
  size_t h;
  it->offset = pos;
  it->indefinite = 0;
  if (FFIRT_UNLIKELY(ai == 31)) {
    switch (major) {
    case 2:
    case 3:
      it->type = major == 2 ? FFIRT_CBOR_BYTES : FFIRT_CBOR_TEXT;
      it->indefinite = 1;
      it->u = 0;
      it->ptr = b + pos + 1;
      return ffirt__dec_chunks(d, pos + 1, major, it, end);
    case 4:
    case 5:
      it->type = major == 4 ? FFIRT_CBOR_ARRAY : FFIRT_CBOR_MAP;
      it->indefinite = 1;
      it->u = 0;
      *end = pos + 1;
      return 0;
    case 7: return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "break code out of place");
    default:
      return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED,
                             "indefinite length (additional information 31) on an integer or tag");
    }
  }
  if (FFIRT_UNLIKELY(!(h = ffirt__dec_head_arg(d, pos, ai, &v)))) return d->err;
  size_t p = pos + h;
  size_t left = d->len - p;
  it->u = v;
  switch (major) {
  case 0: it->type = FFIRT_CBOR_UINT; break;
  case 1: it->type = FFIRT_CBOR_NEGATIVE; break;
  case 2:
  case 3:
    if (FFIRT_UNLIKELY(v > left))
      return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "string length exceeds the remaining input");
    if (major == 3 && FFIRT_UNLIKELY(!ffirt__utf8_ok(b + p, (size_t)v)))
      return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "invalid UTF-8 in text string");
    it->type = major == 2 ? FFIRT_CBOR_BYTES : FFIRT_CBOR_TEXT;
    it->ptr = b + p;
    it->len = (size_t)v;
    p += (size_t)v;
    break;
  case 4:
    if (FFIRT_UNLIKELY(v > left))
      return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "array length exceeds the remaining input");
    it->type = FFIRT_CBOR_ARRAY;
    break;
  case 5:
    if (FFIRT_UNLIKELY(v > left / 2))
      return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "map length exceeds the remaining input");
    it->type = FFIRT_CBOR_MAP;
    break;
  case 6:
    if (FFIRT_UNLIKELY(!left))
      return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "truncated: tag without a tagged item");
    if (FFIRT_UNLIKELY(b[p] == 0xff))
      return ffirt__dec_fail(d, p, FFIRT_EMALFORMED, "break code out of place (after a tag)");
    it->type = FFIRT_CBOR_TAG;
    break;
  default:
    switch (ai) {
    case 20:
    case 21:
      it->type = FFIRT_CBOR_BOOL;
      it->u = ai - 20;
      break;
    case 22: it->type = FFIRT_CBOR_NULL; break;
    case 23: it->type = FFIRT_CBOR_UNDEFINED; break;
    case 24:
      if (FFIRT_UNLIKELY(v < 32))
        return ffirt__dec_fail(d, pos, FFIRT_EMALFORMED,
                               "simple value below 32 in the two-byte form");
      it->type = FFIRT_CBOR_SIMPLE;
      break;
    case 25:
      it->type = FFIRT_CBOR_FLOAT;
      it->f = ffirt__half_to_double((uint16_t)v);
      it->u = 2;
      break;
    case 26: {
      uint32_t bits = (uint32_t)v;
      float f;
      memcpy(&f, &bits, sizeof f);
      it->type = FFIRT_CBOR_FLOAT;
      it->f = f;
      it->u = 4;
      break;
    }
    case 27:
      it->type = FFIRT_CBOR_FLOAT;
      memcpy(&it->f, &v, sizeof it->f);
      it->u = 8;
      break;
    default: it->type = FFIRT_CBOR_SIMPLE; break; /* 0..19 */
    }
  }
  *end = p;
  return 0;
}

static FFIRT_ALWAYS_INLINE int ffirt__dec_head(ffirt_cbor_dec *d, ffirt_cbor_item *it,
                                               size_t *end) {
  if (FFIRT_UNLIKELY(d->err)) return d->err;
  if (d->depth) {
    const ffirt_cbor_frame *f = &d->stack[d->depth - 1];
    if (!f->remaining) return FFIRT_ENOTFOUND;
    if (f->indefinite && d->pos < d->len && d->buf[d->pos] == 0xff) return FFIRT_ENOTFOUND;
  } else if (d->pos >= d->len) {
    return FFIRT_ENOTFOUND;
  }
  return ffirt__dec_parse(d, it, end);
}

static FFIRT_ALWAYS_INLINE int ffirt__dec_commit(ffirt_cbor_dec *d, const ffirt_cbor_item *it,
                                                 size_t end) {
  d->pos = end;
  if (it->type == FFIRT_CBOR_TAG) return 0;
  if (d->depth) d->stack[d->depth - 1].remaining--;
  if (it->type == FFIRT_CBOR_ARRAY || it->type == FFIRT_CBOR_MAP) {
    if (FFIRT_UNLIKELY(d->depth >= d->stack_cap || d->depth >= d->max_depth))
      return ffirt__dec_push(d, it);
    ffirt_cbor_frame *f = &d->stack[d->depth++];
    f->indefinite = it->indefinite ? (it->type == FFIRT_CBOR_MAP ? FFIRT__FRAME_INDEF_MAP
                                                                 : FFIRT__FRAME_INDEF_ARRAY)
                                   : FFIRT__FRAME_DEFINITE;
    f->remaining = it->indefinite ? UINT64_MAX : it->type == FFIRT_CBOR_MAP ? it->u * 2 : it->u;
  }
  return 0;
}

#endif /* FFIRT_CBOR_DEC_CORE_H */
