/*
 * emit_c_host.c - writes <lib>.h, the native host header: the ABI types,
 * the library's types, every export of abi.md 2, the typed per-event
 * listener exports and the event handler table. Also owns the export
 * signatures that the glue implements (one place for both sides).
 *
 * Design notes:
 *  - The header needs no ffirt header: it repeats the guarded ABI block of
 *    include/ffirt/abi.h verbatim, and its types block is guarded by
 *    <LIB>_TYPES_DEFINED so that <lib>_cbor.h can share it in one TU.
 *  - <lib>.h and <lib>_cbor.h stop with an #error when included in C++
 *    after the C++ binding <lib>.hpp (that order would declare the exports
 *    with the C++ types); the other order is the supported one.
 *  - The handler table has a slot per IDL event plus the three built-in
 *    events (not_responding, responding, dropped_events); check.c rejects
 *    IDL events with those names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "emit_c.h"

const char *ffirt__gen_c_native_params(gen_c *g, const ffirt__gen_proc *p) {
  const char *s = "";
  for (size_t i = 0; i < p->nparams; i++)
    s = ffirt__gen_fmt(&g->names, "%s, %s", s,
                       ffirt__gen_c_param(g, p->params[i].type, p->params[i].name));
  return s;
}

const char *ffirt__gen_c_sig_native(gen_c *g, const ffirt__gen_proc *p) {
  ffirt__gen_names *n = &g->names;
  const char *params = ffirt__gen_c_native_params(g, p);
  switch (p->kind) {
  case GEN_CTOR:
    return ffirt__gen_fmt(n, "void *%s_%s(%s%sFFICallBack cb, void *ud)", g->lib, p->name,
                          *params ? params + 2 : "", *params ? ", " : "");
  case GEN_DTOR: return ffirt__gen_fmt(n, "int %s_%s(void *ctx)", g->lib, p->name);
  case GEN_STATIC:
    return ffirt__gen_fmt(n, "int %s_%s(FFICallBack cb, void *ud%s)", g->lib, p->name, params);
  default:
    return ffirt__gen_fmt(n, "int %s_%s(void *ctx, FFICallBack cb, void *ud%s)", g->lib, p->name,
                          params);
  }
}

const char *ffirt__gen_c_sig_cbor(gen_c *g, const ffirt__gen_proc *p) {
  ffirt__gen_names *n = &g->names;
  switch (p->kind) {
  case GEN_CTOR:
    return ffirt__gen_fmt(
        n, "void *%s_%s_cbor(const uint8_t *req, size_t len, FFICallBack cb, void *ud)", g->lib,
        p->name);
  case GEN_STATIC:
    return ffirt__gen_fmt(
        n, "int %s_%s_cbor(FFICallBack cb, void *ud, const uint8_t *req, size_t len)", g->lib,
        p->name);
  default:
    return ffirt__gen_fmt(
        n, "int %s_%s_cbor(void *ctx, FFICallBack cb, void *ud, const uint8_t *req, size_t len)",
        g->lib, p->name);
  }
}

/* The result's C type as the typed and blocking forms see it: "" for none. */
static const char *result_ctype(gen_c *g, const ffirt__gen_proc *p) {
  if (!p->result) return "";
  if (p->result->kind == GEN_STRING) return "char *";
  if (p->result->kind == GEN_BYTES) return "uint8_t *";
  return ffirt__gen_value_ctype(&g->names, g->lib, p->result);
}

const char *ffirt__gen_c_reply_cb_params(gen_c *g, const ffirt__gen_proc *p) {
  ffirt__gen_names *n = &g->names;
  const ffirt__gen_type *t = p->result;
  if (!t) return "const char *err, void *ud";
  if (t->kind == GEN_STRING) return "const char *result, const char *err, void *ud";
  if (t->kind == GEN_BYTES)
    return "const uint8_t *result, size_t result_len, const char *err, void *ud";
  return ffirt__gen_fmt(n, "const %s *result, const char *err, void *ud", result_ctype(g, p));
}

static const char *native_tail(gen_c *g, const ffirt__gen_proc *p) {
  return ffirt__gen_c_native_params(g, p);
}

const char *ffirt__gen_c_sig_typed(gen_c *g, const ffirt__gen_proc *p) {
  return ffirt__gen_fmt(&g->names, "int %s_%s_typed(%s%s_%s_reply_cb cb, void *ud%s)", g->lib,
                        p->name, p->kind == GEN_STATIC ? "" : "void *ctx, ", g->lib, p->name,
                        native_tail(g, p));
}

const char *ffirt__gen_c_sig_wait(gen_c *g, const ffirt__gen_proc *p) {
  ffirt__gen_names *n = &g->names;
  const char *out = "";
  if (p->result && p->result->kind == GEN_BYTES)
    out = "uint8_t **out, size_t *out_len, ";
  else if (p->result)
    out = ffirt__gen_fmt(n, "%s%s*out, ", result_ctype(g, p),
                         result_ctype(g, p)[strlen(result_ctype(g, p)) - 1] == '*' ? "" : " ");
  return ffirt__gen_fmt(
      n, "int %s_%s_wait(%suint32_t timeoutMs, %schar *errText, size_t errSize%s)", g->lib, p->name,
      p->kind == GEN_STATIC ? "" : "void *ctx, ", out, native_tail(g, p));
}

void ffirt__gen_c_wait_out_check(gen_c *g, ffirt__gen_writer *w, const ffirt__gen_proc *p) {
  (void)g;
  const ffirt__gen_type *t = p->result;
  if (!t) return;
  int bytes = t->kind == GEN_BYTES;
  ffirt__gen_w_line(w, bytes ? "if (!out || !out_len) {" : "if (!out) {");
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w,
                    "if (errText && errSize) snprintf(errText, errSize, \"%s: no place for the "
                    "result (out is NULL)\");",
                    p->name);
  ffirt__gen_w_line(w, "return RET_ERR;");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  if (bytes) {
    ffirt__gen_w_line(w, "*out = NULL;");
    ffirt__gen_w_line(w, "*out_len = 0;");
  } else {
    ffirt__gen_w_line(w, "memset(out, 0, sizeof *out);");
  }
}

const char *ffirt__gen_c_sig_result_free(gen_c *g, const ffirt__gen_proc *p) {
  const ffirt__gen_type *t = p->result;
  if (!t) return "";
  const char *ct = result_ctype(g, p);
  if (t->kind != GEN_STRING && t->kind != GEN_BYTES) {
    gen_nt *nt = t->kind == GEN_ENUM ? NULL : ffirt__gen_c_named(g, t);
    if (!nt || !nt->has_ptr) return "";
  }
  return ffirt__gen_fmt(&g->names, "void %s_%s_result_free(%s%s*out)", g->lib, p->name, ct,
                        ct[strlen(ct) - 1] == '*' ? "" : " ");
}

const char *ffirt__gen_c_event_ctype(gen_c *g, const ffirt__gen_event *ev) {
  const ffirt__gen_type *t = ev->payload;
  if (t->kind == GEN_BYTES) return ffirt__gen_box_name(&g->names, g->lib, t);
  return ffirt__gen_value_ctype(&g->names, g->lib, t);
}

void ffirt__gen_c_doc(ffirt__gen_writer *w, const ffirt__gen_doc *doc, const char *const *extra,
                      size_t nextra) {
  size_t n = (doc ? doc->count : 0) + nextra;
  if (!n) return;
  const char **lines = malloc(n * sizeof *lines);
  if (!lines) {
    w->oom = 1;
    return;
  }
  /* IDL text may hold anything a comment cannot (a comment end, for one) */
  ffirt__gen_names safe;
  ffirt__gen_names_init(&safe);
  size_t k = 0;
  for (size_t i = 0; doc && i < doc->count; i++)
    lines[k++] = ffirt__gen_c_comment(&safe, doc->lines[i]);
  for (size_t i = 0; i < nextra; i++)
    lines[k++] = ffirt__gen_c_comment(&safe, extra[i]);
  if (safe.oom) w->oom = 1;
  ffirt__gen_doc all = {lines, n};
  ffirt__gen_w_doc(w, &all, GEN_DOC_C_BLOCK);
  ffirt__gen_names_free(&safe);
  free(lines);
}

void ffirt__gen_c_banner(gen_c *g, ffirt__gen_writer *w, const char *file, const char *what) {
  ffirt__gen_names *n = &g->names;
  ffirt__gen_w_line(w, "/*");
  ffirt__gen_w_line(w, " * %s - %s", file, what);
  ffirt__gen_w_line(w, " * Generated by ffirt-gen from %s; do not edit.",
                    g->m->file ? ffirt__gen_c_comment(n, ffirt__gen_base_name(g->m->file))
                               : "the IDL");
  for (size_t i = 0; i < g->m->library_doc.count; i++)
    ffirt__gen_w_line(w, g->m->library_doc.lines[i][0] ? " * %s" : " *",
                      ffirt__gen_c_comment(n, g->m->library_doc.lines[i]));
  ffirt__gen_w_line(w, " */");
}

void ffirt__gen_c_abi_check_block(gen_c *g, ffirt__gen_writer *w) {
  const char *lib = g->lib;
  const char *up = ffirt__gen_upper(&g->names, lib);
  unsigned long long fp = (unsigned long long)ffirt__gen_fingerprint(g->m);
  ffirt__gen_w_line(
      w, "/* The ABI check: this header and the loaded library must come from one IDL. */");
  ffirt__gen_w_line(w, "#ifndef %s_ABI_FINGERPRINT", up);
  ffirt__gen_w_line(w,
                    "/** The fingerprint of the IDL this header was generated from: FNV-1a 64 of");
  ffirt__gen_w_line(w, " * the normalised IDL (docs/abi.md). */");
  ffirt__gen_w_line(w, "#define %s_ABI_FINGERPRINT UINT64_C(0x%016llx)", up, fp);
  ffirt__gen_w_line(w, "/** The fingerprint compiled into the loaded library. Any thread. */");
  ffirt__gen_w_line(w, "uint64_t %s_abi_fingerprint(void);", lib);
  ffirt__gen_w_line(w, "/**");
  ffirt__gen_w_line(w,
                    " * 0 when the loaded library was built from the IDL this header comes from;");
  ffirt__gen_w_line(w,
                    " * otherwise prints both fingerprints to stderr and returns -1 (calling the");
  ffirt__gen_w_line(w,
                    " * library would then be undefined behaviour). Once, before the first call:");
  ffirt__gen_w_line(w, " * `if (%s_CHECK_ABI() != 0) return 1;`", up);
  ffirt__gen_w_line(w, " */");
  ffirt__gen_w_line(w, "#define %s_CHECK_ABI() %s__check_abi(%s_ABI_FINGERPRINT)", up, lib, up);
  ffirt__gen_w_line(w, "static inline int %s__check_abi(uint64_t header) {", lib);
  ffirt__gen_w_indent(w);
  ffirt__gen_w_line(w, "uint64_t library = %s_abi_fingerprint();", lib);
  ffirt__gen_w_line(w, "if (library == header) return 0;");
  ffirt__gen_w_line(w, "fprintf(stderr,");
  ffirt__gen_w_line(
      w, "        \"%s: ABI mismatch: the header was generated with fingerprint %%016llx, \"", lib);
  ffirt__gen_w_line(
      w, "        \"the loaded library has %%016llx; rebuild the host with the library's own \"");
  ffirt__gen_w_line(w, "        \"headers\\n\",");
  ffirt__gen_w_line(w, "        (unsigned long long)header, (unsigned long long)library);");
  ffirt__gen_w_line(w, "return -1;");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "}");
  ffirt__gen_w_line(w, "#endif /* %s_ABI_FINGERPRINT */", up);
}

void ffirt__gen_c_cpp_order_check(gen_c *g, ffirt__gen_writer *w, const char *file) {
  const char *up = ffirt__gen_upper(&g->names, g->lib);
  ffirt__gen_w_line(w, "/* In C++, before <%s/%s.hpp> if both are used (docs/guide-cpp.md). */",
                    g->lib, g->lib);
  ffirt__gen_w_line(
      w, "#if defined(__cplusplus) && defined(%s_HPP) && !defined(%s_HPP_C_TYPES_GLOBAL)", up, up);
  ffirt__gen_w_line(w, "#error \"include <%s/%s> before <%s/%s.hpp> (docs/guide-cpp.md)\"", g->lib,
                    file, g->lib, g->lib);
  ffirt__gen_w_line(w, "#endif");
}

static const char *pointee(gen_c *g, const char *ctype) {
  size_t n = strlen(ctype);
  return ffirt__gen_fmt(&g->names, n && ctype[n - 1] == '*' ? "%sconst *" : "const %s *", ctype);
}

static const char *result_text(gen_c *g, const ffirt__gen_proc *p) {
  const ffirt__gen_type *t = p->result;
  if (!t) return "Reply: RET_OK with len 0 (native) / CBOR null (_cbor).";
  switch (t->kind) {
  case GEN_STRING: return "Reply: the UTF-8 bytes of the string (native) / CBOR text (_cbor).";
  case GEN_BYTES: return "Reply: the raw bytes (native) / CBOR byte string (_cbor).";
  default:
    return ffirt__gen_fmt(&g->names, "Reply: msg = %s, len = sizeof (native) / CBOR (_cbor).",
                          pointee(g, ffirt__gen_value_ctype(&g->names, g->lib, t)));
  }
}

/* The typed-callback and blocking forms of one method or static. */
static void typed_forms(gen_c *g, ffirt__gen_writer *w, const ffirt__gen_proc *p) {
  const char *lib = g->lib, *n = p->name;
  const char *plain = ffirt__gen_fmt(&g->names, "%s_%s", lib, n);
  const char *fr = ffirt__gen_c_sig_result_free(g, p);
  const char *what = !p->result                      ? " (no result)"
                     : p->result->kind == GEN_STRING ? " (result: a NUL-terminated copy)"
                                                     : "";
  ffirt__gen_w_line(w, "/** The typed reply of %s: on success err is NULL%s, else err is", plain,
                    what);
  ffirt__gen_w_line(w, " * the error text (NUL-terminated); everything borrowed for the call. */");
  ffirt__gen_w_line(w, "typedef void (*%s_reply_cb)(%s);", plain,
                    ffirt__gen_c_reply_cb_params(g, p));
  ffirt__gen_w_line(w, "/** %s with a typed callback: cb runs exactly once, as for the", plain);
  ffirt__gen_w_line(w, " * plain export (progress warnings are not passed on); same returns. */");
  ffirt__gen_w_line(w, "%s;", ffirt__gen_c_sig_typed(g, p));
  ffirt__gen_w_line(w, "/**");
  ffirt__gen_w_line(w, " * %s, blocking until the reply or timeoutMs (0: no bound): RET_OK", plain);
  if (!p->result)
    ffirt__gen_w_line(w, " * on success, or RET_ERR with the reason in errText[0..errSize)");
  else if (*fr)
    ffirt__gen_w_line(w, " * with *out filled (yours: free it with %s_result_free), or RET_ERR",
                      plain);
  if (p->result && *fr)
    ffirt__gen_w_line(w, " * with the reason in errText[0..errSize)");
  else if (p->result)
    ffirt__gen_w_line(w, " * with *out filled, or RET_ERR with the reason in errText[0..errSize)");
  ffirt__gen_w_line(w, " * (NUL-terminated): the call's error, a timeout (the call goes on, its");
  ffirt__gen_w_line(w, " * reply is dropped) or the refusal on the context's own worker thread");
  ffirt__gen_w_line(w, " * (it would deadlock). Any other thread.");
  ffirt__gen_w_line(w, " */");
  ffirt__gen_w_line(w, "%s;", ffirt__gen_c_sig_wait(g, p));
  if (*fr) {
    ffirt__gen_w_line(w, "/** Frees what %s_wait put in *out, and clears it (NULL allowed). */",
                      plain);
    ffirt__gen_w_line(w, "%s;", fr);
  }
}

static void exports(gen_c *g, ffirt__gen_writer *w) {
  const ffirt__gen_model *m = g->m;
  static const char *const ctor_doc[] = {
      "Constructor: returns the context handle at once (NULL when cb is NULL or",
      "on an entry error, reported through cb on this thread); cb then gets the",
      "handle's decimal text (native) / CBOR text (_cbor), or RET_ERR."};
  static const char *const dtor_doc[] = {
      "Destroys the context synchronously: 0 = destroyed, 1 otherwise (bad or",
      "stale handle, or called from a callback of this same context). Queued",
      "and running calls get their RET_ERR first."};
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    ffirt__gen_w_blank(w);
    if (p->kind == GEN_DTOR) {
      ffirt__gen_c_doc(w, &p->doc, dtor_doc, 3);
      ffirt__gen_w_line(w, "%s;", ffirt__gen_c_sig_native(g, p));
      continue;
    }
    if (p->kind == GEN_CTOR) {
      ffirt__gen_c_doc(w, &p->doc, ctor_doc, 3);
    } else {
      const char *extra[2] = {p->kind == GEN_STATIC ? "Static: needs no context." : NULL,
                              result_text(g, p)};
      if (extra[0])
        ffirt__gen_c_doc(w, &p->doc, extra, 2);
      else
        ffirt__gen_c_doc(w, &p->doc, extra + 1, 1);
    }
    ffirt__gen_w_line(w, "%s;", ffirt__gen_c_sig_native(g, p));
    ffirt__gen_w_line(w, "%s;", ffirt__gen_c_sig_cbor(g, p));
    if (p->kind == GEN_METHOD || p->kind == GEN_STATIC) typed_forms(g, w, p);
  }
}

static void listeners(gen_c *g, ffirt__gen_writer *w) {
  const ffirt__gen_model *m = g->m;
  const char *lib = g->lib;
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/*");
  ffirt__gen_w_line(
      w, " * Event listeners (docs/abi.md 4). eventName NULL or \"\" listens to every event.");
  ffirt__gen_w_line(
      w, " * Each returns the listener id (never 0), or 0 on a bad ctx or NULL callback.");
  ffirt__gen_w_line(w, " */");
  ffirt__gen_w_line(
      w,
      "uint64_t %s_add_event_listener(void *ctx, const char *eventName, FFICallBack cb, void *ud);",
      lib);
  ffirt__gen_w_line(w,
                    "uint64_t %s_add_event_listener_cbor(void *ctx, const char *eventName, "
                    "FFICallBack cb, void *ud);",
                    lib);
  ffirt__gen_w_line(
      w, "/** Removes a listener of any kind: 0 = removed, 1 = not found or bad ctx. */");
  ffirt__gen_w_line(w, "int %s_remove_event_listener(void *ctx, uint64_t listenerId);", lib);
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    if (!ev->payload) continue;
    static const char *const extra[] = {
        "Typed listener: fn gets the native payload (borrowed for the call)."};
    ffirt__gen_w_blank(w);
    ffirt__gen_c_doc(w, &ev->doc, extra, 1);
    ffirt__gen_w_line(
        w, "uint64_t %s_add_%s_listener(void *ctx, void (*fn)(%sevt, void *ud), void *ud);", lib,
        ev->wire, pointee(g, ffirt__gen_c_event_ctype(g, ev)));
  }
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/**");
  ffirt__gen_w_line(w, " * One typed slot per event (NULL slots are skipped), for");
  ffirt__gen_w_line(w, " * %s_add_event_handlers; the built-in liveness events included.", lib);
  ffirt__gen_w_line(w, " */");
  ffirt__gen_w_line(w, "struct %s_event_handlers {", lib);
  ffirt__gen_w_indent(w);
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    if (!ev->payload) continue;
    ffirt__gen_c_doc(w, &ev->doc, NULL, 0);
    ffirt__gen_w_line(w, "void (*%s)(%sevt, void *ud);", ev->wire,
                      pointee(g, ffirt__gen_c_event_ctype(g, ev)));
  }
  ffirt__gen_w_line(w, "/** The worker made no progress for the stall threshold. */");
  ffirt__gen_w_line(w, "void (*not_responding)(void *ud);");
  ffirt__gen_w_line(w, "/** The worker recovered after not_responding. */");
  ffirt__gen_w_line(w, "void (*responding)(void *ud);");
  ffirt__gen_w_line(w,
                    "/** Events dropped by the queue's overflow policy since the last report. */");
  ffirt__gen_w_line(w, "void (*dropped_events)(const uint64_t *count, void *ud);");
  ffirt__gen_w_dedent(w);
  ffirt__gen_w_line(w, "};");
  ffirt__gen_w_blank(w);
  ffirt__gen_w_line(w, "/**");
  ffirt__gen_w_line(
      w, " * Routes every event to its slot of *handlers (copied) with ud: one listener,");
  ffirt__gen_w_line(w, " * removed like any other with %s_remove_event_listener. Returns its id,",
                    lib);
  ffirt__gen_w_line(w, " * or 0 on a bad ctx, NULL handlers or out of memory. Any thread.");
  ffirt__gen_w_line(w, " */");
  ffirt__gen_w_line(w,
                    "uint64_t %s_add_event_handlers(void *ctx, const struct %s_event_handlers "
                    "*handlers, void *ud);",
                    lib, lib);
}

int ffirt__gen_emit_c_host(const ffirt__gen_model *m, const char *outdir) {
  gen_c g;
  if (ffirt__gen_c_analyse(&g, m, 0) != 0) return -1;
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  const char *file = ffirt__gen_fmt(&g.names, "%s.h", g.lib);
  const char *guard = ffirt__gen_fmt(&g.names, "%s_H", ffirt__gen_upper(&g.names, g.lib));
  ffirt__gen_c_banner(&g, &w, file, "the native host header (docs/abi.md).");
  ffirt__gen_w_line(&w, "#ifndef %s", guard);
  ffirt__gen_w_line(&w, "#define %s", guard);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#include <stddef.h>");
  ffirt__gen_w_line(&w, "#include <stdint.h>");
  ffirt__gen_w_line(&w, "#include <stdio.h>");
  ffirt__gen_w_blank(&w);
  ffirt__gen_c_cpp_order_check(&g, &w, file);
  ffirt__gen_w_blank(&w);
  ffirt__gen_c_abi_block(&w);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#ifdef __cplusplus");
  ffirt__gen_w_line(&w, "extern \"C\" {");
  ffirt__gen_w_line(&w, "#endif");
  ffirt__gen_w_blank(&w);
  ffirt__gen_c_types_block(&g, &w);
  ffirt__gen_w_blank(&w);
  ffirt__gen_c_abi_check_block(&g, &w);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "/*");
  ffirt__gen_w_line(
      &w, " * The exports (docs/abi.md 2-4). All may be called from any thread, also from");
  ffirt__gen_w_line(&w, " * inside a reply callback or an event listener. Requests return RET_OK");
  ffirt__gen_w_line(&w, " * and then call cb exactly once with RET_OK or RET_ERR (RET_STALE_WARN");
  ffirt__gen_w_line(&w, " * may come before it), possibly before they return; entry errors call");
  ffirt__gen_w_line(&w, " * cb(RET_ERR) on the caller's thread and return RET_ERR; a NULL cb");
  ffirt__gen_w_line(&w, " * returns RET_MISSING_CALLBACK. Arguments are copied before the export");
  ffirt__gen_w_line(&w, " * returns; reply and event payloads are valid during the callback only.");
  ffirt__gen_w_line(&w, " */");
  exports(&g, &w);
  listeners(&g, &w);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#ifdef __cplusplus");
  ffirt__gen_w_line(&w, "}");
  ffirt__gen_w_line(&w, "#endif");
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#endif /* %s */", guard);
  ffirt__gen_c_tidy(&w);
  int rc = g.names.oom ? -1 : ffirt__gen_w_save(&w, outdir, file);
  if (g.names.oom) fprintf(stderr, "ffirt-gen: out of memory\n");
  ffirt__gen_w_free(&w);
  ffirt__gen_c_free(&g);
  return rc;
}
