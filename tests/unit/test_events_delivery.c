/*
 * test_events_delivery.c - dual native/CBOR delivery (abi.md 4.2), the
 * built-once rules, ordering, and the guarantees of abi.md 4.3.1-4.3.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "unit/test_events_util.h"

static ffirt_events *make(void) {
  ffirt_events_config c = test_config();
  ffirt_events *ev = NULL;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  return ev;
}

static void native_listener_gets_a_copy_of_the_struct_with_its_size(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events *ev = make();
  ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  char text[8] = "hi";
  test_msg m = {text, 42};
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  text[0] = 'X'; /* the emitter's memory may change at once: it was copied */
  assert_true(recorder_wait(&r, 1));
  assert_int_equal(r.e[0].ret, RET_OK);
  assert_int_equal(r.e[0].len, sizeof(test_msg));
  test_msg got;
  memcpy(&got, r.e[0].bytes, sizeof got);
  assert_int_equal(got.n, 42);
  assert_false(pthread_equal(r.e[0].thread, pthread_self()));
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static const unsigned char env_hi_42[] = {0xa2, 0x69, 'e',  'v', 'e', 'n',  't',  'T',  'y',  'p',
                                          'e',  0x66, 'o',  'n', '_', 'm',  's',  'g',  0x67, 'p',
                                          'a',  'y',  'l',  'o', 'a', 'd',  0xa2, 0x64, 't',  'e',
                                          'x',  't',  0x62, 'h', 'i', 0x61, 'n',  0x18, 0x2a};

static void cbor_listeners_get_the_envelope_bytes(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0}, w = {&r, 2, 0};
  ffirt_events *ev = make();
  ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &w, NULL);
  test_msg m = {"hi", 42};
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 2));
  for (int i = 0; i < 2; i++) {
    assert_int_equal(r.e[i].len, sizeof env_hi_42);
    assert_memory_equal(r.e[i].bytes, env_hi_42, sizeof env_hi_42);
  }
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void a_large_envelope_is_delivered_whole(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events *ev = make();
  ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  char text[201];
  memset(text, 'a', 200);
  text[200] = 0;
  test_msg m = {text, 1};
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 1));
  /* 18 (map, "eventType", "on_msg") + 8 ("payload") + 1 (map) + 5 ("text")
   * + 2 + 200 + 2 ("n") + 1 */
  assert_int_equal(r.e[0].len, 18 + 8 + 1 + 5 + 202 + 2 + 1);
  assert_int_equal(r.e[0].bytes[27 + 5], 0x78); /* text of 200: 0x78 0xc8 */
  assert_int_equal(r.e[0].bytes[27 + 6], 200);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void native_wildcard_gets_an_event_view(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud w = {&r, 1, 1};
  ffirt_events *ev = make();
  ffirt_events_add(ev, "", FFIRT_LISTENER_NATIVE, rec_cb, &w, NULL);
  test_msg m = {"x", 9};
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_int_equal(ffirt_events_emit(ev, &empty_type, NULL), 0);
  assert_true(recorder_wait(&r, 2));
  assert_int_equal(r.e[0].len, sizeof(FFIEventView));
  assert_string_equal(r.e[0].view_type, "on_msg");
  assert_int_equal(r.e[0].view_size, sizeof(test_msg));
  assert_int_equal(r.e[0].view_n, 9);
  assert_string_equal(r.e[1].view_type, "on_empty");
  assert_int_equal(r.e[1].view_size, 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

typedef struct ptr_probe {
  atomic_int calls;
  atomic_int saw_null;
  atomic_size_t len;
} ptr_probe;

static void ptr_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  ptr_probe *p = ud;
  if (!msg) atomic_store(&p->saw_null, 1);
  atomic_store(&p->len, len);
  atomic_fetch_add(&p->calls, 1);
}

static void empty_payload_is_a_valid_pointer_of_length_zero_and_cbor_empty_map(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ptr_probe p;
  atomic_init(&p.calls, 0);
  atomic_init(&p.saw_null, 0);
  atomic_init(&p.len, 99);
  ffirt_events *ev = make();
  ffirt_events_add(ev, "on_empty", FFIRT_LISTENER_NATIVE, ptr_cb, &p, NULL);
  ffirt_events_add(ev, "on_empty", FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  assert_int_equal(ffirt_events_emit(ev, &empty_type, NULL), 0);
  assert_true(recorder_wait(&r, 1));
  count_arg a = {&p.calls, 1};
  assert_true(wait_for(reached, &a, 5000));
  assert_int_equal(atomic_load(&p.saw_null), 0);
  assert_int_equal(atomic_load(&p.len), 0);
  static const unsigned char want[] = {0xa2, 0x69, 'e', 'v', 'e', 'n', 't', 'T', 'y', 'p',
                                       'e',  0x68, 'o', 'n', '_', 'e', 'm', 'p', 't', 'y',
                                       0x67, 'p',  'a', 'y', 'l', 'o', 'a', 'd', 0xa0};
  assert_int_equal(r.e[0].len, sizeof want);
  assert_memory_equal(r.e[0].bytes, want, sizeof want);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void per_event_listeners_run_before_wildcards_each_in_registration_order(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud w1 = {&r, 1, 1}, e1 = {&r, 2, 0}, w2 = {&r, 3, 0}, e2 = {&r, 4, 0}, e3 = {&r, 5, 0};
  ffirt_events *ev = make();
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &w1, NULL);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &e1, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &w2, NULL);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_CBOR, rec_cb, &e2, NULL);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &e3, NULL);
  int32_t v = 3;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_true(recorder_wait(&r, 5));
  int want[] = {2, 4, 5, 1, 3};
  for (int i = 0; i < 5; i++)
    assert_int_equal(r.e[i].tag, want[i]);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void events_of_one_thread_are_delivered_in_emit_order(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events *ev = make();
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  ffirt_events_add(ev, "on_other", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  for (int32_t i = 0; i < 400; i++)
    assert_int_equal(ffirt_events_emit(ev, i % 3 ? &flat_type : &other_type, &i), 0);
  assert_true(recorder_wait(&r, 400));
  for (int32_t i = 0; i < 400; i++) {
    int32_t got;
    memcpy(&got, r.e[i].bytes, sizeof got);
    assert_int_equal(got, i);
  }
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void each_form_is_built_once_for_all_its_listeners(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0}, w = {&r, 2, 1};
  ffirt_events *ev = make();
  for (int i = 0; i < 3; i++) {
    ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
    ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
    ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &w, NULL);
    ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  }
  msg_counters_reset();
  test_msg m = {"once", 1};
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 12));
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&msg_copies), 1);
  assert_int_equal(atomic_load(&msg_encodes), 1);
  assert_int_equal(atomic_load(&msg_frees), 1);
  recorder_fini(&r);
}

static void nothing_is_built_for_a_kind_without_listeners(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events *ev = make();
  test_msg m = {"x", 1};
  /* nobody at all, then a listener of another name only */
  msg_counters_reset();
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  uint64_t o = ffirt_events_add(ev, "on_other", FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  sleep_ms(20);
  assert_int_equal(atomic_load(&msg_copies), 0);
  assert_int_equal(atomic_load(&msg_encodes), 0);
  ffirt_events_remove(ev, o);
  /* native only: no encode */
  uint64_t n = ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 1));
  assert_int_equal(atomic_load(&msg_copies), 1);
  assert_int_equal(atomic_load(&msg_encodes), 0);
  ffirt_events_remove(ev, n);
  /* CBOR only: no copy */
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &u, NULL);
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 2));
  assert_int_equal(atomic_load(&msg_copies), 1);
  assert_int_equal(atomic_load(&msg_encodes), 1);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  recorder_fini(&r);
}

static void emit_rejects_bad_arguments(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events *ev = make();
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  int32_t v = 1;
  ffirt_event_type noname = {NULL, 4, NULL, NULL, NULL};
  ffirt_event_type emptyname = {"", 4, NULL, NULL, NULL};
  assert_int_equal(ffirt_events_emit(NULL, &flat_type, &v), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_emit(ev, NULL, &v), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_emit(ev, &noname, &v), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_emit(ev, &emptyname, &v), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_emit(ev, &flat_type, NULL), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), 0);
  recorder_fini(&r);
}

/* ---- abi.md 4.3.1: add/remove from inside a callback, without deadlock */

typedef struct reentrant {
  ffirt_events *ev;
  uint64_t self;
  recorder *r;
  rec_ud added_ud;
  atomic_uint_fast64_t added;
  atomic_int calls;
  atomic_int rm1, rm2;         /* results of the two removes inside the callback */
  atomic_int calls_at_release; /* calls seen by the release callback */
} reentrant;

static void self_removing_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  reentrant *x = ud;
  atomic_fetch_add(&x->calls, 1);
  uint64_t id =
      ffirt_events_add(x->ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &x->added_ud, NULL);
  atomic_store(&x->added, id);
  /* remove itself: must neither wait for itself nor deadlock */
  atomic_store(&x->rm1, ffirt_events_remove(x->ev, x->self));
  atomic_store(&x->rm2, ffirt_events_remove(x->ev, x->self));
}

static atomic_int reentrant_released;
static void reentrant_release(void *ud) {
  reentrant *x = ud;
  atomic_store(&x->calls_at_release, atomic_load(&x->calls));
  atomic_fetch_add(&reentrant_released, 1);
}

static void listener_adds_and_removes_itself_inside_its_callback(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  reentrant x = {.r = &r, .added_ud = {&r, 7, 0}};
  atomic_init(&x.added, 0);
  atomic_init(&x.calls, 0);
  atomic_init(&x.rm1, 1);
  atomic_init(&x.rm2, 1);
  atomic_init(&x.calls_at_release, 0);
  atomic_store(&reentrant_released, 0);
  x.ev = make();
  x.self = ffirt_events_add(x.ev, "on_flat", FFIRT_LISTENER_NATIVE, self_removing_cb, &x,
                            reentrant_release);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(x.ev, &flat_type, &v), 0);
  v = 2;
  assert_int_equal(ffirt_events_emit(x.ev, &flat_type, &v), 0);
  /* event 2 reaches only the listener added during event 1 */
  assert_true(recorder_wait(&r, 1));
  sleep_ms(20);
  assert_int_equal(atomic_load(&x.calls), 1);
  assert_int_equal(atomic_load(&r.n), 1);
  int32_t got;
  memcpy(&got, r.e[0].bytes, 4);
  assert_int_equal(got, 2);
  assert_int_equal(atomic_load(&reentrant_released), 1);
  assert_int_equal(atomic_load(&x.rm1), 0);
  assert_int_equal(atomic_load(&x.rm2), FFIRT_ENOTFOUND);
  assert_int_equal(atomic_load(&x.calls_at_release), 1);
  assert_int_equal(ffirt_events_destroy(x.ev), 0);
  assert_int_equal(atomic_load(&reentrant_released), 1);
  recorder_fini(&r);
}

/* ---- abi.md 4.3.2: added during a delivery: not called for it; removed
 * before being reached: not called */

typedef struct remover {
  ffirt_events *ev;
  uint64_t victim;
  recorder *r;
  rec_ud new_ud;
  int done;
  atomic_int rm;
} remover;

static void remove_next_and_add_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  remover *x = ud;
  if (x->done++) return;
  atomic_store(&x->rm, ffirt_events_remove(x->ev, x->victim));
  ffirt_events_add(x->ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &x->new_ud, NULL);
  ffirt_events_add(x->ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &x->new_ud, NULL);
}

static void added_during_delivery_is_not_called_removed_before_reached_is_not(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud victim = {&r, 1, 0}, tail = {&r, 2, 0};
  remover x = {.r = &r, .new_ud = {&r, 3, 0}};
  atomic_init(&x.rm, 1);
  x.ev = make();
  ffirt_events_add(x.ev, "on_flat", FFIRT_LISTENER_NATIVE, remove_next_and_add_cb, &x, NULL);
  x.victim = ffirt_events_add(x.ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &victim, NULL);
  ffirt_events_add(x.ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &tail, NULL);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(x.ev, &flat_type, &v), 0);
  assert_true(recorder_wait(&r, 1));
  sleep_ms(20);
  /* event 1: only "tail" (victim removed before reached, new ones added during) */
  assert_int_equal(atomic_load(&r.n), 1);
  assert_int_equal(r.e[0].tag, 2);
  assert_int_equal(atomic_load(&x.rm), 0);
  v = 2;
  assert_int_equal(ffirt_events_emit(x.ev, &flat_type, &v), 0);
  assert_true(recorder_wait(&r, 4)); /* tail, new per-event, new wildcard */
  assert_int_equal(r.e[1].tag, 2);
  assert_int_equal(r.e[2].tag, 3);
  assert_int_equal(r.e[3].tag, 3);
  assert_int_equal(ffirt_events_destroy(x.ev), 0);
  recorder_fini(&r);
}

/* ---- abi.md 4.3.3: remove from another thread waits for a running
 * listener; its userData can be freed at once */

typedef struct slow {
  atomic_int entered;
  atomic_int finished;
  atomic_int calls;
} slow;

static void slow_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  slow *s = ud;
  atomic_fetch_add(&s->calls, 1);
  atomic_store(&s->entered, 1);
  sleep_ms(100);
  /* Writes the (heap) userData after the sleep: if remove returned while we
   * slept, the test has freed it and ASan reports a use after free. */
  atomic_store(&s->finished, 1);
}

static int slow_entered(void *p) { return atomic_load(&((slow *)p)->entered); }

static void remove_from_other_thread_waits_for_running_listener(void **state) {
  (void)state;
  ffirt_events *ev = make();
  slow *s = calloc(1, sizeof *s);
  uint64_t id = ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, slow_cb, s, NULL);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0); /* queued behind */
  assert_true(wait_for(slow_entered, s, 5000));
  assert_int_equal(ffirt_events_remove(ev, id), 0);
  assert_int_equal(atomic_load(&s->finished), 1); /* remove waited */
  assert_int_equal(atomic_load(&s->calls), 1);    /* and the queued one is skipped */
  free(s);
  sleep_ms(150); /* the second event is delivered now, to nobody */
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void remove_all_from_other_thread_waits_for_running_listener(void **state) {
  (void)state;
  ffirt_events *ev = make();
  slow *s = calloc(1, sizeof *s);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, slow_cb, s, NULL);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_true(wait_for(slow_entered, s, 5000));
  ffirt_events_remove_all(ev);
  assert_int_equal(atomic_load(&s->finished), 1);
  assert_int_equal(atomic_load(&s->calls), 1);
  free(s);
  sleep_ms(150);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

/* ---- abi.md 4.3.4 and the thread rules */

typedef struct on_thread_probe {
  ffirt_events *ev;
  atomic_int on_thread;
  atomic_int destroy_rc;
  atomic_int emit_rc;
  atomic_int calls;
} on_thread_probe;

static void on_thread_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  on_thread_probe *p = ud;
  if (atomic_fetch_add(&p->calls, 1)) return;
  atomic_store(&p->on_thread, ffirt_events_on_thread(p->ev));
  atomic_store(&p->destroy_rc, ffirt_events_destroy(p->ev));
  int32_t v = 2; /* emitting from a listener queues the event */
  atomic_store(&p->emit_rc, ffirt_events_emit(p->ev, &flat_type, &v));
}

static void destroy_from_the_event_thread_is_refused_and_emit_works_there(void **state) {
  (void)state;
  on_thread_probe p = {0};
  p.ev = make();
  atomic_store(&p.destroy_rc, 1);
  ffirt_events_add(p.ev, "on_flat", FFIRT_LISTENER_NATIVE, on_thread_cb, &p, NULL);
  assert_int_equal(ffirt_events_on_thread(p.ev), 0);
  assert_int_equal(ffirt_events_on_thread(NULL), 0);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(p.ev, &flat_type, &v), 0);
  count_arg a = {&p.calls, 2};
  assert_true(wait_for(reached, &a, 5000));
  assert_int_equal(atomic_load(&p.on_thread), 1);
  assert_int_equal(atomic_load(&p.destroy_rc), FFIRT_EDEADLK);
  assert_int_equal(atomic_load(&p.emit_rc), 0);
  assert_int_equal(ffirt_events_destroy(p.ev), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(native_listener_gets_a_copy_of_the_struct_with_its_size),
      cmocka_unit_test(cbor_listeners_get_the_envelope_bytes),
      cmocka_unit_test(a_large_envelope_is_delivered_whole),
      cmocka_unit_test(native_wildcard_gets_an_event_view),
      cmocka_unit_test(empty_payload_is_a_valid_pointer_of_length_zero_and_cbor_empty_map),
      cmocka_unit_test(per_event_listeners_run_before_wildcards_each_in_registration_order),
      cmocka_unit_test(events_of_one_thread_are_delivered_in_emit_order),
      cmocka_unit_test(each_form_is_built_once_for_all_its_listeners),
      cmocka_unit_test(nothing_is_built_for_a_kind_without_listeners),
      cmocka_unit_test(emit_rejects_bad_arguments),
      cmocka_unit_test(listener_adds_and_removes_itself_inside_its_callback),
      cmocka_unit_test(added_during_delivery_is_not_called_removed_before_reached_is_not),
      cmocka_unit_test(remove_from_other_thread_waits_for_running_listener),
      cmocka_unit_test(remove_all_from_other_thread_waits_for_running_listener),
      cmocka_unit_test(destroy_from_the_event_thread_is_refused_and_emit_works_there),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
