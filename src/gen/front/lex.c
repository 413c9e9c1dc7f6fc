/*
 * lex.c - the IDL lexer: source text -> token array with doc comments
 * attached (see lex.h for the design notes).
 *
 * Lexical grammar (docs/idl.md has the full EBNF):
 *   ident   = letter { letter | digit | "_" }   (letter includes "_")
 *   int     = [ "-" ] ( digit { digit } | "0x" hexdigit { hexdigit } )
 *   float   = [ "-" ] digit { digit } ( "." digit { digit } [ exp ] | exp )
 *   string  = '"' { char | escape } '"'        (one line)
 *   comment = "//" ... end of line | "/" "*" ... "*" "/"
 *   doc     = "///" ... end of line             (but "////" is a comment)
 */
#include "lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
  const char *file;
  const char *src, *p, *end;
  int line;
  const char *line_start;
  ffirt__gen_diag *d;
  ffirt__gen_lexed *out;
  size_t cap_toks, cap_docs;
  int oom;
} lexer;

static ffirt__gen_loc loc_at(lexer *lx, const char *p) {
  ffirt__gen_loc l = {lx->file, lx->line, (int)(p - lx->line_start) + 1};
  return l;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static void *grow(void *arr, size_t n, size_t *cap, size_t elsize, int *oom) {
  if (n < *cap) return arr;
  size_t ncap = *cap ? *cap * 2 : 64;
  void *p = ffirt__gen_realloc(arr, ncap * elsize);
  if (!p) {
    *oom = 1;
    return NULL;
  }
  *cap = ncap;
  return p;
}

static ffirt__gen_token *add_tok(lexer *lx, ffirt__gen_tok_kind k, const char *start, size_t len,
                                 ffirt__gen_loc loc) {
  ffirt__gen_lexed *o = lx->out;
  ffirt__gen_token *t = grow(o->toks, o->ntoks, &lx->cap_toks, sizeof *t, &lx->oom);
  if (!t) return NULL;
  o->toks = t;
  t = &o->toks[o->ntoks++];
  memset(t, 0, sizeof *t);
  t->kind = k;
  t->text = start;
  t->len = len;
  t->loc = loc;
  return t;
}

static void add_doc(lexer *lx, const char *text, size_t len, ffirt__gen_loc loc) {
  ffirt__gen_lexed *o = lx->out;
  ffirt__gen_doc_tok *d = grow(o->docs, o->ndocs, &lx->cap_docs, sizeof *d, &lx->oom);
  if (!d) return;
  o->docs = d;
  d = &o->docs[o->ndocs++];
  d->text = text;
  d->len = len;
  d->loc = loc;
  d->used = 0;
}

/* Offset of the first byte of s[0..n) that is not part of well-formed UTF-8
 * (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), or n. */
static size_t utf8_bad_at(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xc2 && c <= 0xdf ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (!len || i + len > n) return i;
    for (size_t k = 1; k < len; k++)
      if ((p[i + k] & 0xc0) != 0x80) return i;
    if (len == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f))) return i;
    if (len == 4 && ((c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))) return i;
    i += len;
  }
  return n;
}

/* Reports the first byte of text[0..n) that generated files must not carry:
 * a NUL (it would end the text early), another control character than a
 * tab, or a byte that is not UTF-8. what: "a string literal", "a doc
 * comment". Returns 0 when the text is clean. */
static int check_text_bytes(lexer *lx, const char *text, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == 0) {
      ffirt__gen_error(lx->d, loc_at(lx, text + i), "raw NUL byte in %s", what);
      return -1;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      ffirt__gen_error(lx->d, loc_at(lx, text + i), "raw control character 0x%02x in %s", c, what);
      return -1;
    }
  }
  size_t bad = utf8_bad_at(text, n);
  if (bad < n) {
    ffirt__gen_error(lx->d, loc_at(lx, text + bad), "byte 0x%02x in %s is not valid UTF-8",
                     (unsigned char)text[bad], what);
    return -1;
  }
  return 0;
}

static void newline(lexer *lx, const char *after) {
  lx->line++;
  lx->line_start = after;
}

/* Skips a string literal starting at the quote; returns 0 if terminated. */
static int lex_string(lexer *lx) {
  const char *start = lx->p;
  ffirt__gen_loc loc = loc_at(lx, start);
  const char *p = start + 1;
  while (p < lx->end && *p != '"' && *p != '\n') {
    if (*p == '\\' && p + 1 < lx->end && p[1] != '\n') p++;
    p++;
  }
  if (p >= lx->end || *p != '"') {
    ffirt__gen_error(lx->d, loc, "unterminated string literal");
    lx->p = p;
    add_tok(lx, TOK_ERROR, start, (size_t)(p - start), loc);
    return -1;
  }
  lx->p = p + 1;
  if (check_text_bytes(lx, start + 1, (size_t)(p - start - 1), "a string literal") != 0) {
    add_tok(lx, TOK_ERROR, start, (size_t)(lx->p - start), loc);
    return -1;
  }
  add_tok(lx, TOK_STRING, start, (size_t)(lx->p - start), loc);
  return 0;
}

static void lex_number(lexer *lx) {
  const char *start = lx->p, *p = lx->p;
  ffirt__gen_loc loc = loc_at(lx, start);
  ffirt__gen_tok_kind k = TOK_INT;
  if (*p == '-') p++;
  if (p + 1 < lx->end && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    const char *digits = p;
    while (p < lx->end && is_hex(*p))
      p++;
    if (p == digits) k = TOK_EOF; /* marks "malformed" */
  } else {
    while (p < lx->end && is_digit(*p))
      p++;
    if (p + 1 < lx->end && *p == '.' && is_digit(p[1])) {
      k = TOK_FLOAT;
      p++;
      while (p < lx->end && is_digit(*p))
        p++;
    }
    if (p < lx->end && (*p == 'e' || *p == 'E')) {
      const char *q = p + 1;
      if (q < lx->end && (*q == '+' || *q == '-')) q++;
      if (q < lx->end && is_digit(*q)) {
        k = TOK_FLOAT;
        p = q;
        while (p < lx->end && is_digit(*p))
          p++;
      }
    }
  }
  if (k == TOK_EOF || (p < lx->end && (is_alpha(*p) || is_digit(*p) || *p == '.'))) {
    while (p < lx->end && (is_alpha(*p) || is_digit(*p) || *p == '.'))
      p++;
    ffirt__gen_error(lx->d, loc, "malformed number '%.*s'", (int)(p - start), start);
    lx->p = p;
    add_tok(lx, TOK_ERROR, start, (size_t)(p - start), loc);
    return;
  }
  lx->p = p;
  add_tok(lx, k, start, (size_t)(p - start), loc);
}

int ffirt__gen_lex(const char *file, const char *src, size_t len, ffirt__gen_diag *d,
                   ffirt__gen_lexed *out) {
  lexer lx = {0};
  lx.file = file;
  lx.src = lx.p = lx.line_start = src;
  lx.end = src + len;
  lx.line = 1;
  lx.d = d;
  lx.out = out;
  memset(out, 0, sizeof *out);
  /* a UTF-8 byte order mark is not part of the text (columns count after it) */
  if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) lx.p = lx.line_start = src + 3;
  /* pending leading docs: [lead_start, ndocs) */
  size_t lead_start = 0;
  int last_tok_line = 0;

  while (lx.p < lx.end && !lx.oom) {
    char c = *lx.p;
    if (c == '\n') {
      newline(&lx, lx.p + 1);
      lx.p++;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      lx.p++;
      continue;
    }
    if (c == '/' && lx.p + 1 < lx.end && lx.p[1] == '/') {
      const char *eol = memchr(lx.p, '\n', (size_t)(lx.end - lx.p));
      if (!eol) eol = lx.end;
      if (lx.p + 2 < lx.end && lx.p[2] == '/' && !(lx.p + 3 < lx.end && lx.p[3] == '/')) {
        ffirt__gen_loc loc = loc_at(&lx, lx.p);
        const char *t = lx.p + 3;
        if (t < eol && *t == ' ') t++;
        const char *e = eol;
        while (e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
          e--;
        size_t idx = out->ndocs;
        /* a doc line with bad bytes is reported and dropped: docs are copied
         * into every generated file */
        if (check_text_bytes(&lx, t, (size_t)(e - t), "a doc comment") != 0) {
          lx.p = eol;
          continue;
        }
        add_doc(&lx, t, (size_t)(e - t), loc);
        if (lx.oom) break;
        if (out->ntoks > 0 && last_tok_line == lx.line && idx == lead_start &&
            !out->toks[out->ntoks - 1].trail_doc) {
          out->toks[out->ntoks - 1].trail_doc = idx + 1;
          lead_start = out->ndocs;
        }
      }
      lx.p = eol;
      continue;
    }
    if (c == '/' && lx.p + 1 < lx.end && lx.p[1] == '*') {
      ffirt__gen_loc loc = loc_at(&lx, lx.p);
      const char *p = lx.p + 2;
      int closed = 0;
      while (p < lx.end) {
        if (*p == '*' && p + 1 < lx.end && p[1] == '/') {
          p += 2;
          closed = 1;
          break;
        }
        if (*p == '\n') newline(&lx, p + 1);
        p++;
      }
      if (!closed) ffirt__gen_error(d, loc, "unterminated comment");
      lx.p = p;
      continue;
    }
    size_t before = out->ntoks;
    const char *start = lx.p;
    ffirt__gen_loc loc = loc_at(&lx, start);
    if (is_alpha(c)) {
      const char *p = lx.p;
      while (p < lx.end && (is_alpha(*p) || is_digit(*p)))
        p++;
      lx.p = p;
      if (p - start > FFIRT_GEN_MAX_IDENT) {
        ffirt__gen_error(d, loc, "identifier '%.16s...' is %zu characters long (the limit is %d)",
                         start, (size_t)(p - start), FFIRT_GEN_MAX_IDENT);
        add_tok(&lx, TOK_ERROR, start, (size_t)(p - start), loc);
      } else {
        add_tok(&lx, TOK_IDENT, start, (size_t)(p - start), loc);
      }
    } else if (is_digit(c) || (c == '-' && lx.p + 1 < lx.end && is_digit(lx.p[1]))) {
      lex_number(&lx);
    } else if (c == '"') {
      lex_string(&lx);
    } else if (c == '-' && lx.p + 1 < lx.end && lx.p[1] == '>') {
      lx.p += 2;
      add_tok(&lx, TOK_ARROW, start, 2, loc);
    } else {
      ffirt__gen_tok_kind k;
      switch (c) {
      case ';': k = TOK_SEMI; break;
      case ',': k = TOK_COMMA; break;
      case '{': k = TOK_LBRACE; break;
      case '}': k = TOK_RBRACE; break;
      case '(': k = TOK_LPAREN; break;
      case ')': k = TOK_RPAREN; break;
      case '<': k = TOK_LT; break;
      case '>': k = TOK_GT; break;
      case '=': k = TOK_EQ; break;
      case '[': k = TOK_LBRACKET; break;
      case ']': k = TOK_RBRACKET; break;
      default: k = TOK_EOF; break;
      }
      if (k == TOK_EOF) {
        /* one diagnostic per run of bad bytes (a UTF-8 sequence is one) */
        const char *p = lx.p + 1;
        while (p < lx.end && ((unsigned char)*p & 0xC0) == 0x80)
          p++;
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
          ffirt__gen_error(d, loc, "unexpected character '%c'", c);
        else
          ffirt__gen_error(d, loc, "unexpected byte 0x%02x (identifiers are ASCII)",
                           (unsigned char)c);
        lx.p = p;
      } else {
        lx.p++;
        add_tok(&lx, k, start, 1, loc);
      }
    }
    if (out->ntoks > before) {
      ffirt__gen_token *t = &out->toks[out->ntoks - 1];
      t->lead_doc = lead_start;
      t->nlead_doc = out->ndocs - lead_start;
      lead_start = out->ndocs;
      last_tok_line = t->loc.line;
    }
  }
  if (!lx.oom) {
    ffirt__gen_token *t = add_tok(&lx, TOK_EOF, lx.end, 0, loc_at(&lx, lx.p));
    if (t) {
      t->lead_doc = lead_start;
      t->nlead_doc = out->ndocs - lead_start;
    }
  }
  if (lx.oom) {
    ffirt__gen_lexed_free(out);
    return -1;
  }
  return 0;
}

void ffirt__gen_lexed_free(ffirt__gen_lexed *l) {
  free(l->toks);
  free(l->docs);
  memset(l, 0, sizeof *l);
}

const char *ffirt__gen_tok_name(ffirt__gen_tok_kind k) {
  switch (k) {
  case TOK_EOF: return "end of file";
  case TOK_IDENT: return "a name";
  case TOK_INT: return "an integer";
  case TOK_FLOAT: return "a number";
  case TOK_STRING: return "a string";
  case TOK_SEMI: return "';'";
  case TOK_COMMA: return "','";
  case TOK_LBRACE: return "'{'";
  case TOK_RBRACE: return "'}'";
  case TOK_LPAREN: return "'('";
  case TOK_RPAREN: return "')'";
  case TOK_LT: return "'<'";
  case TOK_GT: return "'>'";
  case TOK_EQ: return "'='";
  case TOK_ARROW: return "'->'";
  case TOK_LBRACKET: return "'['";
  case TOK_RBRACKET: return "']'";
  case TOK_ERROR: return "an invalid token";
  }
  return "?";
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char *ffirt__gen_unquote(ffirt__gen_arena *a, const char *text, size_t len, const char **err) {
  /* text includes both quotes; the decoded form is never longer */
  char *out = ffirt__gen_alloc(a, len + 1);
  size_t n = 0;
  for (size_t i = 1; i + 1 < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c != '\\') {
      out[n++] = (char)c;
      continue;
    }
    i++;
    switch (text[i]) {
    case '"': out[n++] = '"'; break;
    case '\\': out[n++] = '\\'; break;
    case 'n': out[n++] = '\n'; break;
    case 't': out[n++] = '\t'; break;
    case 'r': out[n++] = '\r'; break;
    case 'u': {
      if (i + 4 > len - 2 || !is_hex(text[i + 1]) || !is_hex(text[i + 2]) || !is_hex(text[i + 3]) ||
          !is_hex(text[i + 4])) {
        *err = "\\u needs four hex digits";
        return NULL;
      }
      unsigned cp = 0;
      for (int k = 1; k <= 4; k++)
        cp = cp * 16 + (unsigned)hexval(text[i + k]);
      i += 4;
      if (cp == 0) {
        *err = "\\u0000 is not allowed (strings are NUL-terminated)";
        return NULL;
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) {
        *err = "\\u escape of a UTF-16 surrogate";
        return NULL;
      }
      /* at most 3 bytes for 6 source characters: fits */
      if (cp < 0x80) {
        out[n++] = (char)cp;
      } else if (cp < 0x800) {
        out[n++] = (char)(0xC0 | (cp >> 6));
        out[n++] = (char)(0x80 | (cp & 0x3F));
      } else {
        out[n++] = (char)(0xE0 | (cp >> 12));
        out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[n++] = (char)(0x80 | (cp & 0x3F));
      }
      break;
    }
    default: *err = "unknown escape sequence (use \\\" \\\\ \\n \\t \\r or \\uXXXX)"; return NULL;
    }
  }
  out[n] = '\0';
  /* the source may hold any bytes: the result must be valid UTF-8 */
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)out[i];
    size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (k == 0 || i + k > n) {
      *err = "string is not valid UTF-8";
      return NULL;
    }
    for (size_t j = 1; j < k; j++)
      if (((unsigned char)out[i + j] & 0xC0) != 0x80) {
        *err = "string is not valid UTF-8";
        return NULL;
      }
    i += k;
  }
  return out;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Optimal string alignment distance in half edits: insert, delete and
 * substitute cost 2, swapping two neighbours costs 1 (the likeliest typo,
 * so "i46" is closer to "i64" than to "i16"). cap is in half edits too;
 * returns cap + 1 when above. */
static size_t edit_distance(const char *a, const char *b, size_t cap) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 64 || m > 64) return cap + 1;
  if ((n > m ? n - m : m - n) * 2 > cap) return cap + 1;
  size_t d[65][65];
  for (size_t i = 0; i <= n; i++)
    d[i][0] = 2 * i;
  for (size_t j = 0; j <= m; j++)
    d[0][j] = 2 * j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 2;
      size_t v = d[i - 1][j] + 2;
      if (d[i][j - 1] + 2 < v) v = d[i][j - 1] + 2;
      if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[n][m];
}

const char *ffirt__gen_suggest(const char *word, const char *const *candidates) {
  size_t cap = strlen(word) >= 6 ? 4 : 2; /* 2 edits, or 1 for short words */
  const char *best = NULL;
  size_t best_d = cap + 1;
  for (size_t i = 0; candidates[i]; i++) {
    if (strcmp(candidates[i], word) == 0) continue;
    size_t dist = edit_distance(word, candidates[i], cap);
    if (dist < best_d) {
      best_d = dist;
      best = candidates[i];
    }
  }
  return best;
}
