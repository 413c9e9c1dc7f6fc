/* A host of echo linked against libecho_remote.so: one constructor, one
 * blocking call, destroy; prints the reply (install_remote_test.sh). */
#include <echo/echo.h>

#include <stdio.h>
#include <string.h>

static void on_created(int ret, const char *msg, size_t len, void *ud) {
  (void)ud;
  if (ret != RET_OK) fprintf(stderr, "create: %.*s\n", (int)len, msg);
}

int main(void) {
  void *ctx = echo_create((EchoConfig){.prefix = "installed"}, on_created, NULL);
  if (!ctx) return 1;
  ShoutResponse out;
  char err[512];
  if (echo_shout_wait(ctx, 10000, &out, err, sizeof err, (ShoutRequest){.text = "hi"}) != RET_OK) {
    fprintf(stderr, "shout: %s\n", err);
    return 1;
  }
  printf("%s %s\n", out.shouted, out.prefix);
  echo_shout_result_free(&out);
  return echo_destroy(ctx) == 0 ? 0 : 1;
}
