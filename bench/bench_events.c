/*
 * bench_events.c - costs of the event runtime, against named baselines in
 * the same run:
 *  (a) in-thread dispatch to 1, 4, 16 native listeners, vs a plain indirect
 *      call of as many function pointers and vs GLib's g_signal_emit with as
 *      many handlers;
 *  (b) ffirt_events_emit when nobody listens (none at all / only other
 *      names), vs an empty indirect call;
 *  (c) emit -> callback latency through the event thread, p50/p99, with the
 *      thread hot (spinning) and parked (asleep);
 *  (d) sustained events/s through one ffirt_events with one native and with
 *      one CBOR listener;
 *  (e) listener add/remove pairs while a listener blocks the event thread
 *      (a delivery in progress holds its arrays), with 1 and with 1000 other
 *      listeners on the name: cost per pair and the most allocations kept
 *      (retired arrays and listeners) at any point.
 * Prints a table and `csv,...` lines. Never fails (exit 0 unless setup fails).
 * Usage: bench_events [scale] [section]   (scale 1 = default iteration
 * counts; section a..e runs only that one)
 */
#include <glib-object.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events/events_internal.h"
#include "ffirt/events.h"

static double scale = 1.0;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long iters(long base) {
  long n = (long)((double)base * scale);
  return n < 1 ? 1 : n;
}

static volatile uint64_t sink;

/* ------------------------------------------------------------ listeners */

static void count_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  (*(uint64_t *)ud)++;
}

typedef struct payload {
  uint64_t t0;
  int64_t n;
} payload;

static int payload_encode(ffirt_cbor_enc *e, const void *p) {
  const payload *x = p;
  ffirt_cbor_enc_map(e, 2);
  ffirt_cbor_enc_text(e, "t0", 2);
  ffirt_cbor_enc_uint(e, x->t0);
  ffirt_cbor_enc_text(e, "n", 1);
  return ffirt_cbor_enc_int(e, x->n);
}

static const ffirt_event_type bench_type = {"on_bench_event", sizeof(payload), NULL, NULL,
                                            payload_encode};
static const ffirt_event_type quiet_type = {"on_quiet_event", sizeof(payload), NULL, NULL,
                                            payload_encode};

/* ------------------------------------------------------------ GLib baseline */

typedef struct BenchEmitter {
  GObject parent;
} BenchEmitter;
typedef struct BenchEmitterClass {
  GObjectClass parent_class;
} BenchEmitterClass;

static GType bench_emitter_get_type(void);
G_DEFINE_TYPE(BenchEmitter, bench_emitter, G_TYPE_OBJECT)
static guint fired_signal;

static void bench_emitter_class_init(BenchEmitterClass *klass) {
  fired_signal = g_signal_new("fired", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                              g_cclosure_marshal_VOID__POINTER, G_TYPE_NONE, 1, G_TYPE_POINTER);
}
static void bench_emitter_init(BenchEmitter *self) { (void)self; }

static void glib_handler(BenchEmitter *self, gpointer p, gpointer ud) {
  (void)self, (void)p;
  (*(uint64_t *)ud)++;
}

/* ------------------------------------------------------------ (a) dispatch */

typedef void (*plain_fn)(int, const char *, size_t, void *);

static double bench_plain(int n) {
  plain_fn fns[16];
  uint64_t counter = 0;
  for (int i = 0; i < n; i++)
    fns[i] = count_cb;
  payload p = {0, 1};
  long N = iters(2000000);
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = now_ns();
    for (long k = 0; k < N; k++) {
      plain_fn *volatile f = fns; /* keep the calls indirect */
      for (int i = 0; i < n; i++)
        f[i](RET_OK, (const char *)&p, sizeof p, &counter);
    }
    double ns = (double)(now_ns() - t0) / (double)N;
    if (ns < best) best = ns;
  }
  sink += counter;
  return best;
}

static double bench_ffirt_dispatch(int n) {
  ffirt_events_config c;
  ffirt_events_config_init(&c);
  c.stall_ms = 0;
  ffirt_events *ev;
  if (ffirt_events_create(&c, &ev)) abort();
  uint64_t counter = 0;
  for (int i = 0; i < n; i++)
    ffirt_events_add(ev, "on_bench_event", FFIRT_LISTENER_NATIVE, count_cb, &counter, NULL);
  payload p = {0, 1};
  long N = iters(2000000);
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = now_ns();
    for (long k = 0; k < N; k++)
      ffirt__events_dispatch(ev, &bench_type, &p);
    double ns = (double)(now_ns() - t0) / (double)N;
    if (ns < best) best = ns;
  }
  sink += counter;
  ffirt_events_destroy(ev);
  return best;
}

static double bench_glib(int n) {
  BenchEmitter *obj = g_object_new(bench_emitter_get_type(), NULL);
  uint64_t counter = 0;
  for (int i = 0; i < n; i++)
    g_signal_connect(obj, "fired", G_CALLBACK(glib_handler), &counter);
  payload p = {0, 1};
  long N = iters(500000);
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = now_ns();
    for (long k = 0; k < N; k++)
      g_signal_emit(obj, fired_signal, 0, &p);
    double ns = (double)(now_ns() - t0) / (double)N;
    if (ns < best) best = ns;
  }
  sink += counter;
  g_object_unref(obj);
  return best;
}

/* ------------------------------------------------------------ (b) no listener */

static double bench_emit_nobody(int other_listener) {
  ffirt_events_config c;
  ffirt_events_config_init(&c);
  c.stall_ms = 0;
  ffirt_events *ev;
  if (ffirt_events_create(&c, &ev)) abort();
  uint64_t counter = 0;
  if (other_listener)
    ffirt_events_add(ev, "on_bench_event", FFIRT_LISTENER_NATIVE, count_cb, &counter, NULL);
  payload p = {0, 1};
  long N = iters(20000000);
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = now_ns();
    for (long k = 0; k < N; k++)
      sink += (uint64_t)ffirt_events_emit(ev, &quiet_type, &p);
    double ns = (double)(now_ns() - t0) / (double)N;
    if (ns < best) best = ns;
  }
  ffirt_events_destroy(ev);
  return best;
}

static double bench_empty_call(void) {
  plain_fn volatile f = count_cb;
  uint64_t counter = 0;
  payload p = {0, 1};
  long N = iters(20000000);
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = now_ns();
    for (long k = 0; k < N; k++)
      f(RET_OK, (const char *)&p, sizeof p, &counter);
    double ns = (double)(now_ns() - t0) / (double)N;
    if (ns < best) best = ns;
  }
  sink += counter;
  return best;
}

/* ------------------------------------------------------------ (c) latency */

typedef struct lat_state {
  uint64_t *samples;
  long n;
  atomic_long done;
} lat_state;

static void lat_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)len;
  uint64_t t1 = now_ns();
  lat_state *s = ud;
  const payload *p = (const payload *)msg;
  long i = atomic_load_explicit(&s->done, memory_order_relaxed);
  if (i < s->n) s->samples[i] = t1 - p->t0;
  atomic_store_explicit(&s->done, i + 1, memory_order_release);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void bench_latency(int parked, double *p50, double *p99) {
  ffirt_events_config c;
  ffirt_events_config_init(&c);
  c.stall_ms = 0;
  ffirt_events *ev;
  if (ffirt_events_create(&c, &ev)) abort();
  lat_state s;
  s.n = parked ? iters(300) : iters(50000);
  s.samples = calloc((size_t)s.n, sizeof *s.samples);
  atomic_init(&s.done, 0);
  ffirt_events_add(ev, "on_bench_event", FFIRT_LISTENER_NATIVE, lat_cb, &s, NULL);
  for (long i = 0; i < s.n; i++) {
    if (parked) {
      struct timespec ts = {0, 3 * 1000000L}; /* > the spin window: the thread parks */
      nanosleep(&ts, NULL);
    }
    payload p = {now_ns(), i};
    ffirt_events_emit(ev, &bench_type, &p);
    /* Hot: spin (keeps the emitter ready to emit the next one at once).
     * Parked: yield, so a busy emitter does not keep the woken event thread
     * off the CPU (that would measure the scheduler, not the wake-up). */
    while (atomic_load_explicit(&s.done, memory_order_acquire) <= i)
      if (parked) sched_yield();
  }
  qsort(s.samples, (size_t)s.n, sizeof *s.samples, cmp_u64);
  *p50 = (double)s.samples[s.n / 2];
  *p99 = (double)s.samples[(s.n * 99) / 100];
  ffirt_events_destroy(ev);
  free(s.samples);
}

/* ------------------------------------------------------------ (d) throughput */

static double bench_throughput(ffirt_listener_kind kind) {
  ffirt_events_config c;
  ffirt_events_config_init(&c);
  c.stall_ms = 0;
  c.overflow = FFIRT_OVERFLOW_BLOCK; /* sustained rate: the producer waits, nothing drops */
  c.block_timeout_ms = 10000;
  ffirt_events *ev;
  if (ffirt_events_create(&c, &ev)) abort();
  static atomic_ulong delivered;
  atomic_store(&delivered, 0);
  uint64_t counter = 0;
  ffirt_events_add(ev, "on_bench_event", kind, count_cb, &counter, NULL);
  long N = kind == FFIRT_LISTENER_NATIVE ? iters(4000000) : iters(2000000);
  uint64_t t0 = now_ns();
  for (long i = 0; i < N; i++) {
    payload p = {0, i};
    if (ffirt_events_emit(ev, &bench_type, &p)) abort();
  }
  ffirt_events_destroy(ev); /* delivers everything queued, joins */
  double secs = (double)(now_ns() - t0) / 1e9;
  if ((long)counter != N)
    fprintf(stderr, "throughput: delivered %lu of %ld\n", (unsigned long)counter, N);
  return (double)N / secs;
}

/* ------------------------------------------------------------ (e) add/remove */

static atomic_int blocker_state; /* 1: entered, 2: released */
static void blocker_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len, (void)ud;
  atomic_store(&blocker_state, 1);
  while (atomic_load(&blocker_state) != 2) {
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
  }
}

static atomic_long live_blocks, max_live_blocks;
static void count_new_block(void) {
  long v = atomic_fetch_add(&live_blocks, 1) + 1;
  long m = atomic_load(&max_live_blocks);
  while (v > m && !atomic_compare_exchange_weak(&max_live_blocks, &m, v)) {
  }
}
static void *count_malloc(size_t n, void *user) {
  (void)user;
  count_new_block();
  return malloc(n);
}
static void *count_realloc(void *p, size_t n, void *user) {
  (void)user;
  if (!p) count_new_block();
  return realloc(p, n);
}
static void count_free(void *p, void *user) {
  (void)user;
  if (p) atomic_fetch_sub(&live_blocks, 1);
  free(p);
}
static const ffirt_allocator counting = {count_malloc, count_realloc, count_free, NULL};

/* ns per add/remove pair; *kept = the most blocks alive beyond the start. */
static double bench_add_remove(int others, long pairs, long *kept) {
  ffirt_set_allocator(&counting);
  ffirt_events_config c;
  ffirt_events_config_init(&c);
  c.stall_ms = 0;
  ffirt_events *ev;
  if (ffirt_events_create(&c, &ev)) abort();
  uint64_t counter = 0;
  atomic_store(&blocker_state, 0);
  ffirt_events_add(ev, "on_bench_event", FFIRT_LISTENER_NATIVE, blocker_cb, NULL, NULL);
  for (int i = 0; i < others; i++)
    ffirt_events_add(ev, "on_bench_event", FFIRT_LISTENER_NATIVE, count_cb, &counter, NULL);
  payload p = {0, 1};
  ffirt_events_emit(ev, &bench_type, &p);
  while (atomic_load(&blocker_state) != 1)
    sched_yield();
  long start = atomic_load(&live_blocks);
  atomic_store(&max_live_blocks, start);
  uint64_t t0 = now_ns();
  for (long i = 0; i < pairs; i++) {
    uint64_t id =
        ffirt_events_add(ev, "on_bench_event", FFIRT_LISTENER_NATIVE, count_cb, &counter, NULL);
    ffirt_events_remove(ev, id);
  }
  double ns = (double)(now_ns() - t0) / (double)pairs;
  *kept = atomic_load(&max_live_blocks) - start;
  atomic_store(&blocker_state, 2);
  ffirt_events_destroy(ev);
  ffirt_set_allocator(NULL);
  return ns;
}

int main(int argc, char **argv) {
  if (argc > 1) scale = atof(argv[1]);
  if (scale <= 0) scale = 1;
  char only = argc > 2 ? argv[2][0] : 0;
  printf("ffirt events benchmark (scale %.2f); best of 3 where timed in-thread\n\n", scale);
  if (only == 'e') goto section_e;

  printf("(a) in-thread dispatch, ns per event (per listener)\n");
  printf("%-10s %16s %16s %16s %12s %12s\n", "listeners", "plain call", "ffirt dispatch",
         "g_signal_emit", "glib/ffirt", "ffirt/plain");
  int ns_[3] = {1, 4, 16};
  for (int k = 0; k < 3; k++) {
    int n = ns_[k];
    double plain = bench_plain(n), ours = bench_ffirt_dispatch(n), glib = bench_glib(n);
    printf("%-10d %8.1f (%5.1f) %8.1f (%5.1f) %8.1f (%5.1f) %11.1fx %11.1fx\n", n, plain, plain / n,
           ours, ours / n, glib, glib / n, glib / ours, ours / plain);
    printf("csv,dispatch,%d,%.2f,%.2f,%.2f\n", n, plain, ours, glib);
  }

  printf("\n(b) emit with no listener, ns per emit\n");
  double none = bench_emit_nobody(0), other = bench_emit_nobody(1), call = bench_empty_call();
  printf("%-40s %8.2f\n", "no listener at all", none);
  printf("%-40s %8.2f\n", "listeners on another name only", other);
  printf("%-40s %8.2f\n", "baseline: one indirect call", call);
  printf("csv,emit_nobody,%.2f,%.2f,%.2f\n", none, other, call);

  printf("\n(c) emit -> callback latency through the event thread, ns\n");
  double h50, h99, c50, c99;
  bench_latency(0, &h50, &h99);
  bench_latency(1, &c50, &c99);
  printf("%-10s %10s %10s\n", "thread", "p50", "p99");
  printf("%-10s %10.0f %10.0f\n", "hot", h50, h99);
  printf("%-10s %10.0f %10.0f\n", "parked", c50, c99);
  printf("csv,latency,hot,%.0f,%.0f\ncsv,latency,parked,%.0f,%.0f\n", h50, h99, c50, c99);

  printf("\n(d) sustained throughput, one producer, one listener\n");
  double tn = bench_throughput(FFIRT_LISTENER_NATIVE);
  double tc = bench_throughput(FFIRT_LISTENER_CBOR);
  printf("%-10s %14.2f M events/s\n", "native", tn / 1e6);
  printf("%-10s %14.2f M events/s\n", "cbor", tc / 1e6);
  printf("csv,throughput,native,%.0f\ncsv,throughput,cbor,%.0f\n", tn, tc);

section_e:
  printf("\n(e) add/remove pairs while a listener blocks the event thread\n");
  printf("%-26s %10s %14s %14s\n", "listeners on the name", "pairs", "ns per pair", "blocks kept");
  int others_[2] = {1, 1000};
  for (int k = 0; k < 2; k++) {
    long pairs = iters(k ? 8000 : 20000), kept;
    double ns = bench_add_remove(others_[k], pairs, &kept);
    printf("%-26d %10ld %14.0f %14ld\n", others_[k] + 1, pairs, ns, kept);
    printf("csv,add_remove_blocked,%d,%ld,%.0f,%ld\n", others_[k] + 1, pairs, ns, kept);
  }
  return 0;
}
