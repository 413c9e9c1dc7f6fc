/*
 * serve.h - the transport-independent core of ffirt-serve (serve_core.c):
 * hosts one dlopen'ed generated library through its reflection descriptor
 * and answers the requests of docs/remote.md. serve_main.c binds it to NATS;
 * tests/remote/test_serve_fuzz.c binds it to a recording fake, so hostile
 * input reaches the very handler the server runs.
 */
#ifndef FFIRT_REMOTE_SERVE_H
#define FFIRT_REMOTE_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ffirt/describe.h"

typedef struct serve serve;
typedef struct serve_ctx serve_ctx;

/* What the core needs from a transport. Called from any thread, never with
 * the core's lock held while the library runs user code. */
typedef struct serve_tx {
  void *t;
  void (*publish)(void *t, const char *subject, const uint8_t *data, size_t len);
  /* subscribes subject, delivering to serve_handle_ctx(s, c, ...); returns a
   * subscription or NULL */
  void *(*subscribe)(void *t, const char *subject, serve_ctx *c);
  void (*unsubscribe)(void *t, void *sub);
} serve_tx;

/* lib: the descriptor; max_contexts 0 = unlimited. NULL when out of memory. */
serve *serve_new(const ffirt_library_desc *lib, serve_tx tx, size_t max_contexts);
/* Destroys every context (answering what is in flight), then frees s. */
void serve_free(serve *s);
const char *serve_id(const serve *s);
const char *serve_prefix(const serve *s); /* "ffirt.<lib>" */
size_t serve_contexts(serve *s);
/* No new contexts from now on (drain). */
void serve_stop_accepting(serve *s);

/* A message on P.new (constructors) or P.static. reply may be NULL (then
 * nothing is answered). */
void serve_handle_new(serve *s, const char *reply, const uint8_t *data, size_t len);
/* A constructor on P.new.<client>: the context is leased to client (32
 * lower-case hex digits; anything else is answered RET_ERR). NULL = no lease,
 * as serve_handle_new. */
void serve_handle_new_from(serve *s, const char *client, const char *reply, const uint8_t *data,
                           size_t len);
/* A lease announcement on P.lease.<client>: renews that client's lease. */
void serve_handle_lease(serve *s, const char *client);
void serve_handle_static(serve *s, const char *reply, const uint8_t *data, size_t len);
/* A message on P.ctx.<id> for c (the closure given to subscribe). */
void serve_handle_ctx(serve *s, serve_ctx *c, const char *reply, const uint8_t *data, size_t len);
/* Reclaims the contexts of clients whose lease ran out, frees destroyed
 * contexts past their grace and publishes the heartbeat
 * [server-id, contexts, lease-ms]. */
void serve_tick(serve *s);

/* Leases: a client not seen for lease_ms loses its contexts (0: never). */
#define SERVE_LEASE_MS_DEFAULT 10000
void serve_set_lease(serve *s, int64_t lease_ms);
/* The transport is (up) or is not connected: while it is not, no lease runs
 * out; every change renews all of them. */
void serve_set_connected(serve *s, int up);

#endif /* FFIRT_REMOTE_SERVE_H */
