/*
 * test_events_util.h - shared helpers of the events tests: a thread-safe
 * delivery recorder, bounded polling waits, a gate listener that parks the
 * event thread, and two event types (a deep one with counted copy/encode and
 * a flat one).
 */
#ifndef FFIRT_TEST_EVENTS_UTIL_H
#define FFIRT_TEST_EVENTS_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ffirt/events.h"

static inline void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static inline uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Polls pred(arg) every millisecond for up to timeout_ms; 1 when it held. */
static inline int wait_for(int (*pred)(void *), void *arg, long timeout_ms) {
  uint64_t end = now_ms() + (uint64_t)timeout_ms;
  while (!pred(arg)) {
    if (now_ms() > end) return 0;
    sleep_ms(1);
  }
  return 1;
}

/* ---- recorder: every delivery, in order, with a copy of its bytes */

typedef struct rec_entry {
  int tag; /* which listener (its userData's tag) */
  int ret;
  size_t len;
  unsigned char bytes[256];
  char view_type[64]; /* native wildcard: the FFIEventView's eventType */
  size_t view_size;
  int64_t view_n; /* native wildcard of msg_type: payload->n */
  pthread_t thread;
} rec_entry;

typedef struct recorder {
  pthread_mutex_t lock;
  rec_entry e[512];
  atomic_int n;
} recorder;

typedef struct rec_ud {
  recorder *r;
  int tag;
  int wildcard_native; /* decode an FFIEventView */
} rec_ud;

static inline void recorder_init(recorder *r) {
  pthread_mutex_init(&r->lock, NULL);
  atomic_init(&r->n, 0);
}

static inline void recorder_fini(recorder *r) { pthread_mutex_destroy(&r->lock); }

typedef struct test_msg {
  const char *text;
  int64_t n;
} test_msg;

static inline void rec_cb(int ret, const char *msg, size_t len, void *ud) {
  rec_ud *u = ud;
  recorder *r = u->r;
  pthread_mutex_lock(&r->lock);
  int i = atomic_load(&r->n);
  if (i < 512) {
    rec_entry *e = &r->e[i];
    memset(e, 0, sizeof *e);
    e->tag = u->tag;
    e->ret = ret;
    e->len = len;
    e->thread = pthread_self();
    memcpy(e->bytes, msg, len < sizeof e->bytes ? len : sizeof e->bytes);
    if (u->wildcard_native && len == sizeof(FFIEventView)) {
      const FFIEventView *v = (const FFIEventView *)msg;
      strncpy(e->view_type, v->eventType, sizeof e->view_type - 1);
      e->view_size = v->payloadSize;
      if (v->payloadSize == sizeof(test_msg)) e->view_n = ((const test_msg *)v->payload)->n;
    }
    atomic_store(&r->n, i + 1);
  }
  pthread_mutex_unlock(&r->lock);
}

typedef struct count_arg {
  atomic_int *counter;
  int target;
} count_arg;

static inline int reached(void *p) {
  count_arg *a = p;
  return atomic_load(a->counter) >= a->target;
}

/* Waits until r has at least n entries (5 s bound). */
static inline int recorder_wait(recorder *r, int n) {
  count_arg a = {&r->n, n};
  return wait_for(reached, &a, 5000);
}

/* ---- gate: a listener that blocks the event thread until opened */

typedef struct gate {
  pthread_mutex_t lock;
  pthread_cond_t cv;
  int open;
  atomic_int entered;
} gate;

static inline void gate_init(gate *g) {
  pthread_mutex_init(&g->lock, NULL);
  pthread_cond_init(&g->cv, NULL);
  g->open = 0;
  atomic_init(&g->entered, 0);
}

static inline void gate_open(gate *g) {
  pthread_mutex_lock(&g->lock);
  g->open = 1;
  pthread_cond_broadcast(&g->cv);
  pthread_mutex_unlock(&g->lock);
}

static inline void gate_fini(gate *g) {
  pthread_cond_destroy(&g->cv);
  pthread_mutex_destroy(&g->lock);
}

static inline void gate_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  gate *g = ud;
  atomic_fetch_add(&g->entered, 1);
  pthread_mutex_lock(&g->lock);
  while (!g->open)
    pthread_cond_wait(&g->cv, &g->lock);
  pthread_mutex_unlock(&g->lock);
}

static inline int gate_entered(void *p) { return atomic_load(&((gate *)p)->entered) > 0; }

/* ---- event types */

/* msg: {text, n}, deep (text is copied), counted copies/frees/encodes. */
static atomic_int msg_copies, msg_frees, msg_encodes;

static inline int msg_copy(void *dst, const void *src) {
  const test_msg *s = src;
  test_msg *d = dst;
  size_t n = strlen(s->text);
  char *t = ffirt_malloc(n + 1);
  if (!t) return FFIRT_ENOMEM;
  memcpy(t, s->text, n + 1);
  d->text = t;
  d->n = s->n;
  atomic_fetch_add(&msg_copies, 1);
  return 0;
}

static inline void msg_free(void *p) {
  test_msg *m = p;
  ffirt_free((void *)m->text);
  atomic_fetch_add(&msg_frees, 1);
}

static inline int msg_encode(ffirt_cbor_enc *e, const void *p) {
  const test_msg *m = p;
  atomic_fetch_add(&msg_encodes, 1);
  ffirt_cbor_enc_map(e, 2);
  ffirt_cbor_enc_text_z(e, "text");
  ffirt_cbor_enc_text_z(e, m->text);
  ffirt_cbor_enc_text_z(e, "n");
  return ffirt_cbor_enc_int(e, m->n);
}

static const ffirt_event_type msg_type = {"on_msg", sizeof(test_msg), msg_copy, msg_free,
                                          msg_encode};

static inline void msg_counters_reset(void) {
  atomic_store(&msg_copies, 0);
  atomic_store(&msg_frees, 0);
  atomic_store(&msg_encodes, 0);
}

/* flat: an int32_t, memcpy'd; encoded as a CBOR integer. */
static inline int flat_encode(ffirt_cbor_enc *e, const void *p) {
  return ffirt_cbor_enc_int(e, *(const int32_t *)p);
}
static const ffirt_event_type flat_type = {"on_flat", sizeof(int32_t), NULL, NULL, flat_encode};
static const ffirt_event_type other_type = {"on_other", sizeof(int32_t), NULL, NULL, flat_encode};
/* empty payload */
static const ffirt_event_type empty_type = {"on_empty", 0, NULL, NULL, NULL};

/* A config for tests: liveness off unless a test turns it on. */
static inline ffirt_events_config test_config(void) {
  ffirt_events_config c;
  ffirt_events_config_init(&c);
  c.stall_ms = 0;
  return c;
}

#endif /* FFIRT_TEST_EVENTS_UTIL_H */
