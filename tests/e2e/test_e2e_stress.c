/*
 * test_e2e_stress.c - many host threads on the example library at once:
 *  - 6 threads x 1500 echoes on one shared context, alternating the native
 *    and the CBOR export, every reply checked byte for byte, and every
 *    on_echo_fired event accounted for (received, or reported dropped);
 *  - 16 threads each creating a context, calling it once, destroying it;
 *  - 8 threads mixing a shared context with a context of their own.
 * Runs under ThreadSanitizer too (label "concurrency"), so the loops use
 * delayMs 0 and stay small enough for 2 cores.
 *
 * Worker threads never call cmocka asserts (they longjmp on the calling
 * thread's stack): they count failures and keep the first message, and the
 * main thread asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <my_timer/my_timer.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_util.h"
#include "e2e_wait.h"

#define SHARED_THREADS 6
#define SHARED_ITERATIONS 1500
#define CREATE_THREADS 16
#define MIXED_THREADS 8
#define MIXED_ITERATIONS 150

/* ------------------------------------------------------------ failures */

static atomic_int failures;
static pthread_mutex_t first_failure_mu = PTHREAD_MUTEX_INITIALIZER;
static char first_failure[512];

static void record_failure(const char *fmt, ...) {
  /* Relaxed: the count is read after pthread_join, which synchronises. */
  if (atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed) == 0) {
    pthread_mutex_lock(&first_failure_mu);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(first_failure, sizeof first_failure, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&first_failure_mu);
  }
}

static void reset_failures(void) {
  atomic_store_explicit(&failures, 0, memory_order_relaxed);
  first_failure[0] = '\0';
}

static void assert_no_failures(void) {
  int n = atomic_load_explicit(&failures, memory_order_relaxed);
  if (n != 0) print_error("%d failures, first: %s\n", n, first_failure);
  assert_int_equal(n, 0);
}

/* ------------------------------------------------------------ CBOR bytes */

/* Appends a CBOR text head + bytes (short texts only: < 65536). */
static size_t put_text(uint8_t *out, const char *s) {
  size_t n = strlen(s), at = 0;
  if (n < 24) {
    out[at++] = (uint8_t)(0x60 + n);
  } else if (n < 256) {
    out[at++] = 0x78;
    out[at++] = (uint8_t)n;
  } else {
    out[at++] = 0x79;
    out[at++] = (uint8_t)(n >> 8);
    out[at++] = (uint8_t)n;
  }
  memcpy(out + at, s, n);
  return at + n;
}

/* {"req": {"message": m, "delayMs": 0}} */
static size_t echo_request(uint8_t *out, const char *message) {
  size_t at = 0;
  out[at++] = 0xa1;
  at += put_text(out + at, "req");
  out[at++] = 0xa2;
  at += put_text(out + at, "message");
  at += put_text(out + at, message);
  at += put_text(out + at, "delayMs");
  out[at++] = 0x00;
  return at;
}

/* {"echoed": m, "timerName": name} */
static size_t echo_reply(uint8_t *out, const char *message, const char *name) {
  size_t at = 0;
  out[at++] = 0xa2;
  at += put_text(out + at, "echoed");
  at += put_text(out + at, message);
  at += put_text(out + at, "timerName");
  at += put_text(out + at, name);
  return at;
}

/* ------------------------------------------------------------ one echo */

static void fmt_echo(const char *msg, size_t len, char *out) {
  const EchoResponse *r = (const EchoResponse *)msg;
  if (len != sizeof(EchoResponse))
    snprintf(out, E2E_TEXT_MAX, "bad len %zu", len);
  else
    snprintf(out, E2E_TEXT_MAX, "%s|%s", r->echoed, r->timerName);
}

/* One synchronous echo through the native (cbor == 0) or CBOR export;
 * checks the reply; returns 0 or -1 (failure recorded). */
static int echo_checked(void *ctx, int cbor, const char *message, const char *name) {
  e2e_reply r;
  e2e_reply_init(&r, cbor ? NULL : fmt_echo);
  int rc;
  if (cbor) {
    uint8_t req[128];
    size_t n = echo_request(req, message);
    rc = my_timer_echo_cbor(ctx, e2e_reply_cb, &r, req, n);
  } else {
    EchoRequest req = {.message = message, .delayMs = 0};
    rc = my_timer_echo(ctx, e2e_reply_cb, &r, req);
  }
  int ok = -1;
  if (rc != RET_OK) {
    record_failure("echo %s (%s): export returned %d", message, cbor ? "cbor" : "native", rc);
  } else if (e2e_reply_wait(&r, E2E_TIMEOUT_MS) != 0) {
    record_failure("echo %s (%s): no reply", message, cbor ? "cbor" : "native");
  } else if (r.ret != RET_OK) {
    record_failure("echo %s (%s): RET %d: %s", message, cbor ? "cbor" : "native", r.ret,
                   e2e_reply_str(&r));
  } else if (cbor) {
    uint8_t want[160];
    size_t n = echo_reply(want, message, name);
    if (r.len != n || memcmp(r.bytes, want, n) != 0)
      record_failure("echo %s (cbor): wrong reply bytes (%zu bytes)", message, r.len);
    else
      ok = 0;
  } else {
    char want[160];
    snprintf(want, sizeof want, "%s|%s", message, name);
    if (!r.text || strcmp(r.text, want) != 0)
      record_failure("echo %s (native): got %s, want %s", message, r.text ? r.text : "(null)",
                     want);
    else
      ok = 0;
  }
  e2e_reply_fini(&r);
  return ok;
}

static void *timer_new(const char *name) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  TimerConfig config = {.name = name};
  void *ctx = my_timer_create(config, e2e_reply_cb, &r);
  if (!ctx) {
    record_failure("create %s: NULL", name);
  } else if (e2e_reply_wait(&r, E2E_TIMEOUT_MS) != 0 || r.ret != RET_OK) {
    record_failure("create %s: ret %d %s", name, r.ret, e2e_reply_str(&r));
    my_timer_destroy(ctx);
    ctx = NULL;
  }
  e2e_reply_fini(&r);
  return ctx;
}

/* ------------------------------------------------------------ shared */

typedef struct event_count {
  atomic_uint_fast64_t received;
  atomic_uint_fast64_t dropped; /* from dropped_events reports */
} event_count;

static void count_echo_event(const EchoEvent *evt, void *ud) {
  (void)evt;
  event_count *c = ud;
  atomic_fetch_add_explicit(&c->received, 1, memory_order_relaxed);
}

static void count_dropped(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  event_count *c = ud;
  if (len == sizeof(uint64_t)) {
    uint64_t n;
    memcpy(&n, msg, sizeof n);
    atomic_fetch_add_explicit(&c->dropped, n, memory_order_relaxed);
  }
}

typedef struct shared_job {
  void *ctx;
  int index;
  pthread_t thread;
} shared_job;

static void *shared_worker(void *arg) {
  shared_job *job = arg;
  for (int i = 0; i < SHARED_ITERATIONS; i++) {
    char message[48];
    snprintf(message, sizeof message, "thread%d-iteration%d", job->index, i);
    if (echo_checked(job->ctx, (i + job->index) % 2, message, "shared") != 0) break;
  }
  return NULL;
}

static void six_threads_share_one_context_in_both_abis(void **state) {
  (void)state;
  reset_failures();
  void *ctx = timer_new("shared");
  assert_non_null(ctx);
  event_count events;
  atomic_init(&events.received, 0);
  atomic_init(&events.dropped, 0);
  assert_true(my_timer_add_on_echo_fired_listener(ctx, count_echo_event, &events) >= 1);
  assert_true(my_timer_add_event_listener(ctx, "dropped_events", count_dropped, &events) >= 1);

  shared_job jobs[SHARED_THREADS];
  for (int i = 0; i < SHARED_THREADS; i++) {
    jobs[i].ctx = ctx;
    jobs[i].index = i;
    assert_int_equal(pthread_create(&jobs[i].thread, NULL, shared_worker, &jobs[i]), 0);
  }
  for (int i = 0; i < SHARED_THREADS; i++)
    pthread_join(jobs[i].thread, NULL);
  assert_no_failures();

  /* Every event arrives or is reported dropped: none is silently lost. */
  const uint64_t want = (uint64_t)SHARED_THREADS * SHARED_ITERATIONS;
  uint64_t t0 = e2e_now_ms();
  while (atomic_load_explicit(&events.received, memory_order_relaxed) +
                 atomic_load_explicit(&events.dropped, memory_order_relaxed) <
             want &&
         e2e_now_ms() - t0 < E2E_TIMEOUT_MS) {
    struct timespec pause = {0, 5 * 1000000L};
    nanosleep(&pause, NULL);
  }
  assert_int_equal(my_timer_destroy(ctx), 0);
  uint64_t received = atomic_load_explicit(&events.received, memory_order_relaxed);
  uint64_t dropped = atomic_load_explicit(&events.dropped, memory_order_relaxed);
  print_message("shared context: %" PRIu64 " events received, %" PRIu64 " reported dropped\n",
                received, dropped);
  assert_int_equal(received + dropped, want);
}

/* ------------------------------------------------------------ create/destroy */

static void *create_call_destroy(void *arg) {
  int index = (int)(intptr_t)arg;
  char name[32], message[32];
  snprintf(name, sizeof name, "own%d", index);
  snprintf(message, sizeof message, "once%d", index);
  void *ctx = timer_new(name);
  if (!ctx) return NULL;
  echo_checked(ctx, index % 2, message, name);
  int rc = my_timer_destroy(ctx);
  if (rc != 0) record_failure("destroy %s: %d", name, rc);
  return NULL;
}

static void sixteen_threads_create_call_and_destroy_their_own_context(void **state) {
  (void)state;
  reset_failures();
  pthread_t threads[CREATE_THREADS];
  for (int i = 0; i < CREATE_THREADS; i++)
    assert_int_equal(pthread_create(&threads[i], NULL, create_call_destroy, (void *)(intptr_t)i),
                     0);
  for (int i = 0; i < CREATE_THREADS; i++)
    pthread_join(threads[i], NULL);
  assert_no_failures();
}

/* ------------------------------------------------------------ mixed */

typedef struct mixed_job {
  void *shared;
  int index;
  pthread_t thread;
} mixed_job;

static void *mixed_worker(void *arg) {
  mixed_job *job = arg;
  char name[32];
  snprintf(name, sizeof name, "private%d", job->index);
  void *own = timer_new(name);
  if (!own) return NULL;
  for (int i = 0; i < MIXED_ITERATIONS; i++) {
    char message[48];
    snprintf(message, sizeof message, "mixed%d-%d", job->index, i);
    int cbor = (i / 2) % 2;
    /* The reply names the timer: a call never lands on the wrong context. */
    if (i % 2 == 0 ? echo_checked(job->shared, cbor, message, "common")
                   : echo_checked(own, cbor, message, name))
      break;
  }
  int rc = my_timer_destroy(own);
  if (rc != 0) record_failure("destroy %s: %d", name, rc);
  return NULL;
}

static void eight_threads_mix_a_shared_context_with_their_own(void **state) {
  (void)state;
  reset_failures();
  void *shared = timer_new("common");
  assert_non_null(shared);
  mixed_job jobs[MIXED_THREADS];
  for (int i = 0; i < MIXED_THREADS; i++) {
    jobs[i].shared = shared;
    jobs[i].index = i;
    assert_int_equal(pthread_create(&jobs[i].thread, NULL, mixed_worker, &jobs[i]), 0);
  }
  for (int i = 0; i < MIXED_THREADS; i++)
    pthread_join(jobs[i].thread, NULL);
  assert_no_failures();
  /* The shared context outlived all the private ones and still works. */
  assert_int_equal(echo_checked(shared, 1, "last", "common"), 0);
  assert_int_equal(my_timer_destroy(shared), 0);
}

/* ------------------------------------------------------------ destroy race */

#define RACE_THREADS 4
#define RACE_MAX_CALLS 20000

/* One asynchronous call: its terminal callbacks are counted. */
typedef struct race_call {
  atomic_int terminal;
  atomic_int ret;
} race_call;

static void race_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  race_call *c = ud;
  if (ret == RET_STALE_WARN) return;
  atomic_store_explicit(&c->ret, ret, memory_order_relaxed);
  /* Release: pairs with the acquire load of the checker after the joins. */
  atomic_fetch_add_explicit(&c->terminal, 1, memory_order_release);
}

typedef struct race_job {
  void *ctx;
  int index;
  race_call *calls;
  size_t accepted; /* calls[0..accepted) returned RET_OK */
  size_t refused;  /* returned RET_ERR: the context was (being) destroyed */
  pthread_t thread;
} race_job;

static void *race_caller(void *arg) {
  race_job *job = arg;
  for (size_t i = 0; i < RACE_MAX_CALLS; i++) {
    race_call *c = &job->calls[job->accepted];
    atomic_init(&c->terminal, 0);
    atomic_init(&c->ret, -1);
    /* Some calls wait on the loop, so destroy finds running ones too. */
    EchoRequest req = {.message = "race", .delayMs = i % 7 == 0 ? 3 : 0};
    int rc = my_timer_echo(job->ctx, race_cb, c, req);
    if (rc == RET_OK) {
      job->accepted++;
    } else if (rc == RET_ERR) {
      /* Refused on entry: its one callback already ran, on this thread. */
      if (atomic_load_explicit(&c->terminal, memory_order_acquire) != 1)
        record_failure("refused call got %d callbacks", atomic_load(&c->terminal));
      job->refused++;
      if (job->refused > 20) break; /* the context is gone for good */
    } else {
      record_failure("echo returned %d", rc);
      break;
    }
  }
  return NULL;
}

/* abi.md 3.2: every accepted call gets exactly one terminal callback, also
 * when the context is destroyed while it is queued or running; calls after
 * that are refused on the caller's thread. */
static void destroy_under_load_answers_every_call_exactly_once(void **state) {
  (void)state;
  reset_failures();
  void *ctx = timer_new("doomed");
  assert_non_null(ctx);
  race_job jobs[RACE_THREADS];
  for (int i = 0; i < RACE_THREADS; i++) {
    jobs[i].ctx = ctx;
    jobs[i].index = i;
    jobs[i].accepted = jobs[i].refused = 0;
    jobs[i].calls = calloc(RACE_MAX_CALLS, sizeof *jobs[i].calls);
    assert_non_null(jobs[i].calls);
    assert_int_equal(pthread_create(&jobs[i].thread, NULL, race_caller, &jobs[i]), 0);
  }
  /* Destroy while the callers are still submitting. */
  struct timespec pause = {0, 5 * 1000000L};
  nanosleep(&pause, NULL);
  assert_int_equal(my_timer_destroy(ctx), 0);
  for (int i = 0; i < RACE_THREADS; i++)
    pthread_join(jobs[i].thread, NULL);
  assert_no_failures();

  size_t accepted = 0, ok = 0, err = 0;
  for (int i = 0; i < RACE_THREADS; i++) {
    for (size_t k = 0; k < jobs[i].accepted; k++) {
      race_call *c = &jobs[i].calls[k];
      int n = atomic_load_explicit(&c->terminal, memory_order_acquire);
      if (n != 1) print_error("thread %d call %zu: %d terminal callbacks\n", i, k, n);
      assert_int_equal(n, 1);
      if (atomic_load_explicit(&c->ret, memory_order_relaxed) == RET_OK)
        ok++;
      else
        err++;
    }
    accepted += jobs[i].accepted;
    free(jobs[i].calls);
  }
  print_message("destroy race: %zu accepted (%zu RET_OK, %zu RET_ERR)\n", accepted, ok, err);
  assert_true(accepted > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(six_threads_share_one_context_in_both_abis),
      cmocka_unit_test(sixteen_threads_create_call_and_destroy_their_own_context),
      cmocka_unit_test(eight_threads_mix_a_shared_context_with_their_own),
      cmocka_unit_test(destroy_under_load_answers_every_call_exactly_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
