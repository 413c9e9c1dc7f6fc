/*
 * handle.c - slot table of context handles (index + generation).
 *
 * Design notes: see handle.h. In short: lookups are lock-free and never
 * dereference the handle; the per-slot word (generation | LIVE | CLOSING |
 * refs) is only changed by CAS; pages are never freed; g_lock protects the
 * free list, the page allocation and the live count.
 */
#include "context/handle.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "context/ctx_internal.h"

_Static_assert(sizeof(void *) >= 8, "ffirt context handles need 64-bit pointers");

#define PAGE_SLOTS 256u
#define PAGES (FFIRT_CTX_HARD_MAX / PAGE_SLOTS)
#define NO_SLOT UINT32_MAX

#define W_LIVE (UINT64_C(1) << 31)
#define W_CLOSING (UINT64_C(1) << 30)
#define W_REFS (W_CLOSING - 1)
#define W_GEN(w) ((uint32_t)((w) >> 32))

typedef struct slot {
  _Atomic uint64_t word;
  ffirt_ctx *_Atomic ctx;
  uint32_t next_free; /* under g_lock */
} slot;

static slot *_Atomic g_pages[PAGES];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t g_used; /* slots ever handed out (index bound) */
static uint32_t g_free_head = NO_SLOT, g_free_tail = NO_SLOT;
static _Atomic size_t g_live;
static _Atomic size_t g_max = FFIRT_CTX_DEFAULT_MAX;

int ffirt_ctx_set_max_contexts(size_t max) {
  if (max == 0 || max > FFIRT_CTX_HARD_MAX) return FFIRT_EINVAL;
  atomic_store_explicit(&g_max, max, memory_order_relaxed);
  return 0;
}

size_t ffirt_ctx_max_contexts(void) { return atomic_load_explicit(&g_max, memory_order_relaxed); }

size_t ffirt__handle_live(void) { return atomic_load_explicit(&g_live, memory_order_relaxed); }

static slot *slot_at(uint32_t idx) {
  if (idx >= FFIRT_CTX_HARD_MAX) return NULL;
  /* acquire: pairs with the release publication of a new page. */
  slot *page = atomic_load_explicit(&g_pages[idx / PAGE_SLOTS], memory_order_acquire);
  return page ? &page[idx % PAGE_SLOTS] : NULL;
}

static uint64_t make_handle(uint32_t gen, uint32_t idx) {
  return ((uint64_t)gen << 32) | ((uint64_t)FFIRT__HANDLE_MAGIC << 21) | ((uint64_t)idx << 1) | 1u;
}

/* Decodes h; returns 0 when it is not shaped like one of our handles. */
static int decode(uint64_t h, uint32_t *gen, uint32_t *idx) {
  if ((h & 1u) == 0 || ((h >> 21) & 0x7ffu) != FFIRT__HANDLE_MAGIC) return 0;
  *gen = (uint32_t)(h >> 32);
  *idx = (uint32_t)((h >> 1) & 0xfffffu);
  return *gen != 0;
}

int ffirt__handle_alloc(ffirt_ctx *ctx, uint64_t *handle) {
  pthread_mutex_lock(&g_lock);
  if (atomic_load_explicit(&g_live, memory_order_relaxed) >=
      atomic_load_explicit(&g_max, memory_order_relaxed)) {
    pthread_mutex_unlock(&g_lock);
    return FFIRT_ELIMIT;
  }
  uint32_t idx;
  slot *s;
  if (g_free_head != NO_SLOT) {
    idx = g_free_head;
    s = slot_at(idx);
    g_free_head = s->next_free;
    if (g_free_head == NO_SLOT) g_free_tail = NO_SLOT;
  } else {
    if (g_used >= FFIRT_CTX_HARD_MAX) {
      pthread_mutex_unlock(&g_lock);
      return FFIRT_ELIMIT;
    }
    idx = g_used;
    if (idx % PAGE_SLOTS == 0 &&
        !atomic_load_explicit(&g_pages[idx / PAGE_SLOTS], memory_order_relaxed)) {
      slot *page = ffirt_calloc(PAGE_SLOTS, sizeof(slot));
      if (!page) {
        pthread_mutex_unlock(&g_lock);
        return FFIRT_ENOMEM;
      }
      for (uint32_t i = 0; i < PAGE_SLOTS; i++)
        atomic_init(&page[i].word, (uint64_t)1 << 32); /* generation 1: never 0 */
      /* release: the page's initialised words are visible to slot_at(). */
      atomic_store_explicit(&g_pages[idx / PAGE_SLOTS], page, memory_order_release);
    }
    g_used++;
    s = slot_at(idx);
  }
  s->next_free = NO_SLOT;
  atomic_store_explicit(&s->ctx, ctx, memory_order_relaxed);
  atomic_fetch_add_explicit(&g_live, 1, memory_order_relaxed);
  uint32_t gen = W_GEN(atomic_load_explicit(&s->word, memory_order_relaxed));
  pthread_mutex_unlock(&g_lock);
  *handle = make_handle(gen, idx);
  return 0;
}

void ffirt__handle_publish(uint64_t handle) {
  uint32_t gen, idx;
  if (!decode(handle, &gen, &idx)) return;
  slot *s = slot_at(idx);
  /* release: whoever validates the handle sees the initialised context. */
  atomic_store_explicit(&s->word, ((uint64_t)gen << 32) | W_LIVE, memory_order_release);
}

ffirt__handle_status ffirt__handle_acquire(const ffirt_library *lib, void *handle, ffirt_ctx **out,
                                           char *text, size_t cap) {
  uint64_t h = (uint64_t)(uintptr_t)handle;
  const char *want = lib && lib->name ? lib->name : "?";
  uint32_t gen, idx;
  if (!lib) {
    if (text) snprintf(text, cap, "invalid call: no library descriptor (runtime misuse)");
    return FFIRT__H_FORGED;
  }
  if (!handle) {
    if (text) snprintf(text, cap, "invalid context handle: NULL");
    return FFIRT__H_NULL;
  }
  slot *s = decode(h, &gen, &idx) ? slot_at(idx) : NULL;
  uint64_t w = s ? atomic_load_explicit(&s->word, memory_order_acquire) : 0;
  /* Reserved and never published (not LIVE, not CLOSING) or a generation
   * this slot never had: not a handle we handed out. A retired slot (not
   * LIVE, CLOSING) is stale below. */
  if (!s || W_GEN(w) < gen || (W_GEN(w) == gen && !(w & (W_LIVE | W_CLOSING)))) {
    if (text)
      snprintf(text, cap,
               "invalid context handle 0x%" PRIx64 ": not a context of library '%s' "
               "(forged, corrupted or interior pointer)",
               h, want);
    return FFIRT__H_FORGED;
  }
  for (;;) {
    if (W_GEN(w) != gen || !(w & W_LIVE)) {
      if (text)
        snprintf(text, cap,
                 "invalid context handle 0x%" PRIx64 ": the context was destroyed (stale handle)",
                 h);
      return FFIRT__H_STALE;
    }
    if (w & W_CLOSING) {
      if (text)
        snprintf(text, cap, "invalid context handle 0x%" PRIx64 ": the context is being destroyed",
                 h);
      return FFIRT__H_CLOSING;
    }
    /* acquire: the context fields published before LIVE are visible; the
     * reference keeps them alive until release. */
    if (atomic_compare_exchange_weak_explicit(&s->word, &w, w + 1, memory_order_acquire,
                                              memory_order_acquire))
      break;
  }
  ffirt_ctx *ctx = atomic_load_explicit(&s->ctx, memory_order_relaxed);
  if (ctx->lib != lib) {
    if (text)
      snprintf(text, cap,
               "invalid context handle 0x%" PRIx64 ": it belongs to library '%s', not '%s'", h,
               ctx->lib && ctx->lib->name ? ctx->lib->name : "?", want);
    ffirt__handle_release(h);
    return FFIRT__H_OTHER_LIB;
  }
  *out = ctx;
  return FFIRT__H_OK;
}

void ffirt__handle_release(uint64_t handle) {
  uint32_t gen, idx;
  if (!decode(handle, &gen, &idx)) return;
  /* release: the holder's accesses to the context happen before a drain
   * that sees the count drop. */
  atomic_fetch_sub_explicit(&slot_at(idx)->word, 1, memory_order_release);
}

int ffirt__handle_close(uint64_t handle) {
  uint32_t gen, idx;
  if (!decode(handle, &gen, &idx)) return FFIRT_EBADCTX;
  slot *s = slot_at(idx);
  uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
  do {
    if (w & W_CLOSING) return FFIRT_ECLOSED;
  } while (!atomic_compare_exchange_weak_explicit(&s->word, &w, w | W_CLOSING, memory_order_acq_rel,
                                                  memory_order_relaxed));
  return 0;
}

void ffirt__handle_drain(uint64_t handle) {
  uint32_t gen, idx;
  if (!decode(handle, &gen, &idx)) return;
  slot *s = slot_at(idx);
  /* acquire: pairs with the release decrement of every other holder. */
  for (unsigned spins = 0; (atomic_load_explicit(&s->word, memory_order_acquire) & W_REFS) > 1;
       spins++) {
    if (spins > 64) sched_yield();
  }
}

void ffirt__handle_free(uint64_t handle) {
  uint32_t gen, idx;
  if (!decode(handle, &gen, &idx)) return;
  slot *s = slot_at(idx);
  pthread_mutex_lock(&g_lock);
  atomic_store_explicit(&s->ctx, NULL, memory_order_relaxed);
  s->next_free = NO_SLOT;
  if (gen == UINT32_MAX) {
    /* The next generation would wrap to an old one, and a handle of that
     * generation would validate again: retire the slot for good (CLOSING
     * without LIVE: every handle of it is stale, none takes a reference). */
    atomic_store_explicit(&s->word, ((uint64_t)gen << 32) | W_CLOSING, memory_order_release);
  } else {
    /* release: a validator that sees the new generation sees the slot free. */
    atomic_store_explicit(&s->word, (uint64_t)(gen + 1) << 32, memory_order_release);
    if (g_free_tail == NO_SLOT)
      g_free_head = idx;
    else
      slot_at(g_free_tail)->next_free = idx;
    g_free_tail = idx;
  }
  atomic_fetch_sub_explicit(&g_live, 1, memory_order_relaxed);
  pthread_mutex_unlock(&g_lock);
}

uint64_t ffirt__handle_test_set_gen(uint64_t handle, uint32_t gen) {
  uint32_t old, idx;
  if (!decode(handle, &old, &idx) || gen == 0) return 0;
  slot *s = slot_at(idx);
  uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
  atomic_store_explicit(&s->word, ((uint64_t)gen << 32) | (w & 0xffffffffu), memory_order_release);
  return make_handle(gen, idx);
}
