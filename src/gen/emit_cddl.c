/* emit_cddl.c - placeholder, being written. */
#include "emit.h"
int ffirt__gen_emit_cddl(const ffirt__gen_model *m, const char *outdir) {
  (void)m;
  (void)outdir;
  return -1;
}
