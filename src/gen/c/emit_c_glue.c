/*
 * emit_c_glue.c - writes <lib>_ffi.h (the author's side: _impl prototypes,
 * typed _ok replies, event emitters) and <lib>_ffi.c (every export of
 * abi.md 2 wired to the ffirt runtime, the codecs, the event types).
 *
 * Design notes:
 *  - The glue never reimplements the runtime: contexts, calls, workers,
 *    listeners and the CBOR codec are ffirt_* calls; the glue adds only
 *    what depends on the IDL (argument structs, codecs, deep copies).
 *  - Native exports deep-copy their arguments before returning (validation
 *    included: a NULL pointer with a length is an error naming the path);
 *    a method enters its context first (ffirt_ctx_enter: the handle is
 *    checked once and held until ffirt_call_submit_entered, or left before
 *    a rejection), so a bad ctx gets the handle's error whatever its
 *    arguments are (abi.md 3.1);
 *    _cbor exports copy the request bytes and decode them on the worker,
 *    except constructors, which decode before anything is created.
 *  - A _cbor request block starts with the argument struct, so one run and
 *    one free function serve both ABIs of a procedure.
 *  - The helpers at the top of <lib>_ffi.c are emitted only when the code
 *    below calls them (the body is written first, then scanned).
 *  - Every file-local name of <lib>_ffi.c (helpers, codecs, per-procedure
 *    and per-event statics, the library descriptor) starts with
 *    "<lib>__ffi_" (ffirt__gen_glue_prefix), written '@' in the format
 *    strings here, so no IDL type name (reject, dec_int, echo_args, ...) can
 *    clash with one, nor the "<lib>__" internals of <lib>_cbor.h. Names
 *    built from IDL names never start with "<lib>__" (check.c refuses names
 *    starting with '_'); an IDL type spelt "<lib>__..." itself is not
 *    refused yet. Per-procedure statics end in _args, _request, _free,
 *    _run, _run_cbor, _due, _native, _cbor, _submit, _typed_ud, _typed_reply,
 *    _wait_submit, _take, _bytes_out or _params, per-event ones in _copy,
 *    _release, _encode, _event or _deliver, and no helper name ends in
 *    either set, so a method and an event of the same name, a method
 *    "reply" or an event "handlers" cannot collide with each other or a
 *    helper. (A procedure "x_wait" or "x_typed", whose statics would meet
 *    x's, is refused by check.c: its export would clash with x_wait /
 *    x_typed.)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "emit_c.h"

#include "ffirt/common.h"

typedef struct glue {
  gen_c g;
  ffirt__gen_writer *w;
  gen_flavor fl;
  const char *state; /* the author's state type, "void" when none */
  const char *p;     /* "<lib>__ffi_", the prefix of every file-local name */
} glue;

/* fmt with each '@' replaced by the <lib>__ffi_ prefix. Only format strings are
 * expanded, never their arguments, so IDL text (wire texts, docs) passes
 * through untouched. */
static const char *expand(glue *x, const char *fmt) {
  if (!strchr(fmt, '@')) return fmt;
  size_t pl = strlen(x->p), n = 0;
  for (const char *s = fmt; *s; s++)
    n += *s == '@' ? pl : 1;
  char *buf = malloc(n + 1);
  if (!buf) {
    x->g.names.oom = 1;
    return "";
  }
  char *o = buf;
  for (const char *s = fmt; *s; s++) {
    if (*s == '@') {
      memcpy(o, x->p, pl);
      o += pl;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
  const char *kept = ffirt__gen_fmt(&x->g.names, "%s", buf);
  free(buf);
  return kept;
}

/* vsnprintf into the name pool. */
static const char *vformat(glue *x, const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  char *buf = n < 0 ? NULL : malloc((size_t)n + 1);
  if (!buf) {
    va_end(again);
    x->g.names.oom = 1;
    return "";
  }
  vsnprintf(buf, (size_t)n + 1, fmt, again);
  va_end(again);
  const char *kept = ffirt__gen_fmt(&x->g.names, "%s", buf);
  free(buf);
  return kept;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static const char *
glue_fmt(glue *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *s = vformat(x, expand(x, fmt), ap);
  va_end(ap);
  return s;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
glue_line(glue *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *s = vformat(x, expand(x, fmt), ap);
  va_end(ap);
  ffirt__gen_w_line(x->w, "%s", s);
}

/* '@' in a format string stands for the <lib>__ffi_ prefix (expand). */
#define L(...) glue_line(x, __VA_ARGS__)
#define B() ffirt__gen_w_blank(x->w)
#define IN() ffirt__gen_w_indent(x->w)
#define OUT() ffirt__gen_w_dedent(x->w)
#define F(...) glue_fmt(x, __VA_ARGS__)

/* ----------------------------------------------------------- author side */

static const char *impl_params(glue *x, const ffirt__gen_proc *p) {
  const char *s = "ffirt_call *call";
  if (p->kind == GEN_METHOD) s = F("%s, %s *self", s, x->state);
  for (size_t i = 0; i < p->nparams; i++)
    s = F("%s, %s", s, ffirt__gen_c_borrowed(&x->g, p->params[i].type, p->params[i].name));
  return s;
}

static const char *ok_params(glue *x, const ffirt__gen_proc *p) {
  if (p->kind == GEN_CTOR) return F("ffirt_call *call, %s *state", x->state);
  if (!p->result) return "ffirt_call *call";
  return F("ffirt_call *call, %s", ffirt__gen_c_borrowed(&x->g, p->result, "result"));
}

static const char *emit_params(glue *x, const ffirt__gen_event *ev) {
  if (ev->nparams > 1) {
    const char *s = "ffirt_ctx *ctx";
    for (size_t i = 0; i < ev->nparams; i++)
      s = F("%s, %s", s, ffirt__gen_c_borrowed(&x->g, ev->params[i].type, ev->params[i].name));
    return s;
  }
  return F("ffirt_ctx *ctx, %s", ffirt__gen_c_borrowed(&x->g, ev->payload, "evt"));
}

static void author_header(glue *x) {
  const ffirt__gen_model *m = x->g.m;
  const char *lib = x->g.lib;
  const char *file = F("%s_ffi.h", lib);
  const char *guard = F("%s_FFI_H", ffirt__gen_upper(&x->g.names, lib));
  ffirt__gen_c_banner(&x->g, x->w, file, "the library author's side (docs/idl.md).");
  L("#ifndef %s", guard);
  L("#define %s", guard);
  B();
  L("#include <ffirt/ffirt.h>");
  B();
  L("#include \"%s.h\"", lib);
  B();
  L("#ifdef __cplusplus");
  L("extern \"C\" {");
  L("#endif");
  if (m->state) {
    B();
    ffirt__gen_c_doc(x->w, &m->state_doc, NULL, 0);
    L("typedef struct %s %s;", m->state, m->state);
  }
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    B();
    if (p->kind == GEN_DTOR) {
      static const char *const d[] = {
          "Destructor: runs on the worker thread during teardown, after a successful",
          "constructor; frees state."};
      ffirt__gen_c_doc(x->w, &p->doc, d, 2);
      L("void %s_%s_impl(ffirt_ctx *ctx, %s *state);", lib, p->name, x->state);
      continue;
    }
    static const char *const impl_doc[] = {
        "Runs on the worker thread; finish the call exactly once with the _ok",
        "function below or ffirt_call_err(). Arguments are borrowed until then."};
    ffirt__gen_c_doc(x->w, &p->doc, impl_doc, 2);
    L("void %s_%s_impl(%s);", lib, p->name, impl_params(x, p));
    if (p->kind == GEN_CTOR)
      L("/** Finishes the constructor with success: the context owns state from now on. */");
    else if (p->result && p->result->kind != GEN_STRING && p->result->kind != GEN_BYTES &&
             ffirt__gen_c_named(&x->g, p->result) && p->result->kind != GEN_ENUM)
      L("/** Finishes with success; result is borrowed (used before this returns). */");
    else
      L("/** Finishes with success. Worker thread. */");
    L("void %s_%s_ok(%s);", lib, p->name, ok_params(x, p));
    L("/** A later step of %s: the arguments of %s_%s_impl, still borrowed. */", p->name, lib,
      p->name);
    L("typedef void (*%s_%s_fn)(%s);", lib, p->name, impl_params(x, p));
    L("/**");
    L(" * Runs fn with the call's arguments on the worker at least ms milliseconds");
    L(" * from now (ffirt_call_after): no timer to keep, cancelled when the call is");
    L(" * finished or the context destroyed first. Returns 0, or an FFIRT_E* code");
    L(" * (the call is then answered RET_ERR when it can be). Worker thread.");
    L(" */");
    L("int %s_%s_after(ffirt_call *call, uint64_t ms, %s_%s_fn fn);", lib, p->name, lib, p->name);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    if (!ev->payload) continue;
    static const char *const d[] = {
        "Emits the event (copied; the arguments stay the caller's). Returns 0 or an",
        "FFIRT_E* code (FFIRT_EFULL when dropped). Worker thread or any library",
        "thread while the context lives."};
    B();
    ffirt__gen_c_doc(x->w, &ev->doc, d, 3);
    L("int %s_emit_%s(%s);", lib, ev->wire, emit_params(x, ev));
  }
  B();
  L("#ifdef __cplusplus");
  L("}");
  L("#endif");
  B();
  L("#endif /* %s */", guard);
}

/* ------------------------------------------------------------ helpers */

typedef struct helper {
  const char *name; /* "name(" in the code means it is used */
  const char *code;
} helper;

/* In dependency order: a helper may use only helpers listed before it. */
static const helper glue_helpers[] = {
    {"gen_err",
     "/* An error under construction: the path grows leftwards while the error\n"
     " * travels out of nested values (\".messages[2].delayMs\"), msg is the reason. */\n"
     "typedef struct @gen_err {\n"
     "  int code; /* FFIRT_E* */\n"
     "  int truncated;\n"
     "  int depth; /* of recursive structs, while copying or checking */\n"
     "  size_t start; /* the path is path[start..] */\n"
     "  char path[192];\n"
     "  char msg[128];\n"
     "} @gen_err;\n"},
    {"err_init", "static void @err_init(@gen_err *err) {\n"
                 "  err->code = 0;\n"
                 "  err->truncated = 0;\n"
                 "  err->depth = 0;\n"
                 "  err->start = sizeof err->path - 1;\n"
                 "  err->path[err->start] = '\\0';\n"
                 "  err->msg[0] = '\\0';\n"
                 "}\n"},
    {"err_prepend", "static void @err_prepend(@gen_err *err, const char *s, size_t n) {\n"
                    "  if (n > err->start) {\n"
                    "    err->truncated = 1;\n"
                    "    return;\n"
                    "  }\n"
                    "  err->start -= n;\n"
                    "  memcpy(err->path + err->start, s, n);\n"
                    "}\n"},
    {"err_at", "static int @err_at(@gen_err *err, const char *name) {\n"
               "  @err_prepend(err, name, strlen(name));\n"
               "  @err_prepend(err, \".\", 1);\n"
               "  return -1;\n"
               "}\n"},
    {"err_at_index", "static int @err_at_index(@gen_err *err, const char *name, size_t i) {\n"
                     "  char buf[32];\n"
                     "  int n = snprintf(buf, sizeof buf, \"[%zu]\", i);\n"
                     "  @err_prepend(err, buf, (size_t)n);\n"
                     "  return name ? @err_at(err, name) : -1;\n"
                     "}\n"},
    {"err_enum",
     "static int @err_enum(@gen_err *err, const char *name, const char *type, long long v) {\n"
     "  err->code = FFIRT_ERANGE;\n"
     "  snprintf(err->msg, sizeof err->msg, \"invalid %s value %lld\", type, v);\n"
     "  return name ? @err_at(err, name) : -1;\n"
     "}\n"},
    {"err_null", "static int @err_null(@gen_err *err, const char *name, size_t len) {\n"
                 "  err->code = FFIRT_EINVAL;\n"
                 "  snprintf(err->msg, sizeof err->msg, \"NULL pointer with length %zu\", len);\n"
                 "  return name ? @err_at(err, name) : -1;\n"
                 "}\n"},
    {"err_nomem", "static int @err_nomem(@gen_err *err) {\n"
                  "  err->code = FFIRT_ENOMEM;\n"
                  "  snprintf(err->msg, sizeof err->msg, \"out of memory\");\n"
                  "  return -1;\n"
                  "}\n"},
    {"err_depth", "static int @err_depth(@gen_err *err) {\n"
                  "  err->code = FFIRT_EDEPTH;\n"
                  "  snprintf(err->msg, sizeof err->msg, \"nesting deeper than %d\", "
                  "FFIRT_CBOR_DEFAULT_MAX_DEPTH);\n"
                  "  return -1;\n"
                  "}\n"},
    {"copy_text",
     "/* The native copy of a text: NULL reads as \"\", anything else must be UTF-8. */\n"
     "static int @copy_text(const char **dst, const char *src, @gen_err *err) {\n"
     "  if (!(*dst = ffirt_strdup(src))) return @err_nomem(err);\n"
     "  if (ffirt_utf8_valid((const uint8_t *)*dst, strlen(*dst))) return 0;\n"
     "  err->code = FFIRT_EMALFORMED;\n"
     "  snprintf(err->msg, sizeof err->msg, \"text is not valid UTF-8\");\n"
     "  return -1;\n"
     "}\n"},
    {"err_text",
     "/* \"<path>: <reason>\"; root names the whole value when the path is empty. */\n"
     "static size_t @err_text(const @gen_err *err, const char *root, char *buf, size_t size) {\n"
     "  const char *path = err->path + err->start;\n"
     "  if (*path == '.') path++;\n"
     "  int n =\n"
     "      snprintf(buf, size, \"%s%s: %s\", err->truncated ? \"...\" : \"\", *path ? path : "
     "root, err->msg);\n"
     "  return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;\n"
     "}\n"},
    {"reject", "/* An entry error: cb(RET_ERR) on the caller's thread. */\n"
               "static int @reject(FFICallBack cb, void *ud, const @gen_err *err) {\n"
               "  char text[384];\n"
               "  size_t n = @err_text(err, \"request\", text, sizeof text);\n"
               "  cb(RET_ERR, text, n, ud);\n"
               "  return RET_ERR;\n"
               "}\n"},
    {"reject_text", "static int @reject_text(FFICallBack cb, void *ud, const char *text) {\n"
                    "  cb(RET_ERR, text, strlen(text), ud);\n"
                    "  return RET_ERR;\n"
                    "}\n"},
    {"reject_length",
     "/* A request no buffer can hold (a length near SIZE_MAX, e.g. -1 from a\n"
     " * binding): refused before its size is computed or a byte is read. */\n"
     "static int @reject_length(FFICallBack cb, void *ud, size_t len) {\n"
     "  char text[96];\n"
     "  int n = snprintf(text, sizeof text, \"request: length %zu is larger than any buffer\", "
     "len);\n"
     "  cb(RET_ERR, text, (size_t)n, ud);\n"
     "  return RET_ERR;\n"
     "}\n"},
    {"fail_result", "static void @fail_result(ffirt_call *call, const @gen_err *err) {\n"
                    "  char text[384];\n"
                    "  size_t n = @err_text(err, \"result\", text, sizeof text);\n"
                    "  ffirt_call_err_text(call, text, n);\n"
                    "}\n"},
    {"fail_call", "static void @fail_call(ffirt_call *call, const @gen_err *err) {\n"
                  "  char text[384];\n"
                  "  size_t n = @err_text(err, \"request\", text, sizeof text);\n"
                  "  ffirt_call_err_text(call, text, n);\n"
                  "}\n"},
    {"gen_dec", "typedef struct @gen_dec {\n"
                "  ffirt_cbor_dec d;\n"
                "  @gen_err err;\n"
                "  char key[64]; /* an indefinite-length key or enumerator, copied */\n"
                "} @gen_dec;\n"},
    {"dec_init", "/* Starts decoding a request; a NULL request with a length is an error. */\n"
                 "static int @dec_init(@gen_dec *c, const uint8_t *req, size_t len) {\n"
                 "  @err_init(&c->err);\n"
                 "  ffirt_cbor_dec_init(&c->d, req ? req : (const uint8_t *)\"\", req ? len : 0);\n"
                 "  if (!req && len) return @err_null(&c->err, NULL, len);\n"
                 "  return 0;\n"
                 "}\n"},
    {"dec_fail",
     "static int @dec_fail(@gen_dec *c, int rc, const char *reason) {\n"
     "  c->err.code = rc;\n"
     "  if (rc == FFIRT_EMALFORMED || rc == FFIRT_EDEPTH) {\n"
     "    char where[128];\n"
     "    snprintf(c->err.msg, sizeof c->err.msg, \"malformed CBOR (%s)\",\n"
     "             ffirt_cbor_dec_error(&c->d, where, sizeof where));\n"
     "  } else {\n"
     "    snprintf(c->err.msg, sizeof c->err.msg, \"%s\", reason ? reason : ffirt_strerror(rc));\n"
     "  }\n"
     "  return -1;\n"
     "}\n"},
    {"dec_finish", "/* Ends a request: it must be exactly one item. Releases the decoder. */\n"
                   "static int @dec_finish(@gen_dec *c, int rc) {\n"
                   "  if (rc == 0 && c->d.pos != c->d.len)\n"
                   "    rc = @dec_fail(c, FFIRT_ETYPE, \"trailing bytes after the value\");\n"
                   "  ffirt_cbor_dec_release(&c->d);\n"
                   "  return rc;\n"
                   "}\n"},
    {"dec_map", "static int @dec_map(@gen_dec *c) {\n"
                "  size_t n;\n"
                "  const char *reason = NULL;\n"
                "  int rc = ffirt_cbor_read_map(&c->d, &n, &reason);\n"
                "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                "}\n"},
    {"dec_array", "static int @dec_array(@gen_dec *c) {\n"
                  "  size_t n;\n"
                  "  const char *reason = NULL;\n"
                  "  int rc = ffirt_cbor_read_array(&c->d, &n, &reason);\n"
                  "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                  "}\n"},
    {"dec_more", "static int @dec_more(@gen_dec *c) { return !ffirt_cbor_dec_at_end(&c->d); }\n"},
    {"dec_leave", "static int @dec_leave(@gen_dec *c) {\n"
                  "  int rc = ffirt_cbor_dec_leave(&c->d);\n"
                  "  return rc ? @dec_fail(c, rc, NULL) : 0;\n"
                  "}\n"},
    {"dec_textref",
     "/* A text without copying it (map keys, enumerators). */\n"
     "static int @dec_textref(@gen_dec *c, const char **s, size_t *n) {\n"
     "  ffirt_cbor_item it;\n"
     "  int rc;\n"
     "  do {\n"
     "    rc = ffirt_cbor_dec_next(&c->d, &it);\n"
     "  } while (rc == 0 && it.type == FFIRT_CBOR_TAG);\n"
     "  if (rc == FFIRT_ENOTFOUND) return @dec_fail(c, FFIRT_ETYPE, \"expected text string\");\n"
     "  if (rc) return @dec_fail(c, rc, NULL);\n"
     "  if (it.type != FFIRT_CBOR_TEXT) return @dec_fail(c, FFIRT_ETYPE, \"expected text "
     "string\");\n"
     "  if (!it.indefinite) {\n"
     "    *s = (const char *)it.ptr;\n"
     "  } else if (it.len < sizeof c->key) {\n"
     "    ffirt_cbor_item_copy_string(&it, c->key);\n"
     "    *s = c->key;\n"
     "  } else {\n"
     "    return @dec_fail(c, FFIRT_ETYPE, \"unknown text (too long)\");\n"
     "  }\n"
     "  *n = it.len;\n"
     "  return 0;\n"
     "}\n"},
    {"dec_int", "static int @dec_int(@gen_dec *c, int64_t min, int64_t max, int64_t *out) {\n"
                "  const char *reason = NULL;\n"
                "  int rc = ffirt_cbor_read_int(&c->d, min, max, out, &reason);\n"
                "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                "}\n"},
    {"dec_uint", "static int @dec_uint(@gen_dec *c, uint64_t max, uint64_t *out) {\n"
                 "  const char *reason = NULL;\n"
                 "  int rc = ffirt_cbor_read_uint(&c->d, max, out, &reason);\n"
                 "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                 "}\n"},
    {"dec_f64", "static int @dec_f64(@gen_dec *c, double *out) {\n"
                "  const char *reason = NULL;\n"
                "  int rc = ffirt_cbor_read_float(&c->d, out, &reason);\n"
                "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                "}\n"},
    {"dec_f32", "/* Finite values beyond FLT_MAX do not fit; infinities and NaN do. */\n"
                "static int @dec_f32(@gen_dec *c, float *out) {\n"
                "  double v;\n"
                "  if (@dec_f64(c, &v)) return -1;\n"
                "  if ((v > FLT_MAX && v <= DBL_MAX) || (v < -FLT_MAX && v >= -DBL_MAX))\n"
                "    return @dec_fail(c, FFIRT_ERANGE, \"value out of range\");\n"
                "  *out = (float)v;\n"
                "  return 0;\n"
                "}\n"},
    {"dec_bool", "static int @dec_bool(@gen_dec *c, int *out) {\n"
                 "  const char *reason = NULL;\n"
                 "  int rc = ffirt_cbor_read_bool(&c->d, out, &reason);\n"
                 "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                 "}\n"},
    {"dec_text", "/* The native form is NUL-terminated: a NUL inside the text cannot pass. */\n"
                 "static int @dec_text(@gen_dec *c, const char **out) {\n"
                 "  char *s;\n"
                 "  size_t n;\n"
                 "  const char *reason = NULL;\n"
                 "  int rc = ffirt_cbor_read_text(&c->d, &s, &n, &reason);\n"
                 "  if (rc) return @dec_fail(c, rc, reason);\n"
                 "  if (memchr(s, '\\0', n)) {\n"
                 "    ffirt_free(s);\n"
                 "    return @dec_fail(c, FFIRT_ETYPE, \"text contains a NUL character\");\n"
                 "  }\n"
                 "  *out = s;\n"
                 "  return 0;\n"
                 "}\n"},
    {"dec_bytes", "static int @dec_bytes(@gen_dec *c, uint8_t **out, size_t *len) {\n"
                  "  const char *reason = NULL;\n"
                  "  int rc = ffirt_cbor_read_bytes(&c->d, out, len, &reason);\n"
                  "  return rc ? @dec_fail(c, rc, reason) : 0;\n"
                  "}\n"},
    {"dec_null", "/* 1: null or undefined (consumed), 0: something else, -1: error. */\n"
                 "static int @dec_null(@gen_dec *c) {\n"
                 "  int rc = ffirt_cbor_read_null(&c->d);\n"
                 "  return rc < 0 ? @dec_fail(c, rc, NULL) : rc;\n"
                 "}\n"},
    {"dec_grow", "/* Doubles a decoded array (new elements zeroed). Each element uses at least\n"
                 " * one input byte, so the size stays bounded by the input. */\n"
                 "static void *@dec_grow(@gen_dec *c, void *items, size_t *cap, size_t size) {\n"
                 "  size_t ncap = *cap ? *cap * 2 : 4;\n"
                 "  void *p = ncap <= SIZE_MAX / size ? ffirt_realloc(items, ncap * size) : NULL;\n"
                 "  if (!p) {\n"
                 "    @dec_fail(c, FFIRT_ENOMEM, \"out of memory\");\n"
                 "    return NULL;\n"
                 "  }\n"
                 "  memset((char *)p + *cap * size, 0, (ncap - *cap) * size);\n"
                 "  *cap = ncap;\n"
                 "  return p;\n"
                 "}\n"},
    {"dec_dup", "static int @dec_dup(@gen_dec *c, const char *name) {\n"
                "  @dec_fail(c, FFIRT_ETYPE, \"duplicate key\");\n"
                "  return @err_at(&c->err, name);\n"
                "}\n"},
    {"dec_missing", "static int @dec_missing(@gen_dec *c, const char *name) {\n"
                    "  @dec_fail(c, FFIRT_ETYPE, \"missing required key\");\n"
                    "  return @err_at(&c->err, name);\n"
                    "}\n"},
    {"utf8_cut", "/* The length of s[0..n) cut to at most max bytes, never inside a character\n"
                 " * (error texts quote input and must stay valid UTF-8). */\n"
                 "static int @utf8_cut(const char *s, size_t n, size_t max) {\n"
                 "  if (n <= max) return (int)n;\n"
                 "  while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)\n"
                 "    max--;\n"
                 "  return (int)max;\n"
                 "}\n"},
    {"dec_unknown", "static int @dec_unknown(@gen_dec *c, const char *key, size_t n) {\n"
                    "  c->err.code = FFIRT_ETYPE;\n"
                    "  snprintf(c->err.msg, sizeof c->err.msg, \"unknown key \\\"%.*s\\\"\", "
                    "@utf8_cut(key, n, 64), key);\n"
                    "  return -1;\n"
                    "}\n"},
    {"dec_bad_enum", "static int @dec_bad_enum(@gen_dec *c, const char *text, size_t n) {\n"
                     "  c->err.code = FFIRT_ETYPE;\n"
                     "  snprintf(c->err.msg, sizeof c->err.msg, \"unknown enumerator "
                     "\\\"%.*s\\\"\", @utf8_cut(text, n, 64),\n"
                     "           text);\n"
                     "  return -1;\n"
                     "}\n"},
    {"enc_invalid", "/* A native enum value without an enumerator cannot be encoded. */\n"
                    "static int @enc_invalid(ffirt_cbor_enc *e) {\n"
                    "  if (!e->err) e->err = FFIRT_ERANGE;\n"
                    "  return e->err;\n"
                    "}\n"},
    {"enc_too_deep", "/* A recursive value nested deeper than the limit (or a cycle). */\n"
                     "static int @enc_too_deep(ffirt_cbor_enc *e) {\n"
                     "  if (!e->err) e->err = FFIRT_EDEPTH;\n"
                     "  return e->err;\n"
                     "}\n"},
    {"reply_encoded",
     "/* Finishes a _cbor call with the encoded result (or the encoding error). */\n"
     "static void @reply_encoded(ffirt_call *call, ffirt_cbor_enc *e) {\n"
     "  int rc = ffirt_cbor_enc_finish(e);\n"
     "  if (rc == FFIRT_EMALFORMED)\n"
     "    ffirt_call_err(call, \"cannot encode the result: a text in it is not valid UTF-8\");\n"
     "  else if (rc == FFIRT_EDEPTH)\n"
     "    ffirt_call_err(call, \"cannot encode the result: nesting deeper than %d\", "
     "FFIRT_CBOR_DEFAULT_MAX_DEPTH);\n"
     "  else if (rc)\n"
     "    ffirt_call_err(call, \"cannot encode the result: %s\", ffirt_strerror(rc));\n"
     "  else\n"
     "    ffirt_call_ok(call, e->buf, e->len);\n"
     "  ffirt_cbor_enc_release(e);\n"
     "}\n"},
    {"typed_listener",
     "/* A typed listener's function and user data (freed when it is removed). */\n"
     "typedef struct @typed_listener {\n"
     "  void (*fn)(void);\n"
     "  void *ud;\n"
     "} @typed_listener;\n"},
    {"add_typed", "static uint64_t @add_typed(void *ctx, const char *name, FFICallBack deliver, "
                  "void (*fn)(void),\n"
                  "                          void *ud) {\n"
                  "  if (!fn) return 0;\n"
                  "  @typed_listener *l = (@typed_listener *)ffirt_malloc(sizeof *l);\n"
                  "  if (!l) return 0;\n"
                  "  l->fn = fn;\n"
                  "  l->ud = ud;\n"
                  "  uint64_t id =\n"
                  "      ffirt_ctx_add_listener(&@library, ctx, name, FFIRT_LISTENER_NATIVE, "
                  "deliver, l, ffirt_free);\n"
                  "  if (!id) ffirt_free(l);\n"
                  "  return id;\n"
                  "}\n"},
};

static int uses(const char *code, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(code, name); p; p = strstr(p + 1, name)) {
    int starts = p == code || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                                (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9'));
    char after = p[n];
    if (starts && (after == '(' || after == ' ' || after == ')' || after == ';' || after == ','))
      return 1;
  }
  return 0;
}

/* Writes the helpers the body (and the helpers it pulls in) use, with their
 * names prefixed ('@'). */
static void write_helpers(glue *x, const helper *hs, size_t n, const char *body) {
  unsigned char used[64] = {0};
  const char *names[64], *codes[64];
  for (size_t i = 0; i < n; i++) {
    names[i] = F("@%s", hs[i].name);
    codes[i] = expand(x, hs[i].code);
  }
  for (size_t i = n; i-- > 0;) {
    if (uses(body, names[i])) used[i] = 1;
    for (size_t j = i + 1; j < n && !used[i]; j++)
      if (used[j] && uses(codes[j], names[i])) used[i] = 1;
  }
  for (size_t i = 0; i < n; i++) {
    if (!used[i]) continue;
    B();
    ffirt__gen_w_printf(x->w, "%s", codes[i]);
  }
}

/* ------------------------------------------------------- per procedure */

/* The arguments own no memory (free is ffirt_free). */
static int args_flat(glue *x, const ffirt__gen_proc *p) {
  gen_nt *nt = ffirt__gen_c_args(&x->g, p);
  return !nt || !nt->has_ptr;
}

/* The native copy of the arguments is an assignment (nothing to check). */
static int args_plain(glue *x, const ffirt__gen_proc *p) {
  gen_nt *nt = ffirt__gen_c_args(&x->g, p);
  return !nt || (!nt->has_ptr && !nt->has_enum);
}

/* The compound literal building p's argument struct from the export's
 * parameters (shallow: the copy that follows is deep). */
static const char *args_literal(glue *x, const ffirt__gen_proc *p) {
  const char *s = "";
  for (size_t i = 0; i < p->nparams; i++) {
    const ffirt__gen_type *t = p->params[i].type;
    const char *n = p->params[i].name;
    const char *v;
    switch (t->kind) {
    case GEN_BYTES: v = F(".%s = (uint8_t *)%s, .%s_len = %s_len", n, n, n, n); break;
    case GEN_SEQ:
      v = F(".%s = {(%s)%s, %s_len}", n,
            ffirt__gen_fmt(&x->g.names, "%s%s",
                           ffirt__gen_value_ctype(&x->g.names, x->g.lib, t->elem),
                           t->elem->kind == GEN_STRING ? "*" : " *"),
            n, n);
      break;
    case GEN_OPTIONAL:
      if (t->elem->kind == GEN_BYTES)
        v = F(".%s = {%s_present, (uint8_t *)%s, %s_len}", n, n, n, n);
      else
        v = F(".%s = {%s_present, %s}", n, n, n);
      break;
    default: v = F(".%s = %s", n, n);
    }
    s = i ? F("%s, %s", s, v) : v;
  }
  return s;
}

static const char *impl_args(glue *x, const ffirt__gen_proc *p, const char *a) {
  const char *s = "call";
  if (p->kind == GEN_METHOD) s = F("%s, (%s *)ffirt_call_state(call)", s, x->state);
  for (size_t i = 0; i < p->nparams; i++)
    s = F("%s, %s", s,
          ffirt__gen_c_borrowed_arg(&x->g, p->params[i].type, F("%s->%s", a, p->params[i].name)));
  return s;
}

static void ok_function(glue *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib;
  B();
  L("void %s_%s_ok(%s) {", lib, p->name, ok_params(x, p));
  IN();
  const ffirt__gen_type *t = p->result;
  if (p->kind == GEN_CTOR) {
    L("ffirt_call_ctor_ok(call, state);");
  } else if (!t) {
    L("if (ffirt_call_is_cbor(call))");
    IN();
    L("ffirt_call_ok(call, \"\\xf6\", 1);");
    OUT();
    L("else");
    IN();
    L("ffirt_call_ok(call, \"\", 0);");
    OUT();
  } else {
    gen_nt *nt = t->kind == GEN_ENUM ? NULL : ffirt__gen_c_named(&x->g, t);
    if (nt) {
      L("if (!result) {");
      IN();
      L("ffirt_call_err(call, \"%s: the handler replied with a NULL result\");", p->name);
      L("return;");
      OUT();
      L("}");
    }
    L("if (!ffirt_call_is_cbor(call)) {");
    IN();
    /* a native result is delivered as the handler built it, but never with
     * an enum value that has no enumerator (docs/generated-code.md) */
    if (t->kind == GEN_ENUM) {
      L("if (!@valid_%s(result)) {", t->name);
      IN();
      L("ffirt_call_err(call, \"result: invalid %s value %%lld\", (long long)result);", t->name);
      L("return;");
      OUT();
      L("}");
    } else if (nt && nt->has_enum) {
      L("@gen_err err;");
      L("@err_init(&err);");
      L("if (@check_%s(result, &err)) {", nt->stem);
      IN();
      L("@fail_result(call, &err);");
      L("return;");
      OUT();
      L("}");
    }
    switch (t->kind) {
    case GEN_STRING:
      L("ffirt_call_ok(call, result ? result : \"\", result ? strlen(result) : 0);");
      break;
    case GEN_BYTES:
      L("ffirt_call_ok(call, result_len ? (const void *)result : \"\", result_len);");
      break;
    case GEN_BOOL:
      L("int value = result != 0;");
      L("ffirt_call_ok(call, &value, sizeof value);");
      break;
    default:
      if (nt)
        L("ffirt_call_ok(call, result, sizeof *result);");
      else
        L("ffirt_call_ok(call, &result, sizeof result);");
    }
    L("return;");
    OUT();
    L("}");
    L("uint8_t buf[256];");
    L("ffirt_cbor_enc enc, *e = &enc;");
    L("ffirt_cbor_enc_init(e, buf, sizeof buf);");
    const char *stmt = nt ? F("@encode_%s(e, result);", nt->stem) : NULL;
    if (stmt)
      L("%s", stmt);
    else
      ffirt__gen_c_enc_value(&x->g, x->w, &x->fl, t, 0, "result");
    L("if (ffirt_cbor_enc_finish(e) == FFIRT_ENOSPC) {");
    IN();
    L("size_t need = ffirt_cbor_enc_size(e);");
    L("ffirt_cbor_enc_init_dynamic(e);");
    L("(void)ffirt_cbor_enc_reserve(e, need); /* the final size at once: no doubling */");
    if (stmt)
      L("%s", stmt);
    else
      ffirt__gen_c_enc_value(&x->g, x->w, &x->fl, t, 0, "result");
    OUT();
    L("}");
    L("@reply_encoded(call, e);");
  }
  OUT();
  L("}");
}

/* The call of p's native export path with cb/ud (expressions). */
static const char *submit_with(glue *x, const ffirt__gen_proc *p, const char *cb, const char *ud) {
  const char *n = p->name;
  int st = p->kind == GEN_STATIC;
  if (p->nparams > 0)
    return F("@%s_submit(%s%s, %s, &(const @%s_args){%s})", n, st ? "" : "ctx, ", cb, ud, n,
             args_literal(x, p));
  if (st) return F("ffirt_static_submit(&@library, &@%s_native, NULL, %s, %s)", n, cb, ud);
  return F("ffirt_call_submit(&@library, ctx, &@%s_native, NULL, %s, %s)", n, cb, ud);
}

/* <lib>_<p>_typed, _wait and _result_free (declared in <lib>.h). */
static void typed_forms(glue *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib, *n = p->name;
  const ffirt__gen_type *t = p->result;
  int st = p->kind == GEN_STATIC;
  const char *ct = t ? ffirt__gen_value_ctype(&x->g.names, lib, t) : "";
  gen_nt *nt = t && t->kind != GEN_ENUM ? ffirt__gen_c_named(&x->g, t) : NULL;
  const char *fr = ffirt__gen_c_sig_result_free(&x->g, p);

  /* typed callback */
  B();
  L("typedef struct @%s_typed_ud {", n);
  IN();
  L("%s_%s_reply_cb cb;", lib, n);
  L("void *ud;");
  OUT();
  L("} @%s_typed_ud;", n);
  B();
  L("static void @%s_typed_reply(int ret, const char *msg, size_t len, void *ud) {", n);
  IN();
  L("@%s_typed_ud *t = (@%s_typed_ud *)ud;", n, n);
  L("if (ret == RET_STALE_WARN) return;");
  L("if (ret == RET_OK) {");
  IN();
  if (!t) {
    L("(void)msg;");
    L("(void)len;");
    L("t->cb(NULL, t->ud);");
  } else if (t->kind == GEN_STRING) {
    L("char *s = ffirt_strndup(msg, len);");
    L("if (s)");
    IN();
    L("t->cb(s, NULL, t->ud);");
    OUT();
    L("else");
    IN();
    L("t->cb(NULL, \"%s: out of memory copying the reply\", t->ud);", n);
    OUT();
    L("ffirt_free(s);");
  } else if (t->kind == GEN_BYTES) {
    L("t->cb((const uint8_t *)msg, len, NULL, t->ud);");
  } else {
    L("(void)len;");
    L("t->cb((const %s *)(const void *)msg, NULL, t->ud);", ct);
  }
  OUT();
  L("} else {");
  IN();
  L("char *e = ffirt_strndup(msg, len);");
  const char *none = !t ? "" : t->kind == GEN_BYTES ? "NULL, 0, " : "NULL, ";
  L("t->cb(%se ? e : \"%s: out of memory copying the error text\", t->ud);", none, n);
  L("ffirt_free(e);");
  OUT();
  L("}");
  L("ffirt_free(t);");
  OUT();
  L("}");
  B();
  L("%s {", ffirt__gen_c_sig_typed(&x->g, p));
  IN();
  L("if (!cb) return RET_MISSING_CALLBACK;");
  L("@%s_typed_ud *t = (@%s_typed_ud *)ffirt_malloc(sizeof *t);", n, n);
  L("if (!t) {");
  IN();
  L("cb(%s\"%s: out of memory\", ud);", none, n);
  L("return RET_ERR;");
  OUT();
  L("}");
  L("t->cb = cb;");
  L("t->ud = ud;");
  L("return %s;", submit_with(x, p, F("@%s_typed_reply", n), "t"));
  OUT();
  L("}");

  /* blocking */
  B();
  L("static int @%s_wait_submit(void *ctx, FFICallBack cb, void *cb_ud, void *in) {", n);
  IN();
  if (st) L("(void)ctx;");
  if (p->nparams > 0) {
    L("return @%s_submit(%scb, cb_ud, (const @%s_args *)in);", n, st ? "" : "ctx, ", n);
  } else {
    L("(void)in;");
    L("return %s;", submit_with(x, p, "cb", "cb_ud"));
  }
  OUT();
  L("}");
  const char *take = "NULL";
  if (t) {
    take = F("@%s_take", n);
    if (t->kind == GEN_BYTES) {
      B();
      L("typedef struct @%s_bytes_out {", n);
      IN();
      L("uint8_t **out;");
      L("size_t *out_len;");
      OUT();
      L("} @%s_bytes_out;", n);
    }
    B();
    L("static int @%s_take(const char *msg, size_t len, void *dst) {", n);
    IN();
    if (t->kind == GEN_STRING) {
      L("char *s = ffirt_strndup(msg, len);");
      L("if (!s) return FFIRT_ENOMEM;");
      L("*(char **)dst = s;");
      L("return 0;");
    } else if (t->kind == GEN_BYTES) {
      L("@%s_bytes_out *d = (@%s_bytes_out *)dst;", n, n);
      L("uint8_t *b = (uint8_t *)ffirt_malloc(len ? len : 1);");
      L("if (!b) return FFIRT_ENOMEM;");
      L("if (len) memcpy(b, msg, len);");
      L("*d->out = b;");
      L("*d->out_len = len;");
      L("return 0;");
    } else {
      L("if (len != sizeof(%s)) return FFIRT_ETYPE;", ct);
      if (nt && (nt->has_ptr || nt->has_enum)) {
        L("@gen_err err;");
        L("@err_init(&err);");
        L("if (@copy_%s((%s *)dst, (const %s *)(const void *)msg, &err) == 0) return 0;", nt->stem,
          ct, ct);
        if (nt->has_ptr) L("@free_%s((%s *)dst);", nt->stem, ct);
        L("return err.code;");
      } else {
        L("memcpy(dst, msg, sizeof(%s));", ct);
        L("return 0;");
      }
    }
    OUT();
    L("}");
  }
  B();
  L("%s {", ffirt__gen_c_sig_wait(&x->g, p));
  IN();
  const char *dst = "NULL";
  ffirt__gen_c_wait_out_check(&x->g, x->w, p);
  if (t) dst = t->kind == GEN_BYTES ? F("&(@%s_bytes_out){out, out_len}", n) : "out";
  L("return ffirt_call_wait_into(&@library, %s, \"%s\", timeoutMs, @%s_wait_submit, %s, %s, %s, "
    "errText, errSize);",
    st ? "NULL" : "ctx", n, n,
    p->nparams > 0 ? F("(void *)&(const @%s_args){%s}", n, args_literal(x, p)) : "NULL", take, dst);
  OUT();
  L("}");
  if (*fr) {
    B();
    L("%s {", fr);
    IN();
    L("if (!out) return;");
    if (t->kind == GEN_STRING || t->kind == GEN_BYTES) {
      L("ffirt_free(*out);");
      L("*out = NULL;");
    } else {
      L("@free_%s(out);", nt->stem);
      L("memset(out, 0, sizeof *out);");
    }
    OUT();
    L("}");
  }
}

static void procedure(glue *x, const ffirt__gen_proc *p) {
  const char *lib = x->g.lib;
  const char *n = p->name;
  gen_nt *args = ffirt__gen_c_args(&x->g, p);
  int flat = args_flat(x, p);
  int has_params = p->nparams > 0;
  const char *free_fn = flat ? "ffirt_free" : F("@%s_free", n);

  B();
  L("/* ---- %s */", n);
  ok_function(x, p);

  /* the request block of the _cbor exports (methods and statics) */
  if (p->kind != GEN_CTOR) {
    B();
    L("typedef struct @%s_request {", n);
    IN();
    L("/* first, so that @%s_run and @%s_free serve the blocks of both ABIs */", n, n);
    L("@%s_args args;", n);
    L("const uint8_t *data; /* bytes, or NULL: a NULL request is refused by the decoder */");
    L("size_t len;");
    L("uint8_t bytes[];");
    OUT();
    L("} @%s_request;", n);
  }
  if (!flat) {
    B();
    L("static void @%s_free(void *p) {", n);
    IN();
    L("@free_%s(p);", args->stem);
    L("ffirt_free(p);");
    OUT();
    L("}");
  }
  B();
  L("static void @%s_run(ffirt_call *call) {", n);
  IN();
  if (has_params) L("@%s_args *a = (@%s_args *)ffirt_call_args(call);", n, n);
  L("%s_%s_impl(%s);", lib, n, impl_args(x, p, "a"));
  OUT();
  L("}");
  B();
  L("static void @%s_due(ffirt_call *call, ffirt_fn fn) {", n);
  IN();
  if (has_params) L("@%s_args *a = (@%s_args *)ffirt_call_args(call);", n, n);
  L("((%s_%s_fn)fn)(%s);", lib, n, impl_args(x, p, "a"));
  OUT();
  L("}");
  B();
  L("int %s_%s_after(ffirt_call *call, uint64_t ms, %s_%s_fn fn) {", lib, n, lib, n);
  IN();
  L("return ffirt_call_after_fn(call, ms, @%s_due, (ffirt_fn)fn);", n);
  OUT();
  L("}");
  if (p->kind != GEN_CTOR) {
    B();
    L("static void @%s_run_cbor(ffirt_call *call) {", n);
    IN();
    L("@%s_request *r = (@%s_request *)ffirt_call_args(call);", n, n);
    L("@gen_dec c;");
    L("if (@dec_init(&c, r->data, r->len) || @dec_finish(&c, @decode_%s(&c, &r->args))) {",
      args->stem);
    IN();
    L("@fail_call(call, &c.err);");
    L("return;");
    OUT();
    L("}");
    L("@%s_run(call);", n);
    OUT();
    L("}");
  }
  B();
  /* without parameters the native call and the decoded constructor carry no
   * arguments at all */
  L("static const ffirt_call_desc @%s_native = {\"%s\", 0, @%s_run, %s};", n, n, n,
    has_params ? free_fn : "NULL");
  L("static const ffirt_call_desc @%s_cbor = {\"%s\", 1, @%s_run%s, %s};", n, n, n,
    p->kind == GEN_CTOR ? "" : "_cbor", p->kind == GEN_CTOR && !has_params ? "NULL" : free_fn);

  /* native export */
  const char *submit = p->kind == GEN_CTOR
                           ? F("ffirt_ctx_create(&@library, &@%s_native, args, cb, ud)", n)
                       : p->kind == GEN_STATIC
                           ? F("ffirt_static_submit(&@library, &@%s_native, args, cb, ud)", n)
                           : F("ffirt_call_submit(&@library, ctx, &@%s_native, args, cb, ud)", n);
  const char *ctx_param = p->kind == GEN_METHOD ? "void *ctx, " : "";
  if (has_params) {
    B();
    L("static %s@%s_submit(%sFFICallBack cb, void *ud, const @%s_args *in) {",
      p->kind == GEN_CTOR ? "void *" : "int ", n, ctx_param, n);
    IN();
    /* a method enters its context once: the handle is checked here and the
     * reference is used by the submit (or left before a rejection) */
    const char *leave = p->kind == GEN_METHOD ? "ffirt_ctx_leave(c);" : NULL;
    if (p->kind == GEN_METHOD) {
      /* abi.md 3.1: a bad handle is reported before any argument is read */
      L("ffirt_ctx *c;");
      L("int rc = ffirt_ctx_enter(&@library, ctx, cb, ud, &c);");
      L("if (rc != RET_OK) return rc;");
      submit = F("ffirt_call_submit_entered(c, &@%s_native, args, cb, ud)", n);
    } else {
      L("if (!cb) return %s;", p->kind == GEN_CTOR ? "NULL" : "RET_MISSING_CALLBACK");
    }
    L("@%s_args *args = (@%s_args *)ffirt_malloc(sizeof *args);", n, n);
    if (p->kind == GEN_CTOR) {
      L("if (!args) {");
      IN();
      L("@reject_text(cb, ud, \"out of memory\");");
      L("return NULL;");
      OUT();
      L("}");
    } else if (leave) {
      L("if (!args) {");
      IN();
      L("%s", leave);
      L("return @reject_text(cb, ud, \"out of memory\");");
      OUT();
      L("}");
    } else {
      L("if (!args) return @reject_text(cb, ud, \"out of memory\");");
    }
    if (args_plain(x, p)) {
      L("*args = *in;");
    } else {
      L("@gen_err err;");
      L("@err_init(&err);");
      L("if (@copy_%s(args, in, &err)) {", args->stem);
      IN();
      L("%s(args);", free_fn);
      if (leave) L("%s", leave);
      if (p->kind == GEN_CTOR) {
        L("@reject(cb, ud, &err);");
        L("return NULL;");
      } else {
        L("return @reject(cb, ud, &err);");
      }
      OUT();
      L("}");
    }
    L("return %s;", submit);
    OUT();
    L("}");
  }
  B();
  L("%s {", ffirt__gen_c_sig_native(&x->g, p));
  IN();
  if (has_params) {
    L("return @%s_submit(%scb, ud, &(const @%s_args){%s});", n,
      p->kind == GEN_METHOD ? "ctx, " : "", n, args_literal(x, p));
  } else {
    /* nothing to copy: no argument block */
    const char *no_args = strstr(submit, ", args, cb");
    L("return %.*s, NULL, cb%s;", (int)(no_args - submit), submit, no_args + strlen(", args, cb"));
  }
  OUT();
  L("}");

  /* _cbor export */
  B();
  L("%s {", ffirt__gen_c_sig_cbor(&x->g, p));
  IN();
  if (p->kind == GEN_CTOR && !has_params) {
    /* decoded only to check that the request is {} */
    L("if (!cb) return NULL;");
    L("@%s_args args = {0};", n);
    L("@gen_dec c;");
    L("if (@dec_init(&c, req, len) || @dec_finish(&c, @decode_%s(&c, &args))) {", args->stem);
    IN();
    L("@reject(cb, ud, &c.err);");
    L("return NULL;");
    OUT();
    L("}");
    L("return ffirt_ctx_create(&@library, &@%s_cbor, NULL, cb, ud);", n);
  } else if (p->kind == GEN_CTOR) {
    L("if (!cb) return NULL;");
    L("if (req && len > PTRDIFF_MAX) {");
    IN();
    L("@reject_length(cb, ud, len);");
    L("return NULL;");
    OUT();
    L("}");
    L("@%s_args *args = (@%s_args *)ffirt_calloc(1, sizeof *args);", n, n);
    L("if (!args) {");
    IN();
    L("@reject_text(cb, ud, \"out of memory\");");
    L("return NULL;");
    OUT();
    L("}");
    L("@gen_dec c;");
    L("if (@dec_init(&c, req, len) || @dec_finish(&c, @decode_%s(&c, args))) {", args->stem);
    IN();
    L("%s(args);", free_fn);
    L("@reject(cb, ud, &c.err);");
    L("return NULL;");
    OUT();
    L("}");
    L("return ffirt_ctx_create(&@library, &@%s_cbor, args, cb, ud);", n);
  } else {
    L("if (!cb) return RET_MISSING_CALLBACK;");
    if (p->kind == GEN_STATIC) {
      L("if (req && len > PTRDIFF_MAX) return @reject_length(cb, ud, len);");
    } else {
      /* rare: the handle is checked first, as for any malformed request */
      L("if (req && len > PTRDIFF_MAX) {");
      IN();
      L("int rc = ffirt_ctx_check(&@library, ctx, cb, ud);");
      L("return rc != RET_OK ? rc : @reject_length(cb, ud, len);");
      OUT();
      L("}");
    }
    L("@%s_request *r = (@%s_request *)ffirt_malloc(sizeof *r + (req ? len : 0));", n, n);
    L("if (!r) return @reject_text(cb, ud, \"out of memory\");");
    L("memset(&r->args, 0, sizeof r->args);");
    L("r->data = req ? r->bytes : NULL;");
    L("r->len = len;");
    L("if (req && len) memcpy(r->bytes, req, len);");
    if (p->kind == GEN_STATIC)
      L("return ffirt_static_submit(&@library, &@%s_cbor, r, cb, ud);", n);
    else
      L("return ffirt_call_submit(&@library, ctx, &@%s_cbor, r, cb, ud);", n);
  }
  OUT();
  L("}");
  if (p->kind == GEN_METHOD || p->kind == GEN_STATIC) typed_forms(x, p);
}

/* ------------------------------------------------------------- events */

static void event(glue *x, const ffirt__gen_event *ev) {
  const char *lib = x->g.lib;
  const char *w = ev->wire;
  const ffirt__gen_type *t = ev->payload;
  const char *ct = ffirt__gen_c_event_ctype(&x->g, ev);
  gen_nt *nt = t->kind == GEN_BYTES  ? ffirt__gen_c_box(&x->g, t)
               : t->kind == GEN_ENUM ? NULL
                                     : ffirt__gen_c_named(&x->g, t);
  int owns = nt ? nt->has_ptr : t->kind == GEN_STRING;
  int checks = nt && nt->has_enum; /* the copy validates enum values */
  size_t ctl = strlen(ct);
  const char *ptr = F(ctl && ct[ctl - 1] == '*' ? "%s*" : "%s *", ct);
  const char *cptr = F(ctl && ct[ctl - 1] == '*' ? "%sconst *" : "const %s *", ct);

  B();
  L("/* ---- event %s */", w);
  if (owns || checks) {
    B();
    L("static int @%s_copy(void *dst, const void *src) {", w);
    IN();
    if (nt) {
      L("@gen_err err;");
      L("@err_init(&err);");
      L("if (@copy_%s((%s)dst, (%s)src, &err) == 0) return 0;", nt->stem, ptr, cptr);
      if (owns) L("@free_%s((%s)dst);", nt->stem, ptr);
      L("return err.code;");
    } else {
      L("const char *s = ffirt_strdup(*(const char *const *)src);");
      L("*(const char **)dst = s;");
      L("return s ? 0 : FFIRT_ENOMEM;");
    }
    OUT();
    L("}");
  }
  if (owns) {
    B();
    if (nt)
      L("static void @%s_release(void *p) { @free_%s((%s)p); }", w, nt->stem, ptr);
    else
      L("static void @%s_release(void *p) { ffirt_free((void *)*(const char **)p); }", w);
  }
  B();
  L("static int @%s_encode(ffirt_cbor_enc *e, const void *payload) {", w);
  IN();
  if (nt) {
    L("return @encode_%s(e, (%s)payload);", nt->stem, cptr);
  } else {
    ffirt__gen_c_enc_value(&x->g, x->w, &x->fl, t, 0, F("*(%s)payload", cptr));
    L("return e->err;");
  }
  OUT();
  L("}");
  B();
  L("static const ffirt_event_type @%s_event = {\"%s\", sizeof(%s), %s, %s, @%s_encode};", w, w, ct,
    owns || checks ? F("@%s_copy", w) : "NULL", owns ? F("@%s_release", w) : "NULL", w);

  /* emitter */
  B();
  L("int %s_emit_%s(%s) {", lib, w, emit_params(x, ev));
  IN();
  if (ev->nparams > 1) {
    const char *init = "";
    for (size_t i = 0; i < ev->nparams; i++) {
      const ffirt__gen_type *pt = ev->params[i].type;
      const char *pn = ev->params[i].name;
      const char *v;
      switch (pt->kind) {
      case GEN_BYTES: v = F(".%s = (uint8_t *)%s, .%s_len = %s_len", pn, pn, pn, pn); break;
      case GEN_STRUCT: v = F(".%s = *%s", pn, pn); break;
      case GEN_SEQ: v = F(".%s = %s->items, .%s_len = %s->items_len", pn, pn, pn, pn); break;
      case GEN_OPTIONAL:
        v = F(".%s_present = %s->value_present, .%s = %s->value", pn, pn, pn, pn);
        if (pt->elem->kind == GEN_BYTES) v = F("%s, .%s_len = %s->value_len", v, pn, pn);
        break;
      default: v = F(".%s = %s", pn, pn);
      }
      if (pt->kind == GEN_STRUCT || pt->kind == GEN_SEQ || pt->kind == GEN_OPTIONAL)
        L("if (!%s) return FFIRT_EINVAL;", pn);
      init = i ? F("%s, %s", init, v) : v;
    }
    L("return ffirt_ctx_emit(ctx, &@%s_event, &(const %s){%s});", w, ct, init);
  } else if (t->kind == GEN_BYTES) {
    L("return ffirt_ctx_emit(ctx, &@%s_event, &(const %s){(uint8_t *)evt, evt_len});", w, ct);
  } else if (t->kind == GEN_STRUCT || t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) {
    L("return ffirt_ctx_emit(ctx, &@%s_event, evt);", w);
  } else {
    L("return ffirt_ctx_emit(ctx, &@%s_event, &evt);", w);
  }
  OUT();
  L("}");

  /* typed listener */
  B();
  L("static void @%s_deliver(int ret, const char *msg, size_t len, void *ud) {", w);
  IN();
  L("const @typed_listener *l = (const @typed_listener *)ud;");
  L("(void)ret;");
  L("(void)len;");
  L("((void (*)(%s, void *))l->fn)((%s)(const void *)msg, l->ud);", cptr, cptr);
  OUT();
  L("}");
  B();
  L("uint64_t %s_add_%s_listener(void *ctx, void (*fn)(%sevt, void *ud), void *ud) {", lib, w,
    cptr);
  IN();
  L("return @add_typed(ctx, \"%s\", @%s_deliver, (void (*)(void))fn, ud);", w, w);
  OUT();
  L("}");
}

static void listeners(glue *x) {
  const ffirt__gen_model *m = x->g.m;
  const char *lib = x->g.lib;
  B();
  L("/* ---- listeners */");
  B();
  L("/* A name this library can deliver: one of its events, a built-in one, or");
  L(" * NULL / \"\" (the wildcard). Anything else would never fire: refused, and");
  L(" * the reason logged. */");
  L("static int @known_event(const char *name) {");
  IN();
  L("static const char *const names[] = {");
  IN();
  for (size_t i = 0; i < m->nevents; i++)
    L("%s,", ffirt__gen_c_string(&x->g.names, m->events[i].wire));
  L("\"not_responding\", \"responding\", \"dropped_events\"};");
  OUT();
  L("if (!name || !*name) return 1;");
  L("for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)");
  IN();
  L("if (strcmp(name, names[i]) == 0) return 1;");
  OUT();
  L("ffirt_log(FFIRT_LOG_WARN, \"%s: no event named \\\"%%.64s\\\": listener refused\", name);",
    lib);
  L("return 0;");
  OUT();
  L("}");
  B();
  L("uint64_t %s_add_event_listener(void *ctx, const char *eventName, FFICallBack cb, void *ud) {",
    lib);
  IN();
  L("if (!@known_event(eventName)) return 0;");
  L("return ffirt_ctx_add_listener(&@library, ctx, eventName, FFIRT_LISTENER_NATIVE, cb, ud, "
    "NULL);");
  OUT();
  L("}");
  B();
  L("uint64_t %s_add_event_listener_cbor(void *ctx, const char *eventName, FFICallBack cb, "
    "void *ud) {",
    lib);
  IN();
  L("if (!@known_event(eventName)) return 0;");
  L("return ffirt_ctx_add_listener(&@library, ctx, eventName, FFIRT_LISTENER_CBOR, cb, ud, NULL);");
  OUT();
  L("}");
  B();
  L("int %s_remove_event_listener(void *ctx, uint64_t listenerId) {", lib);
  IN();
  L("return ffirt_ctx_remove_listener(&@library, ctx, listenerId) == 0 ? 0 : 1;");
  OUT();
  L("}");

  B();
  L("typedef struct @handlers_listener {");
  IN();
  L("struct %s_event_handlers h;", lib);
  L("void *ud;");
  OUT();
  L("} @handlers_listener;");
  B();
  L("/* The wildcard listener behind %s_add_event_handlers: one slot per event. */", lib);
  L("static void @deliver_handlers(int ret, const char *msg, size_t len, void *ud) {");
  IN();
  L("const @handlers_listener *l = (const @handlers_listener *)ud;");
  L("const FFIEventView *view = (const FFIEventView *)(const void *)msg;");
  L("(void)ret;");
  L("if (len != sizeof *view) return;");
  int first = 1;
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    if (!ev->payload) continue;
    const char *ct = ffirt__gen_c_event_ctype(&x->g, ev);
    size_t ctl = strlen(ct);
    const char *cptr = F(ctl && ct[ctl - 1] == '*' ? "%sconst *" : "const %s *", ct);
    L("%sif (strcmp(view->eventType, \"%s\") == 0) {", first ? "" : "} else ", ev->wire);
    IN();
    L("if (l->h.%s) l->h.%s((%s)view->payload, l->ud);", ev->wire, ev->wire, cptr);
    OUT();
    first = 0;
  }
  static const char *const builtin[] = {"not_responding", "responding"};
  for (size_t i = 0; i < 2; i++) {
    L("%sif (strcmp(view->eventType, \"%s\") == 0) {", first ? "" : "} else ", builtin[i]);
    IN();
    L("if (l->h.%s) l->h.%s(l->ud);", builtin[i], builtin[i]);
    OUT();
    first = 0;
  }
  L("} else if (strcmp(view->eventType, \"dropped_events\") == 0) {");
  IN();
  L("if (l->h.dropped_events) l->h.dropped_events((const uint64_t *)view->payload, l->ud);");
  OUT();
  L("}");
  OUT();
  L("}");
  B();
  L("uint64_t %s_add_event_handlers(void *ctx, const struct %s_event_handlers *handlers, void *ud) "
    "{",
    lib, lib);
  IN();
  L("if (!handlers) return 0;");
  L("@handlers_listener *l = (@handlers_listener *)ffirt_malloc(sizeof *l);");
  L("if (!l) return 0;");
  L("l->h = *handlers;");
  L("l->ud = ud;");
  L("uint64_t id = ffirt_ctx_add_listener(&@library, ctx, \"\", FFIRT_LISTENER_NATIVE, "
    "@deliver_handlers, l, ffirt_free);");
  L("if (!id) ffirt_free(l);");
  L("return id;");
  OUT();
  L("}");
}

/* ------------------------------------------------------------- reflection */

/* Appends s as the body of a C string literal (no quotes). */
static const char *c_escaped(glue *x, const char *s, size_t n) {
  const char *out = "";
  char buf[256];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (k + 8 >= sizeof buf) {
      out = F("%s%.*s", out, (int)k, buf);
      k = 0;
    }
    if (ch == '"' || ch == '\\') {
      buf[k++] = '\\';
      buf[k++] = (char)ch;
    } else if (ch == '?' && i + 1 < n && s[i + 1] == '?') {
      buf[k++] = '?'; /* no trigraphs under -std=c11 */
      buf[k++] = '"';
      buf[k++] = '"';
    } else if (ch < 0x20 || ch == 0x7f) {
      k += (size_t)snprintf(buf + k, sizeof buf - k, "\\%03o", ch);
    } else {
      buf[k++] = (char)ch;
    }
  }
  return F("%s%.*s", out, (int)k, buf);
}

/* <lib>_ffirt_describe(): the reflection descriptor of include/ffirt/describe.h
 * (procedures with their CBOR entry points and parameter names, events,
 * fingerprint, the CDDL text), what ffirt-serve needs to host the library
 * after dlopen() alone. */
static void describe(glue *x) {
  const ffirt__gen_model *m = x->g.m;
  const char *lib = x->g.lib;
  static const char *const kinds[] = {[GEN_CTOR] = "FFIRT_PROC_CTOR",
                                      [GEN_DTOR] = "FFIRT_PROC_DTOR",
                                      [GEN_METHOD] = "FFIRT_PROC_METHOD",
                                      [GEN_STATIC] = "FFIRT_PROC_STATIC"};
  B();
  L("/* ---- reflection (ffirt/describe.h) */");
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    if (!p->nparams) continue;
    const char *names = "";
    for (size_t k = 0; k < p->nparams; k++)
      names = F("%s%s\"%s\"", names, k ? ", " : "", p->params[k].name);
    B();
    L("static const char *const @%s_params[] = {%s};", p->name, names);
  }
  B();
  L("static const ffirt_proc_desc @procs[] = {");
  IN();
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    const char *sym =
        p->kind == GEN_DTOR ? F("%s_%s", lib, p->name) : F("%s_%s_cbor", lib, p->name);
    const char *params = p->nparams ? F("@%s_params, %zu", p->name, p->nparams) : "NULL, 0";
    static const char *const entry[] = {
        [GEN_CTOR] = "ctor", [GEN_DTOR] = "dtor", [GEN_METHOD] = "method", [GEN_STATIC] = "stat"};
    L("{\"%s\", %s, \"%s\", %s,", p->name, kinds[p->kind], sym, params);
    L(" .%s = %s},", entry[p->kind], sym);
  }
  OUT();
  L("};");
  if (m->nevents) {
    B();
    L("static const ffirt_event_desc @events[] = {");
    IN();
    for (size_t i = 0; i < m->nevents; i++)
      L("{\"%s\"},", m->events[i].wire);
    OUT();
    L("};");
  }
  B();
  L("/* the text of %s.cddl */", lib);
  L("static const char @cddl[] =");
  IN();
  ffirt__gen_writer cw;
  ffirt__gen_w_init(&cw);
  ffirt__gen_cddl_write(m, &cw);
  if (cw.oom) x->g.names.oom = 1;
  const char *t = cw.buf ? cw.buf : "";
  while (*t) {
    const char *nl = strchr(t, '\n');
    size_t n = nl ? (size_t)(nl - t) : strlen(t);
    t += n + (nl ? 1 : 0);
    L("\"%s%s\"%s", c_escaped(x, t - n - (nl ? 1 : 0), n), nl ? "\\n" : "", *t ? "" : ";");
  }
  if (!cw.buf || !cw.buf[0]) L("\"\";");
  ffirt__gen_w_free(&cw);
  OUT();
  B();
  L("const ffirt_library_desc *%s_ffirt_describe(void);", lib);
  L("const ffirt_library_desc *%s_ffirt_describe(void) {", lib);
  IN();
  L("static const ffirt_library_desc d = {");
  IN();
  L(".desc_version = FFIRT_DESC_VERSION,");
  L(".name = \"%s\",", lib);
  L(".version = \"%s\",", FFIRT_VERSION_STRING);
  L(".fingerprint = UINT64_C(0x%016llx),", (unsigned long long)ffirt__gen_fingerprint(m));
  L(".procs = @procs,");
  L(".nprocs = %zu,", m->nprocs);
  L(".events = %s,", m->nevents ? F("@events") : "NULL");
  L(".nevents = %zu,", m->nevents);
  L(".cddl = @cddl,");
  L(".add_event_listener_cbor = %s_add_event_listener_cbor,", lib);
  L(".remove_event_listener = %s_remove_event_listener,", lib);
  OUT();
  L("};");
  L("return &d;");
  OUT();
  L("}");
}

/* ------------------------------------------------------------- glue .c */

static const char *overflow_name(int v) {
  return v == 1   ? "FFIRT_OVERFLOW_DROP_OLDEST"
         : v == 2 ? "FFIRT_OVERFLOW_BLOCK"
                  : "FFIRT_OVERFLOW_DROP_NEWEST";
}

static void glue_body(glue *x) {
  const ffirt__gen_model *m = x->g.m;
  /* argument structs */
  for (size_t i = 0; i < x->g.count; i++) {
    gen_nt *nt = x->g.nts[i];
    if (nt->kind != NT_ARGS) continue;
    B();
    L("/* The arguments of %s, owned by the call. */", nt->proc->name);
    L("typedef struct %s {", nt->cname);
    IN();
    for (size_t f = 0; f < nt->nfields; f++)
      ffirt__gen_c_field_decl(&x->g, x->w, &nt->fields[f]);
    if (!nt->nfields) L("uint8_t _unused;");
    OUT();
    L("} %s;", nt->cname);
  }
  B();
  ffirt__gen_c_codecs(&x->g, x->w, &x->fl);
  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind != GEN_DTOR) procedure(x, &m->procs[i]);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    if (p->kind != GEN_DTOR) continue;
    B();
    L("/* ---- %s */", p->name);
    B();
    L("%s {", ffirt__gen_c_sig_native(&x->g, p));
    IN();
    L("return ffirt_ctx_destroy(&@library, ctx) == 0 ? 0 : 1;");
    OUT();
    L("}");
  }
  for (size_t i = 0; i < m->nevents; i++)
    if (m->events[i].payload) event(x, &m->events[i]);
  listeners(x);
  describe(x);
}

static void glue_file(glue *x, ffirt__gen_writer *body) {
  const ffirt__gen_model *m = x->g.m;
  const char *lib = x->g.lib;
  const ffirt__gen_proc *dtor = NULL;
  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind == GEN_DTOR) dtor = &m->procs[i];
  ffirt__gen_c_banner(&x->g, x->w, F("%s_ffi.c", lib),
                      "the glue between the exports and the ffirt runtime.");
  L("#include \"%s_ffi.h\"", lib);
  B();
  if (uses(body->buf, F("@dec_f32"))) L("#include <float.h>");
  L("#include <stdio.h>");
  L("#include <string.h>");
  if (dtor) {
    B();
    L("static void @library_dtor(ffirt_ctx *ctx, void *state) {");
    IN();
    L("%s_%s_impl(ctx, (%s *)state);", lib, dtor->name, x->state);
    OUT();
    L("}");
  }
  B();
  L("/* The ABI fingerprint of the IDL (docs/abi.md): what <LIB>_CHECK_ABI() compares. */");
  L("uint64_t %s_abi_fingerprint(void) { return UINT64_C(0x%016llx); }", lib,
    (unsigned long long)ffirt__gen_fingerprint(m));
  B();
  L("static const ffirt_library @library = {");
  L("    .name = \"%s\",", lib);
  L("    .stale_warn_ms = %u,", (unsigned)m->opt_stale_warn_ms);
  L("    .events = {.capacity = %u,", (unsigned)m->opt_event_capacity);
  L("               .overflow = %s,", overflow_name(m->opt_event_overflow));
  L("               .block_timeout_ms = %u,", (unsigned)m->opt_event_block_ms);
  L("               .on_destroy = FFIRT_ON_DESTROY_DELIVER,");
  L("               .liveness_grace_ms = %u,", (unsigned)m->opt_liveness_grace_ms);
  L("               .stall_ms = 1000},");
  L("    .dtor = %s,", dtor ? F("@library_dtor") : "NULL");
  L("};");
  write_helpers(x, glue_helpers, sizeof glue_helpers / sizeof glue_helpers[0], body->buf);
  ffirt__gen_w_printf(x->w, "%s", body->buf);
}

/* <lib>.map: the linker version script of lib<lib>.so. It names every
 * export of abi.md 2 and the header's other exports one by one (so the
 * _impl, _ok, _after and _emit_ functions and the codecs stay inside), plus
 * <lib>_ffirt_*: runtime-side descriptors (an IDL name cannot start with
 * ffirt, check.c). */
static void version_script(glue *x) {
  const ffirt__gen_model *m = x->g.m;
  const char *lib = x->g.lib;
  L("/* %s.map - the exports of lib%s.so (its ABI only; docs/abi.md 2).", lib, lib);
  L(" * Generated by ffirt-gen; do not edit. */");
  L("{");
  L("  global:");
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    L("    %s_%s;", lib, p->name);
    if (p->kind != GEN_DTOR) L("    %s_%s_cbor;", lib, p->name);
    if (p->kind == GEN_METHOD || p->kind == GEN_STATIC) {
      L("    %s_%s_typed;", lib, p->name);
      L("    %s_%s_wait;", lib, p->name);
      if (*ffirt__gen_c_sig_result_free(&x->g, p)) L("    %s_%s_result_free;", lib, p->name);
    }
  }
  L("    %s_add_event_listener;", lib);
  L("    %s_add_event_listener_cbor;", lib);
  L("    %s_remove_event_listener;", lib);
  L("    %s_add_event_handlers;", lib);
  for (size_t i = 0; i < m->nevents; i++)
    if (m->events[i].payload) L("    %s_add_%s_listener;", lib, m->events[i].wire);
  L("    %s_abi_fingerprint;", lib);
  L("    %s_ffirt_*;", lib);
  L("  local:");
  L("    *;");
  L("};");
}

int ffirt__gen_emit_c_glue(const ffirt__gen_model *m, const char *outdir) {
  glue x;
  memset(&x, 0, sizeof x);
  if (ffirt__gen_c_analyse(&x.g, m, 1) != 0) return -1;
  x.state = m->state ? m->state : "void";
  x.p = ffirt__gen_glue_prefix(&x.g.names, x.g.lib);
  x.fl = (gen_flavor){.fn = x.p,
                      .storage = "static ",
                      .enc_t = "ffirt_cbor_enc",
                      .enc = "ffirt_cbor_enc_",
                      .dec_t = glue_fmt(&x, "@gen_dec"),
                      .h = x.p,
                      .calloc_fn = "ffirt_calloc",
                      .free_fn = "ffirt_free",
                      .cplusplus = 0,
                      .ev = "e",
                      .iv = "i"};
  /* what the glue needs: args are copied (native), decoded (CBOR) and
   * freed; results are encoded; event payloads are copied, freed, encoded */
  for (size_t i = 0; i < x.g.count; i++)
    if (x.g.nts[i]->kind == NT_ARGS)
      ffirt__gen_c_mark_nt(&x.g, x.g.nts[i], OP_COPY | OP_FREE | OP_DEC);
  /* results are also deep-copied into and freed from the caller's memory
   * by the blocking forms (<lib>_<p>_wait, _result_free) */
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_type *t = m->procs[i].result;
    if (!t) continue;
    gen_nt *box = t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL ? ffirt__gen_c_box(&x.g, t) : NULL;
    /* native results are checked for enum values without an enumerator */
    if (box)
      ffirt__gen_c_mark_nt(&x.g, box, OP_ENC | OP_CHECK | OP_COPY | OP_FREE);
    else
      ffirt__gen_c_mark(&x.g, t, OP_ENC | OP_CHECK | OP_COPY | OP_FREE);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_type *t = m->events[i].payload;
    if (!t) continue;
    gen_nt *box = t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL || t->kind == GEN_BYTES
                      ? ffirt__gen_c_box(&x.g, t)
                      : NULL;
    if (box)
      ffirt__gen_c_mark_nt(&x.g, box, OP_COPY | OP_FREE | OP_ENC);
    else
      ffirt__gen_c_mark(&x.g, t, OP_COPY | OP_FREE | OP_ENC);
  }

  int rc = 0;
  ffirt__gen_writer w, body;
  ffirt__gen_w_init(&w);
  ffirt__gen_w_init(&body);
  x.w = &w;
  author_header(&x);
  ffirt__gen_c_tidy(&w);
  if (!x.g.names.oom)
    rc = ffirt__gen_w_save(&w, outdir, ffirt__gen_fmt(&x.g.names, "%s_ffi.h", x.g.lib));
  ffirt__gen_w_free(&w);
  if (rc == 0) {
    x.w = &body;
    glue_body(&x);
    ffirt__gen_w_init(&w);
    x.w = &w;
    if (!body.oom) glue_file(&x, &body);
    if (body.oom || x.g.names.oom) {
      fprintf(stderr, "ffirt-gen: out of memory\n");
      rc = -1;
    } else {
      ffirt__gen_c_tidy(&w);
      rc = ffirt__gen_w_save(&w, outdir, ffirt__gen_fmt(&x.g.names, "%s_ffi.c", x.g.lib));
    }
  }
  ffirt__gen_w_free(&w);
  if (rc == 0) {
    ffirt__gen_w_init(&w);
    x.w = &w;
    version_script(&x);
    rc = x.g.names.oom || w.oom
             ? -1
             : ffirt__gen_w_save(&w, outdir, ffirt__gen_fmt(&x.g.names, "%s.map", x.g.lib));
    ffirt__gen_w_free(&w);
  }
  ffirt__gen_w_free(&body);
  ffirt__gen_c_free(&x.g);
  return rc;
}
