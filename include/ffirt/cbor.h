/*
 * ffirt/cbor.h - the CBOR codec (RFC 8949) of every _cbor export and event.
 *
 * Encoder: writes definite lengths and shortest-form heads, into a caller
 * buffer (fixed) or a growable buffer (dynamic). Errors are sticky: encode a
 * whole item, then check ffirt_cbor_enc_finish() once. A fixed encoder that
 * runs out of room keeps counting, so ffirt_cbor_enc_size() reports the size
 * that would have been needed.
 *
 * Decoder: a pull cursor over a borrowed buffer. ffirt_cbor_dec_next() reads
 * one item head; arrays and maps are entered by it (the next calls read their
 * members until ffirt_cbor_dec_at_end()), ffirt_cbor_dec_leave() finishes the
 * innermost container. Definite strings are zero-copy (pointers into the
 * input); indefinite strings are validated whole and can be copied with
 * ffirt_cbor_item_copy_string(). Every malformation is reported with the byte
 * offset and a reason, lengths are checked against the remaining input before
 * anything is allocated, and nesting is bounded.
 *
 * Thread-safety: an encoder or decoder object is used by one thread at a
 * time; the functions keep no global state (allocation goes through the
 * ffirt allocator). All may be called from callbacks.
 */
#ifndef FFIRT_CBOR_H
#define FFIRT_CBOR_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- encoder */

typedef struct ffirt_cbor_enc {
  uint8_t *buf;   /* output; owned by the encoder when dynamic */
  size_t cap;     /* bytes available in buf */
  size_t len;     /* bytes needed so far (may exceed cap for a fixed buffer) */
  int dynamic;    /* 1 when buf grows through the ffirt allocator */
  int err;        /* first error (sticky), 0 if none */
  unsigned depth; /* for the caller: generated encoders of recursive types
                     count their nesting here (0 after init) */
} ffirt_cbor_enc;

/* Encode into buf[0..cap) (buf may be NULL when cap == 0, to size an item). */
void ffirt_cbor_enc_init(ffirt_cbor_enc *e, uint8_t *buf, size_t cap);
/* Encode into a growable buffer; release with ffirt_cbor_enc_release() or
 * take the bytes with ffirt_cbor_enc_take(). */
void ffirt_cbor_enc_init_dynamic(ffirt_cbor_enc *e);

/* Makes room for n more bytes in one step, so that an encoder whose final
 * size is known (e.g. from a first attempt into a fixed buffer, see
 * ffirt_cbor_enc_size) allocates once instead of growing by doubling.
 * Returns 0, FFIRT_ENOSPC (fixed buffer too small) or FFIRT_ENOMEM; neither
 * is sticky (the writers still grow the buffer or fail on their own). */
int ffirt_cbor_enc_reserve(ffirt_cbor_enc *e, size_t n);

/* Each writer returns e->err after the write (0 while all is well). */
int ffirt_cbor_enc_uint(ffirt_cbor_enc *e, uint64_t v);
int ffirt_cbor_enc_int(ffirt_cbor_enc *e, int64_t v);
/* Major type 1 with argument n, i.e. the value -1 - n (full negative range). */
int ffirt_cbor_enc_negative(ffirt_cbor_enc *e, uint64_t n);
int ffirt_cbor_enc_bytes(ffirt_cbor_enc *e, const void *p, size_t n);
/* Text the caller knows is valid UTF-8 (keys, wire names): not checked
 * (decoders do). */
int ffirt_cbor_enc_text(ffirt_cbor_enc *e, const char *s, size_t n);
/* NUL-terminated text from native code; NULL encodes as "". Checked: text
 * that is not valid UTF-8 writes nothing and sets the sticky error
 * FFIRT_EMALFORMED (a strict decoder would reject the item). */
int ffirt_cbor_enc_text_z(ffirt_cbor_enc *e, const char *s);
int ffirt_cbor_enc_array(ffirt_cbor_enc *e, uint64_t count);
int ffirt_cbor_enc_map(ffirt_cbor_enc *e, uint64_t pairs);
int ffirt_cbor_enc_tag(ffirt_cbor_enc *e, uint64_t tag);
int ffirt_cbor_enc_bool(ffirt_cbor_enc *e, int v);
int ffirt_cbor_enc_null(ffirt_cbor_enc *e);
int ffirt_cbor_enc_undefined(ffirt_cbor_enc *e);
int ffirt_cbor_enc_simple(ffirt_cbor_enc *e, uint8_t v); /* 0..23, 32..255 */
/* f16 from its raw IEEE half bits; f32 and f64 as given. */
int ffirt_cbor_enc_f16_bits(ffirt_cbor_enc *e, uint16_t half);
int ffirt_cbor_enc_f32(ffirt_cbor_enc *e, float v);
int ffirt_cbor_enc_f64(ffirt_cbor_enc *e, double v);
/* Shortest float that represents v exactly (f16, f32 or f64), as RFC 8949
 * preferred serialization. */
int ffirt_cbor_enc_float_shortest(ffirt_cbor_enc *e, double v);
/* Appends raw, already-encoded CBOR. */
int ffirt_cbor_enc_raw(ffirt_cbor_enc *e, const void *p, size_t n);

/* Total bytes the item(s) need (also after FFIRT_ENOSPC). */
size_t ffirt_cbor_enc_size(const ffirt_cbor_enc *e);
/* 0, FFIRT_ENOSPC (fixed buffer too small: see ffirt_cbor_enc_size) or
 * FFIRT_ENOMEM (dynamic growth failed). */
int ffirt_cbor_enc_finish(const ffirt_cbor_enc *e);
/* Dynamic only: hands the buffer to the caller (free with ffirt_free) and
 * resets the encoder. Returns NULL on error, with *len = 0. An empty output
 * returns a valid one-byte allocation with *len = 0. */
uint8_t *ffirt_cbor_enc_take(ffirt_cbor_enc *e, size_t *len);
/* Dynamic only: frees the buffer. Safe on a fixed encoder (no-op). */
void ffirt_cbor_enc_release(ffirt_cbor_enc *e);

/* ---------------------------------------------------------------- decoder */

typedef enum ffirt_cbor_type {
  FFIRT_CBOR_UINT = 0, /* value in u */
  FFIRT_CBOR_NEGATIVE, /* value is -1 - u */
  FFIRT_CBOR_BYTES,    /* ptr/len (see indefinite) */
  FFIRT_CBOR_TEXT,     /* ptr/len, UTF-8 validated */
  FFIRT_CBOR_ARRAY,    /* u = count (when !indefinite); entered */
  FFIRT_CBOR_MAP,      /* u = pairs (when !indefinite); entered */
  FFIRT_CBOR_TAG,      /* u = tag number; the tagged item follows */
  FFIRT_CBOR_BOOL,     /* u = 0 or 1 */
  FFIRT_CBOR_NULL,
  FFIRT_CBOR_UNDEFINED,
  FFIRT_CBOR_SIMPLE, /* other simple values, u = value */
  FFIRT_CBOR_FLOAT   /* f (widened), u = width in bytes: 2, 4 or 8 */
} ffirt_cbor_type;

typedef struct ffirt_cbor_item {
  ffirt_cbor_type type;
  int indefinite;     /* strings and containers of indefinite length */
  uint64_t u;         /* see ffirt_cbor_type */
  double f;           /* FFIRT_CBOR_FLOAT */
  const uint8_t *ptr; /* strings: definite = the bytes; indefinite = the
                         first chunk head (use ffirt_cbor_item_copy_string) */
  size_t len;         /* strings: total length in bytes (all chunks) */
  size_t offset;      /* byte offset of the item's head in the input */
} ffirt_cbor_item;

#define FFIRT_CBOR_DEFAULT_MAX_DEPTH 64
#define FFIRT_CBOR_MAX_DEPTH_LIMIT 1024

typedef struct ffirt_cbor_frame {
  uint64_t remaining; /* items left (a map counts keys and values) */
  int indefinite;
} ffirt_cbor_frame;

/* A decoder points into itself (stack = inline_stack while nesting is
 * shallow): do not copy or move one between init and release. */
typedef struct ffirt_cbor_dec {
  const uint8_t *buf;
  size_t len;
  size_t pos;
  unsigned depth;          /* containers entered */
  unsigned max_depth;      /* default FFIRT_CBOR_DEFAULT_MAX_DEPTH */
  ffirt_cbor_frame *stack; /* depth frames; inline up to 16, else allocated */
  ffirt_cbor_frame inline_stack[16];
  size_t stack_cap;
  int err;                /* first error (sticky), 0 if none */
  size_t err_offset;      /* byte offset where the error was found */
  const char *err_reason; /* static text, e.g. "truncated: need 4 more bytes" */
} ffirt_cbor_dec;

/* Starts a cursor over buf[0..len) (borrowed until the last use). */
void ffirt_cbor_dec_init(ffirt_cbor_dec *d, const uint8_t *buf, size_t len);
/* Sets the nesting limit (1..FFIRT_CBOR_MAX_DEPTH_LIMIT); FFIRT_EINVAL else. */
int ffirt_cbor_dec_set_max_depth(ffirt_cbor_dec *d, unsigned max_depth);
/* Frees a grown container stack. Always call when done (cheap). */
void ffirt_cbor_dec_release(ffirt_cbor_dec *d);

/*
 * Reads the next item at the cursor into *it. Arrays and maps are entered;
 * tags are returned as their own item (the tagged item is next). Returns 0,
 * FFIRT_ENOTFOUND at the end of the current container or of the input
 * (not an error, not sticky), or a sticky FFIRT_EMALFORMED / FFIRT_EDEPTH.
 */
int ffirt_cbor_dec_next(ffirt_cbor_dec *d, ffirt_cbor_item *it);
/* Like next, but does not consume (containers are not entered). */
int ffirt_cbor_dec_peek(ffirt_cbor_dec *d, ffirt_cbor_item *it);
/* 1 when the innermost container (or the top level) has no more items. */
int ffirt_cbor_dec_at_end(ffirt_cbor_dec *d);
/* Skips the rest of the innermost container, consumes its end. */
int ffirt_cbor_dec_leave(ffirt_cbor_dec *d);
/* Skips one whole item at the cursor (with its tags and contents). */
int ffirt_cbor_dec_skip(ffirt_cbor_dec *d);
/* Checks that the whole input is exactly one well-formed item. */
int ffirt_cbor_validate(const uint8_t *buf, size_t len, unsigned max_depth, size_t *err_offset,
                        const char **err_reason);

/* Copies a string item's bytes (all chunks) into dst (it->len bytes). */
void ffirt_cbor_item_copy_string(const ffirt_cbor_item *it, void *dst);

/*
 * Typed readers for generated decoders. Each skips leading tags, reads one
 * item and checks its type and range. On a mismatch they return
 * FFIRT_ETYPE ("expected integer") or FFIRT_ERANGE ("value out of range")
 * without making the decoder sticky-failed, and *reason gets a static text;
 * malformed input returns FFIRT_EMALFORMED (sticky, see d->err_reason).
 * A mismatched item is not consumed. Where the container (or the input)
 * ends instead, they return FFIRT_ETYPE with "expected a value, found the
 * end of the container". reason may be NULL.
 */
int ffirt_cbor_read_int(ffirt_cbor_dec *d, int64_t min, int64_t max, int64_t *out,
                        const char **reason);
int ffirt_cbor_read_uint(ffirt_cbor_dec *d, uint64_t max, uint64_t *out, const char **reason);
/* Any float width; integers are not accepted where a float is due. */
int ffirt_cbor_read_float(ffirt_cbor_dec *d, double *out, const char **reason);
int ffirt_cbor_read_bool(ffirt_cbor_dec *d, int *out, const char **reason);
/* Allocates (ffirt allocator) a NUL-terminated copy; *len excludes the NUL. */
int ffirt_cbor_read_text(ffirt_cbor_dec *d, char **out, size_t *len, const char **reason);
/* Allocates a copy (a 1-byte allocation when empty, never NULL on success). */
int ffirt_cbor_read_bytes(ffirt_cbor_dec *d, uint8_t **out, size_t *len, const char **reason);
/* Enters an array/map; *count = items/pairs or SIZE_MAX when indefinite.
 * Iterate with ffirt_cbor_dec_at_end(), finish with ffirt_cbor_dec_leave(). */
int ffirt_cbor_read_array(ffirt_cbor_dec *d, size_t *count, const char **reason);
int ffirt_cbor_read_map(ffirt_cbor_dec *d, size_t *pairs, const char **reason);
/* 1 when the next item (after tags) is null or undefined, consuming it;
 * 0 otherwise (nothing consumed but tags); negative on malformed input. */
int ffirt_cbor_read_null(ffirt_cbor_dec *d);

/* Writes "offset N: reason" for the sticky error into buf. Returns buf. */
const char *ffirt_cbor_dec_error(const ffirt_cbor_dec *d, char *buf, size_t size);

/* 1 when p[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
int ffirt_utf8_valid(const uint8_t *p, size_t n);

/*
 * The length of the longest prefix of s[0..n) that is at most max bytes,
 * ends at a character boundary and is valid UTF-8 (it stops before the
 * first byte that does not start a valid character). For quoting user text
 * in error messages: `"%.*s", (int)ffirt_utf8_cut(s, n, 64), s`.
 */
size_t ffirt_utf8_cut(const char *s, size_t n, size_t max);

/*
 * Copies src[0..n) into dst (cap bytes, cap >= 1) as valid UTF-8: each
 * maximal invalid subpart (a byte that starts no valid character, or a
 * truncated sequence) becomes U+FFFD (EF BF BD). Cuts at a character
 * boundary when it does not fit; always NUL-terminates. Returns the length
 * written (without the NUL).
 */
size_t ffirt_utf8_sanitize(char *dst, size_t cap, const char *src, size_t n);

/*
 * Writes RFC 8949 diagnostic notation of one item (e.g.
 * {"eventType": "on_echo_fired", "payload": {"message": "hi"}}) into a
 * dynamic NUL-terminated string (free with ffirt_free). Returns 0 or an
 * FFIRT_E* code.
 */
int ffirt_cbor_to_diag(const uint8_t *buf, size_t len, char **out);

#ifdef __cplusplus
}
#endif

#endif /* FFIRT_CBOR_H */
