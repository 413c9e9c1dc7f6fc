/*
 * my_timer.c - the handlers of the reference library `my_timer`
 * (shared/spec/examples.md; the IDL is my_timer.ffi next to this file).
 *
 * Everything here runs on the context's worker thread: ffirt-gen's glue
 * calls each my_timer_<name>_impl() there, and every wait is a libuv timer
 * on the worker's loop (ffirt_ctx_loop), never a sleep, so one slow `echo`
 * does not hold up the other requests of its context.
 *
 * Design notes:
 *  - A delayed reply is a `pending` op: a uv_timer_t plus what the reply
 *    needs. The arguments given to _impl stay borrowed until the call is
 *    finished, so ops keep pointers to them instead of copies.
 *  - Every op of a constructed timer is linked into its MyTimer until the
 *    timer fires; my_timer_destroy_impl() closes whatever is still pending
 *    (the runtime has answered those calls by then, so their `call` must not
 *    be touched again) and frees it. An op's memory is freed only in its
 *    uv_close callback, i.e. after libuv is done with the handle.
 *  - The constructor's op has no MyTimer yet; it is not linked and lives
 *    ~1 ms.
 */
#include "my_timer_ffi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define MY_TIMER_VERSION "timer v0.1.0"
/* The short waits of the constructor and of `schedule` (examples.md). */
#define MY_TIMER_SHORT_WAIT_MS 1

typedef enum pending_kind { PENDING_CREATE, PENDING_ECHO, PENDING_SCHEDULE } pending_kind;

typedef struct pending {
  uv_timer_t timer; /* first member: the close callback casts back */
  pending_kind kind;
  ffirt_call *call;
  MyTimer *self;   /* NULL for PENDING_CREATE */
  uint64_t due_ns; /* uv_hrtime() when the wait is over */
  struct pending *prev, *next;
  union {
    const TimerConfig *config;
    const EchoRequest *echo;
    struct {
      const JobSpec *job;
      const RetryPolicy *retry;
      const ScheduleConfig *schedule;
    } sched;
  } args;
} pending;

struct MyTimer {
  char *name;       /* from TimerConfig.name */
  pending *pending; /* ops waiting on the loop (doubly linked) */
};

static char *dup_text(const char *s) {
  size_t n = strlen(s ? s : "");
  char *copy = malloc(n + 1);
  if (copy) memcpy(copy, s ? s : "", n + 1);
  return copy;
}

static void on_pending_closed(uv_handle_t *handle) { free(handle); }

static void pending_unlink(pending *op) {
  if (!op->self) return;
  if (op->prev)
    op->prev->next = op->next;
  else
    op->self->pending = op->next;
  if (op->next) op->next->prev = op->prev;
  op->prev = op->next = NULL;
}

static void pending_fired(uv_timer_t *timer);

/* Starts op's timer; on failure finishes the call with the libuv error. */
static void pending_start(pending *op, uint64_t delay_ms) {
  uv_loop_t *loop = ffirt_ctx_loop(ffirt_call_ctx(op->call));
  int rc = uv_timer_init(loop, &op->timer);
  if (rc != 0) {
    ffirt_call_err(op->call, "cannot start a timer: %s", uv_strerror(rc));
    free(op);
    return;
  }
  if (op->self) {
    op->next = op->self->pending;
    if (op->next) op->next->prev = op;
    op->self->pending = op;
  }
  op->due_ns = uv_hrtime() + delay_ms * 1000000u;
  rc = uv_timer_start(&op->timer, pending_fired, delay_ms, 0);
  if (rc != 0) {
    ffirt_call_err(op->call, "cannot start a timer: %s", uv_strerror(rc));
    pending_unlink(op);
    uv_close((uv_handle_t *)&op->timer, on_pending_closed);
  }
}

static pending *pending_new(ffirt_call *call, MyTimer *self, pending_kind kind) {
  pending *op = calloc(1, sizeof *op);
  if (!op) {
    ffirt_call_err(call, "out of memory");
    return NULL;
  }
  op->call = call;
  op->self = self;
  op->kind = kind;
  return op;
}

/* --------------------------------------------------------------- create */

static void finish_create(pending *op) {
  MyTimer *state = calloc(1, sizeof *state);
  char *name = dup_text(op->args.config->name);
  if (!state || !name) {
    free(state);
    free(name);
    ffirt_call_err(op->call, "out of memory");
    return;
  }
  state->name = name;
  my_timer_create_ok(op->call, state);
}

void my_timer_create_impl(ffirt_call *call, const TimerConfig *config) {
  pending *op = pending_new(call, NULL, PENDING_CREATE);
  if (!op) return;
  op->args.config = config;
  /* The ~1 ms wait proves the worker's loop runs before the first request. */
  pending_start(op, MY_TIMER_SHORT_WAIT_MS);
}

void my_timer_destroy_impl(ffirt_ctx *ctx, MyTimer *state) {
  (void)ctx;
  if (!state) return;
  /* The runtime has already answered these calls (context destroyed). */
  while (state->pending) {
    pending *op = state->pending;
    pending_unlink(op);
    uv_timer_stop(&op->timer);
    uv_close((uv_handle_t *)&op->timer, on_pending_closed);
  }
  free(state->name);
  free(state);
}

/* ----------------------------------------------------------------- echo */

static void finish_echo(pending *op) {
  const EchoRequest *req = op->args.echo;
  EchoEvent evt = {.message = req->message, .echoCount = 1};
  /* The event is queued before the reply, so a listener never misses the
   * event of an echo whose reply the host already holds. A full event queue
   * is the runtime's to report (dropped_events); the reply still goes. */
  (void)my_timer_emit_on_echo_fired(ffirt_call_ctx(op->call), &evt);
  EchoResponse resp = {.echoed = req->message, .timerName = op->self->name};
  my_timer_echo_ok(op->call, &resp);
}

void my_timer_echo_impl(ffirt_call *call, MyTimer *self, const EchoRequest *req) {
  pending *op = pending_new(call, self, PENDING_ECHO);
  if (!op) return;
  op->args.echo = req;
  /* A negative delay waits nothing, like a zero one. */
  pending_start(op, req->delayMs > 0 ? (uint64_t)req->delayMs : 0);
}

/* -------------------------------------------------------------- version */

void my_timer_version_impl(ffirt_call *call, MyTimer *self) {
  (void)self;
  my_timer_version_ok(call, MY_TIMER_VERSION);
}

/* -------------------------------------------------------------- complex */

void my_timer_complex_impl(ffirt_call *call, MyTimer *self, const ComplexRequest *req) {
  (void)self;
  char summary[256];
  char retries[32];
  snprintf(retries, sizeof retries, "%lld", (long long)(req->retries_present ? req->retries : 0));
  size_t need =
      (size_t)snprintf(NULL, 0, "received %zu messages, note=%s, retries=%s", req->messages_len,
                       req->note_present ? req->note : "<none>", retries);
  char *text = need < sizeof summary ? summary : malloc(need + 1);
  if (!text) {
    ffirt_call_err(call, "out of memory");
    return;
  }
  snprintf(text, need + 1, "received %zu messages, note=%s, retries=%s", req->messages_len,
           req->note_present ? req->note : "<none>", retries);
  ComplexResponse resp = {
      .summary = text,
      .itemCount = (int64_t)req->messages_len,
      .hasNote = req->note_present ? 1 : 0,
  };
  my_timer_complex_ok(call, &resp);
  if (text != summary) free(text);
}

/* ------------------------------------------------------------- schedule */

static void finish_schedule(pending *op) {
  const JobSpec *job = op->args.sched.job;
  const RetryPolicy *retry = op->args.sched.retry;
  const ScheduleConfig *schedule = op->args.sched.schedule;
  if (!job->name || job->name[0] == '\0') {
    ffirt_call_err(op->call, "job name must not be empty");
    return;
  }
  if (retry->maxAttempts <= 0) {
    ffirt_call_err(op->call, "retry.maxAttempts must be positive");
    return;
  }
  size_t n = strlen(op->self->name) + 1 + strlen(job->name) + 1;
  char *job_id = malloc(n);
  if (!job_id) {
    ffirt_call_err(op->call, "out of memory");
    return;
  }
  snprintf(job_id, n, "%s:%s", op->self->name, job->name);
  int64_t runs = 1;
  if (schedule->intervalMs > 0) {
    runs = 60000 / schedule->intervalMs;
    if (runs < 1) runs = 1;
  }
  ScheduleResult result = {
      .jobId = job_id,
      .willRunCount = runs,
      /* Unsigned arithmetic: a host's extreme values wrap instead of
       * overflowing a signed integer (undefined behaviour). */
      .firstRunAtMs = (int64_t)((uint64_t)schedule->startAtMs +
                                (uint64_t)(schedule->jitter_present ? schedule->jitter : 0)),
      .effectiveBackoffMs = retry->backoffMs,
  };
  my_timer_schedule_ok(op->call, &result);
  free(job_id);
}

void my_timer_schedule_impl(ffirt_call *call, MyTimer *self, const JobSpec *job,
                            const RetryPolicy *retry, const ScheduleConfig *schedule) {
  pending *op = pending_new(call, self, PENDING_SCHEDULE);
  if (!op) return;
  op->args.sched.job = job;
  op->args.sched.retry = retry;
  op->args.sched.schedule = schedule;
  pending_start(op, MY_TIMER_SHORT_WAIT_MS);
}

/* ------------------------------------------------------------ dispatch */

static void pending_fired(uv_timer_t *timer) {
  pending *op = (pending *)timer;
  /* libuv counts whole milliseconds from the loop's cached "now", so a timer
   * may fire up to a millisecond early: wait out the rest (the waits are
   * lower bounds: "waits delayMs ms"). */
  uint64_t now = uv_hrtime();
  if (now < op->due_ns) {
    uint64_t left_ms = (op->due_ns - now + 999999u) / 1000000u;
    uv_update_time(timer->loop);
    if (uv_timer_start(timer, pending_fired, left_ms, 0) == 0) return;
  }
  pending_unlink(op);
  switch (op->kind) {
  case PENDING_CREATE: finish_create(op); break;
  case PENDING_ECHO: finish_echo(op); break;
  case PENDING_SCHEDULE: finish_schedule(op); break;
  }
  uv_close((uv_handle_t *)&op->timer, on_pending_closed);
}
