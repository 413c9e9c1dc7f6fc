/*
 * test_e2e_cbor_alloc.c - a CBOR reply of 64 KiB is encoded into a buffer
 * reserved at its final size (issue 10): the generated reply path sizes the
 * reply with its fixed 256-byte first attempt and then allocates once,
 * instead of growing a dynamic encoder by doubling (eleven reallocs, the
 * last past glibc's mmap threshold: an mmap + munmap per call).
 *
 * Counts the runtime allocator's calls (ffirt_set_allocator, installed
 * before anything else) during one my_timer `echo_cbor` of 64 KiB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <my_timer/my_timer.h>

#include <ffirt/cbor.h>
#include <ffirt/common.h>

static atomic_long g_mallocs, g_grows;

static void *count_malloc(size_t n, void *u) {
  (void)u;
  atomic_fetch_add(&g_mallocs, 1);
  return malloc(n);
}
static void *count_realloc(void *p, size_t n, void *u) {
  (void)u;
  atomic_fetch_add(p ? &g_grows : &g_mallocs, 1);
  return realloc(p, n);
}
static void count_free(void *p, void *u) {
  (void)u;
  free(p);
}

static atomic_int g_done;
static size_t g_len;
static int g_ret;

static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)ud;
  if (ret == RET_STALE_WARN) return;
  g_ret = ret;
  g_len = len;
  atomic_store(&g_done, 1);
}

static void wait_done(void) {
  for (int i = 0; i < 5000 && !atomic_load(&g_done); i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  assert_true(atomic_load(&g_done));
}

static void echo_64k(void *ctx, const uint8_t *req, size_t len) {
  atomic_store(&g_done, 0);
  assert_int_equal(my_timer_echo_cbor(ctx, on_reply, NULL, req, len), RET_OK);
  wait_done();
  assert_int_equal(g_ret, RET_OK);
  assert_true(g_len > 65536);
}

static void a_64k_cbor_reply_is_encoded_without_growing(void **state) {
  (void)state;
  atomic_store(&g_done, 0);
  TimerConfig config = {.name = "alloc"};
  void *ctx = my_timer_create(config, on_reply, NULL);
  assert_non_null(ctx);
  wait_done();
  assert_int_equal(g_ret, RET_OK);

  char *message = malloc(65536 + 1);
  memset(message, 'm', 65536);
  message[65536] = '\0';
  ffirt_cbor_enc e;
  ffirt_cbor_enc_init_dynamic(&e);
  ffirt_cbor_enc_map(&e, 1);
  ffirt_cbor_enc_text_z(&e, "req");
  ffirt_cbor_enc_map(&e, 2);
  ffirt_cbor_enc_text_z(&e, "message");
  ffirt_cbor_enc_text_z(&e, message);
  ffirt_cbor_enc_text_z(&e, "delayMs");
  ffirt_cbor_enc_int(&e, 0);
  size_t len;
  uint8_t *req = ffirt_cbor_enc_take(&e, &len);
  assert_non_null(req);

  echo_64k(ctx, req, len); /* warm-up: pools and caches filled */
  atomic_store(&g_mallocs, 0);
  atomic_store(&g_grows, 0);
  echo_64k(ctx, req, len);
  long mallocs = atomic_load(&g_mallocs), grows = atomic_load(&g_grows);
  print_message("one 64 KiB echo_cbor: %ld allocations, %ld reallocs that grew a block\n", mallocs,
                grows);
  assert_int_equal(grows, 0);
  ffirt_free(req);
  free(message);
  assert_int_equal(my_timer_destroy(ctx), 0);
}

int main(void) {
  ffirt_allocator a = {count_malloc, count_realloc, count_free, NULL};
  ffirt_set_allocator(&a);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_64k_cbor_reply_is_encoded_without_growing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
