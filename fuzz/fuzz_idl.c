/*
 * fuzz_idl.c - libFuzzer target of the generator's front end: any bytes as
 * an IDL file through the lexer, parser and checker.
 *
 * Properties checked beyond "no crash, no leak, no UB":
 *  - a file with errors is reported with at least one "error:" line and the
 *    count line; a file without errors has a complete model (library, ctor,
 *    dtor, resolved types, containers named), which is what every emitter
 *    relies on;
 *  - every emitter runs on every model without errors and writes its files
 *    (into a temporary directory of this process, removed at exit).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "lex.h" /* ffirt__gen_diag_summary */

static char outdir[] = "/tmp/fuzz_idl.XXXXXX";

static void remove_outdir(void) {
  DIR *d = opendir(outdir);
  if (!d) return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", outdir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(outdir);
}

static void emit_all(const ffirt__gen_model *m) {
  static int ready = 0;
  if (!ready) {
    if (!mkdtemp(outdir)) abort();
    atexit(remove_outdir);
    ready = 1;
  }
  if (ffirt__gen_emit_c_glue(m, outdir) != 0 || ffirt__gen_emit_c_host(m, outdir) != 0 ||
      ffirt__gen_emit_c_cbor_host(m, outdir) != 0 || ffirt__gen_emit_cddl(m, outdir) != 0)
    abort();
}

static void check_type(const ffirt__gen_type *t) {
  for (; t; t = t->elem) {
    if (t->kind == GEN_STRUCT && !t->sdecl) abort();
    if (t->kind == GEN_ENUM && !t->edecl) abort();
    if ((t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) && !t->elem) abort();
    if (t->elem && (t->elem->kind == GEN_SEQ || t->elem->kind == GEN_OPTIONAL) && !t->elem->cname)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ffirt__gen_diag d;
  memset(&d, 0, sizeof d);
  ffirt__gen_model *m = ffirt__gen_parse("fuzz.ffi", (const char *)data, size, &d);
  if (!m) {
    ffirt__gen_diag_free(&d);
    return 0;
  }
  ffirt__gen_diag_summary(&d);
  if (d.errors) {
    if (!d.out || !strstr(d.out, ": error: ") || !strstr(d.out, " generated.\n")) abort();
  } else {
    if (!m->library || !m->ctor || !m->dtor || !m->state) abort();
    for (size_t i = 0; i < m->nstructs; i++)
      for (size_t k = 0; k < m->structs[i].nfields; k++)
        check_type(m->structs[i].fields[k].type);
    for (size_t i = 0; i < m->nprocs; i++) {
      for (size_t k = 0; k < m->procs[i].nparams; k++)
        check_type(m->procs[i].params[k].type);
      check_type(m->procs[i].result);
    }
    for (size_t i = 0; i < m->nevents; i++)
      if (!m->events[i].payload) abort();
    if (m->ndecl_order != m->nstructs + m->nnested) abort();
    emit_all(m);
  }
  ffirt__gen_model_free(m);
  ffirt__gen_diag_free(&d);
  return 0;
}
