/*
 * emit_go.c - writes the Go binding of a library (`ffirt-gen --lang go`):
 * a Go module named after the library without underscores (my_timer ->
 * module and package `mytimer`) that calls the NATIVE exports through cgo.
 *
 *   go.mod          module <pkg>, no requirements (no network, no deps)
 *   <lib>.go        the API: structs, enums, constants, Create, one method
 *                   per IDL method, package functions for statics, events,
 *                   and the runtime support (request table, arena, CBOR
 *                   envelope reader)
 *   <lib>_cgo.go    the //export entry points C calls back into
 *   <lib>.h         a copy of the native host header (emit_c_host.c)
 *
 * Design notes:
 *  - Reads the checked model only; every Go identifier and type comes from
 *    the naming layer (naming.h, GEN_LANG_GO), every C spelling from the C
 *    naming (value_ctype, box names) and, for export parameter lists, from
 *    the C emitters' own ffirt__gen_c_native_params, so the cgo side cannot
 *    drift from <lib>.h.
 *  - C never holds a Go pointer: the `ud` of every request and listener is a
 *    runtime/cgo Handle carried as uintptr_t, and arguments are copied into
 *    C memory (C.malloc) that is freed once the export returned (abi.md 3.3:
 *    exports copy their arguments). The ctx handle is a uintptr in Go; small
 *    static C trampolines in the preamble turn the integers back into
 *    pointers, so the Go code has no uintptr -> unsafe.Pointer conversion
 *    (`go vet` clean).
 *  - A request's handle is deleted by its terminal callback only (never by a
 *    waiter that gave up on ctx.Done), so a late reply finds it valid; the
 *    callback closes a channel (never sends), so it cannot block the
 *    runtime's worker thread. When no other request of the package is in
 *    flight, the callback yields (runtime.Gosched) so the woken caller runs
 *    at once: a C thread returning from a cgo callback otherwise leaves the
 *    goroutine it readied in its P's run queue until another M steals it
 *    (p50 of a sync call 65 us -> 7 us at GOMAXPROCS=2, bench/go).
 *  - Go names of generated internals start with a lower-case letter (and
 *    locals of methods with `ffi`), so they never meet the exported names
 *    of the library's types, methods and constants.
 *  - C names in the preamble are <lib>__go_*: '__' cannot appear in an IDL
 *    name, so they never clash with an export of this or another library;
 *    the //export names carry the same prefix, so two generated packages
 *    link into one program.
 *  - Generated text is gofmt-clean (the Go tests check it): tabs, and
 *    struct fields and enum constants aligned like gofmt does it (a line
 *    with a doc comment above it starts a new alignment section).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c/emit_c.h"
#include "emit.h"
#include "naming.h"
#include "writer.h"

typedef struct gen_go {
  const ffirt__gen_model *m;
  const ffirt__gen_lang *L;
  ffirt__gen_names *n;
  gen_c g;         /* C-side analysis: export parameter lists */
  const char *lib; /* my_timer */
  const char *pkg; /* mytimer */
  const char *cls; /* MyTimer */
  const char *cp;  /* C prefix of the preamble's helpers: my_timer__go_ */
  const char *rcv; /* receiver name of the context type's methods */
  /* container helpers to write, one per slug */
  const ffirt__gen_type **parts, **boxes;
  size_t nparts, nboxes;
  int oom;
} gen_go;

/* ------------------------------------------------------------ small helpers */

static const char *const go_keywords[] = {
    "break",  "case",        "chan", "const",   "continue", "default", "defer",
    "else",   "fallthrough", "for",  "func",    "go",       "goto",    "if",
    "import", "interface",   "map",  "package", "range",    "return",  "select",
    "struct", "switch",      "type", "var",     NULL};

/* The Go spelling of a C struct member (cgo prefixes Go keywords with '_'). */
static const char *cfield(gen_go *G, const char *name) {
  for (const char *const *k = go_keywords; *k; k++)
    if (strcmp(*k, name) == 0) return ffirt__gen_fmt(G->n, "_%s", name);
  return name;
}

static const char *gotype(gen_go *G, const ffirt__gen_type *t) {
  return ffirt__gen_lang_type(G->n, G->L, t);
}

static const char *tname(gen_go *G, const char *idl) {
  return ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_TYPE, idl);
}

/* The cgo type of one stored C object of t (abi.md 5; boxes for containers). */
static const char *ctype(gen_go *G, const ffirt__gen_type *t) {
  const char *c = ffirt__gen_value_ctype(G->n, G->lib, t);
  if (strcmp(c, "const char *") == 0) return "*C.char";
  return ffirt__gen_fmt(G->n, "C.%s", c);
}

static const char *slug(gen_go *G, const ffirt__gen_type *t) { return ffirt__gen_slug(G->n, t); }

/* A Go interpreted string literal of UTF-8 text s. */
static const char *quote(gen_go *G, const char *s) {
  size_t len = strlen(s);
  char *buf = malloc(4 * len + 3);
  if (!buf) {
    G->n->oom = 1;
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
    } else if (*p < 0x20 || *p >= 0x7f) {
      o += (size_t)snprintf(buf + o, 5, "\\x%02x", *p);
    } else {
      buf[o++] = (char)*p;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
  const char *r = ffirt__gen_fmt(G->n, "%s", buf);
  free(buf);
  return r;
}

static int is_container(const ffirt__gen_type *t) {
  return t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL || t->kind == GEN_BYTES;
}

/* ------------------------------------------------------- helper collection */

static void add_unique(gen_go *G, const ffirt__gen_type ***list, size_t *count,
                       const ffirt__gen_type *t) {
  const char *s = slug(G, t);
  for (size_t i = 0; i < *count; i++)
    if (strcmp(slug(G, (*list)[i]), s) == 0) return;
  const ffirt__gen_type **grown = realloc((void *)*list, (*count + 1) * sizeof **list);
  if (!grown) {
    G->oom = 1;
    return;
  }
  grown[(*count)++] = t;
  *list = grown;
}

/* Records the helpers a value of t needs: `stored` when it is one C object
 * (a box for containers), else laid out inline (parts). */
static void use_type(gen_go *G, const ffirt__gen_type *t, int stored) {
  if (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) {
    add_unique(G, &G->parts, &G->nparts, t);
    use_type(G, t->elem, t->kind == GEN_SEQ || ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem));
  }
  if (stored && is_container(t)) add_unique(G, &G->boxes, &G->nboxes, t);
}

/* ----------------------------------------------------- Go <-> C conversion */

/* Go -> C: the expression converting Go value e (addressable) of t into one
 * stored C object; `a` is the arena, `where` a Go string expression naming
 * the value in errors. */
static const char *to_c(gen_go *G, const ffirt__gen_type *t, const char *e, const char *a,
                        const char *where) {
  switch (t->kind) {
  case GEN_BOOL: return ffirt__gen_fmt(G->n, "cBool(%s)", e);
  case GEN_STRING: return ffirt__gen_fmt(G->n, "%s.str(%s, %s)", a, e, where);
  case GEN_STRUCT: return ffirt__gen_fmt(G->n, "%s.toC%s(&%s)", a, tname(G, t->name), e);
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(G->n, "%s.toCBox_%s(%s, %s)", a, slug(G, t), e, where);
  default: return ffirt__gen_fmt(G->n, "%s(%s)", ctype(G, t), e);
  }
}

/* C -> Go: the expression reading stored C object lv (addressable) of t. */
static const char *from_c(gen_go *G, const ffirt__gen_type *t, const char *lv) {
  switch (t->kind) {
  case GEN_BOOL: return ffirt__gen_fmt(G->n, "%s != 0", lv);
  case GEN_STRING: return ffirt__gen_fmt(G->n, "C.GoString(%s)", lv);
  case GEN_STRUCT: return ffirt__gen_fmt(G->n, "fromC%s(&%s)", tname(G, t->name), lv);
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(G->n, "fromCBox_%s(&%s)", slug(G, t), lv);
  default: return ffirt__gen_fmt(G->n, "%s(%s)", gotype(G, t), lv);
  }
}

/* C -> Go from a pointer expression pe (a *C.T) to a stored object of t. */
static const char *from_c_ptr(gen_go *G, const ffirt__gen_type *t, const char *pe) {
  switch (t->kind) {
  case GEN_STRUCT: return ffirt__gen_fmt(G->n, "fromC%s(%s)", tname(G, t->name), pe);
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(G->n, "fromCBox_%s(%s)", slug(G, t), pe);
  default: return from_c(G, t, ffirt__gen_fmt(G->n, "*%s", pe));
  }
}

/* The left-hand side receiving slot `name` of t laid out inline (abi.md 5)
 * in C object `base` ("c.", "b." or "" for locals). */
static const char *slot_lhs(gen_go *G, const ffirt__gen_type *t, const char *base,
                            const char *name) {
  const char *f = cfield(G, name);
  switch (t->kind) {
  case GEN_BYTES:
  case GEN_SEQ: return ffirt__gen_fmt(G->n, "%s%s, %s%s_len", base, f, base, name);
  case GEN_OPTIONAL:
    if (t->elem->kind == GEN_BYTES)
      return ffirt__gen_fmt(G->n, "%s%s_present, %s%s, %s%s_len", base, name, base, f, base, name);
    return ffirt__gen_fmt(G->n, "%s%s_present, %s%s", base, name, base, f);
  default: return ffirt__gen_fmt(G->n, "%s%s", base, f);
  }
}

/* The right-hand side filling slot_lhs from Go value e. */
static const char *slot_rhs(gen_go *G, const ffirt__gen_type *t, const char *e, const char *a,
                            const char *where) {
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(G->n, "%s.toCBytes(%s)", a, e);
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(G->n, "%s.toC_%s(%s, %s)", a, slug(G, t), e, where);
  default: return to_c(G, t, e, a, where);
  }
}

/* The Go value of slot `name` of t laid out inline in C object `base`. */
static const char *slot_go(gen_go *G, const ffirt__gen_type *t, const char *base,
                           const char *name) {
  const char *f = cfield(G, name);
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(G->n, "fromCBytes(%s%s, %s%s_len)", base, f, base, name);
  case GEN_SEQ:
    return ffirt__gen_fmt(G->n, "fromC_%s(%s%s, %s%s_len)", slug(G, t), base, f, base, name);
  case GEN_OPTIONAL:
    if (t->elem->kind == GEN_BYTES)
      return ffirt__gen_fmt(G->n, "fromC_%s(%s%s_present, %s%s, %s%s_len)", slug(G, t), base, name,
                            base, f, base, name);
    return ffirt__gen_fmt(G->n, "fromC_%s(%s%s_present, &%s%s)", slug(G, t), base, name, base, f);
  default: return from_c(G, t, ffirt__gen_fmt(G->n, "%s%s", base, f));
  }
}

/* The C argument names of parameter `name` of t in an export call (the
 * names of ffirt__gen_c_param's declaration). */
static const char *c_args(gen_go *G, const ffirt__gen_type *t, const char *name) {
  switch (t->kind) {
  case GEN_BYTES:
  case GEN_SEQ: return ffirt__gen_fmt(G->n, "%s, %s_len", name, name);
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(
        G->n, "%s_present, %s", name,
        ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem) ? name : c_args(G, t->elem, name));
  default: return name;
  }
}

/* ------------------------------------------------------------ declarations */

static void banner(gen_go *G, ffirt__gen_writer *w) {
  ffirt__gen_w_line(w, "// Code generated by ffirt-gen from %s; DO NOT EDIT.",
                    ffirt__gen_base_name(G->m->file));
  ffirt__gen_w_blank(w);
}

/* Writes `name type` lines of one struct with gofmt's alignment. */
static void struct_decl(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_struct *s) {
  const char *name = tname(G, s->name);
  ffirt__gen_w_blank(w);
  if (s->doc.count)
    ffirt__gen_w_doc(w, &s->doc, GEN_DOC_SLASH2);
  else if (s->synthesized)
    ffirt__gen_w_line(w, "// %s is the payload of a multi-parameter event.", name);
  if (s->nfields == 0) {
    ffirt__gen_w_line(w, "type %s struct{}", name);
    return;
  }
  ffirt__gen_w_line(w, "type %s struct {", name);
  ffirt__gen_w_indent(w);
  size_t width = 0;
  for (size_t i = 0; i < s->nfields; i++) {
    const ffirt__gen_field *f = &s->fields[i];
    if (i == 0 || f->doc.count) {
      width = 0;
      for (size_t k = i; k < s->nfields && (k == i || !s->fields[k].doc.count); k++) {
        size_t l = strlen(ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_FIELD, s->fields[k].name));
        if (l > width) width = l;
      }
    }
    ffirt__gen_w_doc(w, &f->doc, GEN_DOC_SLASH2);
    ffirt__gen_w_line(w, "%-*s %s", (int)width,
                      ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_FIELD, f->name),
                      gotype(G, f->type));
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

static void enum_decl(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_enum *e) {
  const char *name = tname(G, e->name);
  ffirt__gen_w_blank(w);
  if (e->doc.count) ffirt__gen_w_doc(w, &e->doc, GEN_DOC_SLASH2);
  ffirt__gen_w_line(w, "type %s int32", name);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// The values of %s.", name);
  ffirt__gen_w_line(w, "const (");
  ffirt__gen_w_indent(w);
  size_t width = 0;
  for (size_t i = 0; i < e->nitems; i++) {
    const ffirt__gen_enumerator *it = &e->items[i];
    if (i == 0 || it->doc.count) {
      width = 0;
      for (size_t k = i; k < e->nitems && (k == i || !e->items[k].doc.count); k++) {
        size_t l = strlen(ffirt__gen_lang_enumerator(G->n, G->L, e->name, e->items[k].name));
        if (l > width) width = l;
      }
    }
    ffirt__gen_w_doc(w, &it->doc, GEN_DOC_SLASH2);
    ffirt__gen_w_line(w, "%-*s %s = %lld", (int)width,
                      ffirt__gen_lang_enumerator(G->n, G->L, e->name, it->name), name,
                      (long long)it->value);
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, ")");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// String returns the value's wire text (%s), or %s(n) for a number",
                    quote(G, e->nitems ? e->items[0].wire : ""), name);
  ffirt__gen_w_line(w, "// without an enumerator.");
  ffirt__gen_w_line(w, "func (v %s) String() string {", name);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "switch v {");
  for (size_t i = 0; i < e->nitems; i++) {
    ffirt__gen_w_line(
        w, "case %s:", ffirt__gen_lang_enumerator(G->n, G->L, e->name, e->items[i].name));
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "return %s", quote(G, e->items[i].wire));
    ffirt__gen_w_dedent(w);
  }
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "return \"%s(\" + strconv.Itoa(int(v)) + \")\"", name);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

static void const_decl(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_const *c) {
  const char *name = ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_CONST, c->name);
  const char *value;
  switch (c->vkind) {
  case GEN_CONST_INT:
    value = c->is_unsigned ? ffirt__gen_fmt(G->n, "%llu", (unsigned long long)c->u)
                           : ffirt__gen_fmt(G->n, "%lld", (long long)c->i);
    break;
  case GEN_CONST_FLOAT: value = c->literal; break;
  case GEN_CONST_BOOL: value = c->b ? "true" : "false"; break;
  default: value = quote(G, c->s); break;
  }
  ffirt__gen_w_blank(w);
  ffirt__gen_w_doc(w, &c->doc, GEN_DOC_SLASH2);
  ffirt__gen_w_line(w, "const %s %s = %s", name, gotype(G, c->type), value);
}

/* ------------------------------------------------------- conversion funcs */

static void struct_conv(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_struct *s) {
  const char *name = tname(G, s->name);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "func (a *cArena) toC%s(v *%s) (c C.%s) {", name, name, s->name);
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < s->nfields; i++) {
    const ffirt__gen_field *f = &s->fields[i];
    const char *gf =
        ffirt__gen_fmt(G->n, "v.%s", ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_FIELD, f->name));
    ffirt__gen_w_line(
        w, "%s = %s", slot_lhs(G, f->type, "c.", f->name),
        slot_rhs(G, f->type, gf, "a", quote(G, ffirt__gen_fmt(G->n, "%s.%s", s->name, f->name))));
  }
  ffirt__gen_w_line(w, "return");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  if (s->nfields == 0) {
    ffirt__gen_w_line(w, "func fromC%s(*C.%s) %s { return %s{} }", name, s->name, name, name);
    return;
  }
  ffirt__gen_w_line(w, "func fromC%s(c *C.%s) (v %s) {", name, s->name, name);
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < s->nfields; i++) {
    const ffirt__gen_field *f = &s->fields[i];
    ffirt__gen_w_line(w, "v.%s = %s", ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_FIELD, f->name),
                      slot_go(G, f->type, "c.", f->name));
  }
  ffirt__gen_w_line(w, "return");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

static void parts_conv(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_type *t) {
  const char *s = slug(G, t), *gt = gotype(G, t), *et = ctype(G, t->elem);
  ffirt__gen_w_blank(w);
  if (t->kind == GEN_SEQ) {
    ffirt__gen_w_line(w, "func (a *cArena) toC_%s(v %s, where string) (*%s, C.size_t) {", s, gt,
                      et);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "if len(v) == 0 {");
    ffirt__gen_w_line(w, "\treturn nil, 0");
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "var p *%s", et);
    ffirt__gen_w_line(w, "p = (*%s)(a.alloc(uintptr(len(v)) * unsafe.Sizeof(*p)))", et);
    ffirt__gen_w_line(w, "s := unsafe.Slice(p, len(v))");
    ffirt__gen_w_line(w, "for i := range v {");
    ffirt__gen_w_line(w, "\ts[i] = %s", to_c(G, t->elem, "v[i]", "a", "where"));
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "return p, C.size_t(len(v))");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "func fromC_%s(p *%s, n C.size_t) %s {", s, et, gt);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "if n == 0 {");
    ffirt__gen_w_line(w, "\treturn nil");
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "s := unsafe.Slice(p, int(n))");
    ffirt__gen_w_line(w, "v := make(%s, len(s))", gt);
    ffirt__gen_w_line(w, "for i := range s {");
    ffirt__gen_w_line(w, "\tv[i] = %s", from_c(G, t->elem, "s[i]"));
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "return v");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    return;
  }
  /* optional<E>: E bytes stays inline (present, data, len), others one object */
  if (t->elem->kind == GEN_BYTES) {
    ffirt__gen_w_line(w,
                      "func (a *cArena) toC_%s(v *[]byte, where string) (C.int, *C.uint8_t, "
                      "C.size_t) {",
                      s);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "if v == nil {");
    ffirt__gen_w_line(w, "\treturn 0, nil, 0");
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "p, n := a.toCBytes(*v)");
    ffirt__gen_w_line(w, "return 1, p, n");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "func fromC_%s(present C.int, p *C.uint8_t, n C.size_t) *[]byte {", s);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "if present == 0 {");
    ffirt__gen_w_line(w, "\treturn nil");
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "v := fromCBytes(p, n)");
    ffirt__gen_w_line(w, "return &v");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "}");
    return;
  }
  ffirt__gen_w_line(w, "func (a *cArena) toC_%s(v %s, where string) (C.int, %s) {", s, gt, et);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "if v == nil {");
  ffirt__gen_w_line(w, "\tvar zero %s", et);
  ffirt__gen_w_line(w, "\treturn 0, zero");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "return 1, %s", to_c(G, t->elem, "(*v)", "a", "where"));
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "func fromC_%s(present C.int, c *%s) %s {", s, et, gt);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "if present == 0 {");
  ffirt__gen_w_line(w, "\treturn nil");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "v := %s", from_c_ptr(G, t->elem, "c"));
  ffirt__gen_w_line(w, "return &v");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

static void box_conv(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_type *t) {
  const char *s = slug(G, t), *gt = gotype(G, t), *bt = ctype(G, t),
             *mem = ffirt__gen_box_member(t);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "func (a *cArena) toCBox_%s(v %s, where string) (b %s) {", s, gt, bt);
  ffirt__gen_w_indent(w);
  if (t->kind == GEN_BYTES) ffirt__gen_w_line(w, "_ = where");
  ffirt__gen_w_line(w, "%s = %s", slot_lhs(G, t, "b.", mem), slot_rhs(G, t, "v", "a", "where"));
  ffirt__gen_w_line(w, "return");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "func fromCBox_%s(b *%s) %s {", s, bt, gt);
  ffirt__gen_w_line(w, "\treturn %s", slot_go(G, t, "b.", mem));
  ffirt__gen_w_line(w, "}");
}

/* ------------------------------------------------------------- the preamble */

/* The C trampoline of procedure p: integers in, the export called with the
 * reply callback. */
static void trampoline(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_proc *p) {
  const char *params = ffirt__gen_c_native_params(&G->g, p); /* "" or ", T a, ..." */
  const char *args = "";
  for (size_t i = 0; i < p->nparams; i++)
    args = ffirt__gen_fmt(G->n, "%s, %s", args, c_args(G, p->params[i].type, p->params[i].name));
  switch (p->kind) {
  case GEN_CTOR:
    ffirt__gen_w_line(w, "static uintptr_t %scall_%s(uintptr_t ffi__h%s) {", G->cp, p->name,
                      params);
    ffirt__gen_w_line(w, "\treturn (uintptr_t)%s_%s(%s%s%sreply_cb, (void *)ffi__h);", G->lib,
                      p->name, *args ? args + 2 : "", *args ? ", " : "", G->cp);
    break;
  case GEN_DTOR:
    ffirt__gen_w_line(w, "static int %scall_%s(uintptr_t ffi__ctx) {", G->cp, p->name);
    ffirt__gen_w_line(w, "\treturn %s_%s((void *)ffi__ctx);", G->lib, p->name);
    break;
  case GEN_METHOD:
    ffirt__gen_w_line(w, "static int %scall_%s(uintptr_t ffi__ctx, uintptr_t ffi__h%s) {", G->cp,
                      p->name, params);
    ffirt__gen_w_line(w, "\treturn %s_%s((void *)ffi__ctx, %sreply_cb, (void *)ffi__h%s);", G->lib,
                      p->name, G->cp, args);
    break;
  case GEN_STATIC:
    ffirt__gen_w_line(w, "static int %scall_%s(uintptr_t ffi__h%s) {", G->cp, p->name, params);
    ffirt__gen_w_line(w, "\treturn %s_%s(%sreply_cb, (void *)ffi__h%s);", G->lib, p->name, G->cp,
                      args);
    break;
  }
  ffirt__gen_w_line(w, "}");
}

static void preamble(gen_go *G, ffirt__gen_writer *w) {
  const char *cp = G->cp;
  ffirt__gen_w_line(w, "/*");
  ffirt__gen_w_line(w, "#cgo CFLAGS: -I${SRCDIR}");
  ffirt__gen_w_line(w, "#cgo LDFLAGS: -l%s", G->lib);
  ffirt__gen_w_line(w, "#include <stdint.h>");
  ffirt__gen_w_line(w, "#include <stdlib.h>");
  ffirt__gen_w_line(w, "#include \"%s.h\"", G->lib);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// The //export functions of %s_cgo.go.", G->lib);
  ffirt__gen_w_line(w, "extern void %sreply(int ret, char *msg, size_t len, uintptr_t h);", cp);
  ffirt__gen_w_line(w, "extern void %sevent(int ret, char *msg, size_t len, uintptr_t h);", cp);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// ud carries a cgo.Handle, never a Go pointer.");
  ffirt__gen_w_line(w, "static void %sreply_cb(int ret, const char *msg, size_t len, void *ud) {",
                    cp);
  ffirt__gen_w_line(w, "\t%sreply(ret, (char *)msg, len, (uintptr_t)ud);", cp);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "static void %sevent_cb(int ret, const char *msg, size_t len, void *ud) {",
                    cp);
  ffirt__gen_w_line(w, "\t%sevent(ret, (char *)msg, len, (uintptr_t)ud);", cp);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// One trampoline per export: the handle integers become pointers here.");
  for (size_t i = 0; i < G->m->nprocs; i++)
    trampoline(G, w, &G->m->procs[i]);
  ffirt__gen_w_line(w,
                    "static uint64_t %slisten(uintptr_t ctx, const char *name, int cbor, "
                    "uintptr_t h) {",
                    cp);
  ffirt__gen_w_line(w,
                    "\treturn cbor ? %s_add_event_listener_cbor((void *)ctx, name, %sevent_cb, "
                    "(void *)h)",
                    G->lib, cp);
  ffirt__gen_w_line(w,
                    "\t            : %s_add_event_listener((void *)ctx, name, %sevent_cb, "
                    "(void *)h);",
                    G->lib, cp);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "static int %sunlisten(uintptr_t ctx, uint64_t id) {", cp);
  ffirt__gen_w_line(w, "\treturn %s_remove_event_listener((void *)ctx, id);", G->lib);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "*/");
  ffirt__gen_w_line(w, "import \"C\"");
}

/* ------------------------------------------------------------- procedures */

/* Local names of a method body start with "ffi": IDL parameters are
 * camelCase words, so they would need to be spelt ffiX to collide. */
static void proc_body(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_proc *p, const char *zero) {
  const ffirt__gen_type *r = p->result;
  const char *decode = "nil";
  if (r) {
    const char *ex;
    if (r->kind == GEN_STRING)
      ex = "C.GoStringN((*C.char)(ffiM), C.int(ffiN))";
    else if (r->kind == GEN_BYTES)
      ex = "C.GoBytes(ffiM, C.int(ffiN))";
    else
      ex = from_c_ptr(G, r, ffirt__gen_fmt(G->n, "(*%s)(ffiM)", ctype(G, r)));
    decode = ffirt__gen_fmt(G->n, "func(ffiM unsafe.Pointer, ffiN int) any {\n\treturn %s\n}", ex);
    if (r->kind != GEN_STRING && r->kind != GEN_BYTES)
      decode = ffirt__gen_fmt(G->n, "func(ffiM unsafe.Pointer, _ int) any {\n\treturn %s\n}", ex);
  }
  const char *owner = p->kind == GEN_METHOD ? ffirt__gen_fmt(G->n, "%s.ptr.Load()", G->rcv) : "0";
  if (p->kind == GEN_METHOD) {
    ffirt__gen_w_line(w, "ffiC := %s", owner);
    ffirt__gen_w_line(w, "if ffiC == 0 {");
    ffirt__gen_w_line(w, "\treturn %serrClosed", zero);
    ffirt__gen_w_line(w, "}");
  }
  ffirt__gen_w_printf(w, "%s := submit(ctx, %s, %s, ", r ? "ffiV, ffiErr" : "_, ffiErr",
                      p->kind == GEN_METHOD ? "ffiC" : "0", decode);
  ffirt__gen_w_line(w, "func(ffiA *cArena, ffiCtx, ffiH C.uintptr_t) C.int {");
  ffirt__gen_w_indent(w);
  const char *args = "";
  for (size_t i = 0; i < p->nparams; i++) {
    const ffirt__gen_param *pa = &p->params[i];
    const char *gp = ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_PARAM, pa->name);
    const char *lhs;
    switch (pa->type->kind) {
    case GEN_BYTES:
    case GEN_SEQ: lhs = ffirt__gen_fmt(G->n, "ffiP%zu, ffiN%zu", i, i); break;
    case GEN_OPTIONAL:
      lhs = pa->type->elem->kind == GEN_BYTES
                ? ffirt__gen_fmt(G->n, "ffiF%zu, ffiP%zu, ffiN%zu", i, i, i)
                : ffirt__gen_fmt(G->n, "ffiF%zu, ffiP%zu", i, i);
      break;
    default: lhs = ffirt__gen_fmt(G->n, "ffiP%zu", i); break;
    }
    ffirt__gen_w_line(w, "%s := %s", lhs, slot_rhs(G, pa->type, gp, "ffiA", quote(G, pa->name)));
    args = ffirt__gen_fmt(G->n, "%s, %s", args, lhs);
  }
  if (p->nparams) {
    ffirt__gen_w_line(w, "if ffiA.err != nil {");
    ffirt__gen_w_line(w, "\treturn retErr");
    ffirt__gen_w_line(w, "}");
  }
  if (p->kind == GEN_METHOD)
    ffirt__gen_w_line(w, "return C.%scall_%s(ffiCtx, ffiH%s)", G->cp, p->name, args);
  else
    ffirt__gen_w_line(w, "return C.%scall_%s(ffiH%s)", G->cp, p->name, args);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "})");
  if (r) {
    ffirt__gen_w_line(w, "if ffiErr != nil {");
    ffirt__gen_w_line(w, "\treturn %sffiErr", zero);
    ffirt__gen_w_line(w, "}");
    ffirt__gen_w_line(w, "return ffiV.(%s), nil", gotype(G, r));
  } else {
    ffirt__gen_w_line(w, "return ffiErr");
  }
}

static const char *param_list(gen_go *G, const ffirt__gen_proc *p) {
  const char *s = "ctx context.Context";
  for (size_t i = 0; i < p->nparams; i++)
    s = ffirt__gen_fmt(G->n, "%s, %s %s", s,
                       ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_PARAM, p->params[i].name),
                       gotype(G, p->params[i].type));
  return s;
}

static const char *zero_of(gen_go *G, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_BOOL: return "false";
  case GEN_STRING: return "\"\"";
  case GEN_STRUCT: return ffirt__gen_fmt(G->n, "%s{}", tname(G, t->name));
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return "nil";
  default: return "0";
  }
}

/* The Go name of a procedure. A static is a package function, so it must
 * not take the name of a type of the package (a static `s` next to state
 * `S`): it then gets the language's escape (`S_`). */
static const char *proc_name(gen_go *G, const ffirt__gen_proc *p) {
  const char *name = ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_METHOD, p->name);
  if (p->kind != GEN_STATIC) return name;
  int clash = strcmp(name, G->cls) == 0;
  for (size_t i = 0; i < G->m->nstructs && !clash; i++)
    clash = strcmp(name, tname(G, G->m->structs[i].name)) == 0;
  for (size_t i = 0; i < G->m->nenums && !clash; i++)
    clash = strcmp(name, tname(G, G->m->enums[i].name)) == 0;
  return clash ? ffirt__gen_fmt(G->n, G->L->escape_fmt, name) : name;
}

static void proc_decl(gen_go *G, ffirt__gen_writer *w, const ffirt__gen_proc *p) {
  const char *name = proc_name(G, p);
  const ffirt__gen_type *r = p->result;
  const char *ret = r ? ffirt__gen_fmt(G->n, "(%s, error)", gotype(G, r)) : "error";
  const char *zero = r ? ffirt__gen_fmt(G->n, "%s, ", zero_of(G, r)) : "";
  ffirt__gen_w_blank(w);
  if (p->doc.count) {
    ffirt__gen_w_doc(w, &p->doc, GEN_DOC_SLASH2);
  } else {
    ffirt__gen_w_line(w, "// %s calls %s_%s.", name, G->lib, p->name);
  }
  if (p->kind == GEN_METHOD)
    ffirt__gen_w_line(w, "func (%s *%s) %s(%s) %s {", G->rcv, G->cls, name, param_list(G, p), ret);
  else
    ffirt__gen_w_line(w, "func %s(%s) %s {", name, param_list(G, p), ret);
  ffirt__gen_w_indent(w);
  proc_body(G, w, p, zero);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

static void ctor_decl(gen_go *G, ffirt__gen_writer *w) {
  const ffirt__gen_proc *p = G->m->ctor;
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// Create makes a %s: it calls %s_%s and waits for the library's", G->cls,
                    G->lib, p->name);
  ffirt__gen_w_line(w, "// constructor to finish (its error is an *Error). When ctx ends first,");
  ffirt__gen_w_line(w, "// Create returns ctx.Err() at once and the half-made context is");
  ffirt__gen_w_line(w, "// destroyed in the background.");
  if (p->doc.count) {
    ffirt__gen_w_line(w, "//");
    ffirt__gen_w_doc(w, &p->doc, GEN_DOC_SLASH2);
  }
  ffirt__gen_w_line(w, "func Create(%s) (*%s, error) {", param_list(G, p), G->cls);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "if err := ctx.Err(); err != nil {");
  ffirt__gen_w_line(w, "\treturn nil, err");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "ffiP := &pending{done: make(chan struct{})}");
  ffirt__gen_w_line(w, "ffiH := cgo.NewHandle(ffiP)");
  ffirt__gen_w_line(w, "var ffiA cArena");
  const char *args = "";
  for (size_t i = 0; i < p->nparams; i++) {
    const ffirt__gen_param *pa = &p->params[i];
    const char *gp = ffirt__gen_lang_ident(G->n, G->L, GEN_ROLE_PARAM, pa->name);
    const char *lhs;
    switch (pa->type->kind) {
    case GEN_BYTES:
    case GEN_SEQ: lhs = ffirt__gen_fmt(G->n, "ffiP%zu, ffiN%zu", i, i); break;
    case GEN_OPTIONAL:
      lhs = pa->type->elem->kind == GEN_BYTES
                ? ffirt__gen_fmt(G->n, "ffiF%zu, ffiP%zu, ffiN%zu", i, i, i)
                : ffirt__gen_fmt(G->n, "ffiF%zu, ffiP%zu", i, i);
      break;
    default: lhs = ffirt__gen_fmt(G->n, "ffiP%zu", i); break;
    }
    ffirt__gen_w_line(w, "%s := %s", lhs, slot_rhs(G, pa->type, gp, "ffiA", quote(G, pa->name)));
    args = ffirt__gen_fmt(G->n, "%s, %s", args, lhs);
  }
  ffirt__gen_w_line(w, "if ffiA.err != nil {");
  ffirt__gen_w_line(w, "\tffiA.free()");
  ffirt__gen_w_line(w, "\tffiH.Delete()");
  ffirt__gen_w_line(w, "\treturn nil, ffiA.err");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "inflight.Add(1)");
  ffirt__gen_w_line(w, "ffiC := uintptr(C.%scall_%s(C.uintptr_t(ffiH)%s))", G->cp, p->name, args);
  ffirt__gen_w_line(w, "ffiA.free()");
  ffirt__gen_w_line(w, "if _, err := wait(ctx, ffiP); err != nil {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "if ffiC != 0 {");
  ffirt__gen_w_line(w, "\tgo destroy(ffiC)");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "return nil, err");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "return new%s(ffiC), nil", G->cls);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
}

/* ----------------------------------------------------------------- events */

static void event_decls(gen_go *G, ffirt__gen_writer *w) {
  const ffirt__gen_model *m = G->m;
  /* the wire names, as constants */
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// The wire names of the events (Event.Type), the runtime's own included.");
  ffirt__gen_w_line(w, "const (");
  ffirt__gen_w_indent(w);
  static const char *const builtin[] = {"not_responding", "responding", "dropped_events"};
  size_t width = 0;
  for (size_t i = 0; i < m->nevents + 3; i++) {
    const char *wire = i < m->nevents ? m->events[i].wire : builtin[i - m->nevents];
    size_t l = strlen(
        ffirt__gen_fmt(G->n, "Event%s", ffirt__gen_case_convert(G->n, wire, GEN_CASE_PASCAL)));
    if (l > width) width = l;
  }
  for (size_t i = 0; i < m->nevents + 3; i++) {
    const char *wire = i < m->nevents ? m->events[i].wire : builtin[i - m->nevents];
    ffirt__gen_w_line(
        w, "%-*s = %s", (int)width,
        ffirt__gen_fmt(G->n, "Event%s", ffirt__gen_case_convert(G->n, wire, GEN_CASE_PASCAL)),
        quote(G, wire));
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, ")");

  /* the typed payload of a native wildcard view */
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "// decodeEvent copies the native payload of event `name` into Go.");
  ffirt__gen_w_line(w, "func decodeEvent(name string, p unsafe.Pointer, n int) any {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "switch name {");
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    ffirt__gen_w_line(w, "case %s:", quote(G, ev->wire));
    ffirt__gen_w_line(
        w, "\treturn %s",
        from_c_ptr(G, ev->payload, ffirt__gen_fmt(G->n, "(*%s)(p)", ctype(G, ev->payload))));
  }
  ffirt__gen_w_line(w, "case EventDroppedEvents:");
  ffirt__gen_w_line(w, "\tif n == 8 {");
  ffirt__gen_w_line(w, "\t\treturn uint64(*(*C.uint64_t)(p))");
  ffirt__gen_w_line(w, "\t}");
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "return nil");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");

  /* one typed subscription per event */
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    const char *fn = ffirt__gen_lang_event_subscribe(G->n, G->L, ev->wire);
    const char *pt = gotype(G, ev->payload);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "// %s calls fn with every %s event (a copy of the payload", fn, ev->wire);
    ffirt__gen_w_line(w, "// it owns) on the context's event thread, until the Subscription");
    ffirt__gen_w_line(w, "// or the %s is closed.", G->cls);
    if (ev->doc.count) {
      ffirt__gen_w_line(w, "//");
      ffirt__gen_w_doc(w, &ev->doc, GEN_DOC_SLASH2);
    }
    ffirt__gen_w_line(w, "func (%s *%s) %s(fn func(%s)) (*Subscription, error) {", G->rcv, G->cls,
                      fn, pt);
    ffirt__gen_w_line(w, "\treturn %s.listen(%s, false, func(p unsafe.Pointer, _ int) {", G->rcv,
                      quote(G, ev->wire));
    ffirt__gen_w_line(
        w, "\t\tfn(%s)",
        from_c_ptr(G, ev->payload, ffirt__gen_fmt(G->n, "(*%s)(p)", ctype(G, ev->payload))));
    ffirt__gen_w_line(w, "\t})");
    ffirt__gen_w_line(w, "}");
  }
}

/* --------------------------------------------------- fixed runtime support */

/* Writes text with $P (package), $C (context type), $R (receiver), $L (the
 * library), $X (the C helper prefix) and $D (the destructor) replaced. */
static void tmpl(gen_go *G, ffirt__gen_writer *w, const char *text) {
  for (const char *p = text; *p; p++) {
    if (*p == '$' && p[1]) {
      const char *v = NULL;
      switch (p[1]) {
      case 'P': v = G->pkg; break;
      case 'C': v = G->cls; break;
      case 'R': v = G->rcv; break;
      case 'L': v = G->lib; break;
      case 'X': v = G->cp; break;
      case 'D': v = G->m->dtor->name; break;
      }
      if (v) {
        ffirt__gen_w_printf(w, "%s", v);
        p++;
        continue;
      }
    }
    if (*p == '\n')
      ffirt__gen_w_line(w, "%s", "");
    else
      ffirt__gen_w_printf(w, "%c", *p);
  }
}

static const char support_types[] =
    "\n"
    "// Error is a failure: the library's error text (RET_ERR), or this\n"
    "// binding's (a closed $C, an argument C cannot carry).\n"
    "type Error struct {\n"
    "\tMessage string\n"
    "}\n"
    "\n"
    "func (e *Error) Error() string { return \"$P: \" + e.Message }\n"
    "\n"
    "var errClosed = &Error{Message: \"the $C is closed\"}\n"
    "\n"
    "// $C is one context of the $L library: its own worker and event\n"
    "// threads in the runtime. Its methods may be called from any goroutine,\n"
    "// concurrently, also from event listeners. Close destroys it.\n"
    "type $C struct {\n"
    "\tptr  atomic.Uintptr // the C context handle; 0 once closed\n"
    "\tmu   sync.Mutex\n"
    "\tsubs map[*Subscription]struct{} // live listeners\n"
    "\tdead bool                       // destroyed: subs released\n"
    "\tdone chan struct{}              // closed when destroyed\n"
    "}\n"
    "\n"
    "func new$C(c uintptr) *$C {\n"
    "\t$R := &$C{subs: map[*Subscription]struct{}{}, done: make(chan struct{})}\n"
    "\t$R.ptr.Store(c)\n"
    "\treturn $R\n"
    "}\n"
    "\n"
    "func destroy(c uintptr) { C.$Xcall_$D(C.uintptr_t(c)) }\n"
    "\n"
    "// Close destroys the context: requests still queued or running fail with\n"
    "// an *Error, queued events are delivered, then every listener is\n"
    "// released. Calling it again does nothing. It fails when called from one\n"
    "// of this context's own listeners (the runtime refuses to destroy a\n"
    "// context from its own threads).\n"
    "func ($R *$C) Close() error {\n"
    "\tc := $R.ptr.Swap(0)\n"
    "\tif c == 0 {\n"
    "\t\treturn nil\n"
    "\t}\n"
    "\tif C.$Xcall_$D(C.uintptr_t(c)) != 0 {\n"
    "\t\t$R.ptr.CompareAndSwap(0, c)\n"
    "\t\treturn &Error{Message: \"cannot close the $C from one of its own listeners\"}\n"
    "\t}\n"
    "\t$R.mu.Lock()\n"
    "\tsubs := $R.subs\n"
    "\t$R.subs, $R.dead = nil, true\n"
    "\t$R.mu.Unlock()\n"
    "\tfor s := range subs {\n"
    "\t\ts.closed.Store(true)\n"
    "\t\ts.h.Delete()\n"
    "\t}\n"
    "\tclose($R.done)\n"
    "\treturn nil\n"
    "}\n";

static const char support_events[] =
    "\n"
    "// Event is one event as OnAny and Events deliver it.\n"
    "type Event struct {\n"
    "\t// Type is the wire name (EventOnEchoFired, EventNotResponding, ...).\n"
    "\tType string\n"
    "\t// Payload is the typed payload, a copy owned by the receiver: the\n"
    "\t// event's Go type for the library's events, uint64 (the count) for\n"
    "\t// EventDroppedEvents, nil for EventNotResponding and EventResponding.\n"
    "\tPayload any\n"
    "}\n"
    "\n"
    "// Subscription is one registered listener.\n"
    "type Subscription struct {\n"
    "\tt       *$C\n"
    "\th       cgo.Handle\n"
    "\tid      C.uint64_t\n"
    "\tc       uintptr\n"
    "\tdeliver func(msg unsafe.Pointer, n int)\n"
    "\tclosed  atomic.Bool\n"
    "\tonce    sync.Once\n"
    "\tremoved bool\n"
    "}\n"
    "\n"
    "// Close removes the listener. When it returns the listener is not\n"
    "// running and will not run again, except when called from inside a\n"
    "// listener of the same context (then it does not wait: the current call\n"
    "// finishes and no other follows) or while the $C is being closed\n"
    "// (Close of the $C waits for its listeners). Calling it again does\n"
    "// nothing.\n"
    "func (s *Subscription) Close() error {\n"
    "\ts.remove()\n"
    "\treturn nil\n"
    "}\n"
    "\n"
    "// remove unregisters s; it reports whether the runtime confirmed it (so\n"
    "// the listener is not running any more).\n"
    "func (s *Subscription) remove() bool {\n"
    "\ts.once.Do(func() {\n"
    "\t\ts.closed.Store(true)\n"
    "\t\tif C.$Xunlisten(C.uintptr_t(s.c), s.id) != 0 {\n"
    "\t\t\treturn // the context is gone: $C.Close releases s\n"
    "\t\t}\n"
    "\t\ts.t.mu.Lock()\n"
    "\t\t_, mine := s.t.subs[s]\n"
    "\t\tdelete(s.t.subs, s)\n"
    "\t\ts.t.mu.Unlock()\n"
    "\t\tif mine {\n"
    "\t\t\ts.h.Delete()\n"
    "\t\t}\n"
    "\t\ts.removed = true\n"
    "\t})\n"
    "\treturn s.removed\n"
    "}\n"
    "\n"
    "func ($R *$C) listen(name string, cbor bool, deliver func(unsafe.Pointer, int)) "
    "(*Subscription, error) {\n"
    "\tc := $R.ptr.Load()\n"
    "\tif c == 0 {\n"
    "\t\treturn nil, errClosed\n"
    "\t}\n"
    "\ts := &Subscription{t: $R, c: c, deliver: deliver}\n"
    "\ts.h = cgo.NewHandle(s)\n"
    "\tcname := C.CString(name)\n"
    "\tdefer C.free(unsafe.Pointer(cname))\n"
    "\tflag := C.int(0)\n"
    "\tif cbor {\n"
    "\t\tflag = 1\n"
    "\t}\n"
    "\ts.id = C.$Xlisten(C.uintptr_t(c), cname, flag, C.uintptr_t(s.h))\n"
    "\tif s.id == 0 {\n"
    "\t\ts.h.Delete()\n"
    "\t\treturn nil, errClosed\n"
    "\t}\n"
    "\t$R.mu.Lock()\n"
    "\tdead := $R.dead\n"
    "\tif !dead {\n"
    "\t\t$R.subs[s] = struct{}{}\n"
    "\t}\n"
    "\t$R.mu.Unlock()\n"
    "\tif dead { // destroyed meanwhile: the listener never runs again\n"
    "\t\ts.h.Delete()\n"
    "\t\treturn nil, errClosed\n"
    "\t}\n"
    "\treturn s, nil\n"
    "}\n"
    "\n"
    "// onEvent runs on the context's event thread (via $Xevent).\n"
    "func onEvent(msg unsafe.Pointer, n int, h cgo.Handle) {\n"
    "\ts := h.Value().(*Subscription)\n"
    "\tif !s.closed.Load() {\n"
    "\t\ts.deliver(msg, n)\n"
    "\t}\n"
    "}\n"
    "\n"
    "// OnAny calls fn with every event of the context, the runtime's\n"
    "// not_responding, responding and dropped_events included, with its\n"
    "// typed payload (see Event). Listeners of one context run one at a time\n"
    "// on its event thread, in the order the events were emitted.\n"
    "func ($R *$C) OnAny(fn func(Event)) (*Subscription, error) {\n"
    "\treturn $R.listen(\"\", false, func(p unsafe.Pointer, _ int) {\n"
    "\t\tv := (*C.FFIEventView)(p)\n"
    "\t\tname := C.GoString(v.eventType)\n"
    "\t\tfn(Event{Type: name, Payload: decodeEvent(name, v.payload, int(v.payloadSize))})\n"
    "\t})\n"
    "}\n"
    "\n"
    "// OnAnyCBOR calls fn with every event as its CBOR EventEnvelope\n"
    "// {\"eventType\": ..., \"payload\": ...} (a copy fn may keep) and the event's\n"
    "// wire name, read from the envelope.\n"
    "func ($R *$C) OnAnyCBOR(fn func(eventType string, envelope []byte)) (*Subscription, error) {\n"
    "\treturn $R.listen(\"\", true, func(p unsafe.Pointer, n int) {\n"
    "\t\tb := C.GoBytes(p, C.int(n))\n"
    "\t\tfn(envelopeType(b), b)\n"
    "\t})\n"
    "}\n"
    "\n"
    "// Events delivers every event (as OnAny does) on a channel with room for\n"
    "// bufferSize events. The runtime's event thread never waits for the\n"
    "// receiver: an event that finds the buffer full is dropped. The channel\n"
    "// is closed when ctx ends or the $C is closed.\n"
    "func ($R *$C) Events(ctx context.Context, bufferSize int) <-chan Event {\n"
    "\tch := make(chan Event, bufferSize)\n"
    "\ts, err := $R.OnAny(func(e Event) {\n"
    "\t\tselect {\n"
    "\t\tcase ch <- e:\n"
    "\t\tdefault: // full: dropped, never blocks the event thread\n"
    "\t\t}\n"
    "\t})\n"
    "\tif err != nil {\n"
    "\t\tclose(ch)\n"
    "\t\treturn ch\n"
    "\t}\n"
    "\tgo func() {\n"
    "\t\tselect {\n"
    "\t\tcase <-ctx.Done():\n"
    "\t\tcase <-$R.done:\n"
    "\t\t}\n"
    "\t\tif !s.remove() {\n"
    "\t\t\t<-$R.done // being closed: wait until no listener runs\n"
    "\t\t}\n"
    "\t\tclose(ch)\n"
    "\t}()\n"
    "\treturn ch\n"
    "}\n";

static const char support_builtin_events[] =
    "\n"
    "// OnNotResponding calls fn when the context's worker thread made no\n"
    "// progress for the runtime's stall threshold (a handler blocking it).\n"
    "func ($R *$C) OnNotResponding(fn func()) (*Subscription, error) {\n"
    "\treturn $R.listen(EventNotResponding, false, func(unsafe.Pointer, int) { fn() })\n"
    "}\n"
    "\n"
    "// OnResponding calls fn when the worker recovered after not_responding.\n"
    "func ($R *$C) OnResponding(fn func()) (*Subscription, error) {\n"
    "\treturn $R.listen(EventResponding, false, func(unsafe.Pointer, int) { fn() })\n"
    "}\n"
    "\n"
    "// OnDroppedEvents calls fn with the number of events the runtime's\n"
    "// bounded event queue dropped since its last report (the library's\n"
    "// overflow policy; listeners that keep the event thread busy cause it).\n"
    "func ($R *$C) OnDroppedEvents(fn func(count uint64)) (*Subscription, error) {\n"
    "\treturn $R.listen(EventDroppedEvents, false, func(p unsafe.Pointer, _ int) {\n"
    "\t\tfn(uint64(*(*C.uint64_t)(p)))\n"
    "\t})\n"
    "}\n";

static const char support_calls[] =
    "\n"
    "const (\n"
    "\tretOK        = 0 // RET_OK\n"
    "\tretErr       = 1 // RET_ERR\n"
    "\tretStaleWarn = 3 // RET_STALE_WARN: not terminal\n"
    ")\n"
    "\n"
    "// pending is one request in flight. C holds only its cgo.Handle, which\n"
    "// the terminal callback alone deletes, so a reply arriving after the\n"
    "// caller gave up still finds it.\n"
    "type pending struct {\n"
    "\tdone      chan struct{} // closed by the terminal callback\n"
    "\tdecode    func(msg unsafe.Pointer, n int) any\n"
    "\tvalue     any\n"
    "\terr       error\n"
    "\tabandoned atomic.Bool // the caller returned ctx.Err(): skip the copy\n"
    "}\n"
    "\n"
    "// onReply runs on the context's worker thread (or on the caller's, for\n"
    "// entry errors): it copies the reply out of C memory, borrowed for the\n"
    "// call only, and wakes the caller by closing a channel, so it never\n"
    "// blocks.\n"
    "func onReply(ret int, msg unsafe.Pointer, n int, h cgo.Handle) {\n"
    "\tif ret == retStaleWarn {\n"
    "\t\treturn\n"
    "\t}\n"
    "\tp := h.Value().(*pending)\n"
    "\th.Delete()\n"
    "\tlast := inflight.Add(-1) == 0\n"
    "\tif ret != retOK {\n"
    "\t\tp.err = &Error{Message: C.GoStringN((*C.char)(msg), C.int(n))}\n"
    "\t} else if p.decode != nil && !p.abandoned.Load() {\n"
    "\t\tp.value = p.decode(msg, n)\n"
    "\t}\n"
    "\tclose(p.done)\n"
    "\tif last {\n"
    "\t\t// Nothing else in flight: hand this thread's P to the woken caller\n"
    "\t\t// now rather than leave it in this C thread's run queue until the\n"
    "\t\t// scheduler steals it (~60 us at GOMAXPROCS=2). With requests in\n"
    "\t\t// flight the thread goes straight back to the library instead.\n"
    "\t\truntime.Gosched()\n"
    "\t}\n"
    "}\n"
    "\n"
    "// inflight counts the requests of this package waiting for a reply.\n"
    "var inflight atomic.Int64\n"
    "\n"
    "// wait returns the reply of p, or ctx.Err() as soon as ctx ends.\n"
    "func wait(ctx context.Context, p *pending) (any, error) {\n"
    "\tselect {\n"
    "\tcase <-p.done:\n"
    "\t\treturn p.value, p.err\n"
    "\tdefault:\n"
    "\t}\n"
    "\tselect {\n"
    "\tcase <-p.done:\n"
    "\t\treturn p.value, p.err\n"
    "\tcase <-ctx.Done():\n"
    "\t\tp.abandoned.Store(true)\n"
    "\t\treturn nil, ctx.Err()\n"
    "\t}\n"
    "}\n"
    "\n"
    "// submit converts the arguments and calls one export (through export),\n"
    "// then waits for its reply.\n"
    "func submit(ctx context.Context, c uintptr, decode func(unsafe.Pointer, int) any,\n"
    "\texport func(a *cArena, c, h C.uintptr_t) C.int) (any, error) {\n"
    "\tif err := ctx.Err(); err != nil {\n"
    "\t\treturn nil, err\n"
    "\t}\n"
    "\tp := &pending{done: make(chan struct{}), decode: decode}\n"
    "\th := cgo.NewHandle(p)\n"
    "\tvar a cArena\n"
    "\tinflight.Add(1)\n"
    "\texport(&a, C.uintptr_t(c), C.uintptr_t(h))\n"
    "\ta.free()\n"
    "\tif a.err != nil { // not submitted: no callback will come\n"
    "\t\tinflight.Add(-1)\n"
    "\t\th.Delete()\n"
    "\t\treturn nil, a.err\n"
    "\t}\n"
    "\treturn wait(ctx, p)\n"
    "}\n"
    "\n"
    "// cArena holds the C copies of one call's arguments. Exports copy their\n"
    "// arguments before they return, so all of it is freed right after.\n"
    "type cArena struct {\n"
    "\tptrs []unsafe.Pointer\n"
    "\terr  error\n"
    "}\n"
    "\n"
    "func (a *cArena) alloc(n uintptr) unsafe.Pointer {\n"
    "\tp := C.calloc(1, C.size_t(n))\n"
    "\tif p == nil {\n"
    "\t\tpanic(\"$P: out of C memory\")\n"
    "\t}\n"
    "\ta.ptrs = append(a.ptrs, p)\n"
    "\treturn p\n"
    "}\n"
    "\n"
    "func (a *cArena) free() {\n"
    "\tfor _, p := range a.ptrs {\n"
    "\t\tC.free(p)\n"
    "\t}\n"
    "\ta.ptrs = nil\n"
    "}\n"
    "\n"
    "// str copies s as a NUL-terminated C string; a NUL inside s cannot be\n"
    "// carried and fails the call.\n"
    "func (a *cArena) str(s, where string) *C.char {\n"
    "\tif strings.IndexByte(s, 0) >= 0 {\n"
    "\t\tif a.err == nil {\n"
    "\t\t\ta.err = &Error{Message: where + \": string contains a NUL byte\"}\n"
    "\t\t}\n"
    "\t\treturn nil\n"
    "\t}\n"
    "\tp := (*C.char)(a.alloc(uintptr(len(s)) + 1))\n"
    "\tcopy(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(s)), s)\n"
    "\treturn p\n"
    "}\n"
    "\n"
    "func (a *cArena) toCBytes(v []byte) (*C.uint8_t, C.size_t) {\n"
    "\tif len(v) == 0 {\n"
    "\t\treturn nil, 0\n"
    "\t}\n"
    "\tp := (*C.uint8_t)(a.alloc(uintptr(len(v))))\n"
    "\tcopy(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(v)), v)\n"
    "\treturn p, C.size_t(len(v))\n"
    "}\n"
    "\n"
    "func fromCBytes(p *C.uint8_t, n C.size_t) []byte {\n"
    "\tif n == 0 {\n"
    "\t\treturn nil\n"
    "\t}\n"
    "\treturn C.GoBytes(unsafe.Pointer(p), C.int(n))\n"
    "}\n"
    "\n"
    "func cBool(b bool) C.int {\n"
    "\tif b {\n"
    "\t\treturn 1\n"
    "\t}\n"
    "\treturn 0\n"
    "}\n"
    "\n"
    "// envelopeType reads the eventType of a CBOR EventEnvelope: a map whose\n"
    "// first entry is \"eventType\": <text> (abi.md 4.2). \"\" if it is not one.\n"
    "func envelopeType(b []byte) string {\n"
    "\tmajor, n, rest, ok := cborHead(b)\n"
    "\tif !ok || major != 5 || n == 0 {\n"
    "\t\treturn \"\"\n"
    "\t}\n"
    "\tkey, rest, ok := cborText(rest)\n"
    "\tif !ok || key != \"eventType\" {\n"
    "\t\treturn \"\"\n"
    "\t}\n"
    "\tname, _, _ := cborText(rest)\n"
    "\treturn name\n"
    "}\n"
    "\n"
    "// cborHead splits one CBOR head (definite lengths only) off b.\n"
    "func cborHead(b []byte) (major byte, arg uint64, rest []byte, ok bool) {\n"
    "\tif len(b) == 0 {\n"
    "\t\treturn 0, 0, nil, false\n"
    "\t}\n"
    "\tmajor, info := b[0]>>5, b[0]&0x1f\n"
    "\tb = b[1:]\n"
    "\tif info < 24 {\n"
    "\t\treturn major, uint64(info), b, true\n"
    "\t}\n"
    "\tif info > 27 {\n"
    "\t\treturn 0, 0, nil, false\n"
    "\t}\n"
    "\tk := 1 << (info - 24)\n"
    "\tif len(b) < k {\n"
    "\t\treturn 0, 0, nil, false\n"
    "\t}\n"
    "\tfor _, c := range b[:k] {\n"
    "\t\targ = arg<<8 | uint64(c)\n"
    "\t}\n"
    "\treturn major, arg, b[k:], true\n"
    "}\n"
    "\n"
    "func cborText(b []byte) (string, []byte, bool) {\n"
    "\tmajor, n, rest, ok := cborHead(b)\n"
    "\tif !ok || major != 3 || n > uint64(len(rest)) {\n"
    "\t\treturn \"\", nil, false\n"
    "\t}\n"
    "\treturn string(rest[:n]), rest[n:], true\n"
    "}\n";

static const char export_file[] =
    "package $P\n"
    "\n"
    "// The entry points of the runtime's callbacks into Go. A file with\n"
    "// //export directives may only declare in its cgo preamble, so they\n"
    "// live apart from $L.go. Their C names carry the library's prefix:\n"
    "// several generated packages link into one program.\n"
    "\n"
    "// #include <stddef.h>\n"
    "// #include <stdint.h>\n"
    "import \"C\"\n"
    "\n"
    "import (\n"
    "\t\"runtime/cgo\"\n"
    "\t\"unsafe\"\n"
    ")\n"
    "\n"
    "//export $Xreply\n"
    "func $Xreply(ret C.int, msg *C.char, n C.size_t, h C.uintptr_t) {\n"
    "\tonReply(int(ret), unsafe.Pointer(msg), int(n), cgo.Handle(h))\n"
    "}\n"
    "\n"
    "//export $Xevent\n"
    "func $Xevent(ret C.int, msg *C.char, n C.size_t, h C.uintptr_t) {\n"
    "\t_ = ret\n"
    "\tonEvent(unsafe.Pointer(msg), int(n), cgo.Handle(h))\n"
    "}\n";

/* -------------------------------------------------------------- the files */

static void package_doc(gen_go *G, ffirt__gen_writer *w) {
  ffirt__gen_w_line(w, "// Package %s is the Go binding of the %s library, on its native C ABI.",
                    G->pkg, G->lib);
  if (G->m->library_doc.count) {
    ffirt__gen_w_line(w, "//");
    ffirt__gen_w_doc(w, &G->m->library_doc, GEN_DOC_SLASH2);
  }
  static const char *const lines[] = {
      "",
      "Create makes a context ($C); its methods send requests and wait for",
      "their replies. Every call takes a context.Context: when it is cancelled",
      "or its deadline passes, the call returns ctx.Err() at once and the",
      "late reply is dropped when it comes (the request itself still runs).",
      "Failures reported by the library are *Error values (errors.As).",
      "",
      "Events: On<Event> (typed), OnAny (every event, typed payload), OnAnyCBOR",
      "(the CBOR envelope) and Events (a channel). Listeners run on the",
      "context's event thread; a listener may call the context's methods,",
      "also the blocking ones. Neither a listener nor a reply ever blocks",
      "the runtime on a Go channel: replies close a channel, Events drops",
      "an event that finds its buffer full.",
      "",
      "Everything crossing into C is copied into C memory; C holds no Go",
      "pointer, only runtime/cgo Handles.",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    ffirt__gen_w_printf(w, "%s", lines[i][0] ? "// " : "//");
    tmpl(G, w, lines[i]);
    ffirt__gen_w_line(w, "%s", "");
  }
}

static int write_main(gen_go *G, const char *outdir) {
  const ffirt__gen_model *m = G->m;
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_set_indent(&w, "\t");
  banner(G, &w);
  package_doc(G, &w);
  ffirt__gen_w_line(&w, "package %s", G->pkg);
  ffirt__gen_w_blank(&w);
  preamble(G, &w);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "import (");
  ffirt__gen_w_line(&w, "\t\"context\"");
  ffirt__gen_w_line(&w, "\t\"runtime\"");
  ffirt__gen_w_line(&w, "\t\"runtime/cgo\"");
  if (m->nenums) ffirt__gen_w_line(&w, "\t\"strconv\"");
  ffirt__gen_w_line(&w, "\t\"strings\"");
  ffirt__gen_w_line(&w, "\t\"sync\"");
  ffirt__gen_w_line(&w, "\t\"sync/atomic\"");
  ffirt__gen_w_line(&w, "\t\"unsafe\"");
  ffirt__gen_w_line(&w, ")");

  for (size_t i = 0; i < m->nconsts; i++)
    const_decl(G, &w, &m->consts[i]);
  for (size_t i = 0; i < m->nenums; i++)
    enum_decl(G, &w, &m->enums[i]);
  for (size_t i = 0; i < m->nstructs; i++)
    struct_decl(G, &w, &m->structs[i]);

  tmpl(G, &w, support_types);
  ctor_decl(G, &w);
  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind == GEN_METHOD) proc_decl(G, &w, &m->procs[i]);
  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind == GEN_STATIC) proc_decl(G, &w, &m->procs[i]);

  tmpl(G, &w, support_events);
  event_decls(G, &w);
  tmpl(G, &w, support_builtin_events);
  tmpl(G, &w, support_calls);

  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "// ---- conversions between the Go types and their native layout");
  for (size_t i = 0; i < m->nstructs; i++)
    struct_conv(G, &w, &m->structs[i]);
  for (size_t i = 0; i < G->nparts; i++)
    parts_conv(G, &w, G->parts[i]);
  for (size_t i = 0; i < G->nboxes; i++)
    box_conv(G, &w, G->boxes[i]);
  int rc = ffirt__gen_w_save(&w, outdir, ffirt__gen_fmt(G->n, "%s.go", G->lib));
  ffirt__gen_w_free(&w);
  return rc;
}

static int write_small(gen_go *G, const char *outdir) {
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_set_indent(&w, "\t");
  banner(G, &w);
  tmpl(G, &w, export_file);
  int rc = ffirt__gen_w_save(&w, outdir, ffirt__gen_fmt(G->n, "%s_cgo.go", G->lib));
  ffirt__gen_w_free(&w);
  if (rc != 0) return rc;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_line(&w, "// Generated by ffirt-gen from %s; do not edit.",
                    ffirt__gen_base_name(G->m->file));
  ffirt__gen_w_line(&w, "// The Go binding of %s: no requirements, only the C library.", G->lib);
  ffirt__gen_w_line(&w, "module %s", G->pkg);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "go 1.19");
  rc = ffirt__gen_w_save(&w, outdir, "go.mod");
  ffirt__gen_w_free(&w);
  return rc;
}

int ffirt__gen_emit_go(const ffirt__gen_model *m, const char *outdir) {
  gen_go G;
  memset(&G, 0, sizeof G);
  G.m = m;
  G.L = ffirt__gen_lang_get(GEN_LANG_GO);
  if (ffirt__gen_c_analyse(&G.g, m, 0) != 0) return -1;
  G.n = &G.g.names;
  G.lib = m->library;
  G.pkg = ffirt__gen_lang_module(G.n, G.L, m->library);
  G.cls = ffirt__gen_lang_ctx_class(G.n, G.L, m->state);
  G.cp = ffirt__gen_fmt(G.n, "%s__go_", m->library);
  /* receiver: the type's initial, unless the support code's methods use
   * that letter for a local, or a parameter is called that */
  G.rcv = ffirt__gen_fmt(G.n, "%c", G.cls[0] >= 'A' && G.cls[0] <= 'Z' ? G.cls[0] + 32 : 'x');
  if (strchr("bcehnpsv", G.rcv[0])) G.rcv = "self";
  for (int clash = 1; clash;) {
    clash = 0;
    for (size_t i = 0; i < m->nprocs; i++)
      for (size_t k = 0; k < m->procs[i].nparams; k++)
        if (strcmp(ffirt__gen_lang_ident(G.n, G.L, GEN_ROLE_PARAM, m->procs[i].params[k].name),
                   G.rcv) == 0)
          clash = 1;
    if (clash) G.rcv = ffirt__gen_fmt(G.n, "%s_", G.rcv);
  }

  for (size_t i = 0; i < m->nstructs; i++)
    for (size_t k = 0; k < m->structs[i].nfields; k++)
      use_type(&G, m->structs[i].fields[k].type, 0);
  for (size_t i = 0; i < m->nprocs; i++) {
    for (size_t k = 0; k < m->procs[i].nparams; k++)
      use_type(&G, m->procs[i].params[k].type, 0);
    if (m->procs[i].result)
      use_type(&G, m->procs[i].result,
               m->procs[i].result->kind == GEN_SEQ || m->procs[i].result->kind == GEN_OPTIONAL);
  }
  for (size_t i = 0; i < m->nevents; i++)
    use_type(&G, m->events[i].payload, 1);

  /* Names are made while writing: a pool out of memory may show only
   * afterwards, and then nothing written can be trusted. */
  int rc = G.oom || G.n->oom ? -1 : write_main(&G, outdir);
  if (rc == 0) rc = write_small(&G, outdir);
  if (rc == 0) rc = ffirt__gen_emit_c_host(m, outdir);
  if (G.oom || G.n->oom) {
    fprintf(stderr, "ffirt-gen: out of memory while writing the Go binding\n");
    rc = -1;
  }
  free((void *)G.parts);
  free((void *)G.boxes);
  ffirt__gen_c_free(&G.g);
  return rc;
}
