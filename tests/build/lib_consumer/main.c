/* A host of the installed my_timer: checks the header/library fingerprint,
 * creates a timer, calls it through the blocking form, destroys it. */
#include <my_timer/my_timer.h>
#include <my_timer/my_timer_cbor.h>

#include <stdio.h>
#include <string.h>

static void ignore(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  (void)ud;
}

int main(void) {
  if (MY_TIMER_CHECK_ABI() != 0) return 1;
  TimerConfig config = {.name = "installed"};
  void *ctx = my_timer_create(config, ignore, NULL);
  if (!ctx) return 1;
  EchoRequest req = {.message = "hello", .delayMs = 1};
  EchoResponse out;
  char err[256];
  if (my_timer_echo_wait(ctx, 10000, &out, err, sizeof err, req) != RET_OK) {
    fprintf(stderr, "lib_consumer: echo failed: %s\n", err);
    return 1;
  }
  int ok = strcmp(out.echoed, "hello") == 0 && strcmp(out.timerName, "installed") == 0;
  printf("lib_consumer: %s by %s\n", out.echoed, out.timerName);
  my_timer_echo_result_free(&out);
  return my_timer_destroy(ctx) == 0 && ok ? 0 : 1;
}
