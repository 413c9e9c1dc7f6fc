/*
 * naming.c - the naming rules of generated C code (see naming.h).
 *
 * Design notes:
 *  - Pure functions of the model plus a string pool; no global state.
 */
#include "naming.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ffirt__gen_names_init(ffirt__gen_names *n) { memset(n, 0, sizeof *n); }

void ffirt__gen_names_free(ffirt__gen_names *n) {
  for (size_t i = 0; i < n->count; i++)
    free(n->items[i]);
  free(n->items);
  ffirt__gen_names_init(n);
}

static const char *keep(ffirt__gen_names *n, char *s) {
  if (!s) {
    n->oom = 1;
    return "";
  }
  if (n->count == n->cap) {
    size_t cap = n->cap ? n->cap * 2 : 64;
    char **items = realloc(n->items, cap * sizeof *items);
    if (!items) {
      free(s);
      n->oom = 1;
      return "";
    }
    n->items = items;
    n->cap = cap;
  }
  n->items[n->count++] = s;
  return s;
}

const char *ffirt__gen_fmt(ffirt__gen_names *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0) return keep(n, NULL);
  char *s = malloc((size_t)len + 1);
  if (s) {
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
  }
  return keep(n, s);
}

const char *ffirt__gen_scalar_ctype(ffirt__gen_kind k) {
  switch (k) {
  case GEN_BOOL: return "int";
  case GEN_I8: return "int8_t";
  case GEN_I16: return "int16_t";
  case GEN_I32: return "int32_t";
  case GEN_I64: return "int64_t";
  case GEN_U8: return "uint8_t";
  case GEN_U16: return "uint16_t";
  case GEN_U32: return "uint32_t";
  case GEN_U64: return "uint64_t";
  case GEN_F32: return "float";
  case GEN_F64: return "double";
  default: return NULL;
  }
}

const char *ffirt__gen_kind_name(ffirt__gen_kind k) {
  static const char *const names[] = {"bool",  "i8",  "i16",      "i32",    "i64", "u8",
                                      "u16",   "u32", "u64",      "f32",    "f64", "string",
                                      "bytes", "seq", "optional", "struct", "enum"};
  return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

int ffirt__gen_kind_is_int(ffirt__gen_kind k) { return k >= GEN_I8 && k <= GEN_U64; }

int ffirt__gen_kind_is_signed(ffirt__gen_kind k) { return k >= GEN_I8 && k <= GEN_I64; }

const char *ffirt__gen_slug(ffirt__gen_names *n, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_SEQ: return ffirt__gen_fmt(n, "seq_%s", ffirt__gen_slug(n, t->elem));
  case GEN_OPTIONAL: return ffirt__gen_fmt(n, "opt_%s", ffirt__gen_slug(n, t->elem));
  case GEN_STRUCT:
  case GEN_ENUM: return t->name;
  default: return ffirt__gen_kind_name(t->kind);
  }
}

const char *ffirt__gen_box_name(ffirt__gen_names *n, const char *lib, const ffirt__gen_type *t) {
  return ffirt__gen_fmt(n, "%s_%s", lib, ffirt__gen_slug(n, t));
}

const char *ffirt__gen_box_member(const ffirt__gen_type *t) {
  return t->kind == GEN_SEQ ? "items" : t->kind == GEN_OPTIONAL ? "value" : "data";
}

int ffirt__gen_elem_is_boxed(ffirt__gen_kind of, const ffirt__gen_type *elem) {
  return elem->kind == GEN_SEQ || elem->kind == GEN_OPTIONAL ||
         (of == GEN_SEQ && elem->kind == GEN_BYTES);
}

const char *ffirt__gen_value_ctype(ffirt__gen_names *n, const char *lib, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_STRING: return "const char *";
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL: return ffirt__gen_box_name(n, lib, t);
  case GEN_STRUCT:
  case GEN_ENUM: return t->name;
  default: return ffirt__gen_scalar_ctype(t->kind);
  }
}

const char *ffirt__gen_payload_name(ffirt__gen_names *n, const char *wire) {
  size_t len = strlen(wire);
  char *s = malloc(len + sizeof "Payload");
  if (!s) return keep(n, NULL);
  size_t o = 0;
  int up = 1;
  for (size_t i = 0; i < len; i++) {
    if (wire[i] == '_') {
      up = 1;
      continue;
    }
    s[o++] = up ? (char)toupper((unsigned char)wire[i]) : wire[i];
    up = 0;
  }
  memcpy(s + o, "Payload", sizeof "Payload");
  return keep(n, s);
}

const char *ffirt__gen_upper(ffirt__gen_names *n, const char *s) {
  char *u = malloc(strlen(s) + 1);
  if (!u) return keep(n, NULL);
  size_t i = 0;
  for (; s[i]; i++)
    u[i] = (char)toupper((unsigned char)s[i]);
  u[i] = '\0';
  return keep(n, u);
}

const char *ffirt__gen_glue_prefix(ffirt__gen_names *n, const char *lib) {
  return ffirt__gen_fmt(n, "%s__ffi_", lib);
}

/* ------------------------------------------------- text in C source code */

const char *ffirt__gen_c_string(ffirt__gen_names *n, const char *s) {
  size_t len = strlen(s);
  /* worst case: every byte as a 4-character octal escape, plus quotes */
  if (len > (SIZE_MAX - 3) / 4) return keep(n, NULL);
  char *out = malloc(len * 4 + 3);
  if (!out) return keep(n, NULL);
  char *o = out;
  *o++ = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': o += sprintf(o, "\\\""); break;
    case '\\': o += sprintf(o, "\\\\"); break;
    case '\n': o += sprintf(o, "\\n"); break;
    case '\t': o += sprintf(o, "\\t"); break;
    case '\r': o += sprintf(o, "\\r"); break;
    case '?':
      /* "??/" and friends are trigraphs in strict C11: break every "??" */
      if (p > (const unsigned char *)s && p[-1] == '?')
        o += sprintf(o, "\\?");
      else
        *o++ = '?';
      break;
    default:
      /* octal, not \x: an octal escape ends after three digits, so a digit
       * that follows cannot extend it */
      if (*p < 0x20 || *p >= 0x7f)
        o += sprintf(o, "\\%03o", (unsigned)*p);
      else
        *o++ = (char)*p;
    }
  }
  *o++ = '"';
  *o = '\0';
  return keep(n, out);
}

const char *ffirt__gen_c_comment(ffirt__gen_names *n, const char *s) {
  size_t len = strlen(s);
  if (len > (SIZE_MAX - 1) / 2) return keep(n, NULL);
  char *out = malloc(len * 2 + 1);
  if (!out) return keep(n, NULL);
  char *o = out;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (c < 0x20 || c == 0x7f) c = ' '; /* a control (newline) would end the line */
    /* "*" "/" would end the comment, "/" "*" draws a -Wcomment warning */
    if ((c == '/' && o > out && o[-1] == '*') || (c == '*' && o > out && o[-1] == '/')) *o++ = ' ';
    /* "??/" at the end of a line is an escaped newline in strict C11
     * (-Wtrigraphs); a backslash there only splices two comment lines */
    if (c == '/' && o - out >= 2 && o[-1] == '?' && o[-2] == '?') *o++ = ' ';
    *o++ = (char)c;
  }
  *o = '\0';
  return keep(n, out);
}

const char *ffirt__gen_base_name(const char *path) {
  const char *base = strrchr(path, '/');
#if defined(_WIN32)
  const char *bs = strrchr(path, '\\');
  if (bs && (!base || bs > base)) base = bs;
#endif
  return base ? base + 1 : path;
}
