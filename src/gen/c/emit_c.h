/*
 * emit_c.h - what the C emitters (glue, host header, CBOR host header)
 * share: the analysed model (every C struct the codecs handle, in definition
 * order), the types block, and the codec walkers.
 *
 * Design notes:
 *  - ffirt__gen_c_analyse builds one gen_c per emitter run from the checked
 *    model; it never changes the model.
 *  - A "named type" (gen_nt) is every C type a generated function works on:
 *    IDL structs (including synthesized event payloads), boxes (naming.h),
 *    per-procedure argument structs (glue only) and enums.
 *  - The codec walkers are flavoured (gen_flavor): the same walker writes
 *    the glue's codec (ffirt runtime calls, ffirt allocator) and the CBOR
 *    host header's (embedded static inline helpers, libc allocator), so the
 *    two sides of the wire cannot drift. Native deep copy and free are one
 *    walker with an op switch at the leaves.
 */
#ifndef FFIRT_GEN_EMIT_C_H
#define FFIRT_GEN_EMIT_C_H

#include "ffirt/cbor.h"
#include "ir.h"
#include "naming.h"
#include "writer.h"

typedef enum gen_nt_kind { NT_STRUCT, NT_BOX, NT_ARGS, NT_ENUM } gen_nt_kind;

/* Operations a named type needs in one output (bit set). */
enum { OP_COPY = 1, OP_FREE = 2, OP_ENC = 4, OP_DEC = 8, OP_CHECK = 16 };

/* How many levels of recursive structs a native value may nest before the
 * copy, check and encode walkers refuse it (FFIRT_EDEPTH), the same number
 * as the CBOR decoder's default nesting limit. */
#define GEN_MAX_NATIVE_DEPTH FFIRT_CBOR_DEFAULT_MAX_DEPTH

/* One stored slot of a named type: a field, a parameter or a box member. */
typedef struct gen_field {
  const char *name;
  const ffirt__gen_type *type;
  int boxed; /* stored as one box object (seq/optional parameters) */
  const ffirt__gen_doc *doc;
} gen_field;

typedef struct gen_nt {
  gen_nt_kind kind;
  const char *cname; /* the C type */
  const char *stem;  /* function name stem: Point, seq_i64, echo_args */
  const ffirt__gen_struct *s;
  const ffirt__gen_type *type; /* BOX */
  const ffirt__gen_proc *proc; /* ARGS */
  const ffirt__gen_enum *e;    /* ENUM */
  gen_field *fields;
  size_t nfields;
  unsigned ops;
  int has_ptr;   /* owns memory: needs a deep copy and a free */
  int has_enum;  /* holds an enum: a native copy checks its values */
  int recursive; /* a struct that can contain itself (through a seq): its
                    walkers count their depth and stop at
                    GEN_MAX_NATIVE_DEPTH, so deep or cyclic graphs end */
  int state;     /* ordering scratch */
  int seen;      /* reachability scratch */
} gen_nt;

typedef struct gen_c {
  const ffirt__gen_model *m;
  const char *lib;
  ffirt__gen_names names;
  gen_nt **nts; /* each allocated on its own: pointers stay valid */
  size_t count, cap;
  gen_nt **order; /* structs and boxes in definition order */
  size_t norder;
  int oom;
} gen_c;

/* Analyses m (with_args: also make the per-procedure argument structs). 0 or
 * -1 (out of memory, message printed). Free with ffirt__gen_c_free. */
int ffirt__gen_c_analyse(gen_c *g, const ffirt__gen_model *m, int with_args);
void ffirt__gen_c_free(gen_c *g);

gen_nt *ffirt__gen_c_struct(gen_c *g, const char *name);
gen_nt *ffirt__gen_c_box(gen_c *g, const ffirt__gen_type *t);
gen_nt *ffirt__gen_c_enum(gen_c *g, const char *name);
gen_nt *ffirt__gen_c_args(gen_c *g, const ffirt__gen_proc *p);
/* The named type a value of t is stored as (struct, enum or box), or NULL
 * for scalars, strings and bytes. */
gen_nt *ffirt__gen_c_named(gen_c *g, const ffirt__gen_type *t);
int ffirt__gen_c_has_ptr(gen_c *g, const ffirt__gen_type *t);
int ffirt__gen_c_has_enum(gen_c *g, const ffirt__gen_type *t);

/* Clears every op mark, then marks ops on the type of t and everything it
 * reaches. */
void ffirt__gen_c_clear_ops(gen_c *g);
void ffirt__gen_c_mark(gen_c *g, const ffirt__gen_type *t, unsigned ops);
void ffirt__gen_c_mark_nt(gen_c *g, gen_nt *nt, unsigned ops);

/* The C type of a value of t as a parameter of a native export / request
 * encoder (flattened like a field): writes "<type> name" (and ", size_t
 * name_len" or "int name_present, " as the layout needs). */
const char *ffirt__gen_c_param(gen_c *g, const ffirt__gen_type *t, const char *name);
/* The `_impl` / `_ok` / emitter form: scalars and enums by value, string
 * const char *, bytes (const uint8_t *, size_t), the rest by const pointer. */
const char *ffirt__gen_c_borrowed(gen_c *g, const ffirt__gen_type *t, const char *name);
/* The argument expression passing slot `expr` (a stored value of t) in the
 * borrowed form above. */
const char *ffirt__gen_c_borrowed_arg(gen_c *g, const ffirt__gen_type *t, const char *expr);

/* Writes the guarded types block (constants, enums, boxes, structs) that
 * <lib>.h and <lib>_cbor.h share. */
void ffirt__gen_c_types_block(gen_c *g, ffirt__gen_writer *w);
/* Writes the field declarations of one slot ("int64_t *x; size_t x_len;"). */
void ffirt__gen_c_field_decl(gen_c *g, ffirt__gen_writer *w, const gen_field *f);
/* Writes the verbatim FFIRT_ABI_TYPES_DEFINED block of include/ffirt/abi.h. */
void ffirt__gen_c_abi_block(ffirt__gen_writer *w);
/* The typed-callback and blocking forms of a method or static (<lib>.h
 * declares them, the glue defines them): the <lib>_<p>_reply_cb typedef's
 * parameters, the three signatures, and "" for a result without memory to
 * free (no _result_free then). */
const char *ffirt__gen_c_reply_cb_params(gen_c *g, const ffirt__gen_proc *p);
const char *ffirt__gen_c_sig_typed(gen_c *g, const ffirt__gen_proc *p);
const char *ffirt__gen_c_sig_wait(gen_c *g, const ffirt__gen_proc *p);
/* The first statements of a blocking form's body (both the library's and
 * the remote library's): refuse a NULL `out` (or `out_len` for bytes) with
 * the error text, else clear the caller's result. Nothing for void. */
void ffirt__gen_c_wait_out_check(gen_c *g, ffirt__gen_writer *w, const ffirt__gen_proc *p);
const char *ffirt__gen_c_sig_result_free(gen_c *g, const ffirt__gen_proc *p);
/* Writes the guarded ABI-check block that <lib>.h and <lib>_cbor.h share:
 * <LIB>_ABI_FINGERPRINT, <lib>_abi_fingerprint(), <LIB>_CHECK_ABI(). Needs
 * <stdio.h> and <stdint.h>. */
void ffirt__gen_c_abi_check_block(gen_c *g, ffirt__gen_writer *w);

/* --------------------------------------------------------------- codecs */

typedef struct gen_flavor {
  const char *fn;      /* prefix of generated codec functions: "" or "<lib>__" */
  const char *storage; /* "static " or "static inline " */
  const char *enc_t;   /* encoder type */
  const char *enc;     /* encoder call prefix: "ffirt_cbor_enc_" */
  const char *dec_t;   /* decoder type */
  const char *h;       /* helper prefix: "" or "<lib>__" */
  const char *calloc_fn;
  const char *free_fn;
  int cplusplus;  /* output must also compile as C++ (casts from void *) */
  const char *ev; /* the encoder variable of encode statements ("e") */
  const char *iv; /* their loop variable ("i") */
} gen_flavor;

/* Writes prototypes, then definitions, of every op marked on every named
 * type (copy/free/enc/dec). */
void ffirt__gen_c_codecs(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl);
/* Writes the statements encoding a map of fields whose slots are
 * <prefix><name> (prefix "v->" for a struct, "" for parameters). */
void ffirt__gen_c_enc_map(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl,
                          const gen_field *fields, size_t n, const char *prefix);
/* Writes the statements encoding one value of t stored at lvalue expr
 * (flattened slot: expr_len / expr_present siblings). */
void ffirt__gen_c_enc_value(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl,
                            const ffirt__gen_type *t, int boxed, const char *expr);
/* Writes statements decoding one value of t into lvalue lv; a failure
 * prepends name (a C string literal, or NULL for none) to the error path. */
void ffirt__gen_c_dec_value(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl,
                            const ffirt__gen_type *t, int boxed, const char *lv, const char *name);

#endif /* FFIRT_GEN_EMIT_C_H */

/* ------------------------------------------------------ export signatures */

/* The parameter list of p's native export after ctx/cb/ud ("" when none,
 * else ", T a, ..."). */
const char *ffirt__gen_c_native_params(gen_c *g, const ffirt__gen_proc *p);
/* Full prototypes (no trailing ';') of the exports of abi.md 2. */
const char *ffirt__gen_c_sig_native(gen_c *g, const ffirt__gen_proc *p);
const char *ffirt__gen_c_sig_cbor(gen_c *g, const ffirt__gen_proc *p);
/* The C type of an event's payload as its typed listeners see it (const T
 * *), and the handler-table slot / typed listener function type. */
const char *ffirt__gen_c_event_ctype(gen_c *g, const ffirt__gen_event *ev);
/* Writes a doc block: the IDL doc lines followed by extra lines. */
void ffirt__gen_c_doc(ffirt__gen_writer *w, const ffirt__gen_doc *doc, const char *const *extra,
                      size_t nextra);
/* Writes the #error that stops <lib>.h or <lib>_cbor.h (file) included after
 * the C++ binding <lib>.hpp, which declared the C layout in its namespace. */
void ffirt__gen_c_cpp_order_check(gen_c *g, ffirt__gen_writer *w, const char *file);
/* Writes the file banner comment. */
void ffirt__gen_c_banner(gen_c *g, ffirt__gen_writer *w, const char *file, const char *what);

/* Rewraps a finished buffer toward the repo's clang-format style (long lines,
 * one-line short functions); moves whitespace only. */
void ffirt__gen_c_tidy(ffirt__gen_writer *w);
