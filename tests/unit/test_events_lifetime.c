/*
 * test_events_lifetime.c - queue capacities, listener lifetimes and what the
 * registry keeps (issue 9):
 *  - every capacity works, including 1 and non-powers of two;
 *  - drop-oldest drops only from a full queue;
 *  - add/remove under a blocked listener costs O(1) and keeps bounded
 *    garbage; names nobody listens to any more do not grow memory;
 *  - a second remover of a detaching listener waits like the first;
 *  - a listener added between an emit and its delivery gets the event;
 *  - the event hooks' error codes reach the emitter, CBOR listeners of an
 *    event that could not be built get RET_ERR, and a pre-encoded CBOR
 *    payload can be emitted by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "events/events_internal.h"
#include "unit/fault_alloc.h"
#include "unit/test_events_util.h"

static void noop_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len, (void)ud;
}

/* ---- item 1: capacities 1, 2, 3, 5 */

static void every_capacity_delivers_back_to_back_emits_and_destroys(void **state) {
  (void)state;
  static const size_t caps[] = {1, 2, 3, 5};
  for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
    size_t cap = caps[k];
    for (int policy = 0; policy <= FFIRT_OVERFLOW_BLOCK; policy++) {
      recorder r;
      recorder_init(&r);
      rec_ud u = {&r, 1, 0};
      ffirt_events_config c = test_config();
      c.capacity = cap;
      c.overflow = (ffirt_overflow)policy;
      c.block_timeout_ms = 2000;
      ffirt_events *ev;
      assert_int_equal(ffirt_events_create(&c, &ev), 0);
      ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
      msg_counters_reset();
      for (int i = 0; i < 40; i++) {
        test_msg m = {"x", i};
        int rc = ffirt_events_emit(ev, &msg_type, &m);
        assert_true(rc == 0 || rc == FFIRT_EFULL);
      }
      uint64_t dropped = ffirt_events_dropped(ev);
      assert_int_equal(ffirt_events_destroy(ev), 0); /* bounded: the queue is consistent */
      /* every event is delivered or counted as dropped, exactly once */
      assert_int_equal(atomic_load(&r.n) + (int)dropped, 40);
      assert_int_equal(atomic_load(&msg_copies), atomic_load(&msg_frees));
      /* delivered in order, no duplicate, no corruption */
      int64_t last = -1;
      for (int i = 0; i < atomic_load(&r.n); i++) {
        test_msg m;
        memcpy(&m, r.e[i].bytes, sizeof m);
        assert_true(m.n > last);
        last = m.n;
      }
      if (policy == FFIRT_OVERFLOW_BLOCK) assert_int_equal(atomic_load(&r.n), 40);
      recorder_fini(&r);
    }
  }
}

/* ---- item 9: drop-oldest with room made between the check and the steal */

static gate g_second;
static void block_on_one_cb(int ret, const char *msg, size_t len, void *ud) {
  rec_cb(ret, msg, len, ud);
  int32_t v;
  memcpy(&v, msg, sizeof v);
  if (v == 1) gate_cb(ret, msg, len, &g_second);
}

static gate g_first;
static recorder *g_hook_rec;
static int hook_seen_two(void *p) {
  (void)p;
  return atomic_load(&g_hook_rec->n) >= 2;
}
static void make_room_hook(ffirt_events *ev) {
  (void)ev;
  static int once;
  if (once++) return;
  gate_open(&g_first); /* the event thread moves event 1 out and blocks in it */
  assert_true(wait_for(hook_seen_two, NULL, 5000));
}

static void drop_oldest_never_drops_when_room_was_made(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  g_hook_rec = &r;
  gate_init(&g_first);
  gate_init(&g_second);
  rec_ud u = {&r, 1, 0};
  ffirt_events_config c = test_config();
  c.capacity = 2;
  c.overflow = FFIRT_OVERFLOW_DROP_OLDEST;
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, gate_cb, &g_first, NULL);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, block_on_one_cb, &u, NULL);
  for (int32_t i = 0; i < 3; i++) {
    assert_int_equal(ffirt_events_emit(ev, &flat_type, &i), 0);
    if (i == 0) assert_true(wait_for(gate_entered, &g_first, 5000));
  }
  /* queue: 1, 2 (full). The hook makes room (1 is taken) before the steal. */
  ffirt__events_test_hook = make_room_hook;
  int32_t three = 3;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &three), 0);
  ffirt__events_test_hook = NULL;
  assert_int_equal(ffirt_events_dropped(ev), 0);
  gate_open(&g_second);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), 4);
  for (int i = 0; i < 4; i++) {
    int32_t v;
    memcpy(&v, r.e[i].bytes, sizeof v);
    assert_int_equal(v, i);
  }
  gate_fini(&g_first);
  gate_fini(&g_second);
  recorder_fini(&r);
}

/* ---- item 3: add/remove under a blocked listener */

static void add_remove_under_a_blocked_listener_is_linear_and_bounded(void **state) {
  (void)state;
  gate g;
  gate_init(&g);
  fault_alloc_install(0);
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, gate_cb, &g, NULL);
  int32_t v = 0;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_true(wait_for(gate_entered, &g, 5000));
  long live0 = fault_alloc_live();
  uint64_t t0 = now_ms();
  long worst = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t id = ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
    assert_true(id != 0);
    assert_int_equal(ffirt_events_remove(ev, id), 0);
    long extra = fault_alloc_live() - live0;
    if (extra > worst) worst = extra;
  }
  uint64_t ms = now_ms() - t0;
  fprintf(stderr, "20000 add/remove pairs under a blocked listener: %lu ms, garbage <= %ld\n",
          (unsigned long)ms, worst);
  assert_true(worst <= 8);
  assert_true(ms < 5000);
  gate_open(&g);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  gate_fini(&g);
}

/* ---- item 10: names nobody listens to any more */

static void unknown_names_do_not_grow_memory_without_bound(void **state) {
  (void)state;
  fault_alloc_install(0);
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  long live0 = fault_alloc_live();
  long worst = 0;
  char name[32];
  for (int i = 0; i < 200000; i++) {
    snprintf(name, sizeof name, "on_typo_%d", i);
    uint64_t id = ffirt_events_add(ev, name, FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
    if (id) assert_int_equal(ffirt_events_remove(ev, id), 0);
    long extra = fault_alloc_live() - live0;
    if (extra > worst) worst = extra;
  }
  fprintf(stderr, "200000 add/remove pairs on new names: at most %ld blocks kept\n", worst);
  assert_true(worst <= 2 * FFIRT__EV_MAX_CHANNELS + 64);
  /* the wildcard and names that already have a channel still work */
  assert_int_not_equal(ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL), 0);
  assert_int_not_equal(ffirt_events_add(ev, "on_typo_1", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL),
                       0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

/* ---- item 5: a second remover waits */

typedef struct self_remover {
  ffirt_events *ev;
  uint64_t id;
  gate g;
  atomic_int returned;
  atomic_int self_rc;
} self_remover;

static void remove_self_then_block(int ret, const char *msg, size_t len, void *ud) {
  self_remover *s = ud;
  atomic_store(&s->self_rc, ffirt_events_remove(s->ev, s->id));
  gate_cb(ret, msg, len, &s->g); /* entered, then blocks */
  sleep_ms(20);
  atomic_store(&s->returned, 1);
}

static void *open_later(void *p) {
  sleep_ms(150);
  gate_open(p);
  return NULL;
}

static void a_second_remover_waits_for_the_running_listener(void **state) {
  (void)state;
  self_remover s = {0};
  gate_init(&s.g);
  ffirt_events_config c = test_config();
  assert_int_equal(ffirt_events_create(&c, &s.ev), 0);
  s.id = ffirt_events_add(s.ev, "on_flat", FFIRT_LISTENER_NATIVE, remove_self_then_block, &s, NULL);
  int32_t v = 0;
  assert_int_equal(ffirt_events_emit(s.ev, &flat_type, &v), 0);
  assert_true(wait_for(gate_entered, &s.g, 5000));
  assert_int_equal(atomic_load(&s.self_rc), 0);
  pthread_t t;
  pthread_create(&t, NULL, open_later, &s.g);
  int rc = ffirt_events_remove(s.ev, s.id);
  /* it returned only once the callback had returned */
  assert_int_equal(atomic_load(&s.returned), 1);
  assert_int_equal(rc, FFIRT_ENOTFOUND);
  pthread_join(t, NULL);
  assert_int_equal(ffirt_events_destroy(s.ev), 0);
  gate_fini(&s.g);
}

/* ---- item 7: late channel */

static void a_listener_added_before_delivery_gets_the_event_of_a_new_name(void **state) {
  (void)state;
  gate g;
  gate_init(&g);
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  /* a native wildcard: the gate, so native payloads are built */
  uint64_t gid = ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, gate_cb, &g, NULL);
  int32_t v = 7;
  assert_int_equal(ffirt_events_emit(ev, &other_type, &v), 0);
  assert_true(wait_for(gate_entered, &g, 5000));
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0); /* "on_flat": no channel yet */
  assert_int_not_equal(ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL), 0);
  gate_open(&g);
  assert_true(recorder_wait(&r, 1));
  assert_int_equal(r.e[0].len, sizeof v);
  assert_int_equal(ffirt_events_remove(ev, gid), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  gate_fini(&g);
  recorder_fini(&r);
}

/* ---- item 12 and build failures */

static int bad_copy(void *dst, const void *src) {
  (void)dst, (void)src;
  return FFIRT_ERANGE;
}
static int bad_encode(ffirt_cbor_enc *e, const void *p) {
  (void)e, (void)p;
  return FFIRT_ERANGE;
}
static const ffirt_event_type bad_copy_type = {"on_bad", sizeof(int32_t), bad_copy, NULL,
                                               flat_encode};
static const ffirt_event_type bad_encode_type = {"on_bad", sizeof(int32_t), NULL, NULL, bad_encode};

static void hook_errors_reach_the_emitter_unchanged(void **state) {
  (void)state;
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  uint64_t id = ffirt_events_add(ev, "on_bad", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(ev, &bad_copy_type, &v), FFIRT_ERANGE);
  assert_int_equal(ffirt_events_remove(ev, id), 0);
  ffirt_events_add(ev, "on_bad", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
  assert_int_equal(ffirt_events_emit(ev, &bad_encode_type, &v), FFIRT_ERANGE);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void cbor_listeners_get_ret_err_once_when_an_event_cannot_be_built(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud a = {&r, 1, 0}, w = {&r, 2, 0}, n = {&r, 3, 0};
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_bad", FFIRT_LISTENER_CBOR, rec_cb, &a, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &w, NULL);
  ffirt_events_add(ev, "on_bad", FFIRT_LISTENER_NATIVE, rec_cb, &n, NULL);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(ev, &bad_encode_type, &v), FFIRT_ERANGE);
  assert_true(recorder_wait(&r, 2));
  sleep_ms(20);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), 2); /* not the native listener: nothing to give it */
  for (int i = 0; i < 2; i++) {
    assert_int_equal(r.e[i].tag, i + 1);
    assert_int_equal(r.e[i].ret, RET_ERR);
    r.e[i].bytes[r.e[i].len < 255 ? r.e[i].len : 255] = 0;
    assert_non_null(strstr((const char *)r.e[i].bytes, "on_bad"));
    assert_true(ffirt_utf8_valid(r.e[i].bytes, r.e[i].len));
  }
  recorder_fini(&r);
}

static void failed_builds_are_counted(void **state) {
  (void)state;
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_bad", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
  int32_t v = 1;
  assert_int_equal(ffirt_events_emit(ev, &bad_encode_type, &v), FFIRT_ERANGE);
  assert_int_equal(ffirt_events_emit(ev, &bad_encode_type, &v), FFIRT_ERANGE);
  assert_int_equal(ffirt_events_failed(ev), 2);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

/* ---- emit by name with a pre-encoded payload */

static void emit_cbor_reaches_cbor_listeners_of_the_name_and_wildcards(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud a = {&r, 1, 0}, w = {&r, 2, 0}, n = {&r, 3, 0}, nw = {&r, 4, 1};
  ffirt_events_config c = test_config();
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_fwd", FFIRT_LISTENER_CBOR, rec_cb, &a, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &w, NULL);
  ffirt_events_add(ev, "on_fwd", FFIRT_LISTENER_NATIVE, rec_cb, &n, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, rec_cb, &nw, NULL);
  static const uint8_t payload[] = {0xa1, 0x61, 'n', 0x05}; /* {"n": 5} */
  static const uint8_t want[] = {0xa2, 0x69, 'e', 'v', 'e', 'n', 't',  'T',  'y',  'p',
                                 'e',  0x66, 'o', 'n', '_', 'f', 'w',  'd',  0x67, 'p',
                                 'a',  'y',  'l', 'o', 'a', 'd', 0xa1, 0x61, 'n',  0x05};
  assert_int_equal(ffirt_events_emit_cbor(ev, "on_fwd", payload, sizeof payload), 0);
  assert_true(recorder_wait(&r, 2));
  sleep_ms(20);
  /* bad input is refused with FFIRT_EINVAL */
  static const uint8_t truncated[] = {0xa1, 0x61};
  assert_int_equal(ffirt_events_emit_cbor(ev, "on_fwd", truncated, sizeof truncated), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_emit_cbor(ev, "", payload, sizeof payload), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_emit_cbor(ev, "on_fwd", NULL, 1), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), 2); /* native listeners get nothing */
  for (int i = 0; i < 2; i++) {
    assert_int_equal(r.e[i].tag, i + 1);
    assert_int_equal(r.e[i].ret, RET_OK);
    assert_int_equal(r.e[i].len, sizeof want);
    assert_memory_equal(r.e[i].bytes, want, sizeof want);
  }
  recorder_fini(&r);
}

int main(int argc, char **argv) {
  if (argc > 1) cmocka_set_test_filter(argv[1]); /* run one test by name */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_capacity_delivers_back_to_back_emits_and_destroys),
      cmocka_unit_test(drop_oldest_never_drops_when_room_was_made),
      cmocka_unit_test(add_remove_under_a_blocked_listener_is_linear_and_bounded),
      cmocka_unit_test(unknown_names_do_not_grow_memory_without_bound),
      cmocka_unit_test(a_second_remover_waits_for_the_running_listener),
      cmocka_unit_test(a_listener_added_before_delivery_gets_the_event_of_a_new_name),
      cmocka_unit_test(hook_errors_reach_the_emitter_unchanged),
      cmocka_unit_test(cbor_listeners_get_ret_err_once_when_an_event_cannot_be_built),
      cmocka_unit_test(failed_builds_are_counted),
      cmocka_unit_test(emit_cbor_reaches_cbor_listeners_of_the_name_and_wildcards),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
