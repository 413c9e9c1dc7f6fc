/*
 * demo.c - a tour of the my_timer example library, as a C host sees it.
 *
 * Run it with `make demo` (build/bin/my_timer_demo). It loads
 * build/lib/libmy_timer.so through the generated host header
 * <my_timer/my_timer.h> and walks through everything a host does: create a
 * timer, call it natively (C structs in, C structs out) and via CBOR (bytes
 * in, bytes out), listen to its events in the four ways the ABI offers,
 * handle an error, remove a listener and destroy the timer.
 *
 * Design notes:
 *  - Every reply arrives on the library's worker thread and every event on
 *    its event thread, so callbacks never print: they turn what they got
 *    into text (while the borrowed msg is still valid) and hand it to the
 *    main thread, which prints. That keeps the output in a fixed order, and
 *    tests/e2e diffs it against tests/e2e/demo.expected.
 *  - Lines from listeners are collected per step and printed sorted (by
 *    echo message, then listener), because echoes fired concurrently may
 *    have their events delivered in any order.
 *  - Every wait is bounded (DEMO_TIMEOUT_MS); a timeout ends the demo with
 *    exit status 1.
 */
#include <my_timer/my_timer.h>

#include <ffirt/cbor.h>
#include <ffirt/common.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEMO_TIMEOUT_MS 10000

/* ------------------------------------------------------------ helpers */

static void deadline_in(struct timespec *ts, int ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

static void die(const char *what) {
  fprintf(stderr, "my_timer_demo: %s\n", what);
  exit(1);
}

/* Turns a successful reply's msg into text; runs inside the callback. */
typedef void (*reply_format)(const char *msg, size_t len, char *out, size_t cap);

/* One request's outcome, filled on the worker thread, read by main. */
typedef struct reply {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  int ret;
  char text[512];
  reply_format format; /* for RET_OK; errors are copied as raw text */
} reply;

static void reply_init(reply *r, reply_format format) {
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  r->done = 0;
  r->ret = -1;
  r->text[0] = '\0';
  r->format = format;
}

static void reply_fini(reply *r) {
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
}

static void copy_text(const char *msg, size_t len, char *out, size_t cap) {
  size_t n = len < cap - 1 ? len : cap - 1;
  memcpy(out, msg, n);
  out[n] = '\0';
}

/* The FFICallBack of every request in this demo. */
static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  reply *r = ud;
  if (ret == RET_STALE_WARN) return; /* progress only; the terminal one follows */
  pthread_mutex_lock(&r->mu);
  if (ret == RET_OK && r->format)
    r->format(msg, len, r->text, sizeof r->text);
  else
    copy_text(msg, len, r->text, sizeof r->text);
  r->ret = ret;
  r->done = 1;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static void reply_wait(reply *r) {
  struct timespec until;
  deadline_in(&until, DEMO_TIMEOUT_MS);
  pthread_mutex_lock(&r->mu);
  int rc = 0;
  while (!r->done && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&r->cv, &r->mu, &until);
  int done = r->done;
  pthread_mutex_unlock(&r->mu);
  if (!done) die("timed out waiting for a reply");
}

static const char *ret_name(int ret) {
  switch (ret) {
  case RET_OK: return "RET_OK";
  case RET_ERR: return "RET_ERR";
  case RET_MISSING_CALLBACK: return "RET_MISSING_CALLBACK";
  default: return "?";
  }
}

/* Formatters: each knows what a native or CBOR reply carries. */

static void fmt_cbor(const char *msg, size_t len, char *out, size_t cap) {
  char *diag = NULL;
  if (ffirt_cbor_to_diag((const uint8_t *)msg, len, &diag) != 0) {
    snprintf(out, cap, "<undecodable CBOR>");
    return;
  }
  snprintf(out, cap, "%s", diag);
  ffirt_free(diag);
}

static void fmt_hex_and_cbor(const char *msg, size_t len, char *out, size_t cap) {
  size_t at = 0;
  for (size_t i = 0; i < len && at + 3 < cap; i++)
    at += (size_t)snprintf(out + at, cap - at, "%02x", (unsigned char)msg[i]);
  if (at + 4 < cap) {
    snprintf(out + at, cap - at, " = ");
    fmt_cbor(msg, len, out + at + 3, cap - at - 3);
  }
}

static void fmt_echo_response(const char *msg, size_t len, char *out, size_t cap) {
  (void)len;
  const EchoResponse *r = (const EchoResponse *)msg;
  snprintf(out, cap, "EchoResponse{echoed=\"%s\", timerName=\"%s\"}", r->echoed, r->timerName);
}

static void fmt_complex_response(const char *msg, size_t len, char *out, size_t cap) {
  (void)len;
  const ComplexResponse *r = (const ComplexResponse *)msg;
  snprintf(out, cap, "ComplexResponse{summary=\"%s\", itemCount=%" PRId64 ", hasNote=%s}",
           r->summary, r->itemCount, r->hasNote ? "true" : "false");
}

static void fmt_schedule_result(const char *msg, size_t len, char *out, size_t cap) {
  (void)len;
  const ScheduleResult *r = (const ScheduleResult *)msg;
  snprintf(out, cap,
           "ScheduleResult{jobId=\"%s\", willRunCount=%" PRId64 ", firstRunAtMs=%" PRId64
           ", effectiveBackoffMs=%" PRId64 "}",
           r->jobId, r->willRunCount, r->firstRunAtMs, r->effectiveBackoffMs);
}

/* ------------------------------------------------------------ event log */

/* Lines produced by listeners (event thread), printed by main per step. */
typedef struct log_line {
  char key[96]; /* sort key: echo message, then listener number */
  char text[256];
} log_line;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  log_line lines[64];
  size_t count;
  unsigned typed_calls; /* how often the typed listener ran, ever */
} event_log = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {{{0}, {0}}}, 0, 0};

static void log_event(const char *message, int listener, const char *fmt, ...) {
  pthread_mutex_lock(&event_log.mu);
  if (event_log.count < sizeof event_log.lines / sizeof event_log.lines[0]) {
    log_line *l = &event_log.lines[event_log.count++];
    snprintf(l->key, sizeof l->key, "%s\x01%d", message, listener);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
  }
  if (listener == 1) event_log.typed_calls++;
  pthread_cond_broadcast(&event_log.cv);
  pthread_mutex_unlock(&event_log.mu);
}

static int by_key(const void *a, const void *b) {
  return strcmp(((const log_line *)a)->key, ((const log_line *)b)->key);
}

/* Waits for `expected` listener lines, prints them sorted, clears the log. */
static void print_events(size_t expected) {
  struct timespec until;
  deadline_in(&until, DEMO_TIMEOUT_MS);
  pthread_mutex_lock(&event_log.mu);
  int rc = 0;
  while (event_log.count < expected && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&event_log.cv, &event_log.mu, &until);
  if (event_log.count < expected) {
    pthread_mutex_unlock(&event_log.mu);
    die("timed out waiting for events");
  }
  qsort(event_log.lines, event_log.count, sizeof event_log.lines[0], by_key);
  for (size_t i = 0; i < event_log.count; i++)
    printf("    %s\n", event_log.lines[i].text);
  event_log.count = 0;
  pthread_mutex_unlock(&event_log.mu);
}

/* ------------------------------------------------------------ listeners */

/* 1. A typed native listener: the generated export hands over the struct. */
static void on_echo_fired_typed(const EchoEvent *evt, void *ud) {
  (void)ud;
  log_event(evt->message, 1,
            "typed listener   got EchoEvent{message=\"%s\", echoCount=%" PRId64 "}", evt->message,
            evt->echoCount);
}

/* 2. A handler table: one registration, one typed slot per event. */
static void on_echo_fired_table(const EchoEvent *evt, void *ud) {
  (void)ud;
  log_event(evt->message, 2,
            "handler table    got EchoEvent{message=\"%s\", echoCount=%" PRId64 "}", evt->message,
            evt->echoCount);
}

/* 3. A native wildcard listener: every event, as an FFIEventView naming it.
 * Built-in liveness events (not_responding, ...) may also arrive; the demo
 * shows only its own. */
static void on_any_event_native(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)len;
  (void)ud;
  const FFIEventView *view = (const FFIEventView *)msg;
  if (strcmp(view->eventType, "on_echo_fired") != 0) return;
  const EchoEvent *evt = view->payload;
  log_event(evt->message, 3, "native wildcard  got \"%s\" (%zu-byte payload, message=\"%s\")",
            view->eventType, view->payloadSize, evt->message);
}

/* 4. A CBOR wildcard listener: the EventEnvelope bytes, shown as CBOR
 * diagnostic notation. */
static void on_any_event_cbor(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)ud;
  char *diag = NULL;
  if (ffirt_cbor_to_diag((const uint8_t *)msg, len, &diag) != 0) {
    log_event("", 4, "CBOR listener    got undecodable bytes");
    return;
  }
  static const char prefix[] = "{\"eventType\": \"on_echo_fired\"";
  if (strncmp(diag, prefix, sizeof prefix - 1) == 0) {
    /* The sort key wants the echo message: it follows "message": "...". */
    char message[64] = "";
    const char *m = strstr(diag, "\"message\": \"");
    if (m) sscanf(m + 12, "%63[^\"]", message);
    log_event(message, 4, "CBOR listener    got %s", diag);
  }
  ffirt_free(diag);
}

/* Replaces each 0x... number in text (a reply text of at most
 * sizeof(reply.text) bytes) by "0x..." so the transcript does not depend on
 * handle values, which differ between runs. */
static void mask_hex_numbers(char *text) {
  char out[sizeof(((reply *)0)->text)];
  size_t n = 0;
  for (const char *p = text; *p && n + 6 < sizeof out;) {
    if (p[0] == '0' && p[1] == 'x') {
      memcpy(out + n, "0x...", 5);
      n += 5;
      for (p += 2;
           (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F');)
        p++;
    } else {
      out[n++] = *p++;
    }
  }
  out[n] = '\0';
  memcpy(text, out, n + 1);
}

/* ------------------------------------------------------------ the tour */

typedef struct concurrent_echo {
  void *ctx;
  EchoRequest req;
  reply r;
  pthread_t thread;
} concurrent_echo;

static void *echo_thread(void *arg) {
  concurrent_echo *c = arg;
  if (my_timer_echo(c->ctx, on_reply, &c->r, c->req) != RET_OK) die("echo refused");
  reply_wait(&c->r);
  return NULL;
}

static void echo_and_show(void *ctx, const char *message, int64_t delay_ms, size_t listeners) {
  reply r;
  reply_init(&r, fmt_echo_response);
  EchoRequest req = {.message = message, .delayMs = delay_ms};
  my_timer_echo(ctx, on_reply, &r, req);
  reply_wait(&r);
  printf("  echo(\"%s\", delayMs=%" PRId64 ") -> %s %s\n", message, delay_ms, ret_name(r.ret),
         r.text);
  reply_fini(&r);
  print_events(listeners);
}

int main(void) {
  /* stdout may be a pipe (the demo test): flush line by line anyway. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("my_timer demo: a C host driving libmy_timer.so through <my_timer/my_timer.h>\n\n");
  /* 0. The header and the loaded library must come from the same IDL
   * (silent when they do; prints both fingerprints when not). */
  if (MY_TIMER_CHECK_ABI() != 0) return 1;

  /* 1. Create. The constructor returns the handle at once; its callback
   * says when the timer is ready (or why it is not). */
  printf("1. create a timer named \"demo\"\n");
  reply r;
  reply_init(&r, NULL);
  TimerConfig config = {.name = "demo"};
  void *ctx = my_timer_create(config, on_reply, &r);
  if (!ctx) die("my_timer_create returned NULL");
  reply_wait(&r);
  char handle_text[32];
  snprintf(handle_text, sizeof handle_text, "%" PRIuPTR, (uintptr_t)ctx);
  printf("  my_timer_create -> a handle; constructor callback: %s, msg %s the handle in decimal\n",
         ret_name(r.ret), strcmp(r.text, handle_text) == 0 ? "is" : "is NOT");
  reply_fini(&r);

  /* 2. version, both ABIs. Native: raw UTF-8. CBOR: a CBOR text string. */
  printf("\n2. version, natively and via CBOR\n");
  reply_init(&r, NULL);
  my_timer_version(ctx, on_reply, &r);
  reply_wait(&r);
  printf("  my_timer_version       -> %s \"%s\" (raw UTF-8, %zu bytes)\n", ret_name(r.ret), r.text,
         strlen(r.text));
  reply_fini(&r);
  reply_init(&r, fmt_hex_and_cbor);
  static const uint8_t no_params[] = {0xa0}; /* {} : version takes no parameters */
  my_timer_version_cbor(ctx, on_reply, &r, no_params, sizeof no_params);
  reply_wait(&r);
  printf("  my_timer_version_cbor  -> %s %s\n", ret_name(r.ret), r.text);
  reply_fini(&r);

  /* 3. echo natively: the reply is a const EchoResponse *, valid during the
   * callback only (copy what you keep). No listener yet, so no event work. */
  printf("\n3. echo natively, typed reply\n");
  echo_and_show(ctx, "hello", 0, 0);

  /* 4. Four ways to listen to on_echo_fired. */
  printf("\n4. register listeners\n");
  uint64_t typed_id = my_timer_add_on_echo_fired_listener(ctx, on_echo_fired_typed, NULL);
  struct my_timer_event_handlers handlers = {.on_echo_fired = on_echo_fired_table};
  uint64_t table_id = my_timer_add_event_handlers(ctx, &handlers, NULL);
  uint64_t native_id = my_timer_add_event_listener(ctx, "", on_any_event_native, NULL);
  uint64_t cbor_id = my_timer_add_event_listener_cbor(ctx, "", on_any_event_cbor, NULL);
  printf("  %-16s %-46s id %" PRIu64 "\n", "typed listener", "my_timer_add_on_echo_fired_listener",
         typed_id);
  printf("  %-16s %-46s id %" PRIu64 "\n", "handler table", "my_timer_add_event_handlers",
         table_id);
  printf("  %-16s %-46s id %" PRIu64 "\n", "native wildcard",
         "my_timer_add_event_listener(ctx, \"\", ...)", native_id);
  printf("  %-16s %-46s id %" PRIu64 "\n", "CBOR wildcard",
         "my_timer_add_event_listener_cbor(ctx, \"\", ...)", cbor_id);
  if (!typed_id || !table_id || !native_id || !cbor_id) die("a listener was refused");

  /* 5. Echoes fire events; every listener sees each one. */
  printf("\n5. echo with listeners: each echo fires on_echo_fired\n");
  echo_and_show(ctx, "one", 20, 4);

  printf("\n   three echoes at once, from three threads (40, 10 and 25 ms)\n");
  concurrent_echo many[3] = {
      {.ctx = ctx, .req = {.message = "alpha", .delayMs = 40}},
      {.ctx = ctx, .req = {.message = "beta", .delayMs = 10}},
      {.ctx = ctx, .req = {.message = "gamma", .delayMs = 25}},
  };
  for (int i = 0; i < 3; i++) {
    reply_init(&many[i].r, fmt_echo_response);
    if (pthread_create(&many[i].thread, NULL, echo_thread, &many[i]) != 0)
      die("pthread_create failed");
  }
  for (int i = 0; i < 3; i++)
    pthread_join(many[i].thread, NULL);
  for (int i = 0; i < 3; i++) {
    printf("  echo(\"%s\", delayMs=%" PRId64 ") -> %s %s\n", many[i].req.message,
           many[i].req.delayMs, ret_name(many[i].r.ret), many[i].r.text);
    reply_fini(&many[i].r);
  }
  print_events(12);

  /* 6. echo via CBOR: request and reply are CBOR maps keyed by the IDL's
   * names ({"req": {"message": ..., "delayMs": ...}}). */
  printf("\n6. echo via CBOR\n");
  ffirt_cbor_enc enc;
  ffirt_cbor_enc_init_dynamic(&enc);
  ffirt_cbor_enc_map(&enc, 1);
  ffirt_cbor_enc_text_z(&enc, "req");
  ffirt_cbor_enc_map(&enc, 2);
  ffirt_cbor_enc_text_z(&enc, "message");
  ffirt_cbor_enc_text_z(&enc, "hi");
  ffirt_cbor_enc_text_z(&enc, "delayMs");
  ffirt_cbor_enc_int(&enc, 200);
  size_t req_len = 0;
  uint8_t *req_bytes = ffirt_cbor_enc_take(&enc, &req_len);
  if (!req_bytes) die("encoding the request failed");
  char req_diag[128];
  fmt_hex_and_cbor((const char *)req_bytes, req_len, req_diag, sizeof req_diag);
  printf("  request  %s\n", req_diag);
  reply_init(&r, fmt_cbor);
  my_timer_echo_cbor(ctx, on_reply, &r, req_bytes, req_len);
  ffirt_free(req_bytes); /* the export copied what it needs */
  reply_wait(&r);
  printf("  reply    %s %s\n", ret_name(r.ret), r.text);
  reply_fini(&r);
  print_events(4);

  /* 7. complex: sequences and optionals, with and without the optionals. */
  printf("\n7. complex, with and without optionals\n");
  EchoRequest messages[2] = {{.message = "a", .delayMs = 1}, {.message = "b", .delayMs = 2}};
  const char *tags[] = {"x", "y", "z"};
  ComplexRequest full = {.messages = messages,
                         .messages_len = 2,
                         .tags = tags,
                         .tags_len = 3,
                         .note_present = 1,
                         .note = "remember",
                         .retries_present = 1,
                         .retries = 3};
  ComplexRequest bare = {.messages = messages, .messages_len = 1};
  reply_init(&r, fmt_complex_response);
  my_timer_complex(ctx, on_reply, &r, full);
  reply_wait(&r);
  printf("  with note and retries -> %s %s\n", ret_name(r.ret), r.text);
  reply_fini(&r);
  reply_init(&r, fmt_complex_response);
  my_timer_complex(ctx, on_reply, &r, bare);
  reply_wait(&r);
  printf("  without optionals     -> %s %s\n", ret_name(r.ret), r.text);
  reply_fini(&r);

  /* 8. schedule: one that works, one the library refuses. */
  printf("\n8. schedule, and a schedule error\n");
  const char *payload[] = {"p1"};
  const char *retry_on[] = {"timeout"};
  JobSpec job = {.name = "backup", .payload = payload, .payload_len = 1, .priority = 5};
  RetryPolicy retry = {.maxAttempts = 3, .backoffMs = 250, .retryOn = retry_on, .retryOn_len = 1};
  ScheduleConfig when = {.startAtMs = 1000, .intervalMs = 15000, .jitter_present = 1, .jitter = 50};
  reply_init(&r, fmt_schedule_result);
  my_timer_schedule(ctx, on_reply, &r, job, retry, when);
  reply_wait(&r);
  printf("  schedule(\"backup\")    -> %s %s\n", ret_name(r.ret), r.text);
  reply_fini(&r);
  JobSpec nameless = {.name = "", .priority = 1};
  reply_init(&r, fmt_schedule_result);
  my_timer_schedule(ctx, on_reply, &r, nameless, retry, when);
  reply_wait(&r);
  printf("  schedule(\"\")          -> %s \"%s\"\n", ret_name(r.ret), r.text);
  reply_fini(&r);

  /* 9. Remove the typed listener: once remove returns it never runs again,
   * while the other three keep receiving. */
  printf("\n9. remove the typed listener (id %" PRIu64 ")\n", typed_id);
  int removed = my_timer_remove_event_listener(ctx, typed_id);
  printf("  my_timer_remove_event_listener -> %d\n", removed);
  pthread_mutex_lock(&event_log.mu);
  unsigned typed_before = event_log.typed_calls;
  pthread_mutex_unlock(&event_log.mu);
  echo_and_show(ctx, "two", 0, 3);
  pthread_mutex_lock(&event_log.mu);
  unsigned typed_after = event_log.typed_calls;
  pthread_mutex_unlock(&event_log.mu);
  printf("  typed listener calls: %u before, %u after (%s)\n", typed_before, typed_after,
         typed_before == typed_after ? "no longer fires" : "STILL FIRES");
  printf("  removing it again -> %d (not found)\n", my_timer_remove_event_listener(ctx, typed_id));

  /* 10. Destroy: synchronous; the handle is dead afterwards, and a call on
   * it is answered with an error on the caller's thread. */
  printf("\n10. destroy\n");
  printf("  my_timer_destroy -> %d\n", my_timer_destroy(ctx));
  reply_init(&r, NULL);
  int ret = my_timer_version(ctx, on_reply, &r);
  reply_wait(&r);
  mask_hex_numbers(r.text);
  printf("  version on the destroyed handle -> returns %s, callback %s \"%s\"\n", ret_name(ret),
         ret_name(r.ret), r.text);
  reply_fini(&r);

  printf("\ndone\n");
  return typed_before == typed_after ? 0 : 1;
}
