/*
 * test_kitchen_typed.c - the typed-callback and blocking forms of <lib>.h
 * for every result shape of the kitchen sink: scalar (u64, static i64),
 * string (static), nested container (seq<optional<string>>), optional bytes,
 * a struct with strings and bytes, and no result (method and static). The
 * caller-owned results are freed with the generated _result_free (the asan
 * suite's LeakSanitizer checks that nothing stays behind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <kitchen_sink/kitchen_sink.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void ignore(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  (void)ud;
}

static void *kitchen(void) {
  Config config = {.name = "typed"};
  void *ctx = kitchen_sink_create(config, ignore, NULL);
  assert_non_null(ctx);
  return ctx;
}

static void blocking_forms_of_every_result_shape(void **state) {
  (void)state;
  void *ctx = kitchen();
  char err[256];

  uint64_t count = 0;
  assert_int_equal(kitchen_sink_counter_wait(ctx, 5000, &count, err, sizeof err), RET_OK);
  assert_int_equal(count, 1);

  kitchen_sink_seq_opt_string nested;
  assert_int_equal(kitchen_sink_nested_wait(ctx, 5000, &nested, err, sizeof err), RET_OK);
  assert_int_equal(nested.items_len, 3);
  assert_string_equal(nested.items[0].value, "a");
  assert_false(nested.items[1].value_present);
  assert_string_equal(nested.items[2].value, "c");
  kitchen_sink_nested_result_free(&nested);
  assert_null(nested.items);

  kitchen_sink_opt_bytes blob;
  assert_int_equal(kitchen_sink_maybe_blob_wait(ctx, 5000, &blob, err, sizeof err), RET_OK);
  assert_true(blob.value_present);
  assert_int_equal(blob.value_len, 3);
  assert_int_equal(blob.value[2], 3);
  kitchen_sink_maybe_blob_result_free(&blob);

  uint8_t bytes[2] = {7, 8};
  Scalars s = {.flag = 1, .i64v = -5, .u64v = UINT64_MAX, .text = "t", .blob = bytes};
  s.blob_len = 2;
  Scalars back;
  assert_int_equal(kitchen_sink_echo_scalars_wait(ctx, 5000, &back, err, sizeof err, s), RET_OK);
  assert_int_equal(back.i64v, -5);
  assert_true(back.u64v == UINT64_MAX);
  assert_string_equal(back.text, "t");
  assert_int_equal(back.blob_len, 2);
  assert_int_equal(back.blob[1], 8);
  assert_ptr_not_equal(back.text, s.text); /* a copy of the caller's own */
  kitchen_sink_echo_scalars_result_free(&back);

  char *version = NULL;
  assert_int_equal(kitchen_sink_lib_version_wait(5000, &version, err, sizeof err), RET_OK);
  assert_string_equal(version, "kitchen v1");
  kitchen_sink_lib_version_result_free(&version);
  int64_t sum = 0;
  assert_int_equal(kitchen_sink_add_wait(5000, &sum, err, sizeof err, 2, 40), RET_OK);
  assert_int_equal(sum, 42);
  assert_int_equal(kitchen_sink_ping_wait(5000, err, sizeof err), RET_OK);

  assert_int_equal(kitchen_sink_destroy(ctx), 0);
}

typedef struct got {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int n;
  char text[256];
} got;

static void got_done(got *g, const char *text) {
  pthread_mutex_lock(&g->mu);
  g->n++;
  snprintf(g->text, sizeof g->text, "%s", text);
  pthread_cond_broadcast(&g->cv);
  pthread_mutex_unlock(&g->mu);
}

static void got_wait(got *g, int n) {
  pthread_mutex_lock(&g->mu);
  while (g->n < n)
    pthread_cond_wait(&g->cv, &g->mu);
  pthread_mutex_unlock(&g->mu);
}

static void on_nested(const kitchen_sink_seq_opt_string *r, const char *err, void *ud) {
  char buf[64];
  if (r) snprintf(buf, sizeof buf, "%zu:%s", r->items_len, r->items[2].value);
  got_done(ud, r ? buf : err);
}

static void on_add(const int64_t *r, const char *err, void *ud) {
  char buf[32];
  if (r) snprintf(buf, sizeof buf, "%lld", (long long)*r);
  got_done(ud, r ? buf : err);
}

static void on_ping(const char *err, void *ud) { got_done(ud, err ? err : "pong"); }

static void on_blob(const kitchen_sink_opt_bytes *r, const char *err, void *ud) {
  char buf[32];
  if (r) snprintf(buf, sizeof buf, "%d/%zu", r->value_present, r->value_len);
  got_done(ud, r ? buf : err);
}

static void typed_forms_of_every_result_shape(void **state) {
  (void)state;
  void *ctx = kitchen();
  got g = {.n = 0};
  pthread_mutex_init(&g.mu, NULL);
  pthread_cond_init(&g.cv, NULL);
  assert_int_equal(kitchen_sink_nested_typed(ctx, on_nested, &g), RET_OK);
  got_wait(&g, 1);
  assert_string_equal(g.text, "3:c");
  assert_int_equal(kitchen_sink_add_typed(on_add, &g, -2, -3), RET_OK);
  got_wait(&g, 2);
  assert_string_equal(g.text, "-5");
  assert_int_equal(kitchen_sink_ping_typed(on_ping, &g), RET_OK);
  got_wait(&g, 3);
  assert_string_equal(g.text, "pong");
  assert_int_equal(kitchen_sink_maybe_blob_typed(ctx, on_blob, &g), RET_OK);
  got_wait(&g, 4);
  assert_string_equal(g.text, "1/3");
  assert_int_equal(kitchen_sink_destroy(ctx), 0);
  pthread_cond_destroy(&g.cv);
  pthread_mutex_destroy(&g.mu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(blocking_forms_of_every_result_shape),
      cmocka_unit_test(typed_forms_of_every_result_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
