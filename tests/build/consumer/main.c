/* Links the installed runtime and checks it is the version we built. */
#include <ffirt/ffirt.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(ffirt_version(), argv[1]) != 0) {
    fprintf(stderr, "consumer: linked ffirt %s, expected %s\n", ffirt_version(),
            argc > 1 ? argv[1] : "?");
    return 1;
  }
  printf("consumer: ffirt %s\n", ffirt_version());
  return 0;
}
