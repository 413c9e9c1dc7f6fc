/*
 * utf8.c - UTF-8 validation (RFC 3629) of CBOR text strings.
 *
 * Design notes:
 *  - Rejects overlong forms, surrogates (U+D800..U+DFFF), code points above
 *    U+10FFFF and truncated sequences; accepts U+0000 (CBOR allows it).
 *  - ASCII runs are checked eight bytes at a time: that is the common case
 *    for keys and messages and keeps validation off the decoder's profile.
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
