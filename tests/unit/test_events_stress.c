/*
 * test_events_stress.c - 4 threads add and remove listeners continuously
 * (freeing each userData the moment remove returns) while 2 threads emit at
 * full rate into a small queue, for about FFIRT_STRESS_MS (default 2000) ms.
 * Run under ThreadSanitizer by `make test`. Checks exact accounting:
 *  - accepted emits == deliveries to a permanent listener;
 *  - refused emits (FFIRT_EFULL) == ffirt_events_dropped() == the sum of
 *    the dropped_events reports;
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

static void concurrent_add_remove_and_emit_account_for_every_event(void **state) {
  (void)state;
  const char *env = getenv("FFIRT_STRESS_MS");
  long ms = env ? atol(env) : 2000;
  ffirt_events_config c = test_config();
  c.capacity = 64;
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
  fprintf(stderr, "stress: %ld accepted, %ld refused, %ld delivered, %ld adds\n",
          atomic_load(&accepted), atomic_load(&refused), atomic_load(&delivered),
          atomic_load(&adds));
  assert_true(atomic_load(&accepted) > 0);
  assert_true(atomic_load(&adds) > 0);
  assert_int_equal(atomic_load(&delivered), atomic_load(&accepted));
  assert_int_equal((long)dropped, atomic_load(&refused));
  assert_int_equal(atomic_load(&reported), atomic_load(&refused));
  assert_int_equal(atomic_load(&releases), atomic_load(&adds) + 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(concurrent_add_remove_and_emit_account_for_every_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
