/*
 * naming.h - the naming rules of generated C code, in one place.
 *
 * Every emitter (and check.c, for ffirt__gen_type.cname) takes C names from
 * here, so a name changes in one place for every output.
 *
 * Design notes:
 *  - Names are built into a pool (ffirt__gen_names) owned by the caller and
 *    freed at once; they stay valid until ffirt__gen_names_free. Out of
 *    memory is sticky (pool->oom) and the functions then return "".
 *  - Box rule: a value that must be one C object but whose native layout
 *    is several fields (a seq, an optional, or bytes as a seq element) gets
 *    a generated "box" struct named <lib>_<slug> (kitchen_sink_opt_string).
 *    A box has one member laid out by the field rules of abi.md 5: `items`
 *    (seq: T *items; size_t items_len), `value` (optional: int
 *    value_present; T value) or `data` (bytes: uint8_t *data; size_t
 *    data_len). Boxes are used for nested containers, and for seq/optional
 *    parameters, results and event payloads (their "native form").
 */
#ifndef FFIRT_GEN_NAMING_H
#define FFIRT_GEN_NAMING_H

#include <stddef.h>

#include "ir.h"

typedef struct ffirt__gen_names {
  char **items;
  size_t count, cap;
  int oom;
} ffirt__gen_names;

void ffirt__gen_names_init(ffirt__gen_names *n);
void ffirt__gen_names_free(ffirt__gen_names *n);
/* A formatted string owned by the pool. */
const char *ffirt__gen_fmt(ffirt__gen_names *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* C type of a scalar kind ("int" for bool, "int64_t", "double"); NULL for
 * string, bytes, containers, structs and enums. */
const char *ffirt__gen_scalar_ctype(ffirt__gen_kind k);
/* IDL spelling of a scalar kind ("i64"), also "string" and "bytes". */
const char *ffirt__gen_kind_name(ffirt__gen_kind k);
/* 1 for the integer kinds (bool excluded), signed or not. */
int ffirt__gen_kind_is_int(ffirt__gen_kind k);
int ffirt__gen_kind_is_signed(ffirt__gen_kind k);

/* Slug of a type inside box names: i64, string, bytes, Point, Color,
 * opt_string, seq_i64, seq_opt_string. */
const char *ffirt__gen_slug(ffirt__gen_names *n, const ffirt__gen_type *t);
/* Name of the box struct of a SEQ, OPTIONAL or BYTES type: <lib>_<slug>. */
const char *ffirt__gen_box_name(ffirt__gen_names *n, const char *lib, const ffirt__gen_type *t);
/* Member name inside a box: "items", "value" or "data". */
const char *ffirt__gen_box_member(const ffirt__gen_type *t);
/* 1 when elem, as the element of container kind `of` (GEN_SEQ or
 * GEN_OPTIONAL), is stored as a box. */
int ffirt__gen_elem_is_boxed(ffirt__gen_kind of, const ffirt__gen_type *elem);
/* C type of one stored object of t: scalars, "const char *", struct and enum
 * names; box names for seq, optional and bytes. */
const char *ffirt__gen_value_ctype(ffirt__gen_names *n, const char *lib, const ffirt__gen_type *t);

/* Payload struct of a multi-parameter event: PascalCase(wire) + "Payload". */
const char *ffirt__gen_payload_name(ffirt__gen_names *n, const char *wire);
/* Upper-cased identifier (include guards): my_timer -> MY_TIMER. */
const char *ffirt__gen_upper(ffirt__gen_names *n, const char *s);

/* Prefix of every file-local name of <lib>_ffi.c: "<lib>__ffi_". Distinct
 * from the "<lib>__" internals of <lib>_cbor.h (none starts with "ffi_"), so
 * the glue and the CBOR host header can share a translation unit. */
const char *ffirt__gen_glue_prefix(ffirt__gen_names *n, const char *lib);
/* IDL text as a C string literal, quotes included: C escapes for '"', '\\'
 * and controls, octal escapes for other bytes outside printable ASCII (UTF-8
 * stays byte-exact), "\?" breaking every "??" (no trigraph). */
const char *ffirt__gen_c_string(ffirt__gen_names *n, const char *s);
/* IDL text made safe inside a C block comment: no comment end or start
 * ("* /", "/ *"), no control characters, no "??/" line splice. */
const char *ffirt__gen_c_comment(ffirt__gen_names *n, const char *s);
/* The file name of a path (generated text never names the directory, so
 * outputs do not depend on where the checkout is). Borrowed from path. */
const char *ffirt__gen_base_name(const char *path);

#endif /* FFIRT_GEN_NAMING_H */
