/* emit_c_host.c - placeholder until the emitter lands (issue 5). */
#include <stdio.h>

#include "emit.h"

int ffirt__gen_emit_c_host(const ffirt__gen_model *m, const char *outdir) {
  (void)m;
  (void)outdir;
  fprintf(stderr, "ffirt-gen: the c_host emitter is not written yet\n");
  return -1;
}
