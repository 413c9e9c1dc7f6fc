/*
 * fingerprint.c - the ABI fingerprint of a checked model: a 64-bit hash of
 * the normalised IDL.
 *
 * The normalised IDL is the model written out in one canonical text: the
 * library name; every struct (declaration order, synthesized event payloads
 * included) with its fields' types and names; every enum with each
 * enumerator's name, wire text and ordinal; every constant's type, name and
 * value; every procedure's kind, name, parameters and result; every event's
 * wire name and parameters. Doc comments, whitespace, comments, the order of
 * top-level declarations of different kinds relative to each other, and
 * `option`s (runtime knobs that do not change what crosses the ABI) do not
 * count. Anything a host header bakes in (a layout, a name, an ordinal, a
 * wire text, a constant) does.
 *
 * Design notes:
 *  - FNV-1a 64 over that text, streamed: no allocation, cannot fail.
 *  - Each item ends with a separator byte no identifier or type spelling
 *    contains, so ("ab","c") and ("a","bc") hash differently.
 *  - It detects a header/library mismatch; it is not a cryptographic hash.
 *  - Changing what is hashed changes every fingerprint: bump
 *    FFIRT_GEN_FINGERPRINT_VERSION (hashed first) when it must change.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ir.h"

#define FFIRT_GEN_FINGERPRINT_VERSION "ffirt-abi-1"

typedef struct fnv {
  uint64_t h;
} fnv;

static void feed(fnv *f, const char *s) {
  for (; *s; s++) {
    f->h ^= (unsigned char)*s;
    f->h *= 0x100000001b3ull;
  }
  f->h ^= 0x1f; /* unit separator */
  f->h *= 0x100000001b3ull;
}

static void feed_i64(fnv *f, int64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, v);
  feed(f, buf);
}

static void feed_type(fnv *f, const ffirt__gen_type *t) {
  static const char *const kinds[] = {"bool",  "i8",  "i16",      "i32",    "i64", "u8",
                                      "u16",   "u32", "u64",      "f32",    "f64", "string",
                                      "bytes", "seq", "optional", "struct", "enum"};
  if (!t) {
    feed(f, "-");
    return;
  }
  feed(f, kinds[t->kind]);
  if (t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL) feed_type(f, t->elem);
  if (t->kind == GEN_STRUCT || t->kind == GEN_ENUM) feed(f, t->name);
}

static void feed_params(fnv *f, const ffirt__gen_param *p, size_t n) {
  feed_i64(f, (int64_t)n);
  for (size_t i = 0; i < n; i++) {
    feed_type(f, p[i].type);
    feed(f, p[i].name ? p[i].name : "");
  }
}

uint64_t ffirt__gen_fingerprint(const ffirt__gen_model *m) {
  fnv f = {0xcbf29ce484222325ull};
  feed(&f, FFIRT_GEN_FINGERPRINT_VERSION);
  feed(&f, m->library ? m->library : "");
  feed(&f, m->state ? m->state : "");
  feed_i64(&f, (int64_t)m->nstructs);
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    feed(&f, s->name);
    feed_i64(&f, (int64_t)s->nfields);
    for (size_t k = 0; k < s->nfields; k++) {
      feed_type(&f, s->fields[k].type);
      feed(&f, s->fields[k].name);
    }
  }
  feed_i64(&f, (int64_t)m->nenums);
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *e = &m->enums[i];
    feed(&f, e->name);
    feed_i64(&f, (int64_t)e->nitems);
    for (size_t k = 0; k < e->nitems; k++) {
      feed(&f, e->items[k].name);
      feed(&f, e->items[k].wire);
      feed_i64(&f, e->items[k].value);
    }
  }
  feed_i64(&f, (int64_t)m->nconsts);
  for (size_t i = 0; i < m->nconsts; i++) {
    feed_type(&f, m->consts[i].type);
    feed(&f, m->consts[i].name);
    feed(&f, m->consts[i].literal ? m->consts[i].literal : "");
  }
  feed_i64(&f, (int64_t)m->nprocs);
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    static const char *const kinds[] = {"ctor", "dtor", "method", "static"};
    feed(&f, kinds[p->kind]);
    feed(&f, p->name);
    feed_params(&f, p->params, p->nparams);
    feed_type(&f, p->result);
  }
  feed_i64(&f, (int64_t)m->nevents);
  for (size_t i = 0; i < m->nevents; i++) {
    feed(&f, m->events[i].wire);
    feed_params(&f, m->events[i].params, m->events[i].nparams);
  }
  return f.h;
}
