/*
 * test_events_registry.c - the listener registry: ids, wildcard, duplicate
 * registration, remove / remove_all, counts, release callbacks, and every
 * allocation failure of create/add/emit/remove.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "unit/fault_alloc.h"
#include "unit/test_events_util.h"

static void noop_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len, (void)ud;
}

static atomic_int releases;
static void count_release(void *ud) {
  (void)ud;
  atomic_fetch_add(&releases, 1);
}

static ffirt_events *make(void) {
  ffirt_events_config c = test_config();
  ffirt_events *ev = NULL;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  assert_non_null(ev);
  return ev;
}

static void ids_start_at_one_and_increase_by_one(void **state) {
  (void)state;
  ffirt_events *ev = make();
  assert_int_equal(ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL), 1);
  assert_int_equal(ffirt_events_add(ev, "b", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL), 2);
  assert_int_equal(ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL), 3);
  assert_int_equal(ffirt_events_remove(ev, 2), 0);
  /* never reused */
  assert_int_equal(ffirt_events_add(ev, "b", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL), 4);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void null_callback_null_events_or_bad_kind_give_id_zero(void **state) {
  (void)state;
  ffirt_events *ev = make();
  assert_int_equal(ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, NULL, NULL, NULL), 0);
  assert_int_equal(ffirt_events_add(NULL, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL), 0);
  assert_int_equal(ffirt_events_add(ev, "a", (ffirt_listener_kind)7, noop_cb, NULL, NULL), 0);
  /* failures consume no id */
  assert_int_equal(ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL), 1);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void null_and_empty_name_register_a_wildcard(void **state) {
  (void)state;
  ffirt_events *ev = make();
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
  ffirt_events_add(ev, "", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
  ffirt_events_add(ev, "", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
  assert_int_equal(ffirt_events_count(ev, NULL, FFIRT_LISTENER_NATIVE), 2);
  assert_int_equal(ffirt_events_count(ev, "", FFIRT_LISTENER_CBOR), 1);
  /* wildcards reach every name */
  assert_int_equal(ffirt_events_count(ev, "anything", FFIRT_LISTENER_NATIVE), 2);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void counts_are_per_name_and_kind_plus_wildcards(void **state) {
  (void)state;
  ffirt_events *ev = make();
  ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
  ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
  uint64_t c = ffirt_events_add(ev, "a", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
  ffirt_events_add(ev, "b", FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, noop_cb, NULL, NULL);
  assert_int_equal(ffirt_events_count(ev, "a", FFIRT_LISTENER_NATIVE), 2);
  assert_int_equal(ffirt_events_count(ev, "a", FFIRT_LISTENER_CBOR), 2);
  assert_int_equal(ffirt_events_count(ev, "b", FFIRT_LISTENER_NATIVE), 0);
  assert_int_equal(ffirt_events_count(ev, "b", FFIRT_LISTENER_CBOR), 2);
  assert_int_equal(ffirt_events_count(ev, "zzz", FFIRT_LISTENER_CBOR), 1);
  assert_int_equal(ffirt_events_remove(ev, c), 0);
  assert_int_equal(ffirt_events_count(ev, "a", FFIRT_LISTENER_CBOR), 1);
  assert_int_equal(ffirt_events_count(NULL, "a", FFIRT_LISTENER_CBOR), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void many_names_grow_the_channel_table(void **state) {
  (void)state;
  ffirt_events *ev = make();
  char name[32];
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "event_%d", i);
    assert_int_equal(ffirt_events_add(ev, name, FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL),
                     (uint64_t)i + 1);
  }
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "event_%d", i);
    assert_int_equal(ffirt_events_count(ev, name, FFIRT_LISTENER_NATIVE), 1);
  }
  assert_int_equal(ffirt_events_count(ev, "event_300", FFIRT_LISTENER_NATIVE), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void same_callback_twice_is_two_listeners_each_called(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud u = {&r, 1, 0};
  ffirt_events *ev = make();
  uint64_t a = ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  uint64_t b = ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, rec_cb, &u, NULL);
  assert_true(a && b && a != b);
  int32_t v = 5;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_true(recorder_wait(&r, 2));
  assert_int_equal(ffirt_events_remove(ev, a), 0);
  v = 6;
  assert_int_equal(ffirt_events_emit(ev, &flat_type, &v), 0);
  assert_true(recorder_wait(&r, 3));
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), 3);
  recorder_fini(&r);
}

static void remove_twice_and_remove_unknown_report_not_found(void **state) {
  (void)state;
  ffirt_events *ev = make();
  uint64_t id = ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL);
  assert_int_equal(ffirt_events_remove(ev, id), 0);
  assert_int_equal(ffirt_events_remove(ev, id), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_remove(ev, 0), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_remove(ev, 12345), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_remove(NULL, 1), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

static void remove_all_keeps_the_id_counter_and_releases_each_once(void **state) {
  (void)state;
  atomic_store(&releases, 0);
  ffirt_events *ev = make();
  ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, count_release);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, noop_cb, NULL, count_release);
  ffirt_events_add(ev, "b", FFIRT_LISTENER_CBOR, noop_cb, NULL, count_release);
  ffirt_events_remove_all(ev);
  assert_int_equal(atomic_load(&releases), 3);
  assert_int_equal(ffirt_events_count(ev, "a", FFIRT_LISTENER_NATIVE), 0);
  assert_int_equal(ffirt_events_count(ev, "b", FFIRT_LISTENER_CBOR), 0);
  assert_int_equal(ffirt_events_remove(ev, 1), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, NULL, NULL), 4);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&releases), 3);
}

typedef struct release_probe {
  atomic_int calls;
} release_probe;
static void probe_release(void *ud) { atomic_fetch_add(&((release_probe *)ud)->calls, 1); }

static void release_runs_once_on_remove_once_on_destroy_never_twice(void **state) {
  (void)state;
  release_probe p1, p2, p3;
  atomic_init(&p1.calls, 0);
  atomic_init(&p2.calls, 0);
  atomic_init(&p3.calls, 0);
  ffirt_events *ev = make();
  uint64_t a = ffirt_events_add(ev, "a", FFIRT_LISTENER_NATIVE, noop_cb, &p1, probe_release);
  ffirt_events_add(ev, "a", FFIRT_LISTENER_CBOR, noop_cb, &p2, probe_release);
  ffirt_events_add(ev, NULL, FFIRT_LISTENER_NATIVE, noop_cb, &p3, probe_release);
  assert_int_equal(ffirt_events_remove(ev, a), 0);
  assert_int_equal(atomic_load(&p1.calls), 1); /* ran before remove returned */
  assert_int_equal(atomic_load(&p2.calls), 0);
  assert_int_equal(ffirt_events_remove(ev, a), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&p1.calls), 1);
  assert_int_equal(atomic_load(&p2.calls), 1);
  assert_int_equal(atomic_load(&p3.calls), 1);
}

static void create_rejects_bad_config(void **state) {
  (void)state;
  ffirt_events_config c = test_config();
  ffirt_events *ev = (ffirt_events *)&c;
  c.capacity = 0;
  assert_int_equal(ffirt_events_create(&c, &ev), FFIRT_EINVAL);
  assert_null(ev);
  c = test_config();
  c.overflow = (ffirt_overflow)9;
  assert_int_equal(ffirt_events_create(&c, &ev), FFIRT_EINVAL);
  c = test_config();
  c.on_destroy = (ffirt_on_destroy)9;
  assert_int_equal(ffirt_events_create(&c, &ev), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_create(&c, NULL), FFIRT_EINVAL);
  assert_int_equal(ffirt_events_destroy(NULL), FFIRT_EINVAL);
  /* NULL cfg = defaults */
  assert_int_equal(ffirt_events_create(NULL, &ev), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
}

/*
 * Every allocation of create, add (new channel, table growth, arrays, the
 * id index), emit (deep copy, envelope) and remove (new array) fails once in
 * turn; each failure is reported, nothing leaks, and the registry stays
 * usable. A remove whose array cannot be rebuilt still removes (the
 * listener is never called again and is released exactly once).
 */
static void every_allocation_failure_is_reported_and_leaks_nothing(void **state) {
  (void)state;
  int saw_add_fail = 0, saw_emit_fail = 0, saw_create_fail = 0;
  for (long n = 1;; n++) {
    recorder r;
    recorder_init(&r);
    rec_ud u = {&r, 1, 0}, w = {&r, 2, 0}, u3 = {&r, 3, 0};
    atomic_store(&releases, 0);
    msg_counters_reset();
    fault_alloc_install(n);
    ffirt_events_config c = test_config();
    ffirt_events *ev = NULL;
    int rc = ffirt_events_create(&c, &ev);
    if (rc) {
      assert_int_equal(rc, FFIRT_ENOMEM);
      assert_null(ev);
      saw_create_fail = 1;
    } else {
      uint64_t a = ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u, count_release);
      uint64_t b = ffirt_events_add(ev, NULL, FFIRT_LISTENER_CBOR, rec_cb, &w, NULL);
      /* a second one on the channel: removing a then needs a new array */
      uint64_t a3 = ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &u3, NULL);
      if (!a || !b || !a3) saw_add_fail = 1;
      test_msg m = {"hello", 7};
      int erc = ffirt_events_emit(ev, &msg_type, &m);
      if (erc == FFIRT_ENOMEM)
        saw_emit_fail = 1;
      else
        assert_int_equal(erc, 0);
      int expect = erc == 0 ? (a != 0) + (b != 0) + (a3 != 0) : 0;
      assert_true(recorder_wait(&r, expect));
      if (a) {
        assert_int_equal(ffirt_events_remove(ev, a), 0);
        assert_int_equal(atomic_load(&releases), 1);
        int before = atomic_load(&r.n);
        test_msg m2 = {"again", 8};
        erc = ffirt_events_emit(ev, &msg_type, &m2);
        if (erc == 0) assert_true(recorder_wait(&r, before + (b != 0) + (a3 != 0)));
        sleep_ms(5);
        for (int i = before; i < atomic_load(&r.n); i++)
          assert_int_not_equal(r.e[i].tag, 1);
      }
      assert_int_equal(ffirt_events_destroy(ev), 0);
      assert_int_equal(atomic_load(&releases), a ? 1 : 0);
      assert_int_equal(atomic_load(&msg_copies), atomic_load(&msg_frees));
    }
    assert_int_equal(fault_alloc_live(), 0);
    int failed = fault_alloc_failed();
    fault_alloc_uninstall();
    recorder_fini(&r);
    if (!failed) break;
  }
  assert_true(saw_create_fail);
  assert_true(saw_add_fail);
  assert_true(saw_emit_fail);
}

/* Builds: create, listeners a and b on "on_msg". Returns the allocations. */
static long setup_two(ffirt_events **ev, rec_ud *ua, rec_ud *ub) {
  ffirt_events_config c = test_config();
  assert_int_equal(ffirt_events_create(&c, ev), 0);
  assert_int_equal(
      ffirt_events_add(*ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, ua, count_release), 1);
  assert_int_equal(ffirt_events_add(*ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, ub, NULL), 2);
  return fault_alloc_calls();
}

/*
 * A remove whose smaller array cannot be allocated still removes: the
 * listener stays in the published array, flagged removed and never called,
 * is released at once, and is freed when a later add rebuilds the array.
 */
static void remove_without_memory_still_removes_and_the_listener_is_never_called(void **state) {
  (void)state;
  recorder r;
  recorder_init(&r);
  rec_ud ua = {&r, 1, 0}, ub = {&r, 2, 0}, uc = {&r, 3, 0};
  ffirt_events *ev;
  fault_alloc_install(0);
  long k = setup_two(&ev, &ua, &ub);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  fault_alloc_uninstall();

  atomic_store(&releases, 0);
  fault_alloc_install(k + 1); /* the allocation after setup: remove's new array */
  setup_two(&ev, &ua, &ub);
  assert_int_equal(ffirt_events_remove(ev, 1), 0);
  assert_true(fault_alloc_failed());
  assert_int_equal(atomic_load(&releases), 1);
  assert_int_equal(ffirt_events_remove(ev, 1), FFIRT_ENOTFOUND);
  assert_int_equal(ffirt_events_count(ev, "on_msg", FFIRT_LISTENER_NATIVE), 1);
  test_msg m = {"z", 1};
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 1));
  /* a rebuild of the channel drops it */
  assert_int_not_equal(ffirt_events_add(ev, "on_msg", FFIRT_LISTENER_NATIVE, rec_cb, &uc, NULL), 0);
  m.n = 2;
  assert_int_equal(ffirt_events_emit(ev, &msg_type, &m), 0);
  assert_true(recorder_wait(&r, 3));
  assert_int_equal(ffirt_events_destroy(ev), 0);
  assert_int_equal(atomic_load(&r.n), 3);
  int want[] = {2, 2, 3};
  for (int i = 0; i < 3; i++)
    assert_int_equal(r.e[i].tag, want[i]);
  assert_int_equal(atomic_load(&releases), 1);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
  recorder_fini(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ids_start_at_one_and_increase_by_one),
      cmocka_unit_test(null_callback_null_events_or_bad_kind_give_id_zero),
      cmocka_unit_test(null_and_empty_name_register_a_wildcard),
      cmocka_unit_test(counts_are_per_name_and_kind_plus_wildcards),
      cmocka_unit_test(many_names_grow_the_channel_table),
      cmocka_unit_test(same_callback_twice_is_two_listeners_each_called),
      cmocka_unit_test(remove_twice_and_remove_unknown_report_not_found),
      cmocka_unit_test(remove_all_keeps_the_id_counter_and_releases_each_once),
      cmocka_unit_test(release_runs_once_on_remove_once_on_destroy_never_twice),
      cmocka_unit_test(create_rejects_bad_config),
      cmocka_unit_test(every_allocation_failure_is_reported_and_leaks_nothing),
      cmocka_unit_test(remove_without_memory_still_removes_and_the_listener_is_never_called),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
