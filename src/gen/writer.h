/*
 * writer.h - the text writer every emitter writes through.
 *
 * Design notes:
 *  - Indentation is applied at the start of each non-empty line, so emitters
 *    write logical lines and never count spaces (2 spaces per level).
 *  - Out of memory is sticky (w->oom) and checked once by ffirt__gen_w_save.
 *  - Saving rewrites a file only when its content changed, so a regenerate
 *    that changes nothing does not trigger rebuilds.
 */
#ifndef FFIRT_GEN_WRITER_H
#define FFIRT_GEN_WRITER_H

#include <stddef.h>

#include "ir.h"

typedef struct ffirt__gen_writer {
  char *buf;
  size_t len, cap;
  int indent;
  const char *indent_unit; /* NULL: two spaces (C); see ffirt__gen_w_set_indent */
  int at_line_start;
  int oom;
} ffirt__gen_writer;

void ffirt__gen_w_init(ffirt__gen_writer *w);
void ffirt__gen_w_free(ffirt__gen_writer *w);
/* Appends formatted text; newlines in it start new (indented) lines. */
void ffirt__gen_w_printf(ffirt__gen_writer *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* ffirt__gen_w_printf plus a newline. */
void ffirt__gen_w_line(ffirt__gen_writer *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ffirt__gen_w_blank(ffirt__gen_writer *w); /* an empty line */
void ffirt__gen_w_indent(ffirt__gen_writer *w);
/* The text of one indentation level: "  " (the default, C and C++), "    "
 * (Python, Rust) or "\t" (Go). Borrowed; set it before writing. */
void ffirt__gen_w_set_indent(ffirt__gen_writer *w, const char *unit);
void ffirt__gen_w_dedent(ffirt__gen_writer *w);

typedef enum ffirt__gen_doc_style {
  GEN_DOC_C_BLOCK, /* slash-star-star ... star-slash block */
  GEN_DOC_C_LINE,  /* "/// text" lines (also C++) */
  GEN_DOC_HASH,    /* "# text" (Python, CMake) */
  GEN_DOC_SEMI,    /* "; text" (CDDL) */
  GEN_DOC_SLASH2,  /* "// text" (Go) */
  GEN_DOC_INNER    /* "//! text" (Rust crate and module docs) */
} ffirt__gen_doc_style;
/* Writes doc (nothing when it has no lines). */
void ffirt__gen_w_doc(ffirt__gen_writer *w, const ffirt__gen_doc *doc, ffirt__gen_doc_style style);

/* Writes the buffer to dir/name (dir "" or NULL = current directory) unless
 * the file already holds exactly this content. Returns 0, or -1 with a
 * message on stderr (I/O error or out of memory). */
int ffirt__gen_w_save(ffirt__gen_writer *w, const char *dir, const char *name);

#endif /* FFIRT_GEN_WRITER_H */
