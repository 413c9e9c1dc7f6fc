/*
 * handle.h - the process-wide table that maps opaque context handles to
 * contexts: slot index + generation, never an address.
 *
 * Design notes:
 *  - A handle is (generation << 32) | (FFIRT__HANDLE_MAGIC << 21) |
 *    (index << 1) | 1. It is odd (never an aligned pointer), carries a magic
 *    field that forged values rarely match, and a generation that is bumped
 *    every time a slot is freed, so a destroyed handle never validates again
 *    even after its slot is reused. A slot freed with generation 2^32 - 1 is
 *    retired (never reused) instead of wrapping, so no ABA ever. Nothing in
 *    a handle is ever dereferenced; it is decoded and looked up.
 *  - Each slot has one 64-bit atomic word: generation (high 32 bits), LIVE,
 *    CLOSING and a reference count (low 30 bits). Entry points take a
 *    reference with a CAS that succeeds only when the generation matches and
 *    the slot is LIVE and not CLOSING; holding it keeps the context memory
 *    alive. ffirt__handle_close() sets CLOSING (no new references) and
 *    ffirt__handle_drain() waits until only the closer's reference is left;
 *    references are held only for short runtime code (a queue push, a
 *    listener add/remove), never across a host callback.
 *  - Slots live in pages that are allocated on demand (through the allocator
 *    hook) and never freed: a page pointer, once published, stays valid, so
 *    lookups take no lock. Allocation and freeing of slots (create/destroy)
 *    take the table mutex; the free list is FIFO so the most recently freed
 *    slot is reused last.
 *  - The number of live slots is bounded by ffirt_ctx_set_max_contexts()
 *    (default FFIRT_CTX_DEFAULT_MAX) and by FFIRT_CTX_HARD_MAX.
 */
#ifndef FFIRT_CONTEXT_HANDLE_H
#define FFIRT_CONTEXT_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/context.h"

#define FFIRT__HANDLE_MAGIC 0x5a5u

/* Validation results (besides 0 = a reference was taken). */
typedef enum ffirt__handle_status {
  FFIRT__H_OK = 0,
  FFIRT__H_NULL,      /* handle == NULL */
  FFIRT__H_FORGED,    /* not a value this runtime ever handed out */
  FFIRT__H_STALE,     /* the context was destroyed (slot maybe reused) */
  FFIRT__H_CLOSING,   /* the context is being destroyed */
  FFIRT__H_OTHER_LIB, /* a context of another library */
} ffirt__handle_status;

/*
 * Reserves a free slot for ctx (not yet LIVE). Returns 0 and the handle,
 * FFIRT_ELIMIT (max live contexts reached) or FFIRT_ENOMEM. Any thread.
 */
int ffirt__handle_alloc(ffirt_ctx *ctx, uint64_t *handle);

/* Makes a reserved slot LIVE: from now on the handle validates. */
void ffirt__handle_publish(uint64_t handle);

/*
 * Validates handle for lib and takes a reference. Returns FFIRT__H_OK with
 * *out set, or another status (no reference taken). When text is non-NULL
 * it receives the host-facing error text ("invalid context handle: ...").
 * A NULL lib is refused (FFIRT__H_FORGED). Any thread; lock-free.
 */
ffirt__handle_status ffirt__handle_acquire(const ffirt_library *lib, void *handle, ffirt_ctx **out,
                                           char *text, size_t cap);

/* Drops a reference taken by ffirt__handle_acquire(). Any thread. */
void ffirt__handle_release(uint64_t handle);

/*
 * While holding a reference: marks the slot CLOSING (no new references).
 * Returns 0, or FFIRT_ECLOSED when another thread already closes it.
 */
int ffirt__handle_close(uint64_t handle);

/* After ffirt__handle_close(): waits (yielding) until the caller's own
 * reference is the only one left. Bounded by the reference holds: a queue
 * push, a listener add, or a listener remove, which itself waits at most
 * for that listener's current call. */
void ffirt__handle_drain(uint64_t handle);

/*
 * Frees the slot: bumps the generation, clears LIVE/CLOSING/refs and puts
 * the slot on the free list (or retires it when the generation would wrap). Used by destroy (after
 * drain) and by a failed create (slot reserved, never published). Any thread.
 */
void ffirt__handle_free(uint64_t handle);

/* Tests only: sets the generation of handle's (live) slot to gen and
 * returns the handle that now validates for it. */
uint64_t ffirt__handle_test_set_gen(uint64_t handle, uint32_t gen);

/* Number of live (reserved or published) slots. Any thread. */
size_t ffirt__handle_live(void);

#endif /* FFIRT_CONTEXT_HANDLE_H */
