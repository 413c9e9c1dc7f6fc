/*
 * model.c - the model's arena and ffirt__gen_parse, the front end's entry
 * point (lex -> parse -> check).
 *
 * Design notes:
 *  - Every allocation reachable from a model comes from its arena and is
 *    freed at once by ffirt__gen_model_free; nothing is freed piecemeal.
 *  - Out of memory inside the front end longjmps back to ffirt__gen_parse,
 *    which frees the partial model and returns NULL. Only the arena and the
 *    token array exist at that point (both reached through `front`, which is
 *    not modified after setjmp), so nothing leaks.
 *  - Every allocation of the front end (arena blocks, tokens, diagnostics)
 *    goes through ffirt__gen_realloc, so tests can fail the n-th one.
 */
#include "lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *(*ffirt__gen_realloc)(void *p, size_t size) = realloc;

struct ffirt__gen_block {
  struct ffirt__gen_block *next;
  size_t used, cap;
  max_align_t data[];
};

#define BLOCK_SIZE 16384

void *ffirt__gen_alloc(ffirt__gen_arena *a, size_t size) {
  size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  struct ffirt__gen_block *b = a->blocks;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > BLOCK_SIZE ? size : BLOCK_SIZE;
    b = ffirt__gen_realloc(NULL, sizeof *b + cap);
    if (!b) {
      if (a->on_oom) a->on_oom(a->on_oom_arg);
      if (a->oom) longjmp(*a->oom, 1);
      return NULL;
    }
    b->used = 0;
    b->cap = cap;
    if (size > BLOCK_SIZE && a->blocks) {
      /* keep filling the current block; the big one goes behind it */
      b->next = a->blocks->next;
      a->blocks->next = b;
    } else {
      b->next = a->blocks;
      a->blocks = b;
    }
  }
  void *p = (char *)b->data + b->used;
  b->used += size;
  memset(p, 0, size);
  return p;
}

char *ffirt__gen_strndup(ffirt__gen_arena *a, const char *s, size_t n) {
  char *p = ffirt__gen_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *ffirt__gen_sprintf(ffirt__gen_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  char *p = ffirt__gen_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void *ffirt__gen_push(ffirt__gen_arena *a, void *arr, size_t *n, size_t *cap, size_t elsize) {
  void **parr = arr;
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = ffirt__gen_alloc(a, ncap * elsize);
    if (*n) memcpy(p, *parr, *n * elsize);
    *parr = p;
    *cap = ncap;
  }
  void *el = (char *)*parr + *n * elsize;
  memset(el, 0, elsize);
  (*n)++;
  return el;
}

void ffirt__gen_arena_free(ffirt__gen_arena *a) {
  struct ffirt__gen_block *b = a->blocks;
  while (b) {
    struct ffirt__gen_block *next = b->next;
    free(b);
    b = next;
  }
  a->blocks = NULL;
}

ffirt__gen_model *ffirt__gen_parse(const char *file, const char *src, size_t len,
                                   ffirt__gen_diag *d) {
  d->src = src;
  d->src_len = len;
  /* the arena first: m->arena points to the whole front (freed as one) */
  struct front {
    ffirt__gen_arena a;
    ffirt__gen_lexed lexed;
  } *front = ffirt__gen_realloc(NULL, sizeof *front);
  if (!front) return NULL;
  memset(front, 0, sizeof *front);
  ffirt__gen_arena *a = &front->a;
  ffirt__gen_lexed *lexed = &front->lexed;
  jmp_buf oom;
  ffirt__gen_model *m = NULL;
  a->oom = &oom;
  if (setjmp(oom)) {
    ffirt__gen_lexed_free(&front->lexed);
    ffirt__gen_arena_free(&front->a);
    free(front);
    return NULL;
  }
  m = ffirt__gen_alloc(a, sizeof *m);
  m->arena = a;
  m->file = ffirt__gen_strndup(a, file, strlen(file));
  m->opt_stale_warn_ms = 5000;
  m->opt_event_capacity = 1024;
  m->opt_event_overflow = 0;
  m->opt_event_block_ms = 100;
  m->opt_liveness_grace_ms = 10000;
  if (ffirt__gen_lex(m->file, src, len, d, lexed) != 0) longjmp(oom, 1);
  int before = d->errors;
  ffirt__gen_parse_tokens(m, a, lexed, d);
  ffirt__gen_check(m, a, lexed, d, d->errors - before);
  ffirt__gen_lexed_free(lexed);
  ffirt__gen_diag_flush(d);
  a->oom = NULL;
  return m;
}

void ffirt__gen_model_free(ffirt__gen_model *m) {
  if (!m) return;
  ffirt__gen_arena *a = m->arena;
  ffirt__gen_arena_free(a);
  free(a);
}
