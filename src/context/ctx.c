/*
 * ctx.c - context lifecycle (create, destroy), per-context settings, the
 * accessors library code uses, the listener entry points, and the hidden
 * per-library worker that runs IDL statics.
 *
 * Design notes:
 *  - Create builds everything on the caller's thread (context, constructor
 *    call, event registry, slot, loop and handles), queues the constructor
 *    call first, publishes the handle, and only then starts the worker; a
 *    failure at any step undoes the earlier ones and answers cb(RET_ERR) on
 *    the caller's thread, so a failed create leaves nothing behind.
 *  - Destroy: validate (library check), refuse on the context's own worker or
 *    event thread (FFIRT_EDEADLK, nothing changed), mark the slot CLOSING
 *    (new calls are refused at entry), wait for the references of producers
 *    already inside submit, then tell the worker to stop and wait for its
 *    teardown for at most grace + teardown + slack ms. Then destroy the
 *    event registry (after the worker's teardown, so the library's last
 *    events are delivered) with the same deadline plus the slack: an event
 *    thread still inside a listener then is detached and frees the
 *    registry itself when the listener returns (so two contexts that
 *    destroy each other from their listeners both return). Join, free,
 *    free the slot (generation bump).
 *  - Listener removal on a worker thread never waits for the listener
 *    (it may be waiting synchronously on that very worker): the listener
 *    is not called again and the event thread runs its release.
 *  - Statics: one hidden context per library, created on first use under
 *    g_static_lock and published on a lock-free list; destroyed by an
 *    atexit handler (bounded like any destroy). The hidden context has no
 *    constructor and rejects external destroy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context/ctx_internal.h"
#include "context/handle.h"
#include "events/events_internal.h"
#include "common/clock.h"

int (*ffirt__ctx_fault_hook)(const char *site);

#define DEFAULT_GRACE_MS FFIRT_CTX_DEFAULT_GRACE_MS
#define DEFAULT_TEARDOWN_MS FFIRT_CTX_DEFAULT_TEARDOWN_MS
#define DESTROY_SLACK_MS 200u

static _Atomic uint32_t g_default_spin_us = FFIRT_CTX_DEFAULT_SPIN_US;

void ffirt_ctx_set_default_spin_us(uint32_t us) {
  atomic_store_explicit(&g_default_spin_us, us, memory_order_relaxed);
}

static void reply_error(FFICallBack cb, void *ud, const char *text) {
  cb(RET_ERR, text, strlen(text), ud);
}

int ffirt__ctx_free_until(ffirt_ctx *ctx, uint64_t deadline_ns) {
  int rc = ctx->events ? ffirt__events_destroy_until(ctx->events, deadline_ns) : 0;
  ffirt__call_pool_drain(ctx);
  ffirt_free(ctx->ctor_err);
  pthread_cond_destroy(&ctx->done_cond);
  pthread_mutex_destroy(&ctx->done_lock);
  ffirt_free(ctx);
  return rc;
}

void ffirt__ctx_free(ffirt_ctx *ctx) {
  if (ctx->events) ffirt_events_destroy(ctx->events);
  ffirt__call_pool_drain(ctx);
  ffirt_free(ctx->ctor_err);
  pthread_cond_destroy(&ctx->done_cond);
  pthread_mutex_destroy(&ctx->done_lock);
  ffirt_free(ctx);
}

static int init_sync(ffirt_ctx *ctx) {
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0) return FFIRT_ETHREAD;
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  int rc = pthread_cond_init(&ctx->done_cond, &attr);
  pthread_condattr_destroy(&attr);
  if (rc != 0) return FFIRT_ETHREAD;
  if (pthread_mutex_init(&ctx->done_lock, NULL) != 0) {
    pthread_cond_destroy(&ctx->done_cond);
    return FFIRT_ETHREAD;
  }
  return 0;
}

static int create_events(ffirt_ctx *ctx) {
  if (ffirt__ctx_fault_hook && ffirt__ctx_fault_hook("events")) return FFIRT_ETHREAD;
  /* An all-zero config (capacity 0) means "the defaults". */
  const ffirt_events_config *cfg = ctx->lib->events.capacity ? &ctx->lib->events : NULL;
  return ffirt_events_create(cfg, &ctx->events);
}

/* Creates a context; ctor NULL makes the hidden static worker. On failure
 * returns NULL with *err set and text filled; args are not freed here. */
static ffirt_ctx *create(const ffirt_library *lib, const ffirt_call_desc *ctor, void *args,
                         FFICallBack cb, void *ud, char *text, size_t cap) {
  const char *name = lib->name ? lib->name : "?";
  ffirt_ctx *ctx = ffirt_calloc(1, sizeof *ctx);
  ffirt_call *call = ctor ? ffirt_calloc(1, sizeof *call) : NULL;
  if (!ctx || (ctor && !call)) {
    ffirt_free(ctx);
    ffirt_free(call);
    snprintf(text, cap, "cannot create a context of library '%s': out of memory", name);
    return NULL;
  }
  ffirt__mpsc_init(&ctx->q);
  ffirt__ring_init(&ctx->spare);
  ctx->lib = lib;
  ctx->hidden = ctor == NULL;
  ctx->ctor_state = ctor ? CTOR_PENDING : CTOR_OK;
  atomic_init(&ctx->stale_ms, lib->stale_warn_ms);
  atomic_init(&ctx->spin_us, atomic_load_explicit(&g_default_spin_us, memory_order_relaxed));
  atomic_init(&ctx->grace_ms, DEFAULT_GRACE_MS);
  atomic_init(&ctx->teardown_ms, DEFAULT_TEARDOWN_MS);
  atomic_init(&ctx->stopping, 0);
  atomic_init(&ctx->stop_woken, 0);
  if (init_sync(ctx) != 0) {
    ffirt_free(ctx);
    ffirt_free(call);
    snprintf(text, cap, "cannot create a context of library '%s': %s", name,
             ffirt_strerror(FFIRT_ETHREAD));
    return NULL;
  }
  int rc = create_events(ctx);
  if (rc != 0) {
    ctx->events = NULL;
    snprintf(text, cap, "cannot create a context of library '%s': event registry: %s", name,
             ffirt_strerror(rc));
    goto fail;
  }
  rc = ffirt__handle_alloc(ctx, &ctx->handle);
  if (rc == FFIRT_ELIMIT) {
    snprintf(text, cap,
             "cannot create a context of library '%s': context limit reached (%zu live, "
             "maximum %zu; see ffirt_ctx_set_max_contexts)",
             name, ffirt__handle_live(), ffirt_ctx_max_contexts());
    goto fail;
  }
  if (rc != 0) {
    snprintf(text, cap, "cannot create a context of library '%s': out of memory", name);
    goto fail;
  }
  if (call) {
    call->ctx = ctx;
    call->desc = ctor;
    call->args = args;
    call->cb = cb;
    call->ud = ud;
    call->is_ctor = 1;
    ffirt__mpsc_push(&ctx->q, &call->node); /* first in the queue; the worker is not running */
  }
  ffirt__handle_publish(ctx->handle);
  rc = ffirt__worker_start(ctx);
  if (rc != 0) {
    snprintf(text, cap, "cannot create a context of library '%s': worker: %s", name,
             ffirt_strerror(rc));
    /* The handle was published: close it and wait out any guesser's ref. */
    ffirt__handle_close(ctx->handle);
    ffirt__handle_drain(ctx->handle);
    ffirt__handle_free(ctx->handle);
    ffirt__worker_unwind(ctx);
    if (call) ffirt_free(call); /* args: freed by the caller */
    ffirt__ctx_free(ctx);
    return NULL;
  }
  return ctx;
fail:
  if (ctx->handle) ffirt__handle_free(ctx->handle);
  ffirt_free(call);
  ffirt__ctx_free(ctx);
  return NULL;
}

static void *create_failed(const ffirt_call_desc *ctor, void *args) {
  if (ctor && ctor->free_args && args) ctor->free_args(args);
  return NULL;
}

void *ffirt_ctx_create(const ffirt_library *lib, const ffirt_call_desc *ctor, void *args,
                       FFICallBack cb, void *ud) {
  if (!cb) return create_failed(ctor, args);
  if (!lib || !ctor || !ctor->run) {
    reply_error(cb, ud,
                "cannot create a context: no library or constructor descriptor (runtime misuse)");
    return create_failed(ctor, args);
  }
  char text[300];
  ffirt_ctx *ctx = create(lib, ctor, args, cb, ud, text, sizeof text);
  if (!ctx) {
    reply_error(cb, ud, text);
    return create_failed(ctor, args);
  }
  return (void *)(uintptr_t)ctx->handle;
}

/* Waits for the worker's teardown; 1 when it finished in time. */
static int wait_done(ffirt_ctx *ctx, uint32_t bound_ms) {
  struct timespec deadline = ffirt__deadline(CLOCK_MONOTONIC, bound_ms);
  pthread_mutex_lock(&ctx->done_lock);
  int rc = 0;
  while (!ctx->done && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&ctx->done_cond, &ctx->done_lock, &deadline);
  int done = ctx->done;
  if (!done) ctx->abandoned = 1;
  pthread_mutex_unlock(&ctx->done_lock);
  return done;
}

static int destroy(const ffirt_library *lib, void *handle, int allow_hidden) {
  ffirt_ctx *ctx;
  char text[256];
  if (ffirt__handle_acquire(lib, handle, &ctx, text, sizeof text) != FFIRT__H_OK) {
    ffirt_log(FFIRT_LOG_DEBUG, "destroy refused: %s", text);
    return FFIRT_EBADCTX;
  }
  uint64_t h = ctx->handle;
  if (ctx->hidden && !allow_hidden) {
    ffirt__handle_release(h);
    return FFIRT_EBADCTX;
  }
  if (ffirt__tl_worker == ctx || (ctx->events && ffirt_events_on_thread(ctx->events))) {
    ffirt__handle_release(h);
    ffirt_log(FFIRT_LOG_WARN,
              "destroy of a '%s' context called on its own worker or event thread: refused "
              "(it would deadlock)",
              ctx->lib->name ? ctx->lib->name : "?");
    return FFIRT_EDEADLK;
  }
  if (ffirt__handle_close(h) != 0) {
    ffirt__handle_release(h);
    return FFIRT_EBADCTX; /* another thread is destroying it */
  }
  ffirt__handle_drain(h);
  /* release: every call pushed before the drain is visible to the worker
   * once it sees stopping (acquire in worker.c). */
  atomic_store_explicit(&ctx->stopping, 1, memory_order_release);
  if (ffirt__ctx_fault_hook) ffirt__ctx_fault_hook("destroy-wake");
  ffirt__worker_wake(ctx);
  /* release: the worker closes the async handle only after this (a worker
   * that saw stopping on its own must not close it under our wake-up). */
  atomic_store_explicit(&ctx->stop_woken, 1, memory_order_release);
  pthread_t thread = ctx->thread; /* ctx may be freed by the worker once abandoned */
  uint32_t bound = atomic_load_explicit(&ctx->grace_ms, memory_order_relaxed) +
                   atomic_load_explicit(&ctx->teardown_ms, memory_order_relaxed) + DESTROY_SLACK_MS;
  /* The whole destroy, event thread included, is bounded by the same
   * deadline (plus the slack again for the event thread, which delivers
   * the teardown's last events). */
  uint64_t deadline_ns = ffirt__now_ns() + ((uint64_t)bound + DESTROY_SLACK_MS) * 1000000u;
  if (!wait_done(ctx, bound)) {
    ffirt_log(FFIRT_LOG_ERROR,
              "destroy of a '%s' context: the worker did not finish its teardown within %u ms "
              "(a handler or the library's destructor is blocking it); its thread is detached "
              "and frees the context if it ever finishes",
              lib->name ? lib->name : "?", bound); /* not ctx: the worker may free it now */
    pthread_detach(thread);
    ffirt__handle_free(h);
    return FFIRT_ETIMEDOUT;
  }
  pthread_join(thread, NULL);
  /* Destroys the event registry: after the teardown. A listener that runs
   * past the deadline (or waits for this thread) gets its event thread
   * detached; it frees the registry when the listener returns. */
  int rc = ffirt__ctx_free_until(ctx, deadline_ns);
  ffirt__handle_free(h);
  if (rc == FFIRT_ETIMEDOUT)
    ffirt_log(FFIRT_LOG_ERROR,
              "destroy of a '%s' context: an event listener did not return within the destroy "
              "bound (%u ms); the event thread is detached and frees the registry when it does",
              lib->name ? lib->name : "?", bound);
  return rc == FFIRT_ETIMEDOUT ? FFIRT_ETIMEDOUT : 0;
}

int ffirt_ctx_destroy(const ffirt_library *lib, void *handle) { return destroy(lib, handle, 0); }

/* --- settings ---------------------------------------------------------- */

static int with_ctx(const ffirt_library *lib, void *handle, ffirt_ctx **ctx) {
  return ffirt__handle_acquire(lib, handle, ctx, NULL, 0) == FFIRT__H_OK ? 0 : FFIRT_EBADCTX;
}

int ffirt_ctx_set_stale_warn_ms(const ffirt_library *lib, void *handle, uint32_t ms) {
  ffirt_ctx *ctx;
  if (with_ctx(lib, handle, &ctx) != 0) return FFIRT_EBADCTX;
  atomic_store_explicit(&ctx->stale_ms, ms, memory_order_relaxed);
  ffirt__handle_release(ctx->handle);
  return 0;
}

int ffirt_ctx_set_spin_us(const ffirt_library *lib, void *handle, uint32_t us) {
  ffirt_ctx *ctx;
  if (with_ctx(lib, handle, &ctx) != 0) return FFIRT_EBADCTX;
  atomic_store_explicit(&ctx->spin_us, us, memory_order_relaxed);
  ffirt__handle_release(ctx->handle);
  return 0;
}

int ffirt_ctx_set_destroy_timeouts(const ffirt_library *lib, void *handle, uint32_t grace_ms,
                                   uint32_t teardown_ms) {
  if (grace_ms > 3600000u || teardown_ms > 3600000u) return FFIRT_EINVAL;
  ffirt_ctx *ctx;
  if (with_ctx(lib, handle, &ctx) != 0) return FFIRT_EBADCTX;
  atomic_store_explicit(&ctx->grace_ms, grace_ms, memory_order_relaxed);
  atomic_store_explicit(&ctx->teardown_ms, teardown_ms, memory_order_relaxed);
  ffirt__handle_release(ctx->handle);
  return 0;
}

/* --- accessors --------------------------------------------------------- */

uv_loop_t *ffirt_ctx_loop(ffirt_ctx *ctx) { return ctx ? &ctx->loop : NULL; }
void *ffirt_ctx_state(ffirt_ctx *ctx) { return ctx ? ctx->state : NULL; }
ffirt_events *ffirt_ctx_events(ffirt_ctx *ctx) { return ctx ? ctx->events : NULL; }
void *ffirt_ctx_handle(ffirt_ctx *ctx) { return ctx ? (void *)(uintptr_t)ctx->handle : NULL; }

int ffirt_ctx_emit(ffirt_ctx *ctx, const ffirt_event_type *type, const void *payload) {
  if (!ctx || !ctx->events) return FFIRT_EINVAL;
  return ffirt_events_emit(ctx->events, type, payload);
}

int ffirt_ctx_emit_cbor(ffirt_ctx *ctx, const char *name, const uint8_t *payload, size_t len) {
  if (!ctx || !ctx->events) return FFIRT_EINVAL;
  return ffirt_events_emit_cbor(ctx->events, name, payload, len);
}

int ffirt_ctx_is_own_thread(ffirt_ctx *ctx) {
  return ctx && (ffirt__tl_worker == ctx || (ctx->events && ffirt_events_on_thread(ctx->events)));
}

/* --- listeners --------------------------------------------------------- */

uint64_t ffirt_ctx_add_listener(const ffirt_library *lib, void *handle, const char *name,
                                ffirt_listener_kind kind, FFICallBack cb, void *ud,
                                void (*release)(void *ud)) {
  ffirt_ctx *ctx;
  if (!cb || with_ctx(lib, handle, &ctx) != 0) return 0;
  uint64_t id = ctx->events ? ffirt_events_add(ctx->events, name, kind, cb, ud, release) : 0;
  ffirt__handle_release(ctx->handle);
  return id;
}

int ffirt_ctx_remove_listener(const ffirt_library *lib, void *handle, uint64_t id) {
  ffirt_ctx *ctx;
  if (with_ctx(lib, handle, &ctx) != 0) return FFIRT_EBADCTX;
  /* On a context's worker thread (any context: a listener may wait
   * synchronously on it) remove never waits for a running listener. */
  int rc = ctx->events ? ffirt__events_remove(ctx->events, id, ffirt__tl_worker != NULL)
                       : FFIRT_ENOTFOUND;
  ffirt__handle_release(ctx->handle);
  return rc;
}

/* --- statics ----------------------------------------------------------- */

typedef struct static_worker {
  const ffirt_library *lib;
  void *handle;
  struct static_worker *next;
} static_worker;

static static_worker *_Atomic g_statics;
static pthread_mutex_t g_static_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_atexit_registered;

/* At exit: destroys every static worker. The list entries stay (reachable,
 * not leaked), so a static call racing the exit finds a dead handle and gets
 * an entry error instead of a freed entry. */
static void destroy_statics(void) {
  /* acquire: pairs with the release publication in static_handle(). */
  for (static_worker *s = atomic_load_explicit(&g_statics, memory_order_acquire); s; s = s->next) {
    int rc = destroy(s->lib, s->handle, 1);
    if (rc != 0)
      ffirt_log(FFIRT_LOG_WARN, "static worker of library '%s' not destroyed at exit: %s",
                s->lib->name ? s->lib->name : "?", ffirt_strerror(rc));
  }
}

static void *static_handle(const ffirt_library *lib, char *text, size_t cap) {
  /* acquire: pairs with the release publication below. */
  for (static_worker *s = atomic_load_explicit(&g_statics, memory_order_acquire); s; s = s->next)
    if (s->lib == lib) return s->handle;
  pthread_mutex_lock(&g_static_lock);
  void *handle = NULL;
  for (static_worker *s = atomic_load_explicit(&g_statics, memory_order_relaxed); s; s = s->next)
    if (s->lib == lib) handle = s->handle;
  if (!handle) {
    static_worker *s = ffirt_malloc(sizeof *s);
    ffirt_ctx *ctx = s ? create(lib, NULL, NULL, NULL, NULL, text, cap) : NULL;
    if (!s) snprintf(text, cap, "cannot start the static worker: out of memory");
    if (ctx) {
      s->lib = lib;
      s->handle = handle = (void *)(uintptr_t)ctx->handle;
      s->next = atomic_load_explicit(&g_statics, memory_order_relaxed);
      /* release: the entry is complete before it is reachable. */
      atomic_store_explicit(&g_statics, s, memory_order_release);
      if (!g_atexit_registered && atexit(destroy_statics) == 0) g_atexit_registered = 1;
    } else {
      ffirt_free(s);
    }
  }
  pthread_mutex_unlock(&g_static_lock);
  return handle;
}

int ffirt_static_submit(const ffirt_library *lib, const ffirt_call_desc *desc, void *args,
                        FFICallBack cb, void *ud) {
  if (!cb) {
    if (desc && desc->free_args && args) desc->free_args(args);
    return RET_MISSING_CALLBACK;
  }
  char text[300];
  void *handle = lib ? static_handle(lib, text, sizeof text) : NULL;
  if (!handle) {
    if (!lib) snprintf(text, sizeof text, "invalid static call: no library (runtime misuse)");
    if (desc && desc->free_args && args) desc->free_args(args);
    reply_error(cb, ud, text);
    return RET_ERR;
  }
  return ffirt_call_submit(lib, handle, desc, args, cb, ud);
}

void *ffirt__static_handle(const ffirt_library *lib) {
  char text[300];
  return static_handle(lib, text, sizeof text);
}
