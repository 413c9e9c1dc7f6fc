/* test_gen_oom.c - out of memory anywhere in the front end: ffirt__gen_parse
 * returns NULL (or a model, when only a diagnostic could not be kept), never
 * crashes, and leaks nothing (run under AddressSanitizer by `make test`). */
#include "test_gen_util.h"

#include <stdlib.h>

static long calls, fail_at;

static void *failing_realloc(void *p, size_t n) {
  if (++calls == fail_at) return NULL;
  return realloc(p, n);
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *buf = malloc(1 << 16);
  assert_non_null(buf);
  *len = fread(buf, 1, (1 << 16) - 1, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

/* Fails allocation 1, 2, ... until a parse of the file passes without
 * hitting the failure; returns how many allocations a full parse makes. */
static long fail_each_allocation(const char *path, int want_errors) {
  size_t len;
  char *src = read_all(path, &len);
  long total = 0;
  for (fail_at = 1;; fail_at++) {
    calls = 0;
    ffirt__gen_realloc = failing_realloc;
    ffirt__gen_diag d = {0};
    ffirt__gen_model *m = ffirt__gen_parse("x.ffi", src, len, &d);
    ffirt__gen_diag_summary(&d);
    ffirt__gen_realloc = realloc;
    int hit = calls >= fail_at;
    if (!hit) {
      assert_non_null(m);
      assert_int_equal(d.errors > 0, want_errors);
      total = calls;
    }
    ffirt__gen_model_free(m);
    ffirt__gen_diag_free(&d);
    if (!hit) break;
  }
  free(src);
  return total;
}

static void every_allocation_of_a_clean_file_may_fail(void **state) {
  (void)state;
  long n = fail_each_allocation(FFIRT_GEN_TESTS_DIR "/kitchen_sink.ffi", 0);
  assert_true(n > 5); /* the test really went through many allocations */
}

static void every_allocation_of_a_file_with_errors_may_fail(void **state) {
  (void)state;
  long n = fail_each_allocation(FFIRT_GEN_TESTS_DIR "/diag/duplicate_names.ffi", 1);
  assert_true(n > 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_allocation_of_a_clean_file_may_fail),
      cmocka_unit_test(every_allocation_of_a_file_with_errors_may_fail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
