/*
 * ir.h - the typed model of one IDL file (the generator's IR).
 *
 * Design notes:
 *  - The parser (parse.c) builds it, check.c validates and resolves it, and
 *    every emitter (emit_*.c) reads it only; emitters never look at tokens.
 *  - All memory of one model lives in its arena (ffirt__gen_model_free
 *    frees it all). Strings in the model are NUL-terminated arena copies.
 *  - Lists keep declaration order (it is the native layout and the wire
 *    order); emitters must not reorder.
 *  - After a successful check every ffirt__gen_type of kind STRUCT/ENUM has
 *    `decl` resolved, every struct has `depth_order` set so that a struct
 *    appears after every struct it embeds by value, and every nested
 *    container type has a `cname` (its generated native struct name).
 */
#ifndef FFIRT_GEN_IR_H
#define FFIRT_GEN_IR_H

#include <stddef.h>
#include <stdint.h>

typedef struct ffirt__gen_loc {
  const char *file;
  int line; /* 1-based */
  int col;  /* 1-based */
} ffirt__gen_loc;

typedef enum ffirt__gen_kind {
  GEN_BOOL,
  GEN_I8,
  GEN_I16,
  GEN_I32,
  GEN_I64,
  GEN_U8,
  GEN_U16,
  GEN_U32,
  GEN_U64,
  GEN_F32,
  GEN_F64,
  GEN_STRING,
  GEN_BYTES,
  GEN_SEQ,      /* elem */
  GEN_OPTIONAL, /* elem */
  GEN_STRUCT,   /* name, decl */
  GEN_ENUM      /* name, decl */
} ffirt__gen_kind;

typedef struct ffirt__gen_struct ffirt__gen_struct;
typedef struct ffirt__gen_enum ffirt__gen_enum;

typedef struct ffirt__gen_type {
  ffirt__gen_kind kind;
  struct ffirt__gen_type *elem; /* SEQ, OPTIONAL */
  const char *name;             /* STRUCT, ENUM: the referenced name */
  ffirt__gen_struct *sdecl;     /* STRUCT, after check */
  ffirt__gen_enum *edecl;       /* ENUM, after check */
  /* Containers that cannot be written inline need a named native struct;
   * check.c sets cname on every SEQ/OPTIONAL type that is
   *  - the elem of another SEQ/OPTIONAL (seq<optional<string>>: the inner
   *    optional<string>), or
   *  - a procedure parameter or result, or a single-type event payload
   *    (method f() -> seq<i64>: the seq<i64>).
   * A container that is directly a struct field has cname NULL (it is
   * inlined: `T *x; size_t x_len;` / `int x_present; T x;`).
   * Naming rule: <lib>_<mangle(T)> with mangle(seq<E>) = "seq_" mangle(E),
   * mangle(optional<E>) = "opt_" mangle(E), mangle(scalar) = its IDL name
   * (i64, string, bytes, ...), mangle(struct or enum) = its name; e.g.
   * my_timer_opt_string, my_timer_seq_i64, my_timer_seq_opt_Point. Equal
   * containers share one cname (and one entry in model->nested). */
  const char *cname;
  ffirt__gen_loc loc;
} ffirt__gen_type;

typedef struct ffirt__gen_doc {
  const char **lines; /* without the leading "///" and one space; a star-slash
                         is written "*\/" (safe inside C block comments) */
  size_t count;
} ffirt__gen_doc;

typedef struct ffirt__gen_field {
  const char *name;
  ffirt__gen_type *type;
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
} ffirt__gen_field;

struct ffirt__gen_struct {
  const char *name;
  ffirt__gen_field *fields;
  size_t nfields;
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
  int synthesized; /* 1 for generated event payload structs (PairSeenPayload) */
  int used;        /* referenced by a procedure, event or another used struct */
};

typedef struct ffirt__gen_enumerator {
  const char *name; /* C symbol part */
  const char *wire; /* wire text (name unless a string was given) */
  int64_t value;    /* ordinal (explicit or previous + 1, first 0) */
  int has_value;    /* 1 when the ordinal was written in the IDL */
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
} ffirt__gen_enumerator;

struct ffirt__gen_enum {
  const char *name;
  ffirt__gen_enumerator *items;
  size_t nitems;
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
  int used; /* like ffirt__gen_struct.used */
};

typedef enum ffirt__gen_const_kind {
  GEN_CONST_INT,
  GEN_CONST_FLOAT,
  GEN_CONST_BOOL,
  GEN_CONST_STRING
} ffirt__gen_const_kind;

typedef struct ffirt__gen_const {
  const char *name;
  ffirt__gen_type *type;
  ffirt__gen_const_kind vkind;
  int64_t i;           /* INT (also u64 values up to INT64_MAX; larger in u) */
  uint64_t u;          /* INT: also the value when it is >= 0 */
  int is_unsigned;     /* literal was > INT64_MAX */
  double f;            /* FLOAT (f32/f64 constants are always FLOAT, also
                          when written as an integer literal) */
  int b;               /* BOOL */
  const char *s;       /* STRING (decoded, UTF-8) */
  const char *literal; /* the literal as written, for emitters */
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
} ffirt__gen_const;

typedef struct ffirt__gen_param {
  const char *name;
  ffirt__gen_type *type;
  ffirt__gen_loc loc;
} ffirt__gen_param;

typedef enum ffirt__gen_proc_kind {
  GEN_CTOR,
  GEN_DTOR,
  GEN_METHOD,
  GEN_STATIC
} ffirt__gen_proc_kind;

typedef struct ffirt__gen_proc {
  ffirt__gen_proc_kind kind;
  const char *name;
  ffirt__gen_param *params;
  size_t nparams;
  ffirt__gen_type *result; /* NULL: no result (or ctor/dtor) */
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
} ffirt__gen_proc;

typedef struct ffirt__gen_event {
  const char *wire;         /* wire name, e.g. "on_echo_fired" */
  ffirt__gen_param *params; /* one unnamed param: name == NULL */
  size_t nparams;
  /* The payload type: the single param's type, or (several params) a
   * synthesized struct named <PascalCase(wire)>Payload added to structs. */
  ffirt__gen_type *payload;
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
} ffirt__gen_event;

typedef struct ffirt__gen_option {
  const char *key;
  const char *value; /* literal as written (string literals decoded) */
  ffirt__gen_doc doc;
  ffirt__gen_loc loc;
} ffirt__gen_option;

/* One entry of model->decl_order: exactly one of the two is set. */
typedef struct ffirt__gen_decl {
  ffirt__gen_struct *s;
  ffirt__gen_type *container; /* an entry of model->nested */
} ffirt__gen_decl;

typedef struct ffirt__gen_model {
  const char *file;           /* as given to ffirt__gen_parse (may be a path) */
  const char *library;        /* symbol prefix */
  ffirt__gen_loc library_loc; /* of the name (also of missing ctor/dtor errors) */
  ffirt__gen_doc library_doc;
  const char *state; /* the author's C state type (NULL only with errors) */
  ffirt__gen_loc state_loc;
  ffirt__gen_doc state_doc;

  ffirt__gen_struct *structs;
  size_t nstructs; /* declaration order, synthesized payloads appended */
  ffirt__gen_enum *enums;
  size_t nenums;
  ffirt__gen_const *consts;
  size_t nconsts;
  ffirt__gen_proc *procs;
  size_t nprocs; /* declaration order; ctor and dtor included */
  ffirt__gen_event *events;
  size_t nevents;
  ffirt__gen_option *options;
  size_t noptions;

  ffirt__gen_proc *ctor; /* after check */
  ffirt__gen_proc *dtor;
  /* structs in dependency order (embedded-by-value first), after check */
  ffirt__gen_struct **struct_order;
  /* every distinct container type with a cname (see ffirt__gen_type), one
   * representative each, innermost first, after check */
  ffirt__gen_type **nested;
  size_t nnested;
  /* Structs and named containers together in an order where everything a
   * declaration embeds BY VALUE comes before it (a struct field S, an
   * optional<S>, an inline optional<named container>). Pointer uses (seq)
   * are not ordered: emit `typedef struct X X;` for every entry first. */
  ffirt__gen_decl *decl_order;
  size_t ndecl_order;

  /* Resolved options (defaults when absent). */
  uint32_t opt_stale_warn_ms;  /* option stale_warn_ms = 5000; */
  uint32_t opt_event_capacity; /* option event_capacity = 1024; */
  /* option event_overflow = drop_newest | drop_oldest | block; (a name or a
   * string) -> 0 | 1 | 2, the values of ffirt_overflow (events.h) */
  int opt_event_overflow;
  uint32_t opt_event_block_ms;    /* option event_block_timeout_ms = 100; */
  uint32_t opt_liveness_grace_ms; /* option liveness_grace_ms = 10000; */

  void *arena; /* owner of everything above */
} ffirt__gen_model;

/* Diagnostics sink: every problem is reported, not only the first (up to
 * FFIRT_GEN_MAX_DIAGS rendered ones; the rest are counted and summarized). */
#define FFIRT_GEN_MAX_DIAGS 1000
typedef struct ffirt__gen_diag {
  const char *src; /* the whole source text (for the source line + caret) */
  size_t src_len;
  int errors;
  int warnings;
  /* Output: appended to a growable text buffer (tests compare it exactly).
   * ffirt__gen_parse leaves every diagnostic of the file in it, sorted by
   * line and column (reports of one location keep their order). */
  char *out;
  size_t out_len, out_cap;
  /* Reported but not yet in `out` (diag.c; ffirt__gen_diag_flush sorts and
   * moves them). */
  struct ffirt__gen_pending *pending;
  size_t npending, cap_pending;
  size_t not_shown; /* beyond FFIRT_GEN_MAX_DIAGS: counted, not rendered */
  /* Start offsets of src's lines (diag.c builds it on the first report). */
  size_t *line_starts;
  size_t nlines;
  const char *line_starts_src; /* the src line_starts was built for */
} ffirt__gen_diag;

/* Reports "file:line:col: error: msg\n<source line>\n<caret>\n". */
void ffirt__gen_error(ffirt__gen_diag *d, ffirt__gen_loc loc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void ffirt__gen_warning(ffirt__gen_diag *d, ffirt__gen_loc loc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Parses and checks src (file is the name used in diagnostics). Returns a
 * model (also on errors, for partial use; check d->errors) or NULL when out
 * of memory. */
ffirt__gen_model *ffirt__gen_parse(const char *file, const char *src, size_t len,
                                   ffirt__gen_diag *d);
void ffirt__gen_model_free(ffirt__gen_model *m);
/* The ABI fingerprint of a checked model (fingerprint.c): a 64-bit hash of
 * the normalised IDL (declarations, types, names, wire texts, ordinals and
 * constants; not docs, comments, layout of the file or options). Generated
 * code writes it as 16 lower-case hex digits. */
uint64_t ffirt__gen_fingerprint(const ffirt__gen_model *m);
/* Moves the pending diagnostics into d->out in source order (done by
 * ffirt__gen_parse; only needed after reporting outside of it). */
void ffirt__gen_diag_flush(ffirt__gen_diag *d);
void ffirt__gen_diag_free(ffirt__gen_diag *d);

#endif /* FFIRT_GEN_IR_H */
