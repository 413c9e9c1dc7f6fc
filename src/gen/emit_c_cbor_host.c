/*
 * emit_c_cbor_host.c - writes <lib>_cbor.h, the CBOR host header: the
 * library's types, the CBOR exports' prototypes, and (static inline, no
 * ffirt header needed) typed request encoders and response/event decoders
 * over a small embedded CBOR codec.
 *
 * Design notes:
 *  - The encoders/decoders come from the same walkers as the glue's
 *    (emit_c_codec.c) with the embedded flavour, so both sides of the wire
 *    are generated from one description.
 *  - Everything is static inline and prefixed <lib>__ (helpers) or <lib>_
 *    (API), so headers of several libraries can share one TU.
 */
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "emit_c.h"

int ffirt__gen_emit_c_cbor_host(const ffirt__gen_model *m, const char *outdir) {
  gen_c g;
  if (ffirt__gen_c_analyse(&g, m, 0) != 0) return -1;
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  const char *file = ffirt__gen_fmt(&g.names, "%s_cbor.h", g.lib);
  const char *guard = ffirt__gen_fmt(&g.names, "%s_CBOR_H", ffirt__gen_upper(&g.names, g.lib));
  ffirt__gen_c_banner(&g, &w, file, "the CBOR host header (abi.md 6).");
  ffirt__gen_w_line(&w, "#ifndef %s", guard);
  ffirt__gen_w_line(&w, "#define %s", guard);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#include <stddef.h>");
  ffirt__gen_w_line(&w, "#include <stdint.h>");
  ffirt__gen_w_blank(&w);
  ffirt__gen_c_abi_block(&w);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#ifdef __cplusplus");
  ffirt__gen_w_line(&w, "extern \"C\" {");
  ffirt__gen_w_line(&w, "#endif");
  ffirt__gen_w_blank(&w);
  ffirt__gen_c_types_block(&g, &w);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    ffirt__gen_w_blank(&w);
    if (p->kind == GEN_DTOR)
      ffirt__gen_w_line(&w, "%s;", ffirt__gen_c_sig_native(&g, p));
    else
      ffirt__gen_w_line(&w, "%s;", ffirt__gen_c_sig_cbor(&g, p));
  }
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w,
                    "uint64_t %s_add_event_listener_cbor(void *ctx, const char *eventName, "
                    "FFICallBack cb, void *ud);",
                    g.lib);
  ffirt__gen_w_line(&w, "int %s_remove_event_listener(void *ctx, uint64_t listenerId);", g.lib);
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#ifdef __cplusplus");
  ffirt__gen_w_line(&w, "}");
  ffirt__gen_w_line(&w, "#endif");
  ffirt__gen_w_blank(&w);
  ffirt__gen_w_line(&w, "#endif /* %s */", guard);
  int rc = g.names.oom ? -1 : ffirt__gen_w_save(&w, outdir, file);
  ffirt__gen_w_free(&w);
  ffirt__gen_c_free(&g);
  return rc;
}
