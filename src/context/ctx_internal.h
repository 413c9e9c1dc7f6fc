/*
 * ctx_internal.h - the context and call objects shared by the files of
 * src/context (handle.c, queue.c, worker.c, call.c, ctx.c, wait.c, timer.c,
 * sync.c), and the test hooks. Not installed; tests include it through the
 * src/ include path.
 *
 * Design notes (who touches what):
 *  - ffirt_ctx fields marked "worker" are read and written only on the
 *    worker thread; "any" fields are atomics or immutable after create;
 *    "destroy" fields are protected by ctx->done_lock.
 *  - A call belongs to its submitter until the push, then to the worker. It
 *    is finished exactly once (call->finished, worker only) and released
 *    by the worker (args freed, object recycled into ctx->spare) at a safe
 *    point after the callback and after the handler's current callback
 *    returned (the graveyard), or, when the runtime finished it during
 *    destroy, only when the worker exits (late finishes by the library then
 *    find it still allocated and are ignored).
 *  - The worker's libuv handles (loop, wake) live inside ffirt_ctx;
 *    the worker closes them in its stop phase, after destroy's last
 *    uv_async_send on wake (stop_woken).
 */
#ifndef FFIRT_CONTEXT_CTX_INTERNAL_H
#define FFIRT_CONTEXT_CTX_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "context/queue.h"
#include "context/spin.h"
#include "ffirt/context.h"

enum { CTOR_PENDING = 0, CTOR_OK = 1, CTOR_FAILED = 2 };

struct ffirt_call {
  ffirt__qnode node; /* first: the queue links calls intrusively */
  ffirt_ctx *ctx;
  const ffirt_call_desc *desc;
  void *args;
  FFICallBack cb;
  void *ud;
  uint64_t start_ms;              /* worker: when the handler started */
  struct ffirt_call *prev, *next; /* worker: running list / held list / graveyard */
  unsigned is_ctor : 1;
  unsigned running : 1;        /* in ctx->running */
  unsigned finished : 1;       /* the terminal callback was made */
  unsigned by_runtime : 1;     /* finished by destroy: late finishes are ignored quietly */
  unsigned stale_active : 1;   /* stale timer initialised (must be closed before free) */
  struct ffirt__timer *timers; /* worker: pending ffirt_call_after waits (timer.c) */
  /* Last, and not zeroed at submit (FFIRT__CALL_HEAD): initialised by
   * uv_timer_init only when run() returns with the call unfinished. */
  uv_timer_t stale;
};

/* The part of a call that submit zeroes. */
#define FFIRT__CALL_HEAD offsetof(struct ffirt_call, stale)

typedef struct ffirt__call_list {
  ffirt_call *head, *tail;
} ffirt__call_list;

struct ffirt_ctx {
  ffirt__mpsc q;     /* any: producers push, the worker pops */
  ffirt__ring spare; /* any: recycled call objects (worker puts, submitters take) */
  const ffirt_library *lib;
  uint64_t handle;
  ffirt_events *events;

  _Atomic uint32_t stale_ms;    /* any: RET_STALE_WARN interval, 0 = off */
  _Atomic uint32_t spin_us;     /* any: spin before parking */
  _Atomic uint32_t grace_ms;    /* any: running calls' grace on destroy */
  _Atomic uint32_t teardown_ms; /* any: bound of dtor + loop shutdown */
  _Atomic int stopping;         /* any: destroy asked the worker to stop */
  _Atomic int stop_woken;       /* any: destroy's wake-up was sent (async still in use) */

  /* worker */
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t grace;
  int loop_ready, wake_ready;
  ffirt__spinner spinner; /* the worker's spin policy state (spin.h) */
  int ctor_state;
  char *ctor_err;
  void *state;
  int hidden;                 /* the static worker of a library: no constructor */
  ffirt__call_list held;      /* calls that arrived before the constructor finished */
  ffirt__call_list running;   /* started, unfinished */
  ffirt__call_list orphans;   /* finished by the runtime during destroy */
  ffirt__call_list graveyard; /* finished, to free at the next safe point */
  int grace_over;

  pthread_t thread;
  int thread_started;

  /* destroy handshake, under done_lock: the worker sets done when its
   * teardown is over; a destroyer that gave up waiting sets abandoned, and
   * then the worker frees the context itself when (if) it finishes. */
  pthread_mutex_t done_lock;
  pthread_cond_t done_cond;
  int done;
  int abandoned;
};

/* The context whose worker runs on this thread (NULL elsewhere). */
extern _Thread_local ffirt_ctx *ffirt__tl_worker;

/* --- worker.c -------------------------------------------------------- */
/* Initialises the loop and its handles and starts the thread: 0 or
 * FFIRT_ETHREAD (then ffirt__worker_unwind() undoes what was made). */
int ffirt__worker_start(ffirt_ctx *ctx);
void ffirt__worker_unwind(ffirt_ctx *ctx);
/* Wakes the worker (any thread). */
void ffirt__worker_wake(ffirt_ctx *ctx);
uint64_t ffirt__now_ms(void);

/* --- call.c ---------------------------------------------------------- */
/* Runs or dispatches one popped call (worker). */
void ffirt__call_dispatch(ffirt_ctx *ctx, ffirt_call *call);
/* Finishes call with RET_ERR text on the worker, marking it runtime-made. */
void ffirt__call_fail(ffirt_call *call, const char *text, int by_runtime);
/* Frees the graveyard (worker, at a safe point). */
void ffirt__call_reap(ffirt_ctx *ctx);
/* Frees a call's args and recycles the object into ctx->spare (or frees
 * it when the pool is full). Worker, or the creator on a failed create. */
void ffirt__call_free(ffirt_call *call);
/* Frees the recycled call objects of ctx (teardown). */
void ffirt__call_pool_drain(ffirt_ctx *ctx);
/* Releases held calls after the constructor finished (worker). */
void ffirt__call_release_held(ffirt_ctx *ctx);
void ffirt__list_push(ffirt__call_list *l, ffirt_call *c);
void ffirt__list_remove(ffirt__call_list *l, ffirt_call *c);
ffirt_call *ffirt__list_pop(ffirt__call_list *l);

/* --- timer.c --------------------------------------------------------- */
/* Cancels and frees every ffirt_call_after wait of call (worker; from the
 * finish, before the terminal callback). */
void ffirt__timer_cancel_call(ffirt_call *call);

/* --- ctx.c ----------------------------------------------------------- */
/* Frees everything the context owns once the worker is gone. */
void ffirt__ctx_free(ffirt_ctx *ctx);
/* The same with the event thread's exit bounded by deadline_ns
 * (CLOCK_MONOTONIC): 0, or FFIRT_ETIMEDOUT (the event thread was detached
 * and frees the registry itself later; everything else is freed). */
int ffirt__ctx_free_until(ffirt_ctx *ctx, uint64_t deadline_ns);
/* The hidden static worker's handle of lib, created on first use (NULL when
 * it cannot be created). Any thread. */
void *ffirt__static_handle(const ffirt_library *lib);

/* --- test hooks ------------------------------------------------------ */
/*
 * When set, called at every thread/loop/handle creation site of create
 * ("loop", "async", "thread", "events"); a non-zero return makes
 * that creation fail as if the system refused it. Also called (return
 * ignored) at "destroy-wake", between destroy's stop flag and its wake-up,
 * so a test can stall the destroyer exactly there. Tests only; set it while
 * no context is being created or destroyed.
 */
extern int (*ffirt__ctx_fault_hook)(const char *site);

#define FFIRT_CTX_HARD_MAX (1u << 20)

#endif /* FFIRT_CONTEXT_CTX_INTERNAL_H */
