/*
 * enc.c - the CBOR encoder: shortest-form heads, definite lengths, into a
 * caller buffer or a growable one.
 *
 * Design notes:
 *  - Errors are sticky: after the first error nothing more is written, but
 *    e->len keeps counting, so a fixed encoder that ran out of room reports
 *    the full size needed (ffirt_cbor_enc_size) and the caller can retry
 *    with a buffer of that size.
 *  - A dynamic encoder owns e->buf (ffirt allocator) until
 *    ffirt_cbor_enc_take() hands it over or ffirt_cbor_enc_release() frees
 *    it. Growth doubles, starting at 64 bytes; ffirt_cbor_enc_reserve()
 *    grows it once to an exact size (callers that know the final size).
 *  - The fast path (no error, room for the longest head and the payload)
 *    is inline and writes straight into the buffer; everything else goes
 *    through put_slow()/room_slow(). An encoder with an error never writes
 *    again, which is why the fast path tests e->err first (after ENOSPC,
 *    e->len may exceed e->cap).
 */
#include "cbor/cbor_internal.h"

#include <string.h>

#define ENC_MIN_CAP 64

void ffirt_cbor_enc_init(ffirt_cbor_enc *e, uint8_t *buf, size_t cap) {
  e->buf = buf;
  e->cap = buf ? cap : 0;
  e->len = 0;
  e->dynamic = 0;
  e->err = 0;
  e->depth = 0;
}

void ffirt_cbor_enc_init_dynamic(ffirt_cbor_enc *e) {
  e->buf = NULL;
  e->cap = 0;
  e->len = 0;
  e->dynamic = 1;
  e->err = 0;
  e->depth = 0;
}

int ffirt_cbor_enc_reserve(ffirt_cbor_enc *e, size_t n) {
  if (e->err) return e->err;
  if (n <= e->cap - e->len) return 0;
  if (!e->dynamic) return FFIRT_ENOSPC;
  if (n > SIZE_MAX - e->len) return FFIRT_ENOMEM;
  uint8_t *nb = ffirt_realloc(e->buf, e->len + n); /* exact: no doubling */
  if (!nb) return FFIRT_ENOMEM;
  e->buf = nb;
  e->cap = e->len + n;
  return 0;
}

/* Slow path of room(): grows a dynamic buffer, or records the error and
 * keeps counting. Returns where to write n bytes, or NULL. */
static uint8_t *room_slow(ffirt_cbor_enc *e, size_t n) {
  if (n > SIZE_MAX - e->len) {
    e->len = SIZE_MAX;
    if (!e->err) e->err = e->dynamic ? FFIRT_ENOMEM : FFIRT_ENOSPC;
    return NULL;
  }
  size_t need = e->len + n;
  if (!e->err && e->dynamic) {
    size_t cap = e->cap ? e->cap : ENC_MIN_CAP;
    while (cap < need)
      cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *nb = ffirt_realloc(e->buf, cap);
    if (nb) {
      e->buf = nb;
      e->cap = cap;
      uint8_t *p = nb + e->len;
      e->len = need;
      return p;
    }
    e->err = FFIRT_ENOMEM;
  } else if (!e->err) {
    e->err = FFIRT_ENOSPC;
  }
  e->len = need;
  return NULL;
}

static inline uint8_t *room(ffirt_cbor_enc *e, size_t n) {
  if (!e->err && n <= e->cap - e->len) {
    uint8_t *p = e->buf + e->len;
    e->len += n;
    return p;
  }
  return room_slow(e, n);
}

/* Writes the shortest head for (mt, v) at p (9 bytes available); returns
 * its size. */
static FFIRT_ALWAYS_INLINE size_t write_head(uint8_t *p, uint8_t mt, uint64_t v) {
  if (v < 24) {
    p[0] = (uint8_t)(mt | v);
    return 1;
  }
  if (v <= 0xff) {
    p[0] = mt | 24;
    p[1] = (uint8_t)v;
    return 2;
  }
  if (v <= 0xffff) {
    p[0] = mt | 25;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
    return 3;
  }
  if (v <= 0xffffffffu) {
    p[0] = mt | 26;
    p[1] = (uint8_t)(v >> 24);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 8);
    p[4] = (uint8_t)v;
    return 5;
  }
  p[0] = mt | 27;
  for (int i = 0; i < 8; i++)
    p[1 + i] = (uint8_t)(v >> (56 - 8 * i));
  return 9;
}

/* Copies n bytes without a call for short strings (keys, names): two
 * possibly overlapping fixed-size moves, which compilers inline. */
static FFIRT_ALWAYS_INLINE void copy_bytes(uint8_t *dst, const void *src, size_t n) {
  const uint8_t *s = src;
  if (n > 16) {
    memcpy(dst, s, n);
  } else if (n >= 8) {
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
    memcpy(dst, &a, 8);
    memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + n - 4, 4);
    memcpy(dst, &a, 4);
    memcpy(dst + n - 4, &b, 4);
  } else if (n) {
    uint8_t a = s[0], b = s[n / 2], c = s[n - 1];
    dst[0] = a;
    dst[n / 2] = b;
    dst[n - 1] = c;
  }
}

/* Out of line: a head plus n bytes of s when the fast path had no room. */
static int put_slow(ffirt_cbor_enc *e, uint8_t mt, uint64_t v, const void *s, size_t n) {
  uint8_t head[9];
  size_t h = write_head(head, mt, v);
  uint8_t *p = room(e, h);
  if (p) memcpy(p, head, h);
  if (n) {
    p = room(e, n);
    if (p) memcpy(p, s, n);
  }
  return e->err;
}

/* Fast path: no error and room for the longest head plus the payload. */
static FFIRT_ALWAYS_INLINE int put_head(ffirt_cbor_enc *e, uint8_t mt, uint64_t v) {
  if (FFIRT_LIKELY(!e->err && e->cap - e->len >= 9)) {
    e->len += write_head(e->buf + e->len, mt, v);
    return 0;
  }
  return put_slow(e, mt, v, NULL, 0);
}

static FFIRT_ALWAYS_INLINE int put_string(ffirt_cbor_enc *e, uint8_t mt, const void *s, size_t n) {
  if (FFIRT_LIKELY(!e->err && e->cap - e->len >= 9 && e->cap - e->len - 9 >= n)) {
    uint8_t *p = e->buf + e->len;
    size_t h = write_head(p, mt, n);
    copy_bytes(p + h, s, n);
    e->len += h + n;
    return 0;
  }
  return put_slow(e, mt, n, s, n);
}

int ffirt_cbor_enc_uint(ffirt_cbor_enc *e, uint64_t v) { return put_head(e, 0x00, v); }

int ffirt_cbor_enc_int(ffirt_cbor_enc *e, int64_t v) {
  if (v >= 0) return put_head(e, 0x00, (uint64_t)v);
  return put_head(e, 0x20, (uint64_t)(-(v + 1)));
}

int ffirt_cbor_enc_negative(ffirt_cbor_enc *e, uint64_t n) { return put_head(e, 0x20, n); }

int ffirt_cbor_enc_bytes(ffirt_cbor_enc *e, const void *p, size_t n) {
  return put_string(e, 0x40, p, n);
}

int ffirt_cbor_enc_text(ffirt_cbor_enc *e, const char *s, size_t n) {
  return put_string(e, 0x60, s, n);
}

int ffirt_cbor_enc_text_z(ffirt_cbor_enc *e, const char *s) {
  if (!s) return put_string(e, 0x60, "", 0);
  size_t n = strlen(s);
  if (FFIRT_LIKELY(ffirt_utf8_valid((const uint8_t *)s, n))) return put_string(e, 0x60, s, n);
  if (!e->err) e->err = FFIRT_EMALFORMED;
  return e->err;
}

int ffirt_cbor_enc_array(ffirt_cbor_enc *e, uint64_t count) { return put_head(e, 0x80, count); }

int ffirt_cbor_enc_map(ffirt_cbor_enc *e, uint64_t pairs) { return put_head(e, 0xa0, pairs); }

int ffirt_cbor_enc_tag(ffirt_cbor_enc *e, uint64_t tag) { return put_head(e, 0xc0, tag); }

static inline int put_byte(ffirt_cbor_enc *e, uint8_t b) {
  uint8_t *p = room(e, 1);
  if (p) *p = b;
  return e->err;
}

int ffirt_cbor_enc_bool(ffirt_cbor_enc *e, int v) { return put_byte(e, v ? 0xf5 : 0xf4); }

int ffirt_cbor_enc_null(ffirt_cbor_enc *e) { return put_byte(e, 0xf6); }

int ffirt_cbor_enc_undefined(ffirt_cbor_enc *e) { return put_byte(e, 0xf7); }

int ffirt_cbor_enc_simple(ffirt_cbor_enc *e, uint8_t v) {
  if (v < 24) return put_byte(e, (uint8_t)(0xe0 | v));
  if (v < 32) {
    /* simple(24..31) has no well-formed encoding (RFC 8949 3.3) */
    if (!e->err) e->err = FFIRT_EINVAL;
    return e->err;
  }
  uint8_t *p = room(e, 2);
  if (p) {
    p[0] = 0xf8;
    p[1] = v;
  }
  return e->err;
}

int ffirt_cbor_enc_f16_bits(ffirt_cbor_enc *e, uint16_t half) {
  uint8_t *p = room(e, 3);
  if (p) {
    p[0] = 0xf9;
    p[1] = (uint8_t)(half >> 8);
    p[2] = (uint8_t)half;
  }
  return e->err;
}

int ffirt_cbor_enc_f32(ffirt_cbor_enc *e, float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  uint8_t *p = room(e, 5);
  if (p) {
    p[0] = 0xfa;
    p[1] = (uint8_t)(b >> 24);
    p[2] = (uint8_t)(b >> 16);
    p[3] = (uint8_t)(b >> 8);
    p[4] = (uint8_t)b;
  }
  return e->err;
}

int ffirt_cbor_enc_f64(ffirt_cbor_enc *e, double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  uint8_t *p = room(e, 9);
  if (p) {
    p[0] = 0xfb;
    for (int i = 0; i < 8; i++)
      p[1 + i] = (uint8_t)(b >> (56 - 8 * i));
  }
  return e->err;
}

int ffirt_cbor_enc_float_shortest(ffirt_cbor_enc *e, double v) {
  uint16_t half;
  if (ffirt__half_from_double(v, &half)) return ffirt_cbor_enc_f16_bits(e, half);
  if (ffirt__double_fits_float(v)) return ffirt_cbor_enc_f32(e, (float)v);
  return ffirt_cbor_enc_f64(e, v);
}

int ffirt_cbor_enc_raw(ffirt_cbor_enc *e, const void *p, size_t n) {
  if (n) {
    uint8_t *dst = room(e, n);
    if (dst) memcpy(dst, p, n);
  }
  return e->err;
}

size_t ffirt_cbor_enc_size(const ffirt_cbor_enc *e) { return e->len; }

int ffirt_cbor_enc_finish(const ffirt_cbor_enc *e) { return e->err; }

uint8_t *ffirt_cbor_enc_take(ffirt_cbor_enc *e, size_t *len) {
  *len = 0;
  if (!e->dynamic) return NULL;
  uint8_t *buf = e->buf;
  size_t n = e->len;
  int err = e->err;
  ffirt_cbor_enc_init_dynamic(e);
  if (err) {
    ffirt_free(buf);
    return NULL;
  }
  if (!buf) {
    buf = ffirt_malloc(1);
    if (!buf) return NULL;
    n = 0;
  }
  *len = n;
  return buf;
}

void ffirt_cbor_enc_release(ffirt_cbor_enc *e) {
  if (!e->dynamic) return;
  ffirt_free(e->buf);
  ffirt_cbor_enc_init_dynamic(e);
}
