/*
 * emit_c_codec.c - the codec walkers of the C emitters: per named type the
 * CBOR encoder and decoder (abi.md 6) and the native deep copy and free
 * (abi.md 3.3, 5). See emit_c.h.
 *
 * Design notes:
 *  - Copy and free come from one walker (native_op) that visits the same
 *    slots in the same order and differs only at the leaves, so a field can
 *    never be copied without being freed.
 *  - Encoders and decoders are written against a flavour's helper names
 *    only: the glue's helpers call the ffirt runtime, the CBOR host header's
 *    are embedded; the walker output is otherwise identical.
 *  - Error paths are built on the way out: a failing leaf sets the reason,
 *    and every enclosing level prepends its component (".name", "[i]"), so
 *    the success path never formats a path.
 *  - Generated functions keep every partially decoded or copied value
 *    freeable: containers are zeroed before they are filled and a length
 *    only counts elements that exist.
 */
#include <inttypes.h>
#include <string.h>

#include "emit_c.h"

typedef struct ctx {
  gen_c *g;
  ffirt__gen_writer *w;
  const gen_flavor *fl;
} ctx;

#define L(...) ffirt__gen_w_line(x->w, __VA_ARGS__)
#define IN() ffirt__gen_w_indent(x->w)
#define OUT() ffirt__gen_w_dedent(x->w)
#define F(...) ffirt__gen_fmt(&x->g->names, __VA_ARGS__)

static gen_nt *box_of(ctx *x, const ffirt__gen_type *t) { return ffirt__gen_c_box(x->g, t); }

static int flat(ctx *x, const ffirt__gen_type *t, int boxed) {
  if (boxed) {
    gen_nt *b = box_of(x, t);
    return !b || !b->has_ptr;
  }
  return !ffirt__gen_c_has_ptr(x->g, t);
}

/* A native copy of t is a plain assignment: nothing to own, nothing to
 * check. */
static int plain(ctx *x, const ffirt__gen_type *t, int boxed) {
  if (boxed) {
    gen_nt *b = box_of(x, t);
    return !b || (!b->has_ptr && !b->has_enum);
  }
  return !ffirt__gen_c_has_ptr(x->g, t) && !ffirt__gen_c_has_enum(x->g, t);
}

static const char *elem_ptr_type(ctx *x, const ffirt__gen_type *elem) {
  const char *ct = ffirt__gen_value_ctype(&x->g->names, x->g->lib, elem);
  size_t n = strlen(ct);
  return F(n && ct[n - 1] == '*' ? "%s*" : "%s *", ct);
}

/* ------------------------------------------------------------ native op */

enum { NATIVE_COPY, NATIVE_FREE, NATIVE_CHECK };

/* name: the C string literal of the slot's path component, or NULL. */
static const char *at(ctx *x, const char *err, const char *name) {
  return name ? F("%serr_at(%s, %s)", x->fl->h, err, name) : "-1";
}

/* The enum check of one slot (NATIVE_CHECK): only what holds an enum. */
static void check_op(ctx *x, const ffirt__gen_type *t, int boxed, const char *src,
                     const char *name) {
  const gen_flavor *fl = x->fl;
  if (boxed ? !box_of(x, t) || !box_of(x, t)->has_enum : !ffirt__gen_c_has_enum(x->g, t)) return;
  if (boxed || t->kind == GEN_STRUCT) {
    gen_nt *nt = boxed ? box_of(x, t) : ffirt__gen_c_struct(x->g, t->name);
    L("if (%scheck_%s(&%s, err)) return %s;", fl->fn, nt->stem, src, at(x, "err", name));
    return;
  }
  switch (t->kind) {
  case GEN_ENUM:
    L("if (!%svalid_%s(%s)) return %serr_enum(err, %s, \"%s\", %s);", fl->fn, t->name, src, fl->h,
      name ? name : "NULL", t->name, src);
    break;
  case GEN_SEQ: {
    int eboxed = ffirt__gen_elem_is_boxed(GEN_SEQ, t->elem);
    L("for (size_t i = 0; i < %s_len; i++) {", src);
    IN();
    if (t->elem->kind == GEN_ENUM) {
      L("if (!%svalid_%s(%s[i])) {", fl->fn, t->elem->name, src);
      IN();
      L("%serr_enum(err, NULL, \"%s\", %s[i]);", fl->h, t->elem->name, src);
      L("return %serr_at_index(err, %s, i);", fl->h, name ? name : "NULL");
      OUT();
      L("}");
    } else {
      gen_nt *nt = eboxed ? box_of(x, t->elem) : ffirt__gen_c_named(x->g, t->elem);
      L("if (%scheck_%s(&%s[i], err)) return %serr_at_index(err, %s, i);", fl->fn,
        nt ? nt->stem : "?", src, fl->h, name ? name : "NULL");
    }
    OUT();
    L("}");
    break;
  }
  case GEN_OPTIONAL:
    L("if (%s_present) {", src);
    IN();
    check_op(x, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem), src, name);
    OUT();
    L("}");
    break;
  default: break;
  }
}

static void native_op(ctx *x, int op, const ffirt__gen_type *t, int boxed, const char *dst,
                      const char *src, const char *name) {
  const gen_flavor *fl = x->fl;
  if (op == NATIVE_CHECK) {
    check_op(x, t, boxed, src, name);
    return;
  }
  if (boxed || t->kind == GEN_STRUCT) {
    gen_nt *nt = boxed ? box_of(x, t) : ffirt__gen_c_struct(x->g, t->name);
    if (!nt) return;
    if (op == NATIVE_FREE) {
      if (nt->has_ptr) L("%sfree_%s(&%s);", fl->fn, nt->stem, dst);
    } else if (nt->has_ptr || nt->has_enum) {
      L("if (%scopy_%s(&%s, &%s, err)) return %s;", fl->fn, nt->stem, dst, src, at(x, "err", name));
    } else {
      L("%s = %s;", dst, src);
    }
    return;
  }
  switch (t->kind) {
  case GEN_ENUM:
    if (op == NATIVE_COPY) {
      L("if (!%svalid_%s(%s)) return %serr_enum(err, %s, \"%s\", %s);", fl->fn, t->name, src, fl->h,
        name ? name : "NULL", t->name, src);
      L("%s = %s;", dst, src);
    }
    break;
  case GEN_STRING:
    if (op == NATIVE_FREE)
      L("%s((void *)%s);", fl->free_fn, dst);
    else
      L("if (%scopy_text(&%s, %s, err)) return %s;", fl->h, dst, src, at(x, "err", name));
    break;
  case GEN_BYTES:
    if (op == NATIVE_FREE) {
      L("%s(%s);", fl->free_fn, dst);
      break;
    }
    L("if (%s_len && !%s) return %serr_null(err, %s, %s_len);", src, src, fl->h,
      name ? name : "NULL", src);
    L("if (!(%s = (uint8_t *)ffirt_malloc(%s_len ? %s_len : 1))) return %serr_nomem(err);", dst,
      src, src, fl->h);
    L("if (%s_len) memcpy(%s, %s, %s_len);", src, dst, src, src);
    L("%s_len = %s_len;", dst, src);
    break;
  case GEN_SEQ: {
    int eboxed = ffirt__gen_elem_is_boxed(GEN_SEQ, t->elem);
    if (op == NATIVE_FREE) {
      if (!flat(x, t->elem, eboxed)) {
        L("for (size_t i = 0; i < %s_len; i++) {", dst);
        IN();
        native_op(x, op, t->elem, eboxed, F("%s[i]", dst), NULL, NULL);
        OUT();
        L("}");
      }
      L("%s(%s);", fl->free_fn, dst);
      break;
    }
    L("if (%s_len) {", src);
    IN();
    L("if (!%s) return %serr_null(err, %s, %s_len);", src, fl->h, name ? name : "NULL", src);
    L("if (!(%s = (%s)ffirt_calloc(%s_len, sizeof *%s))) return %serr_nomem(err);", dst,
      elem_ptr_type(x, t->elem), src, dst, fl->h);
    L("%s_len = %s_len;", dst, src);
    if (plain(x, t->elem, eboxed)) {
      L("memcpy(%s, %s, %s_len * sizeof *%s);", dst, src, src, dst);
    } else {
      /* elements are boxes, structs, strings or enums: each fails with
       * its index */
      L("for (size_t i = 0; i < %s_len; i++) {", src);
      IN();
      if (t->elem->kind == GEN_STRING) {
        L("if (%scopy_text(&%s[i], %s[i], err)) return %serr_at_index(err, %s, i);", fl->h, dst,
          src, fl->h, name ? name : "NULL");
      } else if (t->elem->kind == GEN_ENUM) {
        L("if (!%svalid_%s(%s[i])) {", fl->fn, t->elem->name, src);
        IN();
        L("%serr_enum(err, NULL, \"%s\", %s[i]);", fl->h, t->elem->name, src);
        L("return %serr_at_index(err, %s, i);", fl->h, name ? name : "NULL");
        OUT();
        L("}");
        L("%s[i] = %s[i];", dst, src);
      } else {
        gen_nt *nt = eboxed ? box_of(x, t->elem) : ffirt__gen_c_named(x->g, t->elem);
        L("if (%scopy_%s(&%s[i], &%s[i], err)) return %serr_at_index(err, %s, i);", fl->fn,
          nt ? nt->stem : "?", dst, src, fl->h, name ? name : "NULL");
      }
      OUT();
      L("}");
    }
    OUT();
    L("}");
    break;
  }
  case GEN_OPTIONAL: {
    int eboxed = ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem);
    if (op == NATIVE_FREE) {
      /* an absent value is zero in every value this code owns (copies and
       * decodes fill it only when present), so it frees as a no-op */
      if (!flat(x, t->elem, eboxed)) native_op(x, op, t->elem, eboxed, dst, NULL, NULL);
      break;
    }
    L("%s_present = %s_present;", dst, src);
    if (plain(x, t->elem, eboxed)) {
      L("%s = %s;", dst, src);
      break;
    }
    L("if (%s_present) {", src);
    IN();
    native_op(x, op, t->elem, eboxed, dst, src, name);
    OUT();
    L("}");
    break;
  }
  default:
    if (op == NATIVE_COPY) L("%s = %s;", dst, src);
  }
}

/* -------------------------------------------------------------- encoder */

void ffirt__gen_c_enc_value(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl,
                            const ffirt__gen_type *t, int boxed, const char *expr) {
  ctx cx = {g, w, fl}, *x = &cx;
  if (boxed || t->kind == GEN_STRUCT) {
    gen_nt *nt = boxed ? box_of(x, t) : ffirt__gen_c_struct(g, t->name);
    L("%sencode_%s(%s, &%s);", fl->fn, nt ? nt->stem : "?", fl->ev, expr);
    return;
  }
  switch (t->kind) {
  case GEN_BOOL: L("%sbool(%s, %s);", fl->enc, fl->ev, expr); break;
  case GEN_I8:
  case GEN_I16:
  case GEN_I32:
  case GEN_I64: L("%sint(%s, %s);", fl->enc, fl->ev, expr); break;
  case GEN_U8:
  case GEN_U16:
  case GEN_U32:
  case GEN_U64: L("%suint(%s, %s);", fl->enc, fl->ev, expr); break;
  case GEN_F32: L("%sf32(%s, %s);", fl->enc, fl->ev, expr); break;
  case GEN_F64: L("%sf64(%s, %s);", fl->enc, fl->ev, expr); break;
  case GEN_STRING: L("%stext_z(%s, %s);", fl->enc, fl->ev, expr); break;
  case GEN_BYTES: L("%sbytes(%s, %s, %s_len);", fl->enc, fl->ev, expr, expr); break;
  case GEN_ENUM: L("%sencode_%s(%s, %s);", fl->fn, t->name, fl->ev, expr); break;
  case GEN_SEQ:
    L("%sarray(%s, %s_len);", fl->enc, fl->ev, expr);
    /* stops at the first error: a graph that fails deep down (a cycle at
     * the depth limit) is not walked on */
    L("for (size_t %s = 0; %s < %s_len && !(%s)->err; %s++)", fl->iv, fl->iv, expr, fl->ev, fl->iv);
    IN();
    ffirt__gen_c_enc_value(g, w, fl, t->elem, ffirt__gen_elem_is_boxed(GEN_SEQ, t->elem),
                           F("%s[%s]", expr, fl->iv));
    OUT();
    break;
  case GEN_OPTIONAL:
    L("if (%s_present)", expr);
    IN();
    ffirt__gen_c_enc_value(g, w, fl, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem),
                           expr);
    OUT();
    L("else");
    IN();
    L("%snull(%s);", fl->enc, fl->ev);
    OUT();
    break;
  default: break;
  }
}

void ffirt__gen_c_enc_map(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl,
                          const gen_field *fields, size_t n, const char *prefix) {
  ctx cx = {g, w, fl}, *x = &cx;
  size_t required = 0;
  ffirt__gen_writer count;
  ffirt__gen_w_init(&count);
  for (size_t i = 0; i < n; i++) {
    if (fields[i].type->kind == GEN_OPTIONAL)
      ffirt__gen_w_printf(
          &count, fields[i].boxed ? " + (%s%s.value_present != 0)" : " + (%s%s_present != 0)",
          prefix, fields[i].name);
    else
      required++;
  }
  L("%smap(%s, %zu%s);", fl->enc, fl->ev, required, count.buf ? count.buf : "");
  ffirt__gen_w_free(&count);
  for (size_t i = 0; i < n; i++) {
    const gen_field *f = &fields[i];
    const char *expr = F("%s%s", prefix, f->name);
    int opt = f->type->kind == GEN_OPTIONAL;
    if (opt) {
      L(f->boxed ? "if (%s.value_present) {" : "if (%s_present) {", expr);
      IN();
    }
    L("%stext(%s, \"%s\", %zu);", fl->enc, fl->ev, f->name, strlen(f->name));
    if (opt && !f->boxed)
      ffirt__gen_c_enc_value(g, w, fl, f->type->elem,
                             ffirt__gen_elem_is_boxed(GEN_OPTIONAL, f->type->elem), expr);
    else
      ffirt__gen_c_enc_value(g, w, fl, f->type, f->boxed, expr);
    if (opt) {
      OUT();
      L("}");
    }
  }
}

/* -------------------------------------------------------------- decoder */

static const char *int_bounds(ffirt__gen_kind k) {
  switch (k) {
  case GEN_I8: return "INT8_MIN, INT8_MAX";
  case GEN_I16: return "INT16_MIN, INT16_MAX";
  case GEN_I32: return "INT32_MIN, INT32_MAX";
  case GEN_I64: return "INT64_MIN, INT64_MAX";
  case GEN_U8: return "UINT8_MAX";
  case GEN_U16: return "UINT16_MAX";
  case GEN_U32: return "UINT32_MAX";
  default: return "UINT64_MAX";
  }
}

/* idx: NULL, or the element index expression when lv is a seq element. */
static void dec_slot(ctx *x, const ffirt__gen_type *t, int boxed, const char *lv, const char *name,
                     const char *idx) {
  gen_c *g = x->g;
  const gen_flavor *fl = x->fl;
  const char *h = fl->h;
  const char *fail = idx    ? F("%serr_at_index(&c->err, %s, %s)", h, name ? name : "NULL", idx)
                     : name ? F("%serr_at(&c->err, %s)", h, name)
                            : "-1";
  if (boxed || t->kind == GEN_STRUCT || t->kind == GEN_ENUM) {
    gen_nt *nt = boxed ? box_of(x, t) : ffirt__gen_c_named(g, t);
    L("if (%sdecode_%s(c, &%s)) return %s;", fl->fn, nt ? nt->stem : "?", lv, fail);
    return;
  }
  switch (t->kind) {
  case GEN_BOOL: L("if (%sdec_bool(c, &%s)) return %s;", h, lv, fail); break;
  case GEN_I64: L("if (%sdec_int(c, INT64_MIN, INT64_MAX, &%s)) return %s;", h, lv, fail); break;
  case GEN_U64: L("if (%sdec_uint(c, UINT64_MAX, &%s)) return %s;", h, lv, fail); break;
  case GEN_I8:
  case GEN_I16:
  case GEN_I32:
  case GEN_U8:
  case GEN_U16:
  case GEN_U32: {
    int s = ffirt__gen_kind_is_signed(t->kind);
    L("%s x;", s ? "int64_t" : "uint64_t");
    L("if (%sdec_%s(c, %s, &x)) return %s;", h, s ? "int" : "uint", int_bounds(t->kind), fail);
    L("%s = (%s)x;", lv, ffirt__gen_scalar_ctype(t->kind));
    break;
  }
  case GEN_F32: L("if (%sdec_f32(c, &%s)) return %s;", h, lv, fail); break;
  case GEN_F64: L("if (%sdec_f64(c, &%s)) return %s;", h, lv, fail); break;
  case GEN_STRING: L("if (%sdec_text(c, &%s)) return %s;", h, lv, fail); break;
  case GEN_BYTES: L("if (%sdec_bytes(c, &%s, &%s_len)) return %s;", h, lv, lv, fail); break;
  case GEN_SEQ: {
    const char *pt = elem_ptr_type(x, t->elem);
    L("size_t cap = 0;");
    L("if (%sdec_array(c)) return %s;", h, fail);
    L("while (%sdec_more(c)) {", h);
    IN();
    L("if (%s_len == cap) {", lv);
    IN();
    L("%sgrown = (%s)%sdec_grow(c, %s, &cap, sizeof *grown);", pt, pt, h, lv);
    L("if (!grown) return %s;", fail);
    L("%s = grown;", lv);
    OUT();
    L("}");
    L("%s_len++;", lv);
    dec_slot(x, t->elem, ffirt__gen_elem_is_boxed(GEN_SEQ, t->elem), F("%s[%s_len - 1]", lv, lv),
             name, F("%s_len - 1", lv));
    OUT();
    L("}");
    L("if (%sdec_leave(c)) return %s;", h, fail);
    break;
  }
  case GEN_OPTIONAL: {
    L("int r = %sdec_null(c);", h);
    L("if (r < 0) return %s;", fail);
    L("if (!r) {");
    IN();
    L("%s_present = 1;", lv);
    dec_slot(x, t->elem, ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem), lv, name, NULL);
    OUT();
    L("}");
    break;
  }
  default: break;
  }
}

void ffirt__gen_c_dec_value(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl,
                            const ffirt__gen_type *t, int boxed, const char *lv, const char *name) {
  ctx cx = {g, w, fl};
  dec_slot(&cx, t, boxed, lv, name, NULL);
}

/* ----------------------------------------------------- named functions */

static void proto(ctx *x, gen_nt *nt, unsigned op, int with_body) {
  const gen_flavor *fl = x->fl;
  const char *end = with_body ? " {" : ";";
  if (nt->kind == NT_ENUM) {
    if (op == OP_COPY)
      L("%sint %svalid_%s(%s v)%s", fl->storage, fl->fn, nt->stem, nt->cname, end);
    else if (op == OP_ENC)
      L("%sint %sencode_%s(%s *e, %s v)%s", fl->storage, fl->fn, nt->stem, fl->enc_t, nt->cname,
        end);
    else if (op == OP_DEC)
      L("%sint %sdecode_%s(%s *c, %s *out)%s", fl->storage, fl->fn, nt->stem, fl->dec_t, nt->cname,
        end);
    return;
  }
  switch (op) {
  case OP_COPY:
    L("%sint %scopy_%s(%s *dst, const %s *src, %sgen_err *err)%s", fl->storage, fl->fn, nt->stem,
      nt->cname, nt->cname, fl->h, end);
    break;
  case OP_FREE:
    L("%svoid %sfree_%s(%s *v)%s", fl->storage, fl->fn, nt->stem, nt->cname, end);
    break;
  case OP_CHECK:
    L("%sint %scheck_%s(const %s *v, %sgen_err *err)%s", fl->storage, fl->fn, nt->stem, nt->cname,
      fl->h, end);
    break;
  case OP_ENC:
    L("%sint %sencode_%s(%s *e, const %s *v)%s", fl->storage, fl->fn, nt->stem, fl->enc_t,
      nt->cname, end);
    break;
  case OP_DEC:
    L("%sint %sdecode_%s(%s *c, %s *out)%s", fl->storage, fl->fn, nt->stem, fl->dec_t, nt->cname,
      end);
    break;
  }
}

/* Which ops get a function: copy and free only for types owning memory. */
static int wants(const gen_nt *nt, unsigned op) {
  /* an enum's OP_COPY function is its validity check valid_, which copies
   * and checks of the types holding it both call */
  if (nt->kind == NT_ENUM)
    return op == OP_COPY ? (nt->ops & (OP_COPY | OP_CHECK)) != 0
                         : (op == OP_ENC || op == OP_DEC) && (nt->ops & op);
  if (!(nt->ops & op)) return 0;
  if (op == OP_COPY) return nt->has_ptr || nt->has_enum;
  if (op == OP_CHECK) return nt->has_enum;
  if (op == OP_FREE) return nt->has_ptr;
  return 1;
}

static const char *lit(ctx *x, const char *name) { return F("\"%s\"", name); }

static void body_enum(ctx *x, gen_nt *nt, unsigned op) {
  const ffirt__gen_enum *e = nt->e;
  const char *h = x->fl->h;
  if (op == OP_COPY) {
    if (!e->nitems) {
      L("(void)v;");
      L("return 0;");
      return;
    }
    L("switch (v) {");
    for (size_t i = 0; i + 1 < e->nitems; i++)
      L("case %s_%s:", e->name, e->items[i].name);
    L("case %s_%s: return 1;", e->name, e->items[e->nitems - 1].name);
    L("default: return 0;");
    L("}");
    return;
  }
  if (op == OP_ENC) {
    L("switch (v) {");
    for (size_t i = 0; i < e->nitems; i++)
      L("case %s_%s: return %stext(e, %s, %zu);", e->name, e->items[i].name, x->fl->enc,
        ffirt__gen_c_string(&x->g->names, e->items[i].wire), strlen(e->items[i].wire));
    L("default: return %senc_invalid(e);", h);
    L("}");
    return;
  }
  L("const char *k = NULL;");
  L("size_t kn = 0;");
  L("if (%sdec_textref(c, &k, &kn)) return -1;", h);
  for (size_t i = 0; i < e->nitems; i++) {
    const char *wire = e->items[i].wire;
    L("%sif (kn == %zu && memcmp(k, %s, %zu) == 0)", i ? "else " : "", strlen(wire),
      ffirt__gen_c_string(&x->g->names, wire), strlen(wire));
    IN();
    L("*out = %s_%s;", e->name, e->items[i].name);
    OUT();
  }
  if (e->nitems) {
    L("else");
    IN();
  }
  L("return %sdec_bad_enum(c, k, kn);", h);
  if (e->nitems) OUT();
  if (e->nitems) L("return 0;");
}

/* Recursive structs count their depth in err->depth (copy, check) or
 * e->depth (encode). An error path returns without counting down: the
 * whole walk is abandoned, and its state with it. */
static void depth_enter(ctx *x, gen_nt *nt, const char *counter, const char *fail) {
  if (nt->recursive) L("if (++%s > %d) return %s;", counter, GEN_MAX_NATIVE_DEPTH, fail);
}

static void body_native(ctx *x, gen_nt *nt, int op) {
  const char *h = x->fl->h;
  if (op == NATIVE_COPY) L("memset(dst, 0, sizeof *dst);");
  if (op != NATIVE_FREE) depth_enter(x, nt, "err->depth", F("%serr_depth(err)", h));
  for (size_t i = 0; i < nt->nfields; i++) {
    const gen_field *f = &nt->fields[i];
    if (op == NATIVE_FREE && flat(x, f->type, f->boxed)) continue;
    /* a box member adds no path component: the box's owner names it */
    const char *name = nt->kind == NT_BOX ? NULL : lit(x, f->name);
    native_op(x, op, f->type, f->boxed, F("%s->%s", op == NATIVE_COPY ? "dst" : "v", f->name),
              F("%s->%s", op == NATIVE_CHECK ? "v" : "src", f->name), name);
  }
  if (op == NATIVE_FREE) return;
  if (nt->recursive) L("err->depth--;");
  L("return 0;");
}

static void body_dec(ctx *x, gen_nt *nt) {
  const char *h = x->fl->h;
  if (nt->kind == NT_BOX) {
    const gen_field *f = &nt->fields[0];
    dec_slot(x, f->type, 0, F("out->%s", f->name), NULL, NULL);
    L("return 0;");
    return;
  }
  if (nt->nfields)
    L("unsigned char seen[%zu] = {0};", nt->nfields);
  else
    L("(void)out;");
  L("const char *k = NULL;");
  L("size_t kn = 0;");
  L("if (%sdec_map(c)) return -1;", h);
  L("while (%sdec_more(c)) {", h);
  IN();
  L("if (%sdec_textref(c, &k, &kn)) return -1;", h);
  for (size_t i = 0; i < nt->nfields; i++) {
    const gen_field *f = &nt->fields[i];
    L("%sif (kn == %zu && memcmp(k, \"%s\", %zu) == 0) {", i ? "} else " : "", strlen(f->name),
      f->name, strlen(f->name));
    IN();
    L("if (seen[%zu]++) return %sdec_dup(c, \"%s\");", i, h, f->name);
    dec_slot(x, f->type, f->boxed, F("out->%s", f->name), lit(x, f->name), NULL);
    OUT();
  }
  if (nt->nfields) {
    L("} else {");
    IN();
  }
  L("return %sdec_unknown(c, k, kn);", h);
  if (nt->nfields) {
    OUT();
    L("}");
  }
  OUT();
  L("}");
  L("if (%sdec_leave(c)) return -1;", h);
  for (size_t i = 0; i < nt->nfields; i++) {
    const gen_field *f = &nt->fields[i];
    if (f->type->kind == GEN_OPTIONAL) continue; /* boxed or not: absent when missing */
    L("if (!seen[%zu]) return %sdec_missing(c, \"%s\");", i, h, f->name);
  }
  L("return 0;");
}

static void body_enc(ctx *x, gen_nt *nt) {
  depth_enter(x, nt, "e->depth", F("%senc_too_deep(e)", x->fl->h));
  if (nt->kind == NT_BOX)
    ffirt__gen_c_enc_value(x->g, x->w, x->fl, nt->type, 0, F("v->%s", nt->fields[0].name));
  else
    ffirt__gen_c_enc_map(x->g, x->w, x->fl, nt->fields, nt->nfields, "v->");
  if (!nt->nfields) L("(void)v;");
  if (nt->recursive) L("e->depth--;");
  L("return e->err;");
}

static const unsigned op_list[] = {OP_COPY, OP_FREE, OP_CHECK, OP_ENC, OP_DEC};
enum { NOPS = sizeof op_list / sizeof op_list[0] };

void ffirt__gen_c_codecs(gen_c *g, ffirt__gen_writer *w, const gen_flavor *fl) {
  ctx cx = {g, w, fl}, *x = &cx;
  int any = 0;
  for (size_t i = 0; i < g->count; i++)
    for (size_t o = 0; o < NOPS; o++)
      if (wants(g->nts[i], op_list[o])) {
        proto(x, g->nts[i], op_list[o], 0);
        any = 1;
      }
  for (size_t i = 0; i < g->count; i++) {
    gen_nt *nt = g->nts[i];
    for (size_t o = 0; o < NOPS; o++) {
      unsigned op = op_list[o];
      if (!wants(nt, op)) continue;
      if (any) ffirt__gen_w_blank(w);
      proto(x, nt, op, 1);
      IN();
      if (nt->kind == NT_ENUM)
        body_enum(x, nt, op);
      else if (op == OP_COPY)
        body_native(x, nt, NATIVE_COPY);
      else if (op == OP_FREE)
        body_native(x, nt, NATIVE_FREE);
      else if (op == OP_CHECK)
        body_native(x, nt, NATIVE_CHECK);
      else if (op == OP_ENC)
        body_enc(x, nt);
      else
        body_dec(x, nt);
      OUT();
      L("}");
    }
  }
}
