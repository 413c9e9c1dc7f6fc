/*
 * naming_lang.c - identifiers and types of the host languages (naming.h).
 *
 * One table per language says how each role of identifier is cased, which
 * names are reserved and how they are escaped, and how IDL types are spelled.
 * The emitters in src/gen/lang/ take every name from here.
 *
 * Design notes:
 *  - Pure functions of their arguments plus the caller's pool; the tables
 *    are constant. No global state.
 *  - Escaping is applied after case conversion, to the converted name, so
 *    `class` (a field) becomes `class_` in Python and `r#class` never
 *    appears where the converted name is not a keyword.
 */
#include "naming.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ case rules */

/* Start of the next word of s at or after i, or len; *end = end of it. */
static size_t next_word(const char *s, size_t len, size_t i, size_t *end) {
  while (i < len && s[i] == '_')
    i++;
  size_t j = i;
  if (j >= len) {
    *end = len;
    return len;
  }
  j++;
  while (j < len && s[j] != '_') {
    unsigned char prev = (unsigned char)s[j - 1], c = (unsigned char)s[j];
    /* lower or digit -> upper: "delayMs" splits before 'M' */
    if (isupper(c) && (islower(prev) || isdigit(prev))) break;
    /* acronym -> word: "HTTPServer" splits before 'S' */
    if (isupper(c) && isupper(prev) && j + 1 < len && islower((unsigned char)s[j + 1])) break;
    j++;
  }
  *end = j;
  return i;
}

const char *ffirt__gen_case_convert(ffirt__gen_names *n, const char *s, ffirt__gen_case c) {
  if (c == GEN_CASE_ASIS) return ffirt__gen_fmt(n, "%s", s);
  size_t len = strlen(s);
  /* At most one '_' added per word, and every word is at least one byte. */
  char *out = malloc(2 * len + 1);
  if (!out) {
    n->oom = 1;
    return "";
  }
  /* A name without a lower-case letter (MAX_I8, LOW) is SCREAMING_SNAKE:
   * its words are capitalised, not kept as acronyms (MaxI8, not MAXI8). */
  int screaming = 1;
  for (size_t k = 0; k < len && screaming; k++)
    if (islower((unsigned char)s[k])) screaming = 0;
  size_t o = 0, end = 0;
  int word = 0;
  for (size_t i = next_word(s, len, 0, &end); i < len; i = next_word(s, len, end, &end), word++) {
    if ((c == GEN_CASE_SNAKE || c == GEN_CASE_UPPER) && word > 0) out[o++] = '_';
    for (size_t k = i; k < end; k++) {
      unsigned char ch = (unsigned char)s[k];
      switch (c) {
      case GEN_CASE_SNAKE: ch = (unsigned char)tolower(ch); break;
      case GEN_CASE_UPPER: ch = (unsigned char)toupper(ch); break;
      case GEN_CASE_PASCAL:
        if (k == i)
          ch = (unsigned char)toupper(ch);
        else if (screaming)
          ch = (unsigned char)tolower(ch);
        break;
      case GEN_CASE_CAMEL:
        if (word == 0)
          ch = (unsigned char)tolower(ch);
        else if (k == i)
          ch = (unsigned char)toupper(ch);
        else if (screaming)
          ch = (unsigned char)tolower(ch);
        break;
      case GEN_CASE_ASIS: break;
      }
      out[o++] = (char)ch;
    }
  }
  out[o] = '\0';
  const char *r = ffirt__gen_fmt(n, "%s", out);
  free(out);
  return r;
}

/* ------------------------------------------------------------ the tables */

static const char *const cpp_reserved[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
    "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
    "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
    "while", "xor", "xor_eq",
    /* names the binding defines next to the library's */
    "Result", "ListenerHandle", "Subscription", "Ctx", "timeout",
    /* namespaces the binding's members spell (a parameter must not hide them) */
    "ffirt", "detail", "std", NULL};

static const char *const python_reserved[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
    /* names the binding defines next to the library's */
    "self", "cls", "timeout", "Error", "FfirtError", "Subscription", "Event", "EventStream",
    /* members of every context class (an IDL method of that name would hide them) */
    "close", "closed", "events", "on_any", "on_any_cbor", NULL};

static const char *const rust_reserved[] = {
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "typeof", "unsized", "virtual", "yield", "try", "union",
    /* prelude names a type or field of the same name would shadow, and the
     * binding's own (these cannot be raw identifiers: see rust_escape) */
    "String", "Vec", "Option", "Result", "Box", "Some", "None", "Ok", "Err", "ListenerHandle",
    "Subscription", "timeout", "ABI_FINGERPRINT", NULL};

static const char *const go_reserved[] = {
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
    "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return",
    "select", "struct", "switch", "type", "var",
    /* predeclared identifiers a parameter of that name would shadow */
    "any", "append", "bool", "byte", "cap", "close", "complex", "copy", "error", "false", "float32",
    "float64", "imag", "int", "int8", "int16", "int32", "int64", "iota", "len", "make", "new",
    "nil", "panic", "print", "println", "real", "recover", "rune", "string", "true", "uint",
    "uint8", "uint16", "uint32", "uint64", "uintptr",
    /* names the binding defines next to the library's */
    "ctx", "Error", "Event", "Subscription", "Create", "ABIFingerprint", "CheckABI",
    /* methods of the context type (emit_go.c) an IDL method must not shadow */
    "Close", "Events", "OnAny", "OnAnyCBOR", NULL};

static const ffirt__gen_lang langs[] = {
    {GEN_LANG_CPP,
     "cpp",
     {GEN_CASE_ASIS, GEN_CASE_ASIS, GEN_CASE_ASIS, GEN_CASE_ASIS, GEN_CASE_ASIS, GEN_CASE_ASIS},
     cpp_reserved,
     "%s_",
     {"bool", "std::int8_t", "std::int16_t", "std::int32_t", "std::int64_t", "std::uint8_t",
      "std::uint16_t", "std::uint32_t", "std::uint64_t", "float", "double", "std::string",
      "std::vector<std::uint8_t>"},
     "std::vector<%s>",
     "std::optional<%s>",
     "%sAsync",
     "\\%03o", /* octal: a \x escape would swallow the hex digits after it */
     0},
    {GEN_LANG_PYTHON,
     "python",
     {GEN_CASE_ASIS, GEN_CASE_SNAKE, GEN_CASE_SNAKE, GEN_CASE_SNAKE, GEN_CASE_ASIS, GEN_CASE_UPPER},
     python_reserved,
     "%s_",
     {"bool", "int", "int", "int", "int", "int", "int", "int", "int", "float", "float", "str",
      "bytes"},
     "list[%s]",
     "Optional[%s]",
     "%s_async",
     "\\x%02x",
     0},
    {GEN_LANG_RUST,
     "rust",
     {GEN_CASE_PASCAL, GEN_CASE_SNAKE, GEN_CASE_SNAKE, GEN_CASE_SNAKE, GEN_CASE_UPPER,
      GEN_CASE_PASCAL},
     rust_reserved,
     "r#%s",
     {"bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "String",
      "Vec<u8>"},
     "Vec<%s>",
     "Option<%s>",
     "%s_async",
     "\\u{%x}",
     0},
    {GEN_LANG_GO,
     "go",
     {GEN_CASE_PASCAL, GEN_CASE_PASCAL, GEN_CASE_CAMEL, GEN_CASE_PASCAL, GEN_CASE_PASCAL,
      GEN_CASE_PASCAL},
     go_reserved,
     "%s_",
     {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
      "float64", "string", "[]byte"},
     "[]%s",
     "*%s",
     NULL,
     "\\x%02x",
     1},
};

const ffirt__gen_lang *ffirt__gen_lang_get(ffirt__gen_lang_id id) {
  for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
    if (langs[i].id == id) return &langs[i];
  return NULL;
}

/* ------------------------------------------------------------ identifiers */

static int is_reserved(const ffirt__gen_lang *lang, const char *s) {
  for (const char *const *r = lang->reserved; *r; r++)
    if (strcmp(*r, s) == 0) return 1;
  return 0;
}

static const char *escape(ffirt__gen_names *n, const ffirt__gen_lang *lang, const char *s) {
  if (!is_reserved(lang, s)) return s;
  /* Rust: these cannot be raw identifiers, and a raw prelude name would
   * still shadow the prelude; they get a trailing underscore instead. */
  if (lang->id == GEN_LANG_RUST &&
      (isupper((unsigned char)s[0]) || strcmp(s, "self") == 0 || strcmp(s, "super") == 0 ||
       strcmp(s, "crate") == 0 || strcmp(s, "timeout") == 0))
    return ffirt__gen_fmt(n, "%s_", s);
  return ffirt__gen_fmt(n, lang->escape_fmt, s);
}

const char *ffirt__gen_lang_ident(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                  ffirt__gen_role role, const char *idl_name) {
  return escape(n, lang, ffirt__gen_case_convert(n, idl_name, lang->role_case[role]));
}

const char *ffirt__gen_lang_type(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                 const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_SEQ: return ffirt__gen_fmt(n, lang->seq_fmt, ffirt__gen_lang_type(n, lang, t->elem));
  case GEN_OPTIONAL:
    return ffirt__gen_fmt(n, lang->optional_fmt, ffirt__gen_lang_type(n, lang, t->elem));
  case GEN_STRUCT:
  case GEN_ENUM: return ffirt__gen_lang_ident(n, lang, GEN_ROLE_TYPE, t->name);
  default: return lang->scalar[t->kind];
  }
}

const char *ffirt__gen_lang_enumerator(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                       const char *enum_name, const char *item) {
  const char *name = ffirt__gen_case_convert(n, item, lang->role_case[GEN_ROLE_ENUMERATOR]);
  if (lang->id == GEN_LANG_GO)
    return ffirt__gen_fmt(n, "%s%s", ffirt__gen_lang_ident(n, lang, GEN_ROLE_TYPE, enum_name),
                          name);
  return escape(n, lang, name);
}

const char *ffirt__gen_lang_async(ffirt__gen_names *n, const ffirt__gen_lang *lang, const char *m) {
  if (!lang->async_fmt) return NULL;
  return ffirt__gen_fmt(n, lang->async_fmt,
                        ffirt__gen_case_convert(n, m, lang->role_case[GEN_ROLE_METHOD]));
}

const char *ffirt__gen_lang_ctx_class(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                      const char *state) {
  const char *base = ffirt__gen_case_convert(n, state, GEN_CASE_PASCAL);
  if (lang->id == GEN_LANG_CPP || lang->id == GEN_LANG_RUST)
    return ffirt__gen_fmt(n, "%sCtx", base);
  return escape(n, lang, base);
}

const char *ffirt__gen_lang_module(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                   const char *library) {
  if (lang->id != GEN_LANG_GO) return library;
  char *s = malloc(strlen(library) + 1);
  if (!s) {
    n->oom = 1;
    return "";
  }
  size_t o = 0;
  for (const char *p = library; *p; p++)
    if (*p != '_') s[o++] = (char)tolower((unsigned char)*p);
  s[o] = '\0';
  const char *r = ffirt__gen_fmt(n, "%s", s);
  free(s);
  return r;
}

const char *ffirt__gen_lang_event_subscribe(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                            const char *wire) {
  const char *bare = strncmp(wire, "on_", 3) == 0 && wire[3] ? wire + 3 : wire;
  switch (lang->id) {
  case GEN_LANG_CPP:
    return ffirt__gen_fmt(n, "addOn%sListener", ffirt__gen_case_convert(n, bare, GEN_CASE_PASCAL));
  case GEN_LANG_PYTHON:
    return ffirt__gen_fmt(n, "on_%s", ffirt__gen_case_convert(n, bare, GEN_CASE_SNAKE));
  case GEN_LANG_RUST:
    return ffirt__gen_fmt(n, "add_%s_listener", ffirt__gen_case_convert(n, wire, GEN_CASE_SNAKE));
  case GEN_LANG_GO:
    return ffirt__gen_fmt(n, "On%s", ffirt__gen_case_convert(n, bare, GEN_CASE_PASCAL));
  }
  return "";
}

const char *ffirt__gen_lang_string(ffirt__gen_names *n, const ffirt__gen_lang *lang,
                                   const char *s) {
  size_t len = strlen(s);
  char *buf = malloc(len * 10 + 3); /* the longest escape is 9 bytes */
  if (!buf) {
    n->oom = 1;
    return "\"\"";
  }
  size_t o = 0;
  buf[o++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)*p;
    } else if (*p == '\n') {
      buf[o++] = '\\';
      buf[o++] = 'n';
    } else if (*p == '\t') {
      buf[o++] = '\\';
      buf[o++] = 't';
    } else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && lang->escape_non_ascii)) {
      o += (size_t)snprintf(buf + o, 10, lang->ctrl_escape, *p);
    } else {
      buf[o++] = (char)*p;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
  const char *r = ffirt__gen_fmt(n, "%s", buf);
  free(buf);
  return r;
}
