/*
 * ffirt/context.h - contexts, their worker thread, and requests (calls).
 *
 * This is the runtime that generated exports (ffirt-gen) drive; library
 * authors use the ffirt_call_* and ffirt_ctx_loop()/ffirt_ctx_emit() parts,
 * hosts never include it (they use the generated headers).
 *
 * Handles vs objects: hosts hold an opaque `void *` handle (slot index +
 * generation, not an address) that every entry point validates against the
 * library that made it; library code on the worker gets the real
 * `ffirt_ctx *` through ffirt_call_ctx().
 *
 * Requests: ffirt_call_submit() deep-owns its args from the moment it is
 * called; the call runs on the context's worker thread (desc->run) and is
 * finished exactly once, by ffirt_call_ok()/ffirt_call_err()/
 * ffirt_call_ctor_ok() (immediately or later from the worker's libuv loop),
 * or by the runtime when the context is destroyed first. The callback of a
 * finished call runs on the thread that finished it (normally the worker),
 * or on the caller's thread for entry errors.
 */
#ifndef FFIRT_CONTEXT_H
#define FFIRT_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/abi.h"
#include "ffirt/common.h"
#include "ffirt/events.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ffirt_ctx ffirt_ctx;
typedef struct ffirt_call ffirt_call;
typedef struct uv_loop_s uv_loop_t;

/*
 * What a generated library tells the runtime about itself: one static
 * instance per library, filled from the IDL's options.
 */
typedef struct ffirt_library {
  const char *name;           /* the IDL library name, e.g. "my_timer" */
  uint32_t stale_warn_ms;     /* RET_STALE_WARN interval; 0 disables; IDL default 5000 */
  ffirt_events_config events; /* event queue capacity, overflow policy, liveness;
                               * capacity 0 = all the ffirt_events defaults */
  /* The library's teardown (the IDL dtor's _impl): runs on the worker during
   * destroy when a constructor succeeded, with the state it set. */
  void (*dtor)(ffirt_ctx *ctx, void *state);
} ffirt_library;

/* How one procedure runs: one static instance per procedure and ABI. */
typedef struct ffirt_call_desc {
  const char *name;              /* procedure name, e.g. "echo" (logs, errors) */
  int cbor;                      /* 1: the _cbor export (CBOR replies), 0: native */
  void (*run)(ffirt_call *call); /* on the worker; must finish the call once, now or later */
  void (*free_args)(void *args); /* frees args once the call is finished or dropped; may be NULL */
} ffirt_call_desc;

/*
 * Creates a context for lib and queues its constructor call (desc/args)
 * first; calls submitted before the constructor finishes queue behind it.
 * args ownership passes to the runtime in every case (freed on failure).
 * Returns the opaque handle, or NULL: cb == NULL (nothing created, cb not
 * called), or cb(RET_ERR, text) on the caller's thread for the context limit,
 * out of memory or thread creation failure. Any thread; from a handler or
 * listener too.
 */
void *ffirt_ctx_create(const ffirt_library *lib, const ffirt_call_desc *ctor, void *args,
                       FFICallBack cb, void *ud);

/*
 * Destroys the context behind handle: stops accepting calls, answers queued
 * calls RET_ERR ("context destroyed before the call ran"), gives running
 * calls a bounded grace then answers them RET_ERR, runs lib->dtor on the
 * worker (bounded), stops the event thread, joins and frees. The whole of
 * it is bounded by grace_ms + teardown_ms + 400 ms (see
 * ffirt_ctx_set_destroy_timeouts), a listener that is running included.
 * Returns 0, FFIRT_EBADCTX (invalid handle or another library's),
 * FFIRT_EDEADLK (called on the context's own worker or event thread:
 * nothing happens), or FFIRT_ETIMEDOUT (the worker's teardown or the event
 * thread overran the bound; everything else was freed, the wedged thread
 * is detached, logged, and frees what it holds if it ever finishes: a
 * listener still running then may finish, and its release callback runs
 * afterwards on that thread). Any other thread, listeners of other
 * contexts included (two contexts destroying each other from their
 * listeners both return, with FFIRT_ETIMEDOUT).
 */
int ffirt_ctx_destroy(const ffirt_library *lib, void *handle);

/*
 * Submits a call on handle. Returns RET_MISSING_CALLBACK (cb NULL, nothing
 * queued, args freed), RET_ERR after calling cb(RET_ERR, text) on the
 * caller's thread (invalid handle, context closing; args freed), or RET_OK:
 * exactly one terminal callback follows (maybe before this returns). Never
 * takes a lock on the way in. Any thread, including handlers (asynchronous
 * submission) and listeners.
 */
int ffirt_call_submit(const ffirt_library *lib, void *handle, const ffirt_call_desc *desc,
                      void *args, FFICallBack cb, void *ud);

/*
 * The entry checks of ffirt_call_submit (abi.md 3.1) without submitting, for
 * an export that must reject a bad handle before it reads its arguments.
 * Returns RET_MISSING_CALLBACK (cb NULL, cb not called), RET_ERR after
 * calling cb(RET_ERR, text) on the caller's thread with the text
 * ffirt_call_submit would give (NULL, stale, forged or another library's
 * handle, context closing), or RET_OK (the handle was valid at the time of
 * the check; ffirt_call_submit still checks again). handle and ud are
 * borrowed for the call. Never takes a lock. Any thread, including handlers
 * and listeners.
 */
int ffirt_ctx_check(const ffirt_library *lib, void *handle, FFICallBack cb, void *ud);

/*
 * ffirt_ctx_check that keeps the context: on RET_OK *ctx holds a reference
 * to it (destroy waits for it), which the caller hands to exactly one of
 * ffirt_call_submit_entered (queues a call, then releases it) or
 * ffirt_ctx_leave (releases it, e.g. before rejecting bad arguments). The
 * holder must not call user code or block in between. On any other return
 * *ctx is NULL and cb was answered as by ffirt_ctx_check. This is how a
 * native export validates its handle once per call. Any thread.
 */
int ffirt_ctx_enter(const ffirt_library *lib, void *handle, FFICallBack cb, void *ud,
                    ffirt_ctx **ctx);
void ffirt_ctx_leave(ffirt_ctx *ctx);
/* ffirt_call_submit on an entered context (no second handle check); always
 * consumes the reference, frees args on failure, same returns. */
int ffirt_call_submit_entered(ffirt_ctx *ctx, const ffirt_call_desc *desc, void *args,
                              FFICallBack cb, void *ud);

/*
 * Runs a context-free (IDL static) call on the library's shared static
 * worker, started lazily on first use. Same returns as ffirt_call_submit.
 */
int ffirt_static_submit(const ffirt_library *lib, const ffirt_call_desc *desc, void *args,
                        FFICallBack cb, void *ud);

/* --- inside a handler (worker thread unless stated) --------------------- */

/* The args given to submit (borrowed until the call is finished). */
void *ffirt_call_args(ffirt_call *call);
/* The library state set by the constructor (NULL in the constructor). */
void *ffirt_call_state(ffirt_call *call);
ffirt_ctx *ffirt_call_ctx(ffirt_call *call);
/* 1 when the call came through a _cbor export (reply in CBOR). */
int ffirt_call_is_cbor(ffirt_call *call);

/*
 * Finishes the call with RET_OK and msg[0..len) (borrowed for the call; NULL
 * allowed when len == 0). The host callback runs before this returns. A
 * second finish is logged as a programming error and ignored. Worker thread.
 */
void ffirt_call_ok(ffirt_call *call, const void *msg, size_t len);
/* Finishes with RET_ERR and the formatted text (never empty). Worker thread. */
void ffirt_call_err(ffirt_call *call, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Finishes with an already formatted text (text[0..len)). Worker thread. */
void ffirt_call_err_text(ffirt_call *call, const char *text, size_t len);
/* Constructor success: the context now owns state; replies the handle as
 * ASCII decimal (native) or a CBOR text string (CBOR ctor). Worker thread. */
void ffirt_call_ctor_ok(ffirt_call *call, void *state);

/* --- delayed work owned by a call ---------------------------------------- */

typedef void (*ffirt_call_after_cb)(ffirt_call *call, void *arg);

/*
 * Runs fn(call, arg) on the worker once, at least ms milliseconds from now,
 * while the call is still unfinished: its arguments (borrowed until the
 * finish) and the library state are valid then, and fn usually finishes the
 * call (or starts another wait). No libuv handle or bookkeeping is needed in
 * the library: the wait belongs to the call.
 *
 * Cancellation: finishing the call, by the library or by the runtime (the
 * context is destroyed: running calls are answered RET_ERR after destroy's
 * grace), cancels and frees every wait still pending on it; fn then never
 * runs. arg is borrowed and never freed by the runtime: point it at the
 * call's arguments or the state, not at memory only fn would free.
 *
 * Returns 0; FFIRT_EINVAL (call NULL, or not on the call's worker: logged,
 * nothing happens); FFIRT_ESTATE (the call is already finished: nothing
 * happens); FFIRT_EINVAL/FFIRT_ENOMEM after answering the call RET_ERR with
 * the reason (fn NULL, out of memory, libuv refused the timer) - so a
 * handler may simply return after calling it. Worker thread (a handler, a
 * loop callback, or fn itself).
 */
int ffirt_call_after(ffirt_call *call, uint64_t ms, ffirt_call_after_cb fn, void *arg);

/* The typed form behind the generated <lib>_<method>_after() helpers: user
 * is the author's handler (any function pointer type, cast to ffirt_fn),
 * given back to fn, which casts it back and calls it. Same rules. */
typedef void (*ffirt_fn)(void);
typedef void (*ffirt_call_after_fn_cb)(ffirt_call *call, ffirt_fn user);
int ffirt_call_after_fn(ffirt_call *call, uint64_t ms, ffirt_call_after_fn_cb fn, ffirt_fn user);

/* --- the context -------------------------------------------------------- */

/* The worker's libuv loop. Use it only on the worker thread. */
uv_loop_t *ffirt_ctx_loop(ffirt_ctx *ctx);
/* The library state (NULL until the constructor succeeds). Worker thread. */
void *ffirt_ctx_state(ffirt_ctx *ctx);
/* The context's event registry. Any thread while the context lives. */
ffirt_events *ffirt_ctx_events(ffirt_ctx *ctx);
/* Emits an event on ctx (ffirt_events_emit). Worker thread or any thread
 * the library owns while the context lives. */
int ffirt_ctx_emit(ffirt_ctx *ctx, const ffirt_event_type *type, const void *payload);

/* Emits an event known only by name with a pre-encoded CBOR payload
 * (ffirt_events_emit_cbor: CBOR listeners only). Same threads as
 * ffirt_ctx_emit. */
int ffirt_ctx_emit_cbor(ffirt_ctx *ctx, const char *name, const uint8_t *payload, size_t len);

/* Listener entry points behind the <lib>_add/remove_event_listener exports:
 * validate handle against lib, then ffirt_events_add/remove. add returns 0
 * on any failure; remove returns 0, FFIRT_EBADCTX or FFIRT_ENOTFOUND. Any
 * thread, including listeners. On a context's worker thread (a handler or a
 * result callback) remove does not wait for a running listener, exactly as
 * inside a listener: the listener is not called again after its current
 * call and its release callback runs on the event thread afterwards, so
 * free userData in the release callback, not after remove returns. */
uint64_t ffirt_ctx_add_listener(const ffirt_library *lib, void *handle, const char *name,
                                ffirt_listener_kind kind, FFICallBack cb, void *ud,
                                void (*release)(void *ud));
int ffirt_ctx_remove_listener(const ffirt_library *lib, void *handle, uint64_t id);

/* --- settings (any thread) ---------------------------------------------- */

#define FFIRT_CTX_DEFAULT_MAX 4096         /* live contexts, all libraries together */
#define FFIRT_CTX_DEFAULT_SPIN_US 50       /* worker spin before parking */
#define FFIRT_CTX_DEFAULT_GRACE_MS 1000    /* running calls' grace in destroy */
#define FFIRT_CTX_DEFAULT_TEARDOWN_MS 5000 /* bound of the library teardown */

/*
 * Sets the maximum number of live contexts (all libraries, static workers
 * included) that later creates may reach; live contexts above it are not
 * affected. Returns 0 or FFIRT_EINVAL (0, or above 2^20). Any thread.
 */
int ffirt_ctx_set_max_contexts(size_t max);
/* The current maximum (default FFIRT_CTX_DEFAULT_MAX). Any thread. */
size_t ffirt_ctx_max_contexts(void);

/* Spin (microseconds, 0 = park at once) of contexts created from now on.
 * Any thread. */
void ffirt_ctx_set_default_spin_us(uint32_t us);

/*
 * Per-context settings; each validates handle against lib and returns 0 or
 * FFIRT_EBADCTX (FFIRT_EINVAL for a timeout above one hour). They take
 * effect for what happens next (a call started later, the next park, the
 * destroy). Any thread, callbacks included.
 *  - stale_warn_ms: RET_STALE_WARN interval of calls started from now on,
 *    0 disables (default: lib->stale_warn_ms);
 *  - spin_us: how long the idle worker spins before parking;
 *  - grace_ms / teardown_ms: destroy's bounds (running calls' grace, then
 *    lib->dtor plus closing the loop).
 */
int ffirt_ctx_set_stale_warn_ms(const ffirt_library *lib, void *handle, uint32_t ms);
int ffirt_ctx_set_spin_us(const ffirt_library *lib, void *handle, uint32_t us);
int ffirt_ctx_set_destroy_timeouts(const ffirt_library *lib, void *handle, uint32_t grace_ms,
                                   uint32_t teardown_ms);

/* The opaque handle of ctx (what hosts hold), e.g. for a handler that
 * submits asynchronously to its own context. Any thread while ctx lives. */
void *ffirt_ctx_handle(ffirt_ctx *ctx);

/* 1 when the calling thread is ctx's worker or event thread: blocking there
 * on ctx would deadlock. Any thread. */
int ffirt_ctx_is_own_thread(ffirt_ctx *ctx);

/* --- synchronous waits ----------------------------------------------------- */

/* The terminal reply of a call waited for synchronously. */
typedef struct ffirt_reply {
  int ret;                 /* RET_OK or RET_ERR */
  char *msg;               /* payload copy plus a NUL; free with ffirt_reply_clear() */
  size_t len;              /* payload length (without the NUL) */
  unsigned stale_warnings; /* RET_STALE_WARN callbacks seen before the reply */
  int oom;                 /* 1 when the payload could not be copied */
} ffirt_reply;

/*
 * Submits a call like ffirt_call_submit() and blocks until its terminal
 * callback, which it stores in *out (entry errors included: out->ret ==
 * RET_ERR with their text). args ownership passes to the runtime. Returns 0
 * (see out->ret), FFIRT_EDEADLK when called on the context's own worker
 * thread (a handler or a result callback waiting for its own context would
 * wait forever: nothing is queued, args are freed), FFIRT_ENOMEM (reply not
 * copied), FFIRT_EINVAL (out NULL). The wait is unbounded: it ends when the
 * call is finished, or answered by destroy. Any thread but that worker;
 * from listeners too (they run on the event thread).
 */
int ffirt_call_wait(const ffirt_library *lib, void *handle, const ffirt_call_desc *desc, void *args,
                    ffirt_reply *out);
/* Same for a static call (FFIRT_EDEADLK on the library's static worker). */
int ffirt_static_call_wait(const ffirt_library *lib, const ffirt_call_desc *desc, void *args,
                           ffirt_reply *out);
/* Frees out->msg and zeroes *out (NULL allowed). Any thread. */
void ffirt_reply_clear(ffirt_reply *out);

/* --- bounded synchronous calls (generated <lib>_<method>_wait) --------------- */

/* Submits one call through an export: handle (NULL for a static call), cb
 * and cb_ud go to the export; ud is the caller's (the arguments). Returns
 * what the export returns. */
typedef int (*ffirt_submit_fn)(void *handle, FFICallBack cb, void *cb_ud, void *ud);
/* Copies a RET_OK reply msg[0..len) into the caller's result dst: 0 or an
 * FFIRT_E* code (then dst holds nothing to free). Generated code only: it
 * runs on the replying thread while the waiter waits, under its lock. */
typedef int (*ffirt_take_fn)(const char *msg, size_t len, void *dst);

/*
 * Runs submit(handle, cb, cb_ud, submit_ud) and blocks until the call's
 * terminal reply or timeout_ms (0 = no bound). On RET_OK, take(msg, len,
 * dst) fills the caller's result (take may be NULL: nothing to copy).
 * Returns RET_OK, or RET_ERR with a NUL-terminated text in err[0..err_size)
 * (truncated; err may be NULL): the call's own error (entry errors
 * included), "<name>: no reply within <ms> ms" (the call goes on, its reply
 * is dropped, dst is never written after the return), the copy's failure, or
 * the deadlock refusal: called on the context's own worker thread (for a
 * static call, the library's static worker), which would have to run the
 * call, nothing is submitted. Any other thread, listeners included.
 */
int ffirt_call_wait_into(const ffirt_library *lib, void *handle, const char *name,
                         uint32_t timeout_ms, ffirt_submit_fn submit, void *submit_ud,
                         ffirt_take_fn take, void *dst, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* FFIRT_CONTEXT_H */
