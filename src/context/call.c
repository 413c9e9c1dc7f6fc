/*
 * call.c - call objects: submission (entry checks of abi.md 3.1), dispatch
 * on the worker, the exactly-once finish, stale warnings, and freeing.
 *
 * Design notes:
 *  - Entry errors (NULL callback, bad handle, closing context, no memory)
 *    are answered on the caller's thread before anything is queued; no call
 *    object exists then. ffirt_ctx_check runs the first two alone (same
 *    texts), for exports that must refuse a bad handle before reading their
 *    arguments; ffirt_ctx_enter does the same but keeps the handle
 *    reference, which ffirt_call_submit_entered then uses and releases (or
 *    ffirt_ctx_leave releases), so a native export validates its handle
 *    once per call (one acquire/release pair, not two). The reference is
 *    always released before an entry error calls cb, which may destroy the
 *    context. Every call that is pushed gets exactly one terminal
 *    callback, from the worker: from the handler (ffirt_call_ok/err/
 *    ctor_ok), or from the runtime (constructor failed, context destroyed).
 *  - call->finished is written and read on the worker only, so the
 *    exactly-once check needs no atomics; a finish from another thread is
 *    refused (logged) before touching it; a second finish is logged as a
 *    programming error and ignored, a late finish of a call the runtime
 *    already answered during destroy is ignored quietly.
 *  - Memory: call objects come from ctx->spare (a lock-free pool the
 *    worker refills) or ffirt_malloc. A finished call goes to
 *    ctx->graveyard and is freed (args freed, object recycled) at the
 *    worker's next safe point: after the handler that was
 *    running returns, or after the loop callback that finished it returns.
 *    A call with a stale timer is freed from the timer's close callback.
 *    Calls answered by the runtime in destroy stay in ctx->orphans until the
 *    loop is closed, so a late finish from a library callback is safe.
 *  - Stale warnings come from a uv timer on the worker loop, started only
 *    when the handler returned without finishing (no cost for synchronous
 *    handlers) and stopped by the finish, so none follows the terminal
 *    callback. A handler that blocks the worker gets none (it is seen by
 *    the liveness monitor instead).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "context/ctx_internal.h"
#include "context/handle.h"

static const char k_empty[1] = "";

void ffirt__list_push(ffirt__call_list *l, ffirt_call *c) {
  c->next = NULL;
  c->prev = l->tail;
  if (l->tail)
    l->tail->next = c;
  else
    l->head = c;
  l->tail = c;
}

void ffirt__list_remove(ffirt__call_list *l, ffirt_call *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    l->head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  else
    l->tail = c->prev;
  c->prev = c->next = NULL;
}

ffirt_call *ffirt__list_pop(ffirt__call_list *l) {
  ffirt_call *c = l->head;
  if (c) ffirt__list_remove(l, c);
  return c;
}

void ffirt__call_free(ffirt_call *call) {
  if (call->desc && call->desc->free_args && call->args) call->desc->free_args(call->args);
  if (!ffirt__ring_put(&call->ctx->spare, call)) ffirt_free(call);
}

void ffirt__call_pool_drain(ffirt_ctx *ctx) {
  void *p;
  while ((p = ffirt__ring_take(&ctx->spare)))
    ffirt_free(p);
}

static void free_args_only(const ffirt_call_desc *desc, void *args) {
  if (desc && desc->free_args && args) desc->free_args(args);
}

/* --- submission ------------------------------------------------------- */

static int entry_error(FFICallBack cb, void *ud, const char *text) {
  cb(RET_ERR, text, strlen(text), ud);
  return RET_ERR;
}

int ffirt_ctx_check(const ffirt_library *lib, void *handle, FFICallBack cb, void *ud) {
  if (!cb) return RET_MISSING_CALLBACK;
  char text[256];
  ffirt_ctx *ctx;
  if (ffirt__handle_acquire(lib, handle, &ctx, text, sizeof text) != FFIRT__H_OK)
    return entry_error(cb, ud, text);
  ffirt__handle_release(ctx->handle);
  return RET_OK;
}

/* Queues a call on ctx, whose handle reference the caller holds; releases
 * it. desc and cb are valid. */
static int submit_held(ffirt_ctx *ctx, const ffirt_call_desc *desc, void *args, FFICallBack cb,
                       void *ud) {
  ffirt_call *call = ffirt__ring_take(&ctx->spare);
  if (!call) call = ffirt_malloc(sizeof *call);
  if (!call) {
    ffirt__handle_release(ctx->handle);
    free_args_only(desc, args);
    char text[256];
    snprintf(text, sizeof text, "out of memory queuing call '%s'", desc->name ? desc->name : "?");
    return entry_error(cb, ud, text);
  }
  memset(call, 0, FFIRT__CALL_HEAD);
  call->ctx = ctx;
  call->desc = desc;
  call->args = args;
  call->cb = cb;
  call->ud = ud;
  if (ffirt__mpsc_push(&ctx->q, &call->node)) ffirt__worker_wake(ctx);
  ffirt__handle_release(ctx->handle);
  return RET_OK;
}

int ffirt_call_submit(const ffirt_library *lib, void *handle, const ffirt_call_desc *desc,
                      void *args, FFICallBack cb, void *ud) {
  if (!cb) {
    free_args_only(desc, args);
    return RET_MISSING_CALLBACK;
  }
  if (!desc || !desc->run) {
    free_args_only(desc, args);
    return entry_error(cb, ud, "invalid call: no call descriptor or handler (runtime misuse)");
  }
  char text[256];
  ffirt_ctx *ctx;
  if (ffirt__handle_acquire(lib, handle, &ctx, text, sizeof text) != FFIRT__H_OK) {
    free_args_only(desc, args);
    return entry_error(cb, ud, text);
  }
  return submit_held(ctx, desc, args, cb, ud);
}

int ffirt_ctx_enter(const ffirt_library *lib, void *handle, FFICallBack cb, void *ud,
                    ffirt_ctx **out) {
  if (out) *out = NULL;
  if (!cb) return RET_MISSING_CALLBACK;
  if (!out)
    return entry_error(cb, ud, "invalid call: nowhere to hold the context (runtime misuse)");
  char text[256];
  ffirt_ctx *ctx;
  if (ffirt__handle_acquire(lib, handle, &ctx, text, sizeof text) != FFIRT__H_OK)
    return entry_error(cb, ud, text);
  *out = ctx;
  return RET_OK;
}

void ffirt_ctx_leave(ffirt_ctx *ctx) {
  if (ctx) ffirt__handle_release(ctx->handle);
}

int ffirt_call_submit_entered(ffirt_ctx *ctx, const ffirt_call_desc *desc, void *args,
                              FFICallBack cb, void *ud) {
  if (!ctx || !cb || !desc || !desc->run) {
    /* Leave first: cb may be user code that destroys the context. */
    ffirt_ctx_leave(ctx);
    free_args_only(desc, args);
    if (!cb) return RET_MISSING_CALLBACK;
    return entry_error(cb, ud,
                       ctx ? "invalid call: no call descriptor or handler (runtime misuse)"
                           : "invalid call: no entered context (runtime misuse)");
  }
  return submit_held(ctx, desc, args, cb, ud);
}

/* --- dispatch on the worker -------------------------------------------- */

static void on_stale(uv_timer_t *t) {
  ffirt_call *call = t->data;
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)(ffirt__now_ms() - call->start_ms));
  call->cb(RET_STALE_WARN, buf, (size_t)n, call->ud);
}

static void run_now(ffirt_ctx *ctx, ffirt_call *call) {
  call->start_ms = ffirt__now_ms();
  call->running = 1;
  ffirt__list_push(&ctx->running, call);
  call->desc->run(call);
  if (call->finished) return;
  uint32_t stale = atomic_load_explicit(&ctx->stale_ms, memory_order_relaxed);
  if (stale > 0 && uv_timer_init(&ctx->loop, &call->stale) == 0) {
    call->stale_active = 1;
    call->stale.data = call;
    uv_update_time(&ctx->loop);
    uint64_t spent = ffirt__now_ms() - call->start_ms;
    uv_timer_start(&call->stale, on_stale, spent < stale ? stale - spent : 1, stale);
  }
}

static void run_checked(ffirt_ctx *ctx, ffirt_call *call) {
  if (ctx->ctor_state == CTOR_FAILED) {
    char text[600];
    snprintf(text, sizeof text, "library is not initialized: constructor failed: %s",
             ctx->ctor_err ? ctx->ctor_err : "(no reason given)");
    ffirt__call_fail(call, text, 0);
    return;
  }
  run_now(ctx, call);
}

void ffirt__call_dispatch(ffirt_ctx *ctx, ffirt_call *call) {
  if (call->is_ctor) {
    run_now(ctx, call);
    return;
  }
  if (ctx->ctor_state == CTOR_PENDING || ctx->held.head) {
    ffirt__list_push(&ctx->held, call);
    return;
  }
  run_checked(ctx, call);
}

void ffirt__call_release_held(ffirt_ctx *ctx) {
  if (ctx->ctor_state == CTOR_PENDING) return;
  ffirt_call *c;
  while ((c = ffirt__list_pop(&ctx->held))) {
    run_checked(ctx, c);
    ffirt__call_reap(ctx);
  }
}

/* --- finishing --------------------------------------------------------- */

static void on_stale_closed(uv_handle_t *h) {
  ffirt_call *call = h->data;
  ffirt__list_push(&call->ctx->graveyard, call);
}

/* Marks call finished; 0 when it already was (and nothing may happen). */
/* 1 on the call's worker; otherwise logs and returns 0. Checked before any
 * field of the call is read: elsewhere they belong to the worker. */
static int on_worker(ffirt_call *call, const char *how) {
  if (ffirt__tl_worker == call->ctx) return 1;
  /* Finishing elsewhere would race the worker; the call stays open and is
   * answered by destroy if the library never finishes it properly. */
  ffirt_log(FFIRT_LOG_ERROR,
            "%s on call '%s' from a thread other than its context's worker: ignored; "
            "finish calls on the worker (e.g. via a uv_async_t on ffirt_ctx_loop)",
            how, call->desc->name ? call->desc->name : "?");
  return 0;
}

static int finish_begin(ffirt_call *call, const char *how) {
  if (call->finished) {
    if (call->by_runtime)
      ffirt_log(FFIRT_LOG_DEBUG, "late %s of call '%s' after its context was destroyed: ignored",
                how, call->desc->name ? call->desc->name : "?");
    else
      ffirt_log(FFIRT_LOG_ERROR,
                "call '%s' finished twice (second finish: %s): ignored; this is a bug in the "
                "library",
                call->desc->name ? call->desc->name : "?", how);
    return 0;
  }
  call->finished = 1;
  if (call->running) {
    ffirt__list_remove(&call->ctx->running, call);
    call->running = 0;
  }
  if (call->stale_active) uv_timer_stop(&call->stale);
  if (call->timers) ffirt__timer_cancel_call(call); /* fn never runs on a finished call */
  return 1;
}

static void finish_end(ffirt_call *call) {
  ffirt_ctx *ctx = call->ctx;
  if (call->by_runtime) {
    ffirt__list_push(&ctx->orphans, call); /* its timer is closed with the loop */
  } else if (call->stale_active) {
    call->stale_active = 0;
    uv_close((uv_handle_t *)&call->stale, on_stale_closed);
  } else {
    ffirt__list_push(&ctx->graveyard, call);
  }
}

void ffirt__call_reap(ffirt_ctx *ctx) {
  ffirt_call *c;
  while ((c = ffirt__list_pop(&ctx->graveyard)))
    ffirt__call_free(c);
}

static void ctor_failed(ffirt_call *call, const char *text, size_t len) {
  ffirt_ctx *ctx = call->ctx;
  if (!call->is_ctor || ctx->ctor_state != CTOR_PENDING) return;
  ctx->ctor_state = CTOR_FAILED;
  ctx->ctor_err = ffirt_strndup(text, len);
}

void ffirt__call_fail(ffirt_call *call, const char *text, int by_runtime) {
  if (!finish_begin(call, "error")) return;
  call->by_runtime = by_runtime ? 1 : 0;
  size_t len = strlen(text);
  ctor_failed(call, text, len);
  call->cb(RET_ERR, text, len, call->ud);
  finish_end(call);
}

void ffirt_call_ctor_ok(ffirt_call *call, void *state) {
  if (!call || !on_worker(call, "ffirt_call_ctor_ok")) return;
  if (!finish_begin(call, "ffirt_call_ctor_ok")) return;
  ffirt_ctx *ctx = call->ctx;
  if (call->is_ctor && ctx->ctor_state == CTOR_PENDING) {
    ctx->state = state;
    ctx->ctor_state = CTOR_OK;
  } else {
    ffirt_log(FFIRT_LOG_ERROR, "ffirt_call_ctor_ok on call '%s', which is not a constructor",
              call->desc->name ? call->desc->name : "?");
  }
  uint8_t buf[24];
  int n = snprintf((char *)buf + 1, sizeof buf - 1, "%llu", (unsigned long long)ctx->handle);
  if (call->desc->cbor) {
    buf[0] = (uint8_t)(0x60 + n); /* CBOR text string head; n <= 20 < 24 */
    call->cb(RET_OK, (const char *)buf, (size_t)n + 1, call->ud);
  } else {
    call->cb(RET_OK, (const char *)buf + 1, (size_t)n, call->ud);
  }
  finish_end(call);
}

void ffirt_call_ok(ffirt_call *call, const void *msg, size_t len) {
  if (!call || !on_worker(call, "ffirt_call_ok")) return;
  if (call->is_ctor && !call->finished) {
    ffirt_log(FFIRT_LOG_ERROR,
              "ffirt_call_ok on constructor '%s': treated as ffirt_call_ctor_ok(call, NULL)",
              call->desc->name ? call->desc->name : "?");
    ffirt_call_ctor_ok(call, NULL);
    return;
  }
  if (!finish_begin(call, "ffirt_call_ok")) return;
  call->cb(RET_OK, msg && len ? (const char *)msg : k_empty, msg ? len : 0, call->ud);
  finish_end(call);
}

void ffirt_call_err_text(ffirt_call *call, const char *text, size_t len) {
  if (!call || !on_worker(call, "ffirt_call_err")) return;
  if (!finish_begin(call, "ffirt_call_err")) return;
  if (!text || len == 0) {
    text = "unknown error (the library gave no text)";
    len = strlen(text);
  }
  /* Hosts get valid UTF-8 (abi.md 1: RET_ERR carries UTF-8 text): invalid
   * bytes become U+FFFD (at most 3 bytes each). */
  char *clean = NULL;
  if (!ffirt_utf8_valid((const uint8_t *)text, len)) {
    size_t cap = len <= (SIZE_MAX - 1) / 3 ? len * 3 + 1 : 0;
    clean = cap ? ffirt_malloc(cap) : NULL;
    if (clean) {
      len = ffirt_utf8_sanitize(clean, cap, text, len);
      text = clean;
    } else {
      len = ffirt_utf8_cut(text, len, len); /* the valid prefix at least */
      if (!len) {
        text = "error text not valid UTF-8 (and no memory to repair it)";
        len = strlen(text);
      }
    }
  }
  ctor_failed(call, text, len);
  call->cb(RET_ERR, text, len, call->ud);
  ffirt_free(clean);
  finish_end(call);
}

void ffirt_call_err(ffirt_call *call, const char *fmt, ...) {
  if (!call) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = fmt ? vsnprintf(buf, sizeof buf, fmt, ap) : 0;
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  ffirt_call_err_text(call, buf, (size_t)n);
}

/* --- accessors --------------------------------------------------------- */

void *ffirt_call_args(ffirt_call *call) { return call ? call->args : NULL; }
void *ffirt_call_state(ffirt_call *call) { return call ? call->ctx->state : NULL; }
ffirt_ctx *ffirt_call_ctx(ffirt_call *call) { return call ? call->ctx : NULL; }
int ffirt_call_is_cbor(ffirt_call *call) { return call && call->desc->cbor ? 1 : 0; }
