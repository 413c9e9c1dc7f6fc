/*
 * thread.c - the event-delivery thread: create/destroy, the consumer loop,
 * delivery to listeners and the in-thread dispatch of built-in events.
 *
 * Design notes:
 *  - One thread per ffirt_events runs every listener (abi.md 4.3.4). It
 *    consumes the ring oldest first; between two events (holding no
 *    listener array) it runs the releases of listeners removed without
 *    waiting (registry.c) and, every LIVENESS_EVERY events or on each
 *    wake-up, checks liveness.
 *  - Calling a listener: store running = 1 (seq_cst), load removed
 *    (seq_cst), call unless removed, store running = 0 (seq_cst), then wake
 *    removers if any wait (idle_waiters, seq_cst). This is the Dekker
 *    handshake with ffirt_events_remove(): a remover either sees running
 *    and waits, or the thread sees removed and skips. No lock is held
 *    while a listener runs.
 *  - A delivery holds both arrays (per-event and wildcard) before calling
 *    anyone, so a listener added during the delivery is not called for it.
 *    Holding = announcing the array in hazard slot 0 or 1 (seq_cst store),
 *    then reloading the channel's array (seq_cst) until both agree; the
 *    slots are cleared (release) after the last call. Writers free a
 *    replaced array only when no slot names it (registry.c).
 *  - The channel of an event is the one found at emit; when there was none
 *    (nobody listened to that name then, only wildcards), it is looked up
 *    again at delivery, so a listener added for a new name between the
 *    emit and the delivery gets the event (in the forms that were built).
 *  - An event whose payload could not be built (a hook error, queue.c) is
 *    delivered as RET_ERR with a text naming the event and the reason to
 *    its CBOR listeners (per-event, then wildcard), once each; native
 *    listeners are not called (there is nothing to give them).
 *  - Parking: spin as spin.h's shared policy allows (adaptive budget of at
 *    most SPIN_NS, sched_yield after the first microseconds, none when the
 *    process's spin slots are taken or after a preemption), then store
 *    sleeping = TIMED or DEEP (seq_cst), recheck the ring, stop and reclaim_pending (seq_cst
 *    loads), and futex-wait on sleeping. TIMED waits at most the liveness
 *    tick (stall_ms / 4) and is used while the monitored thread is awake;
 *    DEEP has no timeout and is used when nothing needs a clock (liveness
 *    off, or the monitored thread idle for a few checks, liveness.c): an
 *    idle context's event thread then never wakes. Producers publish a cell
 *    (and removers defer a release, registry.c) with a seq_cst store, then
 *    load sleeping (seq_cst) and, only when it
 *    is set, exchange it to 0 and futex-wake: one wake-up per park, none
 *    while the thread runs. ffirt_events_idle(ev, 0) wakes a DEEP sleeper
 *    the same way (Dekker on idle/sleeping, see liveness.c). (Seq_cst
 *    operations rather than fences: GCC's ThreadSanitizer does not model
 *    fences.)
 *  - dropped_events: when the thread claims an event (so the queue has room
 *    again) and drops are pending, it reports them first, in-thread. Built-in
 *    events (dropped_events, liveness) never enter the queue, so a full queue
 *    cannot delay or drop them.
 *  - Destroy: closed = 1, wait for in-progress emits, stop = 1 and wake; the
 *    thread drains (delivers, or frees and counts as dropped when the policy
 *    is DISCARD), exits; destroy joins, then releases the registry. With a
 *    deadline (context destroy) it waits on exit_cv until then; if the
 *    thread is still inside a listener, destroy sets abandoned and detaches
 *    it, and the thread frees everything itself when it exits (exit_lock
 *    orders the two: whoever comes second does the freeing).
 *
 * Ordering of the atomics used here (acquire load <- release store: what it publishes):
 *  cell seq      | see queue.c                                          | the event's record
 *  running,      | seq_cst both sides: Dekker with remove               | skip the call or wait
 *   removed      |                                                      |
 *  idle_waiters  | seq_cst: the remover's increment / our load          | no lost wake-up
 *  hazard[i]     | seq_cst store + list reload <- writer's publish and  | the array stays alive
 *                |   hazard loads (registry.c); NULL store release      |   while held
 *  sleeping      | seq_cst store, then seq_cst ring / stop / reclaim    | no lost wake-up
 *                |   recheck; producers' seq_cst exchange to 0 + wake   |
 *  stop          | acquire <- destroy's seq_cst store (after the drain) | every publication
 *  exited,       | under exit_lock                                      | who frees ev
 *   abandoned    |                                                      |
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events/events_internal.h"

#define LIVENESS_EVERY 32 /* events between two liveness checks while busy */
#define SPIN_NS 20000u    /* longest spin for the next event before parking */

static _Thread_local ffirt_events *tls_events; /* set on the event thread */

int ffirt_events_on_thread(ffirt_events *ev) { return ev && tls_events == ev; }

void ffirt_events_config_init(ffirt_events_config *cfg) {
  if (!cfg) return;
  cfg->capacity = 1024;
  cfg->overflow = FFIRT_OVERFLOW_DROP_NEWEST;
  cfg->block_timeout_ms = 100;
  cfg->on_destroy = FFIRT_ON_DESTROY_DELIVER;
  cfg->liveness_grace_ms = 10000;
  cfg->stall_ms = 1000;
}

static inline void call(ffirt_events *ev, ffirt__listener *l, int ret, const void *msg,
                        size_t len) {
  /* seq_cst (both): Dekker with remove's store of removed / load of running. */
  atomic_store_explicit(&l->running, 1, memory_order_seq_cst);
  if (!atomic_load_explicit(&l->removed, memory_order_seq_cst))
    l->cb(ret, (const char *)msg, len, l->ud);
  /* seq_cst: the store must be ordered before the idle_waiters load (a
   * remover increments idle_waiters, then loads running). It also releases
   * the callback's effects to the remover. */
  atomic_store_explicit(&l->running, 0, memory_order_seq_cst);
  if (atomic_load_explicit(&ev->idle_waiters, memory_order_seq_cst)) {
    pthread_mutex_lock(&ev->idle_lock);
    pthread_cond_broadcast(&ev->idle_cv);
    pthread_mutex_unlock(&ev->idle_lock);
  }
}

/* Loads the array published in *list and announces it in hazard slot i:
 * store the hazard, reload, retry until both agree (registry.c frees an
 * array only when no hazard names it after it was replaced). The slot is
 * NULL between deliveries, so an empty channel costs one load. */
static ffirt__larray *hold(ffirt_events *ev, int i, _Atomic(ffirt__larray *) *list) {
  ffirt__larray *a = atomic_load_explicit(list, memory_order_acquire);
  while (a) {
    /* seq_cst (store and reload): the Dekker with a writer's seq_cst
     * publication and its seq_cst hazard loads. */
    atomic_store_explicit(&ev->hazard[i], a, memory_order_seq_cst);
    ffirt__larray *b = atomic_load_explicit(list, memory_order_seq_cst);
    if (b == a) return a;
    a = b;
  }
  atomic_store_explicit(&ev->hazard[i], NULL, memory_order_release);
  return NULL;
}

void ffirt__deliver(ffirt_events *ev, const ffirt__delivery *d) {
  /* Both arrays are held before anyone is called: a listener added during
   * the delivery is not called for it. */
  ffirt__larray *a = d->ch ? hold(ev, 0, &d->ch->list) : NULL;
  ffirt__larray *w = hold(ev, 1, &ev->wild.list);
  FFIEventView view = {d->name, d->native, d->size};
  for (int k = 0; k < 2; k++) {
    ffirt__larray *arr = k ? w : a;
    if (!arr) continue;
    for (size_t i = 0; i < arr->n; i++) {
      ffirt__listener *l = arr->items[i];
      if (l->kind == FFIRT_LISTENER_NATIVE) {
        if (d->native) {
          if (k)
            call(ev, l, RET_OK, &view, sizeof view);
          else
            call(ev, l, RET_OK, d->native, d->size);
        }
      } else if (d->env) {
        call(ev, l, d->ret, d->env, d->env_len);
      }
    }
  }
  /* release: after the last use of a and w. */
  atomic_store_explicit(&ev->hazard[0], NULL, memory_order_release);
  atomic_store_explicit(&ev->hazard[1], NULL, memory_order_release);
}

int ffirt__events_dispatch(ffirt_events *ev, const ffirt_event_type *type, const void *payload) {
  static const unsigned char empty[1];
  uint32_t nn, nc;
  ffirt__channel *ch = ffirt__events_reach(ev, type, &nn, &nc);
  if (!nn && !nc) return 0;
  const void *native = nn ? (type->size ? payload : (const void *)empty) : NULL;
  uint8_t *env = NULL;
  size_t env_len = 0;
  ffirt_cbor_enc e;
  if (nc) {
    ffirt_cbor_enc_init_dynamic(&e);
    int rc = ffirt__encode_envelope(&e, type, payload);
    if (rc) {
      ffirt_cbor_enc_release(&e);
      return rc;
    }
    env = e.buf;
    env_len = ffirt_cbor_enc_size(&e);
  }
  ffirt__delivery d = {type->name, type->size, ch, native, RET_OK, env, env_len};
  ffirt__deliver(ev, &d);
  if (nc) ffirt_cbor_enc_release(&e);
  return 0;
}

void ffirt__wake_consumer(ffirt_events *ev) {
  /* seq_cst: Dekker with park(): the producer's seq_cst publication of the
   * cell, then this load; the consumer's seq_cst store of sleeping, then
   * its seq_cst load of the cell. One of the two sees the other's store.
   * The exchange makes one producer per park pay the wake-up. */
  if (atomic_load_explicit(&ev->sleeping, memory_order_seq_cst) &&
      atomic_exchange_explicit(&ev->sleeping, 0, memory_order_seq_cst))
    ffirt__futex_wake(&ev->sleeping, 1);
}

static void report_drops(ffirt_events *ev) {
  if (!atomic_load_explicit(&ev->pending_report, memory_order_relaxed)) return;
  uint64_t n = atomic_exchange_explicit(&ev->pending_report, 0, memory_order_relaxed);
  if (n) (void)ffirt__events_dispatch(ev, &ffirt_event_dropped_events, &n);
}

/* Delivers the event in r: to its channel (looked up again when none was
 * stored at emit: a listener added for a new name since then gets it) and
 * the wildcards; an event whose build failed is answered RET_ERR to the
 * CBOR listeners, with the reason. */
static void deliver_rec(ffirt_events *ev, ffirt__rec *r) {
  const char *name = r->type ? r->type->name : r->raw_name;
  ffirt__channel *ch = r->ch;
  if (!ch) {
    if (r->type) {
      ch = ffirt__channel_for_type(ev, r->type);
    } else {
      size_t n;
      uint64_t h = ffirt__name_hash(name, &n);
      ch = ffirt__channel_find(ev, name, n, h);
    }
  }
  ffirt__delivery d = {name,      r->type ? r->type->size : 0, ch, r->native, RET_OK, r->env,
                       r->env_len};
  char text[256];
  if (r->err) {
    size_t n = strlen(name);
    int len = snprintf(text, sizeof text,
                       "event '%.*s' could not be delivered: its payload could not be built (%s)",
                       (int)ffirt_utf8_cut(name, n, 128), name, ffirt_strerror(r->err));
    d.native = NULL;
    d.ret = RET_ERR;
    d.env = (const uint8_t *)text;
    d.env_len = len < 0 ? 0 : (size_t)len < sizeof text ? (size_t)len : sizeof text - 1;
  }
  ffirt__deliver(ev, &d);
}

/* Consumes one claimed cell: moves the event into r (the event thread's own
 * record, which keeps a spare envelope buffer across events), hands the
 * cell back, then delivers (or discards) it. */
static void consume(ffirt_events *ev, ffirt__rec *r, ffirt__cell *c, size_t pos, int discard) {
  ffirt__rec_move(r, &c->rec);
  ffirt__queue_release(ev, c, pos);
  if (!discard) report_drops(ev);
  if (r->type || r->raw_name) {
    if (discard)
      atomic_fetch_add_explicit(&ev->dropped, 1, memory_order_relaxed);
    else
      deliver_rec(ev, r);
    ffirt__rec_free_payload(r);
  }
  if (r->env_cap > FFIRT__EV_ENV_KEEP) { /* do not keep a huge buffer circulating */
    ffirt_free(r->env_buf);
    r->env_buf = NULL;
    r->env_cap = 0;
  }
}

/* The liveness tick: how often a TIMED park wakes (stall_ms / 4). */
static uint64_t tick_ns(const ffirt_events *ev) {
  uint64_t t = ev->cfg.stall_ms / 4;
  return (t ? t : 1) * 1000000u;
}

static int has_work(void *p) {
  ffirt_events *ev = p;
  return ffirt__queue_ready(ev) || atomic_load_explicit(&ev->stop, memory_order_relaxed);
}

static void park(ffirt_events *ev) {
  int mode = ffirt__liveness_may_sleep(ev) ? FFIRT__EV_PARK_DEEP : FFIRT__EV_PARK_TIMED;
  /* seq_cst: see ffirt__wake_consumer and ffirt_events_idle. */
  atomic_store_explicit(&ev->sleeping, mode, memory_order_seq_cst);
  if (mode == FFIRT__EV_PARK_DEEP && ev->cfg.stall_ms &&
      !atomic_load_explicit(&ev->idle, memory_order_seq_cst)) {
    mode = FFIRT__EV_PARK_TIMED; /* the watched thread just woke: keep the clock */
    atomic_store_explicit(&ev->sleeping, mode, memory_order_seq_cst);
  }
  if (!ffirt__queue_ready_sc(ev) && !atomic_load_explicit(&ev->stop, memory_order_seq_cst) &&
      !atomic_load_explicit(&ev->reclaim_pending, memory_order_seq_cst))
    ffirt__futex_wait(&ev->sleeping, mode, mode == FFIRT__EV_PARK_DEEP ? 0 : tick_ns(ev));
  atomic_store_explicit(&ev->sleeping, 0, memory_order_relaxed);
}

/* After the thread exited: releases the registry and frees ev. */
static void free_all(ffirt_events *ev) {
  ffirt__registry_fini(ev);
  ffirt__queue_fini(ev);
  pthread_cond_destroy(&ev->exit_cv);
  pthread_mutex_destroy(&ev->exit_lock);
  ffirt_free(ev);
}

static void *event_thread(void *arg) {
  ffirt_events *ev = arg;
  tls_events = ev;
  ffirt__spinner_init(&ev->spinner);
  unsigned since_check = 0;
  ffirt__rec r = {0};
  for (;;) {
    ffirt__registry_reclaim(ev);
    size_t pos;
    ffirt__cell *c = ffirt__queue_claim(ev, &pos);
    if (c) {
      /* acquire: stop was set after closed and after producers hit 0. */
      int stopping = atomic_load_explicit(&ev->stop, memory_order_acquire);
      consume(ev, &r, c, pos, stopping && ev->cfg.on_destroy == FFIRT_ON_DESTROY_DISCARD);
      if (ev->cfg.stall_ms && ++since_check >= LIVENESS_EVERY) {
        since_check = 0;
        ffirt__liveness_check(ev, ffirt__now_ns());
      }
      continue;
    }
    /* acquire: pairs with destroy's release store of stop, which follows
     * the last producer's publication, so an empty ring now stays empty. */
    if (atomic_load_explicit(&ev->stop, memory_order_acquire) && !ffirt__queue_ready(ev)) {
      if (ev->cfg.on_destroy == FFIRT_ON_DESTROY_DELIVER) report_drops(ev);
      break;
    }
    report_drops(ev);
    uint64_t t0;
    if (!ffirt__spin(&ev->spinner, SPIN_NS, has_work, NULL, ev, &t0)) {
      park(ev);
      ffirt__spin_done(&ev->spinner, t0);
    }
    if (ev->cfg.stall_ms) {
      since_check = 0;
      ffirt__liveness_check(ev, ffirt__now_ns());
    }
  }
  ffirt__registry_reclaim(ev);
  ffirt_free(r.env_buf);
  pthread_mutex_lock(&ev->exit_lock);
  ev->exited = 1;
  int abandoned = ev->abandoned;
  pthread_cond_broadcast(&ev->exit_cv);
  pthread_mutex_unlock(&ev->exit_lock);
  if (abandoned) free_all(ev); /* the destroyer gave up on us: nobody else will */
  return NULL;
}

int ffirt_events_create(const ffirt_events_config *cfg, ffirt_events **out) {
  if (!out) return FFIRT_EINVAL;
  *out = NULL;
  ffirt_events_config c;
  if (cfg)
    c = *cfg;
  else
    ffirt_events_config_init(&c);
  if (c.capacity == 0 || c.capacity > FFIRT__EV_MAX_CAPACITY) return FFIRT_EINVAL;
  if ((unsigned)c.overflow > FFIRT_OVERFLOW_BLOCK) return FFIRT_EINVAL;
  if ((unsigned)c.on_destroy > FFIRT_ON_DESTROY_DISCARD) return FFIRT_EINVAL;
  ffirt_events *ev = ffirt_calloc(1, sizeof *ev);
  if (!ev) return FFIRT_ENOMEM;
  ev->cfg = c;
  int rc = ffirt__registry_init(ev);
  if (rc) goto fail_ev;
  rc = ffirt__queue_init(ev);
  if (rc) goto fail_reg;
  atomic_init(&ev->sleeping, 0);
  atomic_init(&ev->stop, 0);
  atomic_init(&ev->beat, 0);
  ffirt__liveness_init(ev, ffirt__now_ns());
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  rc = pthread_mutex_init(&ev->exit_lock, NULL) ? FFIRT_ETHREAD : 0;
  if (!rc && pthread_cond_init(&ev->exit_cv, &ca)) {
    pthread_mutex_destroy(&ev->exit_lock);
    rc = FFIRT_ETHREAD;
  }
  pthread_condattr_destroy(&ca);
  if (rc) goto fail_queue;
  if (pthread_create(&ev->thread, NULL, event_thread, ev)) {
    rc = FFIRT_ETHREAD;
    pthread_cond_destroy(&ev->exit_cv);
    pthread_mutex_destroy(&ev->exit_lock);
    goto fail_queue;
  }
  *out = ev;
  return 0;
fail_queue:
  ffirt__queue_fini(ev);
fail_reg:
  ffirt__registry_fini(ev);
fail_ev:
  ffirt_free(ev);
  return rc;
}

int ffirt__events_destroy_until(ffirt_events *ev, uint64_t deadline_ns) {
  if (!ev) return FFIRT_EINVAL;
  if (ffirt_events_on_thread(ev)) return FFIRT_EDEADLK;
  /* seq_cst: Dekker with emit (producers, then closed). */
  atomic_store_explicit(&ev->closed, 1, memory_order_seq_cst);
  pthread_mutex_lock(&ev->space_lock);
  pthread_cond_broadcast(&ev->space_cv); /* blocked emitters give up now */
  pthread_mutex_unlock(&ev->space_lock);
  /* Bounded: an emit in progress never waits longer than block_timeout_ms,
   * and it sees closed in its wait loop. */
  while (atomic_load_explicit(&ev->producers, memory_order_seq_cst))
    sched_yield();
  /* seq_cst: the thread's acquire load of stop sees every publication, and
   * park's seq_cst store of sleeping then load of stop cannot both miss
   * this store and the exchange below (Dekker). */
  atomic_store_explicit(&ev->stop, 1, memory_order_seq_cst);
  atomic_exchange_explicit(&ev->sleeping, 0, memory_order_seq_cst);
  ffirt__futex_wake(&ev->sleeping, 1);
  if (deadline_ns) {
    struct timespec ts = {(time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u)};
    pthread_mutex_lock(&ev->exit_lock);
    while (!ev->exited && pthread_cond_timedwait(&ev->exit_cv, &ev->exit_lock, &ts) != ETIMEDOUT) {
    }
    if (!ev->exited) {
      /* A listener is still running (or queued events are still being
       * delivered): let the thread finish and free ev on its own. */
      ev->abandoned = 1;
      pthread_t t = ev->thread;
      pthread_mutex_unlock(&ev->exit_lock); /* ev may be freed from here on */
      pthread_detach(t);
      return FFIRT_ETIMEDOUT;
    }
    pthread_mutex_unlock(&ev->exit_lock);
  }
  pthread_join(ev->thread, NULL);
  free_all(ev);
  return 0;
}

int ffirt_events_destroy(ffirt_events *ev) { return ffirt__events_destroy_until(ev, 0); }
