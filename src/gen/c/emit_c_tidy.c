/*
 * emit_c_tidy.c - brings emitted C close to the repo's clang-format style
 * (LLVM, 100 columns) so generated code reads as if formatted by hand:
 * long lines are wrapped the way clang-format wraps them most of the time,
 * and a function whose body is one short statement is joined on one line.
 *
 * Design notes:
 *  - A text-to-text pass over a finished buffer, so emitters keep writing
 *    logical lines. It only moves whitespace: every non-blank character
 *    stays in order, so the code means the same whatever it decides.
 *  - String and character literals are never split or scanned for
 *    brackets.
 */
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"

#define LIMIT 100

/* Index of the bracket closing the one at s[open], or -1. */
static long closing(const char *s, size_t n, size_t open) {
  int depth = 0;
  for (size_t i = open; i < n; i++) {
    char ch = s[i];
    if (ch == '"' || ch == '\'') {
      for (i++; i < n && s[i] != ch; i++)
        if (s[i] == '\\') i++;
      continue;
    }
    if (ch == '(' || ch == '[' || ch == '{') depth++;
    if (ch == ')' || ch == ']' || ch == '}') {
      if (--depth == 0) return (long)i;
    }
  }
  return -1;
}

/* The first '(' outside literals, or -1. */
static long first_paren(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch == '"' || ch == '\'') {
      for (i++; i < n && s[i] != ch; i++)
        if (s[i] == '\\') i++;
      continue;
    }
    if (ch == '(') return (long)i;
  }
  return -1;
}

static void emit_line(ffirt__gen_writer *out, const char *s, size_t n);

static void spaces(ffirt__gen_writer *out, size_t n) {
  for (size_t i = 0; i < n; i++)
    ffirt__gen_w_printf(out, " ");
}

/* Packs the comma-separated arguments of the bracket at s[open] after it,
 * continuing lines aligned one column right of the bracket. */
/* The end of the top-level argument starting at s[at] (its comma or the
 * closing bracket at close). */
static size_t arg_end(const char *s, size_t at, size_t close) {
  int depth = 0;
  for (; at < close; at++) {
    char ch = s[at];
    if (ch == '"' || ch == '\'') {
      for (at++; at < close && s[at] != ch; at++)
        if (s[at] == '\\') at++;
      continue;
    }
    if (ch == '(' || ch == '[' || ch == '{') depth++;
    if (ch == ')' || ch == ']' || ch == '}') depth--;
    if (ch == ',' && depth == 0) break;
  }
  return at;
}

/* 1 when a[0..n) has a " + " outside brackets. */
static int has_plus(const char *a, size_t n) {
  int depth = 0;
  for (size_t i = 0; i + 2 < n; i++) {
    if (a[i] == '(' || a[i] == '[' || a[i] == '{') depth++;
    if (a[i] == ')' || a[i] == ']' || a[i] == '}') depth--;
    if (!depth && a[i] == ' ' && a[i + 1] == '+' && a[i + 2] == ' ') return 1;
  }
  return 0;
}

/* Appends arg to line; when it overflows, breaks it after its top-level
 * " + " operators, continuing at the argument's own column. */
static void put_arg(ffirt__gen_writer *out, ffirt__gen_writer *line, const char *a, size_t n) {
  size_t col = line->len; /* continuation: under the second operand */
  for (size_t i = 0, d = 0; i + 2 < n; i++) {
    if (a[i] == '(') d++;
    if (a[i] == ')') d--;
    if (!d && a[i] == ' ' && a[i + 1] == '+' && a[i + 2] == ' ') {
      col += i + 3;
      break;
    }
  }
  int depth = 0;
  size_t piece = 0;
  for (size_t i = 0; i + 2 < n; i++) {
    char ch = a[i];
    if (ch == '(' || ch == '[' || ch == '{') depth++;
    if (ch == ')' || ch == ']' || ch == '}') depth--;
    if (depth || ch != ' ' || a[i + 1] != '+' || a[i + 2] != ' ') continue;
    /* a[piece..i+2) is one operand and its operator */
    size_t next = i + 3;
    size_t rest = n - next;
    if (line->len + (i + 2 - piece) > LIMIT) break;
    size_t more = rest;
    for (size_t j = next, d = 0; j + 2 < n; j++) { /* the next operand alone */
      if (a[j] == '(') d++;
      if (a[j] == ')') d--;
      if (!d && a[j] == ' ' && a[j + 1] == '+' && a[j + 2] == ' ') {
        more = j - next + 2;
        break;
      }
    }
    if (line->len + (i + 2 - piece) + 1 + more > LIMIT) {
      ffirt__gen_w_printf(line, "%.*s", (int)(i + 2 - piece), a + piece);
      emit_line(out, line->buf, line->len);
      line->len = 0;
      spaces(line, col);
      piece = next;
    }
  }
  ffirt__gen_w_printf(line, "%.*s", (int)(n - piece), a + piece);
}

static int wrap_args(ffirt__gen_writer *out, const char *s, size_t n, size_t open) {
  long close = closing(s, n, open);
  if (close < 0 || open + 1 >= LIMIT - 20) return 0;
  size_t col = open + 1;
  size_t indent = 0;
  while (s[indent] == ' ')
    indent++;
  /* arguments too long for their aligned column go on the next line,
   * indented by 4, when they all fit there */
  size_t widest = 0;
  for (size_t at = col; at < (size_t)close;) {
    size_t end = arg_end(s, at, (size_t)close);
    size_t len = end - at + 1 + (end >= (size_t)close ? (size_t)(n - close) : 0);
    if (len > widest) widest = len;
    at = end + 1;
    while (at < (size_t)close && s[at] == ' ')
      at++;
  }
  ffirt__gen_writer line;
  ffirt__gen_w_init(&line);
  if (col + widest > LIMIT && s[open] == '(' && indent + 4 + widest <= LIMIT) {
    ffirt__gen_w_printf(out, "%.*s\n", (int)col, s);
    col = indent + 4;
    spaces(&line, col);
  } else {
    ffirt__gen_w_printf(&line, "%.*s", (int)col, s);
  }
  size_t at = open + 1;
  /* designated initializers that do not fit go one per line */
  int one_per_line = s[open] == '{' && s[open + 1] == '.';
  int first = 1;
  while (at < (size_t)close) {
    size_t end = arg_end(s, at, (size_t)close);
    size_t arg_len = end - at + (end < (size_t)close ? 1 : 0); /* with its comma */
    size_t tail = end >= (size_t)close ? (size_t)(n - close) : 0;
    /* an argument too long for any line stays here when it can break at
     * its own " + " operators, like clang-format keeps it */
    int stays = col + arg_len + tail > LIMIT && has_plus(s + at, arg_len);
    if (!first && (one_per_line || (line.len + 1 + arg_len + tail > LIMIT && !stays))) {
      emit_line(out, line.buf, line.len);
      line.len = 0;
      spaces(&line, col);
    } else if (!first) {
      ffirt__gen_w_printf(&line, " ");
    }
    put_arg(out, &line, s + at, arg_len);
    first = 0;
    at = end + 1;
    while (at < (size_t)close && s[at] == ' ')
      at++;
  }
  ffirt__gen_w_printf(&line, "%.*s", (int)(n - (size_t)close), s + close);
  emit_line(out, line.buf, line.len);
  ffirt__gen_w_free(&line);
  return 1;
}

static int ident_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The bracket to wrap at, like clang-format most of the time: the first
 * call of a named function that holds a top-level comma; else the last other
 * call or initializer bracket that does; -1 when none opens early enough. */
static long wrap_point(const char *s, size_t n) {
  long literal = -1, pointer_call = -1, braces = -1;
  for (size_t i = 1; i < n && i < LIMIT - 20; i++) {
    char ch = s[i];
    if (ch == '"' || ch == '\'') {
      for (i++; i < n && s[i] != ch; i++)
        if (s[i] == '\\') i++;
      continue;
    }
    int named = ch == '(' && ident_char(s[i - 1]);
    int compound = ch == '{' && s[i - 1] == ')';
    int through_pointer = ch == '(' && s[i - 1] == ')';
    int init = ch == '{' && i > 1 && s[i - 1] == ' ' && s[i - 2] == '=';
    if (!named && !compound && !through_pointer && !init) continue;
    long close = closing(s, n, i);
    if (close < 0) continue;
    int depth = 0, comma = 0;
    for (long j = (long)i + 1; j < close && !comma; j++) {
      char c = s[j];
      if (c == '"' || c == '\'') {
        for (j++; j < close && s[j] != c; j++)
          if (s[j] == '\\') j++;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') depth++;
      if (c == ')' || c == ']' || c == '}') depth--;
      comma = c == ',' && depth == 0;
    }
    if (!comma) continue;
    if (named) return (long)i;
    if (compound && literal < 0) literal = (long)i;
    if (through_pointer) pointer_call = (long)i;
    if (init && braces < 0) braces = (long)i;
  }
  return literal >= 0 ? literal : pointer_call >= 0 ? pointer_call : braces;
}

/* "lhs = rhs;" with a call on the right that fits on the next line, indented
 * by 4 more: the position after "= ", or 0. */
static size_t assignment_break(const char *s, size_t n, size_t indent) {
  long paren = first_paren(s, n);
  for (size_t i = indent; i + 2 < n && (paren < 0 || (long)i < paren); i++) {
    if (s[i] == ' ' && s[i + 1] == '=' && s[i + 2] == ' ') {
      size_t rhs = i + 3;
      if (s[rhs] != '{' && indent + 4 + (n - rhs) <= LIMIT) return rhs;
      return 0;
    }
  }
  return 0;
}

static int nesting; /* emit_line recursion; bounded so no input can loop */

static void emit_line_at(ffirt__gen_writer *out, const char *s, size_t n);

static void emit_line(ffirt__gen_writer *out, const char *s, size_t n) {
  if (nesting >= 16) {
    ffirt__gen_w_printf(out, "%.*s\n", (int)n, s);
    return;
  }
  nesting++;
  emit_line_at(out, s, n);
  nesting--;
}

static void emit_line_at(ffirt__gen_writer *out, const char *s, size_t n) {
  size_t indent = 0;
  while (indent < n && s[indent] == ' ')
    indent++;
  if (n <= LIMIT ||
      (n - indent >= 2 && (s[indent] == '/' || s[indent] == '*' || s[indent] == '#'))) {
    ffirt__gen_w_printf(out, "%.*s\n", (int)n, s);
    return;
  }
  /* f(...) { statement; }  ->  three lines */
  if (indent == 0 && n > 4 && s[n - 1] == '}' && s[n - 2] == ' ') {
    const char *body = strstr(s, ") { ");
    if (body && body < s + n - 4) {
      size_t open = (size_t)(body - s) + 2;
      emit_line(out, s, open + 1);
      ffirt__gen_writer line;
      ffirt__gen_w_init(&line);
      ffirt__gen_w_printf(&line, "  %.*s", (int)(n - 2 - (open + 2)), s + open + 2);
      if (line.buf) emit_line(out, line.buf, line.len);
      ffirt__gen_w_free(&line);
      ffirt__gen_w_printf(out, "}\n");
      return;
    }
  }
  /* if (cond) statement;  ->  the statement on its own line */
  if (n - indent > 4 && strncmp(s + indent, "if (", 4) == 0) {
    long close = closing(s, n, indent + 3);
    if (close > 0 && (size_t)close + 2 < n && s[close + 1] == ' ' && s[close + 2] != '{') {
      emit_line(out, s, (size_t)close + 1);
      size_t body = (size_t)close + 2;
      ffirt__gen_writer line;
      ffirt__gen_w_init(&line);
      spaces(&line, indent + 2);
      ffirt__gen_w_printf(&line, "%.*s", (int)(n - body), s + body);
      if (line.buf) emit_line(out, line.buf, line.len);
      ffirt__gen_w_free(&line);
      return;
    }
  }
  size_t rhs = assignment_break(s, n, indent);
  if (rhs) {
    ffirt__gen_w_printf(out, "%.*s\n", (int)(rhs - 1), s);
    spaces(out, indent + 4);
    ffirt__gen_w_printf(out, "%.*s\n", (int)(n - rhs), s + rhs);
    return;
  }
  long open = wrap_point(s, n);
  if (open >= 0 && wrap_args(out, s, n, (size_t)open)) return;
  ffirt__gen_w_printf(out, "%.*s\n", (int)n, s);
}

/* A definition line "...) {" at column 0 that opens a function. */
static int opens_function(const char *s, size_t n) {
  if (n < 3 || s[0] == ' ' || s[0] == '#' || s[0] == '/' || s[0] == '*') return 0;
  if (memchr(s, '=', n)) return 0;
  return s[n - 1] == '{' && s[n - 2] == ' ' && s[n - 3] == ')';
}

static int simple_statement(const char *s, size_t n) {
  static const char *const keywords[] = {"if ", "for ",  "while ",  "switch ",
                                         "do ", "case ", "default:"};
  if (n < 3 || strncmp(s, "  ", 2) != 0 || s[2] == ' ' || s[n - 1] != ';') return 0;
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (strncmp(s + 2, keywords[i], strlen(keywords[i])) == 0) return 0;
  return 1;
}

void ffirt__gen_c_tidy(ffirt__gen_writer *w) {
  if (w->oom || !w->buf) return;
  ffirt__gen_writer out;
  ffirt__gen_w_init(&out);
  const char *s = w->buf, *end = w->buf + w->len;
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
    const char *next = nl ? nl + 1 : end;
    /* f(...) {\n  stmt;\n}  ->  one line when it fits */
    if (opens_function(s, n) && next < end) {
      const char *nl2 = memchr(next, '\n', (size_t)(end - next));
      if (nl2 && nl2 + 1 < end && simple_statement(next, (size_t)(nl2 - next)) && nl2[1] == '}' &&
          (nl2 + 2 == end || nl2[2] == '\n')) {
        size_t stmt = (size_t)(nl2 - next) - 2;
        if (n + 1 + stmt + 2 <= LIMIT) {
          ffirt__gen_w_printf(&out, "%.*s %.*s }\n", (int)n, s, (int)stmt, next + 2);
          s = nl2 + 2 + (nl2 + 2 < end ? 1 : 0);
          continue;
        }
      }
    }
    emit_line(&out, s, n);
    s = next;
  }
  if (out.oom) {
    w->oom = 1;
    ffirt__gen_w_free(&out);
    return;
  }
  /* keep the buffer's last newline state */
  if (w->len && w->buf[w->len - 1] != '\n' && out.len && out.buf[out.len - 1] == '\n')
    out.buf[--out.len] = '\0';
  free(w->buf);
  *w = out;
}
