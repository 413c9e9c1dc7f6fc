/*
 * emit_c_model.c - the analysed model of the C emitters and the C type
 * declarations they share (types block, parameter forms). See emit_c.h.
 *
 * Design notes:
 *  - Named types are found by name (struct, enum) or by box slug, never by
 *    pointer identity of IR types, so two spellings of seq<i64> in the IDL
 *    share one box.
 *  - Definition order: a struct or box comes after everything it embeds by
 *    value; pointers use the forward typedefs written first.
 */
#include "emit_c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gen_nt *add_nt(gen_c *g, gen_nt_kind kind, const char *cname, const char *stem) {
  if (g->count == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 32;
    gen_nt **nts = realloc(g->nts, cap * sizeof *nts);
    if (!nts) {
      g->oom = 1;
      return NULL;
    }
    g->nts = nts;
    g->cap = cap;
  }
  gen_nt *nt = calloc(1, sizeof *nt);
  if (!nt) {
    g->oom = 1;
    return NULL;
  }
  nt->kind = kind;
  nt->cname = cname;
  nt->stem = stem;
  g->nts[g->count++] = nt;
  return nt;
}

static gen_nt *find(gen_c *g, gen_nt_kind kind, const char *stem) {
  for (size_t i = 0; i < g->count; i++)
    if (g->nts[i]->kind == kind && strcmp(g->nts[i]->stem, stem) == 0) return g->nts[i];
  return NULL;
}

gen_nt *ffirt__gen_c_struct(gen_c *g, const char *name) { return find(g, NT_STRUCT, name); }
gen_nt *ffirt__gen_c_enum(gen_c *g, const char *name) { return find(g, NT_ENUM, name); }

gen_nt *ffirt__gen_c_box(gen_c *g, const ffirt__gen_type *t) {
  return find(g, NT_BOX, ffirt__gen_box_name(&g->names, g->lib, t));
}

gen_nt *ffirt__gen_c_args(gen_c *g, const ffirt__gen_proc *p) {
  for (size_t i = 0; i < g->count; i++)
    if (g->nts[i]->kind == NT_ARGS && g->nts[i]->proc == p) return g->nts[i];
  return NULL;
}

gen_nt *ffirt__gen_c_named(gen_c *g, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_STRUCT: return ffirt__gen_c_struct(g, t->name);
  case GEN_ENUM: return ffirt__gen_c_enum(g, t->name);
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_c_box(g, t);
  default: return NULL;
  }
}

static gen_nt *ensure_box(gen_c *g, const ffirt__gen_type *t) {
  gen_nt *nt = ffirt__gen_c_box(g, t);
  if (nt) return nt;
  const char *cname = ffirt__gen_box_name(&g->names, g->lib, t);
  nt = add_nt(g, NT_BOX, cname, cname);
  if (!nt) return NULL;
  nt->type = t;
  nt->fields = calloc(1, sizeof *nt->fields);
  if (!nt->fields) {
    g->oom = 1;
    return NULL;
  }
  nt->fields[0].name = ffirt__gen_box_member(t);
  nt->fields[0].type = t;
  nt->nfields = 1;
  return nt;
}

/* Creates the boxes every element of t needs. */
static void walk_boxes(gen_c *g, const ffirt__gen_type *t) {
  if (t->kind != GEN_SEQ && t->kind != GEN_OPTIONAL) return;
  if (ffirt__gen_elem_is_boxed(t->kind, t->elem)) ensure_box(g, t->elem);
  walk_boxes(g, t->elem);
}

/* A parameter, result or payload of t is passed as one object. */
static void top_level_box(gen_c *g, const ffirt__gen_type *t, int bytes_too) {
  if (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL || (bytes_too && t->kind == GEN_BYTES))
    ensure_box(g, t);
  walk_boxes(g, t);
}

int ffirt__gen_c_has_ptr(gen_c *g, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_STRING:
  case GEN_BYTES:
  case GEN_SEQ: return 1;
  case GEN_OPTIONAL: return ffirt__gen_c_has_ptr(g, t->elem);
  case GEN_STRUCT: {
    gen_nt *nt = ffirt__gen_c_struct(g, t->name);
    return nt && nt->has_ptr;
  }
  default: return 0;
  }
}

int ffirt__gen_c_has_enum(gen_c *g, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_ENUM: return 1;
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_c_has_enum(g, t->elem);
  case GEN_STRUCT: {
    gen_nt *nt = ffirt__gen_c_struct(g, t->name);
    return nt && nt->has_enum;
  }
  default: return 0;
  }
}

/* has_enum to a fixpoint (structs may reach themselves through a seq). */
static void compute_has_enum(gen_c *g) {
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t i = 0; i < g->count; i++) {
      gen_nt *nt = g->nts[i];
      if (nt->has_enum || nt->kind == NT_ENUM) continue;
      for (size_t f = 0; f < nt->nfields && !nt->has_enum; f++)
        nt->has_enum = ffirt__gen_c_has_enum(g, nt->fields[f].type);
      changed |= nt->has_enum;
    }
  }
}

static void compute_has_ptr(gen_c *g, gen_nt *nt) {
  if (nt->state) return;
  nt->state = 1;
  for (size_t i = 0; i < nt->nfields; i++) {
    const ffirt__gen_type *t = nt->fields[i].type;
    const ffirt__gen_type *base = t;
    while (base->kind == GEN_OPTIONAL)
      base = base->elem;
    if (base->kind == GEN_STRUCT) {
      gen_nt *dep = ffirt__gen_c_struct(g, base->name);
      if (dep) compute_has_ptr(g, dep);
    }
    if (ffirt__gen_c_has_ptr(g, t)) nt->has_ptr = 1;
  }
}

/* Marks every struct reachable from a value of t (through containers and
 * struct fields); returns 1 when target is among them. */
static int reaches(gen_c *g, const ffirt__gen_type *t, const gen_nt *target) {
  while (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL)
    t = t->elem;
  if (t->kind != GEN_STRUCT) return 0;
  gen_nt *nt = ffirt__gen_c_struct(g, t->name);
  if (!nt) return 0;
  if (nt == target) return 1;
  if (nt->seen) return 0;
  nt->seen = 1;
  for (size_t i = 0; i < nt->nfields; i++)
    if (reaches(g, nt->fields[i].type, target)) return 1;
  return 0;
}

static void compute_recursive(gen_c *g) {
  for (size_t i = 0; i < g->count; i++) {
    gen_nt *nt = g->nts[i];
    if (nt->kind != NT_STRUCT) continue;
    for (size_t k = 0; k < g->count; k++)
      g->nts[k]->seen = 0;
    for (size_t f = 0; f < nt->nfields && !nt->recursive; f++)
      nt->recursive = reaches(g, nt->fields[f].type, nt);
  }
}

/* The named type a slot embeds by value (NULL when none). */
static gen_nt *by_value_dep(gen_c *g, const ffirt__gen_type *t, int boxed) {
  if (boxed) return ffirt__gen_c_box(g, t);
  if (t->kind == GEN_STRUCT) return ffirt__gen_c_struct(g, t->name);
  if (t->kind == GEN_OPTIONAL)
    return ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem) ? ffirt__gen_c_box(g, t->elem)
                                                           : by_value_dep(g, t->elem, 0);
  return NULL;
}

static void order_visit(gen_c *g, gen_nt *nt) {
  if (nt->state == 2) return;
  nt->state = 2;
  for (size_t i = 0; i < nt->nfields; i++) {
    gen_nt *dep = by_value_dep(g, nt->fields[i].type, nt->fields[i].boxed);
    if (dep) order_visit(g, dep);
  }
  g->order[g->norder++] = nt;
}

int ffirt__gen_c_analyse(gen_c *g, const ffirt__gen_model *m, int with_args) {
  memset(g, 0, sizeof *g);
  g->m = m;
  g->lib = m->library;
  ffirt__gen_names_init(&g->names);
  for (size_t i = 0; i < m->nenums; i++) {
    gen_nt *nt = add_nt(g, NT_ENUM, m->enums[i].name, m->enums[i].name);
    if (nt) nt->e = &m->enums[i];
  }
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    gen_nt *nt = add_nt(g, NT_STRUCT, s->name, s->name);
    if (!nt) break;
    nt->s = s;
    nt->fields = calloc(s->nfields ? s->nfields : 1, sizeof *nt->fields);
    if (!nt->fields) {
      g->oom = 1;
      break;
    }
    for (size_t f = 0; f < s->nfields; f++) {
      nt->fields[f].name = s->fields[f].name;
      nt->fields[f].type = s->fields[f].type;
      nt->fields[f].doc = &s->fields[f].doc;
    }
    nt->nfields = s->nfields;
  }
  for (size_t i = 0; i < m->nstructs; i++)
    for (size_t f = 0; f < m->structs[i].nfields; f++)
      walk_boxes(g, m->structs[i].fields[f].type);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    for (size_t a = 0; a < p->nparams; a++)
      top_level_box(g, p->params[a].type, 0);
    if (p->result) top_level_box(g, p->result, 0);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    if (m->events[i].payload) top_level_box(g, m->events[i].payload, 1);
    /* the emitter of a multi-parameter event takes seqs and optionals boxed */
    for (size_t a = 0; m->events[i].nparams > 1 && a < m->events[i].nparams; a++)
      top_level_box(g, m->events[i].params[a].type, 0);
  }
  if (with_args) {
    for (size_t i = 0; i < m->nprocs; i++) {
      const ffirt__gen_proc *p = &m->procs[i];
      if (p->kind == GEN_DTOR) continue;
      /* file-local in <lib>_ffi.c, prefixed like every glue internal; the
       * stem starts with '_', which no IDL struct (a stem too) may */
      gen_nt *nt = add_nt(g, NT_ARGS,
                          ffirt__gen_fmt(&g->names, "%s%s_args",
                                         ffirt__gen_glue_prefix(&g->names, g->lib), p->name),
                          ffirt__gen_fmt(&g->names, "_%s_args", p->name));
      if (!nt) break;
      nt->proc = p;
      nt->fields = calloc(p->nparams ? p->nparams : 1, sizeof *nt->fields);
      if (!nt->fields) {
        g->oom = 1;
        break;
      }
      for (size_t a = 0; a < p->nparams; a++) {
        const ffirt__gen_type *t = p->params[a].type;
        nt->fields[a].name = p->params[a].name;
        nt->fields[a].type = t;
        nt->fields[a].boxed = t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL;
      }
      nt->nfields = p->nparams;
    }
  }
  if (!g->oom) {
    for (size_t i = 0; i < g->count; i++)
      compute_has_ptr(g, g->nts[i]);
    compute_has_enum(g);
    compute_recursive(g);
    g->order = calloc(g->count ? g->count : 1, sizeof *g->order);
    if (!g->order) g->oom = 1;
  }
  if (!g->oom) {
    for (size_t i = 0; i < g->count; i++)
      if (g->nts[i]->kind == NT_STRUCT) order_visit(g, g->nts[i]);
    for (size_t i = 0; i < g->count; i++)
      if (g->nts[i]->kind == NT_BOX) order_visit(g, g->nts[i]);
  }
  if (g->oom || g->names.oom) {
    fprintf(stderr, "ffirt-gen: out of memory\n");
    ffirt__gen_c_free(g);
    return -1;
  }
  return 0;
}

void ffirt__gen_c_free(gen_c *g) {
  for (size_t i = 0; i < g->count; i++) {
    free(g->nts[i]->fields);
    free(g->nts[i]);
  }
  free(g->nts);
  free(g->order);
  ffirt__gen_names_free(&g->names);
  memset(g, 0, sizeof *g);
}

void ffirt__gen_c_clear_ops(gen_c *g) {
  for (size_t i = 0; i < g->count; i++)
    g->nts[i]->ops = 0;
}

void ffirt__gen_c_mark_nt(gen_c *g, gen_nt *nt, unsigned ops) {
  if (!nt || (nt->ops & ops) == ops) return;
  nt->ops |= ops;
  for (size_t i = 0; i < nt->nfields; i++) {
    if (nt->fields[i].boxed)
      ffirt__gen_c_mark_nt(g, ffirt__gen_c_box(g, nt->fields[i].type), ops);
    else
      ffirt__gen_c_mark(g, nt->fields[i].type, ops);
  }
}

void ffirt__gen_c_mark(gen_c *g, const ffirt__gen_type *t, unsigned ops) {
  switch (t->kind) {
  case GEN_STRUCT:
  case GEN_ENUM: ffirt__gen_c_mark_nt(g, ffirt__gen_c_named(g, t), ops); break;
  case GEN_SEQ:
  case GEN_OPTIONAL:
    if (ffirt__gen_elem_is_boxed(t->kind, t->elem))
      ffirt__gen_c_mark_nt(g, ffirt__gen_c_box(g, t->elem), ops);
    else
      ffirt__gen_c_mark(g, t->elem, ops);
    break;
  default: break;
  }
}

/* --------------------------------------------------------------- C forms */

static const char *ptr_to(gen_c *g, const char *ctype, const char *name) {
  size_t n = strlen(ctype);
  return ffirt__gen_fmt(&g->names, n && ctype[n - 1] == '*' ? "%s*%s" : "%s *%s", ctype, name);
}

static const char *decl(gen_c *g, const char *ctype, const char *name) {
  size_t n = strlen(ctype);
  return ffirt__gen_fmt(&g->names, n && ctype[n - 1] == '*' ? "%s%s" : "%s %s", ctype, name);
}

const char *ffirt__gen_c_param(gen_c *g, const ffirt__gen_type *t, const char *name) {
  ffirt__gen_names *n = &g->names;
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(n, "const uint8_t *%s, size_t %s_len", name, name);
  case GEN_SEQ: {
    if (t->elem->kind == GEN_STRING)
      return ffirt__gen_fmt(n, "const char *const *%s, size_t %s_len", name, name);
    return ffirt__gen_fmt(n, "const %s *%s, size_t %s_len",
                          ffirt__gen_value_ctype(n, g->lib, t->elem), name, name);
  }
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(n, "int %s_present, %s", name,
                          ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem)
                              ? decl(g, ffirt__gen_value_ctype(n, g->lib, t->elem), name)
                              : ffirt__gen_c_param(g, t->elem, name));
  default: return decl(g, ffirt__gen_value_ctype(n, g->lib, t), name);
  }
}

const char *ffirt__gen_c_borrowed(gen_c *g, const ffirt__gen_type *t, const char *name) {
  ffirt__gen_names *n = &g->names;
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(n, "const uint8_t *%s, size_t %s_len", name, name);
  case GEN_STRUCT:
  case GEN_SEQ:
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(n, "const %s *%s", ffirt__gen_value_ctype(n, g->lib, t), name);
  default: return decl(g, ffirt__gen_value_ctype(n, g->lib, t), name);
  }
}

const char *ffirt__gen_c_borrowed_arg(gen_c *g, const ffirt__gen_type *t, const char *expr) {
  switch (t->kind) {
  case GEN_BYTES: return ffirt__gen_fmt(&g->names, "%s, %s_len", expr, expr);
  case GEN_STRUCT:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_fmt(&g->names, "&%s", expr);
  default: return expr;
  }
}

/* ---------------------------------------------------------- types block */

static const char *idl_spelling(gen_c *g, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_SEQ: return ffirt__gen_fmt(&g->names, "seq<%s>", idl_spelling(g, t->elem));
  case GEN_OPTIONAL: return ffirt__gen_fmt(&g->names, "optional<%s>", idl_spelling(g, t->elem));
  case GEN_STRUCT:
  case GEN_ENUM: return t->name;
  default: return ffirt__gen_kind_name(t->kind);
  }
}

static void field_lines(gen_c *g, ffirt__gen_writer *w, const ffirt__gen_type *t, int boxed,
                        const char *name) {
  ffirt__gen_names *n = &g->names;
  if (boxed) {
    ffirt__gen_w_line(w, "%s;", decl(g, ffirt__gen_value_ctype(n, g->lib, t), name));
    return;
  }
  switch (t->kind) {
  case GEN_BYTES:
    ffirt__gen_w_line(w, "uint8_t *%s;", name);
    ffirt__gen_w_line(w, "size_t %s_len;", name);
    break;
  case GEN_SEQ:
    ffirt__gen_w_line(w, "%s;", ptr_to(g, ffirt__gen_value_ctype(n, g->lib, t->elem), name));
    ffirt__gen_w_line(w, "size_t %s_len;", name);
    break;
  case GEN_OPTIONAL:
    ffirt__gen_w_line(w, "int %s_present;", name);
    field_lines(g, w, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem), name);
    break;
  default: ffirt__gen_w_line(w, "%s;", decl(g, ffirt__gen_value_ctype(n, g->lib, t), name));
  }
}

void ffirt__gen_c_field_decl(gen_c *g, ffirt__gen_writer *w, const gen_field *f) {
  if (f->doc) ffirt__gen_c_doc(w, f->doc, NULL, 0);
  field_lines(g, w, f->type, f->boxed, f->name);
}

void ffirt__gen_c_abi_block(ffirt__gen_writer *w) {
  static const char *const lines[] = {
      "#ifndef FFIRT_ABI_TYPES_DEFINED",
      "#define FFIRT_ABI_TYPES_DEFINED",
      "/*",
      " * Result callback of every request and every event listener.",
      " * msg is valid only during the call and is never NUL-terminated by contract",
      " * (use len); it is never NULL when the runtime calls the callback.",
      " */",
      "typedef void (*FFICallBack)(int callerRet, const char *msg, size_t len, void *userData);",
      "#define RET_OK 0               /* terminal: success, msg/len carry the result   */",
      "#define RET_ERR 1              /* terminal: failure, msg/len carry UTF-8 text    */",
      "#define RET_MISSING_CALLBACK 2 /* returned by an export whose callback was NULL  */",
      "#define RET_STALE_WARN 3       /* NOT terminal: handler still running            */",
      "",
      "/* What a native wildcard listener receives (docs/abi.md 4.2). */",
      "typedef struct {",
      "  const char *eventType; /* wire name, NUL-terminated */",
      "  const void *payload;   /* the event's native payload (const T *) */",
      "  size_t payloadSize;    /* sizeof(T) */",
      "} FFIEventView;",
      "#endif /* FFIRT_ABI_TYPES_DEFINED */",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    if (lines[i][0])
      ffirt__gen_w_line(w, "%s", lines[i]);
    else
      ffirt__gen_w_blank(w);
  }
}

static void const_value(gen_c *g, ffirt__gen_writer *w, const ffirt__gen_const *c) {
  ffirt__gen_kind k = c->type->kind;
  switch (c->vkind) {
  case GEN_CONST_BOOL: ffirt__gen_w_printf(w, "%d", c->b ? 1 : 0); return;
  case GEN_CONST_STRING:
    ffirt__gen_w_printf(w, "%s", ffirt__gen_c_string(&g->names, c->s ? c->s : ""));
    return;
  case GEN_CONST_FLOAT:
  case GEN_CONST_INT:
    if (k == GEN_F32 || k == GEN_F64) {
      const char *lit = c->literal;
      char buf[64];
      if (c->vkind == GEN_CONST_INT || !lit) {
        snprintf(buf, sizeof buf, "%.17g", c->vkind == GEN_CONST_INT ? (double)c->i : c->f);
        lit = buf;
      }
      int has_point = strpbrk(lit, ".eExXnN") != NULL;
      ffirt__gen_w_printf(w, "%s%s%s", lit, has_point ? "" : ".0", k == GEN_F32 ? "f" : "");
      return;
    }
    if (c->is_unsigned || (!ffirt__gen_kind_is_signed(k) && k != GEN_BOOL)) {
      uint64_t u = c->is_unsigned ? c->u : (uint64_t)c->i;
      if (k == GEN_U64)
        ffirt__gen_w_printf(w, "UINT64_C(%" PRIu64 ")", u);
      else
        ffirt__gen_w_printf(w, "%" PRIu64 "u", u);
      return;
    }
    if (k == GEN_I64) {
      if (c->i == INT64_MIN)
        ffirt__gen_w_printf(w, "(-INT64_C(9223372036854775807) - 1)");
      else
        ffirt__gen_w_printf(w, "INT64_C(%" PRId64 ")", c->i);
    } else if (c->i == INT32_MIN) {
      ffirt__gen_w_printf(w, "(-2147483647 - 1)");
    } else {
      ffirt__gen_w_printf(w, c->i < 0 ? "(%" PRId64 ")" : "%" PRId64, c->i);
    }
    return;
  }
}

void ffirt__gen_c_types_block(gen_c *g, ffirt__gen_writer *w) {
  const ffirt__gen_model *m = g->m;
  const char *guard =
      ffirt__gen_fmt(&g->names, "%s_TYPES_DEFINED", ffirt__gen_upper(&g->names, g->lib));
  ffirt__gen_w_line(w, "/* The library's types, shared by %s.h and %s_cbor.h. */", g->lib, g->lib);
  ffirt__gen_w_line(w, "#ifndef %s", guard);
  ffirt__gen_w_line(w, "#define %s", guard);
  if (m->nconsts) {
    ffirt__gen_w_blank(w);
    ffirt__gen_w_line(w, "/* ---- constants */");
    for (size_t i = 0; i < m->nconsts; i++) {
      const ffirt__gen_const *c = &m->consts[i];
      if (c->doc.count) ffirt__gen_w_blank(w);
      ffirt__gen_c_doc(w, &c->doc, NULL, 0);
      ffirt__gen_w_printf(w, "#define %s ", c->name);
      const_value(g, w, c);
      ffirt__gen_w_line(w, "%s", "");
    }
  }
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *e = &m->enums[i];
    ffirt__gen_w_blank(w);
    ffirt__gen_c_doc(w, &e->doc, NULL, 0);
    ffirt__gen_w_line(w, "typedef int32_t %s; /* on the wire: the enumerator's text */", e->name);
    if (!e->nitems) continue;
    ffirt__gen_w_line(w, "enum {");
    ffirt__gen_w_indent(w);
    for (size_t j = 0; j < e->nitems; j++) {
      const ffirt__gen_enumerator *it = &e->items[j];
      if (strcmp(it->wire, it->name) != 0) {
        const char *extra =
            ffirt__gen_fmt(&g->names, "Wire text %s.", ffirt__gen_c_string(&g->names, it->wire));
        ffirt__gen_c_doc(w, &it->doc, &extra, 1);
      } else {
        ffirt__gen_c_doc(w, &it->doc, NULL, 0);
      }
      ffirt__gen_w_line(w, "%s_%s = %" PRId64 ",", e->name, it->name, it->value);
    }
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "};");
  }
  if (g->norder) {
    ffirt__gen_w_blank(w);
    for (size_t i = 0; i < g->norder; i++)
      ffirt__gen_w_line(w, "typedef struct %s %s;", g->order[i]->cname, g->order[i]->cname);
  }
  for (size_t i = 0; i < g->norder; i++) {
    gen_nt *nt = g->order[i];
    ffirt__gen_w_blank(w);
    if (nt->kind == NT_BOX)
      ffirt__gen_w_line(w, "/** %s %s as one object (see docs/generated-code.md). */",
                        nt->type->kind == GEN_OPTIONAL ? "An" : "A", idl_spelling(g, nt->type));
    else
      ffirt__gen_c_doc(w, &nt->s->doc, NULL, 0);
    ffirt__gen_w_line(w, "struct %s {", nt->cname);
    ffirt__gen_w_indent(w);
    for (size_t f = 0; f < nt->nfields; f++)
      ffirt__gen_c_field_decl(g, w, &nt->fields[f]);
    if (!nt->nfields) ffirt__gen_w_line(w, "uint8_t _unused;");
    ffirt__gen_w_dedent(w);
    ffirt__gen_w_line(w, "};");
  }
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "#endif /* %s */", guard);
}
