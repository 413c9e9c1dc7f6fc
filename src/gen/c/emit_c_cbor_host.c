/*
 * emit_c_cbor_host.c - writes <lib>_cbor.h, the CBOR host header for
 * programs that do not link the library's types: the library's types, the
 * CBOR exports' prototypes, and static inline typed request encoders and
 * response/event decoders over a small embedded CBOR codec (no ffirt
 * header needed).
 *
 * Design notes:
 *  - The per-type encoders/decoders come from the same walkers as the
 *    glue's (emit_c_codec.c) with the embedded flavour, so both sides of
 *    the wire are generated from one description.
 *  - Everything is static inline, helpers prefixed <lib>__ and the API
 *    <lib>_, so the headers of several libraries can share one TU, and the
 *    header compiles as C11 and C++17 (casts from void *, no designated
 *    initializers).
 *  - Decoded values are allocated with malloc; <lib>_<Type>_free releases
 *    them. Decoders check every length against the remaining input before
 *    allocating and bound nesting at 32 levels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "emit_c.h"

/* The embedded codec; '@' stands for the <lib>__ prefix. */
static const char codec_template[] =
    "/* ---- embedded CBOR codec (docs/abi.md 6), private to this header */\n"
    "\n"
    "typedef struct @err {\n"
    "  int truncated;\n"
    "  size_t start; /* the path is path[start..], built leftwards */\n"
    "  char path[192];\n"
    "  char msg[128];\n"
    "} @err;\n"
    "\n"
    "static inline void @err_init(@err *err) {\n"
    "  err->truncated = 0;\n"
    "  err->start = sizeof err->path - 1;\n"
    "  err->path[err->start] = '\\0';\n"
    "  err->msg[0] = '\\0';\n"
    "}\n"
    "\n"
    "static inline void @err_prepend(@err *err, const char *s, size_t n) {\n"
    "  if (n > err->start) {\n"
    "    err->truncated = 1;\n"
    "    return;\n"
    "  }\n"
    "  err->start -= n;\n"
    "  memcpy(err->path + err->start, s, n);\n"
    "}\n"
    "\n"
    "static inline int @err_at(@err *err, const char *name) {\n"
    "  @err_prepend(err, name, strlen(name));\n"
    "  @err_prepend(err, \".\", 1);\n"
    "  return -1;\n"
    "}\n"
    "\n"
    "static inline int @err_at_index(@err *err, const char *name, size_t i) {\n"
    "  char buf[32];\n"
    "  int n = snprintf(buf, sizeof buf, \"[%zu]\", i);\n"
    "  @err_prepend(err, buf, (size_t)n);\n"
    "  return name ? @err_at(err, name) : -1;\n"
    "}\n"
    "\n"
    "/* Appends s to dst[0..size) at *at, truncating, always NUL-terminated. */\n"
    "static inline void @append(char *dst, size_t size, size_t *at, const char *s) {\n"
    "  while (*s && *at + 1 < size)\n"
    "    dst[(*at)++] = *s++;\n"
    "  dst[*at] = '\\0';\n"
    "}\n"
    "\n"
    "typedef struct @enc {\n"
    "  uint8_t *buf;\n"
    "  size_t len, cap;\n"
    "  int err;\n"
    "  unsigned depth; /* of recursive structs being encoded */\n"
    "} @enc;\n"
    "\n"
    "static inline void @enc_put(@enc *e, const void *p, size_t n) {\n"
    "  if (e->err || n == 0) return;\n"
    "  if (e->len + n > e->cap) {\n"
    "    size_t cap = e->cap ? e->cap * 2 : 64;\n"
    "    while (cap < e->len + n)\n"
    "      cap *= 2;\n"
    "    uint8_t *buf = (uint8_t *)realloc(e->buf, cap);\n"
    "    if (!buf) {\n"
    "      e->err = -1;\n"
    "      return;\n"
    "    }\n"
    "    e->buf = buf;\n"
    "    e->cap = cap;\n"
    "  }\n"
    "  memcpy(e->buf + e->len, p, n);\n"
    "  e->len += n;\n"
    "}\n"
    "\n"
    "/* A head in its shortest form. */\n"
    "static inline int @enc_head(@enc *e, unsigned major, uint64_t v) {\n"
    "  static const uint8_t width_ai[9] = {0, 24, 25, 0, 26, 0, 0, 0, 27};\n"
    "  uint8_t h[9];\n"
    "  size_t n = v < 24 ? 0 : v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;\n"
    "  h[0] = (uint8_t)(major << 5 | (n ? width_ai[n] : (unsigned)v));\n"
    "  for (size_t i = 0; i < n; i++)\n"
    "    h[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));\n"
    "  @enc_put(e, h, 1 + n);\n"
    "  return e->err;\n"
    "}\n"
    "\n"
    "static inline int @enc_uint(@enc *e, uint64_t v) { return @enc_head(e, 0, v); }\n"
    "static inline int @enc_int(@enc *e, int64_t v) {\n"
    "  if (v < 0) return @enc_head(e, 1, (uint64_t)(-(v + 1)));\n"
    "  return @enc_head(e, 0, (uint64_t)v);\n"
    "}\n"
    "static inline int @enc_bytes(@enc *e, const uint8_t *p, size_t n) {\n"
    "  @enc_head(e, 2, n);\n"
    "  @enc_put(e, p, n);\n"
    "  return e->err;\n"
    "}\n"
    "static inline int @enc_text(@enc *e, const char *s, size_t n) {\n"
    "  @enc_head(e, 3, n);\n"
    "  @enc_put(e, s, n);\n"
    "  return e->err;\n"
    "}\n"
    "static inline int @enc_text_z(@enc *e, const char *s) { return @enc_text(e, s ? s : \"\", s ? "
    "strlen(s) : 0); }\n"
    "static inline int @enc_array(@enc *e, uint64_t n) { return @enc_head(e, 4, n); }\n"
    "static inline int @enc_map(@enc *e, uint64_t n) { return @enc_head(e, 5, n); }\n"
    "static inline int @enc_simple(@enc *e, uint8_t b) {\n"
    "  @enc_put(e, &b, 1);\n"
    "  return e->err;\n"
    "}\n"
    "static inline int @enc_bool(@enc *e, int v) { return @enc_simple(e, v ? 0xf5 : 0xf4); }\n"
    "static inline int @enc_null(@enc *e) { return @enc_simple(e, 0xf6); }\n"
    "static inline int @enc_f32(@enc *e, float v) {\n"
    "  uint32_t u;\n"
    "  memcpy(&u, &v, sizeof u);\n"
    "  @enc_simple(e, 0xfa);\n"
    "  for (int i = 3; i >= 0; i--)\n"
    "    @enc_simple(e, (uint8_t)(u >> (8 * i)));\n"
    "  return e->err;\n"
    "}\n"
    "static inline int @enc_f64(@enc *e, double v) {\n"
    "  uint64_t u;\n"
    "  memcpy(&u, &v, sizeof u);\n"
    "  @enc_simple(e, 0xfb);\n"
    "  for (int i = 7; i >= 0; i--)\n"
    "    @enc_simple(e, (uint8_t)(u >> (8 * i)));\n"
    "  return e->err;\n"
    "}\n"
    "/* A native enum value without an enumerator cannot be encoded. */\n"
    "static inline int @enc_invalid(@enc *e) {\n"
    "  if (!e->err) e->err = -2;\n"
    "  return e->err;\n"
    "}\n"
    "/* A recursive value nested deeper than 64 levels (or a cycle). */\n"
    "static inline int @enc_too_deep(@enc *e) {\n"
    "  if (!e->err) e->err = -3;\n"
    "  return e->err;\n"
    "}\n"
    "/* Hands the encoded bytes to the caller (free with free()). */\n"
    "static inline int @enc_take(@enc *e, uint8_t **out, size_t *out_len) {\n"
    "  if (e->err) {\n"
    "    free(e->buf);\n"
    "    *out = NULL;\n"
    "    *out_len = 0;\n"
    "    return -1;\n"
    "  }\n"
    "  *out = e->buf;\n"
    "  *out_len = e->len;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "typedef struct @frame {\n"
    "  uint64_t left; /* items left in a definite container (a map counts keys and values) */\n"
    "  int indefinite;\n"
    "} @frame;\n"
    "\n"
    "typedef struct @dec {\n"
    "  const uint8_t *buf, *p, *end;\n"
    "  unsigned depth;\n"
    "  @frame frames[32];\n"
    "  @err err;\n"
    "  char key[64]; /* an indefinite-length key or enumerator, copied */\n"
    "} @dec;\n"
    "\n"
    "static inline void @dec_init(@dec *c, const uint8_t *buf, size_t len) {\n"
    "  c->buf = c->p = buf ? buf : (const uint8_t *)\"\";\n"
    "  c->end = c->p + (buf ? len : 0);\n"
    "  c->depth = 0;\n"
    "  @err_init(&c->err);\n"
    "}\n"
    "\n"
    "static inline int @dec_fail(@dec *c, const char *reason) {\n"
    "  size_t at = 0;\n"
    "  @append(c->err.msg, sizeof c->err.msg, &at, reason);\n"
    "  return -1;\n"
    "}\n"
    "\n"
    "static inline int @dec_malformed(@dec *c, const char *what) {\n"
    "  snprintf(c->err.msg, sizeof c->err.msg, \"malformed CBOR (offset %zu: %s)\", (size_t)(c->p "
    "- c->buf), what);\n"
    "  return -1;\n"
    "}\n"
    "\n"
    "/* One head, tags included, not counted in its container. */\n"
    "static inline int @dec_raw_head(@dec *c, unsigned *major, uint64_t *arg, unsigned *ai) {\n"
    "  if (c->p >= c->end) return @dec_malformed(c, \"truncated\");\n"
    "  *major = *c->p >> 5;\n"
    "  *ai = *c->p & 31;\n"
    "  size_t n = *ai < 24 ? 0 : *ai == 24 ? 1 : *ai == 25 ? 2 : *ai == 26 ? 4 : *ai == 27 ? 8 : "
    "0;\n"
    "  if (*ai >= 28 && *ai <= 30) return @dec_malformed(c, \"reserved additional information\");\n"
    "  if (*ai == 31 && (*major < 2 || *major == 6)) return @dec_malformed(c, \"invalid indefinite "
    "length\");\n"
    "  if ((size_t)(c->end - c->p) < 1 + n) return @dec_malformed(c, \"truncated\");\n"
    "  *arg = *ai < 24 ? *ai : 0;\n"
    "  for (size_t i = 0; i < n; i++)\n"
    "    *arg = *arg << 8 | c->p[1 + i];\n"
    "  c->p += 1 + n;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_skip_tags(@dec *c) {\n"
    "  while (c->p < c->end && *c->p >> 5 == 6) {\n"
    "    unsigned major, ai;\n"
    "    uint64_t arg;\n"
    "    if (@dec_raw_head(c, &major, &arg, &ai)) return -1;\n"
    "  }\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* The head of the next item (after its tags), counted in its container. */\n"
    "static inline int @dec_head(@dec *c, unsigned *major, uint64_t *arg, unsigned *ai) {\n"
    "  if (@dec_skip_tags(c) || @dec_raw_head(c, major, arg, ai)) return -1;\n"
    "  if (*major == 7 && *ai == 31) return @dec_malformed(c, \"unexpected break\");\n"
    "  if (c->depth && !c->frames[c->depth - 1].indefinite) c->frames[c->depth - 1].left--;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_more(@dec *c) {\n"
    "  if (!c->depth) return c->p < c->end;\n"
    "  if (c->frames[c->depth - 1].indefinite) return c->p < c->end && *c->p != 0xff;\n"
    "  return c->frames[c->depth - 1].left > 0;\n"
    "}\n"
    "\n"
    "/* Consumes the end of the innermost container (its items are all read). */\n"
    "static inline int @dec_leave(@dec *c) {\n"
    "  if (c->frames[c->depth - 1].indefinite) {\n"
    "    if (c->p >= c->end || *c->p != 0xff) return @dec_malformed(c, \"truncated\");\n"
    "    c->p++;\n"
    "  }\n"
    "  c->depth--;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_enter(@dec *c, unsigned want, const char *expected) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major != want) return @dec_fail(c, expected);\n"
    "  if (c->depth == sizeof c->frames / sizeof c->frames[0]) return @dec_malformed(c, \"nesting "
    "too deep\");\n"
    "  if (ai != 31 && arg > (uint64_t)(c->end - c->p)) return @dec_malformed(c, \"truncated\");\n"
    "  c->frames[c->depth].left = want == 5 ? arg * 2 : arg;\n"
    "  c->frames[c->depth].indefinite = ai == 31;\n"
    "  c->depth++;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_map(@dec *c) { return @dec_enter(c, 5, \"expected map\"); }\n"
    "static inline int @dec_array(@dec *c) { return @dec_enter(c, 4, \"expected array\"); }\n"
    "\n"
    "/* The bytes of a string whose head was read (all chunks), malloc'd with a NUL. */\n"
    "static inline int @dec_string_body(@dec *c, unsigned major, uint64_t arg, unsigned ai, "
    "uint8_t **out, size_t *len) {\n"
    "  size_t n = 0;\n"
    "  uint8_t *s = NULL;\n"
    "  for (;;) {\n"
    "    if (ai == 31) {\n"
    "      if (c->p < c->end && *c->p == 0xff) {\n"
    "        c->p++;\n"
    "        break;\n"
    "      }\n"
    "      unsigned chunk_major, chunk_ai;\n"
    "      if (@dec_raw_head(c, &chunk_major, &arg, &chunk_ai)) break;\n"
    "      if (chunk_major != major || chunk_ai == 31) {\n"
    "        @dec_malformed(c, \"bad chunk in an indefinite-length string\");\n"
    "        break;\n"
    "      }\n"
    "    }\n"
    "    if (arg > (uint64_t)(c->end - c->p)) {\n"
    "      @dec_malformed(c, \"truncated\");\n"
    "      break;\n"
    "    }\n"
    "    uint8_t *grown = (uint8_t *)realloc(s, n + (size_t)arg + 1);\n"
    "    if (!grown) {\n"
    "      @dec_fail(c, \"out of memory\");\n"
    "      break;\n"
    "    }\n"
    "    s = grown;\n"
    "    memcpy(s + n, c->p, (size_t)arg);\n"
    "    n += (size_t)arg;\n"
    "    s[n] = 0;\n"
    "    c->p += arg;\n"
    "    if (ai != 31) {\n"
    "      *out = s;\n"
    "      *len = n;\n"
    "      return 0;\n"
    "    }\n"
    "  }\n"
    "  if (c->err.msg[0]) {\n"
    "    free(s);\n"
    "    return -1;\n"
    "  }\n"
    "  if (!s && !(s = (uint8_t *)calloc(1, 1))) return @dec_fail(c, \"out of memory\");\n"
    "  *out = s;\n"
    "  *len = n;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_string(@dec *c, unsigned want, const char *expected, uint8_t **out, "
    "size_t *len) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major != want) return @dec_fail(c, expected);\n"
    "  return @dec_string_body(c, major, arg, ai, out, len);\n"
    "}\n"
    "\n"
    "static inline int @dec_text(@dec *c, const char **out) {\n"
    "  uint8_t *s;\n"
    "  size_t n;\n"
    "  if (@dec_string(c, 3, \"expected text string\", &s, &n)) return -1;\n"
    "  if (memchr(s, 0, n)) { /* the native form ends at the first NUL */\n"
    "    free(s);\n"
    "    return @dec_fail(c, \"text contains a NUL character\");\n"
    "  }\n"
    "  *out = (const char *)s;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_bytes(@dec *c, uint8_t **out, size_t *len) {\n"
    "  return @dec_string(c, 2, \"expected byte string\", out, len);\n"
    "}\n"
    "\n"
    "/* A text without copying it (map keys, enumerators). */\n"
    "static inline int @dec_textref(@dec *c, const char **s, size_t *n) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major != 3) return @dec_fail(c, \"expected text string\");\n"
    "  if (ai != 31) {\n"
    "    if (arg > (uint64_t)(c->end - c->p)) return @dec_malformed(c, \"truncated\");\n"
    "    *s = (const char *)c->p;\n"
    "    *n = (size_t)arg;\n"
    "    c->p += arg;\n"
    "    return 0;\n"
    "  }\n"
    "  uint8_t *copy;\n"
    "  size_t len;\n"
    "  if (@dec_string_body(c, major, arg, ai, &copy, &len)) return -1;\n"
    "  if (len >= sizeof c->key) {\n"
    "    free(copy);\n"
    "    return @dec_fail(c, \"unknown text (too long)\");\n"
    "  }\n"
    "  memcpy(c->key, copy, len);\n"
    "  free(copy);\n"
    "  *s = c->key;\n"
    "  *n = len;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_int(@dec *c, int64_t min, int64_t max, int64_t *out) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major == 0 && arg <= (uint64_t)max) {\n"
    "    *out = (int64_t)arg;\n"
    "    return 0;\n"
    "  }\n"
    "  if (major == 1 && arg <= (uint64_t)INT64_MAX && -1 - (int64_t)arg >= min) {\n"
    "    *out = -1 - (int64_t)arg;\n"
    "    return 0;\n"
    "  }\n"
    "  return @dec_fail(c, major <= 1 ? \"value out of range\" : \"expected integer\");\n"
    "}\n"
    "\n"
    "static inline int @dec_uint(@dec *c, uint64_t max, uint64_t *out) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major == 0 && arg <= max) {\n"
    "    *out = arg;\n"
    "    return 0;\n"
    "  }\n"
    "  return @dec_fail(c, major <= 1 ? \"value out of range\" : \"expected integer\");\n"
    "}\n"
    "\n"
    "/* IEEE half to single, exactly. */\n"
    "static inline float @half(uint16_t h) {\n"
    "  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 31, mant = h & 1023, u;\n"
    "  if (exp == 31) {\n"
    "    u = sign | 0x7f800000u | mant << 13;\n"
    "  } else if (exp) {\n"
    "    u = sign | (exp + 112) << 23 | mant << 13;\n"
    "  } else if (!mant) {\n"
    "    u = sign;\n"
    "  } else {\n"
    "    exp = 113;\n"
    "    while (!(mant & 1024)) {\n"
    "      mant <<= 1;\n"
    "      exp--;\n"
    "    }\n"
    "    u = sign | exp << 23 | (mant & 1023) << 13;\n"
    "  }\n"
    "  float f;\n"
    "  memcpy(&f, &u, sizeof f);\n"
    "  return f;\n"
    "}\n"
    "\n"
    "static inline int @dec_f64(@dec *c, double *out) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major != 7 || ai < 25 || ai > 27) return @dec_fail(c, \"expected float\");\n"
    "  if (ai == 25) {\n"
    "    *out = @half((uint16_t)arg);\n"
    "  } else if (ai == 26) {\n"
    "    uint32_t u = (uint32_t)arg;\n"
    "    float f;\n"
    "    memcpy(&f, &u, sizeof f);\n"
    "    *out = f;\n"
    "  } else {\n"
    "    memcpy(out, &arg, sizeof *out);\n"
    "  }\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_f32(@dec *c, float *out) {\n"
    "  double v;\n"
    "  if (@dec_f64(c, &v)) return -1;\n"
    "  if ((v > 3.4028234663852886e38 && v <= 1.7976931348623157e308) ||\n"
    "      (v < -3.4028234663852886e38 && v >= -1.7976931348623157e308))\n"
    "    return @dec_fail(c, \"value out of range\");\n"
    "  *out = (float)v;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static inline int @dec_bool(@dec *c, int *out) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major != 7 || (ai != 20 && ai != 21)) return @dec_fail(c, \"expected bool\");\n"
    "  *out = ai == 21;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* 1: null or undefined (consumed), 0: something else, -1: error. */\n"
    "static inline int @dec_null(@dec *c) {\n"
    "  if (@dec_skip_tags(c)) return -1;\n"
    "  if (c->p >= c->end || (*c->p != 0xf6 && *c->p != 0xf7)) return 0;\n"
    "  c->p++;\n"
    "  if (c->depth && !c->frames[c->depth - 1].indefinite) c->frames[c->depth - 1].left--;\n"
    "  return 1;\n"
    "}\n"
    "\n"
    "/* Skips one whole item. */\n"
    "static inline int @dec_skip(@dec *c) {\n"
    "  unsigned major, ai;\n"
    "  uint64_t arg;\n"
    "  if (@dec_skip_tags(c)) return -1;\n"
    "  if (c->p < c->end && (*c->p >> 5 == 4 || *c->p >> 5 == 5)) {\n"
    "    if (@dec_enter(c, *c->p >> 5, \"\")) return -1;\n"
    "    while (@dec_more(c))\n"
    "      if (@dec_skip(c)) return -1;\n"
    "    return @dec_leave(c);\n"
    "  }\n"
    "  if (@dec_head(c, &major, &arg, &ai)) return -1;\n"
    "  if (major == 2 || major == 3) {\n"
    "    uint8_t *s;\n"
    "    size_t n;\n"
    "    if (@dec_string_body(c, major, arg, ai, &s, &n)) return -1;\n"
    "    free(s);\n"
    "  }\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* Grows a decoded array (new elements zeroed); each element uses at least one\n"
    " * input byte, so the size stays bounded by the input. */\n"
    "static inline void *@dec_grow(@dec *c, void *items, size_t *cap, size_t size) {\n"
    "  size_t ncap = *cap ? *cap * 2 : 4;\n"
    "  void *p = ncap <= SIZE_MAX / size ? realloc(items, ncap * size) : NULL;\n"
    "  if (!p) {\n"
    "    @dec_fail(c, \"out of memory\");\n"
    "    return NULL;\n"
    "  }\n"
    "  memset((char *)p + *cap * size, 0, (ncap - *cap) * size);\n"
    "  *cap = ncap;\n"
    "  return p;\n"
    "}\n"
    "\n"
    "static inline int @dec_dup(@dec *c, const char *name) {\n"
    "  @dec_fail(c, \"duplicate key\");\n"
    "  return @err_at(&c->err, name);\n"
    "}\n"
    "\n"
    "static inline int @dec_missing(@dec *c, const char *name) {\n"
    "  @dec_fail(c, \"missing required key\");\n"
    "  return @err_at(&c->err, name);\n"
    "}\n"
    "\n"
    "static inline int @dec_unknown(@dec *c, const char *key, size_t n) {\n"
    "  snprintf(c->err.msg, sizeof c->err.msg, \"unknown key \\\"%.*s\\\"\", (int)(n > 64 ? 64 : "
    "n), key);\n"
    "  return -1;\n"
    "}\n"
    "\n"
    "static inline int @dec_bad_enum(@dec *c, const char *text, size_t n) {\n"
    "  snprintf(c->err.msg, sizeof c->err.msg, \"unknown enumerator \\\"%.*s\\\"\", (int)(n > 64 ? "
    "64 : n), text);\n"
    "  return -1;\n"
    "}\n"
    "\n"
    "/* Ends a decode: the input must be exactly one item; writes \"path: reason\". */\n"
    "static inline int @dec_finish(@dec *c, int rc, const char *root, char *err, size_t err_size) "
    "{\n"
    "  if (rc == 0 && c->p != c->end) rc = @dec_fail(c, \"trailing bytes after the value\");\n"
    "  if (rc && err && err_size) {\n"
    "    const char *path = c->err.path + c->err.start;\n"
    "    size_t at = 0;\n"
    "    if (*path == '.') path++;\n"
    "    @append(err, err_size, &at, c->err.truncated ? \"...\" : \"\");\n"
    "    @append(err, err_size, &at, *path ? path : root);\n"
    "    @append(err, err_size, &at, \": \");\n"
    "    @append(err, err_size, &at, c->err.msg);\n"
    "  }\n"
    "  return rc;\n"
    "}\n";

typedef struct host {
  gen_c g;
  ffirt__gen_writer *w; /* the implementation section (definitions) */
  ffirt__gen_writer *d; /* the API section: documented prototypes */
  gen_flavor fl;
  const char *p; /* <lib>__ */
} host;

/* nim-ffi's C helpers, shared by every <lib>_cbor.h (guarded). */
static const char nimffi_helpers[] =
    "/* ---- nim-ffi compatible helpers: a small growable CBOR encoder for requests\n"
    " * and readers of text replies, as nim-ffi's <lib>_cbor.h has them, so hosts\n"
    " * written against nim-ffi compile unchanged. Shared by every <lib>_cbor.h. */\n"
    "#ifndef FFI_CBOR_HELPERS_DEFINED\n"
    "#define FFI_CBOR_HELPERS_DEFINED\n"
    "\n"
    "/** A growable CBOR buffer: the encoded bytes are buf[0..len). */\n"
    "typedef struct FfiCbor {\n"
    "  uint8_t *buf;\n"
    "  size_t cap;\n"
    "  size_t len;\n"
    "} FfiCbor;\n"
    "\n"
    "/** An empty buffer (nothing allocated yet). */\n"
    "static inline FfiCbor ffi_cbor_new(void) {\n"
    "  FfiCbor c;\n"
    "  c.buf = NULL;\n"
    "  c.cap = 0;\n"
    "  c.len = 0;\n"
    "  return c;\n"
    "}\n"
    "\n"
    "/** Frees c's bytes and empties it (NULL allowed). */\n"
    "static inline void ffi_cbor_free(FfiCbor *c) {\n"
    "  if (!c) return;\n"
    "  free(c->buf);\n"
    "  c->buf = NULL;\n"
    "  c->cap = c->len = 0;\n"
    "}\n"
    "\n"
    "/* Appends n bytes: 0, or -1 (out of memory; c unchanged). */\n"
    "static inline int ffi_cbor__put(FfiCbor *c, const void *p, size_t n) {\n"
    "  if (!c) return -1;\n"
    "  if (n > c->cap - c->len) {\n"
    "    size_t cap = c->cap ? c->cap : 64;\n"
    "    while (cap - c->len < n) {\n"
    "      if (cap > (size_t)-1 / 2) return -1;\n"
    "      cap *= 2;\n"
    "    }\n"
    "    uint8_t *b = (uint8_t *)realloc(c->buf, cap);\n"
    "    if (!b) return -1;\n"
    "    c->buf = b;\n"
    "    c->cap = cap;\n"
    "  }\n"
    "  if (n) memcpy(c->buf + c->len, p, n);\n"
    "  c->len += n;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "/* A CBOR head: major type (0..7) and argument, in the shortest form. */\n"
    "static inline int ffi_cbor__head(FfiCbor *c, unsigned major, uint64_t v) {\n"
    "  uint8_t h[9];\n"
    "  size_t n = 1;\n"
    "  if (v < 24) {\n"
    "    h[0] = (uint8_t)(major << 5 | v);\n"
    "  } else {\n"
    "    unsigned ai = v <= 0xff ? 24 : v <= 0xffff ? 25 : v <= 0xffffffffu ? 26 : 27;\n"
    "    size_t w = (size_t)1 << (ai - 24);\n"
    "    h[0] = (uint8_t)(major << 5 | ai);\n"
    "    for (size_t i = 0; i < w; i++) h[1 + i] = (uint8_t)(v >> (8 * (w - 1 - i)));\n"
    "    n += w;\n"
    "  }\n"
    "  return ffi_cbor__put(c, h, n);\n"
    "}\n"
    "\n"
    "/** Starts a map of n key/value pairs (the pairs follow). 0, or -1 (out of memory). */\n"
    "static inline int ffi_cbor_map(FfiCbor *c, uint64_t n) { return ffi_cbor__head(c, 5, n); }\n"
    "\n"
    "/** Appends the NUL-terminated UTF-8 text s (NULL: empty). 0, or -1. */\n"
    "static inline int ffi_cbor_text(FfiCbor *c, const char *s) {\n"
    "  size_t n = s ? strlen(s) : 0;\n"
    "  if (ffi_cbor__head(c, 3, n)) return -1;\n"
    "  return ffi_cbor__put(c, s, n);\n"
    "}\n"
    "\n"
    "/** Appends the pair k: v (both texts). 0, or -1. */\n"
    "static inline int ffi_cbor_kv_text(FfiCbor *c, const char *k, const char *v) {\n"
    "  return ffi_cbor_text(c, k) || ffi_cbor_text(c, v) ? -1 : 0;\n"
    "}\n"
    "\n"
    "/** Appends the pair k: i (a CBOR integer, negative ones too). 0, or -1. */\n"
    "static inline int ffi_cbor_kv_int(FfiCbor *c, const char *k, int64_t i) {\n"
    "  if (ffi_cbor_text(c, k)) return -1;\n"
    "  return i < 0 ? ffi_cbor__head(c, 1, (uint64_t)(-(i + 1))) : ffi_cbor__head(c, 0, "
    "(uint64_t)i);\n"
    "}\n"
    "\n"
    "/** Appends the pair k: u (an unsigned CBOR integer). 0, or -1. */\n"
    "static inline int ffi_cbor_kv_uint(FfiCbor *c, const char *k, uint64_t u) {\n"
    "  return ffi_cbor_text(c, k) || ffi_cbor__head(c, 0, u) ? -1 : 0;\n"
    "}\n"
    "\n"
    "/**\n"
    " * 1 when data[0..len) is exactly one definite-length CBOR text string, with\n"
    " * *out and *outLen a view of its bytes inside data (not NUL-terminated); else\n"
    " * 0 (outputs untouched). Bytes after the string make it 0 too.\n"
    " */\n"
    "static inline int ffi_text_view(const uint8_t *data, size_t len, const uint8_t **out,\n"
    "                                size_t *outLen) {\n"
    "  if (!data || len < 1 || (data[0] >> 5) != 3) return 0;\n"
    "  unsigned ai = data[0] & 0x1f;\n"
    "  uint64_t n = 0;\n"
    "  size_t at = 1;\n"
    "  if (ai < 24) {\n"
    "    n = ai;\n"
    "  } else if (ai <= 27) {\n"
    "    size_t w = (size_t)1 << (ai - 24);\n"
    "    if (len - 1 < w) return 0;\n"
    "    for (size_t i = 0; i < w; i++) n = n << 8 | data[1 + i];\n"
    "    at += w;\n"
    "  } else {\n"
    "    return 0; /* indefinite length or reserved */\n"
    "  }\n"
    "  if (n != (uint64_t)(len - at)) return 0;\n"
    "  if (out) *out = data + at;\n"
    "  if (outLen) *outLen = (size_t)n;\n"
    "  return 1;\n"
    "}\n"
    "\n"
    "/** A malloc'd NUL-terminated copy of the text string data[0..len) is (as\n"
    " * ffi_text_view accepts it), or NULL (not such a text, or out of memory). */\n"
    "static inline char *ffi_decode_text(const uint8_t *data, size_t len) {\n"
    "  const uint8_t *p;\n"
    "  size_t n;\n"
    "  if (!ffi_text_view(data, len, &p, &n)) return NULL;\n"
    "  char *s = (char *)malloc(n + 1);\n"
    "  if (!s) return NULL;\n"
    "  if (n) memcpy(s, p, n);\n"
    "  s[n] = '\\0';\n"
    "  return s;\n"
    "}\n"
    "\n"
    "#endif /* FFI_CBOR_HELPERS_DEFINED */\n";

#define L(...) ffirt__gen_w_line(x->w, __VA_ARGS__)
/* D: a line of the API section (docs and prototypes), read first. */
#define D(...) ffirt__gen_w_line(x->d, __VA_ARGS__)
#define DB() ffirt__gen_w_blank(x->d)
#define B() ffirt__gen_w_blank(x->w)
#define IN() ffirt__gen_w_indent(x->w)
#define OUT() ffirt__gen_w_dedent(x->w)
#define F(...) ffirt__gen_fmt(&x->g.names, __VA_ARGS__)

static void write_codec(host *x) {
  for (const char *s = codec_template; *s;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    ffirt__gen_writer line;
    ffirt__gen_w_init(&line);
    for (size_t i = 0; i < n; i++) {
      if (s[i] == '@')
        ffirt__gen_w_printf(&line, "%s", x->p);
      else
        ffirt__gen_w_printf(&line, "%c", s[i]);
    }
    ffirt__gen_w_line(x->w, "%s", line.buf ? line.buf : "");
    ffirt__gen_w_free(&line);
    s += n + (nl ? 1 : 0);
  }
}

/* The public per-type API: <name>_decode / _encode / _free. */
static void type_api(host *x, gen_nt *nt) {
  const char *api = nt->kind == NT_BOX ? nt->cname : F("%s_%s", x->g.lib, nt->cname);
  const char *p = x->p;
  DB();
  D("/**");
  D(" * Decodes one %s from msg[0..len): 0, or -1 with", nt->cname);
  D(" * \"path: reason\" in err (may be NULL) and nothing left to free. Release a");
  D(" * decoded value with %s_free.", api);
  D(" */");
  const char *sig = F("static inline int %s_decode(const uint8_t *msg, size_t len, %s *out, char "
                      "*err, size_t err_size)",
                      api, nt->cname);
  D("%s;", sig);
  B();
  L("%s {", sig);
  IN();
  L("%sdec c;", p);
  L("%sdec_init(&c, msg, len);", p);
  L("memset(out, 0, sizeof *out);");
  L("int rc = %sdec_finish(&c, %sdecode_%s(&c, out), \"value\", err, err_size);", p, p, nt->stem);
  if (nt->has_ptr) L("if (rc) %sfree_%s(out);", p, nt->stem);
  L("return rc;");
  OUT();
  L("}");
  B();
  if (nt->has_ptr) {
    D("/** Frees what %s_decode allocated in *v. */", api);
    D("static inline void %s_free(%s *v);", api, nt->cname);
    L("static inline void %s_free(%s *v) { %sfree_%s(v); }", api, nt->cname, p, nt->stem);
  } else {
    D("/** Nothing to free: %s owns no memory. */", nt->cname);
    D("static inline void %s_free(%s *v);", api, nt->cname);
    L("static inline void %s_free(%s *v) { (void)v; }", api, nt->cname);
  }
  B();
  D("/** Encodes *v into a malloc'd buffer (*out, free with free()). 0, or -1 (out of");
  D(" * memory, or an enum value without an enumerator). */");
  sig =
      F("static inline int %s_encode(const %s *v, uint8_t **out, size_t *out_len)", api, nt->cname);
  D("%s;", sig);
  L("%s {", sig);
  IN();
  L("%senc e = {NULL, 0, 0, 0, 0};", p);
  L("%sencode_%s(&e, v);", p, nt->stem);
  L("return %senc_take(&e, out, out_len);", p);
  OUT();
  L("}");
}

static void request_encoder(host *x, const ffirt__gen_proc *p) {
  const char *params = ffirt__gen_c_native_params(&x->g, p);
  gen_field *fields = calloc(p->nparams ? p->nparams : 1, sizeof *fields);
  if (!fields) {
    x->w->oom = 1;
    return;
  }
  for (size_t i = 0; i < p->nparams; i++) {
    fields[i].name = p->params[i].name;
    fields[i].type = p->params[i].type;
  }
  /* the parameters are in scope: locals and outputs use names an IDL
   * identifier cannot collide with in practice */
  gen_flavor fl = x->fl;
  const char *local = F("%se", x->p);
  fl.ev = F("&%s", local);
  fl.iv = F("%si", x->p);
  DB();
  D("/** The request of %s_%s_cbor, from the native export's parameters, into a", x->g.lib,
    p->name);
  D(" * malloc'd buffer (*request_out, free with free()). 0, or -1 (out of memory). */");
  const char *sig = F("static inline int %s_%s_request_encode(%s%suint8_t **request_out, size_t "
                      "*request_out_len)",
                      x->g.lib, p->name, *params ? params + 2 : "", *params ? ", " : "");
  D("%s;", sig);
  B();
  L("%s {", sig);
  IN();
  L("%senc %s = {NULL, 0, 0, 0, 0};", x->p, local);
  ffirt__gen_c_enc_map(&x->g, x->w, &fl, fields, p->nparams, "");
  L("return %senc_take(%s, request_out, request_out_len);", x->p, fl.ev);
  OUT();
  L("}");
  free(fields);
}

/* The out parameter(s) of a decoder of t, and what frees a decoded value. */
static const char *out_params(host *x, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_STRING: return "const char **out";
  case GEN_BYTES: return "uint8_t **out, size_t *out_len";
  default: return F("%s *out", ffirt__gen_value_ctype(&x->g.names, x->g.lib, t));
  }
}

/* The decode statement(s) of one value of t into *out (walker style). */
static void value_decode(host *x, const ffirt__gen_type *t) {
  gen_nt *nt = t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL ? ffirt__gen_c_box(&x->g, t)
               : t->kind == GEN_STRUCT                       ? ffirt__gen_c_struct(&x->g, t->name)
                                                             : NULL;
  if (nt)
    L("if (%sdecode_%s(c, out)) return -1;", x->p, nt->stem);
  else if (t->kind == GEN_BYTES) /* out, out_len: not one lvalue */
    L("if (%sdec_bytes(c, out, out_len)) return -1;", x->p);
  else
    ffirt__gen_c_dec_value(&x->g, x->w, &x->fl, t, 0, "(*out)", NULL);
}

static const char *free_stmt(host *x, const ffirt__gen_type *t) {
  gen_nt *nt = t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL ? ffirt__gen_c_box(&x->g, t)
               : t->kind == GEN_STRUCT                       ? ffirt__gen_c_struct(&x->g, t->name)
                                                             : NULL;
  if (nt) return nt->has_ptr ? F("%sfree_%s(out);", x->p, nt->stem) : NULL;
  if (t->kind == GEN_STRING) return "free((void *)*out);";
  if (t->kind == GEN_BYTES) return "free(*out);";
  return NULL;
}

/* What a successful decode leaves to free, for the decoders' docs (the
 * generated _free functions exist for structs and containers; a string or
 * bytes value is one malloc'd block). */
static const char *response_free_doc(host *x, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_STRING: return " On success *out is a malloc'd NUL-terminated string: free() it.";
  case GEN_BYTES: return " On success *out is malloc'd (NULL when empty): free() it.";
  default: break;
  }
  gen_nt *nt = t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL ? ffirt__gen_c_box(&x->g, t)
               : t->kind == GEN_STRUCT                       ? ffirt__gen_c_struct(&x->g, t->name)
                                                             : NULL;
  if (!nt || !nt->has_ptr) return "";
  return F(" Release *out with %s_free.",
           nt->kind == NT_BOX ? nt->cname : F("%s_%s", x->g.lib, nt->cname));
}

/* A public decoder: init, the private body, finish, free on failure. */
static void decoder_wrapper(host *x, const char *name, const char *outs, const char *body_fn,
                            const char *args, const char *root, const char *fr, int bytes) {
  const char *sig =
      F("static inline int %s(const uint8_t *msg, size_t len, %s%schar *err, size_t err_size)",
        name, outs ? outs : "", outs ? ", " : "");
  D("%s;", sig);
  L("%s {", sig);
  IN();
  L("%sdec c;", x->p);
  L("%sdec_init(&c, msg, len);", x->p);
  if (outs) L("memset(out, 0, sizeof *out);");
  if (bytes) L("*out_len = 0;");
  L("int rc = %sdec_finish(&c, %s(&c%s), \"%s\", err, err_size);", x->p, body_fn, args, root);
  if (fr) L("if (rc) %s", fr);
  L("return rc;");
  OUT();
  L("}");
}

static void response_decoder(host *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib;
  const ffirt__gen_type *t = p->result;
  B();
  DB();
  if (!t) {
    D("/** Checks the _cbor reply of %s (CBOR null). 0, or -1 with the reason in err. */", p->name);
    const char *sig = F("static inline int %s_%s_response_decode(const uint8_t *msg, size_t len, "
                        "char *err, size_t err_size)",
                        lib, p->name);
    D("%s;", sig);
    L("%s {", sig);
    IN();
    L("if (len == 1 && msg && msg[0] == 0xf6) return 0;");
    L("if (err && err_size) snprintf(err, err_size, \"%%s\", \"result: expected null\");");
    L("return -1;");
    OUT();
    L("}");
    return;
  }
  const char *body = F("%sresult_%s", x->p, p->name);
  L("static inline int %s(%sdec *c, %s) {", body, x->p, out_params(x, t));
  IN();
  value_decode(x, t);
  L("return 0;");
  OUT();
  L("}");
  B();
  const char *fr = free_stmt(x, t);
  D("/** Decodes the _cbor reply of %s. 0, or -1 with \"path: reason\" in err (may be", p->name);
  D(" * NULL) and nothing left to free.%s */", response_free_doc(x, t));
  decoder_wrapper(x, F("%s_%s_response_decode", lib, p->name), out_params(x, t), body,
                  t->kind == GEN_BYTES ? ", out, out_len" : ", out", "result", fr,
                  t->kind == GEN_BYTES);
}

/* A decoder of ev's envelope; a NULL payload type stands for the built-in
 * events' empty map payload (not_responding, responding). */
static void event_decoder(host *x, const ffirt__gen_event *ev) {
  const char *lib = x->g.lib;
  const ffirt__gen_type *t = ev->payload;
  const char *outs = t ? out_params(x, t) : NULL;
  const char *body = F("%sevent_%s", x->p, ev->wire);
  size_t wl = strlen(ev->wire);
  B();
  L("static inline int %s(%sdec *c%s%s) {", body, x->p, outs ? ", " : "", outs ? outs : "");
  IN();
  L("unsigned char seen[2] = {0, 0};");
  L("const char *k = NULL;");
  L("size_t kn = 0;");
  L("if (%sdec_map(c)) return -1;", x->p);
  L("while (%sdec_more(c)) {", x->p);
  IN();
  L("if (%sdec_textref(c, &k, &kn)) return -1;", x->p);
  L("if (kn == 9 && memcmp(k, \"eventType\", 9) == 0) {");
  IN();
  L("if (seen[0]++) return %sdec_dup(c, \"eventType\");", x->p);
  L("if (%sdec_textref(c, &k, &kn)) return %serr_at(&c->err, \"eventType\");", x->p, x->p);
  L("if (kn != %zu || memcmp(k, \"%s\", %zu) != 0) {", wl, ev->wire, wl);
  IN();
  L("%sdec_fail(c, \"not %s\");", x->p, ev->wire);
  L("return %serr_at(&c->err, \"eventType\");", x->p);
  OUT();
  L("}");
  OUT();
  L("} else if (kn == 7 && memcmp(k, \"payload\", 7) == 0) {");
  IN();
  L("if (seen[1]++) return %sdec_dup(c, \"payload\");", x->p);
  ffirt__gen_writer sub;
  ffirt__gen_w_init(&sub);
  ffirt__gen_writer *saved = x->w;
  x->w = &sub;
  if (t) {
    value_decode(x, t);
  } else {
    L("if (%sdec_map(c)) return -1;", x->p);
    L("if (%sdec_more(c)) {", x->p);
    IN();
    L("%sdec_fail(c, \"expected {}\");", x->p);
    L("return -1;");
    OUT();
    L("}");
    L("if (%sdec_leave(c)) return -1;", x->p);
  }
  x->w = saved;
  /* failures inside the payload are under "payload" */
  const char *code = sub.buf ? sub.buf : "";
  for (const char *s = code; *s;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    const char *ret = strstr(s, "return -1;");
    if (ret && ret < s + n)
      L("%.*sreturn %serr_at(&c->err, \"payload\");", (int)(ret - s), s, x->p);
    else
      L("%.*s", (int)n, s);
    s += n + (nl ? 1 : 0);
  }
  ffirt__gen_w_free(&sub);
  OUT();
  L("} else {");
  IN();
  L("return %sdec_unknown(c, k, kn);", x->p);
  OUT();
  L("}");
  OUT();
  L("}");
  L("if (%sdec_leave(c)) return -1;", x->p);
  L("if (!seen[0]) return %sdec_missing(c, \"eventType\");", x->p);
  L("if (!seen[1]) return %sdec_missing(c, \"payload\");", x->p);
  L("return 0;");
  OUT();
  L("}");
  B();
  const char *fr = t ? free_stmt(x, t) : NULL;
  DB();
  D("/** Decodes a %s envelope as a CBOR listener receives it. 0, or -1 with", ev->wire);
  D(" * \"path: reason\" in err (may be NULL) and nothing left to free.%s */",
    t ? response_free_doc(x, t) : "");
  int bytes = t && t->kind == GEN_BYTES;
  decoder_wrapper(x, F("%s_%s_event_decode", lib, ev->wire), outs, body,
                  !t      ? ""
                  : bytes ? ", out, out_len"
                          : ", out",
                  "event", fr, bytes);
}

/* Reads the eventType of an envelope, for dispatching to the decoders. */
static void event_type_reader(host *x) {
  const char *p = x->p;
  B();
  DB();
  D("/** Copies the eventType of a CBOR event envelope into name (NUL-terminated).");
  D(" * 0, or -1 when msg is not an envelope or name is too small. */");
  const char *sig =
      F("static inline int %s_event_type(const uint8_t *msg, size_t len, char *name, size_t size)",
        x->g.lib);
  D("%s;", sig);
  L("%s {", sig);
  IN();
  L("%sdec c;", p);
  L("const char *k = NULL;");
  L("size_t kn = 0;");
  L("%sdec_init(&c, msg, len);", p);
  L("if (%sdec_map(&c)) return -1;", p);
  L("while (%sdec_more(&c)) {", p);
  IN();
  L("if (%sdec_textref(&c, &k, &kn)) return -1;", p);
  L("if (kn == 9 && memcmp(k, \"eventType\", 9) == 0) {");
  IN();
  L("if (%sdec_textref(&c, &k, &kn) || kn >= size) return -1;", p);
  L("memcpy(name, k, kn);");
  L("name[kn] = '\\0';");
  L("return 0;");
  OUT();
  L("}");
  L("if (%sdec_skip(&c)) return -1;", p);
  OUT();
  L("}");
  L("return -1;");
  OUT();
  L("}");
}

int ffirt__gen_emit_c_cbor_host(const ffirt__gen_model *m, const char *outdir) {
  host hx, *x = &hx;
  memset(x, 0, sizeof *x);
  if (ffirt__gen_c_analyse(&x->g, m, 0) != 0) return -1;
  x->p = ffirt__gen_fmt(&x->g.names, "%s__", m->library);
  x->fl = (gen_flavor){.fn = x->p,
                       .storage = "static inline ",
                       .enc_t = ffirt__gen_fmt(&x->g.names, "%senc", x->p),
                       .enc = ffirt__gen_fmt(&x->g.names, "%senc_", x->p),
                       .dec_t = ffirt__gen_fmt(&x->g.names, "%sdec", x->p),
                       .h = x->p,
                       .calloc_fn = "calloc",
                       .free_fn = "free",
                       .cplusplus = 1,
                       .ev = "e",
                       .iv = "i"};
  for (size_t i = 0; i < x->g.count; i++)
    ffirt__gen_c_mark_nt(&x->g, x->g.nts[i], OP_ENC | OP_DEC | OP_FREE);

  ffirt__gen_writer w, decl, impl;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_init(&decl);
  ffirt__gen_w_init(&impl);
  const char *lib = x->g.lib;
  /* the API first: its documented prototypes go to decl, the definitions
   * to impl, which the file places after the private codec */
  x->w = &impl;
  x->d = &decl;
  for (size_t i = 0; i < x->g.count; i++)
    if (x->g.nts[i]->kind == NT_STRUCT || x->g.nts[i]->kind == NT_BOX) type_api(x, x->g.nts[i]);
  for (size_t i = 0; i < m->nprocs; i++) {
    if (m->procs[i].kind == GEN_DTOR) continue;
    request_encoder(x, &m->procs[i]);
    if (m->procs[i].kind != GEN_CTOR) response_decoder(x, &m->procs[i]);
  }
  for (size_t i = 0; i < m->nevents; i++)
    if (m->events[i].payload) event_decoder(x, &m->events[i]);
  /* the runtime's built-in events: {} payloads, and a count */
  static const ffirt__gen_type u64 = {.kind = GEN_U64};
  ffirt__gen_event builtin[3];
  memset(builtin, 0, sizeof builtin);
  builtin[0].wire = "not_responding";
  builtin[1].wire = "responding";
  builtin[2].wire = "dropped_events";
  builtin[2].payload = (ffirt__gen_type *)&u64;
  for (int i = 0; i < 3; i++)
    event_decoder(x, &builtin[i]);
  event_type_reader(x);

  x->w = &w;
  const char *file = F("%s_cbor.h", lib);
  const char *guard = F("%s_CBOR_H", ffirt__gen_upper(&x->g.names, lib));
  ffirt__gen_c_banner(&x->g, &w, file,
                      "the CBOR host header (docs/abi.md 6): typed encoders and decoders.");
  L("#ifndef %s", guard);
  L("#define %s", guard);
  B();
  L("#include <stddef.h>");
  L("#include <stdint.h>");
  L("#include <stdio.h>");
  L("#include <stdlib.h>");
  L("#include <string.h>");
  B();
  L("/*");
  L(" * Reading order: the types, the CBOR exports and the ABI check; then \"The");
  L(" * API\" (documented prototypes of every encoder and decoder); then nim-ffi's");
  L(" * FfiCbor helpers; the implementation (an embedded CBOR codec, private,");
  L(" * prefixed %s) comes last. Everything is static inline: no library", x->p);
  L(" * to link for the codec; several <lib>_cbor.h can share one file.");
  L(" */");
  B();
  ffirt__gen_c_abi_block(&w);
  B();
  L("#ifdef __cplusplus");
  L("extern \"C\" {");
  L("#endif");
  B();
  ffirt__gen_c_types_block(&x->g, &w);
  B();
  L("/* ---- the CBOR exports (see %s.h for their documentation) */", lib);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    L("%s;",
      p->kind == GEN_DTOR ? ffirt__gen_c_sig_native(&x->g, p) : ffirt__gen_c_sig_cbor(&x->g, p));
  }
  L("uint64_t %s_add_event_listener_cbor(void *ctx, const char *eventName, FFICallBack cb, "
    "void *ud);",
    lib);
  L("int %s_remove_event_listener(void *ctx, uint64_t listenerId);", lib);
  B();
  ffirt__gen_c_abi_check_block(&x->g, &w);
  B();
  L("#ifdef __cplusplus");
  L("}");
  L("#endif");
  B();
  L("/* ==== The API: per type, per request, per event (definitions at the end) */");
  ffirt__gen_w_printf(&w, "%s", decl.buf ? decl.buf : "");
  B();
  ffirt__gen_w_printf(&w, "%s", nimffi_helpers);
  B();
  L("/* ==== The implementation: private to this header, nothing to call below */");
  B();
  write_codec(x);
  B();
  L("/* ---- per-type codecs */");
  B();
  ffirt__gen_c_codecs(&x->g, &w, &x->fl);
  B();
  L("/* ---- the API's definitions */");
  ffirt__gen_w_printf(&w, "%s", impl.buf ? impl.buf : "");
  if (decl.oom || impl.oom) w.oom = 1;
  ffirt__gen_w_free(&decl);
  ffirt__gen_w_free(&impl);
  B();
  L("#endif /* %s */", guard);
  ffirt__gen_c_tidy(&w);
  int rc = x->g.names.oom ? -1 : ffirt__gen_w_save(&w, outdir, file);
  ffirt__gen_w_free(&w);
  ffirt__gen_c_free(&x->g);
  return rc;
}
