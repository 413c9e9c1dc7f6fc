/*
 * test_common.c - src/common/common.c: error texts, version, the allocator
 * hook (with the fault_alloc helper) and the log sink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ffirt/common.h"
#include "common/clock.h"
#include "unit/fault_alloc.h"

static void every_error_code_has_its_own_text(void **state) {
  (void)state;
  assert_string_equal(ffirt_strerror(FFIRT_OK), "success");
  assert_string_equal(ffirt_strerror(FFIRT_ENOMEM), "out of memory");
  assert_string_equal(ffirt_strerror(FFIRT_EMALFORMED), "malformed input");
  for (int a = FFIRT_ESTATE; a <= FFIRT_OK; a++) {
    assert_string_not_equal(ffirt_strerror(a), "unknown error");
    for (int b = a + 1; b <= FFIRT_OK; b++)
      assert_string_not_equal(ffirt_strerror(a), ffirt_strerror(b));
  }
  assert_string_equal(ffirt_strerror(FFIRT_ESTATE - 1), "unknown error");
  assert_string_equal(ffirt_strerror(42), "unknown error");
  assert_string_equal(ffirt_version(), FFIRT_VERSION_STRING);
}

static void the_nth_allocation_fails_once_and_live_blocks_are_counted(void **state) {
  (void)state;
  fault_alloc_install(3);
  void *a = ffirt_malloc(10);
  void *b = ffirt_calloc(4, 4);
  void *c = ffirt_malloc(10); /* the 3rd */
  void *d = ffirt_malloc(10);
  assert_non_null(a);
  assert_non_null(b);
  assert_null(c);
  assert_non_null(d);
  assert_true(fault_alloc_failed());
  assert_int_equal(fault_alloc_calls(), 4);
  assert_int_equal(fault_alloc_live(), 3);
  assert_memory_equal(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16); /* calloc zeroes */
  ffirt_free(a);
  ffirt_free(b);
  ffirt_free(d);
  ffirt_free(NULL);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

static void a_failed_realloc_keeps_the_old_block(void **state) {
  (void)state;
  fault_alloc_install(2);
  char *p = ffirt_realloc(NULL, 4); /* like malloc */
  assert_non_null(p);
  memcpy(p, "abc", 4);
  assert_null(ffirt_realloc(p, 1000));
  assert_int_equal(fault_alloc_live(), 1);
  char *q = ffirt_realloc(p, 1000);
  assert_non_null(q);
  assert_string_equal(q, "abc");
  assert_int_equal(fault_alloc_live(), 1);
  ffirt_free(q);
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

static void calloc_overflow_and_strdup_failures_return_null(void **state) {
  (void)state;
  fault_alloc_install(0);
  assert_null(ffirt_calloc(SIZE_MAX / 2, 4));
  assert_int_equal(fault_alloc_calls(), 0); /* refused before allocating */
  char *s = ffirt_strdup(NULL);
  assert_string_equal(s, "");
  ffirt_free(s);
  s = ffirt_strndup("hello", 3);
  assert_string_equal(s, "hel");
  ffirt_free(s);
  fault_alloc_install(1);
  assert_null(ffirt_strdup("x"));
  assert_int_equal(fault_alloc_live(), 0);
  fault_alloc_uninstall();
}

static void an_incomplete_allocator_restores_libc(void **state) {
  (void)state;
  fault_alloc_install(0);
  ffirt_allocator partial = {NULL, NULL, NULL, NULL};
  ffirt_set_allocator(&partial); /* ignored: falls back to libc */
  void *p = ffirt_malloc(8);
  assert_non_null(p);
  ffirt_free(p);
  assert_int_equal(fault_alloc_calls(), 0);
}

typedef struct log_capture {
  int calls;
  ffirt_log_level level;
  char msg[128];
  void *user;
} log_capture;

static void capture_sink(ffirt_log_level level, const char *msg, void *user) {
  log_capture *c = user;
  c->calls++;
  c->level = level;
  c->user = user;
  strncpy(c->msg, msg, sizeof c->msg - 1);
}

static void the_log_sink_receives_formatted_messages_up_to_its_level(void **state) {
  (void)state;
  log_capture c = {0};
  ffirt_log_set_sink(capture_sink, &c, FFIRT_LOG_INFO);
  ffirt_log(FFIRT_LOG_WARN, "queue %s is %d%% full", "events", 90);
  assert_int_equal(c.calls, 1);
  assert_int_equal(c.level, FFIRT_LOG_WARN);
  assert_string_equal(c.msg, "queue events is 90% full");
  assert_ptr_equal(c.user, &c);
  ffirt_log(FFIRT_LOG_INFO, "info");
  assert_int_equal(c.calls, 2);
  ffirt_log(FFIRT_LOG_DEBUG, "debug is filtered");
  assert_int_equal(c.calls, 2);
  ffirt_log_set_sink(NULL, NULL, FFIRT_LOG_DEBUG); /* back to stderr */
  ffirt_log(FFIRT_LOG_DEBUG, "not shown: the default level is warn");
  assert_int_equal(c.calls, 2);
}

/* Deadlines carry into the seconds and stay normalised for every ms. */
static void deadlines_are_normalised_and_as_far_as_asked(void **state) {
  (void)state;
  static const uint32_t ms[] = {0, 1, 999, 1000, 1001, 2500, 4294967295u};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    struct timespec d = ffirt__deadline(CLOCK_MONOTONIC, ms[i]);
    clock_gettime(CLOCK_MONOTONIC, &after);
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
    int64_t dn = (int64_t)d.tv_sec * 1000000000 + d.tv_nsec;
    int64_t lo = (int64_t)before.tv_sec * 1000000000 + before.tv_nsec + (int64_t)ms[i] * 1000000;
    int64_t hi = (int64_t)after.tv_sec * 1000000000 + after.tv_nsec + (int64_t)ms[i] * 1000000;
    assert_true(dn >= lo && dn <= hi);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_error_code_has_its_own_text),
      cmocka_unit_test(deadlines_are_normalised_and_as_far_as_asked),
      cmocka_unit_test(the_nth_allocation_fails_once_and_live_blocks_are_counted),
      cmocka_unit_test(a_failed_realloc_keeps_the_old_block),
      cmocka_unit_test(calloc_overflow_and_strdup_failures_return_null),
      cmocka_unit_test(an_incomplete_allocator_restores_libc),
      cmocka_unit_test(the_log_sink_receives_formatted_messages_up_to_its_level),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
