/*
 * wait.c - synchronous waits on a call (ffirt_call_wait) and the deadlock
 * rule: ffirt never blocks a context's own worker thread waiting for that
 * context.
 *
 * Design notes:
 *  - The waiter lives on the waiting thread's stack. The callback copies the
 *    terminal payload into *out, then publishes DONE with an exchange
 *    (seq_cst) on the waiter's state word; the waiter reads *out only after
 *    it loaded DONE (acquire), i.e. after the callback's last access to it.
 *    Stale warnings are only counted (before DONE, so no race on out).
 *  - Park/wake is a futex on that word (no mutex, no condition variable):
 *    the waiter exchanges WAITING -> SLEEPING and futex-waits while it is
 *    SLEEPING; the callback wakes only when its exchange found SLEEPING, so
 *    a reply that comes first costs no system call. The FUTEX_WAKE may
 *    reach the word after the waiter has returned (it saw DONE without
 *    sleeping on a spurious wake-up): that is harmless, a private futex wake
 *    on a stack address only ever causes a spurious wake-up, which every
 *    futex waiter tolerates.
 *  - The wait itself is unbounded by design: it ends when the call gets its
 *    terminal callback, which exactly-once guarantees (the handler finishes
 *    it, or destroy answers it within its bounds). The one case where that
 *    can never happen - waiting on the context's own worker, which is the
 *    thread that would have to run the call - is refused up front with
 *    FFIRT_EDEADLK. Waiting from the event thread is allowed (abi.md 4.3.4).
 */
#include <string.h>

#include "context/ctx_internal.h"
#include "context/handle.h"

enum { W_WAITING = 0, W_SLEEPING = 1, W_DONE = 2 };

typedef struct waiter {
  _Atomic int state;
  ffirt_reply *out;
} waiter;

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  waiter *w = ud;
  if (ret == RET_STALE_WARN) {
    w->out->stale_warnings++;
    return;
  }
  w->out->ret = ret;
  w->out->msg = ffirt_malloc(len + 1);
  if (w->out->msg) {
    if (len) memcpy(w->out->msg, msg, len);
    w->out->msg[len] = '\0';
    w->out->len = len;
  } else {
    w->out->ret = RET_ERR;
    w->out->len = 0;
    w->out->oom = 1;
  }
  /* seq_cst (release at least): publishes *out; the last access to w. */
  if (atomic_exchange_explicit(&w->state, W_DONE, memory_order_seq_cst) == W_SLEEPING)
    ffirt__futex_wake(&w->state, 1);
}

void ffirt_reply_clear(ffirt_reply *r) {
  if (!r) return;
  ffirt_free(r->msg);
  memset(r, 0, sizeof *r);
}

static int wait_on(const ffirt_library *lib, void *handle, const ffirt_call_desc *desc, void *args,
                   ffirt_reply *out) {
  memset(out, 0, sizeof *out);
  ffirt_ctx *ctx;
  if (ffirt__handle_acquire(lib, handle, &ctx, NULL, 0) == FFIRT__H_OK) {
    int own = ffirt__tl_worker == ctx;
    ffirt__handle_release(ctx->handle);
    if (own) {
      if (desc && desc->free_args && args) desc->free_args(args);
      return FFIRT_EDEADLK;
    }
  }
  waiter w;
  atomic_init(&w.state, W_WAITING);
  w.out = out;
  /* Entry errors (bad handle, closing, no memory) arrive synchronously
   * through on_reply, so the loop below sees DONE at once. */
  ffirt_call_submit(lib, handle, desc, args, on_reply, &w);
  int expected = W_WAITING;
  /* seq_cst: pairs with on_reply's exchange (either it sees SLEEPING and
   * wakes, or this exchange fails because DONE is already there). */
  if (atomic_compare_exchange_strong_explicit(&w.state, &expected, W_SLEEPING, memory_order_seq_cst,
                                              memory_order_seq_cst)) {
    /* unbounded: see the design notes */
    while (atomic_load_explicit(&w.state, memory_order_acquire) == W_SLEEPING)
      ffirt__futex_wait(&w.state, W_SLEEPING, 0);
  }
  /* DONE now (a failed exchange or the last load saw it; both acquire), so
   * *out is complete. */
  return out->oom ? FFIRT_ENOMEM : 0;
}

int ffirt_call_wait(const ffirt_library *lib, void *handle, const ffirt_call_desc *desc, void *args,
                    ffirt_reply *out) {
  if (!out) {
    if (desc && desc->free_args && args) desc->free_args(args);
    return FFIRT_EINVAL;
  }
  return wait_on(lib, handle, desc, args, out);
}

int ffirt_static_call_wait(const ffirt_library *lib, const ffirt_call_desc *desc, void *args,
                           ffirt_reply *out) {
  if (!out || !lib) {
    if (desc && desc->free_args && args) desc->free_args(args);
    if (out) memset(out, 0, sizeof *out);
    return FFIRT_EINVAL;
  }
  void *handle = ffirt__static_handle(lib);
  if (!handle) {
    memset(out, 0, sizeof *out);
    if (desc && desc->free_args && args) desc->free_args(args);
    return FFIRT_ENOMEM;
  }
  return wait_on(lib, handle, desc, args, out);
}
