/*
 * test_events_queue.c - the bounded event queue: each overflow policy with
 * exact drop counts, the dropped_events report, destroy (deliver / discard),
 * emit while closing, multi-producer order and allocation failures of emit.
 *
 * Most tests park the event thread inside a "gate" listener on event 0, so
 * the queue state is exact: capacity C holds events 1..C, the rest overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "unit/fault_alloc.h"
#include "unit/test_events_util.h"

#define CAP 5 /* not a power of two: the ring indexes with % */

typedef struct fixture {
  ffirt_events *ev;
  gate g;
  recorder r;
  rec_ud flat_ud, drop_ud;
} fixture;

/* Creates ev with the given policy, a gate on the first on_flat event, a
 * recorder of on_flat (tag 1) and of dropped_events (tag 2), and parks the
 * event thread in the gate with event 0. */
static void setup_parked(fixture *f, ffirt_overflow policy, uint32_t block_ms,
                         ffirt_listener_kind drop_kind) {
  gate_init(&f->g);
  recorder_init(&f->r);
  f->flat_ud = (rec_ud){&f->r, 1, 0};
  f->drop_ud = (rec_ud){&f->r, 2, 0};
  ffirt_events_config c = test_config();
  c.capacity = CAP;
  c.overflow = policy;
  c.block_timeout_ms = block_ms;
  assert_int_equal(ffirt_events_create(&c, &f->ev), 0);
  ffirt_events_add(f->ev, "on_flat", FFIRT_LISTENER_NATIVE, gate_cb, &f->g, NULL);
  ffirt_events_add(f->ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &f->flat_ud, NULL);
  ffirt_events_add(f->ev, "dropped_events", drop_kind, rec_cb, &f->drop_ud, NULL);
  int32_t v = 0;
  assert_int_equal(ffirt_events_emit(f->ev, &flat_type, &v), 0);
  assert_true(wait_for(gate_entered, &f->g, 5000));
}

static void teardown(fixture *f) {
  assert_int_equal(ffirt_events_destroy(f->ev), 0);
  gate_fini(&f->g);
  recorder_fini(&f->r);
}

static int32_t flat_at(fixture *f, int i) {
  int32_t v;
  assert_int_equal(f->r.e[i].tag, 1);
  memcpy(&v, f->r.e[i].bytes, sizeof v);
  return v;
}

static uint64_t drop_at(fixture *f, int i) {
  uint64_t v;
  assert_int_equal(f->r.e[i].tag, 2);
  assert_int_equal(f->r.e[i].len, sizeof v);
  memcpy(&v, f->r.e[i].bytes, sizeof v);
  return v;
}

static void drop_newest_refuses_overflow_counts_and_reports_it(void **state) {
  (void)state;
  fixture f;
  setup_parked(&f, FFIRT_OVERFLOW_DROP_NEWEST, 0, FFIRT_LISTENER_NATIVE);
  for (int32_t i = 1; i <= CAP + 5; i++)
    assert_int_equal(ffirt_events_emit(f.ev, &flat_type, &i), i <= CAP ? 0 : FFIRT_EFULL);
  assert_int_equal(ffirt_events_dropped(f.ev), 5);
  gate_open(&f.g);
  assert_true(recorder_wait(&f.r, CAP + 2));
  /* 0, then the report as soon as the queue has room, then 1..4 */
  assert_int_equal(flat_at(&f, 0), 0);
  assert_int_equal(drop_at(&f, 1), 5);
  for (int i = 1; i <= CAP; i++)
    assert_int_equal(flat_at(&f, i + 1), i);
  /* the report is per period: new drops are reported with their own count */
  sleep_ms(20);
  assert_int_equal(atomic_load(&f.r.n), CAP + 2);
  assert_int_equal(ffirt_events_dropped(f.ev), 5);
  teardown(&f);
}

static void drop_oldest_keeps_the_newest_and_counts_the_dropped(void **state) {
  (void)state;
  fixture f;
  setup_parked(&f, FFIRT_OVERFLOW_DROP_OLDEST, 0, FFIRT_LISTENER_NATIVE);
  for (int32_t i = 1; i <= CAP + 5; i++)
    assert_int_equal(ffirt_events_emit(f.ev, &flat_type, &i), 0);
  assert_int_equal(ffirt_events_dropped(f.ev), 5);
  gate_open(&f.g);
  assert_true(recorder_wait(&f.r, CAP + 2));
  assert_int_equal(flat_at(&f, 0), 0);
  assert_int_equal(drop_at(&f, 1), 5);
  for (int i = 0; i < CAP; i++)
    assert_int_equal(flat_at(&f, i + 2), 6 + i);
  teardown(&f);
}

static void drop_oldest_frees_the_dropped_payloads(void **state) {
  (void)state;
  fixture f;
  setup_parked(&f, FFIRT_OVERFLOW_DROP_OLDEST, 0, FFIRT_LISTENER_NATIVE);
  rec_ud mu = {&f.r, 3, 0};
  ffirt_events_add(f.ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &mu, NULL);
  msg_counters_reset();
  for (int i = 0; i < 10; i++) {
    test_msg m = {"payload", i};
    assert_int_equal(ffirt_events_emit(f.ev, &msg_type, &m), 0);
  }
  assert_int_equal(atomic_load(&msg_copies), 10);
  assert_int_equal(atomic_load(&msg_frees), 10 - CAP); /* freed by the emitters that dropped them */
  gate_open(&f.g);
  teardown(&f);
  assert_int_equal(atomic_load(&msg_frees), 10);
}

typedef struct emitter_arg {
  ffirt_events *ev;
  int32_t value;
  atomic_int rc;
  atomic_int done;
} emitter_arg;

static void *emit_thread(void *p) {
  emitter_arg *a = p;
  atomic_store(&a->rc, ffirt_events_emit(a->ev, &flat_type, &a->value));
  atomic_store(&a->done, 1);
  return NULL;
}

static void block_waits_up_to_the_timeout_then_drops(void **state) {
  (void)state;
  fixture f;
  setup_parked(&f, FFIRT_OVERFLOW_BLOCK, 200, FFIRT_LISTENER_NATIVE);
  for (int32_t i = 1; i <= CAP; i++)
    assert_int_equal(ffirt_events_emit(f.ev, &flat_type, &i), 0);
  uint64_t t0 = now_ms();
  int32_t v = CAP + 1;
  assert_int_equal(ffirt_events_emit(f.ev, &flat_type, &v), FFIRT_EFULL);
  uint64_t waited = now_ms() - t0;
  assert_true(waited >= 195);
  assert_true(waited < 3000);
  assert_int_equal(ffirt_events_dropped(f.ev), 1);
  /* a blocked emitter succeeds as soon as room appears */
  emitter_arg a = {.ev = f.ev, .value = CAP + 2};
  atomic_init(&a.rc, 1);
  atomic_init(&a.done, 0);
  pthread_t t;
  pthread_create(&t, NULL, emit_thread, &a);
  sleep_ms(20);
  assert_int_equal(atomic_load(&a.done), 0); /* still blocked (timeout 200 ms) */
  gate_open(&f.g);
  pthread_join(t, NULL);
  assert_int_equal(atomic_load(&a.rc), 0);
  assert_true(recorder_wait(&f.r, CAP + 3)); /* 0, report(1), 1..CAP, CAP + 2 */
  assert_int_equal(flat_at(&f, 0), 0);
  assert_int_equal(drop_at(&f, 1), 1);
  for (int i = 1; i <= CAP; i++)
    assert_int_equal(flat_at(&f, i + 1), i);
  assert_int_equal(flat_at(&f, CAP + 2), CAP + 2);
  assert_int_equal(ffirt_events_dropped(f.ev), 1);
  teardown(&f);
}

static void dropped_events_reaches_cbor_listeners_as_an_unsigned_integer(void **state) {
  (void)state;
  fixture f;
  setup_parked(&f, FFIRT_OVERFLOW_DROP_NEWEST, 0, FFIRT_LISTENER_CBOR);
  for (int32_t i = 1; i <= CAP + 3; i++)
    ffirt_events_emit(f.ev, &flat_type, &i);
  gate_open(&f.g);
  assert_true(recorder_wait(&f.r, 2));
  static const unsigned char want[] = {
      0xa2, 0x69, 'e', 'v', 'e', 'n', 't', 'T', 'y',  'p', 'e', 0x6e, 'd', 'r', 'o', 'p', 'p', 'e',
      'd',  '_',  'e', 'v', 'e', 'n', 't', 's', 0x67, 'p', 'a', 'y',  'l', 'o', 'a', 'd', 0x03};
  assert_int_equal(f.r.e[1].tag, 2);
  assert_int_equal(f.r.e[1].len, sizeof want);
  assert_memory_equal(f.r.e[1].bytes, want, sizeof want);
  teardown(&f);
}

typedef struct destroyer {
  ffirt_events *ev;
  atomic_int rc;
  atomic_int done;
} destroyer;

static void *destroy_thread(void *p) {
  destroyer *d = p;
  atomic_store(&d->rc, ffirt_events_destroy(d->ev));
  atomic_store(&d->done, 1);
  return NULL;
}

static void destroy_delivers_what_is_queued_by_default(void **state) {
  (void)state;
  fixture f;
  setup_parked(&f, FFIRT_OVERFLOW_DROP_NEWEST, 0, FFIRT_LISTENER_NATIVE);
  for (int32_t i = 1; i <= 3; i++)
    assert_int_equal(ffirt_events_emit(f.ev, &flat_type, &i), 0);
  destroyer d = {.ev = f.ev};
  atomic_init(&d.rc, 1);
  atomic_init(&d.done, 0);
  pthread_t t;
  pthread_create(&t, NULL, destroy_thread, &d);
  sleep_ms(30);
  assert_int_equal(atomic_load(&d.done), 0); /* joins the thread: waits for the gate */
  /* closing: new events are refused */
  int32_t v = 9;
  assert_int_equal(ffirt_events_emit(f.ev, &flat_type, &v), FFIRT_ECLOSED);
  gate_open(&f.g);
  pthread_join(t, NULL);
  assert_int_equal(atomic_load(&d.rc), 0);
  assert_int_equal(atomic_load(&f.r.n), 4);
  for (int i = 0; i < 4; i++)
    assert_int_equal(flat_at(&f, i), i);
  gate_fini(&f.g);
  recorder_fini(&f.r);
}

static void destroy_with_discard_frees_queued_events_undelivered(void **state) {
  (void)state;
  gate g;
  gate_init(&g);
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events_config c = test_config();
  c.on_destroy = FFIRT_ON_DESTROY_DISCARD;
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, gate_cb, &g, NULL);
  ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  msg_counters_reset();
  for (int i = 0; i < 5; i++) {
    test_msg m = {"deep", i};
    assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  }
  assert_true(wait_for(gate_entered, &g, 5000));
  destroyer d = {.ev = ev};
  atomic_init(&d.rc, 1);
  atomic_init(&d.done, 0);
  pthread_t t;
  pthread_create(&t, NULL, destroy_thread, &d);
  sleep_ms(30);
  gate_open(&g);
  pthread_join(t, NULL);
  assert_int_equal(atomic_load(&d.rc), 0);
  assert_int_equal(atomic_load(&r.n), 1); /* only the event being delivered */
  assert_int_equal(atomic_load(&msg_copies), 5);
  assert_int_equal(atomic_load(&msg_frees), 5);
  gate_fini(&g);
  recorder_fini(&r);
}

typedef struct producer {
  ffirt_events *ev;
  const ffirt_event_type *type;
  int count;
} producer;

static void *produce(void *p) {
  producer *a = p;
  for (int32_t i = 0; i < a->count; i++)
    if (ffirt_events_emit(a->ev, a->type, &i)) abort();
  return NULL;
}

static void each_producer_thread_keeps_its_order(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u1 = {&r, 1, 0}, u2 = {&r, 2, 0};
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &u1, NULL);
  ffirt_events_add(ev, "on_other", FFIRT_LISTENER_NATIVE, rec_cb, &u2, NULL);
  producer p1 = {ev, &flat_type, 250}, p2 = {ev, &other_type, 250};
  pthread_t t1, t2;
  pthread_create(&t1, NULL, produce, &p1);
  pthread_create(&t2, NULL, produce, &p2);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  assert_true(recorder_wait(&r, 500));
  int32_t next[3] = {0, 0, 0};
  for (int i = 0; i < 500; i++) {
    int32_t v;
    memcpy(&v, r.e[i].bytes, 4);
    assert_int_equal(v, next[r.e[i].tag]++);
  }
  assert_int_equal(ffirt_events_dropped(ev), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

/* Runs create, two adds and two emits (the first with a 300-byte text: deep
 * copy plus a grown, taken envelope) under the fault allocator failing
 * allocation n. Returns 1 when the failure hit the first emit. */
static int run_emit_with_failure_at(long n, long *calls_before_emit) {
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0}, w = {&r, 2, 0};
  msg_counters_reset();
  fault_alloc_install(n);
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  assert_int_not_equal(ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL), 0);
  assert_int_not_equal(ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_CBOR, rec_cb, &w, NULL), 0);
  if (calls_before_emit) *calls_before_emit = fault_alloc_calls();
  char big[300];
  memset(big, 'b', sizeof big - 1);
  big[sizeof big - 1] = 0;
  test_msg m = {big, 1};
  int rc1 = ffirt_events_emit(ev, &msg_type, &m);
  int hit_first = fault_alloc_failed();
  assert_int_equal(rc1, hit_first ? FFIRT_ENOMEM : 0);
  test_msg m2 = {"next", 2};
  int rc2 = ffirt_events_emit(ev, &msg_type, &m2);
  assert_true(rc2 == 0 || (!hit_first && rc2 == FFIRT_ENOMEM));
  /* a failed event still reaches its CBOR listener, as RET_ERR */
  int want = (rc1 == 0 ? 2 : 1) + (rc2 == 0 ? 2 : 1);
  assert_true(recorder_wait(&r, want));
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), want);
  if (rc1 == 0) {
    test_msg got;
    memcpy(&got, r.e[0].bytes, sizeof got);
    assert_int_equal(got.n, 1);
  } else {
    assert_int_equal(r.e[0].tag, 2);
    assert_int_equal(r.e[0].ret, RET_ERR);
  }
  assert_int_equal(atomic_load(&msg_copies), atomic_load(&msg_frees));
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  recorder_fini(&r);
  return hit_first;
}

static void a_failed_emit_answers_cbor_listeners_and_the_queue_goes_on(void **state) {
  (void)state;
  long before = 0;
  assert_int_equal(run_emit_with_failure_at(0, &before), 0);
  int failures = 0;
  for (long n = before + 1; run_emit_with_failure_at(n, NULL); n++)
    failures++;
  assert_true(failures >= 3); /* text copy, envelope growth, envelope take */
}

static atomic_int seen;
static void count_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len, (void)ud;
  atomic_fetch_add(&seen, 1);
}

/* Native payloads live in the cells, envelopes in recycled buffers: once
 * every cell has been used, emitting and delivering allocates nothing. */
static void small_events_allocate_nothing_in_steady_state(void **state) {
  (void)state;
  fault_alloc_install(0); /* count only */
  ffirt_events_config c = test_config();
  c.capacity = 4;
  c.overflow = FFIRT_OVERFLOW_BLOCK;
  c.block_timeout_ms = 5000;
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, count_cb, NULL, NULL);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_CBOR, count_cb, NULL, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, count_cb, NULL, NULL);
  atomic_store(&seen, 0);
  for (int32_t i = 0; i < 40; i++)
    assert_int_equal(ffirt_events_emit(ev, &flat_type, &i), 0);
  count_arg a = {&seen, 120};
  assert_true(wait_for(reached, &a, 5000));
  sleep_ms(5); /* the event thread is past its last swap */
  long before = fault_alloc_calls();
  for (int32_t i = 0; i < 400; i++)
    assert_int_equal(ffirt_events_emit(ev, &flat_type, &i), 0);
  a.target = 1320;
  assert_true(wait_for(reached, &a, 5000));
  assert_int_equal(fault_alloc_calls(), before);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(drop_newest_refuses_overflow_counts_and_reports_it),
      cmocka_unit_test(drop_oldest_keeps_the_newest_and_counts_the_dropped),
      cmocka_unit_test(drop_oldest_frees_the_dropped_payloads),
      cmocka_unit_test(block_waits_up_to_the_timeout_then_drops),
      cmocka_unit_test(dropped_events_reaches_cbor_listeners_as_an_unsigned_integer),
      cmocka_unit_test(destroy_delivers_what_is_queued_by_default),
      cmocka_unit_test(destroy_with_discard_frees_queued_events_undelivered),
      cmocka_unit_test(each_producer_thread_keeps_its_order),
      cmocka_unit_test(a_failed_emit_answers_cbor_listeners_and_the_queue_goes_on),
      cmocka_unit_test(small_events_allocate_nothing_in_steady_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
