/*
 * echo.c - the handlers of the example library `echo`
 * (shared/spec/examples.md; the IDL is echo.ffi next to this file).
 *
 * Design notes:
 *  - All handlers run on the context's worker thread; the ~1 ms waits of
 *    `create` and `shout` are the generated echo_<name>_after() (a wait the
 *    runtime owns and frees with the call), never sleeps.
 *  - The later step gets the same arguments as the _impl, still borrowed;
 *    nothing here tracks pending waits (destroy answers and frees them).
 */
#include "echo_ffi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_VERSION "echo v0.1.0"
#define ECHO_SHORT_WAIT_MS 1

struct Echo {
  char *prefix;
};

static void finish_create(ffirt_call *call, const EchoConfig *config) {
  const char *prefix = config->prefix ? config->prefix : "";
  Echo *state = calloc(1, sizeof *state);
  char *copy = malloc(strlen(prefix) + 1);
  if (!state || !copy) {
    free(state);
    free(copy);
    ffirt_call_err(call, "out of memory");
    return;
  }
  memcpy(copy, prefix, strlen(prefix) + 1);
  state->prefix = copy;
  echo_create_ok(call, state);
}

static void finish_shout(ffirt_call *call, Echo *self, const ShoutRequest *req) {
  const char *text = req->text ? req->text : "";
  size_t n = strlen(self->prefix) + 2 + strlen(text) + 1;
  char *shouted = malloc(n);
  if (!shouted) {
    ffirt_call_err(call, "out of memory");
    return;
  }
  int at = snprintf(shouted, n, "%s: ", self->prefix);
  /* ASCII only: bytes of multi-byte UTF-8 sequences are >= 0x80 and stay. */
  for (const char *p = text; *p; p++)
    shouted[at++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
  shouted[at] = '\0';
  ShoutResponse resp = {.shouted = shouted, .prefix = self->prefix};
  echo_shout_ok(call, &resp);
  free(shouted);
}

void echo_create_impl(ffirt_call *call, const EchoConfig *config) {
  (void)config;
  echo_create_after(call, ECHO_SHORT_WAIT_MS, finish_create);
}

void echo_shout_impl(ffirt_call *call, Echo *self, const ShoutRequest *req) {
  (void)self;
  (void)req;
  echo_shout_after(call, ECHO_SHORT_WAIT_MS, finish_shout);
}

void echo_version_impl(ffirt_call *call, Echo *self) {
  (void)self;
  echo_version_ok(call, ECHO_VERSION);
}

void echo_destroy_impl(ffirt_ctx *ctx, Echo *state) {
  (void)ctx;
  if (!state) return;
  free(state->prefix);
  free(state);
}
