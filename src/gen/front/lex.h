/*
 * lex.h - the IDL lexer and the generator front end's private helpers
 * (arena, check entry point). Not used by emitters: they read ir.h only.
 *
 * Design notes:
 *  - The lexer turns the whole file into a token array up front; the parser
 *    looks ahead freely. Token text points into the source (not copied).
 *  - "///" comments are not tokens of the grammar: each is attached either
 *    to the token before it when on the same line (a trailing doc) or to the
 *    next token (a leading doc, consecutive lines accumulate). The parser
 *    marks the docs it uses; check.c warns about the others.
 *  - Memory: tokens live in one malloc'd array owned by ffirt__gen_lexed;
 *    everything reachable from the model lives in the model's arena.
 */
#ifndef FFIRT_GEN_LEX_H
#define FFIRT_GEN_LEX_H

#include <setjmp.h>
#include <stddef.h>

#include "ir.h"

/* ------------------------------------------------------------------ arena */

/* The front end's allocator (realloc semantics; memory is released with
 * free()). Tests replace it to make the n-th allocation fail; everything
 * else leaves it alone. Not thread-safe to change while parsing. */
extern void *(*ffirt__gen_realloc)(void *p, size_t size);

/* All allocations of one model. Out of memory longjmps to oom (set by
 * ffirt__gen_parse), so callers never check for NULL. */
typedef struct ffirt__gen_arena {
  struct ffirt__gen_block *blocks;
  jmp_buf *oom;
  /* Called before the out-of-memory longjmp, to release memory held
   * outside the arena at that moment (NULL: nothing). */
  void (*on_oom)(void *arg);
  void *on_oom_arg;
} ffirt__gen_arena;

void *ffirt__gen_alloc(ffirt__gen_arena *a, size_t size); /* zeroed */
char *ffirt__gen_strndup(ffirt__gen_arena *a, const char *s, size_t n);
char *ffirt__gen_sprintf(ffirt__gen_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends one zeroed element to the array *arr of *n elements (capacity
 * *cap), moving it to a bigger arena block when full; returns the element.
 * Pointers into the array are invalidated by a push. */
void *ffirt__gen_push(ffirt__gen_arena *a, void *arr, size_t *n, size_t *cap, size_t elsize);
void ffirt__gen_arena_free(ffirt__gen_arena *a);

/* ------------------------------------------------------------------ tokens */

typedef enum ffirt__gen_tok_kind {
  TOK_EOF,
  TOK_IDENT,
  TOK_INT,    /* decimal or 0x hex, optional leading '-' */
  TOK_FLOAT,  /* decimal with '.' and/or exponent, optional leading '-' */
  TOK_STRING, /* text includes the quotes; decoded by ffirt__gen_unquote */
  TOK_SEMI,
  TOK_COMMA,
  TOK_LBRACE,
  TOK_RBRACE,
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_LT,
  TOK_GT,
  TOK_EQ,
  TOK_ARROW,
  TOK_LBRACKET, /* '[' and ']' are not IDL syntax: lexed so that `string[]` */
  TOK_RBRACKET, /* can be answered with "write seq<string>" */
  TOK_ERROR     /* a malformed number or string, already reported */
} ffirt__gen_tok_kind;

typedef struct ffirt__gen_doc_tok {
  const char *text; /* after "///" and one space, trailing blanks removed */
  size_t len;
  ffirt__gen_loc loc;
  int used;
} ffirt__gen_doc_tok;

typedef struct ffirt__gen_token {
  ffirt__gen_tok_kind kind;
  const char *text;
  size_t len;
  ffirt__gen_loc loc;
  size_t lead_doc, nlead_doc; /* range in ffirt__gen_lexed.docs */
  size_t trail_doc;           /* index + 1 in docs, 0 = none */
} ffirt__gen_token;

typedef struct ffirt__gen_lexed {
  ffirt__gen_token *toks;
  size_t ntoks; /* the last is TOK_EOF */
  ffirt__gen_doc_tok *docs;
  size_t ndocs;
} ffirt__gen_lexed;

/* Lexes src, reporting bad characters, unterminated strings and comments
 * and malformed numbers to d (and skipping them). Returns 0, or -1 when out
 * of memory. */
int ffirt__gen_lex(const char *file, const char *src, size_t len, ffirt__gen_diag *d,
                   ffirt__gen_lexed *out);
void ffirt__gen_lexed_free(ffirt__gen_lexed *l);
/* A printable description of a token for messages: "'foo'", "end of file". */
const char *ffirt__gen_tok_name(ffirt__gen_tok_kind k);

/* Decodes a TOK_STRING (escapes \" \\ \n \t \r \0 \uXXXX) into the arena.
 * Returns NULL and sets *err to a message when it is invalid. */
char *ffirt__gen_unquote(ffirt__gen_arena *a, const char *text, size_t len, const char **err);

/* Returns the candidate closest to `word` by edit distance (insert, delete,
 * substitute, swap of neighbours; letter case ignored), when it is close
 * enough to be a likely typo (at most 1 edit for short words, 2 from 6
 * letters), else NULL. candidates ends with NULL. For "did you mean". */
const char *ffirt__gen_suggest(const char *word, const char *const *candidates);

/* Limits that keep the front end's recursion (type nesting; struct graph
 * walks in check.c) far from the stack's end on hostile input. */
#define FFIRT_GEN_MAX_TYPE_DEPTH 32
#define FFIRT_GEN_MAX_STRUCTS 10000
/* Limits on sizes every target must be able to spell: an identifier longer
 * than this would make generated C string literals (names in error texts)
 * exceed what -pedantic accepts, and no host language needs it. */
#define FFIRT_GEN_MAX_IDENT 128
/* Procedures (ctor, dtor, methods, statics) per library and fields per
 * struct (parameters per procedure or event as well): far above any real
 * library, low enough that every output stays a sane size. */
#define FFIRT_GEN_MAX_PROCS 10000
#define FFIRT_GEN_MAX_FIELDS 10000

/* ------------------------------------------------------------------ phases */

/* parse.c: tokens -> model (unresolved). */
void ffirt__gen_parse_tokens(ffirt__gen_model *m, ffirt__gen_arena *a, ffirt__gen_lexed *l,
                             ffirt__gen_diag *d);
/* check.c: validates and resolves m (see ir.h for what "after check" means).
 * syntax_errors > 0 skips the checks that would only repeat them. */
void ffirt__gen_check(ffirt__gen_model *m, ffirt__gen_arena *a, ffirt__gen_lexed *l,
                      ffirt__gen_diag *d, int syntax_errors);

/* diag.c: appends the final count line ("2 errors, 1 warning generated.")
 * to d->out when there was any diagnostic. */
void ffirt__gen_diag_summary(ffirt__gen_diag *d);

#endif /* FFIRT_GEN_LEX_H */
