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

/* ------------------------------------------------------------------------
 * Names and types in the host languages (naming_lang.c).
 *
 * Every language emitter (src/gen/lang/emit_<lang>.c) spells identifiers and
 * types through these, so a rule (snake_case fields in Python, `r#type` in
 * Rust, the Go package name) lives in one table, not in an emitter.
 *
 * Design notes:
 *  - Case conversion works on IDL identifiers ([A-Za-z_][A-Za-z0-9_]*):
 *    words split at '_' and at lower->upper and acronym->word boundaries
 *    ("delayMs" -> delay_ms, "HTTPServer" -> http_server, "on_echo_fired" ->
 *    OnEchoFired). Digits stay with the word before them ("utf8Text" ->
 *    utf8_text).
 *  - A converted name that is a keyword (or otherwise reserved) of the
 *    target language is escaped by the language's rule (`class_` in Python,
 *    `r#type` in Rust, `new_` in C++); the wire names never change.
 *  - All results live in the caller's pool (ffirt__gen_names).
 * ------------------------------------------------------------------------ */

typedef enum ffirt__gen_case {
  GEN_CASE_ASIS,   /* as written in the IDL */
  GEN_CASE_SNAKE,  /* delay_ms */
  GEN_CASE_PASCAL, /* DelayMs */
  GEN_CASE_CAMEL,  /* delayMs */
  GEN_CASE_UPPER   /* DELAY_MS */
} ffirt__gen_case;

/* The identifier s in case c (no keyword escaping). */
const char *ffirt__gen_case_convert(ffirt__gen_names *n, const char *s, ffirt__gen_case c);

/* What an identifier is, for ffirt__gen_lang_ident. */
typedef enum ffirt__gen_role {
  GEN_ROLE_TYPE,       /* struct, enum, generated payload struct */
  GEN_ROLE_FIELD,      /* struct field */
  GEN_ROLE_PARAM,      /* procedure or event parameter */
  GEN_ROLE_METHOD,     /* method, static, ctor (as a function name) */
  GEN_ROLE_CONST,      /* IDL constant */
  GEN_ROLE_ENUMERATOR, /* member of an enum (see ffirt__gen_lang_enumerator) */
  GEN_ROLE_COUNT
} ffirt__gen_role;

typedef enum ffirt__gen_lang_id {
  GEN_LANG_CPP,
  GEN_LANG_PYTHON,
  GEN_LANG_RUST,
  GEN_LANG_GO
} ffirt__gen_lang_id;

/* One host language's naming and type-mapping rules. */
typedef struct ffirt__gen_lang {
  ffirt__gen_lang_id id;
  const char *name; /* "cpp", "python", "rust", "go" */
  ffirt__gen_case role_case[GEN_ROLE_COUNT];
  const char *const *reserved; /* NULL-terminated: keywords and names
                                  the binding itself defines */
  const char *escape_fmt;      /* "%s_", "r#%s" (one %s) */
  /* Types: scalar kinds GEN_BOOL..GEN_F64 plus GEN_STRING and GEN_BYTES. */
  const char *scalar[GEN_BYTES + 1];
  const char *seq_fmt;      /* "std::vector<%s>" */
  const char *optional_fmt; /* "std::optional<%s>" */
  const char *async_fmt;    /* name of the async form of a method: "%sAsync";
                               NULL where the language has none (Go) */
  /* String literals (ffirt__gen_lang_string): the escape of a control
   * byte (one %x or %o conversion), and whether bytes of 0x80 and above are
   * escaped the same way (Go) or kept as UTF-8. */
  const char *ctrl_escape;
  int escape_non_ascii;
} ffirt__gen_lang;

const ffirt__gen_lang *ffirt__gen_lang_get(ffirt__gen_lang_id id);

/* An IDL identifier in its role, converted and escaped for lang. */
const char *ffirt__gen_lang_ident(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                  ffirt__gen_role role, const char *idl_name);
/* The spelled type of t in lang: "std::vector<std::optional<std::string>>",
 * "list[Optional[str]]", "Vec<Option<String>>", "[]*string". Struct and enum
 * names go through GEN_ROLE_TYPE. */
const char *ffirt__gen_lang_type(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                 const ffirt__gen_type *t);
/* A member of enum `enum_name`: C++ `item` (enum class), Python `ITEM`,
 * Rust `Item`, Go `EnumItem` (Go constants live in the package scope). */
const char *ffirt__gen_lang_enumerator(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                       const char *enum_name, const char *item);
/* The async form of method name m ("echoAsync", "echo_async"); NULL for Go. */
const char *ffirt__gen_lang_async(ffirt__gen_names *n, const ffirt__gen_lang *lang, const char *m);
/* The context class of the library, named after the IDL state: C++ and Rust
 * "<State>Ctx" (MyTimerCtx, EchoCtx), Python and Go "<State>" (MyTimer). */
const char *ffirt__gen_lang_ctx_class(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                      const char *state);
/* s (UTF-8) as a string literal of lang, quotes included: '"' and '\\'
 * escaped, "\n" and "\t" as such, other control bytes (and, in Go, every
 * byte >= 0x80) through lang->ctrl_escape. */
const char *ffirt__gen_lang_string(ffirt__gen_names *n, const ffirt__gen_lang *lang, const char *s);
/* The module of the library: C++ namespace, Python package and Rust crate
 * "my_timer"; Go package "mytimer" (underscores dropped). */
const char *ffirt__gen_lang_module(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                   const char *library);
/* The per-event subscription entry point, from the event's wire name:
 * C++ addOnEchoFiredListener (Pascal case of the name without its "on_"
 * prefix, after "addOn"), Python on_echo_fired ("on_" + snake case of the
 * name without "on_"), Rust add_on_echo_fired_listener (the wire name),
 * Go OnEchoFired. */
const char *ffirt__gen_lang_event_subscribe(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                            const char *wire);

#endif /* FFIRT_GEN_NAMING_H */
