/*
 * perf_remote.c - my_timer's echo through lib<lib>_remote.so + NATS +
 * ffirt-serve over loopback, against the same calls in process, in one run
 * (docs/remote.md):
 *
 *   sync   64 B echo latency p50/p99/max (one caller, waits for each reply)
 *   async  throughput, a window of 64 requests in flight
 *   event  delivery latency p50/p99/max (the message carries the caller's
 *          monotonic timestamp; the typed listener subtracts it) and
 *          events/s (window 64)
 *   scale  async throughput with two ffirt-serve in one queue group vs one
 *          (contexts spread by the queue group)
 *   nats   the transport's floor: the same sync and window-64 loops as a raw
 *          libnats request/reply echo (a responder on its own connection in
 *          this process replying from its subscription callback, SendAsap on
 *          both sides, a 96 B body like the remote request). Measured
 *          interleaved with the remote rows (alternate blocks of 500 sync
 *          calls, alternate async runs) so both see the same machine state;
 *          the remote-minus-nats p50 is ffirt's own cost.
 *
 * It starts its own nats-server on a free loopback port and its ffirt-serve
 * processes, and stops them at the end. Both libraries export the same
 * symbols, so each is dlopen'ed RTLD_LOCAL and called through dlsym.
 *
 * Usage: perf_remote [SCALE]   (multiplies the iteration counts; default 1)
 * Prints a table and `csv,...` lines; exits 1 only if a reply is wrong or
 * missing or no event arrives (never on speed; events beyond the queue's
 * capacity may be dropped by the library's overflow policy, and are counted).
 */
#define _GNU_SOURCE
#include <my_timer/my_timer.h>

#include <nats/nats.h>

#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define WINDOW 64

typedef struct api {
  const char *name;
  void *(*create)(TimerConfig, FFICallBack, void *);
  int (*echo)(void *, FFICallBack, void *, EchoRequest);
  int (*destroy)(void *);
  uint64_t (*add_fired)(void *, void (*)(const EchoEvent *, void *), void *);
  int (*remove)(void *, uint64_t);
} api;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* every child started, stopped also when the run fails */
static pid_t children[8];
static int nchildren;

static void die(const char *what) {
  fprintf(stderr, "perf_remote: %s\n", what);
  for (int i = nchildren - 1; i >= 0; i--)
    kill(children[i], SIGKILL);
  exit(1);
}

static int load(api *a, const char *path, const char *name) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "perf_remote: %s\n", dlerror());
    return -1;
  }
  a->name = name;
  a->create = (void *(*)(TimerConfig, FFICallBack, void *))(uintptr_t)dlsym(h, "my_timer_create");
  a->echo = (int (*)(void *, FFICallBack, void *, EchoRequest))(uintptr_t)dlsym(h, "my_timer_echo");
  a->destroy = (int (*)(void *))(uintptr_t)dlsym(h, "my_timer_destroy");
  a->add_fired = (uint64_t(*)(void *, void (*)(const EchoEvent *, void *), void *))(uintptr_t)dlsym(
      h, "my_timer_add_on_echo_fired_listener");
  a->remove = (int (*)(void *, uint64_t))(uintptr_t)dlsym(h, "my_timer_remove_event_listener");
  return a->create && a->echo && a->destroy && a->add_fired && a->remove ? 0 : -1;
}

/* ---- completion counting */

typedef struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  long done, errors;
} waiter;

static waiter W = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  (void)ud;
  if (ret == RET_STALE_WARN) return;
  int bad = ret != RET_OK || len != sizeof(EchoResponse) ||
            strcmp(((const EchoResponse *)(const void *)msg)->timerName, "perf") != 0;
  pthread_mutex_lock(&W.mu);
  W.done++;
  if (bad) {
    W.errors++;
    if (W.errors < 3) fprintf(stderr, "perf_remote: bad reply %d %.*s\n", ret, (int)len, msg);
  }
  pthread_cond_broadcast(&W.cv);
  pthread_mutex_unlock(&W.mu);
}

static void wait_done(long n) {
  pthread_mutex_lock(&W.mu);
  while (W.done < n)
    pthread_cond_wait(&W.cv, &W.mu);
  pthread_mutex_unlock(&W.mu);
}

static void on_created(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  *(int *)ud = ret == RET_OK ? 1 : -1;
  pthread_mutex_lock(&W.mu);
  pthread_cond_broadcast(&W.cv);
  pthread_mutex_unlock(&W.mu);
}

static void *make_timer(const api *a) {
  int state = 0;
  void *ctx = a->create((TimerConfig){.name = "perf"}, on_created, &state);
  if (!ctx) die("create failed");
  pthread_mutex_lock(&W.mu);
  while (!state)
    pthread_cond_wait(&W.cv, &W.mu);
  pthread_mutex_unlock(&W.mu);
  if (state < 0) die("constructor failed");
  return ctx;
}

static char msg64[65];

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

/* Prints the row; returns p50 in us. */
static double print_lat(const char *what, const char *lib, uint64_t *ns, long n) {
  qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
  double p50 = ns[n / 2] / 1e3, p99 = ns[(n * 99) / 100] / 1e3, mx = ns[n - 1] / 1e3;
  printf("%-7s %-10s n=%-7ld p50 %9.1f us  p99 %9.1f us  max %9.1f us\n", what, lib, n, p50, p99,
         mx);
  printf("csv,%s,%s,%ld,%.1f,%.1f,%.1f\n", what, lib, n, p50, p99, mx);
  return p50;
}

/* Calls [from, to) of a sync run into ns (negative i: warm-up, not kept). */
static void sync_block(const api *a, void *ctx, uint64_t *ns, long from, long to) {
  for (long i = from; i < to; i++) {
    long before = W.done;
    uint64_t t0 = now_ns();
    a->echo(ctx, on_reply, NULL, (EchoRequest){msg64, 0});
    wait_done(before + 1);
    if (i >= 0) ns[i] = now_ns() - t0;
  }
}

static double sync_echo(const api *a, void *ctx, long n) {
  uint64_t *ns = malloc((size_t)n * sizeof *ns);
  sync_block(a, ctx, ns, -n / 10, n); /* a tenth as warm-up */
  double p50 = print_lat("sync", a->name, ns, n);
  free(ns);
  return p50;
}

/* Two sync runs interleaved in blocks of 500 calls: a[0], a[1], a[0], ...
 * p50s out. */
static void sync_pair(const api *a[2], void *ctx[2], long n, double p50[2]) {
  uint64_t *ns[2] = {malloc((size_t)n * sizeof(uint64_t)), malloc((size_t)n * sizeof(uint64_t))};
  for (int k = 0; k < 2; k++)
    sync_block(a[k], ctx[k], ns[k], -n / 10, 0);
  for (long from = 0; from < n; from += 500)
    for (int k = 0; k < 2; k++)
      sync_block(a[k], ctx[k], ns[k], from, from + 500 < n ? from + 500 : n);
  for (int k = 0; k < 2; k++) {
    p50[k] = print_lat("sync", a[k]->name, ns[k], n);
    free(ns[k]);
  }
}

/* n calls over the contexts, WINDOW in flight in total. calls/s. */
static double async_echo(const api *a, void **ctx, int nctx, long n) {
  long base = W.done;
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    pthread_mutex_lock(&W.mu);
    while (i - (W.done - base) >= WINDOW)
      pthread_cond_wait(&W.cv, &W.mu);
    pthread_mutex_unlock(&W.mu);
    a->echo(ctx[i % nctx], on_reply, NULL, (EchoRequest){msg64, 0});
  }
  wait_done(base + n);
  return n / ((now_ns() - t0) / 1e9);
}

/* ---- the raw NATS floor: a request/reply echo with no ffirt in between */

static natsConnection *raw_srv, *raw_cli;
static char raw_inbox[128];
static char raw_body[96];
static atomic_ulong raw_seq;

static void raw_on_request(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *cl) {
  (void)nc;
  (void)sub;
  (void)cl;
  const char *reply = natsMsg_GetReply(m);
  if (reply) natsConnection_Publish(raw_srv, reply, natsMsg_GetData(m), natsMsg_GetDataLength(m));
  natsMsg_Destroy(m);
}

static void raw_on_reply(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *cl) {
  (void)nc;
  (void)sub;
  (void)cl;
  int bad = natsMsg_GetDataLength(m) != (int)sizeof raw_body;
  natsMsg_Destroy(m);
  pthread_mutex_lock(&W.mu);
  W.done++;
  if (bad) W.errors++;
  pthread_cond_broadcast(&W.cv);
  pthread_mutex_unlock(&W.mu);
}

/* The api's echo, for the loops above: publish with reply <inbox>.<n>. */
static int raw_echo(void *ctx, FFICallBack cb, void *ud, EchoRequest r) {
  (void)ctx;
  (void)cb;
  (void)ud;
  (void)r;
  char reply[160];
  snprintf(reply, sizeof reply, "%s.%lu", raw_inbox, atomic_fetch_add(&raw_seq, 1));
  return natsConnection_PublishRequest(raw_cli, "perf.raw.echo", reply, raw_body,
                                       (int)sizeof raw_body) == NATS_OK
             ? 0
             : -1;
}

static natsConnection *raw_connect(const char *url) {
  natsOptions *o = NULL;
  natsConnection *nc = NULL;
  if (natsOptions_Create(&o) != NATS_OK || natsOptions_SetURL(o, url) != NATS_OK ||
      natsOptions_SetSendAsap(o, true) != NATS_OK || natsConnection_Connect(&nc, o) != NATS_OK)
    die("raw nats: cannot connect");
  natsOptions_Destroy(o);
  return nc;
}

static void raw_start(api *a, const char *url) {
  memset(raw_body, 'x', sizeof raw_body);
  raw_srv = raw_connect(url);
  raw_cli = raw_connect(url);
  natsSubscription *s1 = NULL, *s2 = NULL;
  char *inbox = NULL;
  if (natsInbox_Create(&inbox) != NATS_OK) die("raw nats: inbox");
  snprintf(raw_inbox, sizeof raw_inbox, "%s", inbox);
  natsInbox_Destroy(inbox);
  char subj[160];
  snprintf(subj, sizeof subj, "%s.*", raw_inbox);
  if (natsConnection_Subscribe(&s1, raw_srv, "perf.raw.echo", raw_on_request, NULL) != NATS_OK ||
      natsConnection_Subscribe(&s2, raw_cli, subj, raw_on_reply, NULL) != NATS_OK ||
      natsConnection_Flush(raw_srv) != NATS_OK || natsConnection_Flush(raw_cli) != NATS_OK)
    die("raw nats: cannot subscribe");
  memset(a, 0, sizeof *a);
  a->name = "nats";
  a->echo = raw_echo;
}

/* ---- events: the message is the submit timestamp in decimal */

static uint64_t *ev_lat;
static atomic_long ev_count;
static _Atomic uint64_t ev_last; /* arrival time of the latest event */
static long ev_cap;

static void on_fired(const EchoEvent *e, void *ud) {
  (void)ud;
  uint64_t t = now_ns();
  uint64_t sent = strtoull(e->message, NULL, 10);
  long i = atomic_fetch_add(&ev_count, 1);
  atomic_store(&ev_last, t);
  if (i < ev_cap) ev_lat[i] = t - sent;
}

static void events(const api *a, void *ctx, long n) {
  ev_lat = malloc((size_t)n * sizeof *ev_lat);
  ev_cap = n;
  atomic_store(&ev_count, 0);
  uint64_t id = a->add_fired(ctx, on_fired, NULL);
  if (!id) die("listener refused");
  char stamp[32];
  /* latency: one at a time (event after its reply: wait for both) */
  for (long i = 0; i < n; i++) {
    long before = W.done;
    snprintf(stamp, sizeof stamp, "%llu", (unsigned long long)now_ns());
    a->echo(ctx, on_reply, NULL, (EchoRequest){stamp, 0});
    wait_done(before + 1);
    while (atomic_load(&ev_count) < i + 1) {
      struct timespec ts = {0, 20000};
      nanosleep(&ts, NULL);
    }
  }
  print_lat("event", a->name, ev_lat, n);
  /* rate: a window of 64 echo calls, count events */
  atomic_store(&ev_count, 0);
  ev_cap = 0;
  long m = n * 5;
  long base = W.done;
  uint64_t t0 = now_ns();
  for (long i = 0; i < m; i++) {
    pthread_mutex_lock(&W.mu);
    while (i - (W.done - base) >= WINDOW)
      pthread_cond_wait(&W.cv, &W.mu);
    pthread_mutex_unlock(&W.mu);
    snprintf(stamp, sizeof stamp, "%llu", (unsigned long long)now_ns());
    a->echo(ctx, on_reply, NULL, (EchoRequest){stamp, 0});
  }
  wait_done(base + m);
  uint64_t deadline = now_ns() + 2000000000u;
  while (atomic_load(&ev_count) < m && now_ns() < deadline) {
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
  long got = atomic_load(&ev_count);
  double secs = (atomic_load(&ev_last) - t0) / 1e9; /* to the last arrival */
  /* at full speed the event queue may overflow: the library's policy
   * (drop_newest, reported as dropped_events) then drops some, by design */
  printf("events  %-10s n=%-7ld %10.0f events/s (%ld of %ld delivered%s)\n", a->name, m, got / secs,
         got, m, got < m ? "; the rest dropped by the queue's overflow policy" : "");
  printf("csv,events_per_s,%s,%ld,%.0f\n", a->name, m, got / secs);
  if (got == 0) die("no event delivered");
  a->remove(ctx, id);
  free(ev_lat);
}

/* ---- processes */

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof a;
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) ||
      getsockname(s, (struct sockaddr *)&a, &l))
    die("no free port");
  close(s);
  return ntohs(a.sin_port);
}

static pid_t spawn(char **argv, int wait_serving) {
  int fds[2];
  if (pipe(fds)) die("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], wait_serving ? 1 : 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) die("cannot start a process");
  posix_spawn_file_actions_destroy(&fa);
  if (nchildren < 8) children[nchildren++] = pid;
  close(fds[1]);
  char buf[1024];
  /* nats-server logs "Server is ready" to stderr; ffirt-serve "serving" to stdout */
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
    if (n <= 0) die("a child exited early");
    got += (size_t)n;
    buf[got] = '\0';
    if (strstr(buf, wait_serving ? "serving" : "Server is ready")) break;
    if (got > sizeof buf / 2) {
      memmove(buf, buf + got / 2, got - got / 2);
      got -= got / 2;
    }
  }
  close(fds[0]);
  return pid;
}

static void stop(pid_t p) {
  if (p <= 0) return;
  kill(p, SIGTERM);
  waitpid(p, NULL, 0);
}

int main(int argc, char **argv) {
  double scale = argc > 1 ? atof(argv[1]) : 1;
  if (scale <= 0) scale = 1;
  signal(SIGPIPE, SIG_IGN);
  memset(msg64, 'x', 64);
  char port[16], url[64];
  snprintf(port, sizeof port, "%d", free_port());
  snprintf(url, sizeof url, "nats://127.0.0.1:%s", port);
  char *nats_argv[] = {FFIRT_NATS_SERVER_PATH, "-a", "127.0.0.1", "-p", port, NULL};
  pid_t nats = spawn(nats_argv, 0);
  char *serve_argv[] = {FFIRT_SERVE_PATH, "--lib", MY_TIMER_PATH, "--nats", url, NULL};
  pid_t s1 = spawn(serve_argv, 1);
  setenv("FFIRT_NATS_URL", url, 1);

  api local, remote, raw;
  if (load(&local, MY_TIMER_PATH, "in-process") || load(&remote, MY_TIMER_REMOTE_PATH, "remote"))
    die("cannot load the libraries");
  raw_start(&raw, url);
  long n_sync = (long)(5000 * scale), n_async = (long)(50000 * scale), n_ev = (long)(2000 * scale);
  if (n_sync < 10) n_sync = 10;
  if (n_async < 100) n_async = 100;
  if (n_ev < 10) n_ev = 10;
  printf("perf_remote: my_timer echo, 64 B message, loopback NATS %s\n", url);
  {
    void *ctx = make_timer(&local);
    sync_echo(&local, ctx, n_sync);
    double tput = async_echo(&local, &ctx, 1, n_async);
    printf("async   %-10s n=%-7ld %10.0f calls/s (window %d)\n", local.name, n_async, tput, WINDOW);
    printf("csv,async,%s,%ld,%.0f\n", local.name, n_async, tput);
    events(&local, ctx, n_ev);
    local.destroy(ctx);
  }
  {
    /* remote and the raw NATS floor, interleaved */
    const api *pair[2] = {&raw, &remote};
    void *ctx[2] = {NULL, make_timer(&remote)};
    double p50[2];
    sync_pair(pair, ctx, n_sync, p50);
    printf("sync    remote - nats at p50: %+.1f us (ffirt's own cost over the transport)\n",
           p50[1] - p50[0]);
    printf("csv,sync_overhead_p50,%.1f\n", p50[1] - p50[0]);
    double secs[2] = {0, 0};
    long runs = 4, per = n_async / runs;
    for (long r = 0; r < runs; r++)
      for (int k = 0; k < 2; k++) {
        double t = async_echo(pair[k], &ctx[k], 1, per);
        secs[k] += per / t;
      }
    for (int k = 0; k < 2; k++) {
      double tput = per * runs / secs[k];
      printf("async   %-10s n=%-7ld %10.0f calls/s (window %d)\n", pair[k]->name, per * runs, tput,
             WINDOW);
      printf("csv,async,%s,%ld,%.0f\n", pair[k]->name, per * runs, tput);
    }
    events(&remote, ctx[1], n_ev);
    remote.destroy(ctx[1]);
  }
  /* one server vs two in one queue group, 8 contexts each time */
  void *ctx[8];
  for (int i = 0; i < 8; i++)
    ctx[i] = make_timer(&remote);
  double one = async_echo(&remote, ctx, 8, n_async);
  for (int i = 0; i < 8; i++)
    remote.destroy(ctx[i]);
  pid_t s2 = spawn(serve_argv, 1);
  for (int i = 0; i < 8; i++)
    ctx[i] = make_timer(&remote);
  double two = async_echo(&remote, ctx, 8, n_async);
  for (int i = 0; i < 8; i++)
    remote.destroy(ctx[i]);
  printf("scale   one server %10.0f calls/s, two servers %10.0f calls/s (x%.2f; 8 contexts, "
         "window %d, %ld cores)\n",
         one, two, two / one, WINDOW, sysconf(_SC_NPROCESSORS_ONLN));
  printf("csv,scale,%.0f,%.0f\n", one, two);
  natsConnection_Destroy(raw_cli);
  natsConnection_Destroy(raw_srv);
  stop(s2);
  stop(s1);
  stop(nats);
  if (W.errors) {
    fprintf(stderr, "perf_remote: %ld bad replies\n", W.errors);
    return 1;
  }
  return 0;
}
