/*
 * ffirt/events.h - listener registry, dual native/CBOR delivery, the event
 * thread and liveness monitoring (docs/abi.md section 4).
 *
 * An ffirt_events object belongs to one context (ffirt_ctx_events()) but is
 * usable on its own (tests, benchmarks). It owns:
 *  - the registry: listeners per event name plus the "" wildcard channel,
 *    each native (typed struct by pointer) or CBOR (envelope bytes);
 *  - a bounded queue of emitted events and the delivery thread that drains
 *    it; listeners only ever run on that thread;
 *  - the liveness monitor: the owner bumps ffirt_events_beat() and the event
 *    thread emits not_responding / responding on a stall.
 *
 * Guarantees (abi.md 4.3): add/remove from inside a callback never deadlock;
 * a listener added during a delivery is not called for that event, one
 * removed before it is reached is not called; when ffirt_events_remove()
 * returns on a thread other than the delivery thread, the listener is not
 * running and never runs again; no lock is held while a listener runs.
 * (A context's worker thread removes through ffirt_ctx_remove_listener(),
 * which never waits there: see context.h.)
 *
 * Event hooks (ffirt_event_type's copy and encode) follow one error
 * convention: 0, or a negative FFIRT_E* code saying why (FFIRT_ENOMEM,
 * FFIRT_ERANGE for a value out of range such as an enum value with no
 * enumerator, FFIRT_EINVAL ...). ffirt_events_emit() returns the hook's
 * code unchanged; the event is then not delivered, its CBOR listeners get
 * RET_ERR with a text naming the event and the reason (once each), and
 * ffirt_events_failed() counts it. A positive return is treated as
 * FFIRT_EINVAL.
 */
#ifndef FFIRT_EVENTS_H
#define FFIRT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "ffirt/abi.h"
#include "ffirt/cbor.h"
#include "ffirt/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ffirt_events ffirt_events;

typedef enum ffirt_listener_kind {
  FFIRT_LISTENER_NATIVE = 0, /* gets const T * (per-event) or FFIEventView (wildcard) */
  FFIRT_LISTENER_CBOR = 1    /* gets the CBOR envelope {eventType, payload} */
} ffirt_listener_kind;

/*
 * Describes one event type; generated code emits one static instance per
 * IDL event. All function pointers may be NULL when the payload is flat
 * (no pointers): copy then is memcpy, free a no-op.
 */
typedef struct ffirt_event_type {
  const char *name; /* wire name, e.g. "on_echo_fired" */
  size_t size;      /* sizeof(T); 0 for an empty payload */
  /* Deep-copies *src into dst (size bytes, uninitialised). 0 or an FFIRT_E*
   * code (see the convention above); on failure dst holds nothing that
   * needs freeing. */
  int (*copy)(void *dst, const void *src);
  /* Frees what copy allocated inside p (not p itself). */
  void (*free)(void *p);
  /* Encodes the payload's CBOR (not the envelope). 0 or an FFIRT_E* code;
   * an encoder error (e->err) counts as the hook's. */
  int (*encode)(ffirt_cbor_enc *e, const void *payload);
} ffirt_event_type;

/* The built-in events (abi.md 4.4 and 4.3.5). */
extern const ffirt_event_type ffirt_event_not_responding; /* payload: none, CBOR {} */
extern const ffirt_event_type ffirt_event_responding;     /* payload: none, CBOR {} */
extern const ffirt_event_type ffirt_event_dropped_events; /* payload: uint64_t */

typedef enum ffirt_overflow {
  FFIRT_OVERFLOW_DROP_NEWEST = 0, /* default: the event being emitted is dropped */
  FFIRT_OVERFLOW_DROP_OLDEST = 1, /* the oldest queued event is dropped */
  FFIRT_OVERFLOW_BLOCK = 2        /* the emitter waits up to block_timeout_ms, then drops newest */
} ffirt_overflow;

typedef enum ffirt_on_destroy {
  FFIRT_ON_DESTROY_DELIVER = 0, /* default: queued events are delivered first */
  FFIRT_ON_DESTROY_DISCARD = 1  /* queued events are freed undelivered (counted as dropped) */
} ffirt_on_destroy;

typedef struct ffirt_events_config {
  size_t capacity;           /* queued events; default 1024 */
  ffirt_overflow overflow;   /* default FFIRT_OVERFLOW_DROP_NEWEST */
  uint32_t block_timeout_ms; /* for FFIRT_OVERFLOW_BLOCK; default 100 */
  ffirt_on_destroy on_destroy;
  uint32_t liveness_grace_ms; /* default 10000 */
  uint32_t stall_ms;          /* default 1000; 0 disables liveness */
} ffirt_events_config;

/* Fills cfg with the defaults above. Any thread. */
void ffirt_events_config_init(ffirt_events_config *cfg);

/*
 * Creates a registry and starts its event thread. cfg may be NULL (defaults);
 * it is copied. Returns 0, FFIRT_EINVAL (bad config), FFIRT_ENOMEM or
 * FFIRT_ETHREAD. Any thread; not from a listener of the object being made.
 */
int ffirt_events_create(const ffirt_events_config *cfg, ffirt_events **out);

/*
 * Stops accepting events, delivers or discards what is queued (per config),
 * runs every pending release callback, joins the thread and frees ev.
 * Returns 0, or FFIRT_EDEADLK when called from ev's own event thread (then
 * nothing happens). Any other thread. It waits for the listener running
 * now (and, with FFIRT_ON_DESTROY_DELIVER, the queued deliveries): unbounded
 * only if a listener never returns. Context destroy is bounded instead
 * (context.h): it detaches an event thread that overruns its bound.
 */
int ffirt_events_destroy(ffirt_events *ev);

/*
 * Adds a listener. name NULL or "" = wildcard; name is copied (any name is
 * accepted; the generated exports check it against the library's events).
 * release (may be NULL) runs exactly once with ud after the listener is
 * fully detached (removed and not running, or the registry destroyed), on
 * the thread that detached it or on the event thread. Returns the id (1,
 * 2, ... unique, never reused, < 2^53), or 0 when cb is NULL, ev is NULL,
 * memory runs out, or name would be the registry's 4097th distinct event
 * name (a registry keeps every name it was given until it is destroyed, so
 * it bounds them; logged). Any thread, including from inside a listener
 * (the new listener is not called for the event being delivered).
 */
uint64_t ffirt_events_add(ffirt_events *ev, const char *name, ffirt_listener_kind kind,
                          FFICallBack cb, void *ud, void (*release)(void *ud));

/*
 * Removes listener id. Returns 0, or FFIRT_ENOTFOUND (unknown or already
 * removed id). From a thread other than the event thread it waits until the
 * listener is not running (bounded by that listener's current call) and its
 * release callback has run; so does a second remove of a listener another
 * remove (or the listener itself) is still detaching, which then returns
 * FFIRT_ENOTFOUND. From inside a listener it does not wait: the listener is
 * not called again after its current call, and its release runs on the
 * event thread after the current delivery.
 */
int ffirt_events_remove(ffirt_events *ev, uint64_t id);

/* Removes every listener (same waiting rules); the id counter is kept. */
void ffirt_events_remove_all(ffirt_events *ev);

/*
 * Listeners that an event named name would reach for kind: its per-name
 * listeners plus the wildcard ones (name NULL = wildcard only). Lock-free
 * read; may be stale by the time it returns. Any thread.
 */
size_t ffirt_events_count(ffirt_events *ev, const char *name, ffirt_listener_kind kind);

/*
 * Emits an event: when any listener matches, copies the payload (deep copy
 * for native listeners, the encoded envelope for CBOR listeners; each at
 * most once) into the queue and returns at once. Returns 0 (queued, or
 * nothing listens), FFIRT_EFULL (dropped by the overflow policy; counted),
 * a hook's error code (see the convention above; FFIRT_ENOMEM when the
 * runtime's own allocation fails), FFIRT_ECLOSED (destroying),
 * FFIRT_EINVAL. Any thread,
 * including listeners and the worker thread; never blocks unless the policy
 * is FFIRT_OVERFLOW_BLOCK (bounded by block_timeout_ms).
 */
int ffirt_events_emit(ffirt_events *ev, const ffirt_event_type *type, const void *payload);

/*
 * Emits an event known only by name with a pre-encoded CBOR payload (one
 * well-formed item, e.g. forwarded from elsewhere); payload is copied into
 * the envelope {eventType: name, payload}. It reaches the CBOR listeners of
 * name and the CBOR wildcard listeners; native listeners (per-event and
 * wildcard) are not called: there is no native struct to give them.
 * Returns as ffirt_events_emit(), FFIRT_EINVAL for a NULL/empty or invalid
 * UTF-8 name or a payload that is not exactly one well-formed CBOR item.
 * Any thread.
 */
int ffirt_events_emit_cbor(ffirt_events *ev, const char *name, const uint8_t *payload, size_t len);

/* Events dropped since creation. Any thread. */
uint64_t ffirt_events_dropped(ffirt_events *ev);

/* Events whose payload could not be built (a hook error: emit returned it
 * and the CBOR listeners got RET_ERR) since creation. Any thread. */
uint64_t ffirt_events_failed(ffirt_events *ev);

/* Liveness: the monitored thread calls this to show progress (a relaxed
 * atomic increment; cheap). Any thread. */
void ffirt_events_beat(ffirt_events *ev);

/* Liveness: the monitored thread calls this with idle = 1 just before it
 * blocks waiting for work and with idle = 0 as soon as it runs again. While
 * it is idle no stall is reported, and once it has stayed idle for a few
 * checks the event thread sleeps without any periodic wake-up until the
 * next event or ffirt_events_idle(ev, 0). Never called: the thread is
 * watched all the time (a check every stall_ms / 4). Any thread; cheap. */
void ffirt_events_idle(ffirt_events *ev, int idle);

/* 1 when called on ev's event-delivery thread. */
int ffirt_events_on_thread(ffirt_events *ev);

#ifdef __cplusplus
}
#endif

#endif /* FFIRT_EVENTS_H */
