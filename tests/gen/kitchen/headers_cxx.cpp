// headers_cxx.cpp - the generated host headers of two libraries (and the
// author's header, for handlers written in C++) compile together as C++17
// with -Wall -Wextra -Werror -pedantic, declare every export with C linkage
// and the signature of abi.md 2, and keep the native layout of abi.md 5
// (pointer first, presence flag first).
#include "kitchen_sink.h"
#include "kitchen_sink_ffi.h"
#include "kitchen_sink_cbor.h"
#include "my_timer.h"
#include "my_timer_cbor.h"

#include <cstddef>
#include <cstdio>
#include <type_traits>

static_assert(offsetof(Containers, points) < offsetof(Containers, points_len),
              "seq: pointer first");
static_assert(offsetof(Containers, origin_present) < offsetof(Containers, origin),
              "optional: flag first");
static_assert(sizeof(Color) == sizeof(int32_t), "enums are int32_t");
static_assert(sizeof(Empty) == 1, "an empty struct has one byte");
static_assert(offsetof(ComplexRequest, messages) == 0, "my_timer layout");
static_assert(std::is_same<decltype(&my_timer_echo),
                           int (*)(void *, FFICallBack, void *, EchoRequest)>::value,
              "native method");
static_assert(
    std::is_same<decltype(&my_timer_create), void *(*)(TimerConfig, FFICallBack, void *)>::value,
    "native constructor: params first");
static_assert(std::is_same<decltype(&kitchen_sink_create_cbor),
                           void *(*)(const uint8_t *, size_t, FFICallBack, void *)>::value,
              "CBOR constructor");
static_assert(std::is_same<decltype(&kitchen_sink_add_cbor),
                           int (*)(FFICallBack, void *, const uint8_t *, size_t)>::value,
              "CBOR static");
static_assert(std::is_same<decltype(&my_timer_add_event_listener_cbor),
                           uint64_t (*)(void *, const char *, FFICallBack, void *)>::value,
              "CBOR listener");
static_assert(
    std::is_same<decltype(&kitchen_sink_set_many_impl),
                 void (*)(ffirt_call *, KitchenState *, int32_t, const char *, const uint8_t *,
                          size_t, Color, const Point *, const kitchen_sink_seq_string *,
                          const kitchen_sink_opt_i64 *)>::value,
    "_impl: scalars by value, strings, bytes, the rest by const pointer");
static_assert(std::is_same<decltype(&kitchen_sink_emit_pair_seen),
                           int (*)(ffirt_ctx *, const char *, int64_t,
                                   const kitchen_sink_opt_Point *)>::value,
              "multi-parameter emitter");
static_assert(std::is_same<decltype(&kitchen_sink_add_tick_listener),
                           uint64_t (*)(void *, void (*)(const uint64_t *, void *), void *)>::value,
              "typed listener");

int main() {
  kitchen_sink_event_handlers h = {};
  std::printf("%d\n", h.tick == nullptr && Color_black == 10 && MAX_U8 == 255u);
  return 0;
}
