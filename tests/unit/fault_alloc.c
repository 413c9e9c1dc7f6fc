/*
 * fault_alloc.c - see fault_alloc.h.
 *
 * Design notes:
 *  - Counters are C11 atomics with relaxed order: they are statistics read
 *    after the threads that allocate have been joined (the join orders
 *    them), never used to synchronise anything.
 *  - The n-th call is chosen with an atomic increment, so exactly one call
 *    fails even when several threads allocate concurrently.
 */
#include "unit/fault_alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "ffirt/common.h"

static atomic_long g_calls;
static atomic_long g_live;
static atomic_int g_failed;
static long g_fail_at;

static int should_fail(void) {
  long n = atomic_fetch_add_explicit(&g_calls, 1, memory_order_relaxed) + 1;
  if (g_fail_at > 0 && n == g_fail_at) {
    atomic_store_explicit(&g_failed, 1, memory_order_relaxed);
    return 1;
  }
  return 0;
}

static void *fa_malloc(size_t size, void *user) {
  (void)user;
  if (should_fail()) return NULL;
  void *p = malloc(size);
  if (p) atomic_fetch_add_explicit(&g_live, 1, memory_order_relaxed);
  return p;
}

static void *fa_realloc(void *ptr, size_t size, void *user) {
  (void)user;
  if (should_fail()) return NULL;
  void *p = realloc(ptr, size);
  if (p && !ptr) atomic_fetch_add_explicit(&g_live, 1, memory_order_relaxed);
  return p;
}

static void fa_free(void *ptr, void *user) {
  (void)user;
  if (!ptr) return;
  atomic_fetch_sub_explicit(&g_live, 1, memory_order_relaxed);
  free(ptr);
}

void fault_alloc_install(long fail_at) {
  atomic_store_explicit(&g_calls, 0, memory_order_relaxed);
  atomic_store_explicit(&g_live, 0, memory_order_relaxed);
  atomic_store_explicit(&g_failed, 0, memory_order_relaxed);
  g_fail_at = fail_at;
  ffirt_allocator a = {fa_malloc, fa_realloc, fa_free, NULL};
  ffirt_set_allocator(&a);
}

void fault_alloc_uninstall(void) { ffirt_set_allocator(NULL); }

long fault_alloc_live(void) { return atomic_load_explicit(&g_live, memory_order_relaxed); }

long fault_alloc_calls(void) { return atomic_load_explicit(&g_calls, memory_order_relaxed); }

int fault_alloc_failed(void) { return atomic_load_explicit(&g_failed, memory_order_relaxed); }
