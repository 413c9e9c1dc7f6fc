/*
 * wire.h - the envelopes of the remote protocol (docs/remote.md): CBOR
 * arrays of a few texts, byte strings and unsigned integers. Shared by
 * ffirt-serve and the client library lib<lib>_remote.so, which must not
 * depend on the runtime's codec.
 *
 * Design notes:
 *  - The decoder is strict (definite lengths, shortest form not required,
 *    every length checked against the remaining input before use) and never
 *    allocates: texts and byte strings are returned as views into the input.
 *  - The encoder writes into a caller buffer after measuring: wire_size()
 *    then wire_put_*(); no failure paths.
 */
#ifndef FFIRT_REMOTE_WIRE_H
#define FFIRT_REMOTE_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The first reply to a constructor: [seq, FFIRT_REMOTE_ACCEPTED, id, server-id]. */
#define FFIRT_REMOTE_ACCEPTED 4
/* Items in one request message: the server refuses more; the client sends
 * at most FFIRT_REMOTE_BATCH_ITEMS (and about FFIRT_REMOTE_BATCH_BYTES). */
#define FFIRT_REMOTE_BATCH_MAX 256
#define FFIRT_REMOTE_BATCH_ITEMS 64
#define FFIRT_REMOTE_BATCH_BYTES (32 * 1024)
/* How long a deferred batch (client requests, server replies) may wait for
 * company at most, in nanoseconds. */
#define FFIRT_REMOTE_DEFER_NS 150000

typedef struct wire_dec {
  const uint8_t *p, *end;
  const char *err; /* first failure, static text */
} wire_dec;

static inline int wire_fail(wire_dec *d, const char *why) {
  if (!d->err) d->err = why;
  return -1;
}

static inline int wire_head(wire_dec *d, unsigned *major, uint64_t *arg) {
  if (d->err) return -1;
  if (d->p >= d->end) return wire_fail(d, "truncated envelope");
  uint8_t b = *d->p++;
  *major = b >> 5;
  unsigned ai = b & 31;
  if (ai < 24) {
    *arg = ai;
    return 0;
  }
  if (ai > 27) return wire_fail(d, "indefinite or reserved length in envelope");
  size_t n = (size_t)1 << (ai - 24);
  if ((size_t)(d->end - d->p) < n) return wire_fail(d, "truncated envelope");
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v << 8 | *d->p++;
  *arg = v;
  return 0;
}

/* An array head with exactly n or, when min < n, min..n items; *count set. */
static inline int wire_array(wire_dec *d, uint64_t min, uint64_t max, uint64_t *count) {
  unsigned mj;
  uint64_t n;
  if (wire_head(d, &mj, &n)) return -1;
  if (mj != 4) return wire_fail(d, "envelope is not a CBOR array");
  if (n < min || n > max) return wire_fail(d, "envelope has the wrong number of items");
  *count = n;
  return 0;
}

/* A text (major 3) or byte string (major 2) as a view. */
static inline int wire_string(wire_dec *d, unsigned want, const uint8_t **s, size_t *n) {
  unsigned mj;
  uint64_t len;
  if (wire_head(d, &mj, &len)) return -1;
  if (mj != want)
    return wire_fail(d, want == 3 ? "envelope item is not a text" : "envelope item is not bytes");
  if (len > (uint64_t)(d->end - d->p)) return wire_fail(d, "envelope string runs past the end");
  *s = d->p;
  *n = (size_t)len;
  d->p += len;
  return 0;
}

static inline int wire_uint(wire_dec *d, uint64_t *v) {
  unsigned mj;
  if (wire_head(d, &mj, v)) return -1;
  if (mj != 0) return wire_fail(d, "envelope item is not an unsigned integer");
  return 0;
}

/* The major type of the next item without consuming it; -1 at the end. */
static inline int wire_peek_major(const wire_dec *d) {
  return d->err || d->p >= d->end ? -1 : *d->p >> 5;
}

/* Skips one data item of any shape (definite lengths only), at most
 * `depth` levels deep. Every count is checked against the remaining input
 * before it is looped over, so the work is bounded by the input's length. */
static inline int wire_skip(wire_dec *d, int depth) {
  unsigned mj;
  uint64_t v;
  if (depth <= 0) return wire_fail(d, "envelope nested too deeply");
  if (wire_head(d, &mj, &v)) return -1;
  uint64_t left = (uint64_t)(d->end - d->p);
  switch (mj) {
  case 2:
  case 3:
    if (v > left) return wire_fail(d, "envelope string runs past the end");
    d->p += v;
    return 0;
  case 4:
  case 5:
    if (v > left || (mj == 5 && v > left / 2)) return wire_fail(d, "truncated envelope");
    for (uint64_t i = 0; i < (mj == 5 ? 2 * v : v); i++)
      if (wire_skip(d, depth - 1)) return -1;
    return 0;
  case 6: return wire_skip(d, depth - 1);
  default: /* 0, 1, 7: the head was all */ return 0;
  }
}

static inline int wire_end(wire_dec *d) {
  if (d->err) return -1;
  if (d->p != d->end) return wire_fail(d, "trailing bytes after envelope");
  return 0;
}

/* ---- encoding: size first, then put */

static inline size_t wire_head_size(uint64_t v) {
  return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

static inline uint8_t *wire_put_head(uint8_t *o, unsigned major, uint64_t v) {
  size_t n = wire_head_size(v);
  if (n == 1) {
    *o++ = (uint8_t)(major << 5 | v);
    return o;
  }
  *o++ = (uint8_t)(major << 5 | (n == 2 ? 24 : n == 3 ? 25 : n == 5 ? 26 : 27));
  for (size_t i = n - 1; i > 0; i--)
    *o++ = (uint8_t)(v >> (8 * (i - 1)));
  return o;
}

static inline uint8_t *wire_put_string(uint8_t *o, unsigned major, const void *s, size_t n) {
  o = wire_put_head(o, major, n);
  if (n) memcpy(o, s, n);
  return o + n;
}

/* ---- texts about the connection, for messages of both sides */

/* url (or a comma-separated list of them) with the password of each user
 * info (nats://user:password@host) replaced by ***, so that no message or
 * log line shows it. Cut to fit n. */
static inline void wire_url_redacted(const char *url, char *out, size_t n) {
  size_t o = 0;
  if (!n) return;
  while (*url && o + 1 < n) {
    size_t seg = strcspn(url, ",");
    const char *scheme = strstr(url, "://");
    const char *from = scheme && (size_t)(scheme - url) < seg ? scheme + 3 : url;
    const char *at = memchr(from, '@', seg - (size_t)(from - url));
    const char *colon = at ? memchr(from, ':', (size_t)(at - from)) : NULL;
    for (size_t i = 0; i < seg && o + 1 < n; i++) {
      const char *c = url + i;
      if (colon && c > colon && c < at) { /* the password */
        if (c == colon + 1)
          for (const char *r = "***"; *r && o + 1 < n; r++)
            out[o++] = *r;
        continue;
      }
      out[o++] = *c;
    }
    url += seg;
    if (*url == ',') {
      if (o + 1 < n) out[o++] = ',';
      url++;
    }
  }
  out[o] = '\0';
}

/* libnats's detailed last error ("(conn.c:1905): Authorization
 * Violation") without its source position. */
static inline const char *wire_nats_detail(const char *text) {
  if (!text) return "";
  if (text[0] == '(') {
    const char *e = strstr(text, "): ");
    if (e) return e + 3;
  }
  return text;
}

#endif /* FFIRT_REMOTE_WIRE_H */
