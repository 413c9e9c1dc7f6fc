/*
 * test_kitchen_oom.c - the generated deep copies and decoders of the
 * kitchen-sink glue under allocation failure: every n-th allocation fails
 * in turn, and each time the function reports out of memory, leaves a value
 * that frees cleanly (AddressSanitizer checks no leak), and never crashes.
 *
 * The generated glue is compiled into this test (#include) to reach its
 * static functions; no context or thread is involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kitchen_sink_ffi.c"

static long allocations, fail_at;

static void *failing_malloc(size_t n, void *user) {
  (void)user;
  return ++allocations == fail_at ? NULL : malloc(n);
}

static void *failing_realloc(void *p, size_t n, void *user) {
  (void)user;
  return ++allocations == fail_at ? NULL : realloc(p, n);
}

static void plain_free(void *p, void *user) {
  (void)user;
  free(p);
}

static void fail_nth(long n) {
  allocations = 0;
  fail_at = n;
}

static int setup(void **state) {
  (void)state;
  const ffirt_allocator a = {failing_malloc, failing_realloc, plain_free, NULL};
  fail_nth(0);
  ffirt_set_allocator(&a);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ffirt_set_allocator(NULL);
  return 0;
}

static uint8_t blob[3] = {0, 1, 2};
static Point points[2] = {{1, 2}, {3, 4}};
static kitchen_sink_opt_string names[2] = {{1, "x"}, {0, NULL}};
static int64_t numbers[2] = {10, -1};
static uint8_t aa = 0xaa;
static kitchen_sink_bytes blobs[2] = {{&aa, 1}, {NULL, 0}};
static Everything child;

static Everything make_everything(void) {
  Everything e;
  memset(&e, 0, sizeof e);
  e.scalars.text = "text";
  e.scalars.blob = blob;
  e.scalars.blob_len = 3;
  e.containers.points = points;
  e.containers.points_len = 2;
  e.containers.maybeNames = names;
  e.containers.maybeNames_len = 2;
  e.containers.maybeNumbers_present = 1;
  e.containers.maybeNumbers = (kitchen_sink_seq_i64){numbers, 2};
  e.containers.blobs = blobs;
  e.containers.blobs_len = 2;
  memset(&child, 0, sizeof child);
  child.scalars.text = "child";
  e.children = &child;
  e.children_len = 1;
  return e;
}

static void every_failed_allocation_of_a_deep_copy_reports_out_of_memory(void **state) {
  (void)state;
  const kitchen_sink__ffi_echo_everything_args src = {make_everything()};
  long n = 1;
  for (;; n++) {
    kitchen_sink__ffi_echo_everything_args dst;
    kitchen_sink__ffi_gen_err err;
    kitchen_sink__ffi_err_init(&err);
    fail_nth(n);
    int rc = kitchen_sink__ffi_copy__echo_everything_args(&dst, &src, &err);
    if (rc) {
      assert_int_equal(err.code, FFIRT_ENOMEM);
      assert_string_equal(err.msg, "out of memory");
    } else {
      assert_string_equal(dst.e.children[0].scalars.text, "child");
    }
    kitchen_sink__ffi_free__echo_everything_args(&dst);
    if (rc == 0) break;
  }
  assert_true(n > 10); /* the walk above really failed every allocation in turn */
}

static void every_failed_allocation_of_an_event_copy_leaves_nothing(void **state) {
  (void)state;
  const Everything src = make_everything();
  for (long n = 1;; n++) {
    Everything dst;
    fail_nth(n);
    int rc = kitchen_sink__ffi_on_everything_copy(&dst, &src);
    if (rc == 0) {
      assert_string_equal(dst.children[0].scalars.text, "child");
      kitchen_sink__ffi_on_everything_release(&dst);
      break;
    }
    assert_int_equal(rc, FFIRT_ENOMEM); /* dst holds nothing to free */
  }
}

static void every_failed_allocation_of_a_decode_reports_out_of_memory(void **state) {
  (void)state;
  const Everything value = make_everything();
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  ffirt_cbor_enc_map(&e, 1);
  ffirt_cbor_enc_text(&e, "e", 1);
  kitchen_sink__ffi_encode_Everything(&e, &value);
  size_t len;
  uint8_t *req = ffirt_cbor_enc_take(&e, &len);
  assert_non_null(req);
  for (long n = 1;; n++) {
    kitchen_sink__ffi_echo_everything_args args;
    memset(&args, 0, sizeof args);
    kitchen_sink__ffi_gen_dec c;
    fail_nth(n);
    int rc =
        kitchen_sink__ffi_dec_init(&c, req, len) ||
        kitchen_sink__ffi_dec_finish(&c, kitchen_sink__ffi_decode__echo_everything_args(&c, &args));
    kitchen_sink__ffi_free__echo_everything_args(&args);
    if (!rc) break;
    assert_int_equal(c.err.code, FFIRT_ENOMEM);
  }
  fail_nth(0);
  ffirt_free(req);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(every_failed_allocation_of_a_deep_copy_reports_out_of_memory,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(every_failed_allocation_of_an_event_copy_leaves_nothing,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(every_failed_allocation_of_a_decode_reports_out_of_memory,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
