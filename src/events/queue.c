/*
 * queue.c - emit: the bounded multi-producer event queue, overflow policies
 * and drop accounting.
 *
 * Design notes:
 *  - The ring is an array of exactly `capacity` cells with Vyukov sequence
 *    numbers: the cell of position p (index p % capacity) is free for a
 *    producer when seq == p, published when seq == p + 1, and handed back by
 *    its claimer with seq = p + capacity. tail is claimed by producers
 *    (CAS), head by the event thread and by drop-oldest producers (CAS), so
 *    each event is claimed exactly once. A drop-oldest producer that claims
 *    the head cell h of a full queue reuses that very cell for tail position
 *    h + capacity (replace_oldest), so its new event always gets in.
 *  - Full = the cell at tail still holds the event of one lap before. The
 *    event thread moves an event out of its cell and hands the cell back
 *    before delivering it, so a queued event is one emitted and not yet
 *    taken by the event thread: capacity is exact, with no counter written
 *    by both sides (only the cells and head/tail are shared).
 *  - The producer builds the payload directly in its claimed cell: native
 *    deep copy (inline up to FFIRT__EV_INLINE_NATIVE bytes, else one
 *    allocation) and/or the envelope, encoded once into the cell's recycled
 *    buffer (the event thread swaps buffers when it moves an event out and
 *    frees those grown beyond FFIRT__EV_ENV_KEEP). A failed build publishes a tombstone (type NULL)
 * that the consumer skips, so the ring never stalls. Publication is a release store of seq; the
 * consumer's acquire load sees the whole cell.
 *  - Order: events are delivered in the order their emits claimed a tail
 *    position; so events emitted by one thread keep their order, and an
 *    emit that returned before another emit started is delivered first.
 *  - Every event refused by the policy is counted once in `dropped` and in
 *    `pending_report`; the event thread reports pending_report as a
 *    dropped_events event when the queue has room again (thread.c).
 *  - `producers` counts emits in progress; destroy sets `closed` (seq_cst)
 *    and waits for producers == 0, emit increments producers (seq_cst) and
 *    then checks closed: no event is published after destroy drained.
 */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "events/events_internal.h"

#define DROP_OLDEST_PATIENCE_NS (100u * 1000000u)

/* A valid pointer for empty (size 0) native payloads. */
static const unsigned char empty_payload[1];

int ffirt__queue_init(ffirt_events *ev) {
  size_t ring = ev->cfg.capacity;
  ev->cells = ffirt_calloc(ring, sizeof *ev->cells);
  if (!ev->cells) return FFIRT_ENOMEM;
  for (size_t i = 0; i < ring; i++)
    atomic_init(&ev->cells[i].seq, i);
  ev->ring = ring;
  ev->ring_mask = (ring & (ring - 1)) == 0 ? ring - 1 : 0;
  atomic_init(&ev->tail, 0);
  atomic_init(&ev->head, 0);
  atomic_init(&ev->dropped, 0);
  atomic_init(&ev->pending_report, 0);
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
    intptr_t dif = (intptr_t)(seq - (pos + 1));
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
  atomic_store_explicit(&c->seq, pos + ev->ring,
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
  return atomic_load_explicit(&c->seq, memory_order_acquire) == pos + 1;
}

int ffirt__queue_ready_sc(ffirt_events *ev) {
  size_t pos = atomic_load_explicit(&ev->head, memory_order_relaxed);
  ffirt__cell *c = cell_at(ev, pos);
  /* seq_cst: the consumer's half of the park/wake Dekker (thread.c). */
  return atomic_load_explicit(&c->seq, memory_order_seq_cst) == pos + 1;
}

void ffirt__rec_free_payload(ffirt__rec *c) {
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
    intptr_t dif = (intptr_t)(seq - pos);
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

/*
 * Drop-oldest, called when the queue looked full: claims the oldest
 * published event (position h), frees and counts it, and then tries to take
 * tail position h + capacity, which maps to the same cell. While we hold
 * that cell nobody else can claim h + capacity (its seq is not free), so the
 * CAS fails only when tail is below it, i.e. the queue had room after all:
 * then the cell is handed back and the caller retries. Returns the cell with
 * *pos set, or NULL (nothing to steal, or handed back).
 */
static ffirt__cell *replace_oldest(ffirt_events *ev, size_t *pos) {
  /* Steal only from a queue that holds capacity events; otherwise the cell
   * at tail is only in transit (the event thread is moving its event out)
   * and stealing would drop an event for nothing. */
  size_t t = atomic_load_explicit(&ev->tail, memory_order_relaxed);
  size_t h0 = atomic_load_explicit(&ev->head, memory_order_relaxed);
  if (t - h0 < ev->ring) return NULL;
  size_t h;
  ffirt__cell *c = ffirt__queue_claim(ev, &h);
  if (!c) return NULL;
  if (c->rec.type) {
    ffirt__rec_free_payload(&c->rec);
    count_drop(ev);
  }
  c->rec.type = NULL;
  size_t want = h + ev->ring;
  if (atomic_compare_exchange_strong_explicit(&ev->tail, &want, want + 1, memory_order_relaxed,
                                              memory_order_relaxed)) {
    *pos = h + ev->ring;
    return c;
  }
  ffirt__queue_release(ev, c, h);
  return NULL;
}

static void deadline_after(struct timespec *ts, uint32_t ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
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

/* Builds the payload forms into c. 0 or FFIRT_ENOMEM (c holds nothing). */
static int build(ffirt__rec *c, const ffirt_event_type *type, const void *payload, int native,
                 int cbor) {
  c->type = type;
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
        if (type->copy(dst, payload)) {
          if (dst != (void *)c->inl_native) ffirt_free(dst);
          return FFIRT_ENOMEM;
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
      return rc;
    }
    c->env = e.buf;
    c->env_len = ffirt_cbor_enc_size(&e);
  }
  return 0;
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
    rc = build(&c->rec, type, payload, nn != 0, nc != 0);
    if (rc) c->rec.type = NULL; /* tombstone: the consumer skips it */
    /* seq_cst (a release at least): the consumer's acquire load of seq sees
     * the whole cell; seq_cst for the park/wake Dekker (thread.c). */
    atomic_store_explicit(&c->seq, pos + 1, memory_order_seq_cst);
    ffirt__wake_consumer(ev);
  }
out:
  /* release: destroy's load of producers == 0 sees our cell published. */
  atomic_fetch_sub_explicit(&ev->producers, 1, memory_order_release);
  return rc;
}

uint64_t ffirt_events_dropped(ffirt_events *ev) {
  return ev ? atomic_load_explicit(&ev->dropped, memory_order_relaxed) : 0;
}
