/*
 * cbor_random.c - see cbor_random.h.
 *
 * Design notes:
 *  - Deterministic for a seed (the same tree on every platform), so a
 *    failing seed printed by a test reproduces.
 *  - Recursion is bounded by max_depth; container sizes are small so a tree
 *    stays a few KiB.
 */
#include "unit/cbor_random.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor/cbor_internal.h"

uint64_t cbor_random_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t below(uint64_t *s, uint64_t n) { return cbor_random_next(s) % n; }

/* Integers spread over every head width. */
static uint64_t random_uint(uint64_t *s) {
  switch (below(s, 6)) {
  case 0: return below(s, 24);
  case 1: return below(s, 256);
  case 2: return below(s, 65536);
  case 3: return below(s, 1ull << 32);
  case 4: return cbor_random_next(s);
  default: return UINT64_MAX - below(s, 3);
  }
}

static size_t put_utf8(uint8_t *p, uint32_t cp) {
  if (cp < 0x80) {
    p[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    p[0] = (uint8_t)(0xc0 | cp >> 6);
    p[1] = (uint8_t)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    p[0] = (uint8_t)(0xe0 | cp >> 12);
    p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    p[2] = (uint8_t)(0x80 | (cp & 0x3f));
    return 3;
  }
  p[0] = (uint8_t)(0xf0 | cp >> 18);
  p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
  p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
  p[3] = (uint8_t)(0x80 | (cp & 0x3f));
  return 4;
}

static uint32_t random_code_point(uint64_t *s) {
  for (;;) {
    uint32_t cp;
    switch (below(s, 4)) {
    case 0: cp = (uint32_t)below(s, 0x80); break;
    case 1: cp = 0x80 + (uint32_t)below(s, 0x800 - 0x80); break;
    case 2: cp = 0x800 + (uint32_t)below(s, 0x10000 - 0x800); break;
    default: cp = 0x10000 + (uint32_t)below(s, 0x110000 - 0x10000); break;
    }
    if (cp < 0xd800 || cp > 0xdfff) return cp;
  }
}

static uint16_t random_half(uint64_t *s) {
  switch (below(s, 8)) {
  case 0: return (uint16_t)(below(s, 2) << 15);          /* +-0 */
  case 1: return (uint16_t)(below(s, 2) << 15 | 0x7c00); /* +-inf */
  case 2: return 0x7e00;                                 /* NaN */
  default: return (uint16_t)(below(s, 2) << 15 | (1 + below(s, 30)) << 10 | below(s, 1024));
  }
}

static double random_double(uint64_t *s) {
  switch (below(s, 4)) {
  case 0: return (double)(int64_t)cbor_random_next(s) / 1024.0;
  case 1: return 1.0 / (double)(1 + below(s, 1000));
  default: {
    uint64_t bits = cbor_random_next(s);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d != d ? 0.5 : d; /* keep NaN canonical: payloads are not compared */
  }
  }
}

cbor_rval *cbor_random_value(uint64_t *s, int max_depth, unsigned flags) {
  cbor_rval *v = calloc(1, sizeof *v);
  if (!v) abort();
  /* a third containers or tags while depth is left, none at the bottom */
  int nested = max_depth > 0 && below(s, 3) == 0;
  static const cbor_rkind leaf[] = {RV_UINT,  RV_NEG,    RV_BYTES, RV_TEXT, RV_BOOL, RV_NULL,
                                    RV_UNDEF, RV_SIMPLE, RV_F16,   RV_F32,  RV_F64};
  static const cbor_rkind node[] = {RV_ARRAY, RV_MAP, RV_TAG};
  v->kind = nested ? node[below(s, 3)] : leaf[below(s, 11)];
  switch (v->kind) {
  case RV_UINT:
  case RV_NEG: v->u = random_uint(s); break;
  case RV_BYTES:
    v->len = (size_t)below(s, 4) == 0 ? (size_t)below(s, 300) : (size_t)below(s, 12);
    v->data = malloc(v->len ? v->len : 1);
    for (size_t i = 0; i < v->len; i++)
      v->data[i] = (uint8_t)cbor_random_next(s);
    break;
  case RV_TEXT: {
    size_t chars = (size_t)below(s, 12);
    v->data = malloc(chars * 4 + 1);
    for (size_t i = 0; i < chars; i++)
      v->len += put_utf8(v->data + v->len, random_code_point(s));
    break;
  }
  case RV_ARRAY:
  case RV_MAP: {
    v->n = (size_t)below(s, 7);
    size_t items = v->kind == RV_MAP ? v->n * 2 : v->n;
    v->kids = calloc(items ? items : 1, sizeof *v->kids);
    for (size_t i = 0; i < items; i++) {
      if (v->kind == RV_MAP && !(i & 1) && (flags & CBOR_RANDOM_PYTHON_SUBSET)) {
        /* a distinct text key: "k<index>" and a random tail */
        cbor_rval *k = calloc(1, sizeof *k);
        if (!k) abort();
        k->kind = RV_TEXT;
        k->data = malloc(32);
        if (!k->data) abort();
        k->len = (size_t)snprintf((char *)k->data, 32, "k%zu_%u", i / 2, (unsigned)below(s, 1000));
        v->kids[i] = k;
        continue;
      }
      v->kids[i] = cbor_random_value(s, max_depth - 1, flags);
    }
    break;
  }
  case RV_TAG:
    v->u = random_uint(s);
    if ((flags & CBOR_RANDOM_LIBCBOR_SUBSET) && v->u >= 6 && v->u <= 20) v->u += 100;
    if ((flags & CBOR_RANDOM_PYTHON_SUBSET) && v->u < 0x10000) v->u += 0x10000;
    v->kids = calloc(1, sizeof *v->kids);
    v->kids[0] = cbor_random_value(s, max_depth - 1, flags);
    break;
  case RV_BOOL: v->u = below(s, 2); break;
  case RV_SIMPLE: {
    if (flags & CBOR_RANDOM_LIBCBOR_SUBSET) {
      v->kind = RV_NULL;
      break;
    }
    uint64_t x = below(s, 20 + 224);
    v->u = x < 20 ? x : 32 + (x - 20); /* 0..19, 32..255 */
    break;
  }
  case RV_F16:
    v->u = random_half(s);
    v->f = ffirt__half_to_double((uint16_t)v->u);
    break;
  case RV_F32: {
    uint32_t bits = (uint32_t)cbor_random_next(s);
    float f;
    memcpy(&f, &bits, sizeof f);
    v->f = f == f ? f : 0.25f; /* keep NaN out: payloads are not compared */
    break;
  }
  case RV_F64: v->f = random_double(s); break;
  default: break;
  }
  return v;
}

void cbor_random_free(cbor_rval *v) {
  if (!v) return;
  size_t items = v->kind == RV_MAP ? v->n * 2 : v->kind == RV_TAG ? 1 : v->n;
  for (size_t i = 0; i < items && v->kids; i++)
    cbor_random_free(v->kids[i]);
  free(v->kids);
  free(v->data);
  free(v);
}

int cbor_random_encode(const cbor_rval *v, ffirt_cbor_enc *e) {
  switch (v->kind) {
  case RV_UINT: return ffirt_cbor_enc_uint(e, v->u);
  case RV_NEG: return ffirt_cbor_enc_negative(e, v->u);
  case RV_BYTES: return ffirt_cbor_enc_bytes(e, v->data, v->len);
  case RV_TEXT: return ffirt_cbor_enc_text(e, (const char *)v->data, v->len);
  case RV_ARRAY:
    ffirt_cbor_enc_array(e, v->n);
    for (size_t i = 0; i < v->n; i++)
      cbor_random_encode(v->kids[i], e);
    return e->err;
  case RV_MAP:
    ffirt_cbor_enc_map(e, v->n);
    for (size_t i = 0; i < v->n * 2; i++)
      cbor_random_encode(v->kids[i], e);
    return e->err;
  case RV_TAG: ffirt_cbor_enc_tag(e, v->u); return cbor_random_encode(v->kids[0], e);
  case RV_BOOL: return ffirt_cbor_enc_bool(e, (int)v->u);
  case RV_NULL: return ffirt_cbor_enc_null(e);
  case RV_UNDEF: return ffirt_cbor_enc_undefined(e);
  case RV_SIMPLE: return ffirt_cbor_enc_simple(e, (uint8_t)v->u);
  case RV_F16: return ffirt_cbor_enc_f16_bits(e, (uint16_t)v->u);
  case RV_F32: return ffirt_cbor_enc_f32(e, (float)v->f);
  default: return ffirt_cbor_enc_f64(e, v->f);
  }
}

static int same_double(double a, double b) {
  if (a != a) return b != b;
  return memcmp(&a, &b, sizeof a) == 0; /* also tells -0.0 from 0.0 */
}

int cbor_random_matches(const cbor_rval *v, ffirt_cbor_dec *d) {
  ffirt_cbor_item it;
  if (ffirt_cbor_dec_next(d, &it)) return 0;
  switch (v->kind) {
  case RV_UINT: return it.type == FFIRT_CBOR_UINT && it.u == v->u;
  case RV_NEG: return it.type == FFIRT_CBOR_NEGATIVE && it.u == v->u;
  case RV_BYTES:
  case RV_TEXT: {
    if (it.type != (v->kind == RV_BYTES ? FFIRT_CBOR_BYTES : FFIRT_CBOR_TEXT)) return 0;
    if (it.len != v->len) return 0;
    uint8_t *tmp = malloc(it.len ? it.len : 1);
    ffirt_cbor_item_copy_string(&it, tmp);
    int eq = !it.len || memcmp(tmp, v->data, it.len) == 0;
    free(tmp);
    return eq;
  }
  case RV_ARRAY:
  case RV_MAP: {
    if (it.type != (v->kind == RV_ARRAY ? FFIRT_CBOR_ARRAY : FFIRT_CBOR_MAP)) return 0;
    if (!it.indefinite && it.u != v->n) return 0;
    size_t items = v->kind == RV_MAP ? v->n * 2 : v->n;
    for (size_t i = 0; i < items; i++)
      if (!cbor_random_matches(v->kids[i], d)) return 0;
    return ffirt_cbor_dec_at_end(d) && ffirt_cbor_dec_leave(d) == 0;
  }
  case RV_TAG:
    return it.type == FFIRT_CBOR_TAG && it.u == v->u && cbor_random_matches(v->kids[0], d);
  case RV_BOOL: return it.type == FFIRT_CBOR_BOOL && it.u == v->u;
  case RV_NULL: return it.type == FFIRT_CBOR_NULL;
  case RV_UNDEF: return it.type == FFIRT_CBOR_UNDEFINED;
  case RV_SIMPLE: return it.type == FFIRT_CBOR_SIMPLE && it.u == v->u;
  case RV_F16: return it.type == FFIRT_CBOR_FLOAT && it.u == 2 && same_double(it.f, v->f);
  case RV_F32:
    return it.type == FFIRT_CBOR_FLOAT && it.u == 4 && same_double(it.f, (double)(float)v->f);
  default: return it.type == FFIRT_CBOR_FLOAT && it.u == 8 && same_double(it.f, v->f);
  }
}
