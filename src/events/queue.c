/*
 * queue.c - emit: the bounded multi-producer event queue, overflow policies
 * and drop accounting.
 *
 * Design notes:
 *  - The ring is an array of exactly `capacity` cells (any capacity >= 1).
 *    Position p (0, 1, 2 ...) lives in cell p % capacity, whose stamp `seq`
 *    says what the cell holds: 2p = free for the producer of p, 2p + 1 =
 *    the event of p is published, and its claimer hands it back with
 *    2(p + capacity) = free for position p + capacity. Doubling keeps
 *    "published p" (odd) and "free for the next lap" (even) apart for
 *    every capacity, 1 included (with plain p / p + 1 stamps they collide
 *    when capacity is 1). tail is claimed by producers (CAS), head by the
 *    event thread and by drop-oldest producers (CAS), so each event is
 *    claimed exactly once.
 *  - Full = the cell at tail still holds the published event of one lap
 *    before. The event thread moves an event out of its cell and hands the
 *    cell back before delivering it, so a queued event is one emitted and
 *    not yet taken by the event thread: capacity is exact.
 *  - Drop-oldest (replace_oldest): a producer that finds the queue full
 *    first claims the tail position t (its cell still holds event
 *    h = t - capacity), then tries to take h from head. If it gets h, it
 *    frees and counts it: only now, after both claims succeeded, is
 *    anything dropped. If the event thread took h first (the queue had
 *    room after all), the producer waits the few instructions until the
 *    cell is handed back and drops nothing.
 *  - The producer builds the payload directly in its claimed cell: native
 *    deep copy (inline up to FFIRT__EV_INLINE_NATIVE bytes, else one
 *    allocation) and/or the envelope, encoded once into the cell's recycled
 *    buffer (the event thread swaps buffers when it moves an event out and
 *    frees those grown beyond FFIRT__EV_ENV_KEEP). A failed build still
 *    publishes the cell, marked with the hook's error: the event thread
 *    answers the CBOR listeners of that event RET_ERR with the reason
 *    (thread.c), so the ring never stalls and nothing fails silently.
 *  - Event hooks (copy, encode) return 0 or an FFIRT_E* code; emit returns
 *    that code unchanged (FFIRT_ERANGE for an enum value with no
 *    enumerator, FFIRT_ENOMEM, ...), never a code of its own in its place.
 *  - Order: events are delivered in the order their emits claimed a tail
 *    position; so events emitted by one thread keep their order, and an
 *    emit that returned before another emit started is delivered first.
 *  - Every event refused by the policy is counted once in `dropped` and in
 *    `pending_report`; the event thread reports pending_report as a
 *    dropped_events event when the queue has room again (thread.c).
 *  - `producers` counts emits in progress; destroy sets `closed` (seq_cst)
 *    and waits for producers == 0, emit increments producers (seq_cst) and
 *    then checks closed: no event is published after destroy drained.
 *
 * Ordering of every atomic in this file (acquire load <- release store: what it publishes):
 *  cell seq    | consumer / stealer acquire <- producer's 2p+1 store  | the record in the cell
 *              | producer acquire <- claimer's 2(p+cap) store         | the claimer is done with it
 *  head, tail  | relaxed CAS                                          | positions only (seq owns)
 *  closed,     | seq_cst both sides: Dekker of emit and destroy       | nothing published after
 *   producers  | producers-- release <- destroy's seq_cst load == 0   |   the drain
 *  space_      | seq_cst: Dekker of the BLOCK waiter with the         | a freed cell is not missed
 *   waiters    |   hand-back (seq_cst in that policy)                 |
 *  counters    | dropped, pending_report, failed: relaxed             | nothing
 */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "events/events_internal.h"
#include "common/clock.h"

#define DROP_OLDEST_PATIENCE_NS (100u * 1000000u)

void (*ffirt__events_test_hook)(ffirt_events *ev);

/* A valid pointer for empty (size 0) native payloads. */
static const unsigned char empty_payload[1];

int ffirt__queue_init(ffirt_events *ev) {
  size_t ring = ev->cfg.capacity;
  ev->cells = ffirt_calloc(ring, sizeof *ev->cells);
  if (!ev->cells) return FFIRT_ENOMEM;
  for (size_t i = 0; i < ring; i++)
    atomic_init(&ev->cells[i].seq, 2 * i);
  ev->ring = ring;
  ev->ring_mask = (ring & (ring - 1)) == 0 ? ring - 1 : 0;
  atomic_init(&ev->tail, 0);
  atomic_init(&ev->head, 0);
  atomic_init(&ev->dropped, 0);
  atomic_init(&ev->pending_report, 0);
  atomic_init(&ev->failed, 0);
  atomic_init(&ev->producers, 0);
  atomic_init(&ev->closed, 0);
  atomic_init(&ev->space_waiters, 0);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int rc = pthread_mutex_init(&ev->space_lock, NULL);
  if (!rc) {
    rc = pthread_cond_init(&ev->space_cv, &ca);
    if (rc) pthread_mutex_destroy(&ev->space_lock);
  }
  pthread_condattr_destroy(&ca);
  if (rc) {
    ffirt_free(ev->cells);
    return FFIRT_ETHREAD;
  }
  return 0;
}

void ffirt__queue_fini(ffirt_events *ev) {
  for (size_t i = 0; i < ev->ring; i++)
    ffirt_free(ev->cells[i].rec.env_buf);
  pthread_cond_destroy(&ev->space_cv);
  pthread_mutex_destroy(&ev->space_lock);
  ffirt_free(ev->cells);
}

static inline ffirt__cell *cell_at(ffirt_events *ev, size_t pos) {
  return &ev->cells[ev->ring_mask ? pos & ev->ring_mask : pos % ev->ring];
}

ffirt__cell *ffirt__queue_claim(ffirt_events *ev, size_t *out) {
  size_t pos = atomic_load_explicit(&ev->head, memory_order_relaxed);
  for (;;) {
    ffirt__cell *c = cell_at(ev, pos);
    /* acquire: pairs with the producer's release publication. */
    size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
    intptr_t dif = (intptr_t)(seq - (2 * pos + 1));
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&ev->head, &pos, pos + 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        *out = pos;
        return c;
      }
    } else if (dif < 0) {
      return NULL; /* empty, or the oldest producer is still building */
    } else {
      pos = atomic_load_explicit(&ev->head, memory_order_relaxed);
    }
  }
}

void ffirt__queue_release(ffirt_events *ev, ffirt__cell *c, size_t pos) {
  /* release: the next producer of this cell sees our reads done; seq_cst in
   * the BLOCK policy, for the Dekker with wait_for_space (space_waiters). */
  int block = ev->cfg.overflow == FFIRT_OVERFLOW_BLOCK;
  atomic_store_explicit(&c->seq, 2 * (pos + ev->ring),
                        block ? memory_order_seq_cst : memory_order_release);
  if (block && atomic_load_explicit(&ev->space_waiters, memory_order_seq_cst)) {
    pthread_mutex_lock(&ev->space_lock);
    pthread_cond_broadcast(&ev->space_cv);
    pthread_mutex_unlock(&ev->space_lock);
  }
}

int ffirt__queue_ready(ffirt_events *ev) {
  size_t pos = atomic_load_explicit(&ev->head, memory_order_relaxed);
  ffirt__cell *c = cell_at(ev, pos);
  return atomic_load_explicit(&c->seq, memory_order_acquire) == 2 * pos + 1;
}

int ffirt__queue_ready_sc(ffirt_events *ev) {
  size_t pos = atomic_load_explicit(&ev->head, memory_order_relaxed);
  ffirt__cell *c = cell_at(ev, pos);
  /* seq_cst: the consumer's half of the park/wake Dekker (thread.c). */
  return atomic_load_explicit(&c->seq, memory_order_seq_cst) == 2 * pos + 1;
}

void ffirt__rec_free_payload(ffirt__rec *c) {
  ffirt_free(c->raw_name);
  c->raw_name = NULL;
  if (c->native) {
    if (c->type->free && c->type->size) c->type->free(c->native);
    if (c->native != (void *)c->inl_native && c->native != (void *)empty_payload)
      ffirt_free(c->native);
  }
  c->native = NULL;
  c->env = NULL;
}

void ffirt__rec_move(ffirt__rec *dst, ffirt__rec *src) {
  dst->type = src->type;
  dst->raw_name = src->raw_name;
  dst->err = src->err;
  src->raw_name = NULL;
  dst->ch = src->ch;
  dst->native = src->native;
  dst->env = src->env;
  dst->env_len = src->env_len;
  uint8_t *spare = dst->env_buf;
  size_t spare_cap = dst->env_cap;
  dst->env_buf = src->env_buf;
  dst->env_cap = src->env_cap;
  src->env_buf = spare;
  src->env_cap = spare_cap;
  src->env = NULL;
  /* A payload is relocatable: copy() builds a struct whose pointers go to
   * separate allocations, never into the struct itself. */
  if (src->native == (const void *)src->inl_native) {
    memcpy(dst->inl_native, src->inl_native, src->type->size);
    dst->native = dst->inl_native;
  }
}

int ffirt__encode_envelope(ffirt_cbor_enc *e, const ffirt_event_type *type, const void *payload) {
  ffirt_cbor_enc_map(e, 2);
  ffirt_cbor_enc_text(e, "eventType", 9);
  ffirt_cbor_enc_text_z(e, type->name);
  ffirt_cbor_enc_text(e, "payload", 7);
  if (type->encode) {
    int rc = type->encode(e, payload);
    if (rc && !e->err) return rc;
  } else if (type->size == 0) {
    ffirt_cbor_enc_map(e, 0); /* an empty struct */
  } else {
    ffirt_cbor_enc_null(e); /* a payload type without an encoder */
  }
  return ffirt_cbor_enc_finish(e);
}

static void count_drop(ffirt_events *ev) {
  atomic_fetch_add_explicit(&ev->dropped, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&ev->pending_report, 1, memory_order_relaxed);
}

/* Claims the cell at tail for a new event, or NULL when the queue is full.
 * order is the load order of the cell's seq (seq_cst in wait_for_space). */
static ffirt__cell *try_claim_tail(ffirt_events *ev, size_t *out, memory_order order) {
  size_t pos = atomic_load_explicit(&ev->tail, memory_order_relaxed);
  for (;;) {
    ffirt__cell *c = cell_at(ev, pos);
    /* acquire (at least): pairs with the claimer's release hand-back. */
    size_t seq = atomic_load_explicit(&c->seq, order);
    intptr_t dif = (intptr_t)(seq - 2 * pos);
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&ev->tail, &pos, pos + 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        *out = pos;
        return c;
      }
    } else if (dif < 0) {
      return NULL; /* the event of one lap before is still queued */
    } else {
      pos = atomic_load_explicit(&ev->tail, memory_order_relaxed);
    }
  }
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/*
 * Drop-oldest, called when the queue looked full: claims tail position t
 * while its cell still holds the published event h = t - capacity, then
 * takes h from head and drops it (freed and counted only now), or, when
 * the event thread took h in between, waits for the cell to be handed back
 * and drops nothing. Returns the cell with *pos = t, or NULL (not full any
 * more, or another producer got t first: the caller retries).
 */
static ffirt__cell *replace_oldest(ffirt_events *ev, size_t *pos) {
  size_t t = atomic_load_explicit(&ev->tail, memory_order_relaxed);
  size_t h = t - ev->ring;
  ffirt__cell *c = cell_at(ev, t);
  /* acquire: pairs with the publication of h; its record is then ours to
   * free once we own h. */
  if (atomic_load_explicit(&c->seq, memory_order_acquire) != 2 * h + 1) return NULL;
  if (ffirt__events_test_hook) ffirt__events_test_hook(ev);
  if (!atomic_compare_exchange_strong_explicit(&ev->tail, &t, t + 1, memory_order_relaxed,
                                               memory_order_relaxed))
    return NULL;
  for (unsigned spins = 0;; spins++) {
    size_t hh = h;
    if (atomic_compare_exchange_weak_explicit(&ev->head, &hh, h + 1, memory_order_relaxed,
                                              memory_order_relaxed)) {
      if (c->rec.type || c->rec.raw_name) {
        ffirt__rec_free_payload(&c->rec);
        count_drop(ev);
      }
      c->rec.type = NULL;
      break;
    }
    if ((intptr_t)(hh - h) > 0) {
      /* the event thread took h: it hands the cell back right after moving
       * the event out (acquire: pairs with queue_release). */
      while (atomic_load_explicit(&c->seq, memory_order_acquire) != 2 * t) {
        if (++spins < 64)
          cpu_relax();
        else
          sched_yield();
      }
      break;
    }
    /* head is still below h: an earlier drop-oldest producer has not taken
     * its event yet. */
    if (spins >= 64) sched_yield();
  }
  *pos = t;
  return c;
}

static void deadline_after(struct timespec *ts, uint32_t ms) {
  *ts = ffirt__deadline(CLOCK_MONOTONIC, ms);
}

static int before(const struct timespec *a, const struct timespec *b) {
  return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* BLOCK policy: yields a little, then waits until a cell frees, the
 * deadline passes or destroy starts. Bounded by cfg.block_timeout_ms. */
static ffirt__cell *wait_for_space(ffirt_events *ev, size_t *pos) {
  ffirt__cell *c;
  if (ev->cfg.block_timeout_ms == 0) return NULL; /* BLOCK with no wait = drop newest */
  for (int i = 0; i < 16; i++) {
    sched_yield(); /* usually enough for the event thread to free a cell */
    if ((c = try_claim_tail(ev, pos, memory_order_acquire))) return c;
  }
  struct timespec deadline, now;
  deadline_after(&deadline, ev->cfg.block_timeout_ms);
  pthread_mutex_lock(&ev->space_lock);
  /* seq_cst: the event thread hands a cell back (seq_cst), then loads
   * space_waiters; we increment it, then load the cell (seq_cst). */
  atomic_fetch_add_explicit(&ev->space_waiters, 1, memory_order_seq_cst);
  for (;;) {
    if ((c = try_claim_tail(ev, pos, memory_order_seq_cst))) break;
    if (atomic_load_explicit(&ev->closed, memory_order_relaxed)) break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!before(&now, &deadline)) break;
    pthread_cond_timedwait(&ev->space_cv, &ev->space_lock, &deadline);
  }
  atomic_fetch_sub_explicit(&ev->space_waiters, 1, memory_order_relaxed);
  pthread_mutex_unlock(&ev->space_lock);
  return c;
}

/* Claims a cell per the overflow policy, or returns NULL with *rc set:
 * FFIRT_EFULL (counted as dropped) or FFIRT_ECLOSED (destroy began while a
 * BLOCK emitter waited). */
static ffirt__cell *reserve(ffirt_events *ev, size_t *pos, int *rc) {
  ffirt__cell *c = try_claim_tail(ev, pos, memory_order_acquire);
  if (c) return c;
  switch (ev->cfg.overflow) {
  case FFIRT_OVERFLOW_DROP_OLDEST: {
    /* Normally the first replace succeeds. It fails while another producer
     * sits between its claims or the event thread is moving the event at
     * tail out (then we yield); if that thread stays descheduled for
     * DROP_OLDEST_PATIENCE_NS, we drop the newest instead of waiting
     * longer. */
    uint64_t start = 0;
    for (unsigned tries = 0;; tries++) {
      if ((c = replace_oldest(ev, pos))) return c;
      if ((c = try_claim_tail(ev, pos, memory_order_acquire))) return c;
      if (tries < 16) continue;
      sched_yield();
      if (tries % 64 == 0) {
        uint64_t now = ffirt__now_ns();
        if (!start)
          start = now;
        else if (now - start > DROP_OLDEST_PATIENCE_NS)
          break;
      }
    }
    break;
  }
  case FFIRT_OVERFLOW_BLOCK:
    /* The event thread cannot wait for itself to make room. */
    if (!ffirt_events_on_thread(ev) && (c = wait_for_space(ev, pos))) return c;
    if (atomic_load_explicit(&ev->closed, memory_order_relaxed)) {
      *rc = FFIRT_ECLOSED;
      return NULL;
    }
    break;
  default: break;
  }
  count_drop(ev);
  *rc = FFIRT_EFULL;
  return NULL;
}

static int build_raw(ffirt__rec *c, const char *name, const uint8_t *payload, size_t len);

/* Builds the payload forms into c. 0, or the hook's error code (or
 * FFIRT_ENOMEM) with nothing left in c that needs freeing. */
static int build(ffirt__rec *c, const ffirt_event_type *type, const void *payload, int native,
                 int cbor) {
  c->type = type;
  c->err = 0;
  c->native = NULL;
  c->env = NULL;
  c->env_len = 0;
  if (native) {
    void *dst = (void *)empty_payload;
    if (type->size) {
      dst =
          type->size <= FFIRT__EV_INLINE_NATIVE ? (void *)c->inl_native : ffirt_malloc(type->size);
      if (!dst) return FFIRT_ENOMEM;
      if (type->copy) {
        int rc = type->copy(dst, payload);
        if (rc) {
          if (dst != (void *)c->inl_native) ffirt_free(dst);
          return rc < 0 ? rc : FFIRT_EINVAL; /* a hook that broke the convention */
        }
      } else {
        memcpy(dst, payload, type->size);
      }
    }
    c->native = dst;
  }
  if (cbor) {
    /* A dynamic encoder seeded with the cell's recycled buffer: it grows it
     * through the ffirt allocator as needed and never frees it. */
    ffirt_cbor_enc e;
    ffirt_cbor_enc_init_dynamic(&e);
    e.buf = c->env_buf;
    e.cap = c->env_cap;
    int rc = ffirt__encode_envelope(&e, type, payload);
    c->env_buf = e.buf;
    c->env_cap = e.cap;
    if (rc) {
      ffirt__rec_free_payload(c);
      return rc < 0 ? rc : FFIRT_EINVAL;
    }
    c->env = e.buf;
    c->env_len = ffirt_cbor_enc_size(&e);
  }
  return 0;
}

/* Reserves a cell, builds the record in it (typed payload, or raw_name +
 * a pre-encoded payload) and publishes it. 0, the policy's refusal, or the
 * build's error (the cell is then published with that error: CBOR
 * listeners are told, see thread.c). */
static int enqueue(ffirt_events *ev, ffirt__channel *ch, const ffirt_event_type *type,
                   const void *payload, int native, int cbor, const uint8_t *raw, size_t raw_len,
                   const char *raw_name) {
  /* seq_cst: the Dekker pair with destroy (closed, then producers). */
  atomic_fetch_add_explicit(&ev->producers, 1, memory_order_seq_cst);
  int rc;
  if (atomic_load_explicit(&ev->closed, memory_order_seq_cst)) {
    rc = FFIRT_ECLOSED;
  } else {
    size_t pos;
    ffirt__cell *c = reserve(ev, &pos, &rc);
    if (!c) goto out;
    c->rec.ch = ch;
    rc = raw ? build_raw(&c->rec, raw_name, raw, raw_len)
             : build(&c->rec, type, payload, native, cbor);
    if (rc) {
      c->rec.err = rc; /* type (or the name) stays: the consumer tells CBOR listeners */
      atomic_fetch_add_explicit(&ev->failed, 1, memory_order_relaxed);
    }
    /* seq_cst (a release at least): the consumer's acquire load of seq sees
     * the whole cell; seq_cst for the park/wake Dekker (thread.c). */
    atomic_store_explicit(&c->seq, 2 * pos + 1, memory_order_seq_cst);
    ffirt__wake_consumer(ev);
  }
out:
  /* release: destroy's load of producers == 0 sees our cell published. */
  atomic_fetch_sub_explicit(&ev->producers, 1, memory_order_release);
  return rc;
}

int ffirt_events_emit(ffirt_events *ev, const ffirt_event_type *type, const void *payload) {
  if (!ev || !type || !type->name || !type->name[0]) return FFIRT_EINVAL;
  /* The no-listener fast path: two relaxed loads. */
  if (!atomic_load_explicit(&ev->total, memory_order_relaxed))
    return atomic_load_explicit(&ev->closed, memory_order_relaxed) ? FFIRT_ECLOSED : 0;
  if (type->size && !payload) return FFIRT_EINVAL;
  uint32_t nn, nc;
  ffirt__channel *ch = ffirt__events_reach(ev, type, &nn, &nc);
  if (!nn && !nc) return 0;

  return enqueue(ev, ch, type, payload, nn != 0, nc != 0, NULL, 0, NULL);
}

/* Builds the envelope of a pre-encoded payload: the name is copied into
 * the record (freed with the payload), native listeners get nothing. */
static int build_raw(ffirt__rec *c, const char *name, const uint8_t *payload, size_t len) {
  c->type = NULL;
  c->err = 0;
  c->native = NULL;
  c->env = NULL;
  c->env_len = 0;
  c->raw_name = ffirt_strdup(name);
  if (!c->raw_name) return FFIRT_ENOMEM;
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  e.buf = c->env_buf;
  e.cap = c->env_cap;
  ffirt_cbor_enc_map(&e, 2);
  ffirt_cbor_enc_text(&e, "eventType", 9);
  ffirt_cbor_enc_text_z(&e, name);
  ffirt_cbor_enc_text(&e, "payload", 7);
  ffirt_cbor_enc_raw(&e, payload, len);
  int rc = ffirt_cbor_enc_finish(&e);
  c->env_buf = e.buf;
  c->env_cap = e.cap;
  if (rc) return rc; /* raw_name stays: the consumer names the event */
  c->env = e.buf;
  c->env_len = ffirt_cbor_enc_size(&e);
  return 0;
}

int ffirt_events_emit_cbor(ffirt_events *ev, const char *name, const uint8_t *payload, size_t len) {
  if (!ev || !name || !name[0] || !payload || !len) return FFIRT_EINVAL;
  /* Validated even when nobody listens: bad input is an error every time. */
  size_t n;
  uint64_t h = ffirt__name_hash(name, &n);
  if (!ffirt_utf8_valid((const uint8_t *)name, n)) return FFIRT_EINVAL;
  if (ffirt_cbor_validate(payload, len, 64, NULL, NULL) != 0) return FFIRT_EINVAL;
  if (!atomic_load_explicit(&ev->total, memory_order_relaxed))
    return atomic_load_explicit(&ev->closed, memory_order_relaxed) ? FFIRT_ECLOSED : 0;
  ffirt__channel *ch = ffirt__channel_find(ev, name, n, h);
  uint32_t nc = atomic_load_explicit(&ev->wild.count[FFIRT_LISTENER_CBOR], memory_order_relaxed);
  if (ch) nc += atomic_load_explicit(&ch->count[FFIRT_LISTENER_CBOR], memory_order_relaxed);
  if (!nc) return 0;
  return enqueue(ev, ch, NULL, NULL, 0, 1, payload, len, name);
}

uint64_t ffirt_events_dropped(ffirt_events *ev) {
  return ev ? atomic_load_explicit(&ev->dropped, memory_order_relaxed) : 0;
}

uint64_t ffirt_events_failed(ffirt_events *ev) {
  return ev ? atomic_load_explicit(&ev->failed, memory_order_relaxed) : 0;
}
