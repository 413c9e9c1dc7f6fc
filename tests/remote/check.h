/*
 * check.h - the non-fatal assertion of the remote tests: a failed CHECK
 * prints where and why, counts in `failures` and goes on, so one run
 * reports every broken expectation; main() returns failures != 0.
 */
#ifndef FFIRT_TESTS_REMOTE_CHECK_H
#define FFIRT_TESTS_REMOTE_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      failures++;                                                                                  \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                              \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)

#endif /* FFIRT_TESTS_REMOTE_CHECK_H */
