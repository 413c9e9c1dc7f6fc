/*
 * remote.h - the client runtime of lib<lib>_remote.so (client.c), called by
 * the generated <lib>_remote.c (emit_c_remote.c). Internal: linked into each
 * remote library and never exported (its version script keeps <lib>_ only),
 * so every remote library has its own copy, connection and state.
 */
#ifndef FFIRT_REMOTE_REMOTE_H
#define FFIRT_REMOTE_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/abi.h"

/* Delivers a successful CBOR result natively: decode, cb(RET_OK, native) or
 * cb(RET_ERR, text) when the bytes do not decode; frees what it decoded. */
typedef void (*ffirt__remote_dec_fn)(const uint8_t *msg, size_t len, FFICallBack cb, void *ud);
/* Delivers an event envelope to a native listener (wildcard: as an
 * FFIEventView). Returns 0, or -1 when the envelope does not decode. */
typedef int (*ffirt__remote_event_fn)(const char *type, const uint8_t *env, size_t len,
                                      int wildcard, FFICallBack cb, void *ud);

typedef struct ffirt__remote_lib {
  const char *name;                    /* library name: subjects are ffirt.<name>.* */
  ffirt__remote_event_fn event_native; /* generated per library */
  /* the IDL's event queue capacity (option event_capacity): a context's
   * event subscription holds at most this many events; 0 = libnats's limit */
  uint32_t event_capacity;
} ffirt__remote_lib;

/* The exports. `req` is always the caller's (copied before return). */
void *ffirt__remote_create(const ffirt__remote_lib *L, const char *ctor, int native,
                           const uint8_t *req, size_t len, FFICallBack cb, void *ud);
int ffirt__remote_call(const ffirt__remote_lib *L, void *ctx, const char *method,
                       ffirt__remote_dec_fn dec, const uint8_t *req, size_t len, FFICallBack cb,
                       void *ud);
int ffirt__remote_static(const ffirt__remote_lib *L, const char *name, ffirt__remote_dec_fn dec,
                         const uint8_t *req, size_t len, FFICallBack cb, void *ud);
int ffirt__remote_destroy(const ffirt__remote_lib *L, void *ctx);
/* native: 1 = native listener (event_native converts), 0 = CBOR. ud_free
 * (may be NULL) is called with ud once the listener is removed or its
 * context destroyed. Returns the listener id or 0. */
uint64_t ffirt__remote_listen(const ffirt__remote_lib *L, void *ctx, const char *event, int native,
                              FFICallBack cb, void *ud, void (*ud_free)(void *));
int ffirt__remote_unlisten(const ffirt__remote_lib *L, void *ctx, uint64_t id);

/* RET_OK when ctx is a live handle of this library; otherwise answers
 * cb(RET_ERR, text) on this thread and returns RET_ERR (abi.md 3.1). */
int ffirt__remote_check(const ffirt__remote_lib *L, void *ctx, FFICallBack cb, void *ud);
/* The payload of a dropped_events envelope. 0 or -1. */
int ffirt__remote_envelope_u64(const uint8_t *env, size_t len, uint64_t *out);

/* Decodes a successful CBOR result into dst (libc allocations, freed by the
 * generated _result_free). 0, or -1 with the reason in err. */
typedef int (*ffirt__remote_take_fn)(const uint8_t *msg, size_t len, void *dst, char *err,
                                     size_t errn);
/* The blocking form (<lib>_<p>_wait): method (ctx != NULL) or static
 * (is_static), CBOR request req; waits up to timeout_ms (0: no bound) and
 * then decodes with take (NULL: no result). RET_OK, or RET_ERR with the
 * reason in errText. Refused on the client's reply thread (it would wait
 * for itself). */
int ffirt__remote_wait(const ffirt__remote_lib *L, void *ctx, int is_static, const char *name,
                       const uint8_t *req, size_t len, uint32_t timeout_ms,
                       ffirt__remote_take_fn take, void *dst, char *errText, size_t errSize);

/* A reply text for a cb(RET_ERR) made by the generated code. */
void ffirt__remote_fail(FFICallBack cb, void *ud, const char *text);

#endif /* FFIRT_REMOTE_REMOTE_H */
