/*
 * my_timer.c - the handlers of the reference library `my_timer`
 * (shared/spec/examples.md; the IDL is my_timer.ffi next to this file).
 *
 * Everything here runs on the context's worker thread: ffirt-gen's glue
 * calls each my_timer_<name>_impl() there. A delayed reply is one call to
 * the generated my_timer_<name>_after(call, ms, fn): fn runs later on the
 * worker with the same (still borrowed) arguments, never a sleep, so one
 * slow `echo` does not hold up the other requests of its context. The wait
 * belongs to the call: when the context is destroyed first, the runtime
 * answers the call and frees the wait, so this file keeps no timers, lists
 * or close callbacks of its own.
 */
#include "my_timer_ffi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MY_TIMER_VERSION "timer v0.1.0"
/* The short waits of the constructor and of `schedule` (examples.md). */
#define MY_TIMER_SHORT_WAIT_MS 1

struct MyTimer {
  char *name; /* from TimerConfig.name */
};

static char *dup_text(const char *s) {
  size_t n = strlen(s ? s : "");
  char *copy = malloc(n + 1);
  if (copy) memcpy(copy, s ? s : "", n + 1);
  return copy;
}

/* --------------------------------------------------------------- create */

static void finish_create(ffirt_call *call, const TimerConfig *config) {
  MyTimer *state = calloc(1, sizeof *state);
  char *name = dup_text(config->name);
  if (!state || !name) {
    free(state);
    free(name);
    ffirt_call_err(call, "out of memory");
    return;
  }
  state->name = name;
  my_timer_create_ok(call, state);
}

void my_timer_create_impl(ffirt_call *call, const TimerConfig *config) {
  (void)config;
  /* The ~1 ms wait proves the worker's loop runs before the first request. */
  my_timer_create_after(call, MY_TIMER_SHORT_WAIT_MS, finish_create);
}

void my_timer_destroy_impl(ffirt_ctx *ctx, MyTimer *state) {
  (void)ctx;
  if (!state) return;
  free(state->name);
  free(state);
}

/* ----------------------------------------------------------------- echo */

static void finish_echo(ffirt_call *call, MyTimer *self, const EchoRequest *req) {
  EchoEvent evt = {.message = req->message, .echoCount = 1};
  /* The event is queued before the reply, so a listener never misses the
   * event of an echo whose reply the host already holds. A full event queue
   * is the runtime's to report (dropped_events); the reply still goes. */
  (void)my_timer_emit_on_echo_fired(ffirt_call_ctx(call), &evt);
  EchoResponse resp = {.echoed = req->message, .timerName = self->name};
  my_timer_echo_ok(call, &resp);
}

void my_timer_echo_impl(ffirt_call *call, MyTimer *self, const EchoRequest *req) {
  (void)self;
  /* A negative delay waits nothing, like a zero one. */
  my_timer_echo_after(call, req->delayMs > 0 ? (uint64_t)req->delayMs : 0, finish_echo);
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

static void finish_schedule(ffirt_call *call, MyTimer *self, const JobSpec *job,
                            const RetryPolicy *retry, const ScheduleConfig *schedule) {
  if (!job->name || job->name[0] == '\0') {
    ffirt_call_err(call, "job name must not be empty");
    return;
  }
  if (retry->maxAttempts <= 0) {
    ffirt_call_err(call, "retry.maxAttempts must be positive");
    return;
  }
  size_t n = strlen(self->name) + 1 + strlen(job->name) + 1;
  char *job_id = malloc(n);
  if (!job_id) {
    ffirt_call_err(call, "out of memory");
    return;
  }
  snprintf(job_id, n, "%s:%s", self->name, job->name);
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
  my_timer_schedule_ok(call, &result);
  free(job_id);
}

void my_timer_schedule_impl(ffirt_call *call, MyTimer *self, const JobSpec *job,
                            const RetryPolicy *retry, const ScheduleConfig *schedule) {
  (void)self;
  (void)job;
  (void)retry;
  (void)schedule;
  my_timer_schedule_after(call, MY_TIMER_SHORT_WAIT_MS, finish_schedule);
}
