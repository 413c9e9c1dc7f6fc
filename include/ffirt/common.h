/*
 * ffirt/common.h - error codes, the allocator hook and the log sink.
 *
 * Every fallible runtime function returns int: 0 on success or a negative
 * FFIRT_E* code that ffirt_strerror() turns into text.
 *
 * Every allocation of the runtime (and of generated code) goes through the
 * allocator installed with ffirt_set_allocator(), so tests can make the n-th
 * allocation fail.
 */
#ifndef FFIRT_COMMON_H
#define FFIRT_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ffirt/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FFIRT_VERSION_MAJOR 0
#define FFIRT_VERSION_MINOR 1
#define FFIRT_VERSION_PATCH 0
#define FFIRT_VERSION_STRING "0.1.0"

/* Error codes (negative). Keep ffirt_strerror() in step. */
#define FFIRT_OK 0
#define FFIRT_EINVAL (-1)     /* an argument is invalid (NULL, out of range) */
#define FFIRT_ENOMEM (-2)     /* an allocation failed */
#define FFIRT_ENOSPC (-3)     /* the caller's buffer is too small */
#define FFIRT_EMALFORMED (-4) /* malformed input (CBOR, IDL ...) */
#define FFIRT_ETYPE (-5)      /* well-formed input of the wrong shape or type */
#define FFIRT_ERANGE (-6)     /* a value does not fit its target */
#define FFIRT_EDEPTH (-7)     /* nesting deeper than the configured limit */
#define FFIRT_EBADCTX (-8)    /* a NULL, forged, stale or foreign handle */
#define FFIRT_ECLOSED (-9)    /* the object is shutting down or destroyed */
#define FFIRT_ELIMIT (-10)    /* a configured maximum is reached */
#define FFIRT_ETHREAD (-11)   /* a thread or loop could not be created */
#define FFIRT_EDEADLK (-12)   /* the call would deadlock (waiting on own thread) */
#define FFIRT_ETIMEDOUT (-13) /* a bounded wait ran out */
#define FFIRT_ENOTFOUND (-14) /* no such item (listener id, ...) */
#define FFIRT_EFULL (-15)     /* a bounded queue is full */
#define FFIRT_ESTATE (-16)    /* called in the wrong state (e.g. finished twice) */

/*
 * Returns a static English text for an FFIRT_E* code ("unknown error" for
 * others). Any thread; may be called from callbacks.
 */
const char *ffirt_strerror(int err);

/* Returns FFIRT_VERSION_STRING of the linked runtime. Any thread. */
const char *ffirt_version(void);

/*
 * Allocator hook. All three functions must be set; user is passed back.
 * realloc_fn(NULL, n) must behave like malloc_fn(n); free_fn(NULL) is a no-op.
 */
typedef struct ffirt_allocator {
  void *(*malloc_fn)(size_t size, void *user);
  void *(*realloc_fn)(void *ptr, size_t size, void *user);
  void (*free_fn)(void *ptr, void *user);
  void *user;
} ffirt_allocator;

/*
 * Installs alloc (copied) as the allocator of the runtime, or restores the
 * libc allocator when alloc is NULL. Call it before any other ffirt function
 * or while nothing allocated by the previous allocator is still alive (tests
 * do this between cases). Not thread-safe against concurrent allocations.
 */
void ffirt_set_allocator(const ffirt_allocator *alloc);

/* The allocator entry points used by the runtime and by generated code.
 * Any thread. ffirt_calloc checks n * size for overflow. */
void *ffirt_malloc(size_t size);
void *ffirt_calloc(size_t n, size_t size);
void *ffirt_realloc(void *ptr, size_t size);
void ffirt_free(void *ptr);
/* Copies n bytes of s and appends a NUL; s may be NULL when n == 0. */
char *ffirt_strndup(const char *s, size_t n);
/* ffirt_strndup(s, strlen(s)); NULL s gives "". */
char *ffirt_strdup(const char *s);

/* Log levels, most severe first. */
typedef enum ffirt_log_level {
  FFIRT_LOG_ERROR = 0,
  FFIRT_LOG_WARN = 1,
  FFIRT_LOG_INFO = 2,
  FFIRT_LOG_DEBUG = 3
} ffirt_log_level;

typedef void (*ffirt_log_fn)(ffirt_log_level level, const char *msg, void *user);

/*
 * Installs a log sink that receives every message at or above max_level
 * (fn == NULL restores the default: stderr, FFIRT_LOG_WARN). The sink may be
 * called from any runtime thread, concurrently; it must not call back into
 * the context that logged. Any thread.
 */
void ffirt_log_set_sink(ffirt_log_fn fn, void *user, ffirt_log_level max_level);

/* printf-style logging through the sink. Any thread; callable from callbacks. */
void ffirt_log(ffirt_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* FFIRT_COMMON_H */
