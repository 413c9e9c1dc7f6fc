/*
 * writer.c - indentation-aware text buffer and change-only file saving.
 * See writer.h for the design notes.
 */
#include "writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ffirt__gen_w_init(ffirt__gen_writer *w) {
  memset(w, 0, sizeof *w);
  w->at_line_start = 1;
}

void ffirt__gen_w_free(ffirt__gen_writer *w) {
  free(w->buf);
  ffirt__gen_w_init(w);
}

static void put(ffirt__gen_writer *w, const char *s, size_t n) {
  if (w->oom) return;
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1)
      cap *= 2;
    char *p = realloc(w->buf, cap);
    if (!p) {
      w->oom = 1;
      return;
    }
    w->buf = p;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void put_text(ffirt__gen_writer *w, const char *s) {
  while (*s) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    if (n > 0 && w->at_line_start) {
      const char *unit = w->indent_unit ? w->indent_unit : "  ";
      for (int i = 0; i < w->indent; i++)
        put(w, unit, strlen(unit));
      w->at_line_start = 0;
    }
    put(w, s, n);
    if (!nl) break;
    put(w, "\n", 1);
    w->at_line_start = 1;
    s = nl + 1;
  }
}

static void vprint(ffirt__gen_writer *w, const char *fmt, va_list ap) {
  char small[512];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n < 0) {
    w->oom = 1;
  } else if ((size_t)n < sizeof small) {
    put_text(w, small);
  } else {
    char *big = malloc((size_t)n + 1);
    if (!big) {
      w->oom = 1;
    } else {
      vsnprintf(big, (size_t)n + 1, fmt, ap2);
      put_text(w, big);
      free(big);
    }
  }
  va_end(ap2);
}

void ffirt__gen_w_printf(ffirt__gen_writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint(w, fmt, ap);
  va_end(ap);
}

void ffirt__gen_w_line(ffirt__gen_writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint(w, fmt, ap);
  va_end(ap);
  put(w, "\n", 1);
  w->at_line_start = 1;
}

void ffirt__gen_w_blank(ffirt__gen_writer *w) {
  put(w, "\n", 1);
  w->at_line_start = 1;
}

void ffirt__gen_w_indent(ffirt__gen_writer *w) { w->indent++; }

void ffirt__gen_w_set_indent(ffirt__gen_writer *w, const char *unit) { w->indent_unit = unit; }

void ffirt__gen_w_dedent(ffirt__gen_writer *w) {
  if (w->indent > 0) w->indent--;
}

void ffirt__gen_w_doc(ffirt__gen_writer *w, const ffirt__gen_doc *doc, ffirt__gen_doc_style style) {
  if (!doc || doc->count == 0) return;
  if (style == GEN_DOC_C_BLOCK) {
    if (doc->count == 1) {
      ffirt__gen_w_line(w, "/** %s */", doc->lines[0]);
      return;
    }
    ffirt__gen_w_line(w, "/**");
    for (size_t i = 0; i < doc->count; i++)
      ffirt__gen_w_line(w, doc->lines[i][0] ? " * %s" : " *", doc->lines[i]);
    ffirt__gen_w_line(w, " */");
    return;
  }
  const char *lead = style == GEN_DOC_C_LINE   ? "///"
                     : style == GEN_DOC_HASH   ? "#"
                     : style == GEN_DOC_SLASH2 ? "//"
                     : style == GEN_DOC_INNER  ? "//!"
                                               : ";";
  for (size_t i = 0; i < doc->count; i++)
    ffirt__gen_w_line(w, doc->lines[i][0] ? "%s %s" : "%s", lead, doc->lines[i]);
}

int ffirt__gen_w_save(ffirt__gen_writer *w, const char *dir, const char *name) {
  if (w->oom) {
    fprintf(stderr, "ffirt-gen: out of memory while writing %s\n", name);
    return -1;
  }
  size_t plen = (dir ? strlen(dir) : 0) + strlen(name) + 2;
  char *path = malloc(plen);
  if (!path) return -1;
  if (dir && *dir)
    snprintf(path, plen, "%s/%s", dir, name);
  else
    snprintf(path, plen, "%s", name);

  FILE *f = fopen(path, "rb");
  if (f) {
    int same = 1;
    char chunk[4096];
    size_t off = 0, n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
      if (off + n > w->len || memcmp(chunk, w->buf + off, n) != 0) {
        same = 0;
        break;
      }
      off += n;
    }
    fclose(f);
    if (same && off == w->len) {
      free(path);
      return 0;
    }
  }
  f = fopen(path, "wb");
  if (!f || (w->len && fwrite(w->buf, 1, w->len, f) != w->len) || fclose(f) != 0) {
    fprintf(stderr, "ffirt-gen: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    return -1;
  }
  free(path);
  return 0;
}
