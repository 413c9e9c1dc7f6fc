/*
 * e2e_wait.h - waiting on a library's callbacks from a test's thread.
 *
 * An e2e_reply records the outcome of one request: the terminal callback's
 * code and a copy of its bytes (or, for native struct replies, the text a
 * formatter made of them while they were still valid), plus how many
 * terminal callbacks came (exactly-once is part of the contract) and on
 * which thread. An e2e_log collects text lines from listeners.
 *
 * Every wait is bounded by a timeout; callers turn a timeout into a test
 * failure.
 */
#ifndef FFIRT_E2E_WAIT_H
#define FFIRT_E2E_WAIT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The waits of the e2e tests: generous, so sanitizer builds pass on 2 cores. */
#define E2E_TIMEOUT_MS 20000

/* Turns a RET_OK msg into text (out is E2E_TEXT_MAX bytes, NUL-terminated).
 * Runs inside the callback, while msg is valid. */
#define E2E_TEXT_MAX 2048
typedef void (*e2e_format)(const char *msg, size_t len, char *out);

typedef struct e2e_reply {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int terminal;     /* terminal callbacks seen */
  int stale_warns;  /* RET_STALE_WARN callbacks seen */
  int ret;          /* code of the (first) terminal callback */
  uint8_t *bytes;   /* copy of msg (RET_ERR or no formatter), NUL-appended */
  size_t len;       /* bytes in `bytes` (without the appended NUL) */
  char *text;       /* formatter output, or NULL */
  pthread_t thread; /* thread of the terminal callback */
  e2e_format format;
  uint64_t seq; /* global completion order (e2e_reply_seq at completion) */
} e2e_reply;

/* format may be NULL (copy the raw bytes). */
void e2e_reply_init(e2e_reply *r, e2e_format format);
void e2e_reply_fini(e2e_reply *r);
/* The FFICallBack to pass with ud = the e2e_reply. */
void e2e_reply_cb(int ret, const char *msg, size_t len, void *ud);
/* 0 once a terminal callback came, -1 after timeout_ms. */
int e2e_reply_wait(e2e_reply *r, int timeout_ms);
/* bytes as a NUL-terminated string (raw replies and errors). */
const char *e2e_reply_str(const e2e_reply *r);

/* Lines appended by listeners, waited for by the test. */
#define E2E_LOG_MAX 256
typedef struct e2e_log {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *lines[E2E_LOG_MAX];
  size_t count;    /* lines stored (at most E2E_LOG_MAX) */
  size_t appended; /* lines appended, stored or not */
} e2e_log;

void e2e_log_init(e2e_log *l);
void e2e_log_fini(e2e_log *l);
void e2e_log_add(e2e_log *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends a copy of bytes [0..len) shown as lowercase hex. */
void e2e_log_add_hex(e2e_log *l, const char *prefix, const void *bytes, size_t len);
/* 0 once at least n lines were appended, -1 after timeout_ms. */
int e2e_log_wait(e2e_log *l, size_t n, int timeout_ms);
/* Lines appended so far (a locked read). */
size_t e2e_log_count(e2e_log *l);

/* Lowercase hex of bytes into out (2 * len + 1 bytes). */
void e2e_hex(const void *bytes, size_t len, char *out);

/* Milliseconds and microseconds of a monotonic clock. */
uint64_t e2e_now_ms(void);
uint64_t e2e_now_us(void);

#endif /* FFIRT_E2E_WAIT_H */
