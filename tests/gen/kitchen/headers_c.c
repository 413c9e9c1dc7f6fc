/*
 * headers_c.c - the generated host headers of two libraries compile
 * together as C11 with -Wall -Wextra -Werror -pedantic and declare the
 * exports with the signatures of abi.md 2; my_timer's CBOR host header
 * produces and reads the worked example bytes of abi.md 6.
 */
#include "kitchen_sink.h"
#include "kitchen_sink_cbor.h"
#include "my_timer.h"
#include "my_timer_cbor.h"

#include <stdio.h>
#include <string.h>

#define HAS_TYPE(fn, type) _Generic(&(fn), type : 1, default : 0)

static int signatures(void) {
  return HAS_TYPE(my_timer_echo, int (*)(void *, FFICallBack, void *, EchoRequest)) &&
         HAS_TYPE(my_timer_destroy, int (*)(void *)) &&
         HAS_TYPE(kitchen_sink_remove_event_listener, int (*)(void *, uint64_t)) &&
         HAS_TYPE(kitchen_sink_set_many,
                  int (*)(void *, FFICallBack, void *, int32_t, const char *, const uint8_t *,
                          size_t, Color, Point, const char *const *, size_t, int, int64_t));
}

/* abi.md 6: my_timer_echo_cbor with message "hi" and delay 200, and the
 * event after it. */
static int worked_example(void) {
  static const uint8_t request[] = {0xa1, 0x63, 'r', 'e', 'q', 0xa2, 0x67, 'm',  'e',
                                    's',  's',  'a', 'g', 'e', 0x62, 'h',  'i',  0x67,
                                    'd',  'e',  'l', 'a', 'y', 'M',  's',  0x18, 0xc8};
  static const uint8_t event[] = {0xa2, 0x69, 'e', 'v', 'e', 'n', 't',  'T', 'y', 'p',  'e',  0x6d,
                                  'o',  'n',  '_', 'e', 'c', 'h', 'o',  '_', 'f', 'i',  'r',  'e',
                                  'd',  0x67, 'p', 'a', 'y', 'l', 'o',  'a', 'd', 0xa2, 0x67, 'm',
                                  'e',  's',  's', 'a', 'g', 'e', 0x62, 'h', 'i', 0x69, 'e',  'c',
                                  'h',  'o',  'C', 'o', 'u', 'n', 't',  0x01};
  EchoRequest req = {"hi", 200};
  uint8_t *bytes;
  size_t len;
  if (my_timer_echo_request_encode(req, &bytes, &len) != 0) return 0;
  int same = len == sizeof request && memcmp(bytes, request, len) == 0;
  free(bytes);
  EchoEvent evt;
  char err[128];
  if (my_timer_on_echo_fired_event_decode(event, sizeof event, &evt, err, sizeof err) != 0)
    return 0;
  same = same && strcmp(evt.message, "hi") == 0 && evt.echoCount == 1;
  my_timer_EchoEvent_free(&evt);
  return same;
}

int main(void) {
  printf("%d\n", signatures() && worked_example() && Color_black == 10);
  return 0;
}
