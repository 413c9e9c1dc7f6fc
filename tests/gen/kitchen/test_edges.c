/*
 * test_edges.c - compile-and-run tests of the shapes the kitchen sink does
 * not cover (tests/gen/kitchen/edges.ffi): leaf results of every other kind,
 * a constructor without parameters, seq/optional parameters of a static,
 * nested seqs, and events whose payload is a string, bytes, a seq, an
 * optional, or several parameters including a seq and optional bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edges.h"
#include "edges_cbor.h"

#include "harness.h"

static int setup(void **state) {
  reply r;
  reply_init(&r);
  *state = edges_open(on_reply, &r);
  assert_non_null(*state);
  wait_reply(&r);
  assert_int_equal(r.ret, RET_OK);
  return 0;
}

static int teardown(void **state) {
  assert_int_equal(edges_close(*state), 0);
  return 0;
}

typedef int (*native0)(void *, FFICallBack, void *);
typedef int (*cbor_export)(void *, FFICallBack, void *, const uint8_t *, size_t);

static void call0(void *ctx, native0 fn, reply *r) {
  reply_init(r);
  assert_int_equal(fn(ctx, on_reply, r), RET_OK);
  wait_reply(r);
  assert_int_equal(r->ret, RET_OK);
}

static void call_cbor(void *ctx, cbor_export fn, const char *spec, reply *r) {
  uint8_t req[1024];
  size_t n = golden(spec, req);
  reply_init(r);
  assert_int_equal(fn(ctx, on_reply, r, req, n), RET_OK);
  wait_reply(r);
}

static void leaf_results_reply_as_c_values_and_as_cbor(void **state) {
  void *ctx = *state;
  reply r;
  int32_t mood;
  call0(ctx, edges_mood, &r);
  assert_int_equal(r.len, sizeof mood);
  memcpy(&mood, r.bytes, sizeof mood);
  assert_int_equal(mood, Mood_angry);
  call_cbor(ctx, edges_mood_cbor, "a0", &r);
  assert_bytes(&r, "65'ANGRY'");

  int yes;
  call0(ctx, edges_yes, &r);
  assert_int_equal(r.len, sizeof yes);
  memcpy(&yes, r.bytes, sizeof yes);
  assert_int_equal(yes, 1); /* a bool reply is normalised to 0/1 */
  call_cbor(ctx, edges_yes_cbor, "a0", &r);
  assert_bytes(&r, "f5");

  float ratio;
  call0(ctx, edges_ratio, &r);
  assert_int_equal(r.len, sizeof ratio);
  memcpy(&ratio, r.bytes, sizeof ratio);
  assert_true(ratio == 0.25f);
  call_cbor(ctx, edges_ratio_cbor, "a0", &r);
  assert_bytes(&r, "fa 3e 80 00 00");

  call0(ctx, edges_nothing, &r);
  assert_int_equal(r.len, 0);
  call_cbor(ctx, edges_nothing_cbor, "a0", &r);
  assert_bytes(&r, "f6");
}

/* Wire texts with quotes, backslashes, comment markers, trigraphs and UTF-8
 * followed by digits reach the generated C as escaped literals: each one
 * decodes to its enumerator and encodes back byte for byte. */
static void odd_wire_texts_round_trip_byte_for_byte(void **state) {
  void *ctx = *state;
  static const struct {
    Odd value;
    const char *wire;
  } odd[] = {{Odd_quote, "say \"hi\""},
             {Odd_backslash, "back\\slash\\"},
             {Odd_comment, "*/ not /* a comment"},
             {Odd_trigraph, "what?"
                            "?/?"
                            "?=?"
                            "?("},
             {Odd_utf8, "caf\xc3\xa9"
                        "0\xc3\xa9"
                        "7"}};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    size_t n = strlen(odd[i].wire);
    assert_true(n < 24);
    uint8_t req[32] = {0xa1, 0x61, 'o', (uint8_t)(0x60 | n)};
    memcpy(req + 4, odd[i].wire, n);
    reply r;
    reply_init(&r);
    assert_int_equal(edges_odd_cbor(ctx, on_reply, &r, req, 4 + n), RET_OK);
    wait_reply(&r);
    assert_int_equal(r.ret, RET_OK);
    assert_int_equal(r.len, 1 + n);
    assert_int_equal(r.bytes[0], 0x60 | n);
    assert_memory_equal(r.bytes + 1, odd[i].wire, n);

    reply_init(&r);
    assert_int_equal(edges_odd(ctx, on_reply, &r, odd[i].value), RET_OK);
    wait_reply(&r);
    int32_t v;
    assert_int_equal(r.len, sizeof v);
    memcpy(&v, r.bytes, sizeof v);
    assert_int_equal(v, odd[i].value);
  }
}

static void bytes_travel_raw_natively_and_as_byte_strings(void **state) {
  const uint8_t data[3] = {7, 0, 9};
  reply r;
  reply_init(&r);
  assert_int_equal(edges_raw(*state, on_reply, &r, data, 3), RET_OK);
  wait_reply(&r);
  assert_bytes(&r, "07 00 09");
  reply_init(&r);
  assert_int_equal(edges_raw(*state, on_reply, &r, NULL, 0), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.ret, RET_OK);
  assert_int_equal(r.len, 0);
  call_cbor(*state, edges_raw_cbor, "a1 64'data' 5f 41 07 42 00 09 ff", &r);
  assert_bytes(&r, "43 07 00 09");
}

static int check_grid(const char *msg, size_t len, const void *expect) {
  const edges_seq_seq_string *g = (const edges_seq_seq_string *)(const void *)msg;
  (void)expect;
  return len == sizeof *g && g->items_len == 2 && g->items[0].items_len == 2 &&
         strcmp(g->items[0].items[1], "b") == 0 && g->items[1].items_len == 0;
}

static void nested_seqs_arrive_as_boxes(void **state) {
  const char *row[2] = {"a", "b"};
  edges_seq_string rows[2] = {{row, 2}, {NULL, 0}};
  Bag bag;
  memset(&bag, 0, sizeof bag);
  bag.grid = rows;
  bag.grid_len = 2;
  reply r;
  reply_init(&r);
  r.check = check_grid;
  assert_int_equal(edges_grid(*state, on_reply, &r, bag), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);
  call_cbor(*state, edges_grid_cbor, "a1 63'bag' a2 64'grid' 82 82 61'a' 61'b' 80 65'blobs' 80",
            &r);
  assert_bytes(&r, "82 82 61'a' 61'b' 80");
  call_cbor(*state, edges_grid_cbor, "a1 63'bag' a3 64'grid' 80 65'blobs' 80 65'maybe' 82 01 f6",
            &r);
  assert_bytes(&r, "80");
  call_cbor(*state, edges_grid_cbor, "a1 63'bag' a2 64'grid' 81 81 01 65'blobs' 80", &r);
  assert_text(&r, RET_ERR, "bag.grid[0][0]: expected text string");
}

static void optional_structs_round_trip_present_and_absent(void **state) {
  reply r;
  call_cbor(*state, edges_maybe_bag_cbor, "a1 63'bag' f6", &r);
  assert_bytes(&r, "f6");
  call_cbor(*state, edges_maybe_bag_cbor, "a0", &r);
  assert_bytes(&r, "f6");
  call_cbor(*state, edges_maybe_bag_cbor,
            "a1 63'bag' a3 64'grid' 80 65'maybe' 82 01 f6 65'blobs' 81 41 05", &r);
  assert_bytes(&r, "a3 64'grid' 80 65'maybe' 82 01 f6 65'blobs' 81 41 05");
}

static void a_static_takes_seq_and_optional_parameters(void **state) {
  (void)state;
  const int64_t values[3] = {1, 2, 3};
  reply r;
  reply_init(&r);
  assert_int_equal(edges_sum(on_reply, &r, values, 3, 1, 10), RET_OK);
  wait_reply(&r);
  int64_t sum;
  memcpy(&sum, r.bytes, sizeof sum);
  assert_int_equal(sum, 16);
  uint8_t req[64];
  size_t n = golden("a1 66'values' 83 01 02 03", req);
  reply_init(&r);
  assert_int_equal(edges_sum_cbor(on_reply, &r, req, n), RET_OK);
  wait_reply(&r);
  assert_bytes(&r, "06");
  reply_init(&r);
  assert_int_equal(edges_sum(on_reply, &r, NULL, 2, 0, 0), RET_ERR);
  assert_text(&r, RET_ERR, "values: NULL pointer with length 2");
}

typedef struct events {
  pthread_mutex_t mu;
  int said, blob, n;
  uint8_t cbor[5][256];
  size_t len[5];
} events;

static void on_said(const char *const *evt, void *ud) {
  events *e = ud;
  pthread_mutex_lock(&e->mu);
  e->said += strcmp(*evt, "hi") == 0;
  pthread_mutex_unlock(&e->mu);
}

static void on_blob(const edges_bytes *evt, void *ud) {
  events *e = ud;
  pthread_mutex_lock(&e->mu);
  e->blob += evt->data_len == 2 && evt->data[1] == 2;
  pthread_mutex_unlock(&e->mu);
}

static void on_cbor(int ret, const char *msg, size_t len, void *ud) {
  events *e = ud;
  (void)ret;
  pthread_mutex_lock(&e->mu);
  if (e->n < 5 && len <= sizeof e->cbor[0]) {
    memcpy(e->cbor[e->n], msg, len);
    e->len[e->n++] = len;
  }
  pthread_mutex_unlock(&e->mu);
}

static int delivered(events *e) {
  pthread_mutex_lock(&e->mu);
  int done = e->said == 1 && e->blob == 1 && e->n == 5;
  pthread_mutex_unlock(&e->mu);
  return done;
}

static void events_of_every_payload_shape(void **state) {
  void *ctx = *state;
  events e;
  memset(&e, 0, sizeof e);
  pthread_mutex_init(&e.mu, NULL);
  uint64_t a = edges_add_said_listener(ctx, on_said, &e);
  uint64_t b = edges_add_blob_listener(ctx, on_blob, &e);
  uint64_t c = edges_add_event_listener_cbor(ctx, "", on_cbor, &e);
  assert_true(a && b && c);
  assert_int_equal(edges_add_said_listener(NULL, on_said, &e), 0);
  assert_int_equal(edges_add_said_listener(ctx, NULL, &e), 0);
  assert_int_equal(edges_add_event_handlers(ctx, NULL, &e), 0);
  reply r;
  call0(ctx, edges_fire, &r);
  for (int i = 0; i < 1000 && !delivered(&e); i++)
    nanosleep(&(struct timespec){0, 5000000}, NULL);
  assert_true(delivered(&e));
  static const char *const want[5] = {
      "a2 69'eventType' 64'said' 67'payload' 62'hi'",
      "a2 69'eventType' 64'blob' 67'payload' 42 01 02",
      "a2 69'eventType' 65'moods' 67'payload' 82 64'calm' 65'ANGRY'",
      "a2 69'eventType' 65'maybe' 67'payload' f6",
      "a2 69'eventType' 65'mixed' 67'payload' a5 66'values' 82 01 02 63'raw' 41 09"
      " 64'mood' 65'ANGRY' 64'flag' f5 65'ratio' fa 3f 00 00 00",
  };
  for (int i = 0; i < 5; i++) {
    uint8_t bytes[256];
    size_t n = golden(want[i], bytes);
    assert_int_equal(e.len[i], n);
    assert_memory_equal(e.cbor[i], bytes, n);
  }
  char name[16], err[128];
  assert_int_equal(edges_event_type(e.cbor[4], e.len[4], name, sizeof name), 0);
  assert_string_equal(name, "mixed");
  MixedPayload m;
  assert_int_equal(edges_mixed_event_decode(e.cbor[4], e.len[4], &m, err, sizeof err), 0);
  assert_int_equal(m.values_len, 2);
  assert_int_equal(m.raw_present, 1);
  assert_int_equal(m.raw[0], 9);
  assert_true(m.ratio == 0.5f);
  edges_MixedPayload_free(&m);
  assert_int_equal(edges_remove_event_listener(ctx, a), 0);
  assert_int_equal(edges_remove_event_listener(ctx, b), 0);
  assert_int_equal(edges_remove_event_listener(ctx, c), 0);
  assert_int_equal(edges_remove_event_listener(NULL, c), 1);
}

static void a_constructor_without_parameters_takes_an_empty_map(void **state) {
  (void)state;
  reply r;
  reply_init(&r);
  assert_null(edges_open_cbor((const uint8_t *)"\xa1\x61x\x01", 4, on_reply, &r));
  assert_int_equal(r.same_thread, 1);
  assert_text(&r, RET_ERR, "request: unknown key \"x\"");
  reply_init(&r);
  void *ctx = edges_open_cbor((const uint8_t *)"\xa0", 1, on_reply, &r);
  assert_non_null(ctx);
  wait_reply(&r);
  assert_int_equal(r.ret, RET_OK);
  assert_int_equal(r.bytes[0] & 0xe0, 0x60); /* the handle as CBOR text */
  assert_int_equal(edges_close(ctx), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(leaf_results_reply_as_c_values_and_as_cbor, setup, teardown),
      cmocka_unit_test_setup_teardown(odd_wire_texts_round_trip_byte_for_byte, setup, teardown),
      cmocka_unit_test_setup_teardown(bytes_travel_raw_natively_and_as_byte_strings, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(nested_seqs_arrive_as_boxes, setup, teardown),
      cmocka_unit_test_setup_teardown(optional_structs_round_trip_present_and_absent, setup,
                                      teardown),
      cmocka_unit_test(a_static_takes_seq_and_optional_parameters),
      cmocka_unit_test(a_constructor_without_parameters_takes_an_empty_map),
      cmocka_unit_test_setup_teardown(events_of_every_payload_shape, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
