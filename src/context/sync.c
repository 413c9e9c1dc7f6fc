/*
 * sync.c - bounded synchronous calls for the generated blocking exports
 * (<lib>_<method>_wait): ffirt_call_wait_into() submits through the
 * library's own native export, waits at most a timeout for the terminal
 * reply, and has the reply copied into the caller's result by a generated
 * take() function.
 *
 * Design notes:
 *  - The waiter is on the heap and shared by the waiting thread and the
 *    reply callback, with a reference count of 2 (both drop theirs under
 *    w->lock; the last one frees it). So a waiter that timed out can return
 *    at once: a reply that comes later finds the waiter abandoned, copies
 *    nothing and frees the waiter.
 *  - take() (generated deep-copy code, never user code) writes the caller's
 *    result; it runs in the callback under w->lock and only while the waiter
 *    has not given up, so the caller's memory is never written after the
 *    wait returned. The callback's other work is a bounded copy.
 *  - Deadlock rule as ffirt_call_wait (wait.c): refused on the context's own
 *    worker (for a static call: on the library's static worker), the thread
 *    that would have to run the call. A bounded wait on the event thread is
 *    allowed.
 *  - Threads: any caller thread; the callback runs on the worker (or on the
 *    caller's thread for entry errors, before submit returns).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "context/ctx_internal.h"
#include "context/handle.h"
#include "common/clock.h"

typedef struct sync_waiter {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int refs;      /* under lock: 2 while both sides hold it */
  int done;      /* under lock: the terminal reply was handled */
  int abandoned; /* under lock: the waiter gave up (timeout) */
  int ret;       /* RET_OK / RET_ERR */
  int take_rc;   /* take()'s return on RET_OK */
  char *text;    /* RET_ERR text (NUL-terminated copy) */
  ffirt_take_fn take;
  void *dst;
} sync_waiter;

/* Drops one reference; frees the waiter with the last. Called with lock held;
 * returns with it released. */
static void drop(sync_waiter *w) {
  int last = --w->refs == 0;
  pthread_mutex_unlock(&w->lock);
  if (!last) return;
  pthread_cond_destroy(&w->cond);
  pthread_mutex_destroy(&w->lock);
  ffirt_free(w->text);
  ffirt_free(w);
}

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  sync_waiter *w = ud;
  if (ret == RET_STALE_WARN) return; /* not terminal; the reference stays */
  pthread_mutex_lock(&w->lock);
  if (!w->done && !w->abandoned) {
    w->ret = ret;
    if (ret == RET_OK) {
      w->take_rc = w->take ? w->take(msg, len, w->dst) : 0;
    } else {
      w->text = ffirt_strndup(msg, len);
    }
    w->done = 1;
    pthread_cond_signal(&w->cond);
  }
  drop(w);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
set_err(char *err, size_t err_size, const char *fmt, ...) {
  if (!err || !err_size) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_size, fmt, ap);
  va_end(ap);
}

static int own_worker(const ffirt_library *lib, void *handle) {
  ffirt_ctx *me = ffirt__tl_worker;
  if (!me) return 0;
  if (!handle) return me->lib == lib && me->hidden; /* a static call */
  ffirt_ctx *ctx;
  if (ffirt__handle_acquire(lib, handle, &ctx, NULL, 0) != FFIRT__H_OK) return 0;
  int own = ctx == me;
  ffirt__handle_release(ctx->handle);
  return own;
}

int ffirt_call_wait_into(const ffirt_library *lib, void *handle, const char *name,
                         uint32_t timeout_ms, ffirt_submit_fn submit, void *submit_ud,
                         ffirt_take_fn take, void *dst, char *err, size_t err_size) {
  if (err && err_size) err[0] = '\0';
  if (!name) name = "?";
  if (!lib || !submit) {
    set_err(err, err_size, "%s: invalid blocking call (runtime misuse)", name);
    return RET_ERR;
  }
  if (own_worker(lib, handle)) {
    set_err(err, err_size,
            "%s: refused: a blocking call on its own context's worker thread would wait "
            "forever",
            name);
    return RET_ERR;
  }
  sync_waiter *w = ffirt_calloc(1, sizeof *w);
  if (!w) {
    set_err(err, err_size, "%s: out of memory", name);
    return RET_ERR;
  }
  if (pthread_mutex_init(&w->lock, NULL) != 0) {
    ffirt_free(w);
    set_err(err, err_size, "%s: cannot create a mutex", name);
    return RET_ERR;
  }
  pthread_condattr_t ca;
  int cond_ok = pthread_condattr_init(&ca) == 0;
  if (cond_ok) {
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    cond_ok = pthread_cond_init(&w->cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
  }
  if (!cond_ok) {
    pthread_mutex_destroy(&w->lock);
    ffirt_free(w);
    set_err(err, err_size, "%s: cannot create a condition variable", name);
    return RET_ERR;
  }
  w->refs = 2;
  w->take = take;
  w->dst = dst;
  int rc = submit(handle, on_reply, w, submit_ud);
  if (rc == RET_MISSING_CALLBACK) { /* cannot happen: on_reply is not NULL */
    pthread_mutex_lock(&w->lock);
    w->refs--;
    drop(w);
    set_err(err, err_size, "%s: the call was not submitted", name);
    return RET_ERR;
  }
  struct timespec dl = ffirt__deadline(CLOCK_MONOTONIC, timeout_ms);
  pthread_mutex_lock(&w->lock);
  int timed_out = 0;
  while (!w->done && !timed_out) {
    if (timeout_ms == 0)
      pthread_cond_wait(&w->cond, &w->lock);
    else if (pthread_cond_timedwait(&w->cond, &w->lock, &dl) == ETIMEDOUT)
      timed_out = !w->done;
  }
  int ret;
  if (timed_out) {
    w->abandoned = 1;
    set_err(err, err_size,
            "%s: no reply within %u ms (the call goes on; its reply will be dropped)", name,
            timeout_ms);
    ret = RET_ERR;
  } else if (w->ret == RET_OK && w->take_rc != 0) {
    set_err(err, err_size, "%s: the reply could not be copied: %s", name,
            ffirt_strerror(w->take_rc));
    ret = RET_ERR;
  } else if (w->ret == RET_OK) {
    ret = RET_OK;
  } else {
    if (err && err_size)
      snprintf(err, err_size, "%s", w->text ? w->text : "out of memory copying the error text");
    ret = RET_ERR;
  }
  drop(w);
  return ret;
}
