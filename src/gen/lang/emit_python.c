/*
 * emit_python.c - writes the Python binding of a library: a pure-Python
 * package <lib>/ (__init__.py, _runtime.py, py.typed) that calls the NATIVE
 * exports through ctypes; no compiled extension.
 *
 * Design notes:
 *  - Reads the checked model only. Every Python name and type spelling comes
 *    from the naming layer (ffirt__gen_lang_* with GEN_LANG_PYTHON); the C
 *    member names and box layouts follow the C emitters' rules (naming.h
 *    box rule, abi.md 5), so the ctypes structures match the native layout
 *    byte for byte: a slot (struct field, box member) of type T is
 *    bytes -> `uint8_t *x; size_t x_len`, seq -> `E *x; size_t x_len` (E
 *    boxed when it is a container or bytes), optional -> `int x_present`
 *    then the elem's slot (boxed when it is a container), else one member.
 *  - __init__.py, in order: imports and the library's Error, the .so and
 *    constants, enums (IntEnum), dataclasses (snake_case fields, wire names
 *    untouched), ctypes structures (all declared first, then their fields
 *    in by-value dependency order, so recursion through a seq works),
 *    converters to C (checks first: TypeError/ValueError naming the
 *    argument) and from C (copies out of the borrowed native graph), the
 *    C prototypes, then the context class named after the IDL state.
 *  - _runtime.py is the same text for every library (calls, listeners,
 *    lifetimes; see its docstring). Each package carries its own copy, so
 *    packages of several libraries load side by side.
 *  - Output files are rewritten only when their content changes (writer.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "naming.h"
#include "writer.h"

static const char *const runtime_py[]; /* _runtime.py, at the end of the file */

typedef struct py {
  const ffirt__gen_model *m;
  const ffirt__gen_lang *L;
  ffirt__gen_names n;
  ffirt__gen_writer *w;
  const char *lib;
  /* distinct boxed container types (by slug), discovery order */
  const ffirt__gen_type **boxes;
  const char **box_slugs; /* slug of each box (pool strings) */
  size_t nboxes, capboxes;
  int oom;
  /* emission marks of _fields_: per struct, per box */
  char *struct_done, *box_done;
  char *struct_read; /* per struct: a reply or event payload (needs _read_X) */
} py;

/* ------------------------------------------------------------- names */

static const char *field_name(py *p, const char *idl) {
  return ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_FIELD, idl);
}
static const char *param_name(py *p, const char *idl) {
  return ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_PARAM, idl);
}
static const char *type_name(py *p, const char *idl) {
  return ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_TYPE, idl);
}
static const char *slug(py *p, const ffirt__gen_type *t) { return ffirt__gen_slug(&p->n, t); }
/* The ctypes member of a C field: the C name, escaped where it is a Python
 * keyword (`in` -> `in_`; only the layout matters to ctypes, but the
 * converters spell it as an attribute). The role with the IDL's own case
 * (GEN_ROLE_CONST) gives exactly that. */
static const char *c_member(py *p, const char *idl) {
  return ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_CONST, idl);
}

/* A Python string literal of s: UTF-8 kept, quotes, backslashes and
 * control characters escaped. */
static const char *py_str(py *p, const char *s) { return ffirt__gen_lang_string(&p->n, p->L, s); }

/* Writes doc as the body of a docstring (already indented), plus extra
 * paragraphs; nothing when both are empty. */
static void docstring(py *p, const ffirt__gen_doc *doc, const char *extra) {
  ffirt__gen_writer *w = p->w;
  size_t count = doc ? doc->count : 0;
  if (count == 0 && !extra) return;
  ffirt__gen_w_printf(w, "\"\"\"");
  for (size_t i = 0; i < count; i++) {
    const char *line = doc->lines[i];
    if (i > 0) ffirt__gen_w_printf(w, "\n");
    for (const char *c = line; *c; c++) {
      if (*c == '\\')
        ffirt__gen_w_printf(w, "\\\\");
      else if (*c == '"')
        ffirt__gen_w_printf(w, "\\\"");
      else
        ffirt__gen_w_printf(w, "%c", *c);
    }
  }
  if (extra) ffirt__gen_w_printf(w, "%s%s", count ? "\n\n" : "", extra);
  ffirt__gen_w_line(w, "\"\"\"");
}

/* ------------------------------------------------------------- ctypes */

static const char *scalar_ctype(ffirt__gen_kind k) {
  switch (k) {
  case GEN_BOOL: return "ctypes.c_int";
  case GEN_I8: return "ctypes.c_int8";
  case GEN_I16: return "ctypes.c_int16";
  case GEN_I32: return "ctypes.c_int32";
  case GEN_I64: return "ctypes.c_int64";
  case GEN_U8: return "ctypes.c_uint8";
  case GEN_U16: return "ctypes.c_uint16";
  case GEN_U32: return "ctypes.c_uint32";
  case GEN_U64: return "ctypes.c_uint64";
  case GEN_F32: return "ctypes.c_float";
  case GEN_F64: return "ctypes.c_double";
  case GEN_STRING: return "ctypes.c_char_p";
  default: return "ctypes.c_void_p";
  }
}

/* ctypes type of one stored object of t (naming.h value_ctype). */
static const char *value_ctype(py *p, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(&p->n, "_C_%s", slug(p, t));
  case GEN_STRUCT: return ffirt__gen_fmt(&p->n, "_C_%s", t->name);
  case GEN_ENUM: return "ctypes.c_int32";
  default: return scalar_ctype(t->kind);
  }
}

static const char *box_member(const ffirt__gen_type *t) { return ffirt__gen_box_member(t); }

/* ------------------------------------------------------------- boxes */

static void walk_slot(py *p, const ffirt__gen_type *t, int boxed);

static void add_box(py *p, const ffirt__gen_type *t) {
  const char *s = slug(p, t);
  for (size_t i = 0; i < p->nboxes; i++)
    if (strcmp(p->box_slugs[i], s) == 0) return;
  if (p->nboxes == p->capboxes) {
    size_t cap = p->capboxes ? 2 * p->capboxes : 8;
    const ffirt__gen_type **b = realloc(p->boxes, cap * sizeof *b);
    if (b) p->boxes = b;
    const char **sl = realloc(p->box_slugs, cap * sizeof *sl);
    if (sl) p->box_slugs = sl;
    if (!b || !sl) {
      p->oom = 1;
      return;
    }
    p->capboxes = cap;
  }
  p->box_slugs[p->nboxes] = s;
  p->boxes[p->nboxes++] = t;
  walk_slot(p, t, 0); /* the box's one member is t laid out as a slot */
}

static void walk_slot(py *p, const ffirt__gen_type *t, int boxed) {
  if (boxed) {
    add_box(p, t);
    return;
  }
  if (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL)
    walk_slot(p, t->elem, ffirt__gen_elem_is_boxed(t->kind, t->elem));
}

/* Native parameters: bytes and seq are (pointer, length), optional is
 * (present, the elem as a parameter or its box). */
static void walk_param(py *p, const ffirt__gen_type *t) {
  if (t->kind == GEN_SEQ) {
    if (ffirt__gen_elem_is_boxed(GEN_SEQ, t->elem)) add_box(p, t->elem);
  } else if (t->kind == GEN_OPTIONAL) {
    if (ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem))
      add_box(p, t->elem);
    else
      walk_param(p, t->elem);
  }
}

static void collect_boxes(py *p) {
  const ffirt__gen_model *m = p->m;
  for (size_t i = 0; i < m->nstructs; i++)
    for (size_t k = 0; k < m->structs[i].nfields; k++)
      walk_slot(p, m->structs[i].fields[k].type, 0);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *pr = &m->procs[i];
    for (size_t k = 0; k < pr->nparams; k++)
      walk_param(p, pr->params[k].type);
    if (pr->result && (pr->result->kind == GEN_SEQ || pr->result->kind == GEN_OPTIONAL))
      add_box(p, pr->result);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_type *t = m->events[i].payload;
    if (t && (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL || t->kind == GEN_BYTES)) add_box(p, t);
  }
}

static size_t box_index(py *p, const ffirt__gen_type *t) {
  const char *s = slug(p, t);
  for (size_t i = 0; i < p->nboxes; i++)
    if (strcmp(p->box_slugs[i], s) == 0) return i;
  return 0;
}

/* Position of s in m->structs (every resolved sdecl points into it). */
static size_t struct_index(py *p, const ffirt__gen_struct *s) {
  return (size_t)(s - p->m->structs);
}

/* ------------------------------------------------------------- _fields_ */

static void slot_fields(py *p, const char *name, const ffirt__gen_type *t, int boxed) {
  ffirt__gen_writer *w = p->w;
  if (boxed) {
    ffirt__gen_w_line(w, "(\"%s\", %s),", name, value_ctype(p, t));
    return;
  }
  switch (t->kind) {
  case GEN_BYTES:
    ffirt__gen_w_line(w, "(\"%s\", ctypes.POINTER(ctypes.c_uint8)),", name);
    ffirt__gen_w_line(w, "(\"%s_len\", ctypes.c_size_t),", name);
    break;
  case GEN_SEQ:
    ffirt__gen_w_line(w, "(\"%s\", ctypes.POINTER(%s)),", name, value_ctype(p, t->elem));
    ffirt__gen_w_line(w, "(\"%s_len\", ctypes.c_size_t),", name);
    break;
  case GEN_OPTIONAL:
    ffirt__gen_w_line(w, "(\"%s_present\", ctypes.c_int),", name);
    slot_fields(p, name, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem));
    break;
  default: ffirt__gen_w_line(w, "(\"%s\", %s),", name, value_ctype(p, t));
  }
}

static void emit_struct_fields(py *p, const ffirt__gen_struct *s);
static void emit_box_fields(py *p, const ffirt__gen_type *t);

/* Emits the _fields_ of everything slot t embeds by value first. */
static void slot_deps(py *p, const ffirt__gen_type *t, int boxed) {
  if (boxed) {
    emit_box_fields(p, t);
    return;
  }
  if (t->kind == GEN_STRUCT && t->sdecl) emit_struct_fields(p, t->sdecl);
  if (t->kind == GEN_OPTIONAL)
    slot_deps(p, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem));
}

static void emit_struct_fields(py *p, const ffirt__gen_struct *s) {
  size_t i = struct_index(p, s);
  if (p->struct_done[i]) return;
  p->struct_done[i] = 1;
  for (size_t k = 0; k < s->nfields; k++)
    slot_deps(p, s->fields[k].type, 0);
  ffirt__gen_writer *w = p->w;
  ffirt__gen_w_line(w, "_C_%s._fields_ = [", s->name);
  ffirt__gen_w_indent(w);
  if (s->nfields == 0) ffirt__gen_w_line(w, "(\"_unused\", ctypes.c_uint8),");
  for (size_t k = 0; k < s->nfields; k++)
    slot_fields(p, c_member(p, s->fields[k].name), s->fields[k].type, 0);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "]");
}

static void emit_box_fields(py *p, const ffirt__gen_type *t) {
  size_t i = box_index(p, t);
  if (p->box_done[i]) return;
  p->box_done[i] = 1;
  slot_deps(p, t, 0);
  ffirt__gen_writer *w = p->w;
  ffirt__gen_w_line(w, "_C_%s._fields_ = [", slug(p, t));
  ffirt__gen_w_indent(w);
  slot_fields(p, box_member(t), t, 0);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "]");
}

/* ------------------------------------------------------------- to C */

/* The runtime's range of an integer kind (_runtime.I8 ... U64). */
static const char *int_range(ffirt__gen_kind k) {
  switch (k) {
  case GEN_I8: return "_rt.I8";
  case GEN_I16: return "_rt.I16";
  case GEN_I32: return "_rt.I32";
  case GEN_U8: return "_rt.U8";
  case GEN_U16: return "_rt.U16";
  case GEN_U32: return "_rt.U32";
  case GEN_U64: return "_rt.U64";
  default: return "_rt.I64";
  }
}

/* Expression: the checked C value of one stored object of t (a struct
 * field's single member, a seq element, a box), from Python value v.
 * path is a Python expression of the enclosing path, label this value's
 * name in it ("" for the path itself). */
static const char *value_to(py *p, const ffirt__gen_type *t, const char *v, const char *path,
                            const char *label) {
  ffirt__gen_names *n = &p->n;
  const char *lab = py_str(p, label);
  switch (t->kind) {
  case GEN_STRING: return ffirt__gen_fmt(n, "_rt.text_arg(%s, %s, %s)", v, path, lab);
  case GEN_BOOL: return ffirt__gen_fmt(n, "_rt.bool_arg(%s, %s, %s)", v, path, lab);
  case GEN_F32: return ffirt__gen_fmt(n, "_rt.f32_arg(%s, %s, %s)", v, path, lab);
  case GEN_F64: return ffirt__gen_fmt(n, "_rt.float_arg(%s, %s, %s)", v, path, lab);
  case GEN_ENUM:
    return ffirt__gen_fmt(n, "_rt.enum_arg(%s, %s, %s, %s)", type_name(p, t->name), v, path, lab);
  case GEN_STRUCT:
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: {
    /* the full path of this value: a literal at the top level */
    const char *full = strcmp(path, "\"\"") == 0 || !*label
                           ? (*label ? lab : path)
                           : ffirt__gen_fmt(n, "_rt.where(%s, %s)", path, lab);
    return ffirt__gen_fmt(n, "_to_c_%s(%s, %s)", t->kind == GEN_STRUCT ? t->name : slug(p, t), v,
                          full);
  }
  default:
    return ffirt__gen_fmt(n, "_rt.int_arg(%s, %s, %s, %s)", v, int_range(t->kind), path, lab);
  }
}

/* Expression: a (C array, length) pair of the seq t from Python value v. */
static const char *seq_to(py *p, const ffirt__gen_type *t, const char *v, const char *path,
                          const char *label, int depth) {
  const char *x = ffirt__gen_fmt(&p->n, "x%d", depth);
  const char *elem_label = ffirt__gen_fmt(&p->n, "%s[]", label);
  return ffirt__gen_fmt(&p->n, "_rt.array(%s, [%s for %s in _rt.seq_arg(%s, %s, %s)])",
                        value_ctype(p, t->elem), value_to(p, t->elem, x, path, elem_label), x, v,
                        path, py_str(p, label));
}

/* Statements: sets slot `name` of the ctypes object c from Python value v. */
static void slot_to(py *p, const char *c, const char *name, const ffirt__gen_type *t, int boxed,
                    const char *v, const char *path, const char *label, int depth) {
  ffirt__gen_writer *w = p->w;
  if (boxed) {
    ffirt__gen_w_line(w, "%s.%s = %s", c, name, value_to(p, t, v, path, label));
    return;
  }
  switch (t->kind) {
  case GEN_BYTES:
    ffirt__gen_w_line(w, "%s.%s, %s.%s_len = _rt.bytes_arg(%s, %s, %s)", c, name, c, name, v, path,
                      py_str(p, label));
    break;
  case GEN_SEQ:
    ffirt__gen_w_line(w, "%s.%s, %s.%s_len = %s", c, name, c, name,
                      seq_to(p, t, v, path, label, depth));
    break;
  case GEN_OPTIONAL:
    ffirt__gen_w_line(w, "if %s is not None:", v);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "%s.%s_present = 1", c, name);
    slot_to(p, c, name, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem), v, path, label,
            depth + 1);
    ffirt__gen_w_dedent(w);
    break;
  default: ffirt__gen_w_line(w, "%s.%s = %s", c, name, value_to(p, t, v, path, label));
  }
}

/* ------------------------------------------------------------- from C */

static const char *value_from(py *p, const ffirt__gen_type *t, const char *x) {
  ffirt__gen_names *n = &p->n;
  switch (t->kind) {
  case GEN_STRING: return ffirt__gen_fmt(n, "_rt.text(%s)", x);
  case GEN_BOOL: return ffirt__gen_fmt(n, "bool(%s)", x);
  case GEN_ENUM: return ffirt__gen_fmt(n, "%s(%s)", type_name(p, t->name), x);
  case GEN_STRUCT: return ffirt__gen_fmt(n, "_from_c_%s(%s)", t->name, x);
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(n, "_from_c_%s(%s)", slug(p, t), x);
  default: return x;
  }
}

/* Expression: the Python value of slot `name` of the ctypes object c. */
static const char *slot_from(py *p, const char *c, const char *name, const ffirt__gen_type *t,
                             int boxed, int depth) {
  ffirt__gen_names *n = &p->n;
  const char *member = ffirt__gen_fmt(n, "%s.%s", c, name);
  if (boxed) return value_from(p, t, member);
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(n, "_rt.bytes_at(%s, %s_len)", member, member);
  case GEN_SEQ: {
    const char *x = ffirt__gen_fmt(n, "x%d", depth);
    return ffirt__gen_fmt(n, "[%s for %s in %s[:%s_len]]", value_from(p, t->elem, x), x, member,
                          member);
  }
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(
        n, "(%s if %s_present else None)",
        slot_from(p, c, name, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem), depth + 1),
        member);
  default: return value_from(p, t, member);
  }
}

/* ------------------------------------------------------------- params */

/* Comma-separated ctypes argtypes of a native parameter of type t. */
static const char *param_ctypes(py *p, const ffirt__gen_type *t) {
  ffirt__gen_names *n = &p->n;
  switch (t->kind) {
  case GEN_BYTES: return "ctypes.c_char_p, ctypes.c_size_t";
  case GEN_SEQ:
    return ffirt__gen_fmt(n, "ctypes.POINTER(%s), ctypes.c_size_t", value_ctype(p, t->elem));
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(n, "ctypes.c_int, %s",
                          ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem)
                              ? value_ctype(p, t->elem)
                              : param_ctypes(p, t->elem));
  default: return value_ctype(p, t);
  }
}

/* The zero arguments of an absent optional's value. */
static const char *param_zeros(py *p, const ffirt__gen_type *t, int boxed) {
  ffirt__gen_names *n = &p->n;
  if (boxed || t->kind == GEN_STRUCT) return ffirt__gen_fmt(n, "%s()", value_ctype(p, t));
  switch (t->kind) {
  case GEN_BYTES:
  case GEN_SEQ: return "None, 0";
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(n, "0, %s",
                          param_zeros(p, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem)));
  case GEN_STRING: return "None";
  case GEN_F32:
  case GEN_F64: return "0.0";
  default: return "0";
  }
}

/* Comma-separated arguments of a native parameter from Python value v. */
static const char *param_args(py *p, const ffirt__gen_type *t, const char *v, const char *label,
                              int depth) {
  ffirt__gen_names *n = &p->n;
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(n, "*_rt.bytes_param(%s, \"\", %s)", v, py_str(p, label));
  case GEN_SEQ: return ffirt__gen_fmt(n, "*%s", seq_to(p, t, v, "\"\"", label, depth));
  case GEN_OPTIONAL: {
    int boxed = ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem);
    const char *inner = boxed ? value_to(p, t->elem, v, "\"\"", label)
                              : param_args(p, t->elem, v, label, depth + 1);
    return ffirt__gen_fmt(n, "*((1, %s) if %s is not None else (0, %s))", inner, v,
                          param_zeros(p, t->elem, boxed));
  }
  default: return value_to(p, t, v, "\"\"", label);
  }
}

/* ------------------------------------------------------------- results */

/* A reader(msg, n) of a reply (event 0) or of an event payload (event 1). */
static const char *reader(py *p, const ffirt__gen_type *t, int event) {
  ffirt__gen_names *n = &p->n;
  if (!t) return "_rt.none_at";
  switch (t->kind) {
  case GEN_STRING: return event ? "_rt.text_ptr_at" : "_rt.text_at";
  case GEN_BYTES:
    if (!event) return "_rt.bytes_at";
    return ffirt__gen_fmt(n, "_read_%s", slug(p, t));
  case GEN_STRUCT: return ffirt__gen_fmt(n, "_read_%s", t->name);
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(n, "_read_%s", slug(p, t));
  case GEN_BOOL: return "_rt.read_bool";
  case GEN_ENUM: return ffirt__gen_fmt(n, "_read_%s", t->name);
  default: return ffirt__gen_fmt(n, "_rt.reader(%s)", scalar_ctype(t->kind));
  }
}

/* ------------------------------------------------------------- sections */

static void emit_header(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  ffirt__gen_w_line(w, "# Generated by ffirt-gen from %s; do not edit.",
                    ffirt__gen_base_name(m->file));
  const char *extra =
      ffirt__gen_fmt(&p->n,
                     "Python binding of the %s library: typed dataclasses, the %s context class\n"
                     "(blocking and asyncio calls, events) over the native C ABI through ctypes.",
                     p->lib, ffirt__gen_lang_ctx_class(&p->n, p->L, m->state));
  docstring(p, &m->library_doc, extra);
  ffirt__gen_w_line(w, "from __future__ import annotations");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "import asyncio");
  ffirt__gen_w_line(w, "import ctypes");
  ffirt__gen_w_line(w, "import enum");
  ffirt__gen_w_line(w, "import os");
  ffirt__gen_w_line(w, "from dataclasses import dataclass, field");
  ffirt__gen_w_line(w, "from typing import Callable, Optional");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "from . import _runtime as _rt");
  ffirt__gen_w_line(w, "from ._runtime import Event, EventStream, FfirtError, Subscription");
  ffirt__gen_w_blank(w);

  ffirt__gen_w_line(w, "__all__ = [");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "\"%s\",", ffirt__gen_lang_ctx_class(&p->n, p->L, m->state));
  ffirt__gen_w_line(w, "\"Error\", \"FfirtError\", \"Subscription\", \"Event\", \"EventStream\",");
  ffirt__gen_w_line(w, "\"ABI_FINGERPRINT\",");
  for (size_t i = 0; i < m->nenums; i++)
    ffirt__gen_w_line(w, "\"%s\",", type_name(p, m->enums[i].name));
  for (size_t i = 0; i < m->nstructs; i++)
    ffirt__gen_w_line(w, "\"%s\",", type_name(p, m->structs[i].name));
  for (size_t i = 0; i < m->nconsts; i++)
    ffirt__gen_w_line(w, "\"%s\",",
                      ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_CONST, m->consts[i].name));
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "]");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "class Error(FfirtError):");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "\"\"\"An error reported by the %s library; the message is its text.\"\"\"",
                    p->lib);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(
      w, "_lib = _rt.load_library(\"%s\", os.path.dirname(os.path.abspath(__file__)))", p->lib);
  ffirt__gen_w_line(w,
                    "# The fingerprint of the IDL this package was generated from: importing it");
  ffirt__gen_w_line(w, "# against a library built from another IDL fails (ImportError).");
  ffirt__gen_w_line(w, "ABI_FINGERPRINT = 0x%016llx",
                    (unsigned long long)ffirt__gen_fingerprint(p->m));
  ffirt__gen_w_line(w, "_rt.check_abi(_lib, \"%s\", ABI_FINGERPRINT)", p->lib);
  ffirt__gen_w_line(w, "_DEFAULT_TIMEOUT = 30.0  # seconds, for calls without a context");
}

/* Shortest %g form of d that reads back as d (Python float literal). */
static const char *float_lit(py *p, double d) {
  char buf[64];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) break;
  }
  if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
  if (strcmp(buf, "inf") == 0) return "float(\"inf\")";
  if (strcmp(buf, "-inf") == 0) return "-float(\"inf\")";
  if (strcmp(buf, "nan") == 0 || strcmp(buf, "-nan") == 0) return "float(\"nan\")";
  return ffirt__gen_fmt(&p->n, "%s", buf);
}

static void emit_consts(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  if (m->nconsts) ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nconsts; i++) {
    const ffirt__gen_const *k = &m->consts[i];
    ffirt__gen_w_doc(w, &k->doc, GEN_DOC_HASH);
    const char *name = ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_CONST, k->name);
    const char *type = ffirt__gen_lang_type(&p->n, p->L, k->type);
    switch (k->vkind) {
    case GEN_CONST_INT:
      if (k->is_unsigned || k->i >= 0)
        ffirt__gen_w_line(w, "%s: %s = %llu", name, type, (unsigned long long)k->u);
      else
        ffirt__gen_w_line(w, "%s: %s = %lld", name, type, (long long)k->i);
      break;
    case GEN_CONST_FLOAT:
      ffirt__gen_w_line(w, "%s: %s = %s", name, type, float_lit(p, k->f));
      break;
    case GEN_CONST_BOOL:
      ffirt__gen_w_line(w, "%s: %s = %s", name, type, k->b ? "True" : "False");
      break;
    case GEN_CONST_STRING: ffirt__gen_w_line(w, "%s: %s = %s", name, type, py_str(p, k->s)); break;
    }
  }
}

static void emit_enums(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *e = &m->enums[i];
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "class %s(enum.IntEnum):", type_name(p, e->name));
    ffirt__gen_w_indent(w);
    docstring(p, &e->doc,
              ffirt__gen_fmt(&p->n, "Natively its ordinal; on the wire (CBOR) its text."));
    for (size_t k = 0; k < e->nitems; k++) {
      const ffirt__gen_enumerator *it = &e->items[k];
      ffirt__gen_w_doc(w, &it->doc, GEN_DOC_HASH);
      if (strcmp(it->wire, it->name) != 0)
        ffirt__gen_w_line(w, "# Wire text %s.", py_str(p, it->wire));
      ffirt__gen_w_line(w, "%s = %lld", ffirt__gen_lang_enumerator(&p->n, p->L, e->name, it->name),
                        (long long)it->value);
    }
    ffirt__gen_w_dedent(w);
  }
}

static void emit_dataclasses(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "@dataclass(slots=True)");
    ffirt__gen_w_line(w, "class %s:", type_name(p, s->name));
    ffirt__gen_w_indent(w);
    const char *extra = NULL;
    if (s->synthesized)
      for (size_t e = 0; e < m->nevents; e++)
        if (m->events[e].payload && m->events[e].payload->sdecl == s)
          extra = ffirt__gen_fmt(&p->n, "The payload of the event %s.", m->events[e].wire);
    docstring(p, &s->doc, extra);
    /* optionals default to None; one before a required field is keyword-only */
    size_t last_required = 0;
    int any_required = 0;
    for (size_t k = 0; k < s->nfields; k++)
      if (s->fields[k].type->kind != GEN_OPTIONAL) last_required = k, any_required = 1;
    for (size_t k = 0; k < s->nfields; k++) {
      const ffirt__gen_field *f = &s->fields[k];
      ffirt__gen_w_doc(w, &f->doc, GEN_DOC_HASH);
      const char *name = field_name(p, f->name);
      const char *type = ffirt__gen_lang_type(&p->n, p->L, f->type);
      if (f->type->kind != GEN_OPTIONAL)
        ffirt__gen_w_line(w, "%s: %s", name, type);
      else if (any_required && k < last_required)
        ffirt__gen_w_line(w, "%s: %s = field(default=None, kw_only=True)", name, type);
      else
        ffirt__gen_w_line(w, "%s: %s = None", name, type);
    }
    if (s->nfields == 0 && !s->doc.count && !extra) ffirt__gen_w_line(w, "pass");
    ffirt__gen_w_dedent(w);
  }
}

static void emit_ctypes(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "# ---- native layout (abi.md 5): the C structs, declared first so that");
  ffirt__gen_w_line(w, "# pointers may refer to any of them");
  for (size_t i = 0; i < m->nstructs; i++) {
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "class _C_%s(ctypes.Structure):", m->structs[i].name);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "pass");
    ffirt__gen_w_dedent(w);
  }
  for (size_t i = 0; i < p->nboxes; i++) {
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "class _C_%s(ctypes.Structure):", slug(p, p->boxes[i]));
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "\"\"\"%s\"\"\"", ffirt__gen_box_name(&p->n, p->lib, p->boxes[i]));
    ffirt__gen_w_dedent(w);
  }
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nstructs; i++)
    emit_struct_fields(p, &m->structs[i]);
  for (size_t i = 0; i < p->nboxes; i++)
    emit_box_fields(p, p->boxes[i]);
}

/* Marks in p->struct_read every struct that is a reply or an event payload
 * (it needs a reader). */
static void mark_read(py *p) {
  const ffirt__gen_model *m = p->m;
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_type *t = m->procs[i].result;
    if (t && t->kind == GEN_STRUCT && t->sdecl) p->struct_read[struct_index(p, t->sdecl)] = 1;
  }
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_type *t = m->events[i].payload;
    if (t && t->kind == GEN_STRUCT && t->sdecl) p->struct_read[struct_index(p, t->sdecl)] = 1;
  }
}

static void emit_converters(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "# ---- conversions: to C (checked first), from C (copied out of the");
  ffirt__gen_w_line(w, "# borrowed native graph)");
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    const char *py = type_name(p, s->name);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _to_c_%s(v: %s, path: str) -> _C_%s:", s->name, py, s->name);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "_rt.struct_arg(%s, v, path)", py);
    ffirt__gen_w_line(w, "c = _C_%s()", s->name);
    for (size_t k = 0; k < s->nfields; k++) {
      const ffirt__gen_field *f = &s->fields[k];
      const char *fname = field_name(p, f->name);
      slot_to(p, "c", c_member(p, f->name), f->type, 0, ffirt__gen_fmt(&p->n, "v.%s", fname),
              "path", fname, 0);
    }
    ffirt__gen_w_line(w, "return c");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _from_c_%s(c: _C_%s) -> %s:", s->name, s->name, py);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "return %s(%s", py, s->nfields ? "" : ")");
    ffirt__gen_w_indent(w);
    for (size_t k = 0; k < s->nfields; k++) {
      const ffirt__gen_field *f = &s->fields[k];
      ffirt__gen_w_line(w, "%s=%s,", field_name(p, f->name),
                        slot_from(p, "c", c_member(p, f->name), f->type, 0, 0));
    }
    ffirt__gen_w_dedent(w);
    if (s->nfields) ffirt__gen_w_line(w, ")");
    ffirt__gen_w_dedent(w);
    if (!p->struct_read[i]) continue;
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _read_%s(msg: int, n: int = 0) -> %s:", s->name, py);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "return _from_c_%s(_C_%s.from_address(msg))", s->name, s->name);
    ffirt__gen_w_dedent(w);
  }
  for (size_t i = 0; i < p->nboxes; i++) {
    const ffirt__gen_type *t = p->boxes[i];
    const char *sl = slug(p, t);
    const char *type = ffirt__gen_lang_type(&p->n, p->L, t);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _to_c_%s(v: %s, path: str) -> _C_%s:", sl, type, sl);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "c = _C_%s()", sl);
    slot_to(p, "c", box_member(t), t, 0, "v", "path", "", 0);
    ffirt__gen_w_line(w, "return c");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _from_c_%s(c: _C_%s) -> %s:", sl, sl, type);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "return %s", slot_from(p, "c", box_member(t), t, 0, 0));
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _read_%s(msg: int, n: int = 0) -> %s:", sl, type);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "return _from_c_%s(_C_%s.from_address(msg))", sl, sl);
    ffirt__gen_w_dedent(w);
  }
  for (size_t i = 0; i < m->nenums; i++) {
    const char *py = type_name(p, m->enums[i].name);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def _read_%s(msg: int, n: int = 0) -> %s:", m->enums[i].name, py);
    ffirt__gen_w_indent(w);
    ffirt__gen_w_line(w, "return %s(ctypes.c_int32.from_address(msg).value)", py);
    ffirt__gen_w_dedent(w);
  }
}

static const char *c_fn(py *p, const char *name) {
  return ffirt__gen_fmt(&p->n, "_%s_%s", p->lib, name);
}

static void emit_prototypes(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "# ---- the native exports (abi.md 2)");
  ffirt__gen_w_blank(w);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *pr = &m->procs[i];
    const char *params = "";
    for (size_t k = 0; k < pr->nparams; k++)
      params = ffirt__gen_fmt(&p->n, "%s, %s", params, param_ctypes(p, pr->params[k].type));
    const char *sym = ffirt__gen_fmt(&p->n, "%s_%s", p->lib, pr->name);
    switch (pr->kind) {
    case GEN_CTOR:
      ffirt__gen_w_line(w,
                        "%s = _rt.bind(_lib, \"%s\", ctypes.c_void_p%s, _rt.CALLBACK, "
                        "ctypes.c_void_p)",
                        c_fn(p, pr->name), sym, params);
      break;
    case GEN_DTOR:
      ffirt__gen_w_line(w, "%s = _rt.bind(_lib, \"%s\", ctypes.c_int, ctypes.c_void_p)",
                        c_fn(p, pr->name), sym);
      break;
    case GEN_STATIC:
      ffirt__gen_w_line(w,
                        "%s = _rt.bind(_lib, \"%s\", ctypes.c_int, _rt.CALLBACK, "
                        "ctypes.c_void_p%s)",
                        c_fn(p, pr->name), sym, params);
      break;
    case GEN_METHOD:
      ffirt__gen_w_line(w,
                        "%s = _rt.bind(_lib, \"%s\", ctypes.c_int, ctypes.c_void_p, "
                        "_rt.CALLBACK, ctypes.c_void_p%s)",
                        c_fn(p, pr->name), sym, params);
      break;
    }
  }
  static const char *const add[] = {"add_event_listener", "add_event_listener_cbor"};
  for (int i = 0; i < 2; i++)
    ffirt__gen_w_line(w,
                      "%s = _rt.bind(_lib, \"%s_%s\", ctypes.c_uint64, ctypes.c_void_p, "
                      "ctypes.c_char_p, _rt.CALLBACK, ctypes.c_void_p)",
                      c_fn(p, add[i]), p->lib, add[i]);
  ffirt__gen_w_line(w,
                    "%s = _rt.bind(_lib, \"%s_remove_event_listener\", ctypes.c_int, "
                    "ctypes.c_void_p, ctypes.c_uint64)",
                    c_fn(p, "remove_event_listener"), p->lib);
}

/* The parameters of pr as a Python signature tail: ", req: EchoRequest". */
static const char *proc_sig(py *p, const ffirt__gen_proc *pr) {
  const char *sig = "";
  for (size_t k = 0; k < pr->nparams; k++)
    sig = ffirt__gen_fmt(&p->n, "%s, %s: %s", sig, param_name(p, pr->params[k].name),
                         ffirt__gen_lang_type(&p->n, p->L, pr->params[k].type));
  return sig;
}

/* Writes `<kw> <name>(<first><params>, *, timeout: Optional[float] = <dflt>)
 * -> <rtype>:` on one line when it fits in 99 columns (4 of indentation
 * included), else one parameter per line. */
static void write_def(py *p, const char *kw, const char *name, const char *first,
                      const ffirt__gen_proc *pr, const char *dflt, const char *rtype) {
  ffirt__gen_writer *w = p->w;
  const char *line =
      ffirt__gen_fmt(&p->n, "%s %s(%s%s, *, timeout: Optional[float] = %s) -> %s:", kw, name, first,
                     proc_sig(p, pr), dflt, rtype);
  if (strlen(line) + 4 <= 99) {
    ffirt__gen_w_line(w, "%s", line);
    return;
  }
  ffirt__gen_w_line(w, "%s %s(", kw, name);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "%s,", first);
  for (size_t k = 0; k < pr->nparams; k++)
    ffirt__gen_w_line(w, "%s: %s,", param_name(p, pr->params[k].name),
                      ffirt__gen_lang_type(&p->n, p->L, pr->params[k].type));
  ffirt__gen_w_line(w, "*,");
  ffirt__gen_w_line(w, "timeout: Optional[float] = %s,", dflt);
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, ") -> %s:", rtype);
}

/* Writes `return <head>(<fixed>, <the converted parameters>)`: on one line
 * without parameters, else one argument per line. */
static void write_call(py *p, const char *head, const char *fixed, const ffirt__gen_proc *pr) {
  ffirt__gen_writer *w = p->w;
  if (pr->nparams == 0) {
    ffirt__gen_w_line(w, "return %s(%s)", head, fixed);
    return;
  }
  ffirt__gen_w_line(w, "return %s(", head);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "%s,", fixed);
  for (size_t k = 0; k < pr->nparams; k++) {
    const char *name = param_name(p, pr->params[k].name);
    ffirt__gen_w_line(w, "%s,", param_args(p, pr->params[k].type, name, name, 0));
  }
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, ")");
}

static const char *result_type(py *p, const ffirt__gen_proc *pr) {
  return pr->result ? ffirt__gen_lang_type(&p->n, p->L, pr->result) : "None";
}

static void emit_method(py *p, const ffirt__gen_proc *pr, int async) {
  ffirt__gen_writer *w = p->w;
  const char *name = async ? ffirt__gen_lang_async(&p->n, p->L, pr->name)
                           : ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_METHOD, pr->name);
  const char *what = ffirt__gen_fmt(&p->n, "\"%s.%s\"", p->lib, pr->name);
  const char *rtype = result_type(p, pr);
  int is_static = pr->kind == GEN_STATIC;
  ffirt__gen_w_blank(w);
  if (is_static) ffirt__gen_w_line(w, "@classmethod");
  write_def(p, "def", name, is_static ? "cls" : "self", pr, is_static ? "_DEFAULT_TIMEOUT" : "None",
            async ? ffirt__gen_fmt(&p->n, "asyncio.Future[%s]", rtype) : rtype);
  ffirt__gen_w_indent(w);
  const char *extra =
      async       ? "Returns an asyncio future completed from the reply callback (await it);\n"
                    "it fails with TimeoutError after `timeout` seconds."
      : is_static ? "Blocks until the reply, at most `timeout` seconds."
                  : "Blocks until the reply (the GIL is released meanwhile), at most\n"
                    "`timeout` seconds (None: the context's timeout).";
  docstring(p, &pr->doc, extra);
  const char *reads = reader(p, pr->result, 0);
  if (is_static)
    write_call(p, async ? "_rt.call_static_async" : "_rt.call_static",
               ffirt__gen_fmt(&p->n, "%s, %s, timeout, Error, %s", c_fn(p, pr->name), reads, what),
               pr);
  else
    write_call(p, async ? "self._call_async" : "self._call",
               ffirt__gen_fmt(&p->n, "%s, %s, timeout, %s", c_fn(p, pr->name), reads, what), pr);
  ffirt__gen_w_dedent(w);
}

static void emit_ctor(py *p, const ffirt__gen_proc *pr, const char *cls, int async) {
  ffirt__gen_writer *w = p->w;
  const char *name = async ? ffirt__gen_lang_async(&p->n, p->L, pr->name)
                           : ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_METHOD, pr->name);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "@classmethod");
  write_def(p, async ? "async def" : "def", name, "cls", pr, "_DEFAULT_TIMEOUT", cls);
  ffirt__gen_w_indent(w);
  docstring(p, &pr->doc,
            ffirt__gen_fmt(&p->n,
                           "Creates a context and waits (at most `timeout` seconds) for its\n"
                           "constructor; raises Error when it fails. `timeout` is also the\n"
                           "default timeout of the context's calls (None: unbounded)."));
  write_call(p, async ? "await cls._construct_async" : "cls._construct",
             ffirt__gen_fmt(&p->n, "%s, timeout", c_fn(p, pr->name)), pr);
  ffirt__gen_w_dedent(w);
}

static void emit_context(py *p) {
  ffirt__gen_writer *w = p->w;
  const ffirt__gen_model *m = p->m;
  const char *cls = ffirt__gen_lang_ctx_class(&p->n, p->L, m->state);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "class %s(_rt.Context):", cls);
  ffirt__gen_w_indent(w);
  const char *ctor =
      m->ctor ? ffirt__gen_lang_ident(&p->n, p->L, GEN_ROLE_METHOD, m->ctor->name) : "create";
  docstring(
      p, &m->state_doc,
      ffirt__gen_fmt(&p->n,
                     "A context of the %s library: its own worker and event threads. Make one\n"
                     "with `%s.%s(...)`, use it as a context manager or call close().\n"
                     "Methods block (GIL released) or, in their _async form, return an\n"
                     "asyncio future; errors raise Error, timeouts TimeoutError.",
                     p->lib, cls, ctor));
  ffirt__gen_w_line(w, "__slots__ = ()");
  ffirt__gen_w_line(w, "_lib_name = \"%s\"", p->lib);
  ffirt__gen_w_line(w, "_error = Error");
  if (m->dtor) ffirt__gen_w_line(w, "_destroy_fn = %s", c_fn(p, m->dtor->name));
  ffirt__gen_w_line(w, "_add_fn = %s", c_fn(p, "add_event_listener"));
  ffirt__gen_w_line(w, "_add_cbor_fn = %s", c_fn(p, "add_event_listener_cbor"));
  ffirt__gen_w_line(w, "_remove_fn = %s", c_fn(p, "remove_event_listener"));
  ffirt__gen_w_line(w, "_event_readers = {");
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < m->nevents; i++)
    ffirt__gen_w_line(w, "b%s: %s,", py_str(p, m->events[i].wire),
                      reader(p, m->events[i].payload, 1));
  ffirt__gen_w_line(w, "b\"dropped_events\": _rt.read_u64,");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  if (m->ctor) {
    emit_ctor(p, m->ctor, cls, 0);
    emit_ctor(p, m->ctor, cls, 1);
  }
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *pr = &m->procs[i];
    if (pr->kind != GEN_METHOD && pr->kind != GEN_STATIC) continue;
    emit_method(p, pr, 0);
    emit_method(p, pr, 1);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    const char *ptype = ffirt__gen_lang_type(&p->n, p->L, ev->payload);
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "def %s(self, callback: Callable[[%s], None]) -> Subscription:",
                      ffirt__gen_lang_event_subscribe(&p->n, p->L, ev->wire), ptype);
    ffirt__gen_w_indent(w);
    docstring(p, &ev->doc,
              ffirt__gen_fmt(&p->n,
                             "Calls callback(payload) on the event thread for every %s\n"
                             "event until the returned Subscription is removed.",
                             ev->wire));
    ffirt__gen_w_line(w, "return self._on(b%s, %s, callback)", py_str(p, ev->wire),
                      reader(p, ev->payload, 1));
    ffirt__gen_w_dedent(w);
  }
  ffirt__gen_w_dedent(w);
}

/* ------------------------------------------------------------- files */

static int make_dir(const char *dir) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
  fprintf(stderr, "ffirt-gen: cannot create %s: %s\n", dir, strerror(errno));
  return -1;
}

int ffirt__gen_emit_python(const ffirt__gen_model *m, const char *outdir) {
  py p = {0};
  p.m = m;
  p.L = ffirt__gen_lang_get(GEN_LANG_PYTHON);
  p.lib = m->library;
  ffirt__gen_names_init(&p.n);
  const char *pkg = ffirt__gen_lang_module(&p.n, p.L, m->library);
  const char *dir = outdir && *outdir ? ffirt__gen_fmt(&p.n, "%s/%s", outdir, pkg) : pkg;
  int rc = make_dir(dir);

  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_set_indent(&w, "    ");
  p.w = &w;
  if (rc == 0) {
    collect_boxes(&p);
    p.struct_done = calloc(m->nstructs + 1, 1);
    p.box_done = calloc(p.nboxes + 1, 1);
    p.struct_read = calloc(m->nstructs + 1, 1);
    if (!p.struct_done || !p.box_done || !p.struct_read || p.oom) {
      fprintf(stderr, "ffirt-gen: out of memory while writing the Python binding\n");
      rc = -1;
    }
  }
  if (rc == 0) {
    mark_read(&p);
    emit_header(&p);
    emit_consts(&p);
    emit_enums(&p);
    emit_dataclasses(&p);
    emit_ctypes(&p);
    emit_converters(&p);
    emit_prototypes(&p);
    emit_context(&p);
    if (p.n.oom) w.oom = 1;
    rc = ffirt__gen_w_save(&w, dir, "__init__.py");
  }
  ffirt__gen_w_free(&w);
  if (rc == 0) {
    ffirt__gen_w_init(&w);
    for (size_t i = 0; runtime_py[i]; i++)
      ffirt__gen_w_printf(&w, "%s\n", runtime_py[i]);
    rc = ffirt__gen_w_save(&w, dir, "_runtime.py");
    ffirt__gen_w_free(&w);
  }
  if (rc == 0) {
    ffirt__gen_w_init(&w);
    rc = ffirt__gen_w_save(&w, dir, "py.typed");
    ffirt__gen_w_free(&w);
  }
  free(p.struct_done);
  free(p.box_done);
  free(p.struct_read);
  free(p.boxes);
  free(p.box_slugs);
  ffirt__gen_names_free(&p.n);
  return rc;
}

/* ------------------------------------------------------------- _runtime.py */

static const char *const runtime_py[] = {
    "\"\"\"Runtime support of an ffirt Python binding: loading the library, calls,",
    "listeners and errors, on top of ctypes.",
    "",
    "Generated by ffirt-gen (the same text for every library); do not edit.",
    "",
    "How it works:",
    "- Every call passes the one module-level reply trampoline ``_on_reply`` and",
    "  a fresh integer as ``userData``; ``_pending`` maps that integer to the",
    "  call's state until its terminal callback arrives (also after a timeout:",
    "  a late reply finds its entry and is dropped there). Nothing a C thread may",
    "  call is ever freed while it can still be called.",
    "- The reply is converted (copied out of the native graph) inside the",
    "  callback, which runs on the context's worker thread with the GIL taken.",
    "  A blocking call then waits on a lock (the GIL is released while waiting);",
    "  an asyncio call hands the result to its loop with",
    "  ``loop.call_soon_threadsafe``. No thread is started per call.",
    "- Listeners go through the one trampoline ``_on_event`` the same way",
    "  (``_listeners``), and stay registered there until removed or until their",
    "  context is destroyed. An exception raised by user code in a callback is",
    "  logged and never reaches C.",
    "\"\"\"",
    "",
    "import asyncio",
    "import collections",
    "import ctypes",
    "import itertools",
    "import logging",
    "import math",
    "import os",
    "import sys",
    "import threading",
    "import types",
    "import weakref",
    "from typing import Any, Callable, NamedTuple, Optional",
    "",
    "RET_OK = 0",
    "RET_ERR = 1",
    "RET_MISSING_CALLBACK = 2",
    "RET_STALE_WARN = 3",
    "",
    "CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,",
    "                            ctypes.c_void_p)",
    "",
    "",
    "class EventView(ctypes.Structure):",
    "    \"\"\"FFIEventView: what a native wildcard listener receives.\"\"\"",
    "    _fields_ = [(\"eventType\", ctypes.c_char_p), (\"payload\", ctypes.c_void_p),",
    "                (\"payloadSize\", ctypes.c_size_t)]",
    "",
    "",
    "# One FfirtError class for every ffirt binding loaded in the process, so",
    "# `except FfirtError` catches the errors of all of them.",
    "_shared = sys.modules.get(\"_ffirt_shared\")",
    "if _shared is None:",
    "    _shared = types.ModuleType(\"_ffirt_shared\")",
    "",
    "    class FfirtError(Exception):",
    "        \"\"\"Base class of the errors of every ffirt library.\"\"\"",
    "",
    "    FfirtError.__module__ = \"_ffirt_shared\"",
    "    _shared.FfirtError = FfirtError",
    "    _shared = sys.modules.setdefault(\"_ffirt_shared\", _shared)",
    "FfirtError = _shared.FfirtError",
    "",
    "",
    "class Event(NamedTuple):",
    "    \"\"\"One event: its wire name and its payload (a dataclass, a value, or",
    "    None for the payload-less built-in events).\"\"\"",
    "    name: str",
    "    payload: Any",
    "",
    "",
    "def load_library(name: str, package_dir: str) -> ctypes.CDLL:",
    "    \"\"\"Loads lib<name>.so: $FFIRT_LIB_PATH (the file, or a directory holding",
    "    it), else next to the package, else the build tree's lib/ (the package",
    "    is generated into build/python/<name>/), else the system loader's search",
    "    (LD_LIBRARY_PATH, the ld.so cache).\"\"\"",
    "    file = \"lib%s.so\" % name",
    "    env = os.environ.get(\"FFIRT_LIB_PATH\")",
    "    if env:",
    "        return ctypes.CDLL(os.path.join(env, file) if os.path.isdir(env) else env)",
    "    for d in (package_dir, os.path.join(package_dir, os.pardir, os.pardir, \"lib\")):",
    "        path = os.path.join(d, file)",
    "        if os.path.exists(path):",
    "            return ctypes.CDLL(os.path.abspath(path))",
    "    try:",
    "        return ctypes.CDLL(file)",
    "    except OSError as e:",
    "        raise OSError(\"%s: %s not found next to the package (%s), in the build tree, nor by "
    "the \"",
    "                      \"system loader; set FFIRT_LIB_PATH to it (%s)\" % (name, file, "
    "package_dir, e))",
    "",
    "",
    "# ---------------------------------------------------------------- arguments",
    "# Checks run before anything reaches C: a wrong type raises TypeError, a",
    "# value C cannot hold raises ValueError, both naming the argument.",
    "",
    "def where(path: str, name: str) -> str:",
    "    \"\"\"The path of a value in the arguments, for messages: req.messages[].\"\"\"",
    "    return \"%s.%s\" % (path, name) if path and name else path or name",
    "",
    "",
    "def text_arg(v, path: str, name: str = \"\") -> bytes:",
    "    if not isinstance(v, str):",
    "        raise TypeError(\"%s: expected str, got %s\" % (where(path, name), type(v).__name__))",
    "    b = v.encode()",
    "    if b\"\\0\" in b:",
    "        raise ValueError(\"%s: a NUL character cannot cross the C ABI\" % where(path, name))",
    "    return b",
    "",
    "",
    "# The range of each integer kind, for int_arg.",
    "I8, I16, I32, I64 = ((-(1 << b), (1 << b) - 1) for b in (7, 15, 31, 63))",
    "U8, U16, U32, U64 = ((0, (1 << b) - 1) for b in (8, 16, 32, 64))",
    "",
    "",
    "def int_arg(v, bounds, path: str, name: str = \"\") -> int:",
    "    if type(v) is not int and (not isinstance(v, int) or isinstance(v, bool)):",
    "        raise TypeError(\"%s: expected int, got %s\" % (where(path, name), type(v).__name__))",
    "    lo, hi = bounds",
    "    if v < lo or v > hi:",
    "        raise ValueError(\"%s: %d is out of range [%d, %d]\" % (where(path, name), v, lo, "
    "hi))",
    "    return v",
    "",
    "",
    "def float_arg(v, path: str, name: str = \"\") -> float:",
    "    if isinstance(v, bool) or not isinstance(v, (int, float)):",
    "        raise TypeError(\"%s: expected float, got %s\" % (where(path, name), "
    "type(v).__name__))",
    "    return float(v)",
    "",
    "",
    "def f32_arg(v, path: str, name: str = \"\") -> float:",
    "    v = float_arg(v, path, name)",
    "    if math.isfinite(v) and abs(v) > 3.4028234663852886e38:",
    "        raise ValueError(\"%s: %r does not fit an f32\" % (where(path, name), v))",
    "    return v",
    "",
    "",
    "def bool_arg(v, path: str, name: str = \"\") -> int:",
    "    if not isinstance(v, bool):",
    "        raise TypeError(\"%s: expected bool, got %s\" % (where(path, name), "
    "type(v).__name__))",
    "    return 1 if v else 0",
    "",
    "",
    "def enum_arg(cls, v, path: str, name: str = \"\") -> int:",
    "    if isinstance(v, cls):",
    "        return int(v)",
    "    if isinstance(v, int) and not isinstance(v, bool):",
    "        try:",
    "            return int(cls(v))",
    "        except ValueError:",
    "            raise ValueError(\"%s: %d is not a %s\" % (where(path, name), v, cls.__name__)) "
    "from None",
    "    raise TypeError(\"%s: expected %s, got %s\" % (where(path, name), cls.__name__,",
    "                                                 type(v).__name__))",
    "",
    "",
    "def struct_arg(cls, v, path: str, name: str = \"\"):",
    "    if not isinstance(v, cls):",
    "        raise TypeError(\"%s: expected %s, got %s\" % (where(path, name), cls.__name__,",
    "                                                     type(v).__name__))",
    "    return v",
    "",
    "",
    "def bytes_arg(v, path: str, name: str = \"\"):",
    "    \"\"\"(pointer, length) of a bytes field: the pointer keeps v alive.\"\"\"",
    "    if not isinstance(v, (bytes, bytearray, memoryview)):",
    "        raise TypeError(\"%s: expected bytes, got %s\" % (where(path, name), "
    "type(v).__name__))",
    "    v = bytes(v)",
    "    return ctypes.cast(v, ctypes.POINTER(ctypes.c_uint8)), len(v)",
    "",
    "",
    "def bytes_param(v, path: str, name: str = \"\"):",
    "    \"\"\"(bytes, length) of a bytes parameter (passed as const uint8_t *).\"\"\"",
    "    if not isinstance(v, (bytes, bytearray, memoryview)):",
    "        raise TypeError(\"%s: expected bytes, got %s\" % (where(path, name), "
    "type(v).__name__))",
    "    v = bytes(v)",
    "    return v, len(v)",
    "",
    "",
    "def seq_arg(v, path: str, name: str = \"\"):",
    "    if isinstance(v, (str, bytes)) or not hasattr(v, \"__iter__\"):",
    "        raise TypeError(\"%s: expected a list, got %s\" % (where(path, name), "
    "type(v).__name__))",
    "    return v",
    "",
    "",
    "def array(ctype, items: list):",
    "    \"\"\"(pointer, length) of a seq: a C array of ctype holding items.\"\"\"",
    "    n = len(items)",
    "    return (ctype * n)(*items) if n else None, n",
    "",
    "",
    "# ------------------------------------------------------------------ results",
    "",
    "def text_at(msg: int, n: int) -> str:",
    "    return ctypes.string_at(msg, n).decode() if n else \"\"",
    "",
    "",
    "def bytes_at(ptr, n: int) -> bytes:",
    "    return ctypes.string_at(ptr, n) if n else b\"\"",
    "",
    "",
    "def none_at(msg: int, n: int) -> None:",
    "    return None",
    "",
    "",
    "def read_u64(msg: int, n: int = 0) -> int:",
    "    return ctypes.c_uint64.from_address(msg).value",
    "",
    "",
    "def read_bool(msg: int, n: int = 0) -> bool:",
    "    return bool(ctypes.c_int.from_address(msg).value)",
    "",
    "",
    "def text_ptr_at(msg: int, n: int = 0) -> str:",
    "    \"\"\"A string event payload: a pointer to a `const char *`.\"\"\"",
    "    return text(ctypes.c_char_p.from_address(msg).value)",
    "",
    "",
    "def reader(ctype):",
    "    \"\"\"A reader(msg, n) of a scalar reply or payload of C type ctype.\"\"\"",
    "    def read(msg: int, n: int = 0):",
    "        return ctype.from_address(msg).value",
    "    return read",
    "",
    "",
    "def text(b: Optional[bytes]) -> str:",
    "    return b.decode() if b else \"\"",
    "",
    "",
    "def bind(lib, name: str, restype, *argtypes):",
    "    \"\"\"The C function `name` of lib with its prototype.\"\"\"",
    "    fn = getattr(lib, name)",
    "    fn.restype = restype",
    "    fn.argtypes = argtypes",
    "    return fn",
    "",
    "",
    "def check_abi(lib, name: str, expected: int) -> None:",
    "    \"\"\"Refuses a library built from another IDL than the package: its exports",
    "    would get arguments in the wrong layout.\"\"\"",
    "    got = bind(lib, \"%s_abi_fingerprint\" % name, ctypes.c_uint64)()",
    "    if got != expected:",
    "        raise ImportError(\"%s: ABI mismatch: this package was generated with fingerprint \"",
    "                          \"%016x, the loaded library %s has %016x; regenerate the binding\"",
    "                          % (name, expected, lib._name, got))",
    "",
    "",
    "# ---------------------------------------------------------- calls in flight",
    "",
    "_log = logging.getLogger(\"ffirt\")",
    "_pending = {}  # userData -> _Waiter | _Future, until the terminal callback",
    "_listeners = {}  # userData -> handler(msg, len), while registered",
    "_next_ud = itertools.count(1).__next__",
    "",
    "",
    "class _Waiter:",
    "    \"\"\"A blocking call: the reply callback converts and releases the lock.\"\"\"",
    "    __slots__ = (\"lock\", \"convert\", \"value\", \"error\")",
    "",
    "    def __init__(self, convert):",
    "        self.lock = threading.Lock()",
    "        self.lock.acquire()",
    "        self.convert = convert",
    "        self.value = None",
    "        self.error = None",
    "",
    "    def settle(self, ret, msg, n):",
    "        try:",
    "            if ret == RET_OK:",
    "                self.value = self.convert(msg, n)",
    "            else:",
    "                self.error = ctypes.string_at(msg, n).decode(errors=\"replace\")",
    "        except BaseException as e:  # a reply that cannot be converted",
    "            self.error = e",
    "        finally:",
    "            self.lock.release()",
    "",
    "    def wait(self, timeout, error_cls, what):",
    "        if not self.lock.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):",
    "            raise TimeoutError(\"%s: no reply within %g s\" % (what, timeout))",
    "        err = self.error",
    "        if err is not None:",
    "            if isinstance(err, BaseException):",
    "                raise err",
    "            raise error_cls(err)",
    "        return self.value",
    "",
    "",
    "class _Future:",
    "    \"\"\"An asyncio call: the reply callback converts and hands the outcome to",
    "    the loop; a timer (if any) fails the future first on timeout.\"\"\"",
    "    __slots__ = (\"loop\", \"future\", \"convert\", \"error_cls\", \"timer\")",
    "",
    "    def __init__(self, loop, convert, error_cls):",
    "        self.loop = loop",
    "        self.future = loop.create_future()",
    "        self.convert = convert",
    "        self.error_cls = error_cls",
    "        self.timer = None",
    "",
    "    def settle(self, ret, msg, n):",
    "        value = error = None",
    "        try:",
    "            if ret == RET_OK:",
    "                value = self.convert(msg, n)",
    "            else:",
    "                error = ctypes.string_at(msg, n).decode(errors=\"replace\")",
    "        except BaseException as e:",
    "            error = e",
    "        try:",
    "            self.loop.call_soon_threadsafe(self._resolve, value, error)",
    "        except RuntimeError:  # the loop is closed: nobody waits any more",
    "            pass",
    "",
    "    def _resolve(self, value, error):  # on the loop",
    "        if self.timer is not None:",
    "            self.timer.cancel()",
    "        f = self.future",
    "        if f.done():",
    "            return",
    "        if error is None:",
    "            f.set_result(value)",
    "        else:",
    "            f.set_exception(error if isinstance(error, BaseException) else "
    "self.error_cls(error))",
    "",
    "    def expire(self, what, timeout):  # on the loop",
    "        if not self.future.done():",
    "            self.future.set_exception(TimeoutError(\"%s: no reply within %g s\" % (what, "
    "timeout)))",
    "",
    "",
    "@CALLBACK",
    "def _on_reply(ret, msg, n, ud):",
    "    _keep_thread_state()",
    "    if ret == RET_STALE_WARN:",
    "        return",
    "    call = _pending.pop(ud, None)",
    "    if call is not None:",
    "        try:",
    "            call.settle(ret, msg, n)",
    "        except BaseException:",
    "            _log.exception(\"ffirt: reply callback failed (ignored)\")",
    "",
    "",
    "@CALLBACK",
    "def _on_event(ret, msg, n, ud):",
    "    _keep_thread_state()",
    "    handler = _listeners.get(ud)",
    "    if handler is not None:",
    "        try:",
    "            handler(msg, n)",
    "        except BaseException:",
    "            logging.getLogger(getattr(handler, \"logger\", \"ffirt\")).exception(",
    "                \"exception in an event listener (ignored; the listener stays registered)\")",
    "",
    "",
    "# The two trampolines live for the whole process: a C thread may still call",
    "# one while the interpreter tears modules down at exit (a static call in",
    "# flight), so they are never freed.",
    "for _fn in (_on_reply, _on_event):",
    "    ctypes.pythonapi.Py_IncRef(ctypes.py_object(_fn))",
    "del _fn",
    "",
    "",
    "# Thread states of the runtime's threads. CPython gives a C thread calling a",
    "# ctypes callback a new thread state and deletes it when the callback returns,",
    "# about 15 us a callback (docs/guide-python.md). The first callback on a",
    "# runtime thread takes one more hold on that state (PyGILState_Ensure, never",
    "# released), so ctypes' own release leaves it in place and later callbacks",
    "# only take the GIL. A kept state is freed once its thread has exited",
    "# (/proc/self/task/<tid>, a few entries at a time, so the work per callback",
    "# and per destroy stays bounded), and only if it is still the one kept here",
    "# (address and PyThreadState_GetID both found in the interpreter's list): a",
    "# state someone else freed meanwhile is left alone. Linux only; elsewhere",
    "# every callback pays for its state, as CPython does by default.",
    "_api = ctypes.pythonapi",
    "_api.PyGILState_Ensure.restype = ctypes.c_int",
    "_api.PyThreadState_Get.restype = ctypes.c_void_p",
    "_api.PyThreadState_GetID.restype = ctypes.c_uint64",
    "_api.PyThreadState_GetID.argtypes = [ctypes.c_void_p]",
    "_api.PyInterpreterState_Get.restype = ctypes.c_void_p",
    "_api.PyInterpreterState_ThreadHead.restype = ctypes.c_void_p",
    "_api.PyInterpreterState_ThreadHead.argtypes = [ctypes.c_void_p]",
    "_api.PyThreadState_Next.restype = ctypes.c_void_p",
    "_api.PyThreadState_Next.argtypes = [ctypes.c_void_p]",
    "_api.PyThreadState_Clear.argtypes = [ctypes.c_void_p]",
    "_api.PyThreadState_Delete.argtypes = [ctypes.c_void_p]",
    "_TASKS = \"/proc/self/task/\"",
    "_keep_states = sys.platform.startswith(\"linux\") and os.path.isdir(_TASKS)",
    "_kept_here = threading.local()",
    "_kept = collections.deque()  # (native thread id, state address, state id)",
    "_kept_lock = threading.Lock()",
    "",
    "",
    "def _keep_thread_state():",
    "    if not _keep_states or getattr(_kept_here, \"yes\", False):",
    "        return",
    "    _kept_here.yes = True",
    "    own = threading._active.get(threading.get_ident())",
    "    if own is not None and not isinstance(own, threading._DummyThread):",
    "        return  # a thread Python started: Python owns its state",
    "    _api.PyGILState_Ensure()",
    "    ts = _api.PyThreadState_Get()",
    "    with _kept_lock:",
    "        _kept.append((threading.get_native_id(), ts, _api.PyThreadState_GetID(ts)))",
    "    _free_exited_states(8)",
    "",
    "",
    "def _free_exited_states(n):",
    "    \"\"\"Frees the kept states of exited threads among the next n entries.\"\"\"",
    "    dead = []",
    "    with _kept_lock:",
    "        for _ in range(min(n, len(_kept))):",
    "            entry = _kept.popleft()",
    "            if os.path.exists(_TASKS + str(entry[0])):",
    "                _kept.append(entry)",
    "            else:",
    "                dead.append(entry)",
    "    if not dead:",
    "        return",
    "    listed = {}",
    "    ts = _api.PyInterpreterState_ThreadHead(_api.PyInterpreterState_Get())",
    "    while ts:",
    "        listed[ts] = _api.PyThreadState_GetID(ts)",
    "        ts = _api.PyThreadState_Next(ts)",
    "    for _tid, ts, ident in dead:",
    "        if listed.get(ts) == ident:",
    "            _api.PyThreadState_Clear(ts)",
    "            _api.PyThreadState_Delete(ts)",
    "",
    "",
    "def call_static(fn, convert, timeout, error_cls, what, *args):",
    "    \"\"\"A blocking call of a static (no context).\"\"\"",
    "    w = _Waiter(convert)",
    "    ud = _next_ud()",
    "    _pending[ud] = w",
    "    fn(_on_reply, ud, *args)",
    "    return w.wait(timeout, error_cls, what)",
    "",
    "",
    "def call_static_async(fn, convert, timeout, error_cls, what, *args):",
    "    loop = asyncio.get_running_loop()",
    "    f = _Future(loop, convert, error_cls)",
    "    if timeout is not None:",
    "        f.timer = loop.call_later(timeout, f.expire, what, timeout)",
    "    ud = _next_ud()",
    "    _pending[ud] = f",
    "    fn(_on_reply, ud, *args)",
    "    return f.future",
    "",
    "",
    "def _on_foreign_thread() -> bool:",
    "    # Threads started by C (the runtime's worker and event threads) show up",
    "    # in Python as dummy threads; the destructor must not run there (it",
    "    # would join the thread it runs on).",
    "    return isinstance(threading.current_thread(), threading._DummyThread)",
    "",
    "",
    "def _destroy(destroy, handle, subs):",
    "    if _on_foreign_thread():",
    "        threading.Thread(target=_destroy_now, args=(destroy, handle, subs), daemon=True,",
    "                         name=\"ffirt-destroy\").start()",
    "    else:",
    "        _destroy_now(destroy, handle, subs)",
    "",
    "",
    "def _destroy_now(destroy, handle, subs):",
    "    destroy(handle)  # answers the calls in flight, then no callback runs any more",
    "    for ud in list(subs):",
    "        _listeners.pop(ud, None)",
    "    subs.clear()",
    "    _free_exited_states(8)",
    "",
    "",
    "class Subscription:",
    "    \"\"\"A registered listener. ``remove()`` (or leaving a ``with`` block)",
    "    unregisters it: called on another thread it returns once the listener",
    "    is not running and never will again; called from inside the listener it",
    "    does not wait. Removing twice, or after the context was closed, does",
    "    nothing.\"\"\"",
    "    __slots__ = (\"_ctx\", \"_ud\", \"id\", \"__weakref__\")",
    "",
    "    def __init__(self, ctx, ud, listener_id):",
    "        self._ctx = ctx",
    "        self._ud = ud",
    "        self.id = listener_id",
    "",
    "    def remove(self) -> None:",
    "        ctx, self._ctx = self._ctx, None",
    "        if ctx is None:",
    "            return",
    "        with ctx._lock:",
    "            handle = ctx._handle",
    "            ctx._subs.pop(self._ud, None)",
    "        if handle is not None:",
    "            ctx._remove_listener(handle, self.id)",
    "        _listeners.pop(self._ud, None)",
    "",
    "    @property",
    "    def active(self) -> bool:",
    "        return self._ctx is not None",
    "",
    "    def __enter__(self):",
    "        return self",
    "",
    "    def __exit__(self, *exc):",
    "        self.remove()",
    "",
    "",
    "_END = object()",
    "",
    "",
    "class EventStream:",
    "    \"\"\"An async iterator of Event tuples (``async for ev in t.events()``),",
    "    fed by a wildcard listener through ``loop.call_soon_threadsafe``. Close",
    "    it (``close()``, ``async with``) on the loop's thread to remove the",
    "    listener; iteration then ends.\"\"\"",
    "",
    "    def __init__(self, ctx):",
    "        self._loop = asyncio.get_running_loop()",
    "        self._queue = asyncio.Queue()",
    "        self._sub = ctx.on_any(self._push)",
    "",
    "    def _push(self, name, payload):  # event thread",
    "        try:",
    "            self._loop.call_soon_threadsafe(self._queue.put_nowait, Event(name, payload))",
    "        except RuntimeError:  # loop closed",
    "            pass",
    "",
    "    def __aiter__(self):",
    "        return self",
    "",
    "    async def __anext__(self) -> Event:",
    "        if self._sub is None and self._queue.empty():",
    "            raise StopAsyncIteration",
    "        ev = await self._queue.get()",
    "        if ev is _END:",
    "            raise StopAsyncIteration",
    "        return ev",
    "",
    "    def close(self) -> None:",
    "        sub, self._sub = self._sub, None",
    "        if sub is not None:",
    "            sub.remove()",
    "            self._queue.put_nowait(_END)",
    "",
    "    async def __aenter__(self):",
    "        return self",
    "",
    "    async def __aexit__(self, *exc):",
    "        self.close()",
    "",
    "",
    "class Context:",
    "    \"\"\"Base of a library's context class: the handle and its lifetime,",
    "    calls, listeners. Subclasses set the class attributes below.\"\"\"",
    "",
    "    _lib_name = \"ffirt\"",
    "    _error = FfirtError",
    "    _destroy_fn = None  # <lib>_<dtor>",
    "    _add_fn = None  # <lib>_add_event_listener",
    "    _add_cbor_fn = None  # <lib>_add_event_listener_cbor",
    "    _remove_fn = None  # <lib>_remove_event_listener",
    "    _event_readers = {}  # wire name (bytes) -> reader(payload pointer)",
    "",
    "    __slots__ = (\"_handle\", \"_timeout\", \"_lock\", \"_subs\", \"_finalizer\", "
    "\"__weakref__\")",
    "",
    "    def _adopt(self, handle, timeout):",
    "        self._handle = handle",
    "        self._timeout = timeout",
    "        self._lock = threading.Lock()",
    "        self._subs = {}  # userData -> listener id, of the listeners still registered",
    "        # destroys the context when it is garbage collected unclosed",
    "        self._finalizer = weakref.finalize(self, _destroy, type(self)._destroy_fn, handle,",
    "                                           self._subs)",
    "",
    "    @classmethod",
    "    def _construct(cls, fn, timeout, *args):",
    "        w = _Waiter(none_at)",
    "        ud = _next_ud()",
    "        _pending[ud] = w",
    "        handle = fn(*args, _on_reply, ud)",
    "        if not handle:  # refused: the callback already said why",
    "            w.wait(0, cls._error, cls._lib_name)",
    "            raise cls._error(\"%s: the constructor was refused\" % cls._lib_name)",
    "        self = cls.__new__(cls)",
    "        self._adopt(handle, timeout)",
    "        try:",
    "            w.wait(timeout, cls._error, \"%s constructor\" % cls._lib_name)",
    "        except BaseException:",
    "            self.close()",
    "            raise",
    "        return self",
    "",
    "    @classmethod",
    "    async def _construct_async(cls, fn, timeout, *args):",
    "        loop = asyncio.get_running_loop()",
    "        f = _Future(loop, none_at, cls._error)",
    "        ud = _next_ud()",
    "        _pending[ud] = f",
    "        handle = fn(*args, _on_reply, ud)",
    "        if not handle:",
    "            await f.future",
    "            raise cls._error(\"%s: the constructor was refused\" % cls._lib_name)",
    "        self = cls.__new__(cls)",
    "        self._adopt(handle, timeout)",
    "        try:",
    "            await (f.future if timeout is None else asyncio.wait_for(f.future, timeout))",
    "        except BaseException:",
    "            self.close()",
    "            raise",
    "        return self",
    "",
    "    def __enter__(self):",
    "        return self",
    "",
    "    def __exit__(self, *exc):",
    "        self.close()",
    "",
    "    def __repr__(self) -> str:",
    "        handle = self._handle",
    "        return \"<%s %s>\" % (type(self).__name__, \"closed\" if handle is None else \"0x%x\" "
    "% handle)",
    "",
    "    @property",
    "    def closed(self) -> bool:",
    "        return self._handle is None",
    "",
    "    def close(self) -> None:",
    "        \"\"\"Destroys the context: calls in flight fail with the library's",
    "        Error, listeners are dropped, the threads are joined. Idempotent and",
    "        thread-safe. Called from a callback of the library (a listener), the",
    "        destruction is handed to a helper thread instead of waiting there.\"\"\"",
    "        with self._lock:",
    "            handle, self._handle = self._handle, None",
    "        if handle is None:",
    "            return",
    "        self._finalizer.detach()",
    "        _destroy(type(self)._destroy_fn, handle, self._subs)",
    "",
    "    def _closed_error(self):",
    "        return self._error(\"%s: the context is closed\" % self._lib_name)",
    "",
    "    def _call(self, fn, convert, timeout, what, *args):",
    "        handle = self._handle",
    "        if handle is None:",
    "            raise self._closed_error()",
    "        w = _Waiter(convert)",
    "        ud = _next_ud()",
    "        _pending[ud] = w",
    "        fn(handle, _on_reply, ud, *args)",
    "        return w.wait(self._timeout if timeout is None else timeout, self._error, what)",
    "",
    "    def _call_async(self, fn, convert, timeout, what, *args):",
    "        handle = self._handle",
    "        if handle is None:",
    "            raise self._closed_error()",
    "        loop = asyncio.get_running_loop()",
    "        f = _Future(loop, convert, self._error)",
    "        if timeout is None:",
    "            timeout = self._timeout",
    "        if timeout is not None:",
    "            f.timer = loop.call_later(timeout, f.expire, what, timeout)",
    "        ud = _next_ud()",
    "        _pending[ud] = f",
    "        fn(handle, _on_reply, ud, *args)",
    "        return f.future",
    "",
    "    # ------------------------------------------------------------ listeners",
    "",
    "    def _listen(self, name: bytes, handler, cbor=False) -> Subscription:",
    "        ud = _next_ud()",
    "        with self._lock:",
    "            handle = self._handle",
    "            if handle is None:",
    "                raise self._closed_error()",
    "            self._subs[ud] = 0",
    "        _listeners[ud] = handler",
    "        add = type(self)._add_cbor_fn if cbor else type(self)._add_fn",
    "        lid = add(handle, name, _on_event, ud)",
    "        if not lid:",
    "            _listeners.pop(ud, None)",
    "            with self._lock:",
    "                self._subs.pop(ud, None)",
    "            raise self._error(\"%s: the listener was refused (context closed?)\" % "
    "self._lib_name)",
    "        with self._lock:",
    "            if ud in self._subs:",
    "                self._subs[ud] = lid",
    "        return Subscription(self, ud, lid)",
    "",
    "    def _remove_listener(self, handle, lid):",
    "        type(self)._remove_fn(handle, lid)",
    "",
    "    def on_any(self, callback: Callable[[str, Any], None]) -> Subscription:",
    "        \"\"\"Calls callback(event_name, payload) for every event, the",
    "        runtime's built-in ones included (not_responding and responding",
    "        carry None, dropped_events the number of dropped events).\"\"\"",
    "        readers = self._event_readers",
    "",
    "        def handler(msg, n):",
    "            view = EventView.from_address(msg)",
    "            name = view.eventType",
    "            read = readers.get(name)",
    "            payload = read(view.payload) if read is not None and view.payloadSize else None",
    "            callback(name.decode(), payload)",
    "",
    "        handler.logger = self._lib_name",
    "        return self._listen(b\"\", handler)",
    "",
    "    def on_any_cbor(self, callback: Callable[[bytes], None]) -> Subscription:",
    "        \"\"\"Calls callback(envelope) for every event with its CBOR",
    "        EventEnvelope {\"eventType\": name, \"payload\": ...} as bytes.\"\"\"",
    "",
    "        def handler(msg, n):",
    "            callback(ctypes.string_at(msg, n))",
    "",
    "        handler.logger = self._lib_name",
    "        return self._listen(b\"\", handler, cbor=True)",
    "",
    "    def events(self) -> EventStream:",
    "        \"\"\"An async iterator of every event (call it inside the loop).\"\"\"",
    "        return EventStream(self)",
    "",
    "    def on_not_responding(self, callback: Callable[[], None]) -> Subscription:",
    "        \"\"\"Calls callback() when the context's worker made no progress for",
    "        the stall threshold (a built-in event of the runtime).\"\"\"",
    "        return self._on(b\"not_responding\", None, lambda _: callback())",
    "",
    "    def on_responding(self, callback: Callable[[], None]) -> Subscription:",
    "        \"\"\"Calls callback() once the worker recovered after not_responding.\"\"\"",
    "        return self._on(b\"responding\", None, lambda _: callback())",
    "",
    "    def on_dropped_events(self, callback: Callable[[int], None]) -> Subscription:",
    "        \"\"\"Calls callback(count) with the number of events the full queue",
    "        dropped since the last report.\"\"\"",
    "        return self._on(b\"dropped_events\", read_u64, callback)",
    "",
    "    def _on(self, name: bytes, read, callback) -> Subscription:",
    "        def handler(msg, n):",
    "            callback(read(msg) if read is not None and n else None)",
    "",
    "        handler.logger = self._lib_name",
    "        return self._listen(name, handler)",
    NULL};
