/*
 * builtin.c - the event types the runtime itself emits: not_responding and
 * responding (liveness, empty payload) and dropped_events (uint64_t count).
 *
 * Design notes: constant descriptors, no state; the encoders run on the
 * event thread during in-thread dispatch (thread.c).
 */
#include "events/events_internal.h"

static int encode_empty(ffirt_cbor_enc *e, const void *payload) {
  (void)payload;
  return ffirt_cbor_enc_map(e, 0);
}

static int encode_u64(ffirt_cbor_enc *e, const void *payload) {
  return ffirt_cbor_enc_uint(e, *(const uint64_t *)payload);
}

const ffirt_event_type ffirt_event_not_responding = {"not_responding", 0, NULL, NULL, encode_empty};
const ffirt_event_type ffirt_event_responding = {"responding", 0, NULL, NULL, encode_empty};
const ffirt_event_type ffirt_event_dropped_events = {"dropped_events", sizeof(uint64_t), NULL, NULL,
                                                     encode_u64};
