/*
 * test_gen_util.h - helpers of the generator front-end tests: parse a
 * source string and look at the model and the diagnostics.
 */
#ifndef FFIRT_TEST_GEN_UTIL_H
#define FFIRT_TEST_GEN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ir.h"
#include "lex.h"

typedef struct parsed {
  ffirt__gen_model *m;
  ffirt__gen_diag d;
} parsed;

/* The smallest valid library, to append declarations to. */
#define GEN_PRELUDE "library t;\nstate S;\nctor create();\ndtor destroy;\n"

static inline parsed gen_parse(const char *src) {
  parsed p;
  memset(&p, 0, sizeof p);
  p.m = ffirt__gen_parse("t.ffi", src, strlen(src), &p.d);
  assert_non_null(p.m);
  return p;
}

static inline void gen_free(parsed *p) {
  ffirt__gen_model_free(p->m);
  ffirt__gen_diag_free(&p->d);
}

/* Parses src and fails the test, printing the diagnostics, unless it is
 * free of errors and warnings. */
static inline parsed gen_parse_ok(const char *src) {
  parsed p = gen_parse(src);
  if (p.d.errors || p.d.warnings) {
    fprintf(stderr, "unexpected diagnostics:\n%s", p.d.out ? p.d.out : "");
    fail();
  }
  return p;
}

/* Asserts that the diagnostics contain `needle` (and prints them if not). */
static inline void assert_diag_has(const parsed *p, const char *needle) {
  if (!p->d.out || !strstr(p->d.out, needle)) {
    fprintf(stderr, "expected a diagnostic containing: %s\ngot:\n%s", needle,
            p->d.out ? p->d.out : "(nothing)");
    fail();
  }
}

static inline ffirt__gen_struct *gen_struct(const parsed *p, const char *name) {
  for (size_t i = 0; i < p->m->nstructs; i++)
    if (strcmp(p->m->structs[i].name, name) == 0) return &p->m->structs[i];
  fail_msg("no struct %s", name);
  return NULL;
}

static inline ffirt__gen_proc *gen_proc(const parsed *p, const char *name) {
  for (size_t i = 0; i < p->m->nprocs; i++)
    if (strcmp(p->m->procs[i].name, name) == 0) return &p->m->procs[i];
  fail_msg("no procedure %s", name);
  return NULL;
}

#endif /* FFIRT_TEST_GEN_UTIL_H */
