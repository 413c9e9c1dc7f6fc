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
 *    it. Growth doubles, starting at 64 bytes.
 *  - The fast path (room available, no error) is inline: one compare, then
 *    stores. Everything else is in room_slow().
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
}

void ffirt_cbor_enc_init_dynamic(ffirt_cbor_enc *e) {
  e->buf = NULL;
  e->cap = 0;
  e->len = 0;
  e->dynamic = 1;
  e->err = 0;
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

/* Writes a head with major type mt (already shifted) and argument v. */
static inline int put_head(ffirt_cbor_enc *e, uint8_t mt, uint64_t v) {
  uint8_t *p;
  if (v < 24) {
    if ((p = room(e, 1))) p[0] = (uint8_t)(mt | v);
  } else if (v <= 0xff) {
    if ((p = room(e, 2))) {
      p[0] = mt | 24;
      p[1] = (uint8_t)v;
    }
  } else if (v <= 0xffff) {
    if ((p = room(e, 3))) {
      p[0] = mt | 25;
      p[1] = (uint8_t)(v >> 8);
      p[2] = (uint8_t)v;
    }
  } else if (v <= 0xffffffffu) {
    if ((p = room(e, 5))) {
      p[0] = mt | 26;
      p[1] = (uint8_t)(v >> 24);
      p[2] = (uint8_t)(v >> 16);
      p[3] = (uint8_t)(v >> 8);
      p[4] = (uint8_t)v;
    }
  } else if ((p = room(e, 9))) {
    p[0] = mt | 27;
    for (int i = 0; i < 8; i++)
      p[1 + i] = (uint8_t)(v >> (56 - 8 * i));
  }
  return e->err;
}

static inline int put_string(ffirt_cbor_enc *e, uint8_t mt, const void *s, size_t n) {
  put_head(e, mt, n);
  if (n) {
    uint8_t *p = room(e, n);
    if (p) memcpy(p, s, n);
  }
  return e->err;
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
  return s ? put_string(e, 0x60, s, strlen(s)) : put_string(e, 0x60, "", 0);
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
