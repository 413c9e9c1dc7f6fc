/*
 * test_handle.c - the handle table (src/context/handle.c) on its own:
 * encoding, validation order and texts, generations, the CLOSING/refcount
 * protocol and the live limit. Uses fake contexts (only ->lib is read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "context/ctx_internal.h"
#include "context/handle.h"

static const ffirt_library lib_a = {.name = "my_timer"};
static const ffirt_library lib_b = {.name = "echo"};

static ffirt_ctx *fake(const ffirt_library *lib) {
  ffirt_ctx *c = test_calloc(1, sizeof *c);
  c->lib = lib;
  return c;
}

static uint64_t live_handle(ffirt_ctx *c) {
  uint64_t h = 0;
  assert_int_equal(ffirt__handle_alloc(c, &h), 0);
  ffirt__handle_publish(h);
  return h;
}

static void handle_is_odd_nonzero_and_not_an_address(void **state) {
  (void)state;
  ffirt_ctx *c = fake(&lib_a);
  uint64_t h = live_handle(c);
  assert_true(h & 1u);
  assert_true((h >> 32) != 0); /* generation never 0 */
  assert_true((uintptr_t)h != (uintptr_t)c);
  ffirt__handle_free(h);
  test_free(c);
}

static void published_handle_validates_for_its_library(void **state) {
  (void)state;
  ffirt_ctx *c = fake(&lib_a);
  uint64_t h = live_handle(c);
  ffirt_ctx *got = NULL;
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h, &got, NULL, 0), FFIRT__H_OK);
  assert_ptr_equal(got, c);
  ffirt__handle_release(h);
  ffirt__handle_free(h);
  test_free(c);
}

static void null_forged_and_interior_handles_are_rejected_with_texts(void **state) {
  (void)state;
  char text[256];
  ffirt_ctx *got = NULL;
  assert_int_equal(ffirt__handle_acquire(&lib_a, NULL, &got, text, sizeof text), FFIRT__H_NULL);
  assert_string_equal(text, "invalid context handle: NULL");

  assert_int_equal(
      ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)0x7fff12345678u, &got, text, sizeof text),
      FFIRT__H_FORGED);
  assert_non_null(strstr(text, "invalid context handle 0x7fff12345678"));
  assert_non_null(strstr(text, "forged"));
  assert_non_null(strstr(text, "'my_timer'"));

  ffirt_ctx *c = fake(&lib_a);
  uint64_t h = live_handle(c);
  /* interior pointer: handle + 1 (even) and a neighbouring never-used index */
  assert_int_equal(
      ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)(h + 1), &got, text, sizeof text),
      FFIRT__H_FORGED);
  uint64_t far = h + ((uint64_t)100000 << 1);
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)far, &got, text, sizeof text),
                   FFIRT__H_FORGED);
  /* a future generation of a live slot */
  uint64_t future = h + ((uint64_t)5 << 32);
  assert_int_equal(
      ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)future, &got, text, sizeof text),
      FFIRT__H_FORGED);
  ffirt__handle_free(h);
  test_free(c);
}

static void handle_of_other_library_is_rejected_naming_both(void **state) {
  (void)state;
  char text[256];
  ffirt_ctx *c = fake(&lib_b);
  uint64_t h = live_handle(c);
  ffirt_ctx *got = NULL;
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h, &got, text, sizeof text),
                   FFIRT__H_OTHER_LIB);
  assert_non_null(strstr(text, "belongs to library 'echo', not 'my_timer'"));
  /* the failed acquire took no reference: close + drain do not wait */
  assert_int_equal(ffirt__handle_close(h), 0);
  ffirt__handle_drain(h); /* would spin forever if a ref leaked... drain waits for <= 1 */
  ffirt__handle_free(h);
  test_free(c);
}

static void freed_handle_never_validates_even_after_slot_reuse(void **state) {
  (void)state;
  char text[256];
  ffirt_ctx *c1 = fake(&lib_a);
  uint64_t h1 = live_handle(c1);
  ffirt__handle_free(h1);
  ffirt_ctx *got = NULL;
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h1, &got, text, sizeof text),
                   FFIRT__H_STALE);
  assert_non_null(strstr(text, "destroyed"));
  /* reuse slots until h1's index comes back (FIFO free list) */
  uint32_t idx1 = (uint32_t)((h1 >> 1) & 0xfffffu);
  ffirt_ctx *c2 = fake(&lib_a);
  uint64_t h2 = 0;
  for (int i = 0; i < 100000; i++) {
    h2 = live_handle(c2);
    if ((uint32_t)((h2 >> 1) & 0xfffffu) == idx1) break;
    ffirt__handle_free(h2);
    h2 = 0;
  }
  assert_true(h2 != 0);
  assert_true(h2 != h1);
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h1, &got, text, sizeof text),
                   FFIRT__H_STALE);
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h2, &got, NULL, 0),
                   FFIRT__H_OK);
  assert_ptr_equal(got, c2);
  ffirt__handle_release(h2);
  ffirt__handle_free(h2);
  test_free(c1);
  test_free(c2);
}

static void closing_handle_refuses_new_references(void **state) {
  (void)state;
  char text[256];
  ffirt_ctx *c = fake(&lib_a);
  uint64_t h = live_handle(c);
  ffirt_ctx *got;
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h, &got, NULL, 0), FFIRT__H_OK);
  assert_int_equal(ffirt__handle_close(h), 0);
  assert_int_equal(ffirt__handle_close(h), FFIRT_ECLOSED); /* a second closer loses */
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h, &got, text, sizeof text),
                   FFIRT__H_CLOSING);
  assert_non_null(strstr(text, "being destroyed"));
  ffirt__handle_drain(h); /* only our reference is left: returns at once */
  ffirt__handle_free(h);
  test_free(c);
}

static void live_limit_is_enforced_and_configurable(void **state) {
  (void)state;
  size_t base = ffirt__handle_live();
  assert_int_equal(ffirt_ctx_set_max_contexts(0), FFIRT_EINVAL);
  assert_int_equal(ffirt_ctx_set_max_contexts((size_t)FFIRT_CTX_HARD_MAX + 1), FFIRT_EINVAL);
  assert_int_equal(ffirt_ctx_set_max_contexts(base + 3), 0);
  ffirt_ctx *c = fake(&lib_a);
  uint64_t h[4];
  for (int i = 0; i < 3; i++)
    assert_int_equal(ffirt__handle_alloc(c, &h[i]), 0);
  assert_int_equal(ffirt__handle_alloc(c, &h[3]), FFIRT_ELIMIT);
  ffirt__handle_free(h[0]);
  assert_int_equal(ffirt__handle_alloc(c, &h[0]), 0);
  for (int i = 0; i < 3; i++)
    ffirt__handle_free(h[i]);
  assert_int_equal(ffirt__handle_live(), base);
  assert_int_equal(ffirt_ctx_set_max_contexts(FFIRT_CTX_DEFAULT_MAX), 0);
  assert_int_equal(ffirt_ctx_max_contexts(), FFIRT_CTX_DEFAULT_MAX);
  test_free(c);
}

static void more_than_default_limit_can_be_live_when_configured(void **state) {
  (void)state;
  enum { N = 5000 }; /* > FFIRT_CTX_DEFAULT_MAX, several pages */
  assert_int_equal(ffirt_ctx_set_max_contexts(N + 16), 0);
  ffirt_ctx *c = fake(&lib_a);
  static uint64_t h[N];
  for (int i = 0; i < N; i++) {
    assert_int_equal(ffirt__handle_alloc(c, &h[i]), 0);
    ffirt__handle_publish(h[i]);
  }
  for (int i = 0; i < N; i++) {
    ffirt_ctx *got;
    assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)h[i], &got, NULL, 0),
                     FFIRT__H_OK);
    ffirt__handle_release(h[i]);
    ffirt__handle_free(h[i]);
  }
  assert_int_equal(ffirt_ctx_set_max_contexts(FFIRT_CTX_DEFAULT_MAX), 0);
  test_free(c);
}

/* A slot whose generation would wrap is retired, never reused: an old handle
 * of generation 1 would validate again otherwise (abi.md 3.1). */
static void a_slot_whose_generation_would_wrap_is_retired(void **state) {
  (void)state;
  ffirt_ctx *c = fake(&lib_a);
  uint64_t h = live_handle(c);
  uint32_t idx = (uint32_t)((h >> 1) & 0xfffffu);
  uint64_t hmax = ffirt__handle_test_set_gen(h, UINT32_MAX);
  ffirt_ctx *got = NULL;
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)hmax, &got, NULL, 0),
                   FFIRT__H_OK);
  ffirt__handle_release(hmax);
  ffirt__handle_free(hmax);
  assert_int_equal(ffirt__handle_acquire(&lib_a, (void *)(uintptr_t)hmax, &got, NULL, 0),
                   FFIRT__H_STALE);
  enum { N = 2000 };
  uint64_t *hs = test_calloc(N, sizeof *hs);
  ffirt_ctx **cs = test_calloc(N, sizeof *cs);
  for (int i = 0; i < N; i++) {
    cs[i] = fake(&lib_a);
    hs[i] = live_handle(cs[i]);
    assert_int_not_equal((uint32_t)((hs[i] >> 1) & 0xfffffu), idx);
  }
  for (int i = 0; i < N; i++) {
    ffirt__handle_free(hs[i]);
    test_free(cs[i]);
  }
  test_free(hs);
  test_free(cs);
  test_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(handle_is_odd_nonzero_and_not_an_address),
      cmocka_unit_test(published_handle_validates_for_its_library),
      cmocka_unit_test(null_forged_and_interior_handles_are_rejected_with_texts),
      cmocka_unit_test(handle_of_other_library_is_rejected_naming_both),
      cmocka_unit_test(freed_handle_never_validates_even_after_slot_reuse),
      cmocka_unit_test(closing_handle_refuses_new_references),
      cmocka_unit_test(a_slot_whose_generation_would_wrap_is_retired),
      cmocka_unit_test(live_limit_is_enforced_and_configurable),
      cmocka_unit_test(more_than_default_limit_can_be_live_when_configured),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
