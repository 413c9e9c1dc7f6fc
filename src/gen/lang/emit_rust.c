/*
 * emit_rust.c - writes the Rust binding of a library: a Cargo crate named
 * after it (`ffirt-gen --lang rust -o build/rust/my_timer my_timer.ffi`).
 *
 *   Cargo.toml    package <lib>, no dependencies, `links = "<lib>"`
 *   build.rs      links lib<lib>.so from FFIRT_LIB_DIR or the directory
 *                 given with --lib-dir (written in), with an rpath
 *   src/lib.rs    the API: types, constants, <State>Ctx with its methods,
 *                 listeners, decode_event_payload
 *   src/ffi.rs    the native layout (repr(C) mirrors of abi.md 5), the
 *                 exports, and the conversions between both
 *   src/wire.rs   CBOR decoding of every type (event payloads)
 *   src/rt.rs     support code: calls, futures, timer, listeners (fixed text)
 *   src/cbor.rs   the CBOR reader (fixed text)
 *
 * Design notes:
 *  - Reads the checked model only and takes every Rust spelling from the
 *    naming layer (ffirt__gen_lang_* with GEN_LANG_RUST). The native names
 *    (exports) are the C ones of abi.md 2.
 *  - Calls go through the NATIVE exports: arguments are converted to their
 *    repr(C) form (owned by an rt::Keep until the export returned: exports
 *    deep-copy), replies converted from `const T *` inside the callback.
 *  - The native form of a type is `<T as rt::Native>::C`; cty() spells the
 *    same type for declarations. Containers as one object are the generic
 *    rt::SeqBox / rt::OptBox, which have the layout of the C boxes; an
 *    optional struct field is flattened (flag, value) like in C, a seq or
 *    bytes field is a SeqBox (pointer-aligned, so the same layout).
 *  - Generated code is laid out as rustfmt (default settings) would: lists
 *    wrap at 100 columns or, for call arguments, 60 (list_emit), chains
 *    past 60 break before the method. tests/rust/lint.sh checks it with
 *    `rustfmt --check` and `clippy -D warnings` on several IDL shapes.
 *  - Hygiene: IDL names may equal any local of the generated code. Struct
 *    conversions write fields inline in the literal (optional pairs through
 *    `o_<field>` locals); procedure bodies take their locals (keep, call,
 *    cb, ud, raw, ctx) from fresh(), which appends '_' until no parameter
 *    has that name.
 *  - The fixed modules (rt.rs, cbor.rs) are kept as text below, written
 *    verbatim (rustfmt-clean Rust, one string per line). The generated code
 *    needs Rust 1.63 (Debian 12's rustc): no OnceLock, no let-else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "naming.h"
#include "writer.h"

const char *ffirt__gen_lib_dir = NULL;

typedef struct rs {
  const ffirt__gen_model *m;
  const ffirt__gen_lang *L;
  ffirt__gen_names *n;
  ffirt__gen_writer *w;
} rs;

static const char *const *rt_text(void);
static const char *const *cbor_text(void);

/* ------------------------------------------------------------ spelling */

static const char *ident(rs *r, ffirt__gen_role role, const char *name) {
  return ffirt__gen_lang_ident(r->n, r->L, role, name);
}

static const char *rtype(rs *r, const ffirt__gen_type *t) {
  return ffirt__gen_lang_type(r->n, r->L, t);
}

/* An identifier plus a suffix (`note_present`), raw prefix dropped. */
static const char *suffixed(rs *r, const char *id, const char *suffix) {
  if (strncmp(id, "r#", 2) == 0) id += 2;
  return ffirt__gen_fmt(r->n, "%s%s", id, suffix);
}

/* The local holding field `name` while a struct is decoded: f_<snake>. */
static const char *local(rs *r, const char *name) {
  return ffirt__gen_fmt(r->n, "f_%s", ffirt__gen_case_convert(r->n, name, GEN_CASE_SNAKE));
}

/* The native type of one stored object of t, inside src/ffi.rs. */
static const char *cty(rs *r, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_BOOL: return "c_int";
  case GEN_STRING: return "*const c_char";
  case GEN_BYTES: return "SeqBox<u8>";
  case GEN_SEQ: return ffirt__gen_fmt(r->n, "SeqBox<%s>", cty(r, t->elem));
  case GEN_OPTIONAL: return ffirt__gen_fmt(r->n, "OptBox<%s>", cty(r, t->elem));
  case GEN_STRUCT: return rtype(r, t);
  case GEN_ENUM: return "i32";
  default: return r->L->scalar[t->kind];
  }
}

/* A Rust string literal of UTF-8 text s. */
static const char *rust_str(rs *r, const char *s) {
  size_t len = strlen(s);
  char *buf = malloc(len * 10 + 3);
  if (!buf) {
    r->n->oom = 1;
    return "\"\"";
  }
  size_t o = 0;
  buf[o++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)*p;
    } else if (*p == '\n') {
      buf[o++] = '\\';
      buf[o++] = 'n';
    } else if (*p == '\t') {
      buf[o++] = '\\';
      buf[o++] = 't';
    } else if (*p < 0x20 || *p == 0x7f) {
      o += (size_t)sprintf(buf + o, "\\u{%x}", *p);
    } else {
      buf[o++] = (char)*p;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
  const char *res = ffirt__gen_fmt(r->n, "%s", buf);
  free(buf);
  return res;
}

/* Doc comment lines (`///` or `//!`): the IR's C-safe "*\/" back to "* /"
 * without the space, leading blanks dropped (rustdoc would take an indented
 * line for a code block, i.e. a doc test). */
static void doc(rs *r, const ffirt__gen_doc *d, const char *lead) {
  for (size_t i = 0; d && i < d->count; i++) {
    const char *s = d->lines[i];
    while (*s == ' ' || *s == '\t')
      s++;
    ffirt__gen_w_printf(r->w, "%s", lead);
    if (*s) ffirt__gen_w_printf(r->w, " ");
    for (; *s; s++) {
      if (s[0] == '*' && s[1] == '\\' && s[2] == '/') {
        ffirt__gen_w_printf(r->w, "*/");
        s += 2;
      } else {
        ffirt__gen_w_printf(r->w, "%c", *s);
      }
    }
    ffirt__gen_w_printf(r->w, "\n");
  }
}

static int write_file(rs *r, const char *dir, const char *name) {
  while (r->w->len >= 2 && r->w->buf[r->w->len - 1] == '\n' && r->w->buf[r->w->len - 2] == '\n')
    r->w->len--; /* no blank line at the end */
  int rc = ffirt__gen_w_save(r->w, dir, name);
  ffirt__gen_w_free(r->w);
  ffirt__gen_w_init(r->w);
  ffirt__gen_w_set_indent(r->w, "    ");
  return rc;
}

static void fixed(rs *r, const char *const *text) {
  for (size_t i = 0; text[i]; i++)
    ffirt__gen_w_line(r->w, "%s", text[i]);
}

/* A parenthesised list (parameters, arguments) laid out like rustfmt: on one
 * line when it fits in 100 columns (and, for a call, its arguments in 60),
 * else one item per line with a trailing comma. */
typedef struct list {
  const char **v;
  size_t n, cap;
} list;

static void list_add(rs *r, list *l, const char *item) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 8;
    const char **v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      r->n->oom = 1;
      return;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = item;
}

enum { LIST_DECL, LIST_CALL };

/* Writes prefix, the items and suffix; ends the line when `end`. Frees l. */
static void list_emit(rs *r, const char *prefix, list *l, const char *suffix, int kind, int end) {
  ffirt__gen_writer *w = r->w;
  size_t items = 0;
  for (size_t i = 0; i < l->n; i++)
    items += strlen(l->v[i]) + (i ? 2 : 0);
  size_t width = (size_t)w->indent * 4 + strlen(prefix) + items + strlen(suffix);
  /* A foreign declaration (`...;`) stays on one line up to 99 columns; at
   * exactly 100, rustfmt keeps the parameters and moves `-> T;` down. */
  int decl_end = kind == LIST_DECL && suffix[strlen(suffix) - 1] == ';';
  if (decl_end && width == 100 && strncmp(suffix, ") -> ", 5) == 0) {
    ffirt__gen_w_printf(w, "%s", prefix);
    for (size_t i = 0; i < l->n; i++)
      ffirt__gen_w_printf(w, "%s%s", i ? ", " : "", l->v[i]);
    ffirt__gen_w_line(w, ")");
    ffirt__gen_w_indent(w);
    ffirt__gen_w_printf(w, "%s", suffix + 2);
    ffirt__gen_w_dedent(w);
  } else if (l->n == 0 ||
             (width <= (decl_end ? 99u : 100u) && (kind == LIST_DECL || items <= 60))) {
    ffirt__gen_w_printf(w, "%s", prefix);
    for (size_t i = 0; i < l->n; i++)
      ffirt__gen_w_printf(w, "%s%s", i ? ", " : "", l->v[i]);
    ffirt__gen_w_printf(w, "%s", suffix);
  } else {
    ffirt__gen_w_line(w, "%s", prefix);
    ffirt__gen_w_indent(w);
    for (size_t i = 0; i < l->n; i++)
      ffirt__gen_w_line(w, "%s,", l->v[i]);
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_printf(w, "%s", suffix);
  }
  if (end) ffirt__gen_w_printf(w, "\n");
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* A call of two arguments `<lhs>f(a, b)<suffix>` as a line. A `let x = `
 * lhs that makes it too long moves the call to the next line when it fits
 * there, as rustfmt does. */
static void call2(rs *r, const char *lhs, const char *f, const char *a, const char *b,
                  const char *suffix) {
  ffirt__gen_writer *w = r->w;
  list l = {0};
  list_add(r, &l, a);
  list_add(r, &l, b);
  size_t args = strlen(a) + 2 + strlen(b), call = strlen(f) + args + strlen(suffix);
  size_t at = (size_t)w->indent * 4;
  if (strncmp(lhs, "let ", 4) == 0 && at + strlen(lhs) + call > 100 && at + 4 + call <= 100 &&
      args <= 60) {
    ffirt__gen_w_line(w, "%.*s", (int)strlen(lhs) - 1, lhs); /* without its space */
    ffirt__gen_w_indent(w);
    list_emit(r, f, &l, suffix, LIST_CALL, 1);
    ffirt__gen_w_dedent(w);
    return;
  }
  list_emit(r, ffirt__gen_fmt(r->n, "%s%s", lhs, f), &l, suffix, LIST_CALL, 1);
}

/* ------------------------------------------------------------ Cargo.toml, build.rs */

static void emit_cargo(rs *r) {
  const char *lib = r->m->library;
  ffirt__gen_writer *w = r->w;
  ffirt__gen_w_line(w, "# Generated by ffirt-gen from %s. Do not edit.",
                    ffirt__gen_base_name(r->m->file));
  ffirt__gen_w_line(w, "[package]");
  ffirt__gen_w_line(w, "name = \"%s\"", ffirt__gen_lang_module(r->n, r->L, lib));
  ffirt__gen_w_line(w, "version = \"0.1.0\"");
  ffirt__gen_w_line(w, "edition = \"2021\"");
  ffirt__gen_w_line(w, "rust-version = \"1.63\"");
  ffirt__gen_w_line(w, "description = \"Rust binding of the %s library (ffirt)\"", lib);
  ffirt__gen_w_line(w, "links = \"%s\"", lib);
  ffirt__gen_w_line(w, "build = \"build.rs\"");
  ffirt__gen_w_line(w, "publish = false");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "[lib]");
  ffirt__gen_w_line(w, "path = \"src/lib.rs\"");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "# No dependencies: the CBOR reader is generated (src/cbor.rs).");
  ffirt__gen_w_line(w, "[dependencies]");
}

static void emit_build_rs(rs *r) {
  const char *lib = r->m->library;
  ffirt__gen_writer *w = r->w;
  ffirt__gen_w_line(w, "//! Links lib%s: from `FFIRT_LIB_DIR` when it is set, else from the", lib);
  ffirt__gen_w_line(
      w, "//! directory the crate was generated for (empty: the system's library path).");
  ffirt__gen_w_line(w, "//! The rpath lets this crate's tests and examples run without");
  ffirt__gen_w_line(w, "//! `LD_LIBRARY_PATH`; dependent binaries get the directory as");
  ffirt__gen_w_line(w, "//! `DEP_%s_LIB_DIR` for their own build script.",
                    ffirt__gen_upper(r->n, lib));
  ffirt__gen_w_line(w, "//! Generated by ffirt-gen from %s. Do not edit.",
                    ffirt__gen_base_name(r->m->file));
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "const GENERATED_LIB_DIR: &str = %s;",
                    rust_str(r, ffirt__gen_lib_dir ? ffirt__gen_lib_dir : ""));
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "fn main() {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "println!(\"cargo:rerun-if-env-changed=FFIRT_LIB_DIR\");");
  ffirt__gen_w_line(w, "println!(\"cargo:rerun-if-changed=build.rs\");");
  ffirt__gen_w_line(w, "let dir = std::env::var(\"FFIRT_LIB_DIR\")");
  ffirt__gen_w_line(w, "    .ok()");
  ffirt__gen_w_line(w, "    .filter(|d| !d.is_empty())");
  ffirt__gen_w_line(w, "    .unwrap_or_else(|| GENERATED_LIB_DIR.to_owned());");
  ffirt__gen_w_line(w, "if !dir.is_empty() {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "println!(\"cargo:rustc-link-search=native={dir}\");");
  ffirt__gen_w_line(w, "println!(\"cargo:rustc-link-arg=-Wl,-rpath,{dir}\");");
  ffirt__gen_w_line(w, "println!(\"cargo:lib_dir={dir}\");");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "println!(\"cargo:rustc-link-lib=dylib=%s\");", lib);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

/* ------------------------------------------------------------ src/ffi.rs */

/* Declaration of one native parameter (flattened like a field, abi.md 2). */
static void c_param(rs *r, list *l, const ffirt__gen_param *p) {
  const char *id = ident(r, GEN_ROLE_PARAM, p->name);
  const ffirt__gen_type *t = p->type;
  if (t->kind == GEN_SEQ || t->kind == GEN_BYTES) {
    const char *elem = t->kind == GEN_BYTES ? "u8" : cty(r, t->elem);
    list_add(r, l, ffirt__gen_fmt(r->n, "%s: *const %s", id, elem));
    list_add(r, l, ffirt__gen_fmt(r->n, "%s: usize", suffixed(r, id, "_len")));
  } else if (t->kind == GEN_OPTIONAL) {
    list_add(r, l, ffirt__gen_fmt(r->n, "%s: c_int", suffixed(r, id, "_present")));
    list_add(r, l, ffirt__gen_fmt(r->n, "%s: %s", id, cty(r, t->elem)));
  } else {
    list_add(r, l, ffirt__gen_fmt(r->n, "%s: %s", id, cty(r, t)));
  }
}

static void emit_externs(rs *r) {
  const ffirt__gen_model *m = r->m;
  ffirt__gen_writer *w = r->w;
  const char *lib = m->library;
  ffirt__gen_w_line(w, "extern \"C\" {");
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    list l = {0};
    const char *prefix = ffirt__gen_fmt(r->n, "pub(crate) fn %s_%s(", lib, p->name);
    if (p->kind == GEN_DTOR) {
      list_add(r, &l, "ctx: *mut c_void");
      list_emit(r, prefix, &l, ") -> c_int;", LIST_DECL, 1);
      continue;
    }
    if (p->kind == GEN_METHOD) list_add(r, &l, "ctx: *mut c_void");
    if (p->kind != GEN_CTOR) {
      list_add(r, &l, "cb: FfiCallback");
      list_add(r, &l, "ud: *mut c_void");
    }
    for (size_t k = 0; k < p->nparams; k++)
      c_param(r, &l, &p->params[k]);
    if (p->kind == GEN_CTOR) {
      list_add(r, &l, "cb: FfiCallback");
      list_add(r, &l, "ud: *mut c_void");
    }
    list_emit(r, prefix, &l, p->kind == GEN_CTOR ? ") -> *mut c_void;" : ") -> c_int;", LIST_DECL,
              1);
  }
  for (int cbor = 0; cbor <= 1; cbor++) {
    list l = {0};
    list_add(r, &l, "ctx: *mut c_void");
    list_add(r, &l, "event: *const c_char");
    list_add(r, &l, "cb: FfiCallback");
    list_add(r, &l, "ud: *mut c_void");
    list_emit(
        r, ffirt__gen_fmt(r->n, "pub(crate) fn %s_add_event_listener%s(", lib, cbor ? "_cbor" : ""),
        &l, ") -> u64;", LIST_DECL, 1);
  }
  ffirt__gen_w_line(
      w, "pub(crate) fn %s_remove_event_listener(ctx: *mut c_void, id: u64) -> c_int;", lib);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
}

static void emit_ffi_struct(rs *r, const ffirt__gen_struct *s) {
  ffirt__gen_writer *w = r->w;
  const char *name = ident(r, GEN_ROLE_TYPE, s->name);
  ffirt__gen_w_line(w, "/// Native layout of `%s`.", s->name);
  ffirt__gen_w_line(w, "#[repr(C)]");
  ffirt__gen_w_line(w, "#[derive(Clone, Copy)]");
  ffirt__gen_w_line(w, "pub(crate) struct %s {", name);
  ffirt__gen_w_indent(w);
  if (s->nfields == 0) ffirt__gen_w_line(w, "pub(crate) _unused: u8,");
  for (size_t i = 0; i < s->nfields; i++) {
    const ffirt__gen_field *f = &s->fields[i];
    const char *id = ident(r, GEN_ROLE_FIELD, f->name);
    if (f->type->kind == GEN_OPTIONAL) {
      ffirt__gen_w_line(w, "pub(crate) %s: c_int,", suffixed(r, id, "_present"));
      ffirt__gen_w_line(w, "pub(crate) %s: %s,", id, cty(r, f->type->elem));
    } else {
      ffirt__gen_w_line(w, "pub(crate) %s: %s,", id, cty(r, f->type));
    }
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);

  /* Conversions. */
  ffirt__gen_w_line(w, "impl Native for crate::%s {", name);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "type C = %s;", name);
  ffirt__gen_w_line(w, "fn to_c(&self, %s: &mut Keep) -> Result<%s, String> {",
                    s->nfields ? "k" : "_", name);
  ffirt__gen_w_indent(w);
  /* Field values inline in the literal (an IDL field may be named like any
   * local); an optional's (flag, value) pair through an `o_` local. */
  for (size_t i = 0; i < s->nfields; i++) {
    const ffirt__gen_field *f = &s->fields[i];
    if (f->type->kind != GEN_OPTIONAL) continue;
    const char *id = ident(r, GEN_ROLE_FIELD, f->name);
    call2(r,
          ffirt__gen_fmt(r->n, "let %s = ", suffixed(r, "o_", strncmp(id, "r#", 2) ? id : id + 2)),
          "field(", ffirt__gen_fmt(r->n, "opt_to_c(&self.%s, k)", id), rust_str(r, f->name), ")?;");
  }
  if (s->nfields == 0) {
    ffirt__gen_w_line(w, "Ok(%s { _unused: 0 })", name);
  } else {
    ffirt__gen_w_line(w, "Ok(%s {", name);
    ffirt__gen_w_indent(w);
    for (size_t i = 0; i < s->nfields; i++) {
      const ffirt__gen_field *f = &s->fields[i];
      const char *id = ident(r, GEN_ROLE_FIELD, f->name);
      if (f->type->kind == GEN_OPTIONAL) {
        const char *o = suffixed(r, "o_", strncmp(id, "r#", 2) ? id : id + 2);
        ffirt__gen_w_line(w, "%s: %s.0,", suffixed(r, id, "_present"), o);
        ffirt__gen_w_line(w, "%s: %s.1,", id, o);
      } else {
        call2(r, ffirt__gen_fmt(r->n, "%s: ", id), "field(",
              ffirt__gen_fmt(r->n, "self.%s.to_c(k)", id), rust_str(r, f->name), ")?,");
      }
    }
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "})");
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "unsafe fn from_c(%s: &%s) -> Result<Self, String> {",
                    s->nfields ? "c" : "_", name);
  ffirt__gen_w_indent(w);
  if (s->nfields == 0) {
    ffirt__gen_w_line(w, "Ok(crate::%s {})", name);
  } else {
    ffirt__gen_w_line(w, "Ok(crate::%s {", name);
    ffirt__gen_w_indent(w);
    for (size_t i = 0; i < s->nfields; i++) {
      const ffirt__gen_field *f = &s->fields[i];
      const char *id = ident(r, GEN_ROLE_FIELD, f->name);
      const char *key = rust_str(r, f->name);
      if (f->type->kind == GEN_OPTIONAL)
        call2(r, ffirt__gen_fmt(r->n, "%s: ", id), "field(",
              ffirt__gen_fmt(r->n, "opt_from_c(c.%s, &c.%s)", suffixed(r, id, "_present"), id), key,
              ")?,");
      else
        call2(r, ffirt__gen_fmt(r->n, "%s: ", id), "field(",
              ffirt__gen_fmt(r->n, "Native::from_c(&c.%s)", id), key, ")?,");
    }
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "})");
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
}

static void emit_ffi_enum(rs *r, const ffirt__gen_enum *e) {
  ffirt__gen_writer *w = r->w;
  const char *name = ident(r, GEN_ROLE_TYPE, e->name);
  ffirt__gen_w_line(w, "impl Native for crate::%s {", name);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "type C = i32;");
  ffirt__gen_w_line(w, "fn to_c(&self, _: &mut Keep) -> Result<i32, String> {");
  ffirt__gen_w_line(w, "    Ok(*self as i32)");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "unsafe fn from_c(c: &i32) -> Result<Self, String> {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "match *c {");
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < e->nitems; i++)
    ffirt__gen_w_line(w, "%lld => Ok(crate::%s::%s),", (long long)e->items[i].value, name,
                      ffirt__gen_lang_enumerator(r->n, r->L, e->name, e->items[i].name));
  ffirt__gen_w_line(w, "v => Err(format!(\": invalid %s value {v}\")),", e->name);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
}

static void emit_ffi(rs *r) {
  const ffirt__gen_model *m = r->m;
  ffirt__gen_writer *w = r->w;
  ffirt__gen_w_line(w, "//! The native side of `%s`: the repr(C) layout of every type (abi.md 5),",
                    m->library);
  ffirt__gen_w_line(w, "//! the exported functions, and the conversions between both.");
  ffirt__gen_w_line(w, "//! Generated by ffirt-gen from %s. Do not edit.",
                    ffirt__gen_base_name(m->file));
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "#![allow(dead_code, unused_imports)]");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(
      w,
      "use crate::rt::{field, opt_from_c, opt_to_c, FfiCallback, Keep, Native, OptBox, SeqBox};");
  ffirt__gen_w_line(w, "use std::ffi::c_void;");
  ffirt__gen_w_line(w, "use std::os::raw::{c_char, c_int};");
  ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nstructs; i++)
    emit_ffi_struct(r, &m->structs[i]);
  for (size_t i = 0; i < m->nenums; i++)
    emit_ffi_enum(r, &m->enums[i]);
  emit_externs(r);
}

/* ------------------------------------------------------------ src/wire.rs */

static void emit_wire(rs *r) {
  const ffirt__gen_model *m = r->m;
  ffirt__gen_writer *w = r->w;
  ffirt__gen_w_line(w, "//! CBOR decoding of the types of `%s` (abi.md 6), for event payloads.",
                    m->library);
  ffirt__gen_w_line(w, "//! Generated by ffirt-gen from %s. Do not edit.",
                    ffirt__gen_base_name(m->file));
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "#![allow(unused_imports)]");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(
      w, "use crate::cbor::{optional, required, set_field, unknown_key, FromCbor, Reader};");
  ffirt__gen_w_line(w, "use crate::*;");
  ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    const char *name = ident(r, GEN_ROLE_TYPE, s->name);
    ffirt__gen_w_line(w, "impl FromCbor for crate::%s {", name);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {");
    ffirt__gen_w_indent(w);
    for (size_t k = 0; k < s->nfields; k++) {
      const ffirt__gen_field *f = &s->fields[k];
      ffirt__gen_w_line(w, "let mut %s: Option<%s> = None;", local(r, f->name), rtype(r, f->type));
    }
    if (s->nfields == 0) {
      ffirt__gen_w_line(w, "r.map(|_, key| unknown_key(key))?;");
      ffirt__gen_w_line(w, "Ok(crate::%s {})", name);
    } else {
      ffirt__gen_w_line(w, "r.map(|r, key| match key {");
      ffirt__gen_w_indent(w);
      for (size_t k = 0; k < s->nfields; k++) {
        const ffirt__gen_field *f = &s->fields[k];
        ffirt__gen_w_line(w, "%s => set_field(&mut %s, r, %s),", rust_str(r, f->name),
                          local(r, f->name), rust_str(r, f->name));
      }
      ffirt__gen_w_line(w, "_ => unknown_key(key),");
      ffirt__gen_w_dedent(w);
      ffirt__gen_w_line(w, "})?;");
      ffirt__gen_w_line(w, "Ok(crate::%s {", name);
      ffirt__gen_w_indent(w);
      for (size_t k = 0; k < s->nfields; k++) {
        const ffirt__gen_field *f = &s->fields[k];
        const char *id = ident(r, GEN_ROLE_FIELD, f->name);
        const char *loc = local(r, f->name);
        if (f->type->kind == GEN_OPTIONAL)
          ffirt__gen_w_line(w, "%s: optional(%s),", id, loc);
        else
          ffirt__gen_w_line(w, "%s: required(%s, %s)?,", id, loc, rust_str(r, f->name));
      }
      ffirt__gen_w_dedent(w);
      ffirt__gen_w_line(w, "})");
    }
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_blank(w);
  }
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *e = &m->enums[i];
    const char *name = ident(r, GEN_ROLE_TYPE, e->name);
    ffirt__gen_w_line(w, "impl FromCbor for crate::%s {", name);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {");
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "let text = r.text()?;");
    ffirt__gen_w_line(w, "match &*text {");
    ffirt__gen_w_indent(w);
    for (size_t k = 0; k < e->nitems; k++)
      ffirt__gen_w_line(w, "%s => Ok(crate::%s::%s),", rust_str(r, e->items[k].wire), name,
                        ffirt__gen_lang_enumerator(r->n, r->L, e->name, e->items[k].name));
    ffirt__gen_w_line(w, "_ => Err(format!(\": unknown %s value {text:?}\")),", e->name);
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_blank(w);
  }
}

/* ------------------------------------------------------------ src/lib.rs */

static void emit_const(rs *r, const ffirt__gen_const *c) {
  ffirt__gen_writer *w = r->w;
  doc(r, &c->doc, "///");
  const char *name = ident(r, GEN_ROLE_CONST, c->name);
  const char *ty = c->type->kind == GEN_STRING ? "&str" : rtype(r, c->type);
  switch (c->vkind) {
  case GEN_CONST_INT:
    if (c->is_unsigned || (c->i >= 0 && ffirt__gen_kind_is_int(c->type->kind) &&
                           !ffirt__gen_kind_is_signed(c->type->kind)))
      ffirt__gen_w_line(w, "pub const %s: %s = %llu;", name, ty, (unsigned long long)c->u);
    else
      ffirt__gen_w_line(w, "pub const %s: %s = %lld;", name, ty, (long long)c->i);
    break;
  case GEN_CONST_FLOAT: {
    /* The shortest text that reads back as the same value of the type. */
    char num[64];
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(num, sizeof num, "%.*g", prec, c->f);
      double back = strtod(num, NULL);
      if (c->type->kind == GEN_F32 ? (float)back == (float)c->f : back == c->f) break;
    }
    if (!strpbrk(num, ".eEn")) strcat(num, ".0");
    ffirt__gen_w_line(w, "#[allow(clippy::approx_constant)]");
    ffirt__gen_w_line(w, "pub const %s: %s = %s;", name, ty, num);
    break;
  }
  case GEN_CONST_BOOL:
    ffirt__gen_w_line(w, "pub const %s: bool = %s;", name, c->b ? "true" : "false");
    break;
  case GEN_CONST_STRING:
    ffirt__gen_w_line(w, "pub const %s: %s = %s;", name, ty, rust_str(r, c->s));
    break;
  }
}

static void emit_enum(rs *r, const ffirt__gen_enum *e) {
  ffirt__gen_writer *w = r->w;
  const char *name = ident(r, GEN_ROLE_TYPE, e->name);
  doc(r, &e->doc, "///");
  ffirt__gen_w_line(w, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
  ffirt__gen_w_line(w, "#[repr(i32)]");
  ffirt__gen_w_line(w, "pub enum %s {", name);
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < e->nitems; i++) {
    const ffirt__gen_enumerator *it = &e->items[i];
    doc(r, &it->doc, "///");
    ffirt__gen_w_line(w, "%s = %lld,", ffirt__gen_lang_enumerator(r->n, r->L, e->name, it->name),
                      (long long)it->value);
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "impl %s {", name);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "/// The wire text of the value (its CBOR form).");
  ffirt__gen_w_line(w, "pub fn wire_name(self) -> &'static str {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "match self {");
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < e->nitems; i++)
    ffirt__gen_w_line(w, "%s::%s => %s,", name,
                      ffirt__gen_lang_enumerator(r->n, r->L, e->name, e->items[i].name),
                      rust_str(r, e->items[i].wire));
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
}

static void emit_struct(rs *r, const ffirt__gen_struct *s) {
  ffirt__gen_writer *w = r->w;
  doc(r, &s->doc, "///");
  if (s->synthesized && s->doc.count == 0)
    ffirt__gen_w_line(w, "/// The payload of a multi-parameter event.");
  ffirt__gen_w_line(w, "#[derive(Debug, Clone, PartialEq)]");
  if (s->nfields == 0) {
    ffirt__gen_w_line(w, "pub struct %s {}", ident(r, GEN_ROLE_TYPE, s->name));
    ffirt__gen_w_blank(w);
    return;
  }
  ffirt__gen_w_line(w, "pub struct %s {", ident(r, GEN_ROLE_TYPE, s->name));
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < s->nfields; i++) {
    const ffirt__gen_field *f = &s->fields[i];
    doc(r, &f->doc, "///");
    ffirt__gen_w_line(w, "pub %s: %s,", ident(r, GEN_ROLE_FIELD, f->name), rtype(r, f->type));
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
}

/* A local of the code generated for p: `base`, with '_' appended while a
 * parameter of p (or its flattened flag) has that name. */
static const char *fresh(rs *r, const ffirt__gen_proc *p, const char *base) {
  const char *name = base;
  for (size_t k = 0; k < p->nparams;) {
    const char *id = ident(r, GEN_ROLE_PARAM, p->params[k].name);
    if (strcmp(id, name) == 0 || strcmp(suffixed(r, id, "_present"), name) == 0) {
      name = ffirt__gen_fmt(r->n, "%s_", name);
      k = 0;
    } else {
      k++;
    }
  }
  return name;
}

/* The Rust parameters "a: T" of a procedure (`by_ref`: "a: &T"). */
static void params_decl(rs *r, list *l, const ffirt__gen_proc *p, int by_ref) {
  for (size_t k = 0; k < p->nparams; k++)
    list_add(r, l,
             ffirt__gen_fmt(r->n, "%s: %s%s", ident(r, GEN_ROLE_PARAM, p->params[k].name),
                            by_ref ? "&" : "", rtype(r, p->params[k].type)));
}

/* The arguments "&a" passed on to the submission. */
static void params_refs(rs *r, list *l, const ffirt__gen_proc *p) {
  for (size_t k = 0; k < p->nparams; k++)
    list_add(r, l, ffirt__gen_fmt(r->n, "&%s", ident(r, GEN_ROLE_PARAM, p->params[k].name)));
}

/* Converts every parameter to its native form (locals of the same name). */
static void params_to_c(rs *r, const ffirt__gen_proc *p, const char *keep) {
  ffirt__gen_writer *w = r->w;
  if (p->nparams) ffirt__gen_w_line(w, "let mut %s = rt::Keep::new();", keep);
  for (size_t k = 0; k < p->nparams; k++) {
    const ffirt__gen_param *pa = &p->params[k];
    const char *id = ident(r, GEN_ROLE_PARAM, pa->name);
    if (pa->type->kind == GEN_OPTIONAL)
      call2(r, ffirt__gen_fmt(r->n, "let (%s, %s) = ", suffixed(r, id, "_present"), id), "rt::at(",
            ffirt__gen_fmt(r->n, "rt::opt_to_c(%s, &mut %s)", id, keep), rust_str(r, pa->name),
            ")?;");
    else
      call2(r, ffirt__gen_fmt(r->n, "let %s = ", id), "rt::at(",
            ffirt__gen_fmt(r->n, "%s.to_c(&mut %s)", id, keep), rust_str(r, pa->name), ")?;");
  }
}

/* The native arguments of the export (flattened like its parameters). */
static void params_args(rs *r, list *l, const ffirt__gen_proc *p) {
  for (size_t k = 0; k < p->nparams; k++) {
    const ffirt__gen_param *pa = &p->params[k];
    const char *id = ident(r, GEN_ROLE_PARAM, pa->name);
    if (pa->type->kind == GEN_SEQ || pa->type->kind == GEN_BYTES) {
      list_add(r, l, ffirt__gen_fmt(r->n, "%s.items", id));
      list_add(r, l, ffirt__gen_fmt(r->n, "%s.len", id));
    } else if (pa->type->kind == GEN_OPTIONAL) {
      list_add(r, l, suffixed(r, id, "_present"));
      list_add(r, l, id);
    } else {
      list_add(r, l, id);
    }
  }
}

/* `<lead>unsafe { <call> }<tail>` as rustfmt lays it out: on one line, or
 * the block opened on the first line and the call's arguments one per line. */
static void unsafe_call(rs *r, const char *lead, const char *fn, list *args, const char *tail) {
  ffirt__gen_writer *w = r->w;
  size_t width =
      (size_t)w->indent * 4 + strlen(lead) + strlen("unsafe {  }") + strlen(fn) + 2 + strlen(tail);
  size_t items = 0;
  for (size_t i = 0; i < args->n; i++)
    items += strlen(args->v[i]) + (i ? 2 : 0);
  width += items;
  if (width <= 100 && items <= 60) {
    list_emit(r, ffirt__gen_fmt(r->n, "%sunsafe { %s(", lead, fn), args,
              ffirt__gen_fmt(r->n, ") }%s", tail), LIST_DECL, 1);
    return;
  }
  ffirt__gen_w_line(w, "%sunsafe {", lead);
  ffirt__gen_w_indent(w);
  list_emit(r, ffirt__gen_fmt(r->n, "%s(", fn), args, ")", LIST_CALL, 1);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}%s", tail);
}

static const char *result_type(rs *r, const ffirt__gen_proc *p) {
  return p->result ? rtype(r, p->result) : "()";
}

static const char *result_conv(rs *r, const ffirt__gen_proc *p) {
  if (!p->result) return "rt::reply_unit";
  if (p->result->kind == GEN_STRING) return "rt::reply_string";
  if (p->result->kind == GEN_BYTES) return "rt::reply_bytes";
  return ffirt__gen_fmt(r->n, "rt::reply_native::<%s>", rtype(r, p->result));
}

static void emit_proc(rs *r, const ffirt__gen_proc *p) {
  ffirt__gen_writer *w = r->w;
  const char *lib = r->m->library;
  int is_static = p->kind == GEN_STATIC;
  const char *mname = ident(r, GEN_ROLE_METHOD, p->name);
  const char *aname = ffirt__gen_lang_async(r->n, r->L, p->name);
  const char *start = suffixed(r, mname, "_start");
  const char *res = result_type(r, p);
  const char *on = is_static ? "`timeout`" : "the context's timeout";
  const char *recv = is_static ? "Self::" : "self.";
  const char *keep = fresh(r, p, "k"), *call = fresh(r, p, "call");
  const char *cb = fresh(r, p, "cb"), *ud = fresh(r, p, "ud");
  list l = {0};

  /* Blocking form. */
  doc(r, &p->doc, "///");
  if (p->doc.count) ffirt__gen_w_line(w, "///");
  ffirt__gen_w_line(w, "/// Blocks until the reply, at most %s.", on);
  if (!is_static) list_add(r, &l, "&self");
  params_decl(r, &l, p, 0);
  if (is_static) list_add(r, &l, "timeout: Duration");
  list_emit(r, ffirt__gen_fmt(r->n, "pub fn %s(", mname), &l,
            ffirt__gen_fmt(r->n, ") -> Result<%s, String> {", res), LIST_DECL, 1);
  ffirt__gen_w_indent(w);
  params_refs(r, &l, p);
  if (is_static) list_add(r, &l, "timeout");
  {
    /* rustfmt's chains: past 60 columns `.wait()` goes to its own line */
    const char *head = ffirt__gen_fmt(r->n, "%s%s(", recv, start);
    size_t args = 0;
    for (size_t k = 0; k < l.n; k++)
      args += strlen(l.v[k]) + (k ? 2 : 0);
    size_t chain = strlen(head) + args + strlen(")?.wait()");
    if (args > 60 || (size_t)w->indent * 4 + chain > 100) {
      list_emit(r, head, &l, ")?", LIST_CALL, 1);
      ffirt__gen_w_line(w, ".wait()");
    } else if (chain > 60) {
      list_emit(r, head, &l, ")?", LIST_CALL, 1);
      ffirt__gen_w_line(w, "    .wait()");
    } else {
      list_emit(r, head, &l, ")?.wait()", LIST_CALL, 1);
    }
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);

  /* Asynchronous form. */
  doc(r, &p->doc, "///");
  if (p->doc.count) ffirt__gen_w_line(w, "///");
  ffirt__gen_w_line(w, "/// Asynchronous form of [`%s`](Self::%s): a plain future woken by the",
                    mname, mname);
  ffirt__gen_w_line(w, "/// reply (any executor), failing after %s.", on);
  if (!is_static) list_add(r, &l, "&self");
  params_decl(r, &l, p, 0);
  if (is_static) list_add(r, &l, "timeout: Duration");
  list_emit(r, ffirt__gen_fmt(r->n, "pub async fn %s(", aname), &l,
            ffirt__gen_fmt(r->n, ") -> Result<%s, String> {", res), LIST_DECL, 1);
  ffirt__gen_w_indent(w);
  params_refs(r, &l, p);
  if (is_static) list_add(r, &l, "timeout");
  list_emit(r, ffirt__gen_fmt(r->n, "let %s = %s%s(", call, recv, start), &l, ")?;", LIST_CALL, 1);
  ffirt__gen_w_line(w, "%s.future().await", call);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);

  /* Submission. */
  if (!is_static) list_add(r, &l, "&self");
  params_decl(r, &l, p, 1);
  if (is_static) list_add(r, &l, "timeout: Duration");
  list_emit(r, ffirt__gen_fmt(r->n, "fn %s(", start), &l,
            ffirt__gen_fmt(r->n, ") -> Result<Arc<rt::Call<%s>>, String> {", res), LIST_DECL, 1);
  ffirt__gen_w_indent(w);
  params_to_c(r, p, keep);
  list_add(r, &l, rust_str(r, p->name));
  list_add(r, &l, is_static ? "timeout" : "self.timeout");
  list_add(r, &l, result_conv(r, p));
  list_emit(r, ffirt__gen_fmt(r->n, "let %s = rt::Call::new(", call), &l, ");", LIST_CALL, 1);
  ffirt__gen_w_line(w, "%s.submit(|%s, %s| {", call, cb, ud);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(
      w, "// SAFETY: native arguments stay valid until the export returned (it copies).");
  if (!is_static) list_add(r, &l, "self.core.raw()");
  list_add(r, &l, cb);
  list_add(r, &l, ud);
  params_args(r, &l, p);
  unsafe_call(r, "rt::accepted(", ffirt__gen_fmt(r->n, "ffi::%s_%s", lib, p->name), &l, ")");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "});");
  ffirt__gen_w_line(w, "Ok(%s)", call);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
}

static void emit_ctx(rs *r) {
  const ffirt__gen_model *m = r->m;
  ffirt__gen_writer *w = r->w;
  const char *lib = m->library;
  const char *ctx = ffirt__gen_lang_ctx_class(r->n, r->L, m->state);
  const ffirt__gen_proc *ctor = m->ctor;

  ffirt__gen_w_line(w, "static LIB: rt::Lib = rt::Lib {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "name: \"%s\",", lib);
  ffirt__gen_w_line(w, "destroy: ffi::%s_%s,", lib, m->dtor->name);
  ffirt__gen_w_line(w, "add: ffi::%s_add_event_listener,", lib);
  ffirt__gen_w_line(w, "add_cbor: ffi::%s_add_event_listener_cbor,", lib);
  ffirt__gen_w_line(w, "remove: ffi::%s_remove_event_listener,", lib);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "};");
  ffirt__gen_w_blank(w);

  ffirt__gen_w_line(w, "/// A context of `%s`: the library's state with its own worker and event",
                    lib);
  ffirt__gen_w_line(w,
                    "/// threads. `Send + Sync`: share it between threads by reference or in an");
  ffirt__gen_w_line(w, "/// `Arc`. Dropping it destroys the context (pending calls are answered");
  ffirt__gen_w_line(w, "/// with an error, listeners are removed).");
  ffirt__gen_w_line(w, "pub struct %s {", ctx);
  ffirt__gen_w_line(w, "    core: Arc<rt::Core>,");
  ffirt__gen_w_line(w, "    timeout: Duration,");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "impl %s {", ctx);
  ffirt__gen_w_indent(w);

  /* Constructors. */
  const char *keep = fresh(r, ctor, "k"), *call = fresh(r, ctor, "call");
  const char *cb = fresh(r, ctor, "cb"), *ud = fresh(r, ctor, "ud");
  const char *raw = fresh(r, ctor, "raw"), *cx = fresh(r, ctor, "ctx");
  doc(r, &ctor->doc, "///");
  if (ctor->doc.count) ffirt__gen_w_line(w, "///");
  ffirt__gen_w_line(w, "/// Creates a context and waits (at most `timeout`) until its constructor");
  ffirt__gen_w_line(w, "/// ran. `timeout` also bounds every later call on the context.");
  list l = {0};
  for (int async = 0; async <= 1; async++) {
    if (async) ffirt__gen_w_line(w, "/// Asynchronous form of [`create`](Self::create).");
    params_decl(r, &l, ctor, 0);
    list_add(r, &l, "timeout: Duration");
    list_emit(r, async ? "pub async fn new_async(" : "pub fn create(", &l,
              ") -> Result<Self, String> {", LIST_DECL, 1);
    ffirt__gen_w_indent(w);
    params_refs(r, &l, ctor);
    list_add(r, &l, "timeout");
    list_emit(r, ffirt__gen_fmt(r->n, "let (%s, %s) = Self::create_start(", cx, call), &l, ")?;",
              LIST_CALL, 1);
    ffirt__gen_w_line(w, async ? "%s.future().await?;" : "%s.wait()?;", call);
    ffirt__gen_w_line(w, "%s.ok_or_else(|| \"create: no context\".to_owned())", cx);
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_blank(w);
  }
  ffirt__gen_w_line(w, "#[allow(clippy::type_complexity)]");
  params_decl(r, &l, ctor, 1);
  list_add(r, &l, "timeout: Duration");
  list_emit(r, "fn create_start(", &l, ") -> Result<(Option<Self>, Arc<rt::Call<()>>), String> {",
            LIST_DECL, 1);
  ffirt__gen_w_indent(w);
  params_to_c(r, ctor, keep);
  ffirt__gen_w_line(w, "let %s = rt::Call::new(%s, timeout, rt::reply_unit);", call,
                    rust_str(r, ctor->name));
  ffirt__gen_w_line(w, "let mut %s = std::ptr::null_mut();", raw);
  ffirt__gen_w_line(w, "%s.submit(|%s, %s| {", call, cb, ud);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(
      w, "// SAFETY: native arguments stay valid until the export returned (it copies).");
  params_args(r, &l, ctor);
  list_add(r, &l, cb);
  list_add(r, &l, ud);
  unsafe_call(r, ffirt__gen_fmt(r->n, "%s = ", raw),
              ffirt__gen_fmt(r->n, "ffi::%s_%s", lib, ctor->name), &l, ";");
  ffirt__gen_w_line(w, "true // a constructor always answers, also when it returns NULL");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "});");
  ffirt__gen_w_line(w, "let %s = if %s.is_null() {", cx, raw);
  ffirt__gen_w_line(w, "    None");
  ffirt__gen_w_line(w, "} else {");
  ffirt__gen_w_line(w, "    Some(%s {", ctx);
  ffirt__gen_w_line(w, "        core: rt::Core::new(%s, &LIB),", raw);
  ffirt__gen_w_line(w, "        timeout,");
  ffirt__gen_w_line(w, "    })");
  ffirt__gen_w_line(w, "};");
  ffirt__gen_w_line(w, "Ok((%s, %s))", cx, call);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);

  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind == GEN_METHOD || m->procs[i].kind == GEN_STATIC)
      emit_proc(r, &m->procs[i]);

  /* Events. */
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *e = &m->events[i];
    const char *pt = rtype(r, e->payload);
    doc(r, &e->doc, "///");
    if (e->doc.count) ffirt__gen_w_line(w, "///");
    ffirt__gen_w_line(w, "/// Registers `f` for `%s`. It runs on the context's event thread",
                      e->wire);
    ffirt__gen_w_line(w, "/// with the payload borrowed for the call; a panic in it is caught and");
    ffirt__gen_w_line(w, "/// reported on stderr.");
    list l = {0};
    list_add(r, &l, "&self");
    list_add(r, &l, "f: F");
    list_emit(r,
              ffirt__gen_fmt(r->n, "pub fn %s<F: Fn(&%s) + Send + Sync + 'static>(",
                             ffirt__gen_lang_event_subscribe(r->n, r->L, e->wire), pt),
              &l, ") -> ListenerHandle {", LIST_DECL, 1);
    ffirt__gen_w_indent(w);
    list_add(r, &l, rust_str(r, e->wire));
    list_add(r, &l, "false");
    list_add(r, &l, ffirt__gen_fmt(r->n, "rt::typed::<%s, F>(%s, f)", pt, rust_str(r, lib)));
    size_t args = 0;
    for (size_t k = 0; k < l.n; k++)
      args += strlen(l.v[k]) + (k ? 2 : 0);
    if (args <= 60 && strlen("self.core.listen()") + args > 60) {
      /* rustfmt's chain_width: the call goes to its own line */
      ffirt__gen_w_line(w, "self.core");
      ffirt__gen_w_indent(w);
      list_emit(r, ".listen(", &l, ")", LIST_CALL, 1);
      ffirt__gen_w_dedent(w);
    } else {
      list_emit(r, "self.core.listen(", &l, ")", LIST_CALL, 1);
    }
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_blank(w);
  }
  ffirt__gen_w_line(w, "/// Registers `f` for every event (also the runtime's `not_responding`,");
  ffirt__gen_w_line(w,
                    "/// `responding` and `dropped_events`): `f(callerRet, eventType, envelope)`");
  ffirt__gen_w_line(
      w, "/// with the CBOR envelope `{\"eventType\": ..., \"payload\": ...}`; decode the");
  ffirt__gen_w_line(w, "/// payload with [`decode_event_payload`].");
  ffirt__gen_w_line(w,
                    "pub fn add_event_listener<F: Fn(i32, &str, &[u8]) + Send + Sync + 'static>(");
  ffirt__gen_w_line(w, "    &self,");
  ffirt__gen_w_line(w, "    f: F,");
  ffirt__gen_w_line(w, ") -> ListenerHandle {");
  ffirt__gen_w_line(w, "    self.core.listen(\"\", true, rt::wildcard(f))");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/// Removes a listener; false when it is not registered. Called from any");
  ffirt__gen_w_line(w,
                    "/// other thread it waits for a running call of that listener; from inside");
  ffirt__gen_w_line(w, "/// the listener it returns at once (the listener is not called again).");
  ffirt__gen_w_line(w, "pub fn remove_event_listener(&self, h: ListenerHandle) -> bool {");
  ffirt__gen_w_line(w, "    self.core.unlisten(h)");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/// A guard that removes the listener when dropped.");
  ffirt__gen_w_line(w, "pub fn subscription(&self, h: ListenerHandle) -> Subscription {");
  ffirt__gen_w_line(w, "    Subscription::new(&self.core, h)");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/// The timeout of blocking calls and futures, from the constructor.");
  ffirt__gen_w_line(w, "pub fn timeout(&self) -> Duration {");
  ffirt__gen_w_line(w, "    self.timeout");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/// The native handle, for the C exports of `%s`.", lib);
  ffirt__gen_w_line(w, "pub fn as_raw(&self) -> *mut c_void {");
  ffirt__gen_w_line(w, "    self.core.raw()");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "impl Drop for %s {", ctx);
  ffirt__gen_w_line(w, "    fn drop(&mut self) {");
  ffirt__gen_w_line(w, "        Arc::clone(&self.core).close();");
  ffirt__gen_w_line(w, "    }");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "impl std::fmt::Debug for %s {", ctx);
  ffirt__gen_w_line(w, "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {");
  ffirt__gen_w_line(w, "        f.debug_struct(\"%s\")", ctx);
  ffirt__gen_w_line(w, "            .field(\"raw\", &self.core.raw())");
  ffirt__gen_w_line(w, "            .finish()");
  ffirt__gen_w_line(w, "    }");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "#[allow(dead_code)]");
  ffirt__gen_w_line(w, "fn assert_send_sync() {");
  ffirt__gen_w_line(w, "    fn check<T: Send + Sync>() {}");
  ffirt__gen_w_line(w, "    check::<%s>();", ctx);
  ffirt__gen_w_line(w, "}");
}

static void emit_lib(rs *r) {
  const ffirt__gen_model *m = r->m;
  ffirt__gen_writer *w = r->w;
  const char *ctx = ffirt__gen_lang_ctx_class(r->n, r->L, m->state);
  doc(r, &m->library_doc, "//!");
  if (m->library_doc.count) ffirt__gen_w_line(w, "//!");
  ffirt__gen_w_line(w, "//! Rust binding of the `%s` library, generated by ffirt-gen from `%s`.",
                    m->library, ffirt__gen_base_name(m->file));
  ffirt__gen_w_line(w, "//!");
  ffirt__gen_w_line(w, "//! [`%s`] is a context; its methods call the library through its native",
                    ctx);
  ffirt__gen_w_line(w, "//! C ABI, blocking (`echo`) or as a future (`echo_async`, any executor).");
  ffirt__gen_w_line(w, "//! Errors are the library's texts. No dependencies.");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "#![allow(clippy::too_many_arguments)]");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "pub mod cbor;");
  ffirt__gen_w_line(w, "mod ffi;");
  ffirt__gen_w_line(w, "mod rt;");
  ffirt__gen_w_line(w, "mod wire;");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "pub use cbor::{decode_event_payload, FromCbor};");
  ffirt__gen_w_line(w, "pub use rt::{ListenerHandle, Subscription};");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "#[allow(unused_imports)]");
  ffirt__gen_w_line(w, "use rt::Native;");
  ffirt__gen_w_line(w, "use std::ffi::c_void;");
  ffirt__gen_w_line(w, "use std::sync::Arc;");
  ffirt__gen_w_line(w, "use std::time::Duration;");
  ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nconsts; i++)
    emit_const(r, &m->consts[i]);
  if (m->nconsts) ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nenums; i++)
    emit_enum(r, &m->enums[i]);
  for (size_t i = 0; i < m->nstructs; i++)
    emit_struct(r, &m->structs[i]);
  emit_ctx(r);
}

/* ------------------------------------------------------------ entry */

static int make_dir(const char *path) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
  fprintf(stderr, "ffirt-gen: cannot create '%s': %s\n", path, strerror(errno));
  return -1;
}

int ffirt__gen_emit_rust(const ffirt__gen_model *m, const char *outdir) {
  ffirt__gen_names n;
  ffirt__gen_names_init(&n);
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_set_indent(&w, "    ");
  rs r = {m, ffirt__gen_lang_get(GEN_LANG_RUST), &n, &w};
  const char *src =
      ffirt__gen_fmt(&n, "%s%ssrc", outdir ? outdir : "", outdir && *outdir ? "/" : "");
  int rc = make_dir(src);
  if (rc == 0) {
    emit_cargo(&r);
    rc |= write_file(&r, outdir, "Cargo.toml");
    emit_build_rs(&r);
    rc |= write_file(&r, outdir, "build.rs");
    emit_lib(&r);
    rc |= write_file(&r, src, "lib.rs");
    emit_ffi(&r);
    rc |= write_file(&r, src, "ffi.rs");
    emit_wire(&r);
    rc |= write_file(&r, src, "wire.rs");
    fixed(&r, rt_text());
    rc |= write_file(&r, src, "rt.rs");
    fixed(&r, cbor_text());
    rc |= write_file(&r, src, "cbor.rs");
  }
  if (n.oom) {
    fprintf(stderr, "ffirt-gen: out of memory\n");
    rc = -1;
  }
  ffirt__gen_w_free(&w);
  ffirt__gen_names_free(&n);
  return rc ? -1 : 0;
}

/* ------------------------------------------------------------ fixed text */
/* BEGIN FIXED TEXT (src/rt.rs and src/cbor.rs of every crate) */
static const char *const rt_lines[] = {
    "//! Support code of the binding: native conversions, the state a call shares",
    "//! with its reply callback, the futures, the listener trampolines.",
    "//!",
    "//! Design notes:",
    "//! - A call's state (`Call<T>`) is reference counted. The reply callback owns",
    "//!   one reference (the `userData` handed to the library) until the terminal",
    "//!   callback, so a waiter that timed out or a future that was dropped never",
    "//!   frees what a late reply still touches.",
    "//! - Replies are converted inside the callback (the library frees the native",
    "//!   graph right after it returns) and only when nobody gave up waiting.",
    "//! - Futures are woken from the reply callback; timeouts of futures come from",
    "//!   one lazily started timer thread shared by every call (no thread per",
    "//!   call, no executor dependency).",
    "//! - Every `extern \"C\"` entry catches panics: nothing unwinds into C.",
    "//! - Listener closures are reference counted: the registry of the context",
    "//!   holds one reference until the library confirmed the removal, a running",
    "//!   trampoline holds another, so a listener may remove itself.",
    "#![allow(dead_code)]",
    "",
    "use std::any::Any;",
    "use std::collections::HashMap;",
    "use std::ffi::{c_void, CStr, CString};",
    "use std::future::Future;",
    "use std::io::Write;",
    "use std::os::raw::{c_char, c_int};",
    "use std::panic::{catch_unwind, AssertUnwindSafe};",
    "use std::pin::Pin;",
    "use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};",
    "use std::task::{Context, Poll, Waker};",
    "use std::time::{Duration, Instant};",
    "",
    "pub(crate) const RET_OK: c_int = 0;",
    "pub(crate) const RET_ERR: c_int = 1;",
    "pub(crate) const RET_STALE_WARN: c_int = 3;",
    "",
    "/// `FFICallBack` of the C ABI.",
    "pub(crate) type FfiCallback = unsafe extern \"C\" fn(c_int, *const c_char, usize, *mut "
    "c_void);",
    "/// `<lib>_add_event_listener[_cbor]`.",
    "pub(crate) type AddFn =",
    "    unsafe extern \"C\" fn(*mut c_void, *const c_char, FfiCallback, *mut c_void) -> u64;",
    "/// `<lib>_remove_event_listener`, `<lib>_<dtor>`.",
    "pub(crate) type RemoveFn = unsafe extern \"C\" fn(*mut c_void, u64) -> c_int;",
    "pub(crate) type DestroyFn = unsafe extern \"C\" fn(*mut c_void) -> c_int;",
    "",
    "fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {",
    "    m.lock().unwrap_or_else(|e| e.into_inner())",
    "}",
    "",
    "fn report(lib: &str, what: &str) {",
    "    let _ = writeln!(std::io::stderr(), \"{lib}: {what}\");",
    "}",
    "",
    "fn panic_text(p: &(dyn Any + Send)) -> &str {",
    "    if let Some(s) = p.downcast_ref::<&str>() {",
    "        s",
    "    } else if let Some(s) = p.downcast_ref::<String>() {",
    "        s",
    "    } else {",
    "        \"(no message)\"",
    "    }",
    "}",
    "",
    "/// The bytes of a callback's `msg`/`len` (never NULL by contract; checked).",
    "///",
    "/// # Safety",
    "/// `msg` must point to `len` readable bytes for the returned lifetime.",
    "pub(crate) unsafe fn bytes<'a>(msg: *const c_char, len: usize) -> &'a [u8] {",
    "    if msg.is_null() || len == 0 {",
    "        &[]",
    "    } else {",
    "        std::slice::from_raw_parts(msg as *const u8, len)",
    "    }",
    "}",
    "",
    "// ------------------------------------------------------------ native layout",
    "",
    "/// Owns what a native argument points to until the export returned (the",
    "/// library deep-copies arguments before it returns).",
    "pub(crate) struct Keep(Vec<Box<dyn Any>>);",
    "",
    "impl Keep {",
    "    pub(crate) fn new() -> Self {",
    "        Keep(Vec::new())",
    "    }",
    "    fn hold<T: 'static>(&mut self, v: T) {",
    "        self.0.push(Box::new(v));",
    "    }",
    "}",
    "",
    "/// A value with a native (C) form: `C` has exactly the layout of abi.md 5.",
    "pub(crate) trait Native: Sized {",
    "    type C: Copy + 'static;",
    "    fn to_c(&self, k: &mut Keep) -> Result<Self::C, String>;",
    "    /// # Safety",
    "    /// Every pointer reachable from `c` must be valid (a graph the library",
    "    /// handed over, borrowed for the callback).",
    "    unsafe fn from_c(c: &Self::C) -> Result<Self, String>;",
    "}",
    "",
    "macro_rules! native_plain {",
    "    ($($t:ty),*) => {$(",
    "        impl Native for $t {",
    "            type C = $t;",
    "            fn to_c(&self, _: &mut Keep) -> Result<$t, String> {",
    "                Ok(*self)",
    "            }",
    "            unsafe fn from_c(c: &$t) -> Result<$t, String> {",
    "                Ok(*c)",
    "            }",
    "        }",
    "    )*};",
    "}",
    "native_plain!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);",
    "",
    "impl Native for bool {",
    "    type C = c_int;",
    "    fn to_c(&self, _: &mut Keep) -> Result<c_int, String> {",
    "        Ok(c_int::from(*self))",
    "    }",
    "    unsafe fn from_c(c: &c_int) -> Result<bool, String> {",
    "        Ok(*c != 0)",
    "    }",
    "}",
    "",
    "impl Native for String {",
    "    type C = *const c_char;",
    "    fn to_c(&self, k: &mut Keep) -> Result<*const c_char, String> {",
    "        let s = CString::new(self.as_str())",
    "            .map_err(|e| format!(\": contains a NUL byte at {}\", e.nul_position()))?;",
    "        let p = s.as_ptr();",
    "        k.hold(s);",
    "        Ok(p)",
    "    }",
    "    unsafe fn from_c(c: &*const c_char) -> Result<String, String> {",
    "        if c.is_null() {",
    "            return Ok(String::new());",
    "        }",
    "        CStr::from_ptr(*c)",
    "            .to_str()",
    "            .map(str::to_owned)",
    "            .map_err(|_| \": invalid UTF-8\".to_owned())",
    "    }",
    "}",
    "",
    "/// `seq<T>` and `bytes`: `T *items; size_t items_len;` (also the layout of a",
    "/// seq or bytes field, whose first member is pointer-aligned).",
    "#[repr(C)]",
    "#[derive(Clone, Copy)]",
    "pub(crate) struct SeqBox<T> {",
    "    pub(crate) items: *const T,",
    "    pub(crate) len: usize,",
    "}",
    "",
    "impl<T: Native> Native for Vec<T> {",
    "    type C = SeqBox<T::C>;",
    "    fn to_c(&self, k: &mut Keep) -> Result<SeqBox<T::C>, String> {",
    "        let mut v = Vec::with_capacity(self.len());",
    "        for (i, x) in self.iter().enumerate() {",
    "            v.push(x.to_c(k).map_err(|e| format!(\"[{i}]{e}\"))?);",
    "        }",
    "        let items = v.as_ptr();",
    "        k.hold(v);",
    "        Ok(SeqBox {",
    "            items,",
    "            len: self.len(),",
    "        })",
    "    }",
    "    unsafe fn from_c(c: &SeqBox<T::C>) -> Result<Vec<T>, String> {",
    "        if c.len == 0 {",
    "            return Ok(Vec::new());",
    "        }",
    "        if c.items.is_null() {",
    "            return Err(format!(\": NULL pointer with length {}\", c.len));",
    "        }",
    "        let s = std::slice::from_raw_parts(c.items, c.len);",
    "        let mut out = Vec::with_capacity(c.len);",
    "        for (i, x) in s.iter().enumerate() {",
    "            out.push(T::from_c(x).map_err(|e| format!(\"[{i}]{e}\"))?);",
    "        }",
    "        Ok(out)",
    "    }",
    "}",
    "",
    "/// `optional<T>` as one object: `int value_present; T value;`. A struct field",
    "/// is flattened instead (see `opt_to_c`): its flag may share an 8-byte slot",
    "/// with the previous field.",
    "#[repr(C)]",
    "#[derive(Clone, Copy)]",
    "pub(crate) struct OptBox<T> {",
    "    pub(crate) present: c_int,",
    "    pub(crate) value: T,",
    "}",
    "",
    "impl<T: Native> Native for Option<T> {",
    "    type C = OptBox<T::C>;",
    "    fn to_c(&self, k: &mut Keep) -> Result<OptBox<T::C>, String> {",
    "        let (present, value) = opt_to_c(self, k)?;",
    "        Ok(OptBox { present, value })",
    "    }",
    "    unsafe fn from_c(c: &OptBox<T::C>) -> Result<Option<T>, String> {",
    "        opt_from_c(c.present, &c.value)",
    "    }",
    "}",
    "",
    "pub(crate) fn opt_to_c<T: Native>(v: &Option<T>, k: &mut Keep) -> Result<(c_int, T::C), "
    "String> {",
    "    match v {",
    "        Some(x) => Ok((1, x.to_c(k)?)),",
    "        // SAFETY: every native form is plain data (integers, floats, raw",
    "        // pointers) for which all-zero is a valid value.",
    "        None => Ok((0, unsafe { std::mem::zeroed() })),",
    "    }",
    "}",
    "",
    "/// # Safety",
    "/// As `Native::from_c`.",
    "pub(crate) unsafe fn opt_from_c<T: Native>(present: c_int, v: &T::C) -> Result<Option<T>, "
    "String> {",
    "    if present != 0 {",
    "        T::from_c(v).map(Some)",
    "    } else {",
    "        Ok(None)",
    "    }",
    "}",
    "",
    "/// Prefixes the error path of a struct field.",
    "pub(crate) fn field<T>(r: Result<T, String>, name: &str) -> Result<T, String> {",
    "    r.map_err(|e| format!(\".{name}{e}\"))",
    "}",
    "",
    "/// Prefixes the error path of a parameter or a reply.",
    "pub(crate) fn at<T>(r: Result<T, String>, name: &str) -> Result<T, String> {",
    "    r.map_err(|e| format!(\"{name}{e}\"))",
    "}",
    "",
    "// ------------------------------------------------------------ replies",
    "",
    "/// Converts a successful reply's `msg`/`len`; runs inside the callback.",
    "pub(crate) type Conv<T> = unsafe fn(*const c_char, usize) -> Result<T, String>;",
    "",
    "/// A struct, scalar, enum, seq or optional result: `msg` is `const T *`.",
    "///",
    "/// # Safety",
    "/// `msg`/`len` as handed to a native reply callback.",
    "pub(crate) unsafe fn reply_native<T: Native>(msg: *const c_char, len: usize) -> Result<T, "
    "String> {",
    "    if msg.is_null() || len < std::mem::size_of::<T::C>() {",
    "        return Err(format!(",
    "            \"reply: {len} bytes, expected {}\",",
    "            std::mem::size_of::<T::C>()",
    "        ));",
    "    }",
    "    at(T::from_c(&*(msg as *const T::C)), \"reply\")",
    "}",
    "",
    "/// # Safety",
    "/// As `reply_native`.",
    "pub(crate) unsafe fn reply_string(msg: *const c_char, len: usize) -> Result<String, String> {",
    "    String::from_utf8(bytes(msg, len).to_vec()).map_err(|_| \"reply: invalid "
    "UTF-8\".to_owned())",
    "}",
    "",
    "/// # Safety",
    "/// As `reply_native`.",
    "pub(crate) unsafe fn reply_bytes(msg: *const c_char, len: usize) -> Result<Vec<u8>, String> {",
    "    Ok(bytes(msg, len).to_vec())",
    "}",
    "",
    "/// # Safety",
    "/// Never reads.",
    "pub(crate) unsafe fn reply_unit(_: *const c_char, _: usize) -> Result<(), String> {",
    "    Ok(())",
    "}",
    "",
    "/// An event's native payload: `const T *`.",
    "///",
    "/// # Safety",
    "/// As `reply_native`.",
    "pub(crate) unsafe fn payload<T: Native>(msg: *const c_char, len: usize) -> Result<T, String> "
    "{",
    "    if msg.is_null() || len < std::mem::size_of::<T::C>() {",
    "        return Err(format!(",
    "            \"payload: {len} bytes, expected {}\",",
    "            std::mem::size_of::<T::C>()",
    "        ));",
    "    }",
    "    at(T::from_c(&*(msg as *const T::C)), \"payload\")",
    "}",
    "",
    "// ------------------------------------------------------------ calls",
    "",
    "struct Slot<T> {",
    "    result: Option<Result<T, String>>,",
    "    done: bool, // a result was stored or a waiter gave up: later replies are dropped",
    "    waker: Option<Waker>,",
    "}",
    "",
    "/// The state one call shares with its reply callback.",
    "pub(crate) struct Call<T> {",
    "    what: &'static str,",
    "    timeout: Duration,",
    "    conv: Conv<T>,",
    "    slot: Mutex<Slot<T>>,",
    "    cv: Condvar,",
    "}",
    "",
    "impl<T: Send + 'static> Call<T> {",
    "    pub(crate) fn new(what: &'static str, timeout: Duration, conv: Conv<T>) -> Arc<Self> {",
    "        Arc::new(Call {",
    "            what,",
    "            timeout,",
    "            conv,",
    "            slot: Mutex::new(Slot {",
    "                result: None,",
    "                done: false,",
    "                waker: None,",
    "            }),",
    "            cv: Condvar::new(),",
    "        })",
    "    }",
    "",
    "    /// Calls `f(callback, userData)`; `f` returns whether the callback now owns",
    "    /// `userData` (it was accepted, or already answered on this thread).",
    "    pub(crate) fn submit(self: &Arc<Self>, f: impl FnOnce(FfiCallback, *mut c_void) -> bool) "
    "{",
    "        let ud = Arc::into_raw(Arc::clone(self)) as *mut c_void;",
    "        if !f(on_reply::<T>, ud) {",
    "            // SAFETY: the library refused without calling back: ud is still ours.",
    "            drop(unsafe { Arc::from_raw(ud as *const Self) });",
    "            self.finish(Err(format!(\"{}: the library refused the call\", self.what)));",
    "        }",
    "    }",
    "",
    "    fn finish(&self, r: Result<T, String>) {",
    "        let waker = {",
    "            let mut s = lock(&self.slot);",
    "            if s.done {",
    "                return;",
    "            }",
    "            s.done = true;",
    "            s.result = Some(r);",
    "            s.waker.take()",
    "        };",
    "        self.cv.notify_all();",
    "        if let Some(w) = waker {",
    "            w.wake();",
    "        }",
    "    }",
    "",
    "    fn timed_out(&self) -> String {",
    "        format!(\"{}: no reply within {:?}\", self.what, self.timeout)",
    "    }",
    "",
    "    /// Blocks until the reply or the timeout.",
    "    pub(crate) fn wait(&self) -> Result<T, String> {",
    "        let deadline = Instant::now().checked_add(self.timeout);",
    "        let mut s = lock(&self.slot);",
    "        loop {",
    "            if let Some(r) = s.result.take() {",
    "                return r;",
    "            }",
    "            let now = Instant::now();",
    "            match deadline {",
    "                Some(d) if now >= d => {",
    "                    s.done = true;",
    "                    return Err(self.timed_out());",
    "                }",
    "                Some(d) => {",
    "                    s = self",
    "                        .cv",
    "                        .wait_timeout(s, d - now)",
    "                        .unwrap_or_else(|e| e.into_inner())",
    "                        .0;",
    "                }",
    "                None => s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner()),",
    "            }",
    "        }",
    "    }",
    "",
    "    /// The reply as a future (bounded by the call's timeout).",
    "    pub(crate) fn future(self: Arc<Self>) -> CallFuture<T> {",
    "        CallFuture {",
    "            call: self,",
    "            armed: false,",
    "        }",
    "    }",
    "}",
    "",
    "/// The return code of a method export: RET_OK (accepted) or RET_ERR (the",
    "/// callback already ran) leave `userData` to the callback.",
    "pub(crate) fn accepted(rc: c_int) -> bool {",
    "    rc == RET_OK || rc == RET_ERR",
    "}",
    "",
    "unsafe extern \"C\" fn on_reply<T: Send + 'static>(",
    "    ret: c_int,",
    "    msg: *const c_char,",
    "    len: usize,",
    "    ud: *mut c_void,",
    ") {",
    "    if ret == RET_STALE_WARN || ud.is_null() {",
    "        return;",
    "    }",
    "    // SAFETY: ud came from Arc::into_raw in submit; this terminal callback",
    "    // runs exactly once and takes that reference back.",
    "    let call = Arc::from_raw(ud as *const Call<T>);",
    "    let _ = catch_unwind(AssertUnwindSafe(|| {",
    "        if lock(&call.slot).done {",
    "            return; // the waiter gave up: nothing to convert",
    "        }",
    "        let r = if ret == RET_OK {",
    "            (call.conv)(msg, len)",
    "        } else {",
    "            Err(String::from_utf8_lossy(bytes(msg, len)).into_owned())",
    "        };",
    "        call.finish(r);",
    "        drop(call);",
    "    }));",
    "}",
    "",
    "/// A reply as a `std::future::Future`, woken from the reply callback: it",
    "/// works on any executor.",
    "pub(crate) struct CallFuture<T> {",
    "    call: Arc<Call<T>>,",
    "    armed: bool,",
    "}",
    "",
    "impl<T: Send + 'static> Future for CallFuture<T> {",
    "    type Output = Result<T, String>;",
    "    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {",
    "        let this = self.get_mut();",
    "        let mut s = lock(&this.call.slot);",
    "        if let Some(r) = s.result.take() {",
    "            return Poll::Ready(r);",
    "        }",
    "        if s.done {",
    "            return Poll::Ready(Err(format!(\"{}: polled after completion\", "
    "this.call.what)));",
    "        }",
    "        match &s.waker {",
    "            Some(w) if w.will_wake(cx.waker()) => {}",
    "            _ => s.waker = Some(cx.waker().clone()),",
    "        }",
    "        drop(s);",
    "        if !this.armed {",
    "            this.armed = true;",
    "            if let Some(at) = Instant::now().checked_add(this.call.timeout) {",
    "                let weak: Weak<dyn Expire> = Arc::downgrade(&this.call) as Weak<dyn Expire>;",
    "                timer::arm(at, weak);",
    "            }",
    "        }",
    "        Poll::Pending",
    "    }",
    "}",
    "",
    "trait Expire: Send + Sync {",
    "    fn expire(&self);",
    "}",
    "",
    "impl<T: Send + 'static> Expire for Call<T> {",
    "    fn expire(&self) {",
    "        self.finish(Err(self.timed_out()));",
    "    }",
    "}",
    "",
    "mod timer {",
    "    //! One thread for the deadlines of every pending future of this crate.",
    "    use super::{lock, Expire};",
    "    use std::cmp::Ordering;",
    "    use std::collections::BinaryHeap;",
    "    use std::sync::{Condvar, Mutex, Once, Weak};",
    "    use std::time::Instant;",
    "",
    "    struct Entry {",
    "        at: Instant,",
    "        seq: u64,",
    "        call: Weak<dyn Expire>,",
    "    }",
    "    impl PartialEq for Entry {",
    "        fn eq(&self, o: &Self) -> bool {",
    "            self.at == o.at && self.seq == o.seq",
    "        }",
    "    }",
    "    impl Eq for Entry {}",
    "    impl PartialOrd for Entry {",
    "        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {",
    "            Some(self.cmp(o))",
    "        }",
    "    }",
    "    impl Ord for Entry {",
    "        // Reversed: BinaryHeap is a max-heap, the earliest deadline comes first.",
    "        fn cmp(&self, o: &Self) -> Ordering {",
    "            o.at.cmp(&self.at).then(o.seq.cmp(&self.seq))",
    "        }",
    "    }",
    "",
    "    struct Queue {",
    "        heap: Option<BinaryHeap<Entry>>,",
    "        seq: u64,",
    "        prune_at: usize, // size at which entries of finished calls are dropped",
    "    }",
    "    static QUEUE: Mutex<Queue> = Mutex::new(Queue {",
    "        heap: None,",
    "        seq: 0,",
    "        prune_at: 1024,",
    "    });",
    "    static CV: Condvar = Condvar::new();",
    "    static START: Once = Once::new();",
    "",
    "    pub(super) fn arm(at: Instant, call: Weak<dyn Expire>) {",
    "        START.call_once(|| {",
    "            let _ = std::thread::Builder::new()",
    "                .name(\"ffirt-timer\".into())",
    "                .spawn(run);",
    "        });",
    "        let mut q = lock(&QUEUE);",
    "        q.seq += 1;",
    "        let seq = q.seq;",
    "        let mut heap = q.heap.take().unwrap_or_default();",
    "        if heap.len() >= q.prune_at {",
    "            // Calls answered in time leave their entry until its deadline;",
    "            // drop those whose call is gone (amortised: the bound doubles).",
    "            let mut v = heap.into_vec();",
    "            v.retain(|e| e.call.strong_count() > 0);",
    "            q.prune_at = (2 * v.len()).max(1024);",
    "            heap = BinaryHeap::from(v);",
    "        }",
    "        let first = heap.peek().map_or(true, |e| at < e.at);",
    "        heap.push(Entry { at, seq, call });",
    "        q.heap = Some(heap);",
    "        drop(q);",
    "        if first {",
    "            CV.notify_one();",
    "        }",
    "    }",
    "",
    "    fn run() {",
    "        let mut q = lock(&QUEUE);",
    "        loop {",
    "            let now = Instant::now();",
    "            let mut due = Vec::new();",
    "            let mut next = None;",
    "            if let Some(heap) = q.heap.as_mut() {",
    "                while let Some(e) = heap.peek() {",
    "                    if e.at > now {",
    "                        next = Some(e.at);",
    "                        break;",
    "                    }",
    "                    if let Some(e) = heap.pop() {",
    "                        due.push(e.call);",
    "                    }",
    "                }",
    "            }",
    "            if !due.is_empty() {",
    "                drop(q);",
    "                for c in due {",
    "                    if let Some(c) = c.upgrade() {",
    "                        c.expire();",
    "                    }",
    "                }",
    "                q = lock(&QUEUE);",
    "                continue;",
    "            }",
    "            q = match next {",
    "                Some(at) => {",
    "                    CV.wait_timeout(q, at - now)",
    "                        .unwrap_or_else(|e| e.into_inner())",
    "                        .0",
    "                }",
    "                None => CV.wait(q).unwrap_or_else(|e| e.into_inner()),",
    "            };",
    "        }",
    "    }",
    "}",
    "",
    "// ------------------------------------------------------------ contexts and listeners",
    "",
    "/// The id of a registered listener (ids start at 1; 0 means the",
    "/// registration was refused).",
    "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]",
    "pub struct ListenerHandle {",
    "    pub id: u64,",
    "}",
    "",
    "type ListenerFn = dyn Fn(c_int, *const c_char, usize) + Send + Sync;",
    "",
    "struct Listener {",
    "    lib: &'static str,",
    "    f: Box<ListenerFn>,",
    "}",
    "",
    "/// The library's functions a context needs, by pointer.",
    "pub(crate) struct Lib {",
    "    pub(crate) name: &'static str,",
    "    pub(crate) destroy: DestroyFn,",
    "    pub(crate) add: AddFn,",
    "    pub(crate) add_cbor: AddFn,",
    "    pub(crate) remove: RemoveFn,",
    "}",
    "",
    "/// One native context: the handle and the closures registered on it.",
    "pub(crate) struct Core {",
    "    raw: *mut c_void,",
    "    lib: &'static Lib,",
    "    listeners: Mutex<HashMap<u64, usize>>, // id -> Arc<Listener> raw pointer",
    "}",
    "",
    "// SAFETY: the handle is an opaque token every export validates and accepts",
    "// from any thread; the registry is behind a mutex.",
    "unsafe impl Send for Core {}",
    "unsafe impl Sync for Core {}",
    "",
    "impl Core {",
    "    pub(crate) fn new(raw: *mut c_void, lib: &'static Lib) -> Arc<Core> {",
    "        Arc::new(Core {",
    "            raw,",
    "            lib,",
    "            listeners: Mutex::new(HashMap::new()),",
    "        })",
    "    }",
    "",
    "    pub(crate) fn raw(&self) -> *mut c_void {",
    "        self.raw",
    "    }",
    "",
    "    pub(crate) fn listen(&self, event: &str, cbor: bool, f: Box<ListenerFn>) -> "
    "ListenerHandle {",
    "        let name = match CString::new(event) {",
    "            Ok(n) => n,",
    "            Err(_) => return ListenerHandle { id: 0 },",
    "        };",
    "        let l = Arc::into_raw(Arc::new(Listener {",
    "            lib: self.lib.name,",
    "            f,",
    "        }));",
    "        let add = if cbor {",
    "            self.lib.add_cbor",
    "        } else {",
    "            self.lib.add",
    "        };",
    "        // SAFETY: the trampoline matches FFICallBack; l stays alive until",
    "        // unlisten or close released it after the library let go of it.",
    "        let id = unsafe { add(self.raw, name.as_ptr(), on_event, l as *mut c_void) };",
    "        if id == 0 {",
    "            // SAFETY: refused: the library never calls it.",
    "            drop(unsafe { Arc::from_raw(l) });",
    "        } else {",
    "            lock(&self.listeners).insert(id, l as usize);",
    "        }",
    "        ListenerHandle { id }",
    "    }",
    "",
    "    pub(crate) fn unlisten(&self, h: ListenerHandle) -> bool {",
    "        // Not under the registry lock: this waits for a running listener,",
    "        // which may itself be registering or removing listeners.",
    "        // SAFETY: any handle value is validated by the library.",
    "        if h.id == 0 || unsafe { (self.lib.remove)(self.raw, h.id) } != 0 {",
    "            return false;",
    "        }",
    "        let l = lock(&self.listeners).remove(&h.id);",
    "        if let Some(l) = l {",
    "            // SAFETY: removed: never called again (a running call of this",
    "            // listener on this thread holds its own reference).",
    "            drop(unsafe { Arc::from_raw(l as *const Listener) });",
    "        }",
    "        true",
    "    }",
    "",
    "    /// Destroys the context, then frees the closures. Called from one of the",
    "    /// context's own threads (a listener dropped the last owner), the",
    "    /// library refuses to wait for itself: the teardown moves to a new thread.",
    "    pub(crate) fn close(self: Arc<Self>) {",
    "        // SAFETY: validated by the library; a dead handle is refused.",
    "        if unsafe { (self.lib.destroy)(self.raw) } == 0 {",
    "            self.release_all();",
    "            return;",
    "        }",
    "        let core = Arc::clone(&self);",
    "        let spawned = std::thread::Builder::new()",
    "            .name(\"ffirt-close\".into())",
    "            .spawn(move || {",
    "                // SAFETY: as above; now off the context's threads.",
    "                unsafe { (core.lib.destroy)(core.raw) };",
    "                core.release_all();",
    "            });",
    "        if spawned.is_err() {",
    "            report(",
    "                self.lib.name,",
    "                \"cannot destroy the context (no thread): leaked\",",
    "            );",
    "        }",
    "    }",
    "",
    "    fn release_all(&self) {",
    "        let all: Vec<usize> = lock(&self.listeners).drain().map(|(_, l)| l).collect();",
    "        for l in all {",
    "            // SAFETY: the context is gone: no listener runs any more.",
    "            drop(unsafe { Arc::from_raw(l as *const Listener) });",
    "        }",
    "    }",
    "}",
    "",
    "unsafe extern \"C\" fn on_event(ret: c_int, msg: *const c_char, len: usize, ud: *mut c_void) "
    "{",
    "    if ud.is_null() {",
    "        return;",
    "    }",
    "    let l = ud as *const Listener;",
    "    // SAFETY: registered and not yet confirmed removed, so the registry's",
    "    // reference is alive; take our own for the duration of the call.",
    "    Arc::increment_strong_count(l);",
    "    let l = Arc::from_raw(l);",
    "    let lib = l.lib;",
    "    if let Err(p) = catch_unwind(AssertUnwindSafe(move || {",
    "        (l.f)(ret, msg, len);",
    "        drop(l);",
    "    })) {",
    "        report(lib, &format!(\"a listener panicked: {}\", panic_text(&*p)));",
    "    }",
    "}",
    "",
    "/// A listener closure for one event with native payload `T`.",
    "pub(crate) fn typed<T, F>(lib: &'static str, f: F) -> Box<ListenerFn>",
    "where",
    "    T: Native,",
    "    F: Fn(&T) + Send + Sync + 'static,",
    "{",
    "    Box::new(move |_, msg, len| {",
    "        // SAFETY: the library hands `const T *` to a per-event native listener.",
    "        match unsafe { payload::<T>(msg, len) } {",
    "            Ok(v) => f(&v),",
    "            Err(e) => report(lib, &format!(\"event dropped: {e}\")),",
    "        }",
    "    })",
    "}",
    "",
    "/// A wildcard listener closure: `f(callerRet, eventType, envelope)`.",
    "pub(crate) fn wildcard<F>(f: F) -> Box<ListenerFn>",
    "where",
    "    F: Fn(i32, &str, &[u8]) + Send + Sync + 'static,",
    "{",
    "    Box::new(move |ret, msg, len| {",
    "        // SAFETY: msg/len are the envelope bytes, borrowed for this call.",
    "        let env = unsafe { bytes(msg, len) };",
    "        let name = crate::cbor::event_type(env).unwrap_or_default();",
    "        f(ret, &name, env)",
    "    })",
    "}",
    "",
    "/// Removes its listener when dropped, waiting for a running call of it",
    "/// (unless dropped inside that very listener). Move-only.",
    "#[must_use = \"dropping a Subscription removes the listener\"]",
    "pub struct Subscription {",
    "    core: Weak<Core>,",
    "    handle: ListenerHandle,",
    "}",
    "",
    "impl Subscription {",
    "    pub(crate) fn new(core: &Arc<Core>, handle: ListenerHandle) -> Self {",
    "        Subscription {",
    "            core: Arc::downgrade(core),",
    "            handle,",
    "        }",
    "    }",
    "    /// The listener's id.",
    "    pub fn handle(&self) -> ListenerHandle {",
    "        self.handle",
    "    }",
    "    /// Removes the listener now; false when it was not registered (any more).",
    "    pub fn unsubscribe(mut self) -> bool {",
    "        self.remove()",
    "    }",
    "    fn remove(&mut self) -> bool {",
    "        let h = std::mem::replace(&mut self.handle, ListenerHandle { id: 0 });",
    "        match self.core.upgrade() {",
    "            Some(core) if h.id != 0 => core.unlisten(h),",
    "            _ => false,",
    "        }",
    "    }",
    "}",
    "",
    "impl Drop for Subscription {",
    "    fn drop(&mut self) {",
    "        self.remove();",
    "    }",
    "}",
    "",
    "impl std::fmt::Debug for Subscription {",
    "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {",
    "        f.debug_struct(\"Subscription\")",
    "            .field(\"handle\", &self.handle)",
    "            .finish()",
    "    }",
    "}",
    NULL};
static const char *const *rt_text(void) { return rt_lines; }

static const char *const cbor_lines[] = {
    "//! A small CBOR reader (RFC 8949) for event envelopes and their payloads:",
    "//! the only CBOR a host of the native ABI needs.",
    "//!",
    "//! It accepts any well-formed CBOR the library's encoder or another one may",
    "//! write (indefinite lengths, tags, non-shortest heads, half/single/double",
    "//! floats) and rejects values that do not fit their target, unknown and",
    "//! duplicate struct keys and missing required keys (abi.md 6). Errors name",
    "//! the path of the offending value: `payload.message: expected text string`.",
    "//! Nesting is bounded; lengths are checked against the input before anything",
    "//! is allocated.",
    "",
    "use std::borrow::Cow;",
    "",
    "const MAX_DEPTH: u32 = 64;",
    "",
    "/// A position in a CBOR buffer.",
    "pub struct Reader<'a> {",
    "    buf: &'a [u8],",
    "    pos: usize,",
    "    depth: u32,",
    "}",
    "",
    "/// A decoded head: major type and argument (`None`: indefinite length).",
    "#[derive(Clone, Copy)]",
    "struct Head {",
    "    major: u8,",
    "    info: u8,",
    "    arg: Option<u64>,",
    "}",
    "",
    "fn fail<T>(reason: &str) -> Result<T, String> {",
    "    Err(format!(\": {reason}\"))",
    "}",
    "",
    "impl<'a> Reader<'a> {",
    "    /// A reader over `buf`.",
    "    pub fn new(buf: &'a [u8]) -> Self {",
    "        Reader {",
    "            buf,",
    "            pos: 0,",
    "            depth: 0,",
    "        }",
    "    }",
    "",
    "    /// True when every byte was read.",
    "    pub fn at_end(&self) -> bool {",
    "        self.pos == self.buf.len()",
    "    }",
    "",
    "    fn byte(&mut self) -> Result<u8, String> {",
    "        match self.buf.get(self.pos) {",
    "            Some(b) => {",
    "                self.pos += 1;",
    "                Ok(*b)",
    "            }",
    "            None => fail(\"unexpected end of input\"),",
    "        }",
    "    }",
    "",
    "    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {",
    "        let rest = (self.buf.len() - self.pos) as u64;",
    "        if n > rest {",
    "            return fail(\"length beyond the end of input\");",
    "        }",
    "        let s = &self.buf[self.pos..self.pos + n as usize];",
    "        self.pos += n as usize;",
    "        Ok(s)",
    "    }",
    "",
    "    fn raw_head(&mut self) -> Result<Head, String> {",
    "        let b = self.byte()?;",
    "        let (major, info) = (b >> 5, b & 0x1f);",
    "        let arg = match info {",
    "            0..=23 => Some(u64::from(info)),",
    "            24..=27 => {",
    "                let n = 1u64 << (info - 24);",
    "                let mut v = 0u64;",
    "                for x in self.take(n)? {",
    "                    v = v << 8 | u64::from(*x);",
    "                }",
    "                Some(v)",
    "            }",
    "            31 if (2..=5).contains(&major) || major == 7 => None,",
    "            _ => return fail(\"malformed head\"),",
    "        };",
    "        Ok(Head { major, info, arg })",
    "    }",
    "",
    "    /// The next head, tags skipped.",
    "    fn head(&mut self) -> Result<Head, String> {",
    "        loop {",
    "            let h = self.raw_head()?;",
    "            if h.major != 6 {",
    "                return Ok(h);",
    "            }",
    "        }",
    "    }",
    "",
    "    fn peek_head(&mut self) -> Result<Head, String> {",
    "        let save = self.pos;",
    "        let h = self.head();",
    "        self.pos = save;",
    "        h",
    "    }",
    "",
    "    /// Consumes a `null` or `undefined`; false (nothing consumed) otherwise.",
    "    pub fn null(&mut self) -> Result<bool, String> {",
    "        let save = self.pos;",
    "        let h = self.head()?;",
    "        if h.major == 7 && (h.info == 22 || h.info == 23) {",
    "            return Ok(true);",
    "        }",
    "        self.pos = save;",
    "        Ok(false)",
    "    }",
    "",
    "    fn int(&mut self) -> Result<i128, String> {",
    "        let h = self.head()?;",
    "        match (h.major, h.arg) {",
    "            (0, Some(v)) => Ok(i128::from(v)),",
    "            (1, Some(v)) => Ok(-1 - i128::from(v)),",
    "            _ => fail(\"expected integer\"),",
    "        }",
    "    }",
    "",
    "    fn float(&mut self) -> Result<f64, String> {",
    "        let h = self.head()?;",
    "        match (h.major, h.info, h.arg) {",
    "            (7, 25, Some(v)) => Ok(half(v as u16)),",
    "            (7, 26, Some(v)) => Ok(f64::from(f32::from_bits(v as u32))),",
    "            (7, 27, Some(v)) => Ok(f64::from_bits(v)),",
    "            (0, _, Some(v)) => Ok(v as f64),",
    "            (1, _, Some(v)) => Ok(-1.0 - v as f64),",
    "            _ => fail(\"expected float\"),",
    "        }",
    "    }",
    "",
    "    fn boolean(&mut self) -> Result<bool, String> {",
    "        let h = self.head()?;",
    "        match (h.major, h.info) {",
    "            (7, 20) => Ok(false),",
    "            (7, 21) => Ok(true),",
    "            _ => fail(\"expected bool\"),",
    "        }",
    "    }",
    "",
    "    /// A byte or text string of major type `major`, chunks joined.",
    "    fn string(&mut self, major: u8) -> Result<Cow<'a, [u8]>, String> {",
    "        let h = self.head()?;",
    "        if h.major != major {",
    "            return fail(if major == 3 {",
    "                \"expected text string\"",
    "            } else {",
    "                \"expected byte string\"",
    "            });",
    "        }",
    "        match h.arg {",
    "            Some(n) => Ok(Cow::Borrowed(self.take(n)?)),",
    "            None => {",
    "                let mut out = Vec::new();",
    "                loop {",
    "                    if self.buf.get(self.pos) == Some(&0xff) {",
    "                        self.pos += 1;",
    "                        return Ok(Cow::Owned(out));",
    "                    }",
    "                    let c = self.raw_head()?;",
    "                    match (c.major == major, c.arg) {",
    "                        (true, Some(n)) => out.extend_from_slice(self.take(n)?),",
    "                        _ => return fail(\"malformed indefinite-length string\"),",
    "                    }",
    "                }",
    "            }",
    "        }",
    "    }",
    "",
    "    /// A text string (valid UTF-8).",
    "    pub fn text(&mut self) -> Result<Cow<'a, str>, String> {",
    "        match self.string(3)? {",
    "            Cow::Borrowed(b) => std::str::from_utf8(b)",
    "                .map(Cow::Borrowed)",
    "                .or_else(|_| fail(\"invalid UTF-8\")),",
    "            Cow::Owned(v) => String::from_utf8(v)",
    "                .map(Cow::Owned)",
    "                .or_else(|_| fail(\"invalid UTF-8\")),",
    "        }",
    "    }",
    "",
    "    /// Visits every element of an array: `f(reader, index)`.",
    "    pub fn array(",
    "        &mut self,",
    "        mut f: impl FnMut(&mut Self, usize) -> Result<(), String>,",
    "    ) -> Result<(), String> {",
    "        let h = self.head()?;",
    "        if h.major != 4 {",
    "            return fail(\"expected array\");",
    "        }",
    "        self.items(h.arg, 1, |r, i| f(r, i).map_err(|e| format!(\"[{i}]{e}\")))",
    "    }",
    "",
    "    /// Visits every entry of a map with text keys: `f(reader, key)` reads the value.",
    "    pub fn map(",
    "        &mut self,",
    "        mut f: impl FnMut(&mut Self, &str) -> Result<(), String>,",
    "    ) -> Result<(), String> {",
    "        let h = self.head()?;",
    "        if h.major != 5 {",
    "            return fail(\"expected map\");",
    "        }",
    "        self.items(h.arg, 2, |r, _| {",
    "            let key = r.text()?;",
    "            f(r, &key)",
    "        })",
    "    }",
    "",
    "    fn items(",
    "        &mut self,",
    "        count: Option<u64>,",
    "        per: u64,",
    "        mut f: impl FnMut(&mut Self, usize) -> Result<(), String>,",
    "    ) -> Result<(), String> {",
    "        if self.depth >= MAX_DEPTH {",
    "            return fail(\"nested too deeply\");",
    "        }",
    "        // Every item takes at least one byte: a count beyond the input is",
    "        // refused before anything is read or allocated.",
    "        if let Some(n) = count {",
    "            if n.saturating_mul(per) > (self.buf.len() - self.pos) as u64 {",
    "                return fail(\"length beyond the end of input\");",
    "            }",
    "        }",
    "        self.depth += 1;",
    "        let mut i = 0usize;",
    "        let r = loop {",
    "            match count {",
    "                Some(n) if i as u64 == n => break Ok(()),",
    "                None if self.buf.get(self.pos) == Some(&0xff) => {",
    "                    self.pos += 1;",
    "                    break Ok(());",
    "                }",
    "                _ => {}",
    "            }",
    "            if let Err(e) = f(self, i) {",
    "                break Err(e);",
    "            }",
    "            i += 1;",
    "        };",
    "        self.depth -= 1;",
    "        r",
    "    }",
    "",
    "    /// Skips one value.",
    "    pub fn skip(&mut self) -> Result<(), String> {",
    "        let h = self.head()?;",
    "        match (h.major, h.arg) {",
    "            (0 | 1, Some(_)) | (7, Some(_)) => Ok(()),",
    "            (2 | 3, _) => {",
    "                self.pos -= 1 + head_len(h.info);",
    "                self.string(h.major).map(|_| ())",
    "            }",
    "            (4, n) => self.items(n, 1, |r, _| r.skip()),",
    "            (5, n) => self.items(n, 2, |r, _| r.skip().and_then(|_| r.skip())),",
    "            _ => fail(\"malformed value\"),",
    "        }",
    "    }",
    "",
    "    /// Decodes one value of type `T`.",
    "    pub fn read<T: FromCbor>(&mut self) -> Result<T, String> {",
    "        T::from_cbor(self)",
    "    }",
    "}",
    "",
    "fn head_len(info: u8) -> usize {",
    "    match info {",
    "        24..=27 => 1 << (info - 24),",
    "        _ => 0,",
    "    }",
    "}",
    "",
    "fn half(h: u16) -> f64 {",
    "    let exp = (h >> 10) & 0x1f;",
    "    let mant = f64::from(h & 0x3ff);",
    "    let v = match exp {",
    "        0 => mant * 2f64.powi(-24),",
    "        31 if mant == 0.0 => f64::INFINITY,",
    "        31 => f64::NAN,",
    "        e => (mant + 1024.0) * 2f64.powi(i32::from(e) - 25),",
    "    };",
    "    if h & 0x8000 != 0 {",
    "        -v",
    "    } else {",
    "        v",
    "    }",
    "}",
    "",
    "/// A type that can be decoded from CBOR (abi.md 6): every IDL type of the",
    "/// library, the integers, floats, `bool`, `String`, `Vec<T>`, `Option<T>`.",
    "pub trait FromCbor: Sized {",
    "    /// Reads one value.",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String>;",
    "    #[doc(hidden)]",
    "    /// `Vec<u8>` also reads a byte string (`bytes`); other element types do not.",
    "    fn from_byte_string(_: &[u8]) -> Option<Vec<Self>> {",
    "        None",
    "    }",
    "}",
    "",
    "macro_rules! cbor_int {",
    "    ($($t:ty),*) => {$(",
    "        impl FromCbor for $t {",
    "            fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "                let v = r.int()?;",
    "                <$t>::try_from(v).or_else(|_| fail(&format!(\"{v} does not fit {}\", "
    "stringify!($t))))",
    "            }",
    "        }",
    "    )*};",
    "}",
    "cbor_int!(i8, i16, i32, i64, u16, u32, u64);",
    "",
    "impl FromCbor for u8 {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        let v = r.int()?;",
    "        u8::try_from(v).or_else(|_| fail(&format!(\"{v} does not fit u8\")))",
    "    }",
    "    fn from_byte_string(b: &[u8]) -> Option<Vec<u8>> {",
    "        Some(b.to_vec())",
    "    }",
    "}",
    "",
    "impl FromCbor for f64 {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        r.float()",
    "    }",
    "}",
    "",
    "impl FromCbor for f32 {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        let v = r.float()?;",
    "        if v.is_finite() && v.abs() > f64::from(f32::MAX) {",
    "            return fail(\"does not fit f32\");",
    "        }",
    "        Ok(v as f32)",
    "    }",
    "}",
    "",
    "impl FromCbor for bool {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        r.boolean()",
    "    }",
    "}",
    "",
    "impl FromCbor for String {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        r.text().map(Cow::into_owned)",
    "    }",
    "}",
    "",
    "impl<T: FromCbor> FromCbor for Vec<T> {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        if r.peek_head()?.major == 2 {",
    "            let b = r.string(2)?;",
    "            return T::from_byte_string(&b).map_or_else(|| fail(\"expected array\"), Ok);",
    "        }",
    "        let mut out = Vec::new();",
    "        r.array(|r, _| {",
    "            out.push(T::from_cbor(r)?);",
    "            Ok(())",
    "        })?;",
    "        Ok(out)",
    "    }",
    "}",
    "",
    "impl<T: FromCbor> FromCbor for Option<T> {",
    "    fn from_cbor(r: &mut Reader<'_>) -> Result<Self, String> {",
    "        if r.null()? {",
    "            Ok(None)",
    "        } else {",
    "            T::from_cbor(r).map(Some)",
    "        }",
    "    }",
    "}",
    "",
    "/// Stores a struct field read from a map; a second occurrence is an error.",
    "#[doc(hidden)]",
    "pub fn set_field<T: FromCbor>(",
    "    slot: &mut Option<T>,",
    "    r: &mut Reader<'_>,",
    "    name: &str,",
    ") -> Result<(), String> {",
    "    if slot.is_some() {",
    "        return Err(format!(\".{name}: duplicate key\"));",
    "    }",
    "    *slot = Some(T::from_cbor(r).map_err(|e| format!(\".{name}{e}\"))?);",
    "    Ok(())",
    "}",
    "",
    "/// A required struct field after the map was read.",
    "#[doc(hidden)]",
    "pub fn required<T>(slot: Option<T>, name: &str) -> Result<T, String> {",
    "    slot.ok_or_else(|| format!(\".{name}: missing required key\"))",
    "}",
    "",
    "/// An `optional` struct field after the map was read: absent when its key was",
    "/// missing or its value null.",
    "#[doc(hidden)]",
    "pub fn optional<T>(slot: Option<Option<T>>) -> Option<T> {",
    "    slot.unwrap_or(None)",
    "}",
    "",
    "#[doc(hidden)]",
    "pub fn unknown_key<T>(key: &str) -> Result<T, String> {",
    "    Err(format!(\": unknown key \\\"{key}\\\"\"))",
    "}",
    "",
    "/// Splits an event envelope `{\"eventType\": text, \"payload\": any}` into the",
    "/// event's wire name and the payload's bytes.",
    "pub fn envelope(env: &[u8]) -> Result<(Cow<'_, str>, &[u8]), String> {",
    "    let mut r = Reader::new(env);",
    "    let mut name = None;",
    "    let mut payload = None;",
    "    r.map(|r, key| {",
    "        match key {",
    "            \"eventType\" => name = Some(r.text().map_err(|e| format!(\".eventType{e}\"))?),",
    "            \"payload\" => {",
    "                let start = r.pos;",
    "                r.skip().map_err(|e| format!(\".payload{e}\"))?;",
    "                payload = Some(&r.buf[start..r.pos]);",
    "            }",
    "            _ => r.skip()?,",
    "        }",
    "        Ok(())",
    "    })",
    "    .map_err(|e| format!(\"envelope{e}\"))?;",
    "    if !r.at_end() {",
    "        return Err(\"envelope: trailing bytes after the value\".into());",
    "    }",
    "    match (name, payload) {",
    "        (Some(n), Some(p)) => Ok((n, p)),",
    "        (None, _) => Err(\"envelope.eventType: missing required key\".into()),",
    "        (_, None) => Err(\"envelope.payload: missing required key\".into()),",
    "    }",
    "}",
    "",
    "/// The wire name of the event in an envelope.",
    "pub fn event_type(env: &[u8]) -> Result<String, String> {",
    "    envelope(env).map(|(n, _)| n.into_owned())",
    "}",
    "",
    "/// Decodes the payload of an event envelope (the bytes a wildcard listener",
    "/// receives) as `T`.",
    "pub fn decode_event_payload<T: FromCbor>(env: &[u8]) -> Result<T, String> {",
    "    let (_, p) = envelope(env)?;",
    "    let mut r = Reader::new(p);",
    "    let v = T::from_cbor(&mut r).map_err(|e| format!(\"payload{e}\"))?;",
    "    if !r.at_end() {",
    "        return Err(\"payload: trailing bytes after the value\".into());",
    "    }",
    "    Ok(v)",
    "}",
    "",
    "#[cfg(test)]",
    "mod tests {",
    "    use super::*;",
    "",
    "    #[test]",
    "    fn reads_the_worked_envelope_of_abi_md() {",
    "        let env =",
    "            "
    "b\"\\xa2\\x69eventType\\x6don_echo_"
    "fired\\x67payload\\xa2\\x67message\\x62hi\\x69echoCount\\x01\";",
    "        assert_eq!(event_type(env).unwrap(), \"on_echo_fired\");",
    "        let (_, p) = envelope(env).unwrap();",
    "        assert_eq!(p[0], 0xa2);",
    "    }",
    "",
    "    #[test]",
    "    fn accepts_indefinite_lengths_tags_and_wide_heads() {",
    "        // tag 55799, indefinite map, chunked text, 8-byte integer head",
    "        let v = "
    "b\"\\xd9\\xd9\\xf7\\xbf\\x7f\\x61a\\x61b\\xff\\x1b\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x07\\xf"
    "f\";",
    "        let mut r = Reader::new(v);",
    "        let mut got = None;",
    "        r.map(|r, k| {",
    "            assert_eq!(k, \"ab\");",
    "            got = Some(r.read::<i64>()?);",
    "            Ok(())",
    "        })",
    "        .unwrap();",
    "        assert_eq!(got, Some(7));",
    "        assert!(r.at_end());",
    "    }",
    "",
    "    #[test]",
    "    fn skips_definite_containers_to_their_last_item() {",
    "        // {\"a\": 1, \"b\": {\"x\": -1}, \"c\": [2, 3]}: each count is checked once",
    "        // against the whole remaining input, not again per item.",
    "        let v = b\"\\xa3\\x61a\\x01\\x61b\\xa1\\x61x\\x20\\x61c\\x82\\x02\\x03\";",
    "        let mut r = Reader::new(v);",
    "        r.skip().unwrap();",
    "        assert!(r.at_end());",
    "    }",
    "",
    "    #[test]",
    "    fn reads_half_floats() {",
    "        assert_eq!(Reader::new(b\"\\xf9\\x3c\\x00\").read::<f64>().unwrap(), 1.0);",
    "        assert_eq!(Reader::new(b\"\\xf9\\xc4\\x00\").read::<f64>().unwrap(), -4.0);",
    "    }",
    "",
    "    #[test]",
    "    fn rejects_values_that_do_not_fit() {",
    "        assert_eq!(",
    "            Reader::new(b\"\\x18\\xc8\").read::<i8>().unwrap_err(),",
    "            \": 200 does not fit i8\"",
    "        );",
    "        assert_eq!(",
    "            Reader::new(b\"\\x20\").read::<u64>().unwrap_err(),",
    "            \": -1 does not fit u64\"",
    "        );",
    "        assert!(Reader::new(b\"\\x62\\xff\\xfe\").read::<String>().is_err());",
    "    }",
    "",
    "    #[test]",
    "    fn never_trusts_lengths() {",
    "        assert!(Reader::new(b\"\\x9b\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\")",
    "            .read::<Vec<i64>>()",
    "            .is_err());",
    "        assert!(Reader::new(b\"\\x5a\\xff\\xff\\xff\\xff\")",
    "            .read::<Vec<u8>>()",
    "            .is_err());",
    "        let deep = [0x81u8; 200];",
    "        assert!(Reader::new(&deep).skip().is_err());",
    "    }",
    "}",
    NULL};
static const char *const *cbor_text(void) { return cbor_lines; }
/* END FIXED TEXT */
