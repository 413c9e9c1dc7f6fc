/*
 * ffirt/describe.h - the reflection descriptor every generated library
 * exports as `const ffirt_library_desc *<lib>_ffirt_describe(void)`.
 *
 * It lets a program that has never seen a library (ffirt-serve, a generic
 * inspector) find its procedures, their CBOR entry points and parameter
 * names, its events and its wire schema after dlopen() alone:
 *
 *   const ffirt_library_desc *(*describe)(void) = dlsym(h, "my_timer_ffirt_describe");
 *   const ffirt_library_desc *d = describe();
 *
 * Everything it points to is static, immutable data of the library: valid
 * while the library stays loaded, safe to read from any thread. The struct
 * only grows at the end; `desc_version` tells which fields exist.
 */
#ifndef FFIRT_DESCRIBE_H
#define FFIRT_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The value of ffirt_library_desc.desc_version written by this ffirt. */
#define FFIRT_DESC_VERSION 1

typedef enum ffirt_proc_kind {
  FFIRT_PROC_CTOR = 0,   /* void *<lib>_<ctor>_cbor(req, len, cb, ud) */
  FFIRT_PROC_METHOD = 1, /* int <lib>_<m>_cbor(ctx, cb, ud, req, len) */
  FFIRT_PROC_STATIC = 2, /* int <lib>_<s>_cbor(cb, ud, req, len) */
  FFIRT_PROC_DTOR = 3    /* int <lib>_<dtor>(ctx): no CBOR form */
} ffirt_proc_kind;

typedef void *(*ffirt_ctor_cbor_fn)(const uint8_t *req, size_t len, FFICallBack cb, void *ud);
typedef int (*ffirt_method_cbor_fn)(void *ctx, FFICallBack cb, void *ud, const uint8_t *req,
                                    size_t len);
typedef int (*ffirt_static_cbor_fn)(FFICallBack cb, void *ud, const uint8_t *req, size_t len);
typedef int (*ffirt_dtor_fn)(void *ctx);

/* One constructor, method, static or destructor. Exactly the entry point of
 * its kind is set, the others are NULL. */
typedef struct ffirt_proc_desc {
  const char *name;            /* IDL name: "echo" */
  ffirt_proc_kind kind;        /* */
  const char *symbol;          /* exported entry point: "my_timer_echo_cbor" */
  const char *const *params;   /* parameter names, the keys of the CBOR request */
  size_t nparams;              /* */
  ffirt_ctor_cbor_fn ctor;     /* FFIRT_PROC_CTOR */
  ffirt_method_cbor_fn method; /* FFIRT_PROC_METHOD */
  ffirt_static_cbor_fn stat;   /* FFIRT_PROC_STATIC */
  ffirt_dtor_fn dtor;          /* FFIRT_PROC_DTOR */
} ffirt_proc_desc;

/* One IDL event (the runtime's built-ins not_responding, responding and
 * dropped_events exist in every library and are not listed). */
typedef struct ffirt_event_desc {
  const char *name; /* wire name: "on_echo_fired" */
} ffirt_event_desc;

typedef struct ffirt_library_desc {
  uint32_t desc_version; /* FFIRT_DESC_VERSION of the generator */
  const char *name;      /* library name: "my_timer" */
  const char *version;   /* the generating ffirt-gen's version, e.g. "0.1.0" */
  /* FNV-1a 64 of the normalised IDL (ffirt__gen_fingerprint): equal for two
   * builds of one API, different when a name, type or wire text changes. */
  uint64_t fingerprint;
  const ffirt_proc_desc *procs; /* declaration order */
  size_t nprocs;
  const ffirt_event_desc *events; /* declaration order */
  size_t nevents;
  const char *cddl; /* the text of <lib>.cddl (NUL-terminated) */
  /* the listener entry points (abi.md 2) */
  uint64_t (*add_event_listener_cbor)(void *ctx, const char *eventName, FFICallBack cb, void *ud);
  int (*remove_event_listener)(void *ctx, uint64_t listenerId);
} ffirt_library_desc;

#ifdef __cplusplus
}
#endif

#endif /* FFIRT_DESCRIBE_H */
