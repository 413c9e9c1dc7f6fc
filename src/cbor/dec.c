/*
 * dec.c - the CBOR decoder: a pull cursor over a borrowed buffer, plus
 * skip/leave/validate and the copy of (indefinite) strings.
 *
 * Design notes:
 *  - The input is borrowed: items point into it (zero-copy strings) and stay
 *    valid as long as the caller keeps the buffer.
 *  - Every item is checked completely when its head is parsed: heads against
 *    the remaining input, string contents (UTF-8, chunk types) before the
 *    item is returned, container counts against the remaining input (an
 *    item takes at least one byte, so n items need n bytes, n pairs 2n) -
 *    so no caller ever allocates from an unchecked length.
 *  - Errors are sticky (d->err, d->err_offset, d->err_reason), reasons are
 *    static strings and the offset is that of the offending head (of the
 *    chunk, for a bad chunk of an indefinite string). FFIRT_ENOTFOUND at the
 *    end of a container is not an error and not sticky.
 *  - Container frames: d->depth entries in d->stack, which points at the 16
 *    inline frames of the decoder until deeper nesting moves them to an
 *    allocation freed by ffirt_cbor_dec_release(). So a decoder in use must
 *    not be copied or moved (like any struct pointing into itself).
 *    Frames count down the items left (a map counts keys and values); an
 *    indefinite frame starts at UINT64_MAX, never reaches 0, and ~remaining
 *    is the count read, so a break after a map key is detected. A tag is not an item of its
 * container: the tagged item is, which is why a tag must be followed by an item.
 *  - Nothing recurses on the input: skip() and leave() walk with the cursor,
 *    so the only bound needed is d->max_depth for the frames.
 *  - The hot path (parsing a head, consuming an item) lives in dec_core.h,
 *    inlined here and into the typed readers; this file keeps the cold
 *    paths (errors, indefinite strings, frame stack growth) out of line.
 */
#include "cbor/dec_core.h"

#include <stdio.h>
#include <string.h>

int ffirt__dec_fail(ffirt_cbor_dec *d, size_t offset, int code, const char *reason) {
  if (!d->err) {
    d->err = code;
    d->err_offset = offset;
    d->err_reason = reason;
  }
  return d->err;
}

size_t ffirt__dec_head_arg_fail(ffirt_cbor_dec *d, size_t pos, unsigned ai) {
  if (ai < 28)
    ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "truncated: the item head needs more bytes");
  else
    ffirt__dec_fail(d, pos, FFIRT_EMALFORMED, "reserved additional information (28..30)");
  return 0;
}

void ffirt_cbor_dec_init(ffirt_cbor_dec *d, const uint8_t *buf, size_t len) {
  d->buf = buf;
  d->len = buf ? len : 0;
  d->pos = 0;
  d->depth = 0;
  d->max_depth = FFIRT_CBOR_DEFAULT_MAX_DEPTH;
  d->stack = d->inline_stack;
  d->stack_cap = FFIRT__INLINE_FRAMES;
  d->err = 0;
  d->err_offset = 0;
  d->err_reason = NULL; /* always a static text */
}

int ffirt_cbor_dec_set_max_depth(ffirt_cbor_dec *d, unsigned max_depth) {
  if (max_depth < 1 || max_depth > FFIRT_CBOR_MAX_DEPTH_LIMIT) return FFIRT_EINVAL;
  d->max_depth = max_depth;
  return 0;
}

void ffirt_cbor_dec_release(ffirt_cbor_dec *d) {
  if (d->stack != d->inline_stack) {
    ffirt_free(d->stack);
    d->stack = d->inline_stack;
    d->stack_cap = FFIRT__INLINE_FRAMES;
  }
  d->depth = 0; /* a released decoder is at the end of its input */
  d->pos = d->len;
}

/* The chunks of an indefinite string at buf[p..]: definite strings of the
 * same major type, then a break. Sets it->len and *end. */
int ffirt__dec_chunks(ffirt_cbor_dec *d, size_t p, unsigned major, ffirt_cbor_item *it,
                      size_t *end) {
  const uint8_t *b = d->buf;
  size_t total = 0;
  for (;;) {
    if (p >= d->len)
      return ffirt__dec_fail(d, p, FFIRT_EMALFORMED,
                             "truncated: indefinite-length string without break");
    uint8_t cb = b[p];
    if (cb == 0xff) break;
    if ((unsigned)(cb >> 5) != major || (cb & 31) == 31)
      return ffirt__dec_fail(
          d, p, FFIRT_EMALFORMED,
          "chunk of an indefinite-length string is not a definite string of its type");
    uint64_t n = 0;
    size_t h = ffirt__dec_head_arg(d, p, cb & 31u, &n);
    if (!h) return d->err;
    if (n > d->len - p - h)
      return ffirt__dec_fail(d, p, FFIRT_EMALFORMED, "string length exceeds the remaining input");
    if (major == 3 && !ffirt_utf8_valid(b + p + h, (size_t)n))
      return ffirt__dec_fail(d, p, FFIRT_EMALFORMED, "invalid UTF-8 in text string");
    total += (size_t)n;
    p += h + (size_t)n;
  }
  it->len = total;
  *end = p + 1;
  return 0;
}

int ffirt__dec_push(ffirt_cbor_dec *d, const ffirt_cbor_item *it) {
  if (d->depth >= d->max_depth)
    return ffirt__dec_fail(d, it->offset, FFIRT_EDEPTH, "nesting deeper than the configured limit");
  if (d->depth >= d->stack_cap) {
    size_t cap = d->stack_cap * 2;
    ffirt_cbor_frame *s;
    if (d->stack != d->inline_stack) {
      s = ffirt_realloc(d->stack, cap * sizeof *s);
    } else {
      s = ffirt_malloc(cap * sizeof *s);
      if (s) memcpy(s, d->inline_stack, sizeof d->inline_stack);
    }
    if (!s)
      return ffirt__dec_fail(d, it->offset, FFIRT_ENOMEM, "out of memory for the container stack");
    d->stack = s;
    d->stack_cap = cap;
  }
  ffirt_cbor_frame *f = &d->stack[d->depth++];
  int map = it->type == FFIRT_CBOR_MAP;
  if (it->indefinite) {
    f->indefinite = map ? FFIRT__FRAME_INDEF_MAP : FFIRT__FRAME_INDEF_ARRAY;
    f->remaining = UINT64_MAX;
  } else {
    f->indefinite = FFIRT__FRAME_DEFINITE;
    f->remaining = map ? it->u * 2 : it->u;
  }
  return 0;
}

/* The general path of ffirt_cbor_dec_next(). */
static FFIRT_NOINLINE int next_general(ffirt_cbor_dec *d, ffirt_cbor_item *it) {
  size_t end;
  int rc = ffirt__dec_head(d, it, &end);
  if (rc) return rc;
  return ffirt__dec_commit(d, it, end);
}

/*
 * Fast path for the common shape of generated payloads: at the top level or
 * inside a definite container, an integer, string, array or map with a head
 * of at most three bytes. Anything else (indefinite, tags, floats, long heads,
 * errors, non-ASCII text, stack growth) takes next_general(), which does the
 * same checks in full. Only tail calls leave the fast path, so it needs no
 * stack frame.
 */
int ffirt_cbor_dec_next(ffirt_cbor_dec *d, ffirt_cbor_item *it) {
  if (FFIRT_UNLIKELY(d->err)) return d->err;
  size_t pos = d->pos;
  ffirt_cbor_frame *f = NULL;
  if (d->depth) {
    f = &d->stack[d->depth - 1];
    if (FFIRT_UNLIKELY(f->indefinite)) return next_general(d, it);
    if (!f->remaining) return FFIRT_ENOTFOUND;
  } else if (pos >= d->len) {
    return FFIRT_ENOTFOUND;
  }
  if (FFIRT_UNLIKELY(pos >= d->len)) return next_general(d, it);
  const uint8_t *b = d->buf;
  unsigned ib = b[pos], ai = ib & 31u;
  uint64_t v;
  size_t p;
  if (ai < 24) {
    v = ai;
    p = pos + 1;
  } else if (ai == 24 && d->len - pos > 1) {
    v = b[pos + 1];
    p = pos + 2;
  } else if (ai == 25 && d->len - pos > 2) {
    v = (uint64_t)b[pos + 1] << 8 | b[pos + 2];
    p = pos + 3;
  } else {
    return next_general(d, it);
  }
  size_t left = d->len - p;
  unsigned major = ib >> 5;
  /* if-chain in order of frequency in generated payloads (keys first) */
  if (major == 3) {
    if (v > left || !ffirt__ascii(b + p, (size_t)v)) return next_general(d, it);
    it->type = FFIRT_CBOR_TEXT;
    it->ptr = b + p;
    it->len = (size_t)v;
    p += (size_t)v;
  } else if (major == 0) {
    it->type = FFIRT_CBOR_UINT;
  } else if (major == 5 || major == 4) {
    int map = major == 5;
    if (v > (map ? left / 2 : left) || d->depth >= d->stack_cap || d->depth >= d->max_depth)
      return next_general(d, it);
    if (f) f->remaining--;
    ffirt_cbor_frame *in = &d->stack[d->depth++];
    in->indefinite = FFIRT__FRAME_DEFINITE;
    in->remaining = map ? v * 2 : v;
    it->type = map ? FFIRT_CBOR_MAP : FFIRT_CBOR_ARRAY;
    it->u = v;
    it->indefinite = 0;
    it->offset = pos;
    d->pos = p;
    return 0;
  } else if (major == 2) {
    if (v > left) return next_general(d, it);
    it->type = FFIRT_CBOR_BYTES;
    it->ptr = b + p;
    it->len = (size_t)v;
    p += (size_t)v;
  } else if (major == 1) {
    it->type = FFIRT_CBOR_NEGATIVE;
  } else {
    return next_general(d, it);
  }
  if (f) f->remaining--;
  it->u = v;
  it->indefinite = 0;
  it->offset = pos;
  d->pos = p;
  return 0;
}

int ffirt_cbor_dec_peek(ffirt_cbor_dec *d, ffirt_cbor_item *it) {
  size_t end;
  return ffirt__dec_head(d, it, &end);
}

int ffirt_cbor_dec_at_end(ffirt_cbor_dec *d) {
  if (d->err) return 1;
  if (!d->depth) return d->pos >= d->len;
  const ffirt_cbor_frame *f = &d->stack[d->depth - 1];
  if (!f->indefinite) return f->remaining == 0;
  return d->pos < d->len && d->buf[d->pos] == 0xff;
}

int ffirt_cbor_dec_leave(ffirt_cbor_dec *d) {
  if (d->err) return d->err;
  if (!d->depth) return FFIRT_ESTATE;
  if (!d->stack[d->depth - 1].indefinite && !d->stack[d->depth - 1].remaining) {
    d->depth--; /* the common case: a definite container read to its end */
    return 0;
  }
  while (!ffirt_cbor_dec_at_end(d)) {
    int rc = ffirt_cbor_dec_skip(d);
    if (rc) return rc;
  }
  if (d->err) return d->err;
  const ffirt_cbor_frame *f = &d->stack[d->depth - 1];
  if (f->indefinite != FFIRT__FRAME_DEFINITE) {
    if (f->indefinite == FFIRT__FRAME_INDEF_MAP && (~f->remaining & 1))
      return ffirt__dec_fail(d, d->pos, FFIRT_EMALFORMED, "break code in place of a map value");
    d->pos++;
  }
  d->depth--;
  return 0;
}

int ffirt_cbor_dec_skip(ffirt_cbor_dec *d) {
  unsigned base = d->depth;
  ffirt_cbor_item it;
  for (;;) {
    if (d->depth > base && ffirt_cbor_dec_at_end(d)) {
      int rc = ffirt_cbor_dec_leave(d);
      if (rc) return rc;
      if (d->depth == base) return 0;
      continue;
    }
    int rc = ffirt_cbor_dec_next(d, &it);
    if (rc) return rc;
    if (it.type != FFIRT_CBOR_TAG && d->depth == base) return 0;
  }
}

int ffirt_cbor_validate(const uint8_t *buf, size_t len, unsigned max_depth, size_t *err_offset,
                        const char **err_reason) {
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, buf, len);
  if (max_depth && ffirt_cbor_dec_set_max_depth(&d, max_depth)) {
    if (err_offset) *err_offset = 0;
    if (err_reason) *err_reason = "max_depth out of range";
    return FFIRT_EINVAL;
  }
  int rc = ffirt_cbor_dec_skip(&d);
  size_t off = d.err_offset;
  const char *reason = d.err_reason;
  if (rc == FFIRT_ENOTFOUND) {
    rc = FFIRT_EMALFORMED;
    off = 0;
    reason = "truncated: empty input";
  } else if (rc == 0 && d.pos != d.len) {
    rc = FFIRT_EMALFORMED;
    off = d.pos;
    reason = "trailing bytes after the item";
  }
  ffirt_cbor_dec_release(&d);
  if (err_offset) *err_offset = rc ? off : 0;
  if (err_reason) *err_reason = rc ? reason : NULL;
  return rc;
}

size_t ffirt__cbor_chunk(const uint8_t *p, const uint8_t **data, size_t *n) {
  if (*p == 0xff) return 0;
  unsigned ai = *p & 31u;
  size_t h = 1;
  uint64_t v = ai;
  if (ai >= 24) {
    unsigned k = 1u << (ai - 24);
    v = ffirt__load_be(p + 1, k);
    h += k;
  }
  *data = p + h;
  *n = (size_t)v;
  return h + (size_t)v;
}

void ffirt_cbor_item_copy_string(const ffirt_cbor_item *it, void *dst) {
  if (!it->len) return;
  if (!it->indefinite) {
    memcpy(dst, it->ptr, it->len);
    return;
  }
  uint8_t *out = dst;
  const uint8_t *p = it->ptr, *data;
  size_t n, step;
  while ((step = ffirt__cbor_chunk(p, &data, &n))) {
    if (n) memcpy(out, data, n);
    out += n;
    p += step;
  }
}

const char *ffirt_cbor_dec_error(const ffirt_cbor_dec *d, char *buf, size_t size) {
  if (!buf || !size) return buf;
  if (!d->err)
    snprintf(buf, size, "no error");
  else
    snprintf(buf, size, "offset %zu: %s", d->err_offset,
             d->err_reason ? d->err_reason : ffirt_strerror(d->err));
  return buf;
}
