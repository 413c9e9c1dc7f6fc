/*
 * ctx_test_util.h - shared helpers of the context runtime tests: a
 * thread-safe recorder of callbacks, two test libraries, and handlers that
 * finish at once, later (uv timer), never, or fail.
 *
 * Header-only (static functions) so each test file stays one translation
 * unit; unused helpers are marked unused.
 */
#ifndef FFIRT_TEST_CTX_TEST_UTIL_H
#define FFIRT_TEST_CTX_TEST_UTIL_H

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "ffirt/context.h"

#define UNUSED __attribute__((unused))

#if defined(__SANITIZE_THREAD__)
/*
 * Debian's libuv is not built with TSan and closes descriptors with a raw
 * syscall(SYS_close), which TSan cannot see; a descriptor number reused by
 * another thread's uv_loop_init() then looks like a race on the fd. Ignore
 * what libuv itself does (it is not instrumented anyway); our own code is
 * still checked.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void) { return "called_from_lib:libuv.so.1\n"; }
#endif

/* --- recorder ------------------------------------------------------------ */

#define REC_MAX 64

typedef struct rec_entry {
  int ret;
  char msg[256];
  size_t len;
  int on_worker; /* 1 when the callback ran on a thread other than the submitter */
} rec_entry;

typedef struct recorder {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int n;          /* all callbacks */
  int terminal;   /* RET_OK + RET_ERR */
  int stale;      /* RET_STALE_WARN */
  int after_term; /* callbacks that came after a terminal one */
  pthread_t submitter;
  rec_entry e[REC_MAX];
} recorder;

static UNUSED void rec_init(recorder *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->cond, NULL);
  r->submitter = pthread_self();
}

static UNUSED void rec_destroy(recorder *r) {
  pthread_cond_destroy(&r->cond);
  pthread_mutex_destroy(&r->lock);
}

static UNUSED void rec_cb(int ret, const char *msg, size_t len, void *ud) {
  recorder *r = ud;
  pthread_mutex_lock(&r->lock);
  if (msg == NULL) abort(); /* the contract: never NULL */
  if (r->terminal > 0) r->after_term++;
  if (r->n < REC_MAX) {
    rec_entry *e = &r->e[r->n];
    e->ret = ret;
    e->len = len;
    memcpy(e->msg, msg, len < sizeof e->msg - 1 ? len : sizeof e->msg - 1);
    e->msg[len < sizeof e->msg - 1 ? len : sizeof e->msg - 1] = '\0';
    e->on_worker = !pthread_equal(pthread_self(), r->submitter);
  }
  r->n++;
  if (ret == RET_STALE_WARN)
    r->stale++;
  else
    r->terminal++;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
}

/* Waits until at least `terminal` terminal callbacks arrived; 1 if so
 * within ms. */
static UNUSED int rec_wait(recorder *r, int terminal, int ms) {
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += ms / 1000;
  dl.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&r->lock);
  int rc = 0;
  while (r->terminal < terminal && rc == 0)
    rc = pthread_cond_timedwait(&r->cond, &r->lock, &dl);
  int ok = r->terminal >= terminal;
  pthread_mutex_unlock(&r->lock);
  return ok;
}

/* The last terminal entry (copied under the lock). */
static UNUSED rec_entry rec_last_terminal(recorder *r) {
  rec_entry out = {.ret = -1};
  pthread_mutex_lock(&r->lock);
  for (int i = (r->n < REC_MAX ? r->n : REC_MAX) - 1; i >= 0; i--)
    if (r->e[i].ret != RET_STALE_WARN) {
      out = r->e[i];
      break;
    }
  pthread_mutex_unlock(&r->lock);
  return out;
}

static UNUSED int rec_terminal(recorder *r) {
  pthread_mutex_lock(&r->lock);
  int t = r->terminal;
  pthread_mutex_unlock(&r->lock);
  return t;
}

static UNUSED void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* --- args ---------------------------------------------------------------- */

/* Args of the test handlers: heap, freed by free_args (which counts). */
typedef struct targs {
  int delay_ms; /* async handlers: finish after this long */
  int value;
  int fail; /* 1: finish with an error */
  int tag;  /* ordering tests: producer id << 20 | sequence */
} targs;

static atomic_int g_args_freed;
static atomic_int g_args_made;

static UNUSED void targs_free(void *p) {
  atomic_fetch_add(&g_args_freed, 1);
  free(p);
}

/* Not counted: for make_ctx(), whose args are freed on the worker at an
 * unspecified time after the reply (which would race the counters). */
static UNUSED void targs_free_quiet(void *p) { free(p); }

static UNUSED targs *targs_new(int delay_ms, int value) {
  targs *a = calloc(1, sizeof *a);
  a->delay_ms = delay_ms;
  a->value = value;
  atomic_fetch_add(&g_args_made, 1);
  return a;
}

/* --- handlers ------------------------------------------------------------ */

/* Constructor: state = heap int holding args->value (or fails). */
static UNUSED void h_ctor(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  if (a && a->fail) {
    ffirt_call_err(call, "bad config: value %d", a->value);
    return;
  }
  int *state = malloc(sizeof *state);
  *state = a ? a->value : 0;
  ffirt_call_ctor_ok(call, state);
}

/* Async constructor: finishes after args->delay_ms on the loop. */
/* Timers of the test handlers. Every live one is on g_laters, so the test
 * library's teardown can close those of its loop (a real library tracks its
 * handles the same way), and a test can free the ones the runtime closed
 * itself (a constructor interrupted by destroy never gets a teardown). */
typedef struct later {
  uv_timer_t t;
  ffirt_call *call;
  int fail;
  uv_loop_t *loop;
  int closing;
  struct later *next;
} later;

static pthread_mutex_t g_laters_lock = PTHREAD_MUTEX_INITIALIZER;
static later *g_laters;

static UNUSED later *later_new(ffirt_call *call) {
  later *l = calloc(1, sizeof *l);
  l->call = call;
  l->t.data = l;
  l->loop = ffirt_ctx_loop(ffirt_call_ctx(call));
  uv_timer_init(l->loop, &l->t);
  pthread_mutex_lock(&g_laters_lock);
  l->next = g_laters;
  g_laters = l;
  pthread_mutex_unlock(&g_laters_lock);
  return l;
}

static UNUSED void later_closed(uv_handle_t *h) {
  later *l = h->data;
  pthread_mutex_lock(&g_laters_lock);
  for (later **p = &g_laters; *p; p = &(*p)->next)
    if (*p == l) {
      *p = l->next;
      break;
    }
  pthread_mutex_unlock(&g_laters_lock);
  free(l);
}

static UNUSED void later_close(later *l) {
  if (l->closing) return;
  l->closing = 1;
  uv_close((uv_handle_t *)&l->t, later_closed);
}

/* Closes the timers on loop (worker of that loop only). */
static UNUSED void laters_close_loop(uv_loop_t *loop) {
  later *todo[256];
  int n = 0;
  pthread_mutex_lock(&g_laters_lock);
  for (later *l = g_laters; l && n < 256; l = l->next)
    if (l->loop == loop && !l->closing) todo[n++] = l;
  pthread_mutex_unlock(&g_laters_lock);
  for (int i = 0; i < n; i++)
    later_close(todo[i]);
}

/* Frees timers of loops that no longer exist (the runtime closed them at
 * destroy). Call only when no context that used them is alive. */
static UNUSED void laters_free_orphans(void) {
  pthread_mutex_lock(&g_laters_lock);
  later *l = g_laters;
  g_laters = NULL;
  pthread_mutex_unlock(&g_laters_lock);
  while (l) {
    later *next = l->next;
    free(l);
    l = next;
  }
}

static UNUSED void ctor_later_fire(uv_timer_t *t) {
  later *l = t->data;
  if (l->fail) {
    ffirt_call_err(l->call, "constructor failed later");
  } else {
    int *state = malloc(sizeof *state);
    *state = 7;
    ffirt_call_ctor_ok(l->call, state);
  }
  later_close(l);
}

static UNUSED void h_ctor_later(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  later *l = later_new(call);
  l->fail = a->fail;
  uv_timer_start(&l->t, ctor_later_fire, (uint64_t)a->delay_ms, 0);
}

/* Replies "state=<state> value=<value>" synchronously. */
static UNUSED void h_echo(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  int *state = ffirt_call_state(call);
  char buf[64];
  int n = snprintf(buf, sizeof buf, "state=%d value=%d", state ? *state : -1, a ? a->value : -1);
  if (a && a->fail)
    ffirt_call_err(call, "handler failed for value %d", a->value);
  else
    ffirt_call_ok(call, buf, (size_t)n);
}

static UNUSED void h_void(ffirt_call *call) { ffirt_call_ok(call, NULL, 0); }

static UNUSED void async_fire(uv_timer_t *t) {
  later *l = t->data;
  targs *a = ffirt_call_args(l->call);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "late %d", a->value);
  ffirt_call_ok(l->call, buf, (size_t)n);
  later_close(l);
}

/* Replies "late <value>" after args->delay_ms without blocking the worker. */
static UNUSED void h_async(ffirt_call *call) {
  targs *a = ffirt_call_args(call);
  later *l = later_new(call);
  uv_timer_start(&l->t, async_fire, (uint64_t)a->delay_ms, 0);
}

/* Never finishes (the runtime must answer it on destroy). */
static UNUSED void h_never(ffirt_call *call) { (void)call; }

static UNUSED void h_twice(ffirt_call *call) {
  ffirt_call_ok(call, "one", 3);
  ffirt_call_ok(call, "two", 3);
  ffirt_call_err(call, "three");
}

static UNUSED ffirt_call_desc d_ctor = {"create", 0, h_ctor, targs_free};
static UNUSED ffirt_call_desc d_ctor_quiet = {"create", 0, h_ctor, targs_free_quiet};
static UNUSED ffirt_call_desc d_ctor_cbor = {"create", 1, h_ctor, targs_free};
static UNUSED ffirt_call_desc d_ctor_later = {"create", 0, h_ctor_later, targs_free};
static UNUSED ffirt_call_desc d_echo = {"echo", 0, h_echo, targs_free};
static UNUSED ffirt_call_desc d_void = {"nothing", 0, h_void, targs_free};
static UNUSED ffirt_call_desc d_async = {"later", 0, h_async, targs_free};
static UNUSED ffirt_call_desc d_never = {"never", 0, h_never, targs_free};
static UNUSED ffirt_call_desc d_twice = {"twice", 0, h_twice, targs_free};

/* --- libraries ----------------------------------------------------------- */

static atomic_int g_dtor_runs;
static atomic_int g_dtor_on_worker;
static atomic_int g_dtor_state;

static UNUSED void lib_dtor(ffirt_ctx *ctx, void *state) {
  atomic_fetch_add(&g_dtor_runs, 1);
  atomic_store(&g_dtor_on_worker, ffirt_ctx_is_own_thread(ctx));
  atomic_store(&g_dtor_state, state ? *(int *)state : -1);
  free(state);
  laters_close_loop(ffirt_ctx_loop(ctx));
}

static UNUSED void lib_events_config(ffirt_events_config *c) { ffirt_events_config_init(c); }

static UNUSED ffirt_library lib_timer = {
    .name = "my_timer", .stale_warn_ms = 5000, .dtor = lib_dtor};
static UNUSED ffirt_library lib_echo = {.name = "echo", .stale_warn_ms = 5000, .dtor = lib_dtor};

/* Creates a context of lib with a synchronous constructor (state = value)
 * and waits for the constructor's reply. */
static UNUSED void *make_ctx(ffirt_library *lib, int value) {
  recorder r;
  rec_init(&r);
  targs *a = calloc(1, sizeof *a);
  a->value = value;
  void *h = ffirt_ctx_create(lib, &d_ctor_quiet, a, rec_cb, &r);
  if (!h || !rec_wait(&r, 1, 5000) || rec_last_terminal(&r).ret != RET_OK) {
    fprintf(stderr, "make_ctx failed\n");
    abort();
  }
  rec_destroy(&r);
  return h;
}

/* --- process resources --------------------------------------------------- */

static UNUSED int count_dir(const char *path) {
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static UNUSED int count_fds(void) { return count_dir("/proc/self/fd"); }

/* Resident set size in KiB (/proc/self/statm), -1 when unreadable. */
static UNUSED long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = -1;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * 4;
}
/* A joined thread can stay listed in /proc/self/task for a moment (the
 * kernel reaps it after waking the joiner), so thread counts are compared
 * only once they settled. */
static UNUSED int count_threads_raw(void) { return count_dir("/proc/self/task"); }

/* The thread count once it stopped falling (a baseline). */
static UNUSED int count_threads(void) {
  int n = count_threads_raw();
  for (int i = 0; i < 100; i++) {
    sleep_ms(2);
    int m = count_threads_raw();
    if (m >= n) return m;
    n = m;
  }
  return n;
}

/* Waits up to 2 s for the thread count to reach want; returns the last. */
static UNUSED int settle_threads(int want) {
  int n = count_threads_raw();
  for (int i = 0; i < 400 && n != want; i++) {
    sleep_ms(5);
    n = count_threads_raw();
  }
  return n;
}

#endif /* FFIRT_TEST_CTX_TEST_UTIL_H */
