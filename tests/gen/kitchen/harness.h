/*
 * harness.h - what the generated-code tests share: golden bytes written as
 * hex with quoted text, and a reply recorder that waits for the one terminal
 * callback of a request. Include after <cmocka.h>.
 */
#ifndef FFIRT_TESTS_GEN_KITCHEN_HARNESS_H
#define FFIRT_TESTS_GEN_KITCHEN_HARNESS_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ golden bytes */

/* Hex pairs, with 'text' standing for the raw bytes of text. */
static inline size_t golden(const char *spec, uint8_t *out) {
  size_t n = 0;
  for (const char *p = spec; *p;) {
    if (*p == ' ') {
      p++;
    } else if (*p == '\'') {
      for (p++; *p != '\''; p++)
        out[n++] = (uint8_t)*p;
      p++;
    } else {
      unsigned v;
      sscanf(p, "%2x", &v);
      out[n++] = (uint8_t)v;
      p += 2;
    }
  }
  return n;
}

/* ---------------------------------------------------------- replies */

typedef struct reply {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  int ret;
  uint8_t bytes[4096];
  size_t len;
  /* run inside the callback on RET_OK (native graphs die after it) */
  int (*check)(const char *msg, size_t len, const void *expect);
  const void *expect;
  int checked;
  int same_thread; /* the callback ran on the submitting thread */
  pthread_t submitter;
} reply;

static inline void reply_init(reply *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  r->submitter = pthread_self();
}

static inline void on_reply(int ret, const char *msg, size_t len, void *ud) {
  reply *r = ud;
  if (ret == RET_STALE_WARN) return;
  pthread_mutex_lock(&r->mu);
  r->ret = ret;
  r->len = len < sizeof r->bytes ? len : sizeof r->bytes;
  memcpy(r->bytes, msg, r->len);
  if (ret == RET_OK && r->check) r->checked = r->check(msg, len, r->expect);
  r->same_thread = pthread_equal(pthread_self(), r->submitter);
  r->done++;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static inline void wait_reply(reply *r) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock(&r->mu);
  while (!r->done && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0) {
  }
  pthread_mutex_unlock(&r->mu);
  assert_int_equal(r->done, 1);
}

static inline void assert_text(const reply *r, int ret, const char *text) {
  assert_int_equal(r->ret, ret);
  char got[4097];
  memcpy(got, r->bytes, r->len);
  got[r->len] = '\0';
  assert_string_equal(got, text);
}

static inline void assert_bytes(const reply *r, const char *spec) {
  uint8_t want[4096];
  size_t n = golden(spec, want);
  if (r->ret != RET_OK) fail_msg("RET_ERR: %.*s", (int)r->len, (const char *)r->bytes);
  assert_int_equal(r->len, n);
  assert_memory_equal(r->bytes, want, n);
}

#endif /* FFIRT_TESTS_GEN_KITCHEN_HARNESS_H */
