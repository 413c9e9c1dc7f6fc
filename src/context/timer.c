/*
 * timer.c - delayed work owned by a call: ffirt_call_after() and the typed
 * form the generated glue uses (ffirt_call_after_fn), so a library replies
 * later without keeping any libuv handle or list of its own.
 *
 * Design notes:
 *  - Threads: everything here runs on the call's worker thread (the timer is
 *    a uv_timer_t on the worker's loop). A request from another thread is
 *    refused and logged before any field of the call is read.
 *  - Ownership: a wait (ffirt__timer) belongs to its call. It is linked into
 *    call->timers (a doubly linked list, worker only) from the start until it
 *    fires or is cancelled; its memory is freed only in the uv_close
 *    callback, after libuv is done with the handle.
 *  - Invariant: fn runs only while its call is unfinished. Finishing a call
 *    (by the library, or by the runtime when the context is destroyed)
 *    cancels every wait still linked to it: call.c's finish_begin() calls
 *    ffirt__timer_cancel_call() before the terminal callback. So a wait
 *    never outlives its call, its arguments (borrowed until the finish) are
 *    still valid when fn runs, and destroying a context mid-wait frees every
 *    wait (the runtime answers each running call during destroy, while the
 *    loop still runs the close callbacks) without the library's help.
 *  - A firing wait is unlinked before fn runs, so fn may finish the call or
 *    start new waits on it; the firing handle is closed after fn returns and
 *    the call itself is not touched again (it may be in the graveyard).
 *  - libuv counts whole milliseconds from the loop's cached "now", so a timer
 *    may fire up to a millisecond early; the due time is kept in uv_hrtime()
 *    nanoseconds and an early timer waits out the rest: ms is a lower bound.
 *  - No locks, no atomics: worker-only state.
 */
#include <string.h>

#include "context/ctx_internal.h"

typedef struct ffirt__timer {
  uv_timer_t t; /* first member: the close callback casts back */
  ffirt_call *call;
  ffirt_call_after_cb fn;     /* untyped form, or NULL */
  ffirt_call_after_fn_cb tfn; /* typed form (generated glue), or NULL */
  union {
    void *arg;
    ffirt_fn user;
  } u;
  uint64_t due_ns;
  struct ffirt__timer *prev, *next;
} ffirt__timer;

static void on_closed(uv_handle_t *h) { ffirt_free(h); }

static void unlink_timer(ffirt__timer *w) {
  ffirt_call *call = w->call;
  if (w->prev)
    w->prev->next = w->next;
  else
    call->timers = w->next;
  if (w->next) w->next->prev = w->prev;
  w->prev = w->next = NULL;
}

void ffirt__timer_cancel_call(ffirt_call *call) {
  ffirt__timer *w;
  while ((w = call->timers)) {
    unlink_timer(w);
    uv_timer_stop(&w->t);
    uv_close((uv_handle_t *)&w->t, on_closed);
  }
}

static void on_fire(uv_timer_t *t) {
  ffirt__timer *w = (ffirt__timer *)t;
  uint64_t now = uv_hrtime();
  if (now < w->due_ns) {
    uint64_t left_ms = (w->due_ns - now + 999999u) / 1000000u;
    uv_update_time(t->loop);
    if (uv_timer_start(t, on_fire, left_ms, 0) == 0) return;
  }
  ffirt_call *call = w->call;
  unlink_timer(w);
  if (w->tfn)
    w->tfn(call, w->u.user);
  else
    w->fn(call, w->u.arg);
  uv_close((uv_handle_t *)&w->t, on_closed);
}

/* Common part of both forms; w's callback fields are set by the caller. */
static int start(ffirt_call *call, uint64_t ms, ffirt__timer *proto) {
  if (!call) return FFIRT_EINVAL;
  if (ffirt__tl_worker != call->ctx) {
    ffirt_log(FFIRT_LOG_ERROR,
              "ffirt_call_after on call '%s' from a thread other than its context's worker: "
              "ignored",
              call->desc && call->desc->name ? call->desc->name : "?");
    return FFIRT_EINVAL;
  }
  const char *name = call->desc && call->desc->name ? call->desc->name : "?";
  if (call->finished) {
    if (!call->by_runtime)
      ffirt_log(FFIRT_LOG_ERROR,
                "ffirt_call_after on call '%s', which is already finished: ignored", name);
    return FFIRT_ESTATE;
  }
  if (!proto->fn && !(proto->tfn && proto->u.user)) {
    ffirt_call_err(call, "%s: ffirt_call_after without a callback (library bug)", name);
    return FFIRT_EINVAL;
  }
  ffirt__timer *w = ffirt_malloc(sizeof *w);
  if (!w) {
    ffirt_call_err(call, "%s: out of memory starting a timer", name);
    return FFIRT_ENOMEM;
  }
  memcpy(w, proto, sizeof *w);
  w->call = call;
  int rc = uv_timer_init(&call->ctx->loop, &w->t);
  if (rc != 0) {
    ffirt_free(w);
    ffirt_call_err(call, "%s: cannot start a timer: %s", name, uv_strerror(rc));
    return FFIRT_ENOMEM;
  }
  uint64_t now = uv_hrtime();
  uint64_t limit = (UINT64_MAX - now) / 1000000u;
  w->due_ns = ms > limit ? UINT64_MAX : now + ms * 1000000u;
  /* The loop's cached "now" may be old (a long handler ran): refresh it so
   * the wait counts from here. */
  uv_update_time(&call->ctx->loop);
  rc = uv_timer_start(&w->t, on_fire, ms, 0);
  if (rc != 0) {
    uv_close((uv_handle_t *)&w->t, on_closed);
    ffirt_call_err(call, "%s: cannot start a timer: %s", name, uv_strerror(rc));
    return FFIRT_ENOMEM;
  }
  w->prev = NULL;
  w->next = call->timers;
  if (w->next) w->next->prev = w;
  call->timers = w;
  return 0;
}

int ffirt_call_after(ffirt_call *call, uint64_t ms, ffirt_call_after_cb fn, void *arg) {
  ffirt__timer proto;
  memset(&proto, 0, sizeof proto);
  proto.fn = fn;
  proto.u.arg = arg;
  return start(call, ms, &proto);
}

int ffirt_call_after_fn(ffirt_call *call, uint64_t ms, ffirt_call_after_fn_cb fn, ffirt_fn user) {
  ffirt__timer proto;
  memset(&proto, 0, sizeof proto);
  proto.tfn = fn;
  proto.u.user = user;
  return start(call, ms, &proto);
}
