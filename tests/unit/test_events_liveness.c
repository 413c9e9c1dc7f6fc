/*
 * test_events_liveness.c - not_responding / responding (abi.md 4.4) with
 * short thresholds: once per stall, once on recovery, the start-up grace,
 * delivery past a full queue, and stall_ms = 0 disabling it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "unit/test_events_util.h"

typedef struct beater {
  ffirt_events *ev;
  atomic_int run;
} beater;

static void *beat_thread(void *p) {
  beater *b = p;
  while (atomic_load(&b->run)) {
    ffirt_events_beat(b->ev);
    sleep_ms(5);
  }
  return NULL;
}

static int count_tag(recorder *r, int tag) {
  pthread_mutex_lock(&r->lock);
  int c = 0;
  for (int i = 0; i < atomic_load(&r->n); i++)
    c += r->e[i].tag == tag;
  pthread_mutex_unlock(&r->lock);
  return c;
}

typedef struct tag_arg {
  recorder *r;
  int tag, n;
} tag_arg;
static int tag_reached(void *p) {
  tag_arg *a = p;
  return count_tag(a->r, a->tag) >= a->n;
}

static ffirt_events *make(uint32_t grace, uint32_t stall, size_t cap) {
  ffirt_events_config c = test_config();
  c.liveness_grace_ms = grace;
  c.stall_ms = stall;
  c.capacity = cap;
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  return ev;
}

static void not_responding_once_per_stall_and_responding_once_on_recovery(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud nr = {&r, 1, 0}, re = {&r, 2, 0}, wc = {&r, 3, 0}, wn = {&r, 4, 1};
  ffirt_events *ev =
      make(0, 150, 16); /* generous: a loaded CI must not miss 5 ms beats for 150 ms */
  ffirt_events_add(ev, "not_responding", FFIRT_LISTENER_NATIVE, rec_cb, &nr, NULL);
  ffirt_events_add(ev, "responding", FFIRT_LISTENER_NATIVE, rec_cb, &re, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &wc, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &wn, NULL);
  beater b = {.ev = ev};
  atomic_init(&b.run, 1);
  pthread_t t;
  pthread_create(&t, NULL, beat_thread, &b);
  sleep_ms(200);
  assert_int_equal(atomic_load(&r.n), 0); /* beating: silence */
  atomic_store(&b.run, 0);
  pthread_join(t, NULL);
  tag_arg a = {&r, 1, 1};
  assert_true(wait_for(tag_reached, &a, 5000));
  sleep_ms(250); /* still stalled: no second report */
  assert_int_equal(count_tag(&r, 1), 1);
  assert_int_equal(count_tag(&r, 2), 0);
  assert_int_equal(atomic_load(&r.n), 3); /* per-event, CBOR wildcard, native wildcard */
  assert_int_equal(r.e[0].tag, 1);
  assert_int_equal(r.e[0].len, 0);
  static const unsigned char nr_env[] = {
      0xa2, 0x69, 'e', 'v', 'e', 'n', 't', 'T', 'y',  'p', 'e', 0x6e, 'n', 'o', 't', '_', 'r', 'e',
      's',  'p',  'o', 'n', 'd', 'i', 'n', 'g', 0x67, 'p', 'a', 'y',  'l', 'o', 'a', 'd', 0xa0};
  assert_int_equal(r.e[1].tag, 3);
  assert_int_equal(r.e[1].len, sizeof nr_env);
  assert_memory_equal(r.e[1].bytes, nr_env, sizeof nr_env);
  assert_int_equal(r.e[2].tag, 4);
  assert_string_equal(r.e[2].view_type, "not_responding");
  assert_int_equal(r.e[2].view_size, 0);
  /* recovery */
  atomic_store(&b.run, 1);
  pthread_create(&t, NULL, beat_thread, &b);
  a.tag = 2;
  assert_true(wait_for(tag_reached, &a, 5000));
  sleep_ms(150);
  atomic_store(&b.run, 0);
  pthread_join(t, NULL);
  assert_int_equal(count_tag(&r, 2), 1);
  assert_int_equal(count_tag(&r, 1), 1);
  assert_int_equal(atomic_load(&r.n), 6);
  assert_int_equal(r.e[3].len, 0);
  assert_string_equal(r.e[5].view_type, "responding");
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static atomic_uint_fast64_t first_report_ms;
static void first_report_cb(int ret, const char *msg, size_t len, void *ud) {
  uint64_t zero = 0;
  atomic_compare_exchange_strong(&first_report_ms, &zero, now_ms());
  rec_cb(ret, msg, len, ud);
}

static void the_start_up_grace_suppresses_reports(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud nr = {&r, 1, 0};
  atomic_store(&first_report_ms, 0);
  uint64_t t0 = now_ms();
  ffirt_events *ev = make(400, 30, 16); /* never beats */
  ffirt_events_add(ev, "not_responding", FFIRT_LISTENER_NATIVE, first_report_cb, &nr, NULL);
  assert_true(recorder_wait(&r, 1));
  /* not before the grace, although the stall threshold passed long before */
  assert_true(atomic_load(&first_report_ms) - t0 >= 400);
  sleep_ms(100);
  assert_int_equal(atomic_load(&r.n), 1);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void stall_ms_zero_disables_liveness(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud w = {&r, 1, 0};
  ffirt_events *ev = make(0, 0, 16);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &w, NULL);
  sleep_ms(300);
  assert_int_equal(atomic_load(&r.n), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void slow_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len, (void)ud;
  sleep_ms(2);
}

typedef struct stamp {
  ffirt_events *ev;
  atomic_uint_fast64_t at_ms;
  atomic_uint_fast64_t dropped_then;
} stamp;
static void stamp_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  stamp *s = ud;
  atomic_store(&s->dropped_then, ffirt_events_dropped(s->ev));
  atomic_store(&s->at_ms, now_ms());
}

/* The queue is kept full (slow listener, capacity 2, drop newest) from
 * before the grace ends until not_responding arrives: had it been queued,
 * it would have been dropped like the other events. */
static void not_responding_gets_through_a_full_queue(void **state) {
  (void)state;
  ffirt_events *ev = make(300, 50, 2);
  stamp s = {.ev = ev};
  atomic_init(&s.at_ms, 0);
  atomic_init(&s.dropped_then, 0);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, slow_cb, NULL, NULL);
  ffirt_events_add(ev, "not_responding", FFIRT_LISTENER_NATIVE, stamp_cb, &s, NULL);
  uint64_t end = now_ms() + 5000;
  int32_t v = 0;
  while (now_ms() < end && !atomic_load(&s.at_ms)) {
    ffirt_events_emit(ev, &flat_type, &v);
    sched_yield();
  }
  assert_true(atomic_load(&s.at_ms) != 0);
  assert_true(atomic_load(&s.dropped_then) > 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(not_responding_once_per_stall_and_responding_once_on_recovery),
      cmocka_unit_test(the_start_up_grace_suppresses_reports),
      cmocka_unit_test(stall_ms_zero_disables_liveness),
      cmocka_unit_test(not_responding_gets_through_a_full_queue),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
