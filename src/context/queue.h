/*
 * queue.h - the request queue of a context: an intrusive, lock-free
 * multi-producer single-consumer FIFO (Vyukov's design) plus the park/wake
 * handshake that lets producers wake the consumer only when it is parked.
 *
 * Design notes:
 *  - Producers (any thread) call ffirt__mpsc_push(); it never takes a lock
 *    and never blocks. Its return value says whether this producer must
 *    wake the consumer: 1 only when the consumer announced it is parking,
 *    and then only for the one producer that wins the exchange, so a burst
 *    costs one wake-up.
 *  - Only the consumer (the worker thread) pops, checks emptiness and parks.
 *  - Ordering: every node pushed by one producer is popped in push order.
 *  - A producer preempted between its tail exchange and its link store
 *    makes the queue "busy": pop returns NULL although it is not empty, and
 *    ffirt__mpsc_empty() reports non-empty, so the consumer retries instead
 *    of parking.
 *  - Park handshake (Dekker): the consumer stores PARKED then re-reads the
 *    tail; a producer exchanges the tail then reads the state. All four are
 *    seq_cst, so at least one side sees the other: either the consumer sees
 *    the new node and does not park, or the producer sees PARKED and wakes.
 */
#ifndef FFIRT_CONTEXT_QUEUE_H
#define FFIRT_CONTEXT_QUEUE_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct ffirt__qnode {
  struct ffirt__qnode *_Atomic next;
} ffirt__qnode;

typedef struct ffirt__mpsc {
  ffirt__qnode *_Atomic tail; /* producers: last pushed node */
  char pad1[64 - sizeof(void *)];
  ffirt__qnode *head; /* consumer only: next node to pop (or the stub) */
  ffirt__qnode stub;
  _Atomic int parked; /* 1 while the consumer is (about to be) parked */
  char pad2[64];
} ffirt__mpsc;

/* Initialises an empty queue. Not thread-safe (before sharing). */
void ffirt__mpsc_init(ffirt__mpsc *q);

/* Appends n. Returns 1 when the caller must wake the consumer, else 0.
 * Any thread; lock-free. */
int ffirt__mpsc_push(ffirt__mpsc *q, ffirt__qnode *n);

/* Removes the oldest node, or NULL when empty or busy. Consumer only. */
ffirt__qnode *ffirt__mpsc_pop(ffirt__mpsc *q);

/* 1 when nothing is queued and no push is in progress. Consumer only. */
int ffirt__mpsc_empty(ffirt__mpsc *q);

/* Announces that the consumer is about to park. Returns 1 when it may park
 * (queue still empty), 0 when it must not (and the announcement is taken
 * back). Consumer only. */
int ffirt__mpsc_park_begin(ffirt__mpsc *q);

/* The consumer is running again (woken or timed out). Consumer only. */
void ffirt__mpsc_park_end(ffirt__mpsc *q);

/*
 * A bounded lock-free MPMC ring of pointers (Vyukov's bounded queue), used
 * as the per-context pool of recycled call objects: the worker puts finished
 * call objects back, submitters take them, so the submit path does not
 * contend on the malloc arena with the worker's frees. Each cell's sequence
 * number (acquire/release) orders the plain data store/load and prevents
 * ABA; put fails when full, take returns NULL when empty. Any thread.
 */
#define FFIRT__RING_CAP 256u

typedef struct ffirt__ring {
  struct {
    _Atomic size_t seq;
    void *data;
  } cells[FFIRT__RING_CAP];
  _Atomic size_t put_pos;
  char pad1[64 - sizeof(size_t)];
  _Atomic size_t take_pos;
  char pad2[64 - sizeof(size_t)];
} ffirt__ring;

void ffirt__ring_init(ffirt__ring *r);
/* 1 when stored, 0 when the ring is full. */
int ffirt__ring_put(ffirt__ring *r, void *p);
/* The oldest pointer, or NULL when empty. */
void *ffirt__ring_take(ffirt__ring *r);

#endif /* FFIRT_CONTEXT_QUEUE_H */
