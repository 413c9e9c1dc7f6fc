/*
 * queue.c - lock-free MPSC request queue with a park/wake handshake, and
 * the bounded MPMC ring that recycles call objects.
 *
 * Design notes: see queue.h (the invariants are the header's contract).
 * Memory orders: the tail exchange and the parked flag accesses are seq_cst
 * because the park handshake is a store-load (Dekker) pattern that acquire/
 * release cannot order; the link store is release and the link loads are
 * acquire so that the consumer sees a node's contents once it sees the link.
 *
 * Ordering of every atomic here (acquire load <- release store: what it publishes):
 *  mpsc next     | pop's acquire <- link_node's release store of prev->next | the node's contents
 *  mpsc tail     | seq_cst exchange (push) / seq_cst load (empty, pop)      | Dekker with parked
 *  mpsc parked   | seq_cst store (park_begin) / seq_cst load + exchange     | no lost wake-up
 *                |   (push); park_end's relaxed store needs no order        |
 *  ring seq      | put's acquire <- take's release 2nd-lap store            | the taker is done
 *                | take's acquire <- put's release store of pos + 1         | the cell's data
 *  put_pos,      | relaxed CAS                                              | positions only
 *   take_pos     |                                                          |
 */
#include "context/queue.h"

#include <stdint.h>

void ffirt__mpsc_init(ffirt__mpsc *q) {
  atomic_init(&q->stub.next, NULL);
  atomic_init(&q->tail, &q->stub);
  q->head = &q->stub;
  atomic_init(&q->parked, 0);
}

static void link_node(ffirt__mpsc *q, ffirt__qnode *n) {
  atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
  /* seq_cst: first half of the producer side of the park handshake. */
  ffirt__qnode *prev = atomic_exchange_explicit(&q->tail, n, memory_order_seq_cst);
  /* release: the consumer's acquire load of next sees n's contents. */
  atomic_store_explicit(&prev->next, n, memory_order_release);
}

int ffirt__mpsc_push(ffirt__mpsc *q, ffirt__qnode *n) {
  link_node(q, n);
  /* seq_cst: second half of the handshake (read after the tail exchange). A
   * plain load first keeps the common case (consumer awake) read-only. */
  if (atomic_load_explicit(&q->parked, memory_order_seq_cst) == 0) return 0;
  return atomic_exchange_explicit(&q->parked, 0, memory_order_seq_cst) == 1;
}

ffirt__qnode *ffirt__mpsc_pop(ffirt__mpsc *q) {
  ffirt__qnode *head = q->head;
  ffirt__qnode *next = atomic_load_explicit(&head->next, memory_order_acquire);
  if (head == &q->stub) {
    if (!next) return NULL;
    q->head = next;
    head = next;
    next = atomic_load_explicit(&next->next, memory_order_acquire);
  }
  if (next) {
    q->head = next;
    return head;
  }
  ffirt__qnode *tail = atomic_load_explicit(&q->tail, memory_order_acquire);
  if (tail != head) return NULL; /* a producer is between exchange and link */
  link_node(q, &q->stub);
  next = atomic_load_explicit(&head->next, memory_order_acquire);
  if (next) {
    q->head = next;
    return head;
  }
  return NULL;
}

int ffirt__mpsc_empty(ffirt__mpsc *q) {
  /* seq_cst: the consumer side of the handshake reads the tail after
   * storing parked (see ffirt__mpsc_park_begin). */
  return q->head == &q->stub && atomic_load_explicit(&q->tail, memory_order_seq_cst) == &q->stub;
}

int ffirt__mpsc_park_begin(ffirt__mpsc *q) {
  atomic_store_explicit(&q->parked, 1, memory_order_seq_cst);
  if (ffirt__mpsc_empty(q)) return 1;
  atomic_store_explicit(&q->parked, 0, memory_order_relaxed);
  return 0;
}

void ffirt__mpsc_park_end(ffirt__mpsc *q) {
  atomic_store_explicit(&q->parked, 0, memory_order_relaxed);
}

void ffirt__ring_init(ffirt__ring *r) {
  for (size_t i = 0; i < FFIRT__RING_CAP; i++) {
    atomic_init(&r->cells[i].seq, i);
    r->cells[i].data = NULL;
  }
  atomic_init(&r->put_pos, 0);
  atomic_init(&r->take_pos, 0);
}

int ffirt__ring_put(ffirt__ring *r, void *p) {
  size_t pos = atomic_load_explicit(&r->put_pos, memory_order_relaxed);
  for (;;) {
    size_t i = pos & (FFIRT__RING_CAP - 1);
    /* acquire: the taker that freed this cell is done reading its data. */
    size_t seq = atomic_load_explicit(&r->cells[i].seq, memory_order_acquire);
    intptr_t dif = (intptr_t)seq - (intptr_t)pos;
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&r->put_pos, &pos, pos + 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        r->cells[i].data = p;
        /* release: publishes data to the taker that acquires seq. */
        atomic_store_explicit(&r->cells[i].seq, pos + 1, memory_order_release);
        return 1;
      }
    } else if (dif < 0) {
      return 0;
    } else {
      pos = atomic_load_explicit(&r->put_pos, memory_order_relaxed);
    }
  }
}

void *ffirt__ring_take(ffirt__ring *r) {
  size_t pos = atomic_load_explicit(&r->take_pos, memory_order_relaxed);
  for (;;) {
    size_t i = pos & (FFIRT__RING_CAP - 1);
    /* acquire: pairs with the putter's release of seq (data is written). */
    size_t seq = atomic_load_explicit(&r->cells[i].seq, memory_order_acquire);
    intptr_t dif = (intptr_t)seq - (intptr_t)(pos + 1);
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&r->take_pos, &pos, pos + 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        void *p = r->cells[i].data;
        /* release: the next putter of this cell sees our read done. */
        atomic_store_explicit(&r->cells[i].seq, pos + FFIRT__RING_CAP, memory_order_release);
        return p;
      }
    } else if (dif < 0) {
      return NULL;
    } else {
      pos = atomic_load_explicit(&r->take_pos, memory_order_relaxed);
    }
  }
}
