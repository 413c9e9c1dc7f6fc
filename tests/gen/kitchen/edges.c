/*
 * edges.c - handlers of the edges test library (tests/gen/kitchen/
 * edges.ffi): fixed results of every leaf kind, echoes of seq/optional
 * arguments, and one emission of every event shape.
 *
 * Design notes:
 *  - Handlers run on the worker thread and finish synchronously; the state
 *    only proves the constructor ran.
 */
#include <stdlib.h>

#include "edges_ffi.h"

struct EdgeState {
  int opened;
};

void edges_open_impl(ffirt_call *call) {
  EdgeState *s = calloc(1, sizeof *s);
  if (!s) {
    ffirt_call_err(call, "out of memory");
    return;
  }
  s->opened = 1;
  edges_open_ok(call, s);
}

void edges_close_impl(ffirt_ctx *ctx, EdgeState *state) {
  (void)ctx;
  free(state);
}

void edges_mood_impl(ffirt_call *call, EdgeState *self) {
  (void)self;
  edges_mood_ok(call, Mood_angry);
}

void edges_odd_impl(ffirt_call *call, EdgeState *self, Odd o) {
  (void)self;
  edges_odd_ok(call, o);
}

void edges_yes_impl(ffirt_call *call, EdgeState *self) { edges_yes_ok(call, self->opened * 7); }

void edges_ratio_impl(ffirt_call *call, EdgeState *self) {
  (void)self;
  edges_ratio_ok(call, 0.25f);
}

void edges_raw_impl(ffirt_call *call, EdgeState *self, const uint8_t *data, size_t data_len) {
  (void)self;
  edges_raw_ok(call, data, data_len);
}

void edges_grid_impl(ffirt_call *call, EdgeState *self, const Bag *bag) {
  (void)self;
  const edges_seq_seq_string grid = {bag->grid, bag->grid_len};
  edges_grid_ok(call, &grid);
}

void edges_maybe_bag_impl(ffirt_call *call, EdgeState *self, const edges_opt_Bag *bag) {
  (void)self;
  edges_maybe_bag_ok(call, bag);
}

void edges_sum_impl(ffirt_call *call, const edges_seq_i64 *values, const edges_opt_i64 *start) {
  int64_t sum = start->value_present ? start->value : 0;
  for (size_t i = 0; i < values->items_len; i++)
    sum += values->items[i];
  edges_sum_ok(call, sum);
}

void edges_nothing_impl(ffirt_call *call, EdgeState *self) {
  (void)self;
  edges_nothing_ok(call);
}

void edges_fire_impl(ffirt_call *call, EdgeState *self) {
  ffirt_ctx *ctx = ffirt_call_ctx(call);
  static const uint8_t two[2] = {1, 2}, nine[1] = {9};
  Mood moods[2] = {Mood_calm, Mood_angry};
  int64_t values[2] = {1, 2};
  const edges_seq_Mood mood_seq = {moods, 2};
  const edges_opt_Bag absent = {0, {0}};
  const edges_seq_i64 value_seq = {values, 2};
  const edges_opt_bytes raw = {1, (uint8_t *)nine, 1};
  (void)self;
  int rc = edges_emit_said(ctx, "hi");
  if (rc == 0) rc = edges_emit_blob(ctx, two, sizeof two);
  if (rc == 0) rc = edges_emit_moods(ctx, &mood_seq);
  if (rc == 0) rc = edges_emit_maybe(ctx, &absent);
  if (rc == 0) rc = edges_emit_mixed(ctx, &value_seq, &raw, Mood_angry, 1, 0.5f);
  if (rc != 0) {
    ffirt_call_err(call, "emit failed: %s", ffirt_strerror(rc));
    return;
  }
  edges_fire_ok(call);
}
