/*
 * diag.c - RFC 8949 section 8 diagnostic notation of one CBOR item, for
 * logs, the demo and test failure messages.
 *
 * Design notes:
 *  - Reads through the public decoder, so it accepts exactly what the
 *    decoder accepts and reports the same errors; input that is not exactly
 *    one well-formed item is FFIRT_EMALFORMED.
 *  - Recursion follows containers only (bounded by the decoder's default
 *    depth limit); chains of tags are handled in a loop.
 *  - Output style: integers in decimal, floats in the shortest form that
 *    reads back to the same double (always with a '.'; positional for
 *    exponents -7..20 like JavaScript, else 1.0e+300),
 *    h'..' for bytes, JSON-like escapes for text, (_ ...) / [_ ...] / {_ ...}
 *    for indefinite lengths. No encoding indicators (_1 ...).
 *  - The output is a growable string owned by the caller on success and
 *    freed here on every error.
 */
#include "cbor/cbor_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
  char *p;
  size_t len, cap;
  int err;
} sbuf;

static void put(sbuf *s, const char *t, size_t n) {
  if (s->err) return;
  if (n >= s->cap - s->len) {
    size_t cap = s->cap ? s->cap : 64;
    while (n >= cap - s->len)
      cap *= 2;
    char *np = ffirt_realloc(s->p, cap);
    if (!np) {
      s->err = FFIRT_ENOMEM;
      return;
    }
    s->p = np;
    s->cap = cap;
  }
  memcpy(s->p + s->len, t, n);
  s->len += n;
  s->p[s->len] = '\0';
}

static void puts_(sbuf *s, const char *t) { put(s, t, strlen(t)); }

static void putf(sbuf *s, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put(s, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_float(sbuf *s, double v) {
  if (v != v) {
    puts_(s, "NaN");
    return;
  }
  if (v == INFINITY || v == -INFINITY) {
    puts_(s, v > 0 ? "Infinity" : "-Infinity");
    return;
  }
  /* the fewest significant digits that read back to v, e.g. "1.1" */
  char tmp[40];
  for (int prec = 0; prec <= 16; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec, v);
    if (strtod(tmp, NULL) == v) break;
  }
  char digits[24];
  size_t nd = 0;
  const char *t = tmp;
  int neg = *t == '-';
  if (neg) t++;
  for (; *t && *t != 'e'; t++)
    if (*t != '.') digits[nd++] = *t;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  int exp = atoi(t + 1);
  /* positional in the range JavaScript uses, else d.ddde+x */
  char out[64];
  size_t o = 0;
  if (neg) out[o++] = '-';
  if (exp >= 21 || exp < -7) {
    out[o++] = digits[0];
    out[o++] = '.';
    if (nd > 1) {
      memcpy(out + o, digits + 1, nd - 1);
      o += nd - 1;
    } else {
      out[o++] = '0';
    }
    o += (size_t)snprintf(out + o, sizeof out - o, "e%c%d", exp < 0 ? '-' : '+',
                          exp < 0 ? -exp : exp);
  } else if (exp >= 0) {
    for (int i = 0; i <= exp; i++)
      out[o++] = (size_t)i < nd ? digits[i] : '0';
    out[o++] = '.';
    if (nd > (size_t)exp + 1) {
      memcpy(out + o, digits + exp + 1, nd - (size_t)exp - 1);
      o += nd - (size_t)exp - 1;
    } else {
      out[o++] = '0';
    }
  } else {
    out[o++] = '0';
    out[o++] = '.';
    for (int i = 0; i < -exp - 1; i++)
      out[o++] = '0';
    memcpy(out + o, digits, nd);
    o += nd;
  }
  put(s, out, o);
}

static void put_bytes(sbuf *s, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  puts_(s, "h'");
  for (size_t i = 0; i < n; i++) {
    char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
    put(s, h, 2);
  }
  puts_(s, "'");
}

static void put_text(sbuf *s, const uint8_t *p, size_t n) {
  puts_(s, "\"");
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    put(s, (const char *)p + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': puts_(s, "\\\""); break;
    case '\\': puts_(s, "\\\\"); break;
    case '\n': puts_(s, "\\n"); break;
    case '\t': puts_(s, "\\t"); break;
    case '\r': puts_(s, "\\r"); break;
    default: putf(s, "\\u%04x", c);
    }
  }
  put(s, (const char *)p + run, n - run);
  puts_(s, "\"");
}

static void put_string(sbuf *s, const ffirt_cbor_item *it) {
  int text = it->type == FFIRT_CBOR_TEXT;
  if (!it->indefinite) {
    if (text)
      put_text(s, it->ptr, it->len);
    else
      put_bytes(s, it->ptr, it->len);
    return;
  }
  puts_(s, "(_ ");
  const uint8_t *p = it->ptr, *data;
  size_t n, step;
  int first = 1;
  while ((step = ffirt__cbor_chunk(p, &data, &n))) {
    if (!first) puts_(s, ", ");
    first = 0;
    if (text)
      put_text(s, data, n);
    else
      put_bytes(s, data, n);
    p += step;
  }
  puts_(s, ")");
}

static int diag_item(ffirt_cbor_dec *d, sbuf *s) {
  ffirt_cbor_item it;
  size_t closers = 0;
  int rc;
  for (;;) {
    rc = ffirt_cbor_dec_next(d, &it);
    if (rc) return rc == FFIRT_ENOTFOUND ? FFIRT_EMALFORMED : rc;
    if (it.type != FFIRT_CBOR_TAG) break;
    putf(s, "%" PRIu64 "(", it.u);
    closers++;
  }
  switch (it.type) {
  case FFIRT_CBOR_UINT: putf(s, "%" PRIu64, it.u); break;
  case FFIRT_CBOR_NEGATIVE:
    if (it.u == UINT64_MAX)
      puts_(s, "-18446744073709551616");
    else
      putf(s, "-%" PRIu64, it.u + 1);
    break;
  case FFIRT_CBOR_BYTES:
  case FFIRT_CBOR_TEXT: put_string(s, &it); break;
  case FFIRT_CBOR_ARRAY:
  case FFIRT_CBOR_MAP: {
    int map = it.type == FFIRT_CBOR_MAP;
    puts_(s, map ? "{" : "[");
    if (it.indefinite) puts_(s, "_ ");
    for (size_t i = 0; !ffirt_cbor_dec_at_end(d); i++) {
      if (i) puts_(s, map && (i & 1) ? ": " : ", ");
      if ((rc = diag_item(d, s))) return rc;
    }
    if ((rc = ffirt_cbor_dec_leave(d))) return rc;
    puts_(s, map ? "}" : "]");
    break;
  }
  case FFIRT_CBOR_BOOL: puts_(s, it.u ? "true" : "false"); break;
  case FFIRT_CBOR_NULL: puts_(s, "null"); break;
  case FFIRT_CBOR_UNDEFINED: puts_(s, "undefined"); break;
  case FFIRT_CBOR_SIMPLE: putf(s, "simple(%" PRIu64 ")", it.u); break;
  case FFIRT_CBOR_FLOAT: put_float(s, it.f); break;
  default: break;
  }
  while (closers--)
    puts_(s, ")");
  return s->err;
}

int ffirt_cbor_to_diag(const uint8_t *buf, size_t len, char **out) {
  if (!out) return FFIRT_EINVAL;
  *out = NULL;
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, buf, len);
  sbuf s = {NULL, 0, 0, 0};
  int rc = diag_item(&d, &s);
  if (!rc && d.pos != d.len) rc = FFIRT_EMALFORMED;
  if (!rc) rc = s.err;
  if (!rc && !s.p) {
    puts_(&s, "");
    rc = s.err;
  }
  ffirt_cbor_dec_release(&d);
  if (rc) {
    ffirt_free(s.p);
    return rc;
  }
  *out = s.p;
  return 0;
}
