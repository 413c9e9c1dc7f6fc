/*
 * wait.c - synchronous waits on a call (ffirt_call_wait) and the deadlock
 * rule: ffirt never blocks a context's own worker thread waiting for that
 * context.
 *
 * Design notes:
 *  - The waiter lives on the waiting thread's stack. The callback copies the
 *    terminal payload and sets done under the waiter's mutex; the waiter
 *    returns only after it re-acquired that mutex and saw done, i.e. after
 *    the callback's last access. Stale warnings are only counted.
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

typedef struct waiter {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int done;
  ffirt_reply *out;
} waiter;

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  waiter *w = ud;
  pthread_mutex_lock(&w->lock);
  if (ret == RET_STALE_WARN) {
    w->out->stale_warnings++;
  } else if (!w->done) {
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
    w->done = 1;
    pthread_cond_signal(&w->cond);
  }
  pthread_mutex_unlock(&w->lock);
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
  w.done = 0;
  w.out = out;
  if (pthread_mutex_init(&w.lock, NULL) != 0) {
    if (desc && desc->free_args && args) desc->free_args(args);
    return FFIRT_ETHREAD;
  }
  if (pthread_cond_init(&w.cond, NULL) != 0) {
    pthread_mutex_destroy(&w.lock);
    if (desc && desc->free_args && args) desc->free_args(args);
    return FFIRT_ETHREAD;
  }
  /* Entry errors (bad handle, closing, no memory) arrive synchronously
   * through on_reply, so the loop below sees done at once. */
  ffirt_call_submit(lib, handle, desc, args, on_reply, &w);
  pthread_mutex_lock(&w.lock);
  while (!w.done)
    pthread_cond_wait(&w.cond, &w.lock); /* unbounded: see the design notes */
  pthread_mutex_unlock(&w.lock);
  pthread_cond_destroy(&w.cond);
  pthread_mutex_destroy(&w.lock);
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
