/*
 * bench_context.c - cost of a request through the context runtime, with a
 * plain function call as the floor, in one run:
 *
 *   sync round trip   submit -> handler on the worker -> callback -> the
 *                     waiting caller wakes; p50/p99 with 1 and 2 callers
 *   async throughput  each caller keeps a window of 64 calls in flight
 *   submit only       rate of ffirt_call_submit() itself, 1 and 2 producers
 *
 * each with the worker "hot" (it spins up to 1 s before parking, callers
 * spin-wait too, and worker and callers are pinned to different cores) and
 * "parked" (spin 0: the worker parks whenever the queue is empty; a
 * synchronous caller blocks in ffirt_call_wait()); the sync round trip also
 * with "spin50": the default spin (FFIRT_CTX_DEFAULT_SPIN_US) and a blocking
 * caller, which shows what the default spin buys.
 *
 * Prints a table, ratios against the floor, and one `csv,...` line per
 * measurement. Never fails: it measures. Usage: bench_context [scale [only]]
 * (scale multiplies the iteration counts, default 1; only = "sync",
 * "async" or "submit" runs that group alone, e.g. for a profiler).
 */
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET: pinning in hot mode */
#include <pthread.h>
#include <sched.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ffirt/context.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hot mode models "an idle core each": the worker is pinned to CPU 0 and
 * the callers to CPU 1, so two spinners never share a core (the machine is
 * shared; unpinned, the scheduler may stack them and a spinner then waits
 * for the other's time slice). Parked mode is left to the scheduler. */
static int g_pin;

static void pin_to(int cpu) {
  if (!g_pin) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void h_ctor(ffirt_call *call) {
  pin_to(0); /* runs on the worker */
  ffirt_call_ctor_ok(call, NULL);
}
static void h_noop(ffirt_call *call) { ffirt_call_ok(call, NULL, 0); }
static const ffirt_call_desc d_ctor = {"create", 0, h_ctor, NULL};
static const ffirt_call_desc d_noop = {"noop", 0, h_noop, NULL};
static const ffirt_library lib = {.name = "bench", .stale_warn_ms = 5000};

static int g_scale = 1;

/* --- floor ----------------------------------------------------------------- */

static void plain_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  (*(uint64_t *)ud)++;
}
static void (*volatile g_plain)(int, const char *, size_t, void *) = plain_cb;

static double floor_ns(void) {
  uint64_t n = 10000000ull * (uint64_t)g_scale, sink = 0;
  uint64_t t0 = now_ns();
  for (uint64_t i = 0; i < n; i++)
    g_plain(0, "", 0, &sink);
  return (double)(now_ns() - t0) / (double)n;
}

/* --- setup ------------------------------------------------------------------- */

static void ctor_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  atomic_store((atomic_int *)ud, ret == RET_OK ? 1 : -1);
}

static void *make_ctx(uint32_t spin_us) {
  atomic_int done = 0;
  g_pin = spin_us >= 1000000 && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  ffirt_ctx_set_default_spin_us(spin_us);
  void *h = ffirt_ctx_create(&lib, &d_ctor, NULL, ctor_cb, &done);
  while (h && atomic_load(&done) == 0)
    sched_yield();
  if (!h || atomic_load(&done) != 1) {
    fprintf(stderr, "bench_context: cannot create a context\n");
    exit(1);
  }
  return h;
}

/* --- sync round trip ---------------------------------------------------------- */

typedef struct rt_arg {
  void *h;
  int hot;
  int n;
  uint64_t *lat;
} rt_arg;

static void flag_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  if (ret != RET_STALE_WARN) atomic_store_explicit((atomic_int *)ud, 1, memory_order_release);
}

static void *rt_thread(void *p) {
  rt_arg *a = p;
  if (a->hot) pin_to(1);
  for (int i = 0; i < a->n; i++) {
    uint64_t t0 = now_ns();
    if (a->hot) {
      atomic_int done = 0;
      ffirt_call_submit(&lib, a->h, &d_noop, NULL, flag_cb, &done);
      for (unsigned k = 1; !atomic_load_explicit(&done, memory_order_acquire); k++)
        if (k % 4096 == 0) sched_yield(); /* the machine may be oversubscribed */
    } else {
      ffirt_reply rep;
      ffirt_call_wait(&lib, a->h, &d_noop, NULL, &rep);
      ffirt_reply_clear(&rep);
    }
    a->lat[i] = now_ns() - t0;
  }
  return NULL;
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

typedef struct result {
  const char *name;
  int threads;
  const char *worker;
  double p50_us, p99_us, rate;
} result;

static result results[32];
static int nresults;

/* mode: 1 hot (worker spins 1 s, caller spin-waits), 2 default spin (the
 * worker spins FFIRT_CTX_DEFAULT_SPIN_US, the caller blocks), 0 parked. */
static void sync_round_trip(int threads, int mode) {
  int hot = mode == 1;
  void *h = make_ctx(mode == 1 ? 1000000 : mode == 2 ? FFIRT_CTX_DEFAULT_SPIN_US : 0);
  int n = (hot ? 20000 : 5000) * g_scale;
  pthread_t t[2];
  rt_arg a[2];
  uint64_t *lat = malloc(sizeof *lat * (size_t)n * (size_t)threads);
  for (int i = 0; i < threads; i++) {
    a[i] = (rt_arg){h, hot, n, lat + (size_t)i * (size_t)n};
    pthread_create(&t[i], NULL, rt_thread, &a[i]);
  }
  for (int i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  size_t total = (size_t)n * (size_t)threads;
  qsort(lat, total, sizeof *lat, cmp_u64);
  results[nresults++] = (result){"sync round trip",
                                 threads,
                                 mode == 1 ? "hot" : (mode == 2 ? "spin50" : "parked"),
                                 (double)lat[total / 2] / 1000.0,
                                 (double)lat[total * 99 / 100] / 1000.0,
                                 0};
  free(lat);
  ffirt_ctx_destroy(&lib, h);
}

/* --- async window ---------------------------------------------------------------- */

typedef struct async_arg {
  void *h;
  int hot;
  long n;
  atomic_long completed;
} async_arg;

static void count_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  if (ret != RET_STALE_WARN)
    atomic_fetch_add_explicit(&((async_arg *)ud)->completed, 1, memory_order_release);
}

static void *async_thread(void *p) {
  async_arg *a = p;
  if (a->hot) pin_to(1);
  long submitted = 0;
  unsigned spins = 0;
  while (submitted < a->n) {
    if (submitted - atomic_load_explicit(&a->completed, memory_order_acquire) < 64) {
      ffirt_call_submit(&lib, a->h, &d_noop, NULL, count_cb, a);
      submitted++;
    } else if (!a->hot || ++spins % 4096 == 0) {
      sched_yield();
    }
  }
  while (atomic_load_explicit(&a->completed, memory_order_acquire) < a->n)
    if (!a->hot || ++spins % 4096 == 0) sched_yield();
  return NULL;
}

static void async_window(int threads, int hot) {
  void *h = make_ctx(hot ? 1000000 : 0);
  long n = 200000L * g_scale;
  pthread_t t[2];
  async_arg *a = calloc((size_t)threads, sizeof *a);
  uint64_t t0 = now_ns();
  for (int i = 0; i < threads; i++) {
    a[i].h = h;
    a[i].hot = hot;
    a[i].n = n;
    pthread_create(&t[i], NULL, async_thread, &a[i]);
  }
  for (int i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  double secs = (double)(now_ns() - t0) / 1e9;
  results[nresults++] = (result){"async window 64",         threads, hot ? "hot" : "parked", 0, 0,
                                 (double)n * threads / secs};
  free(a);
  ffirt_ctx_destroy(&lib, h);
}

/* --- submit only ---------------------------------------------------------------- */

typedef struct sub_arg {
  void *h;
  long n;
  uint64_t ns;
} sub_arg;

static atomic_long g_sub_done;
static void sub_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  (void)ud;
  if (ret != RET_STALE_WARN) atomic_fetch_add_explicit(&g_sub_done, 1, memory_order_relaxed);
}

static void *sub_thread(void *p) {
  sub_arg *a = p;
  pin_to(1);
  uint64_t t0 = now_ns();
  for (long i = 0; i < a->n; i++)
    ffirt_call_submit(&lib, a->h, &d_noop, NULL, sub_cb, NULL);
  a->ns = now_ns() - t0;
  return NULL;
}

static void submit_only(int threads, int hot) {
  void *h = make_ctx(hot ? 1000000 : 0);
  long n = 400000L * g_scale;
  atomic_store(&g_sub_done, 0);
  pthread_t t[2];
  sub_arg a[2];
  uint64_t t0 = now_ns();
  for (int i = 0; i < threads; i++) {
    a[i] = (sub_arg){h, n, 0};
    pthread_create(&t[i], NULL, sub_thread, &a[i]);
  }
  for (int i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  double secs = (double)(now_ns() - t0) / 1e9;
  results[nresults++] =
      (result){"submit only", threads, hot ? "hot" : "parked", 0, 0, (double)n * threads / secs};
  while (atomic_load(&g_sub_done) < n * threads)
    sched_yield();
  ffirt_ctx_destroy(&lib, h);
}

int main(int argc, char **argv) {
  if (argc > 1) g_scale = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
  const char *only = argc > 2 ? argv[2] : "";
  double fl = floor_ns();
  static const int modes[] = {1, 2, 0};
  if (!*only || !strcmp(only, "sync"))
    for (int m = 0; m < 3; m++)
      for (int th = 1; th <= 2; th++)
        sync_round_trip(th, modes[m]);
  if (!*only || !strcmp(only, "async"))
    for (int hot = 1; hot >= 0; hot--)
      for (int th = 1; th <= 2; th++)
        async_window(th, hot);
  if (!*only || !strcmp(only, "submit"))
    for (int hot = 1; hot >= 0; hot--)
      for (int th = 1; th <= 2; th++)
        submit_only(th, hot);

  printf("bench_context: floor = plain call through a function pointer: %.2f ns\n", fl);
  printf("%-18s %7s %7s %10s %10s %14s %12s\n", "benchmark", "threads", "worker", "p50 us",
         "p99 us", "calls/s", "x floor");
  for (int i = 0; i < nresults; i++) {
    result *r = &results[i];
    double per_call_ns = r->rate > 0 ? 1e9 / r->rate : r->p50_us * 1000.0;
    if (r->rate > 0)
      printf("%-18s %7d %7s %10s %10s %14.0f %12.0f\n", r->name, r->threads, r->worker, "-", "-",
             r->rate, per_call_ns / fl);
    else
      printf("%-18s %7d %7s %10.2f %10.2f %14s %12.0f\n", r->name, r->threads, r->worker, r->p50_us,
             r->p99_us, "-", per_call_ns / fl);
  }
  printf(
      "targets: hot round trip p50 <= 2 us, parked <= 40 us, async >= 1M calls/s (1 producer)\n");
  printf("csv,benchmark,threads,worker,p50_us,p99_us,calls_per_s,floor_ns\n");
  for (int i = 0; i < nresults; i++) {
    result *r = &results[i];
    printf("csv,%s,%d,%s,%.3f,%.3f,%.0f,%.3f\n", r->name, r->threads, r->worker, r->p50_us,
           r->p99_us, r->rate, fl);
  }
  return 0;
}
