/*
 * e2e_wait.c - see e2e_wait.h.
 *
 * Design notes: every field of an e2e_reply / e2e_log is guarded by its
 * mutex; callbacks run on library threads (worker, event thread, or the
 * caller's for entry errors) and only copy under the lock. The completion
 * sequence is a process-wide atomic so tests can tell which of two replies
 * came first.
 */
#include "e2e_wait.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ffirt/abi.h>

static atomic_uint_fast64_t completion_seq = 1;

/*
 * ThreadSanitizer suppressions, built into every e2e test (used only in TSan
 * builds). Debian's libuv is not built with TSan, and on Linux it closes
 * descriptors with syscall(SYS_close) (uv__close_nocancel), which TSan does
 * not see. When another thread then gets the same descriptor number from an
 * fd-creating call, TSan reports a "race" between the two creations in its
 * own fd table: a false positive of libuv loops created and destroyed
 * concurrently (the create/destroy stress test), not a race in ffirt.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void) {
  return "race:epoll_create1\nrace:eventfd\nrace:pipe2\n";
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

uint64_t e2e_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t e2e_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void e2e_reply_init(e2e_reply *r, e2e_format format) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  r->ret = -1;
  r->format = format;
}

void e2e_reply_fini(e2e_reply *r) {
  free(r->bytes);
  free(r->text);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
}

void e2e_reply_cb(int ret, const char *msg, size_t len, void *ud) {
  e2e_reply *r = ud;
  pthread_mutex_lock(&r->mu);
  if (ret == RET_STALE_WARN) {
    r->stale_warns++;
    pthread_mutex_unlock(&r->mu);
    return;
  }
  if (r->terminal++ == 0) {
    r->ret = ret;
    r->thread = pthread_self();
    /* Relaxed: the order of completions is all the tests read from it. */
    r->seq = atomic_fetch_add_explicit(&completion_seq, 1, memory_order_relaxed);
    if (ret == RET_OK && r->format) {
      r->text = malloc(E2E_TEXT_MAX);
      if (r->text) {
        r->text[0] = '\0';
        r->format(msg, len, r->text);
      }
    } else {
      r->bytes = malloc(len + 1);
      if (r->bytes) {
        if (len) memcpy(r->bytes, msg, len);
        r->bytes[len] = 0;
        r->len = len;
      }
    }
  }
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

int e2e_reply_wait(e2e_reply *r, int timeout_ms) {
  struct timespec until;
  deadline_in(&until, timeout_ms);
  pthread_mutex_lock(&r->mu);
  int rc = 0;
  while (r->terminal == 0 && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&r->cv, &r->mu, &until);
  int done = r->terminal > 0;
  pthread_mutex_unlock(&r->mu);
  return done ? 0 : -1;
}

const char *e2e_reply_str(const e2e_reply *r) { return r->bytes ? (const char *)r->bytes : ""; }

void e2e_log_init(e2e_log *l) {
  memset(l, 0, sizeof *l);
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv, NULL);
}

void e2e_log_fini(e2e_log *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->lines[i]);
  pthread_mutex_destroy(&l->mu);
  pthread_cond_destroy(&l->cv);
}

static void log_store(e2e_log *l, char *line) {
  pthread_mutex_lock(&l->mu);
  if (l->count < E2E_LOG_MAX && line)
    l->lines[l->count++] = line;
  else
    free(line);
  l->appended++;
  pthread_cond_broadcast(&l->cv);
  pthread_mutex_unlock(&l->mu);
}

void e2e_log_add(e2e_log *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *line = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (line) {
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  log_store(l, line);
}

void e2e_hex(const void *bytes, size_t len, char *out) {
  static const char digits[] = "0123456789abcdef";
  const uint8_t *p = bytes;
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * len] = '\0';
}

void e2e_log_add_hex(e2e_log *l, const char *prefix, const void *bytes, size_t len) {
  size_t plen = strlen(prefix);
  char *line = malloc(plen + 2 * len + 1);
  if (line) {
    memcpy(line, prefix, plen);
    e2e_hex(bytes, len, line + plen);
  }
  log_store(l, line);
}

int e2e_log_wait(e2e_log *l, size_t n, int timeout_ms) {
  struct timespec until;
  deadline_in(&until, timeout_ms);
  pthread_mutex_lock(&l->mu);
  int rc = 0;
  while (l->appended < n && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&l->cv, &l->mu, &until);
  int done = l->appended >= n;
  pthread_mutex_unlock(&l->mu);
  return done ? 0 : -1;
}

size_t e2e_log_count(e2e_log *l) {
  pthread_mutex_lock(&l->mu);
  size_t n = l->appended;
  pthread_mutex_unlock(&l->mu);
  return n;
}
