/*
 * utf8.c - UTF-8 validation (RFC 3629) of CBOR text strings.
 *
 * Design notes:
 *  - Rejects overlong forms, surrogates (U+D800..U+DFFF), code points above
 *    U+10FFFF and truncated sequences; accepts U+0000 (CBOR allows it).
 *  - ASCII runs are checked eight bytes at a time: that is the common case
 *    for keys and messages and keeps validation off the decoder's profile.
 *  - ffirt_utf8_cut / ffirt_utf8_sanitize make text that is quoted into
 *    error messages valid UTF-8: cut at a character boundary, invalid
 *    bytes replaced by U+FFFD (one per maximal invalid subpart, as the
 *    Unicode standard recommends).
 */
#include "ffirt/cbor.h"

#include <string.h>

int ffirt_utf8_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t w;
      memcpy(&w, p + i, 8);
      if (!(w & 0x8080808080808080ull)) {
        i += 8;
        continue;
      }
    }
    uint8_t c = p[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0)
        lo = 0xa0; /* overlong */
      else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c == 0xf0)
        lo = 0x90; /* overlong */
      else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    } else {
      return 0; /* continuation byte, 0xc0/0xc1 overlongs, 0xf5.. */
    }
    if (n - i <= need) return 0;
    if (p[i + 1] < lo || p[i + 1] > hi) return 0;
    for (size_t k = 2; k <= need; k++)
      if ((p[i + k] & 0xc0) != 0x80) return 0;
    i += need + 1;
  }
  return 1;
}

/* Bytes of the character at p[0..n): 1..4, or 0 when none is valid there;
 * *prefix gets how many bytes form a valid but incomplete prefix (>= 1). */
static size_t char_at(const uint8_t *p, size_t n, size_t *prefix) {
  uint8_t c = p[0];
  *prefix = 1;
  if (c < 0x80) return 1;
  size_t need;
  uint8_t lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 1;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  for (size_t k = 1; k <= need; k++) {
    if (k >= n) return 0;
    uint8_t b = p[k];
    if (k == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80) return 0;
    *prefix = k + 1;
  }
  return need + 1;
}

size_t ffirt_utf8_cut(const char *s, size_t n, size_t max) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0, prefix;
  if (!s) return 0;
  while (i < n) {
    size_t k = char_at(p + i, n - i, &prefix);
    if (!k || i + k > max) break;
    i += k;
  }
  return i;
}

size_t ffirt_utf8_sanitize(char *dst, size_t cap, const char *src, size_t n) {
  const uint8_t *p = (const uint8_t *)src;
  size_t i = 0, o = 0;
  if (!dst || !cap) return 0;
  while (src && i < n) {
    size_t prefix, k = char_at(p + i, n - i, &prefix);
    const char *from = k ? src + i : "\xef\xbf\xbd";
    size_t len = k ? k : 3;
    if (o + len > cap - 1) break;
    memcpy(dst + o, from, len);
    o += len;
    i += k ? k : prefix;
  }
  dst[o] = 0;
  return o;
}
