/*
 * diag.c - diagnostics: "file:line:col: error: message", the source line and
 * a caret under the column, collected into one text buffer.
 *
 * Design notes:
 *  - A diagnostic is rendered when reported into a pending entry; flush
 *    sorts the entries by (line, column, report order) and appends them to
 *    d->out, so the output reads in source order whichever phase found it.
 *  - The buffer is memory from ffirt__gen_realloc owned by the ffirt__gen_diag (freed
 *    by ffirt__gen_diag_free); out of memory drops text, never crashes.
 *  - The caret line copies the tabs of the source line so the caret lines up
 *    whatever the terminal's tab width. Lines longer than 500 bytes are not
 *    shown (only the position), and at most FFIRT_GEN_MAX_DIAGS diagnostics
 *    are rendered, so output stays proportional to the input.
 */
#include "lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(ffirt__gen_diag *d, const char *s, size_t n) {
  if (d->out_len + n + 1 > d->out_cap) {
    size_t cap = d->out_cap ? d->out_cap : 1024;
    while (cap < d->out_len + n + 1)
      cap *= 2;
    char *p = ffirt__gen_realloc(d->out, cap);
    if (!p) return;
    d->out = p;
    d->out_cap = cap;
  }
  memcpy(d->out + d->out_len, s, n);
  d->out_len += n;
  d->out[d->out_len] = '\0';
}

static void appendf(ffirt__gen_diag *d, const char *fmt, va_list ap) {
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  append(d, buf, (size_t)n);
}

static void appendp(ffirt__gen_diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  appendf(d, fmt, ap);
  va_end(ap);
}

static void render(ffirt__gen_diag *d, const char *what, ffirt__gen_loc loc, const char *line,
                   size_t n, const char *fmt, va_list ap);

struct ffirt__gen_pending {
  int line, col;
  size_t seq;
  char *text;
};

/* Finds line `line` (1-based) of d->src through the line index (built once
 * per source, so a file with many diagnostics stays linear). */
static const char *find_line(ffirt__gen_diag *d, int line, size_t *n) {
  *n = 0;
  if (!d->src || line < 1) return NULL;
  if (d->line_starts_src != d->src) {
    free(d->line_starts);
    d->line_starts = NULL;
    d->nlines = 0;
    size_t count = 1;
    for (size_t i = 0; i < d->src_len; i++)
      count += d->src[i] == '\n';
    d->line_starts = ffirt__gen_realloc(NULL, count * sizeof *d->line_starts);
    if (!d->line_starts) return NULL;
    d->line_starts[d->nlines++] = 0;
    for (size_t i = 0; i < d->src_len; i++)
      if (d->src[i] == '\n') d->line_starts[d->nlines++] = i + 1;
    d->line_starts_src = d->src;
  }
  if ((size_t)line > d->nlines) return NULL;
  size_t start = d->line_starts[line - 1];
  size_t end = (size_t)line < d->nlines ? d->line_starts[line] - 1 : d->src_len;
  if (end > start && d->src[end - 1] == '\r') end--;
  *n = end - start;
  return d->src + start;
}

static void report(ffirt__gen_diag *d, const char *what, ffirt__gen_loc loc, const char *fmt,
                   va_list ap) {
  if (d->npending >= FFIRT_GEN_MAX_DIAGS) {
    d->not_shown++;
    return;
  }
  /* render into a scratch diag, then keep the text as a pending entry */
  ffirt__gen_diag scratch = {0};
  size_t n;
  const char *line = find_line(d, loc.line, &n);
  render(&scratch, what, loc, line, n, fmt, ap);
  if (d->npending == d->cap_pending) {
    size_t cap = d->cap_pending ? d->cap_pending * 2 : 16;
    struct ffirt__gen_pending *p = ffirt__gen_realloc(d->pending, cap * sizeof *p);
    if (!p) {
      free(scratch.out);
      return;
    }
    d->pending = p;
    d->cap_pending = cap;
  }
  struct ffirt__gen_pending *e = &d->pending[d->npending];
  e->line = loc.line;
  e->col = loc.col;
  e->seq = d->npending++;
  e->text = scratch.out;
}

static int by_loc(const void *a, const void *b) {
  const struct ffirt__gen_pending *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void ffirt__gen_diag_flush(ffirt__gen_diag *d) {
  if (d->npending) qsort(d->pending, d->npending, sizeof *d->pending, by_loc);
  for (size_t i = 0; i < d->npending; i++) {
    if (d->pending[i].text) append(d, d->pending[i].text, strlen(d->pending[i].text));
    free(d->pending[i].text);
  }
  d->npending = 0;
  if (d->not_shown) {
    appendp(d, "(%zu more diagnostics not shown)\n", d->not_shown);
    d->not_shown = 0;
  }
}

static void render(ffirt__gen_diag *d, const char *what, ffirt__gen_loc loc, const char *p,
                   size_t n, const char *fmt, va_list ap) {
  appendp(d, "%s:%d:%d: %s: ", loc.file ? loc.file : "<input>", loc.line, loc.col, what);
  appendf(d, fmt, ap);
  append(d, "\n", 1);
  if (!p || n > 500) return; /* a huge line would flood the output: position only */
  /* the source line as it is, but control bytes (a NUL would end the text)
   * shown as '?', one for one so the caret stays under its column */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    append(d, (c < 0x20 && c != '\t') || c == 0x7f ? "?" : &p[i], 1);
  }
  append(d, "\n", 1);
  for (int c = 1; c < loc.col; c++)
    append(d, (size_t)(c - 1) < n && p[c - 1] == '\t' ? "\t" : " ", 1);
  append(d, "^\n", 2);
}

void ffirt__gen_error(ffirt__gen_diag *d, ffirt__gen_loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(d, "error", loc, fmt, ap);
  va_end(ap);
  d->errors++;
}

void ffirt__gen_warning(ffirt__gen_diag *d, ffirt__gen_loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(d, "warning", loc, fmt, ap);
  va_end(ap);
  d->warnings++;
}

void ffirt__gen_diag_summary(ffirt__gen_diag *d) {
  ffirt__gen_diag_flush(d);
  if (d->errors == 0 && d->warnings == 0) return;
  if (d->errors && d->warnings)
    appendp(d, "%d error%s, %d warning%s generated.\n", d->errors, d->errors == 1 ? "" : "s",
            d->warnings, d->warnings == 1 ? "" : "s");
  else if (d->errors)
    appendp(d, "%d error%s generated.\n", d->errors, d->errors == 1 ? "" : "s");
  else
    appendp(d, "%d warning%s generated.\n", d->warnings, d->warnings == 1 ? "" : "s");
}

void ffirt__gen_diag_free(ffirt__gen_diag *d) {
  for (size_t i = 0; i < d->npending; i++)
    free(d->pending[i].text);
  free(d->pending);
  d->pending = NULL;
  d->npending = d->cap_pending = 0;
  free(d->line_starts);
  d->line_starts = NULL;
  d->nlines = 0;
  d->line_starts_src = NULL;
  free(d->out);
  d->out = NULL;
  d->out_len = d->out_cap = 0;
}
