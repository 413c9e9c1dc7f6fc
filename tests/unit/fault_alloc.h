/*
 * fault_alloc.h - a test allocator for the ffirt allocator hook that fails
 * the n-th allocation and counts live allocations.
 *
 * Use it to prove that every allocation failure is reported and leaks
 * nothing:
 *
 *   for (long n = 1;; n++) {
 *     fault_alloc_install(n);          // the n-th allocation will fail
 *     int rc = code_under_test();
 *     ...free what it returned...
 *     assert_int_equal(fault_alloc_live(), 0);
 *     int failed = fault_alloc_failed();
 *     fault_alloc_uninstall();
 *     if (!failed) break;             // ran to the end without hitting n
 *   }
 *
 * "Allocation" means every ffirt_malloc / ffirt_calloc / ffirt_realloc call
 * (a realloc that grows counts, and failing it leaves the old block alive,
 * as realloc does). Counters are atomic, so it may be installed while
 * runtime threads allocate (tests labelled "concurrency"); install and
 * uninstall themselves must happen while nothing allocated by the other
 * allocator is alive (see ffirt_set_allocator).
 *
 * Build: add ${PROJECT_SOURCE_DIR}/tests/unit/fault_alloc.c to SOURCES and
 * include "unit/fault_alloc.h" (tests/ is on the include path).
 */
#ifndef FFIRT_TEST_FAULT_ALLOC_H
#define FFIRT_TEST_FAULT_ALLOC_H

/* Installs the counting allocator; the fail_at-th allocation from now on
 * (1-based) returns NULL, once. fail_at <= 0: never fail, only count.
 * Resets all counters. */
void fault_alloc_install(long fail_at);
/* Restores the libc allocator (ffirt_set_allocator(NULL)). */
void fault_alloc_uninstall(void);
/* Blocks currently allocated through the hook and not yet freed. */
long fault_alloc_live(void);
/* Allocation calls since install (including the failed one). */
long fault_alloc_calls(void);
/* 1 once the injected failure has happened. */
int fault_alloc_failed(void);

#endif /* FFIRT_TEST_FAULT_ALLOC_H */
