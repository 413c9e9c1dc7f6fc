/*
 * fuzz_gen_decoders.c - libFuzzer target of every generated decoder of the
 * kitchen-sink IDL: the glue's request decoders (one per procedure, which
 * reach every type) and the CBOR host header's per-type decoders.
 *
 * The first input byte picks the decoder, the rest is the CBOR. Properties:
 * no crash, leak or sanitizer report; a rejected input has an error text
 * naming a path and a reason; an accepted value re-encodes canonically
 * (encode(decode(encode(x))) == encode(x)).
 *
 * The generated glue is compiled into this TU (#include) so its static
 * decoders are reachable; tests/gen/kitchen/kitchen.c provides the handlers
 * it references.
 */
#include <stdlib.h>
#include <string.h>

#include "kitchen_sink_ffi.c"

#include "kitchen_sink_cbor.h"

/* CHECK() is compiled out in release fuzz builds; a broken property must abort. */
#define CHECK(x)                                                                                   \
  do {                                                                                             \
    if (!(x)) abort();                                                                             \
  } while (0)

/* The glue's decoder of one procedure's request; the error text must say
 * where and why. The glue's own names all start with kitchen_sink__ffi_. */
#define GLUE_REQUEST(proc, release)                                                                \
  do {                                                                                             \
    kitchen_sink__ffi_##proc##_args a;                                                             \
    kitchen_sink__ffi_gen_dec c;                                                                   \
    memset(&a, 0, sizeof a);                                                                       \
    kitchen_sink__ffi_dec_init(&c, data, size);                                                    \
    if (kitchen_sink__ffi_dec_finish(&c, kitchen_sink__ffi_decode__##proc##_args(&c, &a))) {       \
      char text[384];                                                                              \
      size_t n = kitchen_sink__ffi_err_text(&c.err, "request", text, sizeof text);                 \
      CHECK(n > 2 && strstr(text, ": ") != NULL && c.err.msg[0] != '\0');                          \
    }                                                                                              \
    release;                                                                                       \
  } while (0)
#define GLUE_FREE(proc) kitchen_sink__ffi_free__##proc##_args(&a)

/* Host header: decode, and when accepted encode twice and compare. */
#define HOST_TYPE(T, api)                                                                          \
  do {                                                                                             \
    T v;                                                                                           \
    char err[256];                                                                                 \
    if (api##_decode(data, size, &v, err, sizeof err) != 0) {                                      \
      CHECK(strstr(err, ": ") != NULL);                                                            \
      break;                                                                                       \
    }                                                                                              \
    uint8_t *once = NULL, *twice = NULL;                                                           \
    size_t once_len = 0, twice_len = 0;                                                            \
    int enc = api##_encode(&v, &once, &once_len);                                                  \
    api##_free(&v);                                                                                \
    if (enc != 0) break; /* an enum ordinal cannot come from the wire: out of memory only */       \
    T again;                                                                                       \
    int rc = api##_decode(once, once_len, &again, err, sizeof err);                                \
    CHECK(rc == 0);                                                                                \
    CHECK(api##_encode(&again, &twice, &twice_len) == 0);                                          \
    CHECK(twice_len == once_len && memcmp(once, twice, once_len) == 0);                            \
    api##_free(&again);                                                                            \
    free(once);                                                                                    \
    free(twice);                                                                                   \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned pick = data[0] % 16;
  data++;
  size--;
  switch (pick) {
  case 0: GLUE_REQUEST(create, GLUE_FREE(create)); break;
  case 1: GLUE_REQUEST(echo_scalars, GLUE_FREE(echo_scalars)); break;
  case 2: GLUE_REQUEST(echo_containers, GLUE_FREE(echo_containers)); break;
  case 3: GLUE_REQUEST(echo_everything, GLUE_FREE(echo_everything)); break;
  case 4: GLUE_REQUEST(set_many, GLUE_FREE(set_many)); break;
  case 5: GLUE_REQUEST(emit_all, GLUE_FREE(emit_all)); break;
  case 6: GLUE_REQUEST(add, (void)a); break;
  case 7: GLUE_REQUEST(counter, (void)a); break;
  case 8: HOST_TYPE(Scalars, kitchen_sink_Scalars); break;
  case 9: HOST_TYPE(Containers, kitchen_sink_Containers); break;
  case 10: HOST_TYPE(Everything, kitchen_sink_Everything); break;
  case 11: HOST_TYPE(PairSeenPayload, kitchen_sink_PairSeenPayload); break;
  case 12: HOST_TYPE(kitchen_sink_seq_opt_string, kitchen_sink_seq_opt_string); break;
  case 13: HOST_TYPE(kitchen_sink_opt_bytes, kitchen_sink_opt_bytes); break;
  case 14: {
    uint64_t tick;
    char err[256];
    kitchen_sink_tick_event_decode(data, size, &tick, err, sizeof err);
    Everything e;
    if (kitchen_sink_on_everything_event_decode(data, size, &e, err, sizeof err) == 0)
      kitchen_sink_Everything_free(&e);
    break;
  }
  default: {
    char name[64];
    kitchen_sink_event_type(data, size, name, sizeof name);
    break;
  }
  }
  return 0;
}
