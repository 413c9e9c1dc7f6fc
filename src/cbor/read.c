/*
 * read.c - typed readers for generated decoders (ffirt_cbor_read_*).
 *
 * Design notes:
 *  - Each reader parses the next item once (ffirt__dec_head), checks type
 *    and range, and only then consumes it (ffirt__dec_commit). A type or
 *    range mismatch therefore leaves the cursor on the offending item and
 *    the decoder usable; only malformed input is sticky.
 *  - Leading tags are consumed and ignored (RFC 8949 lets a decoder accept a
 *    tagged item where the untagged item is expected).
 *  - The end of the current container or of the input where a value is due
 *    is FFIRT_ETYPE with the reason "expected a value, found the end of the
 *    container", so a generated decoder reports it like a wrong type.
 *  - Copies (text, bytes) are allocated with the ffirt allocator before the
 *    item is consumed; on FFIRT_ENOMEM nothing is consumed or leaked.
 *  - Every error sets *reason (when reason is not NULL) to a static text.
 */
#include "cbor/dec_core.h"

#include <string.h>

static const char R_END[] = "expected a value, found the end of the container";

static inline void set_reason(const char **reason, const char *text) {
  if (reason) *reason = text;
}

/* The next item after any tags, not consumed. */
static inline int head(ffirt_cbor_dec *d, ffirt_cbor_item *it, size_t *end, const char **reason) {
  for (;;) {
    int rc = ffirt__dec_head(d, it, end);
    if (rc) {
      if (rc == FFIRT_ENOTFOUND) {
        set_reason(reason, R_END);
        return FFIRT_ETYPE;
      }
      set_reason(reason, d->err_reason);
      return rc;
    }
    if (it->type != FFIRT_CBOR_TAG) return 0;
    ffirt__dec_commit(d, it, *end);
  }
}

static inline int commit(ffirt_cbor_dec *d, const ffirt_cbor_item *it, size_t end,
                         const char **reason) {
  int rc = ffirt__dec_commit(d, it, end);
  if (rc) set_reason(reason, d->err_reason);
  return rc;
}

static inline int mismatch(const char **reason, const char *text) {
  set_reason(reason, text);
  return FFIRT_ETYPE;
}

static inline int out_of_range(const char **reason) {
  set_reason(reason, "value out of range");
  return FFIRT_ERANGE;
}

int ffirt_cbor_read_int(ffirt_cbor_dec *d, int64_t min, int64_t max, int64_t *out,
                        const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  int64_t v;
  if (it.type == FFIRT_CBOR_UINT) {
    if (it.u > (uint64_t)INT64_MAX) return out_of_range(reason);
    v = (int64_t)it.u;
  } else if (it.type == FFIRT_CBOR_NEGATIVE) {
    if (it.u > (uint64_t)INT64_MAX) return out_of_range(reason);
    v = -1 - (int64_t)it.u;
  } else {
    return mismatch(reason, "expected integer");
  }
  if (v < min || v > max) return out_of_range(reason);
  *out = v;
  return commit(d, &it, end, reason);
}

int ffirt_cbor_read_uint(ffirt_cbor_dec *d, uint64_t max, uint64_t *out, const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  if (it.type == FFIRT_CBOR_NEGATIVE) return out_of_range(reason);
  if (it.type != FFIRT_CBOR_UINT) return mismatch(reason, "expected integer");
  if (it.u > max) return out_of_range(reason);
  *out = it.u;
  return commit(d, &it, end, reason);
}

int ffirt_cbor_read_float(ffirt_cbor_dec *d, double *out, const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  if (it.type != FFIRT_CBOR_FLOAT) return mismatch(reason, "expected float");
  *out = it.f;
  return commit(d, &it, end, reason);
}

int ffirt_cbor_read_bool(ffirt_cbor_dec *d, int *out, const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  if (it.type != FFIRT_CBOR_BOOL) return mismatch(reason, "expected bool");
  *out = (int)it.u;
  return commit(d, &it, end, reason);
}

int ffirt_cbor_read_text(ffirt_cbor_dec *d, char **out, size_t *len, const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  if (it.type != FFIRT_CBOR_TEXT) return mismatch(reason, "expected text string");
  char *s = ffirt_malloc(it.len + 1);
  if (!s) {
    set_reason(reason, "out of memory");
    return FFIRT_ENOMEM;
  }
  ffirt_cbor_item_copy_string(&it, s);
  s[it.len] = '\0';
  *out = s;
  *len = it.len;
  return commit(d, &it, end, reason);
}

int ffirt_cbor_read_bytes(ffirt_cbor_dec *d, uint8_t **out, size_t *len, const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  if (it.type != FFIRT_CBOR_BYTES) return mismatch(reason, "expected byte string");
  uint8_t *p = ffirt_malloc(it.len ? it.len : 1);
  if (!p) {
    set_reason(reason, "out of memory");
    return FFIRT_ENOMEM;
  }
  ffirt_cbor_item_copy_string(&it, p);
  *out = p;
  *len = it.len;
  return commit(d, &it, end, reason);
}

static int read_container(ffirt_cbor_dec *d, ffirt_cbor_type type, size_t *count,
                          const char **reason) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, reason);
  if (rc) return rc;
  if (it.type != type)
    return mismatch(reason, type == FFIRT_CBOR_ARRAY ? "expected array" : "expected map");
  rc = commit(d, &it, end, reason);
  if (rc) return rc;
  *count = it.indefinite ? SIZE_MAX : (size_t)it.u;
  return 0;
}

int ffirt_cbor_read_array(ffirt_cbor_dec *d, size_t *count, const char **reason) {
  return read_container(d, FFIRT_CBOR_ARRAY, count, reason);
}

int ffirt_cbor_read_map(ffirt_cbor_dec *d, size_t *pairs, const char **reason) {
  return read_container(d, FFIRT_CBOR_MAP, pairs, reason);
}

int ffirt_cbor_read_null(ffirt_cbor_dec *d) {
  ffirt_cbor_item it;
  size_t end;
  int rc = head(d, &it, &end, NULL);
  if (rc == FFIRT_ETYPE) return 0; /* end of container: no null here */
  if (rc) return rc;
  if (it.type != FFIRT_CBOR_NULL && it.type != FFIRT_CBOR_UNDEFINED) return 0;
  ffirt__dec_commit(d, &it, end);
  return 1;
}
