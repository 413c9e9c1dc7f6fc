/*
 * headers_c.c - the generated host headers of two libraries compile
 * together as C11 with -Wall -Wextra -Werror -pedantic and declare the
 * exports with the signatures of abi.md 2.
 */
#include "kitchen_sink.h"
#include "kitchen_sink_cbor.h"
#include "my_timer.h"
#include "my_timer_cbor.h"

#include <stdio.h>

#define HAS_TYPE(fn, type) _Generic(&(fn), type : 1, default : 0)

int main(void) {
  int ok = HAS_TYPE(my_timer_echo, int (*)(void *, FFICallBack, void *, EchoRequest)) &&
           HAS_TYPE(my_timer_destroy, int (*)(void *)) &&
           HAS_TYPE(kitchen_sink_remove_event_listener, int (*)(void *, uint64_t)) &&
           HAS_TYPE(kitchen_sink_set_many,
                    int (*)(void *, FFICallBack, void *, int32_t, const char *, const uint8_t *,
                            size_t, Color, Point, const char *const *, size_t, int, int64_t));
  printf("%d\n", ok);
  return 0;
}
