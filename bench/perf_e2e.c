/*
 * perf_e2e.c - the full round trip of the example library, measured from a
 * C host: host -> export -> worker -> handler -> callback, for my_timer's
 * `echo` (delayMs 0), in both ABIs.
 *
 *   sync   latency p50/p99/max: each caller thread waits for every reply
 *   async  throughput: each caller thread keeps a window of 64 requests
 *          in flight
 *   event  delivery latency: the echo message carries the host's
 *          monotonic timestamp; the listener (native typed, or CBOR
 *          envelope) subtracts it from its own clock
 *
 * for 1 and 2 caller threads and a payload family of 64 B, 512 B, 4 KiB and
 * 64 KiB strings. Every reply is verified (content and length) and every
 * event must arrive: a wrong reply or a lost event prints the reason and
 * the program exits 1. Otherwise it prints a table and one `csv,...` line
 * per row, and exits 0 (a benchmark never fails a build on speed).
 *
 * Baselines (same run): each CBOR row is compared to the native row with
 * the same mode, threads and payload (`vs_native` = cbor / native: latency
 * ratio for sync and event rows, throughput ratio for async rows). Event
 * rows measure submit -> listener, so the sync round trip of the same
 * payload (submit -> reply) is their floor; they print it as `vs_sync`.
 *
 * Usage: perf_e2e [SCALE]   (SCALE multiplies the iteration counts;
 *                            default 1, e.g. 0.1 for a quick look)
 *
 * Design notes: CBOR requests are encoded once per thread into a buffer
 * and only the 8-character sequence tag inside the message is patched per
 * call (the exports copy the request before they return, abi.md 3.3), so
 * the figures are the library's and runtime's cost, not a host encoder's.
 */
#include <my_timer/my_timer.h>

#include <ffirt/cbor.h>
#include <ffirt/common.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW 64
#define TAG_LEN 8 /* the first 8 message bytes: the request's sequence, hex */
#define TIMER_NAME "perf"
#define WAIT_MS 30000

static const size_t payloads[] = {64, 512, 4096, 65536};
#define NPAYLOADS (sizeof payloads / sizeof payloads[0])
static double scale = 1.0;

/* ------------------------------------------------------------ util */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
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

static atomic_int failed;
static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...) {
  /* Relaxed: only the count matters; it is read after the threads joined. */
  if (atomic_fetch_add_explicit(&failed, 1, memory_order_relaxed) < 5) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "perf_e2e: FAILED: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
  }
}

static size_t iterations(size_t payload, size_t small, size_t big) {
  double n = (double)(payload >= 65536 ? big : small) * scale;
  return n < 20 ? 20 : (size_t)n;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile_us(uint64_t *ns, size_t n, double p) {
  if (n == 0) return 0;
  qsort(ns, n, sizeof *ns, cmp_u64);
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return (double)ns[i] / 1000.0;
}

/* The message of request `seq`: an 8-hex-digit tag, then filler. */
static char *message_template(size_t payload) {
  char *m = malloc(payload + 1);
  if (!m) abort();
  for (size_t i = 0; i < payload; i++)
    m[i] = (char)('a' + i % 26);
  m[payload] = '\0';
  return m;
}

static void put_tag(char *dst, uint32_t seq) {
  static const char digits[] = "0123456789abcdef";
  for (int i = TAG_LEN - 1; i >= 0; i--, seq >>= 4)
    dst[i] = digits[seq & 15];
}

/* ------------------------------------------------------------ CBOR */

/* The encoded request {"req": {"message": m, "delayMs": 0}} and where the
 * message's bytes start in it. */
typedef struct cbor_request {
  uint8_t *bytes;
  size_t len;
  size_t message_at;
} cbor_request;

static cbor_request cbor_request_make(const char *message, size_t payload) {
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  ffirt_cbor_enc_map(&e, 1);
  ffirt_cbor_enc_text_z(&e, "req");
  ffirt_cbor_enc_map(&e, 2);
  ffirt_cbor_enc_text_z(&e, "message");
  ffirt_cbor_enc_text(&e, message, payload);
  ffirt_cbor_enc_text_z(&e, "delayMs");
  ffirt_cbor_enc_int(&e, 0);
  cbor_request r;
  r.bytes = ffirt_cbor_enc_take(&e, &r.len);
  if (!r.bytes) abort();
  /* The message is followed by "delayMs" (8 bytes) and the 0 (1 byte). */
  r.message_at = r.len - 9 - payload;
  return r;
}

/* The expected reply {"echoed": m, "timerName": "perf"} around m. */
typedef struct cbor_reply_shape {
  uint8_t head[16];
  size_t head_len; /* a2 66 'echoed' <text head of m> */
  uint8_t tail[16];
  size_t tail_len; /* 69 'timerName' 64 'perf' */
} cbor_reply_shape;

static cbor_reply_shape cbor_reply_shape_make(size_t payload) {
  cbor_reply_shape s;
  size_t at = 0;
  s.head[at++] = 0xa2; /* map of 2 */
  s.head[at++] = 0x66; /* text of 6 */
  memcpy(s.head + at, "echoed", 6);
  at += 6;
  /* Text head of the payload length (major type 3, shortest form). */
  if (payload < 24) {
    s.head[at++] = (uint8_t)(0x60 + payload);
  } else if (payload < 256) {
    s.head[at++] = 0x78;
    s.head[at++] = (uint8_t)payload;
  } else if (payload < 65536) {
    s.head[at++] = 0x79;
    s.head[at++] = (uint8_t)(payload >> 8);
    s.head[at++] = (uint8_t)payload;
  } else {
    s.head[at++] = 0x7a;
    s.head[at++] = (uint8_t)(payload >> 24);
    s.head[at++] = (uint8_t)(payload >> 16);
    s.head[at++] = (uint8_t)(payload >> 8);
    s.head[at++] = (uint8_t)payload;
  }
  s.head_len = at;
  at = 0;
  s.tail[at++] = 0x69;
  memcpy(s.tail + at, "timerName", 9);
  at += 9;
  s.tail[at++] = (uint8_t)(0x60 + strlen(TIMER_NAME));
  memcpy(s.tail + at, TIMER_NAME, strlen(TIMER_NAME));
  at += strlen(TIMER_NAME);
  s.tail_len = at;
  return s;
}

/* ------------------------------------------------------------ verification */

/* What one caller thread expects back. */
typedef struct expect {
  const char *template; /* message bytes (tag overwritten per request) */
  size_t payload;
  cbor_reply_shape shape;
} expect;

static int verify_native(const expect *x, uint32_t seq, int ret, const char *msg, size_t len) {
  char tag[TAG_LEN];
  put_tag(tag, seq);
  if (ret != RET_OK) {
    failure("native echo #%" PRIu32 ": RET %d: %.*s", seq, ret, (int)len, msg);
    return -1;
  }
  const EchoResponse *r = (const EchoResponse *)msg;
  if (len != sizeof *r || strlen(r->echoed) != x->payload || memcmp(r->echoed, tag, TAG_LEN) != 0 ||
      memcmp(r->echoed + TAG_LEN, x->template + TAG_LEN, x->payload - TAG_LEN) != 0 ||
      strcmp(r->timerName, TIMER_NAME) != 0) {
    failure("native echo #%" PRIu32 " (%zu B): wrong reply", seq, x->payload);
    return -1;
  }
  return 0;
}

static int verify_cbor(const expect *x, uint32_t seq, int ret, const char *msg, size_t len) {
  char tag[TAG_LEN];
  put_tag(tag, seq);
  if (ret != RET_OK) {
    failure("cbor echo #%" PRIu32 ": RET %d: %.*s", seq, ret, (int)len, msg);
    return -1;
  }
  const cbor_reply_shape *s = &x->shape;
  const uint8_t *p = (const uint8_t *)msg;
  if (len != s->head_len + x->payload + s->tail_len || memcmp(p, s->head, s->head_len) != 0 ||
      memcmp(p + s->head_len, tag, TAG_LEN) != 0 ||
      memcmp(p + s->head_len + TAG_LEN, x->template + TAG_LEN, x->payload - TAG_LEN) != 0 ||
      memcmp(p + s->head_len + x->payload, s->tail, s->tail_len) != 0) {
    failure("cbor echo #%" PRIu32 " (%zu B): wrong reply bytes", seq, x->payload);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ one caller */

typedef struct caller caller;

/* One outstanding request. */
typedef struct slot {
  caller *owner;
  uint32_t seq;
  uint64_t start_ns;
} slot;

struct caller {
  void *ctx;
  int cbor;
  int async;
  size_t count; /* requests to make */
  expect x;
  char *message; /* the native request's message, tag patched per call */
  cbor_request req;
  uint64_t *latency_ns; /* sync: submit -> callback, one per request */
  uint64_t *wake_ns;    /* sync: submit -> the caller holds the reply */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t inflight;
  size_t done;
  slot slots[WINDOW];
  int free_slots[WINDOW];
  size_t nfree;
  pthread_t thread;
  uint64_t elapsed_ns;
};

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  slot *s = ud;
  caller *c = s->owner;
  if (ret == RET_STALE_WARN) return;
  uint64_t t = now_ns();
  if (c->cbor)
    verify_cbor(&c->x, s->seq, ret, msg, len);
  else
    verify_native(&c->x, s->seq, ret, msg, len);
  pthread_mutex_lock(&c->mu);
  if (!c->async) c->latency_ns[s->seq] = t - s->start_ns;
  c->free_slots[c->nfree++] = (int)(s - c->slots);
  c->inflight--;
  c->done++;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static void submit(caller *c, slot *s) {
  int rc;
  if (c->cbor) {
    put_tag((char *)c->req.bytes + c->req.message_at, s->seq);
    rc = my_timer_echo_cbor(c->ctx, on_reply, s, c->req.bytes, c->req.len);
  } else {
    put_tag(c->message, s->seq);
    EchoRequest r = {.message = c->message, .delayMs = 0};
    rc = my_timer_echo(c->ctx, on_reply, s, r);
  }
  if (rc != RET_OK) failure("echo #%" PRIu32 ": export returned %d", s->seq, rc);
}

static void *caller_run(void *arg) {
  caller *c = arg;
  size_t window = c->async ? WINDOW : 1;
  uint64_t t0 = now_ns();
  for (uint32_t seq = 0; seq < c->count; seq++) {
    pthread_mutex_lock(&c->mu);
    struct timespec until;
    deadline_in(&until, WAIT_MS);
    int rc = 0;
    while (c->inflight >= window && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&c->cv, &c->mu, &until);
    if (c->inflight >= window) {
      pthread_mutex_unlock(&c->mu);
      failure("no reply within %d ms (%zu in flight)", WAIT_MS, c->inflight);
      return NULL;
    }
    if (!c->async && seq > 0) c->wake_ns[seq - 1] = now_ns() - c->slots[0].start_ns;
    slot *s = &c->slots[c->free_slots[--c->nfree]];
    c->inflight++;
    pthread_mutex_unlock(&c->mu);
    s->seq = seq;
    s->start_ns = now_ns();
    submit(c, s);
  }
  pthread_mutex_lock(&c->mu);
  struct timespec until;
  deadline_in(&until, WAIT_MS);
  int rc = 0;
  while (c->inflight > 0 && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&c->cv, &c->mu, &until);
  if (!c->async && c->inflight == 0 && c->count > 0)
    c->wake_ns[c->count - 1] = now_ns() - c->slots[0].start_ns;
  size_t left = c->inflight;
  pthread_mutex_unlock(&c->mu);
  if (left) failure("%zu replies missing after %d ms", left, WAIT_MS);
  c->elapsed_ns = now_ns() - t0;
  return NULL;
}

/* ------------------------------------------------------------ rows */

typedef struct row {
  const char *mode; /* sync, async, event */
  const char *abi;  /* native, cbor */
  int threads;
  size_t payload;
  size_t samples;
  double p50_us, p99_us, ops_per_s;
  double wake_p50_us;                      /* sync: p50 until the waiting caller holds the reply */
  double max_us, wake_p99_us, wake_max_us; /* sync: the tail of both */
  double vs_native;                        /* 0 when not applicable */
  double vs_sync;                          /* event rows: p50 / sync p50 of the same payload */
} row;

static row rows[64];
static size_t nrows;

static row *find_row(const char *mode, const char *abi, int threads, size_t payload) {
  for (size_t i = 0; i < nrows; i++)
    if (!strcmp(rows[i].mode, mode) && !strcmp(rows[i].abi, abi) && rows[i].threads == threads &&
        rows[i].payload == payload)
      return &rows[i];
  return NULL;
}

static void run_calls(void *ctx, int async, int cbor, int threads, size_t payload) {
  size_t count = async ? iterations(payload, 20000, 2000) : iterations(payload, 4000, 600);
  caller *cs = calloc((size_t)threads, sizeof *cs);
  if (!cs) abort();
  char *template = message_template(payload);
  for (int t = 0; t < threads; t++) {
    caller *c = &cs[t];
    c->ctx = ctx;
    c->cbor = cbor;
    c->async = async;
    c->count = count;
    c->x.template = template;
    c->x.payload = payload;
    c->x.shape = cbor_reply_shape_make(payload);
    c->message = message_template(payload);
    c->req = cbor_request_make(c->message, payload);
    c->latency_ns = calloc(count, sizeof *c->latency_ns);
    c->wake_ns = calloc(count, sizeof *c->wake_ns);
    if (!c->latency_ns || !c->wake_ns) abort();
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    for (int i = 0; i < WINDOW; i++) {
      c->slots[i].owner = c;
      c->free_slots[i] = WINDOW - 1 - i;
    }
    c->nfree = WINDOW;
  }
  for (int t = 0; t < threads; t++)
    pthread_create(&cs[t].thread, NULL, caller_run, &cs[t]);
  for (int t = 0; t < threads; t++)
    pthread_join(cs[t].thread, NULL);

  row *r = &rows[nrows++];
  memset(r, 0, sizeof *r);
  r->mode = async ? "async" : "sync";
  r->abi = cbor ? "cbor" : "native";
  r->threads = threads;
  r->payload = payload;
  uint64_t *all = calloc(count * (size_t)threads, sizeof *all);
  uint64_t *wake = calloc(count * (size_t)threads, sizeof *wake);
  if (!all || !wake) abort();
  size_t n = 0;
  uint64_t slowest = 0;
  for (int t = 0; t < threads; t++) {
    caller *c = &cs[t];
    r->samples += c->done;
    if (!async) {
      memcpy(all + n, c->latency_ns, c->done * sizeof *all);
      memcpy(wake + n, c->wake_ns, c->done * sizeof *wake);
      n += c->done;
    }
    if (c->elapsed_ns > slowest) slowest = c->elapsed_ns;
  }
  r->ops_per_s = slowest ? (double)r->samples * 1e9 / (double)slowest : 0;
  if (!async) {
    r->p50_us = percentile_us(all, n, 0.50);
    r->p99_us = percentile_us(all, n, 0.99);
    r->wake_p50_us = percentile_us(wake, n, 0.50);
    r->max_us = percentile_us(all, n, 1.0);
    r->wake_p99_us = percentile_us(wake, n, 0.99);
    r->wake_max_us = percentile_us(wake, n, 1.0);
  }
  free(all);
  free(wake);
  for (int t = 0; t < threads; t++) {
    caller *c = &cs[t];
    free(c->message);
    ffirt_free(c->req.bytes);
    free(c->latency_ns);
    free(c->wake_ns);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
  }
  free(template);
  free(cs);
}

/* ------------------------------------------------------------ events */

/* The listener's side: the echo message is "<submit ns>" padded to the
 * payload size with filler, so the payload family applies to events too. */
typedef struct event_probe {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t received;     /* events */
  size_t replies;      /* verified or failed replies of the echoes */
  const char *message; /* the current request's message */
  size_t payload;
  uint64_t *latency_ns;
  size_t capacity;
} event_probe;

static void probe_record(event_probe *p, const char *message, size_t len) {
  uint64_t t = now_ns();
  char digits[24];
  size_t n = 0;
  while (n < len && n < sizeof digits - 1 && message[n] >= '0' && message[n] <= '9') {
    digits[n] = message[n];
    n++;
  }
  digits[n] = '\0';
  uint64_t sent = strtoull(digits, NULL, 10);
  pthread_mutex_lock(&p->mu);
  if (len != p->payload) failure("event message of %zu bytes, want %zu", len, p->payload);
  if (p->received < p->capacity) p->latency_ns[p->received] = t - sent;
  p->received++;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static void on_event_native(const EchoEvent *evt, void *ud) {
  if (evt->echoCount != 1) failure("event echoCount %" PRId64 ", want 1", evt->echoCount);
  probe_record(ud, evt->message, strlen(evt->message));
}

static void on_event_cbor(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  /* Decode the envelope {"eventType": t, "payload": {"message": m, ...}}. */
  ffirt_cbor_dec d;
  ffirt_cbor_dec_init(&d, (const uint8_t *)msg, len);
  ffirt_cbor_item it;
  const char *message = NULL;
  size_t message_len = 0;
  int is_echo = 0;
  if (ffirt_cbor_dec_next(&d, &it) == 0 && it.type == FFIRT_CBOR_MAP) {
    while (!ffirt_cbor_dec_at_end(&d)) {
      if (ffirt_cbor_dec_next(&d, &it) != 0 || it.type != FFIRT_CBOR_TEXT) break;
      if (it.len == 9 && !memcmp(it.ptr, "eventType", 9)) {
        if (ffirt_cbor_dec_next(&d, &it) != 0) break;
        is_echo =
            it.type == FFIRT_CBOR_TEXT && it.len == 13 && !memcmp(it.ptr, "on_echo_fired", 13);
      } else if (it.len == 7 && !memcmp(it.ptr, "payload", 7)) {
        if (ffirt_cbor_dec_next(&d, &it) != 0 || it.type != FFIRT_CBOR_MAP) break;
        while (!ffirt_cbor_dec_at_end(&d)) {
          if (ffirt_cbor_dec_next(&d, &it) != 0 || it.type != FFIRT_CBOR_TEXT) break;
          int want = it.len == 7 && !memcmp(it.ptr, "message", 7);
          if (want) {
            if (ffirt_cbor_dec_next(&d, &it) != 0 || it.type != FFIRT_CBOR_TEXT) break;
            message = (const char *)it.ptr;
            message_len = it.len;
          } else if (ffirt_cbor_dec_skip(&d) != 0) {
            break;
          }
        }
        ffirt_cbor_dec_leave(&d);
      } else if (ffirt_cbor_dec_skip(&d) != 0) {
        break;
      }
    }
  }
  ffirt_cbor_dec_release(&d);
  if (!is_echo) return; /* liveness events reach wildcard listeners too */
  if (!message) {
    failure("CBOR envelope without payload.message (%zu bytes)", len);
    return;
  }
  probe_record(ud, message, message_len);
}

/* The reply of an event probe's echo: must echo the message sent. */
static void on_probe_reply(int ret, const char *msg, size_t len, void *ud) {
  event_probe *p = ud;
  if (ret == RET_STALE_WARN) return;
  pthread_mutex_lock(&p->mu);
  const EchoResponse *r = (const EchoResponse *)msg;
  if (ret != RET_OK)
    failure("event echo: RET %d: %.*s", ret, (int)len, msg);
  else if (len != sizeof *r || strcmp(r->echoed, p->message) != 0 ||
           strcmp(r->timerName, TIMER_NAME) != 0)
    failure("event echo (%zu B): wrong reply", p->payload);
  p->replies++;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static void run_events(void *ctx, int cbor, size_t payload) {
  size_t count = iterations(payload, 3000, 500);
  event_probe p;
  memset(&p, 0, sizeof p);
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  p.payload = payload;
  p.capacity = count;
  p.latency_ns = calloc(count, sizeof *p.latency_ns);
  if (!p.latency_ns) abort();
  uint64_t id = cbor ? my_timer_add_event_listener_cbor(ctx, "", on_event_cbor, &p)
                     : my_timer_add_on_echo_fired_listener(ctx, on_event_native, &p);
  if (!id) {
    failure("cannot add the %s listener", cbor ? "cbor" : "native");
    return;
  }
  char *message = message_template(payload);
  p.message = message;
  for (size_t i = 0; i < count; i++) {
    /* Timestamp, then filler: "1234567890123 abcd..." (payload bytes). */
    char stamp[24];
    int n = snprintf(stamp, sizeof stamp, "%" PRIu64 " ", now_ns());
    memcpy(message, stamp, (size_t)n);
    EchoRequest req = {.message = message, .delayMs = 0};
    if (my_timer_echo(ctx, on_probe_reply, &p, req) != RET_OK) {
      failure("event echo #%zu refused", i);
      break;
    }
    /* One at a time: wait for this event and reply before the next. */
    pthread_mutex_lock(&p.mu);
    struct timespec until;
    deadline_in(&until, WAIT_MS);
    int rc = 0;
    while ((p.received <= i || p.replies <= i) && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&p.cv, &p.mu, &until);
    size_t got = p.received, replied = p.replies;
    pthread_mutex_unlock(&p.mu);
    if (replied <= i) {
      failure("event echo #%zu: no reply within %d ms", i, WAIT_MS);
      break;
    }
    if (got <= i) {
      failure("event #%zu lost (%s listener, %zu B): not delivered within %d ms", i,
              cbor ? "cbor" : "native", payload, WAIT_MS);
      break;
    }
  }
  if (my_timer_remove_event_listener(ctx, id) != 0) failure("remove listener %" PRIu64, id);
  row *r = &rows[nrows++];
  memset(r, 0, sizeof *r);
  r->mode = "event";
  r->abi = cbor ? "cbor" : "native";
  r->threads = 1;
  r->payload = payload;
  r->samples = p.received < count ? p.received : count;
  r->p50_us = percentile_us(p.latency_ns, r->samples, 0.50);
  r->p99_us = percentile_us(p.latency_ns, r->samples, 0.99);
  free(message);
  free(p.latency_ns);
  pthread_mutex_destroy(&p.mu);
  pthread_cond_destroy(&p.cv);
}

/* ------------------------------------------------------------ main */

static void print_row(const row *r) {
  char vs[16] = "-", vs_sync[16] = "-", wake[16] = "-", p50[16] = "-", p99[16] = "-", ops[24] = "-";
  if (r->vs_native > 0) snprintf(vs, sizeof vs, "%.2fx", r->vs_native);
  if (r->vs_sync > 0) snprintf(vs_sync, sizeof vs_sync, "%.2fx", r->vs_sync);
  if (r->wake_p50_us > 0) snprintf(wake, sizeof wake, "%.1f", r->wake_p50_us);
  /* Async rows measure throughput only; event rows latency only. */
  if (strcmp(r->mode, "async") != 0) {
    snprintf(p50, sizeof p50, "%.1f", r->p50_us);
    snprintf(p99, sizeof p99, "%.1f", r->p99_us);
  }
  if (strcmp(r->mode, "event") != 0) snprintf(ops, sizeof ops, "%.0f", r->ops_per_s);
  printf("%-6s %-7s %7d %8zu %8zu %9s %9s %9s %11s %9s %8s\n", r->mode, r->abi, r->threads,
         r->payload, r->samples, p50, p99, wake, ops, vs, vs_sync);
}

static void on_created(int ret, const char *msg, size_t len, void *ud) {
  event_probe *p = ud;
  if (ret == RET_STALE_WARN) return;
  pthread_mutex_lock(&p->mu);
  if (ret != RET_OK) failure("create: %.*s", (int)len, msg);
  p->replies = 1;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

int main(int argc, char **argv) {
  if (argc > 1) {
    char *end;
    scale = strtod(argv[1], &end);
    if (*end || scale <= 0 || scale > 1000) {
      fprintf(stderr, "usage: perf_e2e [SCALE]  (SCALE: a positive factor for the iteration "
                      "counts, e.g. 0.1)\n");
      return 2;
    }
  }
  event_probe created;
  memset(&created, 0, sizeof created);
  pthread_mutex_init(&created.mu, NULL);
  pthread_cond_init(&created.cv, NULL);
  TimerConfig config = {.name = TIMER_NAME};
  void *ctx = my_timer_create(config, on_created, &created);
  if (!ctx) {
    fprintf(stderr, "perf_e2e: my_timer_create returned NULL\n");
    return 1;
  }
  pthread_mutex_lock(&created.mu);
  struct timespec until;
  deadline_in(&until, WAIT_MS);
  int rc = 0;
  while (!created.replies && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&created.cv, &created.mu, &until);
  int ready = created.replies;
  pthread_mutex_unlock(&created.mu);
  if (!ready || atomic_load_explicit(&failed, memory_order_relaxed)) {
    fprintf(stderr, "perf_e2e: the timer did not start\n");
    return 1;
  }

  for (int async = 0; async <= 1; async++)
    for (int threads = 1; threads <= 2; threads++)
      for (size_t i = 0; i < NPAYLOADS; i++)
        for (int cbor = 0; cbor <= 1; cbor++)
          if (!atomic_load_explicit(&failed, memory_order_relaxed))
            run_calls(ctx, async, cbor, threads, payloads[i]);
  for (size_t i = 0; i < NPAYLOADS; i++)
    for (int cbor = 0; cbor <= 1; cbor++)
      if (!atomic_load_explicit(&failed, memory_order_relaxed)) run_events(ctx, cbor, payloads[i]);
  int destroyed = my_timer_destroy(ctx);
  if (destroyed != 0) failure("my_timer_destroy returned %d", destroyed);

  /* Ratios against the same-run baselines. */
  for (size_t i = 0; i < nrows; i++) {
    row *r = &rows[i];
    if (!strcmp(r->abi, "cbor")) {
      row *base = find_row(r->mode, "native", r->threads, r->payload);
      if (base && !strcmp(r->mode, "async") && base->ops_per_s > 0)
        r->vs_native = r->ops_per_s / base->ops_per_s;
      else if (base && base->p50_us > 0)
        r->vs_native = r->p50_us / base->p50_us;
    }
    if (!strcmp(r->mode, "event")) {
      row *base = find_row("sync", r->abi, 1, r->payload);
      if (base && base->p50_us > 0) r->vs_sync = r->p50_us / base->p50_us;
    }
  }

  printf("perf_e2e: my_timer echo, host -> export -> worker -> handler -> callback "
         "(scale %.2f, async window %d)\n",
         scale, WINDOW);
  double load[3] = {0, 0, 0};
  FILE *la = fopen("/proc/loadavg", "r");
  if (la) {
    if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = 0;
    fclose(la);
  }
  printf("machine load average at the end: %.2f (noisy figures when other work runs)\n", load[0]);
  printf("p50/p99_us: submit -> callback; wake_p50: submit -> the waiting caller thread has the "
         "reply\n");
  printf("vs_native: cbor/native (p50 latency for sync and event, throughput for async); "
         "vs_sync: event p50 / sync round-trip p50\n");
  printf("%-6s %-7s %7s %8s %8s %9s %9s %9s %11s %9s %8s\n", "mode", "abi", "threads", "payload",
         "samples", "p50_us", "p99_us", "wake_p50", "ops_per_s", "vs_native", "vs_sync");
  for (size_t i = 0; i < nrows; i++)
    print_row(&rows[i]);
  printf("csv,mode,abi,threads,payload_bytes,samples,p50_us,p99_us,wake_p50_us,ops_per_s,"
         "vs_native,vs_sync,max_us,wake_p99_us,wake_max_us\n");
  for (size_t i = 0; i < nrows; i++) {
    const row *r = &rows[i];
    printf("csv,%s,%s,%d,%zu,%zu,%.1f,%.1f,%.1f,%.0f,%.3f,%.3f,%.1f,%.1f,%.1f\n", r->mode, r->abi,
           r->threads, r->payload, r->samples, r->p50_us, r->p99_us, r->wake_p50_us, r->ops_per_s,
           r->vs_native, r->vs_sync, r->max_us, r->wake_p99_us, r->wake_max_us);
  }
  int n = atomic_load_explicit(&failed, memory_order_relaxed);
  if (n) {
    fprintf(stderr, "perf_e2e: %d failures (wrong replies or lost events)\n", n);
    return 1;
  }
  return 0;
}
