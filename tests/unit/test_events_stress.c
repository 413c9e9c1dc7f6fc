/*
 * test_events_stress.c - 4 threads add and remove listeners continuously
 * (freeing each userData the moment remove returns) while 2 threads emit at
 * full rate into a small queue, once per overflow policy (64 cells, then
 * 1, 2, 3 and 5 cells), for about FFIRT_STRESS_MS (default 2400) ms in
 * total. Run under ThreadSanitizer by
 * `make test`. Checks exact accounting:
 *  - emitted (accepted + refused) == delivered to a permanent listener +
 *    ffirt_events_dropped() (drop-oldest drops accepted events);
 *  - dropped == the sum of the dropped_events reports;
 *  - drop newest / block: refused == dropped; drop oldest: almost never
 *    refused (only its 100 ms fallback);
 *  - every listener is released exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "unit/test_events_util.h"

static atomic_int stop_flag;
static atomic_long accepted, refused, delivered, reported, releases, adds;

typedef struct probe {
  atomic_long calls;
  long pad[4];
} probe;

static void probe_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  atomic_fetch_add(&((probe *)ud)->calls, 1); /* a UAF if ud was freed too early */
}

static void count_release(void *ud) {
  (void)ud;
  atomic_fetch_add(&releases, 1);
}

static void permanent_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)ud;
  if (len == sizeof(int32_t)) atomic_fetch_add(&delivered, 1);
}

static void report_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)ud;
  uint64_t n;
  if (len == sizeof n) {
    memcpy(&n, msg, sizeof n);
    atomic_fetch_add(&reported, (long)n);
  }
}

typedef struct churn {
  ffirt_events *ev;
  unsigned rnd;
} churn;

static void *churn_main(void *p) {
  churn *c = p;
  uint64_t ids[8] = {0};
  probe *uds[8] = {0};
  while (!atomic_load(&stop_flag)) {
    c->rnd = c->rnd * 1103515245u + 12345u;
    int slot = (int)((c->rnd >> 8) % 8);
    if (ids[slot]) {
      if (ffirt_events_remove(c->ev, ids[slot]) != 0) abort();
      free(uds[slot]); /* allowed at once (abi.md 4.3.3) */
      uds[slot] = NULL;
      ids[slot] = 0;
    } else {
      uds[slot] = calloc(1, sizeof(probe));
      int k = (int)((c->rnd >> 12) % 3);
      const char *name = k == 0 ? NULL : k == 1 ? "on_flat" : "on_other";
      ffirt_listener_kind kind = (c->rnd >> 16) & 1 ? FFIRT_LISTENER_CBOR : FFIRT_LISTENER_NATIVE;
      ids[slot] = ffirt_events_add(c->ev, name, kind, probe_cb, uds[slot], count_release);
      if (!ids[slot]) abort();
      atomic_fetch_add(&adds, 1);
    }
  }
  for (int i = 0; i < 8; i++) {
    if (ids[i] && ffirt_events_remove(c->ev, ids[i]) != 0) abort();
    free(uds[i]);
  }
  return NULL;
}

static void *emit_main(void *p) {
  ffirt_events *ev = p;
  int32_t v = 0;
  while (!atomic_load(&stop_flag)) {
    int rc = ffirt_events_emit(ev, &flat_type, &v);
    if (rc == 0)
      atomic_fetch_add(&accepted, 1);
    else if (rc == FFIRT_EFULL)
      atomic_fetch_add(&refused, 1);
    else
      abort();
    v++;
  }
  return NULL;
}

static void run(ffirt_overflow policy, size_t capacity, long ms) {
  atomic_store(&stop_flag, 0);
  atomic_store(&accepted, 0);
  atomic_store(&refused, 0);
  atomic_store(&delivered, 0);
  atomic_store(&reported, 0);
  atomic_store(&releases, 0);
  atomic_store(&adds, 0);
  ffirt_events_config c = test_config();
  c.capacity = capacity;
  c.overflow = policy;
  c.block_timeout_ms = 1;
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  ffirt_events_add(ev, "on_flat", FFIRT_LISTENER_NATIVE, permanent_cb, NULL, count_release);
  ffirt_events_add(ev, "dropped_events", FFIRT_LISTENER_NATIVE, report_cb, NULL, count_release);
  pthread_t ct[4], et[2];
  churn cs[4];
  for (int i = 0; i < 4; i++) {
    cs[i] = (churn){ev, (unsigned)i * 7919u + 1u};
    pthread_create(&ct[i], NULL, churn_main, &cs[i]);
  }
  for (int i = 0; i < 2; i++)
    pthread_create(&et[i], NULL, emit_main, ev);
  sleep_ms(ms);
  atomic_store(&stop_flag, 1);
  for (int i = 0; i < 2; i++)
    pthread_join(et[i], NULL);
  for (int i = 0; i < 4; i++)
    pthread_join(ct[i], NULL);
  uint64_t dropped = ffirt_events_dropped(ev);
  assert_int_equal(ffirt_events_destroy(ev), 0); /* delivers the rest and the last report */
  fprintf(stderr,
          "stress policy %d capacity %zu: %ld accepted, %ld refused, %ld delivered, %lu dropped, "
          "%ld adds\n",
          (int)policy, capacity, atomic_load(&accepted), atomic_load(&refused),
          atomic_load(&delivered), (unsigned long)dropped, atomic_load(&adds));
  assert_true(atomic_load(&accepted) > 0);
  assert_true(atomic_load(&adds) > 0);
  assert_int_equal(atomic_load(&accepted) + atomic_load(&refused),
                   atomic_load(&delivered) + (long)dropped);
  assert_int_equal(atomic_load(&reported), (long)dropped);
  if (policy == FFIRT_OVERFLOW_DROP_OLDEST)
    /* refused only as the documented fallback when a thread holding the
     * cell at tail stays descheduled for 100 ms (seen under loaded TSan) */
    assert_true(atomic_load(&refused) * (capacity < 8 ? 10 : 1000) <= atomic_load(&accepted));
  else
    assert_int_equal(atomic_load(&refused), (long)dropped);
  assert_int_equal(atomic_load(&releases), atomic_load(&adds) + 2);
}

static long stress_ms(void) {
  const char *env = getenv("FFIRT_STRESS_MS");
  return env ? atol(env) : 2400;
}

static void drop_newest_under_churn_accounts_for_every_event(void **state) {
  (void)state;
  run(FFIRT_OVERFLOW_DROP_NEWEST, 64, stress_ms() / 4);
}

static void drop_oldest_under_churn_accounts_for_every_event(void **state) {
  (void)state;
  run(FFIRT_OVERFLOW_DROP_OLDEST, 64, stress_ms() / 4);
}

static void block_under_churn_accounts_for_every_event(void **state) {
  (void)state;
  run(FFIRT_OVERFLOW_BLOCK, 64, stress_ms() / 4);
}

/* Every policy on rings of 1, 2, 3 and 5 cells. */
static void small_rings_under_churn_account_for_every_event(void **state) {
  (void)state;
  static const size_t caps[] = {1, 2, 3, 5};
  for (size_t i = 0; i < 4; i++)
    for (int p = 0; p <= FFIRT_OVERFLOW_BLOCK; p++)
      run((ffirt_overflow)p, caps[i], stress_ms() / 48);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(drop_newest_under_churn_accounts_for_every_event),
      cmocka_unit_test(drop_oldest_under_churn_accounts_for_every_event),
      cmocka_unit_test(block_under_churn_accounts_for_every_event),
      cmocka_unit_test(small_rings_under_churn_account_for_every_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
