/*
 * common.c - error texts, the allocator hook and the log sink.
 *
 * Design notes:
 *  - The allocator is a process-wide table read on every allocation without
 *    a lock; ffirt_set_allocator() is documented as "only while nothing of
 *    the previous allocator is alive", which is what makes that safe.
 *  - The log sink is swapped under a mutex and read under it too, so a sink
 *    can be replaced while other threads log; the sink itself is called
 *    outside the lock (it is user code).
 */
#include "ffirt/common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ffirt_strerror(int err) {
  switch (err) {
  case FFIRT_OK: return "success";
  case FFIRT_EINVAL: return "invalid argument";
  case FFIRT_ENOMEM: return "out of memory";
  case FFIRT_ENOSPC: return "buffer too small";
  case FFIRT_EMALFORMED: return "malformed input";
  case FFIRT_ETYPE: return "unexpected type";
  case FFIRT_ERANGE: return "value out of range";
  case FFIRT_EDEPTH: return "nesting too deep";
  case FFIRT_EBADCTX: return "invalid context handle";
  case FFIRT_ECLOSED: return "closed or being destroyed";
  case FFIRT_ELIMIT: return "limit reached";
  case FFIRT_ETHREAD: return "thread or loop creation failed";
  case FFIRT_EDEADLK: return "would deadlock: called from the context's own thread";
  case FFIRT_ETIMEDOUT: return "timed out";
  case FFIRT_ENOTFOUND: return "not found";
  case FFIRT_EFULL: return "queue full";
  case FFIRT_ESTATE: return "invalid state";
  default: return "unknown error";
  }
}

const char *ffirt_version(void) { return FFIRT_VERSION_STRING; }

static void *libc_malloc(size_t size, void *user) {
  (void)user;
  return malloc(size);
}
static void *libc_realloc(void *ptr, size_t size, void *user) {
  (void)user;
  return realloc(ptr, size);
}
static void libc_free(void *ptr, void *user) {
  (void)user;
  free(ptr);
}

static ffirt_allocator g_alloc = {libc_malloc, libc_realloc, libc_free, NULL};

void ffirt_set_allocator(const ffirt_allocator *alloc) {
  if (alloc && alloc->malloc_fn && alloc->realloc_fn && alloc->free_fn)
    g_alloc = *alloc;
  else
    g_alloc = (ffirt_allocator){libc_malloc, libc_realloc, libc_free, NULL};
}

void *ffirt_malloc(size_t size) { return g_alloc.malloc_fn(size ? size : 1, g_alloc.user); }

void *ffirt_calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  size_t total = n * size;
  void *p = ffirt_malloc(total);
  if (p) memset(p, 0, total ? total : 1);
  return p;
}

void *ffirt_realloc(void *ptr, size_t size) {
  return g_alloc.realloc_fn(ptr, size ? size : 1, g_alloc.user);
}

void ffirt_free(void *ptr) {
  if (ptr) g_alloc.free_fn(ptr, g_alloc.user);
}

char *ffirt_strndup(const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *p = ffirt_malloc(n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *ffirt_strdup(const char *s) { return s ? ffirt_strndup(s, strlen(s)) : ffirt_strndup("", 0); }

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static ffirt_log_fn g_log_fn = NULL;
static void *g_log_user = NULL;
static ffirt_log_level g_log_max = FFIRT_LOG_WARN;

void ffirt_log_set_sink(ffirt_log_fn fn, void *user, ffirt_log_level max_level) {
  pthread_mutex_lock(&g_log_lock);
  g_log_fn = fn;
  g_log_user = fn ? user : NULL;
  g_log_max = fn ? max_level : FFIRT_LOG_WARN;
  pthread_mutex_unlock(&g_log_lock);
}

static const char *level_name(ffirt_log_level level) {
  switch (level) {
  case FFIRT_LOG_ERROR: return "error";
  case FFIRT_LOG_WARN: return "warn";
  case FFIRT_LOG_INFO: return "info";
  default: return "debug";
  }
}

void ffirt_log(ffirt_log_level level, const char *fmt, ...) {
  pthread_mutex_lock(&g_log_lock);
  ffirt_log_fn fn = g_log_fn;
  void *user = g_log_user;
  ffirt_log_level max = g_log_max;
  pthread_mutex_unlock(&g_log_lock);
  if (level > max) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (fn)
    fn(level, msg, user);
  else
    fprintf(stderr, "ffirt %s: %s\n", level_name(level), msg);
}
