/*
 * worker.c - the worker thread of a context: its libuv loop, the drain /
 * spin / park cycle over the request queue, the liveness beat, and the stop
 * phase of destroy (queued calls refused, running calls' grace, the
 * library's teardown, closing every loop handle).
 *
 * Design notes:
 *  - Exactly one thread (the worker) runs the loop, pops the queue, runs
 *    handlers and finishes calls. ffirt__tl_worker identifies it, which is
 *    how destroy and synchronous waits detect "called on its own worker".
 *  - The cycle: pop and dispatch everything queued (running the loop without
 *    blocking every 64 calls so timers and I/O are not starved by a flood);
 *    then run the loop once without blocking; then spin while the queue
 *    stays empty, as the shared policy of spin.h allows (adaptive budget of
 *    at most spin_us, no spinning when the spin slots of the process are
 *    taken or after the worker was preempted while spinning, sched_yield
 *    between checks after the first microseconds); then announce parking
 *    (queue.h handshake) and block in poll() on the loop's backend fd (see
 *    park()). Producers wake a parked worker with uv_async_send.
 *  - No timer of ours runs while the context is idle: the parked worker
 *    blocks until a producer, a library timer or I/O wakes it. Liveness
 *    (events/liveness.c) needs a clock only while the worker is awake: the
 *    worker says so with ffirt_events_idle(ev, 1) before it parks and
 *    ffirt_events_idle(ev, 0) when it wakes (which wakes an event thread
 *    sleeping without a clock), and beats after every request and every
 *    wake-up.
 *  - Stop: destroy sets ctx->stopping (release) only after every producer
 *    reference is drained, so when the worker sees it (acquire) the queue
 *    holds every call that will ever be pushed; the worker drains it fully
 *    with RET_ERR, waits out the grace for running calls, fails the rest,
 *    runs lib->dtor when the constructor had succeeded, closes all handles
 *    (the library's too) once destroy's wake-up send is over (stop_woken),
 *    frees the calls and closes the loop. It then
 *    signals done under done_lock; if the destroyer gave up waiting
 *    (abandoned), the worker frees the context itself.
 */
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "context/ctx_internal.h"
#include "context/spin.h"

_Thread_local ffirt_ctx *ffirt__tl_worker;

#define FAIRNESS_BATCH 64
/* While busy or spinning, the loop is polled (uv_run NOWAIT: one epoll_wait
 * syscall) at most this often, so a stream of requests does not pay a
 * syscall per request; parking always runs the loop. */
#define POLL_NS 200000u

uint64_t ffirt__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ffirt__worker_wake(ffirt_ctx *ctx) { uv_async_send(&ctx->wake); }

static void on_wake(uv_async_t *a) { (void)a; }

static int stopping(ffirt_ctx *ctx) {
  /* acquire: pairs with destroy's release store, which follows the drain
   * of every producer reference, so every pushed call is visible. */
  return atomic_load_explicit(&ctx->stopping, memory_order_acquire);
}

static void beat(ffirt_ctx *ctx) {
  if (ctx->events) ffirt_events_beat(ctx->events);
}

/* Pops and dispatches what is queued; returns how many calls ran. */
static unsigned drain(ffirt_ctx *ctx) {
  unsigned n = 0;
  ffirt__qnode *node;
  ffirt__call_release_held(ctx);
  while (!stopping(ctx) && (node = ffirt__mpsc_pop(&ctx->q))) {
    ffirt__call_dispatch(ctx, (ffirt_call *)node);
    ffirt__call_reap(ctx);
    beat(ctx);
    if (++n % FAIRNESS_BATCH == 0) {
      uv_run(&ctx->loop, UV_RUN_NOWAIT);
      ffirt__call_reap(ctx);
    }
    ffirt__call_release_held(ctx);
  }
  return n;
}

/* Runs due timers and ready I/O without blocking: at once when the loop has
 * work due now (a timer a handler just started with a 0 ms delay, a new I/O
 * watcher to register, a closing handle), which costs a clock read and no
 * syscall to find out; otherwise at most every POLL_NS unless forced. */
static void poll_loop(ffirt_ctx *ctx, uint64_t *last_poll, int force) {
  uint64_t t = now_ns();
  if (!force && t - *last_poll < POLL_NS) {
    uv_update_time(&ctx->loop);
    if (uv_backend_timeout(&ctx->loop) != 0) return;
  }
  *last_poll = t;
  uv_run(&ctx->loop, UV_RUN_NOWAIT);
  ffirt__call_reap(ctx);
}

typedef struct spin_arg {
  ffirt_ctx *ctx;
  uint64_t *last_poll;
} spin_arg;

static int has_work(void *p) {
  ffirt_ctx *ctx = ((spin_arg *)p)->ctx;
  return !ffirt__mpsc_empty(&ctx->q) || stopping(ctx) ||
         (ctx->held.head && ctx->ctor_state != CTOR_PENDING);
}

static void spin_poll(void *p) {
  spin_arg *a = p;
  poll_loop(a->ctx, a->last_poll, 0);
}

/* Spins while the queue is empty, as long as spin.h's policy allows
 * (adaptive budget of at most spin_us); returns 1 when work came, 0 when
 * the worker should park (*t0: when the wait began). */
static int spin(ffirt_ctx *ctx, uint64_t *last_poll, uint64_t *t0) {
  uint32_t us = atomic_load_explicit(&ctx->spin_us, memory_order_relaxed);
  spin_arg a = {ctx, last_poll};
  return ffirt__spin(&ctx->spinner, (uint64_t)us * 1000u, has_work, spin_poll, &a, t0);
}

/* Blocks until a producer (uv_async_send on wake), a library timer or I/O
 * needs the worker: a poll() of the loop's backend fd with the loop's own
 * timeout, then the callbacks with uv_run(UV_RUN_NOWAIT). Blocking here
 * rather than inside uv_run brackets exactly the time the worker waits, so
 * the liveness monitor is told "idle" for that time only: a loop callback
 * that blocks the worker is seen like a blocking handler. The forced
 * poll_loop just before registered every new I/O watcher with the backend. */
static void park(ffirt_ctx *ctx) {
  uv_update_time(&ctx->loop);
  struct pollfd pfd = {.fd = uv_backend_fd(&ctx->loop), .events = POLLIN, .revents = 0};
  int timeout = uv_backend_timeout(&ctx->loop);
  if (ctx->events) ffirt_events_idle(ctx->events, 1);
  if (timeout != 0) (void)poll(&pfd, 1, timeout); /* EINTR: just a shorter wait */
  if (ctx->events) ffirt_events_idle(ctx->events, 0);
  uv_run(&ctx->loop, UV_RUN_NOWAIT);
}

static void serve(ffirt_ctx *ctx) {
  uint64_t last_poll = 0;
  while (!stopping(ctx)) {
    drain(ctx);
    if (stopping(ctx)) break;
    if (!ffirt__mpsc_empty(&ctx->q)) {
      /* A producer is between its exchange and its link: let it run. */
      sched_yield();
      continue;
    }
    poll_loop(ctx, &last_poll, 0);
    if (ctx->held.head && ctx->ctor_state != CTOR_PENDING) continue;
    uint64_t t0;
    if (spin(ctx, &last_poll, &t0)) continue;
    poll_loop(ctx, &last_poll, 1);
    if (ctx->held.head && ctx->ctor_state != CTOR_PENDING) continue;
    if (!ffirt__mpsc_park_begin(&ctx->q)) continue;
    if (stopping(ctx)) {
      ffirt__mpsc_park_end(&ctx->q);
      break;
    }
    park(ctx);
    ffirt__mpsc_park_end(&ctx->q);
    ffirt__spin_done(&ctx->spinner, t0);
    beat(ctx);
    ffirt__call_reap(ctx);
    last_poll = now_ns();
  }
}

static void on_grace(uv_timer_t *t) {
  ffirt_ctx *ctx = t->data;
  ctx->grace_over = 1;
}

static void close_any(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void stop_phase(ffirt_ctx *ctx) {
  /* 1. Calls that never started: those held behind the constructor, then
   * the queue (submission order), each answered once. */
  ffirt_call *c;
  while ((c = ffirt__list_pop(&ctx->held)))
    ffirt__call_fail(c, "context destroyed before the call ran", 0);
  ffirt__qnode *node;
  while ((node = ffirt__mpsc_pop(&ctx->q)))
    ffirt__call_fail((ffirt_call *)node, "context destroyed before the call ran", 0);
  ffirt__call_reap(ctx);

  /* 2. Grace for running calls (they may still finish normally). */
  uint32_t grace = atomic_load_explicit(&ctx->grace_ms, memory_order_relaxed);
  if (ctx->running.head && grace > 0) {
    uv_timer_init(&ctx->loop, &ctx->grace);
    ctx->grace.data = ctx;
    uv_timer_start(&ctx->grace, on_grace, grace, 0);
    while (ctx->running.head && !ctx->grace_over) {
      uv_run(&ctx->loop, UV_RUN_ONCE);
      ffirt__call_reap(ctx);
    }
    uv_timer_stop(&ctx->grace);
  }

  /* 3. Still running: answered now; the library may finish them later. */
  while ((c = ctx->running.head))
    ffirt__call_fail(c, "context destroyed while the call was running (grace period over)", 1);
  ffirt__call_reap(ctx);

  /* 4. The library's teardown, with the state its constructor set. */
  if (ctx->ctor_state == CTOR_OK && !ctx->hidden && ctx->lib->dtor) ctx->lib->dtor(ctx, ctx->state);
  ffirt__call_reap(ctx);

  /* 5. Close every handle (ours and whatever the library left open) and
   * let the close callbacks run; late finishes there are ignored. The
   * destroyer may still be inside uv_async_send on ctx->wake (the worker can
   * see stopping before the wake-up arrives): wait for it first. Bounded:
   * destroy sets stop_woken right after the send. */
  while (!atomic_load_explicit(&ctx->stop_woken, memory_order_acquire))
    sched_yield();
  uv_walk(&ctx->loop, close_any, NULL);
  /* Ends once the close callbacks ran, unless a library request (e.g. uv_fs
   * on the thread pool) is still pending: destroy's bound covers that. */
  while (uv_run(&ctx->loop, UV_RUN_DEFAULT) != 0) {
  }
  ffirt__call_reap(ctx);
  while ((c = ffirt__list_pop(&ctx->orphans)))
    ffirt__call_free(c);
  ctx->wake_ready = 0;
  if (uv_loop_close(&ctx->loop) == 0) ctx->loop_ready = 0;
}

static void *worker_main(void *arg) {
  ffirt_ctx *ctx = arg;
  ffirt__tl_worker = ctx;
  ffirt__spinner_init(&ctx->spinner);
  serve(ctx);
  stop_phase(ctx);
  ffirt__tl_worker = NULL;
  pthread_mutex_lock(&ctx->done_lock);
  ctx->done = 1;
  int abandoned = ctx->abandoned;
  pthread_cond_broadcast(&ctx->done_cond);
  pthread_mutex_unlock(&ctx->done_lock);
  if (abandoned) {
    ffirt_log(FFIRT_LOG_WARN, "context of library '%s': wedged worker finished its teardown late",
              ctx->lib->name ? ctx->lib->name : "?");
    ffirt__ctx_free(ctx);
  }
  return NULL;
}

int ffirt__worker_start(ffirt_ctx *ctx) {
  if (ffirt__ctx_fault_hook && ffirt__ctx_fault_hook("loop")) return FFIRT_ETHREAD;
  if (uv_loop_init(&ctx->loop) != 0) return FFIRT_ETHREAD;
  ctx->loop_ready = 1;
  ctx->loop.data = ctx;
  if (ffirt__ctx_fault_hook && ffirt__ctx_fault_hook("async")) return FFIRT_ETHREAD;
  if (uv_async_init(&ctx->loop, &ctx->wake, on_wake) != 0) return FFIRT_ETHREAD;
  ctx->wake_ready = 1;
  if (ffirt__ctx_fault_hook && ffirt__ctx_fault_hook("thread")) return FFIRT_ETHREAD;
  if (pthread_create(&ctx->thread, NULL, worker_main, ctx) != 0) return FFIRT_ETHREAD;
  ctx->thread_started = 1;
  return 0;
}

/* Undoes a partial ffirt__worker_start() (the thread never started). */
void ffirt__worker_unwind(ffirt_ctx *ctx) {
  if (!ctx->loop_ready) return;
  uv_walk(&ctx->loop, close_any, NULL);
  while (uv_run(&ctx->loop, UV_RUN_DEFAULT) != 0) {
  }
  if (uv_loop_close(&ctx->loop) == 0) ctx->loop_ready = 0;
  ctx->wake_ready = 0;
}
