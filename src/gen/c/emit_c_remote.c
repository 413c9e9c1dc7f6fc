/*
 * emit_c_remote.c - writes <lib>_remote.c, the source of lib<lib>_remote.so
 * (docs/remote.md): every export of lib<lib>.so (abi.md 2), implemented by
 * encoding to CBOR and calling the client runtime (src/remote/client.c,
 * declared in src/remote/remote.h), which talks NATS to ffirt-serve.
 *
 * Design notes:
 *  - The codecs are the CBOR host header's (<lib>_cbor.h: request encoders,
 *    response and event decoders), so the remote library speaks exactly the
 *    wire the generated hosts speak; this file adds only the glue between
 *    native signatures and those codecs.
 *  - Native arguments are checked before encoding where the in-process glue
 *    rejects them (a NULL pointer with a non-zero length, abi.md 3.3), with
 *    one check function per struct or box that can hold such a pointer
 *    (recursive types included), so the encoders never read through one.
 *  - Native results are decoded on the client's reply thread and delivered
 *    in the native layout (abi.md 3.3), then freed after the callback.
 *  - File-local names start with "<lib>__remote_" (no IDL name can: check.c
 *    refuses leading '_' and the glue's rule applies here too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "emit_c.h"

typedef struct rem {
  gen_c g;
  ffirt__gen_writer *w;
  const char *p;    /* "<lib>__remote_" */
  gen_nt **reached; /* named types a parameter check reaches */
  size_t nreached;
} rem;

#define L(...) ffirt__gen_w_line(x->w, __VA_ARGS__)
#define B() ffirt__gen_w_blank(x->w)
#define IN() ffirt__gen_w_indent(x->w)
#define OUT() ffirt__gen_w_dedent(x->w)
#define F(...) ffirt__gen_fmt(&x->g.names, __VA_ARGS__)

static const char *pointee(rem *x, const char *ctype) {
  size_t n = strlen(ctype);
  return F(n && ctype[n - 1] == '*' ? "%sconst *" : "const %s *", ctype);
}

/* --------------------------------------------------------- argument checks */

/* Does a stored slot of t need a NULL-with-length check (here or below)? */
static int needs_check(rem *x, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_BYTES:
  case GEN_SEQ: return 1;
  case GEN_OPTIONAL: return needs_check(x, t->elem);
  case GEN_STRUCT: {
    gen_nt *nt = ffirt__gen_c_struct(&x->g, t->name);
    if (!nt) return 0;
    for (size_t i = 0; i < nt->nfields; i++)
      if (nt->fields[i].type != t && needs_check(x, nt->fields[i].type)) return 1;
    return 0;
  }
  default: return 0;
  }
}

static int is_reached(rem *x, const gen_nt *nt) {
  for (size_t i = 0; i < x->nreached; i++)
    if (x->reached[i] == nt) return 1;
  return 0;
}

/* Marks every struct and box whose check function a check of t calls. */
static void reach(rem *x, const ffirt__gen_type *t) {
  if (!needs_check(x, t)) return;
  gen_nt *nt = t->kind == GEN_STRUCT ? ffirt__gen_c_struct(&x->g, t->name)
               : (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) && t->cname
                   ? ffirt__gen_c_box(&x->g, t)
                   : NULL;
  if (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) reach(x, t->elem);
  if (!nt || is_reached(x, nt)) return;
  gen_nt **grown = realloc(x->reached, (x->nreached + 1) * sizeof *grown);
  if (!grown) {
    x->g.names.oom = 1;
    return;
  }
  x->reached = grown;
  x->reached[x->nreached++] = nt;
  for (size_t i = 0; i < nt->nfields; i++)
    reach(x, nt->fields[i].type);
}

/* The check of a named (struct or box) value at expr, or NULL when none. */
static const char *named_check(rem *x, const ffirt__gen_type *t, const char *expr) {
  gen_nt *nt = ffirt__gen_c_named(&x->g, t);
  if (!nt || nt->kind == NT_ENUM || !is_reached(x, nt)) return NULL;
  return F("%scheck_%s(&%s, err, n)", x->p, nt->stem, expr);
}

/* Statements checking one slot: prefix + name (flattened layout, abi.md 5),
 * or a boxed value (one named object). what: the text naming it. */
static void slot_check(rem *x, const gen_field *f, const char *prefix, const char *what) {
  const ffirt__gen_type *t = f->type;
  const char *v = F("%s%s", prefix, f->name);
  if (f->boxed) {
    const char *c = named_check(x, t, v);
    if (c) L("if (%s) return -1;", c);
    return;
  }
  switch (t->kind) {
  case GEN_BYTES:
    L("if (%s_len && !%s) return %snull_ptr(err, n, \"%s\", %s_len);", v, v, x->p, what, v);
    break;
  case GEN_SEQ: {
    L("if (%s_len && !%s) return %snull_ptr(err, n, \"%s\", %s_len);", v, v, x->p, what, v);
    const ffirt__gen_type *e = t->elem;
    const char *c = named_check(x, e, F("%s[i]", v));
    if (c) {
      L("for (size_t i = 0; i < %s_len; i++)", v);
      IN();
      L("if (%s) return -1;", c);
      OUT();
    }
    break;
  }
  case GEN_OPTIONAL: {
    const ffirt__gen_type *e = t->elem;
    if (e->kind == GEN_BYTES) {
      L("if (%s_present && %s_len && !%s) return %snull_ptr(err, n, \"%s\", %s_len);", v, v, v,
        x->p, what, v);
    } else {
      const char *c = named_check(x, e, v);
      if (c) L("if (%s_present && %s) return -1;", v, c);
    }
    break;
  }
  case GEN_STRUCT: {
    const char *c = named_check(x, t, v);
    if (c) L("if (%s) return -1;", c);
    break;
  }
  default: break;
  }
}

static void check_functions(rem *x) {
  const ffirt__gen_model *m = x->g.m;
  int any = 0;
  for (size_t i = 0; i < m->nprocs; i++)
    for (size_t k = 0; k < m->procs[i].nparams; k++) {
      /* a container parameter is flattened natively: its own box is not used */
      const ffirt__gen_type *t = m->procs[i].params[k].type;
      reach(x, t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL ? t->elem : t);
      any |= needs_check(x, m->procs[i].params[k].type);
    }
  if (any) {
    B();
    L("/* NULL with a non-zero length is refused before anything is encoded (abi.md 3.3). */");
    L("static int %snull_ptr(char *err, size_t n, const char *what, size_t len) {", x->p);
    IN();
    L("snprintf(err, n, \"%%s: NULL pointer with length %%zu\", what, len);");
    L("return -1;");
    OUT();
    L("}");
  }
  any = 0;
  for (size_t i = 0; i < x->g.norder; i++) {
    gen_nt *nt = x->g.order[i];
    if (!is_reached(x, nt)) continue;
    if (!any) {
      B();
      any = 1;
    }
    L("static int %scheck_%s(const %s *v, char *err, size_t n);", x->p, nt->stem, nt->cname);
  }
  for (size_t i = 0; i < x->g.norder; i++) {
    gen_nt *nt = x->g.order[i];
    if (!is_reached(x, nt)) continue;
    B();
    L("static int %scheck_%s(const %s *v, char *err, size_t n) {", x->p, nt->stem, nt->cname);
    IN();
    for (size_t k = 0; k < nt->nfields; k++)
      slot_check(x, &nt->fields[k], "v->", F("%s.%s", nt->cname, nt->fields[k].name));
    L("(void)v;");
    L("(void)err;");
    L("(void)n;");
    L("return 0;");
    OUT();
    L("}");
  }
}

/* ------------------------------------------------------------ results */

/* The native delivery of a successful CBOR result of p (abi.md 3.3). */
static void result_decoder(rem *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib;
  const ffirt__gen_type *t = p->result;
  B();
  L("static void %s%s_result(const uint8_t *msg, size_t len, FFICallBack cb, void *ud) {", x->p,
    p->name);
  IN();
  L("char err[256];");
  if (!t) {
    L("if (%s_%s_response_decode(msg, len, err, sizeof err)) {", lib, p->name);
    IN();
    L("ffirt__remote_fail(cb, ud, err);");
    L("return;");
    OUT();
    L("}");
    L("cb(RET_OK, \"\", 0, ud);");
  } else if (t->kind == GEN_STRING) {
    L("const char *out;");
    L("if (%s_%s_response_decode(msg, len, &out, err, sizeof err)) {", lib, p->name);
    IN();
    L("ffirt__remote_fail(cb, ud, err);");
    L("return;");
    OUT();
    L("}");
    L("cb(RET_OK, out, strlen(out), ud);");
    L("free((void *)out);");
  } else if (t->kind == GEN_BYTES) {
    L("uint8_t *out;");
    L("size_t out_len;");
    L("if (%s_%s_response_decode(msg, len, &out, &out_len, err, sizeof err)) {", lib, p->name);
    IN();
    L("ffirt__remote_fail(cb, ud, err);");
    L("return;");
    OUT();
    L("}");
    L("cb(RET_OK, out ? (const char *)out : \"\", out_len, ud);");
    L("free(out);");
  } else {
    L("%s out;", ffirt__gen_value_ctype(&x->g.names, lib, t));
    L("if (%s_%s_response_decode(msg, len, &out, err, sizeof err)) {", lib, p->name);
    IN();
    L("ffirt__remote_fail(cb, ud, err);");
    L("return;");
    OUT();
    L("}");
    L("cb(RET_OK, (const char *)&out, sizeof out, ud);");
    gen_nt *nt = ffirt__gen_c_named(&x->g, t);
    if (nt && nt->kind != NT_ENUM && nt->has_ptr) L("%s__free_%s(&out);", lib, nt->stem);
  }
  OUT();
  L("}");
}

/* ------------------------------------------------------------ exports */

/* The call arguments of p's native parameters ("config", "a, b_len"...):
 * the last word of each declarator in ffirt__gen_c_native_params. */
static const char *native_args(rem *x, const ffirt__gen_proc *p) {
  const char *params = ffirt__gen_c_native_params(&x->g, p);
  const char *out = "";
  const char *s = *params ? params + 2 : "";
  while (*s) {
    const char *comma = strstr(s, ", ");
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    size_t k = n;
    while (k > 0 && (s[k - 1] == '_' || (s[k - 1] >= '0' && s[k - 1] <= '9') ||
                     (s[k - 1] >= 'a' && s[k - 1] <= 'z') || (s[k - 1] >= 'A' && s[k - 1] <= 'Z')))
      k--;
    out = F("%s%s%.*s", out, *out ? ", " : "", (int)(n - k), s + k);
    s += n + (comma ? 2 : 0);
  }
  return out;
}

static void procedure(rem *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib;
  const char *n = p->name;
  B();
  L("/* ---- %s */", n);
  if (p->kind == GEN_DTOR) {
    B();
    L("%s {", ffirt__gen_c_sig_native(&x->g, p));
    IN();
    L("return ffirt__remote_destroy(&%slib, ctx);", x->p);
    OUT();
    L("}");
    return;
  }
  if (p->kind != GEN_CTOR) result_decoder(x, p);
  const char *args = native_args(x, p);
  int checks = 0;
  for (size_t i = 0; i < p->nparams; i++)
    checks |= needs_check(x, p->params[i].type);
  const char *fail_ret = p->kind == GEN_CTOR ? "NULL" : "RET_ERR";
  B();
  L("%s {", ffirt__gen_c_sig_native(&x->g, p));
  IN();
  L("if (!cb) return %s;", p->kind == GEN_CTOR ? "NULL" : "RET_MISSING_CALLBACK");
  if (p->kind == GEN_METHOD) {
    /* abi.md 3.1: a bad handle is reported before any argument is read */
    L("if (ffirt__remote_check(&%slib, ctx, cb, ud) != RET_OK) return RET_ERR;", x->p);
  }
  if (checks) {
    L("char %serr[256];", x->p);
    gen_nt *a = ffirt__gen_c_args(&x->g, p);
    for (size_t i = 0; a && i < a->nfields; i++) {
      if (!needs_check(x, a->fields[i].type)) continue;
      /* the checks return -1: run them in a statement expression-free way */
      L("if (%sargs_%s_%s(%s, %serr, sizeof %serr)) {", x->p, n, a->fields[i].name,
        a->fields[i].type->kind == GEN_STRUCT
            ? F("&%s", a->fields[i].name)
            : F("%s", native_args(x, &(ffirt__gen_proc){.params = &p->params[i], .nparams = 1})),
        x->p, x->p);
      IN();
      L("ffirt__remote_fail(cb, ud, %serr);", x->p);
      L("return %s;", fail_ret);
      OUT();
      L("}");
    }
  }
  L("uint8_t *%sreq = NULL;", x->p);
  L("size_t %slen = 0;", x->p);
  L("if (%s_%s_request_encode(%s%s%sreq, &%slen)) {", lib, n, args, *args ? ", &" : "&", x->p,
    x->p);
  IN();
  L("ffirt__remote_fail(cb, ud, \"remote: cannot encode the request (out of memory, or an enum "
    "value without an enumerator)\");");
  L("return %s;", fail_ret);
  OUT();
  L("}");
  switch (p->kind) {
  case GEN_CTOR:
    L("void *%sh = ffirt__remote_create(&%slib, \"%s\", 1, %sreq, %slen, cb, ud);", x->p, x->p, n,
      x->p, x->p);
    L("free(%sreq);", x->p);
    L("return %sh;", x->p);
    break;
  case GEN_STATIC:
    L("int %src = ffirt__remote_static(&%slib, \"%s\", %s%s_result, %sreq, %slen, cb, ud);", x->p,
      x->p, n, x->p, n, x->p, x->p);
    L("free(%sreq);", x->p);
    L("return %src;", x->p);
    break;
  default:
    L("int %src = ffirt__remote_call(&%slib, ctx, \"%s\", %s%s_result, %sreq, %slen, cb, ud);",
      x->p, x->p, n, x->p, n, x->p, x->p);
    L("free(%sreq);", x->p);
    L("return %src;", x->p);
  }
  OUT();
  L("}");
  B();
  L("%s {", ffirt__gen_c_sig_cbor(&x->g, p));
  IN();
  switch (p->kind) {
  case GEN_CTOR:
    L("return ffirt__remote_create(&%slib, \"%s\", 0, req, len, cb, ud);", x->p, n);
    break;
  case GEN_STATIC:
    L("return ffirt__remote_static(&%slib, \"%s\", NULL, req, len, cb, ud);", x->p, n);
    break;
  default: L("return ffirt__remote_call(&%slib, ctx, \"%s\", NULL, req, len, cb, ud);", x->p, n);
  }
  OUT();
  L("}");
}

/* <lib>_<p>_typed, _wait and _result_free (<lib>.h), over the exports above:
 * _typed adapts the native export's callback; _wait sends the CBOR request
 * and decodes the reply into the caller's *out (libc allocations, so
 * _result_free frees them with the CBOR host header's free functions). */
static void typed_forms(rem *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib, *n = p->name;
  const ffirt__gen_type *t = p->result;
  int st = p->kind == GEN_STATIC;
  const char *ct = t ? ffirt__gen_value_ctype(&x->g.names, lib, t) : "";
  gen_nt *nt = t && t->kind != GEN_ENUM ? ffirt__gen_c_named(&x->g, t) : NULL;
  const char *fr = ffirt__gen_c_sig_result_free(&x->g, p);
  const char *args = native_args(x, p);
  const char *none = !t ? "" : t->kind == GEN_BYTES ? "NULL, 0, " : "NULL, ";

  B();
  L("typedef struct %s%s_typed_ud {", x->p, n);
  IN();
  L("%s_%s_reply_cb cb;", lib, n);
  L("void *ud;");
  OUT();
  L("} %s%s_typed_ud;", x->p, n);
  B();
  L("static void %s%s_typed_reply(int ret, const char *msg, size_t len, void *ud) {", x->p, n);
  IN();
  L("%s%s_typed_ud *t = (%s%s_typed_ud *)ud;", x->p, n, x->p, n);
  L("if (ret == RET_STALE_WARN) return;");
  L("if (ret == RET_OK) {");
  IN();
  if (!t) {
    L("(void)msg;");
    L("(void)len;");
    L("t->cb(NULL, t->ud);");
  } else if (t->kind == GEN_STRING) {
    L("char *s = strndup(msg, len);");
    L("t->cb(s ? s : \"\", s ? NULL : \"%s: out of memory copying the reply\", t->ud);", n);
    L("free(s);");
  } else if (t->kind == GEN_BYTES) {
    L("t->cb((const uint8_t *)msg, len, NULL, t->ud);");
  } else {
    L("(void)len;");
    L("t->cb((const %s *)(const void *)msg, NULL, t->ud);", ct);
  }
  OUT();
  L("} else {");
  IN();
  L("char *e = strndup(msg, len);");
  L("t->cb(%se ? e : \"%s: out of memory copying the error text\", t->ud);", none, n);
  L("free(e);");
  OUT();
  L("}");
  L("free(t);");
  OUT();
  L("}");
  B();
  L("%s {", ffirt__gen_c_sig_typed(&x->g, p));
  IN();
  L("if (!cb) return RET_MISSING_CALLBACK;");
  L("%s%s_typed_ud *t = (%s%s_typed_ud *)malloc(sizeof *t);", x->p, n, x->p, n);
  L("if (!t) {");
  IN();
  L("cb(%s\"%s: out of memory\", ud);", none, n);
  L("return RET_ERR;");
  OUT();
  L("}");
  L("t->cb = cb;");
  L("t->ud = ud;");
  L("return %s_%s(%s%s_typed_reply, t%s%s);", lib, n, st ? "" : "ctx, ", F("%s%s", x->p, n),
    *args ? ", " : "", args);
  OUT();
  L("}");

  /* blocking */
  const char *take = "NULL", *dst = "NULL";
  if (t) {
    take = F("%s%s_take", x->p, n);
    B();
    L("static int %s%s_take(const uint8_t *msg, size_t len, void *dst, char *err, size_t n) {",
      x->p, n);
    IN();
    if (t->kind == GEN_BYTES) {
      L("uint8_t **out = ((uint8_t ***)dst)[0];");
      L("size_t *out_len = (size_t *)((void **)dst)[1];");
      L("return %s_%s_response_decode(msg, len, out, out_len, err, n);", lib, n);
    } else {
      L("return %s_%s_response_decode(msg, len, (%s *)dst, err, n);", lib, n,
        t->kind == GEN_STRING ? "const char *" : ct);
    }
    OUT();
    L("}");
  }
  B();
  L("%s {", ffirt__gen_c_sig_wait(&x->g, p));
  IN();
  ffirt__gen_c_wait_out_check(&x->g, x->w, p);
  if (t) dst = t->kind == GEN_BYTES ? "(void *[]){out, out_len}" : "out";
  int checks = 0;
  for (size_t i = 0; i < p->nparams; i++)
    checks |= needs_check(x, p->params[i].type);
  if (checks) {
    L("char %serr[256];", x->p);
    gen_nt *a = ffirt__gen_c_args(&x->g, p);
    for (size_t i = 0; a && i < a->nfields; i++) {
      if (!needs_check(x, a->fields[i].type)) continue;
      L("if (%sargs_%s_%s(%s, %serr, sizeof %serr)) {", x->p, n, a->fields[i].name,
        a->fields[i].type->kind == GEN_STRUCT
            ? F("&%s", a->fields[i].name)
            : F("%s", native_args(x, &(ffirt__gen_proc){.params = &p->params[i], .nparams = 1})),
        x->p, x->p);
      IN();
      L("if (errText && errSize) snprintf(errText, errSize, \"%%s\", %serr);", x->p);
      L("return RET_ERR;");
      OUT();
      L("}");
    }
  }
  L("uint8_t *%sreq = NULL;", x->p);
  L("size_t %slen = 0;", x->p);
  L("if (%s_%s_request_encode(%s%s%sreq, &%slen)) {", lib, n, args, *args ? ", &" : "&", x->p,
    x->p);
  IN();
  L("if (errText && errSize) snprintf(errText, errSize, \"%s: cannot encode the request\");", n);
  L("return RET_ERR;");
  OUT();
  L("}");
  L("int %src = ffirt__remote_wait(&%slib, %s, %d, \"%s\", %sreq, %slen, timeoutMs, %s, %s, "
    "errText, errSize);",
    x->p, x->p, st ? "NULL" : "ctx", st, n, x->p, x->p, take, dst);
  L("free(%sreq);", x->p);
  L("return %src;", x->p);
  OUT();
  L("}");
  if (*fr) {
    B();
    L("%s {", fr);
    IN();
    L("if (!out) return;");
    if (t->kind == GEN_STRING || t->kind == GEN_BYTES) {
      L("free((void *)*out);");
      L("*out = NULL;");
    } else {
      if (nt && nt->has_ptr) L("%s__free_%s(out);", lib, nt->stem);
      L("memset(out, 0, sizeof *out);");
    }
    OUT();
    L("}");
  }
}

/* Per-parameter check functions of p (flattened slots as parameters). */
static void param_checks(rem *x, const ffirt__gen_proc *p) {
  gen_nt *a = ffirt__gen_c_args(&x->g, p);
  for (size_t i = 0; a && i < a->nfields; i++) {
    const gen_field *f = &a->fields[i];
    if (!needs_check(x, f->type)) continue;
    /* natively every parameter but a struct is flattened (abi.md 5) */
    const char *decl =
        f->type->kind == GEN_STRUCT
            ? F("const %s *%s", ffirt__gen_value_ctype(&x->g.names, x->g.lib, f->type), f->name)
            : ffirt__gen_c_param(&x->g, f->type, f->name);
    B();
    L("static int %sargs_%s_%s(%s, char *err, size_t n) {", x->p, p->name, f->name, decl);
    IN();
    gen_field g = *f;
    g.boxed = 0;
    if (f->type->kind == GEN_STRUCT) {
      const char *c = named_check(x, f->type, F("*%s", f->name));
      if (c) L("if (%s) return -1;", c);
    } else {
      slot_check(x, &g, "", f->name);
    }
    L("(void)err;");
    L("(void)n;");
    L("return 0;");
    OUT();
    L("}");
  }
}

/* ------------------------------------------------------------ events */

static void events(rem *x) {
  const ffirt__gen_model *m = x->g.m;
  const char *lib = x->g.lib;
  B();
  L("/* ---- events */");
  B();
  L("static void %sdeliver(const char *type, const void *payload, size_t size, int wildcard,",
    x->p);
  L("                      FFICallBack cb, void *ud) {");
  IN();
  L("if (wildcard) {");
  IN();
  L("FFIEventView view = {type, payload, size};");
  L("cb(RET_OK, (const char *)&view, sizeof view, ud);");
  OUT();
  L("} else {");
  IN();
  L("cb(RET_OK, (const char *)payload, size, ud);");
  OUT();
  L("}");
  OUT();
  L("}");
  B();
  L("/* An envelope to a native listener (abi.md 4.2): decoded, delivered, freed. */");
  L("static int %sevent_native(const char *type, const uint8_t *env, size_t len, int wildcard,",
    x->p);
  L("                           FFICallBack cb, void *ud) {");
  IN();
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    const ffirt__gen_type *t = ev->payload;
    if (!t) continue;
    const char *ct = ffirt__gen_c_event_ctype(&x->g, ev);
    L("if (strcmp(type, \"%s\") == 0) {", ev->wire);
    IN();
    if (t->kind == GEN_BYTES) {
      L("uint8_t *p;");
      L("size_t n;");
      L("if (%s_%s_event_decode(env, len, &p, &n, NULL, 0)) return -1;", lib, ev->wire);
      L("%s v = {p, n};", ct);
      L("%sdeliver(type, &v, sizeof v, wildcard, cb, ud);", x->p);
      L("free(p);");
    } else {
      L("%s v;", ct);
      L("if (%s_%s_event_decode(env, len, &v, NULL, 0)) return -1;", lib, ev->wire);
      L("%sdeliver(type, &v, sizeof v, wildcard, cb, ud);", x->p);
      gen_nt *nt = ffirt__gen_c_named(&x->g, t);
      if (t->kind == GEN_STRING)
        L("free((void *)v);");
      else if (nt && nt->kind != NT_ENUM && nt->has_ptr)
        L("%s__free_%s(&v);", lib, nt->stem);
    }
    L("return 0;");
    OUT();
    L("}");
  }
  L("if (strcmp(type, \"not_responding\") == 0 || strcmp(type, \"responding\") == 0) {");
  IN();
  L("%sdeliver(type, \"\", 0, wildcard, cb, ud);", x->p);
  L("return 0;");
  OUT();
  L("}");
  L("if (strcmp(type, \"dropped_events\") == 0) {");
  IN();
  L("uint64_t count;");
  L("if (ffirt__remote_envelope_u64(env, len, &count)) return -1;");
  L("%sdeliver(type, &count, sizeof count, wildcard, cb, ud);", x->p);
  L("return 0;");
  OUT();
  L("}");
  L("return -1;");
  OUT();
  L("}");

  B();
  L("uint64_t %s_add_event_listener(void *ctx, const char *eventName, FFICallBack cb, void *ud) {",
    lib);
  IN();
  L("return ffirt__remote_listen(&%slib, ctx, eventName, 1, cb, ud, NULL);", x->p);
  OUT();
  L("}");
  B();
  L("uint64_t %s_add_event_listener_cbor(void *ctx, const char *eventName, FFICallBack cb, "
    "void *ud) {",
    lib);
  IN();
  L("return ffirt__remote_listen(&%slib, ctx, eventName, 0, cb, ud, NULL);", x->p);
  OUT();
  L("}");
  B();
  L("int %s_remove_event_listener(void *ctx, uint64_t listenerId) {", lib);
  IN();
  L("return ffirt__remote_unlisten(&%slib, ctx, listenerId);", x->p);
  OUT();
  L("}");

  B();
  L("typedef struct %styped {", x->p);
  IN();
  L("void (*fn)(void);");
  L("void *ud;");
  OUT();
  L("} %styped;", x->p);
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    if (!ev->payload) continue;
    const char *cptr = pointee(x, ffirt__gen_c_event_ctype(&x->g, ev));
    B();
    L("static void %s%s_deliver(int ret, const char *msg, size_t len, void *ud) {", x->p, ev->wire);
    IN();
    L("const %styped *l = (const %styped *)ud;", x->p, x->p);
    L("(void)ret;");
    L("(void)len;");
    L("((void (*)(%s, void *))l->fn)((%s)(const void *)msg, l->ud);", cptr, cptr);
    OUT();
    L("}");
    B();
    L("uint64_t %s_add_%s_listener(void *ctx, void (*fn)(%sevt, void *ud), void *ud) {", lib,
      ev->wire, cptr);
    IN();
    L("if (!fn) return 0;");
    L("%styped *l = (%styped *)malloc(sizeof *l);", x->p, x->p);
    L("if (!l) return 0;");
    L("l->fn = (void (*)(void))fn;");
    L("l->ud = ud;");
    L("uint64_t id = ffirt__remote_listen(&%slib, ctx, \"%s\", 1, %s%s_deliver, l, free);", x->p,
      ev->wire, x->p, ev->wire);
    L("if (!id) free(l);");
    L("return id;");
    OUT();
    L("}");
  }

  B();
  L("typedef struct %shandlers {", x->p);
  IN();
  L("struct %s_event_handlers h;", lib);
  L("void *ud;");
  OUT();
  L("} %shandlers;", x->p);
  B();
  L("static void %sdeliver_handlers(int ret, const char *msg, size_t len, void *ud) {", x->p);
  IN();
  L("const %shandlers *l = (const %shandlers *)ud;", x->p, x->p);
  L("const FFIEventView *view = (const FFIEventView *)(const void *)msg;");
  L("(void)ret;");
  L("if (len != sizeof *view) return;");
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    if (!ev->payload) continue;
    const char *cptr = pointee(x, ffirt__gen_c_event_ctype(&x->g, ev));
    L("if (strcmp(view->eventType, \"%s\") == 0 && l->h.%s) l->h.%s((%s)view->payload, l->ud);",
      ev->wire, ev->wire, ev->wire, cptr);
  }
  L("if (strcmp(view->eventType, \"not_responding\") == 0 && l->h.not_responding)");
  L("  l->h.not_responding(l->ud);");
  L("if (strcmp(view->eventType, \"responding\") == 0 && l->h.responding) l->h.responding(l->ud);");
  L("if (strcmp(view->eventType, \"dropped_events\") == 0 && l->h.dropped_events)");
  L("  l->h.dropped_events((const uint64_t *)view->payload, l->ud);");
  OUT();
  L("}");
  B();
  L("uint64_t %s_add_event_handlers(void *ctx, const struct %s_event_handlers *handlers, void *ud) "
    "{",
    lib, lib);
  IN();
  L("if (!handlers) return 0;");
  L("%shandlers *l = (%shandlers *)malloc(sizeof *l);", x->p, x->p);
  L("if (!l) return 0;");
  L("l->h = *handlers;");
  L("l->ud = ud;");
  L("uint64_t id = ffirt__remote_listen(&%slib, ctx, \"\", 1, %sdeliver_handlers, l, free);", x->p,
    x->p);
  L("if (!id) free(l);");
  L("return id;");
  OUT();
  L("}");
}

int ffirt__gen_emit_c_remote(const ffirt__gen_model *m, const char *outdir) {
  rem r;
  rem *x = &r;
  memset(x, 0, sizeof *x);
  if (ffirt__gen_c_analyse(&x->g, m, 1) != 0) return -1;
  x->p = F("%s__remote_", x->g.lib);
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  x->w = &w;
  const char *lib = x->g.lib;
  ffirt__gen_c_banner(&x->g, x->w, F("%s_remote.c", lib),
                      "lib<lib>_remote.so: the exports of the library over NATS (docs/remote.md).");
  L("#include \"%s.h\"", lib);
  L("#include \"%s_cbor.h\"", lib);
  B();
  L("#include <stdio.h>");
  L("#include <stdlib.h>");
  L("#include <string.h>");
  B();
  L("#include \"remote.h\"");
  B();
  L("static int %sevent_native(const char *type, const uint8_t *env, size_t len, int wildcard,",
    x->p);
  L("                           FFICallBack cb, void *ud);");
  L("static const ffirt__remote_lib %slib = {\"%s\", %sevent_native, %u};", x->p, lib, x->p,
    (unsigned)m->opt_event_capacity);
  check_functions(x);
  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind != GEN_DTOR) param_checks(x, &m->procs[i]);
  for (size_t i = 0; i < m->nprocs; i++) {
    procedure(x, &m->procs[i]);
    if (m->procs[i].kind == GEN_METHOD || m->procs[i].kind == GEN_STATIC)
      typed_forms(x, &m->procs[i]);
  }
  events(x);
  B();
  L("/* The fingerprint of the IDL this library was generated from (docs/abi.md). */");
  L("uint64_t %s_abi_fingerprint(void) { return UINT64_C(0x%016llx); }", lib,
    (unsigned long long)ffirt__gen_fingerprint(m));
  int rc = -1;
  if (x->g.names.oom || w.oom) {
    fprintf(stderr, "ffirt-gen: out of memory\n");
  } else {
    ffirt__gen_c_tidy(&w);
    rc = ffirt__gen_w_save(&w, outdir, F("%s_remote.c", lib));
  }
  ffirt__gen_w_free(&w);
  ffirt__gen_c_free(&x->g);
  free(x->reached);
  return rc;
}
