/*
 * events_internal.h - the private layout of ffirt_events, shared by the files
 * of src/events/ (registry.c, queue.c, thread.c, liveness.c, builtin.c).
 *
 * Design notes (the whole area; each .c file repeats the part it owns):
 *  - Registry (registry.c): writers (add/remove) serialise on reg_lock and
 *    publish immutable copy-on-write listener arrays, one per channel (event
 *    name) plus the wildcard channel. Channels are never freed before
 *    ffirt_events_destroy (at most FFIRT__EV_MAX_CHANNELS of them), so
 *    emitters read a channel's atomic counts without any lock or reference
 *    count. Only delivery (the one event thread) reads the arrays, and it
 *    announces the two it holds in hazard slots: a writer frees a replaced
 *    array at once unless a hazard names it (then the next write does), so
 *    garbage is at most three arrays. A listener struct is freed when it is
 *    neither findable by id nor in a published array, or with the held
 *    array that still contains it.
 *  - Queue (queue.c): a bounded multi-producer ring of exactly `capacity`
 *    cells whose stamps are 2p (free for position p), 2p + 1 (published);
 *    full = the cell at tail still holds the event of one lap before.
 *    Payloads live inline in the cell when small, envelopes in recycled
 *    buffers (no malloc in steady state). The event thread moves an event
 *    out of its cell and hands the cell back before delivering, so
 *    tail - head <= capacity always holds and a slow listener never wedges
 *    the ring.
 *  - Delivery (thread.c): one event thread per ffirt_events consumes the
 *    ring and calls listeners with the per-listener running/removed
 *    handshake that lets remove() wait for a running listener.
 *  - Liveness (liveness.c): heartbeat counter bumped by the owner, checked by
 *    the event thread while the owner is not idle (ffirt_events_idle).
 */
#ifndef FFIRT_EVENTS_INTERNAL_H
#define FFIRT_EVENTS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "context/spin.h"
#include "ffirt/events.h"

#define FFIRT__EV_INLINE_NATIVE 48 /* native payloads up to this size live in the cell */
#define FFIRT__EV_ENV_KEEP 4096    /* envelope buffers above this are not recycled */
#define FFIRT__EV_MAX_ID ((uint64_t)1 << 53)
#define FFIRT__EV_MAX_CAPACITY ((size_t)1 << 24)
#define FFIRT__EV_MAX_CHANNELS 4096 /* distinct event names a registry keeps */
#define FFIRT__EV_PARK_TIMED 1      /* parked with the liveness tick as timeout */
#define FFIRT__EV_PARK_DEEP 2       /* parked without a clock (nothing to watch) */

typedef struct ffirt__channel ffirt__channel;

typedef struct ffirt__listener {
  /* Immutable after publication (written before the release store of the
   * array that first contains the listener). */
  uint64_t id;
  ffirt_listener_kind kind;
  FFICallBack cb;
  void *ud;
  void (*release)(void *ud);
  ffirt__channel *ch;
  /* 1 once removed; never goes back. seq_cst: the Dekker handshake with
   * running (see thread.c). */
  atomic_int removed;
  /* 1 while the event thread calls (or is about to call) cb. seq_cst. */
  atomic_int running;
  /* Protected by reg_lock. */
  int findable;                  /* in the id map: registered or detaching */
  int in_array;                  /* in its channel's published array */
  unsigned waiters;              /* second removers waiting for it to be gone */
  struct ffirt__listener *hnext; /* id map chain */
  struct ffirt__listener *next;  /* deferred list, or a retired array's orphans */
  struct ffirt__listener *wnext; /* remove_all's local lists */
} ffirt__listener;

/* An immutable listener array; NULL stands for the empty array. */
typedef struct ffirt__larray {
  struct ffirt__larray *next;      /* retired list, reg_lock */
  struct ffirt__listener *orphans; /* freed with this array (reg_lock) */
  size_t n;
  ffirt__listener *items[];
} ffirt__larray;

struct ffirt__channel {
  /* Listeners per kind; written under reg_lock, read relaxed by anyone. */
  _Atomic uint32_t count[2];
  /* Published (seq_cst) under reg_lock; read by delivery (thread.c hold). */
  _Atomic(ffirt__larray *) list;
  int stale; /* reg_lock: a removed listener lingers in list (remove hit ENOMEM) */
  uint64_t hash;
  size_t name_len;
  char *name;                  /* owned; "" for the wildcard channel */
  struct ffirt__channel *next; /* all channels, reg_lock */
};

/* Open-addressing table of channels, load <= 1/2, slots filled once and
 * never cleared. Replaced (copy) on growth; old tables live until destroy. */
typedef struct ffirt__ctable {
  struct ffirt__ctable *older;
  size_t mask;
  _Atomic(ffirt__channel *) slots[];
} ffirt__ctable;

/* One emitted event: what the producer built. Lives in a ring cell until the
 * event thread moves it out (ffirt__rec_move) and hands the cell back. */
typedef struct ffirt__rec {
  /* The event: type, or raw_name for a pre-encoded payload
   * (ffirt_events_emit_cbor; owned, freed with the payload). Both NULL: an
   * empty cell or a stolen event, skipped. */
  const ffirt_event_type *type;
  char *raw_name;
  int err;            /* the build failed with this FFIRT_E* code: CBOR listeners get RET_ERR */
  ffirt__channel *ch; /* channel of the name at emit, or NULL (looked up again at delivery) */
  void *native;       /* deep copy, or NULL when not built */
  uint8_t *env;       /* envelope (= env_buf), or NULL when not built */
  size_t env_len;
  /* A growable envelope buffer (ffirt allocator) owned by whoever holds the
   * record: it stays with a cell across laps, and the event thread swaps it
   * with its spare when it moves an event out, so encoding reuses buffers
   * and small CBOR events cost no allocation in steady state. */
  uint8_t *env_buf;
  size_t env_cap;
  _Alignas(max_align_t) unsigned char inl_native[FFIRT__EV_INLINE_NATIVE];
} ffirt__rec;

typedef struct ffirt__cell {
  atomic_size_t seq; /* 2p: free for position p; 2p + 1: the event of p is published */
  ffirt__rec rec;
} ffirt__cell;

struct ffirt_events {
  ffirt_events_config cfg;

  /* ---- registry (registry.c) */
  uint64_t uid; /* unique per events object in the process (channel cache key) */
  pthread_mutex_t reg_lock;
  _Atomic(ffirt__ctable *) table;
  size_t nchannels;                  /* reg_lock */
  atomic_uint_fast64_t chan_version; /* +1 per channel created */
  ffirt__channel *channels;          /* reg_lock; named channels */
  ffirt__channel wild;               /* the "" channel */
  atomic_uint_fast32_t total;        /* all listeners; written under reg_lock */
  uint64_t next_id;                  /* reg_lock */
  ffirt__listener **map;             /* id -> listener, chained; reg_lock */
  size_t map_mask, nmap;
  ffirt__listener *deferred;  /* reg_lock; removed without waiting: the event thread releases */
  ffirt__larray *retired;     /* reg_lock; replaced arrays a hazard slot still named */
  atomic_int reclaim_pending; /* deferred is non-empty (seq_cst) */
  pthread_cond_t gone_cv;     /* with reg_lock: a detaching listener became gone */
  /* The arrays the event thread holds during a delivery (its channel's and
   * the wildcard's), NULL otherwise. Written by the event thread only. */
  _Alignas(64) _Atomic(ffirt__larray *) hazard[2];
  pthread_mutex_t idle_lock; /* with idle_cv: remove() waits for running == 0 */
  pthread_cond_t idle_cv;
  atomic_int idle_waiters;

  /* ---- queue (queue.c) */
  ffirt__cell *cells;
  size_t ring;      /* cells = capacity */
  size_t ring_mask; /* ring - 1 when ring is a power of two, else 0 (use %) */
  _Alignas(64) atomic_size_t tail;
  _Alignas(64) atomic_size_t head;
  atomic_uint_fast64_t dropped;        /* since creation */
  atomic_uint_fast64_t pending_report; /* drops not yet reported */
  atomic_uint_fast64_t failed;         /* events whose payload could not be built */
  atomic_int producers;                /* emits in progress (destroy waits for 0) */
  atomic_int closed;                   /* destroy started: emit refuses */
  pthread_mutex_t space_lock;          /* FFIRT_OVERFLOW_BLOCK emitters wait here */
  pthread_cond_t space_cv;
  atomic_int space_waiters;

  /* ---- event thread (thread.c) */
  /* 0 awake, FFIRT__EV_PARK_TIMED / _DEEP while (about to be) parked: the
   * futex word of the park; a waker exchanges it to 0 and wakes. seq_cst. */
  atomic_int sleeping;
  atomic_int stop; /* destroy asks the thread to drain and exit; seq_cst */
  pthread_t thread;
  /* Exit handshake (exit_lock): the thread sets exited as its last act; a
   * destroyer that stopped waiting sets abandoned, and then the thread
   * frees ev itself when (if) its listener returns. */
  pthread_mutex_t exit_lock;
  pthread_cond_t exit_cv;
  int exited;
  int abandoned;
  ffirt__spinner spinner; /* event thread only */

  /* ---- liveness (liveness.c); all but beat and idle are event-thread only */
  _Alignas(64) atomic_uint_fast64_t beat;
  atomic_int idle;      /* the monitored thread waits for work (ffirt_events_idle); seq_cst */
  unsigned idle_checks; /* consecutive checks that found it idle without a beat */
  uint64_t live_last_beat;
  uint64_t live_last_change_ns;
  uint64_t live_start_ns;
  int live_stalled;
};

/* ---- registry.c */
int ffirt__registry_init(ffirt_events *ev);
/* Frees everything the registry owns; runs the release callbacks of the
 * listeners still registered. After the event thread is joined. */
void ffirt__registry_fini(ffirt_events *ev);
/* Lock-free lookup of the channel for name[0..n) with hash h, or NULL. */
ffirt__channel *ffirt__channel_find(ffirt_events *ev, const char *name, size_t n, uint64_t h);
/* The channel of type->name, or NULL (lock-free; cached per thread). */
ffirt__channel *ffirt__channel_for_type(ffirt_events *ev, const ffirt_event_type *type);

/* Listeners an event of `type` would reach now, per kind (its channel's plus
 * the wildcard ones) in *nn (native) and *nc (CBOR). Relaxed loads: a
 * snapshot, good for deciding what to build. Returns the channel or NULL. */
static inline ffirt__channel *ffirt__events_reach(ffirt_events *ev, const ffirt_event_type *type,
                                                  uint32_t *nn, uint32_t *nc) {
  ffirt__channel *ch = ffirt__channel_for_type(ev, type);
  *nn = atomic_load_explicit(&ev->wild.count[FFIRT_LISTENER_NATIVE], memory_order_relaxed);
  *nc = atomic_load_explicit(&ev->wild.count[FFIRT_LISTENER_CBOR], memory_order_relaxed);
  if (ch) {
    *nn += atomic_load_explicit(&ch->count[FFIRT_LISTENER_NATIVE], memory_order_relaxed);
    *nc += atomic_load_explicit(&ch->count[FFIRT_LISTENER_CBOR], memory_order_relaxed);
  }
  return ch;
}
/* FNV-1a of the NUL-terminated s; *len gets strlen(s). */
uint64_t ffirt__name_hash(const char *s, size_t *len);
/* Event thread, at a quiescent point (holding no array): runs the deferred
 * releases. Cheap (one load) when there are none. */
void ffirt__registry_reclaim(ffirt_events *ev);
/* ffirt_events_remove / remove_all; nowait = 1 never waits for a running
 * listener (a context's worker thread): like inside a callback, the
 * listener is not called again and the event thread releases it. */
int ffirt__events_remove(ffirt_events *ev, uint64_t id, int nowait);
void ffirt__events_remove_all(ffirt_events *ev, int nowait);

/* ---- queue.c */
int ffirt__queue_init(ffirt_events *ev);
void ffirt__queue_fini(ffirt_events *ev);
/* Claims the oldest published cell (consumer or drop-oldest stealer), or NULL. */
ffirt__cell *ffirt__queue_claim(ffirt_events *ev, size_t *pos);
/* Hands a claimed cell back to producers. */
void ffirt__queue_release(ffirt_events *ev, ffirt__cell *c, size_t pos);
/* 1 when the oldest cell is published (consumer's park check). */
int ffirt__queue_ready(ffirt_events *ev);
/* The same with a seq_cst load (before parking). */
int ffirt__queue_ready_sc(ffirt_events *ev);
/* Frees the payload copy; the envelope buffer stays (recycled). */
void ffirt__rec_free_payload(ffirt__rec *r);
/* Moves src (in a cell) to dst (the event thread's record), relocating the
 * inline payload and swapping envelope buffers (src gets dst's spare), so
 * the cell can be handed back before delivery. */
void ffirt__rec_move(ffirt__rec *dst, ffirt__rec *src);
/* Encodes the envelope of (type, payload) into a dynamic encoder. */
int ffirt__encode_envelope(ffirt_cbor_enc *e, const ffirt_event_type *type, const void *payload);

/* ---- thread.c */
/* One delivery: what ffirt__deliver() hands to listeners. */
typedef struct ffirt__delivery {
  const char *name;   /* wire name (FFIEventView.eventType) */
  size_t size;        /* native payload size */
  ffirt__channel *ch; /* per-event channel, or NULL */
  const void *native; /* native payload, or NULL: native listeners are skipped */
  int ret;            /* RET_OK, or RET_ERR: env holds the reason text */
  const uint8_t *env; /* envelope (or the error text), or NULL: CBOR listeners skipped */
  size_t env_len;
} ffirt__delivery;

/* Calls the listeners of one event on the event thread: per-event
 * listeners of d->ch, then wildcard ones, each in registration order. */
void ffirt__deliver(ffirt_events *ev, const ffirt__delivery *d);
/*
 * In-thread dispatch: builds what the listeners of type need (native payload
 * borrowed, envelope encoded once) and delivers on the calling thread,
 * bypassing the queue. The event thread uses it for built-in events
 * (liveness, dropped_events); benchmarks use it to measure dispatch alone
 * from their own thread, and then nothing may be emitted meanwhile (the
 * hazard slots belong to one delivering thread at a time). Returns 0 or
 * the encoder's error.
 */
int ffirt__events_dispatch(ffirt_events *ev, const ffirt_event_type *type, const void *payload);
/* Wakes the event thread if it is parked (after publishing a cell, or
 * deferring a release). */
void ffirt__wake_consumer(ffirt_events *ev);

/* Test hook (NULL in production): called by a drop-oldest emitter that found
 * the queue full, just before it tries to take the oldest event. Set it
 * only while no emit runs. */
extern void (*ffirt__events_test_hook)(ffirt_events *ev);

/* ffirt_events_destroy with a bound: when the event thread has not exited
 * by deadline_ns (CLOCK_MONOTONIC; 0 = wait for ever) it is detached and
 * frees ev itself when its listener returns; returns FFIRT_ETIMEDOUT. */
int ffirt__events_destroy_until(ffirt_events *ev, uint64_t deadline_ns);

/* ---- liveness.c */
void ffirt__liveness_init(ffirt_events *ev, uint64_t now_ns);
/* Event thread: emits not_responding / responding as needed. */
void ffirt__liveness_check(ffirt_events *ev, uint64_t now_ns);
/* Event thread: 1 when it may park without a clock: liveness is off, or the
 * monitored thread has been idle (without a beat) for IDLE_CHECKS checks. */
int ffirt__liveness_may_sleep(ffirt_events *ev);
uint64_t ffirt__now_ns(void);

#endif /* FFIRT_EVENTS_INTERNAL_H */
