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
 *  - Container frames: d->depth entries; the first 16 live inline in the
 *    decoder (d->stack == NULL, so a copied decoder stays self-contained),
 *    deeper ones in an allocation freed by ffirt_cbor_dec_release().
 *    A definite frame counts down the items left (a map counts keys and
 *    values); an indefinite frame counts up the items read, so a break after
 *    a map key is detected. A tag is not an item of its container: the
 *    tagged item is, which is why a tag must be followed by an item.
 *  - Nothing recurses on the input: skip() and leave() walk with the cursor,
 *    so the only bound needed is d->max_depth for the frames.
 */
#include "cbor/cbor_internal.h"

#include <stdio.h>
#include <string.h>

#define INLINE_FRAMES (sizeof(((ffirt_cbor_dec *)0)->inline_stack) / sizeof(ffirt_cbor_frame))

enum { FRAME_DEFINITE = 0, FRAME_INDEF_ARRAY = 1, FRAME_INDEF_MAP = 2 };

static inline ffirt_cbor_frame *frames(ffirt_cbor_dec *d) {
  return d->stack ? d->stack : d->inline_stack;
}

static int fail(ffirt_cbor_dec *d, size_t offset, int code, const char *reason) {
  if (!d->err) {
    d->err = code;
    d->err_offset = offset;
    d->err_reason = reason;
  }
  return d->err;
}

void ffirt_cbor_dec_init(ffirt_cbor_dec *d, const uint8_t *buf, size_t len) {
  d->buf = buf;
  d->len = buf ? len : 0;
  d->pos = 0;
  d->depth = 0;
  d->max_depth = FFIRT_CBOR_DEFAULT_MAX_DEPTH;
  d->stack = NULL;
  d->stack_cap = INLINE_FRAMES;
  d->err = 0;
  d->err_offset = 0;
  d->err_reason = NULL;
  d->err_buf[0] = '\0';
}

int ffirt_cbor_dec_set_max_depth(ffirt_cbor_dec *d, unsigned max_depth) {
  if (max_depth < 1 || max_depth > FFIRT_CBOR_MAX_DEPTH_LIMIT) return FFIRT_EINVAL;
  d->max_depth = max_depth;
  return 0;
}

void ffirt_cbor_dec_release(ffirt_cbor_dec *d) {
  ffirt_free(d->stack);
  d->stack = NULL;
  d->stack_cap = INLINE_FRAMES;
  d->depth = 0;
  d->pos = d->len;
}

/* Parses the argument of a head at b[pos] (ib already read); returns the
 * head size or 0 after recording an error. */
static inline size_t head_arg(ffirt_cbor_dec *d, size_t pos, unsigned ai, uint64_t *v) {
  if (ai < 24) {
    *v = ai;
    return 1;
  }
  if (ai < 28) {
    unsigned n = 1u << (ai - 24);
    if (d->len - pos - 1 < n) {
      fail(d, pos, FFIRT_EMALFORMED, "truncated: the item head needs more bytes");
      return 0;
    }
    *v = ffirt__load_be(d->buf + pos + 1, n);
    return 1 + n;
  }
  fail(d, pos, FFIRT_EMALFORMED, "reserved additional information (28..30)");
  return 0;
}

/* The chunks of an indefinite string at b[p..]: definite strings of the same
 * major type, then a break. Sets it->len and *end. */
static int parse_chunks(ffirt_cbor_dec *d, size_t p, unsigned major, ffirt_cbor_item *it,
                        size_t *end) {
  const uint8_t *b = d->buf;
  size_t total = 0;
  for (;;) {
    if (p >= d->len)
      return fail(d, p, FFIRT_EMALFORMED, "truncated: indefinite-length string without break");
    uint8_t cb = b[p];
    if (cb == 0xff) break;
    if ((unsigned)(cb >> 5) != major || (cb & 31) == 31)
      return fail(d, p, FFIRT_EMALFORMED,
                  "chunk of an indefinite-length string is not a definite string of its type");
    uint64_t n;
    size_t h = head_arg(d, p, cb & 31u, &n);
    if (!h) return d->err;
    if (n > d->len - p - h)
      return fail(d, p, FFIRT_EMALFORMED, "string length exceeds the remaining input");
    if (major == 3 && !ffirt_utf8_valid(b + p + h, (size_t)n))
      return fail(d, p, FFIRT_EMALFORMED, "invalid UTF-8 in text string");
    total += (size_t)n;
    p += h + (size_t)n;
  }
  it->len = total;
  *end = p + 1;
  return 0;
}

/* Parses the item at d->pos (which must not be a break the caller
 * expects). */
static int parse(ffirt_cbor_dec *d, ffirt_cbor_item *it, size_t *end) {
  size_t pos = d->pos;
  const uint8_t *b = d->buf;
  if (pos >= d->len) return fail(d, pos, FFIRT_EMALFORMED, "truncated: expected an item");
  uint8_t ib = b[pos];
  unsigned major = ib >> 5, ai = ib & 31u;
  uint64_t v;
  size_t h;
  it->offset = pos;
  it->indefinite = 0;
  if (ai == 31) {
    switch (major) {
    case 2:
    case 3:
      it->type = major == 2 ? FFIRT_CBOR_BYTES : FFIRT_CBOR_TEXT;
      it->indefinite = 1;
      it->u = 0;
      it->ptr = b + pos + 1;
      return parse_chunks(d, pos + 1, major, it, end);
    case 4:
    case 5:
      it->type = major == 4 ? FFIRT_CBOR_ARRAY : FFIRT_CBOR_MAP;
      it->indefinite = 1;
      it->u = 0;
      *end = pos + 1;
      return 0;
    case 7: return fail(d, pos, FFIRT_EMALFORMED, "break code out of place");
    default:
      return fail(d, pos, FFIRT_EMALFORMED,
                  "indefinite length (additional information 31) on an integer or tag");
    }
  }
  if (!(h = head_arg(d, pos, ai, &v))) return d->err;
  size_t p = pos + h;
  size_t left = d->len - p;
  it->u = v;
  switch (major) {
  case 0: it->type = FFIRT_CBOR_UINT; break;
  case 1: it->type = FFIRT_CBOR_NEGATIVE; break;
  case 2:
  case 3:
    if (v > left)
      return fail(d, pos, FFIRT_EMALFORMED, "string length exceeds the remaining input");
    if (major == 3 && !ffirt_utf8_valid(b + p, (size_t)v))
      return fail(d, pos, FFIRT_EMALFORMED, "invalid UTF-8 in text string");
    it->type = major == 2 ? FFIRT_CBOR_BYTES : FFIRT_CBOR_TEXT;
    it->ptr = b + p;
    it->len = (size_t)v;
    p += (size_t)v;
    break;
  case 4:
    if (v > left) return fail(d, pos, FFIRT_EMALFORMED, "array length exceeds the remaining input");
    it->type = FFIRT_CBOR_ARRAY;
    break;
  case 5:
    if (v > left / 2)
      return fail(d, pos, FFIRT_EMALFORMED, "map length exceeds the remaining input");
    it->type = FFIRT_CBOR_MAP;
    break;
  case 6:
    if (!left) return fail(d, pos, FFIRT_EMALFORMED, "truncated: tag without a tagged item");
    if (b[p] == 0xff) return fail(d, p, FFIRT_EMALFORMED, "break code out of place (after a tag)");
    it->type = FFIRT_CBOR_TAG;
    break;
  default:
    switch (ai) {
    case 20:
    case 21:
      it->type = FFIRT_CBOR_BOOL;
      it->u = ai - 20;
      break;
    case 22: it->type = FFIRT_CBOR_NULL; break;
    case 23: it->type = FFIRT_CBOR_UNDEFINED; break;
    case 24:
      if (v < 32)
        return fail(d, pos, FFIRT_EMALFORMED, "simple value below 32 in the two-byte form");
      it->type = FFIRT_CBOR_SIMPLE;
      break;
    case 25:
      it->type = FFIRT_CBOR_FLOAT;
      it->f = ffirt__half_to_double((uint16_t)v);
      it->u = 2;
      break;
    case 26: {
      uint32_t bits = (uint32_t)v;
      float f;
      memcpy(&f, &bits, sizeof f);
      it->type = FFIRT_CBOR_FLOAT;
      it->f = f;
      it->u = 4;
      break;
    }
    case 27:
      it->type = FFIRT_CBOR_FLOAT;
      memcpy(&it->f, &v, sizeof it->f);
      it->u = 8;
      break;
    default: it->type = FFIRT_CBOR_SIMPLE; break; /* 0..19 */
    }
  }
  *end = p;
  return 0;
}

int ffirt__dec_head(ffirt_cbor_dec *d, ffirt_cbor_item *it, size_t *end) {
  if (d->err) return d->err;
  if (d->depth) {
    const ffirt_cbor_frame *f = &frames(d)[d->depth - 1];
    if (f->indefinite == FRAME_DEFINITE) {
      if (!f->remaining) return FFIRT_ENOTFOUND;
    } else if (d->pos < d->len && d->buf[d->pos] == 0xff) {
      return FFIRT_ENOTFOUND;
    }
  } else if (d->pos >= d->len) {
    return FFIRT_ENOTFOUND;
  }
  return parse(d, it, end);
}

static int push(ffirt_cbor_dec *d, const ffirt_cbor_item *it) {
  if (d->depth >= d->max_depth)
    return fail(d, it->offset, FFIRT_EDEPTH, "nesting deeper than the configured limit");
  if (d->depth >= d->stack_cap) {
    size_t cap = d->stack_cap * 2;
    ffirt_cbor_frame *s;
    if (d->stack) {
      s = ffirt_realloc(d->stack, cap * sizeof *s);
    } else {
      s = ffirt_malloc(cap * sizeof *s);
      if (s) memcpy(s, d->inline_stack, sizeof d->inline_stack);
    }
    if (!s) return fail(d, it->offset, FFIRT_ENOMEM, "out of memory for the container stack");
    d->stack = s;
    d->stack_cap = cap;
  }
  ffirt_cbor_frame *f = &frames(d)[d->depth++];
  int map = it->type == FFIRT_CBOR_MAP;
  if (it->indefinite) {
    f->indefinite = map ? FRAME_INDEF_MAP : FRAME_INDEF_ARRAY;
    f->remaining = 0;
  } else {
    f->indefinite = FRAME_DEFINITE;
    f->remaining = map ? it->u * 2 : it->u;
  }
  return 0;
}

int ffirt__dec_commit(ffirt_cbor_dec *d, const ffirt_cbor_item *it, size_t end) {
  d->pos = end;
  if (it->type == FFIRT_CBOR_TAG) return 0;
  if (d->depth) {
    ffirt_cbor_frame *f = &frames(d)[d->depth - 1];
    if (f->indefinite == FRAME_DEFINITE)
      f->remaining--;
    else
      f->remaining++;
  }
  if (it->type == FFIRT_CBOR_ARRAY || it->type == FFIRT_CBOR_MAP) return push(d, it);
  return 0;
}

int ffirt_cbor_dec_next(ffirt_cbor_dec *d, ffirt_cbor_item *it) {
  size_t end;
  int rc = ffirt__dec_head(d, it, &end);
  if (rc) return rc;
  return ffirt__dec_commit(d, it, end);
}

int ffirt_cbor_dec_peek(ffirt_cbor_dec *d, ffirt_cbor_item *it) {
  size_t end;
  return ffirt__dec_head(d, it, &end);
}

int ffirt_cbor_dec_at_end(ffirt_cbor_dec *d) {
  if (d->err) return 1;
  if (!d->depth) return d->pos >= d->len;
  const ffirt_cbor_frame *f = &frames(d)[d->depth - 1];
  if (f->indefinite == FRAME_DEFINITE) return f->remaining == 0;
  return d->pos < d->len && d->buf[d->pos] == 0xff;
}

int ffirt_cbor_dec_leave(ffirt_cbor_dec *d) {
  if (d->err) return d->err;
  if (!d->depth) return FFIRT_ESTATE;
  while (!ffirt_cbor_dec_at_end(d)) {
    int rc = ffirt_cbor_dec_skip(d);
    if (rc) return rc;
  }
  if (d->err) return d->err;
  const ffirt_cbor_frame *f = &frames(d)[d->depth - 1];
  if (f->indefinite != FRAME_DEFINITE) {
    if (f->indefinite == FRAME_INDEF_MAP && (f->remaining & 1))
      return fail(d, d->pos, FFIRT_EMALFORMED, "break code in place of a map value");
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
