/*
 * cbor_reencode.c - see cbor_reencode.h.
 *
 * Design notes:
 *  - Indefinite containers are re-encoded with a definite count: their
 *    members go to a temporary dynamic encoder first, then head + raw bytes.
 *  - Recursion follows containers only, bounded by the decoder's depth.
 */
#include "unit/cbor_reencode.h"

#include <string.h>

int cbor_reencode_item(ffirt_cbor_dec *d, ffirt_cbor_enc *e) {
  ffirt_cbor_item it;
  int rc;
  for (;;) {
    rc = ffirt_cbor_dec_next(d, &it);
    if (rc) return rc == FFIRT_ENOTFOUND ? FFIRT_EMALFORMED : rc;
    if (it.type != FFIRT_CBOR_TAG) break;
    ffirt_cbor_enc_tag(e, it.u);
  }
  switch (it.type) {
  case FFIRT_CBOR_UINT: return ffirt_cbor_enc_uint(e, it.u);
  case FFIRT_CBOR_NEGATIVE: return ffirt_cbor_enc_negative(e, it.u);
  case FFIRT_CBOR_BYTES:
  case FFIRT_CBOR_TEXT: {
    if (!it.indefinite)
      return it.type == FFIRT_CBOR_BYTES ? ffirt_cbor_enc_bytes(e, it.ptr, it.len)
                                         : ffirt_cbor_enc_text(e, (const char *)it.ptr, it.len);
    uint8_t *tmp = ffirt_malloc(it.len ? it.len : 1);
    if (!tmp) return FFIRT_ENOMEM;
    ffirt_cbor_item_copy_string(&it, tmp);
    rc = it.type == FFIRT_CBOR_BYTES ? ffirt_cbor_enc_bytes(e, tmp, it.len)
                                     : ffirt_cbor_enc_text(e, (const char *)tmp, it.len);
    ffirt_free(tmp);
    return rc;
  }
  case FFIRT_CBOR_ARRAY:
  case FFIRT_CBOR_MAP: {
    int map = it.type == FFIRT_CBOR_MAP;
    if (!it.indefinite) {
      if (map)
        ffirt_cbor_enc_map(e, it.u);
      else
        ffirt_cbor_enc_array(e, it.u);
      while (!ffirt_cbor_dec_at_end(d))
        if ((rc = cbor_reencode_item(d, e))) return rc;
      if ((rc = ffirt_cbor_dec_leave(d))) return rc;
      return e->err;
    }
    ffirt_cbor_enc inner;
    ffirt_cbor_enc_init_dynamic(&inner);
    uint64_t n = 0;
    while (!ffirt_cbor_dec_at_end(d)) {
      if ((rc = cbor_reencode_item(d, &inner))) {
        ffirt_cbor_enc_release(&inner);
        return rc;
      }
      n++;
    }
    rc = ffirt_cbor_dec_leave(d);
    if (!rc) rc = ffirt_cbor_enc_finish(&inner);
    if (!rc) {
      if (map)
        ffirt_cbor_enc_map(e, n / 2);
      else
        ffirt_cbor_enc_array(e, n);
      rc = ffirt_cbor_enc_raw(e, inner.buf, inner.len);
    }
    ffirt_cbor_enc_release(&inner);
    return rc;
  }
  case FFIRT_CBOR_BOOL: return ffirt_cbor_enc_bool(e, (int)it.u);
  case FFIRT_CBOR_NULL: return ffirt_cbor_enc_null(e);
  case FFIRT_CBOR_UNDEFINED: return ffirt_cbor_enc_undefined(e);
  case FFIRT_CBOR_SIMPLE: return ffirt_cbor_enc_simple(e, (uint8_t)it.u);
  case FFIRT_CBOR_FLOAT: return ffirt_cbor_enc_float_shortest(e, it.f);
  default: return FFIRT_EMALFORMED;
  }
}

int cbor_reencode(const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len) {
  ffirt_cbor_dec d;
  ffirt_cbor_enc e;
  ffirt_cbor_dec_init(&d, buf, len);
  ffirt_cbor_enc_init_dynamic(&e);
  int rc = cbor_reencode_item(&d, &e);
  if (!rc && d.pos != d.len) rc = FFIRT_EMALFORMED;
  if (!rc) rc = ffirt_cbor_enc_finish(&e);
  ffirt_cbor_dec_release(&d);
  if (rc) {
    ffirt_cbor_enc_release(&e);
    return rc;
  }
  *out = ffirt_cbor_enc_take(&e, out_len);
  return *out ? 0 : FFIRT_ENOMEM;
}
