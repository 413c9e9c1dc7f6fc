/*
 * perf_load.c - latency that must hold when the cores are busy (issue 10):
 * my_timer driven from a plain C host through its native ABI, with tails
 * (p50/p99/p99.9/max) per row, in the scenarios where a runtime that spins
 * turns into scheduler-tick stalls:
 *
 *   idle   one caller, one context, machine otherwise idle: sync `echo`
 *          64 B with a condvar-waiting and with a spin-waiting caller, and
 *          the headline row, event delivery: submit of `echo` -> the
 *          `on_echo_fired` native listener (the caller waits for reply and
 *          event on a condvar, one request at a time)
 *   pair   two caller threads and two contexts (caller i uses context i),
 *          both waiting styles, sync and event
 *   busy   one busy-loop process per core, started and stopped here,
 *          beside the same rows; each row once with the runtime's default
 *          spin and once with spinning disabled (ffirt_ctx_set_default_spin_us(0)
 *          before the contexts are created), side by side
 *   many   the CPU used by 1000 idle contexts (process CPU time over 3 s of
 *          wall time, in % of one core), then creating and destroying 4096
 *          contexts (wall time of each phase)
 *
 * Every reply and event is verified (content); a wrong or missing one
 * prints the reason and the program exits 1. It never fails on speed.
 * Output: a table and one `csv,` line per row; the load average (1 min) is
 * printed at the start and per row, since figures on a shared machine are
 * only comparable under the same load.
 *
 * Usage: perf_load [SCALE] [SECTIONS]
 *   SCALE     multiplies the iteration counts and context counts (default 1;
 *             e.g. 0.1 for a quick look)
 *   SECTIONS  comma-separated subset of idle,pair,busy,many (default all)
 */
#include <my_timer/my_timer.h>

#include <ffirt/common.h>
#include <ffirt/context.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 64
#define WAIT_MS 30000
#define MAX_CALLERS 2
#define TIMER_NAME "load"

static double scale = 1.0;
static atomic_int failed;

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...) {
  /* Relaxed: only the count matters; read after the threads joined. */
  if (atomic_fetch_add_explicit(&failed, 1, memory_order_relaxed) < 5) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "perf_load: FAILED: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
  }
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void deadline_in(struct timespec *ts, int ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

static double loadavg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("pause");
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static size_t scaled(size_t n, size_t min) {
  double v = (double)n * scale;
  return v < (double)min ? min : (size_t)v;
}

/* ------------------------------------------------------------ rows */

typedef struct row {
  char scenario[24]; /* idle, pair, busy */
  char what[16];     /* sync, event, idle_cpu, create, destroy */
  char wait[8];      /* cond, spin, - */
  char spin[8];      /* runtime spin: on, off */
  int callers, contexts;
  size_t samples;
  double p50, p99, p999, max; /* us; for `many` rows see `value` */
  double value;               /* many rows: % of a core, or seconds */
  const char *unit;
  double load;
} row;

static row rows[64];
static size_t nrows;

static row *new_row(const char *scenario, const char *what, const char *wait, int spin_on) {
  row *r = &rows[nrows++];
  memset(r, 0, sizeof *r);
  snprintf(r->scenario, sizeof r->scenario, "%s", scenario);
  snprintf(r->what, sizeof r->what, "%s", what);
  snprintf(r->wait, sizeof r->wait, "%s", wait);
  snprintf(r->spin, sizeof r->spin, "%s", spin_on ? "on" : "off");
  r->load = loadavg();
  r->unit = "us";
  return r;
}

static void fill_tails(row *r, uint64_t *ns, size_t n) {
  r->samples = n;
  if (!n) return;
  qsort(ns, n, sizeof *ns, cmp_u64);
#define AT(p) ((double)ns[(size_t)((p) * (double)(n - 1) + 0.5)] / 1000.0)
  r->p50 = AT(0.50);
  r->p99 = AT(0.99);
  r->p999 = AT(0.999);
  r->max = (double)ns[n - 1] / 1000.0;
#undef AT
}

/* ------------------------------------------------------------ one caller */

typedef struct caller {
  void *ctx;
  int spin_wait; /* 1: busy-poll the done flag; 0: condvar */
  int events;    /* 1: also wait for on_echo_fired, record its latency */
  size_t count;
  char message[PAYLOAD + 1];
  uint64_t start_ns;
  _Atomic int done;     /* reply arrived (release by the callback) */
  _Atomic int event_in; /* event arrived */
  uint64_t event_ns;    /* listener's clock at delivery */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t *lat; /* sync: submit -> reply; events: submit -> listener */
  size_t n;
  uint64_t listener;
  pthread_t thread;
} caller;

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  caller *c = ud;
  if (ret == RET_STALE_WARN) return;
  const EchoResponse *r = (const EchoResponse *)msg;
  if (ret != RET_OK)
    failure("echo: RET %d: %.*s", ret, (int)len, msg);
  else if (len != sizeof *r || strcmp(r->echoed, c->message) != 0 ||
           strcmp(r->timerName, TIMER_NAME) != 0)
    failure("echo: wrong reply");
  if (c->spin_wait) {
    /* release: the caller's acquire load sees the checks above done. */
    atomic_store_explicit(&c->done, 1, memory_order_release);
    return;
  }
  pthread_mutex_lock(&c->mu);
  atomic_store_explicit(&c->done, 1, memory_order_relaxed);
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static void on_event(const EchoEvent *e, void *ud) {
  uint64_t t = now_ns();
  caller *c = ud;
  if (strcmp(e->message, c->message) != 0) failure("event: wrong message");
  c->event_ns = t;
  if (c->spin_wait) {
    atomic_store_explicit(&c->event_in, 1, memory_order_release);
    return;
  }
  pthread_mutex_lock(&c->mu);
  atomic_store_explicit(&c->event_in, 1, memory_order_relaxed);
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

/* Waits for the reply (and the event); 0, or -1 after WAIT_MS. */
static int wait_for(caller *c) {
  if (c->spin_wait) {
    uint64_t until = now_ns() + (uint64_t)WAIT_MS * 1000000u;
    for (unsigned i = 0;; i++) {
      /* acquire: pairs with the callbacks' release stores. */
      if (atomic_load_explicit(&c->done, memory_order_acquire) &&
          (!c->events || atomic_load_explicit(&c->event_in, memory_order_acquire)))
        return 0;
      cpu_relax();
      if ((i & 0xffff) == 0 && now_ns() > until) return -1;
    }
  }
  struct timespec until;
  deadline_in(&until, WAIT_MS);
  int rc = 0;
  pthread_mutex_lock(&c->mu);
  while ((!atomic_load_explicit(&c->done, memory_order_relaxed) ||
          (c->events && !atomic_load_explicit(&c->event_in, memory_order_relaxed))) &&
         rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&c->cv, &c->mu, &until);
  pthread_mutex_unlock(&c->mu);
  return rc == ETIMEDOUT ? -1 : 0;
}

static void *caller_run(void *arg) {
  caller *c = arg;
  for (size_t i = 0; i < c->count; i++) {
    snprintf(c->message, sizeof c->message, "%08zx", i);
    memset(c->message + 8, 'a' + (int)(i % 26), PAYLOAD - 8);
    c->message[PAYLOAD] = '\0';
    atomic_store_explicit(&c->done, 0, memory_order_relaxed);
    atomic_store_explicit(&c->event_in, 0, memory_order_relaxed);
    EchoRequest req = {.message = c->message, .delayMs = 0};
    c->start_ns = now_ns();
    int rc = my_timer_echo(c->ctx, on_reply, c, req);
    if (rc != RET_OK) {
      failure("echo #%zu refused: %d", i, rc);
      break;
    }
    if (wait_for(c) != 0) {
      failure("echo #%zu: no %s within %d ms", i, atomic_load(&c->done) ? "event" : "reply",
              WAIT_MS);
      break;
    }
    uint64_t end = c->events ? c->event_ns : now_ns();
    c->lat[c->n++] = end - c->start_ns;
  }
  return NULL;
}

/* One row: ncallers threads, caller i on ctxs[i % nctx]. */
static void run_row(const char *scenario, void **ctxs, int nctx, int ncallers, int spin_wait,
                    int events, int spin_on) {
  size_t count = scaled(events ? 3000 : 4000, 50);
  caller cs[MAX_CALLERS];
  memset(cs, 0, sizeof cs);
  for (int i = 0; i < ncallers; i++) {
    caller *c = &cs[i];
    c->ctx = ctxs[i % nctx];
    c->spin_wait = spin_wait;
    c->events = events;
    c->count = count;
    c->lat = calloc(count, sizeof *c->lat);
    if (!c->lat) abort();
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (events) {
      c->listener = my_timer_add_on_echo_fired_listener(c->ctx, on_event, c);
      if (!c->listener) failure("cannot add the on_echo_fired listener");
    }
  }
  row *r = new_row(scenario, events ? "event" : "sync", spin_wait ? "spin" : "cond", spin_on);
  r->callers = ncallers;
  r->contexts = nctx;
  for (int i = 0; i < ncallers; i++)
    pthread_create(&cs[i].thread, NULL, caller_run, &cs[i]);
  for (int i = 0; i < ncallers; i++)
    pthread_join(cs[i].thread, NULL);
  uint64_t *all = calloc(count * (size_t)ncallers, sizeof *all);
  if (!all) abort();
  size_t n = 0;
  for (int i = 0; i < ncallers; i++) {
    caller *c = &cs[i];
    memcpy(all + n, c->lat, c->n * sizeof *all);
    n += c->n;
    if (c->listener && my_timer_remove_event_listener(c->ctx, c->listener) != 0)
      failure("remove listener");
    free(c->lat);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
  }
  fill_tails(r, all, n);
  free(all);
}

/* ------------------------------------------------------------ contexts */

typedef struct created {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t ok, answered;
} created;

static created g_created = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void on_created(int ret, const char *msg, size_t len, void *ud) {
  (void)ud;
  if (ret == RET_STALE_WARN) return;
  if (ret != RET_OK) failure("create: %.*s", (int)len, msg);
  pthread_mutex_lock(&g_created.mu);
  g_created.answered++;
  if (ret == RET_OK) g_created.ok++;
  pthread_cond_broadcast(&g_created.cv);
  pthread_mutex_unlock(&g_created.mu);
}

/* Creates n contexts and waits for every constructor; returns how many
 * were created (the rest of ctxs is NULL). */
static size_t create_many(void **ctxs, size_t n) {
  pthread_mutex_lock(&g_created.mu);
  g_created.ok = g_created.answered = 0;
  pthread_mutex_unlock(&g_created.mu);
  TimerConfig config = {.name = TIMER_NAME};
  size_t made = 0;
  for (size_t i = 0; i < n; i++) {
    ctxs[i] = my_timer_create(config, on_created, NULL);
    if (!ctxs[i]) {
      failure("my_timer_create #%zu returned NULL", i);
      break;
    }
    made++;
  }
  struct timespec until;
  deadline_in(&until, 300000);
  int rc = 0;
  pthread_mutex_lock(&g_created.mu);
  while (g_created.answered < made && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&g_created.cv, &g_created.mu, &until);
  size_t answered = g_created.answered;
  pthread_mutex_unlock(&g_created.mu);
  if (answered < made) failure("%zu of %zu constructors did not answer", made - answered, made);
  return made;
}

static void destroy_many(void **ctxs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ctxs[i] && my_timer_destroy(ctxs[i]) != 0) failure("my_timer_destroy #%zu", i);
}

/* ------------------------------------------------------------ busy load */

static pid_t busy[256];
static int nbusy;

static void busy_start(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > 256) n = 256;
  for (long i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) {
      /* Dies with the benchmark, however it ends. */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() == 1) _exit(0);
      volatile unsigned long x = 0;
      for (;;)
        x++;
    }
    if (p > 0) busy[nbusy++] = p;
  }
}

static void busy_stop(void) {
  for (int i = 0; i < nbusy; i++) {
    kill(busy[i], SIGKILL);
    waitpid(busy[i], NULL, 0);
  }
  nbusy = 0;
}

static void on_signal(int sig) {
  busy_stop();
  signal(sig, SIG_DFL);
  raise(sig);
}

/* ------------------------------------------------------------ scenarios */

static void with_contexts(int n, int spin_on, void (*body)(void **ctxs, int n, int spin_on)) {
  ffirt_ctx_set_default_spin_us(spin_on ? FFIRT_CTX_DEFAULT_SPIN_US : 0);
  void *ctxs[2];
  if (create_many(ctxs, (size_t)n) == (size_t)n) body(ctxs, n, spin_on);
  destroy_many(ctxs, (size_t)n);
  ffirt_ctx_set_default_spin_us(FFIRT_CTX_DEFAULT_SPIN_US);
}

static void idle_rows(void **ctxs, int n, int spin_on) {
  (void)n;
  run_row("idle", ctxs, 1, 1, 0, 1, spin_on);
  run_row("idle", ctxs, 1, 1, 0, 0, spin_on);
  run_row("idle", ctxs, 1, 1, 1, 0, spin_on);
}

static void pair_rows(void **ctxs, int n, int spin_on) {
  for (int spin_wait = 0; spin_wait <= 1; spin_wait++) {
    run_row("pair", ctxs, n, 2, spin_wait, 0, spin_on);
    run_row("pair", ctxs, n, 2, spin_wait, 1, spin_on);
  }
}

static void busy_rows(void **ctxs, int n, int spin_on) {
  (void)n;
  busy_start();
  run_row("busy", ctxs, 1, 1, 0, 1, spin_on);
  run_row("busy", ctxs, 1, 1, 0, 0, spin_on);
  run_row("busy", ctxs, 1, 1, 1, 0, spin_on);
  busy_stop();
}

static void many_rows(void) {
  size_t idle_n = scaled(1000, 10), cycle_n = scaled(4096, 10);
  void **ctxs = calloc(cycle_n > idle_n ? cycle_n : idle_n, sizeof *ctxs);
  if (!ctxs) abort();
  /* Idle CPU: after the constructors answered and a settling second. */
  if (create_many(ctxs, idle_n) == idle_n) {
    struct timespec settle = {1, 0}, window = {3, 0};
    nanosleep(&settle, NULL);
    uint64_t c0 = cpu_ns(), w0 = now_ns();
    nanosleep(&window, NULL);
    uint64_t c1 = cpu_ns(), w1 = now_ns();
    row *r = new_row("many", "idle_cpu", "-", 1);
    r->contexts = (int)idle_n;
    r->value = 100.0 * (double)(c1 - c0) / (double)(w1 - w0);
    r->unit = "%core";
  }
  destroy_many(ctxs, idle_n);
  memset(ctxs, 0, idle_n * sizeof *ctxs);

  uint64_t t0 = now_ns();
  size_t made = create_many(ctxs, cycle_n);
  uint64_t t1 = now_ns();
  row *r = new_row("many", "create", "-", 1);
  r->contexts = (int)made;
  r->value = (double)(t1 - t0) / 1e9;
  r->unit = "s";
  destroy_many(ctxs, made);
  r = new_row("many", "destroy", "-", 1);
  r->contexts = (int)made;
  r->value = (double)(now_ns() - t1) / 1e9;
  r->unit = "s";
  free(ctxs);
}

static int want(const char *sections, const char *name) {
  if (!sections) return 1;
  size_t n = strlen(name);
  for (const char *p = sections; (p = strstr(p, name)); p += n)
    if ((p == sections || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
  return 0;
}

int main(int argc, char **argv) {
  const char *sections = NULL;
  if (argc > 1) {
    char *end;
    scale = strtod(argv[1], &end);
    if (*end || scale <= 0 || scale > 1000) {
      fprintf(stderr, "usage: perf_load [SCALE] [idle,pair,busy,many]\n");
      return 2;
    }
  }
  if (argc > 2) sections = argv[2];
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  double load0 = loadavg();
  if (want(sections, "idle")) with_contexts(1, 1, idle_rows);
  if (want(sections, "pair")) {
    with_contexts(2, 1, pair_rows);
    with_contexts(2, 0, pair_rows);
  }
  if (want(sections, "busy")) {
    with_contexts(1, 1, busy_rows);
    with_contexts(1, 0, busy_rows);
  }
  if (want(sections, "many")) many_rows();

  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf("perf_load: my_timer echo %d B through the native ABI, latency that must hold on busy "
         "cores (scale %.2f, %ld CPUs, load average %.2f at the start)\n",
         PAYLOAD, scale, ncpu, load0);
  printf("sync: submit -> reply callback; event: submit -> on_echo_fired listener; wait: how the "
         "caller waits (cond = condvar, spin = busy-poll); spin: the runtime's (default / 0)\n");
  printf("%-5s %-8s %-4s %-4s %7s %8s %8s %9s %9s %9s %10s %5s\n", "scen", "what", "wait", "spin",
         "callers", "contexts", "samples", "p50_us", "p99_us", "p99.9_us", "max_us", "load");
  for (size_t i = 0; i < nrows; i++) {
    const row *r = &rows[i];
    if (!strcmp(r->unit, "us"))
      printf("%-5s %-8s %-4s %-4s %7d %8d %8zu %9.1f %9.1f %9.1f %10.1f %5.2f\n", r->scenario,
             r->what, r->wait, r->spin, r->callers, r->contexts, r->samples, r->p50, r->p99,
             r->p999, r->max, r->load);
    else
      printf("%-5s %-8s %-4s %-4s %7s %8d   %.3f %s %31s %5.2f\n", r->scenario, r->what, r->wait,
             r->spin, "-", r->contexts, r->value, r->unit, "", r->load);
  }
  printf("csv,scenario,what,wait,spin,callers,contexts,samples,p50_us,p99_us,p999_us,max_us,value,"
         "unit,load\n");
  for (size_t i = 0; i < nrows; i++) {
    const row *r = &rows[i];
    printf("csv,%s,%s,%s,%s,%d,%d,%zu,%.1f,%.1f,%.1f,%.1f,%.3f,%s,%.2f\n", r->scenario, r->what,
           r->wait, r->spin, r->callers, r->contexts, r->samples, r->p50, r->p99, r->p999, r->max,
           r->value, r->unit, r->load);
  }
  int n = atomic_load_explicit(&failed, memory_order_relaxed);
  if (n) {
    fprintf(stderr, "perf_load: %d failures (wrong replies or lost events)\n", n);
    return 1;
  }
  return 0;
}
