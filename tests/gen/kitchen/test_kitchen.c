/*
 * test_kitchen.c - compile-and-run tests of the generated C glue on the
 * kitchen-sink IDL (tests/gen/kitchen_sink.ffi), through libkitchen_sink.so
 * and its native host header only.
 *
 * Every type goes through both ABIs (native call with native reply, CBOR call
 * with CBOR reply, compared with values and with golden bytes written by
 * hand from abi.md 6) and through events (native and CBOR listeners); every
 * decoder and argument error path is checked with its exact text.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kitchen_sink.h"
#include "kitchen_sink_cbor.h"

#include "harness.h"

/* Scalars S below, in canonical CBOR. */
#define SCALARS_CBOR                                                                               \
  "ae 64'flag' f5 63'i8v' 38 7f 64'i16v' 39 01 2b 64'i32v' 1a 00 01 11 70"                         \
  " 64'i64v' 3b 7f ff ff ff ff ff ff ff 63'u8v' 18 ff 64'u16v' 19 ff ff"                           \
  " 64'u32v' 1a ff ff ff ff 64'u64v' 1b ff ff ff ff ff ff ff ff 64'f32v' fa 3f c0 00 00"           \
  " 64'f64v' fb c0 02 00 00 00 00 00 00 64'text' 66 68 c3 a9 6c 6c 6f 64'blob' 43 00 01 02"        \
  " 65'color' 6c'ultra-violet'"

/* Containers C below. */
#define CONTAINERS_CBOR                                                                            \
  "a8 66'points' 82 a2 61'x' 01 61'y' 02 a2 61'x' 03 61'y' 04 66'origin' a2 61'x' 05 61'y' 06"     \
  " 6a'maybeNames' 82 61'x' f6 6c'maybeNumbers' 82 0a 20 66'colors' 82 63'red' 64'blue'"           \
  " 69'favourite' 65'GREEN' 65'blobs' 82 41 aa 40 67'nothing' a0"

/* Containers with every seq empty and every optional absent. */
#define CONTAINERS0_CBOR "a4 66'points' 80 6a'maybeNames' 80 66'colors' 80 65'blobs' 80"

#define EVERYTHING_CBOR                                                                            \
  "a4 67'scalars' " SCALARS_CBOR " 6a'containers' " CONTAINERS_CBOR                                \
  " 65'empty' a0 68'children' 81"                                                                  \
  " a4 67'scalars' " SCALARS_CBOR " 6a'containers' " CONTAINERS0_CBOR                              \
  " 65'empty' a0 68'children' 80"

static uint8_t blob3[3] = {0, 1, 2};

static Scalars make_scalars(void) {
  Scalars s = {1,          -128, -300,  70000,          INT64_MIN, 255, 65535,       4294967295u,
               UINT64_MAX, 1.5f, -2.25, "h\xc3\xa9llo", blob3,     3,   Color_violet};
  return s;
}

static Point points[2] = {{1, 2}, {3, 4}};
static kitchen_sink_opt_string names[2] = {{1, "x"}, {0, NULL}};
static int64_t numbers[2] = {10, -1};
static Color colors[2] = {Color_red, Color_blue};
static uint8_t aa = 0xaa;
static kitchen_sink_bytes blobs[2] = {{&aa, 1}, {NULL, 0}};

static Containers make_containers(void) {
  Containers c;
  memset(&c, 0, sizeof c);
  c.points = points;
  c.points_len = 2;
  c.origin_present = 1;
  c.origin = (Point){5, 6};
  c.maybeNames = names;
  c.maybeNames_len = 2;
  c.maybeNumbers_present = 1;
  c.maybeNumbers = (kitchen_sink_seq_i64){numbers, 2};
  c.colors = colors;
  c.colors_len = 2;
  c.favourite_present = 1;
  c.favourite = Color_green;
  c.blobs = blobs;
  c.blobs_len = 2;
  c.nothing_present = 1;
  return c;
}

static Everything child;

static Everything make_everything(void) {
  memset(&child, 0, sizeof child);
  child.scalars = make_scalars();
  Everything e;
  memset(&e, 0, sizeof e);
  e.scalars = make_scalars();
  e.containers = make_containers();
  e.children = &child;
  e.children_len = 1;
  return e;
}

/* ------------------------------------------------------- deep equality */

static int bytes_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int scalars_eq(const Scalars *a, const Scalars *b) {
  return !!a->flag == !!b->flag && a->i8v == b->i8v && a->i16v == b->i16v && a->i32v == b->i32v &&
         a->i64v == b->i64v && a->u8v == b->u8v && a->u16v == b->u16v && a->u32v == b->u32v &&
         a->u64v == b->u64v && a->f32v == b->f32v && a->f64v == b->f64v &&
         strcmp(a->text, b->text) == 0 && bytes_eq(a->blob, a->blob_len, b->blob, b->blob_len) &&
         a->color == b->color;
}

static int containers_eq(const Containers *a, const Containers *b) {
  if (a->points_len != b->points_len || a->maybeNames_len != b->maybeNames_len ||
      a->colors_len != b->colors_len || a->blobs_len != b->blobs_len)
    return 0;
  for (size_t i = 0; i < a->points_len; i++)
    if (a->points[i].x != b->points[i].x || a->points[i].y != b->points[i].y) return 0;
  if (a->origin_present != b->origin_present) return 0;
  if (a->origin_present && (a->origin.x != b->origin.x || a->origin.y != b->origin.y)) return 0;
  for (size_t i = 0; i < a->maybeNames_len; i++) {
    if (a->maybeNames[i].value_present != b->maybeNames[i].value_present) return 0;
    if (a->maybeNames[i].value_present &&
        strcmp(a->maybeNames[i].value, b->maybeNames[i].value) != 0)
      return 0;
  }
  if (a->maybeNumbers_present != b->maybeNumbers_present) return 0;
  if (a->maybeNumbers_present &&
      !bytes_eq((const uint8_t *)a->maybeNumbers.items, a->maybeNumbers.items_len * 8,
                (const uint8_t *)b->maybeNumbers.items, b->maybeNumbers.items_len * 8))
    return 0;
  for (size_t i = 0; i < a->colors_len; i++)
    if (a->colors[i] != b->colors[i]) return 0;
  if (a->favourite_present != b->favourite_present) return 0;
  if (a->favourite_present && a->favourite != b->favourite) return 0;
  for (size_t i = 0; i < a->blobs_len; i++)
    if (!bytes_eq(a->blobs[i].data, a->blobs[i].data_len, b->blobs[i].data, b->blobs[i].data_len))
      return 0;
  return a->nothing_present == b->nothing_present;
}

static int everything_eq(const Everything *a, const Everything *b) {
  if (!scalars_eq(&a->scalars, &b->scalars) || !containers_eq(&a->containers, &b->containers) ||
      a->children_len != b->children_len)
    return 0;
  for (size_t i = 0; i < a->children_len; i++)
    if (!everything_eq(&a->children[i], &b->children[i])) return 0;
  return 1;
}

/* ------------------------------------------------------------ context */

static void *make_ctx(void) {
  reply r;
  reply_init(&r);
  void *ctx = kitchen_sink_create((Config){"kitchen"}, on_reply, &r);
  assert_non_null(ctx);
  wait_reply(&r);
  assert_int_equal(r.ret, RET_OK);
  char text[32];
  snprintf(text, sizeof text, "%llu", (unsigned long long)(uintptr_t)ctx);
  assert_text(&r, RET_OK, text);
  return ctx;
}

static int setup(void **state) {
  *state = make_ctx();
  return 0;
}

static int teardown(void **state) {
  assert_int_equal(kitchen_sink_destroy(*state), 0);
  return 0;
}

/* Runs a _cbor method with the request spec; the reply is in *r. */
typedef int (*cbor_export)(void *, FFICallBack, void *, const uint8_t *, size_t);

static void call_cbor(void *ctx, cbor_export fn, const char *spec, reply *r) {
  uint8_t req[4096];
  size_t n = golden(spec, req);
  reply_init(r);
  assert_int_equal(fn(ctx, on_reply, r, req, n), RET_OK);
  wait_reply(r);
}

static void expect_cbor_error(void *ctx, cbor_export fn, const char *spec, const char *text) {
  reply r;
  call_cbor(ctx, fn, spec, &r);
  assert_text(&r, RET_ERR, text);
}

/* -------------------------------------------------------- round trips */

static int check_scalars(const char *msg, size_t len, const void *expect) {
  return len == sizeof(Scalars) && scalars_eq((const Scalars *)(const void *)msg, expect);
}

static int check_containers(const char *msg, size_t len, const void *expect) {
  return len == sizeof(Containers) && containers_eq((const Containers *)(const void *)msg, expect);
}

static int check_everything(const char *msg, size_t len, const void *expect) {
  return len == sizeof(Everything) && everything_eq((const Everything *)(const void *)msg, expect);
}

static void scalars_round_trip_natively(void **state) {
  Scalars s = make_scalars();
  reply r;
  reply_init(&r);
  r.check = check_scalars;
  r.expect = &s;
  assert_int_equal(kitchen_sink_echo_scalars(*state, on_reply, &r, s), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.ret, RET_OK);
  assert_int_equal(r.checked, 1);
}

static void native_arguments_are_copied_before_the_export_returns(void **state) {
  char text[] = "h\xc3\xa9llo";
  uint8_t blob[3] = {0, 1, 2};
  Scalars s = make_scalars();
  s.text = text;
  s.blob = blob;
  Scalars expect = make_scalars();
  reply r;
  reply_init(&r);
  r.check = check_scalars;
  r.expect = &expect;
  assert_int_equal(kitchen_sink_echo_scalars(*state, on_reply, &r, s), RET_OK);
  memset(text, 'z', sizeof text - 1); /* the host reuses its buffers at once */
  memset(blob, 9, sizeof blob);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);
}

static void scalars_round_trip_through_cbor(void **state) {
  reply r;
  call_cbor(*state, kitchen_sink_echo_scalars_cbor, "a1 61's' " SCALARS_CBOR, &r);
  assert_bytes(&r, SCALARS_CBOR);
}

static void containers_round_trip_natively(void **state) {
  Containers c = make_containers();
  reply r;
  reply_init(&r);
  r.check = check_containers;
  r.expect = &c;
  assert_int_equal(kitchen_sink_echo_containers(*state, on_reply, &r, c), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);
}

static void containers_round_trip_through_cbor(void **state) {
  reply r;
  call_cbor(*state, kitchen_sink_echo_containers_cbor, "a1 61'c' " CONTAINERS_CBOR, &r);
  assert_bytes(&r, CONTAINERS_CBOR);
  call_cbor(*state, kitchen_sink_echo_containers_cbor, "a1 61'c' " CONTAINERS0_CBOR, &r);
  assert_bytes(&r, CONTAINERS0_CBOR);
}

static void everything_round_trips_through_both_abis(void **state) {
  Everything e = make_everything();
  reply r;
  reply_init(&r);
  r.check = check_everything;
  r.expect = &e;
  assert_int_equal(kitchen_sink_echo_everything(*state, on_reply, &r, e), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);
  call_cbor(*state, kitchen_sink_echo_everything_cbor, "a1 61'e' " EVERYTHING_CBOR, &r);
  assert_bytes(&r, EVERYTHING_CBOR);
}

static void decoders_accept_any_well_formed_encoding(void **state) {
  reply r;
  /* indefinite map and arrays, keys out of order, tags, null optionals,
   * non-shortest integers, a half float where a double is due */
  call_cbor(*state, kitchen_sink_echo_containers_cbor,
            "bf 61'c' bf 65'blobs' 9f 5f 41 aa ff ff 66'origin' f6 6a'maybeNames' 80"
            " 66'colors' 9f c1 63'red' ff 66'points' 81 a2 61'y' 1b 00 00 00 00 00 00 00 02"
            " 61'x' 18 01 67'nothing' f7 ff ff",
            &r);
  assert_bytes(&r, "a4 66'points' 81 a2 61'x' 01 61'y' 02 6a'maybeNames' 80 66'colors' 81 63'red'"
                   " 65'blobs' 81 41 aa");
  call_cbor(*state, kitchen_sink_echo_scalars_cbor,
            "a1 61's' ae 64'flag' f4 63'i8v' 00 64'i16v' 00 64'i32v' 00 64'i64v' 00 63'u8v' 00"
            " 64'u16v' 00 64'u32v' 00 64'u64v' 00 64'f32v' f9 3c 00 64'f64v' f9 3c 00"
            " 64'text' 7f 61'a' 61'b' ff 64'blob' 40 65'color' 63'red'",
            &r);
  assert_bytes(&r, "ae 64'flag' f4 63'i8v' 00 64'i16v' 00 64'i32v' 00 64'i64v' 00 63'u8v' 00"
                   " 64'u16v' 00 64'u32v' 00 64'u64v' 00 64'f32v' fa 3f 80 00 00"
                   " 64'f64v' fb 3f f0 00 00 00 00 00 00 64'text' 62'ab' 64'blob' 40"
                   " 65'color' 63'red'");
}

static void several_parameters_of_every_kind_arrive_natively(void **state) {
  const uint8_t c[1] = {3};
  const char *f[2] = {"six", "seven"};
  reply r;
  reply_init(&r);
  assert_int_equal(kitchen_sink_set_many(*state, on_reply, &r, 1, "two", c, 1, Color_blue,
                                         (Point){4, 5}, f, 2, 1, 8),
                   RET_OK);
  wait_reply(&r);
  assert_text(&r, RET_OK, "");
}

static void several_parameters_of_every_kind_arrive_through_cbor(void **state) {
  reply r;
  call_cbor(*state, kitchen_sink_set_many_cbor,
            "a7 61'g' 08 61'f' 82 63'six' 65'seven' 61'e' a2 61'x' 04 61'y' 05 61'd' 64'blue'"
            " 61'c' 41 03 61'b' 63'two' 61'a' 01",
            &r);
  assert_bytes(&r, "f6");
}

static void results_of_every_shape_reply_in_both_abis(void **state) {
  reply r;
  reply_init(&r);
  assert_int_equal(kitchen_sink_counter(*state, on_reply, &r), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.len, sizeof(uint64_t));
  uint64_t n;
  memcpy(&n, r.bytes, sizeof n);
  assert_int_equal(n, 1);
  call_cbor(*state, kitchen_sink_counter_cbor, "a0", &r);
  assert_bytes(&r, "02");

  call_cbor(*state, kitchen_sink_nested_cbor, "a0", &r);
  assert_bytes(&r, "83 61'a' f6 61'c'");
  call_cbor(*state, kitchen_sink_maybe_blob_cbor, "a0", &r);
  assert_bytes(&r, "43 01 02 03");

  reply_init(&r);
  assert_int_equal(kitchen_sink_maybe_blob(*state, on_reply, &r), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.len, sizeof(kitchen_sink_opt_bytes));
}

static int check_nested(const char *msg, size_t len, const void *expect) {
  const kitchen_sink_seq_opt_string *v = (const kitchen_sink_seq_opt_string *)(const void *)msg;
  (void)expect;
  return len == sizeof *v && v->items_len == 3 && v->items[0].value_present &&
         strcmp(v->items[0].value, "a") == 0 && !v->items[1].value_present &&
         strcmp(v->items[2].value, "c") == 0;
}

static void a_nested_container_result_arrives_as_its_box(void **state) {
  reply r;
  reply_init(&r);
  r.check = check_nested;
  assert_int_equal(kitchen_sink_nested(*state, on_reply, &r), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);
}

static void statics_need_no_context(void **state) {
  (void)state;
  reply r;
  reply_init(&r);
  assert_int_equal(kitchen_sink_add(on_reply, &r, 40, 2), RET_OK);
  wait_reply(&r);
  int64_t sum;
  assert_int_equal(r.len, sizeof sum);
  memcpy(&sum, r.bytes, sizeof sum);
  assert_int_equal(sum, 42);

  uint8_t req[64];
  size_t n = golden("a2 61'b' 20 61'a' 3b 7f ff ff ff ff ff ff fe", req);
  reply_init(&r);
  assert_int_equal(kitchen_sink_add_cbor(on_reply, &r, req, n), RET_OK);
  wait_reply(&r);
  assert_bytes(&r, "3b 7f ff ff ff ff ff ff ff"); /* INT64_MIN */

  reply_init(&r);
  assert_int_equal(kitchen_sink_lib_version(on_reply, &r), RET_OK);
  wait_reply(&r);
  assert_text(&r, RET_OK, "kitchen v1");
  reply_init(&r);
  assert_int_equal(kitchen_sink_lib_version_cbor(on_reply, &r, (const uint8_t *)"\xa0", 1), RET_OK);
  wait_reply(&r);
  assert_bytes(&r, "6a'kitchen v1'");

  reply_init(&r);
  assert_int_equal(kitchen_sink_ping(on_reply, &r), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.ret, RET_OK);
  assert_int_equal(r.len, 0);
  reply_init(&r);
  assert_int_equal(kitchen_sink_ping_cbor(on_reply, &r, (const uint8_t *)"\xa0", 1), RET_OK);
  wait_reply(&r);
  assert_bytes(&r, "f6");
}

/* ------------------------------------------------------------ errors */

static void cbor_decoder_errors_name_the_offending_field(void **state) {
  void *ctx = *state;
  expect_cbor_error(ctx, kitchen_sink_echo_everything_cbor,
                    "a1 61'e' a4 67'scalars' " SCALARS_CBOR " 6a'containers' a4 66'points' 82"
                    " a2 61'x' 01 61'y' 02 a2 61'x' 63'one' 61'y' 04 6a'maybeNames' 80"
                    " 66'colors' 80 65'blobs' 80 65'empty' a0 68'children' 80",
                    "e.containers.points[1].x: expected integer");
  expect_cbor_error(ctx, kitchen_sink_echo_everything_cbor,
                    "a1 61'e' a4 67'scalars' " SCALARS_CBOR " 6a'containers' " CONTAINERS0_CBOR
                    " 65'empty' a0 68'children' 81 a1 67'scalars' a0",
                    "e.children[0].scalars.flag: missing required key");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 63'foo' 00",
                    "s: unknown key \"foo\"");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a2 64'flag' f5 64'flag' f4",
                    "s.flag: duplicate key");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 63'i8v' 18 80",
                    "s.i8v: value out of range");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 63'u8v' 20",
                    "s.u8v: value out of range");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor,
                    "a1 61's' a1 64'f32v' fb 7e 37 e4 3c 88 00 75 9c",
                    "s.f32v: value out of range");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 64'f64v' 01",
                    "s.f64v: expected float");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 64'flag' 01",
                    "s.flag: expected bool");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 64'text' 41 00",
                    "s.text: expected text string");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 64'text' 62 61 00",
                    "s.text: text contains a NUL character");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 64'blob' 60",
                    "s.blob: expected byte string");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 65'color' 66'purple'",
                    "s.color: unknown enumerator \"purple\"");
  expect_cbor_error(ctx, kitchen_sink_echo_containers_cbor, "a1 61'c' a1 6a'maybeNames' 82 f6 05",
                    "c.maybeNames[1]: expected text string");
  expect_cbor_error(ctx, kitchen_sink_echo_containers_cbor, "a1 61'c' a1 66'points' a0",
                    "c.points: expected array");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a0", "s: missing required key");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "a1 61't' a0",
                    "request: unknown key \"t\"");
  expect_cbor_error(ctx, kitchen_sink_echo_scalars_cbor, "80", "request: expected map");
  expect_cbor_error(ctx, kitchen_sink_counter_cbor, "a0 a0",
                    "request: trailing bytes after the value");
  expect_cbor_error(ctx, kitchen_sink_set_many_cbor,
                    "a7 61'a' 1a 80 00 00 00 61'b' 60 61'c' 40 61'd' 63'red' 61'e' a2 61'x' 00"
                    " 61'y' 00 61'f' 80 61'g' f6",
                    "a: value out of range");
}

static void malformed_cbor_is_reported_with_its_offset(void **state) {
  reply r;
  call_cbor(*state, kitchen_sink_echo_scalars_cbor, "a1 61's' a1 64'text' 65 61", &r);
  assert_int_equal(r.ret, RET_ERR);
  const char *want = "s.text: malformed CBOR (offset";
  assert_true(r.len > strlen(want));
  assert_memory_equal(r.bytes, want, strlen(want));
}

static void a_null_request_with_a_length_is_a_request_error_after_the_context_check(void **state) {
  reply r;
  reply_init(&r);
  assert_int_equal(kitchen_sink_counter_cbor(*state, on_reply, &r, NULL, 3), RET_OK);
  wait_reply(&r);
  assert_text(&r, RET_ERR, "request: NULL pointer with length 3");
  reply_init(&r); /* abi.md 3.1: the handle is checked first */
  assert_int_equal(kitchen_sink_counter_cbor(NULL, on_reply, &r, NULL, 3), RET_ERR);
  assert_int_equal(r.same_thread, 1);
  assert_int_equal(r.ret, RET_ERR);
  assert_true(r.len > 8 && memcmp(r.bytes, "request:", 8) != 0); /* the handle error */
}

static void native_null_pointers_with_a_length_are_refused_with_the_path(void **state) {
  void *ctx = *state;
  reply r;
  Containers c = make_containers();
  c.points = NULL;
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_containers(ctx, on_reply, &r, c), RET_ERR);
  assert_int_equal(r.same_thread, 1);
  assert_text(&r, RET_ERR, "c.points: NULL pointer with length 2");

  Everything e = make_everything();
  kitchen_sink_bytes bad[2] = {{&aa, 1}, {NULL, 4}};
  child.containers.blobs = bad;
  child.containers.blobs_len = 2;
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_everything(ctx, on_reply, &r, e), RET_ERR);
  assert_text(&r, RET_ERR, "e.children[0].containers.blobs[1]: NULL pointer with length 4");

  const char *f[1] = {"six"};
  reply_init(&r);
  assert_int_equal(kitchen_sink_set_many(ctx, on_reply, &r, 1, "two", NULL, 5, Color_blue,
                                         (Point){4, 5}, f, 1, 0, 0),
                   RET_ERR);
  assert_text(&r, RET_ERR, "c: NULL pointer with length 5");
  reply_init(&r);
  assert_int_equal(kitchen_sink_set_many(ctx, on_reply, &r, 1, "two", NULL, 0, Color_blue,
                                         (Point){4, 5}, NULL, 2, 0, 0),
                   RET_ERR);
  assert_text(&r, RET_ERR, "f: NULL pointer with length 2");
}

/* abi.md 3.1: cb, then the handle, only then the arguments. A method whose
 * arguments are all bad still reports a bad handle, with the very text of an
 * argument-free method (the runtime's, on the caller's thread). */
static void a_bad_context_is_reported_before_a_bad_argument(void **state) {
  void *stale = make_ctx();
  assert_int_equal(kitchen_sink_destroy(stale), 0);
  int local;
  void *bad[] = {NULL, &local, (void *)(uintptr_t)0x5eed0001u, stale};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    reply want, r;
    reply_init(&want);
    assert_int_equal(kitchen_sink_counter(bad[i], on_reply, &want), RET_ERR);
    assert_int_equal(want.done, 1);
    assert_true(want.len > 0);
    char text[4097];
    memcpy(text, want.bytes, want.len);
    text[want.len] = '\0';

    Containers c = make_containers();
    c.points = NULL; /* NULL pointer with a length */
    reply_init(&r);
    assert_int_equal(kitchen_sink_echo_containers(bad[i], on_reply, &r, c), RET_ERR);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.same_thread, 1);
    assert_text(&r, RET_ERR, text);

    reply_init(&r);
    assert_int_equal(kitchen_sink_set_many(bad[i], on_reply, &r, 1, "two", NULL, 5, 99,
                                           (Point){4, 5}, NULL, 2, 0, 0),
                     RET_ERR);
    assert_int_equal(r.done, 1);
    assert_text(&r, RET_ERR, text);

    /* no callback still wins over a bad handle */
    assert_int_equal(kitchen_sink_echo_containers(bad[i], NULL, NULL, c), RET_MISSING_CALLBACK);
  }
  (void)state;
}

static void native_enum_values_without_an_enumerator_are_refused(void **state) {
  void *ctx = *state;
  reply r;
  Scalars s = make_scalars();
  s.color = 99;
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_scalars(ctx, on_reply, &r, s), RET_ERR);
  assert_text(&r, RET_ERR, "s.color: invalid Color value 99");

  Containers c = make_containers();
  Color bad[2] = {Color_red, -5};
  c.colors = bad;
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_containers(ctx, on_reply, &r, c), RET_ERR);
  assert_text(&r, RET_ERR, "c.colors[1]: invalid Color value -5");
  c = make_containers();
  c.favourite = 42;
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_containers(ctx, on_reply, &r, c), RET_ERR);
  assert_text(&r, RET_ERR, "c.favourite: invalid Color value 42");
  c.favourite_present = 0; /* an absent value is not looked at */
  reply_init(&r);
  r.check = check_containers;
  r.expect = &c;
  assert_int_equal(kitchen_sink_echo_containers(ctx, on_reply, &r, c), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);

  const char *f[1] = {"six"};
  reply_init(&r);
  assert_int_equal(
      kitchen_sink_set_many(ctx, on_reply, &r, 1, "two", NULL, 0, 3, (Point){4, 5}, f, 1, 0, 0),
      RET_ERR);
  assert_text(&r, RET_ERR, "d: invalid Color value 3");
}

static void a_null_native_string_reads_as_empty(void **state) {
  Scalars s = make_scalars();
  s.text = NULL;
  Scalars expect = make_scalars();
  expect.text = "";
  reply r;
  reply_init(&r);
  r.check = check_scalars;
  r.expect = &expect;
  assert_int_equal(kitchen_sink_echo_scalars(*state, on_reply, &r, s), RET_OK);
  wait_reply(&r);
  assert_int_equal(r.checked, 1);
}

static void a_missing_callback_queues_nothing(void **state) {
  assert_int_equal(kitchen_sink_counter(*state, NULL, NULL), RET_MISSING_CALLBACK);
  assert_int_equal(kitchen_sink_echo_scalars(*state, NULL, NULL, make_scalars()),
                   RET_MISSING_CALLBACK);
  assert_int_equal(kitchen_sink_counter_cbor(*state, NULL, NULL, (const uint8_t *)"\xa0", 1),
                   RET_MISSING_CALLBACK);
  assert_null(kitchen_sink_create((Config){"x"}, NULL, NULL));
  assert_null(kitchen_sink_create_cbor((const uint8_t *)"\xa0", 1, NULL, NULL));
}

static void a_bad_cbor_constructor_request_creates_nothing(void **state) {
  (void)state;
  reply r;
  reply_init(&r);
  assert_null(kitchen_sink_create_cbor((const uint8_t *)"\xa0", 1, on_reply, &r));
  assert_int_equal(r.done, 1);
  assert_int_equal(r.same_thread, 1);
  assert_text(&r, RET_ERR, "config: missing required key");

  uint8_t req[64];
  size_t n = golden("a1 66'config' a1 64'name' 62'c1'", req);
  reply_init(&r);
  void *ctx = kitchen_sink_create_cbor(req, n, on_reply, &r);
  assert_non_null(ctx);
  wait_reply(&r);
  char want[40];
  int len = snprintf(want, sizeof want, "%llu", (unsigned long long)(uintptr_t)ctx);
  assert_int_equal(r.len, (size_t)len + 1);
  assert_int_equal(r.bytes[0], 0x60 + len);
  assert_memory_equal(r.bytes + 1, want, (size_t)len);
  assert_int_equal(kitchen_sink_destroy(ctx), 0);
  assert_int_equal(kitchen_sink_destroy(ctx), 1);
}

/* ------------------------------------------------------------ events */

typedef struct seen {
  pthread_mutex_t mu;
  int everything, pair, tick, wildcard, handlers;
  uint64_t tick_value;
  int everything_ok, pair_ok;
  uint8_t cbor[3][4096];
  size_t cbor_len[3];
  int ncbor;
} seen;

static const Everything *expect_everything;

static void typed_everything(const Everything *evt, void *ud) {
  seen *s = ud;
  pthread_mutex_lock(&s->mu);
  s->everything++;
  s->everything_ok = everything_eq(evt, expect_everything);
  pthread_mutex_unlock(&s->mu);
}

static void native_pair(int ret, const char *msg, size_t len, void *ud) {
  seen *s = ud;
  const PairSeenPayload *p = (const PairSeenPayload *)(const void *)msg;
  pthread_mutex_lock(&s->mu);
  s->pair++;
  s->pair_ok = ret == RET_OK && len == sizeof *p && strcmp(p->name, "pair") == 0 &&
               p->count == 42 && p->where_present && p->where.x == -1 && p->where.y == 2;
  pthread_mutex_unlock(&s->mu);
}

static void native_wildcard(int ret, const char *msg, size_t len, void *ud) {
  seen *s = ud;
  const FFIEventView *v = (const FFIEventView *)(const void *)msg;
  pthread_mutex_lock(&s->mu);
  if (ret == RET_OK && len == sizeof *v && strcmp(v->eventType, "tick") == 0 &&
      v->payloadSize == sizeof(uint64_t))
    memcpy(&s->tick_value, v->payload, sizeof s->tick_value);
  s->wildcard++;
  pthread_mutex_unlock(&s->mu);
}

static void cbor_listener(int ret, const char *msg, size_t len, void *ud) {
  seen *s = ud;
  (void)ret;
  pthread_mutex_lock(&s->mu);
  if (s->ncbor < 3 && len <= sizeof s->cbor[0]) {
    memcpy(s->cbor[s->ncbor], msg, len);
    s->cbor_len[s->ncbor++] = len;
  }
  pthread_mutex_unlock(&s->mu);
}

static void handler_tick(const uint64_t *evt, void *ud) {
  seen *s = ud;
  pthread_mutex_lock(&s->mu);
  s->handlers += *evt == 7;
  pthread_mutex_unlock(&s->mu);
}

static void handler_pair(const PairSeenPayload *evt, void *ud) {
  seen *s = ud;
  pthread_mutex_lock(&s->mu);
  s->handlers += evt->count == 42;
  pthread_mutex_unlock(&s->mu);
}

static int all_delivered(seen *s) {
  pthread_mutex_lock(&s->mu);
  int done =
      s->everything == 1 && s->pair == 1 && s->wildcard == 3 && s->ncbor == 3 && s->handlers == 2;
  pthread_mutex_unlock(&s->mu);
  return done;
}

static void events_reach_native_typed_handler_and_cbor_listeners(void **state) {
  void *ctx = *state;
  seen s;
  memset(&s, 0, sizeof s);
  pthread_mutex_init(&s.mu, NULL);
  Everything e = make_everything();
  expect_everything = &e;
  uint64_t ids[5];
  ids[0] = kitchen_sink_add_on_everything_listener(ctx, typed_everything, &s);
  ids[1] = kitchen_sink_add_event_listener(ctx, "pair_seen", native_pair, &s);
  ids[2] = kitchen_sink_add_event_listener(ctx, "", native_wildcard, &s);
  ids[3] = kitchen_sink_add_event_listener_cbor(ctx, NULL, cbor_listener, &s);
  struct kitchen_sink_event_handlers h = {0};
  h.tick = handler_tick;
  h.pair_seen = handler_pair;
  ids[4] = kitchen_sink_add_event_handlers(ctx, &h, &s);
  for (int i = 0; i < 5; i++)
    assert_true(ids[i] != 0);

  reply r;
  reply_init(&r);
  assert_int_equal(kitchen_sink_emit_all(ctx, on_reply, &r, e), RET_OK);
  wait_reply(&r);
  assert_text(&r, RET_OK, "");
  for (int i = 0; i < 1000 && !all_delivered(&s); i++)
    nanosleep(&(struct timespec){0, 5000000}, NULL);
  for (int i = 0; i < 5; i++)
    assert_int_equal(kitchen_sink_remove_event_listener(ctx, ids[i]), 0);
  assert_int_equal(kitchen_sink_remove_event_listener(ctx, ids[0]), 1);

  assert_true(all_delivered(&s));
  assert_int_equal(s.everything_ok, 1);
  assert_int_equal(s.pair_ok, 1);
  assert_int_equal(s.tick_value, 7);
  uint8_t want[8192];
  size_t n = golden("a2 69'eventType' 6d'on_everything' 67'payload' " EVERYTHING_CBOR, want);
  assert_int_equal(s.cbor_len[0], n);
  assert_memory_equal(s.cbor[0], want, n);
  n = golden("a2 69'eventType' 69'pair_seen' 67'payload' a3 64'name' 64'pair' 65'count' 18 2a"
             " 65'where' a2 61'x' 20 61'y' 02",
             want);
  assert_int_equal(s.cbor_len[1], n);
  assert_memory_equal(s.cbor[1], want, n);
  n = golden("a2 69'eventType' 64'tick' 67'payload' 07", want);
  assert_int_equal(s.cbor_len[2], n);
  assert_memory_equal(s.cbor[2], want, n);
}

/* ------------------------------------------------- the CBOR host header */

static void the_cbor_host_header_encodes_requests_and_decodes_replies(void **state) {
  Everything e = make_everything();
  uint8_t *req;
  size_t n;
  assert_int_equal(kitchen_sink_echo_everything_request_encode(e, &req, &n), 0);
  uint8_t want[8192];
  size_t wn = golden("a1 61'e' " EVERYTHING_CBOR, want);
  assert_int_equal(n, wn);
  assert_memory_equal(req, want, n);
  reply r;
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_everything_cbor(*state, on_reply, &r, req, n), RET_OK);
  free(req);
  wait_reply(&r);
  Everything got;
  char err[256];
  assert_int_equal(
      kitchen_sink_echo_everything_response_decode(r.bytes, r.len, &got, err, sizeof err), 0);
  assert_true(everything_eq(&got, &e));
  kitchen_sink_Everything_free(&got);

  const char *f[2] = {"six", "seven"};
  const uint8_t c[1] = {3};
  assert_int_equal(kitchen_sink_set_many_request_encode(1, "two", c, 1, Color_blue, (Point){4, 5},
                                                        f, 2, 1, 8, &req, &n),
                   0);
  call_cbor(*state, kitchen_sink_set_many_cbor, "", &r); /* empty request: an error */
  assert_int_equal(r.ret, RET_ERR);
  reply_init(&r);
  assert_int_equal(kitchen_sink_set_many_cbor(*state, on_reply, &r, req, n), RET_OK);
  free(req);
  wait_reply(&r);
  assert_int_equal(kitchen_sink_set_many_response_decode(r.bytes, r.len, err, sizeof err), 0);

  call_cbor(*state, kitchen_sink_nested_cbor, "a0", &r);
  kitchen_sink_seq_opt_string names;
  assert_int_equal(kitchen_sink_nested_response_decode(r.bytes, r.len, &names, err, sizeof err), 0);
  assert_int_equal(names.items_len, 3);
  assert_string_equal(names.items[2].value, "c");
  assert_int_equal(names.items[1].value_present, 0);
  kitchen_sink_seq_opt_string_free(&names);

  call_cbor(*state, kitchen_sink_counter_cbor, "a0", &r);
  uint64_t count;
  assert_int_equal(kitchen_sink_counter_response_decode(r.bytes, r.len, &count, err, sizeof err),
                   0);
  assert_int_equal(count, 1);
}

static void cbor_host_decoders_report_paths_and_free_partial_values(void **state) {
  (void)state;
  uint8_t msg[512];
  char err[256];
  Containers c;
  size_t n = golden(
      "a2 66'points' 82 a2 61'x' 01 61'y' 02 a2 61'x' 01 61'y' 63'two' 6a'maybeNames' 80", msg);
  assert_int_equal(kitchen_sink_Containers_decode(msg, n, &c, err, sizeof err), -1);
  assert_string_equal(err, "points[1].y: expected integer");
  n = golden("a1 66'points' 9f a2 61'x' 01 61'y' 02", msg); /* truncated */
  assert_int_equal(kitchen_sink_Containers_decode(msg, n, &c, err, sizeof err), -1);
  assert_string_equal(err, "points: malformed CBOR (offset 16: truncated)");
  Scalars s;
  n = golden("a1 65'color' 63'tan'", msg);
  assert_int_equal(kitchen_sink_Scalars_decode(msg, n, &s, err, sizeof err), -1);
  assert_string_equal(err, "color: unknown enumerator \"tan\"");
  n = golden("a2 69'eventType' 64'tick' 67'payload' 07", msg);
  uint64_t tick = 0;
  char name[32];
  assert_int_equal(kitchen_sink_event_type(msg, n, name, sizeof name), 0);
  assert_string_equal(name, "tick");
  assert_int_equal(kitchen_sink_tick_event_decode(msg, n, &tick, err, sizeof err), 0);
  assert_int_equal(tick, 7);
  n = golden("a2 67'payload' 07 69'eventType' 69'pair_seen'", msg);
  assert_int_equal(kitchen_sink_event_type(msg, n, name, sizeof name), 0);
  assert_string_equal(name, "pair_seen");
  assert_int_equal(kitchen_sink_tick_event_decode(msg, n, &tick, err, sizeof err), -1);
  assert_string_equal(err, "eventType: not tick");
}

static void native_text_that_is_not_utf8_is_refused_with_the_path(void **state) {
  void *ctx = *state;
  reply r;
  Scalars s = make_scalars();
  s.text = "\xc3\x28"; /* a lead byte without its continuation */
  reply_init(&r);
  assert_int_equal(kitchen_sink_echo_scalars(ctx, on_reply, &r, s), RET_ERR);
  assert_text(&r, RET_ERR, "s.text: text is not valid UTF-8");
  const char *f[2] = {"ok", "\xff"};
  reply_init(&r);
  assert_int_equal(kitchen_sink_set_many(ctx, on_reply, &r, 1, "two", NULL, 0, Color_red,
                                         (Point){4, 5}, f, 2, 0, 0),
                   RET_ERR);
  assert_text(&r, RET_ERR, "f[1]: text is not valid UTF-8");
}

static void listeners_of_events_the_library_does_not_have_are_refused(void **state) {
  void *ctx = *state;
  int s = 0;
  assert_int_equal(kitchen_sink_add_event_listener(ctx, "on_tick", native_pair, &s), 0);
  assert_int_equal(kitchen_sink_add_event_listener_cbor(ctx, "pair_sen", cbor_listener, &s), 0);
  /* the library's events, the built-in ones and the wildcard stay valid */
  const char *valid[] = {
      "tick", "pair_seen", "on_everything", "not_responding", "responding", "dropped_events", ""};
  for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
    uint64_t id = kitchen_sink_add_event_listener(ctx, valid[i], native_pair, &s);
    assert_int_not_equal(id, 0);
    assert_int_equal(kitchen_sink_remove_event_listener(ctx, id), 0);
    id = kitchen_sink_add_event_listener_cbor(ctx, valid[i], cbor_listener, &s);
    assert_int_not_equal(id, 0);
    assert_int_equal(kitchen_sink_remove_event_listener(ctx, id), 0);
  }
  uint64_t id = kitchen_sink_add_event_listener(ctx, NULL, native_pair, &s);
  assert_int_not_equal(id, 0);
  assert_int_equal(kitchen_sink_remove_event_listener(ctx, id), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(scalars_round_trip_natively, setup, teardown),
      cmocka_unit_test_setup_teardown(native_arguments_are_copied_before_the_export_returns, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(scalars_round_trip_through_cbor, setup, teardown),
      cmocka_unit_test_setup_teardown(containers_round_trip_natively, setup, teardown),
      cmocka_unit_test_setup_teardown(containers_round_trip_through_cbor, setup, teardown),
      cmocka_unit_test_setup_teardown(everything_round_trips_through_both_abis, setup, teardown),
      cmocka_unit_test_setup_teardown(decoders_accept_any_well_formed_encoding, setup, teardown),
      cmocka_unit_test_setup_teardown(several_parameters_of_every_kind_arrive_natively, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(several_parameters_of_every_kind_arrive_through_cbor, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(results_of_every_shape_reply_in_both_abis, setup, teardown),
      cmocka_unit_test_setup_teardown(a_nested_container_result_arrives_as_its_box, setup,
                                      teardown),
      cmocka_unit_test(statics_need_no_context),
      cmocka_unit_test_setup_teardown(cbor_decoder_errors_name_the_offending_field, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(malformed_cbor_is_reported_with_its_offset, setup, teardown),
      cmocka_unit_test_setup_teardown(
          a_null_request_with_a_length_is_a_request_error_after_the_context_check, setup, teardown),
      cmocka_unit_test_setup_teardown(native_null_pointers_with_a_length_are_refused_with_the_path,
                                      setup, teardown),
      cmocka_unit_test(a_bad_context_is_reported_before_a_bad_argument),
      cmocka_unit_test_setup_teardown(native_enum_values_without_an_enumerator_are_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_null_native_string_reads_as_empty, setup, teardown),
      cmocka_unit_test_setup_teardown(a_missing_callback_queues_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(native_text_that_is_not_utf8_is_refused_with_the_path, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(listeners_of_events_the_library_does_not_have_are_refused,
                                      setup, teardown),
      cmocka_unit_test(a_bad_cbor_constructor_request_creates_nothing),
      cmocka_unit_test_setup_teardown(events_reach_native_typed_handler_and_cbor_listeners, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_cbor_host_header_encodes_requests_and_decodes_replies,
                                      setup, teardown),
      cmocka_unit_test(cbor_host_decoders_report_paths_and_free_partial_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
