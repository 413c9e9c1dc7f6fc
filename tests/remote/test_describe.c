/*
 * test_describe.c - the reflection descriptor of a generated library
 * (ffirt/describe.h), read the way ffirt-serve reads it: dlopen() the built
 * library and dlsym() "<lib>_ffirt_describe". Checked against independent
 * sources, not against itself: the fingerprint against ffirt-gen's front end
 * run on the IDL file, the CDDL text against the generated <lib>.cddl file,
 * every entry point against dlsym() of its symbol name.
 *
 *   test_describe LIB.so IDL.ffi LIB.cddl
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ffirt/describe.h"
#include "ir.h"

#include "check.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(1 << 20);
  size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  if (buf) buf[n] = '\0';
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_describe LIB.so IDL.ffi LIB.cddl\n");
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  size_t idl_len = 0, cddl_len = 0;
  char *idl = slurp(argv[2], &idl_len);
  char *cddl = slurp(argv[3], &cddl_len);
  CHECK(idl && cddl, "cannot read %s or %s", argv[2], argv[3]);
  if (!idl || !cddl) return 1;
  ffirt__gen_diag d;
  memset(&d, 0, sizeof d);
  d.src = idl;
  d.src_len = idl_len;
  ffirt__gen_model *m = ffirt__gen_parse(argv[2], idl, idl_len, &d);
  CHECK(m && d.errors == 0, "%s does not parse", argv[2]);
  if (!m) return 1;

  char sym[256];
  snprintf(sym, sizeof sym, "%s_ffirt_describe", m->library);
  const ffirt_library_desc *(*describe)(void) =
      (const ffirt_library_desc *(*)(void))(uintptr_t)dlsym(h, sym);
  CHECK(describe, "%s not exported", sym);
  if (!describe) return 1;
  const ffirt_library_desc *ld = describe();
  CHECK(ld == describe(), "one static descriptor");
  CHECK(ld->desc_version == FFIRT_DESC_VERSION, "%u", ld->desc_version);
  CHECK(strcmp(ld->name, m->library) == 0, "name %s", ld->name);
  CHECK(ld->version && ld->version[0], "a version");
  CHECK(ld->fingerprint == ffirt__gen_fingerprint(m), "fingerprint %016llx vs %016llx",
        (unsigned long long)ld->fingerprint, (unsigned long long)ffirt__gen_fingerprint(m));
  CHECK(strcmp(ld->cddl, cddl) == 0, "the CDDL text differs from %s", argv[3]);
  CHECK(ld->nprocs == m->nprocs, "%zu procs, IDL has %zu", ld->nprocs, m->nprocs);
  for (size_t i = 0; i < ld->nprocs && i < m->nprocs; i++) {
    const ffirt_proc_desc *p = &ld->procs[i];
    const ffirt__gen_proc *q = &m->procs[i];
    CHECK(strcmp(p->name, q->name) == 0, "proc %zu: %s vs %s", i, p->name, q->name);
    CHECK((int)p->kind == (q->kind == GEN_CTOR     ? FFIRT_PROC_CTOR
                           : q->kind == GEN_METHOD ? FFIRT_PROC_METHOD
                           : q->kind == GEN_STATIC ? FFIRT_PROC_STATIC
                                                   : FFIRT_PROC_DTOR),
          "%s: kind %d", p->name, (int)p->kind);
    void *fn = dlsym(h, p->symbol);
    CHECK(fn, "%s: %s is not exported", p->name, p->symbol);
    void *set = p->ctor     ? (void *)(uintptr_t)p->ctor
                : p->method ? (void *)(uintptr_t)p->method
                : p->stat   ? (void *)(uintptr_t)p->stat
                            : (void *)(uintptr_t)p->dtor;
    CHECK(fn == set, "%s: the entry point is not %s", p->name, p->symbol);
    CHECK(!!p->ctor + !!p->method + !!p->stat + !!p->dtor == 1, "%s: one entry point", p->name);
    CHECK(p->nparams == q->nparams, "%s: %zu params", p->name, p->nparams);
    for (size_t k = 0; k < p->nparams && k < q->nparams; k++)
      CHECK(strcmp(p->params[k], q->params[k].name) == 0, "%s: param %zu %s", p->name, k,
            p->params[k]);
  }
  CHECK(ld->nevents == m->nevents, "%zu events", ld->nevents);
  for (size_t i = 0; i < ld->nevents && i < m->nevents; i++)
    CHECK(strcmp(ld->events[i].name, m->events[i].wire) == 0, "event %s", ld->events[i].name);
  snprintf(sym, sizeof sym, "%s_add_event_listener_cbor", m->library);
  CHECK((void *)(uintptr_t)ld->add_event_listener_cbor == dlsym(h, sym), "%s", sym);
  snprintf(sym, sizeof sym, "%s_remove_event_listener", m->library);
  CHECK((void *)(uintptr_t)ld->remove_event_listener == dlsym(h, sym), "%s", sym);
  printf("%s: %zu procs, %zu events, fingerprint %016llx: %s\n", ld->name, ld->nprocs, ld->nevents,
         (unsigned long long)ld->fingerprint, failures ? "FAILED" : "ok");
  ffirt__gen_model_free(m);
  ffirt__gen_diag_free(&d);
  free(idl);
  free(cddl);
  dlclose(h);
  return failures ? 1 : 0;
}
