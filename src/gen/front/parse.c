/*
 * parse.c - the IDL parser: tokens -> an unresolved model (ir.h).
 *
 * Design notes:
 *  - Recursive descent over the token array, one function per grammar rule
 *    (docs/idl.md has the EBNF; rule names match the function names).
 *  - Error recovery: a syntax error reports once and skips to the end of the
 *    current element (the next ';' or '}', or the next declaration keyword
 *    that starts a line), so one run reports every broken declaration.
 *  - The parser records only what was written: names stay unresolved (a
 *    struct or enum reference is GEN_STRUCT with `name` until check.c runs)
 *    and no semantic rule is checked here, except what only the grammar
 *    knows (library first, literal syntax).
 *  - Everything is allocated in the model's arena.
 */
#include "lex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  ffirt__gen_model *m;
  ffirt__gen_arena *a;
  ffirt__gen_lexed *l;
  ffirt__gen_diag *d;
  size_t pos;
  int type_depth; /* nesting of seq<>/optional<> being parsed */
  int over_limit; /* a struct/event limit was reported (once) */
  size_t cap_structs, cap_enums, cap_consts, cap_procs, cap_events, cap_options;
  int ndecls;
  ffirt__gen_loc first_decl;
  ffirt__gen_loc library_loc;
  ffirt__gen_loc state_loc;
} parser;

static const char *const decl_keywords[] = {"library", "state", "struct", "enum",
                                            "const",   "ctor",  "dtor",   "method",
                                            "static",  "event", "option", NULL};

static ffirt__gen_token *peek(parser *p) { return &p->l->toks[p->pos]; }
static ffirt__gen_token *peek_at(parser *p, size_t k) {
  size_t i = p->pos + k;
  return i < p->l->ntoks ? &p->l->toks[i] : &p->l->toks[p->l->ntoks - 1];
}
static ffirt__gen_token *next(parser *p) {
  ffirt__gen_token *t = &p->l->toks[p->pos];
  if (t->kind != TOK_EOF) p->pos++;
  return t;
}
static int is_word(const ffirt__gen_token *t, const char *w) {
  return t->kind == TOK_IDENT && t->len == strlen(w) && memcmp(t->text, w, t->len) == 0;
}
static int is_decl_keyword(const ffirt__gen_token *t) {
  for (int i = 0; decl_keywords[i]; i++)
    if (is_word(t, decl_keywords[i])) return 1;
  return 0;
}
static char *tok_str(parser *p, const ffirt__gen_token *t) {
  return ffirt__gen_strndup(p->a, t->text, t->len);
}

/* "'foo'" for tokens with text, else the kind's name. */
static const char *describe(parser *p, const ffirt__gen_token *t) {
  switch (t->kind) {
  case TOK_IDENT:
  case TOK_INT:
  case TOK_FLOAT:
  case TOK_STRING: {
    int n = t->len > 40 ? 40 : (int)t->len;
    return ffirt__gen_sprintf(p->a, "'%.*s%s'", n, t->text, t->len > 40 ? "..." : "");
  }
  default: return ffirt__gen_tok_name(t->kind);
  }
}

static void error_expected(parser *p, const char *what) {
  ffirt__gen_token *t = peek(p);
  if (t->kind == TOK_ERROR) return; /* the lexer already reported it */
  ffirt__gen_error(p->d, t->loc, "expected %s, found %s", what, describe(p, t));
}

/* Consumes a token of kind k or reports "expected <what>" and returns -1. */
static int expect(parser *p, ffirt__gen_tok_kind k, const char *what) {
  if (peek(p)->kind == k) {
    next(p);
    return 0;
  }
  error_expected(p, what ? what : ffirt__gen_tok_name(k));
  return -1;
}

/* Expects the ';' ending an element. When it is missing and the next token
 * starts a new line, reports it after the previous token and carries on as
 * if it was there (returns 0); otherwise reports and returns -1. */
static int expect_semi(parser *p, const char *what) {
  ffirt__gen_token *t = peek(p);
  if (t->kind == TOK_SEMI) {
    next(p);
    return 0;
  }
  if (p->pos > 0 && t->kind != TOK_ERROR) {
    ffirt__gen_token *prev = &p->l->toks[p->pos - 1];
    if (t->loc.line > prev->loc.line || t->kind == TOK_EOF) {
      ffirt__gen_loc at = prev->loc;
      at.col += (int)prev->len;
      ffirt__gen_error(p->d, at, "expected %s", what);
      return 0;
    }
  }
  error_expected(p, what);
  return -1;
}

static int expect_name(parser *p, const char *what, ffirt__gen_token **out) {
  ffirt__gen_token *t = peek(p);
  if (t->kind != TOK_IDENT) {
    error_expected(p, what);
    return -1;
  }
  *out = next(p);
  return 0;
}

/* Recovery at declaration level: skip past the next ';' or the '}' closing
 * a body the skipped part opened, or up to a declaration keyword that
 * starts a line. */
static void sync_decl(parser *p) {
  int prev_line = -1, depth = 0;
  for (;;) {
    ffirt__gen_token *t = peek(p);
    if (t->kind == TOK_EOF) return;
    if (prev_line >= 0 && t->loc.line != prev_line && is_decl_keyword(t)) return;
    next(p);
    if (t->kind == TOK_LBRACE) depth++;
    if (t->kind == TOK_SEMI && depth == 0) return;
    if (t->kind == TOK_RBRACE && --depth <= 0) {
      if (peek(p)->kind == TOK_SEMI) next(p);
      return;
    }
    prev_line = t->loc.line;
  }
}

/* Recovery inside braces: skip past the next `stop` (';' or ','), stopping
 * before '}' or EOF. */
static void sync_member(parser *p, ffirt__gen_tok_kind stop) {
  for (;;) {
    ffirt__gen_token *t = peek(p);
    if (t->kind == TOK_EOF || t->kind == TOK_RBRACE) return;
    next(p);
    if (t->kind == stop) return;
  }
}

/* ------------------------------------------------------------------ docs */

/* Copies a doc line; a star-slash in it becomes "*\/" so that every
 * emitter can put doc lines into C block comments as they are. */
static void add_doc_line(parser *p, ffirt__gen_doc *doc, ffirt__gen_doc_tok *dt, size_t *cap) {
  const char **line = ffirt__gen_push(p->a, &doc->lines, &doc->count, cap, sizeof *line);
  char *s = ffirt__gen_alloc(p->a, dt->len * 2 + 1), *o = s;
  for (size_t i = 0; i < dt->len; i++) {
    *o++ = dt->text[i];
    if (dt->text[i] == '*' && i + 1 < dt->len && dt->text[i + 1] == '/') *o++ = '\\';
  }
  *o = '\0';
  *line = s;
  dt->used = 1;
}

/* The doc comment lines written before token t. */
static ffirt__gen_doc lead_doc(parser *p, const ffirt__gen_token *t) {
  ffirt__gen_doc doc = {0};
  size_t cap = 0;
  for (size_t i = 0; i < t->nlead_doc; i++)
    add_doc_line(p, &doc, &p->l->docs[t->lead_doc + i], &cap);
  return doc;
}

/* Appends the trailing doc comment of token t (same line) to doc. */
static void add_trail_doc(parser *p, ffirt__gen_doc *doc, const ffirt__gen_token *t) {
  if (!t->trail_doc) return;
  size_t cap = doc->count; /* forces a copy: the old array may be shared */
  add_doc_line(p, doc, &p->l->docs[t->trail_doc - 1], &cap);
}

/* expect_semi, then appends a same-line "///" after the ';' to doc (NULL:
 * the element was not recorded, the doc stays unused and is warned about). */
static void end_decl(parser *p, ffirt__gen_doc *doc, const char *what) {
  ffirt__gen_token *semi = peek(p);
  if (expect_semi(p, what) != 0) return sync_decl(p);
  if (doc && semi->kind == TOK_SEMI) add_trail_doc(p, doc, semi);
}

/* ------------------------------------------------------------------ types */

static const struct {
  const char *name;
  ffirt__gen_kind kind;
} builtin_types[] = {
    {"bool", GEN_BOOL},   {"i8", GEN_I8},   {"i16", GEN_I16},           {"i32", GEN_I32},
    {"i64", GEN_I64},     {"u8", GEN_U8},   {"u16", GEN_U16},           {"u32", GEN_U32},
    {"u64", GEN_U64},     {"f32", GEN_F32}, {"f64", GEN_F64},           {"string", GEN_STRING},
    {"bytes", GEN_BYTES}, {"seq", GEN_SEQ}, {"optional", GEN_OPTIONAL},
};

/* `vector<string>`, `Map<K, V>`: a type of another language with type
 * arguments. The arguments are skipped (to the matching '>') and the error
 * names the IDL's spelling when there is one. Returns NULL (error reported). */
static ffirt__gen_type *generic_of_another_language(parser *p, const ffirt__gen_token *t) {
  ffirt__gen_token *lt = next(p), *first = peek(p), *last = lt;
  for (int depth = 1; depth > 0;) {
    ffirt__gen_token *k = peek(p);
    if (k->kind == TOK_EOF || k->kind == TOK_SEMI || k->kind == TOK_LBRACE || k->kind == TOK_RBRACE)
      break;
    if (k->kind == TOK_LT) depth++;
    if (k->kind == TOK_GT && --depth == 0) {
      next(p);
      break;
    }
    last = next(p);
  }
  int args = (int)(last->text + last->len - first->text);
  if (last == lt) args = 0;
  static const char *const seqs[] = {"vector", "list", "List",    "Vec",       "array", "Array",
                                     "set",    "Set",  "HashSet", "ArrayList", "slice", NULL};
  static const char *const maps[] = {"map",    "Map",           "HashMap",  "dict",       "Dict",
                                     "Record", "unordered_map", "BTreeMap", "Dictionary", NULL};
  static const char *const opts[] = {"Option", "Optional", "Maybe", "Nullable", NULL};
  for (int i = 0; seqs[i]; i++)
    if (is_word(t, seqs[i])) {
      ffirt__gen_error(p->d, t->loc, "unknown type '%.*s' (did you mean 'seq<%.*s>'?)", (int)t->len,
                       t->text, args, first->text);
      return NULL;
    }
  for (int i = 0; opts[i]; i++)
    if (is_word(t, opts[i])) {
      ffirt__gen_error(p->d, t->loc, "unknown type '%.*s' (did you mean 'optional<%.*s>'?)",
                       (int)t->len, t->text, args, first->text);
      return NULL;
    }
  for (int i = 0; maps[i]; i++)
    if (is_word(t, maps[i])) {
      ffirt__gen_error(p->d, t->loc,
                       "unknown type '%.*s': the IDL has no map type (use seq<S> of a struct S "
                       "with a key and a value field)",
                       (int)t->len, t->text);
      return NULL;
    }
  ffirt__gen_error(p->d, lt->loc, "type '%.*s' takes no type arguments", (int)t->len, t->text);
  return NULL;
}

/* type = scalar | "string" | "bytes" | "seq" "<" type ">"
 *      | "optional" "<" type ">" | name */
static ffirt__gen_type *parse_type(parser *p) {
  ffirt__gen_token *t = peek(p);
  if (t->kind != TOK_IDENT) {
    error_expected(p, "a type");
    return NULL;
  }
  next(p);
  ffirt__gen_type *ty = ffirt__gen_alloc(p->a, sizeof *ty);
  ty->loc = t->loc;
  ty->kind = GEN_STRUCT;
  for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++)
    if (is_word(t, builtin_types[i].name)) ty->kind = builtin_types[i].kind;
  if (ty->kind == GEN_SEQ || ty->kind == GEN_OPTIONAL) {
    if (p->type_depth >= FFIRT_GEN_MAX_TYPE_DEPTH) {
      ffirt__gen_error(p->d, t->loc, "type nests more than %d containers deep",
                       FFIRT_GEN_MAX_TYPE_DEPTH);
      return NULL;
    }
    if (peek(p)->kind != TOK_LT) {
      ffirt__gen_error(p->d, peek(p)->loc, "expected '<' after '%.*s' (write %.*s<T>)", (int)t->len,
                       t->text, (int)t->len, t->text);
      return NULL;
    }
    next(p);
    p->type_depth++;
    ty->elem = parse_type(p);
    p->type_depth--;
    if (!ty->elem) return NULL;
    if (expect(p, TOK_GT, "'>' to close the type arguments") != 0) return NULL;
  } else if (peek(p)->kind == TOK_LT) {
    return generic_of_another_language(p, t);
  } else if (ty->kind == GEN_STRUCT) {
    ty->name = tok_str(p, t);
  }
  if (peek(p)->kind == TOK_LBRACKET) {
    /* string[] (C, Java, TypeScript): the IDL's array is seq<T> */
    ffirt__gen_token *lb = next(p);
    const char *end = t->text + t->len;
    ffirt__gen_error(p->d, lb->loc, "arrays are written 'seq<%.*s>', not '%.*s[]'",
                     (int)(end - t->text), t->text, (int)(end - t->text), t->text);
    while (peek(p)->kind != TOK_RBRACKET && peek(p)->kind != TOK_SEMI && peek(p)->kind != TOK_EOF)
      next(p);
    if (peek(p)->kind == TOK_RBRACKET) next(p);
    ffirt__gen_type *seq = ffirt__gen_alloc(p->a, sizeof *seq);
    seq->loc = t->loc;
    seq->kind = GEN_SEQ;
    seq->elem = ty;
    return seq;
  }
  return ty;
}

/* ------------------------------------------------------------------ literals */

/* Parses an integer token into *v (|v| <= 2^64-1, sign separate). Returns
 * -1 with a diagnostic when it does not fit 64 bits. */
static int parse_int(parser *p, const ffirt__gen_token *t, int *neg, uint64_t *v) {
  const char *s = t->text, *end = t->text + t->len;
  *neg = 0;
  *v = 0;
  if (*s == '-') {
    *neg = 1;
    s++;
  }
  int base = 10;
  if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  for (; s < end; s++) {
    unsigned dgt = (unsigned)(*s >= 'a' ? *s - 'a' + 10 : *s >= 'A' ? *s - 'A' + 10 : *s - '0');
    if (*v > (UINT64_MAX - dgt) / (uint64_t)base) {
      ffirt__gen_error(p->d, t->loc, "integer literal '%.*s' does not fit in 64 bits", (int)t->len,
                       t->text);
      return -1;
    }
    *v = *v * (uint64_t)base + dgt;
  }
  if (*neg && *v > (uint64_t)INT64_MAX + 1) {
    ffirt__gen_error(p->d, t->loc, "integer literal '%.*s' is below the i64 minimum", (int)t->len,
                     t->text);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ rules */

/* library = "library" name ";" */
static void parse_library(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_token *name;
  if (expect_name(p, "the library name", &name) != 0) return sync_decl(p);
  if (p->m->library) {
    ffirt__gen_error(p->d, kw->loc, "duplicate 'library' declaration (the first is at line %d)",
                     p->library_loc.line);
  } else {
    if (p->ndecls > 1)
      ffirt__gen_error(p->d, kw->loc,
                       "'library' must be the first declaration (found after line %d)",
                       p->first_decl.line);
    p->m->library = tok_str(p, name);
    p->m->library_doc = lead_doc(p, kw);
    p->library_loc = name->loc;
    p->m->library_loc = name->loc;
    return end_decl(p, &p->m->library_doc, "';' after the library name");
  }
  end_decl(p, NULL, "';' after the library name");
}

/* state = "state" name ";" */
static void parse_state(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_token *name;
  if (expect_name(p, "the state type name", &name) != 0) return sync_decl(p);
  if (p->m->state) {
    ffirt__gen_error(p->d, kw->loc, "duplicate 'state' declaration (the first is at line %d)",
                     p->state_loc.line);
  } else {
    p->m->state = tok_str(p, name);
    p->m->state_doc = lead_doc(p, kw);
    p->state_loc = name->loc;
    p->m->state_loc = name->loc;
    return end_decl(p, &p->m->state_doc, "';' after the state type");
  }
  end_decl(p, NULL, "';' after the state type");
}

/* field = type name ";" */
static void parse_field(parser *p, ffirt__gen_struct *s, size_t *cap) {
  ffirt__gen_token *first = peek(p);
  ffirt__gen_type *ty = parse_type(p);
  if (!ty) return sync_member(p, TOK_SEMI);
  ffirt__gen_token *name;
  if (expect_name(p, "a field name", &name) != 0) return sync_member(p, TOK_SEMI);
  if (s->nfields >= FFIRT_GEN_MAX_FIELDS) {
    if (p->over_limit++ == 0)
      ffirt__gen_error(p->d, name->loc, "too many fields in struct '%s' (the limit is %d)", s->name,
                       FFIRT_GEN_MAX_FIELDS);
    return sync_member(p, TOK_SEMI);
  }
  ffirt__gen_field *f = ffirt__gen_push(p->a, &s->fields, &s->nfields, cap, sizeof *f);
  f->name = tok_str(p, name);
  f->type = ty;
  f->loc = name->loc;
  f->doc = lead_doc(p, first);
  ffirt__gen_token *semi = peek(p);
  if (expect_semi(p, "';' after the field") != 0) return sync_member(p, TOK_SEMI);
  add_trail_doc(p, &f->doc, semi->kind == TOK_SEMI ? semi : name);
}

/* struct = "struct" name "{" { field } "}" [ ";" ] */
static void parse_struct(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_token *name;
  if (expect_name(p, "a struct name", &name) != 0) return sync_decl(p);
  if (p->m->nstructs >= FFIRT_GEN_MAX_STRUCTS) {
    if (p->over_limit++ == 0)
      ffirt__gen_error(p->d, name->loc, "too many structs (the limit is %d)",
                       FFIRT_GEN_MAX_STRUCTS);
    return sync_decl(p);
  }
  ffirt__gen_struct *s =
      ffirt__gen_push(p->a, &p->m->structs, &p->m->nstructs, &p->cap_structs, sizeof *s);
  s->name = tok_str(p, name);
  s->loc = name->loc;
  s->doc = lead_doc(p, kw);
  if (expect(p, TOK_LBRACE, "'{' to open the struct body") != 0) return sync_decl(p);
  size_t cap = 0;
  while (peek(p)->kind != TOK_RBRACE && peek(p)->kind != TOK_EOF) {
    if (is_decl_keyword(peek(p)) && peek_at(p, 1)->kind == TOK_IDENT &&
        peek_at(p, 2)->kind != TOK_SEMI) {
      /* e.g. a missing '}': the next declaration starts here */
      ffirt__gen_error(p->d, peek(p)->loc, "expected '}' to close struct '%s' before '%.*s'",
                       s->name, (int)peek(p)->len, peek(p)->text);
      return;
    }
    parse_field(p, s, &cap);
  }
  if (expect(p, TOK_RBRACE, "'}' to close the struct body") != 0) return;
  if (peek(p)->kind == TOK_SEMI) next(p);
}

/* enumerator = name { "=" ( string | int ) } */
static void parse_enumerator(parser *p, ffirt__gen_enum *e, size_t *cap) {
  ffirt__gen_token *name;
  if (expect_name(p, "an enumerator name", &name) != 0) return sync_member(p, TOK_COMMA);
  ffirt__gen_enumerator *it = ffirt__gen_push(p->a, &e->items, &e->nitems, cap, sizeof *it);
  it->name = tok_str(p, name);
  it->loc = name->loc;
  it->doc = lead_doc(p, name);
  it->value = INT64_MIN; /* until an ordinal is read; check.c numbers the rest */
  ffirt__gen_token *last = name;
  int have_wire = 0, have_value = 0;
  while (peek(p)->kind == TOK_EQ) {
    next(p);
    ffirt__gen_token *v = peek(p);
    if (v->kind == TOK_STRING) {
      if (have_wire)
        ffirt__gen_error(p->d, v->loc, "enumerator '%s' has more than one wire text", it->name);
      const char *err = NULL;
      const char *w = ffirt__gen_unquote(p->a, v->text, v->len, &err);
      if (!w)
        ffirt__gen_error(p->d, v->loc, "invalid string literal: %s", err);
      else if (!have_wire)
        it->wire = w;
      have_wire = 1;
    } else if (v->kind == TOK_INT) {
      if (have_value)
        ffirt__gen_error(p->d, v->loc, "enumerator '%s' has more than one ordinal", it->name);
      int neg;
      uint64_t u;
      if (parse_int(p, v, &neg, &u) == 0 && !have_value) {
        if (u > (uint64_t)INT32_MAX + (uint64_t)neg)
          ffirt__gen_error(p->d, v->loc,
                           "ordinal %.*s of enumerator '%s' does not fit in i32 (the native "
                           "form is int32_t)",
                           (int)v->len, v->text, it->name);
        /* kept as written (clamped to i64) so check.c can skip it */
        it->value = neg ? (u > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)u)
                        : (u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u);
      }
      have_value = 1;
    } else {
      error_expected(p, "a wire text (\"...\") or an ordinal after '='");
      return sync_member(p, TOK_COMMA);
    }
    next(p);
    last = v;
  }
  it->has_value = have_value;
  if (peek(p)->kind == TOK_COMMA) {
    last = next(p);
  } else if (peek(p)->kind != TOK_RBRACE) {
    error_expected(p, "',' or '}' after the enumerator");
    return sync_member(p, TOK_COMMA);
  }
  add_trail_doc(p, &it->doc, last);
}

/* enum = "enum" name "{" [ enumerator { "," enumerator } [ "," ] ] "}" [ ";" ] */
static void parse_enum(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_token *name;
  if (expect_name(p, "an enum name", &name) != 0) return sync_decl(p);
  ffirt__gen_enum *e = ffirt__gen_push(p->a, &p->m->enums, &p->m->nenums, &p->cap_enums, sizeof *e);
  e->name = tok_str(p, name);
  e->loc = name->loc;
  e->doc = lead_doc(p, kw);
  if (expect(p, TOK_LBRACE, "'{' to open the enum body") != 0) return sync_decl(p);
  size_t cap = 0;
  while (peek(p)->kind != TOK_RBRACE && peek(p)->kind != TOK_EOF) {
    if (is_decl_keyword(peek(p)) && peek_at(p, 1)->kind == TOK_IDENT) {
      ffirt__gen_error(p->d, peek(p)->loc, "expected '}' to close enum '%s' before '%.*s'", e->name,
                       (int)peek(p)->len, peek(p)->text);
      return;
    }
    parse_enumerator(p, e, &cap);
  }
  if (expect(p, TOK_RBRACE, "'}' to close the enum body") != 0) return;
  if (peek(p)->kind == TOK_SEMI) next(p);
}

/* const = "const" type name "=" literal ";"
 * literal = int | float | string | "true" | "false" */
static void parse_const(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_type *ty = parse_type(p);
  if (!ty) return sync_decl(p);
  ffirt__gen_token *name;
  if (expect_name(p, "a constant name", &name) != 0) return sync_decl(p);
  if (expect(p, TOK_EQ, "'=' after the constant name") != 0) return sync_decl(p);
  ffirt__gen_token *v = peek(p);
  ffirt__gen_const c = {0};
  c.name = tok_str(p, name);
  c.type = ty;
  c.loc = name->loc;
  c.doc = lead_doc(p, kw);
  c.literal = tok_str(p, v);
  if (v->kind == TOK_INT) {
    int neg;
    uint64_t u;
    if (parse_int(p, v, &neg, &u) != 0) return sync_decl(p);
    c.vkind = GEN_CONST_INT;
    if (neg) {
      c.i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else if (u > (uint64_t)INT64_MAX) {
      c.is_unsigned = 1;
      c.u = u;
    } else {
      c.i = (int64_t)u;
    }
    if (!neg) c.u = u;
  } else if (v->kind == TOK_FLOAT) {
    c.vkind = GEN_CONST_FLOAT;
    errno = 0;
    c.f = strtod(c.literal, NULL);
    if (errno == ERANGE && (c.f > 1 || c.f < -1)) {
      ffirt__gen_error(p->d, v->loc, "number %s is out of the range of f64", c.literal);
      return sync_decl(p);
    }
  } else if (v->kind == TOK_STRING) {
    c.vkind = GEN_CONST_STRING;
    const char *err = NULL;
    c.s = ffirt__gen_unquote(p->a, v->text, v->len, &err);
    if (!c.s) {
      ffirt__gen_error(p->d, v->loc, "invalid string literal: %s", err);
      return sync_decl(p);
    }
  } else if (is_word(v, "true") || is_word(v, "false")) {
    c.vkind = GEN_CONST_BOOL;
    c.b = is_word(v, "true");
  } else {
    error_expected(p, "a literal (integer, number, string, true or false)");
    return sync_decl(p);
  }
  next(p);
  ffirt__gen_const *slot =
      ffirt__gen_push(p->a, &p->m->consts, &p->m->nconsts, &p->cap_consts, sizeof *slot);
  *slot = c;
  end_decl(p, &slot->doc, "';' after the constant");
}

/* params = "(" [ type name { "," type name } ] ")"
 * For events (event_params) names are optional. Returns -1 on a syntax error
 * (already reported). */
static int parse_params(parser *p, ffirt__gen_param **out, size_t *n, int names_optional) {
  size_t cap = 0;
  if (expect(p, TOK_LPAREN, "'(' to open the parameter list") != 0) return -1;
  if (peek(p)->kind == TOK_RPAREN) {
    next(p);
    return 0;
  }
  for (;;) {
    ffirt__gen_type *ty = parse_type(p);
    if (!ty) return -1;
    if (*n >= FFIRT_GEN_MAX_FIELDS) {
      ffirt__gen_error(p->d, ty->loc, "too many parameters (the limit is %d)",
                       FFIRT_GEN_MAX_FIELDS);
      return -1;
    }
    ffirt__gen_param *pa = ffirt__gen_push(p->a, out, n, &cap, sizeof *pa);
    pa->type = ty;
    pa->loc = ty->loc;
    if (peek(p)->kind == TOK_IDENT) {
      ffirt__gen_token *name = next(p);
      pa->name = tok_str(p, name);
      pa->loc = name->loc;
    } else if (!names_optional) {
      error_expected(p, "a parameter name");
      return -1;
    }
    if (peek(p)->kind == TOK_COMMA) {
      next(p);
      continue;
    }
    if (peek(p)->kind == TOK_RPAREN) {
      next(p);
      return 0;
    }
    error_expected(p, "',' or ')' in the parameter list");
    return -1;
  }
}

/* ctor   = "ctor" name params ";"
 * dtor   = "dtor" name ";"
 * method = "method" name params [ "->" type ] ";"
 * static = "static" name params [ "->" type ] ";" */
static void parse_proc(parser *p, ffirt__gen_token *kw, ffirt__gen_proc_kind kind) {
  ffirt__gen_token *name;
  if (expect_name(p, "a procedure name", &name) != 0) return sync_decl(p);
  ffirt__gen_proc pr = {0};
  pr.kind = kind;
  pr.name = tok_str(p, name);
  pr.loc = name->loc;
  pr.doc = lead_doc(p, kw);
  if (kind == GEN_DTOR) {
    if (peek(p)->kind == TOK_LPAREN) {
      ffirt__gen_error(p->d, peek(p)->loc, "a destructor takes no parameters (write 'dtor %s;')",
                       pr.name);
      return sync_decl(p);
    }
  } else {
    if (parse_params(p, &pr.params, &pr.nparams, 0) != 0) return sync_decl(p);
    if (peek(p)->kind == TOK_ARROW) {
      ffirt__gen_token *arrow = next(p);
      if (kind == GEN_CTOR) {
        ffirt__gen_error(p->d, arrow->loc,
                         "a constructor has no result type (it returns the context)");
        return sync_decl(p);
      }
      pr.result = parse_type(p);
      if (!pr.result) return sync_decl(p);
    }
  }
  if (p->m->nprocs >= FFIRT_GEN_MAX_PROCS) {
    if (p->over_limit++ == 0)
      ffirt__gen_error(p->d, pr.loc, "too many procedures (the limit is %d)", FFIRT_GEN_MAX_PROCS);
    return sync_decl(p);
  }
  ffirt__gen_proc *slot =
      ffirt__gen_push(p->a, &p->m->procs, &p->m->nprocs, &p->cap_procs, sizeof *slot);
  *slot = pr;
  end_decl(p, &slot->doc, "';' after the declaration");
}

/* event = "event" name "(" type [ name ] { "," type [ name ] } ")" ";" */
static void parse_event(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_token *name;
  if (expect_name(p, "an event name", &name) != 0) return sync_decl(p);
  if (p->m->nevents >= FFIRT_GEN_MAX_STRUCTS) { /* each may add a payload struct */
    if (p->over_limit++ == 0)
      ffirt__gen_error(p->d, name->loc, "too many events (the limit is %d)", FFIRT_GEN_MAX_STRUCTS);
    return sync_decl(p);
  }
  ffirt__gen_event ev = {0};
  ev.wire = tok_str(p, name);
  ev.loc = name->loc;
  ev.doc = lead_doc(p, kw);
  ffirt__gen_token *open = peek(p);
  if (parse_params(p, &ev.params, &ev.nparams, 1) != 0) return sync_decl(p);
  if (ev.nparams == 0) {
    ffirt__gen_error(p->d, open->loc,
                     "event '%s' needs a payload: event %s(T); or event %s(T a, U b);", ev.wire,
                     ev.wire, ev.wire);
  }
  ffirt__gen_event *slot =
      ffirt__gen_push(p->a, &p->m->events, &p->m->nevents, &p->cap_events, sizeof *slot);
  *slot = ev;
  end_decl(p, &slot->doc, "';' after the event");
}

/* option = "option" name "=" ( int | float | name | string ) ";" */
static void parse_option(parser *p, ffirt__gen_token *kw) {
  ffirt__gen_token *key;
  if (expect_name(p, "an option name", &key) != 0) return sync_decl(p);
  if (expect(p, TOK_EQ, "'=' after the option name") != 0) return sync_decl(p);
  ffirt__gen_token *v = peek(p);
  ffirt__gen_option o = {0};
  o.key = tok_str(p, key);
  o.loc = v->loc;
  o.doc = lead_doc(p, kw);
  if (v->kind == TOK_INT || v->kind == TOK_FLOAT || v->kind == TOK_IDENT) {
    o.value = tok_str(p, v);
  } else if (v->kind == TOK_STRING) {
    const char *err = NULL;
    o.value = ffirt__gen_unquote(p->a, v->text, v->len, &err);
    if (!o.value) {
      ffirt__gen_error(p->d, v->loc, "invalid string literal: %s", err);
      return sync_decl(p);
    }
  } else {
    error_expected(p, "an option value");
    return sync_decl(p);
  }
  next(p);
  ffirt__gen_option *slot =
      ffirt__gen_push(p->a, &p->m->options, &p->m->noptions, &p->cap_options, sizeof *slot);
  *slot = o;
  end_decl(p, &slot->doc, "';' after the option");
}

/* file = { declaration }   (the first must be the library) */
void ffirt__gen_parse_tokens(ffirt__gen_model *m, ffirt__gen_arena *a, ffirt__gen_lexed *l,
                             ffirt__gen_diag *d) {
  parser p = {0};
  p.m = m;
  p.a = a;
  p.l = l;
  p.d = d;
  while (peek(&p)->kind != TOK_EOF) {
    ffirt__gen_token *kw = peek(&p);
    if (!is_decl_keyword(kw)) {
      const char *hint = NULL;
      if (kw->kind == TOK_IDENT)
        hint = ffirt__gen_suggest(tok_str(&p, kw), (const char *const *)decl_keywords);
      if (hint)
        ffirt__gen_error(d, kw->loc, "expected a declaration, found %s (did you mean '%s'?)",
                         describe(&p, kw), hint);
      else if (kw->kind != TOK_ERROR)
        ffirt__gen_error(d, kw->loc,
                         "expected a declaration (library, state, struct, enum, const, ctor, "
                         "dtor, method, static, event or option), found %s",
                         describe(&p, kw));
      sync_decl(&p);
      continue;
    }
    next(&p);
    if (p.ndecls++ == 0) p.first_decl = kw->loc;
    if (is_word(kw, "library"))
      parse_library(&p, kw);
    else if (is_word(kw, "state"))
      parse_state(&p, kw);
    else if (is_word(kw, "struct"))
      parse_struct(&p, kw);
    else if (is_word(kw, "enum"))
      parse_enum(&p, kw);
    else if (is_word(kw, "const"))
      parse_const(&p, kw);
    else if (is_word(kw, "ctor"))
      parse_proc(&p, kw, GEN_CTOR);
    else if (is_word(kw, "dtor"))
      parse_proc(&p, kw, GEN_DTOR);
    else if (is_word(kw, "method"))
      parse_proc(&p, kw, GEN_METHOD);
    else if (is_word(kw, "static"))
      parse_proc(&p, kw, GEN_STATIC);
    else if (is_word(kw, "event"))
      parse_event(&p, kw);
    else
      parse_option(&p, kw);
  }
  if (!m->library) {
    ffirt__gen_loc loc = p.ndecls ? p.first_decl : peek(&p)->loc;
    ffirt__gen_error(d, loc, "missing 'library <name>;' (it must be the first declaration)");
  }
}
