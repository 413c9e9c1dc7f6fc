/*
 * kitchen.c - the kitchen_sink test library's handlers (tests/gen/
 * kitchen_sink.ffi), built into libkitchen_sink.so by ffirt_add_library.
 *
 * Design notes:
 *  - Every echo_* handler replies with its argument unchanged, so a host
 *    round trip compares what it sent with what it got back, through the
 *    argument copy or decode and the reply path of either ABI.
 *  - set_many checks its arguments against the values the tests send and
 *    names the first mismatch in its error, so the test sees exactly which
 *    parameter went wrong.
 *  - Handlers run on the worker thread; the state is touched only there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kitchen_sink_ffi.h"

struct KitchenState {
  char *name;
  uint64_t counter;
};

void kitchen_sink_create_impl(ffirt_call *call, const Config *config) {
  if (strcmp(config->name, "fail") == 0) {
    ffirt_call_err(call, "refusing to create a kitchen named fail");
    return;
  }
  KitchenState *k = calloc(1, sizeof *k);
  if (!k || !(k->name = strdup(config->name))) {
    free(k);
    ffirt_call_err(call, "out of memory");
    return;
  }
  kitchen_sink_create_ok(call, k);
}

void kitchen_sink_destroy_impl(ffirt_ctx *ctx, KitchenState *state) {
  (void)ctx;
  free(state->name);
  free(state);
}

void kitchen_sink_echo_scalars_impl(ffirt_call *call, KitchenState *self, const Scalars *s) {
  (void)self;
  kitchen_sink_echo_scalars_ok(call, s);
}

void kitchen_sink_echo_containers_impl(ffirt_call *call, KitchenState *self, const Containers *c) {
  (void)self;
  kitchen_sink_echo_containers_ok(call, c);
}

void kitchen_sink_echo_everything_impl(ffirt_call *call, KitchenState *self, const Everything *e) {
  (void)self;
  kitchen_sink_echo_everything_ok(call, e);
}

/* The tests send a=1 b="two" c={3} d=blue e={4,5} f=["six","seven"] g=8. */
void kitchen_sink_set_many_impl(ffirt_call *call, KitchenState *self, int32_t a, const char *b,
                                const uint8_t *c, size_t c_len, Color d, const Point *e,
                                const kitchen_sink_seq_string *f, const kitchen_sink_opt_i64 *g) {
  (void)self;
  if (a != 1) {
    ffirt_call_err(call, "a = %d", (int)a);
    return;
  }
  if (strcmp(b, "two") != 0) {
    ffirt_call_err(call, "b = %s", b);
    return;
  }
  if (c_len != 1 || c[0] != 3) {
    ffirt_call_err(call, "c_len = %zu", c_len);
    return;
  }
  if (d != Color_blue) {
    ffirt_call_err(call, "d = %d", (int)d);
    return;
  }
  if (e->x != 4 || e->y != 5) {
    ffirt_call_err(call, "e = {%d, %d}", (int)e->x, (int)e->y);
    return;
  }
  if (f->items_len != 2 || strcmp(f->items[0], "six") != 0 || strcmp(f->items[1], "seven") != 0) {
    ffirt_call_err(call, "f has %zu items", f->items_len);
    return;
  }
  if (!g->value_present || g->value != 8) {
    ffirt_call_err(call, "g is not 8");
    return;
  }
  kitchen_sink_set_many_ok(call);
}

void kitchen_sink_emit_all_impl(ffirt_call *call, KitchenState *self, const Everything *e) {
  ffirt_ctx *ctx = ffirt_call_ctx(call);
  (void)self;
  const kitchen_sink_opt_Point where = {1, {-1, 2}};
  int rc = kitchen_sink_emit_on_everything(ctx, e);
  if (rc == 0) rc = kitchen_sink_emit_pair_seen(ctx, "pair", 42, &where);
  if (rc == 0) rc = kitchen_sink_emit_tick(ctx, 7);
  if (rc != 0) {
    ffirt_call_err(call, "emit failed: %s", ffirt_strerror(rc));
    return;
  }
  kitchen_sink_emit_all_ok(call);
}

void kitchen_sink_counter_impl(ffirt_call *call, KitchenState *self) {
  kitchen_sink_counter_ok(call, ++self->counter);
}

void kitchen_sink_nested_impl(ffirt_call *call, KitchenState *self) {
  (void)self;
  kitchen_sink_opt_string items[3] = {{1, "a"}, {0, NULL}, {1, "c"}};
  const kitchen_sink_seq_opt_string result = {items, 3};
  kitchen_sink_nested_ok(call, &result);
}

void kitchen_sink_maybe_blob_impl(ffirt_call *call, KitchenState *self) {
  (void)self;
  uint8_t blob[3] = {1, 2, 3};
  const kitchen_sink_opt_bytes result = {1, blob, sizeof blob};
  kitchen_sink_maybe_blob_ok(call, &result);
}

void kitchen_sink_lib_version_impl(ffirt_call *call) {
  kitchen_sink_lib_version_ok(call, "kitchen v1");
}

void kitchen_sink_add_impl(ffirt_call *call, int64_t a, int64_t b) {
  kitchen_sink_add_ok(call, a + b);
}

void kitchen_sink_ping_impl(ffirt_call *call) { kitchen_sink_ping_ok(call); }
