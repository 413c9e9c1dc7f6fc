/*
 * test_ctx_race.c - exactly-once under races (TSan runs it): 8 threads keep
 * calling a context (synchronous and asynchronous handlers) while another
 * thread destroys it; every call gets exactly one terminal callback, either
 * a normal answer or RET_ERR, and nothing crashes, hangs or leaks. Also
 * concurrent create/destroy of many contexts from several threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "context/handle.h"
#include "unit/ctx_test_util.h"

enum { CALLERS = 8, ROUNDS = 20, MAX_CALLS = 200000 };

/* One counter per submitted call: how many terminal callbacks it got. */
typedef struct slot_count {
  atomic_int terminal;
  atomic_int entry_error;
} slot_count;

static slot_count *g_counts;
static atomic_int g_next;

static void race_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  if (ret == RET_STALE_WARN) return;
  atomic_fetch_add(&((slot_count *)ud)->terminal, 1);
}

typedef struct caller {
  void *h;
  atomic_int *stop;
  int accepted, refused;
} caller;

static void *call_loop(void *p) {
  caller *c = p;
  for (int i = 0; !atomic_load(c->stop) || i < 10; i++) {
    int k = atomic_fetch_add(&g_next, 1);
    if (k >= MAX_CALLS) break;
    slot_count *s = &g_counts[k];
    const ffirt_call_desc *d = (i % 3 == 0) ? &d_async : &d_echo;
    int rc = ffirt_call_submit(&lib_timer, c->h, d, targs_new(i % 7, i), race_cb, s);
    if (rc == RET_OK) {
      c->accepted++;
    } else {
      c->refused++;
      atomic_fetch_add(&s->entry_error, 1);
      if (atomic_load(c->stop)) break; /* destroyed: no point going on */
    }
  }
  return NULL;
}

static void calls_racing_destroy_get_exactly_one_answer(void **state) {
  (void)state;
  g_counts = calloc(MAX_CALLS, sizeof *g_counts);
  /* warm up: sanitizer runtimes start helper threads lazily */
  ffirt_ctx_destroy(&lib_timer, make_ctx(&lib_timer, 0));
  int threads_before = count_threads();
  int made0 = atomic_load(&g_args_made), freed0 = atomic_load(&g_args_freed);
  long accepted = 0, refused = 0;
  for (int round = 0; round < ROUNDS; round++) {
    atomic_store(&g_next, 0);
    memset(g_counts, 0, MAX_CALLS * sizeof *g_counts);
    void *h = make_ctx(&lib_timer, round);
    ffirt_ctx_set_destroy_timeouts(&lib_timer, h, 5, 1000);
    atomic_int stop = 0;
    pthread_t t[CALLERS];
    caller c[CALLERS];
    for (int i = 0; i < CALLERS; i++) {
      c[i] = (caller){h, &stop, 0, 0};
      pthread_create(&t[i], NULL, call_loop, &c[i]);
    }
    sleep_ms(1 + round % 5);
    atomic_store(&stop, 1);
    assert_int_equal(ffirt_ctx_destroy(&lib_timer, h), 0);
    for (int i = 0; i < CALLERS; i++) {
      pthread_join(t[i], NULL);
      accepted += c[i].accepted;
      refused += c[i].refused;
    }
    int n = atomic_load(&g_next);
    if (n > MAX_CALLS) n = MAX_CALLS;
    for (int k = 0; k < n; k++) {
      int total = atomic_load(&g_counts[k].terminal);
      if (total != 1) fail_msg("round %d call %d got %d terminal callbacks", round, k, total);
    }
  }
  /* the race really happened: calls were both accepted and refused */
  assert_true(accepted > 0);
  assert_true(refused > 0);
  assert_int_equal(atomic_load(&g_args_made) - made0, atomic_load(&g_args_freed) - freed0);
  assert_int_equal(settle_threads(threads_before), threads_before);
  free(g_counts);
}

typedef struct churner {
  int n;
  int failures;
} churner;

static void *churn(void *p) {
  churner *c = p;
  for (int i = 0; i < c->n; i++) {
    void *h = make_ctx(i % 2 ? &lib_timer : &lib_echo, i);
    recorder r;
    rec_init(&r);
    ffirt_call_submit(i % 2 ? &lib_timer : &lib_echo, h, &d_echo, targs_new(0, i), rec_cb, &r);
    if (ffirt_ctx_destroy(i % 2 ? &lib_timer : &lib_echo, h) != 0) c->failures++;
    if (r.n != 1) c->failures++;
    rec_destroy(&r);
  }
  return NULL;
}

static void concurrent_creates_and_destroys_from_several_threads(void **state) {
  (void)state;
  size_t live = ffirt__handle_live();
  pthread_t t[4];
  churner c[4];
  for (int i = 0; i < 4; i++) {
    c[i] = (churner){200, 0};
    pthread_create(&t[i], NULL, churn, &c[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(c[i].failures, 0);
  }
  assert_int_equal(ffirt__handle_live(), live);
}

/* Two threads destroy the same context: exactly one wins. */
typedef struct dd {
  void *h;
  int rc;
} dd;
static void *destroyer(void *p) {
  dd *d = p;
  d->rc = ffirt_ctx_destroy(&lib_timer, d->h);
  return NULL;
}

static void concurrent_destroys_of_one_context_succeed_once(void **state) {
  (void)state;
  for (int round = 0; round < 50; round++) {
    void *h = make_ctx(&lib_timer, round);
    dd d[3] = {{h, 1}, {h, 1}, {h, 1}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
      pthread_create(&t[i], NULL, destroyer, &d[i]);
    int ok = 0;
    for (int i = 0; i < 3; i++) {
      pthread_join(t[i], NULL);
      if (d[i].rc == 0)
        ok++;
      else
        assert_int_equal(d[i].rc, FFIRT_EBADCTX);
    }
    assert_int_equal(ok, 1);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(calls_racing_destroy_get_exactly_one_answer),
      cmocka_unit_test(concurrent_creates_and_destroys_from_several_threads),
      cmocka_unit_test(concurrent_destroys_of_one_context_succeed_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
