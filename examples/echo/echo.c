/*
 * echo.c - the handlers of the example library `echo`
 * (shared/spec/examples.md; the IDL is echo.ffi next to this file).
 *
 * Design notes:
 *  - All handlers run on the context's worker thread; the ~1 ms waits of
 *    `create` and `shout` are libuv timers on ffirt_ctx_loop(), never sleeps.
 *  - A waiting op keeps pointers to its _impl arguments (borrowed until the
 *    call is finished) and is linked into its Echo until it fires;
 *    echo_destroy_impl() closes what is still pending without touching the
 *    calls (the runtime has answered them by then). Op memory is freed only
 *    in the uv_close callback.
 */
#include "echo_ffi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define ECHO_VERSION "echo v0.1.0"
#define ECHO_SHORT_WAIT_MS 1

typedef struct echo_op {
  uv_timer_t timer; /* first member: the close callback casts back */
  ffirt_call *call;
  Echo *self;                /* NULL while constructing */
  uint64_t due_ns;           /* uv_hrtime() when the wait is over */
  const EchoConfig *config;  /* create */
  const ShoutRequest *shout; /* shout */
  struct echo_op *prev, *next;
} echo_op;

struct Echo {
  char *prefix;
  echo_op *pending;
};

static void on_op_closed(uv_handle_t *handle) { free(handle); }

static void op_unlink(echo_op *op) {
  if (!op->self) return;
  if (op->prev)
    op->prev->next = op->next;
  else
    op->self->pending = op->next;
  if (op->next) op->next->prev = op->prev;
  op->prev = op->next = NULL;
}

static void op_fired(uv_timer_t *timer);

static void op_start(ffirt_call *call, Echo *self, const EchoConfig *config,
                     const ShoutRequest *shout) {
  echo_op *op = calloc(1, sizeof *op);
  if (!op) {
    ffirt_call_err(call, "out of memory");
    return;
  }
  op->call = call;
  op->self = self;
  op->config = config;
  op->shout = shout;
  int rc = uv_timer_init(ffirt_ctx_loop(ffirt_call_ctx(call)), &op->timer);
  if (rc != 0) {
    ffirt_call_err(call, "cannot start a timer: %s", uv_strerror(rc));
    free(op);
    return;
  }
  if (self) {
    op->next = self->pending;
    if (op->next) op->next->prev = op;
    self->pending = op;
  }
  op->due_ns = uv_hrtime() + ECHO_SHORT_WAIT_MS * 1000000u;
  rc = uv_timer_start(&op->timer, op_fired, ECHO_SHORT_WAIT_MS, 0);
  if (rc != 0) {
    ffirt_call_err(call, "cannot start a timer: %s", uv_strerror(rc));
    op_unlink(op);
    uv_close((uv_handle_t *)&op->timer, on_op_closed);
  }
}

static void finish_create(echo_op *op) {
  const char *prefix = op->config->prefix ? op->config->prefix : "";
  Echo *state = calloc(1, sizeof *state);
  char *copy = malloc(strlen(prefix) + 1);
  if (!state || !copy) {
    free(state);
    free(copy);
    ffirt_call_err(op->call, "out of memory");
    return;
  }
  memcpy(copy, prefix, strlen(prefix) + 1);
  state->prefix = copy;
  echo_create_ok(op->call, state);
}

static void finish_shout(echo_op *op) {
  const char *text = op->shout->text ? op->shout->text : "";
  size_t n = strlen(op->self->prefix) + 2 + strlen(text) + 1;
  char *shouted = malloc(n);
  if (!shouted) {
    ffirt_call_err(op->call, "out of memory");
    return;
  }
  int at = snprintf(shouted, n, "%s: ", op->self->prefix);
  /* ASCII only: bytes of multi-byte UTF-8 sequences are >= 0x80 and stay. */
  for (const char *p = text; *p; p++)
    shouted[at++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
  shouted[at] = '\0';
  ShoutResponse resp = {.shouted = shouted, .prefix = op->self->prefix};
  echo_shout_ok(op->call, &resp);
  free(shouted);
}

static void op_fired(uv_timer_t *timer) {
  echo_op *op = (echo_op *)timer;
  /* libuv timers may fire up to a millisecond early (whole milliseconds from
   * a cached "now"): the wait is a lower bound, so wait out the rest. */
  uint64_t now = uv_hrtime();
  if (now < op->due_ns) {
    uv_update_time(timer->loop);
    if (uv_timer_start(timer, op_fired, (op->due_ns - now + 999999u) / 1000000u, 0) == 0) return;
  }
  op_unlink(op);
  if (op->shout)
    finish_shout(op);
  else
    finish_create(op);
  uv_close((uv_handle_t *)&op->timer, on_op_closed);
}

void echo_create_impl(ffirt_call *call, const EchoConfig *config) {
  op_start(call, NULL, config, NULL);
}

void echo_shout_impl(ffirt_call *call, Echo *self, const ShoutRequest *req) {
  op_start(call, self, NULL, req);
}

void echo_version_impl(ffirt_call *call, Echo *self) {
  (void)self;
  echo_version_ok(call, ECHO_VERSION);
}

void echo_destroy_impl(ffirt_ctx *ctx, Echo *state) {
  (void)ctx;
  if (!state) return;
  while (state->pending) {
    echo_op *op = state->pending;
    op_unlink(op);
    uv_timer_stop(&op->timer);
    uv_close((uv_handle_t *)&op->timer, on_op_closed);
  }
  free(state->prefix);
  free(state);
}
